/* A reporting tool: reads the books through the library's typed results
 * (integers and codes, never numbers re-parsed from text) and prints what
 * a controller checks each morning: the headline figures a scheduler can
 * alert on, and every open failure with its unified code.
 *
 *     report_status books.db
 *
 * Opens the database read-only: a report never writes, and runs beside an
 * import. Exit status: 0 all clear, 4 something needs a person, 1 failed. */
#include <recon.h>
#include <stdio.h>

static int print_failure(const recon_failure *f, void *payload) {
    int *n = payload;
    (*n)++;
    printf("  failure %lld: %s %s (%s), %s%s%lld\n", (long long)f->id, f->unified_code,
           f->provider_code ? f->provider_code : "-", f->category, f->file_name ? f->file_name : "",
           f->file_name ? " line " : "line ", (long long)f->line);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: report_status DATABASE\n");
        return 2;
    }
    recon_open_opts o = RECON_OPEN_OPTS_INIT;
    o.read_only = 1;
    recon_db *db = NULL;
    recon_status st;
    if (recon_open(argv[1], &o, &db) != RECON_OK || recon_status_get(db, &st) != RECON_OK) {
        fprintf(stderr, "report_status: %s\n", recon_errmsg(db));
        recon_close(db);
        return 1;
    }
    printf("unmatched %lld (oldest %lld days), open exceptions %lld, open failures %lld,"
           " broken payouts %lld\n",
           (long long)st.unmatched, (long long)st.oldest_unmatched_days,
           (long long)st.open_exceptions, (long long)st.open_failures,
           (long long)st.payouts_broken);
    recon_failure_filter open = RECON_FAILURE_FILTER_INIT;
    open.state = RECON_FAILURES_OPEN;
    int listed = 0;
    if (recon_failures_each(db, &open, print_failure, &listed) != RECON_OK) {
        fprintf(stderr, "report_status: %s\n", recon_errmsg(db));
        recon_close(db);
        return 1;
    }
    /* Money stays integer minor units; the library formats it exactly. */
    char amount[32];
    recon_money_format(-123456, "eur", amount, sizeof amount);
    printf("%d open failure(s) listed; amounts print exactly, e.g. %s EUR\n", listed, amount);
    recon_close(db);
    return st.unmatched || st.open_exceptions || st.open_failures || st.payouts_broken ? 4 : 0;
}
