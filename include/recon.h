/*
 * recon.h — librecon, an embedded payment reconciliation engine.
 *
 * The one public header. Everything the `recon` command line tool does is a
 * few calls of the functions below, so a program can do it too.
 *
 *     recon_db *db;
 *     recon_profile *psp;
 *     recon_import_result res = RECON_IMPORT_RESULT_INIT;
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
 *   NULL means defaults. How they grow without breaking callers:
 *   - a struct only grows at its end, and each growth raises its
 *     RECON_*_VERSION by one;
 *   - the library accepts every version from 1 to its own: the fields an
 *     older caller's struct lacks are read as zero (their defaults), the
 *     struct is never read past the caller's version's size;
 *   - a version above the library's own (a program built against a newer
 *     header, run with an older library) is RECON_EMISUSE, naming both:
 *     the library cannot know what the extra fields ask for;
 *   - the _INIT macros set fields by name, never by position, and every
 *     field they do not name is zero: initialise with them (or set
 *     `version` and zero the rest), never with a positional list.
 *   tests/test_api_growth.c compiles callers against older and newer
 *   layouts; abi/suppressions tells the ABI check that a field added at the
 *   end of a public struct is compatible.
 *   C++ before C++20 has no designated initialisers: value-initialise and
 *   set the version (`recon_import_opts o{}; o.version =
 *   RECON_IMPORT_OPTS_VERSION;`, plus any default the _INIT macro names).
 * - Every public struct carries a `version` and grows the same way:
 *   - structs the caller fills in (options, filters, inputs): as above;
 *   - structs the caller allocates for the library to fill (results such as
 *     recon_import_result, recon_status): the caller sets `version` first
 *     (the _INIT macro); the library fills the fields of the versions up to
 *     the lower of the caller's and its own, never writes past that
 *     version's size, and leaves `version` set to what it filled. Version 0
 *     (not initialised) is RECON_EMISUSE; recon_error alone, the channel
 *     that reports it, reads version 0 as 1;
 *   - structs the library hands to a callback (rows, progress): the library
 *     sets `version` to its own; a field added in version N may be read
 *     only when row->version >= N. Lists of them (a match's items) come as
 *     arrays of pointers, never arrays of structs, so each can grow.
 * - Callbacks: a callback returning 0 lets the call go on. Any other value
 *   stops it: a positive value is a deliberate stop and the call returns
 *   RECON_ECANCELLED, a negative one is the callback's own failure and the
 *   call returns RECON_EUSER; neither collides with the library's codes, and
 *   recon_errmsg says which value the callback returned (keep richer detail
 *   in your payload). A call that writes rolls back what it wrote.
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

#define RECON_VERSION "0.2.0"
#define RECON_VERSION_NUMBER 200 /* major*10000 + minor*100 + patch */

/* Version of the library actually linked (may differ from RECON_VERSION). */
const char *recon_version(void);

/* ---------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------- */

enum {
    RECON_OK = 0,
    RECON_ERROR = -1,      /* internal error; see recon_errmsg */
    RECON_ENOMEM = -2,     /* out of memory */
    RECON_EIO = -3,        /* a file could not be opened or read */
    RECON_EDB = -4,        /* SQLite reported an error (full disk, corrupt file, ...) */
    RECON_EBUSY = -5,      /* the database stayed locked past the busy timeout */
    RECON_EMISUSE = -6,    /* invalid argument (NULL handle, bad option, ...) */
    RECON_ENOTFOUND = -7,  /* no such profile, source, import, ... */
    RECON_EPROFILE = -8,   /* a profile is invalid; the message names the key */
    RECON_EHEADER = -9,    /* a file's header does not fit the profile */
    RECON_EFORMAT = -10,   /* not a usable CSV text file: empty, binary, bad header row */
    RECON_ESCHEMA = -11,   /* database schema newer than this library, or a migration a
                              read-only handle cannot run */
    RECON_ECONFLICT = -12, /* e.g. a source exists with another type */
    RECON_EUSER = -13,     /* a callback of the caller's reported a failure of its own
                              (returned < 0); nothing the call wrote was kept */
    RECON_ECANCELLED = -14 /* a callback of the caller's asked to stop (returned > 0);
                              the call rolled back what it had written */
};

/* A short English description of a status code ("file could not be read").
 * Static storage: never free it. */
const char *recon_strerror(int status);

/* Error detail for functions that work without a database handle. */
typedef struct {
    unsigned version;  /* RECON_ERROR_VERSION; 0 is read as 1 */
    int code;          /* the status also returned */
    char message[512]; /* NUL-terminated */
} recon_error;

#define RECON_ERROR_VERSION 1
#define RECON_ERROR_INIT                                                                           \
    { .version = RECON_ERROR_VERSION }

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
/* clang-format off */
#define RECON_OPEN_OPTS_INIT {.version = RECON_OPEN_OPTS_VERSION, .busy_timeout_ms = 5000}
/* clang-format on */

/* The schema version this library writes (PRAGMA user_version). A
 * database of any lower version is upgraded in place when opened; one of a
 * higher version (written by a later release) is refused with
 * RECON_ESCHEMA and left untouched (docs/UPGRADING.md). */
#define RECON_SCHEMA_VERSION 14

/* The schema version of the library actually linked, which may differ
 * from the RECON_SCHEMA_VERSION a program was compiled with. A program can
 * compare it with a database's `PRAGMA user_version` before opening it. */
int recon_schema_version(void);

/* Opens (creating if needed) the database at `path` and brings its schema
 * up to RECON_SCHEMA_VERSION, in one transaction: migrations, views
 * re-created when this library's differ, mirrored tables refreshed. Turns
 * on WAL, foreign keys and the busy timeout. A database written by a newer
 * librecon is refused with RECON_ESCHEMA, naming both versions, before
 * anything is written to it. A read_only handle writes nothing: it
 * refuses a database that needs a migration, and uses this library's
 * views as TEMP views over a database whose views are outdated.
 *
 * On success *out is a new handle, to be closed with recon_close. On
 * failure *out is still set when a handle could be allocated, so that
 * recon_errmsg(*out) can say why; close it too (recon_close(NULL) is a
 * no-op).
 *
 * `path` may be ":memory:" (a private database that lives as long as the
 * handle: tests, short-lived jobs; no WAL, as there is no file) or an
 * SQLite URI ("file:books.db?mode=ro", "file:mem1?mode=memory&cache=shared").
 * Any other text is a file name, as given. */
int recon_open(const char *path, const recon_open_opts *opts, recon_db **out);

struct sqlite3; /* <sqlite3.h>'s connection; this header does not need it */

/* A handle over the caller's own SQLite connection, which the library
 * never closes (recon_close frees only the handle; close the connection
 * after it). Everything else is as recon_open: the schema is brought up
 * to date and every function works the same.
 *
 * The connection stays the caller's: its journal mode, page cache and
 * synchronous setting are left as they are (choose WAL to let readers in
 * during an import), and its busy timeout is set only when opts is given.
 * The library turns foreign keys on (its tables rely on them).
 *
 * Transactions: when the caller has a transaction open on the connection,
 * every call that writes (imports, match runs, manual matches, undo,
 * ignore, failures, settings) runs in a savepoint of it. Its writes are
 * kept only if the caller commits, a failed call undoes only its own
 * writes and leaves the caller's transaction open, and the caller should
 * have started it with BEGIN IMMEDIATE (a deferred transaction that has
 * read may be refused the write lock). Reports and the HTML page read in
 * the caller's snapshot. Without an open transaction each call commits
 * its own, as with recon_open. One thread at a time, as for any handle. */
int recon_open_sqlite(struct sqlite3 *sql, const recon_open_opts *opts, recon_db **out);

/* How far a long call is, handed to progress callbacks: import and match
 * fill bytes_done, bytes_total and rows (their options' on_progress), the
 * reading calls `work` (recon_progress_handler). */
typedef struct {
    unsigned version;     /* set by the library: RECON_PROGRESS_VERSION */
    uint64_t bytes_done;  /* bytes of the file read so far */
    uint64_t bytes_total; /* file size */
    uint64_t rows;        /* data rows read so far */
    /* Version 2. Work done by the reading calls whose size is not known
     * ahead (a report, the HTML page, an export): SQLite steps, in no
     * particular unit, only growing over the handle's life; 0 for import
     * and match, which fill the fields above. */
    uint64_t work;
} recon_progress;

#define RECON_PROGRESS_VERSION 2

/* A progress callback; a non-zero return stops the call (see "Callbacks"). */
typedef int (*recon_progress_fn)(const recon_progress *progress, void *payload);

/* Progress of the reading calls on this handle (recon_report_each,
 * recon_report_html, recon_status_get, recon_summary_each, the exports,
 * listings, failures and flows, recon_explain): fn is called every few
 * milliseconds of work while one runs, with `work` growing, and may stop
 * it by returning non-zero (RECON_ECANCELLED or RECON_EUSER; a reading
 * call has nothing to undo). Calls that write (import, match, manual work)
 * are never interrupted through it: they report through their options'
 * on_progress, at points where stopping is safe. fn NULL removes it. On a
 * connection handed over with recon_open_sqlite it takes the place of the
 * connection's own SQLite progress handler while set. */
int recon_progress_handler(recon_db *db, recon_progress_fn fn, void *payload);

/* Closes the handle and frees everything it owns. NULL is a no-op. */
int recon_close(recon_db *db);

/* The message of the most recent call on this handle, e.g.
 * "psp.csv: header does not fit profile generic_psp: missing column(s):
 * amount (one of: amount, gross)", or "no error" when that call
 * succeeded: every function taking the handle clears it first, so a
 * message never outlives the failure it describes. Owned by the handle;
 * valid until the next call on it. Never NULL. */
const char *recon_errmsg(const recon_db *db);

