/* schema: the SQLite schema and its migrations. PRAGMA user_version holds
 * the version; each migration moves it up by one inside the same
 * transaction as its DDL, so a database is never left half-migrated.
 *
 * The tables are a public interface (reporting tools query them), so they
 * are STRICT, use integer minor units and ISO 8601 text times, and keep to
 * SQL that PostgreSQL would also accept where that costs nothing. */
#include <stdio.h>

#include "internal.h"

/* Version 1: sources, imports, transactions (the canonical record),
 * failures. */
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
    "  status          TEXT NOT NULL DEFAULT 'unmatched'"
    "                    CHECK (status = 'unmatched' OR status = 'matched'"
    "                    OR status = 'exception' OR status = 'ignored'),"
    "  UNIQUE (source_id, external_id)"
    ") STRICT;"

    "CREATE TABLE failures ("
    "  id          INTEGER PRIMARY KEY,"
    "  import_id   INTEGER REFERENCES imports(id),"
    "  source_id   INTEGER REFERENCES sources(id),"
    "  line        INTEGER,"
    "  field       TEXT,"
    "  column_name TEXT,"
    "  reason      TEXT NOT NULL,"
    "  message     TEXT NOT NULL,"
    "  raw         TEXT,"
    "  created_at  TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX failures_by_import ON failures(import_id);";

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
