/* Check suite for the journal export (lib/report/journal.c, accounts.c):
 * the accounts mapping and its refusals; the entry each kind of match
 * makes (a payout's items against its bank credit, a payout row with its
 * items attached, a bank line against a ledger invoice, a fee booked as a
 * variance, a forced match, two currencies, instalments); exports that
 * are recorded and never repeated, reversals of undone matches, since,
 * a mapping that lacks an account, a callback that stops; and a property
 * test: every entry of randomized matches, undos and re-exports balances
 * in every currency, and an undone match's entry and its reversal cancel.
 * Real databases, real imports through the generic profiles. */
#include "recon.h"
#include "testdb.h"

static char tmp[256], dbpath[512];
static recon_db *db;
static sqlite3 *sq;
static int nfiles;
static recon_accounts *acc;

static void setup(void) {
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
    nfiles = 0;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_accounts_default(&err, &acc) == RECON_OK, "%s", err.message);
    /* report.as_of: nothing here may read the clock. */
    ck_assert_int_eq(recon_setting_set(db, "report.as_of", "2024-06-30"), RECON_OK);
}

static void teardown(void) {
    recon_accounts_free(acc);
    tu_books_close(tmp, db, sq);
}

#define PSP_HEADER "id,type,created,amount,fee,net,currency,payout_id,reference\n"
#define BANK_HEADER "id,date,description,amount,currency,reference\n"
#define ERP_HEADER "id,type,created,amount,currency,reference\n"

static void import_with(recon_profile *p, const char *source, const char *header,
                        const char *rows) {
    char name[64], path[600];
    snprintf(name, sizeof name, "f%d.csv", ++nfiles);
    size_t hl = strlen(header), rl = strlen(rows);
    char *text = malloc(hl + rl + 1);
    memcpy(text, header, hl);
    memcpy(text + hl, rows, rl + 1);
    tu_write_file(tmp, name, text, hl + rl, path, sizeof path);
    free(text);
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = source;
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(recon_import_file(db, path, p, &o, &r) == RECON_OK, "%s", recon_errmsg(db));
    ck_assert_uint_eq(r.rows_rejected, 0);
}

static void import_builtin(const char *profile, const char *source, const char *header,
                           const char *rows) {
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin(profile, NULL, &p), RECON_OK);
    import_with(p, source, header, rows);
    recon_profile_free(p);
}

static void psp(const char *rows) {
    import_builtin("generic_psp", "stripe", PSP_HEADER, rows);
}

static void bank(const char *rows) {
    import_builtin("generic_bank", "hsbc", BANK_HEADER, rows);
}

/* Invoices of a ledger source: generic_psp's layout as source_type ledger. */
static void erp(const char *rows) {
    char *text = tu_read_file("data/profiles/generic_psp.ini", NULL);
    ck_assert_ptr_nonnull(text);
    char *at = strstr(text, "source_type = psp\n");
    ck_assert_ptr_nonnull(at);
    size_t len = strlen(text);
    char *ledger = malloc(len + 4);
    memcpy(ledger, text, (size_t)(at - text));
    strcpy(ledger + (at - text), "source_type = ledger\n");
    strcat(ledger, at + strlen("source_type = psp\n"));
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_parse(ledger, "ledger.ini", &err, &p) == RECON_OK, "%s",
                  err.message);
    free(ledger);
    import_with(p, "erp", ERP_HEADER, rows);
    recon_profile_free(p);
    free(text);
}

static recon_match_result run(const char *rules_text) {
    recon_rules *r = NULL;
    recon_error err = RECON_ERROR_INIT;
    if (rules_text)
        ck_assert_msg(recon_rules_parse(rules_text, "t.ini", &err, &r) == RECON_OK, "%s",
                      err.message);
    recon_match_opts o = RECON_MATCH_OPTS_INIT;
    o.rules = r;
    recon_match_result res = RECON_MATCH_RESULT_INIT;
    ck_assert_msg(recon_match_run(db, &o, &res) == RECON_OK, "%s", recon_errmsg(db));
    recon_rules_free(r);
    return res;
}

static int64_t tx(const char *ext) {
    return (int64_t)tu_qint(sq, "SELECT id FROM transactions WHERE external_id = %Q", ext);
}

/* The lines exported, one "ACCOUNT AMOUNT CUR" per line, ';' between. */
typedef struct {
    char text[8192];
    long lines, entries;
    int stop_at; /* stop at this line (1-based); 0: never */
} collected;

static int collect(const recon_journal_line *l, void *payload) {
    collected *c = payload;
    ck_assert_uint_eq(l->version, RECON_JOURNAL_LINE_VERSION);
    c->lines++;
    if (c->stop_at && c->lines == c->stop_at) return 1;
    if (l->line == l->nlines) c->entries++;
    size_t n = strlen(c->text);
    snprintf(c->text + n, sizeof c->text - n, "%s%s%s %lld %s", n ? ";" : "",
             l->line == 1 ? "| " : "", l->account, (long long)l->amount_minor, l->currency);
    return 0;
}

