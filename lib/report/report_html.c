/* report_html: the controller's one-page report (recon_report_html).
 *
 * One self-contained HTML5 page: inline CSS, an inline SVG chart drawn
 * here, no scripts, no fonts, no images, no links; a Content-Security-Policy
 * that forbids loading anything, so opening the page never touches the
 * network. Every figure comes from the reporting views (or, where a view
 * cannot be narrowed by the filter, from the same SQL over the tables), and
 * every text value is HTML-escaped: ids and descriptions come from files.
 *
 * Money is formatted from int64 minor units with the currency's exponent,
 * never through a float. Chart geometry is integer too (tenths of a pixel),
 * so the output does not depend on the locale's decimal point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "store/summary.h"
#include "util/calendar.h"
#include "util/money.h"
#include "util/strbuf.h"

typedef struct {
    recon_db *db;
    const recon_report_filter *filter;
    rc_strbuf b;
    int oom;
} page;

/* ---- output ----------------------------------------------------------------------------- */

static void putn(page *p, const char *s, size_t n) {
    if (!p->oom && rc_strbuf_put(&p->b, s, n)) p->oom = 1;
}

static void put(page *p, const char *s) {
    putn(p, s, strlen(s));
}

/* Formatted output for numbers and fixed markup; text values go through
 * esc(). */
static void putf(page *p, const char *fmt, ...) RC_PRINTF(2, 3);
static void putf(page *p, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        p->oom = 1; /* never for the short formats used here */
    else
        putn(p, buf, (size_t)n);
}

/* Text as HTML: the five characters that can end a text node or an
 * attribute value are written as references. NULL is empty. */
static void esc(page *p, const char *s) {
    if (!s) return;
    const char *run = s;
    for (; *s; s++) {
        const char *ref = NULL;
        switch (*s) {
        case '&':
            ref = "&amp;";
            break;
        case '<':
            ref = "&lt;";
            break;
        case '>':
            ref = "&gt;";
            break;
        case '"':
            ref = "&quot;";
            break;
        case '\'':
            ref = "&#39;";
            break;
        default:
            continue;
        }
        putn(p, run, (size_t)(s - run));
        put(p, ref);
        run = s + 1;
    }
    put(p, run);
}

static void esc_col(page *p, sqlite3_stmt *st, int col) {
    esc(p, (const char *)sqlite3_column_text(st, col));
}

/* An amount in major units with thousands grouped: "-232,596.42". An
 * unknown currency (exponent < 0) shows its minor units as they are. */
static void money(page *p, int64_t minor, int exponent) {
    char plain[32];
    if (exponent < 0 || rc_money_format(minor, exponent, plain, sizeof plain) < 0) {
        putf(p, "%lld (minor units)", (long long)minor);
        return;
    }
    const char *digits = plain[0] == '-' ? plain + 1 : plain;
    size_t whole = strcspn(digits, ".");
    if (digits != plain) put(p, "&minus;");
    for (size_t i = 0; i < whole; i++) {
        if (i > 0 && (whole - i) % 3 == 0) put(p, ",");
        putn(p, digits + i, 1);
    }
    put(p, digits + whole);
}

/* A money column of a statement: NULL is a sum that left the int64 range
 * (RC_SQL_SUM), said so rather than shown as a number. */
static void money_col(page *p, sqlite3_stmt *st, int col, int exponent) {
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        put(p, "<span class=\"diff\">past the int64 limit</span>");
    else
        money(p, sqlite3_column_int64(st, col), exponent);
}

static void count(page *p, int64_t n) {
    char plain[24];
    snprintf(plain, sizeof plain, "%lld", (long long)n);
    size_t len = strlen(plain);
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && plain[i - 1] != '-' && (len - i) % 3 == 0) put(p, ",");
        putn(p, plain + i, 1);
    }
}

/* ---- queries ---------------------------------------------------------------------------- */

/* Prepares and binds the filter (rc_bind_filter, which refuses a day that
 * is no YYYY-MM-DD date, as every report does). */
static int prepare(page *p, const char *sql, sqlite3_stmt **st) {
    int rc = rc_prepare(p->db, sql, st);
    if (!rc && (rc = rc_bind_filter(p->db, *st, p->filter)) != RECON_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
    }
    return rc;
}

/* Ends a statement's loop: the step's error, if any, becomes the message. */
static int finish(page *p, sqlite3_stmt *st, int step, const char *doing) {
    int rc = step == SQLITE_DONE ? RECON_OK : rc_fail_sql(p->db, doing);
    sqlite3_finalize(st);
    return rc;
}

static int exponent_col(sqlite3_stmt *st, int col) {
    return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int(st, col);
}

/* ---- the page's head and style ------------------------------------------------------- */

