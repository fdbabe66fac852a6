/* Shared by the fuzz harnesses (fuzz/fuzz_*.c): the libFuzzer entry point's
 * prototype and the invariant check. Each harness is built twice: with
 * clang and libFuzzer (make fuzz), and included by tests/test_fuzz.c under
 * another name, which replays the committed corpus and regression inputs
 * in make check (gcc, then ASan+UBSan). */
#ifndef RECON_FUZZ_H
#define RECON_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken invariant is a crash, so that libFuzzer keeps the input and the
 * replay test fails on it. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
