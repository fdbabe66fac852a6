/* Check suite for lib/ingest/ingest.c, driven through recon_import_file: small CSV
 * files written to a temporary directory are imported into a real SQLite
 * database, and what was stored is read back with plain SQL on a second
 * connection. Covers the canonical mapping (exact stored values), the
 * three layers of idempotency, every rejection reason, whole-file
 * refusals that must write nothing, and a large file. */
#include <dirent.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "profile/profile.h"
#include "recon.h"
#include "testdb.h"

/* ---- environment: a temp dir, a database, a reader connection ----------------- */

static char tmp[256];
static char dbpath[512];
static recon_db *db;
static sqlite3 *sq; /* second connection, for reading back */

static void setup(void) {
    tu_books_open(tmp, sizeof tmp, dbpath, sizeof dbpath, &db, &sq);
}

static void teardown(void) {
    tu_books_close(tmp, db, sq);
}

/* ---- SQL helpers -------------------------------------------------------------- */

static sqlite3_stmt *vquery(const char *fmt, va_list ap) {
    char *sql = sqlite3_vmprintf(fmt, ap);
    sqlite3_stmt *st = NULL;
    ck_assert_msg(sqlite3_prepare_v2(sq, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(sq));
    int step = sqlite3_step(st);
    ck_assert_msg(step == SQLITE_ROW, "no row for: %s (%s)", sql, sqlite3_errmsg(sq));
    sqlite3_free(sql);
    return st;
}

/* One integer, from SQL built with sqlite3_mprintf's format (%Q, %lld). */
static long long qint(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = vquery(fmt, ap);
    va_end(ap);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* One text value, malloc'd; NULL for SQL NULL. */
static char *qtext(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = vquery(fmt, ap);
    va_end(ap);
    const unsigned char *t = sqlite3_column_text(st, 0);
    char *v = t ? strdup((const char *)t) : NULL;
    sqlite3_finalize(st);
    return v;
}

/* Compares a possibly-NULL string with a possibly-NULL expectation. */
#define ASSERT_STR_OR_NULL(got, want, what)                                                        \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (w_ == NULL)                                                                            \
            ck_assert_msg(g_ == NULL, "%s: want NULL, got '%s'", (what), g_);                      \
        else                                                                                       \
            ck_assert_msg(g_ != NULL && strcmp(g_, w_) == 0, "%s: want '%s', got '%s'", (what),    \
                          w_, g_ ? g_ : "(NULL)");                                                 \
    } while (0)

/* Asserts a text column of the transaction with external id `id`. */
static void tx_text_is(const char *id, const char *column, const char *want) {
    char *sql = sqlite3_mprintf("SELECT %s FROM transactions WHERE external_id = %Q", column, id);
    char *got = qtext("%s", sql);
    char what[256];
    snprintf(what, sizeof what, "%s.%s", id, column);
    ASSERT_STR_OR_NULL(got, want, what);
    free(got);
    sqlite3_free(sql);
}

static long long tx_int(const char *id, const char *column) {
    char *sql = sqlite3_mprintf("SELECT %s FROM transactions WHERE external_id = %Q", column, id);
    long long v = qint("%s", sql);
    sqlite3_free(sql);
    return v;
}

static long long count(const char *table) {
    char *sql = sqlite3_mprintf("SELECT count(*) FROM %s", table);
    long long v = qint("%s", sql);
    sqlite3_free(sql);
    return v;
}

/* Nothing at all was written: the refusals promise this. */
static void assert_db_empty(void) {
    ck_assert_int_eq(count("sources"), 0);
    ck_assert_int_eq(count("imports"), 0);
    ck_assert_int_eq(count("transactions"), 0);
    ck_assert_int_eq(count("failures"), 0);
}

/* ---- profiles ----------------------------------------------------------------- */

static recon_profile *parse(const char *text) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_msg(recon_profile_parse(text, "test", &err, &p) == RECON_OK, "%s", err.message);
    return p;
}

/* A PSP layout like generic_psp's, parsed here so that these tests pin the
 * import pipeline, not the built-in data. */
static const char PSP_INI[] = "[profile]\n"
                              "name = test_psp\n"
                              "source_type = psp\n"
                              "[columns]\n"
                              "external_id = id\n"
                              "kind = type\n"
                              "occurred_at = created\n"
                              "settled_at? = available_on\n"
                              "amount = amount, gross\n"
                              "fee? = fee\n"
                              "net? = net\n"
                              "currency = currency\n"
                              "group_id? = payout_id\n"
                              "reference? = reference\n"
                              "description? = description\n"
                              "counterparty? = customer\n"
                              "provider_status? = status\n"
                              "provider_code? = error_code\n"
                              "[kinds]\n"
                              "charge = charge, payment\n"
                              "refund = refund\n"
                              "fee = fee\n"
                              "payout = payout\n"
                              "chargeback = chargeback, dispute\n"
                              "unknown = reject\n";

/* A bank statement without row ids: ids are generated. */
static const char BANK_INI[] = "[profile]\n"
                               "name = test_bank\n"
                               "source_type = bank\n"
                               "[columns]\n"
                               "external_id? = id\n"
                               "occurred_at = date\n"
                               "settled_at? = value_date\n"
                               "amount = amount\n"
                               "currency = currency\n"
                               "reference? = reference\n"
                               "description = description\n"
                               "[kinds]\n"
                               "from_sign = bank_credit, bank_debit\n";

static recon_profile *psp(void) {
    return parse(PSP_INI);
}

static recon_profile *bank(void) {
    return parse(BANK_INI);
}

/* ---- importing ------------------------------------------------------------------ */

static void write_file(const char *name, const void *data, size_t len, char *path, size_t size) {
    tu_write_file(tmp, name, data, len, path, size);
}

static int import_path(const char *path, const recon_profile *p, const recon_import_opts *o,
                       recon_import_result *res) {
    memset(res, 0xAB, sizeof *res);
    int rc = recon_import_file(db, path, p, o, res);
    if (rc == RECON_OK)
        ck_assert_msg(res->rows_read ==
                          res->rows_inserted + res->rows_duplicate + res->rows_rejected,
                      "rows_read %" PRIu64 " != %" PRIu64 " + %" PRIu64 " + %" PRIu64,
                      res->rows_read, res->rows_inserted, res->rows_duplicate, res->rows_rejected);
    return rc;
}

/* Writes `text` to tmp/name and imports it; the import must succeed. */
static recon_import_result import_ok(const char *name, const char *text, const recon_profile *p,
                                     const recon_import_opts *o) {
    char path[512];
    write_file(name, text, strlen(text), path, sizeof path);
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    int rc = import_path(path, p, o, &res);
    ck_assert_msg(rc == RECON_OK, "import of %s: %d %s", name, rc, recon_errmsg(db));
    return res;
}

static int import_text(const char *name, const char *text, const recon_profile *p,
                       recon_import_result *res, char *path, size_t size) {
    write_file(name, text, strlen(text), path, size);
    return import_path(path, p, NULL, res);
}

static void assert_counts(const recon_import_result *r, uint64_t read, uint64_t inserted,
                          uint64_t duplicate, uint64_t rejected) {
    ck_assert_msg(r->rows_read == read && r->rows_inserted == inserted &&
                      r->rows_duplicate == duplicate && r->rows_rejected == rejected,
                  "counts read/inserted/duplicate/rejected: want %" PRIu64 "/%" PRIu64 "/%" PRIu64
                  "/%" PRIu64 ", got %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64,
                  read, inserted, duplicate, rejected, r->rows_read, r->rows_inserted,
                  r->rows_duplicate, r->rows_rejected);
}

/* ---- failures ------------------------------------------------------------------------ */

/* Pass ANY for a column that is not to be checked. */
static const char ANY[] = "<any>";

static void assert_failure(long long import_id, long long line, const char *reason,
                           const char *field, const char *column, const char *raw) {
    ck_assert_int_eq(qint("SELECT count(*) FROM failures WHERE import_id = %lld AND line = %lld",
                          import_id, line),
                     1);
    static const char *const cols[] = {"provider_code", "field", "column_name", "raw"};
    const char *want[] = {reason, field, column, raw};
    for (int i = 0; i < 4; i++) {
        if (want[i] == ANY) continue;
        char *got = qtext("SELECT %s FROM failures WHERE import_id = %lld AND line = %lld", cols[i],
                          import_id, line);
        char what[128];
        snprintf(what, sizeof what, "failure at line %lld: %s", line, cols[i]);
        ASSERT_STR_OR_NULL(got, want[i], what);
        free(got);
    }
    /* Every failure says what is wrong and belongs to the import's source. */
    ck_assert_int_eq(qint("SELECT length(message) > 0 FROM failures WHERE import_id = %lld AND"
                          " line = %lld",
                          import_id, line),
                     1);
    ck_assert_int_eq(qint("SELECT f.source_id = i.source_id FROM failures f JOIN imports i ON"
                          " i.id = f.import_id WHERE f.import_id = %lld AND f.line = %lld",
                          import_id, line),
                     1);
    ck_assert_int_eq(qint("SELECT first_seen IS NOT NULL FROM failures WHERE import_id = %lld"
                          " AND line = %lld",
                          import_id, line),
                     1);
}

/* A PSP file: a header, a good row on line 2, the row under test on line 3.
 * The bad row must be rejected with the given reason, field and column and
 * its raw text kept; the good row goes in. */
#define REJ_HEADER "id,type,created,available_on,amount,fee,net,currency,description"
#define REJ_GOOD "ok_1,charge,2024-05-01T10:00:00Z,,10.00,,,USD,fine"

static long long reject_one_with(const recon_profile *p, const char *header, const char *good,
                                 const char *bad, const char *reason, const char *field,
                                 const char *column) {
    size_t n = strlen(header) + strlen(good) + strlen(bad) + 4;
    char *text = malloc(n);
    ck_assert_ptr_nonnull(text);
    snprintf(text, n, "%s\n%s\n%s\n", header, good, bad);
    recon_import_result r = import_ok("reject.csv", text, p, NULL);
    free(text);
    assert_counts(&r, 2, 1, 0, 1);
    ck_assert_int_eq(count("transactions"), 1);
    ck_assert_int_eq(count("failures"), 1);
    assert_failure(r.import_id, 3, reason, field, column, bad);
    char *status = qtext("SELECT status FROM imports WHERE id = %lld", (long long)r.import_id);
    ck_assert_str_eq(status, "partial");
    free(status);
    return r.import_id;
}

static void reject_one(const char *bad, const char *reason, const char *field, const char *column) {
    recon_profile *p = psp();
    reject_one_with(p, REJ_HEADER, REJ_GOOD, bad, reason, field, column);
    recon_profile_free(p);
}

/* ---- the canonical record ------------------------------------------------------------- */

