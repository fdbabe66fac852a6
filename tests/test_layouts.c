/* Check suite for the built-in profiles of real report layouts: every
 * fixture in tests/fixtures/layouts/ (written to the provider's documented
 * layout) imports with exactly the canonical rows of its NAME.expected.csv;
 * detection picks the right profile for every fixture and refuses files
 * that fit none or several; the layouts' quirks (filtered rows, totals
 * rows, BAI2 trailers, summary rows) behave as documented. */
#include "formats/csvread.h"
#include "recon.h"
#include "testdb.h"

static const char *const LAYOUTS[] = {
    "adyen_settlement_details",
    "amazon_pay_settlement",
    "amazon_settlement",
    "bai2",
    "bank_debit_credit",
    "braintree_settlement",
    "braintree_transactions",
    "camt",
    "chase_card",
    "checkout_financial_actions",
    "checkout_settlement_breakdown",
    "dcu_transactions",
    "klarna_settlement",
    "mercury",
    "mt940",
    "ofx",
    "paypal_activity",
    "paypal_settlement",
    "paypal_statement",
    "paypal_statement_es",
    "paypal_transaction_detail",
    "recurly_transactions",
    "revolut_legacy",
    "schwab_bank",
    "stripe_balance_itemized",
    "stripe_payout_itemized",
    "stripe_payouts_itemized",
    "wells_fargo",
    "worldpay_settlement",
};
#define NLAYOUTS (sizeof LAYOUTS / sizeof LAYOUTS[0])

static char tmp[256], dbpath[512];
static recon_db *db;
static sqlite3 *sq;

static void setup(void) {
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(dbpath, sizeof dbpath, "%s/books.db", tmp);
    ck_assert_msg(recon_open(dbpath, NULL, &db) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_int_eq(sqlite3_open_v2(dbpath, &sq, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
}

static void teardown(void) {
    sqlite3_close(sq);
    recon_close(db);
    tu_rm_tree(tmp);
}

static void fixture_path(const char *name, char *out, size_t size) {
    const char *ext = !strcmp(name, "bai2")    ? ".txt"
                      : !strcmp(name, "mt940") ? ".940"
                      : !strcmp(name, "camt")  ? ".xml"
                      : !strcmp(name, "ofx")   ? ".ofx"
                                               : ".csv";
    snprintf(out, size, FIXTURE("layouts/%s%s"), name, ext);
}

static recon_import_result import_as(const char *name, const char *path) {
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_builtin(name, &err, &p) == RECON_OK, "%s", err.message);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, path, p, NULL, &r) == RECON_OK, "%s: %s", name,
                  recon_errmsg(db));
    recon_profile_free(p);
    return r;
}

/* The stored rows, in the expected file's shape, one line each. */
static char *stored_rows(void) {
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    sqlite3_stmt *st;
    ck_assert_int_eq(
        sqlite3_prepare_v2(sq,
                           "SELECT line, kind, amount_minor, fee_minor, net_minor, currency,"
                           " occurred_at, coalesce(settled_at, ''),"
                           " CASE id_generated WHEN 1 THEN '' ELSE external_id END,"
                           " coalesce(group_id, ''), coalesce(reference, '')"
                           " FROM transactions ORDER BY line",
                           -1, &st, NULL),
        SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 11; i++)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "",
                                    (const char *)sqlite3_column_text(st, i));
        len += (size_t)snprintf(out + len, cap - len, "\n");
        ck_assert_uint_lt(len, cap - 512);
    }
    sqlite3_finalize(st);
    return out;
}

/* NAME.expected.csv, read with the project's own CSV reader. */
static char *expected_rows(const char *name, int *nrows) {
    char path[512];
    snprintf(path, sizeof path, FIXTURE("layouts/%s.expected.csv"), name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "no %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    rc_csv *r;
    rc_csv_row row;
    ck_assert_int_eq(rc_csv_open_mem(buf, n, NULL, &r), 0);
    ck_assert_int_eq(rc_csv_next(r, &row), RC_CSV_HAVE_ROW); /* header */
    char *out = malloc(1 << 16);
    size_t len = 0;
    out[0] = '\0';
    *nrows = 0;
    while (rc_csv_next(r, &row) == RC_CSV_HAVE_ROW) {
        ck_assert_int_eq(row.nfields, 11);
        for (size_t i = 0; i < row.nfields; i++)
            len +=
                (size_t)snprintf(out + len, (1 << 16) - len, "%s%s", i ? "," : "", row.fields[i]);
        len += (size_t)snprintf(out + len, (1 << 16) - len, "\n");
        (*nrows)++;
    }
    rc_csv_close(r);
    return out;
}

/* ---- every layout imports exactly ------------------------------------------------------ */

START_TEST(test_every_fixture_imports_its_expected_rows) {
    const char *name = LAYOUTS[_i];
    char path[512];
    fixture_path(name, path, sizeof path);
    recon_import_result r = import_as(name, path);
    int want_rows;
    char *want = expected_rows(name, &want_rows);
    char *got = stored_rows();
    ck_assert_msg(!strcmp(want, got), "%s: rows differ\n--- expected\n%s--- stored\n%s", name, want,
                  got);
    ck_assert_int_eq(r.rows_inserted, want_rows);
    ck_assert_msg(r.rows_rejected == 0 && r.checks_failed == 0,
                  "%s: %llu rejected, %llu "
                  "checks failed",
                  name, (unsigned long long)r.rows_rejected, (unsigned long long)r.checks_failed);
    /* Nothing rejected; the only failures are the failed payments the
     * report itself records (Braintree's declined attempt, by its reason). */
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures"), (int64_t)r.payments_failed);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM failures WHERE origin = 'report' AND"
                                 " unified_code GLOB 'DECLINE_*'"),
                     (int64_t)r.payments_failed);
    /* Every profile says its source type; the source takes it. */
    recon_profile *p;
    ck_assert_int_eq(recon_profile_builtin(name, NULL, &p), RECON_OK);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM sources WHERE name = %Q AND type = %Q", name,
                             recon_source_type_name(recon_profile_source_type(p))),
                     1);
    ck_assert_uint_gt(strlen(recon_profile_description(p)), 10);
    recon_profile_free(p);
    /* Importing it again is a no-op. */
    r = import_as(name, path);
    ck_assert_int_eq(r.already_imported, 1);
    free(want);
    free(got);
}
END_TEST

/* ---- detection ---------------------------------------------------------------------- */

