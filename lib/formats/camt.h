/* camt: a reader for ISO 20022 bank-to-customer statements: camt.053
 * (statement), camt.052 (intraday report) and camt.054 (debit/credit
 * notification), which share the entry structure. The XML is parsed by
 * expat as it streams in, fed line by line from the CSV reader used as a
 * line reader (which hashes the file and counts its bytes as for every
 * other format); one entry at a time: the parser is suspended at each
 * </Ntry> and resumed for the next. Each Ntry becomes a row of fixed
 * columns that a profile maps by position:
 *
 *   #1 account (IBAN, or other id)   #2 currency (the entry amount's Ccy)
 *   #3 booking date (YYYY-MM-DD)   #4 value date   #5 direction: C or D
 *   (the entry's own, a reversal's too)   #6 amount (decimal point)
 *   #7 status (BOOK, PDNG, INFO)   #8 bank reference (AcctSvcrRef)
 *   #9 end-to-end id   #10 remittance information   #11 counterparty name
 *   #12 additional entry information   #13 bank transaction code
 *   #14 statement id
 *
 * A statement's closing booked balance (CLBD) is checked against its
 * opening booked balance (OPBD, or PRCD) and its booked entries; the
 * verdict is a row of its own (RC_BAI2_CHECK_OK / _FAILED). Malformed XML
 * ends the file with a rejected row naming the line and expat's reason. */
#ifndef RECON_CAMT_H
#define RECON_CAMT_H

#include "formats/bai2.h"
#include "formats/csvread.h"

#define RC_CAMT_COLUMNS 14

typedef struct rc_camt rc_camt;

/* Wraps a CSV reader opened with RC_MT940_DELIM (a byte XML text never
 * holds) and no_quotes, so that every line is one field; not closed by
 * rc_camt_close. */
int rc_camt_open(rc_csv *csv, rc_camt **out);

/* Like rc_csv_next. A row's error is RC_CSV_ROW_OK for an entry, a
 * reader error for an unreadable line, RC_CSV_ROW_SYNTAX for XML that is
 * not well-formed or an entry without an amount (rc_camt_message says
 * why), or RC_BAI2_CHECK_* for a balance check. */
int rc_camt_next(rc_camt *c, rc_csv_row *row);

const char *rc_camt_message(const rc_camt *c);

void rc_camt_close(rc_camt *c);

#endif
