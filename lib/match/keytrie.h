/* keytrie: the candidate index of `reference = contains`: which of a
 * rule's right-side keys (payout ids, invoice numbers, folded by
 * rc_ref_fold) stand in a left-side text (a bank line), in time linear in
 * the text, whatever the keys look like.
 *
 * The keys, their spaces left out, form a compressed trie (a node per
 * branching point, so at most two per key, whatever prefixes the keys
 * share). A key can only start where a token of the text starts, so the
 * text is walked down the trie from each token start: a walk ends at the
 * first character no key continues with, so it costs at most the length
 * of the longest key. Keys sorted by their spaceless text make each node's
 * keys one contiguous range of ranks, which is how a text that ends inside
 * a key (an id cut short at the end of a bank line) finds all the keys it
 * could be the start of without visiting them one by one.
 *
 * Knows nothing of units or rules: ranks and key indices only. */
#ifndef RECON_MATCH_KEYTRIE_H
#define RECON_MATCH_KEYTRIE_H

#include <stddef.h>
#include <stdint.h>

/* A text that ends inside a key must hold at least this many of its
 * characters (statements cut long ids at their field width; ten is enough
 * to tell them apart). */
#define RC_KEY_MIN_PREFIX 10

/* How a key stands in a text (rc_key_contains). */
enum { RC_KEY_ABSENT = 0, RC_KEY_WHOLE = 3, RC_KEY_TRUNCATED = 4 };

/* Is key inside text, both folded, as whole tokens? The key must start
 * where a token of the text starts; a space of the key (a separator in the
 * id) may match one space of the text or none (banks drop punctuation),
 * but the text may have no space where the key has none ("12 03" is not
 * 1203); the key must end where a token ends ("45120" does not hold 4512).
 * RC_KEY_WHOLE when it does; RC_KEY_TRUNCATED when the text ends inside the
 * key after at least RC_KEY_MIN_PREFIX of its characters; else
 * RC_KEY_ABSENT. */
int rc_key_contains(const char *text, const char *key);

typedef struct {
    uint32_t lo, end, hi;   /* key ranks: [lo, end) end at this node, [end, hi) go on */
    uint32_t depth;         /* characters (spaces left out) from the root */
    uint32_t first, nedges; /* its edges: edge[first .. first + nedges), by first byte */
} rc_trie_node;

typedef struct {
    uint32_t child;
    uint32_t label; /* offset of the edge's characters in `chars` */
    uint32_t len;   /* how many (at least one) */
} rc_trie_edge;

typedef struct {
    rc_trie_node *node; /* node 0 is the root */
    rc_trie_edge *edge;
    size_t nnodes, nedges;
    char *chars;             /* the keys without spaces, one after another */
    uint32_t *by_rank;       /* key index of each rank (keys in spaceless order) */
    uint32_t *rank;          /* rank of each key index (UINT32_MAX: empty key, not indexed) */
    const char *const *keys; /* the caller's folded keys, by index (not owned) */
    size_t nkeys;
} rc_keytrie;

/* Builds the trie of keys[0 .. nkeys) (folded texts; an empty key is left
 * out). keys must outlive the trie. 0, or -1 when out of memory. */
int rc_keytrie_build(rc_keytrie *t, const char *const *keys, size_t nkeys);
void rc_keytrie_free(rc_keytrie *t);

/* What a search reports: a key index that stands in the text (checked
 * with rc_key_contains at that token start), or, when a text ends inside
 * more than `cap` keys, their rank range [lo, hi) in one call, so that the
 * caller can narrow them some other way (by amount) instead of visiting
 * them all. Either returns non-zero to stop the search. */
typedef struct {
    int (*key)(uint32_t key, void *ctx);
    int (*range)(uint32_t lo, uint32_t hi, void *ctx);
    void *ctx;
    size_t cap;
} rc_keytrie_visit;

/* Reports every key that stands in text, whole or cut short at its end. A
 * key standing twice is reported twice (the caller keeps a seen-mark).
 * Returns 0 when done, 1 when a callback stopped it, 2 when more than
 * 4 * cap keys stood whole in the one text: the search stops there (a text
 * that many ids fit is ambiguous, and the caller says so). */
int rc_keytrie_find(const rc_keytrie *t, const char *text, const rc_keytrie_visit *v);

#endif
