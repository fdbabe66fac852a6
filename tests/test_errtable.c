/* Check suite for lib/errors/errtable.c: the unified error table and the retry
 * policy. Table-driven: every row of data/error_codes.csv classifies back to
 * itself at the level it documents; unknown codes, statuses and providers
 * fall back level by level; one concept is one unified code whichever
 * provider says it; retry delays follow each policy. */
#include <stdarg.h>
#include <stddef.h>
#include <strings.h>

#include "errors/errtable.h"
#include "recon.h"
#include "testutil.h"

static recon_error_info classify(const char *provider, int status, const char *code) {
    recon_error_info e = RECON_ERROR_INFO_INIT;
    ck_assert_int_eq(recon_error_classify(provider, status, code, &e), RECON_OK);
    return e;
}

static void expect(const char *provider, int status, const char *code, const char *unified,
                   recon_error_match matched) {
    recon_error_info e = classify(provider, status, code);
    ck_assert_msg(!strcmp(e.unified_code, unified) && e.matched == matched,
                  "%s %d %s: got %s/%s, want %s/%s", provider ? provider : "(null)", status,
                  code ? code : "(null)", e.unified_code, recon_error_match_name(e.matched),
                  unified, recon_error_match_name(matched));
}

/* ---- the table itself --------------------------------------------------------------- */

/* Every row classifies back to itself: coded rows exactly (families through
 * a member), status rows at the status level (cause rows given the cause),
 * class rows at the class level. */
START_TEST(test_every_row_classifies_back_to_itself) {
    ck_assert_uint_gt(recon_error_table_count(), 100);
    for (size_t i = 0; i < recon_error_table_count(); i++) {
        recon_error_row r = RECON_ERROR_ROW_INIT;
        ck_assert_int_eq(recon_error_table_row(i, &r), RECON_OK);
        char code[64];
        snprintf(code, sizeof code, "%s", r.provider_code);
        size_t n = strlen(code);
        int family = n > 1 && code[n - 1] == 'x' && code[0] >= '0' && code[0] <= '9';
        for (size_t k = n; family && k-- && code[k] == 'x';)
            code[k] = '7'; /* an undocumented member: 101x -> 1017, 20xxx -> 20777 */
        /* "*" is the provider's row for the codes it does not list. */
        int wildcard = !strcmp(r.provider_code, "*");
        if (wildcard) snprintf(code, sizeof code, "%s", "no such code");
        int status = r.http_status;
        if (!status && r.http_class[0])
            status = (r.http_class[0] - '0') * 100 + 99; /* 4xx -> 499 */
        const char *provider = !strcmp(r.provider, "*") ? "no_such_provider" : r.provider;
        recon_error_info e = RECON_ERROR_INFO_INIT;
        rc_error_detail d = {NULL, !strcmp(r.cause, "body:xml")};
        if (!strncmp(r.cause, "message:", 8)) d.message = r.cause + 8;
        rc_error_classify_detail(provider, status, code, &d, &e);
        recon_error_match want = wildcard                                     ? RECON_MATCH_STATUS
                                 : r.provider_code[0]                         ? RECON_MATCH_EXACT
                                 : !strcmp(r.provider, "*") && !r.http_status ? RECON_MATCH_CLASS
                                                                              : RECON_MATCH_STATUS;
        /* 1017 is not a documented member, so its family answers. */
        ck_assert_msg(e.matched == want && !strcmp(e.unified_code, r.unified_code) &&
                          !strcmp(e.action, r.action) && !strcmp(e.row_code, r.provider_code),
                      "row %zu (%s %d %s %s): got %s at %s from row '%s'", i, r.provider,
                      r.http_status, r.provider_code, r.cause, e.unified_code,
                      recon_error_match_name(e.matched), e.row_code);
        /* A documented row's category, retryability and policy are the row's own. */
        ck_assert_str_eq(e.category, r.category);
        ck_assert_int_eq(e.retryable, r.retryable);
        ck_assert_int_eq(e.retry_policy, r.retry_policy);
    }
}
END_TEST

/* The unified codes are a closed set: every row's code is in it, with its
 * category; codes are upper-case identifiers and unique. */
START_TEST(test_unified_codes_are_a_closed_set) {
    size_t n = recon_unified_code_count();
    ck_assert_uint_ge(n, 20);
    for (size_t i = 0; i < n; i++) {
        recon_unified_code u = RECON_UNIFIED_CODE_INIT;
        ck_assert_int_eq(recon_unified_code_get(i, &u), RECON_OK);
        for (const char *c = u.code; *c; c++)
            ck_assert_msg((*c >= 'A' && *c <= 'Z') || *c == '_', "code %s", u.code);
        ck_assert_uint_gt(strlen(u.meaning), 10);
        for (size_t j = 0; j < i; j++) {
            recon_unified_code v = RECON_UNIFIED_CODE_INIT;
            recon_unified_code_get(j, &v);
            ck_assert_str_ne(u.code, v.code);
        }
    }
    recon_unified_code u = RECON_UNIFIED_CODE_INIT;
    ck_assert_int_eq(recon_unified_code_get(n, &u), RECON_ENOTFOUND);
    for (size_t i = 0; i < recon_error_table_count(); i++) {
        recon_error_row r = RECON_ERROR_ROW_INIT;
        recon_error_table_row(i, &r);
        const rc_unified *found = rc_unified_find(r.unified_code);
        ck_assert_msg(found != NULL, "row %zu: %s not in the set", i, r.unified_code);
        ck_assert_str_eq(found->category, r.category);
    }
    recon_error_row r = RECON_ERROR_ROW_INIT;
    ck_assert_int_eq(recon_error_table_row(recon_error_table_count(), &r), RECON_ENOTFOUND);
}
END_TEST