/* ---------------------------------------------------------------------------
 * Money and dates (usable without a database)
 * ------------------------------------------------------------------------- */

/* The ISO 4217 exponent of a currency code ("USD" -> 2, "JPY" -> 0,
 * "KWD" -> 3; any case: "usd" is USD, as in imported rows), or -1 when
 * the code is unknown. */
int recon_currency_exponent(const char *code);

/* Writes `minor` units of `currency` (any case) as a plain major-unit
 * decimal ("-1234.56"). Returns 0, or -1 for an unknown currency or a buffer that
 * is too small (32 bytes always suffice). */
int recon_money_format(int64_t minor, const char *currency, char *buf, size_t size);

/* Reads a plain major-unit decimal ("60", "-1234.56", "0.5") of `currency`
 * (any case) into minor units, exactly: digits beyond the currency's
 * exponent must be zeros ("60.001" EUR is refused, never rounded), and
 * nothing else is accepted (no thousands separators, symbols or spaces).
 *
 *     int64_t m;
 *     recon_money_parse("60.5", "EUR", &m);   // m == 6050
 *
 * Returns 0, or -1 for an unknown currency or text that is no such amount
 * (*out untouched). */
int recon_money_parse(const char *text, const char *currency, int64_t *out);

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
typedef enum {
    RECON_SOURCE_PSP = 1,
    RECON_SOURCE_BANK = 2,
    RECON_SOURCE_LEDGER = 3
} recon_source_type;

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

/* Finds the built-in profile a file is written in, from its first line,
 * its header row or (for files without one) its first row: see
 * docs/PROFILES.md, "Detection". On success *out is the profile (free it
 * with recon_profile_free). When no profile fits: RECON_ENOTFOUND, and the
 * message names the closest ones and what they miss; when several fit
 * equally: RECON_ECONFLICT, naming them. RECON_EIO or RECON_EFORMAT for a
 * file that cannot be read, is empty or binary. Reads at most 64 KiB.
 *
 *     if (recon_profile_detect("report.csv", &err, &profile) != RECON_OK)
 *         fprintf(stderr, "%s\n", err.message);
 */
int recon_profile_detect(const char *path, recon_error *err, recon_profile **out);
/* The same over a file's first bytes (a stream's start, before importing
 * it with recon_import_read): data[0..len), of which the first 64 KiB are
 * read, as from a file. name is used in messages (NULL: "(buffer)"). */
int recon_profile_detect_buffer(const void *data, size_t len, const char *name, recon_error *err,
                                recon_profile **out);

/* The INI text of a built-in profile (static storage), or NULL. */
const char *recon_profile_builtin_text(const char *name);

/* "psp", "bank", "ledger" (or "?" for an invalid value). */
const char *recon_source_type_name(recon_source_type type);

/* ---------------------------------------------------------------------------
 * Import
 * ------------------------------------------------------------------------- */

typedef struct {
    unsigned version;      /* RECON_IMPORT_OPTS_VERSION */
    const char *source;    /* source name; NULL means the profile's name */
    const char *file_name; /* name recorded for the file; NULL means the path */
    /* Called now and then during a long import (about every 64k rows). */
    void (*progress)(const recon_progress *progress, void *payload);
    void *payload; /* for progress and on_progress */
    /* Version 2. Called like progress (and once when the file is read);
     * a non-zero return stops the import: nothing of it is kept, and the
     * call returns RECON_ECANCELLED (> 0) or RECON_EUSER (< 0). */
    int (*on_progress)(const recon_progress *progress, void *payload);
} recon_import_opts;

#define RECON_IMPORT_OPTS_VERSION 2
#define RECON_IMPORT_OPTS_INIT                                                                     \
    { .version = RECON_IMPORT_OPTS_VERSION }

typedef struct {
    unsigned version;         /* RECON_IMPORT_RESULT_VERSION, set by the caller */
    int64_t import_id;        /* the new import, or the earlier one if already_imported */
    int already_imported;     /* 1: this exact file (sha256) was imported into this
                                 source before; nothing was done */
    uint64_t rows_read;       /* data rows in the file (header, preamble, blank lines and
                                 totals rows excluded) = inserted + duplicate + rejected
                                 + skipped + payments_failed */
    uint64_t rows_inserted;   /* new transactions */
    uint64_t rows_duplicate;  /* already stored (overlapping files), skipped */
    uint64_t rows_rejected;   /* kept in the failures table with the reason */
    uint64_t payments_failed; /* rows the report marks failed (the profile's
                                 failed_status): no money moved, so each is recorded as a
                                 failure with its reason (origin "report"), not stored as
                                 a transaction; one recorded before is a duplicate */
    uint64_t rows_skipped;    /* data rows the profile's [rows] filters leave out (memo
                                 lines, declined attempts): read, deliberately not stored */
    uint64_t checks_passed;   /* the file's own totals rows (or BAI2 trailers) that agree
                                 with the rows imported from it */
    uint64_t checks_failed;   /* ... that disagree: each is a failure (totals_mismatch) */
    char sha256[65];          /* hex digest of the file's bytes */
} recon_import_result;

#define RECON_IMPORT_RESULT_VERSION 1
#define RECON_IMPORT_RESULT_INIT                                                                   \
    { .version = RECON_IMPORT_RESULT_VERSION }

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

/* Imports from a stream instead of a path: the bytes of an HTTP body, an
 * object-store download, a pipe. Everything is as recon_import_file (the
 * same profile handling, results, failure records, idempotency by the
 * SHA-256 of the bytes: the same bytes from a file and from a stream are
 * one import), except that the file name recorded and used in messages is
 * opts->file_name, else "(buffer)", "(fd N)" or "(stream)".
 *
 * The bytes are first copied to an unlinked temporary file (in TMPDIR,
 * else /tmp), since an import reads its file more than once before it
 * writes anything (the hash, the encoding, the day/month order): memory
 * stays bounded whatever the size, and nothing is left behind.
 *
 * recon_import_buffer reads data[0..len). recon_import_fd reads fd from
 * its current position to its end and leaves it open (the caller's).
 * recon_import_read calls read(payload, buf, size) until it returns 0 (the
 * end); a return above size is misuse, and one below 0 stops the import
 * with RECON_EUSER and nothing written.
 *
 *     rc = recon_import_fd(db, STDIN_FILENO, profile, &opts, &res);
 */
typedef long long (*recon_read_fn)(void *payload, char *buf, size_t size);
int recon_import_buffer(recon_db *db, const void *data, size_t len, const recon_profile *profile,
                        const recon_import_opts *opts, recon_import_result *out);
int recon_import_fd(recon_db *db, int fd, const recon_profile *profile,
                    const recon_import_opts *opts, recon_import_result *out);
int recon_import_read(recon_db *db, recon_read_fn read, void *payload, const recon_profile *profile,
                      const recon_import_opts *opts, recon_import_result *out);

/* The character encoding the last recon_import_file on db read its file
 * in, as iconv(3) names it: "UTF-8", "WINDOWS-1252", "UTF-16",
 * "ISO-8859-1" or "ISO-8859-15" (a static string); NULL before any import
 * or when the last one stopped before deciding. The profile's [profile]
 * encoding decides it, or the file's bytes (docs/PROFILES.md); each
 * import's is also in imports.encoding.
 *
 *     if (strcmp(recon_import_encoding(db), "UTF-8") != 0)
 *         printf("read as %s\n", recon_import_encoding(db));
 */
const char *recon_import_encoding(const recon_db *db);

/* ---------------------------------------------------------------------------
 * Provider errors: the unified error-code table (usable without a database)
 *
 * Every provider answer (HTTP status, provider code) maps to one unified
 * code of a closed set (docs/ERROR_CODES.md) with a category, whether to
 * retry, how, and what to do. The table is data/error_codes.csv, compiled
 * in. Classification never fails: an unknown provider, status or code falls
 * back to the provider's status row, then to the HTTP class, then to
 * UNKNOWN, and says which level answered.
 *
 *     recon_error_info e;
 *     recon_error_classify("modulate", 429, "RATE_LIMIT_EXCEEDED", &e);
 *     // e.unified_code "RATE_LIMITED", e.retryable 1, e.matched RECON_MATCH_EXACT
 *     int64_t wait = recon_retry_delay_ms(&e, 1, 42, NULL); // 42000: the server said so
 * ------------------------------------------------------------------------- */

typedef enum {
    RECON_RETRY_NONE = 0,         /* do not retry */
    RECON_RETRY_BACKOFF = 1,      /* exponential backoff (honouring a Retry-After if sent) */
    RECON_RETRY_AFTER = 2,        /* wait what the provider says (retry_after_seconds,
                                     Retry-After), else back off */
    RECON_RETRY_VERIFY_FIRST = 3, /* the outcome is unknown: check the resource's status
                                     before any retry, or money may move twice */
    RECON_RETRY_SCHEDULE = 4      /* a soft decline: retry later, on the decline code's
                                     schedule (minutes to days apart, a few attempts, within
                                     the card networks' limits); recon_retry_delay_ms gives it */
} recon_retry_policy;

typedef enum {
    RECON_MATCH_EXACT = 0,  /* the provider's code (or its documented family, 101x) */
    RECON_MATCH_STATUS = 1, /* the provider's row for this HTTP status */
    RECON_MATCH_CLASS = 2,  /* only the HTTP class (4xx, 5xx, ...) */
    RECON_MATCH_UNKNOWN = 3 /* nothing: unified code UNKNOWN */
} recon_error_match;

