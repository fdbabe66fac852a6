/* rows: the import's decisions on one row (ingest/rows.h). A row the
 * reader yields becomes the canonical record or a reject here: its cells
 * (or the profile's expressions over them) trimmed, the currency, the
 * money and its sign rules, net = amount - fee, dates in their zones, the
 * kind, the content hash. Typed records are routed, columns filled down,
 * rows filtered, and the file's totals rows checked against the sums of
 * the rows mapped.
 *
 * May call: profile (binding, expressions, kinds, row tests), formats (the
 * reader's rows), util (money, time, UTF-8, buffers), Jansson for a
 * reject's context and OpenSSL for the hash. Never SQLite: ingest.c, the
 * store adapter, writes what this decides, and scripts/check-layers.py
 * keeps this file out of its adapters. */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/rows.h"
#include "util/error.h"
#include "util/money.h"
#include "util/utf8.h"

/* The sums of one currency's rows that a totals row is checked against. */
typedef struct {
    char currency[4];
    int64_t v[RC_TOT_COUNT];
    unsigned char overflow[RC_TOT_COUNT]; /* the sum left int64_t: it can agree with nothing */
} totals_acc;

struct rc_mapper {
    const recon_profile *p;
    rc_binding bind;
    char **header; /* owned copy of the header cells that bind.names point into */
    size_t nheader;
    int bound; /* a header binds the columns (records: a header record came) */
    /* SHA-256 fetched once per file: EVP_sha256() in every
     * EVP_DigestInit_ex makes OpenSSL 3 look the algorithm up per row. */
    EVP_MD *sha256;
    EVP_MD_CTX *row_md;
    /* Values of computed fields (expressions), one buffer per field, and a
     * scratch buffer for the parts of a sum(). */
    rc_strbuf fbuf[RC_F_COUNT];
    rc_strbuf tmp;
    int oom; /* an expression ran out of memory: the import fails */
    /* [rows] fill_down: the last value of each column, and the row's cells
     * with empty ones filled. */
    rc_strbuf fill[8];
    const char **cells;
    size_t *cell_lens;
    size_t cells_cap;
    /* [totals]: the sums of the rows since the last totals row, per currency. */
    totals_acc acc[16];
    size_t nacc;
    int swapped; /* [dates] order = auto decided the other order for this file */
};

/* ---- helpers ------------------------------------------------------------- */

static rc_span trim(const char *s, size_t len) {
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    rc_span out = {len ? s : NULL, len};
    return out;
}

static rc_cells cells_of(const rc_mapper *m, const rc_csv_row *row) {
    rc_cells c = {row->fields, row->lens, row->nfields, m->bind.slot_index};
    return c;
}

/* The value of an expression, trimmed, in buffer b. Only running out of
 * memory is an error; a sum() read as text (its parts are added by
 * money_field) has no text, like an empty cell. */
static rc_span eval_into(rc_mapper *m, const rc_csv_row *row, const rc_expr *x, rc_strbuf *b) {
    rc_span none = {NULL, 0};
    rc_cells c = cells_of(m, row);
    b->len = 0;
    int r = rc_expr_eval(x, &c, b);
    if (r == RC_EXPR_ENOMEM) m->oom = 1;
    return r > 0 ? trim(b->s, b->len) : none;
}

/* The trimmed value of field f: its cell, or its expression's value; an
 * empty span when the column is absent or the value blank. */
static rc_span cell(rc_mapper *m, const rc_csv_row *row, rc_field f) {
    const rc_expr *x = m->p->cols[f].expr;
    if (x) return eval_into(m, row, x, &m->fbuf[f]);
    long i = m->bind.index[f];
    if (i < 0 || (size_t)i >= row->nfields) {
        rc_span none = {NULL, 0};
        return none;
    }
    return trim(row->fields[i], row->lens[i]);
}

/* How much of a cell a message shows: at most 60 bytes, cut at a character
 * boundary so that the message stays valid UTF-8. */
static int show_len(rc_span v) {
    return (int)rc_utf8_cut(v.s, v.len, 60);
}

/* A cell's value for messages: quoted, cut at about 60 bytes. */
#define SHOWF "'%.*s%s'"
#define SHOWA(v) show_len(v), (v).s ? (v).s : "", (v).len > 60 ? "..." : ""

/* A reject of the row as a whole, for `reason`, with an empty message.
 * Cheaper than zeroing the struct: rows are mapped by the million. */
static void reject_start(rc_reject *r, const char *reason) {
    r->field = RC_F_COUNT;
    r->column = NULL;
    r->reason = reason;
    r->message[0] = '\0';
    r->c = NULL;
    r->group.s = NULL;
    r->group.len = 0;
}

static int reject_field(rc_reject *r, rc_field f, const char *reason, const char *fmt, ...)
    RC_PRINTF(4, 5);