START_TEST(test_detection_picks_each_fixtures_profile) {
    const char *name = LAYOUTS[_i];
    char path[512];
    fixture_path(name, path, sizeof path);
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_detect(path, &err, &p) == RECON_OK, "%s: %s", name, err.message);
    ck_assert_str_eq(recon_profile_name(p), name);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_detection_refuses_what_fits_nothing_or_twice) {
    char path[600];
    recon_profile *p = (recon_profile *)1;
    recon_error err = RECON_ERROR_INIT;
    static const char none[] = "when,what,how much\n2024-05-01,coffee,3.50\n";
    tu_write_file(tmp, "none.csv", none, sizeof none - 1, path, sizeof path);
    ck_assert_int_eq(recon_profile_detect(path, &err, &p), RECON_ENOTFOUND);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.message, "none.csv") && strstr(err.message, "--profile"), "%s",
                  err.message);
    /* Most of Mercury's columns: named as the closest, with what it lacks. */
    static const char near[] = "Date,Description,Amount,Status,Source Account\n"
                               "03-04-2024,x,1.00,Sent,a\n";
    tu_write_file(tmp, "near.csv", near, sizeof near - 1, path, sizeof path);
    ck_assert_int_eq(recon_profile_detect(path, &err, &p), RECON_ENOTFOUND);
    ck_assert_msg(strstr(err.message, "closest: mercury (4 of 6 columns; missing Date (UTC), "
                                      "Bank Description)") != NULL,
                  "%s", err.message);
    /* Fits both generic profiles: a refusal naming both, never a guess. */
    static const char both[] = "id,type,created,date,amount,currency,description\n"
                               "t1,charge,2024-05-01,2024-05-01,1.00,EUR,x\n";
    tu_write_file(tmp, "both.csv", both, sizeof both - 1, path, sizeof path);
    ck_assert_int_eq(recon_profile_detect(path, &err, &p), RECON_ECONFLICT);
    ck_assert_msg(strstr(err.message, "generic_bank, generic_psp") != NULL, "%s", err.message);
    /* Unreadable, empty and binary files. */
    ck_assert_int_eq(recon_profile_detect("/nonexistent/x.csv", &err, &p), RECON_EIO);
    tu_write_file(tmp, "empty.csv", "", 0, path, sizeof path);
    ck_assert_int_eq(recon_profile_detect(path, &err, &p), RECON_EFORMAT);
    tu_write_file(tmp, "bin.csv", "a\0b\0c", 5, path, sizeof path);
    ck_assert_int_eq(recon_profile_detect(path, &err, &p), RECON_EFORMAT);
    ck_assert_int_eq(recon_profile_detect(NULL, &err, &p), RECON_EMISUSE);
}
END_TEST

/* ---- the quirks ----------------------------------------------------------------------- */

START_TEST(test_filtered_rows_are_counted_not_stored) {
    recon_import_result r = import_as("paypal_activity", FIXTURE("layouts/paypal_activity.csv"));
    ck_assert_int_eq(r.rows_read, 11);
    ck_assert_int_eq(r.rows_skipped, 1); /* the Memo line */
    ck_assert_int_eq(r.rows_read, r.rows_inserted + r.rows_duplicate + r.rows_rejected +
                                      r.rows_skipped + r.payments_failed);
    r = import_as("braintree_transactions", FIXTURE("layouts/braintree_transactions.csv"));
    ck_assert_int_eq(r.rows_skipped, 2);    /* voided, not yet settled */
    ck_assert_int_eq(r.payments_failed, 1); /* declined: a failure with its reason */
    ck_assert_int_eq(r.rows_read, r.rows_inserted + r.rows_duplicate + r.rows_rejected +
                                      r.rows_skipped + r.payments_failed);
}
END_TEST

/* Stripe reports run through the API with chosen columns: any order, and
 * created / available_on (in the run's time zone, which the file does not
 * state) instead of the *_utc columns. Detected by their columns; only the
 * calendar date of created is taken, never a time read as UTC. A file with
 * neither created_utc nor created is refused, naming the field. */
START_TEST(test_stripe_reports_with_chosen_columns) {
    static const char file[] =
        "available_on,automatic_payout_id,balance_transaction_id,created,currency,fee,gross,net,"
        "reporting_category\n"
        "2026-02-02 00:00:00,po_abc,txn_101,2026-02-01 23:30:00,usd,1.20,30.00,28.80,charge\n";
    char path[600];
    tu_write_file(tmp, "chosen.csv", file, strlen(file), path, sizeof path);
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_detect(path, &err, &p) == RECON_OK, "%s", err.message);
    ck_assert_str_eq(recon_profile_name(p), "stripe_payout_itemized");
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, path, p, NULL, &r) == RECON_OK, "%s", recon_errmsg(db));
    recon_profile_free(p);
    TU_ASSERT_Q(sq, "2026-02-01|2026-02-02|po_abc|USD|3000",
                "SELECT occurred_at || '|' || settled_at || '|' || group_id || '|' || currency"
                " || '|' || amount_minor FROM transactions");
    static const char undated[] = "automatic_payout_id,balance_transaction_id,currency,fee,gross,"
                                  "net,reporting_category\npo_abc,txn_102,usd,0,1,1,charge\n";
    tu_write_file(tmp, "undated.csv", undated, strlen(undated), path, sizeof path);
    ck_assert_int_eq(recon_profile_builtin("stripe_payout_itemized", NULL, &p), RECON_OK);
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_EHEADER);
    recon_profile_free(p);
    ck_assert_msg(
        strstr(recon_errmsg(db), "missing column(s): occurred_at (any column of its call)"), "%s",
        recon_errmsg(db));
}
END_TEST

/* ---- importing a text --------------------------------------------------------------------- */

/* Writes text to tmp/name and imports it into source `source` with the
 * built-in profile `builtin`, or with the profile profile_text when it is
 * given; returns the status. */
static int import_text(const char *builtin, const char *profile_text, const char *name,
                       const char *text, const char *source, recon_import_result *r) {
    char path[600];
    tu_write_file(tmp, name, text, strlen(text), path, sizeof path);
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    if (profile_text)
        ck_assert_msg(recon_profile_parse(profile_text, "test.ini", &err, &p) == RECON_OK, "%s",
                      err.message);
    else
        ck_assert_int_eq(recon_profile_builtin(builtin, NULL, &p), RECON_OK);
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = source;
    int rc = recon_import_file(db, path, p, &o, r);
    recon_profile_free(p);
    return rc;
}

/* ---- the date order of a file (PayPal activity, [dates] order = auto) ------------------------ */

#define PP_HEADER                                                                                  \
    "\"Date\",\"Time\",\"TimeZone\",\"Name\",\"Type\",\"Status\",\"Currency\",\"Gross\","          \
    "\"Fee\",\"Net\",\"Transaction ID\"\n"
#define PP_ROW(date, id)                                                                           \
    "\"" date "\",\"09:00:00\",\"PST\",\"A\",\"Website Payment\",\"Completed\",\"USD\","           \
    "\"10.00\",\"0.00\",\"10.00\",\"" id "\"\n"

/* Imports text with the built-in paypal_activity profile (or the profile
 * text given) into source `source`; returns the status. */
static int import_pp(const char *name, const char *text, const char *profile_text,
                     const char *source, recon_import_result *r) {
    return import_text("paypal_activity", profile_text, name, text, source, r);
}

