/* crash: kills `recon import` and `recon match` with SIGKILL at many
 * points and checks what a crash leaves behind.
 *
 *   crash RECON MATCHGEN DIR [SEED [IMPORT_KILLS [MATCH_KILLS]]]
 *
 * Import: `recon import A B` (two overlapping generic_psp files with
 * rejected rows) into a database that already holds another source, killed
 * after a delay drawn from the seed (anywhere from process start to past
 * the end of an uninterrupted run), or once its WAL has grown to a drawn
 * size (inside the commit), and a few times while it creates a new
 * database. After each kill: PRAGMA integrity_check is ok; every visible
 * import is complete (no status 'running', its transactions and failures
 * are exactly its counts, and they are what that file must give) or it is
 * absent with nothing of it stored; the totals are the earlier imports'
 * exactly. Then the same command again must end with exact counts and sums.
 *
 * Match: `recon match` on matchgen's quality scenario, killed after a drawn
 * delay. Afterwards no run is half written (the run is either absent with
 * no matches, items or exceptions, or finished and its counts are its
 * rows), and a rerun gives exactly the matches and open exceptions of an
 * uninterrupted run (a canonical dump: rules, scores, evidence and the
 * items by source and id, not row ids or times).
 *
 * Prints FAIL lines and, last, "crash: N kill points survived (import I,
 * match M)"; exits 1 when any check failed. */
#include "relutil.h"

#define A_FIRST 0
#define A_COUNT 40000
#define B_FIRST 32000 /* B overlaps A's last 8000 rows */
#define B_COUNT 28000
#define EARLY_FIRST 5000000 /* the rows already in the database, another source */
#define EARLY_COUNT 2000

static const char *recon, *dir;
static char path_a[RL_PATH], path_b[RL_PATH], path_early[RL_PATH];
static char base_db[RL_PATH], work_db[RL_PATH], wal[RL_PATH + 8];
static char out_file[RL_PATH], err_file[RL_PATH];

/* What the database must hold: the early import, plus A, plus B. */
static rl_expect early, exp_a, exp_b_new, all_psp;
static long long rejected_b; /* B's rejected rows, overlap included */

static pid_t spawn_import(const char *db) {
    char *argv[] = {(char *)recon, "--db", (char *)db, "import", "--profile", "generic_psp",
                    "--source",    "psp",  path_a,     path_b,   NULL};
    rl_spawn_opts o = {out_file, err_file, 0, 0};
    return rl_spawn(argv, &o);
}

/* Sums of the stored transactions of one source ('%' for all). */
static void stored(sqlite3 *s, const char *source, long long *n, long long *sum, long long *fee) {
    *n = rl_int(s,
                "SELECT count(*) FROM transactions t JOIN sources s ON s.id = t.source_id"
                " WHERE s.name LIKE %Q",
                source);
    *sum = rl_int(s,
                  "SELECT coalesce(sum(amount_minor), 0) FROM transactions t JOIN sources s"
                  " ON s.id = t.source_id WHERE s.name LIKE %Q",
                  source);
    *fee = rl_int(s,
                  "SELECT coalesce(sum(fee_minor), 0) FROM transactions t JOIN sources s"
                  " ON s.id = t.source_id WHERE s.name LIKE %Q",
                  source);
}

/* Every import visible is whole: its own rows are exactly its counts. */
static void check_imports_whole(sqlite3 *s, const char *what) {
    rl_check(rl_int(s, "SELECT count(*) FROM imports WHERE status NOT IN ('ok', 'partial')"
                       " OR finished_at IS NULL OR sha256 IS NULL") == 0,
             "%s: an import is visible unfinished (status 'running')", what);
    rl_check(rl_int(s, "SELECT count(*) FROM imports i WHERE rows_inserted !="
                       " (SELECT count(*) FROM transactions t WHERE t.import_id = i.id)"
                       " OR rows_rejected != (SELECT count(*) FROM failures f"
                       "   WHERE f.import_id = i.id AND f.origin = 'import')"
                       " OR rows_read != rows_inserted + rows_duplicate + rows_rejected") == 0,
             "%s: an import's rows differ from its counts", what);
    rl_check(rl_int(s, "SELECT count(*) FROM transactions WHERE import_id NOT IN"
                       " (SELECT id FROM imports)") == 0 &&
                 rl_int(s, "SELECT count(*) FROM failures WHERE import_id IS NOT NULL AND"
                           " import_id NOT IN (SELECT id FROM imports)") == 0,
             "%s: rows of an import that is not recorded", what);
}

