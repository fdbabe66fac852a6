/* accounts: the chart-of-accounts mapping the journal export posts with
 * (docs/ACCOUNTING.md): an INI file of [defaults], [variances], [type T]
 * and [source NAME] sections, parsed with inih like rules and profiles,
 * every key and account name checked when read, so that a mistake is
 * refused with its line before any entry is made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/journal.h"
#include "util/builtin.h"
#include "util/error.h"
#include "util/ini.h"

#define MAX_ACCOUNTS 1024
#define ACCOUNT_MAX 200

/* The keys each kind of section takes. */
static const char *const DEFAULT_KEYS[] = {"suspense", "conversion", NULL};
static const char *const VARIANCE_KEYS[] = {"fee", "fx", "writeoff", NULL};
static const char *const SOURCE_KEYS[] = {"account", "clearing",    "revenue",     "refunds",
                                          "fees",    "chargebacks", "adjustments", "transfers",
                                          "other",   NULL};

static int known(const char *const *keys, const char *k) {
    for (size_t i = 0; keys[i]; i++)
        if (!strcmp(keys[i], k)) return 1;
    return 0;
}

struct parse_ctx {
    recon_accounts *a;
    char err[256];
};

static int bad(struct parse_ctx *c, const char *section, const char *key, const char *why) {
    snprintf(c->err, sizeof c->err, "[%s] %s: %s", section, key, why);
    return 0;
}

static const char *find(const recon_accounts *a, const char *section, const char *key) {
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->e[i].section, section) && !strcmp(a->e[i].key, key)) return a->e[i].value;
    return NULL;
}

/* An account name hledger and Ledger read back as one name: no tab, no
 * two spaces in a row (their separator before an amount), no ';' (a
 * comment), not starting or ending with a space, at most ACCOUNT_MAX bytes. */
static const char *account_problem(const char *v) {
    size_t n = strlen(v);
    if (!n) return "an account name is required";
    if (n > ACCOUNT_MAX) return "an account name is at most 200 bytes";
    if (v[0] == ' ' || v[n - 1] == ' ') return "an account name does not start or end with a space";
    /* Ledger and hledger read "(A)" and "[A]" as virtual postings, which
     * need not balance: an entry would no longer be checked by them. */
    if (v[0] == '(' || v[0] == '[') return "an account name does not start with '(' or '['";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch < 0x20 || ch == 0x7f) return "an account name has no control characters or tabs";
        if (ch == ';' || ch == '#') return "an account name has no ';' or '#' (comments)";
        if (ch == ' ' && v[i + 1] == ' ')
            return "an account name has no two spaces in a row (the journal's separator)";
    }
    return NULL;
}

static int on_ini(void *user, const char *section, const char *key, const char *value) {
    struct parse_ctx *c = user;
    recon_accounts *a = c->a;
    const char *const *keys = NULL;
    if (!strcmp(section, "defaults"))
        keys = DEFAULT_KEYS;
    else if (!strcmp(section, "variances"))
        keys = VARIANCE_KEYS;
    else if (!strcmp(section, "type psp") || !strcmp(section, "type bank") ||
             !strcmp(section, "type ledger") || (!strncmp(section, "source ", 7) && section[7]))
        keys = SOURCE_KEYS;
    else
        return bad(c, section, key,
                   "sections are [defaults], [variances], [type psp|bank|ledger] and"
                   " [source NAME]");
    if (!known(keys, key)) return bad(c, section, key, "unknown key (see docs/ACCOUNTING.md)");
    const char *why = account_problem(value);
    if (why) return bad(c, section, key, why);
    if (find(a, section, key)) return bad(c, section, key, "given twice");
    if (a->n == MAX_ACCOUNTS) return bad(c, section, key, "more than 1024 accounts");
    rc_account_entry *g = realloc(a->e, (a->n + 1) * sizeof *g);
    if (!g) return bad(c, section, key, "out of memory");
    a->e = g;
    rc_account_entry *e = &a->e[a->n];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return bad(c, section, key, "out of memory");
    }
    a->n++;
    return 1;
}

void recon_accounts_free(recon_accounts *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->e[i].section);
        free(a->e[i].key);
        free(a->e[i].value);
    }
    free(a->e);
    free(a->text);
    free(a);
}

int recon_accounts_parse(const char *text, const char *origin, recon_error *err,
                         recon_accounts **out) {
    if (!text || !out)
        return rc_error_set(err, RECON_EMISUSE, "recon_accounts_parse: NULL argument");
    *out = NULL;
    if (!origin) origin = "accounts";
    struct parse_ctx c;
    memset(&c, 0, sizeof c);
    if (!(c.a = calloc(1, sizeof *c.a)) || !(c.a->text = strdup(text))) {
        free(c.a);
        return rc_error_set(err, RECON_ENOMEM, "%s: out of memory", origin);
    }
    int rc = rc_ini_parse(text, origin, on_ini, &c, c.err, err);
    if (rc == RECON_OK && !c.a->n)
        rc = rc_error_set(err, RECON_EPROFILE, "%s: no accounts", origin);
    if (rc != RECON_OK) {
        recon_accounts_free(c.a);
        return rc;
    }
    *out = c.a;
    return RECON_OK;
}

int recon_accounts_load(const char *path, recon_error *err, recon_accounts **out) {
    if (!path || !out)
        return rc_error_set(err, RECON_EMISUSE, "recon_accounts_load: NULL argument");
    *out = NULL;
    int rc;
    char *text = rc_ini_read_file(path, "an accounts file", err, &rc);
    if (!text) return rc;
    rc = recon_accounts_parse(text, path, err, out);
    free(text);
    return rc;
}

int recon_accounts_default(recon_error *err, recon_accounts **out) {
    return recon_accounts_parse(rc_default_accounts, "accounts.ini", err, out);
}

int rc_account_of(const recon_accounts *a, const char *source, const char *type, const char *key,
                  char *buf, size_t size) {
    char section[300];
    const char *v = NULL;
    if (source) {
        snprintf(section, sizeof section, "source %s", source);
        v = find(a, section, key);
        if (!v && type) {
            snprintf(section, sizeof section, "type %s", type);
            v = find(a, section, key);
        }
    } else {
        v = find(a, type, key); /* "defaults" or "variances" */
    }
    if (!v) return -1;
    /* {source}: the source's name, so every bank and provider has its own. */
    size_t n = 0;
    for (const char *p = v; *p; p++) {
        const char *put = p;
        size_t len = 1;
        if (source && !strncmp(p, "{source}", 8)) {
            put = source;
            len = strlen(source);
            p += 7;
        }
        if (len >= size - n) return -2;
        memcpy(buf + n, put, len);
        n += len;
    }
    buf[n] = '\0';
    return account_problem(buf) ? -2 : 0;
}