/* ---- fallbacks --------------------------------------------------------------------- */

/* A misspelt provider classifies like an unknown one (by HTTP status);
 * recon_error_provider_known is how a caller tells that from a real
 * answer, and the list names each provider once. */
START_TEST(test_provider_known_and_the_provider_list) {
    ck_assert_int_eq(recon_error_provider_known("tabapay"), 1);
    ck_assert_int_eq(recon_error_provider_known("TabaPay"), 1);
    ck_assert_int_eq(recon_error_provider_known("librecon"), 1);
    ck_assert_int_eq(recon_error_provider_known("tabapy"), 0);
    ck_assert_int_eq(recon_error_provider_known("*"), 0); /* the shared HTTP rows */
    ck_assert_int_eq(recon_error_provider_known(""), 0);
    ck_assert_int_eq(recon_error_provider_known(NULL), 0);
    recon_error_info good = classify("tabapay", 429, NULL), typo = classify("tabapy", 429, NULL);
    ck_assert_int_eq(typo.matched, RECON_MATCH_STATUS);
    ck_assert_str_ne(typo.action, good.action); /* the provider's own row was missed */
    static const char *const want[] = {"adyen",    "braintree",        "checkout",     "iso8583",
                                       "paypal",   "stripe",           "ledge",        "librecon",
                                       "modulate", "ingenico_connect", "shop_gateway", "tabapay",
                                       "recurly",  "amazon_pay"};
    size_t n = 0;
    for (; recon_error_provider(n); n++) {
        const char *p = recon_error_provider(n);
        int found = 0;
        for (size_t i = 0; i < sizeof want / sizeof *want; i++)
            found += !strcmp(p, want[i]);
        ck_assert_msg(found == 1, "unexpected provider %s", p);
        for (size_t j = 0; j < n; j++)
            ck_assert_str_ne(recon_error_provider(j), p);
        ck_assert_int_eq(recon_error_provider_known(p), 1);
    }
    ck_assert_uint_eq(n, sizeof want / sizeof *want);
}
END_TEST

START_TEST(test_unknown_codes_fall_back_per_provider) {
    /* A code the provider never documented: its status row answers. */
    expect("shop_gateway", 400, "1999", "INVALID_REQUEST", RECON_MATCH_STATUS);
    expect("tabapay", 404, "WHATEVER", "NOT_FOUND", RECON_MATCH_STATUS);
    expect("ingenico_connect", 402, "430330", "PAYMENT_DECLINED", RECON_MATCH_STATUS);
    expect("ledge", 504, "X", "TIMEOUT", RECON_MATCH_STATUS);
    /* Modulate documents only coded rows: an unknown code under 429 still
     * means what RATE_LIMIT_EXCEEDED means; its two 503 codes disagree, so
     * HTTP's own 503 answers. */
    expect("modulate", 429, "NEW_LIMIT", "RATE_LIMITED", RECON_MATCH_STATUS);
    expect("modulate", 403, "NEW_SCOPE", "PERMISSION_DENIED", RECON_MATCH_STATUS);
    expect("modulate", 503, "NEW_OUTAGE", "SERVICE_UNAVAILABLE", RECON_MATCH_STATUS);
    /* Statuses the provider never documented: HTTP's meaning, then the class. */
    expect("ledge", 429, NULL, "RATE_LIMITED", RECON_MATCH_STATUS);
    expect("ingenico_connect", 418, "", "CLIENT_ERROR", RECON_MATCH_CLASS);
    expect("ingenico_connect", 507, NULL, "PROVIDER_ERROR", RECON_MATCH_CLASS);
    expect("tabapay", 299, NULL, "SUCCESS", RECON_MATCH_CLASS);
    expect("shop_gateway", 302, NULL, "UNKNOWN", RECON_MATCH_CLASS);
    /* Unknown providers, or none: the HTTP status alone. */
    expect("acme_pay", 401, "E123", "AUTHENTICATION_FAILED", RECON_MATCH_STATUS);
    expect(NULL, 503, NULL, "SERVICE_UNAVAILABLE", RECON_MATCH_STATUS);
    expect("", 422, NULL, "CLIENT_ERROR", RECON_MATCH_CLASS);
    /* Nothing at all to go on. */
    expect("acme_pay", 0, "E123", "UNKNOWN", RECON_MATCH_UNKNOWN);
    expect("acme_pay", 600, NULL, "UNKNOWN", RECON_MATCH_UNKNOWN);
    expect(NULL, -5, NULL, "UNKNOWN", RECON_MATCH_UNKNOWN);
    recon_error_info e = classify("acme_pay", 0, NULL);
    ck_assert_int_eq(e.retryable, 0);
    ck_assert_int_eq(e.retry_policy, RECON_RETRY_NONE);
    ck_assert_uint_gt(strlen(e.action), 0);
}
END_TEST

