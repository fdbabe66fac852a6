/* aliases: payers people teach (docs/MATCHING.md, "Aliases"). A bank
 * line often names the payer ("SEPA CT ACME HOLDING GMBH ...") and not the
 * invoice; once a person has matched such a line by hand (or accepted a
 * suggestion), the payer's key the bank wrote comes to stand for the
 * counterparty of what it paid, and rules with counterparty = alias match
 * next month's lines by it. Keys are rc_party_key's (letters only), so the
 * reference numbers around a name do not make a new payer of every line.
 * One meaning per key at a time; removing an alias keeps its row. A store
 * adapter (SQL): the engine reads the aliases from rc_rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "match/rules.h"

enum { KEY_MAX = 512 };

int rc_aliases_load(recon_db *db, rc_rows *rows) {
    sqlite3_stmt *st;
    int rc = rc_prepare(
        db, "SELECT id, pattern, counterparty FROM aliases WHERE removed_at IS NULL", &st);
    if (rc) return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (rc_rows_add_alias(rows, (const char *)sqlite3_column_text(st, 1),
                              (const char *)sqlite3_column_text(st, 2),
                              sqlite3_column_int64(st, 0))) {
            sqlite3_finalize(st);
            return rc_fail(db, RECON_ENOMEM, "matching: out of memory");
        }
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "loading aliases");
    rc_rows_sort_aliases(rows);
    return RECON_OK;
}

int rc_alias_used(recon_db *db, int64_t id, const char *now) {
    sqlite3_stmt *st;
    int rc =
        rc_prepare(db, "UPDATE aliases SET uses = uses + 1, last_used_at = ?2 WHERE id = ?1", &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "counting an alias's use");
}

/* ---- learning ---------------------------------------------------------------------------- */

/* What a match's sides say of payers: the one payer key every left item
 * has (its counterparty's, else its description's), the one counterparty
 * key every right item has, and whether some right item's reference, id or
 * group id appears in some left item's text (then the text matched, not
 * the payer, and there is nothing to learn). */
typedef struct {
    char left[KEY_MAX], right[KEY_MAX];
    int left_mixed, right_mixed, referenced;
} payers;

static void keep_key(char *have, int *mixed, const char *text) {
    char key[KEY_MAX];
    size_t n = text ? rc_party_key(text, strlen(text), key, sizeof key) : 0;
    if (!n || *mixed) {
        *mixed |= !n;
        return;
    }
    if (!*have)
        memcpy(have, key, n + 1);
    else if (strcmp(have, key) != 0)
        *mixed = 1;
}

/* Does folded id appear in folded text? Both as rc_ref_fold writes them. */
static int names(const char *text, const char *id) {
    char t[KEY_MAX], k[KEY_MAX];
    size_t tn = text ? rc_ref_fold(text, strlen(text), t, sizeof t) : 0;
    size_t kn = id ? rc_ref_fold(id, strlen(id), k, sizeof k) : 0;
    return tn && kn >= 4 && strstr(t, k) != NULL;
}

static int read_payers(recon_db *db, int64_t match_id, payers *p) {
    memset(p, 0, sizeof *p);
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "SELECT mi.side, t.counterparty, t.description FROM match_items mi"
                        " JOIN transactions t ON t.id = mi.transaction_id WHERE mi.match_id = ?1",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, match_id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *side = (const char *)sqlite3_column_text(st, 0);
        const char *cp = (const char *)sqlite3_column_text(st, 1);
        const char *desc = (const char *)sqlite3_column_text(st, 2);
        if (!strcmp(side, "left"))
            keep_key(p->left, &p->left_mixed, cp && *cp ? cp : desc);
        else
            keep_key(p->right, &p->right_mixed, cp);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "reading a match's payers");
    /* Every (left text, right id) pair: a match holds a handful of items,
     * or a payout's items against one line. */
    if ((rc = rc_prepare(db,
                         "SELECT l.description, r.reference, r.external_id, r.group_id"
                         " FROM match_items a JOIN transactions l ON l.id = a.transaction_id"
                         " JOIN match_items b ON b.match_id = a.match_id AND b.side = 'right'"
                         " JOIN transactions r ON r.id = b.transaction_id"
                         " WHERE a.match_id = ?1 AND a.side = 'left'",
                         &st)))
        return rc;
    sqlite3_bind_int64(st, 1, match_id);
    while (!p->referenced && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        for (int i = 1; i <= 3 && !p->referenced; i++)
            p->referenced = names(text, (const char *)sqlite3_column_text(st, i));
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE || step == SQLITE_ROW ? RECON_OK
                                                     : rc_fail_sql(db, "reading a match's texts");
}

