/* profile: a CSV layout and how it maps to the canonical record. The
 * structure is private; ingest reads it directly, users go through the
 * accessors in recon.h. */
#ifndef RECON_PROFILE_H
#define RECON_PROFILE_H

#include <stddef.h>

#include "money.h"
#include "recon.h"
#include "timefmt.h"

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
    RC_F_DEBIT,     /* sign = debit_credit */
    RC_F_CREDIT,    /* sign = debit_credit */
    RC_F_DIRECTION, /* sign = direction */
    RC_F_COUNT
} rc_field;

/* Canonical kinds, in the order of the schema's CHECK list. */
typedef enum {
    RC_K_CHARGE,
    RC_K_REFUND,
    RC_K_FEE,
    RC_K_PAYOUT,
    RC_K_CHARGEBACK,
    RC_K_CHARGEBACK_REVERSAL,
    RC_K_ADJUSTMENT,
    RC_K_TRANSFER,
    RC_K_BANK_CREDIT,
    RC_K_BANK_DEBIT,
    RC_K_OTHER,
    RC_K_COUNT
} rc_kind;

typedef enum { RC_SIGN_SIGNED, RC_SIGN_DEBIT_CREDIT, RC_SIGN_DIRECTION } rc_sign_mode;

typedef struct {
    char **aliases;  /* header names, compared case-insensitively; NULL if unmapped */
    size_t naliases;
    size_t position; /* 1-based column for header = no; 0 otherwise */
    int optional;    /* the file may lack the column */
    int configured;  /* the profile maps this field */
} rc_column;

typedef struct {
    char *value; /* lower-cased raw value */
    rc_kind kind;
} rc_kind_entry;

struct recon_profile {
    char *name;
    char *description;
    char *provider;       /* key in the error table ("shop_gateway"), or NULL: the name */
    char **failed_values; /* provider_status values of failed payments, lower-cased */
    size_t nfailed;
    recon_source_type source_type;
    char delim;
    int header;         /* 1: first record is a header row */
    size_t skip_lines;  /* preamble lines before the header */
    size_t ncolumns;    /* header = no: the number of columns a row has */
    rc_column cols[RC_F_COUNT];

    rc_money_fmt money;
    rc_sign_mode sign;
    int invert;        /* signed: negate amounts (reports from the payer's side) */
    int fee_signed;    /* fee column is signed (negative = charged) instead of a cost */
    char currency[4];  /* fixed currency when there is no currency column */
    char **credit_values, **debit_values; /* direction column values, lower-cased */
    size_t ncredit, ndebit;

    rc_time_format occurred_fmt, settled_fmt;
    int tz_offset_min;
    char timezone[32];

    rc_kind_entry *kinds;
    size_t nkinds;
    int unknown_is_other; /* unknown kind values map to 'other' instead of rejecting */
    int from_sign;        /* no kind column: kind from the amount's sign */
    rc_kind sign_kinds[2];/* [0] for amount >= 0, [1] for < 0 */
    int has_default_kind;
    rc_kind default_kind;
};

/* Canonical names ("external_id", "bank_credit"). */
const char *rc_field_name(rc_field f);
const char *rc_kind_name(rc_kind k);

/* Maps a raw kind value (any case, trimmed by the caller) to a kind.
 * Returns 0 and sets *out, or -1 when the profile does not know it. */
int rc_profile_kind(const recon_profile *p, const char *value, size_t len, rc_kind *out);

/* Header binding: where each configured field sits in a file.
 * index[f] is the 0-based column, or -1 when absent. */
typedef struct {
    long index[RC_F_COUNT];
    size_t ncolumns;       /* fields a data row must have */
    const char *names[RC_F_COUNT]; /* the file's column name per field (points into the header
                                      copy the caller keeps), or NULL */
} rc_binding;

/* Binds a header row to the profile. On failure writes into msg the
 * missing columns ("amount (one of: amount, gross), currency") and returns
 * RECON_EHEADER. For header = no profiles pass nfields = 0 and header =
 * NULL. */
int rc_profile_bind(const recon_profile *p, const char *const *header, const size_t *lens,
                    size_t nfields, rc_binding *out, char *msg, size_t msgsize);

#endif
