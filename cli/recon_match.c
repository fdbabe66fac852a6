/* recon match ..., ignore, explain, export: the matching engine and the
 * work around it, from the shell. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int load_rules(const char *path, recon_rules **out) {
    recon_error err = RECON_ERROR_INIT;
    int rc = path ? recon_rules_load(path, &err, out) : recon_rules_default(&err, out);
    if (rc != RECON_OK) {
        cli_error("%s", err.message);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* A transaction given as its id, or as SOURCE:EXTERNAL_ID. */
static int resolve_tx(recon_db *db, const char *arg, int64_t *out) {
    if (parse_id(arg, out) == 0) return RECON_OK;
    const char *colon = strchr(arg, ':');
    if (!colon || colon == arg || !colon[1]) {
        cli_error("'%s' is not a transaction id or SOURCE:EXTERNAL_ID", arg);
        return RECON_EMISUSE;
    }
    char source[256];
    snprintf(source, sizeof source, "%.*s", (int)(colon - arg), arg);
    int rc = recon_transaction_find(db, source, colon + 1, out);
    if (rc != RECON_OK) cli_error("%s", recon_errmsg(db));
    return rc;
}

/* On a terminal, a line that says a long run is alive: its step and the
 * matches so far; cleared before the summary. */
static int match_progress(const recon_progress *p, void *payload) {
    int *shown = payload;
    fprintf(stderr, "\rmatching: step %llu, %llu matches so far", (unsigned long long)p->bytes_done,
            (unsigned long long)p->rows);
    *shown = 1;
    return 0;
}

/* match --format json: what the run did, then where the transactions stand. */
static int print_run_json(const recon_match_result *r, int dry) {
    json_t *doc = json_pack(
        "{s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:{s:I, s:I, s:I},"
        " s:I}",
        "run_id", (json_int_t)r->run_id, "dry_run", dry, "matches", (json_int_t)r->matches,
        "items_matched", (json_int_t)r->items_matched, "exceptions_opened",
        (json_int_t)r->exceptions_opened, "exceptions_closed", (json_int_t)r->exceptions_closed,
        "exceptions_open", (json_int_t)r->exceptions_open, "transactions", "matched",
        (json_int_t)r->matched, "partially_matched", (json_int_t)r->partially_matched, "exception",
        (json_int_t)r->in_exception, "ignored", (json_int_t)r->ignored, "unmatched",
        (json_int_t)r->unmatched, "variances", (json_int_t)r->variances, "suggestions", "opened",
        (json_int_t)r->suggestions_opened, "closed", (json_int_t)r->suggestions_closed, "open",
        (json_int_t)r->suggestions_open, "partial_matches", (json_int_t)r->partial_matches);
    return json_line(stdout, doc) ? EXIT_FAIL : EXIT_OK;
}

/* ---- match --dry-run --diff: a rule change previewed ------------------------------------------
 */

typedef struct {
    int fmt;
    long rows;
    int rates_said, rules_said;
} diff_out;

/* A match's items for reading: at most ITEMS_SHOWN bytes of them, then how
 * many there were (CSV and JSON keep them whole). */
#define ITEMS_SHOWN 160
static const char *items_short(const char *items, char *buf, size_t size) {
    size_t n = strlen(items);
    if (n <= ITEMS_SHOWN) return items;
    size_t cut = ITEMS_SHOWN;
    while (cut && items[cut] != ' ')
        cut--;
    long count = 0; /* the words but "left:", "right:" and "|" */
    for (const char *p = items; *p;) {
        size_t w = strcspn(p, " ");
        count += w && !(w == 1 && *p == '|') && !(w == 5 && !strncmp(p, "left:", 5)) &&
                 !(w == 6 && !strncmp(p, "right:", 6));
        p += w + (p[w] == ' ');
    }
    snprintf(buf, size, "%.*s ... (%ld items in all)", (int)cut, items, count);
    return buf;
}

