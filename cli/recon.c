/* recon: the command-line tool, a thin layer over include/recon.h. Each
 * command parses its options, makes a few library calls and prints the
 * result as text (aligned for a terminal), CSV or JSON.
 *
 * Exit status: 0 clean, 3 imported with rejected rows, 4 a status
 * threshold crossed, 2 usage error, 1 failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct {
    int fmt;
    long count;
} list_state;

/* ---- help ------------------------------------------------------------------ */

static const char USAGE[] =
    "usage: recon [--db FILE] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  import         import CSV settlement reports or bank statements\n"
    "  failures       list, record, summarize and resolve failures (rejected rows,\n"
    "                 provider errors, failed payments)\n"
    "  errors         classify provider errors with the unified error table\n"
    "  match          match transactions with rules; add, undo manual matches\n"
    "  ignore         leave a transaction out of matching (unignore takes it back)\n"
    "  explain        why a transaction is matched, or why not\n"
    "  review         the suggestions to accept or reject, best first\n"
    "  exception      assign, comment on or resolve an exception\n"
    "  aliases        the payers people taught: list, add, remove\n"
    "  export         matches, exceptions or unmatched transactions as CSV or JSON;\n"
    "                 journal entries for the books (CSV, JSON, hledger/Ledger)\n"
    "  close          close the books until a day (the journal of those days final)\n"
    "  summary        transactions and amounts per source and currency\n"
    "  report         reconciliation reports: summary, unmatched, exceptions, payouts,\n"
    "                 aging, failures (text, CSV, JSON), or one HTML page\n"
    "  status         exit 4 when unmatched age, open failures, ... cross thresholds\n"
    "  settings       the report settings: as-of date, payout late days\n"
    "  profiles       list, show and detect the built-in layouts\n"
    "  help [COMMAND] show help for a command\n"
    "\n"
    "options:\n"
    "  --db FILE      the SQLite database (default: $RECON_DB); created if missing\n"
    "  --busy-timeout MS\n"
    "                 how long to wait for another process's write to finish before\n"
    "                 failing with \"database is busy\" (default 5000)\n"
    "  --version      print the version\n"
    "\n"
    "exit status: 0 ok, 3 imported with rejected rows, 4 status thresholds crossed,\n"
    "             2 usage error, 1 failure\n";

