#!/usr/bin/env python3
"""featuregen: a two-month scenario with known answers for the matching
features of issue 19, the cases finance teams meet (bench/features.sh
runs and judges it):

  instalments       one invoice paid in two or three transfers; the
                    customer's account reference on both sides
  one_for_several   one transfer paying two or three invoices of a customer
  underpaid         a customer's transfers short of its invoices: no match
                    (a near miss a person decides)
  fee_short         a payout whose bank credit names it and arrives 0.50 to
                    15.00 short: a bank fee (the fee rule books it)
  fee_long          a credit 1.00 more than its payout: never a fee
  alias_taught      month 1: a bank line that names the payer, not the
                    invoice; the person matches it (features.sh does, from
                    the truth file), teaching the payer
  alias_used        month 2: the same payer's line, other digits in the
                    text: the alias rule matches it
  alias_ambiguous   month 2: the payer has two open invoices of the
                    line's amount: no match
  instalment_plan   a billing system's invoice paid in two or three
                    transfers that quote its number, the last in month 2:
                    the invoice is partially matched after month 1 and
                    matched after month 2, each transfer for its part
  plan_stray        a transfer quoting a plan invoice for under a tenth of
                    it (a test payment): no part taken

Writes DIR/m1/{erp,billing,stripe,bank}.csv and DIR/m2/{erp,bank}.csv (generic_psp
and generic_bank layouts) and DIR/truth.csv (source, external_id, group,
matchable, case; matchable is yes, no or person). Deterministic: the same N
gives the same files. Usage: featuregen.py N DIR (N: units per case).
"""
import os
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(19)
for m in ('m1', 'm2'):
    os.makedirs(os.path.join(out, m), exist_ok=True)

SYLL = ['ka', 'ro', 'vi', 'tes', 'mar', 'lun', 'do', 'ber', 'sta', 'quin', 'hel', 'zor',
        'pa', 'gri', 'nov', 'el', 'tur', 'wen', 'fal', 'ix']


def name(i):
    """A company name of letters only, different in letters for every i
    (a payer key keeps letters: digits would not tell two apart)."""
    parts, k = [], i
    for _ in range(3):
        parts.append(SYLL[k % len(SYLL)])
        k //= len(SYLL)
    return ''.join(parts).capitalize() + ' ' + ['GmbH', 'Ltd', 'AB', 'SAS'][i % 4]


