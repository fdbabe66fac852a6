/* Check suite for the reporting interface (lib/store/schema.c's views,
 * lib/report/report.c, lib/report/flows.c): a real database built from
 * tests/fixtures/reports/ (a PSP report of eleven payouts, each made to
 * break its chain in one known way, and the bank statement they should
 * reach), matched with the default rules plus one forced manual match, at
 * a pinned as-of date. Every figure asserted here was worked out by hand
 * from the fixture (see the comments), not read back from the code. */
#include "recon.h"
#include "testdb.h"

static char tmp[256], dbpath[512];
static recon_db *db;
static sqlite3 *sq;

static void import_fixture(const char *file, const char *profile, const char *source,
                           uint64_t rejected) {
    ck_assert_uint_eq(tu_import(db, file, profile, source).rows_rejected, rejected);
}

static int64_t tx(const char *source, const char *id) {
    int64_t v = 0;
    ck_assert_int_eq(recon_transaction_find(db, source, id, &v), RECON_OK);
    return v;
}

static void setup(void) {
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
    /* ch_9's net is not its gross minus its fee: the one reject. */
    import_fixture("tests/fixtures/reports/psp.csv", "generic_psp", "psp", 1);
    import_fixture("tests/fixtures/reports/bank.csv", "generic_bank", "bank", 0);
    recon_rules *rules = NULL;
    ck_assert_int_eq(recon_rules_default(NULL, &rules), RECON_OK);
    recon_match_opts mo = RECON_MATCH_OPTS_INIT;
    mo.rules = rules;
    recon_match_result mr = RECON_MATCH_RESULT_INIT;
    ck_assert_msg(recon_match_run(db, &mo, &mr) == RECON_OK, "%s", recon_errmsg(db));
    recon_rules_free(rules);
    /* b_04 is 0.50 short of po_diff: a person matches them anyway. */
    int64_t l = tx("bank", "b_04"), r = tx("psp", "po_diff"), id;
    ck_assert_msg(recon_match_add(db, &l, 1, &r, 1, "short by 0.50", "test", 1, &id) == RECON_OK,
                  "%s", recon_errmsg(db));
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-05-20"), RECON_OK);
}

static void teardown(void) {
    tu_books_close(tmp, db, sq);
}

/* ---- views --------------------------------------------------------------------------- */

START_TEST(test_v_transactions_status_and_amounts) {
    /* 22 PSP rows stored (23 less ch_9) and 13 bank rows. */
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_transactions"), 35);
    /* Matched: po_ok+ch_1+ch_2+b_03, po_late+ch_3+b_05, po_short+b_06,
     * po_fee+b_07, po_fx+ch_10+b_08, ch_12+re_13+b_09, po_diff+b_04. */
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_transactions WHERE status = 'matched'"),
                     19);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_transactions WHERE status = 'exception'"),
                     2); /* b_11 and b_12: two bank credits for po_amb */
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_transactions WHERE status = 'unmatched'"),
                     14);
    TU_ASSERT_Q(sq, "-1200.00|bank_debit|19",
                "SELECT amount || '|' || kind || '|' || age_days"
                " FROM v_transactions WHERE external_id = 'b_02'");
    TU_ASSERT_Q(sq, "psp|2024-05-06|-58.20",
                "SELECT source || '|' || day || '|' || amount"
                " FROM v_transactions WHERE external_id = 'po_lost'");
}
END_TEST

START_TEST(test_v_unmatched_and_v_aging_buckets) {
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_unmatched"), 16);
    /* As of 2024-05-20. bank: b_13 (1 day) -19.99; b_10, b_11, b_12 (4-5
     * days) -310.40 + 55 + 55; b_02 (19) -1200; b_01 (49) -42. psp: po_new
     * (1) -38.80; ch_14, po_amb, ch_6 (3-7) 56.65 - 55 + 40; ch_4, ch_5,
     * po_lost, ch_7, ch_8 (14-17) 80 + 60 - 58.20 + 30 + 70; ch_11 USD 10. */
    const char *want[][2] = {
        {"bank|EUR|0-2", "1|-19.99|19.99"},      {"bank|EUR|3-7", "3|-200.40|420.40"},
        {"bank|EUR|8-30", "1|-1200.00|1200.00"}, {"bank|EUR|over 30", "1|-42.00|42.00"},
        {"psp|EUR|0-2", "1|-38.80|38.80"},       {"psp|EUR|3-7", "3|41.65|151.65"},
        {"psp|EUR|8-30", "5|181.80|298.20"},     {"psp|USD|8-30", "1|10.00|10.00"},
    };
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_aging"), 8);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        TU_ASSERT_Q(sq, want[i][1],
                    "SELECT items || '|' || amount || '|' || gross FROM v_aging"
                    " WHERE source || '|' || currency || '|' || age_bucket = %Q",
                    want[i][0]);
    TU_ASSERT_Q(sq, "2024-04-01", "SELECT oldest_day FROM v_aging WHERE age_bucket = 'over 30'");
}
END_TEST