START_TEST(test_psp_rows_are_stored_with_exact_values) {
    recon_profile *p = psp();
    static const char text[] =
        "id,type,created,available_on,amount,fee,net,currency,payout_id,reference,description,"
        "customer,status,error_code\n"
        "txn_1,charge,2024-05-01T10:00:00Z,2024-05-03,100.00,3.20,96.80,USD,po_1,order-1,"
        "First order,ann@example.com,succeeded,\n"
        "txn_2,Refund,2024-05-02 08:30:15,,-25.50,0.00,-25.50,usd,po_1,,Refund,,,\n"
        "txn_3,fee,2024-05-02,,-1.00,,,EUR,,,,,,\n"
        "txn_4,payment,2024-05-03T23:59:59+02:00,2024-05-04T00:00:00Z,0.05,0.01,0.04,EUR,,"
        "order-4,,,failed,card_declined\n";
    recon_import_result r = import_ok("psp.csv", text, p, NULL);
    assert_counts(&r, 4, 4, 0, 0);
    ck_assert_int_eq(r.already_imported, 0);
    ck_assert_int_gt(r.import_id, 0);
    ck_assert_int_eq(count("transactions"), 4);
    ck_assert_int_eq(count("failures"), 0);

    /* txn_1: every column. */
    tx_text_is("txn_1", "kind", "charge");
    tx_text_is("txn_1", "kind_raw", "charge");
    ck_assert_int_eq(tx_int("txn_1", "amount_minor"), 10000);
    ck_assert_int_eq(tx_int("txn_1", "fee_minor"), 320);
    ck_assert_int_eq(tx_int("txn_1", "net_minor"), 9680);
    tx_text_is("txn_1", "currency", "USD");
    tx_text_is("txn_1", "occurred_at", "2024-05-01T10:00:00Z");
    tx_text_is("txn_1", "settled_at", "2024-05-03");
    tx_text_is("txn_1", "group_id", "po_1");
    tx_text_is("txn_1", "reference", "order-1");
    tx_text_is("txn_1", "description", "First order");
    tx_text_is("txn_1", "counterparty", "ann@example.com");
    tx_text_is("txn_1", "provider_status", "succeeded");
    tx_text_is("txn_1", "provider_code", NULL); /* empty cell: NULL, not '' */
    {
        char *st = qtext("SELECT s.status FROM v_transaction_status s JOIN transactions t"
                         " ON t.id = s.transaction_id WHERE t.external_id = 'txn_1'");
        ASSERT_STR_OR_NULL(st, "unmatched", "txn_1 derived status");
        free(st);
    }
    ck_assert_int_eq(tx_int("txn_1", "id_generated"), 0);
    ck_assert_int_eq(tx_int("txn_1", "line"), 2);
    ck_assert_int_eq(tx_int("txn_1", "import_id"), r.import_id);
    tx_text_is("txn_1", "raw",
               "txn_1,charge,2024-05-01T10:00:00Z,2024-05-03,100.00,3.20,96.80,USD,po_1,order-1,"
               "First order,ann@example.com,succeeded,");

    /* txn_2: kind matched case-insensitively and kept raw; lower-case
     * currency normalized; a local time without zone is UTC. */
    tx_text_is("txn_2", "kind", "refund");
    tx_text_is("txn_2", "kind_raw", "Refund");
    ck_assert_int_eq(tx_int("txn_2", "amount_minor"), -2550);
    ck_assert_int_eq(tx_int("txn_2", "fee_minor"), 0);
    ck_assert_int_eq(tx_int("txn_2", "net_minor"), -2550);
    tx_text_is("txn_2", "currency", "USD");
    tx_text_is("txn_2", "occurred_at", "2024-05-02T08:30:15Z");
    tx_text_is("txn_2", "settled_at", NULL);
    tx_text_is("txn_2", "reference", NULL);
    ck_assert_int_eq(tx_int("txn_2", "line"), 3);

    /* txn_3: no fee and no net: fee 0, net = amount. Date-only stays a date. */
    tx_text_is("txn_3", "kind", "fee");
    ck_assert_int_eq(tx_int("txn_3", "amount_minor"), -100);
    ck_assert_int_eq(tx_int("txn_3", "fee_minor"), 0);
    ck_assert_int_eq(tx_int("txn_3", "net_minor"), -100);
    tx_text_is("txn_3", "currency", "EUR");
    tx_text_is("txn_3", "occurred_at", "2024-05-02");
    tx_text_is("txn_3", "group_id", NULL);
    tx_text_is("txn_3", "description", NULL);

    /* txn_4: an alias of charge; the row's own zone offset is applied. */
    tx_text_is("txn_4", "kind", "charge");
    tx_text_is("txn_4", "kind_raw", "payment");
    ck_assert_int_eq(tx_int("txn_4", "amount_minor"), 5);
    ck_assert_int_eq(tx_int("txn_4", "fee_minor"), 1);
    ck_assert_int_eq(tx_int("txn_4", "net_minor"), 4);
    tx_text_is("txn_4", "occurred_at", "2024-05-03T21:59:59Z");
    tx_text_is("txn_4", "settled_at", "2024-05-04T00:00:00Z");
    tx_text_is("txn_4", "provider_status", "failed");
    tx_text_is("txn_4", "provider_code", "card_declined");
    ck_assert_int_eq(tx_int("txn_4", "line"), 5);

    /* All rows belong to the source named after the profile. */
    char *name = qtext("SELECT name FROM sources");
    ck_assert_str_eq(name, "test_psp");
    free(name);
    char *type = qtext("SELECT type FROM sources");
    ck_assert_str_eq(type, "psp");
    free(type);
    ck_assert_int_eq(qint("SELECT count(*) FROM transactions WHERE source_id ="
                          " (SELECT id FROM sources WHERE name = 'test_psp')"),
                     4);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_amounts_use_each_currency_exponent) {
    recon_profile *p = psp();
    static const char text[] = "id,type,created,amount,fee,currency\n"
                               "j1,charge,2024-05-01,1500,10,JPY\n"
                               "k1,charge,2024-05-01,1.234,0.005,KWD\n"
                               "u1,charge,2024-05-01,7.1,,USD\n"
                               "u2,charge,2024-05-01,-.5,,USD\n"
                               "u3,charge,2024-05-01,2.500,,USD\n"
                               "max,charge,2024-05-01,92233720368547758.07,,USD\n"
                               "min,charge,2024-05-01,-92233720368547758.07,,USD\n";
    recon_import_result r = import_ok("ccy.csv", text, p, NULL);
    assert_counts(&r, 7, 7, 0, 0);
    ck_assert_int_eq(tx_int("j1", "amount_minor"), 1500);
    ck_assert_int_eq(tx_int("j1", "fee_minor"), 10);
    ck_assert_int_eq(tx_int("j1", "net_minor"), 1490);
    ck_assert_int_eq(tx_int("k1", "amount_minor"), 1234);
    ck_assert_int_eq(tx_int("k1", "fee_minor"), 5);
    ck_assert_int_eq(tx_int("k1", "net_minor"), 1229);
    ck_assert_int_eq(tx_int("u1", "amount_minor"), 710);
    ck_assert_int_eq(tx_int("u2", "amount_minor"), -50);
    ck_assert_int_eq(tx_int("u3", "amount_minor"), 250); /* trailing zeros are exact */
    ck_assert_int_eq(tx_int("max", "amount_minor"), INT64_MAX);
    ck_assert_int_eq(tx_int("min", "amount_minor"), -INT64_MAX);
    ck_assert_int_eq(qint("SELECT count(*) FROM transactions WHERE typeof(amount_minor) ="
                          " 'integer' AND typeof(fee_minor) = 'integer' AND typeof(net_minor) ="
                          " 'integer'"),
                     7);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_net_is_amount_minus_fee_when_absent_and_as_given_otherwise) {
    recon_profile *p = psp();
    static const char text[] = "id,type,created,amount,fee,net,currency\n"
                               "a,charge,2024-05-01,100.00,2.90,,EUR\n"
                               "b,refund,2024-05-01,-100.00,0.50,,EUR\n"
                               "c,charge,2024-05-01,100.00,2.90,97.10,EUR\n";
    recon_import_result r = import_ok("net.csv", text, p, NULL);
    assert_counts(&r, 3, 3, 0, 0);
    ck_assert_int_eq(tx_int("a", "net_minor"), 9710);
    ck_assert_int_eq(tx_int("b", "net_minor"), -10050);
    ck_assert_int_eq(tx_int("c", "net_minor"), 9710);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_signed_fee_is_stored_as_a_cost) {
    char ini[2048];
    snprintf(ini, sizeof ini, "%s[amounts]\nfee = signed\n", PSP_INI);
    recon_profile *p = parse(ini);
    static const char text[] = "id,type,created,amount,fee,currency\n"
                               "a,charge,2024-05-01,100.00,-2.90,EUR\n"
                               "b,charge,2024-05-01,100.00,0.10,EUR\n";
    recon_import_result r = import_ok("fee.csv", text, p, NULL);
    assert_counts(&r, 2, 2, 0, 0);
    ck_assert_int_eq(tx_int("a", "fee_minor"), 290);
    ck_assert_int_eq(tx_int("a", "net_minor"), 9710);
    ck_assert_int_eq(tx_int("b", "fee_minor"), -10); /* a rebate */
    ck_assert_int_eq(tx_int("b", "net_minor"), 10010);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_invert_negates_signed_amounts) {
    char ini[2048];
    snprintf(ini, sizeof ini, "%s[amounts]\ninvert = yes\n", PSP_INI);
    recon_profile *p = parse(ini);
    static const char text[] = "id,type,created,amount,currency\n"
                               "a,charge,2024-05-01,12.34,EUR\n"
                               "b,refund,2024-05-01,-5.00,EUR\n";
    recon_import_result r = import_ok("inv.csv", text, p, NULL);
    assert_counts(&r, 2, 2, 0, 0);
    ck_assert_int_eq(tx_int("a", "amount_minor"), -1234);
    ck_assert_int_eq(tx_int("a", "net_minor"), -1234);
    ck_assert_int_eq(tx_int("b", "amount_minor"), 500);
    recon_profile_free(p);
}
END_TEST

/* A file's net column is written like its amount column: whatever sign rule
 * negates the amount negates the net too, so that net = amount - fee. */
START_TEST(test_file_net_is_signed_like_the_amount) {
    char ini[2048];
    /* invert: a report from the other party's side (their -10 is our +10;
     * the fee is a cost either way). */
    snprintf(ini, sizeof ini, "%s[amounts]\ninvert = yes\n", PSP_INI);
    recon_profile *p = parse(ini);
    import_ok("inv.csv",
              "id,type,created,amount,fee,net,currency\n"
              "i1,charge,2024-05-01,-10.00,1.00,-9.00,EUR\n",
              p, NULL);
    recon_profile_free(p);
    ck_assert_int_eq(tx_int("i1", "amount_minor"), 1000);
    ck_assert_int_eq(tx_int("i1", "fee_minor"), 100);
    ck_assert_int_eq(tx_int("i1", "net_minor"), 900);
    /* sign = direction: unsigned amount and net, a debit row. */
    p = parse("[profile]\nname = dirnet\nsource_type = bank\n[columns]\nexternal_id = ref\n"
              "occurred_at = date\namount = amount\nfee = fee\nnet = net\ndirection = dc\n"
              "currency = ccy\n[amounts]\nsign = direction\ncredit_values = C\n"
              "debit_values = D\n[kinds]\nfrom_sign = bank_credit, bank_debit\n");
    import_ok("dir.csv",
              "ref,date,amount,fee,net,dc,ccy\n"
              "d1,2024-05-01,10.00,0.50,10.50,D,EUR\n"
              "c1,2024-05-01,10.00,0.50,9.50,C,EUR\n",
              p, NULL);
    recon_profile_free(p);
    ck_assert_int_eq(tx_int("d1", "amount_minor"), -1000);
    ck_assert_int_eq(tx_int("d1", "net_minor"), -1050);
    ck_assert_int_eq(tx_int("c1", "net_minor"), 950);
    /* sign = debit_credit: the debit column is money out, and so is its net;
     * a debit written negative already carries its sign, and so does its net. */
    p = parse("[profile]\nname = dcnet\nsource_type = bank\n[columns]\nexternal_id = ref\n"
              "occurred_at = date\ndebit = debit\ncredit = credit\nfee = fee\nnet = net\n"
              "currency = ccy\n[amounts]\nsign = debit_credit\n"
              "[kinds]\nfrom_sign = bank_credit, bank_debit\n");
    import_ok("dc.csv",
              "ref,date,debit,credit,fee,net,ccy\n"
              "x1,2024-05-01,10.00,,0.50,10.50,EUR\n"
              "x2,2024-05-01,-10.00,,0.50,-10.50,EUR\n"
              "x3,2024-05-01,,10.00,0.50,9.50,EUR\n",
              p, NULL);
    recon_profile_free(p);
    ck_assert_int_eq(tx_int("x1", "net_minor"), -1050);
    ck_assert_int_eq(tx_int("x2", "net_minor"), -1050);
    ck_assert_int_eq(tx_int("x3", "net_minor"), 950);
    ck_assert_int_eq(qint("SELECT count(*) FROM transactions WHERE net_minor != amount_minor -"
                          " fee_minor"),
                     0);
}
END_TEST

START_TEST(test_minor_units_are_taken_as_is) {
    char ini[2048];
    snprintf(ini, sizeof ini, "%s[amounts]\nunits = minor\n", PSP_INI);
    recon_profile *p = parse(ini);
    static const char text[] = "id,type,created,amount,fee,currency\n"
                               "a,charge,2024-05-01,12345,30,EUR\n"
                               "b,charge,2024-05-01,500,,JPY\n";
    recon_import_result r = import_ok("minor.csv", text, p, NULL);
    assert_counts(&r, 2, 2, 0, 0);
    ck_assert_int_eq(tx_int("a", "amount_minor"), 12345);
    ck_assert_int_eq(tx_int("a", "fee_minor"), 30);
    ck_assert_int_eq(tx_int("a", "net_minor"), 12315);
    ck_assert_int_eq(tx_int("b", "amount_minor"), 500);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_unknown_kind_maps_to_other_when_profile_says_so) {
    char ini[2048];
    snprintf(ini, sizeof ini, "%s", PSP_INI);
    char *unknown = strstr(ini, "unknown = reject");
    ck_assert_ptr_nonnull(unknown);
    memcpy(unknown, "unknown = other ", 16);
    recon_profile *p = parse(ini);
    static const char text[] = "id,type,created,amount,currency\n"
                               "a,Bonus Credit,2024-05-01,1.00,EUR\n"
                               "b,charge,2024-05-01,1.00,EUR\n";
    recon_import_result r = import_ok("other.csv", text, p, NULL);
    assert_counts(&r, 2, 2, 0, 0);
    tx_text_is("a", "kind", "other");
    tx_text_is("a", "kind_raw", "Bonus Credit");
    tx_text_is("b", "kind", "charge");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_kind_from_sign_and_default_kind) {
    recon_profile *p = bank();
    static const char text[] = "id,date,amount,currency,description\n"
                               "b1,2024-05-01,250.00,EUR,Salary\n"
                               "b2,2024-05-01,-3.50,EUR,Coffee\n"
                               "b3,2024-05-01,0.00,EUR,Zero\n";
    recon_import_result r = import_ok("sign.csv", text, p, NULL);
    assert_counts(&r, 3, 3, 0, 0);
    tx_text_is("b1", "kind", "bank_credit");
    tx_text_is("b2", "kind", "bank_debit");
    tx_text_is("b3", "kind", "bank_credit"); /* zero counts as >= 0 */
    tx_text_is("b1", "kind_raw", NULL);
    recon_profile_free(p);

    p = parse("[profile]\nname = ledger\nsource_type = ledger\n[columns]\nexternal_id = id\n"
              "occurred_at = date\namount = amount\n[amounts]\ncurrency = GBP\n"
              "[kinds]\ndefault = adjustment\n");
    r = import_ok("ledger.csv", "id,date,amount\nL1,2024-05-01,-7.00\n", p, NULL);
    assert_counts(&r, 1, 1, 0, 0);
    tx_text_is("L1", "kind", "adjustment");
    tx_text_is("L1", "currency", "GBP"); /* the fixed currency */
    ck_assert_int_eq(tx_int("L1", "amount_minor"), -700);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_fixed_currency_fills_empty_optional_currency_cells) {
    recon_profile *p = parse("[profile]\nname = fx\nsource_type = psp\n[columns]\n"
                             "external_id = id\noccurred_at = date\namount = amount\n"
                             "currency? = ccy\n[amounts]\ncurrency = CHF\n"
                             "[kinds]\ndefault = charge\n");
    recon_import_result r = import_ok(
        "fx.csv", "id,date,amount,ccy\na,2024-05-01,1.00,\nb,2024-05-01,1.00,EUR\n", p, NULL);
    assert_counts(&r, 2, 2, 0, 0);
    tx_text_is("a", "currency", "CHF");
    tx_text_is("b", "currency", "EUR");
    /* The column may also be missing altogether. */
    r = import_ok("fx2.csv", "id,date,amount\nc,2024-05-01,1.00\n", p, NULL);
    assert_counts(&r, 1, 1, 0, 0);
    tx_text_is("c", "currency", "CHF");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_cells_are_trimmed_and_quoted_fields_unquoted) {
    recon_profile *p = psp();
    static const char text[] = "id , Type,CREATED,Amount,Currency,Description\n"
                               "  q1  ,\tcharge\t,2024-05-01, 1.00 ,EUR,\"Hello, \"\"world\"\"\"\n";
    recon_import_result r = import_ok("trim.csv", text, p, NULL);
    assert_counts(&r, 1, 1, 0, 0);
    tx_text_is("q1", "kind", "charge");
    tx_text_is("q1", "kind_raw", "charge");
    ck_assert_int_eq(tx_int("q1", "amount_minor"), 100);
    tx_text_is("q1", "description", "Hello, \"world\"");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_line_numbers_and_raw_text_follow_the_file) {
    recon_profile *p = psp();
    /* A BOM, CRLF endings, blank lines, and a quoted field spanning lines. */
    static const char text[] = "\xEF\xBB\xBFid,type,created,amount,currency,description\r\n"
                               "l1,charge,2024-05-01,1.00,EUR,one\r\n"
                               "\r\n"
                               "l2,charge,2024-05-01,2.00,EUR,\"two\r\nlines\"\r\n"
                               "l3,charge,2024-05-01,3.00,EUR,three\r\n"
                               "\r\n"
                               "\r\n"
                               "l4,charge,2024-05-01,4.00,EUR,four";
    recon_import_result r = import_ok("lines.csv", text, p, NULL);
    assert_counts(&r, 4, 4, 0, 0); /* blank lines are not rows */
    ck_assert_int_eq(tx_int("l1", "line"), 2);
    ck_assert_int_eq(tx_int("l2", "line"), 4);
    ck_assert_int_eq(tx_int("l3", "line"), 6);
    ck_assert_int_eq(tx_int("l4", "line"), 9);
    tx_text_is("l1", "raw", "l1,charge,2024-05-01,1.00,EUR,one");
    tx_text_is("l2", "raw", "l2,charge,2024-05-01,2.00,EUR,\"two\r\nlines\"");
    tx_text_is("l2", "description", "two\r\nlines");
    tx_text_is("l4", "raw", "l4,charge,2024-05-01,4.00,EUR,four");
    recon_profile_free(p);
}
END_TEST

