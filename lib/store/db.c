/* db: the database handle. Opening (the newer-schema check, pragmas, the
 * schema's upkeep in schema.c), closing, error messages and the small
 * statement and transaction helpers every adapter uses. SQL lives only in
 * store/ and the adapters scripts/check-layers.py names, so a second
 * storage backend would be this layer's work plus those adapters
 * (docs/SCALE.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/opts.h"
#include "util/utf8.h"

const char *recon_version(void) {
    return RECON_VERSION;
}

int recon_schema_version(void) {
    return RECON_SCHEMA_VERSION;
}

const char *recon_strerror(int status) {
    switch (status) {
    case RECON_OK:
        return "ok";
    case RECON_ERROR:
        return "internal error";
    case RECON_ENOMEM:
        return "out of memory";
    case RECON_EIO:
        return "file could not be opened or read";
    case RECON_EDB:
        return "database error";
    case RECON_EBUSY:
        return "database is locked by another writer";
    case RECON_EMISUSE:
        return "invalid argument";
    case RECON_ENOTFOUND:
        return "not found";
    case RECON_EPROFILE:
        return "invalid profile";
    case RECON_EHEADER:
        return "file header does not fit the profile";
    case RECON_EFORMAT:
        return "not a usable CSV file";
    case RECON_ESCHEMA:
        return "database schema cannot be used by this librecon";
    case RECON_ECONFLICT:
        return "conflict with stored data";
    case RECON_EUSER:
        return "a callback of the caller failed";
    case RECON_ECANCELLED:
        return "cancelled by the caller";
    default:
        return "unknown status";
    }
}

int rc_fail(recon_db *db, int code, const char *fmt, ...) {
    if (db) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int rc_callback_stop(recon_db *db, int r, const char *doing) {
    if (r > 0)
        return rc_fail(db, RECON_ECANCELLED, "%s: stopped by the callback (it returned %d)", doing,
                       r);
    return rc_fail(db, RECON_EUSER, "%s: the callback failed (it returned %d)", doing, r);
}

int rc_check_version(recon_db *db, unsigned v, unsigned current, const char *type) {
    if (v >= 1 && v <= current) return RECON_OK;
    return rc_fail(db, RECON_EMISUSE, "%s version %u; this library takes 1 to %u", type, v,
                   current);
}

int rc_out_check(recon_db *db, const void *out, const char *fn, const char *type) {
    if (!out) return rc_fail(db, RECON_EMISUSE, "%s: no %s to fill", fn, type);
    if (rc_out_version(out) == 0)
        return rc_fail(db, RECON_EMISUSE,
                       "%s: the %s's version is 0: initialise it (its _INIT macro) first", fn,
                       type);
    return RECON_OK;
}

int rc_fail_sql(recon_db *db, const char *doing) {
    if (db->progress_stop) /* the interrupt was the caller's progress handler */
        return rc_callback_stop(db, db->progress_stop, doing);
    int ext = sqlite3_extended_errcode(db->sql);
    int primary = ext & 0xff;
    int code = RECON_EDB;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        code = RECON_EBUSY;
    else if (primary == SQLITE_NOMEM)
        code = RECON_ENOMEM;
    /* An I/O error says what the system said (ENOSPC, EFBIG, EACCES, ...):
     * "disk I/O error" alone names no problem anyone can fix. */
    int sys = sqlite3_system_errno(db->sql);
    if (sys && (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN))
        return rc_fail(db, code, "%s: %s (sqlite %d: %s)", doing, sqlite3_errmsg(db->sql), ext,
                       strerror(sys));
    /* SQLite does not always keep the errno of a failed write: say what a
     * failed write most likely is. */
    if (ext == SQLITE_IOERR_WRITE || ext == SQLITE_IOERR_SHMSIZE || ext == SQLITE_IOERR_FSYNC ||
        ext == SQLITE_IOERR_TRUNCATE)
        return rc_fail(db, code,
                       "%s: %s (sqlite %d): a write to the database failed: is the "
                       "disk full, or the file over a size limit?",
                       doing, sqlite3_errmsg(db->sql), ext);
    /* Name the file: the fix (permissions, a read-only mount) is there. */
    if (primary == SQLITE_READONLY)
        return rc_fail(db, code, "%s: %s (sqlite %d): %s is read-only to this process", doing,
                       sqlite3_errmsg(db->sql), ext, sqlite3_db_filename(db->sql, "main"));
    /* SQLite's sum() refuses a total past int64_t: say which totals. */
    if (primary == SQLITE_ERROR && strcmp(sqlite3_errmsg(db->sql), "integer overflow") == 0)
        return rc_fail(db, code,
                       "%s: integer overflow: a total of amounts is beyond what "
                       "64-bit minor units hold (rows with amounts near the limit, "
                       "docs/LIMITS.md)",
                       doing);
    /* "database is locked" alone reads like a permanent state: say that
     * another connection held it for the whole timeout. */
    if (code == RECON_EBUSY)
        return rc_fail(db, code,
                       "%s: database is busy: another connection kept it locked for longer than "
                       "the busy timeout (%d ms): %s (sqlite %d)",
                       doing, db->busy_timeout_ms, sqlite3_errmsg(db->sql), ext);
    return rc_fail(db, code, "%s: %s (sqlite %d)", doing, sqlite3_errmsg(db->sql), ext);
}

