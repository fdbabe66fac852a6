/* error: recon_error filling (util/error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "util/error.h"

int rc_error_set(recon_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        /* Version 1's fields, which every caller's struct has: version 0
         * (not initialised) is read as 1, as include/recon.h promises. */
        err->version = RECON_ERROR_VERSION;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}
