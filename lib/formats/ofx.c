/* ofx: OFX/QFX 1.x (SGML) and 2.x (XML) statements -> rows of fixed
 * columns (see ofx.h). One scanner reads both: it splits the text into
 * tags and character data, and keeps a stack of open elements. SGML's
 * leaf elements are never closed, so an element followed by text is a
 * leaf: the text is its value and it is closed there; a later end tag for
 * it (XML) finds it closed already and is ignored; an end tag closes every
 * element opened inside the one it names. Memory: the line being scanned,
 * the element stack and one transaction; nothing grows with the file. */
#include "formats/ofx.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/mt940.h"
#include "util/strbuf.h"

enum {
    C_ACCOUNT,
    C_CURRENCY,
    C_POSTED,
    C_USER,
    C_AMOUNT,
    C_TYPE,
    C_FITID,
    C_CHECKNUM,
    C_REFNUM,
    C_NAME,
    C_MEMO,
    C_ACCTTYPE
};

#define DEPTH_MAX 32
#define NAME_MAX 32
#define TEXT_MAX 4096 /* a value longer than this breaks its transaction */
#define RAW_MAX 16384 /* a transaction's raw text kept for its failure row */

struct rc_ofx {
    rc_csv *csv;
    /* The scanner. */
    rc_strbuf cur; /* the line being scanned */
    size_t pos;
    int have_line, eof;
    uint64_t line;
    int in_tag;
    rc_strbuf tag, text;
    int text_long;
    char stack[DEPTH_MAX][NAME_MAX]; /* open elements, upper case */
    int depth;                       /* may exceed DEPTH_MAX: those are not kept */
    int fresh;                       /* the innermost element was just opened */
    /* The statement. */
    rc_strbuf account, curdef, accttype;
    int statements;
    char stmt_problem[160]; /* a statement value too long: each of its transactions is rejected */
    /* The transaction. */
    int in_trn, trn_dropped;
    char trn_problem[160];
    rc_strbuf col[RC_OFX_COLUMNS], raw;
    uint64_t trn_line;
    /* What the next call hands out. */
    int ready, ready_error;
    const char *fields[RC_OFX_COLUMNS];
    size_t lens[RC_OFX_COLUMNS];
    int oom;
    char msg[256];
};

static void put(rc_ofx *o, rc_strbuf *b, const char *s, size_t n) {
    if (rc_strbuf_set(b, s, n)) o->oom = 1;
}

static void append(rc_ofx *o, rc_strbuf *b, const char *s, size_t n) {
    if (rc_strbuf_put(b, s, n)) o->oom = 1;
}

/* The transaction's text for its failure row: cut at RAW_MAX, so never
 * with a gap inside. */
static void raw_put(rc_ofx *o, const char *s, size_t n) {
    size_t room = RAW_MAX - 1 - o->raw.len;
    append(o, &o->raw, s, n < room ? n : room);
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *n) {
    while (*n && is_space(**s))
        ++*s, --*n;
    while (*n && is_space((*s)[*n - 1]))
        --*n;
}

/* ---- the element stack ------------------------------------------------------------------ */

static const char *top(const rc_ofx *o) {
    return o->depth >= 1 && o->depth <= DEPTH_MAX ? o->stack[o->depth - 1] : "";
}

/* Is an element of this name open? (Robust to SGML's empty leaves, which
 * stay open until their parent closes.) */
static int inside(const rc_ofx *o, const char *name) {
    for (int d = (o->depth < DEPTH_MAX ? o->depth : DEPTH_MAX) - 1; d >= 0; d--)
        if (!strcmp(o->stack[d], name)) return 1;
    return 0;
}

/* ---- values ----------------------------------------------------------------------------- */

/* Appends the UTF-8 encoding of code point cp (a character reference). */
static void put_code_point(rc_ofx *o, rc_strbuf *b, unsigned long cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    append(o, b, u, n);
}

/* The length of a character reference at s ("&amp;", "&#233;", "&#xE9;")
 * with its code point in *cp, or 0 when s holds none (a lone '&' is text). */
