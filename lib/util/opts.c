/* opts: see opts.h. */
#include "util/opts.h"

#include <string.h>

int rc_opts_copy(const void *in, unsigned current, const size_t *sizes, void *out,
                 size_t out_size) {
    unsigned version;
    memcpy(&version, in, sizeof version);
    if (version < 1 || version > current) return -1;
    size_t n = sizes[version] < out_size ? sizes[version] : out_size;
    memset(out, 0, out_size);
    memcpy(out, in, n);
    return 0;
}

unsigned rc_out_version(const void *out) {
    unsigned version;
    memcpy(&version, out, sizeof version);
    return version;
}

void rc_out_put(void *out, const void *full, unsigned current, const size_t *sizes) {
    unsigned v = rc_out_version(out);
    if (v > current) v = current;
    memcpy((char *)out + sizeof v, (const char *)full + sizeof v, sizes[v] - sizeof v);
    memcpy(out, &v, sizeof v);
}
