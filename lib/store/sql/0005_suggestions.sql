-- Migration 5 (schema version 5): suggestions and the review queue
-- (docs/MATCHING.md, "Confidence and suggestions"). A rule with suggest_at
-- offers the candidates it would not confirm (ties, near misses) as
-- suggestions, ranked by confidence; a person accepts one (it becomes a
-- match, reported with origin 'reviewed') or rejects it (a veto: the pair
-- is never suggested or matched again). Nothing is deleted: a suggestion a
-- later run no longer finds is closed, like an exception.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE suggestions (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER REFERENCES match_runs(id),
  rule          TEXT NOT NULL,
  -- the left and right transaction ids, sorted, as 'L:1,2|R:7': a run that
  -- finds the same suggestion again keeps it (same id)
  pair_key      TEXT NOT NULL,
  confidence    INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
  evidence      TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status = 'open' OR status = 'accepted' OR status = 'rejected'
                         OR status = 'closed'),
  decided_at    TEXT,
  decided_by    TEXT,
  note          TEXT,
  match_id      INTEGER REFERENCES matches(id),   -- the match an acceptance made
  closed_at     TEXT,
  closed_by_run INTEGER REFERENCES match_runs(id) -- NULL when a person's decision closed it
) STRICT;
CREATE INDEX suggestions_open ON suggestions(rule, pair_key) WHERE status = 'open';
CREATE INDEX suggestions_by_match ON suggestions(match_id) WHERE match_id IS NOT NULL;
CREATE TABLE suggestion_items (
  suggestion_id  INTEGER NOT NULL REFERENCES suggestions(id),
  transaction_id INTEGER NOT NULL REFERENCES transactions(id),
  side           TEXT NOT NULL CHECK (side = 'left' OR side = 'right'),
  PRIMARY KEY (suggestion_id, transaction_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX suggestion_items_by_transaction ON suggestion_items(transaction_id);
