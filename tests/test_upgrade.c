/* Check suite for schema upgrades (lib/store/schema.c, lib/views.c): migrations
 * are append-only (each one's SHA-256 is held here), databases written by
 * earlier releases (tests/fixtures/upgrade/, the SQL an old build left)
 * open and answer recon_flows_check with the figures a fresh database
 * gives, outdated views are replaced (or shadowed on a read-only handle),
 * newer views and newer schemas are left alone, and an up-to-date
 * database is not written to by opening it. tests/upgrade.sh drives every
 * CLI command over the same fixtures. */
#include <openssl/evp.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "recon.h"
#include "store/sql_fragments.h"
#include "store/store.h"
#include "testdb.h"

static char tmp[256];
static char dbpath[512];

static void setup(void) {
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(dbpath, sizeof dbpath, "%s/books.db", tmp);
}

static void teardown(void) {
    tu_rm_tree(tmp);
}

/* The SHA-256 of every migration as it shipped. A migration is never
 * edited: a database in the field was built by it. A schema change is a
 * new lib/store/sql/NNNN_*.sql file and a new line here. */
static const char *const MIGRATION_SHA256[] = {
    "d732e80a5f37f424953c76370a8f22645323c1e8a4f236857101b3db10d2c5d5", /* 0001_tables.sql */
    "87e89f101622734e4f2e20d389138cb37c9b42a9912f413dcebb130a5fef2e16", /* 0002_reporting.sql */
    "aefb7f182b30506b689515a1acc3e1450bb2a3af0313e7b27a9bae971f5b57e3", /* 0003_import_encoding.sql
                                                                         */
    "04062cb875ec9076d1a9ae3c83dec556a790693e1435380b9f2a495b0b0adba2", /* 0004_match_variances.sql
                                                                         */
    "aa46cab48e73dea83be4dd198a892326876ba118e5a135c917923dea6b1acfc7", /* 0005_suggestions.sql */
    "be46647f915cd5fe2c417698da66b14d19dcc1f6c91cadb191e353f77bce82ec", /* 0006_work_items.sql */
    "a3027c812f3d0b196806f09cd55e74dcc61692c277ca217f79b317f9b7eceeef", /* 0007_aliases.sql */
    "05b3b57ece15e251cb02c1f8821ec4036fa4a52f4acf0d4c91f9ac47beaf4367", /* 0008_allocations.sql */
    "f24010d50cf6b0b50f8502eb7af2f376937869b763684d9f9500dcdfcc377b37", /* 0009_journal.sql */
    "8eeae4c0f0cb223caef6dc515e9f112b64dcd18a3b0ad4252c8c31e943034aff", /* 0010_period_close.sql */
    "c1959288709686bb77f5d901fe6b8f0d3cbeb0916cf5f5ee5f00af08ad0368c7", /* 0011_decline_codes.sql */
    "5cec43cb89b387a6e983e6c43b45e436382d9a487190e92224538d43927c45c2", /* 0012_summaries.sql */
    "91cd2f16de56b064ce99c73247899f1a5426db00c7e8c033f7b8391694f6b514", /* 0013_compact_matches */
    "209bb56bfb480319a2e90c28b663b66c5b4b574ee1d934a25fe97d2e68cb5f58", /* 0014_open_rows.sql */
};

static void sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    ck_assert(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL));
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void file_sha256(const char *path, char out[65]) {
    size_t n;
    char *buf = tu_read_file(path, &n);
    sha256_hex(buf, n, out);
    free(buf);
}

/* A fixture (tests/fixtures/upgrade/NAME.sql) loaded into dbpath with the
 * file settings librecon gives its own databases. */
static void load_fixture(const char *name) {
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/upgrade/%s.sql", name);
    char *sql = tu_read_file(path, NULL);
    sqlite3 *s = NULL;
    ck_assert_int_eq(sqlite3_open(dbpath, &s), SQLITE_OK);
    tu_exec(s, "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL");
    tu_exec(s, sql);
    sqlite3_close(s);
    free(sql);
}

