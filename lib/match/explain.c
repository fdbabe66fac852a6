/* explain: why a transaction is matched, or why not. A matched one shows
 * its match: rule, score, the evidence recorded, the other side. An
 * unmatched one is judged again, rule by rule, against everything the rule
 * would put on the other side: its closest candidates, and the first
 * criterion each failed (currency, reference, amount, date), closest first.
 * A store adapter: it reads with SQL, and loads, judges and checks vetoes
 * with the engine's own functions (match/engine.h), so it cannot disagree
 * with a run. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "store/sql.h"
#include "util/record.h"

#define SHOW 3

static json_t *tx_json(recon_db *db, int64_t id, char status[24]) {
    sqlite3_stmt *st;
    if (rc_prepare(db,
                   "SELECT s.name, t.external_id, t.kind, t.amount_minor, t.net_minor,"
                   " t.currency, t.occurred_at, t.settled_at, t.group_id, t.reference,"
                   " t.description, x.status, x.remaining_minor FROM transactions t"
                   " JOIN sources s ON s.id = t.source_id"
                   " JOIN v_transactions x ON x.transaction_id = t.id WHERE t.id = ?1",
                   &st))
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        static const char *const keys[] = {
            "source",      "external_id", "kind",     "amount_minor", "net_minor",  "currency",
            "occurred_at", "settled_at",  "group_id", "reference",    "description"};
        o = json_object();
        json_object_set_new(o, "id", json_integer(id));
        for (int i = 0; i < 11; i++) {
            json_t *v = sqlite3_column_type(st, i) == SQLITE_NULL ? json_null()
                        : sqlite3_column_type(st, i) == SQLITE_INTEGER
                            ? json_integer(sqlite3_column_int64(st, i))
                            : json_string((const char *)sqlite3_column_text(st, i));
            json_object_set_new(o, keys[i], v ? v : json_null());
        }
        snprintf(status, 24, "%s", sqlite3_column_text(st, 11));
        json_object_set_new(o, "status", json_string(status));
        /* What its active matches leave open of it (partial allocation). */
        json_object_set_new(o, "remaining_minor", json_integer(sqlite3_column_int64(st, 12)));
    }
    sqlite3_finalize(st);
    return o;
}

/* The active match of a transaction, with its other items. */
static json_t *match_json(recon_db *db, int64_t id) {
    sqlite3_stmt *st;
    if (rc_prepare(db,
                   "SELECT m.id, m.rule, " RC_SQL_MATCH_ORIGIN(
                       "m") ","
                            " m.score, m.evidence, m.created_at,"
                            " m.created_by, m.note, v.kind, v.difference_minor, v.currency"
                            " FROM matches m JOIN match_items mi ON mi.match_id = m.id"
                            " LEFT JOIN match_variances v ON v.match_id = m.id"
                            " WHERE mi.transaction_id = ?1 AND m.undone_at IS NULL",
                   &st))
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    json_t *m = NULL;
    int64_t mid = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        mid = sqlite3_column_int64(st, 0);
        json_error_t e;
        json_t *ev = json_loads((const char *)sqlite3_column_text(st, 4), 0, &e);
        m = json_pack("{s:I, s:s, s:s, s:i, s:o, s:s, s:s, s:s?}", "id", (json_int_t)mid, "rule",
                      sqlite3_column_text(st, 1), "origin", sqlite3_column_text(st, 2), "score",
                      sqlite3_column_int(st, 3), "evidence", ev ? ev : json_null(), "created_at",
                      sqlite3_column_text(st, 5), "created_by", sqlite3_column_text(st, 6), "note",
                      sqlite3_column_text(st, 7));
        /* A booked difference (rules with difference_as): null when none. */
        json_t *var = sqlite3_column_type(st, 8) == SQLITE_NULL
                          ? json_null()
                          : json_pack("{s:s, s:I, s:s}", "kind", sqlite3_column_text(st, 8),
                                      "difference_minor", (json_int_t)sqlite3_column_int64(st, 9),
                                      "currency", sqlite3_column_text(st, 10));
        if (m) json_object_set_new(m, "variance", var ? var : json_null());
    }
    sqlite3_finalize(st);
    if (!m) return NULL;
    json_t *items = json_array();
    if (!rc_prepare(db,
                    "SELECT mi.side, s.name, t.external_id, t.amount_minor, t.currency, t.id,"
                    " a.amount_minor FROM match_items mi JOIN transactions t"
                    " ON t.id = mi.transaction_id JOIN sources s ON s.id = t.source_id"
                    " LEFT JOIN allocations a ON a.match_id = mi.match_id"
                    " AND a.transaction_id = mi.transaction_id WHERE mi.match_id = ?1"
                    " ORDER BY mi.side, s.name, t.external_id",
                    &st)) {
        sqlite3_bind_int64(st, 1, mid);
        while (sqlite3_step(st) == SQLITE_ROW)
            json_array_append_new(
                items, json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:o}", "side",
                                 sqlite3_column_text(st, 0), "source", sqlite3_column_text(st, 1),
                                 "external_id", sqlite3_column_text(st, 2), "amount_minor",
                                 (json_int_t)sqlite3_column_int64(st, 3), "currency",
                                 sqlite3_column_text(st, 4), "transaction_id",
                                 (json_int_t)sqlite3_column_int64(st, 5), "allocated_minor",
                                 sqlite3_column_type(st, 6) == SQLITE_NULL
                                     ? json_integer(sqlite3_column_int64(st, 3))
                                     : json_integer(sqlite3_column_int64(st, 6))));
        sqlite3_finalize(st);
    }
    json_object_set_new(m, "items", items);
    return m;
}