/* After a kill: the psp imports are none, A, or A and B, each exactly. */
static const char *check_after_kill(const char *what, int fresh) {
    if (!rl_check(rl_integrity_ok(work_db), "%s: integrity_check failed", what)) return "corrupt";
    if (rl_file_size(work_db) <= 0) /* killed before SQLite wrote the file */
        return "absent";
    sqlite3 *s = rl_open(work_db);
    if (!s) return "unreadable";
    const char *state = "absent";
    if (rl_int(s, "SELECT count(*) FROM sqlite_schema WHERE name = 'imports'") == 0) {
        rl_check(fresh, "%s: the schema vanished from an existing database", what);
        sqlite3_close(s);
        return state;
    }
    check_imports_whole(s, what);
    long long n, sum, fee;
    if (!fresh) {
        stored(s, "early", &n, &sum, &fee);
        rl_check(n == early.good && sum == early.sum_amount && fee == early.sum_fee,
                 "%s: the earlier import changed (%lld rows, sum %lld)", what, n, sum);
    }
    long long imports = rl_int(s, "SELECT count(*) FROM imports i JOIN sources s"
                                  " ON s.id = i.source_id WHERE s.name = 'psp'");
    stored(s, "psp", &n, &sum, &fee);
    long long fails = rl_int(s, "SELECT count(*) FROM failures f JOIN sources s"
                                " ON s.id = f.source_id WHERE s.name = 'psp'");
    if (imports == 0) {
        rl_check(n == 0 && fails == 0, "%s: no psp import recorded but %lld rows, %lld failures",
                 what, n, fails);
    } else if (imports == 1) {
        state = "A";
        rl_check(n == exp_a.good && sum == exp_a.sum_amount && fee == exp_a.sum_fee &&
                     fails == exp_a.rejected,
                 "%s: import A is not exact: %lld rows (want %lld), sum %lld (want %lld), "
                 "%lld failures (want %lld)",
                 what, n, exp_a.good, sum, exp_a.sum_amount, fails, exp_a.rejected);
    } else {
        state = "A+B";
        rl_check(imports == 2 && n == all_psp.good && sum == all_psp.sum_amount &&
                     fee == all_psp.sum_fee && fails == exp_a.rejected + rejected_b,
                 "%s: imports A and B are not exact: %lld imports, %lld rows (want %lld), sum "
                 "%lld (want %lld), %lld failures",
                 what, imports, n, all_psp.good, sum, all_psp.sum_amount, fails);
    }
    sqlite3_close(s);
    return state;
}

/* The same command again finishes the job, exactly. */
static void check_rerun(const char *what, int fresh) {
    int st = rl_wait(spawn_import(work_db));
    if (!rl_check(st == 0 || st == 3, "%s: rerun exit %d: %s", what, st, rl_slurp(err_file)))
        return;
    if (!rl_check(rl_integrity_ok(work_db), "%s: integrity_check after the rerun", what)) return;
    sqlite3 *s = rl_open(work_db);
    if (!s) return;
    check_imports_whole(s, what);
    long long n, sum, fee;
    stored(s, "psp", &n, &sum, &fee);
    long long fails = rl_int(s, "SELECT count(*) FROM failures f JOIN sources s"
                                " ON s.id = f.source_id WHERE s.name = 'psp'");
    long long imports = rl_int(s, "SELECT count(*) FROM imports i JOIN sources s"
                                  " ON s.id = i.source_id WHERE s.name = 'psp'");
    rl_check(imports == 2 && n == all_psp.good && sum == all_psp.sum_amount &&
                 fee == all_psp.sum_fee && fails == exp_a.rejected + rejected_b,
             "%s: after the rerun %lld imports, %lld rows (want %lld), sum %lld (want %lld), "
             "fees %lld (want %lld), %lld failures (want %lld)",
             what, imports, n, all_psp.good, sum, all_psp.sum_amount, fee, all_psp.sum_fee, fails,
             exp_a.rejected + rejected_b);
    long long total = rl_int(s, "SELECT count(*) FROM transactions");
    rl_check(total == all_psp.good + (fresh ? 0 : early.good),
             "%s: %lld transactions in all after the rerun", what, total);
    sqlite3_close(s);
}

