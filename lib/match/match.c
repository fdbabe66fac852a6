/* match: the matching engine's store adapter, and recon_match_run. It
 * reads what a run starts from (the transactions not matched or ignored,
 * the taken set, the vetoes of undone matches) into the engine's
 * structures, runs the engine (match/engine.c) rule by rule, and writes
 * what it decided. Everything is written in one transaction: the run, the
 * matches and their items, and the exceptions that changed (an identical
 * open exception is kept, a stale one closed), so a second run on the same
 * data changes nothing. May call: the store (SQLite), the engine, util/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "store/summary.h"
#include "util/calendar.h"
#include "util/hash.h"
#include "util/opts.h"
#include "util/record.h"

/* ---- loading ------------------------------------------------------------------------------ */

/* What is open of every transaction partly matched, by id: its amount less
 * what its active matches take (an allocation, else the whole amount).
 * Only transactions with an allocation can be: the rest are matched whole
 * or not at all. */
#define PARTS_SQL                                                                                  \
    "SELECT t.id, t.amount_minor - sum(coalesce(al.amount_minor, t.amount_minor)) AS open"         \
    " FROM transactions t JOIN match_items mi ON mi.transaction_id = t.id"                         \
    " JOIN matches m ON m.id = mi.match_id AND m.undone_at IS NULL"                                \
    " LEFT JOIN allocations al ON al.match_id = mi.match_id AND al.transaction_id = t.id"          \
    " WHERE t.id IN (SELECT transaction_id FROM allocations)"                                      \
    " GROUP BY t.id HAVING open <> 0 ORDER BY t.id"

int rc_match_parts(recon_db *db, rc_parts *parts) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, PARTS_SQL, &st);
    if (rc) return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (rc_parts_add(parts, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1))) {
            sqlite3_finalize(st);
            return rc_fail(db, RECON_ENOMEM, "matching: out of memory");
        }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "reading partly matched transactions");
}

int rc_match_taken(recon_db *db, rc_bitset *b, rc_parts *parts) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT coalesce(max(id), 0) FROM transactions", &st);
    if (rc) return rc;
    int64_t max = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc_bitset_init(b, max)) return rc_fail(db, RECON_ENOMEM, "matching: out of memory");
    rc = rc_prepare(db,
                    "SELECT mi.transaction_id FROM match_items mi JOIN matches m"
                    " ON m.id = mi.match_id WHERE m.undone_at IS NULL"
                    " UNION ALL SELECT transaction_id FROM ignores WHERE undone_at IS NULL",
                    &st);
    if (rc) return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        rc_bitset_set(b, sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "reading matched transactions");
    /* A transaction partly matched is not taken: what is open of it is
     * for rules that allow parts. */
    rc = rc_match_parts(db, parts);
    for (size_t i = 0; !rc && i < parts->n; i++)
        rc_bitset_clear(b, parts->p[i].id);
    return rc;
}

static const char *const TEXT_COLUMN[RC_TF_COUNT] = {"t.reference", "t.group_id", "t.external_id",
                                                     "t.description", "t.counterparty"};

/* Sources by id: rows refer to them by index. */
static int load_sources(recon_db *db, rc_rows *rows, uint32_t **by_id, int64_t *max_id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT id, name, type FROM sources ORDER BY id", &st);
    if (rc) return rc;
    *max_id = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 2);
        recon_source_type src_type = 0;
        for (int t = RECON_SOURCE_PSP; t <= RECON_SOURCE_LEDGER; t++)
            if (type && !strcmp(type, recon_source_type_name((recon_source_type)t)))
                src_type = (recon_source_type)t;
        if (rc_rows_add_source(rows, (const char *)sqlite3_column_text(st, 1), src_type)) break;
        if (id > *max_id) *max_id = id;
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE && step != SQLITE_ROW) return rc_fail_sql(db, "reading sources");
    if (step == SQLITE_ROW || !(*by_id = calloc((size_t)*max_id + 1, sizeof **by_id)))
        return rc_fail(db, RECON_ENOMEM, "matching: out of memory");
    /* Second pass for the id map: sources are few. */
    rc = rc_prepare(db, "SELECT id FROM sources ORDER BY id", &st);
    if (rc) return rc;
    for (uint32_t i = 0; sqlite3_step(st) == SQLITE_ROW && i < rows->nsrc; i++)
        (*by_id)[sqlite3_column_int64(st, 0)] = i;
    sqlite3_finalize(st);
    return RECON_OK;
}

