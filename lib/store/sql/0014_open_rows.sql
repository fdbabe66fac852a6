-- Migration 14 (schema version 14): the open transactions of the clean
-- blocks, by id (docs/ARCHITECTURE.md, "Summaries"). A listing of what is
-- open (v_unmatched, `recon report unmatched`) reads those rows, and the
-- rows of dirty blocks, instead of every row of every block that holds
-- something open: its cost follows what it lists.
--
-- Kept with the cells, in the same transaction: for a block not in
-- summary_dirty, summary_open holds exactly its transactions whose status
-- was unmatched, exception or partially_matched when it was summarised;
-- the rows of a dirty block are ignored until it is summarised again.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE summary_open (
  transaction_id INTEGER PRIMARY KEY
) STRICT;
-- The blocks with something open are summarised again (by the first
-- report after the upgrade), which lists their open rows.
INSERT OR IGNORE INTO summary_dirty(block) SELECT block FROM summary_cells
  WHERE status IN ('unmatched', 'exception', 'partially_matched');
