/* bai2: BAI2 records -> rows of fixed columns (see bai2.h), with the
 * trailers' control totals and record counts checked as the file streams.
 * Memory: one record of lookahead (a 16 may be continued by 88s) and the
 * detail being built; nothing grows with the file. */
#include "formats/bai2.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* A record, copied out of the CSV reader (whose row the next read reuses). */
typedef struct {
    rc_strbuf text; /* the fields, each NUL-terminated, one after another */
    size_t off[64]; /* where each field starts in text */
    size_t nfields; /* fields beyond 64 are joined into the last (16 text) */
    rc_strbuf raw;
    uint64_t line;
    int error;
    size_t error_field; /* the record's field the reader's error is about */
    int type;           /* 01, 02, 03, 16, 88, 49, 98, 99; -1 when not a number */
} record;

struct rc_bai2 {
    rc_csv *csv;
    record ahead; /* the record read but not yet handled */
    int have_ahead;
    record cur;
    /* Context from the headers. */
    char group_currency[4], as_of[8];
    rc_strbuf account;
    char account_currency[4];
    int in_group, in_account, last_type;
    int in_file;     /* a record came after the last 99 (or there is no 99 yet) */
    int eof_checked; /* the end of the input was checked for missing trailers */
    /* The detail being built; emitted when a record that is not 88 comes. */
    int pending;
    rc_strbuf col[RC_BAI2_COLUMNS];
    rc_strbuf raw;
    uint64_t pending_line;
    /* The account's summaries (03 fields from the type code on, then each
     * continuing 88's), summed once the last 88 is read; for each field,
     * the line and field number it came from, for messages. */
    int summaries_open;
    rc_strbuf sum_text;
    size_t *sum_off;
    uint64_t *sum_line;
    size_t *sum_field;
    size_t sum_n, sum_cap;
    record sum_record; /* the 03, whose line a rejection names */
    /* Control sums: amounts and record counts per account, group, file. */
    int64_t acct_sum, group_sum, file_sum;
    long acct_records, group_records, file_records, group_accounts, file_groups;
    int overflow;
    /* The row handed out. */
    const char *fields[RC_BAI2_COLUMNS];
    size_t lens[RC_BAI2_COLUMNS];
    char msg[256];
    const char *reason; /* of the last structural error */
};

static const char *field(const record *r, size_t i) {
    return i < r->nfields ? r->text.s + r->off[i] : "";
}

/* Fields to walk: a record's, or an account's summaries gathered from its
 * 03 record and the 88s that continue it (a summary may be split between
 * them anywhere, even between its type code and its amount). */
typedef struct {
    const char *text;
    const size_t *off;
    size_t n;
} fieldview;

static const char *vfield(const fieldview *v, size_t i) {
    return i < v->n ? v->text + v->off[i] : "";
}

static fieldview view_of(const record *r) {
    return (fieldview){r->text.s, r->off, r->nfields};
}

/* Copies the reader's row. The '/' that ends a record is dropped from its
 * last field; a record over 64 fields has the rest joined with commas (only
 * a 16's text can be that long). */
static int copy_record(record *r, const rc_csv_row *row) {
    r->text.len = 0;
    r->nfields = 0;
    r->line = row->line;
    r->error = row->error;
    r->error_field = row->error_field;
    if (rc_strbuf_set(&r->raw, row->raw, row->raw_len)) return -1;
    for (size_t i = 0; i < row->nfields; i++) {
        if (i < 64) {
            r->off[r->nfields++] = r->text.len;
        } else {
            r->text.len--; /* joined to the last field, after its NUL is dropped */
            if (rc_strbuf_put(&r->text, ",", 1)) return -1;
        }
        if (rc_strbuf_put(&r->text, row->fields[i], row->lens[i]) ||
            rc_strbuf_put(&r->text, "\0", 1))
            return -1;
    }
    if (r->nfields) {
        char *last = r->text.s + r->off[r->nfields - 1];
        size_t n = strlen(last);
        if (n && last[n - 1] == '/') last[n - 1] = '\0';
    }
    const char *t = field(r, 0);
    r->type = (strlen(t) == 2 && t[0] >= '0' && t[0] <= '9' && t[1] >= '0' && t[1] <= '9')
                  ? (t[0] - '0') * 10 + (t[1] - '0')
                  : -1;
    return 0;
}

/* What a rejection of r names: its line, bytes and field count. */
static int copy_same(record *to, const record *from) {
    to->line = from->line;
    to->nfields = from->nfields;
    to->error_field = 0;
    return rc_strbuf_set(&to->raw, from->raw.s ? from->raw.s : "", from->raw.len);
}

