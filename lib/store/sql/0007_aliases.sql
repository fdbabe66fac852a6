-- Migration 7 (schema version 7): aliases people teach (docs/MATCHING.md,
-- "Aliases"). When a person matches a bank line to a transaction whose
-- reference the bank text does not carry, the bank's payer (its
-- counterparty, or its text without digits) is recorded as standing for the
-- other side's counterparty; rules with counterparty = alias use it.
-- Removing one keeps its row.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE aliases (
  id           INTEGER PRIMARY KEY,
  pattern      TEXT NOT NULL CHECK (pattern <> ''),       -- the payer key the left side writes
  counterparty TEXT NOT NULL CHECK (counterparty <> ''),  -- the payer key it stands for
  taught_by    TEXT NOT NULL,
  taught_at    TEXT NOT NULL,
  match_id     INTEGER REFERENCES matches(id),  -- the match it was learnt from; NULL: added by hand
  note         TEXT,
  uses         INTEGER NOT NULL DEFAULT 0,      -- matches a run made through it
  last_used_at TEXT,
  removed_at   TEXT,
  removed_by   TEXT,
  remove_note  TEXT
) STRICT;
-- One meaning per payer key at a time.
CREATE UNIQUE INDEX aliases_active ON aliases(pattern) WHERE removed_at IS NULL;
