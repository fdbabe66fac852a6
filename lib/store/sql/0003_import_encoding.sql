-- Migration 3 (schema version 3): the character encoding each import read
-- its file in (docs/PROFILES.md, "Encodings"), as iconv(3) names it.
-- Imports made before it were all read as UTF-8.
--
-- APPEND-ONLY: these statements shipped and must never change again; a
-- schema change is a new migration file (docs/UPGRADING.md).
ALTER TABLE imports ADD COLUMN encoding TEXT NOT NULL DEFAULT 'UTF-8';
