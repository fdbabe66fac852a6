/* engine: the matching engine's decisions, on rows in memory. For each
 * rule, in priority order:
 *
 *   1. take both sides' candidates (the rows not matched or ignored, of the
 *      rule's sources and kinds) into arrays of units: a unit is one
 *      transaction, or on an aggregated side a group of transactions with
 *      the same key and currency (its amount the sum, its date the latest);
 *   2. index the right units: sorted by reference hash, or by currency,
 *      amount and date; for `contains`, a trie of their keys walked from
 *      each token start of the left text (keytrie.c): every candidate
 *      search costs its input and its output, never a loop over the other
 *      side;
 *   3. judge each (left, right) pair found, and keep a pair only when each
 *      is the other's single best: an item with two equally good
 *      candidates, or whose candidate fits another item as well, is an
 *      exception listing them; so are near misses (same reference but the
 *      amount or date off; same amount but the date off);
 *   4. mark the matched transactions as taken for the later rules.
 *
 * Decisions depend on values only (sets, not row order), so the result is
 * the same whatever order the data came in. No SQL here: match.c loads the
 * rows, the taken set and the vetoes, and writes the pairs and exceptions
 * decided. May call: util/ (calendar, record), match/rules.h, Jansson. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/engine.h"
#include "match/keytrie.h"
#include "match/suggest.h"
#include "util/bigmem.h"
#include "util/calendar.h"
#include "util/hash.h"
#include "util/record.h"

/* make lint sees direct includes only: this catches SQLite arriving
 * through another header (match/match.h, store/store.h). */
#ifdef SQLITE_VERSION
#error "the match engine must not see SQLite: loading and writing belong in match.c"
#endif

#define MAX_CANDIDATES 8  /* listed in an exception */
#define NEAR_DAYS 7       /* a date this far outside the window is a near miss */
#define MAX_SUGGESTIONS 3 /* per left unit, best first: a person reads the top few */
/* A suggestion's evidence with every number at its limit is 276 bytes:
 * never cut (a cut would not be JSON). */
#define SUGGESTION_EVIDENCE_MAX 384

/* ---- small containers --------------------------------------------------------------------- */

int rc_bitset_init(rc_bitset *b, int64_t max) {
    b->max = max < 0 ? 0 : max;
    b->bits = calloc((size_t)(b->max / 8 + 1), 1);
    return b->bits ? 0 : -1;
}

void rc_bitset_free(rc_bitset *b) {
    free(b->bits);
    b->bits = NULL;
}

void rc_bitset_set(rc_bitset *b, int64_t id) {
    if (id >= 0 && id <= b->max) b->bits[id / 8] |= (uint8_t)(1u << (id % 8));
}

int rc_bitset_has(const rc_bitset *b, int64_t id) {
    return id >= 0 && id <= b->max && (b->bits[id / 8] >> (id % 8) & 1);
}

void rc_bitset_clear(rc_bitset *b, int64_t id) {
    if (id >= 0 && id <= b->max) b->bits[id / 8] &= (uint8_t) ~(1u << (id % 8));
}

int rc_parts_add(rc_parts *ps, int64_t id, int64_t open) {
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 64;
        rc_part *g = realloc(ps->p, cap * sizeof *g);
        if (!g) return -1;
        ps->p = g;
        ps->cap = cap;
    }
    ps->p[ps->n++] = (rc_part){id, open};
    return 0;
}

const rc_part *rc_parts_find(const rc_parts *ps, int64_t id) {
    size_t lo = 0, hi = ps->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->p[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ps->n && ps->p[lo].id == id ? &ps->p[lo] : NULL;
}

int rc_pool_add(rc_pool *p, const char *s, size_t n, uint32_t *out) {
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + n + 1)
            cap *= 2;
        if (cap > UINT32_MAX) return -1;
        char *g = rc_big_realloc(p->s, cap);
        if (!g) return -1;
        p->s = g;
        p->cap = cap;
    }
    *out = (uint32_t)p->len;
    if (n) memcpy(p->s + p->len, s, n);
    p->s[p->len + n] = '\0';
    p->len += n + 1;
    return 0;
}

static int units_push(rc_units *u, const rc_unit *it) {
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 1024;
        rc_unit *g = rc_big_realloc(u->u, cap * sizeof *g);
        if (!g) return -1;
        u->u = g;
        u->cap = cap;
    }
    u->u[u->n++] = *it;
    return 0;
}

void rc_units_free(rc_units *u) {
    rc_big_free(u->u);
    rc_big_free(u->alias);
    rc_big_free(u->member);
    rc_big_free(u->pool.s);
    memset(u, 0, sizeof *u);
}

/* A text's hash, for sorting and finding texts; never 0 ("no text"). */
static uint64_t hash_n(const char *s, size_t n) {
    return rc_fnv1a(RC_FNV1A_BASIS, s, n) | 1;
}

/* ---- rows and units ----------------------------------------------------------------------- */

/* The text a side compares: normalized when the rule compares normalized,
 * folded when it looks for one side's key inside the other's text, and
 * otherwise the stored text itself (no copy: it stays in the rows' pool).
 * raw is NULL or points into the rows' pool. */
static int unit_text(const rc_rule *r, const rc_rows *rows, const char *raw, rc_units *u,
                     rc_unit *it) {
    char norm[512];
    size_t n = raw ? strlen(raw) : 0;
    it->text = RC_NO_TEXT;
    it->hash = 0;
    if (r->ref == RC_REF_NONE || !n) return 0; /* nothing compared */
    if (r->ref == RC_REF_NORMALIZED)
        n = rc_ref_normalize(raw, n, norm, sizeof norm);
    else if (r->ref == RC_REF_CONTAINS)
        n = rc_ref_fold(raw, n, norm, sizeof norm);
    if (!n) return 0;
    uint64_t h = hash_n(r->ref == RC_REF_EQUAL ? raw : norm, n);
    it->hash = (uint32_t)(h ^ (h >> 32)) | 1;
    if (r->ref == RC_REF_EQUAL) {
        it->text = (uint32_t)(raw - rows->pool.s);
        return 0;
    }
    return rc_pool_add(&u->pool, norm, n, &it->text);
}

static const rc_alias *alias_of(const rc_rows *rows, const char *key);

/* counterparty = equal|alias: the text a unit compares is its payer's key
 * (rc_party_key) of its counterparty, or on the left, when it names none,
 * of its description. On the left of an alias rule, a key people taught
 * an alias for stands for the alias's counterparty; *alias says which. */
static int party_text(const rc_rule *r, const rc_rows *rows, const rc_row *row, int left,
                      rc_units *u, rc_unit *it, int64_t *alias) {
    char key[512];
    uint32_t off = row->text[RC_TF_COUNTERPARTY];
    if (off == RC_NO_TEXT && left) off = row->text[RC_TF_DESCRIPTION];
    it->text = RC_NO_TEXT;
    it->hash = 0;
    if (off == RC_NO_TEXT) return 0;
    const char *raw = rows->pool.s + off;
    size_t n = rc_party_key(raw, strlen(raw), key, sizeof key);
    if (!n) return 0;
    const char *text = key;
    const rc_alias *a = left && r->party == 2 ? alias_of(rows, key) : NULL;
    if (a) {
        text = a->cp;
        n = strlen(text);
        *alias = a->id;
    }
    uint64_t h = hash_n(text, n);
    it->hash = (uint32_t)(h ^ (h >> 32)) | 1;
    return rc_pool_add(&u->pool, text, n, &it->text);
}

/* The alias of the unit about to be pushed (units_push keeps u->n). */
static int note_alias(rc_units *u, int64_t alias) {
    if (u->n >= u->alias_cap) {
        size_t cap = u->alias_cap ? 2 * u->alias_cap : 1024;
        int64_t *g = rc_big_realloc(u->alias, cap * sizeof *g);
        if (!g) return -1;
        u->alias = g;
        u->alias_cap = cap;
    }
    u->alias[u->n] = alias;
    return 0;
}

/* Units compare by their sort key text (a group key), then currency, then
 * source, then id; sk points into the pool, set once the pool no longer
 * moves. */
static int cmp_key(const rc_unit *x, const rc_unit *y) {
    int c = strcmp(x->sk, y->sk);
    if (!c) c = memcmp(x->currency, y->currency, 3);
    /* One source's payout never takes in another source's rows. */
    return c ? c : (x->source > y->source) - (x->source < y->source);
}

