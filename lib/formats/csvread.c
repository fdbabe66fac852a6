/* Streaming CSV reader (contract in csvread.h): turns a byte stream into
 * records with their physical line numbers and raw text, in bounded memory.
 *
 * Each record goes through two passes. A byte-class scan over the chunk
 * finds where the record ends (quote parity; CR, LF or CRLF outside quotes)
 * and counts the physical lines it covers; libcsv then splits and unquotes
 * just that record. A record that lies within one chunk is handed to libcsv
 * where it is; only a record that crosses a chunk boundary is copied, and
 * only up to max_record bytes.
 *
 * Behaviour worth knowing (the header leaves it open):
 * - A record of only spaces is yielded as one empty field (libcsv trims
 *   unquoted spaces and would report no field at all).
 * - Spaces (only ' ', never tab) around fields are trimmed by libcsv.
 * - A NUL byte past the first 8 KiB makes its row RC_CSV_ROW_UTF8 (with
 *   error_field set) or RC_CSV_ROW_SYNTAX if it breaks the quoting.
 * - When a row has several problems, field_too_large wins over
 *   invalid_utf8. SYNTAX and TOO_LARGE rows have no fields; UTF8 and
 *   FIELD_LARGE rows keep theirs.
 * - An unterminated quote swallows the rest of the input into one record,
 *   reported as RC_CSV_ROW_SYNTAX even when it is over max_record (then its
 *   raw text is cut to RC_CSV_RAW_KEEP bytes like a TOO_LARGE row).
 * - Memory input is copied through the same chunk buffer as fd input, so
 *   both take the same code path and on_bytes sees it chunk by chunk. */
#include "formats/csvread.h"
#include "util/encoding.h"
#include "util/utf8.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Big enough that read(2) and on_bytes calls are rare, small enough to stay
 * in cache while it is scanned and parsed. */
#define CHUNK_SIZE (256 * 1024)
/* A NUL byte in this much of the start of the input means "not text". */
#define SNIFF_SIZE 8192
/* libcsv grows its field buffer by a fixed block (128 bytes by default), so
 * a big field would take thousands of reallocs; see parse_record. */
#define CSV_BLK_MIN 4096
#define CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)

/* Only these bytes matter for finding where a record ends. */
enum { B_PLAIN = 0, B_QUOTE, B_CR, B_LF };
static const unsigned char byte_class[256] = {['"'] = B_QUOTE, ['\r'] = B_CR, ['\n'] = B_LF};

struct rc_csv {
    /* Input: a file descriptor, or a memory buffer when is_mem. */
    bool is_mem;
    int fd;
    const unsigned char *mem;
    size_t mem_len, mem_off;
    void (*on_bytes)(const void *buf, size_t len, void *payload);
    void *payload;

    /* Conversion to UTF-8 (opts->encoding): the file's bytes are read into
     * raw[] and converted into the chunk. */
    iconv_t cd;
    unsigned char *raw;
    size_t raw_len, raw_off;
    size_t unit; /* bytes of one code unit: an undefined one is skipped whole */
    bool raw_eof;

    /* Options with their defaults applied. */
    unsigned char delim;
    bool no_quotes;
    size_t max_field, max_record, skip_left;

    /* The current chunk, with one spare byte past cap so that a record
     * ending at the end of the input can be NUL-terminated in place. */
    unsigned char *chunk;
    size_t cap, len, pos;
    uint64_t nread;
    bool eof;     /* no input left after this chunk */
    bool started; /* the start of the input was sniffed */
    bool done;    /* RC_CSV_EOF was returned */
    int status;   /* a sticky RC_CSV_E* once something fatal happened */
    int saved_errno;

    /* Scanner state; carried across chunks. */
    uint64_t line;    /* physical line of chunk[pos] */
    bool prev_cr;     /* the byte before chunk[pos] was a CR (CRLF is one break) */
    bool in_rec;      /* a record has begun and not ended */
    bool in_q;        /* quote parity within the record */
    bool quoted;      /* the record has a quote character somewhere */
    bool spanning;    /* the record's head is in rec[], its tail in chunk */
    size_t rec_start; /* where the record (or its tail) starts in chunk */
    uint64_t rec_line;

