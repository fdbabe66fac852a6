/* review: the suggestion queue. A run stores the suggestions its rules
 * offered (rules with suggest_at, docs/MATCHING.md), keeping the row of one
 * offered again; a person accepts one (it becomes a match, reported with
 * origin 'reviewed') or rejects it (a veto: match.c loads rejected
 * suggestions with the undone matches, so the engine never offers or makes
 * that pair again). Nothing is deleted: a suggestion no longer offered, or
 * whose transactions a person matched or ignored, is closed. A store
 * adapter (SQL), beside match.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "store/summary.h"
#include "util/record.h"

/* ---- a run's suggestions ------------------------------------------------------------------ */

typedef struct {
    sqlite3_stmt *find, *update, *ins, *item, *keep;
} sug_stmts;

static void stmts_free(sug_stmts *q) {
    sqlite3_finalize(q->find);
    sqlite3_finalize(q->update);
    sqlite3_finalize(q->ins);
    sqlite3_finalize(q->item);
    sqlite3_finalize(q->keep);
}

static int stmts_open(recon_db *db, sug_stmts *q) {
    memset(q, 0, sizeof *q);
    int rc = rc_exec(db, "CREATE TEMP TABLE IF NOT EXISTS rc_kept_sug(id INTEGER PRIMARY KEY);"
                         "DELETE FROM temp.rc_kept_sug;");
    if (!rc)
        rc = rc_prepare(db,
                        "SELECT id FROM suggestions WHERE status = 'open' AND rule = ?1"
                        " AND pair_key = ?2",
                        &q->find);
    if (!rc)
        rc = rc_prepare(db,
                        "UPDATE suggestions SET confidence = ?2, evidence = ?3 WHERE id = ?1"
                        " AND (confidence IS NOT ?2 OR evidence IS NOT ?3)",
                        &q->update);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO suggestions(run_id, rule, pair_key, confidence, evidence,"
                        " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &q->ins);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO suggestion_items(suggestion_id, transaction_id, side)"
                        " VALUES (?1, ?2, ?3)",
                        &q->item);
    if (!rc)
        rc = rc_prepare(db, "INSERT OR IGNORE INTO temp.rc_kept_sug(id) VALUES (?1)", &q->keep);
    return rc;
}

static int step_done(recon_db *db, sqlite3_stmt *st, const char *what) {
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, what);
}

static int insert_suggestion(recon_db *db, sug_stmts *q, const rc_suggestion *g, const char *key,
                             int64_t run_id, const char *now, int64_t *id) {
    sqlite3_bind_int64(q->ins, 1, run_id);
    sqlite3_bind_text(q->ins, 2, g->rule->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->ins, 3, key, -1, SQLITE_STATIC);
    sqlite3_bind_int(q->ins, 4, g->confidence);
    sqlite3_bind_text(q->ins, 5, g->evidence, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->ins, 6, now, -1, SQLITE_STATIC);
    int rc = step_done(db, q->ins, "storing a suggestion");
    if (rc) return rc;
    *id = sqlite3_last_insert_rowid(db->sql);
    for (uint32_t k = 0; !rc && k < g->nleft + g->nright; k++) {
        sqlite3_bind_int64(q->item, 1, *id);
        sqlite3_bind_int64(q->item, 2, g->tx[k]);
        sqlite3_bind_text(q->item, 3, k < g->nleft ? "left" : "right", -1, SQLITE_STATIC);
        rc = step_done(db, q->item, "storing a suggestion's items");
    }
    return rc;
}

/* One suggestion of the run: its row found again (brought up to date) or
 * stored; its id kept. */
static int write_one(recon_db *db, sug_stmts *q, const rc_suggestion *g, int64_t run_id,
                     const char *now, recon_match_result *out) {
    char *key = rc_suggestion_key(g);
    if (!key) return rc_fail(db, RECON_ENOMEM, "matching: out of memory");
    sqlite3_bind_text(q->find, 1, g->rule->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->find, 2, key, -1, SQLITE_STATIC);
    int step = sqlite3_step(q->find);
    int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(q->find, 0) : 0;
    sqlite3_reset(q->find);
    int rc = RECON_OK;
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = rc_fail_sql(db, "looking up a suggestion");
    } else if (id) {
        sqlite3_bind_int64(q->update, 1, id);
        sqlite3_bind_int(q->update, 2, g->confidence);
        sqlite3_bind_text(q->update, 3, g->evidence, -1, SQLITE_STATIC);
        rc = step_done(db, q->update, "updating a suggestion");
    } else {
        rc = insert_suggestion(db, q, g, key, run_id, now, &id);
        out->suggestions_opened += !rc;
    }
    free(key);
    if (!rc) {
        sqlite3_bind_int64(q->keep, 1, id);
        rc = step_done(db, q->keep, "tracking suggestions");
    }
    return rc;
}

