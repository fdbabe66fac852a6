/* match: the matching engine's store adapter (match.c), shared with
 * explain.c and matchops.c: what a run reads from the database into the
 * engine's structures (match/engine.h). The only match header that may
 * hand out SQLite. */
#ifndef RECON_MATCH_H
#define RECON_MATCH_H

#include "match/engine.h"
#include "store/store.h"

/* Everything matched (in an active match) or ignored, into b. */
int rc_match_taken(recon_db *db, rc_bitset *b);

/* Loads the rows the rules can use (their text fields only). */
int rc_rows_load(recon_db *db, const recon_rules *rules, const rc_bitset *taken, rc_rows *out);

#endif
