/* Tests for imports from a stream (recon_import_buffer, recon_import_fd,
 * recon_import_read) and detection over a buffer: the same bytes give the
 * same import whichever way they arrive (results, stored rows, rejected
 * rows, and one import for the same bytes across modes), a failing read
 * callback writes nothing, no temporary copy is left behind. Real files
 * from tests/fixtures, real databases. */
#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>

#include "recon.h"
#include "testdb.h"

typedef enum { BY_FILE, BY_BUFFER, BY_FD, BY_READ, MODES } mode;
static const char *const MODE_NAME[MODES] = {"file", "buffer", "fd", "read"};

/* A read callback handing out its bytes a few at a time, or failing. */
typedef struct {
    const char *data;
    size_t len, off, chunk;
    long long fail_with; /* returned once off reaches fail_at, when non-zero */
    size_t fail_at;
} reader;

static long long read_some(void *payload, char *buf, size_t size) {
    reader *r = payload;
    if (r->fail_with && r->off >= r->fail_at) return r->fail_with;
    size_t n = r->len - r->off;
    if (n > r->chunk) n = r->chunk;
    if (n > size) n = size;
    memcpy(buf, r->data + r->off, n);
    r->off += n;
    return (long long)n;
}

/* Writes the bytes into a pipe from a thread (a file may be larger than
 * the pipe's buffer). */
typedef struct {
    int fd;
    const char *data;
    size_t len;
} feeder;

static void *feed(void *arg) {
    feeder *f = arg;
    size_t off = 0;
    while (off < f->len) {
        ssize_t w = write(f->fd, f->data + off, f->len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

static int import_by(mode m, recon_db *db, const char *path, const char *data, size_t len,
                     const recon_profile *p, recon_import_result *res) {
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.file_name = "report.csv"; /* the same name for every mode: messages compare */
    o.source = "src";
    if (m == BY_FILE) return recon_import_file(db, path, p, &o, res);
    if (m == BY_BUFFER) return recon_import_buffer(db, data, len, p, &o, res);
    if (m == BY_READ) {
        reader r = {data, len, 0, 7, 0, 0}; /* 7 bytes at a time: every boundary */
        return recon_import_read(db, read_some, &r, p, &o, res);
    }
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    feeder f = {fds[1], data, len};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, feed, &f), 0);
    int rc = recon_import_fd(db, fds[0], p, &o, res);
    pthread_join(t, NULL);
    close(fds[0]);
    return rc;
}

/* What an import stored, as text to compare: its rows and its rejects. */
static char *stored(sqlite3 *sq) {
    char *rows = tu_qtext(sq, "SELECT coalesce(group_concat(x, char(10)), '') FROM (SELECT"
                              " external_id || '|' || kind || '|' || amount_minor || '|' ||"
                              " currency || '|' || coalesce(occurred_at, '') || '|' ||"
                              " coalesce(reference, '') AS x FROM transactions ORDER BY id)");
    char *rejects =
        tu_qtext(sq, "SELECT coalesce(group_concat(x, char(10)), '') FROM (SELECT"
                     " line || '|' || coalesce(field, '') || '|' || provider_code || '|' ||"
                     " message || '|' || coalesce(raw, '') AS x FROM failures ORDER BY id)");
    char *imp = tu_qtext(sq, "SELECT file_name || '|' || file_size || '|' || sha256 || '|' ||"
                             " encoding FROM imports");
    size_t n = strlen(rows) + strlen(rejects) + strlen(imp) + 8;
    char *all = malloc(n);
    snprintf(all, n, "%s\n--\n%s\n--\n%s", rows, rejects, imp);
    free(rows);
    free(rejects);
    free(imp);
    return all;
}

static int temp_copies_left(void) {
    DIR *d = opendir(getenv("TMPDIR"));
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += !strncmp(e->d_name, "recon-import-", 13);
    closedir(d);
    return n;
}

static void same_import_every_way(const char *path, const char *profile_name) {
    size_t len;
    char *data = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(data);
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin(profile_name, NULL, &p), RECON_OK);
    char *want = NULL;
    recon_import_result first = RECON_IMPORT_RESULT_INIT;
    for (mode m = 0; m < MODES; m++) {
        char tmp[256], dbpath[512];
        recon_db *db;
        sqlite3 *sq;
        tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
        recon_import_result res = RECON_IMPORT_RESULT_INIT;
        int rc = import_by(m, db, path, data, len, p, &res);
        ck_assert_msg(rc == RECON_OK, "%s by %s: %s", path, MODE_NAME[m], recon_errmsg(db));
        char *got = stored(sq);
        if (m == BY_FILE) {
            want = got;
            first = res;
            ck_assert_uint_gt(res.rows_read, 0);
        } else {
            ck_assert_msg(!strcmp(got, want), "%s by %s stored\n%s\nby file\n%s", path,
                          MODE_NAME[m], got, want);
            ck_assert_msg(!memcmp(&res, &first, sizeof res), "%s by %s: another result", path,
                          MODE_NAME[m]);
            free(got);
            /* The same bytes by file now: the same import, nothing to do. */
            recon_import_result again = RECON_IMPORT_RESULT_INIT;
            ck_assert_int_eq(import_by(BY_FILE, db, path, data, len, p, &again), RECON_OK);
            ck_assert_int_eq(again.already_imported, 1);
            ck_assert_int_eq(again.import_id, res.import_id);
        }
        tu_books_close(tmp, db, sq);
    }
    ck_assert_int_eq(temp_copies_left(), 0);
    free(want);
    free(data);
    recon_profile_free(p);
}

