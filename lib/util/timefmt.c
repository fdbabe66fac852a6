/* Dates and timestamps as PSPs and banks export them -> normalized UTC text.
 *
 * Everything here is integer arithmetic on the civil calendar (Howard
 * Hinnant's days_from_civil / civil_from_days): no locale, no TZ, no libc
 * time functions, no allocation and no mutable state, so it is thread-safe
 * and cheap enough to run on every row of a large file. */
#include "util/timefmt.h"
#include "recon.h"
#include "util/calendar.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

enum {
    KIND_INVALID = 0, /* zero-initialized formats must not parse anything */
    KIND_ISO8601,
    KIND_PATTERN,
    KIND_EPOCH,
    KIND_EPOCH_MS
};

#define YEAR_MIN 1000
#define YEAR_MAX 9999
#define ZONE_MAX_MIN (18 * 60)
#define SECS_PER_DAY 86400
/* Larger than any epoch (even in ms) that lands in YEAR_MIN..YEAR_MAX, and
 * small enough that ten times it plus a digit cannot overflow int64_t. */
#define EPOCH_DIGITS_CAP 1000000000000000LL
/* Stands for an offset whose minutes field is not 0..59. */
#define ZONE_BAD (ZONE_MAX_MIN + 1)

/* Named formats that are just patterns. */
static const struct {
    const char *name;
    const char *pattern;
} named_patterns[] = {
    {"ymd", "%Y-%m-%d[ %H:%M[:%S]]"},
    {"mdy", "%m/%d/%Y[ %H:%M[:%S]]"},
    {"dmy", "%d/%m/%Y[ %H:%M[:%S]]"},
    {"dmy_dot", "%d.%m.%Y[ %H:%M[:%S]]"},
};

static const char *const month_names[12] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december",
};

/* Directives a pattern may use; the index is used for bookkeeping. */
static const char directives[] = "YmdHIMSfbpzZy";
enum {
    DIR_Y,
    DIR_m,
    DIR_d,
    DIR_H,
    DIR_I,
    DIR_M,
    DIR_S,
    DIR_f,
    DIR_b,
    DIR_p,
    DIR_z,
    DIR_Z,
    DIR_y,
    DIR_COUNT
};

/* What a value said, before any validation; -1 marks an absent field. */
typedef struct {
    int year, month, day;
    int hour, hour12, minute, second;
    int meridiem; /* 0 AM, 1 PM */
    int zone;     /* minutes east of UTC, valid only when has_zone */
    bool has_zone;
} fields;

static char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

