/* concurrency: several `recon import` processes writing one database at
 * once while a reporting process reads it.
 *
 *   concurrency RECON DIR
 *
 * Rounds: two importers of different files; four importers of the same
 * file; four importers of two different files, an overlapping one and the
 * same file again; four importers with a 20 ms busy timeout (each must
 * either succeed or fail with "database is busy", and the database holds
 * exactly the files that succeeded); and a writer that holds the lock
 * past --busy-timeout (refused in about that time, nothing written) or
 * lets it go in time (the import waits and succeeds). During the first
 * three rounds a reader runs `recon summary` and, on its own connection,
 * checks that every import it sees is whole, in a loop.
 *
 * Afterwards: no duplicate rows, one import per distinct file, counts and
 * sums exact. Prints FAIL lines and, last, "concurrency: N jobs run, D
 * duplicates"; exits 1 when any check failed. */
#include "relutil.h"

static const char *recon, *dir;
static char db[RL_PATH], stop_file[RL_PATH];
static int jobs;

typedef struct {
    long long first, count;
    char path[RL_PATH];
} file;

static file files[4] = {
    {0, 30000, ""},      /* F0 */
    {100000, 30000, ""}, /* F1: disjoint from F0 */
    {20000, 20000, ""},  /* F2: overlaps F0's last 10000 rows */
    {200000, 30000, ""}, /* F3 */
};

/* The reader: `recon summary` and a consistency query, until stop_file
 * appears. Exits 0 when every read succeeded and saw whole imports. */
static int reader(void) {
    char out[RL_PATH], err[RL_PATH];
    snprintf(out, sizeof out, "%s/reader.out", dir);
    snprintf(err, sizeof err, "%s/reader.err", dir);
    int reads = 0, bad = 0;
    while (access(stop_file, F_OK) != 0) {
        char *argv[] = {(char *)recon, "--db", db, "summary", "--format", "csv", NULL};
        rl_spawn_opts o = {out, err, 0, 0};
        int st = rl_run(argv, &o);
        if (st != 0) {
            char *e = rl_slurp(err);
            printf("FAIL: reader: recon summary exit %d: %s", st, e);
            free(e);
            bad++;
        }
        sqlite3 *s = NULL;
        if (sqlite3_open_v2(db, &s, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
            sqlite3_busy_timeout(s, 5000);
            /* One statement, one snapshot: imports and their rows agree. */
            sqlite3_stmt *q = NULL;
            if (sqlite3_prepare_v2(s,
                                   "SELECT count(*) FROM imports i WHERE status = 'running' OR"
                                   " rows_inserted != (SELECT count(*) FROM transactions t"
                                   " WHERE t.import_id = i.id)",
                                   -1, &q, NULL) == SQLITE_OK &&
                sqlite3_step(q) == SQLITE_ROW) {
                if (sqlite3_column_int(q, 0) != 0) {
                    printf("FAIL: reader: saw an import that is not whole\n");
                    bad++;
                }
            } else if (sqlite3_errcode(s) != SQLITE_ERROR) { /* no tables yet is fine */
                printf("FAIL: reader: %s\n", sqlite3_errmsg(s));
                bad++;
            }
            sqlite3_finalize(q);
        }
        sqlite3_close(s);
        reads++;
        rl_sleep_us(2000);
    }
    printf("concurrency: reader: %d reads while writing, %d failed\n", reads, bad);
    fflush(stdout);
    return bad ? 1 : 0;
}

static pid_t start_reader(void) {
    unlink(stop_file);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) rl_die("fork: %s", strerror(errno));
    if (pid == 0) _exit(reader());
    return pid;
}

static void stop_reader(pid_t pid, const char *round) {
    FILE *f = fopen(stop_file, "w");
    if (f) fclose(f);
    rl_check(rl_wait(pid) == 0, "%s: the reader failed", round);
}

typedef struct {
    int file;
    int busy_ms; /* 0: the default */
    pid_t pid;
    int status;
    char out[RL_PATH], err[RL_PATH];
} job;