static int reject_field(rc_reject *r, rc_field f, const char *reason, const char *fmt, ...) {
    va_list ap;
    r->field = f;
    r->reason = reason;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- mapping a row to the canonical record ---------------------------------- */

/* A trimmed currency cell as an upper-case, NUL-terminated code in out
 * (reports differ in case: "usd" in Stripe exports; ISO codes are upper
 * case). Returns -1 when it is not three characters long. */
static int normalize_currency(rc_span v, char out[4]) {
    if (v.len != 3) return -1;
    for (int i = 0; i < 3; i++)
        out[i] = (char)((v.s[i] >= 'a' && v.s[i] <= 'z') ? v.s[i] - 32 : v.s[i]);
    out[3] = '\0';
    return 0;
}

static int map_currency(rc_mapper *m, const rc_csv_row *row, rc_canon *c, rc_reject *r,
                        int *exponent) {
    rc_span v = cell(m, row, RC_F_CURRENCY);
    if (!v.s) {
        /* The code the header's amount columns carry, else the profile's. */
        const char *fixed = m->bind.currency[0] ? m->bind.currency : m->p->currency;
        if (!fixed[0])
            return reject_field(r, RC_F_CURRENCY, "currency_missing", "currency is empty");
        memcpy(c->currency, fixed, 4);
    } else if (normalize_currency(v, c->currency)) {
        return reject_field(r, RC_F_CURRENCY, "currency_unknown",
                            SHOWF " is not an ISO 4217 currency code", SHOWA(v));
    }
    *exponent = rc_currency_exponent(c->currency, 3);
    if (*exponent < 0)
        return reject_field(r, RC_F_CURRENCY, "currency_unknown",
                            SHOWF " is not an ISO 4217 currency code", SHOWA(v));
    return 0;
}

static int parse_money(const rc_mapper *m, rc_span v, int exponent, int64_t *out, rc_field f,
                       const char *currency, rc_reject *r) {
    int e = rc_money_parse(v.s ? v.s : "", v.len, exponent, &m->p->money, out);
    if (e == RC_MONEY_OK) return 0;
    char extra[128];
    snprintf(extra, sizeof extra, " (%s, %d decimals): %s", currency, exponent, rc_money_errmsg(e));
    return reject_field(r, f, rc_money_errcode(e), SHOWF "%s", SHOWA(v), extra);
}

static int negate(int64_t *v) {
    if (*v == INT64_MIN) return -1;
    *v = -*v;
    return 0;
}

static int in_list(char *const *list, size_t n, rc_span v) {
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == v.len && strncasecmp(list[i], v.s, v.len) == 0) return 1;
    return 0;
}

/* An amount field: its cell, or the sum of its sum() parts (empty parts
 * count as 0). *present is 0 when there is nothing at all. */
static int money_field(rc_mapper *m, const rc_csv_row *row, rc_field f, int exponent,
                       const char *currency, int64_t *out, int *present, rc_reject *r) {
    const rc_expr *x = m->p->cols[f].expr;
    *out = 0;
    *present = 0;
    if (!x || x->op != RC_X_SUM) {
        rc_span v = cell(m, row, f);
        if (!v.s) return 0;
        *present = 1;
        return parse_money(m, v, exponent, out, f, currency, r);
    }
    for (size_t i = 0; i < x->nargs; i++) {
        rc_span v = eval_into(m, row, x->args[i], &m->tmp);
        int64_t part;
        if (!v.s) continue;
        if (parse_money(m, v, exponent, &part, f, currency, r)) return -1;
        if (__builtin_add_overflow(*out, part, out))
            return reject_field(r, f, "amount_overflow", "the sum of %s overflows",
                                rc_field_name(f));
        *present = 1;
    }
    return 0;
}

/* A direction cell: 1 credit, -1 debit, 0 neither. */
static int direction_of(const recon_profile *p, rc_span v) {
    if (v.s && in_list(p->credit_values, p->ncredit, v)) return 1;
    if (v.s && in_list(p->debit_values, p->ndebit, v)) return -1;
    return 0;
}

/* The signed value the amount columns carry (gross, or net with
 * [amounts] value = net), into *out. *flipped is 1 when the profile's
 * sign rule negated the number the file wrote (invert, a debit, a debit
 * direction): the file's net column needs the same. */
static int map_value(rc_mapper *m, const rc_csv_row *row, rc_canon *c, int exponent, int64_t *out,
                     int *flipped, rc_reject *r) {
    const recon_profile *p = m->p;
    int present;
    *flipped = 0;
    if (p->sign == RC_SIGN_DEBIT_CREDIT) {
        int64_t debit, credit;
        int has_d, has_k;
        if (money_field(m, row, RC_F_DEBIT, exponent, c->currency, &debit, &has_d, r) ||
            money_field(m, row, RC_F_CREDIT, exponent, c->currency, &credit, &has_k, r))
            return -1;
        if (!has_d && !has_k)
            return reject_field(r, RC_F_AMOUNT, "amount_empty", "both debit and credit are empty");
        if (debit != 0 && credit != 0)
            return reject_field(r, RC_F_AMOUNT, "debit_and_credit",
                                "row has both a debit and a credit amount");
        /* A debit is money out whichever way the bank writes its sign. */
        *flipped = !credit && debit > 0;
        if (debit < 0 && negate(&debit))
            return reject_field(r, RC_F_DEBIT, "amount_overflow", "the debit overflows");
        *out = credit ? credit : -debit;
        return 0;
    }
    if (money_field(m, row, RC_F_AMOUNT, exponent, c->currency, out, &present, r)) return -1;
    if (!present) {
        /* An empty cell, or a sum() whose parts are all empty: the amount
         * is missing, and the money parser says so. */
        rc_span none = {NULL, 0};
        return parse_money(m, none, exponent, out, RC_F_AMOUNT, c->currency, r);
    }
    if (p->sign == RC_SIGN_DIRECTION) {
        rc_span dir = cell(m, row, RC_F_DIRECTION);
        int d = direction_of(p, dir);
        if (!d)
            return reject_field(r, RC_F_DIRECTION, "direction_unknown",
                                SHOWF " is neither a credit nor a debit value", SHOWA(dir));
        if (*out < 0)
            return reject_field(r, RC_F_AMOUNT, "amount_invalid",
                                "the amount is negative but the direction column gives the sign");
        *flipped = d < 0;
        if (d < 0) *out = -*out;
    } else if (p->invert) {
        *flipped = 1;
        if (negate(out))
            return reject_field(r, RC_F_AMOUNT, "amount_overflow", "the amount overflows");
    }
    return 0;
}