static recon_journal_result export_into(collected *c, int all, const char *since) {
    memset(c, 0, sizeof *c);
    recon_journal_opts o = RECON_JOURNAL_OPTS_INIT;
    o.accounts = acc;
    o.all = all;
    o.since = since;
    o.actor = "ann";
    recon_journal_result res = RECON_JOURNAL_RESULT_INIT;
    ck_assert_msg(recon_journal_export(db, &o, collect, c, &res) == RECON_OK, "%s",
                  recon_errmsg(db));
    return res;
}

/* No entry and no currency of any entry is out of balance. */
static void assert_all_balanced(void) {
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM (SELECT entry_id, currency FROM"
                                 " journal_lines GROUP BY entry_id, currency"
                                 " HAVING sum(amount_minor) <> 0)"),
                     0);
}

/* ---- the mapping ---------------------------------------------------------------------------- */

START_TEST(test_the_mapping_refuses_mistakes_with_their_line) {
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[colours]\nred = A\n", "accounts.ini:2: [colours] red: sections are"},
        {"[type psp]\nrevenu = Income\n", "accounts.ini:2: [type psp] revenu: unknown key"},
        {"[type psp]\nrevenue = Income  Sales\n", "no two spaces in a row"},
        {"[type psp]\nrevenue = Income;Sales\n", "no ';' or '#'"},
        {"[type bank]\naccount = A\naccount = B\n",
         "accounts.ini:3: [type bank] account: given twice"},
        {"[variances]\nfee =\n", "an account name is required"},
        {"# nothing\n", "accounts.ini: no accounts"},
        {"[defaults]\ntip = X\n", "unknown key"},
        {"[defaults]\nsuspense = (Suspense)\n", "does not start with '(' or '['"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        recon_error err = RECON_ERROR_INIT;
        recon_accounts *a = (recon_accounts *)1;
        ck_assert_int_eq(recon_accounts_parse(cases[i].text, "accounts.ini", &err, &a),
                         RECON_EPROFILE);
        ck_assert_ptr_null(a);
        ck_assert_msg(strstr(err.message, cases[i].want), "case %zu: '%s' lacks '%s'", i,
                      err.message, cases[i].want);
    }
    recon_error err = RECON_ERROR_INIT;
    recon_accounts *a = NULL;
    ck_assert_int_eq(recon_accounts_load("no/such/accounts.ini", &err, &a), RECON_EIO);
}
END_TEST

/* {source} in an account; a [source NAME] section wins over its type's. */
START_TEST(test_a_source_section_wins_over_its_type) {
    recon_accounts_free(acc);
    recon_error err = RECON_ERROR_INIT;
    ck_assert_int_eq(recon_accounts_parse("[type bank]\naccount = Assets:Bank:{source}\n"
                                          "[source hsbc]\naccount = Assets:HSBC EUR\n"
                                          "[type psp]\nclearing = Assets:Clearing:{source}\n"
                                          "revenue = Income\nfees = Expenses:Fees\n",
                                          "a.ini", &err, &acc),
                     RECON_OK);
    psp("ch_1,charge,2024-03-01,100.00,3.00,97.00,EUR,po_1,\n");
    bank("B1,2024-03-04,STRIPE PAYOUT PO_1,97.00,EUR,\n");
    bank("B2,2024-03-05,other,1.00,EUR,\n"); /* never matched: never posted */
    run(NULL);
    collected c;
    export_into(&c, 0, NULL);
    ck_assert_str_eq(c.text, "| Assets:HSBC EUR 9700 EUR;Assets:Clearing:stripe 9700 EUR;"
                             "Expenses:Fees 300 EUR;Income -10000 EUR;"
                             "Assets:Clearing:stripe -9700 EUR");
}
END_TEST

/* ---- the entries ---------------------------------------------------------------------------- */

/* A payout's items against its bank credit: the bank debited, each charge
 * and refund through clearing with its fee, and the payout the match
 * implies: the clearing account nets to zero. */
