/* Check suite for lib/errors/response.c: provider error bodies shaped as each
 * document shows them, and bodies that are truncated, empty, not JSON,
 * binary or huge. Every one is classified; none crashes. */
#include "recon.h"
#include "testutil.h"

static recon_provider_failure parse(const char *provider, int status, const char *body) {
    recon_provider_failure f = RECON_PROVIDER_FAILURE_INIT;
    ck_assert_int_eq(
        recon_failure_from_response(provider, status, body, body ? strlen(body) : 0, &f), RECON_OK);
    return f;
}

START_TEST(test_modulate_envelope) {
    recon_provider_failure f =
        parse("modulate", 429,
              "{\"data\": null, \"meta\": {\"request_id\": \"req_abc123\", \"api_version\": "
              "\"v2\"}, \"errors\": [{\"code\": \"RATE_LIMIT_EXCEEDED\", \"message\": \"Rate "
              "limit exceeded. Retry after 42 seconds.\", \"field\": null, \"retryable\": true, "
              "\"retry_after_seconds\": 42}]}");
    ck_assert_int_eq(f.parsed, 1);
    ck_assert_str_eq(f.info.unified_code, "RATE_LIMITED");
    ck_assert_int_eq(f.info.matched, RECON_MATCH_EXACT);
    ck_assert_str_eq(f.info.provider_code, "RATE_LIMIT_EXCEEDED");
    ck_assert_str_eq(f.request_id, "req_abc123");
    ck_assert_str_eq(f.message, "Rate limit exceeded. Retry after 42 seconds.");
    ck_assert_str_eq(f.field, "");
    ck_assert_int_eq(f.retry_after_seconds, 42);
    ck_assert_int_eq(f.body_retryable, 1);
    ck_assert_int_eq(f.nerrors, 1);
    ck_assert_int_eq(recon_retry_delay_ms(&f.info, 1, f.retry_after_seconds, NULL), 42000);

    f = parse("modulate", 422,
              "{\"errors\": [{\"code\": \"VALIDATION_ERROR\", \"message\": \"page_size must be "
              "between 1 and 200\", \"field\": \"page_size\", \"retryable\": false}]}");
    ck_assert_str_eq(f.info.unified_code, "INVALID_REQUEST");
    ck_assert_str_eq(f.field, "page_size");
    ck_assert_int_eq(f.body_retryable, 0);
    ck_assert_int_eq(f.retry_after_seconds, 0);
}
END_TEST

START_TEST(test_ingenico_envelope) {
    recon_provider_failure f = parse(
        "ingenico_connect", 400,
        "{\"errorId\": \"657b10da-d2f9-4088-a948-bf190ef516b1-000004d3\", \"errors\": "
        "[{\"code\": \"1099\", \"propertyName\": \"order.amountOfMoney.currencyCode\", "
        "\"message\": \"INVALID_CURRENCY\", \"httpStatusCode\": 400}, {\"code\": \"21000020\","
        " \"message\": \"second\"}]}");
    ck_assert_int_eq(f.parsed, 1);
    ck_assert_str_eq(f.request_id, "657b10da-d2f9-4088-a948-bf190ef516b1-000004d3");
    ck_assert_str_eq(f.field, "order.amountOfMoney.currencyCode");
    ck_assert_str_eq(f.info.provider_code, "1099");
    /* Ingenico's codes are not listed: its status row answers. */
    ck_assert_str_eq(f.info.unified_code, "INVALID_REQUEST");
    ck_assert_int_eq(f.info.matched, RECON_MATCH_STATUS);
    ck_assert_int_eq(f.nerrors, 2);
    f = parse("ingenico_connect", 402,
              "{\"errorId\": \"x\", \"errors\": [{\"code\": \"430330\", \"message\": \"Not "
              "authorised\"}], \"paymentResult\": {\"payment\": {\"status\": \"REJECTED\"}}}");
    ck_assert_str_eq(f.info.unified_code, "PAYMENT_DECLINED");
}
END_TEST

START_TEST(test_tabapay_sc_em_and_xml) {
    recon_provider_failure f =
        parse("tabapay", 422, "{\"SC\": 422, \"EM\": \"Transaction Limit Exceeded\"}");
    ck_assert_int_eq(f.parsed, 1);
    ck_assert_str_eq(f.message, "Transaction Limit Exceeded");
    ck_assert_str_eq(f.info.unified_code, "LIMIT_EXCEEDED");
    f = parse("tabapay", 422, "{\"SC\":422,\"EM\":\"Destination Disabled\"}");
    ck_assert_str_eq(f.info.unified_code, "ACCOUNT_RESTRICTED");
    f = parse("tabapay", 403, "{\"SC\":403,\"EM\":\"Permission denied for RetrieveClient\"}");
    ck_assert_str_eq(f.info.unified_code, "PERMISSION_DENIED");
    f = parse("tabapay", 403, "<?xml version=\"1.0\"?><Error><Code>Forbidden</Code></Error>");
    ck_assert_int_eq(f.parsed, 0);
    ck_assert_str_eq(f.info.unified_code, "IP_NOT_ALLOWED");
    f = parse("tabapay", 500, "\r\n  <html><body>blocked</body></html>");
    ck_assert_str_eq(f.info.unified_code, "IP_NOT_ALLOWED");
    f = parse("tabapay", 500, "{\"SC\":500,\"EM\":\"Internal\"}");
    ck_assert_str_eq(f.info.unified_code, "PROVIDER_ERROR");
}
END_TEST

