#!/bin/sh
# Installs the Debian packages the build needs, only those that are missing.
# Called by the Makefile before the first compile, so `make run` and
# `make check` work on a fresh Debian machine with nothing installed by hand.
set -eu

# package:file-that-proves-it-is-installed
need="
libsqlite3-dev:/usr/include/sqlite3.h
libcsv-dev:/usr/include/csv.h
libinih-dev:/usr/include/ini.h
libjansson-dev:/usr/include/jansson.h
libssl-dev:/usr/include/openssl/evp.h
check:/usr/include/check.h
pkg-config:/usr/bin/pkg-config
sqlite3:/usr/bin/sqlite3
python3:/usr/bin/python3
"

missing=""
for entry in $need; do
    pkg=${entry%%:*}
    file=${entry#*:}
    [ -e "$file" ] || missing="$missing $pkg"
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing missing Debian packages:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-deps: need root or sudo to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
