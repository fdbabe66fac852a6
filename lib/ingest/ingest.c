/* ingest: the import pipeline. Streams one CSV file through the reader,
 * maps each row to the canonical record with the profile, and stores it,
 * all in one SQLite transaction per file with prepared statements.
 *
 * Idempotency has three layers:
 * - a file whose sha256 was already imported into the source is a no-op;
 * - a row whose (source, external_id) is already stored is a duplicate,
 *   or, when its content differs, a rejected conflict (never overwritten);
 * - a row without an id gets "gen:<date>:<content hash>:<k>" where k counts
 *   earlier rows of the same file with the same content, so a re-import or
 *   an overlapping file maps each occurrence to the same id.
 *
 * Rows that cannot be mapped are stored in failures with their line,
 * column, reason and raw text; they never stop the import. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/bai2.h"
#include "formats/csvread.h"
#include "store/store.h"
#include "profile/profile.h"
#include "util/utf8.h"

#define PROGRESS_EVERY 65536
#define HASH_LEN 32
#define GEN_HASH_BYTES 12 /* 96 bits of the content hash in generated ids */

/* A text field of the row: pointer into the reader's row, or NULL. */
typedef struct {
    const char *s;
    size_t len;
} span;

/* One row mapped to the canonical record. */
typedef struct canon_s {
    span ext_id;
    int generated;
    rc_kind kind;
    int has_kind;   /* the row type column named the kind */
    int negate;     /* the row type's amounts are unsigned money out */
    int tz_offset;  /* minutes east of UTC for the row's local times */
    span kind_raw;
    int64_t amount, fee, net;
    char currency[4];
    char occurred[RC_TIME_BUF];
    char settled[RC_TIME_BUF];
    span text[RC_F_COUNT]; /* group_id, reference, description, ... */
    unsigned char hash[HASH_LEN];
} canon;

/* Why a row was rejected. */
typedef struct {
    rc_field field;     /* RC_F_COUNT: the row as a whole */
    const char *column; /* the file's column when no canonical field names it */
    const char *reason;
    char message[512];
    const struct canon_s *c; /* the row as far as it was mapped, or NULL */
} reject;

/* The sums of one currency's rows that a totals row is checked against. */
typedef struct {
    char currency[4];
    int64_t v[RC_TOT_COUNT];
    unsigned char overflow[RC_TOT_COUNT]; /* the sum left int64_t: it can agree with nothing */
} totals_acc;

typedef struct {
    recon_db *db;
    const recon_profile *p;
    const char *file_name;
    rc_binding bind;
    char **header; /* owned copy of the header cells that bind.names point into */
    size_t nheader;
    int64_t source_id, import_id;
    sqlite3_stmt *ins_tx, *sel_tx, *ins_fail, *ins_consumed, *ins_report;
    /* SHA-256 fetched once per import: EVP_sha256() in every
     * EVP_DigestInit_ex makes OpenSSL 3 look the algorithm up per row. */
    EVP_MD *sha256;
    EVP_MD_CTX *file_md, *row_md;
    recon_import_result *res;
    const recon_import_opts *opts;
    uint64_t progress_at;   /* rows_read at the last progress report */
    uint64_t file_size;
    struct stat opened;     /* the file as it was when opened, to notice a change */
    char now[21];
    char *esc;          /* scratch for escaped raw text */
    size_t esc_cap;
    /* Values of computed fields (expressions), one buffer per field, and a
     * scratch buffer for the parts of a sum(). Pointers into a const
     * importer may still be written through. */
    rc_strbuf *fbuf;
    rc_strbuf *tmp;
    int oom;                /* an expression ran out of memory: the import fails */
    rc_bai2 *bai2;          /* the BAI2 reader over the CSV reader, for format = bai2 */
    int bound;              /* a header binds the columns (records: a header record came) */
    /* [rows] fill_down: the last value of each column, and the row's cells
     * with empty ones filled. */
    rc_strbuf fill[8];
    const char **cells;
    size_t *cell_lens;
    size_t cells_cap;
    /* [totals]: the sums of the rows since the last totals row, per currency. */
    totals_acc acc[16];
    size_t nacc;
} importer;

/* ---- helpers ------------------------------------------------------------- */

