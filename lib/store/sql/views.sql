-- The views: the derived part of the schema. Tables change only through the
-- append-only migrations beside this file; views hold no data, so they are
-- defined here once and re-created whenever this file's compiled text
-- changes (the library compares its SHA-256 with meta.views_sha256), which
-- lets a view be fixed without stranding any database (docs/UPGRADING.md).
--
-- The reporting views are a public, versioned interface (docs/REPORTING.md):
-- columns are only ever added at the end, and meta.views_version says which
-- documented version a database has. Report settings live in meta so that a
-- reporting tool reading the views sees the figures the CLI prints.
--
-- Each statement is "CREATE VIEW name AS ...", ending with ";" on its line,
-- in creation order (a view after those it reads); @NAME(...) uses a
-- fragment of fragments.sql. Comments above a statement stay here; those
-- inside it are kept in the database, where .schema shows them.

CREATE VIEW v_transaction_status AS
  SELECT t.id AS transaction_id,
    CASE WHEN EXISTS (SELECT 1 FROM match_items mi JOIN matches m ON m.id = mi.match_id
                      WHERE mi.transaction_id = t.id AND m.undone_at IS NULL)
           THEN @MATCHED_STATUS(t)
         WHEN EXISTS (SELECT 1 FROM ignores i WHERE i.transaction_id = t.id
                      AND i.undone_at IS NULL) THEN 'ignored'
         WHEN EXISTS (SELECT 1 FROM exceptions e WHERE e.transaction_id = t.id
                      AND e.closed_at IS NULL) THEN 'exception'
         ELSE 'unmatched' END AS status
  FROM transactions t;

-- Open failures by unified code and provider.
CREATE VIEW v_failures_summary AS
  SELECT unified_code, category, provider, count(*) AS failures,
         sum(occurrences) AS occurrences, min(first_seen) AS first_seen,
         max(last_seen) AS last_seen
  FROM failures WHERE resolved_at IS NULL
  GROUP BY unified_code, category, provider;

-- One row: the date ages count to (today's UTC date unless 'report.as_of'
-- pins it, e.g. to a month end) and the days after which a payout that has
-- not reached the bank is late.
CREATE VIEW v_report_settings AS SELECT
  coalesce((SELECT value FROM meta WHERE key = 'report.as_of'), date('now')) AS as_of,
  coalesce((SELECT CAST(value AS INTEGER) FROM meta
            WHERE key = 'report.payout_late_days'), 3) AS payout_late_days;

-- Every stored transaction with its source, status and age.
CREATE VIEW v_transactions AS
  SELECT x.id AS transaction_id, s.name AS source, s.type AS source_type,
    x.import_id, x.line, x.external_id, x.kind, x.group_id, x.reference,
    x.description, x.counterparty, date(x.occurred_at) AS day, x.occurred_at,
    x.settled_at, x.currency, cu.exponent, x.amount_minor, x.fee_minor, x.net_minor,
    @MAJOR(x.amount_minor) AS amount,
    @MAJOR(x.net_minor) AS net,
    @STATUS_OF(x) AS status,
    x.match_id,
    CAST(julianday(rs.as_of) - julianday(date(x.occurred_at)) AS INTEGER) AS age_days,
    @REMAINING_OF(x) AS remaining_minor
  FROM (SELECT t.*, @ACTIVE_MATCH(t) AS match_id FROM transactions t) x
  JOIN sources s ON s.id = x.source_id
  LEFT JOIN currencies cu ON cu.code = x.currency
  CROSS JOIN v_report_settings rs;

-- What still needs reconciling: unmatched, or held in an open
-- exception.
CREATE VIEW v_unmatched AS
  SELECT transaction_id, source, source_type, external_id, kind, group_id, reference,
    description, day, currency, exponent, amount_minor, amount, status, age_days,
    CASE WHEN age_days <= 2 THEN '0-2' WHEN age_days <= 7 THEN '3-7'
         WHEN age_days <= 30 THEN '8-30' ELSE 'over 30' END AS age_bucket,
    -- (the remainder is worked out only for rows with parts: once per
    -- statement, SQLite learns there are none)
    CASE WHEN EXISTS (SELECT 1 FROM allocations)
              AND EXISTS (SELECT 1 FROM allocations a WHERE a.transaction_id = v_transactions.transaction_id)
         THEN remaining_minor ELSE amount_minor END AS remaining_minor
  -- Only the rows that may be open (OPEN_IDS: those the summaries list,
  -- and those of dirty blocks) are read and have their status worked out.
  FROM v_transactions
  WHERE transaction_id IN @OPEN_IDS() AND @IS_OPEN(status) AND age_days >= 0;

