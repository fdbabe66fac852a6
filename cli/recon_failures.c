/* recon errors ... and recon failures ...: the unified error table and the
 * failure log from the shell, for batch jobs and for people. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* ---- errors classify / parse ------------------------------------------------------ */

/* A classification as JSON, the object errors parse adds its keys to. */
static json_t *info_json(const recon_error_info *e) {
    json_t *o =
        json_pack("{s:o, s:i, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "provider",
                  json_text(e->provider), "http_status", e->http_status, "provider_code",
                  json_text(e->provider_code), "unified_code", json_text(e->unified_code),
                  "category", json_text(e->category), "retryable", e->retryable, "retry_policy",
                  json_text(recon_retry_policy_name(e->retry_policy)), "action",
                  json_text(e->action), "description", json_text(e->description), "matched",
                  json_text(recon_error_match_name(e->matched)), "provider_known",
                  json_boolean(recon_error_provider_known(e->provider)), "iso8583",
                  json_text(e->iso8583), "spec", json_text(e->spec));
    /* The decline's facts only for a decline: null is "not a decline". */
    json_t *d =
        !e->decline_type[0]
            ? json_null()
            : json_pack("{s:o, s:o, s:i, s:i, s:i, s:o, s:o}", "type", json_text(e->decline_type),
                        "visa_category", json_text(e->visa_category), "retry_first_minutes",
                        e->retry_first_minutes, "retry_max", e->retry_max, "retry_days",
                        e->retry_days, "retry_advice", json_text(e->retry_advice),
                        "customer_action", json_text(e->customer_action));
    if (!o || !d) {
        json_decref(o);
        json_decref(d);
        return NULL;
    }
    if (json_object_set_new(o, "decline", d) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A provider key the table lacks still classifies (by HTTP status), but a
 * misspelt one ("tabapy") must not pass unnoticed: say so on stderr,
 * naming the keys there are. */
static void warn_unknown_provider(const char *provider) {
    if (!provider || recon_error_provider_known(provider)) return;
    text_args ta = {0};
    fprintf(stderr,
            "recon: warning: provider '%s' is not in the error table; classified by"
            " its HTTP status alone (known:",
            text_arg(&ta, provider));
    text_args_free(&ta);
    for (size_t i = 0; recon_error_provider(i); i++)
        fprintf(stderr, "%s %s", i ? "," : "", recon_error_provider(i));
    fputs(")\n", stderr);
}

/* The provider and its code come from the command line or a response
 * body: escaped like every other untrusted text (text_arg). */
static void print_info_text(const recon_error_info *e) {
    text_args ta = {0};
    printf("%s %d%s%s -> %s (%s), matched %s%s%s%s\n",
           e->provider[0] ? text_arg(&ta, e->provider) : "-", e->http_status,
           e->provider_code[0] ? " " : "", text_arg(&ta, e->provider_code),
           text_arg(&ta, e->unified_code), text_arg(&ta, e->category),
           recon_error_match_name(e->matched), e->row_code[0] ? " [" : "",
           text_arg(&ta, e->row_code), e->row_code[0] ? "]" : "");
    printf("  retry: %s (%s)\n  action: %s\n  %s\n", e->retryable ? "yes" : "no",
           recon_retry_policy_name(e->retry_policy), text_arg(&ta, e->action),
           text_arg(&ta, e->description));
    text_args_free(&ta);
    if (!e->decline_type[0]) return;
    printf("  decline: %s%s%s%s%s", e->decline_type, e->iso8583[0] ? ", ISO 8583 " : "", e->iso8583,
           e->visa_category[0] ? ", Visa category " : "", e->visa_category);
    if (e->retry_max)
        printf("; retry after %d min, at most %d time%s in %d day%s", e->retry_first_minutes,
               e->retry_max, e->retry_max == 1 ? "" : "s", e->retry_days,
               e->retry_days == 1 ? "" : "s");
    printf("\n  retry advice: %s\n  tell the customer: %s\n", e->retry_advice, e->customer_action);
}

typedef struct {
    const char *provider, *http, *code, *message, *body;
    int fmt;
} classify_args;

static int parse_http(const char *v, int *out) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < 0 || n > 999) return -1;
    *out = (int)n;
    return 0;
}

