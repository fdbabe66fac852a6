#!/bin/sh
# The hostile input catalog (tests/fixtures/hostile/MANIFEST): imports every
# file through the recon CLI into a fresh database and checks the exact
# outcome the manifest states (exit status, stderr, counts, failures rows,
# stored rows), that a refused file wrote nothing, that the import record
# adds up, and that the failures and exports of what was stored still come
# out as valid CSV and JSON. Then the CSV formula escaping, end to end, and
# that docs/LIMITS.md shows the catalog as the manifest has it.
#
#   RECON=build/recon sh tests/hostile.sh        (from the repository root)
#   sh tests/hostile.sh --table                  (the catalog as Markdown)
#   HOSTILE_LEAN=1: fewer listings per case (for valgrind)
#
# Prints "ok: NAME" or "FAIL: NAME (...)" per check and, as its last line,
# "hostile: N passed, M failed"; exits 1 when M > 0.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
HOSTILE=$ROOT/tests/fixtures/hostile
MANIFEST=$HOSTILE/MANIFEST

# The manifest's cases: comments and blank lines dropped.
cases() {
    grep -v -e '^#' -e '^[[:space:]]*$' "$MANIFEST"
}

# field LINE N: the Nth " | "-separated field, trimmed.
field() {
    printf '%s\n' "$1" | awk -F ' [|] ' -v n="$2" '{ v = $n; gsub(/^ +| +$/, "", v); print v }'
}

# The catalog as a Markdown table, as docs/LIMITS.md shows it.
table() {
    echo '| File | What it is | Expected outcome |'
    echo '|---|---|---|'
    cases | while IFS= read -r c; do
        f=$(field "$c" 1) ex=$(field "$c" 2) err=$(field "$c" 3) counts=$(field "$c" 4)
        fails=$(field "$c" 5) what=$(field "$c" 7)
        case $f in
        gen:*) name="${f#gen:}.csv (generated: \`tests/hostile_gen.py ${f#gen:}\`)" ;;
        *) name=$f ;;
        esac
        if [ "$counts" = - ]; then
            outcome="exit $ex, nothing written: \`$err\`"
        else
            IFS=/ read -r rd ins dup rej <<-EOT
			$counts
			EOT
            outcome="exit $ex; read $rd, inserted $ins, duplicate $dup, rejected $rej"
            [ "$fails" != - ] && outcome="$outcome; failures (line:reason:field) $fails"
        fi
        printf '| %s | %s | %s |\n' "$name" "$what" "$outcome" | sed 's/|\([^ ]\)/\\|\1/g'
    done
}

if [ "${1:-}" = --table ]; then
    table
    exit 0
fi

. "$ROOT/tests/checks.sh"

# csv_ok FILE: parses as CSV, strictly UTF-8, every record as wide as the header.
csv_ok() {
    python3 -c '
import csv, sys
csv.field_size_limit(1 << 30)
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
sys.exit(len(rows) < 1 or len(set(len(r) for r in rows)) != 1)' "$1"
}

for tool in sqlite3 python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "hostile: $tool is needed"
        echo "hostile: 0 passed, 1 failed"
        exit 1
    }
done
if [ ! -x "$RECON" ]; then
    echo "FAIL: recon binary ($RECON is not an executable)"
    echo "hostile: 0 passed, 1 failed"
    exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/recon-hostile.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
cd "$T" || exit 1

# ---- the catalog ------------------------------------------------------------------

n=0
cases >"$T/cases"
while IFS= read -r c; do
    n=$((n + 1))
    f=$(field "$c" 1) want_rc=$(field "$c" 2) want_err=$(field "$c" 3) counts=$(field "$c" 4)
    fails=$(field "$c" 5) stored=$(field "$c" 6)
    [ "$want_err" = '""' ] && want_err=
    case $f in
    gen:*)
        file=${f#gen:}.csv
        python3 "$ROOT/tests/hostile_gen.py" "${f#gen:}" "$file" || not_ok "$f: generate" "hostile_gen.py failed"
        ;;
    *)
        file=$f
        cp "$HOSTILE/$f" "$file" || not_ok "$f: copy" "no such fixture"
        ;;
    esac
    db=$T/case$n.db
    r import --profile generic_psp --source psp "$file"
    check "$file: exit status" "$want_rc" "$rc"
    check "$file: stderr" "$want_err" "$err"
    if [ "$counts" = - ]; then
        check "$file: nothing written" "0|0|0|0" \
            "$(sql 'SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM imports), (SELECT count(*) FROM transactions), (SELECT count(*) FROM failures)')"
        rm -f "$file"
        continue
    fi
    IFS=/ read -r rd ins dup rej <<EOT
