/* Check suite for lib/report/failures.c and the failure-related parts of ingest and
 * schema: recording provider failures (classification, occurrence counting,
 * resolution), querying the log by every filter, the summary view, the
 * mirrored error table, import rejects with unified codes, and failed
 * payments in reports linked to failures. Real databases, real files. */
#include "recon.h"
#include "testdb.h"

static char tmp[256], dbpath[512];
static recon_db *db;
static sqlite3 *sq;

static void setup(void) {
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
}

static void teardown(void) {
    tu_books_close(tmp, db, sq);
}

static int64_t record(const char *provider, int status, const char *code, const char *message,
                      const char *context, const char *seen_at) {
    recon_failure_input in = RECON_FAILURE_INPUT_INIT;
    in.provider = provider;
    in.http_status = status;
    in.provider_code = code;
    in.message = message;
    in.context = context;
    in.seen_at = seen_at;
    int64_t id = 0;
    ck_assert_msg(recon_failure_record(db, &in, &id) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_int_gt(id, 0);
    return id;
}

/* Imports `text` as a file with the built-in generic_psp profile. */
static recon_import_result import_psp(const char *name, const char *text, const char *source) {
    char path[600];
    tu_write_file(tmp, name, text, strlen(text), path, sizeof path);
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin("generic_psp", NULL, &p), RECON_OK);
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = source;
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, path, p, &o, &r) == RECON_OK, "%s", recon_errmsg(db));
    recon_profile_free(p);
    return r;
}

/* ---- recording ---------------------------------------------------------------------- */

START_TEST(test_record_stores_the_classification) {
    recon_failure_input in = RECON_FAILURE_INPUT_INIT;
    in.provider = "Modulate";
    in.http_status = 429;
    in.provider_code = "RATE_LIMIT_EXCEEDED";
    in.message = "Rate limit exceeded. Retry after 42 seconds.";
    in.field = NULL;
    in.request_id = "req_abc123";
    in.context = "fetch statements 2024-05 for merchant m_1";
    in.seen_at = "2024-05-02T10:00:00Z";
    int64_t id;
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_OK);
    TU_ASSERT_Q(sq,
                "provider|modulate|429|RATE_LIMIT_EXCEEDED|RATE_LIMITED|throttle|req_abc123|1|"
                "2024-05-02T10:00:00Z|2024-05-02T10:00:00Z|NULL",
                "SELECT origin || '|' || provider || '|' || http_status || '|' || provider_code"
                " || '|' || unified_code || '|' || category || '|' || request_id || '|' ||"
                " occurrences || '|' || first_seen || '|' || last_seen || '|' ||"
                " coalesce(resolved_at, 'NULL') FROM failures WHERE id = %lld",
                (long long)id);
    TU_ASSERT_Q(sq, "fetch statements 2024-05 for merchant m_1",
                "SELECT context FROM failures WHERE id = %lld", (long long)id);
    /* A time with an offset is stored in UTC; junk is refused. */
    in.seen_at = "2024-05-02T12:30:00+02:00";
    in.context = "other";
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_OK);
    TU_ASSERT_Q(sq, "2024-05-02T10:30:00Z", "SELECT first_seen FROM failures WHERE id = %lld",
                (long long)id);
    in.seen_at = "yesterday";
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_EMISUSE);
    ck_assert(strstr(recon_errmsg(db), "yesterday") != NULL);
    in.seen_at = "2024-05-02"; /* a date is not a time */
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_EMISUSE);
}
END_TEST