START_TEST(test_families_and_case_insensitive_codes) {
    /* 101x, 105x: an undocumented member belongs to its family. */
    recon_error_info e = classify("shop_gateway", 400, "1019");
    ck_assert_str_eq(e.unified_code, "ACCOUNT_RESTRICTED");
    ck_assert_int_eq(e.matched, RECON_MATCH_EXACT);
    ck_assert_str_eq(e.row_code, "101x");
    ck_assert_str_eq(e.provider_code, "1019");
    expect("shop_gateway", 400, "1057", "INVALID_REQUEST", RECON_MATCH_EXACT);
    e = classify("shop_gateway", 400, "1057");
    ck_assert_str_eq(e.row_code, "105x");
    /* A documented member wins over its family. */
    expect("shop_gateway", 400, "1034", "DECLINE_INSUFFICIENT_FUNDS", RECON_MATCH_EXACT);
    e = classify("shop_gateway", 400, "1034");
    ck_assert_str_eq(e.row_code, "1034");
    /* Not members: other lengths, other prefixes. */
    expect("shop_gateway", 400, "10190", "INVALID_REQUEST", RECON_MATCH_STATUS);
    expect("shop_gateway", 400, "1091", "INVALID_REQUEST", RECON_MATCH_STATUS);
    /* String codes compare case-insensitively and trimmed; providers too. */
    expect("MODULATE", 429, " rate_limit_exceeded ", "RATE_LIMITED", RECON_MATCH_EXACT);
    e = classify("Modulate", 429, "Rate_Limit_Exceeded");
    ck_assert_str_eq(e.provider, "modulate");
    ck_assert_str_eq(e.provider_code, "Rate_Limit_Exceeded");
    /* A code reported under another status is still that code. */
    expect("modulate", 400, "VALIDATION_ERROR", "INVALID_REQUEST", RECON_MATCH_EXACT);
    /* A report row has no HTTP status: the code alone. */
    expect("shop_gateway", 0, "1035", "PAYMENT_DECLINED", RECON_MATCH_EXACT);
}
END_TEST

START_TEST(test_documented_causes_pick_their_row) {
    recon_error_info e = RECON_ERROR_INFO_INIT;
    recon_error_classify_message("tabapay", 422, NULL, "Transaction Limit exceeded", &e);
    ck_assert_str_eq(e.unified_code, "LIMIT_EXCEEDED");
    recon_error_classify_message("tabapay", 422, NULL, "destination disabled", &e);
    ck_assert_str_eq(e.unified_code, "ACCOUNT_RESTRICTED");
    ck_assert(strstr(e.action, "push") != NULL);
    recon_error_classify_message("tabapay", 422, NULL, "Source Disabled for card", &e);
    ck_assert_str_eq(e.unified_code, "ACCOUNT_RESTRICTED");
    ck_assert(strstr(e.action, "pull") != NULL);
    recon_error_classify_message("tabapay", 422, NULL, "Account is closed", &e);
    ck_assert_str_eq(e.unified_code, "INVALID_STATE");
    recon_error_classify_message("tabapay", 422, NULL, NULL, &e);
    ck_assert_str_eq(e.unified_code, "INVALID_STATE");
    /* 403 and 500 with an XML body: a blocked IP, not a permission or a crash. */
    rc_error_detail xml = {NULL, 1};
    rc_error_classify_detail("tabapay", 403, NULL, &xml, &e);
    ck_assert_str_eq(e.unified_code, "IP_NOT_ALLOWED");
    rc_error_classify_detail("tabapay", 500, NULL, &xml, &e);
    ck_assert_str_eq(e.unified_code, "IP_NOT_ALLOWED");
    expect("tabapay", 403, NULL, "PERMISSION_DENIED", RECON_MATCH_STATUS);
    expect("tabapay", 500, NULL, "PROVIDER_ERROR", RECON_MATCH_STATUS);
    ck_assert_int_eq(recon_error_classify("tabapay", 200, NULL, NULL), RECON_EMISUSE);
    ck_assert_int_eq(recon_error_classify_message("tabapay", 200, NULL, NULL, NULL), RECON_EMISUSE);
}
END_TEST

/* Success and pending are answers too: TabaPay's 201 is neither an error
 * nor plain success, and its 207 leaves the outcome unknown. */
START_TEST(test_success_and_pending_statuses) {
    expect("tabapay", 200, NULL, "SUCCESS", RECON_MATCH_STATUS);
    expect("tabapay", 201, NULL, "PENDING", RECON_MATCH_STATUS);
    expect("tabapay", 207, NULL, "OUTCOME_UNKNOWN", RECON_MATCH_STATUS);
    expect("ledge", 204, NULL, "SUCCESS", RECON_MATCH_STATUS);
    expect("ingenico_connect", 201, NULL, "SUCCESS", RECON_MATCH_STATUS);
    recon_error_info e = classify("tabapay", 207, NULL);
    ck_assert_int_eq(e.retry_policy, RECON_RETRY_VERIFY_FIRST);
    ck_assert_str_eq(e.category, "pending");
    e = classify("tabapay", 201, NULL);
    ck_assert_int_eq(e.retryable, 0);
}
END_TEST