/* A BAI2 amount: optional sign, digits. Empty is 0. */
static int amount(const char *s, int64_t *out) {
    int neg = 0;
    int64_t v = 0;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, *s - '0', &v))
            return -1;
    }
    *out = neg ? -v : v;
    return 0;
}

/* A count or code field: digits only, at most max. -1 for anything else
 * (empty, a sign, junk, too large): a count read loosely (atoi) could be
 * negative or huge and send the field walk backwards or nowhere. */
static long count_of(const char *s, long max) {
    long n = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > (max - (*s - '0')) / 10) return -1;
        n = n * 10 + (*s - '0');
    }
    return n;
}

/* The number of (days, amount) pairs of a funds type D whose count is
 * field i; -1 when that field is not a count, or counts more pairs than
 * the record has fields left. */
static long distributions(const fieldview *v, size_t i) {
    long room = i < v->n ? (long)((v->n - i - 1) / 2) : 0;
    return count_of(vfield(v, i), room);
}

static void add(rc_bai2 *b, int64_t *sum, int64_t v) {
    if (__builtin_add_overflow(*sum, v, sum)) b->overflow = 1;
}

/* Sums the amounts of an account's summary groups (type, amount, item
 * count, funds type and the funds type's own fields), from field 0 of v.
 * Returns 0, or 1 + the index of a distribution count that is not one. */
static size_t sum_summaries(rc_bai2 *b, const fieldview *sv) {
    size_t i = 0;
    while (i + 1 < sv->n) {
        int64_t v;
        if (amount(vfield(sv, i + 1), &v) == 0) add(b, &b->acct_sum, v);
        const char *funds = vfield(sv, i + 3);
        i += 4;
        if (funds[0] == 'S' || funds[0] == 's') {
            i += 3;
        } else if (funds[0] == 'V' || funds[0] == 'v') {
            i += 2;
        } else if (funds[0] == 'D' || funds[0] == 'd') {
            long n = distributions(sv, i);
            if (n < 0) return i + 1;
            i += 1 + 2 * (size_t)n;
        }
    }
    return 0;
}

/* Adds fields from..nfields-1 of r to the account's summaries. */
static int gather_summaries(rc_bai2 *b, const record *r, size_t from) {
    for (size_t k = from; k < r->nfields; k++) {
        if (b->sum_n == b->sum_cap) {
            size_t cap = b->sum_cap ? 2 * b->sum_cap : 32;
            size_t *off = realloc(b->sum_off, cap * sizeof *off);
            if (off) b->sum_off = off;
            size_t *fno = realloc(b->sum_field, cap * sizeof *fno);
            if (fno) b->sum_field = fno;
            uint64_t *line = realloc(b->sum_line, cap * sizeof *line);
            if (line) b->sum_line = line;
            if (!off || !fno || !line) return -1;
            b->sum_cap = cap;
        }
        b->sum_off[b->sum_n] = b->sum_text.len;
        b->sum_field[b->sum_n] = k;
        b->sum_line[b->sum_n++] = r->line;
        const char *f = field(r, k);
        if (rc_strbuf_put(&b->sum_text, f, strlen(f) + 1)) return -1;
    }
    return 0;
}

/* 100-399 and 920-959 are credits, 400-699 and 960-999 debits (BAI2 type
 * code ranges; the custom 9xx halves as most banks use them). */
static const char *direction(int code) {
    if ((code >= 100 && code <= 399) || (code >= 920 && code <= 959)) return "C";
    if ((code >= 400 && code <= 699) || (code >= 960 && code <= 999)) return "D";
    return "";
}

/* Where a 16 record's bank reference is: after the funds type's own
 * fields. 0 when funds type D's distribution count (field 4) is not one. */
static size_t detail_refs(const record *r) {
    const char *funds = field(r, 3);
    if (funds[0] == 'V' || funds[0] == 'v') return 6;
    if (funds[0] == 'S' || funds[0] == 's') return 7;
    if (funds[0] == 'D' || funds[0] == 'd') {
        fieldview v = view_of(r);
        long n = distributions(&v, 4);
        return n < 0 ? 0 : 5 + 2 * (size_t)n;
    }
    return 4;
}

/* The bytes of r from its field k to the end, as in the file: BAI2 text
 * is everything after the fields before it, commas and the spaces after
 * them included (the CSV reader trims spaces around fields). Spaces at
 * either end and the '/' that may end the record are not text. */
