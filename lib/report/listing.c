/* listing: typed reading of matches (with their items), exceptions (with
 * their candidates) and suggestions (with their items):
 * recon_matches_each, recon_exceptions_each, recon_suggestions_each.
 *
 * The reporting views give the same facts as text and JSON; these give
 * them as C values, so a program never re-parses an amount. Each match or
 * exception is one row of an outer statement; its items or candidates come
 * from an inner one and are copied into a small arena, because a step of
 * the inner statement invalidates the strings of the previous step. The
 * WHERE clause holds only the criteria the filter sets, so that a lookup by
 * id or transaction uses its index instead of scanning every match. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/strbuf.h"

/* Strings of one match's items (or one exception's candidates), kept as
 * offsets while the buffer grows and turned into pointers once it is
 * done. Offset 0 is NULL: the buffer starts with one byte. */
typedef struct {
    rc_strbuf text;
    size_t *offs; /* per row, `per` offsets */
    size_t per, nrows, cap;
} arena;

static void arena_reset(arena *a) {
    a->nrows = 0;
    rc_strbuf_set(&a->text, "", 0);
    rc_strbuf_put(&a->text, "", 1); /* offset 0 stands for NULL */
}

static void arena_free(arena *a) {
    rc_strbuf_free(&a->text);
    free(a->offs);
}

/* Room for one more row of offsets; -1 when out of memory. */
static int arena_row(arena *a) {
    if (a->nrows == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        size_t *o = realloc(a->offs, cap * a->per * sizeof *o);
        if (!o) return -1;
        a->offs = o, a->cap = cap;
    }
    a->nrows++;
    return 0;
}

/* Keeps column i of st (text, or NULL) as string k of the current row. */
static int arena_keep(arena *a, sqlite3_stmt *st, int i, size_t k) {
    size_t *slot = &a->offs[(a->nrows - 1) * a->per + k];
    const unsigned char *s = sqlite3_column_text(st, i);
    if (!s) {
        *slot = 0;
        return 0;
    }
    *slot = a->text.len;
    return rc_strbuf_put(&a->text, (const char *)s, (size_t)sqlite3_column_bytes(st, i) + 1);
}

static const char *arena_str(const arena *a, size_t row, size_t k) {
    size_t off = a->offs[row * a->per + k];
    return off ? a->text.s + off : NULL;
}

/* ---- shared: a transaction as an item --------------------------------------------------- */

#define ITEM_COLS                                                                                  \
    "t.id, s.name, t.external_id, t.group_id, t.kind, date(t.occurred_at), t.amount_minor,"        \
    " t.net_minor, t.currency"
enum { ITEM_NCOLS = 9 };

/* The item whose columns start at column i; strings from the statement
 * (valid until its next step). */
static recon_item item_at(sqlite3_stmt *st, int i, const char *side) {
    return (recon_item){
        .version = RECON_ITEM_VERSION,
        .transaction_id = sqlite3_column_int64(st, i),
        .side = side,
        .source = (const char *)sqlite3_column_text(st, i + 1),
        .external_id = (const char *)sqlite3_column_text(st, i + 2),
        .group_id = (const char *)sqlite3_column_text(st, i + 3),
        .kind = (const char *)sqlite3_column_text(st, i + 4),
        .day = (const char *)sqlite3_column_text(st, i + 5),
        .amount_minor = sqlite3_column_int64(st, i + 6),
        .net_minor = sqlite3_column_int64(st, i + 7),
        .currency = (const char *)sqlite3_column_text(st, i + 8),
    };
}

/* Binds the filter's day and source bounds (?1 to ?3), checking the days. */
static int bind_days(recon_db *db, sqlite3_stmt *st, const char *from, const char *to,
                     const char *source) {
    recon_report_filter f = {RECON_REPORT_FILTER_VERSION, from, to, source};
    return rc_bind_filter(db, st, &f);
}

/* ---- matches ---------------------------------------------------------------------------- */

enum { M_SIDE, M_SOURCE, M_EXT, M_GROUP, M_KIND, M_DAY, M_CUR, M_NSTR };

