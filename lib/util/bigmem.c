/* bigmem: see bigmem.h. Every block starts with a header saying how it
 * was made, so that realloc and free need no size from the caller. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* mremap */
#endif
#include "util/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Under AddressSanitizer every block comes from malloc, so that its
 * bounds stay checked (ASan does not watch a mapping of our own). */
#if defined(__SANITIZE_ADDRESS__)
#define BIGMEM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIGMEM_ASAN 1
#endif
#endif

#if defined(__linux__) && defined(_GNU_SOURCE) && !defined(BIGMEM_ASAN)
#define BIGMEM_MAPS 1
#include <sys/mman.h>
#endif

/* 64 bytes: the block after it stays aligned for any type (and for
 * cache lines). mapped is the mapping's length, or 0 for a malloc'd
 * block, whose size is then the size asked for. */
typedef union {
    struct {
        size_t mapped, size;
    } m;
    unsigned char pad[64];
} header;

static header *head(void *p) {
    return (header *)p - 1;
}

#ifdef BIGMEM_MAPS
static size_t map_len(size_t n) {
    size_t page = (size_t)1 << 12;
    return (n + sizeof(header) + page - 1) & ~(page - 1);
}

static void *map_block(size_t n) {
    size_t len = map_len(n);
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    (void)madvise(m, len, MADV_HUGEPAGE); /* advice: ignored where THP is off */
    ((header *)m)->m.mapped = len;
    return (header *)m + 1;
}
#endif

static void *plain_block(size_t n, int zero) {
    if (n > SIZE_MAX - sizeof(header)) return NULL;
    header *h = zero ? calloc(1, sizeof(header) + n) : malloc(sizeof(header) + n);
    if (!h) return NULL;
    h->m.mapped = 0;
    h->m.size = n;
    return h + 1;
}

void *rc_big_malloc(size_t n) {
#ifdef BIGMEM_MAPS
    if (n >= RC_BIGMEM_MIN && n <= SIZE_MAX / 2) return map_block(n);
#endif
    return plain_block(n, 0);
}

void *rc_big_calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
#ifdef BIGMEM_MAPS
    /* Fresh anonymous pages are zero already. */
    if (count * size >= RC_BIGMEM_MIN && count * size <= SIZE_MAX / 2)
        return map_block(count * size);
#endif
    return plain_block(count * size, 1);
}

void *rc_big_realloc(void *p, size_t n) {
    if (!p) return rc_big_malloc(n);
    header *h = head(p);
#ifdef BIGMEM_MAPS
    if (h->m.mapped && n <= SIZE_MAX / 2) {
        size_t len = map_len(n);
        void *m = mremap(h, h->m.mapped, len, MREMAP_MAYMOVE);
        if (m == MAP_FAILED) return NULL;
        ((header *)m)->m.mapped = len;
        return (header *)m + 1;
    }
    if (!h->m.mapped && n >= RC_BIGMEM_MIN && n <= SIZE_MAX / 2) {
        /* Outgrowing malloc: one copy, the last. */
        void *q = map_block(n);
        if (!q) return NULL;
        memcpy(q, p, h->m.size < n ? h->m.size : n);
        free(h);
        return q;
    }
#endif
    if (h->m.mapped || n > SIZE_MAX - sizeof(header)) return NULL;
    header *g = realloc(h, sizeof(header) + n);
    if (!g) return NULL;
    g->m.size = n;
    return g + 1;
}

void rc_big_free(void *p) {
    if (!p) return;
    header *h = head(p);
#ifdef BIGMEM_MAPS
    if (h->m.mapped) {
        munmap(h, h->m.mapped);
        return;
    }
#endif
    free(h);
}
