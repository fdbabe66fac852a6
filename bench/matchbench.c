/* matchbench: the matching benchmark (issue 5): how right `recon match` is
 * on a scenario with known answers, and how fast it is against the sqlite3
 * shell doing the equivalent exact join.
 *
 *   matchbench --recon PATH --gen PATH --dir DIR [--match-rows N] [--payouts P]
 *              [--runs R] [--only quality|one_to_one|one_to_many]
 *
 * quality:     matchgen's quality scenario, imported and matched once with
 *              the default rules; every automatic match is judged against
 *              truth.csv: correct when its items are exactly one matchable
 *              truth group (the bank line and every PSP row of the payout or
 *              invoice, the payout row included). Precision = correct /
 *              automatic matches, recall = correct / matchable groups.
 * one_to_one:  N x N (default 1,000,000) imported once, untimed; then R
 *              rounds of, each on a fresh synced copy of that database:
 *              `recon match --rules onetoone.ini`; sqlite3 building the
 *              index and counting the join; sqlite3 building the index and
 *              writing the pairs to a table (recon writes its matches).
 * one_to_many: N PSP rows in P payouts (default N / 50) and P bank credits,
 *              `recon match` with the default rules, R runs on fresh copies.
 *
 * Every timed run is checked afterwards, untimed: recon made the expected
 * matches, sqlite3 found and wrote the expected pairs. Wall time and peak
 * RSS are the child's (benchutil.c). Prints a Markdown report on stdout and
 * progress on stderr; exits 1 when a run fails or a check does not hold, 2
 * on bad arguments. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"

#define MAX_EXAMPLES 10

typedef struct {
    const char *recon, *gen, *dir;
    long long rows, payouts;
    int runs;
    const char *only; /* NULL: every part */
} options;

/* ---- databases -------------------------------------------------------------------------- */

static int db_open(const char *path, sqlite3 **out) {
    if (sqlite3_open_v2(path, out, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) return 0;
    failf("cannot open %s: %s", path, *out ? sqlite3_errmsg(*out) : "out of memory");
    sqlite3_close(*out);
    *out = NULL;
    return -1;
}

static int db_exec(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK) return 0;
    failf("%s\n  in: %.200s", err ? err : sqlite3_errmsg(db), sql);
    sqlite3_free(err);
    return -1;
}

static int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st) {
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK) return 0;
    return failf("%s\n  in: %.200s", sqlite3_errmsg(db), sql);
}

/* The first column of the first row of a query without parameters. */
static int db_int(sqlite3 *db, const char *sql, long long *out) {
    sqlite3_stmt *st;
    if (db_prepare(db, sql, &st) != 0) return -1;
    int step = sqlite3_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return step == SQLITE_ROW ? 0 : failf("%s\n  in: %.200s", sqlite3_errmsg(db), sql);
}

/* The same, on a database opened for the question only. */
static int file_int(const char *path, const char *sql, long long *out) {
    sqlite3 *db;
    if (db_open(path, &db) != 0) return -1;
    int rc = db_int(db, sql, out);
    sqlite3_close(db);
    return rc;
}

static int expect_int(const char *path, const char *sql, long long want) {
    long long got;
    if (file_int(path, sql, &got) != 0) return -1;
    if (got != want) return failf("%s: %s gave %lld, expected %lld", path, sql, got, want);
    return 0;
}

/* After an import, recon has checkpointed on close; make sure, so that
 * copying the main file copies the whole database. */
static int checkpoint(const char *path) {
    sqlite3 *db;
    if (db_open(path, &db) != 0) return -1;
    int rc = db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(db);
    char wal[PATH_CAP + 8];
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (!rc && file_size(wal) > 0) return failf("%s: still has a WAL after a checkpoint", path);
    return rc;
}

/* ---- children ---------------------------------------------------------------------------- */

static int generate(const options *o, char *const argv[]) {
    run_result r;
    fprintf(stderr, "bench: %s %s\n", o->gen, argv[1]);
    if (run(argv, "/dev/null", -1, &r) != 0) return -1;
    return r.status ? failf("%s %s exited with status %d", o->gen, argv[1], r.status) : 0;
}