static size_t reference(const char *s, size_t n, unsigned long *cp) {
    static const struct {
        const char *name;
        unsigned long cp;
    } named[] = {{"amp", '&'},  {"lt", '<'},    {"gt", '>'},
                 {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0}};
    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    if (!semi || semi == s + 1) return 0;
    size_t len = (size_t)(semi - s) + 1;
    if (s[1] == '#') {
        int hex = len > 3 && (s[2] == 'x' || s[2] == 'X');
        unsigned long v = 0;
        for (const char *p = s + 2 + hex; p < semi; p++) {
            int d = *p >= '0' && *p <= '9'          ? *p - '0'
                    : hex && *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                    : hex && *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                                    : -1;
            if (d < 0) return 0;
            v = v * (hex ? 16 : 10) + (unsigned long)d;
            if (v > 0x10FFFF) return 0;
        }
        /* No NULs, no surrogates: they are not text. */
        if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || semi == s + 2 + hex) return 0;
        *cp = v;
        return len;
    }
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strlen(named[i].name) == len - 2 && !memcmp(s + 1, named[i].name, len - 2)) {
            *cp = named[i].cp;
            return len;
        }
    return 0;
}

/* Sets b to the text with its character references decoded. */
static void put_decoded(rc_ofx *o, rc_strbuf *b, const char *s, size_t n) {
    put(o, b, "", 0);
    for (size_t i = 0; i < n;) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t plain = amp ? (size_t)(amp - (s + i)) : n - i;
        append(o, b, s + i, plain);
        i += plain;
        if (i == n) break;
        unsigned long cp;
        size_t len = reference(s + i, n - i, &cp);
        if (len)
            put_code_point(o, b, cp);
        else
            append(o, b, "&", 1), len = 1;
        i += len;
    }
}

/* A date-time ("20240301120000.000[-5:EST]") as its date: the bank's
 * calendar day as written. */
static void put_date(rc_ofx *o, rc_strbuf *b, const char *s, size_t n) {
    put(o, b, s, n < 8 ? n : 8);
}

/* OFX writes amounts with a decimal point or a decimal comma and never a
 * thousands separator, so a lone comma is the decimal mark. */
static void put_amount(rc_ofx *o, rc_strbuf *b, const char *s, size_t n) {
    put(o, b, s, n);
    char *comma = b->s ? memchr(b->s, ',', b->len) : NULL;
    if (comma && !memchr(b->s, '.', b->len) &&
        !memchr(comma + 1, ',', b->len - (size_t)(comma - b->s) - 1))
        *comma = '.';
}

static void transaction_value(rc_ofx *o, const char *name, const char *s, size_t n) {
    rc_strbuf *col = o->col;
    if (!strcmp(name, "TRNTYPE"))
        put(o, &col[C_TYPE], s, n);
    else if (!strcmp(name, "DTPOSTED"))
        put_date(o, &col[C_POSTED], s, n);
    else if (!strcmp(name, "DTUSER"))
        put_date(o, &col[C_USER], s, n);
    else if (!strcmp(name, "TRNAMT"))
        put_amount(o, &col[C_AMOUNT], s, n);
    else if (!strcmp(name, "FITID"))
        put_decoded(o, &col[C_FITID], s, n);
    else if (!strcmp(name, "CHECKNUM"))
        put_decoded(o, &col[C_CHECKNUM], s, n);
    else if (!strcmp(name, "REFNUM"))
        put_decoded(o, &col[C_REFNUM], s, n);
    else if (!strcmp(name, "NAME") && !col[C_NAME].len)
        put_decoded(o, &col[C_NAME], s, n); /* STMTTRN's own, or its PAYEE's */
    else if (!strcmp(name, "MEMO"))
        put_decoded(o, &col[C_MEMO], s, n);
    else if (!strcmp(name, "CURSYM") && inside(o, "CURRENCY"))
        put(o, &col[C_CURRENCY], s, n); /* ORIGCURRENCY's is not the amount's */
}

static void statement_value(rc_ofx *o, const char *name, const char *s, size_t n) {
    if (!strcmp(name, "CURDEF"))
        put(o, &o->curdef, s, n);
    else if (!strcmp(name, "ACCTID") &&
             (inside(o, "BANKACCTFROM") || inside(o, "CCACCTFROM") || inside(o, "INVACCTFROM")))
        put_decoded(o, &o->account, s, n);
    else if (!strcmp(name, "ACCTTYPE") && inside(o, "BANKACCTFROM"))
        put(o, &o->accttype, s, n);
}

/* The character data since the last tag: the value of the element just
 * opened, when there is some (then the element, a leaf, is closed). */
static void end_text(rc_ofx *o) {
    const char *s = o->text.s ? o->text.s : "";
    size_t n = o->text.len;
    trim(&s, &n);
    /* A value too long to keep is no value to lose in silence. */
    if ((n || o->text_long) && o->fresh && o->depth >= 1 && o->depth <= DEPTH_MAX) {
        const char *name = top(o);
        char *problem = o->in_trn ? o->trn_problem : o->stmt_problem;
        if (o->text_long) {
            if (!problem[0])
                snprintf(problem, sizeof o->trn_problem, "%s: %s is longer than %d bytes",
                         o->in_trn ? "transaction" : "statement", name, TEXT_MAX);
        } else if (o->in_trn) {
            transaction_value(o, name, s, n);
        } else {
            statement_value(o, name, s, n);
        }
        o->depth--;
        o->fresh = 0;
    }
    o->text.len = 0;
    o->text_long = 0;
}

