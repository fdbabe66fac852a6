/* Tests for how the public structs grow (include/recon.h, "How they
 * grow") and for stopping long calls. Options: a caller built against an
 * older header passes a smaller struct, which the library never reads past
 * (it sits against a guard page here); a newer one is refused by name.
 * Results: a newer caller's larger struct gets what this library knows and
 * says so in its version; nothing is written past a caller's struct; one
 * not initialised is refused by name (recon_error alone reads version 0 as
 * 1). A progress callback that asks to stop (or fails) leaves the database
 * exactly as it was, for an import and for a match run. Real databases,
 * real files. */
#include <sqlite3.h>
#include <sys/mman.h>

#include "recon.h"
#include "testdb.h"
#include "util/opts.h"

static char tmp[256], dbpath[512];
static recon_db *db;
static sqlite3 *sq;

static void setup(void) {
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
}

static void teardown(void) {
    tu_books_close(tmp, db, sq);
}

/* Version 1 of the two structs that are at version 2, as a program built
 * against the older header lays them out. */
typedef struct {
    unsigned version;
    const char *source;
    const char *file_name;
    void (*progress)(const recon_progress *progress, void *payload);
    void *payload;
} import_opts_v1;

typedef struct {
    unsigned version;
    const recon_rules *rules;
    int dry_run;
    const char *actor;
} match_opts_v1;

/* n bytes that end where an unreadable page begins: reading one byte past
 * them faults. */
static void *against_guard(size_t n, void **map) {
    long page = sysconf(_SC_PAGESIZE);
    char *m =
        mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    ck_assert_int_eq(mprotect(m + page, (size_t)page, PROT_NONE), 0);
    *map = m;
    return m + page - n;
}

static void release(void *map) {
    munmap(map, (size_t)sysconf(_SC_PAGESIZE) * 2);
}

/* Every table's rows, as text: "exactly as before" compares these. */
static char *everything(void) {
    sqlite3_str *out = sqlite3_str_new(sq);
    sqlite3_stmt *t;
    ck_assert_int_eq(sqlite3_prepare_v2(sq,
                                        "SELECT name FROM sqlite_schema WHERE type = 'table'"
                                        " ORDER BY name",
                                        -1, &t, NULL),
                     SQLITE_OK);
    while (sqlite3_step(t) == SQLITE_ROW) {
        char *sql =
            sqlite3_mprintf("SELECT * FROM \"%w\"", (const char *)sqlite3_column_text(t, 0));
        sqlite3_stmt *st;
        ck_assert_int_eq(sqlite3_prepare_v2(sq, sql, -1, &st, NULL), SQLITE_OK);
        sqlite3_str_appendf(out, "\n== %s", sql);
        while (sqlite3_step(st) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const char *v = (const char *)sqlite3_column_text(st, c);
                sqlite3_str_appendf(out, "%s|%s", c ? "" : "\n", v ? v : "NULL");
            }
        sqlite3_finalize(st);
        sqlite3_free(sql);
    }
    sqlite3_finalize(t);
    char *s = sqlite3_str_finish(out);
    char *copy = strdup(s ? s : "");
    sqlite3_free(s);
    return copy;
}

/* A generic_psp file of n charges. */
static void write_charges(const char *path, int n) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "id,type,created,amount,fee,currency\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "ch_%07d,charge,2024-05-%02dT10:00:00Z,%d.%02d,0.30,EUR\n", i, 1 + i % 28,
                10 + i % 90, i % 100);
    ck_assert_int_eq(fclose(f), 0);
}

static recon_profile *builtin(const char *name) {
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin(name, NULL, &p), RECON_OK);
    return p;
}

/* ---- versions -------------------------------------------------------------------------- */