START_TEST(test_v_exceptions_v_matches_v_daily_summary) {
    /* Three exceptions were opened; the manual match closed b_04's. */
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_exceptions"), 3);
    TU_ASSERT_Q(sq, "b_11,b_12",
                "SELECT group_concat(external_id) FROM (SELECT external_id"
                " FROM v_exceptions WHERE status = 'open' ORDER BY 1)");
    TU_ASSERT_Q(sq, "closed|near_miss_amount|77.50",
                "SELECT status || '|' || reason || '|' || amount FROM v_exceptions"
                " WHERE external_id = 'b_04'");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_matches WHERE status = 'active'"), 7);
    TU_ASSERT_Q(sq, "manual|bank|psp|1|1|7750|-7800",
                "SELECT origin || '|' || left_source || '|' || right_source || '|' || left_items"
                " || '|' || right_items || '|' || left_amount_minor || '|' || right_amount_minor"
                " FROM v_matches WHERE note = 'short by 0.50'");
    /* b_03's match took the payout row and both items (attach_group):
     * -145.50 + 100.00 + 50.00 gross, and nets that cancel out. */
    TU_ASSERT_Q(sq, "1|3|14550|450|0",
                "SELECT m.left_items || '|' || m.right_items || '|' || m.left_amount_minor || '|'"
                " || m.right_amount_minor || '|' || m.right_net_minor"
                " FROM v_matches m JOIN match_items i ON i.match_id = m.match_id"
                " JOIN transactions t ON t.id = i.transaction_id WHERE t.external_id = 'b_03'");
    /* 2024-05-09 at the bank: b_05 195.00, b_06 39.10, b_07 86.90, all matched. */
    TU_ASSERT_Q(sq, "3|3|321.00|0|0.00",
                "SELECT transactions || '|' || matched_count || '|' || matched || '|'"
                " || unmatched_count || '|' || unmatched FROM v_daily_summary"
                " WHERE source = 'bank' AND day = '2024-05-09'");
    /* 2024-05-16 at the bank: b_11 and b_12, both in exceptions. */
    TU_ASSERT_Q(sq, "2|110.00",
                "SELECT exception_count || '|' || exception FROM v_daily_summary"
                " WHERE source = 'bank' AND day = '2024-05-16'");
}
END_TEST

/* One payout's row of v_payouts: status, issues and the amounts. */
#define PAYOUT_Q                                                                                   \
    "SELECT status || '|' || issues || '|' || expected || '|' || coalesce(bank, '-') || '|'"       \
    " || coalesce(difference, '-') || '|' || coalesce(days_to_arrive, '-') || '|'"                 \
    " || fee_mismatch_minor || '|' || missing_items_minor || '|' || missing_bank_credit_minor"     \
    " || '|' || amount_difference_minor || '|' || currency_mismatch_minor"                         \
    " FROM v_payouts WHERE payout_id = %Q AND currency = %Q"

START_TEST(test_v_payouts_classifies_every_break) {
    const char *want[][3] = {
        {"po_ok", "EUR", "ok||145.50|145.50|0.00|1|0|0|0|0|0"},
        /* 2024-05-02 to 2024-05-09: 7 days, more than the 3 allowed. */
        {"po_late", "EUR", "late|late|195.00|195.00|0.00|7|0|0|0|0|0"},
        {"po_diff", "EUR", "amount_difference|amount_difference|78.00|77.50|-0.50|1|0|0|0|-50|0"},
        /* 14 days and nothing at the bank. */
        {"po_lost", "EUR", "missing_bank_credit|missing_bank_credit|58.20|-|-|-|0|0|5820|0|0"},
        /* 1 day old: not late yet. */
        {"po_new", "EUR", "in_transit||38.80|-|-|-|0|0|0|0|0"},
        /* The payout row says 39.10; its one item nets 29.10. */
        {"po_short", "EUR", "missing_items|missing_items|39.10|39.10|0.00|1|0|1000|0|0|0"},
        /* ch_9 rejected: 20.00 - 0.60 is 19.40, not 19.00 (0.40 off); the
         * payout (86.90) is 19.00 more than the items stored (67.90). */
        {"po_fee", "EUR",
         "missing_items|missing_items,fee_mismatch|86.90|86.90|0.00|1|40|1900|0|0|0"},
        {"po_fx", "EUR", "ok||24.25|24.25|0.00|3|0|0|0|0|0"},
        /* A USD item in a EUR payout: never reaches the bank. */
        {"po_fx", "USD",
         "currency_mismatch|currency_mismatch,missing_bank_credit|9.70|-|-|-|0|0|970|0|970"},
        /* Items only (no payout row): 87.30 - 10.00 against b_09. */
        {"po_items", "EUR", "ok||77.30|77.30|0.00|1|0|0|0|0|0"},
        /* Two equal bank credits: an exception, so no bank credit yet. */
        {"po_amb", "EUR", "missing_bank_credit|missing_bank_credit|55.00|-|-|-|0|0|5500|0|0"},
    };
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_payouts"), 11);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        TU_ASSERT_Q(sq, want[i][2], PAYOUT_Q, want[i][0], want[i][1]);
    TU_ASSERT_Q(sq, "1|1",
                "SELECT rejected_items || '|' || fee_mismatch_items FROM v_payouts"
                " WHERE payout_id = 'po_fee'");
}
END_TEST

