/* Money: amounts as exact int64_t minor units. Parses the decimal text that
 * PSP and bank exports carry into minor units of a currency, formats minor
 * units back into plain decimal text, and looks up ISO 4217 exponents in
 * the table compiled in from data/currencies.csv.
 *
 * No floating point on any path: a reconciliation that is off by one cent
 * because 0.1 has no binary representation is worse than one that refuses
 * the row. Anything ambiguous (a misplaced separator, two sign markers,
 * digits the currency cannot hold) is refused with a reason, never guessed
 * or rounded. */
#include "util/money.h"

#include <stdlib.h>
#include <string.h>

#include "recon.h"
#include "util/builtin.h"
#include "util/strbuf.h"

/* ISO 4217 minor units never exceed 4 (CLF, UYW). */
#define MAX_EXPONENT 4

/* Longest int64 magnitude is 19 digits; MAX_EXPONENT + 1 for "0.0000". */
#define MAX_DIGITS 20

/* UTF-8 spaces that spreadsheets and French/Swiss locales put into numbers. */
static const char NBSP[] = "\xC2\xA0";            /* U+00A0 NO-BREAK SPACE */
static const char NARROW_NBSP[] = "\xE2\x80\xAF"; /* U+202F NARROW NO-BREAK SPACE */

static int is_digit(unsigned char c) {
    return c >= '0' && c <= '9';
}

/* Length of the UTF-8 no-break space starting at s[0..n), or 0. */
static size_t nbsp_at(const char *s, size_t n) {
    if (n >= 2 && memcmp(s, NBSP, 2) == 0) return 2;
    if (n >= 3 && memcmp(s, NARROW_NBSP, 3) == 0) return 3;
    return 0;
}

/* Length of the blank that starts s[0..n), or 0. */
static size_t blank_at(const char *s, size_t n) {
    if (n >= 1 && (s[0] == ' ' || s[0] == '\t')) return 1;
    return nbsp_at(s, n);
}

/* Length of the blank that ends s[0..n), or 0. */
static size_t blank_before(const char *s, size_t n) {
    if (n >= 1 && (s[n - 1] == ' ' || s[n - 1] == '\t')) return 1;
    if (n >= 2 && memcmp(s + n - 2, NBSP, 2) == 0) return 2;
    if (n >= 3 && memcmp(s + n - 3, NARROW_NBSP, 3) == 0) return 3;
    return 0;
}

/* Narrows s[0..*n) to its non-blank middle. */
static const char *trim(const char *s, size_t *n) {
    size_t k;
    while ((k = blank_at(s, *n)) > 0) {
        s += k;
        *n -= k;
    }
    while ((k = blank_before(s, *n)) > 0)
        *n -= k;
    return s;
}

/* Length of a thousands separator starting at s[0..n), or 0. A space
 * separator also matches the no-break spaces: exports that group with ' '
 * usually mean U+00A0 or U+202F and the user cannot see the difference. */
static size_t thousands_at(const char *s, size_t n, char thousands) {
    if (thousands == 0 || n == 0) return 0;
    if (s[0] == thousands) return 1;
    return thousands == ' ' ? nbsp_at(s, n) : 0;
}

/* A format is only usable when the two separators cannot be confused. In
 * minor-unit mode the decimal separator is never used, so it is not
 * checked there. */
static int fmt_valid(const rc_money_fmt *fmt) {
    const char t = fmt->thousands;
    if (t != 0 && t != ',' && t != '.' && t != ' ' && t != '\'') return 0;
    if (fmt->minor) return 1;
    return (fmt->decimal == '.' || fmt->decimal == ',') && t != fmt->decimal;
}

/* Strips the one sign marker the text may carry: a leading '+' or '-', a
 * trailing '-', or enclosing parentheses (accounting negatives). Whatever
 * is left must be bare digits and separators, so a second marker ("--5",
 * "-(5)", "+-1") or a space between marker and digits ("- 5") is caught by
 * the digit scan later. Returns 0, or -1 for an unbalanced parenthesis. */
