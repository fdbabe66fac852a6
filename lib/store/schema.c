/* schema: brings a database to this library's schema when it is opened.
 *
 * Three parts, applied in one transaction so that a database is never
 * left half-upgraded:
 * - migrations (lib/store/sql/NNNN_*.sql, compiled in): the tables and
 *   indexes, append-only; PRAGMA user_version counts those applied;
 * - views (lib/store/sql/views.sql): derived, so they are re-created whenever their text
 *   differs from the one the database records (meta 'views_sha256');
 * - mirrors of compiled-in tables (error codes, currencies), refreshed
 *   when their signature changes.
 * A database whose version is above this library's is refused before
 * anything is written to it (rc_schema_check_version, called by
 * recon_open before any pragma). On a read-only handle nothing can be
 * written: outdated views are shadowed by TEMP views of this library's,
 * and a database that needs a migration is refused. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errors/errtable.h"
#include "store/store.h"
#include "util/builtin.h"
#include "util/hash.h"

static int user_version(recon_db *db, int *out) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "PRAGMA user_version", &st);
    if (rc) return rc;
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

static int refuse_newer(recon_db *db, int have) {
    return rc_fail(db, RECON_ESCHEMA,
                   "database schema version %d is newer than this librecon's (%d): it was "
                   "written by a later release; open it with that release or a newer one",
                   have, RECON_SCHEMA_VERSION);
}

int rc_schema_check_version(recon_db *db) {
    int have;
    int rc = user_version(db, &have);
    if (rc) return rc;
    return have > RECON_SCHEMA_VERSION ? refuse_newer(db, have) : RECON_OK;
}

const char *rc_schema_migration(int version) {
    return version >= 1 && version <= (int)rc_nmigrations ? rc_migrations[version - 1] : NULL;
}

/* ---- views -------------------------------------------------------------------------- */

/* Generated from lib/store/sql/views.sql (build/gen/sql_views.c). */
extern const char *const rc_views[];
extern const size_t rc_nviews;

size_t rc_views_count(void) {
    return rc_nviews;
}

const char *rc_view_sql(size_t i) {
    return i < rc_nviews ? rc_views[i] : NULL;
}

/* The name in "CREATE VIEW name AS ...". */
static int view_name(const char *sql, char out[64]) {
    static const char PREFIX[] = "CREATE VIEW ";
    if (strncmp(sql, PREFIX, sizeof PREFIX - 1) != 0) return -1;
    const char *p = sql + sizeof PREFIX - 1;
    size_t n = strcspn(p, " ");
    if (n == 0 || n >= 64) return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

static int drop_views(recon_db *db) {
    for (size_t i = 0; i < rc_views_count(); i++) {
        char name[64], sql[128];
        if (view_name(rc_view_sql(i), name))
            return rc_fail(db, RECON_ERROR, "views.sql: statement %zu is not CREATE VIEW", i);
        snprintf(sql, sizeof sql, "DROP VIEW IF EXISTS main.%s", name);
        int rc = rc_exec(db, sql);
        if (rc) return rc;
    }
    return RECON_OK;
}

/* Creates every view, in main or (temp) as TEMP views that shadow main's:
 * SQLite resolves an unqualified name in temp first. */
static int create_views(recon_db *db, int temp) {
    for (size_t i = 0; i < rc_views_count(); i++) {
        const char *sql = rc_view_sql(i);
        char *stmt = temp ? sqlite3_mprintf("CREATE TEMP VIEW %s", sql + strlen("CREATE VIEW "))
                          : sqlite3_mprintf("%s", sql);
        if (!stmt) return rc_fail(db, RECON_ENOMEM, "creating the views: out of memory");
        int rc = rc_exec(db, stmt);
        sqlite3_free(stmt);
        if (rc) return rc;
    }
    return RECON_OK;
}

/* ---- the mirrored error table ---------------------------------------------------- */

static int fill_unified(recon_db *db) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "INSERT INTO unified_codes VALUES (?1, ?2, ?3, ?4, ?5)", &st);
    for (size_t i = 0; rc == RECON_OK && i < recon_unified_code_count(); i++) {
        recon_unified_code u = RECON_UNIFIED_CODE_INIT;
        recon_unified_code_get(i, &u);
        sqlite3_bind_text(st, 1, u.code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, u.category, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, u.retryable);
        sqlite3_bind_text(st, 4, recon_retry_policy_name(u.retry_policy), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, u.meaning, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "mirroring the unified codes");
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
                        " description, spec, iso8583)"
                        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
                        &st);
    for (size_t i = 0; rc == RECON_OK && i < recon_error_table_count(); i++) {
        recon_error_row r = RECON_ERROR_ROW_INIT;
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
        sqlite3_bind_text(st, 13, r.iso8583, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "mirroring the error codes");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int fill_decline_codes(recon_db *db) {
    sqlite3_stmt *st;
    int rc =
        rc_prepare(db, "INSERT INTO decline_codes VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)", &st);
    for (size_t i = 0; rc == RECON_OK && i < recon_decline_code_count(); i++) {
        recon_decline_code d = RECON_DECLINE_CODE_INIT;
        recon_decline_code_get(i, &d);
        const char *text[] = {d.code, d.decline_type, d.visa_category, d.iso8583};
        for (int k = 0; k < 4; k++)
            sqlite3_bind_text(st, 1 + k, text[k], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, d.retry_first_minutes);
        sqlite3_bind_int(st, 6, d.retry_max);
        sqlite3_bind_int(st, 7, d.retry_days);
        sqlite3_bind_text(st, 8, d.retry_advice, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, d.customer_action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, d.sources, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "mirroring the decline codes");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int meta_set(recon_db *db, const char *key, const char *value) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = rc_fail_sql(db, "recording a mirrored table's version");
    sqlite3_finalize(st);
    return rc;
}

/* The compiled-in currency table's signature (FNV-1a over every field):
 * it changes whenever a code, number or exponent does. It starts from its
 * own basis, not FNV's (a digit short of it), as it always has: databases
 * record the signature, and another would refill every mirror once. */
static void currency_signature(char *out, size_t size) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < rc_ncurrencies; i++) {
        const rc_currency *c = &rc_currencies[i];
        unsigned char b[11];
        memcpy(b, c->code, 3);
        for (int k = 0; k < 4; k++) {
            b[3 + k] = (unsigned char)((unsigned)c->numeric >> (8 * k));
            b[7 + k] = (unsigned char)((unsigned)c->exponent >> (8 * k));
        }
        h = rc_fnv1a(h, b, sizeof b);
    }
    snprintf(out, size, "%zu-%016llx", rc_ncurrencies, (unsigned long long)h);
}