/* One row from the current statement row; 0, or -1 when out of memory. */
static int read_row(sqlite3_stmt *st, const uint32_t *src_by_id, int64_t max_src, unsigned fields,
                    const rc_parts *parts, rc_rows *rows) {
    rc_row row;
    row.id = sqlite3_column_int64(st, 0);
    int64_t sid = sqlite3_column_int64(st, 1);
    row.source = sid >= 0 && sid <= max_src ? src_by_id[sid] : 0;
    row.kind = rc_kind_from_name((const char *)sqlite3_column_text(st, 2));
    memcpy(row.currency, sqlite3_column_text(st, 3), 3);
    row.currency[3] = '\0';
    for (int v = 0; v < 3; v++)
        row.value[v] = sqlite3_column_int64(st, 4 + v);
    const rc_part *part = parts->n ? rc_parts_find(parts, row.id) : NULL;
    row.partial = part != NULL;
    if (part) row.value[RC_VAL_AMOUNT] = part->open;
    const char *occ = (const char *)sqlite3_column_text(st, 7);
    const char *set = (const char *)sqlite3_column_text(st, 8);
    row.day[RC_DATE_OCCURRED] = rc_day_of(occ);
    /* A settled date the row lacks falls back to when it occurred. */
    row.day[RC_DATE_SETTLED] = set ? rc_day_of(set) : row.day[RC_DATE_OCCURRED];
    for (int f = 0; f < RC_TF_COUNT; f++) {
        row.text[f] = RC_NO_TEXT;
        const char *t = (const char *)sqlite3_column_text(st, 9 + f);
        size_t n = (size_t)sqlite3_column_bytes(st, 9 + f);
        if ((fields & (1u << f)) && t && n && rc_pool_add(&rows->pool, t, n, &row.text[f]))
            return -1;
    }
    return rc_rows_push(rows, &row);
}

int rc_rows_load(recon_db *db, const recon_rules *rules, const rc_bitset *taken,
                 const rc_parts *parts, rc_rows *rows) {
    memset(rows, 0, sizeof *rows);
    uint32_t *src_by_id = NULL;
    int64_t max_src = 0;
    int rc = load_sources(db, rows, &src_by_id, &max_src);
    if (rc) {
        free(src_by_id);
        return rc;
    }
    unsigned fields = rc_rules_text_fields(rules);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT t.id, t.source_id, t.kind, t.currency, t.amount_minor, t.net_minor,"
             " t.fee_minor, t.occurred_at, t.settled_at, %s, %s, %s, %s, %s FROM transactions t"
             " ORDER BY t.id", /* rowid order, no sort: the engine looks rows up by id */
             fields & 1u << 0 ? TEXT_COLUMN[0] : "NULL", fields & 1u << 1 ? TEXT_COLUMN[1] : "NULL",
             fields & 1u << 2 ? TEXT_COLUMN[2] : "NULL", fields & 1u << 3 ? TEXT_COLUMN[3] : "NULL",
             fields & 1u << 4 ? TEXT_COLUMN[4] : "NULL");
    sqlite3_stmt *st;
    if ((rc = rc_prepare(db, sql, &st)) != RECON_OK) {
        free(src_by_id);
        return rc;
    }
    /* Rows of a skip_groups_with kind are kept even when taken: a matched
     * payout row still stands for its items. */
    unsigned keep = rc_rules_kept_kinds(rules);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (rc_bitset_has(taken, sqlite3_column_int64(st, 0))) {
            int k = rc_kind_from_name((const char *)sqlite3_column_text(st, 2));
            if (k < 0 || !(keep & (1u << k))) continue;
        }
        if (read_row(st, src_by_id, max_src, fields, parts, rows)) {
            rc = rc_fail(db, RECON_ENOMEM, "matching: out of memory");
            break;
        }
    }
    sqlite3_finalize(st);
    free(src_by_id);
    if (!rc && step != SQLITE_DONE) rc = rc_fail_sql(db, "loading transactions to match");
    if (!rc) rc = rc_aliases_load(db, rows);
    return rc;
}

/* ---- writing the run ----------------------------------------------------------------------- */

/* Matches go in batches too, with ids assigned here (the run holds the
 * write lock, so max(id) + 1 onwards is ours): their items can then be
 * buffered before the match rows are written, as long as the matches are
 * flushed first, so that no item ever refers to a match not yet stored
 * (the run writes without foreign-key lookups: rc_begin_trusted). */
#define MATCH_BATCH 32

#define EVIDENCE_MAX 384 /* the longest evidence, every number at its limit, is 258 */

/* The batched INSERTs say OR FAIL. A multi-row INSERT that may abort gets a
 * statement journal from SQLite, a copy of every page the statement touches
 * so that a failure can undo that statement alone; items fed in random
 * transaction order touch a page of the index per row, and at 1M x 1M that
 * journal was 3.5 GB written to a temporary file for a 200 MB change (a
 * third of the run). A run never needs it: any failure rolls the whole run
 * back (rc_rollback, to the savepoint inside a caller's transaction). With
 * foreign keys checked (inside a caller's transaction) SQLite keeps the
 * journal anyway, and the run is only slower. */

/* A typed variance to record with a match (rules with difference_as). */
typedef struct {
    const char *kind; /* NULL: none */
    int64_t difference;
    char currency[4];
} pending_variance;