/* One concept, one unified code, whoever says it. */
START_TEST(test_same_concept_same_code_across_providers) {
    static const struct {
        const char *provider;
        int status;
        const char *code;
        const char *unified;
    } same[] = {
        {"ledge", 401, NULL, "AUTHENTICATION_FAILED"},
        {"tabapay", 401, NULL, "AUTHENTICATION_FAILED"},
        {"modulate", 401, "AUTHENTICATION_REQUIRED", "AUTHENTICATION_FAILED"},
        {"shop_gateway", 401, NULL, "AUTHENTICATION_FAILED"},
        {"ingenico_connect", 401, NULL, "AUTHENTICATION_FAILED"},
        {"tabapay", 429, NULL, "RATE_LIMITED"},
        {"modulate", 429, "RATE_LIMIT_EXCEEDED", "RATE_LIMITED"},
        {"ingenico_connect", 402, NULL, "PAYMENT_DECLINED"},
        {"shop_gateway", 400, "1035", "PAYMENT_DECLINED"},
        {"shop_gateway", 400, "1034", "DECLINE_INSUFFICIENT_FUNDS"},
        {"shop_gateway", 400, "1036", "PAYMENT_DECLINED"},
        {"ledge", 404, NULL, "NOT_FOUND"},
        {"tabapay", 404, NULL, "NOT_FOUND"},
        {"modulate", 404, "RESOURCE_NOT_FOUND", "NOT_FOUND"},
        {"ingenico_connect", 404, NULL, "NOT_FOUND"},
        {"shop_gateway", 404, NULL, "NOT_FOUND"},
        {"shop_gateway", 400, "1002", "NOT_FOUND"},
        {"ledge", 403, NULL, "PERMISSION_DENIED"},
        {"tabapay", 403, NULL, "PERMISSION_DENIED"},
        {"modulate", 403, "INSUFFICIENT_SCOPE", "PERMISSION_DENIED"},
        {"ingenico_connect", 403, NULL, "PERMISSION_DENIED"},
        {"tabapay", 409, NULL, "CONFLICT"},
        {"ingenico_connect", 409, NULL, "CONFLICT"},
        {"shop_gateway", 409, NULL, "CONFLICT"},
        {"ledge", 400, NULL, "INVALID_REQUEST"},
        {"modulate", 422, "VALIDATION_ERROR", "INVALID_REQUEST"},
        {"shop_gateway", 400, "1001", "INVALID_REQUEST"},
        {"modulate", 500, "INTERNAL_ERROR", "PROVIDER_ERROR"},
        {"ingenico_connect", 500, NULL, "PROVIDER_ERROR"},
        {"shop_gateway", 500, NULL, "PROVIDER_ERROR"},
        {"ledge", 503, NULL, "SERVICE_UNAVAILABLE"},
        {"modulate", 503, "SERVICE_UNAVAILABLE", "SERVICE_UNAVAILABLE"},
        {"ingenico_connect", 503, NULL, "SERVICE_UNAVAILABLE"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        recon_error_info e = classify(same[i].provider, same[i].status, same[i].code);
        ck_assert_msg(!strcmp(e.unified_code, same[i].unified), "%s %d %s: %s, want %s",
                      same[i].provider, same[i].status, same[i].code ? same[i].code : "",
                      e.unified_code, same[i].unified);
    }
}
END_TEST

START_TEST(test_import_reject_reasons_are_unified) {
    static const char *const reasons[][2] = {
        {"csv_syntax", "DATA_MALFORMED_ROW"},        {"ragged_row", "DATA_MALFORMED_ROW"},
        {"invalid_utf8", "DATA_MALFORMED_ROW"},      {"field_too_large", "DATA_MALFORMED_ROW"},
        {"row_too_large", "DATA_MALFORMED_ROW"},     {"amount_empty", "DATA_MISSING_VALUE"},
        {"currency_missing", "DATA_MISSING_VALUE"},  {"date_empty", "DATA_MISSING_VALUE"},
        {"kind_empty", "DATA_MISSING_VALUE"},        {"amount_invalid", "DATA_INVALID_AMOUNT"},
        {"amount_precision", "DATA_INVALID_AMOUNT"}, {"amount_overflow", "DATA_INVALID_AMOUNT"},
        {"debit_and_credit", "DATA_INVALID_AMOUNT"}, {"direction_unknown", "DATA_INVALID_AMOUNT"},
        {"net_mismatch", "DATA_INVALID_AMOUNT"},     {"currency_unknown", "DATA_INVALID_CURRENCY"},
        {"date_invalid", "DATA_INVALID_DATE"},       {"date_out_of_range", "DATA_INVALID_DATE"},
        {"kind_unknown", "DATA_UNKNOWN_KIND"},       {"duplicate_conflict", "DATA_CONFLICT"},
        {"record_unknown", "DATA_MALFORMED_ROW"},    {"record_invalid", "DATA_MALFORMED_ROW"},
        {"timezone_unknown", "DATA_INVALID_DATE"},   {"totals_mismatch", "DATA_TOTALS_MISMATCH"},
    };
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        recon_error_info e = classify("librecon", 0, reasons[i][0]);
        ck_assert_msg(e.matched == RECON_MATCH_EXACT && !strcmp(e.unified_code, reasons[i][1]),
                      "%s: %s", reasons[i][0], e.unified_code);
        ck_assert_str_eq(e.category, "data");
    }
}
END_TEST

/* Oversized inputs are cut, never overflow. */
START_TEST(test_long_inputs_are_cut_safely) {
    char big[4096];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    recon_error_info e = classify(big, 404, big);
    ck_assert_uint_eq(strlen(e.provider), sizeof e.provider - 1);
    ck_assert_uint_eq(strlen(e.provider_code), sizeof e.provider_code - 1);
    ck_assert_str_eq(e.unified_code, "NOT_FOUND");
}
END_TEST

/* ---- retry policy -------------------------------------------------------------------- */

START_TEST(test_retry_not_for_non_retryable_answers) {
    recon_error_info e = classify("modulate", 401, "AUTHENTICATION_REQUIRED");
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), RECON_NO_RETRY);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 30, NULL), RECON_NO_RETRY);
    e = classify("shop_gateway", 400, "1035");
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), RECON_NO_RETRY);
    e = classify("tabapay", 201, NULL);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), RECON_NO_RETRY);
    ck_assert_int_eq(recon_retry_delay_ms(NULL, 1, 0, NULL), RECON_NO_RETRY);
}
END_TEST

