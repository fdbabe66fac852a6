/* utf8: the one home of UTF-8 handling: strict validation (every field a
 * reader hands on, source names) and cutting text to a byte budget without
 * splitting a character, so that a message or code cut to fit its buffer
 * stays valid UTF-8. */
#ifndef RECON_UTF8_H
#define RECON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length (1 to 4) of the strict UTF-8 sequence that starts s[0..n),
 * its code point in *cp when cp is not NULL; 0 when s does not start one:
 * a NUL, a stray or missing continuation byte, an overlong form, a
 * surrogate, past U+10FFFF, or a sequence cut by n. For a NUL-terminated
 * string n may be 4: the NUL stops the check before anything past it is
 * read. Inline, so that the CLI can use it without the library's
 * internals. */
static inline size_t rc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    if (n == 0 || s[0] == 0) return 0;
    if (s[0] < 0x80) {
        if (cp) *cp = s[0];
        return 1;
    }
    size_t len;
    uint32_t c;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, c = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, c = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, c = s[0] & 0x07u;
    else
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (i >= n || (s[i] & 0xc0) != 0x80) return 0;
        c = c << 6 | (s[i] & 0x3fu);
    }
    if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
        (len == 4 && (c < 0x10000 || c > 0x10ffff)))
        return 0;
    if (cp) *cp = c;
    return len;
}

/* Characters (code points) in the UTF-8 text s: its display width in a
 * text table. Inline, for the CLI. */
static inline size_t rc_utf8_chars(const char *s) {
    size_t n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Bytes of the UTF-8 text s that hold its first max characters. */
static inline size_t rc_utf8_prefix(const char *s, size_t max) {
    size_t chars = 0, i = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max) break;
    return i;
}

/* Strict UTF-8 without NUL: no overlongs, no surrogates, nothing past
 * U+10FFFF, no truncated sequence (utf8.c). */
bool rc_utf8_valid(const unsigned char *s, size_t n);

/* The longest prefix of s[0..len) of at most max bytes that does not end
 * inside a multi-byte sequence: the cut moves back before any continuation
 * byte (10xxxxxx) it would land on. Text that fits is kept whole. */
static inline size_t rc_utf8_cut(const char *s, size_t len, size_t max) {
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

#endif
