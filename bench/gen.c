/* gen: writes synthetic CSV input for the benchmark (bench/bench.c).
 *
 *   gen psp|bank ROWS FILE
 *
 * psp:  a Stripe-like balance report (generic_psp profile): charges, refunds,
 *       fees, chargebacks, adjustments and one payout row per ~200 rows of a
 *       currency, with random base62 ids, quoted descriptions and exact nets.
 * bank: a bank statement (generic_bank profile) with no id column, in date
 *       order, with ~0.5% rows repeated verbatim (two identical coffees on one
 *       day) so the importer's derived ids are exercised.
 *
 * The output is a pure function of the arguments: a fixed-seed splitmix64
 * PRNG, integer-only arithmetic (money in minor units, dates from a civil
 * calendar formula instead of gmtime) and no locale, so every run on every
 * platform writes the same bytes. Prints nothing on success; exit 1 with a
 * message on bad arguments or I/O errors. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_CAP (1u << 20)
#define ROW_MAX 1024 /* no row comes near this; flushing below it keeps appends unchecked */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 2024-03-01T00:00:00Z: the start of the generated history. */
#define EPOCH_START 1709251200LL
#define DAY 86400LL

/* ---- PRNG ------------------------------------------------------------------- */

#include "rng.h"
#include "util/calendar.h"

static uint64_t between(rng *r, uint64_t lo, uint64_t hi) {
    return lo + below(r, hi - lo + 1);
}

/* True with probability per_mille / 1000. */
static int chance(rng *r, unsigned per_mille) {
    return below(r, 1000) < per_mille;
}

/* ---- output buffer ------------------------------------------------------------ */

/* One big buffer, flushed with fwrite when a row might not fit: formatting by
 * hand into it is several times faster than stdio per field. */
typedef struct {
    FILE *f;
    size_t len;
    int err;
    char buf[OUT_CAP];
} out;

static void flush_out(out *o) {
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) o->err = errno ? errno : EIO;
    o->len = 0;
}

/* Called once per row, so the appends inside a row need no bounds checks. */
static void row_begin(out *o) {
    if (OUT_CAP - o->len < ROW_MAX) flush_out(o);
}

static void put_ch(out *o, char c) {
    o->buf[o->len++] = c;
}

static void put_str(out *o, const char *s) {
    size_t n = strlen(s);
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

/* Quotes only when needed, doubling embedded quotes (RFC 4180). */
static void put_csv(out *o, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        put_str(o, s);
        return;
    }
    put_ch(o, '"');
    for (; *s; s++) {
        if (*s == '"') put_ch(o, '"');
        put_ch(o, *s);
    }
    put_ch(o, '"');
}

static void put_uint(out *o, uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        put_ch(o, tmp[--n]);
}

/* Zero-padded to width digits. */
static void put_uint_w(out *o, uint64_t v, int width) {
    for (int i = width - 1; i >= 0; i--) {
        o->buf[o->len + (size_t)i] = (char)('0' + v % 10);
        v /= 10;
    }
    o->len += (size_t)width;
}

/* Minor units as signed major units: exponent 2 -> "-12.34", 0 -> "-1234". */
static void put_money(out *o, int64_t minor, int exponent) {
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    if (minor < 0) put_ch(o, '-');
    if (exponent == 0) {
        put_uint(o, mag);
        return;
    }
    put_uint(o, mag / 100);
    put_ch(o, '.');
    put_uint_w(o, mag % 100, 2);
}

static const char B62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* prefix + n random base62 characters into dst (NUL-terminated): a PSP-style id. */
static size_t random_id(char *dst, rng *r, const char *prefix, size_t n) {
    size_t p = strlen(prefix);
    memcpy(dst, prefix, p);
    for (size_t i = 0; i < n; i++)
        dst[p + i] = B62[below(r, 62)];
    dst[p + n] = '\0';
    return p + n;
}

static void put_random(out *o, rng *r, const char *prefix, size_t n) {
    o->len += random_id(o->buf + o->len, r, prefix, n);
}

/* ---- dates ---------------------------------------------------------------------- */

/* y/m/d of a day count, by the library's calendar arithmetic: no gmtime,
 * so no time zone database can change the output. */
static void civil(int64_t days, int *y, int *m, int *d) {
    int64_t year;
    rc_civil_from_days(days, &year, m, d);
    *y = (int)year;
}

