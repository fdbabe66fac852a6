/* Helpers for the reliability programs (crash.c, concurrency.c, faults.c):
 * running `recon` as a child process (killed, limited, as another user),
 * reading a database back with plain SQLite, a generator of import files
 * whose expected counts and sums are known without parsing them, and the
 * tally every program ends with. Header-only; every program keeps its own
 * copy of the tally. */
#ifndef RECON_RELUTIL_H
#define RECON_RELUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RL_PATH 1024

/* ---- tally ------------------------------------------------------------------ */

static int rl_failed;
static int rl_checks;

/* Counts one check; prints it when it fails (successes are counted in the
 * closing line only: a run has hundreds). Returns ok. */
__attribute__((format(printf, 2, 3))) static inline int rl_check(int ok, const char *fmt, ...) {
    rl_checks++;
    if (ok) return 1;
    rl_failed++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
    return 0;
}

/* Ends the program when something it needs could not be set up. */
__attribute__((format(printf, 1, 2), noreturn)) static inline void rl_die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: setup: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    exit(1);
}

/* ---- time and randomness ------------------------------------------------------ */

static inline int64_t rl_now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static inline void rl_sleep_us(int64_t us) {
    struct timespec t = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* splitmix64: kill points and data are a pure function of the seed. */
static inline uint64_t rl_rand(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- files -------------------------------------------------------------------- */

static inline int64_t rl_file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* The whole file, NUL-terminated, malloc'd ("" when missing). */
static inline char *rl_slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) rl_die("out of memory");
    if (f) {
        size_t n;
        while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
            len += n;
            if (cap - len < 2 && !(buf = realloc(buf, cap *= 2))) rl_die("out of memory");
        }
        fclose(f);
    }
    buf[len] = '\0';
    return buf;
}

static inline void rl_copy(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out) rl_die("copying %s to %s: %s", from, to, strerror(errno));
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) rl_die("writing %s: %s", to, strerror(errno));
    fclose(in);
    if (fclose(out) != 0) rl_die("writing %s: %s", to, strerror(errno));
}

/* 1 when both files hold the same bytes. */
static inline int rl_same_bytes(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        same = ca == cb;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

/* Removes a database and its -wal and -shm files. */
static inline void rl_rm_db(const char *path) {
    char p[RL_PATH + 8];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* A fresh copy of a closed database (its WAL checkpointed away). */
static inline void rl_copy_db(const char *from, const char *to) {
    rl_rm_db(to);
    rl_copy(from, to);
}

/* ---- child processes ------------------------------------------------------------ */

typedef struct {
    const char *out; /* stdout to this file (NULL: /dev/null) */
    const char *err; /* stderr to this file (NULL: /dev/null) */
    long long fsize; /* > 0: RLIMIT_FSIZE, a disk that is full past this size */
    int as_nobody;   /* when root: run as uid/gid 65534, so file modes apply */
} rl_spawn_opts;

static inline void rl_redirect(const char *path, int fd) {
    int f = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (f < 0 || dup2(f, fd) < 0) _exit(126);
    close(f);
}

static inline pid_t rl_spawn(char *const argv[], const rl_spawn_opts *o) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) rl_die("fork: %s", strerror(errno));
    if (pid > 0) return pid;
    rl_redirect(o ? o->out : NULL, STDOUT_FILENO);
    rl_redirect(o ? o->err : NULL, STDERR_FILENO);
    if (o && o->fsize > 0) {
        struct rlimit rl = {(rlim_t)o->fsize, (rlim_t)o->fsize};
        signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(126);
    }
    if (o && o->as_nobody && geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
        _exit(125);
    execv(argv[0], argv);
    _exit(127);
}

/* The exit status, or 128 + the signal that ended the child. */
static inline int rl_wait(pid_t pid) {
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) rl_die("waitpid: %s", strerror(errno));
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline int rl_run(char *const argv[], const rl_spawn_opts *o) {
    return rl_wait(rl_spawn(argv, o));
}

/* 1 when the child has ended (status in *status), 0 while it runs. */
static inline int rl_reaped(pid_t pid, int *status) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r != pid) return 0;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 1;
}

/* ---- reading a database back --------------------------------------------------------- */

