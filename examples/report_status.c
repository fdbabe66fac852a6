/* A reporting tool: reads the books through the library's typed results
 * (integers and codes, never numbers re-parsed from text) and prints what
 * a controller checks each morning: the headline figures a scheduler can
 * alert on, what the matches hold on each side, every open exception with
 * its candidates, the unexplained money by age, and every open failure
 * with its unified code.
 *
 *     report_status books.db
 *
 * Opens the database read-only: a report never writes, and runs beside an
 * import. Exit status: 0 all clear, 4 something needs a person, 1 failed. */
#include <recon.h>
#include <stdio.h>
#include <string.h>

static int print_failure(const recon_failure *f, void *payload) {
    int *n = payload;
    (*n)++;
    printf("  failure %lld: %s %s (%s), %s%s%lld\n", (long long)f->id, f->unified_code,
           f->provider_code ? f->provider_code : "-", f->category, f->file_name ? f->file_name : "",
           f->file_name ? " line " : "line ", (long long)f->line);
    return 0;
}

/* Sums each side of the active matches in minor units, per currency
 * (amounts of two currencies never add up). */
typedef struct {
    long long matches;
    size_t n;
    struct {
        char code[4];
        long long left_minor, right_minor;
    } cur[16];
} sides;

static int add_match(const recon_match *m, void *payload) {
    sides *s = payload;
    s->matches++;
    for (size_t i = 0; i < m->nitems; i++) {
        const recon_item *it = m->items[i];
        size_t k = 0;
        while (k < s->n && strcmp(s->cur[k].code, it->currency))
            k++;
        if (k == s->n) {
            if (s->n == sizeof s->cur / sizeof s->cur[0]) return 1; /* stop: too many */
            snprintf(s->cur[s->n++].code, 4, "%s", it->currency);
        }
        if (it->side[0] == 'l')
            s->cur[k].left_minor += it->amount_minor;
        else
            s->cur[k].right_minor += it->amount_minor;
    }
    return 0;
}

static int print_exception(const recon_exception *x, void *payload) {
    (void)payload;
    printf("  exception %lld (%s): %s %s %lld %s, %zu candidate(s):", (long long)x->exception_id,
           x->reason, x->item->source, x->item->external_id, (long long)x->item->amount_minor,
           x->item->currency, x->ncandidates);
    for (size_t i = 0; i < x->ncandidates; i++)
        printf(" %s %lld", x->candidates[i]->external_id,
               (long long)x->candidates[i]->amount_minor);
    printf("\n");
    return 0;
}

/* The aging report's money cells come typed too: ints[] holds minor
 * units, so nothing re-parses "1,234.56". */
static int add_aging(const recon_report_row *r, void *payload) {
    long long *gross = payload;
    for (size_t i = 0; i < r->ncolumns; i++)
        if (r->types[i] == RECON_COL_MONEY && r->values[i] && !strcmp(r->names[i], "gross"))
            *gross += r->ints[i];
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
    recon_status st = RECON_STATUS_INIT;
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
    static sides s;
    long long gross = 0;
    if (recon_matches_each(db, NULL, add_match, &s) != RECON_OK ||
        recon_exceptions_each(db, NULL, print_exception, NULL) != RECON_OK ||
        recon_report_each(db, RECON_REPORT_AGING, NULL, add_aging, &gross) != RECON_OK) {
        fprintf(stderr, "report_status: %s\n", recon_errmsg(db));
        recon_close(db);
        return 1;
    }
    printf("matches %lld\n", s.matches);
    for (size_t k = 0; k < s.n; k++)
        printf("  %s: left %lld, right %lld minor units\n", s.cur[k].code, s.cur[k].left_minor,
               s.cur[k].right_minor);
    printf("unexplained by age: %lld minor units\n", gross);
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
