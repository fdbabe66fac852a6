#!/usr/bin/env python3
"""Writes the demo's sample files (data/samples/) from the generic fixtures.

    python3 scripts/mksamples.py

The demo shows librecon on two real layouts: a Stripe itemized payout
reconciliation report (data/samples/stripe_payouts_2024-03.csv) and the
bank's BAI2 file for the same weeks (data/samples/bank_2024-03.bai), made
from tests/fixtures/generic/psp_settlement.csv and bank_statement.csv so the
figures stay the same: eight payouts, each credited to the bank, plus the
charges, refunds, disputes and fees they pay out. Deterministic: running it
again writes the same bytes. Two rows are wrong on purpose (12.345 USD and a
currency XYZ in the Stripe file, a malformed amount in the BAI2 file) so
the demo shows rejected rows kept and explained."""
import csv
import os
from decimal import Decimal

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "tests", "fixtures", "generic")
OUT = os.path.join(ROOT, "data", "samples")

STRIPE_COLUMNS = [
    "automatic_payout_id", "automatic_payout_effective_at_utc", "balance_transaction_id",
    "created_utc", "available_on_utc", "currency", "gross", "fee", "net", "reporting_category",
    "source_id", "description", "customer_email", "payment_metadata[order_id]"]
CATEGORY = {"charge": "charge", "refund": "refund", "chargeback": "dispute",
            "dispute_won": "dispute_reversal", "stripe_fee": "fee",
            "adjustment": "other_adjustment"}


def stripe():
    with open(os.path.join(SRC, "psp_settlement.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    payouts = {r["payout_id"]: r for r in rows if r["type"] == "payout"}
    # The deliberately bad rows have no payout of their own: put them in
    # the first payout of their currency, where they are rejected.
    first = {}
    for r in payouts.values():
        first.setdefault(r["currency"], r["payout_id"])
    out = []
    for i, r in enumerate(rows):
        bad = r["amount"] == "12.345" or r["currency"] == "XYZ"
        if r["type"] == "payout" or (not r["payout_id"] and not bad):
            continue
        po = r["payout_id"] or first["USD"]
        p = payouts[po]
        out.append([po, p["available_on"] + " 00:00:00", r["id"], r["created"],
                    r["available_on"] + " 00:00:00", r["currency"].lower(), r["amount"],
                    r["fee"], r["net"], CATEGORY[r["type"]], "src_%06d" % i,
                    r["description"], r["customer_email"], r["order_id"].lstrip("#")])
    with open(os.path.join(OUT, "stripe_payouts_2024-03.csv"), "w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(STRIPE_COLUMNS)
        w.writerows(out)


def type_code(desc, cents):
    if cents >= 0:
        if desc.startswith("STRIPE PAYOUT"):
            return 165  # preauthorized ACH credit
        if desc.startswith("INCOMING WIRE"):
            return 195
        return 175 if desc.startswith("ACME") else 165
    if desc.startswith("CARD"):
        return 451
    if desc.startswith("SEPA DIRECT DEBIT"):
        return 455
    if desc.startswith("ACCOUNT MAINTENANCE"):
        return 699
    return 495


def bai2():
    with open(os.path.join(SRC, "bank_statement.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    accounts = {"EUR": "DE89370400440532013000", "USD": "9407223311"}
    days = {}
    for n, r in enumerate(rows):
        date = r["date"] if r["date"] != "2024-04-31" else "2024-04-30"
        days.setdefault(date, {}).setdefault(r["currency"], []).append((n, r))
    lines = ["01,ACMEBANK,ACMEOUTDOOR,240501,0600,1,80,,2/"]
    file_total, groups = 0, 0
    for date in sorted(days):
        yymmdd = date[2:4] + date[5:7] + date[8:10]
        group = ["02,ACMEOUTDOOR,ACMEBANK,1,%s,2400,EUR,2/" % yymmdd]
        group_total = 0
        for cur in sorted(days[date]):
            acct = ["03,%s,%s,/" % (accounts[cur], cur)]
            total = 0
            for n, r in days[date][cur]:
                cents = int(Decimal(r["amount"]) * 100)
                desc = r["description"]
                text = desc + (" / " + r["counterparty"] if r["counterparty"] else "")
                amount = str(abs(cents))
                if r["date"] == "2024-04-31":
                    amount = amount[:-1] + "O"  # the deliberately bad row
                else:
                    total += abs(cents)
                acct.append("16,%d,%s,0,BR%s%04d,%s,%s" % (
                    type_code(desc, cents), amount, yymmdd, n, r["reference"], text))
            acct.append("49,%d,%d/" % (total, len(acct) + 1))
            group += acct
            group_total += total
        group.append("98,%d,%d,%d/" % (group_total, len(days[date]), len(group) + 1))
        lines += group
        file_total += group_total
        groups += 1
    lines.append("99,%d,%d,%d/" % (file_total, groups, len(lines) + 1))
    with open(os.path.join(OUT, "bank_2024-03.bai"), "w") as f:
        f.write("\n".join(lines) + "\n")


stripe()
bai2()
