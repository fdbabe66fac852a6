/* matchgen: writes matching scenarios with known answers for the matching
 * benchmark (bench/matchbench.c), in the generic_psp and generic_bank
 * layouts.
 *
 *   matchgen quality DIR          DIR/psp.csv, DIR/bank.csv, DIR/truth.csv
 *   matchgen one_to_one N DIR     DIR/psp.csv, DIR/bank.csv, DIR/onetoone.ini
 *   matchgen one_to_many N P DIR  DIR/psp.csv, DIR/bank.csv
 *   matchgen dense N P DIR        DIR/psp.csv, DIR/bank.csv
 *
 * quality:     fourteen months of one merchant's books: 500 Stripe-like
 *              payouts of 20-60 charges, refunds and fees (half itemized,
 *              half with a payout row that pays minus the items' net sum),
 *              each credited by the bank 0-3 business days after it
 *              settles with the payout id upper-cased, cut short, lower-cased
 *              or missing from the text; invoices settled one by one, whose
 *              bank line writes the invoice number its own way; pairs of
 *              payouts with the same amount on the same day; partial
 *              payouts (a bank fee taken off) and payouts the bank never
 *              credited; and bank lines that belong to nothing. truth.csv
 *              names, for every row of both files, the group it belongs to,
 *              whether that group can be matched, and its case.
 * one_to_one:  N charges with unique references and N bank lines with the
 *              same reference, amount and currency, the same day or the
 *              next; onetoone.ini is the one rule that pairs them.
 * one_to_many: N payout items in P payouts (fees, so net is not gross) and
 *              P bank credits naming the payout: the default rules' work.
 * dense:       N items in P payouts, DENSE_PER_DAY a business day, the
 *              shape that made judging quadratic: sequential payout ids
 *              sharing a long prefix, items at a few subscription prices
 *              (so nets of one day lie close together and sometimes tie),
 *              and bank credits that name the payout in full, cut short
 *              inside the shared prefix, or not at all. Bank line BKn
 *              belongs to payout n: a match is right when the numbers agree.
 *
 * Like gen.c, the output is a pure function of the arguments: a fixed-seed
 * splitmix64 PRNG, integer money in minor units, dates from a civil
 * calendar formula, no locale; every run writes the same bytes. Prints
 * nothing on success; exit 1 with a message on bad arguments or I/O errors. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400LL
#define FIRST_DAY 19786 /* 2024-03-04, a Monday */
#define ID_LEN 24       /* random base62 characters after txn_ / po_ */
#define PATH_CAP 4096

#define Q_PAYOUTS 500    /* quality: payouts, twins included */
#define Q_TWIN_EVERY 60  /* quality: a pair of same-amount payouts every 60 business days */
#define O2O_PER_DAY 2000 /* one_to_one: charges a day */
#define O2M_PER_DAY 40   /* one_to_many: payouts a day */
#define DENSE_PER_DAY 67 /* dense: payouts a day */

/* ---- PRNG (the same splitmix64 as gen.c) --------------------------------------------- */

#include "rng.h"
#include "util/calendar.h"

static int64_t between(rng *r, int64_t lo, int64_t hi) {
    return lo + (int64_t)below(r, (uint64_t)(hi - lo + 1));
}

/* True with probability per_mille / 1000. */
static int chance(rng *r, unsigned per_mille) {
    return below(r, 1000) < per_mille;
}

static const char B62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* prefix + ID_LEN random base62 characters: a PSP-style id. */
static void random_id(rng *r, const char *prefix, char out[40]) {
    size_t p = strlen(prefix);
    memcpy(out, prefix, p);
    for (size_t i = 0; i < ID_LEN; i++)
        out[p + i] = B62[below(r, 62)];
    out[p + ID_LEN] = '\0';
}

/* ---- dates and money ------------------------------------------------------------------ */

/* y/m/d of a day count, by the library's calendar arithmetic: no gmtime,
 * so no time zone database can change the output. */
static void civil(int64_t days, int *y, int *m, int *d) {
    int64_t year;
    rc_civil_from_days(days, &year, m, d);
    *y = (int)year;
}

/* n business days after day (weekends skipped), as banks credit. */
static int64_t add_business_days(int64_t day, int64_t n) {
    while (n > 0)
        if (rc_weekday(++day) < 5) n--;
    return day;
}

