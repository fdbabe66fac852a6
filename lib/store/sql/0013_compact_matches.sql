-- Schema 13: an automatic match stores what it shares with its run and
-- with other matches once. At 1M matches the rows were 130 MB, 80% of it
-- the same evidence, time and actor repeated; now 37 MB.
--
-- The table is renamed match_store (the foreign keys of match_items,
-- match_audit, match_variances, allocations, suggestions, aliases and
-- journal_entries follow it) and `matches` becomes a view with the very
-- same columns and values: every reader, ours and yours, is unchanged.
-- Writes go to match_store.
--
-- In match_store, for rows from this version on:
-- - evidence = '' and evidence_id names its text in match_evidence, or
--   evidence holds the text itself (evidence_id NULL), as before;
-- - created_at = '' and created_by = '' say "when and by whom its run
--   started" (match_runs.started_at, actor): an automatic match is made
--   by its run, at its start. Manual and reviewed matches keep theirs.
CREATE TABLE match_evidence (
  id       INTEGER PRIMARY KEY,
  evidence TEXT NOT NULL UNIQUE
) STRICT;
ALTER TABLE matches RENAME TO match_store;
ALTER TABLE match_store ADD COLUMN evidence_id INTEGER REFERENCES match_evidence(id);
CREATE VIEW matches AS
SELECT m.id, m.run_id, m.rule, m.origin, m.score,
       CASE WHEN m.evidence_id IS NULL THEN m.evidence
            ELSE (SELECT e.evidence FROM match_evidence e WHERE e.id = m.evidence_id) END
         AS evidence,
       CASE WHEN m.created_at <> '' THEN m.created_at
            ELSE (SELECT r.started_at FROM match_runs r WHERE r.id = m.run_id) END AS created_at,
       CASE WHEN m.created_by <> '' THEN m.created_by
            ELSE (SELECT r.actor FROM match_runs r WHERE r.id = m.run_id) END AS created_by,
       m.note, m.forced, m.undone_at, m.undone_by, m.undo_note
  FROM match_store m;