/* Reads a whole (small) file: response bodies. */
static char *read_body(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *grown = cap < (64u << 20) ? realloc(buf, cap *= 2) : NULL;
            if (!grown) {
                cli_error("%s: too large for a response body", path);
                free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    if (buf && ferror(f)) {
        cli_error("%s: read error", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int classify_opts(const cli *c, int from, classify_args *a, int need_body) {
    for (int i = from; i < c->argc; i++) {
        const char *fmt = NULL;
        int r;
        if ((r = opt_value(c, &i, "--provider", &a->provider)) ||
            (r = opt_value(c, &i, "--http", &a->http)) ||
            (r = opt_value(c, &i, "--code", &a->code)) ||
            (r = opt_value(c, &i, "--message", &a->message)) ||
            (r = opt_value(c, &i, "--body", &a->body))) {
            if (r < 0) return -1;
            continue;
        }
        if ((r = opt_value(c, &i, "--format", &fmt)) < 0) return -1;
        if (r && parse_format(fmt, 0, &a->fmt) == 0) continue;
        usage_error("errors: unknown option or value '%s'", r ? fmt : c->argv[i]);
        return -1;
    }
    if (!a->provider || !a->http) {
        usage_error("errors: --provider and --http are required");
        return -1;
    }
    if (need_body != !!a->body) {
        usage_error(need_body ? "errors parse: --body FILE is required"
                              : "errors classify: --body is for 'errors parse'");
        return -1;
    }
    return 0;
}

static int errors_classify(const cli *c) {
    classify_args a = {0};
    int status;
    if (classify_opts(c, 2, &a, 0) != 0) return EXIT_USAGE;
    if (parse_http(a.http, &status) != 0)
        return usage_error("errors classify: --http takes a status from 0 to 999, not '%s'",
                           a.http);
    recon_error_info e = RECON_ERROR_INFO_INIT;
    recon_error_classify_message(a.provider, status, a.code, a.message, &e);
    warn_unknown_provider(a.provider);
    if (a.fmt == FMT_JSON) return json_line(stdout, info_json(&e)) ? EXIT_FAIL : EXIT_OK;
    print_info_text(&e);
    return EXIT_OK;
}

static int errors_parse(const cli *c) {
    classify_args a = {0};
    int status;
    if (classify_opts(c, 2, &a, 1) != 0) return EXIT_USAGE;
    if (parse_http(a.http, &status) != 0)
        return usage_error("errors parse: --http takes a status from 0 to 999, not '%s'", a.http);
    size_t len;
    char *body = read_body(a.body, &len);
    if (!body) return EXIT_FAIL;
    recon_provider_failure f = RECON_PROVIDER_FAILURE_INIT;
    recon_failure_from_response(a.provider, status, body, len, &f);
    free(body);
    warn_unknown_provider(a.provider);
    int result = EXIT_OK;
    if (a.fmt == FMT_JSON) {
        json_t *doc = info_json(&f.info);
        if (json_object_set_new(doc, "message", json_text(f.message)) ||
            json_object_set_new(doc, "field", json_text(f.field)) ||
            json_object_set_new(doc, "request_id", json_text(f.request_id))) {
            json_decref(doc);
            doc = NULL;
        }
        result = json_line(stdout, doc) ? EXIT_FAIL : EXIT_OK;
    } else {
        print_info_text(&f.info);
        text_args ta = {0};
        printf("  body: %s; message: %s; field: %s; request id: %s",
               f.parsed ? "parsed" : "not parsed", f.message[0] ? text_arg(&ta, f.message) : "-",
               f.field[0] ? text_arg(&ta, f.field) : "-",
               f.request_id[0] ? text_arg(&ta, f.request_id) : "-");
        text_args_free(&ta);
        if (f.retry_after_seconds) printf("; retry after %d s", f.retry_after_seconds);
        putchar('\n');
    }
    return result;
}

/* A row of the error table as JSON: cells as errors list's CSV has them,
 * but the status a number (or its class, "4xx") and retryable a boolean. */
static json_t *error_row_json(const recon_error_row *r, const char *const cells[12]) {
    static const char *const keys[] = {
        "provider",  "http_status",  "provider_code", "cause",       "unified_code", "category",
        "retryable", "retry_policy", "action",        "description", "spec",         "iso8583"};
    json_t *o = json_object();
    for (int i = 0; i < 12; i++) {
        json_t *v = i == 1 && r->http_status ? json_integer(r->http_status)
                    : i == 6                 ? json_boolean(r->retryable)
                                             : json_text(cells[i]);
        if (json_object_set_new(o, keys[i], v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* errors list --declines: the decline taxonomy, a row per code. */
static int list_declines(int fmt) {
    if (fmt == FMT_CSV)
        puts("unified_code,decline_type,visa_category,iso8583,retry_first_minutes,retry_max,"
             "retry_days,retry_advice,customer_action,sources");
    if (fmt == FMT_JSON) printf("[");
    for (size_t k = 0; k < recon_decline_code_count(); k++) {
        recon_decline_code d = RECON_DECLINE_CODE_INIT;
        recon_decline_code_get(k, &d);
        char first[16], max[16], days[16];
        snprintf(first, sizeof first, "%d", d.retry_first_minutes);
        snprintf(max, sizeof max, "%d", d.retry_max);
        snprintf(days, sizeof days, "%d", d.retry_days);
        if (fmt == FMT_CSV) {
            const char *cells[] = {d.code, d.decline_type, d.visa_category,   d.iso8583, first, max,
                                   days,   d.retry_advice, d.customer_action, d.sources};
            csv_row(stdout, cells, 10);
        } else if (fmt == FMT_JSON) {
            json_t *o = json_pack(
                "{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:s}", "unified_code", d.code,
                "decline_type", d.decline_type, "visa_category", d.visa_category, "iso8583",
                d.iso8583, "retry_first_minutes", d.retry_first_minutes, "retry_max", d.retry_max,
                "retry_days", d.retry_days, "retry_advice", d.retry_advice, "customer_action",
                d.customer_action, "sources", d.sources);
            if (json_row(stdout, o, k == 0)) return EXIT_FAIL;
        } else {
            printf("%-32s %-4s visa %-2s iso %-16s", d.code, d.decline_type,
                   d.visa_category[0] ? d.visa_category : "-", d.iso8583[0] ? d.iso8583 : "-");
            if (d.retry_max)
                printf(" retry after %d min, %d in %d d\n", d.retry_first_minutes, d.retry_max,
                       d.retry_days);
            else
                printf(" no retry\n");
        }
    }
    if (fmt == FMT_JSON) printf("\n]\n");
    return EXIT_OK;
}

static int errors_list(const cli *c) {
    const char *provider = NULL, *fmtv = NULL;
    int fmt = FMT_TEXT, declines = 0;
    for (int i = 2; i < c->argc; i++) {
        int r;
        if (!strcmp(c->argv[i], "--declines")) {
            declines = 1;
            continue;
        }
        if ((r = opt_value(c, &i, "--provider", &provider)) < 0 ||
            (!r && (r = opt_value(c, &i, "--format", &fmtv)) < 0))
            return EXIT_USAGE;
        if (!r) return usage_error("errors list: unknown option '%s'", c->argv[i]);
    }
    if (fmtv && parse_format(fmtv, 1, &fmt))
        return usage_error("errors list: --format is text, csv or json");
    if (declines && provider)
        return usage_error("errors list: --declines lists the taxonomy, not a provider's rows");
    if (declines) return list_declines(fmt);
    if (fmt == FMT_CSV)
        puts("provider,http_status,provider_code,cause,unified_code,category,retryable,"
             "retry_policy,action,description,spec,iso8583");
    if (fmt == FMT_JSON) printf("[");
    int n = 0;
    for (size_t k = 0; k < recon_error_table_count(); k++) {
        recon_error_row r = RECON_ERROR_ROW_INIT;
        recon_error_table_row(k, &r);
        if (provider && strcasecmp(provider, r.provider) != 0) continue;
        char status[8];
        snprintf(status, sizeof status, "%s", r.http_status ? "" : r.http_class);
        if (r.http_status) snprintf(status, sizeof status, "%d", r.http_status);
        const char *cells[] = {r.provider,
                               status,
                               r.provider_code,
                               r.cause,
                               r.unified_code,
                               r.category,
                               r.retryable ? "yes" : "no",
                               recon_retry_policy_name(r.retry_policy),
                               r.action,
                               r.description,
                               r.spec,
                               r.iso8583};
        if (fmt == FMT_CSV) {
            csv_row(stdout, cells, 12);
        } else if (fmt == FMT_JSON) {
            if (json_row(stdout, error_row_json(&r, cells), n == 0)) return EXIT_FAIL;
        } else {
            printf("%-16s %-4s %-26s %-22s %-10s %-3s %s\n", r.provider, status,
                   r.cause[0] ? r.cause : r.provider_code, r.unified_code, r.category,
                   r.retryable ? "yes" : "no", r.action);
        }
        n++;
    }
    if (fmt == FMT_JSON) printf("\n]\n");
    return EXIT_OK;
}

int cmd_errors(const cli *c) {
    const char *sub = c->argc > 1 ? c->argv[1] : "";
    if (!strcmp(sub, "classify")) return errors_classify(c);
    if (!strcmp(sub, "parse")) return errors_parse(c);
    if (!strcmp(sub, "list")) return errors_list(c);
    return usage_error("errors: expected classify, parse or list");
}

/* ---- failures list ---------------------------------------------------------------- */

typedef struct {
    int fmt;
    long count;
} list_state;

#define NCOLS 23
static const char *const FAILURE_COLS[NCOLS] = {
    "id",         "origin",    "import_id",   "source",      "file",           "line",
    "field",      "column",    "provider",    "http_status", "provider_code",  "unified_code",
    "category",   "message",   "raw",         "request_id",  "context",        "occurrences",
    "first_seen", "last_seen", "resolved_at", "resolved_by", "resolution_note"};

/* Every text field of a failure can come from an imported file or a
 * provider's answer (the raw row, the column name, the message quoting a
 * cell), so each is printed through text_arg. */
static void print_failure_import(const recon_failure *f) {
    text_args ta = {0};
    printf("%s:%lld: %s: ", f->file_name ? text_arg(&ta, f->file_name) : "-", (long long)f->line,
           text_arg(&ta, f->provider_code));
    if (f->field && f->column)
        printf("field %s (column \"%s\"): ", text_arg(&ta, f->field), text_arg(&ta, f->column));
    else if (f->field)
        printf("field %s: ", text_arg(&ta, f->field));
    printf("%s\n    import %lld, source %s, %s; raw: %s\n", text_arg(&ta, f->message),
           (long long)f->import_id, f->source ? text_arg(&ta, f->source) : "-",
           text_arg(&ta, f->unified_code), f->raw ? text_arg(&ta, f->raw) : "");
    text_args_free(&ta);
}

static void print_failure_text(const recon_failure *f) {
    if (!strcmp(f->origin, "import")) {
        print_failure_import(f);
        return;
    }
    text_args ta = {0};
    printf("#%lld %s %s", (long long)f->id, text_arg(&ta, f->origin), text_arg(&ta, f->provider));
    if (f->http_status) printf(" %d", f->http_status);
    if (f->provider_code) printf(" %s", text_arg(&ta, f->provider_code));
    printf(" -> %s (%s), %lld time%s, %s..%s%s\n    %s\n", text_arg(&ta, f->unified_code),
           text_arg(&ta, f->category), (long long)f->occurrences, f->occurrences == 1 ? "" : "s",
           text_arg(&ta, f->first_seen), text_arg(&ta, f->last_seen),
           f->resolved_at ? ", resolved" : "", text_arg(&ta, f->message));
    text_args_free(&ta);
    if (f->source || f->context || f->field || f->request_id)
        printf("    source %s; context %s; field %s; request %s\n",
               f->source ? text_arg(&ta, f->source) : "-",
               f->context ? text_arg(&ta, f->context) : "-",
               f->field ? text_arg(&ta, f->field) : "-",
               f->request_id ? text_arg(&ta, f->request_id) : "-");
    if (f->resolved_at)
        printf("    resolved %s by %s: %s\n", text_arg(&ta, f->resolved_at),
               text_arg(&ta, f->resolved_by), text_arg(&ta, f->resolution_note));
    text_args_free(&ta);
}

/* A failure as JSON: its cells (print_failure), the ids and counts as
 * numbers, absent ones as null. */
static json_t *failure_json(const char *const cells[NCOLS]) {
    json_t *o = json_object();
    for (int i = 0; i < NCOLS; i++) {
        const int number = i == 0 || i == 2 || i == 5 || i == 9 || i == 17;
        if (json_object_set_new(o, FAILURE_COLS[i],
                                number ? json_int_text(cells[i]) : json_text(cells[i])) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static int print_failure(const recon_failure *f, void *payload) {
    list_state *ls = payload;
    progress_clear();
    char id[24], imp[24], line[24], http[24], occ[24];
    snprintf(id, sizeof id, "%lld", (long long)f->id);
    snprintf(imp, sizeof imp, "%lld", (long long)f->import_id);
    snprintf(line, sizeof line, "%lld", (long long)f->line);
    snprintf(http, sizeof http, "%d", f->http_status);
    snprintf(occ, sizeof occ, "%lld", (long long)f->occurrences);
    const char *cells[NCOLS] = {id,
                                f->origin,
                                f->import_id ? imp : NULL,
                                f->source,
                                f->file_name,
                                f->line ? line : NULL,
                                f->field,
                                f->column,
                                f->provider,
                                f->http_status ? http : NULL,
                                f->provider_code,
                                f->unified_code,
                                f->category,
                                f->message,
                                f->raw,
                                f->request_id,
                                f->context,
                                occ,
                                f->first_seen,
                                f->last_seen,
                                f->resolved_at,
                                f->resolved_by,
                                f->resolution_note};
    if (ls->fmt == FMT_JSON) {
        if (json_row(stdout, failure_json(cells), ls->count == 0)) return WALK_STOPPED;
    } else if (ls->fmt == FMT_CSV) {
        csv_row(stdout, cells, NCOLS);
    } else {
        print_failure_text(f);
    }
    ls->count++;
    return 0;
}

static int failures_list(const cli *c) {
    recon_failure_filter filter = RECON_FAILURE_FILTER_INIT;
    list_state ls = {FMT_TEXT, 0};
    for (int i = 2; i < c->argc; i++) {
        const char *v = NULL;
        int r;
        if (!strcmp(c->argv[i], "--open") || !strcmp(c->argv[i], "--resolved")) {
            filter.state = c->argv[i][2] == 'o' ? RECON_FAILURES_OPEN : RECON_FAILURES_RESOLVED;
            continue;
        }
        if ((r = opt_value(c, &i, "--import", &v)) > 0) {
            if (parse_id(v, &filter.import_id))
                return usage_error("failures list: --import takes an import id, not '%s'", v);
        } else if (r == 0 && (r = opt_value(c, &i, "--format", &v)) > 0) {
            if (parse_format(v, 1, &ls.fmt))
                return usage_error("failures list: --format is text, csv or json");
        } else if (r == 0 && !(r = opt_value(c, &i, "--unified", &filter.unified_code)) &&
                   !(r = opt_value(c, &i, "--category", &filter.category)) &&
                   !(r = opt_value(c, &i, "--provider", &filter.provider)) &&
                   !(r = opt_value(c, &i, "--source", &filter.source)) &&
                   !(r = opt_value(c, &i, "--from", &filter.from)) &&
                   !(r = opt_value(c, &i, "--to", &filter.to))) {
            return usage_error("failures list: unknown option '%s'", c->argv[i]);
        }
        if (r < 0) return EXIT_USAGE;
    }
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    if (ls.fmt == FMT_CSV)
        for (int i = 0; i < NCOLS; i++)
            printf("%s%c", FAILURE_COLS[i], i == NCOLS - 1 ? '\n' : ',');
    if (ls.fmt == FMT_JSON) printf("[");
    progress_attach(db, "failures list");
    int rc = recon_failures_each(db, &filter, print_failure, &ls);
    progress_clear();
    if (ls.fmt == FMT_JSON) printf("\n]\n");
    if (rc != RECON_OK) {
        if (rc != RECON_ECANCELLED) cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    } else if (ls.fmt == FMT_TEXT) {
        printf("%ld failure%s\n", ls.count, ls.count == 1 ? "" : "s");
    }
    recon_close(db);
    return status;
}

/* ---- failures record / resolve / summary ------------------------------------------------ */

static int failures_record(const cli *c) {
    recon_failure_input in = RECON_FAILURE_INPUT_INIT;
    const char *http = NULL, *body_path = NULL;
    for (int i = 2; i < c->argc; i++) {
        int r;
        if ((r = opt_value(c, &i, "--provider", &in.provider)) ||
            (r = opt_value(c, &i, "--http", &http)) ||
            (r = opt_value(c, &i, "--code", &in.provider_code)) ||
            (r = opt_value(c, &i, "--message", &in.message)) ||
            (r = opt_value(c, &i, "--field", &in.field)) ||
            (r = opt_value(c, &i, "--request-id", &in.request_id)) ||
            (r = opt_value(c, &i, "--context", &in.context)) ||
            (r = opt_value(c, &i, "--source", &in.source)) ||
            (r = opt_value(c, &i, "--seen-at", &in.seen_at)) ||
            (r = opt_value(c, &i, "--body", &body_path))) {
            if (r < 0) return EXIT_USAGE;
            continue;
        }
        return usage_error("failures record: unknown option '%s'", c->argv[i]);
    }
    if (!in.provider) return usage_error("failures record: --provider is required");
    warn_unknown_provider(in.provider);
    if (http && parse_http(http, &in.http_status))
        return usage_error("failures record: --http takes a status from 0 to 999, not '%s'", http);
    recon_provider_failure pf = RECON_PROVIDER_FAILURE_INIT;
    if (body_path) {
        size_t len;
        char *body = read_body(body_path, &len);
        if (!body) return EXIT_FAIL;
        recon_failure_from_response(in.provider, in.http_status, body, len, &pf);
        free(body);
        /* What the command line says wins over what the body says. */
        in.info = in.provider_code ? NULL : &pf.info;
        if (!in.message && pf.message[0]) in.message = pf.message;
        if (!in.field && pf.field[0]) in.field = pf.field;
        if (!in.request_id && pf.request_id[0]) in.request_id = pf.request_id;
    }
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    int64_t id;
    if (recon_failure_record(db, &in, &id) != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    } else {
        printf("failure %lld\n", (long long)id);
    }
    recon_close(db);
    return status;
}

static int failures_resolve(const cli *c) {
    const char *note = NULL, *actor = NULL;
    int64_t id = 0;
    for (int i = 2; i < c->argc; i++) {
        int r;
        if ((r = opt_value(c, &i, "--note", &note)) || (r = opt_value(c, &i, "--actor", &actor))) {
            if (r < 0) return EXIT_USAGE;
        } else if (!id && parse_id(c->argv[i], &id) == 0) {
            continue;
        } else {
            return usage_error("failures resolve: unexpected '%s'", c->argv[i]);
        }
    }
    if (!id || !note || !*note)
        return usage_error("failures resolve: give a failure ID and --note TEXT");
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    int rc = recon_failure_resolve(db, id, note, actor);
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    } else {
        printf("failure %lld resolved\n", (long long)id);
    }
    recon_close(db);
    return status;
}

static int print_summary(const recon_failure_summary_row *r, void *payload) {
    list_state *ls = payload;
    progress_clear();
    if (ls->fmt == FMT_JSON) {
        json_t *o = json_pack(
            "{s:o, s:o, s:o, s:I, s:I, s:o, s:o}", "unified_code", json_text(r->unified_code),
            "category", json_text(r->category), "provider", json_text(r->provider), "failures",
            (json_int_t)r->failures, "occurrences", (json_int_t)r->occurrences, "first_seen",
            json_text(r->first_seen), "last_seen", json_text(r->last_seen));
        if (json_row(stdout, o, ls->count == 0)) return WALK_STOPPED;
    } else if (ls->fmt == FMT_CSV) {
        char failures[24], occurrences[24];
        snprintf(failures, sizeof failures, "%lld", (long long)r->failures);
        snprintf(occurrences, sizeof occurrences, "%lld", (long long)r->occurrences);
        const char *cells[] = {r->unified_code, r->category,   r->provider, failures,
                               occurrences,     r->first_seen, r->last_seen};
        csv_row(stdout, cells, 7);
    } else {
        text_args ta = {0};
        printf("%-22s %-10s %-18s %8lld %11lld  %s  %s\n", text_arg(&ta, r->unified_code),
               text_arg(&ta, r->category), text_arg(&ta, r->provider), (long long)r->failures,
               (long long)r->occurrences, text_arg(&ta, r->first_seen),
               text_arg(&ta, r->last_seen));
        text_args_free(&ta);
    }
    ls->count++;
    return 0;
}

static int failures_summary(const cli *c) {
    list_state ls = {FMT_TEXT, 0};
    for (int i = 2; i < c->argc; i++) {
        const char *v;
        int r = opt_value(c, &i, "--format", &v);
        if (r < 0) return EXIT_USAGE;
        if (!r || parse_format(v, 1, &ls.fmt))
            return usage_error("failures summary: only --format text|csv|json");
    }
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    if (ls.fmt == FMT_TEXT)
        printf("%-22s %-10s %-18s %8s %11s  %-20s  %s\n", "unified_code", "category", "provider",
               "failures", "occurrences", "first_seen", "last_seen");
    else if (ls.fmt == FMT_CSV)
        puts("unified_code,category,provider,failures,occurrences,first_seen,last_seen");
    else
        printf("[");
    progress_attach(db, "failures summary");
    int rc = recon_failures_summary_each(db, print_summary, &ls);
    progress_clear();
    if (rc != RECON_OK) {
        if (rc != RECON_ECANCELLED) cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    }
    if (ls.fmt == FMT_JSON) printf("\n]\n");
    recon_close(db);
    return status;
}

int cmd_failures(const cli *c) {
    const char *sub = c->argc > 1 ? c->argv[1] : "";
    if (!strcmp(sub, "list")) return failures_list(c);
    if (!strcmp(sub, "record")) return failures_record(c);
    if (!strcmp(sub, "summary")) return failures_summary(c);
    if (!strcmp(sub, "resolve")) return failures_resolve(c);
    return usage_error("failures: expected list, record, summary or resolve");
}
