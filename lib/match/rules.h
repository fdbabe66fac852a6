/* rules: match rules, from INI text ([rule NAME] sections, docs/MATCHING.md)
 * or files, validated as a whole with messages naming the rule and the
 * key. The matcher (match.c) reads the structures directly. */
#ifndef RECON_RULES_H
#define RECON_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "recon.h"

typedef enum {
    RC_CARD_ONE_TO_ONE,
    RC_CARD_ONE_TO_MANY,
    RC_CARD_MANY_TO_ONE,
    RC_CARD_MANY_TO_MANY
} rc_cardinality;
typedef enum { RC_REF_NONE, RC_REF_EQUAL, RC_REF_NORMALIZED, RC_REF_CONTAINS } rc_refmode;
typedef enum { RC_VAL_AMOUNT, RC_VAL_NET, RC_VAL_FEE } rc_valfield;
typedef enum {
    RC_TF_REFERENCE,
    RC_TF_GROUP_ID,
    RC_TF_EXTERNAL_ID,
    RC_TF_DESCRIPTION,
    RC_TF_COUNTERPARTY,
    RC_TF_COUNT
} rc_textfield;
typedef enum { RC_DATE_OCCURRED, RC_DATE_SETTLED } rc_datefield;
/* What a rule calls the amount difference it accepts (difference_as): none
 * (a tolerance, nothing booked), or a typed variance the match records. */
typedef enum { RC_VAR_NONE, RC_VAR_FEE, RC_VAR_FX, RC_VAR_WRITEOFF } rc_variance;

/* One side of a rule: which transactions it takes. */
typedef struct {
    recon_source_type type; /* 0 when named sources select */
    char **sources;
    size_t nsources;
    unsigned kinds; /* bit per rc_kind; all bits when any kind */
} rc_side;

typedef struct {
    char *name;
    int priority;
    int order; /* position in its file: ties of priority keep file order */
    rc_side left, right;
    rc_cardinality card;
    rc_textfield group_by; /* the key of the aggregated side (1:n right, n:1 left, n:m both) */
    rc_textfield group_left, group_right; /* each side's key (group_by_left, group_by_right);
                                             resolved to group_by when not given */
    rc_valfield value_left, value_right;
    int opposite;              /* amounts compare as left = -right */
    int tolerant;              /* amount = tolerance (else equal) */
    int64_t tol_minor;         /* tolerance: |difference| <= tol_minor ... */
    int tol_bps;               /* ... or <= tol_bps basis points of the left amount */
    rc_variance difference_as; /* a difference within tolerance is this variance; fee:
                                  only a left short of the right (difference < 0) */
    int confirm_at;        /* confidence (0..100) from which a candidate is matched when it is the
                              only one that high on both sides; 100 (the default): only pairs that
                              meet every criterion with no rival, the engine's rounds */
    int suggest_at;        /* confidence from which a candidate not confirmed is offered as a
                              suggestion; -1 (the default): none */
    int allow_partial;     /* allow_partial = yes: a pair whose amounts differ beyond the
                              tolerance (same sign) matches for the smaller one, and the larger
                              keeps the rest open for another match (one_to_one, amounts) */
    int partial_min_share; /* percent of the larger amount the smaller must be (default 10) */
    int party;             /* counterparty = equal (1) or alias (2): the rule's reference is the
                              payer, compared by rc_party_key (0: none) */
    int ref_fields_given;  /* reference_left or reference_right was set */
    int any_currency;
    rc_refmode ref;
    rc_textfield ref_left, ref_right; /* for an aggregated side: its group key */
    int use_date;
    rc_datefield date_left, date_right;
    int win_min, win_max; /* left date - right date, in (business) days */
    int business_days;
    unsigned skip_groups_with; /* kinds: on an aggregated side, a group some row of which
                                  (same source, key and currency, any status) has one of
                                  these kinds is left out: that row stands for it */
    int attach_group;          /* one_to_one with single payout rows on the right: the
                                  payout's items (same group key and currency, other kinds)
                                  join the match when their nets sum to the payout */
} rc_rule;

struct recon_rules {
    rc_rule *rule; /* sorted by priority, then file order */
    size_t n;
    char *text; /* the INI text parsed: recorded with each run */
};

const char *rc_textfield_name(rc_textfield f);
const char *rc_cardinality_name(rc_cardinality c);
const char *rc_refmode_name(rc_refmode m);
/* "fee", "fx", "writeoff"; NULL for RC_VAR_NONE. */
const char *rc_variance_name(rc_variance v);

/* Normalized reference text: upper-case ASCII letters and digits only,
 * the leading zeros of every run of digits dropped ("INV-000123 " and
 * "inv123" are both INV123). Writes at most size-1 bytes; returns the
 * length. */
size_t rc_ref_normalize(const char *s, size_t len, char *out, size_t size);
/* A payer's key, for counterparty = equal|alias and the aliases people
 * teach: ASCII letters only, upper-cased; digits, spaces, punctuation and
 * non-ASCII bytes vanish, so that the reference numbers a bank writes
 * around a payer's name do not make every line a new payer ("SEPA CT ACME
 * GMBH INV 2024-0042" is SEPACTACMEGMBHINV; "Acme GmbH" is ACMEGMBH).
 * Writes at most size-1 bytes; returns the length. */
size_t rc_party_key(const char *s, size_t len, char *out, size_t size);
/* For ids looked for inside bank text: upper-case ASCII letters and
 * digits, every run of other bytes one space (none at the ends), and no
 * zeros dropped (a cut can end inside a run of digits: "PO_ABC00" for
 * po_ABC007). "Stripe: po_1Ab-c" is "STRIPE PO 1AB C". */
size_t rc_ref_fold(const char *s, size_t len, char *out, size_t size);

#endif