START_TEST(test_retry_backoff_doubles_to_the_cap_then_stops) {
    recon_error_info e = classify("modulate", 500, "INTERNAL_ERROR");
    recon_retry_opts o = RECON_RETRY_OPTS_INIT;
    o.base_ms = 1000;
    o.max_ms = 5000;
    o.max_attempts = 6;
    const int64_t want[] = {1000, 2000, 4000, 5000, 5000, 5000};
    for (int a = 1; a <= 6; a++)
        ck_assert_int_eq(recon_retry_delay_ms(&e, a, 0, &o), want[a - 1]);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 7, 0, &o), RECON_NO_RETRY);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 0, 0, &o), RECON_NO_RETRY);
    /* Defaults: 1 s, doubling, five retries. */
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), 1000);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 3, 0, NULL), 4000);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 5, 0, NULL), 16000);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 6, 0, NULL), RECON_NO_RETRY);
    /* Huge attempt numbers do not overflow. */
    o.max_attempts = 1000;
    ck_assert_int_eq(recon_retry_delay_ms(&e, 999, 0, &o), 5000);
    /* Bad options are refused, not guessed. */
    o.version = 99;
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, &o), RECON_NO_RETRY);
    o = (recon_retry_opts)RECON_RETRY_OPTS_INIT;
    o.base_ms = 0;
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, &o), RECON_NO_RETRY);
}
END_TEST

START_TEST(test_retry_after_from_the_server_wins) {
    recon_error_info e = classify("modulate", 429, "RATE_LIMIT_EXCEEDED");
    ck_assert_int_eq(e.retry_policy, RECON_RETRY_AFTER);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 42, NULL), 42000);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 4, 42, NULL), 42000);
    /* No server value: backoff. */
    ck_assert_int_eq(recon_retry_delay_ms(&e, 2, 0, NULL), 2000);
    /* An HTTP Retry-After on a backoff answer is honoured too, up to a day. */
    e = classify("ingenico_connect", 503, NULL);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 120, NULL), 120000);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 10 * 86400, NULL), 86400LL * 1000);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, -3, NULL), 1000);
}
END_TEST

START_TEST(test_retry_jitter_is_bounded_and_reproducible) {
    recon_error_info e = classify("ledge", 503, NULL);
    recon_retry_opts o = RECON_RETRY_OPTS_INIT;
    o.jitter = 1;
    o.max_attempts = 8;
    o.max_ms = 1000000;
    int differ = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        o.seed = seed;
        for (int a = 1; a <= 8; a++) {
            int64_t full = 1000LL << (a - 1);
            int64_t d = recon_retry_delay_ms(&e, a, 0, &o);
            ck_assert_int_ge(d, full / 2);
            ck_assert_int_le(d, full);
            ck_assert_int_eq(d, recon_retry_delay_ms(&e, a, 0, &o));
            recon_retry_opts other = o;
            other.seed = seed + 1000;
            differ += d != recon_retry_delay_ms(&e, a, 0, &other);
        }
    }
    ck_assert_int_gt(differ, 300); /* the seed matters */
}
END_TEST

/* An unknown outcome still gets a delay, but its policy says verify first. */
START_TEST(test_verify_first_answers_get_a_delay) {
    recon_error_info e = classify("tabapay", 504, NULL);
    ck_assert_int_eq(e.retry_policy, RECON_RETRY_VERIFY_FIRST);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), 1000);
    ck_assert_str_eq(recon_retry_policy_name(e.retry_policy), "verify_first");
    ck_assert_str_eq(recon_retry_policy_name(RECON_RETRY_AFTER), "retry_after");
    ck_assert_str_eq(recon_error_match_name(RECON_MATCH_CLASS), "class");
}
END_TEST

/* docs/ERROR_CODES.md documents the closed set: every code has its row in
 * the table of the set (a code added to the data without its documentation
 * fails here). */
START_TEST(test_every_unified_code_is_documented) {
    FILE *f = fopen("docs/ERROR_CODES.md", "r");
    ck_assert_ptr_nonnull(f);
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    const char *set = strstr(doc, "## The closed set");
    ck_assert_ptr_nonnull(set);
    for (size_t i = 0; i < recon_unified_code_count(); i++) {
        recon_unified_code u = RECON_UNIFIED_CODE_INIT;
        recon_unified_code_get(i, &u);
        char needle[64];
        snprintf(needle, sizeof needle, "| `%s` | %s |", u.code, u.category);
        ck_assert_msg(strstr(set, needle) != NULL, "docs/ERROR_CODES.md lacks %s", needle);
    }
}
END_TEST

/* ---- the decline taxonomy ------------------------------------------------------------ */

/* The same decline reason is one unified code whichever provider says it,
 * in its own words (a report row: no HTTP status); different reasons are
 * different codes. Adyen has no lost-or-stolen reason of its own (it
 * reports "Blocked Card", a restricted card), so it is absent there. */