static int close_unoffered(recon_db *db, int64_t run_id, const char *now, recon_match_result *out) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "UPDATE suggestions SET status = 'closed', closed_at = ?1,"
                        " closed_by_run = ?2 WHERE status = 'open'"
                        " AND id NOT IN (SELECT id FROM temp.rc_kept_sug)",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, run_id);
    rc = step_done(db, st, "closing suggestions");
    if (!rc) out->suggestions_closed = (uint64_t)sqlite3_changes(db->sql);
    sqlite3_finalize(st);
    if (rc) return rc;
    if ((rc = rc_prepare(db, "SELECT count(*) FROM suggestions WHERE status = 'open'", &st)))
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        out->suggestions_open = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = rc_fail_sql(db, "counting suggestions");
    sqlite3_finalize(st);
    return rc;
}

int rc_suggestions_write(recon_db *db, const rc_engine *e, int64_t run_id, const char *now,
                         recon_match_result *out) {
    sug_stmts q;
    int rc = stmts_open(db, &q);
    for (size_t i = 0; !rc && i < e->nsug; i++)
        rc = write_one(db, &q, &e->sug[i], run_id, now, out);
    stmts_free(&q);
    return rc ? rc : close_unoffered(db, run_id, now, out);
}

int rc_suggestions_close_for(recon_db *db, int64_t tx, const char *now) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "UPDATE suggestions SET status = 'closed', closed_at = ?2"
                        " WHERE status = 'open' AND id IN"
                        " (SELECT suggestion_id FROM suggestion_items WHERE transaction_id = ?1)",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, tx);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    rc = step_done(db, st, "closing suggestions");
    sqlite3_finalize(st);
    return rc;
}

/* ---- a person's decision ------------------------------------------------------------------ */

/* An open suggestion's rule, confidence and evidence (malloc'd), or why
 * it cannot be decided. */
typedef struct {
    char *rule, *evidence;
    int confidence;
} open_sug;

