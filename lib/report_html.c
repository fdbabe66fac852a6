/* report_html: the controller's one-page report (recon_report_html). */
#include "internal.h"

int recon_report_html(recon_db *db, const recon_report_filter *filter, char **out) {
    (void)filter;
    if (out)
        *out = NULL;
    return rc_fail(db, RECON_EMISUSE, "recon_report_html: not built yet");
}