static void hex(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static span trim(const char *s, size_t len) {
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    span out = {len ? s : NULL, len};
    return out;
}

static rc_cells cells_of(const importer *im, const rc_csv_row *row) {
    rc_cells c = {row->fields, row->lens, row->nfields, im->bind.slot_index};
    return c;
}

/* The value of an expression, trimmed, in buffer b. Only running out of
 * memory is an error; a sum() read as text (its parts are added by
 * money_field) has no text, like an empty cell. */
static span eval_into(const importer *im, const rc_csv_row *row, const rc_expr *x, rc_strbuf *b) {
    span none = {NULL, 0};
    rc_cells c = cells_of(im, row);
    b->len = 0;
    int r = rc_expr_eval(x, &c, b);
    if (r == RC_EXPR_ENOMEM)
        ((importer *)im)->oom = 1;
    return r > 0 ? trim(b->s, b->len) : none;
}

/* The trimmed value of field f: its cell, or its expression's value; an
 * empty span when the column is absent or the value blank. */
static span cell(const importer *im, const rc_csv_row *row, rc_field f) {
    const rc_expr *x = im->p->cols[f].expr;
    if (x)
        return eval_into(im, row, x, &im->fbuf[f]);
    long i = im->bind.index[f];
    if (i < 0 || (size_t)i >= row->nfields) {
        span none = {NULL, 0};
        return none;
    }
    return trim(row->fields[i], row->lens[i]);
}

static const char *column_name(const importer *im, rc_field f) {
    return f < RC_F_COUNT ? im->bind.names[f] : NULL;
}

/* How much of a cell a message shows: at most 60 bytes, cut at a character
 * boundary so that the message stays valid UTF-8. */
static int show_len(span v) {
    return (int)rc_utf8_cut(v.s, v.len, 60);
}

/* A cell's value for messages: quoted, cut at about 60 bytes. */
#define SHOWF "'%.*s%s'"
#define SHOWA(v) show_len(v), (v).s ? (v).s : "", (v).len > 60 ? "..." : ""

static int reject_field(reject *r, rc_field f, const char *reason, const char *fmt, ...)
    RC_PRINTF(4, 5);

static int reject_field(reject *r, rc_field f, const char *reason, const char *fmt, ...) {
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
static int normalize_currency(span v, char out[4]) {
    if (v.len != 3)
        return -1;
    for (int i = 0; i < 3; i++)
        out[i] = (char)((v.s[i] >= 'a' && v.s[i] <= 'z') ? v.s[i] - 32 : v.s[i]);
    out[3] = '\0';
    return 0;
}

static int map_currency(const importer *im, const rc_csv_row *row, canon *c, reject *r,
                        int *exponent) {
    span v = cell(im, row, RC_F_CURRENCY);
    if (!v.s) {
        if (!im->p->currency[0])
            return reject_field(r, RC_F_CURRENCY, "currency_missing", "currency is empty");
        memcpy(c->currency, im->p->currency, 4);
    } else if (normalize_currency(v, c->currency)) {
        return reject_field(r, RC_F_CURRENCY, "currency_unknown",
                            SHOWF " is not an ISO 4217 currency code", SHOWA(v));
    }
    *exponent = rc_currency_exponent(c->currency, 3);
    if (*exponent < 0)
        return reject_field(r, RC_F_CURRENCY, "currency_unknown", SHOWF " is not an ISO 4217 currency code", SHOWA(v));
    return 0;
}

static int parse_money(const importer *im, span v, int exponent, int64_t *out, rc_field f,
                       const char *currency, reject *r) {
    int e = rc_money_parse(v.s ? v.s : "", v.len, exponent, &im->p->money, out);
    if (e == RC_MONEY_OK)
        return 0;
    char extra[128];
    snprintf(extra, sizeof extra, " (%s, %d decimals): %s", currency, exponent,
             rc_money_errmsg(e));
    return reject_field(r, f, rc_money_errcode(e), SHOWF "%s", SHOWA(v), extra);
}

static int negate(int64_t *v) {
    if (*v == INT64_MIN)
        return -1;
    *v = -*v;
    return 0;
}

static int in_list(char *const *list, size_t n, span v) {
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == v.len && strncasecmp(list[i], v.s, v.len) == 0)
            return 1;
    return 0;
}

/* An amount field: its cell, or the sum of its sum() parts (empty parts
 * count as 0). *present is 0 when there is nothing at all. */
static int money_field(const importer *im, const rc_csv_row *row, rc_field f, int exponent,
                       const char *currency, int64_t *out, int *present, reject *r) {
    const rc_expr *x = im->p->cols[f].expr;
    *out = 0;
    *present = 0;
    if (!x || x->op != RC_X_SUM) {
        span v = cell(im, row, f);
        if (!v.s)
            return 0;
        *present = 1;
        return parse_money(im, v, exponent, out, f, currency, r);
    }
    for (size_t i = 0; i < x->nargs; i++) {
        span v = eval_into(im, row, x->args[i], im->tmp);
        int64_t part;
        if (!v.s)
            continue;
        if (parse_money(im, v, exponent, &part, f, currency, r))
            return -1;
        if (__builtin_add_overflow(*out, part, out))
            return reject_field(r, f, "amount_overflow", "the sum of %s overflows",
                                rc_field_name(f));
        *present = 1;
    }
    return 0;
}

/* A direction cell: 1 credit, -1 debit, 0 neither. */
static int direction_of(const recon_profile *p, span v) {
    if (v.s && in_list(p->credit_values, p->ncredit, v))
        return 1;
    if (v.s && in_list(p->debit_values, p->ndebit, v))
        return -1;
    return 0;
}

/* The signed value the amount columns carry (gross, or net with
 * [amounts] value = net), into *out. *flipped is 1 when the profile's
 * sign rule negated the number the file wrote (invert, a debit, a debit
 * direction): the file's net column needs the same. */
static int map_value(const importer *im, const rc_csv_row *row, canon *c, int exponent,
                     int64_t *out, int *flipped, reject *r) {
    const recon_profile *p = im->p;
    int present;
    *flipped = 0;
    if (p->sign == RC_SIGN_DEBIT_CREDIT) {
        int64_t debit, credit;
        int has_d, has_k;
        if (money_field(im, row, RC_F_DEBIT, exponent, c->currency, &debit, &has_d, r) ||
            money_field(im, row, RC_F_CREDIT, exponent, c->currency, &credit, &has_k, r))
            return -1;
        if (!has_d && !has_k)
            return reject_field(r, RC_F_AMOUNT, "amount_empty", "both debit and credit are empty");
        if (debit != 0 && credit != 0)
            return reject_field(r, RC_F_AMOUNT, "debit_and_credit", "row has both a debit and a credit amount");
        /* A debit is money out whichever way the bank writes its sign. */
        *flipped = !credit && debit > 0;
        if (debit < 0 && negate(&debit))
            return reject_field(r, RC_F_DEBIT, "amount_overflow", "the debit overflows");
        *out = credit ? credit : -debit;
        return 0;
    }
    if (money_field(im, row, RC_F_AMOUNT, exponent, c->currency, out, &present, r))
        return -1;
    if (!present) {
        /* An empty cell, or a sum() whose parts are all empty: the amount
         * is missing, and the money parser says so. */
        span none = {NULL, 0};
        return parse_money(im, none, exponent, out, RC_F_AMOUNT, c->currency, r);
    }
    if (p->sign == RC_SIGN_DIRECTION) {
        span dir = cell(im, row, RC_F_DIRECTION);
        int d = direction_of(p, dir);
        if (!d)
            return reject_field(r, RC_F_DIRECTION, "direction_unknown", SHOWF " is neither a credit nor a debit value", SHOWA(dir));
        if (*out < 0)
            return reject_field(r, RC_F_AMOUNT, "amount_invalid",
                                "the amount is negative but the direction column gives the sign");
        *flipped = d < 0;
        if (d < 0)
            *out = -*out;
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
static int map_net(const importer *im, const rc_csv_row *row, canon *c, int exponent,
                   int flipped, reject *r) {
    int has_net;
    if (money_field(im, row, RC_F_NET, exponent, c->currency, &c->net, &has_net, r))
        return -1;
    if (!has_net) {
        if (__builtin_sub_overflow(c->amount, c->fee, &c->net))
            return reject_field(r, RC_F_NET, "amount_overflow", "amount minus fee overflows");
        return 0;
    }
    if (flipped && negate(&c->net))
        return reject_field(r, RC_F_NET, "amount_overflow", "the net overflows");
    if (c->negate && c->net > 0)
        c->net = -c->net;
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
static int map_amounts(const importer *im, const rc_csv_row *row, canon *c, int exponent,
                       reject *r) {
    const recon_profile *p = im->p;
    int64_t value;
    int has_fee, flipped;
    if (map_value(im, row, c, exponent, &value, &flipped, r))
        return -1;
    if (c->negate) {
        if (value < 0)
            return reject_field(r, RC_F_AMOUNT, "amount_invalid",
                                "the amount is negative but its row type gives the sign");
        value = -value;
    }
    if (money_field(im, row, RC_F_FEE, exponent, c->currency, &c->fee, &has_fee, r))
        return -1;
    if (p->fee_signed && negate(&c->fee))
        return reject_field(r, RC_F_FEE, "amount_overflow", "the fee overflows");
    if (has_fee && p->cols[RC_F_FEE_DIRECTION].configured) {
        span dir = cell(im, row, RC_F_FEE_DIRECTION);
        int d = direction_of(p, dir);
        if (!d || c->fee < 0)
            return reject_field(r, RC_F_FEE_DIRECTION, "direction_unknown",
                                SHOWF " is neither a credit nor a debit value for the fee",
                                SHOWA(dir));
        if (d > 0)
            c->fee = -c->fee; /* credited back to the holder */
    }
    if (p->value_is_net) {
        c->net = value;
        if (__builtin_add_overflow(c->net, c->fee, &c->amount))
            return reject_field(r, RC_F_AMOUNT, "amount_overflow", "net plus fee overflows");
        return 0;
    }
    c->amount = value;
    return map_net(im, row, c, exponent, flipped, r);
}

static int map_date(const importer *im, const rc_csv_row *row, const canon *c, rc_field f,
                    const rc_time_format *fmt, char *out, reject *r) {
    span v = cell(im, row, f);
    out[0] = '\0';
    if (!v.s) {
        if (f == RC_F_SETTLED_AT)
            return 0;
        return reject_field(r, f, "date_empty", "date is empty");
    }
    int e = rc_time_parse(v.s, v.len, fmt, c->tz_offset, out);
    if (e == RC_TIME_OK)
        return 0;
    char extra[160];
    snprintf(extra, sizeof extra, " (format %s): %s", fmt->pattern, rc_time_errmsg(e));
    return reject_field(r, f, rc_time_errcode(e), SHOWF "%s", SHOWA(v), extra);
}

/* The row type, when the profile has a kind column and the row fills it.
 * Before the amounts, because a type may say how they are signed. */
static int map_kind(const importer *im, const rc_csv_row *row, canon *c, reject *r) {
    const recon_profile *p = im->p;
    span v = cell(im, row, RC_F_KIND);
    c->kind_raw = v;
    if (!v.s)
        return 0;
    c->has_kind = 1;
    if (rc_profile_kind(p, v.s, v.len, &c->kind, &c->negate) == 0)
        return 0;
    if (p->unknown_is_other) {
        c->kind = RC_K_OTHER;
        return 0;
    }
    return reject_field(r, RC_F_KIND, "kind_unknown", SHOWF " is not a row type this profile knows", SHOWA(v));
}

/* A row without a type: its sign or the profile's default says. */
static int map_kind_fallback(const importer *im, canon *c, reject *r) {
    const recon_profile *p = im->p;
    if (c->has_kind)
        return 0;
    if (p->from_sign)
        c->kind = p->sign_kinds[c->amount < 0];
    else if (p->has_default_kind)
        c->kind = p->default_kind;
    else
        return reject_field(r, RC_F_KIND, "kind_empty", "row type is empty");
    return 0;
}

/* The zone of the row's local times: its zone column, else the profile's. */
static int map_zone(const importer *im, const rc_csv_row *row, canon *c, reject *r) {
    c->tz_offset = im->p->tz_offset_min;
    span v = cell(im, row, RC_F_TIMEZONE);
    if (!v.s)
        return 0;
    char zone[32];
    if (v.len < sizeof zone) {
        memcpy(zone, v.s, v.len);
        zone[v.len] = '\0';
        if (rc_time_zone_parse(zone, &c->tz_offset) == 0)
            return 0;
    }
    return reject_field(r, RC_F_TIMEZONE, "timezone_unknown",
                        SHOWF " is not a time zone this library knows (an offset such as +01:00, "
                        "or an abbreviation such as CET, PST)", SHOWA(v));
}

static void hash_part(EVP_MD_CTX *md, const void *s, size_t n) {
    static const unsigned char sep = 0x1f;
    if (n)
        EVP_DigestUpdate(md, s, n);
    EVP_DigestUpdate(md, &sep, 1);
}

/* Hashes the canonical content (not the raw text, so that a re-export that
 * quotes or pads differently still maps to the same record). */
static int content_hash(importer *im, canon *c) {
    EVP_MD_CTX *md = im->row_md;
    if (!EVP_DigestInit_ex(md, im->sha256, NULL))
        return -1;
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

static int map_row(importer *im, const rc_csv_row *row, canon *c, reject *r) {
    const recon_profile *p = im->p;
    int exponent = 0;
    memset(c, 0, sizeof *c);
    if (map_kind(im, row, c, r) || map_currency(im, row, c, r, &exponent) ||
        map_amounts(im, row, c, exponent, r) || map_zone(im, row, c, r) ||
        map_date(im, row, c, RC_F_OCCURRED_AT, &p->occurred_fmt, c->occurred, r) ||
        map_date(im, row, c, RC_F_SETTLED_AT, &p->settled_fmt, c->settled, r) ||
        map_kind_fallback(im, c, r))
        return -1;
    /* Each computed field has its own buffer, so these spans stay valid
     * until the next row. */
    for (int f = RC_F_GROUP_ID; f <= RC_F_PROVIDER_CODE; f++)
        c->text[f] = cell(im, row, (rc_field)f);
    c->ext_id = cell(im, row, RC_F_EXTERNAL_ID);
    c->generated = c->ext_id.s == NULL;
    if (im->oom)
        return -1;
    if (content_hash(im, c) != 0) {
        r->field = RC_F_COUNT;
        r->reason = "internal";
        snprintf(r->message, sizeof r->message, "hashing failed");
        return -1;
    }
    return 0;
}

/* ---- storing --------------------------------------------------------------- */

static void bind_span(sqlite3_stmt *st, int i, span v) {
    if (v.s)
        sqlite3_bind_text(st, i, v.s, (int)v.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Raw text as stored in failures: verbatim when it is valid UTF-8 without
 * NUL bytes, else with every offending byte written \xNN (and backslashes
 * doubled, so the escaping is unambiguous). */
static int needs_escape(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = rc_utf8_decode(u + i, n - i, NULL);
        if (!l)
            return 1;
        i += l;
    }
    return 0;
}

static const char *escaped_raw(importer *im, const char *s, size_t n, size_t *out_len) {
    if (!needs_escape(s, n)) {
        *out_len = n;
        return s;
    }
    if (im->esc_cap < 4 * n + 1) {
        char *grown = realloc(im->esc, 4 * n + 1);
        if (!grown)
            return NULL;
        im->esc = grown;
        im->esc_cap = 4 * n + 1;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t l = rc_utf8_decode(u + i, n - i, NULL);
        if (l && u[i] != '\\') {
            memcpy(im->esc + o, u + i, l);
            o += l;
            i += l;
        } else if (l) {
            im->esc[o++] = '\\';
            im->esc[o++] = '\\';
            i++;
        } else {
            o += (size_t)sprintf(im->esc + o, "\\x%02x", u[i]);
            i++;
        }
    }
    im->esc[o] = '\0';
    *out_len = o;
    return im->esc;
}

/* What a payout check needs of a rejected row (v_payouts): the payout
 * (group id) it belonged to, its currency when that was read, and for a
 * net mismatch the three figures that disagree. NULL when the row names
 * no group; a malloc'd compact JSON object otherwise. */
static char *reject_context(const importer *im, const rc_csv_row *row, const reject *r) {
    if (!r->c)
        return NULL;
    span g = cell(im, row, RC_F_GROUP_ID);
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

static int store_failure(importer *im, const rc_csv_row *row, const reject *r) {
    sqlite3_stmt *st = im->ins_fail;
    size_t raw_len;
    const char *raw = escaped_raw(im, row->raw, row->raw_len, &raw_len);
    if (!raw)
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    const char *field = r->field < RC_F_COUNT ? rc_field_name(r->field) : NULL;
    const char *column = r->column ? r->column : column_name(im, r->field);
    /* Rejects speak the same unified language as provider failures. */
    recon_error_info e;
    recon_error_classify("librecon", 0, r->reason, &e);
    sqlite3_bind_int64(st, 1, im->import_id);
    sqlite3_bind_int64(st, 2, im->source_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)row->line);
    sqlite3_bind_text(st, 4, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, column, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->message, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, raw, (int)raw_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, im->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, e.unified_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, e.category, -1, SQLITE_STATIC);
    char *context = reject_context(im, row, r);
    if (context)
        sqlite3_bind_text(st, 12, context, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 12);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    free(context);
    if (step != SQLITE_DONE)
        return rc_fail_sql(im->db, "storing a rejected row");
    im->res->rows_rejected++;
    return RECON_OK;
}

/* Inserts the row under `id`. Returns 1 inserted, 0 id taken, <0 error. */
static int try_insert(importer *im, const rc_csv_row *row, const canon *c, span id) {
    sqlite3_stmt *st = im->ins_tx;
    sqlite3_bind_int64(st, 1, im->source_id);
    sqlite3_bind_int64(st, 2, im->import_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)row->line);
    bind_span(st, 4, id);
    sqlite3_bind_int(st, 5, c->generated);
    sqlite3_bind_text(st, 6, rc_kind_name(c->kind), -1, SQLITE_STATIC);
    bind_span(st, 7, c->kind_raw);
    bind_span(st, 8, c->text[RC_F_GROUP_ID]);
    bind_span(st, 9, c->text[RC_F_REFERENCE]);
    sqlite3_bind_int64(st, 10, c->amount);
    sqlite3_bind_int64(st, 11, c->fee);
    sqlite3_bind_int64(st, 12, c->net);
    sqlite3_bind_text(st, 13, c->currency, 3, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, c->occurred, -1, SQLITE_STATIC);
    if (c->settled[0])
        sqlite3_bind_text(st, 15, c->settled, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 15);
    bind_span(st, 16, c->text[RC_F_DESCRIPTION]);
    bind_span(st, 17, c->text[RC_F_COUNTERPARTY]);
    bind_span(st, 18, c->text[RC_F_PROVIDER_STATUS]);
    bind_span(st, 19, c->text[RC_F_PROVIDER_CODE]);
    sqlite3_bind_blob(st, 20, c->hash, GEN_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 21, row->raw, (int)row->raw_len, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return rc_fail_sql(im->db, "storing a transaction");
    return sqlite3_changes(im->db->sql) == 1;
}

typedef struct {
    int64_t import_id;
    int64_t line;
    int same_content;
} existing;

static int find_existing(importer *im, span id, const canon *c, existing *out) {
    sqlite3_stmt *st = im->sel_tx;
    sqlite3_bind_int64(st, 1, im->source_id);
    bind_span(st, 2, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->import_id = sqlite3_column_int64(st, 0);
        out->line = sqlite3_column_int64(st, 1);
        const void *h = sqlite3_column_blob(st, 2);
        out->same_content = sqlite3_column_bytes(st, 2) == GEN_HASH_BYTES &&
                            memcmp(h, c->hash, GEN_HASH_BYTES) == 0;
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW)
        return rc_fail_sql(im->db, "looking up a stored transaction");
    return RECON_OK;
}

/* Marks a generated id from an earlier import as accounted for by a row of
 * this file. Returns 1 if it was not yet, 0 if it was, <0 error. */
static int consume(importer *im, span id) {
    sqlite3_stmt *st = im->ins_consumed;
    bind_span(st, 1, id);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return rc_fail_sql(im->db, "tracking duplicate rows");
    return sqlite3_changes(im->db->sql) == 1;
}

/* A payment the report itself marks failed (its provider_status is one of
 * the profile's failed_status values) is imported like any row, and linked
 * to a failure carrying the provider's code and its unified
 * classification, so that one query lists every problem. */
static int link_failed_payment(importer *im, const canon *c) {
    const recon_profile *p = im->p;
    span st = c->text[RC_F_PROVIDER_STATUS], code = c->text[RC_F_PROVIDER_CODE];
    if (!p->nfailed || !st.s || !in_list(p->failed_values, p->nfailed, st))
        return RECON_OK;
    char codebuf[64], msg[384];
    snprintf(codebuf, sizeof codebuf, "%.*s", (int)(code.len < 63 ? code.len : 63),
             code.s ? code.s : "");
    const char *provider = p->provider ? p->provider : p->name;
    recon_error_info e;
    recon_error_classify(provider, 0, codebuf, &e);
    snprintf(msg, sizeof msg, "the report marks this payment '%.*s'%s%s%s: %s",
             (int)(st.len < 40 ? st.len : 40), st.s, codebuf[0] ? " with code '" : "", codebuf,
             codebuf[0] ? "'" : "", e.description);
    sqlite3_stmt *ins = im->ins_report;
    sqlite3_bind_int64(ins, 1, im->import_id);
    sqlite3_bind_int64(ins, 2, im->source_id);
    sqlite3_bind_int64(ins, 3, sqlite3_last_insert_rowid(im->db->sql));
    sqlite3_bind_text(ins, 4, provider, -1, SQLITE_STATIC);
    if (codebuf[0])
        sqlite3_bind_text(ins, 5, codebuf, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(ins, 5);
    sqlite3_bind_text(ins, 6, e.unified_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 7, e.category, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 8, msg, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 9, im->now, -1, SQLITE_STATIC);
    int step = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (step != SQLITE_DONE)
        return rc_fail_sql(im->db, "linking a failed payment to a failure");
    im->res->payments_failed++;
    return RECON_OK;
}

static int inserted(importer *im, const rc_csv_row *row, const canon *c) {
    (void)row;
    im->res->rows_inserted++;
    return link_failed_payment(im, c);
}

static int store_generated(importer *im, const rc_csv_row *row, canon *c) {
    char id[128], hashhex[2 * GEN_HASH_BYTES + 1];
    hex(c->hash, GEN_HASH_BYTES, hashhex);
    /* The date first keeps inserts into the unique index nearly in order
     * for chronological statements, and makes the id readable. */
    for (uint64_t k = 1;; k++) {
        int n = snprintf(id, sizeof id, "gen:%.10s:%s:%llu", c->occurred, hashhex,
                         (unsigned long long)k);
        span sid = {id, (size_t)n};
        int rc = try_insert(im, row, c, sid);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return inserted(im, row, c);
        existing ex;
        if ((rc = find_existing(im, sid, c, &ex)) != RECON_OK)
            return rc;
        if (ex.import_id == im->import_id)
            continue; /* an earlier identical row of this file took occurrence k */
        if ((rc = consume(im, sid)) < 0)
            return rc;
        if (rc == 1) {
            im->res->rows_duplicate++;
            return RECON_OK;
        }
    }
}

static int store_row(importer *im, const rc_csv_row *row, canon *c) {
    if (c->generated)
        return store_generated(im, row, c);
    int rc = try_insert(im, row, c, c->ext_id);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return inserted(im, row, c);
    existing ex;
    if ((rc = find_existing(im, c->ext_id, c, &ex)) != RECON_OK)
        return rc;
    if (ex.same_content) {
        im->res->rows_duplicate++;
        return RECON_OK;
    }
    /* Same id, different content: the provider changed the row, or the file
     * repeats an id. Never overwrite stored money silently. */
    reject r = {RC_F_EXTERNAL_ID, NULL, "duplicate_conflict", "", c};
    snprintf(r.message, sizeof r.message,
             "id '%.*s' is already stored (import %lld, line %lld) with different content",
             (int)(c->ext_id.len > 100 ? 100 : c->ext_id.len), c->ext_id.s,
             (long long)ex.import_id, (long long)ex.line);
    return store_failure(im, row, &r);
}

/* A reader-level problem in one cell (bad UTF-8, too large) is charged to
 * the canonical field that column feeds, and named by its header. */
static void reject_cell(const importer *im, const rc_csv_row *row, reject *r) {
    size_t i = row->error_field;
    if (im->bai2) {
        /* A BAI2 record's fields are not the row's columns: name the field. */
        snprintf(r->message, sizeof r->message, "%s (field %zu of the record)",
                 rc_csv_row_errmsg(row->error), i + 1);
        return;
    }
    for (int f = 0; f < RC_F_COUNT; f++)
        if (im->bind.index[f] == (long)i)
            r->field = (rc_field)f;
    if (i < im->nheader)
        r->column = im->header[i];
    snprintf(r->message, sizeof r->message, "%s (column %zu)", rc_csv_row_errmsg(row->error),
             i + 1);
}

/* ---- totals rows ---------------------------------------------------------------------- */

/* The running sums of one currency (a new, zeroed entry if need be). */
static totals_acc *acc_for(importer *im, const char *currency) {
    for (size_t i = 0; i < im->nacc; i++)
        if (!strcmp(im->acc[i].currency, currency))
            return &im->acc[i];
    if (im->nacc == sizeof im->acc / sizeof im->acc[0])
        return NULL;
    memset(&im->acc[im->nacc], 0, sizeof im->acc[0]);
    memcpy(im->acc[im->nacc].currency, currency, 4);
    return &im->acc[im->nacc++];
}

/* Adds v to sum k. A sum that leaves int64_t is marked, not wrapped: a
 * wrapped sum could agree with a wrong totals row. */
static void acc_add(totals_acc *a, int k, int64_t v) {
    if (__builtin_add_overflow(a->v[k], v, &a->v[k]))
        a->overflow[k] = 1;
}

/* Adds |v| to sum k (|INT64_MIN| does not fit: marked like an overflow). */
static void acc_add_magnitude(totals_acc *a, int k, int64_t v) {
    if (v == INT64_MIN)
        a->overflow[k] = 1;
    else
        acc_add(a, k, v < 0 ? -v : v);
}

/* Adds a mapped row to the sums its totals row will be checked against. */
static void accumulate(importer *im, const canon *c) {
    if (!im->p->totals_when)
        return;
    totals_acc *a = acc_for(im, c->currency);
    if (!a)
        return; /* more currencies than we track: check_totals says so */
    acc_add(a, RC_TOT_AMOUNT, c->amount);
    acc_add_magnitude(a, c->amount >= 0 ? RC_TOT_CREDITS : RC_TOT_DEBITS, c->amount);
    acc_add_magnitude(a, c->fee >= 0 ? RC_TOT_FEE_DEBITS : RC_TOT_FEE_CREDITS, c->fee);
}

static int is_totals_row(const importer *im, const rc_csv_row *row) {
    const rc_row_test *t = im->p->totals_when;
    if (!t || row->error != RC_CSV_ROW_OK)
        return 0;
    rc_cells cl = cells_of(im, row);
    size_t n;
    const char *v = rc_cells_get(&cl, t->slot, &n);
    return rc_row_test_match(t, v, n);
}

/* Checks a totals row against the rows since the last one of its currency,
 * then starts that currency's sums afresh. A disagreement is a failure,
 * never silence: the file contradicts itself, or we read it wrong. */
static int check_totals(importer *im, const rc_csv_row *row) {
    static const char *const what[RC_TOT_COUNT] = {"", "amount", "credits", "debits",
                                                   "fee credits", "fee debits"};
    const recon_profile *p = im->p;
    rc_cells cl = cells_of(im, row);
    reject r = {RC_F_COUNT, NULL, "totals_mismatch", "", NULL};
    char currency[4] = "";
    size_t n;
    const char *cur = rc_cells_get(&cl, p->totals_slot[RC_TOT_CURRENCY], &n);
    span v = {cur, n};
    /* A currency cell is read like the rows' (a code that is not one is
     * refused, not replaced by a guess); an empty one falls back. */
    if (n)
        normalize_currency(v, currency);
    else if (p->currency[0])
        memcpy(currency, p->currency, 4);
    else if (im->nacc == 1)
        memcpy(currency, im->acc[0].currency, 4);
    int exponent = currency[0] ? rc_currency_exponent(currency, 3) : -1;
    totals_acc *acc = exponent >= 0 ? acc_for(im, currency) : NULL;
    if (!acc) {
        snprintf(r.message, sizeof r.message, "totals row: cannot tell its currency ('%.*s'), "
                 "or too many currencies to check", (int)(n > 8 ? 8 : n), cur);
    } else {
        size_t used = 0;
        for (int k = RC_TOT_AMOUNT; k < RC_TOT_COUNT; k++) {
            const char *t = rc_cells_get(&cl, p->totals_slot[k], &n);
            int64_t want;
            char a[32], b[32];
            if (p->totals_slot[k] < 0)
                continue;
            if (rc_money_parse(t, n, exponent, &p->money, &want) != RC_MONEY_OK) {
                used += (size_t)snprintf(r.message + used, sizeof r.message - used,
                                         "%s'%.*s' is not an amount (%s)", used ? "; " : "",
                                         (int)(n > 30 ? 30 : n), t, what[k]);
            } else if (acc->overflow[k]) {
                rc_money_format(want, exponent, a, sizeof a);
                used += (size_t)snprintf(r.message + used, sizeof r.message - used,
                                         "%s%s %s %s in the totals row, but the rows' %s "
                                         "overflow 64-bit minor units",
                                         used ? "; " : "", what[k], a, currency, what[k]);
            } else if (want != acc->v[k]) {
                rc_money_format(want, exponent, a, sizeof a);
                rc_money_format(acc->v[k], exponent, b, sizeof b);
                used += (size_t)snprintf(r.message + used, sizeof r.message - used,
                                         "%s%s %s %s in the totals row, %s in the rows",
                                         used ? "; " : "", what[k], a, currency, b);
            }
            if (used >= sizeof r.message)
                break;
        }
        memset(acc->v, 0, sizeof acc->v);
        memset(acc->overflow, 0, sizeof acc->overflow);
    }
    if (!r.message[0]) {
        im->res->checks_passed++;
        return RECON_OK;
    }
    im->res->checks_failed++;
    int rc = store_failure(im, row, &r);
    im->res->rows_rejected--; /* a totals row is not a data row */
    return rc;
}

/* ---- records (typed-record files like PayPal STL) ------------------------------------ */

static int is_one_of(char *const *list, size_t n, const char *s, size_t len) {
    span v = {s, len};
    return len && in_list(list, n, v);
}

static int bind_header(importer *im, const rc_csv_row *row);

/* A record's type decides what it is. Sets *done when the record needs no
 * further handling as a data row. */
static int route_record(importer *im, const rc_csv_row *row, int *done) {
    const recon_profile *p = im->p;
    long i = (long)p->slots.slot[p->record_slot].position - 1;
    span type = {NULL, 0};
    *done = 1;
    if (row->error == RC_CSV_ROW_OK && i >= 0 && (size_t)i < row->nfields)
        type = trim(row->fields[i], row->lens[i]);
    if (type.s && is_one_of(p->rec_header, p->nrec_header, type.s, type.len)) {
        im->nacc = 0; /* a new section */
        return bind_header(im, row);
    }
    if (type.s && is_one_of(p->rec_ignore, p->nrec_ignore, type.s, type.len))
        return RECON_OK;
    if (im->bound && is_totals_row(im, row))
        return check_totals(im, row);
    if (type.s && is_one_of(p->rec_data, p->nrec_data, type.s, type.len) && im->bound) {
        *done = 0;
        return RECON_OK;
    }
    reject r = {RC_F_COUNT, NULL, row->error ? rc_csv_row_errcode(row->error) : "record_unknown",
                "", NULL};
    im->res->rows_read++;
    if (row->error)
        snprintf(r.message, sizeof r.message, "%s", rc_csv_row_errmsg(row->error));
    else if (type.s && is_one_of(p->rec_data, p->nrec_data, type.s, type.len))
        snprintf(r.message, sizeof r.message, "a data record before any header record");
    else
        snprintf(r.message, sizeof r.message, "record type '%.*s' is not one this profile knows",
                 show_len(type), type.s ? type.s : "");
    return store_failure(im, row, &r);
}

/* ---- one data row ----------------------------------------------------------------------- */

/* [rows] fill_down: an empty cell of such a column takes the last value the
 * column had (Amazon writes the currency once, in its summary row). */
static int fill_down(importer *im, const rc_csv_row *row, rc_csv_row *out) {
    const recon_profile *p = im->p;
    *out = *row;
    if (!p->nfill)
        return RECON_OK;
    if (im->cells_cap < row->nfields) {
        size_t cap = row->nfields;
        const char **c = realloc(im->cells, cap * sizeof *c);
        if (c)
            im->cells = c;
        size_t *l = realloc(im->cell_lens, cap * sizeof *l);
        if (l)
            im->cell_lens = l;
        if (!c || !l)
            return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
        im->cells_cap = cap;
    }
    memcpy(im->cells, row->fields, row->nfields * sizeof *im->cells);
    memcpy(im->cell_lens, row->lens, row->nfields * sizeof *im->cell_lens);
    for (size_t k = 0; k < p->nfill; k++) {
        long i = im->bind.slot_index[p->fill_down[k]];
        if (i < 0 || (size_t)i >= row->nfields)
            continue;
        span v = trim(row->fields[i], row->lens[i]);
        rc_strbuf *last = &im->fill[k];
        if (v.s) {
            last->len = 0;
            if (last->cap < v.len + 1) {
                char *grown = realloc(last->s, v.len + 1);
                if (!grown)
                    return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
                last->s = grown;
                last->cap = v.len + 1;
            }
            memcpy(last->s, v.s, v.len);
            last->s[v.len] = '\0';
            last->len = v.len;
        } else if (last->len) {
            im->cells[i] = last->s;
            im->cell_lens[i] = last->len;
        }
    }
    out->fields = im->cells;
    out->lens = im->cell_lens;
    return RECON_OK;
}

/* [rows] keep_if / skip_if: rows the layout carries but that moved no money
 * (PayPal memo lines, declined or voided attempts). */
static int filtered_out(const importer *im, const rc_csv_row *row) {
    const recon_profile *p = im->p;
    rc_cells cl = cells_of(im, row);
    size_t n;
    for (size_t k = 0; k < p->nkeep; k++) {
        const char *v = rc_cells_get(&cl, p->keep[k].slot, &n);
        if (!rc_row_test_match(&p->keep[k], v, n))
            return 1;
    }
    for (size_t k = 0; k < p->nskip; k++) {
        const char *v = rc_cells_get(&cl, p->skip[k].slot, &n);
        if (rc_row_test_match(&p->skip[k], v, n))
            return 1;
    }
    return 0;
}

static int process_row(importer *im, const rc_csv_row *in) {
    reject r = {RC_F_COUNT, NULL, NULL, "", NULL};
    if (im->p->record_slot >= 0) {
        int done, rc = route_record(im, in, &done);
        if (done || rc != RECON_OK)
            return rc;
    } else if (is_totals_row(im, in)) {
        return check_totals(im, in);
    }
    im->res->rows_read++;
    if (in->error != RC_CSV_ROW_OK) {
        r.reason = rc_csv_row_errcode(in->error);
        if (in->error == RC_CSV_ROW_UTF8 || in->error == RC_CSV_ROW_FIELD_LARGE)
            reject_cell(im, in, &r);
        else
            snprintf(r.message, sizeof r.message, "%s", rc_csv_row_errmsg(in->error));
        return store_failure(im, in, &r);
    }
    if (in->nfields != im->bind.ncolumns) {
        r.reason = "ragged_row";
        snprintf(r.message, sizeof r.message, "row has %zu fields, expected %zu", in->nfields,
                 im->bind.ncolumns);
        return store_failure(im, in, &r);
    }
    rc_csv_row row;
    int rc = fill_down(im, in, &row);
    if (rc != RECON_OK)
        return rc;
    if (filtered_out(im, &row)) {
        im->res->rows_skipped++;
        return RECON_OK;
    }
    canon c;
    if (map_row(im, &row, &c, &r) != 0) {
        /* Out of memory is no fault of the row: rejecting it would lose it
         * for good (the file counts as imported), so the import fails. */
        if (im->oom)
            return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
        r.c = &c;
        return store_failure(im, &row, &r);
    }
    accumulate(im, &c);
    return store_row(im, &row, &c);
}

/* ---- the file ---------------------------------------------------------------- */

static void on_bytes(const void *buf, size_t len, void *payload) {
    EVP_DigestUpdate(payload, buf, len);
}

static int prepare_all(importer *im) {
    recon_db *db = im->db;
    int rc = rc_exec(db, "CREATE TEMP TABLE IF NOT EXISTS rc_consumed ("
                         "  external_id TEXT PRIMARY KEY) WITHOUT ROWID;"
                         "DELETE FROM temp.rc_consumed;");
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO transactions(source_id, import_id, line, external_id,"
                        " id_generated, kind, kind_raw, group_id, reference, amount_minor,"
                        " fee_minor, net_minor, currency, occurred_at, settled_at, description,"
                        " counterparty, provider_status, provider_code, content_hash, raw)"
                        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
                        "?18,?19,?20,?21) ON CONFLICT (source_id, external_id) DO NOTHING",
                        &im->ins_tx);
    if (!rc)
        rc = rc_prepare(db,
                        "SELECT import_id, line, content_hash FROM transactions"
                        " WHERE source_id = ?1 AND external_id = ?2",
                        &im->sel_tx);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO failures(origin, import_id, source_id, line, field,"
                        " column_name, provider, provider_code, message, raw, first_seen,"
                        " last_seen, unified_code, category, context)"
                        " VALUES ('import', ?1, ?2, ?3, ?4, ?5, 'librecon', ?6, ?7, ?8, ?9, ?9,"
                        " ?10, ?11, ?12)",
                        &im->ins_fail);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO failures(origin, import_id, source_id, transaction_id, line,"
                        " provider, provider_code, unified_code, category, message, first_seen,"
                        " last_seen) SELECT 'report', ?1, ?2, ?3, line, ?4, ?5, ?6, ?7, ?8, ?9, ?9"
                        " FROM transactions WHERE id = ?3",
                        &im->ins_report);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO temp.rc_consumed(external_id) VALUES (?1)"
                        " ON CONFLICT DO NOTHING",
                        &im->ins_consumed);
    return rc;
}

static void finalize_all(importer *im) {
    sqlite3_finalize(im->ins_tx);
    sqlite3_finalize(im->sel_tx);
    sqlite3_finalize(im->ins_fail);
    sqlite3_finalize(im->ins_consumed);
    sqlite3_finalize(im->ins_report);
    im->ins_tx = im->sel_tx = im->ins_fail = im->ins_consumed = im->ins_report = NULL;
}

/* Hashes the whole file (only done when an earlier import of the source had
 * the same size, so the common path reads the file once). */
static int file_sha256(importer *im, int fd, char out[65]) {
    unsigned char buf[1 << 16], digest[HASH_LEN];
    EVP_MD_CTX *md = im->file_md;
    if (!EVP_DigestInit_ex(md, im->sha256, NULL))
        return rc_fail(im->db, RECON_ERROR, "sha256 unavailable");
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return rc_fail(im->db, RECON_EIO, "%s: read error: %s", im->file_name,
                           strerror(errno));
        if (n == 0)
            break;
        EVP_DigestUpdate(md, buf, (size_t)n);
    }
    EVP_DigestFinal_ex(md, digest, NULL);
    hex(digest, HASH_LEN, out);
    if (lseek(fd, 0, SEEK_SET) != 0)
        return rc_fail(im->db, RECON_EIO, "%s: cannot rewind: %s", im->file_name,
                       strerror(errno));
    return RECON_OK;
}

/* Sets *out_id to the earlier import of this exact file, or 0. */
static int find_same_file(importer *im, int fd, int64_t *out_id) {
    sqlite3_stmt *st;
    *out_id = 0;
    int rc = rc_prepare(im->db,
                        "SELECT id, sha256 FROM imports WHERE source_id = ?1 AND file_size = ?2"
                        " AND sha256 IS NOT NULL",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, im->source_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)im->file_size);
    int hashed = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!hashed) {
            if ((rc = file_sha256(im, fd, im->res->sha256)) != RECON_OK)
                break;
            hashed = 1;
        }
        if (strcmp((const char *)sqlite3_column_text(st, 1), im->res->sha256) == 0) {
            *out_id = sqlite3_column_int64(st, 0);
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return RECON_OK;
    return rc < 0 ? rc : rc_fail_sql(im->db, "looking up earlier imports");
}

static int insert_import(importer *im) {
    sqlite3_stmt *st;
    int rc = rc_prepare(im->db,
                        "INSERT INTO imports(source_id, file_name, file_size, profile, started_at,"
                        " status) VALUES (?1, ?2, ?3, ?4, ?5, 'running')",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, im->source_id);
    sqlite3_bind_text(st, 2, im->file_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)im->file_size);
    sqlite3_bind_text(st, 4, im->p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, im->now, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return rc_fail_sql(im->db, "recording the import");
    im->import_id = sqlite3_last_insert_rowid(im->db->sql);
    return RECON_OK;
}

static int finish_import(importer *im) {
    sqlite3_stmt *st;
    const recon_import_result *r = im->res;
    char now[21];
    rc_now_utc(now);
    int rc = rc_prepare(im->db,
                        "UPDATE imports SET sha256 = ?2, finished_at = ?3, rows_read = ?4,"
                        " rows_inserted = ?5, rows_duplicate = ?6, rows_rejected = ?7,"
                        " status = ?8 WHERE id = ?1",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, im->import_id);
    sqlite3_bind_text(st, 2, r->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)r->rows_read);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)r->rows_inserted);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)r->rows_duplicate);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)r->rows_rejected);
    sqlite3_bind_text(st, 8, r->rows_rejected ? "partial" : "ok", -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return rc_fail_sql(im->db, "finishing the import record");
    return RECON_OK;
}