static int fill_currencies(recon_db *db) {
    int rc = rc_exec(db, "DELETE FROM currencies");
    sqlite3_stmt *st;
    if (rc || (rc = rc_prepare(db, "INSERT INTO currencies VALUES (?1, ?2, ?3, ?4)", &st)))
        return rc;
    for (size_t i = 0; rc == RECON_OK && i < rc_ncurrencies; i++) {
        const rc_currency *c = &rc_currencies[i];
        int64_t unit = 1;
        for (int k = 0; k < c->exponent; k++)
            unit *= 10;
        sqlite3_bind_text(st, 1, c->code, 3, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, c->numeric);
        sqlite3_bind_int(st, 3, c->exponent);
        sqlite3_bind_int64(st, 4, unit);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "mirroring the currencies");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- bringing a database up to date -------------------------------------------- */

/* What a database lacks of this library's schema. */
typedef struct {
    int version;    /* PRAGMA user_version: migrations applied */
    int views;      /* its views differ from this library's (and are not newer) */
    int errors;     /* its mirrored error table differs */
    int currencies; /* its mirrored currency table differs */
} schema_state;

static int meta_int(const char *text) {
    int v = 0;
    for (const char *p = text; *p >= '0' && *p <= '9' && v < 100000; p++)
        v = v * 10 + (*p - '0');
    return v;
}

/* The meta rows the upkeep compares, in one query: every open reads them. */
#define MARK_MAX 80
typedef struct {
    char views[MARK_MAX], views_version[MARK_MAX], errors[MARK_MAX], currencies[MARK_MAX];
} meta_marks;

static int read_marks(recon_db *db, meta_marks *m) {
    memset(m, 0, sizeof *m);
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "SELECT key, value FROM meta WHERE key IN"
                        " ('views_sha256', 'views_version', 'error_table', 'currencies')",
                        &st);
    if (rc) return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *value = (const char *)sqlite3_column_text(st, 1);
        char *to = !strcmp(key, "views_sha256")    ? m->views
                   : !strcmp(key, "views_version") ? m->views_version
                   : !strcmp(key, "error_table")   ? m->errors
                                                   : m->currencies;
        snprintf(to, MARK_MAX, "%s", value);
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "reading meta");
}

