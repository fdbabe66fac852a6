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
libexpat1-dev:/usr/include/expat.h
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

# shellcheck disable=SC2086
sh "$(dirname "$0")/apt-install.sh" install-deps $missing