static int strip_sign(const char **s, size_t *n, int *neg) {
    const char *p = *s;
    size_t len = *n;
    *neg = 0;
    if (p[0] == '(') {
        if (len < 2 || p[len - 1] != ')') return -1;
        *neg = 1;
        p++;
        len -= 2;
    } else if (p[0] == '+' || p[0] == '-') {
        *neg = p[0] == '-';
        p++;
        len--;
    } else if (p[len - 1] == '-') {
        *neg = 1;
        len--;
    }
    *s = p;
    *n = len;
    return 0;
}

/* Where the parts of an unsigned amount are: s[0..int_end) is the integer
 * part with its separators, s[frac..frac + nfrac) the fraction digits. */
typedef struct {
    size_t int_end;
    size_t ndigits; /* integer digits, separators not counted */
    size_t frac;
    size_t nfrac;
} layout;

/* Scans the integer part. Separators are optional, but when present they
 * must split the digits exactly like "1,234,567": a first group of 1-3
 * digits and then groups of exactly 3. Anything else ("1,23", "12,3456",
 * ",1", "1,,2", "1,") is refused: it usually means the file's separators
 * are not the ones the profile says, and guessing would scale amounts by
 * powers of ten. */
static int scan_integer(const char *s, size_t n, char thousands, layout *lay) {
    size_t i = 0, group = 0, k;
    int grouped = 0;
    lay->ndigits = 0;
    while (i < n) {
        if (is_digit((unsigned char)s[i])) {
            group++;
            lay->ndigits++;
            i++;
        } else if ((k = thousands_at(s + i, n - i, thousands)) > 0) {
            if (group == 0 || (grouped ? group != 3 : group > 3)) return -1;
            grouped = 1;
            group = 0;
            i += k;
        } else {
            break;
        }
    }
    if (grouped && group != 3) return -1;
    lay->int_end = i;
    return 0;
}

/* Checks that s[0..n) is an unsigned amount in fmt and records where its
 * parts are. Returns 0 or -1 (syntax). */
static int scan_layout(const char *s, size_t n, const rc_money_fmt *fmt, layout *lay) {
    if (scan_integer(s, n, fmt->thousands, lay) != 0) return -1;
    size_t i = lay->int_end;
    lay->frac = i;
    lay->nfrac = 0;
    if (!fmt->minor && i < n && s[i] == fmt->decimal) {
        lay->frac = ++i;
        while (i < n && is_digit((unsigned char)s[i]))
            i++;
        lay->nfrac = i - lay->frac;
    }
    /* ".5" and "5." are fine; "." alone has no digits at all. */
    if (i != n || lay->ndigits + lay->nfrac == 0) return -1;
    return 0;
}

/* Digits past the exponent are exact only when they are all zeros. */
static int fraction_fits(const char *frac, size_t nfrac, size_t exponent) {
    for (size_t i = exponent; i < nfrac; i++)
        if (frac[i] != '0') return 0;
    return 1;
}

/* acc = acc * 10 + d unless that would pass limit. */
static int push_digit(uint64_t *acc, unsigned d, uint64_t limit) {
    if (*acc > (limit - d) / 10) return -1;
    *acc = *acc * 10 + d;
    return 0;
}

/* The magnitude in minor units, or -1 when it is over limit. Digits are
 * pushed one by one with a bound check, so leading zeros and very long
 * inputs cost time but cannot wrap. */
static int magnitude(const char *s, const layout *lay, size_t exponent, uint64_t limit,
                     uint64_t *acc) {
    *acc = 0;
    for (size_t i = 0; i < lay->int_end; i++) {
        const unsigned char c = (unsigned char)s[i];
        /* Separator bytes (including UTF-8 spaces) are never digits. */
        if (is_digit(c) && push_digit(acc, c - '0', limit) != 0) return -1;
    }
    for (size_t i = 0; i < exponent; i++) {
        const unsigned d = i < lay->nfrac ? (unsigned)(s[lay->frac + i] - '0') : 0;
        if (push_digit(acc, d, limit) != 0) return -1;
    }
    return 0;
}

/* Hundredths of the major unit -> minor units of a currency with
 * `exponent` digits: x 10^(exponent - 2), or / 10^(2 - exponent) when that
 * is exact. Returns 0; or -1 with *mag left non-zero on overflow, set to 0
 * when hundredths the currency cannot hold would be lost (150.50 JPY). */