START_TEST(test_late_days_setting_moves_payouts_between_classes) {
    /* Seven days allowed: po_late is on time, and po_amb (5 days) and
     * po_fx's USD part (10 days) are... po_amb in transit, the USD part
     * still missing. */
    ck_assert_int_eq(recon_setting_set(db, "report.payout_late_days", "7"), RECON_OK);
    TU_ASSERT_Q(sq, "ok", "SELECT status FROM v_payouts WHERE payout_id = 'po_late'");
    TU_ASSERT_Q(sq, "in_transit", "SELECT status FROM v_payouts WHERE payout_id = 'po_amb'");
    TU_ASSERT_Q(sq, "currency_mismatch,missing_bank_credit",
                "SELECT issues FROM v_payouts WHERE payout_id = 'po_fx' AND currency = 'USD'");
    char v[32];
    ck_assert_int_eq(recon_setting_get(db, "report.payout_late_days", v, sizeof v), RECON_OK);
    ck_assert_str_eq(v, "7");
    ck_assert_int_eq(recon_setting_set(db, "report.payout_late_days", NULL), RECON_OK);
    ck_assert_int_eq(recon_setting_get(db, "report.payout_late_days", v, sizeof v), RECON_OK);
    ck_assert_str_eq(v, "3");
    ck_assert_str_eq(recon_setting_key(0), "report.as_of");
    ck_assert_str_eq(recon_setting_key(1), "report.payout_late_days");
    ck_assert_ptr_null(recon_setting_key(2));
}
END_TEST

START_TEST(test_settings_refuse_bad_keys_and_values) {
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-02-30"), RECON_EMISUSE);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "not a YYYY-MM-DD date"));
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "yesterday"), RECON_EMISUSE);
    ck_assert_int_eq(recon_setting_set(db, "report.payout_late_days", "-1"), RECON_EMISUSE);
    ck_assert_int_eq(recon_setting_set(db, "report.payout_late_days", "3 days"), RECON_EMISUSE);
    ck_assert_int_eq(recon_setting_set(db, "report.colour", "red"), RECON_EMISUSE);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "no setting 'report.colour'"));
    /* The pinned date is untouched by the refusals. */
    char v[32];
    ck_assert_int_eq(recon_setting_get(db, "report.as_of", v, sizeof v), RECON_OK);
    ck_assert_str_eq(v, "2024-05-20");
    /* Unpinned, reports are as of today's UTC date: the one check that
     * reads the clock, on both sides of the call so that a run crossing
     * midnight (or under faketime) still agrees. */
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", NULL), RECON_OK);
    char *before = tu_qtext(sq, "SELECT date('now')");
    ck_assert_int_eq(recon_setting_get(db, "report.as_of", v, sizeof v), RECON_OK);
    char *after = tu_qtext(sq, "SELECT date('now')");
    ck_assert_msg(!strcmp(v, before) || !strcmp(v, after), "as_of %s, today %s..%s", v, before,
                  after);
    free(before);
    free(after);
}
END_TEST

/* A value that does not fit is refused whole, never cut to a different
 * date; and the handle's message is of the latest call, so the refusal's
 * message is gone after the next success. */
START_TEST(test_setting_get_refuses_a_short_buffer_and_errmsg_follows_the_latest_call) {
    char v[32] = "untouched", tiny[10] = "untouched"; /* "2024-05-20" needs 11 */
    ck_assert_int_eq(recon_setting_get(db, "report.as_of", tiny, sizeof tiny), RECON_EMISUSE);
    ck_assert_str_eq(tiny, "");
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "'report.as_of' is 10 bytes"));
    ck_assert_int_eq(recon_setting_get(db, "report.as_of", v, 11), RECON_OK);
    ck_assert_str_eq(v, "2024-05-20");
    ck_assert_str_eq(recon_errmsg(db), "no error");
    /* The same across functions: a failure, then any successful call. */
    ck_assert_int_eq(recon_setting_set(db, "report.colour", "red"), RECON_EMISUSE);
    ck_assert_str_ne(recon_errmsg(db), "no error");
    recon_status st = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_str_eq(recon_errmsg(db), "no error");
}
END_TEST

START_TEST(test_v_failures_summary_and_reject_context) {
    /* ch_9's reject: one open failure, named by its unified code, and the
     * context that ties it to po_fee with the three figures. */
    TU_ASSERT_Q(sq, "DATA_INVALID_AMOUNT|data|librecon|1|1",
                "SELECT unified_code || '|' || category || '|' || provider || '|' || failures"
                " || '|' || occurrences FROM v_failures_summary");
    TU_ASSERT_Q(sq,
                "{\"amount_minor\":2000,\"currency\":\"EUR\",\"fee_minor\":60,"
                "\"group_id\":\"po_fee\",\"net_minor\":1900}",
                "SELECT context FROM failures WHERE provider_code = 'net_mismatch'");
    /* Resolved, it leaves the summary and the payout's check. */
    ck_assert_int_eq(recon_failure_resolve(db, tu_qint(sq, "SELECT id FROM failures"),
                                           "corrected at the PSP", "test"),
                     RECON_OK);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_failures_summary"), 0);
    TU_ASSERT_Q(sq, "missing_items|0",
                "SELECT issues || '|' || rejected_items FROM v_payouts"
                " WHERE payout_id = 'po_fee'");
}
END_TEST

/* ---- flows --------------------------------------------------------------------------- */

typedef struct {
    int n;
    char line[16][160];
} flows_seen;

static int on_flow(const recon_payout_flow *f, void *payload) {
    flows_seen *s = payload;
    if (s->n < 16)
        snprintf(s->line[s->n], sizeof s->line[0],
                 "%s %s %s row=%d items=%lld exp=%lld bank=%d %lld diff=%lld days=%d rej=%lld "
                 "x=%02x %lld/%lld/%lld/%lld/%lld",
                 f->payout_id, f->currency, f->status, f->has_payout_row, (long long)f->items,
                 (long long)f->expected_minor, f->has_bank, (long long)f->bank_minor,
                 (long long)f->difference_minor, f->days_to_arrive, (long long)f->rejected_items,
                 f->issues, (long long)f->currency_mismatch_minor,
                 (long long)f->missing_bank_credit_minor, (long long)f->amount_difference_minor,
                 (long long)f->missing_items_minor, (long long)f->fee_mismatch_minor);
    s->n++;
    return 0;
}

