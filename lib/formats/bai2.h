/* bai2: a reader for BAI2 cash-management files (the format US banks such
 * as Bank of America CashPro and Wells Fargo deliver to treasury systems),
 * over the CSV reader. BAI2 is not a table: 01 file header, 02 group
 * header (as-of date, currency), 03 account (number, currency, summaries),
 * 16 transaction detail, 88 continuation, 49/98/99 trailers with control
 * totals. The reader turns each 16 record (with its continuations) into a
 * row of fixed columns that a profile maps like any header-less file:
 *
 *   #1 account   #2 currency   #3 as-of date (YYMMDD)   #4 type code
 *   #5 direction (C credit, D debit, empty for codes that say neither)
 *   #6 amount (minor units, unsigned)   #7 funds type
 *   #8 value date (YYMMDD, funds type V)   #9 bank reference
 *   #10 customer reference   #11 text (continuations joined by a space)
 *
 * and checks every trailer's control total and record count, yielding the
 * verdict as a row of its own (RC_BAI2_CHECK_OK / _FAILED); a file that
 * ends before the trailers of what it opened yields a failed check too. */
#ifndef RECON_BAI2_H
#define RECON_BAI2_H

#include "formats/csvread.h"

#define RC_BAI2_COLUMNS 11

/* Row "errors" that are the results of trailer checks, not data. */
#define RC_BAI2_CHECK_OK 100
#define RC_BAI2_CHECK_FAILED 101

typedef struct rc_bai2 rc_bai2;

/* Wraps a CSV reader opened with ',' (not closed by rc_bai2_close). */
int rc_bai2_open(rc_csv *csv, rc_bai2 **out);

/* Like rc_csv_next: RC_CSV_HAVE_ROW, RC_CSV_EOF or a negative RC_CSV_E*.
 * A row's error is RC_CSV_ROW_OK for a detail, a reader error for a bad
 * record (its error_field counts the record's fields, not the row's
 * columns; RC_CSV_ROW_SYNTAX also for a record BAI2 does not allow there),
 * or RC_BAI2_CHECK_*: then rc_bai2_message says what was checked. */
int rc_bai2_next(rc_bai2 *b, rc_csv_row *row);

/* The message of the last check or structural error; owned by b. */
const char *rc_bai2_message(const rc_bai2 *b);

/* The reject reason of the last structural error: "record_unknown" (a
 * record BAI2 does not allow there) or "record_invalid" (a count field
 * that is not one). */
const char *rc_bai2_reason(const rc_bai2 *b);

void rc_bai2_close(rc_bai2 *b);

#endif
