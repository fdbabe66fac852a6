#!/bin/sh
# Upgrade tests: every database an earlier release wrote keeps working with
# this one (docs/UPGRADING.md). Each fixture in tests/fixtures/upgrade/ is
# the database a past build left after tests/upgrade/scenario.sh (made by
# tests/upgrade/make-fixture.sh). For each, this script:
#   1. loads it and opens it with the current recon, then runs every
#      command that reads (status, summary, every report, the HTML page,
#      every export, explain, the failure log);
#   2. checks that the stored rows (transactions, imports, matches, match
#      items, exceptions, ignores, audit, failures, runs) are exactly as
#      the old build left them;
#   3. checks that every output equals what a fresh database built by the
#      current recon from the same files shows, but for the differences a
#      fixture's NAME.expected-diff names (data an old release never
#      stored);
#   4. runs every command that writes (match, a new import, a manual
#      match and its undo, ignore and unignore) on it and on the fresh one,
#      and checks both still agree.
# Also: a database marked with a schema version above this library's is
# refused, naming both versions, and left byte for byte as it was.
#
#   RECON=build/recon sh tests/upgrade.sh      (from the repository root)
#
# UPGRADE_KEEP=1 keeps the scratch directory: NAME.diff there is what a
# fixture's expected-diff must hold, should an output's layout change.
#
# Last line: "upgrade: N passed, M failed"; exits 1 when M > 0.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
FIX=$ROOT/tests/fixtures/upgrade
. "$ROOT/tests/checks.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/recon-upgrade.XXXXXX") || exit 1
[ -n "${UPGRADE_KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
AS_OF=2024-04-30

# load FIXTURE DB: the fixture's SQL into a new database with the file
# settings librecon gives its own (16 KiB pages, WAL).
load() {
    rm -f "$2" "$2-wal" "$2-shm"
    sqlite3 -batch "$2" 'PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;' >/dev/null &&
        sqlite3 -batch "$2" <"$1"
}

# snapshot DB COLS: every stored row of the tables a release writes, in a
# canonical text form (quote() keeps types and blobs exact). Only the
# columns the database had before its upgrade (listed in the file COLS,
# written by the first call): a migration that adds a column
# (imports.encoding) adds no difference to rows already stored.
snapshot() {
    for t in sources imports transactions failures match_runs matches match_items exceptions \
             ignores match_audit; do
        [ -f "$2.$t" ] ||
            sqlite3 "$1" "SELECT group_concat('\"' || name || '\"', ', ') FROM pragma_table_info('$t')" >"$2.$t"
        echo "== $t"
        sqlite3 -batch -noheader "$1" "SELECT $(cat "$2.$t") FROM $t ORDER BY 1, 2" -cmd '.mode quote'
    done
}

# mask: audit times (when a row was written, by the wall clock) differ
# between the old build's run and this one; business dates have no time.
# BAI2 text stored before 2026-12-02 lost the spaces after its commas
# (docs/UPGRADING.md, "When a release reads a file differently"): ", " is
# compared as ",", on both sides, so that change alone is not a difference.
mask() {
    sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<time>/g; s/librecon [0-9][0-9.]*/librecon <version>/g; s/, /,/g'
}

# reads DB DIR: every read command, each output masked into DIR/NAME; each
# must succeed (status: 0, or 4 when a threshold is crossed: none is set).
reads() {
    mkdir -p "$2"
    for cmd in "status" "summary" "report summary --format csv" "report unmatched --format csv" \
               "report exceptions --format csv" "report payouts --format csv" \
               "report aging --format csv" "report failures --format csv" \
               "report payouts" "export matches --format csv" "export exceptions --format csv" \
               "export unmatched --format csv" "export matches --format json" \
               "explain --source bank --id BR2403150036 --format json" \
               "explain --source stripe --id txn_1Ox2ow9L8JlZECa33yq8N3tD --format json" \
               "failures list --format csv" "failures summary --format csv"; do
        out=$2/$(echo "$cmd" | tr ' ' '_' | tr -d -- '-')
        # shellcheck disable=SC2086
        "$RECON" --db "$1" $cmd >"$out.raw" 2>"$out.err"
        rc=$?
        [ "$rc" -eq 0 ] || echo "$cmd: exit $rc: $(cat "$out.err")" >>"$2/FAILED"
        mask <"$out.raw" >"$out"
        rm -f "$out.raw" "$out.err"
    done
    "$RECON" --db "$1" report html -o "$2/page.html" 2>>"$2/FAILED" ||
        echo "report html: exit $?" >>"$2/FAILED"
    mask <"$2/page.html" >"$2/report_html" && rm -f "$2/page.html"
    [ -s "$2/FAILED" ] || rm -f "$2/FAILED"
}

# writes DB: every command that writes, in an order both databases share.
writes() {
    for cmd in "match --actor upgrade-test" \
               "import --profile generic_psp --source psp2 $ROOT/tests/fixtures/e2e_psp_small.csv" \
               "match add --left bank:BR2403050006 --right bank:BR2403050007 --force --note upgrade --actor t" \
               "match undo 10 --note upgrade --actor t" \
               "ignore bank:BR2403050008 --note upgrade --actor t" \
               "unignore bank:BR2403050008 --note upgrade --actor t" \
               "match --actor upgrade-test"; do
        # shellcheck disable=SC2086
        "$RECON" --db "$1" $cmd >/dev/null 2>"$T/err" || echo "$cmd: exit $?: $(cat "$T/err")"
    done
}

# The fresh database: the same history, written by this build.
fresh=$T/fresh.db
sh "$ROOT/tests/upgrade/scenario.sh" "$RECON" "$fresh" "$ROOT/data/samples"
"$RECON" --db "$fresh" settings set report.as_of "$AS_OF" >/dev/null
reads "$fresh" "$T/fresh"
check "fresh database: every read command succeeds" "" "$(cat "$T/fresh/FAILED" 2>/dev/null)"
schema=$(sqlite3 "$fresh" 'PRAGMA user_version')
views=$(sqlite3 "$fresh" "SELECT value FROM meta WHERE key = 'views_sha256'")

n=0
for f in "$FIX"/schema*.sql; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    name=$(basename "$f" .sql)
    db=$T/$name.db
    load "$f" "$db"
    check "$name: loads" "0" "$?"
    snapshot "$db" "$T/$name.cols" >"$T/$name.before"
    "$RECON" --db "$db" settings set report.as_of "$AS_OF" >/dev/null
    check "$name: opens with this recon (settings set)" "0" "$?"
    check "$name: migrated to this schema version" "$schema" "$(sqlite3 "$db" 'PRAGMA user_version')"
    check "$name: views re-created as this library's" "$views" \
        "$(sqlite3 "$db" "SELECT value FROM meta WHERE key = 'views_sha256'")"
    reads "$db" "$T/$name"
    check "$name: every read command succeeds" "" "$(cat "$T/$name/FAILED" 2>/dev/null)"
    snapshot "$db" "$T/$name.cols" >"$T/$name.after"
    check "$name: stored rows unchanged by the upgrade and the reads" "same" \
        "$(cmp -s "$T/$name.before" "$T/$name.after" && echo same || diff "$T/$name.before" "$T/$name.after" | head -n 5)"
    check "$name: integrity" "ok" "$(sqlite3 "$db" 'PRAGMA integrity_check')"
    check "$name: foreign keys" "" "$(sqlite3 "$db" 'PRAGMA foreign_key_check')"
    (cd "$T" && diff -r fresh "$name") >"$T/$name.diff"
    expected=$FIX/$name.expected-diff
    [ -f "$expected" ] || expected=/dev/null
    check "$name: every output equals a fresh database's (but for $(basename "$expected"))" "same" \
        "$(cmp -s "$expected" "$T/$name.diff" && echo same || diff "$expected" "$T/$name.diff" | head -n 20)"
    # The same writes on both, then the same reads again.
    cp "$fresh" "$T/fresh-w.db" 2>/dev/null
    rm -f "$T/fresh-w.db-wal" "$T/fresh-w.db-shm"
    sqlite3 "$fresh" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    cp "$fresh" "$T/fresh-w.db"
    check "$name: every write command succeeds" "" "$(writes "$db")"
    writes "$T/fresh-w.db" >/dev/null
    reads "$db" "$T/$name-w"
    reads "$T/fresh-w.db" "$T/fresh-w"
    # Outputs that agreed before agree after; those an expected-diff names
    # may differ in more lines once new rows join them.
    check "$name: after writes on both, the same outputs agree" \
        "$(cd "$T" && diff -rq fresh "$name" | awk '{ print $2 }' | sed 's|^fresh/||')" \
        "$(cd "$T" && diff -rq fresh-w "$name-w" | awk '{ print $2 }' | sed 's|^fresh-w/||')"
    check "$name: new matches, import and manual work stored" "1|1|1" \
        "$(sqlite3 "$db" "SELECT (SELECT count(*) FROM sources WHERE name = 'psp2'),
            (SELECT count(*) FROM matches WHERE id = 10 AND undone_at IS NOT NULL),
            (SELECT count(*) FROM ignores WHERE undone_at IS NOT NULL)")"
done
check "upgrade fixtures found" "yes" "$([ "$n" -ge 3 ] && echo yes)"

# A database from a later release: refused, naming both versions, and not
# a byte of it changed (no WAL switch, no migration, no mirror refresh).
db=$T/newer.db
load "$FIX/schema2-5e6e069.sql" "$db"
sqlite3 "$db" "PRAGMA journal_mode = DELETE; PRAGMA user_version = $((schema + 1));" >/dev/null
sum_before=$(sha256sum "$db" | cut -d' ' -f1)
r status
check "newer schema: refused with exit 1" 1 "$rc"
check_has "newer schema: the message names both versions" \
    "database schema version $((schema + 1)) is newer than this librecon's ($schema)" "$err"
r import --source stripe "$ROOT/data/samples/stripe_payouts_2024-03.csv"
check "newer schema: an import is refused too" 1 "$rc"
check "newer schema: the file is byte for byte unchanged" "$sum_before" \
    "$(sha256sum "$db" | cut -d' ' -f1)"
check "newer schema: no WAL or journal left beside it" "" "$(ls "$db-wal" "$db-shm" "$db-journal" 2>/dev/null)"

echo "upgrade: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
