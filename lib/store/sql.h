/* sql: SQL fragments shared by the views (views.c) and the reports
 * (report/), so that a figure is computed one way wherever it is shown.
 * Plain text macros: no SQLite needed to include this. */
#ifndef RECON_STORE_SQL_H
#define RECON_STORE_SQL_H

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

#endif
