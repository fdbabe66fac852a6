/* recon review: the suggestion queue (docs/MATCHING.md, "Confidence and
 * suggestions"): list the open suggestions best first, accept one (it
 * becomes a match) or reject one (never suggested again). recon exception
 * and review assign/comment: the queue as shared work ("Working the
 * queue"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    int fmt;
    int first; /* JSON: no row written yet */
    uint64_t n;
} review_out;

/* The points one criterion cost, from the evidence (0 when absent). */
static long long points(json_t *ev, const char *k) {
    return (long long)json_integer_value(json_object_get(json_object_get(ev, "points"), k));
}

/* "amount 25 (difference 0.50), rivals 20 (1)": what the confidence lost. */
static void print_doubt(const recon_suggestion *s, json_t *ev) {
    static const char *const KEYS[] = {"reference", "amount", "date", "rivals"};
    const char *cur = s->nitems ? s->items[0]->currency : "";
    char amount[40];
    int any = 0;
    fputs("    points off:", stdout);
    for (size_t k = 0; k < 4; k++) {
        long long p = points(ev, KEYS[k]);
        if (!p) continue;
        printf("%s %s %lld", any++ ? "," : "", KEYS[k], p);
        if (k == 0) {
            text_args ta = {0};
            printf(" (%s)", text_arg(&ta, json_string_value(json_object_get(ev, "reference"))));
            text_args_free(&ta);
        } else if (k == 1) {
            money((int64_t)json_integer_value(json_object_get(ev, "difference")), cur, amount,
                  sizeof amount);
            printf(" (difference %s)", amount);
        } else if (k == 2) {
            printf(" (%lld days)", (long long)json_integer_value(json_object_get(ev, "days")));
        } else {
            printf(" (%lld)", (long long)json_integer_value(json_object_get(ev, "rivals")));
        }
    }
    puts(any ? "" : " none");
}

static void print_text(const recon_suggestion *s) {
    json_error_t err;
    json_t *ev = json_loads(s->evidence, 0, &err);
    text_args ta = {0};
    printf("suggestion %lld: %d%% %s (%s)%s%s\n", (long long)s->suggestion_id, s->confidence,
           text_arg(&ta, s->rule),
           text_arg(&ta, json_string_value(json_object_get(ev, "exception"))),
           strcmp(s->status, "open") ? ", " : "", strcmp(s->status, "open") ? s->status : "");
    text_args_free(&ta);
    for (size_t i = 0; i < s->nitems; i++) {
        const recon_item *it = s->items[i];
        char amount[40];
        money(it->amount_minor, it->currency, amount, sizeof amount);
        printf("    %-5s %s %s %s %s %s\n", it->side, text_arg(&ta, it->source),
               text_arg(&ta, it->external_id), amount, text_arg(&ta, it->currency),
               text_arg(&ta, it->day));
        text_args_free(&ta);
    }
    print_doubt(s, ev);
    json_decref(ev);
}

static void print_csv(const recon_suggestion *s) {
    for (size_t i = 0; i < s->nitems; i++) {
        const recon_item *it = s->items[i];
        char id[24], conf[8], amount[24];
        snprintf(id, sizeof id, "%lld", (long long)s->suggestion_id);
        snprintf(conf, sizeof conf, "%d", s->confidence);
        snprintf(amount, sizeof amount, "%lld", (long long)it->amount_minor);
        const char *cells[] = {id,       conf,         s->rule,         s->status,
                               it->side, it->source,   it->external_id, it->group_id,
                               amount,   it->currency, it->day};
        csv_row(stdout, cells, sizeof cells / sizeof *cells);
    }
}

