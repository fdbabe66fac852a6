/* report: summaries over the stored data, for the CLI and for programs.
 * Reporting tools that query SQLite directly see the same figures. */
#include "internal.h"

int recon_summary_each(recon_db *db, int (*cb)(const recon_summary_row *row, void *payload),
                       void *payload) {
    if (!db || !cb)
        return rc_fail(db, RECON_EMISUSE, "recon_summary_each: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "WITH totals AS ("
                        "  SELECT source_id, currency, count(*) AS n, sum(amount_minor) AS amount,"
                        "         sum(net_minor) AS net"
                        "  FROM transactions GROUP BY source_id, currency)"
                        " SELECT s.name, s.type, coalesce(t.currency, ''), coalesce(t.n, 0),"
                        "  coalesce(t.amount, 0), coalesce(t.net, 0),"
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
            .amount_minor = sqlite3_column_int64(st, 4),
            .net_minor = sqlite3_column_int64(st, 5),
            .imports = sqlite3_column_int64(st, 6),
            .failures = sqlite3_column_int64(st, 7),
        };
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