/* The account's locale decides whether PayPal writes 03/04 as March 4 or
 * 3 April: the file's own dates decide it, for the whole file. A day
 * above 12 anywhere settles it (here the last row); a file where no date
 * does is refused before anything is written, naming the key that
 * decides; so is a file whose dates say both. The download has no Balance
 * Impact column (a custom field set): it is optional. */
START_TEST(test_paypal_dates_are_read_in_the_files_own_order) {
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_pp("dmy.csv",
                               PP_HEADER PP_ROW("03/04/2024", "T1") PP_ROW("29/04/2024", "T2"),
                               NULL, "dmy", &r),
                     RECON_OK);
    ck_assert_int_eq(r.rows_inserted, 2);
    TU_ASSERT_Q(sq, "T1 2024-04-03T17:00:00Z,T2 2024-04-29T17:00:00Z",
                "SELECT group_concat(external_id || ' ' || occurred_at, ',') FROM"
                " (SELECT * FROM transactions ORDER BY line)");
    ck_assert_int_eq(import_pp("mdy.csv",
                               PP_HEADER PP_ROW("03/04/2024", "U1") PP_ROW("04/29/2024", "U2"),
                               NULL, "mdy", &r),
                     RECON_OK);
    TU_ASSERT_Q(sq, "2024-03-04T17:00:00Z",
                "SELECT occurred_at FROM transactions WHERE external_id = 'U1'");
    int before = tu_qint(sq, "SELECT count(*) FROM imports");
    ck_assert_int_eq(import_pp("unsettled.csv",
                               PP_HEADER PP_ROW("03/04/2024", "V1") PP_ROW("12/11/2024", "V2"),
                               NULL, "unsettled", &r),
                     RECON_EFORMAT);
    ck_assert_msg(strstr(recon_errmsg(db), "unsettled.csv: no date says whether day or month "
                                           "comes first") &&
                      strstr(recon_errmsg(db), "[dates] order = dmy or order = mdy"),
                  "%s", recon_errmsg(db));
    ck_assert_int_eq(import_pp("mixed.csv",
                               PP_HEADER PP_ROW("13/04/2024", "W1") PP_ROW("04/29/2024", "W2"),
                               NULL, "mixed", &r),
                     RECON_EFORMAT);
    ck_assert_msg(strstr(recon_errmsg(db), "line 2 ('13/04/2024 09:00:00') reads only as dmy, "
                                           "line 3 ('04/29/2024 09:00:00') only as mdy"),
                  "%s", recon_errmsg(db));
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM imports"), before);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM transactions WHERE external_id LIKE 'V%%'"
                                 " OR external_id LIKE 'W%%'"),
                     0);
    /* A file without rows has no date to misread: 0 rows, not a refusal. */
    ck_assert_int_eq(import_pp("empty.csv", PP_HEADER, NULL, "empty", &r), RECON_OK);
    ck_assert_int_eq(r.rows_read, 0);
    /* Stated in the profile, the order needs no evidence. */
    static const char stated[] = "[profile]\nname = pp_dmy\nsource_type = psp\n"
                                 "[columns]\nexternal_id = Transaction ID\nkind = Type\n"
                                 "occurred_at = Date\namount = Gross\ncurrency = Currency\n"
                                 "[kinds]\ncharge = Website Payment\n"
                                 "[dates]\noccurred_at = %m/%d/%Y\norder = dmy\n";
    ck_assert_int_eq(
        import_pp("stated.csv", PP_HEADER PP_ROW("03/04/2024", "X1"), stated, "stated", &r),
        RECON_OK);
    TU_ASSERT_Q(sq, "2024-04-03", "SELECT occurred_at FROM transactions WHERE external_id = 'X1'");
    /* order needs a day and a month to put in order. */
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_int_eq(recon_profile_parse("[profile]\nname = x\nsource_type = psp\n[columns]\n"
                                         "external_id = id\nkind = t\noccurred_at = d\n"
                                         "amount = a\ncurrency = c\n[kinds]\nunknown = other\n"
                                         "[dates]\norder = auto\n",
                                         "iso.ini", &err, &p),
                     RECON_EPROFILE);
    ck_assert_msg(strstr(err.message, "[dates] order needs the occurred_at format to have a day "
                                      "and a month"),
                  "%s", err.message);
}
END_TEST

/* PayPal's transaction detail report (TRR): amounts in hundredths whatever
 * the currency (15000 JPY is 150 yen, fee 4300 is 43), and only completed
 * (S) events kept: the pending and the denied ones are counted, not
 * stored. Detection tells it from the settlement report (STL), which
 * shares its first line and money columns, by its Transactional Status
 * column; and finds an STL extract that starts at its section header. */
START_TEST(test_paypal_trr_and_stl_extracts) {
    recon_import_result r =
        import_as("paypal_transaction_detail", FIXTURE("layouts/paypal_transaction_detail.csv"));
    ck_assert_int_eq(r.rows_inserted, 3);
    ck_assert_int_eq(r.rows_skipped, 2);
    TU_ASSERT_Q(sq, "150|43|S",
                "SELECT amount_minor || '|' || fee_minor || '|' || provider_status"
                " FROM transactions WHERE currency = 'JPY'");
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_int_eq(
        recon_profile_detect(FIXTURE("layouts/paypal_transaction_detail.csv"), &err, &p), RECON_OK);
    ck_assert_str_eq(recon_profile_name(p), "paypal_transaction_detail");
    recon_profile_free(p);
    /* The settlement fixture from its SH record on, RH and FH cut off. */
    FILE *in = fopen(FIXTURE("layouts/paypal_settlement.csv"), "rb");
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    buf[n] = '\0';
    const char *sh = strstr(buf, "\"SH\"");
    ck_assert_ptr_nonnull(sh);
    char path[600];
    tu_write_file(tmp, "extract.csv", sh, n - (size_t)(sh - buf), path, sizeof path);
    ck_assert_msg(recon_profile_detect(path, &err, &p) == RECON_OK, "%s", err.message);
    ck_assert_str_eq(recon_profile_name(p), "paypal_settlement");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_paypal_totals_rows_are_checked) {
    recon_import_result r =
        import_as("paypal_settlement", FIXTURE("layouts/paypal_settlement.csv"));
    ck_assert_int_eq(r.checks_passed, 2);
    ck_assert_int_eq(r.checks_failed, 0);
    /* The same file with one fee total off by a cent. */
    FILE *in = fopen(FIXTURE("layouts/paypal_settlement.csv"), "rb");
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    buf[n] = '\0';
    char *sf = strstr(buf, "\"SF\",\"USD\",46220,60500,45,1101");
    ck_assert_ptr_nonnull(sf);
    memcpy(sf + strlen("\"SF\",\"USD\",46220,60500,45,110"), "2", 1);
    char path[600];
    tu_write_file(tmp, "stl.csv", buf, n, path, sizeof path);
    recon_profile *p;
    ck_assert_int_eq(recon_profile_builtin("paypal_settlement", NULL, &p), RECON_OK);
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = "stl2";
    ck_assert_int_eq(recon_import_file(db, path, p, &o, &r), RECON_OK);
    recon_profile_free(p);
    ck_assert_int_eq(r.checks_passed, 1);
    ck_assert_int_eq(r.checks_failed, 1);
    ck_assert_int_eq(r.rows_rejected, 0);
    ck_assert_int_eq(r.rows_inserted, 10); /* the rows are kept; the disagreement is flagged */
    TU_ASSERT_Q(sq,
                "totals_mismatch|DATA_TOTALS_MISMATCH|fee debits 11.02 USD in the totals row, "
                "11.01 in the rows",
                "SELECT provider_code || '|' || unified_code || '|' || message FROM failures");
}
END_TEST

