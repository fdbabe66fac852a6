/* mkerrtable: compiles data/unified_codes.csv, data/decline_codes.csv and
 * data/error_codes.csv into C (lib/errors/errtable.h's tables), checking them
 * on the way, so that a typo in the data fails the build instead of
 * misclassifying a failure at run time.
 *
 *   mkerrtable UNIFIED_CSV DECLINE_CSV ERROR_CSV > error_table.c
 *
 * Checks: every unified code of the error table is in the closed set and
 * has that code's category; retryable is yes or no; retry_policy is one of
 * none, backoff, retry_after, verify_first, schedule; http_status is a
 * three-digit status, a class like 4xx, or empty (librecon's rows, and
 * coded rows that hold whatever the status); a code family like 101x or
 * 20xxx has a digit prefix; no (provider, status, code, cause) appears
 * twice; every row names its source; the closed set has UNKNOWN.
 * The decline taxonomy: every code of category decline has exactly one
 * row of DECLINE_CSV and nothing else has one; a soft decline retries on a
 * schedule (retryable yes, policy schedule, a first wait, attempts and days)
 * and a hard one never does (no, none, zeros); an ISO 8583 response code
 * belongs to one decline code only; the error table's rows of a decline
 * code have that code's retryability and policy (one code, one action),
 * name an ISO 8583 code of that code's list if they name one, and the
 * iso8583 provider has a row for exactly the codes the taxonomy lists.
 * A build tool: it reports and exits, nothing more. */
#include <csv.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 16
#define MAX_ROWS 2048

typedef struct {
    char *f[MAX_FIELDS];
    int n;
    long line;
} row;

typedef struct {
    row rows[MAX_ROWS];
    int nrows;
    row cur;
    long line;
    const char *path;
} table;

static void die(const char *path, long line, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "mkerrtable: %s:%ld: ", path, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void on_field(void *s, size_t len, void *data) {
    table *t = data;
    if (t->cur.n == MAX_FIELDS) die(t->path, t->line, "too many fields");
    char *v = malloc(len + 1);
    if (!v) die(t->path, t->line, "out of memory");
    memcpy(v, s, len);
    v[len] = '\0';
    t->cur.f[t->cur.n++] = v;
}

static void on_row(int c, void *data) {
    (void)c;
    table *t = data;
    t->line++;
    if (t->nrows == MAX_ROWS) die(t->path, t->line, "too many rows");
    t->cur.line = t->line;
    t->rows[t->nrows++] = t->cur;
    memset(&t->cur, 0, sizeof t->cur);
}

static void load(const char *path, table *t, int nfields, const char *header) {
    FILE *f = fopen(path, "rb");
    if (!f) die(path, 0, "cannot open");
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    t->path = path;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, t) != n)
            die(path, t->line + 1, "%s", csv_strerror(csv_error(&p)));
    if (csv_fini(&p, on_field, on_row, t) != 0) die(path, t->line + 1, "unterminated quote");
    csv_free(&p);
    fclose(f);
    if (t->nrows < 2) die(path, 1, "no rows");
    char got[512] = "";
    for (int i = 0; i < t->rows[0].n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "",
                 t->rows[0].f[i]);
    if (strcmp(got, header) != 0) die(path, 1, "header is '%s', want '%s'", got, header);
    for (int r = 1; r < t->nrows; r++)
        if (t->rows[r].n != nfields)
            die(path, t->rows[r].line, "%d fields, want %d", t->rows[r].n, nfields);
}

/* A C string literal. */
static void lit(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        if ((unsigned char)*s < 0x20) die("data", 0, "control character in text");
        putchar(*s);
    }
    putchar('"');
}

static const char *policy_enum(const char *v, const char *path, long line) {
    if (!strcmp(v, "none")) return "RECON_RETRY_NONE";
    if (!strcmp(v, "backoff")) return "RECON_RETRY_BACKOFF";
    if (!strcmp(v, "retry_after")) return "RECON_RETRY_AFTER";
    if (!strcmp(v, "verify_first")) return "RECON_RETRY_VERIFY_FIRST";
    if (!strcmp(v, "schedule")) return "RECON_RETRY_SCHEDULE";
    die(path, line, "retry_policy '%s' is not none, backoff, retry_after, verify_first or schedule",
        v);
    return NULL;
}

static int yes_no(const char *v, const char *path, long line) {
    if (!strcmp(v, "yes")) return 1;
    if (!strcmp(v, "no")) return 0;
    die(path, line, "retryable '%s' is not yes or no", v);
    return 0;
}

