#!/usr/bin/env python3
"""shapegen: invoice payments whose ids appear inside bank text, in the
shapes real ledgers have (issue 14): N invoices INV-2026-000000000 ..
(sequential: every id shares a 14-character prefix with thousands of
others), each paid by one bank credit of its amount within three days.

  prefix   the id as written, between other words: PAYMENT REF INV-2026-000000123 ACME GMBH
  midword  punctuation lost and glued to a prefix: REF:INV2026000000123/ACME
  cut      cut short at the end of the line after 14 characters: ... REF INV-2026-00000
  multi    two ids in one text, the one paid and the one before it (a credit
           note): PAYMENT INV-2026-000000123 CREDIT NOTE INV-2026-000000122;
           the amount tells which
  random   random ids, no prefix shared (the easy case, for scale):
           PAYMENT REF in_4fK2...Q ACME GMBH

Writes DIR/psp.csv (generic_psp: the invoices, the id as reference) and
DIR/bank.csv (generic_bank). Deterministic: the same N gives the same files.
Usage: shapegen.py SHAPE N DIR
"""
import random
import sys

shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(7)
with open(out + '/psp.csv', 'w') as p, open(out + '/bank.csv', 'w') as b:
    p.write('id,type,created,amount,currency,reference\n')
    b.write('date,amount,currency,description\n')
    b62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
    for i in range(n):
        inv = 'INV-2026-%09d' % i
        if shape == 'random':
            inv = 'in_' + ''.join(rng.choice(b62) for _ in range(24))
        amount = '%d.%02d' % (rng.randint(10, 5000), rng.randint(0, 99))
        day = '2026-03-%02d' % (1 + i % 28)
        p.write(f'ch_{i},charge,{day},{amount},EUR,{inv}\n')
        if shape == 'prefix':
            text = f'PAYMENT REF {inv} ACME GMBH'
        elif shape == 'midword':
            text = f'REF:{inv.replace("-", "")}/ACME'
        elif shape == 'cut':
            text = f'SEPA CREDIT ACME GMBH REF {inv[:14]}'
        elif shape == 'multi':
            text = f'PAYMENT {inv} CREDIT NOTE INV-2026-{max(i - 1, 0):09d}'
        elif shape == 'random':
            text = f'PAYMENT REF {inv} ACME GMBH'
        else:
            sys.exit(f'shapegen: no shape {shape!r} (prefix, midword, cut, multi, random)')
        b.write(f'{day},{amount},EUR,{text}\n')