static void start_job(job *j, int n) {
    snprintf(j->out, sizeof j->out, "%s/job%d.out", dir, n);
    snprintf(j->err, sizeof j->err, "%s/job%d.err", dir, n);
    char ms[16];
    snprintf(ms, sizeof ms, "%d", j->busy_ms ? j->busy_ms : 5000);
    char *argv[] = {
        (char *)recon, "--db",     db,    "--busy-timeout",    ms,  "import", "--profile",
        "generic_psp", "--source", "psp", files[j->file].path, NULL};
    rl_spawn_opts o = {j->out, j->err, 0, 0};
    j->pid = rl_spawn(argv, &o);
    jobs++;
}

/* The database holds exactly the files in `in` (a bit per file). */
static void check_exact(const char *round, unsigned in) {
    rl_check(rl_integrity_ok(db), "%s: integrity_check failed", round);
    sqlite3 *s = rl_open(db);
    if (!s) return;
    /* The rows the union of the files must give, by walking row indexes. */
    rl_expect want = {0, 0, 0, 0, 0};
    int nfiles = 0;
    char buf[256];
    for (long long i = 0; i < 300000; i++)
        for (int f = 0; f < 4; f++)
            if ((in >> f & 1) && i >= files[f].first && i < files[f].first + files[f].count) {
                rl_row(i, buf, sizeof buf, &want);
                break;
            }
    long long rejected = 0;
    for (int f = 0; f < 4; f++)
        if (in >> f & 1) {
            rejected += rl_expect_range(files[f].first, files[f].count).rejected;
            nfiles++;
        }
    long long n = rl_int(s, "SELECT count(*) FROM transactions");
    long long sum = rl_int(s, "SELECT coalesce(sum(amount_minor), 0) FROM transactions");
    long long fee = rl_int(s, "SELECT coalesce(sum(fee_minor), 0) FROM transactions");
    long long imports = rl_int(s, "SELECT count(*) FROM imports");
    long long fails = rl_int(s, "SELECT count(*) FROM failures");
    rl_check(n == want.good && sum == want.sum_amount && fee == want.sum_fee,
             "%s: %lld rows (want %lld), sum %lld (want %lld), fees %lld (want %lld)", round, n,
             want.good, sum, want.sum_amount, fee, want.sum_fee);
    rl_check(imports == nfiles && fails == rejected,
             "%s: %lld imports (want %d), %lld failures (want %lld)", round, imports, nfiles, fails,
             rejected);
    rl_check(rl_int(s, "SELECT count(*) FROM imports i WHERE status NOT IN ('ok', 'partial')"
                       " OR rows_inserted != (SELECT count(*) FROM transactions t"
                       " WHERE t.import_id = i.id)") == 0,
             "%s: an import is not whole", round);
    sqlite3_close(s);
}

static long long duplicates(void) {
    sqlite3 *s = rl_open(db);
    if (!s) return -1;
    long long d = rl_int(s, "SELECT (SELECT count(*) FROM transactions) - (SELECT count(*) FROM"
                            " (SELECT DISTINCT source_id, external_id FROM transactions))"
                            " + (SELECT count(*) FROM imports) - (SELECT count(*) FROM"
                            " (SELECT DISTINCT source_id, sha256 FROM imports))");
    sqlite3_close(s);
    return d;
}

/* Runs the jobs at once; each must succeed (exit 0 or 3: rows rejected),
 * or, when allow_busy, fail saying the database is busy. Returns the set of
 * files imported. */
static unsigned run_round(const char *round, job *js, int n, int with_reader, int allow_busy) {
    rl_rm_db(db);
    pid_t r = with_reader ? start_reader() : 0;
    for (int i = 0; i < n; i++)
        start_job(&js[i], i);
    unsigned in = 0;
    int busy = 0;
    for (int i = 0; i < n; i++) {
        js[i].status = rl_wait(js[i].pid);
        char *err = rl_slurp(js[i].err);
        if (js[i].status == 0 || js[i].status == 3)
            in |= 1u << js[i].file;
        else if (allow_busy && js[i].status == 1 && strstr(err, "database is busy"))
            busy++;
        else
            rl_check(0, "%s: job %d exit %d: %s", round, i, js[i].status, err);
        free(err);
    }
    if (with_reader) stop_reader(r, round);
    check_exact(round, in);
    long long d = duplicates();
    rl_check(d == 0, "%s: %lld duplicate rows", round, d);
    printf("concurrency: %s: %d jobs, %d refused busy\n", round, n, busy);
    return in;
}