static void raw_from(const record *r, size_t k, const char **out, size_t *len) {
    const char *s = r->raw.s ? r->raw.s : "", *end = s + r->raw.len;
    for (size_t commas = 0; s < end && commas < k; s++)
        commas += *s == ',';
    while (s < end && *s == ' ')
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\r'))
        end--;
    if (end > s && end[-1] == '/') end--;
    *out = s;
    *len = (size_t)(end - s);
}

/* Builds the pending detail from a 16 record whose bank reference is
 * field i. */
static int start_detail(rc_bai2 *b, const record *r, size_t i) {
    const char *funds = field(r, 3);
    const char *value_date = funds[0] == 'V' || funds[0] == 'v' ? field(r, 4) : "";
    const char *vals[RC_BAI2_COLUMNS] = {b->account.s ? b->account.s : "",
                                         b->account_currency,
                                         b->as_of,
                                         field(r, 1),
                                         direction((int)count_of(field(r, 1), 999)),
                                         field(r, 2),
                                         funds,
                                         value_date,
                                         field(r, i),
                                         field(r, i + 1),
                                         ""};
    for (int k = 0; k < RC_BAI2_COLUMNS - 1; k++)
        if (rc_strbuf_set(&b->col[k], vals[k], strlen(vals[k]))) return -1;
    /* The text is the rest of the record, commas and all. */
    const char *text;
    size_t len = 0;
    b->col[10].len = 0;
    if (i + 2 < r->nfields) raw_from(r, i + 2, &text, &len);
    if (rc_strbuf_put(&b->col[10], "", 0) || (len && rc_strbuf_put(&b->col[10], text, len)))
        return -1;
    if (rc_strbuf_set(&b->raw, r->raw.s, r->raw.len)) return -1;
    b->pending_line = r->line;
    b->pending = 1;
    return 0;
}

static int continue_detail(rc_bai2 *b, const record *r) {
    rc_strbuf *text = &b->col[10];
    const char *more;
    size_t len = 0;
    if (r->nfields > 1) raw_from(r, 1, &more, &len);
    if (len && ((text->len && rc_strbuf_put(text, " ", 1)) || rc_strbuf_put(text, more, len)))
        return -1;
    return rc_strbuf_put(&b->raw, "\n", 1) || rc_strbuf_put(&b->raw, r->raw.s, r->raw.len) ? -1 : 0;
}

static void emit_detail(rc_bai2 *b, rc_csv_row *row) {
    for (int k = 0; k < RC_BAI2_COLUMNS; k++) {
        b->fields[k] = b->col[k].s ? b->col[k].s : "";
        b->lens[k] = b->col[k].len;
    }
    *row = (rc_csv_row){RC_BAI2_COLUMNS, b->fields,       b->lens,       b->raw.s,
                        b->raw.len,      b->pending_line, RC_CSV_ROW_OK, 0};
    b->pending = 0;
}

/* A row that reports on the record r: a check, a structural error, or the
 * reader's error (whose error_field is then a field of the record, not one
 * of the row's columns). */
static void emit_about(rc_bai2 *b, const record *r, int error, rc_csv_row *row) {
    *row =
        (rc_csv_row){0, b->fields, b->lens, r->raw.s, r->raw.len, r->line, error, r->error_field};
}

/* Compares a trailer's control total and count with what was read. */
static int check(rc_bai2 *b, const record *r, const char *what, int64_t sum, long records,
                 size_t count_field, rc_csv_row *row) {
    int64_t total;
    long want = count_of(field(r, count_field), LONG_MAX);
    int ok = amount(field(r, 1), &total) == 0 && total == sum && want == records && !b->overflow;
    if (ok)
        snprintf(b->msg, sizeof b->msg, "%s control total %lld and %ld records agree", what,
                 (long long)sum, records);
    else
        snprintf(b->msg, sizeof b->msg,
                 "%s trailer says control total %s and %s records; the file has %lld and %ld%s",
                 what, field(r, 1), field(r, count_field), (long long)sum, records,
                 b->overflow ? " (amounts overflowed)" : "");
    emit_about(b, r, ok ? RC_BAI2_CHECK_OK : RC_BAI2_CHECK_FAILED, row);
    return RC_CSV_HAVE_ROW;
}

static int structure_error(rc_bai2 *b, const record *r, const char *why, rc_csv_row *row) {
    snprintf(b->msg, sizeof b->msg, "%s", why);
    b->reason = "record_unknown";
    emit_about(b, r, RC_CSV_ROW_SYNTAX, row);
    return RC_CSV_HAVE_ROW;
}

/* A record whose funds type D distribution count (field i) is not a count
 * of the pairs that follow: the record is rejected, named. */
