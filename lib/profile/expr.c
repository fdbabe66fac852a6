/* expr: parsing and evaluating the column expressions of profiles (see
 * expr.h for the language). Evaluation appends into a caller's buffer and
 * never allocates per row once the buffer has grown to the row's size. */
#include "profile/expr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    rc_xop op;
    size_t min_args, max_args;
} CALLS[] = {
    {"concat", RC_X_CONCAT, 1, 32}, {"coalesce", RC_X_COALESCE, 1, 32}, {"if", RC_X_IF, 2, 2},
    {"neg", RC_X_NEG, 1, 1},        {"sum", RC_X_SUM, 1, 32},           {"date", RC_X_DATE, 1, 1},
};

/* Length of a call name at s followed by '(' (spaces allowed), and its
 * index in CALLS, or 0. */
static size_t call_at(const char *s, int *which) {
    for (size_t k = 0; k < sizeof CALLS / sizeof CALLS[0]; k++) {
        size_t n = strlen(CALLS[k].name);
        if (strncasecmp(s, CALLS[k].name, n) != 0) continue;
        size_t i = n;
        while (s[i] == ' ' || s[i] == '\t')
            i++;
        if (s[i] == '(') {
            *which = (int)k;
            return i + 1;
        }
    }
    return 0;
}

int rc_expr_is_call(const char *text) {
    int k;
    while (*text == ' ' || *text == '\t')
        text++;
    return call_at(text, &k) != 0;
}

int rc_slot_add(rc_slots *slots, const char *ref, size_t len, int optional) {
    while (len && isspace((unsigned char)*ref))
        ref++, len--;
    while (len && isspace((unsigned char)ref[len - 1]))
        len--;
    if (!len || slots->n == RC_MAX_SLOTS) return -1;
    rc_slot s = {NULL, 0, optional};
    if (ref[0] == '#') {
        size_t pos = 0;
        for (size_t i = 1; i < len; i++) {
            if (!isdigit((unsigned char)ref[i]) || pos > 100000) return -1;
            pos = pos * 10 + (size_t)(ref[i] - '0');
        }
        if (pos == 0) return -1;
        s.position = pos;
    } else {
        if (!(s.name = malloc(len + 1))) return -1;
        memcpy(s.name, ref, len);
        s.name[len] = '\0';
    }
    slots->slot[slots->n] = s;
    return (int)slots->n++;
}

int rc_slot_add_maybe(rc_slots *slots, const char *ref, size_t len, int optional) {
    while (len && (ref[len - 1] == ' ' || ref[len - 1] == '\t'))
        len--;
    int maybe = len && ref[len - 1] == '?';
    return rc_slot_add(slots, ref, len - (size_t)maybe, optional || maybe);
}

void rc_slots_free(rc_slots *slots) {
    for (size_t i = 0; i < slots->n; i++)
        free(slots->slot[i].name);
    slots->n = 0;
}

void rc_expr_free(rc_expr *x) {
    if (!x) return;
    for (size_t i = 0; i < x->nargs; i++)
        rc_expr_free(x->args[i]);
    free(x->args);
    free(x->text);
    free(x);
}

/* ---- parsing ------------------------------------------------------------------------ */

typedef struct {
    const char *s;
    size_t i;
    rc_slots *slots;
    int optional;
    char *err;
    size_t errsize;
} parser;

static int fail(parser *p, const char *what) {
    if (!p->err[0]) snprintf(p->err, p->errsize, "%s at character %zu", what, p->i + 1);
    return -1;
}

static void skip_ws(parser *p) {
    while (p->s[p->i] == ' ' || p->s[p->i] == '\t')
        p->i++;
}

static rc_expr *node(rc_xop op) {
    rc_expr *x = calloc(1, sizeof(rc_expr));
    if (x) x->op = op;
    return x;
}

static int parse_arg(parser *p, rc_expr **out);