/* "404" -> 404, class 4; "4xx" -> 0, class 4; "" -> 0, class 0. */
static void parse_status(const char *v, int *status, int *cls, const char *path, long line) {
    *status = *cls = 0;
    if (!*v) return;
    if (strlen(v) != 3 || v[0] < '1' || v[0] > '5') die(path, line, "bad http_status '%s'", v);
    *cls = v[0] - '0';
    if (!strcmp(v + 1, "xx")) return;
    if (!isdigit((unsigned char)v[1]) || !isdigit((unsigned char)v[2]))
        die(path, line, "bad http_status '%s'", v);
    *status = atoi(v);
}

/* Provider codes are printable text (Adyen's refusal reasons are phrases),
 * without spaces at either end; "*" alone is the provider's row for codes
 * the table does not list. A numeric family is digits then x's at the end,
 * like 101x or 20xxx; "10x1" is a typo. */
static void check_code(const char *v, const char *path, long line) {
    size_t n = strlen(v);
    if (n && (v[0] == ' ' || v[n - 1] == ' '))
        die(path, line, "provider_code '%s' has spaces at an end", v);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
            die(path, line, "provider_code '%s' has a character that is not printable ASCII", v);
    if (!strcmp(v, "*") || !isdigit((unsigned char)v[0])) return;
    size_t d = 0;
    while (d < n && isdigit((unsigned char)v[d]))
        d++;
    if (d < n && v[d] == 'x') /* a family: nothing but x's after the digits */
        for (size_t i = d; i < n; i++)
            if (v[i] != 'x')
                die(path, line, "numeric code '%s' is not digits or a family like 101x or 20xxx",
                    v);
}

/* An ISO 8583 response code: two digits or capitals ("51", "1A", "N7"). */
static int iso_code_ok(const char *v) {
    return strlen(v) == 2 && (isdigit((unsigned char)v[0]) || isupper((unsigned char)v[0])) &&
           (isdigit((unsigned char)v[1]) || isupper((unsigned char)v[1]));
}

/* The next space-separated word of a list at *p: sets *w and *n and
 * moves *p past it; 0 at the end. */
static int next_word(const char **p, const char **w, size_t *n) {
    while (**p == ' ')
        (*p)++;
    *w = *p;
    *n = strcspn(*p, " ");
    *p += *n;
    return *n > 0;
}

/* Is `code` one of the space-separated words of `list`? */
static int in_list(const char *list, const char *code) {
    const char *w;
    size_t n, len = strlen(code);
    for (const char *p = list; next_word(&p, &w, &n);)
        if (n == len && !strncmp(w, code, n)) return 1;
    return 0;
}

/* A non-negative integer cell. */
static long number(const char *v, const char *path, long line, const char *what) {
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0 || n > 100000) die(path, line, "%s '%s' is not a number", what, v);
    return n;
}

static void check_cause(const char *v, const char *path, long line) {
    if (!*v || !strcmp(v, "body:xml")) return;
    if (!strncmp(v, "message:", 8) && v[8]) return;
    die(path, line, "cause '%s' is not empty, body:xml or message:TEXT", v);
}

/* FNV-1a over every cell: databases mirror the table and refresh their copy
 * when this changes. */
static unsigned long long hash_table(const table *t, unsigned long long h) {
    for (int r = 0; r < t->nrows; r++)
        for (int i = 0; i < t->rows[r].n; i++)
            for (const unsigned char *c = (const unsigned char *)t->rows[r].f[i];; c++) {
                h = (h ^ *c) * 0x100000001b3u;
                if (!*c) break;
            }
    return h;
}

/* The unified code's row of u, or -1. */
static int unified_index(const table *u, const char *code) {
    for (int q = 1; q < u->nrows; q++)
        if (!strcmp(u->rows[q].f[0], code)) return q - 1;
    return -1;
}

/* data/decline_codes.csv: checked against the closed set, printed as
 * rc_decline_codes; dec_of[k] is unified code k's row there, or -1. */
