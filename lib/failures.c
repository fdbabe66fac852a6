/* failures: the failure log. Rejected rows are written by ingest inside
 * the import's transaction; this module reads them back for the CLI and
 * for programs. */
#include <string.h>

#include "internal.h"

static const char *col_text(sqlite3_stmt *st, int i) {
    return (const char *)sqlite3_column_text(st, i);
}

int recon_failures_each(recon_db *db, const recon_failure_filter *filter,
                        int (*cb)(const recon_failure *failure, void *payload), void *payload) {
    if (!db || !cb || (filter && filter->version != RECON_FAILURE_FILTER_VERSION))
        return rc_fail(db, RECON_EMISUSE, "recon_failures_each: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "SELECT f.id, f.import_id, s.name, i.file_name, f.line, f.field,"
                        " f.column_name, f.reason, f.message, f.raw, f.created_at"
                        " FROM failures f"
                        " LEFT JOIN sources s ON s.id = f.source_id"
                        " LEFT JOIN imports i ON i.id = f.import_id"
                        " WHERE ?1 = 0 OR f.import_id = ?1"
                        " ORDER BY f.id",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, filter ? filter->import_id : 0);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_failure f = {
            .id = sqlite3_column_int64(st, 0),
            .import_id = sqlite3_column_int64(st, 1),
            .source = col_text(st, 2),
            .file_name = col_text(st, 3),
            .line = sqlite3_column_int64(st, 4),
            .field = col_text(st, 5),
            .column = col_text(st, 6),
            .reason = col_text(st, 7),
            .message = col_text(st, 8),
            .raw = col_text(st, 9),
            .created_at = col_text(st, 10),
        };
        int stop = cb(&f, payload);
        if (stop) {
            sqlite3_finalize(st);
            return stop;
        }
    }
    if (step != SQLITE_DONE)
        rc = rc_fail_sql(db, "reading failures");
    sqlite3_finalize(st);
    return rc;
}
