#!/bin/sh
# Matching by `reference = contains` on the identifier shapes of
# bench/shapegen.py, each at N, 2N and 4N (default 50k): recon match's
# seconds and peak RSS, the time ratio per doubling, and, for the whole ids,
# sqlite3's indexed join on the ids cut out of the text by hand (what a
# person who knows the format would write). One line per run.
# Usage: bench/shapes.sh [BUILD_DIR] [N]
set -eu
B=${1:-build}
N=${2:-50000}
R=$B/recon
here=$(dirname "$0")
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
for shape in prefix midword cut; do
    prev=""
    for n in $N $((2 * N)) $((4 * N)); do
        d=$B/bench/shapes/$shape-$n
        rm -rf "$d" && mkdir -p "$d"
        python3 "$here/shapegen.py" "$shape" "$n" "$d"
        "$R" --db "$d/db" import --profile generic_psp --source psp "$d/psp.csv" >/dev/null
        "$R" --db "$d/db" import --profile generic_bank --source bank "$d/bank.csv" >/dev/null
        cp "$d/db" "$d/sq.db"
        t0=$(now)
        out=$("$R" --db "$d/db" match --rules "$here/contains.ini" | head -n 1)
        t1=$(now)
        s=$(sub "$t1" "$t0")
        ratio=$([ -n "$prev" ] && awk -v a="$s" -v b="$prev" 'BEGIN { printf "x%.2f", a / b }' || echo "-")
        join="-"
        if [ "$shape" != cut ]; then
            key="substr(b.description, instr(b.description, 'INV-'), 18)"
            [ "$shape" = midword ] && key="substr(b.description, instr(b.description, 'INV'), 3) || '-' || substr(b.description, instr(b.description, 'INV') + 3, 4) || '-' || substr(b.description, instr(b.description, 'INV') + 7, 9)"
            t2=$(now)
            sqlite3 "$d/sq.db" "CREATE INDEX t_ref ON transactions(reference);
                CREATE TABLE pairs AS SELECT b.id AS bank, p.id AS psp FROM transactions b
                JOIN transactions p ON p.reference = $key AND p.source_id = 1
                WHERE b.source_id = 2;" >/dev/null
            t3=$(now)
            join=$(sub "$t3" "$t2")
        fi
        echo "$shape n=$n recon=${s}s per-doubling=$ratio sqlite3-join=${join}s: $out"
        prev=$s
        rm -f "$d/psp.csv" "$d/bank.csv" "$d/sq.db"
    done
done
