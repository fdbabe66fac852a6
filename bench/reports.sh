#!/bin/sh
# Reports beside the same report written by hand in SQL (issue 16): on a
# matched database, each `recon report` (CSV to /dev/null) and the query a
# person who knows the tables would write for the same figures, run by the
# sqlite3 shell, alternating, RUNS times each; medians, the ratio, peak
# RSS, and a check that both give the same rows (and, for summary and
# aging, the same keys and counts).
#
#   summary    per source and currency: transactions, matched, unmatched,
#              in exceptions and ignored, counts and sums
#   unmatched  every row unmatched or in an exception, with its age
#   aging      those by source, currency and age bucket
#
# The hand-written queries read the tables (transactions, match_items,
# matches, ignores, exceptions), each status worked out once per row with
# three anti-joins; recon's reports read the reporting views.
#
# The data: `matchgen one_to_many ITEMS ITEMS/50` (payout items, fees, bank
# credits naming the payouts), imported, a fifth of the bank credits left
# out so that a fifth of the items stay unmatched, matched with the default
# rules, report.as_of 2024-12-31.
#
# Usage: bench/reports.sh BUILD_DIR ITEMS [RUNS]   (make bench-reports)
set -eu
B=$1
ITEMS=$2
RUNS=${3:-3}
R=$B/recon
G=$B/bench/matchgen
[ -x "$R" ] && [ -x "$G" ] || { echo "reports.sh: build $R and $G first" >&2; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/recon-reports.XXXXXX")
trap 'rm -rf "$d"' EXIT
db=$d/books.db
"$G" one_to_many "$ITEMS" $((ITEMS / 50)) "$d"
"$R" --db "$db" import --profile generic_psp --source psp "$d/psp.csv" >/dev/null
"$R" --db "$db" import --profile generic_bank --source bank "$d/bank.csv" >/dev/null
sqlite3 "$db" "DELETE FROM transactions WHERE source_id = (SELECT id FROM sources
  WHERE name = 'bank') AND id % 5 = 0"
"$R" --db "$db" match >/dev/null
"$R" --db "$db" settings set report.as_of 2024-12-31
asof=$(sqlite3 "$db" "SELECT coalesce((SELECT value FROM meta WHERE key = 'report.as_of'), date('now'))")
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Peak RSS in KiB into the file $1 (GNU time, Debian's "time"), else "-".
timed() {
    out=$1
    shift
    if [ -x /usr/bin/time ]; then /usr/bin/time -f %M -o "$out" "$@"; else echo - >"$out" && "$@"; fi
}
mib() { awk '{ if ($1 == "-") print "-"; else printf "%.1f", $1 / 1024 }' "$1"; }

STATUS="WITH m AS (SELECT DISTINCT mi.transaction_id AS id FROM match_items mi
    JOIN matches x ON x.id = mi.match_id WHERE x.undone_at IS NULL),
  i AS (SELECT transaction_id AS id FROM ignores WHERE undone_at IS NULL),
  e AS (SELECT DISTINCT transaction_id AS id FROM exceptions WHERE closed_at IS NULL),
  st AS MATERIALIZED (SELECT t.id, s.name AS source, t.currency, t.amount_minor,
    date(t.occurred_at) AS day, t.kind, t.external_id, t.group_id, t.description,
    CASE WHEN m.id IS NOT NULL THEN 'matched' WHEN i.id IS NOT NULL THEN 'ignored'
         WHEN e.id IS NOT NULL THEN 'exception' ELSE 'unmatched' END AS status
    FROM transactions t JOIN sources s ON s.id = t.source_id
    LEFT JOIN m ON m.id = t.id LEFT JOIN i ON i.id = t.id LEFT JOIN e ON e.id = t.id),
  u AS (SELECT *, CAST(julianday('$asof') - julianday(day) AS INTEGER) AS age FROM st
    WHERE status IN ('unmatched', 'exception'))"
SQL_summary="$STATUS SELECT source, currency, count(*),
  sum(status = 'matched'), sum(CASE WHEN status = 'matched' THEN amount_minor ELSE 0 END),
  sum(status = 'unmatched'), sum(CASE WHEN status = 'unmatched' THEN amount_minor ELSE 0 END),
  sum(status = 'exception'), sum(CASE WHEN status = 'exception' THEN amount_minor ELSE 0 END),
  sum(status = 'ignored') FROM st GROUP BY source, currency ORDER BY source, currency;"
SQL_unmatched="$STATUS SELECT day, age, CASE WHEN age <= 2 THEN '0-2' WHEN age <= 7 THEN '3-7'
  WHEN age <= 30 THEN '8-30' ELSE 'over 30' END, source, status, kind, external_id, group_id,
  currency, amount_minor, description FROM u WHERE age >= 0 ORDER BY day, source, id;"
SQL_aging="$STATUS SELECT source, currency, CASE WHEN age <= 2 THEN '0-2' WHEN age <= 7 THEN '3-7'
  WHEN age <= 30 THEN '8-30' ELSE 'over 30' END AS bucket, count(*), sum(amount_minor),
  sum(abs(amount_minor)), min(day) FROM u WHERE age >= 0 GROUP BY source, currency, bucket
  ORDER BY source, currency, min(age) DESC;"

echo "#### $ITEMS items in $((ITEMS / 50)) payouts, a fifth unmatched ($(date -u +%Y-%m-%d), $RUNS runs each, alternating)"
echo
echo "| report | rows | recon median s | hand-written SQL median s | recon / SQL | recon peak RSS MiB | sqlite3 peak RSS MiB | same figures |"
echo "|---|--:|--:|--:|--:|--:|--:|---|"
for rep in summary unmatched aging; do
    eval "sql=\$SQL_$rep"
    : >"$d/t_recon"
    : >"$d/t_sql"
    for k in $(seq "$RUNS"); do
        t0=$(now)
        timed "$d/rss_recon" "$R" --db "$db" report "$rep" --format csv >"$d/out_recon"
        t1=$(now)
        timed "$d/rss_sql" sqlite3 -batch -csv "$db" "$sql" >"$d/out_sql"
        t2=$(now)
        echo "$(sub "$t1" "$t0")" >>"$d/t_recon"
        echo "$(sub "$t2" "$t1")" >>"$d/t_sql"
    done
    rr=$(median <"$d/t_recon")
    rs=$(median <"$d/t_sql")
    nr=$(($(wc -l <"$d/out_recon") - 1))
    [ "$nr" -ge 0 ] || nr=0
    ns=$(wc -l <"$d/out_sql" | tr -d ' ')
    same=no
    case $rep in
    unmatched) [ "$nr" -eq "$ns" ] && same="yes (rows)" ;;
    *)
        # Keys and counts (recon formats money in major units): summary's
        # source, currency, transactions, matched; aging's source,
        # currency, bucket, items.
        a=$(tail -n +2 "$d/out_recon" | tr -d '"' | awk -F, '{ print $1, $2, $3, $4 }' | sort)
        b=$(tr -d '"' <"$d/out_sql" | awk -F, '{ print $1, $2, $3, $4 }' | sort)
        [ "$a" = "$b" ] && [ "$nr" -eq "$ns" ] && same="yes (rows, counts)"
        ;;
    esac
    echo "| $rep | $nr | $rr | $rs | $(awk -v a="$rr" -v b="$rs" 'BEGIN { printf "%.2f", a / b }') | $(mib "$d/rss_recon") | $(mib "$d/rss_sql") | $same |"
done
