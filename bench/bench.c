/* bench: times `recon import` against the sqlite3 shell's own `.import --csv`
 * of the same files, the floor for getting CSV rows into SQLite at all, and
 * when given DuckDB's read_csv into a persistent DuckDB file (--duckdb: the
 * script scripts/install-duckdb.sh installs, run with node).
 *
 *   bench --recon PATH --gen PATH --dir DIR [--rows N] [--runs R] [--duckdb SCRIPT]
 *
 * Writes DIR/psp.csv and DIR/bank.csv with gen (deterministic, so always
 * regenerated), then for each file runs recon and sqlite3 alternately R times
 * each (A B A B ...) so that machine noise hits both alike, each into a fresh
 * database. Wall time is CLOCK_MONOTONIC around fork/exec/wait4; peak RSS is
 * the child's ru_maxrss. Once per file, outside the timed runs, it checks
 * that both databases hold N rows. Prints a Markdown report on stdout and
 * progress on stderr; exits 1 when any run fails, 2 on bad arguments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"

typedef struct {
    const char *recon, *gen, *dir;
    const char *duckdb; /* build/duckdb/import.mjs, or NULL: not measured */
    long long rows;
    int runs;
} options;

typedef struct {
    const char *kind;    /* gen's argument */
    const char *profile; /* recon's built-in profile */
    char csv[PATH_CAP];
    long long bytes;
    double gen_secs;
    series recon, sqlite, duckdb;
} input;

static const char *const KINDS[][2] = {{"psp", "generic_psp"}, {"bank", "generic_bank"}};
enum { NINPUTS = sizeof KINDS / sizeof KINDS[0] };

/* ---- the benchmark -------------------------------------------------------------- */

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

/* DuckDB loads the file into a new database file and prints the table's
 * row count (bench/duckdb_import.mjs): the node process's start (about a
 * tenth of a second) is in the time, as the sqlite3 shell's start is in
 * its. The count is checked on the first run. */
static int time_duckdb(const options *o, input *in, const char *db, int check) {
    char *argv[] = {"node", (char *)o->duckdb, (char *)db, in->csv, NULL};
    char wal[PATH_CAP + 8];
    snprintf(wal, sizeof wal, "%s.wal", db);
    remove(wal);
    char out_path[PATH_CAP + 8];
    snprintf(out_path, sizeof out_path, "%s.out", db);
    FILE *out = fopen(out_path, "w+");
    if (!out) return failf("cannot write %s: %s", out_path, strerror(errno));
    run_result r;
    int bad = remove_db(db) != 0 || run(argv, "/dev/null", fileno(out), &r) != 0;
    char count[64] = "";
    rewind(out);
    if (!fgets(count, sizeof count, out)) count[0] = '\0';
    fclose(out);
    if (bad) return -1;
    if (r.status != 0)
        return failf("DuckDB's read_csv of %s exited with status %d", in->csv, r.status);
    if (check && strtoll(count, NULL, 10) != o->rows)
        return failf("%s: DuckDB's table holds %s rows, expected %lld", db, count, o->rows);
    record(&in->duckdb, &r);
    return 0;
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
    char recon_db[PATH_CAP], sqlite_db[PATH_CAP], script[PATH_CAP], duck_db[PATH_CAP];
    if (path_join(recon_db, o->dir, "recon.db") || path_join(sqlite_db, o->dir, "sqlite.db") ||
        path_join(duck_db, o->dir, "duck.duckdb") || path_join(script, o->dir, "import.sql") ||
        write_script(script, in->csv))
        return -1;
    for (int i = 0; i < o->runs; i++) {
        if (time_recon(o, in, recon_db) != 0) return -1;
        if (i == 0 && check_count(recon_db, "transactions", o->rows) != 0) return -1;
        if (time_sqlite(in, sqlite_db, script) != 0) return -1;
        if (i == 0 && check_count(sqlite_db, "t", o->rows) != 0) return -1;
        if (o->duckdb && time_duckdb(o, in, duck_db, i == 0) != 0) return -1;
        fprintf(stderr, "bench: %s run %d/%d: recon %.3f s, sqlite3 %.3f s", in->kind, i + 1,
                o->runs, in->recon.secs[i], in->sqlite.secs[i]);
        if (o->duckdb) fprintf(stderr, ", duckdb %.3f s", in->duckdb.secs[i]);
        fputc('\n', stderr);
    }
    return 0;
}

/* ---- report ---------------------------------------------------------------------- */

static void print_row(const options *o, const input *in, const char *tool, const series *s,
                      double ratio) {
    stats t = summarize(s);
    double mb = (double)in->bytes / 1e6;
    printf("| %s.csv | %s | %lld | %.1f | %.3f | %.3f | %.3f | %.0f | %.1f | %.1f | %.2f |\n",
           in->kind, tool, o->rows, mb, t.median, t.min, t.max, (double)o->rows / t.median,
           mb / t.median, (double)s->rss_kib / 1024.0, ratio);
}

static void print_header(int argc, char **argv, const options *o, const char *sqlite_version) {
    printf("## recon import vs sqlite3 .import\n\n");
    print_provenance(argc, argv, sqlite_version);
    printf("- %d runs per tool and file, alternating recon, sqlite3%s, each into a new database;"
           " wall-clock seconds (median, min, max); rows/s and MB/s from the median;"
           " MB = 10^6 bytes; peak RSS = max ru_maxrss over the runs\n",
           o->runs, o->duckdb ? " and DuckDB" : "");
    if (o->duckdb)
        printf("- DuckDB: `CREATE TABLE t AS SELECT * FROM read_csv(FILE, all_varchar = true)` into"
               " a new DuckDB file, from Node.js (@duckdb/node-api from the npm registry, Debian"
               " has no package; the node start is in the time)\n");
    else
        printf("- DuckDB: not measured (Node.js and npm are needed:"
               " scripts/install-duckdb.sh)\n");
}

static void print_report(int argc, char **argv, const options *o, const input *in,
                         const char *sqlite_version) {
    print_header(argc, argv, o, sqlite_version);
    for (int i = 0; i < NINPUTS; i++)
        printf("- %s.csv: %lld rows, %lld bytes, generated in %.2f s\n", in[i].kind, o->rows,
               in[i].bytes, in[i].gen_secs);
    printf("\n| file | tool | rows | MB | median s | min s | max s | rows/s | MB/s "
           "| peak RSS MiB | / sqlite3 |\n");
    printf("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (int i = 0; i < NINPUTS; i++) {
        double ratio = summarize(&in[i].recon).median / summarize(&in[i].sqlite).median;
        print_row(o, &in[i], "recon import", &in[i].recon, ratio);
        print_row(o, &in[i], "sqlite3 .import", &in[i].sqlite, 1.0);
        if (o->duckdb)
            print_row(o, &in[i], "DuckDB read_csv", &in[i].duckdb,
                      summarize(&in[i].duckdb).median / summarize(&in[i].sqlite).median);
    }
}

/* ---- main ------------------------------------------------------------------------ */

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
        else if (!strcmp(k, "--duckdb"))
            o->duckdb = v;
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
        fputs("usage: bench --recon PATH --gen PATH --dir DIR [--rows N] [--runs R]"
              " [--duckdb SCRIPT]\n",
              stderr);
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
