/* rows: the import's decisions on one row, without a database. A mapper
 * bound to a profile and a file's header turns each row the reader yields
 * into the canonical record (amounts in int64_t minor units, times in UTC,
 * the content hash) or into a reject (reason, field, column, message); it
 * routes typed records, fills columns down, applies the row filters, and
 * keeps the sums the file's own totals rows are checked against.
 *
 * What becomes of a record or a reject (ids, duplicates, the failures
 * table) is ingest.c's, the store adapter: nothing here touches SQLite,
 * so every decision can be tested on rows held in memory
 * (tests/test_ingest_rows.c). */
#ifndef RECON_INGEST_ROWS_H
#define RECON_INGEST_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "formats/csvread.h"
#include "profile/profile.h"
#include "util/record.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

/* Bytes of the content hash (SHA-256). */
#define RC_HASH_LEN 32

/* A text field of the row: a pointer into the reader's row or the
 * mapper's buffers, or NULL for an absent or blank value. */
typedef struct {
    const char *s;
    size_t len;
} rc_span;

/* One row mapped to the canonical record (docs/PROFILES.md). Its spans are
 * valid until the mapper maps its next row. */
typedef struct {
    rc_span ext_id;
    int generated; /* the row has no id: the store derives one from the hash */
    rc_kind kind;
    int has_kind;  /* the row type column named the kind */
    int negate;    /* the row type's amounts are unsigned money out */
    int tz_offset; /* minutes east of UTC for the row's local times */
    rc_span kind_raw;
    int64_t amount, fee, net;
    char currency[4];
    char occurred[RC_TIME_BUF];
    char settled[RC_TIME_BUF]; /* "" when the row has no settlement date */
    rc_span text[RC_F_COUNT];  /* group_id, reference, description, ... */
    unsigned char hash[RC_HASH_LEN];
} rc_canon;

/* Why a row was rejected. */
typedef struct {
    rc_field field;     /* RC_F_COUNT: the row as a whole */
    const char *column; /* the file's column when no canonical field names it */
    const char *reason; /* the stable reason code ("amount_precision") */
    char message[512];
    const rc_canon *c; /* the row as far as it was mapped, or NULL */
    rc_span group;     /* with c: the row's group id, for rc_reject_context */
} rc_reject;

/* A profile bound to a file's header, with the state one file's rows
 * share (fill-down values, totals sums, buffers). One per file being read;
 * not shared between threads. */
typedef struct rc_mapper rc_mapper;

/* Creates a mapper for profile p (which must outlive it); bind it before
 * mapping. Returns RECON_OK or RECON_ENOMEM. Free it with
 * rc_mapper_free. */
int rc_mapper_new(const recon_profile *p, rc_mapper **out);

void rc_mapper_free(rc_mapper *m);

/* Binds a header row (the file's first record, or a header record) to the
 * profile, replacing any earlier binding and starting the totals sums
 * afresh (a new section). header = NULL for a header = no profile. The
 * header's cells are copied. Returns RECON_OK; RECON_ENOMEM; or
 * RECON_EHEADER with why in msg (the missing or doubled columns). */
int rc_mapper_bind(rc_mapper *m, const rc_csv_row *header, char *msg, size_t msgsize);

/* What a row is, before it is mapped. */
enum {
    RC_ROUTE_DATA,   /* a data row: map it with rc_map_row */
    RC_ROUTE_HEADER, /* a header record: bind it with rc_mapper_bind */
    RC_ROUTE_IGNORE, /* a record type the profile ignores */
    RC_ROUTE_TOTALS, /* a totals row: check it with rc_totals_check */
    RC_ROUTE_REJECT  /* a record out of place: *rej says why; it counts as a row read */
};

/* Routes a row: [records] types, then [totals] rows. Returns an
 * RC_ROUTE_* value; fills *rej only for RC_ROUTE_REJECT. */
int rc_route_row(const rc_mapper *m, const rc_csv_row *row, rc_reject *rej);

/* Results of rc_map_row. */
enum {
    RC_MAP_OK,     /* *out holds the canonical record */
    RC_MAP_REJECT, /* *rej says why the row cannot be stored */
    RC_MAP_SKIP,   /* a [rows] filter leaves the row out: it moved no money */
    RC_MAP_ENOMEM  /* out of memory: no fault of the row, which must not be rejected */
};

/* Maps one data row: the reader's verdict on it, its width, [rows]
 * fill_down and filters, then every canonical field. A mapped row counts
 * towards the sums of the next totals row of its currency. Returns an
 * RC_MAP_* value. *out's spans, and a reject's c and group, point into
 * the row, *out and the mapper: valid until the next call. */
int rc_map_row(rc_mapper *m, const rc_csv_row *row, rc_canon *out, rc_reject *rej);

/* [dates] order = auto: what a file's dates say of their day and month
 * order, gathered over its data rows before it is imported. A cell counts
 * when it reads as a date only as the formats write it (`written`) or
 * only with day and month exchanged (`swapped`): a day above 12 settles
 * it. The first such cell of each kind is kept for messages. */
typedef struct {
    uint64_t written, swapped;
    uint64_t both; /* cells that read either way (no day above 12) */
    uint64_t written_line, swapped_line;
    char written_text[48], swapped_text[48];
} rc_date_votes;

/* Adds a data row's date cells to *v (nothing unless the profile says
 * order = auto and the mapper is bound). */
void rc_date_vote(rc_mapper *m, const rc_csv_row *row, rc_date_votes *v);

/* 1 when a header (or header record) has bound the profile's columns. */
int rc_mapper_bound(const rc_mapper *m);

/* Reads the file's dates with day and month exchanged (swapped = 1) or as
 * the formats write them (0, the default). */
void rc_mapper_swap_day_month(rc_mapper *m, int swapped);

/* Checks a totals row against the rows mapped since the last totals row
 * of its currency, then starts that currency's sums afresh. Returns 0
 * when the file agrees with its rows, -1 with the disagreement (or why it
 * cannot be checked) in *rej (reason totals_mismatch). */
int rc_totals_check(rc_mapper *m, const rc_csv_row *row, rc_reject *rej);

/* The file's column a reject names: its own, or the column bound to its
 * field; NULL when it names none. Owned by the mapper, valid until it is
 * bound again. */
const char *rc_reject_column(const rc_mapper *m, const rc_reject *r);

/* What a payout check needs of a rejected row (v_payouts): the payout
 * (group id) it belonged to, its currency when that was read, and for a
 * net mismatch the three figures that disagree, as a compact JSON object
 * with sorted keys (malloc'd: free it). NULL when the reject names no
 * group (or when out of memory). */
char *rc_reject_context(const rc_reject *r);

/* Raw text as stored in failures: s itself when it is valid UTF-8 without
 * NUL bytes, else a copy in scratch with every offending byte written
 * \xNN and backslashes doubled (so the escaping is unambiguous). The
 * length in *out_len; NULL when out of memory. */
const char *rc_raw_escape(rc_strbuf *scratch, const char *s, size_t n, size_t *out_len);

/* Does the report mark this payment failed (its provider_status is one of
 * the profile's failed_status values)? */
int rc_failed_payment(const recon_profile *p, const rc_canon *c);
/* What a failed payment's row says, as the JSON object its failure keeps
 * in context (external_id, kind, amount_minor, fee_minor, currency,
 * occurred_at, group_id, reference, status, code: those the row has).
 * Malloc'd; NULL when out of memory. */
char *rc_failed_payment_context(const rc_canon *c);

#endif