-- Read from the summaries (STATUS_CELLS): the open transactions by age,
-- without reading them.
CREATE VIEW v_aging AS
  SELECT a.source, a.currency, a.age_bucket,
    CASE a.age_bucket WHEN '0-2' THEN 1 WHEN '3-7' THEN 2 WHEN '8-30' THEN 3 ELSE 4 END
      AS bucket_order,
    a.items, a.amount_minor, a.gross_minor,
    @MAJOR(a.amount_minor) AS amount,
    @MAJOR(a.gross_minor) AS gross,
    a.oldest_day
  FROM (SELECT source, currency, age_bucket, sum(transactions) AS items,
          @CELL_SUM(transactions, remaining_n, remaining_hi, remaining_lo, 1) AS amount_minor,
          @CELL_SUM(transactions, gross_n, gross_hi, gross_lo, 1) AS gross_minor,
          min(day) AS oldest_day
        FROM @OPEN_CELLS() GROUP BY source, currency, age_bucket) a
  LEFT JOIN currencies cu ON cu.code = a.currency;

CREATE VIEW v_exceptions AS
  SELECT e.id AS exception_id, e.run_id, e.rule, e.reason,
    CASE WHEN e.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,
    e.transaction_id, s.name AS source, t.external_id, t.kind,
    date(t.occurred_at) AS day, t.currency, t.amount_minor,
    @MAJOR(t.amount_minor) AS amount,
    e.candidates, e.created_at, e.closed_at, e.closed_by_run,
    e.assigned_to, e.resolution, e.resolved_by,
    CAST(julianday(rs.as_of) - julianday(date(t.occurred_at)) AS INTEGER) AS age_days,
    CAST(julianday(rs.as_of) - julianday(date(e.created_at)) AS INTEGER) AS open_days,
    (SELECT count(*) FROM work_log w WHERE w.exception_id = e.id AND w.action = 'comment')
      AS comments
  FROM exceptions e
  JOIN transactions t ON t.id = e.transaction_id
  JOIN sources s ON s.id = t.source_id
  LEFT JOIN currencies cu ON cu.code = t.currency
  CROSS JOIN v_report_settings rs;

CREATE VIEW v_matches AS
  SELECT m.id AS match_id, m.run_id, m.rule,
    @MATCH_ORIGIN(m) AS origin,
    CASE WHEN m.undone_at IS NULL THEN 'active' ELSE 'undone' END AS status,
    m.score, m.evidence, m.created_at, m.created_by, m.note, m.forced,
    m.undone_at, m.undone_by, m.undo_note,
    a.left_source, a.right_source, a.left_items, a.right_items, a.currency,
    a.left_amount_minor, a.left_net_minor, a.right_amount_minor, a.right_net_minor,
    a.first_day, a.last_day,
    v.kind AS variance_kind, v.difference_minor AS variance_minor
  FROM matches m LEFT JOIN match_variances v ON v.match_id = m.id LEFT JOIN (
    SELECT mi.match_id,
      min(s.name) FILTER (WHERE mi.side = 'left') AS left_source,
      min(s.name) FILTER (WHERE mi.side = 'right') AS right_source,
      count(*) FILTER (WHERE mi.side = 'left') AS left_items,
      count(*) FILTER (WHERE mi.side = 'right') AS right_items,
      min(t.currency) AS currency,
      @SUM_F(t.amount_minor, mi.side = 'left') AS left_amount_minor,
      @SUM_F(t.net_minor, mi.side = 'left') AS left_net_minor,
      @SUM_F(t.amount_minor, mi.side = 'right') AS right_amount_minor,
      @SUM_F(t.net_minor, mi.side = 'right') AS right_net_minor,
      min(date(t.occurred_at)) AS first_day, max(date(t.occurred_at)) AS last_day
    FROM match_items mi
    JOIN transactions t ON t.id = mi.transaction_id
    JOIN sources s ON s.id = t.source_id
    GROUP BY mi.match_id) a ON a.match_id = m.id;

