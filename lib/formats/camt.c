/* camt: ISO 20022 camt.052/053/054 -> rows of fixed columns (see camt.h),
 * with each statement's closing balance checked as the file streams.
 * expat parses; the parser is suspended after each entry, so memory holds
 * one entry and the line being parsed, whatever the file's size (a file on
 * one line is one line of memory). Amounts are summed exactly in
 * ten-thousandths of the major unit. */
#include "formats/camt.h"

#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/money.h"
#include "util/strbuf.h"

enum {
    K_ACCOUNT,
    K_CURRENCY,
    K_BOOKED,
    K_VALUE,
    K_DIR,
    K_AMOUNT,
    K_STATUS,
    K_BREF,
    K_E2E,
    K_REMIT,
    K_PARTY,
    K_INFO,
    K_BTC,
    K_STMT
};

#define DEPTH_MAX 48
#define NAME_MAX 24
#define RAW_MAX 16384

struct rc_camt {
    rc_csv *csv;
    XML_Parser xp;
    char path[DEPTH_MAX][NAME_MAX]; /* local names of the open elements */
    int depth;
    rc_strbuf text; /* the character data of the innermost element */
    char ccy[4];    /* the Ccy attribute of the last Amt opened */
    /* The statement (Stmt, Rpt or Ntfctn). */
    rc_strbuf account, stmt;
    char bal_type[8], bal_dir[8], bal_ccy[4];
    rc_strbuf bal_amount;
    int have_open, have_close, bad;
    int64_t opening, closing, sum;
    char currency[4];
    /* The entry being read. */
    int in_entry;
    rc_strbuf col[RC_CAMT_COLUMNS], debtor, creditor, domain, family, sub, prtry;
    rc_strbuf raw;
    uint64_t entry_line;
    /* The line being fed, and what came of it. */
    rc_strbuf cur;
    uint64_t line;
    int ready;      /* a row waits to be handed out */
    int ready_kind; /* its error: RC_CSV_ROW_OK (an entry) or a check */
    int suspended, done;
    const char *fields[RC_CAMT_COLUMNS];
    size_t lens[RC_CAMT_COLUMNS];
    rc_strbuf about; /* the raw text of a check or error row */
    uint64_t about_line;
    int oom;
    char msg[320];
};

static void put(rc_camt *c, rc_strbuf *b, const char *s, size_t n) {
    if (rc_strbuf_set(b, s, n)) c->oom = 1;
}

/* An amount as the format writes it (unsigned, decimal point) in
 * ten-thousandths of the major unit: the money parser with an exponent of
 * 4, so more decimals than that are refused unless they are zeros. */
static int amount_of(const char *s, size_t n, int64_t *out) {
    static const rc_money_fmt fmt = {'.', 0, RC_MONEY_MAJOR, ""};
    int64_t v;
    if (!n || (s[0] < '0' || s[0] > '9') || rc_money_parse(s, n, 4, &fmt, &v) != RC_MONEY_OK)
        return -1;
    *out = v;
    return 0;
}

static void money_text(int64_t v, char *out, size_t size) {
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(out, size, "%s%llu.%02llu", v < 0 ? "-" : "", (unsigned long long)(m / 10000),
             (unsigned long long)(m % 10000 / 100));
}

/* ---- where the parser is ---------------------------------------------------------------- */

/* 1 when the open elements end with the '/'-separated names of pattern. */
static int at(const rc_camt *c, const char *pattern) {
    if (c->depth > DEPTH_MAX) return 0; /* deeper than recorded: nothing we read */
    const char *end = pattern + strlen(pattern);
    int d = c->depth - 1;
    while (end > pattern) {
        const char *start = end;
        while (start > pattern && start[-1] != '/')
            start--;
        if (d < 0 || strlen(c->path[d]) != (size_t)(end - start) ||
            memcmp(c->path[d], start, (size_t)(end - start)) != 0)
            return 0;
        d--;
        end = start > pattern ? start - 1 : start;
    }
    return 1;
}

