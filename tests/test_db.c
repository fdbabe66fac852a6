/* Check suite for lib/store/db.c and lib/store/schema.c: opening (schema creation,
 * pragmas, migrations, refusing newer schemas), errors and status strings,
 * and separate handles used from separate threads. Every check looks at a
 * real SQLite file in a temporary directory, through a second connection
 * or the handle's own connection. */
#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include "recon.h"
#include "store/store.h"
#include "testdb.h"

static char tmp[256];
static char dbpath[512];

/* ---- helpers ---------------------------------------------------------------- */

static void setup(void) {
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(dbpath, sizeof dbpath, "%s/books.db", tmp);
}

static void teardown(void) {
    tu_rm_tree(tmp);
}

static recon_db *open_ok(const char *path, const recon_open_opts *opts) {
    recon_db *db = NULL;
    int rc = recon_open(path, opts, &db);
    ck_assert_msg(rc == RECON_OK, "recon_open(%s): %d %s", path, rc, recon_errmsg(db));
    ck_assert_ptr_nonnull(db);
    return db;
}

/* A second, plain connection to the database file. */
static sqlite3 *raw_open(const char *path) {
    sqlite3 *s = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    sqlite3_busy_timeout(s, 5000);
    return s;
}

static long long q_int(sqlite3 *s, const char *sql) {
    sqlite3_stmt *st = NULL;
    ck_assert_msg(sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(s));
    ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row (%s)", sql, sqlite3_errmsg(s));
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The first column of the first row as a malloc'd string (NULL for SQL NULL). */
static char *q_text(sqlite3 *s, const char *sql) {
    sqlite3_stmt *st = NULL;
    ck_assert_msg(sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(s));
    ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row (%s)", sql, sqlite3_errmsg(s));
    const unsigned char *t = sqlite3_column_text(st, 0);
    char *v = t ? strdup((const char *)t) : NULL;
    sqlite3_finalize(st);
    return v;
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* A generic_psp settlement file with n charges whose ids start with prefix. */
static void write_psp_file(const char *name, const char *prefix, int n, char *path, size_t size) {
    size_t cap = 64 + (size_t)n * 96;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t len = (size_t)snprintf(buf, cap, "id,type,created,amount,fee,currency\n");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s_%06d,charge,2024-05-%02dT12:%02d:%02dZ,%d.%02d,0.30,EUR\n",
                                prefix, i, 1 + i % 28, i % 60, (i / 60) % 60, 10 + i % 90, i % 100);
    tu_write_file(tmp, name, buf, len, path, size);
    free(buf);
}

static recon_profile *generic_psp(void) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_msg(recon_profile_builtin("generic_psp", &err, &p) == RECON_OK,
                  "built-in generic_psp: %s", err.message);
    return p;
}

/* A PSP profile parsed here, so that these tests do not depend on the
 * built-in data. */
static recon_profile *local_psp(void) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_msg(recon_profile_parse("[profile]\nname = local_psp\nsource_type = psp\n"
                                      "[columns]\nexternal_id = id\nkind = type\n"
                                      "occurred_at = created\namount = amount\nfee? = fee\n"
                                      "currency = currency\n[kinds]\ncharge = charge\n",
                                      "local_psp", &err, &p) == RECON_OK,
                  "%s", err.message);
    return p;
}

/* ---- opening anything: memory, URIs, the caller's connection ------------------- */

/* Imports a generic_psp file of 40 charges and runs the default rules;
 * the rows inserted. */
static uint64_t import_40(recon_db *db, const char *name) {
    char csv[600];
    write_psp_file(name, "ch", 40, csv, sizeof csv);
    recon_profile *p = local_psp();
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, csv, p, NULL, &res) == RECON_OK, "%s", recon_errmsg(db));
    recon_profile_free(p);
    return res.rows_inserted;
}

static long long db_int(recon_db *db, const char *sql) {
    return q_int(db->sql, sql);
}

START_TEST(test_open_memory_database_works_without_wal) {
    recon_db *db = open_ok(":memory:", NULL);
    char *mode = q_text(db->sql, "PRAGMA journal_mode");
    ck_assert_str_eq(mode, "memory");
    free(mode);
    ck_assert_int_eq(db_int(db, "PRAGMA foreign_keys"), 1);
    ck_assert_int_eq(db_int(db, "PRAGMA user_version"), RECON_SCHEMA_VERSION);
    ck_assert_uint_eq(import_40(db, "mem.csv"), 40);
    ck_assert_int_eq(db_int(db, "SELECT count(*) FROM transactions"), 40);
    /* Two memory handles are two databases. */
    recon_db *other = open_ok(":memory:", NULL);
    ck_assert_int_eq(db_int(other, "SELECT count(*) FROM transactions"), 0);
    recon_close(other);
    recon_close(db);
    /* Nothing was written beside the tests' files. */
    ck_assert(!file_exists(":memory:"));
}
END_TEST

