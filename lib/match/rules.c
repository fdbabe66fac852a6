/* rules: reading and validating match rules ([rule NAME] sections of an
 * INI file, parsed with inih like profiles), the bundled default rule set,
 * and the reference normalizer the matcher compares with. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "match/rules.h"
#include "util/builtin.h"
#include "util/error.h"
#include "util/ini.h"
#include "util/record.h"

#define MAX_RULES 256

static const char *const TEXT_FIELDS[RC_TF_COUNT] = {"reference", "group_id", "external_id",
                                                     "description", "counterparty"};

const char *rc_textfield_name(rc_textfield f) {
    return (unsigned)f < RC_TF_COUNT ? TEXT_FIELDS[f] : "?";
}

const char *rc_cardinality_name(rc_cardinality c) {
    return c == RC_CARD_ONE_TO_MANY    ? "one_to_many"
           : c == RC_CARD_MANY_TO_ONE  ? "many_to_one"
           : c == RC_CARD_MANY_TO_MANY ? "many_to_many"
                                       : "one_to_one";
}

const char *rc_refmode_name(rc_refmode m) {
    static const char *const names[] = {"none", "equal", "normalized", "contains"};
    return (unsigned)m < 4 ? names[m] : "?";
}

const char *rc_variance_name(rc_variance v) {
    static const char *const names[] = {NULL, "fee", "fx", "writeoff"};
    return (unsigned)v < 4 ? names[v] : NULL;
}

size_t rc_party_key(const char *s, size_t len, char *out, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 'a' && ch <= 'z')
            out[n++] = (char)(ch - 'a' + 'A');
        else if (ch >= 'A' && ch <= 'Z')
            out[n++] = (char)ch;
    }
    if (size) out[n] = 0;
    return n;
}

size_t rc_ref_normalize(const char *s, size_t len, char *out, size_t size) {
    size_t n = 0;
    int in_digits = 0, leading = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c)) {
            in_digits = 0; /* punctuation and spaces end a digit run, and vanish */
            continue;
        }
        if (isdigit(c)) {
            if (!in_digits) {
                in_digits = 1;
                leading = 1;
            }
            /* Zeros at the start of a digit run go, but a run of zeros keeps one. */
            if (leading && c == '0' && i + 1 < len && isdigit((unsigned char)s[i + 1])) continue;
            leading = 0;
        } else {
            in_digits = 0;
        }
        out[n++] = (char)toupper(c);
    }
    out[n] = '\0';
    return n;
}

size_t rc_ref_fold(const char *s, size_t len, char *out, size_t size) {
    size_t n = 0;
    int gap = 0;
    for (size_t i = 0; i < len && n + 2 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c)) {
            gap = n > 0; /* a run of anything else is one space, none at the ends */
            continue;
        }
        if (gap) out[n++] = ' ';
        gap = 0;
        out[n++] = (char)toupper(c);
    }
    out[n] = '\0';
    return n;
}

/* ---- parsing ---------------------------------------------------------------------------- */

struct parse_ctx {
    recon_rules *rules;
    rc_rule *cur; /* the rule of the section being read */
    char section[128];
    char err[512];
    int has_window;
};

static int bad(struct parse_ctx *c, const char *name, const char *fmt, ...) RC_PRINTF(3, 4);

static int bad(struct parse_ctx *c, const char *name, const char *fmt, ...) {
    if (!c->err[0]) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(c->err, sizeof c->err, "[%s] %s: %s", c->section, name, what);
    }
    return 0;
}

static int lookup(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], s)) return i;
    return -1;
}

/* rc_each_item, with each item as a C string (up to 255 bytes). */
struct item_call {
    int (*fn)(const char *item, void *ctx);
    void *ctx;
};

static int call_with_string(const char *item, size_t len, void *p) {
    const struct item_call *c = p;
    char buf[256];
    if (len >= sizeof buf) return -1;
    memcpy(buf, item, len);
    buf[len] = '\0';
    return c->fn(buf, c->ctx);
}

static int each_item(const char *v, int (*fn)(const char *item, void *ctx), void *ctx) {
    struct item_call c = {fn, ctx};
    return rc_each_item(v, call_with_string, &c);
}

