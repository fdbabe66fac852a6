/* Check suite for lib/profile/profile.c: the built-in profiles, the INI profile
 * format (every option, and every way a profile is refused with a message
 * that names the file, the line or section and the key), loading profiles
 * from files, and binding a file's header row to a profile. */
#include <dirent.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "profile/profile.h"
#include "recon.h"
#include "testdb.h"

/* ---- helpers -------------------------------------------------------------- */

/* Parses text that must be valid; fails the test with the message if not. */
static recon_profile *parse_ok(const char *text) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    int rc = recon_profile_parse(text, "ok.ini", &err, &p);
    ck_assert_msg(rc == RECON_OK, "profile refused (%d): %s", rc, err.message);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Parses text that must be refused with RECON_EPROFILE and a message that
 * contains every needle (NULL-terminated list). Also checks that a NULL
 * recon_error is accepted and gives the same status. */
static void expect_refused(const char *text, ...) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = (recon_profile *)&err; /* must be reset to NULL */
    int rc = recon_profile_parse(text, "bad.ini", &err, &p);
    ck_assert_msg(rc == RECON_EPROFILE, "want RECON_EPROFILE, got %d (%s) for:\n%s", rc,
                  err.message, text);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(err.code, RECON_EPROFILE);
    ck_assert_msg(strstr(err.message, "bad.ini") != NULL, "message does not name the file: %s",
                  err.message);
    va_list ap;
    va_start(ap, text);
    for (const char *needle; (needle = va_arg(ap, const char *)) != NULL;)
        ck_assert_msg(strstr(err.message, needle) != NULL, "message lacks \"%s\": %s", needle,
                      err.message);
    va_end(ap);

    p = NULL;
    ck_assert_int_eq(recon_profile_parse(text, "bad.ini", NULL, &p), RECON_EPROFILE);
    ck_assert_ptr_null(p);
}

/* A valid minimal profile; the invalid ones below are variations of it.
 * Line numbers matter: messages name them. */
#define L_PROFILE "[profile]\n"            /* 1 */
#define L_NAME "name = t\n"                /* 2 */
#define L_TYPE "source_type = psp\n"       /* 3 */
#define L_COLUMNS "[columns]\n"            /* 4 */
#define L_ID "external_id = id\n"          /* 5 */
#define L_DATE "occurred_at = date\n"      /* 6 */
#define L_AMOUNT "amount = amount\n"       /* 7 */
#define L_CURRENCY "currency = currency\n" /* 8 */
#define L_KINDS "[kinds]\n"                /* 9 */
#define L_DEFAULT "default = charge\n"     /* 10 */
#define MINIMAL L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT

static char tmp[256];

static void write_text(const char *name, const char *text, char *path, size_t size) {
    tu_write_file(tmp, name, text, strlen(text), path, size);
}

/* ---- built-in profiles ------------------------------------------------------- */

START_TEST(test_builtin_generic_psp_loads_with_name_type_and_description) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_msg(recon_profile_builtin("generic_psp", &err, &p) == RECON_OK, "%s", err.message);
    ck_assert_str_eq(recon_profile_name(p), "generic_psp");
    ck_assert_int_eq(recon_profile_source_type(p), RECON_SOURCE_PSP);
    ck_assert_str_eq(recon_profile_description(p),
                     "Generic PSP settlement report (id, type, amount, fee, net, currency, "
                     "payout id)");
    ck_assert_int_eq(p->delim, ',');
    ck_assert_int_eq(p->header, 1);
    ck_assert_int_eq(p->sign, RC_SIGN_SIGNED);
    ck_assert(p->cols[RC_F_EXTERNAL_ID].configured && !p->cols[RC_F_EXTERNAL_ID].optional);
    ck_assert(p->cols[RC_F_KIND].configured);
    ck_assert(p->cols[RC_F_SETTLED_AT].optional);
    ck_assert(p->cols[RC_F_FEE].optional);
    ck_assert_int_eq(p->unknown_is_other, 0);
    rc_kind k;
    int neg = -1;
    ck_assert_int_eq(rc_profile_kind(p, "dispute", 7, &k, &neg), 0);
    ck_assert_int_eq(k, RC_K_CHARGEBACK);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_builtin_generic_bank_loads_with_name_type_and_description) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_msg(recon_profile_builtin("generic_bank", &err, &p) == RECON_OK, "%s", err.message);
    ck_assert_str_eq(recon_profile_name(p), "generic_bank");
    ck_assert_int_eq(recon_profile_source_type(p), RECON_SOURCE_BANK);
    ck_assert_str_eq(recon_profile_description(p),
                     "Generic bank statement (date, value date, description, signed amount, "
                     "currency)");
    ck_assert(p->cols[RC_F_EXTERNAL_ID].optional);
    ck_assert(!p->cols[RC_F_KIND].configured);
    ck_assert_int_eq(p->from_sign, 1);
    ck_assert_int_eq(p->sign_kinds[0], RC_K_BANK_CREDIT);
    ck_assert_int_eq(p->sign_kinds[1], RC_K_BANK_DEBIT);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_builtin_names_are_sorted_and_each_loads) {
    size_t n = recon_profile_builtin_count();
    ck_assert_uint_ge(n, 2);
    int have_psp = 0, have_bank = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = recon_profile_builtin_name(i);
        ck_assert_ptr_nonnull(name);
        if (i > 0)
            ck_assert_msg(strcmp(recon_profile_builtin_name(i - 1), name) < 0,
                          "built-in names not sorted: %s before %s",
                          recon_profile_builtin_name(i - 1), name);
        have_psp |= !strcmp(name, "generic_psp");
        have_bank |= !strcmp(name, "generic_bank");
        recon_error err = RECON_ERROR_INIT;
        recon_profile *p = NULL;
        ck_assert_msg(recon_profile_builtin(name, &err, &p) == RECON_OK, "%s: %s", name,
                      err.message);
        ck_assert_str_eq(recon_profile_name(p), name);
        recon_profile_free(p);
    }
    ck_assert(have_psp && have_bank);
    ck_assert_ptr_null(recon_profile_builtin_name(n));
    ck_assert_ptr_null(recon_profile_builtin_name((size_t)-1));
}
END_TEST

START_TEST(test_unknown_builtin_is_not_found_and_names_it) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = (recon_profile *)&err;
    ck_assert_int_eq(recon_profile_builtin("stripe_legacy", &err, &p), RECON_ENOTFOUND);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(err.code, RECON_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "stripe_legacy"));
    /* Not a prefix match, not case-insensitive. */
    ck_assert_int_eq(recon_profile_builtin("generic", NULL, &p), RECON_ENOTFOUND);
    ck_assert_int_eq(recon_profile_builtin("GENERIC_PSP", NULL, &p), RECON_ENOTFOUND);
    ck_assert_int_eq(recon_profile_builtin("", NULL, &p), RECON_ENOTFOUND);
    ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_null_arguments_are_misuse_with_or_without_error_struct) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin(NULL, &err, &p), RECON_EMISUSE);
    ck_assert_int_eq(err.code, RECON_EMISUSE);
    ck_assert_int_eq(recon_profile_builtin("generic_psp", NULL, NULL), RECON_EMISUSE);
    ck_assert_int_eq(recon_profile_parse(NULL, "x", NULL, &p), RECON_EMISUSE);
    ck_assert_int_eq(recon_profile_parse(MINIMAL, "x", NULL, NULL), RECON_EMISUSE);
    ck_assert_int_eq(recon_profile_load(NULL, NULL, &p), RECON_EMISUSE);
    ck_assert_int_eq(recon_profile_load("x.ini", NULL, NULL), RECON_EMISUSE);
    recon_profile_free(NULL);
    ck_assert_ptr_null(recon_profile_name(NULL));
    ck_assert_ptr_null(recon_profile_description(NULL));
}
END_TEST

