/* Check suite for lib/report/report_html.c: the HTML report on real databases
 * built from committed files (the bundled samples, the matching fixture and
 * tests/fixtures/report_html), with report.as_of pinned so ages are fixed. It
 * pins the headline figures, the filter, HTML escaping of values from
 * files, exact money, the chart for 0, 1 and ~400 days, that the page
 * loads nothing, and clean failures. */
#include "recon.h"
#include "testdb.h"

static char tmp[256], dbpath[512];
static recon_db *db;
static sqlite3 *sq;

/* The report fixture's PSP source name: markup, an ampersand and quotes. */
#define EVIL_SOURCE "psp <script>x</script> & \"co\""

static void setup(void) {
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
    ck_assert_int_eq(sqlite3_exec(sq,
                                  "INSERT INTO meta(key, value) VALUES"
                                  " ('report.as_of', '2024-04-15')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
}

static void teardown(void) {
    tu_books_close(tmp, db, sq);
}

static void import(const char *path, const char *profile, const char *source) {
    tu_import(db, path, profile, source);
}

static void match_defaults(void) {
    recon_match_result mr = RECON_MATCH_RESULT_INIT;
    ck_assert_msg(recon_match_run(db, NULL, &mr) == RECON_OK, "%s", recon_errmsg(db));
}

/* The demo data: the Stripe payout report and the bank's BAI2 file. */
static void load_samples(void) {
    import("data/samples/stripe_payouts_2024-03.csv", "stripe_payout_itemized", "stripe");
    import("data/samples/bank_2024-03.bai", "bai2", "bank");
    match_defaults();
}

static int64_t tx(const char *source, const char *id) {
    int64_t out;
    ck_assert_int_eq(recon_transaction_find(db, source, id, &out), RECON_OK);
    return out;
}

/* A bank credit and the charge it pays out, net of fees: forced, since a
 * manual match balances gross amounts. */
static void pair(const char *bank_id, const char *psp_id) {
    int64_t l = tx("bank", bank_id), r = tx(EVIL_SOURCE, psp_id);
    ck_assert_msg(recon_match_add(db, &l, 1, &r, 1, "payout", "test", 1, NULL) == RECON_OK, "%s",
                  recon_errmsg(db));
}

/* tests/fixtures/report_html: payouts ok, late (7 days), short by 0.50 and one
 * never paid whose id is markup; unmatched EUR, JPY and KWD; one open and
 * one resolved provider failure. */
static void load_fixture(void) {
    import(FIXTURE("report_html/psp.csv"), "generic_psp", EVIL_SOURCE);
    import(FIXTURE("report_html/bank.csv"), "generic_bank", "bank");
    pair("bk_1", "ch_1");
    pair("bk_2", "ch_2");
    pair("bk_3", "ch_3");
    recon_failure_input in = RECON_FAILURE_INPUT_INIT;
    in.provider = "modulate";
    in.http_status = 429;
    in.seen_at = "2024-04-02T10:00:00Z";
    int64_t id;
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_OK);
    in.http_status = 403;
    in.provider = "tabapay";
    ck_assert_int_eq(recon_failure_record(db, &in, &id), RECON_OK);
    ck_assert_int_eq(recon_failure_resolve(db, id, "fixed", "ops"), RECON_OK);
}

static char *report(const char *from, const char *to, const char *source) {
    recon_report_filter f = {RECON_REPORT_FILTER_VERSION, from, to, source};
    char *html = NULL;
    ck_assert_msg(recon_report_html(db, &f, &html) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_ptr_nonnull(html);
    return html;
}

/* The text between the element with id="id" and the next </div></div>
 * (a headline card), so figures are asserted where they are shown. */
static void assert_card(const char *html, const char *id, const char *want) {
    char key[64];
    snprintf(key, sizeof key, "id=\"%s\"", id);
    const char *c = strstr(html, key);
    ck_assert_msg(c != NULL, "no card %s", id);
    const char *end = strstr(c, "</div></div>");
    ck_assert_ptr_nonnull(end);
    const char *hit = strstr(c, want);
    ck_assert_msg(hit && hit < end, "card %s lacks '%s': %.*s", id, want, (int)(end - c), c);
}

static int occurrences(const char *s, const char *what) {
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* Nothing that runs or loads: no scripts, no links, no remote anything. */
static void assert_self_contained(const char *html) {
    static const char *const banned[] = {"<script", "http://", "https://", " src=",   " href=",
                                         "<link",   "<img",    "<iframe",  "@import", "url("};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        ck_assert_msg(strstr(html, banned[i]) == NULL, "the page contains %s", banned[i]);
    ck_assert_msg(!strncmp(html, "<!DOCTYPE html>", 15), "not HTML5");
    ck_assert_ptr_nonnull(strstr(html, "</html>\n"));
    ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
}

/* ---- headline figures ------------------------------------------------------------------- */

START_TEST(test_samples_headline_figures_are_exact) {
    load_samples();
    char *html = report(NULL, NULL, NULL);
    assert_card(html, "match-rate", "<div class=\"value\">68.6%</div>"); /* 238 / 347 */
    assert_card(html, "match-rate", "238 of 347 transactions matched");
    assert_card(html, "unmatched", "EUR 190,462.05");
    assert_card(html, "unmatched", "USD 10,207.63");
    assert_card(html, "unmatched", "109 transactions");
    assert_card(html, "exceptions", "<div class=\"value\">0</div>");
    assert_card(html, "failures", "<div class=\"value\">3</div>");
    ck_assert_ptr_nonnull(strstr(html, "As of <strong>2024-04-15</strong> &middot; all days, "
                                       "all sources"));
    assert_self_contained(html);
    /* Eight payouts, the one whose items were rejected flagged. */
    ck_assert_int_eq(occurrences(html, "<tr class=\"ok\">"), 7);
    ck_assert_int_eq(occurrences(html, "<tr class=\"broken\">"), 1);
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"st\">missing_items</span>"));
    /* Aging to 2024-04-15 and the failures with their meanings. */
    ck_assert_ptr_nonnull(strstr(html, "<tr><td>over 30</td><td>EUR</td><td class=\"num\">29"
                                       "</td><td class=\"num\">69,586.31</td>"));
    ck_assert_ptr_nonnull(strstr(html, "<tr><td class=\"nw\">DATA_INVALID_AMOUNT</td><td>data"
                                       "</td><td>librecon</td><td class=\"num\">2</td>"));
    ck_assert_ptr_nonnull(strstr(html, "An amount of an imported row is not a valid number"));
    recon_string_free(html);
}
END_TEST

/* A reporting job opens the database read-only: the page is the same, and
 * the handle is left usable (no transaction open, no table left behind). */
START_TEST(test_read_only_handle_renders_the_same_page) {
    load_samples();
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.read_only = 1;
    recon_db *ro = NULL;
    ck_assert_msg(recon_open(dbpath, &o, &ro) == RECON_OK, "%s", recon_errmsg(ro));
    char *html = NULL;
    ck_assert_msg(recon_report_html(ro, NULL, &html) == RECON_OK, "%s", recon_errmsg(ro));
    assert_card(html, "match-rate", "<div class=\"value\">68.6%</div>");
    assert_card(html, "unmatched", "EUR 190,462.05");
    ck_assert_int_eq(occurrences(html, "<tr class=\"ok\">"), 7);
    recon_string_free(html);
    /* Twice on one handle: the temporary tables of the first are gone. */
    ck_assert_msg(recon_report_html(ro, NULL, &html) == RECON_OK, "%s", recon_errmsg(ro));
    recon_string_free(html);
    recon_status st = RECON_STATUS_INIT;
    ck_assert_int_eq(recon_status_get(ro, &st), RECON_OK);
    ck_assert_int_eq(st.unmatched, 109); /* dated by the as-of day */
    recon_close(ro);
}
END_TEST

START_TEST(test_match_fixture_counts_open_exceptions) {
    import(FIXTURE("match/psp.csv"), "generic_psp", "stripe");
    import(FIXTURE("match/bank.csv"), "generic_bank", "bank");
    match_defaults();
    char *html = report(NULL, NULL, NULL);
    assert_card(html, "exceptions", "<div class=\"value\">2</div>");
    assert_card(html, "match-rate", "<div class=\"value\">60.0%</div>"); /* 9 / 15 */
    assert_card(html, "failures", "<div class=\"value\">0</div>");
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"empty\">No open failures.</p>"));
    recon_string_free(html);
}
END_TEST