START_TEST(test_open_file_uris) {
    char uri[700];
    snprintf(uri, sizeof uri, "file:%s?mode=rwc", dbpath);
    recon_db *db = open_ok(uri, NULL);
    ck_assert_uint_eq(import_40(db, "uri.csv"), 40);
    recon_close(db);
    ck_assert(file_exists(dbpath)); /* the URI named this file, not a file called "file:..." */
    /* Read-only by URI: reads work, writes are refused by SQLite. */
    snprintf(uri, sizeof uri, "file:%s?mode=ro", dbpath);
    recon_open_opts ro = RECON_OPEN_OPTS_INIT;
    ro.read_only = 1;
    db = open_ok(uri, &ro);
    ck_assert_int_eq(db_int(db, "SELECT count(*) FROM transactions"), 40);
    recon_close(db);
    /* A shared-cache memory database by URI: a second handle sees the first's rows. */
    recon_db *a = open_ok("file:recon_test_mem?mode=memory&cache=shared", NULL);
    recon_db *b = open_ok("file:recon_test_mem?mode=memory&cache=shared", NULL);
    ck_assert_uint_eq(import_40(a, "shared.csv"), 40);
    ck_assert_int_eq(db_int(b, "SELECT count(*) FROM transactions"), 40);
    recon_close(b);
    recon_close(a);
}
END_TEST

/* The caller's connection: its journal mode is left alone, the library
 * never closes it, and the caller's transaction decides what stays. */
