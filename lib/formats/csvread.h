/* Streaming CSV reader over libcsv. Knows CSV, nothing about payments.
 *
 * The input is read in fixed-size chunks; a light pre-scan (quote parity)
 * finds where each record ends so that every row comes with its physical
 * line number and its raw bytes (for audit), and libcsv then splits and
 * unquotes the record. Memory stays bounded: a record longer than
 * max_record is skipped to its end without being buffered.
 *
 * Per-row problems (bad quoting, invalid UTF-8, a field or record over the
 * limit) are reported on that row and reading goes on; only I/O errors and
 * a binary (NUL-bearing) start of file stop the reader. */
#ifndef RECON_CSVREAD_H
#define RECON_CSVREAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct rc_csv rc_csv;

typedef struct {
    char delim;        /* ',' ';' '\t' '|'; 0 means ',' */
    size_t skip_lines; /* physical lines to drop before the first record
                          (report preambles); they need not be valid CSV */
    size_t max_field;  /* 0 means RC_CSV_MAX_FIELD */
    size_t max_record; /* 0 means RC_CSV_MAX_RECORD */
    /* Called with every byte read from the input, in order (used to hash
     * the file while it streams). May be NULL. */
    void (*on_bytes)(const void *buf, size_t len, void *payload);
    void *payload;
    /* 1: '"' is an ordinary character, never a quote, so every record is
     * one physical line and fields are what lies between delimiters (BAI2,
     * whose free text may hold a lone '"', has no quoting). */
    int no_quotes;
    /* The input's character encoding as iconv(3) names it ("WINDOWS-1252",
     * "UTF-16"); NULL or "UTF-8": none, the bytes are read as they are.
     * Otherwise they are converted to UTF-8 as they stream (on_bytes and
     * rc_csv_bytes still see the file's own bytes); a byte the encoding
     * does not define becomes an invalid UTF-8 byte, so its row is
     * rejected as invalid_utf8, never changed in silence. */
    const char *encoding;
} rc_csv_opts;

#define RC_CSV_MAX_FIELD (1024 * 1024)
#define RC_CSV_MAX_RECORD (16 * 1024 * 1024)
/* Raw text kept for a row that is too large to buffer. */
#define RC_CSV_RAW_KEEP 4096

/* Row-level problems: the row is yielded with one of these in `error`. */
typedef enum {
    RC_CSV_ROW_OK = 0,
    RC_CSV_ROW_SYNTAX,      /* bad quoting (e.g. a"b, "a"b, unterminated quote at EOF) */
    RC_CSV_ROW_UTF8,        /* a field is not valid UTF-8 */
    RC_CSV_ROW_FIELD_LARGE, /* a field is over max_field bytes */
    RC_CSV_ROW_TOO_LARGE    /* the record is over max_record bytes; fields are empty */
} rc_csv_row_err;

/* One record. Every pointer is owned by the reader and valid until the
 * next rc_csv_next or rc_csv_close. */
typedef struct {
    size_t nfields;
    const char *const *fields; /* each NUL-terminated, unquoted */
    const size_t *lens;        /* byte length of each field */
    const char *raw;           /* the record's bytes as in the file, without its
                                  line terminator; NUL-terminated; at most
                                  RC_CSV_RAW_KEEP bytes when TOO_LARGE */
    size_t raw_len;
    uint64_t line;      /* physical line (1-based) the record starts on */
    int error;          /* rc_csv_row_err */
    size_t error_field; /* index of the offending field (UTF8, FIELD_LARGE) */
} rc_csv_row;

/* File-level results of rc_csv_next. */
#define RC_CSV_EOF 0
#define RC_CSV_HAVE_ROW 1
#define RC_CSV_EIO (-1)     /* read(2) failed: errno is kept in rc_csv_errno */
#define RC_CSV_EBINARY (-2) /* NUL bytes in the first 8 KiB: not a text file */
#define RC_CSV_ENOMEM (-3)
#define RC_CSV_EUTF16 (-4)    /* starts with a UTF-16 byte order mark: rc_csv_bom tells which */
#define RC_CSV_EENCODING (-5) /* iconv(3) does not know opts->encoding */

/* Opens a reader on a file descriptor (not closed by the reader) or on a
 * memory buffer (not copied; must outlive the reader). Returns 0,
 * RC_CSV_ENOMEM or RC_CSV_EENCODING. */
int rc_csv_open_fd(int fd, const rc_csv_opts *opts, rc_csv **out);
int rc_csv_open_mem(const void *buf, size_t len, const rc_csv_opts *opts, rc_csv **out);

/* Yields the next non-blank record. A UTF-8 BOM at the start of the input
 * is skipped; CRLF, LF and CR all end lines; blank lines are skipped but
 * counted. Returns RC_CSV_HAVE_ROW, RC_CSV_EOF or a negative RC_CSV_E*. */
int rc_csv_next(rc_csv *r, rc_csv_row *row);

/* After RC_CSV_EUTF16: "FF FE" (little-endian) or "FE FF" (big-endian). */
const char *rc_csv_bom(const rc_csv *r);

/* Bytes consumed so far (for progress reports). */
uint64_t rc_csv_bytes(const rc_csv *r);
int rc_csv_errno(const rc_csv *r);

/* A short stable token for a row error ("csv_syntax", "invalid_utf8",
 * "field_too_large", "row_too_large") and a message. */
const char *rc_csv_row_errcode(int err);
const char *rc_csv_row_errmsg(int err);

void rc_csv_close(rc_csv *r);

#endif
