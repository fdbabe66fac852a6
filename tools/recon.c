/* recon: the command-line tool, a thin layer over include/recon.h. Each
 * command parses its options, makes a few library calls and prints the
 * result as text (aligned for a terminal), CSV or JSON.
 *
 * Exit status: 0 clean, 3 imported with rejected rows, 2 usage error,
 * 1 failure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recon.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_REJECTS = 3 };
enum { FMT_TEXT, FMT_CSV, FMT_JSON };

typedef struct {
    const char *db_path;
    int argc;
    char **argv;
} cli;

/* ---- help ------------------------------------------------------------------ */

static const char USAGE[] =
    "usage: recon [--db FILE] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  import         import CSV settlement reports or bank statements\n"
    "  failures list  show rejected rows with file, line, field and reason\n"
    "  summary        transactions and amounts per source and currency\n"
    "  profiles list  show the built-in CSV layouts\n"
    "  help [COMMAND] show help for a command\n"
    "\n"
    "options:\n"
    "  --db FILE      the SQLite database (default: $RECON_DB); created if missing\n"
    "  --version      print the version\n"
    "\n"
    "exit status: 0 ok, 3 imported with rejected rows, 2 usage error, 1 failure\n";

static const struct {
    const char *name;
    const char *text;
} HELP[] = {
    {"import",
     "usage: recon --db FILE import (--profile NAME | --profile-file PATH) [--source NAME]\n"
     "                              [--format text|json] FILE...\n"
     "\n"
     "Imports each FILE in its own transaction. Re-importing a file is a no-op; rows\n"
     "already stored from an overlapping file are counted as duplicates; bad rows are\n"
     "kept in the failures table with the reason and the import goes on.\n"
     "\n"
     "  --profile NAME       a built-in layout (recon profiles list)\n"
     "  --profile-file PATH  a layout from an INI file (docs/PROFILES.md)\n"
     "  --source NAME        the source the rows belong to (default: the profile's name)\n"
     "  --format text|json   output format (default text)\n"
     "\n"
     "Prints per file: rows read, inserted, duplicate, rejected and the import id.\n"
     "Exit status 3 when any row was rejected, 1 when a file could not be imported.\n"},
    {"failures",
     "usage: recon --db FILE failures list [--import ID] [--format text|csv|json]\n"
     "\n"
     "Lists rejected rows, oldest first: file, line, field and column, reason code,\n"
     "message and the raw row as it was in the file.\n"},
    {"summary",
     "usage: recon --db FILE summary [--format text|csv|json]\n"
     "\n"
     "Per source and currency: imports, transactions, gross and net amounts, failures.\n"},
    {"profiles",
     "usage: recon profiles list [--format text|json]\n"
     "\n"
     "Lists the built-in profiles with their source type and description.\n"},
};

static int usage_error(const char *fmt, ...) {
    va_list ap;
    fputs("recon: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(recon help shows the commands)\n", stderr);
    return EXIT_USAGE;
}

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

/* ---- output helpers ----------------------------------------------------------- */

