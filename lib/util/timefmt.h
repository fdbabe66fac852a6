/* Dates and timestamps in the formats PSPs and banks use -> normalized UTC
 * text. A format is explicit per profile column and never guessed per row. */
#ifndef RECON_TIMEFMT_H
#define RECON_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Room for "YYYY-MM-DDTHH:MM:SSZ" plus NUL. */
#define RC_TIME_BUF 21

typedef enum {
    RC_TIME_OK = 0,
    RC_TIME_EMPTY,  /* nothing but white space */
    RC_TIME_SYNTAX, /* does not follow the format */
    RC_TIME_RANGE   /* follows it, but no such date/time (2023-02-29, 25:00) */
} rc_time_err;

/* A compiled format: a named one or a pattern (see rc_time_format_compile). */
typedef struct {
    char pattern[64];
    int kind; /* private to timefmt.c */
} rc_time_format;

/* Compiles a format spec. Named formats:
 *   iso8601    YYYY-MM-DD, or with 'T' or ' ' and HH:MM[:SS[.fff]], optional
 *              Z / +HH:MM / +HHMM / +HH zone
 *   ymd        YYYY-MM-DD[ HH:MM[:SS]]
 *   mdy        M/D/YYYY[ HH:MM[:SS]]       (US)
 *   dmy        D/M/YYYY[ HH:MM[:SS]]
 *   dmy_dot    D.M.YYYY[ HH:MM[:SS]]
 *   epoch      Unix seconds (may be negative)
 *   epoch_ms   Unix milliseconds
 * or a pattern with %Y %y %m %d %H %M %S %I %p %b %f %z %Z, literal characters,
 * and optional parts in [ ]; e.g. "%d-%b-%Y[ %H:%M]". %y is a two-digit year
 * (00-69: 20xx). %z and %Z take Z, an offset (+01:00, -0800, +05), UTC or
 * GMT with an offset (UTC+1), or an abbreviation with one fixed offset
 * (CET, CEST, PST, PDT, CST = US Central, ...; ambiguous ones like IST are
 * refused). rc_time_zone_parse takes the same.
 * Returns 0, or -1 for an unknown name or malformed pattern. */
int rc_time_format_compile(const char *spec, rc_time_format *out);

/* Parses s[0..len) with fmt. Values with a time of day are shifted to UTC
 * using their own zone when they carry one, else `tz_offset_min` (minutes
 * east of UTC, the profile's time zone), and written as
 * "YYYY-MM-DDTHH:MM:SSZ" (fractions of a second are dropped). Values with
 * only a date are calendar dates and are written "YYYY-MM-DD" unshifted.
 * Returns RC_TIME_OK, or an rc_time_err with out untouched. */
int rc_time_parse(const char *s, size_t len, const rc_time_format *fmt, int tz_offset_min,
                  char out[RC_TIME_BUF]);

/* Parses a fixed zone spec "UTC", "Z", "+01:00", "-0530", "+05" into
 * minutes east of UTC. Returns 0, or -1 when not understood. */
int rc_time_zone_parse(const char *spec, int *out_minutes);

/* Stable token and message for an rc_time_err ("date_invalid", ...). */
const char *rc_time_errcode(int err);
const char *rc_time_errmsg(int err);

#endif