/* psp.csv and bank.csv of dir into a new database db, untimed. */
static int import_both(const options *o, const char *dir, const char *db) {
    static const char *const WHAT[][3] = {{"generic_psp", "psp", "psp.csv"},
                                          {"generic_bank", "bank", "bank.csv"}};
    if (remove_db(db) != 0) return -1;
    for (size_t i = 0; i < 2; i++) {
        char csv[PATH_CAP];
        if (path_join(csv, dir, WHAT[i][2]) != 0) return -1;
        char *argv[] = {(char *)o->recon,   "--db",     (char *)db,         "import", "--profile",
                        (char *)WHAT[i][0], "--source", (char *)WHAT[i][1], csv,      NULL};
        run_result r;
        fprintf(stderr, "bench: importing %s\n", csv);
        if (run(argv, "/dev/null", -1, &r) != 0) return -1;
        if (r.status != 0) return failf("recon import of %s exited with status %d", csv, r.status);
    }
    return checkpoint(db);
}

/* `recon --db db match [--rules rules]`, timed. */
static int time_match(const options *o, const char *db, const char *rules, run_result *r) {
    char *argv[] = {(char *)o->recon, "--db", (char *)db, "match", "--rules", (char *)rules, NULL};
    if (!rules) argv[4] = NULL;
    if (run(argv, "/dev/null", -1, r) != 0) return -1;
    return r->status ? failf("recon match on %s exited with status %d", db, r->status) : 0;
}

/* ---- quality: loading the truth ---------------------------------------------------------------
 */

/* truth.csv (source,external_id,truth_group,matchable,case; no quoting) into
 * a temporary table: the database itself is left as the run wrote it. */