START_TEST(test_money_is_exact_for_every_exponent) {
    load_fixture();
    char *html = report(NULL, NULL, NULL);
    /* 70.00 + 12345678901.23 + |-1500.00| EUR, 1234 JPY (no decimals),
     * 1.234 KWD (three). */
    assert_card(html, "unmatched", "EUR 12,345,680,471.23");
    assert_card(html, "unmatched", "JPY 1,234</span>");
    assert_card(html, "unmatched", "KWD 1.234</span>");
    assert_card(html, "match-rate", "<div class=\"value\">54.5%</div>"); /* 6 / 11 */
    /* The resolved failure is not counted. */
    assert_card(html, "failures", "<div class=\"value\">1</div>");
    recon_string_free(html);
}
END_TEST

START_TEST(test_payouts_are_highlighted_by_status) {
    load_fixture();
    char *html = report(NULL, NULL, NULL);
    /* Short by 0.50: broken, its difference marked. */
    ck_assert_ptr_nonnull(strstr(html, "<tr class=\"broken\"><td class=\"id\">po_short</td>"));
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"num diff\">&minus;0.50</td>"));
    /* Seven days to arrive, more than the three allowed: late. */
    ck_assert_ptr_nonnull(strstr(html, "<tr class=\"late\"><td class=\"id\">po_late</td>"));
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"num\">7</td><td><span class=\"st\">late"));
    ck_assert_ptr_nonnull(strstr(html, "<tr class=\"ok\"><td class=\"id\">po_ok</td>"));
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"st\">missing_bank_credit</span>"));
    recon_string_free(html);
}
END_TEST