/* The arguments up to the closing ')', appended to x. */
static int parse_args(parser *p, rc_expr *x) {
    for (;;) {
        rc_expr *a = NULL;
        if (parse_arg(p, &a) != 0) return -1;
        rc_expr **grown = realloc(x->args, (x->nargs + 1) * sizeof *grown);
        if (!grown) {
            rc_expr_free(a);
            return fail(p, "out of memory");
        }
        x->args = grown;
        x->args[x->nargs++] = a;
        skip_ws(p);
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->s[p->i] == ')') {
            p->i++;
            return 0;
        }
        return fail(p, "expected ',' or ')'");
    }
}

/* Like every parse_* function, sets *out only on success: on failure what
 * was built is freed here, so a failing nested call leaks nothing. */
static int parse_call(parser *p, rc_expr **out) {
    int k;
    size_t n = call_at(p->s + p->i, &k);
    if (!n) return fail(p, "expected concat(, coalesce(, if(, neg(, sum( or date(");
    p->i += n;
    rc_expr *x = node(CALLS[k].op);
    if (!x) return fail(p, "out of memory");
    if (parse_args(p, x) != 0) {
        rc_expr_free(x);
        return -1;
    }
    if (x->nargs < CALLS[k].min_args || x->nargs > CALLS[k].max_args) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s() takes %zu%s argument%s", CALLS[k].name, CALLS[k].min_args,
                 CALLS[k].max_args > CALLS[k].min_args ? " or more" : "",
                 CALLS[k].min_args == 1 ? "" : "s");
        rc_expr_free(x);
        return fail(p, msg);
    }
    *out = x;
    return 0;
}

static int parse_literal(parser *p, rc_expr **out) {
    size_t start = ++p->i;
    while (p->s[p->i] && p->s[p->i] != '"')
        p->i++;
    if (p->s[p->i] != '"') return fail(p, "unterminated \"literal\"");
    rc_expr *x = node(RC_X_LIT);
    char *t = malloc(p->i - start + 1);
    if (!x || !t) {
        free(x);
        free(t);
        return fail(p, "out of memory");
    }
    memcpy(t, p->s + start, p->i - start);
    t[p->i - start] = '\0';
    x->text = t;
    p->i++;
    *out = x;
    return 0;
}

/* A column name runs to the next ',' or ')' outside parentheses of its own. */
static int parse_column(parser *p, rc_expr **out) {
    size_t start = p->i;
    int depth = 0;
    for (; p->s[p->i]; p->i++) {
        char c = p->s[p->i];
        if (c == '(')
            depth++;
        else if (c == ')' && depth-- == 0)
            break;
        else if ((c == ',' && depth == 0) || c == '"')
            break;
    }
    /* NAME? is a column the file may lack; the call as a whole still needs
     * one of its columns (rc_profile_bind). */
    int slot = rc_slot_add_maybe(p->slots, p->s + start, p->i - start, p->optional);
    if (slot < 0)
        return fail(p, p->slots->n == RC_MAX_SLOTS ? "too many column references"
                                                   : "expected a column name or #N");
    rc_expr *x = node(RC_X_COL);
    if (!x) return fail(p, "out of memory");
    x->slot = slot;
    *out = x;
    return 0;
}

static int parse_arg(parser *p, rc_expr **out) {
    skip_ws(p);
    int k;
    if (p->s[p->i] == '"') return parse_literal(p, out);
    if (call_at(p->s + p->i, &k)) return parse_call(p, out);
    return parse_column(p, out);
}