static int cmp_group(const void *a, const void *b) {
    const rc_unit *x = a, *y = b;
    int c = cmp_key(x, y);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Turns the loaded transactions of an aggregated side into groups: one
 * unit per (key, currency), its value the sum, its date the latest. */
static int make_groups(rc_units *u) {
    for (size_t i = 0; i < u->n; i++)
        u->u[i].sk = u->pool.s + u->u[i].key;
    if (u->n) qsort(u->u, u->n, sizeof *u->u, cmp_group);
    if (u->n && !(u->member = rc_big_malloc(u->n * sizeof *u->member))) return -1;
    size_t out = 0;
    for (size_t i = 0; i < u->n;) {
        rc_unit g = u->u[i];
        g.first = (uint32_t)u->nmember;
        g.count = 0;
        g.value = 0;
        size_t j = i;
        for (; j < u->n && !cmp_key(&u->u[j], &u->u[i]); j++) {
            if (__builtin_add_overflow(g.value, u->u[j].value, &g.value)) g.overflow = 1;
            if (g.value == INT64_MIN) g.overflow = 1; /* no opposite, no magnitude */
            if (u->u[j].date != RC_NO_DATE && (g.date == RC_NO_DATE || u->u[j].date > g.date))
                g.date = u->u[j].date;
            u->member[u->nmember++] = u->u[j].id;
            g.count++;
        }
        u->u[out++] = g;
        i = j;
    }
    u->n = out;
    return 0;
}

int rc_rows_push(rc_rows *rows, const rc_row *row) {
    if (rows->n == rows->cap) {
        size_t cap = rows->cap ? 2 * rows->cap : 4096;
        rc_row *g = rc_big_realloc(rows->row, cap * sizeof *g);
        if (!g) return -1;
        rows->row = g;
        rows->cap = cap;
    }
    rows->row[rows->n++] = *row;
    return 0;
}

int rc_rows_add_source(rc_rows *rows, const char *name, recon_source_type type) {
    if (rows->nsrc == rows->capsrc) {
        size_t cap = rows->capsrc ? 2 * rows->capsrc : 16;
        rc_source *g = realloc(rows->src, cap * sizeof *g);
        if (!g) return -1;
        rows->src = g;
        rows->capsrc = cap;
    }
    rc_source *src = &rows->src[rows->nsrc];
    src->type = type;
    if (!(src->name = strdup(name))) return -1;
    rows->nsrc++;
    return 0;
}

int rc_rows_add_alias(rc_rows *rows, const char *pattern, const char *counterparty, int64_t id) {
    if (rows->nalias == rows->capalias) {
        size_t cap = rows->capalias ? 2 * rows->capalias : 16;
        rc_alias *g = realloc(rows->alias, cap * sizeof *g);
        if (!g) return -1;
        rows->alias = g;
        rows->capalias = cap;
    }
    rc_alias *a = &rows->alias[rows->nalias];
    a->id = id;
    a->p = a->cp = NULL;
    if (rc_pool_add(&rows->apool, pattern, strlen(pattern), &a->pattern) ||
        rc_pool_add(&rows->apool, counterparty, strlen(counterparty), &a->counterparty))
        return -1;
    rows->nalias++;
    return 0;
}

static int cmp_alias(const void *a, const void *b) {
    return strcmp(((const rc_alias *)a)->p, ((const rc_alias *)b)->p);
}

void rc_rows_sort_aliases(rc_rows *rows) {
    for (size_t i = 0; i < rows->nalias; i++) {
        rows->alias[i].p = rows->apool.s + rows->alias[i].pattern;
        rows->alias[i].cp = rows->apool.s + rows->alias[i].counterparty;
    }
    if (rows->nalias) qsort(rows->alias, rows->nalias, sizeof *rows->alias, cmp_alias);
}

/* The alias of a payer key, or NULL. */
static const rc_alias *alias_of(const rc_rows *rows, const char *key) {
    size_t lo = 0, hi = rows->nalias;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(rows->alias[mid].p, key);
        if (!c) return &rows->alias[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void rc_rows_free(rc_rows *rows) {
    rc_big_free(rows->row);
    rc_big_free(rows->pool.s);
    free(rows->alias);
    rc_big_free(rows->apool.s);
    for (size_t i = 0; i < rows->nsrc; i++)
        free(rows->src[i].name);
    free(rows->src);
    memset(rows, 0, sizeof *rows);
}

unsigned rc_rules_text_fields(const recon_rules *rules) {
    unsigned f = 1u << RC_TF_EXTERNAL_ID | 1u << RC_TF_GROUP_ID; /* names, attach_group */
    for (size_t i = 0; i < rules->n; i++) {
        const rc_rule *r = &rules->rule[i];
        f |= 1u << r->group_left | 1u << r->group_right;
        if (r->party) f |= 1u << RC_TF_DESCRIPTION; /* a left side without a counterparty */
        if (r->ref != RC_REF_NONE) f |= 1u << r->ref_left | 1u << r->ref_right;
    }
    return f;
}

unsigned rc_rules_kept_kinds(const recon_rules *rules) {
    unsigned keep = 0;
    for (size_t i = 0; i < rules->n; i++)
        keep |= rules->rule[i].skip_groups_with;
    return keep;
}

/* Does a rule's side take rows of this source? */
static int side_has_source(const rc_side *side, const rc_source *src) {
    if (side->type) return side->type == src->type;
    for (size_t i = 0; i < side->nsources; i++)
        if (!strcmp(side->sources[i], src->name)) return 1;
    return 0;
}

/* A group key that a skip_groups_with row holds. */
typedef struct {
    const char *key;
    uint32_t source;
    char currency[4];
} marker;

static int cmp_marker(const void *a, const void *b) {
    const marker *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (!c) c = memcmp(x->currency, y->currency, 3);
    return c ? c : (x->source > y->source) - (x->source < y->source);
}

/* The (source, key, currency) of every row of the side's sources whose
 * kind is in mask; sorted for bsearch. NULL with *n 0 when none. */
static marker *find_markers(const rc_rows *rows, const unsigned char *in, unsigned mask,
                            rc_textfield tf, size_t *n) {
    *n = 0;
    marker *m = NULL;
    size_t cap = 0;
    for (size_t i = 0; mask && i < rows->n; i++) {
        const rc_row *row = &rows->row[i];
        if (!in[row->source] || row->kind < 0 || !(mask & (1u << row->kind)) ||
            row->text[tf] == RC_NO_TEXT)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            marker *g = realloc(m, cap * sizeof *g);
            if (!g) {
                free(m);
                *n = SIZE_MAX;
                return NULL;
            }
            m = g;
        }
        m[*n].key = rows->pool.s + row->text[tf];
        m[*n].source = row->source;
        memcpy(m[*n].currency, row->currency, 4);
        (*n)++;
    }
    if (*n) qsort(m, *n, sizeof *m, cmp_marker);
    return m;
}

int rc_match_load(const rc_rows *rows, const rc_rule *r, int left, const rc_bitset *taken,
                  rc_units *u) {
    const rc_side *side = left ? &r->left : &r->right;
    int grouped = r->card == RC_CARD_MANY_TO_MANY ||
                  (left ? r->card == RC_CARD_MANY_TO_ONE : r->card == RC_CARD_ONE_TO_MANY);
    rc_textfield tf = grouped ? (left ? r->group_left : r->group_right)
                      : left  ? r->ref_left
                              : r->ref_right;
    rc_valfield vf = left ? r->value_left : r->value_right;
    rc_datefield df = left ? r->date_left : r->date_right;
    /* Which sources this side takes, decided once, not per row. */
    unsigned char *in = calloc(rows->nsrc + 1, 1);
    if (!in) return -1;
    for (size_t i = 0; i < rows->nsrc; i++)
        in[i] = (unsigned char)side_has_source(side, &rows->src[i]);
    /* A payout row keeps its group id, for attaching its items. */
    int keep_gid = !grouped && !left && r->attach_group;
    u->rows = rows;
    u->grouped = grouped;
    u->text_in_rows = r->ref == RC_REF_EQUAL;
    size_t nmark = 0;
    marker *mark = grouped ? find_markers(rows, in, r->skip_groups_with, tf, &nmark) : NULL;
    int rc = nmark == SIZE_MAX;
    for (size_t i = 0; !rc && i < rows->n; i++) {
        const rc_row *row = &rows->row[i];
        if (!in[row->source] || row->kind < 0 || !(side->kinds & (1u << row->kind)) ||
            rc_bitset_has(taken, row->id) || (row->partial && !r->allow_partial))
            continue;
        const char *text = row->text[tf] == RC_NO_TEXT ? NULL : rows->pool.s + row->text[tf];
        if (grouped && !text) continue; /* an aggregated side needs its key */
        if (nmark) {
            marker want = {text, row->source, {0}};
            memcpy(want.currency, row->currency, 4);
            if (bsearch(&want, mark, nmark, sizeof *mark, cmp_marker)) continue;
        }
        rc_unit it;
        memset(&it, 0, sizeof it);
        it.id = row->id;
        memcpy(it.currency, row->currency, 4);
        it.value = row->value[vf];
        it.partial = row->partial;
        it.has_fee = row->value[RC_VAL_FEE] != 0;
        it.date = row->day[df];
        it.key = RC_NO_TEXT;
        it.count = 1;
        it.source = row->source;
        it.external_id = row->text[RC_TF_EXTERNAL_ID];
        const char *gid = row->text[RC_TF_GROUP_ID] == RC_NO_TEXT
                              ? NULL
                              : rows->pool.s + row->text[RC_TF_GROUP_ID];
        int64_t alias = 0;
        rc = (r->party ? party_text(r, rows, row, left, u, &it, &alias)
                       : unit_text(r, rows, text, u, &it)) ||
             (r->party == 2 && left && note_alias(u, alias)) ||
             (grouped && rc_pool_add(&u->pool, text, strlen(text), &it.key)) ||
             (keep_gid && gid && rc_pool_add(&u->pool, gid, strlen(gid), &it.key)) ||
             units_push(u, &it);
    }
    free(in);
    free(mark);
    if (!rc && grouped && make_groups(u)) rc = -1;
    return rc ? -1 : 0;
}

/* ---- judging a pair ------------------------------------------------------------------------- */

/* |v| without overflow, INT64_MIN included. */
static uint64_t magnitude(int64_t v) {
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

/* allow_partial: the percent (1..99) the smaller of two amounts of one
 * sign is of the larger, when it is at least the rule's minimum share;
 * else 0 (no part). The larger is the one taken in part: not when it
 * carries a fee, which no part could take exactly. */
static int partial_share(const rc_rule *r, const rc_unit *l, const rc_unit *ri, int64_t right) {
    int64_t left = l->value;
    if (!r->allow_partial || !left || !right || (left < 0) != (right < 0)) return 0;
    uint64_t a = magnitude(left), b = magnitude(right);
    if ((a > b ? l : ri)->has_fee) return 0;
    uint64_t small = a < b ? a : b, large = a < b ? b : a;
    while (large > UINT64_MAX / 100) /* a percent needs no more than the top bits */
        large >>= 7, small >>= 7;
    if (small * 100 < large * (uint64_t)r->partial_min_share) return 0;
    uint64_t pct = small * 100 / large;
    return pct < 1 ? 1 : pct > 99 ? 99 : (int)pct;
}

/* A partial pair's score: 600 less what its reference cost (580 to 600),
 * below every pair whose amounts agree (679 or more). Among partial pairs
 * of one score, rc_verdict_tie orders them. */
static int partial_score(const rc_verdict *v) {
    return 600 - (1000 - v->score);
}

uint32_t rc_verdict_tie(const rc_verdict *v) {
    if (!v->partial) return 0;
    uint32_t days = (uint32_t)(v->days < 0 ? -(int64_t)v->days : v->days);
    return (days > 100000 ? 100000 : days) * 128 + (uint32_t)(100 - v->partial);
}

uint64_t rc_pair_part(const rc_pair *p, const rc_unit *l, const rc_unit *r) {
    if (!p->partial) return 0;
    uint64_t a = magnitude(l->value), b = magnitude(r->value);
    return a < b ? a : b;
}

rc_verdict rc_match_judge(const rc_rule *r, const rc_units *L, const rc_unit *l, const rc_units *R,
                          const rc_unit *ri) {
    rc_verdict v = {RC_FAIL_NONE, 1000, 0, 0, 0, 0};
    if (!r->any_currency && memcmp(l->currency, ri->currency, 3) != 0) {
        v.failed = RC_FAIL_CURRENCY;
        return v;
    }
    const char *lt = rc_unit_text(L, l), *rt = rc_unit_text(R, ri);
    switch (r->ref) {
    case RC_REF_NONE:
        v.score -= 100; /* amount and date alone: weaker than any reference */
        break;
    case RC_REF_EQUAL:
    case RC_REF_NORMALIZED:
        v.ref_how = r->ref == RC_REF_EQUAL ? 1 : 2;
        if (!*lt || strcmp(lt, rt) != 0) v.failed = RC_FAIL_REFERENCE;
        v.score -= r->ref == RC_REF_EQUAL ? 0 : 2;
        break;
    case RC_REF_CONTAINS:
        v.ref_how = rc_key_contains(lt, rt);
        if (!v.ref_how) v.failed = RC_FAIL_REFERENCE;
        v.score -= v.ref_how == 4 ? 20 : 5;
        break;
    }
    if (v.failed) return v;
    /* INT64_MIN has no opposite: such a unit is never matched, like an
     * overflowed sum. */
    int64_t right = r->opposite && ri->value != INT64_MIN ? -ri->value : ri->value;
    if (ri->overflow || l->overflow || ri->value == INT64_MIN || l->value == INT64_MIN ||
        __builtin_sub_overflow(l->value, right, &v.difference)) {
        v.failed = RC_FAIL_AMOUNT;
        return v;
    }
    uint64_t diff = v.difference < 0 ? 0 - (uint64_t)v.difference : (uint64_t)v.difference;
    uint64_t big = magnitude(l->value);
    uint64_t tol = (uint64_t)r->tol_minor;
    if (r->tol_bps &&
        big / 10000 * (uint64_t)r->tol_bps + big % 10000 * (uint64_t)r->tol_bps / 10000 > tol)
        tol = big / 10000 * (uint64_t)r->tol_bps + big % 10000 * (uint64_t)r->tol_bps / 10000;
    /* A fee withheld only ever leaves the left side short: a left that got
     * more than the right promises is not explained by one. */
    if (diff > tol || (r->difference_as == RC_VAR_FEE && v.difference > 0)) {
        if (!(v.partial = partial_share(r, l, ri, right))) {
            v.failed = RC_FAIL_AMOUNT;
            return v;
        }
    } else if (diff) {
        uint64_t bps = big ? diff * 10000 / big : 10000;
        v.score -= 1 + (int)(bps > 300 ? 300 : bps);
    }
    if (r->use_date) {
        if (l->date == RC_NO_DATE || ri->date == RC_NO_DATE) {
            v.failed = RC_FAIL_DATE;
            return v;
        }
        v.days = rc_day_distance(l->date, ri->date, r->business_days);
        if (v.days < r->win_min || v.days > r->win_max) v.failed = RC_FAIL_DATE;
    }
    if (v.partial) v.score = partial_score(&v);
    return v;
}

/* The evidence of a pair: the facts a run decided on that the data alone
 * does not keep (how the reference matched, the amount difference, the day
 * distance as the rule counts it, the sizes of both sides). Amounts, dates
 * and texts are the items' own; the rule's settings are in the run's
 * rules_text. Small on purpose: a million matches write a million of these.
 * The one JSON the library formats by hand (everything else goes through
 * Jansson): integers and fixed words only, nothing to escape, and Jansson
 * costs 1.8 s a million fresh objects (0.7 s reusing one) against 0.2 s
 * here, on a 1M x 1M run of about 4.5 s (measured 2026-12-02). */
void rc_match_evidence(const rc_rule *r, const rc_unit *l, const rc_unit *ri, const rc_verdict *v,
                       char *buf, size_t size) {
    static const char *const how[] = {"none", "equal", "normalized", "contains", "truncated"};
    int n = snprintf(buf, size, "{\"reference\":\"%s\",\"difference\":%lld", how[v->ref_how],
                     (long long)v->difference);
    if (r->use_date && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, ",\"days\":%d", v->days);
    if (v->partial && n > 0 && (size_t)n < size) {
        uint64_t a = magnitude(l->value), b = magnitude(ri->value);
        n += snprintf(buf + n, size - (size_t)n, ",\"allocated\":%llu,\"share\":%d",
                      (unsigned long long)(a < b ? a : b), v->partial);
    }
    if (n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ",\"left_items\":%u,\"right_items\":%u}", l->count,
                 ri->count);
}

/* ---- finding candidates -------------------------------------------------------------------- */

/* An index entry: a right unit's position and its sort keys. */
typedef struct {
    uint64_t key;
    uint64_t tie; /* second key (amount index: currency and date), else 0 */
    uint32_t pos;
} keyed;

/* An index over the right units: entries sorted by (key, tie, pos), kept
 * as sorted (one array, no copy: at a million units a copy was 20 MiB):
 * by reference hash (equal, normalized) or by currency, amount and date.
 * A contains rule has both the key trie and the amount index: a text that
 * ends inside more keys than CONTAINS_CAP (an id cut short with a long
 * prefix many ids share) narrows them by amount instead of one by one. */
typedef struct {
    keyed *k;
    size_t n;
    rc_keytrie trie;   /* contains: the right units' keys */
    const char **keys; /* contains: each right unit's folded key (into R's pool) */
} rc_index;

/* Keys a text may be checked against one by one before it is narrowed by
 * amount (a cut id), or, for whole ids, four times as many before the
 * text counts as ambiguous (see rc_keytrie_find). */
#define CONTAINS_CAP 32

static int cmp_keyed(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->tie != y->tie) return x->tie < y->tie ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static void index_free(rc_index *ix) {
    rc_big_free(ix->k);
    rc_keytrie_free(&ix->trie);
    rc_big_free(ix->keys);
    memset(ix, 0, sizeof *ix);
}

/* First index entry with key >= k. */
static size_t lower_bound(const rc_index *ix, uint64_t k) {
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->k[mid].key < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First entry with (key, tie) >= (k, t). */
static size_t lower_bound2(const rc_index *ix, uint64_t k, uint64_t t) {
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->k[mid].key < k || (ix->k[mid].key == k && ix->k[mid].tie < t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The amount index orders by currency, then value (as an unsigned key that
 * keeps signed order), then date. */
static uint64_t value_key(int64_t v) {
    return (uint64_t)v ^ 0x8000000000000000u;
}

static uint64_t currency_key(const char *c) {
    return ((uint64_t)(unsigned char)c[0] << 16) | ((uint64_t)(unsigned char)c[1] << 8) |
           (unsigned char)c[2];
}

static int build_index(const rc_rule *r, const rc_units *R, rc_index *ix) {
    memset(ix, 0, sizeof *ix);
    keyed *k = rc_big_malloc((R->n ? R->n : 1) * sizeof *k);
    if (!k) return -1;
    size_t n = 0;
    for (size_t i = 0; i < R->n; i++) {
        const rc_unit *u = &R->u[i];
        if (r->ref == RC_REF_NONE || r->ref == RC_REF_CONTAINS) {
            /* Sorted by value, then currency and date: the value range is
             * scanned per distinct value, currency and dates by bisection. */
            k[n++] = (keyed){value_key(u->value),
                             (currency_key(u->currency) << 32) |
                                 (uint32_t)((int64_t)u->date - INT32_MIN),
                             (uint32_t)i};
        } else if (u->hash) {
            k[n++] = (keyed){u->hash, 0, (uint32_t)i};
        }
    }
    if (n) qsort(k, n, sizeof *k, cmp_keyed);
    ix->k = k;
    ix->n = n;
    if (r->ref != RC_REF_CONTAINS) return 0;
    ix->keys = rc_big_malloc((R->n ? R->n : 1) * sizeof *ix->keys);
    if (!ix->keys) {
        index_free(ix);
        return -1;
    }
    for (size_t i = 0; i < R->n; i++)
        ix->keys[i] = rc_unit_text(R, &R->u[i]);
    if (rc_keytrie_build(&ix->trie, ix->keys, R->n)) {
        index_free(ix);
        return -1;
    }
    return 0;
}

/* Calls fn for every right unit the index offers for left unit l: the same
 * reference hash; a key standing in l's text; or an amount in range
 * (dates are checked by the judge). widen_days widens the amount search's
 * date range (for near misses). Returns 1 when fn stopped it, 2 when l's
 * text holds so many keys that it is ambiguous (the search stopped), else
 * 0. */
typedef int (*visit_fn)(size_t right, void *ctx);

/* The right units whose amount fits l's within the rule's tolerance, and
 * (when want_hi > want_lo) whose key's trie rank is in [want_lo, want_hi). */
static int visit_by_amount(const rc_rule *r, const rc_unit *l, const rc_units *R,
                           const rc_index *ix, int widen_days, uint32_t want_lo, uint32_t want_hi,
                           visit_fn fn, void *ctx) {
    uint64_t big = magnitude(l->value);
    uint64_t tol = (uint64_t)r->tol_minor;
    uint64_t bps = big / 10000 * (uint64_t)r->tol_bps + big % 10000 * (uint64_t)r->tol_bps / 10000;
    if (bps > tol) tol = bps;
    if (tol > INT64_MAX / 4) tol = INT64_MAX / 4;
    int64_t lo, hi, target = l->value;
    if (r->opposite) target = target == INT64_MIN ? INT64_MAX : -target;
    if (__builtin_sub_overflow(target, (int64_t)tol, &lo)) lo = INT64_MIN;
    if (__builtin_add_overflow(target, (int64_t)tol, &hi)) hi = INT64_MAX;
    /* Per distinct value in range: a binary search to this currency and the
     * first date that can be in the window, then a scan to the last one. A
     * calendar range generous enough for business days too. */
    int64_t slack =
        (int64_t)widen_days + 3 + (r->business_days ? 2 + (r->win_max - r->win_min) : 0);
    int64_t dlo = INT32_MIN, dhi = INT32_MAX;
    if (r->use_date && l->date != RC_NO_DATE) {
        int64_t span_lo = r->business_days ? (int64_t)r->win_min * 7 / 5 - 3 : r->win_min;
        int64_t span_hi = r->business_days ? (int64_t)r->win_max * 7 / 5 + 3 : r->win_max;
        dlo = (int64_t)l->date - span_hi - slack;
        dhi = (int64_t)l->date - span_lo + slack;
    }
    uint64_t cur = r->any_currency ? 0 : currency_key(l->currency);
    uint64_t tlo = (cur << 32) | (uint32_t)(dlo - INT32_MIN);
    uint64_t thi = r->any_currency ? UINT64_MAX : (cur << 32) | (uint32_t)(dhi - INT32_MIN);
    size_t i = lower_bound(ix, value_key(lo));
    while (i < ix->n && ix->k[i].key <= value_key(hi)) {
        uint64_t v = ix->k[i].key;
        for (size_t j = lower_bound2(ix, v, r->any_currency ? 0 : tlo);
             j < ix->n && ix->k[j].key == v && ix->k[j].tie <= thi; j++) {
            const rc_unit *ru = &R->u[ix->k[j].pos];
            if (r->any_currency && r->use_date && l->date != RC_NO_DATE && ru->date != RC_NO_DATE &&
                (ru->date < dlo || ru->date > dhi))
                continue;
            if (want_hi > want_lo) {
                uint32_t rank = ix->trie.rank[ix->k[j].pos];
                if (rank < want_lo || rank >= want_hi) continue;
            }
            if (fn(ix->k[j].pos, ctx)) return 1;
        }
        if (v == UINT64_MAX) break;
        i = lower_bound(ix, v + 1);
    }
    return 0;
}

/* A contains search in progress: the trie's callbacks pass its keys (right
 * unit indices) on to the visitor. */
typedef struct {
    const rc_rule *r;
    const rc_unit *l;
    const rc_units *R;
    const rc_index *ix;
    int widen_days;
    visit_fn fn;
    void *ctx;
} contains_visit;

static int on_key(uint32_t key, void *p) {
    contains_visit *c = p;
    return c->fn(key, c->ctx);
}

/* Too many keys for a cut id to check one by one: those whose amount fits. */
static int on_key_range(uint32_t lo, uint32_t hi, void *p) {
    contains_visit *c = p;
    return visit_by_amount(c->r, c->l, c->R, c->ix, c->widen_days, lo, hi, c->fn, c->ctx);
}

static int visit_candidates(const rc_rule *r, const rc_units *L, const rc_unit *l,
                            const rc_units *R, const rc_index *ix, int widen_days, visit_fn fn,
                            void *ctx) {
    if (r->ref == RC_REF_EQUAL || r->ref == RC_REF_NORMALIZED) {
        if (!l->hash) return 0;
        for (size_t i = lower_bound(ix, l->hash); i < ix->n && ix->k[i].key == l->hash; i++)
            if (fn(ix->k[i].pos, ctx)) return 1;
        return 0;
    }
    if (r->ref == RC_REF_CONTAINS) {
        contains_visit c = {r, l, R, ix, widen_days, fn, ctx};
        rc_keytrie_visit v = {on_key, on_key_range, &c, CONTAINS_CAP};
        return rc_keytrie_find(&ix->trie, rc_unit_text(L, l), &v);
    }
    return visit_by_amount(r, l, R, ix, widen_days, 0, 0, fn, ctx);
}

/* ---- one rule ------------------------------------------------------------------------------ */

/* The best a unit has found: its score, how many candidates reach it, and
 * the one (when single). */
typedef struct {
    int score;
    uint32_t tie; /* rc_verdict_tie: lower is better at one score */
    uint32_t count;
    uint32_t other;
} best;

static void add_pair(rc_engine *s, const rc_pair *p) {
    if (s->npairs == s->cap_pairs) {
        size_t cap = s->cap_pairs ? 2 * s->cap_pairs : 1024;
        rc_pair *g = rc_big_realloc(s->pairs, cap * sizeof *g);
        if (!g) {
            s->oom = 1;
            return;
        }
        s->pairs = g;
        s->cap_pairs = cap;
    }
    s->pairs[s->npairs++] = *p;
}

/* Candidate bookkeeping for one left unit. */
typedef struct {
    const rc_rule *r;
    const rc_units *L, *R;
    const rc_unit *l;
    size_t li;
    best *bl, *br;
    /* near-miss collection */
    rc_fail_at want;
    size_t found[MAX_CANDIDATES];
    rc_fail_at found_how[MAX_CANDIDATES];
    size_t nfound;
    int best_only;
    int best_score;
    uint32_t best_tie;
    const rc_vetoes *veto;
    const uint8_t *used_r; /* right units paired earlier in this rule */
    uint32_t *seen;        /* per right unit: the stamp of the last left unit it was noted
                              for (a key repeated in one bank text is offered twice) */
    uint32_t stamp;
    uint64_t judged; /* rc_match_judge calls, for rc_engine.judged */
} visit_ctx;

/* Vetoes sorted by (transaction, match): the undone matches of a pair's
 * first transaction are found by bisection, then each of its other
 * transactions is looked up in them. */
static int cmp_veto(const void *a, const void *b) {
    const rc_veto *x = a, *y = b;
    if (x->tx != y->tx) return x->tx < y->tx ? -1 : 1;
    return (x->match > y->match) - (x->match < y->match);
}

int rc_vetoes_add(rc_vetoes *v, int64_t tx, int64_t match) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 64;
        rc_veto *g = realloc(v->v, cap * sizeof *g);
        if (!g) return -1;
        v->v = g;
        v->cap = cap;
    }
    v->v[v->n++] = (rc_veto){tx, match};
    return 0;
}

void rc_vetoes_sort(rc_vetoes *v) {
    if (v->n) qsort(v->v, v->n, sizeof *v->v, cmp_veto);
}

static size_t veto_find(const rc_vetoes *v, int64_t tx, int64_t match) {
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const rc_veto *x = &v->v[mid];
        if (x->tx < tx || (x->tx == tx && x->match < match))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int rc_match_vetoed(const rc_vetoes *v, const rc_units *L, const rc_unit *l, const rc_units *R,
                    const rc_unit *r) {
    if (!v->n) return 0;
    int64_t first = rc_unit_member(L, l, 0);
    for (size_t i = veto_find(v, first, INT64_MIN); i < v->n && v->v[i].tx == first; i++) {
        int64_t m = v->v[i].match;
        int all = 1;
        for (uint32_t k = 0; all && k < l->count; k++) {
            int64_t tx = rc_unit_member(L, l, k);
            size_t at = veto_find(v, tx, m);
            all = at < v->n && v->v[at].tx == tx && v->v[at].match == m;
        }
        for (uint32_t k = 0; all && k < r->count; k++) {
            int64_t tx = rc_unit_member(R, r, k);
            size_t at = veto_find(v, tx, m);
            all = at < v->n && v->v[at].tx == tx && v->v[at].match == m;
        }
        if (all) return 1;
    }
    return 0;
}

static int vetoed(const visit_ctx *c, size_t ri) {
    return rc_match_vetoed(c->veto, c->L, c->l, c->R, &c->R->u[ri]);
}

static void note(best *b, int score, uint32_t tie, size_t other) {
    if (score > b->score || (score == b->score && tie < b->tie)) {
        b->score = score;
        b->tie = tie;
        b->count = 1;
        b->other = other;
    } else if (score == b->score && tie == b->tie) {
        b->count++;
    }
}

static int on_candidate(size_t ri, void *p) {
    visit_ctx *c = p;
    if (c->used_r[ri] || c->seen[ri] == c->stamp) return 0;
    c->seen[ri] = c->stamp;
    c->judged++;
    rc_verdict v = rc_match_judge(c->r, c->L, c->l, c->R, &c->R->u[ri]);
    if (v.failed || vetoed(c, ri)) return 0;
    uint32_t tie = rc_verdict_tie(&v);
    note(&c->bl[c->li], v.score, tie, ri);
    note(&c->br[ri], v.score, tie, c->li);
    return 0;
}

/* Orders right units by source, external id (or group key) and currency:
 * values, not row ids, so an exception lists the same candidates whatever
 * order the data was imported in. */
static int unit_order(const rc_units *R, size_t a, size_t b) {
    const rc_unit *x = &R->u[a], *y = &R->u[b];
    int c = strcmp(rc_unit_source(R, x), rc_unit_source(R, y));
    if (!c) c = strcmp(rc_unit_name(R, x), rc_unit_name(R, y));
    if (!c) c = memcmp(x->currency, y->currency, 3);
    return c ? c : (a > b) - (a < b);
}

/* Collects the right units of an exception: the passing ones at the best
 * score (ambiguous), or the ones failing only at c->want (near misses).
 * The list is kept sorted and, when there are more than MAX_CANDIDATES,
 * holds the first ones in that order. */
static int on_listed(size_t ri, void *p) {
    visit_ctx *c = p;
    if (c->used_r[ri]) return 0;
    c->judged++;
    rc_verdict v = rc_match_judge(c->r, c->L, c->l, c->R, &c->R->u[ri]);
    int keep = c->best_only
                   ? !v.failed && v.score == c->best_score && rc_verdict_tie(&v) == c->best_tie
                   : v.failed == c->want || (c->want == RC_FAIL_AMOUNT && v.failed == RC_FAIL_DATE);
    if (!keep || (c->best_only && vetoed(c, ri))) return 0;
    size_t at = 0;
    while (at < c->nfound && unit_order(c->R, c->found[at], ri) < 0)
        at++;
    if (at < c->nfound && c->found[at] == ri)
        return 0; /* offered twice (two prefixes of one text) */
    if (at == MAX_CANDIDATES) return 0;
    size_t last = c->nfound < MAX_CANDIDATES ? c->nfound : MAX_CANDIDATES - 1;
    memmove(&c->found[at + 1], &c->found[at], (last - at) * sizeof *c->found);
    memmove(&c->found_how[at + 1], &c->found_how[at], (last - at) * sizeof *c->found_how);
    c->found[at] = ri;
    c->found_how[at] = v.failed;
    if (c->nfound < MAX_CANDIDATES) c->nfound++;
    return 0;
}

/* The candidates of an exception as JSON (Jansson), in the order
 * collected: each right unit's id, source, external id (or group key),
 * amount, currency, items, and the first criterion it failed (for near
 * misses). NULL when out of memory. */
static char *candidates_json(visit_ctx *c) {
    static const char *const fail[] = {"", "currency", "reference", "amount", "date"};
    json_t *list = json_array();
    for (size_t i = 0; list && i < c->nfound; i++) {
        const rc_unit *u = &c->R->u[c->found[i]];
        const char *src = rc_unit_source(c->R, u), *name = rc_unit_name(c->R, u);
        json_t *o = json_object();
        int bad = !o || json_array_append_new(list, o) ||
                  json_object_set_new(o, "transaction_id", json_integer(u->id)) ||
                  json_object_set_new(o, "source", json_stringn(src, strlen(src))) ||
                  json_object_set_new(o, c->R->grouped ? "group" : "external_id",
                                      json_stringn(name, strlen(name)));
        /* A group whose sum left int64_t has no amount to show: null, never
         * the wrapped value. */
        bad = bad || json_object_set_new(o, "amount_minor",
                                         u->overflow ? json_null() : json_integer(u->value));
        bad = bad || (u->overflow && json_object_set_new(o, "overflow", json_true()));
        bad = bad || json_object_set_new(o, "currency", json_stringn(u->currency, 3)) ||
              json_object_set_new(o, "items", json_integer(u->count));
        bad = bad || (c->found_how[i] &&
                      json_object_set_new(o, "failed", json_string(fail[c->found_how[i]])));
        if (bad) {
            json_decref(list);
            list = NULL;
        }
    }
    char *out = list ? json_dumps(list, JSON_PRESERVE_ORDER) : NULL;
    json_decref(list);
    return out;
}

/* An exception holds every transaction of the unit: each member of a group
 * (many_to_one) gets its row, so none of them reads as plainly unmatched. */
static void add_exception(rc_engine *s, const rc_rule *r, const rc_units *L, const rc_unit *l,
                          const char *reason, visit_ctx *c) {
    if (!c->nfound) return;
    size_t n = L->grouped ? l->count : 1;
    char *first = NULL; /* the candidates, written once; the other members get copies */
    for (size_t k = 0; k < n; k++) {
        if (s->nexc == s->cap_exc) {
            size_t cap = s->cap_exc ? 2 * s->cap_exc : 256;
            rc_exception *g = realloc(s->exc, cap * sizeof *g);
            if (!g) {
                s->oom = 1;
                return;
            }
            s->exc = g;
            s->cap_exc = cap;
        }
        char *json = first ? strdup(first) : candidates_json(c);
        if (!first) first = json;
        char *id = strdup(rc_unit_name(L, l));
        if (!json || !id) {
            free(json);
            free(id);
            s->oom = 1;
            return;
        }
        int64_t tx = L->grouped ? L->member[l->first + k] : l->id;
        s->exc[s->nexc++] = (rc_exception){r, tx, reason, json, rc_unit_source(L, l), id};
    }
}

/* Collects the near misses of a left unit with no passing candidate into
 * c->found; their reason, or NULL when the rule has none to look for. */
static const char *near_misses(visit_ctx *c, const rc_index *ix) {
    const rc_rule *r = c->r;
    c->best_only = 0;
    c->nfound = 0;
    if (r->ref != RC_REF_NONE) {
        c->want = RC_FAIL_AMOUNT; /* same reference: amount (or date) off */
        visit_candidates(r, c->L, c->l, c->R, ix, 0, on_listed, c);
        int date_only = 1;
        for (size_t i = 0; i < c->nfound; i++)
            date_only &= c->found_how[i] == RC_FAIL_DATE;
        return date_only ? "near_miss_date" : "near_miss_amount";
    }
    if (!r->use_date) return NULL;
    c->want = RC_FAIL_DATE; /* same amount: date a little outside the window */
    visit_candidates(r, c->L, c->l, c->R, ix, NEAR_DAYS, on_listed, c);
    size_t keep = 0;
    for (size_t i = 0; i < c->nfound; i++) {
        rc_verdict v = rc_match_judge(r, c->L, c->l, c->R, &c->R->u[c->found[i]]);
        if (v.days >= r->win_min - NEAR_DAYS && v.days <= r->win_max + NEAR_DAYS)
            c->found[keep] = c->found[i], c->found_how[keep++] = c->found_how[i];
    }
    c->nfound = keep;
    return "near_miss_date";
}

/* attach_group: a payout row matched to its bank credit brings its items
 * into the match: the other rows of its source with the same group key and
 * currency, when their nets sum to what the payout paid. Otherwise they
 * stay unmatched, and the payout's flow check says why. */
/* The group of G with the payout unit's key, currency and source, or -1. */
static long find_group(const rc_units *G, const rc_units *R, const rc_unit *payout) {
    rc_unit want;
    memset(&want, 0, sizeof want);
    want.sk = rc_pool_str(R, payout->key);
    memcpy(want.currency, payout->currency, 4);
    want.source = payout->source;
    size_t lo = 0, hi = G->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_key(&G->u[mid], &want) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < G->n && cmp_key(&G->u[lo], &want) == 0 ? (long)lo : -1;
}

static int attach_groups(rc_engine *s, size_t ri, size_t first_pair) {
    rc_rule items = s->rules->rule[ri];
    items.card = RC_CARD_ONE_TO_MANY;
    items.right.kinds = ((1u << RC_K_COUNT) - 1) & ~items.right.kinds;
    items.value_right = RC_VAL_NET;
    items.ref = RC_REF_NONE;
    items.attach_group = 0;
    items.skip_groups_with = 0;
    rc_units *G = &s->sides[3 * ri + 2];
    const rc_units *R = &s->sides[3 * ri + 1];
    if (rc_match_load(&s->rows, &items, 0, &s->taken, G)) return -1;
    for (size_t i = 0; i < G->n; i++)
        G->u[i].sk = rc_pool_str(G, G->u[i].key);
    /* Two payout rows with one group key (a provider reusing ids) would
     * both claim its items: then neither gets them, and a person decides. */
    uint8_t *claims = calloc(G->n + 1, 1);
    if (!claims) return -1;
    for (size_t k = first_pair; k < s->npairs; k++) {
        const rc_unit *payout = &R->u[s->pairs[k].r];
        long g = payout->key == RC_NO_TEXT ? -1 : find_group(G, R, payout);
        if (g >= 0 && claims[g] < 2) claims[g]++;
    }
    for (size_t k = first_pair; k < s->npairs; k++) {
        rc_pair *p = &s->pairs[k];
        const rc_unit *payout = &R->u[p->r];
        long gi = payout->key == RC_NO_TEXT ? -1 : find_group(G, R, payout);
        if (gi < 0 || claims[gi] != 1) continue;
        const rc_unit *g = &G->u[gi];
        int64_t owed;
        if (g->overflow || __builtin_sub_overflow(0, payout->value, &owed) || g->value != owed)
            continue;
        p->g = (uint32_t)gi;
        p->attached = 1;
        for (uint32_t m = 0; m < g->count; m++)
            rc_bitset_set(&s->taken, G->member[g->first + m]);
    }
    free(claims);
    return 0;
}

/* Both sides of a rule, the right without what the left holds: sides that
 * overlap (ledger against ledger, or a source named on one side that is of
 * the type the other selects) must never match a transaction with itself. */
int rc_match_load_sides(const rc_rows *rows, const rc_rule *r, const rc_bitset *taken, rc_units *L,
                        rc_units *R) {
    if (rc_match_load(rows, r, 1, taken, L)) return -1;
    rc_bitset except;
    if (rc_bitset_init(&except, taken->max)) return -1;
    memcpy(except.bits, taken->bits, (size_t)(taken->max / 8 + 1));
    for (size_t i = 0; i < L->n; i++)
        for (uint32_t m = 0; m < L->u[i].count; m++)
            rc_bitset_set(&except, L->member ? L->member[L->u[i].first + m] : L->u[i].id);
    int rc = rc_match_load(rows, r, 0, &except, R);
    rc_bitset_free(&except);
    return rc;
}

static void take_unit(rc_engine *s, const rc_units *u, const rc_unit *it) {
    for (uint32_t m = 0; m < it->count; m++)
        rc_bitset_set(&s->taken, rc_unit_member(u, it, m));
}

static rc_row *row_of(rc_rows *rows, int64_t id) {
    size_t lo = 0, hi = rows->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rows->row[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < rows->n && rows->row[lo].id == id ? &rows->row[lo] : NULL;
}

/* A pair takes its transactions; a partial one only the smaller side's,
 * while the larger's row keeps the rest open: its amount drops by the
 * part, and the rules after this one, and the next pass, see what is left
 * (only allow_partial rules take a partial row). The larger side is used
 * up for this rule: its unit still holds the amount before the part. */
static void take_pair(rc_engine *s, const rc_pair *p, const rc_units *L, const rc_units *R) {
    const rc_unit *l = &L->u[p->l], *r = &R->u[p->r];
    uint64_t part = rc_pair_part(p, l, r);
    if (!part) {
        take_unit(s, L, l);
        take_unit(s, R, r);
        return;
    }
    int left_larger = magnitude(l->value) > part;
    take_unit(s, left_larger ? R : L, left_larger ? r : l);
    rc_row *row = row_of(&s->rows, left_larger ? l->id : r->id);
    if (!row) return; /* rows are loaded in id order: never */
    int64_t *open = &row->value[RC_VAL_AMOUNT];
    *open = *open < 0 ? *open + (int64_t)part : *open - (int64_t)part;
    row->partial = 1;
}

/* Pairs the left units whose single best is a right unit whose single
 * best they are, in rounds: a pair made takes its right unit away from the
 * others, which can leave one of them a single best it did not have (it was
 * ambiguous between the taken unit and another). Rounds go on until none
 * forms a pair, so a second run finds nothing a first one could have made:
 * runs are idempotent. Returns the number of pairs made. */
static size_t pair_round(rc_engine *s, visit_ctx *c, const rc_index *ix, uint8_t *used_l,
                         uint8_t *used_r, int round) {
    const rc_units *L = c->L, *R = c->R;
    best *bl = c->bl, *br = c->br;
    for (size_t i = 0; i < R->n; i++)
        br[i] = (best){-1, 0, 0, 0};
    for (size_t i = 0; i < L->n; i++) {
        if (used_l[i]) continue;
        /* Candidates only ever go (taken by a pair): a unit that had none
         * has none now, and is not searched again. */
        if (round && bl[i].count == 0) continue;
        bl[i] = (best){-1, 0, 0, 0};
        c->l = &L->u[i];
        c->li = i;
        c->stamp++;
        /* A text so many ids fit is ambiguous, whatever the judge says of
         * the ones it got to: it never pairs, and is listed as such. */
        if (visit_candidates(c->r, L, c->l, R, ix, 0, on_candidate, c) == 2 && bl[i].count)
            bl[i].count = 2;
    }
    size_t made = 0;
    for (size_t i = 0; i < L->n; i++) {
        size_t j = bl[i].other;
        if (used_l[i] || bl[i].count != 1 || br[j].count != 1 || br[j].other != i) continue;
        rc_verdict v = rc_match_judge(c->r, L, &L->u[i], R, &R->u[j]);
        rc_pair p = {.L = L,
                     .l = (uint32_t)i,
                     .r = (uint32_t)j,
                     .ref_how = (uint8_t)v.ref_how,
                     .score = (int16_t)v.score,
                     .days = v.days,
                     .partial = (uint8_t)v.partial,
                     .difference = v.difference};
        add_pair(s, &p);
        used_l[i] = used_r[j] = 1;
        take_pair(s, &p, L, R);
        made++;
    }
    return made;
}

/* The candidates an exception of left unit i lists, into c->found; the
 * exception's reason, or NULL when there is nothing to list. */
static const char *list_candidates(visit_ctx *c, const rc_index *ix, size_t i) {
    c->l = &c->L->u[i];
    c->li = i;
    if (c->bl[i].count == 0) return near_misses(c, ix);
    /* Not single on one side or the other: list the best candidates. */
    c->best_only = 1;
    c->best_score = c->bl[i].score;
    c->best_tie = c->bl[i].tie;
    c->nfound = 0;
    visit_candidates(c->r, c->L, c->l, c->R, ix, 0, on_listed, c);
    return c->bl[i].count > 1 ? "ambiguous" : "contested";
}

/* ---- confidence: confirm_at and suggest_at (suggest.c) ------------------------------------- */

/* A candidate of a left unit the rounds did not pair, with its doubt. */
typedef struct {
    uint32_t l, r;
    rc_verdict v;
    rc_doubt d;
    const char *reason;
} offer;

typedef struct {
    offer *o;
    size_t n, cap;
} offers;

/* The candidates c->found of the current left unit as offers: each one's
 * doubt, and its rivals (the unit's other candidates within
 * RC_RIVAL_MARGIN of it, and for a contested one the other left units
 * tied on it). Vetoed pairs are never offered. -1 when out of memory. */
static int collect_offers(visit_ctx *c, const char *reason, offers *out) {
    size_t first = out->n;
    for (size_t k = 0; k < c->nfound; k++) {
        size_t ri = c->found[k];
        if (vetoed(c, ri)) continue;
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 64;
            offer *g = realloc(out->o, cap * sizeof *g);
            if (!g) return -1;
            out->o = g;
            out->cap = cap;
        }
        offer *o = &out->o[out->n++];
        o->l = (uint32_t)c->li;
        o->r = (uint32_t)ri;
        o->reason = reason;
        o->v = rc_match_judge(c->r, c->L, c->l, c->R, &c->R->u[ri]);
        /* A part is a match only a rule makes: accepting a suggestion
         * matches both sides whole, so neither a part nor what is open of
         * a row partly matched is ever offered. */
        if (o->v.partial || c->l->partial || c->R->u[ri].partial) {
            out->n--;
            continue;
        }
        rc_doubt_of(c->r, c->l, &c->R->u[ri], &o->v, &o->d);
    }
    /* Ties beyond the listed ones still count (an ambiguous unit may have
     * more than MAX_CANDIDATES). */
    int unlisted = c->bl[c->li].count > c->nfound ? (int)(c->bl[c->li].count - c->nfound) : 0;
    for (size_t a = first; a < out->n; a++) {
        offer *o = &out->o[a];
        int n = o->d.failed ? 0 : unlisted;
        for (size_t b = first; b < out->n; b++)
            n += b != a && out->o[b].d.confidence >= o->d.confidence - RC_RIVAL_MARGIN;
        const best *rb = &c->br[o->r];
        if (!o->d.failed && rb->count > 1 && rb->score == o->v.score) n += (int)rb->count - 1;
        o->d.nrivals = n; /* applied below: every rival is judged before rivals */
    }
    for (size_t a = first; a < out->n; a++)
        rc_doubt_rivals(&out->o[a].d, out->o[a].d.nrivals);
    return 0;
}

/* confirm_at below 100: a left unit's best offer is matched when it is at
 * confirm_at or above, strictly above the unit's other offers, and no other
 * left unit's best offer at confirm_at names the same right unit. Offers
 * are grouped by left unit, in the order collected. */
static int confirm_offers(rc_engine *s, visit_ctx *c, const offers *ol, uint8_t *used_l,
                          uint8_t *used_r) {
    int at = c->r->confirm_at;
    uint8_t *claims = rc_big_calloc(c->R->n + 1, 1);
    size_t *top = malloc((ol->n + 1) * sizeof *top);
    if (!claims || !top) {
        rc_big_free(claims);
        free(top);
        return -1;
    }
    size_t ntop = 0;
    for (size_t a = 0; a < ol->n;) {
        size_t b = a, best_at = a, nbest = 0;
        for (; b < ol->n && ol->o[b].l == ol->o[a].l; b++) {
            if (ol->o[b].d.confidence > ol->o[best_at].d.confidence) best_at = b, nbest = 0;
            nbest += ol->o[b].d.confidence == ol->o[best_at].d.confidence;
        }
        if (nbest == 1 && ol->o[best_at].d.confidence >= at) {
            top[ntop++] = best_at;
            if (claims[ol->o[best_at].r] < 2) claims[ol->o[best_at].r]++;
        }
        a = b;
    }
    for (size_t k = 0; k < ntop; k++) {
        const offer *o = &ol->o[top[k]];
        if (claims[o->r] != 1) continue;
        rc_pair p = {.L = c->L,
                     .l = o->l,
                     .r = o->r,
                     .ref_how = (uint8_t)o->v.ref_how,
                     .score = (int16_t)(10 * o->d.confidence),
                     .days = o->d.days,
                     .confidence = (uint8_t)(o->d.confidence ? o->d.confidence : 1),
                     .failed = (uint8_t)o->d.failed,
                     .difference = o->d.difference};
        add_pair(s, &p);
        used_l[o->l] = used_r[o->r] = 1;
        take_unit(s, c->L, &c->L->u[o->l]);
        take_unit(s, c->R, &c->R->u[o->r]);
    }
    rc_big_free(claims);
    free(top);
    return s->oom ? -1 : 0;
}

static int cmp_int64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* One suggestion for offer o: its transactions, evidence and sort keys. */
static int add_suggestion(rc_engine *s, const visit_ctx *c, const offer *o, uint32_t rank) {
    if (s->nsug == s->cap_sug) {
        size_t cap = s->cap_sug ? 2 * s->cap_sug : 64;
        rc_suggestion *g = realloc(s->sug, cap * sizeof *g);
        if (!g) return -1;
        s->sug = g;
        s->cap_sug = cap;
    }
    const rc_unit *l = &c->L->u[o->l], *r = &c->R->u[o->r];
    rc_suggestion *g = &s->sug[s->nsug];
    *g = (rc_suggestion){.rule = c->r,
                         .nleft = l->count,
                         .nright = r->count,
                         .confidence = o->d.confidence,
                         .rank = rank,
                         .sort_source = rc_unit_source(c->L, l)};
    g->tx = malloc(((size_t)l->count + r->count) * sizeof *g->tx);
    g->evidence = malloc(SUGGESTION_EVIDENCE_MAX);
    g->sort_id = strdup(rc_unit_name(c->L, l));
    if (!g->tx || !g->evidence || !g->sort_id) {
        free(g->tx);
        free(g->evidence);
        free(g->sort_id);
        return -1;
    }
    for (uint32_t m = 0; m < l->count; m++)
        g->tx[m] = rc_unit_member(c->L, l, m);
    for (uint32_t m = 0; m < r->count; m++)
        g->tx[l->count + m] = rc_unit_member(c->R, r, m);
    qsort(g->tx, l->count, sizeof *g->tx, cmp_int64);
    qsort(g->tx + l->count, r->count, sizeof *g->tx, cmp_int64);
    rc_doubt_evidence(&o->d, &o->v, o->reason, l, r, g->evidence, SUGGESTION_EVIDENCE_MAX);
    s->nsug++;
    return 0;
}

/* The suggestions of left unit li: its offers at suggest_at or above whose
 * right unit is still free, best first (ties in the order collected), at
 * most MAX_SUGGESTIONS. */
static int suggest_unit(rc_engine *s, const visit_ctx *c, const offers *ol, size_t li,
                        const uint8_t *used_r) {
    if (c->r->suggest_at < 0) return 0;
    size_t a = 0;
    while (a < ol->n && ol->o[a].l != li)
        a++;
    size_t b = a;
    while (b < ol->n && ol->o[b].l == li)
        b++;
    uint32_t rank = 0;
    for (int conf = 100; conf >= c->r->suggest_at && rank < MAX_SUGGESTIONS; conf--)
        for (size_t k = a; k < b && rank < MAX_SUGGESTIONS; k++) {
            const offer *o = &ol->o[k];
            if (o->d.confidence == conf && !used_r[o->r] && add_suggestion(s, c, o, rank++))
                return -1;
        }
    return 0;
}

/* Exceptions (and, when the rule asks, confirmations and suggestions) for
 * the left units left over after the last round. Confirming needs every
 * unit's offers first (a right unit must be no other unit's best); without
 * it, each unit's offers are made, suggested and forgotten in one go. */
static int rule_exceptions(rc_engine *s, visit_ctx *c, const rc_index *ix, uint8_t *used_l,
                           uint8_t *used_r) {
    const rc_rule *r = c->r;
    offers ol = {0};
    int rc = 0, confirming = r->confirm_at < 100;
    if (confirming) {
        for (size_t i = 0; !rc && i < c->L->n; i++) {
            if (used_l[i]) continue;
            const char *reason = list_candidates(c, ix, i);
            if (reason && collect_offers(c, reason, &ol)) rc = -1;
        }
        if (!rc) rc = confirm_offers(s, c, &ol, used_l, used_r);
    }
    for (size_t i = 0; !rc && i < c->L->n; i++) {
        if (used_l[i]) continue;
        const char *reason = list_candidates(c, ix, i);
        if (!reason) continue;
        add_exception(s, r, c->L, c->l, reason, c);
        if (r->suggest_at < 0) continue;
        if (!confirming) {
            ol.n = 0;
            if (collect_offers(c, reason, &ol)) rc = -1;
        }
        if (!rc && suggest_unit(s, c, &ol, i, used_r)) rc = -1;
    }
    free(ol.o);
    if (rc) s->oom = 1;
    return rc;
}

static int run_rule(rc_engine *s, size_t ri) {
    const rc_rule *r = &s->rules->rule[ri];
    rc_units *L = &s->sides[3 * ri], *R = &s->sides[3 * ri + 1];
    if (rc_match_load_sides(&s->rows, r, &s->taken, L, R)) return -1;
    int rc = 0;
    rc_index ix;
    best *bl = rc_big_calloc(L->n + 1, sizeof *bl), *br = rc_big_calloc(R->n + 1, sizeof *br);
    uint8_t *used_l = rc_big_calloc(L->n + 1, 1), *used_r = rc_big_calloc(R->n + 1, 1);
    uint32_t *seen = rc_big_calloc(R->n + 1, sizeof *seen);
    int ok = bl && br && used_l && used_r && seen && !build_index(r, R, &ix);
    if (ok) {
        /* A sum that overflowed never matches: treat it as used up. */
        for (size_t i = 0; i < L->n; i++)
            used_l[i] = (uint8_t)(L->u[i].overflow != 0);
        visit_ctx c = {.r = r,
                       .L = L,
                       .R = R,
                       .bl = bl,
                       .br = br,
                       .veto = &s->veto,
                       .used_r = used_r,
                       .seen = seen};
        size_t first_pair = s->npairs;
        for (int round = 0; pair_round(s, &c, &ix, used_l, used_r, round) && !s->oom; round++)
            ;
        for (size_t i = 0; i < L->n; i++)
            if (L->u[i].overflow)
                used_l[i] = 0, bl[i].count = 0; /* no candidates: maybe a near miss */
        rule_exceptions(s, &c, &ix, used_l, used_r);
        s->judged += c.judged;
        index_free(&ix);
        /* Loading and grouping every item costs half a second on a million
         * rows: only worth it when the rule matched a payout row. */
        if (!s->oom && r->attach_group && s->npairs > first_pair)
            rc = attach_groups(s, ri, first_pair);
    }
    rc_big_free(bl);
    rc_big_free(br);
    rc_big_free(used_l);
    rc_big_free(used_r);
    rc_big_free(seen);
    return !ok || s->oom ? -1 : rc;
}

/* ---- the run ------------------------------------------------------------------------------ */

/* Pairs are written in an order that does not depend on row ids: by rule,
 * then the left unit's source and external id (or group key). */
static int cmp_pairs(const void *a, const void *b) {
    const rc_pair *x = a, *y = b;
    const rc_unit *lx = &x->L->u[x->l], *ly = &y->L->u[y->l];
    int c = strcmp(rc_unit_source(x->L, lx), rc_unit_source(y->L, ly));
    if (!c) c = strcmp(rc_unit_name(x->L, lx), rc_unit_name(y->L, ly));
    return c ? c : memcmp(lx->currency, ly->currency, 3);
}

static int cmp_exc(const void *a, const void *b) {
    const rc_exception *x = a, *y = b;
    int c = strcmp(x->rule->name, y->rule->name);
    if (!c) c = strcmp(x->sort_source, y->sort_source);
    if (!c) c = strcmp(x->sort_id, y->sort_id);
    if (!c) c = strcmp(x->reason, y->reason);
    /* The members of one group: in transaction order. */
    return c ? c
             : (x->transaction_id > y->transaction_id) - (x->transaction_id < y->transaction_id);
}

/* Suggestions in the order they are written: by rule, the left unit's
 * source and name, then best first. */
static int cmp_sug(const void *a, const void *b) {
    const rc_suggestion *x = a, *y = b;
    int c = strcmp(x->rule->name, y->rule->name);
    if (!c) c = strcmp(x->sort_source, y->sort_source);
    if (!c) c = strcmp(x->sort_id, y->sort_id);
    return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

void rc_engine_init(rc_engine *e, const recon_rules *rules) {
    memset(e, 0, sizeof *e);
    e->rules = rules;
}

static int cmp_row_id(const void *a, const void *b) {
    const rc_row *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

int rc_engine_start(rc_engine *e) {
    e->sides = calloc(3 * e->rules->n + 1, sizeof *e->sides);
    /* Rows by id, for row_of: the store loads them so, a test may not. */
    for (size_t i = 1; i < e->rows.n; i++)
        if (e->rows.row[i - 1].id > e->rows.row[i].id) {
            qsort(e->rows.row, e->rows.n, sizeof *e->rows.row, cmp_row_id);
            break;
        }
    return e->sides ? 0 : -1;
}

/* Rows matched in a pass are nobody's candidates in the next; rows of a
 * skip_groups_with kind stay (as when loading), still standing for their
 * groups. */
static void drop_taken_rows(rc_engine *s) {
    unsigned marks = rc_rules_kept_kinds(s->rules);
    size_t keep = 0;
    for (size_t i = 0; i < s->rows.n; i++) {
        const rc_row *row = &s->rows.row[i];
        if (!rc_bitset_has(&s->taken, row->id) || (row->kind >= 0 && (marks & (1u << row->kind))))
            s->rows.row[keep++] = *row;
    }
    s->rows.n = keep;
}

static void suggestion_free(rc_suggestion *g) {
    free(g->tx);
    free(g->evidence);
    free(g->sort_id);
}

static void clear_exceptions(rc_engine *s) {
    for (size_t i = 0; i < s->nexc; i++) {
        free(s->exc[i].candidates);
        free(s->exc[i].sort_id);
    }
    s->nexc = 0;
    for (size_t i = 0; i < s->nsug; i++)
        suggestion_free(&s->sug[i]);
    s->nsug = 0;
}

/* Only the last pass's exceptions stand: a pass that made pairs is
 * followed by one that finds them all again on what is left. */
void rc_engine_pass(rc_engine *e) {
    clear_exceptions(e);
    drop_taken_rows(e);
}

int rc_engine_rule(rc_engine *e, size_t ri) {
    if (run_rule(e, ri)) return -1;
    if (e->npairs) qsort(e->pairs, e->npairs, sizeof *e->pairs, cmp_pairs);
    return 0;
}

void rc_engine_evidence(const rc_engine *e, size_t ri, const rc_pair *p, char *buf, size_t size) {
    const rc_units *L = &e->sides[3 * ri], *R = L + 1, *G = L + 2;
    rc_verdict v = {RC_FAIL_NONE, p->score, p->difference, p->days, p->ref_how, p->partial};
    rc_match_evidence(&e->rules->rule[ri], &L->u[p->l], &R->u[p->r], &v, buf, size);
    if (L->alias && L->alias[p->l]) {
        size_t n = strlen(buf);
        snprintf(buf + n - 1, size - n + 1, ",\"alias\":%lld}", (long long)L->alias[p->l]);
    }
    if (p->confidence) {
        /* Confirmed at the rule's confirm_at: how sure, and what it missed. */
        static const char *const fail[] = {"", "currency", "reference", "amount", "date"};
        size_t n = strlen(buf);
        snprintf(buf + n - 1, size - n + 1, ",\"confidence\":%u%s%s%s}", p->confidence,
                 p->failed ? ",\"failed\":\"" : "", p->failed ? fail[p->failed % 5] : "",
                 p->failed ? "\"" : "");
    }
    if (p->attached) {
        const rc_unit *g = &G->u[p->g];
        size_t n = strlen(buf);
        snprintf(buf + n - 1, size - n + 1, ",\"attached_items\":%u,\"attached_net\":%lld}",
                 g->count, (long long)g->value);
    }
}

void rc_engine_rule_done(rc_engine *e, size_t ri) {
    for (size_t k = 3 * ri; k < 3 * ri + 3; k++)
        rc_units_free(&e->sides[k]);
    e->npairs = 0;
}

/* Two rules may offer the same pair (the same transactions on each side):
 * a person reviews it once, as the more confident offer (on a tie, the
 * earlier rule's). Sorting by the transactions brings repeats together. */
static int cmp_sug_pair(const void *a, const void *b) {
    const rc_suggestion *x = *(const rc_suggestion *const *)a,
                        *y = *(const rc_suggestion *const *)b;
    if (x->nleft != y->nleft) return x->nleft < y->nleft ? -1 : 1;
    if (x->nright != y->nright) return x->nright < y->nright ? -1 : 1;
    for (uint32_t k = 0; k < x->nleft + x->nright; k++)
        if (x->tx[k] != y->tx[k]) return x->tx[k] < y->tx[k] ? -1 : 1;
    if (x->confidence != y->confidence) return x->confidence > y->confidence ? -1 : 1;
    return (x->rule > y->rule) - (x->rule < y->rule); /* rules are in priority order */
}

static void drop_repeated_suggestions(rc_engine *e) {
    if (e->nsug < 2) return;
    rc_suggestion **by = malloc(e->nsug * sizeof *by);
    if (!by) return; /* out of memory: a repeat is offered twice, nothing worse */
    for (size_t i = 0; i < e->nsug; i++)
        by[i] = &e->sug[i];
    qsort(by, e->nsug, sizeof *by, cmp_sug_pair);
    for (size_t i = 1; i < e->nsug; i++) {
        const rc_suggestion *x = by[i - 1], *y = by[i];
        if (x->nleft == y->nleft && x->nright == y->nright &&
            !memcmp(x->tx, y->tx, (x->nleft + x->nright) * sizeof *x->tx)) {
            suggestion_free(by[i]);
            by[i]->tx = NULL;  /* marked: dropped below */
            by[i] = by[i - 1]; /* repeats compare with the kept one */
        }
    }
    free(by);
    size_t keep = 0;
    for (size_t i = 0; i < e->nsug; i++)
        if (e->sug[i].tx) e->sug[keep++] = e->sug[i];
    e->nsug = keep;
}

/* An exception whose transaction a later rule of the pass matched is no
 * longer one. */
void rc_engine_finish(rc_engine *e) {
    size_t keep = 0;
    for (size_t i = 0; i < e->nexc; i++) {
        if (rc_bitset_has(&e->taken, e->exc[i].transaction_id)) {
            free(e->exc[i].candidates);
            free(e->exc[i].sort_id);
        } else {
            e->exc[keep++] = e->exc[i];
        }
    }
    e->nexc = keep;
    if (e->nexc) qsort(e->exc, e->nexc, sizeof *e->exc, cmp_exc);
    /* Likewise a suggestion any of whose transactions got matched. */
    keep = 0;
    for (size_t i = 0; i < e->nsug; i++) {
        rc_suggestion *g = &e->sug[i];
        int gone = 0;
        for (uint32_t k = 0; !gone && k < g->nleft + g->nright; k++)
            gone = rc_bitset_has(&e->taken, g->tx[k]);
        if (gone)
            suggestion_free(g);
        else
            e->sug[keep++] = *g;
    }
    e->nsug = keep;
    drop_repeated_suggestions(e);
    if (e->nsug) qsort(e->sug, e->nsug, sizeof *e->sug, cmp_sug);
}

char *rc_suggestion_key(const rc_suggestion *g) {
    size_t n = g->nleft + g->nright, size = 8 + 21 * n;
    char *out = malloc(size);
    if (!out) return NULL;
    size_t at = (size_t)snprintf(out, size, "L:");
    for (uint32_t k = 0; k < n; k++)
        at += (size_t)snprintf(out + at, size - at, "%s%lld",
                               k == g->nleft ? "|R:" : (k ? "," : ""), (long long)g->tx[k]);
    return out;
}

void rc_engine_free(rc_engine *e) {
    free(e->veto.v);
    free(e->parts.p);
    rc_rows_free(&e->rows);
    for (size_t i = 0; e->sides && i < 3 * e->rules->n; i++)
        rc_units_free(&e->sides[i]);
    free(e->sides);
    rc_big_free(e->pairs);
    clear_exceptions(e);
    free(e->exc);
    free(e->sug);
    rc_bitset_free(&e->taken);
}