typedef struct {
    unsigned version;         /* RECON_ERROR_INFO_VERSION, set by the caller */
    char provider[32];        /* as asked, lower-cased (cut to 31 bytes at most, between
                                 UTF-8 characters) */
    int http_status;          /* as asked; 0 when there is none (a report row) */
    char provider_code[64];   /* as asked ("" when none; cut to 63 bytes at most, between
                                 UTF-8 characters) */
    const char *unified_code; /* "RATE_LIMITED", ...: never NULL */
    const char *category;     /* "throttle", "auth", ... */
    int retryable;            /* 1: retrying the same request may succeed */
    recon_retry_policy retry_policy;
    const char *action;      /* what the caller should do */
    const char *description; /* what the answer means, in our words */
    const char *spec;        /* the provider document the row comes from, or "" */
    const char *row_code;    /* the table's code that answered ("101x" for a family), or "" */
    recon_error_match matched;
    /* Version 2: the decline taxonomy (docs/ERROR_CODES.md). For a decline
     * code (category "decline") these say what the card networks allow; for
     * any other code the strings are "" and the numbers 0. */
    const char *decline_type;    /* "soft" (may succeed later or once authenticated),
                                    "hard" (never with the same card and data), or "" */
    const char *iso8583;         /* the ISO 8583 response code the provider's code stands for
                                    ("51"), when the table knows it, or "" */
    const char *visa_category;   /* Visa's decline category ("1" never retry ... "4"), or "" */
    int retry_first_minutes;     /* a soft decline: the first retry no sooner than this */
    int retry_max;               /* ... at most this many retries ... */
    int retry_days;              /* ... within this many days */
    const char *retry_advice;    /* when and how often to retry, per Visa and Mastercard */
    const char *customer_action; /* what to tell the customer */
} recon_error_info;

#define RECON_ERROR_INFO_VERSION 2
#define RECON_ERROR_INFO_INIT                                                                      \
    { .version = RECON_ERROR_INFO_VERSION }

/* Classifies a provider answer. provider is a key such as "tabapay",
 * "modulate", "ingenico_connect", "shop_gateway", "ledge" (any case; NULL
 * or unknown providers classify by HTTP class); provider_code may be NULL
 * or "" and compares case-insensitively. The strings *out points to are
 * static. Returns RECON_OK, or RECON_EMISUSE when out is NULL. */
int recon_error_classify(const char *provider, int http_status, const char *provider_code,
                         recon_error_info *out);

/* The same, with the provider's message text, for statuses whose documented
 * causes are told apart by it (TabaPay's 422: "Transaction Limit",
 * "Destination Disabled", ...). message may be NULL. */
int recon_error_classify_message(const char *provider, int http_status, const char *provider_code,
                                 const char *message, recon_error_info *out);

/* 1 when the table has rows for this provider key (any case), else 0.
 * Classification never fails, so a misspelt key ("tabapy") classifies by
 * its HTTP status alone, through the rows every provider shares; this
 * tells a caller why.
 * The CLI warns on it. */
int recon_error_provider_known(const char *provider);
/* The providers the table knows ("ingenico_connect", ..., "librecon" for
 * import rejects), for listing them: index 0, 1, ... until NULL. Static. */
const char *recon_error_provider(size_t index);

/* "none", "backoff", "retry_after", "verify_first"; "exact", "status",
 * "class", "unknown". Static strings. */
const char *recon_retry_policy_name(recon_retry_policy policy);
const char *recon_error_match_name(recon_error_match matched);

typedef struct {
    unsigned version; /* RECON_RETRY_OPTS_VERSION */
    int base_ms;      /* the first backoff delay; default 1000 */
    int max_ms;       /* cap on a backoff delay; default 60000 */
    int max_attempts; /* retries allowed; default 5 */
    int jitter;       /* 1: "equal jitter", half the delay plus a pseudo-random part of
                         the other half, a pure function of (seed, attempt) */
    uint64_t seed;
} recon_retry_opts;

#define RECON_RETRY_OPTS_VERSION 1
/* clang-format off */
#define RECON_RETRY_OPTS_INIT                                                                 \
    {.version = RECON_RETRY_OPTS_VERSION, .base_ms = 1000, .max_ms = 60000, .max_attempts = 5}
/* clang-format on */
#define RECON_NO_RETRY (-1)

/* The delay before retry number `attempt` (1 for the first retry) of a
 * request that failed as `info` says, or RECON_NO_RETRY: for an answer that
 * is not retryable, an attempt past max_attempts, or invalid arguments.
 * A soft decline (RECON_RETRY_SCHEDULE) follows its code's schedule instead
 * of the backoff: the first retry after retry_first_minutes, the others
 * spread evenly over retry_days, never more than retry_max (nor opts'
 * max_attempts); a retry_after_seconds longer than the schedule's wait (a
 * Mastercard advice code 24-30 says how long) wins. The delay is from the
 * previous attempt.
 * retry_after_seconds > 0 is what the server asked for (Modulate's
 * retry_after_seconds, HTTP Retry-After) and wins over the backoff; it is
 * honoured up to a day. Otherwise base_ms * 2^(attempt-1), capped at max_ms.
 * A RECON_RETRY_VERIFY_FIRST answer gets a delay too, but the caller must
 * check the resource's status before retrying. opts NULL means defaults. */
int64_t recon_retry_delay_ms(const recon_error_info *info, int attempt, int retry_after_seconds,
                             const recon_retry_opts *opts);

/* A provider's error response, parsed. */
typedef struct {
    unsigned version;        /* RECON_PROVIDER_FAILURE_VERSION, set by the caller */
    char message[512];       /* the provider's message (first error), or ""; texts too long
                                for their field are cut between UTF-8 characters */
    char field[256];         /* the field it names (Modulate field, Ingenico propertyName,
                                shop gateway resource.field), or "" */
    char request_id[128];    /* Modulate meta.request_id, Ingenico errorId, or "" */
    int retry_after_seconds; /* from the body (Modulate), or 0 */
    int body_retryable;      /* the body's own retryable flag: 1, 0, or -1 when absent */
    int nerrors;             /* entries in the body's error list */
    int parsed;              /* 1: the body was JSON and understood; 0: empty, malformed,
                                too large (over 1 MiB) or XML: classified by status (and
                                for XML by the documented XML causes) alone */
    /* The classification, with the body's code and message; last, so that
     * recon_error_info grows with this struct (both versions rise). */
    recon_error_info info;
} recon_provider_failure;

#define RECON_PROVIDER_FAILURE_VERSION 2
#define RECON_PROVIDER_FAILURE_INIT                                                                \
    { .version = RECON_PROVIDER_FAILURE_VERSION, .info = RECON_ERROR_INFO_INIT }

/* Parses a provider's raw error response body (JSON; TabaPay's blocked-IP
 * answer is XML) into a classified failure: Modulate's {data, meta,
 * errors[]}, Ingenico's {errorId, errors[]}, TabaPay's {SC, EM}, the shop
 * gateway's {code, message, errors[]}; other providers by the common keys
 * code/message/error, a card error's decline_code before its code (Stripe's
 * {"error": {"code": "card_declined", "decline_code": "insufficient_funds"}}
 * classifies as insufficient funds). Never fails on a bad body: it is classified by status
 * alone. body need not be NUL-terminated; body_len is its length. Returns
 * RECON_OK, or RECON_EMISUSE when out is NULL. */
int recon_failure_from_response(const char *provider, int http_status, const char *body,
                                size_t body_len, recon_provider_failure *out);

/* The table itself, for listing and for tools: rows in file order. */
typedef struct {
    unsigned version;          /* RECON_ERROR_ROW_VERSION, set by the caller */
    const char *provider;      /* "*" for the HTTP class fallbacks, "librecon" for import rejects */
    int http_status;           /* 0 when the row is a class or has no status */
    const char *http_class;    /* "4xx", ... or "" */
    const char *provider_code; /* "" when the status alone is the code; "101x" is a family */
    const char *cause;         /* "", "body:xml" or "message:TEXT" */
    const char *unified_code;
    const char *category;
    int retryable;
    recon_retry_policy retry_policy;
    const char *action;
    const char *description;
    const char *spec;    /* the row's source: a provider document or a URL */
    const char *iso8583; /* version 2: the ISO 8583 code the row stands for, or "" */
} recon_error_row;

#define RECON_ERROR_ROW_VERSION 2
#define RECON_ERROR_ROW_INIT                                                                       \
    { .version = RECON_ERROR_ROW_VERSION }

size_t recon_error_table_count(void);
/* Fills *out with row `index`; RECON_ENOTFOUND past the end. Static strings. */
int recon_error_table_row(size_t index, recon_error_row *out);

/* The closed set of unified codes, in docs/ERROR_CODES.md order. */
typedef struct {
    unsigned version; /* RECON_UNIFIED_CODE_VERSION, set by the caller */
    const char *code;
    const char *category;
    int retryable;
    recon_retry_policy retry_policy;
    const char *meaning;
} recon_unified_code;

#define RECON_UNIFIED_CODE_VERSION 1
#define RECON_UNIFIED_CODE_INIT                                                                    \
    { .version = RECON_UNIFIED_CODE_VERSION }

size_t recon_unified_code_count(void);
int recon_unified_code_get(size_t index, recon_unified_code *out);

/* The decline taxonomy: one row per decline code (category "decline"), in
 * docs/ERROR_CODES.md order, with what the networks allow. Static strings.
 *
 *     for (size_t i = 0; i < recon_decline_code_count(); i++) {
 *         recon_decline_code d = RECON_DECLINE_CODE_INIT;
 *         recon_decline_code_get(i, &d);
 *         printf("%s %s ISO %s\n", d.code, d.decline_type, d.iso8583);
 *     }
 */
typedef struct {
    unsigned version;          /* RECON_DECLINE_CODE_VERSION, set by the caller */
    const char *code;          /* "DECLINE_INSUFFICIENT_FUNDS", ... */
    const char *decline_type;  /* "soft" or "hard" */
    const char *visa_category; /* "1" ... "4", or "" where Visa has none */
    const char *iso8583;       /* the ISO 8583 response codes it covers, space-separated */
    int retry_first_minutes;   /* soft: the first retry no sooner than this; hard: 0 */
    int retry_max;             /* soft: at most this many retries; hard: 0 */
    int retry_days;            /* soft: within this many days; hard: 0 */
    const char *retry_advice;
    const char *customer_action;
    const char *sources; /* the public pages the advice comes from, space-separated */
} recon_decline_code;