START_TEST(test_open_sqlite_uses_the_callers_connection_and_transaction) {
    sqlite3 *mine = raw_open(dbpath);
    ck_assert_int_eq(sqlite3_exec(mine, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL),
                     SQLITE_OK);
    recon_db *db = NULL;
    ck_assert_msg(recon_open_sqlite(mine, NULL, &db) == RECON_OK, "%s", recon_errmsg(db));
    char *mode = q_text(mine, "PRAGMA journal_mode");
    ck_assert_str_eq(mode, "delete");
    free(mode);
    ck_assert_int_eq(q_int(mine, "PRAGMA user_version"), RECON_SCHEMA_VERSION);

    /* Inside the caller's transaction, rolled back: nothing stays. */
    ck_assert_int_eq(sqlite3_exec(mine, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_uint_eq(import_40(db, "a.csv"), 40);
    ck_assert_int_eq(sqlite3_get_autocommit(mine), 0); /* still the caller's, still open */
    recon_match_result mr = RECON_MATCH_RESULT_INIT;
    ck_assert_msg(recon_match_run(db, NULL, &mr) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_int_eq(sqlite3_get_autocommit(mine), 0);
    ck_assert_int_eq(q_int(mine, "SELECT count(*) FROM transactions"), 40);
    ck_assert_int_eq(sqlite3_exec(mine, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(q_int(mine, "SELECT count(*) FROM transactions"), 0);
    ck_assert_int_eq(q_int(mine, "SELECT count(*) FROM imports"), 0);
    ck_assert_int_eq(q_int(mine, "SELECT count(*) FROM match_runs"), 0);

    /* A refused call inside the caller's transaction leaves it open, with
     * the earlier call's writes in it. */
    ck_assert_int_eq(sqlite3_exec(mine, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_uint_eq(import_40(db, "b.csv"), 40);
    ck_assert_int_eq(recon_match_undo(db, 999, "no such match", "tester"), RECON_ENOTFOUND);
    ck_assert_int_eq(sqlite3_get_autocommit(mine), 0);
    ck_assert_int_eq(sqlite3_exec(mine, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(q_int(mine, "SELECT count(*) FROM transactions"), 40);

    /* Without a transaction, each call commits its own. */
    char *html = NULL;
    ck_assert_int_eq(recon_report_html(db, NULL, &html), RECON_OK);
    free(html);
    ck_assert_int_eq(sqlite3_get_autocommit(mine), 1);
    ck_assert_int_eq(recon_close(db), RECON_OK);
    /* Still open and usable after recon_close. */
    ck_assert_int_eq(q_int(mine, "SELECT count(*) FROM transactions"), 40);
    ck_assert_int_eq(sqlite3_close(mine), SQLITE_OK);

    ck_assert_int_eq(recon_open_sqlite(NULL, NULL, &db), RECON_EMISUSE);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "recon_open_sqlite"));
    recon_close(db);
}
END_TEST

/* ---- schema ------------------------------------------------------------------ */

START_TEST(test_open_creates_the_four_tables) {
    recon_db *db = open_ok(dbpath, NULL);
    ck_assert(file_exists(dbpath));
    sqlite3 *s = raw_open(dbpath);
    static const char *const tables[] = {"sources", "imports", "transactions", "failures"};
    for (size_t i = 0; i < 4; i++) {
        char *sql = sqlite3_mprintf(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = %Q", tables[i]);
        ck_assert_msg(q_int(s, sql) == 1, "table %s missing", tables[i]);
        sqlite3_free(sql);
    }
    /* Empty to start with. */
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM sources"), 0);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM transactions"), 0);
    sqlite3_close(s);
    ck_assert_int_eq(recon_close(db), RECON_OK);
}
END_TEST

START_TEST(test_open_sets_user_version_to_schema_version) {
    recon_db *db = open_ok(dbpath, NULL);
    sqlite3 *s = raw_open(dbpath);
    ck_assert_int_eq(q_int(s, "PRAGMA user_version"), RECON_SCHEMA_VERSION);
    sqlite3_close(s);
    recon_close(db);
}
END_TEST

START_TEST(test_open_turns_on_wal) {
    recon_db *db = open_ok(dbpath, NULL);
    /* WAL is a property of the file: a second connection sees it. */
    sqlite3 *s = raw_open(dbpath);
    char *mode = q_text(s, "PRAGMA journal_mode");
    ck_assert_str_eq(mode, "wal");
    free(mode);
    sqlite3_close(s);
    mode = q_text(db->sql, "PRAGMA journal_mode");
    ck_assert_str_eq(mode, "wal");
    free(mode);
    recon_close(db);
}
END_TEST

START_TEST(test_open_turns_on_foreign_keys_and_busy_timeout) {
    recon_db *db = open_ok(dbpath, NULL);
    /* Both are per connection: ask the handle's own connection. */
    ck_assert_int_eq(q_int(db->sql, "PRAGMA foreign_keys"), 1);
    ck_assert_int_eq(q_int(db->sql, "PRAGMA busy_timeout"), 5000);
    /* And they are enforced: an import of a source that does not exist. */
    int rc = sqlite3_exec(db->sql,
                          "INSERT INTO imports(source_id, file_name, file_size, profile,"
                          " started_at, status) VALUES (42, 'f.csv', 1, 'p',"
                          " '2024-01-01T00:00:00Z', 'running')",
                          NULL, NULL, NULL);
    ck_assert_int_eq(rc & 0xff, SQLITE_CONSTRAINT); /* the handle uses extended codes */
    ck_assert_int_eq(sqlite3_extended_errcode(db->sql), SQLITE_CONSTRAINT_FOREIGNKEY);
    recon_close(db);

    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.busy_timeout_ms = 1234;
    db = open_ok(dbpath, &o);
    ck_assert_int_eq(q_int(db->sql, "PRAGMA busy_timeout"), 1234);
    ck_assert_int_eq(q_int(db->sql, "PRAGMA foreign_keys"), 1);
    recon_close(db);
}
END_TEST

START_TEST(test_all_tables_are_strict) {
    recon_db *db = open_ok(dbpath, NULL);
    sqlite3 *s = raw_open(dbpath);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM pragma_table_list WHERE schema = 'main'"
                              " AND name IN ('sources','imports','transactions','failures')"
                              " AND strict = 1"),
                     4);
    sqlite3_close(s);
    recon_close(db);
}
END_TEST

START_TEST(test_transactions_refuses_text_in_amount_minor) {
    recon_db *db = open_ok(dbpath, NULL);
    recon_close(db);
    sqlite3 *s = raw_open(dbpath);
    tu_exec(s, "INSERT INTO sources(id, name, type, created_at)"
               " VALUES (1, 'psp', 'psp', '2024-05-01T00:00:00Z');"
               "INSERT INTO imports(id, source_id, file_name, file_size, profile, started_at,"
               " status) VALUES (1, 1, 'f.csv', 10, 'p', '2024-05-01T00:00:00Z', 'ok');");
    static const char insert[] =
        "INSERT INTO transactions(source_id, import_id, line, external_id, id_generated, kind,"
        " amount_minor, net_minor, currency, occurred_at, content_hash, raw)"
        " VALUES (1, 1, 2, %Q, 0, 'charge', %s, 1000, 'EUR', '2024-05-01', x'00', 'raw')";
    /* Text that even looks like a number is refused: no type affinity games. */
    char *sql = sqlite3_mprintf(insert, "t1", "'12.50'");
    ck_assert_int_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    ck_assert_int_eq(sqlite3_extended_errcode(s), SQLITE_CONSTRAINT_DATATYPE);
    sqlite3_free(sql);
    sql = sqlite3_mprintf(insert, "t2", "'ten'");
    ck_assert_int_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    sqlite3_free(sql);
    sql = sqlite3_mprintf(insert, "t3", "12.5");
    ck_assert_int_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    sqlite3_free(sql);
    /* The same row with an integer goes in: the type was the only problem. */
    sql = sqlite3_mprintf(insert, "t4", "1250");
    tu_exec(s, sql);
    sqlite3_free(sql);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM transactions"), 1);
    ck_assert_int_eq(q_int(s, "SELECT amount_minor FROM transactions"), 1250);
    ck_assert_int_eq(q_int(s, "SELECT typeof(amount_minor) = 'integer' FROM transactions"), 1);
    sqlite3_close(s);
}
END_TEST

START_TEST(test_schema_checks_kind_and_currency) {
    recon_db *db = open_ok(dbpath, NULL);
    recon_close(db);
    sqlite3 *s = raw_open(dbpath);
    tu_exec(s, "INSERT INTO sources(id, name, type, created_at)"
               " VALUES (1, 'psp', 'psp', '2024-05-01T00:00:00Z');"
               "INSERT INTO imports(id, source_id, file_name, file_size, profile, started_at,"
               " status) VALUES (1, 1, 'f.csv', 10, 'p', '2024-05-01T00:00:00Z', 'ok');");
    static const char insert[] =
        "INSERT INTO transactions(source_id, import_id, line, external_id, id_generated, kind,"
        " amount_minor, net_minor, currency, occurred_at, content_hash, raw)"
        " VALUES (1, 1, 2, %Q, 0, %Q, 100, 100, %Q, '2024-05-01', x'00', 'raw')";
    char *sql = sqlite3_mprintf(insert, "a", "sale", "EUR");
    ck_assert_int_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    sqlite3_free(sql);
    sql = sqlite3_mprintf(insert, "b", "charge", "EURO");
    ck_assert_int_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    sqlite3_free(sql);
    ck_assert_int_eq(sqlite3_exec(s,
                                  "INSERT INTO sources(name, type, created_at)"
                                  " VALUES ('w', 'wallet', '2024-05-01T00:00:00Z')",
                                  NULL, NULL, NULL),
                     SQLITE_CONSTRAINT);
    /* (source, external_id) is unique. */
    sql = sqlite3_mprintf(insert, "c", "charge", "EUR");
    tu_exec(s, sql);
    ck_assert_int_eq(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    sqlite3_free(sql);
    sqlite3_close(s);
}
END_TEST

START_TEST(test_reopen_keeps_data_and_schema) {
    recon_db *db = open_ok(dbpath, NULL);
    recon_profile *p = local_psp();
    char csv[512];
    write_psp_file("a.csv", "tx", 3, csv, sizeof csv);
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, csv, p, NULL, &res) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_uint_eq(res.rows_inserted, 3);
    ck_assert_int_eq(recon_close(db), RECON_OK);

    db = open_ok(dbpath, NULL);
    sqlite3 *s = raw_open(dbpath);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM transactions"), 3);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM imports"), 1);
    ck_assert_int_eq(q_int(s, "PRAGMA user_version"), RECON_SCHEMA_VERSION);
    sqlite3_close(s);
    /* The reopened handle sees the earlier import: the file is a no-op. */
    ck_assert_int_eq(recon_import_file(db, csv, p, NULL, &res), RECON_OK);
    ck_assert_int_eq(res.already_imported, 1);
    recon_close(db);
    recon_profile_free(p);
}
END_TEST

/* A database written by the first release (schema 1, committed as
 * tests/fixtures/schema_v1.db: the demo, imported and matched) opens with
 * this one: migrated to the current schema in place, every row kept, and
 * the reporting views answer over the old data. */
START_TEST(test_schema_1_database_is_migrated_keeping_its_data) {
    FILE *in = fopen("tests/fixtures/schema_v1.db", "rb");
    ck_assert_ptr_nonnull(in);
    FILE *out = fopen(dbpath, "wb");
    ck_assert_ptr_nonnull(out);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);

    sqlite3 *s = raw_open(dbpath);
    ck_assert_int_eq(q_int(s, "PRAGMA user_version"), 1);
    sqlite3_close(s);
    recon_close(open_ok(dbpath, NULL));

    s = raw_open(dbpath);
    ck_assert_int_eq(q_int(s, "PRAGMA user_version"), RECON_SCHEMA_VERSION);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM transactions"), 379);
    ck_assert_int_eq(q_int(s, "SELECT sum(amount_minor) FROM transactions"), 8339048);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM matches WHERE undone_at IS NULL"), 8);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM failures"), 3);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM currencies WHERE code = 'JPY' AND unit = 1"),
                     1);
    /* The figures below are as of the end of the demo month, not today. */
    tu_exec(s, "INSERT INTO meta(key, value) VALUES ('report.as_of', '2024-04-30')");
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM v_transactions WHERE status = 'matched'"), 238);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM v_payouts WHERE status = 'ok'"), 8);
    char *v = q_text(s, "SELECT value FROM meta WHERE key = 'views_version'");
    ck_assert_str_eq(v, "1");
    free(v);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM pragma_integrity_check"
                              " WHERE integrity_check <> 'ok'"),
                     0);
    sqlite3_close(s);
}
END_TEST

