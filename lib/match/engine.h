/* engine: the matching engine's decisions, on rows held in memory: units
 * and groups, the judge, mutual-best pairing, exceptions and near misses,
 * attach_group, vetoes. It never sees a database: match.c (the store
 * adapter) fills these structures from SQLite and writes what the engine
 * decided; explain.c judges with the same functions; tests build rows by
 * hand. Includes only util/, match/rules.h and the public header. */
#ifndef RECON_MATCH_ENGINE_H
#define RECON_MATCH_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "match/rules.h"
#include "util/calendar.h"

#define RC_NO_TEXT UINT32_MAX

/* Strings of one side, packed: units refer to them by offset. */
typedef struct {
    char *s;
    size_t len, cap;
} rc_pool;

/* Copies n bytes of s (and a NUL) into the pool; their offset into *out.
 * -1 when out of memory or past 4 GiB. */
int rc_pool_add(rc_pool *p, const char *s, size_t n, uint32_t *out);

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
    uint8_t overflow; /* a group whose sum overflowed: never matched */
    uint8_t partial;  /* partly matched already: value is what is open of it */
    uint8_t has_fee;  /* its fee is not 0: never taken in part (a fee cannot be split
                         exactly between parts, docs/ACCOUNTING.md) */
} rc_unit;            /* 64 bytes: a run can hold two million */

struct rc_rows_s;

typedef struct {
    rc_unit *u;
    size_t n, cap;
    int64_t *member; /* transaction ids of the groups' members */
    size_t nmember;
    int64_t *alias; /* counterparty = alias, left side: per unit, the alias its payer key
                       was read through (0: none); NULL otherwise */
    size_t alias_cap;
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
void rc_bitset_clear(rc_bitset *b, int64_t id);

/* Every transaction not taken when the run starts, read once: the rules
 * then pick their sides from memory instead of scanning the table each. */
typedef struct {
    int64_t id;
    int64_t value[3];           /* amount, net, fee (rc_valfield order) */
    int32_t day[2];             /* occurred, settled (rc_datefield order), or RC_NO_DATE */
    uint32_t text[RC_TF_COUNT]; /* into pool; RC_NO_TEXT when empty or not needed */
    uint32_t source;            /* index into srcs */
    int8_t kind;                /* rc_kind, or -1 */
    uint8_t partial;            /* partly matched: value[RC_VAL_AMOUNT] is what is open of it,
                                   for allow_partial rules only (the net and fee are not) */
    char currency[4];
} rc_row;

/* A transaction partly matched when a run starts (allocations): what its
 * active matches leave open of its amount. */
typedef struct {
    int64_t id, open;
} rc_part;

typedef struct {
    rc_part *p; /* by id */
    size_t n, cap;
} rc_parts;

/* -1 when out of memory. */
int rc_parts_add(rc_parts *ps, int64_t id, int64_t open);
/* The part of transaction id, or NULL. */
const rc_part *rc_parts_find(const rc_parts *ps, int64_t id);

typedef struct {
    char *name;
    recon_source_type type;
} rc_source;

/* An alias people taught (docs/MATCHING.md, "Aliases"): a payer key the
 * left side writes (rc_party_key) stands for a counterparty's key. */
typedef struct {
    uint32_t pattern, counterparty; /* into the rows' alias pool */
    int64_t id;
    const char *p, *cp; /* the two, once sorted (the pool no longer moves) */
} rc_alias;

typedef struct rc_rows_s {
    rc_row *row; /* by id: a partial pair finds the larger side's row to take its part */
    size_t n, cap;
    rc_pool pool;
    rc_source *src;
    size_t nsrc, capsrc;
    rc_alias *alias; /* sorted by pattern (rc_rows_sort_aliases) */
    size_t nalias, capalias;
    rc_pool apool; /* the aliases' texts */
} rc_rows;

/* Appends a row (its texts already in rows->pool, rc_pool_add); -1 when
 * out of memory. */
int rc_rows_push(rc_rows *rows, const rc_row *row);
/* Appends a source (name copied): rows refer to it by its index, in
 * order of addition. -1 when out of memory. */
int rc_rows_add_source(rc_rows *rows, const char *name, recon_source_type type);
void rc_rows_free(rc_rows *rows);
/* Adds an alias (both texts, rc_party_key keys, copied); -1 when out of
 * memory. Sort them once all are added: no alias may be added after. */
int rc_rows_add_alias(rc_rows *rows, const char *pattern, const char *counterparty, int64_t id);
void rc_rows_sort_aliases(rc_rows *rows);

/* The text fields (bit per rc_textfield) the rules read: the others need
 * not be loaded. */
unsigned rc_rules_text_fields(const recon_rules *rules);
/* The kinds (bit per rc_kind) whose rows stay among the rows even when
 * taken: a matched payout row still stands for its items
 * (skip_groups_with). */
unsigned rc_rules_kept_kinds(const recon_rules *rules);

/* One side of a rule: left (1) or right (0), skipping taken ids. */
int rc_match_load(const rc_rows *rows, const rc_rule *r, int left, const rc_bitset *taken,
                  rc_units *out);
void rc_units_free(rc_units *u);

/* Both sides of a rule as a run sees them: the right one without what the
 * left one holds (a transaction is never its own candidate). -1 when out
 * of memory. */
int rc_match_load_sides(const rc_rows *rows, const rc_rule *r, const rc_bitset *taken, rc_units *L,
                        rc_units *R);

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
    int partial;        /* allow_partial: the amounts differ beyond the tolerance and the
                           smaller is this percent (1..99) of the larger; 0 otherwise */
} rc_verdict;