/* The net: the file's net column signed like the amount (the profile's
 * sign rule, when it negated the file's amount, and a money-out row type
 * apply to it as to the gross), else amount minus fee. Either way, net =
 * amount - fee holds for every stored row. */
static int map_net(rc_mapper *m, const rc_csv_row *row, rc_canon *c, int exponent, int flipped,
                   rc_reject *r) {
    int has_net;
    if (money_field(m, row, RC_F_NET, exponent, c->currency, &c->net, &has_net, r)) return -1;
    if (!has_net) {
        if (__builtin_sub_overflow(c->amount, c->fee, &c->net))
            return reject_field(r, RC_F_NET, "amount_overflow", "amount minus fee overflows");
        return 0;
    }
    if (flipped && negate(&c->net))
        return reject_field(r, RC_F_NET, "amount_overflow", "the net overflows");
    if (c->negate && c->net > 0) c->net = -c->net;
    /* A row whose own figures disagree (or that the profile signs wrongly)
     * would store a net that matching trusts: refuse it, naming all three. */
    int64_t want;
    if (__builtin_sub_overflow(c->amount, c->fee, &want) || want != c->net) {
        char a[32], f[32], n[32];
        rc_money_format(c->amount, exponent, a, sizeof a);
        rc_money_format(c->fee, exponent, f, sizeof f);
        rc_money_format(c->net, exponent, n, sizeof n);
        return reject_field(r, RC_F_NET, "net_mismatch",
                            "net %s is not amount %s minus fee %s (%s, signs applied)", n, a, f,
                            c->currency);
    }
    return 0;
}

/* Amount, fee and net. The fee is stored as a cost: positive means the
 * holder paid it. A row type written "-value" in [kinds] has unsigned
 * amounts that are money out: they are negated here. */
static int map_amounts(rc_mapper *m, const rc_csv_row *row, rc_canon *c, int exponent,
                       rc_reject *r) {
    const recon_profile *p = m->p;
    int64_t value;
    int has_fee, flipped;
    if (map_value(m, row, c, exponent, &value, &flipped, r)) return -1;
    if (c->negate) {
        if (value < 0)
            return reject_field(r, RC_F_AMOUNT, "amount_invalid",
                                "the amount is negative but its row type gives the sign");
        value = -value;
    }
    if (money_field(m, row, RC_F_FEE, exponent, c->currency, &c->fee, &has_fee, r)) return -1;
    if (p->fee_signed && negate(&c->fee))
        return reject_field(r, RC_F_FEE, "amount_overflow", "the fee overflows");
    if (has_fee && p->cols[RC_F_FEE_DIRECTION].configured) {
        rc_span dir = cell(m, row, RC_F_FEE_DIRECTION);
        int d = direction_of(p, dir);
        if (!d || c->fee < 0)
            return reject_field(r, RC_F_FEE_DIRECTION, "direction_unknown",
                                SHOWF " is neither a credit nor a debit value for the fee",
                                SHOWA(dir));
        if (d > 0) c->fee = -c->fee; /* credited back to the holder */
    }
    if (p->value_is_net) {
        c->net = value;
        if (__builtin_add_overflow(c->net, c->fee, &c->amount))
            return reject_field(r, RC_F_AMOUNT, "amount_overflow", "net plus fee overflows");
        return 0;
    }
    c->amount = value;
    return map_net(m, row, c, exponent, flipped, r);
}

static int map_date(rc_mapper *m, const rc_csv_row *row, const rc_canon *c, rc_field f,
                    const rc_time_format *fmt, char *out, rc_reject *r) {
    rc_span v = cell(m, row, f);
    out[0] = '\0';
    if (!v.s) {
        if (f == RC_F_SETTLED_AT) return 0;
        return reject_field(r, f, "date_empty", "date is empty");
    }
    int e = rc_time_parse(v.s, v.len, fmt, c->tz_offset, out);
    if (e == RC_TIME_OK) return 0;
    char extra[160];
    snprintf(extra, sizeof extra, " (format %s): %s", fmt->pattern, rc_time_errmsg(e));
    return reject_field(r, f, rc_time_errcode(e), SHOWF "%s", SHOWA(v), extra);
}

/* The row type, when the profile has a kind column and the row fills it.
 * Before the amounts, because a type may say how they are signed. */
