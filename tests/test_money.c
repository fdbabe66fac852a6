/* Tests for the money module: decimal text -> int64 minor units, the way
 * back, and the ISO 4217 table. Every expectation is an exact integer; no
 * floating point is used anywhere, on purpose. */
#include <stdint.h>

#include "testutil.h"
#include "util/builtin.h"
#include "util/money.h"

/* The public wrappers; include/recon.h declares them for library users. */
int recon_currency_exponent(const char *code);
int recon_money_format(int64_t minor, const char *currency, char *buf, size_t size);
int recon_money_parse(const char *text, const char *currency, int64_t *out);

/* Formats the tests use; named after the exports that look like them. */
static const rc_money_fmt PLAIN = {'.', 0, 0, ""};                        /* 1234.56 */
static const rc_money_fmt US = {'.', ',', 0, ""};                         /* 1,234.56 */
static const rc_money_fmt EU = {',', '.', 0, ""};                         /* 1.234,56 */
static const rc_money_fmt FR = {',', ' ', 0, ""};                         /* 1 234,56 */
static const rc_money_fmt CH = {'.', '\'', 0, ""};                        /* 1'234.56 */
static const rc_money_fmt MINOR = {'.', 0, 1, ""};                        /* 123456 */
static const rc_money_fmt MINOR_US = {'.', ',', 1, ""};                   /* 123,456 */
static const rc_money_fmt HUNDREDTHS = {'.', 0, RC_MONEY_HUNDREDTHS, ""}; /* PayPal: 15000 */
static const rc_money_fmt DOLLARS = {'.', ',', 0, "$"};                   /* -$7,971.39 */
static const rc_money_fmt EUROS = {',', '.', 0, "\xE2\x82\xAC"};          /* 1.234,50 € */

/* A value *out cannot hold by chance: proves a refusal leaves it alone. */
#define UNTOUCHED INT64_C(0x5EED5EED)

static int parse(const char *text, int exponent, const rc_money_fmt *fmt, int64_t *out) {
    return rc_money_parse(text, strlen(text), exponent, fmt, out);
}

#define ASSERT_AMOUNT(text, exponent, fmt, want)                                                   \
    do {                                                                                           \
        int64_t v_ = UNTOUCHED;                                                                    \
        ck_assert_int_eq(parse((text), (exponent), (fmt), &v_), RC_MONEY_OK);                      \
        ck_assert_int_eq(v_, (want));                                                              \
    } while (0)

#define ASSERT_REFUSED(text, exponent, fmt, err)                                                   \
    do {                                                                                           \
        int64_t v_ = UNTOUCHED;                                                                    \
        ck_assert_int_eq(parse((text), (exponent), (fmt), &v_), (err));                            \
        ck_assert_int_eq(v_, UNTOUCHED);                                                           \
    } while (0)

#define ASSERT_SYNTAX(text, exponent, fmt) ASSERT_REFUSED(text, exponent, fmt, RC_MONEY_SYNTAX)

/* ---- plain amounts ------------------------------------------------------ */

START_TEST(test_plain_decimal_is_minor_units) {
    ASSERT_AMOUNT("1234.56", 2, &PLAIN, 123456);
    ASSERT_AMOUNT("0.05", 2, &PLAIN, 5);
    ASSERT_AMOUNT("0", 2, &PLAIN, 0);
    ASSERT_AMOUNT("7", 2, &PLAIN, 700);
}
END_TEST

START_TEST(test_missing_fraction_digits_are_zeros) {
    ASSERT_AMOUNT("7.1", 2, &PLAIN, 710);
    ASSERT_AMOUNT("7.1", 3, &PLAIN, 7100);
    ASSERT_AMOUNT("7", 4, &PLAIN, 70000);
}
END_TEST

START_TEST(test_leading_or_trailing_point_is_accepted) {
    ASSERT_AMOUNT(".5", 2, &PLAIN, 50);
    ASSERT_AMOUNT("5.", 2, &PLAIN, 500);
    ASSERT_AMOUNT("-.5", 2, &PLAIN, -50);
    ASSERT_AMOUNT("5.", 0, &PLAIN, 5);
}
END_TEST

START_TEST(test_leading_zeros_are_accepted) {
    ASSERT_AMOUNT("0000012.50", 2, &PLAIN, 1250);
    ASSERT_AMOUNT("-000", 2, &PLAIN, 0);
}
END_TEST

START_TEST(test_surrounding_spaces_and_tabs_are_trimmed) {
    ASSERT_AMOUNT("  7.10  ", 2, &PLAIN, 710);
    ASSERT_AMOUNT("\t7.10\t", 2, &PLAIN, 710);
    ASSERT_AMOUNT(" \t -7.10 \t ", 2, &PLAIN, -710);
}
END_TEST

START_TEST(test_surrounding_no_break_spaces_are_trimmed) {
    ASSERT_AMOUNT("\xC2\xA0"
                  "12.50\xC2\xA0",
                  2, &PLAIN, 1250);
    ASSERT_AMOUNT("\xE2\x80\xAF"
                  "12.50\xE2\x80\xAF",
                  2, &PLAIN, 1250);
    ASSERT_AMOUNT(" \xC2\xA0\t\xE2\x80\xAF-3 \xE2\x80\xAF\xC2\xA0", 0, &PLAIN, -3);
}
END_TEST

START_TEST(test_broken_no_break_space_is_syntax) {
    /* Half a UTF-8 sequence is not a blank. */
    ASSERT_SYNTAX("\xC2"
                  "12.50",
                  2, &PLAIN);
    ASSERT_SYNTAX("12.50\xE2\x80", 2, &PLAIN);
    ASSERT_SYNTAX("12.50\xA0", 2, &PLAIN);
}
END_TEST

/* ---- signs -------------------------------------------------------------- */

START_TEST(test_leading_minus_is_negative) {
    ASSERT_AMOUNT("-12.00", 2, &PLAIN, -1200);
    ASSERT_AMOUNT("-0.01", 2, &PLAIN, -1);
}
END_TEST

START_TEST(test_leading_plus_is_positive) {
    ASSERT_AMOUNT("+5", 2, &PLAIN, 500);
    ASSERT_AMOUNT("+0.01", 2, &PLAIN, 1);
}
END_TEST

START_TEST(test_trailing_minus_is_negative) {
    ASSERT_AMOUNT("12.00-", 2, &PLAIN, -1200);
    ASSERT_AMOUNT("  12.00-  ", 2, &PLAIN, -1200);
    ASSERT_AMOUNT("1,234.50-", 2, &US, -123450);
}
END_TEST

START_TEST(test_parentheses_are_negative) {
    ASSERT_AMOUNT("(12.00)", 2, &PLAIN, -1200);
    ASSERT_AMOUNT(" (1,234.56) ", 2, &US, -123456);
    ASSERT_AMOUNT("(.5)", 2, &PLAIN, -50);
}
END_TEST

START_TEST(test_negative_zero_is_zero) {
    ASSERT_AMOUNT("-0.00", 2, &PLAIN, 0);
    ASSERT_AMOUNT("(0)", 2, &PLAIN, 0);
}
END_TEST

