/* rng: the benchmark generators' PRNG (bench/gen.c, bench/matchgen.c).
 * splitmix64: tiny, fast, passes BigCrush, and fully specified by the seed,
 * so generated files are the same bytes everywhere. Callers never draw
 * twice within one expression or argument list: C leaves that order
 * unspecified, and gcc and clang do pick different orders. */
#ifndef RECON_TOOLS_RNG_H
#define RECON_TOOLS_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s;
} rng;

static inline uint64_t next_u64(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); the modulo bias is irrelevant for test data. */
static inline uint64_t below(rng *r, uint64_t n) {
    return next_u64(r) % n;
}

#endif
