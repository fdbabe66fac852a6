/* diff: a rule change previewed (recon_match_diff, docs/MATCHING.md "Rule
 * previews"): what the given rules would decide, from scratch, beside what
 * the database holds, and nothing written. In one transaction that is
 * always rolled back: the rules' own matches (origin auto) are taken out,
 * the engine runs the new rules on everything people left to the rules,
 * and the two sets of matches are compared by their items. A person's
 * matches, ignores and vetoes stay as they are: the preview is what
 * changing the rules file would do, not what undoing people's work would.
 * A store adapter: SQL, and recon_match_run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "util/opts.h"

/* A match's items as a key (its transactions by side: "left1,left7,right3")
 * and as text ("left: bank:B1 | right: stripe:ch_1 stripe:ch_2"). */
#define ITEMS_OF(m)                                                                                \
    "(SELECT group_concat(k, ',') FROM (SELECT mi.side || mi.transaction_id AS k FROM"             \
    " match_items mi WHERE mi.match_id = " m " ORDER BY mi.side, mi.transaction_id)),"             \
    " (SELECT group_concat(x, ' | ') FROM (SELECT mi.side || ': ' || group_concat(s.name ||"       \
    " ':' || t.external_id, ' ') AS x FROM (SELECT * FROM match_items WHERE match_id = " m         \
    " ORDER BY side, transaction_id) mi JOIN transactions t ON t.id = mi.transaction_id"           \
    " JOIN sources s ON s.id = t.source_id GROUP BY mi.side ORDER BY mi.side))"

/* What the preview compares, before and after, in TEMP tables (they go
 * with the transaction). */
static const char *const SNAPSHOT[] = {
    "CREATE TEMP TABLE rc_diff_m(phase TEXT, match_id INTEGER, rule TEXT, k TEXT, items TEXT)",
    "CREATE TEMP TABLE rc_diff_i(phase TEXT, match_id INTEGER, tx INTEGER)",
    "CREATE TEMP TABLE rc_diff_x(phase TEXT, rule TEXT, tx INTEGER, reason TEXT, what TEXT)",
    "CREATE TEMP TABLE rc_diff_s(phase TEXT, source TEXT, total INTEGER, matched INTEGER)",
    /* The comparisons look matches up by key and items by transaction. */
    "CREATE INDEX temp.rc_diff_m_k ON rc_diff_m(phase, k)",
    "CREATE INDEX temp.rc_diff_m_id ON rc_diff_m(phase, match_id)",
    "CREATE INDEX temp.rc_diff_i_tx ON rc_diff_i(phase, tx)",
    "CREATE INDEX temp.rc_diff_i_m ON rc_diff_i(phase, match_id)",
    "CREATE INDEX temp.rc_diff_x_k ON rc_diff_x(phase, rule, tx, reason)",
    "CREATE INDEX temp.rc_diff_m_rule ON rc_diff_m(phase, rule)", NULL};

/* The rules' matches, open exceptions and per-source rates of a phase
 * (?1: "before", "after"); after: only the matches of run ?2. */
static const char *const SNAPSHOT_OF[] = {
    "INSERT INTO temp.rc_diff_m SELECT ?1, m.id, m.rule, " ITEMS_OF(
        "m.id") " FROM matches m WHERE m.undone_at IS NULL AND m.origin = 'auto'"
                " AND (?2 = 0 OR m.run_id = ?2)",
    "INSERT INTO temp.rc_diff_i SELECT ?1, mi.match_id, mi.transaction_id FROM match_items mi"
    " WHERE mi.match_id IN (SELECT match_id FROM temp.rc_diff_m WHERE phase = ?1)",
    "INSERT INTO temp.rc_diff_x SELECT ?1, e.rule, e.transaction_id, e.reason, s.name || ':' ||"
    " t.external_id FROM exceptions e JOIN transactions t ON t.id = e.transaction_id"
    " JOIN sources s ON s.id = t.source_id WHERE e.closed_at IS NULL",
    /* In an active match, whole or in part (v_transactions's matched and
     * partially_matched), without working out every status: a fifth of
     * the time on 500k transactions. */
    "INSERT INTO temp.rc_diff_s SELECT ?1, s.name, count(*), count(a.tx) FROM transactions t"
    " JOIN sources s ON s.id = t.source_id LEFT JOIN (SELECT DISTINCT mi.transaction_id AS tx"
    " FROM match_items mi JOIN matches m ON m.id = mi.match_id AND m.undone_at IS NULL) a"
    " ON a.tx = t.id GROUP BY s.name",
    NULL};

static int snapshot(recon_db *db, const char *phase, int64_t run) {
    int rc = RECON_OK;
    for (size_t i = 0; !rc && SNAPSHOT_OF[i]; i++) {
        sqlite3_stmt *st;
        if ((rc = rc_prepare(db, SNAPSHOT_OF[i], &st)) != RECON_OK) break;
        sqlite3_bind_text(st, 1, phase, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, run);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "taking the preview's snapshot");
        sqlite3_finalize(st);
    }
    return rc;
}