START_TEST(test_newer_schema_is_refused_naming_both_versions) {
    sqlite3 *s = raw_open(dbpath);
    tu_exec(s, "CREATE TABLE future(x INTEGER); PRAGMA user_version = 42;");
    sqlite3_close(s);

    recon_db *db = NULL;
    ck_assert_int_eq(recon_open(dbpath, NULL, &db), RECON_ESCHEMA);
    ck_assert_ptr_nonnull(db); /* so that the message can be read */
    const char *msg = recon_errmsg(db);
    ck_assert_msg(strstr(msg, dbpath) != NULL, "%s", msg);
    const char *rest = strstr(msg, dbpath) + strlen(dbpath);
    char ours[16];
    snprintf(ours, sizeof ours, "%d", RECON_SCHEMA_VERSION);
    ck_assert_msg(strstr(rest, "42") != NULL, "message lacks the file's version: %s", msg);
    ck_assert_msg(strstr(rest, ours) != NULL, "message lacks our version: %s", msg);
    ck_assert_int_eq(recon_close(db), RECON_OK);

    /* Untouched: no tables added, version unchanged. */
    s = raw_open(dbpath);
    ck_assert_int_eq(q_int(s, "PRAGMA user_version"), 42);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM sqlite_schema WHERE name = 'transactions'"), 0);
    sqlite3_close(s);
}
END_TEST

