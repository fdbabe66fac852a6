/* recon export journal: the matches as balanced journal entries
 * (recon_journal_export, docs/ACCOUNTING.md), as CSV, JSON or a
 * hledger/Ledger journal. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The lines come in entry order, each saying its place (line, nlines):
 * the ledger and JSON forms print an entry as its lines arrive. */
typedef struct {
    int fmt; /* FMT_CSV, FMT_JSON, or LEDGER */
    long entries;
    json_t *entry, *lines; /* JSON: the entry being built */
} journal_out;

enum { LEDGER = 100 };

/* Text for a journal file: on one line, without control characters. */
static void ledger_text(const char *s) {
    for (; *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void print_ledger(const recon_journal_line *l) {
    if (l->line == 1) {
        printf("%s * ", l->date);
        ledger_text(l->entry_memo);
        printf("\n    ; entry:%lld match:%lld%s\n", (long long)l->entry_id, (long long)l->match_id,
               strcmp(l->kind, "reverse") ? "" : " reversal:yes");
    }
    char m[32];
    printf("    %-40s  %16s %s  ; ", l->account, money(l->amount_minor, l->currency, m, sizeof m),
           l->currency);
    ledger_text(l->memo);
    putchar('\n');
    if (l->line == l->nlines) putchar('\n');
}

/* Adds the line to the entry being built; writes the entry at its last. */
static int print_json(journal_out *o, const recon_journal_line *l) {
    if (l->line == 1) {
        json_decref(o->entry);
        o->lines = json_array();
        o->entry = json_pack(
            "{s:I, s:s, s:s, s:I, s:o, s:o, s:I, s:o}", "entry_id", (json_int_t)l->entry_id, "date",
            l->date, "kind", l->kind, "match_id", (json_int_t)l->match_id, "reverses",
            l->reverses ? json_integer(l->reverses) : json_null(), "memo", json_text(l->entry_memo),
            "export_id", (json_int_t)l->export_id, "lines", o->lines ? o->lines : json_null());
    }
    char m[32];
    int64_t a = l->amount_minor;
    money(a < 0 ? -a : a, l->currency, m, sizeof m);
    if (!o->entry || !o->lines ||
        json_array_append_new(
            o->lines, json_pack("{s:o, s:s, s:I, s:o, s:o, s:o, s:o}", "account",
                                json_text(l->account), "currency", l->currency, "amount_minor",
                                (json_int_t)a, "debit", a > 0 ? json_string(m) : json_null(),
                                "credit", a < 0 ? json_string(m) : json_null(), "transaction_id",
                                l->transaction_id ? json_integer(l->transaction_id) : json_null(),
                                "memo", json_text(l->memo))))
        return -1;
    if (l->line < l->nlines) return 0;
    json_t *e = o->entry;
    o->entry = o->lines = NULL;
    return json_row(stdout, e, o->entries == 0); /* writes and releases it */
}

static void print_csv(const recon_journal_line *l) {
    char entry[24], match[24], tx[24], debit[32] = "", credit[32] = "";
    snprintf(entry, sizeof entry, "%lld", (long long)l->entry_id);
    snprintf(match, sizeof match, "%lld", (long long)l->match_id);
    snprintf(tx, sizeof tx, "%lld", (long long)l->transaction_id);
    if (l->amount_minor > 0)
        money(l->amount_minor, l->currency, debit, sizeof debit);
    else
        money(-l->amount_minor, l->currency, credit, sizeof credit);
    const char *cells[] = {l->date, entry,  match,       l->kind, l->account,
                           debit,   credit, l->currency, l->memo, l->transaction_id ? tx : ""};
    csv_row(stdout, cells, 10);
}

static int on_line(const recon_journal_line *l, void *payload) {
    journal_out *o = payload;
    progress_clear();
    int r = 0;
    if (o->fmt == FMT_CSV)
        print_csv(l);
    else if (o->fmt == LEDGER)
        print_ledger(l);
    else
        r = print_json(o, l) ? WALK_STOPPED : 0;
    if (l->line == l->nlines) o->entries++;
    return r;
}

/* Says why a match gets no entry; the result counts them (skipped). */
static int on_skip(int64_t match_id, const char *why, void *payload) {
    (void)payload;
    progress_clear();
    cli_error("match %lld gets no journal entry yet: %s", (long long)match_id, why);
    return 0;
}

int cmd_export_journal(const cli *c) {
    const char *fmtv = NULL, *acc_path = NULL, *since = NULL, *actor = NULL;
    int all = 0, dry = 0;
    for (int i = 2; i < c->argc; i++) {
        int r;
        if (!strcmp(c->argv[i], "--all")) {
            all = 1;
            continue;
        }
        if (!strcmp(c->argv[i], "--dry-run")) {
            dry = 1;
            continue;
        }
        if ((r = opt_value(c, &i, "--format", &fmtv)) ||
            (r = opt_value(c, &i, "--accounts", &acc_path)) ||
            (r = opt_value(c, &i, "--since", &since)) ||
            (r = opt_value(c, &i, "--actor", &actor))) {
            if (r < 0) return EXIT_USAGE;
            continue;
        }
        return usage_error("export journal: unknown option '%s'", c->argv[i]);
    }
    journal_out o = {FMT_CSV, 0, NULL, NULL};
    if (fmtv && !strcmp(fmtv, "ledger"))
        o.fmt = LEDGER;
    else if (fmtv && (parse_format(fmtv, 1, &o.fmt) || o.fmt == FMT_TEXT))
        return usage_error("export journal: --format is csv, json or ledger");
    recon_error err = RECON_ERROR_INIT;
    recon_accounts *acc = NULL;
    if ((acc_path ? recon_accounts_load(acc_path, &err, &acc)
                  : recon_accounts_default(&err, &acc)) != RECON_OK) {
        cli_error("%s", err.message);
        return EXIT_USAGE;
    }
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) {
        recon_accounts_free(acc);
        return status;
    }
    recon_journal_opts opts = RECON_JOURNAL_OPTS_INIT;
    opts.accounts = acc;
    opts.since = since;
    opts.all = all;
    opts.dry_run = dry;
    opts.actor = actor;
    opts.format = o.fmt == LEDGER ? "ledger" : o.fmt == FMT_JSON ? "json" : "csv";
    opts.on_skip = on_skip;
    if (o.fmt == FMT_CSV)
        puts("date,entry_id,match_id,kind,account,debit,credit,currency,memo,transaction_id");
    else if (o.fmt == FMT_JSON)
        printf("[");
    else
        printf("; recon export journal%s: balanced entries of confirmed matches\n\n",
               dry ? " --dry-run" : "");
    progress_attach(db, "export journal");
    recon_journal_result res = RECON_JOURNAL_RESULT_INIT;
    int rc = recon_journal_export(db, &opts, on_line, &o, &res);
    progress_clear();
    if (o.fmt == FMT_JSON) printf("\n]\n");
    if (rc != RECON_OK) {
        if (rc != RECON_ECANCELLED) cli_error("%s", recon_errmsg(db));
        status = rc == RECON_EMISUSE ? EXIT_USAGE : EXIT_FAIL;
    } else if (res.skipped) {
        status = EXIT_REJECTS;
    }
    json_decref(o.entry); /* an entry a stopped export left half built */
    recon_close(db);
    recon_accounts_free(acc);
    return status;
}

/* recon close: the closed period, closing until a day, reopening. */
int cmd_close(const cli *c) {
    const char *until = NULL, *note = NULL, *actor = NULL;
    int reopen = 0;
    for (int i = 1; i < c->argc; i++) {
        int r;
        if (!strcmp(c->argv[i], "--reopen")) {
            reopen = 1;
            continue;
        }
        if ((r = opt_value(c, &i, "--until", &until)) || (r = opt_value(c, &i, "--note", &note)) ||
            (r = opt_value(c, &i, "--actor", &actor))) {
            if (r < 0) return EXIT_USAGE;
            continue;
        }
        return usage_error("close: unknown option '%s'", c->argv[i]);
    }
    if (reopen && until) return usage_error("close: --reopen or --until DAY, not both");
    if (reopen && !note) return usage_error("close --reopen: say why with --note TEXT");
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    int rc = reopen  ? recon_period_reopen(db, note, actor)
             : until ? recon_period_close(db, until, note, actor)
                     : RECON_OK;
    char now[11] = "";
    if (rc == RECON_OK) rc = recon_period_closed_until(db, now);
    if (rc != RECON_OK) {
        cli_error("%s", recon_errmsg(db));
        status = rc == RECON_EMISUSE ? EXIT_USAGE : EXIT_FAIL;
    } else if (now[0]) {
        printf("the books are closed until %s\n", now);
    } else {
        printf("no period is closed\n");
    }
    recon_close(db);
    return status;
}
