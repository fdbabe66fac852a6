/* ofx: a reader for OFX and QFX statements (Open Financial Exchange, as
 * banks and card issuers offer them for download): version 1.x, which is
 * SGML (leaf elements have no end tags: "<TRNAMT>-12.50"), and 2.x, which
 * is XML; both read by one tag scanner, since no XML parser reads 1.x.
 * Files may hold several statements (STMTRS for bank accounts, CCSTMTRS
 * for cards), on many lines or on one. Each STMTTRN becomes a row of fixed
 * columns that a profile maps by position:
 *
 *   #1 account (ACCTID)   #2 currency (the transaction's CURRENCY/CURSYM,
 *   else the statement's CURDEF)   #3 posted date (DTPOSTED, YYYYMMDD: the
 *   date the bank wrote, its time and zone dropped)   #4 user date
 *   (DTUSER, YYYYMMDD)   #5 amount (TRNAMT, signed, a decimal comma made
 *   a point: OFX has no thousands separators)   #6 type (TRNTYPE: CREDIT,
 *   DEBIT, FEE, ...)   #7 FITID (the bank's id, unique per account)
 *   #8 CHECKNUM   #9 REFNUM   #10 NAME (or PAYEE's NAME)   #11 MEMO
 *   #12 account type (ACCTTYPE; CREDITCARD for card statements)
 *
 * An OFX statement gives its closing (ledger) balance but no opening one,
 * so no balance can be checked from the file alone (unlike BAI2, MT940
 * and camt). Character references (&amp; &lt; &#233;) are decoded. */
#ifndef RECON_OFX_H
#define RECON_OFX_H

#include "formats/csvread.h"

#define RC_OFX_COLUMNS 12

typedef struct rc_ofx rc_ofx;

/* Wraps a CSV reader opened as a line reader (RC_MT940_DELIM, no_quotes);
 * not closed by rc_ofx_close. */
int rc_ofx_open(rc_csv *csv, rc_ofx **out);

/* Like rc_csv_next. A row's error is RC_CSV_ROW_OK for a transaction, a
 * reader error for an unreadable line, or RC_CSV_ROW_SYNTAX for markup
 * that breaks off (a tag never closed at the end of the file; a
 * transaction never ended): rc_ofx_message says why. */
int rc_ofx_next(rc_ofx *o, rc_csv_row *row);

const char *rc_ofx_message(const rc_ofx *o);

/* How many statements (STMTRS, CCSTMTRS) the file has had so far: one
 * without transactions is a quiet period, not an empty file. */
int rc_ofx_statements(const rc_ofx *o);

void rc_ofx_close(rc_ofx *o);

#endif
