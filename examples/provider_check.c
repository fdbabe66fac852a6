/* A payment service checking a provider's error answer against the
 * unified error table: what it means, whether and when to retry.
 *
 *     provider_check modulate 429 "$(cat response.json)"
 *     RATE_LIMITED (throttle), matched exact: wait retry_after_seconds then retry
 *     retry (retry_after) after 42000 ms
 *
 * Prints the unified code, its category and the delay before the first
 * retry. Works without a database. Exit status 0, or 2 on bad arguments. */
#include <recon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: provider_check PROVIDER HTTP_STATUS BODY\n");
        return 2;
    }
    if (!recon_error_provider_known(argv[1]))
        fprintf(stderr, "provider_check: warning: '%s' is not in the error table\n", argv[1]);
    recon_provider_failure f = RECON_PROVIDER_FAILURE_INIT;
    recon_failure_from_response(argv[1], atoi(argv[2]), argv[3], strlen(argv[3]), &f);
    recon_retry_opts ro = RECON_RETRY_OPTS_INIT;
    int64_t wait = recon_retry_delay_ms(&f.info, 1, f.retry_after_seconds, &ro);
    printf("%s (%s), matched %s: %s\n", f.info.unified_code, f.info.category,
           recon_error_match_name(f.info.matched), f.info.action);
    if (wait == RECON_NO_RETRY)
        printf("do not retry\n");
    else
        printf("retry (%s) after %lld ms\n", recon_retry_policy_name(f.info.retry_policy),
               (long long)wait);
    return 0;
}