START_TEST(test_flows_check_reports_each_class_with_its_amount) {
    flows_seen s = {0};
    recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
    ck_assert_int_eq(recon_flows_check(db, NULL, on_flow, &s, &t), RECON_OK);
    ck_assert_int_eq(s.n, 11);
    /* Ordered by source, payout day, payout id, currency. */
    const char *want[] = {
        "po_late EUR late row=1 items=1 exp=19500 bank=1 19500 diff=0 days=7 rej=0 x=20 0/0/0/0/0",
        "po_ok EUR ok row=1 items=2 exp=14550 bank=1 14550 diff=0 days=1 rej=0 x=00 0/0/0/0/0",
        "po_diff EUR amount_difference row=1 items=1 exp=7800 bank=1 7750 diff=-50 days=1 rej=0 "
        "x=04 0/0/-50/0/0",
        "po_lost EUR missing_bank_credit row=1 items=1 exp=5820 bank=0 0 diff=0 days=0 rej=0 "
        "x=02 0/5820/0/0/0",
        "po_fee EUR missing_items row=1 items=1 exp=8690 bank=1 8690 diff=0 days=1 rej=1 "
        "x=18 0/0/0/1900/40",
        "po_short EUR missing_items row=1 items=1 exp=3910 bank=1 3910 diff=0 days=1 rej=0 "
        "x=08 0/0/0/1000/0",
        "po_fx EUR ok row=1 items=1 exp=2425 bank=1 2425 diff=0 days=3 rej=0 x=00 0/0/0/0/0",
        "po_fx USD currency_mismatch row=0 items=1 exp=970 bank=0 0 diff=0 days=0 rej=0 "
        "x=03 970/970/0/0/0",
        "po_items EUR ok row=0 items=2 exp=7730 bank=1 7730 diff=0 days=1 rej=0 x=00 0/0/0/0/0",
        "po_amb EUR missing_bank_credit row=1 items=1 exp=5500 bank=0 0 diff=0 days=0 rej=0 "
        "x=02 0/5500/0/0/0",
        "po_new EUR in_transit row=1 items=1 exp=3880 bank=0 0 diff=0 days=0 rej=0 x=00 0/0/0/0/0",
    };
    for (int i = 0; i < 11; i++)
        ck_assert_str_eq(s.line[i], want[i]);
    ck_assert_int_eq(t.payouts, 11);
    ck_assert_int_eq(t.ok, 3);
    ck_assert_int_eq(t.in_transit, 1);
    ck_assert_int_eq(t.broken, 6);
    ck_assert_int_eq(t.late, 1);
    const int64_t by_class[6] = {1, 3, 1, 2, 1, 1};
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(t.by_class[i], by_class[i]);
    ck_assert_str_eq(recon_flow_issue_name(RECON_FLOW_FEE_MISMATCH), "fee_mismatch");
    ck_assert_ptr_null(recon_flow_issue_name(0x40));
}
END_TEST

/* Totals counted from the rows' status and issues text (as the CLI does
 * from the payouts report) are the library's totals. */
