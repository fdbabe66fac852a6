#!/bin/sh
# Makes an upgrade fixture: builds librecon as it was at COMMIT (in a
# temporary git worktree), runs tests/upgrade/scenario.sh with that build's
# recon on the bundled samples, and writes the database it left as SQL
# (sqlite3 .dump, plus the user_version .dump leaves out) to
# tests/fixtures/upgrade/schema<V>-<commit>.sql. tests/upgrade.sh and
# tests/test_upgrade.c open every such file with the current library.
#
# Every schema change adds one (docs/UPGRADING.md): run this on the last
# commit before the change, and on any release whose views differ.
# Usage: tests/upgrade/make-fixture.sh COMMIT
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
commit=$(git -C "$root" rev-parse --short=7 "$1^{commit}")
work=$(mktemp -d "${TMPDIR:-/tmp}/recon-fixture.XXXXXX")
trap 'git -C "$root" worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git -C "$root" worktree add --detach "$work/src" "$commit" >/dev/null
echo "make-fixture: building $commit" >&2
make -C "$work/src" all >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }

db=$work/fixture.db
sh "$root/tests/upgrade/scenario.sh" "$work/src/build/recon" "$db" "$root/data/samples"
version=$(sqlite3 "$db" 'PRAGMA user_version')
out=$root/tests/fixtures/upgrade/schema$version-$commit.sql
mkdir -p "$(dirname "$out")"
{
    echo "-- An upgrade fixture: the database librecon $commit (schema $version) left after"
    echo "-- tests/upgrade/scenario.sh on data/samples; made by tests/upgrade/make-fixture.sh."
    echo "-- Load it into an empty database with the sqlite3 shell. Do not edit."
    sqlite3 "$db" .dump
    echo "PRAGMA user_version = $version;"
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "make-fixture: wrote $out ($(wc -c <"$out") bytes)" >&2
