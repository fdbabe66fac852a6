/* match: the matching engine's store adapter (match.c), shared with
 * explain.c and matchops.c: what a run reads from the database into the
 * engine's structures (match/engine.h). The only match header that may
 * hand out SQLite. */
#ifndef RECON_MATCH_H
#define RECON_MATCH_H

#include "match/engine.h"
#include "store/store.h"

/* Who did it, as the audit columns record: the actor given, else
 * "unknown". */
static inline const char *rc_who(const char *actor) {
    return actor && *actor ? actor : "unknown";
}

/* Everything matched in full or ignored, into b; what is open of each
 * transaction partly matched, into parts (rc_match_parts). */
int rc_match_taken(recon_db *db, rc_bitset *b, rc_parts *parts);

/* The transactions partly matched and what is open of each, by id. */
int rc_match_parts(recon_db *db, rc_parts *parts);

/* Loads the rows the rules can use (their text fields only), in id order;
 * a partly matched one (in parts) with what is open of its amount. */
int rc_rows_load(recon_db *db, const recon_rules *rules, const rc_bitset *taken,
                 const rc_parts *parts, rc_rows *out);

/* The vetoes: items of undone matches (by match id) and of rejected
 * suggestions (by minus the suggestion's id); with tx, only those
 * involving that transaction. Sorted. */
int rc_match_vetoes(recon_db *db, int64_t tx, rc_vetoes *v);

/* Stores a run's suggestions (review.c): those found again keep their row
 * (confidence and evidence brought up to date), new ones are opened, open
 * ones not found again are closed by the run. Counts into out. */
int rc_suggestions_write(recon_db *db, const rc_engine *e, int64_t run_id, const char *now,
                         recon_match_result *out);

/* Closes the open suggestions naming transaction tx (a person matched or
 * ignored it). */
int rc_suggestions_close_for(recon_db *db, int64_t tx, const char *now);

/* Ignores (on) or takes back (!on) a transaction inside the caller's write
 * transaction (matchops.c): the ignore row, its audit row, and for an
 * ignore the open exceptions and suggestions of the transaction closed. */
int rc_set_ignored(recon_db *db, int64_t tx, const char *note, const char *actor, int on,
                   const char *now);

/* The aliases in force, into rows (aliases.c). */
int rc_aliases_load(recon_db *db, rc_rows *rows);
/* One more match a run made through alias id. */
int rc_alias_used(recon_db *db, int64_t id, const char *now);
/* Learns from a match a person made (a manual match, an accepted
 * suggestion) when its left side names a payer that the right side's
 * reference does not appear with: the payer's key comes to stand for the
 * right side's counterparty. Inside the caller's write transaction. */
int rc_alias_learn(recon_db *db, int64_t match_id, const char *actor, const char *now);

#endif