static sqlite3 *raw_open(void) {
    sqlite3 *s = NULL;
    ck_assert_int_eq(sqlite3_open_v2(dbpath, &s, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(s, 5000);
    return s;
}

static recon_db *open_ok(int read_only) {
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.read_only = read_only;
    recon_db *db = NULL;
    int rc = recon_open(dbpath, &o, &db);
    ck_assert_msg(rc == RECON_OK, "recon_open: %d %s", rc, recon_errmsg(db));
    return db;
}

/* Every stored row a release writes, as one SHA-256: the columns every
 * schema has (a later migration's column, such as imports.encoding, adds
 * no difference to rows already stored). */
static char *rows_digest(void) {
    sqlite3 *s = raw_open();
    static const char *const TABLES[] = {"sources",    "imports",    "transactions", "failures",
                                         "match_runs", "matches",    "match_items",  "exceptions",
                                         "ignores",    "match_audit"};
    char *all = sqlite3_mprintf("%s", "");
    /* Every value with its type, table by table in key order. */
    for (size_t i = 0; i < sizeof TABLES / sizeof TABLES[0]; i++) {
        sqlite3_stmt *st = NULL;
        const char *cols =
            strcmp(TABLES[i], "imports")
                ? "*"
                : "id, source_id, file_name, file_size, sha256, profile, started_at, "
                  "finished_at, rows_read, rows_inserted, rows_duplicate, "
                  "rows_rejected, status";
        char *q = sqlite3_mprintf("SELECT %s FROM %s ORDER BY 1, 2", cols, TABLES[i]);
        ck_assert_int_eq(sqlite3_prepare_v2(s, q, -1, &st, NULL), SQLITE_OK);
        sqlite3_free(q);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                char *next;
                if (sqlite3_column_type(st, c) == SQLITE_NULL)
                    next = sqlite3_mprintf("%s,NULL", all);
                else
                    next = sqlite3_mprintf("%s,%d:%s", all, sqlite3_column_type(st, c),
                                           (const char *)sqlite3_column_text(st, c));
                sqlite3_free(all);
                all = next;
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(s);
    char hex[65];
    sha256_hex(all, strlen(all), hex);
    sqlite3_free(all);
    return strdup(hex);
}

static void flows(recon_db *db, recon_flows_totals *t) {
    int rc = recon_flows_check(db, NULL, NULL, NULL, t);
    ck_assert_msg(rc == RECON_OK, "recon_flows_check: %s", recon_errmsg(db));
}

/* ---- migrations are append-only -------------------------------------------------- */

START_TEST(test_every_migration_keeps_the_text_it_shipped_with) {
    ck_assert_int_eq(sizeof MIGRATION_SHA256 / sizeof MIGRATION_SHA256[0], RECON_SCHEMA_VERSION);
    for (int v = 1; v <= RECON_SCHEMA_VERSION; v++) {
        const char *m = rc_schema_migration(v);
        ck_assert_ptr_nonnull(m);
        char hex[65];
        sha256_hex(m, strlen(m), hex);
        ck_assert_msg(!strcmp(hex, MIGRATION_SHA256[v - 1]),
                      "migration %d was edited (sha256 %s, shipped %s): a shipped migration "
                      "never changes; add a new one instead",
                      v, hex, MIGRATION_SHA256[v - 1]);
    }
    ck_assert_ptr_null(rc_schema_migration(0));
    ck_assert_ptr_null(rc_schema_migration(RECON_SCHEMA_VERSION + 1));
}
END_TEST

/* The compiled-in text is the file in the tree, byte for byte. */
START_TEST(test_migrations_are_the_sql_files_of_the_tree) {
    static const char *const FILES[] = {
        "lib/store/sql/0001_tables.sql",          "lib/store/sql/0002_reporting.sql",
        "lib/store/sql/0003_import_encoding.sql", "lib/store/sql/0004_match_variances.sql",
        "lib/store/sql/0005_suggestions.sql",     "lib/store/sql/0006_work_items.sql",
        "lib/store/sql/0007_aliases.sql",         "lib/store/sql/0008_allocations.sql",
        "lib/store/sql/0009_journal.sql",         "lib/store/sql/0010_period_close.sql",
        "lib/store/sql/0011_decline_codes.sql",   "lib/store/sql/0012_summaries.sql",
        "lib/store/sql/0013_compact_matches.sql", "lib/store/sql/0014_open_rows.sql"};
    ck_assert_int_eq(sizeof FILES / sizeof FILES[0], RECON_SCHEMA_VERSION);
    for (int v = 1; v <= RECON_SCHEMA_VERSION; v++) {
        char hex[65];
        file_sha256(FILES[v - 1], hex);
        ck_assert_str_eq(hex, MIGRATION_SHA256[v - 1]);
    }
}
END_TEST

/* Views are derived: none of the reporting views is created by a
 * migration, every one by the views script, each statement named as
 * schema.c expects. The one view a migration makes is `matches`, where the
 * table of that name was (schema 13): it stands for the table's rows and
 * lives with the tables. */
START_TEST(test_views_live_outside_the_migrations) {
    for (int v = 1; v <= RECON_SCHEMA_VERSION; v++) {
        const char *m = rc_schema_migration(v), *view = strstr(m, "CREATE VIEW");
        if (v == 13) {
            ck_assert_ptr_nonnull(view);
            ck_assert_int_eq(strncmp(view, "CREATE VIEW matches AS", 22), 0);
            view = strstr(view + 1, "CREATE VIEW");
        }
        ck_assert_msg(view == NULL, "migration %d creates a view", v);
    }
    ck_assert_uint_ge(rc_views_count(), 10);
    for (size_t i = 0; i < rc_views_count(); i++)
        ck_assert_msg(!strncmp(rc_view_sql(i), "CREATE VIEW v_", 14), "%s", rc_view_sql(i));
    ck_assert_ptr_null(rc_view_sql(rc_views_count()));
    /* The hash the build computed is the statements', each with its NUL. */
    size_t len = 0;
    for (size_t i = 0; i < rc_views_count(); i++)
        len += strlen(rc_view_sql(i)) + 1;
    char *all = malloc(len), *at = all;
    ck_assert_ptr_nonnull(all);
    for (size_t i = 0; i < rc_views_count(); i++) {
        size_t n = strlen(rc_view_sql(i)) + 1;
        memcpy(at, rc_view_sql(i), n);
        at += n;
    }
    char hex[65];
    sha256_hex(all, len, hex);
    free(all);
    ck_assert_str_eq(hex, rc_views_sha256);
}
END_TEST

/* ---- databases of earlier releases ------------------------------------------------ */

/* The fixtures' payout figures as of the end of the sample month: eight
 * payouts, one of which had a row rejected at import (missing_items). */
static void check_flows_of(const char *fixture, int64_t broken) {
    load_fixture(fixture);
    char *before = rows_digest();
    recon_db *db = open_ok(0);
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-04-30"), RECON_OK);
    recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
    flows(db, &t);
    ck_assert_int_eq(t.payouts, 8);
    ck_assert_int_eq(t.broken, broken);
    ck_assert_int_eq(t.ok, 8 - broken);
    ck_assert_int_eq(t.in_transit, 0);
    ck_assert_int_eq(recon_close(db), RECON_OK);
    char *after = rows_digest();
    ck_assert_str_eq(before, after);
    free(before);
    free(after);

    sqlite3 *s = raw_open();
    ck_assert_int_eq(tu_qint(s, "PRAGMA user_version"), RECON_SCHEMA_VERSION);
    TU_ASSERT_Q(s, rc_views_sha256, "SELECT value FROM meta WHERE key = 'views_sha256'");
    TU_ASSERT_Q(s, "1", "SELECT value FROM meta WHERE key = 'views_version'");
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM pragma_table_info('v_payouts')"
                                " WHERE name = 'bank_shared'"),
                     1);
    sqlite3_close(s);
}

START_TEST(test_schema_2_database_of_5205da4_answers_the_flows_check) {
    /* The database of issue 13: its views predate bank_shared. */
    check_flows_of("schema2-5205da4", 1);
}
END_TEST

START_TEST(test_schema_2_database_of_the_last_release_answers_the_flows_check) {
    check_flows_of("schema2-5e6e069", 1);
}
END_TEST

/* The last schema 2 (before imports.encoding): its imports were all read
 * as UTF-8, which is what the new column says of them. */
START_TEST(test_schema_2_database_before_import_encoding_answers_the_flows_check) {
    check_flows_of("schema2-672fa8f", 1);
    sqlite3 *s = raw_open();
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM imports"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM imports WHERE encoding IS NOT 'UTF-8'"), 0);
    sqlite3_close(s);
}
END_TEST