static inline sqlite3 *rl_open(const char *path) {
    sqlite3 *s = NULL;
    if (sqlite3_open_v2(path, &s, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rl_check(0, "%s: cannot open: %s", path, s ? sqlite3_errmsg(s) : "no memory");
        sqlite3_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s, 10000);
    return s;
}

/* One integer from SQL built with sqlite3_mprintf's format (%Q, %lld);
 * LLONG_MIN (and a failed check) on an error. */
static inline long long rl_int(sqlite3 *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *st = NULL;
    long long v = -9223372036854775807LL - 1;
    if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        rl_check(0, "%s: %s", sql, sqlite3_errmsg(s));
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return v;
}

/* PRAGMA integrity_check says "ok" (a missing or empty file is a database
 * nobody has written yet: ok too). */
static inline int rl_integrity_ok(const char *path) {
    if (rl_file_size(path) <= 0) return 1;
    sqlite3 *s = rl_open(path);
    if (!s) return 0;
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(s, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    if (!ok)
        printf("  integrity_check of %s: %s\n", path,
               st && sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0)
                                                : sqlite3_errmsg(s));
    sqlite3_finalize(st);
    sqlite3_close(s);
    return ok;
}

static inline uint64_t rl_mix(uint64_t h, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* The content of every table of the database (rows in key order, schema
 * included) as one 64-bit digest: equal before and after means the
 * database was left exactly as it was. 0 when it cannot be read. */
static inline uint64_t rl_db_digest(const char *path) {
    sqlite3 *s = NULL;
    if (sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(s);
        return 0;
    }
    uint64_t h = 0xcbf29ce484222325ULL;
    sqlite3_stmt *tables = NULL;
    if (sqlite3_prepare_v2(s,
                           "SELECT name, sql FROM sqlite_schema WHERE type = 'table'"
                           " AND name NOT LIKE 'sqlite_%' ORDER BY name",
                           -1, &tables, NULL) != SQLITE_OK) {
        sqlite3_close(s);
        return 0;
    }
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        const char *ddl = (const char *)sqlite3_column_text(tables, 1);
        h = rl_mix(h, ddl, strlen(ddl) + 1);
        char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY 1, 2", name);
        sqlite3_stmt *rows = NULL;
        if (sqlite3_prepare_v2(s, sql, -1, &rows, NULL) != SQLITE_OK) h = 0;
        while (h && sqlite3_step(rows) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(rows); c++) {
                const void *v = sqlite3_column_blob(rows, c);
                int n = sqlite3_column_bytes(rows, c);
                h = rl_mix(h, v ? v : "\1null", v ? (size_t)n : 5) * 31 + (uint64_t)c;
            }
        sqlite3_finalize(rows);
        sqlite3_free(sql);
    }
    sqlite3_finalize(tables);
    sqlite3_close(s);
    return h;
}

/* ---- import files with known answers ---------------------------------------------------- */

/* Rows [first, first + count): the content of row i depends on i only, so
 * files over overlapping ranges hold identical rows there (duplicates on
 * re-import). Every reject_every-th row has an amount with three decimals
 * in EUR: rejected, kept in failures. */
typedef struct {
    long long rows, good, rejected;
    long long sum_amount, sum_fee; /* minor units, over the good rows */
} rl_expect;

#define RL_REJECT_EVERY 997

static inline void rl_row(long long i, char *buf, size_t size, rl_expect *e) {
    static const char *const cur[] = {"EUR", "USD", "JPY", "GBP"};
    uint64_t st = (uint64_t)i * 0x2545f4914f6cdd1dULL;
    uint64_t r = rl_rand(&st);
    const char *c = cur[r % 4];
    long long amount = (long long)(r >> 8) % 500000 + 100;
    long long fee = amount / 40;
    int refund = i % 7 == 3;
    if (refund) amount = -amount, fee = 0;
    int exp = strcmp(c, "JPY") == 0 ? 0 : 2;
    int month = 1 + (int)(i / 700 % 12), day = 1 + (int)(i / 25 % 28);
    if (i % RL_REJECT_EVERY == 0) {
        snprintf(buf, size, "rl_%09lld,charge,2024-%02d-%02dT10:00:00Z,1.234,0.00,EUR,row %lld\n",
                 i, month, day, i);
        e->rejected++;
    } else {
        char a[32], f[32];
        long long div = exp ? 100 : 1;
        long long aa = amount < 0 ? -amount : amount;
        if (exp) {
            snprintf(a, sizeof a, "%s%lld.%02lld", amount < 0 ? "-" : "", aa / div, aa % div);
            snprintf(f, sizeof f, "%lld.%02lld", fee / div, fee % div);
        } else {
            snprintf(a, sizeof a, "%lld", amount);
            snprintf(f, sizeof f, "%lld", fee);
        }
        snprintf(buf, size, "rl_%09lld,%s,2024-%02d-%02dT%02d:%02d:00Z,%s,%s,%s,row %lld\n", i,
                 refund ? "refund" : "charge", month, day, (int)(i % 24), (int)(i % 60), a, f, c,
                 i);
        e->good++;
        e->sum_amount += amount;
        e->sum_fee += fee;
    }
    e->rows++;
}

/* What importing rows [first, first + count) stores (no file written). */
static inline rl_expect rl_expect_range(long long first, long long count) {
    rl_expect e = {0, 0, 0, 0, 0};
    char buf[256];
    for (long long i = first; i < first + count; i++)
        rl_row(i, buf, sizeof buf, &e);
    return e;
}

/* Writes rows [first, first + count) in the generic_psp layout. */
static inline rl_expect rl_gen(const char *path, long long first, long long count) {
    rl_expect e = {0, 0, 0, 0, 0};
    FILE *f = fopen(path, "w");
    if (!f) rl_die("%s: %s", path, strerror(errno));
    fputs("id,type,created,amount,fee,currency,description\n", f);
    char buf[256];
    for (long long i = first; i < first + count; i++) {
        rl_row(i, buf, sizeof buf, &e);
        fputs(buf, f);
    }
    if (fclose(f) != 0) rl_die("%s: %s", path, strerror(errno));
    return e;
}

#endif
