-- Migration 4 (schema version 4): typed variances on matches
-- (docs/MATCHING.md, "Differences booked as variances"). A rule with
-- difference_as = fee|fx|writeoff matches a pair whose amounts differ within
-- its tolerance and records the difference here, apart from the evidence,
-- so that the accounting output can book it to its account. A match has at
-- most one; an undone match keeps its row (the match says it is undone).
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE match_variances (
  match_id          INTEGER PRIMARY KEY REFERENCES matches(id),
  kind              TEXT NOT NULL CHECK (kind = 'fee' OR kind = 'fx' OR kind = 'writeoff'),
  -- left - (+/-)right in minor units, as the evidence's "difference": a fee
  -- withheld from a bank credit is negative (the bank got less)
  difference_minor  INTEGER NOT NULL CHECK (difference_minor <> 0),
  currency          TEXT NOT NULL CHECK (length(currency) = 3)
) STRICT;
