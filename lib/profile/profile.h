/* profile: a CSV layout and how it maps to the canonical record. The
 * structure is private; ingest reads it directly, users go through the
 * accessors in recon.h. */
#ifndef RECON_PROFILE_H
#define RECON_PROFILE_H

#include <stddef.h>

#include "profile/expr.h"
#include "recon.h"
#include "util/money.h"
#include "util/record.h"
#include "util/timefmt.h"

/* Canonical fields a column can feed. */
typedef enum {
    RC_F_EXTERNAL_ID,
    RC_F_KIND,
    RC_F_OCCURRED_AT,
    RC_F_SETTLED_AT,
    RC_F_AMOUNT,
    RC_F_FEE,
    RC_F_NET,
    RC_F_CURRENCY,
    RC_F_GROUP_ID,
    RC_F_REFERENCE,
    RC_F_DESCRIPTION,
    RC_F_COUNTERPARTY,
    RC_F_PROVIDER_STATUS,
    RC_F_PROVIDER_CODE,
    RC_F_DEBIT,         /* sign = debit_credit */
    RC_F_CREDIT,        /* sign = debit_credit */
    RC_F_DIRECTION,     /* sign = direction */
    RC_F_FEE_DIRECTION, /* the fee's own credit/debit column (PayPal STL) */
    RC_F_TIMEZONE,      /* the zone of the row's local times (Adyen TimeZone) */
    RC_F_COUNT
} rc_field;

typedef enum { RC_SIGN_SIGNED, RC_SIGN_DEBIT_CREDIT, RC_SIGN_DIRECTION } rc_sign_mode;

typedef struct {
    char **aliases; /* header names, compared case-insensitively; NULL if unmapped */
    size_t naliases;
    size_t position; /* 1-based column for header = no; 0 otherwise */
    rc_expr *expr;   /* a call (concat, coalesce, ...) instead of a column, or NULL */
    int optional;    /* the file may lack the column */
    int configured;  /* the profile maps this field */
} rc_column;

typedef struct {
    char *value; /* lower-cased raw value; may hold '*' wildcards */
    rc_kind kind;
    int negate; /* written "-value": the file's amounts of this type are unsigned
                   money out, so they are negated */
    int glob;   /* value has a '*' */
} rc_kind_entry;

/* "COLUMN: v1, v2": a test on one cell (values compared case-insensitively,
 * '*' wildcards, "" for an empty cell). */
typedef struct {
    int slot;
    char **values;
    size_t nvalues;
} rc_row_test;

enum {
    RC_FORMAT_CSV = 0,
    RC_FORMAT_BAI2 = 1,
    RC_FORMAT_MT940 = 2,
    RC_FORMAT_CAMT = 3,
    RC_FORMAT_OFX = 4
};

/* Totals rows: the file's own sums, checked against the rows it covers. */
enum {
    RC_TOT_CURRENCY,
    RC_TOT_AMOUNT,
    RC_TOT_CREDITS,
    RC_TOT_DEBITS,
    RC_TOT_FEE_CREDITS,
    RC_TOT_FEE_DEBITS,
    RC_TOT_COUNT
};

/* [dates] order: as the formats write day and month, or decided per file. */
enum { RC_ORDER_WRITTEN = 0, RC_ORDER_AUTO = 1 };

struct recon_profile {
    int format;     /* RC_FORMAT_* */
    rc_slots slots; /* every column reference of expressions, tests and totals */
    char **detect;  /* header names a file must have to be this layout */
    size_t ndetect;
    char *detect_first; /* and the name its first column must have, or NULL */
    char **detect_line; /* or: the first line's start, one of these (BAI2 "01,") */
    size_t ndetect_line;
    char **detect_text; /* or: a text the file's start holds (camt's namespace), one of these */
    size_t ndetect_text;
    rc_row_test *detect_row; /* header = no: tests the first row must pass */
    size_t ndetect_row;
    rc_row_test *keep,
        *skip; /* [rows]: keep only rows passing all keep, drop rows passing any skip */
    size_t nkeep, nskip;
    int fill_down[8]; /* [rows] fill_down: slots whose last value fills empty cells */
    size_t nfill;
    char **may_omit; /* [rows] may_omit: the header's last columns a row may leave out */
    size_t nmay_omit;
    /* [records]: a file of typed records (PayPal STL): the type column, and
     * which types are the header, the data and ignored. */
    int record_slot; /* -1 when the file is a plain table */
    char **rec_header, **rec_data, **rec_ignore;
    size_t nrec_header, nrec_data, nrec_ignore;
    /* [totals] */
    rc_row_test *totals_when;      /* NULL when the layout has no totals rows */
    int totals_slot[RC_TOT_COUNT]; /* -1 when not given */
    int value_is_net;              /* [amounts] value = net: the amount columns carry the net */
    char *name;
    char *description;
    char *provider;       /* key in the error table ("shop_gateway"), or NULL: the name */
    char **failed_values; /* provider_status values of failed payments, lower-cased */
    size_t nfailed;
    recon_source_type source_type;
    char delim;
    int header;           /* 1: first record is a header row */
    size_t skip_lines;    /* preamble lines before the header */
    const char *encoding; /* [profile] encoding as iconv names it; NULL: auto (encoding.h) */
    size_t ncolumns;      /* header = no: the number of columns a row has */
    rc_column cols[RC_F_COUNT];