static int is_statement(const char *name) {
    return !strcmp(name, "Stmt") || !strcmp(name, "Rpt") || !strcmp(name, "Ntfctn");
}

static const char *local(const char *name) {
    const char *colon = strrchr(name, ':');
    return colon ? colon + 1 : name;
}

/* ---- entries and balances ---------------------------------------------------------------- */

static void start_entry(rc_camt *c) {
    c->in_entry = 1;
    c->entry_line = c->line;
    for (int k = 0; k < RC_CAMT_COLUMNS; k++)
        put(c, &c->col[k], "", 0);
    rc_strbuf *more[] = {&c->debtor, &c->creditor, &c->domain, &c->family, &c->sub, &c->prtry};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        put(c, more[i], "", 0);
    /* Its text: from the line it starts on (capped). */
    put(c, &c->raw, c->cur.s ? c->cur.s : "", c->cur.len < RAW_MAX ? c->cur.len : RAW_MAX);
}

static void end_entry(rc_camt *c) {
    c->in_entry = 0;
    rc_strbuf *col = c->col;
    const char *dir = col[K_DIR].s;
    /* CdtDbtInd is the entry's own direction, a reversal's too (ISO 20022:
     * RvslInd with DBIT reverses an original credit; the money goes out). */
    char d = !strcmp(dir, "CRDT") ? 'C' : !strcmp(dir, "DBIT") ? 'D' : 0;
    char ds[2] = {d, '\0'};
    put(c, &col[K_DIR], ds, d ? 1 : 0);
    rc_strbuf *party = d == 'C' ? &c->debtor : &c->creditor;
    put(c, &col[K_PARTY], party->s ? party->s : "", party->len);
    char code[96];
    if (c->domain.len)
        snprintf(code, sizeof code, "%s/%s/%s", c->domain.s, c->family.s ? c->family.s : "",
                 c->sub.s ? c->sub.s : "");
    else
        snprintf(code, sizeof code, "%s", c->prtry.s ? c->prtry.s : "");
    put(c, &col[K_BTC], code, strlen(code));
    put(c, &col[K_ACCOUNT], c->account.s ? c->account.s : "", c->account.len);
    put(c, &col[K_STMT], c->stmt.s ? c->stmt.s : "", c->stmt.len);
    /* Booked entries make the closing balance; pending ones do not. */
    int64_t v;
    int booked = !col[K_STATUS].len || !strcmp(col[K_STATUS].s, "BOOK");
    if (booked) {
        if (!d || amount_of(col[K_AMOUNT].s, col[K_AMOUNT].len, &v) ||
            __builtin_add_overflow(c->sum, d == 'D' ? -v : v, &c->sum))
            c->bad = 1;
        if (!c->currency[0]) memcpy(c->currency, col[K_CURRENCY].s, 4);
    }
    c->ready = 1;
    c->ready_kind = RC_CSV_ROW_OK;
}

static void end_balance(rc_camt *c) {
    int64_t v;
    if (amount_of(c->bal_amount.s, c->bal_amount.len, &v)) return;
    if (!strcmp(c->bal_dir, "DBIT")) v = -v;
    if (!strcmp(c->bal_type, "OPBD") || !strcmp(c->bal_type, "PRCD")) {
        c->opening = v;
        c->have_open = 1;
        memcpy(c->currency, c->bal_ccy, 4);
    } else if (!strcmp(c->bal_type, "CLBD")) {
        c->closing = v;
        c->have_close = 1;
    }
}