static int hundredths_to_minor(uint64_t *mag, int exponent, uint64_t limit) {
    for (int e = exponent; e > 2; e--) {
        if (*mag > limit / 10) return -1;
        *mag *= 10;
    }
    for (int e = exponent; e < 2; e++) {
        if (*mag % 10) {
            *mag = 0;
            return -1;
        }
        *mag /= 10;
    }
    return 0;
}

/* Applies the sign without ever negating INT64_MIN's magnitude as int64. */
static int64_t apply_sign(uint64_t mag, int neg) {
    if (!neg) return (int64_t)mag;
    if (mag == (uint64_t)INT64_MAX + 1) return INT64_MIN;
    return -(int64_t)mag;
}

/* The value without its currency symbol, into buf: the symbol may stand
 * first or last, or right after a leading sign or parenthesis, or right
 * before a trailing sign or parenthesis, with blanks between it and the
 * digits; only once. Returns 0 (s and len then describe buf, or the
 * untouched text when it has no symbol), or -1 for a symbol anywhere else
 * or twice. */
static int strip_symbol(const char **s, size_t *len, const char *sym, char *buf, size_t size) {
    size_t k = strlen(sym), n = *len;
    const char *t = *s;
    const char *at = rc_find_bytes(t, n, sym, k);
    if (!at) return 0;
    size_t pos = (size_t)(at - t);
    if (rc_find_bytes(at + k, n - pos - k, sym, k) || n - k >= size) return -1;
    int lead = pos == 0 || (pos == 1 && (t[0] == '-' || t[0] == '+' || t[0] == '('));
    size_t after = pos + k;
    int trail = after == n || (after + 1 == n && (t[n - 1] == '-' || t[n - 1] == ')'));
    if (!lead && !trail) return -1;
    /* Drop the symbol and the blanks between it and the digits. */
    size_t a = pos, b = after;
    if (lead)
        while (b < n && (t[b] == ' ' || t[b] == '\t'))
            b++;
    else
        while (a > 0 && (t[a - 1] == ' ' || t[a - 1] == '\t'))
            a--;
    memcpy(buf, t, a);
    memcpy(buf + a, t + b, n - b);
    *s = buf;
    *len = a + (n - b);
    return 0;
}

int rc_money_parse(const char *s, size_t len, int exponent, const rc_money_fmt *fmt, int64_t *out) {
    if (s == NULL || len == 0) return RC_MONEY_EMPTY;
    s = trim(s, &len);
    if (len == 0) return RC_MONEY_EMPTY;
    if (fmt == NULL || !fmt_valid(fmt) || exponent < 0 || exponent > MAX_EXPONENT)
        return RC_MONEY_SYNTAX;
    char plain[128];
    if (fmt->symbol[0] && strip_symbol(&s, &len, fmt->symbol, plain, sizeof plain) != 0)
        return RC_MONEY_SYNTAX;
    if (len == 0) return RC_MONEY_SYNTAX; /* a symbol alone */

    int neg;
    layout lay;
    if (strip_sign(&s, &len, &neg) != 0 || scan_layout(s, len, fmt, &lay) != 0)
        return RC_MONEY_SYNTAX;

    /* In minor-unit mode the text already counts minor units. */
    const size_t exp = fmt->minor ? 0 : (size_t)exponent;
    if (!fraction_fits(s + lay.frac, lay.nfrac, exp)) return RC_MONEY_PRECISION;

    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t mag;
    if (magnitude(s, &lay, exp, limit, &mag) != 0) return RC_MONEY_OVERFLOW;
    if (fmt->minor == RC_MONEY_HUNDREDTHS && hundredths_to_minor(&mag, exponent, limit) != 0)
        return mag ? RC_MONEY_OVERFLOW : RC_MONEY_PRECISION;
    if (out != NULL) *out = apply_sign(mag, neg);
    return RC_MONEY_OK;
}

const char *rc_money_errcode(int err) {
    switch (err) {
    case RC_MONEY_OK:
        return "ok";
    case RC_MONEY_EMPTY:
        return "amount_empty";
    case RC_MONEY_SYNTAX:
        return "amount_invalid";
    case RC_MONEY_PRECISION:
        return "amount_precision";
    case RC_MONEY_OVERFLOW:
        return "amount_overflow";
    default:
        return "unknown";
    }
}