static int add_source(const char *item, void *ctx) {
    rc_side *s = ctx;
    char **grown = realloc(s->sources, (s->nsources + 1) * sizeof *grown);
    if (!grown) return -1;
    s->sources = grown;
    return (s->sources[s->nsources] = strdup(item)) ? (s->nsources++, 0) : -1;
}

/* "type:bank", "type:psp", "type:ledger", or source names. */
static int parse_side(struct parse_ctx *c, const char *name, const char *v, rc_side *s) {
    if (s->type || s->nsources) return bad(c, name, "given twice");
    if (!strncmp(v, "type:", 5)) {
        const char *t = v + 5;
        s->type = !strcmp(t, "psp")      ? RECON_SOURCE_PSP
                  : !strcmp(t, "bank")   ? RECON_SOURCE_BANK
                  : !strcmp(t, "ledger") ? RECON_SOURCE_LEDGER
                                         : (recon_source_type)0;
        if (!s->type) return bad(c, name, "'%s' is not type:psp, type:bank or type:ledger", v);
        return 1;
    }
    if (each_item(v, add_source, s) != 0 || !s->nsources)
        return bad(c, name, "needs type:psp|bank|ledger or source names");
    return 1;
}

/* Kinds: a list, '*' for all, or "!kind" items taken out of all. */
struct kinds_ctx {
    unsigned *mask;
    int bad_kind;
    char which[64];
    int seen; /* items read so far: a list that starts with !kind starts from all */
};

static int add_kind(const char *item, void *ctx) {
    struct kinds_ctx *k = ctx;
    int exclude = item[0] == '!';
    const char *name = item + exclude;
    int first = !k->seen++;
    if (!strcmp(name, "*")) {
        *k->mask = exclude ? 0 : (1u << RC_K_COUNT) - 1;
        return 0;
    }
    int kind = -1;
    for (int i = 0; i < RC_K_COUNT; i++)
        if (!strcmp(rc_kind_name((rc_kind)i), name)) kind = i;
    if (kind < 0) {
        snprintf(k->which, sizeof k->which, "%s", name);
        k->bad_kind = 1;
        return -1;
    }
    if (exclude) {
        if (first) *k->mask = (1u << RC_K_COUNT) - 1;
        *k->mask &= ~(1u << kind);
    } else {
        *k->mask |= 1u << kind;
    }
    return 0;
}

static int parse_kinds(struct parse_ctx *c, const char *name, const char *v, unsigned *mask) {
    struct kinds_ctx k = {mask, 0, "", 0};
    *mask = 0;
    if (each_item(v, add_kind, &k) != 0)
        return bad(c, name, "'%s' is not a canonical kind (or '*', or !kind)", k.which);
    if (!*mask) return bad(c, name, "selects no kind");
    return 1;
}

static int parse_int(const char *v, long min, long max, long *out) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < min || n > max) return -1;
    *out = n;
    return 0;
}

/* "MIN..MAX" days, e.g. "0..3" or "-2..5". */
static int parse_window(const char *v, int *lo, int *hi) {
    const char *dots = strstr(v, "..");
    char a[32];
    long x, y;
    if (!dots || (size_t)(dots - v) >= sizeof a) return -1;
    memcpy(a, v, (size_t)(dots - v));
    a[dots - v] = '\0';
    if (parse_int(a, -3650, 3650, &x) || parse_int(dots + 2, -3650, 3650, &y) || x > y) return -1;
    *lo = (int)x;
    *hi = (int)y;
    return 0;
}

static int pick(struct parse_ctx *c, const char *name, const char *v, const char *const *names,
                int n, int *out) {
    int i = lookup(names, n, v);
    if (i < 0) {
        char list[160] = "";
        for (int k = 0; k < n; k++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                     names[k]);
        return bad(c, name, "'%s' is not one of: %s", v, list);
    }
    *out = i;
    return 1;
}

