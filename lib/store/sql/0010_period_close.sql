-- Migration 10 (schema version 10): closed periods (docs/ACCOUNTING.md,
-- "Closing a period"). Closing until a day makes the journal of every day
-- up to it final: every match of those days has its entry, none of them
-- can be undone, and no later entry is dated in it. A close can be
-- reopened (recorded, never deleted); the period closed is up to the
-- latest close not reopened.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE period_closes (
  id          INTEGER PRIMARY KEY,
  until_date  TEXT NOT NULL,          -- YYYY-MM-DD, the last day closed
  closed_at   TEXT NOT NULL,
  closed_by   TEXT NOT NULL,
  note        TEXT,
  reopened_at TEXT,
  reopened_by TEXT,
  reopen_note TEXT
) STRICT;
