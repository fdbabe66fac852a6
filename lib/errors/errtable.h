/* errtable: the unified error-code table, compiled in from
 * data/unified_codes.csv and data/error_codes.csv by scripts/mkerrtable.
 * Private: programs reach it through recon_error_* in recon.h. */
#ifndef RECON_ERRTABLE_H
#define RECON_ERRTABLE_H

#include <stddef.h>

#include "recon.h"

/* One row of data/decline_codes.csv: a decline code's network facts. */
typedef struct {
    int unified; /* index into rc_unified_codes */
    int soft;
    const char *visa_category;
    const char *iso8583; /* space-separated */
    int first_minutes, max_retries, days;
    const char *retry_advice;
    const char *customer_action;
    const char *sources;
} rc_decline;

/* One unified code of the closed set. */
typedef struct {
    const char *code;
    const char *category;
    int retryable; /* the code's usual answer; rows may differ */
    recon_retry_policy policy;
    const char *meaning;
    const char *what_to_do;
    int decline; /* index into rc_decline_codes, or -1 */
} rc_unified;

/* One row of data/error_codes.csv. */
typedef struct {
    const char *provider; /* lower case; "*" for the class rows */
    int http_status;      /* 0 for class rows and librecon's rows */
    int http_class;       /* 1..5, 0 for librecon's rows */
    const char *code;     /* "" when the status alone is the code; "101x" a family */
    const char *cause;    /* "", "body:xml" or "message:TEXT" */
    int unified;          /* index into rc_unified_codes */
    int retryable;
    recon_retry_policy policy;
    const char *action;
    const char *description;
    const char *spec;    /* the provider document or page it comes from */
    const char *iso8583; /* the ISO 8583 code the row stands for, or "" */
} rc_error_row;

extern const rc_decline rc_decline_codes[];
extern const size_t rc_ndecline_codes;
extern const rc_unified rc_unified_codes[];
extern const size_t rc_nunified_codes;
extern const rc_error_row rc_error_rows[];
extern const size_t rc_nerror_rows;
/* Changes whenever the data does; databases refresh their mirror by it. */
extern const char rc_error_table_hash[];

/* What a response body says beyond status and code, for the rows whose
 * cause depends on it. */
typedef struct {
    const char *message; /* the provider's message text, or NULL */
    int body_is_xml;     /* the body was XML, not JSON */
} rc_error_detail;

/* Classification with the detail of a parsed response (response.c). */
void rc_error_classify_detail(const char *provider, int http_status, const char *code,
                              const rc_error_detail *detail, recon_error_info *out);

/* The unified code's row of the closed set, or NULL. */
const rc_unified *rc_unified_find(const char *code);

#endif