START_TEST(test_bai2_trailers_are_checked) {
    recon_import_result r = import_as("bai2", FIXTURE("layouts/bai2.txt"));
    ck_assert_int_eq(r.checks_passed, 4); /* two accounts, the group, the file */
    /* Continuations join the text; the value date of funds type V is kept. */
    TU_ASSERT_Q(sq, "WIRE IN ACME CORP ORIG BANK=BANK OF EXAMPLE NA",
                "SELECT description FROM transactions WHERE external_id = 'FW2403110042'");
    TU_ASSERT_Q(sq, "2024-03-13", "SELECT settled_at FROM transactions WHERE line = 9");
    TU_ASSERT_Q(sq, "CAD|2",
                "SELECT currency || '|' || count(*) FROM transactions WHERE"
                " currency = 'CAD'");
    static const char bad[] = "01,B,C,240312,0615,1,80,,2/\n"
                              "02,C,B,1,240311,2400,USD,2/\n"
                              "03,111,,010,100,,/\n"
                              "16,195,500,0,R1,,IN\n"
                              "16,999,1,0,R2,,NOT A DIRECTION\n"
                              "49,600,4/\n"
                              "98,601,1,6/\n"
                              "99,601,1,8/\n";
    char path[600];
    tu_write_file(tmp, "bad.bai", bad, sizeof bad - 1, path, sizeof path);
    recon_profile *p;
    ck_assert_int_eq(recon_profile_builtin("bai2", NULL, &p), RECON_OK);
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = "bank2";
    ck_assert_int_eq(recon_import_file(db, path, p, &o, &r), RECON_OK);
    recon_profile_free(p);
    /* 999 is a (custom) debit code: both details import. The account's
     * control total counts the 03 summary too: 100 + 500 + 1 is 601, not
     * the 600 its trailer says; group and file say 601 and agree. */
    ck_assert_int_eq(r.rows_inserted, 2);
    ck_assert_int_eq(r.checks_failed, 1);
    ck_assert_int_eq(r.checks_passed, 2);
    TU_ASSERT_Q(
        sq, "6|account trailer says control total 600 and 4 records; the file has 601 and 4",
        "SELECT line || '|' || message FROM failures WHERE provider_code = 'totals_mismatch'");
    TU_ASSERT_Q(sq, "-1", "SELECT amount_minor FROM transactions WHERE external_id = 'R2'");
}
END_TEST

/* Imports BAI2 text with the built-in profile into source `source`. */
static recon_import_result import_bai2(const char *name, const char *text, const char *source) {
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(import_text("bai2", NULL, name, text, source, &r) == RECON_OK, "%s",
                  recon_errmsg(db));
    return r;
}

/* A statement of a quiet day: balances (03) and trailers, no detail (16)
 * record. It imports as 0 rows with its trailers checked, so a nightly job
 * does not fail on a day without transactions; a trailer that disagrees is
 * recorded as usual. A header-less file with no rows at all stays refused. */
START_TEST(test_bai2_statement_without_details_imports_empty) {
    static const char quiet[] = "01,121000248,ACMEOUTDR,240313,0615,1,80,,2/\n"
                                "02,ACMEOUTDR,121000248,1,240312,2400,USD,2/\n"
                                "03,0975312468,,010,4510023,,,015,6155818,,,040,4400000,,/\n"
                                "49,15065841,2/\n"
                                "98,15065841,1,4/\n"
                                "99,15065841,1,6/\n";
    recon_import_result r = import_bai2("quiet.bai", quiet, "bank");
    ck_assert_uint_eq(r.rows_read, 0);
    ck_assert_uint_eq(r.checks_passed, 3);
    ck_assert_uint_eq(r.checks_failed, 0);
    TU_ASSERT_Q(sq, "ok|0", "SELECT status || '|' || rows_read FROM imports");
    char off[sizeof quiet];
    memcpy(off, quiet, sizeof quiet);
    memcpy(strstr(off, "49,15065841"), "49,15065840", 11);
    r = import_bai2("off.bai", off, "bank");
    ck_assert_uint_eq(r.checks_failed, 1);
    TU_ASSERT_Q(sq, "4|totals_mismatch", "SELECT line || '|' || provider_code FROM failures");
    char path[600];
    tu_write_file(tmp, "blank.bai", "\n\n", 2, path, sizeof path);
    recon_profile *p;
    ck_assert_int_eq(recon_profile_builtin("bai2", NULL, &p), RECON_OK);
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_EFORMAT);
    recon_profile_free(p);
}
END_TEST

/* A funds type D distribution count that is not a count (negative: the
 * field walk used to go backwards forever; too large; junk) rejects its
 * record, naming the field; the rest of the file imports. */
START_TEST(test_bai2_bad_distribution_counts_reject_the_record) {
    recon_import_result r = import_bai2("hang.bai",
                                        "01,BANK,ME,240301,0800,1,,,2/\n"
                                        "02,ME,BANK,1,240301,,USD,2/\n"
                                        "03,12345,USD,010,100,1,S,0,0,0,015,100,1,D,-6/\n"
                                        "16,451,100,D,99,1,100,R1,,TOO MANY PAIRS\n"
                                        "16,451,200,D,x,R2,,JUNK COUNT\n"
                                        "16,451,300,D,1,2,300,R3,,ONE PAIR\n"
                                        "49,800,5/\n"
                                        "98,800,1,7/\n"
                                        "99,800,1,9/\n",
                                        "hang");
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.rows_rejected, 3);
    ck_assert_int_eq(r.checks_passed, 3);
    TU_ASSERT_Q(sq, "R3", "SELECT external_id FROM transactions");
    TU_ASSERT_Q(sq,
                "3|record_invalid|03 record, field 15: the distribution count of funds type D "
                "is '-6', not the number of (days, amount) pairs that follow\n"
                "4|record_invalid|16 record, field 5: the distribution count of funds type D is "
                "'99', not the number of (days, amount) pairs that follow\n"
                "5|record_invalid|16 record, field 5: the distribution count of funds type D is "
                "'x', not the number of (days, amount) pairs that follow",
                "SELECT group_concat(line || '|' || provider_code || '|' || message, char(10))"
                " FROM (SELECT * FROM failures ORDER BY line)");
}
END_TEST

/* BAI2 has no quoting: a '"' in a 16's text is text, and the records after
 * it are records (they used to be swallowed into one bad CSV row). */
