/* Shared by the recon CLI's files: its state, exit codes, option and
 * output helpers, and the commands each file provides. */
#ifndef RECON_CLI_H
#define RECON_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "recon.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_REJECTS = 3, EXIT_ALERT = 4 };
enum { FMT_TEXT, FMT_CSV, FMT_JSON };

typedef struct {
    const char *db_path;
    int argc;
    char **argv;
    int busy_timeout_ms; /* --busy-timeout MS; -1: the library's default */
} cli;

/* Prints "recon: MESSAGE" and a hint on stderr; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Text output (a terminal's): values from imported files may hold control
 * characters (ESC, CSI, BEL, CR...) that would drive the operator's
 * terminal. Every untrusted value the CLI prints in text mode, to stdout
 * or stderr, goes through one of these, which write it on one line with
 * each control character shown as an escape: C0 controls and DEL as \xHH
 * (\x1b), except \t, \n and \r; C1 controls (U+0080..U+009F) as \u009b;
 * the bidirectional overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069) and U+2028/U+2029 as \u202e; a byte that is not part of
 * valid UTF-8 as \xHH. Backslashes are left as they are: the text form is
 * for reading, not for parsing back (JSON and CSV keep values exact).
 * docs/LIMITS.md, "Terminal output". */

/* An escaped copy of s, malloc'd (the caller frees it); NULL when out of
 * memory. Its display width is its code points: every escape is ASCII. */
char *text_dup(const char *s);
/* Writes s escaped ("-" for NULL). */
void text_str(FILE *f, const char *s);

/* Escaped values for one printf call that prints several:
 *   text_args ta = {0};
 *   printf("%s: %s\n", text_arg(&ta, file), text_arg(&ta, message));
 *   text_args_free(&ta);
 * text_arg returns s itself when nothing in it needs escaping (NULL for
 * NULL), else a copy ta owns; "?" when out of memory or past
 * TEXT_ARGS_MAX copies, never the raw value. */
enum { TEXT_ARGS_MAX = 16 };
typedef struct {
    char *owned[TEXT_ARGS_MAX];
    size_t n;
} text_args;
const char *text_arg(text_args *ta, const char *s);
void text_args_free(text_args *ta);

/* Progress of a long reading call (a report, the HTML page, an export,
 * status) on a terminal: progress_attach hands the handle a progress
 * handler that, once the call has run half a second, keeps one line on
 * stderr saying it is alive and for how long; nothing when stderr is not
 * a terminal. progress_clear erases the line: the commands call it before
 * they print, and cli_error does. */
void progress_attach(recon_db *db, const char *what);
void progress_clear(void);
/* Milliseconds of a monotonic clock. */
int64_t cli_now_ms(void);

/* Prints "recon: MESSAGE" and a line end on stderr, the message escaped as
 * text_str does: library messages quote file names and cell values. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A CSV cell, quoted when it must be (nothing for NULL). Every CSV the CLI
 * writes goes through here, because cells hold text from imported files: a
 * cell a spreadsheet would run as a formula (first character = + - @, tab
 * or CR, or a fullwidth = + - @) is written quoted with a ' in front
 * ("'=HYPERLINK(...)"), unless the whole cell is a plain number such as
 * -12.50 or -1250 (amounts must stay numbers). docs/LIMITS.md, "CSV output". */
void csv_str(FILE *f, const char *s);
/* 1 when csv_str would neutralize s as a formula. */
int csv_formula_risk(const char *s);
/* n cells through csv_str, comma-separated, then a line end. */
void csv_row(FILE *f, const char *const *cells, size_t n);

/* JSON output (--format json): every document is built with Jansson and
 * written by json_write, in Jansson's layout ({"a": 1, "b": [2, 3]}, keys
 * in the order they were added). Jansson escapes every C0 control (\n,
 * \t, \u001B...); json_write escapes the C1 controls U+0080..U+009F and
 * U+2028/U+2029 too, which are valid JSON but not harmless in a terminal
 * or a JavaScript string. Lists stream, one object per row (json_row):
 * a report of a million rows is never a million objects in memory. */

/* A new JSON string of s; null for NULL. Text that is not valid UTF-8 (a
 * file name or an argument: stored text always is) is kept the way the
 * library keeps a raw row: each offending byte written \xNN and, then
 * only, backslashes doubled. NULL when out of memory. */
json_t *json_text(const char *s);
/* A new JSON number of the decimal integer s ("-12": a report's count, a
 * cell the CLI formatted); null for NULL. s that is not a whole int64
 * stays a string, valid JSON rather than a guessed number. */
json_t *json_int_text(const char *s);
/* Writes v and releases it, so that json_write(f, json_pack(...)) is
 * enough. Returns 0, or -1 when v is NULL (a build that failed) or out of
 * memory: nothing is written then, and stderr says so. */
int json_write(FILE *f, json_t *v);
/* A whole document: json_write, then a line end (when written). */
int json_line(FILE *f, json_t *v);
/* One element of an array streamed row by row, written and released as
 * json_write does, after "\n  " when first, else ",\n  ". The caller
 * writes "[" before the rows and "\n]\n" after them. */
int json_row(FILE *f, json_t *row, int first);
/* What a recon_*_each callback returns when json_row failed: the walk
 * stops with RECON_ECANCELLED, and stderr has said why already. */
enum { WALK_STOPPED = 1 };

/* "text", "json" and, when allow_csv, "csv". Returns 0 or -1. */
int parse_format(const char *v, int allow_csv, int *out);
/* Minor units as major-unit text, e.g. "-12.50". */
const char *money(int64_t minor, const char *currency, char *buf, size_t size);
/* Opens --db; on failure prints why and returns an exit status. */
int open_db(const cli *c, recon_db **db);

/* An option with a value: if argv[*i] is `name`, stores the next argument
 * in *out, moves *i past it and returns 1; returns -1 (after a usage error
 * message) when the value is missing; 0 when argv[*i] is another option. */
int opt_value(const cli *c, int *i, const char *name, const char **out);
/* The arguments of a command that acts on one thing with a note:
 * "TARGET [--note TEXT] [--actor NAME]" from argv[first] on (`what` names
 * the command in messages). Returns EXIT_OK, or EXIT_USAGE after saying
 * why. */
int note_args(const cli *c, int first, const char *what, const char **target, const char **note,
              const char **actor);
/* Parses a whole positive number; returns 0 or -1. */
int parse_id(const char *v, int64_t *out);

int cmd_errors(const cli *c);
int cmd_failures(const cli *c);
int cmd_match(const cli *c);
int cmd_ignore(const cli *c);
int cmd_explain(const cli *c);
int cmd_export_journal(const cli *c);
int cmd_close(const cli *c);
int cmd_export(const cli *c);
int cmd_report(const cli *c);
int cmd_status(const cli *c);
int cmd_settings(const cli *c);
int cmd_review(const cli *c);
int cmd_exception(const cli *c);
int cmd_aliases(const cli *c);

#endif
