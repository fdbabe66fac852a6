/* suggest: how sure the engine is of a candidate pair that its rule did
 * not confirm outright (a tie, a near miss), as a confidence from 0 to
 * 100, and the evidence a person reviews a suggestion by. The formula is
 * docs/MATCHING.md's ("Confidence and suggestions"); the engine decides
 * what to confirm and what to suggest with it. Pure computation: no SQL,
 * no allocation. */
#ifndef RECON_MATCH_SUGGEST_H
#define RECON_MATCH_SUGGEST_H

#include <stddef.h>
#include <stdint.h>

#include "match/engine.h"

/* What a candidate costs in confidence, criterion by criterion. */
typedef struct {
    int reference; /* how the references relate: 0 equal ... 20 none */
    int amount;    /* the difference, within tolerance or beyond it */
    int date;      /* days outside the window */
    int rivals;    /* other candidates nearly as good */
    int nrivals;   /* how many */
    int days;      /* left date - right date as the rule counts, when has_days */
    int has_days;
    rc_fail_at failed;  /* the criterion it does not meet, or none (a tie) */
    int64_t difference; /* left - (+/-)right; 0 when it overflowed */
    int confidence;     /* 100 - the points above, at least 0 */
} rc_doubt;

/* The doubt of pair (l, ru) before rivals: v is its verdict under r. A
 * verdict failing currency or reference is never a candidate (confidence
 * 0). */
void rc_doubt_of(const rc_rule *r, const rc_unit *l, const rc_unit *ru, const rc_verdict *v,
                 rc_doubt *d);

/* Adds n close rivals to a doubt and recomputes its confidence. */
void rc_doubt_rivals(rc_doubt *d, int n);

/* Points off a candidate of this doubt may have and still count as a
 * close rival of one with less: candidates within RC_RIVAL_MARGIN of the
 * best are rivals. */
#define RC_RIVAL_MARGIN 5

/* A suggestion's evidence as compact JSON into buf: the verdict's facts,
 * the exception it came from (reason), the points each criterion cost,
 * and the confidence. Integers and fixed words only. */
void rc_doubt_evidence(const rc_doubt *d, const rc_verdict *v, const char *reason, const rc_unit *l,
                       const rc_unit *ru, char *buf, size_t size);

#endif