START_TEST(test_read_only_open_of_missing_file_fails_with_message) {
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.read_only = 1;
    recon_db *db = NULL;
    int rc = recon_open(dbpath, &o, &db);
    ck_assert_int_ne(rc, RECON_OK);
    ck_assert_int_lt(rc, 0);
    ck_assert_ptr_nonnull(db);
    const char *msg = recon_errmsg(db);
    ck_assert_msg(strstr(msg, dbpath) != NULL, "message does not name the file: %s", msg);
    ck_assert_str_ne(msg, "no error");
    recon_close(db);
    ck_assert(!file_exists(dbpath)); /* not created */
}
END_TEST

START_TEST(test_read_only_open_of_existing_db_reads_but_does_not_write) {
    recon_db *db = open_ok(dbpath, NULL);
    recon_close(db);
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.read_only = 1;
    db = open_ok(dbpath, &o);
    ck_assert_int_eq(q_int(db->sql, "SELECT count(*) FROM transactions"), 0);
    recon_profile *p = local_psp();
    char csv[512];
    write_psp_file("a.csv", "tx", 2, csv, sizeof csv);
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_file(db, csv, p, NULL, &res), RECON_EDB);
    ck_assert_msg(strstr(recon_errmsg(db), "readonly") != NULL, "%s", recon_errmsg(db));
    recon_close(db);
    recon_profile_free(p);
    sqlite3 *s = raw_open(dbpath);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM transactions"), 0);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM sources"), 0);
    sqlite3_close(s);
}
END_TEST

START_TEST(test_read_only_open_of_unmigrated_db_is_refused) {
    sqlite3 *s = raw_open(dbpath);
    tu_exec(s, "CREATE TABLE other(x INTEGER)");
    sqlite3_close(s);
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.read_only = 1;
    recon_db *db = NULL;
    ck_assert_int_eq(recon_open(dbpath, &o, &db), RECON_ESCHEMA);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), dbpath));
    recon_close(db);
}
END_TEST

START_TEST(test_open_of_a_non_database_file_fails_with_message) {
    char path[512];
    static const char junk[] = "this is not an sqlite database, just text. "
                               "this is not an sqlite database, just text. "
                               "this is not an sqlite database, just text.\n";
    tu_write_file(tmp, "junk.db", junk, sizeof junk - 1, path, sizeof path);
    recon_db *db = NULL;
    int rc = recon_open(path, NULL, &db);
    ck_assert_int_eq(rc, RECON_EDB);
    ck_assert_ptr_nonnull(db);
    ck_assert_msg(strstr(recon_errmsg(db), path) != NULL, "%s", recon_errmsg(db));
    recon_close(db);
}
END_TEST

/* ---- arguments, messages, status strings --------------------------------------- */

START_TEST(test_open_with_null_path_is_misuse) {
    recon_db *db = NULL;
    ck_assert_int_eq(recon_open(NULL, NULL, &db), RECON_EMISUSE);
    /* The handle, if any, carries a message and closes cleanly. */
    ck_assert_ptr_nonnull(recon_errmsg(db));
    ck_assert_int_eq(recon_close(db), RECON_OK);
    ck_assert_int_eq(recon_open(dbpath, NULL, NULL), RECON_EMISUSE);
    ck_assert(!file_exists(dbpath));
}
END_TEST