START_TEST(test_same_decline_same_code_every_provider) {
    static const struct {
        const char *unified;
        const char *said[10][2]; /* provider, code */
    } reasons[] = {
        {"DECLINE_INSUFFICIENT_FUNDS",
         {{"stripe", "insufficient_funds"},
          {"adyen", "Not enough balance"},
          {"adyen", "12"},
          {"braintree", "2001"},
          {"checkout", "20051"},
          {"paypal", "INSUFFICIENT_FUNDS"},
          {"paypal", "5120"},
          {"shop_gateway", "1034"},
          {"iso8583", "51"}}},
        {"DECLINE_CARD_EXPIRED",
         {{"stripe", "expired_card"},
          {"adyen", "Expired Card"},
          {"braintree", "2004"},
          {"checkout", "20054"},
          {"checkout", "30033"},
          {"paypal", "CARD_EXPIRED"},
          {"shop_gateway", "1033"},
          {"iso8583", "54"}}},
        {"DECLINE_LOST_OR_STOLEN",
         {{"stripe", "lost_card"},
          {"stripe", "stolen_card"},
          {"braintree", "2012"},
          {"braintree", "2013"},
          {"checkout", "30041"},
          {"checkout", "30043"},
          {"paypal", "9520"},
          {"iso8583", "41"},
          {"iso8583", "43"}}},
        {"DECLINE_AUTHENTICATION_REQUIRED",
         {{"stripe", "authentication_required"},
          {"adyen", "Authentication required"},
          {"braintree", "2099"},
          {"checkout", "20154"},
          {"paypal", "PAYER_ACTION_REQUIRED"},
          {"iso8583", "1A"}}},
    };
    const size_t n = sizeof reasons / sizeof reasons[0];
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 10 && reasons[i].said[k][0]; k++) {
            const char *p = reasons[i].said[k][0], *c = reasons[i].said[k][1];
            recon_error_info e = classify(p, 0, c);
            ck_assert_msg(e.matched == RECON_MATCH_EXACT &&
                              !strcmp(e.unified_code, reasons[i].unified),
                          "%s %s: %s (%s), want %s", p, c, e.unified_code,
                          recon_error_match_name(e.matched), reasons[i].unified);
            ck_assert_str_eq(e.category, "decline");
        }
    /* Different reasons, different codes (and different advice). */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            recon_error_info a = classify(reasons[i].said[0][0], 0, reasons[i].said[0][1]);
            recon_error_info b = classify(reasons[j].said[0][0], 0, reasons[j].said[0][1]);
            ck_assert_str_ne(a.unified_code, b.unified_code);
            ck_assert_str_ne(a.customer_action, b.customer_action);
        }
}
END_TEST

/* The first example: Stripe's insufficient_funds at HTTP 402 is a
 * soft decline that retries on a schedule of days, not a request error;
 * a stolen card is hard and never retried. */
START_TEST(test_soft_declines_retry_on_a_schedule_hard_never) {
    recon_error_info e = classify("stripe", 402, "insufficient_funds");
    ck_assert_str_eq(e.unified_code, "DECLINE_INSUFFICIENT_FUNDS");
    ck_assert_str_eq(e.decline_type, "soft");
    ck_assert_str_eq(e.iso8583, "51");
    ck_assert_str_eq(e.visa_category, "2");
    ck_assert_int_eq(e.retryable, 1);
    ck_assert_int_eq(e.retry_policy, RECON_RETRY_SCHEDULE);
    ck_assert_str_eq(recon_retry_policy_name(e.retry_policy), "schedule");
    ck_assert_int_eq(e.retry_first_minutes, 1440);
    ck_assert_int_eq(e.retry_max, 4);
    ck_assert_int_eq(e.retry_days, 8);
    ck_assert_ptr_nonnull(strstr(e.retry_advice, "Visa"));
    /* Days 1, 3, 5, 7 after the decline: a day, then two days apart. */
    const int64_t day = 86400000;
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), day);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 2, 0, NULL), 2 * day);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 4, 0, NULL), 2 * day);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 5, 0, NULL), RECON_NO_RETRY);
    /* A longer wait the network advises (Mastercard advice code 30: ten
     * days) wins; a shorter one does not shorten the schedule. */
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 10 * 86400, NULL), 10 * day);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 60, NULL), day);
    /* The caller's own cap on attempts still holds. */
    recon_retry_opts o = RECON_RETRY_OPTS_INIT;
    o.max_attempts = 2;
    ck_assert_int_eq(recon_retry_delay_ms(&e, 3, 0, &o), RECON_NO_RETRY);
    /* Issuer unavailable: minutes, not days. */
    e = classify("iso8583", 0, "91");
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), 15 * 60000);
    /* Hard: never, whatever the server says. */
    e = classify("stripe", 402, "stolen_card");
    ck_assert_str_eq(e.unified_code, "DECLINE_LOST_OR_STOLEN");
    ck_assert_str_eq(e.decline_type, "hard");
    ck_assert_int_eq(e.retryable, 0);
    ck_assert_int_eq(e.retry_max, 0);
    ck_assert_ptr_nonnull(strstr(e.retry_advice, "Never retry"));
    ck_assert_ptr_nonnull(strstr(e.customer_action, "never say"));
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), RECON_NO_RETRY);
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 60, NULL), RECON_NO_RETRY);
    /* Not a decline: the decline fields are empty. */
    e = classify("modulate", 429, "RATE_LIMIT_EXCEEDED");
    ck_assert_str_eq(e.decline_type, "");
    ck_assert_str_eq(e.retry_advice, "");
    ck_assert_int_eq(e.retry_max, 0);
    /* Unlisted codes of a provider whose codes are all declines, and code
     * ranges: never a success by default. */
    expect("adyen", 200, "A reason from next year", "PAYMENT_DECLINED", RECON_MATCH_STATUS);
    expect("checkout", 201, "20999", "DECLINE_DO_NOT_HONOR", RECON_MATCH_EXACT);
    expect("checkout", 201, "30999", "DECLINE_DO_NOT_RETRY", RECON_MATCH_EXACT);
    expect("checkout", 201, "10000", "SUCCESS", RECON_MATCH_EXACT);
    expect("braintree", 0, "2999", "PAYMENT_DECLINED", RECON_MATCH_EXACT);
    expect("stripe", 402, "a_new_decline_code", "PAYMENT_DECLINED", RECON_MATCH_STATUS);
    /* Letters where a family has x's (Checkout's 2006P carries ISO 6P);
     * codes outside every range: still a decline, never the 2xx success. */
    expect("checkout", 201, "200Z9", "DECLINE_DO_NOT_HONOR", RECON_MATCH_EXACT);
    expect("checkout", 201, "21000", "PAYMENT_DECLINED", RECON_MATCH_STATUS);
    expect("braintree", 200, "3999", "PAYMENT_DECLINED", RECON_MATCH_STATUS);
    /* A provider's "*" row is for codes in answers and reports, not for an
     * error status: there HTTP's meaning answers (a 503 is retried). */
    expect("adyen", 503, "000", "SERVICE_UNAVAILABLE", RECON_MATCH_STATUS);
    expect("adyen", 0, "A reason from next year", "PAYMENT_DECLINED", RECON_MATCH_STATUS);
}
END_TEST