static int map_kind(rc_mapper *m, const rc_csv_row *row, rc_canon *c, rc_reject *r) {
    const recon_profile *p = m->p;
    rc_span v = cell(m, row, RC_F_KIND);
    c->kind_raw = v;
    if (!v.s) return 0;
    c->has_kind = 1;
    if (rc_profile_kind(p, v.s, v.len, &c->kind, &c->negate) == 0) return 0;
    if (p->unknown_is_other) {
        c->kind = RC_K_OTHER;
        return 0;
    }
    return reject_field(r, RC_F_KIND, "kind_unknown", SHOWF " is not a row type this profile knows",
                        SHOWA(v));
}

/* A row without a type: its sign or the profile's default says. */
static int map_kind_fallback(const rc_mapper *m, rc_canon *c, rc_reject *r) {
    const recon_profile *p = m->p;
    if (c->has_kind) return 0;
    if (p->from_sign)
        c->kind = p->sign_kinds[c->amount < 0];
    else if (p->has_default_kind)
        c->kind = p->default_kind;
    else
        return reject_field(r, RC_F_KIND, "kind_empty", "row type is empty");
    return 0;
}

/* The zone of the row's local times: its zone column, else the profile's. */
static int map_zone(rc_mapper *m, const rc_csv_row *row, rc_canon *c, rc_reject *r) {
    c->tz_offset = m->p->tz_offset_min;
    rc_span v = cell(m, row, RC_F_TIMEZONE);
    if (!v.s) return 0;
    char zone[32];
    if (v.len < sizeof zone) {
        memcpy(zone, v.s, v.len);
        zone[v.len] = '\0';
        if (rc_time_zone_parse(zone, &c->tz_offset) == 0) return 0;
    }
    return reject_field(r, RC_F_TIMEZONE, "timezone_unknown",
                        SHOWF " is not a time zone this library knows (an offset such as +01:00, "
                              "or an abbreviation such as CET, PST)",
                        SHOWA(v));
}

static void hash_part(EVP_MD_CTX *md, const void *s, size_t n) {
    static const unsigned char sep = 0x1f;
    if (n) EVP_DigestUpdate(md, s, n);
    EVP_DigestUpdate(md, &sep, 1);
}

/* Hashes the canonical content (not the raw text, so that a re-export that
 * quotes or pads differently still maps to the same record). */
static int content_hash(rc_mapper *m, rc_canon *c) {
    EVP_MD_CTX *md = m->row_md;
    if (!EVP_DigestInit_ex(md, m->sha256, NULL)) return -1;
    hash_part(md, rc_kind_name(c->kind), strlen(rc_kind_name(c->kind)));
    hash_part(md, c->occurred, strlen(c->occurred));
    hash_part(md, c->settled, strlen(c->settled));
    /* The amounts as fixed-width little-endian bytes: the same value always
     * hashes the same, without formatting numbers per row. */
    unsigned char num[24];
    const int64_t v[3] = {c->amount, c->fee, c->net};
    for (int i = 0; i < 3; i++)
        for (int b = 0; b < 8; b++)
            num[8 * i + b] = (unsigned char)((uint64_t)v[i] >> (8 * b));
    hash_part(md, num, sizeof num);
    hash_part(md, c->currency, 3);
    for (int f = RC_F_GROUP_ID; f <= RC_F_PROVIDER_CODE; f++)
        hash_part(md, c->text[f].s, c->text[f].len);
    return EVP_DigestFinal_ex(md, c->hash, NULL) ? 0 : -1;
}

static int map_fields(rc_mapper *m, const rc_csv_row *row, rc_canon *c, rc_reject *r) {
    const recon_profile *p = m->p;
    int exponent = 0;
    memset(c, 0, sizeof *c);
    if (map_kind(m, row, c, r) || map_currency(m, row, c, r, &exponent) ||
        map_amounts(m, row, c, exponent, r) || map_zone(m, row, c, r) ||
        map_date(m, row, c, RC_F_OCCURRED_AT, m->swapped ? &p->occurred_swapped : &p->occurred_fmt,
                 c->occurred, r) ||
        map_date(m, row, c, RC_F_SETTLED_AT,
                 m->swapped && p->swaps_settled ? &p->settled_swapped : &p->settled_fmt, c->settled,
                 r) ||
        map_kind_fallback(m, c, r))
        return -1;
    /* Each computed field has its own buffer, so these spans stay valid
     * until the next row. */
    for (int f = RC_F_GROUP_ID; f <= RC_F_PROVIDER_CODE; f++)
        c->text[f] = cell(m, row, (rc_field)f);
    c->ext_id = cell(m, row, RC_F_EXTERNAL_ID);
    c->generated = c->ext_id.s == NULL;
    if (m->oom) return -1;
    if (content_hash(m, c) != 0) {
        r->field = RC_F_COUNT;
        r->reason = "internal";
        snprintf(r->message, sizeof r->message, "hashing failed");
        return -1;
    }
    return 0;
}

/* A reader-level problem in one cell (bad UTF-8, too large) is charged to
 * the canonical field that column feeds, and named by its header. */
