/* schema: the SQLite schema and its migrations. PRAGMA user_version holds
 * the version; each migration moves it up by one inside the same
 * transaction as its DDL, so a database is never left half-migrated.
 *
 * The tables are a public interface (reporting tools query them), so they
 * are STRICT, use integer minor units and ISO 8601 text times, and keep to
 * SQL that PostgreSQL would also accept where that costs nothing. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "errtable.h"
#include "internal.h"

/* Version 1: sources, imports, transactions (the canonical record),
 * failures, the mirrored error-code table, meta. */
static const char MIGRATION_1[] =
    "CREATE TABLE sources ("
    "  id          INTEGER PRIMARY KEY,"
    "  name        TEXT NOT NULL UNIQUE,"
    "  type        TEXT NOT NULL CHECK (type IN ('psp','bank','ledger')),"
    "  created_at  TEXT NOT NULL"
    ") STRICT;"

    "CREATE TABLE imports ("
    "  id             INTEGER PRIMARY KEY,"
    "  source_id      INTEGER NOT NULL REFERENCES sources(id),"
    "  file_name      TEXT NOT NULL,"
    "  file_size      INTEGER NOT NULL,"
    "  sha256         TEXT,"          /* set when the file has been read to its end */
    "  profile        TEXT NOT NULL,"
    "  started_at     TEXT NOT NULL,"
    "  finished_at    TEXT,"
    "  rows_read      INTEGER NOT NULL DEFAULT 0,"
    "  rows_inserted  INTEGER NOT NULL DEFAULT 0,"
    "  rows_duplicate INTEGER NOT NULL DEFAULT 0,"
    "  rows_rejected  INTEGER NOT NULL DEFAULT 0,"
    "  status         TEXT NOT NULL CHECK (status IN ('running','ok','partial')),"
    "  UNIQUE (source_id, sha256)"
    ") STRICT;"
    "CREATE INDEX imports_by_size ON imports(source_id, file_size);"

    "CREATE TABLE transactions ("
    "  id              INTEGER PRIMARY KEY,"
    "  source_id       INTEGER NOT NULL REFERENCES sources(id),"
    "  import_id       INTEGER NOT NULL REFERENCES imports(id),"
    "  line            INTEGER NOT NULL,"
    "  external_id     TEXT NOT NULL,"
    "  id_generated    INTEGER NOT NULL CHECK (id_generated IN (0,1)),"
    /* Written as OR chains, not IN lists: SQLite builds an ephemeral
     * table for a constant IN list of more than two values every time
     * the INSERT runs, which cost ~10% of an import. */
    "  kind            TEXT NOT NULL CHECK (kind = 'charge' OR kind = 'refund'"
    "                    OR kind = 'fee' OR kind = 'payout' OR kind = 'chargeback'"
    "                    OR kind = 'chargeback_reversal' OR kind = 'adjustment'"
    "                    OR kind = 'transfer' OR kind = 'bank_credit' OR kind = 'bank_debit'"
    "                    OR kind = 'other'),"
    "  kind_raw        TEXT,"
    "  group_id        TEXT,"
    "  reference       TEXT,"
    "  amount_minor    INTEGER NOT NULL,"
    "  fee_minor       INTEGER NOT NULL DEFAULT 0,"
    "  net_minor       INTEGER NOT NULL,"
    "  currency        TEXT NOT NULL CHECK (length(currency) = 3),"
    "  occurred_at     TEXT NOT NULL,"
    "  settled_at      TEXT,"
    "  description     TEXT,"
    "  counterparty    TEXT,"
    "  provider_status TEXT,"
    "  provider_code   TEXT,"
    "  content_hash    BLOB NOT NULL,"
    "  raw             TEXT NOT NULL,"
    "  UNIQUE (source_id, external_id)"
    ") STRICT;"

    /* Every problem the engine knows about, in one table: rows an import
     * rejected (origin 'import', provider 'librecon', the reason as
     * provider_code), provider API errors a job recorded ('provider') and
     * failed payments a report carried ('report'). Each has its unified
     * code. Recorded provider failures that repeat while open share a
     * fingerprint and count occurrences instead of adding rows. */
    "CREATE TABLE failures ("
    "  id              INTEGER PRIMARY KEY,"
    "  origin          TEXT NOT NULL"
    "                    CHECK (origin = 'import' OR origin = 'provider' OR origin = 'report'),"
    "  source_id       INTEGER REFERENCES sources(id),"
    "  import_id       INTEGER REFERENCES imports(id),"
    "  transaction_id  INTEGER REFERENCES transactions(id),"
    "  line            INTEGER,"
    "  field           TEXT,"
    "  column_name     TEXT,"
    "  provider        TEXT NOT NULL,"
    "  http_status     INTEGER,"
    "  provider_code   TEXT,"
    "  unified_code    TEXT NOT NULL,"
    "  category        TEXT NOT NULL,"
    "  message         TEXT NOT NULL,"
    "  raw             TEXT,"
    "  request_id      TEXT,"
    "  context         TEXT,"
    "  fingerprint     TEXT,"
    "  occurrences     INTEGER NOT NULL DEFAULT 1 CHECK (occurrences >= 1),"
    "  first_seen      TEXT NOT NULL,"
    "  last_seen       TEXT NOT NULL,"
    "  resolved_at     TEXT,"
    "  resolved_by     TEXT,"
    "  resolution_note TEXT,"
    "  CHECK ((resolved_at IS NULL) = (resolution_note IS NULL))"
    ") STRICT;"
    "CREATE INDEX failures_by_import ON failures(import_id);"
    "CREATE INDEX failures_by_code ON failures(unified_code, provider);"
    "CREATE UNIQUE INDEX failures_open_by_fingerprint ON failures(fingerprint)"
    "  WHERE fingerprint IS NOT NULL AND resolved_at IS NULL;"

    /* The unified error table, mirrored from the library (db.c refreshes
     * it when the compiled-in table changes) so reporting tools can join
     * failures to it. */
    "CREATE TABLE unified_codes ("
    "  code          TEXT PRIMARY KEY,"
    "  category      TEXT NOT NULL,"
    "  retryable     INTEGER NOT NULL CHECK (retryable = 0 OR retryable = 1),"
    "  retry_policy  TEXT NOT NULL,"
    "  meaning       TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE error_codes ("
    "  id            INTEGER PRIMARY KEY,"
    "  provider      TEXT NOT NULL,"
    "  http_status   INTEGER,"
    "  http_class    TEXT,"
    "  provider_code TEXT NOT NULL,"
    "  cause         TEXT NOT NULL,"
    "  unified_code  TEXT NOT NULL,"
    "  category      TEXT NOT NULL,"
    "  retryable     INTEGER NOT NULL CHECK (retryable = 0 OR retryable = 1),"
    "  retry_policy  TEXT NOT NULL,"
    "  action        TEXT NOT NULL,"
    "  description   TEXT NOT NULL,"
    "  spec          TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX error_codes_by_key ON error_codes(provider, http_status, provider_code);"
    "CREATE TABLE meta ("
    "  key   TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") STRICT;"

    /* Matching. A match ties left and right transactions under a rule (or
     * a person's decision); nothing is deleted: an undone match keeps who,
     * when and why. A transaction's status is derived, never stored twice:
     * matched (in an active match), ignored, exception (an open exception
     * names it), else unmatched; see v_transaction_status. */
    "CREATE TABLE match_runs ("
    "  id          INTEGER PRIMARY KEY,"
    "  started_at  TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  actor       TEXT NOT NULL,"
    "  rules       TEXT NOT NULL,"      /* the rule names, in the order they ran */
    "  rules_text  TEXT NOT NULL,"      /* the rules file as given: every setting used */
    "  matches     INTEGER NOT NULL DEFAULT 0,"
    "  exceptions_opened INTEGER NOT NULL DEFAULT 0,"
    "  exceptions_closed INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE TABLE matches ("
    "  id          INTEGER PRIMARY KEY,"
    "  run_id      INTEGER REFERENCES match_runs(id),"
    "  rule        TEXT NOT NULL,"
    "  origin      TEXT NOT NULL CHECK (origin = 'auto' OR origin = 'manual'),"
    "  score       INTEGER NOT NULL,"
    "  evidence    TEXT NOT NULL,"
    "  created_at  TEXT NOT NULL,"
    "  created_by  TEXT NOT NULL,"
    "  note        TEXT,"
    "  forced      INTEGER NOT NULL DEFAULT 0 CHECK (forced = 0 OR forced = 1),"
    "  undone_at   TEXT,"
    "  undone_by   TEXT,"
    "  undo_note   TEXT"
    ") STRICT;"
    "CREATE TABLE match_items ("
    "  match_id       INTEGER NOT NULL REFERENCES matches(id),"
    "  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
    "  side           TEXT NOT NULL CHECK (side = 'left' OR side = 'right'),"
    "  PRIMARY KEY (match_id, transaction_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX match_items_by_transaction ON match_items(transaction_id);"
    "CREATE TABLE exceptions ("
    "  id             INTEGER PRIMARY KEY,"
    "  run_id         INTEGER REFERENCES match_runs(id),"
    "  rule           TEXT NOT NULL,"
    "  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
    "  reason         TEXT NOT NULL CHECK (reason = 'ambiguous' OR reason = 'contested'"
    "                   OR reason = 'near_miss_amount' OR reason = 'near_miss_date'),"
    "  candidates     TEXT NOT NULL,"
    "  created_at     TEXT NOT NULL,"
    "  closed_at      TEXT,"
    "  closed_by_run  INTEGER REFERENCES match_runs(id)"
    ") STRICT;"
    "CREATE INDEX exceptions_open ON exceptions(transaction_id) WHERE closed_at IS NULL;"
    "CREATE TABLE ignores ("
    "  id             INTEGER PRIMARY KEY,"
    "  transaction_id INTEGER NOT NULL REFERENCES transactions(id),"
    "  created_at     TEXT NOT NULL,"
    "  created_by     TEXT NOT NULL,"
    "  note           TEXT NOT NULL,"
    "  undone_at      TEXT,"
    "  undone_by      TEXT,"
    "  undo_note      TEXT"
    ") STRICT;"
    "CREATE UNIQUE INDEX ignores_active ON ignores(transaction_id) WHERE undone_at IS NULL;"
    "CREATE TABLE match_audit ("
    "  id             INTEGER PRIMARY KEY,"
    "  at             TEXT NOT NULL,"
    "  actor          TEXT NOT NULL,"
    "  action         TEXT NOT NULL CHECK (action = 'match_add' OR action = 'match_undo'"
    "                   OR action = 'ignore' OR action = 'unignore'),"
    "  match_id       INTEGER REFERENCES matches(id),"
    "  transaction_id INTEGER REFERENCES transactions(id),"
    "  note           TEXT NOT NULL"
    ") STRICT;"
    "CREATE VIEW v_transaction_status AS"
    "  SELECT t.id AS transaction_id,"
    "    CASE WHEN EXISTS (SELECT 1 FROM match_items mi JOIN matches m ON m.id = mi.match_id"
    "                      WHERE mi.transaction_id = t.id AND m.undone_at IS NULL) THEN 'matched'"
    "         WHEN EXISTS (SELECT 1 FROM ignores i WHERE i.transaction_id = t.id"
    "                      AND i.undone_at IS NULL) THEN 'ignored'"
    "         WHEN EXISTS (SELECT 1 FROM exceptions e WHERE e.transaction_id = t.id"
    "                      AND e.closed_at IS NULL) THEN 'exception'"
    "         ELSE 'unmatched' END AS status"
    "  FROM transactions t;"

    /* Open failures by unified code and provider. */
    "CREATE VIEW v_failures_summary AS"
    "  SELECT unified_code, category, provider, count(*) AS failures,"
    "         sum(occurrences) AS occurrences, min(first_seen) AS first_seen,"
    "         max(last_seen) AS last_seen"
    "  FROM failures WHERE resolved_at IS NULL"
    "  GROUP BY unified_code, category, provider;";