static void print_declines(const table *u, const table *d, int *dec_of) {
    for (int k = 0; k < u->nrows - 1; k++)
        dec_of[k] = -1;
    printf("const rc_decline rc_decline_codes[] = {\n");
    for (int r = 1; r < d->nrows; r++) {
        char *const *f = d->rows[r].f;
        const long line = d->rows[r].line;
        int k = unified_index(u, f[0]);
        if (k < 0) die(d->path, line, "%s is not in %s", f[0], u->path);
        char *const *uf = u->rows[k + 1].f;
        if (strcmp(uf[1], "decline") != 0)
            die(d->path, line, "%s has category '%s', not decline", f[0], uf[1]);
        if (dec_of[k] >= 0) die(d->path, line, "%s twice", f[0]);
        dec_of[k] = r - 1;
        int soft = !strcmp(f[1], "soft");
        if (!soft && strcmp(f[1], "hard") != 0)
            die(d->path, line, "decline_type '%s' is not soft or hard", f[1]);
        for (const char *c = f[2]; *c; c++)
            if (!strchr("1234 ", *c)) die(d->path, line, "visa_category '%s' is not 1 to 4", f[2]);
        long first = number(f[4], d->path, line, "retry_first_minutes");
        long max = number(f[5], d->path, line, "retry_max");
        long days = number(f[6], d->path, line, "retry_days");
        if (soft != !strcmp(uf[2], "yes") || soft != !strcmp(uf[3], "schedule"))
            die(d->path, line, "%s is %s but the closed set says retryable %s, policy %s", f[0],
                f[1], uf[2], uf[3]);
        /* The schedule spaces retries evenly over the days, none sooner than
         * the first wait: a first wait longer than the spacing would run
         * past the days. */
        if (soft ? max < 1 || days < 1 || first * max > days * 1440 : first || max || days)
            die(d->path, line,
                "%s: a soft decline needs retries and days (the first wait at most their "
                "spacing), a hard one zeros",
                f[0]);
        const char *w;
        size_t n;
        for (const char *p = f[3]; next_word(&p, &w, &n);) {
            char code[8];
            snprintf(code, sizeof code, "%.*s", (int)(n < 7 ? n : 7), w);
            if (!iso_code_ok(code))
                die(d->path, line, "ISO 8583 code '%s' is not two characters", code);
            for (int q = 1; q < r; q++)
                if (in_list(d->rows[q].f[3], code))
                    die(d->path, line, "ISO 8583 code %s is also %s's", code, d->rows[q].f[0]);
        }
        if (!*f[7] || !*f[8] || !*f[9])
            die(d->path, line, "%s: advice, action or sources empty", f[0]);
        printf("    {%d, %d, ", k, soft);
        lit(f[2]);
        printf(", ");
        lit(f[3]);
        printf(", %ld, %ld, %ld, ", first, max, days);
        lit(f[7]);
        printf(", ");
        lit(f[8]);
        printf(", ");
        lit(f[9]);
        printf("},\n");
    }
    for (int k = 0; k < u->nrows - 1; k++)
        if (dec_of[k] < 0 && !strcmp(u->rows[k + 1].f[1], "decline"))
            die(d->path, 0, "decline code %s has no row", u->rows[k + 1].f[0]);
    printf("};\nconst size_t rc_ndecline_codes = %d;\n\n", d->nrows - 1);
}

/* The checks of one error row against the closed set and the taxonomy. */
static void check_error_row(const table *u, const table *d, const int *dec_of, const row *er,
                            int uidx, const char *path) {
    char *const *f = er->f;
    char *const *uf = u->rows[uidx + 1].f;
    if (!*f[10]) die(path, er->line, "no source (spec)");
    if (*f[11] && !iso_code_ok(f[11])) die(path, er->line, "iso8583 '%s' is not a code", f[11]);
    if (dec_of[uidx] < 0) {
        if (!strcmp(f[0], "iso8583") && strcmp(uf[1], "success") != 0)
            die(path, er->line, "an ISO 8583 row is a success or a decline, not %s", f[4]);
        return;
    }
    const char *list = d->rows[dec_of[uidx] + 1].f[3];
    if (strcmp(f[6], uf[2]) != 0 || strcmp(f[7], uf[3]) != 0)
        die(path, er->line, "%s retries as %s/%s, not %s/%s: one code, one action", f[4], uf[2],
            uf[3], f[6], f[7]);
    if (*f[11] && !in_list(list, f[11]))
        die(path, er->line, "ISO 8583 %s is not one of %s's (%s)", f[11], f[4], list);
    if (!strcmp(f[0], "iso8583") && !in_list(list, f[2]))
        die(path, er->line, "ISO 8583 %s is not one of %s's (%s)", f[2], f[4], list);
}