static int copy_header(importer *im, const rc_csv_row *row) {
    im->header = calloc(row->nfields ? row->nfields : 1, sizeof *im->header);
    if (!im->header)
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    im->nheader = row->nfields;
    for (size_t i = 0; i < row->nfields; i++)
        if (!(im->header[i] = strdup(row->fields[i])))
            return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    return RECON_OK;
}

static int read_fail(importer *im, int rc, rc_csv *r) {
    if (rc == RC_CSV_EUTF16)
        return rc_fail(im->db, RECON_EFORMAT,
                       "%s: UTF-16 text (byte order mark %s): not UTF-8; save the file as UTF-8",
                       im->file_name, rc_csv_bom(r));
    if (rc == RC_CSV_EBINARY)
        return rc_fail(im->db, RECON_EFORMAT, "%s: binary data (NUL bytes): not a CSV text file",
                       im->file_name);
    if (rc == RC_CSV_ENOMEM)
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    return rc_fail(im->db, RECON_EIO, "%s: read error: %s", im->file_name,
                   strerror(rc_csv_errno(r)));
}

/* Binds a header row (the first record, or a header record) to the
 * profile. A header that does not fit refuses the whole file. */
static int bind_header(importer *im, const rc_csv_row *row) {
    char msg[768];
    if (row->error != RC_CSV_ROW_OK)
        return rc_fail(im->db, RECON_EFORMAT, "%s:%llu: header row: %s", im->file_name,
                       (unsigned long long)row->line, rc_csv_row_errmsg(row->error));
    for (size_t i = 0; im->header && i < im->nheader; i++)
        free(im->header[i]);
    free(im->header);
    im->header = NULL;
    im->nheader = 0;
    int rc = copy_header(im, row);
    if (rc != RECON_OK)
        return rc;
    if (rc_profile_bind(im->p, (const char *const *)im->header, row->lens, row->nfields,
                        &im->bind, msg, sizeof msg) != RECON_OK)
        return rc_fail(im->db, RECON_EHEADER,
                       "%s:%llu: header does not fit profile %s: %s",
                       im->file_name, (unsigned long long)row->line, im->p->name, msg);
    im->bound = 1;
    return RECON_OK;
}