START_TEST(test_an_older_callers_import_opts_are_read_to_their_size_only) {
    char csv[600];
    snprintf(csv, sizeof csv, "%s/c.csv", tmp);
    write_charges(csv, 10);
    void *map;
    import_opts_v1 *v1 = against_guard(sizeof *v1, &map);
    *v1 = (import_opts_v1){.version = 1, .source = "old_caller"};
    recon_profile *p = builtin("generic_psp");
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, csv, p, (const recon_import_opts *)v1, &res) == RECON_OK,
                  "%s", recon_errmsg(db));
    ck_assert_uint_eq(res.rows_inserted, 10);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM sources WHERE name = 'old_caller'"), 1);
    release(map);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_an_older_callers_match_opts_are_read_to_their_size_only) {
    void *map;
    match_opts_v1 *v1 = against_guard(sizeof *v1, &map);
    *v1 = (match_opts_v1){.version = 1, .actor = "old_caller", .dry_run = 0};
    recon_match_result r = RECON_MATCH_RESULT_INIT;
    ck_assert_msg(recon_match_run(db, (const recon_match_opts *)v1, &r) == RECON_OK, "%s",
                  recon_errmsg(db));
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM match_runs WHERE actor = 'old_caller'"), 1);
    release(map);
}
END_TEST

START_TEST(test_a_newer_callers_version_is_refused_by_name) {
    recon_import_opts io = RECON_IMPORT_OPTS_INIT;
    io.version = RECON_IMPORT_OPTS_VERSION + 1;
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    recon_profile *p = builtin("generic_psp");
    ck_assert_int_eq(recon_import_file(db, "nowhere.csv", p, &io, &res), RECON_EMISUSE);
    ck_assert_str_eq(recon_errmsg(db),
                     "recon_import_file: recon_import_opts version 3; this library takes 1 to 2");
    io.version = 0;
    ck_assert_int_eq(recon_import_file(db, "nowhere.csv", p, &io, &res), RECON_EMISUSE);
    recon_match_opts mo = RECON_MATCH_OPTS_INIT;
    mo.version = 99;
    recon_match_result r = RECON_MATCH_RESULT_INIT;
    ck_assert_int_eq(recon_match_run(db, &mo, &r), RECON_EMISUSE);
    ck_assert_str_eq(recon_errmsg(db),
                     "recon_match_run: recon_match_opts version 99; this library takes 1 to 2");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM match_runs"), 0);
    recon_profile_free(p);
}
END_TEST

/* The _INIT macros name their fields: the ones they leave out are zero. */
START_TEST(test_init_macros_set_versions_and_defaults_by_name) {
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    ck_assert_uint_eq(o.version, RECON_OPEN_OPTS_VERSION);
    ck_assert_int_eq(o.busy_timeout_ms, 5000);
    ck_assert_int_eq(o.read_only, 0);
    recon_import_opts io = RECON_IMPORT_OPTS_INIT;
    ck_assert_uint_eq(io.version, 2);
    ck_assert_ptr_null(io.on_progress);
    recon_match_opts mo = RECON_MATCH_OPTS_INIT;
    ck_assert_uint_eq(mo.version, 2);
    ck_assert_ptr_null(mo.on_progress);
    recon_retry_opts ro = RECON_RETRY_OPTS_INIT;
    ck_assert_int_eq(ro.base_ms, 1000);
    ck_assert_int_eq(ro.max_ms, 60000);
    ck_assert_int_eq(ro.max_attempts, 5);
    ck_assert_int_eq(ro.jitter, 0);
    recon_failure_filter ff = RECON_FAILURE_FILTER_INIT;
    ck_assert_int_eq(ff.state, RECON_FAILURES_ALL);
}
END_TEST

/* ---- output structs -------------------------------------------------------------------- */

/* recon_status as a program built against a later header might lay it out:
 * one more field at the end, the version after this library's. */
typedef struct {
    unsigned version;
    int64_t unmatched, oldest_unmatched_days, open_exceptions, open_failures, payouts_broken;
    int64_t oldest_exception_days, unassigned_exceptions; /* version 2 */
    int64_t from_a_later_release;
} status_next;

