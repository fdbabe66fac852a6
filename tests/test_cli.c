/* Tests for the recon CLI's shared output helpers (cli/cli.c), above all
 * the CSV cell writer every CSV export goes through: quoting, and keeping a
 * spreadsheet from running a cell as a formula while amounts stay numbers;
 * then the text escaping for terminals and the JSON writer. */
#include <fcntl.h>

#include "cli.h"
#include "testutil.h"

/* What a writer (csv_str, text_str) writes for s, in a static buffer. */
static const char *written(void (*write)(FILE *, const char *), const char *s) {
    static char out[256];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    write(f, s);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_lt(len, sizeof out);
    memcpy(out, buf, len + 1);
    free(buf);
    return out;
}

static const char *cell(const char *s) {
    return written(csv_str, s);
}

START_TEST(test_plain_text_is_written_as_is) {
    ck_assert_str_eq(cell("ch_A1"), "ch_A1");
    ck_assert_str_eq(cell("Order 3001"), "Order 3001");
    ck_assert_str_eq(cell(""), "");
    ck_assert_str_eq(cell(NULL), "");
    ck_assert_str_eq(cell("a=b"), "a=b"); /* only the first character counts */
}
END_TEST

START_TEST(test_delimiters_quotes_and_line_ends_are_quoted) {
    ck_assert_str_eq(cell("a,b"), "\"a,b\"");
    ck_assert_str_eq(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    ck_assert_str_eq(cell("two\nlines"), "\"two\nlines\"");
    ck_assert_str_eq(cell("cr\rhere"), "\"cr\rhere\"");
}
END_TEST

START_TEST(test_formula_triggers_get_a_quote_prefix) {
    ck_assert_str_eq(cell("=HYPERLINK(\"http://x\",\"y\")"),
                     "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    ck_assert_str_eq(cell("+cmd"), "\"'+cmd\"");
    ck_assert_str_eq(cell("-2+3"), "\"'-2+3\"");
    ck_assert_str_eq(cell("@SUM(A1:A9)"), "\"'@SUM(A1:A9)\"");
    ck_assert_str_eq(cell("\t=1+1"), "\"'\t=1+1\"");
    ck_assert_str_eq(cell("\r=1+1"), "\"'\r=1+1\"");
    ck_assert_str_eq(cell("=cmd|' /C calc'!A0"), "\"'=cmd|' /C calc'!A0\"");
    ck_assert_str_eq(cell("="), "\"'=\"");
    ck_assert_str_eq(cell("-"), "\"'-\"");
}
END_TEST

START_TEST(test_fullwidth_formula_triggers_are_neutralized) {
    ck_assert_str_eq(cell("\xEF\xBC\x9D"
                          "1+1"),
                     "\"'\xEF\xBC\x9D"
                     "1+1\""); /* U+FF1D */
    ck_assert_str_eq(cell("\xEF\xBC\x8B"
                          "1"),
                     "\"'\xEF\xBC\x8B"
                     "1\""); /* U+FF0B */
    ck_assert_str_eq(cell("\xEF\xBC\x8D"
                          "1"),
                     "\"'\xEF\xBC\x8D"
                     "1\""); /* U+FF0D */
    ck_assert_str_eq(cell("\xEF\xBC\xA0"
                          "SUM"),
                     "\"'\xEF\xBC\xA0"
                     "SUM\"");                              /* U+FF20 */
    ck_assert_str_eq(cell("\xEF\xBC\xA1"), "\xEF\xBC\xA1"); /* U+FF21, a fullwidth A */
}
END_TEST

START_TEST(test_plain_numbers_stay_numbers) {
    ck_assert_str_eq(cell("-12.50"), "-12.50");
    ck_assert_str_eq(cell("-1250"), "-1250");
    ck_assert_str_eq(cell("-9223372036854775808"), "-9223372036854775808");
    ck_assert_str_eq(cell("0.00"), "0.00");
    ck_assert_str_eq(cell("1500"), "1500");
    ck_assert_int_eq(csv_formula_risk("-12.50"), 0);
}
END_TEST

START_TEST(test_almost_numbers_are_escaped) {
    /* Each of these a spreadsheet would evaluate or could be made to. */
    ck_assert_str_eq(cell("+5"), "\"'+5\"");
    ck_assert_str_eq(cell("-1e5"), "\"'-1e5\"");
    ck_assert_str_eq(cell("-.5"), "\"'-.5\"");
    ck_assert_str_eq(cell("-5."), "\"'-5.\"");
    ck_assert_str_eq(cell("-1.2.3"), "\"'-1.2.3\"");
    ck_assert_str_eq(cell("-12.50 "), "\"'-12.50 \"");
    ck_assert_str_eq(cell("--1"), "\"'--1\"");
    ck_assert_str_eq(cell("-1,250"), "\"'-1,250\"");
    ck_assert_int_eq(csv_formula_risk("-1+1"), 1);
}
END_TEST

START_TEST(test_csv_row_joins_cells_and_ends_the_line) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    const char *cells[] = {"1", NULL, "=1+1", "-12.50", "a,b"};
    csv_row(f, cells, 5);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_str_eq(buf, "1,,\"'=1+1\",-12.50,\"a,b\"\n");
    free(buf);
}
END_TEST