#define RECON_DECLINE_CODE_VERSION 1
#define RECON_DECLINE_CODE_INIT                                                                    \
    { .version = RECON_DECLINE_CODE_VERSION }

size_t recon_decline_code_count(void);
/* Fills *out with row `index`; RECON_ENOTFOUND past the end. */
int recon_decline_code_get(size_t index, recon_decline_code *out);

/* ---------------------------------------------------------------------------
 * Failures: the failure log (rejected rows, provider errors, failed payments)
 * ------------------------------------------------------------------------- */

typedef struct {
    unsigned version; /* set by the library: RECON_FAILURE_VERSION */
    int64_t id;
    const char *origin;        /* "import" (a rejected row), "provider" (an API error a job
                                  recorded) or "report" (a failed payment in a report) */
    int64_t import_id;         /* 0 when not from an import */
    int64_t transaction_id;    /* the imported row a "report" failure belongs to, in a
                                  database from before schema 11; 0 since (a failed payment
                                  is no longer stored as a transaction: see context) */
    const char *source;        /* source name, or NULL */
    const char *file_name;     /* the import's file, or NULL */
    int64_t line;              /* physical line in the file, 0 when not applicable */
    const char *field;         /* canonical field ("amount") or the provider's field, or NULL */
    const char *column;        /* the file's column name, or NULL */
    const char *provider;      /* "librecon" for rejected rows */
    int http_status;           /* 0 when none */
    const char *provider_code; /* the provider's code, or the reject reason ("amount_invalid") */
    const char *unified_code;  /* from the closed set */
    const char *category;
    const char *message;    /* human-readable explanation */
    const char *raw;        /* the raw row (invalid bytes shown as \xNN), or NULL */
    const char *request_id; /* the provider's request id, or NULL */
    const char *context;    /* what the job was doing, or NULL */
    int64_t occurrences;    /* how often this failure was recorded while open */
    const char *first_seen; /* UTC, ISO 8601 */
    const char *last_seen;
    const char *resolved_at; /* NULL while open */
    const char *resolved_by;
    const char *resolution_note;
} recon_failure;

#define RECON_FAILURE_VERSION 1

typedef enum {
    RECON_FAILURES_ALL = 0,
    RECON_FAILURES_OPEN = 1,
    RECON_FAILURES_RESOLVED = 2
} recon_failure_state;

typedef struct {
    unsigned version;         /* RECON_FAILURE_FILTER_VERSION */
    int64_t import_id;        /* 0: any import */
    const char *unified_code; /* NULL: any */
    const char *category;     /* NULL: any */
    const char *provider;     /* NULL: any */
    const char *source;       /* source name; NULL: any */
    const char *from;         /* last_seen >= from (a date or ISO time); NULL: no bound */
    const char *to;           /* first_seen < the day after `to` for a date, or < `to`
                                 for a time; NULL: no bound */
    recon_failure_state state;
} recon_failure_filter;

#define RECON_FAILURE_FILTER_VERSION 1
/* clang-format off */
#define RECON_FAILURE_FILTER_INIT                                                             \
    {.version = RECON_FAILURE_FILTER_VERSION, .state = RECON_FAILURES_ALL}
/* clang-format on */

/* Calls cb for every failure matching `filter` (NULL: all), oldest first.
 * The recon_failure and its strings are valid only during the call. A
 * non-zero return from cb stops the walk (see "Callbacks" at the top). */
int recon_failures_each(recon_db *db, const recon_failure_filter *filter,
                        int (*cb)(const recon_failure *failure, void *payload), void *payload);

/* A provider failure to record, e.g. by a job that fetches reports. */
typedef struct {
    unsigned version;          /* RECON_FAILURE_INPUT_VERSION */
    const char *provider;      /* required */
    int http_status;           /* 0 when none */
    const char *provider_code; /* NULL or "" when none */
    const char *message;       /* the provider's message; also picks documented causes */
    const char *field;
    const char *request_id;
    const char *context;          /* what the job was doing: "fetch payouts 2024-05" */
    const char *source;           /* an existing source's name, or NULL */
    const char *seen_at;          /* ISO 8601 UTC time; NULL means now */
    const recon_error_info *info; /* a classification to use (e.g. from
                                     recon_failure_from_response); NULL: classify here */
} recon_failure_input;

#define RECON_FAILURE_INPUT_VERSION 1
/* clang-format off */
#define RECON_FAILURE_INPUT_INIT {.version = RECON_FAILURE_INPUT_VERSION}
/* clang-format on */

/* Records a provider failure with its unified classification. The same
 * failure again while it is open (same provider, status, code, unified code,
 * source, context and field) increments its occurrence count and last_seen
 * (and keeps the latest message and request id) instead of adding a row.
 * *out_id (may be NULL) is the failure's id. RECON_ENOTFOUND for an unknown
 * source. */
int recon_failure_record(recon_db *db, const recon_failure_input *in, int64_t *out_id);

/* Marks failure `id` resolved, with a note (required) and who did it (NULL:
 * "unknown"). RECON_ENOTFOUND for no such failure, RECON_ECONFLICT when it
 * is resolved already. */
int recon_failure_resolve(recon_db *db, int64_t id, const char *note, const char *actor);

typedef struct {
    unsigned version; /* set by the library: RECON_FAILURE_SUMMARY_ROW_VERSION */
    const char *unified_code;
    const char *category;
    const char *provider;
    int64_t failures;    /* open failure rows */
    int64_t occurrences; /* their occurrence counts, summed */
    const char *first_seen;
    const char *last_seen;
} recon_failure_summary_row;

#define RECON_FAILURE_SUMMARY_ROW_VERSION 1

/* Open failures by unified code and provider (the v_failures_summary view),
 * most occurrences first. Strings valid only during the call. */
int recon_failures_summary_each(recon_db *db,
                                int (*cb)(const recon_failure_summary_row *row, void *payload),
                                void *payload);

/* ---------------------------------------------------------------------------
 * Matching: rules, the engine, manual work, explanations and exports
 *
 * A rule (docs/MATCHING.md) takes two sides (by source type or name, and
 * kinds), a cardinality (one_to_one, one_to_many: one left item against a
 * group of right items sharing a key, many_to_one: the mirror) and
 * criteria that must all hold: reference (equal, normalized, or contained
 * in the other side's text), amount (equal or within a tolerance),
 * currency, date window. Rules run in priority order, each on what earlier
 * ones left. An item with two equally good candidates is not matched: it
 * becomes an exception listing them, because a wrong match is worse than
 * none.
 *
 *     recon_rules *rules;
 *     recon_match_result res = RECON_MATCH_RESULT_INIT;
 *     recon_rules_default(NULL, &rules);
 *     recon_match_opts mo = RECON_MATCH_OPTS_INIT;
 *     mo.rules = rules;
 *     if (recon_match_run(db, &mo, &res) == RECON_OK)
 *         printf("%llu matches, %llu open exceptions\n",
 *                (unsigned long long)res.matches, (unsigned long long)res.exceptions_open);
 *     recon_rules_free(rules);
 * ------------------------------------------------------------------------- */

typedef struct recon_rules recon_rules;

/* Rules from an INI file or text ([rule NAME] sections). Invalid rules are
 * refused with RECON_EPROFILE and a message naming the file, line, rule and
 * key. Free with recon_rules_free. */
int recon_rules_load(const char *path, recon_error *err, recon_rules **out);
int recon_rules_parse(const char *text, const char *origin, recon_error *err, recon_rules **out);
/* The bundled default rules (data/rules/default.ini, compiled in). */
int recon_rules_default(recon_error *err, recon_rules **out);
void recon_rules_free(recon_rules *rules);
/* Rules in the order they run; names owned by the rules. */
size_t recon_rules_count(const recon_rules *rules);
const char *recon_rules_name(const recon_rules *rules, size_t index);

typedef struct {
    unsigned version;         /* RECON_MATCH_OPTS_VERSION */
    const recon_rules *rules; /* NULL: the default rules */
    int dry_run;              /* 1: decide everything, write nothing */
    const char *actor;        /* recorded on the run; NULL: "recon" */
    /* Version 2. Called as the run goes: bytes_done counts its steps
     * (loading, each rule of each pass, writing; bytes_total is 0, as a run
     * does not know its passes ahead), rows the new matches so far. A
     * non-zero return stops the run: nothing of it is kept, and the call
     * returns RECON_ECANCELLED (> 0) or RECON_EUSER (< 0). */
    int (*on_progress)(const recon_progress *progress, void *payload);
    void *payload;
} recon_match_opts;

#define RECON_MATCH_OPTS_VERSION 2
#define RECON_MATCH_OPTS_INIT                                                                      \
    { .version = RECON_MATCH_OPTS_VERSION }

typedef struct {
    unsigned version;           /* RECON_MATCH_RESULT_VERSION, set by the caller */
    int64_t run_id;             /* 0 for a dry run */
    uint64_t matches;           /* new matches */
    uint64_t items_matched;     /* transactions in them */
    uint64_t exceptions_opened; /* new open exceptions */
    uint64_t exceptions_closed; /* exceptions this run no longer finds */
    uint64_t exceptions_open;   /* open after the run */
    /* Every transaction by its status after the run (v_transaction_status). */
    uint64_t matched;      /* in an active match */
    uint64_t in_exception; /* named by an open exception */
    uint64_t ignored;
    uint64_t unmatched; /* neither matched, ignored nor in an exception */
    /* Version 2: new matches that recorded a variance (rules with
     * difference_as; the table match_variances), and the suggestions of
     * rules with suggest_at: opened by this run, closed by it (no longer
     * offered), open after it. */
    uint64_t variances;
    uint64_t suggestions_opened;
    uint64_t suggestions_closed;
    uint64_t suggestions_open;
    /* Version 3: new matches that took part of a transaction's amount
     * (rules with allow_partial: the table allocations), and transactions
     * in an active match that leaves part of their amount open (status
     * partially_matched, with recon_match_add_parts too); matched then
     * counts those matched in full. A caller of an earlier version gets
     * them counted in matched. */
    uint64_t partial_matches;
    uint64_t partially_matched;
} recon_match_result;

