-- Migration 6 (schema version 6): exceptions and suggestions as work items
-- (docs/MATCHING.md, "Working the queue"): assigned to a person, commented,
-- and exceptions resolved with a reason from a fixed list. The current
-- owner and resolution live on the item; every assignment, comment and
-- resolution is a row of work_log, never edited.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
ALTER TABLE exceptions ADD COLUMN assigned_to TEXT;
ALTER TABLE exceptions ADD COLUMN resolution TEXT
  CHECK (resolution IS NULL OR resolution IN ('written_off', 'duplicate', 'matched_outside',
                                              'not_ours', 'other'));
ALTER TABLE exceptions ADD COLUMN resolved_by TEXT;
ALTER TABLE suggestions ADD COLUMN assigned_to TEXT;
-- The owner a run's new exception for the same transaction inherits:
-- looked up per exception written, so indexed (few rows are assigned).
CREATE INDEX exceptions_assigned ON exceptions(transaction_id, id) WHERE assigned_to IS NOT NULL;
CREATE TABLE work_log (
  id            INTEGER PRIMARY KEY,
  at            TEXT NOT NULL,
  actor         TEXT NOT NULL,
  exception_id  INTEGER REFERENCES exceptions(id),
  suggestion_id INTEGER REFERENCES suggestions(id),
  action        TEXT NOT NULL CHECK (action = 'assign' OR action = 'comment' OR action = 'resolve'),
  assigned_to   TEXT,     -- assign: the new owner (NULL: unassigned)
  resolution    TEXT,     -- resolve: the reason
  note          TEXT,
  CHECK ((exception_id IS NULL) <> (suggestion_id IS NULL))
) STRICT;
CREATE INDEX work_log_by_exception ON work_log(exception_id) WHERE exception_id IS NOT NULL;
CREATE INDEX work_log_by_suggestion ON work_log(suggestion_id) WHERE suggestion_id IS NOT NULL;