/* ---- elements --------------------------------------------------------------------------- */

static void start_transaction(rc_ofx *o) {
    o->in_trn = 1;
    o->trn_dropped = 0;
    o->trn_problem[0] = '\0';
    o->trn_line = o->line;
    for (int k = 0; k < RC_OFX_COLUMNS; k++)
        put(o, &o->col[k], "", 0);
    put(o, &o->raw, "", 0);
}

static void end_transaction(rc_ofx *o) {
    o->in_trn = 0;
    if (o->trn_dropped) return; /* its unreadable line was a row of its own */
    rc_strbuf *col = o->col;
    put(o, &col[C_ACCOUNT], o->account.s ? o->account.s : "", o->account.len);
    put(o, &col[C_ACCTTYPE], o->accttype.s ? o->accttype.s : "", o->accttype.len);
    if (!col[C_CURRENCY].len)
        put(o, &col[C_CURRENCY], o->curdef.s ? o->curdef.s : "", o->curdef.len);
    o->ready = 1;
    o->ready_error = RC_CSV_ROW_OK;
    if (o->trn_problem[0] || o->stmt_problem[0]) {
        snprintf(o->msg, sizeof o->msg, "%s", o->trn_problem[0] ? o->trn_problem : o->stmt_problem);
        o->ready_error = RC_CSV_ROW_SYNTAX;
    }
}

static void start_statement(rc_ofx *o, int card) {
    o->statements++;
    o->stmt_problem[0] = '\0';
    put(o, &o->account, "", 0);
    put(o, &o->curdef, "", 0);
    put(o, &o->accttype, card ? "CREDITCARD" : "", card ? 10 : 0);
}

static void open_element(rc_ofx *o, const char *name) {
    if (o->depth < DEPTH_MAX) snprintf(o->stack[o->depth], NAME_MAX, "%s", name);
    o->depth++;
    o->fresh = 1;
    if (!strcmp(name, "STMTTRN") && !o->in_trn)
        start_transaction(o);
    else if (!strcmp(name, "STMTRS") || !strcmp(name, "CCSTMTRS") || !strcmp(name, "INVSTMTRS"))
        start_statement(o, name[0] == 'C');
}

/* Closes the named element and all opened inside it; an end tag of an
 * element not open (a leaf closed by its text) changes nothing. */
static void close_element(rc_ofx *o, const char *name) {
    int d = (o->depth < DEPTH_MAX ? o->depth : DEPTH_MAX) - 1;
    while (d >= 0 && strcmp(o->stack[d], name))
        d--;
    o->fresh = 0;
    if (d < 0) return;
    o->depth = d;
    if (!strcmp(name, "STMTTRN") && o->in_trn) end_transaction(o);
}

/* A tag's text between '<' and '>': an end tag, a start tag (its
 * attributes, if any, ignored; an empty element <X/> is nothing), or a
 * declaration, processing instruction or comment (ignored). */