/* ---- import ---------------------------------------------------------------------- */

typedef struct {
    int killed, finished, absent, only_a, both;
} tally;

static void count_state(tally *t, const char *state) {
    if (!strcmp(state, "absent"))
        t->absent++;
    else if (!strcmp(state, "A"))
        t->only_a++;
    else if (!strcmp(state, "A+B"))
        t->both++;
}

/* One kill: mode 0 after delay_us, 1 once the WAL reaches wal_bytes. */
static void import_kill_point(int k, int fresh, int mode, int64_t delay_us, int64_t wal_bytes,
                              tally *t) {
    char what[128];
    if (fresh)
        rl_rm_db(work_db);
    else
        rl_copy_db(base_db, work_db);
    int64_t t0 = rl_now_us();
    pid_t pid = spawn_import(work_db);
    int status = 0, done = 0;
    if (mode == 0) {
        int64_t until = t0 + delay_us;
        while (!(done = rl_reaped(pid, &status)) && rl_now_us() < until)
            rl_sleep_us(until - rl_now_us() > 200 ? 200 : 50);
    } else {
        while (!(done = rl_reaped(pid, &status)) && rl_file_size(wal) < wal_bytes)
            rl_sleep_us(50);
    }
    if (!done) {
        kill(pid, SIGKILL);
        status = rl_wait(pid);
    }
    int killed = status == 128 + SIGKILL;
    snprintf(what, sizeof what, "import kill %d (%s, %s %lld%s)", k, fresh ? "new db" : "db",
             mode ? "wal bytes" : "after us", (long long)(mode ? wal_bytes : delay_us),
             killed ? "" : ", finished first");
    if (!killed) rl_check(status == 3, "%s: exit %d: %s", what, status, rl_slurp(err_file));
    t->killed += killed;
    t->finished += !killed;
    count_state(t, check_after_kill(what, fresh));
    check_rerun(what, fresh);
}

static void prepare_import(void) {
    snprintf(path_a, sizeof path_a, "%s/a.csv", dir);
    snprintf(path_b, sizeof path_b, "%s/b.csv", dir);
    snprintf(path_early, sizeof path_early, "%s/early.csv", dir);
    snprintf(base_db, sizeof base_db, "%s/base.db", dir);
    snprintf(work_db, sizeof work_db, "%s/work.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", work_db);
    snprintf(out_file, sizeof out_file, "%s/out.txt", dir);
    snprintf(err_file, sizeof err_file, "%s/err.txt", dir);
    exp_a = rl_gen(path_a, A_FIRST, A_COUNT);
    rl_expect b = rl_gen(path_b, B_FIRST, B_COUNT);
    rejected_b = b.rejected;
    exp_b_new = rl_expect_range(A_FIRST + A_COUNT, B_FIRST + B_COUNT - A_FIRST - A_COUNT);
    all_psp = rl_expect_range(A_FIRST, B_FIRST + B_COUNT - A_FIRST);
    early = rl_gen(path_early, EARLY_FIRST, EARLY_COUNT);
    rl_rm_db(base_db);
    char *argv[] = {(char *)recon, "--db",     base_db, "import",   "--profile",
                    "generic_psp", "--source", "early", path_early, NULL};
    rl_spawn_opts o = {NULL, err_file, 0, 0};
    int st = rl_run(argv, &o);
    if (st != 3) rl_die("importing the early file: exit %d: %s", st, rl_slurp(err_file));
}

