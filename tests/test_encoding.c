/* Tests for util/encoding: the verdict a file's bytes give (UTF-8,
 * UTF-16 by its byte order mark, Windows-1252 only when nothing says
 * UTF-8), fed whole or a byte at a time; the profile names; the
 * conversion of a buffer. */
#include "testutil.h"
#include "util/encoding.h"

static const char *verdict_of(const char *s, size_t n, int bytewise) {
    rc_enc_scan sc;
    rc_enc_scan_init(&sc);
    if (bytewise)
        for (size_t i = 0; i < n; i++)
            rc_enc_scan_feed(&sc, s + i, 1);
    else
        rc_enc_scan_feed(&sc, s, n);
    return rc_enc_scan_verdict(&sc);
}

START_TEST(verdicts) {
    static const struct {
        const char *bytes;
        size_t n;
        const char *want, *why;
    } cases[] = {
        {"id,amount\n1,2\n", 0, RC_ENC_UTF8, "ASCII"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xb6", 0, RC_ENC_UTF8, "valid multi-byte UTF-8"},
        {"Caf\xe9 cr\xe8me \x80 5", 0, RC_ENC_CP1252, "Windows-1252 letters and the euro sign"},
        {"M\xfcller,\xa3", 0, RC_ENC_CP1252, "FC and A3 cannot be UTF-8 here"},
        {"caf\xc3\xa9 and caf\xe9", 0, RC_ENC_UTF8, "UTF-8 with a stray byte: not reread"},
        {"Caf\xe9 \x81", 0, RC_ENC_UTF8, "81 is undefined in Windows-1252"},
        {"a\xc0\xaf"
         "b",
         0, RC_ENC_UTF8, "overlong '/': UTF-8's shape, a UTF-8 writer's"},
        {"\xed\xa0\x80", 0, RC_ENC_UTF8, "a surrogate in UTF-8's shape"},
        {"\xff\xfe"
         "a\0",
         4, RC_ENC_UTF16, "UTF-16LE byte order mark"},
        {"\xfe\xff\0a", 4, RC_ENC_UTF16, "UTF-16BE byte order mark"},
        {"abc\xe2\x82", 0, RC_ENC_UTF8,
         "a sequence cut by the end (a file's start) counts for nothing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].n ? cases[i].n : strlen(cases[i].bytes);
        for (int bytewise = 0; bytewise < 2; bytewise++)
            ck_assert_msg(!strcmp(verdict_of(cases[i].bytes, n, bytewise), cases[i].want),
                          "%s (%s): %s", cases[i].why, bytewise ? "byte by byte" : "whole",
                          verdict_of(cases[i].bytes, n, bytewise));
    }
}
END_TEST

START_TEST(profile_names) {
    ck_assert_str_eq(rc_enc_name("UTF-8"), RC_ENC_UTF8);
    ck_assert_str_eq(rc_enc_name("cp1252"), RC_ENC_CP1252);
    ck_assert_str_eq(rc_enc_name("Windows-1252"), RC_ENC_CP1252);
    ck_assert_str_eq(rc_enc_name("latin1"), "ISO-8859-1");
    ck_assert_str_eq(rc_enc_name("ISO-8859-15"), "ISO-8859-15");
    ck_assert_str_eq(rc_enc_name("utf-16"), RC_ENC_UTF16);
    ck_assert_ptr_null(rc_enc_name("ebcdic"));
    ck_assert_ptr_null(rc_enc_name(""));
    ck_assert(!rc_enc_converts(RC_ENC_UTF8));
    ck_assert(rc_enc_converts(RC_ENC_CP1252));
}
END_TEST

START_TEST(buffer_conversion_marks_undefined_bytes) {
    char *out;
    size_t n;
    ck_assert_int_eq(rc_enc_to_utf8(RC_ENC_CP1252, "\x80 caf\xe9", 6, &out, &n), 0);
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq(memcmp(out, "\xe2\x82\xac caf\xc3\xa9", 9), 0);
    free(out);
    /* 81 has no character: 0xFF, which no UTF-8 check lets through. */
    ck_assert_int_eq(rc_enc_to_utf8(RC_ENC_CP1252,
                                    "a\x81"
                                    "b",
                                    3, &out, &n),
                     0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(memcmp(out,
                            "a\xff"
                            "b",
                            3),
                     0);
    free(out);
    /* € in ISO-8859-15 is A4 (in ISO-8859-1, A4 is ¤). */
    ck_assert_int_eq(rc_enc_to_utf8("ISO-8859-15", "\xa4", 1, &out, &n), 0);
    ck_assert_int_eq(memcmp(out, "\xe2\x82\xac", 3), 0);
    free(out);
    ck_assert_int_eq(rc_enc_to_utf8("NO-SUCH-CHARSET", "a", 1, &out, &n), -1);
}
END_TEST

static Suite *encoding_suite(void) {
    Suite *s = suite_create("encoding");
    TCase *tc = tcase_create("encoding");
    tcase_add_test(tc, verdicts);
    tcase_add_test(tc, profile_names);
    tcase_add_test(tc, buffer_conversion_marks_undefined_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return tu_run(encoding_suite());
}