static const char STYLE[] =
    ":root{--ink:#1d2733;--muted:#5b6775;--line:#d9dee5;--bg:#f5f7fa;--ok:#2f7d4f;"
    "--open:#d9822b;--exc:#c0392b;--late:#8e6b00}"
    "*{box-sizing:border-box}"
    "body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--ink);background:#fff}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
    "padding-bottom:4px;border-bottom:2px solid var(--line)}"
    ".meta{color:var(--muted);margin:0 0 16px}"
    ".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}"
    ".card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:12px 16px}"
    ".card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}"
    ".card .value{font-size:26px;font-weight:600;font-variant-numeric:tabular-nums}"
    ".card .value.small{font-size:17px;line-height:1.5}"
    ".card .sub{color:var(--muted);font-size:12px}"
    ".card.alert .value{color:var(--exc)}"
    "table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}"
    "th{background:var(--bg);font-weight:600;white-space:nowrap}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.id{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;font-size:12px;"
    "word-break:break-all}td.nw{white-space:nowrap}"
    "tr.broken td{background:#fdecea}tr.late td{background:#fff6db}"
    "tr.in_transit td{color:var(--muted)}"
    "td.diff{color:var(--exc);font-weight:600}"
    ".st{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;"
    "background:#e3f1e8;color:var(--ok)}"
    "tr.broken .st{background:#f8d3cf;color:var(--exc)}"
    "tr.late .st{background:#fbe9b0;color:var(--late)}"
    "tr.in_transit .st{background:#e8ebef;color:var(--muted)}"
    ".empty{color:var(--muted);font-style:italic}"
    ".chart svg{width:100%;height:auto;display:block}"
    ".note{color:var(--muted);font-size:12px}"
    "footer{margin-top:32px;color:var(--muted);font-size:12px}"
    "@media print{body{padding:0;font-size:11px}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "section,tr,.card{break-inside:avoid}h2{break-after:avoid}}";

/* The settings line: as-of date and what the filter narrows to. */
static int head(page *p) {
    sqlite3_stmt *st;
    int rc = prepare(p, "SELECT as_of, payout_late_days FROM v_report_settings", &st);
    if (rc) return rc;
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) return finish(p, st, step, "reading the report settings");
    const recon_report_filter *f = p->filter;
    char now[21];
    rc_now_utc(now);
    put(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'\">\n<title>Reconciliation report as of ");
    esc_col(p, st, 0);
    put(p, "</title>\n<style>");
    put(p, STYLE);
    put(p, "</style>\n</head>\n<body>\n<header>\n<h1>Reconciliation report</h1>\n"
           "<p class=\"meta\" id=\"generated\">As of <strong>");
    esc_col(p, st, 0);
    put(p, "</strong> &middot; ");
    if (!f || (!f->from && !f->to && !f->source)) {
        put(p, "all days, all sources");
    } else {
        put(p, "days ");
        esc(p, f && f->from ? f->from : "(first)");
        put(p, " to ");
        esc(p, f && f->to ? f->to : "(last)");
        put(p, ", source ");
        if (f && f->source)
            esc(p, f->source);
        else
            put(p, "all");
    }
    putf(p,
         " &middot; payouts late after %d days &middot; generated %s by librecon %s</p>\n"
         "</header>\n",
         sqlite3_column_int(st, 1), now, recon_version());
    return finish(p, st, SQLITE_DONE, "reading the report settings");
}

/* ---- headline figures ------------------------------------------------------------------- */

/* clang-format off */
static int card_match_rate(page *p) {
    sqlite3_stmt *st;
    int rc = prepare(p,
                     "SELECT n, matched, " RC_SQL_MATCH_RATE("matched", "n")
                     " FROM (SELECT coalesce(sum(transactions), 0) AS n,"
                     " coalesce(sum(transactions) FILTER (WHERE status = 'matched'), 0)"
                     " AS matched FROM " RC_SQL_AGED_CELLS()
                     /* As of the report's day, like the unmatched figures. */
                     " WHERE age_days >= 0 AND" RC_SQL_FILTER("day", "source") ")",
                     &st);
    if (rc) return rc;
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) return finish(p, st, step, "counting transactions");
    int64_t all = sqlite3_column_int64(st, 0), matched = sqlite3_column_int64(st, 1);
    put(p, "<div class=\"card\" id=\"match-rate\"><div class=\"label\">Match rate</div>"
           "<div class=\"value\">");
    if (all > 0)
        esc_col(p, st, 2);
    else
        put(p, "&ndash;");
    put(p, "</div><div class=\"sub\">");
    count(p, matched);
    put(p, " of ");
    count(p, all);
    put(p, " transactions matched</div></div>\n");
    return finish(p, st, SQLITE_DONE, "counting transactions");
}