START_TEST(test_bai2_quote_in_text_is_text) {
    recon_import_result r = import_bai2("q.bai",
                                        "01,BANK,ME,240301,0800,1,,,2/\n"
                                        "02,ME,BANK,1,240301,,USD,2/\n"
                                        "03,12345,USD,/\n"
                                        "16,451,100,0,REF1,,PIPE 12\" STEEL\n"
                                        "16,451,200,0,REF2,,RENT\n"
                                        "16,451,300,0,REF3,,OTHER\n"
                                        "49,600,5/\n"
                                        "98,600,1,7/\n"
                                        "99,600,1,9/\n",
                                        "q");
    ck_assert_int_eq(r.rows_inserted, 3);
    ck_assert_int_eq(r.rows_rejected, 0);
    ck_assert_int_eq(r.checks_passed, 3);
    ck_assert_int_eq(r.checks_failed, 0);
    TU_ASSERT_Q(sq, "PIPE 12\" STEEL", "SELECT description FROM transactions WHERE line = 4");
}
END_TEST

/* BAI2 as banks send it: a group and account that name no currency report
 * in US dollars (BAI2's default); an account's summaries continued on 88
 * records, split anywhere (here between a type code and its amount), are
 * summed as one record, so every trailer agrees; a 16's text keeps the
 * spaces after its commas, and a bad count in a continuation names it. */
START_TEST(test_bai2_as_banks_send_it) {
    recon_import_result r = import_bai2("spec.bai",
                                        "01,BANK,ME,240301,0800,1,,,2/\n"
                                        "02,ME,BANK,1,240301,,,2/\n"
                                        "03,555,,010,-500,,,100,1000,,,190/\n"
                                        "88,500,,,400,2000,,/\n"
                                        "16,195,1500,0,REF1,,WIRE IN, FROM: ACME, REF: 9/\n"
                                        "88,MORE, TEXT\n"
                                        "49,4500,5/\n"
                                        "98,4500,1,7/\n"
                                        "99,4500,1,9/\n",
                                        "spec");
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.rows_rejected, 0);
    ck_assert_int_eq(r.checks_passed, 3);
    ck_assert_int_eq(r.checks_failed, 0);
    TU_ASSERT_Q(sq, "USD|1500|WIRE IN, FROM: ACME, REF: 9 MORE, TEXT",
                "SELECT currency || '|' || amount_minor || '|' || description FROM transactions");
    r = import_bai2("badcont.bai",
                    "01,BANK,ME,240301,0800,1,,,2/\n"
                    "02,ME,BANK,1,240301,,EUR,2/\n"
                    "03,556,,010,100,1,/\n"
                    "88,015,100,1,D,x/\n"
                    "16,195,100,0,REF2,,X/\n"
                    "49,300,4/\n"
                    "98,300,1,6/\n"
                    "99,300,1,8/\n",
                    "badcont");
    ck_assert_int_eq(r.rows_inserted, 1);
    TU_ASSERT_Q(sq, "EUR", "SELECT currency FROM transactions WHERE external_id = 'REF2'");
    TU_ASSERT_Q(sq,
                "3|record_invalid|03 record, continued at line 4 (88), field 6: the distribution "
                "count of funds type D is 'x', not the number of (days, amount) pairs that follow",
                "SELECT line || '|' || provider_code || '|' || message FROM failures"
                " WHERE import_id = %lld",
                (long long)r.import_id);
}
END_TEST

/* MT940 as banks send it: a closing balance that the opening balance and
 * the lines do not give fails its check (the rows are kept, the
 * disagreement named); a statement cut short before its closing balance
 * fails one too; a line before any tag is a rejected row, named. The
 * SWIFT envelope is optional, and so is the entry date. */
START_TEST(test_mt940_balances_are_checked) {
    static const char off[] = "{1:F01BANKDEFFXXX0000000000}{2:I940BANKDEFFXXXN}{4:\n"
                              ":20:S1\n:25:DE1/2\n:28C:7/1\n:60F:C240301EUR100,00\n"
                              ":61:240301D10,00NTRFNONREF//R1\n:86:RENT\n"
                              ":62F:C240301EUR90,01\n-}\n";
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_text("mt940", NULL, "off.940", off, "off", &r), RECON_OK);
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.checks_failed, 1);
    TU_ASSERT_Q(sq,
                "8|totals_mismatch|statement 7/1: opening balance 100,00 EUR plus its lines "
                "-10,00 does not give the closing balance C240301EUR90,01",
                "SELECT line || '|' || provider_code || '|' || message FROM failures");
    TU_ASSERT_Q(sq, "-1000|RENT|2024-03-01",
                "SELECT amount_minor || '|' || description || '|' || occurred_at"
                " FROM transactions");
    static const char cut[] = "stray text\n:20:S2\n:25:DE1/2\n:28C:8/1\n"
                              ":60F:C240302EUR90,00\n:61:2403020302C5,00NTRFX//R2\n";
    ck_assert_int_eq(import_text("mt940", NULL, "cut.940", cut, "cut", &r), RECON_OK);
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.rows_rejected, 1);
    ck_assert_int_eq(r.checks_failed, 1);
    TU_ASSERT_Q(sq,
                "1|not an MT940 line: no tag (:20:, :61:, ...) before it\n"
                "6|the file ends at line 6 inside statement 8/1, without its closing balance "
                "(:62F:): it is truncated, its balance unchecked",
                "SELECT group_concat(line || '|' || message, char(10)) FROM"
                " (SELECT * FROM failures WHERE import_id = %lld ORDER BY line)",
                (long long)r.import_id);
}
END_TEST

/* camt.053 as banks send it: the whole document on one line (the parser
 * hands out one entry at a time all the same), a closing balance the
 * entries do not give (a failed check naming both figures), a pending
 * entry left out and counted; and XML that breaks off mid-file: the
 * entries before stay, the break is a rejected row naming the line and
 * expat's reason, never a silent end. */
