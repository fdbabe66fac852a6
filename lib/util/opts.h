/* opts: reading a caller's options struct of any version from 1 to the
 * library's own (include/recon.h, "How they grow"): the struct is copied
 * up to its version's size and the fields it lacks are zero, so the rest of
 * the library reads one full, current struct. */
#ifndef RECON_UTIL_OPTS_H
#define RECON_UTIL_OPTS_H

#include <stddef.h>

/* Copies *in (whose first member is `unsigned version`) into out
 * (out_size bytes, the current struct), zero-filling past sizes[version].
 * sizes[v] is the size of version v's struct, for v = 1..current. Returns
 * 0, or -1 (out untouched) for version 0 or above current. */
int rc_opts_copy(const void *in, unsigned current, const size_t *sizes, void *out, size_t out_size);

#endif
