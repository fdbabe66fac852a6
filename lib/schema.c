/* schema: the SQLite schema and its migrations. PRAGMA user_version holds
 * the version; each migration moves it up by one inside the same
 * transaction as its DDL, so a database is never left half-migrated.
 *
 * The tables are a public interface (reporting tools query them), so they
 * are STRICT, use integer minor units and ISO 8601 text times, and keep to
 * SQL that PostgreSQL would also accept where that costs nothing. */
#include <stdio.h>
#include <string.h>

#include "errtable.h"
#include "internal.h"

/* Version 1: sources, imports, transactions (the canonical record),
 * failures, the mirrored error-code table, meta. */
static const char MIGRATION_1[] =
    "CREATE TABLE sources ("
    "  id          INTEGER PRIMARY KEY,"
    "  name        TEXT NOT NULL UNIQUE,"
    "  type        TEXT NOT NULL CHECK (type IN ('psp','bank','ledger')),"
    "  created_at  TEXT NOT NULL"
    ") STRICT;"

    "CREATE TABLE imports ("
    "  id             INTEGER PRIMARY KEY,"
    "  source_id      INTEGER NOT NULL REFERENCES sources(id),"
    "  file_name      TEXT NOT NULL,"
    "  file_size      INTEGER NOT NULL,"
    "  sha256         TEXT,"          /* set when the file has been read to its end */
    "  profile        TEXT NOT NULL,"
    "  started_at     TEXT NOT NULL,"
    "  finished_at    TEXT,"
    "  rows_read      INTEGER NOT NULL DEFAULT 0,"
    "  rows_inserted  INTEGER NOT NULL DEFAULT 0,"
    "  rows_duplicate INTEGER NOT NULL DEFAULT 0,"
    "  rows_rejected  INTEGER NOT NULL DEFAULT 0,"
    "  status         TEXT NOT NULL CHECK (status IN ('running','ok','partial')),"
    "  UNIQUE (source_id, sha256)"
    ") STRICT;"
    "CREATE INDEX imports_by_size ON imports(source_id, file_size);"

    "CREATE TABLE transactions ("
    "  id              INTEGER PRIMARY KEY,"
    "  source_id       INTEGER NOT NULL REFERENCES sources(id),"
    "  import_id       INTEGER NOT NULL REFERENCES imports(id),"
    "  line            INTEGER NOT NULL,"
    "  external_id     TEXT NOT NULL,"
    "  id_generated    INTEGER NOT NULL CHECK (id_generated IN (0,1)),"
    /* Written as OR chains, not IN lists: SQLite builds an ephemeral
     * table for a constant IN list of more than two values every time
     * the INSERT runs, which cost ~10% of an import. */
    "  kind            TEXT NOT NULL CHECK (kind = 'charge' OR kind = 'refund'"
    "                    OR kind = 'fee' OR kind = 'payout' OR kind = 'chargeback'"
    "                    OR kind = 'chargeback_reversal' OR kind = 'adjustment'"
    "                    OR kind = 'transfer' OR kind = 'bank_credit' OR kind = 'bank_debit'"
    "                    OR kind = 'other'),"
    "  kind_raw        TEXT,"
    "  group_id        TEXT,"
    "  reference       TEXT,"
    "  amount_minor    INTEGER NOT NULL,"
    "  fee_minor       INTEGER NOT NULL DEFAULT 0,"
    "  net_minor       INTEGER NOT NULL,"
    "  currency        TEXT NOT NULL CHECK (length(currency) = 3),"
    "  occurred_at     TEXT NOT NULL,"
    "  settled_at      TEXT,"
    "  description     TEXT,"
    "  counterparty    TEXT,"
    "  provider_status TEXT,"
    "  provider_code   TEXT,"
    "  content_hash    BLOB NOT NULL,"
    "  raw             TEXT NOT NULL,"
    "  UNIQUE (source_id, external_id)"
    ") STRICT;"

    /* Every problem the engine knows about, in one table: rows an import
     * rejected (origin 'import', provider 'librecon', the reason as
     * provider_code), provider API errors a job recorded ('provider') and
     * failed payments a report carried ('report'). Each has its unified
     * code. Recorded provider failures that repeat while open share a
     * fingerprint and count occurrences instead of adding rows. */
    "CREATE TABLE failures ("
    "  id              INTEGER PRIMARY KEY,"
    "  origin          TEXT NOT NULL"
    "                    CHECK (origin = 'import' OR origin = 'provider' OR origin = 'report'),"
    "  source_id       INTEGER REFERENCES sources(id),"
    "  import_id       INTEGER REFERENCES imports(id),"
    "  transaction_id  INTEGER REFERENCES transactions(id),"
    "  line            INTEGER,"
    "  field           TEXT,"
    "  column_name     TEXT,"
    "  provider        TEXT NOT NULL,"
    "  http_status     INTEGER,"
    "  provider_code   TEXT,"
    "  unified_code    TEXT NOT NULL,"
    "  category        TEXT NOT NULL,"
    "  message         TEXT NOT NULL,"
    "  raw             TEXT,"
    "  request_id      TEXT,"
    "  context         TEXT,"
    "  fingerprint     TEXT,"
    "  occurrences     INTEGER NOT NULL DEFAULT 1 CHECK (occurrences >= 1),"
    "  first_seen      TEXT NOT NULL,"
    "  last_seen       TEXT NOT NULL,"
    "  resolved_at     TEXT,"
    "  resolved_by     TEXT,"
    "  resolution_note TEXT,"
    "  CHECK ((resolved_at IS NULL) = (resolution_note IS NULL))"
    ") STRICT;"
    "CREATE INDEX failures_by_import ON failures(import_id);"
    "CREATE INDEX failures_by_code ON failures(unified_code, provider);"
    "CREATE UNIQUE INDEX failures_open_by_fingerprint ON failures(fingerprint)"
    "  WHERE fingerprint IS NOT NULL AND resolved_at IS NULL;"

    /* The unified error table, mirrored from the library (db.c refreshes
     * it when the compiled-in table changes) so reporting tools can join
     * failures to it. */
    "CREATE TABLE unified_codes ("
    "  code          TEXT PRIMARY KEY,"
    "  category      TEXT NOT NULL,"
    "  retryable     INTEGER NOT NULL CHECK (retryable = 0 OR retryable = 1),"
    "  retry_policy  TEXT NOT NULL,"
    "  meaning       TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE error_codes ("
    "  id            INTEGER PRIMARY KEY,"
    "  provider      TEXT NOT NULL,"
    "  http_status   INTEGER,"
    "  http_class    TEXT,"
    "  provider_code TEXT NOT NULL,"
    "  cause         TEXT NOT NULL,"
    "  unified_code  TEXT NOT NULL,"
    "  category      TEXT NOT NULL,"
    "  retryable     INTEGER NOT NULL CHECK (retryable = 0 OR retryable = 1),"
    "  retry_policy  TEXT NOT NULL,"
    "  action        TEXT NOT NULL,"
    "  description   TEXT NOT NULL,"
    "  spec          TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX error_codes_by_key ON error_codes(provider, http_status, provider_code);"
    "CREATE TABLE meta ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") STRICT;"

    /* Matching. A match ties left and right transactions under a rule (or
     * a person's decision); nothing is deleted: an undone match keeps who,
     * when and why. A transaction's status is derived, never stored twice:
     * matched (in an active match), ignored, exception (an open exception
     * names it), else unmatched; see v_transaction_status. */
    "CREATE TABLE match_runs ("
    "  id          INTEGER PRIMARY KEY,"
    "  started_at  TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  actor       TEXT NOT NULL,"
    "  rules       TEXT NOT NULL,"      /* the rule names, in the order they ran */
    "  rules_text  TEXT NOT NULL,"      /* the rules file as given: every setting used */
    "  matches     INTEGER NOT NULL DEFAULT 0,"
    "  exceptions_opened INTEGER NOT NULL DEFAULT 0,"
    "  exceptions_closed INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE matches ("
    "  id          INTEGER PRIMARY KEY,"
    "  run_id      INTEGER REFERENCES match_runs(id),"
    "  rule        TEXT NOT NULL,"
    "  origin      TEXT NOT NULL CHECK (origin = 'auto' OR origin = 'manual'),"
    "  score       INTEGER NOT NULL,"
    "  evidence    TEXT NOT NULL,"
    "  created_at  TEXT NOT NULL,"
    "  created_by  TEXT NOT NULL,"
    "  note        TEXT,"
    "  forced      INTEGER NOT NULL DEFAULT 0 CHECK (forced = 0 OR forced = 1),"
    "  undone_at   TEXT,"
    "  undone_by   TEXT,"
    "  undo_note   TEXT"
    ") STRICT;"
    "CREATE TABLE match_items ("
    "  match_id       INTEGER NOT NULL REFERENCES matches(id),"
    "  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
    "  side           TEXT NOT NULL CHECK (side = 'left' OR side = 'right'),"
    "  PRIMARY KEY (match_id, transaction_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX match_items_by_transaction ON match_items(transaction_id);"
    "CREATE TABLE exceptions ("
    "  id             INTEGER PRIMARY KEY,"
    "  run_id         INTEGER REFERENCES match_runs(id),"
    "  rule           TEXT NOT NULL,"
    "  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
    "  reason         TEXT NOT NULL CHECK (reason = 'ambiguous' OR reason = 'contested'"
    "                   OR reason = 'near_miss_amount' OR reason = 'near_miss_date'),"
    "  candidates     TEXT NOT NULL,"
    "  created_at     TEXT NOT NULL,"
    "  closed_at      TEXT,"
    "  closed_by_run  INTEGER REFERENCES match_runs(id)"
    ") STRICT;"
    "CREATE INDEX exceptions_open ON exceptions(transaction_id) WHERE closed_at IS NULL;"
    "CREATE TABLE ignores ("
    "  id             INTEGER PRIMARY KEY,"
    "  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
    "  created_at     TEXT NOT NULL,"
    "  created_by     TEXT NOT NULL,"
    "  note           TEXT NOT NULL,"
    "  undone_at      TEXT,"
    "  undone_by      TEXT,"
    "  undo_note      TEXT"
    ") STRICT;"
    "CREATE UNIQUE INDEX ignores_active ON ignores(transaction_id) WHERE undone_at IS NULL;"
    "CREATE TABLE match_audit ("
    "  id             INTEGER PRIMARY KEY,"
    "  at             TEXT NOT NULL,"
    "  actor          TEXT NOT NULL,"
    "  action         TEXT NOT NULL CHECK (action = 'match_add' OR action = 'match_undo'"
    "                   OR action = 'ignore' OR action = 'unignore'),"
    "  match_id       INTEGER REFERENCES matches(id),"
    "  transaction_id INTEGER REFERENCES transactions(id),"
    "  note           TEXT NOT NULL"
    ") STRICT;"
    "CREATE VIEW v_transaction_status AS"
    "  SELECT t.id AS transaction_id,"
    "    CASE WHEN EXISTS (SELECT 1 FROM match_items mi JOIN matches m ON m.id = mi.match_id"
    "                      WHERE mi.transaction_id = t.id AND m.undone_at IS NULL) THEN 'matched'"
    "         WHEN EXISTS (SELECT 1 FROM ignores i WHERE i.transaction_id = t.id"
    "                      AND i.undone_at IS NULL) THEN 'ignored'"
    "         WHEN EXISTS (SELECT 1 FROM exceptions e WHERE e.transaction_id = t.id"
    "                      AND e.closed_at IS NULL) THEN 'exception'"
    "         ELSE 'unmatched' END AS status"
    "  FROM transactions t;"

    /* Open failures by unified code and provider. */
    "CREATE VIEW v_failures_summary AS"
    "  SELECT unified_code, category, provider, count(*) AS failures,"
    "         sum(occurrences) AS occurrences, min(first_seen) AS first_seen,"
    "         max(last_seen) AS last_seen"
    "  FROM failures WHERE resolved_at IS NULL"
    "  GROUP BY unified_code, category, provider;";

