/* mt940: SWIFT MT940/MT942 statements -> rows of fixed columns (see
 * mt940.h), with each statement's closing balance checked against its
 * opening balance and lines as the file streams. Memory: the tag being
 * read, one line of lookahead and the row being built; nothing grows with
 * the file. Amounts are summed exactly in ten-thousandths of the major
 * unit (MT940 writes at most 15 characters, so 14 digits: no overflow). */
#include "formats/mt940.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/money.h"
#include "util/strbuf.h"

enum {
    C_ACCOUNT,
    C_CURRENCY,
    C_VALUE,
    C_ENTRY,
    C_DIR,
    C_AMOUNT,
    C_TYPE,
    C_CREF,
    C_BREF,
    C_SUPP,
    C_INFO,
    C_STMT
};

/* A physical line, copied out of the reader. */
typedef struct {
    rc_strbuf text;
    uint64_t line;
    int error;
    size_t error_field;
} line_t;

struct rc_mt940 {
    rc_csv *csv;
    line_t ahead; /* the line read but not yet handled */
    int have_ahead, eof;
    /* The tag being read, and a finished one waiting to be handled. */
    char tag[5];
    rc_strbuf value, raw;
    uint64_t tag_line;
    int in_tag;
    char done_tag[5];
    rc_strbuf done_value, done_raw;
    uint64_t done_line;
    int have_done;
    /* The statement. */
    rc_strbuf account;
    char stmt[40], currency[4];
    int64_t opening, sum; /* ten-thousandths */
    int open;             /* an opening balance came, its closing one not yet */
    int bad_amount;       /* a line's amount could not be summed */
    uint64_t last_line;
    /* The row being built, emitted when a tag other than :86: comes. */
    int pending;
    rc_strbuf col[RC_MT940_COLUMNS];
    rc_strbuf row_raw;
    uint64_t row_line;
    const char *fields[RC_MT940_COLUMNS];
    size_t lens[RC_MT940_COLUMNS];
    char msg[256];
};

/* A tag line: ":NN:" or ":NNA:" at the start. Returns the length of the
 * prefix and the tag in tag[5], or 0. */