START_TEST(test_repeats_count_occurrences_while_open) {
    int64_t a = record("tabapay", 503, NULL, "down", "fetch", "2024-05-01T10:00:00Z");
    int64_t b = record("tabapay", 503, NULL, "still down", "fetch", "2024-05-01T10:05:00Z");
    /* Recorded late but seen earlier: counted, but not the latest message. */
    int64_t c = record("tabapay", 503, NULL, "down again", "fetch", "2024-05-01T09:00:00Z");
    ck_assert_int_eq(a, b);
    ck_assert_int_eq(a, c);
    TU_ASSERT_Q(sq, "3|2024-05-01T09:00:00Z|2024-05-01T10:05:00Z|still down",
                "SELECT occurrences || '|' || first_seen || '|' || last_seen || '|' || message"
                " FROM failures WHERE id = %lld",
                (long long)a);
    /* The same for the request id. */
    recon_failure_input in = RECON_FAILURE_INPUT_INIT;
    in.provider = "tabapay";
    in.http_status = 503;
    in.context = "fetch";
    in.request_id = "req_new";
    in.seen_at = "2024-05-01T10:06:00Z";
    ck_assert_int_eq(recon_failure_record(db, &in, NULL), RECON_OK);
    in.request_id = "req_old";
    in.seen_at = "2024-05-01T09:30:00Z";
    ck_assert_int_eq(recon_failure_record(db, &in, NULL), RECON_OK);
    TU_ASSERT_Q(sq, "5|req_new",
                "SELECT occurrences || '|' || request_id FROM failures WHERE"
                " id = %lld",
                (long long)a);
    /* Another context, status or provider is another failure. */
    ck_assert_int_ne(record("tabapay", 503, NULL, "down", "post payout", NULL), a);
    ck_assert_int_ne(record("tabapay", 504, NULL, "slow", "fetch", NULL), a);
    ck_assert_int_ne(record("ledge", 503, NULL, "down", "fetch", NULL), a);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures"), 4);
    /* Once resolved, the same failure opens a new row. */
    ck_assert_int_eq(recon_failure_resolve(db, a, "provider outage over", "ops"), RECON_OK);
    int64_t d = record("tabapay", 503, NULL, "down", "fetch", NULL);
    ck_assert_int_ne(d, a);
    ck_assert_int_eq(tu_qint(sq, "SELECT occurrences FROM failures WHERE id = %lld", (long long)d),
                     1);
}
END_TEST

/* Failures that differ only past 1 KiB of context, or whose context and
 * field differ only in where a \x1f stands, are different failures; the
 * fingerprint of an ordinary one keeps the joined form databases hold. */
START_TEST(test_fingerprints_are_never_cut_or_ambiguous) {
    char ctx[1200];
    memset(ctx, 'c', sizeof ctx - 1);
    ctx[sizeof ctx - 1] = '\0';
    int64_t a = record("tabapay", 503, NULL, "down", ctx, NULL);
    ctx[sizeof ctx - 2] = 'd';
    int64_t b = record("tabapay", 503, NULL, "down", ctx, NULL);
    ck_assert_int_ne(a, b);
    ck_assert_int_eq(record("tabapay", 503, NULL, "down", ctx, NULL), b);
    recon_failure_input in = RECON_FAILURE_INPUT_INIT;
    in.provider = "tabapay";
    in.http_status = 503;
    in.context = "x\x1fy";
    in.field = "";
    int64_t c = 0, d = 0;
    ck_assert_int_eq(recon_failure_record(db, &in, &c), RECON_OK);
    in.context = "x";
    in.field = "y\x1f";
    ck_assert_int_eq(recon_failure_record(db, &in, &d), RECON_OK);
    ck_assert_int_ne(c, d);
    int64_t e = record("tabapay", 503, NULL, "down", "fetch", NULL);
    ck_assert_int_eq(
        tu_qint(sq, "SELECT count(*) FROM failures WHERE fingerprint LIKE 'sha256:%%'"), 4);
    ck_assert_int_eq(tu_qint(sq,
                             "SELECT fingerprint = 'tabapay' || char(31) || '503' || char(31)"
                             " || char(31) || unified_code || char(31) || '0' || char(31) ||"
                             " 'fetch' || char(31) FROM failures WHERE id = %lld",
                             (long long)e),
                     1);
}
END_TEST