static int bad_count(rc_bai2 *b, const record *r, size_t i, rc_csv_row *row) {
    snprintf(b->msg, sizeof b->msg,
             "%02d record, field %zu: the distribution count of funds type D is '%.20s', not "
             "the number of (days, amount) pairs that follow",
             r->type, i + 1, field(r, i));
    b->reason = "record_invalid";
    emit_about(b, r, RC_CSV_ROW_SYNTAX, row);
    return RC_CSV_HAVE_ROW;
}

/* Sums the account's summaries once its 03 and every 88 continuing it are
 * read. A bad distribution count rejects the 03, naming the record and
 * field that hold it. */
static int finish_summaries(rc_bai2 *b, rc_csv_row *row) {
    b->summaries_open = 0;
    fieldview v = {b->sum_text.s, b->sum_off, b->sum_n};
    size_t bad = sum_summaries(b, &v);
    if (!bad) return 0;
    const record *r = &b->sum_record;
    size_t at = bad - 1;
    const char *value = vfield(&v, at);
    size_t fno = at < v.n ? b->sum_field[at] + 1 : r->nfields + 1;
    if (at < v.n && b->sum_line[at] != r->line)
        snprintf(b->msg, sizeof b->msg,
                 "03 record, continued at line %llu (88), field %zu: the distribution count of "
                 "funds type D is '%.20s', not the number of (days, amount) pairs that follow",
                 (unsigned long long)b->sum_line[at], fno, value);
    else
        snprintf(b->msg, sizeof b->msg,
                 "03 record, field %zu: the distribution count of funds type D is '%.20s', not "
                 "the number of (days, amount) pairs that follow",
                 fno, value);
    b->reason = "record_invalid";
    emit_about(b, r, RC_CSV_ROW_SYNTAX, row);
    return RC_CSV_HAVE_ROW;
}

/* Handles one record; returns RC_CSV_HAVE_ROW when it produced a row, 0
 * when it only changed the state. */
static int handle(rc_bai2 *b, const record *r, rc_csv_row *row) {
    b->msg[0] = '\0';
    if (r->error != RC_CSV_ROW_OK) {
        emit_about(b, r, r->error, row);
        return RC_CSV_HAVE_ROW;
    }
    b->file_records++;
    b->group_records++;
    b->acct_records++;
    b->in_file = 1;
    int prev = b->last_type;
    b->last_type = r->type;
    switch (r->type) {
    case 1:
        b->file_records = 1;
        b->file_sum = 0;
        b->file_groups = 0;
        return 0;
    case 2:
        b->in_group = 1;
        b->group_records = 1;
        b->group_sum = 0;
        b->group_accounts = 0;
        /* A group that names no currency reports in US dollars: BAI2's
         * default (an account without one takes its group's). */
        snprintf(b->group_currency, sizeof b->group_currency, "%.3s",
                 field(r, 6)[0] ? field(r, 6) : "USD");
        snprintf(b->as_of, sizeof b->as_of, "%.6s", field(r, 4));
        return 0;
    case 3:
        if (!b->in_group)
            return structure_error(b, r, "an account record (03) outside a group (02)", row);
        b->in_account = 1;
        b->acct_records = 1;
        b->acct_sum = 0;
        b->overflow = 0;
        if (rc_strbuf_set(&b->account, field(r, 1), strlen(field(r, 1)))) return RC_CSV_ENOMEM;
        snprintf(b->account_currency, sizeof b->account_currency, "%.3s",
                 field(r, 2)[0] ? field(r, 2) : b->group_currency);
        /* Summed when the last 88 continuing it has been read. */
        b->summaries_open = 1;
        b->sum_n = 0;
        b->sum_text.len = 0;
        if (copy_same(&b->sum_record, r) || gather_summaries(b, r, 3)) return RC_CSV_ENOMEM;
        return 0;
    case 16: {
        if (!b->in_account)
            return structure_error(b, r, "a detail record (16) outside an account (03)", row);
        /* The control total counts the record whatever becomes of its row. */
        int64_t v;
        if (amount(field(r, 2), &v) == 0) add(b, &b->acct_sum, v);
        size_t refs = detail_refs(r);
        if (!refs) return bad_count(b, r, 4, row);
        return start_detail(b, r, refs) ? RC_CSV_ENOMEM : 0;
    }
    case 88:
        /* A chain of 88s continues the same record: keep its type. */
        b->last_type = prev;
        if (prev == 16 && b->pending) return continue_detail(b, r) ? RC_CSV_ENOMEM : 0;
        if (prev == 3 && b->summaries_open && gather_summaries(b, r, 1)) return RC_CSV_ENOMEM;
        return 0;
    case 49: {
        if (!b->in_account)
            return structure_error(b, r, "an account trailer (49) without an account", row);
        b->in_account = 0;
        b->group_accounts++;
        int64_t sum = b->acct_sum;
        add(b, &b->group_sum, sum);
        return check(b, r, "account", sum, b->acct_records, 2, row);
    }
    case 98:
        if (!b->in_group) return structure_error(b, r, "a group trailer (98) without a group", row);
        b->in_group = 0;
        b->file_groups++;
        add(b, &b->file_sum, b->group_sum);
        return check(b, r, "group", b->group_sum, b->group_records, 3, row);
    case 99:
        b->in_file = 0;
        return check(b, r, "file", b->file_sum, b->file_records, 3, row);
    default:
        return structure_error(b, r, "not a BAI2 record type (01 02 03 16 88 49 98 99)", row);
    }
}