START_TEST(test_camt_balances_and_broken_xml) {
#define CAMT_NTRY(amt, dir, sts, ref)                                                              \
    "<Ntry><Amt Ccy=\"EUR\">" amt "</Amt><CdtDbtInd>" dir "</CdtDbtInd><Sts>" sts "</Sts>"         \
    "<BookgDt><Dt>2024-03-28</Dt></BookgDt><AcctSvcrRef>" ref "</AcctSvcrRef></Ntry>"
    static const char one_line[] =
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt><Stmt>"
        "<Id>S1</Id><Acct><Id><IBAN>DE02</IBAN></Id></Acct>"
        "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">10.00</Amt>"
        "<CdtDbtInd>DBIT</CdtDbtInd></Bal>"
        "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">5.00</Amt>"
        "<CdtDbtInd>CRDT</CdtDbtInd></Bal>" CAMT_NTRY("20.00", "CRDT", "BOOK", "R1")
            CAMT_NTRY("4.99", "DBIT", "BOOK", "R2")
                CAMT_NTRY("7.00", "CRDT", "PDNG", "R3") "</Stmt></BkToCstmrStmt></Document>\n";
    char path[600];
    tu_write_file(tmp, "one.xml", one_line, strlen(one_line), path, sizeof path);
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_detect(path, &err, &p) == RECON_OK, "%s", err.message);
    ck_assert_str_eq(recon_profile_name(p), "camt");
    recon_profile_free(p);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_text("camt", NULL, "one.xml", one_line, "one", &r), RECON_OK);
    ck_assert_int_eq(r.rows_inserted, 2);
    ck_assert_int_eq(r.rows_skipped, 1);
    ck_assert_int_eq(r.checks_failed, 1);
    TU_ASSERT_Q(sq, "R1 2000,R2 -499",
                "SELECT group_concat(external_id || ' ' || amount_minor, ',') FROM"
                " (SELECT * FROM transactions ORDER BY external_id)");
    TU_ASSERT_Q(sq,
                "statement S1: opening balance -10.00 EUR plus booked entries 15.01 is not the "
                "closing balance 5.00",
                "SELECT message FROM failures WHERE import_id = %lld", (long long)r.import_id);
    static const char broken[] =
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n"
        "<BkToCstmrStmt><Stmt><Id>S2</Id>\n" CAMT_NTRY(
            "1.00", "CRDT", "BOOK", "B1") "\n"
                                          "<Ntry><Amt Ccy=\"EUR\">2.00</Amt></Nope>\n" CAMT_NTRY(
                                              "3.00", "CRDT", "BOOK", "B3") "\n";
    ck_assert_int_eq(import_text("camt", NULL, "broken.xml", broken, "broken", &r), RECON_OK);
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.rows_rejected, 1);
    TU_ASSERT_Q(sq, "4|XML: mismatched tag (line 4, column 34): nothing after it is read",
                "SELECT line || '|' || message FROM failures WHERE import_id = %lld",
                (long long)r.import_id);
#undef CAMT_NTRY
}
END_TEST

/* OFX 2.x as XML, the whole document on one line, detected by its
 * processing instruction; end tags close the leaves the scanner already
 * closed; a statement with no transactions is a quiet period (an import of
 * no rows, not an error); a re-import of an overlapping statement is
 * duplicates. Then what breaks: a line that is not UTF-8 inside a
 * transaction (81: not even Windows-1252; that line is the rejected row, the transaction is not
 * imported without it), and a file cut inside a transaction (a rejected
 * row naming it, never a silent end). */
START_TEST(test_ofx_xml_quiet_overlap_and_broken) {
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><?OFX OFXHEADER=\"200\" VERSION=\"220\"?>"
        "<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>GBP</CURDEF><BANKACCTFROM>"
        "<BANKID>1</BANKID><ACCTID>GB-77</ACCTID><ACCTTYPE>SAVINGS</ACCTTYPE></BANKACCTFROM>"
        "<BANKTRANLIST><STMTTRN><TRNTYPE>DIRECTDEP</TRNTYPE><DTPOSTED>20240301</DTPOSTED>"
        "<TRNAMT>+250.00</TRNAMT><FITID>F1</FITID><NAME>A &lt;B&gt; &#x263A;</NAME>"
        "<MEMO/></STMTTRN><STMTTRN><TRNTYPE>FEE</TRNTYPE><DTPOSTED>20240302</DTPOSTED>"
        "<TRNAMT>-1.5</TRNAMT><FITID>F2</FITID></STMTTRN></BANKTRANLIST>"
        "<LEDGERBAL><BALAMT>248.50</BALAMT><DTASOF>20240302</DTASOF></LEDGERBAL>"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>";
    char path[600];
    tu_write_file(tmp, "one.ofx", xml, strlen(xml), path, sizeof path);
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_detect(path, &err, &p) == RECON_OK, "%s", err.message);
    ck_assert_str_eq(recon_profile_name(p), "ofx");
    recon_profile_free(p);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_text("ofx", NULL, "one.ofx", xml, "acct", &r), RECON_OK);
    ck_assert_int_eq(r.rows_inserted, 2);
    TU_ASSERT_Q(
        sq, "GB-77/F1 25000 GBP A <B> \xe2\x98\xba DIRECTDEP,GB-77/F2 -150 GBP - FEE",
        "SELECT group_concat(external_id || ' ' || amount_minor || ' ' || currency || ' ' ||"
        " coalesce(description, '-') || ' ' || provider_code, ',') FROM"
        " (SELECT * FROM transactions ORDER BY external_id)");
    /* The same statement again with a third line: two duplicates, one new. */
    static const char more[] =
        "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>GBP"
        "<BANKACCTFROM><ACCTID>GB-77</BANKACCTFROM><BANKTRANLIST>\n"
        "<STMTTRN><TRNTYPE>DIRECTDEP<DTPOSTED>20240301<TRNAMT>+250.00<FITID>F1"
        "<NAME>A &lt;B&gt; &#x263A;<MEMO></STMTTRN>\n"
        "<STMTTRN><TRNTYPE>FEE<DTPOSTED>20240302<TRNAMT>-1.5<FITID>F2</STMTTRN>\n"
        "<STMTTRN><TRNTYPE>INT<DTPOSTED>20240303<TRNAMT>0.07<FITID>F3</STMTTRN>\n"
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n";
    ck_assert_int_eq(import_text("ofx", NULL, "more.ofx", more, "acct", &r), RECON_OK);
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.rows_duplicate, 2);
    static const char quiet[] = "OFXHEADER:100\n<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS>"
                                "<CURDEF>USD<CCACCTFROM><ACCTID>4111</CCACCTFROM><BANKTRANLIST>"
                                "</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>"
                                "</OFX>\n";
    ck_assert_int_eq(import_text("ofx", NULL, "quiet.ofx", quiet, "card", &r), RECON_OK);
    ck_assert_int_eq(r.rows_read, 0);
    static const char broken[] = "OFXHEADER:100\n<OFX><STMTRS><CURDEF>USD<BANKACCTFROM>"
                                 "<ACCTID>9</BANKACCTFROM><BANKTRANLIST>\n"
                                 "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240301<TRNAMT>-5.00\n"
                                 "<FITID>X1<NAME>bad \x81 byte\n"
                                 "</STMTTRN>\n"
                                 "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240302<TRNAMT>7.00"
                                 "<FITID>X2</STMTTRN>\n"
                                 "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240303<TRNAMT>9.00\n";
    ck_assert_int_eq(import_text("ofx", NULL, "broken.ofx", broken, "cut", &r), RECON_OK);
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.rows_rejected, 2);
    TU_ASSERT_Q(sq,
                "4|invalid_utf8|field is not valid UTF-8 text or contains a NUL byte\n"
                "7|record_invalid|the file ends inside a transaction (no </STMTTRN>)",
                "SELECT group_concat(line || '|' || provider_code || '|' || message, char(10)) FROM"
                " (SELECT * FROM failures WHERE import_id = %lld ORDER BY line)",
                (long long)r.import_id);
    TU_ASSERT_Q(sq, "9/X2 700",
                "SELECT external_id || ' ' || amount_minor FROM transactions"
                " WHERE import_id = %lld",
                (long long)r.import_id);
    /* A value longer than the scanner keeps (4,096 bytes) rejects its
     * transaction, named; never a value cut short in silence. */
    size_t big = 5000;
    char *longmemo = malloc(big + 400);
    ck_assert_ptr_nonnull(longmemo);
    int n = snprintf(longmemo, 400,
                     "OFXHEADER:100\n<OFX><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>9"
                     "</BANKACCTFROM><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240305<TRNAMT>-1.00"
                     "<FITID>L1<MEMO>");
    memset(longmemo + n, 'm', big);
    snprintf(longmemo + n + big, 300, "</STMTTRN></STMTRS></OFX>\n");
    ck_assert_int_eq(import_text("ofx", NULL, "long.ofx", longmemo, "long", &r), RECON_OK);
    free(longmemo);
    ck_assert_int_eq(r.rows_inserted, 0);
    ck_assert_int_eq(r.rows_rejected, 1);
    TU_ASSERT_Q(sq, "record_invalid|transaction: MEMO is longer than 4096 bytes",
                "SELECT provider_code || '|' || message FROM failures WHERE import_id = %lld",
                (long long)r.import_id);
    /* In the statement (an account id): each of its transactions. */
    longmemo = malloc(big + 400);
    ck_assert_ptr_nonnull(longmemo);
    n = snprintf(longmemo, 400, "OFXHEADER:100\n<OFX><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>");
    memset(longmemo + n, '9', big);
    snprintf(longmemo + n + big, 300,
             "</BANKACCTFROM><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240305<TRNAMT>-1.00<FITID>L2"
             "</STMTTRN></STMTRS></OFX>\n");
    ck_assert_int_eq(import_text("ofx", NULL, "longacct.ofx", longmemo, "long", &r), RECON_OK);
    free(longmemo);
    ck_assert_int_eq(r.rows_inserted, 0);
    ck_assert_int_eq(r.rows_rejected, 1);
    TU_ASSERT_Q(sq, "statement: ACCTID is longer than 4096 bytes",
                "SELECT message FROM failures WHERE import_id = %lld", (long long)r.import_id);
}
END_TEST