def money(minor):
    return '%s%d.%02d' % ('-' if minor < 0 else '', abs(minor) // 100, abs(minor) % 100)


def day(month, d):
    return '2024-%02d-%02d' % (3 + month, d)


erp = {1: [], 2: []}
billing = []
stripe = []
bank = {1: [], 2: []}
truth = []
seq = [0]


def tid(prefix):
    seq[0] += 1
    return '%s%06d' % (prefix, seq[0])


def split(total, parts):
    cuts = sorted(rng.sample(range(100, total - 100, 100), parts - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


for i in range(n):
    # instalments: one invoice, 2-3 transfers, the account reference on both
    ref = 'ACC-%05d' % i
    total = rng.randrange(300, 2000) * 100
    inv = tid('INV')
    erp[1].append((inv, day(1, 1 + i % 20), total, ref, name(i)))
    truth.append(('erp', inv, 'inst%d' % i, 'yes', 'instalments'))
    for k, part in enumerate(split(total, rng.choice([2, 3]))):
        bk = tid('BK')
        bank[1].append((bk, day(1, 2 + i % 20 + 3 * k), 'TRANSFER %s' % ref, part, ref))
        truth.append(('bank', bk, 'inst%d' % i, 'yes', 'instalments'))

    # one transfer for several invoices
    ref = 'ACD-%05d' % i
    amounts = [rng.randrange(50, 900) * 100 + rng.randrange(100) for _ in range(rng.choice([2, 3]))]
    for a in amounts:
        inv = tid('INV')
        erp[1].append((inv, day(1, 1 + i % 20), a, ref, name(1000 + i)))
        truth.append(('erp', inv, 'several%d' % i, 'yes', 'one_for_several'))
    bk = tid('BK')
    bank[1].append((bk, day(1, 5 + i % 20), 'PAYMENT %s' % ref, sum(amounts), ref))
    truth.append(('bank', bk, 'several%d' % i, 'yes', 'one_for_several'))

    # underpaid: transfers short of the invoices
    ref = 'ACU-%05d' % i
    a = rng.randrange(200, 900) * 100
    inv = tid('INV')
    erp[1].append((inv, day(1, 1 + i % 20), a, ref, name(2000 + i)))
    truth.append(('erp', inv, 'under%d' % i, 'no', 'underpaid'))
    bk = tid('BK')
    bank[1].append((bk, day(1, 6 + i % 20), 'TRANSFER %s' % ref, a - rng.randrange(1, 50) * 100, ref))
    truth.append(('bank', bk, 'under%d' % i, 'no', 'underpaid'))

    # payouts short by a bank fee, and one long
    for case, delta in (('fee_short', -rng.randrange(50, 1500)), ('fee_long', 100)):
        po = 'po_%s%05d' % ('S' if case == 'fee_short' else 'L', i)
        net_total = 0
        for k in range(rng.randrange(3, 7)):
            gross = rng.randrange(1000, 20000)
            fee = gross * 29 // 1000 + 30
            ch = tid('ch_')
            stripe.append((ch, day(1, 1 + i % 20), gross, fee, gross - fee, po))
            net_total += gross - fee
            truth.append(('stripe', ch, '%s%d' % (case, i), 'yes' if case == 'fee_short' else 'no', case))
        bk = tid('BK')
        bank[1].append((bk, day(1, 3 + i % 20), 'STRIPE PAYOUT %s' % po.upper(), net_total + delta, ''))
        truth.append(('bank', bk, '%s%d' % (case, i), 'yes' if case == 'fee_short' else 'no', case))

    # aliases: month 1 taught by a person, month 2 used; a payer with two
    # open invoices of one amount is left alone
    payer = name(3000 + i)
    holding = payer.split()[0].upper() + ' HOLDING ' + payer.split()[1].upper()
    a = rng.randrange(100, 900) * 100
    inv, bk = tid('INV'), tid('BK')
    erp[1].append((inv, day(1, 1 + i % 20), a, inv, payer))
    bank[1].append((bk, day(1, 4 + i % 20), 'SEPA CT %s %d' % (holding, rng.randrange(10**5)), a, ''))
    truth += [('erp', inv, 'taught%d' % i, 'person', 'alias_taught'),
              ('bank', bk, 'taught%d' % i, 'person', 'alias_taught')]
    b = rng.randrange(100, 900) * 100
    if i % 4 == 3:
        for _ in range(2):
            inv = tid('INV')
            erp[2].append((inv, day(2, 1 + i % 20), b, inv, payer))
            truth.append(('erp', inv, 'amb%d' % i, 'no', 'alias_ambiguous'))
        bk = tid('BK')
        bank[2].append((bk, day(2, 4 + i % 20), 'SEPA CT %s %d' % (holding, rng.randrange(10**5)), b, ''))
        truth.append(('bank', bk, 'amb%d' % i, 'no', 'alias_ambiguous'))
    else:
        inv, bk = tid('INV'), tid('BK')
        erp[2].append((inv, day(2, 1 + i % 20), b, inv, payer))
        bank[2].append((bk, day(2, 4 + i % 20), 'SEPA CT %s %d' % (holding, rng.randrange(10**5)), b, ''))
        truth += [('erp', inv, 'used%d' % i, 'yes', 'alias_used'),
                  ('bank', bk, 'used%d' % i, 'yes', 'alias_used')]

    # instalment plans: the invoice's number on every transfer, the last
    # transfer next month
    ref = 'PLAN-%05d' % i
    total = rng.randrange(300, 3000) * 100 + rng.randrange(100)
    inv = tid('BILL')
    billing.append((inv, day(1, 1 + i % 20), total, ref, name(4000 + i)))
    truth.append(('billing', inv, 'plan%d' % i, 'yes', 'instalment_plan'))
    parts = split(total, rng.choice([2, 3]))
    for k, part in enumerate(parts):
        bk = tid('BK')
        month = 2 if k == len(parts) - 1 else 1
        when = day(month, 2 + i % 20) if month == 2 else day(1, 3 + i % 20 + 2 * k)
        bank[month].append((bk, when, 'PAYMENT PLAN %s %d/%d' % (ref, k + 1, len(parts)), part, ref))
        truth.append(('bank', bk, 'plan%d' % i, 'yes', 'instalment_plan'))
    # a test payment under a tenth of its plan's invoice
    ref = 'PLAN-S%05d' % i
    total = rng.randrange(300, 3000) * 100
    inv, bk = tid('BILL'), tid('BK')
    billing.append((inv, day(1, 1 + i % 20), total, ref, name(5000 + i)))
    bank[1].append((bk, day(1, 4 + i % 20), 'TEST %s' % ref, rng.randrange(100, total // 10), ref))
    truth += [('billing', inv, 'stray%d' % i, 'no', 'plan_stray'),
              ('bank', bk, 'stray%d' % i, 'no', 'plan_stray')]


def write(path, header, rows):
    with open(os.path.join(out, path), 'w') as f:
        f.write(header + '\n')
        for r in rows:
            f.write(','.join(money(x) if isinstance(x, int) else x for x in r) + '\n')


for m in (1, 2):
    write('m%d/erp.csv' % m, 'id,type,created,amount,currency,reference,customer',
          [(i, 'charge', d, a, 'EUR', ref, c) for i, d, a, ref, c in erp[m]])
    write('m%d/bank.csv' % m, 'id,date,description,amount,currency,reference',
          [(i, d, t, a, 'EUR', ref) for i, d, t, a, ref in bank[m]])
write('m1/billing.csv', 'id,type,created,amount,currency,reference,customer',
      [(i, 'charge', d, a, 'EUR', ref, c) for i, d, a, ref, c in billing])
write('m1/stripe.csv', 'id,type,created,amount,fee,net,currency,payout_id',
      [(i, 'charge', d, g, f, nt, 'EUR', po) for i, d, g, f, nt, po in stripe])
with open(os.path.join(out, 'truth.csv'), 'w') as f:
    f.write('source,external_id,grp,matchable,kase\n')
    for r in truth:
        f.write(','.join(r) + '\n')