static int print_diff_text(diff_out *o, const recon_diff_row *r) {
    text_args ta = {0};
    char a[ITEMS_SHOWN + 64], b[ITEMS_SHOWN + 64];
    const char *items = r->items ? items_short(r->items, a, sizeof a) : "";
    if (!strcmp(r->what, "changed") && r->old_items && r->items &&
        !strcmp(r->old_items, r->items)) {
        printf("changed  match %lld: rule %s -> %s\n           %s\n", (long long)r->match_id,
               text_arg(&ta, r->old_rule), text_arg(&ta, r->rule), text_arg(&ta, items));
    } else if (!strcmp(r->what, "changed")) {
        printf("changed  match %lld: rule %s -> %s\n           was: %s\n           now: %s\n",
               (long long)r->match_id, text_arg(&ta, r->old_rule), text_arg(&ta, r->rule),
               text_arg(&ta, items_short(r->old_items, b, sizeof b)), text_arg(&ta, items));
    } else if (!strcmp(r->what, "gained")) {
        printf("gained   %s: %s\n", text_arg(&ta, r->rule), text_arg(&ta, items));
    } else if (!strcmp(r->what, "lost")) {
        printf("lost     match %lld (%s): %s\n", (long long)r->match_id, text_arg(&ta, r->rule),
               text_arg(&ta, items));
    } else if (!strncmp(r->what, "exception_", 10)) {
        printf("exception %s  %s  %s  %s\n", r->what + 10, text_arg(&ta, r->rule),
               text_arg(&ta, r->items), text_arg(&ta, r->name));
    } else if (!strcmp(r->what, "source")) {
        printf("%s%s %lld/%lld -> %lld/%lld",
               o->rates_said ? "; " : "transactions matched by source: ", text_arg(&ta, r->name),
               (long long)r->before, (long long)r->total, (long long)r->after, (long long)r->total);
        o->rates_said = 1;
    } else if (!strcmp(r->what, "rule")) {
        printf("%s%s %lld -> %lld",
               o->rules_said   ? "; "
               : o->rates_said ? "\nmatches by rule: "
                               : "matches by rule: ",
               text_arg(&ta, r->name), (long long)r->before, (long long)r->after);
        o->rules_said = 1;
    }
    text_args_free(&ta);
    return 0;
}

static int print_diff(const recon_diff_row *r, void *payload) {
    diff_out *o = payload;
    progress_clear();
    int rc = 0;
    if (o->fmt == FMT_JSON) {
        json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I}", "what", r->what,
                              "rule", json_text(r->rule), "old_rule", json_text(r->old_rule),
                              "match_id", r->match_id ? json_integer(r->match_id) : json_null(),
                              "items", json_text(r->items), "old_items", json_text(r->old_items),
                              "name", json_text(r->name), "total", (json_int_t)r->total, "before",
                              (json_int_t)r->before, "after", (json_int_t)r->after);
        rc = json_row(stdout, j, o->rows == 0) ? WALK_STOPPED : 0;
    } else if (o->fmt == FMT_CSV) {
        char id[24] = "", total[24], before[24], after[24];
        if (r->match_id) snprintf(id, sizeof id, "%lld", (long long)r->match_id);
        snprintf(total, sizeof total, "%lld", (long long)r->total);
        snprintf(before, sizeof before, "%lld", (long long)r->before);
        snprintf(after, sizeof after, "%lld", (long long)r->after);
        const char *cells[] = {r->what,      r->rule, r->old_rule, id,     r->items,
                               r->old_items, r->name, total,       before, after};
        csv_row(stdout, cells, 10);
    } else {
        rc = print_diff_text(o, r);
    }
    o->rows++;
    return rc;
}