static int load_truth(sqlite3 *db, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return failf("cannot read %s", path);
    sqlite3_stmt *ins = NULL;
    int rc = db_exec(db, "CREATE TEMP TABLE truth(source TEXT, external_id TEXT, grp TEXT,"
                         " matchable INTEGER, kase TEXT, PRIMARY KEY (source, external_id));"
                         "BEGIN") ||
             db_prepare(db, "INSERT INTO truth VALUES (?1, ?2, nullif(?3, ''), ?4, ?5)", &ins);
    char line[512];
    for (long n = 0; !rc && fgets(line, sizeof line, f); n++) {
        char *field[5], *p = line;
        line[strcspn(line, "\r\n")] = '\0';
        int k = 0;
        for (; k < 5 && p; k++) {
            field[k] = p;
            p = strchr(p, ',');
            if (p) *p++ = '\0';
        }
        if (k != 5 || p) rc = failf("%s:%ld: not 5 fields", path, n + 1);
        if (rc || n == 0) continue; /* the header */
        for (int i = 0; i < 5; i++)
            sqlite3_bind_text(ins, i + 1, field[i], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE) rc = failf("truth: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    fclose(f);
    return rc ? -1 : db_exec(db, "COMMIT");
}

/* Every truth row as imported, with its status after the run; every
 * automatic match judged; every group (or lone noise row) with its
 * outcome: correct, in a wrong match, in an exception, or unmatched. */
static const char JUDGE_SQL[] =
    "CREATE TEMP TABLE tx AS SELECT t.id, t.kind, tr.*, st.status FROM truth tr"
    " JOIN sources s ON s.name = tr.source"
    " JOIN transactions t ON t.source_id = s.id AND t.external_id = tr.external_id"
    " JOIN v_transaction_status st ON st.transaction_id = t.id;"
    "CREATE TEMP TABLE gsize AS SELECT grp, count(*) AS n, max(matchable) AS matchable"
    " FROM truth WHERE grp IS NOT NULL GROUP BY grp;"
    "CREATE TEMP TABLE item AS SELECT m.id AS mid, m.rule, mi.transaction_id AS tid,"
    " x.grp, x.kase, x.source FROM matches m JOIN match_items mi ON mi.match_id = m.id"
    " LEFT JOIN tx x ON x.id = mi.transaction_id"
    " WHERE m.origin = 'auto' AND m.undone_at IS NULL;"
    "CREATE INDEX temp.item_by_tid ON item(tid);"
    "CREATE TEMP TABLE verdict AS SELECT v.*,"
    " coalesce(v.nl = v.n AND v.ng = 1 AND g.n = v.n AND g.matchable = 1, 0) AS correct"
    " FROM (SELECT mid, min(rule) AS rule, count(*) AS n, count(grp) AS nl,"
    "       count(DISTINCT grp) AS ng, min(grp) AS grp FROM item GROUP BY mid) v"
    " LEFT JOIN gsize g ON g.grp = v.grp;"
    "CREATE TEMP TABLE unit AS SELECT coalesce(x.grp, x.source || ':' || x.external_id) AS unit,"
    " min(x.kase) AS kase, max(x.matchable) AS matchable,"
    " CASE WHEN min(coalesce(v.correct, 0)) = 1 THEN 'correct'"
    "      WHEN max(v.correct = 0) = 1 THEN 'wrong'"
    "      WHEN max(x.status = 'exception') = 1 THEN 'exception'"
    "      ELSE 'unmatched' END AS outcome"
    " FROM tx x LEFT JOIN item i ON i.tid = x.id LEFT JOIN verdict v ON v.mid = i.mid"
    " GROUP BY 1;";

typedef struct {
    long long psp_rows, bank_rows, groups, matchable;
    long long matches, correct;
    long long exceptions, tx_exception, tx_unmatched, tx_total;
    run_result run;
} quality_result;

static int quality_counts(sqlite3 *db, quality_result *q) {
    long long truth_rows, imported;
    if (db_int(db, "SELECT count(*) FROM truth", &truth_rows) ||
        db_int(db, "SELECT count(*) FROM tx", &imported) ||
        db_int(db, "SELECT count(*) FROM truth WHERE source = 'psp'", &q->psp_rows) ||
        db_int(db, "SELECT count(*) FROM truth WHERE source = 'bank'", &q->bank_rows) ||
        db_int(db, "SELECT count(*) FROM gsize", &q->groups) ||
        db_int(db, "SELECT count(*) FROM gsize WHERE matchable = 1", &q->matchable) ||
        db_int(db, "SELECT count(*) FROM verdict", &q->matches) ||
        db_int(db, "SELECT coalesce(sum(correct), 0) FROM verdict", &q->correct) ||
        db_int(db, "SELECT count(*) FROM exceptions WHERE closed_at IS NULL", &q->exceptions) ||
        db_int(db, "SELECT count(*) FROM v_transaction_status WHERE status = 'exception'",
               &q->tx_exception) ||
        db_int(db, "SELECT count(*) FROM v_transaction_status WHERE status = 'unmatched'",
               &q->tx_unmatched) ||
        db_int(db, "SELECT count(*) FROM transactions", &q->tx_total))
        return -1;
    if (imported != truth_rows || imported != q->tx_total)
        return failf("truth has %lld rows, %lld of them imported, database has %lld", truth_rows,
                     imported, q->tx_total);
    return 0;
}

/* ---- quality: the report ------------------------------------------------------------------------
 */

static double pct(long long a, long long b) {
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

static void print_quality_summary(FILE *out, const quality_result *q) {
    fprintf(out, "### Quality: the default rules on a scenario with known answers\n\n");
    fprintf(out,
            "- scenario: `matchgen quality` (psp.csv %lld rows, bank.csv %lld rows);"
            " %lld truth groups (payouts and invoices), %lld of them matchable\n",
            q->psp_rows, q->bank_rows, q->groups, q->matchable);
    fprintf(out, "- `recon match` (default rules): %.3f s, peak RSS %.1f MiB\n\n", q->run.secs,
            (double)q->run.rss_kib / 1024.0);
    fprintf(out, "| measure | value | target |\n|---|--:|--:|\n");
    fprintf(out, "| precision: correct / automatic matches | %lld / %lld = %.2f%% | 100%% |\n",
            q->correct, q->matches, pct(q->correct, q->matches));
    fprintf(out, "| recall: correct / matchable groups | %lld / %lld = %.2f%% | >= 98%% |\n",
            q->correct, q->matchable, pct(q->correct, q->matchable));
    fprintf(out, "| wrong automatic matches | %lld | 0 |\n", q->matches - q->correct);
    fprintf(out, "| open exceptions (transactions named by them) | %lld (%lld) | |\n",
            q->exceptions, q->tx_exception);
    fprintf(out, "| transactions unmatched, of all | %lld of %lld | |\n\n", q->tx_unmatched,
            q->tx_total);
}

static int print_cases(FILE *out, sqlite3 *db) {
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT kase, count(*), max(matchable), sum(outcome = 'correct'),"
                   " sum(outcome = 'wrong'), sum(outcome = 'exception'),"
                   " sum(outcome = 'unmatched') FROM unit GROUP BY kase ORDER BY kase",
                   &st))
        return -1;
    fprintf(out, "Outcome by case (a unit is a truth group; for `noise/*` a bank line):\n\n"
                 "| case | units | matchable | correct | in a wrong match | exception "
                 "| unmatched |\n|---|--:|---|--:|--:|--:|--:|\n");
    while (sqlite3_step(st) == SQLITE_ROW)
        fprintf(out, "| %s | %lld | %s | %lld | %lld | %lld | %lld |\n", sqlite3_column_text(st, 0),
                sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2) ? "yes" : "no",
                sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6));
    fputc('\n', out);
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : failf("%s", sqlite3_errmsg(db));
}

