#!/bin/sh
# The whole suite (Check suites, e2e, hostile, upgrade: tests/run-all.sh)
# under other clocks and time zones, so that no test depends on the day it
# runs or on where the machine is: once years ahead in the zone that is
# furthest ahead of UTC, once years back in one behind it. Each run
# combines a date and a zone, so the two runs cover both of each. Debian's
# faketime (libfaketime, preloaded) moves the wall clock of every process
# of the run, SQLite's date('now') included; the monotonic clock that busy
# timeouts use is left alone.
# Usage: tests/clock.sh BUILD_DIR      (make check-clock; .ci/run runs it)
set -u
cd "$(dirname "$0")/.." || exit 1
B=${1:-build}

command -v faketime >/dev/null 2>&1 || sh scripts/apt-install.sh check-clock faketime || exit 1
[ -e /usr/share/zoneinfo/Pacific/Kiritimati ] || sh scripts/apt-install.sh check-clock tzdata ||
    exit 1

status=0
for run in "2034-07-15 12:00:00|Pacific/Kiritimati" "2011-01-20 06:30:00|America/Los_Angeles"; do
    at=${run%%|*}
    zone=${run#*|}
    # The clock must really be moved, or the run would prove nothing.
    seen=$(TZ=$zone FAKETIME_DONT_FAKE_MONOTONIC=1 faketime "$at" date +%Y-%m-%d)
    if [ "$seen" != "${at%% *}" ]; then
        echo "check-clock: faketime did not move the clock to $at (date says $seen)"
        status=1
        continue
    fi
    echo "== the suite at $at in $zone"
    out=$(TZ=$zone FAKETIME_DONT_FAKE_MONOTONIC=1 faketime "$at" sh tests/run-all.sh "$B" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^FAIL|^failing|F:|^check \(' | head -n 40 |
        sed "s|^check (\(.*\)):|check-clock ($at, $zone):|"
    [ "$rc" -eq 0 ] || status=1
done
exit $status