static const struct {
    const char *name;
    const char *text;
} HELP[] = {
    {"import",
     "usage: recon --db FILE import [--profile NAME | --profile-file PATH] [--source NAME]\n"
     "                              [--format text|json] FILE...\n"
     "\n"
     "Imports each FILE in its own transaction. Re-importing a file is a no-op; rows\n"
     "already stored from an overlapping file are counted as duplicates; bad rows are\n"
     "kept in the failures table with the reason and the import goes on. A FILE of\n"
     "'-' is standard input (a download piped in), recorded as 'stdin'.\n"
     "\n"
     "  --profile NAME       a built-in layout (recon profiles list); without it (and\n"
     "                       without --profile-file) each file's layout is detected\n"
     "  --profile-file PATH  a layout from an INI file (docs/PROFILES.md)\n"
     "  --source NAME        the source the rows belong to (default: the profile's name)\n"
     "  --format text|json   output format (default text)\n"
     "\n"
     "Prints per file: rows read, inserted, duplicate, rejected and the import id.\n"
     "Exit status 3 when any row was rejected, 1 when a file could not be imported.\n"},
    {"failures",
     "usage: recon --db FILE failures list [--import ID] [--unified CODE] [--category C]\n"
     "                              [--provider P] [--source S] [--from DATE] [--to DATE]\n"
     "                              [--open | --resolved] [--format text|csv|json]\n"
     "       recon --db FILE failures record --provider P [--http N] [--code C]\n"
     "                              [--message M] [--field F] [--request-id R]\n"
     "                              [--context TEXT] [--source S] [--seen-at TIME]\n"
     "                              [--body FILE]\n"
     "       recon --db FILE failures summary [--format text|csv|json]\n"
     "       recon --db FILE failures resolve ID --note TEXT [--actor NAME]\n"
     "\n"
     "The failure log: rows an import rejected (provider librecon, with file, line,\n"
     "field, column and the raw row), provider errors a job recorded, failed payments a\n"
     "report carried; each with its unified code (docs/ERROR_CODES.md). record\n"
     "classifies and stores one provider failure (--body FILE parses the provider's\n"
     "response body); the same failure again while open counts an occurrence. summary\n"
     "shows open failures by unified code and provider. resolve closes one with a note.\n"
     "list --from/--to: last seen at or after FROM, first seen before TO (exclusive); a\n"
     "date (YYYY-MM-DD) as TO covers that whole day.\n"},
    {"errors", "usage: recon errors classify --provider P --http N [--code C] [--message M]\n"
               "                             [--format text|json]\n"
               "       recon errors parse --provider P --http N --body FILE [--format text|json]\n"
               "       recon errors list [--provider P | --declines] [--format text|csv|json]\n"
               "\n"
               "Classifies a provider answer with the unified error table: exact code, else the\n"
               "provider's row for the status (or for codes it does not list), else the HTTP\n"
               "class, else UNKNOWN (matched says which). A decline also says soft or hard, its\n"
               "ISO 8583 code, Visa category, when and how often to retry, and what to tell the\n"
               "customer. Providers: stripe, adyen, braintree, checkout, paypal, recurly,\n"
               "amazon_pay, iso8583 (raw network codes), ledge, tabapay, modulate,\n"
               "ingenico_connect, shop_gateway; --http 0 for a code from a report. list\n"
               "--declines prints the decline taxonomy. parse reads a raw error response body\n"
               "first. Needs no database.\n"},
    {"match",
     "usage: recon --db FILE match [--rules FILE] [--dry-run] [--actor NAME] [--format text|json]\n"
     "       recon --db FILE match --dry-run --diff [--rules FILE] [--format text|csv|json]\n"
     "       recon --db FILE match add --left TX... --right TX... --note TEXT [--force]\n"
     "                                 [--amount TX=AMOUNT]... [--part TX=MINOR_UNITS]...\n"
     "                                 [--actor NAME]\n"
     "       recon --db FILE match undo MATCH_ID --note TEXT [--actor NAME]\n"
     "\n"
     "Runs the rules (default: the bundled rules, docs/MATCHING.md) over everything not\n"
     "yet matched or ignored, in priority order, in one transaction; items with two\n"
     "equally good candidates become exceptions, and the candidates a rule would not\n"
     "confirm are offered as suggestions (recon review). Running it again changes\n"
     "nothing. --dry-run --diff previews a rules file: the matches it would make from\n"
     "scratch beside those the rules made (changed, gained, lost), exceptions opened\n"
     "and closed, match rates per source and rule; nothing is written.\n"
     "TX is a transaction id or SOURCE:EXTERNAL_ID. A manual match is refused when\n"
     "currencies differ or amounts do not balance, unless --force (with the note).\n"
     "--amount takes only part of a transaction (60.00: its currency's units, its\n"
     "sign; --part the same in minor units, 6000): it stays partially_matched with\n"
     "the rest open, to be matched again.\n"
     "Undone matches stay in the history.\n"},
    {"review", "usage: recon --db FILE review [list] [--all] [--rule NAME] [--min-confidence N]\n"
               "                              [--transaction TX_ID] [--format text|csv|json]\n"
               "       recon --db FILE review accept ID [--note TEXT] [--actor NAME]\n"
               "       recon --db FILE review reject ID --note TEXT [--actor NAME]\n"
               "       recon --db FILE review assign ID (--to NAME | --nobody) [--note TEXT]\n"
               "       recon --db FILE review comment ID --note TEXT [--actor NAME]\n"
               "\n"
               "The suggestions of rules with suggest_at (docs/MATCHING.md): candidates a rule\n"
               "would not confirm, with a confidence from 0 to 100 and the points each criterion\n"
               "cost, best first (--all: decided and closed ones too). accept makes one a match\n"
               "(origin reviewed); reject turns it down for good: the pair is never suggested or\n"
               "matched again.\n"},
    {"exception",
     "usage: recon --db FILE exception assign ID (--to NAME | --nobody) [--note TEXT]\n"
     "                                  [--actor NAME]\n"
     "       recon --db FILE exception comment ID --note TEXT [--actor NAME]\n"
     "       recon --db FILE exception resolve ID --reason REASON --note TEXT [--actor NAME]\n"
     "\n"
     "Works an exception (ids: recon report exceptions): assign it to a person, comment\n"
     "on it, or resolve it with a reason: written_off, duplicate, matched_outside,\n"
     "not_ours or other. Resolving ignores its transaction, so no run opens it again\n"
     "(recon unignore takes it back). The owner and age show in report exceptions, the\n"
     "HTML page and v_exceptions; every action is kept in work_log.\n"},
    {"aliases",
     "usage: recon --db FILE aliases [list] [--all] [--format text|csv|json]\n"
     "       recon --db FILE aliases add --payer TEXT --counterparty NAME [--note TEXT]\n"
     "                                   [--actor NAME]\n"
     "       recon --db FILE aliases remove ID --note TEXT [--actor NAME]\n"
     "\n"
     "Payers people taught (docs/MATCHING.md): matching a bank line by hand whose text\n"
     "does not carry the other side's reference makes the payer it names stand for the\n"
     "other side's counterparty; rules with counterparty = alias use it. list shows\n"
     "who taught each and how often runs used it (--all: removed ones too).\n"},
    {"ignore", "usage: recon --db FILE ignore TX --note TEXT [--actor NAME]\n"
               "       recon --db FILE unignore TX --note TEXT [--actor NAME]\n"},
    {"explain", "usage: recon --db FILE explain (--source S --id EXTERNAL_ID | TX) [--rules FILE]\n"
                "                               [--format text|json]\n"
                "\n"
                "If matched: the rule, the evidence and the other side. If not: per rule that\n"
                "could take it, the closest candidates and the first criterion each failed.\n"},
    {"export", "usage: recon --db FILE export matches|exceptions|unmatched [--format csv|json]\n"
               "       recon --db FILE export journal [--accounts FILE] [--since DAY] [--all]\n"
               "                                [--dry-run] [--format csv|json|ledger]\n"
               "                                [--actor NAME]\n"
               "\n"
               "One row per item: match_id, rule, status, side, source, external_id, group_id,\n"
               "amount_minor, currency.\n"
               "journal: every confirmed match not yet exported as a balanced double-entry\n"
               "entry, posted with the chart of accounts in --accounts (default: the bundled\n"
               "data/accounts.ini), and a reversing entry for every exported match since\n"
               "undone (docs/ACCOUNTING.md). The entries are kept: exporting again gives\n"
               "nothing new unless --all. --dry-run shows what would be made. Exits 3 when\n"
               "a match could get no entry yet (said on stderr).\n"},
    {"close", "usage: recon --db FILE close [--until DAY [--note TEXT] | --reopen --note TEXT]\n"
              "                              [--actor NAME]\n"
              "\n"
              "Closes the books until DAY (inclusive): refused while a match of those days\n"
              "has no journal entry (export first). Then no match whose entry is dated in\n"
              "the period can be undone, and no later entry is dated in it: the period's\n"
              "journal is final. --reopen takes the latest close back (recorded, with the\n"
              "note). Without options: says until when the books are closed.\n"},
    {"summary", "usage: recon --db FILE summary [--format text|csv|json]\n"
                "\n"
                "Per source and currency: imports, transactions, gross and net amounts, and the\n"
                "source's open failures (what failures list --source S --open lists).\n"},
    {"report",
     "usage: recon --db FILE report summary|unmatched|exceptions|payouts|aging|failures\n"
     "                              [--from DAY] [--to DAY] [--source NAME]\n"
     "                              [--format text|csv|json]\n"
     "       recon --db FILE report html -o FILE [--from DAY] [--to DAY] [--source NAME]\n"
     "\n"
     "Reports over the reporting views (docs/REPORTING.md). Amounts are exact, in major\n"
     "units of their currency (strings in JSON). DAY is YYYY-MM-DD, inclusive: the\n"
     "transaction's day, the payout day, or the day a failure was last seen. payouts\n"
     "checks each payout's chain (items, payout, bank credit) and names where it\n"
     "breaks. html writes one self-contained page (no scripts, no network).\n"},
    {"status",
     "usage: recon --db FILE status [--max-unmatched-age DAYS] [--max-unmatched N]\n"
     "                              [--max-open-exceptions N] [--max-open-failures N]\n"
     "                              [--max-broken-payouts N] [--max-exception-age DAYS]\n"
     "                              [--max-unassigned-exceptions N] [--format text|json]\n"
     "\n"
     "Prints the figures a scheduler alerts on; exits 4 when any given threshold is\n"
     "exceeded (each crossed one is named), 0 otherwise.\n"},
    {"settings", "usage: recon --db FILE settings [list]\n"
                 "       recon --db FILE settings set KEY VALUE\n"
                 "       recon --db FILE settings unset KEY\n"
                 "\n"
                 "report.as_of             the day ages count to (YYYY-MM-DD; default today)\n"
                 "report.payout_late_days  days a payout may take to reach the bank (default 3)\n"
                 "Stored in the database, so the views and every report use them.\n"},
    {"profiles", "usage: recon profiles list [--format text|json]\n"
                 "       recon profiles show NAME\n"
                 "       recon profiles detect FILE...\n"
                 "\n"
                 "list: the built-in profiles with their source type and description. show: a\n"
                 "profile's mapping (its INI text, docs/PROFILES.md). detect: which profile each\n"
                 "file is written in, as import does when no --profile is given.\n"},
};