/* The rows of one match or exception, and the pointers handed over (an
 * array of pointers, not of structs, so that the structs can grow). */
typedef struct {
    void *rows;
    const void **ptrs;
    size_t cap;
} rows_buf;

/* Room for n + 1 rows of `size` bytes; -1 when out of memory. */
static int rows_room(rows_buf *b, size_t n, size_t size) {
    if (n < b->cap) return 0;
    size_t cap = b->cap ? b->cap * 2 : 16;
    void *r = realloc(b->rows, cap * size);
    if (!r) return -1;
    b->rows = r;
    const void **p = realloc(b->ptrs, cap * sizeof *p);
    if (!p) return -1;
    b->ptrs = p, b->cap = cap;
    return 0;
}

static void rows_free(rows_buf *b) {
    free(b->rows);
    free(b->ptrs);
}

/* One kind of row read into the arena (a match's item, an exception's
 * candidate): its size, the statement's text columns kept (in the order of
 * the string slots), how the rest of a row is filled from the statement,
 * and how the kept strings are set once the arena has stopped moving. */
typedef struct {
    size_t size;
    const int *cols; /* nstr of them */
    size_t nstr;
    void (*fill)(sqlite3_stmt *st, void *row);
    void (*strings)(void *row, const arena *a, size_t r);
    const char *what; /* for messages: "a match's items" */
} row_kind;

/* Reads the rows statement st gives for id (bound to ?1) into a and b:
 * *n rows, b->ptrs pointing at each. */
static int read_rows(recon_db *db, sqlite3_stmt *st, int64_t id, const row_kind *k, arena *a,
                     rows_buf *b, size_t *n) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    arena_reset(a);
    int step;
    *n = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int bad = rows_room(b, *n, k->size) || arena_row(a);
        if (!bad) k->fill(st, (char *)b->rows + (*n)++ * k->size);
        for (size_t i = 0; !bad && i < k->nstr; i++)
            bad = arena_keep(a, st, k->cols[i], i);
        if (bad) return rc_fail(db, RECON_ENOMEM, "reading %s: out of memory", k->what);
    }
    if (step != SQLITE_DONE) return rc_fail_sql(db, k->what);
    for (size_t r = 0; r < *n; r++) {
        void *row = (char *)b->rows + r * k->size;
        b->ptrs[r] = row;
        k->strings(row, a, r);
    }
    return RECON_OK;
}

/* A match's items: side, then ITEM_COLS from column 1. */
static void item_fill(sqlite3_stmt *st, void *row) {
    *(recon_item *)row = item_at(st, 1, NULL);
}

static void item_strings(void *row, const arena *a, size_t r) {
    recon_item *x = row;
    x->side = arena_str(a, r, M_SIDE), x->source = arena_str(a, r, M_SOURCE);
    x->external_id = arena_str(a, r, M_EXT), x->group_id = arena_str(a, r, M_GROUP);
    x->kind = arena_str(a, r, M_KIND), x->day = arena_str(a, r, M_DAY);
    x->currency = arena_str(a, r, M_CUR);
}

static const int ITEM_STRING_COLS[M_NSTR] = {0, 2, 3, 4, 5, 6, 9};
static const row_kind ITEMS = {sizeof(recon_item), ITEM_STRING_COLS, M_NSTR,
                               item_fill,          item_strings,     "a match's items"};

