#!/bin/sh
# Runs every Check suite in BUILD/tests and the end-to-end CLI tests against
# BUILD/recon, then prints one closing line with the totals.
# Usage: tests/run-all.sh BUILD_DIR
set -u
cd "$(dirname "$0")/.." || exit 1
B=${1:-build}
passed=0
failed=0
bad=""

# In a sanitizer build every process (each Check test's fork, every recon
# run of the CLI scripts) writes what AddressSanitizer, LeakSanitizer or
# UBSan find to a file of its own here rather than to a stderr a test may
# not look at: a file at the end fails the run. Leak checking is on, so the
# whole suite is also a LeakSanitizer run. Normal builds ignore these.
sanlog=$(mktemp -d "${TMPDIR:-/tmp}/recon-sanitizers.XXXXXX") || exit 1
trap 'rm -rf "$sanlog"' EXIT
export ASAN_OPTIONS="detect_leaks=1:log_path=$sanlog/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$sanlog/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks|^SKIPPED' | sed "s|^|$(basename "$t"): |"
    n=$(printf '%s\n' "$out" | sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' | tail -n 1)
    if [ -z "$n" ]; then
        echo "$t: no Check summary (exit $rc)"
        printf '%s\n' "$out" | tail -n 20
        failed=$((failed + 1)); bad="$bad $t"
        continue
    fi
    set -- $n
    passed=$((passed + $1 - $2 - $3))
    failed=$((failed + $2 + $3))
    if [ "$rc" -ne 0 ] || [ "$2" -ne 0 ] || [ "$3" -ne 0 ]; then
        printf '%s\n' "$out" | grep -vE '^[0-9]+%: Checks|^Running suite' | head -n 40
        bad="$bad $t"
    fi
done

# The CLI scripts: tests/e2e.sh, tests/hostile.sh (the hostile input
# catalog), tests/upgrade.sh (databases of earlier releases), then
# tests/link.sh (what a program linking the library sees) and
# tests/examples.sh (examples/ built against the installed library); each
# ends with "NAME: N passed, M failed".
for script in e2e hostile upgrade link examples; do
    [ -f tests/$script.sh ] || continue
    out=$(RECON="$B/recon" sh tests/$script.sh 2>&1)
    rc=$?
    summary=$(printf '%s\n' "$out" | tail -n 1)
    echo "$script ($B): $summary"
    n=$(printf '%s\n' "$summary" | sed -n "s/^$script: \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p")
    if [ -z "$n" ]; then
        printf '%s\n' "$out" | tail -n 40
        failed=$((failed + 1)); bad="$bad $script"
    else
        set -- $n
        passed=$((passed + $1)); failed=$((failed + $2))
        if [ "$rc" -ne 0 ] || [ "$2" -ne 0 ]; then
            printf '%s\n' "$out" | grep -E '^(FAIL|  )' | head -n 60
            bad="$bad $script"
        fi
    fi
done

reports=$(find "$sanlog" -type f | wc -l)
case $B in
*asan*) echo "sanitizers ($B): $reports reports (ASan, LeakSanitizer, UBSan) over every test process" ;;
esac
if [ "$reports" -ne 0 ]; then
    for f in $(find "$sanlog" -type f | head -n 3); do head -n 30 "$f"; done
    failed=$((failed + 1)); bad="$bad sanitizers"
fi

[ -n "$bad" ] && echo "failing:$bad"
echo "check ($B): $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$bad" ]