/* The taxonomy holds together: the codes the issue names exist; a soft code
 * retries on a schedule and a hard one never; every ISO 8583 code it lists
 * classifies back to it; every decline code is used by some provider. */
START_TEST(test_decline_taxonomy_is_consistent) {
    static const char *const named[] = {
        "DECLINE_INSUFFICIENT_FUNDS",  "DECLINE_CARD_EXPIRED",
        "DECLINE_INVALID_CARD_NUMBER", "DECLINE_INVALID_CVC",
        "DECLINE_INVALID_ADDRESS",     "DECLINE_DO_NOT_HONOR",
        "DECLINE_LOST_OR_STOLEN",      "DECLINE_SUSPECTED_FRAUD",
        "DECLINE_RESTRICTED_CARD",     "DECLINE_AUTHENTICATION_REQUIRED",
        "DECLINE_LIMIT_EXCEEDED",      "DECLINE_ISSUER_UNAVAILABLE",
        "DECLINE_PROCESSING_ERROR",    "DECLINE_DUPLICATE",
        "DECLINE_NOT_SUPPORTED"};
    size_t n = recon_decline_code_count();
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        int found = 0;
        for (size_t k = 0; k < n; k++) {
            recon_decline_code d = RECON_DECLINE_CODE_INIT;
            recon_decline_code_get(k, &d);
            found += !strcmp(d.code, named[i]);
        }
        ck_assert_msg(found == 1, "%s is not in the taxonomy", named[i]);
    }
    for (size_t k = 0; k < n; k++) {
        recon_decline_code d = RECON_DECLINE_CODE_INIT;
        ck_assert_int_eq(recon_decline_code_get(k, &d), RECON_OK);
        const rc_unified *u = rc_unified_find(d.code);
        ck_assert_ptr_nonnull(u);
        ck_assert_str_eq(u->category, "decline");
        int soft = !strcmp(d.decline_type, "soft");
        ck_assert_int_eq(u->retryable, soft);
        ck_assert_int_eq(u->policy, soft ? RECON_RETRY_SCHEDULE : RECON_RETRY_NONE);
        ck_assert_int_eq(d.retry_max > 0, soft);
        ck_assert_ptr_nonnull(strstr(d.sources, "https://"));
        char iso[64];
        snprintf(iso, sizeof iso, "%s", d.iso8583);
        for (char *save = NULL, *c = strtok_r(iso, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
            recon_error_info e = classify("iso8583", 0, c);
            ck_assert_msg(!strcmp(e.unified_code, d.code) && !strcmp(e.iso8583, c),
                          "ISO %s: %s, want %s", c, e.unified_code, d.code);
        }
        int used = 0;
        for (size_t i = 0; i < recon_error_table_count(); i++) {
            recon_error_row r = RECON_ERROR_ROW_INIT;
            recon_error_table_row(i, &r);
            used += strcmp(r.provider, "iso8583") && !strcmp(r.unified_code, d.code);
        }
        ck_assert_msg(used > 0, "%s: no provider's code maps to it", d.code);
    }
    recon_decline_code d = RECON_DECLINE_CODE_INIT;
    ck_assert_int_eq(recon_decline_code_get(n, &d), RECON_ENOTFOUND);
}
END_TEST

/* Every row names where it comes from; the providers beyond the seeds cite
 * the public page. */
START_TEST(test_every_row_names_its_source) {
    for (size_t i = 0; i < recon_error_table_count(); i++) {
        recon_error_row r = RECON_ERROR_ROW_INIT;
        recon_error_table_row(i, &r);
        ck_assert_msg(r.spec[0], "row %zu (%s %s) has no source", i, r.provider, r.provider_code);
        static const char *const web[] = {"stripe", "adyen",   "braintree",  "checkout",
                                          "paypal", "recurly", "amazon_pay", "iso8583"};
        for (size_t k = 0; k < sizeof web / sizeof web[0]; k++)
            if (!strcmp(r.provider, web[k]))
                ck_assert_msg(!strncmp(r.spec, "https://", 8), "row %zu: %s", i, r.spec);
    }
}
END_TEST

/* Every code a provider's page lists (tests/fixtures/errors/, extracted by
 * hand from each page) is classified exactly, by its own row: not by a
 * family, a provider fallback or the HTTP class. */
START_TEST(test_every_listed_provider_code_is_classified_exactly) {
    static const char *const providers[] = {"stripe", "adyen",   "braintree", "checkout",
                                            "paypal", "recurly", "amazon_pay"};
    for (size_t k = 0; k < sizeof providers / sizeof providers[0]; k++) {
        char path[128];
        snprintf(path, sizeof path, "tests/fixtures/errors/%s.codes", providers[k]);
        char *text = tu_read_file(path, NULL);
        ck_assert_ptr_nonnull(text);
        int codes = 0;
        char source[256] = "";
        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            if (!strncmp(line, "# source: ", 10)) snprintf(source, sizeof source, "%s", line + 10);
            if (line[0] == '#') continue;
            recon_error_info e = classify(providers[k], 0, line);
            ck_assert_msg(e.matched == RECON_MATCH_EXACT && !strcasecmp(e.row_code, line),
                          "%s %s (%s): %s by %s row '%s'", providers[k], line, source,
                          e.unified_code, recon_error_match_name(e.matched), e.row_code);
            ck_assert_msg(e.spec[0], "%s %s: no source", providers[k], line);
            codes++;
        }
        free(text);
        ck_assert_int_gt(codes, 10); /* Amazon Pay documents 13 */
    }
}
END_TEST