static json_t *exceptions_json(recon_db *db, int64_t id) {
    json_t *a = json_array();
    sqlite3_stmt *st;
    if (rc_prepare(db,
                   "SELECT id, rule, reason, candidates, created_at FROM exceptions"
                   " WHERE transaction_id = ?1 AND closed_at IS NULL ORDER BY id",
                   &st))
        return a;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_error_t e;
        json_t *c = json_loads((const char *)sqlite3_column_text(st, 3), 0, &e);
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                         "rule", sqlite3_column_text(st, 1), "reason", sqlite3_column_text(st, 2),
                         "candidates", c ? c : json_array(), "created_at",
                         sqlite3_column_text(st, 4)));
    }
    sqlite3_finalize(st);
    return a;
}

/* Matches of the transaction that a person undid: the engine never makes
 * those pairs again (a veto), so each is listed with who, when, why, and
 * the transactions it may not be paired with. */
static json_t *undone_json(recon_db *db, int64_t id) {
    json_t *a = json_array();
    sqlite3_stmt *st, *items;
    if (rc_prepare(db,
                   "SELECT m.id, m.rule, m.undone_at, m.undone_by, m.undo_note, mi.side"
                   " FROM matches m JOIN match_items mi ON mi.match_id = m.id"
                   " WHERE mi.transaction_id = ?1 AND m.undone_at IS NOT NULL ORDER BY m.id",
                   &st))
        return a;
    if (rc_prepare(db,
                   "SELECT s.name, t.external_id FROM match_items mi"
                   " JOIN transactions t ON t.id = mi.transaction_id"
                   " JOIN sources s ON s.id = t.source_id"
                   " WHERE mi.match_id = ?1 AND mi.side <> ?2 ORDER BY s.name, t.external_id",
                   &items)) {
        sqlite3_finalize(st);
        return a;
    }
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *not_with = json_array();
        sqlite3_bind_int64(items, 1, sqlite3_column_int64(st, 0));
        sqlite3_bind_text(items, 2, (const char *)sqlite3_column_text(st, 5), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(items) == SQLITE_ROW)
            json_array_append_new(not_with,
                                  json_pack("{s:s, s:s}", "source", sqlite3_column_text(items, 0),
                                            "external_id", sqlite3_column_text(items, 1)));
        sqlite3_reset(items);
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s?, s:o}", "id",
                                           (json_int_t)sqlite3_column_int64(st, 0), "rule",
                                           sqlite3_column_text(st, 1), "undone_at",
                                           sqlite3_column_text(st, 2), "undone_by",
                                           sqlite3_column_text(st, 3), "note",
                                           sqlite3_column_text(st, 4), "not_with", not_with));
    }
    sqlite3_finalize(items);
    sqlite3_finalize(st);
    return a;
}

/* The unit of side u holding transaction id (its group on an aggregated
 * side), or NULL. */
static const rc_unit *unit_of(const rc_units *u, int64_t id) {
    for (size_t i = 0; i < u->n; i++) {
        const rc_unit *it = &u->u[i];
        if (!u->member && it->id == id) return it;
        for (uint32_t m = 0; u->member && m < it->count; m++)
            if (u->member[it->first + m] == id) return it;
    }
    return NULL;
}

