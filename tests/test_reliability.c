/* Check suite for the failures the reliability tests (tests/reliability/)
 * found, one regression test each, driven through the library so that the
 * timing is exact: an import file that is truncated or appended to while
 * it is being read (changed from the progress callback, which runs between
 * two chunks of the file), and the message of a writer that waited out its
 * busy timeout. */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>

#include "recon.h"
#include "testdb.h"

/* More rows than one progress interval (65536), so that the callback runs
 * while most of the file is still unread. */
#define ROWS 100000

static char tmp[256];
static char dbpath[512];
static char csvpath[512];
static recon_db *db;
static sqlite3 *sq; /* a second connection, for reading back */

static void setup(void) {
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
    snprintf(csvpath, sizeof csvpath, "%s/psp.csv", tmp);
}

static void teardown(void) {
    tu_books_close(tmp, db, sq);
}

static long long qint(const char *sql) {
    sqlite3_stmt *st = NULL;
    ck_assert_msg(sqlite3_prepare_v2(sq, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(sq));
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Rows whose amounts all have two decimals: a row cut short inside its
 * amount ("12.3") still parses, with the wrong amount. */
static void write_psp(const char *path, int rows) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("id,type,created,amount,currency\n", f);
    for (int i = 0; i < rows; i++)
        fprintf(f, "tx_%06d,charge,2024-03-%02dT10:00:00Z,%d.%02d,EUR\n", i, 1 + i % 28,
                10 + i % 900, i % 100);
    ck_assert_int_eq(fclose(f), 0);
}

static recon_profile *psp(void) {
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin("generic_psp", NULL, &p), RECON_OK);
    return p;
}

/* What the progress callback does to the file, once. */
typedef struct {
    const char *path;
    int append; /* 1: append rows; 0: truncate to just past the bytes read */
    int done;
} change;

static void change_file(const recon_progress *pr, void *payload) {
    change *c = payload;
    if (c->done) return;
    c->done = 1;
    if (c->append) {
        FILE *f = fopen(c->path, "a");
        ck_assert_ptr_nonnull(f);
        for (int i = 0; i < 1000; i++)
            fprintf(f, "late_%04d,charge,2024-04-01T10:00:00Z,1.00,EUR\n", i);
        ck_assert_int_eq(fclose(f), 0);
    } else {
        /* 23 bytes into a row the reader has not reached: cut mid-row. */
        ck_assert_int_eq(truncate(c->path, (off_t)pr->bytes_done + 23), 0);
    }
}

static void import_while_changing(int append) {
    write_psp(csvpath, ROWS);
    recon_profile *p = psp();
    change c = {csvpath, append, 0};
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.progress = change_file;
    o.payload = &c;
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    int rc = recon_import_file(db, csvpath, p, &o, &r);
    ck_assert_int_eq(c.done, 1);
    ck_assert_msg(rc == RECON_EIO, "rc %d: %s", rc, recon_errmsg(db));
    ck_assert_msg(strstr(recon_errmsg(db), "changed while it was being read") != NULL, "%s",
                  recon_errmsg(db));
    ck_assert_uint_eq(r.rows_inserted, 0);
    ck_assert_int_eq(qint("SELECT count(*) FROM transactions"), 0);
    ck_assert_int_eq(qint("SELECT count(*) FROM imports"), 0);
    ck_assert_int_eq(qint("SELECT count(*) FROM failures"), 0);
    ck_assert_int_eq(qint("SELECT count(*) FROM sources"), 0);

    /* The file as it is now imports whole, exactly. */
    struct stat st;
    ck_assert_int_eq(stat(csvpath, &st), 0);
    ck_assert_msg(recon_import_file(db, csvpath, p, NULL, &r) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_int_eq(qint("SELECT count(*) FROM imports WHERE status = 'running'"), 0);
    ck_assert_int_eq(qint("SELECT file_size FROM imports"), (long long)st.st_size);
    if (append) {
        ck_assert_uint_eq(r.rows_inserted, ROWS + 1000);
        ck_assert_uint_eq(r.rows_rejected, 0);
    } else {
        /* The rows before the cut, and the cut row rejected or (if its
         * piece parses) stored: either way the file as it now is. */
        ck_assert_uint_lt(r.rows_read, ROWS);
        ck_assert_uint_eq(r.rows_read, r.rows_inserted + r.rows_rejected);
    }
    recon_profile_free(p);
}

START_TEST(test_file_truncated_while_read_is_refused_and_writes_nothing) {
    import_while_changing(0);
}
END_TEST

START_TEST(test_file_appended_while_read_is_refused_and_writes_nothing) {
    import_while_changing(1);
}
END_TEST

/* The message says the database is busy and how long it was waited for,
 * not only SQLite's "database is locked". */
START_TEST(test_busy_message_names_the_timeout) {
    write_psp(csvpath, 3);
    recon_profile *p = psp();
    recon_close(db);
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.busy_timeout_ms = 120;
    db = NULL;
    ck_assert_msg(recon_open(dbpath, &o, &db) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_int_eq(sqlite3_exec(sq, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_file(db, csvpath, p, NULL, &r), RECON_EBUSY);
    ck_assert_msg(strstr(recon_errmsg(db), "database is busy") != NULL &&
                      strstr(recon_errmsg(db), "busy timeout (120 ms)") != NULL,
                  "%s", recon_errmsg(db));
    ck_assert_int_eq(sqlite3_exec(sq, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(qint("SELECT count(*) FROM imports"), 0);
    recon_profile_free(p);
}
END_TEST

static Suite *reliability_suite(void) {
    Suite *s = suite_create("reliability");
    TCase *tc = tcase_create("regressions");
    tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_file_truncated_while_read_is_refused_and_writes_nothing);
    tcase_add_test(tc, test_file_appended_while_read_is_refused_and_writes_nothing);
    tcase_add_test(tc, test_busy_message_names_the_timeout);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return tu_run(reliability_suite());
}