static int match_diff(recon_db *db, const recon_rules *rules, int fmt) {
    diff_out o = {fmt, 0, 0, 0};
    if (fmt == FMT_CSV)
        puts("what,rule,old_rule,match_id,items,old_items,name,total,before,after");
    else if (fmt == FMT_JSON)
        printf("[");
    else
        puts("rule preview, nothing written: what these rules would decide, beside the database");
    progress_attach(db, "match --diff");
    recon_diff_result res = RECON_DIFF_RESULT_INIT;
    int rc = recon_match_diff(db, rules, print_diff, &o, &res);
    progress_clear();
    if (fmt == FMT_JSON) printf("\n]\n");
    if (fmt == FMT_TEXT && (o.rates_said || o.rules_said)) putchar('\n');
    if (rc != RECON_OK) {
        if (rc != RECON_ECANCELLED) cli_error("%s", recon_errmsg(db));
        return EXIT_FAIL;
    }
    if (fmt == FMT_TEXT)
        printf("%llu changed, %llu gained, %llu lost; %llu exceptions opened, %llu closed\n",
               (unsigned long long)res.changed, (unsigned long long)res.gained,
               (unsigned long long)res.lost, (unsigned long long)res.exceptions_opened,
               (unsigned long long)res.exceptions_closed);
    return EXIT_OK;
}

static int match_run(const cli *c) {
    const char *rules_path = NULL, *actor = NULL, *fmtv = NULL;
    int dry = 0, diff = 0, fmt = FMT_TEXT;
    for (int i = 1; i < c->argc; i++) {
        int r;
        if (!strcmp(c->argv[i], "--dry-run")) {
            dry = 1;
            continue;
        }
        if (!strcmp(c->argv[i], "--diff")) {
            diff = 1;
            continue;
        }
        if ((r = opt_value(c, &i, "--rules", &rules_path)) ||
            (r = opt_value(c, &i, "--actor", &actor)) ||
            (r = opt_value(c, &i, "--format", &fmtv))) {
            if (r < 0) return EXIT_USAGE;
            continue;
        }
        return usage_error("match: unknown option '%s'", c->argv[i]);
    }
    if (diff && !dry)
        return usage_error("match: --diff previews a rule change: give --dry-run with it");
    if (fmtv && parse_format(fmtv, diff, &fmt))
        return usage_error(diff ? "match --diff: --format is text, csv or json"
                                : "match: --format is text or json");
    recon_rules *rules = NULL;
    int status = load_rules(rules_path, &rules);
    if (status != EXIT_OK) return status;
    recon_db *db = NULL;
    if ((status = open_db(c, &db)) != EXIT_OK) {
        recon_rules_free(rules);
        return status;
    }
    if (diff) {
        status = match_diff(db, rules, fmt);
        recon_close(db);
        recon_rules_free(rules);
        return status;
    }
    recon_match_opts o = RECON_MATCH_OPTS_INIT;
    o.rules = rules;
    o.dry_run = dry;
    o.actor = actor;
    int shown = 0;
    if (fmt == FMT_TEXT && isatty(STDERR_FILENO)) {
        o.on_progress = match_progress;
        o.payload = &shown;
    }
    recon_match_result res = RECON_MATCH_RESULT_INIT;
    int rc = recon_match_run(db, &o, &res);
    if (shown) fputs("\r\033[K", stderr);
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    } else if (fmt == FMT_JSON) {
        status = print_run_json(&res, dry);
    } else {
        printf("%s%llu new matches (%llu transactions), %llu exceptions opened, %llu closed\n",
               dry ? "dry run, nothing written: " : "", (unsigned long long)res.matches,
               (unsigned long long)res.items_matched, (unsigned long long)res.exceptions_opened,
               (unsigned long long)res.exceptions_closed);
        if (res.variances)
            printf("%llu of them with a variance booked (match_variances: fee, fx or"
                   " writeoff)\n",
                   (unsigned long long)res.variances);
        if (res.partial_matches)
            printf("%llu of them for part of a transaction's amount (allocations)\n",
                   (unsigned long long)res.partial_matches);
        char partly[48] = "";
        if (res.partially_matched)
            snprintf(partly, sizeof partly, "%llu partially matched, ",
                     (unsigned long long)res.partially_matched);
        printf("transactions: %llu matched, %s%llu unmatched, %llu in exceptions, %llu ignored;"
               " %llu open exceptions\n",
               (unsigned long long)res.matched, partly, (unsigned long long)res.unmatched,
               (unsigned long long)res.in_exception, (unsigned long long)res.ignored,
               (unsigned long long)res.exceptions_open);
        if (res.suggestions_opened || res.suggestions_closed || res.suggestions_open)
            printf("suggestions: %llu opened, %llu closed, %llu open (recon review)\n",
                   (unsigned long long)res.suggestions_opened,
                   (unsigned long long)res.suggestions_closed,
                   (unsigned long long)res.suggestions_open);
    }
    recon_close(db);
    recon_rules_free(rules);
    return status;
}