START_TEST(test_totals_from_status_and_issues_text_agree) {
    recon_flows_totals want = RECON_FLOWS_TOTALS_INIT, got = RECON_FLOWS_TOTALS_INIT;
    ck_assert_int_eq(recon_flows_check(db, NULL, NULL, NULL, &want), RECON_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(sq, "SELECT status, issues FROM v_payouts", -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        recon_flows_totals_add(&got, (const char *)sqlite3_column_text(st, 0),
                               (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    ck_assert_int_eq(got.payouts, 11);
    ck_assert_mem_eq(&got, &want, sizeof got);
    recon_flows_totals_add(&got, NULL, "late"); /* no status: not a payout */
    ck_assert_int_eq(got.payouts, 11);
}
END_TEST

START_TEST(test_flows_check_filter_and_bad_days) {
    recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
    recon_report_filter f = {RECON_REPORT_FILTER_VERSION, "2024-05-08", "2024-05-10", NULL};
    ck_assert_int_eq(recon_flows_check(db, &f, NULL, NULL, &t), RECON_OK);
    ck_assert_int_eq(t.payouts, 4); /* po_fee, po_short, po_fx twice */
    recon_report_filter other = {RECON_REPORT_FILTER_VERSION, NULL, NULL, "bank"};
    ck_assert_int_eq(recon_flows_check(db, &other, NULL, NULL, &t), RECON_OK);
    ck_assert_int_eq(t.payouts, 0);
    recon_report_filter bad = {RECON_REPORT_FILTER_VERSION, "2024-5-8", NULL, NULL};
    ck_assert_int_eq(recon_flows_check(db, &bad, NULL, NULL, &t), RECON_EMISUSE);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "from: '2024-5-8' is not a YYYY-MM-DD date"));
}
END_TEST

/* A payout whose bank credit is in another currency than its items. */
START_TEST(test_flows_currency_mismatch_at_the_bank) {
    /* Re-point po_new's item and payout at a USD credit matched by hand. */
    char path[600];
    const char *csv =
        "id,date,description,amount,currency\nb_usd,2024-05-20,PAYOUT PO_NEW,38.80,USD\n";
    tu_write_file(tmp, "usd.csv", csv, strlen(csv), path, sizeof path);
    import_fixture(path, "generic_bank", "bank", 0);
    int64_t l = tx("bank", "b_usd"), r = tx("psp", "po_new"), id;
    ck_assert_int_eq(recon_match_add(db, &l, 1, &r, 1, "wrong currency", "test", 1, &id), RECON_OK);
    TU_ASSERT_Q(sq, "currency_mismatch|currency_mismatch|3880|0",
                "SELECT status || '|' || issues || '|' || currency_mismatch_minor || '|'"
                " || amount_difference_minor FROM v_payouts WHERE payout_id = 'po_new'");
}
END_TEST

/* One bank credit for two payouts (a combined transfer, matched by hand):
 * it is shared out, not counted whole against each. po_x and po_y expect
 * 10.00 and 20.00; the credit is 29.50: po_x takes 10.00, po_y the rest,
 * 19.50, so the 0.50 short shows once. */
START_TEST(test_a_credit_shared_by_two_payouts_is_split) {
    char path[600];
    const char *psp = "id,type,created,available_on,amount,fee,net,currency,payout_id\n"
                      "po_x,payout,2024-05-13T00:00:00Z,2024-05-13,-10.00,0,-10.00,EUR,po_x\n"
                      "po_y,payout,2024-05-13T00:00:00Z,2024-05-13,-20.00,0,-20.00,EUR,po_y\n";
    tu_write_file(tmp, "xy.csv", psp, strlen(psp), path, sizeof path);
    import_fixture(path, "generic_psp", "psp", 0);
    const char *bank =
        "id,date,description,amount,currency\nb_xy,2024-05-14,TWO PAYOUTS,29.50,EUR\n";
    tu_write_file(tmp, "bxy.csv", bank, strlen(bank), path, sizeof path);
    import_fixture(path, "generic_bank", "bank", 0);
    int64_t l = tx("bank", "b_xy"), r[2] = {tx("psp", "po_x"), tx("psp", "po_y")}, id;
    ck_assert_int_eq(recon_match_add(db, &l, 1, r, 2, "one transfer", "test", 1, &id), RECON_OK);
    TU_ASSERT_Q(sq, "po_x|10.00|0.00|ok|2;po_y|19.50|-0.50|amount_difference|2",
                "SELECT group_concat(payout_id || '|' || bank || '|' || difference || '|' || status"
                " || '|' || bank_shared, ';') FROM (SELECT * FROM v_payouts"
                " WHERE payout_id IN ('po_x', 'po_y') ORDER BY payout_id)");
}
END_TEST

/* A credit in another currency is shown in its own: no difference across
 * currencies. */
START_TEST(test_a_credit_in_another_currency_has_no_difference) {
    char path[600];
    const char *bank = "id,date,description,amount,currency\nb_jpy,2024-05-07,PO_LOST,12345,JPY\n";
    tu_write_file(tmp, "jpy.csv", bank, strlen(bank), path, sizeof path);
    import_fixture(path, "generic_bank", "bank", 0);
    int64_t l = tx("bank", "b_jpy"), r = tx("psp", "po_lost"), id;
    ck_assert_int_eq(recon_match_add(db, &l, 1, &r, 1, "wrong currency", "test", 1, &id), RECON_OK);
    TU_ASSERT_Q(sq, "JPY|12345|12345|NULL|NULL|currency_mismatch|0",
                "SELECT bank_currency || '|' || bank_minor || '|' || bank || '|'"
                " || coalesce(difference_minor, 'NULL') || '|' || coalesce(difference, 'NULL')"
                " || '|' || status || '|' || amount_difference_minor"
                " FROM v_payouts WHERE payout_id = 'po_lost'");
}
END_TEST

/* A payout all of whose rows were rejected is still listed: missing
 * items, with its rejects counted; a bank reject names no payout. */
START_TEST(test_a_payout_known_only_from_rejects_is_listed) {
    char path[600];
    const char *psp = "id,type,created,available_on,amount,fee,net,currency,payout_id\n"
                      "ch_r,charge,2024-05-10T00:00:00Z,2024-05-12,10.00,0.30,9.00,EUR,po_gone\n"
                      "po_gone,payout,2024-05-12T00:00:00Z,2024-05-12,-9.70,0,-9.00,EUR,po_gone\n";
    tu_write_file(tmp, "gone.csv", psp, strlen(psp), path, sizeof path);
    import_fixture(path, "generic_psp", "psp", 2);
    TU_ASSERT_Q(sq, "NULL|0|2|missing_items,fee_mismatch|0.00",
                "SELECT coalesce(payout_day, 'NULL') || '|' || items || '|' || rejected_items"
                " || '|' || issues || '|' || expected FROM v_payouts WHERE payout_id = 'po_gone'");
    recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
    ck_assert_int_eq(recon_flows_check(db, NULL, NULL, NULL, &t), RECON_OK);
    ck_assert_int_eq(t.payouts, 12);
    const char *bank = "id,date,description,amount,currency\nb_bad,2024-05-10,x,1.0.0,EUR\n";
    tu_write_file(tmp, "bbad.csv", bank, strlen(bank), path, sizeof path);
    import_fixture(path, "generic_bank", "bank", 1);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_payouts"), 12);
}
END_TEST

/* Items whose sum leaves int64: the payout's amounts are unknown (NULL in
 * the view, overflow in the flow), never wrapped, and the other payouts,
 * the totals and the status still come out. */
static int find_big(const recon_payout_flow *f, void *payload) {
    if (!strcmp(f->payout_id, "po_big"))
        *(int *)payload = f->overflow * 10 + (f->expected_minor == 0);
    return 0;
}

START_TEST(test_a_payout_whose_sum_overflows_has_no_amount) {
    char path[600];
    const char *psp =
        "id,type,created,available_on,amount,currency,payout_id\n"
        "big1,charge,2024-05-10T00:00:00Z,2024-05-12,90000000000000000.00,EUR,po_big\n"
        "big2,charge,2024-05-10T00:00:00Z,2024-05-12,90000000000000000.00,EUR,po_big\n";
    tu_write_file(tmp, "big.csv", psp, strlen(psp), path, sizeof path);
    import_fixture(path, "generic_psp", "psp", 0);
    TU_ASSERT_Q(sq, "NULL|NULL|2",
                "SELECT coalesce(expected_minor, 'NULL') || '|'"
                " || coalesce(items_net_minor, 'NULL') || '|' || items"
                " FROM v_payouts WHERE payout_id = 'po_big'");
    int seen = -1;
    recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
    ck_assert_int_eq(recon_flows_check(db, NULL, find_big, &seen, &t), RECON_OK);
    ck_assert_int_eq(seen, 11);
    ck_assert_int_eq(t.payouts, 12);
    recon_status st = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_int_eq(st.payouts_broken, 7); /* the six before, and po_big: no bank credit */
}
END_TEST

/* As of a day: what is dated after it is not yet due. Pinned to
 * 2024-05-08: po_short, po_fee (paid that day) stay, po_fx and later go;
 * b_06, b_07 (credited on the 9th) have not arrived, so po_short has no
 * bank credit yet (but not late: only its items are short), and po_late
 * (paid the 2nd, credited the 9th) is missing its credit. */
START_TEST(test_as_of_leaves_out_what_is_dated_after_it) {
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-05-08"), RECON_OK);
    TU_ASSERT_Q(sq, "po_diff,po_fee,po_late,po_lost,po_ok,po_short",
                "SELECT group_concat(payout_id) FROM (SELECT payout_id FROM v_payouts"
                " WHERE payout_day IS NOT NULL ORDER BY payout_id)");
    TU_ASSERT_Q(sq, "0|missing_items",
                "SELECT bank_records || '|' || issues FROM v_payouts"
                " WHERE payout_id = 'po_short'");
    TU_ASSERT_Q(sq, "missing_bank_credit",
                "SELECT status FROM v_payouts"
                " WHERE payout_id = 'po_late'");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM v_unmatched WHERE day > '2024-05-08'"), 0);
    ck_assert_int_eq(tu_qint(sq, "SELECT min(age_days) FROM v_unmatched"), 0);
}
END_TEST

/* ---- reports ------------------------------------------------------------------------- */

typedef struct {
    int rows;
    int money_cells; /* non-empty MONEY cells seen, checked typed */
    char header[512];
    char first[512];
    char last[512];
} report_seen;

static void join_row(const recon_report_row *r, int names, char *out, size_t size) {
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->ncolumns && o < size; i++) {
        const char *v = names ? r->names[i] : r->values[i];
        o += (size_t)snprintf(out + o, size - o, "%s%s", i ? "|" : "", v ? v : "~");
    }
}

static int count_money(const recon_report_row *r) {
    int n = 0;
    for (size_t i = 0; i < r->ncolumns; i++)
        n += r->types[i] == RECON_COL_MONEY && r->values[i] != NULL;
    return n;
}

/* A row's typed cells say what its text says: money formats back to the
 * cell's text in the cell's currency, integers read back as themselves. */
static void typed_cells_agree(const recon_report_row *r) {
    ck_assert_uint_eq(r->version, RECON_REPORT_ROW_VERSION);
    for (size_t i = 0; i < r->ncolumns; i++) {
        if (!r->values[i] || r->types[i] == RECON_COL_TEXT) {
            ck_assert_int_eq(r->ints[i], 0);
            ck_assert_ptr_null(r->currencies[i]);
            continue;
        }
        if (r->types[i] == RECON_COL_INT) {
            ck_assert_msg(r->ints[i] == strtoll(r->values[i], NULL, 10), "%s: %lld vs '%s'",
                          r->names[i], (long long)r->ints[i], r->values[i]);
            ck_assert_ptr_null(r->currencies[i]);
            continue;
        }
        char text[48];
        ck_assert_ptr_nonnull(r->currencies[i]);
        ck_assert_int_eq(recon_money_format(r->ints[i], r->currencies[i], text, sizeof text),
                         RECON_OK);
        ck_assert_msg(!strcmp(text, r->values[i]), "%s: %lld %s formats as '%s', the row says '%s'",
                      r->names[i], (long long)r->ints[i], r->currencies[i], text, r->values[i]);
    }
}

static int on_report_row(const recon_report_row *r, void *payload) {
    report_seen *s = payload;
    typed_cells_agree(r);
    s->money_cells += count_money(r);
    if (s->rows == 0) {
        join_row(r, 1, s->header, sizeof s->header);
        join_row(r, 0, s->first, sizeof s->first);
    }
    join_row(r, 0, s->last, sizeof s->last);
    s->rows++;
    return 0;
}

static report_seen report(recon_report_kind kind, const recon_report_filter *f) {
    report_seen s;
    memset(&s, 0, sizeof s);
    ck_assert_msg(recon_report_each(db, kind, f, on_report_row, &s) == RECON_OK, "%s",
                  recon_errmsg(db));
    return s;
}

/* Every report's money cells are typed, each in the cell's own currency
 * (typed_cells_agree checks every row of every report these tests read). */
START_TEST(test_report_rows_carry_typed_amounts) {
    int money = 0;
    for (int k = RECON_REPORT_SUMMARY; k <= RECON_REPORT_FAILURES; k++)
        money += report((recon_report_kind)k, NULL).money_cells;
    ck_assert_int_gt(money, 20);
    ck_assert_int_gt(report(RECON_REPORT_PAYOUTS, NULL).money_cells, 0);
}
END_TEST

START_TEST(test_report_summary) {
    report_seen s = report(RECON_REPORT_SUMMARY, NULL);
    ck_assert_int_eq(s.rows, 3);
    ck_assert_str_eq(s.header, "source|currency|transactions|matched|match_rate|matched_amount|"
                               "unmatched|unmatched_amount|exceptions|exception_amount|ignored|"
                               "partially_matched|partial_open_amount");
    /* bank: 13 rows, 7 matched (b_03..b_09) = 53.8%; matched 145.50 + 77.50
     * + 195 + 39.10 + 86.90 + 24.25 + 77.30 = 645.55; unmatched b_01, b_02,
     * b_10, b_13 = -1572.39; b_11 and b_12 in exceptions 110.00. */
    ck_assert_str_eq(s.first, "bank|EUR|13|7|53.8%|645.55|4|-1572.39|2|110.00|0|0|0.00");
    /* psp USD: ch_11 alone, unmatched. */
    ck_assert_str_eq(s.last, "psp|USD|1|0|0.0%|0.00|1|10.00|0|0.00|0|0|0.00");
    recon_report_filter f = {RECON_REPORT_FILTER_VERSION, "2024-05-09", "2024-05-09", "bank"};
    s = report(RECON_REPORT_SUMMARY, &f);
    ck_assert_int_eq(s.rows, 1);
    ck_assert_str_eq(s.first, "bank|EUR|3|3|100.0%|321.00|0|0.00|0|0.00|0|0|0.00");
}
END_TEST

START_TEST(test_report_unmatched_exceptions_aging_failures) {
    report_seen s = report(RECON_REPORT_UNMATCHED, NULL);
    ck_assert_int_eq(s.rows, 16);
    ck_assert_str_eq(s.first, "2024-04-01|49|over 30|bank|unmatched|bank_debit|b_01|~|EUR|-42.00|"
                              "CARD 1111 OFFICE SUPPLIES|-42.00");
    ck_assert_str_eq(s.last, "2024-05-19|1|0-2|psp|unmatched|payout|po_new|po_new|EUR|-38.80|"
                             "Payout|-38.80");
    recon_report_filter psp = {RECON_REPORT_FILTER_VERSION, NULL, NULL, "psp"};
    ck_assert_int_eq(report(RECON_REPORT_UNMATCHED, &psp).rows, 10);

    s = report(RECON_REPORT_EXCEPTIONS, NULL);
    ck_assert_int_eq(s.rows, 2);
    ck_assert_ptr_nonnull(strstr(s.first, "|2024-05-16|bank|b_11|payout_to_bank_credit_by_amount|"
                                          "contested|EUR|55.00|[{"));

    s = report(RECON_REPORT_AGING, NULL);
    ck_assert_int_eq(s.rows, 8);
    ck_assert_str_eq(s.first, "bank|EUR|over 30|1|-42.00|42.00|2024-04-01");
    ck_assert_str_eq(s.last, "psp|USD|8-30|1|10.00|10.00|2024-05-08");
    /* Narrowed to May 10 onwards, before bucketing. */
    recon_report_filter may10 = {RECON_REPORT_FILTER_VERSION, "2024-05-10", NULL, "psp"};
    s = report(RECON_REPORT_AGING, &may10);
    ck_assert_int_eq(s.rows, 2);
    ck_assert_str_eq(s.first, "psp|EUR|3-7|3|41.65|151.65|2024-05-13");

    s = report(RECON_REPORT_FAILURES, NULL);
    ck_assert_int_eq(s.rows, 1);
    ck_assert_ptr_nonnull(strstr(s.first, "DATA_INVALID_AMOUNT|data|librecon|1|1|"));
    recon_report_filter none = {RECON_REPORT_FILTER_VERSION, "2000-01-01", "2000-01-02", NULL};
    ck_assert_int_eq(report(RECON_REPORT_FAILURES, &none).rows, 0);
}
END_TEST

START_TEST(test_report_payouts_and_names) {
    report_seen s = report(RECON_REPORT_PAYOUTS, NULL);
    ck_assert_int_eq(s.rows, 11);
    ck_assert_str_eq(s.header, "source|payout_id|payout_day|currency|items|rejected|expected|"
                               "bank_id|bank_day|bank_currency|bank|difference|days|status|issues");
    ck_assert_str_eq(s.first, "psp|po_late|2024-05-02|EUR|1|0|195.00|b_05|2024-05-09|EUR|195.00|"
                              "0.00|7|late|late");
    ck_assert_str_eq(s.last, "psp|po_new|2024-05-19|EUR|1|0|38.80|~|~|~|~|~|~|in_transit|");
    for (int k = RECON_REPORT_SUMMARY; k <= RECON_REPORT_FAILURES; k++) {
        recon_report_kind back;
        ck_assert_int_eq(recon_report_kind_from_name(recon_report_name(k), &back), RECON_OK);
        ck_assert_int_eq(back, k);
    }
    ck_assert_ptr_null(recon_report_name((recon_report_kind)99));
    ck_assert_int_eq(recon_report_kind_from_name("payout", NULL), RECON_EMISUSE);
    ck_assert_int_eq(recon_report_each(db, (recon_report_kind)99, NULL, on_report_row, &s),
                     RECON_EMISUSE);
}
END_TEST

/* A callback that stops the report (> 0) makes it RECON_ECANCELLED, one
 * that fails (< 0) RECON_EUSER: never its own value, which could read as
 * one of the library's codes (-6 is RECON_EMISUSE). */
static int stop_at_two(const recon_report_row *r, void *payload) {
    (void)r;
    return ++*(int *)payload == 2 ? 42 : 0;
}

static int fail_at_two(const recon_report_row *r, void *payload) {
    (void)r;
    return ++*(int *)payload == 2 ? RECON_EMISUSE : 0;
}

START_TEST(test_report_callback_can_stop) {
    int n = 0;
    ck_assert_int_eq(recon_report_each(db, RECON_REPORT_UNMATCHED, NULL, stop_at_two, &n),
                     RECON_ECANCELLED);
    ck_assert_int_eq(n, 2);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "returned 42"));
    n = 0;
    ck_assert_int_eq(recon_report_each(db, RECON_REPORT_UNMATCHED, NULL, fail_at_two, &n),
                     RECON_EUSER);
    ck_assert_int_eq(n, 2);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "returned -6"));
}
END_TEST

