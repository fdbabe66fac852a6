/* bench: times `recon import` against the sqlite3 shell's own `.import --csv`
 * of the same files, the floor for getting CSV rows into SQLite at all.
 *
 *   bench --recon PATH --gen PATH --dir DIR [--rows N] [--runs R]
 *
 * Writes DIR/psp.csv and DIR/bank.csv with gen (deterministic, so always
 * regenerated), then for each file runs recon and sqlite3 alternately R times
 * each (A B A B ...) so that machine noise hits both alike, each into a fresh
 * database. Wall time is CLOCK_MONOTONIC around fork/exec/wait4; peak RSS is
 * the child's ru_maxrss. Once per file, outside the timed runs, it checks
 * that both databases hold N rows. Prints a Markdown report on stdout and
 * progress on stderr; exits 1 when any run fails, 2 on bad arguments. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 100
#define PATH_CAP 4096

typedef struct {
    const char *recon, *gen, *dir;
    long long rows;
    int runs;
} options;

/* One timed child. */
typedef struct {
    double secs;
    long rss_kib;
    int status; /* exit status, or 128 + signal */
} run_result;

/* All runs of one tool on one file. */
typedef struct {
    double secs[MAX_RUNS];
    long rss_kib; /* max over the runs */
    int n;
} series;

typedef struct {
    const char *kind;    /* gen's argument */
    const char *profile; /* recon's built-in profile */
    char csv[PATH_CAP];
    long long bytes;
    double gen_secs;
    series recon, sqlite;
} input;

static const char *const KINDS[][2] = {{"psp", "generic_psp"}, {"bank", "generic_bank"}};
enum { NINPUTS = sizeof KINDS / sizeof KINDS[0] };

/* ---- small helpers ------------------------------------------------------------ */

/* Prints "bench: ..." on stderr and returns -1, so callers can return it. */
__attribute__((format(printf, 1, 2))) static int failf(const char *fmt, ...) {
    va_list ap;
    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static int path_join(char *out, const char *dir, const char *name) {
    int n = snprintf(out, PATH_CAP, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_CAP) return failf("path too long: %s/%s", dir, name);
    return 0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int mkdir_p(const char *dir) {
    char tmp[PATH_CAP];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
        return failf("path too long: %s", dir);
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return failf("cannot create %s: %s", tmp, strerror(errno));
        if (!c) return 0;
        *p = c;
    }
}

/* Removes a database and its companions so every run starts from nothing. */
static int remove_db(const char *db) {
    static const char *const SUFFIX[] = {"", "-wal", "-shm", "-journal"};
    char p[PATH_CAP + 16];
    for (size_t i = 0; i < sizeof SUFFIX / sizeof SUFFIX[0]; i++) {
        snprintf(p, sizeof p, "%s%s", db, SUFFIX[i]);
        if (unlink(p) != 0 && errno != ENOENT)
            return failf("cannot remove %s: %s", p, strerror(errno));
    }
    return 0;
}

/* ---- children ------------------------------------------------------------------- */

/* In the child: stdin from in_path, stdout to out_fd or out_path, then exec. */
static void child_exec(char *const argv[], const char *in_path, int out_fd, const char *out_path) {
    int in = open(in_path, O_RDONLY);
    int out = out_fd >= 0 ? out_fd : open(out_path, O_WRONLY);
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(127);
    execvp(argv[0], argv);
    _exit(127);
}

/* Runs argv to completion, timing fork to reaped exit. stdout goes to out_fd
 * when >= 0 (a pipe), else to /dev/null. */
static int run(char *const argv[], const char *in_path, int out_fd, run_result *res) {
    fflush(NULL); /* or the child would inherit and re-flush our buffers */
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) return failf("fork %s: %s", argv[0], strerror(errno));
    if (pid == 0) child_exec(argv, in_path, out_fd, "/dev/null");
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR) return failf("wait for %s: %s", argv[0], strerror(errno));
    res->secs = now() - t0;
    res->rss_kib = ru.ru_maxrss;
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (res->status == 127)
        failf("cannot run %s (exit status 127: not found, or redirection failed)", argv[0]);
    return 0;
}

/* Runs argv and returns its stdout (trimmed) in buf; untimed. */
static int capture(char *const argv[], char *buf, size_t size) {
    int fd[2];
    if (pipe(fd) != 0) return failf("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return failf("fork %s: %s", argv[0], strerror(errno));
    if (pid == 0) {
        close(fd[0]);
        child_exec(argv, "/dev/null", fd[1], NULL);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd[0], buf + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR))
        len += n > 0 ? (size_t)n : 0;
    close(fd[0]);
    buf[len] = '\0';
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return failf("wait for %s: %s", argv[0], strerror(errno));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return failf("%s failed: %s", argv[0], buf);
    return 0;
}