static int matches_sql(const recon_match_filter *f, rc_strbuf *sql) {
    static const char head[] = "SELECT m.id, coalesce(m.run_id, 0), m.rule, " RC_SQL_MATCH_ORIGIN(
        "m") ","
             " CASE WHEN m.undone_at IS NULL THEN 'active' ELSE 'undone' END, m.score, m.evidence,"
             " m.created_at, m.created_by, m.note, m.forced, m.undone_at, m.undone_by, m.undo_note,"
             " v.kind, coalesce(v.difference_minor, 0), v.currency"
             " FROM matches m LEFT JOIN match_variances v ON v.match_id = m.id WHERE 1";
    int bad = rc_strbuf_set(sql, head, sizeof head - 1);
#define ADD(cond, text) (bad = bad || ((cond) && rc_strbuf_put(sql, text, strlen(text))))
    ADD(f->match_id, " AND m.id = ?4");
    ADD(f->transaction_id,
        " AND m.id IN (SELECT match_id FROM match_items WHERE transaction_id = ?5)");
    ADD(f->run_id, " AND m.run_id = ?6");
    ADD(f->rule != NULL, " AND m.rule = ?7");
    ADD(!f->include_undone, " AND m.undone_at IS NULL");
    ADD(f->from || f->to || f->source,
        " AND EXISTS (SELECT 1 FROM match_items x JOIN transactions t ON t.id = x.transaction_id"
        " JOIN sources s ON s.id = t.source_id WHERE x.match_id = m.id"
        " AND" RC_SQL_FILTER("date(t.occurred_at)", "s.name") ")");
    ADD(1, " ORDER BY m.id");
#undef ADD
    return bad;
}

static recon_match match_at(sqlite3_stmt *st) {
#define TEXT(i) ((const char *)sqlite3_column_text(st, i))
    return (recon_match){.version = RECON_MATCH_VERSION,
                         .match_id = sqlite3_column_int64(st, 0),
                         .run_id = sqlite3_column_int64(st, 1),
                         .rule = TEXT(2),
                         .origin = TEXT(3),
                         .status = TEXT(4),
                         .score = sqlite3_column_int(st, 5),
                         .evidence = TEXT(6),
                         .created_at = TEXT(7),
                         .created_by = TEXT(8),
                         .note = TEXT(9),
                         .forced = sqlite3_column_int(st, 10),
                         .undone_at = TEXT(11),
                         .undone_by = TEXT(12),
                         .undo_note = TEXT(13),
                         .variance_kind = TEXT(14),
                         .variance_minor = sqlite3_column_int64(st, 15),
                         .variance_currency = TEXT(16)};
#undef TEXT
}

int recon_matches_each(recon_db *db, const recon_match_filter *filter,
                       int (*cb)(const recon_match *match, void *payload), void *payload) {
    rc_clear_error(db);
    if (!db || !cb) return rc_fail(db, RECON_EMISUSE, "recon_matches_each: invalid argument");
    recon_match_filter f = RECON_MATCH_FILTER_INIT;
    if (filter) {
        int rc =
            rc_check_version(db, filter->version, RECON_MATCH_FILTER_VERSION, "recon_match_filter");
        if (rc) return rc;
        f = *filter; /* version 1 is today's only layout */
    }
    rc_strbuf sql = {0};
    if (matches_sql(&f, &sql)) {
        rc_strbuf_free(&sql);
        return rc_fail(db, RECON_ENOMEM, "recon_matches_each: out of memory");
    }
    sqlite3_stmt *st = NULL, *it = NULL;
    int rc = rc_prepare(db, sql.s, &st);
    rc_strbuf_free(&sql);
    if (!rc)
        rc = rc_prepare(db,
                        "SELECT mi.side, " ITEM_COLS " FROM match_items mi"
                        " JOIN transactions t ON t.id = mi.transaction_id"
                        " JOIN sources s ON s.id = t.source_id WHERE mi.match_id = ?1"
                        " ORDER BY mi.side, s.name, t.external_id",
                        &it);
    if (!rc) rc = bind_days(db, st, f.from, f.to, f.source);
    if (!rc) {
        sqlite3_bind_int64(st, 4, f.match_id);
        sqlite3_bind_int64(st, 5, f.transaction_id);
        sqlite3_bind_int64(st, 6, f.run_id);
        if (f.rule) sqlite3_bind_text(st, 7, f.rule, -1, SQLITE_TRANSIENT);
    }
    arena a = {.per = ITEMS.nstr};
    rows_buf b = {0};
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_match m = match_at(st);
        rc = read_rows(db, it, m.match_id, &ITEMS, &a, &b, &m.nitems);
        m.items = (const recon_item *const *)b.ptrs;
        int stop = rc ? 0 : cb(&m, payload);
        if (stop) rc = rc_callback_stop(db, stop, "listing matches");
    }
    if (!rc && step != SQLITE_DONE) rc = rc_fail_sql(db, "listing matches");
    rows_free(&b);
    arena_free(&a);
    sqlite3_finalize(it);
    sqlite3_finalize(st);
    return rc;
}

