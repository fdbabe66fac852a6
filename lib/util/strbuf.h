/* strbuf: a growable text buffer, always NUL-terminated, for building
 * fields (expressions, BAI2 records), SQL and pages. Zero-initialise it;
 * free it with rc_strbuf_free. Also the byte search over text that is not
 * NUL-terminated (memmem is not C11). */
#ifndef RECON_UTIL_STRBUF_H
#define RECON_UTIL_STRBUF_H

#include <stddef.h>

typedef struct {
    char *s;
    size_t len, cap;
} rc_strbuf;

void rc_strbuf_free(rc_strbuf *b);
/* Appends n bytes (keeping a NUL after them); -1 when out of memory. */
int rc_strbuf_put(rc_strbuf *b, const char *s, size_t n);
/* Replaces the contents with n bytes (NUL-terminated, even when n is 0);
 * -1 when out of memory. */
int rc_strbuf_set(rc_strbuf *b, const char *s, size_t n);

/* The first k-byte needle in hay[0..n), or NULL (also for k = 0). */
const char *rc_find_bytes(const char *hay, size_t n, const char *needle, size_t k);

#endif
