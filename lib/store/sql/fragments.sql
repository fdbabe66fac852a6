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

-- The status of transaction x (its id, amount_minor and match_id, its
-- active match: ACTIVE_MATCH), as v_transactions gives it, and what is
-- still open of it.
@define STATUS_OF(x)
(CASE WHEN x.match_id IS NOT NULL THEN @MATCHED_STATUS(x)
 WHEN EXISTS (SELECT 1 FROM ignores i WHERE i.transaction_id = x.id
 AND i.undone_at IS NULL) THEN 'ignored'
 WHEN EXISTS (SELECT 1 FROM exceptions e WHERE e.transaction_id = x.id
 AND e.closed_at IS NULL) THEN 'exception'
 ELSE 'unmatched' END)

@define REMAINING_OF(x)
(CASE WHEN x.match_id IS NULL THEN x.amount_minor
 WHEN @HAS_PARTS(x) THEN @OPEN_AMOUNT(x) ELSE 0 END)

-- A match's origin as the reporting interface gives it: the column, except
-- that a person's acceptance of a rule's suggestion reads 'reviewed'.
@define MATCH_ORIGIN(m)
(CASE WHEN EXISTS (SELECT 1 FROM suggestions sg_ WHERE sg_.match_id = m.id) THEN 'reviewed'
 ELSE m.origin END)