/* The last schema 3 (before match_variances): its matches booked no
 * variance, which is what the view says of every one of them. */
START_TEST(test_schema_3_database_before_match_variances_answers_the_flows_check) {
    check_flows_of("schema3-3fdd3fe", 1);
    sqlite3 *s = raw_open();
    int64_t matches = tu_qint(s, "SELECT count(*) FROM matches");
    ck_assert_int_gt(matches, 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM match_variances"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM v_matches WHERE variance_kind IS NULL"
                                " AND variance_minor IS NULL"),
                     matches);
    sqlite3_close(s);
}
END_TEST

/* The last schema 4 (before suggestions): nothing was ever suggested, so
 * no match reads as reviewed and the queue is empty. */
START_TEST(test_schema_4_database_before_suggestions_answers_the_flows_check) {
    check_flows_of("schema4-d2175a9", 1);
    sqlite3 *s = raw_open();
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM matches"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM v_suggestions"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM v_matches WHERE origin = 'reviewed'"), 0);
    TU_ASSERT_Q(s, "auto,manual",
                "SELECT group_concat(origin) FROM (SELECT DISTINCT origin FROM v_matches"
                " ORDER BY 1)");
    sqlite3_close(s);
}
END_TEST

/* The last schema 5 (before work items): every open exception is
 * unassigned and unresolved, and no work was logged. */
START_TEST(test_schema_5_database_before_work_items_answers_the_flows_check) {
    check_flows_of("schema5-25722a8", 1);
    sqlite3 *s = raw_open();
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM matches"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM v_exceptions WHERE assigned_to IS NOT NULL"
                                " OR resolution IS NOT NULL OR comments > 0"),
                     0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM work_log"), 0);
    sqlite3_close(s);
}
END_TEST