#define RECON_MATCH_RESULT_VERSION 3
#define RECON_MATCH_RESULT_INIT                                                                    \
    { .version = RECON_MATCH_RESULT_VERSION }

/* Runs the rules over everything not yet matched or ignored, in one
 * transaction. Idempotent: a second run with the same data and rules
 * changes nothing; after new imports it matches only what is new.
 * Deterministic: the result does not depend on import or row order. */
int recon_match_run(recon_db *db, const recon_match_opts *opts, recon_match_result *out);

/* One row of a rule preview (recon_match_diff). Strings are valid only
 * during the call; those a kind of row does not have are NULL. */
typedef struct {
    unsigned version;      /* set by the library: RECON_DIFF_ROW_VERSION */
    const char *what;      /* "changed", "gained", "lost", "exception_opened",
                              "exception_closed"; then the rates: "source" (transactions
                              of a source matched) and "rule" (matches a rule holds) */
    const char *rule;      /* changed, gained: the new match's rule; lost: the old one's;
                              exceptions: the exception's */
    const char *old_rule;  /* changed: the rule of the match in the database */
    int64_t match_id;      /* changed, lost: the match in the database; else 0 */
    const char *items;     /* the match's items, "left: bank:B1 | right: stripe:ch_1 ...";
                              exceptions: the transaction, "source:external_id" */
    const char *old_items; /* changed: the items of the match in the database */
    const char *name;      /* exceptions: the reason; rates: the source or the rule */
    int64_t total;         /* source: its transactions */
    int64_t before, after; /* rates: matched transactions (source) or matches (rule),
                              in the database and with the rules previewed */
} recon_diff_row;

#define RECON_DIFF_ROW_VERSION 1

typedef struct {
    unsigned version; /* RECON_DIFF_RESULT_VERSION, set by the caller */
    uint64_t changed, gained, lost, exceptions_opened, exceptions_closed;
} recon_diff_result;

#define RECON_DIFF_RESULT_VERSION 1
#define RECON_DIFF_RESULT_INIT                                                                     \
    { .version = RECON_DIFF_RESULT_VERSION }

/* A rule change previewed, nothing written (docs/MATCHING.md, "Rule
 * previews"): the rules' matches in the database (origin auto) set aside,
 * `rules` (NULL: the defaults) run from scratch on everything people have
 * not decided, and the two compared by their items. cb gets the matches
 * changed (the same transactions under another rule, or a match that takes
 * over some of a match's transactions), gained and lost, the exceptions
 * opened and closed, then per source the transactions matched and per
 * rule the matches held, before and after; in that order, each group
 * sorted. Manual and reviewed matches, ignores and vetoes stay as they
 * are. The whole preview runs in one transaction that is rolled back. */
int recon_match_diff(recon_db *db, const recon_rules *rules,
                     int (*cb)(const recon_diff_row *row, void *payload), void *payload,
                     recon_diff_result *out);

/* A match made by a person: left and right transaction ids (at least one
 * each), refused with RECON_ECONFLICT when a transaction is already
 * matched or ignored, or when currencies differ or the sums do not balance
 * (|sum left| != |sum right|), unless force is 1. A note is required
 * (always for force). *out_match_id may be NULL. actor NULL: "unknown". */
int recon_match_add(recon_db *db, const int64_t *left, size_t nleft, const int64_t *right,
                    size_t nright, const char *note, const char *actor, int force,
                    int64_t *out_match_id);
/* recon_match_add taking part of a transaction (docs/MATCHING.md, "Partial
 * allocation"): left_minor[i] (and right_minor[i]) is what the match takes
 * of left[i], in minor units with the transaction's sign, at most what is
 * still open of it; 0, or a NULL array, takes all that is open. A
 * transaction its matches take part of is partially_matched, with the
 * rest open (v_transactions.remaining_minor), and can be matched again for
 * the rest; undoing a match gives its part back. The sums of the parts
 * must balance, as for recon_match_add. */
int recon_match_add_parts(recon_db *db, const int64_t *left, const int64_t *left_minor,
                          size_t nleft, const int64_t *right, const int64_t *right_minor,
                          size_t nright, const char *note, const char *actor, int force,
                          int64_t *out_match_id);

/* Undoes a match: it stays in the history with who, when and why; its
 * transactions are unmatched again. RECON_ENOTFOUND, or RECON_ECONFLICT
 * when already undone. */
int recon_match_undo(recon_db *db, int64_t match_id, const char *note, const char *actor);

/* Marks a transaction as not to be matched (a bank fee, a test payment),
 * with a note; recon_unignore takes it back. Both leave an audit row. */
int recon_ignore(recon_db *db, int64_t transaction_id, const char *note, const char *actor);
int recon_unignore(recon_db *db, int64_t transaction_id, const char *note, const char *actor);

/* The transaction id of (source name, external id); RECON_ENOTFOUND. */
int recon_transaction_find(recon_db *db, const char *source, const char *external_id, int64_t *out);

/* What is open of a transaction: its amount less what its active matches
 * take (0 when matched in full, the amount when in no match), in minor
 * units of *currency (ISO 4217, NUL-terminated; currency may be NULL).
 * RECON_ENOTFOUND for an unknown id. */
int recon_transaction_open(recon_db *db, int64_t transaction_id, int64_t *open_minor,
                           char currency[4]);

/* Why a transaction is matched, or not: a JSON document (docs/MATCHING.md,
 * "Explain") with its status; if matched, the rule, the evidence and the
 * other side; if not, per rule that could take it, its best candidates and
 * the first criterion each failed. *out is malloc'd: free with
 * recon_string_free. */
int recon_explain(recon_db *db, int64_t transaction_id, const recon_rules *rules, char **out);
void recon_string_free(char *s);

/* One exported row (recon export matches|exceptions|unmatched). */
typedef struct {
    unsigned version;   /* set by the library: RECON_EXPORT_ROW_VERSION */
    int64_t match_id;   /* the match, or the exception id; 0 for unmatched */
    const char *rule;   /* "" for unmatched */
    const char *status; /* matches: "active"/"undone"; exceptions: the reason;
                           unmatched: "unmatched" */
    const char *side;   /* "left"/"right"; "" for unmatched */
    const char *source;
    const char *external_id;
    const char *group_id; /* or NULL */
    int64_t amount_minor;
    const char *currency;
} recon_export_row;

#define RECON_EXPORT_ROW_VERSION 1

typedef enum {
    RECON_EXPORT_MATCHES,
    RECON_EXPORT_EXCEPTIONS,
    RECON_EXPORT_UNMATCHED
} recon_export_kind;

/* Calls cb for every row of the export, in a stable order. Strings are
 * valid only during the call. */
int recon_export_each(recon_db *db, recon_export_kind kind,
                      int (*cb)(const recon_export_row *row, void *payload), void *payload);

/* ---------------------------------------------------------------------------
 * Typed reading: matches (with their items) and exceptions (with their
 * candidates), amounts as int64_t minor units, never text to re-parse.
 *
 *     static int show(const recon_match *m, void *payload) {
 *         printf("match %lld (%s):", (long long)m->match_id, m->rule);
 *         for (size_t i = 0; i < m->nitems; i++)
 *             printf(" %s %s %lld %s", m->items[i]->side, m->items[i]->external_id,
 *                    (long long)m->items[i]->amount_minor, m->items[i]->currency);
 *         return 0;
 *     }
 *     recon_match_filter f = RECON_MATCH_FILTER_INIT;
 *     f.source = "stripe";
 *     recon_matches_each(db, &f, show, NULL);
 * ------------------------------------------------------------------------- */

/* A transaction as a match or an exception names it. Handed over by
 * pointer (never in an array of structs), so that it can grow. */
typedef struct {
    unsigned version; /* set by the library: RECON_ITEM_VERSION */
    int64_t transaction_id;
    const char *side;        /* "left" or "right" (an exception's own row: "left") */
    const char *source;      /* source name */
    const char *external_id; /* the provider's or bank's id */
    const char *group_id;    /* the payout (group) it belongs to, or NULL */
    const char *kind;        /* "charge", "payout", "bank_credit", ... */
    const char *day;         /* YYYY-MM-DD, UTC */
    int64_t amount_minor;    /* gross, signed */
    int64_t net_minor;
    const char *currency; /* ISO 4217 */
} recon_item;

#define RECON_ITEM_VERSION 1

/* One match. Items are ordered left first, then by source and external id;
 * they and every string are valid only during the callback. */
typedef struct {
    unsigned version; /* set by the library: RECON_MATCH_VERSION */
    int64_t match_id;
    int64_t run_id;     /* the run that made it; 0 for a manual match */
    const char *rule;   /* the rule's name ("manual" for a person's) */
    const char *origin; /* "auto", "manual" or "reviewed" (a person accepted a suggestion) */
    const char *status; /* "active" or "undone" */
    int score;
    const char *evidence; /* JSON: what each criterion saw */
    const char *created_at, *created_by;
    const char *note;      /* or NULL */
    int forced;            /* 1: a person matched despite a difference */
    const char *undone_at; /* NULL while active */
    const char *undone_by, *undo_note;
    size_t nitems;
    const recon_item *const *items; /* items[0 .. nitems-1] */
    /* Version 2: the difference its rule booked (difference_as,
     * docs/MATCHING.md): "fee", "fx" or "writeoff", NULL when none;
     * left - (+/-)right in minor units of variance_currency (0 when none). */
    const char *variance_kind;
    int64_t variance_minor;
    const char *variance_currency;
} recon_match;

