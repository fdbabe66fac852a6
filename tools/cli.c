/* Helpers shared by the recon CLI's commands (tools/cli.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int usage_error(const char *fmt, ...) {
    va_list ap;
    fputs("recon: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(recon help shows the commands)\n", stderr);
    return EXIT_USAGE;
}

/* ---- output helpers ----------------------------------------------------------- */

void json_str(FILE *f, const char *s) {
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* A cell that is entirely an optional minus, digits and an optional
 * fraction ("-12.50", "1250"): a number to a spreadsheet, never a formula,
 * so amounts stay summable. "+5", "-1e5", "-.5" and "1,250" are not. */
static int plain_number(const char *s) {
    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return 0;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

int csv_formula_risk(const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    if (!s || plain_number(s))
        return 0;
    if (u[0] && strchr("=+-@\t\r", u[0]))
        return 1;
    /* The fullwidth forms (U+FF1D = U+FF0B + U+FF0D - U+FF20 @), which some
     * spreadsheets in East Asian locales turn into their ASCII twins. */
    return u[0] == 0xEF && u[1] == 0xBC &&
           (u[2] == 0x9D || u[2] == 0x8B || u[2] == 0x8D || u[2] == 0xA0);
}

void csv_str(FILE *f, const char *s) {
    if (!s)
        return;
    const int risk = csv_formula_risk(s);
    if (!risk && !strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (risk)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void csv_row(FILE *f, const char *const *cells, size_t n) {
    for (size_t i = 0; i < n; i++) {
        csv_str(f, cells[i]);
        fputc(i + 1 == n ? '\n' : ',', f);
    }
}

int parse_format(const char *v, int allow_csv, int *out) {
    if (!strcmp(v, "text"))
        *out = FMT_TEXT;
    else if (!strcmp(v, "json"))
        *out = FMT_JSON;
    else if (allow_csv && !strcmp(v, "csv"))
        *out = FMT_CSV;
    else
        return -1;
    return 0;
}

const char *money(int64_t minor, const char *currency, char *buf, size_t size) {
    if (recon_money_format(minor, currency, buf, size) != 0)
        snprintf(buf, size, "%lld (minor units)", (long long)minor);
    return buf;
}

int open_db(const cli *c, recon_db **db) {
    if (!c->db_path) {
        usage_error("no database: give --db FILE or set RECON_DB");
        return EXIT_USAGE;
    }
    recon_open_opts oo = RECON_OPEN_OPTS_INIT;
    if (c->busy_timeout_ms >= 0)
        oo.busy_timeout_ms = c->busy_timeout_ms;
    if (recon_open(c->db_path, &oo, db) != RECON_OK) {
        fprintf(stderr, "recon: %s\n", recon_errmsg(*db));
        recon_close(*db);
        *db = NULL;
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int opt_value(const cli *c, int *i, const char *name, const char **out) {
    if (strcmp(c->argv[*i], name) != 0)
        return 0;
    if (*i + 1 >= c->argc) {
        usage_error("%s: %s needs a value", c->argv[0], name);
        return -1;
    }
    *out = c->argv[++*i];
    return 1;
}

int parse_id(const char *v, int64_t *out) {
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n <= 0)
        return -1;
    *out = n;
    return 0;
}