static json_t *as_json(const recon_suggestion *s) {
    json_error_t err;
    json_t *items = json_array();
    for (size_t i = 0; items && i < s->nitems; i++) {
        const recon_item *it = s->items[i];
        json_array_append_new(
            items,
            json_pack("{s:s, s:I, s:o, s:o, s:o, s:I, s:s, s:s}", "side", it->side,
                      "transaction_id", (json_int_t)it->transaction_id, "source",
                      json_text(it->source), "external_id", json_text(it->external_id), "group_id",
                      json_text(it->group_id), "amount_minor", (json_int_t)it->amount_minor,
                      "currency", it->currency, "day", it->day));
    }
    json_t *ev = json_loads(s->evidence, 0, &err);
    return json_pack("{s:I, s:i, s:o, s:s, s:o, s:o, s:o, s:o, s:I, s:o}", "suggestion_id",
                     (json_int_t)s->suggestion_id, "confidence", s->confidence, "rule",
                     json_text(s->rule), "status", s->status, "evidence", ev ? ev : json_null(),
                     "decided_by", json_text(s->decided_by), "note", json_text(s->note),
                     "decided_at", json_text(s->decided_at), "match_id", (json_int_t)s->match_id,
                     "items", items ? items : json_null());
}

static int on_suggestion(const recon_suggestion *s, void *payload) {
    review_out *o = payload;
    o->n++;
    if (o->fmt == FMT_TEXT) {
        print_text(s);
    } else if (o->fmt == FMT_CSV) {
        print_csv(s);
    } else {
        if (json_row(stdout, as_json(s), o->first)) return WALK_STOPPED;
        o->first = 0;
    }
    return 0;
}

static int review_list(const cli *c, int first) {
    const char *fmtv = NULL, *rule = NULL, *minv = NULL, *tx = NULL;
    int all = 0, fmt = FMT_TEXT;
    for (int i = first; i < c->argc; i++) {
        int r;
        if (!strcmp(c->argv[i], "--all")) {
            all = 1;
            continue;
        }
        if ((r = opt_value(c, &i, "--format", &fmtv)) || (r = opt_value(c, &i, "--rule", &rule)) ||
            (r = opt_value(c, &i, "--min-confidence", &minv)) ||
            (r = opt_value(c, &i, "--transaction", &tx))) {
            if (r < 0) return EXIT_USAGE;
            continue;
        }
        return usage_error("review: unknown option '%s'", c->argv[i]);
    }
    if (fmtv && parse_format(fmtv, 1, &fmt))
        return usage_error("review: --format is text, csv or json");
    recon_suggestion_filter f = RECON_SUGGESTION_FILTER_INIT;
    f.rule = rule;
    f.status = all ? "any" : NULL;
    if (minv) {
        char *end;
        long v = strtol(minv, &end, 10);
        if (!*minv || *end || v < 0 || v > 100)
            return usage_error("review: --min-confidence is 0 to 100");
        f.min_confidence = (int)v;
    }
    if (tx && parse_id(tx, &f.transaction_id))
        return usage_error("review: --transaction takes a transaction id");
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    review_out o = {fmt, 1, 0};
    if (fmt == FMT_CSV)
        puts("suggestion_id,confidence,rule,status,side,source,external_id,group_id,"
             "amount_minor,currency,day");
    if (fmt == FMT_JSON) fputs("[", stdout);
    int rc = recon_suggestions_each(db, &f, on_suggestion, &o);
    if (fmt == FMT_JSON) fputs(o.first ? "]\n" : "\n]\n", stdout);
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    } else if (fmt == FMT_TEXT && !o.n) {
        puts(all ? "no suggestions" : "no open suggestions");
    }
    recon_close(db);
    return status;
}

/* review accept ID [--note T] / review reject ID --note T, with --actor. */
static int review_decide(const cli *c, int accept) {
    const char *note, *actor, *target;
    const char *what = accept ? "review accept" : "review reject";
    if (note_args(c, 2, what, &target, &note, &actor) != EXIT_OK) return EXIT_USAGE;
    int64_t id;
    if (!target || parse_id(target, &id)) return usage_error("%s: give a suggestion id", what);
    if (!accept && (!note || !*note))
        return usage_error("review reject: give --note TEXT (why it is not a match)");
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    int64_t match_id = 0;
    int rc = accept ? recon_suggestion_accept(db, id, note, actor, &match_id)
                    : recon_suggestion_reject(db, id, note, actor);
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    } else if (accept) {
        printf("suggestion %lld accepted: match %lld\n", (long long)id, (long long)match_id);
    } else {
        printf("suggestion %lld rejected: never suggested again\n", (long long)id);
    }
    recon_close(db);
    return status;
}