typedef struct {
    size_t index;
    rc_verdict v;
} ranked;

/* A unit's amount as JSON: null when its items' sum left int64_t (such a
 * unit never matches), never a wrapped number. */
static json_t *unit_value(const rc_unit *u) {
    return u->overflow ? json_null() : json_integer((json_int_t)u->value);
}

/* Later failures are closer: a candidate that fails only the date beats one
 * failing the amount; then the smaller difference, then fewer days. */
static int closeness(const rc_verdict *v) {
    return v->failed == RC_FAIL_NONE ? 5 : (int)v->failed;
}

static int better(const ranked *a, const ranked *b) {
    int ca = closeness(&a->v), cb = closeness(&b->v);
    if (ca != cb) return ca > cb;
    int64_t da = llabs(a->v.difference), db = llabs(b->v.difference);
    if (da != db) return da < db;
    return abs(a->v.days) < abs(b->v.days);
}

static json_t *rule_json(const rc_rule *r, int on_left, const rc_units *mine, const rc_unit *me,
                         const rc_units *other, const rc_vetoes *undone) {
    static const char *const failed[] = {"none", "currency", "reference", "amount", "date"};
    ranked top[SHOW];
    size_t n = 0;
    for (size_t i = 0; i < other->n; i++) {
        const rc_unit *o = &other->u[i];
        ranked c = {i, on_left ? rc_match_judge(r, mine, me, other, o)
                               : rc_match_judge(r, other, o, mine, me)};
        size_t at = n < SHOW ? n++ : SHOW;
        while (at > 0 && better(&c, &top[at - 1])) {
            if (at < SHOW) top[at] = top[at - 1];
            at--;
        }
        if (at < SHOW) top[at] = c;
    }
    json_t *cands = json_array();
    for (size_t i = 0; i < n; i++) {
        const rc_unit *o = &other->u[top[i].index];
        json_array_append_new(
            cands,
            json_pack("{s:s, s:s, s:o, s:s#, s:i, s:s, s:o, s:i, s:i}", "source",
                      rc_unit_source(other, o), other->grouped ? "group" : "external_id",
                      rc_unit_name(other, o), "amount_minor", unit_value(o), "currency",
                      o->currency, (int)3, "items", (int)o->count, "failed",
                      failed[top[i].v.failed], "difference",
                      o->overflow || me->overflow ? json_null()
                                                  : json_integer((json_int_t)top[i].v.difference),
                      "days", top[i].v.days, "score", top[i].v.failed ? 0 : top[i].v.score));
        json_object_set_new(json_array_get(cands, i), "vetoed",
                            json_boolean(rc_match_vetoed(undone, mine, me, other, o)));
    }
    return json_pack("{s:s, s:s, s:s, s:i, s:o, s:o}", "rule", r->name, "side",
                     on_left ? "left" : "right", "cardinality", rc_cardinality_name(r->card),
                     "items", (int)me->count, "compared", unit_value(me), "candidates", cands);
}

/* The open suggestions naming the transaction, best first: id, rule,
 * confidence, evidence and the items of the other side. */
static json_t *suggestions_json(recon_db *db, int64_t id) {
    json_t *a = json_array();
    sqlite3_stmt *st, *items;
    if (rc_prepare(db,
                   "SELECT g.id, g.rule, g.confidence, g.evidence FROM suggestions g"
                   " JOIN suggestion_items x ON x.suggestion_id = g.id"
                   " WHERE x.transaction_id = ?1 AND g.status = 'open'"
                   " ORDER BY g.confidence DESC, g.id",
                   &st))
        return a;
    if (rc_prepare(db,
                   "SELECT s.name, t.external_id, t.amount_minor, t.currency, t.id"
                   " FROM suggestion_items si JOIN transactions t ON t.id = si.transaction_id"
                   " JOIN sources s ON s.id = t.source_id WHERE si.suggestion_id = ?1"
                   " AND si.side <> (SELECT side FROM suggestion_items WHERE suggestion_id = ?1"
                   "  AND transaction_id = ?2) ORDER BY s.name, t.external_id",
                   &items)) {
        sqlite3_finalize(st);
        return a;
    }
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_error_t e;
        json_t *ev = json_loads((const char *)sqlite3_column_text(st, 3), 0, &e);
        json_t *with = json_array();
        sqlite3_reset(items);
        sqlite3_bind_int64(items, 1, sqlite3_column_int64(st, 0));
        sqlite3_bind_int64(items, 2, id);
        while (sqlite3_step(items) == SQLITE_ROW)
            json_array_append_new(with,
                                  json_pack("{s:s, s:s, s:I, s:s, s:I}", "source",
                                            sqlite3_column_text(items, 0), "external_id",
                                            sqlite3_column_text(items, 1), "amount_minor",
                                            (json_int_t)sqlite3_column_int64(items, 2), "currency",
                                            sqlite3_column_text(items, 3), "transaction_id",
                                            (json_int_t)sqlite3_column_int64(items, 4)));
        json_array_append_new(a, json_pack("{s:I, s:s, s:i, s:o, s:o}", "id",
                                           (json_int_t)sqlite3_column_int64(st, 0), "rule",
                                           sqlite3_column_text(st, 1), "confidence",
                                           sqlite3_column_int(st, 2), "evidence",
                                           ev ? ev : json_null(), "with", with));
    }
    sqlite3_finalize(items);
    sqlite3_finalize(st);
    return a;
}

