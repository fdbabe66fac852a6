/* faults: `recon import` against resource faults, each of which must give
 * a clear error naming the problem and leave the database exactly as it
 * was (same bytes, and the same rows by a digest of every table).
 *
 *   faults RECON DIR
 *
 * Cases: the disk full halfway (RLIMIT_FSIZE: writes past the limit fail
 * like a full disk, unprivileged), the disk full while a new database is
 * created, a read-only database file, a file that is not SQLite, a
 * database with pages overwritten, a truncated database, a missing input
 * file, an unreadable one, a directory, and an input file truncated or
 * appended to while the import reads it. File modes do not bind root, so
 * when run as root the read-only and unreadable cases run the child as
 * nobody (uid 65534).
 *
 * Prints FAIL lines and, last, "faults: N cases"; exits 1 when any check
 * failed. */
#include "relutil.h"

#define EARLY_COUNT 2000
#define BIG_COUNT 30000
#define CHANGE_COUNT 150000

static const char *recon, *dir;
static char base_db[RL_PATH], early_csv[RL_PATH], big_csv[RL_PATH];
static char out_file[RL_PATH], err_file[RL_PATH];
static int cases, skipped;

static int import_into(const char *db, const char *csv, const rl_spawn_opts *o) {
    char *argv[] = {(char *)recon, "--db",     (char *)db, "import",    "--profile",
                    "generic_psp", "--source", "psp",      (char *)csv, NULL};
    return rl_run(argv, o);
}

/* A case directory holding a copy of the base database; its path in db. */
static void case_db(const char *name, char *db, size_t size, int open_to_all) {
    char d[RL_PATH / 2];
    snprintf(d, sizeof d, "%s/%s", dir, name);
    mkdir(d, 0755);
    if (open_to_all) chmod(d, 0777);
    snprintf(db, size, "%s/books.db", d);
    rl_copy_db(base_db, db);
}

/* The common verdict: exit 1, stderr naming the problem, and the database
 * as it was (saved is a byte copy taken before; digest 0: not comparable,
 * the file is not a database to begin with). */
static void verdict(const char *name, int status, const char *needle, const char *db,
                    const char *saved, uint64_t digest) {
    char *err = rl_slurp(err_file);
    cases++;
    rl_check(status == 1, "%s: exit %d, want 1 (stderr: %s)", name, status, err);
    rl_check(strstr(err, needle) != NULL, "%s: want \"%s\" in the message, got: %s", name, needle,
             err);
    rl_check(rl_same_bytes(db, saved), "%s: the database file changed", name);
    if (digest)
        rl_check(rl_db_digest(db) == digest && rl_integrity_ok(db),
                 "%s: the database content changed", name);
    printf("faults: %-34s %s", name, err[0] ? err : "(no message)\n");
    free(err);
}

static void save(const char *db, char *saved, size_t size) {
    snprintf(saved, size, "%s.before", db);
    rl_copy(db, saved);
}

static void disk_full(void) {
    char db[RL_PATH], saved[RL_PATH + 8];
    case_db("disk-full", db, sizeof db, 0);
    save(db, saved, sizeof saved);
    uint64_t digest = rl_db_digest(db);
    /* Room for the database as it is and 256 KiB more per file: the WAL
     * of a 30000-row import needs megabytes. */
    rl_spawn_opts o = {NULL, err_file, rl_file_size(db) + 256 * 1024, 0};
    int st = import_into(db, big_csv, &o);
    verdict("disk full during an import", st, "is the disk full", db, saved, digest);
    /* The same database takes the import once there is room. */
    rl_spawn_opts room = {NULL, err_file, 0, 0};
    rl_check(import_into(db, big_csv, &room) == 3, "disk full: the import after it failed: %s",
             rl_slurp(err_file));

    char fresh[RL_PATH];
    snprintf(fresh, sizeof fresh, "%s/disk-full/new.db", dir);
    rl_rm_db(fresh);
    rl_spawn_opts tiny = {NULL, err_file, 16 * 1024, 0};
    st = import_into(fresh, early_csv, &tiny);
    char *err = rl_slurp(err_file);
    cases++;
    rl_check(st == 1 && strstr(err, "File too large"), "disk full creating a database: exit %d: %s",
             st, err);
    /* Nothing usable was left behind: the next open creates the schema. */
    rl_check(rl_integrity_ok(fresh), "disk full creating a database: integrity_check failed");
    rl_check(import_into(fresh, early_csv, &room) == 3,
             "disk full creating a database: importing once there is room: %s", rl_slurp(err_file));
    printf("faults: %-34s %s", "disk full creating a database", err);
    free(err);
}

static int root_drop_works(void) {
    if (geteuid() != 0) return 1;
    char *argv[] = {(char *)recon, "--version", NULL};
    rl_spawn_opts o = {NULL, NULL, 0, 1};
    return rl_run(argv, &o) == 0;
}