static void put_date(out *o, int64_t days) {
    int y, m, d;
    civil(days, &y, &m, &d);
    put_uint_w(o, (uint64_t)y, 4);
    put_ch(o, '-');
    put_uint_w(o, (uint64_t)m, 2);
    put_ch(o, '-');
    put_uint_w(o, (uint64_t)d, 2);
}

/* ISO 8601 UTC: 2024-03-01T12:34:56Z. */
static void put_datetime(out *o, int64_t t) {
    int64_t secs = t % DAY;
    put_date(o, t / DAY);
    put_ch(o, 'T');
    put_uint_w(o, (uint64_t)(secs / 3600), 2);
    put_ch(o, ':');
    put_uint_w(o, (uint64_t)(secs / 60 % 60), 2);
    put_ch(o, ':');
    put_uint_w(o, (uint64_t)(secs % 60), 2);
    put_ch(o, 'Z');
}

/* ---- psp ------------------------------------------------------------------------ */

enum { CUR_USD, CUR_EUR, CUR_GBP, CUR_JPY, NCUR };

static const struct {
    const char *code;
    int exponent;
    int64_t fee_per_mille10; /* percentage fee in tenths of a per mille: 290 = 2.9% */
    int64_t fee_fixed;       /* minor units */
} CURRENCY[NCUR] = {
    {"USD", 2, 290, 30},
    {"EUR", 2, 150, 25},
    {"GBP", 2, 150, 20},
    {"JPY", 0, 360, 0},
};

/* Each currency settles separately, as PSPs pay out per currency: rows join
 * the open batch of their currency, whose payout row closes it. */
typedef struct {
    char payout_id[32];
    int64_t balance; /* sum of nets in the batch, minor units */
    int rows, target;
} batch;

typedef struct {
    rng r;
    int64_t t; /* current created time, seconds since 1970 */
    batch b[NCUR];
} psp_state;

static const char *const FIRST[] = {"anna", "ben", "chloe", "dev",  "emma", "femi", "gus",  "hana",
                                    "ivan", "jo",  "kai",   "lena", "mo",   "nina", "omar", "pia"};
static const char *const LAST[] = {"smith",  "jones",  "garcia", "muller",   "rossi", "tanaka",
                                   "okafor", "nguyen", "dubois", "kowalski", "silva", "brown"};
static const char *const DOMAIN[] = {"example.com", "mail.test", "shop.example", "corp.test"};

/* Short texts; about one in five has a comma or a quote to exercise quoting. */
static const char *const CHARGE_DESC[] = {
    "Order payment",        "Subscription renewal", "Invoice 2024",    "Gift card",
    "Annual plan",          "Add-on pack",          "Store credit",    "Checkout",
    "Shoes, size 42",       "T-shirt \"Classic\"",  "Book, hardcover", "Mug",
    "Coffee beans 1kg",     "Monthly plan",         "Poster 50x70",    "Headphones",
    "Lamp \"Nordic\", oak", "Sticker pack",         "Donation",        "Workshop ticket",
};

static void new_batch(psp_state *s, batch *b) {
    random_id(b->payout_id, &s->r, "po_", 24);
    b->balance = 0;
    b->rows = 0;
    b->target = (int)between(&s->r, 150, 250);
}

static int pick_currency(rng *r) {
    uint64_t x = below(r, 1000);
    return x < 800 ? CUR_USD : x < 890 ? CUR_EUR : x < 970 ? CUR_GBP : CUR_JPY;
}

static const char *pick_type(rng *r) {
    uint64_t x = below(r, 1000);
    return x < 850   ? "charge"
           : x < 930 ? "refund"
           : x < 960 ? "fee"
           : x < 980 ? "chargeback"
                     : "adjustment";
}

/* A plausible basket in minor units: mostly 5-200 major units, now and then up
 * to 5000. Yen have no minor unit, so the same number reads as 500-500000 yen,
 * which is also how yen prices look. */
static int64_t pick_amount(rng *r) {
    int64_t major = chance(r, 50) ? (int64_t)between(r, 200, 5000) : (int64_t)between(r, 5, 200);
    return major * 100 + (int64_t)below(r, 100);
}

/* Percentage plus fixed part, rounded half up in integers. */
static int64_t charge_fee(int cur, int64_t amount) {
    return (amount * CURRENCY[cur].fee_per_mille10 + 5000) / 10000 + CURRENCY[cur].fee_fixed;
}