/* The last schema 6 (before aliases): nobody taught anything yet. */
START_TEST(test_schema_6_database_before_aliases_answers_the_flows_check) {
    check_flows_of("schema6-ff134d8", 1);
    sqlite3 *s = raw_open();
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM matches"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM v_aliases"), 0);
    sqlite3_close(s);
}
END_TEST

/* The last schema 7 (before allocations): every match took its items
 * whole, so nothing is partially matched. */
START_TEST(test_schema_7_database_before_allocations_answers_the_flows_check) {
    check_flows_of("schema7-c97d613", 1);
    sqlite3 *s = raw_open();
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM matches"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM allocations"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM v_transactions"
                                " WHERE status = 'partially_matched'"),
                     0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM v_transactions WHERE status = 'matched'"
                                " AND remaining_minor <> 0"),
                     0);
    sqlite3_close(s);
}
END_TEST

/* The last schema 8 (before the journal): its matches have no entries
 * yet, and the first export makes one for each, balanced. */
START_TEST(test_schema_8_database_before_the_journal_exports_every_match) {
    check_flows_of("schema8-cac868b", 1);
    sqlite3 *s = raw_open();
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM journal_entries"), 0);
    int64_t matches = tu_qint(s, "SELECT count(*) FROM matches WHERE undone_at IS NULL");
    ck_assert_int_gt(matches, 0);
    sqlite3_close(s);
    recon_db *db = NULL;
    ck_assert_int_eq(recon_open(dbpath, NULL, &db), RECON_OK);
    recon_accounts *acc = NULL;
    ck_assert_int_eq(recon_accounts_default(NULL, &acc), RECON_OK);
    recon_journal_opts o = RECON_JOURNAL_OPTS_INIT;
    o.accounts = acc;
    recon_journal_result r = RECON_JOURNAL_RESULT_INIT;
    ck_assert_msg(recon_journal_export(db, &o, NULL, NULL, &r) == RECON_OK, "%s", recon_errmsg(db));
    recon_close(db);
    recon_accounts_free(acc);
    ck_assert_int_eq((int64_t)r.entries, matches);
    s = raw_open();
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM (SELECT entry_id FROM journal_lines"
                                " GROUP BY entry_id, currency HAVING sum(amount_minor) <> 0)"),
                     0);
    sqlite3_close(s);
}
END_TEST

/* The last schema 9 (before closed periods): its journal (the scenario
 * exported one) is kept as it was, nothing is closed, and its books can be
 * closed: then a match of those days stays. */
START_TEST(test_schema_9_database_before_closes_keeps_its_journal_and_closes) {
    check_flows_of("schema9-927613a", 1);
    sqlite3 *s = raw_open();
    char *journal = tu_qtext(s, "SELECT group_concat(entry_id || account || amount_minor, ';')"
                                " FROM (SELECT * FROM journal_lines ORDER BY entry_id, line)");
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM journal_entries"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM period_closes"), 0);
    sqlite3_close(s);
    recon_db *db = NULL;
    ck_assert_int_eq(recon_open(dbpath, NULL, &db), RECON_OK);
    char until[11] = "x";
    ck_assert_int_eq(recon_period_closed_until(db, until), RECON_OK);
    ck_assert_str_eq(until, "");
    ck_assert_msg(recon_period_close(db, "2024-03-31", "March", "t") == RECON_OK, "%s",
                  recon_errmsg(db));
    int64_t march = 0;
    s = raw_open();
    march = tu_qint(s, "SELECT match_id FROM journal_entries WHERE kind = 'post' AND"
                       " entry_date <= '2024-03-31' ORDER BY id LIMIT 1");
    sqlite3_close(s);
    ck_assert_int_eq(recon_match_undo(db, march, "x", "t"), RECON_ECONFLICT);
    recon_close(db);
    s = raw_open();
    TU_ASSERT_Q(s, journal,
                "SELECT group_concat(entry_id || account || amount_minor, ';')"
                " FROM (SELECT * FROM journal_lines ORDER BY entry_id, line)");
    sqlite3_close(s);
    free(journal);
}
END_TEST

START_TEST(test_schema_1_database_is_migrated_and_answers_the_flows_check) {
    /* Schema 1 did not record a reject's payout: its payout shows no
     * missing item (tests/fixtures/upgrade/README.md). */
    check_flows_of("schema1-46ffddc", 0);
}
END_TEST

/* A read-only handle writes nothing: the outdated views are shadowed by
 * this library's as TEMP views, and the file stays as it was. */
