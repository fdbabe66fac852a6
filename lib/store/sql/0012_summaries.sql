-- Migration 12 (schema version 12): summaries the reports read instead of
-- every transaction (docs/ARCHITECTURE.md, "Summaries"). Transactions are
-- summarised in blocks of 1024 consecutive ids: per block, counts and
-- sums by source, day, currency and status (summary_cells) and, for rows
-- with a payout id, by payout and active match (payout_cells). A write that
-- can change a transaction's status marks its block in summary_dirty, in
-- the same transaction as the write; the views read the cells of clean
-- blocks and work out the dirty ones from the transactions themselves, so
-- they are exact whatever is marked; the library summarises dirty blocks
-- again when it next reads. Sums are kept as the sums of their high and low
-- 32 bits, which never overflow and add up exactly across cells.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE summary_cells (
  block        INTEGER NOT NULL,   -- transaction id >> 10
  source_id    INTEGER NOT NULL,
  day          TEXT,               -- date(occurred_at)
  currency     TEXT NOT NULL,
  status       TEXT NOT NULL,      -- as v_transactions gives it
  transactions INTEGER NOT NULL,
  amount_hi    INTEGER NOT NULL,   -- sum(amount_minor >> 32)
  amount_lo    INTEGER NOT NULL,   -- sum(amount_minor & 0xffffffff)
  net_hi       INTEGER NOT NULL,
  net_lo       INTEGER NOT NULL,
  remaining_n  INTEGER NOT NULL,   -- rows whose open remainder is known
  remaining_hi INTEGER,
  remaining_lo INTEGER,
  gross_n      INTEGER NOT NULL,   -- rows whose |remainder| is an int64
  gross_hi     INTEGER,
  gross_lo     INTEGER
) STRICT;
CREATE INDEX summary_cells_by_block ON summary_cells(block);
CREATE TABLE payout_cells (
  block                 INTEGER NOT NULL,
  source_id             INTEGER NOT NULL,
  group_id              TEXT NOT NULL,
  currency              TEXT NOT NULL,
  match_id              INTEGER,    -- the rows' active match, NULL when none
  items                 INTEGER NOT NULL,   -- rows other than the payout row
  gross_hi INTEGER, gross_lo INTEGER, fee_hi INTEGER, fee_lo INTEGER,
  net_hi INTEGER, net_lo INTEGER,
  payouts               INTEGER NOT NULL,   -- payout rows
  payout_transaction_id INTEGER,
  payout_hi INTEGER, payout_lo INTEGER,
  payout_row_day        TEXT,
  items_day             TEXT,       -- the latest day of all the rows
  any_id                INTEGER NOT NULL    -- the lowest id of the rows
) STRICT;
CREATE INDEX payout_cells_by_block ON payout_cells(block);
CREATE TABLE summary_dirty (block INTEGER PRIMARY KEY) STRICT;
-- Every block is dirty at first: the first report after the upgrade
-- summarises them.
INSERT INTO summary_dirty(block) SELECT DISTINCT id >> 10 FROM transactions;

-- The writes that come few at a time mark their blocks through triggers;
-- the two that come by the million (an import's transactions, a run's match
-- items) mark them from the library, by the block rather than by the row.
CREATE TRIGGER summary_exception_opened AFTER INSERT ON exceptions BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (NEW.transaction_id >> 10); END;
CREATE TRIGGER summary_exception_closed AFTER UPDATE OF closed_at ON exceptions BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (NEW.transaction_id >> 10); END;
CREATE TRIGGER summary_exception_deleted AFTER DELETE ON exceptions BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (OLD.transaction_id >> 10); END;
CREATE TRIGGER summary_ignored AFTER INSERT ON ignores BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (NEW.transaction_id >> 10); END;
CREATE TRIGGER summary_unignored AFTER UPDATE OF undone_at ON ignores BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (NEW.transaction_id >> 10); END;
CREATE TRIGGER summary_ignore_deleted AFTER DELETE ON ignores BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (OLD.transaction_id >> 10); END;
CREATE TRIGGER summary_match_undone AFTER UPDATE OF undone_at ON matches BEGIN
  INSERT OR IGNORE INTO summary_dirty(block)
    SELECT DISTINCT transaction_id >> 10 FROM match_items WHERE match_id = NEW.id; END;
CREATE TRIGGER summary_item_deleted AFTER DELETE ON match_items BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (OLD.transaction_id >> 10); END;
CREATE TRIGGER summary_part_added AFTER INSERT ON allocations BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (NEW.transaction_id >> 10); END;
CREATE TRIGGER summary_part_changed AFTER UPDATE ON allocations BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (OLD.transaction_id >> 10);
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (NEW.transaction_id >> 10); END;
CREATE TRIGGER summary_part_deleted AFTER DELETE ON allocations BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (OLD.transaction_id >> 10); END;
CREATE TRIGGER summary_transaction_changed AFTER UPDATE ON transactions BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (OLD.id >> 10); END;
CREATE TRIGGER summary_transaction_deleted AFTER DELETE ON transactions BEGIN
  INSERT OR IGNORE INTO summary_dirty(block) VALUES (OLD.id >> 10); END;
