/* strbuf: a growable text buffer (util/strbuf.h). */
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

void rc_strbuf_free(rc_strbuf *b) {
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

int rc_strbuf_put(rc_strbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = realloc(b->s, cap);
        if (!grown) return -1;
        b->s = grown;
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

const char *rc_find_bytes(const char *hay, size_t n, const char *needle, size_t k) {
    for (size_t i = 0; k && i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0) return hay + i;
    return NULL;
}

int rc_strbuf_set(rc_strbuf *b, const char *s, size_t n) {
    b->len = 0;
    return rc_strbuf_put(b, s, n);
}
