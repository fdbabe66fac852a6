/* calendar: days, civil dates, weekdays and business days
 * (util/calendar.h). */
#include <stdlib.h>
#include <string.h>

#include "util/calendar.h"

int64_t rc_days_from_civil(int64_t y, unsigned m, unsigned d) {
    /* Hinnant's algorithm: years start in March so the leap day is last. */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;
    const int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void rc_civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int rc_days_in_month(int64_t y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int rc_weekday(int64_t days) {
    /* 1970-01-01 was a Thursday (3). */
    int64_t r = (days + 3) % 7;
    return (int)(r < 0 ? r + 7 : r);
}

int32_t rc_day_of(const char *s) {
    if (!s || strlen(s) < 10) return RC_NO_DATE;
    return (int32_t)rc_days_from_civil(atoi(s), (unsigned)atoi(s + 5), (unsigned)atoi(s + 8));
}

/* Business days since a Monday long ago: weekends count as the Monday
 * after them. */
static int64_t business_index(int32_t d) {
    int64_t m = (int64_t)d + 3; /* make day 0 a Monday */
    int64_t w = m >= 0 ? m / 7 : (m - 6) / 7;
    int64_t r = m - 7 * w;
    return w * 5 + (r < 5 ? r : 5);
}

int rc_day_distance(int32_t a, int32_t b, int business) {
    if (!business) return a - b;
    return (int)(business_index(a) - business_index(b));
}