START_TEST(test_shop_gateway_envelope) {
    recon_provider_failure f =
        parse("shop_gateway", 400,
              "{\"code\": 1001, \"message\": \"Invalid input\", \"errors\": [{\"resource\": "
              "\"transaction\", \"field\": \"currency\", \"type\": \"invalid\"}, {\"resource\": "
              "\"customer\", \"field\": \"ip\", \"type\": \"missing\"}]}");
    ck_assert_int_eq(f.parsed, 1);
    ck_assert_str_eq(f.info.provider_code, "1001");
    ck_assert_str_eq(f.info.unified_code, "INVALID_REQUEST");
    ck_assert_int_eq(f.info.matched, RECON_MATCH_EXACT);
    ck_assert_str_eq(f.field, "transaction.currency (invalid)");
    ck_assert_int_eq(f.nerrors, 2);
    f = parse("shop_gateway", 400, "{\"code\": 1034, \"message\": \"Not sufficient funds\"}");
    ck_assert_str_eq(f.info.unified_code, "DECLINE_INSUFFICIENT_FUNDS");
    ck_assert_str_eq(f.info.decline_type, "soft");
    /* A card error's reason is its decline_code, not its code (Stripe). */
    f = parse("stripe", 402,
              "{\"error\": {\"type\": \"card_error\", \"code\": \"card_declined\","
              " \"decline_code\": \"insufficient_funds\", \"message\": \"Your card has"
              " insufficient funds.\"}}");
    ck_assert_str_eq(f.info.provider_code, "insufficient_funds");
    ck_assert_str_eq(f.info.unified_code, "DECLINE_INSUFFICIENT_FUNDS");
    ck_assert_str_eq(f.message, "Your card has insufficient funds.");
    f = parse("stripe", 402, "{\"error\": {\"code\": \"card_declined\"}}");
    ck_assert_str_eq(f.info.unified_code, "PAYMENT_DECLINED");
    f = parse("shop_gateway", 400, "{\"code\": \"1016\", \"message\": \"Shop something\"}");
    ck_assert_str_eq(f.info.unified_code, "ACCOUNT_RESTRICTED");
    ck_assert_str_eq(f.info.row_code, "101x");
    /* Server errors come without a body. */
    f = parse("shop_gateway", 500, "");
    ck_assert_int_eq(f.parsed, 0);
    ck_assert_str_eq(f.info.unified_code, "PROVIDER_ERROR");
}
END_TEST

START_TEST(test_other_providers_by_common_keys) {
    recon_provider_failure f = parse("acme_pay", 401,
                                     "{\"error\": {\"code\": \"invalid_api_key\", \"message\": "
                                     "\"Invalid API Key provided\"}, \"request_id\": \"r1\"}");
    ck_assert_int_eq(f.parsed, 1);
    ck_assert_str_eq(f.info.provider_code, "invalid_api_key");
    ck_assert_str_eq(f.message, "Invalid API Key provided");
    ck_assert_str_eq(f.request_id, "r1");
    ck_assert_str_eq(f.info.unified_code, "AUTHENTICATION_FAILED");
    f = parse("ledge", 400, "{\"message\": \"limit must be a number\"}");
    ck_assert_str_eq(f.message, "limit must be a number");
    ck_assert_str_eq(f.info.unified_code, "INVALID_REQUEST");
    f = parse("ledge", 404, "{\"error\": \"not found\"}");
    ck_assert_str_eq(f.message, "not found");
}
END_TEST

/* Bodies that cannot be read are classified by status alone, never fail. */
START_TEST(test_bad_bodies_still_classify) {
    static const char *const bodies[] = {
        "",
        "   ",
        "{\"errors\": [{\"code\": \"RATE_LIMIT",
        "not json at all",
        "[1, 2, 3]",
        "\"a string\"",
        "null",
        "{\"errors\": \"not an array\"}",
        "{\"errors\": [17, null]}",
        "{\"errors\": [{\"code\": {\"nested\": 1}, \"message\": 5, \"retry_after_seconds\": \"x\"}]}",
        "{\"errors\": [{\"retry_after_seconds\": -5}, {}]}",
        "{\"a\": 1, \"a\": 2}",
        "{\"code\": 1e400}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        recon_provider_failure f = parse("modulate", 503, bodies[i]);
        ck_assert_msg(!strcmp(f.info.unified_code, "SERVICE_UNAVAILABLE"), "body %zu: %s", i,
                      f.info.unified_code);
        ck_assert_int_eq(f.retry_after_seconds, 0);
    }
    recon_provider_failure f = RECON_PROVIDER_FAILURE_INIT;
    ck_assert_int_eq(recon_failure_from_response("modulate", 500, NULL, 10, &f), RECON_OK);
    ck_assert_str_eq(f.info.unified_code, "PROVIDER_ERROR");
    ck_assert_int_eq(f.parsed, 0);
    ck_assert_int_eq(recon_failure_from_response("modulate", 500, "{}", 2, NULL), RECON_EMISUSE);
}
END_TEST

