/* The summaries the reports read (migration 12; docs/ARCHITECTURE.md,
 * "Summaries"): transactions in blocks of 1024 ids (id >> RC_SUMMARY_SHIFT),
 * each block's counts and sums kept in summary_cells and payout_cells. A write
 * marks the blocks it changes in summary_dirty, in its own transaction;
 * the views work dirty blocks out from the transactions, so they are exact
 * at any moment, and rc_summary_refresh stores them again so that the next
 * read is cheap. Marking is the writers' one duty: a block marked for
 * nothing costs a read, one left unmarked would be a wrong report, so when
 * in doubt a writer marks. */
#include "store/summary.h"

#include <stdlib.h>
#include <string.h>

#include "store/sql.h"

static const char MARK_SQL[] = "INSERT OR IGNORE INTO summary_dirty(block) VALUES (?1)";

/* Marks block b with the prepared MARK_SQL st. */
static int mark_block(recon_db *db, sqlite3_stmt *st, int64_t b) {
    sqlite3_bind_int64(st, 1, b);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "marking summaries");
}

int rc_summary_mark(recon_db *db, int64_t id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, MARK_SQL, &st);
    if (!rc) rc = mark_block(db, st, id >> RC_SUMMARY_SHIFT);
    sqlite3_finalize(st);
    return rc;
}

int rc_summary_mark_match(recon_db *db, int64_t match_id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT OR IGNORE INTO summary_dirty(block) SELECT DISTINCT"
                        " transaction_id >> 10 FROM match_items WHERE match_id = ?1",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, match_id);
    if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "marking summaries");
    sqlite3_finalize(st);
    return rc;
}

void rc_blocks_init(rc_blocks *b) {
    memset(b, 0, sizeof *b);
}

int rc_blocks_add(rc_blocks *b, int64_t id) {
    if (id < 0) return 0;
    uint64_t block = (uint64_t)id >> RC_SUMMARY_SHIFT;
    if (block >= b->nbits) {
        size_t n = b->nbits ? b->nbits : 1024;
        while (n <= block)
            n *= 2;
        uint8_t *bits = realloc(b->bits, n / 8);
        if (!bits) return -1;
        memset(bits + b->nbits / 8, 0, (n - b->nbits) / 8);
        b->bits = bits;
        b->nbits = n;
    }
    b->bits[block / 8] |= (uint8_t)(1u << (block % 8));
    return 0;
}

int rc_blocks_store(recon_db *db, const rc_blocks *b) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, MARK_SQL, &st);
    for (size_t i = 0; !rc && i < b->nbits; i++)
        if (b->bits[i / 8] & (1u << (i % 8))) rc = mark_block(db, st, (int64_t)i);
    sqlite3_finalize(st);
    return rc;
}

void rc_blocks_free(rc_blocks *b) {
    free(b->bits);
    memset(b, 0, sizeof *b);
}

/* Whether any block waits. */
static int any_dirty(recon_db *db, int *out) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT EXISTS (SELECT 1 FROM summary_dirty)", &st);
    if (rc) return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    else
        rc = rc_fail_sql(db, "reading the summaries");
    sqlite3_finalize(st);
    return rc;
}

/* Blocks summarised per transaction: 64 blocks are about a third of a
 * second of work, so a writer that comes while a report summarises a big
 * change waits that long at most, not for the whole of it. */
#define CHUNK_BLOCKS "64"
enum { CHUNK_PAUSE_MS = 50 };

/* Summarises up to CHUNK_BLOCKS dirty blocks (the lowest) inside the
 * current transaction; *left = 1 when some remain. */
static int store_chunk(recon_db *db, int *left) {
    /* clang-format off */
    static const char SQL[] =
        "CREATE TEMP TABLE IF NOT EXISTS rc_sum_chunk(block INTEGER PRIMARY KEY);"
        "DELETE FROM temp.rc_sum_chunk;"
        "INSERT INTO temp.rc_sum_chunk"
        " SELECT block FROM summary_dirty ORDER BY block LIMIT " CHUNK_BLOCKS ";"
        "DROP TABLE IF EXISTS temp.rc_sum_rows;"
        "CREATE TEMP TABLE rc_sum_rows AS SELECT * FROM "
            RC_SQL_DIRTY_ROWS("temp.rc_sum_chunk") ";"
        "DELETE FROM summary_cells WHERE block IN (SELECT block FROM temp.rc_sum_chunk);"
        "DELETE FROM payout_cells WHERE block IN (SELECT block FROM temp.rc_sum_chunk);"
        "DELETE FROM summary_open WHERE transaction_id IN (SELECT o.transaction_id"
        " FROM temp.rc_sum_chunk d JOIN summary_open o"
        " ON " RC_SQL_IN_BLOCK("o.transaction_id", "d") ");"
        "INSERT INTO summary_cells SELECT * FROM "
            RC_SQL_STATUS_CELLS_FROM("temp.rc_sum_rows") ";"
        "INSERT INTO summary_open SELECT transaction_id FROM temp.rc_sum_rows"
        " WHERE " RC_SQL_IS_OPEN("status") ";"
        "INSERT INTO payout_cells SELECT * FROM " RC_SQL_PAYOUT_CELLS_OF("temp.rc_sum_chunk") ";"
        "DELETE FROM summary_dirty WHERE block IN (SELECT block FROM temp.rc_sum_chunk);"
        "DROP TABLE temp.rc_sum_rows;";
    /* clang-format on */
    int rc = rc_exec(db, SQL);
    return rc ? rc : any_dirty(db, left);
}

/* Takes the write lock without waiting for another writer. A borrowed
 * connection keeps the busy handler its owner set: it is not ours to
 * replace (there is no reading it back to restore it). */
static int begin_now(recon_db *db) {
    if (!db->borrowed) sqlite3_busy_timeout(db->sql, 0);
    int ok = sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    if (!db->borrowed) sqlite3_busy_timeout(db->sql, db->busy_timeout_ms);
    return ok;
}

int rc_summary_refresh(recon_db *db) {
    /* Inside the caller's transaction, or on a handle that cannot write,
     * the views work the dirty blocks out themselves. */
    if (!sqlite3_get_autocommit(db->sql) || sqlite3_db_readonly(db->sql, "main")) return RECON_OK;
    int left = 0;
    int rc = any_dirty(db, &left);
    if (rc || !left) return rc;
    /* The caller's progress handler sees this work (a report after a big
     * match waits for it); a stop it asks for ends the report after it. */
    db->summarising = 1;
    for (int first = 1; left && !db->progress_stop; first = 0) {
        /* A pause between chunks lets a writer that waits on its busy
         * timeout in; one holding the lock stops the summarising (the
         * report reads the rest itself this time). */
        if (!first) sqlite3_sleep(CHUNK_PAUSE_MS);
        if (!begin_now(db)) break;
        db->writing = 1;
        rc = store_chunk(db, &left);
        if (rc == RECON_OK && sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            rc = RECON_EIO;
        if (rc) sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        db->writing = 0;
        if (rc) break;
    }
    db->summarising = 0;
    if (db->progress_stop) return rc_callback_stop(db, db->progress_stop, "summarising");
    /* Storing them is an optimisation: a full disk or a lost lock leaves
     * the report to work the blocks out, not to fail. */
    rc_clear_error(db);
    return RECON_OK;
}