/* ---- the import record -------------------------------------------------------------- */

START_TEST(test_import_record_has_counts_status_and_times) {
    recon_profile *p = psp();
    char path[512];
    static const char text[] = "id,type,created,amount,currency\n"
                               "a,charge,2024-05-01,1.00,EUR\n"
                               "b,charge,2024-05-01,2.00,EUR\n";
    write_file("ok.csv", text, strlen(text), path, sizeof path);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_path(path, p, NULL, &r), RECON_OK);
    long long id = r.import_id;
    char *s = qtext("SELECT status FROM imports WHERE id = %lld", id);
    ck_assert_str_eq(s, "ok");
    free(s);
    ck_assert_int_eq(qint("SELECT rows_read FROM imports WHERE id = %lld", id), 2);
    ck_assert_int_eq(qint("SELECT rows_inserted FROM imports WHERE id = %lld", id), 2);
    ck_assert_int_eq(qint("SELECT rows_duplicate FROM imports WHERE id = %lld", id), 0);
    ck_assert_int_eq(qint("SELECT rows_rejected FROM imports WHERE id = %lld", id), 0);
    ck_assert_int_eq(qint("SELECT file_size FROM imports WHERE id = %lld", id),
                     (long long)strlen(text));
    s = qtext("SELECT file_name FROM imports WHERE id = %lld", id);
    ck_assert_str_eq(s, path);
    free(s);
    s = qtext("SELECT profile FROM imports WHERE id = %lld", id);
    ck_assert_str_eq(s, "test_psp");
    free(s);
    s = qtext("SELECT sha256 FROM imports WHERE id = %lld", id);
    ck_assert_str_eq(s, r.sha256);
    free(s);
    /* Times are UTC ISO 8601, finished not before started. */
    ck_assert_int_eq(qint("SELECT finished_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T"
                          "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z' AND started_at GLOB '[0-9]*Z' AND"
                          " finished_at >= started_at FROM imports WHERE id = %lld",
                          id),
                     1);

    /* A file with a rejected row is 'partial', with the counts. */
    static const char partial[] = "id,type,created,amount,currency\n"
                                  "c,charge,2024-05-01,1.00,EUR\n"
                                  "d,charge,2024-05-01,oops,EUR\n"
                                  "a,charge,2024-05-01,1.00,EUR\n";
    recon_import_result r2 = import_ok("partial.csv", partial, p, NULL);
    assert_counts(&r2, 3, 1, 1, 1);
    id = r2.import_id;
    s = qtext("SELECT status FROM imports WHERE id = %lld", id);
    ck_assert_str_eq(s, "partial");
    free(s);
    ck_assert_int_eq(qint("SELECT rows_read || '/' || rows_inserted || '/' || rows_duplicate ||"
                          " '/' || rows_rejected = '3/1/1/1' FROM imports WHERE id = %lld",
                          id),
                     1);
    ck_assert_int_eq(qint("SELECT finished_at IS NOT NULL FROM imports WHERE id = %lld", id), 1);
    ck_assert_int_eq(count("imports"), 2);
    ck_assert_int_eq(qint("SELECT count(*) FROM imports WHERE status = 'running'"), 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_source_and_file_name_options_are_recorded) {
    recon_profile *p = psp();
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = "stripe_eu";
    o.file_name = "stripe-2024-05.csv";
    recon_import_result r = import_ok(
        "x.csv", "id,type,created,amount,currency\na,charge,2024-05-01,1.00,EUR\n", p, &o);
    assert_counts(&r, 1, 1, 0, 0);
    char *s = qtext("SELECT s.name || '|' || s.type || '|' || i.file_name FROM imports i JOIN"
                    " sources s ON s.id = i.source_id WHERE i.id = %lld",
                    (long long)r.import_id);
    ck_assert_str_eq(s, "stripe_eu|psp|stripe-2024-05.csv");
    free(s);
    ck_assert_int_eq(count("sources"), 1);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_sha256_is_the_digest_of_the_file_bytes) {
    recon_profile *p = psp();
    /* printf '...' | sha256sum */
    static const char text[] = "id,type,created,amount,currency\n"
                               "sha_1,charge,2024-05-01,1.00,USD\n";
    static const char want[] = "a04cd2a53a4ccbaf510aec5ed37d44f3d716aac4a54f83e3f3f39eb85c5d2670";
    recon_import_result r = import_ok("sha.csv", text, p, NULL);
    ck_assert_str_eq(r.sha256, want);
    char *s = qtext("SELECT sha256 FROM imports WHERE id = %lld", (long long)r.import_id);
    ck_assert_str_eq(s, want);
    free(s);
    /* The re-import path hashes the file separately: same digest. */
    r = import_ok("sha.csv", text, p, NULL);
    ck_assert_int_eq(r.already_imported, 1);
    ck_assert_str_eq(r.sha256, want);
    recon_profile_free(p);

    /* printf 'abc\n' | sha256sum, through a header-less one-column layout
     * (the row itself is rejected: "abc" is not an amount). */
    p = parse("[profile]\nname = one\nsource_type = ledger\nheader = no\ncolumns = 1\n"
              "[columns]\noccurred_at = #1\namount = #1\n[amounts]\ncurrency = EUR\n"
              "[kinds]\ndefault = other\n");
    r = import_ok("abc.csv", "abc\n", p, NULL);
    assert_counts(&r, 1, 0, 0, 1);
    ck_assert_str_eq(r.sha256, "edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb");
    recon_profile_free(p);
}
END_TEST

typedef struct {
    int calls;
    uint64_t total, last_done, last_rows;
    int monotonic;
} progress_log;

static void on_progress(const recon_progress *pr, void *payload) {
    progress_log *l = payload;
    if (l->calls && (pr->bytes_done < l->last_done || pr->rows < l->last_rows)) l->monotonic = 0;
    if (l->calls && pr->bytes_total != l->total) l->monotonic = 0;
    l->calls++;
    l->total = pr->bytes_total;
    l->last_done = pr->bytes_done;
    l->last_rows = pr->rows;
}

START_TEST(test_progress_reports_the_file_size) {
    recon_profile *p = psp();
    static const char text[] = "id,type,created,amount,currency\n"
                               "a,charge,2024-05-01,1.00,EUR\n"
                               "b,charge,2024-05-01,2.00,EUR\n";
    progress_log log = {0, 0, 0, 0, 1};
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.progress = on_progress;
    o.payload = &log;
    recon_import_result r = import_ok("prog.csv", text, p, &o);
    ck_assert_int_ge(log.calls, 1);
    ck_assert_uint_eq(log.total, strlen(text));
    ck_assert_uint_eq(log.last_done, strlen(text));
    ck_assert_uint_eq(log.last_rows, r.rows_read);
    ck_assert(log.monotonic);
    recon_profile_free(p);
}
END_TEST

/* Records that are not rows (here totals rows before any row) do not each
 * report progress: a small file reports once, at its end. */
START_TEST(test_progress_is_not_reported_per_record_before_the_first_row) {
    recon_profile *p =
        parse("[profile]\nname = tot\nsource_type = psp\n"
              "[columns]\nexternal_id = id\nkind = type\n"
              "occurred_at = created\namount = amount\ncurrency = currency\n"
              "[kinds]\ncharge = charge\n"
              "[totals]\nwhen = type: total\ncurrency = currency\namount = amount\n");
    progress_log log = {0, 0, 0, 0, 1};
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.progress = on_progress;
    o.payload = &log;
    recon_import_result r = import_ok("pre.csv",
                                      "id,type,created,amount,currency\n"
                                      ",total,,0.00,EUR\n,total,,0.00,EUR\n,total,,0.00,EUR\n"
                                      "a,charge,2024-05-01,1.00,EUR\n",
                                      p, &o);
    ck_assert_int_eq(r.checks_passed, 3);
    ck_assert_int_eq(log.calls, 1);
    ck_assert_uint_eq(log.last_rows, 1);
    recon_profile_free(p);
}
END_TEST

/* ---- idempotency: files --------------------------------------------------------------- */

static const char THREE[] = "id,type,created,amount,currency\n"
                            "t1,charge,2024-05-01,1.00,EUR\n"
                            "t2,charge,2024-05-02,2.00,EUR\n"
                            "t3,charge,2024-05-03,3.00,EUR\n";

START_TEST(test_reimport_of_the_same_file_is_a_noop) {
    recon_profile *p = psp();
    recon_import_result first = import_ok("a.csv", THREE, p, NULL);
    assert_counts(&first, 3, 3, 0, 0);
    recon_import_result again = import_ok("a.csv", THREE, p, NULL);
    ck_assert_int_eq(again.already_imported, 1);
    ck_assert_int_eq(again.import_id, first.import_id);
    ck_assert_str_eq(again.sha256, first.sha256);
    ck_assert_uint_eq(again.rows_inserted, 0);
    ck_assert_int_eq(count("transactions"), 3);
    ck_assert_int_eq(count("imports"), 1);
    ck_assert_int_eq(count("failures"), 0);
    /* Same bytes under another name: still the same file. */
    recon_import_result copy = import_ok("copy-of-a.csv", THREE, p, NULL);
    ck_assert_int_eq(copy.already_imported, 1);
    ck_assert_int_eq(copy.import_id, first.import_id);
    ck_assert_int_eq(count("imports"), 1);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reimport_with_rejected_rows_does_not_duplicate_failures) {
    recon_profile *p = psp();
    static const char text[] = "id,type,created,amount,currency\n"
                               "a,charge,2024-05-01,1.00,EUR\n"
                               "b,charge,2024-05-01,x,EUR\n";
    recon_import_result first = import_ok("f.csv", text, p, NULL);
    assert_counts(&first, 2, 1, 0, 1);
    recon_import_result again = import_ok("f.csv", text, p, NULL);
    ck_assert_int_eq(again.already_imported, 1);
    ck_assert_int_eq(again.import_id, first.import_id);
    ck_assert_int_eq(count("failures"), 1);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_file_of_same_size_but_other_bytes_is_imported) {
    recon_profile *p = psp();
    recon_import_result a = import_ok("a.csv", THREE, p, NULL);
    /* Same length as THREE, one digit different: the earlier import's size
     * matches, so the file is hashed first and must then be read again
     * from its start. */
    char other[sizeof THREE];
    memcpy(other, THREE, sizeof THREE);
    char *digit = strstr(other, "3.00");
    ck_assert_ptr_nonnull(digit);
    digit[0] = '4';
    recon_import_result b = import_ok("b.csv", other, p, NULL);
    ck_assert_int_eq(b.already_imported, 0);
    ck_assert_int_ne(b.import_id, a.import_id);
    ck_assert_str_ne(b.sha256, a.sha256);
    assert_counts(&b, 3, 0, 2, 1);
    assert_failure(b.import_id, 4, "duplicate_conflict", "external_id", "id",
                   "t3,charge,2024-05-03,4.00,EUR");
    ck_assert_int_eq(count("imports"), 2);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_same_file_into_another_source_is_imported_again) {
    recon_profile *p = psp();
    recon_import_result first = import_ok("a.csv", THREE, p, NULL);
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = "second_account";
    recon_import_result other = import_ok("a.csv", THREE, p, &o);
    ck_assert_int_eq(other.already_imported, 0);
    ck_assert_int_ne(other.import_id, first.import_id);
    assert_counts(&other, 3, 3, 0, 0);
    ck_assert_int_eq(count("transactions"), 6);
    ck_assert_int_eq(count("sources"), 2);
    recon_profile_free(p);
}
END_TEST

/* ---- idempotency: rows with ids ---------------------------------------------------------- */