static int on_key(struct parse_ctx *c, const char *name, const char *v) {
    static const char *const cards[] = {"one_to_one", "one_to_many", "many_to_one", "many_to_many"};
    static const char *const refs[] = {"none", "equal", "normalized", "contains"};
    static const char *const vals[] = {"amount", "net", "fee"};
    static const char *const dates[] = {"occurred", "settled"};
    static const char *const signs[] = {"same", "opposite"};
    static const char *const amounts[] = {"equal", "tolerance"};
    static const char *const currencies[] = {"equal", "any"};
    static const char *const yesno[] = {"no", "yes"};
    static const char *const datemodes[] = {"none", "window"};
    static const char *const variances[] = {"none", "fee", "fx", "writeoff"};
    static const char *const parties[] = {"none", "equal", "alias"};
    rc_rule *r = c->cur;
    int i = 0;
    long n;
    if (!strcmp(name, "priority")) {
        if (parse_int(v, -1000000, 1000000, &n))
            return bad(c, name, "'%s' is not a whole number", v);
        r->priority = (int)n;
        return 1;
    }
    if (!strcmp(name, "left")) return parse_side(c, name, v, &r->left);
    if (!strcmp(name, "right")) return parse_side(c, name, v, &r->right);
    if (!strcmp(name, "left_kinds")) return parse_kinds(c, name, v, &r->left.kinds);
    if (!strcmp(name, "right_kinds")) return parse_kinds(c, name, v, &r->right.kinds);
    if (!strcmp(name, "cardinality"))
        return pick(c, name, v, cards, 4, &i) ? (r->card = (rc_cardinality)i, 1) : 0;
    if (!strcmp(name, "group_by_left"))
        return pick(c, name, v, TEXT_FIELDS, RC_TF_COUNT, &i) ? (r->group_left = (rc_textfield)i, 1)
                                                              : 0;
    if (!strcmp(name, "group_by_right"))
        return pick(c, name, v, TEXT_FIELDS, RC_TF_COUNT, &i)
                   ? (r->group_right = (rc_textfield)i, 1)
                   : 0;
    if (!strcmp(name, "group_by"))
        return pick(c, name, v, TEXT_FIELDS, RC_TF_COUNT, &i) ? (r->group_by = (rc_textfield)i, 1)
                                                              : 0;
    if (!strcmp(name, "amount")) {
        if (!pick(c, name, v, amounts, 2, &i)) return 0;
        r->tolerant = i;
        return 1;
    }
    if (!strcmp(name, "tolerance_minor")) {
        if (parse_int(v, 0, 1000000000, &n))
            return bad(c, name, "'%s' is not a whole number of minor units", v);
        r->tol_minor = n;
        return 1;
    }
    if (!strcmp(name, "tolerance_bps")) {
        if (parse_int(v, 0, 10000, &n))
            return bad(c, name, "'%s' is not 0 to 10000 basis points", v);
        r->tol_bps = (int)n;
        return 1;
    }
    if (!strcmp(name, "counterparty"))
        return pick(c, name, v, parties, 3, &i) ? (r->party = i, 1) : 0;
    if (!strcmp(name, "difference_as"))
        return pick(c, name, v, variances, 4, &i) ? (r->difference_as = (rc_variance)i, 1) : 0;
    if (!strcmp(name, "confirm_at") || !strcmp(name, "suggest_at")) {
        if (parse_int(v, 1, 100, &n))
            return bad(c, name, "'%s' is not a confidence from 1 to 100", v);
        *(name[0] == 'c' ? &r->confirm_at : &r->suggest_at) = (int)n;
        return 1;
    }
    if (!strcmp(name, "allow_partial"))
        return pick(c, name, v, yesno, 2, &i) ? (r->allow_partial = i, 1) : 0;
    if (!strcmp(name, "partial_min_share")) {
        if (parse_int(v, 1, 99, &n))
            return bad(c, name, "'%s' is not a percentage from 1 to 99", v);
        r->partial_min_share = (int)n;
        return 1;
    }
    if (!strcmp(name, "amount_left"))
        return pick(c, name, v, vals, 3, &i) ? (r->value_left = (rc_valfield)i, 1) : 0;
    if (!strcmp(name, "amount_right"))
        return pick(c, name, v, vals, 3, &i) ? (r->value_right = (rc_valfield)i, 1) : 0;
    if (!strcmp(name, "amount_sign"))
        return pick(c, name, v, signs, 2, &i) ? (r->opposite = i, 1) : 0;
    if (!strcmp(name, "currency"))
        return pick(c, name, v, currencies, 2, &i) ? (r->any_currency = i, 1) : 0;
    if (!strcmp(name, "reference"))
        return pick(c, name, v, refs, 4, &i) ? (r->ref = (rc_refmode)i, 1) : 0;
    if (!strcmp(name, "reference_left") || !strcmp(name, "reference_right"))
        r->ref_fields_given = 1;
    if (!strcmp(name, "reference_left"))
        return pick(c, name, v, TEXT_FIELDS, RC_TF_COUNT, &i) ? (r->ref_left = (rc_textfield)i, 1)
                                                              : 0;
    if (!strcmp(name, "reference_right"))
        return pick(c, name, v, TEXT_FIELDS, RC_TF_COUNT, &i) ? (r->ref_right = (rc_textfield)i, 1)
                                                              : 0;
    if (!strcmp(name, "date")) return pick(c, name, v, datemodes, 2, &i) ? (r->use_date = i, 1) : 0;
    if (!strcmp(name, "date_left"))
        return pick(c, name, v, dates, 2, &i) ? (r->date_left = (rc_datefield)i, 1) : 0;
    if (!strcmp(name, "date_right"))
        return pick(c, name, v, dates, 2, &i) ? (r->date_right = (rc_datefield)i, 1) : 0;
    if (!strcmp(name, "date_window")) {
        if (parse_window(v, &r->win_min, &r->win_max))
            return bad(c, name, "'%s' is not MIN..MAX days (e.g. 0..3, -2..5)", v);
        r->use_date = 1;
        return 1;
    }
    if (!strcmp(name, "business_days"))
        return pick(c, name, v, yesno, 2, &i) ? (r->business_days = i, 1) : 0;
    if (!strcmp(name, "skip_groups_with")) return parse_kinds(c, name, v, &r->skip_groups_with);
    if (!strcmp(name, "attach_group"))
        return pick(c, name, v, yesno, 2, &i) ? (r->attach_group = i, 1) : 0;
    return bad(c, name, "unknown key (see docs/MATCHING.md)");
}