$counts
EOT
    check "$file: report" "$file: import 1 into source psp (profile generic_psp)
  rows read $rd, inserted $ins, duplicate $dup, rejected $rej" "$(printf '%s\n' "$out" | head -n 2)"
    status=ok
    [ "$rej" -gt 0 ] && status=partial
    check "$file: import record adds up" "$rd|$ins|$dup|$rej|$status|$((ins + dup + rej))" \
        "$(sql 'SELECT rows_read, rows_inserted, rows_duplicate, rows_rejected, status, rows_inserted + rows_duplicate + rows_rejected FROM imports')"
    check "$file: stored rows and failures match the counts" "$ins|$rej" \
        "$(sql "SELECT (SELECT count(*) FROM transactions), (SELECT count(*) FROM failures WHERE origin = 'import' AND import_id = 1)")"
    got=$(sql "SELECT group_concat(line || ':' || provider_code || ':' || coalesce(field, '-'), ' ') FROM (SELECT * FROM failures ORDER BY line)")
    [ "$got" = - ] || [ -z "$got" ] && got=-
    check "$file: failures (line:reason:field)" "$fails" "$got"
    case $stored in
    n=*)
        count=${stored%% *}
        check "$file: stored row count" "${count#n=}" "$(sql 'SELECT count(*) FROM transactions')"
        for item in ${stored#* }; do
            check "$file: stored $item" 1 \
                "$(sql "SELECT count(*) FROM transactions WHERE line || ':' || external_id = '$item'")"
        done
        ;;
    *)
        got=$(sql "SELECT group_concat(line || ':' || external_id, ' ') FROM (SELECT * FROM transactions ORDER BY line)")
        [ -z "$got" ] && got=-
        check "$file: stored (line:external_id)" "$stored" "$got"
        ;;
    esac
    # What was stored must come out again as valid documents. HOSTILE_LEAN=1
    # (make check-valgrind, where each recon run costs ~1.5 s) keeps one CSV
    # and one JSON of them.
    r failures list --format csv
    check "$file: failures list csv exits 0" 0 "$rc"
    csv_ok "$T/out" && ok "$file: failures list csv parses" || not_ok "$file: failures list csv parses" "a rectangular UTF-8 CSV"
    if [ -z "${HOSTILE_LEAN:-}" ]; then
        r failures list --format json
        json_valid "$T/out" && ok "$file: failures list json parses" || not_ok "$file: failures list json parses" "UTF-8 JSON"
        r summary --format json
        check "$file: summary exits 0" 0 "$rc"
    fi
    r export unmatched --format json
    check "$file: export unmatched json exits 0" 0 "$rc"
    json_valid "$T/out" && ok "$file: export unmatched json parses" || not_ok "$file: export unmatched json parses" "UTF-8 JSON"
    rm -f "$file" "$db"
done <"$T/cases"
check "catalog: cases run" "$(wc -l <"$T/cases" | tr -d ' ')" "$n"

# ---- CSV output neutralizes formulas, amounts stay numbers ------------------------------------
# formula_injection.csv stores =HYPERLINK(...), -2+3, @SUM(...) and +cmd as
# ids, payout ids and descriptions, with amounts -12.50 and -3.00.
db=$T/formula.db
cp "$HOSTILE/formula_injection.csv" .
r import --profile generic_psp --source psp formula_injection.csv
check "formula: stored verbatim" '=HYPERLINK("http://x","y")|+cmd|=HYPERLINK("http://x","y")' \
    "$(sql "SELECT external_id, group_id, description FROM transactions WHERE line = 2")"