START_TEST(test_overlapping_files_count_duplicates) {
    recon_profile *p = psp();
    recon_import_result a = import_ok("a.csv", THREE, p, NULL);
    assert_counts(&a, 3, 3, 0, 0);
    static const char overlap[] = "id,type,created,amount,currency\n"
                                  "t2,charge,2024-05-02,2.00,EUR\n"
                                  "t3,charge,2024-05-03,3.00,EUR\n"
                                  "t4,charge,2024-05-04,4.00,EUR\n";
    recon_import_result b = import_ok("b.csv", overlap, p, NULL);
    assert_counts(&b, 3, 1, 2, 0);
    ck_assert_int_eq(count("transactions"), 4);
    /* The duplicates stay with the import that stored them first. */
    ck_assert_int_eq(tx_int("t2", "import_id"), a.import_id);
    ck_assert_int_eq(tx_int("t4", "import_id"), b.import_id);
    ck_assert_int_eq(tx_int("t4", "line"), 4);
    char *s = qtext("SELECT status FROM imports WHERE id = %lld", (long long)b.import_id);
    ck_assert_str_eq(s, "ok"); /* duplicates are not failures */
    free(s);
    ck_assert_int_eq(count("failures"), 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reexported_rows_with_same_content_are_duplicates) {
    recon_profile *p = psp();
    import_ok("a.csv", THREE, p, NULL);
    /* Other column order, quoting, padding, number spelling and case. */
    static const char reexport[] = "currency,amount,id,created,type\n"
                                   "eur,1.0,\"t1\",2024-05-01,CHARGE\n"
                                   "EUR, 2.000 ,t2,2024-05-02,charge\n";
    recon_import_result b = import_ok("b.csv", reexport, p, NULL);
    assert_counts(&b, 2, 0, 2, 0);
    ck_assert_int_eq(count("failures"), 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_same_id_twice_in_one_file) {
    recon_profile *p = psp();
    static const char text[] = "id,type,created,amount,currency\n"
                               "d1,charge,2024-05-01,1.00,EUR\n"
                               "d1,charge,2024-05-01,1.00,EUR\n"
                               "d2,charge,2024-05-01,5.00,EUR\n"
                               "d2,charge,2024-05-01,6.00,EUR\n";
    recon_import_result r = import_ok("dup.csv", text, p, NULL);
    assert_counts(&r, 4, 2, 1, 1);
    ck_assert_int_eq(tx_int("d1", "line"), 2);
    ck_assert_int_eq(tx_int("d2", "amount_minor"), 500);
    assert_failure(r.import_id, 5, "duplicate_conflict", "external_id", "id",
                   "d2,charge,2024-05-01,6.00,EUR");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_duplicate_id_with_different_content_is_rejected_and_original_kept) {
    recon_profile *p = psp();
    recon_import_result a = import_ok("a.csv", THREE, p, NULL);
    static const char changed[] = "id,type,created,amount,currency\n"
                                  "t4,charge,2024-05-04,4.00,EUR\n"
                                  "t2,charge,2024-05-02,2.50,EUR\n";
    recon_import_result b = import_ok("b.csv", changed, p, NULL);
    assert_counts(&b, 2, 1, 0, 1);
    assert_failure(b.import_id, 3, "duplicate_conflict", "external_id", "id",
                   "t2,charge,2024-05-02,2.50,EUR");
    /* The message points at the stored row. */
    char *msg =
        qtext("SELECT message FROM failures WHERE import_id = %lld", (long long)b.import_id);
    ck_assert_msg(strstr(msg, "t2") != NULL, "%s", msg);
    free(msg);
    /* The original row is untouched. */
    ck_assert_int_eq(tx_int("t2", "amount_minor"), 200);
    ck_assert_int_eq(tx_int("t2", "import_id"), a.import_id);
    ck_assert_int_eq(tx_int("t2", "line"), 3);
    tx_text_is("t2", "raw", "t2,charge,2024-05-02,2.00,EUR");
    ck_assert_int_eq(count("transactions"), 4);
    char *s = qtext("SELECT status FROM imports WHERE id = %lld", (long long)b.import_id);
    ck_assert_str_eq(s, "partial");
    free(s);

    /* A change in any canonical field is a conflict, not a duplicate. */
    static const char other_kind[] = "id,type,created,amount,currency\n"
                                     "t1,refund,2024-05-01,1.00,EUR\n"
                                     "t3,charge,2024-05-03T00:00:01Z,3.00,EUR\n";
    recon_import_result c = import_ok("c.csv", other_kind, p, NULL);
    assert_counts(&c, 2, 0, 0, 2);
    recon_profile_free(p);
}
END_TEST

/* ---- idempotency: generated ids -------------------------------------------------------------- */

/* Checks "gen:<date>:<24 hex>:<k>" and returns the hex part in hash. */
static void check_gen_id(const char *id, const char *date, int k, char hash[25]) {
    ck_assert_msg(strncmp(id, "gen:", 4) == 0, "%s", id);
    ck_assert_msg(strncmp(id + 4, date, 10) == 0 && id[14] == ':', "%s (want date %s)", id, date);
    for (int i = 0; i < 24; i++)
        ck_assert_msg((id[15 + i] >= '0' && id[15 + i] <= '9') ||
                          (id[15 + i] >= 'a' && id[15 + i] <= 'f'),
                      "%s: not lower-case hex", id);
    ck_assert_msg(id[39] == ':', "%s", id);
    char want_k[24];
    snprintf(want_k, sizeof want_k, "%d", k);
    ck_assert_msg(strcmp(id + 40, want_k) == 0, "%s: want occurrence %d", id, k);
    memcpy(hash, id + 15, 24);
    hash[24] = '\0';
}

static char *id_at_line(long long import_id, long long line) {
    return qtext("SELECT external_id FROM transactions WHERE import_id = %lld AND line = %lld",
                 import_id, line);
}

#define STATEMENT_HEADER "date,amount,currency,description\n"
#define COFFEE "2024-05-01,-3.50,EUR,Coffee\n"
#define SALARY "2024-05-02,2500.00,EUR,Salary\n"
#define RENT "2024-05-03,-900.00,EUR,Rent\n"

START_TEST(test_generated_ids_have_date_hash_and_occurrence) {
    recon_profile *p = bank();
    recon_import_result r = import_ok("s1.csv", STATEMENT_HEADER COFFEE COFFEE SALARY, p, NULL);
    assert_counts(&r, 3, 3, 0, 0);
    ck_assert_int_eq(qint("SELECT count(*) FROM transactions WHERE id_generated = 1"), 3);
    char h1[25], h2[25], h3[25];
    char *id = id_at_line(r.import_id, 2);
    check_gen_id(id, "2024-05-01", 1, h1);
    free(id);
    id = id_at_line(r.import_id, 3);
    check_gen_id(id, "2024-05-01", 2, h2);
    free(id);
    id = id_at_line(r.import_id, 4);
    check_gen_id(id, "2024-05-02", 1, h3);
    free(id);
    ck_assert_str_eq(h1, h2); /* same content, same hash */
    ck_assert_str_ne(h1, h3); /* other content, other hash */
    char *kind = qtext("SELECT kind FROM transactions WHERE import_id = %lld AND line = 4",
                       (long long)r.import_id);
    ck_assert_str_eq(kind, "bank_credit");
    free(kind);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_generated_id_date_is_the_utc_date_of_the_row) {
    recon_profile *p = bank();
    recon_import_result r =
        import_ok("s.csv", STATEMENT_HEADER "2024-05-01T23:30:00-02:00,-1.00,EUR,Late\n", p, NULL);
    char h[25];
    char *id = id_at_line(r.import_id, 2);
    check_gen_id(id, "2024-05-02", 1, h);
    free(id);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_generated_ids_are_the_same_in_another_database) {
    recon_profile *p = bank();
    recon_import_result r = import_ok("s1.csv", STATEMENT_HEADER COFFEE COFFEE SALARY, p, NULL);
    char *ids1 = qtext("SELECT group_concat(external_id, ' ') FROM (SELECT external_id FROM"
                       " transactions WHERE import_id = %lld ORDER BY line)",
                       (long long)r.import_id);

    char other[512];
    snprintf(other, sizeof other, "%s/other.db", tmp);
    recon_db *db2 = NULL;
    ck_assert_int_eq(recon_open(other, NULL, &db2), RECON_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/s1.csv", tmp);
    recon_import_result r2 = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_file(db2, path, p, NULL, &r2), RECON_OK);
    recon_close(db2);
    sqlite3 *s2;
    ck_assert_int_eq(sqlite3_open(other, &s2), SQLITE_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(s2,
                                        "SELECT group_concat(external_id, ' ') FROM (SELECT"
                                        " external_id FROM transactions ORDER BY line)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), ids1);
    sqlite3_finalize(st);
    sqlite3_close(s2);
    free(ids1);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reshuffled_reimport_adds_nothing) {
    recon_profile *p = bank();
    recon_import_result a =
        import_ok("s1.csv", STATEMENT_HEADER COFFEE SALARY COFFEE RENT, p, NULL);
    assert_counts(&a, 4, 4, 0, 0);
    recon_import_result b =
        import_ok("s2.csv", STATEMENT_HEADER RENT COFFEE COFFEE SALARY, p, NULL);
    ck_assert_int_eq(b.already_imported, 0);
    assert_counts(&b, 4, 0, 4, 0);
    ck_assert_int_eq(count("transactions"), 4);
    ck_assert_int_eq(count("failures"), 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_one_copy_after_two_adds_nothing) {
    recon_profile *p = bank();
    recon_import_result a = import_ok("s1.csv", STATEMENT_HEADER COFFEE COFFEE SALARY, p, NULL);
    assert_counts(&a, 3, 3, 0, 0);
    recon_import_result b = import_ok("s2.csv", STATEMENT_HEADER COFFEE, p, NULL);
    assert_counts(&b, 1, 0, 1, 0);
    ck_assert_int_eq(count("transactions"), 3);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_three_copies_after_two_add_exactly_one) {
    recon_profile *p = bank();
    recon_import_result a = import_ok("s1.csv", STATEMENT_HEADER COFFEE COFFEE, p, NULL);
    assert_counts(&a, 2, 2, 0, 0);
    recon_import_result b =
        import_ok("s2.csv", STATEMENT_HEADER COFFEE SALARY COFFEE COFFEE, p, NULL);
    assert_counts(&b, 4, 2, 2, 0);
    ck_assert_int_eq(count("transactions"), 4);
    ck_assert_int_eq(qint("SELECT count(*) FROM transactions WHERE description = 'Coffee'"), 3);
    /* The new copy is occurrence 3, from the second file. */
    char h[25];
    char *id = qtext("SELECT external_id FROM transactions WHERE description = 'Coffee' AND"
                     " import_id = %lld",
                     (long long)b.import_id);
    check_gen_id(id, "2024-05-01", 3, h);
    free(id);
    /* And again: nothing more. */
    recon_import_result c =
        import_ok("s3.csv", STATEMENT_HEADER COFFEE COFFEE COFFEE SALARY, p, NULL);
    assert_counts(&c, 4, 0, 4, 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_one_copy_before_two_adds_one) {
    recon_profile *p = bank();
    import_ok("s1.csv", STATEMENT_HEADER COFFEE, p, NULL);
    recon_import_result b = import_ok("s2.csv", STATEMENT_HEADER COFFEE COFFEE, p, NULL);
    assert_counts(&b, 2, 1, 1, 0);
    ck_assert_int_eq(count("transactions"), 2);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_generated_ids_ignore_formatting_but_not_content) {
    recon_profile *p = bank();
    import_ok("s1.csv", STATEMENT_HEADER COFFEE, p, NULL);
    /* Quoting, padding, number spelling, currency case: the same row. */
    recon_import_result b = import_ok(
        "s2.csv", "description,currency,amount,date\n\"Coffee\",eur, -3.5 ,2024-05-01\n", p, NULL);
    assert_counts(&b, 1, 0, 1, 0);
    /* Any canonical difference is another row. */
    recon_import_result c = import_ok("s3.csv",
                                      STATEMENT_HEADER "2024-05-01,-3.50,EUR,Coffee!\n"
                                                       "2024-05-01,-3.51,EUR,Coffee\n"
                                                       "2024-05-01,-3.50,USD,Coffee\n"
                                                       "2024-05-01T00:00:00Z,-3.50,EUR,Coffee\n",
                                      p, NULL);
    assert_counts(&c, 4, 4, 0, 0);
    ck_assert_int_eq(count("transactions"), 5);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_rows_without_id_get_generated_ids_next_to_given_ones) {
    recon_profile *p = bank();
    recon_import_result r = import_ok("s.csv",
                                      "id,date,amount,currency,description\n"
                                      "BANK-1,2024-05-01,-3.50,EUR,Coffee\n"
                                      ",2024-05-01,-3.50,EUR,Coffee\n",
                                      p, NULL);
    assert_counts(&r, 2, 2, 0, 0);
    ck_assert_int_eq(tx_int("BANK-1", "id_generated"), 0);
    char h[25];
    char *id = id_at_line(r.import_id, 3);
    check_gen_id(id, "2024-05-01", 1, h);
    free(id);
    recon_profile_free(p);
}
END_TEST

/* ---- rejected rows: one reason each -----------------------------------------------------------
 */

START_TEST(test_reject_amount_invalid) {
    reject_one("b1,charge,2024-05-01,,12.3.4,,,USD,x", "amount_invalid", "amount", "amount");
}
END_TEST

START_TEST(test_reject_fee_invalid_names_the_fee_column) {
    reject_one("b1,charge,2024-05-01,,1.00,abc,,USD,x", "amount_invalid", "fee", "fee");
}
END_TEST

START_TEST(test_reject_net_invalid_names_the_net_column) {
    reject_one("b1,charge,2024-05-01,,1.00,,1.0.0,USD,x", "amount_invalid", "net", "net");
}
END_TEST

START_TEST(test_reject_amount_precision) {
    reject_one("b1,charge,2024-05-01,,1.005,,,USD,x", "amount_precision", "amount", "amount");
}
END_TEST

START_TEST(test_reject_amount_precision_for_zero_decimal_currency) {
    reject_one("b1,charge,2024-05-01,,100.5,,,JPY,x", "amount_precision", "amount", "amount");
}
END_TEST

START_TEST(test_reject_amount_overflow) {
    reject_one("b1,charge,2024-05-01,,92233720368547758.08,,,USD,x", "amount_overflow", "amount",
               "amount");
}
END_TEST

START_TEST(test_reject_net_overflow_when_computed) {
    reject_one("b1,charge,2024-05-01,,-92233720368547758.07,0.02,,USD,x", "amount_overflow", "net",
               ANY);
}
END_TEST

START_TEST(test_reject_amount_empty) {
    reject_one("b1,charge,2024-05-01,,,,,USD,x", "amount_empty", "amount", "amount");
}
END_TEST

/* sum() with every part empty is a missing amount, like an empty cell: that
 * row is rejected, and the rows after it import (it used to be taken for
 * an out-of-memory error that then rejected every later row). */
START_TEST(test_reject_all_empty_sum_as_amount_empty_and_go_on) {
    recon_profile *p = parse("[profile]\nname = sums\nsource_type = psp\n"
                             "[columns]\nexternal_id = id\nkind = type\noccurred_at = created\n"
                             "amount = sum(a, b)\ncurrency = currency\n"
                             "[kinds]\ncharge = charge\n");
    recon_import_result r = import_ok("sum.csv",
                                      "id,type,created,a,b,currency\n"
                                      "t1,charge,2024-03-01,,,USD\n"
                                      "t2,charge,2024-03-01,1.00,2.00,USD\n"
                                      "t3,charge,2024-03-01,5.00,,USD\n",
                                      p, NULL);
    recon_profile_free(p);
    assert_counts(&r, 3, 2, 0, 1);
    assert_failure(r.import_id, 2, "amount_empty", "amount", "a", ANY);
    ck_assert_int_eq(tx_int("t2", "amount_minor"), 300);
    ck_assert_int_eq(tx_int("t3", "amount_minor"), 500);
}
END_TEST

/* net = amount - fee holds for every stored row: a file whose net says
 * otherwise, as written or once the profile's signs are applied, is refused. */
START_TEST(test_reject_net_mismatch) {
    recon_profile *p = psp();
    long long id =
        reject_one_with(p, REJ_HEADER, REJ_GOOD, "b1,charge,2024-05-01,,10.00,1.00,8.00,USD,x",
                        "net_mismatch", "net", "net");
    recon_profile_free(p);
    char *msg = qtext("SELECT message FROM failures WHERE import_id = %lld", id);
    ck_assert_str_eq(msg, "net 8.00 is not amount 10.00 minus fee 1.00 (USD, signs applied)");
    free(msg);
}
END_TEST

START_TEST(test_reject_net_mismatch_after_invert) {
    char ini[2048];
    snprintf(ini, sizeof ini, "%s[amounts]\ninvert = yes\n", PSP_INI);
    recon_profile *p = parse(ini);
    reject_one_with(p, "id,type,created,amount,fee,net,currency",
                    "ok,charge,2024-03-01,-10.00,1.00,-9.00,USD",
                    "t1,charge,2024-03-01,10.00,1.00,9.00,USD", "net_mismatch", "net", "net");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reject_currency_unknown) {
    reject_one("b1,charge,2024-05-01,,1.00,,,XYZ,x", "currency_unknown", "currency", "currency");
}
END_TEST

START_TEST(test_reject_currency_not_three_letters) {
    reject_one("b1,charge,2024-05-01,,1.00,,,EURO,x", "currency_unknown", "currency", "currency");
}
END_TEST

START_TEST(test_reject_currency_missing) {
    reject_one("b1,charge,2024-05-01,,1.00,,,,x", "currency_missing", "currency", "currency");
}
END_TEST

START_TEST(test_reject_date_invalid) {
    reject_one("b1,charge,01/05/2024,,1.00,,,USD,x", "date_invalid", "occurred_at", "created");
}
END_TEST

START_TEST(test_reject_date_out_of_range) {
    reject_one("b1,charge,2023-02-29,,1.00,,,USD,x", "date_out_of_range", "occurred_at", "created");
}
END_TEST

START_TEST(test_reject_settled_date_out_of_range_names_its_column) {
    reject_one("b1,charge,2024-05-01,2024-04-31,1.00,,,USD,x", "date_out_of_range", "settled_at",
               "available_on");
}
END_TEST

START_TEST(test_reject_date_empty) {
    reject_one("b1,charge,,,1.00,,,USD,x", "date_empty", "occurred_at", "created");
}
END_TEST

START_TEST(test_reject_kind_unknown) {
    reject_one("b1,bonus,2024-05-01,,1.00,,,USD,x", "kind_unknown", "kind", "type");
}
END_TEST

START_TEST(test_reject_kind_empty) {
    reject_one("b1,,2024-05-01,,1.00,,,USD,x", "kind_empty", "kind", "type");
}
END_TEST

START_TEST(test_reject_ragged_row_too_few_fields) {
    reject_one("b1,charge,2024-05-01", "ragged_row", NULL, NULL);
}
END_TEST

START_TEST(test_reject_ragged_row_too_many_fields) {
    reject_one("b1,charge,2024-05-01,,1.00,,,USD,x,extra", "ragged_row", NULL, NULL);
}
END_TEST

/* Spreadsheet exports pad: a header's trailing empty cells are no
 * columns, and empty fields past the columns are padding. A row shorter
 * than the named columns, or with something past them, is ragged. */
START_TEST(test_trailing_empty_columns_are_padding) {
    recon_profile *p = psp();
    static const char text[] = "id,type,created,amount,currency,,,\n"
                               "p1,charge,2024-05-01,1.00,USD\n"
                               "p2,charge,2024-05-01,2.00,USD,,,,\n"
                               "p3,charge,2024-05-01,3.00,USD,,x\n"
                               "p4,charge,2024-05-01,4.00\n";
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    char path[512];
    ck_assert_int_eq(import_text("padded.csv", text, p, &r, path, sizeof path), RECON_OK);
    assert_counts(&r, 4, 2, 0, 2);
    char *got = qtext("SELECT group_concat(line || ':' || provider_code, ',') FROM failures");
    ck_assert_str_eq(got, "4:ragged_row,5:ragged_row");
    free(got);
    recon_profile_free(p);
}
END_TEST

/* [rows] may_omit: a writer that drops a row's trailing empty cells
 * (Revolut's) shifts nothing, so such rows are read with the cells empty;
 * only the named last columns may be missing, and a row short of any
 * other is still ragged. */
static const char OMIT_INI[] = "[profile]\n"
                               "name = omit\n"
                               "source_type = bank\n"
                               "[columns]\n"
                               "occurred_at = date\n"
                               "amount = amount\n"
                               "reference? = notes\n"
                               "[amounts]\n"
                               "currency = EUR\n"
                               "[rows]\n"
                               "may_omit = notes, category\n"
                               "[kinds]\n"
                               "from_sign = bank_credit, bank_debit\n";

START_TEST(test_may_omit_reads_short_rows_only_for_the_named_last_columns) {
    recon_profile *p = parse(OMIT_INI);
    static const char text[] = "date,amount,category,notes\n"
                               "2024-05-01,1.00,food,n1\n"
                               "2024-05-02,2.00,food\n"
                               "2024-05-03,3.00\n"
                               "2024-05-04\n"
                               "2024-05-05,5.00,food,n5,x\n";
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    char path[512];
    ck_assert_int_eq(import_text("omit.csv", text, p, &r, path, sizeof path), RECON_OK);
    assert_counts(&r, 5, 3, 0, 2);
    char *got = qtext("SELECT group_concat(line || ':' || provider_code, ',') FROM failures");
    ck_assert_str_eq(got, "5:ragged_row,6:ragged_row");
    free(got);
    got = qtext("SELECT group_concat(amount_minor || '/' || coalesce(reference, '-'), ',') FROM "
                "(SELECT * FROM transactions ORDER BY occurred_at)");
    ck_assert_str_eq(got, "100/n1,200/-,300/-");
    free(got);
    /* A header that does not end with them relaxes nothing. */
    static const char other[] = "date,notes,amount\n2024-06-01,n,1.00\n2024-06-02,n\n";
    ck_assert_int_eq(import_text("other.csv", other, p, &r, path, sizeof path), RECON_OK);
    assert_counts(&r, 2, 1, 0, 1);
    recon_profile_free(p);
}
END_TEST

/* [amounts] currency = header: one statement file per currency account,
 * the code only in the amount columns' names. Read from there; two codes
 * or a name that is not a code refuse the file before anything is
 * written, and a pattern two columns fit is refused as a guess. */
static const char HDRCUR_INI[] = "[profile]\n"
                                 "name = hdrcur\n"
                                 "source_type = bank\n"
                                 "[columns]\n"
                                 "occurred_at = date\n"
                                 "debit = Paid Out (*)\n"
                                 "credit = Paid In (*)\n"
                                 "[amounts]\n"
                                 "sign = debit_credit\n"
                                 "currency = header\n"
                                 "[kinds]\n"
                                 "from_sign = bank_credit, bank_debit\n";

START_TEST(test_currency_from_the_amount_columns_names) {
    recon_profile *p = parse(HDRCUR_INI);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    char path[512];
    ck_assert_int_eq(import_text("jpy.csv",
                                 "date , Paid Out ( jpy ) , Paid In (JPY)\n"
                                 "2024-05-01, 1500 ,\n2024-05-02,,20\n",
                                 p, &r, path, sizeof path),
                     RECON_OK);
    assert_counts(&r, 2, 2, 0, 0);
    char *got = qtext("SELECT group_concat(amount_minor || ' ' || currency, ',') FROM "
                      "(SELECT * FROM transactions ORDER BY occurred_at)");
    ck_assert_str_eq(got, "-1500 JPY,20 JPY");
    free(got);
    static const struct {
        const char *header, *says;
    } refused[] = {
        {"date,Paid Out (CHF),Paid In (EUR)",
         "columns \"Paid Out (CHF)\" and \"Paid In (EUR)\" name two currencies"},
        {"date,Paid Out (Francs),Paid In (Francs)", "\"Francs\" is not an ISO 4217 currency code"},
        {"date,Paid Out (CHF),Paid In (CHF),Paid Out (EUR)",
         "the column pattern \"Paid Out (*)\" fits more than one column"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "%s\n2024-05-01,1.00,,\n", refused[i].header);
        ck_assert_int_eq(import_text("bad.csv", text, p, &r, path, sizeof path), RECON_EHEADER);
        ck_assert_msg(strstr(recon_errmsg(db), refused[i].says), "%s", recon_errmsg(db));
    }
    ck_assert_int_eq(count("transactions"), 2);
    recon_profile_free(p);
    /* The profile must have a one-star amount column to read it from. */
    recon_error err = RECON_ERROR_INIT;
    ck_assert_int_eq(recon_profile_parse("[profile]\nname = x\nsource_type = bank\n[columns]\n"
                                         "occurred_at = date\namount = amount\n"
                                         "[amounts]\ncurrency = header\n[kinds]\n"
                                         "from_sign = bank_credit, bank_debit\n",
                                         "t", &err, &p),
                     RECON_EPROFILE);
    ck_assert_msg(strstr(err.message, "currency = header needs an amount column named with one"),
                  "%s", err.message);
}
END_TEST

/* Encodings: the profile states one, or the file's bytes decide
 * (util/encoding.h); every import says which (recon_import_encoding,
 * imports.encoding), and text comes out as UTF-8 whatever came in. */
START_TEST(test_encoding_stated_guessed_and_recorded) {
    recon_profile *p = psp();
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    char path[512];
    ck_assert_ptr_null(recon_import_encoding(db));
    /* Windows-1252 (no UTF-8 anywhere): read as such. */
    static const char cp[] = "id,type,created,amount,currency,description\n"
                             "e1,charge,2024-05-01,1.00,EUR,Caf\xe9 \x80 5\n";
    ck_assert_int_eq(import_text("cp.csv", cp, p, &r, path, sizeof path), RECON_OK);
    assert_counts(&r, 1, 1, 0, 0);
    ck_assert_str_eq(recon_import_encoding(db), "WINDOWS-1252");
    /* UTF-16LE with its byte order mark. */
    /* Its text is Latin-1 here, so each byte is one UTF-16LE code unit. */
    static const char latin[] = "id,type,created,amount,currency,description\n"
                                "e2,charge,2024-05-01,2.00,EUR,\xe9\n";
    char u16[2 + 2 * sizeof latin] = "\xff\xfe";
    for (size_t i = 0; i + 1 < sizeof latin; i++)
        u16[2 + 2 * i] = latin[i], u16[3 + 2 * i] = 0;
    write_file("u16.csv", u16, 2 * sizeof latin, path, sizeof path);
    ck_assert_int_eq(import_path(path, p, NULL, &r), RECON_OK);
    assert_counts(&r, 1, 1, 0, 0);
    ck_assert_str_eq(recon_import_encoding(db), "UTF-16");
    char *got = qtext("SELECT group_concat(external_id || '=' || description || '/' || encoding,"
                      " ' ') FROM (SELECT t.external_id, t.description, i.encoding FROM"
                      " transactions t JOIN imports i ON i.id = t.import_id ORDER BY t.id)");
    ck_assert_str_eq(got, "e1=Caf\xc3\xa9 \xe2\x82\xac 5/WINDOWS-1252 e2=\xc3\xa9/UTF-16");
    free(got);
    recon_profile_free(p);
    /* Stated: ISO-8859-15, where A4 is the euro sign (a guess would read it
     * as Windows-1252's currency sign). */
    char ini[sizeof PSP_INI + 64];
    snprintf(ini, sizeof ini, "%s", PSP_INI);
    char *at = strstr(ini, "[columns]");
    memmove(at + 27, at, strlen(at) + 1);
    memcpy(at, "encoding = iso-8859-15\n   ", 26);
    at[26] = '\n';
    p = parse(ini);
    static const char l9[] = "id,type,created,amount,currency,description\n"
                             "e3,charge,2024-05-01,3.00,EUR,\xa4\n";
    ck_assert_int_eq(import_text("l9.csv", l9, p, &r, path, sizeof path), RECON_OK);
    ck_assert_str_eq(recon_import_encoding(db), "ISO-8859-15");
    got = qtext("SELECT description FROM transactions WHERE external_id = 'e3'");
    ck_assert_str_eq(got, "\xe2\x82\xac");
    free(got);
    recon_profile_free(p);
    recon_error err = RECON_ERROR_INIT;
    ck_assert_int_eq(recon_profile_parse("[profile]\nname = x\nsource_type = bank\nencoding = "
                                         "ebcdic\n",
                                         "t", &err, &p),
                     RECON_EPROFILE);
    ck_assert_msg(strstr(err.message, "'ebcdic' is not auto, utf-8, utf-16"), "%s", err.message);
}
END_TEST

START_TEST(test_reject_csv_syntax) {
    reject_one("b1,charge,2024-05-01,,1.00,,,USD,\"a\"b", "csv_syntax", NULL, NULL);
}
END_TEST

/* 81 is a byte Windows-1252 leaves undefined: such a file is not reread
 * in that encoding (util/encoding.h), so its bad rows are rejected. */
START_TEST(test_reject_invalid_utf8_stores_raw_with_hex_escapes) {
    recon_profile *p = psp();
    static const char text[] = REJ_HEADER "\n" REJ_GOOD "\n"
                                          "b1,charge,2024-05-01,,1.00,,,USD,caf\xe9 \\o/ \x81\n";
    recon_import_result r = import_ok("utf8.csv", text, p, NULL);
    assert_counts(&r, 2, 1, 0, 1);
    /* Invalid bytes as \xNN, and backslashes doubled so it reads back
     * unambiguously. */
    assert_failure(r.import_id, 3, "invalid_utf8", ANY, ANY,
                   "b1,charge,2024-05-01,,1.00,,,USD,caf\\xe9 \\\\o/ \\x81");
    ck_assert_int_eq(qint("SELECT typeof(raw) = 'text' FROM failures"), 1);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reject_invalid_utf8_names_its_field_and_column) {
    recon_profile *p = psp();
    static const char text[] = REJ_HEADER "\n" REJ_GOOD "\n"
                                          "b1,charge,2024-05-01,,1.00,,,USD,caf\xe9\x81\n";
    recon_import_result r = import_ok("utf8.csv", text, p, NULL);
    assert_counts(&r, 2, 1, 0, 1);
    assert_failure(r.import_id, 3, "invalid_utf8", "description", "description", ANY);
    recon_profile_free(p);
}
END_TEST

/* A row whose description is 1.1 MiB. */
static char *row_with_big_field(size_t *len) {
    const size_t big = 1024 * 1024 + 100 * 1024;
    static const char head[] = REJ_HEADER "\n" REJ_GOOD "\nb1,charge,2024-05-01,,1.00,,,USD,";
    size_t n = sizeof head - 1;
    char *text = malloc(n + big + 2);
    ck_assert_ptr_nonnull(text);
    memcpy(text, head, n);
    memset(text + n, 'x', big);
    text[n + big] = '\n';
    text[n + big + 1] = '\0';
    *len = n + big + 1;
    return text;
}

START_TEST(test_reject_field_too_large) {
    recon_profile *p = psp();
    size_t len;
    char *text = row_with_big_field(&len);
    recon_import_result r = import_ok("big.csv", text, p, NULL);
    free(text);
    assert_counts(&r, 2, 1, 0, 1);
    assert_failure(r.import_id, 3, "field_too_large", ANY, ANY, ANY);
    /* The raw text is kept (at least its start). */
    ck_assert_int_eq(qint("SELECT raw LIKE 'b1,charge,2024-05-01,,1.00,,,USD,xxxx%%' FROM"
                          " failures"),
                     1);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reject_field_too_large_names_its_field_and_column) {
    recon_profile *p = psp();
    size_t len;
    char *text = row_with_big_field(&len);
    recon_import_result r = import_ok("big.csv", text, p, NULL);
    free(text);
    assert_failure(r.import_id, 3, "field_too_large", "description", "description", ANY);
    recon_profile_free(p);
}
END_TEST

#define EU_INI                                                                                     \
    "[profile]\n"                                                                                  \
    "name = eu_bank\n"                                                                             \
    "source_type = bank\n"                                                                         \
    "delimiter = semicolon\n"                                                                      \
    "[columns]\n"                                                                                  \
    "occurred_at = Buchungstag\n"                                                                  \
    "settled_at? = Valuta\n"                                                                       \
    "description = Verwendungszweck\n"                                                             \
    "debit = Soll\n"                                                                               \
    "credit = Haben\n"                                                                             \
    "currency = Waehrung\n"                                                                        \
    "[amounts]\n"                                                                                  \
    "decimal = ,\n"                                                                                \
    "thousands = .\n"                                                                              \
    "sign = debit_credit\n"                                                                        \
    "[dates]\n"                                                                                    \
    "occurred_at = dmy_dot\n"                                                                      \
    "settled_at = dmy_dot\n"                                                                       \
    "[kinds]\n"                                                                                    \
    "from_sign = bank_credit, bank_debit\n"

#define EU_HEADER "Buchungstag;Valuta;Verwendungszweck;Soll;Haben;Waehrung"
#define EU_GOOD "01.05.2024;02.05.2024;Miete;1.234,56;;EUR"

START_TEST(test_reject_debit_and_credit) {
    recon_profile *p = parse(EU_INI);
    reject_one_with(p, EU_HEADER, EU_GOOD, "03.05.2024;03.05.2024;Both;1,00;2,00;EUR",
                    "debit_and_credit", "amount", ANY);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reject_debit_and_credit_both_empty) {
    recon_profile *p = parse(EU_INI);
    reject_one_with(p, EU_HEADER, EU_GOOD, "03.05.2024;03.05.2024;None;;;EUR", "amount_empty",
                    "amount", ANY);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reject_debit_invalid_names_the_debit_column) {
    recon_profile *p = parse(EU_INI);
    reject_one_with(p, EU_HEADER, EU_GOOD, "03.05.2024;03.05.2024;Bad;1.2345;;EUR",
                    "amount_invalid", "debit", "Soll");
    recon_profile_free(p);
}
END_TEST

#define DIR_INI                                                                                    \
    "[profile]\n"                                                                                  \
    "name = dir_bank\n"                                                                            \
    "source_type = bank\n"                                                                         \
    "delimiter = pipe\n"                                                                           \
    "[columns]\n"                                                                                  \
    "external_id = ref\n"                                                                          \
    "occurred_at = date\n"                                                                         \
    "amount = amount\n"                                                                            \
    "direction = D/C\n"                                                                            \
    "currency = ccy\n"                                                                             \
    "[amounts]\n"                                                                                  \
    "sign = direction\n"                                                                           \
    "credit_values = CR, C\n"                                                                      \
    "debit_values = DR, D\n"                                                                       \
    "[kinds]\n"                                                                                    \
    "from_sign = bank_credit, bank_debit\n"

START_TEST(test_reject_direction_unknown) {
    recon_profile *p = parse(DIR_INI);
    reject_one_with(p, "ref|date|amount|D/C|ccy", "r1|2024-05-01|10.00|CR|EUR",
                    "r2|2024-05-01|10.00|XX|EUR", "direction_unknown", "direction", "D/C");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_reject_negative_amount_with_direction) {
    recon_profile *p = parse(DIR_INI);
    reject_one_with(p, "ref|date|amount|D/C|ccy", "r1|2024-05-01|10.00|CR|EUR",
                    "r2|2024-05-01|-10.00|DR|EUR", "amount_invalid", "amount", "amount");
    recon_profile_free(p);
}
END_TEST

START_TEST(test_direction_gives_the_sign) {
    recon_profile *p = parse(DIR_INI);
    recon_import_result r = import_ok("dir.csv",
                                      "ref|date|amount|D/C|ccy\n"
                                      "r1|2024-05-01|10.00|CR|EUR\n"
                                      "r2|2024-05-01|4.25|dr|EUR\n"
                                      "r3|2024-05-01|1.00| c |EUR\n",
                                      p, NULL);
    assert_counts(&r, 3, 3, 0, 0);
    ck_assert_int_eq(tx_int("r1", "amount_minor"), 1000);
    tx_text_is("r1", "kind", "bank_credit");
    ck_assert_int_eq(tx_int("r2", "amount_minor"), -425);
    tx_text_is("r2", "kind", "bank_debit");
    ck_assert_int_eq(tx_int("r3", "amount_minor"), 100);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_many_bad_rows_never_stop_the_import) {
    recon_profile *p = psp();
    static const char text[] = REJ_HEADER "\n"
                                          "a,charge,2024-05-01,,1.00,,,USD,x\n"  /* 2 */
                                          "b,charge,2024-05-01,,nope,,,USD,x\n"  /* 3 */
                                          "c,charge,2024-13-01,,1.00,,,USD,x\n"  /* 4 */
                                          "d,charge\n"                           /* 5 */
                                          "e,charge,2024-05-01,,1.00,,,ZZZ,x\n"  /* 6 */
                                          "f,charge,2024-05-01,,1.00,,,USD,x\n"; /* 7 */
    recon_import_result r = import_ok("many.csv", text, p, NULL);
    assert_counts(&r, 6, 2, 0, 4);
    ck_assert_int_eq(count("failures"), 4);
    assert_failure(r.import_id, 3, "amount_invalid", "amount", "amount", ANY);
    assert_failure(r.import_id, 4, "date_out_of_range", "occurred_at", "created", ANY);
    assert_failure(r.import_id, 5, "ragged_row", NULL, NULL, "d,charge");
    assert_failure(r.import_id, 6, "currency_unknown", "currency", "currency", ANY);
    ck_assert_int_eq(tx_int("f", "line"), 7);
    recon_profile_free(p);
}
END_TEST

/* ---- whole-file refusals: nothing written -----------------------------------------------------
 */

START_TEST(test_header_mismatch_is_refused_listing_missing_columns) {
    recon_profile *p = psp();
    char path[512];
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    int rc = import_text("hdr.csv", "id,type,created,total,ccy\na,charge,2024-05-01,1.00,EUR\n", p,
                         &r, path, sizeof path);
    ck_assert_int_eq(rc, RECON_EHEADER);
    const char *msg = recon_errmsg(db);
    ck_assert_msg(strstr(msg, "amount (one of: amount, gross)") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "currency (one of: currency)") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, path) != NULL, "message does not name the file: %s", msg);
    ck_assert_msg(strstr(msg, "test_psp") != NULL, "message does not name the profile: %s", msg);
    ck_assert_msg(strstr(msg, "external_id") == NULL, "present column listed: %s", msg);
    ck_assert_uint_eq(r.rows_inserted, 0);
    assert_db_empty();
    recon_profile_free(p);
}
END_TEST

START_TEST(test_empty_file_is_format_error) {
    recon_profile *p = psp();
    char path[512];
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_text("empty.csv", "", p, &r, path, sizeof path), RECON_EFORMAT);
    ck_assert_msg(strstr(recon_errmsg(db), path) != NULL, "%s", recon_errmsg(db));
    assert_db_empty();
    /* Only blank lines: no header row either. */
    ck_assert_int_eq(import_text("blank.csv", "\n\r\n\n", p, &r, path, sizeof path), RECON_EFORMAT);
    assert_db_empty();
    recon_profile_free(p);
}
END_TEST

START_TEST(test_header_only_file_imports_zero_rows) {
    recon_profile *p = psp();
    recon_import_result r = import_ok("hdr.csv", "id,type,created,amount,currency\n", p, NULL);
    assert_counts(&r, 0, 0, 0, 0);
    ck_assert_int_eq(count("imports"), 1);
    char *s = qtext("SELECT status FROM imports");
    ck_assert_str_eq(s, "ok");
    free(s);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_binary_file_is_format_error_and_writes_nothing) {
    recon_profile *p = psp();
    static const unsigned char png[] = {0x89, 'P', 'N',  'G', '\r', '\n', 0x1a, '\n', 0,
                                        0,    0,   '\r', 'I', 'H',  'D',  'R',  0,    0,
                                        1,    0,   0,    0,   1,    0,    8,    6};
    char path[512];
    write_file("image.csv", png, sizeof png, path, sizeof path);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_path(path, p, NULL, &r), RECON_EFORMAT);
    ck_assert_msg(strstr(recon_errmsg(db), path) != NULL, "%s", recon_errmsg(db));
    assert_db_empty();

    /* A text header followed by NUL bytes early in the file is binary too. */
    static const char half[] = "id,type,created,amount,currency\na,charge,\0\0\0\0,1.00,EUR\n";
    write_file("half.csv", half, sizeof half - 1, path, sizeof path);
    ck_assert_int_eq(import_path(path, p, NULL, &r), RECON_EFORMAT);
    assert_db_empty();
    recon_profile_free(p);
}
END_TEST

START_TEST(test_bad_header_row_is_format_error) {
    recon_profile *p = psp();
    char path[512];
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_text("q.csv",
                                 "id,\"type,created,amount,currency\na,charge,2024-05-01,1,EUR\n",
                                 p, &r, path, sizeof path),
                     RECON_EFORMAT);
    assert_db_empty();
    recon_profile_free(p);
}
END_TEST

START_TEST(test_missing_file_is_eio) {
    recon_profile *p = psp();
    char path[512];
    snprintf(path, sizeof path, "%s/does-not-exist.csv", tmp);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_path(path, p, NULL, &r), RECON_EIO);
    ck_assert_msg(strstr(recon_errmsg(db), path) != NULL, "%s", recon_errmsg(db));
    assert_db_empty();
    recon_profile_free(p);
}
END_TEST