/* Orders candidates of one score: 0 for a pair whose amounts agree; for a
 * partial one, nearest dates first, then the larger share (lower is
 * better). Instalments of one invoice are taken oldest first, one per
 * pass; two parts alike in date and share tie, and a tie is an exception. */
uint32_t rc_verdict_tie(const rc_verdict *v);

/* Checks every criterion in order: currency, reference, amount, date. */
rc_verdict rc_match_judge(const rc_rule *r, const rc_units *L, const rc_unit *l, const rc_units *R,
                          const rc_unit *ri);

/* The evidence of a pair as compact JSON, into buf (docs/MATCHING.md). */
void rc_match_evidence(const rc_rule *r, const rc_unit *l, const rc_unit *ri, const rc_verdict *v,
                       char *buf, size_t size);

/* The items of undone matches: a pair a person took apart is never made
 * again automatically. Sorted by (transaction, match) once filled. */
typedef struct {
    int64_t tx, match;
} rc_veto;

typedef struct {
    rc_veto *v;
    size_t n, cap;
} rc_vetoes;

/* -1 when out of memory. */
int rc_vetoes_add(rc_vetoes *v, int64_t tx, int64_t match);
void rc_vetoes_sort(rc_vetoes *v);

/* Was every transaction of both units in one match that was undone? */
int rc_match_vetoed(const rc_vetoes *v, const rc_units *L, const rc_unit *l, const rc_units *R,
                    const rc_unit *r);

/* A pair decided by a rule, until its rule's matches are written: small,
 * since a run can hold a million of them. Its sides are the rule's units
 * (rc_engine.sides[3 * rule .. + 2]: left, right, attached groups). */
typedef struct {
    const rc_units *L; /* for sorting: the left side */
    uint32_t l, r, g;  /* units on the left, right and attached sides */
    uint8_t ref_how;   /* the verdict, kept in short */
    uint8_t attached;
    int16_t score;
    int32_t days;
    uint8_t confidence; /* 0: a pair of the rounds (100); else confirmed at confirm_at */
    uint8_t failed;     /* rc_fail_at: the criterion a pair confirmed by confidence missed */
    uint8_t partial;    /* allow_partial: the verdict's share (1..99) when the smaller side
                           is matched whole, the larger for the smaller's amount
                           (rc_pair_part); 0 otherwise */
    int64_t difference;
} rc_pair;