START_TEST(test_a_csv_with_rejected_rows_imports_the_same_every_way) {
    same_import_every_way(FIXTURE("e2e_bad_rows.csv"), "generic_psp");
}
END_TEST

START_TEST(test_a_bai2_file_imports_the_same_every_way) {
    same_import_every_way(FIXTURE("layouts/bai2.txt"), "bai2");
}
END_TEST

START_TEST(test_a_utf16_file_imports_the_same_every_way) {
    same_import_every_way(FIXTURE("hostile/utf16le_bom.csv"), "generic_psp");
}
END_TEST

static recon_db *db;
static sqlite3 *sq;
static char tmp[256], dbpath[512];

static void setup(void) {
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
}

static void teardown(void) {
    tu_books_close(tmp, db, sq);
}

static recon_profile *psp(void) {
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin("generic_psp", NULL, &p), RECON_OK);
    return p;
}

static void nothing_written(void) {
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM imports"), 0);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM transactions"), 0);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures"), 0);
}

START_TEST(test_a_failing_read_callback_writes_nothing) {
    size_t len;
    char *data = tu_read_file(FIXTURE("e2e_bad_rows.csv"), &len);
    recon_profile *p = psp();
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.file_name = "download.csv";
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    /* Fails half way through: the caller's own failure, its own code. */
    reader r = {data, len, 0, 100, -5, len / 2};
    ck_assert_int_eq(recon_import_read(db, read_some, &r, p, &o, &res), RECON_EUSER);
    ck_assert_str_eq(recon_errmsg(db), "download.csv: the read callback failed (-5)");
    ck_assert_int_eq(res.import_id, 0);
    nothing_written();
    /* More bytes than the buffer holds is misuse, also nothing written. */
    reader liar = {data, len, 0, 100, 1 << 20, 0};
    ck_assert_int_eq(recon_import_read(db, read_some, &liar, p, &o, &res), RECON_EMISUSE);
    nothing_written();
    ck_assert_int_eq(temp_copies_left(), 0);
    free(data);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_stream_arguments_and_empty_streams) {
    recon_profile *p = psp();
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_buffer(db, "", 0, p, NULL, &res), RECON_EFORMAT);
    ck_assert_str_eq(recon_errmsg(db), "(buffer): empty file");
    ck_assert_int_eq(recon_import_buffer(db, NULL, 3, p, NULL, &res), RECON_EMISUSE);
    ck_assert_int_eq(recon_import_fd(db, -1, p, NULL, &res), RECON_EMISUSE);
    ck_assert_int_eq(recon_import_read(db, NULL, NULL, p, NULL, &res), RECON_EMISUSE);
    ck_assert_int_eq(recon_import_buffer(db, "x", 1, NULL, NULL, &res), RECON_EMISUSE);
    /* A descriptor that is not readable is an I/O error naming it. */
    ck_assert_int_eq(recon_import_fd(db, 987, p, NULL, &res), RECON_EIO);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "(fd 987): read error"));
    nothing_written();
    recon_profile_free(p);
}
END_TEST

/* Detection over a buffer decides what detection over the file decides,
 * for every layout fixture. */
START_TEST(test_detect_buffer_agrees_with_detect_for_every_layout) {
    DIR *d = opendir(FIXTURE("layouts"));
    ck_assert_ptr_nonnull(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".expected.")) continue;
        char path[512];
        snprintf(path, sizeof path, FIXTURE("layouts/%s"), e->d_name);
        size_t len;
        char *data = tu_read_file(path, &len);
        recon_error ef = RECON_ERROR_INIT, eb = RECON_ERROR_INIT;
        recon_profile *pf = NULL, *pb = NULL;
        int rf = recon_profile_detect(path, &ef, &pf);
        int rb = recon_profile_detect_buffer(data, len, path, &eb, &pb);
        ck_assert_msg(rf == rb, "%s: %d by file, %d by buffer", path, rf, rb);
        if (rf == RECON_OK)
            ck_assert_str_eq(recon_profile_name(pf), recon_profile_name(pb));
        else
            ck_assert_str_eq(ef.message, eb.message);
        recon_profile_free(pf);
        recon_profile_free(pb);
        free(data);
        files++;
    }
    closedir(d);
    ck_assert_int_gt(files, 25);
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_detect_buffer("", 0, NULL, &err, &p), RECON_EFORMAT);
    ck_assert_str_eq(err.message, "(buffer): empty file");
    ck_assert_int_eq(recon_profile_detect_buffer(NULL, 5, NULL, &err, &p), RECON_EMISUSE);
}
END_TEST

static Suite *stream_suite(void) {
    Suite *s = suite_create("import_stream");
    TCase *same = tcase_create("same bytes");
    tcase_add_unchecked_fixture(same, tu_base_setup, tu_base_teardown);
    tcase_set_timeout(same, 60);
    tcase_add_test(same, test_a_csv_with_rejected_rows_imports_the_same_every_way);
    tcase_add_test(same, test_a_bai2_file_imports_the_same_every_way);
    tcase_add_test(same, test_a_utf16_file_imports_the_same_every_way);
    suite_add_tcase(s, same);
    TCase *bad = tcase_create("refusals");
    tcase_add_unchecked_fixture(bad, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_a_failing_read_callback_writes_nothing);
    tcase_add_test(bad, test_stream_arguments_and_empty_streams);
    tcase_add_test(bad, test_detect_buffer_agrees_with_detect_for_every_layout);
    suite_add_tcase(s, bad);
    return s;
}

int main(void) {
    return tu_run(stream_suite());
}