START_TEST(test_record_with_a_parsed_response_and_a_source) {
    /* A source named must exist. */
    recon_failure_input in = RECON_FAILURE_INPUT_INIT;
    in.provider = "tabapay";
    in.http_status = 403;
    in.source = "nope";
    int64_t id;
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_ENOTFOUND);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures"), 0);
    import_psp("one.csv",
               "id,type,created,amount,currency\nch_1,charge,2024-05-01T10:00:00Z,1.00,EUR\n",
               "stripe_eu");
    const char xml[] = "<Error>blocked</Error>";
    recon_provider_failure pf = RECON_PROVIDER_FAILURE_INIT;
    recon_failure_from_response("tabapay", 403, xml, sizeof xml - 1, &pf);
    in.source = "stripe_eu";
    in.info = &pf.info;
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_OK);
    TU_ASSERT_Q(sq, "IP_NOT_ALLOWED|stripe_eu",
                "SELECT f.unified_code || '|' || s.name FROM failures f JOIN sources s ON"
                " s.id = f.source_id WHERE f.id = %lld",
                (long long)id);
    /* Without the parsed body the same status is a permission problem. */
    in.info = NULL;
    in.context = "retry";
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_OK);
    TU_ASSERT_Q(sq, "PERMISSION_DENIED", "SELECT unified_code FROM failures WHERE id = %lld",
                (long long)id);
}
END_TEST

START_TEST(test_record_refuses_bad_input) {
    recon_failure_input in = RECON_FAILURE_INPUT_INIT;
    int64_t id;
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_EMISUSE); /* no provider */
    in.provider = "ledge";
    in.http_status = 1000;
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_EMISUSE);
    in.http_status = 500;
    in.version = 7;
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_EMISUSE);
    ck_assert_int_eq(recon_failure_record(db, NULL, &id), RECON_EMISUSE);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures"), 0);
}
END_TEST

START_TEST(test_resolve_with_note_and_actor) {
    int64_t id = record("ledge", 401, NULL, "bad key", "nightly fetch", NULL);
    ck_assert_int_eq(recon_failure_resolve(db, id, "", "ops"), RECON_EMISUSE);
    ck_assert_int_eq(recon_failure_resolve(db, id, NULL, "ops"), RECON_EMISUSE);
    ck_assert_int_eq(recon_failure_resolve(db, 999, "x", "ops"), RECON_ENOTFOUND);
    ck_assert_int_eq(recon_failure_resolve(db, id, "rotated the API key", "alice"), RECON_OK);
    TU_ASSERT_Q(sq, "alice|rotated the API key",
                "SELECT resolved_by || '|' || resolution_note FROM failures WHERE id = %lld",
                (long long)id);
    ck_assert_int_eq(
        tu_qint(sq, "SELECT resolved_at GLOB '2*Z' FROM failures WHERE id = %lld", (long long)id),
        1);
    ck_assert_int_eq(recon_failure_resolve(db, id, "again", "bob"), RECON_ECONFLICT);
    TU_ASSERT_Q(sq, "alice", "SELECT resolved_by FROM failures WHERE id = %lld", (long long)id);
    int64_t other = record("ledge", 500, NULL, "x", NULL, NULL);
    ck_assert_int_eq(recon_failure_resolve(db, other, "fixed", NULL), RECON_OK);
    TU_ASSERT_Q(sq, "unknown", "SELECT resolved_by FROM failures WHERE id = %lld",
                (long long)other);
}
END_TEST

/* ---- querying ---------------------------------------------------------------------- */

typedef struct {
    char ids[256];
    int n;
} collected;

static int collect(const recon_failure *f, void *payload) {
    collected *c = payload;
    snprintf(c->ids + strlen(c->ids), sizeof c->ids - strlen(c->ids), "%s%lld", c->n ? "," : "",
             (long long)f->id);
    c->n++;
    return 0;
}

static const char *ids(const recon_failure_filter *f) {
    static collected c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(recon_failures_each(db, f, collect, &c), RECON_OK);
    return c.ids;
}