START_TEST(test_directory_is_eio) {
    recon_profile *p = psp();
    char path[512];
    snprintf(path, sizeof path, "%s/a-directory.csv", tmp);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_path(path, p, NULL, &r), RECON_EIO);
    ck_assert_msg(strstr(recon_errmsg(db), path) != NULL, "%s", recon_errmsg(db));
    assert_db_empty();
    recon_profile_free(p);
}
END_TEST

START_TEST(test_source_with_another_type_is_a_conflict) {
    recon_profile *b = bank();
    recon_profile *p = psp();
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = "acme";
    recon_import_result r = import_ok("s.csv", STATEMENT_HEADER COFFEE, b, &o);
    assert_counts(&r, 1, 1, 0, 0);
    char path[512];
    write_file("p.csv", THREE, strlen(THREE), path, sizeof path);
    ck_assert_int_eq(import_path(path, p, &o, &r), RECON_ECONFLICT);
    const char *msg = recon_errmsg(db);
    ck_assert_msg(strstr(msg, "acme") != NULL && strstr(msg, "bank") != NULL, "%s", msg);
    ck_assert_int_eq(count("imports"), 1);
    ck_assert_int_eq(count("transactions"), 1);
    ck_assert_int_eq(count("sources"), 1);
    char *type = qtext("SELECT type FROM sources");
    ck_assert_str_eq(type, "bank");
    free(type);
    recon_profile_free(b);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_invalid_arguments_are_misuse) {
    recon_profile *p = psp();
    char path[512];
    write_file("a.csv", THREE, strlen(THREE), path, sizeof path);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(recon_import_file(NULL, path, p, NULL, &r), RECON_EMISUSE);
    ck_assert_int_eq(recon_import_file(db, NULL, p, NULL, &r), RECON_EMISUSE);
    ck_assert_int_eq(recon_import_file(db, path, NULL, NULL, &r), RECON_EMISUSE);
    ck_assert_int_eq(recon_import_file(db, path, p, NULL, NULL), RECON_EMISUSE);
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.version = 99;
    ck_assert_int_eq(recon_import_file(db, path, p, &o, &r), RECON_EMISUSE);
    assert_db_empty();
    recon_profile_free(p);
}
END_TEST