static void read_only(void) {
    char db[RL_PATH], saved[RL_PATH + 8];
    case_db("read-only", db, sizeof db, 1);
    if (!root_drop_works()) {
        printf("faults: SKIP read-only database: running as root and cannot become nobody\n");
        skipped++;
        return;
    }
    save(db, saved, sizeof saved);
    uint64_t digest = rl_db_digest(db);
    chmod(db, 0444);
    rl_spawn_opts o = {NULL, err_file, 0, 1};
    int st = import_into(db, early_csv, &o);
    verdict("read-only database file", st, "books.db is read-only to this process", db, saved,
            digest);
}

static void not_sqlite(void) {
    char db[RL_PATH], saved[RL_PATH + 8];
    snprintf(db, sizeof db, "%s/not-sqlite.db", dir);
    rl_copy("tests/fixtures/e2e_psp_small.csv", db);
    save(db, saved, sizeof saved);
    rl_spawn_opts o = {NULL, err_file, 0, 0};
    int st = import_into(db, early_csv, &o);
    verdict("a file that is not SQLite", st, "not a database", db, saved, 0);
}

/* Overwrites `len` bytes at `at` with a pattern, or truncates there. */
static void damage(const char *db, long long at, long long len) {
    if (len == 0) {
        if (truncate(db, (off_t)at) != 0) rl_die("truncating %s: %s", db, strerror(errno));
        return;
    }
    FILE *f = fopen(db, "r+b");
    if (!f || fseek(f, (long)at, SEEK_SET) != 0) rl_die("opening %s: %s", db, strerror(errno));
    for (long long i = 0; i < len; i++)
        fputc(0x5a ^ (int)(i & 0x3f), f);
    fclose(f);
}

/* The page a table or index starts at, in bytes from the file's start. */
static long long root_offset(const char *db, const char *name) {
    sqlite3 *s = rl_open(db);
    if (!s) rl_die("%s: cannot open", db);
    long long page = rl_int(s, "SELECT rootpage FROM sqlite_schema WHERE name = %Q", name);
    long long size = rl_int(s, "PRAGMA page_size");
    sqlite3_close(s);
    return (page - 1) * size;
}

/* A damaged database: refused with SQLite's "malformed", untouched. Only
 * damage where the import reads can be noticed (docs/LIMITS.md): the
 * schema, the root of the (source, external_id) index, the file's end. */
static void corrupt(const char *name, const char *sub, long long at, long long len) {
    char db[RL_PATH], saved[RL_PATH + 8];
    case_db(sub, db, sizeof db, 0);
    if (at < 0) at = root_offset(db, "sqlite_autoindex_transactions_1");
    damage(db, at, len);
    save(db, saved, sizeof saved);
    rl_spawn_opts o = {NULL, err_file, 0, 0};
    int st = import_into(db, big_csv, &o);
    verdict(name, st, "malformed", db, saved, 0);
}

static void bad_input(const char *name, const char *csv, const char *needle, int as_nobody) {
    char db[RL_PATH], saved[RL_PATH + 8];
    case_db(as_nobody ? "unreadable" : "bad-input", db, sizeof db, as_nobody);
    if (as_nobody) {
        if (!root_drop_works()) {
            printf("faults: SKIP %s: running as root and cannot become nobody\n", name);
            skipped++;
            return;
        }
        chmod(db, 0666);
    }
    save(db, saved, sizeof saved);
    uint64_t digest = rl_db_digest(db);
    rl_spawn_opts o = {NULL, err_file, 0, as_nobody};
    int st = import_into(db, csv, &o);
    verdict(name, st, needle, db, saved, digest);
}

/* Byte offset just past line `n` (1-based, header included). */
static long long line_end(const char *path, long long n) {
    FILE *f = fopen(path, "rb");
    long long off = 0, lines = 0;
    int c;
    while (f && lines < n && (c = fgetc(f)) != EOF) {
        off++;
        lines += c == '\n';
    }
    if (f) fclose(f);
    return off;
}

/* The input changes while the import reads it: refused, or (when the
 * import won the race) the whole original file; then the file as it now
 * is imports exactly. */
