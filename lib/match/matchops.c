/* matchops: what people do around the engine: manual matches and their
 * undoing, ignoring transactions (each with an audit row), explaining why
 * something is or is not matched, and exporting matches, exceptions and
 * what is left unmatched. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "store/sql.h"
#include "store/summary.h"
#include "util/record.h"

static int audit(recon_db *db, const char *now, const char *actor, const char *action,
                 int64_t match_id, int64_t tx_id, const char *note) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO match_audit(at, actor, action, match_id, transaction_id, note)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rc_who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    if (match_id)
        sqlite3_bind_int64(st, 4, match_id);
    else
        sqlite3_bind_null(st, 4);
    if (tx_id)
        sqlite3_bind_int64(st, 5, tx_id);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_text(st, 6, note, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "writing the audit trail");
}

/* The status of a transaction, and its currency and amount. */
typedef struct {
    int exists;
    char status[24];
    char currency[4];
    int64_t amount;
    int64_t open; /* what its active matches leave of it (the amount when in none) */
    int64_t fee;
} tx_info;

static int tx_lookup(recon_db *db, int64_t id, tx_info *out) {
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    int rc = rc_prepare(db,
                        "SELECT status, currency, amount_minor, remaining_minor,"
                        " coalesce(fee_minor, 0) FROM v_transactions WHERE transaction_id = ?1",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->exists = 1;
        snprintf(out->status, sizeof out->status, "%s", sqlite3_column_text(st, 0));
        memcpy(out->currency, sqlite3_column_text(st, 1), 3);
        out->amount = sqlite3_column_int64(st, 2);
        out->open = sqlite3_column_int64(st, 3);
        out->fee = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? RECON_OK
                                                     : rc_fail_sql(db, "reading a transaction");
}

/* A person matched or ignored the transaction: its open exceptions are
 * settled now, not at the next run (closed_by_run stays NULL: no run did). */
static int close_exceptions(recon_db *db, int64_t tx, const char *now) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "UPDATE exceptions SET closed_at = ?2 WHERE transaction_id = ?1"
                        " AND closed_at IS NULL",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, tx);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    /* Its open suggestions too: a person decided otherwise. */
    return step == SQLITE_DONE ? rc_suggestions_close_for(db, tx, now)
                               : rc_fail_sql(db, "closing exceptions");
}

/* Checks the ids of one side: each exists once and is free (or partly
 * free); what each item takes into take[i]: want[i] when given (non-zero,
 * the transaction's sign, at most what is open of it), else all that is
 * open; sums them. */
static int check_side(recon_db *db, const int64_t *ids, const int64_t *want, size_t n,
                      const char *side, char currency[4], int64_t *take, int64_t *sum, int *mixed) {
    for (size_t i = 0; i < n; i++) {
        tx_info t;
        int rc = tx_lookup(db, ids[i], &t);
        if (rc) return rc;
        if (!t.exists)
            return rc_fail(db, RECON_ENOTFOUND, "no transaction %lld (%s)", (long long)ids[i],
                           side);
        for (size_t k = 0; k < i; k++)
            if (ids[k] == ids[i])
                return rc_fail(db, RECON_EMISUSE, "transaction %lld given twice",
                               (long long)ids[i]);
        if (!strcmp(t.status, "matched") || !strcmp(t.status, "ignored"))
            return rc_fail(db, RECON_ECONFLICT, "transaction %lld is %s already", (long long)ids[i],
                           t.status);
        if (!currency[0])
            memcpy(currency, t.currency, 4);
        else if (memcmp(currency, t.currency, 3) != 0)
            *mixed = 1;
        take[i] = want && want[i] ? want[i] : t.open;
        /* A fee cannot be split exactly between parts: its journal entry
         * would have no right share of it (docs/ACCOUNTING.md). */
        if (want && want[i] && want[i] != t.amount && t.fee)
            return rc_fail(db, RECON_ECONFLICT,
                           "transaction %lld has a fee: a part of it cannot be posted exactly;"
                           " match it whole",
                           (long long)ids[i]);
        if (want && want[i] &&
            ((want[i] < 0) != (t.amount < 0) ||
             (want[i] < 0 ? want[i] < t.open : want[i] > t.open))) {
            char w[32], o[32];
            recon_money_format(want[i], t.currency, w, sizeof w);
            recon_money_format(t.open, t.currency, o, sizeof o);
            return rc_fail(db, RECON_ECONFLICT,
                           "transaction %lld: %s %s is more than is open of it (%s), or of the"
                           " other sign",
                           (long long)ids[i], w, t.currency, o);
        }
        if (__builtin_add_overflow(*sum, take[i], sum))
            return rc_fail(db, RECON_ECONFLICT, "the amounts overflow");
    }
    return RECON_OK;
}