static const char *const MIGRATIONS[] = {MIGRATION_1};
#define NMIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

static int user_version(recon_db *db, int *out) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "PRAGMA user_version", &st);
    if (rc)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = rc_fail_sql(db, "reading schema version");
        sqlite3_finalize(st);
        return rc;
    }
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return RECON_OK;
}

static int set_user_version(recon_db *db, int v) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    return rc_exec(db, sql);
}

int rc_schema_migrate(recon_db *db) {
    int have;
    int rc = user_version(db, &have);
    if (rc)
        return rc;
    if (have > NMIGRATIONS)
        return rc_fail(db, RECON_ESCHEMA,
                       "database schema version %d is newer than this librecon (%d)", have,
                       NMIGRATIONS);
    if (have == NMIGRATIONS)
        return RECON_OK;
    if (sqlite3_db_readonly(db->sql, "main") == 1)
        return rc_fail(db, RECON_ESCHEMA, "database schema version %d needs migrating to %d, "
                       "which a read-only handle cannot do", have, NMIGRATIONS);

    if ((rc = rc_begin(db)) != RECON_OK)
        return rc;
    /* Re-read under the write lock: another process may have migrated. */
    if ((rc = user_version(db, &have)) != RECON_OK)
        goto fail;
    for (int v = have; v < NMIGRATIONS; v++) {
        if ((rc = rc_exec(db, MIGRATIONS[v])) != RECON_OK)
            goto fail;
        if ((rc = set_user_version(db, v + 1)) != RECON_OK)
            goto fail;
    }
    return rc_commit(db);
fail:
    rc_rollback(db);
    return rc;
}

