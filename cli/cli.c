/* Helpers shared by the recon CLI's commands (cli/cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util/utf8.h"

/* "recon: MESSAGE" on stderr, the message escaped (it may quote a file
 * name, an argument or a cell value); the caller ends the line. */
__attribute__((format(printf, 1, 0))) static void error_text(const char *fmt, va_list ap) {
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *msg = n < 0 ? NULL : malloc((size_t)n + 1);
    fputs("recon: ", stderr);
    if (msg) {
        vsnprintf(msg, (size_t)n + 1, fmt, again);
        text_str(stderr, msg);
    } else {
        fputs("(out of memory formatting the message)", stderr);
    }
    va_end(again);
    free(msg);
}

int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    error_text(fmt, ap);
    va_end(ap);
    fputs("\n(recon help shows the commands)\n", stderr);
    return EXIT_USAGE;
}

void cli_error(const char *fmt, ...) {
    progress_clear();
    va_list ap;
    va_start(ap, fmt);
    error_text(fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- progress of reading calls ----------------------------------------------------- */

/* The one progress line: the CLI runs one library call at a time. */
static struct {
    const char *what;
    int64_t start_ms, drawn_ms;
    int64_t after_ms; /* RECON_PROGRESS_AFTER_MS, else 500 */
    int shown;
} progress;

int64_t cli_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int on_read_progress(const recon_progress *p, void *payload) {
    (void)p, (void)payload;
    int64_t t = cli_now_ms();
    if (t - progress.start_ms < progress.after_ms || t - progress.drawn_ms < 100) return 0;
    progress.drawn_ms = t;
    fprintf(stderr, "\r%s: working, %.1f s", progress.what,
            (double)(t - progress.start_ms) / 1000.0);
    progress.shown = 1;
    return 0;
}

void progress_attach(recon_db *db, const char *what) {
    if (!isatty(STDERR_FILENO)) return;
    const char *after = getenv("RECON_PROGRESS_AFTER_MS");
    progress.after_ms = after && *after ? strtoll(after, NULL, 10) : 500;
    progress.what = what;
    progress.start_ms = cli_now_ms();
    progress.drawn_ms = 0;
    progress.shown = 0;
    recon_progress_handler(db, on_read_progress, NULL);
}

void progress_clear(void) {
    if (progress.shown) fputs("\r\033[K", stderr);
    progress.shown = 0;
}

/* ---- text output ------------------------------------------------------------------ */

/* The character at p as text output shows it: its escape in esc (empty
 * when it is shown as it is); returns the bytes it takes. */
static size_t text_char(const unsigned char *p, char esc[12]) {
    uint32_t c;
    const size_t n = rc_utf8_decode(p, 4, &c);
    esc[0] = '\0';
    if (!n)
        snprintf(esc, 12, "\\x%02x", p[0]);
    else if (c == '\t' || c == '\n' || c == '\r')
        snprintf(esc, 12, "\\%c", c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
    else if (c < 0x20 || c == 0x7f)
        snprintf(esc, 12, "\\x%02x", (unsigned)c);
    else if ((c >= 0x80 && c <= 0x9f) || (c >= 0x2028 && c <= 0x202e) ||
             (c >= 0x2066 && c <= 0x2069))
        snprintf(esc, 12, "\\u%04x", (unsigned)c);
    return n ? n : 1;
}

/* The escaped length of s; *clean set when that is s as it is. */
static size_t text_len(const char *s, int *clean) {
    size_t len = 0;
    char esc[12];
    *clean = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = text_char(p, esc);
        if (esc[0]) {
            *clean = 0;
            len += strlen(esc);
        } else {
            len += n;
        }
        p += n;
    }
    return len;
}

char *text_dup(const char *s) {
    int clean;
    char *out = malloc(text_len(s, &clean) + 1), *o = out, esc[12];
    if (!out) return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = text_char(p, esc);
        if (esc[0]) {
            o = stpcpy(o, esc);
        } else {
            memcpy(o, p, n);
            o += n;
        }
        p += n;
    }
    *o = '\0';
    return out;
}

void text_str(FILE *f, const char *s) {
    char esc[12];
    if (!s) {
        fputc('-', f);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = text_char(p, esc);
        if (esc[0])
            fputs(esc, f);
        else
            fwrite(p, 1, n, f);
        p += n;
    }
}

const char *text_arg(text_args *ta, const char *s) {
    int clean;
    if (!s) return NULL;
    text_len(s, &clean);
    if (clean) return s;
    if (ta->n == TEXT_ARGS_MAX || !(ta->owned[ta->n] = text_dup(s))) return "?";
    return ta->owned[ta->n++];
}

void text_args_free(text_args *ta) {
    for (size_t i = 0; i < ta->n; i++)
        free(ta->owned[i]);
    ta->n = 0;
}

/* ---- output helpers ----------------------------------------------------------- */

/* s (n bytes, not valid UTF-8) as text that is: each byte that does not
 * start a valid character written \xNN, backslashes doubled so that the
 * escaping is unambiguous (the library's raw rows, lib/ingest/ingest.c).
 * malloc'd; NULL when out of memory. */
static char *utf8_escaped(const char *s, size_t n) {
    char *out = malloc(4 * n + 1), *o = out;
    const unsigned char *u = (const unsigned char *)s;
    if (!out) return NULL;
    for (size_t i = 0; i < n;) {
        size_t len = rc_utf8_decode(u + i, n - i, NULL);
        if (!len) {
            o += sprintf(o, "\\x%02x", u[i++]);
        } else if (u[i] == '\\') {
            o = stpcpy(o, "\\\\");
            i++;
        } else {
            memcpy(o, u + i, len);
            o += len;
            i += len;
        }
    }
    *o = '\0';
    return out;
}

json_t *json_text(const char *s) {
    if (!s) return json_null();
    const size_t n = strlen(s);
    json_t *j = json_stringn(s, n);
    if (j) return j;
    /* Jansson takes valid UTF-8 only (or it was out of memory). */
    char *esc = utf8_escaped(s, n);
    j = esc ? json_string(esc) : NULL;
    free(esc);
    return j;
}

json_t *json_int_text(const char *s) {
    if (!s) return json_null();
    char *end;
    errno = 0;
    const long long n = strtoll(s, &end, 10);
    if ((*s != '-' && (*s < '0' || *s > '9')) || *end || errno) return json_text(s);
    return json_integer(n);
}

/* The C1 control or U+2028/U+2029 that starts at p, else 0. Outside
 * strings Jansson writes ASCII only, so every one found is in a string. */
static unsigned raw_control(const unsigned char *p) {
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) return p[1];
    if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
        return 0x2000u | (p[2] & 0x3fu);
    return 0;
}