/* ---- escaping --------------------------------------------------------------------------- */

START_TEST(test_values_from_files_are_escaped) {
    load_fixture();
    char *html = report(NULL, NULL, NULL);
    assert_self_contained(html); /* no "<script" anywhere */
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"id\">&lt;script&gt;alert(1)&lt;/script&gt;"
                                       "</td><td>psp &lt;script&gt;x&lt;/script&gt; &amp; "
                                       "&quot;co&quot;</td>"));
    recon_string_free(html);
    /* The filter's source is shown escaped too, quotes included. */
    html = report(NULL, NULL, "<b>it's</b>");
    ck_assert_ptr_nonnull(strstr(html, "source &lt;b&gt;it&#39;s&lt;/b&gt; &middot;"));
    ck_assert_ptr_null(strstr(html, "<b>"));
    recon_string_free(html);
}
END_TEST

/* ---- the filter ------------------------------------------------------------------------- */

START_TEST(test_filter_narrows_every_section) {
    load_samples();
    char *html = report("2024-03-01", "2024-03-15", NULL);
    assert_card(html, "match-rate", "<div class=\"value\">74.3%</div>"); /* 101 / 136 */
    assert_card(html, "unmatched", "EUR 69,586.31");
    assert_card(html, "unmatched", "USD 1,338.64");
    ck_assert_int_eq(occurrences(html, "<td class=\"id\">po_"), 3);
    ck_assert_int_eq(occurrences(html, "<g><title>"), 15); /* one bar per day */
    ck_assert_ptr_nonnull(strstr(html, "days 2024-03-01 to 2024-03-15, source all"));
    recon_string_free(html);

    html = report(NULL, NULL, "bank");
    assert_card(html, "match-rate", "<div class=\"value\">6.8%</div>"); /* 8 / 117 */
    assert_card(html, "unmatched", "EUR 190,462.05");
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"empty\">No payouts in this period.</p>"));
    /* Of the three rejected rows, one was the bank file's. */
    assert_card(html, "failures", "<div class=\"value\">1</div>");
    recon_string_free(html);
}
END_TEST

START_TEST(test_filter_with_null_members_does_not_narrow) {
    load_samples();
    char *a = report(NULL, NULL, NULL), *b = NULL;
    ck_assert_int_eq(recon_report_html(db, NULL, &b), RECON_OK);
    /* Equal but for the generated-at time, which may tick between them. */
    const char *ta = strstr(a, " by librecon"), *tb = strstr(b, " by librecon");
    ck_assert_ptr_nonnull(ta);
    ck_assert_ptr_nonnull(tb);
    ck_assert_str_eq(ta, tb);
    recon_string_free(a);
    recon_string_free(b);
}
END_TEST

/* ---- the chart -------------------------------------------------------------------------- */

