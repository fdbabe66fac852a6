/* report: what the report modules (report.c, flows.c, report_html.c)
 * share: the report filter as SQL, and its binding. */
#ifndef RECON_REPORT_H
#define RECON_REPORT_H

#include "store/sql.h"
#include "store/store.h"

/* A report filter as SQL over a day column and a source column: ?1
 * (from), ?2 (to) and ?3 (source), NULL meaning no narrowing; bound by
 * rc_bind_filter. */
#define RC_SQL_FILTER(day, source)                                                                 \
    " (?1 IS NULL OR " day " >= ?1) AND (?2 IS NULL OR " day " <= ?2)"                             \
    " AND (?3 IS NULL OR " source " = ?3) "

/* Binds a report filter to ?1 (from), ?2 (to) and ?3 (source), refusing
 * malformed days (report.c). */
int rc_bind_filter(recon_db *db, sqlite3_stmt *st, const recon_report_filter *f);

/* RECON_OK when v is a day SQLite reads back as itself: YYYY-MM-DD and a
 * real date (date() alone takes 2024-02-30 as it is; a modifier makes it
 * normalise); else RECON_EMISUSE, "WHAT: 'v' is not a YYYY-MM-DD date"
 * (settings, report filters and the journal all say it so), or the
 * statement's failure. */
int rc_check_day(recon_db *db, const char *what, const char *v);

#endif
