/* expr: column expressions of profiles. A [columns] value is usually a list
 * of header names (aliases); when the canonical field has to be built from
 * several columns it is one of these calls instead:
 *
 *   concat(A, "|", B)     the texts joined (empty when every column is empty)
 *   coalesce(A, B)        the first non-empty
 *   if(A, B)              B when A is not empty, else empty
 *   neg(A)                A with its sign flipped, whichever sign marker the money
 *                         parser accepts it has: "12.00" -> "-12.00",
 *                         "(12.00)" and "12.00-" -> "12.00", "+5" -> "-5"
 *   sum(A, B, ...)        amounts only: the sum, empty cells counting as 0
 *
 * Arguments are column names (any text without a top-level comma; balanced
 * parentheses are part of the name, so "Commission (NC)" works), #N
 * positions, "quoted literals" or nested calls. Every column reference is a
 * slot of the profile; binding a header resolves slots to column indices,
 * and evaluation reads a row through them. Knows nothing of SQLite. */
#ifndef RECON_EXPR_H
#define RECON_EXPR_H

#include <stddef.h>

#include "util/strbuf.h"

#define RC_MAX_SLOTS 64

typedef enum {
    RC_X_COL,
    RC_X_LIT,
    RC_X_CONCAT,
    RC_X_COALESCE,
    RC_X_IF,
    RC_X_NEG,
    RC_X_SUM,
    RC_X_DATE
} rc_xop;

typedef struct rc_expr rc_expr;
struct rc_expr {
    rc_xop op;
    char *text; /* RC_X_LIT: the literal */
    int slot;   /* RC_X_COL: the profile's slot */
    rc_expr **args;
    size_t nargs;
};

/* A column the profile refers to: by header name or by position. */
typedef struct {
    char *name;      /* NULL when by position */
    size_t position; /* 1-based, 0 when by name */
    int optional;    /* the file may lack it */
} rc_slot;

typedef struct {
    rc_slot slot[RC_MAX_SLOTS];
    size_t n;
} rc_slots;

/* 1 when text starts with a call (concat( coalesce( if( neg( sum( ). */
int rc_expr_is_call(const char *text);

/* Parses a call. Registers its column references in slots (optional as
 * given). On error writes why into err and returns -1. */
int rc_expr_parse(const char *text, rc_slots *slots, int optional, rc_expr **out, char *err,
                  size_t errsize);

/* Registers one column reference ("Name" or "#N") and returns its slot, or
 * -1 when the table is full or #N is malformed. */
int rc_slot_add(rc_slots *slots, const char *ref, size_t len, int optional);

/* The same for a reference the profile may mark "Name?": a column the file
 * may lack (then every row reads it as empty). The '?' is dropped and the
 * slot is optional. */
int rc_slot_add_maybe(rc_slots *slots, const char *ref, size_t len, int optional);

void rc_expr_free(rc_expr *x);
void rc_slots_free(rc_slots *slots);

/* The row as evaluation sees it. */
typedef struct {
    const char *const *fields;
    const size_t *lens;
    size_t nfields;
    const long *slot_index; /* column of each slot, -1 when the file lacks it */
} rc_cells;

/* A slot's cell, trimmed of spaces and tabs; len 0 when absent or blank. */
const char *rc_cells_get(const rc_cells *c, int slot, size_t *len);

/* Results of rc_expr_eval besides 0 (empty) and 1 (not empty). */
#define RC_EXPR_ENOMEM (-1)
#define RC_EXPR_NOT_TEXT (-2) /* an RC_X_SUM: the caller adds its parts */

/* Appends x's value to out. Returns 1 if the value is not empty, 0 if it
 * is, RC_EXPR_ENOMEM when out of memory. An RC_X_SUM is not text: it
 * returns RC_EXPR_NOT_TEXT and the caller evaluates its arguments one by
 * one and adds the amounts (so does ingest). */
int rc_expr_eval(const rc_expr *x, const rc_cells *c, rc_strbuf *out);

#endif