START_TEST(test_source_type_names) {
    ck_assert_str_eq(recon_source_type_name(RECON_SOURCE_PSP), "psp");
    ck_assert_str_eq(recon_source_type_name(RECON_SOURCE_BANK), "bank");
    ck_assert_str_eq(recon_source_type_name(RECON_SOURCE_LEDGER), "ledger");
    ck_assert_str_eq(recon_source_type_name((recon_source_type)0), "?");
    ck_assert_str_eq(recon_source_type_name((recon_source_type)99), "?");
}
END_TEST

/* ---- valid profiles: every option --------------------------------------------- */

START_TEST(test_minimal_profile_gets_the_documented_defaults) {
    recon_profile *p = parse_ok(MINIMAL);
    ck_assert_str_eq(recon_profile_name(p), "t");
    ck_assert_str_eq(recon_profile_description(p), ""); /* never NULL */
    ck_assert_int_eq(recon_profile_source_type(p), RECON_SOURCE_PSP);
    ck_assert_int_eq(p->delim, ',');
    ck_assert_int_eq(p->header, 1);
    ck_assert_uint_eq(p->skip_lines, 0);
    ck_assert_int_eq(p->money.decimal, '.');
    ck_assert_int_eq(p->money.thousands, 0);
    ck_assert_int_eq(p->money.minor, 0);
    ck_assert_int_eq(p->sign, RC_SIGN_SIGNED);
    ck_assert_int_eq(p->invert, 0);
    ck_assert_int_eq(p->fee_signed, 0);
    ck_assert_str_eq(p->currency, "");
    ck_assert_str_eq(p->timezone, "UTC");
    ck_assert_int_eq(p->tz_offset_min, 0);
    ck_assert_int_eq(p->unknown_is_other, 0);
    ck_assert_int_eq(p->from_sign, 0);
    ck_assert_int_eq(p->has_default_kind, 1);
    ck_assert_int_eq(p->default_kind, RC_K_CHARGE);
    /* Dates default to iso8601. */
    char out[RC_TIME_BUF];
    ck_assert_int_eq(rc_time_parse("2024-05-01T10:00:00Z", 20, &p->occurred_fmt, 0, out),
                     RC_TIME_OK);
    ck_assert_str_eq(out, "2024-05-01T10:00:00Z");
    ck_assert_int_eq(rc_time_parse("2024-05-02", 10, &p->settled_fmt, 0, out), RC_TIME_OK);
    ck_assert_str_eq(out, "2024-05-02");
    /* Columns: configured, required, no position. */
    ck_assert(p->cols[RC_F_AMOUNT].configured);
    ck_assert(!p->cols[RC_F_AMOUNT].optional);
    ck_assert_uint_eq(p->cols[RC_F_AMOUNT].position, 0);
    ck_assert(!p->cols[RC_F_FEE].configured);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_profile_section_keys) {
    recon_profile *p =
        parse_ok("[profile]\n"
                 "name = acme_ledger\n"
                 "description = Acme's general ledger, exported nightly\n"
                 "source_type = ledger\n"
                 "header = yes\n"
                 "skip_lines = 3\n" L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT);
    ck_assert_str_eq(recon_profile_name(p), "acme_ledger");
    ck_assert_str_eq(recon_profile_description(p), "Acme's general ledger, exported nightly");
    ck_assert_int_eq(recon_profile_source_type(p), RECON_SOURCE_LEDGER);
    ck_assert_uint_eq(p->skip_lines, 3);
    ck_assert_int_eq(p->header, 1);
    recon_profile_free(p);

    p = parse_ok(L_PROFILE L_NAME
                 "source_type = bank\n" L_COLUMNS L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT);
    ck_assert_int_eq(recon_profile_source_type(p), RECON_SOURCE_BANK);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_delimiter_names) {
    static const struct {
        const char *value;
        char want;
    } cases[] = {{"comma", ','}, {"semicolon", ';'}, {"tab", '\t'}, {"pipe", '|'}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s%s%sdelimiter = %s\n%s", L_PROFILE, L_NAME, L_TYPE,
                 cases[i].value, L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT);
        recon_profile *p = parse_ok(text);
        ck_assert_msg(p->delim == cases[i].want, "delimiter = %s gave %d", cases[i].value,
                      p->delim);
        recon_profile_free(p);
    }
}
END_TEST

START_TEST(test_header_no_with_column_count_and_positions) {
    recon_profile *p = parse_ok(L_PROFILE L_NAME L_TYPE "header = no\n"
                                                        "columns = 5\n"
                                                        "[columns]\n"
                                                        "occurred_at = #1\n"
                                                        "description? = #2\n"
                                                        "amount = #5\n"
                                                        "currency = #3\n"
                                                        "[kinds]\n"
                                                        "from_sign = bank_credit, bank_debit\n");
    ck_assert_int_eq(p->header, 0);
    ck_assert_uint_eq(p->ncolumns, 5);
    ck_assert_uint_eq(p->cols[RC_F_OCCURRED_AT].position, 1);
    ck_assert_uint_eq(p->cols[RC_F_DESCRIPTION].position, 2);
    ck_assert_int_eq(p->cols[RC_F_DESCRIPTION].optional, 1);
    ck_assert_uint_eq(p->cols[RC_F_AMOUNT].position, 5);
    ck_assert_uint_eq(p->cols[RC_F_CURRENCY].position, 3);
    ck_assert(!p->cols[RC_F_EXTERNAL_ID].configured);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_units_decimal_and_thousands) {
    recon_profile *p = parse_ok(MINIMAL "[amounts]\nunits = minor\n");
    ck_assert_int_eq(p->money.minor, 1);
    recon_profile_free(p);

    p = parse_ok(MINIMAL "[amounts]\nunits = major\ndecimal = ,\nthousands = .\n");
    ck_assert_int_eq(p->money.minor, 0);
    ck_assert_int_eq(p->money.decimal, ',');
    ck_assert_int_eq(p->money.thousands, '.');
    int64_t v = 0;
    ck_assert_int_eq(rc_money_parse("-1.234,56", 9, 2, &p->money, &v), RC_MONEY_OK);
    ck_assert_int_eq(v, -123456);
    recon_profile_free(p);

    static const struct {
        const char *decimal, *thousands;
        char want_decimal, want_thousands;
    } cases[] = {{".", ",", '.', ','},
                 {",", "space", ',', ' '},
                 {".", "apostrophe", '.', '\''},
                 {",", "none", ',', 0},
                 {".", "none", '.', 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s[amounts]\ndecimal = %s\nthousands = %s\n", MINIMAL,
                 cases[i].decimal, cases[i].thousands);
        p = parse_ok(text);
        ck_assert_int_eq(p->money.decimal, cases[i].want_decimal);
        ck_assert_int_eq(p->money.thousands, cases[i].want_thousands);
        recon_profile_free(p);
    }
}
END_TEST

