-- Migration 11 (schema version 11): the decline taxonomy mirrored beside
-- the error table (docs/ERROR_CODES.md, "Declines"), so that reporting
-- tools can join a failure's unified code to whether it is a soft or a
-- hard decline, the ISO 8583 codes it covers and what the card networks
-- allow; and each error-table row's own ISO 8583 code. Both are refilled
-- from the library whenever its compiled-in table changes. And an index
-- over failures' fingerprints, open or resolved: a failed payment a report
-- records is kept once, however often the report is imported again.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new numbered file (docs/UPGRADING.md).
CREATE TABLE decline_codes (
  code                TEXT PRIMARY KEY,   -- a unified code of category 'decline'
  decline_type        TEXT NOT NULL CHECK (decline_type IN ('soft', 'hard')),
  visa_category       TEXT NOT NULL,      -- '1'..'4', or '' where Visa has none
  iso8583             TEXT NOT NULL,      -- ISO 8583 response codes, space-separated
  retry_first_minutes INTEGER NOT NULL,
  retry_max           INTEGER NOT NULL,
  retry_days          INTEGER NOT NULL,
  retry_advice        TEXT NOT NULL,
  customer_action     TEXT NOT NULL,
  sources             TEXT NOT NULL
) STRICT;
ALTER TABLE error_codes ADD COLUMN iso8583 TEXT NOT NULL DEFAULT '';
-- A failed payment in a report is recorded once per source and id
-- (fingerprint 'report:SOURCE:ID'), resolved or not: a re-import looks it up.
CREATE INDEX failures_by_fingerprint ON failures(fingerprint) WHERE fingerprint IS NOT NULL;