/* One wrong match: per truth group it touches, how many rows of each side
 * it holds out of how many the group has, and the kinds it left out. */
static int print_wrong_match(FILE *out, sqlite3 *db, long long mid, const char *rule) {
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT coalesce(i.grp, 'no group'), coalesce(i.kase, 'noise'), i.source,"
                   " count(*), (SELECT count(*) FROM tx x WHERE x.grp = i.grp"
                   "   AND x.source = i.source),"
                   " (SELECT group_concat(DISTINCT x.kind) FROM tx x WHERE x.grp = i.grp AND"
                   "   x.source = i.source AND x.id NOT IN (SELECT tid FROM item WHERE mid = ?1))"
                   " FROM item i WHERE i.mid = ?1 GROUP BY i.grp, i.source ORDER BY 1, 3",
                   &st))
        return -1;
    sqlite3_bind_int64(st, 1, mid);
    fprintf(out, "- match %lld (`%s`):", mid, rule);
    char last[64] = "";
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *grp = (const char *)sqlite3_column_text(st, 0);
        const unsigned char *left_out = sqlite3_column_text(st, 5);
        if (strcmp(grp, last))
            fprintf(out, "%s %s [%s]:", last[0] ? ";" : "", grp, sqlite3_column_text(st, 1));
        else
            fputc(',', out);
        fprintf(out, " %s %lld of %lld rows", sqlite3_column_text(st, 2),
                sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4));
        if (left_out) fprintf(out, " (left out: %s)", left_out);
        snprintf(last, sizeof last, "%s", grp);
    }
    fputc('\n', out);
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : failf("%s", sqlite3_errmsg(db));
}

static int print_wrong_matches(FILE *out, sqlite3 *db) {
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT mid, rule FROM verdict WHERE NOT correct ORDER BY mid", &st))
        return -1;
    int n = 0, rc = 0;
    fprintf(out, "Wrong automatic matches (up to %d):\n\n", MAX_EXAMPLES);
    while (!rc && sqlite3_step(st) == SQLITE_ROW && n++ < MAX_EXAMPLES)
        rc = print_wrong_match(out, db, sqlite3_column_int64(st, 0),
                               (const char *)sqlite3_column_text(st, 1));
    if (!n) fprintf(out, "- none\n");
    fputc('\n', out);
    sqlite3_finalize(st);
    return rc;
}

/* Matchable groups not matched as they should be: what became of their
 * rows, and the open exceptions that name them. */
static int print_missed(FILE *out, sqlite3 *db) {
    sqlite3_stmt *st;
    if (db_prepare(
            db,
            "SELECT u.unit, u.kase, u.outcome,"
            " (SELECT group_concat(x.source || ' ' || x.status || ' ' || x.c, ', ') FROM"
            "   (SELECT source, status, count(*) AS c FROM tx WHERE grp = u.unit"
            "    GROUP BY source, status) x),"
            " (SELECT replace(group_concat(DISTINCT e.rule || ' ' || e.reason), ',', ', ')"
            "   FROM exceptions e"
            "   JOIN tx x ON x.id = e.transaction_id WHERE x.grp = u.unit AND e.closed_at IS NULL)"
            " FROM unit u WHERE u.matchable = 1 AND u.outcome != 'correct' ORDER BY u.kase, u.unit",
            &st))
        return -1;
    int n = 0;
    fprintf(out, "Matchable groups not matched correctly (up to %d):\n\n", MAX_EXAMPLES);
    while (sqlite3_step(st) == SQLITE_ROW && n++ < MAX_EXAMPLES) {
        const unsigned char *exc = sqlite3_column_text(st, 4);
        fprintf(out, "- %s [%s]: %s; rows: %s%s%s\n", sqlite3_column_text(st, 0),
                sqlite3_column_text(st, 1), sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
                exc ? "; open exceptions: " : "", exc ? (const char *)exc : "");
    }
    if (!n) fprintf(out, "- none\n");
    fputc('\n', out);
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : failf("%s", sqlite3_errmsg(db));
}