START_TEST(test_status_figures) {
    recon_status st = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(db, &st), RECON_OK);
    ck_assert_int_eq(st.unmatched, 16);
    ck_assert_int_eq(st.oldest_unmatched_days, 49);
    ck_assert_int_eq(st.open_exceptions, 2);
    ck_assert_int_eq(st.open_failures, 1);
    ck_assert_int_eq(st.payouts_broken, 6);
}
END_TEST

/* ---- the documented example queries --------------------------------------------------- */

/* Every ```sql block of docs/REPORTING.md runs on this database without
 * error and returns rows: the examples a reporting tool copies work. */
START_TEST(test_every_documented_query_runs) {
    FILE *f = fopen("docs/REPORTING.md", "r");
    ck_assert_ptr_nonnull(f);
    char line[1024], sql[8192];
    size_t len = 0;
    int in = 0, queries = 0;
    while (fgets(line, sizeof line, f)) {
        if (!in && strncmp(line, "```sql", 6) == 0) {
            in = 1;
            len = 0;
            sql[0] = '\0';
        } else if (in && strncmp(line, "```", 3) == 0) {
            in = 0;
            sqlite3_stmt *st = NULL;
            ck_assert_msg(sqlite3_prepare_v2(sq, sql, -1, &st, NULL) == SQLITE_OK, "%s\n-> %s", sql,
                          sqlite3_errmsg(sq));
            ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "no rows: %s (%s)", sql,
                          sqlite3_errmsg(sq));
            while (sqlite3_step(st) == SQLITE_ROW)
                ;
            ck_assert_msg(sqlite3_finalize(st) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(sq));
            queries++;
        } else if (in) {
            size_t n = strlen(line);
            ck_assert_uint_lt(len + n, sizeof sql);
            memcpy(sql + len, line, n + 1);
            len += n;
        }
    }
    fclose(f);
    ck_assert_int_ge(queries, 10);
}
END_TEST