START_TEST(test_a_newer_callers_output_struct_gets_what_this_library_knows) {
    tu_import(db, "data/samples/stripe_payouts_2024-03.csv", "stripe_payout_itemized", "stripe");
    status_next v2 = {
        .version = RECON_STATUS_VERSION + 1, .from_a_later_release = -42, .unmatched = -1};
    ck_assert_msg(recon_status_get(db, (recon_status *)&v2) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_uint_eq(v2.version, RECON_STATUS_VERSION); /* what was filled */
    ck_assert_int_eq(v2.from_a_later_release, -42);      /* never written */
    ck_assert_int_eq(v2.unmatched, tu_qint(sq, "SELECT count(*) FROM v_unmatched"));
    recon_status now = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &now), RECON_OK);
    ck_assert_mem_eq(&now, &v2, sizeof now);
}
END_TEST

/* A program built against the 0.2.0 header: recon_status version 1 (five
 * figures) and recon_match_result version 1 get those and nothing past
 * them. */
typedef struct {
    unsigned version;
    int64_t unmatched, oldest_unmatched_days, open_exceptions, open_failures, payouts_broken;
    int64_t guard;
} status_v1;

START_TEST(test_an_older_callers_output_struct_is_filled_to_its_version) {
    tu_import(db, "data/samples/stripe_payouts_2024-03.csv", "stripe_payout_itemized", "stripe");
    status_v1 v1 = {.version = 1, .guard = -42};
    ck_assert_msg(recon_status_get(db, (recon_status *)&v1) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_uint_eq(v1.version, 1);
    ck_assert_int_eq(v1.guard, -42);
    ck_assert_int_eq(v1.unmatched, tu_qint(sq, "SELECT count(*) FROM v_unmatched"));
    recon_match_result r;
    memset(&r, 0x5a, sizeof r);
    r.version = 1;
    recon_match_opts o = RECON_MATCH_OPTS_INIT;
    o.dry_run = 1;
    ck_assert_int_eq(recon_match_run(db, &o, &r), RECON_OK);
    ck_assert_uint_eq(r.version, 1);
    /* The version-2 counters were not written. */
    uint64_t untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    ck_assert_mem_eq(&r.variances, &untouched, sizeof untouched);
    ck_assert_mem_eq(&r.suggestions_open, &untouched, sizeof untouched);
    ck_assert_mem_eq(&r.partially_matched, &untouched, sizeof untouched); /* version 3 */
}
END_TEST

/* The library never writes past the caller's struct: a whole current one
 * ends at a guard page, and a "later library" (rc_out_put told of a
 * version 2 of 24 bytes) fills an 8-byte version-1 struct there. */
START_TEST(test_results_are_never_written_past_the_callers_struct) {
    char csv[600];
    snprintf(csv, sizeof csv, "%s/c.csv", tmp);
    write_charges(csv, 3);
    void *map, *map2;
    recon_import_result *res = against_guard(sizeof *res, &map);
    *res = (recon_import_result)RECON_IMPORT_RESULT_INIT;
    recon_profile *p = builtin("generic_psp");
    ck_assert_int_eq(recon_import_file(db, csv, p, NULL, res), RECON_OK);
    ck_assert_uint_eq(res->rows_inserted, 3);
    TU_ASSERT_Q(sq, res->sha256, "SELECT sha256 FROM imports");
    recon_match_result *mr = against_guard(sizeof *mr, &map2);
    *mr = (recon_match_result)RECON_MATCH_RESULT_INIT;
    ck_assert_int_eq(recon_match_run(db, NULL, mr), RECON_OK);
    ck_assert_uint_eq(mr->unmatched, 3);
    release(map2);
    release(map);

    typedef struct {
        unsigned version, a;
    } v1;
    typedef struct {
        unsigned version, a;
        uint64_t b, c;
    } v2;
    static const size_t sizes[] = {0, sizeof(v1), sizeof(v2)};
    v2 full = {2, 7, 8, 9};
    v1 *old = against_guard(sizeof *old, &map);
    *old = (v1){1, 0};
    rc_out_put(old, &full, 2, sizes);
    ck_assert_uint_eq(old->version, 1);
    ck_assert_uint_eq(old->a, 7);
    release(map);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_an_output_struct_not_initialised_is_refused_by_name) {
    recon_status st;
    memset(&st, 0, sizeof st);
    ck_assert_int_eq(recon_status_get(db, &st), RECON_EMISUSE);
    ck_assert_str_eq(recon_errmsg(db), "recon_status_get: the recon_status's version is 0:"
                                       " initialise it (its _INIT macro) first");
    char csv[600];
    snprintf(csv, sizeof csv, "%s/c.csv", tmp);
    write_charges(csv, 3);
    recon_import_result res;
    memset(&res, 0, sizeof res);
    recon_profile *p = builtin("generic_psp");
    ck_assert_int_eq(recon_import_file(db, csv, p, NULL, &res), RECON_EMISUSE);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "recon_import_result"));
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM imports"), 0);
    recon_match_result mr;
    memset(&mr, 0, sizeof mr);
    ck_assert_int_eq(recon_match_run(db, NULL, &mr), RECON_EMISUSE);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM match_runs"), 0);
    recon_flows_totals t;
    memset(&t, 0, sizeof t);
    ck_assert_int_eq(recon_flows_check(db, NULL, NULL, NULL, &t), RECON_EMISUSE);
    recon_error_info e;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(recon_error_classify("modulate", 429, NULL, &e), RECON_EMISUSE);
    recon_report_filter f = {0, NULL, NULL, NULL};
    ck_assert_int_eq(recon_flows_check(db, &f, NULL, NULL, NULL), RECON_EMISUSE);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "recon_report_filter version 0"));
    /* The error channel alone reads version 0 as 1: it must report. */
    recon_error err;
    memset(&err, 0, sizeof err);
    recon_profile *none = NULL;
    ck_assert_int_eq(recon_profile_builtin("no_such_layout", &err, &none), RECON_ENOTFOUND);
    ck_assert_uint_eq(err.version, 1);
    ck_assert_int_eq(err.code, RECON_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "no_such_layout"));
    recon_profile_free(p);
}
END_TEST