static void put_email(out *o, rng *r) {
    put_str(o, FIRST[below(r, ARRAY_LEN(FIRST))]);
    put_ch(o, '.');
    put_str(o, LAST[below(r, ARRAY_LEN(LAST))]);
    put_uint(o, below(r, 100));
    put_ch(o, '@');
    put_str(o, DOMAIN[below(r, ARRAY_LEN(DOMAIN))]);
}

/* The columns every psp row shares from id to currency. */
static void put_psp_head(out *o, psp_state *s, const char *type, int cur, int64_t amount,
                         int64_t fee) {
    int e = CURRENCY[cur].exponent;
    put_random(o, &s->r, "txn_", 24);
    put_ch(o, ',');
    put_str(o, type);
    put_ch(o, ',');
    put_datetime(o, s->t);
    put_ch(o, ',');
    put_date(o, s->t / DAY + 2);
    put_ch(o, ',');
    put_money(o, amount, e);
    put_ch(o, ',');
    put_money(o, fee, e);
    put_ch(o, ',');
    put_money(o, amount - fee, e);
    put_ch(o, ',');
    put_str(o, CURRENCY[cur].code);
    put_ch(o, ',');
}

static void psp_payout(out *o, psp_state *s, int cur) {
    batch *b = &s->b[cur];
    row_begin(o);
    put_psp_head(o, s, "payout", cur, -b->balance, 0);
    put_str(o, b->payout_id);
    put_str(o, ",,STRIPE PAYOUT,,succeeded\n");
    new_batch(s, b);
}

/* Signed amount and fee in minor units for a non-payout row. Fees and
 * adjustments are the PSP's own and carry no customer. */
static int64_t movement_amount(psp_state *s, const char *type, int cur, int64_t *fee,
                               int *customer) {
    int64_t amount = pick_amount(&s->r);
    *fee = 0;
    *customer = 1;
    if (!strcmp(type, "charge")) {
        *fee = charge_fee(cur, amount);
        return amount;
    }
    if (!strcmp(type, "refund") || !strcmp(type, "chargeback")) return -amount;
    *customer = 0;
    if (!strcmp(type, "fee")) return -(int64_t)between(&s->r, 1, 500) * (cur == CUR_JPY ? 1 : 10);
    int64_t mag = (int64_t)between(&s->r, 1, 2000); /* adjustment: small, either way */
    return chance(&s->r, 500) ? mag : -mag;
}

static void psp_movement(out *o, psp_state *s, int cur) {
    const char *type = pick_type(&s->r);
    int64_t fee;
    int customer;
    int64_t amount = movement_amount(s, type, cur, &fee, &customer);

    batch *b = &s->b[cur];
    row_begin(o);
    put_psp_head(o, s, type, cur, amount, fee);
    put_str(o, b->payout_id);
    put_ch(o, ',');
    if (customer) {
        put_str(o, "order-");
        put_uint_w(o, between(&s->r, 1000000, 9999999), 7);
    }
    put_ch(o, ',');
    put_csv(o, customer ? CHARGE_DESC[below(&s->r, ARRAY_LEN(CHARGE_DESC))]
                        : (type[0] == 'f' ? "Radar fee" : "Balance adjustment"));
    put_ch(o, ',');
    if (customer && chance(&s->r, 550)) /* the rest are guest checkouts */
        put_email(o, &s->r);
    put_str(o, ",succeeded\n");
    b->balance += amount - fee;
    b->rows++;
}

static void gen_psp(out *o, uint64_t rows) {
    psp_state s = {.r = {0x5eed0001ULL}, .t = EPOCH_START + 8 * 3600};
    for (int c = 0; c < NCUR; c++)
        new_batch(&s, &s.b[c]);
    put_str(o, "id,type,created,available_on,amount,fee,net,currency,payout_id,reference,"
               "description,customer,status\n");
    for (uint64_t i = 0; i < rows; i++) {
        s.t += (int64_t)between(&s.r, 1, 40);
        int cur = pick_currency(&s.r);
        if (s.b[cur].rows >= s.b[cur].target)
            psp_payout(o, &s, cur);
        else
            psp_movement(o, &s, cur);
    }
}

/* ---- bank ----------------------------------------------------------------------- */

static const char *const MERCHANT[] = {
    "ACME LTD", "COFFEE CORNER", "OFFICE DEPOT", "AWS EMEA",           "\"BEST\" TAXI, BERLIN",
    "DELI 24",  "TRAINLINE",     "HOTEL NORD",   "PAPER & INK, PARIS", "FUEL STATION 7",
};
static const char *const PAYEE[] = {
    "SUPPLIER GMBH",    "LANDLORD SA",  "CLOUD HOSTING BV",   "TAX OFFICE",
    "PAYROLL SERVICES", "INSURANCE AG", "CUSTOMER ROSSI SRL", "MARKETING, DESIGN OY",
};

