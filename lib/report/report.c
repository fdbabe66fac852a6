/* report: summaries over the stored data, for the CLI and for programs.
 * Reporting tools that query SQLite directly see the same figures. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "store/summary.h"
#include "util/money.h"
#include "util/opts.h"

int recon_summary_each(recon_db *db, int (*cb)(const recon_summary_row *row, void *payload),
                       void *payload) {
    rc_clear_error(db);
    if (!db || !cb) return rc_fail(db, RECON_EMISUSE, "recon_summary_each: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_summary_refresh(db);
    if (rc) return rc;
    /* clang-format off */
    rc = rc_prepare(db,
                        /* From the summaries, not every transaction; a total
                         * past int64 is NULL (CELL_SUM), not an error that
                         * would break the summary of every source. */
                        "WITH totals AS ("
                        "  SELECT source_id, currency, sum(transactions) AS n,"
                        "  " RC_SQL_CELL_SUM("transactions", "transactions", "amount_hi", "amount_lo",
                                           "1") " AS amount,"
                        "  " RC_SQL_CELL_SUM("transactions", "transactions", "net_hi", "net_lo",
                                           "1") " AS net"
                        "  FROM " RC_SQL_STATUS_CELLS() " GROUP BY source_id, currency)"
                        " SELECT s.name, s.type, coalesce(t.currency, ''), coalesce(t.n, 0),"
                        "  t.amount, t.net, t.n IS NOT NULL AND (t.amount IS NULL OR t.net IS NULL),"
                        "  (SELECT count(*) FROM imports i WHERE i.source_id = s.id),"
                        /* What still needs looking at, of every origin: the number
                         * `failures list --source S --open` lists. */
                        "  (SELECT count(*) FROM failures f WHERE f.source_id = s.id"
                        "   AND f.resolved_at IS NULL)"
                        " FROM sources s LEFT JOIN totals t ON t.source_id = s.id"
                        " ORDER BY s.name, t.currency",
                        &st);
    /* clang-format on */
    if (rc) return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_summary_row row = {
            .version = RECON_SUMMARY_ROW_VERSION,
            .source = (const char *)sqlite3_column_text(st, 0),
            .source_type = (const char *)sqlite3_column_text(st, 1),
            .currency = (const char *)sqlite3_column_text(st, 2),
            .transactions = sqlite3_column_int64(st, 3),
            .imports = sqlite3_column_int64(st, 7),
            .failures = sqlite3_column_int64(st, 8),
            .overflow = sqlite3_column_int(st, 6),
        };
        if (!row.overflow) { /* a total past int64 shows as 0, flagged */
            row.amount_minor = sqlite3_column_int64(st, 4);
            row.net_minor = sqlite3_column_int64(st, 5);
        }
        int stop = cb(&row, payload);
        if (stop) {
            sqlite3_finalize(st);
            return rc_callback_stop(db, stop, "reading the summary");
        }
    }
    if (step != SQLITE_DONE) rc = rc_fail_sql(db, "reading the summary");
    sqlite3_finalize(st);
    return rc;
}

/* ---- settings ----------------------------------------------------------------------- */

/* The settings the views read (v_report_settings, which holds their
 * defaults). */
static const char *const SETTINGS[] = {"report.as_of", "report.payout_late_days"};

const char *recon_setting_key(size_t index) {
    return index < sizeof SETTINGS / sizeof SETTINGS[0] ? SETTINGS[index] : NULL;
}

static int setting_index(const char *key) {
    for (size_t i = 0; key && i < sizeof SETTINGS / sizeof SETTINGS[0]; i++)
        if (strcmp(key, SETTINGS[i]) == 0) return (int)i;
    return -1;
}

int rc_check_day(recon_db *db, const char *what, const char *v) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT date(?1, '+0 days') IS ?1 AND length(?1) = 10", &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return ok ? RECON_OK
              : rc_fail(db, RECON_EMISUSE, "%s: '%.40s' is not a YYYY-MM-DD date", what, v);
}

static int valid_setting(recon_db *db, int k, const char *v) {
    if (k == 0) return rc_check_day(db, "report.as_of", v);
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0 || n > 366)
        return rc_fail(db, RECON_EMISUSE,
                       "report.payout_late_days: '%.40s' is not a whole number of days (0-366)", v);
    return RECON_OK;
}