/* ---- stopping -------------------------------------------------------------------------- */

typedef struct {
    int calls, stop_at;
    uint64_t last_rows, last_step;
} stopper;

static int stop_when(const recon_progress *pr, void *payload) {
    stopper *s = payload;
    s->calls++;
    s->last_rows = pr->rows;
    s->last_step = pr->bytes_done;
    return s->calls == s->stop_at;
}

static int fail_when(const recon_progress *pr, void *payload) {
    return stop_when(pr, payload) ? -1 : 0;
}

START_TEST(test_a_cancelled_import_leaves_the_database_as_it_was) {
    char small[600], big[600];
    snprintf(small, sizeof small, "%s/small.csv", tmp);
    snprintf(big, sizeof big, "%s/big.csv", tmp);
    write_charges(small, 5);
    write_charges(big, 70000); /* past one progress report (every 65,536 rows) */
    recon_profile *p = builtin("generic_psp");
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_file(db, small, p, NULL, &res), RECON_OK);
    char *before = everything();

    recon_import_opts io = RECON_IMPORT_OPTS_INIT;
    stopper s = {0, 1, 0, 0};
    io.on_progress = stop_when;
    io.payload = &s;
    ck_assert_int_eq(recon_import_file(db, big, p, &io, &res), RECON_ECANCELLED);
    ck_assert_uint_eq(s.last_rows, 65536); /* stopped mid-file */
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "stopped by the callback (it returned 1)"));
    ck_assert_int_eq(res.import_id, 0);
    char *after = everything();
    ck_assert_str_eq(after, before);
    free(after);
    /* The last report, when the whole file is read, may stop it too. */
    s = (stopper){0, 2, 0, 0};
    ck_assert_int_eq(recon_import_file(db, big, p, &io, &res), RECON_ECANCELLED);
    ck_assert_uint_eq(s.last_rows, 70000);
    after = everything();
    ck_assert_str_eq(after, before);
    free(after);
    /* A callback that fails (< 0) is RECON_EUSER, and keeps nothing either. */
    s = (stopper){0, 1, 0, 0};
    io.on_progress = fail_when;
    ck_assert_int_eq(recon_import_file(db, big, p, &io, &res), RECON_EUSER);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "the callback failed (it returned -1)"));
    after = everything();
    ck_assert_str_eq(after, before);
    free(after);
    io.on_progress = stop_when;
    /* Not stopped: the same file imports, and was reported on twice. */
    s = (stopper){0, 0, 0, 0};
    ck_assert_int_eq(recon_import_file(db, big, p, &io, &res), RECON_OK);
    ck_assert_uint_eq(res.rows_read, 70000);
    ck_assert_uint_eq(res.rows_inserted, 69995); /* the small file's 5 are duplicates */
    ck_assert_int_eq(s.calls, 2);
    free(before);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_a_cancelled_match_run_leaves_the_database_as_it_was) {
    tu_import(db, "data/samples/stripe_payouts_2024-03.csv", "stripe_payout_itemized", "stripe");
    tu_import(db, "data/samples/bank_2024-03.bai", "bai2", "bank");
    char *before = everything();
    recon_match_opts mo = RECON_MATCH_OPTS_INIT;
    stopper s = {0, 0, 0, 0};
    mo.on_progress = stop_when;
    mo.payload = &s;
    /* A dry run counts the steps (and what would match). */
    mo.dry_run = 1;
    recon_match_result r = RECON_MATCH_RESULT_INIT;
    ck_assert_int_eq(recon_match_run(db, &mo, &r), RECON_OK);
    int steps = s.calls;
    ck_assert_int_ge(steps, 3); /* loading, the rules, writing */
    ck_assert_uint_gt(r.matches, 0);
    mo.dry_run = 0;
    for (int at = 1; at <= steps; at++) {
        s = (stopper){0, at, 0, 0};
        ck_assert_int_eq(recon_match_run(db, &mo, &r), RECON_ECANCELLED);
        ck_assert_uint_eq(s.last_step, (uint64_t)at);
        ck_assert_uint_eq(r.matches, 0);
        char *after = everything();
        ck_assert_msg(!strcmp(after, before), "cancelled at step %d of %d changed the database", at,
                      steps);
        free(after);
    }
    s = (stopper){0, 0, 0, 0};
    ck_assert_int_eq(recon_match_run(db, &mo, &r), RECON_OK);
    ck_assert_uint_gt(r.matches, 0);
    ck_assert_uint_eq(s.last_rows, r.matches);
    free(before);
}
END_TEST