/* exception|review assign ID --to NAME, comment ID --note TEXT, and
 * exception resolve ID --reason R --note TEXT; each with --actor. */
static int work_item(const cli *c, recon_work_kind kind, const char *verb) {
    const char *note = NULL, *actor = NULL, *to = NULL, *reason = NULL, *target = NULL;
    char what[48];
    snprintf(what, sizeof what, "%s %s", c->argv[0], verb);
    int assign = !strcmp(verb, "assign"), resolve = !strcmp(verb, "resolve");
    for (int i = 2; i < c->argc; i++) {
        int r = 0;
        if ((r = opt_value(c, &i, "--note", &note)) || (r = opt_value(c, &i, "--actor", &actor)) ||
            (assign && (r = opt_value(c, &i, "--to", &to))) ||
            (resolve && (r = opt_value(c, &i, "--reason", &reason)))) {
            if (r < 0) return EXIT_USAGE;
        } else if (assign && !strcmp(c->argv[i], "--nobody")) {
            to = "";
        } else if (!target) {
            target = c->argv[i];
        } else {
            return usage_error("%s: unexpected '%s'", what, c->argv[i]);
        }
    }
    int64_t id;
    if (!target || parse_id(target, &id)) return usage_error("%s: give an id", what);
    if (assign && !to) return usage_error("%s: give --to NAME (or --nobody)", what);
    if (!assign && (!note || !*note)) return usage_error("%s: give --note TEXT", what);
    if (resolve && !reason)
        return usage_error(
            "%s: give --reason (written_off, duplicate, matched_outside, not_ours, other)", what);
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    int rc = assign    ? recon_work_assign(db, kind, id, to, note, actor)
             : resolve ? recon_exception_resolve(db, id, reason, note, actor)
                       : recon_work_comment(db, kind, id, note, actor);
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = rc == RECON_EMISUSE ? EXIT_USAGE : EXIT_FAIL;
    } else {
        text_args ta = {0};
        const char *noun = kind == RECON_WORK_EXCEPTION ? "exception" : "suggestion";
        if (assign)
            printf("%s %lld assigned to %s\n", noun, (long long)id,
                   *to ? text_arg(&ta, to) : "nobody");
        else if (resolve)
            printf("%s %lld resolved (%s); its transaction is ignored from now on\n", noun,
                   (long long)id, text_arg(&ta, reason));
        else
            printf("%s %lld: comment added\n", noun, (long long)id);
        text_args_free(&ta);
    }
    recon_close(db);
    return status;
}

int cmd_review(const cli *c) {
    const char *sub = c->argc > 1 ? c->argv[1] : "";
    if (!strcmp(sub, "accept")) return review_decide(c, 1);
    if (!strcmp(sub, "reject")) return review_decide(c, 0);
    if (!strcmp(sub, "assign") || !strcmp(sub, "comment"))
        return work_item(c, RECON_WORK_SUGGESTION, sub);
    return review_list(c, !strcmp(sub, "list") ? 2 : 1);
}

int cmd_exception(const cli *c) {
    const char *sub = c->argc > 1 ? c->argv[1] : "";
    if (!strcmp(sub, "assign") || !strcmp(sub, "comment") || !strcmp(sub, "resolve"))
        return work_item(c, RECON_WORK_EXCEPTION, sub);
    return usage_error("exception: expected assign, comment or resolve");
}

/* ---- recon aliases ------------------------------------------------------------------------ */

