-- Migration 1 (schema version 1): sources, imports, transactions (the
-- canonical record), failures, the mirrored error-code table, meta and the
-- matching tables.
--
-- APPEND-ONLY: these statements shipped and must never change again: every
-- database in the field was built by them; a schema change is a new file.
-- The test suite holds this file's SHA-256 and fails if it is edited.
-- Views are not here: they are derived objects, kept apart and re-created
-- whenever their definition changes (docs/UPGRADING.md).
--
-- The tables are a public interface (reporting tools query them), so they
-- are STRICT, use integer minor units and ISO 8601 text times, and keep to
-- SQL that PostgreSQL would also accept where that costs nothing.

CREATE TABLE sources (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  type        TEXT NOT NULL CHECK (type IN ('psp','bank','ledger')),
  created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE imports (
  id             INTEGER PRIMARY KEY,
  source_id      INTEGER NOT NULL REFERENCES sources(id),
  file_name      TEXT NOT NULL,
  file_size      INTEGER NOT NULL,
  sha256         TEXT,  -- set when the file has been read to its end
  profile        TEXT NOT NULL,
  started_at     TEXT NOT NULL,
  finished_at    TEXT,
  rows_read      INTEGER NOT NULL DEFAULT 0,
  rows_inserted  INTEGER NOT NULL DEFAULT 0,
  rows_duplicate INTEGER NOT NULL DEFAULT 0,
  rows_rejected  INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL CHECK (status IN ('running','ok','partial')),
  UNIQUE (source_id, sha256)
) STRICT;
CREATE INDEX imports_by_size ON imports(source_id, file_size);

CREATE TABLE transactions (
  id              INTEGER PRIMARY KEY,
  source_id       INTEGER NOT NULL REFERENCES sources(id),
  import_id       INTEGER NOT NULL REFERENCES imports(id),
  line            INTEGER NOT NULL,
  external_id     TEXT NOT NULL,
  id_generated    INTEGER NOT NULL CHECK (id_generated IN (0,1)),
-- Written as OR chains, not IN lists: SQLite builds an ephemeral
-- table for a constant IN list of more than two values every time
-- the INSERT runs, which cost ~10% of an import.
  kind            TEXT NOT NULL CHECK (kind = 'charge' OR kind = 'refund'
                    OR kind = 'fee' OR kind = 'payout' OR kind = 'chargeback'
                    OR kind = 'chargeback_reversal' OR kind = 'adjustment'
                    OR kind = 'transfer' OR kind = 'bank_credit' OR kind = 'bank_debit'
                    OR kind = 'other'),
  kind_raw        TEXT,
  group_id        TEXT,
  reference       TEXT,
  amount_minor    INTEGER NOT NULL,
  fee_minor       INTEGER NOT NULL DEFAULT 0,
  net_minor       INTEGER NOT NULL,
  currency        TEXT NOT NULL CHECK (length(currency) = 3),
  occurred_at     TEXT NOT NULL,
  settled_at      TEXT,
  description     TEXT,
  counterparty    TEXT,
  provider_status TEXT,
  provider_code   TEXT,
  content_hash    BLOB NOT NULL,
  raw             TEXT NOT NULL,
  UNIQUE (source_id, external_id)
) STRICT;

-- Every problem the engine knows about, in one table: rows an import
-- rejected (origin 'import', provider 'librecon', the reason as
-- provider_code), provider API errors a job recorded ('provider') and
-- failed payments a report carried ('report'). Each has its unified
-- code. Recorded provider failures that repeat while open share a
-- fingerprint and count occurrences instead of adding rows.
CREATE TABLE failures (
  id              INTEGER PRIMARY KEY,
  origin          TEXT NOT NULL
                    CHECK (origin = 'import' OR origin = 'provider' OR origin = 'report'),
  source_id       INTEGER REFERENCES sources(id),
  import_id       INTEGER REFERENCES imports(id),
  transaction_id  INTEGER REFERENCES transactions(id),
  line            INTEGER,
  field           TEXT,
  column_name     TEXT,
  provider        TEXT NOT NULL,
  http_status     INTEGER,
  provider_code   TEXT,
  unified_code    TEXT NOT NULL,
  category        TEXT NOT NULL,
  message         TEXT NOT NULL,
  raw             TEXT,
  request_id      TEXT,
  context         TEXT,
  fingerprint     TEXT,
  occurrences     INTEGER NOT NULL DEFAULT 1 CHECK (occurrences >= 1),
  first_seen      TEXT NOT NULL,
  last_seen       TEXT NOT NULL,
  resolved_at     TEXT,
  resolved_by     TEXT,
  resolution_note TEXT,
  CHECK ((resolved_at IS NULL) = (resolution_note IS NULL))
) STRICT;
CREATE INDEX failures_by_import ON failures(import_id);
CREATE INDEX failures_by_code ON failures(unified_code, provider);
CREATE UNIQUE INDEX failures_open_by_fingerprint ON failures(fingerprint)
  WHERE fingerprint IS NOT NULL AND resolved_at IS NULL;

-- The unified error table, mirrored from the library (refreshed when
-- the compiled-in table changes) so reporting tools can join
-- failures to it.
CREATE TABLE unified_codes (
  code          TEXT PRIMARY KEY,
  category      TEXT NOT NULL,
  retryable     INTEGER NOT NULL CHECK (retryable = 0 OR retryable = 1),
  retry_policy  TEXT NOT NULL,
  meaning       TEXT NOT NULL
) STRICT;
CREATE TABLE error_codes (
  id            INTEGER PRIMARY KEY,
  provider      TEXT NOT NULL,
  http_status   INTEGER,
  http_class    TEXT,
  provider_code TEXT NOT NULL,
  cause         TEXT NOT NULL,
  unified_code  TEXT NOT NULL,
  category      TEXT NOT NULL,
  retryable     INTEGER NOT NULL CHECK (retryable = 0 OR retryable = 1),
  retry_policy  TEXT NOT NULL,
  action        TEXT NOT NULL,
  description   TEXT NOT NULL,
  spec          TEXT NOT NULL
) STRICT;
CREATE INDEX error_codes_by_key ON error_codes(provider, http_status, provider_code);
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Matching. A match ties left and right transactions under a rule (or
-- a person's decision); nothing is deleted: an undone match keeps who,
-- when and why. A transaction's status is derived, never stored twice:
-- matched (in an active match), ignored, exception (an open exception
-- names it), else unmatched; see v_transaction_status.
CREATE TABLE match_runs (
  id          INTEGER PRIMARY KEY,
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  actor       TEXT NOT NULL,
  rules       TEXT NOT NULL,  -- the rule names, in the order they ran
  rules_text  TEXT NOT NULL,  -- the rules file as given: every setting used
  matches     INTEGER NOT NULL DEFAULT 0,
  exceptions_opened INTEGER NOT NULL DEFAULT 0,
  exceptions_closed INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE matches (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER REFERENCES match_runs(id),
  rule        TEXT NOT NULL,
  origin      TEXT NOT NULL CHECK (origin = 'auto' OR origin = 'manual'),
  score       INTEGER NOT NULL,
  evidence    TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  note        TEXT,
  forced      INTEGER NOT NULL DEFAULT 0 CHECK (forced = 0 OR forced = 1),
  undone_at   TEXT,
  undone_by   TEXT,
  undo_note   TEXT
) STRICT;
CREATE TABLE match_items (
  match_id       INTEGER NOT NULL REFERENCES matches(id),
  transaction_id INTEGER NOT NULL REFERENCES transactions(id),
  side           TEXT NOT NULL CHECK (side = 'left' OR side = 'right'),
  PRIMARY KEY (match_id, transaction_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX match_items_by_transaction ON match_items(transaction_id);
CREATE TABLE exceptions (
  id             INTEGER PRIMARY KEY,
  run_id         INTEGER REFERENCES match_runs(id),
  rule           TEXT NOT NULL,
  transaction_id INTEGER NOT NULL REFERENCES transactions(id),
  reason         TEXT NOT NULL CHECK (reason = 'ambiguous' OR reason = 'contested'
                   OR reason = 'near_miss_amount' OR reason = 'near_miss_date'),
  candidates     TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  closed_at      TEXT,
  closed_by_run  INTEGER REFERENCES match_runs(id)
) STRICT;
CREATE INDEX exceptions_open ON exceptions(transaction_id) WHERE closed_at IS NULL;
CREATE TABLE ignores (
  id             INTEGER PRIMARY KEY,
  transaction_id INTEGER NOT NULL REFERENCES transactions(id),
  created_at     TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  note           TEXT NOT NULL,
  undone_at      TEXT,
  undone_by      TEXT,
  undo_note      TEXT
) STRICT;
CREATE UNIQUE INDEX ignores_active ON ignores(transaction_id) WHERE undone_at IS NULL;
CREATE TABLE match_audit (
  id             INTEGER PRIMARY KEY,
  at             TEXT NOT NULL,
  actor          TEXT NOT NULL,
  action         TEXT NOT NULL CHECK (action = 'match_add' OR action = 'match_undo'
                   OR action = 'ignore' OR action = 'unignore'),
  match_id       INTEGER REFERENCES matches(id),
  transaction_id INTEGER REFERENCES transactions(id),
  note           TEXT NOT NULL
) STRICT;