START_TEST(test_sign_signed_with_invert) {
    recon_profile *p = parse_ok(MINIMAL "[amounts]\nsign = signed\ninvert = yes\n");
    ck_assert_int_eq(p->sign, RC_SIGN_SIGNED);
    ck_assert_int_eq(p->invert, 1);
    recon_profile_free(p);
    p = parse_ok(MINIMAL "[amounts]\ninvert = no\n");
    ck_assert_int_eq(p->invert, 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_sign_debit_credit_with_debit_and_credit_columns) {
    recon_profile *p = parse_ok(L_PROFILE L_NAME "source_type = bank\n"
                                                 "[columns]\n"
                                                 "occurred_at = Buchungstag\n"
                                                 "debit = Soll, Debit\n"
                                                 "credit = Haben, Credit\n"
                                                 "currency = Waehrung\n"
                                                 "[amounts]\n"
                                                 "sign = debit_credit\n"
                                                 "[kinds]\n"
                                                 "from_sign = bank_credit, bank_debit\n");
    ck_assert_int_eq(p->sign, RC_SIGN_DEBIT_CREDIT);
    ck_assert(p->cols[RC_F_DEBIT].configured && p->cols[RC_F_CREDIT].configured);
    ck_assert(!p->cols[RC_F_AMOUNT].configured);
    ck_assert_uint_eq(p->cols[RC_F_DEBIT].naliases, 2);
    ck_assert_str_eq(p->cols[RC_F_DEBIT].aliases[0], "Soll");
    ck_assert_str_eq(p->cols[RC_F_DEBIT].aliases[1], "Debit");
    ck_assert_str_eq(p->cols[RC_F_CREDIT].aliases[1], "Credit");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_sign_direction_with_lower_cased_credit_and_debit_values) {
    recon_profile *p = parse_ok(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                                "direction = D/C\n"
                                "[amounts]\n"
                                "sign = direction\n"
                                "credit_values = CR, Credit\n"
                                "debit_values = DR,Debit , DBIT\n" L_KINDS L_DEFAULT);
    ck_assert_int_eq(p->sign, RC_SIGN_DIRECTION);
    ck_assert(p->cols[RC_F_DIRECTION].configured);
    ck_assert_str_eq(p->cols[RC_F_DIRECTION].aliases[0], "D/C");
    ck_assert_uint_eq(p->ncredit, 2);
    ck_assert_str_eq(p->credit_values[0], "cr");
    ck_assert_str_eq(p->credit_values[1], "credit");
    ck_assert_uint_eq(p->ndebit, 3);
    ck_assert_str_eq(p->debit_values[0], "dr");
    ck_assert_str_eq(p->debit_values[1], "debit");
    ck_assert_str_eq(p->debit_values[2], "dbit");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_fee_cost_or_signed) {
    recon_profile *p = parse_ok(MINIMAL "[amounts]\nfee = cost\n");
    ck_assert_int_eq(p->fee_signed, 0);
    recon_profile_free(p);
    p = parse_ok(MINIMAL "[amounts]\nfee = signed\n");
    ck_assert_int_eq(p->fee_signed, 1);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_fixed_currency_replaces_the_currency_column) {
    recon_profile *p = parse_ok(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT
                                "[amounts]\ncurrency = JPY\n" L_KINDS L_DEFAULT);
    ck_assert_str_eq(p->currency, "JPY");
    ck_assert(!p->cols[RC_F_CURRENCY].configured);
    recon_profile_free(p);
    /* An optional currency column is fine with a fixed fallback. */
    p = parse_ok(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT
                 "currency? = ccy\n"
                 "[amounts]\ncurrency = KWD\n" L_KINDS L_DEFAULT);
    ck_assert_str_eq(p->currency, "KWD");
    ck_assert(p->cols[RC_F_CURRENCY].configured && p->cols[RC_F_CURRENCY].optional);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_date_formats_and_fixed_time_zones) {
    recon_profile *p = parse_ok(MINIMAL "[dates]\n"
                                        "occurred_at = dmy_dot\n"
                                        "settled_at = %d-%b-%Y[ %H:%M]\n"
                                        "timezone = +02:00\n");
    char out[RC_TIME_BUF];
    ck_assert_int_eq(rc_time_parse("01.05.2024 01:30", 16, &p->occurred_fmt, p->tz_offset_min, out),
                     RC_TIME_OK);
    ck_assert_str_eq(out, "2024-04-30T23:30:00Z");
    ck_assert_int_eq(rc_time_parse("03-May-2024", 11, &p->settled_fmt, p->tz_offset_min, out),
                     RC_TIME_OK);
    ck_assert_str_eq(out, "2024-05-03");
    ck_assert_int_eq(p->tz_offset_min, 120);
    ck_assert_str_eq(p->timezone, "+02:00");
    recon_profile_free(p);

    static const struct {
        const char *zone;
        int minutes;
    } zones[] = {{"UTC", 0}, {"Z", 0}, {"-05:00", -300}, {"+0530", 330}, {"-03", -180}};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s[dates]\ntimezone = %s\n", MINIMAL, zones[i].zone);
        p = parse_ok(text);
        ck_assert_msg(p->tz_offset_min == zones[i].minutes, "%s -> %d", zones[i].zone,
                      p->tz_offset_min);
        ck_assert_str_eq(p->timezone, zones[i].zone);
        recon_profile_free(p);
    }

    static const char *const named[] = {"iso8601",  "ymd",     "mdy",
                                        "dmy",      "dmy_dot", "epoch",
                                        "epoch_ms", "%Y%m%d",  "%m/%d/%Y %I:%M %p"};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s[dates]\noccurred_at = %s\nsettled_at = %s\n", MINIMAL,
                 named[i], named[i]);
        p = parse_ok(text);
        recon_profile_free(p);
    }
}
END_TEST