static int card_unmatched(page *p) {
    sqlite3_stmt *st;
    int rc = prepare(p,
                     /* what is open of each (v_unmatched.remaining_minor), from the
                      * summaries */
                     "SELECT u.currency, sum(u.transactions), "
                     RC_SQL_CELL_SUM("u.transactions", "u.gross_n", "u.gross_hi", "u.gross_lo", "1")
                     ", cu.exponent"
                     " FROM " RC_SQL_OPEN_CELLS() " u LEFT JOIN currencies cu ON cu.code = u.currency"
                     " WHERE" RC_SQL_FILTER("u.day", "u.source") "GROUP BY u.currency ORDER BY u.currency",
                     &st);
    if (rc) return rc;
    put(p, "<div class=\"card alert\" id=\"unmatched\"><div class=\"label\">Unmatched amount"
           "</div><div class=\"value small\">");
    int step, rows = 0;
    int64_t items = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        put(p, rows++ ? "<br>" : "");
        put(p, "<span class=\"amount\">");
        esc_col(p, st, 0);
        put(p, " ");
        money_col(p, st, 2, exponent_col(st, 3));
        put(p, "</span>");
        items += sqlite3_column_int64(st, 1);
    }
    if (!rows) put(p, "0");
    put(p, "</div><div class=\"sub\">");
    count(p, items);
    put(p, " transactions unmatched or in exceptions (absolute amounts)</div></div>\n");
    return finish(p, st, step, "adding up unmatched amounts");
}

/* A card with one count from a single-row query. */
static int card_count(page *p, const char *id, const char *label, const char *sub,
                      const char *sql) {
    sqlite3_stmt *st;
    int rc = prepare(p, sql, &st);
    if (rc) return rc;
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) return finish(p, st, step, label);
    int64_t n = sqlite3_column_int64(st, 0);
    putf(p, "<div class=\"card%s\" id=\"%s\"><div class=\"label\">%s</div><div class=\"value\">",
         n ? " alert" : "", id, label);
    count(p, n);
    putf(p, "</div><div class=\"sub\">%s</div></div>\n", sub);
    return finish(p, st, SQLITE_DONE, label);
}

/* Failures have no day column: the day one was last seen narrows them, as
 * in recon_report_each. */
#define FAILURES_FROM                                                                              \
    " FROM failures f LEFT JOIN sources s ON s.id = f.source_id"                                   \
    " LEFT JOIN unified_codes uc ON uc.code = f.unified_code"                                      \
    " WHERE f.resolved_at IS NULL AND" RC_SQL_FILTER("date(f.last_seen)", "s.name")

static int cards(page *p) {
    put(p, "<section class=\"cards\">\n");
    int rc = card_match_rate(p);
    if (!rc) rc = card_unmatched(p);
    if (!rc)
        rc = card_count(
            p, "exceptions", "Open exceptions", "ambiguous or near matches to decide",
            "SELECT count(*) FROM v_exceptions WHERE status = 'open' AND" RC_SQL_FILTER("day", "source"));
    if (!rc)
        rc = card_count(p, "failures", "Open failures",
                        "rejected rows and provider errors not resolved",
                        "SELECT count(*)" FAILURES_FROM);
    put(p, "</section>\n");
    return rc;
}
/* clang-format on */

/* ---- the chart: matched and unmatched transactions by day ------------------------------ */

/* Geometry in tenths of a pixel of a 960 x 300 drawing. */
enum { CW = 9600, CH = 3000, PL = 620, PR = 160, PT = 420, PB = 520 };
enum { PW = CW - PL - PR, PH = CH - PT - PB };

/* The smallest 1, 2 or 5 times a power of ten that is at least v. */
static int64_t nice_step(int64_t v) {
    int64_t base = 1;
    for (;;) {
        if (v <= base) return base;
        if (v <= 2 * base) return 2 * base;
        if (v <= 5 * base) return 5 * base;
        base *= 10;
    }
}

/* Tenths of a pixel as SVG user units ("12.5"). */
static void fx(page *p, int64_t v) {
    putf(p, "%s%lld.%lld", v < 0 ? "-" : "", (long long)(v < 0 ? -v : v) / 10,
         (long long)(v < 0 ? -v : v) % 10);
}

static void rect(page *p, const char *cls, int64_t x, int64_t y, int64_t w, int64_t h) {
    putf(p, "<rect class=\"%s\" x=\"", cls);
    fx(p, x);
    put(p, "\" y=\"");
    fx(p, y);
    put(p, "\" width=\"");
    fx(p, w);
    put(p, "\" height=\"");
    fx(p, h);
    put(p, "\"/>");
}

static void text(page *p, const char *attrs, int64_t x, int64_t y, const char *s) {
    put(p, "<text x=\"");
    fx(p, x);
    put(p, "\" y=\"");
    fx(p, y);
    putf(p, "\" %s>", attrs);
    esc(p, s);
    put(p, "</text>");
}

typedef struct {
    int64_t days, span, max, first; /* first: days since 1970 of the first day */
    int64_t matched, unmatched, exception;
    char first_day[11], last_day[11];
} chart_frame;

