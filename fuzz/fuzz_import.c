/* Fuzz target: a whole import (lib/ingest/ingest.c and everything under it:
 * csvread, bai2, detect, profile binding, expressions, money, timefmt,
 * SQLite).
 *
 * The first byte picks the profile (modulo the number of choices): layout
 * detection (0; recon_profile_detect, falling back to generic_psp when
 * nothing fits), generic_psp (1), generic_bank (2), or a built-in profile
 * by index (3 on). The rest is written to a
 * temporary file and imported into a fresh database. Checked after a
 * successful import: rows_read = inserted + duplicate + rejected + skipped +
 * payments_failed (a failed payment is a failure, not a transaction);
 * the tables hold exactly the rows and failures the result counts; PRAGMA
 * integrity_check and foreign_key_check are clean; importing the same file
 * again is a no-op naming the same import. After a refused file: nothing
 * was written and the handle has a message. The temporary files go, and
 * ASan's leak check covers the rest. */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "recon.h"
#include "store/store.h"

/* One integer from a query on the handle's own connection. */
static long long import_fuzz_count(recon_db *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    FUZZ_ASSERT(sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) == SQLITE_OK);
    FUZZ_ASSERT(sqlite3_step(st) == SQLITE_ROW);
    const long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void import_fuzz_check_db(recon_db *db) {
    sqlite3_stmt *st = NULL;
    FUZZ_ASSERT(sqlite3_prepare_v2(db->sql, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK);
    FUZZ_ASSERT(sqlite3_step(st) == SQLITE_ROW);
    FUZZ_ASSERT(strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0);
    sqlite3_finalize(st);
    FUZZ_ASSERT(sqlite3_prepare_v2(db->sql, "PRAGMA foreign_key_check", -1, &st, NULL) ==
                SQLITE_OK);
    FUZZ_ASSERT(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
}

static void import_fuzz_check_result(recon_db *db, const recon_import_result *res) {
    FUZZ_ASSERT(!res->already_imported && res->import_id > 0);
    FUZZ_ASSERT(res->rows_read == res->rows_inserted + res->rows_duplicate + res->rows_rejected +
                                      res->rows_skipped + res->payments_failed);
    FUZZ_ASSERT(strlen(res->sha256) == 64);
    FUZZ_ASSERT(import_fuzz_count(db, "SELECT count(*) FROM imports") == 1);
    FUZZ_ASSERT(import_fuzz_count(db, "SELECT count(*) FROM transactions") ==
                (long long)res->rows_inserted);
    FUZZ_ASSERT(import_fuzz_count(db, "SELECT count(*) FROM failures WHERE origin = 'import'") ==
                (long long)(res->rows_rejected + res->checks_failed));
    FUZZ_ASSERT(import_fuzz_count(db, "SELECT count(*) FROM failures WHERE origin = 'report'") ==
                (long long)res->payments_failed);
    FUZZ_ASSERT(import_fuzz_count(db, "SELECT count(*) FROM failures WHERE origin = 'report' AND"
                                      " (transaction_id IS NOT NULL OR context IS NULL OR raw IS"
                                      " NULL)") == 0);
    FUZZ_ASSERT(import_fuzz_count(db, "SELECT rows_read FROM imports") ==
                (long long)res->rows_read);
}

/* A new database with the current schema, as bytes: made once per process
 * and copied for every input, because creating the schema costs more than
 * most imports. recon_open still runs on each copy (and finds the schema
 * up to date). */
static unsigned char *import_fuzz_template_bytes;
static size_t import_fuzz_template_len;

static void import_fuzz_write(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    FUZZ_ASSERT(f != NULL);
    FUZZ_ASSERT(fwrite(data, 1, size, f) == size && fclose(f) == 0);
}

static recon_db *import_fuzz_open(const char *path) {
    recon_db *db = NULL;
    recon_open_opts oo = RECON_OPEN_OPTS_INIT;
    oo.cache_kib = 1024;
    if (recon_open(path, &oo, &db) != RECON_OK) {
        fprintf(stderr, "recon_open: %s\n", recon_errmsg(db));
        FUZZ_ASSERT(!"recon_open failed");
    }
    return db;
}

static const unsigned char *import_fuzz_template(const char *dir) {
    if (import_fuzz_template_bytes != NULL) return import_fuzz_template_bytes;
    char path[300];
    snprintf(path, sizeof path, "%s/template.db", dir);
    /* Closing the last connection checkpoints the WAL into the file. */
    FUZZ_ASSERT(recon_close(import_fuzz_open(path)) == RECON_OK);
    FILE *f = fopen(path, "rb");
    FUZZ_ASSERT(f != NULL && fseek(f, 0, SEEK_END) == 0);
    const long n = ftell(f);
    FUZZ_ASSERT(n > 0);
    rewind(f);
    import_fuzz_template_bytes = malloc((size_t)n);
    FUZZ_ASSERT(import_fuzz_template_bytes != NULL);
    FUZZ_ASSERT(fread(import_fuzz_template_bytes, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    FUZZ_ASSERT(unlink(path) == 0);
    char side[320];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    import_fuzz_template_len = (size_t)n;
    return import_fuzz_template_bytes;
}

static recon_profile *import_fuzz_profile(uint8_t mode, const char *path) {
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    const size_t n = recon_profile_builtin_count();
    const size_t pick = mode % (n + 3);
    if (pick == 0) {
        const int rc = recon_profile_detect(path, &err, &p);
        if (rc == RECON_OK) return p;
        FUZZ_ASSERT(p == NULL && err.message[0] != '\0');
        FUZZ_ASSERT(rc == RECON_ENOTFOUND || rc == RECON_ECONFLICT || rc == RECON_EFORMAT);
        FUZZ_ASSERT(recon_profile_builtin("generic_psp", NULL, &p) == RECON_OK);
        return p;
    }
    const char *name = pick == 1   ? "generic_psp"
                       : pick == 2 ? "generic_bank"
                                   : recon_profile_builtin_name(pick - 3);
    FUZZ_ASSERT(recon_profile_builtin(name, NULL, &p) == RECON_OK);
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    data++, size--;

    char dir[256], path[300], dbpath[300], side[320];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/recon-fuzz-XXXXXX", tmp ? tmp : "/tmp");
    FUZZ_ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/input.csv", dir);
    snprintf(dbpath, sizeof dbpath, "%s/books.db", dir);
    import_fuzz_write(path, data, size);

    recon_profile *profile = import_fuzz_profile(mode, path);
    import_fuzz_write(dbpath, import_fuzz_template(dir), import_fuzz_template_len);
    recon_db *db = import_fuzz_open(dbpath);
    recon_import_opts io = RECON_IMPORT_OPTS_INIT;
    io.source = "fuzz";
    io.file_name = "input.csv";
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    const int rc = recon_import_file(db, path, profile, &io, &res);
    if (rc == RECON_OK) {
        import_fuzz_check_result(db, &res);
        import_fuzz_check_db(db);
        recon_import_result again = RECON_IMPORT_RESULT_INIT;
        FUZZ_ASSERT(recon_import_file(db, path, profile, &io, &again) == RECON_OK);
        FUZZ_ASSERT(again.already_imported && again.import_id == res.import_id);
    } else {
        if (rc != RECON_EFORMAT && rc != RECON_EHEADER)
            fprintf(stderr, "import: %d %s\n", rc, recon_errmsg(db));
        FUZZ_ASSERT(rc == RECON_EFORMAT || rc == RECON_EHEADER);
        FUZZ_ASSERT(strcmp(recon_errmsg(db), "no error") != 0);
        FUZZ_ASSERT(import_fuzz_count(db, "SELECT count(*) FROM imports") == 0);
        FUZZ_ASSERT(import_fuzz_count(db, "SELECT count(*) FROM transactions") == 0);
        FUZZ_ASSERT(import_fuzz_count(db, "SELECT count(*) FROM failures") == 0);
        import_fuzz_check_db(db);
    }
    FUZZ_ASSERT(recon_close(db) == RECON_OK);
    recon_profile_free(profile);

    unlink(path);
    unlink(dbpath);
    snprintf(side, sizeof side, "%s-wal", dbpath);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", dbpath);
    unlink(side);
    FUZZ_ASSERT(rmdir(dir) == 0);
    return 0;
}