static void reject_cell(const rc_mapper *m, const rc_csv_row *row, rc_reject *r) {
    size_t i = row->error_field;
    if (m->p->format == RC_FORMAT_BAI2) {
        /* A BAI2 record's fields are not the row's columns: name the field. */
        snprintf(r->message, sizeof r->message, "%s (field %zu of the record)",
                 rc_csv_row_errmsg(row->error), i + 1);
        return;
    }
    if (m->p->format != RC_FORMAT_CSV) {
        /* MT940, camt and OFX are read a line at a time: the line is the
         * field, and no column of the profile's. */
        snprintf(r->message, sizeof r->message, "%s", rc_csv_row_errmsg(row->error));
        return;
    }
    for (int f = 0; f < RC_F_COUNT; f++)
        if (m->bind.index[f] == (long)i) r->field = (rc_field)f;
    if (i < m->nheader) r->column = m->header[i];
    snprintf(r->message, sizeof r->message, "%s (column %zu)", rc_csv_row_errmsg(row->error),
             i + 1);
}

/* The reader's verdict on the row, and its width. Returns -1 with *r
 * filled when the row cannot be mapped at all. */
static int reject_unreadable(const rc_mapper *m, const rc_csv_row *row, rc_reject *r) {
    if (row->error != RC_CSV_ROW_OK) {
        r->reason = rc_csv_row_errcode(row->error);
        if (row->error == RC_CSV_ROW_UTF8 || row->error == RC_CSV_ROW_FIELD_LARGE)
            reject_cell(m, row, r);
        else
            snprintf(r->message, sizeof r->message, "%s", rc_csv_row_errmsg(row->error));
        return -1;
    }
    /* Fewer fields than the header's columns, or more with something in
     * them: the fields may have shifted, so no value can be trusted. Empty
     * fields past the columns are padding. */
    int extra = 0;
    for (size_t i = m->bind.ncolumns; i < row->nfields && !extra; i++)
        extra = trim(row->fields[i], row->lens[i]).s != NULL;
    if (row->nfields < m->bind.min_fields || extra) {
        r->reason = "ragged_row";
        snprintf(r->message, sizeof r->message, "row has %zu fields, expected %zu", row->nfields,
                 m->bind.ncolumns);
        return -1;
    }
    return 0;
}

/* ---- totals rows ---------------------------------------------------------------------- */

/* The running sums of one currency (a new, zeroed entry if need be). */
static totals_acc *acc_for(rc_mapper *m, const char *currency) {
    for (size_t i = 0; i < m->nacc; i++)
        if (!strcmp(m->acc[i].currency, currency)) return &m->acc[i];
    if (m->nacc == sizeof m->acc / sizeof m->acc[0]) return NULL;
    memset(&m->acc[m->nacc], 0, sizeof m->acc[0]);
    memcpy(m->acc[m->nacc].currency, currency, 4);
    return &m->acc[m->nacc++];
}

/* Adds v to sum k. A sum that leaves int64_t is marked, not wrapped: a
 * wrapped sum could agree with a wrong totals row. */
static void acc_add(totals_acc *a, int k, int64_t v) {
    if (__builtin_add_overflow(a->v[k], v, &a->v[k])) a->overflow[k] = 1;
}

/* Adds |v| to sum k (|INT64_MIN| does not fit: marked like an overflow). */
static void acc_add_magnitude(totals_acc *a, int k, int64_t v) {
    if (v == INT64_MIN)
        a->overflow[k] = 1;
    else
        acc_add(a, k, v < 0 ? -v : v);
}

/* Adds a mapped row to the sums its totals row will be checked against. */
static void accumulate(rc_mapper *m, const rc_canon *c) {
    if (!m->p->totals_when) return;
    totals_acc *a = acc_for(m, c->currency);
    if (!a) return; /* more currencies than we track: rc_totals_check says so */
    acc_add(a, RC_TOT_AMOUNT, c->amount);
    acc_add_magnitude(a, c->amount >= 0 ? RC_TOT_CREDITS : RC_TOT_DEBITS, c->amount);
    acc_add_magnitude(a, c->fee >= 0 ? RC_TOT_FEE_DEBITS : RC_TOT_FEE_CREDITS, c->fee);
}

static int is_totals_row(const rc_mapper *m, const rc_csv_row *row) {
    const rc_row_test *t = m->p->totals_when;
    if (!t || row->error != RC_CSV_ROW_OK) return 0;
    rc_cells cl = cells_of(m, row);
    size_t n;
    const char *v = rc_cells_get(&cl, t->slot, &n);
    return rc_row_test_match(t, v, n);
}

/* A disagreement is a failure, never silence: the file contradicts itself,
 * or we read it wrong. */