/* Reads the header row and binds it to the profile, before anything is
 * written. Files of typed records bind at their header record instead. */
static int read_header(importer *im, rc_csv *r) {
    char msg[768];
    if (!im->p->header) {
        im->bound = 1;
        return rc_profile_bind(im->p, NULL, NULL, 0, &im->bind, msg, sizeof msg);
    }
    if (im->p->record_slot >= 0)
        return RECON_OK;
    rc_csv_row row;
    int rc = rc_csv_next(r, &row);
    if (rc == RC_CSV_EOF)
        return rc_fail(im->db, RECON_EFORMAT, "%s: empty file: no header row", im->file_name);
    if (rc < 0)
        return read_fail(im, rc, r);
    return bind_header(im, &row);
}

static void report_progress(const importer *im, const rc_csv *r) {
    if (!im->opts || !im->opts->progress)
        return;
    recon_progress pr = {rc_csv_bytes(r), im->file_size, im->res->rows_read};
    im->opts->progress(&pr, im->opts->payload);
}

/* Reports progress once per PROGRESS_EVERY rows read. Records that are not
 * rows (headers, trailers, totals rows) leave rows_read as it is: they
 * must not report again, least of all all those before the first row. */
static void progress_tick(importer *im, const rc_csv *r) {
    uint64_t n = im->res->rows_read;
    if (n == 0 || n % PROGRESS_EVERY != 0 || n == im->progress_at)
        return;
    im->progress_at = n;
    report_progress(im, r);
}