/* Judges the transaction again under every rule that could take it. */
static int rules_json(recon_db *db, int64_t id, const recon_rules *rules, json_t *out) {
    rc_bitset taken;
    rc_rows rows;
    rc_vetoes undone = {NULL, 0, 0};
    memset(&rows, 0, sizeof rows);
    int rc = rc_match_vetoes(db, id, &undone);
    if (rc) return rc;
    rc_parts parts = {NULL, 0, 0};
    rc = rc_match_taken(db, &taken, &parts);
    if (!rc) rc = rc_rows_load(db, rules, &taken, &parts, &rows);
    for (size_t i = 0; !rc && i < rules->n; i++) {
        const rc_rule *r = &rules->rule[i];
        /* The sides exactly as a run loads them. */
        rc_units L, R;
        memset(&L, 0, sizeof L);
        memset(&R, 0, sizeof R);
        if (rc_match_load_sides(&rows, r, &taken, &L, &R))
            rc = rc_fail(db, RECON_ENOMEM, "explain: out of memory");
        for (int side = 1; !rc && side >= 0; side--) {
            const rc_units *mine = side ? &L : &R, *other = side ? &R : &L;
            const rc_unit *me = unit_of(mine, id);
            if (me) json_array_append_new(out, rule_json(r, side, mine, me, other, &undone));
        }
        rc_units_free(&L);
        rc_units_free(&R);
    }
    rc_rows_free(&rows);
    rc_bitset_free(&taken);
    free(parts.p);
    free(undone.v);
    return rc;
}

int recon_explain(recon_db *db, int64_t transaction_id, const recon_rules *rules, char **out) {
    rc_clear_error(db);
    if (!db || !out) return rc_fail(db, RECON_EMISUSE, "recon_explain: invalid argument");
    *out = NULL;
    recon_rules *own = NULL;
    recon_error err = RECON_ERROR_INIT;
    if (!rules && recon_rules_default(&err, &own) != RECON_OK)
        return rc_fail(db, RECON_ERROR, "the default rules are invalid: %s", err.message);
    char status[24] = "";
    json_t *tx = tx_json(db, transaction_id, status);
    if (!tx) {
        recon_rules_free(own);
        return rc_fail(db, RECON_ENOTFOUND, "no transaction %lld", (long long)transaction_id);
    }
    json_t *doc = json_pack("{s:o, s:s}", "transaction", tx, "status", status);
    json_t *m = match_json(db, transaction_id);
    json_object_set_new(doc, "match", m ? m : json_null());
    json_object_set_new(doc, "exceptions", exceptions_json(db, transaction_id));
    json_object_set_new(doc, "suggestions", suggestions_json(db, transaction_id));
    json_object_set_new(doc, "undone", undone_json(db, transaction_id));
    json_t *per_rule = json_array();
    int rc = RECON_OK;
    if (!m && strcmp(status, "ignored") != 0)
        rc = rules_json(db, transaction_id, rules ? rules : own, per_rule);
    json_object_set_new(doc, "rules", per_rule);
    /* Some lookups read "no row" as "none": one the progress handler
     * interrupted must not pass for that. */
    if (!rc && db->progress_stop) rc = rc_callback_stop(db, db->progress_stop, "explaining");
    if (!rc) {
        *out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!*out) rc = rc_fail(db, RECON_ENOMEM, "explain: out of memory");
    }
    json_decref(doc);
    recon_rules_free(own);
    return rc;
}