/* The seed providers re-read: the reasons that used to collapse into
 * PAYMENT_DECLINED, and how they were split. Two reasons still share a
 * code when neither names a cause (shop_gateway's "Payment declined" and
 * "Authorization failed"; Ingenico's 402 gives no reason at all). */
START_TEST(test_seed_declines_that_collapsed_are_split) {
    static const struct {
        const char *provider;
        int status;
        const char *code, *was, *now;
    } seeds[] = {
        {"shop_gateway", 400, "1033", "PAYMENT_DECLINED", "DECLINE_CARD_EXPIRED"},
        {"shop_gateway", 400, "1034", "PAYMENT_DECLINED", "DECLINE_INSUFFICIENT_FUNDS"},
        {"shop_gateway", 400, "1035", "PAYMENT_DECLINED", "PAYMENT_DECLINED"},
        {"shop_gateway", 400, "1036", "PAYMENT_DECLINED", "PAYMENT_DECLINED"},
        {"ingenico_connect", 402, NULL, "PAYMENT_DECLINED", "PAYMENT_DECLINED"},
    };
    const size_t n = sizeof seeds / sizeof seeds[0];
    for (size_t i = 0; i < n; i++) {
        recon_error_info e = classify(seeds[i].provider, seeds[i].status, seeds[i].code);
        ck_assert_str_eq(e.unified_code, seeds[i].now);
    }
    /* Each pair that was one code: split exactly when their actions differ. */
    int split = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            ck_assert_str_eq(seeds[i].was, seeds[j].was);
            split += strcmp(seeds[i].now, seeds[j].now) != 0;
        }
    ck_assert_int_eq(split, 7); /* of 10 pairs: 1035, 1036 and Ingenico's 402 stay together */
    /* The expired card is hard, the lack of funds soft. */
    ck_assert_str_eq(classify("shop_gateway", 400, "1033").decline_type, "hard");
    ck_assert_str_eq(classify("shop_gateway", 400, "1034").decline_type, "soft");
}
END_TEST

/* A program built against version 1 of recon_error_info gets version 1:
 * nothing is written past its struct. */
START_TEST(test_a_version_1_caller_gets_version_1) {
    recon_error_info e;
    memset(&e, 0xab, sizeof e);
    e.version = 1;
    ck_assert_int_eq(recon_error_classify("stripe", 402, "insufficient_funds", &e), RECON_OK);
    ck_assert_uint_eq(e.version, 1);
    ck_assert_str_eq(e.unified_code, "DECLINE_INSUFFICIENT_FUNDS");
    const unsigned char *tail =
        (const unsigned char *)&e + offsetof(recon_error_info, decline_type);
    for (size_t i = 0; i < sizeof e - offsetof(recon_error_info, decline_type); i++)
        ck_assert_uint_eq(tail[i], 0xab);
    /* Its schedule is read from the table, not from fields it lacks. */
    ck_assert_int_eq(recon_retry_delay_ms(&e, 1, 0, NULL), 86400000);
    recon_provider_failure f;
    memset(&f, 0xab, sizeof f);
    f.version = 1;
    ck_assert_int_eq(recon_failure_from_response("stripe", 402, "{}", 2, &f), RECON_OK);
    ck_assert_uint_eq(f.version, 1);
    ck_assert_uint_eq(f.info.version, 1);
    ck_assert_str_eq(f.info.unified_code, "PAYMENT_DECLINED");
}
END_TEST

static Suite *errtable_suite(void) {
    Suite *s = suite_create("errtable");
    TCase *t = tcase_create("table");
    tcase_add_test(t, test_every_row_classifies_back_to_itself);
    tcase_add_test(t, test_unified_codes_are_a_closed_set);
    tcase_add_test(t, test_unknown_codes_fall_back_per_provider);
    tcase_add_test(t, test_provider_known_and_the_provider_list);
    tcase_add_test(t, test_families_and_case_insensitive_codes);
    tcase_add_test(t, test_documented_causes_pick_their_row);
    tcase_add_test(t, test_success_and_pending_statuses);
    tcase_add_test(t, test_same_concept_same_code_across_providers);
    tcase_add_test(t, test_import_reject_reasons_are_unified);
    tcase_add_test(t, test_long_inputs_are_cut_safely);
    tcase_add_test(t, test_every_unified_code_is_documented);
    suite_add_tcase(s, t);
    TCase *r = tcase_create("retry");
    tcase_add_test(r, test_retry_not_for_non_retryable_answers);
    tcase_add_test(r, test_retry_backoff_doubles_to_the_cap_then_stops);
    tcase_add_test(r, test_retry_after_from_the_server_wins);
    tcase_add_test(r, test_retry_jitter_is_bounded_and_reproducible);
    tcase_add_test(r, test_verify_first_answers_get_a_delay);
    suite_add_tcase(s, r);
    TCase *d = tcase_create("declines");
    tcase_add_test(d, test_same_decline_same_code_every_provider);
    tcase_add_test(d, test_soft_declines_retry_on_a_schedule_hard_never);
    tcase_add_test(d, test_decline_taxonomy_is_consistent);
    tcase_add_test(d, test_every_row_names_its_source);
    tcase_add_test(d, test_every_listed_provider_code_is_classified_exactly);
    tcase_add_test(d, test_seed_declines_that_collapsed_are_split);
    tcase_add_test(d, test_a_version_1_caller_gets_version_1);
    suite_add_tcase(s, d);
    return s;
}

int main(void) {
    return tu_run(errtable_suite());
}