START_TEST(test_a_payouts_items_against_its_bank_credit) {
    psp("ch_1,charge,2024-03-01,100.00,3.20,96.80,EUR,po_1,\n"
        "ch_2,charge,2024-03-01,50.00,1.75,48.25,EUR,po_1,\n"
        "re_1,refund,2024-03-02,-20.00,0,-20.00,EUR,po_1,\n");
    bank("B1,2024-03-05,STRIPE PAYOUT PO_1,125.05,EUR,\n");
    recon_match_result m = run(NULL);
    ck_assert_uint_eq(m.matches, 1);
    collected c;
    recon_journal_result r = export_into(&c, 0, NULL);
    ck_assert_uint_eq(r.entries, 1);
    ck_assert_uint_eq(r.listed, 1);
    ck_assert_int_gt(r.export_id, 0);
    ck_assert_str_eq(c.text, "| Assets:Bank:hsbc 12505 EUR;"
                             "Assets:Clearing:stripe 9680 EUR;Expenses:Payment Fees 320 EUR;"
                             "Income:Sales -10000 EUR;"
                             "Assets:Clearing:stripe 4825 EUR;Expenses:Payment Fees 175 EUR;"
                             "Income:Sales -5000 EUR;"
                             "Assets:Clearing:stripe -2000 EUR;Income:Refunds 2000 EUR;"
                             "Assets:Clearing:stripe -12505 EUR");
    assert_all_balanced();
    ck_assert_int_eq(tu_qint(sq, "SELECT sum(amount_minor) FROM journal_lines"
                                 " WHERE account = 'Assets:Clearing:stripe'"),
                     0);
    /* Dated the bank line's day; the entry and its export recorded. */
    TU_ASSERT_Q(sq, "2024-03-05|post|ann|api", /* the format: "api" when the caller says none */
                "SELECT e.entry_date || '|' || e.kind || '|' || x.exported_by || '|' ||"
                " x.format FROM journal_entries e JOIN journal_exports x ON x.id = e.export_id");
    TU_ASSERT_Q(sq, "125.05|",
                "SELECT debit || '|' || coalesce(credit, '') FROM v_journal"
                " WHERE line = 1");
    /* Exporting again: nothing new, no export recorded; --all lists it. */
    r = export_into(&c, 0, NULL);
    ck_assert_uint_eq(r.entries + r.listed, 0);
    ck_assert_int_eq(r.export_id, 0);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM journal_exports"), 1);
    r = export_into(&c, 1, NULL);
    ck_assert_uint_eq(r.listed, 1);
    ck_assert_int_eq(c.lines, 10);
}
END_TEST

/* A bank line that pays an invoice of the ledger: Dr bank, Cr receivables. */
START_TEST(test_a_bank_line_against_a_ledger_invoice) {
    erp("INV-1,charge,2024-03-01,250.00,EUR,INV-1\n");
    bank("B1,2024-03-09,ACME,250.00,EUR,INV-1\n");
    run("[rule r]\nleft = type:bank\nright = type:ledger\nreference = equal\n");
    collected c;
    export_into(&c, 0, NULL);
    ck_assert_str_eq(c.text, "| Assets:Bank:hsbc 25000 EUR;Assets:Receivables:erp -25000 EUR");
}
END_TEST

/* A payout short by a bank fee, booked as a fee variance by the rule: the
 * fee to its account, no suspense. */
START_TEST(test_a_fee_variance_goes_to_its_account) {
    psp("po_1,payout,2024-03-01,-100.00,0,-100.00,EUR,po_1,\n");
    bank("B1,2024-03-02,STRIPE PO_1,99.50,EUR,\n");
    run("[rule fees]\nleft = type:bank\nright = type:psp\nright_kinds = payout\n"
        "amount_sign = opposite\namount = tolerance\ntolerance_minor = 100\n"
        "difference_as = fee\nreference = contains\nreference_left = description\n"
        "reference_right = group_id\n");
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM match_variances"), 1);
    collected c;
    export_into(&c, 0, NULL);
    ck_assert_str_eq(c.text, "| Assets:Bank:hsbc 9950 EUR;Assets:Clearing:stripe -10000 EUR;"
                             "Expenses:Bank Fees 50 EUR");
}
END_TEST

/* A payout's own fee leaves the provider's balance with it. */
START_TEST(test_a_payouts_own_fee_is_posted) {
    psp("po_2,payout,2024-03-01,-100.00,0.25,-100.25,EUR,po_2,\n");
    bank("B2,2024-03-02,STRIPE PO_2,100.00,EUR,\n");
    run(NULL);
    collected c;
    export_into(&c, 0, NULL);
    ck_assert_str_eq(c.text, "| Assets:Bank:hsbc 10000 EUR;Assets:Clearing:stripe -10025 EUR;"
                             "Expenses:Payment Fees 25 EUR");
}
END_TEST

/* A forced match leaves what it does not explain in suspense; a forced
 * match across currencies gets a conversion leg per currency. */
START_TEST(test_forced_matches_post_to_suspense_or_conversion) {
    erp("INV-1,charge,2024-03-01,100.00,EUR,INV-1\n"
        "INV-2,charge,2024-03-01,100.00,USD,INV-2\n");
    bank("B1,2024-03-02,x,99.00,EUR,\n"
         "B2,2024-03-02,y,92.00,EUR,\n");
    int64_t b1 = tx("B1"), b2 = tx("B2"), i1 = tx("INV-1"), i2 = tx("INV-2");
    ck_assert_int_eq(recon_match_add(db, &b1, 1, &i1, 1, "short, agreed", "ann", 1, NULL),
                     RECON_OK);
    ck_assert_int_eq(recon_match_add(db, &b2, 1, &i2, 1, "paid in euro", "ann", 1, NULL), RECON_OK);
    collected c;
    export_into(&c, 0, NULL);
    ck_assert_str_eq(c.text, "| Assets:Bank:hsbc 9900 EUR;Assets:Receivables:erp -10000 EUR;"
                             "Assets:Suspense 100 EUR;"
                             "| Assets:Bank:hsbc 9200 EUR;Assets:Receivables:erp -10000 USD;"
                             "Equity:Currency Conversion -9200 EUR;"
                             "Equity:Currency Conversion 10000 USD");
    assert_all_balanced();
}
END_TEST

