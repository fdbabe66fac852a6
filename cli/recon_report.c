/* recon report | status | settings: the reports over the reporting views,
 * the exit status a scheduler alerts on, and the report settings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/utf8.h"

/* ---- table output ------------------------------------------------------------------ */

/* Text tables are buffered to align them; CSV and JSON stream. A text
 * table keeps each cell escaped (text_dup), so widths are measured on what
 * the terminal is shown. */
typedef struct {
    int fmt;
    long rows;
    size_t ncols;
    char *names[16]; /* text: copies, taken from the first row */
    recon_col_type types[16];
    char **cells; /* text: rows x ncols, owned */
    size_t cap;
    int oom;
} table;

/* A report row as JSON: counts as numbers; money stays a string, exact
 * in every JSON parser. */
static json_t *row_json(const recon_report_row *r) {
    json_t *o = json_object();
    for (size_t i = 0; i < r->ncolumns; i++) {
        json_t *v =
            r->types[i] == RECON_COL_INT ? json_int_text(r->values[i]) : json_text(r->values[i]);
        if (json_object_set_new(o, r->names[i], v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static void emit_csv(const recon_report_row *r, long n) {
    if (n == 0) csv_row(stdout, r->names, r->ncolumns);
    csv_row(stdout, r->values, r->ncolumns);
}

static int keep_text(table *t, const recon_report_row *r) {
    size_t need = (size_t)(t->rows + 1) * t->ncols;
    if (need > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64 * t->ncols;
        while (cap < need)
            cap *= 2;
        char **grown = realloc(t->cells, cap * sizeof *grown);
        if (!grown) return t->oom = 1;
        t->cells = grown;
        t->cap = cap;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        char *copy = text_dup(r->values[i] ? r->values[i] : "");
        if (!copy) {
            /* Keep the table rectangular for table_free. */
            while (i < t->ncols)
                t->cells[(size_t)t->rows * t->ncols + i++] = NULL;
            t->rows++;
            return t->oom = 1;
        }
        t->cells[(size_t)t->rows * t->ncols + i] = copy;
    }
    return 0;
}

/* The row's names and types, kept for printing after the last row (the
 * library's are valid only during the callback). */
static int keep_columns(table *t, const recon_report_row *r) {
    t->ncols = r->ncolumns < 16 ? r->ncolumns : 16;
    for (size_t i = 0; i < t->ncols; i++) {
        t->types[i] = r->types[i];
        if (!(t->names[i] = text_dup(r->names[i]))) return t->oom = 1;
    }
    return 0;
}

static int on_row(const recon_report_row *r, void *payload) {
    table *t = payload;
    progress_clear();
    if (t->fmt == FMT_TEXT && t->rows == 0 && keep_columns(t, r)) return 1;
    if (t->fmt == FMT_JSON) {
        if (json_row(stdout, row_json(r), t->rows == 0)) return WALK_STOPPED;
    } else if (t->fmt == FMT_CSV) {
        emit_csv(r, t->rows);
    } else if (keep_text(t, r)) {
        return 1;
    }
    t->rows++;
    return 0;
}

enum { TEXT_CELL_MAX = 40 }; /* longer text (descriptions) is cut in text tables */

static void print_text(const table *t) {
    size_t w[16] = {0};
    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = rc_utf8_chars(t->names[c]);
        for (long r = 0; r < t->rows; r++) {
            size_t n = rc_utf8_chars(t->cells[(size_t)r * t->ncols + c]);
            w[c] = n > w[c] ? n : w[c];
        }
        if (w[c] > TEXT_CELL_MAX) w[c] = TEXT_CELL_MAX;
    }
    for (long r = -1; r < t->rows; r++) {
        /* No trailing blanks: the line ends at its last non-empty cell. */
        size_t end = t->ncols;
        while (r >= 0 && end > 1 && !*t->cells[(size_t)r * t->ncols + end - 1])
            end--;
        for (size_t c = 0; c < end; c++) {
            const char *v = r < 0 ? t->names[c] : t->cells[(size_t)r * t->ncols + c];
            size_t chars = rc_utf8_chars(v), len = rc_utf8_prefix(v, w[c]);
            size_t shown = chars < w[c] ? chars : w[c];
            int right = r >= 0 && t->types[c] != RECON_COL_TEXT;
            int last = c + 1 == end;
            if (right) printf("%*s", (int)(w[c] - shown), "");
            printf("%.*s", (int)len, v);
            if (!right && !last) printf("%*s", (int)(w[c] - shown), "");
            fputs(last ? "\n" : "  ", stdout);
        }
    }
}

static void table_free(table *t) {
    for (size_t i = 0; i < (size_t)t->rows * t->ncols; i++)
        free(t->cells[i]);
    for (size_t i = 0; i < 16; i++)
        free(t->names[i]);
    free(t->cells);
}

/* ---- report ------------------------------------------------------------------------- */

static int column_of(const table *t, const char *name) {
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->names[c], name) == 0) return (int)c;
    return -1;
}

/* The payouts' totals line, counted from the rows just printed, so it
 * always agrees with them: recon_flows_check in a second pass could see a
 * later state of the database. */
static void print_flow_totals(const table *t) {
    int st = column_of(t, "status"), is = column_of(t, "issues");
    recon_flows_totals tot = RECON_FLOWS_TOTALS_INIT;
    for (long r = 0; st >= 0 && is >= 0 && r < t->rows; r++)
        recon_flows_totals_add(&tot, t->cells[(size_t)r * t->ncols + (size_t)st],
                               t->cells[(size_t)r * t->ncols + (size_t)is]);
    printf("%lld payouts: %lld ok, %lld in transit, %lld broken, %lld late", (long long)tot.payouts,
           (long long)tot.ok, (long long)tot.in_transit, (long long)tot.broken,
           (long long)tot.late);
    for (unsigned i = 0; i < 5; i++)
        if (tot.by_class[i])
            printf("; %s %lld", recon_flow_issue_name(1u << i), (long long)tot.by_class[i]);
    printf("\n");
}

/* Writes through a temporary file and a rename: a reader never sees half
 * a report, and a failed run leaves the previous one. */
static int write_file(const char *path, const char *text) {
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!tmp) return -1;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0) ok = 0;
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) remove(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

static int report_html(recon_db *db, const recon_report_filter *f, const char *out) {
    char *html = NULL;
    int done = recon_report_html(db, f, &html);
    progress_clear();
    if (done != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        return EXIT_FAIL;
    }
    int rc = write_file(out, html);
    recon_string_free(html);
    if (rc) {
        cli_error("%s: %s", out, strerror(errno));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int cmd_report(const cli *c) {
    const char *what = c->argc > 1 ? c->argv[1] : "";
    recon_report_kind kind;
    int html = !strcmp(what, "html");
    if (!html && recon_report_kind_from_name(what, &kind) != RECON_OK)
        return usage_error("report: expected summary, unmatched, exceptions, payouts, aging, "
                           "failures or html");
    recon_report_filter f = RECON_REPORT_FILTER_INIT;
    const char *out = NULL;
    table t;
    memset(&t, 0, sizeof t);
    t.fmt = FMT_TEXT;
    for (int i = 2; i < c->argc; i++) {
        const char *v;
        int r;
        if ((r = opt_value(c, &i, "--from", &f.from)) || (r = opt_value(c, &i, "--to", &f.to)) ||
            (r = opt_value(c, &i, "--source", &f.source)) ||
            (html && (r = opt_value(c, &i, "-o", &out)))) {
            if (r < 0) return EXIT_USAGE;
        } else if (!html && (r = opt_value(c, &i, "--format", &v)) != 0) {
            if (r < 0 || parse_format(v, 1, &t.fmt))
                return usage_error("report: --format is text, csv or json");
        } else {
            return usage_error("report: unknown option '%s'", c->argv[i]);
        }
    }
    if (html && !out) return usage_error("report html: -o FILE is required");
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    progress_attach(db, html ? "report html" : "report");
    if (html) {
        status = report_html(db, &f, out);
        recon_close(db);
        return status;
    }
    if (t.fmt == FMT_JSON) printf("[");
    int rc = recon_report_each(db, kind, &f, on_row, &t);
    progress_clear();
    if (t.fmt == FMT_JSON) printf("%s]\n", t.rows ? "\n" : "");
    if (rc == RECON_OK && t.fmt == FMT_TEXT) {
        if (t.rows)
            print_text(&t);
        else
            printf("(no rows)\n");
        if (kind == RECON_REPORT_PAYOUTS && t.rows) print_flow_totals(&t);
    }
    if (t.oom) {
        fprintf(stderr, "recon: report: out of memory\n");
        status = EXIT_FAIL;
    } else if (rc == RECON_ECANCELLED) {
        status = EXIT_FAIL; /* json_row has said why */
    } else if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = strstr(recon_errmsg(db), "is not a YYYY-MM-DD") ? EXIT_USAGE : EXIT_FAIL;
    }
    table_free(&t);
    recon_close(db);
    return status;
}

/* ---- status ------------------------------------------------------------------------- */

typedef struct {
    const char *option;
    const char *what;
    long long limit; /* -1: not set */
} threshold;

static int is_crossed(const threshold *t, long long have) {
    return t->limit >= 0 && have > t->limit;
}

/* status --format json: the figures (have[] in th[]'s order), then each
 * threshold crossed. */
static json_t *status_json(const threshold *th, const long long *have, size_t n) {
    json_t *crossed = json_array();
    for (size_t k = 0; k < n; k++) {
        if (is_crossed(&th[k], have[k]) &&
            json_array_append_new(
                crossed, json_pack("{s:s, s:I, s:I}", "threshold", th[k].option + 2, "limit",
                                   (json_int_t)th[k].limit, "value", (json_int_t)have[k])) != 0) {
            json_decref(crossed);
            return NULL;
        }
    }
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I}", "unmatched", (json_int_t)have[1],
                     "oldest_unmatched_days", (json_int_t)have[0], "open_exceptions",
                     (json_int_t)have[2], "open_failures", (json_int_t)have[3], "payouts_broken",
                     (json_int_t)have[4], "crossed", crossed, "oldest_exception_days",
                     (json_int_t)have[5], "unassigned_exceptions", (json_int_t)have[6]);
}