static void json_str(FILE *f, const char *s) {
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

static void csv_str(FILE *f, const char *s) {
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

static int parse_format(const char *v, int allow_csv, int *out) {
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

static const char *money(int64_t minor, const char *currency, char *buf, size_t size) {
    if (recon_money_format(minor, currency, buf, size) != 0)
        snprintf(buf, size, "%lld (minor units)", (long long)minor);
    return buf;
}

static int open_db(const cli *c, recon_db **db) {
    if (!c->db_path) {
        usage_error("no database: give --db FILE or set RECON_DB");
        return EXIT_USAGE;
    }
    if (recon_open(c->db_path, NULL, db) != RECON_OK) {
        fprintf(stderr, "recon: %s\n", recon_errmsg(*db));
        recon_close(*db);
        *db = NULL;
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* ---- import --------------------------------------------------------------------- */

typedef struct {
    const char *file;
    int shown;
} progress_state;

static void on_progress(const recon_progress *p, void *payload) {
    progress_state *ps = payload;
    unsigned pct = p->bytes_total ? (unsigned)(p->bytes_done * 100 / p->bytes_total) : 0;
    fprintf(stderr, "\r%s: %3u%%  %llu rows", ps->file, pct, (unsigned long long)p->rows);
    ps->shown = 1;
}

static void print_import_text(const char *file, const char *source, const char *profile,
                              const recon_import_result *r) {
    if (r->already_imported) {
        printf("%s: already imported into source %s as import %lld: nothing to do\n", file,
               source, (long long)r->import_id);
        return;
    }
    printf("%s: import %lld into source %s (profile %s)\n", file, (long long)r->import_id,
           source, profile);
    printf("  rows read %llu, inserted %llu, duplicate %llu, rejected %llu\n",
           (unsigned long long)r->rows_read, (unsigned long long)r->rows_inserted,
           (unsigned long long)r->rows_duplicate, (unsigned long long)r->rows_rejected);
    if (r->rows_rejected)
        printf("  rejected rows: recon failures list --import %lld\n", (long long)r->import_id);
}

static void print_import_json(const char *file, const char *source, const char *profile,
                              const recon_import_result *r, const char *error, int first) {
    printf("%s\n  {\"file\": ", first ? "" : ",");
    json_str(stdout, file);
    printf(", \"source\": ");
    json_str(stdout, source);
    printf(", \"profile\": ");
    json_str(stdout, profile);
    if (error) {
        printf(", \"status\": \"failed\", \"error\": ");
        json_str(stdout, error);
        printf("}");
        return;
    }
    printf(", \"status\": \"%s\", \"import_id\": %lld, \"rows_read\": %llu, "
           "\"rows_inserted\": %llu, \"rows_duplicate\": %llu, \"rows_rejected\": %llu, "
           "\"sha256\": \"%s\"}",
           r->already_imported ? "already_imported" : "imported", (long long)r->import_id,
           (unsigned long long)r->rows_read, (unsigned long long)r->rows_inserted,
           (unsigned long long)r->rows_duplicate, (unsigned long long)r->rows_rejected,
           r->sha256);
}

static int load_profile(const char *name, const char *file, recon_profile **out) {
    recon_error err = {0};
    int rc = file ? recon_profile_load(file, &err, out) : recon_profile_builtin(name, &err, out);
    if (rc != RECON_OK) {
        fprintf(stderr, "recon: %s\n", err.message);
        return rc == RECON_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL;
    }
    return EXIT_OK;
}

static int import_one(recon_db *db, const char *file, const recon_profile *profile,
                      const char *source, int fmt, int first) {
    recon_import_opts opts = RECON_IMPORT_OPTS_INIT;
    recon_import_result res;
    progress_state ps = {file, 0};
    opts.source = source;
    if (fmt == FMT_TEXT && isatty(STDERR_FILENO)) {
        opts.progress = on_progress;
        opts.payload = &ps;
    }
    int rc = recon_import_file(db, file, profile, &opts, &res);
    if (ps.shown)
        fputs("\r\033[K", stderr);
    const char *error = rc == RECON_OK ? NULL : recon_errmsg(db);
    if (fmt == FMT_JSON)
        print_import_json(file, source, recon_profile_name(profile), &res, error, first);
    else if (error)
        fprintf(stderr, "recon: %s\n", error);
    else
        print_import_text(file, source, recon_profile_name(profile), &res);
    if (error)
        return EXIT_FAIL;
    return res.rows_rejected ? EXIT_REJECTS : EXIT_OK;
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
        if (i + 1 >= c->argc)
            return usage_error("import: %s needs a value", a);
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
    if (!profile_name == !profile_file)
        return usage_error("import: give exactly one of --profile NAME or --profile-file PATH");
    if (i >= c->argc)
        return usage_error("import: no files given");

    recon_profile *profile = NULL;
    int status = load_profile(profile_name, profile_file, &profile);
    if (status != EXIT_OK)
        return status;
    recon_db *db = NULL;
    if ((status = open_db(c, &db)) != EXIT_OK) {
        recon_profile_free(profile);
        return status;
    }
    if (!source)
        source = recon_profile_name(profile);
    if (fmt == FMT_JSON)
        printf("[");
    for (int first = 1; i < c->argc; i++, first = 0) {
        int one = import_one(db, c->argv[i], profile, source, fmt, first);
        /* The worst outcome wins: failure over rejected rows over clean. */
        if (one == EXIT_FAIL || (one == EXIT_REJECTS && status == EXIT_OK))
            status = one;
    }
    if (fmt == FMT_JSON)
        printf("\n]\n");
    recon_close(db);
    recon_profile_free(profile);
    return status;
}

/* ---- failures list -------------------------------------------------------------- */

typedef struct {
    int fmt;
    long count;
} list_state;

static int print_failure(const recon_failure *f, void *payload) {
    list_state *ls = payload;
    const char *file = f->file_name ? f->file_name : "-";
    if (ls->fmt == FMT_JSON) {
        printf("%s\n  {\"id\": %lld, \"import_id\": %lld, \"source\": ", ls->count ? "," : "",
               (long long)f->id, (long long)f->import_id);
        json_str(stdout, f->source);
        printf(", \"file\": ");
        json_str(stdout, f->file_name);
        printf(", \"line\": %lld, \"field\": ", (long long)f->line);
        json_str(stdout, f->field);
        printf(", \"column\": ");
        json_str(stdout, f->column);
        printf(", \"reason\": ");
        json_str(stdout, f->reason);
        printf(", \"message\": ");
        json_str(stdout, f->message);
        printf(", \"raw\": ");
        json_str(stdout, f->raw);
        printf(", \"created_at\": ");
        json_str(stdout, f->created_at);
        printf("}");
    } else if (ls->fmt == FMT_CSV) {
        const char *cells[] = {f->source, f->file_name, f->field, f->column,
                               f->reason, f->message,   f->raw,   f->created_at};
        printf("%lld,%lld,", (long long)f->id, (long long)f->import_id);
        for (int i = 0; i < 8; i++) {
            if (i == 2)
                printf("%lld,", (long long)f->line);
            csv_str(stdout, cells[i]);
            putchar(i == 7 ? '\n' : ',');
        }
    } else {
        printf("%s:%lld: %s: ", file, (long long)f->line, f->reason);
        if (f->field && f->column)
            printf("field %s (column \"%s\"): ", f->field, f->column);
        else if (f->field)
            printf("field %s: ", f->field);
        printf("%s\n    import %lld, source %s; raw: %s\n", f->message, (long long)f->import_id,
               f->source ? f->source : "-", f->raw ? f->raw : "");
    }
    ls->count++;
    return 0;
}

static int cmd_failures(const cli *c) {
    if (c->argc < 2 || strcmp(c->argv[1], "list") != 0)
        return usage_error("failures: expected 'failures list'");
    recon_failure_filter filter = RECON_FAILURE_FILTER_INIT;
    list_state ls = {FMT_TEXT, 0};
    for (int i = 2; i < c->argc; i++) {
        const char *a = c->argv[i];
        if (i + 1 >= c->argc)
            return usage_error("failures list: %s needs a value", a);
        const char *v = c->argv[++i];
        char *end;
        if (!strcmp(a, "--import")) {
            filter.import_id = strtoll(v, &end, 10);
            if (*end || filter.import_id <= 0)
                return usage_error("failures list: --import takes an import id, not '%s'", v);
        } else if (!strcmp(a, "--format")) {
            if (parse_format(v, 1, &ls.fmt))
                return usage_error("failures list: --format is text, csv or json");
        } else
            return usage_error("failures list: unknown option '%s'", a);
    }
    recon_db *db = NULL;
    int status = open_db(c, &db);
    if (status != EXIT_OK)
        return status;
    if (ls.fmt == FMT_CSV)
        puts("id,import_id,source,file,line,field,column,reason,message,raw,created_at");
    if (ls.fmt == FMT_JSON)
        printf("[");
    int rc = recon_failures_each(db, &filter, print_failure, &ls);
    if (ls.fmt == FMT_JSON)
        printf("\n]\n");
    if (rc != RECON_OK) {
        fprintf(stderr, "recon: %s\n", recon_errmsg(db));
        status = EXIT_FAIL;
    } else if (ls.fmt == FMT_TEXT) {
        printf("%ld failure%s\n", ls.count, ls.count == 1 ? "" : "s");
    }
    recon_close(db);
    return status;
}

/* ---- summary ----------------------------------------------------------------------- */

static int print_summary_row(const recon_summary_row *r, void *payload) {
    list_state *ls = payload;
    char amount[40], net[40];
    money(r->amount_minor, r->currency, amount, sizeof amount);
    money(r->net_minor, r->currency, net, sizeof net);
    if (!r->currency[0])
        amount[0] = net[0] = '\0';
    if (ls->fmt == FMT_JSON) {
        printf("%s\n  {\"source\": ", ls->count ? "," : "");
        json_str(stdout, r->source);
        printf(", \"type\": ");
        json_str(stdout, r->source_type);
        printf(", \"currency\": ");
        json_str(stdout, r->currency);
        printf(", \"imports\": %lld, \"transactions\": %lld, \"amount_minor\": %lld, "
               "\"amount\": \"%s\", \"net_minor\": %lld, \"net\": \"%s\", \"failures\": %lld}",
               (long long)r->imports, (long long)r->transactions, (long long)r->amount_minor,
               amount, (long long)r->net_minor, net, (long long)r->failures);
    } else if (ls->fmt == FMT_CSV) {
        csv_str(stdout, r->source);
        printf(",%s,%s,%lld,%lld,%s,%s,%lld\n", r->source_type, r->currency,
               (long long)r->imports, (long long)r->transactions, amount, net,
               (long long)r->failures);
    } else {
        printf("%-20s %-6s %-8s %7lld %12lld %18s %18s %8lld\n", r->source, r->source_type,
               r->currency[0] ? r->currency : "-", (long long)r->imports,
               (long long)r->transactions, amount, net, (long long)r->failures);
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
    if (status != EXIT_OK)
        return status;
    if (ls.fmt == FMT_TEXT)
        printf("%-20s %-6s %-8s %7s %12s %18s %18s %8s\n", "source", "type", "currency",
               "imports", "transactions", "amount", "net", "failures");
    else if (ls.fmt == FMT_CSV)
        puts("source,type,currency,imports,transactions,amount,net,failures");
    else
        printf("[");
    if (recon_summary_each(db, print_summary_row, &ls) != RECON_OK) {
        fprintf(stderr, "recon: %s\n", recon_errmsg(db));
        status = EXIT_FAIL;
    }
    if (ls.fmt == FMT_JSON)
        printf("\n]\n");
    recon_close(db);
    return status;
}

/* ---- profiles list ------------------------------------------------------------------ */

static int cmd_profiles(const cli *c) {
    int fmt = FMT_TEXT;
    if (c->argc < 2 || strcmp(c->argv[1], "list") != 0)
        return usage_error("profiles: expected 'profiles list'");
    if (c->argc == 4 && !strcmp(c->argv[2], "--format")) {
        if (parse_format(c->argv[3], 0, &fmt))
            return usage_error("profiles list: --format is text or json");
    } else if (c->argc != 2) {
        return usage_error("profiles list: unknown option '%s'", c->argv[2]);
    }
    if (fmt == FMT_JSON)
        printf("[");
    for (size_t i = 0; i < recon_profile_builtin_count(); i++) {
        recon_profile *p;
        recon_error err;
        if (recon_profile_builtin(recon_profile_builtin_name(i), &err, &p) != RECON_OK) {
            fprintf(stderr, "recon: built-in profile is invalid: %s\n", err.message);
            return EXIT_FAIL;
        }
        const char *type = recon_source_type_name(recon_profile_source_type(p));
        if (fmt == FMT_JSON) {
            printf("%s\n  {\"name\": ", i ? "," : "");
            json_str(stdout, recon_profile_name(p));
            printf(", \"source_type\": \"%s\", \"description\": ", type);
            json_str(stdout, recon_profile_description(p));
            printf("}");
        } else {
            printf("%-16s %-6s %s\n", recon_profile_name(p), type, recon_profile_description(p));
        }
        recon_profile_free(p);
    }
    if (fmt == FMT_JSON)
        printf("\n]\n");
    return EXIT_OK;
}

/* ---- main -------------------------------------------------------------------------- */

int main(int argc, char **argv) {
    cli c = {getenv("RECON_DB"), 0, NULL};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--version")) {
            printf("recon %s (librecon %s)\n", RECON_VERSION, recon_version());
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            return cmd_help(NULL);
        } else if (!strcmp(argv[i], "--db")) {
            if (++i >= argc)
                return usage_error("--db needs a file name");
            c.db_path = argv[i];
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
    if (!strcmp(cmd, "help"))
        return cmd_help(c.argc > 1 ? c.argv[1] : NULL);
    if (!strcmp(cmd, "import"))
        return cmd_import(&c);
    if (!strcmp(cmd, "failures"))
        return cmd_failures(&c);
    if (!strcmp(cmd, "summary"))
        return cmd_summary(&c);
    if (!strcmp(cmd, "profiles"))
        return cmd_profiles(&c);
    return usage_error("unknown command '%s'", cmd);
}
