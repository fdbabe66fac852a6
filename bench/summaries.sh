#!/bin/sh
# The reports of a big matched book, a release before the summaries beside
# this one (issue 16, item 2): BEFORE's recon makes the book (matchgen
# one_to_many ITEMS items in ITEMS/50 payouts, a fifth of the credits
# left out, default rules, as of 2024-12-31), AFTER's opens a copy (the
# upgrade marks every block; its first report summarises them); then each
# report RUNS times on each, alternating, with wall seconds and peak RSS
# (GNU time), and whether both printed the same bytes. Last, a day on top:
# 5,000 items in 100 payouts and their credits imported and matched by
# each, and the first and second `status` after it.
#
# Usage: bench/summaries.sh BEFORE_RECON AFTER_RECON MATCHGEN ITEMS [RUNS] [DIR]
# (a build of 0.2.0 before schema 12, e.g. c347462, makes BEFORE_RECON:
#  git worktree add /tmp/old c347462 && make -C /tmp/old build/recon)
set -eu
O=$1 N=$2 G=$3 ITEMS=$4 RUNS=${5:-3}
d=${6:-$(mktemp -d "${TMPDIR:-/tmp}/recon-summaries.XXXXXX")}
mkdir -p "$d"
tm() { /usr/bin/time -f "%e s, %M KiB" -o "$d/t" "$@" >/dev/null && cat "$d/t"; }

"$G" one_to_many "$ITEMS" $((ITEMS / 50)) "$d" >/dev/null
"$O" --db "$d/old.db" import --profile generic_psp --source psp "$d/psp.csv" >/dev/null
"$O" --db "$d/old.db" import --profile generic_bank --source bank "$d/bank.csv" >/dev/null
sqlite3 "$d/old.db" "DELETE FROM transactions WHERE source_id = (SELECT id FROM sources
  WHERE name = 'bank') AND id % 5 = 0"
"$O" --db "$d/old.db" match >/dev/null
"$O" --db "$d/old.db" settings set report.as_of 2024-12-31
cp "$d/old.db" "$d/new.db"
echo "after: the first report (the upgrade, then every block summarised): $(tm "$N" --db "$d/new.db" summary)"
for cmd in "status" "summary" "report summary --format csv" "report payouts --format csv" \
    "report aging --format csv" "report unmatched --format csv" "report html -o PAGE"; do
    i=0
    while [ $i -lt "$RUNS" ]; do
        o=$(tm "$O" --db "$d/old.db" $(echo "$cmd" | sed "s|PAGE|$d/old.html|"))
        n=$(tm "$N" --db "$d/new.db" $(echo "$cmd" | sed "s|PAGE|$d/new.html|"))
        echo "$cmd | before $o | after $n"
        i=$((i + 1))
    done
    "$O" --db "$d/old.db" $(echo "$cmd" | sed "s|PAGE|$d/old.html|") >"$d/o.out"
    "$N" --db "$d/new.db" $(echo "$cmd" | sed "s|PAGE|$d/new.html|") >"$d/n.out"
    if [ "${cmd#report html}" != "$cmd" ]; then mv "$d/old.html" "$d/o.out"; mv "$d/new.html" "$d/n.out"; fi
    if cmp -s "$d/o.out" "$d/n.out"; then echo "$cmd: same output"; else echo "$cmd: OUTPUT DIFFERS"; fi
done

awk -v dir="$d" 'BEGIN { srand(7)
  print "id,type,created,available_on,amount,fee,net,currency,payout_id,reference,description,customer,status"
  print "id,date,value_date,description,amount,currency,reference" > (dir "/day2_bank.csv")
  for (p = 0; p < 100; p++) { net = 0
    for (i = 0; i < 50; i++) { a = 1000 + int(rand() * 50000); f = int(a * 3 / 100); net += a - f
      printf "txn_day2_%03d_%02d,charge,2024-12-30T10:00:00Z,2024-12-31,%d.%02d,%d.%02d,%d.%02d,EUR,po_day2_%03d,,Order,,succeeded\n", p, i, a / 100, a % 100, f / 100, f % 100, (a - f) / 100, (a - f) % 100, p }
    printf "po_day2_%03d,payout,2024-12-31T00:00:00Z,2024-12-31,-%d.%02d,0.00,-%d.%02d,EUR,po_day2_%03d,,Payout,,paid\n", p, net / 100, net % 100, net / 100, net % 100, p
    printf "BKDAY2%03d,2024-12-31,2024-12-31,STRIPE PAYOUT PO_DAY2_%03d,%d.%02d,EUR,\n", p, p, net / 100, net % 100 > (dir "/day2_bank.csv") } }' >"$d/day2_psp.csv"
for who in before after; do
    R=$O db=$d/old.db
    [ $who = after ] && R=$N db=$d/new.db
    echo "$who, a day on top: import $(tm "$R" --db "$db" import --profile generic_psp --source psp "$d/day2_psp.csv"); $(tm "$R" --db "$db" import --profile generic_bank --source bank "$d/day2_bank.csv")"
    echo "$who, a day on top: match $(tm "$R" --db "$db" match)"
    echo "$who, a day on top: first status $(tm "$R" --db "$db" status); second $(tm "$R" --db "$db" status)"
done