-- Read from the summaries (STATUS_CELLS), not from every transaction.
CREATE VIEW v_daily_summary AS
  SELECT s.name AS source, d.day, d.currency, d.transactions, d.matched_count, d.matched_minor,
    d.unmatched_count, d.unmatched_minor, d.exception_count, d.exception_minor,
    d.ignored_count, d.ignored_minor,
    @MAJOR(d.matched_minor) AS matched,
    @MAJOR(d.unmatched_minor) AS unmatched,
    @MAJOR(d.exception_minor) AS exception,
    d.partial_count, d.partial_open_minor
  FROM (SELECT source_id, day, currency, sum(transactions) AS transactions,
          coalesce(sum(transactions) FILTER (WHERE status = 'matched'), 0) AS matched_count,
          @CELL_SUM(transactions, transactions, amount_hi, amount_lo, status = 'matched')
            AS matched_minor,
          coalesce(sum(transactions) FILTER (WHERE status = 'unmatched'), 0) AS unmatched_count,
          @CELL_SUM(transactions, transactions, amount_hi, amount_lo, status = 'unmatched')
            AS unmatched_minor,
          coalesce(sum(transactions) FILTER (WHERE status = 'exception'), 0) AS exception_count,
          @CELL_SUM(transactions, transactions, amount_hi, amount_lo, status = 'exception')
            AS exception_minor,
          coalesce(sum(transactions) FILTER (WHERE status = 'ignored'), 0) AS ignored_count,
          @CELL_SUM(transactions, transactions, amount_hi, amount_lo, status = 'ignored')
            AS ignored_minor,
          coalesce(sum(transactions) FILTER (WHERE status = 'partially_matched'), 0)
            AS partial_count,
          @CELL_SUM(transactions, remaining_n, remaining_hi, remaining_lo,
            status = 'partially_matched') AS partial_open_minor
        FROM @STATUS_CELLS() GROUP BY source_id, day, currency) d
  JOIN sources s ON s.id = d.source_id
  LEFT JOIN currencies cu ON cu.code = d.currency;