/* --left ID... --right ID...: ids up to the next option. */
static int collect_ids(recon_db *db, const cli *c, int *i, int64_t **ids, size_t *n) {
    while (*i + 1 < c->argc && strncmp(c->argv[*i + 1], "--", 2) != 0) {
        int64_t id;
        if (resolve_tx(db, c->argv[++*i], &id) != RECON_OK) return -1;
        int64_t *g = realloc(*ids, (*n + 1) * sizeof *g);
        if (!g) return -1;
        *ids = g;
        (*ids)[(*n)++] = id;
    }
    return 0;
}

/* --amount TX=DECIMAL (major units of the transaction's currency) or
 * --part TX=MINOR: what the match takes of one of its transactions, with
 * the transaction's sign. */
typedef struct {
    int64_t tx, minor;
} part;

static int parse_part(recon_db *db, const char *arg, int major, part *out) {
    const char *eq = strrchr(arg, '=');
    const char *opt = major ? "--amount" : "--part";
    char *end, tx[512];
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof tx) {
        cli_error("match add: %s takes TX=%s, not '%s'", opt, major ? "AMOUNT" : "MINOR_UNITS",
                  arg);
        return -1;
    }
    snprintf(tx, sizeof tx, "%.*s", (int)(eq - arg), arg);
    if (resolve_tx(db, tx, &out->tx) != RECON_OK) return -1;
    long long minor = 0;
    if (major) {
        char currency[4];
        int64_t open, m = 0;
        if (recon_transaction_open(db, out->tx, &open, currency) != RECON_OK) {
            cli_error("%s", recon_errmsg(db));
            return -1;
        }
        if (recon_money_parse(eq + 1, currency, &m) != 0) {
            cli_error("match add: --amount %s: '%s' is not an amount of %s (at most %d decimals,"
                      " no separators)",
                      arg, eq + 1, currency, recon_currency_exponent(currency));
            return -1;
        }
        minor = m;
    } else {
        minor = strtoll(eq + 1, &end, 10);
        if (!eq[1] || *end) minor = 0;
    }
    if (minor == 0) {
        cli_error("match add: %s %s: the part is a non-zero %s", opt, arg,
                  major ? "amount" : "whole number of minor units");
        return -1;
    }
    out->minor = minor;
    return 0;
}

/* The parts, aligned with ids (0: all that is open); NULL when out of
 * memory. */
static int64_t *parts_for(const int64_t *ids, size_t n, const part *parts, size_t np) {
    int64_t *out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        for (size_t k = 0; k < np; k++)
            if (parts[k].tx == ids[i]) out[i] = parts[k].minor;
    return out;
}