#define RECON_MATCH_VERSION 2

typedef struct {
    unsigned version;       /* RECON_MATCH_FILTER_VERSION */
    int64_t match_id;       /* 0: any */
    int64_t transaction_id; /* matches holding this transaction; 0: any */
    int64_t run_id;         /* 0: any */
    const char *rule;       /* NULL: any */
    const char *source;     /* matches with an item of this source; NULL: any */
    const char *from;       /* matches with an item dated from this day (YYYY-MM-DD) ... */
    const char *to;         /* ... to this day, inclusive; NULL: no bound */
    int include_undone;     /* 1: undone matches too; 0: active ones only */
} recon_match_filter;

#define RECON_MATCH_FILTER_VERSION 1
#define RECON_MATCH_FILTER_INIT                                                                    \
    { .version = RECON_MATCH_FILTER_VERSION }

/* Calls cb for every match the filter keeps (NULL: every active match), by
 * match id. A non-zero return from cb stops the walk (see "Callbacks"). */
int recon_matches_each(recon_db *db, const recon_match_filter *filter,
                       int (*cb)(const recon_match *match, void *payload), void *payload);

/* A transaction (or, against a grouped side, a group of them) an
 * exception's row could have matched. */
typedef struct {
    unsigned version;        /* set by the library: RECON_CANDIDATE_VERSION */
    int64_t transaction_id;  /* the candidate's row (a group's first row) */
    const char *source;      /* source name */
    const char *external_id; /* its id, or the group's key when grouped */
    int grouped;             /* 1: a group of `items` rows, keyed by external_id */
    int64_t items;           /* rows in the candidate (1 when not grouped) */
    int64_t amount_minor;    /* the candidate's amount (a group's sum); 0 when overflow */
    int overflow;            /* 1: the group's sum leaves int64_t: no amount to show */
    const char *currency;
    const char *failed; /* near misses: the criterion it failed ("amount", "date", ...);
                           "" for ties */
} recon_candidate;

#define RECON_CANDIDATE_VERSION 1

/* One exception: a row the matcher would not decide, with why and the
 * candidates it saw (at most 8). Valid only during the callback. */
typedef struct {
    unsigned version; /* set by the library: RECON_EXCEPTION_VERSION */
    int64_t exception_id;
    int64_t run_id;
    const char *rule;
    const char *reason; /* "ambiguous", "contested", "near_miss_amount", "near_miss_date" */
    const char *status; /* "open" or "closed" */
    const char *created_at;
    const char *closed_at;  /* NULL while open */
    int64_t closed_by_run;  /* 0 while open */
    const recon_item *item; /* the row it is about */
    size_t ncandidates;
    const recon_candidate *const *candidates; /* candidates[0 .. ncandidates-1] */
} recon_exception;

#define RECON_EXCEPTION_VERSION 1

typedef struct {
    unsigned version;       /* RECON_EXCEPTION_FILTER_VERSION */
    int64_t exception_id;   /* 0: any */
    int64_t transaction_id; /* 0: any */
    int64_t run_id;         /* the run that opened it; 0: any */
    const char *rule;       /* NULL: any */
    const char *reason;     /* NULL: any */
    const char *source;     /* the row's source; NULL: any */
    const char *from;       /* the row's day from (YYYY-MM-DD) ... */
    const char *to;         /* ... to, inclusive; NULL: no bound */
    int include_closed;     /* 1: closed exceptions too; 0: open ones only */
} recon_exception_filter;

#define RECON_EXCEPTION_FILTER_VERSION 1
#define RECON_EXCEPTION_FILTER_INIT                                                                \
    { .version = RECON_EXCEPTION_FILTER_VERSION }

/* Calls cb for every exception the filter keeps (NULL: every open one), by
 * exception id. A non-zero return from cb stops the walk. */
int recon_exceptions_each(recon_db *db, const recon_exception_filter *filter,
                          int (*cb)(const recon_exception *exception, void *payload),
                          void *payload);

/* ----------------------------------------------------------------------------
 * Suggestions: the review queue. A rule with suggest_at offers the
 * candidates it would not confirm (ties, near misses) as suggestions,
 * ranked by a confidence from 0 to 100 (docs/MATCHING.md, "Confidence and
 * suggestions"). A person accepts one, which makes it a match (origin
 * "reviewed" in v_matches and recon_match), or rejects it: a veto, so the
 * pair is never suggested or matched again.
 *
 *     static int show(const recon_suggestion *s, void *payload) {
 *         printf("%lld %3d%% %s:", (long long)s->suggestion_id, s->confidence, s->rule);
 *         for (size_t i = 0; i < s->nitems; i++)
 *             printf(" %s %s", s->items[i]->side, s->items[i]->external_id);
 *         printf("\n");
 *         return 0;
 *     }
 *     recon_suggestions_each(db, NULL, show, NULL);     // the open ones, best first
 *     int64_t match_id = 0;
 *     recon_suggestion_accept(db, 12, "fee kept by the bank", "ann", &match_id);
 *     recon_suggestion_reject(db, 13, "another customer's invoice", "ann");
 * ------------------------------------------------------------------------- */

/* One suggestion. Items are ordered left first, then by source and
 * external id; they and every string are valid only during the callback. */
typedef struct {
    unsigned version; /* set by the library: RECON_SUGGESTION_VERSION */
    int64_t suggestion_id;
    int64_t run_id; /* the run that first offered it */
    const char *rule;
    int confidence;       /* 0..100 */
    const char *status;   /* "open", "accepted", "rejected" or "closed" */
    const char *evidence; /* JSON: the facts, the points each criterion cost, the confidence */
    const char *created_at;
    const char *decided_at; /* a person's decision (accepted, rejected): when, who, why */
    const char *decided_by;
    const char *note;
    int64_t match_id;      /* the match an acceptance made; 0 otherwise */
    const char *closed_at; /* closed: no longer offered, or a person matched or ignored a
                              transaction of it; NULL otherwise */
    size_t nitems;
    const recon_item *const *items; /* items[0 .. nitems-1] */
} recon_suggestion;

#define RECON_SUGGESTION_VERSION 1

typedef struct {
    unsigned version;       /* RECON_SUGGESTION_FILTER_VERSION */
    int64_t suggestion_id;  /* 0: any */
    int64_t transaction_id; /* suggestions naming this transaction; 0: any */
    const char *rule;       /* NULL: any */
    const char *status;     /* NULL: "open"; "any" for every status */
    int min_confidence;     /* 0: any */
} recon_suggestion_filter;

#define RECON_SUGGESTION_FILTER_VERSION 1
#define RECON_SUGGESTION_FILTER_INIT                                                               \
    { .version = RECON_SUGGESTION_FILTER_VERSION }

/* Calls cb for every suggestion the filter keeps (NULL: the open ones),
 * best first: by confidence, highest first, then by id. A non-zero return
 * from cb stops the walk (see "Callbacks"). */
int recon_suggestions_each(recon_db *db, const recon_suggestion_filter *filter,
                           int (*cb)(const recon_suggestion *suggestion, void *payload),
                           void *payload);

/* Accepts an open suggestion: its transactions become a match (the
 * suggestion's rule, its confidence x 10 as the score, its evidence with
 * "reviewed"), by actor, with note (NULL: "accepted suggestion N"); the
 * open exceptions and other suggestions of its transactions are closed.
 * RECON_ENOTFOUND for no such suggestion; RECON_ECONFLICT when it is not
 * open any more or one of its transactions has been matched or ignored
 * since. The match id into *out_match_id (may be NULL). */
int recon_suggestion_accept(recon_db *db, int64_t suggestion_id, const char *note,
                            const char *actor, int64_t *out_match_id);

/* Rejects an open suggestion, with a note (required): the pair is never
 * suggested or matched automatically again. The errors of accept. */
int recon_suggestion_reject(recon_db *db, int64_t suggestion_id, const char *note,
                            const char *actor);

/* ----------------------------------------------------------------------------
 * Aliases: payers people teach (docs/MATCHING.md, "Aliases"). When a person
 * matches a bank line whose text does not carry the other side's reference
 * (recon_match_add, recon_suggestion_accept), the payer the bank wrote (its
 * counterparty, or its text without digits, as a key of ASCII letters)
 * comes to stand for the other side's counterparty; rules with
 * counterparty = alias match by it from then on.
 *
 *     static int show(const recon_alias *a, void *payload) {
 *         printf("%lld %s -> %s (taught by %s, used %lld times)\n", (long long)a->alias_id,
 *                a->payer, a->counterparty, a->taught_by, (long long)a->uses);
 *         return 0;
 *     }
 *     recon_aliases_each(db, 0, show, NULL);
 *     recon_alias_add(db, "ACME HOLDING", "Acme GmbH", "the parent pays", "ann", NULL);
 *     recon_alias_remove(db, 3, "taught from a wrong match", "ann");
 * ------------------------------------------------------------------------- */

typedef struct {
    unsigned version; /* set by the library: RECON_ALIAS_VERSION */
    int64_t alias_id;
    const char *payer;        /* the key the left side writes, e.g. "SEPACTACMEHOLDINGGMBH" */
    const char *counterparty; /* the key it stands for, e.g. "ACMEGMBH" */
    const char *taught_by, *taught_at;
    int64_t match_id; /* the match it was learnt from; 0: added by hand */
    const char *note; /* recon_alias_add's, or NULL */
    int64_t uses;     /* matches runs made through it */
    const char *last_used_at;
    const char *removed_at; /* NULL while in force */
    const char *removed_by, *remove_note;
} recon_alias;