START_TEST(test_kind_mappings_are_case_insensitive_and_accumulate) {
    recon_profile *p = parse_ok(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                                "kind = type\n"
                                "[kinds]\n"
                                "charge = Sale, CAPTURE\n"
                                "refund = refund\n"
                                "charge = payment\n"
                                "chargeback_reversal = dispute_won\n"
                                "bank_credit = incoming\n");
    rc_kind k = RC_K_COUNT;
    int neg = -1;
    ck_assert_int_eq(rc_profile_kind(p, "sale", 4, &k, &neg), 0);
    ck_assert_int_eq(k, RC_K_CHARGE);
    ck_assert_int_eq(rc_profile_kind(p, "Capture", 7, &k, &neg), 0);
    ck_assert_int_eq(k, RC_K_CHARGE);
    ck_assert_int_eq(rc_profile_kind(p, "PAYMENT", 7, &k, &neg), 0);
    ck_assert_int_eq(k, RC_K_CHARGE);
    ck_assert_int_eq(rc_profile_kind(p, "refund", 6, &k, &neg), 0);
    ck_assert_int_eq(k, RC_K_REFUND);
    ck_assert_int_eq(rc_profile_kind(p, "dispute_won", 11, &k, &neg), 0);
    ck_assert_int_eq(k, RC_K_CHARGEBACK_REVERSAL);
    ck_assert_int_eq(rc_profile_kind(p, "incoming", 8, &k, &neg), 0);
    ck_assert_int_eq(k, RC_K_BANK_CREDIT);
    /* Length is exact: no prefix matches. */
    ck_assert_int_eq(rc_profile_kind(p, "refunds", 7, &k, &neg), -1);
    ck_assert_int_eq(rc_profile_kind(p, "refund", 5, &k, &neg), -1);
    ck_assert_int_eq(rc_profile_kind(p, "payout", 6, &k, &neg), -1);
    ck_assert_int_eq(p->unknown_is_other, 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_unknown_other_from_sign_and_default) {
    recon_profile *p = parse_ok(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                                "kind = type\n"
                                "[kinds]\n"
                                "charge = sale\n"
                                "unknown = other\n");
    ck_assert_int_eq(p->unknown_is_other, 1);
    recon_profile_free(p);

    /* unknown = other alone is enough for a kind column. */
    p = parse_ok(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                 "kind = type\n[kinds]\nunknown = other\n");
    ck_assert_int_eq(p->unknown_is_other, 1);
    recon_profile_free(p);

    p = parse_ok(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                 "[kinds]\nunknown = reject\nfrom_sign = charge, refund\n");
    ck_assert_int_eq(p->unknown_is_other, 0);
    ck_assert_int_eq(p->from_sign, 1);
    ck_assert_int_eq(p->sign_kinds[0], RC_K_CHARGE);
    ck_assert_int_eq(p->sign_kinds[1], RC_K_REFUND);
    recon_profile_free(p);

    p = parse_ok(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                 "[kinds]\ndefault = adjustment\n");
    ck_assert_int_eq(p->has_default_kind, 1);
    ck_assert_int_eq(p->default_kind, RC_K_ADJUSTMENT);
    ck_assert_int_eq(p->from_sign, 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_optional_columns_and_aliases) {
    recon_profile *p =
        parse_ok(L_PROFILE L_NAME L_TYPE "[columns]\n"
                                         "external_id = id, Transaction ID ,txn_id\n"
                                         "occurred_at = date\n"
                                         "settled_at? = available_on\n"
                                         "amount = amount, gross\n"
                                         "fee? = fee\n"
                                         "net? = net\n"
                                         "currency = currency\n"
                                         "group_id? = payout_id\n"
                                         "reference? = reference\n"
                                         "description? = description\n"
                                         "counterparty? = customer\n"
                                         "provider_status? = status\n"
                                         "provider_code? = error_code\n" L_KINDS L_DEFAULT);
    const rc_column *id = &p->cols[RC_F_EXTERNAL_ID];
    ck_assert(id->configured && !id->optional);
    ck_assert_uint_eq(id->naliases, 3);
    ck_assert_str_eq(id->aliases[0], "id");
    ck_assert_str_eq(id->aliases[1], "Transaction ID"); /* trimmed, inner space kept */
    ck_assert_str_eq(id->aliases[2], "txn_id");
    static const rc_field optional[] = {
        RC_F_SETTLED_AT,   RC_F_FEE,         RC_F_NET,          RC_F_GROUP_ID,
        RC_F_REFERENCE,    RC_F_DESCRIPTION, RC_F_COUNTERPARTY, RC_F_PROVIDER_STATUS,
        RC_F_PROVIDER_CODE};
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
        ck_assert_msg(p->cols[optional[i]].configured && p->cols[optional[i]].optional, "%s",
                      rc_field_name(optional[i]));
    }
    ck_assert(!p->cols[RC_F_AMOUNT].optional);
    ck_assert_uint_eq(p->cols[RC_F_AMOUNT].naliases, 2);
    ck_assert_str_eq(p->cols[RC_F_AMOUNT].aliases[1], "gross");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_repeated_key_adds_aliases) {
    /* A long alias list may be split over several lines with the same key. */
    recon_profile *p = parse_ok(
        L_PROFILE L_NAME L_TYPE L_COLUMNS
        "external_id = id, txn_id\n"
        "external_id = balance_transaction_id\n" L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT);
    const rc_column *id = &p->cols[RC_F_EXTERNAL_ID];
    ck_assert_uint_eq(id->naliases, 3);
    ck_assert_str_eq(id->aliases[0], "id");
    ck_assert_str_eq(id->aliases[1], "txn_id");
    ck_assert_str_eq(id->aliases[2], "balance_transaction_id");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_comments_and_blank_lines_are_ignored) {
    recon_profile *p = parse_ok("# a comment\n"
                                "; another comment\n"
                                "\n" MINIMAL "\n# trailing\n");
    ck_assert_str_eq(recon_profile_name(p), "t");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_field_and_kind_names) {
    ck_assert_str_eq(rc_field_name(RC_F_EXTERNAL_ID), "external_id");
    ck_assert_str_eq(rc_field_name(RC_F_AMOUNT), "amount");
    ck_assert_str_eq(rc_field_name(RC_F_DIRECTION), "direction");
    ck_assert_str_eq(rc_field_name(RC_F_COUNT), "?");
    ck_assert_str_eq(rc_kind_name(RC_K_CHARGE), "charge");
    ck_assert_str_eq(rc_kind_name(RC_K_CHARGEBACK_REVERSAL), "chargeback_reversal");
    ck_assert_str_eq(rc_kind_name(RC_K_OTHER), "other");
    ck_assert_str_eq(rc_kind_name(RC_K_COUNT), "?");
}
END_TEST

/* ---- invalid profiles ------------------------------------------------------ */

START_TEST(test_unknown_section_is_refused_with_line) {
    expect_refused(MINIMAL "[extras]\n"   /* 11 */
                           "foo = bar\n", /* 12 */
                   "bad.ini:12:", "[extras]", "unknown section", NULL);
}
END_TEST

/* inih reads 200 bytes of a line and parses the rest as a line of its
 * own: a long comment must not turn into a key. */
START_TEST(test_a_line_too_long_for_the_ini_reader_is_refused) {
    char text[1024];
    snprintf(text, sizeof text, "%s; %0*d amount = fee\n", MINIMAL, 200, 0);
    expect_refused(text, "bad.ini:11:", "line longer than 198 bytes", NULL);
}
END_TEST

START_TEST(test_unknown_key_is_refused_with_line_section_and_key) {
    expect_refused(
        L_PROFILE L_NAME
        "colour = red\n" L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
        "bad.ini:3:", "[profile] colour", "unknown key", NULL);
    expect_refused(MINIMAL "[amounts]\nrounding = half_even\n", "bad.ini:12:", "[amounts] rounding",
                   "unknown key", NULL);
    expect_refused(MINIMAL "[dates]\nformat = iso8601\n", "bad.ini:12:", "[dates] format",
                   "unknown key", NULL);
    expect_refused(MINIMAL "refunds = refund\n", "bad.ini:11:", "[kinds] refunds", NULL);
}
END_TEST

START_TEST(test_unknown_column_field_is_refused) {
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE
                   "amout = amount\n" L_CURRENCY L_KINDS L_DEFAULT,
                   "bad.ini:7:", "[columns] amout", "unknown field", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                   "iban? = iban\n" L_KINDS L_DEFAULT,
                   "bad.ini:9:", "iban", "unknown field", NULL);
}
END_TEST

START_TEST(test_bad_values_in_profile_section) {
    expect_refused(
        L_PROFILE L_NAME L_TYPE
        "delimiter = colon\n" L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
        "bad.ini:4:", "[profile] delimiter", "colon", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE
                   "delimiter = ::\n" L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "bad.ini:4:", "delimiter", NULL);
    expect_refused(
        L_PROFILE L_NAME
        "source_type = wallet\n" L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
        "bad.ini:3:", "source_type", "wallet", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE
                   "header = maybe\n" L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "bad.ini:4:", "header", "maybe", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE
                   "skip_lines = -1\n" L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "bad.ini:4:", "skip_lines", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE
                   "skip_lines = 2x\n" L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "bad.ini:4:", "skip_lines", NULL);
    expect_refused(L_PROFILE
                   "name =\n" L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "bad.ini:2:", "name", NULL);
    expect_refused(
        L_PROFILE L_NAME L_TYPE
        "header = no\ncolumns = 0\n" L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
        "bad.ini:5:", "columns", NULL);
}
END_TEST

/* A text key given again, or given empty after a valid value, must neither
 * lose the other keys nor leave a freed pointer for recon_profile_free to
 * free again (ASan turns that into a failure here). */
START_TEST(test_repeated_or_empty_text_keys_keep_the_profile_sound) {
    recon_profile *p = parse_ok("[profile]\nname = dbl\nsource_type = psp\n"
                                "detect_first = id\ndetect_line = xx\n"
                                "provider = Acme\nprovider = Beta\n" L_COLUMNS L_ID L_DATE L_AMOUNT
                                    L_CURRENCY L_KINDS L_DEFAULT);
    ck_assert_str_eq(p->detect_first, "id"); /* detect_line used to free it */
    ck_assert_uint_eq(p->ndetect_line, 1);
    ck_assert_str_eq(p->detect_line[0], "xx");
    ck_assert_str_eq(p->provider, "beta");
    recon_profile_free(p);
    static const char *const keys[] = {"name", "provider", "detect_first", "detect_line"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char text[512];
        snprintf(text, sizeof text,
                 "[profile]\nname = first\nsource_type = psp\n%s = first\n%s =\n" L_COLUMNS L_ID
                     L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                 keys[k], keys[k]);
        expect_refused(text, "bad.ini:5:", keys[k], "must not be empty", NULL);
    }
}
END_TEST