static int match_add(const cli *c) {
    const char *note = NULL, *actor = NULL, *pv = NULL;
    int force = 0, status;
    int64_t *left = NULL, *right = NULL;
    size_t nl = 0, nr = 0, np = 0;
    part parts[64];
    recon_db *db = NULL;
    if ((status = open_db(c, &db)) != EXIT_OK) return status;
    for (int i = 2; i < c->argc && status == EXIT_OK; i++) {
        int r;
        if (!strcmp(c->argv[i], "--left") || !strcmp(c->argv[i], "--right")) {
            int is_left = c->argv[i][2] == 'l';
            if (collect_ids(db, c, &i, is_left ? &left : &right, is_left ? &nl : &nr))
                status = EXIT_FAIL;
        } else if (!strcmp(c->argv[i], "--force")) {
            force = 1;
        } else if ((r = opt_value(c, &i, "--part", &pv)) != 0 ||
                   (r = opt_value(c, &i, "--amount", &pv)) != 0) {
            if (r < 0)
                status = EXIT_USAGE;
            else if (np == sizeof parts / sizeof *parts)
                status = usage_error("match add: at most 64 --amount or --part");
            else if (parse_part(db, pv, c->argv[i - 1][2] == 'a', &parts[np++]))
                status = EXIT_USAGE;
        } else if ((r = opt_value(c, &i, "--note", &note)) ||
                   (r = opt_value(c, &i, "--actor", &actor))) {
            if (r < 0) status = EXIT_USAGE;
        } else {
            status = usage_error("match add: unknown option '%s'", c->argv[i]);
        }
    }
    if (status == EXIT_OK && (!nl || !nr || !note))
        status = usage_error("match add: give --left ID..., --right ID... and --note TEXT");
    int64_t id = 0;
    if (status == EXIT_OK) {
        int64_t *lp = parts_for(left, nl, parts, np), *rp = parts_for(right, nr, parts, np);
        size_t used = 0;
        for (size_t k = 0; k < np; k++) {
            int found = 0;
            for (size_t i = 0; i < nl; i++)
                found |= left[i] == parts[k].tx;
            for (size_t i = 0; i < nr; i++)
                found |= right[i] == parts[k].tx;
            used += found;
        }
        int rc = !lp || !rp  ? RECON_ENOMEM
                 : used < np ? RECON_EMISUSE
                             : recon_match_add_parts(db, left, lp, nl, right, rp, nr, note, actor,
                                                     force, &id);
        free(lp);
        free(rp);
        if (rc == RECON_EMISUSE && used < np) {
            status = usage_error("match add: an --amount or --part names a transaction of neither"
                                 " side");
        } else if (rc != RECON_OK) {
            cli_error("%s", recon_errmsg(db));
            status = EXIT_FAIL;
        } else {
            printf("match %lld%s\n", (long long)id, force ? " (forced)" : "");
        }
    }
    free(left);
    free(right);
    recon_close(db);
    return status;
}

/* match undo MATCH_ID / ignore ID / unignore ID, each with --note. */
static int with_note(const cli *c, int first, const char *what,
                     int (*fn)(recon_db *, int64_t, const char *, const char *)) {
    const char *note, *actor, *target;
    if (note_args(c, first, what, &target, &note, &actor) != EXIT_OK) return EXIT_USAGE;
    if (!target || !note || !*note) return usage_error("%s: give an id and --note TEXT", what);
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    int64_t id;
    int is_match = !strcmp(what, "match undo");
    if (is_match ? parse_id(target, &id) != 0 : resolve_tx(db, target, &id) != RECON_OK) {
        recon_close(db);
        return is_match ? usage_error("match undo: '%s' is not a match id", target) : EXIT_FAIL;
    }
    if (fn(db, id, note, actor) != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    } else {
        printf("%s %lld: done\n", what, (long long)id);
    }
    recon_close(db);
    return status;
}

int cmd_match(const cli *c) {
    const char *sub = c->argc > 1 ? c->argv[1] : "";
    if (!strcmp(sub, "add")) return match_add(c);
    if (!strcmp(sub, "undo")) return with_note(c, 2, "match undo", recon_match_undo);
    return match_run(c);
}

int cmd_ignore(const cli *c) {
    return with_note(c, 1, !strcmp(c->argv[0], "unignore") ? "unignore" : "ignore",
                     !strcmp(c->argv[0], "unignore") ? recon_unignore : recon_ignore);
}