START_TEST(test_two_sign_markers_are_syntax) {
    ASSERT_SYNTAX("--5", 2, &PLAIN);
    ASSERT_SYNTAX("++5", 2, &PLAIN);
    ASSERT_SYNTAX("+-1", 2, &PLAIN);
    ASSERT_SYNTAX("-+1", 2, &PLAIN);
    ASSERT_SYNTAX("-(12.00)", 2, &PLAIN);
    ASSERT_SYNTAX("(-12.00)", 2, &PLAIN);
    ASSERT_SYNTAX("(12.00)-", 2, &PLAIN);
    ASSERT_SYNTAX("-12.00-", 2, &PLAIN);
    ASSERT_SYNTAX("+12.00-", 2, &PLAIN);
    ASSERT_SYNTAX("5--", 2, &PLAIN);
}
END_TEST

START_TEST(test_misplaced_sign_is_syntax) {
    ASSERT_SYNTAX("12-.5", 2, &PLAIN);
    ASSERT_SYNTAX("1-2", 2, &PLAIN);
    ASSERT_SYNTAX("12+", 2, &PLAIN);
    ASSERT_SYNTAX("12.5+", 2, &PLAIN);
}
END_TEST

START_TEST(test_unbalanced_parenthesis_is_syntax) {
    ASSERT_SYNTAX("(12.00", 2, &PLAIN);
    ASSERT_SYNTAX("12.00)", 2, &PLAIN);
    ASSERT_SYNTAX("(1", 2, &PLAIN);
    ASSERT_SYNTAX("1)", 2, &PLAIN);
    ASSERT_SYNTAX("(", 2, &PLAIN);
    ASSERT_SYNTAX(")", 2, &PLAIN);
    ASSERT_SYNTAX("((1))", 2, &PLAIN);
}
END_TEST

START_TEST(test_space_between_sign_and_digits_is_syntax) {
    ASSERT_SYNTAX("- 12.00", 2, &PLAIN);
    ASSERT_SYNTAX("+ 12.00", 2, &PLAIN);
    ASSERT_SYNTAX("12.00 -", 2, &PLAIN);
    ASSERT_SYNTAX("( 12.00)", 2, &PLAIN);
    ASSERT_SYNTAX("(12.00 )", 2, &PLAIN);
    /* Not even when a space is the thousands separator. */
    ASSERT_SYNTAX("- 12,00", 2, &FR);
    ASSERT_SYNTAX("12,00 -", 2, &FR);
    ASSERT_SYNTAX("1 -", 2, &FR);
    ASSERT_SYNTAX("-\xC2\xA0"
                  "12,00",
                  2, &FR);
}
END_TEST

START_TEST(test_sign_without_digits_is_syntax) {
    ASSERT_SYNTAX("-", 2, &PLAIN);
    ASSERT_SYNTAX("+", 2, &PLAIN);
    ASSERT_SYNTAX("()", 2, &PLAIN);
    ASSERT_SYNTAX("-.", 2, &PLAIN);
    ASSERT_SYNTAX(" - ", 2, &PLAIN);
}
END_TEST

/* ---- separators --------------------------------------------------------- */

START_TEST(test_thousands_groups_of_three_are_accepted) {
    ASSERT_AMOUNT("1,234.56", 2, &US, 123456);
    ASSERT_AMOUNT("1,234,567.89", 2, &US, 123456789);
    ASSERT_AMOUNT("123,456", 2, &US, 12345600);
    ASSERT_AMOUNT("12,345,678", 0, &US, 12345678);
    ASSERT_AMOUNT("1'234'567.50", 2, &CH, 123456750);
}
END_TEST

START_TEST(test_thousands_separators_are_optional) {
    ASSERT_AMOUNT("1234.56", 2, &US, 123456);
    ASSERT_AMOUNT("1234567,89", 2, &EU, 123456789);
}
END_TEST

START_TEST(test_bad_thousands_groups_are_syntax) {
    ASSERT_SYNTAX("1,23.45", 2, &US);
    ASSERT_SYNTAX("12,3456", 2, &US);
    ASSERT_SYNTAX(",123", 2, &US);
    ASSERT_SYNTAX("1,,234", 2, &US);
    ASSERT_SYNTAX("1,234,", 2, &US);
    ASSERT_SYNTAX("1,234,.5", 2, &US);
    ASSERT_SYNTAX("1234,567", 2, &US);
    ASSERT_SYNTAX("1,234,5678", 2, &US);
    ASSERT_SYNTAX("1,2,3", 2, &US);
    ASSERT_SYNTAX("-,123", 2, &US);
}
END_TEST

START_TEST(test_thousands_separator_in_fraction_is_syntax) {
    ASSERT_SYNTAX("1.234,5", 2, &US);
    ASSERT_SYNTAX("1,234.567,8", 4, &US);
}
END_TEST

START_TEST(test_thousands_separator_refused_when_format_has_none) {
    ASSERT_SYNTAX("1,234.56", 2, &PLAIN);
    ASSERT_SYNTAX("1 234.56", 2, &PLAIN);
    ASSERT_SYNTAX("12,5", 2, &PLAIN);
}
END_TEST

START_TEST(test_decimal_comma_with_dot_thousands) {
    ASSERT_AMOUNT("1.234,56", 2, &EU, 123456);
    ASSERT_AMOUNT("1,5", 2, &EU, 150);
    ASSERT_AMOUNT("-1.234.567,8", 2, &EU, -123456780);
    ASSERT_AMOUNT(",05", 2, &EU, 5);
}
END_TEST

START_TEST(test_dot_in_decimal_comma_format_is_a_bad_group_not_a_fraction) {
    /* "1.5" under "1.234,56" would be 1.5 thousand if read loosely. */
    ASSERT_SYNTAX("1.5", 2, &EU);
    ASSERT_SYNTAX("1.234.56", 2, &EU);
}
END_TEST

START_TEST(test_space_thousands_accepts_no_break_spaces) {
    ASSERT_AMOUNT("1 234 567,89", 2, &FR, 123456789);
    ASSERT_AMOUNT("1\xC2\xA0"
                  "234,56",
                  2, &FR, 123456);
    ASSERT_AMOUNT("1\xE2\x80\xAF"
                  "234\xE2\x80\xAF"
                  "567,89",
                  2, &FR, 123456789);
    ASSERT_AMOUNT("-1\xC2\xA0"
                  "234 567,00",
                  2, &FR, -123456700);
    ASSERT_SYNTAX("1  234,56", 2, &FR);
    ASSERT_SYNTAX("12 34,56", 2, &FR);
}
END_TEST

START_TEST(test_no_break_space_is_not_a_comma_separator) {
    ASSERT_SYNTAX("1\xC2\xA0"
                  "234.56",
                  2, &US);
    ASSERT_SYNTAX("1\xE2\x80\xAF"
                  "234'56",
                  2, &CH);
}
END_TEST

START_TEST(test_second_decimal_separator_is_syntax) {
    ASSERT_SYNTAX("12..5", 2, &PLAIN);
    ASSERT_SYNTAX("1.2.3", 2, &PLAIN);
    ASSERT_SYNTAX("1,2,3", 2, &EU);
    ASSERT_SYNTAX(".", 2, &PLAIN);
    ASSERT_SYNTAX(",", 2, &EU);
}
END_TEST

