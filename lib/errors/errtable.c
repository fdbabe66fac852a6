/* errtable: classification of provider answers against the unified
 * error-code table (data/error_codes.csv, compiled in), the decline
 * taxonomy (data/decline_codes.csv) and the retry policy. Pure functions
 * over const data: no database, no state.
 *
 * Lookup order, most specific first:
 *   exact   the provider's code, under this status if the table has it
 *           there, else under any status; then the code's family (1019 ->
 *           101x, 20051 -> 20xxx). Among rows that fit, one whose documented
 *           cause (message text, XML body) fits the detail wins over the
 *           plain row.
 *   status  a code the provider's list lacks: the provider's "*" row; else
 *           the provider's row for the status with no code; else the
 *           provider's coded rows under that status when they all agree;
 *           else HTTP's own meaning of the status (the "*" rows for 401,
 *           429, 503, ... from RFC 9110 and RFC 6585);
 *   class   the "*" row for the status class (4xx, ...);
 *   unknown UNKNOWN. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errors/errtable.h"
#include "util/opts.h"
#include "util/utf8.h"

static void copy_lower(char *dst, size_t size, const char *src) {
    size_t n = src ? rc_utf8_cut(src, strlen(src), size - 1) : 0;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[n] = '\0';
}

static void copy_trimmed(char *dst, size_t size, const char *src) {
    while (src && isspace((unsigned char)*src))
        src++;
    size_t n = src ? strlen(src) : 0;
    while (n && isspace((unsigned char)src[n - 1]))
        n--;
    n = rc_utf8_cut(src, n, size - 1);
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Case-insensitive substring test. */
static int contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; hay && *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return 1;
    return 0;
}

/* 0: the row's cause does not fit; 1: a plain row; 2: its cause fits. */
static int cause_fit(const rc_error_row *r, const rc_error_detail *d) {
    if (!r->cause[0]) return 1;
    if (!strcmp(r->cause, "body:xml")) return d && d->body_is_xml ? 2 : 0;
    return d && d->message && contains_ci(d->message, r->cause + 8) ? 2 : 0;
}

/* Does `code` belong to the family `fam` (digits then x's, e.g. 101x or
 * 20xxx): as long, the same digits, then a digit or letter where fam has
 * an x (Checkout's 2006P and 200N0 carry ISO 8583 codes with letters)? */
static int in_family(const char *fam, const char *code) {
    size_t n = strlen(fam), d = 0;
    if (n < 2 || fam[n - 1] != 'x' || strlen(code) != n) return 0;
    while (d < n && isdigit((unsigned char)fam[d]))
        d++;
    if (!d || strncmp(fam, code, d) != 0) return 0;
    for (size_t i = d; i < n; i++)
        if (fam[i] != 'x' || !isalnum((unsigned char)code[i])) return 0;
    return 1;
}

typedef int (*row_pred)(const rc_error_row *r, const char *provider, int status, const char *code);

/* "*" is not a code but the provider's row for codes it does not list. */
static int is_wildcard(const rc_error_row *r) {
    return r->code[0] == '*' && !r->code[1];
}
/* The row names a code of the provider's (not only a status, not "*"). */
static int has_code(const rc_error_row *r) {
    return r->code[0] && !is_wildcard(r);
}

static int is_code(const rc_error_row *r, const char *p, int s, const char *c) {
    return !strcmp(r->provider, p) && has_code(r) && !strcasecmp(r->code, c) &&
           (!s || !r->http_status || r->http_status == s);
}
static int is_code_any_status(const rc_error_row *r, const char *p, int s, const char *c) {
    (void)s;
    return !strcmp(r->provider, p) && has_code(r) && !strcasecmp(r->code, c);
}
/* A "*" row holds at its status; without one, for a report's code (no
 * status) and a code inside a successful answer (Adyen's refusal reason
 * in a 200, Checkout's response code in a 201), never over an error
 * status, where HTTP's own meaning answers. */
static int is_any_code(const rc_error_row *r, const char *p, int s, const char *c) {
    (void)c;
    return !strcmp(r->provider, p) && is_wildcard(r) &&
           (r->http_status ? r->http_status == s : s == 0 || s / 100 == 2);
}
static int is_family(const rc_error_row *r, const char *p, int s, const char *c) {
    return !strcmp(r->provider, p) && in_family(r->code, c) &&
           (!s || !r->http_status || r->http_status == s);
}
static int is_status(const rc_error_row *r, const char *p, int s, const char *c) {
    (void)c;
    return !strcmp(r->provider, p) && !r->code[0] && s && r->http_status == s;
}
static int is_coded_at_status(const rc_error_row *r, const char *p, int s, const char *c) {
    (void)c;
    return !strcmp(r->provider, p) && has_code(r) && s && r->http_status == s;
}
static int is_http_status(const rc_error_row *r, const char *p, int s, const char *c) {
    (void)p, (void)c;
    return !strcmp(r->provider, "*") && s && r->http_status == s;
}
static int is_class(const rc_error_row *r, const char *p, int s, const char *c) {
    (void)p, (void)c;
    return !strcmp(r->provider, "*") && !r->http_status && s >= 100 && s <= 599 &&
           r->http_class == s / 100;
}

