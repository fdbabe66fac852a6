#!/bin/sh
# The largest day: one business day of N card payments settled in N/50
# payouts (matchgen one_to_many), imported from its two files into a fresh
# database and matched with the default rules; one line per size with each
# step's wall-clock seconds, the match's peak RSS and the database size.
# docs/SCALE.md records its figures.
# Usage: bench/day.sh [BUILD_DIR] [N...]     (default build, 1M 2M 4M)
set -eu
B=${1:-build}
[ $# -gt 0 ] && shift
sizes=${*:-1000000 2000000 4000000}
R=$B/recon
G=$B/bench/matchgen
[ -x "$R" ] && [ -x "$G" ] || { echo "day.sh: build $R and $G first (make all $G)" >&2; exit 1; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { print a - b }'; }
# Peak RSS needs GNU time (Debian's "time" package); without it, "-".
rss() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$d/rss" "$@"
    else
        echo 0 >"$d/rss" && "$@"
    fi
}
for n in $sizes; do
    d=$B/bench/day/$n
    rm -rf "$d" && mkdir -p "$d"
    "$G" one_to_many "$n" $((n / 50)) "$d" >/dev/null
    t0=$(now)
    "$R" --db "$d/day.db" import --profile generic_psp --source psp "$d/psp.csv" >/dev/null
    t1=$(now)
    "$R" --db "$d/day.db" import --profile generic_bank --source bank "$d/bank.csv" >/dev/null
    t2=$(now)
    rss "$R" --db "$d/day.db" match >/dev/null
    t3=$(now)
    printf 'N=%s import_psp=%.1fs import_bank=%.2fs match=%.1fs total=%.1fs match_rss=%sMiB db=%sMB\n' \
        "$n" "$(sub "$t1" "$t0")" "$(sub "$t2" "$t1")" "$(sub "$t3" "$t2")" "$(sub "$t3" "$t0")" \
        $(($(cat "$d/rss") / 1024)) $(($(stat -c %s "$d/day.db") / 1000000))
    rm -f "$d/psp.csv" "$d/bank.csv"
done