START_TEST(test_query_by_every_filter) {
    import_psp("a.csv",
               "id,type,created,amount,currency\nch_1,charge,2024-05-01T10:00:00Z,1.005,EUR\n",
               "psp_a");
    /* failure 1: the reject above (librecon, DATA_INVALID_AMOUNT, source psp_a),
     * first seen when the import ran: pinned here, so that the time
     * filters below do not depend on the day the suite runs. */
    tu_exec(sq, "UPDATE failures SET first_seen = '2024-04-30T09:00:00Z',"
                " last_seen = '2024-04-30T09:00:00Z' WHERE id = 1");
    record("modulate", 429, "RATE_LIMIT_EXCEEDED", "slow down", "a",
           "2024-05-01T10:00:00Z");                                                    /* 2 */
    record("tabapay", 401, NULL, "bad token", "b", "2024-05-03T10:00:00Z");            /* 3 */
    int64_t four = record("ledge", 401, NULL, "bad key", "c", "2024-05-05T23:59:59Z"); /* 4 */
    ck_assert_int_eq(recon_failure_resolve(db, four, "done", NULL), RECON_OK);

    recon_failure_filter f = RECON_FAILURE_FILTER_INIT;
    ck_assert_str_eq(ids(&f), "1,2,3,4");
    ck_assert_str_eq(ids(NULL), "1,2,3,4");
    f.unified_code = "AUTHENTICATION_FAILED";
    ck_assert_str_eq(ids(&f), "3,4");
    f.state = RECON_FAILURES_OPEN;
    ck_assert_str_eq(ids(&f), "3");
    f.state = RECON_FAILURES_RESOLVED;
    ck_assert_str_eq(ids(&f), "4");
    f = (recon_failure_filter)RECON_FAILURE_FILTER_INIT;
    f.category = "data";
    ck_assert_str_eq(ids(&f), "1");
    f.category = NULL;
    f.provider = "tabapay";
    ck_assert_str_eq(ids(&f), "3");
    f.provider = NULL;
    f.source = "psp_a";
    ck_assert_str_eq(ids(&f), "1");
    f.source = NULL;
    f.import_id = 1;
    ck_assert_str_eq(ids(&f), "1");
    f.import_id = 0;
    /* Time range: a date bound covers its whole day. */
    f.from = "2024-05-02";
    f.to = "2024-05-05";
    ck_assert_str_eq(ids(&f), "3,4");
    /* A time bound `to` is exclusive, as documented: first_seen < to. */
    f.from = "2024-05-01T10:00:00Z";
    f.to = "2024-05-01T10:00:01Z";
    ck_assert_str_eq(ids(&f), "2");
    f.to = "2024-05-01T10:00:00Z";
    ck_assert_str_eq(ids(&f), "");
    f.from = "2024-05-01";
    f.to = "2024-05-03T10:00:00Z"; /* failure 3's first_seen: not before it */
    ck_assert_str_eq(ids(&f), "2");
    f.from = "2030-01-01";
    f.to = NULL;
    ck_assert_str_eq(ids(&f), "");
    f = (recon_failure_filter)RECON_FAILURE_FILTER_INIT;
    f.version = 0;
    ck_assert_int_eq(recon_failures_each(db, &f, collect, &(collected){0}), RECON_EMISUSE);
}
END_TEST

static int count_summary(const recon_failure_summary_row *r, void *payload) {
    char *out = payload;
    snprintf(out + strlen(out), 512 - strlen(out), "%s/%s/%lld/%lld;", r->unified_code, r->provider,
             (long long)r->failures, (long long)r->occurrences);
    return 0;
}

