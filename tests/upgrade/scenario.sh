#!/bin/sh
# The history an upgrade fixture records: the demo import and match, then
# the hand work a finance team adds (an undone match, a forced manual
# match, an ignored line, a recorded provider failure, a resolved reject)
# and a second match run. Every command here exists in every release since
# schema 1, so the same script builds a fixture with an old release
# (tests/upgrade/make-fixture.sh) and the fresh database the upgraded one
# is compared with (tests/upgrade.sh).
# The files are imported from inside SAMPLES_DIR by their bare names, so
# that the stored file names do not depend on where the tree is.
# Usage: scenario.sh RECON DB SAMPLES_DIR
set -eu
abs() { case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }
recon=$(abs "$1")
db=$(abs "$2")
cd "$3"

# run COMMAND...: recon on $db; exit 3 (imported, some rows rejected) is
# expected of the samples, which have bad rows on purpose.
run() {
    rc=0
    "$recon" --db "$db" "$@" >/dev/null || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
        echo "scenario: recon $* exited $rc" >&2
        exit 1
    fi
}

run import --source stripe stripe_payouts_2024-03.csv
run import --source bank bank_2024-03.bai
run match --actor scenario
run match undo 1 --note "re-checking this payout" --actor alice
run match add --left bank:BR2403110022 --right stripe:txn_1Ox0JjEWTEuE6l0rSECDumnJ --force \
    --note "part of the payout, by hand" --actor alice
run ignore bank:BR2403010000 --note "card spend, booked elsewhere" --actor bob
run failures record --provider stripe --http 402 --code card_declined \
    --message "Your card was declined." --seen-at 2024-03-20T10:00:00Z
run failures resolve 1 --note "amount corrected at the source" --actor bob
run match --actor scenario
# Builds that have a journal (schema 9 on) export it, so that their
# fixture carries entries; an older build has no such command.
if "$recon" help export 2>&1 | grep -q journal; then
    run export journal --actor scenario
fi