int cmd_status(const cli *c) {
    threshold th[] = {
        {"--max-unmatched-age", "oldest unmatched item (days)", -1},
        {"--max-unmatched", "unmatched items", -1},
        {"--max-open-exceptions", "open exceptions", -1},
        {"--max-open-failures", "open failures", -1},
        {"--max-broken-payouts", "broken payouts", -1},
        {"--max-exception-age", "oldest open exception (days)", -1},
        {"--max-unassigned-exceptions", "open exceptions assigned to nobody", -1},
    };
    enum { NTH = sizeof th / sizeof th[0] };
    int fmt = FMT_TEXT;
    for (int i = 1; i < c->argc; i++) {
        const char *v;
        int r = opt_value(c, &i, "--format", &v);
        if (r < 0) return EXIT_USAGE;
        if (r) {
            if (parse_format(v, 0, &fmt)) return usage_error("status: --format is text or json");
            continue;
        }
        size_t k = 0;
        while (k < NTH && (r = opt_value(c, &i, th[k].option, &v)) == 0)
            k++;
        if (r < 0) return EXIT_USAGE;
        if (k == NTH) return usage_error("status: unknown option '%s'", c->argv[i]);
        char *end;
        th[k].limit = strtoll(v, &end, 10);
        if (!*v || *end || th[k].limit < 0)
            return usage_error("status: %s needs a whole number, not '%s'", th[k].option, v);
    }
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    recon_status s = RECON_STATUS_INIT;
    progress_attach(db, "status");
    int got = recon_status_get(db, &s);
    progress_clear();
    if (got != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        recon_close(db);
        return EXIT_FAIL;
    }
    recon_close(db);
    const long long have[NTH] = {s.oldest_unmatched_days, s.unmatched,      s.open_exceptions,
                                 s.open_failures,         s.payouts_broken, s.oldest_exception_days,
                                 s.unassigned_exceptions};
    if (fmt == FMT_JSON && json_line(stdout, status_json(th, have, NTH)) != 0) return EXIT_FAIL;
    if (fmt == FMT_TEXT)
        printf("unmatched %lld (oldest %lld days), open exceptions %lld, open failures %lld, "
               "broken payouts %lld\n",
               have[1], have[0], have[2], have[3], have[4]);
    int crossed = 0;
    for (size_t k = 0; k < NTH; k++) {
        if (!is_crossed(&th[k], have[k])) continue;
        if (fmt == FMT_TEXT)
            printf("ALERT: %s %lld exceeds %s %lld\n", th[k].what, have[k], th[k].option,
                   th[k].limit);
        crossed++;
    }
    return crossed ? EXIT_ALERT : EXIT_OK;
}

/* ---- settings ----------------------------------------------------------------------- */

int cmd_settings(const cli *c) {
    const char *verb = c->argc > 1 ? c->argv[1] : "list";
    int set = !strcmp(verb, "set"), unset = !strcmp(verb, "unset");
    if (!(set && c->argc == 4) && !(unset && c->argc == 3) &&
        !(!strcmp(verb, "list") && c->argc <= 2))
        return usage_error("settings: expected list, set KEY VALUE or unset KEY");
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    int rc = RECON_OK;
    if (set || unset) rc = recon_setting_set(db, c->argv[2], set ? c->argv[3] : NULL);
    const char *key;
    for (size_t i = 0; rc == RECON_OK && !set && !unset && (key = recon_setting_key(i)); i++) {
        char v[64];
        if ((rc = recon_setting_get(db, key, v, sizeof v)) == RECON_OK) {
            printf("%s = ", key);
            text_str(stdout, v);
            putchar('\n');
        }
    }
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = rc == RECON_EMISUSE ? EXIT_USAGE : EXIT_FAIL;
    }
    recon_close(db);
    return status;
}