START_TEST(test_bad_values_in_amounts_section) {
    expect_refused(MINIMAL "[amounts]\nsign = plus\n", "bad.ini:12:", "[amounts] sign", "plus",
                   NULL);
    expect_refused(MINIMAL "[amounts]\nunits = cents\n", "bad.ini:12:", "units", "cents", NULL);
    expect_refused(MINIMAL "[amounts]\ndecimal = ;\n", "bad.ini:12:", "decimal", NULL);
    expect_refused(MINIMAL "[amounts]\ndecimal = ..\n", "bad.ini:12:", "decimal", NULL);
    expect_refused(MINIMAL "[amounts]\nthousands = _\n", "bad.ini:12:", "thousands", NULL);
    expect_refused(MINIMAL "[amounts]\ninvert = sometimes\n", "bad.ini:12:", "invert", NULL);
    expect_refused(MINIMAL "[amounts]\nfee = free\n", "bad.ini:12:", "[amounts] fee", "free", NULL);
}
END_TEST

START_TEST(test_bad_fixed_currency_is_refused) {
    expect_refused(MINIMAL "[amounts]\ncurrency = EURO\n", "bad.ini:12:", "[amounts] currency",
                   "EURO", NULL);
    expect_refused(MINIMAL "[amounts]\ncurrency = XYZ\n", "bad.ini:12:", "currency", "XYZ", NULL);
    expect_refused(MINIMAL "[amounts]\ncurrency = EU\n", "bad.ini:12:", "currency", NULL);
}
END_TEST

START_TEST(test_bad_date_format_is_refused) {
    expect_refused(MINIMAL "[dates]\noccurred_at = fancy\n", "bad.ini:12:", "[dates] occurred_at",
                   "fancy", NULL);
    expect_refused(MINIMAL "[dates]\nsettled_at = %d/%m\n", "bad.ini:12:", "[dates] settled_at",
                   NULL);
    expect_refused(MINIMAL "[dates]\noccurred_at = %Y-%m-%d %Q\n", "bad.ini:12:", "occurred_at",
                   NULL);
}
END_TEST

START_TEST(test_named_time_zone_is_refused_as_not_supported_yet) {
    expect_refused(MINIMAL "[dates]\ntimezone = Europe/Berlin\n", "bad.ini:12:", "[dates] timezone",
                   "Europe/Berlin", "not supported", NULL);
    expect_refused(MINIMAL "[dates]\ntimezone = +25:00\n", "bad.ini:12:", "timezone", NULL);
}
END_TEST

START_TEST(test_bad_kinds_are_refused) {
    expect_refused(MINIMAL "unknown = ignore\n", "bad.ini:11:", "[kinds] unknown", "ignore", NULL);
    expect_refused(MINIMAL "default = sale\n", "bad.ini:11:", "[kinds] default", "sale", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS
                   "from_sign = bank_credit, nonsense\n",
                   "bad.ini:10:", "[kinds] from_sign", NULL);
}
END_TEST

START_TEST(test_from_sign_needs_exactly_two_kinds) {
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS
                   "from_sign = bank_credit\n",
                   "bad.ini:10:", "[kinds] from_sign", "two kinds", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS
                   "from_sign = bank_credit, bank_debit, other\n",
                   "bad.ini:10:", "[kinds] from_sign", "two kinds", NULL);
}
END_TEST

START_TEST(test_line_that_is_not_key_value_is_refused_with_line) {
    expect_refused(
        L_PROFILE L_NAME
        "just some words\n" L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
        "bad.ini:3:", NULL);
}
END_TEST

START_TEST(test_missing_name_is_refused) {
    expect_refused(L_PROFILE L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "[profile] name", "missing", NULL);
}
END_TEST

START_TEST(test_missing_source_type_is_refused) {
    expect_refused(L_PROFILE L_NAME L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "[profile] source_type", "missing", NULL);
}
END_TEST

START_TEST(test_missing_occurred_at_is_refused) {
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "[columns] occurred_at", "missing", NULL);
}
END_TEST

START_TEST(test_missing_amount_is_refused) {
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_CURRENCY L_KINDS L_DEFAULT,
                   "[columns] amount", "missing", NULL);
}
END_TEST

START_TEST(test_debit_credit_without_debit_and_credit_columns_is_refused) {
    expect_refused(MINIMAL "[amounts]\nsign = debit_credit\n", "debit_credit", "debit", "credit",
                   NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_DATE
                   "debit = Soll\n" L_CURRENCY "[amounts]\nsign = debit_credit\n" L_KINDS L_DEFAULT,
                   "debit_credit", "credit", NULL);
}
END_TEST

START_TEST(test_direction_without_column_or_values_is_refused) {
    /* Column, no values. */
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                   "direction = dc\n[amounts]\nsign = direction\n" L_KINDS L_DEFAULT,
                   "sign = direction", "credit_values", "debit_values", NULL);
    /* Column, credit values only. */
    expect_refused(
        L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
        "direction = dc\n[amounts]\nsign = direction\ncredit_values = C\n" L_KINDS L_DEFAULT,
        "sign = direction", "debit_values", NULL);
    /* Values, no column. */
    expect_refused(MINIMAL "[amounts]\nsign = direction\ncredit_values = C\ndebit_values = D\n",
                   "sign = direction", "[columns] direction", NULL);
}
END_TEST

START_TEST(test_no_currency_column_and_no_fixed_currency_is_refused) {
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_KINDS L_DEFAULT,
                   "[columns] currency", "[amounts] currency", NULL);
    /* An optional currency column needs the fixed fallback. */
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT
                   "currency? = ccy\n" L_KINDS L_DEFAULT,
                   "currency", NULL);
}
END_TEST

START_TEST(test_thousands_equal_to_decimal_is_refused) {
    expect_refused(MINIMAL "[amounts]\ndecimal = ,\nthousands = ,\n", "thousands", "decimal", NULL);
    expect_refused(MINIMAL "[amounts]\nthousands = .\n", "thousands", "decimal", NULL);
}
END_TEST

START_TEST(test_header_no_without_column_count_is_refused) {
    expect_refused(L_PROFILE L_NAME L_TYPE "header = no\n"
                                           "[columns]\n"
                                           "occurred_at = #1\n"
                                           "amount = #2\n"
                                           "currency = #3\n" L_KINDS L_DEFAULT,
                   "[profile] columns", "missing", NULL);
}
END_TEST

START_TEST(test_position_beyond_column_count_is_refused_naming_the_key) {
    expect_refused(L_PROFILE L_NAME L_TYPE "header = no\n"
                                           "columns = 3\n"
                                           "[columns]\n"
                                           "occurred_at = #1\n"
                                           "amount = #2\n"
                                           "currency = #3\n"
                                           "settled_at? = #4\n" L_KINDS L_DEFAULT,
                   "[columns]", "#N", "settled_at", NULL);
}
END_TEST

START_TEST(test_bad_position_syntax_is_refused_with_line) {
    expect_refused(L_PROFILE L_NAME L_TYPE "header = no\n"      /* 4 */
                                           "columns = 3\n"      /* 5 */
                                           "[columns]\n"        /* 6 */
                                           "occurred_at = #0\n" /* 7 */
                                           "amount = #2\n"
                                           "currency = #3\n" L_KINDS L_DEFAULT,
                   "bad.ini:7:", "[columns] occurred_at", "#0", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE "header = no\n"
                                           "columns = 3\n"
                                           "[columns]\n"
                                           "occurred_at = #x\n"
                                           "amount = #2\n"
                                           "currency = #3\n" L_KINDS L_DEFAULT,
                   "bad.ini:7:", "occurred_at", NULL);
}
END_TEST

START_TEST(test_named_column_with_header_no_is_refused_naming_the_key) {
    expect_refused(L_PROFILE L_NAME L_TYPE "header = no\n"
                                           "columns = 3\n"
                                           "[columns]\n"
                                           "occurred_at = #1\n"
                                           "amount = #2\n"
                                           "currency = #3\n"
                                           "reference? = ref\n" L_KINDS L_DEFAULT,
                   "[columns]", "header = no", "reference", NULL);
}
END_TEST

START_TEST(test_position_with_header_yes_is_refused_naming_the_key) {
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                   "reference? = #2\n" L_KINDS L_DEFAULT,
                   "[columns]", "#N", "reference", NULL);
}
END_TEST

