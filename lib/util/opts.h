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

/* Output structs the caller allocates and the library fills (results):
 * the caller sets `version` (the first member) first. rc_out_version is
 * that version, 0 when unset (which the caller must refuse). rc_out_put
 * copies `full` (the library's current struct, filled) into out up to the
 * size of the lower of the caller's and the library's version, then sets
 * out->version to that: never a byte past the caller's struct. */
unsigned rc_out_version(const void *out);
void rc_out_put(void *out, const void *full, unsigned current, const size_t *sizes);

#endif
