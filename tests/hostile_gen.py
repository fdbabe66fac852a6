#!/usr/bin/env python3
"""Writes the big hostile input files that are generated at test time rather
than committed (tests/fixtures/hostile/MANIFEST names them as gen:KIND).

    python3 tests/hostile_gen.py KIND OUT

Every file has the generic_psp header unless the point is the header."""
import sys

HEADER = b"id,type,created,available_on,amount,fee,net,currency,payout_id,description"
MIB = 1024 * 1024


def row(ident, description=b"fine", amount=b"1.00"):
    return (ident + b",charge,2024-03-01T10:00:00Z,2024-03-03," + amount + b",0.00," + amount +
            b",EUR,po_1," + description)


def field_10mb(out):
    """Line 2: a 10 MiB description (over the 1 MiB field limit); line 3 a good row."""
    out.write(HEADER + b"\n")
    out.write(row(b"big", b"x" * (10 * MIB)) + b"\n")
    out.write(row(b"after_big") + b"\n")


def cols_100k_header(out):
    """A header of 100,000 columns (the profile's 10, then c11..c100000) and one
    row that fills them all: imported."""
    extra = b",".join(b"c%d" % i for i in range(11, 100001))
    out.write(HEADER + b"," + extra + b"\n")
    out.write(row(b"wide_1") + b"," * (100000 - 10) + b"\n")


def cols_100k_row(out):
    """A row of 100,000 fields under the 10-column header: ragged, rejected."""
    out.write(HEADER + b"\n")
    out.write(b",".join([b"x"] * 100000) + b"\n")
    out.write(row(b"after_wide") + b"\n")


def empty_lines_1m(out):
    """The header, 1,000,000 empty lines (CRLF, LF and CR in turn), then one
    row, which must be stored with its physical line number 1,000,002."""
    out.write(HEADER + b"\n")
    out.write(b"\r\n" + b"\r\n\n\r" * 333333)
    out.write(row(b"after_blank") + b"\n")


def only_empty_lines_1m(out):
    """1,000,000 empty lines and nothing else."""
    out.write(b"\n" * 1000000)


def line_17mb_no_newline(out):
    """A good row, then a 17 MiB record (over the 16 MiB record limit) that
    ends the file without a line end."""
    out.write(HEADER + b"\n")
    out.write(row(b"before_long") + b"\n")
    out.write(row(b"long", b"y" * (17 * MIB)))


def field_1mb_exact(out):
    """A description of exactly 1 MiB (the limit: accepted) and one of
    1 MiB + 1 byte (rejected)."""
    out.write(HEADER + b"\n")
    out.write(row(b"at_limit", b"z" * MIB) + b"\n")
    out.write(row(b"over_limit", b"z" * (MIB + 1)) + b"\n")


KINDS = {f.__name__: f for f in (field_10mb, cols_100k_header, cols_100k_row, empty_lines_1m,
                                 only_empty_lines_1m, line_17mb_no_newline, field_1mb_exact)}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS:
        sys.exit("usage: hostile_gen.py {%s} OUT" % "|".join(KINDS))
    with open(sys.argv[2], "wb") as f:
        KINDS[sys.argv[1]](f)
