/* Fuzz target: the streaming CSV reader (lib/formats/csvread.c) over memory input.
 *
 * The first byte picks the options (delimiter, no_quotes, preamble lines,
 * small field and record limits so that the limit paths are reached with
 * small inputs); the rest is the file. Checked on every row: the fields
 * and raw text are NUL-terminated at their lengths, an OK row's fields are
 * valid UTF-8 and within max_field, a row error names a field that exists,
 * TOO_LARGE rows keep at most RC_CSV_RAW_KEEP raw bytes, physical lines
 * only go forward and never past the input's; and at the end, on_bytes saw
 * exactly the input, in order, and rc_csv_bytes counts all of it. */
#include <string.h>

#include "formats/csvread.h"
#include "fuzz.h"
#include "util/utf8.h"

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t seen;
} csv_fuzz_echo;

/* on_bytes must replay the input exactly, chunk by chunk. */
static void csv_fuzz_on_bytes(const void *buf, size_t len, void *payload) {
    csv_fuzz_echo *e = payload;
    FUZZ_ASSERT(len <= e->size - e->seen);
    FUZZ_ASSERT(memcmp(buf, e->data + e->seen, len) == 0);
    e->seen += len;
}

/* Physical lines in the input: CR, LF and CRLF each end one. */
static uint64_t csv_fuzz_lines(const uint8_t *d, size_t n) {
    uint64_t lines = 1;
    for (size_t i = 0; i < n; i++)
        if (d[i] == '\n' || (d[i] == '\r' && (i + 1 == n || d[i + 1] != '\n'))) lines++;
    return lines;
}

static void csv_fuzz_check_row(const rc_csv_row *row, const rc_csv_opts *o) {
    const size_t max_field = o->max_field ? o->max_field : RC_CSV_MAX_FIELD;
    FUZZ_ASSERT(row->raw != NULL && row->raw[row->raw_len] == '\0');
    FUZZ_ASSERT(row->error >= RC_CSV_ROW_OK && row->error <= RC_CSV_ROW_TOO_LARGE);
    FUZZ_ASSERT(row->line >= 1);
    for (size_t i = 0; i < row->nfields; i++) {
        FUZZ_ASSERT(row->fields[i] != NULL && row->fields[i][row->lens[i]] == '\0');
        if (row->error == RC_CSV_ROW_OK) {
            FUZZ_ASSERT(row->lens[i] <= max_field);
            FUZZ_ASSERT(rc_utf8_valid((const unsigned char *)row->fields[i], row->lens[i]));
        }
    }
    switch (row->error) {
    case RC_CSV_ROW_OK:
        FUZZ_ASSERT(row->nfields >= 1);
        break;
    case RC_CSV_ROW_UTF8:
    case RC_CSV_ROW_FIELD_LARGE:
        FUZZ_ASSERT(row->error_field < row->nfields);
        break;
    case RC_CSV_ROW_TOO_LARGE:
        FUZZ_ASSERT(row->nfields == 0 && row->raw_len <= RC_CSV_RAW_KEEP);
        break;
    default:
        FUZZ_ASSERT(row->nfields == 0);
        break;
    }
    FUZZ_ASSERT(rc_csv_row_errcode(row->error) != NULL && rc_csv_row_errmsg(row->error) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char delims[4] = {',', ';', '\t', '|'};
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    data++, size--;

    csv_fuzz_echo echo = {data, size, 0};
    rc_csv_opts o;
    memset(&o, 0, sizeof o);
    o.delim = delims[mode & 3];
    o.no_quotes = (mode >> 2) & 1;
    o.skip_lines = (mode >> 3) & 3;
    if (mode & 0x20) o.max_field = 16;
    if (mode & 0x40) o.max_record = 64;
    /* Converted input: the invariants below hold for the file's bytes. */
    if (mode & 0x80) o.encoding = mode & 0x10 ? "UTF-16" : "WINDOWS-1252";
    o.on_bytes = csv_fuzz_on_bytes;
    o.payload = &echo;

    rc_csv *r = NULL;
    FUZZ_ASSERT(rc_csv_open_mem(data, size, &o, &r) == 0 && r != NULL);
    const uint64_t lines = csv_fuzz_lines(data, size);
    uint64_t last_line = 0;
    size_t rows = 0;
    rc_csv_row row;
    int rc;
    while ((rc = rc_csv_next(r, &row)) == RC_CSV_HAVE_ROW) {
        csv_fuzz_check_row(&row, &o);
        FUZZ_ASSERT(row.line > last_line && row.line <= lines);
        last_line = row.line;
        rows++;
        FUZZ_ASSERT(rows <= size);
    }
    FUZZ_ASSERT(rc == RC_CSV_EOF || rc == RC_CSV_EBINARY || rc == RC_CSV_EUTF16);
    if (rc == RC_CSV_EOF) {
        FUZZ_ASSERT(echo.seen == size);
        FUZZ_ASSERT(rc_csv_bytes(r) == size);
        /* Once at the end, the reader stays there. */
        FUZZ_ASSERT(rc_csv_next(r, &row) == RC_CSV_EOF);
    }
    rc_csv_close(r);
    return 0;
}