/* Evidence is shared (schema 13): most matches of a rule say the same
 * thing (every match of an exact one-to-one rule: reference equal,
 * difference 0, one item a side), and at 1M matches the same 67 bytes made
 * half the table. The first EVIDENCE_SHARED distinct texts a write meets
 * are stored once in match_evidence and its matches name them; past that a
 * match keeps its text inline (a tolerant rule whose every difference
 * differs), so the dictionary stays small whatever the rules. */
#define EVIDENCE_SHARED 256
#define EVIDENCE_SLOTS 512 /* open addressing, at most half full */

typedef struct {
    uint64_t hash;
    int64_t id; /* 0: an empty slot */
    char *text;
} evidence_slot;

typedef struct {
    evidence_slot slot[EVIDENCE_SLOTS];
    int n;
    sqlite3_stmt *find, *add;
} evidence_dict;

static int dict_open(evidence_dict *d, recon_db *db) {
    int rc = rc_prepare(db, "SELECT id FROM match_evidence WHERE evidence = ?1", &d->find);
    if (!rc) rc = rc_prepare(db, "INSERT INTO match_evidence(evidence) VALUES (?1)", &d->add);
    return rc;
}

static void dict_close(evidence_dict *d) {
    for (int i = 0; i < EVIDENCE_SLOTS; i++)
        free(d->slot[i].text);
    sqlite3_finalize(d->find);
    sqlite3_finalize(d->add);
}

/* The id of text in match_evidence, stored there if new, into *id; 0 when
 * the dictionary is full and the text is not in it. */
static int dict_id(evidence_dict *d, recon_db *db, const char *text, int64_t *id) {
    uint64_t h = rc_fnv1a(RC_FNV1A_BASIS, text, strlen(text));
    size_t i = (size_t)(h % EVIDENCE_SLOTS);
    for (; d->slot[i].id; i = (i + 1) % EVIDENCE_SLOTS)
        if (d->slot[i].hash == h && !strcmp(d->slot[i].text, text)) {
            *id = d->slot[i].id;
            return RECON_OK;
        }
    *id = 0;
    if (d->n == EVIDENCE_SHARED) return RECON_OK;
    char *copy = strdup(text);
    if (!copy) return rc_fail(db, RECON_ENOMEM, "matching: out of memory");
    sqlite3_bind_text(d->find, 1, text, -1, SQLITE_STATIC);
    int step = sqlite3_step(d->find);
    if (step == SQLITE_ROW) *id = sqlite3_column_int64(d->find, 0);
    sqlite3_reset(d->find);
    if (step == SQLITE_DONE) {
        sqlite3_bind_text(d->add, 1, text, -1, SQLITE_STATIC);
        step = sqlite3_step(d->add);
        sqlite3_reset(d->add);
        *id = step == SQLITE_DONE ? sqlite3_last_insert_rowid(db->sql) : 0;
    }
    if (!*id) {
        free(copy);
        return rc_fail_sql(db, "storing a match's evidence");
    }
    d->slot[i] = (evidence_slot){h, *id, copy};
    d->n++;
    return RECON_OK;
}

typedef struct {
    recon_db *db;
    sqlite3_stmt *one, *many, *variance;
    int64_t next_id, run_id;
    const char *rule;
    int64_t id[MATCH_BATCH];
    int score[MATCH_BATCH];
    char evidence[MATCH_BATCH][EVIDENCE_MAX];
    pending_variance var[MATCH_BATCH];
    int n;
    evidence_dict dict;
} match_writer;

/* A match row of a run: its time and actor are the run's ('' says so),
 * its evidence shared when the dictionary has it. */
#define MATCH_ROW "(?,?,?,'auto',?,?,?,'','')"

static int matches_open(match_writer *w, recon_db *db) {
    memset(w, 0, sizeof *w);
    w->db = db;
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT coalesce(max(id), 0) + 1 FROM match_store", &st);
    if (rc) return rc;
    w->next_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
    sqlite3_finalize(st);
    char sql[160 + MATCH_BATCH * 40] =
        "INSERT OR FAIL INTO match_store(id, run_id, rule, origin, score,"
        " evidence, evidence_id, created_at, created_by) VALUES ";
    size_t n = strlen(sql);
    for (int i = 0; i < MATCH_BATCH; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s" MATCH_ROW, i ? "," : "");
    rc = rc_prepare(db, sql, &w->many);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO match_store(id, run_id, rule, origin, score, evidence,"
                        " evidence_id, created_at, created_by) VALUES " MATCH_ROW,
                        &w->one);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO match_variances(match_id, kind, difference_minor, currency)"
                        " VALUES (?,?,?,?)",
                        &w->variance);
    if (!rc) rc = dict_open(&w->dict, db);
    return rc;
}