static int print_rules(FILE *out, sqlite3 *db) {
    sqlite3_stmt *st;
    if (db_prepare(db,
                   "SELECT rule, count(*), sum(correct), sum(n) FROM verdict GROUP BY rule"
                   " ORDER BY min(mid)",
                   &st))
        return -1;
    fprintf(out, "Automatic matches by rule:\n\n| rule | matches | correct | transactions |\n"
                 "|---|--:|--:|--:|\n");
    while (sqlite3_step(st) == SQLITE_ROW)
        fprintf(out, "| %s | %lld | %lld | %lld |\n", sqlite3_column_text(st, 0),
                sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                sqlite3_column_int64(st, 3));
    fputc('\n', out);
    return sqlite3_finalize(st) == SQLITE_OK ? 0 : failf("%s", sqlite3_errmsg(db));
}

static int judge(FILE *out, const char *db_path, const char *truth, quality_result *q) {
    sqlite3 *db;
    if (db_open(db_path, &db) != 0) return -1;
    int rc = load_truth(db, truth) || db_exec(db, JUDGE_SQL) || quality_counts(db, q);
    if (!rc) {
        print_quality_summary(out, q);
        rc = print_rules(out, db) || print_cases(out, db) || print_wrong_matches(out, db) ||
             print_missed(out, db);
    }
    sqlite3_close(db);
    return rc ? -1 : 0;
}

static int bench_quality(const options *o, FILE *out) {
    char dir[PATH_CAP], db[PATH_CAP], truth[PATH_CAP];
    if (path_join(dir, o->dir, "quality") || path_join(db, dir, "quality.db") ||
        path_join(truth, dir, "truth.csv") || mkdir_p(dir))
        return -1;
    char *argv[] = {(char *)o->gen, "quality", dir, NULL};
    quality_result q;
    memset(&q, 0, sizeof q);
    if (generate(o, argv) || import_both(o, dir, db) || time_match(o, db, NULL, &q.run)) return -1;
    fprintf(stderr, "bench: quality: recon match %.3f s\n", q.run.secs);
    return judge(out, db, truth, &q);
}

/* ---- speed --------------------------------------------------------------------------------------
 */

/* The sqlite3 shell's side of one_to_one: the index recon's in-memory one
 * stands for, then the exact join, counted or written as pairs. The same
 * 32 MiB cache and synchronous setting as recon. */
static int write_join_script(const char *path, long long psp, long long bank, int write_pairs) {
    FILE *f = fopen(path, "w");
    if (!f) return failf("cannot write %s", path);
    fprintf(f,
            ".bail on\nPRAGMA cache_size = -32768;\nPRAGMA synchronous = NORMAL;\n"
            "CREATE INDEX bench_match ON transactions(source_id, reference, amount_minor,"
            " currency);\n%s FROM transactions p JOIN transactions b ON b.source_id = %lld"
            " AND b.reference = p.reference AND b.amount_minor = p.amount_minor"
            " AND b.currency = p.currency WHERE p.source_id = %lld;\n",
            write_pairs ? "CREATE TABLE pairs AS SELECT p.id AS psp_id, b.id AS bank_id"
                        : "SELECT count(*)",
            bank, psp);
    return fclose(f) == 0 ? 0 : failf("cannot write %s", path);
}

typedef struct {
    const char *name;
    series s;
} tool;

enum { T_RECON, T_COUNT, T_PAIRS, NTOOLS };

typedef struct {
    char dir[PATH_CAP], base[PATH_CAP], work[PATH_CAP], rules[PATH_CAP];
    char script[2][PATH_CAP], out[PATH_CAP];
    long long n;
    tool t[NTOOLS];
} one_to_one;

