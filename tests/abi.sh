#!/bin/sh
# The shared library's ABI against the baseline committed in abi/ (issue
# 17), with libabigail's abidiff (Debian abigail-tools, installed when
# missing). An incompatible change (a struct grown in the middle, a
# function's signature changed, a function removed) fails, unless the
# soname changed with it: that is a deliberate new major version, which
# then commits its own baseline (make abi-baseline). Added functions pass
# and are listed, and so does a member added at the end of a public
# struct, which is how they grow (abi/suppressions). Then the check checks
# itself: a scratch build whose recon_import_result gains a field in its
# middle must be caught, and one where it gains a field at its end must
# pass.
# Usage: sh tests/abi.sh BUILD   Ends with "abi: N passed, M failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$ROOT" || exit 1
. tests/checks.sh
B=${1:-build}
BASE=abi/librecon.abi
T=$(mktemp -d "${TMPDIR:-/tmp}/recon-abi.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
command -v abidiff >/dev/null 2>&1 || sh scripts/apt-install.sh tests/abi.sh abigail-tools

soname() {
    objdump -p "$1" | awk '$1 == "SONAME" { print $2 }'
}

# Compares a library with the baseline; prints "compatible", "added" (new
# functions only: compatible, and listed) or "BREAKS". abidiff's status is
# a bit field (1 error, 2 usage, 4 a change, 8 an incompatible change), and
# it counts a struct whose members moved as a change (4), not as
# incompatible (8): so anything removed or changed breaks, whatever the bit.
compare() {
    abidiff --suppressions "$ROOT/abi/suppressions" --headers-dir1 "$ROOT/include" \
        --headers-dir2 "$2" "$BASE" "$1" >"$T/diff" 2>&1
    st=$?
    if [ $((st & 3)) -ne 0 ]; then
        echo "BREAKS (abidiff failed: status $st)"
    elif [ "$st" -eq 0 ]; then
        echo compatible
    elif grep -q '^Functions changes summary: 0 Removed, 0 Changed' "$T/diff" &&
        grep -q '^Variables changes summary: 0 Removed, 0 Changed' "$T/diff"; then
        echo added
    else
        echo BREAKS
    fi
}

base_soname=$(sed -n "s/.*soname='\([^']*\)'.*/\1/p" "$BASE" | head -n 1)
if [ "$(soname "$B/librecon.so")" != "$base_soname" ]; then
    echo "abi: the soname changed ($base_soname -> $(soname "$B/librecon.so")): a new major version; its baseline is committed with it"
    check "baseline: a new major version commits its baseline" "$(soname "$B/librecon.so")" "$base_soname"
else
    verdict=$(compare "$B/librecon.so" "$ROOT/include")
    [ "$verdict" = compatible ] || sed 's/^/  /' "$T/diff" | head -n 60
    case $verdict in
    added) verdict=compatible ;; # new functions: say so (above) and pass
    esac
    check "$B/librecon.so against $BASE" compatible "$verdict"
fi

# The check must catch a break: a field inserted in the middle of a public
# struct (moving the fields after it), in a scratch copy built without
# optimisation.
mkdir -p "$T/src"
cp -r Makefile include lib scripts data "$T/src/"
sed -i 's/^    uint64_t rows_read;  /    uint64_t abi_probe;\n    uint64_t rows_read;  /' "$T/src/include/recon.h"
check "scratch: the header was changed" 1 "$(grep -c 'uint64_t abi_probe;' "$T/src/include/recon.h")"
(cd "$T/src" && make -s B=build OPT="-O0 -g" build/librecon.so >"$T/build.log" 2>&1)
check "scratch: built" "yes" "$([ -f "$T/src/build/librecon.so" ] && echo yes)"
check "scratch: a field inserted in recon_import_result breaks the ABI" BREAKS \
    "$(compare "$T/src/build/librecon.so" "$T/src/include")"
check_has "scratch: abidiff names the struct" "recon_import_result" "$(cat "$T/diff")"

# And it must let a struct grow the way include/recon.h says they grow: a
# field added at the end of the same result struct is compatible.
rm -rf "$T/src" && mkdir -p "$T/src"
cp -r Makefile include lib scripts data "$T/src/"
awk '{ print } /^    char sha256\[65\]; / { print "    uint64_t abi_probe_end;" }' include/recon.h \
    >"$T/src/include/recon.h"
check "scratch: a field was added at the end" 1 "$(grep -c 'uint64_t abi_probe_end;' "$T/src/include/recon.h")"
(cd "$T/src" && make -s B=build OPT="-O0 -g" build/librecon.so >"$T/build.log" 2>&1)
verdict=$(compare "$T/src/build/librecon.so" "$T/src/include")
[ "$verdict" = added ] && verdict=compatible # functions newer than the baseline
check "scratch: a field added at the end of recon_import_result is compatible" compatible "$verdict"

echo "abi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