/* ---- precision ---------------------------------------------------------- */

START_TEST(test_zero_exponent_currency_takes_integers) {
    ASSERT_AMOUNT("1000", 0, &PLAIN, 1000);
    ASSERT_AMOUNT("1,000", 0, &US, 1000);
}
END_TEST

START_TEST(test_trailing_zeros_beyond_exponent_are_exact) {
    ASSERT_AMOUNT("1000.00", 0, &PLAIN, 1000);
    ASSERT_AMOUNT("12.340", 2, &PLAIN, 1234);
    ASSERT_AMOUNT("12.3400000000", 2, &PLAIN, 1234);
    ASSERT_AMOUNT("1.23450", 4, &PLAIN, 12345);
}
END_TEST

START_TEST(test_nonzero_digit_beyond_exponent_is_precision) {
    ASSERT_REFUSED("1000.5", 0, &PLAIN, RC_MONEY_PRECISION);
    ASSERT_REFUSED("12.345", 2, &PLAIN, RC_MONEY_PRECISION);
    ASSERT_REFUSED("0.001", 2, &PLAIN, RC_MONEY_PRECISION);
    ASSERT_REFUSED("-0.001", 2, &PLAIN, RC_MONEY_PRECISION);
    ASSERT_REFUSED("12.3400001", 2, &PLAIN, RC_MONEY_PRECISION);
    ASSERT_REFUSED("1.23456", 4, &PLAIN, RC_MONEY_PRECISION);
    ASSERT_REFUSED("1.0001", 3, &PLAIN, RC_MONEY_PRECISION);
}
END_TEST

START_TEST(test_three_decimal_dinars) {
    ASSERT_AMOUNT("1.234", 3, &PLAIN, 1234);
    ASSERT_AMOUNT("0.5", 3, &PLAIN, 500);
    ASSERT_AMOUNT("-1,000.001", 3, &US, -1000001);
}
END_TEST

START_TEST(test_four_decimal_clf) {
    ASSERT_AMOUNT("1.2345", 4, &PLAIN, 12345);
    ASSERT_AMOUNT("38,000.1234", 4, &US, 380001234);
    ASSERT_AMOUNT("0.0001", 4, &PLAIN, 1);
}
END_TEST

/* ---- overflow ----------------------------------------------------------- */

START_TEST(test_int64_max_is_accepted) {
    ASSERT_AMOUNT("92233720368547758.07", 2, &PLAIN, INT64_MAX);
    ASSERT_AMOUNT("92,233,720,368,547,758.07", 2, &US, INT64_MAX);
    ASSERT_AMOUNT("9223372036854775807", 0, &PLAIN, INT64_MAX);
    ASSERT_AMOUNT("922337203685477.5807", 4, &PLAIN, INT64_MAX);
}
END_TEST

START_TEST(test_int64_min_is_accepted_exactly) {
    ASSERT_AMOUNT("-92233720368547758.08", 2, &PLAIN, INT64_MIN);
    ASSERT_AMOUNT("(92233720368547758.08)", 2, &PLAIN, INT64_MIN);
    ASSERT_AMOUNT("92233720368547758.08-", 2, &PLAIN, INT64_MIN);
    ASSERT_AMOUNT("-9223372036854775808", 2, &MINOR, INT64_MIN);
    ASSERT_AMOUNT("-9223372036854775808", 0, &PLAIN, INT64_MIN);
    ASSERT_AMOUNT("-922337203685477.5808", 4, &PLAIN, INT64_MIN);
}
END_TEST