/* At the end of the input: a file cut short (no 49, 98 or 99 for what it
 * opened) would otherwise import as if complete, its totals never
 * checked. Its last record gets a failed check that says what is missing. */
static int check_end(rc_bai2 *b, rc_csv_row *row) {
    char what[128] = "";
    size_t used = 0;
    b->eof_checked = 1;
    if (!b->in_file && !b->in_group && !b->in_account) return RC_CSV_EOF;
    if (b->in_account)
        used += (size_t)snprintf(what, sizeof what, "the account trailer (49) of account %.40s",
                                 b->account.s ? b->account.s : "");
    if (b->in_group)
        used += (size_t)snprintf(what + used, sizeof what - used, "%sthe group trailer (98)",
                                 used ? ", " : "");
    if (b->in_file)
        snprintf(what + used, sizeof what - used, "%sthe file trailer (99)", used ? ", " : "");
    snprintf(b->msg, sizeof b->msg,
             "the file ends at line %llu without %s: it is truncated, its totals unchecked",
             (unsigned long long)b->cur.line, what);
    emit_about(b, &b->cur, RC_BAI2_CHECK_FAILED, row);
    return RC_CSV_HAVE_ROW;
}

int rc_bai2_next(rc_bai2 *b, rc_csv_row *row) {
    for (;;) {
        if (!b->have_ahead) {
            rc_csv_row raw;
            int rc = rc_csv_next(b->csv, &raw);
            if (rc == RC_CSV_EOF) {
                if (b->pending) {
                    emit_detail(b, row);
                    return RC_CSV_HAVE_ROW;
                }
                if (b->summaries_open && finish_summaries(b, row)) return RC_CSV_HAVE_ROW;
                return b->eof_checked ? RC_CSV_EOF : check_end(b, row);
            }
            if (rc < 0) return rc;
            if (copy_record(&b->ahead, &raw)) return RC_CSV_ENOMEM;
            b->have_ahead = 1;
        }
        /* A detail is complete when anything but a continuation follows. */
        int continued = b->ahead.type == 88 && b->ahead.error == RC_CSV_ROW_OK;
        if (b->pending && !continued) {
            emit_detail(b, row);
            return RC_CSV_HAVE_ROW;
        }
        if (b->summaries_open && !continued && finish_summaries(b, row)) return RC_CSV_HAVE_ROW;
        record tmp = b->cur;
        b->cur = b->ahead;
        b->ahead = tmp;
        b->have_ahead = 0;
        int rc = handle(b, &b->cur, row);
        if (rc != 0) return rc;
    }
}

int rc_bai2_open(rc_csv *csv, rc_bai2 **out) {
    *out = calloc(1, sizeof **out);
    if (!*out) return RC_CSV_ENOMEM;
    (*out)->csv = csv;
    (*out)->last_type = -1;
    return 0;
}

const char *rc_bai2_message(const rc_bai2 *b) {
    return b->msg;
}

const char *rc_bai2_reason(const rc_bai2 *b) {
    return b->reason ? b->reason : "record_unknown";
}

static void free_record(record *r) {
    rc_strbuf_free(&r->text);
    rc_strbuf_free(&r->raw);
}

void rc_bai2_close(rc_bai2 *b) {
    if (!b) return;
    free_record(&b->ahead);
    free_record(&b->cur);
    free_record(&b->sum_record);
    rc_strbuf_free(&b->sum_text);
    free(b->sum_off);
    free(b->sum_field);
    free(b->sum_line);
    rc_strbuf_free(&b->account);
    rc_strbuf_free(&b->raw);
    for (int k = 0; k < RC_BAI2_COLUMNS; k++)
        rc_strbuf_free(&b->col[k]);
    free(b);
}