/* A line of INT64_MIN (a net at the very end of int64) could never be
 * reversed: such a match gets no entry, and undoing it later breaks
 * nothing. */
START_TEST(test_an_amount_at_the_end_of_int64_gets_no_entry) {
    psp("ch_min,charge,2024-03-01,-92233720368547758.07,0.01,-92233720368547758.08,EUR,,\n");
    bank("B1,2024-03-02,x,0.01,EUR,\n");
    int64_t b1 = tx("B1"), ch = tx("ch_min"), m = 0;
    ck_assert_int_eq(recon_match_add(db, &b1, 1, &ch, 1, "odd", "ann", 1, &m), RECON_OK);
    recon_journal_opts o = RECON_JOURNAL_OPTS_INIT;
    o.accounts = acc;
    recon_journal_result r = RECON_JOURNAL_RESULT_INIT;
    ck_assert_int_eq(recon_journal_export(db, &o, NULL, NULL, &r), RECON_OK);
    ck_assert_uint_eq(r.skipped, 1);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM journal_lines"), 0);
    ck_assert_int_eq(recon_match_undo(db, m, "x", "ann"), RECON_OK);
    r = (recon_journal_result)RECON_JOURNAL_RESULT_INIT;
    ck_assert_int_eq(recon_journal_export(db, &o, NULL, NULL, &r), RECON_OK);
    ck_assert_uint_eq(r.entries + r.reversals + r.skipped, 0);
}
END_TEST

/* Instalments: each match posts the part it took; a charge with a fee
 * matched in parts gets no entry (said, and tried again later). */
START_TEST(test_parts_post_what_they_take) {
    erp("INV-1,charge,2024-03-01,100.00,EUR,INV-1\n");
    bank("T1,2024-03-05,ACME 1/2,60.00,EUR,INV-1\n"
         "T2,2024-04-05,ACME 2/2,40.00,EUR,INV-1\n");
    run("[rule r]\nleft = type:bank\nright = type:ledger\nreference = equal\n"
        "date_window = 0..60\nallow_partial = yes\n");
    collected c;
    export_into(&c, 0, NULL);
    ck_assert_str_eq(c.text, "| Assets:Bank:hsbc 6000 EUR;Assets:Receivables:erp -6000 EUR;"
                             "| Assets:Bank:hsbc 4000 EUR;Assets:Receivables:erp -4000 EUR");
    psp("ch_9,charge,2024-03-01,100.00,3.00,97.00,EUR,,R9\n");
    bank("T9,2024-03-02,x,50.00,EUR,R9\n");
    int64_t t9 = tx("T9"), ch = tx("ch_9"), half = 5000;
    /* A part of a row with a fee is refused now; a database from before
     * that refusal may hold one: made here by hand. */
    ck_assert_int_eq(recon_match_add_parts(db, &t9, NULL, 1, &ch, &half, 1, "half", "ann", 0, NULL),
                     RECON_ECONFLICT);
    tu_exec(sq,
            "INSERT INTO match_store(rule, origin, score, evidence, created_at, created_by, note,"
            " forced) VALUES ('manual', 'manual', 1000, '{}', '2024-03-03T00:00:00Z', 'ann',"
            " 'half', 0)");
    int64_t m = tu_qint(sq, "SELECT max(id) FROM matches");
    tu_exec(sq, "BEGIN");
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO match_items(match_id, transaction_id, side) VALUES (%lld, %lld, 'left'),"
             " (%lld, %lld, 'right'); INSERT INTO allocations VALUES (%lld, %lld, 5000); COMMIT",
             (long long)m, (long long)t9, (long long)m, (long long)ch, (long long)m, (long long)ch);
    tu_exec(sq, sql);
    recon_journal_opts o = RECON_JOURNAL_OPTS_INIT;
    o.accounts = acc;
    recon_journal_result r = RECON_JOURNAL_RESULT_INIT;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(recon_journal_export(db, &o, collect, &c, &r), RECON_OK);
    ck_assert_uint_eq(r.skipped, 1);
    ck_assert_uint_eq(r.entries, 0);
    r = (recon_journal_result)RECON_JOURNAL_RESULT_INIT;
    ck_assert_int_eq(recon_journal_export(db, &o, collect, &c, &r), RECON_OK);
    ck_assert_uint_eq(r.skipped, 1); /* again: it was not recorded */
}
END_TEST