START_TEST(test_read_only_handle_on_outdated_views_uses_temp_views_and_writes_nothing) {
    load_fixture("schema2-5205da4");
    sqlite3 *s = raw_open();
    tu_exec(s, "PRAGMA journal_mode = DELETE;"
               " INSERT INTO meta(key, value) VALUES ('report.as_of', '2024-04-30')");
    /* Its tables brought to this schema by hand, its views left old: a
     * read-only handle can read a database of its schema, not migrate one. */
    for (int v = 3; v <= RECON_SCHEMA_VERSION; v++) {
        tu_exec(s, rc_schema_migration(v));
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
        tu_exec(s, pragma);
    }
    sqlite3_close(s);
    char before[65], after[65];
    file_sha256(dbpath, before);

    recon_db *db = open_ok(1);
    recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
    flows(db, &t);
    ck_assert_int_eq(t.payouts, 8);
    ck_assert_int_eq(t.broken, 1);
    ck_assert_int_eq(recon_close(db), RECON_OK);

    file_sha256(dbpath, after);
    ck_assert_str_eq(before, after);
    s = raw_open();
    /* The views in the file are still the old ones. */
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM pragma_table_info('v_payouts')"
                                " WHERE name = 'bank_shared'"),
                     0);
    sqlite3_close(s);
}
END_TEST

/* A read-only handle cannot migrate: refused, naming what to do. */
START_TEST(test_read_only_handle_on_an_older_schema_is_refused) {
    load_fixture("schema1-46ffddc");
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.read_only = 1;
    recon_db *db = NULL;
    ck_assert_int_eq(recon_open(dbpath, &o, &db), RECON_ESCHEMA);
    char want[64];
    snprintf(want, sizeof want, "needs migrating to %d", RECON_SCHEMA_VERSION);
    ck_assert_msg(strstr(recon_errmsg(db), want) != NULL, "%s", recon_errmsg(db));
    recon_close(db);
}
END_TEST

/* Views of a later interface version come from a newer librecon: they are
 * kept (columns are only ever added), not taken back a version. */
START_TEST(test_views_of_a_newer_interface_version_are_kept) {
    recon_close(open_ok(0));
    sqlite3 *s = raw_open();
    tu_exec(s, "DROP VIEW v_report_settings;"
               " CREATE VIEW v_report_settings AS SELECT '2030-01-01' AS as_of,"
               " 3 AS payout_late_days, 'newer' AS extra;"
               " UPDATE meta SET value = '2' WHERE key = 'views_version';"
               " UPDATE meta SET value = 'abc' WHERE key = 'views_sha256'");
    sqlite3_close(s);
    recon_close(open_ok(0));
    s = raw_open();
    TU_ASSERT_Q(s, "newer", "SELECT extra FROM v_report_settings");
    TU_ASSERT_Q(s, "2", "SELECT value FROM meta WHERE key = 'views_version'");
    /* The same interface version with another text: replaced. */
    tu_exec(s, "UPDATE meta SET value = '1' WHERE key = 'views_version'");
    sqlite3_close(s);
    recon_close(open_ok(0));
    s = raw_open();
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM pragma_table_info('v_report_settings')"
                                " WHERE name = 'extra'"),
                     0);
    sqlite3_close(s);
}
END_TEST

/* A view edited by hand (or by another build) comes back as this
 * library's at the next open, inside the open's one transaction. */
START_TEST(test_a_changed_view_is_recreated_at_open) {
    recon_close(open_ok(0));
    sqlite3 *s = raw_open();
    tu_exec(s, "DROP VIEW v_unmatched; CREATE VIEW v_unmatched AS SELECT 1 AS broken;"
               " UPDATE meta SET value = 'old' WHERE key = 'views_sha256'");
    sqlite3_close(s);
    recon_close(open_ok(0));
    s = raw_open();
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM pragma_table_info('v_unmatched')"
                                " WHERE name = 'age_bucket'"),
                     1);
    sqlite3_close(s);
}
END_TEST

/* Opening an up-to-date database writes nothing: no transaction, no
 * change to the file (reporting jobs open it every few minutes). */
START_TEST(test_opening_an_up_to_date_database_writes_nothing) {
    recon_close(open_ok(0));
    sqlite3 *s = raw_open();
    tu_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_close(s);
    char before[65], after[65];
    file_sha256(dbpath, before);
    recon_db *db = open_ok(0);
    /* Nothing in the WAL either, while the handle is open. */
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", dbpath);
    struct stat st;
    ck_assert(stat(wal, &st) != 0 || st.st_size == 0);
    recon_close(db);
    file_sha256(dbpath, after);
    ck_assert_str_eq(before, after);
}
END_TEST

/* A database of a later schema: refused naming both versions, and the
 * file (here in rollback-journal mode, which WAL would rewrite) is byte
 * for byte as it was, with nothing left beside it. */
