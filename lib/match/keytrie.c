/* keytrie: the candidate index of `reference = contains` (keytrie.h).
 * May call: libc only. */
#include <stdlib.h>
#include <string.h>

#include "match/keytrie.h"

/* The longest folded text compared (rc_ref_fold writes at most 511). */
#define MAX_TEXT 512

/* ---- one key at one place ---------------------------------------------------------------- */

/* How key stands in text from position `at` (a token start). */
static int key_at(const char *at, const char *key, size_t kchars) {
    const char *a = at, *b = key;
    size_t got = 0;
    for (;;) {
        if (*b == ' ') {
            b++;
            if (*a == ' ') a++;
            continue;
        }
        if (!*b) return !*a || *a == ' ' ? RC_KEY_WHOLE : RC_KEY_ABSENT;
        if (!*a)
            return kchars > RC_KEY_MIN_PREFIX && got >= RC_KEY_MIN_PREFIX ? RC_KEY_TRUNCATED
                                                                          : RC_KEY_ABSENT;
        if (*a != *b) return RC_KEY_ABSENT;
        a++, b++, got++;
    }
}

static size_t chars_of(const char *key) {
    size_t n = 0;
    for (; *key; key++)
        n += *key != ' ';
    return n;
}

int rc_key_contains(const char *text, const char *key) {
    size_t kchars = chars_of(key);
    if (!kchars) return RC_KEY_ABSENT;
    for (const char *t = text; *t; t++) {
        if (t != text && t[-1] != ' ') continue; /* not a token start */
        int how = key_at(t, key, kchars);
        if (how) return how;
    }
    return RC_KEY_ABSENT;
}

/* ---- building ---------------------------------------------------------------------------- */

/* A key as sorted: its spaceless characters and its index. */
typedef struct {
    const char *s;
    uint32_t len;
    uint32_t index;
} entry;

