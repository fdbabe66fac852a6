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
        const unsigned c = s[i];
        if (c - 1u < 0x7Fu) {
            i++;
            continue;
        }
        size_t more;
        unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            if (c == 0xE0) lo = 0xA0; /* overlong */
            if (c == 0xED) hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            if (c == 0xF0) lo = 0x90; /* overlong */
            if (c == 0xF4) hi = 0x8F; /* past U+10FFFF */
        } else {
            return false; /* NUL, continuation byte, C0/C1, F5..FF */
        }
        if (n - i <= more || s[i + 1] < lo || s[i + 1] > hi) return false;
        for (size_t k = 2; k <= more; k++)
            if ((s[i + k] & 0xC0) != 0x80) return false;
        i += more + 1;
    }
    return true;
}