static int read_state(recon_db *db, const char *currencies, schema_state *s) {
    int rc = user_version(db, &s->version);
    if (rc) return rc;
    if (s->version == 0 || s->version > RECON_SCHEMA_VERSION) {
        /* New (no meta table yet), or refused before anything is read. */
        s->views = s->errors = s->currencies = 1;
        return RECON_OK;
    }
    meta_marks m;
    if ((rc = read_marks(db, &m)) != RECON_OK) return rc;
    /* Views of a later interface version come from a newer librecon;
     * columns are only ever added, so they serve this one too: keep them
     * rather than take the database back a version. */
    s->views =
        strcmp(m.views, rc_views_sha256) != 0 && meta_int(m.views_version) <= RC_VIEWS_VERSION;
    s->errors = strcmp(m.errors, rc_error_table_hash) != 0;
    s->currencies = strcmp(m.currencies, currencies) != 0;
    return RECON_OK;
}

static int apply_migrations(recon_db *db, int from) {
    for (int v = from; v < RECON_SCHEMA_VERSION; v++) {
        int rc = rc_exec(db, rc_migrations[v]);
        if (rc == RECON_OK) rc = set_user_version(db, v + 1);
        if (rc)
            return rc_fail(db, rc, "migrating the schema to version %d: %.900s", v + 1,
                           recon_errmsg(db));
    }
    return RECON_OK;
}

static int apply_views(recon_db *db) {
    char version[16];
    snprintf(version, sizeof version, "%d", RC_VIEWS_VERSION);
    int rc = create_views(db, 0);
    if (rc == RECON_OK && (rc = meta_set(db, "views_sha256", rc_views_sha256)) == RECON_OK)
        rc = meta_set(db, "views_version", version);
    return rc;
}

static int apply_mirrors(recon_db *db, const schema_state *s, const char *currencies) {
    int rc = RECON_OK;
    if (s->errors &&
        ((rc = rc_exec(db, "DELETE FROM unified_codes; DELETE FROM error_codes;"
                           " DELETE FROM decline_codes;")) ||
         (rc = fill_unified(db)) || (rc = fill_error_codes(db)) || (rc = fill_decline_codes(db)) ||
         (rc = meta_set(db, "error_table", rc_error_table_hash))))
        return rc;
    if (s->currencies &&
        ((rc = fill_currencies(db)) || (rc = meta_set(db, "currencies", currencies))))
        return rc;
    return RECON_OK;
}

/* A read-only handle writes nothing: it can use a database whose views
 * are outdated (this library's shadow them as TEMP views for the life of
 * the handle) or whose mirrors are (they only feed reporting joins; the
 * next read-write open refreshes them), not one that lacks tables. */
static int update_read_only(recon_db *db, const schema_state *s) {
    if (s->version < RECON_SCHEMA_VERSION)
        return rc_fail(db, RECON_ESCHEMA,
                       "database schema version %d needs migrating to %d, which a read-only "
                       "handle cannot do: open it once read-write with this librecon",
                       s->version, RECON_SCHEMA_VERSION);
    return s->views ? create_views(db, 1) : RECON_OK;
}

int rc_schema_update(recon_db *db, int read_only) {
    char currencies[64];
    currency_signature(currencies, sizeof currencies);
    schema_state s;
    int rc = read_state(db, currencies, &s);
    if (rc) return rc;
    if (s.version > RECON_SCHEMA_VERSION) return refuse_newer(db, s.version);
    int migrate = s.version < RECON_SCHEMA_VERSION;
    if (!migrate && !s.views && !s.errors && !s.currencies)
        return RECON_OK; /* every open but the first after an upgrade */
    if (read_only) return update_read_only(db, &s);

    if ((rc = rc_begin(db)) != RECON_OK) return rc;
    /* Again under the write lock: another process may have done it. */
    if ((rc = read_state(db, currencies, &s)) != RECON_OK) goto done;
    if (s.version > RECON_SCHEMA_VERSION) {
        rc = refuse_newer(db, s.version);
        goto done;
    }
    migrate = s.version < RECON_SCHEMA_VERSION;
    /* Views go first and come back last: a migration may reshape a table
     * a view reads, and the views must be this library's afterwards. */
    if (migrate || s.views) {
        if ((rc = drop_views(db)) || (rc = apply_migrations(db, s.version)) ||
            (rc = apply_views(db)))
            goto done;
    }
    rc = apply_mirrors(db, &s, currencies);
done:
    if (rc == RECON_OK) return rc_commit(db);
    rc_rollback(db);
    return rc;
}
