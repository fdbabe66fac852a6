/* Shared helpers for the Check suites. Tests run from the repository root
 * (tests/run-all.sh makes sure), so fixtures are at tests/fixtures/. */
#ifndef RECON_TESTUTIL_H
#define RECON_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIXTURE(name) "tests/fixtures/" name

/* Runs one suite and returns the process exit status. */
static inline int tu_run(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* A fresh temporary directory per test; the path is written into buf. */
static inline void tu_tmpdir(char *buf, size_t size) {
    snprintf(buf, size, "%s/recon-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

/* Writes `len` bytes to dir/name and puts the full path into path. */
static inline void tu_write_file(const char *dir, const char *name, const void *data, size_t len,
                                 char *path, size_t size) {
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* A whole file, malloc'd with a NUL after its bytes (which may hold NULs
 * of their own); its length in *len when len is not NULL. */
static inline char *tu_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s: cannot open", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}

#endif
