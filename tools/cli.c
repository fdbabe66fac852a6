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

void csv_str(FILE *f, const char *s) {
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
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
