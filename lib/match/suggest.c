/* suggest: the confidence of a candidate pair a rule did not confirm.
 *
 * Confidence 100 is what the engine has always confirmed: a pair that
 * meets every criterion of its rule and that no other candidate rivals on
 * either side. Everything else starts at 100 and loses points for what
 * stands between it and that (docs/MATCHING.md has the table):
 *   reference  how the texts relate: equal 0, normalized 2, contains 5,
 *              cut short 10, no reference at all 20;
 *   amount     within tolerance 1 + bps/10 (at most 10); beyond it
 *              15 + (bps beyond)/10 (at most 50); a fee rule's long side
 *              counts as all beyond;
 *   date       outside the window 10 + 5 per day (at most 40); no date
 *              where the rule needs one 40;
 *   rivals     20 for the first candidate nearly as good, 10 for each
 *              more (at most 40).
 * Points, not probabilities: they rank candidates and set thresholds a
 * team can read, and each suggestion's evidence lists them. May call:
 * util/calendar, match/rules.h. */
#include <stdio.h>

#include "match/suggest.h"
#include "util/calendar.h"

#ifdef SQLITE_VERSION
#error "suggest is computation only"
#endif

static uint64_t magnitude(int64_t v) {
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

/* d in basis points of big, capped at 10000 (all of it, or big = 0). */
static uint64_t bps_of(uint64_t d, uint64_t big) {
    if (!big) return d ? 10000 : 0;
    uint64_t b = d > UINT64_MAX / 10000 ? 10000 : d * 10000 / big;
    return b > 10000 ? 10000 : b;
}

static int capped(uint64_t v, int cap) {
    return v > (uint64_t)cap ? cap : (int)v;
}

static uint64_t tolerance_of(const rc_rule *r, uint64_t big) {
    uint64_t tol = (uint64_t)r->tol_minor;
    uint64_t bps = big / 10000 * (uint64_t)r->tol_bps + big % 10000 * (uint64_t)r->tol_bps / 10000;
    return bps > tol ? bps : tol;
}

static void total(rc_doubt *d) {
    int c = 100 - d->reference - d->amount - d->date - d->rivals;
    d->confidence = c < 0 ? 0 : c;
}

void rc_doubt_of(const rc_rule *r, const rc_unit *l, const rc_unit *ru, const rc_verdict *v,
                 rc_doubt *d) {
    static const int REF_POINTS[] = {20, 0, 2, 5, 10}; /* by ref_how */
    *d = (rc_doubt){.failed = v->failed};
    if (v->failed == RC_FAIL_CURRENCY || v->failed == RC_FAIL_REFERENCE) return;
    d->reference = REF_POINTS[v->ref_how >= 0 && v->ref_how <= 4 ? v->ref_how : 0];
    /* The judge stops at the first failing criterion: the difference and
     * the day distance are worked out here for every candidate. */
    int64_t right = r->opposite && ru->value != INT64_MIN ? -ru->value : ru->value;
    int64_t diff;
    if (l->overflow || ru->overflow || l->value == INT64_MIN || ru->value == INT64_MIN ||
        __builtin_sub_overflow(l->value, right, &diff)) {
        d->amount = 50;
    } else {
        d->difference = diff;
        uint64_t big = magnitude(l->value), m = magnitude(diff), tol = tolerance_of(r, big);
        int long_fee = r->difference_as == RC_VAR_FEE && diff > 0;
        if (m && m <= tol && !long_fee)
            d->amount = 1 + capped(bps_of(m, big) / 10, 9);
        else if (m)
            d->amount = 15 + capped(bps_of(long_fee ? m : m - tol, big) / 10, 35);
    }
    if (r->use_date) {
        if (l->date == RC_NO_DATE || ru->date == RC_NO_DATE) {
            d->date = 40;
        } else {
            d->days = rc_day_distance(l->date, ru->date, r->business_days);
            d->has_days = 1;
            int out = d->days < r->win_min   ? r->win_min - d->days
                      : d->days > r->win_max ? d->days - r->win_max
                                             : 0;
            if (out) d->date = 10 + (out > 6 ? 30 : 5 * out);
        }
    }
    total(d);
}

void rc_doubt_rivals(rc_doubt *d, int n) {
    d->nrivals = n;
    d->rivals = n <= 0 ? 0 : n >= 3 ? 40 : 20 + 10 * (n - 1);
    total(d);
}

void rc_doubt_evidence(const rc_doubt *d, const rc_verdict *v, const char *reason, const rc_unit *l,
                       const rc_unit *ru, char *buf, size_t size) {
    static const char *const how[] = {"none", "equal", "normalized", "contains", "truncated"};
    static const char *const fail[] = {"", "currency", "reference", "amount", "date"};
    int ref = v->ref_how >= 0 && v->ref_how <= 4 ? v->ref_how : 0;
    int n = snprintf(buf, size, "{\"reference\":\"%s\",\"difference\":%lld", how[ref],
                     (long long)d->difference);
    if (d->has_days && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, ",\"days\":%d", d->days);
    if (n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n,
                      ",\"left_items\":%u,\"right_items\":%u,\"exception\":\"%s\"", l->count,
                      ru->count, reason);
    if (d->failed && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, ",\"failed\":\"%s\"", fail[d->failed]);
    if (n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n,
                 ",\"rivals\":%d,\"points\":{\"reference\":%d,\"amount\":%d,\"date\":%d,"
                 "\"rivals\":%d},\"confidence\":%d}",
                 d->nrivals, d->reference, d->amount, d->date, d->rivals, d->confidence);
}
