/* report: summaries over the stored data, for the CLI and for programs.
 * Reporting tools that query SQLite directly see the same figures. */
#include "internal.h"

/* Each sum comes from SQLite in two halves, the high 32 bits (signed) and
 * the low 32 bits of every value added up separately, because sum() stops
 * the whole query with "integer overflow" when a total leaves int64_t: one
 * hostile file could otherwise break the summary of every source. Neither
 * half can overflow below 2^31 rows; joining them is checked here. */
#define SPLIT_SUM(col)                                                                             \
    "sum(" col " >> 32) AS " col "_hi, sum(" col " & 4294967295) AS " col "_lo"

static int join_halves(int64_t hi, int64_t lo, int64_t *out) {
    int64_t v;
    if (hi > INT32_MAX || hi < INT32_MIN)
        return -1;
    v = hi * (INT64_C(1) << 32); /* |hi| < 2^31: cannot overflow */
    return __builtin_add_overflow(v, lo, out) ? -1 : 0;
}

int recon_summary_each(recon_db *db, int (*cb)(const recon_summary_row *row, void *payload),
                       void *payload) {
    if (!db || !cb)
        return rc_fail(db, RECON_EMISUSE, "recon_summary_each: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "WITH totals AS ("
                        "  SELECT source_id, currency, count(*) AS n, " SPLIT_SUM("amount_minor") ","
                        "         " SPLIT_SUM("net_minor")
                        "  FROM transactions GROUP BY source_id, currency)"
                        " SELECT s.name, s.type, coalesce(t.currency, ''), coalesce(t.n, 0),"
                        "  coalesce(t.amount_minor_hi, 0), coalesce(t.amount_minor_lo, 0),"
                        "  coalesce(t.net_minor_hi, 0), coalesce(t.net_minor_lo, 0),"
                        "  (SELECT count(*) FROM imports i WHERE i.source_id = s.id),"
                        /* What still needs looking at, of every origin: the number
                         * `failures list --source S --open` lists. */
                        "  (SELECT count(*) FROM failures f WHERE f.source_id = s.id"
                        "   AND f.resolved_at IS NULL)"
                        " FROM sources s LEFT JOIN totals t ON t.source_id = s.id"
                        " ORDER BY s.name, t.currency",
                        &st);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_summary_row row = {
            .source = (const char *)sqlite3_column_text(st, 0),
            .source_type = (const char *)sqlite3_column_text(st, 1),
            .currency = (const char *)sqlite3_column_text(st, 2),
            .transactions = sqlite3_column_int64(st, 3),
            .imports = sqlite3_column_int64(st, 8),
            .failures = sqlite3_column_int64(st, 9),
        };
        if (join_halves(sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
                        &row.amount_minor) ||
            join_halves(sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7), &row.net_minor)) {
            row.amount_minor = row.net_minor = 0;
            row.overflow = 1;
        }
        int stop = cb(&row, payload);
        if (stop) {
            sqlite3_finalize(st);
            return stop;
        }
    }
    if (step != SQLITE_DONE)
        rc = rc_fail_sql(db, "reading the summary");
    sqlite3_finalize(st);
    return rc;
}
