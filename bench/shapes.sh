#!/bin/sh
# Matching on the identifier shapes of real ledgers, each at N, 2N and 4N
# (issue 14). Prints one Markdown table: for every shape and size, recon
# match's median seconds over RUNS fresh copies of the imported database,
# its peak RSS, the time ratio per doubling, sqlite3's indexed join on the
# keys cut out of the text by hand (what a person who knows the format
# would write; the same copies, alternating), the ratio of the two, and
# what the run decided, checked against the generator's answers (a wrong
# match is counted, never hidden).
#
#   prefix, midword, cut, multi, random   bench/shapegen.py, one contains
#                                         rule (bench/contains.ini)
#   dense    matchgen dense: 50 items a payout, 67 payouts a business day,
#            sequential payout ids named in full, cut inside their shared
#            prefix or not at all; the default rules. Its N counts items.
#
# Usage: bench/shapes.sh [BUILD_DIR] [N] [RUNS]   (default build 50000 3)
#        SHAPES="cut dense" bench/shapes.sh ...      (some shapes only)
set -eu
B=${1:-build}
N=${2:-50000}
RUNS=${3:-3}
R=$B/recon
G=$B/bench/matchgen
here=$(dirname "$0")
[ -x "$R" ] && [ -x "$G" ] || { echo "shapes.sh: build $R and $G first (make all $G)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "shapes.sh: needs the sqlite3 shell" >&2; exit 1; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Peak RSS needs GNU time (Debian's "time" package); without it, "-".
rss() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$d/rss" "$@"
    else
        echo - >"$d/rss" && "$@"
    fi
}
fresh() { rm -f "$2" "$2-wal" "$2-shm" && cp "$1" "$2" && sync; }

# The hand-written join per shape: the key cut out of the bank text.
join_sql() {
    case $1 in
    prefix | multi) key="substr(b.description, instr(b.description, 'INV-'), 18)" ;;
    midword) key="substr(b.description, instr(b.description, 'INV'), 3) || '-' || substr(b.description, instr(b.description, 'INV') + 3, 4) || '-' || substr(b.description, instr(b.description, 'INV') + 7, 9)" ;;
    random) key="substr(b.description, instr(b.description, 'REF ') + 4, 27)" ;;
    cut) echo "" && return ;;
    dense)
        # Items summed per payout once, then each credit joined to the
        # payouts of its amount settled within a week before it. The table
        # is declared: CREATE TABLE AS gives sum() no type affinity, and
        # then the join cannot use the index (a scan per credit).
        echo "PRAGMA cache_size = -32768; PRAGMA synchronous = NORMAL;
            CREATE TABLE pay(group_id TEXT, currency TEXT, net INTEGER, settled TEXT);
            INSERT INTO pay SELECT group_id, currency, sum(net_minor), max(settled_at)
                FROM transactions WHERE source_id = 1 GROUP BY 1, 2;
            CREATE INDEX pay_net ON pay(net, currency);
            CREATE TABLE pairs AS SELECT b.id AS bank, p.group_id AS payout FROM transactions b
                JOIN pay p ON p.net = b.amount_minor AND p.currency = b.currency
                AND julianday(b.occurred_at) - julianday(p.settled) BETWEEN 0 AND 7
                WHERE b.source_id = 2;"
        return
        ;;
    esac
    echo "PRAGMA cache_size = -32768; PRAGMA synchronous = NORMAL;
        CREATE INDEX t_ref ON transactions(reference);
        CREATE TABLE pairs AS SELECT b.id AS bank, p.id AS psp FROM transactions b
        JOIN transactions p ON p.reference = $key AND p.source_id = 1
        WHERE b.source_id = 2;"
}

# Matches whose items are not the generator's answer: bank line k pays
# invoice line k; dense bank line k + 1 pays payout k.
wrong_sql() {
    if [ "$1" = dense ]; then
        cond="CAST(substr(p.group_id, 14) AS INTEGER) <> b.line - 1"
    else
        cond="p.line <> b.line"
    fi
    echo "SELECT count(DISTINCT m.id) FROM matches m
        JOIN match_items bi ON bi.match_id = m.id AND bi.side = 'left'
        JOIN transactions b ON b.id = bi.transaction_id
        JOIN match_items pi ON pi.match_id = m.id AND pi.side = 'right'
        JOIN transactions p ON p.id = pi.transaction_id WHERE $cond;"
}

echo "| shape | N | recon match s | peak RSS MiB | x per doubling | sqlite3 join s | recon / sqlite3 | matched | exceptions | wrong |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for shape in ${SHAPES:-prefix midword cut multi random dense}; do
    prev=""
    base=$N
    [ "$shape" = dense ] && base=$((N * 5))
    for n in $base $((2 * base)) $((4 * base)); do
        d=$B/bench/shapes/$shape-$n
        rm -rf "$d" && mkdir -p "$d"
        rules=""
        if [ "$shape" = dense ]; then
            "$G" dense "$n" $((n / 50)) "$d"
            groups=$((n / 50))
        else
            python3 "$here/shapegen.py" "$shape" "$n" "$d"
            rules="--rules $here/contains.ini"
            groups=$n
        fi
        "$R" --db "$d/base.db" import --profile generic_psp --source psp "$d/psp.csv" >/dev/null
        "$R" --db "$d/base.db" import --profile generic_bank --source bank "$d/bank.csv" >/dev/null
        sql=$(join_sql "$shape")
        : >"$d/recon.times"
        : >"$d/join.times"
        : >"$d/rss.all"
        for _ in $(seq "$RUNS"); do
            fresh "$d/base.db" "$d/t.db"
            t0=$(now)
            # shellcheck disable=SC2086
            rss "$R" --db "$d/t.db" match $rules >"$d/out"
            t1=$(now)
            echo "$(sub "$t1" "$t0")" >>"$d/recon.times"
            cat "$d/rss" >>"$d/rss.all"
            if [ -n "$sql" ]; then
                fresh "$d/base.db" "$d/s.db"
                t2=$(now)
                sqlite3 "$d/s.db" "$sql" >/dev/null
                t3=$(now)
                echo "$(sub "$t3" "$t2")" >>"$d/join.times"
            fi
        done
        s=$(median <"$d/recon.times")
        kib=$(sort -n "$d/rss.all" | tail -n 1)
        mib=$([ "$kib" = - ] && echo - || echo $((kib / 1024)))
        ratio=$([ -n "$prev" ] && awk -v a="$s" -v b="$prev" 'BEGIN { printf "%.2f", a / b }' || echo "")
        join="" vs=""
        if [ -n "$sql" ]; then
            join=$(median <"$d/join.times")
            vs=$(awk -v a="$s" -v b="$join" 'BEGIN { printf "%.2f", a / b }')
        fi
        matched=$(sqlite3 "$d/t.db" "SELECT count(*) FROM matches")
        exc=$(sqlite3 "$d/t.db" "SELECT count(*) FROM exceptions WHERE closed_at IS NULL")
        wrong=$(sqlite3 "$d/t.db" "$(wrong_sql "$shape")")
        pct=$(awk -v a="$matched" -v b="$groups" 'BEGIN { printf "%.1f%%", 100 * a / b }')
        echo "| $shape | $n | $s | $mib | $ratio | $join | $vs | $matched ($pct) | $exc | $wrong |"
        prev=$s
        rm -rf "$d"
    done
done
