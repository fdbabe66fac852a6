#!/bin/sh
# The HTML report in a real browser: builds a database from the bundled
# samples (as `make run` does, with the as-of date pinned), renders the
# report, opens it in headless Chromium and checks that
#   - the page loads and its DOM shows the headline figures,
#   - the browser logged no console message (the page has no script, so any
#     message is an error or a Content-Security-Policy violation: something
#     tried to run or load) and no uncaught error,
#   - a screenshot is a non-empty PNG of the requested width.
# A control page with a script and a remote image proves the console check
# sees what it must refuse.
# Usage: tests/browser.sh BUILD_DIR   (needs BUILD_DIR/recon)
set -u
cd "$(dirname "$0")/.." || exit 1
B=${1:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/recon-browser-XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && printf '  %s\n' "$2"; }
check_has() { # name needle file
    if grep -qF -- "$2" "$3"; then ok; else bad "$1" "missing: $2"; fi
}

# Headless Chromium with a throw-away profile; stderr has the console log.
# Runs as root in containers, hence --no-sandbox.
browse() { # out err args...
    out=$1; err=$2; shift 2
    timeout 90 chromium --headless --disable-gpu --no-sandbox --hide-scrollbars \
        --user-data-dir="$T/profile" --enable-logging=stderr --v=0 "$@" >"$out" 2>"$err"
}
console_errors() { grep -E ':CONSOLE|Uncaught|Refused to' "$1"; }

db=$T/demo.db
for f in data/samples/stripe_payouts_2024-03.csv data/samples/bank_2024-03.bai; do
    "$B/recon" --db "$db" import "$f" >/dev/null 2>&1
    rc=$?; [ $rc -eq 0 ] || [ $rc -eq 3 ] || { echo "browser: cannot import $f"; exit 1; }
done
"$B/recon" --db "$db" match >/dev/null || { echo "browser: match failed"; exit 1; }
sqlite3 "$db" "INSERT INTO meta(key, value) VALUES ('report.as_of', '2024-04-15')"
"$B/recon" --db "$db" report html -o "$T/report.html" || { echo "browser: no report"; exit 1; }

browse "$T/dom.html" "$T/dom.err" --dump-dom "file://$T/report.html"
if [ $? -eq 0 ]; then ok; else bad "chromium --dump-dom exits 0" "$(tail -n 5 "$T/dom.err")"; fi
check_has "the DOM has the match rate" '<div class="value">68.6%</div>' "$T/dom.html"
check_has "the DOM has the matched count" "238 of 347 transactions matched" "$T/dom.html"
check_has "the DOM has the unmatched EUR amount" "EUR 190,462.05" "$T/dom.html"
check_has "the DOM has the unmatched USD amount" "USD 10,207.63" "$T/dom.html"
check_has "the DOM has the open failures" '<div class="card alert" id="failures"><div class="label">Open failures</div><div class="value">3</div>' "$T/dom.html"
check_has "the DOM has the as-of date" "As of <strong>2024-04-15</strong>" "$T/dom.html"
check_has "the browser parsed the chart as SVG" '<svg viewBox="0 0 960 300"' "$T/dom.html"
check_has "the DOM has the payouts" "po_1OxtKInkS3X5NJd5uZjOOooS" "$T/dom.html"
if console_errors "$T/dom.err" >"$T/console"; then
    bad "no console errors or blocked loads" "$(head -n 5 "$T/console")"
else
    ok
fi

# The control: a script and a remote image must show up in the log.
sed 's|</body>|<script>console.log(1)</script><img src="http://example.invalid/x.png"></body>|' \
    "$T/report.html" >"$T/control.html"
browse "$T/control.dom" "$T/control.err" --dump-dom "file://$T/control.html"
n=$(console_errors "$T/control.err" | wc -l | tr -d ' ')
if [ "$n" -ge 2 ]; then ok; else bad "the console check sees a blocked script and image" "$n lines"; fi

browse "$T/shot.out" "$T/shot.err" --window-size=1200,1600 --screenshot="$T/report.png" \
    "file://$T/report.html"
if [ -s "$T/report.png" ] && [ "$(head -c 8 "$T/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    ok
else
    bad "the screenshot is a PNG" "$(tail -n 3 "$T/shot.err")"
fi
# IHDR: the width is the big-endian word at byte 16.
width=$(od -An -tu1 -j16 -N4 "$T/report.png" 2>/dev/null | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
if [ "${width:-0}" -eq 1200 ]; then ok; else bad "the screenshot is 1200 px wide" "width ${width:-none}"; fi
size=$(wc -c <"$T/report.png" 2>/dev/null || echo 0)
if [ "$size" -gt 20000 ]; then ok; else bad "the screenshot is not blank" "$size bytes"; fi

echo "browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