START_TEST(test_open_with_bad_options_version_is_misuse) {
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.version = RECON_OPEN_OPTS_VERSION + 1;
    recon_db *db = NULL;
    ck_assert_int_eq(recon_open(dbpath, &o, &db), RECON_EMISUSE);
    ck_assert_ptr_nonnull(recon_errmsg(db));
    recon_close(db);
    o.version = 0;
    db = NULL;
    ck_assert_int_eq(recon_open(dbpath, &o, &db), RECON_EMISUSE);
    recon_close(db);
    o = (recon_open_opts)RECON_OPEN_OPTS_INIT;
    o.busy_timeout_ms = -1;
    db = NULL;
    ck_assert_int_eq(recon_open(dbpath, &o, &db), RECON_EMISUSE);
    recon_close(db);
    o = (recon_open_opts)RECON_OPEN_OPTS_INIT;
    o.cache_kib = -1;
    db = NULL;
    ck_assert_int_eq(recon_open(dbpath, &o, &db), RECON_EMISUSE);
    recon_close(db);
    ck_assert(!file_exists(dbpath)); /* nothing was created */
}
END_TEST

/* New databases get 16 KiB pages; each handle gets the page cache its
 * options ask for (32 MiB by default, 0 meaning the default). */
START_TEST(test_page_size_and_cache_follow_the_options) {
    recon_db *db = open_ok(dbpath, NULL);
    ck_assert_int_eq(q_int(db->sql, "PRAGMA page_size"), 16384);
    ck_assert_int_eq(q_int(db->sql, "PRAGMA cache_size"), -32768);
    recon_close(db);
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.cache_kib = 4096;
    db = open_ok(dbpath, &o);
    ck_assert_int_eq(q_int(db->sql, "PRAGMA cache_size"), -4096);
    recon_close(db);
    o.cache_kib = 0;
    db = open_ok(dbpath, &o);
    ck_assert_int_eq(q_int(db->sql, "PRAGMA cache_size"), -32768);
    recon_close(db);
}
END_TEST

/* The cache holds what was asked in KiB, not that many 4 KiB pages of 16
 * KiB each (which is what a new database got when the cache was sized
 * before its page size was set): write 10 MB through a new database's
 * handle with a 1 MiB cache and look at what the page cache used. */
START_TEST(test_cache_size_is_kib_not_pages) {
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.cache_kib = 1024;
    recon_db *db = open_ok(dbpath, &o);
    tu_exec(db->sql,
            "CREATE TABLE big(x BLOB); BEGIN;"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
            " INSERT INTO big SELECT randomblob(500) FROM n; COMMIT;");
    int cur = 0, high = 0;
    ck_assert_int_eq(sqlite3_db_status(db->sql, SQLITE_DBSTATUS_CACHE_USED, &cur, &high, 0),
                     SQLITE_OK);
    ck_assert_msg(cur <= 1024 * 1024 * 5 / 4, "page cache uses %d bytes for a 1 MiB budget", cur);
    recon_close(db);
}
END_TEST

START_TEST(test_errmsg_is_never_null) {
    ck_assert_ptr_nonnull(recon_errmsg(NULL));
    ck_assert_uint_gt(strlen(recon_errmsg(NULL)), 0);
    recon_db *db = open_ok(dbpath, NULL);
    ck_assert_ptr_nonnull(recon_errmsg(db)); /* no failure yet */
    recon_close(db);
}
END_TEST

START_TEST(test_strerror_is_non_empty_and_distinct_for_every_code) {
    static const int codes[] = {RECON_OK,        RECON_ERROR,   RECON_ENOMEM,    RECON_EIO,
                                RECON_EDB,       RECON_EBUSY,   RECON_EMISUSE,   RECON_ENOTFOUND,
                                RECON_EPROFILE,  RECON_EHEADER, RECON_EFORMAT,   RECON_ESCHEMA,
                                RECON_ECONFLICT, RECON_EUSER,   RECON_ECANCELLED};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = recon_strerror(codes[i]);
        ck_assert_ptr_nonnull(s);
        ck_assert_msg(strlen(s) > 0, "code %d has an empty string", codes[i]);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(s, recon_strerror(codes[j])) != 0, "codes %d and %d share \"%s\"",
                          codes[i], codes[j], s);
    }
    /* Unknown codes still get a string, distinct from the known ones. */
    const char *unknown = recon_strerror(-999);
    ck_assert_ptr_nonnull(unknown);
    ck_assert_uint_gt(strlen(unknown), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_ne(unknown, recon_strerror(codes[i]));
    ck_assert_ptr_nonnull(recon_strerror(7));
}
END_TEST

START_TEST(test_close_null_is_ok) {
    ck_assert_int_eq(recon_close(NULL), RECON_OK);
}
END_TEST

START_TEST(test_version_matches_header) {
    ck_assert_str_eq(recon_version(), RECON_VERSION);
    ck_assert_int_eq(recon_schema_version(), RECON_SCHEMA_VERSION);
}
END_TEST

/* ---- concurrency ------------------------------------------------------------------- */

typedef struct {
    const char *csv;
    const recon_profile *profile;
    pthread_barrier_t *start;
    int open_rc, import_rc;
    recon_import_result res;
    char msg[1100];
} worker;

