/* utf8: the one home of UTF-8 handling: strict validation (every field a
 * reader hands on, source names) and cutting text to a byte budget without
 * splitting a character, so that a message or code cut to fit its buffer
 * stays valid UTF-8. */
#ifndef RECON_UTF8_H
#define RECON_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Strict UTF-8 without NUL: no overlongs, no surrogates, nothing past
 * U+10FFFF, no truncated sequence (utf8.c). */
bool rc_utf8_valid(const unsigned char *s, size_t n);

/* The longest prefix of s[0..len) of at most max bytes that does not end
 * inside a multi-byte sequence: the cut moves back before any continuation
 * byte (10xxxxxx) it would land on. Text that fits is kept whole. */
static inline size_t rc_utf8_cut(const char *s, size_t len, size_t max) {
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

#endif