START_TEST(test_chart_is_svg_with_legend_axes_and_tooltips) {
    load_samples();
    char *html = report(NULL, NULL, NULL);
    ck_assert_int_eq(occurrences(html, "<svg viewBox=\"0 0 960 300\""), 1);
    ck_assert_int_eq(occurrences(html, "</svg>"), 1);
    ck_assert_int_eq(occurrences(html, "<g><title>"), 54); /* days with transactions */
    ck_assert_ptr_nonnull(strstr(html, "<title>2024-03-12: 12 matched, 7 unmatched, "
                                       "0 in exceptions</title>"));
    ck_assert_ptr_nonnull(strstr(html, ">matched (238)</text>"));
    ck_assert_ptr_nonnull(strstr(html, ">unmatched (141)</text>"));
    ck_assert_ptr_nonnull(strstr(html, ">transactions per day</text>"));
    ck_assert_ptr_nonnull(strstr(html, ">03-01</text>"));
    /* Every <g> and <rect> is closed: the SVG is well formed. */
    ck_assert_int_eq(occurrences(html, "<g>"), occurrences(html, "</g>"));
    ck_assert_int_eq(occurrences(html, "<rect "),
                     occurrences(html, "\"/>") - occurrences(html, "<line "));
    recon_string_free(html);
}
END_TEST

START_TEST(test_chart_without_days_says_so) {
    load_samples();
    char *html = report("2030-01-01", NULL, NULL);
    ck_assert_ptr_null(strstr(html, "<svg"));
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"empty\">No transactions in this period.</p>"));
    assert_card(html, "match-rate", "<div class=\"value\">&ndash;</div>");
    assert_card(html, "match-rate", "0 of 0 transactions");
    assert_card(html, "unmatched", "<div class=\"value small\">0</div>");
    recon_string_free(html);
}
END_TEST

START_TEST(test_chart_of_one_day_is_one_bar) {
    load_samples();
    char *html = report("2024-03-11", "2024-03-11", NULL);
    ck_assert_int_eq(occurrences(html, "<g><title>"), 1);
    /* A bar 60 px wide, not a wall across the plot. */
    ck_assert_ptr_nonnull(strstr(html, "width=\"60.0\""));
    recon_string_free(html);
}
END_TEST

START_TEST(test_chart_of_four_hundred_days_stays_readable) {
    /* One charge a day from 2023-01-01 for 400 days. */
    char path[600];
    snprintf(path, sizeof path, "%s/year.csv", tmp);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("id,type,created,amount,currency\n", f);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 2023, m = 0, d = 1;
    for (int i = 0; i < 400; i++) {
        fprintf(f, "c%d,charge,%04d-%02d-%02d,1.00,EUR\n", i, y, m + 1, d);
        if (++d > mdays[m] + (m == 1 && y % 4 == 0)) {
            d = 1;
            if (++m == 12) m = 0, y++;
        }
    }
    ck_assert_int_eq(fclose(f), 0);
    import(path, "generic_psp", "psp");
    char *html = report(NULL, NULL, NULL);
    ck_assert_int_eq(occurrences(html, "<g><title>"), 400);
    /* About a dozen labels, with years: the range crosses one. */
    int labels = occurrences(html, "class=\"tick\" text-anchor=\"middle\"");
    ck_assert_int_ge(labels, 10);
    ck_assert_int_le(labels, 13);
    ck_assert_ptr_nonnull(strstr(html, ">2023-01-01</text>"));
    ck_assert_ptr_nonnull(strstr(html, ">day</text>"));
    ck_assert_uint_lt(strlen(html), 200000);
    recon_string_free(html);
}
END_TEST