static void end_statement(rc_camt *c) {
    if (c->have_open && c->have_close) {
        int64_t want;
        char a[24], b[24], z[24];
        int ok =
            !c->bad && !__builtin_add_overflow(c->opening, c->sum, &want) && want == c->closing;
        money_text(c->opening, a, sizeof a);
        money_text(c->sum, b, sizeof b);
        money_text(c->closing, z, sizeof z);
        if (ok)
            snprintf(c->msg, sizeof c->msg,
                     "statement %.40s: opening balance %s %s and booked entries %s agree with "
                     "the closing balance",
                     c->stmt.s ? c->stmt.s : "", a, c->currency, b);
        else
            snprintf(c->msg, sizeof c->msg,
                     "statement %.40s: opening balance %s %s plus booked entries %s is not the "
                     "closing balance %s%s",
                     c->stmt.s ? c->stmt.s : "", a, c->currency, b, z,
                     c->bad ? " (an entry's amount was unreadable)" : "");
        c->about_line = c->line;
        put(c, &c->about, "", 0);
        c->ready = 1;
        c->ready_kind = ok ? RC_BAI2_CHECK_OK : RC_BAI2_CHECK_FAILED;
    }
    c->have_open = c->have_close = c->bad = 0;
    c->sum = 0;
    c->currency[0] = '\0';
}

/* ---- expat's callbacks ------------------------------------------------------------------ */

static void XMLCALL on_start(void *p, const XML_Char *name, const XML_Char **attr) {
    rc_camt *c = p;
    const char *n = local(name);
    if (c->depth < DEPTH_MAX) snprintf(c->path[c->depth], NAME_MAX, "%s", n);
    c->depth++;
    c->text.len = 0;
    if (c->depth <= DEPTH_MAX && !strcmp(n, "Ntry")) start_entry(c);
    if (!strcmp(n, "Amt")) {
        c->ccy[0] = '\0';
        for (size_t i = 0; attr[i]; i += 2)
            if (!strcmp(local(attr[i]), "Ccy")) snprintf(c->ccy, sizeof c->ccy, "%s", attr[i + 1]);
    }
}

static void XMLCALL on_text(void *p, const XML_Char *s, int len) {
    rc_camt *c = p;
    if (c->text.len + (size_t)len < 4096 && rc_strbuf_put(&c->text, s, (size_t)len)) c->oom = 1;
}

/* The text, spaces around it dropped. */
static void trimmed(const rc_camt *c, const char **s, size_t *n) {
    *s = c->text.s ? c->text.s : "";
    *n = c->text.len;
    while (*n && (**s == ' ' || **s == '\n' || **s == '\r' || **s == '\t'))
        ++*s, --*n;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r' ||
                  (*s)[*n - 1] == '\t'))
        --*n;
}

static void entry_field(rc_camt *c, const char *s, size_t n) {
    rc_strbuf *col = c->col;
    if (at(c, "Ntry/Amt")) {
        put(c, &col[K_AMOUNT], s, n);
        put(c, &col[K_CURRENCY], c->ccy, strlen(c->ccy));
    } else if (at(c, "Ntry/CdtDbtInd")) {
        put(c, &col[K_DIR], s, n);
    } else if ((at(c, "Ntry/Sts") && n) || at(c, "Ntry/Sts/Cd")) {
        /* <Sts>BOOK</Sts> (version 02), <Sts><Cd>BOOK</Cd></Sts> (08 on). */
        put(c, &col[K_STATUS], s, n);
    } else if (at(c, "Ntry/BookgDt/Dt") || at(c, "Ntry/BookgDt/DtTm")) {
        put(c, &col[K_BOOKED], s, n < 10 ? n : 10);
    } else if (at(c, "Ntry/ValDt/Dt") || at(c, "Ntry/ValDt/DtTm")) {
        put(c, &col[K_VALUE], s, n < 10 ? n : 10);
    } else if (at(c, "Ntry/AcctSvcrRef")) {
        put(c, &col[K_BREF], s, n);
    } else if (at(c, "Refs/EndToEndId") && !col[K_E2E].len) {
        put(c, &col[K_E2E], s, n);
    } else if (at(c, "RmtInf/Ustrd")) {
        if ((col[K_REMIT].len && rc_strbuf_put(&col[K_REMIT], " ", 1)) ||
            rc_strbuf_put(&col[K_REMIT], s, n))
            c->oom = 1;
    } else if ((at(c, "RltdPties/Dbtr/Nm") || at(c, "RltdPties/Dbtr/Pty/Nm")) && !c->debtor.len) {
        put(c, &c->debtor, s, n);
    } else if ((at(c, "RltdPties/Cdtr/Nm") || at(c, "RltdPties/Cdtr/Pty/Nm")) && !c->creditor.len) {
        put(c, &c->creditor, s, n);
    } else if (at(c, "Ntry/AddtlNtryInf")) {
        put(c, &col[K_INFO], s, n);
    } else if (at(c, "Ntry/BkTxCd/Domn/Cd")) {
        put(c, &c->domain, s, n);
    } else if (at(c, "Ntry/BkTxCd/Domn/Fmly/Cd")) {
        put(c, &c->family, s, n);
    } else if (at(c, "Ntry/BkTxCd/Domn/Fmly/SubFmlyCd")) {
        put(c, &c->sub, s, n);
    } else if (at(c, "Ntry/BkTxCd/Prtry/Cd")) {
        put(c, &c->prtry, s, n);
    }
}