/* A money column as text in major units, exact: "-12.05" for -1205 EUR.
 * Needs the currency's row of `currencies` joined as `cu`. Written with
 * division and remainder rather than abs(x), which overflows on INT64_MIN. */
#define MAJOR_IN(cu, x)                                                                      \
    "CASE WHEN (" x ") IS NULL THEN NULL WHEN " cu ".exponent = 0 THEN printf('%d', " x ")"    \
    " ELSE printf('%s%d.%0*d', iif(" x " < 0, '-', ''), abs((" x ") / " cu ".unit), " cu       \
    ".exponent, abs((" x ") % " cu ".unit)) END"
#define MAJOR(x) MAJOR_IN("cu", x)

/* The payout row's amount: NULL without a payout row (RC_SQL_SUM_F would
 * say 0) or past int64. */
#define PAYOUT_SUM(x, f)                                                                     \
    "CASE WHEN typeof(" RC_SQL_SUM_HI_LO(x, f) ") = 'integer' THEN " RC_SQL_SUM_HI_LO(x, f) " END"

/* Version 2: the reporting interface (docs/REPORTING.md). Views are a
 * public, versioned interface: columns are only ever added at the end;
 * meta 'views_version' says which documented version a database has.
 * Report settings live in meta so that a reporting tool reading the views
 * sees the figures the CLI prints. */
