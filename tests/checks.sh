#!/bin/sh
# The check helpers of the shell test suites (tests/e2e.sh,
# tests/hostile.sh), sourced by them: each check prints "ok: NAME" or
# "FAIL: NAME (...)" and counts into $pass and $fail. The sourcing script
# sets $T (its scratch directory) and, for r and sql, $db; $RECON is made
# absolute here.

pass=0
fail=0

# The recon under test, as an absolute path (the scripts cd to scratch
# space); the caller's RECON_DB must not pick the database.
RECON=${RECON:-build/recon}
case $RECON in
/*) ;;
*) RECON=$(pwd)/$RECON ;;
esac
unset RECON_DB

# A value on one line for a report: newlines as \n, cut at 400 bytes.
flat() {
    printf '%s' "$1" | head -c 400 | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'
}

ok() {
    pass=$((pass + 1))
    echo "ok: $1"
}

not_ok() {
    fail=$((fail + 1))
    echo "FAIL: $1 ($2)"
}

# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected '$(flat "$2")', got '$(flat "$3")'"
    fi
}

# check_has NAME NEEDLE HAYSTACK: HAYSTACK contains NEEDLE.
check_has() {
    case $3 in
    *"$2"*) ok "$1" ;;
    *) not_ok "$1" "expected text containing '$(flat "$2")', got '$(flat "$3")'" ;;
    esac
}

# check_true NAME WHAT COMMAND...: the command succeeds.
check_true() {
    name=$1 what=$2
    shift 2
    if "$@" >/dev/null 2>&1; then
        ok "$name"
    else
        not_ok "$name" "expected $what"
    fi
}

# run COMMAND...: sets $rc, $out (stdout) and $err (stderr); keeps them in
# $T/out and $T/err too.
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    out=$(cat "$T/out")
    err=$(cat "$T/err")
}

# r ARGS...: recon on the current database $db.
r() {
    run "$RECON" --db "$db" "$@"
}

# sql QUERY: one query on $db; NULL shows as '-', columns split by '|'.
sql() {
    sqlite3 -batch -noheader -nullvalue - "$db" "$1" 2>&1
}

# json_valid FILE: parses as JSON, strictly UTF-8.
json_valid() {
    python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$1"
}
