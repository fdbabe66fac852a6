/* sql: the SQL fragments shared by the views (lib/store/sql/views.sql)
 * and the reports (report/), so that a figure is computed one way wherever
 * it is shown. They are defined once, in lib/store/sql/fragments.sql;
 * scripts/sqlembed.py expands them into the views and writes them here as
 * C string macros, RC_SQL_NAME(args) with string-literal arguments:
 *
 *   RC_SQL_SUM_F(x, f)    sum of x where f: 0 for none, NULL past int64
 *   RC_SQL_SUM(x)         the same over every row
 *   RC_SQL_ABS(x)         |x|, NULL for INT64_MIN
 *   RC_SQL_MATCH_RATE(m, n)  '98.4%', never 100.0% nor 0.0% unless exact
 *   RC_SQL_MAJOR_IN(cu, x), RC_SQL_MAJOR(x)  minor units as exact text
 *   RC_SQL_CLOSED_UNTIL()  the last day of the closed books, NULL when none
 *
 * Plain text: no SQLite needed to include this. */
#ifndef RECON_STORE_SQL_H
#define RECON_STORE_SQL_H

#include "store/sql_fragments.h"

#endif
