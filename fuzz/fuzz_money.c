/* Fuzz target: the amount parser (lib/util/money.c).
 *
 * The first byte picks the currency exponent (0..4, and now and then an
 * invalid one) and the format (decimal and thousands separators, minor
 * units); the rest is the amount text. Checked: a refusal leaves the
 * output alone and has a reason code; an accepted amount formatted back
 * (rc_money_format) parses to the same value with the plain format; the
 * same text with one more exponent digit is ten times the value or an
 * overflow; and recon_money_format agrees with rc_money_format. */
#include <string.h>

#include "fuzz.h"
#include "recon.h"
#include "util/money.h"

#define MONEY_FUZZ_UNTOUCHED INT64_C(0x5EED5EED5EED)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const rc_money_fmt fmts[8] = {
        {'.', 0, 0, ""},      {'.', ',', 0, "$"}, {',', '.', 0, "\xE2\x82\xAC"},
        {',', ' ', 0, "CHF"}, {'.', '\'', 0, ""}, {'.', 0, 1, ""},
        {'.', ',', 1, ""},    {',', ' ', 2, "$"},
    };
    /* A currency per exponent, for the public wrapper (none has 1). */
    static const char *const currencies[5] = {"JPY", NULL, "USD", "KWD", "CLF"};
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    const char *text = (const char *)data + 1;
    const size_t len = size - 1;
    const int exponent = (mode & 7) <= 4 ? (mode & 7) : -1 - (mode & 1);
    const rc_money_fmt *fmt = &fmts[(mode >> 3) & 7];

    int64_t v = MONEY_FUZZ_UNTOUCHED;
    const int rc = rc_money_parse(text, len, exponent, fmt, &v);
    FUZZ_ASSERT(rc >= RC_MONEY_OK && rc <= RC_MONEY_OVERFLOW);
    FUZZ_ASSERT(strcmp(rc_money_errcode(rc), "unknown") != 0);
    if (rc != RC_MONEY_OK) {
        FUZZ_ASSERT(v == MONEY_FUZZ_UNTOUCHED);
        return 0;
    }
    FUZZ_ASSERT(exponent >= 0);

    /* Round trip: minor units -> plain decimal text -> the same minor units. */
    char buf[32];
    const int n = rc_money_format(v, exponent, buf, sizeof buf);
    FUZZ_ASSERT(n > 0 && (size_t)n == strlen(buf));
    static const rc_money_fmt plain = {'.', 0, 0, ""};
    int64_t back = MONEY_FUZZ_UNTOUCHED;
    FUZZ_ASSERT(rc_money_parse(buf, (size_t)n, exponent, &plain, &back) == RC_MONEY_OK);
    FUZZ_ASSERT(back == v);

    if (currencies[exponent] != NULL) {
        char pub[32];
        FUZZ_ASSERT(recon_money_format(v, currencies[exponent], pub, sizeof pub) == 0);
        FUZZ_ASSERT(recon_currency_exponent(currencies[exponent]) == exponent);
        FUZZ_ASSERT(strcmp(pub, buf) == 0);
    }

    /* One more digit of exponent scales by ten, exactly, or overflows. */
    if (exponent < 4 && !fmt->minor) {
        int64_t scaled = MONEY_FUZZ_UNTOUCHED;
        const int rc2 = rc_money_parse(text, len, exponent + 1, fmt, &scaled);
        if (v > INT64_MAX / 10 || v < INT64_MIN / 10)
            FUZZ_ASSERT(rc2 == RC_MONEY_OVERFLOW);
        else
            FUZZ_ASSERT(rc2 == RC_MONEY_OK && scaled == v * 10);
    }
    return 0;
}