static void changing_input(int append, int64_t import_us) {
    const char *name = append ? "input appended while read" : "input truncated while read";
    char db[RL_PATH], csv[RL_PATH], saved[RL_PATH + 8];
    case_db(append ? "appended" : "truncated-input", db, sizeof db, 0);
    snprintf(csv, sizeof csv, "%s/%s.csv", dir, append ? "appended" : "truncated");
    rl_gen(csv, 0, CHANGE_COUNT);
    save(db, saved, sizeof saved);
    uint64_t digest = rl_db_digest(db);
    char *argv[] = {(char *)recon, "--db",     db,    "import", "--profile",
                    "generic_psp", "--source", "psp", csv,      NULL};
    rl_spawn_opts o = {out_file, err_file, 0, 0};
    pid_t pid = rl_spawn(argv, &o);
    rl_sleep_us(import_us / 3);
    long long keep = CHANGE_COUNT / 2;
    if (append) {
        FILE *f = fopen(csv, "a");
        char buf[256];
        rl_expect e = {0, 0, 0, 0, 0};
        for (long long i = CHANGE_COUNT; i < CHANGE_COUNT + 1000; i++) {
            rl_row(i, buf, sizeof buf, &e);
            fputs(buf, f);
        }
        fclose(f);
    } else if (truncate(csv, (off_t)line_end(csv, keep + 1)) != 0) {
        rl_die("truncating %s: %s", csv, strerror(errno));
    }
    int st = rl_wait(pid);
    rl_expect now = rl_expect_range(0, append ? CHANGE_COUNT + 1000 : keep);
    rl_expect orig = rl_expect_range(0, CHANGE_COUNT);
    sqlite3 *s;
    if (st == 1) {
        verdict(name, st, "changed while it was being read", db, saved, digest);
    } else {
        cases++;
        rl_check(st == 3, "%s: exit %d: %s", name, st, rl_slurp(err_file));
        printf("faults: %-34s (the import finished before the change)\n", name);
        if ((s = rl_open(db))) {
            rl_check(rl_int(s, "SELECT count(*) FROM transactions t JOIN sources s ON"
                               " s.id = t.source_id WHERE s.name = 'psp'") == orig.good,
                     "%s: the import that won the race is not the original file", name);
            sqlite3_close(s);
        }
        return;
    }
    rl_spawn_opts again = {out_file, err_file, 0, 0};
    st = import_into(db, csv, &again);
    rl_check(st == 3, "%s: importing the file as it is now: exit %d: %s", name, st,
             rl_slurp(err_file));
    if ((s = rl_open(db))) {
        long long n = rl_int(s, "SELECT count(*) FROM transactions t JOIN sources s ON"
                                " s.id = t.source_id WHERE s.name = 'psp'");
        long long sum = rl_int(s, "SELECT sum(amount_minor) FROM transactions t JOIN sources s"
                                  " ON s.id = t.source_id WHERE s.name = 'psp'");
        long long size = rl_int(s, "SELECT file_size FROM imports i JOIN sources s ON"
                                   " s.id = i.source_id WHERE s.name = 'psp'");
        rl_check(n == now.good && sum == now.sum_amount && size == rl_file_size(csv),
                 "%s: after importing the file as it is now: %lld rows (want %lld), sum %lld "
                 "(want %lld), recorded size %lld (file %lld)",
                 name, n, now.good, sum, now.sum_amount, size, (long long)rl_file_size(csv));
        sqlite3_close(s);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fputs("usage: faults RECON DIR\n", stderr);
        return 2;
    }
    recon = argv[1];
    dir = argv[2];
    chmod(dir, 0755);
    snprintf(base_db, sizeof base_db, "%s/base.db", dir);
    snprintf(early_csv, sizeof early_csv, "%s/early.csv", dir);
    snprintf(big_csv, sizeof big_csv, "%s/big.csv", dir);
    snprintf(out_file, sizeof out_file, "%s/out.txt", dir);
    snprintf(err_file, sizeof err_file, "%s/err.txt", dir);
    rl_gen(early_csv, 9000000, EARLY_COUNT);
    rl_gen(big_csv, 0, BIG_COUNT);
    chmod(early_csv, 0644);
    chmod(big_csv, 0644);
    rl_spawn_opts quiet = {NULL, err_file, 0, 0};
    char *argv0[] = {(char *)recon, "--db",     base_db, "import",  "--profile",
                     "generic_psp", "--source", "early", early_csv, NULL};
    if (rl_run(argv0, &quiet) != 3) rl_die("building the base database: %s", rl_slurp(err_file));
    long long size = rl_file_size(base_db);

    disk_full();
    read_only();
    not_sqlite();
    corrupt("database schema page overwritten", "schema-overwritten", 100, 4000);
    corrupt("database index page overwritten", "index-overwritten", -1, 16384);
    corrupt("truncated database", "truncated", size / 2, 0);

    char missing[RL_PATH], unreadable[RL_PATH];
    snprintf(missing, sizeof missing, "%s/no-such-file.csv", dir);
    bad_input("missing input file", missing, "No such file or directory", 0);
    snprintf(unreadable, sizeof unreadable, "%s/unreadable.csv", dir);
    rl_copy(early_csv, unreadable);
    chmod(unreadable, 0000);
    bad_input("unreadable input file", unreadable, "Permission denied", 1);
    bad_input("a directory as input", dir, "not a regular file", 0);

    /* How long a CHANGE_COUNT-row import takes, to change the file a third
     * of the way in. */
    char timing_db[RL_PATH], timing_csv[RL_PATH];
    snprintf(timing_db, sizeof timing_db, "%s/timing.db", dir);
    snprintf(timing_csv, sizeof timing_csv, "%s/timing.csv", dir);
    rl_gen(timing_csv, 0, CHANGE_COUNT);
    int64_t t0 = rl_now_us();
    import_into(timing_db, timing_csv, &quiet);
    int64_t us = rl_now_us() - t0;
    changing_input(0, us);
    changing_input(1, us);

    printf("faults: %d checks, %d failed\n", rl_checks, rl_failed);
    printf("faults: %d cases%s\n", cases, skipped ? " (some skipped: see SKIP lines)" : "");
    return rl_failed ? 1 : 0;
}
