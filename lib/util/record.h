/* record: the vocabulary of the canonical record (docs/PROFILES.md) that
 * every layer shares: the kinds of a transaction and the types of a
 * source, with their stored names. */
#ifndef RECON_UTIL_RECORD_H
#define RECON_UTIL_RECORD_H

#include "recon.h"

/* Canonical kinds, in the order of the schema's CHECK list. */
typedef enum {
    RC_K_CHARGE,
    RC_K_REFUND,
    RC_K_FEE,
    RC_K_PAYOUT,
    RC_K_CHARGEBACK,
    RC_K_CHARGEBACK_REVERSAL,
    RC_K_ADJUSTMENT,
    RC_K_TRANSFER,
    RC_K_BANK_CREDIT,
    RC_K_BANK_DEBIT,
    RC_K_OTHER,
    RC_K_COUNT
} rc_kind;

/* The stored name of a kind ("bank_credit"); "?" out of range. */
const char *rc_kind_name(rc_kind k);

/* The kind named `name`, or -1 (also for NULL). */
int rc_kind_from_name(const char *name);

#endif
