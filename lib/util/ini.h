/* ini: what the INI files of profiles and rules share, around inih
 * (which does the parsing). */
#ifndef RECON_UTIL_INI_H
#define RECON_UTIL_INI_H

#include <ini.h>
#include <stddef.h>

#include "recon.h"

/* inih reads a line of INI_MAX_LINE (200) bytes at most and parses the
 * rest as a line of its own: a long comment could turn into a key. Lines
 * must stay under it. */
#define RC_INI_LINE_MAX 198

/* The first line of text longer than RC_INI_LINE_MAX, or 0. */
int rc_ini_long_line(const char *text);

/* Calls fn for each comma-separated, space-trimmed, non-empty item of v
 * (the list values of profiles and rules). Returns -1 if fn fails. */
int rc_each_item(const char *v, int (*fn)(const char *item, size_t len, void *ctx), void *ctx);

/* The INI files librecon reads (profiles, rules) are small text: at most
 * 1 MiB, no NUL byte. */
#define RC_INI_MAX_BYTES (1024 * 1024)

/* Reads such a file into a malloc'd, NUL-terminated string. On failure
 * returns NULL with *rc and err set: RECON_EIO (cannot open or read),
 * RECON_EPROFILE (too large or binary: "not <what>"), RECON_ENOMEM. */
char *rc_ini_read_file(const char *path, const char *what, recon_error *err, int *rc);

/* Parses text with inih after the line-length check, calling handler with
 * ctx. A syntax error or a handler's refusal (returning 0) fills err with
 * "origin:LINE: why", why read from handler_msg (the handler's own message
 * buffer, checked after the parse) or "not a key = value line". Returns
 * RECON_OK, RECON_EPROFILE or RECON_ENOMEM. */
int rc_ini_parse(const char *text, const char *origin, ini_handler handler, void *ctx,
                 const char *handler_msg, recon_error *err);

#endif