/* ---- exports over time ---------------------------------------------------------------------- */

/* An exported match that is undone gets a reversing entry (its lines
 * negated, dated the day of the undo); one undone before any export gets
 * nothing. */
START_TEST(test_an_undone_match_is_reversed_never_edited) {
    erp("INV-1,charge,2024-03-01,100.00,EUR,INV-1\n"
        "INV-2,charge,2024-03-01,70.00,EUR,INV-2\n");
    bank("B1,2024-03-09,x,100.00,EUR,INV-1\n"
         "B2,2024-03-09,x,70.00,EUR,INV-2\n");
    run("[rule r]\nleft = type:bank\nright = type:ledger\nreference = equal\n");
    collected c;
    export_into(&c, 0, NULL);
    ck_assert_int_eq(c.entries, 2);
    int64_t m1 = tu_qint(sq, "SELECT match_id FROM match_items WHERE transaction_id = %lld",
                         (long long)tx("B1"));
    int64_t m2 = tu_qint(sq, "SELECT match_id FROM match_items WHERE transaction_id = %lld",
                         (long long)tx("B2"));
    ck_assert_int_eq(recon_match_undo(db, m1, "wrong", "ann"), RECON_OK);
    recon_journal_result r = export_into(&c, 0, NULL);
    ck_assert_uint_eq(r.reversals, 1);
    ck_assert_uint_eq(r.entries, 0);
    ck_assert_str_eq(c.text, "| Assets:Bank:hsbc -10000 EUR;Assets:Receivables:erp 10000 EUR");
    TU_ASSERT_Q(sq, "reverse|1",
                "SELECT kind || '|' || reverses FROM journal_entries"
                " WHERE id = 3");
    ck_assert_int_eq(tu_qint(sq,
                             "SELECT count(*) FROM journal_entries WHERE entry_date ="
                             " substr((SELECT undone_at FROM matches WHERE id = %lld), 1, 10)"
                             " AND kind = 'reverse'",
                             (long long)m1),
                     1);
    /* The entry and its reversal cancel, account by account. */
    ck_assert_int_eq(tu_qint(sq,
                             "SELECT count(*) FROM (SELECT account FROM journal_lines l JOIN"
                             " journal_entries e ON e.id = l.entry_id WHERE e.match_id = %lld"
                             " GROUP BY account HAVING sum(amount_minor) <> 0)",
                             (long long)m1),
                     0);
    /* Undone again? No: a match is undone once. A match undone before it
     * was exported is never posted nor reversed. */
    (void)m2;
    bank("B3,2024-03-10,x,100.00,EUR,INV-1\n");
    run("[rule r]\nleft = type:bank\nright = type:ledger\nreference = equal\n");
    int64_t m3 = tu_qint(sq, "SELECT max(id) FROM matches");
    ck_assert_int_eq(recon_match_undo(db, m3, "no", "ann"), RECON_OK);
    r = export_into(&c, 0, NULL);
    ck_assert_uint_eq(r.entries + r.reversals, 0);
    ck_assert_int_eq(
        tu_qint(sq, "SELECT count(*) FROM journal_entries WHERE match_id = %lld", (long long)m3),
        0);
}
END_TEST

/* since: entries dated before it are neither made nor listed (a later
 * export without it makes them); a mapping that lacks an account and a
 * callback that stops both leave nothing recorded. */