START_TEST(test_database_error_mid_file_writes_nothing) {
    recon_profile *p = psp();
    /* The third row's insert fails inside SQLite. */
    ck_assert_int_eq(sqlite3_exec(sq,
                                  "CREATE TRIGGER boom BEFORE INSERT ON transactions"
                                  " WHEN NEW.external_id = 't3'"
                                  " BEGIN SELECT RAISE(ABORT, 'boom'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    char path[512];
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_text("a.csv", THREE, p, &r, path, sizeof path), RECON_EDB);
    ck_assert_msg(strstr(recon_errmsg(db), "boom") != NULL, "%s", recon_errmsg(db));
    ck_assert_uint_eq(r.rows_inserted, 0);
    assert_db_empty(); /* not even the first two rows, the import or the source */
    /* The handle is usable again afterwards. */
    ck_assert_int_eq(sqlite3_exec(sq, "DROP TRIGGER boom", NULL, NULL, NULL), SQLITE_OK);
    recon_import_result ok = import_ok("a.csv", THREE, p, NULL);
    assert_counts(&ok, 3, 3, 0, 0);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_header_less_file_without_rows_writes_nothing) {
    recon_profile *p = parse("[profile]\nname = nohdr\nsource_type = bank\nheader = no\n"
                             "columns = 3\n[columns]\noccurred_at = #1\namount = #2\n"
                             "currency = #3\n[kinds]\nfrom_sign = bank_credit, bank_debit\n");
    char path[512];
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_int_eq(import_text("blank.csv", "\n\n\n", p, &r, path, sizeof path), RECON_EFORMAT);
    assert_db_empty();
    recon_profile_free(p);
}
END_TEST

/* ---- layouts -------------------------------------------------------------------------------- */

START_TEST(test_preamble_lines_are_skipped) {
    char ini[2048];
    snprintf(ini, sizeof ini, "%s", BANK_INI);
    char *at = strstr(ini, "source_type = bank\n");
    ck_assert_ptr_nonnull(at);
    at += strlen("source_type = bank\n");
    memmove(at + strlen("skip_lines = 3\n"), at, strlen(at) + 1);
    memcpy(at, "skip_lines = 3\n", strlen("skip_lines = 3\n"));
    recon_profile *p = parse(ini);
    /* The preamble need not be CSV: an odd quote must not swallow the file. */
    static const char text[] = "Account statement \"Giro\n"
                               "Period: 2024-05-01 to 2024-05-31\n"
                               "\n"
                               "date,amount,currency,description\n"
                               "2024-05-01,-3.50,EUR,Coffee\n"
                               "2024-05-02,2500.00,EUR,Salary\n";
    recon_import_result r = import_ok("pre.csv", text, p, NULL);
    assert_counts(&r, 2, 2, 0, 0);
    ck_assert_int_eq(qint("SELECT min(line) FROM transactions"), 5);
    ck_assert_int_eq(qint("SELECT max(line) FROM transactions"), 6);
    ck_assert_int_eq(qint("SELECT amount_minor FROM transactions WHERE line = 6"), 250000);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_header_less_profile_uses_positions) {
    recon_profile *p = parse("[profile]\nname = nohdr\nsource_type = bank\nheader = no\n"
                             "columns = 4\n[columns]\noccurred_at = #2\namount = #4\n"
                             "currency = #3\ndescription? = #1\n"
                             "[kinds]\nfrom_sign = bank_credit, bank_debit\n");
    static const char text[] = "Coffee,2024-05-01,EUR,-3.50\n"
                               "Salary,2024-05-02,EUR,2500.00\n"
                               "Short,2024-05-02\n";
    recon_import_result r = import_ok("nohdr.csv", text, p, NULL);
    assert_counts(&r, 3, 2, 0, 1);
    ck_assert_int_eq(qint("SELECT line FROM transactions WHERE description = 'Coffee'"), 1);
    ck_assert_int_eq(qint("SELECT amount_minor FROM transactions WHERE description = 'Salary'"),
                     250000);
    char *k = qtext("SELECT kind FROM transactions WHERE line = 1");
    ck_assert_str_eq(k, "bank_debit");
    free(k);
    assert_failure(r.import_id, 3, "ragged_row", NULL, NULL, "Short,2024-05-02");
    ck_assert_int_eq(qint("SELECT count(*) FROM transactions WHERE id_generated = 1"), 2);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_european_formats) {
    recon_profile *p = parse(EU_INI);
    static const char text[] = EU_HEADER "\n"
                                         "01.05.2024;02.05.2024;Miete;1.234,56;;EUR\n"
                                         "3.5.2024;3.5.2024;Gehalt;;2.500,00;EUR\n"
                                         "04.05.2024;;Gebuehr;-0,99;;EUR\n"
                                         "05.05.2024 14:30;;Karte;12,5;;EUR\n";
    recon_import_result r = import_ok("eu.csv", text, p, NULL);
    assert_counts(&r, 4, 4, 0, 0);
    ck_assert_int_eq(qint("SELECT amount_minor FROM transactions WHERE line = 2"), -123456);
    ck_assert_int_eq(qint("SELECT amount_minor FROM transactions WHERE line = 3"), 250000);
    ck_assert_int_eq(qint("SELECT amount_minor FROM transactions WHERE line = 4"), -99);
    ck_assert_int_eq(qint("SELECT amount_minor FROM transactions WHERE line = 5"), -1250);
    char *s = qtext("SELECT occurred_at || ' ' || settled_at || ' ' || kind || ' ' ||"
                    " description FROM transactions WHERE line = 2");
    ck_assert_str_eq(s, "2024-05-01 2024-05-02 bank_debit Miete");
    free(s);
    s = qtext("SELECT occurred_at || ' ' || kind FROM transactions WHERE line = 3");
    ck_assert_str_eq(s, "2024-05-03 bank_credit");
    free(s);
    s = qtext("SELECT occurred_at FROM transactions WHERE line = 5");
    ck_assert_str_eq(s, "2024-05-05T14:30:00Z");
    free(s);
    s = qtext("SELECT raw FROM transactions WHERE line = 2");
    ck_assert_str_eq(s, "01.05.2024;02.05.2024;Miete;1.234,56;;EUR");
    free(s);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_profile_time_zone_shifts_datetimes_not_dates) {
    char ini[2048];
    snprintf(ini, sizeof ini, "%s[dates]\ntimezone = +02:00\n", PSP_INI);
    recon_profile *p = parse(ini);
    static const char text[] = "id,type,created,available_on,amount,currency\n"
                               "z1,charge,2024-05-01 01:30:00,2024-05-03,1.00,EUR\n"
                               "z2,charge,2024-05-01,2024-05-03 12:00,1.00,EUR\n"
                               "z3,charge,2024-05-01T01:30:00Z,,1.00,EUR\n"
                               "z4,charge,2024-05-01T01:30:00+05:00,,1.00,EUR\n";
    recon_import_result r = import_ok("tz.csv", text, p, NULL);
    assert_counts(&r, 4, 4, 0, 0);
    tx_text_is("z1", "occurred_at", "2024-04-30T23:30:00Z");
    tx_text_is("z1", "settled_at", "2024-05-03");
    tx_text_is("z2", "occurred_at", "2024-05-01");
    tx_text_is("z2", "settled_at", "2024-05-03T10:00:00Z");
    tx_text_is("z3", "occurred_at", "2024-05-01T01:30:00Z"); /* own zone wins */
    tx_text_is("z4", "occurred_at", "2024-04-30T20:30:00Z");
    recon_profile_free(p);
}
END_TEST

/* ---- built-in profiles ------------------------------------------------------------------------
 */

START_TEST(test_builtin_generic_psp_imports_a_settlement_report) {
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_builtin("generic_psp", &err, &p) == RECON_OK, "%s", err.message);
    static const char text[] =
        "id,type,created,available_on,amount,fee,net,currency,payout_id,description\n"
        "txn_1,charge,2024-05-01T10:00:00Z,2024-05-03,100.00,3.20,96.80,usd,po_1,Order 1\n"
        "txn_2,dispute,2024-05-02T11:00:00Z,,-50.00,15.00,-65.00,usd,po_1,\n"
        "txn_3,stripe_fee,2024-05-02,,-1.00,,,usd,,\n"
        "po_1,payout,2024-05-04,,-31.80,,,usd,po_1,\n";
    recon_import_result r = import_ok("psp.csv", text, p, NULL);
    assert_counts(&r, 4, 4, 0, 0);
    tx_text_is("txn_1", "kind", "charge");
    tx_text_is("txn_2", "kind", "chargeback");
    ck_assert_int_eq(tx_int("txn_2", "fee_minor"), 1500);
    ck_assert_int_eq(tx_int("txn_2", "net_minor"), -6500);
    tx_text_is("txn_3", "kind", "fee");
    tx_text_is("po_1", "kind", "payout");
    tx_text_is("po_1", "group_id", "po_1");
    char *s = qtext("SELECT name || ' ' || type FROM sources");
    ck_assert_str_eq(s, "generic_psp psp");
    free(s);
    recon_profile_free(p);
}
END_TEST