int recon_setting_set(recon_db *db, const char *key, const char *value) {
    rc_clear_error(db);
    if (!db) return RECON_EMISUSE;
    int k = setting_index(key);
    if (k < 0)
        return rc_fail(db, RECON_EMISUSE,
                       "no setting '%.60s' (report.as_of, "
                       "report.payout_late_days)",
                       key ? key : "(null)");
    int rc = value ? valid_setting(db, k, value) : RECON_OK;
    sqlite3_stmt *st;
    if (rc || (rc = rc_prepare(db,
                               value ? "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                                     : "DELETE FROM meta WHERE key = ?1",
                               &st)))
        return rc;
    sqlite3_bind_text(st, 1, SETTINGS[k], -1, SQLITE_STATIC);
    if (value) sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "storing a setting");
    sqlite3_finalize(st);
    return rc;
}

int recon_setting_get(recon_db *db, const char *key, char *buf, size_t size) {
    rc_clear_error(db);
    if (!db || !buf || !size)
        return db ? rc_fail(db, RECON_EMISUSE, "recon_setting_get: invalid argument")
                  : RECON_EMISUSE;
    int k = setting_index(key);
    if (k < 0) return rc_fail(db, RECON_EMISUSE, "no setting '%.60s'", key ? key : "(null)");
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        k == 0 ? "SELECT as_of FROM v_report_settings"
                               : "SELECT payout_late_days FROM v_report_settings",
                        &st);
    if (rc) return rc;
    buf[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW) {
        /* A value cut to fit would be a different value: refused whole. */
        const char *v = (const char *)sqlite3_column_text(st, 0);
        size_t n = v ? strlen(v) : 0;
        if (n >= size)
            rc = rc_fail(db, RECON_EMISUSE,
                         "recon_setting_get: '%s' is %zu bytes, the buffer holds %zu"
                         " (with its NUL)",
                         key, n, size);
        else
            memcpy(buf, v ? v : "", n + 1);
    } else {
        rc = rc_fail_sql(db, "reading a setting");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- reports ------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    recon_col_type type;
    int currency; /* money: the column holding its currency */
} col_def;

/* Every report is one query over the views; ?1 and ?2 are the inclusive
 * day range and ?3 the source, each NULL when not narrowed. Money columns
 * select minor units; report_each formats them. */
typedef struct {
    const char *name;
    const char *sql;
    const col_def *cols;
    size_t ncols;
} report_def;