-- Payout flows: one row per PSP payout (group id) and currency. The
-- classes and their amounts are documented in docs/REPORTING.md;
-- recon_flows_check reads this view.
CREATE VIEW v_payouts AS
  -- The PSP rows with a payout id, from the summaries (PAYOUT_CELLS):
  -- per payout, currency and active match.
  WITH pc AS MATERIALIZED (SELECT c.* FROM @PAYOUT_CELLS() c
    WHERE c.source_id IN (SELECT id FROM sources WHERE type = 'psp')),
  g AS (
    SELECT source_id, group_id, currency, sum(items) AS items,
  -- 0 when there are no items; NULL when their sum leaves int64.
      @CELL_SUM(items, items, gross_hi, gross_lo, 1) AS items_gross_minor,
      @CELL_SUM(items, items, fee_hi, fee_lo, 1) AS items_fee_minor,
      @CELL_SUM(items, items, net_hi, net_lo, 1) AS items_net_minor,
      min(payout_transaction_id) AS payout_transaction_id,
  -- The payout row's amount, sign turned (INT64_MIN has no opposite);
  -- NULL without a payout row.
      CASE WHEN sum(payouts) > 0 AND typeof(-@CELL_HI_LO(payout_hi, payout_lo, 1)) = 'integer'
        THEN -@CELL_HI_LO(payout_hi, payout_lo, 1) END AS payout_minor,
      max(payout_row_day) AS payout_row_day,
      max(items_day) AS items_day
    FROM pc GROUP BY source_id, group_id, currency),
  -- Per payout id: how many currencies, and the payout row's currency.
  gc AS (SELECT source_id, group_id, count(*) AS currencies,
           min(currency) FILTER (WHERE payout_transaction_id IS NOT NULL) AS payout_currency
         FROM g GROUP BY source_id, group_id),
  -- The bank records in active matches with any row of the payout:
  -- per (payout, match), one of its rows tells the payout's side, and
  -- the other side's bank rows are the credit. A credit dated after the
  -- as-of day has not arrived yet.
  gm AS (SELECT source_id, group_id, currency, match_id, min(any_id) AS any_id FROM pc
         WHERE match_id IS NOT NULL GROUP BY source_id, group_id, currency, match_id),
  l AS (SELECT DISTINCT gm.source_id, gm.group_id, gm.currency, mb.transaction_id AS bank_id
    FROM gm JOIN match_items me ON me.match_id = gm.match_id AND me.transaction_id = gm.any_id
    JOIN match_items mb ON mb.match_id = gm.match_id AND mb.side <> me.side
    JOIN transactions b ON b.id = mb.transaction_id
    JOIN sources bs ON bs.id = b.source_id AND bs.type = 'bank'
    WHERE date(b.occurred_at) <= (SELECT as_of FROM v_report_settings)),
  -- A credit that pays several payouts (one transfer for two, matched
  -- by hand) is shared out, never counted whole against each: every
  -- payout takes what it expected, the last (by source, id, currency)
  -- the rest, so a difference shows once and the shares add up to the
  -- credit.
  le AS (SELECT l.*, coalesce(g.payout_minor, g.items_net_minor) AS exp,
      count(*) OVER w AS n, row_number() OVER (w ORDER BY l.source_id, l.group_id,
        l.currency) AS k,
      CASE WHEN count(coalesce(g.payout_minor, g.items_net_minor)) OVER w < count(*) OVER w
        THEN NULL
        WHEN typeof(sum(coalesce(g.payout_minor, g.items_net_minor) >> 32) OVER w
        * 4294967296 + sum(coalesce(g.payout_minor, g.items_net_minor) & 4294967295) OVER w)
        = 'integer' THEN sum(coalesce(g.payout_minor, g.items_net_minor) >> 32) OVER w
        * 4294967296 + sum(coalesce(g.payout_minor, g.items_net_minor) & 4294967295) OVER w
        END AS exp_all
    FROM l JOIN g ON g.source_id = l.source_id AND g.group_id = l.group_id
      AND g.currency = l.currency
    WINDOW w AS (PARTITION BY l.bank_id)),
  bk AS (SELECT le.source_id, le.group_id, le.currency, count(*) AS bank_records,
           min(b.id) AS bank_transaction_id,
           @SUM(CASE WHEN le.n = 1 THEN b.amount_minor WHEN le.k < le.n THEN le.exp
               ELSE b.amount_minor - (le.exp_all - le.exp) END) AS bank_share,
           max(le.n) AS bank_shared,
           min(b.currency) AS bank_currency, max(b.currency) AS bank_currency_max,
           max(date(b.occurred_at)) AS bank_day
         FROM le JOIN transactions b ON b.id = le.bank_id
         GROUP BY le.source_id, le.group_id, le.currency),
  -- Open import rejects of a PSP's rows (ingest records the group id,
  -- currency and figures of a rejected row in its context); the size of
  -- each net mismatch, so two cannot cancel out.
  rj AS (SELECT f.source_id, json_extract(f.context, '$.group_id') AS group_id,
           json_extract(f.context, '$.currency') AS currency, count(*) AS rejected_items,
           count(*) FILTER (WHERE f.provider_code = 'net_mismatch') AS fee_mismatch_items,
  -- max(d, -d), not abs(d): abs() of INT64_MIN is an error.
           coalesce(sum(max(json_extract(f.context, '$.amount_minor')
             - json_extract(f.context, '$.fee_minor') - json_extract(f.context, '$.net_minor'),
             json_extract(f.context, '$.fee_minor') + json_extract(f.context, '$.net_minor')
             - json_extract(f.context, '$.amount_minor')))
             FILTER (WHERE f.provider_code = 'net_mismatch'), 0) AS fee_mismatch_minor
         FROM failures f JOIN sources s ON s.id = f.source_id AND s.type = 'psp'
         WHERE f.origin = 'import' AND f.resolved_at IS NULL AND json_valid(f.context)
         GROUP BY 1, 2, 3),
  -- Every payout: the stored ones, and those known only from rejected
  -- rows (all of a payout's rows refused must not hide it).
  k AS (SELECT g.*, 0 AS nothing_stored FROM g
        UNION ALL SELECT rj.source_id, rj.group_id, rj.currency, 0, 0, 0, 0, NULL, NULL,
          NULL, NULL, 1 FROM rj
        WHERE rj.group_id IS NOT NULL AND rj.currency IS NOT NULL AND NOT EXISTS (SELECT 1
          FROM g WHERE g.source_id = rj.source_id AND g.group_id = rj.group_id
          AND g.currency = rj.currency)),
  -- A reject whose currency could not be read counts in every currency
  -- of its payout.
  rjg AS (SELECT k.source_id, k.group_id, k.currency, sum(rj.rejected_items) AS rejected_items,
            sum(rj.fee_mismatch_items) AS fee_mismatch_items,
            sum(rj.fee_mismatch_minor) AS fee_mismatch_minor
          FROM k JOIN rj ON rj.source_id = k.source_id AND rj.group_id = k.group_id
            AND (rj.currency = k.currency OR rj.currency IS NULL)
          GROUP BY k.source_id, k.group_id, k.currency),
  p AS (SELECT s.name AS source, k.group_id AS payout_id, k.currency,
      k.payout_transaction_id, coalesce(k.payout_row_day, k.items_day) AS payout_day,
  -- Sums are NULL when they leave int64, never 0 (a payout with nothing
  -- stored has 0 items and 0 of each).
      k.payout_minor, k.items, k.items_gross_minor, k.items_fee_minor, k.items_net_minor,
      CASE WHEN k.nothing_stored THEN 0 WHEN k.payout_transaction_id IS NOT NULL
        THEN k.payout_minor ELSE k.items_net_minor END AS expected_minor,
      k.nothing_stored,
      coalesce(rj.rejected_items, 0) AS rejected_items,
      coalesce(rj.fee_mismatch_items, 0) AS fee_mismatch_items,
      coalesce(rj.fee_mismatch_minor, 0) AS fee_mismatch_minor,
      bk.bank_transaction_id, bt.external_id AS bank_external_id,
      coalesce(bk.bank_records, 0) AS bank_records, bk.bank_day, bk.bank_currency,
  -- Amounts in two currencies do not add up: no bank amount then.
      CASE WHEN bk.bank_currency = bk.bank_currency_max THEN bk.bank_share END AS bank_minor,
      bk.bank_currency_max, coalesce(bk.bank_shared, 0) AS bank_shared,
      coalesce(gc.currencies, 1) AS currencies, gc.payout_currency, rs.as_of,
      rs.payout_late_days
    FROM k JOIN sources s ON s.id = k.source_id
    LEFT JOIN gc ON gc.source_id = k.source_id AND gc.group_id = k.group_id
    LEFT JOIN bk ON bk.source_id = k.source_id AND bk.group_id = k.group_id
      AND bk.currency = k.currency
    LEFT JOIN transactions bt ON bt.id = bk.bank_transaction_id
    LEFT JOIN rjg rj ON rj.source_id = k.source_id AND rj.group_id = k.group_id
      AND rj.currency = k.currency
    CROSS JOIN v_report_settings rs),
  -- Which classes break the chain (flags; their amounts follow below).
  c AS (SELECT p.*,
      CAST(julianday(bank_day) - julianday(payout_day) AS INTEGER) AS days_to_arrive,
      CAST(julianday(as_of) - julianday(payout_day) AS INTEGER) AS age_days,
      coalesce((payout_currency IS NOT NULL AND payout_currency <> currency)
        OR (bank_records > 0 AND (bank_currency <> currency OR bank_currency_max <> currency))
        OR (payout_currency IS NULL AND currencies > 1 AND bank_records = 0), 0) AS f_cur,
      coalesce(bank_records = 0 AND julianday(as_of) - julianday(payout_day)
        > payout_late_days, 0) AS f_bank,
      coalesce(bank_records > 0 AND bank_currency = currency AND bank_currency_max = currency
        AND bank_minor <> expected_minor, 0) AS f_amount,
      coalesce((payout_minor IS NOT NULL AND (items > 0 OR rejected_items > 0)
        AND payout_minor <> items_net_minor) OR rejected_items > fee_mismatch_items
        OR nothing_stored, 0) AS f_items,
      fee_mismatch_items > 0 AS f_fee,
      coalesce(julianday(bank_day) - julianday(payout_day) > payout_late_days, 0) AS f_late,
  -- The difference only between amounts of one currency.
      CASE WHEN bank_records > 0 AND bank_currency = currency AND bank_currency_max = currency
        THEN bank_minor - expected_minor END AS diff
    FROM p)
  SELECT source, payout_id, c.currency, cu.exponent, payout_day, payout_transaction_id,
    payout_minor, items, items_gross_minor, items_fee_minor, items_net_minor, expected_minor,
    bank_transaction_id, bank_external_id, bank_records, bank_day, bank_currency, bank_minor,
    diff AS difference_minor,
    days_to_arrive, age_days, payout_late_days, rejected_items, fee_mismatch_items,
    iif(f_fee, fee_mismatch_minor, 0) AS fee_mismatch_minor,
    iif(f_items, coalesce(payout_minor - items_net_minor, 0), 0) AS missing_items_minor,
    iif(f_bank, expected_minor, 0) AS missing_bank_credit_minor,
    iif(f_amount, diff, 0) AS amount_difference_minor,
    iif(f_cur, expected_minor, 0) AS currency_mismatch_minor,
    f_late AS late,
    CASE WHEN f_cur THEN 'currency_mismatch' WHEN f_bank THEN 'missing_bank_credit'
         WHEN f_amount THEN 'amount_difference' WHEN f_items THEN 'missing_items'
         WHEN f_fee THEN 'fee_mismatch' WHEN f_late THEN 'late'
         WHEN bank_records = 0 THEN 'in_transit' ELSE 'ok' END AS status,
    ltrim(iif(f_cur, ',currency_mismatch', '') || iif(f_bank, ',missing_bank_credit', '')
      || iif(f_amount, ',amount_difference', '') || iif(f_items, ',missing_items', '')
      || iif(f_fee, ',fee_mismatch', '') || iif(f_late, ',late', ''), ',') AS issues,
    @MAJOR(expected_minor) AS expected,
    @MAJOR_IN(cb, bank_minor) AS bank,
    @MAJOR(diff) AS difference,
    bank_shared
  FROM c LEFT JOIN currencies cu ON cu.code = c.currency
  LEFT JOIN currencies cb ON cb.code = c.bank_currency
  -- As of a day: the payouts paid by then (a payout known only from
  -- rejected rows has no day and is always listed).
  WHERE payout_day IS NULL OR payout_day <= as_of;

-- The review queue: one row per suggestion, with its sides summed
-- (docs/MATCHING.md, "Confidence and suggestions").
CREATE VIEW v_suggestions AS
  SELECT g.id AS suggestion_id, g.run_id, g.rule, g.status, g.confidence,
    json_extract(g.evidence, '$.exception') AS reason, g.evidence, g.created_at,
    g.decided_at, g.decided_by, g.note, g.match_id, g.closed_at, g.closed_by_run,
    a.left_source, a.right_source, a.left_items, a.right_items, a.currency,
    a.left_amount_minor, a.right_amount_minor, a.first_day, a.last_day, g.assigned_to,
    (SELECT count(*) FROM work_log w WHERE w.suggestion_id = g.id AND w.action = 'comment')
      AS comments
  FROM suggestions g LEFT JOIN (
    SELECT si.suggestion_id,
      min(s.name) FILTER (WHERE si.side = 'left') AS left_source,
      min(s.name) FILTER (WHERE si.side = 'right') AS right_source,
      count(*) FILTER (WHERE si.side = 'left') AS left_items,
      count(*) FILTER (WHERE si.side = 'right') AS right_items,
      min(t.currency) AS currency,
      @SUM_F(t.amount_minor, si.side = 'left') AS left_amount_minor,
      @SUM_F(t.amount_minor, si.side = 'right') AS right_amount_minor,
      min(date(t.occurred_at)) AS first_day, max(date(t.occurred_at)) AS last_day
    FROM suggestion_items si
    JOIN transactions t ON t.id = si.transaction_id
    JOIN sources s ON s.id = t.source_id
    GROUP BY si.suggestion_id) a ON a.suggestion_id = g.id;

-- The payers people taught (docs/MATCHING.md, "Aliases").
CREATE VIEW v_aliases AS
  SELECT id AS alias_id, pattern AS payer, counterparty,
    CASE WHEN removed_at IS NULL THEN 'active' ELSE 'removed' END AS status,
    taught_by, taught_at, match_id, note, uses, last_used_at,
    removed_at, removed_by, remove_note
  FROM aliases;

-- Journal entries as made (docs/ACCOUNTING.md): one row per line, a debit
-- or a credit in major units beside the signed minor amount.
CREATE VIEW v_journal AS
  SELECT e.id AS entry_id, e.match_id, e.kind, e.reverses, e.entry_date, e.memo AS entry_memo,
    l.line, l.account, l.currency, l.amount_minor,
    CASE WHEN l.amount_minor > 0 THEN @MAJOR(l.amount_minor) END AS debit,
    CASE WHEN l.amount_minor < 0 THEN @MAJOR(-l.amount_minor) END AS credit,
    l.transaction_id, l.memo, e.export_id, x.exported_at
  FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
  JOIN journal_exports x ON x.id = e.export_id
  LEFT JOIN currencies cu ON cu.code = l.currency;