/* ---- explain ------------------------------------------------------------------------------- */

static const char *str(json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

/* str, escaped for the terminal: every string in the document can come
 * from an imported file (ids, sources, notes, even rule names). */
static const char *tstr(text_args *ta, json_t *o, const char *k) {
    return text_arg(ta, str(o, k));
}

static long long num(json_t *o, const char *k) {
    return (long long)json_integer_value(json_object_get(o, k));
}

/* A JSON value printed compactly: jansson escapes C0 controls, not C1. */
static void print_json_value(json_t *v) {
    char *s = json_dumps(v, JSON_COMPACT);
    text_str(stdout, s ? s : "-");
    free(s);
}

static void explain_match(json_t *m) {
    text_args ta = {0};
    char amount[40];
    int noted = json_is_string(json_object_get(m, "note"));
    printf("  matched by %s (match %lld, %s, score %lld)%s%s\n", tstr(&ta, m, "rule"), num(m, "id"),
           tstr(&ta, m, "origin"), num(m, "score"), noted ? ": " : "",
           noted ? tstr(&ta, m, "note") : "");
    text_args_free(&ta);
    fputs("  evidence: ", stdout);
    print_json_value(json_object_get(m, "evidence"));
    putchar('\n');
    json_t *var = json_object_get(m, "variance");
    if (json_is_object(var)) {
        money(num(var, "difference_minor"), str(var, "currency"), amount, sizeof amount);
        printf("  variance: %s %s %s\n", tstr(&ta, var, "kind"), amount,
               tstr(&ta, var, "currency"));
        text_args_free(&ta);
    }
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(m, "items"), i, it) {
        money(num(it, "amount_minor"), str(it, "currency"), amount, sizeof amount);
        printf("  %-5s %s %s %s %s\n", tstr(&ta, it, "side"), tstr(&ta, it, "source"),
               tstr(&ta, it, "external_id"), amount, tstr(&ta, it, "currency"));
        text_args_free(&ta);
    }
}

/* An amount of the explain document, or what it is when the sum of its
 * items overflowed (null in the document). */
static const char *amount_of(json_t *o, const char *key, const char *currency, char *buf,
                             size_t size) {
    if (json_is_null(json_object_get(o, key))) {
        snprintf(buf, size, "(a sum past the int64 limit)");
        return buf;
    }
    return money(num(o, key), currency, buf, size);
}

static void explain_candidate(json_t *cand) {
    text_args ta = {0};
    const char *id = json_is_string(json_object_get(cand, "group"))
                         ? tstr(&ta, cand, "group")
                         : tstr(&ta, cand, "external_id");
    char theirs[40], diff[40];
    amount_of(cand, "amount_minor", str(cand, "currency"), theirs, sizeof theirs);
    money(num(cand, "difference"), str(cand, "currency"), diff, sizeof diff);
    const char *f = str(cand, "failed");
    int failed = strcmp(f, "none") != 0;
    /* Difference and days are only measured once currency and
     * reference pass. */
    int measured = (!failed || !strcmp(f, "amount") || !strcmp(f, "date")) &&
                   !json_is_null(json_object_get(cand, "difference"));
    printf("    %s %s %s %s: %s%s", tstr(&ta, cand, "source"), id, theirs,
           tstr(&ta, cand, "currency"), failed ? "fails " : "passes every criterion",
           failed ? text_arg(&ta, f) : "");
    if (json_is_true(json_object_get(cand, "vetoed")))
        printf(", but a person undid this pair: never made again");
    if (measured) printf(" (difference %s, %lld days)", diff, num(cand, "days"));
    putchar('\n');
    text_args_free(&ta);
}