START_TEST(test_newer_schema_leaves_the_file_byte_for_byte_unchanged) {
    load_fixture("schema2-5e6e069");
    sqlite3 *s = raw_open();
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA journal_mode = DELETE; PRAGMA user_version = %d",
             RECON_SCHEMA_VERSION + 1);
    tu_exec(s, sql);
    sqlite3_close(s);
    char before[65], after[65];
    file_sha256(dbpath, before);

    for (int ro = 0; ro <= 1; ro++) {
        recon_open_opts o = RECON_OPEN_OPTS_INIT;
        o.read_only = ro;
        recon_db *db = NULL;
        ck_assert_int_eq(recon_open(dbpath, &o, &db), RECON_ESCHEMA);
        char want[128];
        snprintf(want, sizeof want, "schema version %d is newer than this librecon's (%d)",
                 RECON_SCHEMA_VERSION + 1, RECON_SCHEMA_VERSION);
        ck_assert_msg(strstr(recon_errmsg(db), want) != NULL, "%s", recon_errmsg(db));
        ck_assert_int_eq(recon_close(db), RECON_OK);
    }
    file_sha256(dbpath, after);
    ck_assert_str_eq(before, after);
    char side[600];
    struct stat st;
    snprintf(side, sizeof side, "%s-wal", dbpath);
    ck_assert_int_ne(stat(side, &st), 0);
    snprintf(side, sizeof side, "%s-journal", dbpath);
    ck_assert_int_ne(stat(side, &st), 0);
}
END_TEST

/* The last schema 10 (before the decline taxonomy): the mirror gains the
 * taxonomy and each row's ISO 8583 code; the failures it recorded keep the
 * unified code they were recorded with (history is not rewritten), and its
 * journal is kept line for line. */
START_TEST(test_schema_10_database_gets_the_decline_taxonomy_and_keeps_its_failures) {
    check_flows_of("schema10-6079fa7", 1);
    sqlite3 *s = raw_open();
    char *failures = tu_qtext(s, "SELECT group_concat(id || unified_code || coalesce(resolved_at,"
                                 " ''), ';') FROM (SELECT * FROM failures ORDER BY id)");
    char *journal = tu_qtext(s, "SELECT group_concat(entry_id || account || amount_minor, ';')"
                                " FROM (SELECT * FROM journal_lines ORDER BY entry_id, line)");
    sqlite3_close(s);
    recon_db *db = NULL;
    ck_assert_int_eq(recon_open(dbpath, NULL, &db), RECON_OK);
    recon_close(db);
    s = raw_open();
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM decline_codes"),
                     (int64_t)recon_decline_code_count());
    TU_ASSERT_Q(s, "soft 51",
                "SELECT decline_type || ' ' || iso8583 FROM decline_codes"
                " WHERE code = 'DECLINE_INSUFFICIENT_FUNDS'");
    TU_ASSERT_Q(s, "DECLINE_INSUFFICIENT_FUNDS 51",
                "SELECT unified_code || ' ' || iso8583 FROM error_codes WHERE provider = 'stripe'"
                " AND provider_code = 'insufficient_funds' AND http_status = 402");
    TU_ASSERT_Q(s, failures,
                "SELECT group_concat(id || unified_code || coalesce(resolved_at,"
                " ''), ';') FROM (SELECT * FROM failures ORDER BY id)");
    TU_ASSERT_Q(s, journal,
                "SELECT group_concat(entry_id || account || amount_minor, ';')"
                " FROM (SELECT * FROM journal_lines ORDER BY entry_id, line)");
    sqlite3_close(s);
    free(failures);
    free(journal);
}
END_TEST

/* The last schema 11 (before the summaries): the upgrade marks every block
 * of transactions to be summarised; the first report summarises them, and
 * the summary views say what the transactions add up to. */
START_TEST(test_schema_11_database_gets_its_summaries_at_the_first_report) {
    load_fixture("schema11-c347462");
    recon_db *db = open_ok(0);
    sqlite3 *s = raw_open();
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM transactions"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM summary_dirty"),
                     tu_qint(s, "SELECT count(DISTINCT id >> 10) FROM transactions"));
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM summary_cells"), 0);
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-04-30"), RECON_OK);
    char *live =
        tu_qtext(s, "SELECT group_concat(source || day || currency || transactions ||"
                    " matched_count || matched_minor || unmatched_minor, ';')"
                    " FROM (SELECT * FROM v_daily_summary ORDER BY source, day, currency)");
    recon_status st = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM summary_dirty"), 0);
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM summary_cells"), 0);
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM payout_cells"), 0);
    TU_ASSERT_Q(s, live,
                "SELECT group_concat(source || day || currency || transactions ||"
                " matched_count || matched_minor || unmatched_minor, ';')"
                " FROM (SELECT * FROM v_daily_summary ORDER BY source, day, currency)");
    TU_ASSERT_Q(s, live,
                "SELECT group_concat(source || day || currency || n || m || mm || um, ';') FROM"
                " (SELECT source, day, currency, count(*) AS n,"
                " count(*) FILTER (WHERE status = 'matched') AS m,"
                " coalesce(sum(amount_minor) FILTER (WHERE status = 'matched'), 0) AS mm,"
                " coalesce(sum(amount_minor) FILTER (WHERE status = 'unmatched'), 0) AS um"
                " FROM v_transactions GROUP BY source, day, currency"
                " ORDER BY source, day, currency)");
    ck_assert_int_eq(st.unmatched, tu_qint(s, "SELECT count(*) FROM v_unmatched"));
    recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
    flows(db, &t);
    ck_assert_int_eq(t.payouts, 8);
    ck_assert_int_eq(t.broken, 1);
    sqlite3_close(s);
    free(live);
    recon_close(db);
}
END_TEST

