/* record: names of the canonical record's kinds and source types
 * (util/record.h, recon_source_type_name in recon.h). */
#include <string.h>

#include "util/record.h"

static const char *const KIND_NAMES[RC_K_COUNT] = {
    "charge",     "refund",   "fee",         "payout",     "chargeback", "chargeback_reversal",
    "adjustment", "transfer", "bank_credit", "bank_debit", "other"};

const char *rc_kind_name(rc_kind k) {
    return (unsigned)k < RC_K_COUNT ? KIND_NAMES[k] : "?";
}

int rc_kind_from_name(const char *name) {
    for (int k = 0; name && k < RC_K_COUNT; k++)
        if (!strcmp(KIND_NAMES[k], name)) return k;
    return -1;
}

const char *recon_source_type_name(recon_source_type type) {
    switch (type) {
    case RECON_SOURCE_PSP:
        return "psp";
    case RECON_SOURCE_BANK:
        return "bank";
    case RECON_SOURCE_LEDGER:
        return "ledger";
    }
    return "?";
}
