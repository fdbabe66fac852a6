/* flows: where each payout's chain (items -> payout -> bank credit)
 * breaks. The classification lives in one place, the v_payouts view
 * (schema.c), so that a reporting tool reading the view and a program
 * calling recon_flows_check see the same answer; this module reads it into
 * structs and counts. */
#include <string.h>

#include "report/report.h"
#include "store/summary.h"
#include "util/opts.h"

static const char *const ISSUE_NAMES[] = {
    "currency_mismatch", "missing_bank_credit", "amount_difference",
    "missing_items",     "fee_mismatch",        "late",
};
#define NISSUES (sizeof ISSUE_NAMES / sizeof ISSUE_NAMES[0])

const char *recon_flow_issue_name(unsigned issue) {
    for (unsigned i = 0; i < NISSUES; i++)
        if (issue == 1u << i) return ISSUE_NAMES[i];
    return NULL;
}

/* "missing_items,late" -> RECON_FLOW_MISSING_ITEMS | RECON_FLOW_LATE. */
static unsigned parse_issues(const char *s) {
    unsigned bits = 0;
    while (s && *s) {
        size_t n = strcspn(s, ",");
        for (unsigned i = 0; i < NISSUES; i++)
            if (strlen(ISSUE_NAMES[i]) == n && strncmp(s, ISSUE_NAMES[i], n) == 0) bits |= 1u << i;
        s += n + (s[n] == ',');
    }
    return bits;
}

/* clang-format off */
static const char FLOWS_SQL[] =
    "SELECT source, payout_id, currency, payout_day, payout_transaction_id IS NOT NULL,"
    "  coalesce(payout_minor, 0), items, items_net_minor, expected_minor, bank_records > 0,"
    "  bank_external_id, bank_day, coalesce(bank_minor, 0), coalesce(difference_minor, 0),"
    "  coalesce(days_to_arrive, 0), rejected_items, issues, currency_mismatch_minor,"
    "  missing_bank_credit_minor, amount_difference_minor, missing_items_minor,"
    "  fee_mismatch_minor, status, bank_currency, bank_shared, expected_minor IS NULL"
    " FROM v_payouts"
    " WHERE" RC_SQL_FILTER("payout_day", "source")
    "ORDER BY source, payout_day IS NULL, payout_day, payout_id, currency";
/* clang-format on */

#define TEXT(i) ((const char *)sqlite3_column_text(st, (i)))
#define INT(i) ((int64_t)sqlite3_column_int64(st, (i)))

static void read_flow(sqlite3_stmt *st, recon_payout_flow *f) {
    f->source = TEXT(0);
    f->payout_id = TEXT(1);
    f->currency = TEXT(2);
    f->payout_day = TEXT(3);
    f->has_payout_row = (int)INT(4);
    f->payout_minor = INT(5);
    f->items = INT(6);
    f->items_net_minor = INT(7);
    f->expected_minor = INT(8);
    f->has_bank = (int)INT(9);
    f->bank_external_id = TEXT(10);
    f->bank_day = TEXT(11);
    f->bank_minor = INT(12);
    f->difference_minor = INT(13);
    f->days_to_arrive = (int)INT(14);
    f->rejected_items = INT(15);
    f->issues = parse_issues(TEXT(16));
    f->currency_mismatch_minor = INT(17);
    f->missing_bank_credit_minor = INT(18);
    f->amount_difference_minor = INT(19);
    f->missing_items_minor = INT(20);
    f->fee_mismatch_minor = INT(21);
    f->status = TEXT(22);
    f->bank_currency = TEXT(23);
    f->bank_shared = (int)INT(24);
    f->overflow = (int)INT(25);
}

static void count_flow(recon_flows_totals *t, const char *status, unsigned issues) {
    t->payouts++;
    if (strcmp(status, "ok") == 0)
        t->ok++;
    else if (strcmp(status, "in_transit") == 0)
        t->in_transit++;
    if (issues & RECON_FLOW_LATE) t->late++;
    if (issues & ~RECON_FLOW_LATE) t->broken++;
    for (unsigned i = 0; i < NISSUES; i++)
        if (issues & (1u << i)) t->by_class[i]++;
}

void recon_flows_totals_add(recon_flows_totals *t, const char *status, const char *issues) {
    if (t && status) count_flow(t, status, parse_issues(issues));
}

int recon_flows_check(recon_db *db, const recon_report_filter *filter,
                      int (*cb)(const recon_payout_flow *flow, void *payload), void *payload,
                      recon_flows_totals *totals) {
    rc_clear_error(db);
    if (!db) return RECON_EMISUSE;
    if (totals) {
        int rc = rc_out_check(db, totals, "recon_flows_check", "recon_flows_totals");
        if (rc) return rc;
    }
    recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
    memset(&t, 0, sizeof t);
    sqlite3_stmt *st;
    int rc = rc_summary_refresh(db);
    if (!rc) rc = rc_prepare(db, FLOWS_SQL, &st);
    if (rc) return rc;
    if ((rc = rc_bind_filter(db, st, filter)) != RECON_OK) {
        sqlite3_finalize(st);
        return rc;
    }
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_payout_flow f = {.version = RECON_PAYOUT_FLOW_VERSION};
        read_flow(st, &f);
        count_flow(&t, f.status, f.issues);
        int stop = cb ? cb(&f, payload) : 0;
        if (stop) {
            rc = rc_callback_stop(db, stop, "checking payout flows");
            break;
        }
    }
    if (!rc && step != SQLITE_DONE) rc = rc_fail_sql(db, "checking payout flows");
    sqlite3_finalize(st);
    static const size_t sizes[] = {0, sizeof t};
    if (totals && !rc) rc_out_put(totals, &t, RECON_FLOWS_TOTALS_VERSION, sizes);
    return rc;
}