/* ---- the handle's progress handler (reading calls) -------------------------------------- */

typedef struct {
    int calls, stop_at, stop_with;
    uint64_t last_work;
    unsigned version;
} watcher;

static int watch(const recon_progress *p, void *payload) {
    watcher *w = payload;
    ck_assert_uint_gt(p->work, w->last_work); /* it grows */
    w->last_work = p->work, w->version = p->version;
    return ++w->calls == w->stop_at ? w->stop_with : 0;
}

static int count_rows(const recon_report_row *r, void *payload) {
    (void)r;
    ++*(int *)payload;
    return 0;
}

START_TEST(test_reading_calls_report_progress_and_stop_when_asked) {
    char csv[600];
    snprintf(csv, sizeof csv, "%s/c.csv", tmp);
    write_charges(csv, 20000);
    recon_profile *p = builtin("generic_psp");
    watcher w = {0, 1, 1, 0, 0};
    /* Set before the writes: an import and a match run are never stopped
     * through it, though the handler would stop anything. */
    ck_assert_int_eq(recon_progress_handler(db, watch, &w), RECON_OK);
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, csv, p, NULL, &res) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_uint_eq(res.rows_inserted, 20000);
    recon_match_result mr = RECON_MATCH_RESULT_INIT;
    ck_assert_int_eq(recon_match_run(db, NULL, &mr), RECON_OK);
    ck_assert_int_eq(w.calls, 0);
    /* Reports leave out what is dated after their day: pin it, not today. */
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-05-31"), RECON_OK);
    /* The status on a handle that cannot store the summaries works the
     * changed blocks out itself: long enough to be stopped. */
    recon_db *ro = NULL;
    recon_open_opts oo = RECON_OPEN_OPTS_INIT;
    oo.read_only = 1;
    ck_assert_int_eq(recon_open(dbpath, &oo, &ro), RECON_OK);
    ck_assert_int_eq(recon_progress_handler(ro, watch, &w), RECON_OK);
    recon_status st = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(ro, &st), RECON_ECANCELLED);
    ck_assert_int_eq(w.calls, 1);
    /* A failing handler is RECON_EUSER; the page stops too. */
    w = (watcher){0, 1, -5, 0, 0};
    char *html = NULL;
    ck_assert_int_eq(recon_report_html(ro, NULL, &html), RECON_EUSER);
    ck_assert_ptr_null(html);
    recon_close(ro);
    w = (watcher){0, 1, 1, 0, 0};

    /* A report: called as it works, and stopped on the first call. */
    int rows = 0;
    ck_assert_int_eq(recon_report_each(db, RECON_REPORT_UNMATCHED, NULL, count_rows, &rows),
                     RECON_ECANCELLED);
    ck_assert_int_eq(w.calls, 1);
    ck_assert_uint_eq(w.version, RECON_PROGRESS_VERSION);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "stopped by the callback (it returned 1)"));
    /* The status from the summaries the report stored is too quick to
     * be called back at all. */
    w = (watcher){0, 1, 1, 0, 0};
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_int_eq(w.calls, 0);
    ck_assert_int_eq(st.unmatched, 20000);
    /* Not stopped: every row, the handler called as the report ran. */
    w = (watcher){0, 0, 0, 0, 0};
    rows = 0;
    ck_assert_int_eq(recon_report_each(db, RECON_REPORT_UNMATCHED, NULL, count_rows, &rows),
                     RECON_OK);
    ck_assert_int_eq(rows, 20000);
    ck_assert_int_ge(w.calls, 1);
    ck_assert_int_eq(recon_report_html(db, NULL, &html), RECON_OK);
    recon_string_free(html);
    /* The stopped page left no transaction open: the handle still writes. */
    ck_assert_int_eq(recon_setting_set(db, "report.payout_late_days", "5"), RECON_OK);
    /* Removed: never called again. */
    ck_assert_int_eq(recon_progress_handler(db, NULL, NULL), RECON_OK);
    w = (watcher){0, 1, 1, 0, 0};
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_int_eq(w.calls, 0);
    ck_assert_int_eq(st.unmatched, 20000);
    ck_assert_int_eq(recon_progress_handler(NULL, watch, &w), RECON_EMISUSE);
    recon_profile_free(p);
}
END_TEST

static Suite *growth_suite(void) {
    Suite *s = suite_create("api_growth");
    TCase *tc = tcase_create("growth");
    tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_an_older_callers_import_opts_are_read_to_their_size_only);
    tcase_add_test(tc, test_an_older_callers_match_opts_are_read_to_their_size_only);
    tcase_add_test(tc, test_a_newer_callers_version_is_refused_by_name);
    tcase_add_test(tc, test_init_macros_set_versions_and_defaults_by_name);
    tcase_add_test(tc, test_a_newer_callers_output_struct_gets_what_this_library_knows);
    tcase_add_test(tc, test_an_older_callers_output_struct_is_filled_to_its_version);
    tcase_add_test(tc, test_results_are_never_written_past_the_callers_struct);
    tcase_add_test(tc, test_an_output_struct_not_initialised_is_refused_by_name);
    tcase_add_test(tc, test_a_cancelled_import_leaves_the_database_as_it_was);
    tcase_add_test(tc, test_a_cancelled_match_run_leaves_the_database_as_it_was);
    tcase_add_test(tc, test_reading_calls_report_progress_and_stop_when_asked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return tu_run(growth_suite());
}