static const col_def SUMMARY_COLS[] = {
    {"source", RECON_COL_TEXT, 0},
    {"currency", RECON_COL_TEXT, 0},
    {"transactions", RECON_COL_INT, 0},
    {"matched", RECON_COL_INT, 0},
    {"match_rate", RECON_COL_TEXT, 0},
    {"matched_amount", RECON_COL_MONEY, 1},
    {"unmatched", RECON_COL_INT, 0},
    {"unmatched_amount", RECON_COL_MONEY, 1},
    {"exceptions", RECON_COL_INT, 0},
    {"exception_amount", RECON_COL_MONEY, 1},
    {"ignored", RECON_COL_INT, 0},
    {"partially_matched", RECON_COL_INT, 0},
    {"partial_open_amount", RECON_COL_MONEY, 1},
};
static const col_def UNMATCHED_COLS[] = {
    {"day", RECON_COL_TEXT, 0},         {"age_days", RECON_COL_INT, 0},
    {"age_bucket", RECON_COL_TEXT, 0},  {"source", RECON_COL_TEXT, 0},
    {"status", RECON_COL_TEXT, 0},      {"kind", RECON_COL_TEXT, 0},
    {"external_id", RECON_COL_TEXT, 0}, {"group_id", RECON_COL_TEXT, 0},
    {"currency", RECON_COL_TEXT, 0},    {"amount", RECON_COL_MONEY, 8},
    {"description", RECON_COL_TEXT, 0}, {"open_amount", RECON_COL_MONEY, 8},
};
static const col_def EXCEPTIONS_COLS[] = {
    {"exception_id", RECON_COL_INT, 0}, {"day", RECON_COL_TEXT, 0},
    {"source", RECON_COL_TEXT, 0},      {"external_id", RECON_COL_TEXT, 0},
    {"rule", RECON_COL_TEXT, 0},        {"reason", RECON_COL_TEXT, 0},
    {"currency", RECON_COL_TEXT, 0},    {"amount", RECON_COL_MONEY, 6},
    {"candidates", RECON_COL_TEXT, 0},  {"age_days", RECON_COL_INT, 0},
    {"assigned_to", RECON_COL_TEXT, 0},
};
static const col_def PAYOUTS_COLS[] = {
    {"source", RECON_COL_TEXT, 0},     {"payout_id", RECON_COL_TEXT, 0},
    {"payout_day", RECON_COL_TEXT, 0}, {"currency", RECON_COL_TEXT, 0},
    {"items", RECON_COL_INT, 0},       {"rejected", RECON_COL_INT, 0},
    {"expected", RECON_COL_MONEY, 3},  {"bank_id", RECON_COL_TEXT, 0},
    {"bank_day", RECON_COL_TEXT, 0},   {"bank_currency", RECON_COL_TEXT, 0},
    {"bank", RECON_COL_MONEY, 9},      {"difference", RECON_COL_MONEY, 3},
    {"days", RECON_COL_INT, 0},        {"status", RECON_COL_TEXT, 0},
    {"issues", RECON_COL_TEXT, 0},
};
static const col_def AGING_COLS[] = {
    {"source", RECON_COL_TEXT, 0},     {"currency", RECON_COL_TEXT, 0},
    {"age_bucket", RECON_COL_TEXT, 0}, {"items", RECON_COL_INT, 0},
    {"amount", RECON_COL_MONEY, 1},    {"gross", RECON_COL_MONEY, 1},
    {"oldest_day", RECON_COL_TEXT, 0},
};
static const col_def FAILURES_COLS[] = {
    {"unified_code", RECON_COL_TEXT, 0}, {"category", RECON_COL_TEXT, 0},
    {"provider", RECON_COL_TEXT, 0},     {"failures", RECON_COL_INT, 0},
    {"occurrences", RECON_COL_INT, 0},   {"first_seen", RECON_COL_TEXT, 0},
    {"last_seen", RECON_COL_TEXT, 0},    {"meaning", RECON_COL_TEXT, 0},
};

#define COLS(a) a, sizeof a / sizeof a[0]

/* clang-format off */
static const report_def REPORTS[] = {
    [RECON_REPORT_SUMMARY] =
        {"summary",
         "SELECT source, currency, n, matched, " RC_SQL_MATCH_RATE("matched", "n") ","
         "  matched_minor, unmatched, unmatched_minor, exceptions, exception_minor, ignored,"
         "  partial, partial_minor"
         " FROM (SELECT source, currency, sum(transactions) AS n, sum(matched_count) AS matched,"
         "   " RC_SQL_SUM("matched_minor") " AS matched_minor, sum(unmatched_count) AS unmatched,"
         "   " RC_SQL_SUM("unmatched_minor") " AS unmatched_minor,"
         "   sum(exception_count) AS exceptions,"
         "   " RC_SQL_SUM("exception_minor") " AS exception_minor, sum(ignored_count) AS ignored,"
         "   sum(partial_count) AS partial, " RC_SQL_SUM("partial_open_minor") " AS partial_minor"
         "   FROM v_daily_summary WHERE" RC_SQL_FILTER("day", "source")
         "   GROUP BY source, currency)"
         " ORDER BY source, currency",
         COLS(SUMMARY_COLS)},
    [RECON_REPORT_UNMATCHED] =
        {"unmatched",
         "SELECT day, age_days, age_bucket, source, status, kind, external_id, group_id,"
         "  currency, amount_minor, description, remaining_minor"
         " FROM v_unmatched WHERE" RC_SQL_FILTER("day", "source")
         " ORDER BY day, source, transaction_id",
         COLS(UNMATCHED_COLS)},
    [RECON_REPORT_EXCEPTIONS] =
        {"exceptions",
         "SELECT exception_id, day, source, external_id, rule, reason, currency, amount_minor,"
         "  candidates, age_days, assigned_to"
         " FROM v_exceptions WHERE status = 'open' AND" RC_SQL_FILTER("day", "source")
         " ORDER BY day, source, exception_id",
         COLS(EXCEPTIONS_COLS)},
    [RECON_REPORT_PAYOUTS] =
        {"payouts",
         "SELECT source, payout_id, payout_day, currency, items, rejected_items, expected_minor,"
         "  bank_external_id, bank_day, bank_currency, bank_minor, difference_minor,"
         "  days_to_arrive, status, issues"
         " FROM v_payouts WHERE" RC_SQL_FILTER("payout_day", "source")
         " ORDER BY source, payout_day IS NULL, payout_day, payout_id, currency",
         COLS(PAYOUTS_COLS)},
    /* v_aging, with the day range applied before bucketing: from the
     * summaries, not the rows. */
    [RECON_REPORT_AGING] =
        {"aging",
         "SELECT source, currency, age_bucket, sum(transactions),"
         "  " RC_SQL_CELL_SUM("transactions", "remaining_n", "remaining_hi", "remaining_lo", "1") ","
         "  " RC_SQL_CELL_SUM("transactions", "gross_n", "gross_hi", "gross_lo", "1") ", min(day)"
         " FROM " RC_SQL_OPEN_CELLS() " WHERE" RC_SQL_FILTER("day", "source")
         " GROUP BY source, currency, age_bucket"
         " ORDER BY source, currency, min(age_days) DESC",
         COLS(AGING_COLS)},
    /* v_failures_summary, narrowed by the day last seen and the source. */
    [RECON_REPORT_FAILURES] =
        {"failures",
         "SELECT f.unified_code, f.category, f.provider, count(*), sum(f.occurrences),"
         "  min(f.first_seen), max(f.last_seen), u.meaning"
         " FROM failures f LEFT JOIN sources s ON s.id = f.source_id"
         " LEFT JOIN unified_codes u ON u.code = f.unified_code"
         " WHERE f.resolved_at IS NULL AND" RC_SQL_FILTER("date(f.last_seen)", "s.name")
         " GROUP BY f.unified_code, f.category, f.provider"
         " ORDER BY count(*) DESC, f.unified_code, f.provider",
         COLS(FAILURES_COLS)},
};
/* clang-format on */
#define NREPORTS (sizeof REPORTS / sizeof REPORTS[0])