START_TEST(test_since_missing_accounts_and_stops_record_nothing) {
    erp("INV-1,charge,2024-03-01,100.00,EUR,INV-1\n"
        "INV-2,charge,2024-04-01,70.00,EUR,INV-2\n");
    bank("B1,2024-03-09,x,100.00,EUR,INV-1\n"
         "B2,2024-04-09,x,70.00,EUR,INV-2\n");
    run("[rule r]\nleft = type:bank\nright = type:ledger\nreference = equal\n");
    recon_accounts *full = acc;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_int_eq(recon_accounts_parse("[type bank]\naccount = Bank\n", "a.ini", &err, &acc),
                     RECON_OK);
    recon_journal_opts o = RECON_JOURNAL_OPTS_INIT;
    o.accounts = acc;
    recon_journal_result r = RECON_JOURNAL_RESULT_INIT;
    ck_assert_int_eq(recon_journal_export(db, &o, NULL, NULL, &r), RECON_EPROFILE);
    ck_assert_str_eq(recon_errmsg(db), "match 1: the accounts mapping has no 'account' for"
                                       " source erp (its [source erp] section or [type ledger])");
    recon_accounts_free(acc);
    acc = full;
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM journal_entries"), 0);
    collected c;
    memset(&c, 0, sizeof c);
    c.stop_at = 1;
    o.accounts = acc;
    r = (recon_journal_result)RECON_JOURNAL_RESULT_INIT;
    ck_assert_int_eq(recon_journal_export(db, &o, collect, &c, &r), RECON_ECANCELLED);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM journal_entries"), 0);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM journal_exports"), 0);
    o.since = "2024-04-31";
    ck_assert_int_eq(recon_journal_export(db, &o, NULL, NULL, &r), RECON_EMISUSE);
    r = export_into(&c, 0, "2024-04-01");
    ck_assert_uint_eq(r.entries, 1);
    TU_ASSERT_Q(sq, "2024-04-09", "SELECT group_concat(entry_date) FROM journal_entries");
    r = export_into(&c, 0, NULL);
    ck_assert_uint_eq(r.entries, 1);
    r = export_into(&c, 1, "2024-04-01");
    ck_assert_uint_eq(r.listed, 1);
    /* A dry run lists what it would make and keeps nothing. */
    bank("B3,2024-04-10,x,1.00,EUR,\n");
    int64_t b3 = tx("B3"), i0 = tx("INV-2");
    (void)i0;
    erp("INV-3,charge,2024-04-01,1.00,EUR,INV-3\n");
    int64_t i3 = tx("INV-3");
    ck_assert_int_eq(recon_match_add(db, &b3, 1, &i3, 1, "x", "ann", 0, NULL), RECON_OK);
    o = (recon_journal_opts)RECON_JOURNAL_OPTS_INIT;
    o.accounts = acc;
    o.dry_run = 1;
    memset(&c, 0, sizeof c);
    r = (recon_journal_result)RECON_JOURNAL_RESULT_INIT;
    ck_assert_int_eq(recon_journal_export(db, &o, collect, &c, &r), RECON_OK);
    ck_assert_int_eq(c.entries, 1);
    ck_assert_int_eq(r.export_id, 0);
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM journal_entries"), 2);
}
END_TEST

/* ---- closing a period ----------------------------------------------------------------------- */

/* The journal of a closed period as text: every line dated in it. */
static char *closed_lines(void) {
    return tu_qtext(sq, "SELECT coalesce(group_concat(x, ';'), '') FROM (SELECT entry_id || ' '"
                        " || kind || ' ' || entry_date || ' ' || account || ' ' || amount_minor"
                        " || ' ' || currency AS x FROM v_journal WHERE entry_date <= '2024-03-31'"
                        " ORDER BY entry_id, line)");
}

#define RULE "[rule r]\nleft = type:bank\nright = type:ledger\nreference = equal\n"

/* Closing needs the period's journal whole; once closed, nothing dated in
 * it changes: its matches cannot be undone, a late match of its days and
 * a reversal are posted on the first open day; reopening is recorded. */
START_TEST(test_a_closed_period_never_changes) {
    erp("INV-1,charge,2024-03-01,100.00,EUR,INV-1\n"
        "INV-2,charge,2024-04-01,70.00,EUR,INV-2\n");
    bank("B1,2024-03-09,x,100.00,EUR,INV-1\n"
         "B2,2024-04-09,x,70.00,EUR,INV-2\n");
    run(RULE);
    char until[11] = "x";
    ck_assert_int_eq(recon_period_closed_until(db, until), RECON_OK);
    ck_assert_str_eq(until, "");
    ck_assert_int_eq(recon_period_close(db, "2024-03-31", "March", "ann"), RECON_ECONFLICT);
    ck_assert_str_eq(recon_errmsg(db), "cannot close until 2024-03-31: 1 match of those days has"
                                       " no journal entry yet (the first: match 1): export the"
                                       " journal first (recon export journal)");
    ck_assert_int_eq(recon_period_close(db, "2024-02-30", NULL, "ann"), RECON_EMISUSE);
    ck_assert_int_eq(recon_period_close(db, "9999-12-31", NULL, "ann"), RECON_EMISUSE);
    collected c;
    export_into(&c, 0, NULL);
    ck_assert_int_eq(recon_period_close(db, "2024-03-31", "March", "ann"), RECON_OK);
    ck_assert_int_eq(recon_period_closed_until(db, until), RECON_OK);
    ck_assert_str_eq(until, "2024-03-31");
    char *before = closed_lines();
    ck_assert_str_ne(before, "");
    /* Its match stays; April's can go. */
    int64_t m1 = tu_qint(sq, "SELECT match_id FROM match_items WHERE transaction_id = %lld",
                         (long long)tx("B1"));
    int64_t m2 = tu_qint(sq, "SELECT match_id FROM match_items WHERE transaction_id = %lld",
                         (long long)tx("B2"));
    ck_assert_int_eq(recon_match_undo(db, m1, "wrong", "ann"), RECON_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(recon_errmsg(db), "closed until 2024-03-31"));
    ck_assert_int_eq(recon_match_undo(db, m2, "wrong", "ann"), RECON_OK);
    /* A late bank line of March, matched now: posted on April 1st. */
    erp("INV-3,charge,2024-03-01,5.00,EUR,INV-3\n");
    bank("B3,2024-03-20,x,5.00,EUR,INV-3\n");
    run(RULE);
    recon_journal_result r = export_into(&c, 0, NULL);
    ck_assert_uint_eq(r.entries, 1);
    ck_assert_uint_eq(r.reversals, 1);
    ck_assert_int_eq(tu_qint(sq,
                             "SELECT count(*) FROM journal_entries WHERE entry_date <="
                             " '2024-03-31' AND export_id = %lld",
                             (long long)r.export_id),
                     0);
    TU_ASSERT_Q(sq, "2024-04-01",
                "SELECT entry_date FROM journal_entries WHERE kind = 'post'"
                " AND export_id = %lld",
                (long long)r.export_id);
    char *after = closed_lines();
    ck_assert_str_eq(after, before);
    free(after);
    /* Not earlier than it is; a later close needs its days exported. */
    ck_assert_int_eq(recon_period_close(db, "2024-03-15", NULL, "ann"), RECON_ECONFLICT);
    ck_assert_int_eq(recon_period_close(db, "2024-04-30", "April", "ann"), RECON_OK);
    /* Reopening takes the latest close back, recorded; then March's match
     * can be undone (its reversal lands on an open day). */
    ck_assert_int_eq(recon_period_reopen(db, NULL, "ann"), RECON_EMISUSE);
    ck_assert_int_eq(recon_period_reopen(db, "a correction", "bob"), RECON_OK);
    ck_assert_int_eq(recon_period_closed_until(db, until), RECON_OK);
    ck_assert_str_eq(until, "2024-03-31");
    ck_assert_int_eq(recon_period_reopen(db, "the March audit", "bob"), RECON_OK);
    ck_assert_int_eq(recon_period_reopen(db, "again", "bob"), RECON_ENOTFOUND);
    TU_ASSERT_Q(sq, "2024-04-30 a correction;2024-03-31 the March audit",
                "SELECT group_concat(until_date || ' ' || reopen_note, ';') FROM (SELECT * FROM"
                " period_closes WHERE reopened_by = 'bob' ORDER BY until_date DESC)");
    ck_assert_int_eq(recon_match_undo(db, m1, "wrong after all", "ann"), RECON_OK);
    r = export_into(&c, 0, NULL);
    ck_assert_uint_eq(r.reversals, 1);
    assert_all_balanced();
    free(before);
}
END_TEST