int rc_exec(recon_db *db, const char *sql) {
    if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
        return rc_fail_sql(db, "executing SQL");
    return RECON_OK;
}

int rc_prepare(recon_db *db, const char *sql, sqlite3_stmt **out) {
    if (sqlite3_prepare_v2(db->sql, sql, -1, out, NULL) != SQLITE_OK) {
        *out = NULL;
        return rc_fail_sql(db, "preparing a statement");
    }
    return RECON_OK;
}

/* How often SQLite calls back, in virtual-machine steps: a few
 * milliseconds of work, so a stop is prompt and the caller's function
 * costs nothing measurable. */
enum { PROGRESS_STEPS = 1000000 };

/* SQLite's progress handler: hands the caller's handler the work done,
 * and interrupts the statement when it asks to stop. Never during a
 * write: an interrupted INSERT inside a transaction makes SQLite roll back
 * the whole transaction, the caller's own included. */
static int sqlite_progress(void *arg) {
    recon_db *db = arg;
    if ((db->writing && !db->summarising) || !db->progress_fn || db->progress_stop)
        return db->progress_stop != 0 && !db->writing;
    db->progress_ticks++;
    recon_progress p = {.version = RECON_PROGRESS_VERSION,
                        .work = db->progress_ticks * PROGRESS_STEPS};
    int r = db->progress_fn(&p, db->progress_payload);
    if (r) db->progress_stop = r;
    return r != 0 && !db->writing;
}

int recon_progress_handler(recon_db *db, recon_progress_fn fn, void *payload) {
    rc_clear_error(db);
    if (!db || !db->sql) return RECON_EMISUSE;
    db->progress_fn = fn;
    db->progress_payload = payload;
    sqlite3_progress_handler(db->sql, fn ? PROGRESS_STEPS : 0, fn ? sqlite_progress : NULL, db);
    return RECON_OK;
}

int rc_begin(recon_db *db) {
    db->in_savepoint = !sqlite3_get_autocommit(db->sql);
    const char *sql = db->in_savepoint ? "SAVEPOINT recon_call" : "BEGIN IMMEDIATE";
    if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK) {
        db->in_savepoint = 0;
        return rc_fail_sql(db, "starting a transaction");
    }
    db->writing = 1;
    return RECON_OK;
}

int rc_begin_trusted(recon_db *db) {
    /* Inside a caller's transaction the pragma would be a silent no-op:
     * then the checks simply stay as they are. */
    db->fk_suspended = 0;
    if (sqlite3_get_autocommit(db->sql)) {
        if (sqlite3_exec(db->sql, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) != SQLITE_OK)
            return rc_fail_sql(db, "starting a transaction");
        db->fk_suspended = 1;
    }
    int rc = rc_begin(db);
    if (rc) rc_end_trusted(db);
    return rc;
}

void rc_end_trusted(recon_db *db) {
    if (db->fk_suspended && sqlite3_get_autocommit(db->sql))
        sqlite3_exec(db->sql, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    db->fk_suspended = 0;
}

int rc_commit(recon_db *db) {
    const char *sql = db->in_savepoint ? "RELEASE recon_call" : "COMMIT";
    if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK) {
        int rc = rc_fail_sql(db, "committing");
        rc_rollback(db);
        return rc;
    }
    db->in_savepoint = 0;
    db->writing = 0;
    return RECON_OK;
}

int rc_finish(recon_db *db, int rc) {
    if (rc == RECON_OK) return rc_commit(db);
    rc_rollback(db);
    return rc;
}

void rc_rollback(recon_db *db) {
    db->writing = 0;
    if (db->in_savepoint) {
        /* Undoes this call's writes and leaves the caller's transaction
         * open, as it found it. */
        sqlite3_exec(db->sql, "ROLLBACK TO recon_call; RELEASE recon_call", NULL, NULL, NULL);
        db->in_savepoint = 0;
    } else if (!sqlite3_get_autocommit(db->sql)) {
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    }
}