const char *recon_report_name(recon_report_kind kind) {
    return (unsigned)kind < NREPORTS ? REPORTS[kind].name : NULL;
}

int recon_report_kind_from_name(const char *name, recon_report_kind *out) {
    for (size_t i = 0; name && i < NREPORTS; i++)
        if (strcmp(name, REPORTS[i].name) == 0) {
            if (out) *out = (recon_report_kind)i;
            return RECON_OK;
        }
    return RECON_EMISUSE;
}

/* Binds the filter (?1 from, ?2 to, ?3 source); a malformed day is
 * refused rather than compared as text. */
int rc_bind_filter(recon_db *db, sqlite3_stmt *st, const recon_report_filter *f) {
    if (f) {
        int rc =
            rc_check_version(db, f->version, RECON_REPORT_FILTER_VERSION, "recon_report_filter");
        if (rc) return rc;
    }
    const char *v[3] = {f ? f->from : NULL, f ? f->to : NULL, f ? f->source : NULL};
    for (int i = 0; i < 3; i++) {
        if (i < 2 && v[i]) {
            int rc = rc_check_day(db, i == 0 ? "from" : "to", v[i]);
            if (rc) return rc;
        }
        if (v[i])
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, i + 1);
    }
    return RECON_OK;
}

/* One row's cells: as text, money in major units of its currency, and
 * INT and MONEY cells also as integers (money in minor units). */
static void row_cells(sqlite3_stmt *st, const report_def *d, char (*buf)[48], const char **values,
                      int64_t *ints, const char **currencies) {
    for (size_t i = 0; i < d->ncols; i++) {
        ints[i] = 0;
        currencies[i] = NULL;
        if (sqlite3_column_type(st, (int)i) == SQLITE_NULL) {
            values[i] = NULL;
        } else if (d->cols[i].type == RECON_COL_MONEY) {
            const char *cur = (const char *)sqlite3_column_text(st, d->cols[i].currency);
            int e = cur ? recon_currency_exponent(cur) : -1;
            ints[i] = sqlite3_column_int64(st, (int)i);
            rc_money_format(ints[i], e < 0 ? 0 : e, buf[i], 48);
            values[i] = buf[i];
            currencies[i] = cur;
        } else {
            if (d->cols[i].type == RECON_COL_INT) ints[i] = sqlite3_column_int64(st, (int)i);
            values[i] = (const char *)sqlite3_column_text(st, (int)i);
        }
    }
}