/* The last schema 12 (before matches stored what they share once): the
 * table becomes match_store under a view `matches` that shows every old
 * row exactly as it was stored, and every reference to a match still
 * holds; the next run stores its matches compactly and they read the same
 * way. */
START_TEST(test_schema_12_matches_read_the_same_through_the_view) {
    load_fixture("schema12-7f8edc4");
    sqlite3 *s = raw_open();
    static const char ROWS[] = "SELECT group_concat(quote(id) || quote(run_id) || quote(rule) ||"
                               " quote(origin) || quote(score) || quote(evidence) ||"
                               " quote(created_at) || quote(created_by) || quote(note) ||"
                               " quote(forced) || quote(undone_at) || quote(undone_by) ||"
                               " quote(undo_note), ';') FROM (SELECT * FROM matches ORDER BY id)";
    char *before = tu_qtext(s, ROWS);
    int64_t n = tu_qint(s, "SELECT count(*) FROM matches");
    ck_assert_int_gt(n, 0);
    sqlite3_close(s);
    recon_db *db = open_ok(0);
    s = raw_open();
    TU_ASSERT_Q(s, "view", "SELECT type FROM sqlite_schema WHERE name = 'matches'");
    TU_ASSERT_Q(s, before, ROWS);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM sqlite_schema WHERE sql LIKE"
                                " '%%REFERENCES matches%%'"),
                     0);
    /* A new pair, matched: the new rows are compact, and read whole. */
    static const char PSP[] =
        "id,type,created,available_on,amount,fee,net,currency,payout_id,reference,description\n"
        "up_1,charge,2024-04-02,,12.34,0,,USD,,UPG-1,\n";
    static const char BANK[] = "id,date,value_date,description,amount,currency,reference\n"
                               "ub_1,2024-04-02,,card,12.34,USD,UPG-1\n";
    char path[600];
    tu_write_file(tmp, "up_psp.csv", PSP, sizeof PSP - 1, path, sizeof path);
    tu_import(db, path, "generic_psp", "upgrade_psp");
    tu_write_file(tmp, "up_bank.csv", BANK, sizeof BANK - 1, path, sizeof path);
    tu_import(db, path, "generic_bank", "upgrade_bank");
    recon_rules *rules = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_int_eq(recon_rules_parse("[rule u]\nleft = upgrade_bank\n"
                                       "right = upgrade_psp\ncardinality = one_to_one\n"
                                       "reference = equal\n",
                                       "u.ini", &err, &rules),
                     RECON_OK);
    recon_match_opts mo = RECON_MATCH_OPTS_INIT;
    mo.rules = rules;
    recon_match_result r = RECON_MATCH_RESULT_INIT;
    ck_assert_int_eq(recon_match_run(db, &mo, &r), RECON_OK);
    recon_rules_free(rules);
    ck_assert_uint_eq(r.matches, 1);
    ck_assert_int_eq(tu_qint(s,
                             "SELECT count(*) FROM match_store WHERE id > %lld"
                             " AND created_at = '' AND evidence_id IS NOT NULL",
                             (long long)n),
                     (int64_t)r.matches);
    ck_assert_int_eq(tu_qint(s,
                             "SELECT count(*) FROM matches m JOIN match_runs u"
                             " ON u.id = m.run_id WHERE m.id > %lld"
                             " AND m.created_at = u.started_at AND m.created_by = u.actor"
                             " AND json_valid(m.evidence)",
                             (long long)n),
                     (int64_t)r.matches);
    sqlite3_close(s);
    free(before);
    recon_close(db);
}
END_TEST

/* The last schema 13 (before summary_open): the upgrade marks the blocks
 * whose cells hold something open; the first report lists their open
 * rows, and v_unmatched lists what it listed before. */