void rc_now_utc(char buf[21]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t monotonic_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Runs PRAGMA journal_mode = WAL. Switching the mode needs an exclusive
 * lock, and SQLite returns SQLITE_BUSY for it at once, without calling the
 * busy handler, when another connection holds a lock (another program
 * writing, or a second process creating the same new database). So retry
 * here, with a short growing sleep, until the handle's busy timeout is
 * spent: the same promise every other statement keeps. */
static int enable_wal(recon_db *db, int timeout_ms) {
    /* An in-memory or temporary database ("", ":memory:", a memory URI)
     * has no file to share with readers: WAL does not apply, and SQLite
     * keeps its journal in memory. */
    const char *file = sqlite3_db_filename(db->sql, "main");
    if (!file || !file[0]) return RECON_OK;
    const int64_t deadline = monotonic_ms() + timeout_ms;
    int pause_ms = 1;
    for (;;) {
        sqlite3_stmt *st;
        int rc = rc_prepare(db, "PRAGMA journal_mode = WAL", &st);
        if (rc) return rc;
        int step = sqlite3_step(st);
        int wal = step == SQLITE_ROW &&
                  sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
        sqlite3_finalize(st);
        if (wal) return RECON_OK;
        int busy = (sqlite3_extended_errcode(db->sql) & 0xff) == SQLITE_BUSY ||
                   (sqlite3_extended_errcode(db->sql) & 0xff) == SQLITE_LOCKED;
        if (step == SQLITE_ROW || !busy)
            return step == SQLITE_ROW
                       ? rc_fail(db, RECON_EDB, "enabling WAL: the database refused WAL mode")
                       : rc_fail_sql(db, "enabling WAL");
        if (monotonic_ms() >= deadline) return rc_fail_sql(db, "enabling WAL");
        struct timespec pause = {0, (long)pause_ms * 1000000L};
        nanosleep(&pause, NULL);
        if (pause_ms < 50) pause_ms *= 2;
    }
}

static int apply_pragmas(recon_db *db, const recon_open_opts *o) {
    int rc;
    if (o->read_only) return rc_exec(db, "PRAGMA foreign_keys = ON");
    /* 16 KiB pages (only takes effect on a new, empty database): imports
     * write rows of a few hundred bytes by the million, and larger pages
     * mean a quarter of the page writes, WAL frames and b-tree splits of
     * 4 KiB pages (BENCHMARKS.md). */
    if ((rc = rc_exec(db, "PRAGMA page_size = 16384")) != RECON_OK) return rc;
    if ((rc = enable_wal(db, o->busy_timeout_ms)) != RECON_OK) return rc;
    /* WAL lets reporting tools read while an import writes; NORMAL
     * synchronous is durable across application crashes in WAL mode and
     * loses at most the last commits on power loss, never consistency. */
    return rc_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                       "PRAGMA temp_store = FILE");
}

/* A 32 MiB page cache by default (SQLite's is 2 MiB) holds the hot part of
 * the (source, external_id) index during an import, whose keys arrive in
 * random order; with 2 MiB most inserts re-read and re-write an index
 * page. Set only once the schema has been read: SQLite turns a size in KiB
 * into a page count with the page size it knows at that moment, and before
 * the first read that is the 4 KiB default, which would give a 16 KiB-page
 * database four times the memory asked for. */
static int set_cache(recon_db *db, const recon_open_opts *o) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", o->cache_kib ? o->cache_kib : 32768);
    return rc_exec(db, sql);
}

/* The handle's checks and upkeep once its connection is open: the
 * version check, the pragmas (not on a caller's connection, whose journal
 * mode, cache and synchronous setting are the caller's), migrations. */
static int open_common(recon_db *db, const recon_open_opts *o) {
    /* A newer database is refused before the pragmas: turning on WAL
     * rewrites the file header, and such a file must stay as it was. */
    int rc = rc_schema_check_version(db);
    if (rc == RECON_OK)
        rc = db->borrowed ? rc_exec(db, "PRAGMA foreign_keys = ON") : apply_pragmas(db, o);
    if (rc == RECON_OK) rc = rc_schema_update(db, o->read_only);
    if (rc == RECON_OK && !db->borrowed) rc = set_cache(db, o);
    return rc;
}

/* A new handle into both *out (so that a failure's message can be read)
 * and *db. */
static int new_handle(recon_db **out, recon_db **db) {
    if (!out) return RECON_EMISUSE;
    *out = *db = calloc(1, sizeof **db);
    if (!*db) return RECON_ENOMEM;
    return RECON_OK;
}