/* A provider that documents only coded rows under a status (Modulate's 429
 * is RATE_LIMIT_EXCEEDED): an unknown code under that status still means
 * what all of them mean, when they agree. Returns their first row, or NULL
 * when there are none or they disagree (Modulate's two 503 codes). */
static const rc_error_row *unanimous(const char *provider, int status) {
    const rc_error_row *first = NULL;
    for (size_t i = 0; i < rc_nerror_rows; i++) {
        const rc_error_row *r = &rc_error_rows[i];
        if (!is_coded_at_status(r, provider, status, NULL)) continue;
        if (first && (r->unified != first->unified || r->retryable != first->retryable ||
                      r->policy != first->policy))
            return NULL;
        if (!first) first = r;
    }
    return first;
}

/* The best row for pred: a row whose cause fits the detail beats a plain
 * row; the first such row in file order wins. */
static const rc_error_row *best(row_pred pred, const char *provider, int status, const char *code,
                                const rc_error_detail *d) {
    const rc_error_row *found = NULL;
    int found_fit = 0;
    for (size_t i = 0; i < rc_nerror_rows; i++) {
        const rc_error_row *r = &rc_error_rows[i];
        if (!pred(r, provider, status, code)) continue;
        int fit = cause_fit(r, d);
        if (fit > found_fit) {
            found = r;
            found_fit = fit;
        }
    }
    return found;
}

static void fill(recon_error_info *out, const rc_error_row *r, recon_error_match m) {
    const rc_unified *u = &rc_unified_codes[r->unified];
    out->unified_code = u->code;
    out->category = u->category;
    out->retryable = r->retryable;
    out->retry_policy = r->policy;
    out->action = r->action;
    out->description = r->description;
    out->spec = r->spec;
    out->row_code = r->code;
    out->matched = m;
    out->iso8583 = r->iso8583;
    if (u->decline < 0) return;
    const rc_decline *d = &rc_decline_codes[u->decline];
    out->decline_type = d->soft ? "soft" : "hard";
    out->visa_category = d->visa_category;
    out->retry_first_minutes = d->first_minutes;
    out->retry_max = d->max_retries;
    out->retry_days = d->days;
    out->retry_advice = d->retry_advice;
    out->customer_action = d->customer_action;
}

void rc_error_classify_detail(const char *provider, int http_status, const char *code,
                              const rc_error_detail *detail, recon_error_info *out) {
    memset(out, 0, sizeof *out);
    out->version = RECON_ERROR_INFO_VERSION;
    copy_lower(out->provider, sizeof out->provider, provider);
    copy_trimmed(out->provider_code, sizeof out->provider_code, code);
    out->http_status = http_status;
    out->decline_type = out->iso8583 = out->visa_category = "";
    out->retry_advice = out->customer_action = "";
    const char *p = out->provider, *c = out->provider_code;
    const rc_error_row *r = NULL;
    if (c[0] && p[0]) {
        if (!(r = best(is_code, p, http_status, c, detail)))
            r = best(is_code_any_status, p, http_status, c, detail);
        if (!r) r = best(is_family, p, http_status, c, detail);
        if (r) {
            fill(out, r, RECON_MATCH_EXACT);
            return;
        }
        /* A code the provider's list lacks: its row for unlisted codes
         * (Adyen's refusal reasons are all declines), at the status level. */
        if ((r = best(is_any_code, p, http_status, c, detail))) {
            fill(out, r, RECON_MATCH_STATUS);
            return;
        }
    }
    if ((p[0] &&
         ((r = best(is_status, p, http_status, c, detail)) || (r = unanimous(p, http_status)))) ||
        (r = best(is_http_status, p, http_status, c, detail))) {
        fill(out, r, RECON_MATCH_STATUS);
        return;
    }
    if ((r = best(is_class, p, http_status, c, detail))) {
        fill(out, r, RECON_MATCH_CLASS);
        return;
    }
    const rc_unified *u = rc_unified_find("UNKNOWN");
    out->unified_code = u->code;
    out->category = u->category;
    out->retryable = 0;
    out->retry_policy = RECON_RETRY_NONE;
    out->action = "check the provider's documentation; treat as a failure";
    out->description = "No row of the table describes this answer.";
    out->spec = "";
    out->row_code = "";
    out->matched = RECON_MATCH_UNKNOWN;
}

