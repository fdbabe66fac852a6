-- Migration 8 (schema version 8): partial allocation (docs/MATCHING.md,
-- "Partial allocation"). A match may take only part of a transaction's
-- amount: an invoice paid in two instalments is matched twice, each for its
-- part. A match item without a row here takes the whole transaction (every
-- match made before this migration). A transaction whose active matches
-- take less than its amount is partially_matched, with the rest open.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE allocations (
  match_id       INTEGER NOT NULL REFERENCES matches(id),
  transaction_id INTEGER NOT NULL REFERENCES transactions(id),
  amount_minor   INTEGER NOT NULL CHECK (amount_minor <> 0),  -- same sign as the transaction's
  PRIMARY KEY (match_id, transaction_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX allocations_by_transaction ON allocations(transaction_id);