static void statement_field(rc_camt *c, const char *s, size_t n) {
    if (at(c, "Acct/Id/IBAN") || at(c, "Acct/Id/Othr/Id")) {
        put(c, &c->account, s, n);
    } else if (at(c, "Stmt/Id") || at(c, "Rpt/Id") || at(c, "Ntfctn/Id")) {
        put(c, &c->stmt, s, n);
    } else if (at(c, "Bal/Tp/CdOrPrtry/Cd")) {
        snprintf(c->bal_type, sizeof c->bal_type, "%.*s", (int)n, s);
    } else if (at(c, "Bal/Amt")) {
        put(c, &c->bal_amount, s, n);
        memcpy(c->bal_ccy, c->ccy, 4);
    } else if (at(c, "Bal/CdtDbtInd")) {
        snprintf(c->bal_dir, sizeof c->bal_dir, "%.*s", (int)n, s);
    }
}

static void XMLCALL on_end(void *p, const XML_Char *name) {
    rc_camt *c = p;
    const char *n = local(name);
    const char *s;
    size_t len;
    trimmed(c, &s, &len);
    if (c->depth <= DEPTH_MAX) {
        if (c->in_entry)
            entry_field(c, s, len);
        else
            statement_field(c, s, len);
    }
    c->text.len = 0;
    if (c->depth <= DEPTH_MAX) {
        if (!strcmp(n, "Ntry") && c->in_entry)
            end_entry(c);
        else if (!strcmp(n, "Bal") && !c->in_entry)
            end_balance(c);
        else if (is_statement(n) && !c->in_entry)
            end_statement(c);
    }
    c->depth--;
    /* One row at a time: the rest of the line waits for the next call. */
    if (c->ready) XML_StopParser(c->xp, XML_TRUE);
}

/* ---- driving ---------------------------------------------------------------------------- */

static int xml_failed(rc_camt *c, rc_csv_row *row) {
    snprintf(c->msg, sizeof c->msg, "XML: %s (line %llu, column %llu): nothing after it is read",
             XML_ErrorString(XML_GetErrorCode(c->xp)),
             (unsigned long long)XML_GetCurrentLineNumber(c->xp),
             (unsigned long long)XML_GetCurrentColumnNumber(c->xp) + 1);
    c->done = 1;
    c->suspended = 0; /* a parser in error is never resumed */
    c->ready = 0;
    *row = (rc_csv_row){0, c->fields, c->lens, "", 0, c->line, RC_CSV_ROW_SYNTAX, 0};
    return RC_CSV_HAVE_ROW;
}

static int after_parse(rc_camt *c, enum XML_Status st, rc_csv_row *row) {
    if (c->oom) return RC_CSV_ENOMEM;
    if (st == XML_STATUS_ERROR) return xml_failed(c, row);
    c->suspended = st == XML_STATUS_SUSPENDED;
    return 0;
}

