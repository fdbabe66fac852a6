/* mt940: a reader for SWIFT MT940 customer statements (and MT942 interim
 * reports, which share the tags), as banks deliver them by file: with or
 * without the {1:...}{2:...}{4: envelope, one or several statements per
 * file. MT940 is not a table: :20: reference, :25: account, :28C:
 * statement number, :60F:/:60M: opening balance, then :61: statement lines
 * each optionally followed by :86: information, :62F:/:62M: closing
 * balance, :64:/:65: available balances. A tag's value runs until the next
 * tag; its continuation lines are joined without a separator (banks wrap
 * at 65 characters, and some mid-word). Each :61: (with its :86:) becomes
 * a row of fixed columns that a profile maps by position:
 *
 *   #1 account (:25:)   #2 currency (of the opening balance)
 *   #3 value date (YYMMDD)   #4 entry date (MMDD, may be empty)
 *   #5 direction: C or D (RC, a reversal of a credit, is D; RD is C)
 *   #6 amount (decimal comma, as written: "1,56")   #7 transaction type (NTRF)
 *   #8 customer reference   #9 bank reference   #10 supplementary details
 *   #11 information to the account owner (:86:)   #12 statement number (:28C:)
 *
 * Each closing balance is checked: opening balance plus the statement's
 * lines must give it, in the same currency; the verdict is a row of its own
 * (RC_BAI2_CHECK_OK / _FAILED, as for BAI2's trailers). A statement cut
 * short (no closing balance) fails its check too. */
#ifndef RECON_MT940_H
#define RECON_MT940_H

#include "formats/bai2.h"
#include "formats/csvread.h"

#define RC_MT940_COLUMNS 12
/* The line reader's delimiter: a byte MT940 never holds, so that every
 * line is one field (open the CSV reader with it and no_quotes). */
#define RC_MT940_DELIM '\x1f'

typedef struct rc_mt940 rc_mt940;

/* Wraps a CSV reader opened with RC_MT940_DELIM and no_quotes (not closed
 * by rc_mt940_close). */
int rc_mt940_open(rc_csv *csv, rc_mt940 **out);

/* Like rc_csv_next: RC_CSV_HAVE_ROW, RC_CSV_EOF or a negative RC_CSV_E*.
 * A row's error is RC_CSV_ROW_OK for a statement line, a reader error for
 * an unreadable line, RC_CSV_ROW_SYNTAX for a line that is not MT940 where
 * it stands (rc_mt940_message says why), or RC_BAI2_CHECK_* for a
 * balance check. */
int rc_mt940_next(rc_mt940 *m, rc_csv_row *row);

/* The message of the last check or structural error; owned by m. */
const char *rc_mt940_message(const rc_mt940 *m);

void rc_mt940_close(rc_mt940 *m);

#endif