int rc_totals_check(rc_mapper *m, const rc_csv_row *row, rc_reject *r) {
    static const char *const what[RC_TOT_COUNT] = {"",       "amount",      "credits",
                                                   "debits", "fee credits", "fee debits"};
    const recon_profile *p = m->p;
    rc_cells cl = cells_of(m, row);
    char currency[4] = "";
    size_t n;
    reject_start(r, "totals_mismatch");
    const char *cur = rc_cells_get(&cl, p->totals_slot[RC_TOT_CURRENCY], &n);
    rc_span v = {cur, n};
    /* A currency cell is read like the rows' (a code that is not one is
     * refused, not replaced by a guess); an empty one falls back. */
    if (n)
        normalize_currency(v, currency);
    else if (p->currency[0])
        memcpy(currency, p->currency, 4);
    else if (m->nacc == 1)
        memcpy(currency, m->acc[0].currency, 4);
    int exponent = currency[0] ? rc_currency_exponent(currency, 3) : -1;
    totals_acc *acc = exponent >= 0 ? acc_for(m, currency) : NULL;
    if (!acc) {
        snprintf(r->message, sizeof r->message,
                 "totals row: cannot tell its currency ('%.*s'), "
                 "or too many currencies to check",
                 (int)(n > 8 ? 8 : n), cur);
    } else {
        size_t used = 0;
        for (int k = RC_TOT_AMOUNT; k < RC_TOT_COUNT; k++) {
            const char *t = rc_cells_get(&cl, p->totals_slot[k], &n);
            int64_t want;
            char a[32], b[32];
            if (p->totals_slot[k] < 0) continue;
            if (rc_money_parse(t, n, exponent, &p->money, &want) != RC_MONEY_OK) {
                used += (size_t)snprintf(r->message + used, sizeof r->message - used,
                                         "%s'%.*s' is not an amount (%s)", used ? "; " : "",
                                         (int)(n > 30 ? 30 : n), t, what[k]);
            } else if (acc->overflow[k]) {
                rc_money_format(want, exponent, a, sizeof a);
                used += (size_t)snprintf(r->message + used, sizeof r->message - used,
                                         "%s%s %s %s in the totals row, but the rows' %s "
                                         "overflow 64-bit minor units",
                                         used ? "; " : "", what[k], a, currency, what[k]);
            } else if (want != acc->v[k]) {
                rc_money_format(want, exponent, a, sizeof a);
                rc_money_format(acc->v[k], exponent, b, sizeof b);
                used += (size_t)snprintf(r->message + used, sizeof r->message - used,
                                         "%s%s %s %s in the totals row, %s in the rows",
                                         used ? "; " : "", what[k], a, currency, b);
            }
            if (used >= sizeof r->message) break;
        }
        memset(acc->v, 0, sizeof acc->v);
        memset(acc->overflow, 0, sizeof acc->overflow);
    }
    return r->message[0] ? -1 : 0;
}

/* ---- records (typed-record files like PayPal STL) ------------------------------------ */

static int is_one_of(char *const *list, size_t n, const char *s, size_t len) {
    rc_span v = {s, len};
    return len && in_list(list, n, v);
}

/* A record's type decides what it is. */
static int route_record(const rc_mapper *m, const rc_csv_row *row, rc_reject *r) {
    const recon_profile *p = m->p;
    long i = (long)p->slots.slot[p->record_slot].position - 1;
    rc_span type = {NULL, 0};
    if (row->error == RC_CSV_ROW_OK && i >= 0 && (size_t)i < row->nfields)
        type = trim(row->fields[i], row->lens[i]);
    if (type.s && is_one_of(p->rec_header, p->nrec_header, type.s, type.len))
        return RC_ROUTE_HEADER;
    if (type.s && is_one_of(p->rec_ignore, p->nrec_ignore, type.s, type.len))
        return RC_ROUTE_IGNORE;
    if (m->bound && is_totals_row(m, row)) return RC_ROUTE_TOTALS;
    if (type.s && is_one_of(p->rec_data, p->nrec_data, type.s, type.len) && m->bound)
        return RC_ROUTE_DATA;
    reject_start(r, row->error ? rc_csv_row_errcode(row->error) : "record_unknown");
    if (row->error)
        snprintf(r->message, sizeof r->message, "%s", rc_csv_row_errmsg(row->error));
    else if (type.s && is_one_of(p->rec_data, p->nrec_data, type.s, type.len))
        snprintf(r->message, sizeof r->message, "a data record before any header record");
    else
        snprintf(r->message, sizeof r->message, "record type '%.*s' is not one this profile knows",
                 show_len(type), type.s ? type.s : "");
    return RC_ROUTE_REJECT;
}

int rc_route_row(const rc_mapper *m, const rc_csv_row *row, rc_reject *rej) {
    if (m->p->record_slot >= 0) return route_record(m, row, rej);
    return is_totals_row(m, row) ? RC_ROUTE_TOTALS : RC_ROUTE_DATA;
}

/* ---- one data row ----------------------------------------------------------------------- */

/* Remembers a column's last non-empty value in b. */
static int keep_last(rc_strbuf *b, rc_span v) {
    b->len = 0;
    if (b->cap < v.len + 1) {
        char *grown = realloc(b->s, v.len + 1);
        if (!grown) return -1;
        b->s = grown;
        b->cap = v.len + 1;
    }
    memcpy(b->s, v.s, v.len);
    b->s[v.len] = '\0';
    b->len = v.len;
    return 0;
}

/* [rows] fill_down: an empty cell of such a column takes the last value the
 * column had (Amazon writes the currency once, in its summary row). The
 * row with its cells filled in *out. Returns -1 when out of memory. */