START_TEST(test_summary_view_counts_open_failures) {
    for (int i = 0; i < 3; i++)
        record("modulate", 429, "RATE_LIMIT_EXCEEDED", "slow", "fetch", NULL);
    record("tabapay", 429, NULL, "slow", "fetch", NULL);
    record("tabapay", 401, NULL, "token", "fetch", NULL);
    int64_t gone = record("ledge", 401, NULL, "key", "fetch", NULL);
    ck_assert_int_eq(recon_failure_resolve(db, gone, "fixed", NULL), RECON_OK);
    char out[512] = "";
    ck_assert_int_eq(recon_failures_summary_each(db, count_summary, out), RECON_OK);
    ck_assert_str_eq(out, "RATE_LIMITED/modulate/1/3;AUTHENTICATION_FAILED/tabapay/1/1;"
                          "RATE_LIMITED/tabapay/1/1;");
    /* Reporting tools join failures to the mirrored table: every row finds its code. */
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures f JOIN unified_codes u ON"
                                 " u.code = f.unified_code AND u.category = f.category"),
                     4);
}
END_TEST

/* ---- the mirrored table -------------------------------------------------------------- */

START_TEST(test_error_table_is_mirrored_and_refreshed) {
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM error_codes"),
                     (long long)recon_error_table_count());
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM unified_codes"),
                     (long long)recon_unified_code_count());
    TU_ASSERT_Q(sq, "RATE_LIMITED|1|retry_after",
                "SELECT unified_code || '|' || retryable || '|' || retry_policy FROM error_codes"
                " WHERE provider = 'modulate' AND provider_code = 'RATE_LIMIT_EXCEEDED'");
    TU_ASSERT_Q(sq, "4xx|NULL",
                "SELECT http_class || '|' || coalesce(http_status, 'NULL') FROM error_codes"
                " WHERE provider = '*' AND http_class = '4xx' AND http_status IS NULL");
    /* A stale copy (an older library wrote it) is replaced at the next open. */
    ck_assert_int_eq(sqlite3_exec(sq,
                                  "DELETE FROM error_codes WHERE provider = 'tabapay';"
                                  "UPDATE meta SET value = 'old' WHERE key = 'error_table'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    recon_close(db);
    ck_assert_int_eq(recon_open(dbpath, NULL, &db), RECON_OK);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM error_codes"),
                     (long long)recon_error_table_count());
    /* An up-to-date copy is left alone (no write on every open). */
    ck_assert_int_eq(
        sqlite3_exec(sq, "DELETE FROM error_codes WHERE provider = 'ledge'", NULL, NULL, NULL),
        SQLITE_OK);
    recon_close(db);
    ck_assert_int_eq(recon_open(dbpath, NULL, &db), RECON_OK);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM error_codes WHERE provider = 'ledge'"), 0);
}
END_TEST

/* ---- imports ------------------------------------------------------------------------ */

START_TEST(test_import_rejects_carry_unified_codes) {
    recon_import_result r = import_psp("bad.csv",
                                       "id,type,created,amount,currency\n"
                                       "ch_1,charge,2024-05-01T10:00:00Z,1.005,EUR\n"
                                       "ch_2,charge,2024-02-30T10:00:00Z,1.00,EUR\n"
                                       "ch_3,bonus,2024-05-01T10:00:00Z,1.00,EUR\n"
                                       "ch_4,charge,2024-05-01T10:00:00Z,1.00,XXX\n"
                                       "ch_5,charge,2024-05-01T10:00:00Z\n",
                                       "psp");
    ck_assert_int_eq(r.rows_rejected, 5);
    TU_ASSERT_Q(sq,
                "2:amount_precision:DATA_INVALID_AMOUNT 3:date_out_of_range:DATA_INVALID_DATE "
                "4:kind_unknown:DATA_UNKNOWN_KIND 5:currency_unknown:DATA_INVALID_CURRENCY "
                "6:ragged_row:DATA_MALFORMED_ROW",
                "SELECT group_concat(line || ':' || provider_code || ':' || unified_code, ' ')"
                " FROM (SELECT * FROM failures ORDER BY line)");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures WHERE origin = 'import' AND"
                                 " provider = 'librecon' AND category = 'data' AND occurrences = 1"
                                 " AND first_seen = last_seen AND fingerprint IS NULL"),
                     5);
}
END_TEST