/* A BAI2 trailer's verdict: counted, and a failure when it disagrees. */
static int bai2_check(importer *im, const rc_csv_row *row) {
    if (row->error == RC_BAI2_CHECK_OK) {
        im->res->checks_passed++;
        return RECON_OK;
    }
    reject r = {RC_F_COUNT, NULL, "totals_mismatch", "", NULL};
    snprintf(r.message, sizeof r.message, "%s", rc_bai2_message(im->bai2));
    im->res->checks_failed++;
    int rc = store_failure(im, row, &r);
    im->res->rows_rejected--; /* a trailer is not a data row */
    return rc;
}

/* A record BAI2 does not allow where it stands, or with a count field
 * that is not one: a rejected row, named. */
static int bai2_structure(importer *im, const rc_csv_row *row) {
    reject r = {RC_F_COUNT, NULL, rc_bai2_reason(im->bai2), "", NULL};
    snprintf(r.message, sizeof r.message, "%s", rc_bai2_message(im->bai2));
    im->res->rows_read++;
    return store_failure(im, row, &r);
}

static int next_row(importer *im, rc_csv *r, rc_csv_row *row) {
    return im->bai2 ? rc_bai2_next(im->bai2, row) : rc_csv_next(r, row);
}

static int read_rows(importer *im, rc_csv *r) {
    rc_csv_row row;
    int rc;
    while ((rc = next_row(im, r, &row)) == RC_CSV_HAVE_ROW) {
        if (row.error == RC_BAI2_CHECK_OK || row.error == RC_BAI2_CHECK_FAILED)
            rc = bai2_check(im, &row);
        else if (im->bai2 && row.error == RC_CSV_ROW_SYNTAX && rc_bai2_message(im->bai2)[0])
            rc = bai2_structure(im, &row);
        else
            rc = process_row(im, &row);
        if (rc != RECON_OK)
            return rc;
        progress_tick(im, r);
    }
    if (rc != RC_CSV_EOF)
        return read_fail(im, rc, r);
    /* A header-less file with no rows is nothing to import; but a BAI2
     * file with its trailers is a statement of a day without transactions
     * (a bank sends one on quiet days): an import of 0 rows (with the
     * trailers' disagreements as failures, if any), not an error a nightly
     * job would have to tell from a broken file. */
    if (!im->p->header && im->res->rows_read == 0 &&
        !(im->bai2 && im->res->checks_passed + im->res->checks_failed > 0))
        return rc_fail(im->db, RECON_EFORMAT, "%s: empty file: no rows", im->file_name);
    report_progress(im, r);
    return RECON_OK;
}