/* Complete sequences only: a lead byte followed by its continuation bytes. */
static int utf8_whole(const char *s) {
    for (const unsigned char *u = (const unsigned char *)s; *u;) {
        int more = *u < 0x80 ? 0 : *u >= 0xf0 ? 3 : *u >= 0xe0 ? 2 : *u >= 0xc0 ? 1 : -1;
        if (more < 0) return 0;
        for (u++; more > 0; more--, u++)
            if ((*u & 0xc0) != 0x80) return 0;
    }
    return 1;
}

/* Text cut to fit its field is cut between characters, never inside one. */
START_TEST(test_long_texts_are_cut_at_character_boundaries) {
    char a[600], body[2048];
    memset(a, 'a', sizeof a);
    /* 510 + 2 bytes of "é" is one byte over message[512]: the é goes whole. */
    snprintf(body, sizeof body,
             "{\"errors\": [{\"code\": \"%.62s\u00e9\", \"message\": \"%.510s\u00e9 tail\","
             " \"field\": \"%.254s\u20ac\"}], \"meta\": {\"request_id\": \"%.126s\u00e9\"}}",
             a, a, a, a);
    recon_provider_failure f = parse("modulate", 400, body);
    ck_assert_int_eq(f.parsed, 1);
    ck_assert_uint_eq(strlen(f.message), 510);
    ck_assert_uint_eq(strlen(f.field), 254);
    ck_assert_uint_eq(strlen(f.request_id), 126);
    ck_assert_uint_eq(strlen(f.info.provider_code), 62);
    ck_assert(utf8_whole(f.message) && utf8_whole(f.field) && utf8_whole(f.request_id) &&
              utf8_whole(f.info.provider_code));
    /* The shop gateway's joined resource.field (type) too. */
    snprintf(body, sizeof body,
             "{\"code\": 1001, \"message\": \"m\", \"errors\": [{\"resource\": \"%.251s\","
             " \"field\": \"\u00e9\u00e9\", \"type\": \"t\"}]}",
             a);
    f = parse("shop_gateway", 400, body);
    ck_assert_uint_eq(strlen(f.field), 254); /* 251 + '.' + one é of two */
    ck_assert(utf8_whole(f.field));
}
END_TEST

START_TEST(test_binary_and_huge_bodies) {
    /* Binary junk with NUL bytes, and a body cut inside a UTF-8 sequence. */
    const char junk[] = "{\"errors\":[{\"code\":\"A\0B\",\"message\":\"\xff\xfe\"}]}";
    recon_provider_failure f = RECON_PROVIDER_FAILURE_INIT;
    ck_assert_int_eq(recon_failure_from_response("modulate", 429, junk, sizeof junk - 1, &f),
                     RECON_OK);
    ck_assert_str_eq(f.info.unified_code, "RATE_LIMITED");
    const char cut[] = "{\"EM\":\"caf\xc3";
    ck_assert_int_eq(recon_failure_from_response("tabapay", 422, cut, sizeof cut - 1, &f),
                     RECON_OK);
    ck_assert_str_eq(f.info.unified_code, "INVALID_STATE");
    /* 4 MiB: over the parse limit, classified by status. */
    size_t n = 4u << 20;
    char *big = malloc(n + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', n);
    memcpy(big, "{\"errors\":[{\"code\":\"RATE_LIMIT_EXCEEDED\"}]", 41);
    big[n - 1] = '}';
    big[n] = '\0';
    ck_assert_int_eq(recon_failure_from_response("modulate", 429, big, n, &f), RECON_OK);
    ck_assert_int_eq(f.parsed, 0);
    ck_assert_str_eq(f.info.unified_code, "RATE_LIMITED");
    /* A long message is cut to the buffer, still NUL-terminated. */
    memset(big, 'x', n);
    memcpy(big, "{\"SC\":422,\"EM\":\"", 16);
    memcpy(big + 100000, "\"}", 3);
    ck_assert_int_eq(recon_failure_from_response("tabapay", 422, big, 100002, &f), RECON_OK);
    ck_assert_int_eq(f.parsed, 1);
    ck_assert_uint_eq(strlen(f.message), sizeof f.message - 1);
    free(big);
}
END_TEST

static Suite *response_suite(void) {
    Suite *s = suite_create("response");
    TCase *t = tcase_create("bodies");
    tcase_add_test(t, test_modulate_envelope);
    tcase_add_test(t, test_ingenico_envelope);
    tcase_add_test(t, test_tabapay_sc_em_and_xml);
    tcase_add_test(t, test_shop_gateway_envelope);
    tcase_add_test(t, test_other_providers_by_common_keys);
    tcase_add_test(t, test_bad_bodies_still_classify);
    tcase_add_test(t, test_binary_and_huge_bodies);
    tcase_add_test(t, test_long_texts_are_cut_at_character_boundaries);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    return tu_run(response_suite());
}