/* Options both openers refuse (the defaults never are): another version,
 * a negative busy timeout or cache size. */
static int bad_opts(const recon_open_opts *opts) {
    return opts && (opts->version != RECON_OPEN_OPTS_VERSION || opts->busy_timeout_ms < 0 ||
                    opts->cache_kib < 0);
}

int recon_open_sqlite(struct sqlite3 *sql, const recon_open_opts *opts, recon_db **out) {
    recon_open_opts defaults = RECON_OPEN_OPTS_INIT;
    const recon_open_opts *o = opts ? opts : &defaults;
    recon_db *db;
    int rc = new_handle(out, &db);
    if (rc) return rc;
    db->borrowed = 1;
    if (!sql || bad_opts(opts))
        return rc_fail(db, RECON_EMISUSE, "recon_open_sqlite: invalid connection or options");
    db->sql = sql;
    /* The busy timeout is set only when the caller passes options: the
     * connection's own handler stays otherwise. */
    if (opts) sqlite3_busy_timeout(sql, o->busy_timeout_ms);
    db->busy_timeout_ms = o->busy_timeout_ms;
    return open_common(db, o);
}

int recon_open(const char *path, const recon_open_opts *opts, recon_db **out) {
    recon_open_opts defaults = RECON_OPEN_OPTS_INIT;
    const recon_open_opts *o = opts ? opts : &defaults;
    recon_db *db;
    int rc = new_handle(out, &db);
    if (rc) return rc;
    if (!path || bad_opts(opts))
        return rc_fail(db, RECON_EMISUSE, "recon_open: invalid path or options");

    int flags = o->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    /* NOMUTEX: a handle is used by one thread at a time by contract, so
     * SQLite's per-connection mutex would only cost time. URI: "file:"
     * names ("file:books.db?mode=ro", "file::memory:") are SQLite's URIs;
     * any other path is a plain file name, as before. */
    flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK) {
        if (!db->sql) return rc_fail(db, RECON_ENOMEM, "%s: cannot open database", path);
        return rc_fail(db, RECON_EDB, "%s: cannot open database: %s", path,
                       sqlite3_errmsg(db->sql));
    }
    sqlite3_extended_result_codes(db->sql, 1);
    sqlite3_busy_timeout(db->sql, o->busy_timeout_ms);
    db->busy_timeout_ms = o->busy_timeout_ms;
    rc = open_common(db, o);
    if (rc != RECON_OK) {
        /* Keep the message: the caller reads it before recon_close. */
        char msg[sizeof db->errmsg];
        memcpy(msg, db->errmsg, sizeof msg);
        snprintf(db->errmsg, sizeof db->errmsg, "%.256s: %.700s", path, msg);
    }
    return rc;
}

int recon_close(recon_db *db) {
    if (!db) return RECON_OK;
    int rc = RECON_OK;
    if (db->borrowed) db->sql = NULL; /* the caller's: it closes it */
    if (db->sql && sqlite3_close(db->sql) != SQLITE_OK)
        rc = RECON_EDB; /* a statement was leaked: a bug, but do not lose the memory */
    if (rc != RECON_OK) sqlite3_close_v2(db->sql);
    free(db);
    return rc;
}

const char *recon_errmsg(const recon_db *db) {
    if (!db) return "no database handle";
    return db->errmsg[0] ? db->errmsg : "no error";
}

int rc_source_get_or_create(recon_db *db, const char *name, recon_source_type type,
                            int64_t *out_id) {
    /* Names go into reports, JSON and messages: text, and short. */
    size_t len = strlen(name);
    if (!len || len > 255 || !rc_utf8_valid((const unsigned char *)name, len))
        return rc_fail(db, RECON_EMISUSE, "a source name is 1 to 255 bytes of UTF-8");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return rc_fail(db, RECON_EMISUSE, "a source name has no control characters");
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT id, type FROM sources WHERE name = ?1", &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *have = (const char *)sqlite3_column_text(st, 1);
        const char *want = recon_source_type_name(type);
        *out_id = sqlite3_column_int64(st, 0);
        if (strcmp(have, want) != 0)
            rc = rc_fail(db, RECON_ECONFLICT,
                         "source '%s' exists with type %s; this profile describes a %s source",
                         name, have, want);
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "looking up source");

    char now[21];
    rc_now_utc(now);
    rc = rc_prepare(db, "INSERT INTO sources(name, type, created_at) VALUES (?1, ?2, ?3)", &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, recon_source_type_name(type), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "creating source");
    *out_id = sqlite3_last_insert_rowid(db->sql);
    return RECON_OK;
}
