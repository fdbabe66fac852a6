#!/bin/sh
# Runs the reliability programs against BUILD/recon in a scratch directory
# and prints their closing figures (docs/LIMITS.md, "Crash consistency,
# concurrency and resource faults").
# Usage: tests/reliability/run.sh BUILD_DIR [SEED]
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${1:-build}
SEED=${2:-${RELIABILITY_SEED:-20240301}}
T=$(mktemp -d "${TMPDIR:-/tmp}/recon-reliability-XXXXXX") || exit 1
# The fault cases run a child as nobody when we are root: it must reach T.
chmod 755 "$T"
status=0
mkdir "$T/crash" "$T/concurrency" "$T/faults"
"$B/reliability/crash" "$B/recon" "$B/bench/matchgen" "$T/crash" "$SEED" 40 16 || status=1
"$B/reliability/concurrency" "$B/recon" "$T/concurrency" || status=1
"$B/reliability/faults" "$B/recon" "$T/faults" || status=1
rm -rf "$T"
if [ "$status" -eq 0 ]; then echo "reliability ($B): passed"; else echo "reliability ($B): FAILED"; fi
exit "$status"
