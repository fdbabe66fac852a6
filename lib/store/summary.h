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

/* Marks the blocks of ids first..last (an import's new rows), of the items
 * of a match (a match made one at a time), as changed. Inside the
 * writer's transaction. */
int rc_summary_mark_range(recon_db *db, int64_t first, int64_t last);
int rc_summary_mark_match(recon_db *db, int64_t match_id);

/* The highest transaction id, 0 when there is none. */
int rc_summary_max_id(recon_db *db, int64_t *out);

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

/* Summarises the dirty blocks again, inside the current transaction. */
int rc_summary_store(recon_db *db);

/* Before a report: summarises the dirty blocks in a transaction of its
 * own, when the handle can write and no other writer holds the lock;
 * otherwise does nothing (the views are exact either way). */
int rc_summary_refresh(recon_db *db);

#endif