/* The rows and the digest describe the bytes read; the import record
 * describes the file. They are the same file only if it did not change
 * while it was read: appended to (more bytes than it had), truncated (a row
 * cut short may even parse, with a wrong amount) or rewritten. Such an
 * import is refused whole, like any unreadable file. */
static int check_unchanged(importer *im, int fd, uint64_t bytes_read) {
    struct stat now;
    if (fstat(fd, &now) != 0)
        return rc_fail(im->db, RECON_EIO, "%s: cannot stat: %s", im->file_name, strerror(errno));
    if (bytes_read == im->file_size && (uint64_t)now.st_size == im->file_size &&
        now.st_mtim.tv_sec == im->opened.st_mtim.tv_sec &&
        now.st_mtim.tv_nsec == im->opened.st_mtim.tv_nsec)
        return RECON_OK;
    return rc_fail(im->db, RECON_EIO,
                   "%s: the file changed while it was being read (%llu bytes when opened, %llu "
                   "read, %llu now): nothing imported; import it again once it is complete",
                   im->file_name, (unsigned long long)im->file_size,
                   (unsigned long long)bytes_read, (unsigned long long)now.st_size);
}

/* Everything between BEGIN and COMMIT. */
static int import_locked(importer *im, int fd, const char *source) {
    int rc = rc_source_get_or_create(im->db, source, im->p->source_type, &im->source_id);
    int64_t earlier = 0;
    if (!rc)
        rc = find_same_file(im, fd, &earlier);
    if (rc || earlier) {
        im->res->import_id = earlier;
        im->res->already_imported = earlier != 0;
        return rc;
    }
    /* BAI2 has no quoting: a '"' in a 16's text must not swallow the file. */
    rc_csv_opts co = {.delim = im->p->delim,
                      .skip_lines = im->p->skip_lines,
                      .on_bytes = on_bytes,
                      .payload = im->file_md,
                      .no_quotes = im->p->format == RC_FORMAT_BAI2};
    rc_csv *r = NULL;
    if (!EVP_DigestInit_ex(im->file_md, im->sha256, NULL))
        return rc_fail(im->db, RECON_ERROR, "sha256 unavailable");
    if (rc_csv_open_fd(fd, &co, &r) != 0 ||
        (im->p->format == RC_FORMAT_BAI2 && rc_bai2_open(r, &im->bai2) != 0)) {
        rc_csv_close(r);
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    }
    rc = read_header(im, r);
    if (!rc)
        rc = insert_import(im);
    if (!rc)
        rc = prepare_all(im);
    if (!rc)
        rc = read_rows(im, r);
    if (!rc)
        rc = check_unchanged(im, fd, rc_csv_bytes(r));
    rc_bai2_close(im->bai2);
    im->bai2 = NULL;
    rc_csv_close(r);
    if (rc)
        return rc;
    unsigned char digest[HASH_LEN];
    EVP_DigestFinal_ex(im->file_md, digest, NULL);
    hex(digest, HASH_LEN, im->res->sha256);
    im->res->import_id = im->import_id;
    finalize_all(im);
    return finish_import(im);
}