/* Takes the rules' matches out (inside the preview's transaction): their
 * items, parts and variances with them. A journal entry may name one:
 * foreign keys are checked at the commit, which never comes. */
static int clear_auto(recon_db *db) {
    return rc_exec(db, "PRAGMA defer_foreign_keys = ON;"
                       "CREATE TEMP TABLE rc_diff_auto AS SELECT id FROM matches"
                       " WHERE origin = 'auto' AND undone_at IS NULL;"
                       "DELETE FROM match_variances WHERE match_id IN temp.rc_diff_auto;"
                       "DELETE FROM allocations WHERE match_id IN temp.rc_diff_auto;"
                       "DELETE FROM match_items WHERE match_id IN temp.rc_diff_auto;"
                       "DELETE FROM match_store WHERE id IN temp.rc_diff_auto;");
}

/* What goes and what comes, once both snapshots are taken: the matches
 * whose items are new (rc_diff_new), those whose items no longer make a
 * match (rc_diff_gone), and every pair of the two sharing a transaction
 * (rc_diff_p: a takeover), each found through the indexes, so the
 * comparison costs what the matches cost, not their square. */
static const char *const COMPARE =
    "CREATE TEMP TABLE rc_diff_new(match_id INTEGER PRIMARY KEY);"
    "CREATE TEMP TABLE rc_diff_gone(match_id INTEGER PRIMARY KEY);"
    "INSERT INTO temp.rc_diff_new SELECT match_id FROM temp.rc_diff_m a WHERE a.phase = 'after'"
    " AND NOT EXISTS (SELECT 1 FROM temp.rc_diff_m b WHERE b.phase = 'before' AND b.k = a.k);"
    "INSERT INTO temp.rc_diff_gone SELECT match_id FROM temp.rc_diff_m b WHERE b.phase ="
    " 'before' AND NOT EXISTS (SELECT 1 FROM temp.rc_diff_m a WHERE a.phase = 'after' AND"
    " a.k = b.k);"
    "CREATE TEMP TABLE rc_diff_p AS SELECT DISTINCT ai.match_id AS after_id, bi.match_id AS"
    " before_id FROM temp.rc_diff_new n CROSS JOIN temp.rc_diff_i ai ON ai.phase = 'after' AND"
    " ai.match_id = n.match_id CROSS JOIN temp.rc_diff_i bi ON bi.phase = 'before' AND bi.tx ="
    " ai.tx WHERE bi.match_id IN temp.rc_diff_gone;"
    "CREATE INDEX temp.rc_diff_p_after ON rc_diff_p(after_id);"
    "CREATE INDEX temp.rc_diff_p_before ON rc_diff_p(before_id);";

/* The rows, in the order they are reported. */
static const char *const REPORT =
    /* changed: the same items, another rule */
    "SELECT 'changed', a.rule, b.rule, b.match_id, a.items, b.items, NULL, 0, 0, 0, 1 AS o"
    " FROM temp.rc_diff_m a JOIN temp.rc_diff_m b ON b.phase = 'before' AND b.k = a.k"
    " WHERE a.phase = 'after' AND a.rule <> b.rule"
    /* changed: a new match taking transactions of a match that goes (one
     * row for each such pair: every match that goes is named) */
    " UNION ALL SELECT 'changed', a.rule, b.rule, b.match_id, a.items, b.items, NULL, 0, 0, 0, 1"
    " FROM temp.rc_diff_p p JOIN temp.rc_diff_m a ON a.phase = 'after' AND a.match_id ="
    " p.after_id JOIN temp.rc_diff_m b ON b.phase = 'before' AND b.match_id = p.before_id"
    /* gained: new items taking nothing from a match that goes */
    " UNION ALL SELECT 'gained', a.rule, NULL, 0, a.items, NULL, NULL, 0, 0, 0, 2"
    " FROM temp.rc_diff_new n JOIN temp.rc_diff_m a ON a.phase = 'after' AND a.match_id ="
    " n.match_id WHERE n.match_id NOT IN (SELECT after_id FROM temp.rc_diff_p)"
    /* lost: a match that goes, none taking over any of its transactions */
    " UNION ALL SELECT 'lost', b.rule, NULL, b.match_id, b.items, NULL, NULL, 0, 0, 0, 3"
    " FROM temp.rc_diff_gone g JOIN temp.rc_diff_m b ON b.phase = 'before' AND b.match_id ="
    " g.match_id WHERE g.match_id NOT IN (SELECT before_id FROM temp.rc_diff_p)"
    /* exceptions opened and closed */
    " UNION ALL SELECT 'exception_opened', a.rule, NULL, 0, a.what, NULL, a.reason, 0, 0, 0, 4"
    " FROM temp.rc_diff_x a WHERE a.phase = 'after' AND NOT EXISTS (SELECT 1 FROM"
    " temp.rc_diff_x b WHERE b.phase = 'before' AND b.rule = a.rule AND b.tx = a.tx AND"
    " b.reason = a.reason)"
    " UNION ALL SELECT 'exception_closed', b.rule, NULL, 0, b.what, NULL, b.reason, 0, 0, 0, 5"
    " FROM temp.rc_diff_x b WHERE b.phase = 'before' AND NOT EXISTS (SELECT 1 FROM"
    " temp.rc_diff_x a WHERE a.phase = 'after' AND a.rule = b.rule AND a.tx = b.tx AND"
    " a.reason = b.reason)"
    /* rates: transactions matched per source, matches per rule */
    " UNION ALL SELECT 'source', NULL, NULL, 0, NULL, NULL, s.source, s.total,"
    " coalesce(b.matched, 0), s.matched, 6 FROM temp.rc_diff_s s LEFT JOIN temp.rc_diff_s b"
    " ON b.phase = 'before' AND b.source = s.source WHERE s.phase = 'after'"
    " UNION ALL SELECT 'rule', NULL, NULL, 0, NULL, NULL, r.rule, 0,"
    " (SELECT count(*) FROM temp.rc_diff_m x WHERE x.phase = 'before' AND x.rule = r.rule),"
    " (SELECT count(*) FROM temp.rc_diff_m x WHERE x.phase = 'after' AND x.rule = r.rule), 7"
    " FROM (SELECT DISTINCT rule FROM temp.rc_diff_m) r"
    " ORDER BY 11, 2, 5, 7, 4";