START_TEST(test_kind_column_without_mappings_is_refused) {
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                   "kind = type\n",
                   "[kinds]", "kind column", "mappings", NULL);
}
END_TEST

START_TEST(test_no_kind_column_and_no_from_sign_or_default_is_refused) {
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY, "[kinds]",
                   "from_sign", "default", NULL);
    /* Mappings without a kind column do not help. */
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY
                   "[kinds]\ncharge = sale\n",
                   "[kinds]", "from_sign", "default", NULL);
}
END_TEST

START_TEST(test_first_error_wins) {
    /* Two errors: the message names the first one's line. */
    expect_refused(L_PROFILE L_NAME "colour = red\n" L_TYPE "delimiter = colon\n" L_COLUMNS L_ID
                       L_DATE L_AMOUNT L_CURRENCY L_KINDS L_DEFAULT,
                   "bad.ini:3:", "colour", NULL);
}
END_TEST

START_TEST(test_default_origin_when_none_given) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_parse("[profile]\nname = x\n", NULL, &err, &p), RECON_EPROFILE);
    ck_assert_ptr_null(p);
    ck_assert_uint_gt(strlen(err.message), 0);
}
END_TEST

/* ---- loading from files ------------------------------------------------------ */

START_TEST(test_load_valid_file) {
    char path[512];
    write_text("acme.ini", MINIMAL, path, sizeof path);
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_msg(recon_profile_load(path, &err, &p) == RECON_OK, "%s", err.message);
    ck_assert_str_eq(recon_profile_name(p), "t");
    recon_profile_free(p);
    /* NULL err is fine on success too. */
    ck_assert_int_eq(recon_profile_load(path, NULL, &p), RECON_OK);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_load_invalid_file_names_path_and_line) {
    char path[512];
    write_text("bad.ini", MINIMAL "[amounts]\nsign = plus\n", path, sizeof path);
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_load(path, &err, &p), RECON_EPROFILE);
    ck_assert_ptr_null(p);
    char want[600];
    snprintf(want, sizeof want, "%s:12:", path);
    ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "sign"));
    ck_assert_int_eq(recon_profile_load(path, NULL, &p), RECON_EPROFILE);
}
END_TEST

START_TEST(test_load_missing_file_is_eio_naming_the_path) {
    char path[512];
    snprintf(path, sizeof path, "%s/no-such-profile.ini", tmp);
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = (recon_profile *)&err;
    ck_assert_int_eq(recon_profile_load(path, &err, &p), RECON_EIO);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(err.code, RECON_EIO);
    ck_assert_msg(strstr(err.message, path) != NULL, "%s", err.message);
    ck_assert_int_eq(recon_profile_load(path, NULL, &p), RECON_EIO);
    ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_load_directory_is_eio) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_load(tmp, &err, &p), RECON_EIO);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.message, tmp) != NULL, "%s", err.message);
}
END_TEST

START_TEST(test_load_file_with_nul_bytes_is_refused) {
    static const char text[] = "[profile]\nname = t\0x\nsource_type = psp\n";
    char path[512];
    tu_write_file(tmp, "nul.ini", text, sizeof text - 1, path, sizeof path);
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_load(path, &err, &p), RECON_EPROFILE);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.message, path) != NULL, "%s", err.message);
    ck_assert_msg(strstr(err.message, "NUL") != NULL, "%s", err.message);
    ck_assert_int_eq(recon_profile_load(path, NULL, &p), RECON_EPROFILE);
}
END_TEST

/* A valid profile padded with comment lines to `size` bytes. */
static char *padded_profile(size_t size) {
    char *buf = malloc(size + 1);
    ck_assert_ptr_nonnull(buf);
    size_t n = strlen(MINIMAL);
    memcpy(buf, MINIMAL, n);
    while (n < size) {
        size_t line = size - n < 64 ? size - n : 64;
        memset(buf + n, '#', line);
        buf[n + line - 1] = '\n';
        n += line;
    }
    buf[size] = '\0';
    return buf;
}

START_TEST(test_load_file_over_one_mib_is_refused) {
    char path[512];
    char *big = padded_profile(1024 * 1024 + 1);
    tu_write_file(tmp, "big.ini", big, strlen(big), path, sizeof path);
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_load(path, &err, &p), RECON_EPROFILE);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.message, path) != NULL, "%s", err.message);
    ck_assert_int_eq(recon_profile_load(path, NULL, &p), RECON_EPROFILE);
    free(big);

    /* One MiB exactly is still a profile. */
    big = padded_profile(1024 * 1024);
    tu_write_file(tmp, "edge.ini", big, strlen(big), path, sizeof path);
    ck_assert_msg(recon_profile_load(path, &err, &p) == RECON_OK, "%s", err.message);
    recon_profile_free(p);
    free(big);
}
END_TEST

/* ---- header binding ------------------------------------------------------------ */

static recon_profile *bind_profile(void) {
    return parse_ok(L_PROFILE L_NAME L_TYPE "[columns]\n"
                                            "external_id = id, transaction_id\n"
                                            "kind = type\n"
                                            "occurred_at = created\n"
                                            "settled_at? = available_on\n"
                                            "amount = amount, gross\n"
                                            "fee? = fee\n"
                                            "currency = currency, currency_code\n"
                                            "description? = description\n"
                                            "[kinds]\n"
                                            "charge = charge\n");
}

static int bind_cells(const recon_profile *p, const char *const *cells, size_t n, rc_binding *out,
                      char *msg, size_t msgsize) {
    size_t lens[32];
    ck_assert_uint_le(n, 32);
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(cells[i]);
    return rc_profile_bind(p, cells, lens, n, out, msg, msgsize);
}

START_TEST(test_bind_is_case_insensitive_and_trims_spaces) {
    recon_profile *p = bind_profile();
    static const char *const header[] = {" ID ",     "Type",     "\tCREATED",
                                         "Amount  ", "Currency", "Notes"};
    rc_binding b;
    char msg[512];
    ck_assert_msg(bind_cells(p, header, 6, &b, msg, sizeof msg) == RECON_OK, "%s", msg);
    ck_assert_str_eq(msg, "");
    ck_assert_int_eq(b.index[RC_F_EXTERNAL_ID], 0);
    ck_assert_int_eq(b.index[RC_F_KIND], 1);
    ck_assert_int_eq(b.index[RC_F_OCCURRED_AT], 2);
    ck_assert_int_eq(b.index[RC_F_AMOUNT], 3);
    ck_assert_int_eq(b.index[RC_F_CURRENCY], 4);
    ck_assert_uint_eq(b.ncolumns, 6);
    /* names point at the caller's header cells, as written there. */
    ck_assert_ptr_eq(b.names[RC_F_EXTERNAL_ID], header[0]);
    ck_assert_ptr_eq(b.names[RC_F_AMOUNT], header[3]);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_bind_uses_lengths_not_nul_terminators) {
    recon_profile *p = bind_profile();
    /* The cells are slices of one buffer, as a CSV reader may give them. */
    static const char buf[] = "idtypecreatedamountcurrency";
    const char *cells[] = {buf, buf + 2, buf + 6, buf + 13, buf + 19};
    size_t lens[] = {2, 4, 7, 6, 8};
    rc_binding b;
    char msg[512];
    ck_assert_msg(rc_profile_bind(p, cells, lens, 5, &b, msg, sizeof msg) == RECON_OK, "%s", msg);
    ck_assert_int_eq(b.index[RC_F_EXTERNAL_ID], 0);
    ck_assert_int_eq(b.index[RC_F_CURRENCY], 4);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_bind_prefers_earlier_alias_over_earlier_column) {
    recon_profile *p = bind_profile();
    /* "gross" comes first in the file, but "amount" is the first alias. */
    static const char *const header[] = {"transaction_id", "gross",         "type", "created",
                                         "amount",         "currency_code", "id"};
    rc_binding b;
    char msg[512];
    ck_assert_msg(bind_cells(p, header, 7, &b, msg, sizeof msg) == RECON_OK, "%s", msg);
    ck_assert_int_eq(b.index[RC_F_AMOUNT], 4);
    ck_assert_int_eq(b.index[RC_F_EXTERNAL_ID], 6);
    ck_assert_int_eq(b.index[RC_F_CURRENCY], 5);
    ck_assert_str_eq(b.names[RC_F_CURRENCY], "currency_code");

    static const char *const only_second[] = {"transaction_id", "gross", "type", "created",
                                              "currency"};
    ck_assert_msg(bind_cells(p, only_second, 5, &b, msg, sizeof msg) == RECON_OK, "%s", msg);
    ck_assert_int_eq(b.index[RC_F_AMOUNT], 1);
    ck_assert_int_eq(b.index[RC_F_EXTERNAL_ID], 0);
    ck_assert_str_eq(b.names[RC_F_EXTERNAL_ID], "transaction_id");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_bind_lists_missing_required_columns_with_aliases) {
    recon_profile *p = bind_profile();
    static const char *const header[] = {"id", "type", "created", "fee", "note"};
    rc_binding b;
    char msg[512];
    ck_assert_int_eq(bind_cells(p, header, 5, &b, msg, sizeof msg), RECON_EHEADER);
    ck_assert_msg(strstr(msg, "amount (one of: amount, gross)") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "currency (one of: currency, currency_code)") != NULL, "%s", msg);
    /* Present and optional columns are not listed. */
    ck_assert_msg(strstr(msg, "external_id") == NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "settled_at") == NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "description") == NULL, "%s", msg);
    recon_profile_free(p);
}
END_TEST

