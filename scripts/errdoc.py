#!/usr/bin/env python3
"""Renders the generated parts of docs/ERROR_CODES.md from the data files.

    python3 scripts/errdoc.py            rewrite the doc in place
    python3 scripts/errdoc.py --check    exit 1 if the doc is out of date

The prose of the document is written by hand; the tables between the
markers <!-- BEGIN closed-set --> / <!-- END closed-set -->,
<!-- BEGIN declines --> / <!-- END declines --> and <!-- BEGIN rows --> /
<!-- END rows --> come from data/unified_codes.csv, data/decline_codes.csv
and data/error_codes.csv, so the document cannot drift from the data."""
import csv
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DOC = os.path.join(ROOT, "docs", "ERROR_CODES.md")


def cell(s):
    return s.replace("|", "\\|")


def closed_set():
    out = ["| unified code | category | retryable (usual) | policy (usual) | meaning | when to retry | what to do |",
           "|---|---|---|---|---|---|---|"]
    with open(os.path.join(ROOT, "data", "unified_codes.csv"), newline="") as f:
        for r in csv.DictReader(f):
            out.append("| `%s` | %s | %s | %s | %s | %s | %s |" % (
                r["unified_code"], r["category"], r["retryable"], r["retry_policy"],
                cell(r["meaning"]), cell(r["when_to_retry"]), cell(r["what_to_do"])))
    return "\n".join(out)


def declines():
    out = ["| decline code | type | Visa category | ISO 8583 | first retry after | retries | within (days) | retry advice | tell the customer |",
           "|---|---|---|---|---|---|---|---|---|"]
    with open(os.path.join(ROOT, "data", "decline_codes.csv"), newline="") as f:
        for r in csv.DictReader(f):
            first = int(r["retry_first_minutes"])
            wait = "-" if r["decline_type"] == "hard" else (
                "%d h" % (first // 60) if first >= 60 else "%d min" % first)
            out.append("| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r["unified_code"], r["decline_type"], r["visa_category"] or "-",
                r["iso8583"] or "-", wait, r["retry_max"], r["retry_days"],
                cell(r["retry_advice"]), cell(r["customer_action"])))
    return "\n".join(out)


def rows():
    out, provider = [], None
    with open(os.path.join(ROOT, "data", "error_codes.csv"), newline="") as f:
        table = list(csv.DictReader(f))
    sources = {}
    for r in table:
        sources.setdefault(r["provider"], [])
        if r["spec"] not in sources[r["provider"]]:
            sources[r["provider"]].append(r["spec"])
    for r in table:
        if r["provider"] != provider:
            provider = r["provider"]
            out += ["", "### `%s`" % provider, "",
                    "Sources: %s" % ", ".join(sources[provider]), "",
                    "| status | code | cause | unified code | retryable | policy | ISO 8583 | action |",
                    "|---|---|---|---|---|---|---|---|"]
        # The action is the unified code's own advice when the row has none.
        out.append("| %s | %s | %s | `%s` | %s | %s | %s | %s |" % (
            r["http_status"] or "-",
            "`%s`" % r["provider_code"] if r["provider_code"] else "-",
            cell(r["cause"]) or "-", r["unified_code"], r["retryable"], r["retry_policy"],
            r["iso8583"] or "-", cell(r["action"]) or "(the code's)"))
    return "\n".join(out).strip("\n")


def render(text):
    for name, body in (("closed-set", closed_set()), ("declines", declines()), ("rows", rows())):
        pattern = re.compile(r"(<!-- BEGIN %s -->\n).*?(<!-- END %s -->)" % (name, name), re.S)
        if not pattern.search(text):
            sys.exit("errdoc: markers for %s are missing in %s" % (name, DOC))
        text = pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main():
    with open(DOC) as f:
        old = f.read()
    new = render(old)
    if "--check" in sys.argv[1:]:
        if new != old:
            print("errdoc: docs/ERROR_CODES.md is out of date: run python3 scripts/errdoc.py")
            sys.exit(1)
        return
    with open(DOC, "w") as f:
        f.write(new)


main()
