/* The summaries behind the reports (migration 12, lib/store/summary.c):
 * on randomized books, after every kind of write (import, re-import, match
 * run, manual match, part match, undo, ignore, unignore, exception
 * resolved), every summary-backed view read from the stored cells must say
 * exactly what the same view says worked out from scratch, and what the
 * per-transaction views (v_transactions, v_unmatched) add up to. The books
 * span several blocks of ids, so that a write that forgot to mark its block
 * leaves a stale cell that this test sees. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon.h"
#include "testdb.h"
#include "testutil.h"

/* Every row of a query as text, '|' between columns, '\n' after rows. */
static char *dump(sqlite3 *sq, const char *sql) {
    sqlite3_stmt *st;
    ck_assert_msg(sqlite3_prepare_v2(sq, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(sq));
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            const char *v = t ? (const char *)t : "NULL";
            size_t need = len + strlen(v) + 3;
            if (need > cap) {
                while (cap < need)
                    cap *= 2;
                out = realloc(out, cap);
            }
            len += (size_t)sprintf(out + len, "%s%s", i ? "|" : "", v);
        }
        if (len + 2 > cap) out = realloc(out, cap *= 2);
        out[len++] = '\n';
        out[len] = '\0';
    }
    ck_assert_msg(step == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(sq));
    sqlite3_finalize(st);
    return out;
}

/* Fails, naming the first line where a and b differ (Check's messages
 * are short). */
static void same(const char *a, const char *b, const char *after, const char *what,
                 const char *sql) {
    if (!strcmp(a, b)) return;
    size_t i = 0, line = 1, start = 0;
    for (; a[i] && a[i] == b[i]; i++)
        if (a[i] == '\n') line++, start = i + 1;
    ck_abort_msg("%s: %s differ at line %zu (%.80s):\n%.300s\n%.300s", after, what, line, sql,
                 a + start, b + start);
}

static const char *const VIEWS[] = {
    "SELECT * FROM v_daily_summary ORDER BY source, day, currency",
    "SELECT * FROM v_unmatched ORDER BY transaction_id",
    "SELECT * FROM v_aging ORDER BY source, currency, bucket_order",
    "SELECT * FROM v_payouts ORDER BY source, payout_id, currency",
};
#define NVIEWS (sizeof VIEWS / sizeof VIEWS[0])

/* The same figures from the per-transaction views, as the summary views
 * were defined before the summaries existed. */
static const char *const BY_ROW[] = {
    ("SELECT source, day, currency, count(*),"
     " count(*) FILTER (WHERE status = 'matched'),"
     " coalesce(sum(amount_minor) FILTER (WHERE status = 'matched'), 0),"
     " count(*) FILTER (WHERE status = 'unmatched'),"
     " coalesce(sum(amount_minor) FILTER (WHERE status = 'unmatched'), 0),"
     " count(*) FILTER (WHERE status = 'exception'),"
     " coalesce(sum(amount_minor) FILTER (WHERE status = 'exception'), 0),"
     " count(*) FILTER (WHERE status = 'ignored'),"
     " coalesce(sum(amount_minor) FILTER (WHERE status = 'ignored'), 0),"
     " count(*) FILTER (WHERE status = 'partially_matched'),"
     " coalesce(sum(remaining_minor) FILTER (WHERE status = 'partially_matched'), 0)"
     " FROM v_transactions GROUP BY source, day, currency ORDER BY source, day, currency"),
    ("SELECT source, currency, age_bucket, count(*), sum(remaining_minor),"
     " sum(abs(remaining_minor)), min(day) FROM (SELECT *,"
     " CASE WHEN age_days <= 2 THEN '0-2' WHEN age_days <= 7 THEN '3-7'"
     " WHEN age_days <= 30 THEN '8-30' ELSE 'over 30' END AS age_bucket FROM v_transactions"
     " WHERE status IN ('unmatched', 'exception', 'partially_matched') AND age_days >= 0)"
     " GROUP BY source, currency, age_bucket ORDER BY source, currency, age_bucket"),
    /* v_unmatched reads the open rows the summaries list, and dirty blocks */
    ("SELECT transaction_id, status, remaining_minor FROM v_transactions"
     " WHERE status IN ('unmatched', 'exception', 'partially_matched') AND age_days >= 0"
     " ORDER BY transaction_id"),
};
static const char *const FROM_VIEWS[] = {
    ("SELECT source, day, currency, transactions, matched_count, matched_minor, unmatched_count,"
     " unmatched_minor, exception_count, exception_minor, ignored_count, ignored_minor,"
     " partial_count, partial_open_minor FROM v_daily_summary ORDER BY source, day, currency"),
    ("SELECT source, currency, age_bucket, items, amount_minor, gross_minor, oldest_day"
     " FROM v_aging ORDER BY source, currency, bucket_order"),
    "SELECT transaction_id, status, remaining_minor FROM v_unmatched ORDER BY transaction_id",
};