    /* Head of a record that crosses chunks: never more than
     * max(max_record, RC_CSV_RAW_KEEP) bytes, however long the record. */
    unsigned char *rec;
    size_t rec_len, rec_cap, rec_limit;
    uint64_t rec_total; /* the record's full length so far */

    /* The current row's fields: NUL-terminated copies packed in arena. */
    struct csv_parser parser;
    char *arena;
    size_t arena_len, arena_cap;
    size_t *lens;
    const char **fields;
    size_t nf, nf_cap;
    bool oom;       /* an allocation failed inside a libcsv callback */
    bool row_ended; /* libcsv reported the end of a row */
};

/* ---- small helpers --------------------------------------------------------- */

/* Grows a byte buffer to hold `need` bytes, doubling but not past `limit`
 * (unless need itself is larger). Returns the buffer or NULL; on failure the
 * old buffer and *cap are untouched. */
static void *grow(void *p, size_t *cap, size_t need, size_t limit) {
    if (need <= *cap) return p;
    size_t n = *cap < 64 ? 64 : *cap;
    while (n < need && n <= SIZE_MAX / 2)
        n *= 2;
    if (n > limit) n = limit;
    if (n < need) n = need;
    void *q = realloc(p, n);
    if (q) *cap = n;
    return q;
}

static bool reserve_fields(rc_csv *r, size_t need) {
    if (need <= r->nf_cap) return true;
    size_t n = r->nf_cap ? r->nf_cap : 16;
    while (n < need)
        n *= 2;
    size_t *lens = realloc(r->lens, n * sizeof *lens);
    if (!lens) return false;
    r->lens = lens;
    const char **fields = realloc(r->fields, n * sizeof *fields);
    if (!fields) return false;
    r->fields = fields;
    r->nf_cap = n;
    return true;
}

/* ---- libcsv ---------------------------------------------------------------- */

/* libcsv's default also counts tab as space, which would eat tabs at the
 * edges of fields in a comma-delimited file. libcsv tests the delimiter
 * before calling this, so a delimiter is never taken for space. */
static int is_space(unsigned char c) {
    return c == ' ';
}

static void parser_init(rc_csv *r) {
    csv_init(&r->parser, CSV_OPTIONS);
    csv_set_delim(&r->parser, r->delim);
    csv_set_space_func(&r->parser, is_space);
}

/* After a parse error libcsv's state is mid-field and its status sticks;
 * only a fresh parser is sure to start the next row clean. */
static void parser_reset(rc_csv *r) {
    csv_free(&r->parser);
    parser_init(r);
}

/* Called per field: the capacity checks stay inline, growing does not. */
static void add_field(rc_csv *r, const void *s, size_t n) {
    if (r->oom) return;
    if (r->nf == r->nf_cap && !reserve_fields(r, r->nf + 1)) {
        r->oom = true;
        return;
    }
    const size_t need = r->arena_len + n + 1;
    if (need > r->arena_cap) {
        char *a = grow(r->arena, &r->arena_cap, need, SIZE_MAX);
        if (!a) {
            r->oom = true;
            return;
        }
        r->arena = a;
    }
    memcpy(r->arena + r->arena_len, s, n);
    r->arena[r->arena_len + n] = '\0';
    r->arena_len = need;
    r->lens[r->nf++] = n;
}

static void on_field(void *s, size_t n, void *data) {
    add_field(data, s, n);
}

static void on_row(int c, void *data) {
    (void)c;
    ((rc_csv *)data)->row_ended = true;
}

/* ---- input ----------------------------------------------------------------- */

/* Reads up to room bytes of the input into dst. Returns the count (0 at
 * the end, *eof then set) or RC_CSV_EIO. */