/* Every ISO 8583 code the taxonomy lists has its iso8583 provider row. */
static void check_iso_rows(const table *d, const table *e) {
    const char *w;
    size_t n;
    for (int r = 1; r < d->nrows; r++)
        for (const char *p = d->rows[r].f[3]; next_word(&p, &w, &n);) {
            int found = 0;
            for (int q = 1; q < e->nrows && !found; q++)
                found = !strcmp(e->rows[q].f[0], "iso8583") && strlen(e->rows[q].f[2]) == n &&
                        !strncmp(e->rows[q].f[2], w, n);
            if (!found) die(e->path, 0, "no iso8583 row for %.*s (%s)", (int)n, w, d->rows[r].f[0]);
        }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: mkerrtable UNIFIED_CSV DECLINE_CSV ERROR_CSV\n");
        return 2;
    }
    static table u, d, e;
    static int dec_of[MAX_ROWS];
    load(argv[1], &u, 7,
         "unified_code,category,retryable,retry_policy,meaning,when_to_retry,what_to_do");
    load(argv[2], &d, 10,
         "unified_code,decline_type,visa_category,iso8583,retry_first_minutes,retry_max,"
         "retry_days,retry_advice,customer_action,sources");
    load(argv[3], &e, 12,
         "provider,http_status,provider_code,cause,unified_code,category,retryable,"
         "retry_policy,action,description,spec,iso8583");
    /* The classifier answers UNKNOWN when nothing matches; without it the
     * library would have no answer to give. */
    if (unified_index(&u, "UNKNOWN") < 0)
        die(argv[1], 0, "no UNKNOWN code: the classifier's answer when nothing matches");

    printf("/* Generated by scripts/mkerrtable from data/unified_codes.csv,\n"
           " * data/decline_codes.csv and data/error_codes.csv. Do not edit. */\n"
           "#include \"errors/errtable.h\"\n\n");
    print_declines(&u, &d, dec_of);
    printf("const rc_unified rc_unified_codes[] = {\n");
    for (int r = 1; r < u.nrows; r++) {
        char **f = u.rows[r].f;
        for (int q = 1; q < r; q++)
            if (!strcmp(u.rows[q].f[0], f[0])) die(argv[1], u.rows[r].line, "%s twice", f[0]);
        printf("    {");
        lit(f[0]);
        printf(", ");
        lit(f[1]);
        printf(", %d, %s, ", yes_no(f[2], argv[1], u.rows[r].line),
               policy_enum(f[3], argv[1], u.rows[r].line));
        lit(f[4]);
        printf(", ");
        lit(f[6]);
        printf(", %d},\n", dec_of[r - 1]);
    }
    printf("};\nconst size_t rc_nunified_codes = %d;\n\n", u.nrows - 1);

    printf("const rc_error_row rc_error_rows[] = {\n");
    for (int r = 1; r < e.nrows; r++) {
        char **f = e.rows[r].f;
        const long line = e.rows[r].line;
        int status, cls, uidx;
        if (!*f[0]) die(argv[3], line, "empty provider");
        for (const char *c = f[0]; *c; c++)
            if (isupper((unsigned char)*c))
                die(argv[3], line, "provider '%s' not lower case", f[0]);
        parse_status(f[1], &status, &cls, argv[3], line);
        if (!cls && strcmp(f[0], "librecon") != 0 && !*f[2])
            die(argv[3], line, "a row with no http_status needs a provider_code");
        check_code(f[2], argv[3], line);
        check_cause(f[3], argv[3], line);
        if ((uidx = unified_index(&u, f[4])) < 0)
            die(argv[3], line, "unified code '%s' is not in %s", f[4], argv[1]);
        if (strcmp(u.rows[uidx + 1].f[1], f[5]) != 0)
            die(argv[3], line, "category '%s' but %s is '%s'", f[5], f[4], u.rows[uidx + 1].f[1]);
        check_error_row(&u, &d, dec_of, &e.rows[r], uidx, argv[3]);
        for (int q = 1; q < r; q++) {
            char **g = e.rows[q].f;
            if (!strcmp(g[0], f[0]) && !strcmp(g[1], f[1]) && !strcasecmp(g[2], f[2]) &&
                !strcasecmp(g[3], f[3]))
                die(argv[3], line, "same provider, status, code and cause as line %ld",
                    e.rows[q].line);
        }
        printf("    {");
        lit(f[0]);
        printf(", %d, %d, ", status, cls);
        lit(f[2]);
        printf(", ");
        lit(f[3]);
        printf(", %d, %d, %s, ", uidx, yes_no(f[6], argv[3], line),
               policy_enum(f[7], argv[3], line));
        /* An empty action is the unified code's own advice. */
        lit(*f[8] ? f[8] : u.rows[uidx + 1].f[6]);
        printf(", ");
        lit(f[9]);
        printf(", ");
        lit(f[10]);
        printf(", ");
        lit(f[11]);
        printf("},\n");
    }
    check_iso_rows(&d, &e);
    printf("};\nconst size_t rc_nerror_rows = %d;\n", e.nrows - 1);
    printf(
        "const char rc_error_table_hash[] = \"%016llx\";\n",
        (unsigned long long)(hash_table(&u, hash_table(&d, hash_table(&e, 0xcbf29ce484222325u)))));
    return 0;
}
