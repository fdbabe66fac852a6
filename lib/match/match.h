/* match: the engine's internal structures, shared with matchops.c (manual
 * matches, explain, exports), which evaluates the same criteria. */
#ifndef RECON_MATCH_H
#define RECON_MATCH_H

#include <stdint.h>

#include "store/store.h"
#include "match/rules.h"
#include "util/calendar.h"

#define RC_NO_TEXT UINT32_MAX

/* Strings of one side, packed: units refer to them by offset. */
typedef struct {
    char *s;
    size_t len, cap;
} rc_pool;

/* One transaction, or on an aggregated side one group of them. */
typedef struct {
    int64_t id;            /* transaction id; for a group, its first member's */
    int64_t value;         /* the amount the rule compares (a group: the sum) */
    const char *sk;        /* sort key text, set (into the pool) just before a sort */
    uint32_t hash;         /* of text, for sorting and lookup (the judge compares the
                              texts themselves); 0 when no text */
    int32_t date;          /* days since 1970-01-01 (a group: the latest), or RC_NO_DATE */
    uint32_t text;         /* the reference text as compared (normalized if the rule
                              says): in the units' pool, or the rows' (text_in_rows) */
    uint32_t key;          /* a group's key as written, else RC_NO_TEXT */
    uint32_t source;       /* index into the rows' sources */
    uint32_t external_id;  /* into the rows' pool, or RC_NO_TEXT */
    uint32_t first, count; /* a group's members: member[first .. first+count) */
    char currency[4];
    int overflow; /* a group whose sum overflowed: never matched */
} rc_unit;        /* 64 bytes: a run can hold two million */

struct rc_rows_s;

typedef struct {
    rc_unit *u;
    size_t n, cap;
    int64_t *member; /* transaction ids of the groups' members */
    size_t nmember;
    int grouped;                  /* an aggregated side: units are groups named by their key */
    int text_in_rows;             /* texts compared as stored: they point into the rows' pool */
    rc_pool pool;                 /* compared texts and group keys */
    const struct rc_rows_s *rows; /* source names and external ids */
} rc_units;

/* One bit per transaction id: taken (matched or ignored), or matched now. */
typedef struct {
    uint8_t *bits;
    int64_t max;
} rc_bitset;

int rc_bitset_init(rc_bitset *b, int64_t max);
void rc_bitset_free(rc_bitset *b);
void rc_bitset_set(rc_bitset *b, int64_t id);
int rc_bitset_has(const rc_bitset *b, int64_t id);

/* Everything matched (in an active match) or ignored, into b. */
int rc_match_taken(recon_db *db, rc_bitset *b);

/* Every transaction not taken when the run starts, read once: the rules
 * then pick their sides from memory instead of scanning the table each. */
typedef struct {
    int64_t id;
    int64_t value[3];           /* amount, net, fee (rc_valfield order) */
    int32_t day[2];             /* occurred, settled (rc_datefield order), or RC_NO_DATE */
    uint32_t text[RC_TF_COUNT]; /* into pool; RC_NO_TEXT when empty or not needed */
    uint32_t source;            /* index into srcs */
    int kind;                   /* rc_kind, or -1 */
    char currency[4];
} rc_row;

typedef struct {
    char *name;
    recon_source_type type;
} rc_source;

typedef struct rc_rows_s {
    rc_row *row;
    size_t n, cap;
    rc_pool pool;
    rc_source *src;
    size_t nsrc;
} rc_rows;

/* Loads the rows the rules can use (their text fields only). */
int rc_rows_load(recon_db *db, const recon_rules *rules, const rc_bitset *taken, rc_rows *out);
void rc_rows_free(rc_rows *rows);

/* One side of a rule: left (1) or right (0), skipping taken ids. */
int rc_match_load(const rc_rows *rows, const rc_rule *r, int left, const rc_bitset *taken,
                  rc_units *out);
void rc_units_free(rc_units *u);

/* Both sides of a rule as a run sees them: the right one without what the
 * left one holds (a transaction is never its own candidate). -1 when out
 * of memory. */
int rc_match_load_sides(const rc_rows *rows, const rc_rule *r, const rc_bitset *taken,
                        rc_units *L, rc_units *R);

static inline const char *rc_pool_str(const rc_units *u, uint32_t off) {
    return off == RC_NO_TEXT ? "" : u->pool.s + off;
}

/* The text a unit compares ("" when none). */
static inline const char *rc_unit_text(const rc_units *u, const rc_unit *it) {
    if (it->text == RC_NO_TEXT) return "";
    return u->text_in_rows ? u->rows->pool.s + it->text : u->pool.s + it->text;
}

/* The m-th transaction of a unit (a group's member; a single row's id). */
static inline int64_t rc_unit_member(const rc_units *u, const rc_unit *it, uint32_t m) {
    return u->member ? u->member[it->first + m] : it->id;
}

/* A unit's source name, and its name: the external id, or a group's key. */
static inline const char *rc_unit_source(const rc_units *u, const rc_unit *it) {
    return u->rows->src[it->source].name;
}

static inline const char *rc_unit_name(const rc_units *u, const rc_unit *it) {
    if (u->grouped) return rc_pool_str(u, it->key);
    return it->external_id == RC_NO_TEXT ? "" : u->rows->pool.s + it->external_id;
}

/* How a pair fares under a rule's criteria. */
typedef enum {
    RC_FAIL_NONE = 0,
    RC_FAIL_CURRENCY,
    RC_FAIL_REFERENCE,
    RC_FAIL_AMOUNT,
    RC_FAIL_DATE
} rc_fail_at;

typedef struct {
    rc_fail_at failed;  /* the first criterion that failed, or none */
    int score;          /* 0..1000 when all pass */
    int64_t difference; /* left - (±right) */
    int days;           /* left date - right date (business days if the rule says) */
    int ref_how;        /* 0 none, 1 equal, 2 normalized, 3 contains, 4 truncated */
} rc_verdict;

/* Checks every criterion in order: currency, reference, amount, date. */
rc_verdict rc_match_judge(const rc_rule *r, const rc_units *L, const rc_unit *l, const rc_units *R,
                          const rc_unit *ri);

/* The evidence of a pair as compact JSON, into buf (docs/MATCHING.md). */
void rc_match_evidence(const rc_rule *r, const rc_unit *l, const rc_unit *ri, const rc_verdict *v,
                       char *buf, size_t size);

#endif