static void end_tag(rc_ofx *o) {
    const char *s = o->tag.s ? o->tag.s : "";
    size_t n = o->tag.len;
    trim(&s, &n);
    if (!n || s[0] == '?' || s[0] == '!') return;
    int closing = s[0] == '/';
    if (closing) s++, n--;
    if (!closing && n && s[n - 1] == '/') return;
    size_t len = 0;
    char name[NAME_MAX];
    while (len < n && !is_space(s[len]) && len + 1 < NAME_MAX) {
        char c = s[len];
        name[len++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    name[len] = '\0';
    if (!len) return;
    if (closing)
        close_element(o, name);
    else
        open_element(o, name);
}

/* ---- scanning --------------------------------------------------------------------------- */

/* Scans the current line from pos until a row is ready or the line ends. */
static void scan(rc_ofx *o) {
    const char *s = o->cur.s;
    size_t n = o->cur.len;
    while (o->pos < n && !o->ready) {
        const char *start = s + o->pos;
        size_t left = n - o->pos;
        const char *stop = memchr(start, o->in_tag ? '>' : '<', left);
        size_t k = stop ? (size_t)(stop - start) : left;
        if (o->in_tag) {
            if (o->tag.len + k < TEXT_MAX) append(o, &o->tag, start, k);
        } else if (o->text.len + k < TEXT_MAX) {
            append(o, &o->text, start, k);
        } else {
            o->text_long = 1;
        }
        if (o->in_trn) raw_put(o, start, k + (stop != NULL));
        o->pos += k + (stop != NULL);
        if (!stop) break;
        if (o->in_tag) {
            o->in_tag = 0;
            int was_in = o->in_trn;
            end_tag(o);
            /* The transaction's own start tag begins its text. */
            if (!was_in && o->in_trn) {
                raw_put(o, "<", 1);
                raw_put(o, o->tag.s ? o->tag.s : "", o->tag.len);
                raw_put(o, ">", 1);
            }
        } else {
            end_text(o);
            o->in_tag = 1;
            o->tag.len = 0;
        }
    }
    /* A line end is space in the text (and ends nothing). */
    if (o->pos >= n && !o->in_tag && o->text.len + 1 < TEXT_MAX) append(o, &o->text, "\n", 1);
}

static int emit(rc_ofx *o, rc_csv_row *row) {
    o->ready = 0;
    for (int k = 0; k < RC_OFX_COLUMNS; k++) {
        o->fields[k] = o->col[k].s ? o->col[k].s : "";
        o->lens[k] = o->col[k].len;
    }
    int ok = o->ready_error == RC_CSV_ROW_OK;
    *row = (rc_csv_row){ok ? RC_OFX_COLUMNS : 0,  o->fields,  o->lens,
                        o->raw.s ? o->raw.s : "", o->raw.len, o->trn_line,
                        o->ready_error,           0};
    return RC_CSV_HAVE_ROW;
}

/* The end of the input: markup left open is said, once. */
static int at_end(rc_ofx *o, rc_csv_row *row) {
    o->eof = 1;
    if (o->in_tag || o->in_trn) {
        snprintf(o->msg, sizeof o->msg, "%s",
                 o->in_tag ? "the file ends inside a tag: nothing after the last complete one "
                             "is read"
                           : "the file ends inside a transaction (no </STMTTRN>)");
        if (o->in_trn && o->trn_dropped) return RC_CSV_EOF;
        *row = (rc_csv_row){0,
                            o->fields,
                            o->lens,
                            o->raw.s ? o->raw.s : "",
                            o->raw.len,
                            o->in_trn ? o->trn_line : o->line,
                            RC_CSV_ROW_SYNTAX,
                            0};
        o->in_trn = o->in_tag = 0;
        return RC_CSV_HAVE_ROW;
    }
    return RC_CSV_EOF;
}

int rc_ofx_next(rc_ofx *o, rc_csv_row *row) {
    for (;;) {
        if (o->oom) return RC_CSV_ENOMEM;
        if (o->ready) return emit(o, row);
        if (o->eof) return RC_CSV_EOF;
        if (o->have_line) {
            scan(o);
            if (o->pos >= o->cur.len && !o->ready) o->have_line = 0;
            continue;
        }
        rc_csv_row l;
        int rc = rc_csv_next(o->csv, &l);
        if (rc == RC_CSV_EOF) return at_end(o, row);
        if (rc < 0) return rc;
        o->line = l.line;
        if (l.error != RC_CSV_ROW_OK) {
            /* The line is a rejected row of its own; a transaction it was
             * part of is not imported without it. */
            if (o->in_trn) o->trn_dropped = 1;
            snprintf(o->msg, sizeof o->msg, "%s", rc_csv_row_errmsg(l.error));
            *row = (rc_csv_row){0,         o->fields, o->lens, l.raw,
                                l.raw_len, l.line,    l.error, l.error_field};
            return RC_CSV_HAVE_ROW;
        }
        put(o, &o->cur, l.raw, l.raw_len);
        o->pos = 0;
        o->have_line = 1;
        if (o->in_trn) raw_put(o, "\n", 1);
    }
}

int rc_ofx_open(rc_csv *csv, rc_ofx **out) {
    *out = calloc(1, sizeof **out);
    if (!*out) return RC_CSV_ENOMEM;
    (*out)->csv = csv;
    return 0;
}

const char *rc_ofx_message(const rc_ofx *o) {
    return o->msg;
}

int rc_ofx_statements(const rc_ofx *o) {
    return o->statements;
}

void rc_ofx_close(rc_ofx *o) {
    if (!o) return;
    rc_strbuf *bufs[] = {&o->cur,    &o->tag,      &o->text, &o->account,
                         &o->curdef, &o->accttype, &o->raw};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        rc_strbuf_free(bufs[i]);
    for (int k = 0; k < RC_OFX_COLUMNS; k++)
        rc_strbuf_free(&o->col[k]);
    free(o);
}
