/* hash: FNV-1a, the one cheap, well-spread hash of the library: for hash
 * tables and sort keys of texts, and for signatures of compiled-in tables.
 * Not for keys an adversary picks to collide. Header-only. */
#ifndef RECON_UTIL_HASH_H
#define RECON_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a's offset basis: where a hash starts. */
#define RC_FNV1A_BASIS 0xcbf29ce484222325u

/* h carried on over the n bytes at p: rc_fnv1a(RC_FNV1A_BASIS, p, n) is
 * the hash of those bytes; a later call continues it over more. */
static inline uint64_t rc_fnv1a(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3u;
    return h;
}

#endif
