/* error: the error detail of calls that have no database handle
 * (profiles, rules, classification), and the printf-format attribute the
 * message helpers share. */
#ifndef RECON_UTIL_ERROR_H
#define RECON_UTIL_ERROR_H

#include "recon.h"

#if defined(__GNUC__)
#define RC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RC_PRINTF(a, b)
#endif

/* Fills an optional recon_error and returns code, so callers can write
 * `return rc_error_set(err, RECON_EPROFILE, "...")`. */
int rc_error_set(recon_error *err, int code, const char *fmt, ...) RC_PRINTF(3, 4);

#endif