static int fill_down(rc_mapper *m, const rc_csv_row *row, rc_csv_row *out) {
    const recon_profile *p = m->p;
    *out = *row;
    if (!p->nfill) return 0;
    if (m->cells_cap < row->nfields) {
        size_t cap = row->nfields;
        const char **c = realloc(m->cells, cap * sizeof *c);
        if (c) m->cells = c;
        size_t *l = realloc(m->cell_lens, cap * sizeof *l);
        if (l) m->cell_lens = l;
        if (!c || !l) return -1;
        m->cells_cap = cap;
    }
    memcpy(m->cells, row->fields, row->nfields * sizeof *m->cells);
    memcpy(m->cell_lens, row->lens, row->nfields * sizeof *m->cell_lens);
    for (size_t k = 0; k < p->nfill; k++) {
        long i = m->bind.slot_index[p->fill_down[k]];
        if (i < 0 || (size_t)i >= row->nfields) continue;
        rc_span v = trim(row->fields[i], row->lens[i]);
        rc_strbuf *last = &m->fill[k];
        if (v.s) {
            if (keep_last(last, v)) return -1;
        } else if (last->len) {
            m->cells[i] = last->s;
            m->cell_lens[i] = last->len;
        }
    }
    out->fields = m->cells;
    out->lens = m->cell_lens;
    return 0;
}

/* [rows] keep_if / skip_if: rows the layout carries but that moved no money
 * (PayPal memo lines, declined or voided attempts). */
static int filtered_out(const rc_mapper *m, const rc_csv_row *row) {
    const recon_profile *p = m->p;
    rc_cells cl = cells_of(m, row);
    size_t n;
    for (size_t k = 0; k < p->nkeep; k++) {
        const char *v = rc_cells_get(&cl, p->keep[k].slot, &n);
        if (!rc_row_test_match(&p->keep[k], v, n)) return 1;
    }
    for (size_t k = 0; k < p->nskip; k++) {
        const char *v = rc_cells_get(&cl, p->skip[k].slot, &n);
        if (rc_row_test_match(&p->skip[k], v, n)) return 1;
    }
    return 0;
}

int rc_map_row(rc_mapper *m, const rc_csv_row *in, rc_canon *out, rc_reject *rej) {
    rc_csv_row row;
    reject_start(rej, NULL);
    if (reject_unreadable(m, in, rej)) return RC_MAP_REJECT;
    if (fill_down(m, in, &row)) return RC_MAP_ENOMEM;
    if (filtered_out(m, &row)) return RC_MAP_SKIP;
    if (map_fields(m, &row, out, rej) != 0) {
        /* Out of memory is no fault of the row: rejecting it would lose it
         * for good (the file counts as imported), so the import fails. */
        if (m->oom) return RC_MAP_ENOMEM;
        rej->c = out;
        /* Read after the verdict, as the store used to: running out of
         * memory here fails the import at its next row. */
        rej->group = cell(m, &row, RC_F_GROUP_ID);
        return RC_MAP_REJECT;
    }
    accumulate(m, out);
    return RC_MAP_OK;
}

/* ---- [dates] order = auto ---------------------------------------------------------------- */

/* One date cell's vote: readable only as written, only swapped, or no
 * vote (both: no day above 12; neither: not a date, the import says so). */
static void vote_cell(rc_mapper *m, const rc_csv_row *row, rc_field f, const rc_time_format *as,
                      const rc_time_format *swapped, rc_date_votes *v) {
    rc_span c = cell(m, row, f);
    if (!c.s) return;
    char out[RC_TIME_BUF];
    int w = rc_time_parse(c.s, c.len, as, 0, out) == RC_TIME_OK;
    int s = rc_time_parse(c.s, c.len, swapped, 0, out) == RC_TIME_OK;
    v->both += w && s;
    if (w == s) return;
    uint64_t *n = w ? &v->written : &v->swapped;
    if ((*n)++ == 0) {
        uint64_t *line = w ? &v->written_line : &v->swapped_line;
        char *text = w ? v->written_text : v->swapped_text;
        *line = row->line;
        snprintf(text, sizeof v->written_text, "%.*s", (int)(c.len < 40 ? c.len : 40), c.s);
    }
}

void rc_date_vote(rc_mapper *m, const rc_csv_row *row, rc_date_votes *v) {
    const recon_profile *p = m->p;
    if (p->date_order != RC_ORDER_AUTO || row->error != RC_CSV_ROW_OK || !m->bound) return;
    vote_cell(m, row, RC_F_OCCURRED_AT, &p->occurred_fmt, &p->occurred_swapped, v);
    if (p->swaps_settled)
        vote_cell(m, row, RC_F_SETTLED_AT, &p->settled_fmt, &p->settled_swapped, v);
}

int rc_mapper_bound(const rc_mapper *m) {
    return m->bound;
}

void rc_mapper_swap_day_month(rc_mapper *m, int swapped) {
    m->swapped = swapped;
}

/* ---- what a reject records ------------------------------------------------------------- */

const char *rc_reject_column(const rc_mapper *m, const rc_reject *r) {
    if (r->column) return r->column;
    return r->field < RC_F_COUNT ? m->bind.names[r->field] : NULL;
}

char *rc_reject_context(const rc_reject *r) {
    if (!r->c) return NULL;
    rc_span g = r->group;
    json_t *o = g.s && g.len ? json_object() : NULL;
    if (!o || json_object_set_new(o, "group_id", json_stringn(g.s, g.len)) != 0) {
        json_decref(o);
        return NULL;
    }
    if (rc_currency_exponent(r->c->currency, strnlen(r->c->currency, 4)) >= 0)
        json_object_set_new(o, "currency", json_string(r->c->currency));
    if (r->reason && strcmp(r->reason, "net_mismatch") == 0) {
        json_object_set_new(o, "amount_minor", json_integer(r->c->amount));
        json_object_set_new(o, "fee_minor", json_integer(r->c->fee));
        json_object_set_new(o, "net_minor", json_integer(r->c->net));
    }
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

static int needs_escape(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = rc_utf8_decode(u + i, n - i, NULL);
        if (!l) return 1;
        i += l;
    }
    return 0;
}