    rc_money_fmt money;
    rc_sign_mode sign;
    int invert;               /* signed: negate amounts (reports from the payer's side) */
    int fee_signed;           /* fee column is signed (negative = charged) instead of a cost */
    char currency[4];         /* fixed currency when there is no currency column */
    int currency_from_header; /* [amounts] currency = header: the '*' of the amount columns */
    char **credit_values, **debit_values; /* direction column values, lower-cased */
    size_t ncredit, ndebit;

    rc_time_format occurred_fmt, settled_fmt;
    int tz_offset_min;
    char timezone[32];
    /* [dates] order. RC_ORDER_WRITTEN: day and month as the formats write
     * them (`order = dmy|mdy` rewrites them at load when they say the
     * other). RC_ORDER_AUTO: decided per file from its values (ingest reads
     * the file's dates first); *_swapped are the formats with day and month
     * exchanged: occurred_at's always (order needs it to have both), and
     * settled_at's when it has both too (swaps_settled). */
    int date_order;
    int swaps_settled;
    rc_time_format occurred_swapped, settled_swapped;
    char order_written[4]; /* "mdy" or "dmy": the occurred_at format's order */
    char order_key[16];    /* "auto", "mdy", "dmy" as given, "" when not */

    rc_kind_entry *kinds;
    size_t nkinds;
    int unknown_is_other;  /* unknown kind values map to 'other' instead of rejecting */
    int from_sign;         /* no kind column: kind from the amount's sign */
    rc_kind sign_kinds[2]; /* [0] for amount >= 0, [1] for < 0 */
    int has_default_kind;
    rc_kind default_kind;
};

/* Canonical names ("external_id", "bank_credit"). */
const char *rc_field_name(rc_field f);

/* Maps a raw kind value (any case, trimmed by the caller) to a kind: an
 * exact value first, then wildcard values in file order. Returns 0 and sets
 * *out and *negate, or -1 when the profile does not know it. */
int rc_profile_kind(const recon_profile *p, const char *value, size_t len, rc_kind *out,
                    int *negate);

/* Does a header cell carry the name? Case-insensitive after trimming
 * spaces ("Net Amount " is "net amount"); a name with '*' is a pattern
 * ("Paid Out (*)"). */
int rc_header_match(const char *cell, size_t len, const char *name);

/* Does the cell pass the test's values? */
int rc_row_test_match(const rc_row_test *t, const char *cell, size_t len);

/* Header binding: where each configured field sits in a file.
 * index[f] is the 0-based column, or -1 when absent. */
typedef struct {
    long index[RC_F_COUNT];
    size_t ncolumns;               /* fields a data row has */
    size_t min_fields;             /* fields it must have ([rows] may_omit lowers it) */
    char currency[4];              /* [amounts] currency = header: the code the amount
                                      columns' names carry; "" otherwise */
    const char *names[RC_F_COUNT]; /* the file's column name per field (points into the header
                                      copy the caller keeps), or NULL */
    long slot_index[RC_MAX_SLOTS]; /* the column of each slot, -1 when absent */
} rc_binding;

/* Binds a header row to the profile. On failure writes into msg why
 * ("missing column(s): amount (one of: amount, gross), currency", or
 * 'column "amount" is named twice (columns 4 and 5): ...') and returns
 * RECON_EHEADER. For header = no profiles pass nfields = 0 and header =
 * NULL. */
int rc_profile_bind(const recon_profile *p, const char *const *header, const size_t *lens,
                    size_t nfields, rc_binding *out, char *msg, size_t msgsize);

#endif
