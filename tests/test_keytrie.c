/* Check suite for lib/match/keytrie.c, the candidate index of
 * `reference = contains`: how a key stands in a text (token starts and
 * ends, optional separators, ids cut short), and the trie search: every
 * key that stands is reported, keys sharing long prefixes are told apart,
 * a cut id shared by many keys comes back as one rank range, and a text
 * too many ids fit stops the search. In memory, no database. */
#include "match/keytrie.h"
#include "testutil.h"

START_TEST(test_a_key_stands_only_as_whole_tokens) {
    ck_assert_int_eq(rc_key_contains("PAYOUT PO 1ABC", "PO 1ABC"), RC_KEY_WHOLE);
    ck_assert_int_eq(rc_key_contains("PAYOUT PO1ABC REF", "PO 1ABC"), RC_KEY_WHOLE);
    /* The text may not split where the key does not. */
    ck_assert_int_eq(rc_key_contains("12 03 2024", "1203"), RC_KEY_ABSENT);
    /* Start and end on token boundaries. */
    ck_assert_int_eq(rc_key_contains("X45120", "45120"), RC_KEY_ABSENT);
    ck_assert_int_eq(rc_key_contains("45120", "4512"), RC_KEY_ABSENT);
    ck_assert_int_eq(rc_key_contains("REF 4512 ACME", "4512"), RC_KEY_WHOLE);
    ck_assert_int_eq(rc_key_contains("", "4512"), RC_KEY_ABSENT);
    ck_assert_int_eq(rc_key_contains("4512", ""), RC_KEY_ABSENT);
}
END_TEST

START_TEST(test_a_key_cut_short_at_the_end_of_the_text_needs_ten_characters) {
    ck_assert_int_eq(rc_key_contains("ACME INV 2026 000", "INV 2026 000123"), RC_KEY_TRUNCATED);
    ck_assert_int_eq(rc_key_contains("ACME INV 2026 00", "INV 2026 000123"), RC_KEY_ABSENT);
    /* A key of ten characters or fewer is never taken as cut. */
    ck_assert_int_eq(rc_key_contains("ACME ABCDEFGHI", "ABCDEFGHIJ"), RC_KEY_ABSENT);
    /* Cut in the middle of the text is a mismatch, not a cut. */
    ck_assert_int_eq(rc_key_contains("INV 2026 00 ACME", "INV 2026 000123"), RC_KEY_ABSENT);
}
END_TEST

/* What a search reported: keys, and ranges. */
typedef struct {
    uint32_t keys[64];
    size_t nkeys;
    uint32_t lo, hi;
    size_t nranges;
} found;

static int got_key(uint32_t key, void *p) {
    found *f = p;
    ck_assert_uint_lt(f->nkeys, 64);
    f->keys[f->nkeys++] = key;
    return 0;
}

static int got_range(uint32_t lo, uint32_t hi, void *p) {
    found *f = p;
    f->lo = lo;
    f->hi = hi;
    f->nranges++;
    return 0;
}

static int find(const rc_keytrie *t, const char *text, found *f) {
    memset(f, 0, sizeof *f);
    rc_keytrie_visit v = {got_key, got_range, f, 8};
    return rc_keytrie_find(t, text, &v);
}

/* 5000 keys INV 2026 000000000 .. 4999, one empty: each text finds its
 * own key and no other, the cut ones a range of exactly the keys they
 * could start. */