/* The variances of the slots [from, from + count), after their matches. */
static int variances_step(match_writer *w, int from, int count) {
    for (int i = from; i < from + count; i++) {
        const pending_variance *v = &w->var[i];
        if (!v->kind) continue;
        sqlite3_bind_int64(w->variance, 1, w->id[i]);
        sqlite3_bind_text(w->variance, 2, v->kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(w->variance, 3, v->difference);
        sqlite3_bind_text(w->variance, 4, v->currency, -1, SQLITE_STATIC);
        int step = sqlite3_step(w->variance);
        sqlite3_reset(w->variance);
        if (step != SQLITE_DONE) return rc_fail_sql(w->db, "storing a match's variance");
    }
    return RECON_OK;
}

static int matches_step(match_writer *w, sqlite3_stmt *st, int from, int count) {
    for (int i = 0; i < count; i++) {
        int k = 6 * i;
        int64_t shared;
        int rc = dict_id(&w->dict, w->db, w->evidence[from + i], &shared);
        if (rc) return rc;
        sqlite3_bind_int64(st, k + 1, w->id[from + i]);
        sqlite3_bind_int64(st, k + 2, w->run_id);
        sqlite3_bind_text(st, k + 3, w->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, k + 4, w->score[from + i]);
        sqlite3_bind_text(st, k + 5, shared ? "" : w->evidence[from + i], -1, SQLITE_STATIC);
        if (shared)
            sqlite3_bind_int64(st, k + 6, shared);
        else
            sqlite3_bind_null(st, k + 6);
    }
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? variances_step(w, from, count)
                               : rc_fail_sql(w->db, "storing a match");
}

static int matches_flush(match_writer *w) {
    int rc = RECON_OK;
    if (w->n == MATCH_BATCH)
        rc = matches_step(w, w->many, 0, MATCH_BATCH);
    else
        for (int i = 0; !rc && i < w->n; i++)
            rc = matches_step(w, w->one, i, 1);
    w->n = 0;
    return rc;
}

/* Queues a match; its id, for its items, into *id. The evidence buffer
 * of the slot is returned for the caller to fill. */
static int match_add(match_writer *w, int score, int64_t *id, char **evidence) {
    if (w->n == MATCH_BATCH) {
        int rc = matches_flush(w);
        if (rc) return rc;
    }
    *id = w->id[w->n] = w->next_id++;
    w->score[w->n] = score;
    w->var[w->n].kind = NULL;
    *evidence = w->evidence[w->n++];
    return RECON_OK;
}

static int matches_close(match_writer *w, int rc) {
    if (!rc) rc = matches_flush(w);
    dict_close(&w->dict);
    sqlite3_finalize(w->one);
    sqlite3_finalize(w->many);
    sqlite3_finalize(w->variance);
    return rc;
}

/* Match items go in batches of ITEM_BATCH rows per INSERT: a payout of a
 * thousand charges is a thousand rows, and one statement step per row spent
 * a quarter of the write time in statement overhead. */
#define ITEM_BATCH 64

typedef struct {
    recon_db *db;
    match_writer *matches; /* flushed before any item that may refer to them */
    sqlite3_stmt *one, *many, *part;
    int64_t match[ITEM_BATCH], tx[ITEM_BATCH];
    const char *side[ITEM_BATCH];
    int n;
    /* Allocations (allow_partial), row by row: parts are few. */
    int64_t part_match[ITEM_BATCH], part_tx[ITEM_BATCH], part_minor[ITEM_BATCH];
    int nparts;
    rc_blocks blocks; /* of the items' transactions: marked once, at the end */
} item_writer;

static int items_open(item_writer *w, recon_db *db, match_writer *matches) {
    memset(w, 0, sizeof *w);
    rc_blocks_init(&w->blocks);
    w->db = db;
    w->matches = matches;
    char sql[64 + ITEM_BATCH * 12] =
        "INSERT OR FAIL INTO match_items(match_id, transaction_id, side) VALUES ";
    size_t n = strlen(sql);
    for (int i = 0; i < ITEM_BATCH; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s(?,?,?)", i ? "," : "");
    int rc = rc_prepare(db, sql, &w->many);
    if (!rc)
        rc = rc_prepare(
            db, "INSERT INTO match_items(match_id, transaction_id, side) VALUES (?1, ?2, ?3)",
            &w->one);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO allocations(match_id, transaction_id, amount_minor)"
                        " VALUES (?1, ?2, ?3)",
                        &w->part);
    return rc;
}

/* The allocations queued, after the matches they name. */
static int parts_flush(item_writer *w) {
    for (int i = 0; i < w->nparts; i++) {
        sqlite3_bind_int64(w->part, 1, w->part_match[i]);
        sqlite3_bind_int64(w->part, 2, w->part_tx[i]);
        sqlite3_bind_int64(w->part, 3, w->part_minor[i]);
        int step = sqlite3_step(w->part);
        sqlite3_reset(w->part);
        if (step != SQLITE_DONE) return rc_fail_sql(w->db, "storing an allocation");
    }
    w->nparts = 0;
    return RECON_OK;
}

static int items_step(item_writer *w, sqlite3_stmt *st, int from, int count) {
    for (int i = 0; i < count; i++) {
        sqlite3_bind_int64(st, 3 * i + 1, w->match[from + i]);
        sqlite3_bind_int64(st, 3 * i + 2, w->tx[from + i]);
        sqlite3_bind_text(st, 3 * i + 3, w->side[from + i], -1, SQLITE_STATIC);
    }
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(w->db, "storing a match item");
}

/* Writes what is buffered: a full batch at once, a remainder row by row. */
static int items_flush(item_writer *w) {
    int rc = matches_flush(w->matches);
    if (!rc) rc = parts_flush(w);
    if (rc) return rc;
    if (w->n == ITEM_BATCH)
        rc = items_step(w, w->many, 0, ITEM_BATCH);
    else
        for (int i = 0; !rc && i < w->n; i++)
            rc = items_step(w, w->one, i, 1);
    w->n = 0;
    return rc;
}

static int items_close(item_writer *w, int rc) {
    if (!rc) rc = items_flush(w);
    if (!rc) rc = rc_blocks_store(w->db, &w->blocks);
    rc_blocks_free(&w->blocks);
    sqlite3_finalize(w->one);
    sqlite3_finalize(w->many);
    sqlite3_finalize(w->part);
    return rc;
}

/* The allocation of a pair's unit it of an allow_partial rule: what the
 * pair takes of it (part, or all that is open of it when 0), when that is
 * not its whole amount: a part, or the rest of one partly matched before. */
static int queue_part(item_writer *w, int64_t match_id, const rc_unit *it, uint64_t part) {
    uint64_t open = it->value < 0 ? 0 - (uint64_t)it->value : (uint64_t)it->value;
    if (!it->partial && (!part || part == open)) return RECON_OK;
    uint64_t take = part ? part : open;
    if (w->nparts == ITEM_BATCH) {
        int rc = items_flush(w);
        if (rc) return rc;
    }
    w->part_match[w->nparts] = match_id;
    w->part_tx[w->nparts] = it->id;
    w->part_minor[w->nparts++] = it->value < 0 ? -(int64_t)take : (int64_t)take;
    return RECON_OK;
}

static int insert_items(item_writer *w, int64_t match_id, const rc_units *u, const rc_unit *it,
                        const char *side) {
    for (uint32_t m = 0; m < it->count; m++) {
        w->match[w->n] = match_id;
        w->tx[w->n] = u->member ? u->member[it->first + m] : it->id;
        if (rc_blocks_add(&w->blocks, w->tx[w->n]))
            return rc_fail(w->db, RECON_ENOMEM, "matching: out of memory");
        w->side[w->n++] = side;
        if (w->n == ITEM_BATCH) {
            int rc = items_flush(w);
            if (rc) return rc;
        }
    }
    return RECON_OK;
}

/* Writes the pairs of rule ri (sorted) with their items. */
static int write_pairs(recon_db *db, const rc_engine *e, size_t ri, int64_t run_id, const char *now,
                       recon_match_result *out) {
    const rc_units *L = &e->sides[3 * ri], *R = L + 1, *G = L + 2;
    match_writer *mw = malloc(sizeof *mw);
    item_writer *w = malloc(sizeof *w);
    if (!mw || !w) {
        free(mw);
        free(w);
        return rc_fail(db, RECON_ENOMEM, "matching: out of memory");
    }
    int rc = matches_open(mw, db);
    int rcw = items_open(w, db, mw);
    if (!rc) rc = rcw;
    mw->run_id = run_id;
    mw->rule = e->rules->rule[ri].name;
    for (size_t i = 0; !rc && i < e->npairs; i++) {
        const rc_pair *p = &e->pairs[i];
        const rc_unit *l = &L->u[p->l], *r = &R->u[p->r], *g = p->attached ? &G->u[p->g] : NULL;
        int64_t id;
        char *evidence;
        if ((rc = match_add(mw, p->score, &id, &evidence)) != RECON_OK) break;
        rc_engine_evidence(e, ri, p, evidence, EVIDENCE_MAX);
        const rc_rule *rule = &e->rules->rule[ri];
        /* Booked only when the rule's amount criterion held: a pair
         * confirmed at confirm_at beyond the tolerance (or a credit longer
         * than its payout under a fee rule) has a difference the rule did
         * not explain. */
        if (rule->difference_as && p->difference && p->failed != RC_FAIL_AMOUNT) {
            pending_variance *v = &mw->var[mw->n - 1];
            v->kind = rc_variance_name(rule->difference_as);
            v->difference = p->difference;
            memcpy(v->currency, l->currency, sizeof v->currency);
            out->variances++;
        }
        rc = insert_items(w, id, L, l, "left");
        if (!rc) rc = insert_items(w, id, R, r, "right");
        if (!rc && rule->allow_partial) {
            uint64_t part = rc_pair_part(p, l, r);
            rc = queue_part(w, id, l, part);
            if (!rc) rc = queue_part(w, id, r, part);
            out->partial_matches += p->partial != 0;
        }
        if (!rc && g) rc = insert_items(w, id, G, g, "right");
        out->matches++;
        out->items_matched += l->count + r->count + (g ? g->count : 0);
        if (!rc && L->alias && L->alias[p->l]) rc = rc_alias_used(db, L->alias[p->l], now);
    }
    rc = items_close(w, rc); /* flushes the matches first */
    rc = matches_close(mw, rc);
    free(w);
    free(mw);
    return rc;
}

/* Open exceptions that this run finds again stay as they are; new ones are
 * opened; those it no longer finds (or whose item got matched) are closed. */
static int write_exceptions(recon_db *db, const rc_engine *s, int64_t run_id, const char *now,
                            recon_match_result *out) {
    sqlite3_stmt *find = NULL, *ins = NULL, *close_all = NULL, *keep = NULL;
    int rc = rc_exec(db, "CREATE TEMP TABLE IF NOT EXISTS rc_kept_exc(id INTEGER PRIMARY KEY);"
                         "DELETE FROM temp.rc_kept_exc;");
    if (!rc)
        rc = rc_prepare(db,
                        "SELECT id FROM exceptions WHERE closed_at IS NULL AND rule = ?1 AND"
                        " transaction_id = ?2 AND reason = ?3 AND candidates = ?4",
                        &find);
    if (!rc)
        rc = rc_prepare(db,
                        /* A transaction's exception that a run opens again (its
                         * candidates changed) keeps the person it was assigned to. */
                        "INSERT INTO exceptions(run_id, rule, transaction_id, reason, candidates,"
                        " created_at, assigned_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                        " (SELECT assigned_to FROM exceptions WHERE transaction_id = ?3"
                        "  AND assigned_to IS NOT NULL ORDER BY id DESC LIMIT 1))",
                        &ins);
    if (!rc) rc = rc_prepare(db, "INSERT OR IGNORE INTO temp.rc_kept_exc(id) VALUES (?1)", &keep);
    for (size_t i = 0; !rc && i < s->nexc; i++) {
        const rc_exception *e = &s->exc[i];
        sqlite3_bind_text(find, 1, e->rule->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(find, 2, e->transaction_id);
        sqlite3_bind_text(find, 3, e->reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(find, 4, e->candidates, -1, SQLITE_STATIC);
        int step = sqlite3_step(find);
        int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(find, 0) : 0;
        sqlite3_reset(find);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = rc_fail_sql(db, "looking up an exception");
            break;
        }
        if (!id) {
            sqlite3_bind_int64(ins, 1, run_id);
            sqlite3_bind_text(ins, 2, e->rule->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, e->transaction_id);
            sqlite3_bind_text(ins, 4, e->reason, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, e->candidates, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 6, now, -1, SQLITE_STATIC);
            step = sqlite3_step(ins);
            sqlite3_reset(ins);
            if (step != SQLITE_DONE) {
                rc = rc_fail_sql(db, "storing an exception");
                break;
            }
            id = sqlite3_last_insert_rowid(db->sql);
            out->exceptions_opened++;
        }
        sqlite3_bind_int64(keep, 1, id);
        step = sqlite3_step(keep);
        sqlite3_reset(keep);
        if (step != SQLITE_DONE) rc = rc_fail_sql(db, "tracking exceptions");
    }
    if (!rc)
        rc = rc_prepare(db,
                        "UPDATE exceptions SET closed_at = ?1, closed_by_run = ?2"
                        " WHERE closed_at IS NULL AND id NOT IN (SELECT id FROM temp.rc_kept_exc)",
                        &close_all);
    if (!rc) {
        sqlite3_bind_text(close_all, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(close_all, 2, run_id);
        if (sqlite3_step(close_all) != SQLITE_DONE)
            rc = rc_fail_sql(db, "closing exceptions");
        else
            out->exceptions_closed = (uint64_t)sqlite3_changes(db->sql);
    }
    sqlite3_finalize(find);
    sqlite3_finalize(ins);
    sqlite3_finalize(keep);
    sqlite3_finalize(close_all);
    return rc;
}

/* One integer from a query without parameters. */
static int query_int(recon_db *db, const char *sql, int64_t *out) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, sql, &st);
    if (rc) return rc;
    int step = sqlite3_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return step == SQLITE_ROW ? RECON_OK : rc_fail_sql(db, "counting transactions");
}

/* Transactions by status after the run, as v_transaction_status would say,
 * without asking it: the view costs two index probes per transaction (three
 * seconds at two million), while the taken bitset already holds everything
 * matched or ignored. */
static int count_after(recon_db *db, const rc_bitset *taken_set, recon_match_result *out) {
    int64_t total, ignored, open_exc, in_exc = 0;
    /* Partly matched ones are not taken: neither are they in exception
     * nor unmatched (v_transaction_status puts the match first). */
    rc_parts parts = {NULL, 0, 0};
    int rc = rc_match_parts(db, &parts);
    if (!rc) rc = query_int(db, "SELECT count(*) FROM transactions", &total);
    if (!rc) rc = query_int(db, "SELECT count(*) FROM ignores WHERE undone_at IS NULL", &ignored);
    if (!rc)
        rc = query_int(db, "SELECT count(*) FROM exceptions WHERE closed_at IS NULL", &open_exc);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = rc_prepare(
            db, "SELECT DISTINCT transaction_id FROM exceptions WHERE closed_at IS NULL", &st);
    if (rc) {
        free(parts.p);
        return rc;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        in_exc += !rc_bitset_has(taken_set, id) && !rc_parts_find(&parts, id);
    }
    sqlite3_finalize(st);
    out->partially_matched = parts.n;
    free(parts.p);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "counting exceptions");
    uint64_t taken = 0;
    for (int64_t i = 0; i <= taken_set->max / 8; i++)
        taken += (uint64_t)__builtin_popcount(taken_set->bits[i]);
    out->exceptions_open = (uint64_t)open_exc;
    out->ignored = (uint64_t)ignored;
    out->matched = taken - (uint64_t)ignored;
    out->in_exception = (uint64_t)in_exc;
    out->unmatched = (uint64_t)total - taken - (uint64_t)in_exc - out->partially_matched;
    return RECON_OK;
}

static int start_run(recon_db *db, const recon_rules *rules, const char *actor, const char *now,
                     int64_t *out) {
    char names[4096] = "";
    for (size_t i = 0; i < rules->n; i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", rules->rule[i].name);
    }
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO match_runs(started_at, actor, rules, rules_text)"
                        " VALUES (?1, ?2, ?3, ?4)",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, names, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, rules->text, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "recording the match run");
    *out = sqlite3_last_insert_rowid(db->sql);
    return RECON_OK;
}