/* An uninterrupted run: its time and its WAL's peak size set the ranges
 * kill points are drawn from, and its result must be exact too. */
static void reference_import(int64_t *us, int64_t *wal_peak) {
    rl_copy_db(base_db, work_db);
    int64_t t0 = rl_now_us();
    pid_t pid = spawn_import(work_db);
    int status;
    *wal_peak = 0;
    while (!rl_reaped(pid, &status)) {
        int64_t w = rl_file_size(wal);
        if (w > *wal_peak) *wal_peak = w;
        rl_sleep_us(100);
    }
    *us = rl_now_us() - t0;
    rl_check(status == 3, "reference import: exit %d: %s", status, rl_slurp(err_file));
    rl_check(!strcmp(check_after_kill("reference import", 0), "A+B"),
             "reference import: not both files");
    char *out = rl_slurp(out_file);
    char want[160];
    /* B: its rows over A are duplicates (its rejected ones rejected again). */
    long long dup = rl_expect_range(B_FIRST, A_FIRST + A_COUNT - B_FIRST).good;
    snprintf(want, sizeof want, "rows read %lld, inserted %lld, duplicate %lld, rejected %lld",
             (long long)B_COUNT, exp_b_new.good, dup, rejected_b);
    rl_check(strstr(out, want) != NULL, "reference import: want \"%s\" in: %s", want, out);
    free(out);
}

/* ---- match ----------------------------------------------------------------------- */

static char mbase_db[RL_PATH];

/* The matching as a digest: each live match (rule, origin, score, evidence,
 * its items as side:source:external_id) and each open exception (rule,
 * transaction, reason, candidates), sorted; ids and times left out. */