START_TEST(test_many_payouts_list_only_those_not_ok) {
    /* 210 payouts paid to the bank the next day, one never paid: over the
     * 200 a page lists, so only the one that needs a look is a row. */
    char psp[600], bank[600];
    snprintf(psp, sizeof psp, "%s/many_psp.csv", tmp);
    snprintf(bank, sizeof bank, "%s/many_bank.csv", tmp);
    FILE *fp = fopen(psp, "w"), *fb = fopen(bank, "w");
    ck_assert_ptr_nonnull(fp);
    ck_assert_ptr_nonnull(fb);
    fputs("id,type,created,available_on,amount,fee,net,currency,payout_id\n", fp);
    fputs("id,date,value_date,description,amount,currency,reference\n", fb);
    for (int i = 0; i <= 210; i++) {
        fprintf(fp,
                "ch_%d,charge,2024-03-%02dT10:00:00Z,2024-03-%02d,%d.00,0.00,%d.00,EUR,"
                "po_%04dXYZXYZXYZ\n",
                i, 1 + i % 20, 2 + i % 20, 100 + i, 100 + i, i);
        if (i < 210)
            fprintf(fb,
                    "bk_%d,2024-03-%02d,2024-03-%02d,STRIPE PAYOUT PO_%04dXYZXYZXYZ,%d.00,EUR,\n",
                    i, 3 + i % 20, 3 + i % 20, i, 100 + i);
    }
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_int_eq(fclose(fb), 0);
    import(psp, "generic_psp", "stripe");
    import(bank, "generic_bank", "bank");
    match_defaults();
    char *html = report(NULL, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(html, "211 payouts: 210 ok, 1 broken, 0 late, 0 in transit. "
                                       "Listed: 1 that are not ok;"));
    ck_assert_int_eq(occurrences(html, "<td class=\"id\">po_"), 1);
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"id\">po_0210XYZXYZXYZ</td>"));
    recon_string_free(html);
}
END_TEST

/* ---- failures --------------------------------------------------------------------------- */

START_TEST(test_sql_error_fails_cleanly) {
    load_fixture();
    ck_assert_int_eq(sqlite3_exec(sq, "DROP VIEW v_payouts", NULL, NULL, NULL), SQLITE_OK);
    char *html = (char *)"untouched";
    ck_assert_int_eq(recon_report_html(db, NULL, &html), RECON_EDB);
    ck_assert_ptr_null(html);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "v_payouts"));
    /* The page's read transaction ended with the error: the handle writes. */
    ck_assert_msg(recon_setting_set(db, "report.payout_late_days", "4") == RECON_OK, "%s",
                  recon_errmsg(db));
}
END_TEST

START_TEST(test_invalid_arguments_are_misuse) {
    char *html = (char *)"untouched";
    ck_assert_int_eq(recon_report_html(NULL, NULL, &html), RECON_EMISUSE);
    ck_assert_ptr_null(html);
    ck_assert_int_eq(recon_report_html(db, NULL, NULL), RECON_EMISUSE);
    recon_report_filter f = {RECON_REPORT_FILTER_VERSION, "2024-3-1", NULL, NULL};
    html = (char *)"untouched";
    ck_assert_int_eq(recon_report_html(db, &f, &html), RECON_EMISUSE);
    ck_assert_ptr_null(html);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "YYYY-MM-DD"));
    f.from = "2024-02-30"; /* the shape of a day, but no day */
    ck_assert_int_eq(recon_report_html(db, &f, &html), RECON_EMISUSE);
    f.from = NULL;
    f.to = "2024-03-01' OR 1=1 --";
    ck_assert_int_eq(recon_report_html(db, &f, &html), RECON_EMISUSE);
}
END_TEST

START_TEST(test_empty_database_renders) {
    char *html = report(NULL, NULL, NULL);
    assert_self_contained(html);
    assert_card(html, "exceptions", "<div class=\"value\">0</div>");
    ck_assert_ptr_nonnull(strstr(html, "Nothing unmatched."));
    recon_string_free(html);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("report_html");
    TCase *tc = tcase_create("report_html");
    tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_samples_headline_figures_are_exact);
    tcase_add_test(tc, test_read_only_handle_renders_the_same_page);
    tcase_add_test(tc, test_match_fixture_counts_open_exceptions);
    tcase_add_test(tc, test_money_is_exact_for_every_exponent);
    tcase_add_test(tc, test_payouts_are_highlighted_by_status);
    tcase_add_test(tc, test_values_from_files_are_escaped);
    tcase_add_test(tc, test_filter_narrows_every_section);
    tcase_add_test(tc, test_filter_with_null_members_does_not_narrow);
    tcase_add_test(tc, test_chart_is_svg_with_legend_axes_and_tooltips);
    tcase_add_test(tc, test_chart_without_days_says_so);
    tcase_add_test(tc, test_chart_of_one_day_is_one_bar);
    tcase_add_test(tc, test_chart_of_four_hundred_days_stays_readable);
    tcase_add_test(tc, test_many_payouts_list_only_those_not_ok);
    tcase_add_test(tc, test_sql_error_fails_cleanly);
    tcase_add_test(tc, test_invalid_arguments_are_misuse);
    tcase_add_test(tc, test_empty_database_renders);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return tu_run(suite());
}
