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
#include <string.h>

/* A broken invariant is a crash, so that libFuzzer keeps the input and the
 * replay test fails on it. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The input as a NUL-terminated string (the INI parsers take text). */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    FUZZ_ASSERT(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

/* A file parser's refusal: an INI error or out of memory, nothing
 * returned, and a message that fits its buffer. */
#define FUZZ_ASSERT_REFUSAL(rc, out, err)                                                          \
    do {                                                                                           \
        FUZZ_ASSERT((rc) == RECON_EPROFILE || (rc) == RECON_ENOMEM);                               \
        FUZZ_ASSERT((out) == NULL && (err).code == (rc) && (err).message[0] != '\0');              \
        FUZZ_ASSERT(strnlen((err).message, sizeof(err).message) < sizeof(err).message);            \
    } while (0)

#endif