static void explain_text(const char *doc) {
    json_error_t e;
    json_t *d = json_loads(doc, 0, &e);
    if (!d) {
        text_str(stdout, doc);
        putchar('\n');
        return;
    }
    text_args ta = {0};
    json_t *t = json_object_get(d, "transaction");
    char amount[40];
    money(num(t, "amount_minor"), str(t, "currency"), amount, sizeof amount);
    printf("%s %s: %s %s %s on %.10s: %s\n", tstr(&ta, t, "source"), tstr(&ta, t, "external_id"),
           tstr(&ta, t, "kind"), amount, tstr(&ta, t, "currency"), tstr(&ta, t, "occurred_at"),
           tstr(&ta, d, "status"));
    text_args_free(&ta);
    json_t *m = json_object_get(d, "match");
    if (json_is_object(m)) explain_match(m);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(d, "exceptions"), i, x) {
        printf("  exception %lld (%s, %s): ", num(x, "id"), tstr(&ta, x, "rule"),
               tstr(&ta, x, "reason"));
        text_args_free(&ta);
        print_json_value(json_object_get(x, "candidates"));
        putchar('\n');
    }
    json_array_foreach(json_object_get(d, "suggestions"), i, x) {
        printf("  suggestion %lld (%s, %lld%%): with", num(x, "id"), tstr(&ta, x, "rule"),
               num(x, "confidence"));
        text_args_free(&ta);
        size_t k;
        json_t *w;
        json_array_foreach(json_object_get(x, "with"), k, w) {
            money(num(w, "amount_minor"), str(w, "currency"), amount, sizeof amount);
            printf("%s %s %s %s %s", k ? "," : "", tstr(&ta, w, "source"),
                   tstr(&ta, w, "external_id"), amount, tstr(&ta, w, "currency"));
            text_args_free(&ta);
        }
        printf("; recon review accept|reject %lld\n", num(x, "id"));
    }
    json_array_foreach(json_object_get(d, "undone"), i, x) {
        printf("  undone match %lld (%s) by %s at %s%s%s: never made again with", num(x, "id"),
               tstr(&ta, x, "rule"), tstr(&ta, x, "undone_by"), tstr(&ta, x, "undone_at"),
               json_is_string(json_object_get(x, "note")) ? ": " : "",
               json_is_string(json_object_get(x, "note")) ? tstr(&ta, x, "note") : "");
        text_args_free(&ta);
        size_t k;
        json_t *w;
        json_array_foreach(json_object_get(x, "not_with"), k, w) {
            printf("%s %s %s", k ? "," : "", tstr(&ta, w, "source"), tstr(&ta, w, "external_id"));
            text_args_free(&ta);
        }
        putchar('\n');
    }
    const char *cur = tstr(&ta, t, "currency");
    json_array_foreach(json_object_get(d, "rules"), i, x) {
        amount_of(x, "compared", str(t, "currency"), amount, sizeof amount);
        text_args rule = {0};
        printf("  rule %s (%s side, %s): compares %s %s over %lld item(s)\n",
               tstr(&rule, x, "rule"), tstr(&rule, x, "side"), tstr(&rule, x, "cardinality"),
               amount, cur, num(x, "items"));
        text_args_free(&rule);
        size_t k;
        json_t *cand;
        if (!json_array_size(json_object_get(x, "candidates")))
            printf("    no unmatched candidates on the other side\n");
        json_array_foreach(json_object_get(x, "candidates"), k, cand) explain_candidate(cand);
    }
    text_args_free(&ta);
    json_decref(d);
}