static int finish_run(recon_db *db, int64_t run_id, const recon_match_result *r) {
    sqlite3_stmt *st;
    char now[21];
    rc_now_utc(now);
    int rc = rc_prepare(db,
                        "UPDATE match_runs SET finished_at = ?2, matches = ?3,"
                        " exceptions_opened = ?4, exceptions_closed = ?5 WHERE id = ?1",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)r->matches);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)r->exceptions_opened);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)r->exceptions_closed);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "finishing the match run");
}

/* The pairs a person took apart (undone matches) or turned down (rejected
 * suggestions, as negative ids): never made or offered again. With tx, only
 * those involving it (explain). */
int rc_match_vetoes(recon_db *db, int64_t tx, rc_vetoes *v) {
    sqlite3_stmt *st;
    int rc = rc_prepare(
        db,
        tx ? "SELECT mi.transaction_id, mi.match_id FROM match_items mi"
             " WHERE mi.match_id IN (SELECT m.id FROM matches m JOIN match_items x"
             "   ON x.match_id = m.id WHERE x.transaction_id = ?1 AND m.undone_at IS NOT NULL)"
             " UNION ALL SELECT si.transaction_id, -si.suggestion_id FROM suggestion_items si"
             " WHERE si.suggestion_id IN (SELECT s.id FROM suggestions s JOIN suggestion_items x"
             "   ON x.suggestion_id = s.id WHERE x.transaction_id = ?1 AND s.status = 'rejected')"
           : "SELECT mi.transaction_id, mi.match_id FROM match_items mi JOIN matches m"
             " ON m.id = mi.match_id WHERE m.undone_at IS NOT NULL"
             " UNION ALL SELECT si.transaction_id, -si.suggestion_id FROM suggestion_items si"
             " JOIN suggestions s ON s.id = si.suggestion_id WHERE s.status = 'rejected'",
        &st);
    if (rc) return rc;
    if (tx) sqlite3_bind_int64(st, 1, tx);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (rc_vetoes_add(v, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1))) {
            sqlite3_finalize(st);
            return rc_fail(db, RECON_ENOMEM, "matching: out of memory");
        }
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "loading undone matches");
    rc_vetoes_sort(v);
    return RECON_OK;
}