/* An allocation row for every item that takes less than its whole amount:
 * a part (want), or the rest of a transaction already partly matched. */
static int insert_allocations(recon_db *db, int64_t match_id, const int64_t *ids,
                              const int64_t *take, size_t n) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO allocations(match_id, transaction_id, amount_minor)"
                        " SELECT ?1, id, ?3 FROM transactions WHERE id = ?2 AND amount_minor <> ?3",
                        &st);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_bind_int64(st, 1, match_id);
        sqlite3_bind_int64(st, 2, ids[i]);
        sqlite3_bind_int64(st, 3, take[i]);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "storing an allocation");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_manual(recon_db *db, const char *now, const char *actor, const char *note,
                         int force, const char *evidence, int64_t *out) {
    sqlite3_stmt *st;
    int rc =
        rc_prepare(db,
                   "INSERT INTO match_store(rule, origin, score, evidence, created_at, created_by,"
                   " note, forced) VALUES ('manual', 'manual', 1000, ?1, ?2, ?3, ?4, ?5)",
                   &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, evidence, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rc_who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, force);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "storing a manual match");
    *out = sqlite3_last_insert_rowid(db->sql);
    return RECON_OK;
}

static int insert_side(recon_db *db, int64_t match_id, const int64_t *ids, size_t n,
                       const char *side) {
    sqlite3_stmt *st;
    int rc = rc_prepare(
        db, "INSERT INTO match_items(match_id, transaction_id, side) VALUES (?1, ?2, ?3)", &st);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_bind_int64(st, 1, match_id);
        sqlite3_bind_int64(st, 2, ids[i]);
        sqlite3_bind_text(st, 3, side, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "storing a match item");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int match_add_in(recon_db *db, const int64_t *left, const int64_t *left_minor,
                        int64_t *take_l, size_t nleft, const int64_t *right,
                        const int64_t *right_minor, int64_t *take_r, size_t nright,
                        const char *note, const char *actor, int force, int64_t *out_match_id) {
    char now[21], cur_l[4] = "", cur_r[4] = "";
    int64_t sum_l = 0, sum_r = 0, id = 0;
    int mixed = 0;
    rc_now_utc(now);
    int rc = rc_begin(db);
    if (rc) return rc;
    for (size_t i = 0; i < nleft; i++)
        for (size_t k = 0; k < nright; k++)
            if (left[i] == right[k]) {
                rc_rollback(db);
                return rc_fail(db, RECON_EMISUSE, "transaction %lld is on both sides",
                               (long long)left[i]);
            }
    rc = check_side(db, left, left_minor, nleft, "left", cur_l, take_l, &sum_l, &mixed);
    if (!rc)
        rc = check_side(db, right, right_minor, nright, "right", cur_r, take_r, &sum_r, &mixed);
    if (!rc && !force) {
        if (mixed || memcmp(cur_l, cur_r, 3) != 0)
            rc = rc_fail(db, RECON_ECONFLICT,
                         "the currencies differ (%s, %s): use force with a note to match anyway",
                         cur_l, cur_r);
        else if (sum_l != sum_r && (sum_r == INT64_MIN || sum_l != -sum_r)) {
            char ml[32], mr[32];
            recon_money_format(sum_l, cur_l, ml, sizeof ml);
            recon_money_format(sum_r, cur_r, mr, sizeof mr);
            rc = rc_fail(db, RECON_ECONFLICT,
                         "the amounts do not balance: left %s, right %s %s;"
                         " use force with a note to match anyway",
                         ml, mr, cur_l);
        }
    }
    json_t *ev = json_pack("{s:b, s:I, s:I, s:s, s:b}", "manual", 1, "left_sum", (json_int_t)sum_l,
                           "right_sum", (json_int_t)sum_r, "currency", cur_l, "forced", force);
    char *evidence = ev ? json_dumps(ev, JSON_PRESERVE_ORDER) : NULL;
    json_decref(ev);
    if (!rc && !evidence) rc = rc_fail(db, RECON_ENOMEM, "recording a manual match: out of memory");
    if (!rc) rc = insert_manual(db, now, actor, note, force ? 1 : 0, evidence, &id);
    free(evidence);
    if (!rc) rc = insert_side(db, id, left, nleft, "left");
    if (!rc) rc = insert_side(db, id, right, nright, "right");
    if (!rc) rc = rc_summary_mark_match(db, id);
    if (!rc) rc = insert_allocations(db, id, left, take_l, nleft);
    if (!rc) rc = insert_allocations(db, id, right, take_r, nright);
    if (!rc) rc = audit(db, now, actor, "match_add", id, 0, note);
    if (!rc) rc = rc_alias_learn(db, id, actor, now);
    for (size_t i = 0; !rc && i < nleft; i++)
        rc = close_exceptions(db, left[i], now);
    for (size_t i = 0; !rc && i < nright; i++)
        rc = close_exceptions(db, right[i], now);
    rc = rc_finish(db, rc);
    if (!rc && out_match_id) *out_match_id = id;
    return rc;
}

int recon_match_add(recon_db *db, const int64_t *left, size_t nleft, const int64_t *right,
                    size_t nright, const char *note, const char *actor, int force,
                    int64_t *out_match_id) {
    return recon_match_add_parts(db, left, NULL, nleft, right, NULL, nright, note, actor, force,
                                 out_match_id);
}

int recon_match_add_parts(recon_db *db, const int64_t *left, const int64_t *left_minor,
                          size_t nleft, const int64_t *right, const int64_t *right_minor,
                          size_t nright, const char *note, const char *actor, int force,
                          int64_t *out_match_id) {
    rc_clear_error(db);
    if (!db || !left || !right || !nleft || !nright || !note || !*note)
        return rc_fail(db, RECON_EMISUSE,
                       "recon_match_add: left and right transactions and a note are required");
    int64_t *take_l = calloc(nleft, sizeof *take_l), *take_r = calloc(nright, sizeof *take_r);
    if (!take_l || !take_r) {
        free(take_l);
        free(take_r);
        return rc_fail(db, RECON_ENOMEM, "recon_match_add: out of memory");
    }
    int rc = match_add_in(db, left, left_minor, take_l, nleft, right, right_minor, take_r, nright,
                          note, actor, force, out_match_id);
    free(take_l);
    free(take_r);
    return rc;
}

/* A match whose journal entry lies in a closed period stays: undoing it
 * would change books already final (docs/ACCOUNTING.md). */
static int closed_entry(recon_db *db, int64_t match_id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(
        db,
        "SELECT j.entry_date, c.until FROM journal_entries j, (SELECT " RC_SQL_CLOSED_UNTIL() " AS until) c"
                                                                                              " WHERE j.match_id = ?1 AND j.kind = 'post' AND j.entry_date <= c.until",
        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, match_id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = rc_fail(db, RECON_ECONFLICT,
                     "match %lld is in the books closed until %s (its journal entry of %s):"
                     " reopen the period first (recon close --reopen)",
                     (long long)match_id, sqlite3_column_text(st, 1), sqlite3_column_text(st, 0));
    else if (step != SQLITE_DONE)
        rc = rc_fail_sql(db, "reading the closed period");
    sqlite3_finalize(st);
    return rc;
}

int recon_match_undo(recon_db *db, int64_t match_id, const char *note, const char *actor) {
    rc_clear_error(db);
    if (!db || match_id <= 0 || !note || !*note)
        return rc_fail(db, RECON_EMISUSE, "recon_match_undo: a match id and a note are required");
    char now[21];
    rc_now_utc(now);
    int rc = rc_begin(db);
    if (rc) return rc;
    sqlite3_stmt *st;
    if ((rc = rc_prepare(db, "SELECT undone_at IS NOT NULL FROM matches WHERE id = ?1", &st)))
        goto done;
    sqlite3_bind_int64(st, 1, match_id);
    int step = sqlite3_step(st);
    int undone = step == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (undone < 0) {
        rc = rc_fail(db, RECON_ENOTFOUND, "no match %lld", (long long)match_id);
        goto done;
    }
    if (undone) {
        rc = rc_fail(db, RECON_ECONFLICT, "match %lld is undone already", (long long)match_id);
        goto done;
    }
    if ((rc = closed_entry(db, match_id)) != RECON_OK) goto done;
    if ((rc = rc_prepare(db,
                         "UPDATE match_store SET undone_at = ?2, undone_by = ?3, undo_note = ?4"
                         " WHERE id = ?1",
                         &st)))
        goto done;
    sqlite3_bind_int64(st, 1, match_id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rc_who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    sqlite3_finalize(st);
    rc = step == SQLITE_DONE ? audit(db, now, actor, "match_undo", match_id, 0, note)
                             : rc_fail_sql(db, "undoing a match");
done:
    return rc_finish(db, rc);
}

/* Ignores (on) or takes back (!on) transaction tx, inside the caller's
 * write transaction: the row, the audit row, and for an ignore the
 * exceptions and suggestions it closes. */
int rc_set_ignored(recon_db *db, int64_t tx, const char *note, const char *actor, int on,
                   const char *now) {
    tx_info t;
    int rc = tx_lookup(db, tx, &t);
    if (!rc && !t.exists) rc = rc_fail(db, RECON_ENOTFOUND, "no transaction %lld", (long long)tx);
    if (!rc && on && (!strcmp(t.status, "matched") || !strcmp(t.status, "partially_matched")))
        rc = rc_fail(db, RECON_ECONFLICT, "transaction %lld is %s: undo the match first",
                     (long long)tx, t.status);
    if (!rc && on == !strcmp(t.status, "ignored"))
        rc = rc_fail(db, RECON_ECONFLICT, "transaction %lld is %s", (long long)tx,
                     on ? "ignored already" : "not ignored");
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = rc_prepare(db,
                        on ? "INSERT INTO ignores(transaction_id, created_at, created_by, note)"
                             " VALUES (?1, ?2, ?3, ?4)"
                           : "UPDATE ignores SET undone_at = ?2, undone_by = ?3, undo_note = ?4"
                             " WHERE transaction_id = ?1 AND undone_at IS NULL",
                        &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, tx);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rc_who(actor), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "recording the ignore");
    }
    sqlite3_finalize(st);
    if (!rc) rc = audit(db, now, actor, on ? "ignore" : "unignore", 0, tx, note);
    if (!rc && on) rc = close_exceptions(db, tx, now);
    return rc;
}

static int set_ignored(recon_db *db, int64_t tx, const char *note, const char *actor, int on) {
    if (!db || tx <= 0 || !note || !*note)
        return rc_fail(db, RECON_EMISUSE, "a transaction id and a note are required");
    char now[21];
    rc_now_utc(now);
    int rc = rc_begin(db);
    if (!rc) rc = rc_set_ignored(db, tx, note, actor, on, now);
    return rc_finish(db, rc);
}

int recon_ignore(recon_db *db, int64_t transaction_id, const char *note, const char *actor) {
    rc_clear_error(db);
    return set_ignored(db, transaction_id, note, actor, 1);
}

int recon_unignore(recon_db *db, int64_t transaction_id, const char *note, const char *actor) {
    rc_clear_error(db);
    return set_ignored(db, transaction_id, note, actor, 0);
}

int recon_transaction_find(recon_db *db, const char *source, const char *external_id,
                           int64_t *out) {
    rc_clear_error(db);
    if (!db || !source || !external_id || !out)
        return rc_fail(db, RECON_EMISUSE, "recon_transaction_find: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "SELECT t.id FROM transactions t JOIN sources s ON s.id = t.source_id"
                        " WHERE s.name = ?1 AND t.external_id = ?2",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, external_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (step == SQLITE_ROW) return RECON_OK;
    if (step == SQLITE_DONE)
        return rc_fail(db, RECON_ENOTFOUND, "no transaction '%s' in source '%s'", external_id,
                       source);
    return rc_fail_sql(db, "finding a transaction");
}

int recon_transaction_open(recon_db *db, int64_t transaction_id, int64_t *open_minor,
                           char currency[4]) {
    rc_clear_error(db);
    if (!db || !open_minor)
        return rc_fail(db, RECON_EMISUSE, "recon_transaction_open: invalid argument");
    tx_info t;
    int rc = tx_lookup(db, transaction_id, &t);
    if (rc) return rc;
    if (!t.exists)
        return rc_fail(db, RECON_ENOTFOUND, "no transaction %lld", (long long)transaction_id);
    *open_minor = t.open;
    if (currency) memcpy(currency, t.currency, 4);
    return RECON_OK;
}

void recon_string_free(char *s) {
    free(s);
}

/* ---- export ------------------------------------------------------------------------------- */

int recon_export_each(recon_db *db, recon_export_kind kind,
                      int (*cb)(const recon_export_row *row, void *payload), void *payload) {
    rc_clear_error(db);
    static const char *const SQL[] = {
        "SELECT m.id, m.rule, CASE WHEN m.undone_at IS NULL THEN 'active' ELSE 'undone' END,"
        " mi.side, s.name, t.external_id, t.group_id, t.amount_minor, t.currency"
        " FROM matches m JOIN match_items mi ON mi.match_id = m.id"
        " JOIN transactions t ON t.id = mi.transaction_id JOIN sources s ON s.id = t.source_id"
        " ORDER BY m.id, mi.side, s.name, t.external_id",
        "SELECT e.id, e.rule, e.reason, 'left', s.name, t.external_id, t.group_id,"
        " t.amount_minor, t.currency"
        " FROM exceptions e JOIN transactions t ON t.id = e.transaction_id"
        " JOIN sources s ON s.id = t.source_id WHERE e.closed_at IS NULL"
        " ORDER BY e.id",
        /* What is open: unmatched transactions, and what their matches
         * leave of partially matched ones (status partially_matched, the
         * open part as the amount). */
        "SELECT 0, '', v.status, '', s.name, t.external_id, t.group_id,"
        " CASE v.status WHEN 'partially_matched' THEN " RC_SQL_OPEN_AMOUNT(
            "t") " ELSE t.amount_minor END,"
                 " t.currency FROM transactions t JOIN v_transaction_status v ON v.transaction_id = t.id"
                 " JOIN sources s ON s.id = t.source_id"
                 " WHERE v.status IN ('unmatched', 'partially_matched')"
                 " ORDER BY s.name, t.external_id"};
    if (!db || !cb || (unsigned)kind > RECON_EXPORT_UNMATCHED)
        return rc_fail(db, RECON_EMISUSE, "recon_export_each: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_prepare(db, SQL[kind], &st);
    if (rc) return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_export_row r = {RECON_EXPORT_ROW_VERSION,
                              sqlite3_column_int64(st, 0),
                              (const char *)sqlite3_column_text(st, 1),
                              (const char *)sqlite3_column_text(st, 2),
                              (const char *)sqlite3_column_text(st, 3),
                              (const char *)sqlite3_column_text(st, 4),
                              (const char *)sqlite3_column_text(st, 5),
                              (const char *)sqlite3_column_text(st, 6),
                              sqlite3_column_int64(st, 7),
                              (const char *)sqlite3_column_text(st, 8)};
        int stop = cb(&r, payload);
        if (stop) {
            sqlite3_finalize(st);
            return rc_callback_stop(db, stop, "exporting");
        }
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "exporting");
}