/* ---- exceptions ------------------------------------------------------------------------- */

enum { C_SOURCE, C_EXT, C_CUR, C_FAILED, C_NSTR };

/* An exception's candidates, from its JSON list (the query in
 * recon_exceptions_each). */
static void candidate_fill(sqlite3_stmt *st, void *row) {
    *(recon_candidate *)row = (recon_candidate){.version = RECON_CANDIDATE_VERSION,
                                                .transaction_id = sqlite3_column_int64(st, 0),
                                                .grouped = sqlite3_column_int(st, 3),
                                                .items = sqlite3_column_int64(st, 4),
                                                .amount_minor = sqlite3_column_int64(st, 5),
                                                .overflow = sqlite3_column_int(st, 6)};
}

static void candidate_strings(void *row, const arena *a, size_t r) {
    recon_candidate *x = row;
    x->source = arena_str(a, r, C_SOURCE), x->external_id = arena_str(a, r, C_EXT);
    x->currency = arena_str(a, r, C_CUR), x->failed = arena_str(a, r, C_FAILED);
}

static const int CANDIDATE_STRING_COLS[C_NSTR] = {1, 2, 7, 8};
static const row_kind CANDIDATES = {
    sizeof(recon_candidate), CANDIDATE_STRING_COLS, C_NSTR,
    candidate_fill,          candidate_strings,     "an exception's candidates"};

static int exceptions_sql(const recon_exception_filter *f, rc_strbuf *sql) {
    static const char head[] =
        "SELECT e.id, coalesce(e.run_id, 0), e.rule, e.reason,"
        " CASE WHEN e.closed_at IS NULL THEN 'open' ELSE 'closed' END, e.created_at,"
        " e.closed_at, coalesce(e.closed_by_run, 0), " ITEM_COLS " FROM exceptions e"
        " JOIN transactions t ON t.id = e.transaction_id JOIN sources s ON s.id = t.source_id"
        " WHERE" RC_SQL_FILTER("date(t.occurred_at)", "s.name");
    int bad = rc_strbuf_set(sql, head, sizeof head - 1);
#define ADD(cond, text) (bad = bad || ((cond) && rc_strbuf_put(sql, text, strlen(text))))
    ADD(f->exception_id, " AND e.id = ?4");
    ADD(f->transaction_id, " AND e.transaction_id = ?5");
    ADD(f->run_id, " AND e.run_id = ?6");
    ADD(f->rule != NULL, " AND e.rule = ?7");
    ADD(f->reason != NULL, " AND e.reason = ?8");
    ADD(!f->include_closed, " AND e.closed_at IS NULL");
    ADD(1, " ORDER BY e.id");
#undef ADD
    return bad;
}

static recon_exception exception_at(sqlite3_stmt *st, recon_item *item) {
    *item = item_at(st, 8, "left");
#define TEXT(i) ((const char *)sqlite3_column_text(st, i))
    return (recon_exception){.version = RECON_EXCEPTION_VERSION,
                             .exception_id = sqlite3_column_int64(st, 0),
                             .run_id = sqlite3_column_int64(st, 1),
                             .rule = TEXT(2),
                             .reason = TEXT(3),
                             .status = TEXT(4),
                             .created_at = TEXT(5),
                             .closed_at = TEXT(6),
                             .closed_by_run = sqlite3_column_int64(st, 7),
                             .item = item};
#undef TEXT
}