/* Runs rule i and writes its matches at once, then frees its units:
 * memory holds one rule's sides at a time, not all of them. Counts the
 * rule into *made when it paired something. */
static int run_pass_rule(recon_db *db, rc_engine *e, size_t i, int64_t run_id, const char *now,
                         recon_match_result *out, int *made) {
    int rc = rc_engine_rule(e, i) ? rc_fail(db, RECON_ENOMEM, "matching: out of memory") : 0;
    if (!rc && e->npairs) rc = write_pairs(db, e, i, run_id, now, out);
    *made += e->npairs > 0;
    rc_engine_rule_done(e, i);
    return rc;
}

/* Tells the caller's callback of one more step; RECON_ECANCELLED or
 * RECON_EUSER when it returns non-zero. */
static int step_done(recon_db *db, const recon_match_opts *o, uint64_t *step,
                     const recon_match_result *out) {
    ++*step;
    recon_progress pr = {
        .version = RECON_PROGRESS_VERSION, .bytes_done = *step, .rows = out->matches};
    int stop = o->on_progress ? o->on_progress(&pr, o->payload) : 0;
    if (stop) {
        char doing[96];
        snprintf(doing, sizeof doing, "match run after step %llu (nothing kept)",
                 (unsigned long long)*step);
        return rc_callback_stop(db, stop, doing);
    }
    return RECON_OK;
}