/* Two columns with the name the profile reads (after case folding and
 * trimming) leave no way to tell which holds the money: refused, both
 * named. A repeated column the profile does not read is harmless. */
START_TEST(test_bind_refuses_a_column_it_reads_named_twice) {
    recon_profile *p = bind_profile();
    static const char *const dup[] = {"id", "type", "created", "amount", " Amount", "currency"};
    static const char *const harmless[] = {"id",       "type", "created", "amount",
                                           "currency", "note", "note"};
    rc_binding b;
    char msg[512];
    ck_assert_int_eq(bind_cells(p, dup, 6, &b, msg, sizeof msg), RECON_EHEADER);
    ck_assert_str_eq(msg, "column \"amount\" is named twice (columns 4 and 5): cannot tell which "
                          "one to read");
    ck_assert_int_eq(bind_cells(p, harmless, 7, &b, msg, sizeof msg), RECON_OK);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_bind_allows_optional_columns_to_be_absent) {
    recon_profile *p = bind_profile();
    static const char *const header[] = {"id", "type", "created", "amount", "currency"};
    rc_binding b;
    char msg[512];
    ck_assert_msg(bind_cells(p, header, 5, &b, msg, sizeof msg) == RECON_OK, "%s", msg);
    ck_assert_int_eq(b.index[RC_F_SETTLED_AT], -1);
    ck_assert_int_eq(b.index[RC_F_FEE], -1);
    ck_assert_int_eq(b.index[RC_F_DESCRIPTION], -1);
    ck_assert_ptr_null(b.names[RC_F_FEE]);
    /* Fields the profile does not map are unbound. */
    ck_assert_int_eq(b.index[RC_F_NET], -1);
    ck_assert_int_eq(b.index[RC_F_GROUP_ID], -1);
    ck_assert_ptr_null(b.names[RC_F_NET]);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_bind_header_no_uses_positions) {
    recon_profile *p = parse_ok(L_PROFILE L_NAME L_TYPE "header = no\n"
                                                        "columns = 4\n"
                                                        "[columns]\n"
                                                        "occurred_at = #2\n"
                                                        "amount = #4\n"
                                                        "currency = #1\n" L_KINDS L_DEFAULT);
    rc_binding b;
    char msg[512];
    ck_assert_int_eq(rc_profile_bind(p, NULL, NULL, 0, &b, msg, sizeof msg), RECON_OK);
    ck_assert_uint_eq(b.ncolumns, 4);
    ck_assert_int_eq(b.index[RC_F_OCCURRED_AT], 1);
    ck_assert_int_eq(b.index[RC_F_AMOUNT], 3);
    ck_assert_int_eq(b.index[RC_F_CURRENCY], 0);
    ck_assert_int_eq(b.index[RC_F_EXTERNAL_ID], -1);
    ck_assert_ptr_null(b.names[RC_F_AMOUNT]);
    recon_profile_free(p);
}
END_TEST

/* ---- suite ---------------------------------------------------------------------- */

static void setup(void) {
    tu_tmpdir(tmp, sizeof tmp);
}

static void teardown(void) {
    tu_rm_tree(tmp);
}

/* ---- the newer sections ---------------------------------------------------------- */

#define BASE L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE L_AMOUNT L_CURRENCY

START_TEST(test_expression_errors_name_the_key_and_position) {
    expect_refused(BASE "reference? = concat(a, \"b)\n" L_KINDS L_DEFAULT,
                   "bad.ini:9:", "[columns] reference?", "unterminated", NULL);
    expect_refused(BASE "description? = if(a)\n" L_KINDS L_DEFAULT, "if() takes 2 arguments", NULL);
    /* sum() adds amounts: not for text fields, not nested. */
    expect_refused(BASE "reference? = sum(a, b)\n" L_KINDS L_DEFAULT, "[columns] reference",
                   "sum() is for amount", NULL);
    expect_refused(L_PROFILE L_NAME L_TYPE L_COLUMNS L_ID L_DATE
                   "amount = concat(sum(a, b), \"x\")\n" L_CURRENCY L_KINDS L_DEFAULT,
                   "[columns] amount", "sum()", NULL);
    /* A call is a field's whole value: not mixed with aliases. */
    expect_refused(BASE "reference? = ref\nreference? = concat(a, b)\n" L_KINDS L_DEFAULT,
                   "a call must be the field's only value", NULL);
    /* With header = no, a call's columns are positions. */
    expect_refused(L_PROFILE L_NAME L_TYPE "header = no\ncolumns = 3\n[columns]\n"
                                           "occurred_at = #1\namount = #2\ncurrency = #3\n"
                                           "reference? = concat(#1, Name)\n" L_KINDS L_DEFAULT,
                   "column 'Name' must be a position", NULL);
}
END_TEST

START_TEST(test_rows_records_and_totals_are_validated) {
    expect_refused(BASE "[rows]\nkeep_if = status\n" L_KINDS L_DEFAULT, "[rows] keep_if",
                   "COLUMN: value", NULL);
    expect_refused(BASE "[rows]\nskip_if = status:\n" L_KINDS L_DEFAULT, "needs at least one value",
                   NULL);
    expect_refused(BASE "[rows]\nfrob = x\n" L_KINDS L_DEFAULT, "[rows] frob", NULL);
    expect_refused(BASE "[records]\ntype = Kind\nheader = CH\ndata = SB\n" L_KINDS L_DEFAULT,
                   "[records] type must be a position", NULL);
    expect_refused(BASE "[records]\ntype = #1\nheader = CH\n" L_KINDS L_DEFAULT,
                   "[records] type needs header and data", NULL);
    expect_refused(BASE "[records]\ndata = SB\n" L_KINDS L_DEFAULT, "[records] needs type", NULL);
    expect_refused(BASE "[totals]\ncredits = #3\n" L_KINDS L_DEFAULT, "[totals] needs when", NULL);
    expect_refused(BASE "[totals]\nwhen = #1: SF\n" L_KINDS L_DEFAULT, "[totals] when needs amount",
                   NULL);
    expect_refused(BASE "[amounts]\nvalue = tare\n" L_KINDS L_DEFAULT, "'tare' is not gross or net",
                   NULL);
    expect_refused(BASE "net? = net\n[amounts]\nvalue = net\n" L_KINDS L_DEFAULT, "value = net",
                   "drop [columns] net", NULL);
    expect_refused(BASE "fee_direction? = fd\n" L_KINDS L_DEFAULT,
                   "fee_direction needs [amounts] credit_values", NULL);
    expect_refused(BASE "[profile]\nformat = xml\n" L_KINDS L_DEFAULT,
                   "'xml' is not csv, bai2, mt940, camt or ofx", NULL);
    expect_refused(BASE "[profile]\nformat = bai2\n" L_KINDS L_DEFAULT, "format = bai2",
                   "header = no", NULL);
}
END_TEST