static const char *shown(const char *s) {
    return written(text_str, s);
}

START_TEST(test_text_shows_c0_controls_and_del_escaped) {
    ck_assert_str_eq(shown("\x1b[2Jclear"), "\\x1b[2Jclear");
    ck_assert_str_eq(shown("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
    ck_assert_str_eq(shown("ab\b\bxx"), "ab\\x08\\x08xx");
    ck_assert_str_eq(shown("\x01\x1f\x7f"), "\\x01\\x1f\\x7f");
    /* A value stays on its line: line ends and tabs inside it are shown. */
    ck_assert_str_eq(shown("a\nb\rc\td"), "a\\nb\\rc\\td");
}
END_TEST

START_TEST(test_text_shows_c1_and_bidi_controls_escaped) {
    ck_assert_str_eq(shown("\xc2\x9b"
                           "31m"),
                     "\\u009b31m"); /* U+009B CSI */
    ck_assert_str_eq(shown("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
    ck_assert_str_eq(shown("\xe2\x80\xae"
                           "fdp.exe"),
                     "\\u202efdp.exe"); /* RLO */
    ck_assert_str_eq(shown("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");
    ck_assert_str_eq(shown("a\xe2\x80\xa8"
                           "b"),
                     "a\\u2028b");
}
END_TEST

START_TEST(test_text_keeps_printable_utf8_and_backslashes) {
    ck_assert_str_eq(shown("Caf\xc3\xa9 cr\xc3\xa8me \xe2\x82\xac"
                           "5"),
                     "Caf\xc3\xa9 cr\xc3\xa8me \xe2\x82\xac"
                     "5");
    ck_assert_str_eq(shown("\xc2\xa0nbsp \xf0\x9f\x98\x80"), "\xc2\xa0nbsp \xf0\x9f\x98\x80");
    ck_assert_str_eq(shown("C:\\dir\\x1b"), "C:\\dir\\x1b"); /* backslashes as they are */
    ck_assert_str_eq(shown(""), "");
    ck_assert_str_eq(shown(NULL), "-");
}
END_TEST

START_TEST(test_text_shows_bytes_that_are_not_utf8_escaped) {
    ck_assert_str_eq(shown("\x9b"
                           "2J"),
                     "\\x9b2J"); /* a lone 8-bit CSI */
    ck_assert_str_eq(shown("Caf\xe9"), "Caf\\xe9");
    ck_assert_str_eq(shown("\xc0\xaf"), "\\xc0\\xaf");          /* overlong */
    ck_assert_str_eq(shown("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* a surrogate */
    ck_assert_str_eq(shown("\xe2\x82"), "\\xe2\\x82");          /* truncated */
}
END_TEST

START_TEST(test_text_dup_and_text_arg_agree_with_text_str) {
    const char *s = "t1\x1b[2J \xc2\x9b \xc3\xa9";
    char *d = text_dup(s);
    ck_assert_str_eq(d, shown(s));
    free(d);
    text_args ta = {0};
    const char *clean = "plain \xc3\xa9";
    ck_assert_ptr_eq(text_arg(&ta, clean), clean); /* nothing to escape: no copy */
    ck_assert_ptr_null(text_arg(&ta, NULL));
    ck_assert_str_eq(text_arg(&ta, s), shown(s));
    ck_assert_uint_eq(ta.n, 1);
    for (int i = 1; i < TEXT_ARGS_MAX; i++)
        text_arg(&ta, "\x1b");
    ck_assert_str_eq(text_arg(&ta, "\x1b"), "?"); /* past the slots: never the raw value */
    text_args_free(&ta);
    ck_assert_uint_eq(ta.n, 0);
}
END_TEST

/* What json_write writes for v (which it releases), in a static buffer. */
static const char *json(json_t *v) {
    static char out[256];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(json_write(f, v), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_lt(len, sizeof out);
    memcpy(out, buf, len + 1);
    free(buf);
    return out;
}

static const char *json_of(const char *s) {
    return json(json_text(s));
}

START_TEST(test_json_escapes_every_control) {
    ck_assert_str_eq(json_of("\x1b[2J\x07\b\x01"), "\"\\u001B[2J\\u0007\\b\\u0001\"");
    ck_assert_str_eq(json_of("a\nb\rc\td"), "\"a\\nb\\rc\\td\"");
    ck_assert_str_eq(json_of("\xc2\x9b"
                             "31m"),
                     "\"\\u009B31m\"");
    ck_assert_str_eq(json_of("\xc2\x80\xc2\x9f"), "\"\\u0080\\u009F\"");
    ck_assert_str_eq(json_of("a\xe2\x80\xa8"
                             "b\xe2\x80\xa9"),
                     "\"a\\u2028b\\u2029\"");
    ck_assert_str_eq(json_of("\x7f \xc3\xa9"), "\"\x7f \xc3\xa9\""); /* DEL is valid JSON */
}
END_TEST

START_TEST(test_json_keeps_quotes_backslashes_and_utf8_exact) {
    ck_assert_str_eq(json_of("say \"hi\" C:\\dir"), "\"say \\\"hi\\\" C:\\\\dir\"");
    ck_assert_str_eq(json_of("Caf\xc3\xa9 \xe2\x82\xac"
                             "5 \xf0\x9f\x98\x80"),
                     "\"Caf\xc3\xa9 \xe2\x82\xac"
                     "5 \xf0\x9f\x98\x80\"");
    /* U+00A0 and U+202E are not C1 controls nor line separators: kept. */
    ck_assert_str_eq(json_of("\xc2\xa0\xe2\x80\xae"), "\"\xc2\xa0\xe2\x80\xae\"");
    ck_assert_str_eq(json_of(""), "\"\"");
    ck_assert_str_eq(json_of(NULL), "null");
}
END_TEST

START_TEST(test_json_text_that_is_not_utf8_stays_valid_and_unambiguous) {
    /* Each offending byte as \xNN and, then only, backslashes doubled. */
    ck_assert_str_eq(json_of("Caf\xe9 C:\\x"), "\"Caf\\\\xe9 C:\\\\\\\\x\"");
    ck_assert_str_eq(json_of("\x9b"
                             "2J"),
                     "\"\\\\x9b2J\""); /* a lone 8-bit CSI */
    ck_assert_str_eq(json_of("\xc0\xaf \xed\xa0\x80"), "\"\\\\xc0\\\\xaf \\\\xed\\\\xa0\\\\x80\"");
    ck_assert_str_eq(json_of("\xc3\xa9\xe2\x82"), "\"\xc3\xa9\\\\xe2\\\\x82\""); /* truncated */
}
END_TEST

START_TEST(test_json_int_text_numbers_stay_numbers) {
    ck_assert_str_eq(json(json_int_text("-1250")), "-1250");
    ck_assert_str_eq(json(json_int_text("9223372036854775807")), "9223372036854775807");
    ck_assert_str_eq(json(json_int_text(NULL)), "null");
    /* Not a whole int64: a string, never a guessed number. */
    ck_assert_str_eq(json(json_int_text("9223372036854775808")), "\"9223372036854775808\"");
    ck_assert_str_eq(json(json_int_text("12.5")), "\"12.5\"");
    ck_assert_str_eq(json(json_int_text(" 5")), "\" 5\"");
    ck_assert_str_eq(json(json_int_text("")), "\"\"");
}
END_TEST

START_TEST(test_json_rows_stream_with_jansson_separators) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    json_t *first =
        json_pack("{s:I, s:o, s:[]}", "id", (json_int_t)1, "note", json_text("a\x1b"), "list");
    fputc('[', f);
    ck_assert_int_eq(json_row(f, first, 1), 0);
    ck_assert_int_eq(json_row(f, json_pack("{s:b, s:n}", "ok", 1, "none"), 0), 0);
    fputs("\n]\n", f);
    ck_assert_int_eq(json_line(f, json_pack("{s:{s:i}}", "nested", "n", 2)), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_str_eq(buf, "[\n  {\"id\": 1, \"note\": \"a\\u001B\", \"list\": []},"
                          "\n  {\"ok\": true, \"none\": null}\n]\n"
                          "{\"nested\": {\"n\": 2}}\n");
    free(buf);
}
END_TEST

START_TEST(test_json_that_could_not_be_built_writes_nothing) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    /* Each says so on stderr: kept out of the test's output. */
    const int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);
    ck_assert_int_ge(dup2(devnull, STDERR_FILENO), 0);
    ck_assert_int_eq(json_write(f, NULL), -1);
    ck_assert_int_eq(json_row(f, NULL, 0), -1);
    ck_assert_int_eq(json_line(f, NULL), -1);
    ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
    close(saved);
    close(devnull);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_eq(len, 0);
    free(buf);
}
END_TEST

int main(void) {
    Suite *s = suite_create("cli");
    TCase *csv = tcase_create("csv");
    tcase_add_test(csv, test_plain_text_is_written_as_is);
    tcase_add_test(csv, test_delimiters_quotes_and_line_ends_are_quoted);
    tcase_add_test(csv, test_formula_triggers_get_a_quote_prefix);
    tcase_add_test(csv, test_fullwidth_formula_triggers_are_neutralized);
    tcase_add_test(csv, test_plain_numbers_stay_numbers);
    tcase_add_test(csv, test_almost_numbers_are_escaped);
    tcase_add_test(csv, test_csv_row_joins_cells_and_ends_the_line);
    suite_add_tcase(s, csv);
    TCase *text = tcase_create("text");
    tcase_add_test(text, test_text_shows_c0_controls_and_del_escaped);
    tcase_add_test(text, test_text_shows_c1_and_bidi_controls_escaped);
    tcase_add_test(text, test_text_keeps_printable_utf8_and_backslashes);
    tcase_add_test(text, test_text_shows_bytes_that_are_not_utf8_escaped);
    tcase_add_test(text, test_text_dup_and_text_arg_agree_with_text_str);
    suite_add_tcase(s, text);
    TCase *js = tcase_create("json");
    tcase_add_test(js, test_json_escapes_every_control);
    tcase_add_test(js, test_json_keeps_quotes_backslashes_and_utf8_exact);
    tcase_add_test(js, test_json_text_that_is_not_utf8_stays_valid_and_unambiguous);
    tcase_add_test(js, test_json_int_text_numbers_stay_numbers);
    tcase_add_test(js, test_json_rows_stream_with_jansson_separators);
    tcase_add_test(js, test_json_that_could_not_be_built_writes_nothing);
    suite_add_tcase(s, js);
    return tu_run(s);
}
