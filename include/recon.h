/*
 * recon.h — librecon, an embedded payment reconciliation engine.
 *
 * The one public header. Everything the `recon` command line tool does is a
 * few calls of the functions below, so a program can do it too.
 *
 *     recon_db *db;
 *     recon_profile *psp;
 *     recon_import_result res;
 *
 *     if (recon_open("books.db", NULL, &db) != RECON_OK) { ...; }
 *     recon_profile_builtin("generic_psp", NULL, &psp);
 *     if (recon_import_file(db, "stripe-2024-05.csv", psp, NULL, &res) < 0)
 *         fprintf(stderr, "%s\n", recon_errmsg(db));
 *     else
 *         printf("import %lld: %llu inserted, %llu rejected\n",
 *                (long long)res.import_id,
 *                (unsigned long long)res.rows_inserted,
 *                (unsigned long long)res.rows_rejected);
 *     recon_profile_free(psp);
 *     recon_close(db);
 *
 * Conventions (see docs/ARCHITECTURE.md):
 * - Functions that can fail return an int status: RECON_OK (0) or a negative
 *   RECON_E* code. The message for the last failure on a handle is
 *   recon_errmsg(db); functions without a handle take an optional
 *   recon_error * to fill.
 * - Options structs carry a `version` field and have an _INIT macro; passing
 *   NULL means defaults.
 * - Out-parameters come last and are named `out`. The caller owns what it
 *   passes in; what the library returns is either owned by the handle (and
 *   valid until the next call on it, as documented) or freed with the named
 *   recon_*_free function.
 * - Money is int64_t minor units with the currency's ISO 4217 exponent.
 *   Never a float.
 * - A recon_db handle may be used by one thread at a time; separate handles
 *   (to the same or different databases) may be used from separate threads.
 *   The library keeps no global mutable state.
 */
#ifndef RECON_H
#define RECON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RECON_VERSION "0.1.0"
#define RECON_VERSION_NUMBER 100 /* major*10000 + minor*100 + patch */

/* Version of the library actually linked (may differ from RECON_VERSION). */
const char *recon_version(void);

/* ---------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------- */

enum {
    RECON_OK = 0,
    RECON_ERROR = -1,     /* internal error; see recon_errmsg */
    RECON_ENOMEM = -2,    /* out of memory */
    RECON_EIO = -3,       /* a file could not be opened or read */
    RECON_EDB = -4,       /* SQLite reported an error (full disk, corrupt file, ...) */
    RECON_EBUSY = -5,     /* the database stayed locked past the busy timeout */
    RECON_EMISUSE = -6,   /* invalid argument (NULL handle, bad option, ...) */
    RECON_ENOTFOUND = -7, /* no such profile, source, import, ... */
    RECON_EPROFILE = -8,  /* a profile is invalid; the message names the key */
    RECON_EHEADER = -9,   /* a file's header does not fit the profile */
    RECON_EFORMAT = -10,  /* not a usable CSV text file: empty, binary, bad header row */
    RECON_ESCHEMA = -11,  /* the database was written by a newer librecon */
    RECON_ECONFLICT = -12 /* e.g. a source exists with another type */
};

/* A short English description of a status code ("file could not be read").
 * Static storage: never free it. */
const char *recon_strerror(int status);

/* Error detail for functions that work without a database handle. */
typedef struct {
    int code;          /* the status also returned */
    char message[512]; /* NUL-terminated */
} recon_error;

/* ---------------------------------------------------------------------------
 * Database
 * ------------------------------------------------------------------------- */

typedef struct recon_db recon_db;

typedef struct {
    unsigned version;    /* RECON_OPEN_OPTS_VERSION */
    int busy_timeout_ms; /* how long to wait for another writer; default 5000 */
    int read_only;       /* 1: open an existing database for reading only */
    int cache_kib;       /* SQLite page cache of this handle in KiB; 0 means
                            the default, 32768 (32 MiB).
                            Imports are fastest when the hot part of the id index
                            fits; memory stays bounded by it whatever the file. */
} recon_open_opts;

#define RECON_OPEN_OPTS_VERSION 1
#define RECON_OPEN_OPTS_INIT {RECON_OPEN_OPTS_VERSION, 5000, 0, 0}

/* The schema version this library writes (PRAGMA user_version). */
#define RECON_SCHEMA_VERSION 1