START_TEST(test_keys_sharing_a_long_prefix_are_told_apart) {
    enum { N = 5001 };
    static char buf[N][24];
    static const char *keys[N];
    for (size_t i = 0; i < N - 1; i++) {
        snprintf(buf[i], sizeof buf[i], "INV 2026 %09zu", i);
        keys[i] = buf[i];
    }
    keys[N - 1] = "";
    rc_keytrie t;
    ck_assert_int_eq(rc_keytrie_build(&t, keys, N), 0);
    ck_assert_uint_eq(t.rank[N - 1], UINT32_MAX); /* the empty key is not indexed */
    ck_assert_uint_le(t.nnodes, 2 * (N - 1) + 1);
    found f;
    ck_assert_int_eq(find(&t, "SEPA REF INV2026000004321 ACME", &f), 0);
    ck_assert_uint_eq(f.nkeys, 1);
    ck_assert_uint_eq(f.keys[0], 4321);
    ck_assert_uint_eq(f.nranges, 0);
    /* Two ids in one text: both. */
    ck_assert_int_eq(find(&t, "INV 2026 000000007 INV 2026 000000041", &f), 0);
    ck_assert_uint_eq(f.nkeys, 2);
    ck_assert_uint_eq(f.keys[0] + f.keys[1], 48);
    /* Cut after 16 characters: INV2026000000 and three more digits, so 10
     * keys (4320 .. 4329) start so: more than the cap of 8, a range. */
    ck_assert_int_eq(find(&t, "ACME INV 2026 000004 32", &f), 0);
    ck_assert_uint_eq(f.nkeys, 0);
    ck_assert_uint_eq(f.nranges, 1);
    ck_assert_uint_eq(f.hi - f.lo, 10);
    for (uint32_t r = f.lo; r < f.hi; r++)
        ck_assert_uint_eq(t.by_rank[r] / 10, 432);
    /* The whole id at the end of the text; split where the key is not, it
     * is not there. */
    ck_assert_int_eq(find(&t, "ACME INV 2026 000004321", &f), 0);
    ck_assert_uint_eq(f.nkeys, 1);
    ck_assert_uint_eq(f.keys[0], 4321);
    ck_assert_int_eq(find(&t, "ACME INV 2026 000004 321", &f), 0);
    ck_assert_uint_eq(f.nkeys + f.nranges, 0);
    /* Cut where 100 keys start (43200 .. 43299 do not exist: 4300..4399). */
    ck_assert_int_eq(find(&t, "ACME INV 2026 0000043", &f), 0);
    ck_assert_uint_eq(f.nranges, 1);
    ck_assert_uint_eq(f.hi - f.lo, 100);
    /* With a cap of 16, the 10 keys a cut id could start are checked one
     * by one instead. */
    memset(&f, 0, sizeof f);
    rc_keytrie_visit v16 = {got_key, got_range, &f, 16};
    ck_assert_int_eq(rc_keytrie_find(&t, "ACME INV 2026 00000499", &v16), 0);
    ck_assert_uint_eq(f.nranges, 0);
    ck_assert_uint_eq(f.nkeys, 10); /* 4990 .. 4999 */
    for (size_t i = 0; i < f.nkeys; i++)
        ck_assert_uint_eq(f.keys[i] / 10, 499);
    /* Nothing of it. */
    ck_assert_int_eq(find(&t, "CARD PAYMENT REWE MARKT", &f), 0);
    ck_assert_uint_eq(f.nkeys + f.nranges, 0);
    rc_keytrie_free(&t);
}
END_TEST

/* More than four times the cap of ids standing whole in one text: the
 * search stops and says so. */
START_TEST(test_a_text_too_many_keys_stand_in_stops_the_search) {
    enum { N = 100 };
    static char buf[N][8];
    static const char *keys[N];
    static char text[N * 8];
    size_t used = 0;
    for (size_t i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "K%zu", i);
        keys[i] = buf[i];
        used += (size_t)snprintf(text + used, sizeof text - used, "%sK%zu", i ? " " : "", i);
    }
    rc_keytrie t;
    ck_assert_int_eq(rc_keytrie_build(&t, keys, N), 0);
    found f;
    memset(&f, 0, sizeof f);
    rc_keytrie_visit v = {got_key, got_range, &f, 8};
    ck_assert_int_eq(rc_keytrie_find(&t, text, &v), 2);
    ck_assert_uint_eq(f.nkeys, 32); /* four times the cap, then stopped */
    rc_keytrie_free(&t);
}
END_TEST

/* A key with the same spaceless text as another (PO 1ABC and PO1ABC) is
 * still checked by its own separators. */
START_TEST(test_keys_alike_but_for_their_separators_are_checked_each) {
    static const char *keys[] = {"PO 1ABC", "PO1ABC", "PO1 ABC"};
    rc_keytrie t;
    ck_assert_int_eq(rc_keytrie_build(&t, keys, 3), 0);
    found f;
    ck_assert_int_eq(find(&t, "REF PO1ABC", &f), 0);
    ck_assert_uint_eq(f.nkeys, 3); /* each key's spaces are optional in the text */
    ck_assert_int_eq(find(&t, "REF PO 1ABC", &f), 0);
    ck_assert_uint_eq(f.nkeys, 1); /* only PO 1ABC has a space there */
    ck_assert_uint_eq(f.keys[0], 0);
    rc_keytrie_free(&t);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("keytrie");
    TCase *t = tcase_create("keytrie");
    tcase_add_test(t, test_a_key_stands_only_as_whole_tokens);
    tcase_add_test(t, test_a_key_cut_short_at_the_end_of_the_text_needs_ten_characters);
    tcase_add_test(t, test_keys_sharing_a_long_prefix_are_told_apart);
    tcase_add_test(t, test_a_text_too_many_keys_stand_in_stops_the_search);
    tcase_add_test(t, test_keys_alike_but_for_their_separators_are_checked_each);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    return tu_run(suite());
}
