-- Migration 9 (schema version 9): journal entries for the books
-- (docs/ACCOUNTING.md). Every confirmed match becomes one balanced entry
-- when it is first exported; an exported match that is undone gets a
-- reversing entry. Entries are kept as made (with the accounts text they
-- were made with, in journal_exports), never edited, so an export can be
-- repeated to the minor unit.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE journal_exports (
  id            INTEGER PRIMARY KEY,
  exported_at   TEXT NOT NULL,
  exported_by   TEXT NOT NULL,
  format        TEXT NOT NULL,
  since         TEXT,                -- the export's --since, or NULL
  accounts_text TEXT NOT NULL,       -- the mapping the entries were made with
  entries       INTEGER NOT NULL     -- entries it made (reversals included)
) STRICT;

CREATE TABLE journal_entries (
  id         INTEGER PRIMARY KEY,
  match_id   INTEGER NOT NULL REFERENCES matches(id),
  kind       TEXT NOT NULL CHECK (kind IN ('post', 'reverse')),
  reverses   INTEGER REFERENCES journal_entries(id),  -- a reversal's entry
  entry_date TEXT NOT NULL,          -- YYYY-MM-DD
  memo       TEXT NOT NULL,
  export_id  INTEGER NOT NULL REFERENCES journal_exports(id),
  UNIQUE (match_id, kind)
) STRICT;

CREATE TABLE journal_lines (
  entry_id       INTEGER NOT NULL REFERENCES journal_entries(id),
  line           INTEGER NOT NULL,
  account        TEXT NOT NULL,
  currency       TEXT NOT NULL,
  amount_minor   INTEGER NOT NULL CHECK (amount_minor <> 0),  -- debit > 0, credit < 0
  transaction_id INTEGER REFERENCES transactions(id),         -- NULL: variance, suspense, conversion
  memo           TEXT NOT NULL,
  PRIMARY KEY (entry_id, line)
) STRICT, WITHOUT ROWID;
CREATE INDEX journal_entries_by_date ON journal_entries(entry_date);