int recon_exceptions_each(recon_db *db, const recon_exception_filter *filter,
                          int (*cb)(const recon_exception *exception, void *payload),
                          void *payload) {
    rc_clear_error(db);
    if (!db || !cb) return rc_fail(db, RECON_EMISUSE, "recon_exceptions_each: invalid argument");
    recon_exception_filter f = RECON_EXCEPTION_FILTER_INIT;
    if (filter) {
        int rc = rc_check_version(db, filter->version, RECON_EXCEPTION_FILTER_VERSION,
                                  "recon_exception_filter");
        if (rc) return rc;
        f = *filter;
    }
    rc_strbuf sql = {0};
    if (exceptions_sql(&f, &sql)) {
        rc_strbuf_free(&sql);
        return rc_fail(db, RECON_ENOMEM, "recon_exceptions_each: out of memory");
    }
    sqlite3_stmt *st = NULL, *ct = NULL;
    int rc = rc_prepare(db, sql.s, &st);
    rc_strbuf_free(&sql);
    /* The candidates as the matcher wrote them (lib/match/engine.c,
     * candidates_json): a group is keyed by "group" instead of
     * "external_id". */
    if (!rc)
        rc = rc_prepare(db,
                        "SELECT json_extract(c.value, '$.transaction_id'),"
                        " json_extract(c.value, '$.source'),"
                        " coalesce(json_extract(c.value, '$.external_id'),"
                        "  json_extract(c.value, '$.group')),"
                        " json_type(c.value, '$.group') IS NOT NULL,"
                        " coalesce(json_extract(c.value, '$.items'), 1),"
                        " coalesce(json_extract(c.value, '$.amount_minor'), 0),"
                        " coalesce(json_extract(c.value, '$.overflow'), 0),"
                        " json_extract(c.value, '$.currency'),"
                        " coalesce(json_extract(c.value, '$.failed'), '')"
                        " FROM exceptions e, json_each(e.candidates) c WHERE e.id = ?1"
                        " ORDER BY c.key",
                        &ct);
    if (!rc) rc = bind_days(db, st, f.from, f.to, f.source);
    if (!rc) {
        sqlite3_bind_int64(st, 4, f.exception_id);
        sqlite3_bind_int64(st, 5, f.transaction_id);
        sqlite3_bind_int64(st, 6, f.run_id);
        if (f.rule) sqlite3_bind_text(st, 7, f.rule, -1, SQLITE_TRANSIENT);
        if (f.reason) sqlite3_bind_text(st, 8, f.reason, -1, SQLITE_TRANSIENT);
    }
    arena a = {.per = CANDIDATES.nstr};
    rows_buf b = {0};
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_item item;
        recon_exception x = exception_at(st, &item);
        rc = read_rows(db, ct, x.exception_id, &CANDIDATES, &a, &b, &x.ncandidates);
        x.candidates = (const recon_candidate *const *)b.ptrs;
        int stop = rc ? 0 : cb(&x, payload);
        if (stop) rc = rc_callback_stop(db, stop, "listing exceptions");
    }
    if (!rc && step != SQLITE_DONE) rc = rc_fail_sql(db, "listing exceptions");
    rows_free(&b);
    arena_free(&a);
    sqlite3_finalize(ct);
    sqlite3_finalize(st);
    return rc;
}

/* ---- suggestions ------------------------------------------------------------------------ */

static int suggestions_sql(const recon_suggestion_filter *f, rc_strbuf *sql) {
    static const char head[] =
        "SELECT g.id, coalesce(g.run_id, 0), g.rule, g.confidence, g.status, g.evidence,"
        " g.created_at, g.decided_at, g.decided_by, g.note, coalesce(g.match_id, 0),"
        " g.closed_at FROM suggestions g WHERE 1";
    int bad = rc_strbuf_set(sql, head, sizeof head - 1);
#define ADD(cond, text) (bad = bad || ((cond) && rc_strbuf_put(sql, text, strlen(text))))
    ADD(f->suggestion_id, " AND g.id = ?1");
    ADD(f->transaction_id,
        " AND g.id IN (SELECT suggestion_id FROM suggestion_items WHERE transaction_id = ?2)");
    ADD(f->rule != NULL, " AND g.rule = ?3");
    ADD(!f->status || strcmp(f->status, "any") != 0, " AND g.status = ?4");
    ADD(f->min_confidence > 0, " AND g.confidence >= ?5");
    ADD(1, " ORDER BY g.confidence DESC, g.id");
#undef ADD
    return bad;
}