static int cmp_entry(const void *a, const void *b) {
    const entry *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (!c) c = (x->len > y->len) - (x->len < y->len);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Characters x and y (sorted, x <= y) have in common. */
static uint32_t common(const entry *x, const entry *y) {
    uint32_t n = 0, max = x->len < y->len ? x->len : y->len;
    while (n < max && x->s[n] == y->s[n])
        n++;
    return n;
}

static uint32_t add_node(rc_keytrie *t, uint32_t lo, uint32_t hi, uint32_t depth) {
    rc_trie_node *n = &t->node[t->nnodes];
    *n = (rc_trie_node){lo, lo, hi, depth, 0, 0};
    return (uint32_t)t->nnodes++;
}

/* Gives node i its edges: the keys of its range longer than its depth,
 * grouped by their next character; each group's child sits where the
 * group's keys part (their common prefix). Nodes are expanded in the order
 * they were made, so each node's edges are contiguous. */
static void expand(rc_keytrie *t, const entry *e, uint32_t i) {
    rc_trie_node *n = &t->node[i];
    uint32_t d = n->depth, a = n->lo;
    while (a < n->hi && e[a].len == d)
        a++;
    n->end = a;
    n->first = (uint32_t)t->nedges;
    while (a < n->hi) {
        uint32_t b = a + 1;
        while (b < n->hi && e[b].s[d] == e[a].s[d])
            b++;
        uint32_t depth = b - a == 1 ? e[a].len : common(&e[a], &e[b - 1]);
        uint32_t child = add_node(t, a, b, depth);
        n = &t->node[i]; /* add_node does not move the array: sized up front */
        t->edge[t->nedges++] = (rc_trie_edge){child, (uint32_t)(e[a].s - t->chars) + d, depth - d};
        n->nedges++;
        a = b;
    }
}

int rc_keytrie_build(rc_keytrie *t, const char *const *keys, size_t nkeys) {
    memset(t, 0, sizeof *t);
    t->keys = keys;
    t->nkeys = nkeys;
    size_t total = 0, m = 0;
    for (size_t i = 0; i < nkeys; i++) {
        size_t c = chars_of(keys[i]);
        total += c;
        m += c > 0;
    }
    entry *e = malloc((m ? m : 1) * sizeof *e);
    t->chars = malloc(total + 1);
    t->rank = malloc((nkeys ? nkeys : 1) * sizeof *t->rank);
    t->by_rank = malloc((m ? m : 1) * sizeof *t->by_rank);
    /* A compressed trie has at most 2m nodes (a leaf and a branch per key). */
    t->node = malloc((2 * m + 1) * sizeof *t->node);
    t->edge = malloc((2 * m + 1) * sizeof *t->edge);
    if (!e || !t->chars || !t->rank || !t->by_rank || !t->node || !t->edge) {
        free(e);
        rc_keytrie_free(t);
        return -1;
    }
    size_t at = 0, k = 0;
    for (size_t i = 0; i < nkeys; i++) {
        t->rank[i] = UINT32_MAX;
        size_t start = at;
        for (const char *s = keys[i]; *s; s++)
            if (*s != ' ') t->chars[at++] = *s;
        if (at > start) e[k++] = (entry){t->chars + start, (uint32_t)(at - start), (uint32_t)i};
    }
    qsort(e, m, sizeof *e, cmp_entry);
    for (size_t r = 0; r < m; r++) {
        t->by_rank[r] = e[r].index;
        t->rank[e[r].index] = (uint32_t)r;
    }
    add_node(t, 0, (uint32_t)m, 0);
    for (uint32_t i = 0; i < t->nnodes; i++)
        expand(t, e, i);
    free(e);
    return 0;
}

void rc_keytrie_free(rc_keytrie *t) {
    free(t->node);
    free(t->edge);
    free(t->chars);
    free(t->by_rank);
    free(t->rank);
    memset(t, 0, sizeof *t);
}

/* ---- searching --------------------------------------------------------------------------- */

/* The edge of node n whose characters start with c, or NULL. */
static const rc_trie_edge *edge_for(const rc_keytrie *t, const rc_trie_node *n, char c) {
    uint32_t lo = n->first, hi = n->first + n->nedges;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        char m = t->chars[t->edge[mid].label];
        if (m == c) return &t->edge[mid];
        if ((unsigned char)m < (unsigned char)c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

typedef struct {
    const rc_keytrie *t;
    const rc_keytrie_visit *v;
    const char *at; /* the token start walked from */
    size_t whole;   /* whole keys reported so far in this text */
} search;

/* Reports the keys of ranks [lo, hi) that stand as `want` at s->at. */
static int report(search *s, uint32_t lo, uint32_t hi, int want) {
    for (uint32_t r = lo; r < hi; r++) {
        uint32_t k = s->t->by_rank[r];
        const char *key = s->t->keys[k];
        if (key_at(s->at, key, chars_of(key)) != want) continue;
        if (want == RC_KEY_WHOLE && ++s->whole > 4 * s->v->cap) return 2;
        if (s->v->key(k, s->v->ctx)) return 1;
    }
    return 0;
}

/* The keys a text ending here, `depth` characters down, could be the
 * start of: the ranks [lo, hi). Few enough are checked one by one; more
 * go to the caller as a range. */
static int report_cut(search *s, uint32_t lo, uint32_t hi, uint32_t depth) {
    if (depth < RC_KEY_MIN_PREFIX || lo == hi) return 0;
    if (hi - lo <= s->v->cap || !s->v->range) return report(s, lo, hi, RC_KEY_TRUNCATED);
    return s->v->range(lo, hi, s->v->ctx) ? 1 : 0;
}

/* Walks the trie from one token start: sp/n are the text without spaces
 * from that start on. */
static int walk(search *s, const char *sp, size_t n) {
    const rc_keytrie *t = s->t;
    const rc_trie_node *node = &t->node[0];
    size_t p = 0;
    for (;;) {
        int rc;
        if (node != t->node && (rc = report(s, node->lo, node->end, RC_KEY_WHOLE))) return rc;
        if (p == n) return report_cut(s, node->end, node->hi, node->depth);
        const rc_trie_edge *e = edge_for(t, node, sp[p]);
        if (!e) return 0;
        uint32_t m = 0;
        while (m < e->len && p + m < n && t->chars[e->label + m] == sp[p + m])
            m++;
        const rc_trie_node *child = &t->node[e->child];
        if (m == e->len) {
            node = child;
            p += m;
            continue;
        }
        if (p + m == n) return report_cut(s, child->lo, child->hi, node->depth + m);
        return 0;
    }
}

int rc_keytrie_find(const rc_keytrie *t, const char *text, const rc_keytrie_visit *v) {
    if (!t->nnodes || !*text) return 0;
    /* The text without its spaces, and where each token starts in it. */
    char sp[MAX_TEXT];
    uint16_t starts[MAX_TEXT];
    const char *origin[MAX_TEXT];
    size_t n = 0, ntok = 0;
    for (const char *c = text; *c && n < MAX_TEXT; c++) {
        if (*c == ' ') continue;
        if (c == text || c[-1] == ' ') {
            starts[ntok] = (uint16_t)n;
            origin[ntok++] = c;
        }
        sp[n++] = *c;
    }
    search s = {t, v, NULL, 0};
    for (size_t i = 0; i < ntok; i++) {
        s.at = origin[i];
        int rc = walk(&s, sp + starts[i], n - starts[i]);
        if (rc) return rc;
    }
    return 0;
}
