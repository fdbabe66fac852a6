#!/bin/sh
# DuckDB for `make bench`'s side-by-side import (BENCHMARKS.md): Debian has
# no package, the npm registry has the official Node binding, which ships
# the engine itself for linux-x64. Installed into build/duckdb, pinned;
# never needed by `make` or `make check`. Prints nothing and exits 1 when
# Node.js or npm is missing: the bench then says DuckDB was skipped.
# Usage: sh scripts/install-duckdb.sh BUILD_DIR
set -u
B=${1:-build}
DIR="$B/duckdb"
VERSION=1.5.6-r.1
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || exit 1
if [ ! -f "$DIR/node_modules/@duckdb/node-api/package.json" ] ||
    ! grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/@duckdb/node-api/package.json"; then
    mkdir -p "$DIR" &&
        npm install --prefix "$DIR" --no-audit --no-fund --no-save "@duckdb/node-api@$VERSION" >&2 ||
        exit 1
fi
cp bench/duckdb_import.mjs "$DIR/import.mjs"
