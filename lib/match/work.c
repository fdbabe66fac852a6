/* work: exceptions and suggestions as work items a team shares
 * (docs/MATCHING.md, "Working the queue"): assigned to a person,
 * commented, and an exception resolved with a reason from a fixed list.
 * The current owner and resolution are columns of the item; each action
 * is also a row of work_log, never edited. Resolving an exception takes
 * its transaction out of matching (an ignore, with the reason in its
 * note), so that the next run does not open it again; unignore brings it
 * back. A store adapter (SQL), beside matchops.c. */
#include <stdio.h>
#include <string.h>

#include "match/match.h"

static const char *const RESOLUTIONS[] = {"written_off", "duplicate", "matched_outside", "not_ours",
                                          "other"};

static const char *kind_name(recon_work_kind kind) {
    return kind == RECON_WORK_EXCEPTION ? "exception" : "suggestion";
}

/* Whether the item exists and is open (an exception not closed, a
 * suggestion with status open); its transaction for an exception. */
static int load_item(recon_db *db, recon_work_kind kind, int64_t id, int64_t *tx) {
    sqlite3_stmt *st;
    int rc =
        rc_prepare(db,
                   kind == RECON_WORK_EXCEPTION
                       ? "SELECT closed_at IS NULL, transaction_id FROM exceptions WHERE id = ?1"
                       : "SELECT status = 'open', 0 FROM suggestions WHERE id = ?1",
                   &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = rc_fail(db, RECON_ENOTFOUND, "no %s %lld", kind_name(kind), (long long)id);
    else if (step != SQLITE_ROW)
        rc = rc_fail_sql(db, "reading a work item");
    else if (!sqlite3_column_int(st, 0))
        rc = rc_fail(db, RECON_ECONFLICT, "%s %lld is closed", kind_name(kind), (long long)id);
    else if (tx)
        *tx = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    return rc;
}

static int log_action(recon_db *db, recon_work_kind kind, int64_t id, const char *now,
                      const char *actor, const char *action, const char *to, const char *resolution,
                      const char *note) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO work_log(at, actor, exception_id, suggestion_id, action,"
                        " assigned_to, resolution, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rc_who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, kind == RECON_WORK_EXCEPTION ? 3 : 4, id);
    sqlite3_bind_text(st, 5, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, resolution, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, note, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "writing the work log");
}

static int check_kind(recon_db *db, recon_work_kind kind, int64_t id, const char *what) {
    if (kind != RECON_WORK_EXCEPTION && kind != RECON_WORK_SUGGESTION)
        return rc_fail(db, RECON_EMISUSE, "%s: kind %d is not an exception or a suggestion", what,
                       (int)kind);
    if (id <= 0) return rc_fail(db, RECON_EMISUSE, "%s: an id is required", what);
    return RECON_OK;
}

int recon_work_assign(recon_db *db, recon_work_kind kind, int64_t id, const char *to,
                      const char *note, const char *actor) {
    rc_clear_error(db);
    if (!db) return RECON_EMISUSE;
    int rc = check_kind(db, kind, id, "recon_work_assign");
    if (rc) return rc;
    if (to && !*to) to = NULL; /* "": unassigned */
    char now[21];
    rc_now_utc(now);
    if ((rc = rc_begin(db))) return rc;
    rc = load_item(db, kind, id, NULL);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = rc_prepare(db,
                        kind == RECON_WORK_EXCEPTION
                            ? "UPDATE exceptions SET assigned_to = ?2 WHERE id = ?1"
                            : "UPDATE suggestions SET assigned_to = ?2 WHERE id = ?1",
                        &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "assigning");
    }
    sqlite3_finalize(st);
    if (!rc) rc = log_action(db, kind, id, now, actor, "assign", to, NULL, note);
    return rc_finish(db, rc);
}

int recon_work_comment(recon_db *db, recon_work_kind kind, int64_t id, const char *note,
                       const char *actor) {
    rc_clear_error(db);
    if (!db) return RECON_EMISUSE;
    int rc = check_kind(db, kind, id, "recon_work_comment");
    if (rc) return rc;
    if (!note || !*note)
        return rc_fail(db, RECON_EMISUSE, "recon_work_comment: a note is required");
    char now[21];
    rc_now_utc(now);
    if ((rc = rc_begin(db))) return rc;
    /* A comment on a closed item is history too: only existence is checked. */
    rc = load_item(db, kind, id, NULL);
    if (rc == RECON_ECONFLICT) {
        rc_clear_error(db);
        rc = RECON_OK;
    }
    if (!rc) rc = log_action(db, kind, id, now, actor, "comment", NULL, NULL, note);
    return rc_finish(db, rc);
}

int recon_exception_resolve(recon_db *db, int64_t exception_id, const char *reason,
                            const char *note, const char *actor) {
    rc_clear_error(db);
    if (!db) return RECON_EMISUSE;
    int rc = check_kind(db, RECON_WORK_EXCEPTION, exception_id, "recon_exception_resolve");
    if (rc) return rc;
    int known = 0;
    for (size_t i = 0; reason && i < sizeof RESOLUTIONS / sizeof *RESOLUTIONS; i++)
        known |= !strcmp(reason, RESOLUTIONS[i]);
    if (!known)
        return rc_fail(db, RECON_EMISUSE,
                       "recon_exception_resolve: reason '%s' is not one of: written_off, "
                       "duplicate, matched_outside, not_ours, other",
                       reason ? reason : "");
    if (!note || !*note)
        return rc_fail(db, RECON_EMISUSE, "recon_exception_resolve: a note is required");
    char now[21], why[600];
    rc_now_utc(now);
    snprintf(why, sizeof why, "resolved exception %lld (%s): %s", (long long)exception_id, reason,
             note);
    int64_t tx = 0;
    if ((rc = rc_begin(db))) return rc;
    rc = load_item(db, RECON_WORK_EXCEPTION, exception_id, &tx);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = rc_prepare(db,
                        "UPDATE exceptions SET resolution = ?2, resolved_by = ?3, closed_at = ?4"
                        " WHERE id = ?1",
                        &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, exception_id);
        sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rc_who(actor), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "resolving an exception");
    }
    sqlite3_finalize(st);
    if (!rc)
        rc = log_action(db, RECON_WORK_EXCEPTION, exception_id, now, actor, "resolve", NULL, reason,
                        note);
    /* Out of matching, so that no run opens it again; its other open
     * exceptions and suggestions close with it. */
    if (!rc) rc = rc_set_ignored(db, tx, why, actor, 1, now);
    return rc_finish(db, rc);
}