const char *rc_money_errmsg(int err) {
    switch (err) {
    case RC_MONEY_OK:
        return "no error";
    case RC_MONEY_EMPTY:
        return "amount is empty";
    case RC_MONEY_SYNTAX:
        return "amount is not a number in the configured format";
    case RC_MONEY_PRECISION:
        return "amount has more decimal places than the currency allows";
    case RC_MONEY_OVERFLOW:
        return "amount is too large to be stored";
    default:
        return "unknown amount error";
    }
}

static int currency_cmp(const void *key, const void *elem) {
    const rc_currency *c = elem;
    return memcmp(key, c->code, 3);
}

int rc_currency_exponent(const char *code, size_t len) {
    if (code == NULL || len != 3) return -1;
    /* Upper case only: the table is upper case and "usd" in a file is more
     * likely a profile mistake than a currency. */
    for (size_t i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z') return -1;
    const rc_currency *c =
        bsearch(code, rc_currencies, rc_ncurrencies, sizeof rc_currencies[0], currency_cmp);
    return c != NULL ? c->exponent : -1;
}

/* Writes the decimal digits of mag, least significant first, padded with
 * zeros to at least `min` digits. Returns the count. */
static size_t digits_reversed(uint64_t mag, size_t min, char out[MAX_DIGITS]) {
    size_t n = 0;
    do {
        out[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag != 0);
    while (n < min)
        out[n++] = '0';
    return n;
}

int rc_money_format(int64_t minor, int exponent, char *buf, size_t size) {
    if (buf == NULL || size == 0) return -1;
    buf[0] = '\0';
    if (exponent < 0 || exponent > MAX_EXPONENT) return -1;

    const int neg = minor < 0;
    /* Unsigned negation is defined for INT64_MIN, signed is not. */
    const uint64_t mag = neg ? 0 - (uint64_t)minor : (uint64_t)minor;
    const size_t exp = (size_t)exponent;
    char digits[MAX_DIGITS];
    const size_t nd = digits_reversed(mag, exp + 1, digits);
    const size_t len = (size_t)neg + nd + (exp > 0);
    if (len >= size) return -1;

    char *w = buf;
    if (neg) *w++ = '-';
    for (size_t i = nd; i-- > 0;) {
        if (exp > 0 && i + 1 == exp) *w++ = '.';
        *w++ = digits[i];
    }
    *w = '\0';
    return (int)len;
}

/* The public calls take a code in any case ("eur"), as imported rows do
 * (ingest upper-cases a row's code before it looks it up here). */
int recon_currency_exponent(const char *code) {
    if (code == NULL || strnlen(code, 4) != 3) return -1;
    char up[3];
    for (size_t i = 0; i < 3; i++)
        up[i] = (code[i] >= 'a' && code[i] <= 'z') ? (char)(code[i] - 'a' + 'A') : code[i];
    return rc_currency_exponent(up, 3);
}

int recon_money_parse(const char *text, const char *currency, int64_t *out) {
    const int exponent = recon_currency_exponent(currency);
    if (exponent < 0 || text == NULL || out == NULL) return -1;
    /* A plain decimal only: what rc_money_parse would also take (spaces,
     * a trailing sign, parentheses) is a typo on a command line. */
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++)
        if (!((text[i] >= '0' && text[i] <= '9') || text[i] == '.' || (i == 0 && text[i] == '-')))
            return -1;
    rc_money_fmt fmt;
    memset(&fmt, 0, sizeof fmt);
    fmt.decimal = '.';
    fmt.minor = RC_MONEY_MAJOR;
    return rc_money_parse(text, len, exponent, &fmt, out) == RC_MONEY_OK ? 0 : -1;
}

int recon_money_format(int64_t minor, const char *currency, char *buf, size_t size) {
    if (buf != NULL && size > 0) buf[0] = '\0';
    const int exponent = recon_currency_exponent(currency);
    if (exponent < 0) return -1;
    return rc_money_format(minor, exponent, buf, size) < 0 ? -1 : 0;
}
