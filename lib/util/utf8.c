/* utf8: strict UTF-8 validation (util/utf8.h). */
#include <stdint.h>
#include <string.h>

#include "util/utf8.h"

/* Eight ASCII bytes, none of them NUL: the common case, tested a word at a
 * time. */
static bool ascii8_nonul(const unsigned char *s) {
    uint64_t w;
    memcpy(&w, s, 8);
    const uint64_t hi = 0x8080808080808080u;
    return !(w & hi) && !((w - 0x0101010101010101u) & ~w & hi);
}

/* Strict UTF-8: no overlongs, no surrogates, nothing past U+10FFFF, no
 * truncated sequence. NUL is refused too: it is valid UTF-8 but never
 * legitimate in a text field, and it would cut the C string short. */
bool rc_utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        while (n - i >= 8 && ascii8_nonul(s + i))
            i += 8;
        if (i == n) break;
        size_t len = rc_utf8_decode(s + i, n - i, NULL);
        if (!len) return false; /* NUL, C0/C1 lead, stray continuation, F5..FF, ... */
        i += len;
    }
    return true;
}