/* recon_summary_each's rows, as "source|currency|n|amount|net" lines. */
static int add_summary_row(const recon_summary_row *r, void *payload) {
    char **out = payload;
    char line[256];
    snprintf(line, sizeof line, "%s|%s|%lld|%lld|%lld\n", r->source, r->currency,
             (long long)r->transactions, (long long)r->amount_minor, (long long)r->net_minor);
    size_t n = strlen(*out);
    *out = realloc(*out, n + strlen(line) + 1);
    strcpy(*out + n, line);
    return 0;
}

/* What the views say from the stored cells (after the library stored them
 * again) must be what they say with every block worked out from scratch,
 * and what the rows add up to. */
static void check_books(recon_db *db, sqlite3 *sq, const char *after) {
    recon_status s = RECON_STATUS_INIT;
    ck_assert_msg(recon_status_get(db, &s) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_msg(tu_qint(sq, "SELECT count(*) FROM summary_dirty") == 0,
                  "%s: blocks left dirty after a report", after);
    ck_assert_int_gt(tu_qint(sq, "SELECT count(*) FROM summary_cells"), 0);
    char *totals = calloc(1, 1);
    ck_assert_int_eq(recon_summary_each(db, add_summary_row, &totals), RECON_OK);
    char *by_row = dump(sq, "SELECT s.name, t.currency, count(*), sum(t.amount_minor),"
                            " sum(t.net_minor) FROM transactions t JOIN sources s"
                            " ON s.id = t.source_id GROUP BY s.name, t.currency"
                            " ORDER BY s.name, t.currency");
    same(by_row, totals, after, "the rows and recon_summary_each", "recon_summary_each");
    free(totals);
    free(by_row);
    char *stored[NVIEWS];
    for (size_t i = 0; i < NVIEWS; i++)
        stored[i] = dump(sq, VIEWS[i]);
    for (size_t i = 0; i < sizeof BY_ROW / sizeof BY_ROW[0]; i++) {
        char *rows = dump(sq, BY_ROW[i]), *view = dump(sq, FROM_VIEWS[i]);
        same(rows, view, after, "the rows and the view", BY_ROW[i]);
        free(rows);
        free(view);
    }
    ck_assert_int_eq(sqlite3_exec(sq,
                                  "BEGIN; DELETE FROM summary_cells; DELETE FROM payout_cells;"
                                  " INSERT OR IGNORE INTO summary_dirty"
                                  " SELECT DISTINCT id >> 10 FROM transactions",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < NVIEWS; i++) {
        char *fresh = dump(sq, VIEWS[i]);
        same(stored[i], fresh, after, "the stored and the recomputed", VIEWS[i]);
        free(fresh);
        free(stored[i]);
    }
    ck_assert_int_eq(sqlite3_exec(sq, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
}

/* v minor units as "-1.05". */
static const char *money(char *buf, long long v) {
    sprintf(buf, "%s%lld.%02lld", v < 0 ? "-" : "", llabs(v) / 100, llabs(v) % 100);
    return buf;
}

/* A PSP file of npay payouts (po_<tag>_<k>) of 1..nmax charges and
 * refunds, in EUR and USD, a few rows with no payout; and the bank file
 * that pays most of them (some a little short, some twice the same
 * amount), with card debits beside. */
static void write_books(const char *tmp, unsigned *seed, const char *tag, int npay, int nmax,
                        char *psp, char *bank, size_t size) {
    size_t cap = 1 << 20, n = 0, bn = 0;
    char *p = malloc(cap), *b = malloc(cap), m1[32], m2[32], m3[32];
    n += (size_t)sprintf(p, "id,type,created,available_on,amount,fee,net,currency,payout_id\n");
    bn += (size_t)sprintf(b, "id,date,description,amount,currency\n");
    for (int k = 0; k < npay; k++) {
        const char *cur = rand_r(seed) % 4 ? "EUR" : "USD";
        int day = 1 + (int)(rand_r(seed) % 27), items = 1 + (int)(rand_r(seed) % (unsigned)nmax);
        long long net = 0;
        for (int i = 0; i < items; i++) {
            long long amount = 100 + rand_r(seed) % 20000, fee = amount / 30;
            int refund = rand_r(seed) % 10 == 0, loose = rand_r(seed) % 20 == 0;
            if (refund) amount = -amount, fee = 0;
            if (!loose) net += amount - fee;
            n += (size_t)sprintf(p + n,
                                 "%s_%d_%d,%s,2024-04-%02dT10:00:00Z,2024-04-%02d,%s,%s,%s,%s,",
                                 tag, k, i, refund ? "refund" : "charge", day, day + 1,
                                 money(m1, amount), money(m2, fee), money(m3, amount - fee), cur);
            if (!loose) n += (size_t)sprintf(p + n, "po_%s_%d", tag, k);
            p[n++] = '\n';
        }
        n += (size_t)sprintf(
            p + n, "po_%s_%d,payout,2024-04-%02dT00:00:00Z,2024-04-%02d,%s,0.00,%s,%s,po_%s_%d\n",
            tag, k, day + 1, day + 1, money(m1, -net), money(m2, -net), cur, tag, k);
        unsigned what = (unsigned)rand_r(seed) % 8;
        if (what == 0) continue; /* never paid */
        long long paid = what == 1 ? net - 1 : net;
        bn += (size_t)sprintf(b + bn, "b_%s_%d,2024-04-%02d,STRIPE PAYOUT PO_%s_%d,%s,%s\n", tag, k,
                              day + 2, tag, k, money(m1, paid), cur);
        if (what == 2) /* the same credit twice */
            bn +=
                (size_t)sprintf(b + bn, "b_%s_%d_again,2024-04-%02d,STRIPE PAYOUT PO_%s_%d,%s,%s\n",
                                tag, k, day + 2, tag, k, m1, cur);
    }
    for (int i = 0; i < npay; i++)
        bn += (size_t)sprintf(b + bn, "d_%s_%d,2024-04-%02d,CARD %d SUPPLIES,-%u.00,EUR\n", tag, i,
                              1 + i % 28, i, 1 + (unsigned)rand_r(seed) % 500);
    char name[64];
    snprintf(name, sizeof name, "psp_%s.csv", tag);
    tu_write_file(tmp, name, p, n, psp, size);
    snprintf(name, sizeof name, "bank_%s.csv", tag);
    tu_write_file(tmp, name, b, bn, bank, size);
    free(p);
    free(b);
}

static void run_default(recon_db *db) {
    recon_rules *rules = NULL;
    ck_assert_int_eq(recon_rules_default(NULL, &rules), RECON_OK);
    recon_match_opts mo = RECON_MATCH_OPTS_INIT;
    mo.rules = rules;
    recon_match_result mr = RECON_MATCH_RESULT_INIT;
    ck_assert_msg(recon_match_run(db, &mo, &mr) == RECON_OK, "%s", recon_errmsg(db));
    recon_rules_free(rules);
}

/* A random id of a query's rows, 0 when it has none. */
static long long pick(sqlite3 *sq, unsigned *seed, const char *sql) {
    long long n = tu_qint(sq, "SELECT count(*) FROM (%s)", sql);
    if (!n) return 0;
    return tu_qint(sq, "SELECT * FROM (%s) LIMIT 1 OFFSET %lld", sql,
                   (long long)((unsigned)rand_r(seed) % (unsigned long long)n));
}

/* One random write through the library; its name into *what. */
static void random_write(recon_db *db, sqlite3 *sq, unsigned *seed, const char **what) {
    long long id;
    int64_t m;
    switch (rand_r(seed) % 7) {
    case 0:
        *what = "undo";
        if ((id = pick(sq, seed, "SELECT id FROM matches WHERE undone_at IS NULL")))
            ck_assert_int_eq(recon_match_undo(db, id, "test", "t"), RECON_OK);
        break;
    case 1:
        *what = "ignore";
        if ((id = pick(sq, seed,
                       "SELECT transaction_id FROM v_transactions WHERE status IN"
                       " ('unmatched', 'exception')")))
            ck_assert_int_eq(recon_ignore(db, id, "test", "t"), RECON_OK);
        break;
    case 2:
        *what = "unignore";
        if ((id = pick(sq, seed, "SELECT transaction_id FROM ignores WHERE undone_at IS NULL")))
            ck_assert_int_eq(recon_unignore(db, id, "test", "t"), RECON_OK);
        break;
    case 3:
        *what = "manual match";
        if ((id = pick(sq, seed,
                       "SELECT transaction_id FROM v_transactions WHERE status IN"
                       " ('unmatched', 'exception') AND source = 'psp'"))) {
            long long other = pick(sq, seed,
                                   "SELECT transaction_id FROM v_transactions WHERE status IN"
                                   " ('unmatched', 'exception') AND source = 'bank'");
            if (other) {
                int64_t l = id, r = other;
                ck_assert_msg(recon_match_add(db, &l, 1, &r, 1, "test", "t", 1, &m) == RECON_OK,
                              "%s", recon_errmsg(db));
            }
        }
        break;
    case 4:
        *what = "part match";
        if ((id = pick(sq, seed,
                       "SELECT transaction_id FROM v_transactions WHERE status IN"
                       " ('unmatched', 'exception', 'partially_matched') AND source = 'psp'"
                       " AND currency = 'EUR' AND fee_minor = 0 AND abs(remaining_minor) > 100"))) {
            long long other = pick(sq, seed,
                                   "SELECT transaction_id FROM v_transactions WHERE status IN"
                                   " ('unmatched', 'exception') AND source = 'bank'"
                                   " AND currency = 'EUR' AND abs(amount_minor) > 100");
            if (other) {
                int64_t l = id, r = other;
                int64_t lm = tu_qint(sq,
                                     "SELECT sign(amount_minor) * 50 FROM transactions"
                                     " WHERE id = %lld",
                                     id);
                int64_t rm = tu_qint(sq,
                                     "SELECT sign(amount_minor) * 50 FROM transactions"
                                     " WHERE id = %lld",
                                     other);
                ck_assert_msg(recon_match_add_parts(db, &l, &lm, 1, &r, &rm, 1, "test", "t", 1,
                                                    &m) == RECON_OK,
                              "%s", recon_errmsg(db));
            }
        }
        break;
    case 5:
        *what = "exception resolved";
        if ((id = pick(sq, seed, "SELECT id FROM exceptions WHERE closed_at IS NULL")))
            ck_assert_msg(recon_exception_resolve(db, id, "written_off", "test", "t") == RECON_OK,
                          "%s", recon_errmsg(db));
        break;
    default:
        *what = "match run";
        run_default(db);
    }
}

START_TEST(test_summaries_match_recomputation) {
    char tmp[256], dbpath[300], psp[400], bank[400], psp2[400], bank2[400];
    recon_db *db;
    sqlite3 *sq;
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-05-10"), RECON_OK);
    unsigned seed = 1000u + (unsigned)_i;
    /* About 2,500 transactions: three blocks of ids. */
    write_books(tmp, &seed, "a", 300, 12, psp, bank, sizeof psp);
    write_books(tmp, &seed, "b", 40, 6, psp2, bank2, sizeof psp2);
    tu_import(db, psp, "generic_psp", "psp");
    check_books(db, sq, "the first import");
    tu_import(db, bank, "generic_bank", "bank");
    ck_assert_int_gt(tu_qint(sq, "SELECT max(id) >> 10 FROM transactions"), 1);
    check_books(db, sq, "the bank import");
    run_default(db);
    ck_assert_int_gt(tu_qint(sq, "SELECT count(*) FROM matches"), 0);
    check_books(db, sq, "the first match run");
    char step[64];
    for (int i = 0; i < 24; i++) {
        const char *what = NULL;
        random_write(db, sq, &seed, &what);
        snprintf(step, sizeof step, "write %d (%s)", i, what);
        check_books(db, sq, step);
        if (i == 10) {
            /* Re-imports store nothing new; new files add rows. */
            tu_import(db, psp, "generic_psp", "psp");
            tu_import(db, psp2, "generic_psp", "psp");
            tu_import(db, bank2, "generic_bank", "bank");
            check_books(db, sq, "the second files");
        }
    }
    /* Undo everything: the books are as imported again. */
    ck_assert_int_eq(sqlite3_exec(sq, "SELECT 1", NULL, NULL, NULL), SQLITE_OK);
    long long id;
    while ((id = tu_qint(sq, "SELECT coalesce(max(id), 0) FROM matches WHERE undone_at IS NULL")))
        ck_assert_int_eq(recon_match_undo(db, id, "test", "t"), RECON_OK);
    check_books(db, sq, "every match undone");
    tu_books_close(tmp, db, sq);
}
END_TEST

/* A report through a handle that cannot write, or while another writer
 * holds the lock, reads dirty blocks itself: the same figures, nothing
 * stored. */
START_TEST(test_summaries_without_writing) {
    char tmp[256], dbpath[300], psp[400], bank[400];
    recon_db *db;
    sqlite3 *sq;
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-05-10"), RECON_OK);
    unsigned seed = 7;
    write_books(tmp, &seed, "a", 60, 5, psp, bank, sizeof psp);
    tu_import(db, psp, "generic_psp", "psp");
    tu_import(db, bank, "generic_bank", "bank");
    run_default(db);
    long long dirty = tu_qint(sq, "SELECT count(*) FROM summary_dirty");
    ck_assert_int_gt(dirty, 0);
    char *live = dump(sq, VIEWS[0]);

    recon_db *ro = NULL;
    recon_open_opts oo = RECON_OPEN_OPTS_INIT;
    oo.read_only = 1;
    ck_assert_msg(recon_open(dbpath, &oo, &ro) == RECON_OK, "%s", recon_errmsg(ro));
    recon_status s = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(ro, &s), RECON_OK);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM summary_dirty"), dirty);
    recon_close(ro);

    ck_assert_int_eq(sqlite3_exec(sq, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    recon_status s2 = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &s2), RECON_OK);
    ck_assert_int_eq(sqlite3_exec(sq, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM summary_dirty"), dirty);
    ck_assert_int_eq(s.unmatched, s2.unmatched);
    ck_assert_int_eq(s.payouts_broken, s2.payouts_broken);

    recon_status s3 = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &s3), RECON_OK);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM summary_dirty"), 0);
    ck_assert_int_eq(s.unmatched, s3.unmatched);
    ck_assert_int_eq(s.oldest_unmatched_days, s3.oldest_unmatched_days);
    ck_assert_int_eq(s.payouts_broken, s3.payouts_broken);
    char *stored = dump(sq, VIEWS[0]);
    ck_assert_str_eq(live, stored);
    free(live);
    free(stored);
    tu_books_close(tmp, db, sq);
}
END_TEST

/* n charges, one payout every 50, as generic_psp reads them. */
static void write_charges(const char *tmp, const char *name, const char *tag, int n, char *path,
                          size_t size) {
    size_t cap = (size_t)n * 96 + 128, len = 0;
    char *p = malloc(cap);
    len += (size_t)sprintf(p, "id,type,created,amount,fee,currency,payout_id\n");
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(p + len,
                               "%s_%07d,charge,2024-04-%02dT10:00:00Z,%d.%02d,0.30,EUR,po_%s_%d\n",
                               tag, i, 1 + i % 28, 10 + i % 90, i % 100, tag, i / 50);
    tu_write_file(tmp, name, p, len, path, size);
    free(p);
}

typedef struct {
    sqlite3 *sq;
    int calls, undercounted;
} peek;

/* Called inside the import's transaction: the views must count every row
 * stored so far. */
static int peek_views(const recon_progress *p, void *payload) {
    (void)p;
    peek *k = payload;
    k->calls++;
    long long rows = tu_qint(k->sq, "SELECT count(*) FROM transactions");
    long long summed = tu_qint(k->sq, "SELECT coalesce(sum(transactions), 0) FROM v_daily_summary");
    long long open = tu_qint(k->sq, "SELECT count(*) FROM v_unmatched");
    if (summed != rows || open != rows) k->undercounted++;
    return 0;
}

/* An import marks each block as it enters it, so that what its progress
 * callback reads on the same connection counts the rows stored so far;
 * a connection the caller lends keeps the busy handler the caller set. */
static int caller_busy(void *payload, int n) {
    ++*(int *)payload;
    return n < 2;
}

START_TEST(test_borrowed_connection_mid_import_and_its_busy_handler) {
    char tmp[256], dbpath[300], a[400], b[400];
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(dbpath, sizeof dbpath, "%s/books.db", tmp);
    sqlite3 *sq;
    ck_assert_int_eq(sqlite3_open(dbpath, &sq), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(sq, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), SQLITE_OK);
    int busy_calls = 0;
    sqlite3_busy_handler(sq, caller_busy, &busy_calls);
    recon_db *db = NULL;
    ck_assert_int_eq(recon_open_sqlite(sq, NULL, &db), RECON_OK);
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-05-10"), RECON_OK);
    write_charges(tmp, "b.csv", "b", 1500, b, sizeof b);
    write_charges(tmp, "a.csv", "a", 2600, a, sizeof a);
    tu_import(db, b, "generic_psp", "psp");
    recon_status st = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM summary_dirty"), 0);

    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin("generic_psp", NULL, &p), RECON_OK);
    peek k = {sq, 0, 0};
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = "psp";
    o.on_progress = peek_views;
    o.payload = &k;
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, a, p, &o, &r) == RECON_OK, "%s", recon_errmsg(db));
    recon_profile_free(p);
    ck_assert_int_gt(k.calls, 0);
    ck_assert_int_eq(k.undercounted, 0);

    /* The refresh left the caller's handler in place: a write that meets
     * another writer's lock goes through it. */
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_int_eq(st.unmatched, 4100);
    sqlite3 *other;
    ck_assert_int_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_exec(sq, "INSERT INTO meta(key, value) VALUES ('x', 'y')", NULL, NULL, NULL),
        SQLITE_BUSY);
    ck_assert_int_gt(busy_calls, 0);
    ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    recon_close(db);
    sqlite3_close(sq);
    tu_rm_tree(tmp);
}
END_TEST

/* More dirty blocks than one summarising transaction takes: stored in
 * several, the same figures as worked out from scratch. */
START_TEST(test_many_blocks_summarised_in_chunks) {
    char tmp[256], dbpath[300], a[400];
    recon_db *db;
    sqlite3 *sq;
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-05-10"), RECON_OK);
    write_charges(tmp, "a.csv", "a", 70000, a, sizeof a);
    tu_import(db, a, "generic_psp", "psp");
    ck_assert_int_gt(tu_qint(sq, "SELECT count(*) FROM summary_dirty"), 64);
    check_books(db, sq, "70 blocks");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(DISTINCT block) FROM summary_cells"),
                     tu_qint(sq, "SELECT count(DISTINCT id >> 10) FROM transactions"));
    tu_books_close(tmp, db, sq);
}
END_TEST

static Suite *summary_suite(void) {
    Suite *s = suite_create("summary");
    TCase *tc = tcase_create("summaries");
    tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_summaries_match_recomputation, 0, 3);
    tcase_add_test(tc, test_summaries_without_writing);
    tcase_add_test(tc, test_borrowed_connection_mid_import_and_its_busy_handler);
    tcase_add_test(tc, test_many_blocks_summarised_in_chunks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return tu_run(summary_suite());
}