/* The day totals, made once per page by snapshot(). */
#define DAILY "WITH d AS (SELECT day, m, u, e FROM temp.rc_html_daily) "

static int chart_frame_read(page *p, chart_frame *c) {
    sqlite3_stmt *st;
    int rc = prepare(p,
                     DAILY "SELECT count(*), min(day), max(day),"
                           " CAST(julianday(max(day)) - julianday(min(day)) AS INTEGER) + 1,"
                           " max(m + u + e), sum(m), sum(u), sum(e) FROM d",
                     &st);
    if (rc) return rc;
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) return finish(p, st, step, "reading the daily summary");
    memset(c, 0, sizeof *c);
    c->days = sqlite3_column_int64(st, 0);
    const char *first = (const char *)sqlite3_column_text(st, 1);
    const char *last = (const char *)sqlite3_column_text(st, 2);
    if (c->days > 0 && first && last && rc_day_of(first) != RC_NO_DATE) {
        snprintf(c->first_day, sizeof c->first_day, "%s", first);
        snprintf(c->last_day, sizeof c->last_day, "%s", last);
        c->first = rc_day_of(first);
        c->span = sqlite3_column_int64(st, 3);
        c->max = sqlite3_column_int64(st, 4);
        c->matched = sqlite3_column_int64(st, 5);
        c->unmatched = sqlite3_column_int64(st, 6);
        c->exception = sqlite3_column_int64(st, 7);
    } else {
        c->days = 0;
    }
    if (c->span < 1) c->span = 1;
    return finish(p, st, SQLITE_DONE, "reading the daily summary");
}

/* Y grid every `step` transactions, X labels on about a dozen days. */
static void chart_axes(page *p, const chart_frame *c, int64_t top, int64_t step) {
    char label[32];
    for (int64_t v = 0; v <= top; v += step) {
        int64_t y = PT + PH - v * PH / top;
        putf(p, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"", PL / 10, (PL + PW) / 10);
        fx(p, y);
        put(p, "\" y2=\"");
        fx(p, y);
        put(p, "\"/>");
        snprintf(label, sizeof label, "%lld", (long long)v);
        text(p, "class=\"tick\" text-anchor=\"end\"", PL - 80, y + 35, label);
    }
    int64_t every = (c->span + 11) / 12;
    int same_year = !strncmp(c->first_day, c->last_day, 4);
    for (int64_t i = 0; i < c->span; i += every) {
        int64_t y;
        int m, d;
        rc_civil_from_days(c->first + i, &y, &m, &d);
        if (same_year)
            snprintf(label, sizeof label, "%02d-%02d", m, d);
        else
            snprintf(label, sizeof label, "%04d-%02d-%02d", (int)(y % 10000), m, d);
        int64_t x = PL + (2 * i + 1) * PW / (2 * c->span);
        text(p, "class=\"tick\" text-anchor=\"middle\"", x, PT + PH + 150, label);
    }
    put(p, "<line class=\"axis\" x1=\"62\" x2=\"944\" y1=\"248\" y2=\"248\"/>");
    text(p, "class=\"axis-title\" text-anchor=\"middle\"", PL + PW / 2, CH - 130,
         same_year ? "day (MM-DD)" : "day");
    text(p, "class=\"axis-title\" text-anchor=\"middle\" transform=\"rotate(-90 16 158)\"", 160,
         1580, "transactions per day");
}

static void chart_legend(page *p, const chart_frame *c) {
    static const char *const cls[] = {"m", "u", "e"};
    static const char *const name[] = {"matched", "unmatched", "in exceptions"};
    const int64_t n[] = {c->matched, c->unmatched, c->exception};
    for (int k = 0; k < 3; k++) {
        int64_t x = PL + k * 2200;
        rect(p, cls[k], x, 130, 160, 160);
        char label[64];
        snprintf(label, sizeof label, "%s (%lld)", name[k], (long long)n[k]);
        text(p, "class=\"legend\"", x + 220, 265, label);
    }
}

/* One day's stacked bar: matched at the bottom, then exceptions, then
 * unmatched; the <title> is the tooltip. */
static void chart_bar(page *p, const chart_frame *c, int64_t top, sqlite3_stmt *st) {
    int64_t i = sqlite3_column_int64(st, 1);
    const int64_t v[] = {sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 4),
                         sqlite3_column_int64(st, 3)};
    static const char *const cls[] = {"m", "e", "u"};
    int64_t x0 = PL + i * PW / c->span, x1 = PL + (i + 1) * PW / c->span;
    int64_t w = x1 - x0, gap = w >= 40 ? w / 5 : 0;
    if (w - gap > 600) /* one or two days: a bar, not a wall */
        gap = w - 600;
    put(p, "<g><title>");
    esc_col(p, st, 0);
    putf(p, ": %lld matched, %lld unmatched, %lld in exceptions</title>", (long long)v[0],
         (long long)v[2], (long long)v[1]);
    int64_t base = PT + PH, sum = 0;
    for (int k = 0; k < 3; k++) {
        if (!v[k]) continue;
        sum += v[k];
        int64_t y = PT + PH - sum * PH / top;
        rect(p, cls[k], x0 + gap / 2, y, w - gap > 10 ? w - gap : 10, base - y);
        base = y;
    }
    put(p, "</g>");
}