static int load_open(recon_db *db, int64_t id, open_sug *out) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int rc = rc_prepare(
        db, "SELECT status, rule, confidence, evidence FROM suggestions WHERE id = ?1", &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = rc_fail(db, RECON_ENOTFOUND, "no suggestion %lld", (long long)id);
    } else if (step != SQLITE_ROW) {
        rc = rc_fail_sql(db, "reading a suggestion");
    } else if (strcmp((const char *)sqlite3_column_text(st, 0), "open") != 0) {
        rc = rc_fail(db, RECON_ECONFLICT, "suggestion %lld is %s already", (long long)id,
                     (const char *)sqlite3_column_text(st, 0));
    } else {
        out->rule = strdup((const char *)sqlite3_column_text(st, 1));
        out->confidence = sqlite3_column_int(st, 2);
        out->evidence = strdup((const char *)sqlite3_column_text(st, 3));
        if (!out->rule || !out->evidence) rc = rc_fail(db, RECON_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Every transaction of the suggestion still free (neither matched nor
 * ignored): a person may have matched one since the run. */
static int check_free(recon_db *db, int64_t id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "SELECT si.transaction_id, v.status FROM suggestion_items si"
                        " JOIN v_transaction_status v ON v.transaction_id = si.transaction_id"
                        " WHERE si.suggestion_id = ?1"
                        " AND v.status IN ('matched', 'ignored', 'partially_matched')"
                        " ORDER BY si.transaction_id LIMIT 1",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = rc_fail(db, RECON_ECONFLICT,
                     "suggestion %lld: transaction %lld is %s already; run match again",
                     (long long)id, (long long)sqlite3_column_int64(st, 0),
                     (const char *)sqlite3_column_text(st, 1));
    else if (step != SQLITE_DONE)
        rc = rc_fail_sql(db, "checking a suggestion's transactions");
    sqlite3_finalize(st);
    return rc;
}

/* The match an acceptance makes: the suggestion's rule, its confidence as
 * the score (0..1000), its evidence with "reviewed", and its items. */
static int insert_reviewed(recon_db *db, int64_t id, const open_sug *s, const char *note,
                           const char *actor, const char *now, int64_t *match_id) {
    size_t n = strlen(s->evidence);
    char *ev = malloc(n + 40);
    if (!ev) return rc_fail(db, RECON_ENOMEM, "out of memory");
    snprintf(ev, n + 40, "%.*s,\"reviewed\":%lld}", (int)(n ? n - 1 : 0), s->evidence,
             (long long)id);
    sqlite3_stmt *st;
    int rc =
        rc_prepare(db,
                   "INSERT INTO match_store(rule, origin, score, evidence, created_at, created_by,"
                   " note) VALUES (?1, 'manual', ?2, ?3, ?4, ?5, ?6)",
                   &st);
    if (!rc) {
        sqlite3_bind_text(st, 1, s->rule, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, 10 * s->confidence);
        sqlite3_bind_text(st, 3, ev, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, rc_who(actor), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, note, -1, SQLITE_STATIC);
        rc = step_done(db, st, "storing a reviewed match");
        sqlite3_finalize(st);
    }
    free(ev);
    if (rc) return rc;
    *match_id = sqlite3_last_insert_rowid(db->sql);
    if ((rc = rc_prepare(db,
                         "INSERT INTO match_items(match_id, transaction_id, side)"
                         " SELECT ?1, transaction_id, side FROM suggestion_items"
                         " WHERE suggestion_id = ?2",
                         &st)))
        return rc;
    sqlite3_bind_int64(st, 1, *match_id);
    sqlite3_bind_int64(st, 2, id);
    rc = step_done(db, st, "storing a reviewed match's items");
    sqlite3_finalize(st);
    return rc ? rc : rc_summary_mark_match(db, *match_id);
}

/* The suggestion decided; for an acceptance, the exceptions and other
 * suggestions of its transactions closed, and the audit row. */
static int record_decision(recon_db *db, int64_t id, const char *status, const char *note,
                           const char *actor, const char *now, int64_t match_id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "UPDATE suggestions SET status = ?2, decided_at = ?3, decided_by = ?4,"
                        " note = ?5, match_id = ?6 WHERE id = ?1",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, rc_who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
    if (match_id)
        sqlite3_bind_int64(st, 6, match_id);
    else
        sqlite3_bind_null(st, 6);
    rc = step_done(db, st, "recording a decision");
    sqlite3_finalize(st);
    if (rc || !match_id) return rc;
    if ((rc = rc_prepare(db,
                         "INSERT INTO match_audit(at, actor, action, match_id, note)"
                         " VALUES (?1, ?2, 'match_add', ?3, ?4)",
                         &st)))
        return rc;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rc_who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, match_id);
    sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
    rc = step_done(db, st, "writing the audit trail");
    sqlite3_finalize(st);
    if (!rc)
        rc = rc_exec(db, "CREATE TEMP TABLE IF NOT EXISTS rc_decided(tx INTEGER PRIMARY KEY);"
                         "DELETE FROM temp.rc_decided;");
    if (!rc && !(rc = rc_prepare(db,
                                 "INSERT INTO temp.rc_decided(tx) SELECT transaction_id"
                                 " FROM suggestion_items WHERE suggestion_id = ?1",
                                 &st))) {
        sqlite3_bind_int64(st, 1, id);
        rc = step_done(db, st, "closing what the match settles");
        sqlite3_finalize(st);
    }
    if (!rc && !(rc = rc_prepare(db,
                                 "UPDATE exceptions SET closed_at = ?1 WHERE closed_at IS NULL"
                                 " AND transaction_id IN (SELECT tx FROM temp.rc_decided)",
                                 &st))) {
        sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
        rc = step_done(db, st, "closing exceptions");
        sqlite3_finalize(st);
    }
    if (!rc && !(rc = rc_prepare(db,
                                 "UPDATE suggestions SET status = 'closed', closed_at = ?1"
                                 " WHERE status = 'open' AND id IN (SELECT suggestion_id FROM"
                                 " suggestion_items WHERE transaction_id IN"
                                 " (SELECT tx FROM temp.rc_decided))",
                                 &st))) {
        sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
        rc = step_done(db, st, "closing suggestions");
        sqlite3_finalize(st);
    }
    return rc;
}

int recon_suggestion_accept(recon_db *db, int64_t suggestion_id, const char *note,
                            const char *actor, int64_t *out_match_id) {
    rc_clear_error(db);
    if (!db || suggestion_id <= 0)
        return rc_fail(db, RECON_EMISUSE, "recon_suggestion_accept: a suggestion id is required");
    char now[21], dflt[64];
    rc_now_utc(now);
    if (!note || !*note) {
        snprintf(dflt, sizeof dflt, "accepted suggestion %lld", (long long)suggestion_id);
        note = dflt;
    }
    int rc = rc_begin(db);
    if (rc) return rc;
    open_sug s;
    int64_t match_id = 0;
    rc = load_open(db, suggestion_id, &s);
    if (!rc) rc = check_free(db, suggestion_id);
    if (!rc) rc = insert_reviewed(db, suggestion_id, &s, note, actor, now, &match_id);
    if (!rc) rc = record_decision(db, suggestion_id, "accepted", note, actor, now, match_id);
    if (!rc) rc = rc_alias_learn(db, match_id, actor, now);
    free(s.rule);
    free(s.evidence);
    rc = rc_finish(db, rc);
    if (!rc && out_match_id) *out_match_id = match_id;
    return rc;
}

int recon_suggestion_reject(recon_db *db, int64_t suggestion_id, const char *note,
                            const char *actor) {
    rc_clear_error(db);
    if (!db || suggestion_id <= 0 || !note || !*note)
        return rc_fail(db, RECON_EMISUSE,
                       "recon_suggestion_reject: a suggestion id and a note are required");
    char now[21];
    rc_now_utc(now);
    int rc = rc_begin(db);
    if (rc) return rc;
    open_sug s;
    rc = load_open(db, suggestion_id, &s);
    free(s.rule);
    free(s.evidence);
    if (!rc) rc = record_decision(db, suggestion_id, "rejected", note, actor, now, 0);
    rc = rc_finish(db, rc);
    return rc;
}
