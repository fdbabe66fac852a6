/* bigmem: allocation for a match run's large working arrays (rows,
 * units, string pools, pairs, indexes: hundreds of MiB at a million rows
 * a side), backed by transparent huge pages where Linux offers them.
 *
 * Why: the arrays are filled once, front to back, and every 4 KiB page is
 * a page fault on first touch. On this project's 2-core VM a fault costs
 * several microseconds: a 1M x 1M one-to-one run took 127,000 of them. A
 * 2 MiB page is one fault (and one TLB entry) for 512 (BENCHMARKS.md).
 *
 * Large blocks (RC_BIGMEM_MIN and up) are their own anonymous mapping,
 * advised MADV_HUGEPAGE as a whole and grown with mremap, which moves
 * pages instead of copying them. Advising part of a malloc'd block does
 * not work: it splits the mapping, and glibc's realloc then copies. Small
 * blocks, and every block on systems without mremap, come from malloc.
 * Nothing process-wide is changed (no allocator tunables).
 *
 * Blocks from these functions are freed with rc_big_free, never free(). */
#ifndef RECON_UTIL_BIGMEM_H
#define RECON_UTIL_BIGMEM_H

#include <stddef.h>

/* From this size up a block is mapped on its own: it holds at least one
 * whole aligned 2 MiB page wherever the mapping lands. */
#define RC_BIGMEM_MIN ((size_t)4 << 20)

void *rc_big_malloc(size_t n);
/* Zero-filled, like calloc; NULL when count * size overflows. */
void *rc_big_calloc(size_t count, size_t size);
/* Like realloc: p may be NULL; on failure p is untouched and NULL is
 * returned. */
void *rc_big_realloc(void *p, size_t n);
void rc_big_free(void *p);

#endif