static const char MIGRATION_2[] =
    /* ISO 4217, mirrored from the library like the error table, so that
     * reporting tools can turn minor units into major ones. */
    "CREATE TABLE currencies ("
    "  code      TEXT PRIMARY KEY CHECK (length(code) = 3),"
    "  numeric   INTEGER NOT NULL,"
    "  exponent  INTEGER NOT NULL CHECK (exponent BETWEEN 0 AND 4),"
    "  unit      INTEGER NOT NULL"     /* 10^exponent minor units make one major unit */
    ") STRICT;"
    "INSERT INTO meta(key, value) VALUES ('views_version', '1');"

    /* One row: the date ages count to (today unless 'report.as_of' pins
     * it, e.g. to a month end) and the days after which a payout that has
     * not reached the bank is late. */
    "CREATE VIEW v_report_settings AS SELECT"
    "  coalesce((SELECT value FROM meta WHERE key = 'report.as_of'), date('now')) AS as_of,"
    "  coalesce((SELECT CAST(value AS INTEGER) FROM meta"
    "            WHERE key = 'report.payout_late_days'), 3) AS payout_late_days;"

    /* Every stored transaction with its source, status and age. */
    "CREATE VIEW v_transactions AS"
    "  SELECT x.id AS transaction_id, s.name AS source, s.type AS source_type,"
    "    x.import_id, x.line, x.external_id, x.kind, x.group_id, x.reference,"
    "    x.description, x.counterparty, date(x.occurred_at) AS day, x.occurred_at,"
    "    x.settled_at, x.currency, cu.exponent, x.amount_minor, x.fee_minor, x.net_minor,"
    "    " MAJOR("x.amount_minor") " AS amount,"
    "    " MAJOR("x.net_minor") " AS net,"
    "    CASE WHEN x.match_id IS NOT NULL THEN 'matched'"
    "         WHEN EXISTS (SELECT 1 FROM ignores i WHERE i.transaction_id = x.id"
    "                      AND i.undone_at IS NULL) THEN 'ignored'"
    "         WHEN EXISTS (SELECT 1 FROM exceptions e WHERE e.transaction_id = x.id"
    "                      AND e.closed_at IS NULL) THEN 'exception'"
    "         ELSE 'unmatched' END AS status,"
    "    x.match_id,"
    "    CAST(julianday(rs.as_of) - julianday(date(x.occurred_at)) AS INTEGER) AS age_days"
    "  FROM (SELECT t.*, (SELECT min(mi.match_id) FROM match_items mi"
    "                     JOIN matches m ON m.id = mi.match_id"
    "                     WHERE mi.transaction_id = t.id AND m.undone_at IS NULL) AS match_id"
    "        FROM transactions t) x"
    "  JOIN sources s ON s.id = x.source_id"
    "  LEFT JOIN currencies cu ON cu.code = x.currency"
    "  CROSS JOIN v_report_settings rs;"

    /* What still needs reconciling: unmatched, or held in an open
     * exception. */
    "CREATE VIEW v_unmatched AS"
    "  SELECT transaction_id, source, source_type, external_id, kind, group_id, reference,"
    "    description, day, currency, exponent, amount_minor, amount, status, age_days,"
    "    CASE WHEN age_days <= 2 THEN '0-2' WHEN age_days <= 7 THEN '3-7'"
    "         WHEN age_days <= 30 THEN '8-30' ELSE 'over 30' END AS age_bucket"
    /* IN, not OR: each mention of status would evaluate its subqueries
     * again. */
    "  FROM v_transactions WHERE status IN ('unmatched', 'exception') AND age_days >= 0;"

    "CREATE VIEW v_aging AS"
    "  SELECT a.source, a.currency, a.age_bucket,"
    "    CASE a.age_bucket WHEN '0-2' THEN 1 WHEN '3-7' THEN 2 WHEN '8-30' THEN 3 ELSE 4 END"
    "      AS bucket_order,"
    "    a.items, a.amount_minor, a.gross_minor,"
    "    " MAJOR("a.amount_minor") " AS amount,"
    "    " MAJOR("a.gross_minor") " AS gross,"
    "    a.oldest_day"
    "  FROM (SELECT source, currency, age_bucket, count(*) AS items,"
    "          " RC_SQL_SUM("amount_minor") " AS amount_minor,"
    "          " RC_SQL_SUM(RC_SQL_ABS("amount_minor")) " AS gross_minor,"
    "          min(day) AS oldest_day"
    "        FROM v_unmatched GROUP BY source, currency, age_bucket) a"
    "  LEFT JOIN currencies cu ON cu.code = a.currency;"

    "CREATE VIEW v_exceptions AS"
    "  SELECT e.id AS exception_id, e.run_id, e.rule, e.reason,"
    "    CASE WHEN e.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,"
    "    e.transaction_id, s.name AS source, t.external_id, t.kind,"
    "    date(t.occurred_at) AS day, t.currency, t.amount_minor,"
    "    " MAJOR("t.amount_minor") " AS amount,"
    "    e.candidates, e.created_at, e.closed_at, e.closed_by_run"
    "  FROM exceptions e"
    "  JOIN transactions t ON t.id = e.transaction_id"
    "  JOIN sources s ON s.id = t.source_id"
    "  LEFT JOIN currencies cu ON cu.code = t.currency;"

    "CREATE VIEW v_matches AS"
    "  SELECT m.id AS match_id, m.run_id, m.rule, m.origin,"
    "    CASE WHEN m.undone_at IS NULL THEN 'active' ELSE 'undone' END AS status,"
    "    m.score, m.evidence, m.created_at, m.created_by, m.note, m.forced,"
    "    m.undone_at, m.undone_by, m.undo_note,"
    "    a.left_source, a.right_source, a.left_items, a.right_items, a.currency,"
    "    a.left_amount_minor, a.left_net_minor, a.right_amount_minor, a.right_net_minor,"
    "    a.first_day, a.last_day"
    "  FROM matches m LEFT JOIN ("
    "    SELECT mi.match_id,"
    "      min(s.name) FILTER (WHERE mi.side = 'left') AS left_source,"
    "      min(s.name) FILTER (WHERE mi.side = 'right') AS right_source,"
    "      count(*) FILTER (WHERE mi.side = 'left') AS left_items,"
    "      count(*) FILTER (WHERE mi.side = 'right') AS right_items,"
    "      min(t.currency) AS currency,"
    "      " RC_SQL_SUM_F("t.amount_minor", "mi.side = 'left'") " AS left_amount_minor,"
    "      " RC_SQL_SUM_F("t.net_minor", "mi.side = 'left'") " AS left_net_minor,"
    "      " RC_SQL_SUM_F("t.amount_minor", "mi.side = 'right'") " AS right_amount_minor,"
    "      " RC_SQL_SUM_F("t.net_minor", "mi.side = 'right'") " AS right_net_minor,"
    "      min(date(t.occurred_at)) AS first_day, max(date(t.occurred_at)) AS last_day"
    "    FROM match_items mi"
    "    JOIN transactions t ON t.id = mi.transaction_id"
    "    JOIN sources s ON s.id = t.source_id"
    "    GROUP BY mi.match_id) a ON a.match_id = m.id;"

    /* The statuses are materialized once: each FILTER would otherwise
     * evaluate them (three index lookups a row) again. */
    "CREATE VIEW v_daily_summary AS"
    "  WITH tx AS MATERIALIZED (SELECT source, day, currency, amount_minor, status"
    "                           FROM v_transactions)"
    "  SELECT d.*,"
    "    " MAJOR("d.matched_minor") " AS matched,"
    "    " MAJOR("d.unmatched_minor") " AS unmatched,"
    "    " MAJOR("d.exception_minor") " AS exception"
    "  FROM (SELECT source, day, currency, count(*) AS transactions,"
    "          count(*) FILTER (WHERE status = 'matched') AS matched_count,"
    "          " RC_SQL_SUM_F("amount_minor", "status = 'matched'") " AS matched_minor,"
    "          count(*) FILTER (WHERE status = 'unmatched') AS unmatched_count,"
    "          " RC_SQL_SUM_F("amount_minor", "status = 'unmatched'") " AS unmatched_minor,"
    "          count(*) FILTER (WHERE status = 'exception') AS exception_count,"
    "          " RC_SQL_SUM_F("amount_minor", "status = 'exception'") " AS exception_minor,"
    "          count(*) FILTER (WHERE status = 'ignored') AS ignored_count,"
    "          " RC_SQL_SUM_F("amount_minor", "status = 'ignored'") " AS ignored_minor"
    "        FROM tx GROUP BY source, day, currency) d"
    "  LEFT JOIN currencies cu ON cu.code = d.currency;"

    /* Payout flows: one row per PSP payout (group id) and currency. The
     * classes and their amounts are documented in docs/REPORTING.md;
     * recon_flows_check reads this view. */
    "CREATE VIEW v_payouts AS"
    /* The PSP rows with a payout id, read once in table order (NOT
     * INDEXED: through the (source, id) index every row would be a random
     * read), each with its active match. */
    "  WITH pt AS MATERIALIZED ("
    "    SELECT t.id, t.source_id, t.group_id, t.currency, t.kind, t.amount_minor, t.fee_minor,"
    "      t.net_minor, date(coalesce(t.settled_at, t.occurred_at)) AS day,"
    "      (SELECT min(mi.match_id) FROM match_items mi JOIN matches m ON m.id = mi.match_id"
    "       WHERE mi.transaction_id = t.id AND m.undone_at IS NULL) AS match_id"
    "    FROM transactions t NOT INDEXED"
    "    WHERE t.group_id IS NOT NULL AND t.group_id <> ''"
    "      AND t.source_id IN (SELECT id FROM sources WHERE type = 'psp')),"
    "  g AS ("
    "    SELECT source_id, group_id, currency,"
    "      count(*) FILTER (WHERE kind <> 'payout') AS items,"
    /* 0 when there are no items; NULL when their sum leaves int64. */
    "      " RC_SQL_SUM_F("amount_minor", "kind <> 'payout'") " AS items_gross_minor,"
    "      " RC_SQL_SUM_F("fee_minor", "kind <> 'payout'") " AS items_fee_minor,"
    "      " RC_SQL_SUM_F("net_minor", "kind <> 'payout'") " AS items_net_minor,"
    "      min(id) FILTER (WHERE kind = 'payout') AS payout_transaction_id,"
    /* The payout row's amount, sign turned (INT64_MIN has no opposite). */
    "      CASE WHEN typeof(-(" PAYOUT_SUM("amount_minor", "kind = 'payout'") ")) = 'integer'"
    "        THEN -(" PAYOUT_SUM("amount_minor", "kind = 'payout'") ") END AS payout_minor,"
    "      max(day) FILTER (WHERE kind = 'payout') AS payout_row_day,"
    "      max(day) AS items_day"
    "    FROM pt GROUP BY source_id, group_id, currency),"
    /* Per payout id: how many currencies, and the payout row's currency. */
    "  gc AS (SELECT source_id, group_id, count(*) AS currencies,"
    "           min(currency) FILTER (WHERE payout_transaction_id IS NOT NULL) AS payout_currency"
    "         FROM g GROUP BY source_id, group_id),"
    /* The bank records in active matches with any row of the payout:
     * per (payout, match), one of its rows tells the payout's side, and
     * the other side's bank rows are the credit. A credit dated after the
     * as-of day has not arrived yet. */
    "  gm AS (SELECT source_id, group_id, currency, match_id, min(id) AS any_id FROM pt"
    "         WHERE match_id IS NOT NULL GROUP BY source_id, group_id, currency, match_id),"
    "  l AS (SELECT DISTINCT gm.source_id, gm.group_id, gm.currency, mb.transaction_id AS bank_id"
    "    FROM gm JOIN match_items me ON me.match_id = gm.match_id AND me.transaction_id = gm.any_id"
    "    JOIN match_items mb ON mb.match_id = gm.match_id AND mb.side <> me.side"
    "    JOIN transactions b ON b.id = mb.transaction_id"
    "    JOIN sources bs ON bs.id = b.source_id AND bs.type = 'bank'"
    "    WHERE date(b.occurred_at) <= (SELECT as_of FROM v_report_settings)),"
    /* A credit that pays several payouts (one transfer for two, matched
     * by hand) is shared out, never counted whole against each: every
     * payout takes what it expected, the last (by source, id, currency)
     * the rest, so a difference shows once and the shares add up to the
     * credit. */
    "  le AS (SELECT l.*, coalesce(g.payout_minor, g.items_net_minor) AS exp,"
    "      count(*) OVER w AS n, row_number() OVER (w ORDER BY l.source_id, l.group_id,"
    "        l.currency) AS k,"
    "      CASE WHEN count(coalesce(g.payout_minor, g.items_net_minor)) OVER w < count(*) OVER w"
    "        THEN NULL"
    "        WHEN typeof(sum(coalesce(g.payout_minor, g.items_net_minor) >> 32) OVER w"
    "        * 4294967296 + sum(coalesce(g.payout_minor, g.items_net_minor) & 4294967295) OVER w)"
    "        = 'integer' THEN sum(coalesce(g.payout_minor, g.items_net_minor) >> 32) OVER w"
    "        * 4294967296 + sum(coalesce(g.payout_minor, g.items_net_minor) & 4294967295) OVER w"
    "        END AS exp_all"
    "    FROM l JOIN g ON g.source_id = l.source_id AND g.group_id = l.group_id"
    "      AND g.currency = l.currency"
    "    WINDOW w AS (PARTITION BY l.bank_id)),"
    "  bk AS (SELECT le.source_id, le.group_id, le.currency, count(*) AS bank_records,"
    "           min(b.id) AS bank_transaction_id,"
    "           " RC_SQL_SUM("CASE WHEN le.n = 1 THEN b.amount_minor WHEN le.k < le.n THEN le.exp"
    "               ELSE b.amount_minor - (le.exp_all - le.exp) END") " AS bank_share,"
    "           max(le.n) AS bank_shared,"
    "           min(b.currency) AS bank_currency, max(b.currency) AS bank_currency_max,"
    "           max(date(b.occurred_at)) AS bank_day"
    "         FROM le JOIN transactions b ON b.id = le.bank_id"
    "         GROUP BY le.source_id, le.group_id, le.currency),"
    /* Open import rejects of a PSP's rows (ingest records the group id,
     * currency and figures of a rejected row in its context); the size of
     * each net mismatch, so two cannot cancel out. */
    "  rj AS (SELECT f.source_id, json_extract(f.context, '$.group_id') AS group_id,"
    "           json_extract(f.context, '$.currency') AS currency, count(*) AS rejected_items,"
    "           count(*) FILTER (WHERE f.provider_code = 'net_mismatch') AS fee_mismatch_items,"
    /* max(d, -d), not abs(d): abs() of INT64_MIN is an error. */
    "           coalesce(sum(max(json_extract(f.context, '$.amount_minor')"
    "             - json_extract(f.context, '$.fee_minor') - json_extract(f.context, '$.net_minor'),"
    "             json_extract(f.context, '$.fee_minor') + json_extract(f.context, '$.net_minor')"
    "             - json_extract(f.context, '$.amount_minor')))"
    "             FILTER (WHERE f.provider_code = 'net_mismatch'), 0) AS fee_mismatch_minor"
    "         FROM failures f JOIN sources s ON s.id = f.source_id AND s.type = 'psp'"
    "         WHERE f.origin = 'import' AND f.resolved_at IS NULL AND json_valid(f.context)"
    "         GROUP BY 1, 2, 3),"
    /* Every payout: the stored ones, and those known only from rejected
     * rows (all of a payout's rows refused must not hide it). */
    "  k AS (SELECT g.*, 0 AS nothing_stored FROM g"
    "        UNION ALL SELECT rj.source_id, rj.group_id, rj.currency, 0, 0, 0, 0, NULL, NULL,"
    "          NULL, NULL, 1 FROM rj"
    "        WHERE rj.group_id IS NOT NULL AND rj.currency IS NOT NULL AND NOT EXISTS (SELECT 1"
    "          FROM g WHERE g.source_id = rj.source_id AND g.group_id = rj.group_id"
    "          AND g.currency = rj.currency)),"
    /* A reject whose currency could not be read counts in every currency
     * of its payout. */
    "  rjg AS (SELECT k.source_id, k.group_id, k.currency, sum(rj.rejected_items) AS rejected_items,"
    "            sum(rj.fee_mismatch_items) AS fee_mismatch_items,"
    "            sum(rj.fee_mismatch_minor) AS fee_mismatch_minor"
    "          FROM k JOIN rj ON rj.source_id = k.source_id AND rj.group_id = k.group_id"
    "            AND (rj.currency = k.currency OR rj.currency IS NULL)"
    "          GROUP BY k.source_id, k.group_id, k.currency),"
    "  p AS (SELECT s.name AS source, k.group_id AS payout_id, k.currency,"
    "      k.payout_transaction_id, coalesce(k.payout_row_day, k.items_day) AS payout_day,"
    /* Sums are NULL when they leave int64, never 0 (a payout with nothing
     * stored has 0 items and 0 of each). */
    "      k.payout_minor, k.items, k.items_gross_minor, k.items_fee_minor, k.items_net_minor,"
    "      CASE WHEN k.nothing_stored THEN 0 WHEN k.payout_transaction_id IS NOT NULL"
    "        THEN k.payout_minor ELSE k.items_net_minor END AS expected_minor,"
    "      k.nothing_stored,"
    "      coalesce(rj.rejected_items, 0) AS rejected_items,"
    "      coalesce(rj.fee_mismatch_items, 0) AS fee_mismatch_items,"
    "      coalesce(rj.fee_mismatch_minor, 0) AS fee_mismatch_minor,"
    "      bk.bank_transaction_id, bt.external_id AS bank_external_id,"
    "      coalesce(bk.bank_records, 0) AS bank_records, bk.bank_day, bk.bank_currency,"
    /* Amounts in two currencies do not add up: no bank amount then. */
    "      CASE WHEN bk.bank_currency = bk.bank_currency_max THEN bk.bank_share END AS bank_minor,"
    "      bk.bank_currency_max, coalesce(bk.bank_shared, 0) AS bank_shared,"
    "      coalesce(gc.currencies, 1) AS currencies, gc.payout_currency, rs.as_of,"
    "      rs.payout_late_days"
    "    FROM k JOIN sources s ON s.id = k.source_id"
    "    LEFT JOIN gc ON gc.source_id = k.source_id AND gc.group_id = k.group_id"
    "    LEFT JOIN bk ON bk.source_id = k.source_id AND bk.group_id = k.group_id"
    "      AND bk.currency = k.currency"
    "    LEFT JOIN transactions bt ON bt.id = bk.bank_transaction_id"
    "    LEFT JOIN rjg rj ON rj.source_id = k.source_id AND rj.group_id = k.group_id"
    "      AND rj.currency = k.currency"
    "    CROSS JOIN v_report_settings rs),"
    /* Which classes break the chain (flags; their amounts follow below). */
    "  c AS (SELECT p.*,"
    "      CAST(julianday(bank_day) - julianday(payout_day) AS INTEGER) AS days_to_arrive,"
    "      CAST(julianday(as_of) - julianday(payout_day) AS INTEGER) AS age_days,"
    "      coalesce((payout_currency IS NOT NULL AND payout_currency <> currency)"
    "        OR (bank_records > 0 AND (bank_currency <> currency OR bank_currency_max <> currency))"
    "        OR (payout_currency IS NULL AND currencies > 1 AND bank_records = 0), 0) AS f_cur,"
    "      coalesce(bank_records = 0 AND julianday(as_of) - julianday(payout_day)"
    "        > payout_late_days, 0) AS f_bank,"
    "      coalesce(bank_records > 0 AND bank_currency = currency AND bank_currency_max = currency"
    "        AND bank_minor <> expected_minor, 0) AS f_amount,"
    "      coalesce((payout_minor IS NOT NULL AND (items > 0 OR rejected_items > 0)"
    "        AND payout_minor <> items_net_minor) OR rejected_items > fee_mismatch_items"
    "        OR nothing_stored, 0) AS f_items,"
    "      fee_mismatch_items > 0 AS f_fee,"
    "      coalesce(julianday(bank_day) - julianday(payout_day) > payout_late_days, 0) AS f_late,"
    /* The difference only between amounts of one currency. */
    "      CASE WHEN bank_records > 0 AND bank_currency = currency AND bank_currency_max = currency"
    "        THEN bank_minor - expected_minor END AS diff"
    "    FROM p)"
    "  SELECT source, payout_id, c.currency, cu.exponent, payout_day, payout_transaction_id,"
    "    payout_minor, items, items_gross_minor, items_fee_minor, items_net_minor, expected_minor,"
    "    bank_transaction_id, bank_external_id, bank_records, bank_day, bank_currency, bank_minor,"
    "    diff AS difference_minor,"
    "    days_to_arrive, age_days, payout_late_days, rejected_items, fee_mismatch_items,"
    "    iif(f_fee, fee_mismatch_minor, 0) AS fee_mismatch_minor,"
    "    iif(f_items, coalesce(payout_minor - items_net_minor, 0), 0) AS missing_items_minor,"
    "    iif(f_bank, expected_minor, 0) AS missing_bank_credit_minor,"
    "    iif(f_amount, diff, 0) AS amount_difference_minor,"
    "    iif(f_cur, expected_minor, 0) AS currency_mismatch_minor,"
    "    f_late AS late,"
    "    CASE WHEN f_cur THEN 'currency_mismatch' WHEN f_bank THEN 'missing_bank_credit'"
    "         WHEN f_amount THEN 'amount_difference' WHEN f_items THEN 'missing_items'"
    "         WHEN f_fee THEN 'fee_mismatch' WHEN f_late THEN 'late'"
    "         WHEN bank_records = 0 THEN 'in_transit' ELSE 'ok' END AS status,"
    "    ltrim(iif(f_cur, ',currency_mismatch', '') || iif(f_bank, ',missing_bank_credit', '')"
    "      || iif(f_amount, ',amount_difference', '') || iif(f_items, ',missing_items', '')"
    "      || iif(f_fee, ',fee_mismatch', '') || iif(f_late, ',late', ''), ',') AS issues,"
    "    " MAJOR("expected_minor") " AS expected,"
    "    " MAJOR_IN("cb", "bank_minor") " AS bank,"
    "    " MAJOR("diff") " AS difference,"
    "    bank_shared"
    "  FROM c LEFT JOIN currencies cu ON cu.code = c.currency"
    "  LEFT JOIN currencies cb ON cb.code = c.bank_currency"
    /* As of a day: the payouts paid by then (a payout known only from
     * rejected rows has no day and is always listed). */
    "  WHERE payout_day IS NULL OR payout_day <= as_of;";

