/* Fuzz target: chart-of-accounts mappings (recon_accounts_parse,
 * lib/report/accounts.c).
 *
 * The input is the INI text (cut at its first NUL). Checked: a refusal
 * says why and returns nothing; an accepted mapping holds at least one
 * account, every one a valid journal account name (not empty, no two
 * spaces in a row, no ';' or '#', no control byte), and every account it
 * makes for a source, with {source} filled in, is one too or is refused;
 * parsing again gives the same mapping; everything is freed without
 * leaks. */
#include <string.h>

#include "fuzz.h"
#include "recon.h"
#include "report/journal.h"

static int fuzz_accounts_valid(const char *a) {
    size_t n = strlen(a);
    if (!n || n > 200 || a[0] == ' ' || a[n - 1] == ' ') return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c < 0x20 || c == 0x7f || c == ';' || c == '#' || (c == ' ' && a[i + 1] == ' '))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    recon_error err = RECON_ERROR_INIT;
    recon_accounts *acc = (recon_accounts *)1;
    const int rc = recon_accounts_parse(text, "fuzz.ini", &err, &acc);
    if (rc != RECON_OK) {
        FUZZ_ASSERT_REFUSAL(rc, acc, err);
        free(text);
        return 0;
    }
    FUZZ_ASSERT(acc->n >= 1);
    static const char *const fuzz_accounts_sources[] = {"stripe", "bank", "a b", "{source}"};
    static const char *const fuzz_accounts_types[] = {"psp", "bank", "ledger"};
    for (size_t i = 0; i < acc->n; i++) {
        FUZZ_ASSERT(fuzz_accounts_valid(acc->e[i].value));
        for (size_t s = 0; s < 4; s++)
            for (size_t t = 0; t < 3; t++) {
                char buf[512];
                int r = rc_account_of(acc, fuzz_accounts_sources[s], fuzz_accounts_types[t],
                                      acc->e[i].key, buf, sizeof buf);
                FUZZ_ASSERT(r == 0 || r == -1 || r == -2);
                if (r == 0) FUZZ_ASSERT(fuzz_accounts_valid(buf));
            }
    }
    recon_accounts *again = NULL;
    FUZZ_ASSERT(recon_accounts_parse(text, "fuzz.ini", NULL, &again) == RECON_OK);
    FUZZ_ASSERT(again->n == acc->n);
    for (size_t i = 0; i < acc->n; i++)
        FUZZ_ASSERT(!strcmp(again->e[i].value, acc->e[i].value));
    recon_accounts_free(again);
    recon_accounts_free(acc);
    free(text);
    return 0;
}