-- The last day of the closed books (docs/ACCOUNTING.md, "Closing a
-- period"): the latest close not reopened; NULL when none.
@define CLOSED_UNTIL()
(SELECT max(until_date) FROM period_closes WHERE reopened_at IS NULL)

-- Summaries (migration 12, docs/ARCHITECTURE.md "Summaries"). The
-- transactions of the blocks listed in table `blocks` (summary_dirty, or a
-- part of it being summarised), each with what the views say of
-- it: its status and what is open of it. (LIMIT -1 keeps SQLite from
-- flattening a subquery into the one that reads it, which would work the
-- active match out again for every mention of a column made from it.)
@define DIRTY_ROWS(blocks)
(SELECT x.block, x.source_id, date(x.occurred_at) AS day, x.currency, x.amount_minor,
 x.net_minor, @STATUS_OF(x) AS status, @REMAINING_OF(x) AS remaining_minor,
 x.id AS transaction_id
 FROM (SELECT d.block, t.id, t.source_id, t.currency, t.amount_minor, t.net_minor,
 t.occurred_at,
 @ACTIVE_MATCH(t) AS match_id
 FROM @ROWS_OF_BLOCKS(blocks) LIMIT -1) x LIMIT -1)

-- The rows with a payout id of the dirty blocks, each with its active match.
@define DIRTY_PAYOUT_ROWS(blocks)
(SELECT d.block, t.id, t.source_id, t.group_id, t.currency, t.kind, t.amount_minor,
 t.fee_minor, t.net_minor, date(coalesce(t.settled_at, t.occurred_at)) AS payout_day,
 @ACTIVE_MATCH(t) AS match_id
 FROM @ROWS_OF_BLOCKS(blocks)
 WHERE t.group_id IS NOT NULL AND t.group_id <> '' LIMIT -1)

-- The blocks of table `blocks` as d, each with its transactions as t.
@define ROWS_OF_BLOCKS(blocks)
blocks d JOIN transactions t ON @IN_BLOCK(t.id, d)

-- Transaction id `id` is in block d.block: a block is a range of rowids,
-- which an index on them finds.
@define IN_BLOCK(id, d)
(id >= d.block * 1024 AND id < d.block * 1024 + 1024)

-- A status that leaves a transaction to work on (v_unmatched's rows).
-- IN, not OR: each mention of status would evaluate its subqueries again.
@define IS_OPEN(status)
status IN ('unmatched', 'exception', 'partially_matched')

-- The active match of transaction t (the first, when parts of it are in
-- several), NULL when none.
@define ACTIVE_MATCH(t)
(SELECT min(mi.match_id) FROM match_items mi JOIN matches m ON m.id = mi.match_id
 WHERE mi.transaction_id = t.id AND m.undone_at IS NULL)

-- The status cells of the dirty rows, as summary_cells holds them.
@define STATUS_CELLS_OF(blocks)
@STATUS_CELLS_FROM(@DIRTY_ROWS(blocks))

-- The same, of rows already worked out (DIRTY_ROWS' columns).
@define STATUS_CELLS_FROM(dirty)
(SELECT r.block, r.source_id, r.day, r.currency, r.status, count(*) AS transactions,
 sum(r.amount_minor >> 32) AS amount_hi, sum(r.amount_minor & 4294967295) AS amount_lo,
 sum(r.net_minor >> 32) AS net_hi, sum(r.net_minor & 4294967295) AS net_lo,
 count(r.remaining_minor) AS remaining_n, sum(r.remaining_minor >> 32) AS remaining_hi,
 sum(r.remaining_minor & 4294967295) AS remaining_lo,
 count(@ABS(r.remaining_minor)) AS gross_n, sum(@ABS(r.remaining_minor) >> 32) AS gross_hi,
 sum(@ABS(r.remaining_minor) & 4294967295) AS gross_lo
 FROM dirty r GROUP BY 1, 2, 3, 4, 5)

-- The payout cells of the dirty rows with a payout id, as payout_cells
-- holds them.
@define PAYOUT_CELLS_OF(blocks)
(SELECT r.block, r.source_id, r.group_id, r.currency, r.match_id,
 count(*) FILTER (WHERE r.kind <> 'payout') AS items,
 sum(r.amount_minor >> 32) FILTER (WHERE r.kind <> 'payout') AS gross_hi,
 sum(r.amount_minor & 4294967295) FILTER (WHERE r.kind <> 'payout') AS gross_lo,
 sum(r.fee_minor >> 32) FILTER (WHERE r.kind <> 'payout') AS fee_hi,
 sum(r.fee_minor & 4294967295) FILTER (WHERE r.kind <> 'payout') AS fee_lo,
 sum(r.net_minor >> 32) FILTER (WHERE r.kind <> 'payout') AS net_hi,
 sum(r.net_minor & 4294967295) FILTER (WHERE r.kind <> 'payout') AS net_lo,
 count(*) FILTER (WHERE r.kind = 'payout') AS payouts,
 min(r.id) FILTER (WHERE r.kind = 'payout') AS payout_transaction_id,
 sum(r.amount_minor >> 32) FILTER (WHERE r.kind = 'payout') AS payout_hi,
 sum(r.amount_minor & 4294967295) FILTER (WHERE r.kind = 'payout') AS payout_lo,
 max(r.payout_day) FILTER (WHERE r.kind = 'payout') AS payout_row_day,
 max(r.payout_day) AS items_day, min(r.id) AS any_id
 FROM @DIRTY_PAYOUT_ROWS(blocks) r GROUP BY 1, 2, 3, 4, 5)

-- Every status cell, exact whatever is dirty: the stored cells of clean
-- blocks and those of dirty blocks worked out now.
@define STATUS_CELLS()
(SELECT * FROM summary_cells WHERE block NOT IN (SELECT block FROM summary_dirty)
 UNION ALL SELECT * FROM @STATUS_CELLS_OF(summary_dirty))

@define PAYOUT_CELLS()
(SELECT * FROM payout_cells WHERE block NOT IN (SELECT block FROM summary_dirty)
 UNION ALL SELECT * FROM @PAYOUT_CELLS_OF(summary_dirty))

-- The total of the cells where f holds, from their sums of high and low
-- bits (SUM_HI_LO over cells): a REAL when it leaves int64.
@define CELL_HI_LO(hi, lo, f)
(sum(hi) FILTER (WHERE f) * 4294967296 + sum(lo) FILTER (WHERE f))

-- A sum over cells, as SUM_F gives it over their rows: 0 over no rows, NULL
-- when a value is unknown (v of n known) or the total leaves int64.
@define CELL_SUM(n, v, hi, lo, f)
(CASE WHEN coalesce(sum(n) FILTER (WHERE f), 0) = 0 THEN 0
 WHEN sum(v) FILTER (WHERE f) < sum(n) FILTER (WHERE f) THEN NULL
 WHEN typeof(@CELL_HI_LO(hi, lo, f)) = 'integer' THEN @CELL_HI_LO(hi, lo, f) END)

-- An open transaction's age bucket.
@define AGE_BUCKET(age)
(CASE WHEN (age) <= 2 THEN '0-2' WHEN (age) <= 7 THEN '3-7'
 WHEN (age) <= 30 THEN '8-30' ELSE 'over 30' END)

-- Every cell with its source's name and its age on the as-of day.
@define AGED_CELLS()
(SELECT c.*, @AGE_BUCKET(c.age_days) AS age_bucket
 FROM (SELECT s.name AS source, c.*,
 CAST(julianday(rs.as_of) - julianday(c.day) AS INTEGER) AS age_days
 FROM @STATUS_CELLS() c JOIN sources s ON s.id = c.source_id
 CROSS JOIN v_report_settings rs) c)

-- The cells of what is still open (v_unmatched's rows, summed by source,
-- day, currency and status).
@define OPEN_CELLS()
(SELECT * FROM @AGED_CELLS()
 WHERE @IS_OPEN(status) AND age_days >= 0)

-- The transactions that may be open: those a clean block's summary lists
-- as open (summary_open, migration 14), and every row of a dirty block. A
-- listing of open rows works the status out for those only.
@define OPEN_IDS()
(SELECT o.transaction_id FROM summary_open o
 WHERE o.transaction_id >> 10 NOT IN (SELECT block FROM summary_dirty)
 UNION ALL SELECT t.id FROM @ROWS_OF_BLOCKS(summary_dirty))