static const char *const MIGRATIONS[] = {MIGRATION_1, MIGRATION_2};
#define NMIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

static int user_version(recon_db *db, int *out) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "PRAGMA user_version", &st);
    if (rc)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = rc_fail_sql(db, "reading schema version");
        sqlite3_finalize(st);
        return rc;
    }
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return RECON_OK;
}

static int set_user_version(recon_db *db, int v) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    return rc_exec(db, sql);
}

int rc_schema_migrate(recon_db *db) {
    int have;
    int rc = user_version(db, &have);
    if (rc)
        return rc;
    if (have > NMIGRATIONS)
        return rc_fail(db, RECON_ESCHEMA,
                       "database schema version %d is newer than this librecon (%d)", have,
                       NMIGRATIONS);
    if (have == NMIGRATIONS)
        return RECON_OK;
    if (sqlite3_db_readonly(db->sql, "main") == 1)
        return rc_fail(db, RECON_ESCHEMA, "database schema version %d needs migrating to %d, "
                       "which a read-only handle cannot do", have, NMIGRATIONS);

    if ((rc = rc_begin(db)) != RECON_OK)
        return rc;
    /* Re-read under the write lock: another process may have migrated. */
    if ((rc = user_version(db, &have)) != RECON_OK)
        goto fail;
    for (int v = have; v < NMIGRATIONS; v++) {
        if ((rc = rc_exec(db, MIGRATIONS[v])) != RECON_OK)
            goto fail;
        if ((rc = set_user_version(db, v + 1)) != RECON_OK)
            goto fail;
    }
    return rc_commit(db);
fail:
    rc_rollback(db);
    return rc;
}