/* Zone specs come from config files, where a stray CR or LF is common. */
static bool is_space(char c) {
    return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* Compares s[0..n) with a lower-case ASCII word, ignoring case. */
static bool equal_ci(const char *s, size_t n, const char *lower_word) {
    for (size_t i = 0; i < n; i++) {
        if (lower_word[i] == '\0' || ascii_lower(s[i]) != lower_word[i]) {
            return false;
        }
    }
    return lower_word[n] == '\0';
}

/* Reads between min and max digits at s[*pos], as many as there are. */
static bool scan_digits(const char *s, size_t len, size_t *pos, int min, int max, int *out) {
    size_t i = *pos;
    int v = 0;
    int n = 0;
    while (n < max && i < len && is_digit(s[i])) {
        v = v * 10 + (s[i] - '0');
        i++;
        n++;
    }
    if (n < min) {
        return false;
    }
    *pos = i;
    *out = v;
    return true;
}

static bool scan_char(const char *s, size_t len, size_t *pos, char c) {
    if (*pos < len && s[*pos] == c) {
        (*pos)++;
        return true;
    }
    return false;
}

/* "+HH:MM", "+HHMM" or "+HH" (or '-'). Out-of-range values are returned as
 * such (or as ZONE_BAD) so that the caller can tell RANGE from SYNTAX. */
static bool scan_offset(const char *s, size_t len, size_t *pos, int *minutes) {
    size_t i = *pos;
    if (i >= len || (s[i] != '+' && s[i] != '-')) {
        return false;
    }
    const int sign = s[i] == '-' ? -1 : 1;
    i++;
    int hh = 0;
    int mm = 0;
    if (!scan_digits(s, len, &i, 2, 2, &hh)) {
        return false;
    }
    /* A ':' not followed by two digits is left for whatever comes next. */
    if (len - i >= 3 && s[i] == ':' && is_digit(s[i + 1]) && is_digit(s[i + 2])) {
        i++;
    }
    if (len - i >= 2 && is_digit(s[i]) && is_digit(s[i + 1])) {
        scan_digits(s, len, &i, 2, 2, &mm);
    }
    *pos = i;
    *minutes = mm > 59 ? sign * ZONE_BAD : sign * (hh * 60 + mm);
    return true;
}

/* Zone abbreviations that reports write next to local times (PayPal's
 * PST/PDT, Adyen's CET/CEST, Braintree's CST/CDT). Each names one fixed
 * offset, which is why they are usable at all; ambiguous ones (IST, and
 * CST as China time) are left out or read the way payment reports in
 * English use them (CST is US Central). */
static const struct {
    const char *name; /* lower case */
    int minutes;
} zone_names[] = {
    {"utc", 0},    {"gmt", 0},    {"wet", 0},     {"west", 60},   {"bst", 60},   {"cet", 60},
    {"cest", 120}, {"eet", 120},  {"eest", 180},  {"msk", 180},   {"ast", -240}, {"adt", -180},
    {"est", -300}, {"edt", -240}, {"cst", -360},  {"cdt", -300},  {"mst", -420}, {"mdt", -360},
    {"pst", -480}, {"pdt", -420}, {"akst", -540}, {"akdt", -480}, {"hst", -600}, {"jst", 540},
    {"kst", 540},  {"hkt", 480},  {"sgt", 480},   {"awst", 480},  {"acst", 570}, {"acdt", 630},
    {"aest", 600}, {"aedt", 660}, {"nzst", 720},  {"nzdt", 780},  {"sast", 120},
};

static bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A zone as %z, %Z and rc_time_zone_parse take it: Z, an abbreviation from
 * the table above, or an offset. */
static bool scan_zone(const char *s, size_t len, size_t *pos, int *minutes) {
    const size_t i = *pos;
    size_t n = 0;
    while (i + n < len && is_alpha(s[i + n]))
        n++;
    if (n == 1 && ascii_lower(s[i]) == 'z') {
        *pos = i + 1;
        *minutes = 0;
        return true;
    }
    /* "UTC+01:00", "GMT-5": UTC or GMT then an offset, hours in one or two
     * digits. Tried before the plain names, which would stop at "UTC". */
    if (n == 3 && (equal_ci(s + i, 3, "utc") || equal_ci(s + i, 3, "gmt")) && i + 3 < len &&
        (s[i + 3] == '+' || s[i + 3] == '-')) {
        size_t j = i + 4;
        int hh = 0, mm = 0;
        const int sign = s[i + 3] == '-' ? -1 : 1;
        if (scan_digits(s, len, &j, 1, 2, &hh)) {
            if (j + 2 < len && s[j] == ':' && is_digit(s[j + 1]) && is_digit(s[j + 2])) {
                j++;
                scan_digits(s, len, &j, 2, 2, &mm);
            }
            *pos = j;
            *minutes = mm > 59 ? sign * ZONE_BAD : sign * (hh * 60 + mm);
            return true;
        }
    }
    for (size_t k = 0; n >= 3 && k < sizeof zone_names / sizeof zone_names[0]; k++) {
        if (equal_ci(s + i, n, zone_names[k].name)) {
            *pos = i + n;
            *minutes = zone_names[k].minutes;
            return true;
        }
    }
    return n == 0 && scan_offset(s, len, pos, minutes);
}

/* English month name, full or three-letter (and "Sept", as British text
 * writes it), any case; full names first so that "June" is not read as
 * "Jun" followed by junk. */
static bool scan_month_name(const char *s, size_t len, size_t *pos, int *month) {
    const size_t i = *pos;
    if (len - i >= 4 && ascii_lower(s[i]) == 's' && ascii_lower(s[i + 1]) == 'e' &&
        ascii_lower(s[i + 2]) == 'p' && ascii_lower(s[i + 3]) == 't' &&
        (len - i == 4 || !isalpha((unsigned char)s[i + 4]))) {
        *pos = i + 4;
        *month = 9;
        return true;
    }
    for (int abbreviated = 0; abbreviated <= 1; abbreviated++) {
        for (int m = 0; m < 12; m++) {
            const size_t n = abbreviated ? 3 : strlen(month_names[m]);
            if (len - i < n) {
                continue;
            }
            bool same = true;
            for (size_t k = 0; k < n && same; k++) {
                same = ascii_lower(s[i + k]) == month_names[m][k];
            }
            if (same) {
                *pos = i + n;
                *month = m + 1;
                return true;
            }
        }
    }
    return false;
}

static bool scan_meridiem(const char *s, size_t len, size_t *pos, int *pm) {
    const size_t i = *pos;
    if (len - i < 2 || ascii_lower(s[i + 1]) != 'm') {
        return false;
    }
    const char c = ascii_lower(s[i]);
    if (c != 'a' && c != 'p') {
        return false;
    }
    *pos = i + 2;
    *pm = c == 'p';
    return true;
}

static bool match_directive(char d, const char *s, size_t len, size_t *pos, fields *f) {
    int ignored = 0;
    switch (d) {
    case 'Y':
        return scan_digits(s, len, pos, 4, 4, &f->year);
    case 'm':
        return scan_digits(s, len, pos, 1, 2, &f->month);
    case 'd':
        return scan_digits(s, len, pos, 1, 2, &f->day);
    case 'H':
        return scan_digits(s, len, pos, 1, 2, &f->hour);
    case 'I':
        return scan_digits(s, len, pos, 1, 2, &f->hour12);
    case 'M':
        return scan_digits(s, len, pos, 2, 2, &f->minute);
    case 'S':
        return scan_digits(s, len, pos, 2, 2, &f->second);
    case 'f':
        return scan_digits(s, len, pos, 1, 9, &ignored);
    case 'b':
        return scan_month_name(s, len, pos, &f->month);
    case 'p':
        return scan_meridiem(s, len, pos, &f->meridiem);
    case 'z':
    case 'Z':
        f->has_zone = scan_zone(s, len, pos, &f->zone);
        return f->has_zone;
    case 'y':
        /* Two digits, as BAI2 writes them (YYMMDD): 00-69 are 20xx. */
        if (!scan_digits(s, len, pos, 2, 2, &f->year)) return false;
        f->year += f->year < 70 ? 2000 : 1900;
        return true;
    case '%':
        return scan_char(s, len, pos, '%');
    default:
        return false; /* rc_time_format_compile lets none through */
    }
}

/* Index just past the ']' closing the group whose body starts at p. Stops
 * at the NUL too, in case a caller filled in rc_time_format by hand. */
static size_t skip_group(const char *pat, size_t p) {
    int depth = 1;
    while (depth > 0 && pat[p] != '\0') {
        const char c = pat[p++];
        if (c == '%' && pat[p] != '\0') {
            p++;
        } else if (c == '[') {
            depth++;
        } else if (c == ']') {
            depth--;
        }
    }
    return p;
}

/* Matches pat from *pi up to its end or the ']' closing the current group.
 * An optional part is tried once and kept if it matches whole, else
 * skipped (PEG semantics): no exponential backtracking on any input. */
static bool match_seq(const char *pat, size_t *pi, const char *s, size_t len, size_t *si,
                      fields *f) {
    size_t p = *pi;
    size_t i = *si;
    while (pat[p] != '\0' && pat[p] != ']') {
        const char c = pat[p++];
        if (c == '[') {
            const fields saved = *f;
            size_t gp = p;
            size_t gi = i;
            if (match_seq(pat, &gp, s, len, &gi, f)) {
                p = gp + 1;
                i = gi;
            } else {
                *f = saved;
                p = skip_group(pat, p);
            }
        } else if (c == '%') {
            if (!match_directive(pat[p++], s, len, &i, f)) {
                return false;
            }
        } else if (!scan_char(s, len, &i, c)) {
            return false;
        }
    }
    *pi = p;
    *si = i;
    return true;
}

/* Bookkeeping for validate_pattern. */
typedef struct {
    int count[DIR_COUNT];
    bool nested[DIR_COUNT]; /* seen inside [ ] */
} pattern_use;

static bool scan_pattern(const char *pat, pattern_use *use) {
    int depth = 0;
    bool group_empty = false;
    for (size_t p = 0; pat[p] != '\0'; p++) {
        const char c = pat[p];
        if (c == '[') {
            depth++;
            group_empty = true;
            continue;
        }
        if (c == ']') {
            if (depth == 0 || group_empty) {
                return false;
            }
            depth--;
            continue;
        }
        group_empty = false;
        if (c != '%') {
            continue;
        }
        const char d = pat[++p];
        if (d == '%') {
            continue;
        }
        const char *hit = d == '\0' ? NULL : strchr(directives, d);
        if (hit == NULL) {
            return false;
        }
        use->count[hit - directives]++;
        use->nested[hit - directives] |= depth > 0;
    }
    return depth == 0;
}

/* A pattern must always yield a whole date, and its time fields must make
 * sense together; anything else is a profile mistake caught at load. */
static bool validate_pattern(const char *pat) {
    pattern_use use = {{0}, {false}};
    if (!scan_pattern(pat, &use)) {
        return false;
    }
    for (int k = 0; k < DIR_COUNT; k++) {
        if (use.count[k] > 1) {
            return false;
        }
    }
    const int *n = use.count;
    const bool month = n[DIR_m] + n[DIR_b] == 1;
    const bool date_always = !use.nested[DIR_Y] && !use.nested[DIR_y] && !use.nested[DIR_m] &&
                             !use.nested[DIR_b] && !use.nested[DIR_d];
    if (n[DIR_Y] + n[DIR_y] != 1 || n[DIR_z] + n[DIR_Z] > 1 || !month || !n[DIR_d] ||
        !date_always) {
        return false;
    }
    /* A time of day is an hour (24h, or 12h with AM/PM) with minutes;
     * seconds need minutes and fractions need seconds. */
    const int hours = n[DIR_H] + n[DIR_I];
    return hours == n[DIR_M] && n[DIR_I] == n[DIR_p] && (!n[DIR_S] || n[DIR_M]) &&
           (!n[DIR_f] || n[DIR_S]);
}

int rc_time_format_compile(const char *spec, rc_time_format *out) {
    if (spec == NULL || out == NULL) {
        return -1;
    }
    const size_t n = strlen(spec);
    if (n == 0 || n >= sizeof out->pattern) {
        return -1;
    }
    rc_time_format f;
    memset(&f, 0, sizeof f);
    memcpy(f.pattern, spec, n + 1);
    if (equal_ci(spec, n, "iso8601")) {
        f.kind = KIND_ISO8601;
    } else if (equal_ci(spec, n, "epoch")) {
        f.kind = KIND_EPOCH;
    } else if (equal_ci(spec, n, "epoch_ms")) {
        f.kind = KIND_EPOCH_MS;
    } else {
        for (size_t k = 0; k < sizeof named_patterns / sizeof named_patterns[0]; k++) {
            if (equal_ci(spec, n, named_patterns[k].name)) {
                memcpy(f.pattern, named_patterns[k].pattern, strlen(named_patterns[k].pattern) + 1);
                break;
            }
        }
        if (!validate_pattern(f.pattern)) {
            return -1;
        }
        f.kind = KIND_PATTERN;
    }
    *out = f;
    return 0;
}

static void put_digits(char *p, int v, int width) {
    for (int k = width - 1; k >= 0; k--) {
        p[k] = (char)('0' + v % 10);
        v /= 10;
    }
}

static void write_date(char *out, int y, int m, int d) {
    put_digits(out, y, 4);
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = '\0';
}

/* Writes an instant given in seconds since the epoch, if its year fits. */
static int write_instant(int64_t t, char *out) {
    int64_t days = t / SECS_PER_DAY;
    int64_t sod = t % SECS_PER_DAY;
    if (sod < 0) {
        sod += SECS_PER_DAY;
        days--;
    }
    int64_t y = 0;
    int m = 0;
    int d = 0;
    rc_civil_from_days(days, &y, &m, &d);
    if (y < YEAR_MIN || y > YEAR_MAX) {
        return RC_TIME_RANGE;
    }
    write_date(out, (int)y, m, d);
    const int s = (int)sod;
    out[10] = 'T';
    put_digits(out + 11, s / 3600, 2);
    out[13] = ':';
    put_digits(out + 14, s / 60 % 60, 2);
    out[16] = ':';
    put_digits(out + 17, s % 60, 2);
    out[19] = 'Z';
    out[20] = '\0';
    return RC_TIME_OK;
}

static bool zone_in_range(int minutes) {
    return minutes >= -ZONE_MAX_MIN && minutes <= ZONE_MAX_MIN;
}

/* Turns the 12-hour clock into the 24-hour one. */
static int resolve_hour12(fields *f) {
    if (f->hour12 < 0) {
        return RC_TIME_OK;
    }
    if (f->meridiem < 0) {
        return RC_TIME_SYNTAX; /* %p sat in an optional part that was absent */
    }
    if (f->hour12 < 1 || f->hour12 > 12) {
        return RC_TIME_RANGE;
    }
    f->hour = f->hour12 % 12 + 12 * f->meridiem;
    return RC_TIME_OK;
}

/* Validates what was matched and writes the normalized text. */
static int finish(fields *f, int tz_offset_min, char *out) {
    const int rc = resolve_hour12(f);
    if (rc != RC_TIME_OK) {
        return rc;
    }
    if (f->year < YEAR_MIN || f->year > YEAR_MAX || f->month < 1 || f->month > 12 || f->day < 1 ||
        f->day > rc_days_in_month(f->year, f->month)) {
        return RC_TIME_RANGE;
    }
    if (f->has_zone && !zone_in_range(f->zone)) {
        return RC_TIME_RANGE;
    }
    if (f->hour < 0) {
        /* A calendar date is not an instant: no zone shifts it. */
        write_date(out, f->year, f->month, f->day);
        return RC_TIME_OK;
    }
    const int minute = f->minute < 0 ? 0 : f->minute;
    const int second = f->second < 0 ? 0 : f->second;
    if (f->hour > 23 || minute > 59 || second > 59) {
        return RC_TIME_RANGE;
    }
    const int offset = f->has_zone ? f->zone : tz_offset_min;
    const int64_t t =
        rc_days_from_civil(f->year, (unsigned)f->month, (unsigned)f->day) * SECS_PER_DAY +
        (int64_t)f->hour * 3600 + (int64_t)minute * 60 + second - (int64_t)offset * 60;
    return write_instant(t, out);
}

/* The iso8601 format, by hand: it is the common case on big files. */
static bool match_iso8601(const char *s, size_t len, fields *f) {
    size_t i = 0;
    if (!scan_digits(s, len, &i, 4, 4, &f->year) || !scan_char(s, len, &i, '-') ||
        !scan_digits(s, len, &i, 2, 2, &f->month) || !scan_char(s, len, &i, '-') ||
        !scan_digits(s, len, &i, 2, 2, &f->day)) {
        return false;
    }
    if (i == len) {
        return true;
    }
    if (!scan_char(s, len, &i, 'T') && !scan_char(s, len, &i, ' ')) {
        return false;
    }
    if (!scan_digits(s, len, &i, 2, 2, &f->hour) || !scan_char(s, len, &i, ':') ||
        !scan_digits(s, len, &i, 2, 2, &f->minute)) {
        return false;
    }
    if (scan_char(s, len, &i, ':')) {
        int fraction = 0;
        if (!scan_digits(s, len, &i, 2, 2, &f->second) ||
            (scan_char(s, len, &i, '.') && !scan_digits(s, len, &i, 1, 9, &fraction))) {
            return false;
        }
    }
    if (scan_char(s, len, &i, 'Z')) {
        f->has_zone = true;
        f->zone = 0;
    } else if (i < len) {
        f->has_zone = scan_offset(s, len, &i, &f->zone);
    }
    return i == len;
}

static int parse_epoch(const char *s, size_t len, bool millis, char *out) {
    size_t i = 0;
    const bool negative = scan_char(s, len, &i, '-');
    if (i == len) {
        return RC_TIME_SYNTAX;
    }
    int64_t v = 0;
    for (; i < len; i++) {
        if (!is_digit(s[i])) {
            return RC_TIME_SYNTAX;
        }
        /* Saturate rather than overflow; the range check below rejects it. */
        if (v <= EPOCH_DIGITS_CAP) {
            v = v * 10 + (s[i] - '0');
        }
    }
    if (v > EPOCH_DIGITS_CAP) {
        return RC_TIME_RANGE;
    }
    if (negative) {
        v = -v;
    }
    if (millis) {
        /* Floor, not truncation: -1 ms is the last second of 1969. */
        v = v / 1000 - (v % 1000 < 0);
    }
    return write_instant(v, out);
}

int rc_time_parse(const char *s, size_t len, const rc_time_format *fmt, int tz_offset_min,
                  char out[RC_TIME_BUF]) {
    size_t start = 0;
    while (start < len && is_blank(s[start])) {
        start++;
    }
    while (len > start && is_blank(s[len - 1])) {
        len--;
    }
    if (start == len) {
        return RC_TIME_EMPTY;
    }
    if (fmt == NULL || out == NULL) {
        return RC_TIME_SYNTAX;
    }
    if (!zone_in_range(tz_offset_min)) {
        return RC_TIME_RANGE;
    }
    s += start;
    len -= start;
    fields f = {0, 0, 0, -1, -1, -1, -1, -1, 0, false};
    switch (fmt->kind) {
    case KIND_EPOCH:
        return parse_epoch(s, len, false, out);
    case KIND_EPOCH_MS:
        return parse_epoch(s, len, true, out);
    case KIND_ISO8601:
        if (!match_iso8601(s, len, &f)) {
            return RC_TIME_SYNTAX;
        }
        return finish(&f, tz_offset_min, out);
    case KIND_PATTERN: {
        size_t p = 0;
        size_t i = 0;
        if (!match_seq(fmt->pattern, &p, s, len, &i, &f) || i != len) {
            return RC_TIME_SYNTAX;
        }
        return finish(&f, tz_offset_min, out);
    }
    default:
        return RC_TIME_SYNTAX;
    }
}

int rc_time_zone_parse(const char *spec, int *out_minutes) {
    if (spec == NULL || out_minutes == NULL) {
        return -1;
    }
    size_t start = 0;
    size_t len = strlen(spec);
    while (start < len && is_space(spec[start])) {
        start++;
    }
    while (len > start && is_space(spec[len - 1])) {
        len--;
    }
    size_t i = start;
    int minutes = 0;
    if (!scan_zone(spec, len, &i, &minutes) || i != len || !zone_in_range(minutes)) {
        return -1;
    }
    *out_minutes = minutes;
    return 0;
}

const char *rc_time_errcode(int err) {
    switch (err) {
    case RC_TIME_OK:
        return "ok";
    case RC_TIME_EMPTY:
        return "date_empty";
    case RC_TIME_RANGE:
        return "date_out_of_range";
    default:
        return "date_invalid";
    }
}

const char *rc_time_errmsg(int err) {
    switch (err) {
    case RC_TIME_OK:
        return "no error";
    case RC_TIME_EMPTY:
        return "date is empty";
    case RC_TIME_RANGE:
        return "no such date or time";
    default:
        return "date does not match the configured format";
    }
}

/* Public: declared in recon.h. */
int recon_time_normalize(const char *text, const char *format, const char *zone, char *buf,
                         size_t size) {
    rc_time_format fmt;
    int minutes = 0;
    if (text == NULL || buf == NULL || size < RC_TIME_BUF ||
        rc_time_format_compile(format != NULL ? format : "iso8601", &fmt) != 0 ||
        (zone != NULL && rc_time_zone_parse(zone, &minutes) != 0)) {
        return -1;
    }
    return rc_time_parse(text, strlen(text), &fmt, minutes, buf) == RC_TIME_OK ? 0 : -1;
}
