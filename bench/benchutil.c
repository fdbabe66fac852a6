/* benchutil: children, paths, databases and statistics for the benchmark
 * programs (see benchutil.h). Wall time is CLOCK_MONOTONIC around
 * fork/exec/wait4; peak RSS is the child's own ru_maxrss from wait4, so
 * the benchmark's memory never counts. */
#include "benchutil.h"

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

#define COPY_CHUNK (1 << 20)

int failf(const char *fmt, ...) {
    va_list ap;
    fputs("bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

int path_join(char *out, const char *dir, const char *name) {
    int n = snprintf(out, PATH_CAP, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_CAP) return failf("path too long: %s/%s", dir, name);
    return 0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int mkdir_p(const char *dir) {
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

long long file_size(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

int remove_db(const char *db) {
    static const char *const SUFFIX[] = {"", "-wal", "-shm", "-journal"};
    char p[PATH_CAP + 16];
    for (size_t i = 0; i < sizeof SUFFIX / sizeof SUFFIX[0]; i++) {
        snprintf(p, sizeof p, "%s%s", db, SUFFIX[i]);
        if (unlink(p) != 0 && errno != ENOENT)
            return failf("cannot remove %s: %s", p, strerror(errno));
    }
    return 0;
}

static int copy_fd(int in, int out, char *buf) {
    ssize_t n;
    while ((n = read(in, buf, COPY_CHUNK)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return -1;
            done += w;
        }
    }
    return 0;
}

int copy_db(const char *src, const char *dst) {
    if (remove_db(dst) != 0) return -1;
    int in = open(src, O_RDONLY);
    int out = in < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char *buf = out < 0 ? NULL : malloc(COPY_CHUNK);
    /* Synced, so that writing the copy back does not overlap the timed run. */
    int rc = buf && !copy_fd(in, out, buf) && !fsync(out) ? 0 : -1;
    int err = errno;
    free(buf);
    if (out >= 0 && close(out) != 0 && !rc) {
        rc = -1;
        err = errno;
    }
    if (in >= 0) close(in);
    return rc ? failf("cannot copy %s to %s: %s", src, dst, strerror(err)) : 0;
}

/* In the child: stdin from in_path, stdout to out_fd or out_path, then exec. */
static void child_exec(char *const argv[], const char *in_path, int out_fd, const char *out_path) {
    int in = open(in_path, O_RDONLY);
    int out = out_fd >= 0 ? out_fd : open(out_path, O_WRONLY);
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(127);
    execvp(argv[0], argv);
    _exit(127);
}

int run(char *const argv[], const char *in_path, int out_fd, run_result *res) {
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

int capture(char *const argv[], char *buf, size_t size) {
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

void record(series *s, const run_result *r) {
    s->secs[s->n++] = r->secs;
    if (r->rss_kib > s->rss_kib) s->rss_kib = r->rss_kib;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

stats summarize(const series *s) {
    double v[MAX_RUNS];
    memcpy(v, s->secs, (size_t)s->n * sizeof v[0]);
    qsort(v, (size_t)s->n, sizeof v[0], cmp_double);
    double mid = s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
    return (stats){mid, v[0], v[s->n - 1]};
}

int parse_count(const char *s, long long max, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > max) return -1;
    *out = v;
    return 0;
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

void print_provenance(int argc, char **argv, const char *sqlite_version) {
    char date[64], cpu[256];
    time_t t = time(NULL);
    struct tm tm;
    struct utsname u;
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    if (uname(&u) != 0) memset(&u, 0, sizeof u);
    cpu_model(cpu, sizeof cpu);
    printf("- command: `");
    for (int i = 0; i < argc; i++)
        printf("%s%s", i ? " " : "", argv[i]);
    printf("`\n- date: %s\n", date);
    printf("- machine: %s %s %s, %ld CPUs online, %s\n", u.sysname, u.release, u.machine,
           sysconf(_SC_NPROCESSORS_ONLN), cpu);
    printf("- sqlite3: %s\n", sqlite_version);
}