/* ---- property ------------------------------------------------------------------------------- */

/* Minor units as the text a file holds: "-0.50", or "-50" for yen. */
static const char *amt(char *buf, long v, int jpy) {
    if (jpy)
        snprintf(buf, 32, "%ld", v);
    else
        snprintf(buf, 32, "%s%ld.%02ld", v < 0 ? "-" : "", labs(v) / 100, labs(v) % 100);
    return buf;
}

static unsigned next(unsigned *s) {
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

/* Randomized books: charges with fees in payouts, bank credits (some
 * short, some in another currency), invoices; rule runs, forced manual
 * matches, undos and exports in random order. Every entry balances in
 * every currency; every undone match that was posted is reversed by
 * exactly its lines. */
START_TEST(test_every_entry_balances_whatever_happens) {
    unsigned seed = 20 + (unsigned)_i;
    char psp_rows[8192] = "", bank_rows[8192] = "", erp_rows[4096] = "";
    static const char *const cur[] = {"EUR", "USD", "JPY"};
    for (int p = 0; p < 8; p++) {
        const char *c = cur[next(&seed) % 3];
        int jpy = !strcmp(c, "JPY"), n = 1 + (int)(next(&seed) % 4);
        long total = 0;
        for (int k = 0; k < n; k++) {
            long gross = 100 + (long)(next(&seed) % 90000), fee = gross * 3 / 100;
            int refund = next(&seed) % 5 == 0;
            long g = refund ? -gross : gross, f = refund ? 0 : fee;
            char ga[32], fa[32], na[32];
            size_t len = strlen(psp_rows);
            snprintf(psp_rows + len, sizeof psp_rows - len,
                     "c%d_%d,%s,2024-03-0%d,%s,%s,%s,%s,po_%d,\n", p, k,
                     refund ? "refund" : "charge", 1 + p % 9, amt(ga, g, jpy), amt(fa, f, jpy),
                     amt(na, g - f, jpy), c, p);
            total += g - f;
        }
        long credit = total - (next(&seed) % 3 == 0 ? (long)(next(&seed) % 50) : 0);
        char ca[32];
        size_t len = strlen(bank_rows);
        snprintf(bank_rows + len, sizeof bank_rows - len, "b%d,2024-03-1%d,STRIPE PO_%d,%s,%s,\n",
                 p, p % 9, p, amt(ca, credit, jpy), c);
    }
    for (int i = 0; i < 6; i++) {
        size_t len = strlen(erp_rows);
        snprintf(erp_rows + len, sizeof erp_rows - len,
                 "INV-%d,charge,2024-03-01,%d.00,EUR,INV-%d\n", i, 10 + i, i);
        len = strlen(bank_rows);
        snprintf(bank_rows + len, sizeof bank_rows - len, "t%d,2024-03-20,x,%d.00,EUR,INV-%d\n", i,
                 10 + i + (int)(next(&seed) % 2), i);
    }
    psp(psp_rows);
    bank(bank_rows);
    erp(erp_rows);
    collected c;
    run(NULL);
    for (int step = 0; step < 12; step++) {
        switch (next(&seed) % 4) {
        case 0:
            run(NULL);
            run("[rule inv]\nleft = type:bank\nright = type:ledger\nreference = equal\n"
                "amount = tolerance\ntolerance_minor = 100\ndifference_as = writeoff\n");
            break;
        case 1: { /* a forced manual match of two open rows */
            int64_t l = tu_qint(sq,
                                "SELECT coalesce((SELECT transaction_id FROM v_transactions"
                                " WHERE status <> 'matched' AND source = 'hsbc' ORDER BY"
                                " transaction_id LIMIT 1 OFFSET %u), 0)",
                                next(&seed) % 3);
            int64_t r = tu_qint(sq,
                                "SELECT coalesce((SELECT transaction_id FROM v_transactions"
                                " WHERE status <> 'matched' AND source <> 'hsbc' ORDER BY"
                                " transaction_id LIMIT 1 OFFSET %u), 0)",
                                next(&seed) % 3);
            if (l && r)
                ck_assert_int_eq(recon_match_add(db, &l, 1, &r, 1, "x", "p", 1, NULL), RECON_OK);
            break;
        }
        case 2: { /* undo a random active match */
            int64_t m = tu_qint(sq,
                                "SELECT coalesce((SELECT id FROM matches WHERE undone_at IS"
                                " NULL ORDER BY id LIMIT 1 OFFSET %u), 0)",
                                next(&seed) % 4);
            if (m) ck_assert_int_eq(recon_match_undo(db, m, "x", "p"), RECON_OK);
            break;
        }
        default:
            export_into(&c, next(&seed) % 2, NULL);
        }
    }
    export_into(&c, 0, NULL);
    ck_assert_int_gt(tu_qint(sq, "SELECT count(*) FROM journal_entries WHERE kind = 'post'"), 0);
    assert_all_balanced();
    /* Posted and undone: reversed by exactly its lines. */
    ck_assert_int_eq(
        tu_qint(sq, "SELECT count(*) FROM matches m WHERE m.undone_at IS NOT NULL AND EXISTS"
                    " (SELECT 1 FROM journal_entries e WHERE e.match_id = m.id AND e.kind = 'post')"
                    " AND NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.match_id = m.id"
                    " AND e.kind = 'reverse')"),
        0);
    ck_assert_int_eq(tu_qint(sq,
                             "SELECT count(*) FROM (SELECT e.match_id, l.account, l.currency"
                             " FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id"
                             " JOIN matches m ON m.id = e.match_id WHERE m.undone_at IS NOT NULL"
                             " GROUP BY 1, 2, 3 HAVING sum(l.amount_minor) <> 0)"),
                     0);
    /* Every active match has its entry (none skipped here: no parts). */
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM matches m WHERE m.undone_at IS NULL AND"
                                 " NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.match_id ="
                                 " m.id)"),
                     0);
    /* The clearing account of matches that hold a payout's every item
     * and its bank credit nets to zero there. */
    ck_assert_int_eq(tu_qint(sq, "SELECT count(*) FROM (SELECT e.id FROM journal_entries e JOIN"
                                 " matches m ON m.id = e.match_id AND m.rule LIKE 'payout%%'"
                                 " JOIN journal_lines l ON l.entry_id = e.id WHERE e.kind = 'post'"
                                 " AND l.account LIKE 'Assets:Clearing:%%'"
                                 " GROUP BY e.id HAVING sum(l.amount_minor) <> 0)"),
                     0);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("journal");
    TCase *t = tcase_create("journal");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_the_mapping_refuses_mistakes_with_their_line);
    tcase_add_test(t, test_a_source_section_wins_over_its_type);
    tcase_add_test(t, test_a_payouts_items_against_its_bank_credit);
    tcase_add_test(t, test_a_bank_line_against_a_ledger_invoice);
    tcase_add_test(t, test_a_fee_variance_goes_to_its_account);
    tcase_add_test(t, test_a_payouts_own_fee_is_posted);
    tcase_add_test(t, test_forced_matches_post_to_suspense_or_conversion);
    tcase_add_test(t, test_parts_post_what_they_take);
    tcase_add_test(t, test_an_amount_at_the_end_of_int64_gets_no_entry);
    tcase_add_test(t, test_an_undone_match_is_reversed_never_edited);
    tcase_add_test(t, test_since_missing_accounts_and_stops_record_nothing);
    tcase_add_test(t, test_a_closed_period_never_changes);
    tcase_add_loop_test(t, test_every_entry_balances_whatever_happens, 0, 8);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    return tu_run(suite());
}