static rc_rule *new_rule(struct parse_ctx *c, const char *name) {
    recon_rules *rs = c->rules;
    if (rs->n == MAX_RULES) return NULL;
    rc_rule *grown = realloc(rs->rule, (rs->n + 1) * sizeof *grown);
    if (!grown) return NULL;
    rs->rule = grown;
    rc_rule *r = &rs->rule[rs->n];
    memset(r, 0, sizeof *r);
    if (!(r->name = strdup(name))) return NULL;
    r->order = (int)rs->n;
    r->priority = 100 * ((int)rs->n + 1);
    r->value_left = r->value_right = RC_VAL_AMOUNT;
    r->ref_left = r->ref_right = RC_TF_REFERENCE;
    r->group_by = RC_TF_GROUP_ID;
    r->group_left = r->group_right = RC_TF_COUNT; /* unset: group_by */
    r->date_right = r->date_left = RC_DATE_OCCURRED;
    r->confirm_at = 100;
    r->suggest_at = -1;
    rs->n++;
    return r;
}

static int on_ini(void *user, const char *section, const char *name, const char *value) {
    struct parse_ctx *c = user;
    if (strncmp(section, "rule ", 5) != 0 || !section[5])
        return snprintf(c->section, sizeof c->section, "%s", section),
               c->cur = NULL, bad(c, name, "sections are [rule NAME]");
    if (strcmp(section, c->section) != 0) {
        snprintf(c->section, sizeof c->section, "%s", section);
        /* inih goes on after an error: until a rule is made, this
         * section's keys have none to go to. */
        c->cur = NULL;
        const char *rname = section + 5;
        for (size_t i = 0; i < c->rules->n; i++)
            if (!strcmp(c->rules->rule[i].name, rname))
                return bad(c, name, "a second rule named '%s'", rname);
        for (const char *p = rname; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
                return bad(c, name, "rule names are letters, digits, _ and -");
        if (!(c->cur = new_rule(c, rname)))
            return bad(c, name, "out of memory or more than %d rules", MAX_RULES);
    }
    if (!c->cur) return 0; /* the section was refused; its error is the one reported */
    return on_key(c, name, value);
}

/* ---- whole-rule validation --------------------------------------------------------------- */

/* What allow_partial cannot go with, or NULL. A part is of one
 * transaction's amount: a sum of a group has no single transaction to
 * leave open, a net or fee is not what an allocation takes, and without a
 * shared reference nothing says the smaller item pays the larger. */
static const char *partial_problem(const rc_rule *r) {
    if (r->card != RC_CARD_ONE_TO_ONE) return "allow_partial is for one_to_one rules";
    if (r->ref == RC_REF_NONE)
        return "allow_partial needs a reference (equal, normalized or contains): amount and date "
               "alone cannot say which invoice a part pays";
    if (r->value_left != RC_VAL_AMOUNT || r->value_right != RC_VAL_AMOUNT)
        return "allow_partial compares amounts (amount_left and amount_right = amount): a part is "
               "of a transaction's amount";
    if (r->difference_as) return "allow_partial and difference_as exclude each other";
    if (r->confirm_at < 100) return "allow_partial needs confirm_at = 100 (the default)";
    if (r->attach_group) return "allow_partial and attach_group exclude each other";
    return NULL;
}

static const char *validate_rule(const rc_rule *r, char *buf, size_t size) {
    const char *problem = NULL;
    if (!r->left.type && !r->left.nsources)
        problem = "left is missing (type:psp|bank|ledger or source names)";
    else if (!r->right.type && !r->right.nsources)
        problem = "right is missing";
    else if (r->party && (r->ref != RC_REF_NONE || r->ref_fields_given))
        problem = "counterparty is the rule's reference: leave reference, reference_left and "
                  "reference_right out";
    else if (r->party && !r->use_date)
        problem = "counterparty needs a date window: one payer pays the same amount many times";
    else if (r->party && r->card != RC_CARD_ONE_TO_ONE && r->card != RC_CARD_ONE_TO_MANY)
        problem = "counterparty is for one_to_one and one_to_many rules (a single left item "
                  "names its payer)";
    else if (r->ref == RC_REF_NONE && !r->use_date)
        problem = "a rule without a reference needs a date window: amount alone is too weak";
    else if (r->tolerant && !r->tol_minor && !r->tol_bps)
        problem = "amount = tolerance needs tolerance_minor or tolerance_bps";
    else if (!r->tolerant && (r->tol_minor || r->tol_bps))
        problem = "tolerance_minor and tolerance_bps need amount = tolerance";
    else if (r->difference_as && !r->tolerant)
        problem = "difference_as needs amount = tolerance (the difference it may book)";
    else if (r->difference_as && r->any_currency)
        problem = "difference_as needs currency = equal: a difference between two currencies "
                  "is not an amount";
    else if (r->suggest_at > r->confirm_at)
        problem = "suggest_at is above confirm_at: a candidate that high is matched, not suggested";
    else if (r->group_left != RC_TF_COUNT && r->card != RC_CARD_MANY_TO_ONE &&
             r->card != RC_CARD_MANY_TO_MANY)
        problem = "group_by_left is for many_to_one and many_to_many rules (a grouped left side)";
    else if (r->group_right != RC_TF_COUNT && r->card != RC_CARD_ONE_TO_MANY &&
             r->card != RC_CARD_MANY_TO_MANY)
        problem = "group_by_right is for one_to_many and many_to_many rules (a grouped right side)";
    else if (r->skip_groups_with && r->card == RC_CARD_ONE_TO_ONE)
        problem = "skip_groups_with is for one_to_many and many_to_one rules";
    else if (r->attach_group && r->card != RC_CARD_ONE_TO_ONE)
        problem = "attach_group is for one_to_one rules (a payout row and its items)";
    else if (r->partial_min_share && !r->allow_partial)
        problem = "partial_min_share needs allow_partial = yes";
    else if (r->allow_partial)
        problem = partial_problem(r);
    if (problem) {
        snprintf(buf, size, "[rule %s] %s", r->name, problem);
        return buf;
    }
    return NULL;
}

static int cmp_rules(const void *a, const void *b) {
    const rc_rule *x = a, *y = b;
    if (x->priority != y->priority) return x->priority < y->priority ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void recon_rules_free(recon_rules *rules) {
    if (!rules) return;
    for (size_t i = 0; i < rules->n; i++) {
        rc_rule *r = &rules->rule[i];
        free(r->name);
        for (size_t k = 0; k < r->left.nsources; k++)
            free(r->left.sources[k]);
        for (size_t k = 0; k < r->right.nsources; k++)
            free(r->right.sources[k]);
        free(r->left.sources);
        free(r->right.sources);
    }
    free(rules->rule);
    free(rules->text);
    free(rules);
}

int recon_rules_parse(const char *text, const char *origin, recon_error *err, recon_rules **out) {
    if (!text || !out) return rc_error_set(err, RECON_EMISUSE, "recon_rules_parse: NULL argument");
    *out = NULL;
    if (!origin) origin = "rules";
    struct parse_ctx c;
    memset(&c, 0, sizeof c);
    if (!(c.rules = calloc(1, sizeof *c.rules)))
        return rc_error_set(err, RECON_ENOMEM, "%s: out of memory", origin);
    int rc = rc_ini_parse(text, origin, on_ini, &c, c.err, err);
    char why[512];
    const char *invalid = NULL;
    for (size_t i = 0; rc == RECON_OK && !invalid && i < c.rules->n; i++) {
        rc_rule *r = &c.rules->rule[i];
        if (!r->left.kinds) r->left.kinds = (1u << RC_K_COUNT) - 1;
        if (!r->right.kinds) r->right.kinds = (1u << RC_K_COUNT) - 1;
        invalid = validate_rule(r, why, sizeof why);
        /* The payer is the reference: a normalized comparison of the two
         * sides' payer keys (the left's description when it names no
         * counterparty; rc_match_load). */
        if (!invalid && r->party) {
            r->ref = RC_REF_NORMALIZED;
            r->ref_left = r->ref_right = RC_TF_COUNTERPARTY;
        }
        /* A part under a tenth of the larger amount is more often a
         * stray payment with a reused reference than an instalment. */
        if (r->allow_partial && !r->partial_min_share) r->partial_min_share = 10;
        if (r->group_left == RC_TF_COUNT) r->group_left = r->group_by;
        if (r->group_right == RC_TF_COUNT) r->group_right = r->group_by;
    }
    if (rc == RECON_OK && !invalid && c.rules->n == 0) invalid = "no [rule NAME] sections";
    if (rc == RECON_OK && invalid)
        rc = rc_error_set(err, RECON_EPROFILE, "%s: %s", origin, invalid);
    if (rc != RECON_OK) {
        recon_rules_free(c.rules);
        return rc;
    }
    if (!(c.rules->text = strdup(text))) {
        recon_rules_free(c.rules);
        return rc_error_set(err, RECON_ENOMEM, "%s: out of memory", origin);
    }
    qsort(c.rules->rule, c.rules->n, sizeof *c.rules->rule, cmp_rules);
    *out = c.rules;
    return RECON_OK;
}

int recon_rules_load(const char *path, recon_error *err, recon_rules **out) {
    if (!path || !out) return rc_error_set(err, RECON_EMISUSE, "recon_rules_load: NULL argument");
    *out = NULL;
    int rc = RECON_OK;
    char *text = rc_ini_read_file(path, "a rules file", err, &rc);
    if (!text) return rc;
    rc = recon_rules_parse(text, path, err, out);
    free(text);
    return rc;
}

int recon_rules_default(recon_error *err, recon_rules **out) {
    return recon_rules_parse(rc_default_rules, "default.ini", err, out);
}

size_t recon_rules_count(const recon_rules *rules) {
    return rules ? rules->n : 0;
}

const char *recon_rules_name(const recon_rules *rules, size_t index) {
    return rules && index < rules->n ? rules->rule[index].name : NULL;
}
