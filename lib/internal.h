/* Private declarations shared by the modules under lib/: the database
 * handle's layout and the error-reporting helpers. Not installed. */
#ifndef RECON_INTERNAL_H
#define RECON_INTERNAL_H

#include <stdbool.h>

#include <sqlite3.h>
#include <stdarg.h>

#include "recon.h"

struct recon_db {
    sqlite3 *sql;
    int busy_timeout_ms; /* as opened: named in "database is busy" messages */
    char errmsg[1024];
};

#if defined(__GNUC__)
#define RC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RC_PRINTF(a, b)
#endif

/* Sets the handle's message and returns `code`, so callers can write
 * `return rc_fail(db, RECON_EIO, "...")`. */
int rc_fail(recon_db *db, int code, const char *fmt, ...) RC_PRINTF(3, 4);

/* Maps the handle's last SQLite error to a status and message, prefixed by
 * what we were doing. */
int rc_fail_sql(recon_db *db, const char *doing);

/* Fills an optional recon_error and returns code. */
int rc_error_set(recon_error *err, int code, const char *fmt, ...) RC_PRINTF(3, 4);

/* INI text (profiles, rules) goes through inih, which reads a line of
 * INI_MAX_LINE (200) bytes at most and parses the rest as a line of its
 * own: a long comment could turn into a key. Lines must stay under it.
 * Returns the first line that is too long, or 0. */
#define RC_INI_LINE_MAX 198

/* Calls fn for each comma-separated, space-trimmed, non-empty item of v
 * (the lists of profile and rules files). Returns -1 if fn fails. */
int rc_each_item(const char *v, int (*fn)(const char *item, size_t len, void *ctx), void *ctx);

/* Strict UTF-8 without NUL (csvread.c, which checks every field with it). */
bool rc_utf8_valid(const unsigned char *s, size_t n);
int rc_ini_long_line(const char *text);

/* Runs SQL without results; on failure sets the message. */
int rc_exec(recon_db *db, const char *sql);

/* Prepares a statement, setting the message on failure. */
int rc_prepare(recon_db *db, const char *sql, sqlite3_stmt **out);

/* Transactions. rc_begin takes the write lock up front (BEGIN IMMEDIATE) so
 * that two writers wait on the busy timeout instead of deadlocking. */
int rc_begin(recon_db *db);
int rc_commit(recon_db *db);
void rc_rollback(recon_db *db);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ". */
void rc_now_utc(char buf[21]);

/* Refuses (RECON_ESCHEMA, naming both versions) a database whose schema
 * version is above this library's. Reads only: recon_open calls it before
 * any pragma, so that such a file is left byte for byte as it was
 * (schema.c). */
int rc_schema_check_version(recon_db *db);

/* Brings the database to this library's schema in one transaction:
 * migrations up to RECON_SCHEMA_VERSION, the views when their text
 * changed, the mirrored tables when theirs did. A read-only handle writes
 * nothing: outdated views are shadowed by TEMP ones, and a database that
 * needs a migration is refused (schema.c). */
int rc_schema_update(recon_db *db, int read_only);

/* Migration `version` (1 = the first) as compiled in, or NULL. */
const char *rc_schema_migration(int version);

/* The SHA-256 (hex) of the views' text, as recorded in meta
 * 'views_sha256' of a database that has them (schema.c). */
void rc_views_hash(char out[65]);

/* The views (views.c): statement i is "CREATE VIEW name AS ...", in
 * creation order; RC_VIEWS_VERSION is the documented interface version
 * (docs/REPORTING.md), raised when a column is added. */
#define RC_VIEWS_VERSION 1
size_t rc_views_count(void);
const char *rc_view_sql(size_t i);

/* Finds the source `name`, creating it with `type` if absent. A source that
 * exists with another type is RECON_ECONFLICT. Inside a transaction. */
int rc_source_get_or_create(recon_db *db, const char *name, recon_source_type type,
                            int64_t *out_id);

/* SQL for matched / all as a percentage with one decimal, "98.4%": tenths
 * rounded half up, but never 100.0% while something is unmatched nor 0.0%
 * once something matched (a reader takes those for "all" and "none"); NULL
 * when all is 0. One definition for the reports and the HTML page. */
#define RC_SQL_MATCH_RATE(matched, all)                                                      \
    "(SELECT printf('%d.%d%%', r / 10, r % 10) FROM (SELECT CASE"                             \
    " WHEN (" matched ") < (" all ") AND ((" matched ") * 1000 + (" all ") / 2) / (" all ")"  \
    "   = 1000 THEN 999"                                                                      \
    " WHEN (" matched ") > 0 AND ((" matched ") * 1000 + (" all ") / 2) / (" all ") = 0"      \
    "   THEN 1"                                                                               \
    " ELSE ((" matched ") * 1000 + (" all ") / 2) / (" all ") END AS r))"

/* Sums of money in SQL that never stop a query. SQLite's sum() fails the
 * whole statement with "integer overflow" when a total leaves int64, so
 * one file of absurd amounts would take every report down. These add the
 * high and low 32 bits apart (neither can overflow) and join them with
 * SQLite's arithmetic, which turns an overflow into a REAL that typeof()
 * tells apart. RC_SQL_SUM_F(x, f) is the sum of x over the rows where f
 * holds: 0 when there are none, NULL when the total leaves int64 or an x
 * is NULL (an unknown part makes the whole unknown), never a wrapped or
 * partial number. */
#define RC_SQL_SUM_HI_LO(x, f)                                                               \
    "(sum((" x ") >> 32) FILTER (WHERE " f ") * 4294967296"                                   \
    " + sum((" x ") & 4294967295) FILTER (WHERE " f "))"
#define RC_SQL_SUM_F(x, f)                                                                   \
    "(CASE WHEN count(*) FILTER (WHERE " f ") = 0 THEN 0"                                     \
    " WHEN count(" x ") FILTER (WHERE " f ") < count(*) FILTER (WHERE " f ") THEN NULL"       \
    " WHEN typeof(" RC_SQL_SUM_HI_LO(x, f) ") = 'integer' THEN " RC_SQL_SUM_HI_LO(x, f)       \
    " END)"
#define RC_SQL_SUM(x) RC_SQL_SUM_F(x, "1")
/* |x|, NULL for INT64_MIN (its magnitude is no int64). */
#define RC_SQL_ABS(x)                                                                        \
    "(CASE WHEN (" x ") = -9223372036854775807 - 1 THEN NULL WHEN (" x ") < 0 THEN -(" x ")" \
    " ELSE (" x ") END)"

/* A report filter as SQL over a day column and a source column: ?1
 * (from), ?2 (to) and ?3 (source), NULL meaning no narrowing; bound by
 * rc_bind_filter. */
#define RC_SQL_FILTER(day, source)                                                           \
    " (?1 IS NULL OR " day " >= ?1) AND (?2 IS NULL OR " day " <= ?2)"                        \
    " AND (?3 IS NULL OR " source " = ?3) "

/* Binds a report filter to ?1 (from), ?2 (to) and ?3 (source), refusing
 * malformed days (report.c). */
int rc_bind_filter(recon_db *db, sqlite3_stmt *st, const recon_report_filter *f);

#endif