static int insert_alias(recon_db *db, const char *pattern, const char *counterparty,
                        const char *actor, const char *now, int64_t match_id, const char *note,
                        int64_t *id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO aliases(pattern, counterparty, taught_by, taught_at, match_id,"
                        " note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, counterparty, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rc_who(actor), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    if (match_id)
        sqlite3_bind_int64(st, 5, match_id);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_text(st, 6, note, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "storing an alias");
    if (id) *id = sqlite3_last_insert_rowid(db->sql);
    return RECON_OK;
}

/* The active alias of a payer key: its id and counterparty, 0 when none. */
static int active_alias(recon_db *db, const char *pattern, int64_t *id, char *cp, size_t size) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "SELECT id, counterparty FROM aliases WHERE pattern = ?1"
                        " AND removed_at IS NULL",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    *id = 0;
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        snprintf(cp, size, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? RECON_OK
                                                     : rc_fail_sql(db, "reading aliases");
}

int rc_alias_learn(recon_db *db, int64_t match_id, const char *actor, const char *now) {
    payers p;
    int rc = read_payers(db, match_id, &p);
    if (rc || p.left_mixed || p.right_mixed || !*p.left || !*p.right || p.referenced ||
        !strcmp(p.left, p.right))
        return rc;
    int64_t have;
    char cp[KEY_MAX];
    if ((rc = active_alias(db, p.left, &have, cp, sizeof cp)) || have) return rc;
    return insert_alias(db, p.left, p.right, actor, now, match_id, NULL, NULL);
}

/* ---- the public calls ---------------------------------------------------------------------- */

int recon_alias_add(recon_db *db, const char *payer, const char *counterparty, const char *note,
                    const char *actor, int64_t *out_id) {
    rc_clear_error(db);
    if (!db || !payer || !counterparty)
        return rc_fail(db, RECON_EMISUSE,
                       "recon_alias_add: a payer and a counterparty are required");
    char key[KEY_MAX], cpkey[KEY_MAX], have_cp[KEY_MAX];
    if (!rc_party_key(payer, strlen(payer), key, sizeof key) ||
        !rc_party_key(counterparty, strlen(counterparty), cpkey, sizeof cpkey))
        return rc_fail(db, RECON_EMISUSE,
                       "recon_alias_add: a payer and a counterparty need letters (keys keep "
                       "ASCII letters only)");
    if (!strcmp(key, cpkey))
        return rc_fail(db, RECON_EMISUSE,
                       "recon_alias_add: '%s' is the counterparty's own key: counterparty = "
                       "equal matches it already",
                       key);
    char now[21];
    rc_now_utc(now);
    int rc = rc_begin(db);
    if (rc) return rc;
    int64_t have = 0;
    rc = active_alias(db, key, &have, have_cp, sizeof have_cp);
    if (!rc && have)
        rc = rc_fail(db, RECON_ECONFLICT,
                     "payer %s already stands for %s (alias %lld): remove it first", key, have_cp,
                     (long long)have);
    if (!rc) rc = insert_alias(db, key, cpkey, actor, now, 0, note, out_id);
    return rc_finish(db, rc);
}

int recon_alias_remove(recon_db *db, int64_t alias_id, const char *note, const char *actor) {
    rc_clear_error(db);
    if (!db || alias_id <= 0 || !note || !*note)
        return rc_fail(db, RECON_EMISUSE,
                       "recon_alias_remove: an alias id and a note are required");
    char now[21];
    rc_now_utc(now);
    sqlite3_stmt *st;
    int rc = rc_begin(db);
    if (rc) return rc;
    rc = rc_prepare(db,
                    "UPDATE aliases SET removed_at = ?2, removed_by = ?3, remove_note = ?4"
                    " WHERE id = ?1 AND removed_at IS NULL",
                    &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, alias_id);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rc_who(actor), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = rc_fail_sql(db, "removing an alias");
        else if (!sqlite3_changes(db->sql))
            rc = rc_fail(db, RECON_ENOTFOUND, "no alias %lld in force", (long long)alias_id);
        sqlite3_finalize(st);
    }
    return rc_finish(db, rc);
}

int recon_aliases_each(recon_db *db, int include_removed,
                       int (*cb)(const recon_alias *alias, void *payload), void *payload) {
    rc_clear_error(db);
    if (!db || !cb) return rc_fail(db, RECON_EMISUSE, "recon_aliases_each: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "SELECT id, pattern, counterparty, taught_by, taught_at,"
                        " coalesce(match_id, 0), note, uses, last_used_at, removed_at, removed_by,"
                        " remove_note FROM aliases WHERE ?1 OR removed_at IS NULL"
                        " ORDER BY pattern, id",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int(st, 1, include_removed ? 1 : 0);
    int step;
#define TEXT(i) ((const char *)sqlite3_column_text(st, i))
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_alias a = {.version = RECON_ALIAS_VERSION,
                         .alias_id = sqlite3_column_int64(st, 0),
                         .payer = TEXT(1),
                         .counterparty = TEXT(2),
                         .taught_by = TEXT(3),
                         .taught_at = TEXT(4),
                         .match_id = sqlite3_column_int64(st, 5),
                         .note = TEXT(6),
                         .uses = sqlite3_column_int64(st, 7),
                         .last_used_at = TEXT(8),
                         .removed_at = TEXT(9),
                         .removed_by = TEXT(10),
                         .remove_note = TEXT(11)};
        int stop = cb(&a, payload);
        if (stop) {
            sqlite3_finalize(st);
            return rc_callback_stop(db, stop, "listing aliases");
        }
    }
#undef TEXT
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "listing aliases");
}