START_TEST(test_one_past_int64_max_overflows) {
    ASSERT_REFUSED("92233720368547758.08", 2, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("+92233720368547758.08", 2, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("9223372036854775808", 2, &MINOR, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("922337203685477.5808", 4, &PLAIN, RC_MONEY_OVERFLOW);
}
END_TEST

START_TEST(test_one_past_int64_min_overflows) {
    ASSERT_REFUSED("-92233720368547758.09", 2, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("(92233720368547758.09)", 2, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("-9223372036854775809", 2, &MINOR, RC_MONEY_OVERFLOW);
}
END_TEST

START_TEST(test_values_that_would_wrap_uint64_overflow) {
    ASSERT_REFUSED("18446744073709551615", 0, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("18446744073709551616", 0, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("-18446744073709551616", 0, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("1000000000000000000", 2, &PLAIN, RC_MONEY_OVERFLOW);
}
END_TEST

START_TEST(test_scaling_by_the_exponent_can_overflow) {
    /* Fits in int64 as written, not once multiplied into minor units. */
    ASSERT_REFUSED("922337203685478", 4, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_REFUSED("92233720368547759", 2, &PLAIN, RC_MONEY_OVERFLOW);
    ASSERT_AMOUNT("92233720368547758", 2, &PLAIN, INT64_C(9223372036854775800));
}
END_TEST

/* ---- long inputs -------------------------------------------------------- */

/* A heap copy of prefix + n times c + suffix; exactly sized, no NUL. */
static char *repeat(const char *prefix, char c, size_t n, const char *suffix, size_t *len) {
    const size_t np = strlen(prefix), ns = strlen(suffix);
    *len = np + n + ns;
    char *s = malloc(*len);
    ck_assert_ptr_nonnull(s);
    memcpy(s, prefix, np);
    memset(s + np, c, n);
    memcpy(s + np + n, suffix, ns);
    return s;
}

static int parse_repeat(const char *prefix, char c, size_t n, const char *suffix, int exponent,
                        int64_t *out) {
    size_t len;
    char *s = repeat(prefix, c, n, suffix, &len);
    const int rc = rc_money_parse(s, len, exponent, &PLAIN, out);
    free(s);
    return rc;
}

START_TEST(test_thousands_of_leading_zeros_are_fine) {
    int64_t v = 0;
    ck_assert_int_eq(parse_repeat("", '0', 5000, "12.50", 2, &v), RC_MONEY_OK);
    ck_assert_int_eq(v, 1250);
    ck_assert_int_eq(parse_repeat("-", '0', 5000, "9223372036854775808", 0, &v), RC_MONEY_OK);
    ck_assert_int_eq(v, INT64_MIN);
}
END_TEST

START_TEST(test_thousands_of_trailing_zeros_are_fine) {
    int64_t v = 0;
    ck_assert_int_eq(parse_repeat("1.", '0', 5000, "", 2, &v), RC_MONEY_OK);
    ck_assert_int_eq(v, 100);
    ck_assert_int_eq(parse_repeat("1.", '0', 5000, "1", 2, &v), RC_MONEY_PRECISION);
}
END_TEST

START_TEST(test_thousands_of_digits_overflow) {
    int64_t v = UNTOUCHED;
    ck_assert_int_eq(parse_repeat("", '9', 5000, "", 2, &v), RC_MONEY_OVERFLOW);
    ck_assert_int_eq(parse_repeat("-", '1', 5000, ".00", 2, &v), RC_MONEY_OVERFLOW);
    ck_assert_int_eq(v, UNTOUCHED);
}
END_TEST

START_TEST(test_syntax_error_wins_over_overflow_and_precision) {
    int64_t v = UNTOUCHED;
    ck_assert_int_eq(parse_repeat("", '9', 5000, "x", 2, &v), RC_MONEY_SYNTAX);
    ck_assert_int_eq(parse_repeat("1.", '5', 5000, "-x", 2, &v), RC_MONEY_SYNTAX);
    ck_assert_int_eq(v, UNTOUCHED);
}
END_TEST

START_TEST(test_precision_error_wins_over_overflow) {
    ASSERT_REFUSED("99999999999999999999.001", 2, &PLAIN, RC_MONEY_PRECISION);
}
END_TEST

/* ---- the length is the boundary ------------------------------------------ */

START_TEST(test_byte_after_length_is_ignored) {
    const char text[] = {'1', '2', '.', '5', '0', '7', '9'};
    int64_t v = 0;
    ck_assert_int_eq(rc_money_parse(text, 5, 2, &PLAIN, &v), RC_MONEY_OK);
    ck_assert_int_eq(v, 1250);
    ck_assert_int_eq(rc_money_parse(text, 2, 0, &PLAIN, &v), RC_MONEY_OK);
    ck_assert_int_eq(v, 12);
    /* Trailing-minus and parenthesis checks look at s[len - 1], not s[len]. */
    const char neg[] = {'(', '5', ')', '-'};
    ck_assert_int_eq(rc_money_parse(neg, 3, 2, &PLAIN, &v), RC_MONEY_OK);
    ck_assert_int_eq(v, -500);
    ck_assert_int_eq(rc_money_parse(neg + 1, 1, 2, &PLAIN, &v), RC_MONEY_OK);
    ck_assert_int_eq(v, 500);
}
END_TEST

START_TEST(test_exactly_sized_heap_buffer_is_not_overread) {
    /* ASan flags any read of s[len]. */
    static const char *const texts[] = {"12.50", "(12.50)",  "12.50-",        " 1,234.50 ", "1,",
                                        "1,23",  "\xC2\xA0", "5\xE2\x80\xAF", "("};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const size_t len = strlen(texts[i]);
        char *s = malloc(len);
        ck_assert_ptr_nonnull(s);
        memcpy(s, texts[i], len);
        int64_t v;
        (void)rc_money_parse(s, len, 2, &US, &v);
        free(s);
    }
}
END_TEST

START_TEST(test_embedded_nul_is_syntax) {
    int64_t v = UNTOUCHED;
    ck_assert_int_eq(rc_money_parse("1\0", 2, 2, &PLAIN, &v), RC_MONEY_SYNTAX);
    ck_assert_int_eq(rc_money_parse("12\0.5", 5, 2, &PLAIN, &v), RC_MONEY_SYNTAX);
    ck_assert_int_eq(rc_money_parse("\0", 1, 2, &PLAIN, &v), RC_MONEY_SYNTAX);
    ck_assert_int_eq(v, UNTOUCHED);
}
END_TEST

/* ---- empty and junk ------------------------------------------------------ */

START_TEST(test_empty_or_blank_is_empty) {
    ASSERT_REFUSED("", 2, &PLAIN, RC_MONEY_EMPTY);
    ASSERT_REFUSED("   ", 2, &PLAIN, RC_MONEY_EMPTY);
    ASSERT_REFUSED(" \t\t ", 2, &PLAIN, RC_MONEY_EMPTY);
    ASSERT_REFUSED("\xC2\xA0\xE2\x80\xAF", 2, &PLAIN, RC_MONEY_EMPTY);
    int64_t v = UNTOUCHED;
    ck_assert_int_eq(rc_money_parse(NULL, 0, 2, &PLAIN, &v), RC_MONEY_EMPTY);
    ck_assert_int_eq(rc_money_parse("12", 0, 2, &PLAIN, &v), RC_MONEY_EMPTY);
    ck_assert_int_eq(v, UNTOUCHED);
}
END_TEST

START_TEST(test_letters_and_symbols_are_syntax) {
    static const char *const junk[] = {
        "abc", "1e5", "1E5", "1.5e2", "$5",   "5$",    "5 EUR", "USD 5",
        "NaN", "nan", "inf", "-inf",  "0x10", "1_000", "12a",   "a12",
        "#5",  "1/2", "*",   "5%",    "\r5",  "5\n",   "\v5",   "1'000",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        int64_t v = UNTOUCHED;
        const int rc = parse(junk[i], 2, &PLAIN, &v);
        ck_assert_msg(rc == RC_MONEY_SYNTAX, "\"%s\" gave %d", junk[i], rc);
        ck_assert_int_eq(v, UNTOUCHED);
    }
    /* The euro sign, before and after. */
    ASSERT_SYNTAX("\xE2\x82\xAC"
                  "5",
                  2, &PLAIN);
    ASSERT_SYNTAX("5\xE2\x82\xAC", 2, &PLAIN);
}
END_TEST

START_TEST(test_bad_exponent_is_syntax) {
    ASSERT_SYNTAX("1", 5, &PLAIN);
    ASSERT_SYNTAX("1", -1, &PLAIN);
    ASSERT_SYNTAX("1", 5, &MINOR);
}
END_TEST

START_TEST(test_unusable_format_is_syntax) {
    static const rc_money_fmt same = {'.', '.', 0, ""};
    static const rc_money_fmt bad_decimal = {';', 0, 0, ""};
    static const rc_money_fmt bad_thousands = {'.', '_', 0, ""};
    ASSERT_SYNTAX("1", 2, &same);
    ASSERT_SYNTAX("1", 2, &bad_decimal);
    ASSERT_SYNTAX("1", 2, &bad_thousands);
    ASSERT_SYNTAX("1", 2, NULL);
}
END_TEST

START_TEST(test_null_out_only_validates) {
    ck_assert_int_eq(rc_money_parse("1.00", 4, 2, &PLAIN, NULL), RC_MONEY_OK);
    ck_assert_int_eq(rc_money_parse("1.001", 5, 2, &PLAIN, NULL), RC_MONEY_PRECISION);
}
END_TEST

/* ---- minor-unit mode ------------------------------------------------------ */

START_TEST(test_minor_mode_takes_the_integer_as_is) {
    ASSERT_AMOUNT("1234", 2, &MINOR, 1234);
    ASSERT_AMOUNT("-1234", 2, &MINOR, -1234);
    ASSERT_AMOUNT("(5)", 3, &MINOR, -5);
    ASSERT_AMOUNT("5-", 0, &MINOR, -5);
    ASSERT_AMOUNT(" 0042 ", 4, &MINOR, 42);
    ASSERT_AMOUNT("9223372036854775807", 2, &MINOR, INT64_MAX);
}
END_TEST

START_TEST(test_minor_mode_refuses_a_decimal_separator) {
    ASSERT_SYNTAX("12.34", 2, &MINOR);
    ASSERT_SYNTAX("12.", 2, &MINOR);
    ASSERT_SYNTAX(".5", 2, &MINOR);
    ASSERT_SYNTAX("1234.00", 2, &MINOR);
}
END_TEST

START_TEST(test_minor_mode_allows_thousands_separators) {
    ASSERT_AMOUNT("1,234", 2, &MINOR_US, 1234);
    ASSERT_AMOUNT("-1,234,567", 2, &MINOR_US, -1234567);
    ASSERT_SYNTAX("1,23", 2, &MINOR_US);
}
END_TEST

/* ---- hundredths mode (PayPal's reports) ------------------------------------ */

/* The integer counts hundredths of the major unit whatever the currency:
 * 15000 is 150.00, so 15000 minor units of a 2-decimal currency, 150 yen,
 * 150000 fils of a 3-decimal dinar. Hundredths a currency cannot hold are
 * refused as precision, never rounded; the scale-up cannot wrap. */
START_TEST(test_hundredths_mode_scales_to_the_currencys_exponent) {
    ASSERT_AMOUNT("15000", 2, &HUNDREDTHS, 15000);
    ASSERT_AMOUNT("15000", 0, &HUNDREDTHS, 150);
    ASSERT_AMOUNT("-4300", 0, &HUNDREDTHS, -43);
    ASSERT_AMOUNT("15000", 3, &HUNDREDTHS, 150000);
    ASSERT_AMOUNT("15000", 4, &HUNDREDTHS, 1500000);
    ASSERT_AMOUNT("0", 0, &HUNDREDTHS, 0);
    ASSERT_REFUSED("15050", 0, &HUNDREDTHS, RC_MONEY_PRECISION);
    ASSERT_REFUSED("5", 0, &HUNDREDTHS, RC_MONEY_PRECISION);
    ASSERT_SYNTAX("150.00", 0, &HUNDREDTHS);
    ASSERT_AMOUNT("9223372036854775807", 2, &HUNDREDTHS, INT64_MAX);
    ASSERT_REFUSED("9223372036854775807", 3, &HUNDREDTHS, RC_MONEY_OVERFLOW);
    ASSERT_AMOUNT("922337203685477580", 3, &HUNDREDTHS, 9223372036854775800);
}
END_TEST

/* ---- currency symbols ---------------------------------------------------- */

/* The profile's symbol, once, where people write it: before or after the
 * digits, on either side of a leading sign, inside parentheses, spaced or
 * not. Nowhere else, never twice, never alone; and a format without a
 * symbol still refuses one. */
START_TEST(test_currency_symbol_where_people_write_it) {
    ASSERT_AMOUNT("$6,000.36", 2, &DOLLARS, 600036);
    ASSERT_AMOUNT("-$7,971.39", 2, &DOLLARS, -797139);
    ASSERT_AMOUNT("$-7.00", 2, &DOLLARS, -700);
    ASSERT_AMOUNT("($5.00)", 2, &DOLLARS, -500);
    ASSERT_AMOUNT("$ 5", 2, &DOLLARS, 500);
    ASSERT_AMOUNT("5.00 $", 2, &DOLLARS, 500);
    ASSERT_AMOUNT("12.00", 2, &DOLLARS, 1200);
    ASSERT_AMOUNT("1.234,50 \xE2\x82\xAC", 2, &EUROS, 123450);
    ASSERT_AMOUNT("-1.234,50\xE2\x82\xAC", 2, &EUROS, -123450);
    ASSERT_SYNTAX("$5$", 2, &DOLLARS);
    ASSERT_SYNTAX("5$00", 2, &DOLLARS);
    ASSERT_SYNTAX("$", 2, &DOLLARS);
    ASSERT_SYNTAX("-$", 2, &DOLLARS);
    ASSERT_SYNTAX("\xE2\x82\xAC"
                  "5",
                  2, &DOLLARS);
    ASSERT_SYNTAX("$5.00", 2, &US);
    ASSERT_REFUSED("$12.345", 2, &DOLLARS, RC_MONEY_PRECISION);
    /* A currency code is a mark like any other ([amounts] symbol = USD). */
    static const rc_money_fmt USD_CODE = {'.', ',', 0, "USD"};
    static const rc_money_fmt EUR_CODE = {',', '.', 0, "EUR"};
    ASSERT_AMOUNT("USD 12.00", 2, &USD_CODE, 1200);
    ASSERT_AMOUNT("-1,250.00 USD", 2, &USD_CODE, -125000);
    ASSERT_AMOUNT("(USD 3.10)", 2, &USD_CODE, -310);
    ASSERT_AMOUNT("1.234,50 EUR", 2, &EUR_CODE, 123450);
    ASSERT_SYNTAX("EUR 1.234,50", 2, &USD_CODE);
    ASSERT_SYNTAX("USD 12.00 USD", 2, &USD_CODE);
}
END_TEST

/* ---- error tokens ---------------------------------------------------------- */

START_TEST(test_error_codes_are_stable_tokens) {
    ck_assert_str_eq(rc_money_errcode(RC_MONEY_OK), "ok");
    ck_assert_str_eq(rc_money_errcode(RC_MONEY_EMPTY), "amount_empty");
    ck_assert_str_eq(rc_money_errcode(RC_MONEY_SYNTAX), "amount_invalid");
    ck_assert_str_eq(rc_money_errcode(RC_MONEY_PRECISION), "amount_precision");
    ck_assert_str_eq(rc_money_errcode(RC_MONEY_OVERFLOW), "amount_overflow");
    ck_assert_ptr_nonnull(rc_money_errcode(-1));
    ck_assert_ptr_nonnull(rc_money_errcode(99));
}
END_TEST

START_TEST(test_error_messages_are_distinct_sentences) {
    const int errs[] = {RC_MONEY_OK,        RC_MONEY_EMPTY,    RC_MONEY_SYNTAX,
                        RC_MONEY_PRECISION, RC_MONEY_OVERFLOW, 99};
    const size_t n = sizeof errs / sizeof errs[0];
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(rc_money_errmsg(errs[i]));
        ck_assert_uint_gt(strlen(rc_money_errmsg(errs[i])), 0);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(rc_money_errmsg(errs[i]), rc_money_errmsg(errs[j]));
    }
    ck_assert_str_eq(rc_money_errmsg(RC_MONEY_PRECISION),
                     "amount has more decimal places than the currency allows");
}
END_TEST

/* ---- formatting ------------------------------------------------------------- */

#define ASSERT_FORMAT(minor, exponent, want)                                                       \
    do {                                                                                           \
        char b_[32];                                                                               \
        ck_assert_int_eq(rc_money_format((minor), (exponent), b_, sizeof b_), (int)strlen(want));  \
        ck_assert_str_eq(b_, (want));                                                              \
    } while (0)

START_TEST(test_format_writes_plain_major_units) {
    ASSERT_FORMAT(123456, 2, "1234.56");
    ASSERT_FORMAT(-123456, 2, "-1234.56");
    ASSERT_FORMAT(1000, 0, "1000");
    ASSERT_FORMAT(1234, 3, "1.234");
    ASSERT_FORMAT(12345, 4, "1.2345");
    ASSERT_FORMAT(1200, 2, "12.00");
}
END_TEST

START_TEST(test_format_pads_small_values_with_zeros) {
    ASSERT_FORMAT(-5, 2, "-0.05");
    ASSERT_FORMAT(5, 2, "0.05");
    ASSERT_FORMAT(0, 2, "0.00");
    ASSERT_FORMAT(0, 0, "0");
    ASSERT_FORMAT(1, 4, "0.0001");
    ASSERT_FORMAT(-1, 3, "-0.001");
}
END_TEST

START_TEST(test_format_int64_extremes) {
    ASSERT_FORMAT(INT64_MIN, 2, "-92233720368547758.08");
    ASSERT_FORMAT(INT64_MIN, 0, "-9223372036854775808");
    ASSERT_FORMAT(INT64_MIN, 4, "-922337203685477.5808");
    ASSERT_FORMAT(INT64_MAX, 2, "92233720368547758.07");
    ASSERT_FORMAT(INT64_MAX, 0, "9223372036854775807");
}
END_TEST

START_TEST(test_format_refuses_a_small_buffer_but_terminates_it) {
    char buf[8];
    memset(buf, 'x', sizeof buf);
    ck_assert_int_eq(rc_money_format(123456, 2, buf, 7), -1);
    ck_assert_int_eq(buf[0], '\0');
    ck_assert_int_eq(rc_money_format(123456, 2, buf, 8), 7);
    ck_assert_str_eq(buf, "1234.56");
    ck_assert_int_eq(rc_money_format(-5, 2, buf, 5), -1);
    ck_assert_int_eq(rc_money_format(-5, 2, buf, 6), 5);
    ck_assert_str_eq(buf, "-0.05");
    buf[0] = 'x';
    ck_assert_int_eq(rc_money_format(1, 0, buf, 0), -1);
    ck_assert_int_eq(buf[0], 'x');
    ck_assert_int_eq(rc_money_format(1, 0, NULL, 0), -1);
    ck_assert_int_eq(rc_money_format(1, 0, buf, 1), -1);
    ck_assert_int_eq(buf[0], '\0');
}
END_TEST

START_TEST(test_format_refuses_a_bad_exponent) {
    char buf[32] = "x";
    ck_assert_int_eq(rc_money_format(1, 5, buf, sizeof buf), -1);
    ck_assert_int_eq(buf[0], '\0');
    ck_assert_int_eq(rc_money_format(1, -1, buf, sizeof buf), -1);
}
END_TEST

/* Every value, formatted at every exponent, parses back to itself. */
static void assert_round_trips(const int64_t *values, size_t n) {
    for (int exp = 0; exp <= 4; exp++) {
        for (size_t i = 0; i < n; i++) {
            char text[32];
            const int len = rc_money_format(values[i], exp, text, sizeof text);
            ck_assert_int_ge(len, 1);
            int64_t back = 0;
            ck_assert_int_eq(rc_money_parse(text, (size_t)len, exp, &PLAIN, &back), RC_MONEY_OK);
            ck_assert_int_eq(back, values[i]);
        }
    }
}

START_TEST(test_parse_format_parse_round_trips) {
    static const int64_t small[] = {0, 1, -1, 5, -5, 99, 100, -100, 123456, -123456, 1000000007};
    static const int64_t edges[] = {INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
                                    INT64_MAX / 2 + 1};
    assert_round_trips(small, sizeof small / sizeof small[0]);
    assert_round_trips(edges, sizeof edges / sizeof edges[0]);
}
END_TEST

START_TEST(test_text_round_trips_through_minor_units) {
    /* Canonical text comes back unchanged; other spellings normalize. */
    static const struct {
        const char *in;
        int exp;
        const rc_money_fmt *fmt;
        const char *out;
    } cases[] = {
        {"1234.56", 2, &PLAIN, "1234.56"},  {"1,234.56", 2, &US, "1234.56"},
        {"1.234,56", 2, &EU, "1234.56"},    {"(12.00)", 2, &PLAIN, "-12.00"},
        {"12.00-", 2, &PLAIN, "-12.00"},    {"+5", 2, &PLAIN, "5.00"},
        {".5", 2, &PLAIN, "0.50"},          {"1000.00", 0, &PLAIN, "1000"},
        {"1.234", 3, &PLAIN, "1.234"},      {"0.0001", 4, &PLAIN, "0.0001"},
        {"0000012.50", 2, &PLAIN, "12.50"}, {"1 234,5", 2, &FR, "1234.50"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 0, again = 0;
        ck_assert_int_eq(parse(cases[i].in, cases[i].exp, cases[i].fmt, &v), RC_MONEY_OK);
        char text[32];
        ck_assert_int_ge(rc_money_format(v, cases[i].exp, text, sizeof text), 1);
        ck_assert_str_eq(text, cases[i].out);
        ck_assert_int_eq(parse(text, cases[i].exp, &PLAIN, &again), RC_MONEY_OK);
        ck_assert_int_eq(again, v);
    }
}
END_TEST

/* ---- currency table ---------------------------------------------------------- */

static int exponent_of(const char *code) {
    return rc_currency_exponent(code, strlen(code));
}

START_TEST(test_common_currency_exponents) {
    ck_assert_int_eq(exponent_of("USD"), 2);
    ck_assert_int_eq(exponent_of("EUR"), 2);
    ck_assert_int_eq(exponent_of("GBP"), 2);
    ck_assert_int_eq(exponent_of("JPY"), 0);
    ck_assert_int_eq(exponent_of("KRW"), 0);
    ck_assert_int_eq(exponent_of("ISK"), 0);
    ck_assert_int_eq(exponent_of("VND"), 0);
    ck_assert_int_eq(exponent_of("CLP"), 0);
    ck_assert_int_eq(exponent_of("PYG"), 0);
    ck_assert_int_eq(exponent_of("UGX"), 0);
}
END_TEST

START_TEST(test_franc_zone_currencies_have_no_minor_unit) {
    static const char *const zero[] = {"XAF", "XOF", "XPF", "KMF", "DJF",
                                       "GNF", "RWF", "VUV", "BIF", "UYI"};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        ck_assert_msg(exponent_of(zero[i]) == 0, "%s", zero[i]);
}
END_TEST

START_TEST(test_three_and_four_decimal_currencies) {
    static const char *const three[] = {"BHD", "KWD", "TND", "JOD", "OMR", "IQD", "LYD"};
    for (size_t i = 0; i < sizeof three / sizeof three[0]; i++)
        ck_assert_msg(exponent_of(three[i]) == 3, "%s", three[i]);
    ck_assert_int_eq(exponent_of("CLF"), 4);
    ck_assert_int_eq(exponent_of("UYW"), 4);
}
END_TEST

START_TEST(test_recent_currencies_are_known) {
    static const char *const codes[] = {"VES", "VED", "SLE", "ZWG", "MRU", "STN", "XCG",
                                        "XCD", "BOV", "CHE", "CHW", "COU", "MXV", "USN"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        ck_assert_msg(exponent_of(codes[i]) == 2, "%s", codes[i]);
}
END_TEST

START_TEST(test_withdrawn_currencies_are_unknown) {
    static const char *const gone[] = {"HRK", "SLL", "VEF", "MRO", "STD", "ZWL", "CUC",
                                       "BYR", "ZMK", "LTL", "LVL", "EEK", "ANG", "DEM"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        ck_assert_msg(exponent_of(gone[i]) == -1, "%s", gone[i]);
}
END_TEST

START_TEST(test_codes_without_minor_unit_are_not_in_the_table) {
    /* ISO lists metals, SDR and test codes with exponent "N.A.". */
    static const char *const na[] = {"XAU", "XAG", "XPT", "XPD", "XDR", "XXX", "XTS", "XUA"};
    for (size_t i = 0; i < sizeof na / sizeof na[0]; i++)
        ck_assert_msg(exponent_of(na[i]) == -1, "%s", na[i]);
}
END_TEST

START_TEST(test_unknown_or_malformed_codes_are_minus_one) {
    ck_assert_int_eq(exponent_of("ZZZ"), -1);
    ck_assert_int_eq(exponent_of("usd"), -1);
    ck_assert_int_eq(exponent_of("Usd"), -1);
    ck_assert_int_eq(exponent_of("US"), -1);
    ck_assert_int_eq(exponent_of("USDX"), -1);
    ck_assert_int_eq(exponent_of(""), -1);
    ck_assert_int_eq(exponent_of("US1"), -1);
    ck_assert_int_eq(rc_currency_exponent("USD", 2), -1);
    ck_assert_int_eq(rc_currency_exponent("US\0", 3), -1);
    ck_assert_int_eq(rc_currency_exponent(NULL, 3), -1);
    /* The length is the boundary: "USDX" with len 3 is "USD". */
    ck_assert_int_eq(rc_currency_exponent("USDX", 3), 2);
}
END_TEST

START_TEST(test_table_is_sorted_complete_and_sane) {
    ck_assert_uint_gt(rc_ncurrencies, 150);
    for (size_t i = 0; i < rc_ncurrencies; i++) {
        const rc_currency *c = &rc_currencies[i];
        ck_assert_uint_eq(strlen(c->code), 3);
        ck_assert_int_ge(c->exponent, 0);
        ck_assert_int_le(c->exponent, 4);
        ck_assert_int_gt(c->numeric, 0);
        ck_assert_int_lt(c->numeric, 1000);
        /* Strictly ascending: bsearch needs it, and no code twice. */
        if (i > 0) ck_assert_int_lt(strcmp(rc_currencies[i - 1].code, c->code), 0);
        ck_assert_int_eq(exponent_of(c->code), c->exponent);
    }
}
END_TEST

START_TEST(test_numeric_codes_match_iso) {
    static const struct {
        const char *code;
        int numeric;
    } known[] = {{"USD", 840}, {"EUR", 978}, {"JPY", 392}, {"GBP", 826}, {"ALL", 8},
                 {"CLF", 990}, {"ZWG", 924}, {"XCG", 532}, {"SLE", 925}, {"VED", 926}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        int found = -1;
        for (size_t j = 0; j < rc_ncurrencies; j++)
            if (strcmp(rc_currencies[j].code, known[i].code) == 0) found = rc_currencies[j].numeric;
        ck_assert_msg(found == known[i].numeric, "%s: %d", known[i].code, found);
    }
}
END_TEST

/* ---- public wrappers ----------------------------------------------------------- */

START_TEST(test_public_currency_exponent) {
    ck_assert_int_eq(recon_currency_exponent("USD"), 2);
    ck_assert_int_eq(recon_currency_exponent("JPY"), 0);
    ck_assert_int_eq(recon_currency_exponent("KWD"), 3);
    ck_assert_int_eq(recon_currency_exponent("CLF"), 4);
    /* Any case, as imported rows: "usd" is USD. Still exactly 3 letters. */
    ck_assert_int_eq(recon_currency_exponent("usd"), 2);
    ck_assert_int_eq(recon_currency_exponent("kWd"), 3);
    ck_assert_int_eq(recon_currency_exponent("xyz"), -1);
    ck_assert_int_eq(recon_currency_exponent("us1"), -1);
    ck_assert_int_eq(recon_currency_exponent("USDX"), -1);
    ck_assert_int_eq(recon_currency_exponent("usdx"), -1);
    ck_assert_int_eq(recon_currency_exponent("US"), -1);
    ck_assert_int_eq(recon_currency_exponent(""), -1);
    ck_assert_int_eq(recon_currency_exponent(NULL), -1);
}
END_TEST

START_TEST(test_public_format_uses_the_currency_exponent) {
    char buf[32];
    ck_assert_int_eq(recon_money_format(-5, "USD", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "-0.05");
    ck_assert_int_eq(recon_money_format(1000, "JPY", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1000");
    ck_assert_int_eq(recon_money_format(1234, "KWD", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1.234");
    ck_assert_int_eq(recon_money_format(INT64_MIN, "CLF", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "-922337203685477.5808");
    ck_assert_int_eq(recon_money_format(123456, "eur", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1234.56");
    ck_assert_int_eq(recon_money_format(7, "jpy", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "7");
}
END_TEST

/* What a person types on a command line: a plain decimal, exact, in the
 * currency's units; anything else refused, *out untouched. */
START_TEST(test_public_parse_is_exact_and_plain) {
    int64_t m = 0;
    ck_assert_int_eq(recon_money_parse("60.5", "EUR", &m), 0);
    ck_assert_int_eq(m, 6050);
    ck_assert_int_eq(recon_money_parse("-60", "eur", &m), 0);
    ck_assert_int_eq(m, -6000);
    ck_assert_int_eq(recon_money_parse("60.000", "EUR", &m), 0); /* zeros are exact */
    ck_assert_int_eq(m, 6000);
    ck_assert_int_eq(recon_money_parse("1000", "JPY", &m), 0);
    ck_assert_int_eq(m, 1000);
    ck_assert_int_eq(recon_money_parse("1.234", "KWD", &m), 0);
    ck_assert_int_eq(m, 1234);
    m = 42;
    static const char *const bad[] = {"60.001", "1,000", " 5", "5 ",  "+5",  "$5",
                                      "",       ".",     "5-", "(5)", "1e3", "--5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(recon_money_parse(bad[i], "EUR", &m) == -1, "'%s' taken", bad[i]);
    ck_assert_int_eq(recon_money_parse("5.5", "JPY", &m), -1);
    ck_assert_int_eq(recon_money_parse("99999999999999999999", "EUR", &m), -1);
    ck_assert_int_eq(recon_money_parse("5", "ZZZ", &m), -1);
    ck_assert_int_eq(recon_money_parse(NULL, "EUR", &m), -1);
    ck_assert_int_eq(recon_money_parse("5", "EUR", NULL), -1);
    ck_assert_int_eq(m, 42);
}
END_TEST

START_TEST(test_public_format_refuses_unknown_currency_or_small_buffer) {
    char buf[32] = "x";
    ck_assert_int_eq(recon_money_format(1, "ZZZ", buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "");
    buf[0] = 'x';
    ck_assert_int_eq(recon_money_format(1, NULL, buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(recon_money_format(123456, "USD", buf, 7), -1);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(recon_money_format(1, "USD", NULL, 0), -1);
}
END_TEST

static Suite *money_suite(void) {
    Suite *s = suite_create("money");

    TCase *plain = tcase_create("plain");
    tcase_add_test(plain, test_plain_decimal_is_minor_units);
    tcase_add_test(plain, test_missing_fraction_digits_are_zeros);
    tcase_add_test(plain, test_leading_or_trailing_point_is_accepted);
    tcase_add_test(plain, test_leading_zeros_are_accepted);
    tcase_add_test(plain, test_surrounding_spaces_and_tabs_are_trimmed);
    tcase_add_test(plain, test_surrounding_no_break_spaces_are_trimmed);
    tcase_add_test(plain, test_broken_no_break_space_is_syntax);
    suite_add_tcase(s, plain);

    TCase *sign = tcase_create("sign");
    tcase_add_test(sign, test_leading_minus_is_negative);
    tcase_add_test(sign, test_leading_plus_is_positive);
    tcase_add_test(sign, test_trailing_minus_is_negative);
    tcase_add_test(sign, test_parentheses_are_negative);
    tcase_add_test(sign, test_negative_zero_is_zero);
    tcase_add_test(sign, test_two_sign_markers_are_syntax);
    tcase_add_test(sign, test_misplaced_sign_is_syntax);
    tcase_add_test(sign, test_unbalanced_parenthesis_is_syntax);
    tcase_add_test(sign, test_space_between_sign_and_digits_is_syntax);
    tcase_add_test(sign, test_sign_without_digits_is_syntax);
    suite_add_tcase(s, sign);

    TCase *sep = tcase_create("separators");
    tcase_add_test(sep, test_thousands_groups_of_three_are_accepted);
    tcase_add_test(sep, test_thousands_separators_are_optional);
    tcase_add_test(sep, test_bad_thousands_groups_are_syntax);
    tcase_add_test(sep, test_thousands_separator_in_fraction_is_syntax);
    tcase_add_test(sep, test_thousands_separator_refused_when_format_has_none);
    tcase_add_test(sep, test_decimal_comma_with_dot_thousands);
    tcase_add_test(sep, test_dot_in_decimal_comma_format_is_a_bad_group_not_a_fraction);
    tcase_add_test(sep, test_space_thousands_accepts_no_break_spaces);
    tcase_add_test(sep, test_no_break_space_is_not_a_comma_separator);
    tcase_add_test(sep, test_second_decimal_separator_is_syntax);
    suite_add_tcase(s, sep);

    TCase *prec = tcase_create("precision");
    tcase_add_test(prec, test_zero_exponent_currency_takes_integers);
    tcase_add_test(prec, test_trailing_zeros_beyond_exponent_are_exact);
    tcase_add_test(prec, test_nonzero_digit_beyond_exponent_is_precision);
    tcase_add_test(prec, test_three_decimal_dinars);
    tcase_add_test(prec, test_four_decimal_clf);
    suite_add_tcase(s, prec);

    TCase *ovf = tcase_create("overflow");
    tcase_add_test(ovf, test_int64_max_is_accepted);
    tcase_add_test(ovf, test_int64_min_is_accepted_exactly);
    tcase_add_test(ovf, test_one_past_int64_max_overflows);
    tcase_add_test(ovf, test_one_past_int64_min_overflows);
    tcase_add_test(ovf, test_values_that_would_wrap_uint64_overflow);
    tcase_add_test(ovf, test_scaling_by_the_exponent_can_overflow);
    suite_add_tcase(s, ovf);

    TCase *lng = tcase_create("long");
    tcase_add_test(lng, test_thousands_of_leading_zeros_are_fine);
    tcase_add_test(lng, test_thousands_of_trailing_zeros_are_fine);
    tcase_add_test(lng, test_thousands_of_digits_overflow);
    tcase_add_test(lng, test_syntax_error_wins_over_overflow_and_precision);
    tcase_add_test(lng, test_precision_error_wins_over_overflow);
    suite_add_tcase(s, lng);

    TCase *bounds = tcase_create("bounds");
    tcase_add_test(bounds, test_byte_after_length_is_ignored);
    tcase_add_test(bounds, test_exactly_sized_heap_buffer_is_not_overread);
    tcase_add_test(bounds, test_embedded_nul_is_syntax);
    suite_add_tcase(s, bounds);

    TCase *junk = tcase_create("junk");
    tcase_add_test(junk, test_empty_or_blank_is_empty);
    tcase_add_test(junk, test_letters_and_symbols_are_syntax);
    tcase_add_test(junk, test_bad_exponent_is_syntax);
    tcase_add_test(junk, test_unusable_format_is_syntax);
    tcase_add_test(junk, test_null_out_only_validates);
    suite_add_tcase(s, junk);

    TCase *minor = tcase_create("minor");
    tcase_add_test(minor, test_minor_mode_takes_the_integer_as_is);
    tcase_add_test(minor, test_minor_mode_refuses_a_decimal_separator);
    tcase_add_test(minor, test_minor_mode_allows_thousands_separators);
    tcase_add_test(minor, test_hundredths_mode_scales_to_the_currencys_exponent);
    tcase_add_test(minor, test_currency_symbol_where_people_write_it);
    suite_add_tcase(s, minor);

    TCase *err = tcase_create("errors");
    tcase_add_test(err, test_error_codes_are_stable_tokens);
    tcase_add_test(err, test_error_messages_are_distinct_sentences);
    suite_add_tcase(s, err);

    TCase *fmt = tcase_create("format");
    tcase_add_test(fmt, test_format_writes_plain_major_units);
    tcase_add_test(fmt, test_format_pads_small_values_with_zeros);
    tcase_add_test(fmt, test_format_int64_extremes);
    tcase_add_test(fmt, test_format_refuses_a_small_buffer_but_terminates_it);
    tcase_add_test(fmt, test_format_refuses_a_bad_exponent);
    tcase_add_test(fmt, test_parse_format_parse_round_trips);
    tcase_add_test(fmt, test_text_round_trips_through_minor_units);
    suite_add_tcase(s, fmt);

    TCase *table = tcase_create("currencies");
    tcase_add_test(table, test_common_currency_exponents);
    tcase_add_test(table, test_franc_zone_currencies_have_no_minor_unit);
    tcase_add_test(table, test_three_and_four_decimal_currencies);
    tcase_add_test(table, test_recent_currencies_are_known);
    tcase_add_test(table, test_withdrawn_currencies_are_unknown);
    tcase_add_test(table, test_codes_without_minor_unit_are_not_in_the_table);
    tcase_add_test(table, test_unknown_or_malformed_codes_are_minus_one);
    tcase_add_test(table, test_table_is_sorted_complete_and_sane);
    tcase_add_test(table, test_numeric_codes_match_iso);
    suite_add_tcase(s, table);

    TCase *pub = tcase_create("public");
    tcase_add_test(pub, test_public_currency_exponent);
    tcase_add_test(pub, test_public_format_uses_the_currency_exponent);
    tcase_add_test(pub, test_public_format_refuses_unknown_currency_or_small_buffer);
    tcase_add_test(pub, test_public_parse_is_exact_and_plain);
    suite_add_tcase(s, pub);

    return s;
}

int main(void) {
    return tu_run(money_suite());
}
