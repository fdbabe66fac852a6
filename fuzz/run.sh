#!/bin/sh
# Runs libFuzzer harnesses for a fixed time each and prints one summary
# line per target, then a total:
#
#   fuzz-summary csv: 123456 inputs tried in 5 s, 0 crashes (corpus 210 inputs)
#   fuzz-total: 7 targets, 812345 inputs tried, 0 crashes
#
# Usage: fuzz/run.sh BUILD_DIR SECONDS TARGET...
# Each target starts from fuzz/corpus/T and fuzz/regressions/T (read only)
# and BUILD_DIR/corpus/T (what earlier runs found; new inputs go there),
# with fuzz/dict/T.dict when there is one. A crash, leak, hang (over 10 s)
# or sanitizer report leaves its input in BUILD_DIR/artifacts/T/ and makes
# the exit status 1. Extra libFuzzer flags: FUZZ_ARGS. Temporary files go
# to $TMPDIR, else /dev/shm when writable.
set -u
cd "$(dirname "$0")/.." || exit 1
B=$1
secs=$2
shift 2
ntargets=$#
# The import harness writes a database per input: on tmpfs, fsync is free.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
fi
total=0
crashes=0
bad=""

for t in "$@"; do
    bin="$B/fuzz_$t"
    work="$B/corpus/$t"
    art="$B/artifacts/$t"
    log="$B/logs/$t.log"
    mkdir -p "$work" "$art" "$B/logs"
    rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-* "$art"/slow-unit-*
    set -- "$work"
    for d in fuzz/corpus/"$t" fuzz/regressions/"$t"; do
        [ -d "$d" ] && set -- "$@" "$d"
    done
    dict=""
    [ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$art/" $dict ${FUZZ_ARGS:-} "$@" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=0
    found=$(find "$art" -type f | wc -l)
    [ "$rc" -ne 0 ] && [ "$found" -eq 0 ] && found=1
    ncorpus=$(find "$work" -type f | wc -l)
    echo "fuzz-summary $t: $execs inputs tried in $secs s, $found crashes (corpus $ncorpus inputs)"
    total=$((total + execs))
    if [ "$found" -ne 0 ]; then
        crashes=$((crashes + found))
        bad="$bad $t"
        grep -E 'ERROR|SUMMARY|invariant failed|runtime error|Test unit written' "$log" | head -n 20
        echo "  (full log: $log; inputs: $art/)"
    fi
done

echo "fuzz-total: $ntargets targets, $total inputs tried, $crashes crashes"
[ -z "$bad" ] || { echo "fuzz: crashes in:$bad"; exit 1; }
