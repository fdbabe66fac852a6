-- Migration 2 (schema version 2): the tables of the reporting interface
-- (docs/REPORTING.md); its views are derived objects, kept apart
-- (docs/UPGRADING.md).
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file. The test suite holds this file's
-- SHA-256 and fails if it is edited.

-- ISO 4217, mirrored from the library like the error table, so that
-- reporting tools can turn minor units into major ones.
CREATE TABLE currencies (
  code      TEXT PRIMARY KEY CHECK (length(code) = 3),
  numeric   INTEGER NOT NULL,
  exponent  INTEGER NOT NULL CHECK (exponent BETWEEN 0 AND 4),
  unit      INTEGER NOT NULL  -- 10^exponent minor units make one major unit
) STRICT;
INSERT INTO meta(key, value) VALUES ('views_version', '1');