START_TEST(test_builtin_generic_bank_imports_a_statement) {
    recon_profile *p = NULL;
    recon_error err = RECON_ERROR_INIT;
    ck_assert_msg(recon_profile_builtin("generic_bank", &err, &p) == RECON_OK, "%s", err.message);
    static const char text[] = "booking_date,value_date,description,amount,currency\n"
                               "2024-05-01,2024-05-02,Coffee,-3.50,EUR\n"
                               "2024-05-01,2024-05-02,Coffee,-3.50,EUR\n"
                               "2024-05-03,,Salary,2500.00,EUR\n";
    recon_import_result r = import_ok("bank.csv", text, p, NULL);
    assert_counts(&r, 3, 3, 0, 0);
    ck_assert_int_eq(qint("SELECT count(*) FROM transactions WHERE id_generated = 1"), 3);
    char *s = qtext("SELECT kind || ' ' || settled_at FROM transactions WHERE line = 2");
    ck_assert_str_eq(s, "bank_debit 2024-05-02");
    free(s);
    s = qtext("SELECT name || ' ' || type FROM sources");
    ck_assert_str_eq(s, "generic_bank bank");
    free(s);
    recon_profile_free(p);
}
END_TEST

/* ---- totals rows --------------------------------------------------------------------------------
 */

/* A PSP layout whose rows of type "total" carry the sum of the rows above. */
static const char TOTALS_INI[] = "[profile]\nname = tot\nsource_type = psp\n"
                                 "[columns]\nexternal_id = id\nkind = type\n"
                                 "occurred_at = created\namount = amount\ncurrency = currency\n"
                                 "[kinds]\ncharge = charge\n"
                                 "[totals]\nwhen = type: total\ncurrency = currency\n"
                                 "amount = amount\n";

static recon_import_result import_totals(const char *name, const char *text) {
    recon_profile *p = parse(TOTALS_INI);
    recon_import_result r = import_ok(name, text, p, NULL);
    recon_profile_free(p);
    return r;
}

/* The totals row's currency cell is trimmed and upper-cased like a row's:
 * "USD\t" was copied with the tab and no terminating NUL. */
START_TEST(test_totals_currency_is_read_like_the_rows) {
    recon_import_result r = import_totals("tot.csv", "id,type,created,amount,currency\n"
                                                     "t1,charge,2024-03-01,10.00,USD\n"
                                                     ",total,,10.00,USD\t\n"
                                                     "t2,charge,2024-03-02,5.00,usd\n"
                                                     ",total,,5.00, usd \n");
    ck_assert_int_eq(r.checks_passed, 2);
    ck_assert_int_eq(r.checks_failed, 0);
    ck_assert_int_eq(count("failures"), 0);
    /* A cell that is not a currency code is not replaced by a guess. */
    r = import_totals("euro.csv", "id,type,created,amount,currency\n"
                                  "t3,charge,2024-03-03,1.00,EUR\n"
                                  ",total,,1.00,EURO\n");
    ck_assert_int_eq(r.checks_failed, 1);
    char *msg =
        qtext("SELECT message FROM failures WHERE import_id = %lld", (long long)r.import_id);
    ck_assert_msg(strstr(msg, "cannot tell its currency ('EURO')") != NULL, "%s", msg);
    free(msg);
}
END_TEST

/* Sums that leave int64_t never agree: two rows of 5e18 minor units wrap
 * to exactly what this wrong totals row claims. */
START_TEST(test_totals_that_overflow_never_agree) {
    recon_import_result r =
        import_totals("wrap.csv", "id,type,created,amount,currency\n"
                                  "t1,charge,2024-03-01,50000000000000000.00,USD\n"
                                  "t2,charge,2024-03-01,50000000000000000.00,USD\n"
                                  ",total,,-84467440737095516.16,USD\n");
    ck_assert_int_eq(r.checks_passed, 0);
    ck_assert_int_eq(r.checks_failed, 1);
    char *msg =
        qtext("SELECT message FROM failures WHERE import_id = %lld", (long long)r.import_id);
    ck_assert_str_eq(msg, "amount -84467440737095516.16 USD in the totals row, but the rows' "
                          "amount overflow 64-bit minor units");
    free(msg);
    /* The smallest amount has no magnitude in int64_t: its debits sum
     * overflows (and is not negated), while its amount sum is exact. */
    recon_profile *p = parse("[profile]\nname = totdc\nsource_type = psp\n"
                             "[columns]\nexternal_id = id\nkind = type\n"
                             "occurred_at = created\namount = amount\ncurrency = currency\n"
                             "[kinds]\ncharge = charge\n[totals]\nwhen = type: total\n"
                             "amount = amount\ndebits = debits\n");
    r = import_ok("min.csv",
                  "id,type,created,amount,currency,debits\n"
                  "t3,charge,2024-03-01,-92233720368547758.08,USD,\n"
                  ",total,,-92233720368547758.08,USD,0.00\n",
                  p, NULL);
    recon_profile_free(p);
    ck_assert_int_eq(r.rows_inserted, 1);
    ck_assert_int_eq(r.checks_failed, 1);
    msg = qtext("SELECT message FROM failures WHERE import_id = %lld", (long long)r.import_id);
    ck_assert_str_eq(msg, "debits 0.00 USD in the totals row, but the rows' debits overflow "
                          "64-bit minor units");
    free(msg);
}
END_TEST

/* ---- a large file ------------------------------------------------------------------------------
 */

static long proc_status_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, n) && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