static int chart(page *p) {
    chart_frame c;
    int rc = chart_frame_read(p, &c);
    if (rc) return rc;
    put(p, "<section class=\"chart\" id=\"daily\">\n<h2>Matched and unmatched transactions by day"
           "</h2>\n");
    if (c.days == 0) {
        put(p, "<p class=\"empty\">No transactions in this period.</p>\n</section>\n");
        return RECON_OK;
    }
    int64_t step = nice_step((c.max + 3) / 4 > 0 ? (c.max + 3) / 4 : 1);
    int64_t top = (c.max + step - 1) / step * step;
    if (top < step) top = step;
    putf(p,
         "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
         "aria-labelledby=\"daily-title\">",
         CW / 10, CH / 10);
    put(p, "<title id=\"daily-title\">Transactions per day, ");
    esc(p, c.first_day);
    put(p, " to ");
    esc(p, c.last_day);
    put(p, ": matched, unmatched and in exceptions</title>"
           "<style>.m{fill:#2f7d4f}.u{fill:#e59a3c}.e{fill:#c0392b}"
           ".grid{stroke:#e3e7ec;stroke-width:.5}.axis{stroke:#5b6775;stroke-width:1}"
           "text{font-family:system-ui,Arial,sans-serif;fill:#5b6775}"
           ".tick{font-size:10px}.legend{font-size:12px;fill:#1d2733}"
           ".axis-title{font-size:11px}</style>");
    chart_axes(p, &c, top, step);
    chart_legend(p, &c);
    sqlite3_stmt *st;
    if ((rc = prepare(p,
                      DAILY "SELECT day, CAST(julianday(day) - julianday(?4) AS INTEGER),"
                            " m, u, e FROM d ORDER BY day",
                      &st)))
        return rc;
    sqlite3_bind_text(st, 4, c.first_day, -1, SQLITE_STATIC);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        chart_bar(p, &c, top, st);
    put(p, "</svg>\n</section>\n");
    return finish(p, st, s, "reading the daily summary");
}

/* ---- tables ----------------------------------------------------------------------------- */

static void table_head(page *p, const char *const *cols, size_t n) {
    put(p, "<table>\n<thead><tr>");
    for (size_t i = 0; i < n; i++) {
        const char *c = cols[i];
        int num = c[0] == '#';
        put(p, num ? "<th class=\"num\">" : "<th>");
        put(p, c + num);
        put(p, "</th>");
    }
    put(p, "</tr></thead>\n<tbody>\n");
}

static const char *payout_class(const char *status) {
    if (!status || !strcmp(status, "ok")) return "ok";
    if (!strcmp(status, "late")) return "late";
    if (!strcmp(status, "in_transit")) return "in_transit";
    return "broken";
}

/* Text with its commas followed by spaces, for the issue lists. */
static void esc_list(page *p, const char *s) {
    for (; s && *s; s++) {
        char ch[2] = {*s, '\0'};
        esc(p, ch);
        if (*s == ',') put(p, " ");
    }
}

static void payout_row(page *p, sqlite3_stmt *st) {
    const char *status = (const char *)sqlite3_column_text(st, 9);
    int exponent = exponent_col(st, 4);
    putf(p, "<tr class=\"%s\"><td class=\"id\">", payout_class(status));
    esc_col(p, st, 1);
    put(p, "</td><td>");
    esc_col(p, st, 0);
    put(p, "</td><td>");
    esc_col(p, st, 2);
    put(p, "</td><td>");
    esc_col(p, st, 3);
    put(p, "</td><td class=\"num\">");
    money_col(p, st, 5, exponent);
    put(p, "</td><td class=\"num\">");
    /* The bank amount in the bank's currency, named when it is another. */
    if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
        const char *cur = (const char *)sqlite3_column_text(st, 3);
        const char *bank_cur = (const char *)sqlite3_column_text(st, 11);
        if (bank_cur && cur && strcmp(bank_cur, cur) != 0) {
            esc(p, bank_cur);
            put(p, " ");
        }
        money(p, sqlite3_column_int64(st, 6), exponent_col(st, 12));
    }
    int diff = sqlite3_column_type(st, 7) != SQLITE_NULL && sqlite3_column_int64(st, 7) != 0;
    put(p, diff ? "</td><td class=\"num diff\">" : "</td><td class=\"num\">");
    if (sqlite3_column_type(st, 7) != SQLITE_NULL) money(p, sqlite3_column_int64(st, 7), exponent);
    put(p, "</td><td class=\"num\">");
    if (sqlite3_column_type(st, 8) != SQLITE_NULL)
        putf(p, "%lld", (long long)sqlite3_column_int64(st, 8));
    put(p, "</td><td><span class=\"st\">");
    esc_col(p, st, 9);
    put(p, "</span></td><td>");
    esc_list(p, (const char *)sqlite3_column_text(st, 10));
    put(p, "</td></tr>\n");
}