/* The sqlite3 shell on a script, stdout into a file for the check. */
static int time_sqlite(one_to_one *b, int which) {
    char *argv[] = {"sqlite3", b->work, NULL};
    FILE *f = fopen(b->out, "w");
    if (!f) return failf("cannot write %s", b->out);
    run_result r;
    int rc = run(argv, b->script[which == T_PAIRS], fileno(f), &r);
    fclose(f);
    if (rc) return -1;
    if (r.status)
        return failf("sqlite3 < %s exited with status %d", b->script[which == T_PAIRS], r.status);
    record(&b->t[which].s, &r);
    return 0;
}

static int check_count_output(const one_to_one *b) {
    char buf[64] = "";
    FILE *f = fopen(b->out, "r");
    if (!f || !fgets(buf, sizeof buf, f)) {
        if (f) fclose(f);
        return failf("%s: no count", b->out);
    }
    fclose(f);
    if (strtoll(buf, NULL, 10) != b->n)
        return failf("sqlite3 counted %s pairs, expected %lld", buf, b->n);
    return 0;
}

/* One tool's timed run on a fresh copy, then its check. */
static int o2o_run(const options *o, one_to_one *b, int which) {
    if (copy_db(b->base, b->work) != 0) return -1;
    if (which == T_RECON) {
        run_result r;
        if (time_match(o, b->work, b->rules, &r)) return -1;
        record(&b->t[T_RECON].s, &r);
        return expect_int(b->work, "SELECT count(*) FROM matches", b->n) ||
                       expect_int(b->work, "SELECT count(*) FROM match_items", 2 * b->n)
                   ? -1
                   : 0;
    }
    if (time_sqlite(b, which)) return -1;
    return which == T_COUNT ? check_count_output(b)
                            : expect_int(b->work, "SELECT count(*) FROM pairs", b->n);
}

static int o2o_setup(const options *o, one_to_one *b) {
    char n[32];
    long long psp, bank;
    snprintf(n, sizeof n, "%lld", o->rows);
    char *argv[] = {(char *)o->gen, "one_to_one", n, b->dir, NULL};
    return mkdir_p(b->dir) || generate(o, argv) || import_both(o, b->dir, b->base) ||
                   file_int(b->base, "SELECT id FROM sources WHERE name = 'psp'", &psp) ||
                   file_int(b->base, "SELECT id FROM sources WHERE name = 'bank'", &bank) ||
                   write_join_script(b->script[0], psp, bank, 0) ||
                   write_join_script(b->script[1], psp, bank, 1)
               ? -1
               : 0;
}

static int bench_one_to_one(const options *o, one_to_one *b) {
    b->n = o->rows;
    b->t[T_RECON].name = "`recon match --rules onetoone.ini`";
    b->t[T_COUNT].name = "sqlite3: CREATE INDEX + SELECT count(*) of the join";
    b->t[T_PAIRS].name = "sqlite3: CREATE INDEX + CREATE TABLE pairs AS the join";
    if (path_join(b->dir, o->dir, "one_to_one") || path_join(b->base, b->dir, "base.db") ||
        path_join(b->work, b->dir, "work.db") || path_join(b->rules, b->dir, "onetoone.ini") ||
        path_join(b->script[0], b->dir, "count.sql") ||
        path_join(b->script[1], b->dir, "pairs.sql") || path_join(b->out, b->dir, "sqlite.out") ||
        o2o_setup(o, b))
        return -1;
    for (int i = 0; i < o->runs; i++) {
        for (int k = 0; k < NTOOLS; k++)
            if (o2o_run(o, b, k)) return -1;
        fprintf(stderr,
                "bench: one_to_one run %d/%d: recon %.3f s, sqlite3 count %.3f s,"
                " pairs %.3f s\n",
                i + 1, o->runs, b->t[T_RECON].s.secs[i], b->t[T_COUNT].s.secs[i],
                b->t[T_PAIRS].s.secs[i]);
    }
    return remove_db(b->work);
}

/* The reports timed on the matched one_to_many database (issue 6): each
 * reads the reporting views over a million rows. */
enum { NREPORTS = 6 };
static const char *const REPORT_NAMES[NREPORTS] = {"report payouts --format csv",
                                                   "report summary --format csv",
                                                   "report unmatched --format csv",
                                                   "report aging --format csv",
                                                   "status",
                                                   "report html -o FILE"};

