/* mkerrtable: compiles data/unified_codes.csv and data/error_codes.csv into
 * C (lib/errors/errtable.h's tables), checking them on the way, so that a typo in
 * the data fails the build instead of misclassifying a failure at run time.
 *
 *   mkerrtable UNIFIED_CSV ERROR_CSV > error_table.c
 *
 * Checks: every unified code of the error table is in the closed set and
 * has that code's category; retryable is yes or no; retry_policy is one of
 * none, backoff, retry_after, verify_first; http_status is a three-digit
 * status, a class like 4xx, or empty (librecon's own rows only); a code
 * family like 101x has a digit prefix; no (provider, status, code, cause)
 * appears twice; the closed set has UNKNOWN. A build tool: it reports and
 * exits, nothing more. */
#include <csv.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 16
#define MAX_ROWS 1024

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
    die(path, line, "retry_policy '%s' is not none, backoff, retry_after or verify_first", v);
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

static void check_code(const char *v, const char *path, long line) {
    size_t n = strlen(v);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.'))
            die(path, line, "provider_code '%s' has character '%c'", v, c);
    }
    /* A numeric family is digits then one x, like 101x; "10x1" is a typo. */
    if (isdigit((unsigned char)v[0]))
        for (size_t i = 0; i < n; i++)
            if (!isdigit((unsigned char)v[i]) && !(i == n - 1 && v[i] == 'x'))
                die(path, line, "numeric code '%s' is not digits or a family like 101x", v);
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

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mkerrtable UNIFIED_CSV ERROR_CSV\n");
        return 2;
    }
    static table u, e;
    load(argv[1], &u, 7,
         "unified_code,category,retryable,retry_policy,meaning,when_to_retry,what_to_do");
    load(argv[2], &e, 11,
         "provider,http_status,provider_code,cause,unified_code,category,retryable,"
         "retry_policy,action,description,spec");
    /* The classifier answers UNKNOWN when nothing matches; without it the
     * library would have no answer to give. */
    int have_unknown = 0;
    for (int r = 1; r < u.nrows; r++)
        have_unknown |= !strcmp(u.rows[r].f[0], "UNKNOWN");
    if (!have_unknown)
        die(argv[1], 0, "no UNKNOWN code: the classifier's answer when nothing matches");

    printf("/* Generated by scripts/mkerrtable from data/unified_codes.csv and\n"
           " * data/error_codes.csv. Do not edit. */\n#include \"errors/errtable.h\"\n\n");
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
        printf("},\n");
    }
    printf("};\nconst size_t rc_nunified_codes = %d;\n\n", u.nrows - 1);

    printf("const rc_error_row rc_error_rows[] = {\n");
    for (int r = 1; r < e.nrows; r++) {
        char **f = e.rows[r].f;
        const long line = e.rows[r].line;
        int status, cls, uidx = -1;
        if (!*f[0]) die(argv[2], line, "empty provider");
        for (const char *c = f[0]; *c; c++)
            if (isupper((unsigned char)*c))
                die(argv[2], line, "provider '%s' not lower case", f[0]);
        parse_status(f[1], &status, &cls, argv[2], line);
        if (!cls && strcmp(f[0], "librecon") != 0)
            die(argv[2], line, "only librecon rows may have no http_status");
        check_code(f[2], argv[2], line);
        check_cause(f[3], argv[2], line);
        for (int q = 1; q < u.nrows; q++)
            if (!strcmp(u.rows[q].f[0], f[4])) uidx = q - 1;
        if (uidx < 0) die(argv[2], line, "unified code '%s' is not in %s", f[4], argv[1]);
        if (strcmp(u.rows[uidx + 1].f[1], f[5]) != 0)
            die(argv[2], line, "category '%s' but %s is '%s'", f[5], f[4], u.rows[uidx + 1].f[1]);
        for (int q = 1; q < r; q++) {
            char **g = e.rows[q].f;
            if (!strcmp(g[0], f[0]) && !strcmp(g[1], f[1]) && !strcasecmp(g[2], f[2]) &&
                !strcasecmp(g[3], f[3]))
                die(argv[2], line, "same provider, status, code and cause as line %ld",
                    e.rows[q].line);
        }
        printf("    {");
        lit(f[0]);
        printf(", %d, %d, ", status, cls);
        lit(f[2]);
        printf(", ");
        lit(f[3]);
        printf(", %d, %d, %s, ", uidx, yes_no(f[6], argv[2], line),
               policy_enum(f[7], argv[2], line));
        lit(f[8]);
        printf(", ");
        lit(f[9]);
        printf(", ");
        lit(f[10]);
        printf("},\n");
    }
    printf("};\nconst size_t rc_nerror_rows = %d;\n", e.nrows - 1);
    printf("const char rc_error_table_hash[] = \"%016llx\";\n",
           (unsigned long long)(hash_table(&u, hash_table(&e, 0xcbf29ce484222325u))));
    return 0;
}
