#!/bin/sh
# Installs what the fuzz harnesses need besides scripts/install-deps.sh's
# packages: clang and its libFuzzer runtime (libclang-rt-N-dev on Debian,
# which clang does not pull in). Called by make before the first fuzz
# build, with sudo when not root; does nothing when a trivial fuzzer
# already links.
set -eu
CC=${1:-clang}

links() {
    command -v "$CC" >/dev/null 2>&1 || return 1
    dir=$(mktemp -d)
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        > "$dir/t.c"
    ok=0
    "$CC" -fsanitize=fuzzer,address,undefined -o "$dir/t" "$dir/t.c" >/dev/null 2>&1 || ok=1
    rm -rf "$dir"
    return $ok
}

links && exit 0

APT="$(dirname "$0")/../scripts/apt-install.sh"
if ! command -v "$CC" >/dev/null 2>&1; then
    sh "$APT" fuzz/install-deps.sh clang
fi
links && exit 0
major=$("$CC" -dumpversion | cut -d. -f1)
sh "$APT" fuzz/install-deps.sh "libclang-rt-$major-dev" ||
    sh "$APT" fuzz/install-deps.sh libclang-rt-dev
links || { echo "fuzz/install-deps.sh: $CC still cannot link a libFuzzer target" >&2; exit 1; }