static size_t tag_at(const char *s, size_t n, char tag[5]) {
    if (n < 4 || s[0] != ':' || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9') return 0;
    size_t k = 3;
    if (s[3] >= 'A' && s[3] <= 'Z') k = 4;
    if (k >= n || s[k] != ':') return 0;
    memcpy(tag, s + 1, k - 1);
    tag[k - 1] = '\0';
    return k + 1;
}

/* Envelope and block lines: {1:...}, {2:...}, "{4:", "-}", "}", {5:...}. */
static int is_block(const char *s, size_t n) {
    return (n && s[0] == '{') || (n >= 2 && s[0] == '-' && s[1] == '}') || (n == 1 && s[0] == '}');
}

/* ---- amounts ---------------------------------------------------------------------------- */

/* An amount as the format writes it (unsigned, decimal comma) in
 * ten-thousandths of the major unit: the money parser with an exponent of
 * 4, so more decimals than that are refused unless they are zeros. */
static int amount_of(const char *s, size_t n, int64_t *out) {
    static const rc_money_fmt fmt = {',', 0, RC_MONEY_MAJOR, ""};
    int64_t v;
    if (!n || (s[0] < '0' || s[0] > '9') || rc_money_parse(s, n, 4, &fmt, &v) != RC_MONEY_OK)
        return -1;
    *out = v;
    return 0;
}

/* A balance "C140219EUR662,23": sign, date, currency, amount. */
static int balance_of(const char *s, size_t n, int64_t *amount, char currency[4]) {
    if (n < 11 || (s[0] != 'C' && s[0] != 'D')) return -1;
    memcpy(currency, s + 7, 3);
    currency[3] = '\0';
    if (amount_of(s + 10, n - 10, amount)) return -1;
    if (s[0] == 'D') *amount = -*amount;
    return 0;
}

static void money_text(int64_t v, char *out, size_t size) {
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(out, size, "%s%llu,%02llu", v < 0 ? "-" : "", (unsigned long long)(m / 10000),
             (unsigned long long)(m % 10000 / 100));
}

/* ---- rows ------------------------------------------------------------------------------- */

static void emit_row(rc_mt940 *m, rc_csv_row *row) {
    for (int k = 0; k < RC_MT940_COLUMNS; k++) {
        m->fields[k] = m->col[k].s ? m->col[k].s : "";
        m->lens[k] = m->col[k].len;
    }
    *row =
        (rc_csv_row){RC_MT940_COLUMNS, m->fields,   m->lens,       m->row_raw.s ? m->row_raw.s : "",
                     m->row_raw.len,   m->row_line, RC_CSV_ROW_OK, 0};
    m->pending = 0;
}

/* A row about a line: a check, or a structural error. */
static int emit_about(rc_mt940 *m, const char *raw, size_t len, uint64_t line, int error,
                      rc_csv_row *row) {
    if (rc_strbuf_set(&m->row_raw, raw, len)) return RC_CSV_ENOMEM;
    *row = (rc_csv_row){0, m->fields, m->lens, m->row_raw.s, m->row_raw.len, line, error, 0};
    return RC_CSV_HAVE_ROW;
}

/* Splits a :61: value into the row's columns. Returns 0, or -1 when it is
 * not a statement line (the message says which subfield). */
static int statement_line(rc_mt940 *m, const char *v, size_t n) {
    size_t i = 0;
    const char *why = NULL;
    char dir[2] = "";
    size_t entry = 0;
    if (n < 6) why = "no value date (YYMMDD)";
    for (size_t k = 0; !why && k < 6; k++)
        if (v[k] < '0' || v[k] > '9') why = "no value date (YYMMDD)";
    if (!why) {
        i = 6;
        if (n >= 10 && strspn(v + 6, "0123456789") >= 4) entry = 4, i = 10;
        int reversal = i < n && v[i] == 'R';
        if (reversal) i++;
        if (i < n && (v[i] == 'C' || v[i] == 'D')) {
            /* RC reverses a credit (money out), RD a debit (money in). */
            dir[0] = reversal ? (v[i] == 'C' ? 'D' : 'C') : v[i];
            i++;
        } else {
            why = "no debit/credit mark (C, D, RC or RD)";
        }
    }
    if (!why && i < n && v[i] >= 'A' && v[i] <= 'Z') i++; /* funds code */
    size_t a = i;
    while (!why && i < n && ((v[i] >= '0' && v[i] <= '9') || v[i] == ','))
        i++;
    int64_t amount;
    if (!why && amount_of(v + a, i - a, &amount)) why = "no amount (digits, decimal comma)";
    if (!why && n - i < 4) why = "no transaction type (N, F or S and three characters)";
    if (why) {
        snprintf(m->msg, sizeof m->msg, ":61: statement line: %s", why);
        return -1;
    }
    size_t t = i;
    i += 4;
    /* Customer reference: up to "//" or 16 characters; then the bank's,
     * up to 16 characters or a '/' (supplementary details follow). */
    size_t c = i;
    while (i < n && i - c < 16 && !(v[i] == '/' && i + 1 < n && v[i + 1] == '/'))
        i++;
    size_t cend = i, b = i, bend = i;
    if (i + 1 < n && v[i] == '/' && v[i + 1] == '/') {
        b = i + 2;
        bend = b;
        while (bend < n && bend - b < 16 && v[bend] != '/')
            bend++;
    }
    int64_t signed_amount = dir[0] == 'D' ? -amount : amount;
    if (__builtin_add_overflow(m->sum, signed_amount, &m->sum)) m->bad_amount = 1;
    return rc_strbuf_set(&m->col[C_ACCOUNT], m->account.s ? m->account.s : "", m->account.len) ||
                   rc_strbuf_set(&m->col[C_CURRENCY], m->currency, strlen(m->currency)) ||
                   rc_strbuf_set(&m->col[C_VALUE], v, 6) ||
                   rc_strbuf_set(&m->col[C_ENTRY], v + 6, entry) ||
                   rc_strbuf_set(&m->col[C_DIR], dir, 1) ||
                   rc_strbuf_set(&m->col[C_AMOUNT], v + a, t - a) ||
                   rc_strbuf_set(&m->col[C_TYPE], v + t, 4) ||
                   rc_strbuf_set(&m->col[C_CREF], v + c, cend - c) ||
                   rc_strbuf_set(&m->col[C_BREF], v + b, bend - b) ||
                   rc_strbuf_set(&m->col[C_SUPP], v + bend, n - bend) ||
                   rc_strbuf_set(&m->col[C_INFO], "", 0) ||
                   rc_strbuf_set(&m->col[C_STMT], m->stmt, strlen(m->stmt))
               ? -2
               : 0;
}

/* The closing balance's check. */
static int check_closing(rc_mt940 *m, const char *v, size_t n, rc_csv_row *row) {
    int64_t closing, want;
    char cur[4], a[40], b[40];
    int ok = !balance_of(v, n, &closing, cur) && m->open && !m->bad_amount &&
             !strcmp(cur, m->currency) && !__builtin_add_overflow(m->opening, m->sum, &want) &&
             want == closing;
    if (ok) {
        money_text(closing, a, sizeof a);
        snprintf(m->msg, sizeof m->msg,
                 "statement %.30s: opening balance and lines agree with the closing balance %s %s",
                 m->stmt, a, cur);
    } else if (!m->open) {
        snprintf(m->msg, sizeof m->msg, "a closing balance (:62:) without an opening one (:60:)");
    } else {
        money_text(m->opening, a, sizeof a);
        money_text(m->sum, b, sizeof b);
        snprintf(m->msg, sizeof m->msg,
                 "statement %.30s: opening balance %s %s plus its lines %s does not give the "
                 "closing balance %.24s%s",
                 m->stmt, a, m->currency, b, v, m->bad_amount ? " (an amount was unreadable)" : "");
    }
    m->open = 0;
    return emit_about(m, m->done_raw.s, m->done_raw.len, m->done_line,
                      ok ? RC_BAI2_CHECK_OK : RC_BAI2_CHECK_FAILED, row);
}

/* Handles a finished tag; returns RC_CSV_HAVE_ROW when it produced a row. */
static int handle(rc_mt940 *m, rc_csv_row *row) {
    const char *t = m->done_tag, *v = m->done_value.s ? m->done_value.s : "";
    size_t n = m->done_value.len;
    m->msg[0] = '\0';
    if (!strcmp(t, "20")) {
        m->stmt[0] = '\0';
    } else if (!strcmp(t, "25")) {
        if (rc_strbuf_set(&m->account, v, n)) return RC_CSV_ENOMEM;
    } else if (!strcmp(t, "28C") || !strcmp(t, "28")) {
        snprintf(m->stmt, sizeof m->stmt, "%.*s", (int)n, v);
    } else if (!strcmp(t, "60F") || !strcmp(t, "60M")) {
        if (balance_of(v, n, &m->opening, m->currency)) {
            snprintf(m->msg, sizeof m->msg, ":%s: opening balance: not C/D, date, currency, amount",
                     t);
            return emit_about(m, m->done_raw.s, m->done_raw.len, m->done_line, RC_CSV_ROW_SYNTAX,
                              row);
        }
        m->open = 1;
        m->sum = 0;
        m->bad_amount = 0;
    } else if (!strcmp(t, "61")) {
        int rc = statement_line(m, v, n);
        if (rc == -2) return RC_CSV_ENOMEM;
        if (rc) {
            m->bad_amount = 1; /* the closing balance cannot agree now */
            return emit_about(m, m->done_raw.s, m->done_raw.len, m->done_line, RC_CSV_ROW_SYNTAX,
                              row);
        }
        if (rc_strbuf_set(&m->row_raw, m->done_raw.s, m->done_raw.len)) return RC_CSV_ENOMEM;
        m->row_line = m->done_line;
        m->pending = 1;
    } else if (!strcmp(t, "86")) {
        /* Information about the line before; a statement-level :86: (after
         * the closing balance) belongs to no row. */
        if (m->pending &&
            (rc_strbuf_set(&m->col[C_INFO], v, n) || rc_strbuf_put(&m->row_raw, "\n", 1) ||
             rc_strbuf_put(&m->row_raw, m->done_raw.s, m->done_raw.len)))
            return RC_CSV_ENOMEM;
    } else if (!strcmp(t, "62F") || !strcmp(t, "62M")) {
        return check_closing(m, v, n, row);
    }
    return 0;
}

/* ---- lines ------------------------------------------------------------------------------ */

static int read_ahead(rc_mt940 *m) {
    if (m->have_ahead || m->eof) return 0;
    rc_csv_row raw;
    int rc = rc_csv_next(m->csv, &raw);
    if (rc == RC_CSV_EOF) {
        m->eof = 1;
        return 0;
    }
    if (rc < 0) return rc;
    m->ahead.line = raw.line;
    m->ahead.error = raw.error;
    m->ahead.error_field = raw.error_field;
    /* The line as written, its CR dropped. */
    size_t len = raw.raw_len;
    while (len && (raw.raw[len - 1] == '\r' || raw.raw[len - 1] == ' '))
        len--;
    if (rc_strbuf_set(&m->ahead.text, raw.raw, len)) return RC_CSV_ENOMEM;
    m->have_ahead = 1;
    return 0;
}

/* Ends the tag being read: it waits in done_* to be handled. */
static int finish_tag(rc_mt940 *m) {
    if (!m->in_tag) return 0;
    memcpy(m->done_tag, m->tag, sizeof m->tag);
    m->done_line = m->tag_line;
    if (rc_strbuf_set(&m->done_value, m->value.s ? m->value.s : "", m->value.len) ||
        rc_strbuf_set(&m->done_raw, m->raw.s ? m->raw.s : "", m->raw.len))
        return RC_CSV_ENOMEM;
    m->in_tag = 0;
    m->have_done = 1;
    return 0;
}

/* Takes the lookahead line into the tag being read (or starts a tag, or
 * ends one). A lone "-" ends a message unless the tag's text goes on after
 * it (banks wrap "MND-EV01" there). Returns 0, RC_CSV_HAVE_ROW with an
 * error row, or a negative RC_CSV_E*. */
static int take_line(rc_mt940 *m, rc_csv_row *row) {
    line_t *l = &m->ahead;
    const char *s = l->text.s ? l->text.s : "";
    size_t n = l->text.len;
    char tag[5];
    size_t k;
    m->last_line = l->line;
    m->have_ahead = 0;
    if (l->error != RC_CSV_ROW_OK) {
        int rc = finish_tag(m);
        if (rc) return rc;
        snprintf(m->msg, sizeof m->msg, "%s", rc_csv_row_errmsg(l->error));
        return emit_about(m, s, n, l->line, l->error, row);
    }
    if ((k = tag_at(s, n, tag)) != 0) {
        int rc = finish_tag(m);
        if (rc) return rc;
        memcpy(m->tag, tag, sizeof tag);
        m->tag_line = l->line;
        m->in_tag = 1;
        return rc_strbuf_set(&m->value, s + k, n - k) || rc_strbuf_set(&m->raw, s, n)
                   ? RC_CSV_ENOMEM
                   : 0;
    }
    if (n == 0 || is_block(s, n)) return finish_tag(m);
    if (n == 1 && s[0] == '-') {
        int rc = read_ahead(m);
        if (rc) return rc;
        char t2[5];
        int ends = !m->have_ahead ||
                   tag_at(m->ahead.text.s ? m->ahead.text.s : "", m->ahead.text.len, t2) ||
                   is_block(m->ahead.text.s ? m->ahead.text.s : "", m->ahead.text.len);
        if (ends || !m->in_tag) return finish_tag(m);
        return rc_strbuf_put(&m->value, "-", 1) || rc_strbuf_put(&m->raw, "\n-", 2) ? RC_CSV_ENOMEM
                                                                                    : 0;
    }
    if (!m->in_tag) {
        snprintf(m->msg, sizeof m->msg, "not an MT940 line: no tag (:20:, :61:, ...) before it");
        return emit_about(m, s, n, l->line, RC_CSV_ROW_SYNTAX, row);
    }
    /* A continuation: joined without a separator. */
    return rc_strbuf_put(&m->value, s, n) || rc_strbuf_put(&m->raw, "\n", 1) ||
                   rc_strbuf_put(&m->raw, s, n)
               ? RC_CSV_ENOMEM
               : 0;
}

/* At the end: a statement without its closing balance was cut short. */
static int check_end(rc_mt940 *m, rc_csv_row *row) {
    if (!m->open) return RC_CSV_EOF;
    m->open = 0;
    snprintf(m->msg, sizeof m->msg,
             "the file ends at line %llu inside statement %.30s, without its closing balance "
             "(:62F:): it is truncated, its balance unchecked",
             (unsigned long long)m->last_line, m->stmt);
    return emit_about(m, "", 0, m->last_line, RC_BAI2_CHECK_FAILED, row);
}

int rc_mt940_next(rc_mt940 *m, rc_csv_row *row) {
    for (;;) {
        if (m->have_done) {
            /* A row is complete when any tag but its :86: comes. */
            if (m->pending && strcmp(m->done_tag, "86") != 0) {
                emit_row(m, row);
                return RC_CSV_HAVE_ROW;
            }
            m->have_done = 0;
            int rc = handle(m, row);
            if (rc) return rc;
            continue;
        }
        int rc = read_ahead(m);
        if (rc) return rc;
        if (!m->have_ahead) { /* the end of the input */
            if (m->in_tag) {
                if ((rc = finish_tag(m)) != 0) return rc;
                continue;
            }
            if (m->pending) {
                emit_row(m, row);
                return RC_CSV_HAVE_ROW;
            }
            return check_end(m, row);
        }
        if ((rc = take_line(m, row)) != 0) return rc;
    }
}

int rc_mt940_open(rc_csv *csv, rc_mt940 **out) {
    *out = calloc(1, sizeof **out);
    if (!*out) return RC_CSV_ENOMEM;
    (*out)->csv = csv;
    return 0;
}

const char *rc_mt940_message(const rc_mt940 *m) {
    return m->msg;
}

void rc_mt940_close(rc_mt940 *m) {
    if (!m) return;
    rc_strbuf *bufs[] = {&m->ahead.text, &m->value,   &m->raw,    &m->done_value,
                         &m->done_raw,   &m->account, &m->row_raw};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        rc_strbuf_free(bufs[i]);
    for (int k = 0; k < RC_MT940_COLUMNS; k++)
        rc_strbuf_free(&m->col[k]);
    free(m);
}