static int open_file(importer *im, const char *path, int *out_fd) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rc_fail(im->db, RECON_EIO, "%s: cannot open: %s", im->file_name, strerror(errno));
    struct stat stbuf;
    if (fstat(fd, &stbuf) != 0 || !S_ISREG(stbuf.st_mode)) {
        close(fd);
        return rc_fail(im->db, RECON_EIO, "%s: not a regular file", im->file_name);
    }
    if (stbuf.st_size == 0) {
        close(fd);
        return rc_fail(im->db, RECON_EFORMAT, "%s: empty file", im->file_name);
    }
    im->file_size = (uint64_t)stbuf.st_size;
    im->opened = stbuf;
    *out_fd = fd;
    return RECON_OK;
}

static void importer_free(importer *im) {
    finalize_all(im);
    EVP_MD_CTX_free(im->file_md);
    EVP_MD_CTX_free(im->row_md);
    EVP_MD_free(im->sha256);
    for (size_t i = 0; im->header && i < im->nheader; i++)
        free(im->header[i]);
    free(im->header);
    free(im->esc);
    for (int f = 0; im->fbuf && f < RC_F_COUNT; f++)
        rc_strbuf_free(&im->fbuf[f]);
    free(im->fbuf);
    if (im->tmp)
        rc_strbuf_free(im->tmp);
    free(im->tmp);
    for (size_t k = 0; k < sizeof im->fill / sizeof im->fill[0]; k++)
        rc_strbuf_free(&im->fill[k]);
    free(im->cells);
    free(im->cell_lens);
}