/* A file cut short is a failed check on its last line naming each missing
 * trailer, never a clean import. */
START_TEST(test_bai2_truncated_file_fails_its_check) {
    recon_import_result r = import_bai2("trunc.bai",
                                        "01,BANK,ME,240301,0800,1,,,2/\n"
                                        "02,ME,BANK,1,240301,,USD,2/\n"
                                        "03,12345,USD,/\n"
                                        "16,451,100,0,REF1,,PIPE STEEL\n"
                                        "16,451,200,0,REF2,,RENT\n",
                                        "trunc");
    ck_assert_int_eq(r.rows_inserted, 2);
    ck_assert_int_eq(r.checks_passed, 0);
    ck_assert_int_eq(r.checks_failed, 1);
    TU_ASSERT_Q(sq,
                "5|totals_mismatch|the file ends at line 5 without the account trailer (49) of "
                "account 12345, the group trailer (98), the file trailer (99): it is truncated, "
                "its totals unchecked",
                "SELECT line || '|' || provider_code || '|' || message FROM failures");
    /* Cut after the account trailer: only what is still open is named. */
    r = import_bai2("trunc2.bai",
                    "01,BANK,ME,240301,0800,1,,,2/\n"
                    "02,ME,BANK,1,240301,,USD,2/\n"
                    "03,12345,USD,/\n"
                    "16,451,100,0,REF1,,PIPE STEEL\n"
                    "49,100,3/\n",
                    "trunc2");
    ck_assert_int_eq(r.checks_passed, 1);
    ck_assert_int_eq(r.checks_failed, 1);
    TU_ASSERT_Q(sq,
                "5|the file ends at line 5 without the group trailer (98), the file trailer "
                "(99): it is truncated, its totals unchecked",
                "SELECT line || '|' || message FROM failures WHERE import_id = %lld",
                (long long)r.import_id);
}
END_TEST

/* The same fee line (no bank reference) on two accounts is two rows: the
 * account is stored, as group_id, and so is part of the content hash. */
START_TEST(test_bai2_account_tells_identical_lines_apart) {
    static const char file[] = "01,BANK,ME,240301,0800,1,,,2/\n"
                               "02,ME,BANK,1,240301,,USD,2/\n"
                               "03,%s,USD,/\n"
                               "16,451,1500,0,,,MONTHLY ACCOUNT FEE\n"
                               "49,1500,3/\n"
                               "98,1500,1,5/\n"
                               "99,1500,1,7/\n";
    char text[512];
    snprintf(text, sizeof text, file, "111");
    recon_import_result r = import_bai2("acct111.bai", text, "bank");
    ck_assert_int_eq(r.rows_inserted, 1);
    snprintf(text, sizeof text, file, "222");
    r = import_bai2("acct222.bai", text, "bank");
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.rows_duplicate, 0);
    TU_ASSERT_Q(sq, "111 -1500,222 -1500",
                "SELECT group_concat(group_id || ' ' || amount_minor, ',') FROM"
                " (SELECT * FROM transactions ORDER BY group_id)");
}
END_TEST

/* A reader error in a BAI2 record names the record's field, and no column
 * of the row (field 7 of a 16 is not the profile's column #7). */
START_TEST(test_bai2_reader_errors_name_the_record_field) {
    recon_import_result r = import_bai2("utf8.bai",
                                        "01,BANK,ME,240301,0800,1,,,2/\n"
                                        "02,ME,BANK,1,240301,,USD,2/\n"
                                        "03,12345,USD,/\n"
                                        "16,451,100,0,REF1,,BAD \x81 TEXT\n"
                                        "49,100,3/\n"
                                        "98,100,1,5/\n"
                                        "99,100,1,7/\n",
                                        "utf8");
    ck_assert_int_eq(r.rows_rejected, 1);
    TU_ASSERT_Q(sq,
                "4|invalid_utf8|NULL|NULL|field is not valid UTF-8 text or contains a NUL byte "
                "(field 7 of the record)",
                "SELECT line || '|' || provider_code || '|' || coalesce(field, 'NULL') || '|' ||"
                " coalesce(column_name, 'NULL') || '|' || message FROM failures");
}
END_TEST

START_TEST(test_amazon_summary_row_is_the_payout) {
    import_as("amazon_settlement", FIXTURE("layouts/amazon_settlement.csv"));
    /* The payout and its components net to zero: the summary was right. */
    TU_ASSERT_Q(sq, "-7968|0",
                "SELECT (SELECT amount_minor FROM transactions WHERE kind ="
                " 'payout') || '|' || sum(amount_minor) FROM transactions");
    TU_ASSERT_Q(sq, "USD", "SELECT group_concat(DISTINCT currency) FROM transactions");
}
END_TEST