int rc_expr_parse(const char *text, rc_slots *slots, int optional, rc_expr **out, char *err,
                  size_t errsize) {
    parser p = {text, 0, slots, optional, err, errsize};
    err[0] = '\0';
    *out = NULL;
    skip_ws(&p);
    int rc = parse_call(&p, out);
    if (rc == 0) {
        skip_ws(&p);
        if (p.s[p.i]) rc = fail(&p, "unexpected text after the call");
    }
    if (rc != 0) {
        rc_expr_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- evaluation --------------------------------------------------------------------- */

static int is_blank(char ch) {
    return ch == ' ' || ch == '\t';
}

/* A byte that may not start or end the digits of an amount once its one
 * sign marker is gone: a second marker, or a blank between marker and
 * digits. */
static int bad_edge(char ch) {
    return is_blank(ch) || ch == '+' || ch == '-' || ch == '(' || ch == ')';
}

/* Flips the sign of the amount in b from start on, whichever sign marker
 * rc_money_parse accepts it carries (a leading '+' or '-', a trailing '-',
 * parentheses), and writes it canonically: "-DIGITS" or "DIGITS". A text
 * the money parser would refuse (two markers, an unbalanced parenthesis, a
 * marker alone) is left as it is, so that neg() never makes a bad amount
 * look good. Returns -1 when out of memory. */
static int negate_text(rc_strbuf *b, size_t start) {
    const char *s = b->s + start;
    size_t from = 0, to = b->len - start;
    while (from < to && is_blank(s[from]))
        from++;
    while (to > from && is_blank(s[to - 1]))
        to--;
    int neg = 0;
    if (to - from >= 2 && s[from] == '(' && s[to - 1] == ')') {
        neg = 1;
        from++, to--;
    } else if (from < to && (s[from] == '+' || s[from] == '-')) {
        neg = s[from] == '-';
        from++;
    } else if (from < to && s[to - 1] == '-') {
        neg = 1;
        to--;
    }
    if (from == to || bad_edge(s[from]) || bad_edge(s[to - 1])) return 0;
    size_t body = to - from;
    if (!neg && rc_strbuf_put(b, "-", 1)) /* room for the '-' in front */
        return -1;
    char *d = b->s + start;
    memmove(d + !neg, d + from, body);
    if (!neg) d[0] = '-';
    b->len = start + !neg + body;
    b->s[b->len] = '\0';
    return 0;
}

const char *rc_cells_get(const rc_cells *c, int slot, size_t *len) {
    long i = slot >= 0 ? c->slot_index[slot] : -1;
    if (i < 0 || (size_t)i >= c->nfields) {
        *len = 0;
        return "";
    }
    const char *s = c->fields[i];
    size_t n = c->lens[i];
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

int rc_expr_eval(const rc_expr *x, const rc_cells *c, rc_strbuf *out) {
    const size_t start = out->len;
    switch (x->op) {
    case RC_X_COL: {
        size_t n;
        const char *s = rc_cells_get(c, x->slot, &n);
        return rc_strbuf_put(out, s, n) ? RC_EXPR_ENOMEM : n > 0;
    }
    case RC_X_LIT:
        return rc_strbuf_put(out, x->text, strlen(x->text)) ? RC_EXPR_ENOMEM : x->text[0] != '\0';
    case RC_X_CONCAT: {
        int any = 0;
        for (size_t i = 0; i < x->nargs; i++) {
            int r = rc_expr_eval(x->args[i], c, out);
            if (r < 0) return r;
            if (x->args[i]->op != RC_X_LIT) any |= r;
        }
        /* Only literals: the row has nothing for this field. */
        if (!any) out->len = start;
        if (out->s) out->s[out->len] = '\0';
        return any;
    }
    case RC_X_COALESCE:
        for (size_t i = 0; i < x->nargs; i++) {
            int r = rc_expr_eval(x->args[i], c, out);
            if (r != 0) return r;
            out->len = start;
        }
        if (out->s) out->s[start] = '\0';
        return 0;
    case RC_X_IF: {
        int r = rc_expr_eval(x->args[0], c, out);
        out->len = start;
        if (r <= 0) {
            if (out->s) out->s[start] = '\0';
            return r;
        }
        return rc_expr_eval(x->args[1], c, out);
    }
    case RC_X_NEG: {
        int r = rc_expr_eval(x->args[0], c, out);
        if (r <= 0) return r;
        return negate_text(out, start) ? RC_EXPR_ENOMEM : 1;
    }
    case RC_X_SUM:
        return RC_EXPR_NOT_TEXT;
    case RC_X_DATE: {
        /* The calendar date of a timestamp written in a zone the file does
         * not state: the text before its time. Read as a date, it claims
         * no instant it cannot know. */
        int r = rc_expr_eval(x->args[0], c, out);
        if (r <= 0) return r;
        size_t i = start;
        while (i < out->len && out->s[i] != ' ' && out->s[i] != 'T')
            i++;
        out->len = i;
        out->s[i] = '\0';
        return i > start;
    }
    }
    return RC_EXPR_NOT_TEXT; /* not an op: no text, and no allocation failed */
}