static long read_input(rc_csv *r, unsigned char *dst, size_t room, bool *eof) {
    size_t n = 0;
    if (r->is_mem) {
        n = r->mem_len - r->mem_off;
        if (n > room) n = room;
        if (n) memcpy(dst, r->mem + r->mem_off, n);
        r->mem_off += n;
        *eof = r->mem_off == r->mem_len;
    } else if (room) {
        ssize_t got;
        do {
            got = read(r->fd, dst, room);
        } while (got < 0 && errno == EINTR);
        if (got < 0) {
            r->saved_errno = errno;
            return RC_CSV_EIO;
        }
        n = (size_t)got;
        *eof = n == 0;
    }
    if (n && r->on_bytes) r->on_bytes(dst, n, r->payload);
    r->nread += n;
    return (long)n;
}

/* Converts what raw[] holds into the chunk. A sequence the encoding does
 * not define becomes one 0xFF byte (never valid UTF-8: its row is rejected
 * as invalid_utf8); an incomplete one waits for more input, or at the end
 * becomes 0xFF too. */
static void convert(rc_csv *r) {
    char *in = (char *)r->raw + r->raw_off, *out = (char *)r->chunk + r->len;
    size_t inleft = r->raw_len - r->raw_off, outleft = r->cap - r->len;
    while (inleft && outleft) {
        if (iconv(r->cd, &in, &inleft, &out, &outleft) != (size_t)-1) break;
        if (errno == E2BIG || (errno == EINVAL && !r->raw_eof)) break;
        /* EILSEQ, or EINVAL at the end of the input: skip one code unit
         * (two bytes of UTF-16, so that the rest stays aligned). */
        size_t skip = inleft < r->unit ? inleft : r->unit;
        *out++ = (char)0xFF;
        outleft--;
        in += skip;
        inleft -= skip;
    }
    r->raw_off = r->raw_len - inleft;
    r->len = r->cap - outleft;
}

/* fill() with conversion: reads raw bytes until some text comes out. */
static int fill_converted(rc_csv *r) {
    const size_t before = r->len;
    for (;;) {
        convert(r);
        if (r->len > before || r->len == r->cap) break;
        if (r->raw_eof) {
            r->eof = true;
            break;
        }
        /* Keep an incomplete sequence's bytes at the front, then read. */
        memmove(r->raw, r->raw + r->raw_off, r->raw_len - r->raw_off);
        r->raw_len -= r->raw_off;
        r->raw_off = 0;
        if (r->raw_len == r->cap) break; /* no room: the chunk is full (E2BIG) */
        long n = read_input(r, r->raw + r->raw_len, r->cap - r->raw_len, &r->raw_eof);
        if (n < 0) return (int)n;
        r->raw_len += (size_t)n;
    }
    /* At the end only when nothing is left unconverted either. */
    r->eof = r->raw_eof && r->raw_off == r->raw_len;
    return r->len > before;
}

/* Appends the next piece of input to the chunk. Returns 1 if bytes came,
 * 0 at end of input, or RC_CSV_EIO. */
static int fill(rc_csv *r) {
    if (r->raw) return fill_converted(r);
    long n = read_input(r, r->chunk + r->len, r->cap - r->len, &r->eof);
    if (n <= 0) return (int)n;
    r->len += (size_t)n;
    return 1;
}

static int refill(rc_csv *r) {
    r->pos = r->len = 0;
    return fill(r);
}