int recon_match_run(recon_db *db, const recon_match_opts *opts, recon_match_result *out) {
    rc_clear_error(db);
    static const size_t sizes[] = {0, offsetof(recon_match_opts, on_progress),
                                   sizeof(recon_match_opts)};
    _Static_assert(sizeof sizes / sizeof *sizes == RECON_MATCH_OPTS_VERSION + 1,
                   "a size for every version");
    recon_match_opts ov = RECON_MATCH_OPTS_INIT;
    if (opts && rc_opts_copy(opts, RECON_MATCH_OPTS_VERSION, sizes, &ov, sizeof ov) != 0)
        return rc_fail(db, RECON_EMISUSE,
                       "recon_match_run: recon_match_opts version %u; this"
                       " library takes 1 to %d",
                       opts->version, RECON_MATCH_OPTS_VERSION);
    const recon_match_opts *o = &ov;
    if (!db || !out) return rc_fail(db, RECON_EMISUSE, "recon_match_run: invalid argument");
    int rc = rc_out_check(db, out, "recon_match_run", "recon_match_result");
    if (rc) return rc;
    /* Filled in the library's own struct, handed over at the end. */
    recon_match_result full, *caller = out;
    memset(&full, 0, sizeof full);
    out = &full;
    recon_rules *own = NULL;
    const recon_rules *rules = o->rules;
    recon_error err = RECON_ERROR_INIT;
    if (!rules) {
        if (recon_rules_default(&err, &own) != RECON_OK)
            return rc_fail(db, RECON_ERROR, "the default rules are invalid: %s", err.message);
        rules = own;
    }
    const char *actor = o->actor && *o->actor ? o->actor : "recon";
    char now[21];
    rc_now_utc(now);
    rc_engine s;
    rc_engine_init(&s, rules);
    int64_t run_id = 0;
    /* Trusted: every id written is one read in this transaction or a match
     * it just inserted. */
    rc = rc_begin_trusted(db);
    if (!rc) rc = rc_match_taken(db, &s.taken, &s.parts);
    if (!rc) rc = rc_match_vetoes(db, 0, &s.veto);
    if (!rc) rc = rc_rows_load(db, rules, &s.taken, &s.parts, &s.rows);
    if (!rc && rc_engine_start(&s)) rc = rc_fail(db, RECON_ENOMEM, "matching: out of memory");
    uint64_t step = 0;
    if (!rc) rc = step_done(db, o, &step, out);
    if (!rc) rc = start_run(db, rules, actor, now, &run_id);
    /* Passes over all rules until one makes no match: a later rule taking
     * a candidate can settle an earlier rule's tie, and leaving that to the
     * next run would make runs not idempotent. Each pass only sees what is
     * left, so the second pass is small; only the last pass's exceptions
     * stand. */
    for (int made = 1; !rc && made;) {
        made = 0;
        rc_engine_pass(&s);
        for (size_t i = 0; !rc && i < rules->n; i++) {
            rc = run_pass_rule(db, &s, i, run_id, now, out, &made);
            if (!rc) rc = step_done(db, o, &step, out);
        }
    }
    if (!rc) rc_engine_finish(&s);
    if (!rc) rc = write_exceptions(db, &s, run_id, now, out);
    if (!rc) rc = rc_suggestions_write(db, &s, run_id, now, out);
    if (!rc) rc = finish_run(db, run_id, out);
    if (!rc) rc = count_after(db, &s.taken, out);
    if (!rc) rc = step_done(db, o, &step, out);
    if (rc == RECON_OK && !o->dry_run) {
        out->run_id = run_id;
        rc = rc_commit(db);
    } else {
        rc_rollback(db);
    }
    rc_end_trusted(db);
    rc_engine_free(&s);
    recon_rules_free(own);
    if (rc != RECON_OK) memset(&full, 0, sizeof full);
    if (caller->version < 3) full.matched += full.partially_matched;
    static const size_t out_sizes[] = {0, offsetof(recon_match_result, variances),
                                       offsetof(recon_match_result, partial_matches), sizeof full};
    _Static_assert(sizeof out_sizes / sizeof *out_sizes == RECON_MATCH_RESULT_VERSION + 1,
                   "a size for every version");
    rc_out_put(caller, &full, RECON_MATCH_RESULT_VERSION, out_sizes);
    return rc;
}