/* A page is not a ledger: up to PAYOUTS_ALL payouts are all listed; beyond
 * that only those that need a look (not ok), at most PAYOUTS_MAX, and the
 * rest are counted. `recon report payouts` lists every one. */
enum { PAYOUTS_ALL = 200, PAYOUTS_MAX = 500 };

typedef struct {
    int64_t all, ok, late, in_transit;
} payout_counts;

static int payout_counts_read(page *p, payout_counts *c) {
    sqlite3_stmt *st;
    int rc = prepare(p,
                     "SELECT count(*), count(*) FILTER (WHERE status = 'ok'),"
                     " count(*) FILTER (WHERE status = 'late'),"
                     " count(*) FILTER (WHERE status = 'in_transit')"
                     " FROM temp.rc_html_payouts",
                     &st);
    if (rc) return rc;
    int step = sqlite3_step(st);
    if (step != SQLITE_ROW) return finish(p, st, step, "counting the payouts");
    c->all = sqlite3_column_int64(st, 0);
    c->ok = sqlite3_column_int64(st, 1);
    c->late = sqlite3_column_int64(st, 2);
    c->in_transit = sqlite3_column_int64(st, 3);
    return finish(p, st, SQLITE_DONE, "counting the payouts");
}

static void payout_summary(page *p, const payout_counts *c, int listed, int only_open) {
    put(p, "<p class=\"note\" id=\"payout-counts\">");
    count(p, c->all);
    put(p, c->all == 1 ? " payout: " : " payouts: ");
    count(p, c->ok);
    put(p, " ok, ");
    count(p, c->all - c->ok - c->late - c->in_transit);
    put(p, " broken, ");
    count(p, c->late);
    put(p, " late, ");
    count(p, c->in_transit);
    put(p, " in transit.");
    if (only_open) {
        put(p, " Listed: ");
        count(p, listed);
        put(p, " that are not ok");
        put(p, listed < c->all - c->ok ? " (the first ones by day)" : "");
        put(p, "; <code>recon report payouts</code> lists every payout.");
    }
    put(p, "</p>\n");
}

static int payouts(page *p) {
    static const char *const cols[] = {"Payout",    "Source", "Day",         "Currency",
                                       "#Expected", "#Bank",  "#Difference", "#Days to arrive",
                                       "Status",    "Issues"};
    payout_counts c = {0, 0, 0, 0};
    int rc = payout_counts_read(p, &c);
    if (rc) return rc;
    int only_open = c.all > PAYOUTS_ALL;
    sqlite3_stmt *st;
    rc = prepare(p,
                 "SELECT source, payout_id, payout_day, currency, exponent, expected_minor,"
                 " CASE WHEN bank_records > 0 THEN bank_minor END, difference_minor,"
                 " days_to_arrive, status, issues, bank_currency,"
                 " (SELECT exponent FROM currencies WHERE code = bank_currency)"
                 " FROM temp.rc_html_payouts"
                 " WHERE ?4 = 0 OR status <> 'ok'"
                 " ORDER BY payout_day, source, payout_id, currency LIMIT ?5",
                 &st);
    if (rc) return rc;
    sqlite3_bind_int(st, 4, only_open);
    sqlite3_bind_int(st, 5, PAYOUTS_MAX);
    put(p, "<section id=\"payouts\">\n<h2>Payouts</h2>\n");
    int step, rows = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!rows++) {
            payout_summary(p, &c, 0, 0);
            table_head(p, cols, sizeof cols / sizeof cols[0]);
        }
        payout_row(p, st);
    }
    if (rows)
        put(p, "</tbody>\n</table>\n<p class=\"note\">Difference is what the bank received minus "
               "what was expected. Red rows break the chain (items &rarr; payout &rarr; bank "
               "credit), amber rows reached the bank late, grey rows are still in transit.</p>\n");
    if (only_open)
        payout_summary(p, &c, rows, 1);
    else if (!rows)
        put(p, "<p class=\"empty\">No payouts in this period.</p>\n");
    put(p, "</section>\n");
    return finish(p, st, step, "reading the payouts");
}

/* v_aging cannot be narrowed by day: the same figures from the summaries
 * it reads. */