int recon_error_classify_message(const char *provider, int http_status, const char *provider_code,
                                 const char *message, recon_error_info *out) {
    if (!out || !rc_out_version(out)) return RECON_EMISUSE;
    rc_error_detail d = {message, 0};
    recon_error_info full = RECON_ERROR_INFO_INIT;
    rc_error_classify_detail(provider, http_status, provider_code, &d, &full);
    static const size_t sizes[] = {0, offsetof(recon_error_info, decline_type), sizeof full};
    rc_out_put(out, &full, RECON_ERROR_INFO_VERSION, sizes);
    return RECON_OK;
}

int recon_error_classify(const char *provider, int http_status, const char *provider_code,
                         recon_error_info *out) {
    return recon_error_classify_message(provider, http_status, provider_code, NULL, out);
}

int recon_error_provider_known(const char *provider) {
    if (!provider || !provider[0]) return 0;
    for (size_t i = 0; i < rc_nerror_rows; i++)
        if (strcmp(rc_error_rows[i].provider, "*") &&
            !strcasecmp(rc_error_rows[i].provider, provider))
            return 1;
    return 0;
}

/* A provider's first row: the table is small (about 130 rows), and this
 * does not rely on its order. */
static int first_row_of_provider(size_t i) {
    const char *p = rc_error_rows[i].provider;
    if (!strcmp(p, "*")) return 0;
    for (size_t j = 0; j < i; j++)
        if (!strcmp(rc_error_rows[j].provider, p)) return 0;
    return 1;
}

const char *recon_error_provider(size_t index) {
    size_t k = 0;
    for (size_t i = 0; i < rc_nerror_rows; i++)
        if (first_row_of_provider(i) && k++ == index) return rc_error_rows[i].provider;
    return NULL;
}

const rc_unified *rc_unified_find(const char *code) {
    for (size_t i = 0; code && i < rc_nunified_codes; i++)
        if (!strcmp(rc_unified_codes[i].code, code)) return &rc_unified_codes[i];
    return NULL;
}

const char *recon_retry_policy_name(recon_retry_policy policy) {
    switch (policy) {
    case RECON_RETRY_NONE:
        return "none";
    case RECON_RETRY_BACKOFF:
        return "backoff";
    case RECON_RETRY_AFTER:
        return "retry_after";
    case RECON_RETRY_VERIFY_FIRST:
        return "verify_first";
    case RECON_RETRY_SCHEDULE:
        return "schedule";
    }
    return "?";
}

const char *recon_error_match_name(recon_error_match matched) {
    switch (matched) {
    case RECON_MATCH_EXACT:
        return "exact";
    case RECON_MATCH_STATUS:
        return "status";
    case RECON_MATCH_CLASS:
        return "class";
    case RECON_MATCH_UNKNOWN:
        return "unknown";
    }
    return "?";
}

/* ---- retry ------------------------------------------------------------------ */

#define MAX_SERVER_WAIT_S 86400
#define MAX_DECLINE_WAIT_S (30 * 86400)

/* splitmix64: a well-mixed pure function of its input, so that jitter is
 * reproducible from (seed, attempt) without any state. */
static uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* A soft decline's schedule: the first retry after its first wait, the
 * others spread evenly over its days (never sooner than the first wait),
 * at most its number of retries. Read from the table by the unified code,
 * not from info's version 2 fields, which a version 1 caller lacks.
 * Returns the delay in ms, or -1 when the schedule allows no more. */
static int64_t schedule_delay_ms(const char *unified, int attempt) {
    const rc_unified *u = rc_unified_find(unified);
    if (!u || u->decline < 0) return -1;
    const rc_decline *d = &rc_decline_codes[u->decline];
    if (!d->soft || attempt > d->max_retries) return -1;
    int64_t spacing = (int64_t)d->days * 1440 / d->max_retries;
    int64_t minutes = attempt == 1 || spacing < d->first_minutes ? d->first_minutes : spacing;
    return minutes * 60000;
}