START_TEST(test_schema_13_database_lists_its_open_rows_at_the_first_report) {
    load_fixture("schema13-9a53a12");
    sqlite3 *s = raw_open();
    /* As a schema 13 library leaves it once a report has summarised. */
    static const char CELLS[] = RC_SQL_STATUS_CELLS_OF("summary_dirty");
    char *sql = sqlite3_mprintf("DELETE FROM summary_cells; INSERT INTO summary_cells"
                                " SELECT * FROM %s; DELETE FROM summary_dirty",
                                CELLS);
    tu_exec(s, sql);
    sqlite3_free(sql);
    static const char OPEN[] = "SELECT group_concat(transaction_id || status || remaining_minor,"
                               " ';') FROM (SELECT * FROM v_unmatched ORDER BY transaction_id)";
    int64_t open_blocks = tu_qint(s, "SELECT count(DISTINCT block) FROM summary_cells WHERE"
                                     " status IN ('unmatched', 'exception', 'partially_matched')"
                                     " AND block NOT IN (SELECT block FROM summary_dirty)");
    int64_t dirty = tu_qint(s, "SELECT count(*) FROM summary_dirty");
    ck_assert_int_gt(open_blocks, 0);
    sqlite3_close(s);
    recon_db *db = open_ok(0);
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-04-30"), RECON_OK);
    s = raw_open();
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM summary_dirty"), open_blocks + dirty);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM summary_open"), 0);
    char *live = tu_qtext(s, OPEN);
    ck_assert_int_gt(tu_qint(s, "SELECT count(*) FROM v_unmatched"), 0);
    recon_status st = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM summary_dirty"), 0);
    ck_assert_int_eq(tu_qint(s, "SELECT count(*) FROM summary_open"),
                     tu_qint(s, "SELECT count(*) FROM v_transactions WHERE status IN"
                                " ('unmatched', 'exception', 'partially_matched')"));
    TU_ASSERT_Q(s, live, OPEN);
    ck_assert_int_eq(st.unmatched, tu_qint(s, "SELECT count(*) FROM v_unmatched"));
    sqlite3_close(s);
    free(live);
    recon_close(db);
}
END_TEST

static Suite *upgrade_suite(void) {
    Suite *s = suite_create("upgrade");
    TCase *m = tcase_create("migrations");
    tcase_add_test(m, test_every_migration_keeps_the_text_it_shipped_with);
    tcase_add_test(m, test_migrations_are_the_sql_files_of_the_tree);
    tcase_add_test(m, test_views_live_outside_the_migrations);
    suite_add_tcase(s, m);

    TCase *old = tcase_create("old databases");
    tcase_add_unchecked_fixture(old, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(old, setup, teardown);
    tcase_set_timeout(old, 60);
    tcase_add_test(old, test_schema_2_database_of_5205da4_answers_the_flows_check);
    tcase_add_test(old, test_schema_2_database_of_the_last_release_answers_the_flows_check);
    tcase_add_test(old, test_schema_1_database_is_migrated_and_answers_the_flows_check);
    tcase_add_test(old, test_schema_2_database_before_import_encoding_answers_the_flows_check);
    tcase_add_test(old, test_schema_3_database_before_match_variances_answers_the_flows_check);
    tcase_add_test(old, test_schema_4_database_before_suggestions_answers_the_flows_check);
    tcase_add_test(old, test_schema_5_database_before_work_items_answers_the_flows_check);
    tcase_add_test(old, test_schema_6_database_before_aliases_answers_the_flows_check);
    tcase_add_test(old, test_schema_7_database_before_allocations_answers_the_flows_check);
    tcase_add_test(old, test_schema_8_database_before_the_journal_exports_every_match);
    tcase_add_test(old, test_schema_9_database_before_closes_keeps_its_journal_and_closes);
    tcase_add_test(old, test_schema_10_database_gets_the_decline_taxonomy_and_keeps_its_failures);
    tcase_add_test(old, test_read_only_handle_on_outdated_views_uses_temp_views_and_writes_nothing);
    tcase_add_test(old, test_read_only_handle_on_an_older_schema_is_refused);
    tcase_add_test(old, test_views_of_a_newer_interface_version_are_kept);
    tcase_add_test(old, test_schema_11_database_gets_its_summaries_at_the_first_report);
    tcase_add_test(old, test_schema_12_matches_read_the_same_through_the_view);
    tcase_add_test(old, test_schema_13_database_lists_its_open_rows_at_the_first_report);
    tcase_add_test(old, test_a_changed_view_is_recreated_at_open);
    tcase_add_test(old, test_opening_an_up_to_date_database_writes_nothing);
    tcase_add_test(old, test_newer_schema_leaves_the_file_byte_for_byte_unchanged);
    suite_add_tcase(s, old);
    return s;
}

int main(void) {
    return tu_run(upgrade_suite());
}