/* Writes one bank row into the buffer; the caller may copy it for a repeat. */
static void bank_row(out *o, rng *r, int64_t day) {
    uint64_t x = below(r, 1000);
    char desc[96];
    int64_t amount;
    int ref = 0;
    if (x < 150) {
        random_id(desc, r, "STRIPE PAYOUT po_", 24);
        amount = (int64_t)between(r, 50000, 5000000);
        ref = 1;
    } else if (x < 700) {
        snprintf(desc, sizeof desc, "CARD PAYMENT %s", MERCHANT[below(r, ARRAY_LEN(MERCHANT))]);
        amount = -(int64_t)between(r, 250, 30000);
    } else if (x < 850) {
        const char *payee = PAYEE[below(r, ARRAY_LEN(PAYEE))];
        unsigned inv = (unsigned)between(r, 10000, 99999);
        snprintf(desc, sizeof desc, "SEPA CREDIT TRANSFER %s, INV %u", payee, inv);
        int64_t mag = (int64_t)between(r, 5000, 2000000);
        amount = chance(r, 300) ? mag : -mag;
        ref = chance(r, 700);
    } else if (x < 970) {
        snprintf(desc, sizeof desc, "SEPA DIRECT DEBIT %s", PAYEE[below(r, ARRAY_LEN(PAYEE))]);
        amount = -(int64_t)between(r, 1000, 300000);
        ref = chance(r, 500);
    } else {
        snprintf(desc, sizeof desc, "ACCOUNT FEE");
        amount = -(int64_t)between(r, 100, 2500);
    }
    row_begin(o);
    put_date(o, day);
    put_ch(o, ',');
    put_date(o, day + (chance(r, 300) ? 1 : 0));
    put_ch(o, ',');
    put_csv(o, desc);
    put_ch(o, ',');
    put_money(o, amount, 2);
    put_str(o, chance(r, 700) ? ",EUR," : ",USD,");
    if (ref) put_random(o, r, "E2E-", 16);
    put_ch(o, '\n');
}

static void gen_bank(out *o, uint64_t rows) {
    rng r = {0x5eed0002ULL};
    int64_t day = EPOCH_START / DAY;
    put_str(o, "date,value_date,description,amount,currency,reference\n");
    for (uint64_t i = 0; i < rows; i++) {
        if (chance(&r, 1)) day++; /* ~1000 rows a day: a busy business account */
        size_t start = o->len;
        bank_row(o, &r, day);
        if (i + 1 < rows && chance(&r, 5)) {
            /* Identical twin of the row just written, as banks really list them. */
            size_t n = o->len - start;
            memcpy(o->buf + o->len, o->buf + start, n); /* row_begin left ROW_MAX free */
            o->len += n;
            i++;
        }
    }
}

/* ---- main ----------------------------------------------------------------------- */

static int fail(const char *what, const char *path, int err) {
    fprintf(stderr, "gen: %s %s: %s\n", what, path, strerror(err));
    return 1;
}

static int parse_rows(const char *s, uint64_t *rows) {
    char *end;
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > 1000000000ULL) return -1;
    *rows = v;
    return 0;
}

int main(int argc, char **argv) {
    uint64_t rows;
    int psp = argc == 4 && !strcmp(argv[1], "psp");
    int bank = argc == 4 && !strcmp(argv[1], "bank");
    if ((!psp && !bank) || parse_rows(argv[2], &rows)) {
        fputs("usage: gen psp|bank ROWS FILE\n", stderr);
        return 1;
    }
    out *o = malloc(sizeof *o);
    if (!o) return fail("allocating buffer for", argv[3], ENOMEM);
    o->len = 0;
    o->err = 0;
    o->f = fopen(argv[3], "wb");
    if (!o->f) {
        int e = errno;
        free(o);
        return fail("cannot open", argv[3], e);
    }
    if (psp)
        gen_psp(o, rows);
    else
        gen_bank(o, rows);
    flush_out(o);
    int err = o->err;
    if (fclose(o->f) != 0 && !err) err = errno ? errno : EIO;
    free(o);
    return err ? fail("cannot write", argv[3], err) : 0;
}