int64_t recon_retry_delay_ms(const recon_error_info *info, int attempt, int retry_after_seconds,
                             const recon_retry_opts *opts) {
    const recon_retry_opts defaults = RECON_RETRY_OPTS_INIT;
    const recon_retry_opts *o = opts ? opts : &defaults;
    if (!info || (opts && opts->version != RECON_RETRY_OPTS_VERSION) || o->base_ms <= 0 ||
        o->max_ms < o->base_ms || o->max_attempts < 0)
        return RECON_NO_RETRY;
    if (!info->retryable || info->retry_policy == RECON_RETRY_NONE || attempt < 1 ||
        attempt > o->max_attempts)
        return RECON_NO_RETRY;
    /* A decline's advised wait (Mastercard's advice codes 24-30) runs to
     * ten days, honoured up to 30; a server's Retry-After up to a day. */
    int64_t cap =
        info->retry_policy == RECON_RETRY_SCHEDULE ? MAX_DECLINE_WAIT_S : MAX_SERVER_WAIT_S;
    int64_t server = retry_after_seconds <= 0
                         ? 0
                         : 1000 * (retry_after_seconds < cap ? (int64_t)retry_after_seconds : cap);
    if (info->retry_policy == RECON_RETRY_SCHEDULE) {
        int64_t d = schedule_delay_ms(info->unified_code, attempt);
        return d < 0 ? RECON_NO_RETRY : d > server ? d : server;
    }
    if (server) return server;
    int64_t d = o->base_ms;
    for (int i = 1; i < attempt && d < o->max_ms; i++)
        d *= 2;
    if (d > o->max_ms) d = o->max_ms;
    if (o->jitter) {
        int64_t half = d / 2;
        d = half + (int64_t)(mix(o->seed ^ ((uint64_t)attempt << 32)) % (uint64_t)(d - half + 1));
    }
    return d;
}

/* ---- the table, for listing ------------------------------------------------------ */

static const char *const CLASS_NAMES[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};

size_t recon_error_table_count(void) {
    return rc_nerror_rows;
}

int recon_error_table_row(size_t index, recon_error_row *out) {
    if (!out || !rc_out_version(out)) return RECON_EMISUSE;
    if (index >= rc_nerror_rows) return RECON_ENOTFOUND;
    const rc_error_row *r = &rc_error_rows[index];
    const rc_unified *u = &rc_unified_codes[r->unified];
    recon_error_row full = {.provider = r->provider,
                            .http_status = r->http_status,
                            .http_class = CLASS_NAMES[r->http_class],
                            .provider_code = r->code,
                            .cause = r->cause,
                            .unified_code = u->code,
                            .category = u->category,
                            .retryable = r->retryable,
                            .retry_policy = r->policy,
                            .action = r->action,
                            .description = r->description,
                            .spec = r->spec,
                            .iso8583 = r->iso8583};
    static const size_t sizes[] = {0, offsetof(recon_error_row, iso8583), sizeof full};
    rc_out_put(out, &full, RECON_ERROR_ROW_VERSION, sizes);
    return RECON_OK;
}

size_t recon_unified_code_count(void) {
    return rc_nunified_codes;
}

int recon_unified_code_get(size_t index, recon_unified_code *out) {
    if (!out || !rc_out_version(out)) return RECON_EMISUSE;
    if (index >= rc_nunified_codes) return RECON_ENOTFOUND;
    const rc_unified *u = &rc_unified_codes[index];
    recon_unified_code full = {.code = u->code,
                               .category = u->category,
                               .retryable = u->retryable,
                               .retry_policy = u->policy,
                               .meaning = u->meaning};
    static const size_t sizes[] = {0, sizeof full};
    rc_out_put(out, &full, RECON_UNIFIED_CODE_VERSION, sizes);
    return RECON_OK;
}

size_t recon_decline_code_count(void) {
    return rc_ndecline_codes;
}

int recon_decline_code_get(size_t index, recon_decline_code *out) {
    if (!out || !rc_out_version(out)) return RECON_EMISUSE;
    if (index >= rc_ndecline_codes) return RECON_ENOTFOUND;
    const rc_decline *d = &rc_decline_codes[index];
    recon_decline_code full = {.code = rc_unified_codes[d->unified].code,
                               .decline_type = d->soft ? "soft" : "hard",
                               .visa_category = d->visa_category,
                               .iso8583 = d->iso8583,
                               .retry_first_minutes = d->first_minutes,
                               .retry_max = d->max_retries,
                               .retry_days = d->days,
                               .retry_advice = d->retry_advice,
                               .customer_action = d->customer_action,
                               .sources = d->sources};
    static const size_t sizes[] = {0, sizeof full};
    rc_out_put(out, &full, RECON_DECLINE_CODE_VERSION, sizes);
    return RECON_OK;
}