static uint64_t match_dump(const char *db, long long *nmatch, long long *nexc) {
    *nmatch = *nexc = -1;
    sqlite3 *s = rl_open(db);
    if (!s) return 0;
    *nmatch = rl_int(s, "SELECT count(*) FROM matches WHERE undone_at IS NULL");
    *nexc = rl_int(s, "SELECT count(*) FROM exceptions WHERE closed_at IS NULL");
    sqlite3_stmt *st = NULL;
    uint64_t h = 0xcbf29ce484222325ULL;
    const char *sql =
        "SELECT line FROM ("
        " SELECT m.rule || '|' || m.origin || '|' || m.score || '|' || m.evidence || '|' ||"
        "  (SELECT group_concat(k, ',') FROM (SELECT mi.side || ':' || s.name || ':' ||"
        "   t.external_id AS k FROM match_items mi JOIN transactions t ON t.id ="
        "   mi.transaction_id JOIN sources s ON s.id = t.source_id WHERE mi.match_id = m.id"
        "   ORDER BY k)) AS line FROM matches m WHERE m.undone_at IS NULL"
        " UNION ALL"
        " SELECT 'exception|' || e.rule || '|' || s.name || ':' || t.external_id || '|' ||"
        "  e.reason || '|' || e.candidates FROM exceptions e JOIN transactions t ON t.id ="
        "  e.transaction_id JOIN sources s ON s.id = t.source_id WHERE e.closed_at IS NULL)"
        " ORDER BY line";
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK) {
        rl_check(0, "match dump: %s", sqlite3_errmsg(s));
        h = 0;
    }
    while (h && sqlite3_step(st) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        h = rl_mix(h, line ? line : "", line ? strlen(line) + 1 : 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(s);
    return h;
}

static int run_match(const char *db) {
    char *argv[] = {(char *)recon, "--db", (char *)db, "match", NULL};
    rl_spawn_opts o = {out_file, err_file, 0, 0};
    return rl_run(argv, &o);
}

static void prepare_match(const char *matchgen) {
    char qdir[RL_PATH], psp[RL_PATH + 16], bank[RL_PATH + 16];
    snprintf(qdir, sizeof qdir, "%s/quality", dir);
    snprintf(psp, sizeof psp, "%s/psp.csv", qdir);
    snprintf(bank, sizeof bank, "%s/bank.csv", qdir);
    snprintf(mbase_db, sizeof mbase_db, "%s/mbase.db", dir);
    mkdir(qdir, 0777);
    char *gen[] = {(char *)matchgen, "quality", qdir, NULL};
    if (rl_run(gen, NULL) != 0) rl_die("matchgen quality %s failed", qdir);
    rl_rm_db(mbase_db);
    char *ip[] = {(char *)recon, "--db",     mbase_db, "import", "--profile",
                  "generic_psp", "--source", "psp",    psp,      NULL};
    char *ib[] = {(char *)recon,  "--db",     mbase_db, "import", "--profile",
                  "generic_bank", "--source", "bank",   bank,     NULL};
    if (rl_run(ip, NULL) != 0 || rl_run(ib, NULL) != 0)
        rl_die("importing the matching scenario failed");
}

/* After a killed match: the run is absent (and so is everything of it) or
 * finished with its counts equal to its rows. Returns 1 when present. */
static int check_match_after_kill(const char *what) {
    if (!rl_check(rl_integrity_ok(work_db), "%s: integrity_check failed", what)) return 0;
    sqlite3 *s = rl_open(work_db);
    if (!s) return 0;
    long long runs = rl_int(s, "SELECT count(*) FROM match_runs");
    rl_check(rl_int(s, "SELECT count(*) FROM match_runs WHERE finished_at IS NULL") == 0,
             "%s: an unfinished match run is visible", what);
    if (runs == 0)
        rl_check(rl_int(s, "SELECT (SELECT count(*) FROM matches) + (SELECT count(*) FROM"
                           " match_items) + (SELECT count(*) FROM exceptions)") == 0,
                 "%s: no run recorded but matches, items or exceptions stored", what);
    rl_check(runs <= 1, "%s: %lld runs", what, runs);
    rl_check(rl_int(s, "SELECT count(*) FROM match_runs r WHERE matches != (SELECT count(*)"
                       " FROM matches m WHERE m.run_id = r.id) OR exceptions_opened !="
                       " (SELECT count(*) FROM exceptions e WHERE e.run_id = r.id)") == 0,
             "%s: a run's counts differ from its rows", what);
    rl_check(rl_int(s, "SELECT count(*) FROM matches m WHERE NOT EXISTS (SELECT 1 FROM"
                       " match_items i WHERE i.match_id = m.id AND i.side = 'left') OR NOT"
                       " EXISTS (SELECT 1 FROM match_items i WHERE i.match_id = m.id AND"
                       " i.side = 'right')") == 0 &&
                 rl_int(s, "SELECT count(*) FROM match_items WHERE match_id NOT IN"
                           " (SELECT id FROM matches)") == 0,
             "%s: a match without both sides, or items without a match", what);
    sqlite3_close(s);
    return runs == 1;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fputs("usage: crash RECON MATCHGEN DIR [SEED [IMPORT_KILLS [MATCH_KILLS]]]\n", stderr);
        return 2;
    }
    recon = argv[1];
    dir = argv[3];
    uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 7;
    int import_kills = argc > 5 ? atoi(argv[5]) : 30;
    int match_kills = argc > 6 ? atoi(argv[6]) : 12;
    uint64_t rng = seed;

    prepare_import();
    int64_t ref_us, wal_peak;
    reference_import(&ref_us, &wal_peak);
    printf("crash: reference import %.0f ms, WAL peak %lld bytes\n", ref_us / 1000.0,
           (long long)wal_peak);
    tally t = {0, 0, 0, 0, 0};
    for (int k = 0; k < import_kills; k++) {
        /* One in eight on a new database (kills in the first milliseconds,
         * while the schema is created), one in three by WAL size, the rest
         * by time, up to 20% past an uninterrupted run. */
        int fresh = k % 8 == 7;
        int mode = !fresh && k % 3 == 1 && wal_peak > 0;
        int64_t delay = fresh ? (int64_t)(rl_rand(&rng) % 15000)
                              : (int64_t)(rl_rand(&rng) % (uint64_t)(ref_us * 12 / 10 + 1));
        int64_t wal_at = wal_peak > 0 ? 1 + (int64_t)(rl_rand(&rng) % (uint64_t)wal_peak) : 0;
        import_kill_point(k, fresh, mode, delay, wal_at, &t);
    }
    printf("crash: import: %d killed, %d finished before the kill; found after: %d absent, "
           "%d with A only, %d with both\n",
           t.killed, t.finished, t.absent, t.only_a, t.both);

    prepare_match(argv[2]);
    rl_copy_db(mbase_db, work_db);
    int64_t t0 = rl_now_us();
    rl_check(run_match(work_db) == 0, "reference match: %s", rl_slurp(err_file));
    int64_t match_us = rl_now_us() - t0;
    long long ref_m, ref_e, m2, e2;
    uint64_t ref = match_dump(work_db, &ref_m, &ref_e);
    rl_check(ref_m > 0 && ref_e > 0, "reference match: %lld matches, %lld exceptions", ref_m,
             ref_e);
    int again = run_match(work_db);
    uint64_t second = match_dump(work_db, &m2, &e2);
    rl_check(again == 0 && second == ref,
             "reference match: a second run changed the matching (exit %d, %lld matches, %lld "
             "exceptions)",
             again, m2, e2);
    printf("crash: reference match %.0f ms, %lld matches, %lld open exceptions\n",
           match_us / 1000.0, ref_m, ref_e);
    int mkilled = 0, mfinished = 0, mpresent = 0;
    for (int k = 0; k < match_kills; k++) {
        char what[96];
        int64_t delay = (int64_t)(rl_rand(&rng) % (uint64_t)(match_us * 13 / 10 + 1));
        rl_copy_db(mbase_db, work_db);
        int64_t until = rl_now_us() + delay;
        char *mv[] = {(char *)recon, "--db", work_db, "match", NULL};
        rl_spawn_opts o = {out_file, err_file, 0, 0};
        pid_t pid = rl_spawn(mv, &o);
        int status = 0, done;
        while (!(done = rl_reaped(pid, &status)) && rl_now_us() < until)
            rl_sleep_us(until - rl_now_us() > 200 ? 200 : 50);
        if (!done) {
            kill(pid, SIGKILL);
            status = rl_wait(pid);
        }
        int killed = status == 128 + SIGKILL;
        snprintf(what, sizeof what, "match kill %d (after %lld us%s)", k, (long long)delay,
                 killed ? "" : ", finished first");
        mkilled += killed;
        mfinished += !killed;
        int present = check_match_after_kill(what);
        mpresent += present;
        if (present) {
            long long m, e;
            rl_check(match_dump(work_db, &m, &e) == ref, "%s: the run found is not the whole run",
                     what);
        }
        rl_check(run_match(work_db) == 0, "%s: rerun: %s", what, rl_slurp(err_file));
        long long m, e;
        uint64_t after = match_dump(work_db, &m, &e);
        rl_check(after == ref,
                 "%s: after the rerun %lld matches, %lld exceptions: not the uninterrupted run's "
                 "(%lld, %lld)",
                 what, m, e, ref_m, ref_e);
    }
    printf("crash: match: %d killed, %d finished before the kill; found after: %d absent, %d "
           "whole\n",
           mkilled, mfinished, mkilled + mfinished - mpresent, mpresent);
    printf("crash: %d checks, %d failed\n", rl_checks, rl_failed);
    printf("crash: %d kill points survived (import %d, match %d)\n",
           rl_failed ? 0 : t.killed + mkilled, t.killed, mkilled);
    return rl_failed ? 1 : 0;
}