int cmd_explain(const cli *c) {
    const char *source = NULL, *ext = NULL, *rules_path = NULL, *fmtv = NULL, *idv = NULL;
    int fmt = FMT_TEXT;
    for (int i = 1; i < c->argc; i++) {
        int r;
        if ((r = opt_value(c, &i, "--source", &source)) || (r = opt_value(c, &i, "--id", &ext)) ||
            (r = opt_value(c, &i, "--rules", &rules_path)) ||
            (r = opt_value(c, &i, "--format", &fmtv))) {
            if (r < 0) return EXIT_USAGE;
        } else if (!idv) {
            idv = c->argv[i];
        } else {
            return usage_error("explain: unexpected '%s'", c->argv[i]);
        }
    }
    if (fmtv && parse_format(fmtv, 0, &fmt))
        return usage_error("explain: --format is text or json");
    if (!idv && !(source && ext))
        return usage_error("explain: give --source S --id EXTERNAL_ID (or a transaction id)");
    recon_rules *rules = NULL;
    int status = rules_path ? load_rules(rules_path, &rules) : EXIT_OK;
    recon_db *db = NULL;
    if (status == EXIT_OK) status = open_db(c, &db);
    int64_t id = 0;
    if (status == EXIT_OK) {
        int rc = idv ? resolve_tx(db, idv, &id) : recon_transaction_find(db, source, ext, &id);
        if (rc != RECON_OK) {
            if (!idv) cli_error("%s", recon_errmsg(db));
            status = EXIT_FAIL;
        }
    }
    char *doc = NULL;
    if (status == EXIT_OK) progress_attach(db, "explain");
    if (status == EXIT_OK && recon_explain(db, id, rules, &doc) != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    }
    progress_clear();
    if (doc) {
        if (fmt == FMT_JSON)
            printf("%s\n", doc);
        else
            explain_text(doc);
    }
    recon_string_free(doc);
    recon_close(db);
    recon_rules_free(rules);
    return status;
}

/* ---- export ---------------------------------------------------------------------------------- */

typedef struct {
    int fmt;
    long count;
} export_state;

static int print_export(const recon_export_row *r, void *payload) {
    export_state *s = payload;
    progress_clear();
    char id[24], amount[24];
    snprintf(id, sizeof id, "%lld", (long long)r->match_id);
    snprintf(amount, sizeof amount, "%lld", (long long)r->amount_minor);
    if (s->fmt == FMT_JSON) {
        json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o}", "match_id",
                              (json_int_t)r->match_id, "rule", json_text(r->rule), "status",
                              json_text(r->status), "side", json_text(r->side), "source",
                              json_text(r->source), "external_id", json_text(r->external_id),
                              "group_id", json_text(r->group_id), "amount_minor",
                              (json_int_t)r->amount_minor, "currency", json_text(r->currency));
        if (json_row(stdout, o, s->count == 0)) return WALK_STOPPED;
    } else {
        const char *cells[] = {id,          r->rule, r->status,  r->side, r->source, r->external_id,
                               r->group_id, amount,  r->currency};
        csv_row(stdout, cells, 9);
    }
    s->count++;
    return 0;
}

int cmd_export(const cli *c) {
    const char *what = c->argc > 1 ? c->argv[1] : "";
    if (!strcmp(what, "journal")) return cmd_export_journal(c);
    recon_export_kind kind = !strcmp(what, "matches")      ? RECON_EXPORT_MATCHES
                             : !strcmp(what, "exceptions") ? RECON_EXPORT_EXCEPTIONS
                             : !strcmp(what, "unmatched")  ? RECON_EXPORT_UNMATCHED
                                                           : (recon_export_kind)-1;
    if ((int)kind < 0)
        return usage_error("export: expected matches, exceptions, unmatched or journal");
    export_state s = {FMT_CSV, 0};
    for (int i = 2; i < c->argc; i++) {
        const char *v;
        int r = opt_value(c, &i, "--format", &v);
        if (r < 0) return EXIT_USAGE;
        if (!r || parse_format(v, 1, &s.fmt) || s.fmt == FMT_TEXT)
            return usage_error("export: only --format csv|json");
    }
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    if (s.fmt == FMT_CSV)
        puts("match_id,rule,status,side,source,external_id,group_id,amount_minor,currency");
    else
        printf("[");
    progress_attach(db, "export");
    int rc = recon_export_each(db, kind, print_export, &s);
    progress_clear();
    if (rc != RECON_OK) {
        if (rc != RECON_ECANCELLED) cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    }
    if (s.fmt == FMT_JSON) printf("\n]\n");
    recon_close(db);
    return status;
}
