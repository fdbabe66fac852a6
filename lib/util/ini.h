/* ini: what the INI files of profiles and rules share, around inih
 * (which does the parsing). */
#ifndef RECON_UTIL_INI_H
#define RECON_UTIL_INI_H

#include <stddef.h>

/* inih reads a line of INI_MAX_LINE (200) bytes at most and parses the
 * rest as a line of its own: a long comment could turn into a key. Lines
 * must stay under it. */
#define RC_INI_LINE_MAX 198

/* The first line of text longer than RC_INI_LINE_MAX, or 0. */
int rc_ini_long_line(const char *text);

/* Calls fn for each comma-separated, space-trimmed, non-empty item of v
 * (the list values of profiles and rules). Returns -1 if fn fails. */
int rc_each_item(const char *v, int (*fn)(const char *item, size_t len, void *ctx), void *ctx);

#endif
