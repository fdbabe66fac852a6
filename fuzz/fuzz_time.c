/* Fuzz target: the date and time parser (lib/util/timefmt.c).
 *
 * The first byte picks the format: a named one, a pattern from the
 * built-in profiles, or (high bit set) a pattern taken from the input up
 * to its first newline, which fuzzes the pattern compiler too; the second
 * byte picks the default zone offset. The rest is the value. Checked: the
 * output is "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" and parses back with
 * iso8601 to itself (normalizing is idempotent), recon_time_normalize
 * agrees with rc_time_parse, and a zone the zone parser accepts is in
 * range. */
#include <string.h>

#include "fuzz.h"
#include "recon.h"
#include "util/timefmt.h"

static const char *const time_fuzz_formats[] = {
    "iso8601",
    "ymd",
    "mdy",
    "dmy",
    "dmy_dot",
    "epoch",
    "epoch_ms",
    "%d-%b-%Y[ %H:%M]",
    "%b %d, %Y %I:%M:%S %p %Z",
    "%Y-%m-%d %H:%M:%S %z",
    "%y%m%d[%H%M]",
    "%d.%m.%Y %H:%M:%S.%f",
    "%m/%d/%Y %I:%M %p",
    "%Y%m%d",
    "%d %b %Y[ %H:%M:%S[ %Z]]",
    "%Y-%m-%dT%H:%M:%S%z",
};

static int time_fuzz_digit(char c) {
    return c >= '0' && c <= '9';
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ". */
static int time_fuzz_shape_ok(const char *t) {
    static const char date[] = "dddd-dd-dd";
    static const char instant[] = "dddd-dd-ddTdd:dd:ddZ";
    const size_t n = strlen(t);
    const char *shape = n == 10 ? date : n == 20 ? instant : NULL;
    if (shape == NULL) return 0;
    for (size_t i = 0; i < n; i++)
        if (shape[i] == 'd' ? !time_fuzz_digit(t[i]) : t[i] != shape[i]) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const size_t nformats = sizeof time_fuzz_formats / sizeof time_fuzz_formats[0];
    if (size < 2) return 0;
    const uint8_t pick = data[0];
    const int offset = ((int)data[1] - 128) * 15; /* -32:00 .. +31:45: also out of range */
    const char *s = (const char *)data + 2;
    size_t len = size - 2;

    char spec[64];
    if (pick & 0x80) {
        const char *nl = memchr(s, '\n', len);
        const size_t n = nl ? (size_t)(nl - s) : len;
        if (n == 0 || n >= sizeof spec || memchr(s, '\0', n)) return 0;
        memcpy(spec, s, n);
        spec[n] = '\0';
        s += n + (nl != NULL);
        len -= n + (nl != NULL);
    } else {
        snprintf(spec, sizeof spec, "%s", time_fuzz_formats[pick % nformats]);
    }
    rc_time_format fmt;
    if (rc_time_format_compile(spec, &fmt) != 0) return 0;

    char out[RC_TIME_BUF];
    memset(out, 'x', sizeof out);
    const int rc = rc_time_parse(s, len, &fmt, offset, out);
    FUZZ_ASSERT(rc >= RC_TIME_OK && rc <= RC_TIME_RANGE);
    FUZZ_ASSERT(strcmp(rc_time_errcode(rc), "") != 0);
    if (rc == RC_TIME_OK) {
        FUZZ_ASSERT(time_fuzz_shape_ok(out));
        rc_time_format iso;
        FUZZ_ASSERT(rc_time_format_compile("iso8601", &iso) == 0);
        char again[RC_TIME_BUF];
        FUZZ_ASSERT(rc_time_parse(out, strlen(out), &iso, 0, again) == RC_TIME_OK);
        FUZZ_ASSERT(strcmp(out, again) == 0);
    } else {
        FUZZ_ASSERT(out[0] == 'x'); /* untouched */
    }

    /* The public wrapper takes C strings and a zone spec. */
    if (memchr(s, '\0', len) == NULL && offset % 60 == 0 && offset >= -18 * 60 &&
        offset <= 18 * 60) {
        char *text = malloc(len + 1);
        FUZZ_ASSERT(text != NULL);
        memcpy(text, s, len);
        text[len] = '\0';
        char zone[16], pub[RC_TIME_BUF];
        snprintf(zone, sizeof zone, "%c%02d:00", offset < 0 ? '-' : '+', abs(offset) / 60);
        const int prc = recon_time_normalize(text, spec, zone, pub, sizeof pub);
        FUZZ_ASSERT(prc == (rc == RC_TIME_OK ? 0 : -1));
        if (prc == 0) FUZZ_ASSERT(strcmp(pub, out) == 0);
        /* The value as a zone spec: accepted only in range. */
        int minutes = 99999;
        if (rc_time_zone_parse(text, &minutes) == 0)
            FUZZ_ASSERT(minutes >= -18 * 60 && minutes <= 18 * 60);
        else
            FUZZ_ASSERT(minutes == 99999);
        free(text);
    }
    return 0;
}
