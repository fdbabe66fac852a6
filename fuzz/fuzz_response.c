/* Fuzz target: provider error bodies (recon_failure_from_response,
 * lib/errors/response.c with Jansson, then the error table).
 *
 * The first byte picks the provider (each envelope the parser knows, an
 * unknown one, NULL), the second the HTTP status; the rest is the body,
 * not NUL-terminated. Checked: the call never fails; the classification
 * is complete (unified code, category, action); every text field is
 * NUL-terminated inside its array and valid UTF-8 when the body's texts
 * were; retry_after_seconds is 0..86400; the flags are in range; and the
 * answer does not depend on the bytes past body_len. */
#include <string.h>

#include "fuzz.h"
#include "recon.h"
#include "util/utf8.h"

static const char *const response_fuzz_providers[8] = {
    "modulate", "ingenico_connect", "tabapay",          "shop_gateway",
    "ledge",    "MODULATE",         "no_such_provider", NULL,
};

static const int response_fuzz_statuses[16] = {400, 401, 402, 403, 404, 409, 422, 429,
                                               500, 502, 503, 504, 200, 0,   302, 999};

static void response_fuzz_text_ok(const char *s, size_t size) {
    const size_t n = strnlen(s, size);
    FUZZ_ASSERT(n < size);
    FUZZ_ASSERT(rc_utf8_valid((const unsigned char *)s, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    const char *provider = response_fuzz_providers[data[0] & 7];
    const int status = (data[0] & 8) ? response_fuzz_statuses[data[1] & 15] : 100 + data[1] * 2;
    /* A copy with junk after it: the parser must stop at body_len. */
    const size_t len = size - 2;
    char *body = malloc(len + 8);
    FUZZ_ASSERT(body != NULL);
    memcpy(body, data + 2, len);
    memcpy(body + len, "{\"x\":1}", 8);

    recon_provider_failure f = RECON_PROVIDER_FAILURE_INIT;
    FUZZ_ASSERT(recon_failure_from_response(provider, status, body, len, &f) == RECON_OK);
    FUZZ_ASSERT(f.info.unified_code != NULL && f.info.category != NULL);
    FUZZ_ASSERT(f.info.action != NULL && f.info.description != NULL);
    FUZZ_ASSERT(f.info.matched >= RECON_MATCH_EXACT && f.info.matched <= RECON_MATCH_UNKNOWN);
    FUZZ_ASSERT(f.info.http_status == status);
    FUZZ_ASSERT(f.parsed == 0 || f.parsed == 1);
    FUZZ_ASSERT(f.body_retryable >= -1 && f.body_retryable <= 1);
    FUZZ_ASSERT(f.retry_after_seconds >= 0 && f.retry_after_seconds <= 86400);
    FUZZ_ASSERT(f.nerrors >= 0);
    /* Jansson only accepts valid UTF-8, so every text taken from the body is. */
    response_fuzz_text_ok(f.message, sizeof f.message);
    response_fuzz_text_ok(f.field, sizeof f.field);
    response_fuzz_text_ok(f.request_id, sizeof f.request_id);
    response_fuzz_text_ok(f.info.provider_code, sizeof f.info.provider_code);
    FUZZ_ASSERT(strnlen(f.info.provider, sizeof f.info.provider) < sizeof f.info.provider);

    /* Same bytes, exact-size buffer: the same answer. */
    char *exact = malloc(len ? len : 1);
    FUZZ_ASSERT(exact != NULL);
    memcpy(exact, data + 2, len);
    recon_provider_failure g = RECON_PROVIDER_FAILURE_INIT;
    FUZZ_ASSERT(recon_failure_from_response(provider, status, exact, len, &g) == RECON_OK);
    FUZZ_ASSERT(strcmp(f.message, g.message) == 0 && strcmp(f.field, g.field) == 0);
    FUZZ_ASSERT(strcmp(f.info.unified_code, g.info.unified_code) == 0);
    FUZZ_ASSERT(f.parsed == g.parsed && f.nerrors == g.nerrors);
    free(exact);
    free(body);
    return 0;
}