static void *import_worker(void *arg) {
    worker *w = arg;
    recon_db *db = NULL;
    pthread_barrier_wait(w->start);
    w->open_rc = recon_open(dbpath, NULL, &db);
    if (w->open_rc == RECON_OK)
        w->import_rc = recon_import_file(db, w->csv, w->profile, NULL, &w->res);
    snprintf(w->msg, sizeof w->msg, "%s", recon_errmsg(db));
    recon_close(db);
    return NULL;
}

static void two_threads_import(const recon_profile *p) {
    /* The database exists before the threads start; each thread opens its
     * own handle to it. */
    recon_close(open_ok(dbpath, NULL));
    enum { ROWS = 20000 };
    char csv_a[512], csv_b[512];
    write_psp_file("a.csv", "a", ROWS, csv_a, sizeof csv_a);
    write_psp_file("b.csv", "b", ROWS, csv_b, sizeof csv_b);

    pthread_barrier_t start;
    ck_assert_int_eq(pthread_barrier_init(&start, NULL, 2), 0);
    worker w[2] = {{csv_a, p, &start, -100, -100, RECON_IMPORT_RESULT_INIT, ""},
                   {csv_b, p, &start, -100, -100, RECON_IMPORT_RESULT_INIT, ""}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, import_worker, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    pthread_barrier_destroy(&start);

    for (int i = 0; i < 2; i++) {
        ck_assert_msg(w[i].open_rc == RECON_OK, "thread %d open: %s", i, w[i].msg);
        ck_assert_msg(w[i].import_rc == RECON_OK, "thread %d import: %d %s", i, w[i].import_rc,
                      w[i].msg);
        ck_assert_uint_eq(w[i].res.rows_inserted, ROWS);
        ck_assert_uint_eq(w[i].res.rows_rejected, 0);
    }
    ck_assert_int_ne(w[0].res.import_id, w[1].res.import_id);
    sqlite3 *s = raw_open(dbpath);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM transactions"), 2 * ROWS);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM imports WHERE status = 'ok'"), 2);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM sources"), 1);
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM transactions WHERE external_id LIKE 'a\\_%'"
                              " ESCAPE '\\'"),
                     ROWS);
    sqlite3_close(s);
}

START_TEST(test_two_handles_in_two_threads_import_concurrently_with_generic_psp) {
    recon_profile *p = generic_psp();
    two_threads_import(p);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_two_handles_in_two_threads_import_concurrently_with_parsed_profile) {
    recon_profile *p = local_psp();
    two_threads_import(p);
    recon_profile_free(p);
}
END_TEST

static void *commit_later(void *arg) {
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    sqlite3_exec(arg, "COMMIT", NULL, NULL, NULL);
    return NULL;
}

static double seconds_since(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Another program is writing to a database that is not in WAL mode yet
 * (it holds the write lock for 200 ms): opening it must wait on the busy
 * timeout and then succeed, as opening under any other lock does. */
START_TEST(test_open_waits_for_a_writer_before_switching_to_wal) {
    sqlite3 *s = raw_open(dbpath);
    tu_exec(s, "BEGIN IMMEDIATE; CREATE TABLE other_app(x INTEGER);");
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, commit_later, s), 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    recon_db *db = NULL;
    int rc = recon_open(dbpath, NULL, &db); /* busy timeout 5000 ms */
    double waited = seconds_since(&t0);
    char msg[1100];
    snprintf(msg, sizeof msg, "%s", recon_errmsg(db));
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_msg(rc == RECON_OK, "open failed after %.3f s: %d %s", waited, rc, msg);
    ck_assert_int_eq(q_int(db->sql, "PRAGMA user_version"), RECON_SCHEMA_VERSION);
    char *mode = q_text(db->sql, "PRAGMA journal_mode");
    ck_assert_str_eq(mode, "wal");
    free(mode);
    recon_close(db);
    sqlite3_close(s);
}
END_TEST

typedef struct {
    const char *path;
    pthread_barrier_t *start;
    int rc;
    char msg[1100];
} opener;

static void *open_worker(void *arg) {
    opener *o = arg;
    recon_db *h = NULL;
    pthread_barrier_wait(o->start);
    o->rc = recon_open(o->path, NULL, &h);
    snprintf(o->msg, sizeof o->msg, "%s", recon_errmsg(h));
    recon_close(h);
    return NULL;
}

/* Several programs starting at once on a database that does not exist yet
 * (two cron jobs on a fresh install): each open must wait its turn on the
 * busy timeout (creating the schema, switching to WAL), not fail. */