/* Amazon Pay: five preamble lines before the header are not rows; fees sit
 * on the capture's own row (negative, so a cost; positive on a refund, a fee
 * returned); the Transfer is the payout. The documentation's date form
 * (no space before the offset, "-0000") reads as well as the files' one. */
START_TEST(test_amazon_pay_preamble_fees_and_transfer) {
    recon_import_result r =
        import_as("amazon_pay_settlement", FIXTURE("layouts/amazon_pay_settlement.csv"));
    ck_assert_int_eq(r.rows_read, 11);
    TU_ASSERT_Q(sq, "7", "SELECT min(line) FROM transactions");
    TU_ASSERT_Q(sq, "378|-116",
                "SELECT (SELECT fee_minor FROM transactions WHERE line = 8) || '|' ||"
                " (SELECT fee_minor FROM transactions WHERE kind = 'refund')");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM transactions"
                                 " WHERE net_minor != amount_minor - fee_minor"),
                     0);
    /* In the fixture the Transfer pays out the settlement's whole balance. */
    TU_ASSERT_Q(sq, "-140745|0",
                "SELECT (SELECT amount_minor FROM transactions WHERE kind ="
                " 'payout') || '|' || sum(net_minor) FROM transactions");
    static const char doc[] =
        "\"Amazon Payments Advanced\"\n\"Settlement Report\"\n\"SellerId\",\"A1XX111XXX111XXX\"\n"
        "\"SettlementStartDate\",\"2015-05-18T14:37:01-0700\"\n"
        "\"SettlementEndDate\",\"2015-05-21T14:37:03-0700\"\n"
        "\"TransactionPostedDate\",\"SettlementId\",\"AmazonTransactionId\",\"SellerReferenceId\","
        "\"TransactionType\",\"AmazonOrderReferenceId\",\"SellerOrderId\",\"StoreName\","
        "\"CurrencyCode\",\"TransactionDescription\",\"TransactionAmount\","
        "\"TransactionPercentageFee\",\"TransactionFixedFee\",\"TotalTransactionFee\","
        "\"NetTransactionAmount\"\n"
        "\"2015-05-18T15:48:50-0000\",\"5044561311\",\"P01-2400747-7777779-C084595\","
        "\"OALP12345678\",\"Capture\",\"P01-2400747-7777779\",\"\",\"Shop\",\"USD\",\"\","
        "\"10.00\",\"-0.29\",\"-0.30\",\"-0.59\",\"9.41\"\n";
    char path[600];
    tu_write_file(tmp, "doc.csv", doc, sizeof doc - 1, path, sizeof path);
    recon_profile *p;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_detect(path, &err, &p) == RECON_OK, "%s", err.message);
    ck_assert_str_eq(recon_profile_name(p), "amazon_pay_settlement");
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = "amazon_pay_doc";
    ck_assert_int_eq(recon_import_file(db, path, p, &o, &r), RECON_OK);
    recon_profile_free(p);
    ck_assert_int_eq(r.rows_inserted, 1);
    TU_ASSERT_Q(sq, "2015-05-18T15:48:50Z|1000|59|OALP12345678",
                "SELECT occurred_at || '|' || amount_minor || '|' || fee_minor || '|' || reference"
                " FROM transactions WHERE source_id = (SELECT id FROM sources WHERE name ="
                " 'amazon_pay_doc')");
}
END_TEST

/* A table's own footer row ("Total") through [totals]: not a transaction,
 * checked against the net sum of the rows above it. */
START_TEST(test_table_totals_footer_is_checked_not_imported) {
    static const char ini[] = "[profile]\nname = shop\nsource_type = bank\n"
                              "[columns]\noccurred_at = Date\namount = Amount\n"
                              "[amounts]\ncurrency = EUR\n[kinds]\nfrom_sign = bank_credit, "
                              "bank_debit\n[totals]\nwhen = Date: Total\namount = Amount\n";
    static const char good[] = "Date,Amount\n2024-05-01,10.00\n2024-05-02,-2.50\nTotal,7.50\n";
    static const char bad[] = "Date,Amount\n2024-05-03,10.00\nTotal,9.99\n";
    recon_profile *p;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_parse(ini, "shop.ini", &err, &p) == RECON_OK, "%s", err.message);
    char path[600];
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    tu_write_file(tmp, "good.csv", good, sizeof good - 1, path, sizeof path);
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_OK);
    ck_assert(r.rows_read == 2 && r.rows_inserted == 2 && r.checks_passed == 1 &&
              r.checks_failed == 0);
    tu_write_file(tmp, "bad.csv", bad, sizeof bad - 1, path, sizeof path);
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, &r), RECON_OK);
    ck_assert(r.rows_read == 1 && r.rows_inserted == 1 && r.checks_failed == 1 &&
              r.rows_rejected == 0);
    TU_ASSERT_Q(sq, "3|amount 9.99 EUR in the totals row, 10.00 in the rows",
                "SELECT line || '|' || message FROM failures");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM transactions"), 3);
    recon_profile_free(p);
}
END_TEST

static Suite *layouts_suite(void) {
    Suite *s = suite_create("layouts");
    TCase *t = tcase_create("layouts");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, test_every_fixture_imports_its_expected_rows, 0, (int)NLAYOUTS);
    tcase_add_loop_test(t, test_detection_picks_each_fixtures_profile, 0, (int)NLAYOUTS);
    tcase_add_test(t, test_detection_refuses_what_fits_nothing_or_twice);
    tcase_add_test(t, test_filtered_rows_are_counted_not_stored);
    tcase_add_test(t, test_paypal_totals_rows_are_checked);
    tcase_add_test(t, test_bai2_trailers_are_checked);
    tcase_add_test(t, test_bai2_statement_without_details_imports_empty);
    tcase_add_test(t, test_bai2_bad_distribution_counts_reject_the_record);
    tcase_add_test(t, test_bai2_quote_in_text_is_text);
    tcase_add_test(t, test_bai2_as_banks_send_it);
    tcase_add_test(t, test_mt940_balances_are_checked);
    tcase_add_test(t, test_camt_balances_and_broken_xml);
    tcase_add_test(t, test_ofx_xml_quiet_overlap_and_broken);
    tcase_add_test(t, test_paypal_trr_and_stl_extracts);
    tcase_add_test(t, test_paypal_dates_are_read_in_the_files_own_order);
    tcase_add_test(t, test_stripe_reports_with_chosen_columns);
    tcase_add_test(t, test_bai2_truncated_file_fails_its_check);
    tcase_add_test(t, test_bai2_account_tells_identical_lines_apart);
    tcase_add_test(t, test_bai2_reader_errors_name_the_record_field);
    tcase_add_test(t, test_amazon_summary_row_is_the_payout);
    tcase_add_test(t, test_amazon_pay_preamble_fees_and_transfer);
    tcase_add_test(t, test_table_totals_footer_is_checked_not_imported);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    return tu_run(layouts_suite());
}