static Suite *report_suite(void) {
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_v_transactions_status_and_amounts);
    tcase_add_test(tc, test_setting_get_refuses_a_short_buffer_and_errmsg_follows_the_latest_call);
    tcase_add_test(tc, test_v_unmatched_and_v_aging_buckets);
    tcase_add_test(tc, test_v_exceptions_v_matches_v_daily_summary);
    tcase_add_test(tc, test_v_payouts_classifies_every_break);
    tcase_add_test(tc, test_late_days_setting_moves_payouts_between_classes);
    tcase_add_test(tc, test_settings_refuse_bad_keys_and_values);
    tcase_add_test(tc, test_v_failures_summary_and_reject_context);
    tcase_add_test(tc, test_flows_check_reports_each_class_with_its_amount);
    tcase_add_test(tc, test_flows_check_filter_and_bad_days);
    tcase_add_test(tc, test_totals_from_status_and_issues_text_agree);
    tcase_add_test(tc, test_flows_currency_mismatch_at_the_bank);
    tcase_add_test(tc, test_a_credit_shared_by_two_payouts_is_split);
    tcase_add_test(tc, test_a_credit_in_another_currency_has_no_difference);
    tcase_add_test(tc, test_a_payout_known_only_from_rejects_is_listed);
    tcase_add_test(tc, test_as_of_leaves_out_what_is_dated_after_it);
    tcase_add_test(tc, test_a_payout_whose_sum_overflows_has_no_amount);
    tcase_add_test(tc, test_report_rows_carry_typed_amounts);
    tcase_add_test(tc, test_report_summary);
    tcase_add_test(tc, test_report_unmatched_exceptions_aging_failures);
    tcase_add_test(tc, test_report_payouts_and_names);
    tcase_add_test(tc, test_report_callback_can_stop);
    tcase_add_test(tc, test_status_figures);
    tcase_add_test(tc, test_every_documented_query_runs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return tu_run(report_suite());
}