/* Writes before, then v as Jansson dumps it with raw_control's characters
 * escaped; releases v. Nothing at all is written when the dump fails. */
static int write_after(FILE *f, const char *before, json_t *v) {
    char *text = v ? json_dumps(v, JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (!text) {
        cli_error("out of memory writing JSON");
        return -1;
    }
    fputs(before, f);
    const unsigned char *run = (const unsigned char *)text, *p = run;
    for (; *p; p++) {
        const unsigned c = raw_control(p);
        if (!c) continue;
        fwrite(run, 1, (size_t)(p - run), f);
        fprintf(f, "\\u%04X", c); /* upper case, as Jansson writes \u001B */
        p += c < 0x100 ? 1 : 2;
        run = p + 1;
    }
    fwrite(run, 1, (size_t)(p - run), f);
    free(text);
    return 0;
}

int json_write(FILE *f, json_t *v) {
    return write_after(f, "", v);
}

int json_line(FILE *f, json_t *v) {
    if (json_write(f, v) != 0) return -1;
    fputc('\n', f);
    return 0;
}

int json_row(FILE *f, json_t *row, int first) {
    return write_after(f, first ? "\n  " : ",\n  ", row);
}

/* A cell that is entirely an optional minus, digits and an optional
 * fraction ("-12.50", "1250"): a number to a spreadsheet, never a formula,
 * so amounts stay summable. "+5", "-1e5", "-.5" and "1,250" are not. */
static int plain_number(const char *s) {
    if (*s == '-') s++;
    if (*s < '0' || *s > '9') return 0;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9') return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

int csv_formula_risk(const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    if (!s || plain_number(s)) return 0;
    if (u[0] && strchr("=+-@\t\r", u[0])) return 1;
    /* The fullwidth forms (U+FF1D = U+FF0B + U+FF0D - U+FF20 @), which some
     * spreadsheets in East Asian locales turn into their ASCII twins. */
    return u[0] == 0xEF && u[1] == 0xBC &&
           (u[2] == 0x9D || u[2] == 0x8B || u[2] == 0x8D || u[2] == 0xA0);
}

void csv_str(FILE *f, const char *s) {
    if (!s) return;
    const int risk = csv_formula_risk(s);
    if (!risk && !strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (risk) fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
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
    if (c->busy_timeout_ms >= 0) oo.busy_timeout_ms = c->busy_timeout_ms;
    if (recon_open(c->db_path, &oo, db) != RECON_OK) {
        cli_error("%s", recon_errmsg(*db));
        recon_close(*db);
        *db = NULL;
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

int opt_value(const cli *c, int *i, const char *name, const char **out) {
    if (strcmp(c->argv[*i], name) != 0) return 0;
    if (*i + 1 >= c->argc) {
        usage_error("%s: %s needs a value", c->argv[0], name);
        return -1;
    }
    *out = c->argv[++*i];
    return 1;
}

int note_args(const cli *c, int first, const char *what, const char **target, const char **note,
              const char **actor) {
    *target = *note = *actor = NULL;
    for (int i = first; i < c->argc; i++) {
        int r;
        if ((r = opt_value(c, &i, "--note", note)) || (r = opt_value(c, &i, "--actor", actor))) {
            if (r < 0) return EXIT_USAGE;
        } else if (!*target) {
            *target = c->argv[i];
        } else {
            return usage_error("%s: unexpected '%s'", what, c->argv[i]);
        }
    }
    return EXIT_OK;
}

int parse_id(const char *v, int64_t *out) {
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n <= 0) return -1;
    *out = n;
    return 0;
}