/* Opens (creating if needed) the database at `path` and brings its schema
 * up to RECON_SCHEMA_VERSION, in one transaction. Turns on WAL, foreign
 * keys and the busy timeout. A database written by a newer librecon is
 * refused with RECON_ESCHEMA rather than misread.
 *
 * On success *out is a new handle, to be closed with recon_close. On
 * failure *out is still set when a handle could be allocated, so that
 * recon_errmsg(*out) can say why; close it too (recon_close(NULL) is a
 * no-op). */
int recon_open(const char *path, const recon_open_opts *opts, recon_db **out);

/* Closes the handle and frees everything it owns. NULL is a no-op. */
int recon_close(recon_db *db);

/* The message for the most recent failure on this handle, e.g.
 * "psp.csv: header does not fit profile generic_psp: missing column(s):
 * amount (one of: amount, gross)". Owned by the handle; valid until the
 * next call on it. Never NULL. */
const char *recon_errmsg(const recon_db *db);

/* ---------------------------------------------------------------------------
 * Money and dates (usable without a database)
 * ------------------------------------------------------------------------- */

/* The ISO 4217 exponent of a currency code ("USD" -> 2, "JPY" -> 0,
 * "KWD" -> 3), or -1 when the code is unknown. */
int recon_currency_exponent(const char *code);

/* Writes `minor` units of `currency` as a plain major-unit decimal
 * ("-1234.56"). Returns 0, or -1 for an unknown currency or a buffer that
 * is too small (32 bytes always suffice). */
int recon_money_format(int64_t minor, const char *currency, char *buf, size_t size);

/* Normalizes a date or timestamp written in `format` (a name such as
 * "iso8601", "mdy", "dmy", "dmy_dot", "epoch", or a pattern like
 * "%d-%b-%Y %H:%M"; NULL means "iso8601") in time zone `zone` ("UTC",
 * "+01:00"; NULL means UTC) to "YYYY-MM-DDTHH:MM:SSZ" (UTC), or to
 * "YYYY-MM-DD" for a date without a time. `size` must be at least 21.
 * Returns 0 or -1. */
int recon_time_normalize(const char *text, const char *format, const char *zone, char *buf,
                         size_t size);

/* ---------------------------------------------------------------------------
 * Profiles: how one CSV layout maps to the canonical record
 * ------------------------------------------------------------------------- */

typedef struct recon_profile recon_profile;

/* What a source holds; a source takes its type from its profile. */
typedef enum { RECON_SOURCE_PSP = 1, RECON_SOURCE_BANK = 2, RECON_SOURCE_LEDGER = 3 } recon_source_type;

/* Loads a built-in profile by name ("generic_psp", "generic_bank"). Returns
 * RECON_ENOTFOUND for an unknown name. Free the result with
 * recon_profile_free. `err` may be NULL. */
int recon_profile_builtin(const char *name, recon_error *err, recon_profile **out);

/* Loads a profile from an INI file (format: docs/PROFILES.md). Invalid
 * profiles are refused with RECON_EPROFILE and a message naming the file,
 * the line or section and the key. */
int recon_profile_load(const char *path, recon_error *err, recon_profile **out);

/* Parses a profile from INI text; `origin` names it in messages. */
int recon_profile_parse(const char *text, const char *origin, recon_error *err,
                        recon_profile **out);

void recon_profile_free(recon_profile *profile);

/* Accessors. Strings are owned by the profile. */
const char *recon_profile_name(const recon_profile *profile);
const char *recon_profile_description(const recon_profile *profile);
recon_source_type recon_profile_source_type(const recon_profile *profile);

/* The built-in profiles, by index 0..count-1, sorted by name. */
size_t recon_profile_builtin_count(void);
const char *recon_profile_builtin_name(size_t index);

/* "psp", "bank", "ledger" (or "?" for an invalid value). */
const char *recon_source_type_name(recon_source_type type);

/* ---------------------------------------------------------------------------
 * Import
 * ------------------------------------------------------------------------- */

typedef struct {
    uint64_t bytes_done;  /* bytes of the file read so far */
    uint64_t bytes_total; /* file size */
    uint64_t rows;        /* data rows read so far */
} recon_progress;

typedef struct {
    unsigned version;      /* RECON_IMPORT_OPTS_VERSION */
    const char *source;    /* source name; NULL means the profile's name */
    const char *file_name; /* name recorded for the file; NULL means the path */
    /* Called now and then during a long import (about every 64k rows). */
    void (*progress)(const recon_progress *progress, void *payload);
    void *payload;
} recon_import_opts;