const char *rc_raw_escape(rc_strbuf *scratch, const char *s, size_t n, size_t *out_len) {
    if (!needs_escape(s, n)) {
        *out_len = n;
        return s;
    }
    if (scratch->cap < 4 * n + 1) {
        char *grown = realloc(scratch->s, 4 * n + 1);
        if (!grown) return NULL;
        scratch->s = grown;
        scratch->cap = 4 * n + 1;
    }
    char *esc = scratch->s;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t l = rc_utf8_decode(u + i, n - i, NULL);
        if (l && u[i] != '\\') {
            memcpy(esc + o, u + i, l);
            o += l;
            i += l;
        } else if (l) {
            esc[o++] = '\\';
            esc[o++] = '\\';
            i++;
        } else {
            o += (size_t)sprintf(esc + o, "\\x%02x", u[i]);
            i++;
        }
    }
    esc[o] = '\0';
    scratch->len = o;
    *out_len = o;
    return esc;
}

int rc_failed_payment(const recon_profile *p, const rc_canon *c) {
    rc_span st = c->text[RC_F_PROVIDER_STATUS];
    return p->nfailed && st.s && in_list(p->failed_values, p->nfailed, st);
}

/* A span as a JSON string, or nothing when empty or not UTF-8. */
static void put_span(json_t *o, const char *key, rc_span v) {
    if (v.s && v.len) json_object_set_new(o, key, json_stringn(v.s, v.len));
}

char *rc_failed_payment_context(const rc_canon *c) {
    json_t *o = json_object();
    if (!o) return NULL;
    if (!c->generated) put_span(o, "external_id", c->ext_id);
    json_object_set_new(o, "kind", json_string(rc_kind_name(c->kind)));
    json_object_set_new(o, "amount_minor", json_integer(c->amount));
    json_object_set_new(o, "fee_minor", json_integer(c->fee));
    if (rc_currency_exponent(c->currency, strnlen(c->currency, 4)) >= 0)
        json_object_set_new(o, "currency", json_string(c->currency));
    json_object_set_new(o, "occurred_at", json_string(c->occurred));
    put_span(o, "group_id", c->text[RC_F_GROUP_ID]);
    put_span(o, "reference", c->text[RC_F_REFERENCE]);
    put_span(o, "status", c->text[RC_F_PROVIDER_STATUS]);
    put_span(o, "code", c->text[RC_F_PROVIDER_CODE]);
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

/* ---- the mapper ------------------------------------------------------------------------ */

int rc_mapper_new(const recon_profile *p, rc_mapper **out) {
    rc_mapper *m = calloc(1, sizeof *m);
    *out = NULL;
    if (!m) return RECON_ENOMEM;
    m->p = p;
    m->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    m->row_md = EVP_MD_CTX_new();
    if (!m->sha256 || !m->row_md) {
        rc_mapper_free(m);
        return RECON_ENOMEM;
    }
    *out = m;
    return RECON_OK;
}

static void free_header(rc_mapper *m) {
    for (size_t i = 0; m->header && i < m->nheader; i++)
        free(m->header[i]);
    free(m->header);
    m->header = NULL;
    m->nheader = 0;
}

void rc_mapper_free(rc_mapper *m) {
    if (!m) return;
    EVP_MD_CTX_free(m->row_md);
    EVP_MD_free(m->sha256);
    free_header(m);
    for (int f = 0; f < RC_F_COUNT; f++)
        rc_strbuf_free(&m->fbuf[f]);
    rc_strbuf_free(&m->tmp);
    for (size_t k = 0; k < sizeof m->fill / sizeof m->fill[0]; k++)
        rc_strbuf_free(&m->fill[k]);
    free(m->cells);
    free(m->cell_lens);
    free(m);
}

/* The header's cells, kept for as long as the binding names them. */
static int copy_header(rc_mapper *m, const rc_csv_row *row) {
    m->header = calloc(row->nfields ? row->nfields : 1, sizeof *m->header);
    if (!m->header) return -1;
    m->nheader = row->nfields;
    for (size_t i = 0; i < row->nfields; i++)
        if (!(m->header[i] = strdup(row->fields[i]))) return -1;
    return 0;
}

int rc_mapper_bind(rc_mapper *m, const rc_csv_row *header, char *msg, size_t msgsize) {
    m->nacc = 0; /* a new section */
    if (!header) {
        m->bound = 1;
        return rc_profile_bind(m->p, NULL, NULL, 0, &m->bind, msg, msgsize);
    }
    free_header(m);
    if (copy_header(m, header)) return RECON_ENOMEM;
    int rc = rc_profile_bind(m->p, (const char *const *)m->header, header->lens, header->nfields,
                             &m->bind, msg, msgsize);
    if (rc != RECON_OK) return rc;
    m->bound = 1;
    return RECON_OK;
}