START_TEST(test_kinds_with_wildcards_and_signs) {
    recon_profile *p = parse_ok(BASE "kind = type\n[kinds]\nfee = * fee, -platform*\n"
                                     "refund = -RETURN\nadjustment = refund/*\n"
                                     "chargeback = -refund/chargeback\n");
    rc_kind k;
    int neg = -1;
    ck_assert_int_eq(rc_profile_kind(p, "Gateway Fixed Fee", 17, &k, &neg), 0);
    ck_assert_int_eq(k, RC_K_FEE);
    ck_assert_int_eq(neg, 0);
    ck_assert_int_eq(rc_profile_kind(p, "Platform charge", 15, &k, &neg), 0);
    ck_assert(k == RC_K_FEE && neg == 1);
    ck_assert_int_eq(rc_profile_kind(p, "return", 6, &k, &neg), 0);
    ck_assert(k == RC_K_REFUND && neg == 1);
    /* An exact value wins over an earlier pattern. */
    ck_assert_int_eq(rc_profile_kind(p, "refund/chargeback", 17, &k, &neg), 0);
    ck_assert(k == RC_K_CHARGEBACK && neg == 1);
    ck_assert_int_eq(rc_profile_kind(p, "refund/api", 10, &k, &neg), 0);
    ck_assert(k == RC_K_ADJUSTMENT && neg == 0);
    ck_assert_int_eq(rc_profile_kind(p, "fees", 4, &k, &neg), -1);
    recon_profile_free(p);
}
END_TEST

static Suite *profile_suite(void) {
    Suite *s = suite_create("profile");

    TCase *b = tcase_create("builtin");
    tcase_add_test(b, test_builtin_generic_psp_loads_with_name_type_and_description);
    tcase_add_test(b, test_builtin_generic_bank_loads_with_name_type_and_description);
    tcase_add_test(b, test_builtin_names_are_sorted_and_each_loads);
    tcase_add_test(b, test_unknown_builtin_is_not_found_and_names_it);
    tcase_add_test(b, test_null_arguments_are_misuse_with_or_without_error_struct);
    tcase_add_test(b, test_source_type_names);
    suite_add_tcase(s, b);

    TCase *v = tcase_create("valid");
    tcase_add_test(v, test_minimal_profile_gets_the_documented_defaults);
    tcase_add_test(v, test_profile_section_keys);
    tcase_add_test(v, test_delimiter_names);
    tcase_add_test(v, test_header_no_with_column_count_and_positions);
    tcase_add_test(v, test_units_decimal_and_thousands);
    tcase_add_test(v, test_sign_signed_with_invert);
    tcase_add_test(v, test_sign_debit_credit_with_debit_and_credit_columns);
    tcase_add_test(v, test_sign_direction_with_lower_cased_credit_and_debit_values);
    tcase_add_test(v, test_fee_cost_or_signed);
    tcase_add_test(v, test_fixed_currency_replaces_the_currency_column);
    tcase_add_test(v, test_date_formats_and_fixed_time_zones);
    tcase_add_test(v, test_kind_mappings_are_case_insensitive_and_accumulate);
    tcase_add_test(v, test_unknown_other_from_sign_and_default);
    tcase_add_test(v, test_optional_columns_and_aliases);
    tcase_add_test(v, test_repeated_key_adds_aliases);
    tcase_add_test(v, test_comments_and_blank_lines_are_ignored);
    tcase_add_test(v, test_field_and_kind_names);
    suite_add_tcase(s, v);

    TCase *i = tcase_create("invalid");
    tcase_add_test(i, test_unknown_section_is_refused_with_line);
    tcase_add_test(i, test_a_line_too_long_for_the_ini_reader_is_refused);
    tcase_add_test(i, test_unknown_key_is_refused_with_line_section_and_key);
    tcase_add_test(i, test_unknown_column_field_is_refused);
    tcase_add_test(i, test_bad_values_in_profile_section);
    tcase_add_test(i, test_repeated_or_empty_text_keys_keep_the_profile_sound);
    tcase_add_test(i, test_bad_values_in_amounts_section);
    tcase_add_test(i, test_bad_fixed_currency_is_refused);
    tcase_add_test(i, test_bad_date_format_is_refused);
    tcase_add_test(i, test_named_time_zone_is_refused_as_not_supported_yet);
    tcase_add_test(i, test_bad_kinds_are_refused);
    tcase_add_test(i, test_from_sign_needs_exactly_two_kinds);
    tcase_add_test(i, test_line_that_is_not_key_value_is_refused_with_line);
    tcase_add_test(i, test_missing_name_is_refused);
    tcase_add_test(i, test_missing_source_type_is_refused);
    tcase_add_test(i, test_missing_occurred_at_is_refused);
    tcase_add_test(i, test_missing_amount_is_refused);
    tcase_add_test(i, test_debit_credit_without_debit_and_credit_columns_is_refused);
    tcase_add_test(i, test_direction_without_column_or_values_is_refused);
    tcase_add_test(i, test_no_currency_column_and_no_fixed_currency_is_refused);
    tcase_add_test(i, test_thousands_equal_to_decimal_is_refused);
    tcase_add_test(i, test_header_no_without_column_count_is_refused);
    tcase_add_test(i, test_position_beyond_column_count_is_refused_naming_the_key);
    tcase_add_test(i, test_bad_position_syntax_is_refused_with_line);
    tcase_add_test(i, test_named_column_with_header_no_is_refused_naming_the_key);
    tcase_add_test(i, test_position_with_header_yes_is_refused_naming_the_key);
    tcase_add_test(i, test_kind_column_without_mappings_is_refused);
    tcase_add_test(i, test_no_kind_column_and_no_from_sign_or_default_is_refused);
    tcase_add_test(i, test_first_error_wins);
    tcase_add_test(i, test_default_origin_when_none_given);
    tcase_add_test(i, test_expression_errors_name_the_key_and_position);
    tcase_add_test(i, test_rows_records_and_totals_are_validated);
    tcase_add_test(i, test_kinds_with_wildcards_and_signs);
    suite_add_tcase(s, i);

    TCase *l = tcase_create("load");
    tcase_add_unchecked_fixture(l, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(l, setup, teardown);
    tcase_add_test(l, test_load_valid_file);
    tcase_add_test(l, test_load_invalid_file_names_path_and_line);
    tcase_add_test(l, test_load_missing_file_is_eio_naming_the_path);
    tcase_add_test(l, test_load_directory_is_eio);
    tcase_add_test(l, test_load_file_with_nul_bytes_is_refused);
    tcase_add_test(l, test_load_file_over_one_mib_is_refused);
    suite_add_tcase(s, l);

    TCase *h = tcase_create("bind");
    tcase_add_test(h, test_bind_is_case_insensitive_and_trims_spaces);
    tcase_add_test(h, test_bind_uses_lengths_not_nul_terminators);
    tcase_add_test(h, test_bind_prefers_earlier_alias_over_earlier_column);
    tcase_add_test(h, test_bind_lists_missing_required_columns_with_aliases);
    tcase_add_test(h, test_bind_refuses_a_column_it_reads_named_twice);
    tcase_add_test(h, test_bind_allows_optional_columns_to_be_absent);
    tcase_add_test(h, test_bind_header_no_uses_positions);
    suite_add_tcase(s, h);
    return s;
}

int main(void) {
    return tu_run(profile_suite());
}
