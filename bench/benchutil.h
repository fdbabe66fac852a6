/* benchutil: what the benchmark programs (bench.c: imports, matchbench.c:
 * matching) share: running a child with its wall time and peak RSS,
 * capturing what it prints, paths and databases, the statistics of a
 * series of runs and the lines that say where a report was measured. */
#ifndef BENCHUTIL_H
#define BENCHUTIL_H

#include <stddef.h>

#define MAX_RUNS 100
#define PATH_CAP 4096

/* One timed child. */
typedef struct {
    double secs;
    long rss_kib;
    int status; /* exit status, or 128 + signal */
} run_result;

/* All runs of one tool on one input. */
typedef struct {
    double secs[MAX_RUNS];
    long rss_kib; /* max over the runs */
    int n;
} series;

typedef struct {
    double median, min, max;
} stats;

/* Prints "bench: ..." on stderr and returns -1, so callers can return it. */
__attribute__((format(printf, 1, 2))) int failf(const char *fmt, ...);

/* dir/name into out (PATH_CAP bytes); -1 (reported) when too long. */
int path_join(char *out, const char *dir, const char *name);
int mkdir_p(const char *dir);
long long file_size(const char *path);

/* Removes a database and its companions so a run starts from nothing. */
int remove_db(const char *db);

/* Copies a database file to dst, synced to disk, after removing dst and
 * its companions: the source must have been checkpointed (no -wal). */
int copy_db(const char *src, const char *dst);

/* Runs argv to completion, timing fork to reaped exit; stdin from in_path,
 * stdout to out_fd when >= 0, else to /dev/null. */
int run(char *const argv[], const char *in_path, int out_fd, run_result *res);

/* Runs argv and returns its stdout (trimmed) in buf; untimed. */
int capture(char *const argv[], char *buf, size_t size);

void record(series *s, const run_result *r);
stats summarize(const series *s);

/* 1..max, or -1. */
int parse_count(const char *s, long long max, long long *out);

/* The "- command", "- date", "- machine" and "- sqlite3" lines of a report. */
void print_provenance(int argc, char **argv, const char *sqlite_version);

#endif