#define RECON_ALIAS_VERSION 1

/* Calls cb for every alias in force (and the removed ones too when
 * include_removed), by payer key; strings valid during the callback. */
int recon_aliases_each(recon_db *db, int include_removed,
                       int (*cb)(const recon_alias *alias, void *payload), void *payload);

/* Teaches an alias by hand: payer (text as the bank writes it) stands for
 * counterparty; both become keys. RECON_ECONFLICT when the payer stands for
 * something already. The id into *out_id (may be NULL). */
int recon_alias_add(recon_db *db, const char *payer, const char *counterparty, const char *note,
                    const char *actor, int64_t *out_id);

/* Removes an alias in force (note required); its row stays, with who and
 * why. Matches made through it stay. */
int recon_alias_remove(recon_db *db, int64_t alias_id, const char *note, const char *actor);

/* ----------------------------------------------------------------------------
 * Working the queue: exceptions and suggestions are work items a team
 * shares (docs/MATCHING.md, "Working the queue"). Each can be assigned to
 * a person and commented; an exception is resolved with a reason from a
 * fixed list. The owner shows in v_exceptions, v_suggestions, the
 * exceptions report and the HTML page; every action is a row of work_log.
 *
 *     recon_work_assign(db, RECON_WORK_EXCEPTION, 7, "ann", "ask the bank", "lead");
 *     recon_work_comment(db, RECON_WORK_EXCEPTION, 7, "bank says: fee", "ann");
 *     recon_exception_resolve(db, 7, "written_off", "0.40 bank fee", "ann");
 * ------------------------------------------------------------------------- */

typedef enum { RECON_WORK_EXCEPTION = 1, RECON_WORK_SUGGESTION = 2 } recon_work_kind;

/* Assigns an open exception or suggestion to `to` (NULL or "": nobody),
 * with an optional note. RECON_ENOTFOUND for no such item, RECON_ECONFLICT
 * when it is closed. An exception a later run opens again for the same
 * transaction (its candidates changed) keeps its owner. */
int recon_work_assign(recon_db *db, recon_work_kind kind, int64_t id, const char *to,
                      const char *note, const char *actor);

/* Adds a comment (note required) to an exception or suggestion, open or
 * closed. */
int recon_work_comment(recon_db *db, recon_work_kind kind, int64_t id, const char *note,
                       const char *actor);

/* Resolves an open exception with a reason: "written_off", "duplicate",
 * "matched_outside", "not_ours" or "other", and a note (required). The
 * exception is closed with its resolution and its transaction is ignored
 * (the ignore's note names the exception and reason), so no run opens it
 * again; recon_unignore brings the transaction back to matching. */
int recon_exception_resolve(recon_db *db, int64_t exception_id, const char *reason,
                            const char *note, const char *actor);

/* ---------------------------------------------------------------------------
 * Summary
 * ------------------------------------------------------------------------- */

typedef struct {
    unsigned version;        /* set by the library: RECON_SUMMARY_ROW_VERSION */
    const char *source;      /* source name */
    const char *source_type; /* "psp", "bank", "ledger" */
    const char *currency;    /* ISO 4217 code */
    int64_t transactions;    /* rows stored */
    int64_t amount_minor;    /* sum of amounts (gross) in minor units */
    int64_t net_minor;       /* sum of net amounts */
    int64_t imports;         /* imports into the source */
    int64_t failures;        /* open (unresolved) failures of the source, of every origin:
                                rejected rows and failed totals checks of its imports,
                                failed payments its reports carried, provider errors
                                recorded for it; the same on each of its rows */
    int overflow;            /* 1 when the sum of amounts or of nets does not fit in
                                int64_t minor units: amount_minor and net_minor are
                                then 0 and mean nothing */
} recon_summary_row;

#define RECON_SUMMARY_ROW_VERSION 1

/* Calls cb once per (source, currency), ordered by source then currency;
 * sources without transactions yield one row with currency "" and zero
 * amounts. Strings are valid only during the call. */
int recon_summary_each(recon_db *db, int (*cb)(const recon_summary_row *row, void *payload),
                       void *payload);

/* ---------------------------------------------------------------------------
 * Reports, payout flows and job status (docs/REPORTING.md)
 *
 *     recon_report_filter f = RECON_REPORT_FILTER_INIT;
 *     f.from = "2024-03-01", f.to = "2024-03-31";
 *     recon_report_each(db, RECON_REPORT_PAYOUTS, &f, print_row, stdout);
 *
 *     recon_flows_totals t = RECON_FLOWS_TOTALS_INIT;
 *     recon_flows_check(db, NULL, NULL, NULL, &t);
 *     if (t.broken) printf("%lld payouts break their chain\n", (long long)t.broken);
 *
 * Every figure comes from the documented views, so a reporting tool that
 * queries them sees what these functions return.
 * ------------------------------------------------------------------------- */

/* Report settings, stored in the database (meta) where the views read them:
 *   "report.as_of"            YYYY-MM-DD the reports are as of (default: today):
 *                             ages count to it; unmatched rows, payouts and
 *                             bank credits dated after it are left out
 *   "report.payout_late_days" days after its payout date a payout must have
 *                             reached the bank (default 3)
 * recon_setting_set with value NULL removes the setting (back to the
 * default). Unknown keys and malformed values are RECON_EMISUSE. */
int recon_setting_set(recon_db *db, const char *key, const char *value);
/* The effective value (the default when unset) into buf. A value that
 * does not fit in size bytes with its NUL is RECON_EMISUSE with buf "",
 * never cut short (the message says how many bytes it needs). */
int recon_setting_get(recon_db *db, const char *key, char *buf, size_t size);
/* The setting keys, for listing them: index 0, 1, ... until NULL. */
const char *recon_setting_key(size_t index);

/* Narrows a report: from/to are inclusive YYYY-MM-DD days (the transaction
 * day, the payout day, the day a failure was last seen), source a source
 * name. NULL members (or a NULL filter) do not narrow. */
typedef struct {
    unsigned version; /* RECON_REPORT_FILTER_VERSION */
    const char *from;
    const char *to;
    const char *source;
} recon_report_filter;

#define RECON_REPORT_FILTER_VERSION 1
#define RECON_REPORT_FILTER_INIT                                                                   \
    { .version = RECON_REPORT_FILTER_VERSION }

typedef enum {
    RECON_REPORT_SUMMARY,    /* per source and currency: matched, unmatched, exceptions */
    RECON_REPORT_UNMATCHED,  /* every unreconciled transaction, oldest first */
    RECON_REPORT_EXCEPTIONS, /* open exceptions */
    RECON_REPORT_PAYOUTS,    /* payout flows (v_payouts) */
    RECON_REPORT_AGING,      /* unmatched by age bucket */
    RECON_REPORT_FAILURES    /* open failures by unified code */
} recon_report_kind;

typedef enum {
    RECON_COL_TEXT,
    RECON_COL_INT,  /* a decimal integer */
    RECON_COL_MONEY /* major units, exact: "-12.05"; the row's currency column says which */
} recon_col_type;

/* One row of a report: every row of a kind has the same columns. values[i]
 * is NULL where the cell is empty (a payout not yet at the bank has no bank
 * amount). Valid only during the callback.
 *
 * Typed reading: for an INT or MONEY cell, ints[i] is its value as an
 * integer, money in minor units of currencies[i] (so "-12.05" EUR is
 * -1205), never re-parsed from the text; 0 for an empty cell or a TEXT
 * column. currencies[i] is a MONEY cell's currency (a payout's bank amount
 * may be in another than its expected amount), NULL for other cells. */
typedef struct {
    unsigned version; /* set by the library: RECON_REPORT_ROW_VERSION */
    size_t ncolumns;
    const char *const *names;
    const recon_col_type *types;
    const char *const *values;
    const int64_t *ints;
    const char *const *currencies;
} recon_report_row;

#define RECON_REPORT_ROW_VERSION 1

/* Calls cb for every row of the report, in a stable order; a non-zero
 * return from cb stops the walk (see "Callbacks" at the top). */
int recon_report_each(recon_db *db, recon_report_kind kind, const recon_report_filter *filter,
                      int (*cb)(const recon_report_row *row, void *payload), void *payload);
/* "summary", "unmatched", ...; NULL for an unknown kind. */
const char *recon_report_name(recon_report_kind kind);
/* RECON_OK and *out, or RECON_EMISUSE for a name that is no report. */
int recon_report_kind_from_name(const char *name, recon_report_kind *out);

/* Where a payout's chain (items -> payout -> bank credit) breaks. */
#define RECON_FLOW_CURRENCY_MISMATCH 0x01u   /* items or bank credit in another currency */
#define RECON_FLOW_MISSING_BANK_CREDIT 0x02u /* no bank credit, later than the late days */
#define RECON_FLOW_AMOUNT_DIFFERENCE 0x04u   /* the bank credit differs from what was paid */
#define RECON_FLOW_MISSING_ITEMS 0x08u /* items do not add up to the payout, or were rejected */
#define RECON_FLOW_FEE_MISMATCH 0x10u  /* an item's gross - fee != net (rejected at import) */
#define RECON_FLOW_LATE 0x20u          /* reached the bank after the late days */