static int emit(rc_camt *c, rc_csv_row *row) {
    int kind = c->ready_kind;
    c->ready = 0;
    if (kind != RC_CSV_ROW_OK) {
        *row =
            (rc_csv_row){0, c->fields, c->lens, c->about.s, c->about.len, c->about_line, kind, 0};
        return RC_CSV_HAVE_ROW;
    }
    for (int k = 0; k < RC_CAMT_COLUMNS; k++) {
        c->fields[k] = c->col[k].s ? c->col[k].s : "";
        c->lens[k] = c->col[k].len;
    }
    *row = (rc_csv_row){RC_CAMT_COLUMNS, c->fields,     c->lens,       c->raw.s ? c->raw.s : "",
                        c->raw.len,      c->entry_line, RC_CSV_ROW_OK, 0};
    return RC_CSV_HAVE_ROW;
}

/* Feeds the next line to the parser (the end of the input when there is
 * none). Returns 0, a row (an unreadable line, broken XML), or an error. */
static int feed(rc_camt *c, rc_csv_row *row) {
    rc_csv_row l;
    int rc = rc_csv_next(c->csv, &l);
    if (rc == RC_CSV_EOF) {
        c->done = 1;
        return after_parse(c, XML_Parse(c->xp, "", 0, 1), row);
    }
    if (rc < 0) return rc;
    c->line = l.line;
    if (l.error != RC_CSV_ROW_OK) {
        snprintf(c->msg, sizeof c->msg, "%s", rc_csv_row_errmsg(l.error));
        c->done = 1; /* the XML cannot go on without the line */
        *row =
            (rc_csv_row){0, c->fields, c->lens, l.raw, l.raw_len, l.line, l.error, l.error_field};
        return RC_CSV_HAVE_ROW;
    }
    /* An entry's text for its raw column: the lines it spans (capped). */
    if (c->in_entry && c->raw.len + l.raw_len + 1 < RAW_MAX &&
        (rc_strbuf_put(&c->raw, "\n", 1) || rc_strbuf_put(&c->raw, l.raw, l.raw_len)))
        return RC_CSV_ENOMEM;
    /* The line and its newline in one call: a parse suspended in the line
     * resumes from there, never with a second buffer pending. */
    if (rc_strbuf_set(&c->cur, l.raw, l.raw_len) || rc_strbuf_put(&c->cur, "\n", 1))
        return RC_CSV_ENOMEM;
    c->cur.len--; /* the newline is fed, not kept in the entry's text */
    return after_parse(c, XML_Parse(c->xp, c->cur.s, (int)c->cur.len + 1, 0), row);
}

int rc_camt_next(rc_camt *c, rc_csv_row *row) {
    for (;;) {
        if (c->ready) return emit(c, row);
        int rc;
        if (c->suspended) {
            if ((rc = after_parse(c, XML_ResumeParser(c->xp), row)) != 0) return rc;
            continue;
        }
        if (c->done) return RC_CSV_EOF;
        if ((rc = feed(c, row)) != 0) return rc;
    }
}

int rc_camt_open(rc_csv *csv, rc_camt **out) {
    rc_camt *c = calloc(1, sizeof *c);
    if (!c || !(c->xp = XML_ParserCreate("UTF-8"))) {
        free(c);
        return RC_CSV_ENOMEM;
    }
    c->csv = csv;
    XML_SetUserData(c->xp, c);
    XML_SetElementHandler(c->xp, on_start, on_end);
    XML_SetCharacterDataHandler(c->xp, on_text);
    *out = c;
    return 0;
}

const char *rc_camt_message(const rc_camt *c) {
    return c->msg;
}

void rc_camt_close(rc_camt *c) {
    if (!c) return;
    XML_ParserFree(c->xp);
    rc_strbuf *bufs[] = {&c->text,     &c->account, &c->stmt,   &c->bal_amount, &c->debtor,
                         &c->creditor, &c->domain,  &c->family, &c->sub,        &c->prtry,
                         &c->raw,      &c->about,   &c->cur};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        rc_strbuf_free(bufs[i]);
    for (int k = 0; k < RC_CAMT_COLUMNS; k++)
        rc_strbuf_free(&c->col[k]);
    free(c);
}