/* What a pair takes of each of its sides' amounts: the smaller magnitude
 * for a partial pair, else 0 (each side whole, or what was open of it). */
uint64_t rc_pair_part(const rc_pair *p, const rc_unit *l, const rc_unit *r);

/* A suggestion: a candidate pair a rule did not confirm (a tie, a near
 * miss) but rates at suggest_at or above, for a person to accept or
 * reject. */
typedef struct {
    const rc_rule *rule;
    int64_t *tx;            /* malloc'd: the left unit's transactions, then the right's */
    uint32_t nleft, nright; /* sorted within each side */
    int confidence;
    char *evidence;          /* JSON, malloc'd */
    const char *sort_source; /* the left unit's: lives as long as the run's rows */
    char *sort_id;           /* malloc'd */
    uint32_t rank;           /* its place among its left unit's suggestions */
} rc_suggestion;

/* An exception: one row per transaction of the left unit. */
typedef struct {
    const rc_rule *rule;
    int64_t transaction_id;
    const char *reason;      /* ambiguous, contested, near_miss_amount, near_miss_date */
    char *candidates;        /* JSON, malloc'd */
    const char *sort_source; /* lives as long as the run's rows */
    char *sort_id;           /* malloc'd: a group's key dies with its rule's units */
} rc_exception;

/* A run's state. The caller fills taken, veto and rows after
 * rc_engine_init, then calls rc_engine_start; then, in passes until one
 * makes no pair: rc_engine_pass, and per rule rc_engine_rule, reading its
 * pairs, and rc_engine_rule_done; at the end rc_engine_finish, reading the
 * exceptions that stand, and rc_engine_free. */
typedef struct {
    const recon_rules *rules; /* the caller's */
    rc_bitset taken;          /* matched or ignored; the run adds what it matches */
    rc_rows rows;             /* everything not taken at the start */
    rc_parts parts;           /* what was open of each partly matched one at the start */
    rc_vetoes veto;           /* sorted (rc_vetoes_sort) */
    rc_units *sides;          /* 3 per rule: left, right, and the items to attach */
    rc_pair *pairs;           /* the current rule's, in the order they are written */
    size_t npairs, cap_pairs;
    rc_exception *exc; /* the current pass's; after rc_engine_finish, those that stand */
    size_t nexc, cap_exc;
    rc_suggestion *sug; /* likewise */
    size_t nsug, cap_sug;
    /* Pairs judged so far: the work a run grows with. Tests hold it in
     * proportion to the candidates, whatever the data's shape. */
    uint64_t judged;
    int oom;
} rc_engine;

void rc_engine_init(rc_engine *e, const recon_rules *rules);
/* -1 when out of memory. */
int rc_engine_start(rc_engine *e);
/* A new pass: the last pass's exceptions go, and the rows taken since. */
void rc_engine_pass(rc_engine *e);
/* Runs rule ri on what is left: its pairs into e->pairs (sorted by the
 * left unit's source and name), their transactions taken; its exceptions
 * added to e->exc. -1 when out of memory. */
int rc_engine_rule(rc_engine *e, size_t ri);
/* The evidence of a pair of rule ri as compact JSON, into buf: the
 * verdict's (rc_match_evidence) and the items attached. */
void rc_engine_evidence(const rc_engine *e, size_t ri, const rc_pair *p, char *buf, size_t size);
/* Frees rule ri's units and forgets its pairs (once they are written):
 * memory holds one rule's sides at a time. */
void rc_engine_rule_done(rc_engine *e, size_t ri);
/* The exceptions that stand after the last pass: those whose transaction
 * no later rule matched, sorted by rule, source, name, reason and
 * transaction. */
void rc_engine_finish(rc_engine *e);
/* A suggestion's key: "L:1,2|R:7" (its transactions, sorted per side).
 * A run that offers the same pair again keeps its row. malloc'd. */
char *rc_suggestion_key(const rc_suggestion *s);
void rc_engine_free(rc_engine *e);

#endif