int recon_report_each(recon_db *db, recon_report_kind kind, const recon_report_filter *filter,
                      int (*cb)(const recon_report_row *row, void *payload), void *payload) {
    rc_clear_error(db);
    if (!db || !cb || (unsigned)kind >= NREPORTS)
        return db ? rc_fail(db, RECON_EMISUSE, "recon_report_each: invalid argument")
                  : RECON_EMISUSE;
    const report_def *d = &REPORTS[kind];
    sqlite3_stmt *st;
    int rc = rc_summary_refresh(db);
    if (!rc) rc = rc_prepare(db, d->sql, &st);
    if (rc) return rc;
    if ((rc = rc_bind_filter(db, st, filter)) != RECON_OK) {
        sqlite3_finalize(st);
        return rc;
    }
    const char *names[16], *values[16], *currencies[16];
    int64_t ints[16];
    recon_col_type types[16];
    char money_buf[16][48];
    _Static_assert(sizeof SUMMARY_COLS / sizeof SUMMARY_COLS[0] <= 16, "room for the columns");
    for (size_t i = 0; i < d->ncols; i++) {
        names[i] = d->cols[i].name;
        types[i] = d->cols[i].type;
    }
    recon_report_row row = {.version = RECON_REPORT_ROW_VERSION,
                            .ncolumns = d->ncols,
                            .names = names,
                            .types = types,
                            .values = values,
                            .ints = ints,
                            .currencies = currencies};
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        row_cells(st, d, money_buf, values, ints, currencies);
        int stop = cb(&row, payload);
        if (stop) {
            sqlite3_finalize(st);
            return rc_callback_stop(db, stop, "reading a report");
        }
    }
    if (step != SQLITE_DONE) rc = rc_fail_sql(db, "reading a report");
    sqlite3_finalize(st);
    return rc;
}

/* ---- job status --------------------------------------------------------------------- */

static int query_ints(recon_db *db, const char *sql, int64_t *out, int n) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, sql, &st);
    if (rc) return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < n; i++)
            out[i] = sqlite3_column_int64(st, i);
    } else {
        rc = rc_fail_sql(db, "reading the status");
    }
    sqlite3_finalize(st);
    return rc;
}

int recon_status_get(recon_db *db, recon_status *out) {
    rc_clear_error(db);
    if (!db || !out)
        return db ? rc_fail(db, RECON_EMISUSE, "recon_status_get: invalid argument")
                  : RECON_EMISUSE;
    int rc = rc_out_check(db, out, "recon_status_get", "recon_status");
    if (!rc) rc = rc_summary_refresh(db);
    if (rc) return rc;
    int64_t v[7] = {0};
    /* One query, so the figures are of one state of the database. */
    /* clang-format off */
    rc = query_ints(db,
                    /* v_unmatched's count and oldest, from the summaries */
                    "WITH u AS (SELECT coalesce(sum(transactions), 0) AS n,"
                    "   coalesce(max(age_days), -1) AS age FROM " RC_SQL_OPEN_CELLS() ")"
                    " SELECT u.n, u.age,"
                    " (SELECT count(*) FROM exceptions WHERE closed_at IS NULL),"
                    " (SELECT count(*) FROM failures WHERE resolved_at IS NULL),"
                    " (SELECT count(*) FROM v_payouts"
                    "  WHERE status NOT IN ('ok', 'late', 'in_transit')),"
                    " (SELECT coalesce(max(age_days), -1) FROM v_exceptions"
                    "  WHERE status = 'open'),"
                    " (SELECT count(*) FROM exceptions WHERE closed_at IS NULL"
                    "  AND assigned_to IS NULL) FROM u",
                    v, 7);
    /* clang-format on */
    if (rc) return rc;
    recon_status full = {.unmatched = v[0],
                         .oldest_unmatched_days = v[1],
                         .open_exceptions = v[2],
                         .open_failures = v[3],
                         .payouts_broken = v[4],
                         .oldest_exception_days = v[5],
                         .unassigned_exceptions = v[6]};
    static const size_t sizes[] = {0, offsetof(recon_status, oldest_exception_days), sizeof full};
    _Static_assert(sizeof sizes / sizeof *sizes == RECON_STATUS_VERSION + 1,
                   "a size for every version");
    rc_out_put(out, &full, RECON_STATUS_VERSION, sizes);
    return RECON_OK;
}
