#!/bin/sh
# The three programs in examples/, built as an application would build
# them: against the library installed by `make install` (into a scratch
# DESTDIR), with pkg-config, once linked to the shared library and once to
# the static archive, then run on fixture files; both links must print the
# same. Usage: RECON=BUILD/recon sh tests/examples.sh
# Ends with "examples: N passed, M failed", like the other CLI scripts.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
. tests/checks.sh
B=$(dirname "${RECON#"$ROOT"/}")
T=$(mktemp -d "${TMPDIR:-/tmp}/recon-examples.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
SAN=""
nm "$B/librecon.a" 2>/dev/null | grep -q __asan_ && SAN="-fsanitize=address,undefined"

run make -s --no-print-directory B="$B" PREFIX=/usr DESTDIR="$T/root" install
check "make install into a scratch DESTDIR" 0 "$rc"
export PKG_CONFIG_PATH="$T/root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$T/root"
cflags=$(pkg-config --cflags librecon)
check "pkg-config knows librecon" "-I$T/root/usr/include" "$(echo $cflags)"

for ex in batch_import report_status provider_check; do
    run cc $SAN -Wall -Wextra -Werror $cflags -o "$T/$ex.shared" "examples/$ex.c" \
        $(pkg-config --libs librecon)
    check "$ex: builds against the shared library" "0|" "$rc|$err"
    # Static: the installed archive, and what pkg-config says it needs.
    run cc $SAN -Wall -Wextra -Werror $cflags -o "$T/$ex.static" "examples/$ex.c" \
        "$T/root/usr/lib/librecon.a" $(pkg-config --static --libs librecon | sed 's/-lrecon//')
    check "$ex: builds against the static archive" "0|" "$rc|$err"
done
check "the static build needs no shared librecon" "" \
    "$(objdump -p "$T/batch_import.static" | grep 'NEEDED.*librecon')"

# ex LINK NAME ARGS...: runs one build of an example; stdin is the caller's.
ex() {
    link=$1 name=$2
    shift 2
    LD_LIBRARY_PATH="$T/root/usr/lib" run "$T/$name.$link" "$@"
}

for link in shared static; do
    db="$T/books-$link.db"
    ex "$link" batch_import "$db" psp <tests/fixtures/e2e_psp_small.csv
    check "$link batch_import: a clean report, exit 0" 0 "$rc"
    check "$link batch_import: detected, imported, matched" "import 1 (generic_psp): 10 read, 10 inserted, 0 duplicate, 0 rejected
match run 1: 0 new matches" "$out"
    ex "$link" batch_import "$db" psp generic_psp <tests/fixtures/e2e_bad_rows.csv
    check "$link batch_import: rejected rows, exit 3" 3 "$rc"
    check_has "$link batch_import: counts the rejects" "rejected" "$out"
    ex "$link" batch_import "$db" psp <tests/fixtures/e2e_psp_small.csv
    check "$link batch_import: the same report again" "import 1 (generic_psp): 0 read, 0 inserted, 0 duplicate, 0 rejected (already imported)" \
        "$(printf '%s\n' "$out" | head -n 1)"
    ex "$link" report_status "$db"
    check "$link report_status: unmatched and failures, exit 4" 4 "$rc"
    check_has "$link report_status: the headline" "open failures $(sqlite3 "$db" 'SELECT count(*) FROM failures WHERE resolved_at IS NULL')" "$out"
    check_has "$link report_status: a failure by its unified code" "DATA_MALFORMED_ROW ragged_row (data)" "$out"
    check_has "$link report_status: money exact" "-1234.56 EUR" "$out"
    # The bundled samples, matched: report_status sums each side of the
    # matches from their typed items, and the unexplained money from the
    # aging report's typed cells; the views must agree.
    books="$T/samples-$link.db"
    ex "$link" batch_import "$books" stripe stripe_payout_itemized <data/samples/stripe_payouts_2024-03.csv
    ex "$link" batch_import "$books" bank bai2 <data/samples/bank_2024-03.bai
    check_has "$link batch_import: the samples match" "new matches" "$out"
    # Ages count to a pinned day, not to the day the suite runs.
    run "$RECON" --db "$books" settings set report.as_of 2024-03-31
    check "$link: the report day pinned" 0 "$rc"
    ex "$link" report_status "$books"
    sides=$(sqlite3 "$books" "SELECT '  ' || t.currency || ': left ' || sum(t.amount_minor) FILTER (WHERE mi.side = 'left') || ', right ' || sum(t.amount_minor) FILTER (WHERE mi.side = 'right') || ' minor units' FROM match_items mi JOIN matches m ON m.id = mi.match_id JOIN transactions t ON t.id = mi.transaction_id WHERE m.undone_at IS NULL GROUP BY t.currency ORDER BY min(m.id)")
    check_has "$link report_status: matches summed by side from typed items" \
        "matches $(sqlite3 "$books" "SELECT count(*) FROM matches WHERE undone_at IS NULL")
$sides" "$out"
    check_has "$link report_status: money by age from typed report cells" \
        "unexplained by age: $(sqlite3 "$books" 'SELECT sum(gross_minor) FROM v_aging') minor units" "$out"
    ex "$link" provider_check modulate 429 "$(cat tests/fixtures/bodies/modulate_429.json)"
    check "$link provider_check: the unified code and the server's delay" "RATE_LIMITED (throttle), matched exact: wait retry_after_seconds then retry
retry (retry_after) after 42000 ms" "$out"
    ex "$link" provider_check tabapy 500 ''
    check "$link provider_check: a misspelt provider is warned" "provider_check: warning: 'tabapy' is not in the error table" "$err"
    echo "$out" >"$T/provider-$link.out"
done
check "shared and static builds print the same" "" "$(cmp "$T/provider-shared.out" "$T/provider-static.out" 2>&1)"

echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