START_TEST(test_large_file_streams_in_bounded_memory) {
    enum { ROWS = 200000 };
    char path[512];
    snprintf(path, sizeof path, "%s/large.csv", tmp);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("id,type,created,amount,fee,currency,description\n", f);
    for (int i = 0; i < ROWS; i++)
        fprintf(f, "txn_%07d,%s,2024-%02d-%02dT%02d:%02d:%02dZ,%d.%02d,0.%02d,EUR,row %d\n", i,
                i % 10 == 9 ? "refund" : "charge", 1 + i % 12, 1 + i % 28, i % 24, i % 60,
                (i / 60) % 60, i % 5000, i % 100, i % 50, i);
    ck_assert_int_eq(fclose(f), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);

    /* A handle with a 2 MiB page cache, so that what SQLite may cache is
     * small beside the file: the import's growth then shows whether it
     * streams (chunk + cache) or holds the file. */
    recon_close(db);
    recon_open_opts oo = RECON_OPEN_OPTS_INIT;
    oo.cache_kib = 2048;
    ck_assert_msg(recon_open(dbpath, &oo, &db) == RECON_OK, "%s", recon_errmsg(db));

    recon_profile *p = psp();
    progress_log log = {0, 0, 0, 0, 1};
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.progress = on_progress;
    o.payload = &log;

    /* Reset the peak-RSS mark, so that VmHWM afterwards is this import's. */
    FILE *cr = fopen("/proc/self/clear_refs", "w");
    int hwm_reset = cr && fputs("5", cr) >= 0;
    if (cr) hwm_reset &= fclose(cr) == 0;
    long rss_before = proc_status_kb("VmRSS");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    recon_import_result r = RECON_IMPORT_RESULT_INIT;
    ck_assert_msg(import_path(path, p, &o, &r) == RECON_OK, "%s", recon_errmsg(db));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    long hwm_after = proc_status_kb("VmHWM");

    assert_counts(&r, ROWS, ROWS, 0, 0);
    ck_assert_int_eq(count("transactions"), ROWS);
    ck_assert_int_eq(qint("SELECT sum(amount_minor) = (SELECT sum(net_minor + fee_minor) FROM"
                          " transactions) FROM transactions"),
                     1);
    ck_assert_int_eq(tx_int("txn_0199999", "line"), ROWS + 1);
    ck_assert_int_eq(tx_int("txn_0012345", "amount_minor"), 234545);

    /* Progress: every 64k rows and at the end, always against the file size. */
    ck_assert_int_ge(log.calls, 4);
    ck_assert_uint_eq(log.total, (uint64_t)st.st_size);
    ck_assert_uint_eq(log.last_done, (uint64_t)st.st_size);
    ck_assert_uint_eq(log.last_rows, ROWS);
    ck_assert(log.monotonic);

    if (!UNDER_ASAN) {
        ck_assert_msg(secs < 5.0, "200k rows took %.2f s", secs);
        if (hwm_reset && rss_before > 0 && hwm_after > 0) {
            long grew_kb = hwm_after - rss_before;
            /* The file is ~13 MB; an import that buffered it would grow by
             * at least that much (a streaming one grows by SQLite's page
             * cache and the reader's chunk: ~5 MB). */
            ck_assert_msg(grew_kb * 1024 < (long)st.st_size,
                          "peak RSS grew by %ld KiB for a %lld-byte file", grew_kb,
                          (long long)st.st_size);
        }
    }
    recon_profile_free(p);
}
END_TEST

/* ---- suite --------------------------------------------------------------------------------- */

/* ---- summary over hostile amounts ---------------------------------------------------- */

typedef struct {
    int rows;
    int64_t amount[4], net[4];
    int overflow[4];
} summary_seen;

static int collect_summary(const recon_summary_row *r, void *payload) {
    summary_seen *s = payload;
    ck_assert_int_lt(s->rows, 4);
    s->amount[s->rows] = r->amount_minor;
    s->net[s->rows] = r->net_minor;
    s->overflow[s->rows] = r->overflow;
    s->rows++;
    return 0;
}

/* Rows may each hold up to INT64_MAX minor units, so a source's total can
 * leave int64_t. That source is flagged, and every other source is still
 * summed: SQLite's sum() would have stopped the whole summary. Totals that
 * pass through the edge and come back are exact. */
START_TEST(test_summary_flags_totals_past_int64_and_keeps_the_rest) {
    recon_profile *p = psp();
    const char *h = "id,type,created,amount,fee,currency\n";
    char text[1024];
    recon_import_opts o = RECON_IMPORT_OPTS_INIT;
    o.source = "a_big";
    snprintf(text, sizeof text,
             "%sb1,charge,2024-03-01,92233720368547758.07,0,EUR\n"
             "b2,charge,2024-03-01,0.01,0,EUR\n",
             h);
    import_ok("big.csv", text, p, &o);
    o.source = "b_edge";
    snprintf(text, sizeof text,
             "%se1,charge,2024-03-01,92233720368547758.07,0,EUR\n"
             "e2,charge,2024-03-01,92233720368547758.07,0,EUR\n"
             "e3,refund,2024-03-01,-92233720368547758.08,0,EUR\n"
             "e4,refund,2024-03-01,-92233720368547758.08,0,EUR\n"
             "e5,charge,2024-03-01,12.34,0,EUR\n",
             h);
    import_ok("edge.csv", text, p, &o);
    o.source = "c_small";
    snprintf(text, sizeof text, "%ss1,refund,2024-03-01,-12.50,0,EUR\n", h);
    import_ok("small.csv", text, p, &o);
    summary_seen seen = {0};
    ck_assert_int_eq(recon_summary_each(db, collect_summary, &seen), RECON_OK);
    ck_assert_int_eq(seen.rows, 3);
    ck_assert_int_eq(seen.overflow[0], 1);
    ck_assert_int_eq(seen.amount[0], 0);
    ck_assert_int_eq(seen.overflow[1], 0);
    ck_assert_int_eq(seen.amount[1], 1234 - 2);
    ck_assert_int_eq(seen.net[1], 1234 - 2);
    ck_assert_int_eq(seen.overflow[2], 0);
    ck_assert_int_eq(seen.amount[2], -1250);
    recon_profile_free(p);
}
END_TEST

static Suite *ingest_suite(void) {
    Suite *s = suite_create("ingest");

    TCase *m = tcase_create("mapping");
    tcase_add_unchecked_fixture(m, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(m, setup, teardown);
    tcase_add_test(m, test_psp_rows_are_stored_with_exact_values);
    tcase_add_test(m, test_amounts_use_each_currency_exponent);
    tcase_add_test(m, test_net_is_amount_minus_fee_when_absent_and_as_given_otherwise);
    tcase_add_test(m, test_signed_fee_is_stored_as_a_cost);
    tcase_add_test(m, test_invert_negates_signed_amounts);
    tcase_add_test(m, test_file_net_is_signed_like_the_amount);
    tcase_add_test(m, test_minor_units_are_taken_as_is);
    tcase_add_test(m, test_unknown_kind_maps_to_other_when_profile_says_so);
    tcase_add_test(m, test_kind_from_sign_and_default_kind);
    tcase_add_test(m, test_fixed_currency_fills_empty_optional_currency_cells);
    tcase_add_test(m, test_cells_are_trimmed_and_quoted_fields_unquoted);
    tcase_add_test(m, test_line_numbers_and_raw_text_follow_the_file);
    tcase_add_test(m, test_direction_gives_the_sign);
    suite_add_tcase(s, m);

    TCase *im = tcase_create("import_record");
    tcase_add_unchecked_fixture(im, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(im, setup, teardown);
    tcase_add_test(im, test_import_record_has_counts_status_and_times);
    tcase_add_test(im, test_source_and_file_name_options_are_recorded);
    tcase_add_test(im, test_sha256_is_the_digest_of_the_file_bytes);
    tcase_add_test(im, test_progress_reports_the_file_size);
    tcase_add_test(im, test_progress_is_not_reported_per_record_before_the_first_row);
    suite_add_tcase(s, im);

    TCase *idem = tcase_create("idempotency");
    tcase_add_unchecked_fixture(idem, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(idem, setup, teardown);
    tcase_add_test(idem, test_reimport_of_the_same_file_is_a_noop);
    tcase_add_test(idem, test_reimport_with_rejected_rows_does_not_duplicate_failures);
    tcase_add_test(idem, test_same_file_into_another_source_is_imported_again);
    tcase_add_test(idem, test_file_of_same_size_but_other_bytes_is_imported);
    tcase_add_test(idem, test_overlapping_files_count_duplicates);
    tcase_add_test(idem, test_reexported_rows_with_same_content_are_duplicates);
    tcase_add_test(idem, test_same_id_twice_in_one_file);
    tcase_add_test(idem, test_duplicate_id_with_different_content_is_rejected_and_original_kept);
    tcase_add_test(idem, test_generated_ids_have_date_hash_and_occurrence);
    tcase_add_test(idem, test_generated_id_date_is_the_utc_date_of_the_row);
    tcase_add_test(idem, test_generated_ids_are_the_same_in_another_database);
    tcase_add_test(idem, test_reshuffled_reimport_adds_nothing);
    tcase_add_test(idem, test_one_copy_after_two_adds_nothing);
    tcase_add_test(idem, test_three_copies_after_two_add_exactly_one);
    tcase_add_test(idem, test_one_copy_before_two_adds_one);
    tcase_add_test(idem, test_generated_ids_ignore_formatting_but_not_content);
    tcase_add_test(idem, test_rows_without_id_get_generated_ids_next_to_given_ones);
    suite_add_tcase(s, idem);

    TCase *rej = tcase_create("rejections");
    tcase_add_unchecked_fixture(rej, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(rej, setup, teardown);
    tcase_set_timeout(rej, 30);
    tcase_add_test(rej, test_reject_amount_invalid);
    tcase_add_test(rej, test_reject_fee_invalid_names_the_fee_column);
    tcase_add_test(rej, test_reject_net_invalid_names_the_net_column);
    tcase_add_test(rej, test_reject_amount_precision);
    tcase_add_test(rej, test_reject_amount_precision_for_zero_decimal_currency);
    tcase_add_test(rej, test_reject_amount_overflow);
    tcase_add_test(rej, test_reject_net_overflow_when_computed);
    tcase_add_test(rej, test_reject_amount_empty);
    tcase_add_test(rej, test_reject_all_empty_sum_as_amount_empty_and_go_on);
    tcase_add_test(rej, test_reject_net_mismatch);
    tcase_add_test(rej, test_reject_net_mismatch_after_invert);
    tcase_add_test(rej, test_reject_currency_unknown);
    tcase_add_test(rej, test_reject_currency_not_three_letters);
    tcase_add_test(rej, test_reject_currency_missing);
    tcase_add_test(rej, test_reject_date_invalid);
    tcase_add_test(rej, test_reject_date_out_of_range);
    tcase_add_test(rej, test_reject_settled_date_out_of_range_names_its_column);
    tcase_add_test(rej, test_reject_date_empty);
    tcase_add_test(rej, test_reject_kind_unknown);
    tcase_add_test(rej, test_reject_kind_empty);
    tcase_add_test(rej, test_reject_ragged_row_too_few_fields);
    tcase_add_test(rej, test_reject_ragged_row_too_many_fields);
    tcase_add_test(rej, test_trailing_empty_columns_are_padding);
    tcase_add_test(rej, test_may_omit_reads_short_rows_only_for_the_named_last_columns);
    tcase_add_test(rej, test_currency_from_the_amount_columns_names);
    tcase_add_test(rej, test_encoding_stated_guessed_and_recorded);
    tcase_add_test(rej, test_reject_csv_syntax);
    tcase_add_test(rej, test_reject_invalid_utf8_stores_raw_with_hex_escapes);
    tcase_add_test(rej, test_reject_invalid_utf8_names_its_field_and_column);
    tcase_add_test(rej, test_reject_field_too_large);
    tcase_add_test(rej, test_reject_field_too_large_names_its_field_and_column);
    tcase_add_test(rej, test_reject_debit_and_credit);
    tcase_add_test(rej, test_reject_debit_and_credit_both_empty);
    tcase_add_test(rej, test_reject_debit_invalid_names_the_debit_column);
    tcase_add_test(rej, test_reject_direction_unknown);
    tcase_add_test(rej, test_reject_negative_amount_with_direction);
    tcase_add_test(rej, test_many_bad_rows_never_stop_the_import);
    suite_add_tcase(s, rej);

    TCase *ref = tcase_create("refusals");
    tcase_add_unchecked_fixture(ref, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(ref, setup, teardown);
    tcase_add_test(ref, test_header_mismatch_is_refused_listing_missing_columns);
    tcase_add_test(ref, test_empty_file_is_format_error);
    tcase_add_test(ref, test_header_only_file_imports_zero_rows);
    tcase_add_test(ref, test_binary_file_is_format_error_and_writes_nothing);
    tcase_add_test(ref, test_bad_header_row_is_format_error);
    tcase_add_test(ref, test_missing_file_is_eio);
    tcase_add_test(ref, test_directory_is_eio);
    tcase_add_test(ref, test_source_with_another_type_is_a_conflict);
    tcase_add_test(ref, test_invalid_arguments_are_misuse);
    tcase_add_test(ref, test_header_less_file_without_rows_writes_nothing);
    tcase_add_test(ref, test_database_error_mid_file_writes_nothing);
    suite_add_tcase(s, ref);

    TCase *lay = tcase_create("layouts");
    tcase_add_unchecked_fixture(lay, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(lay, setup, teardown);
    tcase_add_test(lay, test_preamble_lines_are_skipped);
    tcase_add_test(lay, test_header_less_profile_uses_positions);
    tcase_add_test(lay, test_european_formats);
    tcase_add_test(lay, test_profile_time_zone_shifts_datetimes_not_dates);
    tcase_add_test(lay, test_builtin_generic_psp_imports_a_settlement_report);
    tcase_add_test(lay, test_builtin_generic_bank_imports_a_statement);
    suite_add_tcase(s, lay);

    TCase *tot = tcase_create("totals");
    tcase_add_unchecked_fixture(tot, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(tot, setup, teardown);
    tcase_add_test(tot, test_totals_currency_is_read_like_the_rows);
    tcase_add_test(tot, test_totals_that_overflow_never_agree);
    tcase_add_test(tot, test_summary_flags_totals_past_int64_and_keeps_the_rest);
    suite_add_tcase(s, tot);

    TCase *big = tcase_create("large");
    tcase_add_unchecked_fixture(big, tu_base_setup, tu_base_teardown);
    tcase_add_checked_fixture(big, setup, teardown);
    tcase_set_timeout(big, 120);
    tcase_add_test(big, test_large_file_streams_in_bounded_memory);
    suite_add_tcase(s, big);
    return s;
}

int main(void) {
    return tu_run(ingest_suite());
}