int recon_import_file(recon_db *db, const char *path, const recon_profile *profile,
                      const recon_import_opts *opts, recon_import_result *out) {
    if (!db || !path || !profile || !out ||
        (opts && opts->version != RECON_IMPORT_OPTS_VERSION))
        return rc_fail(db, RECON_EMISUSE, "recon_import_file: invalid argument");
    memset(out, 0, sizeof *out);
    importer im = {0};
    im.db = db;
    im.p = profile;
    im.res = out;
    im.opts = opts;
    im.file_name = opts && opts->file_name ? opts->file_name : path;
    const char *source = opts && opts->source ? opts->source : profile->name;
    rc_now_utc(im.now);
    im.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    im.file_md = EVP_MD_CTX_new();
    im.row_md = EVP_MD_CTX_new();
    im.fbuf = calloc(RC_F_COUNT, sizeof *im.fbuf);
    im.tmp = calloc(1, sizeof *im.tmp);
    if (!im.sha256 || !im.file_md || !im.row_md || !im.fbuf || !im.tmp) {
        importer_free(&im);
        return rc_fail(db, RECON_ENOMEM, "%s: out of memory", im.file_name);
    }
    int fd = -1;
    int rc = open_file(&im, path, &fd);
    if (!rc && (rc = rc_begin(db)) != RECON_OK) {
        /* Say which file waited: the CLI imports several in a row. */
        char msg[sizeof db->errmsg];
        memcpy(msg, db->errmsg, sizeof msg);
        snprintf(db->errmsg, sizeof db->errmsg, "%.256s: %.700s", im.file_name, msg);
    }
    if (!rc) {
        rc = import_locked(&im, fd, source);
        finalize_all(&im);
        if (rc == RECON_OK && !out->already_imported)
            rc = rc_commit(db);
        else
            rc_rollback(db);
    }
    if (fd >= 0)
        close(fd);
    importer_free(&im);
    if (rc != RECON_OK) {
        memset(out, 0, sizeof *out);
    }
    return rc;
}