_Static_assert(sizeof MIGRATIONS / sizeof MIGRATIONS[0] == RECON_SCHEMA_VERSION,
               "RECON_SCHEMA_VERSION in recon.h must match the migrations");

/* ---- the mirrored error table ---------------------------------------------------- */

static int meta_get(recon_db *db, const char *key, char *out, size_t size) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT value FROM meta WHERE key = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    out[0] = '\0';
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "reading meta");
}

static int fill_unified(recon_db *db) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "INSERT INTO unified_codes VALUES (?1, ?2, ?3, ?4, ?5)", &st);
    for (size_t i = 0; rc == RECON_OK && i < recon_unified_code_count(); i++) {
        recon_unified_code u;
        recon_unified_code_get(i, &u);
        sqlite3_bind_text(st, 1, u.code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, u.category, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, u.retryable);
        sqlite3_bind_text(st, 4, recon_retry_policy_name(u.retry_policy), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, u.meaning, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = rc_fail_sql(db, "mirroring the unified codes");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int fill_error_codes(recon_db *db) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO error_codes(provider, http_status, http_class, provider_code,"
                        " cause, unified_code, category, retryable, retry_policy, action,"
                        " description, spec) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
                        &st);
    for (size_t i = 0; rc == RECON_OK && i < recon_error_table_count(); i++) {
        recon_error_row r;
        recon_error_table_row(i, &r);
        sqlite3_bind_text(st, 1, r.provider, -1, SQLITE_STATIC);
        if (r.http_status)
            sqlite3_bind_int(st, 2, r.http_status);
        else
            sqlite3_bind_null(st, 2);
        if (r.http_class[0])
            sqlite3_bind_text(st, 3, r.http_class, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        const char *text[] = {r.provider_code, r.cause, r.unified_code, r.category};
        for (int k = 0; k < 4; k++)
            sqlite3_bind_text(st, 4 + k, text[k], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, r.retryable);
        sqlite3_bind_text(st, 9, recon_retry_policy_name(r.retry_policy), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, r.action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, r.description, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, r.spec, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = rc_fail_sql(db, "mirroring the error codes");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int meta_set(recon_db *db, const char *key, const char *value) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = rc_fail_sql(db, "recording a mirrored table's version");
    sqlite3_finalize(st);
    return rc;
}

/* The compiled-in currency table's signature (FNV-1a over every field):
 * it changes whenever a code, number or exponent does. */
static void currency_signature(char *out, size_t size) {
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < rc_ncurrencies; i++) {
        const rc_currency *c = &rc_currencies[i];
        unsigned char b[11];
        memcpy(b, c->code, 3);
        for (int k = 0; k < 4; k++) {
            b[3 + k] = (unsigned char)((unsigned)c->numeric >> (8 * k));
            b[7 + k] = (unsigned char)((unsigned)c->exponent >> (8 * k));
        }
        for (size_t k = 0; k < sizeof b; k++)
            h = (h ^ b[k]) * 1099511628211u;
    }
    snprintf(out, size, "%zu-%016llx", rc_ncurrencies, (unsigned long long)h);
}

static int fill_currencies(recon_db *db) {
    int rc = rc_exec(db, "DELETE FROM currencies");
    sqlite3_stmt *st;
    if (rc || (rc = rc_prepare(db, "INSERT INTO currencies VALUES (?1, ?2, ?3, ?4)", &st)))
        return rc;
    for (size_t i = 0; rc == RECON_OK && i < rc_ncurrencies; i++) {
        const rc_currency *c = &rc_currencies[i];
        int64_t unit = 1;
        for (int k = 0; k < c->exponent; k++)
            unit *= 10;
        sqlite3_bind_text(st, 1, c->code, 3, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, c->numeric);
        sqlite3_bind_int(st, 3, c->exponent);
        sqlite3_bind_int64(st, 4, unit);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = rc_fail_sql(db, "mirroring the currencies");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Which mirrored tables differ from the library's: bit 1 the error table,
 * bit 2 the currencies. */
static int stale_mirrors(recon_db *db, const char *currencies, int *out) {
    char have[64];
    int rc = meta_get(db, "error_table", have, sizeof have);
    if (rc)
        return rc;
    *out = strcmp(have, rc_error_table_hash) != 0;
    if ((rc = meta_get(db, "currencies", have, sizeof have)) != RECON_OK)
        return rc;
    *out |= (strcmp(have, currencies) != 0) << 1;
    return RECON_OK;
}

/* Replaces a mirrored table (error codes, currencies) when the library's
 * differs from the one the database holds (a new database, or a newer
 * librecon). A plain read when they agree, which is every open but the
 * first after an upgrade. */
int rc_schema_sync_mirrors(recon_db *db) {
    char currencies[64];
    currency_signature(currencies, sizeof currencies);
    int stale;
    int rc = stale_mirrors(db, currencies, &stale);
    if (rc || !stale)
        return rc;
    if ((rc = rc_begin(db)) != RECON_OK)
        return rc;
    /* Re-read under the write lock: another process may have done it. */
    if ((rc = stale_mirrors(db, currencies, &stale)) != RECON_OK)
        goto done;
    if ((stale & 1) &&
        ((rc = rc_exec(db, "DELETE FROM unified_codes; DELETE FROM error_codes;")) ||
         (rc = fill_unified(db)) || (rc = fill_error_codes(db)) ||
         (rc = meta_set(db, "error_table", rc_error_table_hash))))
        goto done;
    if ((stale & 2) &&
        ((rc = fill_currencies(db)) || (rc = meta_set(db, "currencies", currencies))))
        goto done;
done:
    if (rc == RECON_OK)
        return rc_commit(db);
    rc_rollback(db);
    return rc;
}