static int on_alias(const recon_alias *a, void *payload) {
    review_out *o = payload;
    o->n++;
    char id[24], match[24], uses[24];
    snprintf(id, sizeof id, "%lld", (long long)a->alias_id);
    snprintf(match, sizeof match, "%lld", (long long)a->match_id);
    snprintf(uses, sizeof uses, "%lld", (long long)a->uses);
    if (o->fmt == FMT_CSV) {
        const char *cells[] = {id,    a->payer, a->counterparty, a->taught_by, a->taught_at,
                               match, uses,     a->last_used_at, a->removed_at};
        csv_row(stdout, cells, sizeof cells / sizeof *cells);
        return 0;
    }
    if (o->fmt == FMT_JSON) {
        json_t *row = json_pack(
            "{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:I, s:o, s:o, s:o, s:o}", "alias_id",
            (json_int_t)a->alias_id, "payer", json_text(a->payer), "counterparty",
            json_text(a->counterparty), "taught_by", json_text(a->taught_by), "taught_at",
            json_text(a->taught_at), "match_id", (json_int_t)a->match_id, "note",
            json_text(a->note), "uses", (json_int_t)a->uses, "last_used_at",
            json_text(a->last_used_at), "removed_at", json_text(a->removed_at), "removed_by",
            json_text(a->removed_by), "remove_note", json_text(a->remove_note));
        if (json_row(stdout, row, o->first)) return WALK_STOPPED;
        o->first = 0;
        return 0;
    }
    text_args ta = {0};
    printf("alias %s: %s stands for %s, taught by %s", id, text_arg(&ta, a->payer),
           text_arg(&ta, a->counterparty), text_arg(&ta, a->taught_by));
    if (a->match_id) printf(" from match %s", match);
    printf(", used %s time%s%s%s\n", uses, a->uses == 1 ? "" : "s",
           a->removed_at ? "; removed by " : "", a->removed_at ? text_arg(&ta, a->removed_by) : "");
    text_args_free(&ta);
    return 0;
}

static int aliases_list(const cli *c, int first) {
    const char *fmtv = NULL;
    int all = 0, fmt = FMT_TEXT;
    for (int i = first; i < c->argc; i++) {
        int r;
        if (!strcmp(c->argv[i], "--all")) {
            all = 1;
        } else if ((r = opt_value(c, &i, "--format", &fmtv))) {
            if (r < 0) return EXIT_USAGE;
        } else {
            return usage_error("aliases: unknown option '%s'", c->argv[i]);
        }
    }
    if (fmtv && parse_format(fmtv, 1, &fmt))
        return usage_error("aliases: --format is text, csv or json");
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    review_out o = {fmt, 1, 0};
    if (fmt == FMT_CSV)
        puts("alias_id,payer,counterparty,taught_by,taught_at,match_id,uses,last_used_at,"
             "removed_at");
    if (fmt == FMT_JSON) fputs("[", stdout);
    int rc = recon_aliases_each(db, all, on_alias, &o);
    if (fmt == FMT_JSON) fputs(o.first ? "]\n" : "\n]\n", stdout);
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    } else if (fmt == FMT_TEXT && !o.n) {
        puts("no aliases");
    }
    recon_close(db);
    return status;
}

static int aliases_change(const cli *c, int add) {
    const char *note = NULL, *actor = NULL, *payer = NULL, *cp = NULL, *target = NULL;
    for (int i = 2; i < c->argc; i++) {
        int r;
        if ((r = opt_value(c, &i, "--note", &note)) || (r = opt_value(c, &i, "--actor", &actor)) ||
            (add && ((r = opt_value(c, &i, "--payer", &payer)) ||
                     (r = opt_value(c, &i, "--counterparty", &cp))))) {
            if (r < 0) return EXIT_USAGE;
        } else if (!add && !target) {
            target = c->argv[i];
        } else {
            return usage_error("aliases: unexpected '%s'", c->argv[i]);
        }
    }
    int64_t id = 0;
    if (add && (!payer || !cp))
        return usage_error("aliases add: give --payer TEXT and --counterparty NAME");
    if (!add && (!target || parse_id(target, &id)))
        return usage_error("aliases remove: give an alias id");
    if (!add && (!note || !*note)) return usage_error("aliases remove: give --note TEXT");
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    int rc = add ? recon_alias_add(db, payer, cp, note, actor, &id)
                 : recon_alias_remove(db, id, note, actor);
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = rc == RECON_EMISUSE ? EXIT_USAGE : EXIT_FAIL;
    } else {
        printf("alias %lld %s\n", (long long)id, add ? "added" : "removed");
    }
    recon_close(db);
    return status;
}

int cmd_aliases(const cli *c) {
    const char *sub = c->argc > 1 ? c->argv[1] : "";
    if (!strcmp(sub, "add")) return aliases_change(c, 1);
    if (!strcmp(sub, "remove")) return aliases_change(c, 0);
    return aliases_list(c, !strcmp(sub, "list") ? 2 : 1);
}
