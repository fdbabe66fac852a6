#!/bin/sh
# Installs headless Chromium (Debian package `chromium`) when it is missing,
# with sudo when not root. Not part of scripts/install-deps.sh: Chromium is a
# few hundred megabytes that only the browser test of the HTML report
# (`make check-browser`, run by .ci/run) and `make screenshot` need, so
# `make` and `make check` do not pull it in.
set -eu

command -v chromium >/dev/null 2>&1 && exit 0

sh "$(dirname "$0")/apt-install.sh" install-chromium chromium