static int aging(page *p) {
    static const char *const cols[] = {"Age (days)", "Currency", "#Items", "#Amount", "Oldest day"};
    sqlite3_stmt *st;
    /* clang-format off */
    int rc = prepare(
        p,
        "SELECT u.age_bucket, u.currency, sum(u.transactions),"
        " " RC_SQL_CELL_SUM("u.transactions", "u.gross_n", "u.gross_hi", "u.gross_lo", "1") ","
        " cu.exponent, min(u.day),"
        " CASE u.age_bucket WHEN '0-2' THEN 1 WHEN '3-7' THEN 2 WHEN '8-30' THEN 3"
        " ELSE 4 END AS bucket_order"
        " FROM " RC_SQL_OPEN_CELLS() " u LEFT JOIN currencies cu ON cu.code = u.currency"
        " WHERE" RC_SQL_FILTER(
            "u.day",
            "u.source") "GROUP BY u.age_bucket, u.currency ORDER BY bucket_order, u.currency",
        &st);
    /* clang-format on */
    if (rc) return rc;
    put(p, "<section id=\"aging\">\n<h2>Aging of unmatched transactions</h2>\n");
    int step, rows = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!rows++) table_head(p, cols, sizeof cols / sizeof cols[0]);
        put(p, "<tr><td>");
        esc_col(p, st, 0);
        put(p, "</td><td>");
        esc_col(p, st, 1);
        put(p, "</td><td class=\"num\">");
        count(p, sqlite3_column_int64(st, 2));
        put(p, "</td><td class=\"num\">");
        money_col(p, st, 3, exponent_col(st, 4));
        put(p, "</td><td>");
        esc_col(p, st, 5);
        put(p, "</td></tr>\n");
    }
    if (rows)
        put(p, "</tbody>\n</table>\n<p class=\"note\">Amounts are sums of absolute amounts; ages "
               "count to the as-of date.</p>\n");
    else
        put(p, "<p class=\"empty\">Nothing unmatched.</p>\n");
    put(p, "</section>\n");
    return finish(p, st, step, "reading the aging");
}

/* The open exceptions, oldest first, with their owner: what a team works
 * through. At most the first 50 rows; the note says how many there are. */
static int exceptions(page *p) {
    static const char *const cols[] = {"Day",    "Age (days)", "Source",      "Id",
                                       "Reason", "#Amount",    "Assigned to", "Rule"};
    sqlite3_stmt *st;
    /* clang-format off */
    int rc = prepare(p,
                     "SELECT e.day, e.age_days, e.source, e.external_id, e.reason, e.amount_minor,"
                     " cu.exponent, e.assigned_to, e.rule, count(*) OVER ()"
                     " FROM v_exceptions e LEFT JOIN currencies cu ON cu.code = e.currency"
                     " WHERE e.status = 'open' AND" RC_SQL_FILTER("e.day", "e.source")
                     "ORDER BY e.day, e.source, e.exception_id LIMIT 50",
                     &st);
    /* clang-format on */
    if (rc) return rc;
    put(p, "<section id=\"exceptions\">\n<h2>Open exceptions</h2>\n");
    int step, rows = 0;
    int64_t total = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!rows++) table_head(p, cols, sizeof cols / sizeof cols[0]);
        total = sqlite3_column_int64(st, 9);
        put(p, "<tr><td class=\"nw\">");
        esc_col(p, st, 0);
        put(p, "</td><td class=\"num\">");
        count(p, sqlite3_column_int64(st, 1));
        put(p, "</td><td>");
        esc_col(p, st, 2);
        put(p, "</td><td>");
        esc_col(p, st, 3);
        put(p, "</td><td>");
        esc_col(p, st, 4);
        put(p, "</td><td class=\"num\">");
        money_col(p, st, 5, exponent_col(st, 6));
        put(p, "</td><td>");
        if (sqlite3_column_type(st, 7) == SQLITE_NULL)
            put(p, "nobody");
        else
            esc_col(p, st, 7);
        put(p, "</td><td>");
        esc_col(p, st, 8);
        put(p, "</td></tr>\n");
    }
    if (rows) {
        put(p, "</tbody>\n</table>\n<p class=\"note\">Oldest first");
        if (total > rows) putf(p, ", the first %d of %lld", rows, (long long)total);
        put(p, "; <code>recon exception assign|comment|resolve</code> works them.</p>\n");
    } else {
        put(p, "<p class=\"empty\">No open exceptions.</p>\n");
    }
    put(p, "</section>\n");
    return finish(p, st, step, "reading the exceptions");
}

/* v_failures_summary has no source or day: the same grouping over the
 * table, narrowed, with each unified code's meaning. */
