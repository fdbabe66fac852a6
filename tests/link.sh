#!/bin/sh
# What a program linking librecon sees (issue 17): the static archive
# defines no global but recon_* (a program with its own rc_begin links),
# the shared library exports only recon_*, each with the symbol version
# LIBRECON_<soversion>, and programs link and run against both.
# Usage: RECON=BUILD/recon sh tests/link.sh   (BUILD from RECON's directory)
# Ends with "link: N passed, M failed", like the other CLI scripts.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
. tests/checks.sh
B=$(dirname "${RECON#"$ROOT"/}")
T=$(mktemp -d "${TMPDIR:-/tmp}/recon-link.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
LIBS="-lsqlite3 -lcsv -linih -ljansson -lexpat -lcrypto -lm"
SOVERSION=$(sed -n 's/^SOVERSION *:= *//p' Makefile)
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)
# A sanitizer build's archive needs the sanitizer runtime at link time.
SAN=""
nm "$B/librecon.a" 2>/dev/null | grep -q __asan_ && SAN="-fsanitize=address,undefined"

cd "$T" || exit 1
cat >own_rc.c <<'C'
#include <recon.h>
#include <stdio.h>
/* Names the library uses inside: a program may have its own. */
int rc_begin(void);
int rc_fail(int code);
int rc_begin(void) { return 40; }
int rc_fail(int code) { return code + 2; }
int main(void) {
    recon_db *db = NULL;
    int rc = recon_open(":memory:", NULL, &db);
    printf("%s %d %d\n", recon_version(), rc, rc_begin() + rc_fail(0));
    recon_close(db);
    return rc;
}
C

check "archive: every global it defines is recon_*" "" \
    "$(nm --defined-only -g "$ROOT/$B/librecon.a" 2>&1 | awk 'NF == 3 && $3 !~ /^recon_/ { print $3 }' | head -n 5)"
check "archive: it defines the API" "yes" \
    "$(nm --defined-only -g "$ROOT/$B/librecon.a" | grep -q ' T recon_import_file$' && echo yes)"

run cc $SAN -I"$ROOT/include" -o own_rc_static own_rc.c "$ROOT/$B/librecon.a" $LIBS
check "static: a program with its own rc_begin links" 0 "$rc"
check "static: and runs" "$VERSION 0 42" "$(./own_rc_static 2>&1)"

exports=$(nm -D --defined-only "$ROOT/$B/librecon.so" | awk 'NF == 3 { print $3 }')
check "shared: every export is recon_*" "" "$(printf '%s\n' "$exports" | grep -v '^recon_' | grep -v "^LIBRECON_$SOVERSION\$" | head -n 5)"
check "shared: every export carries the version LIBRECON_$SOVERSION" "" \
    "$(objdump -T "$ROOT/$B/librecon.so" | awk '/ recon_/ && $(NF-1) != "LIBRECON_'"$SOVERSION"'" { print $NF }' | head -n 5)"
check "shared: soname" "librecon.so.$SOVERSION" \
    "$(objdump -p "$ROOT/$B/librecon.so" | awk '$1 == "SONAME" { print $2 }')"

# The loader looks for the soname, as an installed library provides it.
mkdir lib && ln -s "$ROOT/$B/librecon.so" "lib/librecon.so.$SOVERSION" &&
    ln -s "librecon.so.$SOVERSION" lib/librecon.so
run cc $SAN -I"$ROOT/include" -o own_rc_shared own_rc.c -L"$T/lib" -Wl,-rpath,"$T/lib" -lrecon $LIBS
check "shared: a program with its own rc_begin links" 0 "$rc"
check "shared: and runs" "$VERSION 0 42" "$(./own_rc_shared 2>&1)"
check "shared: the program binds versioned symbols" "yes" \
    "$(objdump -T own_rc_shared | grep -q "(LIBRECON_$SOVERSION) *recon_open\$" && echo yes)"

echo "link: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
