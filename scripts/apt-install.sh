#!/bin/sh
# Installs Debian packages with apt-get, with sudo when not root: the one
# place the build's installers (scripts/install-deps.sh,
# scripts/install-chromium.sh, fuzz/install-deps.sh, .ci/run) do it.
# Usage: scripts/apt-install.sh WHO PACKAGE...   (WHO names the caller in messages)
set -eu
who=$1
shift
echo "$who: installing Debian packages: $*" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "$who: need root or sudo to install: $*" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >&2