START_TEST(test_concurrent_first_open_of_a_new_database_succeeds_in_every_thread) {
    enum { ROUNDS = 150, THREADS = 4 };
    int failures = 0;
    char first[1200] = "";
    for (int round = 0; round < ROUNDS; round++) {
        char path[600];
        snprintf(path, sizeof path, "%s/fresh-%d.db", tmp, round);
        pthread_barrier_t start;
        ck_assert_int_eq(pthread_barrier_init(&start, NULL, THREADS), 0);
        opener o[THREADS];
        pthread_t t[THREADS];
        for (int i = 0; i < THREADS; i++) {
            o[i] = (opener){path, &start, -100, ""};
            ck_assert_int_eq(pthread_create(&t[i], NULL, open_worker, &o[i]), 0);
        }
        for (int i = 0; i < THREADS; i++)
            ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        pthread_barrier_destroy(&start);
        for (int i = 0; i < THREADS; i++)
            if (o[i].rc != RECON_OK && failures++ == 0)
                snprintf(first, sizeof first, "round %d: %d %s", round, o[i].rc, o[i].msg);
    }
    ck_assert_msg(failures == 0, "%d of %d opens failed; first: %s", failures, ROUNDS * THREADS,
                  first);
}
END_TEST

START_TEST(test_writer_past_busy_timeout_is_ebusy_and_writes_nothing) {
    recon_close(open_ok(dbpath, NULL));
    sqlite3 *s = raw_open(dbpath);
    tu_exec(s, "BEGIN IMMEDIATE"); /* another writer holds the lock */
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.busy_timeout_ms = 50;
    recon_db *db = open_ok(dbpath, &o);
    recon_profile *p = local_psp();
    char csv[512];
    write_psp_file("a.csv", "tx", 3, csv, sizeof csv);
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_file(db, csv, p, NULL, &res), RECON_EBUSY);
    ck_assert_uint_gt(strlen(recon_errmsg(db)), 0);
    tu_exec(s, "COMMIT");
    ck_assert_int_eq(q_int(s, "SELECT count(*) FROM imports"), 0);
    /* Once the lock is gone the same handle imports fine. */
    ck_assert_msg(recon_import_file(db, csv, p, NULL, &res) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_uint_eq(res.rows_inserted, 3);
    sqlite3_close(s);
    recon_close(db);
    recon_profile_free(p);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------- */

static Suite *db_suite(void) {
    Suite *s = suite_create("db");

    TCase *schema = tcase_create("schema");
    tcase_add_unchecked_fixture(schema, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(schema, setup, teardown);
    tcase_add_test(schema, test_open_creates_the_four_tables);
    tcase_add_test(schema, test_open_sets_user_version_to_schema_version);
    tcase_add_test(schema, test_open_turns_on_wal);
    tcase_add_test(schema, test_open_turns_on_foreign_keys_and_busy_timeout);
    tcase_add_test(schema, test_all_tables_are_strict);
    tcase_add_test(schema, test_transactions_refuses_text_in_amount_minor);
    tcase_add_test(schema, test_schema_checks_kind_and_currency);
    tcase_add_test(schema, test_reopen_keeps_data_and_schema);
    tcase_add_test(schema, test_schema_1_database_is_migrated_keeping_its_data);
    tcase_add_test(schema, test_newer_schema_is_refused_naming_both_versions);
    tcase_add_test(schema, test_read_only_open_of_missing_file_fails_with_message);
    tcase_add_test(schema, test_read_only_open_of_existing_db_reads_but_does_not_write);
    tcase_add_test(schema, test_read_only_open_of_unmigrated_db_is_refused);
    tcase_add_test(schema, test_open_of_a_non_database_file_fails_with_message);
    suite_add_tcase(s, schema);

    TCase *api = tcase_create("api");
    tcase_add_unchecked_fixture(api, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(api, setup, teardown);
    tcase_add_test(api, test_open_with_null_path_is_misuse);
    tcase_add_test(api, test_open_with_bad_options_version_is_misuse);
    tcase_add_test(api, test_errmsg_is_never_null);
    tcase_add_test(api, test_open_memory_database_works_without_wal);
    tcase_add_test(api, test_open_file_uris);
    tcase_add_test(api, test_open_sqlite_uses_the_callers_connection_and_transaction);
    tcase_add_test(api, test_page_size_and_cache_follow_the_options);
    tcase_add_test(api, test_cache_size_is_kib_not_pages);
    tcase_add_test(api, test_strerror_is_non_empty_and_distinct_for_every_code);
    tcase_add_test(api, test_close_null_is_ok);
    tcase_add_test(api, test_version_matches_header);
    suite_add_tcase(s, api);

    TCase *conc = tcase_create("concurrency");
    tcase_add_unchecked_fixture(conc, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(conc, setup, teardown);
    tcase_set_timeout(conc, 60);
    tcase_add_test(conc, test_two_handles_in_two_threads_import_concurrently_with_generic_psp);
    tcase_add_test(conc, test_two_handles_in_two_threads_import_concurrently_with_parsed_profile);
    tcase_add_test(conc, test_open_waits_for_a_writer_before_switching_to_wal);
    tcase_add_test(conc, test_concurrent_first_open_of_a_new_database_succeeds_in_every_thread);
    tcase_add_test(conc, test_writer_past_busy_timeout_is_ebusy_and_writes_nothing);
    suite_add_tcase(s, conc);
    return s;
}

int main(void) {
    return tu_run(db_suite());
}
