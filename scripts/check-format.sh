#!/bin/sh
# Checks that every C source and header of the tree is formatted as the
# committed .clang-format says (clang-format --dry-run -Werror): run by make
# lint, which make check runs first. `make format` rewrites them.
#
# The tree is formatted with Debian 12's clang-format 14; another major
# version formats some constructs differently, so with one the check says
# it skipped rather than fail on code nobody changed.
set -u
cd "$(dirname "$0")/.." || exit 1
want=14
command -v clang-format >/dev/null 2>&1 || sh scripts/apt-install.sh lint clang-format || exit 1
have=$(clang-format --version | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p')
files=$(git ls-files 'include/*.h' 'lib/*.c' 'lib/*.h' 'cli/*.c' 'cli/*.h' 'bench/*.c' \
    'bench/*.h' 'tests/*.c' 'tests/*.h' 'tests/reliability/*.c' 'tests/reliability/*.h' \
    'fuzz/*.c' 'fuzz/*.h' 'scripts/*.c' 'examples/*.c' 2>/dev/null)
[ -n "$files" ] || files=$(find include lib cli bench tests fuzz scripts examples -name '*.[ch]')
n=$(printf '%s\n' $files | wc -l)
if [ "$have" != "$want" ]; then
    echo "format: skipped: clang-format $have here, the tree is formatted with $want ($n files)"
    exit 0
fi
# shellcheck disable=SC2086
if ! out=$(clang-format --dry-run -Werror $files 2>&1); then
    printf '%s\n' "$out" | grep 'error:' | head -n 20
    echo "format: $(printf '%s\n' "$out" | grep -c 'error:') lines not formatted (make format fixes them); $n files checked"
    exit 1
fi
echo "format: $n files checked, all formatted"