_Static_assert(sizeof MIGRATIONS / sizeof MIGRATIONS[0] == RECON_SCHEMA_VERSION,
               "RECON_SCHEMA_VERSION in recon.h must match the migrations");

/* ---- the mirrored error table ---------------------------------------------------- */

static int meta_get(recon_db *db, const char *key, char *out, size_t size) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT value FROM meta WHERE key = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    out[0] = '\0';
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "reading meta");
}

static int fill_unified(recon_db *db) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "INSERT INTO unified_codes VALUES (?1, ?2, ?3, ?4, ?5)", &st);
    for (size_t i = 0; rc == RECON_OK && i < recon_unified_code_count(); i++) {
        recon_unified_code u;
        recon_unified_code_get(i, &u);
        sqlite3_bind_text(st, 1, u.code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, u.category, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, u.retryable);
        sqlite3_bind_text(st, 4, recon_retry_policy_name(u.retry_policy), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, u.meaning, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = rc_fail_sql(db, "mirroring the unified codes");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int fill_error_codes(recon_db *db) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO error_codes(provider, http_status, http_class, provider_code,"
                        " cause, unified_code, category, retryable, retry_policy, action,"
                        " description, spec) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
                        &st);
    for (size_t i = 0; rc == RECON_OK && i < recon_error_table_count(); i++) {
        recon_error_row r;
        recon_error_table_row(i, &r);
        sqlite3_bind_text(st, 1, r.provider, -1, SQLITE_STATIC);
        if (r.http_status)
            sqlite3_bind_int(st, 2, r.http_status);
        else
            sqlite3_bind_null(st, 2);
        if (r.http_class[0])
            sqlite3_bind_text(st, 3, r.http_class, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        const char *text[] = {r.provider_code, r.cause, r.unified_code, r.category};
        for (int k = 0; k < 4; k++)
            sqlite3_bind_text(st, 4 + k, text[k], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, r.retryable);
        sqlite3_bind_text(st, 9, recon_retry_policy_name(r.retry_policy), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, r.action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, r.description, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, r.spec, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = rc_fail_sql(db, "mirroring the error codes");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Replaces the mirrored table when the library's differs from the one the
 * database holds (a new database, or a newer librecon). A plain read when
 * they agree, which is every open but the first after an upgrade. */
int rc_schema_sync_error_table(recon_db *db) {
    char have[64];
    int rc = meta_get(db, "error_table", have, sizeof have);
    if (rc || strcmp(have, rc_error_table_hash) == 0)
        return rc;
    if ((rc = rc_begin(db)) != RECON_OK)
        return rc;
    /* Re-read under the write lock: another process may have done it. */
    if ((rc = meta_get(db, "error_table", have, sizeof have)) != RECON_OK ||
        strcmp(have, rc_error_table_hash) == 0)
        goto done;
    if ((rc = rc_exec(db, "DELETE FROM unified_codes; DELETE FROM error_codes;")) ||
        (rc = fill_unified(db)) || (rc = fill_error_codes(db)))
        goto done;
    sqlite3_stmt *st;
    if ((rc = rc_prepare(db, "INSERT INTO meta(key, value) VALUES ('error_table', ?1)"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         &st)) != RECON_OK)
        goto done;
    sqlite3_bind_text(st, 1, rc_error_table_hash, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = rc_fail_sql(db, "recording the error table version");
    sqlite3_finalize(st);
done:
    if (rc == RECON_OK)
        return rc_commit(db);
    rc_rollback(db);
    return rc;
}