#define RECON_IMPORT_OPTS_VERSION 1
#define RECON_IMPORT_OPTS_INIT {RECON_IMPORT_OPTS_VERSION, NULL, NULL, NULL, NULL}

typedef struct {
    int64_t import_id;      /* the new import, or the earlier one if already_imported */
    int already_imported;   /* 1: this exact file (sha256) was imported into this
                               source before; nothing was done */
    uint64_t rows_read;     /* data rows in the file (header, preamble and blank
                               lines excluded) = inserted + duplicate + rejected */
    uint64_t rows_inserted; /* new transactions */
    uint64_t rows_duplicate;/* already stored (overlapping files), skipped */
    uint64_t rows_rejected; /* kept in the failures table with the reason */
    char sha256[65];        /* hex digest of the file's bytes */
} recon_import_result;

/* Imports one CSV file into the database as `opts->source`, mapping it with
 * `profile`. Streaming: memory does not grow with the file's size. The whole
 * file is one SQLite transaction: either every good row, every rejected row
 * (in failures) and the import record are stored, or nothing is.
 *
 * Idempotent: a file already imported into the source is a no-op
 * (out->already_imported = 1); rows already stored from an overlapping file
 * are skipped and counted as duplicates; rows without an id get a
 * deterministic one from their content and occurrence in the file.
 *
 * Bad rows never stop the import: each is stored in failures with its line,
 * column, reason and raw text, and counted in rows_rejected. The file as a
 * whole is refused, with nothing written, when it cannot be read
 * (RECON_EIO), is empty or binary (RECON_EFORMAT), or its header does not
 * fit the profile (RECON_EHEADER, naming the missing columns).
 *
 *     recon_import_opts opts = RECON_IMPORT_OPTS_INIT;
 *     opts.source = "stripe_eu";
 *     rc = recon_import_file(db, path, profile, &opts, &res);
 *
 * Returns RECON_OK (also when rows were rejected: see out->rows_rejected). */
int recon_import_file(recon_db *db, const char *path, const recon_profile *profile,
                      const recon_import_opts *opts, recon_import_result *out);

/* ---------------------------------------------------------------------------
 * Failures: rejected rows and, later, provider errors
 * ------------------------------------------------------------------------- */

typedef struct {
    int64_t id;
    int64_t import_id;      /* 0 when not from an import */
    const char *source;     /* source name, or NULL */
    const char *file_name;  /* the import's file, or NULL */
    int64_t line;           /* physical line in the file, 0 when not applicable */
    const char *field;      /* canonical field ("amount"), or NULL for the row */
    const char *column;     /* the file's column name, or NULL */
    const char *reason;     /* stable code: "amount_invalid", "ragged_row", ... */
    const char *message;    /* human-readable explanation */
    const char *raw;        /* the raw row (invalid bytes shown as \xNN) */
    const char *created_at; /* UTC, ISO 8601 */
} recon_failure;

typedef struct {
    unsigned version;  /* RECON_FAILURE_FILTER_VERSION */
    int64_t import_id; /* 0: any import */
} recon_failure_filter;

#define RECON_FAILURE_FILTER_VERSION 1
#define RECON_FAILURE_FILTER_INIT {RECON_FAILURE_FILTER_VERSION, 0}

/* Calls cb for every failure matching `filter` (NULL: all), oldest first.
 * The recon_failure and its strings are valid only during the call. A
 * non-zero return from cb stops the walk and is returned. */
int recon_failures_each(recon_db *db, const recon_failure_filter *filter,
                        int (*cb)(const recon_failure *failure, void *payload), void *payload);

/* ---------------------------------------------------------------------------
 * Summary
 * ------------------------------------------------------------------------- */

typedef struct {
    const char *source;      /* source name */
    const char *source_type; /* "psp", "bank", "ledger" */
    const char *currency;    /* ISO 4217 code */
    int64_t transactions;    /* rows stored */
    int64_t amount_minor;    /* sum of amounts (gross) in minor units */
    int64_t net_minor;       /* sum of net amounts */
    int64_t imports;         /* imports into the source */
    int64_t failures;        /* rejected rows of the source */
} recon_summary_row;

/* Calls cb once per (source, currency), ordered by source then currency;
 * sources without transactions yield one row with currency "" and zero
 * amounts. Strings are valid only during the call. */
int recon_summary_each(recon_db *db, int (*cb)(const recon_summary_row *row, void *payload),
                       void *payload);

#ifdef __cplusplus
}
#endif

#endif /* RECON_H */
