/* profile: reads a CSV layout description (an INI file, see
 * docs/PROFILES.md) with inih, validates it as a whole, and binds a file's
 * header row to it. A profile says how a layout maps to the canonical
 * record; it knows nothing about SQLite or about how rows are read. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile/profile.h"
#include "util/builtin.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/ini.h"
#include "util/utf8.h"

static const char *const FIELD_NAMES[RC_F_COUNT] = {
    "external_id", "kind",         "occurred_at",     "settled_at",    "amount",
    "fee",         "net",          "currency",        "group_id",      "reference",
    "description", "counterparty", "provider_status", "provider_code", "debit",
    "credit",      "direction",    "fee_direction",   "timezone"};

const char *rc_field_name(rc_field f) {
    return (unsigned)f < RC_F_COUNT ? FIELD_NAMES[f] : "?";
}

static int lookup(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

/* ---- small string helpers ------------------------------------------------ */

static char *dup_range(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void lower_in_place(char *s) {
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static int parse_bool(const char *v, int *out) {
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int parse_size(const char *v, size_t max, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (!isdigit((unsigned char)*v) || *end || errno || n > max) return -1;
    *out = (size_t)n;
    return 0;
}

struct strlist {
    char ***items;
    size_t *n;
    int lower;
};

static int push_item(const char *s, size_t len, void *ctx) {
    struct strlist *l = ctx;
    char **grown = realloc(*l->items, (*l->n + 1) * sizeof *grown);
    if (!grown) return -1;
    *l->items = grown;
    if (!(grown[*l->n] = dup_range(s, len))) return -1;
    if (l->lower) lower_in_place(grown[*l->n]);
    (*l->n)++;
    return 0;
}

static void free_list(char **items, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static void free_tests(rc_row_test *t, size_t n) {
    for (size_t i = 0; i < n; i++)
        free_list(t[i].values, t[i].nvalues);
    free(t);
}

/* ---- the INI handler ------------------------------------------------------ */

struct parse_ctx {
    recon_profile *p;
    char err[384]; /* first error, without location */
    char occurred_fmt[64], settled_fmt[64];
    int have_source_type;
};

static int bad(struct parse_ctx *c, const char *section, const char *name, const char *fmt, ...)
    RC_PRINTF(4, 5);

/* Records the first error of the parse; returns 0, which tells inih that
 * this line is an error (it then reports the line number). */
static int bad(struct parse_ctx *c, const char *section, const char *name, const char *fmt, ...) {
    if (!c->err[0]) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(c->err, sizeof c->err, "[%s] %s: %s", section, name, what);
    }
    return 0;
}

static int delim_from_name(const char *v, char *out) {
    static const struct {
        const char *name;
        char c;
    } names[] = {{"comma", ','}, {"semicolon", ';'}, {"tab", '\t'}, {"pipe", '|'}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(v, names[i].name)) {
            *out = names[i].c;
            return 0;
        }
    if ((v[0] == ',' || v[0] == '|') && !v[1]) {
        *out = v[0];
        return 0;
    }
    return -1;
}

static int push_test(struct parse_ctx *c, const char *section, const char *name, const char *v,
                     rc_row_test **list, size_t *n);

/* Replaces *slot with a copy of v. The old value is freed only once the
 * copy exists, and the slot never dangles: recon_profile_free frees it
 * again whatever happened to this key. */
static int replace_string(char **slot, const char *v) {
    char *copy = strdup(v);
    if (!copy) return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

/* A key whose value must not be empty, copied into *slot. */
static int set_text_key(struct parse_ctx *c, const char *name, const char *v, char **slot) {
    if (!*v) return bad(c, "profile", name, "must not be empty");
    if (replace_string(slot, v)) return bad(c, "profile", name, "out of memory");
    return 1;
}

static int on_profile(struct parse_ctx *c, const char *name, const char *v) {
    recon_profile *p = c->p;
    if (!strcmp(name, "name")) {
        return set_text_key(c, name, v, &p->name);
    } else if (!strcmp(name, "description")) {
        if (replace_string(&p->description, v)) return bad(c, "profile", name, "out of memory");
    } else if (!strcmp(name, "provider")) {
        if (!set_text_key(c, name, v, &p->provider)) return 0;
        lower_in_place(p->provider);
    } else if (!strcmp(name, "failed_status")) {
        struct strlist l = {&p->failed_values, &p->nfailed, 1};
        if (rc_each_item(v, push_item, &l) != 0 || p->nfailed == 0)
            return bad(c, "profile", name, "needs at least one status value");
    } else if (!strcmp(name, "detect")) {
        struct strlist l = {&p->detect, &p->ndetect, 0};
        if (rc_each_item(v, push_item, &l) != 0 || p->ndetect == 0)
            return bad(c, "profile", name, "needs at least one header name");
    } else if (!strcmp(name, "detect_first")) {
        return set_text_key(c, name, v, &p->detect_first);
    } else if (!strcmp(name, "detect_line") || !strcmp(name, "detect_text")) {
        /* Repeated keys add alternatives; a value is taken whole (BAI2's
         * "01," holds a comma). */
        if (!*v) return bad(c, "profile", name, "must not be empty");
        struct strlist l = name[7] == 'l' ? (struct strlist){&p->detect_line, &p->ndetect_line, 0}
                                          : (struct strlist){&p->detect_text, &p->ndetect_text, 0};
        if (push_item(v, strlen(v), &l) != 0) return bad(c, "profile", name, "out of memory");
    } else if (!strcmp(name, "detect_row")) {
        return push_test(c, "profile", name, v, &p->detect_row, &p->ndetect_row);
    } else if (!strcmp(name, "format")) {
        if (!strcmp(v, "csv"))
            p->format = RC_FORMAT_CSV;
        else if (!strcmp(v, "bai2"))
            p->format = RC_FORMAT_BAI2;
        else if (!strcmp(v, "mt940"))
            p->format = RC_FORMAT_MT940;
        else if (!strcmp(v, "camt"))
            p->format = RC_FORMAT_CAMT;
        else if (!strcmp(v, "ofx"))
            p->format = RC_FORMAT_OFX;
        else
            return bad(c, "profile", name, "'%s' is not csv, bai2, mt940, camt or ofx", v);
    } else if (!strcmp(name, "source_type")) {
        if (!strcmp(v, "psp"))
            p->source_type = RECON_SOURCE_PSP;
        else if (!strcmp(v, "bank"))
            p->source_type = RECON_SOURCE_BANK;
        else if (!strcmp(v, "ledger"))
            p->source_type = RECON_SOURCE_LEDGER;
        else
            return bad(c, "profile", name, "'%s' is not psp, bank or ledger", v);
        c->have_source_type = 1;
    } else if (!strcmp(name, "delimiter")) {
        if (delim_from_name(v, &p->delim))
            return bad(c, "profile", name, "'%s' is not comma, semicolon, tab or pipe", v);
    } else if (!strcmp(name, "header")) {
        if (parse_bool(v, &p->header)) return bad(c, "profile", name, "'%s' is not yes or no", v);
    } else if (!strcmp(name, "skip_lines")) {
        if (parse_size(v, 1000, &p->skip_lines))
            return bad(c, "profile", name, "'%s' is not a number from 0 to 1000", v);
    } else if (!strcmp(name, "columns")) {
        if (parse_size(v, 10000, &p->ncolumns) || p->ncolumns == 0)
            return bad(c, "profile", name, "'%s' is not a number from 1 to 10000", v);
    } else if (!strcmp(name, "encoding")) {
        p->encoding = strcasecmp(v, "auto") ? rc_enc_name(v) : NULL;
        if (strcasecmp(v, "auto") && !p->encoding)
            return bad(c, "profile", name,
                       "'%s' is not auto, utf-8, utf-16, windows-1252, iso-8859-1 or iso-8859-15",
                       v);
    } else {
        return bad(c, "profile", name, "unknown key");
    }
    return 1;
}

static int on_columns(struct parse_ctx *c, const char *name, const char *v) {
    char key[64];
    size_t n = strlen(name);
    int optional = n > 0 && name[n - 1] == '?';
    if (optional) n--;
    if (n >= sizeof key) return bad(c, "columns", name, "unknown field");
    memcpy(key, name, n);
    key[n] = '\0';
    int f = lookup(FIELD_NAMES, RC_F_COUNT, key);
    if (f < 0) return bad(c, "columns", name, "unknown field (see docs/PROFILES.md)");
    rc_column *col = &c->p->cols[f];
    if (col->expr || (col->configured && rc_expr_is_call(v)))
        return bad(c, "columns", name, "a call must be the field's only value");
    col->configured = 1;
    col->optional = optional;
    if (rc_expr_is_call(v)) {
        char why[160];
        if (rc_expr_parse(v, &c->p->slots, optional, &col->expr, why, sizeof why) != 0)
            return bad(c, "columns", name, "%s", why);
        return 1;
    }
    if (v[0] == '#') {
        if (parse_size(v + 1, 10000, &col->position) || col->position == 0)
            return bad(c, "columns", name, "'%s' is not a column position #1, #2, ...", v);
        return 1;
    }
    /* Repeated keys (or inih continuation lines) add aliases. */
    struct strlist l = {&col->aliases, &col->naliases, 0};
    if (rc_each_item(v, push_item, &l) != 0 || col->naliases == 0)
        return bad(c, "columns", name, "needs at least one column name");
    return 1;
}

static int on_amounts(struct parse_ctx *c, const char *name, const char *v) {
    recon_profile *p = c->p;
    if (!strcmp(name, "units")) {
        if (!strcmp(v, "major"))
            p->money.minor = RC_MONEY_MAJOR;
        else if (!strcmp(v, "minor"))
            p->money.minor = RC_MONEY_MINOR;
        else if (!strcmp(v, "hundredths"))
            p->money.minor = RC_MONEY_HUNDREDTHS;
        else
            return bad(c, "amounts", name, "'%s' is not major, minor or hundredths", v);
    } else if (!strcmp(name, "symbol")) {
        /* A mark made of digits, signs or separators would change numbers. */
        if (!*v || strlen(v) >= sizeof p->money.symbol || strpbrk(v, "0123456789+-()., '\t"))
            return bad(c, "amounts", name,
                       "'%s' is not a currency symbol ($, \xE2\x82\xAC, CHF: at most 7 bytes, no "
                       "digits, signs or separators)",
                       v);
        memcpy(p->money.symbol, v, strlen(v) + 1);
    } else if (!strcmp(name, "decimal")) {
        if ((v[0] != '.' && v[0] != ',') || v[1])
            return bad(c, "amounts", name, "'%s' is not . or ,", v);
        p->money.decimal = v[0];
    } else if (!strcmp(name, "thousands")) {
        if (!strcmp(v, "none"))
            p->money.thousands = 0;
        else if (!strcmp(v, "space"))
            p->money.thousands = ' ';
        else if (!strcmp(v, "apostrophe"))
            p->money.thousands = '\'';
        else if ((v[0] == ',' || v[0] == '.') && !v[1])
            p->money.thousands = v[0];
        else
            return bad(c, "amounts", name, "'%s' is not none, ',', '.', space or apostrophe", v);
    } else if (!strcmp(name, "sign")) {
        if (!strcmp(v, "signed"))
            p->sign = RC_SIGN_SIGNED;
        else if (!strcmp(v, "debit_credit"))
            p->sign = RC_SIGN_DEBIT_CREDIT;
        else if (!strcmp(v, "direction"))
            p->sign = RC_SIGN_DIRECTION;
        else
            return bad(c, "amounts", name, "'%s' is not signed, debit_credit or direction", v);
    } else if (!strcmp(name, "value")) {
        if (!strcmp(v, "gross"))
            p->value_is_net = 0;
        else if (!strcmp(v, "net"))
            p->value_is_net = 1;
        else
            return bad(c, "amounts", name, "'%s' is not gross or net", v);
    } else if (!strcmp(name, "invert")) {
        if (parse_bool(v, &p->invert)) return bad(c, "amounts", name, "'%s' is not yes or no", v);
    } else if (!strcmp(name, "fee")) {
        if (!strcmp(v, "cost"))
            p->fee_signed = 0;
        else if (!strcmp(v, "signed"))
            p->fee_signed = 1;
        else
            return bad(c, "amounts", name, "'%s' is not cost or signed", v);
    } else if (!strcmp(name, "currency")) {
        /* "header": the code is in the amount columns' names (Revolut's
         * "Paid Out (CHF)"), the part their '*' stands for. */
        p->currency_from_header = !strcmp(v, "header");
        if (p->currency_from_header) return 1;
        if (rc_currency_exponent(v, strlen(v)) < 0)
            return bad(c, "amounts", name,
                       "'%s' is not an ISO 4217 currency code (or header: the code in the "
                       "amount columns' names)",
                       v);
        memcpy(p->currency, v, 4);
    } else if (!strcmp(name, "credit_values") || !strcmp(name, "debit_values")) {
        int credit = name[0] == 'c';
        struct strlist l = {credit ? &p->credit_values : &p->debit_values,
                            credit ? &p->ncredit : &p->ndebit, 1};
        if (rc_each_item(v, push_item, &l) != 0)
            return bad(c, "amounts", name, "needs at least one value");
    } else {
        return bad(c, "amounts", name, "unknown key");
    }
    return 1;
}

static int on_dates(struct parse_ctx *c, const char *name, const char *v) {
    recon_profile *p = c->p;
    if (!strcmp(name, "occurred_at") || !strcmp(name, "settled_at")) {
        rc_time_format *f = name[0] == 'o' ? &p->occurred_fmt : &p->settled_fmt;
        if (rc_time_format_compile(v, f) != 0)
            return bad(c, "dates", name, "'%s' is not a known date format or valid pattern", v);
    } else if (!strcmp(name, "order")) {
        if (strcmp(v, "auto") && strcmp(v, "mdy") && strcmp(v, "dmy"))
            return bad(c, "dates", name,
                       "'%s' is not auto (decided by each file's dates), dmy (day first) or mdy "
                       "(month first)",
                       v);
        snprintf(p->order_key, sizeof p->order_key, "%s", v);
    } else if (!strcmp(name, "timezone")) {
        if (rc_time_zone_parse(v, &p->tz_offset_min) != 0 || strlen(v) >= sizeof p->timezone)
            return bad(c, "dates", name,
                       "'%s' is not UTC or a fixed offset like +01:00 "
                       "(named zones are not supported yet)",
                       v);
        memcpy(p->timezone, v, strlen(v) + 1);
    } else {
        return bad(c, "dates", name, "unknown key");
    }
    return 1;
}

/* ---- [dates] order ----------------------------------------------------------------------- */

/* The pattern of f with %d and %m exchanged into *out; its written order
 * ("mdy" or "dmy") into order. -1 when f is not a pattern with exactly one
 * of each (iso8601, epoch, a pattern without a day or a month). */
static int swap_day_month(const rc_time_format *f, rc_time_format *out, char order[4]) {
    const char *d = strstr(f->pattern, "%d"), *m = strstr(f->pattern, "%m");
    if (!d || !m || strstr(d + 2, "%d") || strstr(m + 2, "%m")) return -1;
    char spec[sizeof f->pattern];
    memcpy(spec, f->pattern, sizeof spec);
    spec[d - f->pattern + 1] = 'm';
    spec[m - f->pattern + 1] = 'd';
    snprintf(order, 4, "%s", m < d ? "mdy" : "dmy");
    return rc_time_format_compile(spec, out);
}

/* Applies [dates] order once every key is read: `dmy`/`mdy` rewrite the
 * formats that say the other order; `auto` keeps both versions of each
 * format that has a day and a month, for ingest to choose per file. */
static const char *apply_date_order(recon_profile *p) {
    if (!p->order_key[0]) return NULL;
    char written[4], other[4];
    rc_time_format occ, set;
    if (swap_day_month(&p->occurred_fmt, &occ, written) != 0)
        return "[dates] order needs the occurred_at format to have a day and a month number "
               "(%d and %m)";
    p->swaps_settled = swap_day_month(&p->settled_fmt, &set, other) == 0;
    if (p->swaps_settled && strcmp(written, other) != 0)
        return "[dates] order: occurred_at and settled_at write day and month in different orders";
    memcpy(p->order_written, written, 4);
    if (!strcmp(p->order_key, "auto")) {
        p->date_order = RC_ORDER_AUTO;
        p->occurred_swapped = occ;
        if (p->swaps_settled) p->settled_swapped = set;
        return NULL;
    }
    if (strcmp(p->order_key, written) != 0) { /* the formats say the other order */
        p->occurred_fmt = occ;
        if (p->swaps_settled) p->settled_fmt = set;
        memcpy(p->order_written, p->order_key, 4);
    }
    p->swaps_settled = 0;
    return NULL;
}

struct kind_push {
    recon_profile *p;
    rc_kind kind;
};

static int push_kind(const char *s, size_t len, void *ctx) {
    struct kind_push *k = ctx;
    recon_profile *p = k->p;
    int negate = len > 1 && s[0] == '-';
    if (negate) s++, len--;
    rc_kind_entry *grown = realloc(p->kinds, (p->nkinds + 1) * sizeof *grown);
    if (!grown) return -1;
    p->kinds = grown;
    if (!(grown[p->nkinds].value = dup_range(s, len))) return -1;
    lower_in_place(grown[p->nkinds].value);
    grown[p->nkinds].kind = k->kind;
    grown[p->nkinds].negate = negate;
    grown[p->nkinds].glob = memchr(s, '*', len) != NULL;
    p->nkinds++;
    return 0;
}

struct sign_kinds {
    recon_profile *p;
    int n;
    int bad;
};

static int push_sign_kind(const char *s, size_t len, void *ctx) {
    struct sign_kinds *sk = ctx;
    char name[32];
    if (len >= sizeof name || sk->n >= 2) {
        sk->bad = 1;
        return -1;
    }
    memcpy(name, s, len);
    name[len] = '\0';
    int k = rc_kind_from_name(name);
    if (k < 0) {
        sk->bad = 1;
        return -1;
    }
    sk->p->sign_kinds[sk->n++] = (rc_kind)k;
    return 0;
}

static int on_kinds(struct parse_ctx *c, const char *name, const char *v) {
    recon_profile *p = c->p;
    if (!strcmp(name, "unknown")) {
        if (!strcmp(v, "reject"))
            p->unknown_is_other = 0;
        else if (!strcmp(v, "other"))
            p->unknown_is_other = 1;
        else
            return bad(c, "kinds", name, "'%s' is not reject or other", v);
        return 1;
    }
    if (!strcmp(name, "from_sign")) {
        struct sign_kinds sk = {p, 0, 0};
        if (rc_each_item(v, push_sign_kind, &sk) != 0 || sk.n != 2)
            return bad(c, "kinds", name,
                       "'%s' must name two kinds: for amounts >= 0, then for amounts < 0", v);
        p->from_sign = 1;
        return 1;
    }
    if (!strcmp(name, "default")) {
        int k = rc_kind_from_name(v);
        if (k < 0) return bad(c, "kinds", name, "'%s' is not a canonical kind", v);
        p->has_default_kind = 1;
        p->default_kind = (rc_kind)k;
        return 1;
    }
    int k = rc_kind_from_name(name);
    if (k < 0) return bad(c, "kinds", name, "not a canonical kind (see docs/PROFILES.md)");
    struct kind_push kp = {p, (rc_kind)k};
    if (rc_each_item(v, push_kind, &kp) != 0) return bad(c, "kinds", name, "out of memory");
    return 1;
}

/* "COLUMN: v1, v2" (a header name or #N, then values; "" is an empty cell). */
static int parse_test(struct parse_ctx *c, const char *section, const char *name, const char *v,
                      rc_row_test *t) {
    const char *colon = strchr(v, ':');
    memset(t, 0, sizeof *t);
    if (!colon) return bad(c, section, name, "'%s' is not COLUMN: value, value", v);
    t->slot = rc_slot_add_maybe(&c->p->slots, v, (size_t)(colon - v), 0);
    if (t->slot < 0)
        return bad(c, section, name, "'%.*s' is not a column name or #N (or too many columns)",
                   (int)(colon - v), v);
    struct strlist l = {&t->values, &t->nvalues, 1};
    if (rc_each_item(colon + 1, push_item, &l) != 0 || t->nvalues == 0)
        return bad(c, section, name, "'%s' needs at least one value after the colon", v);
    for (size_t i = 0; i < t->nvalues; i++)
        if (!strcmp(t->values[i], "\"\"")) t->values[i][0] = '\0';
    return 1;
}

static int push_test(struct parse_ctx *c, const char *section, const char *name, const char *v,
                     rc_row_test **list, size_t *n) {
    rc_row_test *grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown) return bad(c, section, name, "out of memory");
    *list = grown;
    int ok = parse_test(c, section, name, v, &grown[*n]);
    (*n)++; /* counted even when refused, so that its values are freed */
    return ok;
}

static int on_rows(struct parse_ctx *c, const char *name, const char *v) {
    recon_profile *p = c->p;
    if (!strcmp(name, "keep_if")) return push_test(c, "rows", name, v, &p->keep, &p->nkeep);
    if (!strcmp(name, "skip_if")) return push_test(c, "rows", name, v, &p->skip, &p->nskip);
    if (!strcmp(name, "fill_down")) {
        for (const char *item = v; *item;) {
            const char *end = strchr(item, ',');
            size_t len = end ? (size_t)(end - item) : strlen(item);
            if (p->nfill == sizeof p->fill_down / sizeof p->fill_down[0])
                return bad(c, "rows", name, "at most 8 columns");
            int slot = rc_slot_add(&p->slots, item, len, 1);
            if (slot < 0)
                return bad(c, "rows", name, "'%.*s' is not a column name or #N", (int)len, item);
            p->fill_down[p->nfill++] = slot;
            item += len + (end != NULL);
        }
        return 1;
    }
    if (!strcmp(name, "may_omit")) {
        struct strlist l = {&p->may_omit, &p->nmay_omit, 0};
        if (rc_each_item(v, push_item, &l) != 0 || !p->nmay_omit)
            return bad(c, "rows", name, "needs at least one column name");
        return 1;
    }
    return bad(c, "rows", name, "unknown key (keep_if, skip_if, fill_down, may_omit)");
}

static int on_records(struct parse_ctx *c, const char *name, const char *v) {
    recon_profile *p = c->p;
    struct strlist l = {NULL, NULL, 1};
    if (!strcmp(name, "type")) {
        if ((p->record_slot = rc_slot_add(&p->slots, v, strlen(v), 0)) < 0)
            return bad(c, "records", name, "'%s' is not a column name or #N", v);
        return 1;
    }
    if (!strcmp(name, "header"))
        l = (struct strlist){&p->rec_header, &p->nrec_header, 1};
    else if (!strcmp(name, "data"))
        l = (struct strlist){&p->rec_data, &p->nrec_data, 1};
    else if (!strcmp(name, "ignore"))
        l = (struct strlist){&p->rec_ignore, &p->nrec_ignore, 1};
    else
        return bad(c, "records", name, "unknown key (type, header, data, ignore)");
    if (rc_each_item(v, push_item, &l) != 0) return bad(c, "records", name, "out of memory");
    return 1;
}

static int on_totals(struct parse_ctx *c, const char *name, const char *v) {
    static const char *const keys[RC_TOT_COUNT] = {"currency", "amount",      "credits",
                                                   "debits",   "fee_credits", "fee_debits"};
    recon_profile *p = c->p;
    if (!strcmp(name, "when")) {
        if (p->totals_when) return bad(c, "totals", name, "given twice");
        if (!(p->totals_when = calloc(1, sizeof *p->totals_when)))
            return bad(c, "totals", name, "out of memory");
        return parse_test(c, "totals", name, v, p->totals_when);
    }
    for (int k = 0; k < RC_TOT_COUNT; k++)
        if (!strcmp(name, keys[k])) {
            if ((p->totals_slot[k] = rc_slot_add(&p->slots, v, strlen(v), 0)) < 0)
                return bad(c, "totals", name, "'%s' is not a column name or #N", v);
            return 1;
        }
    return bad(c, "totals", name,
               "unknown key (when, currency, amount, credits, debits, fee_credits, fee_debits)");
}

static int on_ini(void *user, const char *section, const char *name, const char *value) {
    struct parse_ctx *c = user;
    if (!strcmp(section, "profile")) return on_profile(c, name, value);
    if (!strcmp(section, "columns")) return on_columns(c, name, value);
    if (!strcmp(section, "amounts")) return on_amounts(c, name, value);
    if (!strcmp(section, "dates")) return on_dates(c, name, value);
    if (!strcmp(section, "kinds")) return on_kinds(c, name, value);
    if (!strcmp(section, "rows")) return on_rows(c, name, value);
    if (!strcmp(section, "records")) return on_records(c, name, value);
    if (!strcmp(section, "totals")) return on_totals(c, name, value);
    return bad(c, section, name,
               "unknown section (expected profile, columns, amounts, dates, "
               "kinds, rows, records or totals)");
}

/* ---- whole-profile validation --------------------------------------------- */

/* Checks that columns are given the way the header setting needs: by name
 * with a header row, by position #N within [profile] columns without one.
 * Writes a message naming the offending key into buf. */
static const char *check_columns(const recon_profile *p, char *buf, size_t size) {
    for (int f = 0; f < RC_F_COUNT; f++) {
        const rc_column *col = &p->cols[f];
        const char *opt = col->optional ? "?" : "";
        if (!col->configured || col->expr) continue;
        if (!p->header && col->position == 0)
            snprintf(buf, size,
                     "[columns] %s%s: with header = no, columns are given by "
                     "position #N, not by name",
                     FIELD_NAMES[f], opt);
        else if (!p->header && col->position > p->ncolumns)
            snprintf(buf, size,
                     "[columns] %s%s: position #%zu is beyond [profile] columns = %zu "
                     "(give #N from #1 to #%zu)",
                     FIELD_NAMES[f], opt, col->position, p->ncolumns, p->ncolumns);
        else if (p->header && col->position)
            snprintf(buf, size,
                     "[columns] %s%s: with header = yes, columns are named, not "
                     "given as #N",
                     FIELD_NAMES[f], opt);
        else
            continue;
        return buf;
    }
    return NULL;
}

static int is_money_field(int f) {
    return f == RC_F_AMOUNT || f == RC_F_FEE || f == RC_F_NET || f == RC_F_DEBIT ||
           f == RC_F_CREDIT;
}

/* One '*' in a column name: the part of the header it stands for can be
 * captured (two would leave the split ambiguous). */
static int one_star(const char *alias) {
    const char *star = strchr(alias, '*');
    return star && !strchr(star + 1, '*');
}

static int header_currency_possible(const recon_profile *p) {
    for (int f = 0; p->header && f < RC_F_COUNT; f++)
        for (size_t a = 0; is_money_field(f) && a < p->cols[f].naliases; a++)
            if (one_star(p->cols[f].aliases[a])) return 1;
    return 0;
}

/* sum() adds amounts, so it belongs only to amount fields, and only as the
 * field's whole value. */
static int sum_misplaced(const rc_expr *x, int top_ok) {
    if (x->op == RC_X_SUM && !top_ok) return 1;
    for (size_t i = 0; i < x->nargs; i++)
        if (sum_misplaced(x->args[i], 0)) return 1;
    return 0;
}

/* The checks of the newer sections: expressions, slots, records, totals. */
static const char *validate_more(const recon_profile *p, char *buf, size_t size) {
    for (int f = 0; f < RC_F_COUNT; f++) {
        const rc_expr *x = p->cols[f].expr;
        if (x && sum_misplaced(x, is_money_field(f))) {
            snprintf(buf, size,
                     "[columns] %s: sum() is for amount, fee, net, debit and credit, "
                     "as the whole value",
                     FIELD_NAMES[f]);
            return buf;
        }
    }
    for (size_t i = 0; i < p->slots.n; i++) {
        const rc_slot *sl = &p->slots.slot[i];
        if (!p->header && (sl->name || sl->position > p->ncolumns)) {
            snprintf(buf, size, "with header = no, column '%s' must be a position #1 to #%zu",
                     sl->name ? sl->name : "#?", p->ncolumns);
            return buf;
        }
    }
    if (p->record_slot >= 0 && !p->slots.slot[p->record_slot].position)
        return "[records] type must be a position (#1): it is read before any header";
    if (p->record_slot >= 0 && (!p->nrec_header || !p->nrec_data || !p->header))
        return "[records] type needs header and data record types, and [profile] header = yes";
    if (p->record_slot < 0 && (p->nrec_header || p->nrec_data || p->nrec_ignore))
        return "[records] needs type (the column that holds the record type)";
    const int *t = p->totals_slot;
    int sums = t[RC_TOT_AMOUNT] >= 0 || t[RC_TOT_CREDITS] >= 0 || t[RC_TOT_DEBITS] >= 0;
    if (p->totals_when && !sums)
        return "[totals] when needs amount, or credits and debits, to check";
    if (!p->totals_when && (sums || t[RC_TOT_CURRENCY] >= 0))
        return "[totals] needs when (which rows are totals rows)";
    if (p->format != RC_FORMAT_CSV && p->header)
        return "[profile] format = bai2, mt940, camt or ofx reads records, not a table: use "
               "header = no";
    if (p->cols[RC_F_FEE_DIRECTION].configured && (!p->ncredit || !p->ndebit))
        return "[columns] fee_direction needs [amounts] credit_values and debit_values";
    if (p->value_is_net && p->cols[RC_F_NET].configured)
        return "[amounts] value = net reads the net from the amount columns: drop [columns] net";
    return NULL;
}

static const char *validate(const recon_profile *p, const struct parse_ctx *c, char *buf,
                            size_t size) {
    const rc_column *cols = p->cols;
    if (!p->name) return "[profile] name is missing";
    if (!c->have_source_type) return "[profile] source_type is missing (psp, bank or ledger)";
    if (!p->header && !p->ncolumns)
        return "[profile] columns is missing: a file without a header needs its column count";
    const char *e = check_columns(p, buf, size);
    if (e) return e;
    if (!cols[RC_F_OCCURRED_AT].configured) return "[columns] occurred_at is missing";
    if (p->sign == RC_SIGN_DEBIT_CREDIT) {
        if (!cols[RC_F_DEBIT].configured || !cols[RC_F_CREDIT].configured)
            return "[amounts] sign = debit_credit needs [columns] debit and credit";
    } else if (!cols[RC_F_AMOUNT].configured) {
        return "[columns] amount is missing";
    }
    if (p->sign == RC_SIGN_DIRECTION &&
        (!cols[RC_F_DIRECTION].configured || !p->ncredit || !p->ndebit))
        return "[amounts] sign = direction needs [columns] direction and [amounts] "
               "credit_values and debit_values";
    int fixed = p->currency[0] || p->currency_from_header;
    if (!cols[RC_F_CURRENCY].configured && !fixed)
        return "[columns] currency or [amounts] currency (a fixed code, or header) is needed";
    if (cols[RC_F_CURRENCY].optional && !fixed)
        return "[columns] currency? is optional only with a fixed [amounts] currency";
    if (p->currency_from_header && !header_currency_possible(p))
        return "[amounts] currency = header needs an amount column named with one '*' "
               "(debit = Paid Out (*)) and header = yes";
    if (p->nmay_omit && !p->header)
        return "[rows] may_omit names header columns: it needs header = yes";
    if (p->money.thousands && p->money.thousands == p->money.decimal)
        return "[amounts] thousands and decimal separators must differ";
    if (!cols[RC_F_KIND].configured && !p->from_sign && !p->has_default_kind)
        return "[kinds] without a kind column, give from_sign or default";
    if (cols[RC_F_KIND].configured && !p->nkinds && !p->unknown_is_other)
        return "[kinds] a kind column needs kind mappings (or unknown = other)";
    if (p->nfailed && !cols[RC_F_PROVIDER_STATUS].configured)
        return "[profile] failed_status needs a [columns] provider_status column";
    return validate_more(p, buf, size);
}

static recon_profile *profile_new(void) {
    recon_profile *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->delim = ',';
    p->header = 1;
    p->money.decimal = '.';
    p->money.thousands = 0;
    p->sign = RC_SIGN_SIGNED;
    p->record_slot = -1;
    for (int k = 0; k < RC_TOT_COUNT; k++)
        p->totals_slot[k] = -1;
    memcpy(p->timezone, "UTC", 4);
    if (rc_time_format_compile("iso8601", &p->occurred_fmt) != 0 ||
        rc_time_format_compile("iso8601", &p->settled_fmt) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

void recon_profile_free(recon_profile *p) {
    if (!p) return;
    free(p->name);
    free(p->description);
    free(p->provider);
    free_list(p->failed_values, p->nfailed);
    for (int f = 0; f < RC_F_COUNT; f++) {
        free_list(p->cols[f].aliases, p->cols[f].naliases);
        rc_expr_free(p->cols[f].expr);
    }
    free_tests(p->keep, p->nkeep);
    free_tests(p->skip, p->nskip);
    free_tests(p->detect_row, p->ndetect_row);
    free_tests(p->totals_when, p->totals_when ? 1 : 0);
    free_list(p->detect, p->ndetect);
    free_list(p->detect_line, p->ndetect_line);
    free_list(p->detect_text, p->ndetect_text);
    free(p->detect_first);
    free_list(p->may_omit, p->nmay_omit);
    free_list(p->rec_header, p->nrec_header);
    free_list(p->rec_data, p->nrec_data);
    free_list(p->rec_ignore, p->nrec_ignore);
    rc_slots_free(&p->slots);
    free_list(p->credit_values, p->ncredit);
    free_list(p->debit_values, p->ndebit);
    for (size_t i = 0; i < p->nkinds; i++)
        free(p->kinds[i].value);
    free(p->kinds);
    free(p);
}

int recon_profile_parse(const char *text, const char *origin, recon_error *err,
                        recon_profile **out) {
    if (!text || !out)
        return rc_error_set(err, RECON_EMISUSE, "recon_profile_parse: NULL argument");
    *out = NULL;
    if (!origin) origin = "profile";
    struct parse_ctx c = {0};
    if (!(c.p = profile_new())) return rc_error_set(err, RECON_ENOMEM, "%s: out of memory", origin);
    int rc = rc_ini_parse(text, origin, on_ini, &c, c.err, err);
    const char *invalid = NULL;
    char why[256];
    if (rc == RECON_OK && ((invalid = validate(c.p, &c, why, sizeof why)) != NULL ||
                           (invalid = apply_date_order(c.p)) != NULL))
        rc = rc_error_set(err, RECON_EPROFILE, "%s: %s", origin, invalid);
    if (rc != RECON_OK) {
        recon_profile_free(c.p);
        return rc;
    }
    if (!c.p->description && !(c.p->description = strdup(""))) {
        recon_profile_free(c.p);
        return rc_error_set(err, RECON_ENOMEM, "%s: out of memory", origin);
    }
    *out = c.p;
    return RECON_OK;
}

int recon_profile_load(const char *path, recon_error *err, recon_profile **out) {
    if (!path || !out) return rc_error_set(err, RECON_EMISUSE, "recon_profile_load: NULL argument");
    *out = NULL;
    int rc = RECON_OK;
    char *text = rc_ini_read_file(path, "a profile", err, &rc);
    if (!text) return rc;
    rc = recon_profile_parse(text, path, err, out);
    free(text);
    return rc;
}

static int cmp_builtin(const void *key, const void *elem) {
    return strcmp(key, ((const rc_builtin_profile *)elem)->name);
}

int recon_profile_builtin(const char *name, recon_error *err, recon_profile **out) {
    if (!name || !out)
        return rc_error_set(err, RECON_EMISUSE, "recon_profile_builtin: NULL argument");
    *out = NULL;
    const rc_builtin_profile *b =
        bsearch(name, rc_builtin_profiles, rc_nbuiltin_profiles, sizeof *b, cmp_builtin);
    if (!b)
        return rc_error_set(err, RECON_ENOTFOUND,
                            "no built-in profile '%s' (recon profiles list shows them)", name);
    return recon_profile_parse(b->text, b->name, err, out);
}

size_t recon_profile_builtin_count(void) {
    return rc_nbuiltin_profiles;
}

const char *recon_profile_builtin_name(size_t index) {
    return index < rc_nbuiltin_profiles ? rc_builtin_profiles[index].name : NULL;
}

const char *recon_profile_name(const recon_profile *p) {
    return p ? p->name : NULL;
}

const char *recon_profile_description(const recon_profile *p) {
    return p ? p->description : NULL;
}

recon_source_type recon_profile_source_type(const recon_profile *p) {
    return p ? p->source_type : (recon_source_type)0;
}

/* Case-insensitive match of s[0..len) against a pattern where
 * '*' stands for any run of characters. Iterative, with one backtrack
 * point: linear in practice, never exponential. */
static int glob_match(const char *pat, const char *s, size_t len) {
    size_t i = 0;
    const char *star = NULL;
    size_t star_i = 0;
    while (i < len) {
        if (*pat == '*') {
            star = pat++;
            star_i = i;
        } else if (*pat && tolower((unsigned char)*pat) == tolower((unsigned char)s[i])) {
            pat++;
            i++;
        } else if (star) {
            pat = star + 1;
            i = ++star_i;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

int rc_profile_kind(const recon_profile *p, const char *value, size_t len, rc_kind *out,
                    int *negate) {
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < p->nkinds; i++) {
            const rc_kind_entry *k = &p->kinds[i];
            int hit = pass == 0 ? !k->glob && strlen(k->value) == len &&
                                      strncasecmp(k->value, value, len) == 0
                                : k->glob && glob_match(k->value, value, len);
            if (hit) {
                *out = k->kind;
                *negate = k->negate;
                return 0;
            }
        }
    }
    return -1;
}

/* A value in double quotes is literal ("*" is a star, not a wildcard). */
int rc_row_test_match(const rc_row_test *t, const char *cell, size_t len) {
    for (size_t i = 0; i < t->nvalues; i++) {
        const char *v = t->values[i];
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            if (n - 2 == len && strncasecmp(v + 1, cell, len) == 0) return 1;
        } else if (glob_match(v, cell, len)) {
            return 1;
        }
    }
    return 0;
}

/* ---- header binding -------------------------------------------------------- */

static void trim_cell(const char **s, size_t *len) {
    while (*len && (**s == ' ' || **s == '\t'))
        ++*s, --*len;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        --*len;
}

int rc_header_match(const char *cell, size_t len, const char *alias) {
    trim_cell(&cell, &len);
    if (strchr(alias, '*')) return glob_match(alias, cell, len);
    return strlen(alias) == len && strncasecmp(cell, alias, len) == 0;
}

/* The column the first alias that is in the header names; -1 when none
 * is, -2 when that alias is a pattern two columns fit ("Paid Out (*)"
 * over CHF and EUR columns): taking the first would be a guess about
 * money. *alias is the alias found. */
static long find_column(const rc_column *col, const char *const *header, const size_t *lens,
                        size_t nfields, const char **alias) {
    for (size_t a = 0; a < col->naliases; a++)
        for (size_t i = 0; i < nfields; i++) {
            if (!rc_header_match(header[i], lens[i], col->aliases[a])) continue;
            *alias = col->aliases[a];
            for (size_t j = i + 1; j < nfields && strchr(*alias, '*'); j++)
                if (rc_header_match(header[j], lens[j], *alias)) return -2;
            return (long)i;
        }
    return -1;
}

/* The header cell other than column `at` that carries the same name, or -1:
 * two columns both called "amount" leave no way to tell which one is meant,
 * and taking the first would be a guess about money. */

static long other_column(const char *const *header, const size_t *lens, size_t nfields, size_t at) {
    const char *a = header[at];
    size_t alen = lens[at];
    trim_cell(&a, &alen);
    for (size_t i = 0; i < nfields; i++) {
        const char *b = header[i];
        size_t blen = lens[i];
        trim_cell(&b, &blen);
        if (i != at && alen == blen && strncasecmp(a, b, alen) == 0) return (long)i;
    }
    return -1;
}

/* Starts the "missing column(s): " list, or continues it. */
static size_t missing_sep(char *msg, size_t size) {
    size_t used = strlen(msg);
    if (used + 1 < size)
        snprintf(msg + used, size - used, "%s", used ? ", " : "missing column(s): ");
    return strlen(msg);
}

static void append_missing(char *msg, size_t size, rc_field f, const rc_column *col) {
    size_t used = missing_sep(msg, size);
    if (used + 1 >= size) return;
    snprintf(msg + used, size - used, "%s (one of:", FIELD_NAMES[f]);
    for (size_t a = 0; a < col->naliases; a++) {
        used = strlen(msg);
        snprintf(msg + used, size - used, "%s %s", a ? "," : "", col->aliases[a]);
    }
    used = strlen(msg);
    snprintf(msg + used, size - used, ")");
}

static int first_col_slot(const rc_expr *x) {
    if (x->op == RC_X_COL) return x->slot;
    for (size_t i = 0; i < x->nargs; i++) {
        int s = first_col_slot(x->args[i]);
        if (s >= 0) return s;
    }
    return -1;
}

/* 1 when some column x reads is in the file (or x reads none). */
static int call_has_column(const rc_expr *x, const rc_binding *b) {
    if (x->op == RC_X_COL) return b->slot_index[x->slot] >= 0;
    if (x->op == RC_X_LIT) return 0;
    int any = 0, cols = 0;
    for (size_t i = 0; i < x->nargs; i++) {
        cols += x->args[i]->op != RC_X_LIT;
        any |= call_has_column(x->args[i], b);
    }
    return any || !cols;
}

/* Resolves every slot: a header name to its column, #N to N - 1. Missing
 * required names are appended to msg. */
static void bind_slots(const recon_profile *p, const char *const *header, const size_t *lens,
                       size_t nfields, rc_binding *out, char *msg, size_t msgsize) {
    for (size_t i = 0; i < p->slots.n; i++) {
        const rc_slot *sl = &p->slots.slot[i];
        out->slot_index[i] = -1;
        if (!sl->name) {
            out->slot_index[i] = (long)sl->position - 1;
            continue;
        }
        for (size_t k = 0; k < nfields && out->slot_index[i] < 0; k++)
            if (rc_header_match(header[k], lens[k], sl->name)) out->slot_index[i] = (long)k;
        if (out->slot_index[i] < 0 && !sl->optional) {
            size_t used = missing_sep(msg, msgsize);
            snprintf(msg + used, msgsize - used, "%s", sl->name);
        }
    }
}

/* The fields a row must have: all the header's columns, less those of its
 * last ones that [rows] may_omit names (a writer that drops a row's
 * trailing empty cells, as Revolut's does, shifts nothing). */
static size_t min_fields(const recon_profile *p, const char *const *header, const size_t *lens,
                         size_t ncolumns) {
    size_t k = ncolumns;
    for (; p->header && k > 0; k--) {
        size_t i = 0;
        while (i < p->nmay_omit && !rc_header_match(header[k - 1], lens[k - 1], p->may_omit[i]))
            i++;
        if (i == p->nmay_omit) break;
    }
    return k;
}

/* [amounts] currency = header: the code each amount column bound through
 * a one-star name carries where its '*' is ("Paid Out (CHF)"). They must
 * agree and be an ISO 4217 code, or the file is refused: a file's
 * currency is never guessed. */
static int header_currency(const char *const *header, const size_t *lens, rc_binding *out,
                           const char *const *alias, char *msg, size_t msgsize) {
    const char *first = NULL; /* the first such column's name, trimmed */
    size_t first_len = 0;
    for (int f = 0; f < RC_F_COUNT; f++) {
        if (!is_money_field(f) || out->index[f] < 0 || !one_star(alias[f])) continue;
        const char *cell = header[out->index[f]];
        size_t len = lens[out->index[f]];
        trim_cell(&cell, &len);
        size_t pre = (size_t)(strchr(alias[f], '*') - alias[f]);
        const char *code = cell + pre;
        size_t n = len - pre - (strlen(alias[f]) - pre - 1);
        trim_cell(&code, &n);
        char up[4] = "";
        for (size_t i = 0; n == 3 && i < 3; i++)
            up[i] = (char)toupper((unsigned char)code[i]);
        up[3] = '\0';
        if (n != 3 || rc_currency_exponent(up, 3) < 0) {
            snprintf(msg, msgsize,
                     "column \"%.*s\": \"%.*s\" is not an ISO 4217 currency code "
                     "([amounts] currency = header reads it there)",
                     (int)rc_utf8_cut(cell, len, 60), cell, (int)rc_utf8_cut(code, n, 12), code);
            return -1;
        }
        if (first && strcmp(out->currency, up) != 0) {
            snprintf(msg, msgsize,
                     "columns \"%.*s\" and \"%.*s\" name two currencies: cannot tell which "
                     "one the amounts are in",
                     (int)rc_utf8_cut(first, first_len, 60), first, (int)rc_utf8_cut(cell, len, 60),
                     cell);
            return -1;
        }
        if (!first) first = cell, first_len = len;
        memcpy(out->currency, up, 4);
    }
    if (!first) {
        snprintf(msg, msgsize,
                 "[amounts] currency = header: no amount column's name carries a currency code");
        return -1;
    }
    return 0;
}

int rc_profile_bind(const recon_profile *p, const char *const *header, const size_t *lens,
                    size_t nfields, rc_binding *out, char *msg, size_t msgsize) {
    msg[0] = '\0';
    /* A header's trailing empty cells are no columns: spreadsheet exports
     * pad headers (and rows) with them. */
    size_t named = nfields;
    while (p->header && named > 0) {
        const char *h = header[named - 1];
        size_t hl = lens[named - 1];
        trim_cell(&h, &hl);
        if (hl) break;
        named--;
    }
    out->ncolumns = p->header ? named : p->ncolumns;
    out->min_fields = min_fields(p, header, lens, out->ncolumns);
    out->currency[0] = '\0';
    const char *alias[RC_F_COUNT] = {0};
    for (int f = 0; f < RC_F_COUNT; f++) {
        const rc_column *col = &p->cols[f];
        out->index[f] = -1;
        out->names[f] = NULL;
        if (!col->configured || col->expr) continue;
        if (!p->header) {
            out->index[f] = (long)col->position - 1;
            continue;
        }
        out->index[f] = find_column(col, header, lens, nfields, &alias[f]);
        if (out->index[f] >= 0) {
            out->names[f] = header[out->index[f]];
        } else if (out->index[f] == -2) {
            snprintf(msg, msgsize,
                     "%s: the column pattern \"%s\" fits more than one column: "
                     "cannot tell which one to read",
                     FIELD_NAMES[f], alias[f]);
            return RECON_EHEADER;
        } else if (!col->optional) {
            append_missing(msg, msgsize, (rc_field)f, col);
        }
    }
    if (p->currency_from_header && !msg[0] &&
        header_currency(header, lens, out, alias, msg, msgsize) != 0)
        return RECON_EHEADER;
    bind_slots(p, header, lens, nfields, out, msg, msgsize);
    /* A required computed field whose columns may each be missing (NAME?)
     * needs one of them. */
    for (int f = 0; p->header && f < RC_F_COUNT; f++) {
        const rc_column *col = &p->cols[f];
        if (!col->expr || col->optional || call_has_column(col->expr, out)) continue;
        size_t used = missing_sep(msg, msgsize);
        snprintf(msg + used, msgsize - used, "%s (any column of its call)", FIELD_NAMES[f]);
    }
    if (msg[0]) return RECON_EHEADER;
    /* Every column the profile reads must be named once. */
    for (int f = 0; p->header && f < RC_F_COUNT + (int)p->slots.n; f++) {
        long i = f < RC_F_COUNT ? out->index[f] : out->slot_index[f - RC_F_COUNT];
        long j =
            i >= 0 && (size_t)i < nfields ? other_column(header, lens, nfields, (size_t)i) : -1;
        if (j >= 0) {
            snprintf(msg, msgsize,
                     "column \"%.*s\" is named twice (columns %ld and %ld): cannot tell which "
                     "one to read",
                     (int)rc_utf8_cut(header[i], lens[i], 60), header[i], (i < j ? i : j) + 1,
                     (i < j ? j : i) + 1);
            return RECON_EHEADER;
        }
    }
    /* A computed field is named in messages by its first column. */
    for (int f = 0; f < RC_F_COUNT; f++) {
        int slot = p->cols[f].expr ? first_col_slot(p->cols[f].expr) : -1;
        long i = slot >= 0 ? out->slot_index[slot] : -1;
        if (p->header && i >= 0 && (size_t)i < nfields) out->names[f] = header[i];
    }
    return msg[0] ? RECON_EHEADER : RECON_OK;
}