/* Reads enough of the input to tell text from binary, and skips a BOM. */
static int start(rc_csv *r) {
    r->started = true;
    while (r->len < SNIFF_SIZE && r->len < r->cap && !r->eof) {
        const int rc = fill(r);
        if (rc < 0) return rc;
        if (rc == 0 && !r->eof) break;
    }
    const size_t sniff = r->len < SNIFF_SIZE ? r->len : SNIFF_SIZE;
    /* UTF-16 (Excel's "Unicode text") is text, but not ours: say so rather
     * than call it binary. A UTF-32LE BOM starts like UTF-16LE's. */
    const bool le = r->len >= 2 && memcmp(r->chunk, "\xFF\xFE", 2) == 0;
    const bool be = r->len >= 2 && memcmp(r->chunk, "\xFE\xFF", 2) == 0;
    if ((le && !(r->len >= 4 && memcmp(r->chunk + 2, "\0\0", 2) == 0)) || be) return RC_CSV_EUTF16;
    if (sniff && memchr(r->chunk, 0, sniff)) return RC_CSV_EBINARY;
    if (r->len >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
    return RC_CSV_HAVE_ROW;
}

/* Drops the first skip_lines physical lines. They are report preambles, not
 * CSV, so quotes in them mean nothing. */
static int skip_preamble(rc_csv *r) {
    while (r->skip_left > 0) {
        if (r->pos == r->len) {
            if (r->eof) return RC_CSV_EOF;
            const int rc = refill(r);
            if (rc < 0) return rc;
            continue;
        }
        const unsigned char c = r->chunk[r->pos++];
        if (c == '\r' || (c == '\n' && !r->prev_cr)) {
            r->line++;
            r->skip_left--;
        }
        r->prev_cr = c == '\r';
    }
    return RC_CSV_HAVE_ROW;
}

/* ---- record boundaries ----------------------------------------------------- */

/* Appends to the head of a record that crosses chunks. Once the record is
 * past max_record it can only be reported as too large, so from then on
 * just its first RC_CSV_RAW_KEEP bytes are kept. */
static bool rec_append(rc_csv *r, const unsigned char *p, size_t n) {
    r->rec_total += n;
    if (r->rec_total > r->max_record) {
        if (r->rec_len > RC_CSV_RAW_KEEP) r->rec_len = RC_CSV_RAW_KEEP;
        const size_t room = RC_CSV_RAW_KEEP - r->rec_len;
        if (n > room) n = room;
    }
    void *q = grow(r->rec, &r->rec_cap, r->rec_len + n + 1, r->rec_limit);
    if (!q) return false;
    r->rec = q;
    if (n) memcpy(r->rec + r->rec_len, p, n);
    r->rec_len += n;
    return true;
}

/* Moves to the next chunk, first saving the head of an open record.
 * Returns 1, 0 at end of input (the chunk is then left as it is), or a
 * negative RC_CSV_E*. */
static int next_chunk(rc_csv *r) {
    if (r->eof) return 0;
    if (r->in_rec) {
        if (!rec_append(r, r->chunk + r->rec_start, r->len - r->rec_start)) return RC_CSV_ENOMEM;
        r->spanning = true;
        r->rec_start = 0;
    }
    return refill(r);
}

/* At a record boundary: swallows a blank line, or the LF of a CRLF whose
 * CR ended the previous line. Returns true if a record starts at pos. */
static bool begin_record(rc_csv *r) {
    const unsigned char c = r->chunk[r->pos];
    if (c == '\r' || c == '\n') {
        if (c == '\r' || !r->prev_cr) r->line++;
        r->prev_cr = c == '\r';
        r->pos++;
        return false;
    }
    r->in_rec = true;
    r->in_q = false;
    r->quoted = false;
    r->prev_cr = false;
    r->rec_start = r->pos;
    r->rec_line = r->line;
    return true;
}

/* The hot loop: the index of the next quote, CR or LF at or after i. */
static size_t skip_plain(const unsigned char *b, size_t i, size_t len) {
    while (len - i >= 4) {
        if (byte_class[b[i]]) return i;
        if (byte_class[b[i + 1]]) return i + 1;
        if (byte_class[b[i + 2]]) return i + 2;
        if (byte_class[b[i + 3]]) return i + 3;
        i += 4;
    }
    while (i < len && !byte_class[b[i]])
        i++;
    return i;
}

/* Scans the open record from pos. Returns the index of its terminator, or
 * len if the record goes on past this chunk. A doubled quote toggles the
 * parity twice, so it needs no special case; lines inside quoted fields are
 * counted so that the next record gets its physical line number. */
static size_t scan_record(rc_csv *r) {
    const unsigned char *const b = r->chunk;
    const size_t len = r->len, from = r->pos;
    bool in_q = r->in_q;
    uint64_t line = r->line;
    size_t i = from;
    for (;;) {
        i = skip_plain(b, i, len);
        if (i == len) break;
        const unsigned k = byte_class[b[i]];
        if (k == B_QUOTE) {
            /* Without quoting a '"' is data: the record stays unquoted
             * (split_plain takes it) and ends at its line's end. */
            if (!r->no_quotes) {
                in_q = !in_q;
                r->quoted = true;
            }
        } else if (!in_q) {
            break;
        } else if (k == B_CR || !(i > from ? b[i - 1] == '\r' : r->prev_cr)) {
            line++;
        }
        i++;
    }
    if (i == len) r->prev_cr = b[len - 1] == '\r';
    r->in_q = in_q;
    r->line = line;
    r->pos = i;
    return i;
}

/* ---- rows ------------------------------------------------------------------ */

/* Points the row at its fields and checks their size and encoding. */
static int check_fields(rc_csv *r, rc_csv_row *row, const unsigned char *data, size_t n) {
    const char *p = r->arena;
    for (size_t i = 0; i < r->nf; i++) {
        r->fields[i] = p;
        p += r->lens[i] + 1;
    }
    row->nfields = r->nf;
    /* A field is never longer than its record, so short records skip the loop. */
    if (n > r->max_field) {
        for (size_t i = 0; i < r->nf; i++) {
            if (r->lens[i] > r->max_field) {
                row->error = RC_CSV_ROW_FIELD_LARGE;
                row->error_field = i;
                return RC_CSV_HAVE_ROW;
            }
        }
    }
    /* Unquoting only drops ASCII bytes at the edges of fields and splits at
     * ASCII bytes, so the fields are valid UTF-8 exactly when the record is:
     * one pass over the record, and a pass per field only to name the culprit. */
    if (!rc_utf8_valid(data, n)) {
        for (size_t i = 0; i < r->nf; i++) {
            if (!rc_utf8_valid((const unsigned char *)r->fields[i], r->lens[i])) {
                row->error = RC_CSV_ROW_UTF8;
                row->error_field = i;
                return RC_CSV_HAVE_ROW;
            }
        }
    }
    return RC_CSV_HAVE_ROW;
}

/* The fast path for a record without any quote character, which is most
 * records of most reports: fields are what lies between delimiters, with
 * spaces trimmed at their edges, exactly as libcsv would split them (the
 * conformance tests run both paths). It saves the per-byte callback
 * machinery of libcsv, a fifth of an import's time. */
static int split_plain(rc_csv *r, rc_csv_row *row, const unsigned char *data, size_t n) {
    const unsigned char *p = data, *const end = data + n;
    for (;;) {
        const unsigned char *d = memchr(p, r->delim, (size_t)(end - p));
        const unsigned char *e = d ? d : end;
        const unsigned char *a = p;
        while (a < e && is_space(*a))
            a++;
        const unsigned char *b = e;
        while (b > a && is_space(b[-1]))
            b--;
        add_field(r, a, (size_t)(b - a));
        if (!d) break;
        p = d + 1;
    }
    if (r->oom) return RC_CSV_ENOMEM;
    row->fields = r->fields;
    row->lens = r->lens;
    return check_fields(r, row, data, n);
}

static int parse_record(rc_csv *r, rc_csv_row *row, const unsigned char *data, size_t n) {
    r->nf = r->arena_len = 0;
    r->oom = false;
    if (!r->quoted) return split_plain(r, row, data, n);
    r->row_ended = false;
    /* libcsv holds one field at a time, never longer than the record: a
     * block that size means at most one realloc instead of n / 128. */
    csv_set_blk_size(&r->parser, n + 1 > CSV_BLK_MIN ? n + 1 : CSV_BLK_MIN);
    /* The record has no terminator outside quotes, so libcsv can only end
     * the row in csv_fini; a row ended earlier means we disagree about the
     * quoting, and the row is not to be trusted. */
    bool ok = csv_parse(&r->parser, data, n, on_field, on_row, r) == n && !r->row_ended;
    if (ok) ok = csv_fini(&r->parser, on_field, on_row, r) == 0;
    const int st = csv_error(&r->parser);
    if (st == CSV_ENOMEM || st == CSV_ETOOBIG) return RC_CSV_ENOMEM;
    if (!ok)
        parser_reset(r);
    else if (r->nf == 0)
        add_field(r, "", 0); /* only spaces: libcsv gives no field */
    if (r->oom) return RC_CSV_ENOMEM;
    row->fields = r->fields; /* the callbacks may have moved them */
    row->lens = r->lens;
    if (!ok) {
        row->error = RC_CSV_ROW_SYNTAX;
        return RC_CSV_HAVE_ROW;
    }
    return check_fields(r, row, data, n);
}

/* Ends the open record at chunk[t] (its terminator), or at the end of the
 * input when at_eof, and turns it into a row. */
static int end_record(rc_csv *r, rc_csv_row *row, size_t t, bool at_eof) {
    unsigned char *data;
    size_t n;
    uint64_t total;
    if (r->spanning) {
        if (!rec_append(r, r->chunk, t)) return RC_CSV_ENOMEM;
        data = r->rec;
        n = r->rec_len;
        total = r->rec_total;
    } else {
        data = r->chunk + r->rec_start;
        n = t - r->rec_start;
        total = n;
    }
    if (at_eof) {
        r->pos = t;
    } else {
        r->line++;
        r->prev_cr = r->chunk[t] == '\r';
        r->pos = t + 1;
    }
    r->in_rec = r->spanning = false;
    r->rec_len = 0;
    r->rec_total = 0;

    const bool too_large = total > r->max_record;
    const size_t raw_len = too_large && n > RC_CSV_RAW_KEEP ? RC_CSV_RAW_KEEP : n;
    /* Overwrites the terminator (already consumed), the spare byte past
     * the chunk, or a byte of a record too large to be parsed. */
    data[raw_len] = '\0';
    *row = (rc_csv_row){.fields = r->fields,
                        .lens = r->lens,
                        .raw = (const char *)data,
                        .raw_len = raw_len,
                        .line = r->rec_line};
    if (at_eof && r->in_q) {
        row->error = RC_CSV_ROW_SYNTAX; /* unterminated quote */
        return RC_CSV_HAVE_ROW;
    }
    if (too_large) {
        row->error = RC_CSV_ROW_TOO_LARGE;
        return RC_CSV_HAVE_ROW;
    }
    return parse_record(r, row, data, n);
}

static int next_record(rc_csv *r, rc_csv_row *row) {
    for (;;) {
        if (r->pos == r->len) {
            const int rc = next_chunk(r);
            if (rc < 0) return rc;
            if (rc == 0) return r->in_rec ? end_record(r, row, r->len, true) : RC_CSV_EOF;
            continue;
        }
        if (!r->in_rec && !begin_record(r)) continue;
        const size_t t = scan_record(r);
        if (t < r->len) return end_record(r, row, t, false);
    }
}

/* ---- public API ------------------------------------------------------------ */

static int open_common(const rc_csv_opts *opts, size_t cap, rc_csv **out) {
    *out = NULL;
    rc_csv *r = calloc(1, sizeof *r);
    if (!r) return RC_CSV_ENOMEM;
    r->cd = (iconv_t)-1;
    const rc_csv_opts none = {0};
    if (!opts) opts = &none;
    r->delim = opts->delim ? (unsigned char)opts->delim : ',';
    r->no_quotes = opts->no_quotes != 0;
    r->skip_left = opts->skip_lines;
    r->max_field = opts->max_field ? opts->max_field : RC_CSV_MAX_FIELD;
    r->max_record = opts->max_record ? opts->max_record : RC_CSV_MAX_RECORD;
    r->rec_limit = (r->max_record > RC_CSV_RAW_KEEP ? r->max_record : RC_CSV_RAW_KEEP) + 1;
    r->on_bytes = opts->on_bytes;
    r->payload = opts->payload;
    r->line = 1;
    r->cap = cap;
    r->chunk = malloc(cap + 1);
    if (!r->chunk || !reserve_fields(r, 16)) {
        rc_csv_close(r);
        return RC_CSV_ENOMEM;
    }
    parser_init(r);
    if (opts->encoding && strcmp(opts->encoding, "UTF-8") != 0) {
        r->cd = iconv_open("UTF-8", opts->encoding);
        if (r->cd == (iconv_t)-1) {
            rc_csv_close(r);
            return RC_CSV_EENCODING;
        }
        r->unit = rc_enc_unit(opts->encoding);
        if (!(r->raw = malloc(cap))) {
            rc_csv_close(r);
            return RC_CSV_ENOMEM;
        }
    }
    *out = r;
    return 0;
}

int rc_csv_open_fd(int fd, const rc_csv_opts *opts, rc_csv **out) {
    const int rc = open_common(opts, CHUNK_SIZE, out);
    if (rc == 0) (*out)->fd = fd;
    return rc;
}

int rc_csv_open_mem(const void *buf, size_t len, const rc_csv_opts *opts, rc_csv **out) {
    /* A small buffer needs no full-size chunk (unless it is converted: its
     * text may be longer than its bytes). */
    const bool converts = opts && opts->encoding && strcmp(opts->encoding, "UTF-8") != 0;
    const int rc = open_common(opts, len < CHUNK_SIZE && !converts ? len : CHUNK_SIZE, out);
    if (rc == 0) {
        (*out)->is_mem = true;
        (*out)->fd = -1;
        (*out)->mem = buf;
        (*out)->mem_len = len;
    }
    return rc;
}

int rc_csv_next(rc_csv *r, rc_csv_row *row) {
    if (r->status) return r->status;
    if (r->done) return RC_CSV_EOF;
    int rc = r->started ? RC_CSV_HAVE_ROW : start(r);
    if (rc == RC_CSV_HAVE_ROW && r->skip_left) rc = skip_preamble(r);
    if (rc == RC_CSV_HAVE_ROW) rc = next_record(r, row);
    if (rc < 0) r->status = rc;
    if (rc == RC_CSV_EOF) r->done = true;
    return rc;
}

const char *rc_csv_bom(const rc_csv *r) {
    return r->len >= 2 && r->chunk[0] == 0xFE ? "FE FF" : "FF FE";
}

uint64_t rc_csv_bytes(const rc_csv *r) {
    return r->nread;
}

int rc_csv_errno(const rc_csv *r) {
    return r->saved_errno;
}

const char *rc_csv_row_errcode(int err) {
    switch (err) {
    case RC_CSV_ROW_OK:
        return "ok";
    case RC_CSV_ROW_SYNTAX:
        return "csv_syntax";
    case RC_CSV_ROW_UTF8:
        return "invalid_utf8";
    case RC_CSV_ROW_FIELD_LARGE:
        return "field_too_large";
    case RC_CSV_ROW_TOO_LARGE:
        return "row_too_large";
    default:
        return "unknown";
    }
}

const char *rc_csv_row_errmsg(int err) {
    switch (err) {
    case RC_CSV_ROW_OK:
        return "row is well-formed";
    case RC_CSV_ROW_SYNTAX:
        return "row's quoting is invalid or a quote is never closed";
    case RC_CSV_ROW_UTF8:
        return "field is not valid UTF-8 text or contains a NUL byte";
    case RC_CSV_ROW_FIELD_LARGE:
        return "field is longer than the maximum field size";
    case RC_CSV_ROW_TOO_LARGE:
        return "row is longer than the maximum row size";
    default:
        return "unknown row error";
    }
}

void rc_csv_close(rc_csv *r) {
    if (!r) return;
    csv_free(&r->parser);
    if (r->cd != (iconv_t)-1) iconv_close(r->cd);
    free(r->raw);
    free(r->chunk);
    free(r->rec);
    free(r->arena);
    free(r->lens);
    free(r->fields);
    free(r);
}