typedef struct {
    char dir[PATH_CAP], base[PATH_CAP], work[PATH_CAP], html[PATH_CAP];
    long long n, payouts;
    series s;
    series reports[NREPORTS];
} one_to_many;

/* Times every report on the matched database, runs times each. */
static int time_reports(const options *o, one_to_many *b) {
    char *db = b->work, *recon = (char *)o->recon;
    char *argv[NREPORTS][8] = {
        {recon, "--db", db, "report", "payouts", "--format", "csv", NULL},
        {recon, "--db", db, "report", "summary", "--format", "csv", NULL},
        {recon, "--db", db, "report", "unmatched", "--format", "csv", NULL},
        {recon, "--db", db, "report", "aging", "--format", "csv", NULL},
        {recon, "--db", db, "status", NULL},
        {recon, "--db", db, "report", "html", "-o", b->html, NULL},
    };
    for (int i = 0; i < o->runs; i++)
        for (int k = 0; k < NREPORTS; k++) {
            run_result r;
            if (run(argv[k], "/dev/null", -1, &r) != 0) return -1;
            if (r.status) return failf("recon %s exited with status %d", REPORT_NAMES[k], r.status);
            record(&b->reports[k], &r);
            fprintf(stderr, "bench: one_to_many run %d/%d: %s %.3f s\n", i + 1, o->runs,
                    REPORT_NAMES[k], r.secs);
        }
    return 0;
}

static int bench_one_to_many(const options *o, one_to_many *b) {
    char n[32], p[32];
    b->n = o->rows;
    b->payouts = o->payouts;
    snprintf(n, sizeof n, "%lld", b->n);
    snprintf(p, sizeof p, "%lld", b->payouts);
    char *argv[] = {(char *)o->gen, "one_to_many", n, p, b->dir, NULL};
    if (path_join(b->dir, o->dir, "one_to_many") || path_join(b->base, b->dir, "base.db") ||
        path_join(b->work, b->dir, "work.db") || path_join(b->html, b->dir, "report.html") ||
        mkdir_p(b->dir) || generate(o, argv) || import_both(o, b->dir, b->base))
        return -1;
    for (int i = 0; i < o->runs; i++) {
        run_result r;
        if (copy_db(b->base, b->work) || time_match(o, b->work, NULL, &r)) return -1;
        record(&b->s, &r);
        if (expect_int(b->work, "SELECT count(*) FROM matches", b->payouts) ||
            expect_int(b->work, "SELECT count(*) FROM match_items", b->n + b->payouts))
            return -1;
        fprintf(stderr, "bench: one_to_many run %d/%d: recon %.3f s\n", i + 1, o->runs, r.secs);
    }
    if (time_reports(o, b)) return -1;
    return remove_db(b->work);
}

/* ---- speed: the report --------------------------------------------------------------------------
 */

static void print_one_to_one(FILE *out, const one_to_one *b, int runs) {
    double recon = summarize(&b->t[T_RECON].s).median;
    fprintf(out,
            "### Speed: one_to_one, %lld bank lines x %lld PSP charges\n\n"
            "One rule (`onetoone.ini`: reference equal, amount equal, currency equal); %d rounds"
            " of the three, alternating, each on a fresh synced copy of the imported database;"
            " every run checked afterwards (%lld matches, %lld pairs).\n\n"
            "| tool | median s | min s | max s | peak RSS MiB | recon / this |\n"
            "|---|--:|--:|--:|--:|--:|\n",
            b->n, b->n, runs, b->n, b->n);
    for (int k = 0; k < NTOOLS; k++) {
        stats t = summarize(&b->t[k].s);
        fprintf(out, "| %s | %.3f | %.3f | %.3f | %.1f | %.2f |\n", b->t[k].name, t.median, t.min,
                t.max, (double)b->t[k].s.rss_kib / 1024.0, recon / t.median);
    }
    fputc('\n', out);
}

