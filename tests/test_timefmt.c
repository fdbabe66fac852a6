/* Check suite for lib/util/timefmt.c: formats, zones, ranges and the calendar
 * arithmetic behind the normalized UTC text. */
#include "recon.h"
#include "testutil.h"
#include "util/calendar.h"
#include "util/timefmt.h"

#include <stdbool.h>
#include <stdint.h>

/* Parses `in` (NUL excluded) with `spec`; out gets the result or stays as
 * filled with '#' so that "untouched on error" can be checked too. */
static int parse_with(const char *spec, const char *in, int tz, char out[RC_TIME_BUF]) {
    rc_time_format fmt;
    ck_assert_msg(rc_time_format_compile(spec, &fmt) == 0, "compile(%s) failed", spec);
    memset(out, '#', RC_TIME_BUF);
    return rc_time_parse(in, strlen(in), &fmt, tz, out);
}

#define EXPECT_OK(spec, in, tz, want)                                                              \
    do {                                                                                           \
        char out_[RC_TIME_BUF];                                                                    \
        const int rc_ = parse_with(spec, in, tz, out_);                                            \
        ck_assert_msg(rc_ == RC_TIME_OK, "%s: \"%s\" (tz %d) -> %s, want %s", spec, in, tz,        \
                      rc_time_errcode(rc_), want);                                                 \
        ck_assert_msg(strcmp(out_, want) == 0, "%s: \"%s\" (tz %d) -> %s, want %s", spec, in, tz,  \
                      out_, want);                                                                 \
    } while (0)

#define EXPECT_ERR(spec, in, tz, err)                                                              \
    do {                                                                                           \
        char out_[RC_TIME_BUF];                                                                    \
        const int rc_ = parse_with(spec, in, tz, out_);                                            \
        ck_assert_msg(rc_ == (err), "%s: \"%s\" -> %s, want %s", spec, in, rc_time_errcode(rc_),   \
                      rc_time_errcode(err));                                                       \
        for (size_t k_ = 0; k_ < RC_TIME_BUF; k_++) {                                              \
            ck_assert_msg(out_[k_] == '#', "%s: \"%s\": out written on error", spec, in);          \
        }                                                                                          \
    } while (0)

static bool compiles(const char *spec) {
    rc_time_format fmt;
    return rc_time_format_compile(spec, &fmt) == 0;
}

/* ---- named formats ---------------------------------------------------- */

START_TEST(iso8601_date_only_is_written_as_date) {
    EXPECT_OK("iso8601", "2024-01-05", 0, "2024-01-05");
}
END_TEST

START_TEST(iso8601_accepts_T_or_space_and_optional_seconds) {
    EXPECT_OK("iso8601", "2024-01-05T10:20:30", 0, "2024-01-05T10:20:30Z");
    EXPECT_OK("iso8601", "2024-01-05 10:20:30", 0, "2024-01-05T10:20:30Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20", 0, "2024-01-05T10:20:00Z");
    EXPECT_OK("iso8601", "2024-01-05 10:20", 0, "2024-01-05T10:20:00Z");
}
END_TEST

