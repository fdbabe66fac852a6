/* Summaries: counts and sums per block of transaction ids, which the
 * reporting views read instead of every transaction (summary.c). */
#ifndef RC_STORE_SUMMARY_H
#define RC_STORE_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A block is the transactions whose id >> RC_SUMMARY_SHIFT is its number
 * (the SQL of migration 12 and fragments.sql writes the 10 and 1024 out). */
#define RC_SUMMARY_SHIFT 10

/* Marks the block of transaction id (a row an import stored), the blocks
 * of the items of a match (a match made one at a time), as changed.
 * Inside the writer's transaction. */
int rc_summary_mark(recon_db *db, int64_t id);
int rc_summary_mark_match(recon_db *db, int64_t match_id);

/* The blocks a bulk writer touched (a match run's items), gathered in
 * memory and marked once. */
typedef struct {
    uint8_t *bits;
    size_t nbits;
} rc_blocks;

void rc_blocks_init(rc_blocks *b);
/* -1 when out of memory. */
int rc_blocks_add(rc_blocks *b, int64_t id);
int rc_blocks_store(recon_db *db, const rc_blocks *b);
void rc_blocks_free(rc_blocks *b);

/* Before a report: summarises the dirty blocks, 64 blocks per
 * transaction of its own with a pause between, while the handle can write
 * and no other writer holds the lock; otherwise leaves them (the views are
 * exact either way). Only a stop asked by the progress handler is an
 * error. */
int rc_summary_refresh(recon_db *db);

#endif
