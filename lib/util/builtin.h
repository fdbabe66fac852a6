/* Data compiled into the library by scripts/embed.sh: the ISO 4217 currency
 * table, the built-in profiles and rules, and the schema migrations. Compiling it in means an
 * installed librecon needs no data directory at run time. */
#ifndef RECON_BUILTIN_H
#define RECON_BUILTIN_H

#include <stddef.h>

typedef struct {
    char code[4]; /* ISO 4217 alphabetic code, e.g. "USD" */
    int numeric;  /* ISO 4217 numeric code, e.g. 840 */
    int exponent; /* minor unit digits: JPY 0, USD 2, KWD 3 */
} rc_currency;

/* Sorted by code, for bsearch. */
extern const rc_currency rc_currencies[];
extern const size_t rc_ncurrencies;

typedef struct {
    const char *name; /* file name without .ini */
    const char *text; /* the INI text */
} rc_builtin_profile;

/* Sorted by name. */
extern const rc_builtin_profile rc_builtin_profiles[];
extern const size_t rc_nbuiltin_profiles;

/* The bundled default match rules (data/rules/default.ini). */
extern const char rc_default_rules[];

/* The bundled chart-of-accounts mapping (data/accounts.ini). */
extern const char rc_default_accounts[];

/* The schema migrations, lib/store/sql/NNNN_*.sql in order: element k
 * takes a database from schema version k to k + 1. Append-only. */
extern const char *const rc_migrations[];
extern const size_t rc_nmigrations;

#endif
