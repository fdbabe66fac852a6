/* calendar: the one home of calendar arithmetic. Days are counted from
 * 1970-01-01 in the proleptic Gregorian calendar, with integer arithmetic
 * only (Howard Hinnant's days_from_civil / civil_from_days): no locale, no
 * TZ, no libc time functions, so no machine setting can change a date. */
#ifndef RECON_UTIL_CALENDAR_H
#define RECON_UTIL_CALENDAR_H

#include <stdint.h>

/* No date: what rc_day_of gives for a missing or short text. */
#define RC_NO_DATE INT32_MIN

/* Days since 1970-01-01 of y-m-d. Defined for |y| far beyond any date a
 * file may hold. */
int64_t rc_days_from_civil(int64_t y, unsigned m, unsigned d);

/* y-m-d of a day count (the inverse of rc_days_from_civil). */
void rc_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Days in month m (1-12) of year y. */
int rc_days_in_month(int64_t y, int m);

/* 0 = Monday ... 6 = Sunday. */
int rc_weekday(int64_t days);

/* The day of a stored "YYYY-MM-DD..." text (a date or an ISO time), or
 * RC_NO_DATE when the text is NULL or shorter than a date. */
int32_t rc_day_of(const char *s);

/* Day a minus day b, in calendar days or (business) in business days:
 * Monday to Friday, a weekend counting as the Monday after it, so Friday
 * to Monday is one business day. */
int rc_day_distance(int32_t a, int32_t b, int business);

#endif
