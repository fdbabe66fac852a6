/* Tests for util/bigmem: blocks below and above the mapping threshold
 * keep their contents through every kind of growth and shrinking (malloc
 * to malloc, malloc to mapping, mapping to mapping), calloc's blocks are
 * zero at every size, and sizes that overflow are refused. */
#include <stdint.h>

#include "testutil.h"
#include "util/bigmem.h"

/* Fills p[0..n) with a pattern that shows a byte moved or lost. */
static void fill(unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 2654435761u >> 13);
}

static int intact(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 2654435761u >> 13)) return 0;
    return 1;
}

START_TEST(realloc_keeps_contents_across_the_threshold) {
    const size_t big = RC_BIGMEM_MIN;
    size_t sizes[] = {16, 4096, big - 1, big, 3 * big + 17, 8 * big, big + 5, 100, 1};
    unsigned char *p = NULL;
    size_t have = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        unsigned char *q = rc_big_realloc(p, n);
        ck_assert_ptr_nonnull(q);
        size_t kept = have < n ? have : n;
        ck_assert_msg(intact(q, kept), "contents lost growing/shrinking %zu -> %zu", have, n);
        ck_assert_uint_eq((uintptr_t)q % 16, 0);
        fill(q, n); /* every byte of the new size is writable */
        p = q;
        have = n;
    }
    rc_big_free(p);
}
END_TEST

START_TEST(calloc_is_zero_and_refuses_overflow) {
    size_t sizes[] = {1, 1000, RC_BIGMEM_MIN / 8, RC_BIGMEM_MIN, 3 * RC_BIGMEM_MIN};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        unsigned char *p = rc_big_calloc(sizes[k], 1);
        ck_assert_ptr_nonnull(p);
        for (size_t i = 0; i < sizes[k]; i++)
            if (p[i]) ck_abort_msg("byte %zu of a %zu-byte calloc is %d", i, sizes[k], p[i]);
        rc_big_free(p);
    }
    ck_assert_ptr_null(rc_big_calloc(SIZE_MAX / 2, 3));
    ck_assert_ptr_null(rc_big_malloc(SIZE_MAX - 8));
    unsigned char *p = rc_big_malloc(10);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_null(rc_big_realloc(p, SIZE_MAX - 8)); /* refused; p still ours */
    fill(p, 10);
    ck_assert(intact(p, 10));
    rc_big_free(p);
    rc_big_free(NULL);
}
END_TEST

static Suite *bigmem_suite(void) {
    Suite *s = suite_create("bigmem");
    TCase *tc = tcase_create("bigmem");
    tcase_add_test(tc, realloc_keeps_contents_across_the_threshold);
    tcase_add_test(tc, calloc_is_zero_and_refuses_overflow);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return tu_run(bigmem_suite());
}
