/* Helpers for suites that read a database back with plain SQL on their own
 * connection, and clean up temporary trees. Header-only, like testutil.h. */
#ifndef RECON_TESTDB_H
#define RECON_TESTDB_H

#include <dirent.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "recon.h"
#include "testutil.h"

/* Removes a directory tree (test scratch space). */
static inline void tu_rm_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            tu_rm_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* The usual fixture of a suite: a fresh directory `tmp` (tu_tmpdir), the
 * database `dbpath` in it opened through the library as *db, and a second,
 * plain connection *sq to read it back with SQL. */
static inline void tu_books_open(char *tmp, size_t tmp_size, char *dbpath, size_t dbpath_size,
                                 recon_db **db, sqlite3 **sq) {
    tu_tmpdir(tmp, tmp_size);
    snprintf(dbpath, dbpath_size, "%s/books.db", tmp);
    *db = NULL;
    ck_assert_msg(recon_open(dbpath, NULL, db) == RECON_OK, "%s", recon_errmsg(*db));
    ck_assert_int_eq(sqlite3_open_v2(dbpath, sq, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(*sq, 5000);
}

static inline void tu_books_close(const char *tmp, recon_db *db, sqlite3 *sq) {
    sqlite3_close(sq);
    recon_close(db);
    tu_rm_tree(tmp);
}

/* Imports a file with a built-in profile into `source` (NULL: the
 * profile's name); the import must succeed. Returns its result. */
static inline recon_import_result tu_import(recon_db *db, const char *path, const char *profile,
                                            const char *source) {
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin(profile, NULL, &p), RECON_OK);
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = source;
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, path, p, &o, &r) == RECON_OK, "%s: %s", path,
                  recon_errmsg(db));
    recon_profile_free(p);
    return r;
}

/* Every test's directory lives under one per test case, made and removed by
 * the runner's process (an unchecked fixture): a failed assertion ends the
 * test's own process before its teardown, and its files go anyway. Each
 * suite that includes this header gets its own copy of this state. */
static char tu_base[256];
static char *tu_saved_tmpdir;

static inline void tu_base_setup(void) {
    const char *t = getenv("TMPDIR");
    tu_saved_tmpdir = t ? strdup(t) : NULL;
    tu_tmpdir(tu_base, sizeof tu_base);
    setenv("TMPDIR", tu_base, 1);
}

static inline void tu_base_teardown(void) {
    tu_rm_tree(tu_base);
    if (tu_saved_tmpdir)
        setenv("TMPDIR", tu_saved_tmpdir, 1);
    else
        unsetenv("TMPDIR");
    free(tu_saved_tmpdir);
    tu_saved_tmpdir = NULL;
}

static inline sqlite3_stmt *tu_vquery(sqlite3 *s, const char *fmt, va_list ap) {
    char *sql = sqlite3_vmprintf(fmt, ap);
    sqlite3_stmt *st = NULL;
    ck_assert_msg(sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(s));
    int step = sqlite3_step(st);
    ck_assert_msg(step == SQLITE_ROW, "no row for: %s (%s)", sql, sqlite3_errmsg(s));
    sqlite3_free(sql);
    return st;
}

/* One integer from SQL built with sqlite3_mprintf's format (%Q, %lld). */
static inline long long tu_qint(sqlite3 *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = tu_vquery(s, fmt, ap);
    va_end(ap);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* One text value, malloc'd ("NULL" for SQL NULL, so it can be compared). */
static inline char *tu_qtext(sqlite3 *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = tu_vquery(s, fmt, ap);
    va_end(ap);
    const unsigned char *t = sqlite3_column_text(st, 0);
    char *v = strdup(t ? (const char *)t : "NULL");
    sqlite3_finalize(st);
    return v;
}

/* Runs SQL that must succeed (test set-up on the plain connection). */
static inline void tu_exec(sqlite3 *s, const char *sql) {
    char *err = NULL;
    ck_assert_msg(sqlite3_exec(s, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql,
                  err ? err : "?");
    sqlite3_free(err);
}

/* Asserts that a query's one text value is `want`. */
#define TU_ASSERT_Q(s, want, ...)                                                                  \
    do {                                                                                           \
        char *got_ = tu_qtext((s), __VA_ARGS__);                                                   \
        ck_assert_msg(!strcmp(got_, (want)), "%s: got '%s', want '%s'", #__VA_ARGS__, got_,        \
                      (want));                                                                     \
        free(got_);                                                                                \
    } while (0)

#endif