/* A writer holds the lock for hold_ms; an import with busy_ms waits. */
static void busy_round(int busy_ms, int hold_ms) {
    char round[96];
    snprintf(round, sizeof round, "lock held %d ms, --busy-timeout %d", hold_ms, busy_ms);
    rl_rm_db(db);
    char *init[] = {(char *)recon, "--db", db, "summary", NULL};
    rl_run(init, NULL); /* create the schema */
    uint64_t before = rl_db_digest(db);
    sqlite3 *s = rl_open(db);
    if (!s || sqlite3_exec(s, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        rl_die("%s: cannot take the write lock", round);
    job j = {1, busy_ms, 0, 0, "", ""};
    int64_t t0 = rl_now_us();
    start_job(&j, 9);
    int st = 0, done = 0;
    while (!(done = rl_reaped(j.pid, &st)) && rl_now_us() - t0 < hold_ms * 1000LL)
        rl_sleep_us(1000);
    sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(s);
    if (!done) st = rl_wait(j.pid);
    int64_t ms = (rl_now_us() - t0) / 1000;
    char *err = rl_slurp(j.err);
    if (busy_ms < hold_ms) {
        rl_check(st == 1 && strstr(err, "database is busy") && strstr(err, "busy timeout"),
                 "%s: want exit 1 and \"database is busy\", got %d: %s", round, st, err);
        rl_check(ms >= busy_ms && ms < busy_ms + 3000, "%s: refused after %lld ms", round,
                 (long long)ms);
        rl_check(rl_db_digest(db) == before, "%s: the refused import changed the database", round);
    } else {
        rl_check(st == 3, "%s: want the import to wait and succeed, got exit %d: %s", round, st,
                 err);
        rl_check(ms >= hold_ms, "%s: finished after %lld ms, before the lock was released", round,
                 (long long)ms);
        check_exact(round, 1u << 1);
    }
    printf("concurrency: %s: exit %d after %lld ms\n", round, st, (long long)ms);
    free(err);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fputs("usage: concurrency RECON DIR\n", stderr);
        return 2;
    }
    recon = argv[1];
    dir = argv[2];
    snprintf(db, sizeof db, "%s/shared.db", dir);
    snprintf(stop_file, sizeof stop_file, "%s/stop", dir);
    for (int f = 0; f < 4; f++) {
        snprintf(files[f].path, sizeof files[f].path, "%s/f%d.csv", dir, f);
        rl_gen(files[f].path, files[f].first, files[f].count);
    }

    job two[2] = {{0, 0, 0, 0, "", ""}, {1, 0, 0, 0, "", ""}};
    rl_check(run_round("2 importers, different files", two, 2, 1, 0) == 3u, "both files");

    job same[4] = {
        {0, 0, 0, 0, "", ""}, {0, 0, 0, 0, "", ""}, {0, 0, 0, 0, "", ""}, {0, 0, 0, 0, "", ""}};
    run_round("4 importers, the same file", same, 4, 1, 0);
    int imported = 0, already = 0;
    for (int i = 0; i < 4; i++) {
        char *out = rl_slurp(same[i].out);
        imported += strstr(out, ": import ") != NULL;
        already += strstr(out, "already imported") != NULL;
        free(out);
    }
    rl_check(imported == 1 && already == 3,
             "4 importers, the same file: %d imported, %d already imported (want 1 and 3)",
             imported, already);

    job mixed[4] = {
        {0, 0, 0, 0, "", ""}, {1, 0, 0, 0, "", ""}, {2, 0, 0, 0, "", ""}, {0, 0, 0, 0, "", ""}};
    run_round("4 importers, mixed and overlapping files", mixed, 4, 1, 0);

    job hurried[4] = {
        {0, 20, 0, 0, "", ""}, {1, 20, 0, 0, "", ""}, {2, 20, 0, 0, "", ""}, {3, 20, 0, 0, "", ""}};
    run_round("4 importers, --busy-timeout 20", hurried, 4, 0, 1);

    busy_round(300, 1500);
    busy_round(5000, 500);

    long long d = duplicates();
    printf("concurrency: %d checks, %d failed\n", rl_checks, rl_failed);
    printf("concurrency: %d jobs run, %lld duplicates\n", jobs, d < 0 ? 0 : d);
    return rl_failed ? 1 : 0;
}