START_TEST(test_failed_payments_in_a_report_are_linked) {
    static const char ini[] = "[profile]\nname = shop\nprovider = shop_gateway\n"
                              "source_type = psp\nfailed_status = failed, declined\n"
                              "[columns]\nexternal_id = id\nkind = type\noccurred_at = created\n"
                              "amount = amount\ncurrency = currency\nprovider_status = status\n"
                              "provider_code? = code\n[kinds]\ncharge = charge\n";
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_parse(ini, "shop.ini", &err, &p) == RECON_OK, "%s", err.message);
    static const char text[] = "id,type,created,amount,currency,status,code\n"
                               "t1,charge,2024-05-01T10:00:00Z,10.00,EUR,settled,\n"
                               "t2,charge,2024-05-01T10:01:00Z,12.00,EUR,FAILED,1034\n"
                               "t3,charge,2024-05-01T10:02:00Z,13.00,EUR,declined,1019\n"
                               "t4,charge,2024-05-01T10:03:00Z,14.00,EUR,failed,\n";
    char path[600];
    tu_write_file(tmp, "shop.csv", text, strlen(text), path, sizeof path);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_OK);
    /* A failed payment moved no money: a failure, not a transaction (the
     * matcher would wait for it in the bank). */
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.rows_rejected, 0);
    ck_assert_int_eq(r.payments_failed, 3);
    ck_assert_int_eq(r.rows_read, r.rows_inserted + r.rows_duplicate + r.rows_rejected +
                                      r.rows_skipped + r.payments_failed);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM transactions"), 1);
    TU_ASSERT_Q(
        sq, "t2:3:1034:DECLINE_INSUFFICIENT_FUNDS t3:4:1019:ACCOUNT_RESTRICTED t4:5:NULL:UNKNOWN",
        "SELECT group_concat(json_extract(context, '$.external_id') || ':' || line || ':' ||"
        " coalesce(provider_code, 'NULL') || ':' || unified_code, ' ') FROM (SELECT *"
        " FROM failures ORDER BY id) WHERE origin = 'report' AND provider = 'shop_gateway'"
        " AND transaction_id IS NULL");
    /* What the row said is kept: its amount and currency, and the raw text. */
    TU_ASSERT_Q(sq, "1200 EUR FAILED 2024-05-01T10:01:00Z",
                "SELECT json_extract(context, '$.amount_minor') || ' ' || json_extract(context,"
                " '$.currency') || ' ' || json_extract(context, '$.status') || ' ' ||"
                " json_extract(context, '$.occurred_at') FROM failures WHERE line = 3");
    TU_ASSERT_Q(sq, "t2,charge,2024-05-01T10:01:00Z,12.00,EUR,FAILED,1034",
                "SELECT raw FROM failures WHERE line = 3");
    char *msg = tu_qtext(sq, "SELECT message FROM failures WHERE line = 3");
    ck_assert_msg(strstr(msg, "'FAILED'") && strstr(msg, "1034"), "%s", msg);
    free(msg);
    /* Re-importing the same rows records nothing twice, even a failure
     * resolved since. */
    ck_assert_int_eq(recon_failure_resolve(db,
                                           tu_qint(sq, "SELECT id FROM failures WHERE line = 4"),
                                           "customer paid by transfer", "t"),
                     RECON_OK);
    tu_write_file(tmp, "shop2.csv", text, strlen(text) - 1, path, sizeof path);
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_OK);
    ck_assert_int_eq(r.rows_duplicate, 4);
    ck_assert_int_eq(r.payments_failed, 0);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures"), 3);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures WHERE resolved_at IS NULL"), 2);
    /* A row an earlier release stored as a transaction is a duplicate too. */
    static const char later[] = "id,type,created,amount,currency,status,code\n"
                                "t1,charge,2024-05-01T10:00:00Z,10.00,EUR,failed,1034\n";
    tu_write_file(tmp, "shop3.csv", later, strlen(later), path, sizeof path);
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_OK);
    ck_assert_int_eq(r.rows_duplicate, 1);
    ck_assert_int_eq(r.payments_failed, 0);
    recon_profile_free(p);
    /* failed_status needs a status column. */
    ck_assert_int_eq(recon_profile_parse("[profile]\nname = x\nsource_type = psp\n"
                                         "failed_status = failed\n[columns]\noccurred_at = d\n"
                                         "amount = a\ncurrency = c\n[kinds]\ndefault = charge\n",
                                         "x.ini", &err, &p),
                     RECON_EPROFILE);
    ck_assert(strstr(err.message, "failed_status") != NULL);
}
END_TEST

