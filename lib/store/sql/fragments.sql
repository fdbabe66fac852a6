-- SQL fragments: expressions the views (views.sql) and the reports
-- (lib/report/) share, so that a figure is computed one way wherever it is
-- shown. scripts/sqlembed.py expands a use, @NAME(arg, ...), by putting
-- each argument's text where its parameter stands (whole words), in
-- views.sql at build time and, for C, as the string macro RC_SQL_NAME in the
-- generated sql_fragments.h (store/sql.h includes it).
--
-- A definition is one "@define NAME(params) body" block: the body runs to
-- the next blank line or definition; "--" lines are comments.

-- Matched / all as a percentage with one decimal, '98.4%': tenths rounded
-- half up, but never 100.0% while something is unmatched nor 0.0% once
-- something matched (a reader takes those for "all" and "none"); NULL when
-- all is 0.
@define MATCH_RATE(matched, all)
(SELECT printf('%d.%d%%', r / 10, r % 10) FROM (SELECT CASE
 WHEN (matched) < (all) AND ((matched) * 1000 + (all) / 2) / (all) = 1000 THEN 999
 WHEN (matched) > 0 AND ((matched) * 1000 + (all) / 2) / (all) = 0 THEN 1
 ELSE ((matched) * 1000 + (all) / 2) / (all) END AS r))

-- Sums of money that never stop a query. SQLite's sum() fails the whole
-- statement with "integer overflow" when a total leaves int64, so one file
-- of absurd amounts would take every report down. These add the high and
-- low 32 bits apart (neither can overflow) and join them with SQLite's
-- arithmetic, which turns an overflow into a REAL that typeof() tells
-- apart. SUM_F(x, f) is the sum of x over the rows where f holds: 0 when
-- there are none, NULL when the total leaves int64 or an x is NULL (an
-- unknown part makes the whole unknown), never a wrapped or partial number.
@define SUM_HI_LO(x, f)
(sum((x) >> 32) FILTER (WHERE f) * 4294967296 + sum((x) & 4294967295) FILTER (WHERE f))

@define SUM_F(x, f)
(CASE WHEN count(*) FILTER (WHERE f) = 0 THEN 0
 WHEN count(x) FILTER (WHERE f) < count(*) FILTER (WHERE f) THEN NULL
 WHEN typeof(@SUM_HI_LO(x, f)) = 'integer' THEN @SUM_HI_LO(x, f) END)

@define SUM(x)
@SUM_F(x, 1)

-- A payout row's amount: NULL without a payout row (SUM_F would say 0) or
-- past int64.
@define PAYOUT_SUM(x, f)
CASE WHEN typeof(@SUM_HI_LO(x, f)) = 'integer' THEN @SUM_HI_LO(x, f) END

-- |x|, NULL for INT64_MIN (its magnitude is no int64).
@define ABS(x)
(CASE WHEN (x) = -9223372036854775807 - 1 THEN NULL WHEN (x) < 0 THEN -(x) ELSE (x) END)

-- A money column as exact text in major units, '-12.05' for -1205 EUR,
-- with the currency's row of `currencies` joined as cu. Division and
-- remainder rather than abs(x), which overflows on INT64_MIN.
@define MAJOR_IN(cu, x)
CASE WHEN (x) IS NULL THEN NULL WHEN cu.exponent = 0 THEN printf('%d', x)
 ELSE printf('%s%d.%0*d', iif(x < 0, '-', ''), abs((x) / cu.unit), cu.exponent,
 abs((x) % cu.unit)) END

@define MAJOR(x)
@MAJOR_IN(cu, x)

-- What of transaction x its active matches leave open: its amount less
-- what each takes (an allocation, else the whole amount). 0 for a
-- transaction matched in full, its amount for one in no match.
@define OPEN_AMOUNT(x)
(x.amount_minor - (SELECT coalesce(sum(coalesce(al.amount_minor, x.amount_minor)), 0)
 FROM match_items mi_ JOIN matches m_ ON m_.id = mi_.match_id AND m_.undone_at IS NULL
 LEFT JOIN allocations al ON al.match_id = mi_.match_id AND al.transaction_id = mi_.transaction_id
 WHERE mi_.transaction_id = x.id))

-- Whether transaction x has a part taken by some match. The first test,
-- not correlated, SQLite runs once per statement: a database without
-- partial matches pays nothing per row.
@define HAS_PARTS(x)
(EXISTS (SELECT 1 FROM allocations)
 AND EXISTS (SELECT 1 FROM allocations a_ WHERE a_.transaction_id = x.id))

-- A transaction in an active match: matched, or partially_matched when its
-- matches take part of it only (only a transaction with an allocation can
-- be).
@define MATCHED_STATUS(x)
(CASE WHEN @HAS_PARTS(x) AND @OPEN_AMOUNT(x) <> 0 THEN 'partially_matched' ELSE 'matched' END)

-- A match's origin as the reporting interface gives it: the column, except
-- that a person's acceptance of a rule's suggestion reads 'reviewed'.
@define MATCH_ORIGIN(m)
(CASE WHEN EXISTS (SELECT 1 FROM suggestions sg_ WHERE sg_.match_id = m.id) THEN 'reviewed'
 ELSE m.origin END)

-- The last day of the closed books (docs/ACCOUNTING.md, "Closing a
-- period"): the latest close not reopened; NULL when none.
@define CLOSED_UNTIL()
(SELECT max(until_date) FROM period_closes WHERE reopened_at IS NULL)