typedef struct {
    unsigned version; /* set by the library: RECON_PAYOUT_FLOW_VERSION */
    const char *source;
    const char *payout_id; /* the PSP's payout (group) id */
    const char *currency;
    const char *payout_day;       /* YYYY-MM-DD */
    int has_payout_row;           /* the report has a payout row, not only items */
    int64_t payout_minor;         /* what the payout row says was paid (0 without one) */
    int64_t items;                /* item rows stored */
    int64_t items_net_minor;      /* the sum of their nets */
    int64_t expected_minor;       /* what the bank should receive: the payout row, else the items */
    int has_bank;                 /* matched to a bank record (dated by the as-of day) */
    const char *bank_external_id; /* the bank record, or NULL */
    const char *bank_day;         /* or NULL */
    const char *bank_currency;    /* or NULL */
    int64_t bank_minor;           /* amount received, in bank_currency: this payout's share of a
                                     credit several payouts share; 0 without a bank record or
                                     when the bank records are in two currencies */
    int64_t difference_minor;     /* bank - expected when both are in `currency`, else 0 */
    int bank_shared;              /* payouts sharing the bank credit (1: its own) */
    int overflow;                 /* a sum of the payout's rows leaves int64: its amounts are
                                     unknown (0 here, NULL in v_payouts), never wrapped */
    int days_to_arrive;           /* bank day - payout day (0 without a bank record) */
    int64_t rejected_items;       /* the payout's rows rejected at import (open) */
    unsigned issues;              /* RECON_FLOW_* bits */
    /* The amount each class is off by, in minor units of `currency`. */
    int64_t currency_mismatch_minor, missing_bank_credit_minor, amount_difference_minor,
        missing_items_minor, fee_mismatch_minor;
    const char *status; /* the worst class's name, "late", "in_transit" or "ok" */
} recon_payout_flow;    /* strings are valid only during the callback */

#define RECON_PAYOUT_FLOW_VERSION 1

typedef struct {
    unsigned version;                        /* RECON_FLOWS_TOTALS_VERSION, set by the caller */
    int64_t payouts, ok, in_transit, broken; /* broken: any issue but late */
    int64_t late;
    int64_t by_class[6]; /* payouts per RECON_FLOW_* bit, lowest first */
} recon_flows_totals;

#define RECON_FLOWS_TOTALS_VERSION 1
#define RECON_FLOWS_TOTALS_INIT                                                                    \
    { .version = RECON_FLOWS_TOTALS_VERSION }

/* Checks every payout (narrowed by filter on payout day and source): calls
 * cb per payout when cb is not NULL, ordered by source, payout day, payout
 * id, currency; fills *totals when not NULL. The flow's strings are valid
 * only during the call. */
int recon_flows_check(recon_db *db, const recon_report_filter *filter,
                      int (*cb)(const recon_payout_flow *flow, void *payload), void *payload,
                      recon_flows_totals *totals);
/* Counts one payout into *t from its status and issues as v_payouts and
 * the payouts report give them ("missing_items,late"): for totals of rows
 * read some other way, e.g. recon_report_each. */
void recon_flows_totals_add(recon_flows_totals *t, const char *status, const char *issues);
/* "currency_mismatch", ...: the name of one RECON_FLOW_* bit. */
const char *recon_flow_issue_name(unsigned issue);

/* What a scheduler needs to decide whether to alert. */
typedef struct {
    unsigned version;              /* RECON_STATUS_VERSION, set by the caller */
    int64_t unmatched;             /* unmatched or in an open exception */
    int64_t oldest_unmatched_days; /* age of the oldest of them; -1 when none */
    int64_t open_exceptions;
    int64_t open_failures;
    int64_t payouts_broken; /* payouts whose chain breaks (not counting late) */
    /* Version 2: the age (as of report.as_of, by its transaction's day) of
     * the oldest open exception, -1 when none; and the open exceptions no
     * one is assigned to. */
    int64_t oldest_exception_days;
    int64_t unassigned_exceptions;
} recon_status;

#define RECON_STATUS_VERSION 2
#define RECON_STATUS_INIT                                                                          \
    { .version = RECON_STATUS_VERSION }

int recon_status_get(recon_db *db, recon_status *out);

/* One self-contained HTML page (inline CSS and SVG; no scripts, fonts or
 * network) with the headline figures, matched against unmatched by day,
 * payouts, aging and failures. *out is malloc'd: free with
 * recon_string_free. */
int recon_report_html(recon_db *db, const recon_report_filter *filter, char **out);

/* ---------------------------------------------------------------------------
 * Journal entries for the books (docs/ACCOUNTING.md): every confirmed
 * match becomes one balanced double-entry entry, posted with a chart-of-
 * accounts mapping; an undone match that was exported gets a reversing
 * entry, never an edit. Entries are made once and kept (journal_entries,
 * journal_lines): exporting again lists nothing new unless all is set.
 *
 *     recon_error err = RECON_ERROR_INIT;
 *     recon_accounts *acc = NULL;
 *     if (recon_accounts_load("accounts.ini", &err, &acc) != RECON_OK) ...;
 *     recon_journal_opts o = RECON_JOURNAL_OPTS_INIT;
 *     o.accounts = acc;
 *     recon_journal_result res = RECON_JOURNAL_RESULT_INIT;
 *     recon_journal_export(db, &o, print_line, NULL, &res);
 *     recon_accounts_free(acc);
 * ------------------------------------------------------------------------- */

/* A chart-of-accounts mapping: [defaults], [variances], [type psp|bank|
 * ledger] and [source NAME] sections naming ledger accounts (the bundled
 * one: data/accounts.ini, recon_accounts_default). Refused with the line
 * and key of the first mistake. */
typedef struct recon_accounts recon_accounts;

int recon_accounts_parse(const char *text, const char *origin, recon_error *err,
                         recon_accounts **out);
int recon_accounts_load(const char *path, recon_error *err, recon_accounts **out);
int recon_accounts_default(recon_error *err, recon_accounts **out);
void recon_accounts_free(recon_accounts *accounts);

/* One line of a journal entry. Strings are valid only during the call. */
typedef struct {
    unsigned version; /* set by the library: RECON_JOURNAL_LINE_VERSION */
    int64_t entry_id; /* lines of one entry come together, in line order */
    int64_t match_id;
    const char *kind;       /* "post", or "reverse" for an undone match's */
    int64_t reverses;       /* the entry a reversal takes back, else 0 */
    const char *date;       /* YYYY-MM-DD: the bank line's day (else the latest
                               item's); a reversal's, the day of the undo */
    const char *entry_memo; /* "match 12 (rule r): stripe po_1" */
    int line;               /* 1, 2, ... within the entry */
    int nlines;             /* how many the entry has */
    const char *account;
    const char *currency;   /* ISO 4217 */
    int64_t amount_minor;   /* a debit > 0, a credit < 0; the entry's lines sum to 0
                               in every currency */
    int64_t transaction_id; /* the transaction the line posts, 0 for a variance,
                               suspense or conversion line */
    const char *memo;       /* the line's: "stripe ch_1 charge: gross" */
    int64_t export_id;      /* the export that made the entry */
} recon_journal_line;

#define RECON_JOURNAL_LINE_VERSION 1

typedef struct {
    unsigned version;               /* RECON_JOURNAL_OPTS_VERSION */
    const recon_accounts *accounts; /* required */
    const char *since;  /* YYYY-MM-DD: only entries dated on or after it (made now or listed);
                           NULL: every one */
    int all;            /* list every entry made so far (since included), not only new ones */
    int dry_run;        /* list what would be made; nothing is recorded */
    const char *actor;  /* recorded with the export; NULL: "unknown" */
    const char *format; /* recorded with the export ("csv", "json", "ledger"); NULL: "api" */
    /* Called for a match that gets no entry (a provider charge with a fee
     * matched in parts: its fee cannot be split exactly), with why; it is
     * tried again by the next export. May be NULL. */
    int (*on_skip)(int64_t match_id, const char *why, void *payload);
} recon_journal_opts;

#define RECON_JOURNAL_OPTS_VERSION 1
#define RECON_JOURNAL_OPTS_INIT                                                                    \
    { .version = RECON_JOURNAL_OPTS_VERSION }

typedef struct {
    unsigned version;   /* RECON_JOURNAL_RESULT_VERSION, set by the caller */
    int64_t export_id;  /* 0 when nothing new was made (or a dry run) */
    uint64_t entries;   /* new entries for matches */
    uint64_t reversals; /* new reversing entries for undone matches */
    uint64_t listed;    /* entries passed to the callback */
    uint64_t skipped;   /* matches left without an entry (on_skip) */
} recon_journal_result;

#define RECON_JOURNAL_RESULT_VERSION 1
#define RECON_JOURNAL_RESULT_INIT                                                                  \
    { .version = RECON_JOURNAL_RESULT_VERSION }

/* Makes the entries of every confirmed match that has none (and the
 * reversals of undone ones), checks each balances in every currency, and
 * calls cb for every line of the new entries (all: of every entry), in
 * entry order, in one transaction: a callback that stops it, or an entry
 * that does not balance, leaves nothing recorded. A source, kind or
 * variance the mapping has no account for refuses the whole export
 * (RECON_EPROFILE naming the match, source and key). */
int recon_journal_export(recon_db *db, const recon_journal_opts *opts,
                         int (*cb)(const recon_journal_line *line, void *payload), void *payload,
                         recon_journal_result *out);

/* Closes the books until a day (YYYY-MM-DD, inclusive): refused
 * (RECON_ECONFLICT) while a match of those days has no journal entry, or an
 * exported match undone in them no reversal (export first), or when they
 * are closed until that day or later already. Once closed, a match whose
 * entry is dated in the period cannot be undone (RECON_ECONFLICT) until
 * the period is reopened, and no entry is dated in it: a late match of its
 * days, or a reversal, is posted on the first open day. The export of the
 * period is final: every entry dated in it stays as it is. */
int recon_period_close(recon_db *db, const char *until, const char *note, const char *actor);
/* Reopens the latest close (recorded, with the note): the period closed is
 * then up to the close before it, if any. RECON_ENOTFOUND when none. */
int recon_period_reopen(recon_db *db, const char *note, const char *actor);
/* The last day closed into until, "" when no period is closed. */
int recon_period_closed_until(recon_db *db, char until[11]);

#ifdef __cplusplus
}
#endif

#endif /* RECON_H */
