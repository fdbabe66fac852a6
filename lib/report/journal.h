/* journal: the chart-of-accounts mapping (accounts.c) and the journal
 * export (journal.c) share it. */
#ifndef RECON_REPORT_JOURNAL_H
#define RECON_REPORT_JOURNAL_H

#include <stddef.h>

#include "recon.h"

typedef struct {
    char *section; /* "defaults", "variances", "type psp", "source stripe" */
    char *key;
    char *value;
} rc_account_entry;

struct recon_accounts {
    rc_account_entry *e;
    size_t n;
    char *text; /* as parsed: recorded with each export */
};

/* The account of key for a source (its [source NAME] section, else its
 * [type TYPE] one), or with source NULL of section type ("defaults",
 * "variances"), {source} replaced, into buf. 0; -1 when not mapped; -2
 * when the name it makes is no valid account (too long, two spaces). */
int rc_account_of(const recon_accounts *a, const char *source, const char *type, const char *key,
                  char *buf, size_t size);

#endif
