/* store: the database handle and what every module that reads or writes
 * SQL shares: error messages from SQLite, statements, transactions, the
 * audit clock, and the schema's upkeep (schema.c). The only
 * header that hands out sqlite3: a module that includes it is the store or
 * one of the adapters docs/ARCHITECTURE.md names. */
#ifndef RECON_STORE_H
#define RECON_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "recon.h"
#include "util/error.h"

struct recon_db {
    sqlite3 *sql;
    int busy_timeout_ms;           /* as opened: named in "database is busy" messages */
    int fk_suspended;              /* rc_begin_trusted turned foreign keys off */
    const char *import_encoding;   /* the last import's file encoding (a static name), or NULL */
    int borrowed;                  /* recon_open_sqlite: the caller's connection, never closed */
    int in_savepoint;              /* rc_begin found the caller's transaction open */
    int writing;                   /* between rc_begin and its commit or rollback */
    int summarising;               /* rc_summary_refresh: a write the handler sees, but
                                      never interrupts (its stop waits for the read) */
    recon_progress_fn progress_fn; /* recon_progress_handler */
    void *progress_payload;
    uint64_t progress_ticks; /* over the handle's life: `work` only grows */
    int progress_stop;       /* what progress_fn returned to stop the call, or 0 */
    char errmsg[1024];
};

/* Sets the handle's message and returns `code`, so callers can write
 * `return rc_fail(db, RECON_EIO, "...")`. */
int rc_fail(recon_db *db, int code, const char *fmt, ...) RC_PRINTF(3, 4);

/* Every public function that takes the handle starts with this, so that
 * recon_errmsg describes the most recent call ("no error" after a
 * success), never an older failure that a later success left behind. */
static inline void rc_clear_error(recon_db *db) {
    if (db) {
        db->errmsg[0] = '\0';
        db->progress_stop = 0;
    }
}

/* A callback of the caller's returned r (non-zero) during `doing`: the
 * call stops with RECON_ECANCELLED for a deliberate stop (r > 0) or
 * RECON_EUSER for the callback's own failure (r < 0), never r itself,
 * which could read as one of the library's codes (include/recon.h,
 * "Callbacks"). The message names r. */
int rc_callback_stop(recon_db *db, int r, const char *doing);

/* RECON_OK for a struct the caller filled (a filter) of any version from
 * 1 to `current`, else RECON_EMISUSE naming its type and both versions. */
int rc_check_version(recon_db *db, unsigned v, unsigned current, const char *type);

/* RECON_OK when the caller set the version of the output struct `out`
 * (of type `type`, for function fn), else RECON_EMISUSE saying so. */
int rc_out_check(recon_db *db, const void *out, const char *fn, const char *type);

/* Maps the handle's last SQLite error to a status and message, prefixed by
 * what we were doing. */
int rc_fail_sql(recon_db *db, const char *doing);

/* Runs SQL without results; on failure sets the message. */
int rc_exec(recon_db *db, const char *sql);

/* Prepares a statement, setting the message on failure. */
int rc_prepare(recon_db *db, const char *sql, sqlite3_stmt **out);

/* Transactions. rc_begin takes the write lock up front (BEGIN IMMEDIATE) so
 * that two writers wait on the busy timeout instead of deadlocking. When
 * the caller's own transaction is open on the connection (a handle from
 * recon_open_sqlite), the work runs in a savepoint of it instead: the
 * caller's COMMIT or ROLLBACK decides, and a failure here undoes only
 * this call's writes. Not nested: one library call holds one. */
int rc_begin(recon_db *db);
int rc_commit(recon_db *db);
void rc_rollback(recon_db *db);
/* Ends what rc_begin began: commits when rc is RECON_OK (returning the
 * commit's status), else rolls back and returns rc. */
int rc_finish(recon_db *db, int rc);

/* A write transaction whose rows refer only to rows read or written within
 * it (the match run): rc_begin without SQLite's foreign-key lookups, which
 * were a fifth of a million-match run (BENCHMARKS.md). The pragma cannot
 * change inside a transaction, so it is set around it: end with rc_commit
 * or rc_rollback, then always rc_end_trusted, which turns the checks back
 * on. Tests run PRAGMA foreign_key_check after such runs. */
int rc_begin_trusted(recon_db *db);
void rc_end_trusted(recon_db *db);

/* The audit clock: the current UTC time as "YYYY-MM-DDTHH:MM:SSZ", for the
 * columns that say when a row was written. Nothing the engine decides
 * reads it (docs/ARCHITECTURE.md, "Two kinds of time"). */
void rc_now_utc(char buf[21]);

/* Refuses (RECON_ESCHEMA, naming both versions) a database whose schema
 * version is above this library's. Reads only: recon_open calls it before
 * any pragma, so that such a file is left byte for byte as it was
 * (schema.c). */
int rc_schema_check_version(recon_db *db);

/* Brings the database to this library's schema in one transaction:
 * migrations up to RECON_SCHEMA_VERSION, the views when their text
 * changed, the mirrored tables when theirs did. A read-only handle writes
 * nothing: outdated views are shadowed by TEMP ones, and a database that
 * needs a migration is refused (schema.c). */
int rc_schema_update(recon_db *db, int read_only);

/* Migration `version` (1 = the first) as compiled in, or NULL. */
const char *rc_schema_migration(int version);

/* The SHA-256 (hex) of the views' statements, each followed by a NUL, as
 * recorded in meta 'views_sha256' of a database that has them: computed
 * when the library is built (scripts/sqlembed.py), not at every open. */
extern const char rc_views_sha256[];

/* The views (lib/store/sql/views.sql, compiled in by scripts/sqlembed.py):
 * statement i is "CREATE VIEW name AS ...", in creation order.
 * RC_VIEWS_VERSION is the documented interface version (docs/REPORTING.md),
 * raised when a column is added. */
#define RC_VIEWS_VERSION 1
size_t rc_views_count(void);
const char *rc_view_sql(size_t i);

/* Finds the source `name`, creating it with `type` if absent. A source that
 * exists with another type is RECON_ECONFLICT. Inside a transaction. */
int rc_source_get_or_create(recon_db *db, const char *name, recon_source_type type,
                            int64_t *out_id);

#endif