static void print_one_to_many(FILE *out, const one_to_many *b, int runs) {
    stats t = summarize(&b->s);
    double rss = (double)b->s.rss_kib / 1024.0;
    fprintf(out,
            "### Speed: one_to_many, %lld PSP rows in %lld payouts, default rules\n\n"
            "%d runs, each on a fresh synced copy; every run checked afterwards (%lld matches"
            " holding all %lld rows).\n\n"
            "| tool | median s | min s | max s | peak RSS MiB | target |\n"
            "|---|--:|--:|--:|--:|---|\n"
            "| `recon match` | %.3f | %.3f | %.3f | %.1f | < 2 s: %s; < 512 MiB: %s |\n\n",
            b->n, b->payouts, runs, b->payouts, b->n + b->payouts, t.median, t.min, t.max, rss,
            t.median < 2.0 ? "met" : "not met", rss < 512.0 ? "met" : "not met");
    fprintf(out,
            "### Speed: reports on that matched database (issue 6)\n\n"
            "Each `recon` command %d times, output to /dev/null (the HTML to a file).\n\n"
            "| command | median s | min s | max s | peak RSS MiB |\n"
            "|---|--:|--:|--:|--:|\n",
            runs);
    for (int k = 0; k < NREPORTS; k++) {
        stats r = summarize(&b->reports[k]);
        fprintf(out, "| `recon %s` | %.3f | %.3f | %.3f | %.1f |\n", REPORT_NAMES[k], r.median,
                r.min, r.max, (double)b->reports[k].rss_kib / 1024.0);
    }
    fputc('\n', out);
}

/* ---- main
 * ---------------------------------------------------------------------------------------- */

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
        else if (!strcmp(k, "--only"))
            o->only = v;
        else if (!strcmp(k, "--match-rows") ? parse_count(v, 100000000LL, &o->rows)
                 : !strcmp(k, "--payouts")  ? parse_count(v, 100000000LL, &o->payouts)
                 : !strcmp(k, "--runs")     ? parse_count(v, MAX_RUNS, &runs)
                                            : -1)
            return -1;
    }
    o->runs = (int)runs;
    if (!o->payouts) o->payouts = o->rows / 50 ? o->rows / 50 : 1;
    if (o->only && strcmp(o->only, "quality") && strcmp(o->only, "one_to_one") &&
        strcmp(o->only, "one_to_many"))
        return -1;
    return o->recon && o->gen && o->dir && o->payouts <= o->rows ? 0 : -1;
}

static int wanted(const options *o, const char *part) {
    return !o->only || !strcmp(o->only, part);
}

/* Runs the parts, each writing its section into out. */
static int bench_all(const options *o, FILE *out) {
    one_to_one *o2o = calloc(1, sizeof *o2o); /* large (paths and series): not on the stack */
    one_to_many *o2m = calloc(1, sizeof *o2m);
    int rc = o2o && o2m ? 0 : failf("out of memory");
    if (!rc && wanted(o, "quality")) rc = bench_quality(o, out);
    if (!rc && wanted(o, "one_to_one") && !(rc = bench_one_to_one(o, o2o)))
        print_one_to_one(out, o2o, o->runs);
    if (!rc && wanted(o, "one_to_many") && !(rc = bench_one_to_many(o, o2m)))
        print_one_to_many(out, o2m, o->runs);
    free(o2o);
    free(o2m);
    return rc;
}

int main(int argc, char **argv) {
    options o;
    if (parse_args(argc, argv, &o) != 0) {
        fputs("usage: matchbench --recon PATH --gen PATH --dir DIR [--match-rows N]"
              " [--payouts P] [--runs R] [--only quality|one_to_one|one_to_many]\n",
              stderr);
        return 2;
    }
    char version[256], *body = NULL;
    size_t len = 0;
    char *version_argv[] = {"sqlite3", "--version", NULL};
    FILE *out = open_memstream(&body, &len);
    if (!out || mkdir_p(o.dir) || capture(version_argv, version, sizeof version) ||
        bench_all(&o, out)) {
        if (out) fclose(out);
        free(body);
        return 1;
    }
    fclose(out);
    printf("## Matching (issue 5)\n\n");
    print_provenance(argc, argv, version);
    printf("- sizes: one_to_one %lld x %lld rows, one_to_many %lld rows in %lld payouts;"
           " %d timed runs per tool; wall-clock seconds; peak RSS = max ru_maxrss of the"
           " child over its runs\n\n%s",
           o.rows, o.rows, o.rows, o.payouts, o.runs, body);
    free(body);
    return 0;
}