static void fmt_date(char out[16], int64_t day) {
    int y, m, d;
    civil(day, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* ISO 8601 UTC: 2024-03-01T12:34:56Z. */
static void fmt_datetime(char out[32], int64_t t) {
    char date[16];
    int64_t s = t % DAY;
    fmt_date(date, t / DAY);
    snprintf(out, 32, "%sT%02d:%02d:%02dZ", date, (int)(s / 3600), (int)(s / 60 % 60),
             (int)(s % 60));
}

/* Minor units as major units with two decimals: -1234 -> "-12.34". */
static void fmt_money(char out[32], int64_t minor) {
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    snprintf(out, 32, "%s%llu.%02llu", minor < 0 ? "-" : "", (unsigned long long)(mag / 100),
             (unsigned long long)(mag % 100));
}

/* Both currencies have two decimals; the fee is 2.9% + 30 for USD and
 * 1.5% + 25 for EUR cards, rounded half up in integers. */
static const struct {
    const char *code;
    int64_t per_mille10, fixed;
} CURRENCY[] = {{"USD", 290, 30}, {"EUR", 150, 25}};

static int64_t card_fee(int cur, int64_t amount) {
    return (amount * CURRENCY[cur].per_mille10 + 5000) / 10000 + CURRENCY[cur].fixed;
}

/* ---- CSV ---------------------------------------------------------------------------- */

/* Quotes only when needed, doubling embedded quotes (RFC 4180). */
static void put_csv(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

#define PSP_HEADER                                                                                 \
    "id,type,created,available_on,amount,fee,net,currency,payout_id,reference,description,"        \
    "customer,status\n"
#define BANK_HEADER "id,date,value_date,description,amount,currency,reference\n"
#define TRUTH_HEADER "source,external_id,truth_group,matchable,case\n"

/* One generic_psp row; net is amount - fee. */
typedef struct {
    const char *id, *type;
    int64_t created;   /* seconds since 1970 */
    int64_t available; /* day the money is available: the payout's day */
    int64_t amount, fee;
    int cur;
    const char *payout_id, *reference, *description, *customer;
} psp_row;

static void write_psp(FILE *f, const psp_row *p) {
    char created[32], avail[16], amount[32], fee[32], net[32];
    fmt_datetime(created, p->created);
    fmt_date(avail, p->available);
    fmt_money(amount, p->amount);
    fmt_money(fee, p->fee);
    fmt_money(net, p->amount - p->fee);
    fprintf(f, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,", p->id, p->type, created, avail, amount, fee, net,
            CURRENCY[p->cur].code, p->payout_id, p->reference);
    put_csv(f, p->description);
    fputc(',', f);
    put_csv(f, p->customer);
    fputs(p->type[0] == 'p' ? ",paid\n" : ",succeeded\n", f);
}

/* One generic_bank row: booked and valued on the same day. */
typedef struct {
    const char *id;
    int64_t day;
    const char *description;
    int64_t amount;
    int cur;
    const char *reference;
} bank_row;

static void write_bank(FILE *f, const bank_row *b) {
    char date[16], amount[32];
    fmt_date(date, b->day);
    fmt_money(amount, b->amount);
    fprintf(f, "%s,%s,%s,", b->id, date, date);
    put_csv(f, b->description);
    fprintf(f, ",%s,%s,%s\n", amount, CURRENCY[b->cur].code, b->reference);
}

/* ---- output files ---------------------------------------------------------------------- */

static int fail(const char *what, const char *path, int err) {
    fprintf(stderr, "matchgen: %s %s: %s\n", what, path, strerror(err));
    return 1;
}

static FILE *open_out(const char *dir, const char *name) {
    char path[PATH_CAP];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        fail("path too long:", dir, ENAMETOOLONG);
        return NULL;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        fail("cannot open", path, errno);
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

/* Closes f (NULL is fine) and returns 1 when anything written to it failed. */
static int close_out(FILE *f, const char *dir, const char *name) {
    if (!f) return 0;
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "matchgen: cannot write %s/%s\n", dir, name);
        return 1;
    }
    return 0;
}

/* ---- quality: the scenario ----------------------------------------------------------------- */

/* How a payout reaches the books: as items only (a payout reconciliation
 * report) or with a payout row (a balance report). */
enum { FMT_ITEMIZED, FMT_PAYOUT_ROW };
static const char *const FORMAT_NAME[] = {"itemized", "payout_row"};

/* How the bank writes the payout, or what went wrong with it. */
typedef enum {
    ST_UPPER,        /* STRIPE PAYOUT PO_1ABC...: the id upper-cased */
    ST_TRUNCATED,    /* the id cut after 12-16 characters at the end of the text */
    ST_LOWER,        /* stripe payout po_1abc...: all lower case */
    ST_NO_ID,        /* STRIPE TRANSFER: no id at all */
    ST_TWIN_NO_ID,   /* twins both without id: same amount, currency and day */
    ST_TWIN_WITH_ID, /* twins of which only one has the id: this one ... */
    ST_TWIN_OTHER,   /* ... and its partner without it */
    ST_PARTIAL,      /* credited minus a bank fee: cannot match */
    ST_MISSING_BANK  /* never credited */
} style;
static const char *const STYLE_NAME[] = {"upper",      "truncated",  "lower",
                                         "no_id",      "twin_no_id", "twin_with_id",
                                         "twin_other", "partial",    "missing_bank"};

typedef struct {
    char id[40]; /* po_... */
    int64_t day; /* settles: the items' available_on and the payout row's */
    int cur;
    int format;
    style st;
    int64_t net; /* sum of the items' nets: what the payout pays */
    char kase[32];
} payout;

/* A bank line kept until all are known: the statement is in date order. */
typedef struct {
    int64_t day;
    uint32_t seq; /* creation order, for lines of one day */
    int64_t amount;
    int cur;
    int matchable;
    char description[64];
    char reference[32];
    char group[40]; /* truth group, "" for a line that belongs to nothing */
    char kase[32];
} bank_line;

typedef struct {
    rng r;
    FILE *psp, *truth;
    bank_line *bank;
    size_t nbank, cap;
    int payouts;
    unsigned invoice; /* last invoice number used */
} quality;

static int add_bank(quality *q, const bank_line *b) {
    if (q->nbank == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 1024;
        bank_line *g = realloc(q->bank, cap * sizeof *g);
        if (!g) return -1;
        q->bank = g;
        q->cap = cap;
    }
    q->bank[q->nbank] = *b;
    q->bank[q->nbank].seq = (uint32_t)q->nbank;
    q->nbank++;
    return 0;
}

static void truth_row(FILE *f, const char *source, const char *id, const char *group, int matchable,
                      const char *kase) {
    fprintf(f, "%s,%s,%s,%d,%s\n", source, id, group, matchable, kase);
}

static const char *const FIRST[] = {"anna", "ben", "chloe", "dev",  "emma", "femi", "gus",  "hana",
                                    "ivan", "jo",  "kai",   "lena", "mo",   "nina", "omar", "pia"};
static const char *const LAST[] = {"smith",  "jones",  "garcia", "muller",   "rossi", "tanaka",
                                   "okafor", "nguyen", "dubois", "kowalski", "silva", "brown"};

static void email(rng *r, char out[64]) {
    const char *first = FIRST[below(r, ARRAY_LEN(FIRST))];
    const char *last = LAST[below(r, ARRAY_LEN(LAST))];
    snprintf(out, 64, "%s.%s%d@example.com", first, last, (int)below(r, 100));
}

/* A basket: mostly 5-200 major units, now and then up to 2000. */
static int64_t basket(rng *r) {
    int64_t major = chance(r, 50) ? between(r, 200, 2000) : between(r, 5, 200);
    return major * 100 + (int64_t)below(r, 100);
}

/* One item of payout p, created one to four days before it settles. */
static void item_row(quality *q, payout *p, const char *type, int64_t amount, int64_t fee,
                     const char *description, int customer) {
    char id[40], ref[32] = "", who[64] = "";
    random_id(&q->r, "txn_", id);
    int64_t days_before = between(&q->r, 1, 4);
    int64_t created = (p->day - days_before) * DAY + between(&q->r, 0, DAY - 1);
    if (customer) {
        snprintf(ref, sizeof ref, "order-%07d", (int)between(&q->r, 1000000, 9999999));
        email(&q->r, who);
    }
    psp_row row = {id, type, created, p->day, amount, fee, p->cur, p->id, ref, description, who};
    write_psp(q->psp, &row);
    truth_row(q->truth, "psp", id, p->id, p->st != ST_PARTIAL && p->st != ST_MISSING_BANK, p->kase);
    p->net += amount - fee;
}

/* 20-60 charges, refunds, fees, chargebacks and adjustments; a payout
 * that would come out at zero or less gets more charges. */
static void random_items(quality *q, payout *p) {
    static const char *const WHAT[] = {"Order payment", "Subscription renewal", "Annual plan",
                                       "Gift card, 50", "Workshop ticket",      "Add-on pack"};
    int n = (int)between(&q->r, 20, 60);
    for (int i = 0; i < n || p->net <= 0; i++) {
        uint64_t x = below(&q->r, 1000);
        int64_t amount = basket(&q->r);
        if (x < 820)
            item_row(q, p, "charge", amount, card_fee(p->cur, amount),
                     WHAT[below(&q->r, ARRAY_LEN(WHAT))], 1);
        else if (x < 910)
            item_row(q, p, "refund", -amount, 0, "Refund", 1);
        else if (x < 960)
            item_row(q, p, "fee", -between(&q->r, 10, 5000), 0, "Radar fee", 0);
        else if (x < 980)
            item_row(q, p, "chargeback", -amount, 0, "Dispute", 1);
        else
            item_row(q, p, "adjustment", between(&q->r, -2000, 2000), 0, "Balance adjustment", 0);
    }
}

/* n charges of one plan price: twins built this way pay the same amount. */
static void plan_items(quality *q, payout *p, int n, int64_t price) {
    for (int i = 0; i < n; i++)
        item_row(q, p, "charge", price, card_fee(p->cur, price), "Monthly plan", 1);
}

static void payout_row_line(quality *q, const payout *p) {
    char id[40];
    random_id(&q->r, "txn_", id);
    psp_row row = {id,
                   "payout",
                   p->day * DAY + between(&q->r, 3600, 6 * 3600),
                   p->day,
                   -p->net,
                   0,
                   p->cur,
                   p->id,
                   "",
                   "STRIPE PAYOUT",
                   ""};
    write_psp(q->psp, &row);
    truth_row(q->truth, "psp", id, p->id, p->st != ST_PARTIAL && p->st != ST_MISSING_BANK, p->kase);
}

static void upper(char *s) {
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

static void lower(char *s) {
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

/* The bank's text for a payout credit, as its style says. */
static void payout_text(quality *q, const payout *p, char out[64]) {
    static const char *const PREFIX[] = {"STRIPE PAYOUT ", "STRIPE PAYMENTS EUROPE LTD ",
                                         "TRF FROM STRIPE "};
    const char *prefix = PREFIX[below(&q->r, ARRAY_LEN(PREFIX))];
    char id[40];
    snprintf(id, sizeof id, "%s", p->id);
    upper(id);
    switch (p->st) {
    case ST_NO_ID:
    case ST_TWIN_NO_ID:
    case ST_TWIN_OTHER:
        snprintf(out, 64, "%s", chance(&q->r, 500) ? "STRIPE TRANSFER" : "STRIPE PAYMENTS EUROPE");
        return;
    case ST_TRUNCATED:
        id[between(&q->r, 12, 16)] = '\0';
        snprintf(out, 64, "%s%s", prefix, id);
        return;
    case ST_LOWER:
        snprintf(out, 64, "%s%s", prefix, id);
        lower(out);
        return;
    default:
        snprintf(out, 64, "%s%s", prefix, id);
    }
}

/* The payout's bank credit, 0-3 business days after it settles. */
static int payout_credit(quality *q, const payout *p) {
    if (p->st == ST_MISSING_BANK) return 0;
    uint64_t x = below(&q->r, 100);
    bank_line b;
    memset(&b, 0, sizeof b);
    b.day = add_business_days(p->day, x < 25 ? 0 : x < 70 ? 1 : x < 90 ? 2 : 3);
    b.amount = p->net;
    if (p->st == ST_PARTIAL) b.amount -= between(&q->r, 500, 2500); /* the receiving bank's fee */
    b.cur = p->cur;
    b.matchable = p->st != ST_PARTIAL;
    payout_text(q, p, b.description);
    snprintf(b.group, sizeof b.group, "%s", p->id);
    snprintf(b.kase, sizeof b.kase, "%s", p->kase);
    return add_bank(q, &b);
}

static void payout_begin(quality *q, payout *p, int64_t day, int cur, int format, style st) {
    memset(p, 0, sizeof *p);
    random_id(&q->r, "po_", p->id);
    p->day = day;
    p->cur = cur;
    p->format = format;
    p->st = st;
    snprintf(p->kase, sizeof p->kase, "%s/%s", FORMAT_NAME[p->format], STYLE_NAME[st]);
}

static int payout_end(quality *q, payout *p) {
    if (p->format == FMT_PAYOUT_ROW) payout_row_line(q, p);
    q->payouts++;
    return payout_credit(q, p);
}

static style pick_style(rng *r) {
    uint64_t x = below(r, 1000);
    return x < 20    ? ST_PARTIAL
           : x < 40  ? ST_MISSING_BANK
           : x < 510 ? ST_UPPER
           : x < 700 ? ST_TRUNCATED
           : x < 850 ? ST_LOWER
                     : ST_NO_ID;
}

static int ordinary_payout(quality *q, int64_t day, int cur) {
    payout p;
    style st = pick_style(&q->r);
    payout_begin(q, &p, day, cur, chance(&q->r, 500) ? FMT_PAYOUT_ROW : FMT_ITEMIZED, st);
    random_items(q, &p);
    return payout_end(q, &p);
}

/* Two payouts of one currency settling the same day for the same amount
 * (two accounts selling one plan): their bank lines differ only when one
 * names its payout. Pair k: even k, neither names it; odd k, the first
 * does. The formats of the two go through all four combinations (k / 2),
 * since which rule sees which payout first depends on them. */
static int twin_payouts(quality *q, int64_t day, int k) {
    int both_without_id = k % 2 == 0;
    int fa = k / 2 % 4 >= 2 ? FMT_PAYOUT_ROW : FMT_ITEMIZED;
    int fb = k / 2 % 2 ? FMT_PAYOUT_ROW : FMT_ITEMIZED;
    int cur = chance(&q->r, 700) ? 0 : 1;
    int n = (int)between(&q->r, 20, 60);
    int64_t price = between(&q->r, 19, 99) * 100;
    payout a, b;
    payout_begin(q, &a, day, cur, fa, both_without_id ? ST_TWIN_NO_ID : ST_TWIN_WITH_ID);
    plan_items(q, &a, n, price);
    if (payout_end(q, &a)) return -1;
    payout_begin(q, &b, day, cur, fb, both_without_id ? ST_TWIN_NO_ID : ST_TWIN_OTHER);
    plan_items(q, &b, n, price);
    return payout_end(q, &b);
}

/* An invoice paid by card and settled on its own: the bank line carries
 * the invoice number written its own way. A few never arrive. */
static int invoice_settlement(quality *q, int64_t day) {
    static const char *const STYLE[] = {"inv_space", "inv_compact", "inv_padded"};
    char id[40], ref[32], who[64], group[40], kase[32];
    q->invoice += (unsigned)between(&q->r, 1, 5);
    snprintf(ref, sizeof ref, "INV-%06u", q->invoice);
    snprintf(group, sizeof group, "%s", ref);
    int cur = chance(&q->r, 700) ? 0 : 1;
    int64_t amount = between(&q->r, 5000, 900000);
    int missing = chance(&q->r, 15);
    int how = (int)below(&q->r, 3);
    snprintf(kase, sizeof kase, "invoice/%s", missing ? "missing_bank" : STYLE[how]);
    random_id(&q->r, "txn_", id);
    email(&q->r, who);
    psp_row row = {id,
                   "charge",
                   day * DAY + between(&q->r, 8 * 3600, 20 * 3600),
                   day,
                   amount,
                   0,
                   cur,
                   "",
                   ref,
                   "Invoice payment",
                   who};
    write_psp(q->psp, &row);
    truth_row(q->truth, "psp", id, group, !missing, kase);
    if (missing) return 0;
    bank_line b;
    memset(&b, 0, sizeof b);
    b.day = add_business_days(day, between(&q->r, 0, 2));
    b.amount = amount;
    b.cur = cur;
    b.matchable = 1;
    if (how == 0)
        snprintf(b.reference, sizeof b.reference, "inv %u", q->invoice);
    else if (how == 1)
        snprintf(b.reference, sizeof b.reference, "INV%u", q->invoice);
    else
        snprintf(b.reference, sizeof b.reference, "%s", ref);
    snprintf(b.description, sizeof b.description, "CARD SETTLEMENT %s", b.reference);
    snprintf(b.group, sizeof b.group, "%s", group);
    snprintf(b.kase, sizeof b.kase, "%s", kase);
    return add_bank(q, &b);
}

/* A bank line that belongs to nothing in the PSP's books. */
static int noise(quality *q, int64_t day, const char *kase, const char *text, int64_t amount,
                 int cur, const char *reference) {
    bank_line b;
    memset(&b, 0, sizeof b);
    b.day = day;
    b.amount = amount;
    b.cur = cur;
    snprintf(b.description, sizeof b.description, "%s", text);
    snprintf(b.reference, sizeof b.reference, "%s", reference);
    snprintf(b.kase, sizeof b.kase, "%s", kase);
    return add_bank(q, &b);
}

/* Rent, salaries, the account fee and the PSP's own invoice: once a month. */
static int monthly_noise(quality *q, int64_t day) {
    static const char *const STAFF[] = {"SALARY A. SMITH", "SALARY B. JONES", "SALARY C. ROSSI",
                                        "SALARY D. TANAKA", "SALARY E. OKAFOR"};
    int rc = noise(q, day, "noise/debit", "SEPA CREDIT TRANSFER LANDLORD SA RENT", -850000, 1, "");
    for (size_t i = 0; !rc && i < ARRAY_LEN(STAFF); i++)
        rc = noise(q, day, "noise/debit", STAFF[i], -between(&q->r, 300000, 700000), 1, "");
    if (!rc) rc = noise(q, day, "noise/debit", "ACCOUNT FEE", -2500, 1, "");
    if (!rc) rc = noise(q, day, "noise/debit", "STRIPE TECHNOLOGY EUROPE INVOICE", -4900, 1, "");
    return rc;
}

static int daily_noise(quality *q, int64_t day) {
    static const char *const SHOP[] = {
        "CARD PAYMENT COFFEE CORNER", "CARD PAYMENT AWS EMEA",          "CARD PAYMENT TRAINLINE",
        "CARD PAYMENT OFFICE DEPOT",  "SEPA DIRECT DEBIT INSURANCE AG", "WIRE FEE"};
    static const char *const PAYER[] = {"SEPA CREDIT TRANSFER ROSSI SRL",
                                        "SEPA CREDIT TRANSFER ACME LTD",
                                        "SEPA CREDIT TRANSFER NORD AB", "PAYPAL EUROPE TRANSFER"};
    int n = (int)between(&q->r, 0, 3), rc = 0;
    for (int i = 0; !rc && i < n; i++) {
        const char *shop = SHOP[below(&q->r, ARRAY_LEN(SHOP))];
        rc = noise(q, day, "noise/debit", shop, -between(&q->r, 250, 30000), 1, "");
    }
    if (!rc && chance(&q->r, 350)) {
        char ref[32];
        const char *payer = PAYER[below(&q->r, ARRAY_LEN(PAYER))];
        int cur = chance(&q->r, 800) ? 1 : 0;
        int64_t amount = between(&q->r, 15000, 2500000);
        int check = (int)between(&q->r, 10, 99);
        long long number = (long long)between(&q->r, 0, 9999999999LL);
        snprintf(ref, sizeof ref, "RF%02d%010lld", check, number);
        rc = noise(q, day, "noise/customer_credit", payer, amount, cur, ref);
    }
    return rc;
}

/* One business day: a USD payout, most days a EUR one, now and then twins
 * instead; invoices settled; the bank's other lines. */
static int quality_day(quality *q, int64_t day, int business_day) {
    int rc = 0;
    if (business_day % Q_TWIN_EVERY == Q_TWIN_EVERY / 2)
        rc = twin_payouts(q, day, business_day / Q_TWIN_EVERY);
    else
        rc = ordinary_payout(q, day, 0);
    if (!rc && chance(&q->r, 600)) rc = ordinary_payout(q, day, 1);
    int invoices = (int)between(&q->r, 0, 2);
    for (int i = 0; !rc && i < invoices; i++)
        rc = invoice_settlement(q, day);
    int y, m, d, y1, m1, d1;
    civil(day, &y, &m, &d);
    civil(day - 1 - (rc_weekday(day) == 0 ? 2 : 0), &y1, &m1, &d1);
    if (!rc && m != m1) /* the first business day of a month */
        rc = monthly_noise(q, day);
    return rc ? rc : daily_noise(q, day);
}

static int cmp_bank(const void *a, const void *b) {
    const bank_line *x = a, *y = b;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The statement in date order, each line with an id (a bank's FITID). */
static void write_statement(quality *q, FILE *bank) {
    qsort(q->bank, q->nbank, sizeof *q->bank, cmp_bank);
    fputs(BANK_HEADER, bank);
    for (size_t i = 0; i < q->nbank; i++) {
        const bank_line *b = &q->bank[i];
        char id[24];
        snprintf(id, sizeof id, "BK%08zu", i + 1);
        bank_row row = {id, b->day, b->description, b->amount, b->cur, b->reference};
        write_bank(bank, &row);
        truth_row(q->truth, "bank", id, b->group, b->matchable, b->kase);
    }
}

static int gen_quality(const char *dir) {
    quality q;
    memset(&q, 0, sizeof q);
    q.r.s = 0x5eed0005ULL;
    q.psp = open_out(dir, "psp.csv");
    FILE *bank = q.psp ? open_out(dir, "bank.csv") : NULL;
    q.truth = bank ? open_out(dir, "truth.csv") : NULL;
    int rc = q.truth ? 0 : 1;
    if (!rc) {
        fputs(PSP_HEADER, q.psp);
        fputs(TRUTH_HEADER, q.truth);
    }
    int64_t day = FIRST_DAY;
    for (int bd = 0; !rc && q.payouts < Q_PAYOUTS; day++) {
        if (rc_weekday(day) >= 5) continue;
        if (quality_day(&q, day, bd++)) rc = fail("building", "the scenario", ENOMEM);
    }
    if (!rc) write_statement(&q, bank);
    free(q.bank);
    rc |= close_out(q.psp, dir, "psp.csv");
    rc |= close_out(bank, dir, "bank.csv");
    rc |= close_out(q.truth, dir, "truth.csv");
    return rc;
}

/* ---- one_to_one ------------------------------------------------------------------------ */

/* A charge whose bank line may come a day later: kept until that day. */
typedef struct {
    uint64_t ref;
    int64_t amount;
    int cur;
    int late;
} settlement;

static void o2o_bank_line(FILE *bank, const settlement *s, int64_t day) {
    char id[24], ref[32], text[64];
    snprintf(id, sizeof id, "BK%012llu", (unsigned long long)s->ref);
    snprintf(ref, sizeof ref, "INV-%010llu", (unsigned long long)s->ref);
    snprintf(text, sizeof text, "CARD SETTLEMENT %s", ref);
    bank_row row = {id, day, text, s->amount, s->cur, ref};
    write_bank(bank, &row);
}

/* One day's charges, then that day's bank lines: yesterday's late ones and
 * today's prompt ones. */
static void o2o_day(rng *r, FILE *psp, FILE *bank, int64_t day, settlement *today, size_t n,
                    const settlement *late, size_t nlate, uint64_t *next_ref) {
    for (size_t i = 0; i < n; i++) {
        settlement *s = &today[i];
        char id[40], ref[32];
        s->ref = ++*next_ref;
        s->cur = chance(r, 800) ? 0 : 1;
        s->amount = between(r, 500, 50000);
        s->late = chance(r, 300);
        random_id(r, "txn_", id);
        snprintf(ref, sizeof ref, "INV-%010llu", (unsigned long long)s->ref);
        int64_t created = day * DAY + (int64_t)(i * (DAY / O2O_PER_DAY));
        psp_row row = {
            id,     "charge", created, day + 2,         s->amount, card_fee(s->cur, s->amount),
            s->cur, "",       ref,     "Order payment", ""};
        write_psp(psp, &row);
    }
    for (size_t i = 0; i < nlate; i++)
        o2o_bank_line(bank, &late[i], day);
    for (size_t i = 0; i < n; i++)
        if (!today[i].late) o2o_bank_line(bank, &today[i], day);
}

static const char ONE_TO_ONE_RULES[] =
    "# The matching speed benchmark's rule (bench/matchbench.c): a bank line and\n"
    "# a PSP charge with the same reference, amount and currency.\n"
    "[rule one_to_one]\n"
    "left = type:bank\n"
    "right = type:psp\n"
    "cardinality = one_to_one\n"
    "reference = equal\n"
    "amount = equal\n";

static int gen_one_to_one(uint64_t n, const char *dir) {
    rng r = {0x5eed0006ULL};
    FILE *psp = open_out(dir, "psp.csv");
    FILE *bank = psp ? open_out(dir, "bank.csv") : NULL;
    FILE *rules = bank ? open_out(dir, "onetoone.ini") : NULL;
    settlement *today = malloc(O2O_PER_DAY * sizeof *today);
    settlement *late = malloc(O2O_PER_DAY * sizeof *late);
    int rc = rules && today && late ? 0 : 1;
    if (!rc) {
        fputs(PSP_HEADER, psp);
        fputs(BANK_HEADER, bank);
        fputs(ONE_TO_ONE_RULES, rules);
    }
    uint64_t done = 0, next_ref = 0;
    size_t nlate = 0;
    int64_t day = FIRST_DAY;
    for (; !rc && done < n; day++) {
        size_t k = n - done < O2O_PER_DAY ? (size_t)(n - done) : O2O_PER_DAY;
        o2o_day(&r, psp, bank, day, today, k, late, nlate, &next_ref);
        nlate = 0;
        for (size_t i = 0; i < k; i++)
            if (today[i].late) late[nlate++] = today[i];
        done += k;
    }
    for (size_t i = 0; !rc && i < nlate; i++)
        o2o_bank_line(bank, &late[i], day);
    free(today);
    free(late);
    rc |= close_out(psp, dir, "psp.csv");
    rc |= close_out(bank, dir, "bank.csv");
    rc |= close_out(rules, dir, "onetoone.ini");
    return rc;
}

/* ---- one_to_many ----------------------------------------------------------------------- */

/* One payout of n items settling on day, and its bank credit. A refund or
 * fee only when the payout stays positive, so every payout is a credit. */
static void o2m_payout(rng *r, FILE *psp, FILE *bank, int64_t day, uint64_t n, uint64_t seq) {
    char po[40], text[64];
    random_id(r, "po_", po);
    int cur = chance(r, 800) ? 0 : 1;
    int64_t net = 0;
    for (uint64_t i = 0; i < n; i++) {
        char id[40];
        int64_t amount = between(r, 500, 50000), fee = 0;
        const char *type = "charge";
        uint64_t x = below(r, 1000);
        if (x < 100 && net > amount) {
            type = "refund";
            amount = -amount;
        } else if (x < 150 && net > 5000) {
            type = "fee";
            amount = -between(r, 10, 5000);
        } else {
            fee = card_fee(cur, amount);
        }
        random_id(r, "txn_", id);
        int64_t days_before = between(r, 1, 3);
        int64_t created = (day - days_before) * DAY + between(r, 0, DAY - 1);
        psp_row row = {id, type, created, day, amount, fee, cur, po, "", "Order payment", ""};
        write_psp(psp, &row);
        net += amount - fee;
    }
    char id[24];
    snprintf(id, sizeof id, "BK%012llu", (unsigned long long)seq);
    snprintf(text, sizeof text, "STRIPE PAYOUT %s", po);
    upper(text);
    bank_row row = {id, add_business_days(day, between(r, 0, 3)), text, net, cur, ""};
    write_bank(bank, &row);
}

/* One payout of n items settling on day, and its bank credit (numbered seq). */
typedef void payout_fn(rng *r, FILE *psp, FILE *bank, int64_t day, uint64_t n, uint64_t seq);

/* n items in `payouts` payouts, per_day of them a business day, each
 * written by write_payout: the driver of one_to_many and dense. */
static int gen_payouts(uint64_t n, uint64_t payouts, uint64_t per_day, uint64_t seed,
                       payout_fn *write_payout, const char *dir) {
    rng r = {seed};
    FILE *psp = open_out(dir, "psp.csv");
    FILE *bank = psp ? open_out(dir, "bank.csv") : NULL;
    int rc = bank ? 0 : 1;
    if (!rc) {
        fputs(PSP_HEADER, psp);
        fputs(BANK_HEADER, bank);
    }
    int64_t day = FIRST_DAY;
    for (uint64_t p = 0; !rc && p < payouts; p++) {
        if (p && p % per_day == 0) day = add_business_days(day, 1);
        /* n items spread evenly: the first n % payouts payouts get one more. */
        uint64_t items = n / payouts + (p < n % payouts);
        write_payout(&r, psp, bank, day, items, p + 1);
    }
    rc |= close_out(psp, dir, "psp.csv");
    rc |= close_out(bank, dir, "bank.csv");
    return rc;
}

static int gen_one_to_many(uint64_t n, uint64_t payouts, const char *dir) {
    return gen_payouts(n, payouts, O2M_PER_DAY, 0x5eed0007ULL, o2m_payout, dir);
}

/* ---- dense ------------------------------------------------------------------------------ */

/* One payout of a dense day: items mostly at subscription prices, an id of a long
 * prefix every payout shares, and a bank credit whose text names it in
 * full (upper-cased), cut after 14 characters (inside the shared prefix:
 * only the amount can tell), or not at all. */
static void dense_payout(rng *r, FILE *psp, FILE *bank, int64_t day, uint64_t n, uint64_t seq) {
    static const int64_t price[] = {990, 1990, 2990, 4990, 9990};
    char po[40], text[80];
    snprintf(po, sizeof po, "po_1PQ2026DEC%08llu", (unsigned long long)seq);
    int64_t net = 0;
    for (uint64_t i = 0; i < n; i++) {
        char id[64];
        /* One item in five is metered usage: a price of its own. */
        int64_t amount =
            chance(r, 200) ? between(r, 500, 50000) : price[below(r, ARRAY_LEN(price))];
        int64_t fee = card_fee(0, amount);
        snprintf(id, sizeof id, "ch_1PQ2026DEC%08llu%04llu", (unsigned long long)seq,
                 (unsigned long long)i);
        int64_t created = (day - between(r, 1, 3)) * DAY + between(r, 0, DAY - 1);
        psp_row row = {id, "charge", created, day, amount, fee, 0, po, "", "Subscription", ""};
        write_psp(psp, &row);
        net += amount - fee;
    }
    switch (seq % 3) {
    case 0:
        snprintf(text, sizeof text, "STRIPE PAYOUT %s", po);
        upper(text);
        break;
    case 1:
        snprintf(text, sizeof text, "STRIPE PAYOUT %.14s", po);
        upper(text);
        break;
    default:
        snprintf(text, sizeof text, "STRIPE TRANSFER");
    }
    char id[24];
    snprintf(id, sizeof id, "BK%012llu", (unsigned long long)seq);
    bank_row row = {id, add_business_days(day, between(r, 0, 3)), text, net, 0, ""};
    write_bank(bank, &row);
}

static int gen_dense(uint64_t n, uint64_t payouts, const char *dir) {
    return gen_payouts(n, payouts, DENSE_PER_DAY, 0x5eed0009ULL, dense_payout, dir);
}

/* ---- main ------------------------------------------------------------------------------- */

static int parse_count(const char *s, uint64_t *out) {
    char *end;
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < 1 || v > 1000000000ULL) return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv) {
    uint64_t n, p;
    const char *mode = argc > 1 ? argv[1] : "";
    if (argc == 3 && !strcmp(mode, "quality")) return gen_quality(argv[2]);
    if (argc == 4 && !strcmp(mode, "one_to_one") && !parse_count(argv[2], &n))
        return gen_one_to_one(n, argv[3]);
    if (argc == 5 && !strcmp(mode, "one_to_many") && !parse_count(argv[2], &n) &&
        !parse_count(argv[3], &p) && p <= n)
        return gen_one_to_many(n, p, argv[4]);
    if (argc == 5 && !strcmp(mode, "dense") && !parse_count(argv[2], &n) &&
        !parse_count(argv[3], &p) && p <= n)
        return gen_dense(n, p, argv[4]);
    fputs("usage: matchgen quality DIR\n"
          "       matchgen one_to_one N DIR\n"
          "       matchgen one_to_many N P DIR   (1 <= P <= N)\n"
          "       matchgen dense N P DIR         (1 <= P <= N)\n",
          stderr);
    return 1;
}