/* Failed payments without an id: two identical declined attempts are two
 * failures (as two identical rows are two transactions), and a file that
 * repeats them records nothing new. */
START_TEST(test_identical_failed_payments_without_ids_are_each_recorded) {
    static const char ini[] = "[profile]\nname = noid\nprovider = braintree\n"
                              "source_type = psp\nfailed_status = processor_declined\n"
                              "[columns]\nkind = type\noccurred_at = created\n"
                              "amount = amount\ncurrency = currency\nprovider_status = status\n"
                              "provider_code? = code\n[kinds]\ncharge = sale\n";
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_parse(ini, "noid.ini", &err, &p) == RECON_OK, "%s", err.message);
    static const char text[] = "type,created,amount,currency,status,code\n"
                               "sale,2024-05-01T10:00:00Z,30.00,USD,processor_declined,2001\n"
                               "sale,2024-05-01T10:00:00Z,30.00,USD,processor_declined,2001\n"
                               "sale,2024-05-01T10:05:00Z,30.00,USD,settled,1000\n";
    char path[600];
    tu_write_file(tmp, "noid.csv", text, strlen(text), path, sizeof path);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_OK);
    ck_assert_int_eq(r.payments_failed, 2);
    ck_assert_int_eq(r.rows_inserted, 1);
    TU_ASSERT_Q(sq, "2:DECLINE_INSUFFICIENT_FUNDS 3:DECLINE_INSUFFICIENT_FUNDS",
                "SELECT group_concat(line || ':' || unified_code, ' ') FROM (SELECT * FROM"
                " failures WHERE origin = 'report' ORDER BY line)");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(DISTINCT fingerprint) FROM failures"), 2);
    /* The same rows in another file (one more attempt): only the new one. */
    static const char more[] = "type,created,amount,currency,status,code\n"
                               "sale,2024-05-01T10:00:00Z,30.00,USD,processor_declined,2001\n"
                               "sale,2024-05-01T10:00:00Z,30.00,USD,processor_declined,2001\n"
                               "sale,2024-05-01T10:00:00Z,30.00,USD,processor_declined,2001\n";
    tu_write_file(tmp, "noid2.csv", more, strlen(more), path, sizeof path);
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_OK);
    ck_assert_int_eq(r.rows_duplicate, 2);
    ck_assert_int_eq(r.payments_failed, 1);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures WHERE origin = 'report'"), 3);
    recon_profile_free(p);
}
END_TEST

static Suite *failures_suite(void) {
    Suite *s = suite_create("failures");
    TCase *t = tcase_create("log");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_record_stores_the_classification);
    tcase_add_test(t, test_repeats_count_occurrences_while_open);
    tcase_add_test(t, test_fingerprints_are_never_cut_or_ambiguous);
    tcase_add_test(t, test_record_with_a_parsed_response_and_a_source);
    tcase_add_test(t, test_record_refuses_bad_input);
    tcase_add_test(t, test_resolve_with_note_and_actor);
    tcase_add_test(t, test_query_by_every_filter);
    tcase_add_test(t, test_summary_view_counts_open_failures);
    tcase_add_test(t, test_error_table_is_mirrored_and_refreshed);
    tcase_add_test(t, test_import_rejects_carry_unified_codes);
    tcase_add_test(t, test_failed_payments_in_a_report_are_linked);
    tcase_add_test(t, test_identical_failed_payments_without_ids_are_each_recorded);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    return tu_run(failures_suite());
}