/* ---- the benchmark -------------------------------------------------------------- */

static long long file_size(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static int generate(const options *o, input *in) {
    char rows[32];
    snprintf(rows, sizeof rows, "%lld", o->rows);
    char *argv[] = {(char *)o->gen, (char *)in->kind, rows, in->csv, NULL};
    run_result r;
    fprintf(stderr, "bench: generating %s (%s rows)\n", in->csv, rows);
    if (run(argv, "/dev/null", -1, &r) != 0) return -1;
    if (r.status != 0) return failf("%s %s failed", o->gen, in->kind);
    in->gen_secs = r.secs;
    in->bytes = file_size(in->csv);
    if (in->bytes < 0) return failf("cannot stat %s: %s", in->csv, strerror(errno));
    return 0;
}

static void record(series *s, const run_result *r) {
    s->secs[s->n++] = r->secs;
    if (r->rss_kib > s->rss_kib) s->rss_kib = r->rss_kib;
}

static int time_recon(const options *o, input *in, const char *db) {
    char *argv[] = {(char *)o->recon,    "--db",     (char *)db, "import", "--profile",
                    (char *)in->profile, "--source", "bench",    in->csv,  NULL};
    run_result r;
    if (remove_db(db) != 0 || run(argv, "/dev/null", -1, &r) != 0) return -1;
    if (r.status != 0)
        return failf("recon import of %s exited with status %d%s", in->csv, r.status,
                     r.status == 3 ? " (rows rejected: see `recon --db DB failures list`)" : "");
    record(&in->recon, &r);
    return 0;
}

/* The sqlite3 shell reads `.import --csv FILE t` on stdin: a new table t with
 * TEXT columns named by the header, no parsing beyond CSV, no indexes. */
static int time_sqlite(input *in, const char *db, const char *script) {
    char *argv[] = {"sqlite3", (char *)db, NULL};
    run_result r;
    if (remove_db(db) != 0 || run(argv, script, -1, &r) != 0) return -1;
    if (r.status != 0)
        return failf("sqlite3 .import of %s exited with status %d", in->csv, r.status);
    record(&in->sqlite, &r);
    return 0;
}

static int write_script(const char *script, const char *csv) {
    if (strpbrk(csv, "\"\\\n"))
        return failf("%s: quotes, backslashes and newlines in the path are not supported", csv);
    FILE *f = fopen(script, "w");
    if (!f) return failf("cannot write %s: %s", script, strerror(errno));
    fprintf(f, ".bail on\n.import --csv \"%s\" t\n", csv);
    return fclose(f) == 0 ? 0 : failf("cannot write %s: %s", script, strerror(errno));
}

/* Outside the timed region: the database must hold every row of the file. */
static int check_count(const char *db, const char *table, long long want) {
    char sql[64], out[256];
    snprintf(sql, sizeof sql, "select count(*) from %s", table);
    char *argv[] = {"sqlite3", (char *)db, sql, NULL};
    if (capture(argv, out, sizeof out) != 0) return -1;
    if (strtoll(out, NULL, 10) != want)
        return failf("%s: table %s holds %s rows, expected %lld", db, table, out, want);
    return 0;
}

static int bench_input(const options *o, input *in) {
    char recon_db[PATH_CAP], sqlite_db[PATH_CAP], script[PATH_CAP];
    if (path_join(recon_db, o->dir, "recon.db") || path_join(sqlite_db, o->dir, "sqlite.db") ||
        path_join(script, o->dir, "import.sql") || write_script(script, in->csv))
        return -1;
    for (int i = 0; i < o->runs; i++) {
        if (time_recon(o, in, recon_db) != 0) return -1;
        if (i == 0 && check_count(recon_db, "transactions", o->rows) != 0) return -1;
        if (time_sqlite(in, sqlite_db, script) != 0) return -1;
        if (i == 0 && check_count(sqlite_db, "t", o->rows) != 0) return -1;
        fprintf(stderr, "bench: %s run %d/%d: recon %.3f s, sqlite3 %.3f s\n", in->kind, i + 1,
                o->runs, in->recon.secs[i], in->sqlite.secs[i]);
    }
    return 0;
}

/* ---- report ---------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    double median, min, max;
} stats;

static stats summarize(const series *s) {
    double v[MAX_RUNS];
    memcpy(v, s->secs, (size_t)s->n * sizeof v[0]);
    qsort(v, (size_t)s->n, sizeof v[0], cmp_double);
    double mid = s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
    return (stats){mid, v[0], v[s->n - 1]};
}

static void print_row(const options *o, const input *in, const char *tool, const series *s,
                      double ratio) {
    stats t = summarize(s);
    double mb = (double)in->bytes / 1e6;
    printf("| %s.csv | %s | %lld | %.1f | %.3f | %.3f | %.3f | %.0f | %.1f | %.1f | %.2f |\n",
           in->kind, tool, o->rows, mb, t.median, t.min, t.max, (double)o->rows / t.median,
           mb / t.median, (double)s->rss_kib / 1024.0, ratio);
}

static void cpu_model(char *out, size_t size) {
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    snprintf(out, size, "unknown CPU");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!strncmp(line, "model name", 10) && colon) {
            snprintf(out, size, "%s", colon + 2);
            out[strcspn(out, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

static void print_header(int argc, char **argv, const options *o, const char *sqlite_version) {
    char date[64], cpu[256];
    time_t t = time(NULL);
    struct tm tm;
    struct utsname u;
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    if (uname(&u) != 0) memset(&u, 0, sizeof u);
    cpu_model(cpu, sizeof cpu);
    printf("## recon import vs sqlite3 .import\n\n- command: `");
    for (int i = 0; i < argc; i++)
        printf("%s%s", i ? " " : "", argv[i]);
    printf("`\n- date: %s\n", date);
    printf("- machine: %s %s %s, %ld CPUs online, %s\n", u.sysname, u.release, u.machine,
           sysconf(_SC_NPROCESSORS_ONLN), cpu);
    printf("- sqlite3: %s\n", sqlite_version);
    printf("- %d runs per tool and file, alternating recon and sqlite3, each into a new database;"
           " wall-clock seconds (median, min, max); rows/s and MB/s from the median;"
           " MB = 10^6 bytes; peak RSS = max ru_maxrss over the runs\n",
           o->runs);
}

static void print_report(int argc, char **argv, const options *o, const input *in,
                         const char *sqlite_version) {
    print_header(argc, argv, o, sqlite_version);
    for (int i = 0; i < NINPUTS; i++)
        printf("- %s.csv: %lld rows, %lld bytes, generated in %.2f s\n", in[i].kind, o->rows,
               in[i].bytes, in[i].gen_secs);
    printf("\n| file | tool | rows | MB | median s | min s | max s | rows/s | MB/s "
           "| peak RSS MiB | recon/sqlite3 |\n");
    printf("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (int i = 0; i < NINPUTS; i++) {
        double ratio = summarize(&in[i].recon).median / summarize(&in[i].sqlite).median;
        print_row(o, &in[i], "recon import", &in[i].recon, ratio);
        print_row(o, &in[i], "sqlite3 .import", &in[i].sqlite, 1.0);
    }
}

/* ---- main ------------------------------------------------------------------------ */

static int parse_count(const char *s, long long max, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > max) return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, options *o) {
    long long runs = 3;
    *o = (options){.rows = 1000000};
    for (int i = 1; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return -1;
        if (!strcmp(k, "--recon"))
            o->recon = v;
        else if (!strcmp(k, "--gen"))
            o->gen = v;
        else if (!strcmp(k, "--dir"))
            o->dir = v;
        else if (!strcmp(k, "--rows")   ? parse_count(v, 1000000000LL, &o->rows)
                 : !strcmp(k, "--runs") ? parse_count(v, MAX_RUNS, &runs)
                                        : -1)
            return -1;
    }
    o->runs = (int)runs;
    return o->recon && o->gen && o->dir ? 0 : -1;
}

int main(int argc, char **argv) {
    options o;
    if (parse_args(argc, argv, &o) != 0) {
        fputs("usage: bench --recon PATH --gen PATH --dir DIR [--rows N] [--runs R]\n", stderr);
        return 2;
    }
    input in[NINPUTS] = {{0}};
    char version[256];
    char *version_argv[] = {"sqlite3", "--version", NULL};
    if (mkdir_p(o.dir) != 0 || capture(version_argv, version, sizeof version) != 0) return 1;
    for (int i = 0; i < NINPUTS; i++) {
        char name[32];
        in[i].kind = KINDS[i][0];
        in[i].profile = KINDS[i][1];
        snprintf(name, sizeof name, "%s.csv", in[i].kind);
        if (path_join(in[i].csv, o.dir, name) != 0 || generate(&o, &in[i]) != 0) return 1;
    }
    for (int i = 0; i < NINPUTS; i++)
        if (bench_input(&o, &in[i]) != 0) return 1;
    print_report(argc, argv, &o, in, version);
    return 0;
}