r export unmatched
check "formula: export unmatched csv" "match_id,rule,status,side,source,external_id,group_id,amount_minor,currency
0,,unmatched,,psp,\"'+cmd\",,-300,EUR
0,,unmatched,,psp,\"'-2+3\",\"'-2+3\",500,EUR
0,,unmatched,,psp,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'+cmd\",-1250,EUR
0,,unmatched,,psp,\"'@SUM(A1:A9)\",\"'@SUM(A1:A9)\",700,EUR" "$out"
check "formula: python's csv reads the cells back with the ' prefix" "'=HYPERLINK(\"http://x\",\"y\") '+cmd -1250" \
    "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
print(" ".join(rows[3][5:8]))' "$T/out" 2>&1)"
r export unmatched --format json
check "formula: json is not escaped" '=HYPERLINK("http://x","y")' \
    "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[2]["external_id"])' "$T/out" 2>&1)"
r failures list --format csv
check "formula: failures list csv, raw cell" "\"'=SUM(1+1),charge,2024-03-01T10:04:00Z,2024-03-03,=1+1,0.00,1.00,EUR,po_1,rejected: bad amount\"" \
    "$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
i = rows[0].index("raw")
print(chr(34) + rows[1][i] + chr(34))' "$T/out" 2>&1)"
r summary --format csv
check "formula: summary csv keeps the negative total a number" "psp,psp,EUR,1,4,-3.50,-3.50,1" "$(printf '%s\n' "$out" | sed -n 2p)"
run "$RECON" --db "$db" import --profile generic_psp --source '=cmd|calc' formula_injection.csv
r summary --format csv
check "formula: summary csv escapes a source name" "\"'=cmd|calc\",psp,EUR,1,4,-3.50,-3.50,1" "$(printf '%s\n' "$out" | sed -n 2p)"
run "$RECON" --db "$db" failures record --provider '@evil' --http 500 --code '-1+1' --seen-at 2024-05-02T10:00:00Z
r failures summary --format csv
check_line=$(printf '%s\n' "$out" | grep evil)
check "formula: failures summary csv escapes the provider" "PROVIDER_ERROR,server,\"'@evil\",1,1,2024-05-02T10:00:00Z,2024-05-02T10:00:00Z" "$check_line"

# ---- totals past int64_t: flagged, the rest of the summary still works --------------------------
# Two rows of INT64_MAX minor units are each valid; their sum is not. SQLite's
# sum() used to fail the whole summary ("integer overflow"), for every source.
db=$T/overflow.db
printf '%s\n' 'id,type,created,available_on,amount,fee,net,currency,payout_id,description' \
    'x1,charge,2024-03-01T10:00:00Z,2024-03-03,92233720368547758.07,0.00,92233720368547758.07,EUR,,max' \
    'x2,charge,2024-03-01T10:00:00Z,2024-03-03,92233720368547758.07,0.00,92233720368547758.07,EUR,,max' >overflow.csv
run "$RECON" --db "$db" import --profile generic_psp --source big overflow.csv
run "$RECON" --db "$db" import --profile generic_psp --source small "$HOSTILE/header_only.csv"
cp "$HOSTILE/formula_injection.csv" small.csv
run "$RECON" --db "$db" import --profile generic_psp --source small small.csv
r summary --format csv
check "overflowing totals: summary csv exit 0" 0 "$rc"
check "overflowing totals: summary csv" "source,type,currency,imports,transactions,amount,net,failures
big,psp,EUR,1,2,overflow,overflow,0
small,psp,EUR,2,4,-3.50,-3.50,1" "$out"
r summary
check "overflowing totals: summary text exit 0" 0 "$rc"
check "overflowing totals: summary text says so" 1 "$(printf '%s\n' "$out" | grep -c 'overflow *overflow')"
r summary --format json
check "overflowing totals: summary json" "None True -350 False" \
    "$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d[0]["amount_minor"], d[0]["overflow"], d[1]["amount_minor"], d[1]["overflow"])' "$T/out" 2>&1)"

# ---- the documentation shows this catalog ---------------------------------------------------------
doc=$(sed -n '/<!-- hostile:begin -->/,/<!-- hostile:end -->/p' "$ROOT/docs/LIMITS.md" | sed '1d;$d')
check "docs/LIMITS.md shows the catalog as the manifest has it (sh tests/hostile.sh --table)" "$(table)" "$doc"

echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
