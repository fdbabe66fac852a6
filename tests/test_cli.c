/* Tests for the recon CLI's shared output helpers (tools/cli.c), above all
 * the CSV cell writer every CSV export goes through: quoting, and keeping a
 * spreadsheet from running a cell as a formula while amounts stay numbers. */
#include "cli.h"
#include "testutil.h"

/* What csv_str writes for s, in a static buffer. */
static const char *cell(const char *s) {
    static char out[256];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    csv_str(f, s);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_lt(len, sizeof out);
    memcpy(out, buf, len + 1);
    free(buf);
    return out;
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
    ck_assert_str_eq(cell("\xEF\xBC\x9D" "1+1"), "\"'\xEF\xBC\x9D" "1+1\"");  /* U+FF1D */
    ck_assert_str_eq(cell("\xEF\xBC\x8B" "1"), "\"'\xEF\xBC\x8B" "1\"");      /* U+FF0B */
    ck_assert_str_eq(cell("\xEF\xBC\x8D" "1"), "\"'\xEF\xBC\x8D" "1\"");      /* U+FF0D */
    ck_assert_str_eq(cell("\xEF\xBC\xA0" "SUM"), "\"'\xEF\xBC\xA0" "SUM\"");  /* U+FF20 */
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
    return tu_run(s);
}