static int report(recon_db *db, int (*cb)(const recon_diff_row *, void *), void *payload,
                  recon_diff_result *out) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, REPORT, &st);
    if (rc) return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
#define TEXT(i) ((const char *)sqlite3_column_text(st, i))
        recon_diff_row r = {.version = RECON_DIFF_ROW_VERSION,
                            .what = TEXT(0),
                            .rule = TEXT(1),
                            .old_rule = TEXT(2),
                            .match_id = sqlite3_column_int64(st, 3),
                            .items = TEXT(4),
                            .old_items = TEXT(5),
                            .name = TEXT(6),
                            .total = sqlite3_column_int64(st, 7),
                            .before = sqlite3_column_int64(st, 8),
                            .after = sqlite3_column_int64(st, 9)};
#undef TEXT
        switch (sqlite3_column_int(st, 10)) {
        case 1:
            out->changed++;
            break;
        case 2:
            out->gained++;
            break;
        case 3:
            out->lost++;
            break;
        case 4:
            out->exceptions_opened++;
            break;
        case 5:
            out->exceptions_closed++;
            break;
        default:
            break;
        }
        int stop = cb ? cb(&r, payload) : 0;
        if (stop) {
            sqlite3_finalize(st);
            return rc_callback_stop(db, stop, "rule preview");
        }
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "comparing the matches");
}

int recon_match_diff(recon_db *db, const recon_rules *rules,
                     int (*cb)(const recon_diff_row *row, void *payload), void *payload,
                     recon_diff_result *out) {
    rc_clear_error(db);
    if (!db || !out) return rc_fail(db, RECON_EMISUSE, "recon_match_diff: invalid argument");
    int rc = rc_out_check(db, out, "recon_match_diff", "recon_diff_result");
    if (rc) return rc;
    recon_diff_result full;
    memset(&full, 0, sizeof full);
    full.version = RECON_DIFF_RESULT_VERSION;
    /* The preview's own transaction, always rolled back; inside a caller's
     * transaction, a savepoint of it. */
    int outer = sqlite3_get_autocommit(db->sql), deferred = 0;
    if (!outer) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db->sql, "PRAGMA defer_foreign_keys", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) deferred = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
    }
    rc = rc_exec(db, outer ? "BEGIN IMMEDIATE" : "SAVEPOINT recon_diff");
    for (size_t i = 0; !rc && SNAPSHOT[i]; i++)
        rc = rc_exec(db, SNAPSHOT[i]);
    if (!rc) rc = snapshot(db, "before", 0);
    if (!rc) rc = clear_auto(db);
    recon_match_result run = RECON_MATCH_RESULT_INIT;
    if (!rc) {
        recon_match_opts o = RECON_MATCH_OPTS_INIT;
        o.rules = rules;
        o.actor = "preview";
        rc = recon_match_run(db, &o, &run);
    }
    if (!rc) rc = snapshot(db, "after", run.run_id);
    if (!rc) rc = rc_exec(db, COMPARE);
    if (!rc) rc = report(db, cb, payload, &full);
    sqlite3_exec(db->sql, outer ? "ROLLBACK" : "ROLLBACK TO recon_diff; RELEASE recon_diff", NULL,
                 NULL, NULL);
    /* A savepoint's rollback leaves the caller's transaction with the
     * deferral the preview set: put back as the caller had it. */
    if (!outer)
        sqlite3_exec(db->sql,
                     deferred ? "PRAGMA defer_foreign_keys = ON"
                              : "PRAGMA defer_foreign_keys = OFF",
                     NULL, NULL, NULL);
    if (rc) memset(&full, 0, sizeof full);
    static const size_t sizes[] = {0, sizeof full};
    rc_out_put(out, &full, RECON_DIFF_RESULT_VERSION, sizes);
    return rc;
}