static recon_suggestion suggestion_at(sqlite3_stmt *st) {
#define TEXT(i) ((const char *)sqlite3_column_text(st, i))
    return (recon_suggestion){.version = RECON_SUGGESTION_VERSION,
                              .suggestion_id = sqlite3_column_int64(st, 0),
                              .run_id = sqlite3_column_int64(st, 1),
                              .rule = TEXT(2),
                              .confidence = sqlite3_column_int(st, 3),
                              .status = TEXT(4),
                              .evidence = TEXT(5),
                              .created_at = TEXT(6),
                              .decided_at = TEXT(7),
                              .decided_by = TEXT(8),
                              .note = TEXT(9),
                              .match_id = sqlite3_column_int64(st, 10),
                              .closed_at = TEXT(11)};
#undef TEXT
}

static const char *const SUGGESTION_STATUSES[] = {"open", "accepted", "rejected", "closed", "any"};

int recon_suggestions_each(recon_db *db, const recon_suggestion_filter *filter,
                           int (*cb)(const recon_suggestion *suggestion, void *payload),
                           void *payload) {
    rc_clear_error(db);
    if (!db || !cb) return rc_fail(db, RECON_EMISUSE, "recon_suggestions_each: invalid argument");
    recon_suggestion_filter f = RECON_SUGGESTION_FILTER_INIT;
    if (filter) {
        int rc = rc_check_version(db, filter->version, RECON_SUGGESTION_FILTER_VERSION,
                                  "recon_suggestion_filter");
        if (rc) return rc;
        f = *filter;
    }
    int known = !f.status;
    for (size_t i = 0; !known && i < sizeof SUGGESTION_STATUSES / sizeof *SUGGESTION_STATUSES; i++)
        known = !strcmp(f.status, SUGGESTION_STATUSES[i]);
    if (!known)
        return rc_fail(db, RECON_EMISUSE,
                       "recon_suggestions_each: status '%s' is not open, accepted, rejected,"
                       " closed or any",
                       f.status);
    rc_strbuf sql = {0};
    if (suggestions_sql(&f, &sql)) {
        rc_strbuf_free(&sql);
        return rc_fail(db, RECON_ENOMEM, "recon_suggestions_each: out of memory");
    }
    sqlite3_stmt *st = NULL, *it = NULL;
    int rc = rc_prepare(db, sql.s, &st);
    rc_strbuf_free(&sql);
    if (!rc)
        rc = rc_prepare(db,
                        "SELECT si.side, " ITEM_COLS " FROM suggestion_items si"
                        " JOIN transactions t ON t.id = si.transaction_id"
                        " JOIN sources s ON s.id = t.source_id WHERE si.suggestion_id = ?1"
                        " ORDER BY si.side, s.name, t.external_id",
                        &it);
    if (!rc) {
        sqlite3_bind_int64(st, 1, f.suggestion_id);
        sqlite3_bind_int64(st, 2, f.transaction_id);
        if (f.rule) sqlite3_bind_text(st, 3, f.rule, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, f.status ? f.status : "open", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, f.min_confidence);
    }
    arena a = {.per = ITEMS.nstr};
    rows_buf b = {0};
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_suggestion g = suggestion_at(st);
        rc = read_rows(db, it, g.suggestion_id, &ITEMS, &a, &b, &g.nitems);
        g.items = (const recon_item *const *)b.ptrs;
        int stop = rc ? 0 : cb(&g, payload);
        if (stop) rc = rc_callback_stop(db, stop, "listing suggestions");
    }
    if (!rc && step != SQLITE_DONE) rc = rc_fail_sql(db, "listing suggestions");
    rows_free(&b);
    arena_free(&a);
    sqlite3_finalize(it);
    sqlite3_finalize(st);
    return rc;
}