static int cmd_help(const char *topic) {
    if (!topic) {
        fputs(USAGE, stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof HELP / sizeof HELP[0]; i++)
        if (!strcmp(topic, HELP[i].name)) {
            fputs(HELP[i].text, stdout);
            return EXIT_OK;
        }
    return usage_error("no help for '%s'", topic);
}

/* ---- import --------------------------------------------------------------------- */

typedef struct {
    const char *file;
    int shown;
    int64_t start_ms;
} progress_state;

/* "file: 42%  1200000 rows  310000 rows/s  ETA 4 s": the rate from the
 * rows so far, the time left from the bytes left at the rate bytes went. */
static void on_progress(const recon_progress *p, void *payload) {
    progress_state *ps = payload;
    unsigned pct = p->bytes_total ? (unsigned)(p->bytes_done * 100 / p->bytes_total) : 0;
    double secs = (double)(cli_now_ms() - ps->start_ms) / 1000.0;
    fputc('\r', stderr);
    text_str(stderr, ps->file);
    fprintf(stderr, ": %3u%%  %llu rows", pct, (unsigned long long)p->rows);
    if (secs > 0.05) {
        fprintf(stderr, "  %.0f rows/s", (double)p->rows / secs);
        if (p->bytes_done && p->bytes_total > p->bytes_done)
            fprintf(stderr, "  ETA %.0f s",
                    secs * (double)(p->bytes_total - p->bytes_done) / (double)p->bytes_done);
    }
    fputs("\033[K", stderr); /* what a longer line before left */
    ps->shown = 1;
}

static void print_import_text(const char *file, const char *source, const char *profile,
                              const recon_import_result *r, const char *encoding) {
    text_args ta = {0};
    file = text_arg(&ta, file);
    source = text_arg(&ta, source);
    profile = text_arg(&ta, profile);
    if (r->already_imported)
        printf("%s: already imported into source %s as import %lld: nothing to do\n", file, source,
               (long long)r->import_id);
    else
        printf("%s: import %lld into source %s (profile %s)\n", file, (long long)r->import_id,
               source, profile);
    text_args_free(&ta);
    if (r->already_imported) return;
    printf("  rows read %llu, inserted %llu, duplicate %llu, rejected %llu\n",
           (unsigned long long)r->rows_read, (unsigned long long)r->rows_inserted,
           (unsigned long long)r->rows_duplicate, (unsigned long long)r->rows_rejected);
    if (encoding && strcmp(encoding, "UTF-8") != 0)
        printf("  text encoding %s, read as such (not UTF-8)\n", encoding);
    if (r->rows_skipped)
        printf("  skipped by the profile's row filters: %llu\n",
               (unsigned long long)r->rows_skipped);
    if (r->checks_passed || r->checks_failed)
        printf("  the file's own totals: %llu agree, %llu disagree\n",
               (unsigned long long)r->checks_passed, (unsigned long long)r->checks_failed);
    if (r->checks_failed && !r->rows_rejected)
        printf("  disagreements: recon failures list --import %lld\n", (long long)r->import_id);
    if (r->rows_rejected)
        printf("  rejected rows: recon failures list --import %lld\n", (long long)r->import_id);
    if (r->payments_failed)
        printf("  failed payments in the report: %llu (recon failures list --import %lld)\n",
               (unsigned long long)r->payments_failed, (long long)r->import_id);
}

/* What became of an imported file, after its name in import's JSON. */
static json_t *import_outcome(const recon_import_result *r, const char *encoding) {
    json_t *o =
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "status",
                  r->already_imported ? "already_imported" : "imported", "import_id",
                  (json_int_t)r->import_id, "rows_read", (json_int_t)r->rows_read, "rows_inserted",
                  (json_int_t)r->rows_inserted, "rows_duplicate", (json_int_t)r->rows_duplicate,
                  "rows_rejected", (json_int_t)r->rows_rejected, "payments_failed",
                  (json_int_t)r->payments_failed, "rows_skipped", (json_int_t)r->rows_skipped,
                  "checks_passed", (json_int_t)r->checks_passed, "checks_failed",
                  (json_int_t)r->checks_failed, "sha256", r->sha256);
    /* Known once the file was read (not for a file imported before). */
    if (o && encoding && json_object_set_new(o, "encoding", json_string(encoding)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One file, an element of import's JSON array; returns json_row's result. */
static int print_import_json(const char *file, const char *source, const char *profile,
                             const recon_import_result *r, const char *encoding, const char *error,
                             int first) {
    if (!source) source = profile;
    json_t *o = json_pack("{s:o, s:o, s:o}", "file", json_text(file), "source", json_text(source),
                          "profile", json_text(profile));
    json_t *rest = error ? json_pack("{s:s, s:o}", "status", "failed", "error", json_text(error))
                         : import_outcome(r, encoding);
    if (json_object_update(o, rest) != 0) {
        json_decref(o);
        o = NULL;
    }
    json_decref(rest);
    return json_row(stdout, o, first);
}

static int load_profile(const char *name, const char *file, recon_profile **out) {
    recon_error err = RECON_ERROR_INIT;
    int rc = file ? recon_profile_load(file, &err, out) : recon_profile_builtin(name, &err, out);
    if (rc != RECON_OK) {
        cli_error("%s", err.message);
        return rc == RECON_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
    }
    return EXIT_OK;
}

/* Standard input ("-"): its start is read first when the layout must be
 * detected, then handed to the import ahead of the rest of the stream. */
typedef struct {
    char *head;
    size_t len, off;
    int error; /* errno of a failed read */
} stdin_src;

#define STDIN_NAME "stdin"

static long long read_stdin(void *payload, char *buf, size_t size) {
    stdin_src *s = payload;
    if (s->off < s->len) {
        size_t n = s->len - s->off < size ? s->len - s->off : size;
        memcpy(buf, s->head + s->off, n);
        s->off += n;
        return (long long)n;
    }
    for (;;) {
        ssize_t got = read(STDIN_FILENO, buf, size);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) s->error = errno;
        return got;
    }
}

/* Up to 64 KiB of standard input into s->head (what detection reads). */
static int read_stdin_head(stdin_src *s) {
    enum { HEAD = 64 * 1024 };
    if (!(s->head = malloc(HEAD))) {
        cli_error("out of memory");
        return -1;
    }
    while (s->len < HEAD) {
        ssize_t got = read(STDIN_FILENO, s->head + s->len, HEAD - s->len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            cli_error(STDIN_NAME ": read error: %s", strerror(errno));
            return -1;
        }
        if (got == 0) break;
        s->len += (size_t)got;
    }
    return 0;
}

static int import_one(recon_db *db, const char *file, stdin_src *in, const recon_profile *profile,
                      const char *source, int fmt, int first) {
    recon_import_opts opts = RECON_IMPORT_OPTS_INIT;
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    progress_state ps = {file, 0, cli_now_ms()};
    opts.source = source;
    if (fmt == FMT_TEXT && isatty(STDERR_FILENO)) {
        opts.progress = on_progress;
        opts.payload = &ps;
    }
    int rc;
    if (in) {
        opts.file_name = STDIN_NAME;
        rc = recon_import_read(db, read_stdin, in, profile, &opts, &res);
    } else {
        rc = recon_import_file(db, file, profile, &opts, &res);
    }
    if (ps.shown) fputs("\r\033[K", stderr);
    char read_error[256];
    const char *error = rc == RECON_OK ? NULL : recon_errmsg(db);
    if (rc == RECON_EUSER && in && in->error) {
        snprintf(read_error, sizeof read_error, STDIN_NAME ": read error: %s", strerror(in->error));
        error = read_error;
    }
    int unwritten = 0;
    if (fmt == FMT_JSON)
        unwritten = print_import_json(file, source, recon_profile_name(profile), &res,
                                      recon_import_encoding(db), error, first);
    else if (error)
        cli_error("%s", error);
    else
        print_import_text(file, source, recon_profile_name(profile), &res,
                          recon_import_encoding(db));
    if (error || unwritten) return EXIT_FAIL;
    return res.rows_rejected || res.checks_failed ? EXIT_REJECTS : EXIT_OK;
}

static int cmd_import(const cli *c) {
    const char *profile_name = NULL, *profile_file = NULL, *source = NULL;
    int fmt = FMT_TEXT, i;
    for (i = 1; i < c->argc && c->argv[i][0] == '-' && c->argv[i][1]; i++) {
        const char *a = c->argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (i + 1 >= c->argc) return usage_error("import: %s needs a value", a);
        const char *v = c->argv[++i];
        if (!strcmp(a, "--profile"))
            profile_name = v;
        else if (!strcmp(a, "--profile-file"))
            profile_file = v;
        else if (!strcmp(a, "--source"))
            source = v;
        else if (!strcmp(a, "--format")) {
            if (parse_format(v, 0, &fmt))
                return usage_error("import: --format is text or json, not '%s'", v);
        } else
            return usage_error("import: unknown option '%s'", a);
    }
    if (profile_name && profile_file)
        return usage_error("import: give --profile NAME or --profile-file PATH, not both");
    if (i >= c->argc) return usage_error("import: no files given");

    recon_profile *profile = NULL;
    int status = EXIT_OK;
    if ((profile_name || profile_file) &&
        (status = load_profile(profile_name, profile_file, &profile)) != EXIT_OK)
        return status;
    recon_db *db = NULL;
    if ((status = open_db(c, &db)) != EXIT_OK) {
        recon_profile_free(profile);
        return status;
    }
    if (fmt == FMT_JSON) printf("[");
    stdin_src in = {0};
    int stdin_seen = 0;
    for (int first = 1; i < c->argc; i++, first = 0) {
        int from_stdin = !strcmp(c->argv[i], "-");
        const char *file = from_stdin ? STDIN_NAME : c->argv[i];
        /* Without --profile each file's layout is detected on its own. */
        recon_profile *detected = NULL;
        int one = EXIT_OK;
        if (from_stdin && stdin_seen++) {
            cli_error("import: standard input ('-') given twice");
            status = EXIT_FAIL;
            continue;
        }
        if (from_stdin && !profile && read_stdin_head(&in) != 0) {
            status = EXIT_FAIL;
            continue;
        }
        if (!profile) {
            recon_error err = RECON_ERROR_INIT;
            if ((from_stdin ? recon_profile_detect_buffer(in.head, in.len, file, &err, &detected)
                            : recon_profile_detect(file, &err, &detected)) != RECON_OK) {
                if (fmt == FMT_JSON)
                    print_import_json(file, source, NULL, NULL, NULL, err.message, first);
                else
                    cli_error("%s", err.message);
                status = EXIT_FAIL;
                continue;
            }
            if (fmt == FMT_TEXT) {
                text_args ta = {0};
                printf("%s: detected profile %s\n", text_arg(&ta, file),
                       text_arg(&ta, recon_profile_name(detected)));
                text_args_free(&ta);
            }
        }
        const recon_profile *use = profile ? profile : detected;
        one = import_one(db, file, from_stdin ? &in : NULL, use,
                         source ? source : recon_profile_name(use), fmt, first);
        recon_profile_free(detected);
        /* The worst outcome wins: failure over rejected rows over clean. */
        if (one == EXIT_FAIL || (one == EXIT_REJECTS && status == EXIT_OK)) status = one;
    }
    if (fmt == FMT_JSON) printf("\n]\n");
    free(in.head);
    recon_close(db);
    recon_profile_free(profile);
    return status;
}

/* ---- summary ----------------------------------------------------------------------- */

/* A row of summary's JSON: totals past int64_t are null, never wrapped. */
static json_t *summary_json(const recon_summary_row *r, const char *amount, const char *net) {
    json_t *amount_minor = r->overflow ? json_null() : json_integer(r->amount_minor);
    json_t *net_minor = r->overflow ? json_null() : json_integer(r->net_minor);
    return json_pack("{s:o, s:o, s:o, s:I, s:I, s:o, s:s, s:o, s:s, s:I, s:b}", "source",
                     json_text(r->source), "type", json_text(r->source_type), "currency",
                     json_text(r->currency), "imports", (json_int_t)r->imports, "transactions",
                     (json_int_t)r->transactions, "amount_minor", amount_minor, "amount", amount,
                     "net_minor", net_minor, "net", net, "failures", (json_int_t)r->failures,
                     "overflow", r->overflow != 0);
}

static int print_summary_row(const recon_summary_row *r, void *payload) {
    list_state *ls = payload;
    progress_clear();
    char amount[40], net[40];
    money(r->amount_minor, r->currency, amount, sizeof amount);
    money(r->net_minor, r->currency, net, sizeof net);
    if (!r->currency[0]) amount[0] = net[0] = '\0';
    /* Totals past int64_t minor units: said, never a wrapped number. */
    if (r->overflow) {
        snprintf(amount, sizeof amount, "overflow");
        snprintf(net, sizeof net, "overflow");
    }
    if (ls->fmt == FMT_JSON) {
        if (json_row(stdout, summary_json(r, amount, net), ls->count == 0)) return WALK_STOPPED;
    } else if (ls->fmt == FMT_CSV) {
        char imports[24], transactions[24], failures[24];
        snprintf(imports, sizeof imports, "%lld", (long long)r->imports);
        snprintf(transactions, sizeof transactions, "%lld", (long long)r->transactions);
        snprintf(failures, sizeof failures, "%lld", (long long)r->failures);
        const char *cells[] = {r->source,    r->source_type, r->currency, imports,
                               transactions, amount,         net,         failures};
        csv_row(stdout, cells, 8);
    } else {
        text_args ta = {0};
        printf("%-20s %-6s %-8s %7lld %12lld %18s %18s %8lld\n", text_arg(&ta, r->source),
               text_arg(&ta, r->source_type), r->currency[0] ? text_arg(&ta, r->currency) : "-",
               (long long)r->imports, (long long)r->transactions, amount, net,
               (long long)r->failures);
        text_args_free(&ta);
    }
    ls->count++;
    return 0;
}

static int cmd_summary(const cli *c) {
    list_state ls = {FMT_TEXT, 0};
    for (int i = 1; i < c->argc; i++) {
        if (strcmp(c->argv[i], "--format") != 0 || i + 1 >= c->argc)
            return usage_error("summary: unknown option '%s'", c->argv[i]);
        if (parse_format(c->argv[++i], 1, &ls.fmt))
            return usage_error("summary: --format is text, csv or json");
    }
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK) return status;
    progress_attach(db, "summary");
    if (ls.fmt == FMT_TEXT)
        printf("%-20s %-6s %-8s %7s %12s %18s %18s %8s\n", "source", "type", "currency", "imports",
               "transactions", "amount", "net", "failures");
    else if (ls.fmt == FMT_CSV)
        puts("source,type,currency,imports,transactions,amount,net,failures");
    else
        printf("[");
    int rc = recon_summary_each(db, print_summary_row, &ls);
    progress_clear();
    if (rc != RECON_OK) {
        if (rc != RECON_ECANCELLED) cli_error("%s", recon_errmsg(db));
        status = EXIT_FAIL;
    }
    if (ls.fmt == FMT_JSON) printf("\n]\n");
    recon_close(db);
    return status;
}

/* ---- profiles list ------------------------------------------------------------------ */

static int profiles_list(const cli *c) {
    int fmt = FMT_TEXT, unwritten = 0;
    if (c->argc == 4 && !strcmp(c->argv[2], "--format")) {
        if (parse_format(c->argv[3], 0, &fmt))
            return usage_error("profiles list: --format is text or json");
    } else if (c->argc != 2) {
        return usage_error("profiles list: unknown option '%s'", c->argv[2]);
    }
    if (fmt == FMT_JSON) printf("[");
    for (size_t i = 0; i < recon_profile_builtin_count(); i++) {
        recon_profile *p;
        recon_error err = RECON_ERROR_INIT;
        if (recon_profile_builtin(recon_profile_builtin_name(i), &err, &p) != RECON_OK) {
            cli_error("built-in profile is invalid: %s", err.message);
            return EXIT_FAIL;
        }
        const char *type = recon_source_type_name(recon_profile_source_type(p));
        if (fmt == FMT_JSON) {
            json_t *o = json_pack("{s:o, s:s, s:o}", "name", json_text(recon_profile_name(p)),
                                  "source_type", type, "description",
                                  json_text(recon_profile_description(p)));
            unwritten |= json_row(stdout, o, i == 0);
        } else {
            printf("%-26s %-6s %s\n", recon_profile_name(p), type, recon_profile_description(p));
        }
        recon_profile_free(p);
    }
    if (fmt == FMT_JSON) printf("\n]\n");
    return unwritten ? EXIT_FAIL : EXIT_OK;
}

/* The mapping of a built-in profile is its INI text: the documented format,
 * with the comments that say why. */
static int profiles_show(const cli *c) {
    if (c->argc != 3) return usage_error("profiles show: give one profile NAME");
    const char *text = recon_profile_builtin_text(c->argv[2]);
    if (!text)
        return usage_error("profiles show: no built-in profile '%s' (recon profiles list)",
                           c->argv[2]);
    fputs(text, stdout);
    return EXIT_OK;
}

static int profiles_detect(const cli *c) {
    int status = EXIT_OK;
    if (c->argc < 3) return usage_error("profiles detect: give one or more FILEs");
    for (int i = 2; i < c->argc; i++) {
        recon_profile *p = NULL;
        recon_error err = RECON_ERROR_INIT;
        if (recon_profile_detect(c->argv[i], &err, &p) != RECON_OK) {
            cli_error("%s", err.message);
            status = EXIT_FAIL;
            continue;
        }
        text_args ta = {0};
        printf("%s: %s (%s)\n", text_arg(&ta, c->argv[i]), text_arg(&ta, recon_profile_name(p)),
               recon_source_type_name(recon_profile_source_type(p)));
        text_args_free(&ta);
        recon_profile_free(p);
    }
    return status;
}

static int cmd_profiles(const cli *c) {
    const char *sub = c->argc > 1 ? c->argv[1] : "";
    if (!strcmp(sub, "list")) return profiles_list(c);
    if (!strcmp(sub, "show")) return profiles_show(c);
    if (!strcmp(sub, "detect")) return profiles_detect(c);
    return usage_error("profiles: expected list, show or detect");
}

/* ---- main -------------------------------------------------------------------------- */

int main(int argc, char **argv) {
    cli c = {getenv("RECON_DB"), 0, NULL, -1};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--version")) {
            printf("recon %s (librecon %s, database schema %d)\n", RECON_VERSION, recon_version(),
                   recon_schema_version());
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            return cmd_help(NULL);
        } else if (!strcmp(argv[i], "--db")) {
            if (++i >= argc) return usage_error("--db needs a file name");
            c.db_path = argv[i];
        } else if (!strcmp(argv[i], "--busy-timeout")) {
            char *end;
            long ms = ++i < argc ? strtol(argv[i], &end, 10) : -1;
            if (i >= argc || !*argv[i] || *end || ms < 0 || ms > 86400000L)
                return usage_error("--busy-timeout needs milliseconds, 0 to 86400000");
            c.busy_timeout_ms = (int)ms;
        } else {
            return usage_error("unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    c.argc = argc - i;
    c.argv = argv + i;
    const char *cmd = c.argv[0];
    if (!strcmp(cmd, "help")) return cmd_help(c.argc > 1 ? c.argv[1] : NULL);
    if (!strcmp(cmd, "import")) return cmd_import(&c);
    if (!strcmp(cmd, "failures")) return cmd_failures(&c);
    if (!strcmp(cmd, "errors")) return cmd_errors(&c);
    if (!strcmp(cmd, "match")) return cmd_match(&c);
    if (!strcmp(cmd, "ignore") || !strcmp(cmd, "unignore")) return cmd_ignore(&c);
    if (!strcmp(cmd, "explain")) return cmd_explain(&c);
    if (!strcmp(cmd, "review")) return cmd_review(&c);
    if (!strcmp(cmd, "exception")) return cmd_exception(&c);
    if (!strcmp(cmd, "aliases")) return cmd_aliases(&c);
    if (!strcmp(cmd, "export")) return cmd_export(&c);
    if (!strcmp(cmd, "close")) return cmd_close(&c);
    if (!strcmp(cmd, "summary")) return cmd_summary(&c);
    if (!strcmp(cmd, "report")) return cmd_report(&c);
    if (!strcmp(cmd, "status")) return cmd_status(&c);
    if (!strcmp(cmd, "settings")) return cmd_settings(&c);
    if (!strcmp(cmd, "profiles")) return cmd_profiles(&c);
    return usage_error("unknown command '%s'", cmd);
}
