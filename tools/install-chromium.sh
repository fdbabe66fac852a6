#!/bin/sh
# Installs headless Chromium (Debian package `chromium`) when it is missing,
# with sudo when not root. Not part of tools/install-deps.sh: Chromium is a
# few hundred megabytes that only the browser test of the HTML report
# (`make check-browser`, run by .ci/run) and `make screenshot` need, so
# `make` and `make check` do not pull it in.
set -eu

command -v chromium >/dev/null 2>&1 && exit 0

echo "install-chromium: installing the Debian package chromium" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-chromium: need root or sudo to install chromium" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >&2