START_TEST(iso8601_fraction_is_dropped_not_rounded) {
    EXPECT_OK("iso8601", "2024-01-05T10:20:30.999", 0, "2024-01-05T10:20:30Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20:30.1", 0, "2024-01-05T10:20:30Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20:30.123456789Z", 0, "2024-01-05T10:20:30Z");
    EXPECT_ERR("iso8601", "2024-01-05T10:20:30.1234567890", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T10:20:30.", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T10:20.5", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(iso8601_zones_shift_to_utc) {
    EXPECT_OK("iso8601", "2024-01-05T10:20:30Z", 0, "2024-01-05T10:20:30Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20:30+05:30", 0, "2024-01-05T04:50:30Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20:30-0800", 0, "2024-01-05T18:20:30Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20:30+01", 0, "2024-01-05T09:20:30Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20+02:00", 0, "2024-01-05T08:20:00Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20:30-00:00", 0, "2024-01-05T10:20:30Z");
    EXPECT_OK("iso8601", "2024-01-05T10:20:30.5+18:00", 0, "2024-01-04T16:20:30Z");
}
END_TEST

START_TEST(zone_shift_crosses_midnight_and_year) {
    EXPECT_OK("iso8601", "2024-01-01T00:30:00+01:00", 0, "2023-12-31T23:30:00Z");
    EXPECT_OK("iso8601", "2023-12-31T23:30:00-01", 0, "2024-01-01T00:30:00Z");
    EXPECT_OK("iso8601", "2024-03-01T00:00:00+01", 0, "2024-02-29T23:00:00Z");
    EXPECT_OK("iso8601", "2023-03-01T00:00:00+01", 0, "2023-02-28T23:00:00Z");
    EXPECT_OK("iso8601", "2024-02-28T20:00:00-0800", 0, "2024-02-29T04:00:00Z");
}
END_TEST

START_TEST(ymd_with_optional_time) {
    EXPECT_OK("ymd", "2024-01-05", 0, "2024-01-05");
    EXPECT_OK("ymd", "2024-1-5", 0, "2024-01-05");
    EXPECT_OK("ymd", "2024-01-05 10:20", 0, "2024-01-05T10:20:00Z");
    EXPECT_OK("ymd", "2024-01-05 10:20:30", 0, "2024-01-05T10:20:30Z");
    EXPECT_OK("ymd", "2024-01-05 9:05", 0, "2024-01-05T09:05:00Z");
    EXPECT_ERR("ymd", "2024-01-05T10:20:30", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("ymd", "2024-01-05 10:20:30Z", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(mdy_is_month_first) {
    EXPECT_OK("mdy", "1/5/2024", 0, "2024-01-05");
    EXPECT_OK("mdy", "01/05/2024", 0, "2024-01-05");
    EXPECT_OK("mdy", "12/31/2024 23:59", 0, "2024-12-31T23:59:00Z");
    EXPECT_OK("mdy", "12/31/2024 23:59:58", 0, "2024-12-31T23:59:58Z");
    EXPECT_ERR("mdy", "31/12/2024", 0, RC_TIME_RANGE);
    EXPECT_ERR("mdy", "1/5/24", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(dmy_is_day_first) {
    EXPECT_OK("dmy", "5/1/2024", 0, "2024-01-05");
    EXPECT_OK("dmy", "31/12/2024 08:00", 0, "2024-12-31T08:00:00Z");
    EXPECT_OK("dmy", "31/12/2024 08:00:01", 0, "2024-12-31T08:00:01Z");
    EXPECT_ERR("dmy", "12/31/2024", 0, RC_TIME_RANGE);
    EXPECT_ERR("dmy", "5.1.2024", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(dmy_dot_uses_dots) {
    EXPECT_OK("dmy_dot", "5.1.2024", 0, "2024-01-05");
    EXPECT_OK("dmy_dot", "05.01.2024 13:14", 0, "2024-01-05T13:14:00Z");
    EXPECT_OK("dmy_dot", "05.01.2024 13:14:15", 0, "2024-01-05T13:14:15Z");
    EXPECT_ERR("dmy_dot", "05/01/2024", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(named_formats_ignore_case) {
    EXPECT_OK("ISO8601", "2024-01-05", 0, "2024-01-05");
    EXPECT_OK("Dmy_Dot", "5.1.2024", 0, "2024-01-05");
    EXPECT_OK("EPOCH", "0", 0, "1970-01-01T00:00:00Z");
}
END_TEST

/* ---- profile time zone ------------------------------------------------ */

START_TEST(profile_zone_applies_to_times_without_own_zone) {
    EXPECT_OK("iso8601", "2024-01-05T10:00:00", 60, "2024-01-05T09:00:00Z");
    EXPECT_OK("iso8601", "2024-01-05T10:00:00", -300, "2024-01-05T15:00:00Z");
    EXPECT_OK("ymd", "2024-01-01 00:30", 60, "2023-12-31T23:30:00Z");
    EXPECT_OK("mdy", "12/31/2023 22:00", -120, "2024-01-01T00:00:00Z");
}
END_TEST

START_TEST(own_zone_wins_over_profile_zone) {
    EXPECT_OK("iso8601", "2024-01-05T10:00:00Z", 60, "2024-01-05T10:00:00Z");
    EXPECT_OK("iso8601", "2024-01-05T10:00:00+02:00", -300, "2024-01-05T08:00:00Z");
    EXPECT_OK("%Y-%m-%d %H:%M %z", "2024-01-05 10:00 UTC", 330, "2024-01-05T10:00:00Z");
}
END_TEST

START_TEST(date_only_values_are_never_shifted) {
    EXPECT_OK("iso8601", "2024-01-01", 60, "2024-01-01");
    EXPECT_OK("iso8601", "2024-01-01", -720, "2024-01-01");
    EXPECT_OK("dmy", "1/1/2024", 840, "2024-01-01");
    EXPECT_OK("%Y-%m-%d%z", "2024-01-01+05:00", 0, "2024-01-01");
    EXPECT_OK("%Y-%m-%d[ %z]", "2024-01-01 -08", 0, "2024-01-01");
}
END_TEST

START_TEST(profile_zone_out_of_range_is_refused) {
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00", 18 * 60 + 1, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-05", -18 * 60 - 1, RC_TIME_RANGE);
    EXPECT_OK("iso8601", "2024-01-05T10:00:00", 18 * 60, "2024-01-04T16:00:00Z");
}
END_TEST

/* ---- calendar and ranges ---------------------------------------------- */

START_TEST(leap_years_follow_gregorian_rules) {
    EXPECT_OK("iso8601", "2024-02-29", 0, "2024-02-29");
    EXPECT_OK("iso8601", "2000-02-29", 0, "2000-02-29");
    EXPECT_OK("iso8601", "1600-02-29T12:00:00", 0, "1600-02-29T12:00:00Z");
    EXPECT_ERR("iso8601", "2023-02-29", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "1900-02-29", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2100-02-29", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-02-30", 0, RC_TIME_RANGE);
}
END_TEST

START_TEST(every_field_out_of_range_is_range) {
    EXPECT_ERR("iso8601", "0999-12-31", 0, RC_TIME_RANGE);
    EXPECT_OK("iso8601", "1000-01-01", 0, "1000-01-01");
    EXPECT_OK("iso8601", "9999-12-31", 0, "9999-12-31");
    EXPECT_ERR("iso8601", "2024-00-10", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-13-10", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-00", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-32", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-04-31", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-05T24:00:00", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-05T25:00", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-05T10:60", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-05T10:00:60", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00+18:01", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00-19", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00+01:60", 0, RC_TIME_RANGE);
    EXPECT_ERR("ymd", "2024-01-05 25:00", 0, RC_TIME_RANGE);
    EXPECT_ERR("mdy", "13/1/2024", 0, RC_TIME_RANGE);
    EXPECT_ERR("%d-%b-%Y %I:%M %p", "05-Jan-2024 13:00 PM", 0, RC_TIME_RANGE);
    EXPECT_ERR("%d-%b-%Y %I:%M %p", "05-Jan-2024 00:00 AM", 0, RC_TIME_RANGE);
    EXPECT_ERR("%Y-%m-%d%z", "2024-01-05+19:00", 0, RC_TIME_RANGE);
}
END_TEST

START_TEST(shift_outside_supported_years_is_range) {
    EXPECT_OK("iso8601", "9999-12-31T23:59:59Z", 0, "9999-12-31T23:59:59Z");
    EXPECT_ERR("iso8601", "9999-12-31T23:00:00-05:00", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "1000-01-01T00:30:00+01:00", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "1000-01-01T00:30:00", 60, RC_TIME_RANGE);
}
END_TEST

/* ---- syntax ----------------------------------------------------------- */

START_TEST(empty_and_blank_are_empty) {
    EXPECT_ERR("iso8601", "", 0, RC_TIME_EMPTY);
    EXPECT_ERR("iso8601", " \t  ", 0, RC_TIME_EMPTY);
    EXPECT_ERR("epoch", "\t", 0, RC_TIME_EMPTY);
    EXPECT_ERR("%d-%b-%Y", "  ", 0, RC_TIME_EMPTY);
}
END_TEST

START_TEST(surrounding_spaces_and_tabs_are_trimmed) {
    EXPECT_OK("iso8601", "  2024-01-05\t", 0, "2024-01-05");
    EXPECT_OK("iso8601", "\t2024-01-05T10:00:00Z  ", 0, "2024-01-05T10:00:00Z");
    EXPECT_OK("epoch", " 0 ", 0, "1970-01-01T00:00:00Z");
    EXPECT_OK("mdy", " 1/5/2024 ", 0, "2024-01-05");
    EXPECT_ERR("iso8601", "2024-01-05\n", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(trailing_junk_is_syntax) {
    EXPECT_ERR("iso8601", "2024-01-05x", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00Zx", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00+05:", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00+5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("ymd", "2024-01-05 10:00:00 x", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("mdy", "1/5/2024 10", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("epoch", "1700000000x", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(iso8601_requires_two_digit_fields) {
    EXPECT_ERR("iso8601", "2024-1-5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "24-01-05", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T9:00", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T09:0", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T09", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(iso8601_rejects_other_iso_forms) {
    EXPECT_ERR("iso8601", "20240105", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-W01-5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-005", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05t10:00", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05  10:00", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00 UTC", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("iso8601", "+2024-01-05", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(non_nul_terminated_input_stops_at_len) {
    rc_time_format fmt;
    char out[RC_TIME_BUF];
    ck_assert_int_eq(rc_time_format_compile("iso8601", &fmt), 0);
    ck_assert_int_eq(rc_time_parse("2024-01-051", 10, &fmt, 0, out), RC_TIME_OK);
    ck_assert_str_eq(out, "2024-01-05");
    ck_assert_int_eq(rc_time_parse("2024-01-05T10:00:001", 19, &fmt, 0, out), RC_TIME_OK);
    ck_assert_str_eq(out, "2024-01-05T10:00:00Z");
    ck_assert_int_eq(rc_time_parse("2024-01-05T10:00:00+01", 20, &fmt, 0, out), RC_TIME_SYNTAX);

    ck_assert_int_eq(rc_time_format_compile("mdy", &fmt), 0);
    ck_assert_int_eq(rc_time_parse("1/5/20245", 8, &fmt, 0, out), RC_TIME_OK);
    ck_assert_str_eq(out, "2024-01-05");

    ck_assert_int_eq(rc_time_format_compile("epoch", &fmt), 0);
    ck_assert_int_eq(rc_time_parse("17000000009", 10, &fmt, 0, out), RC_TIME_OK);
    ck_assert_str_eq(out, "2023-11-14T22:13:20Z");
}
END_TEST

/* Exact-size heap copies: ASan reports any read at s[len]. */
START_TEST(no_read_past_len_on_any_format) {
    static const struct {
        const char *spec;
        const char *in;
    } cases[] = {
        {"iso8601", "2024-01-05"},
        {"iso8601", "2024-01-05T10:00:00+01"},
        {"iso8601", "2024-01-05T10:00"},
        {"iso8601", "2024-01-05T10:00:00.12"},
        {"iso8601", "2024-01-05T10:00+"},
        {"iso8601", "2024-01-05T10:00:00+05:3"},
        {"ymd", "2024-01-05 10"},
        {"%d-%b-%Y %I:%M %p", "05-Jan-2024 03:04 P"},
        {"%d %b %Y", "05 Ju"},
        {"%Y-%m-%d %H:%M%z", "2024-01-05 10:00UT"},
        {"epoch", "-"},
        {"epoch_ms", "123"},
        {"%Y-%m-%d %H:%M%z", "2024-01-05 10:00+0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        rc_time_format fmt;
        char out[RC_TIME_BUF];
        ck_assert_int_eq(rc_time_format_compile(cases[k].spec, &fmt), 0);
        const size_t n = strlen(cases[k].in);
        char *copy = malloc(n);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, cases[k].in, n);
        (void)rc_time_parse(copy, n, &fmt, 0, out);
        free(copy);
    }
}
END_TEST

START_TEST(out_is_untouched_on_error) {
    /* EXPECT_ERR checks every byte; this pins it for a case that gets far. */
    EXPECT_ERR("iso8601", "2024-01-05T10:00:00+19:00", 0, RC_TIME_RANGE);
    EXPECT_ERR("iso8601", "9999-12-31T23:00:00-05:00", 0, RC_TIME_RANGE);
}
END_TEST

START_TEST(null_and_uncompiled_formats_are_refused) {
    rc_time_format zeroed;
    char out[RC_TIME_BUF];
    memset(&zeroed, 0, sizeof zeroed);
    ck_assert_int_eq(rc_time_parse("2024-01-05", 10, &zeroed, 0, out), RC_TIME_SYNTAX);
    ck_assert_int_eq(rc_time_parse("2024-01-05", 10, NULL, 0, out), RC_TIME_SYNTAX);
    ck_assert_int_eq(rc_time_parse(NULL, 0, &zeroed, 0, out), RC_TIME_EMPTY);
}
END_TEST

/* ---- patterns --------------------------------------------------------- */

START_TEST(pattern_month_names_and_12_hour_clock) {
    const char *p = "%d-%b-%Y %I:%M %p";
    EXPECT_OK(p, "05-Jan-2024 03:04 PM", 0, "2024-01-05T15:04:00Z");
    EXPECT_OK(p, "05-jan-2024 03:04 pm", 0, "2024-01-05T15:04:00Z");
    EXPECT_OK(p, "05-JAN-2024 3:04 Am", 0, "2024-01-05T03:04:00Z");
    EXPECT_OK(p, "05-Jan-2024 12:00 AM", 0, "2024-01-05T00:00:00Z");
    EXPECT_OK(p, "05-Jan-2024 12:30 PM", 0, "2024-01-05T12:30:00Z");
    EXPECT_OK(p, "05-Jan-2024 11:59 PM", 0, "2024-01-05T23:59:00Z");
    EXPECT_OK(p, "1-Dec-2024 12:00 AM", 60, "2024-11-30T23:00:00Z");
    EXPECT_ERR(p, "05-Jan-2024 03:04 XM", 0, RC_TIME_SYNTAX);
    EXPECT_ERR(p, "05-Jam-2024 03:04 PM", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(pattern_month_accepts_full_names) {
    EXPECT_OK("%d %b %Y", "5 September 2024", 0, "2024-09-05");
    EXPECT_OK("%d %b %Y", "5 sep 2024", 0, "2024-09-05");
    EXPECT_OK("%d %b %Y", "30 June 2024", 0, "2024-06-30");
    EXPECT_OK("%d %b %Y", "31 may 2024", 0, "2024-05-31");
    EXPECT_OK("%b %d, %Y", "February 29, 2024", 0, "2024-02-29");
    EXPECT_OK("%d %b %Y", "5 Sept 2024", 0, "2024-09-05"); /* British abbreviation */
    EXPECT_OK("%b %d, %Y", "SEPT 30, 2024", 0, "2024-09-30");
    EXPECT_ERR("%d %b %Y", "5 Septx 2024", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("%d %b %Y", "31 Jun 2024", 0, RC_TIME_RANGE);
}
END_TEST

START_TEST(pattern_fraction_is_dropped) {
    EXPECT_OK("%Y-%m-%d %H:%M:%S.%f", "2024-01-05 10:20:30.5", 0, "2024-01-05T10:20:30Z");
    EXPECT_OK("%Y-%m-%d %H:%M:%S.%f", "2024-01-05 10:20:30.999999999", 0, "2024-01-05T10:20:30Z");
    EXPECT_ERR("%Y-%m-%d %H:%M:%S.%f", "2024-01-05 10:20:30.", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("%Y-%m-%d %H:%M:%S.%f", "2024-01-05 10:20:30.1234567890", 0, RC_TIME_SYNTAX);
    EXPECT_OK("%Y-%m-%d %H:%M:%S[.%f]", "2024-01-05 10:20:30", 0, "2024-01-05T10:20:30Z");
}
END_TEST

START_TEST(pattern_zone_forms) {
    const char *p = "%Y-%m-%d %H:%M:%S[ %z]";
    EXPECT_OK(p, "2024-01-05 10:00:00", 0, "2024-01-05T10:00:00Z");
    EXPECT_OK(p, "2024-01-05 10:00:00 Z", 120, "2024-01-05T10:00:00Z");
    EXPECT_OK(p, "2024-01-05 10:00:00 utc", 120, "2024-01-05T10:00:00Z");
    EXPECT_OK(p, "2024-01-05 10:00:00 GMT", 120, "2024-01-05T10:00:00Z");
    EXPECT_OK(p, "2024-01-05 10:00:00 +05:30", 0, "2024-01-05T04:30:00Z");
    EXPECT_OK(p, "2024-01-05 10:00:00 +0530", 0, "2024-01-05T04:30:00Z");
    EXPECT_OK(p, "2024-01-05 10:00:00 -08", 0, "2024-01-05T18:00:00Z");
    EXPECT_OK("%Y%m%d%H%M%S%z", "20240105100000-0800", 0, "2024-01-05T18:00:00Z");
    EXPECT_OK(p, "2024-01-05 10:00:00 CET", 0, "2024-01-05T09:00:00Z");
    EXPECT_ERR(p, "2024-01-05 10:00:00 XYZ", 0, RC_TIME_SYNTAX);
    EXPECT_ERR(p, "2024-01-05 10:00:00 +5", 0, RC_TIME_SYNTAX);
}
END_TEST

/* Abbreviations name fixed offsets: the summer ones are their own names. */
START_TEST(pattern_zone_abbreviations) {
    const char *p = "%Y-%m-%d %H:%M:%S %Z";
    EXPECT_OK(p, "2024-03-04 10:15:33 PST", 0, "2024-03-04T18:15:33Z");
    EXPECT_OK(p, "2024-03-11 19:05:44 PDT", 0, "2024-03-12T02:05:44Z");
    EXPECT_OK(p, "2024-04-01 11:15:00 CEST", 0, "2024-04-01T09:15:00Z");
    EXPECT_OK(p, "2024-03-04 10:15:33 cst", 0, "2024-03-04T16:15:33Z");
    EXPECT_OK(p, "2024-03-04 10:15:33 UTC", 60, "2024-03-04T10:15:33Z");
    EXPECT_OK(p, "2024-03-04 10:15:33 UTC+01:00", 0, "2024-03-04T09:15:33Z");
    EXPECT_OK(p, "2024-03-04 10:15:33 AEDT", 0, "2024-03-03T23:15:33Z");
    EXPECT_ERR(p, "2024-03-04 10:15:33 IST", 0, RC_TIME_SYNTAX); /* ambiguous: not in the table */
    EXPECT_ERR(p, "2024-03-04 10:15:33 PSTX", 0, RC_TIME_SYNTAX);
    EXPECT_ERR(p, "2024-03-04 10:15:33", 0, RC_TIME_SYNTAX);
    /* One zone per pattern. */
    rc_time_format f;
    ck_assert_int_eq(rc_time_format_compile("%Y-%m-%d %H:%M %Z %z", &f), -1);
}
END_TEST

/* %y: two-digit years (BAI2's YYMMDD), 00-69 in this century. */
START_TEST(pattern_two_digit_year) {
    EXPECT_OK("%y%m%d", "240311", 0, "2024-03-11");
    EXPECT_OK("%y%m%d", "691231", 0, "2069-12-31");
    EXPECT_OK("%y%m%d", "700101", 0, "1970-01-01");
    EXPECT_OK("%y%m%d[%H%M]", "2403110900", 0, "2024-03-11T09:00:00Z");
    EXPECT_ERR("%y%m%d", "2403", 0, RC_TIME_SYNTAX);
    rc_time_format f;
    ck_assert_int_eq(rc_time_format_compile("%y-%Y-%m-%d", &f), -1);
}
END_TEST

START_TEST(pattern_literals_match_exactly) {
    EXPECT_OK("%d/%m/%Y %H:%Mh", "05/01/2024 10:20h", 0, "2024-01-05T10:20:00Z");
    EXPECT_OK("%Y%%%m%%%d", "2024%01%05", 0, "2024-01-05");
    EXPECT_OK("Date: %Y-%m-%d", "Date: 2024-01-05", 0, "2024-01-05");
    EXPECT_ERR("Date: %Y-%m-%d", "date: 2024-01-05", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("%d %m %Y", "05  01 2024", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("%d %m %Y", "05\t01 2024", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(pattern_digit_widths) {
    EXPECT_OK("%Y%m%d", "20240105", 0, "2024-01-05");
    EXPECT_OK("%d.%m.%Y %H:%M", "5.1.2024 7:05", 0, "2024-01-05T07:05:00Z");
    EXPECT_ERR("%d.%m.%Y %H:%M", "5.1.2024 7:5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("%d.%m.%Y", "005.1.2024", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("%d.%m.%Y", "5.1.20245", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("%d.%m.%Y", "5.1.224", 0, RC_TIME_SYNTAX);
}
END_TEST

START_TEST(optional_groups_nest_and_backtrack) {
    const char *p = "%Y-%m-%d[ %H:%M[:%S]]";
    EXPECT_OK(p, "2024-01-05", 0, "2024-01-05");
    EXPECT_OK(p, "2024-01-05 10:20", 0, "2024-01-05T10:20:00Z");
    EXPECT_OK(p, "2024-01-05 10:20:30", 0, "2024-01-05T10:20:30Z");
    /* The inner part fails half-way and is undone; the rest must still fit. */
    EXPECT_ERR(p, "2024-01-05 10:20:3", 0, RC_TIME_SYNTAX);
    /* The outer part fails half-way: its hour must not leak into the value. */
    EXPECT_ERR(p, "2024-01-05 10", 0, RC_TIME_SYNTAX);
    EXPECT_OK("%Y-%m-%d[ %H:%M][ %z]", "2024-01-05 +01", 0, "2024-01-05");
    EXPECT_OK("%Y-%m-%d[T%H:%M][Z]", "2024-01-05Z", 0, "2024-01-05");
    EXPECT_OK("%Y-%m-%d[ %H:%M[:%S][.%f]][%z]", "2024-01-05 10:20.123+01", 0,
              "2024-01-05T09:20:00Z");
    /* A group that fails after parsing fields leaves no trace of them. */
    EXPECT_OK("%Y-%m-%d[ %H:%M!][ 10:20]", "2024-01-05 10:20", 0, "2024-01-05");
    EXPECT_OK("%Y-%m-%d[ %z!][ +01]", "2024-01-05 +01", 0, "2024-01-05");
}
END_TEST

START_TEST(optional_groups_are_greedy) {
    /* PEG semantics: a matched part is kept even if the rest then fails. */
    EXPECT_ERR("%Y-%m-%d[ %H:%M] 10:20", "2024-01-05 10:20", 0, RC_TIME_SYNTAX);
    EXPECT_OK("%Y-%m-%d[ %H:%M] 10:20", "2024-01-05 09:00 10:20", 0, "2024-01-05T09:00:00Z");
}
END_TEST

START_TEST(hour12_without_its_meridiem_is_syntax) {
    EXPECT_ERR("%Y-%m-%d %I:%M[ %p]", "2024-01-05 10:20", 0, RC_TIME_SYNTAX);
    EXPECT_OK("%Y-%m-%d %I:%M[ %p]", "2024-01-05 10:20 pm", 0, "2024-01-05T22:20:00Z");
}
END_TEST

START_TEST(malformed_patterns_are_rejected) {
    ck_assert(!compiles(NULL));
    ck_assert(!compiles(""));
    ck_assert(!compiles("iso"));
    ck_assert(!compiles("excel"));
    ck_assert(!compiles(" iso8601"));
    ck_assert(!compiles("%Y-%m-%q"));
    ck_assert(!compiles("%Y-%m-%d%"));
    ck_assert(!compiles("%Y-%m-%d[ %H:%M"));
    ck_assert(!compiles("%Y-%m-%d %H:%M]"));
    ck_assert(!compiles("%Y-%m-%d[]"));
    ck_assert(!compiles("%Y-%m-%d[ %H:%M[:%S]"));
    ck_assert(!compiles("%m-%d"));
    ck_assert(!compiles("%Y-%m"));
    ck_assert(!compiles("%Y-%d"));
    ck_assert(!compiles("%Y-%m-%d-%Y"));
    ck_assert(!compiles("%Y-%m-%b-%d"));
    ck_assert(!compiles("%Y[-%m]-%d"));
    ck_assert(!compiles("%Y-%m-%d %H"));
    ck_assert(!compiles("%Y-%m-%d %M:%S"));
    ck_assert(!compiles("%Y-%m-%d %I:%M"));
    ck_assert(!compiles("%Y-%m-%d %H:%M %p"));
    ck_assert(!compiles("%Y-%m-%d %H:%I:%M %p"));
    ck_assert(!compiles("%Y-%m-%d %H:%M.%f"));
    ck_assert(!compiles("%Y-%m-%d %z %z"));
    ck_assert(!compiles("%Y-%m-%d %T"));
    /* 63 characters fit pattern[64] with its NUL; 64 do not. */
    char longest[65];
    memset(longest, '-', sizeof longest - 1);
    memcpy(longest, "%Y%m%d", 6);
    longest[63] = '\0';
    ck_assert(compiles(longest));
    longest[63] = '-';
    longest[64] = '\0';
    ck_assert(!compiles(longest));
    ck_assert(compiles("%Y-%m-%d[ %H[:%M]]"));
}
END_TEST

START_TEST(failed_compile_leaves_format_untouched) {
    rc_time_format fmt;
    ck_assert_int_eq(rc_time_format_compile("mdy", &fmt), 0);
    ck_assert_int_eq(rc_time_format_compile("%Y-%q", &fmt), -1);
    EXPECT_OK("mdy", "1/5/2024", 0, "2024-01-05");
    char out[RC_TIME_BUF];
    ck_assert_int_eq(rc_time_parse("1/5/2024", 8, &fmt, 0, out), RC_TIME_OK);
    ck_assert_str_eq(out, "2024-01-05");
}
END_TEST

/* ---- epoch ------------------------------------------------------------ */

START_TEST(epoch_seconds) {
    EXPECT_OK("epoch", "0", 0, "1970-01-01T00:00:00Z");
    EXPECT_OK("epoch", "1700000000", 0, "2023-11-14T22:13:20Z");
    EXPECT_OK("epoch", "1700000000", 600, "2023-11-14T22:13:20Z");
    EXPECT_OK("epoch", "-1", 0, "1969-12-31T23:59:59Z");
    EXPECT_OK("epoch", "-1234567890", 0, "1930-11-18T00:28:30Z");
    EXPECT_OK("epoch", "0000000000000000000000000000042", 0, "1970-01-01T00:00:42Z");
    EXPECT_OK("epoch", "253402300799", 0, "9999-12-31T23:59:59Z");
    EXPECT_OK("epoch", "-30610224000", 0, "1000-01-01T00:00:00Z");
}
END_TEST

START_TEST(epoch_millis_floor_negative_values) {
    EXPECT_OK("epoch_ms", "0", 0, "1970-01-01T00:00:00Z");
    EXPECT_OK("epoch_ms", "1700000000123", 0, "2023-11-14T22:13:20Z");
    EXPECT_OK("epoch_ms", "999", 0, "1970-01-01T00:00:00Z");
    EXPECT_OK("epoch_ms", "1000", 0, "1970-01-01T00:00:01Z");
    EXPECT_OK("epoch_ms", "-1", 0, "1969-12-31T23:59:59Z");
    EXPECT_OK("epoch_ms", "-1000", 0, "1969-12-31T23:59:59Z");
    EXPECT_OK("epoch_ms", "-1001", 0, "1969-12-31T23:59:58Z");
    EXPECT_OK("epoch_ms", "-86400001", 0, "1969-12-30T23:59:59Z");
    EXPECT_OK("epoch_ms", "253402300799999", 0, "9999-12-31T23:59:59Z");
    EXPECT_ERR("epoch_ms", "253402300800000", 0, RC_TIME_RANGE);
}
END_TEST

START_TEST(epoch_out_of_range_and_huge_inputs) {
    EXPECT_ERR("epoch", "253402300800", 0, RC_TIME_RANGE);
    EXPECT_ERR("epoch", "-30610224001", 0, RC_TIME_RANGE);
    EXPECT_ERR("epoch", "9223372036854775807", 0, RC_TIME_RANGE);
    EXPECT_ERR("epoch", "9223372036854775808", 0, RC_TIME_RANGE);
    EXPECT_ERR("epoch", "-9223372036854775808", 0, RC_TIME_RANGE);
    EXPECT_ERR("epoch", "99999999999999999999999999999999999999999999", 0, RC_TIME_RANGE);
    EXPECT_ERR("epoch_ms", "-99999999999999999999999999999999999999999999", 0, RC_TIME_RANGE);
}
END_TEST

START_TEST(epoch_syntax) {
    EXPECT_ERR("epoch", "-", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("epoch", "+5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("epoch", "--5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("epoch", "1.5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("epoch", "1 5", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("epoch", "1e9", 0, RC_TIME_SYNTAX);
    EXPECT_ERR("epoch_ms", "0x10", 0, RC_TIME_SYNTAX);
}
END_TEST

/* ---- zones, messages, public wrapper ---------------------------------- */

static int zone(const char *spec) {
    int minutes = 12345;
    const int rc = rc_time_zone_parse(spec, &minutes);
    ck_assert_msg(rc == 0, "zone \"%s\" refused", spec);
    return minutes;
}

static void zone_refused(const char *spec) {
    int minutes = 12345;
    ck_assert_msg(rc_time_zone_parse(spec, &minutes) == -1, "zone \"%s\" accepted", spec);
    ck_assert_int_eq(minutes, 12345);
}

START_TEST(zone_parse_accepts_names_and_offsets) {
    ck_assert_int_eq(zone("UTC"), 0);
    ck_assert_int_eq(zone("utc"), 0);
    ck_assert_int_eq(zone("Z"), 0);
    ck_assert_int_eq(zone("z"), 0);
    ck_assert_int_eq(zone("GMT"), 0);
    ck_assert_int_eq(zone("+01:00"), 60);
    ck_assert_int_eq(zone("-0530"), -330);
    ck_assert_int_eq(zone("+05"), 300);
    ck_assert_int_eq(zone("-05:00"), -300);
    ck_assert_int_eq(zone("+18:00"), 1080);
    ck_assert_int_eq(zone("-18"), -1080);
    ck_assert_int_eq(zone("-00:00"), 0);
    ck_assert_int_eq(zone("  +05:45 \r\n"), 345);
    ck_assert_int_eq(zone("\tUTC "), 0);
    ck_assert_int_eq(zone("CET"), 60);
    ck_assert_int_eq(zone("cest"), 120);
    ck_assert_int_eq(zone("PDT"), -420);
    ck_assert_int_eq(zone("UTC+1"), 60);
    ck_assert_int_eq(zone("GMT-05:00"), -300);
}
END_TEST

START_TEST(zone_parse_refuses_everything_else) {
    zone_refused(NULL);
    zone_refused("");
    zone_refused("   ");
    zone_refused("Europe/Berlin");
    zone_refused("IST");
    zone_refused("CETX");
    zone_refused("UTC+");
    zone_refused("+1");
    zone_refused("+5:30");
    zone_refused("+05:3");
    zone_refused("+05:");
    zone_refused("+053");
    zone_refused("+05300");
    zone_refused("05:00");
    zone_refused("+18:01");
    zone_refused("-19:00");
    zone_refused("+01:60");
    zone_refused("U TC");
    ck_assert_int_eq(rc_time_zone_parse("UTC", NULL), -1);
}
END_TEST

START_TEST(error_codes_and_messages_are_stable) {
    ck_assert_str_eq(rc_time_errcode(RC_TIME_OK), "ok");
    ck_assert_str_eq(rc_time_errcode(RC_TIME_EMPTY), "date_empty");
    ck_assert_str_eq(rc_time_errcode(RC_TIME_SYNTAX), "date_invalid");
    ck_assert_str_eq(rc_time_errcode(RC_TIME_RANGE), "date_out_of_range");
    ck_assert_str_eq(rc_time_errcode(99), "date_invalid");
    const int errs[] = {RC_TIME_OK, RC_TIME_EMPTY, RC_TIME_SYNTAX, RC_TIME_RANGE, -1};
    for (size_t k = 0; k < sizeof errs / sizeof errs[0]; k++) {
        const char *msg = rc_time_errmsg(errs[k]);
        ck_assert_ptr_nonnull(msg);
        ck_assert_uint_gt(strlen(msg), 0);
        /* A fragment, embedded in row messages ("... (format iso8601): no
         * such date or time"), so it has no closing full stop. */
        ck_assert_int_ne(msg[strlen(msg) - 1], '.');
    }
    ck_assert_str_ne(rc_time_errmsg(RC_TIME_SYNTAX), rc_time_errmsg(RC_TIME_RANGE));
}
END_TEST

START_TEST(normalize_wrapper) {
    char buf[RC_TIME_BUF];
    ck_assert_int_eq(recon_time_normalize("2024-01-05T10:00:00+01:00", NULL, NULL, buf, sizeof buf),
                     0);
    ck_assert_str_eq(buf, "2024-01-05T09:00:00Z");
    ck_assert_int_eq(recon_time_normalize("1/5/2024 10:00", "mdy", "-05:00", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "2024-01-05T15:00:00Z");
    ck_assert_int_eq(recon_time_normalize("1/5/2024", "mdy", "+14", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "2024-01-05");
    ck_assert_int_eq(recon_time_normalize("05-Jan-2024", "%d-%b-%Y", "UTC", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "2024-01-05");
    ck_assert_int_eq(recon_time_normalize("-1", "epoch_ms", NULL, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");

    ck_assert_int_eq(recon_time_normalize("2024-01-05", "nope", NULL, buf, sizeof buf), -1);
    ck_assert_int_eq(recon_time_normalize("2024-01-05", NULL, "Europe/Berlin", buf, sizeof buf),
                     -1);
    ck_assert_int_eq(recon_time_normalize("2023-02-29", NULL, NULL, buf, sizeof buf), -1);
    ck_assert_int_eq(recon_time_normalize("", NULL, NULL, buf, sizeof buf), -1);
    ck_assert_int_eq(recon_time_normalize(NULL, NULL, NULL, buf, sizeof buf), -1);
    ck_assert_int_eq(recon_time_normalize("2024-01-05", NULL, NULL, NULL, sizeof buf), -1);
    ck_assert_int_eq(recon_time_normalize("2024-01-05", NULL, NULL, buf, RC_TIME_BUF - 1), -1);
}
END_TEST

/* ---- calendar arithmetic ---------------------------------------------- */

START_TEST(days_from_civil_known_values) {
    ck_assert_int_eq(rc_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(rc_days_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(rc_days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(rc_days_from_civil(1000, 1, 1), -354285);
    ck_assert_int_eq(rc_days_from_civil(9999, 12, 31), 2932896);
    ck_assert_int_eq(rc_days_from_civil(0, 3, 1), -719468);
    ck_assert_int_eq(rc_days_from_civil(-1, 12, 31) + 1, rc_days_from_civil(0, 1, 1));
}
END_TEST

/* The inverse, weekdays and business days, on known days: 2024-05-17 was
 * a Friday, 2024-02-29 a Thursday. */
START_TEST(civil_weekday_and_business_days) {
    int64_t y;
    int m, d;
    rc_civil_from_days(rc_days_from_civil(2024, 2, 29), &y, &m, &d);
    ck_assert(y == 2024 && m == 2 && d == 29);
    rc_civil_from_days(-1, &y, &m, &d);
    ck_assert(y == 1969 && m == 12 && d == 31);
    ck_assert_int_eq(rc_weekday(0), 3);
    ck_assert_int_eq(rc_weekday(-1), 2);
    ck_assert_int_eq(rc_weekday(rc_days_from_civil(2024, 5, 17)), 4);
    ck_assert_int_eq(rc_days_in_month(2024, 2), 29);
    ck_assert_int_eq(rc_days_in_month(1900, 2), 28);
    ck_assert_int_eq(rc_days_in_month(2000, 2), 29);
    ck_assert_int_eq(rc_day_of("2024-05-17T23:59:59Z"), rc_days_from_civil(2024, 5, 17));
    ck_assert_int_eq(rc_day_of("2024-05"), RC_NO_DATE);
    ck_assert_int_eq(rc_day_of(NULL), RC_NO_DATE);
    int32_t fri = (int32_t)rc_days_from_civil(2024, 5, 17);
    ck_assert_int_eq(rc_day_distance(fri + 3, fri, 1), 1); /* Monday after */
    ck_assert_int_eq(rc_day_distance(fri + 3, fri, 0), 3);
    ck_assert_int_eq(rc_day_distance(fri + 1, fri, 1), 1); /* Saturday counts as Monday */
}
END_TEST

static int test_days_in_month(int y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return days[m - 1];
}

/* Every day 1970..2100: consecutive day numbers, iso8601 returns the date
 * unchanged, and epoch at midnight of that day prints the same date. */
START_TEST(every_day_1970_to_2100_round_trips) {
    rc_time_format iso;
    rc_time_format epoch;
    ck_assert_int_eq(rc_time_format_compile("iso8601", &iso), 0);
    ck_assert_int_eq(rc_time_format_compile("epoch", &epoch), 0);
    int64_t expected = 0;
    for (int y = 1970; y <= 2100; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= test_days_in_month(y, m); d++) {
                char date[40];
                char out[RC_TIME_BUF];
                snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
                ck_assert_int_eq(rc_days_from_civil(y, (unsigned)m, (unsigned)d), expected);
                ck_assert_int_eq(rc_time_parse(date, 10, &iso, 0, out), RC_TIME_OK);
                ck_assert_str_eq(out, date);

                char secs[32];
                const int n = snprintf(secs, sizeof secs, "%lld", (long long)expected * 86400);
                ck_assert_int_eq(rc_time_parse(secs, (size_t)n, &epoch, 0, out), RC_TIME_OK);
                ck_assert_int_eq(strncmp(out, date, 10), 0);
                ck_assert_str_eq(out + 10, "T00:00:00Z");
                expected++;
            }
        }
    }
    ck_assert_int_eq(expected, rc_days_from_civil(2101, 1, 1));
    ck_assert_int_eq(expected, 47847);
}
END_TEST

/* The supported extremes also survive a trip through epoch seconds. */
START_TEST(every_year_boundary_round_trips_through_epoch) {
    rc_time_format epoch;
    ck_assert_int_eq(rc_time_format_compile("epoch", &epoch), 0);
    for (int y = 1000; y <= 9999; y++) {
        char want[40];
        char secs[32];
        char out[RC_TIME_BUF];
        const int64_t t = rc_days_from_civil(y, 1, 1) * 86400 - 1;
        snprintf(want, sizeof want, "%04d-12-31T23:59:59Z", y - 1);
        const int n = snprintf(secs, sizeof secs, "%lld", (long long)t);
        const int rc = rc_time_parse(secs, (size_t)n, &epoch, 0, out);
        if (y == 1000) {
            ck_assert_int_eq(rc, RC_TIME_RANGE);
        } else {
            ck_assert_int_eq(rc, RC_TIME_OK);
            ck_assert_str_eq(out, want);
        }
    }
}
END_TEST

static Suite *timefmt_suite(void) {
    Suite *s = suite_create("timefmt");
    TCase *named = tcase_create("named");
    tcase_add_test(named, iso8601_date_only_is_written_as_date);
    tcase_add_test(named, iso8601_accepts_T_or_space_and_optional_seconds);
    tcase_add_test(named, iso8601_fraction_is_dropped_not_rounded);
    tcase_add_test(named, iso8601_zones_shift_to_utc);
    tcase_add_test(named, zone_shift_crosses_midnight_and_year);
    tcase_add_test(named, ymd_with_optional_time);
    tcase_add_test(named, mdy_is_month_first);
    tcase_add_test(named, dmy_is_day_first);
    tcase_add_test(named, dmy_dot_uses_dots);
    tcase_add_test(named, named_formats_ignore_case);
    suite_add_tcase(s, named);

    TCase *tz = tcase_create("profile_zone");
    tcase_add_test(tz, profile_zone_applies_to_times_without_own_zone);
    tcase_add_test(tz, own_zone_wins_over_profile_zone);
    tcase_add_test(tz, date_only_values_are_never_shifted);
    tcase_add_test(tz, profile_zone_out_of_range_is_refused);
    suite_add_tcase(s, tz);

    TCase *range = tcase_create("range");
    tcase_add_test(range, leap_years_follow_gregorian_rules);
    tcase_add_test(range, every_field_out_of_range_is_range);
    tcase_add_test(range, shift_outside_supported_years_is_range);
    suite_add_tcase(s, range);

    TCase *syntax = tcase_create("syntax");
    tcase_add_test(syntax, empty_and_blank_are_empty);
    tcase_add_test(syntax, surrounding_spaces_and_tabs_are_trimmed);
    tcase_add_test(syntax, trailing_junk_is_syntax);
    tcase_add_test(syntax, iso8601_requires_two_digit_fields);
    tcase_add_test(syntax, iso8601_rejects_other_iso_forms);
    tcase_add_test(syntax, non_nul_terminated_input_stops_at_len);
    tcase_add_test(syntax, no_read_past_len_on_any_format);
    tcase_add_test(syntax, out_is_untouched_on_error);
    tcase_add_test(syntax, null_and_uncompiled_formats_are_refused);
    suite_add_tcase(s, syntax);

    TCase *pattern = tcase_create("pattern");
    tcase_add_test(pattern, pattern_month_names_and_12_hour_clock);
    tcase_add_test(pattern, pattern_month_accepts_full_names);
    tcase_add_test(pattern, pattern_fraction_is_dropped);
    tcase_add_test(pattern, pattern_zone_forms);
    tcase_add_test(pattern, pattern_zone_abbreviations);
    tcase_add_test(pattern, pattern_two_digit_year);
    tcase_add_test(pattern, pattern_literals_match_exactly);
    tcase_add_test(pattern, pattern_digit_widths);
    tcase_add_test(pattern, optional_groups_nest_and_backtrack);
    tcase_add_test(pattern, optional_groups_are_greedy);
    tcase_add_test(pattern, hour12_without_its_meridiem_is_syntax);
    tcase_add_test(pattern, malformed_patterns_are_rejected);
    tcase_add_test(pattern, failed_compile_leaves_format_untouched);
    suite_add_tcase(s, pattern);

    TCase *epoch = tcase_create("epoch");
    tcase_add_test(epoch, epoch_seconds);
    tcase_add_test(epoch, epoch_millis_floor_negative_values);
    tcase_add_test(epoch, epoch_out_of_range_and_huge_inputs);
    tcase_add_test(epoch, epoch_syntax);
    suite_add_tcase(s, epoch);

    TCase *api = tcase_create("api");
    tcase_add_test(api, zone_parse_accepts_names_and_offsets);
    tcase_add_test(api, zone_parse_refuses_everything_else);
    tcase_add_test(api, error_codes_and_messages_are_stable);
    tcase_add_test(api, normalize_wrapper);
    suite_add_tcase(s, api);

    TCase *calendar = tcase_create("calendar");
    tcase_add_test(calendar, civil_weekday_and_business_days);
    tcase_add_test(calendar, days_from_civil_known_values);
    tcase_add_test(calendar, every_day_1970_to_2100_round_trips);
    tcase_add_test(calendar, every_year_boundary_round_trips_through_epoch);
    tcase_set_timeout(calendar, 60);
    suite_add_tcase(s, calendar);
    return s;
}

int main(void) {
    return tu_run(timefmt_suite());
}
