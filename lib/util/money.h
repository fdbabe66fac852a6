/* Money: decimal text -> int64_t minor units, and back. No floating point
 * anywhere on this path: digits are accumulated into an integer with
 * overflow checks, and precision beyond the currency's exponent is an
 * error, never a rounding. */
#ifndef RECON_MONEY_H
#define RECON_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Why a value was refused. Stable: these become failure reason codes. */
typedef enum {
    RC_MONEY_OK = 0,
    RC_MONEY_EMPTY,     /* nothing but white space */
    RC_MONEY_SYNTAX,    /* not a number in the configured format */
    RC_MONEY_PRECISION, /* non-zero digits beyond the currency's exponent */
    RC_MONEY_OVERFLOW   /* does not fit in int64_t minor units */
} rc_money_err;

/* What an amount's integer counts (rc_money_fmt.minor). */
#define RC_MONEY_MAJOR 0 /* decimal text in major units: 12.34 */
#define RC_MONEY_MINOR 1 /* an integer of the currency's minor units: 1234 */
#define RC_MONEY_HUNDREDTHS                                                                        \
    2 /* an integer of hundredths of the major unit, whatever the                                  \
         currency's exponent (PayPal's reports: 15000 JPY is 150 yen) */

typedef struct {
    char decimal;   /* '.' or ',' */
    char thousands; /* 0 (none), ',', '.', ' ', '\'' ; never equal to decimal */
    int minor;      /* RC_MONEY_MAJOR, _MINOR or _HUNDREDTHS (the last two: integers only) */
    char symbol[8]; /* "" or the currency mark a value may carry once, before or after its
                       digits and on either side of its sign ("$", "€", "CHF"): "-$7,971.39",
                       "$-5.00", "(£5.00)", "12,50 €" */
} rc_money_fmt;

/* Parses s[0..len) into minor units of a currency with `exponent` digits.
 * Accepts the format's currency symbol (once; see rc_money_fmt), surrounding white space, a leading
 * '+' or '-', a trailing '-', or parentheses for negatives (one sign marker at most), thousands
 * separators only in valid groups of three, and trailing zeros beyond the
 * exponent (they are exact). Returns RC_MONEY_OK and sets *out, or an
 * rc_money_err and leaves *out untouched. */
int rc_money_parse(const char *s, size_t len, int exponent, const rc_money_fmt *fmt, int64_t *out);

/* A short stable token for an rc_money_err: "amount_empty", ... */
const char *rc_money_errcode(int err);

/* Human-readable message for an rc_money_err. */
const char *rc_money_errmsg(int err);

/* Looks up an ISO 4217 code (exactly three letters, case-sensitive upper).
 * Returns the exponent (0..4) or -1 when unknown. */
int rc_currency_exponent(const char *code, size_t len);

/* Writes minor units as a plain decimal in major units ("-1234.56",
 * "0.05", "100" for exponent 0) into buf. Returns the length written
 * (excluding NUL) or -1 when size is too small. */
int rc_money_format(int64_t minor, int exponent, char *buf, size_t size);

#endif