static int failures(page *p) {
    static const char *const cols[] = {"Unified code", "Category",  "Provider", "#Failures",
                                       "#Occurrences", "Last seen", "Meaning"};
    sqlite3_stmt *st;
    int rc = prepare(p,
                     "SELECT f.unified_code, f.category, f.provider, count(*), sum(f.occurrences),"
                     " max(f.last_seen), min(uc.meaning)" FAILURES_FROM
                     "GROUP BY f.unified_code, f.category, f.provider"
                     " ORDER BY count(*) DESC, f.unified_code, f.provider",
                     &st);
    if (rc) return rc;
    put(p, "<section id=\"failures-by-code\">\n<h2>Open failures by unified code</h2>\n");
    int step, rows = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!rows++) table_head(p, cols, sizeof cols / sizeof cols[0]);
        put(p, "<tr><td class=\"nw\">");
        esc_col(p, st, 0);
        put(p, "</td><td>");
        esc_col(p, st, 1);
        put(p, "</td><td>");
        esc_col(p, st, 2);
        put(p, "</td><td class=\"num\">");
        count(p, sqlite3_column_int64(st, 3));
        put(p, "</td><td class=\"num\">");
        count(p, sqlite3_column_int64(st, 4));
        put(p, "</td><td class=\"nw\">");
        esc_col(p, st, 5);
        put(p, "</td><td>");
        esc_col(p, st, 6);
        put(p, "</td></tr>\n");
    }
    if (rows)
        put(p, "</tbody>\n</table>\n<p class=\"note\">Every open failure: rows rejected at "
               "import, provider errors, failed payments (<code>recon failures list "
               "--open</code>).</p>\n");
    else
        put(p, "<p class=\"empty\">No open failures.</p>\n");
    put(p, "</section>\n");
    return finish(p, st, step, "reading the failures");
}

/* ---- the page --------------------------------------------------------------------------- */

/* The two views the page reads twice (the chart's frame and bars, the
 * payouts' counts and rows), each evaluated once into a temporary table:
 * on a million rows they are most of the page's time. */
static int snapshot(page *p) {
    /* clang-format off */
    static const char *const sql[] = {
        "CREATE TEMP TABLE rc_html_daily AS"
        " SELECT day, sum(matched_count) AS m, sum(unmatched_count) + sum(partial_count) AS u,"
        " sum(exception_count) AS e FROM v_daily_summary"
        " WHERE day IS NOT NULL AND" RC_SQL_FILTER("day", "source") "GROUP BY day",
        "CREATE TEMP TABLE rc_html_payouts AS"
        " SELECT * FROM v_payouts WHERE" RC_SQL_FILTER("payout_day", "source"),
    };
    /* clang-format on */
    int rc = rc_exec(p->db, "DROP TABLE IF EXISTS temp.rc_html_daily;"
                            "DROP TABLE IF EXISTS temp.rc_html_payouts;");
    for (size_t i = 0; !rc && i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st;
        if ((rc = prepare(p, sql[i], &st)) == RECON_OK)
            rc = finish(p, st, sqlite3_step(st), "summarizing for the page");
    }
    return rc;
}

int recon_report_html(recon_db *db, const recon_report_filter *filter, char **out) {
    rc_clear_error(db);
    if (out) *out = NULL;
    if (!db || !out) return rc_fail(db, RECON_EMISUSE, "recon_report_html: invalid argument");
    page p = {.db = db, .filter = filter};
    /* One read transaction: every figure of the page comes from the same
     * state of the database, even while an import commits. */
    int own = sqlite3_get_autocommit(db->sql); /* else the caller's transaction is the snapshot */
    int rc = rc_summary_refresh(db);
    if (!rc && own) rc = rc_exec(db, "BEGIN");
    if (rc) return rc;
    rc = snapshot(&p);
    if (!rc) rc = head(&p);
    if (!rc) rc = cards(&p);
    if (!rc) rc = chart(&p);
    if (!rc) rc = payouts(&p);
    if (!rc) rc = aging(&p);
    if (!rc) rc = exceptions(&p);
    if (!rc) rc = failures(&p);
    /* A section whose query the progress handler interrupted must not pass
     * for a short one. */
    if (!rc && db->progress_stop) rc = rc_callback_stop(db, db->progress_stop, "writing the page");
    put(&p, "<footer>Figures from the librecon reporting views (v_transactions, v_unmatched, "
            "v_daily_summary, v_payouts, failures); amounts are exact, in major units of "
            "each currency.</footer>\n</body>\n</html>\n");
    if (!rc && p.oom) rc = rc_fail(db, RECON_ENOMEM, "recon_report_html: out of memory");
    /* Ending the transaction drops nothing: the tables go explicitly, and
     * an error's message is kept. */
    char msg[sizeof db->errmsg];
    memcpy(msg, db->errmsg, sizeof msg);
    sqlite3_exec(db->sql, "DROP TABLE IF EXISTS temp.rc_html_daily", NULL, NULL, NULL);
    sqlite3_exec(db->sql, "DROP TABLE IF EXISTS temp.rc_html_payouts", NULL, NULL, NULL);
    /* The transaction must end whatever happened: the handle is the
     * caller's. */
    if (own && sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    memcpy(db->errmsg, msg, sizeof msg);
    if (rc) {
        rc_strbuf_free(&p.b);
        return rc;
    }
    *out = p.b.s;
    return RECON_OK;
}
