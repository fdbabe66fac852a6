/* Tests for the streaming CSV reader: RFC 4180 conformance on the fixtures
 * in tests/fixtures/csv/, line numbers and raw text, limits, chunk
 * boundaries (through real files and through sockets that deliver a few
 * bytes per read), binary detection, the hashing hook, and a fuzz loop. */
#include "formats/csvread.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* csvread.c reads 256 KiB per chunk; the boundary tests aim at it. */
#define CHUNK (256 * 1024)
#define CSV_FIXTURE(name) FIXTURE("csv/" name)
#define BOM "\xef\xbb\xbf"

/* ---- helpers ---------------------------------------------------------------- */

typedef struct {
    rc_csv *r;
    int fd;
    rc_csv_row row;
} rd;

static void rd_mem(rd *d, const void *buf, size_t len, const rc_csv_opts *o) {
    d->fd = -1;
    ck_assert_int_eq(rc_csv_open_mem(buf, len, o, &d->r), 0);
}

static void rd_str(rd *d, const char *s, const rc_csv_opts *o) {
    rd_mem(d, s, strlen(s), o);
}

static void rd_file(rd *d, const char *path, const rc_csv_opts *o) {
    d->fd = open(path, O_RDONLY);
    ck_assert_msg(d->fd >= 0, "cannot open %s", path);
    ck_assert_int_eq(rc_csv_open_fd(d->fd, o, &d->r), 0);
}

static void rd_close(rd *d) {
    rc_csv_close(d->r);
    if (d->fd >= 0) close(d->fd);
}

static int next(rd *d) {
    return rc_csv_next(d->r, &d->row);
}

static void expect_raw(const rd *d, int at, const char *raw, size_t raw_len) {
    ck_assert_msg(d->row.raw_len == raw_len && memcmp(d->row.raw, raw, raw_len) == 0,
                  "test line %d: raw is [%.*s] (%zu bytes), want [%s]", at, (int)d->row.raw_len,
                  d->row.raw, d->row.raw_len, raw);
    ck_assert_msg(d->row.raw[raw_len] == '\0', "test line %d: raw not NUL-terminated", at);
}

/* The next row is well-formed, on `line`, with this raw text and fields. */
static void expect_row_at(rd *d, int at, uint64_t line, const char *raw, size_t n,
                          const char *const *want) {
    const int rc = next(d);
    ck_assert_msg(rc == RC_CSV_HAVE_ROW, "test line %d: rc %d, want a row", at, rc);
    ck_assert_msg(d->row.error == RC_CSV_ROW_OK, "test line %d: row error %s", at,
                  rc_csv_row_errcode(d->row.error));
    ck_assert_msg(d->row.line == line, "test line %d: row on line %llu, want %llu", at,
                  (unsigned long long)d->row.line, (unsigned long long)line);
    expect_raw(d, at, raw, strlen(raw));
    ck_assert_msg(d->row.nfields == n, "test line %d: %zu fields, want %zu", at, d->row.nfields, n);
    for (size_t i = 0; i < n; i++) {
        const size_t len = strlen(want[i]);
        ck_assert_msg(d->row.lens[i] == len && memcmp(d->row.fields[i], want[i], len) == 0,
                      "test line %d: field %zu is [%s], want [%s]", at, i, d->row.fields[i],
                      want[i]);
        ck_assert_msg(d->row.fields[i][len] == '\0', "test line %d: field %zu not terminated", at,
                      i);
    }
}

#define NARGS(...) (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define EXPECT_ROW(d, line, raw, ...)                                                              \
    expect_row_at((d), __LINE__, (line), (raw), NARGS(__VA_ARGS__),                                \
                  (const char *const[]){__VA_ARGS__})

/* The next row has error `err` (and error_field `ef` for UTF8/FIELD_LARGE). */
static void expect_err_at(rd *d, int at, uint64_t line, int err, const char *raw, size_t ef) {
    const int rc = next(d);
    ck_assert_msg(rc == RC_CSV_HAVE_ROW, "test line %d: rc %d, want a row", at, rc);
    ck_assert_msg(d->row.error == err, "test line %d: row error %s, want %s", at,
                  rc_csv_row_errcode(d->row.error), rc_csv_row_errcode(err));
    ck_assert_msg(d->row.line == line, "test line %d: row on line %llu, want %llu", at,
                  (unsigned long long)d->row.line, (unsigned long long)line);
    if (raw) expect_raw(d, at, raw, strlen(raw));
    if (err == RC_CSV_ROW_UTF8 || err == RC_CSV_ROW_FIELD_LARGE) {
        ck_assert_msg(d->row.error_field == ef, "test line %d: error_field %zu, want %zu", at,
                      d->row.error_field, ef);
        ck_assert_msg(ef < d->row.nfields, "test line %d: fields missing", at);
    } else {
        ck_assert_msg(d->row.nfields == 0, "test line %d: %zu fields on a %s row", at,
                      d->row.nfields, rc_csv_row_errcode(err));
    }
}

#define EXPECT_ERR(d, line, err, raw, ef) expect_err_at((d), __LINE__, (line), (err), (raw), (ef))

static void expect_rc_at(rd *d, int at, int want) {
    for (int i = 0; i < 2; i++) { /* end states are sticky */
        const int rc = next(d);
        ck_assert_msg(rc == want, "test line %d: rc %d, want %d", at, rc, want);
    }
}

#define EXPECT_RC(d, rc) expect_rc_at((d), __LINE__, (rc))
#define EXPECT_EOF(d) EXPECT_RC((d), RC_CSV_EOF)

/* A file in a fresh temporary directory, removed by tmp_remove. */
typedef struct {
    char dir[256];
    char path[512];
} tmpfile_t;

static void tmp_write(tmpfile_t *t, const void *data, size_t len) {
    tu_tmpdir(t->dir, sizeof t->dir);
    tu_write_file(t->dir, "in.csv", data, len, t->path, sizeof t->path);
}

static void tmp_remove(const tmpfile_t *t) {
    unlink(t->path);
    rmdir(t->dir);
}

static char *xmalloc(size_t n) {
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    return p;
}

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Feeds buf to a reader through a SOCK_SEQPACKET socket, where each write
 * comes out of exactly one read(2): the reader sees chunks of 1..maxpiece
 * bytes, so records, CRLFs and BOMs get split at every possible place. */
static pid_t feed_in_pieces(const void *buf, size_t len, size_t maxpiece, uint64_t seed, int *fd) {
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    const pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(sv[0]);
        const char *p = buf;
        for (size_t off = 0; off < len;) {
            size_t n = 1 + (size_t)(xorshift(&seed) % maxpiece);
            if (n > len - off) n = len - off;
            if (write(sv[1], p + off, n) != (ssize_t)n) _exit(1);
            off += n;
        }
        _exit(0);
    }
    close(sv[1]);
    *fd = sv[0];
    return pid;
}

static void feed_done(int fd, pid_t pid) {
    close(fd); /* first, so a writer the reader gave up on gets EPIPE */
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

/* Everything a reader yields, serialized, for comparing two readers. */
typedef struct {
    unsigned char *p;
    size_t len, cap;
} tbuf;

static void tb_add(tbuf *b, const void *s, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void tb_u64(tbuf *b, uint64_t v) {
    tb_add(b, &v, sizeof v);
}

/* Reads r to the end, checking what must hold for any input, and records
 * the rows in out. Returns the final rc. */
static int transcript(rc_csv *r, const rc_csv_opts *o, tbuf *out) {
    const size_t max_record = o->max_record ? o->max_record : RC_CSV_MAX_RECORD;
    const size_t max_field = o->max_field ? o->max_field : RC_CSV_MAX_FIELD;
    const size_t keep = max_record > RC_CSV_RAW_KEEP ? max_record : RC_CSV_RAW_KEEP;
    rc_csv_row row;
    uint64_t last = 0;
    int rc;
    while ((rc = rc_csv_next(r, &row)) == RC_CSV_HAVE_ROW) {
        ck_assert_uint_gt(row.line, last);
        last = row.line;
        ck_assert_uint_ge(row.raw_len, 1);
        ck_assert_uint_le(row.raw_len, keep);
        ck_assert_int_eq(row.raw[row.raw_len], '\0');
        ck_assert_ptr_nonnull(row.fields);
        switch (row.error) {
        case RC_CSV_ROW_OK:
            ck_assert_uint_ge(row.nfields, 1);
            for (size_t i = 0; i < row.nfields; i++) {
                ck_assert_uint_le(row.lens[i], max_field);
                ck_assert_int_eq(row.fields[i][row.lens[i]], '\0');
                ck_assert_uint_eq(strlen(row.fields[i]), row.lens[i]);
            }
            break;
        case RC_CSV_ROW_UTF8:
        case RC_CSV_ROW_FIELD_LARGE:
            ck_assert_uint_lt(row.error_field, row.nfields);
            break;
        case RC_CSV_ROW_SYNTAX:
        case RC_CSV_ROW_TOO_LARGE:
            ck_assert_uint_eq(row.nfields, 0);
            break;
        default:
            ck_abort_msg("unknown row error %d", row.error);
        }
        tb_u64(out, row.line);
        tb_u64(out, (uint64_t)row.error);
        tb_u64(out, row.error_field);
        tb_u64(out, row.raw_len);
        tb_add(out, row.raw, row.raw_len);
        tb_u64(out, row.nfields);
        for (size_t i = 0; i < row.nfields; i++) {
            tb_u64(out, row.lens[i]);
            tb_add(out, row.fields[i], row.lens[i]);
        }
    }
    tb_u64(out, (uint64_t)(int64_t)rc);
    ck_assert_int_eq(rc_csv_next(r, &row), rc); /* sticky */
    return rc;
}

typedef struct {
    uint64_t hash;
    uint64_t n;
} fnv;

static void fnv_add(fnv *h, const void *buf, size_t len) {
    const unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        h->hash = (h->hash ^ p[i]) * 0x100000001b3u;
    h->n += len;
}

static void on_bytes_fnv(const void *buf, size_t len, void *payload) {
    fnv_add(payload, buf, len);
}

/* ---- fixtures ---------------------------------------------------------------- */

START_TEST(fixture_quoted_delimiters_are_data) {
    rd d;
    rd_file(&d, CSV_FIXTURE("quoted_delims.csv"), NULL);
    EXPECT_ROW(&d, 1, "id,description,amount", "id", "description", "amount");
    EXPECT_ROW(&d, 2, "1,\"Coffee, large\",3.50", "1", "Coffee, large", "3.50");
    EXPECT_ROW(&d, 3, "2,\"a;b|c\td\",1", "2", "a;b|c\td", "1");
    EXPECT_ROW(&d, 4, "3,\",\",\"\"", "3", ",", "");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_doubled_quotes_unescape_to_one) {
    rd d;
    rd_file(&d, CSV_FIXTURE("doubled_quotes.csv"), NULL);
    EXPECT_ROW(&d, 1, "1,\"say \"\"hi\"\"\",x", "1", "say \"hi\"", "x");
    EXPECT_ROW(&d, 2, "2,\"\"\"\",y", "2", "\"", "y");
    EXPECT_ROW(&d, 3, "3,\"\"\"\"\"\",z", "3", "\"\"", "z");
    EXPECT_ROW(&d, 4, "4,\"a\"\"\",\"\"\"\"", "4", "a\"", "\"");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_embedded_newlines_keep_physical_line_numbers) {
    rd d;
    rd_file(&d, CSV_FIXTURE("embedded_newline_crlf.csv"), NULL);
    EXPECT_ROW(&d, 1, "id,memo,amount", "id", "memo", "amount");
    EXPECT_ROW(&d, 2, "1,\"first line\r\nsecond line\",10", "1", "first line\r\nsecond line", "10");
    EXPECT_ROW(&d, 4, "2,\"lf only\ninside\",20", "2", "lf only\ninside", "20");
    EXPECT_ROW(&d, 6, "3,\"\r\n\",30", "3", "\r\n", "30");
    EXPECT_ROW(&d, 8, "4,end,40", "4", "end", "40");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_cr_only_line_ends) {
    rd d;
    rd_file(&d, CSV_FIXTURE("cr_only.csv"), NULL);
    EXPECT_ROW(&d, 1, "a,b", "a", "b");
    EXPECT_ROW(&d, 2, "1,\"x\ry\"", "1", "x\ry");
    EXPECT_ROW(&d, 5, "2,3", "2", "3"); /* line 4 is blank */
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_bom_is_skipped) {
    rd d;
    rd_file(&d, CSV_FIXTURE("bom.csv"), NULL);
    EXPECT_ROW(&d, 1, "name,amount", "name", "amount");
    EXPECT_ROW(&d, 2, "\"Zo\xc3\xab\",1", "Zo\xc3\xab", "1");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_semicolon_delimiter) {
    rd d;
    const rc_csv_opts o = {.delim = ';'};
    rd_file(&d, CSV_FIXTURE("semicolon.csv"), &o);
    EXPECT_ROW(&d, 1, "datum;betrag;text", "datum", "betrag", "text");
    EXPECT_ROW(&d, 2, "2024-01-02;\"1.234,56\";\"a;b\"", "2024-01-02", "1.234,56", "a;b");
    EXPECT_ROW(&d, 3, "2024-01-03;7,00;x,y", "2024-01-03", "7,00", "x,y");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_tab_delimiter_is_never_trimmed_as_space) {
    rd d;
    const rc_csv_opts o = {.delim = '\t'};
    rd_file(&d, CSV_FIXTURE("tab.csv"), &o);
    EXPECT_ROW(&d, 1, "id\tname\tamount", "id", "name", "amount");
    EXPECT_ROW(&d, 2, "1\t\t3", "1", "", "3");
    EXPECT_ROW(&d, 3, "2\t\" padded \"\t 4 ", "2", " padded ", "4");
    EXPECT_ROW(&d, 4, "3\t\"tab\tinside\"\tx", "3", "tab\tinside", "x");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_pipe_delimiter) {
    rd d;
    const rc_csv_opts o = {.delim = '|'};
    rd_file(&d, CSV_FIXTURE("pipe.csv"), &o);
    EXPECT_ROW(&d, 1, "a|b|c", "a", "b", "c");
    EXPECT_ROW(&d, 2, "\"x|y\"|,|", "x|y", ",", "");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_trailing_blank_lines_yield_nothing) {
    rd d;
    rd_file(&d, CSV_FIXTURE("trailing_blank_lines.csv"), NULL);
    EXPECT_ROW(&d, 1, "a,b", "a", "b");
    EXPECT_ROW(&d, 2, "1,2", "1", "2");
    EXPECT_EOF(&d);
    ck_assert_uint_eq(rc_csv_bytes(d.r), 14);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_leading_blank_lines_are_counted) {
    rd d;
    rd_file(&d, CSV_FIXTURE("leading_blank_lines.csv"), NULL);
    EXPECT_ROW(&d, 3, "a,b", "a", "b");
    EXPECT_ROW(&d, 5, "1,2", "1", "2");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_last_record_without_newline) {
    rd d;
    rd_file(&d, CSV_FIXTURE("no_final_newline.csv"), NULL);
    EXPECT_ROW(&d, 1, "a,b", "a", "b");
    EXPECT_ROW(&d, 2, "1,\"two\"", "1", "two");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_empty_fields_are_counted) {
    rd d;
    rd_file(&d, CSV_FIXTURE("empty_fields.csv"), NULL);
    EXPECT_ROW(&d, 1, ",,", "", "", "");
    EXPECT_ROW(&d, 2, "\"\",,\"\"", "", "", "");
    EXPECT_ROW(&d, 3, "a,,", "a", "", "");
    EXPECT_ROW(&d, 4, ",", "", "");
    EXPECT_ROW(&d, 5, "\"\"", "");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_unterminated_quote_runs_to_eof_as_syntax_error) {
    rd d;
    rd_file(&d, CSV_FIXTURE("unterminated_quote.csv"), NULL);
    EXPECT_ROW(&d, 1, "id,memo", "id", "memo");
    EXPECT_ERR(&d, 2, RC_CSV_ROW_SYNTAX, "1,\"never closed\n2,x\n", 0);
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_quotes_in_unquoted_fields_are_syntax_errors) {
    rd d;
    rd_file(&d, CSV_FIXTURE("quote_in_unquoted.csv"), NULL);
    EXPECT_ERR(&d, 1, RC_CSV_ROW_SYNTAX, "a,b\"\"c,d", 0);
    EXPECT_ERR(&d, 2, RC_CSV_ROW_SYNTAX, "\"x\"y,z", 0);
    EXPECT_ROW(&d, 3, "\"p\" ,q", "p", "q"); /* space after the closing quote is fine */
    EXPECT_ERR(&d, 4, RC_CSV_ROW_SYNTAX, "\"m\" n,o", 0);
    EXPECT_ROW(&d, 5, "1,2", "1", "2");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_invalid_utf8_names_the_field) {
    rd d;
    rd_file(&d, CSV_FIXTURE("bad_utf8.csv"), NULL);
    EXPECT_ROW(&d, 1, "ok,\"\xc3\xa9\"", "ok", "\xc3\xa9");
    EXPECT_ERR(&d, 2, RC_CSV_ROW_UTF8, "\xc3\x28,x", 0);     /* bad continuation */
    EXPECT_ERR(&d, 3, RC_CSV_ROW_UTF8, "a,\xe0\x80\xaf", 1); /* overlong '/' */
    ck_assert_uint_eq(d.row.lens[1], 3);
    ck_assert_str_eq(d.row.fields[1], "\xe0\x80\xaf");         /* the fields are kept */
    EXPECT_ERR(&d, 4, RC_CSV_ROW_UTF8, "a,b,\xed\xa0\x80", 2); /* surrogate */
    EXPECT_ERR(&d, 5, RC_CSV_ROW_UTF8, "\xf4\x90\x80\x80", 0); /* > U+10FFFF */
    EXPECT_ERR(&d, 6, RC_CSV_ROW_UTF8, "x,\"\xe2\x82\"", 1);   /* truncated */
    EXPECT_ERR(&d, 7, RC_CSV_ROW_UTF8, "\xc0\xaf", 0);         /* overlong */
    EXPECT_ROW(&d, 8, "\xf0\x9f\x92\xb6,\xf4\x8f\xbf\xbf", "\xf0\x9f\x92\xb6", "\xf4\x8f\xbf\xbf");
    EXPECT_ERR(&d, 9, RC_CSV_ROW_UTF8, "\x80", 0); /* lone continuation */
    EXPECT_ERR(&d, 10, RC_CSV_ROW_UTF8, "\xff", 0);
    EXPECT_ERR(&d, 11, RC_CSV_ROW_UTF8, "\xf8\x88\x80\x80\x80", 0); /* 5-byte form */
    EXPECT_ROW(&d, 12, "end", "end");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_ragged_rows_keep_their_field_counts) {
    rd d;
    rd_file(&d, CSV_FIXTURE("ragged.csv"), NULL);
    EXPECT_ROW(&d, 1, "a,b,c", "a", "b", "c");
    EXPECT_ROW(&d, 2, "1", "1");
    EXPECT_ROW(&d, 3, "1,2", "1", "2");
    EXPECT_ROW(&d, 4, "1,2,3,4", "1", "2", "3", "4");
    EXPECT_ROW(&d, 6, ",", "", "");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_preamble_skipped_by_lines_ignoring_quotes) {
    rd d;
    const rc_csv_opts o = {.skip_lines = 3};
    rd_file(&d, CSV_FIXTURE("preamble.csv"), &o);
    EXPECT_ROW(&d, 4, "id,amount", "id", "amount");
    EXPECT_ROW(&d, 5, "1,10.00", "1", "10.00");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_preamble_not_skipped_swallows_the_file) {
    /* Without skip_lines the preamble's lone quote opens a field that never
     * closes: one syntax error holding the whole file. */
    static const char whole[] = "Settlement report \"ACME\r\nPeriod: 2024-01\r\n\r\nid,amount\r\n"
                                "1,10.00\r\n";
    rd d;
    rd_file(&d, CSV_FIXTURE("preamble.csv"), NULL);
    EXPECT_ERR(&d, 1, RC_CSV_ROW_SYNTAX, whole, 0);
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_space_only_line_is_one_empty_field) {
    rd d;
    rd_file(&d, CSV_FIXTURE("whitespace_line.csv"), NULL);
    EXPECT_ROW(&d, 1, "a,b", "a", "b");
    EXPECT_ROW(&d, 2, "   ", "");
    EXPECT_ROW(&d, 3, "1,2", "1", "2");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_spaces_trimmed_outside_quotes_only) {
    rd d;
    rd_file(&d, CSV_FIXTURE("spaces.csv"), NULL);
    EXPECT_ROW(&d, 1, "  a  , b ,\"  c  \" ,  \"d\"  ,\te\t", "a", "b", "  c  ", "d", "\te\t");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_mixed_line_terminators) {
    rd d;
    rd_file(&d, CSV_FIXTURE("mixed_terminators.csv"), NULL);
    EXPECT_ROW(&d, 1, "a", "a");
    EXPECT_ROW(&d, 2, "b", "b");
    EXPECT_ROW(&d, 3, "c", "c");
    EXPECT_ROW(&d, 4, "d", "d");
    EXPECT_ROW(&d, 6, "e", "e");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_stray_quote_pair_joins_lines_into_one_bad_row) {
    rd d;
    rd_file(&d, CSV_FIXTURE("stray_quote.csv"), NULL);
    EXPECT_ROW(&d, 1, "a,b", "a", "b");
    EXPECT_ERR(&d, 2, RC_CSV_ROW_SYNTAX, "1,\"x\n2\"3,4", 0);
    EXPECT_ROW(&d, 4, "c,d", "c", "d");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

/* With quoting off (BAI2) the same file is four plain records: a '"' is
 * data wherever it stands, and never joins lines. */
START_TEST(fixture_stray_quotes_are_data_without_quoting) {
    rd d;
    const rc_csv_opts o = {.no_quotes = 1};
    rd_file(&d, CSV_FIXTURE("stray_quote.csv"), &o);
    EXPECT_ROW(&d, 1, "a,b", "a", "b");
    EXPECT_ROW(&d, 2, "1,\"x", "1", "\"x");
    EXPECT_ROW(&d, 3, "2\"3,4", "2\"3", "4");
    EXPECT_ROW(&d, 4, "c,d", "c", "d");
    EXPECT_EOF(&d);
    rd_close(&d);
    rd_str(&d, "16,451,100,0,R1,,PIPE 12\" STEEL\n\"q\",\"a,b\"\n", &o);
    EXPECT_ROW(&d, 1, "16,451,100,0,R1,,PIPE 12\" STEEL", "16", "451", "100", "0", "R1", "",
               "PIPE 12\" STEEL");
    EXPECT_ROW(&d, 2, "\"q\",\"a,b\"", "\"q\"", "\"a", "b\"");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_utf16_and_binary_files_are_refused) {
    static const char *const names[] = {CSV_FIXTURE("utf16le.csv"), CSV_FIXTURE("binary.csv")};
    static const int want[] = {RC_CSV_EUTF16, RC_CSV_EBINARY};
    for (size_t i = 0; i < 2; i++) {
        rd d;
        rd_file(&d, names[i], NULL);
        EXPECT_RC(&d, want[i]);
        ck_assert_str_eq(rc_csv_bom(d.r), "FF FE");
        rd_close(&d);
    }
}
END_TEST

/* A UTF-16 byte order mark is named as such (not "binary") in either byte
 * order; UTF-32LE, whose mark starts like UTF-16LE's, stays binary. */
START_TEST(utf16_byte_order_marks_are_told_apart_from_binary) {
    rd d;
    rd_mem(&d, "\xFE\xFF\0a\0,\0b\0\n", 10, NULL);
    EXPECT_RC(&d, RC_CSV_EUTF16);
    ck_assert_str_eq(rc_csv_bom(d.r), "FE FF");
    rd_close(&d);
    rd_mem(&d, "\xFF\xFE\0\0a\0\0\0", 8, NULL);
    EXPECT_RC(&d, RC_CSV_EBINARY);
    rd_close(&d);
    rd_mem(&d,
           "\xFF\xFE"
           "a",
           3, NULL); /* no NUL: the mark alone decides */
    EXPECT_RC(&d, RC_CSV_EUTF16);
    rd_close(&d);
}
END_TEST

START_TEST(fixture_empty_and_bom_only_files_are_eof) {
    static const char *const names[] = {CSV_FIXTURE("empty.csv"), CSV_FIXTURE("bom_only.csv")};
    for (size_t i = 0; i < 2; i++) {
        rd d;
        rd_file(&d, names[i], NULL);
        EXPECT_EOF(&d);
        rd_close(&d);
    }
}
END_TEST

/* ---- in memory: RFC 4180 edge cases ------------------------------------------ */

START_TEST(empty_input_is_eof_at_once) {
    rd d;
    rd_mem(&d, NULL, 0, NULL);
    EXPECT_EOF(&d);
    ck_assert_uint_eq(rc_csv_bytes(d.r), 0);
    rd_close(&d);
}
END_TEST

START_TEST(only_a_bom_or_blank_lines_is_eof) {
    static const char *const inputs[] = {"\xef\xbb\xbf", "\xef\xbb\xbf\r\n", "\n\n\r\n\r"};
    for (size_t i = 0; i < 3; i++) {
        rd d;
        rd_str(&d, inputs[i], NULL);
        EXPECT_EOF(&d);
        rd_close(&d);
    }
}
END_TEST

START_TEST(bom_only_skipped_at_the_very_start) {
    rd d;
    rd_str(&d, "a\n" BOM "b\n", NULL);
    EXPECT_ROW(&d, 1, "a", "a");
    EXPECT_ROW(&d, 2, BOM "b", BOM "b"); /* U+FEFF is just text there */
    EXPECT_EOF(&d);
    rd_close(&d);
    rd_str(&d, " \xef\xbb\xbf", NULL);
    EXPECT_ROW(&d, 1, " \xef\xbb\xbf", "\xef\xbb\xbf");
    rd_close(&d);
}
END_TEST

START_TEST(empty_quoted_field) {
    rd d;
    rd_str(&d, "\"\"\n\"\",\"\"\n", NULL);
    EXPECT_ROW(&d, 1, "\"\"", "");
    EXPECT_ROW(&d, 2, "\"\",\"\"", "", "");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(field_that_is_one_escaped_quote) {
    rd d;
    rd_str(&d, "\"\"\"\"\n\"\"\"\"\"\"\"\"", NULL);
    EXPECT_ROW(&d, 1, "\"\"\"\"", "\"");
    EXPECT_ROW(&d, 2, "\"\"\"\"\"\"\"\"", "\"\"\"");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(quoted_delimiter_cr_lf_crlf_inside_a_field) {
    rd d;
    rd_str(&d, "\"a,b\",\"c\rd\",\"e\nf\",\"g\r\nh\"\nnext\r\n", NULL);
    EXPECT_ROW(&d, 1, "\"a,b\",\"c\rd\",\"e\nf\",\"g\r\nh\"", "a,b", "c\rd", "e\nf", "g\r\nh");
    EXPECT_ROW(&d, 5, "next", "next"); /* CR, LF and CRLF inside: three line breaks */
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(spaces_around_quoted_fields_are_dropped) {
    rd d;
    rd_str(&d, "  \"a\"  ,\"b\" ,  \" c \"\n x y ,\"\" \n", NULL);
    EXPECT_ROW(&d, 1, "  \"a\"  ,\"b\" ,  \" c \"", "a", "b", " c ");
    EXPECT_ROW(&d, 2, " x y ,\"\" ", "x y", "");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(tabs_are_data_in_comma_files) {
    rd d;
    rd_str(&d, "\ta\t,b\n\"q\"\t,z\n", NULL);
    EXPECT_ROW(&d, 1, "\ta\t,b", "\ta\t", "b");
    /* libcsv quirk: only spaces may follow a closing quote, so a tab there is
     * a syntax error. */
    EXPECT_ERR(&d, 2, RC_CSV_ROW_SYNTAX, "\"q\"\t,z", 0);
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(delimiter_only_records) {
    rd d;
    rd_str(&d, ",\n,,\n;\n", NULL);
    EXPECT_ROW(&d, 1, ",", "", "");
    EXPECT_ROW(&d, 2, ",,", "", "", "");
    EXPECT_ROW(&d, 3, ";", ";");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(many_fields_in_one_row) {
    enum { N = 5000 };
    char *s = xmalloc(2 * N + 1);
    for (size_t i = 0; i < N; i++) {
        s[2 * i] = (char)('a' + i % 26);
        s[2 * i + 1] = ',';
    }
    s[2 * N - 1] = '\n';
    s[2 * N] = '\0';
    rd d;
    rd_str(&d, s, NULL);
    ck_assert_int_eq(next(&d), RC_CSV_HAVE_ROW);
    ck_assert_int_eq(d.row.error, RC_CSV_ROW_OK);
    ck_assert_uint_eq(d.row.nfields, N);
    for (size_t i = 0; i < N; i++) {
        ck_assert_uint_eq(d.row.lens[i], 1);
        ck_assert_int_eq(d.row.fields[i][0], 'a' + (int)(i % 26));
        ck_assert_int_eq(d.row.fields[i][1], '\0');
    }
    EXPECT_EOF(&d);
    rd_close(&d);
    free(s);
}
END_TEST

START_TEST(syntax_error_does_not_poison_the_next_row) {
    rd d;
    rd_str(&d, "\"a\"b,c\nd,e\na\"\"b\n\"f\",g\n\"x\" \"y\"\nh\n", NULL);
    EXPECT_ERR(&d, 1, RC_CSV_ROW_SYNTAX, "\"a\"b,c", 0);
    EXPECT_ROW(&d, 2, "d,e", "d", "e");
    EXPECT_ERR(&d, 3, RC_CSV_ROW_SYNTAX, "a\"\"b", 0);
    EXPECT_ROW(&d, 4, "\"f\",g", "f", "g");
    EXPECT_ERR(&d, 5, RC_CSV_ROW_SYNTAX, "\"x\" \"y\"", 0);
    EXPECT_ROW(&d, 6, "h", "h");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(unterminated_quote_at_eof_without_newline) {
    rd d;
    rd_str(&d, "ok\n\"abc", NULL);
    EXPECT_ROW(&d, 1, "ok", "ok");
    EXPECT_ERR(&d, 2, RC_CSV_ROW_SYNTAX, "\"abc", 0);
    EXPECT_EOF(&d);
    rd_close(&d);
    rd_str(&d, "\"a\"\"", NULL); /* the escaped quote does not close it */
    EXPECT_ERR(&d, 1, RC_CSV_ROW_SYNTAX, "\"a\"\"", 0);
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(utf8_boundaries) {
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"\x7f", true},
        {"\xc2\x80", true},
        {"\xdf\xbf", true},
        {"\xe0\xa0\x80", true},
        {"\xed\x9f\xbf", true}, /* U+D7FF */
        {"\xee\x80\x80", true}, /* U+E000 */
        {"\xef\xbf\xbf", true},
        {"\xf0\x90\x80\x80", true},
        {"\xf4\x8f\xbf\xbf", true}, /* U+10FFFF */
        {"\xc1\xbf", false},
        {"\xe0\x9f\xbf", false},
        {"\xed\xa0\x80", false}, /* U+D800 */
        {"\xed\xbf\xbf", false}, /* U+DFFF */
        {"\xf0\x8f\xbf\xbf", false},
        {"\xf4\x90\x80\x80", false},
        {"\xf5\x80\x80\x80", false},
        {"\xc2", false},
        {"\xe2\x82", false},
        {"\xf0\x9f\x92", false},
        {"\xc2\x41", false},
        {"\xe2\x41\xac", false},
        {"\xf0\x9f\x41\xb6", false},
        {"\xf0\x9f\x92\x41", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* Behind prefixes of every length, so the 8-byte ASCII fast path
         * hands over at every offset. */
        for (size_t pre = 0; pre < 17; pre++) {
            char line[64];
            snprintf(line, sizeof line, "x,%.*s%s\n", (int)pre, "abcdefghijklmnopq", cases[i].s);
            rd d;
            rd_str(&d, line, NULL);
            ck_assert_int_eq(next(&d), RC_CSV_HAVE_ROW);
            ck_assert_msg(d.row.error == (cases[i].ok ? RC_CSV_ROW_OK : RC_CSV_ROW_UTF8),
                          "case %zu prefix %zu: %s", i, pre, rc_csv_row_errcode(d.row.error));
            if (!cases[i].ok) ck_assert_uint_eq(d.row.error_field, 1);
            rd_close(&d);
        }
    }
}
END_TEST

/* ---- binary detection and NUL bytes -------------------------------------------- */

/* 8 KiB of "a,b\n" lines, then `tail` placed so its first byte is at `at`. */
static size_t nul_input(char *buf, size_t at, const char *tail, size_t tail_len) {
    for (size_t i = 0; i < at; i++)
        buf[i] = "a,b\n"[i % 4];
    memcpy(buf + at, tail, tail_len);
    return at + tail_len;
}

START_TEST(nul_in_first_8k_is_binary_and_sticky) {
    static char buf[9000];
    const size_t n = nul_input(buf, 8188, "xyz\0\nok\n", 8); /* NUL at byte 8191 */
    rd d;
    rd_mem(&d, buf, n, NULL);
    EXPECT_RC(&d, RC_CSV_EBINARY);
    rd_close(&d);
}
END_TEST

START_TEST(nul_after_8k_is_a_row_error) {
    static char buf[9000];
    const size_t n = nul_input(buf, 8188, "x,yz\0w\nok\n", 10); /* NUL at byte 8192 */
    rd d;
    rd_mem(&d, buf, n, NULL);
    for (uint64_t line = 1; line <= 2047; line++)
        EXPECT_ROW(&d, line, "a,b", "a", "b");
    EXPECT_ERR(&d, 2048, RC_CSV_ROW_UTF8, NULL, 1);
    ck_assert_uint_eq(d.row.raw_len, 6);
    ck_assert_uint_eq(d.row.lens[1], 4);
    ck_assert_mem_eq(d.row.fields[1], "yz\0w", 5);
    EXPECT_ROW(&d, 2049, "ok", "ok");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(nul_breaking_the_quoting_is_a_syntax_error) {
    static char buf[9000];
    const size_t n = nul_input(buf, 8192, "\"q\"\0,x\nok\n", 10);
    rd d;
    rd_mem(&d, buf, n, NULL);
    for (uint64_t line = 1; line <= 2048; line++)
        EXPECT_ROW(&d, line, "a,b", "a", "b");
    EXPECT_ERR(&d, 2049, RC_CSV_ROW_SYNTAX, NULL, 0);
    ck_assert_uint_eq(d.row.raw_len, 6);
    EXPECT_ROW(&d, 2050, "ok", "ok");
    rd_close(&d);
}
END_TEST

START_TEST(binary_sniff_spans_short_reads) {
    /* A pipe or socket may hand over the first 8 KiB in small pieces; the
     * NUL must still be seen before any row comes out. */
    static char buf[9000];
    const size_t n = nul_input(buf, 8000, "\0", 1);
    int fd;
    const pid_t pid = feed_in_pieces(buf, n, 100, 7, &fd);
    rc_csv *r;
    rc_csv_row row;
    ck_assert_int_eq(rc_csv_open_fd(fd, NULL, &r), 0);
    ck_assert_int_eq(rc_csv_next(r, &row), RC_CSV_EBINARY);
    rc_csv_close(r);
    feed_done(fd, pid);
}
END_TEST

/* ---- limits --------------------------------------------------------------------- */

START_TEST(max_field_limit) {
    const rc_csv_opts o = {.max_field = 4};
    rd d;
    rd_str(&d, "abcd,abcde\n\"abcd\",x\n\"ab\"\"c\",y\nabc\xff\xff,z\n", &o);
    EXPECT_ERR(&d, 1, RC_CSV_ROW_FIELD_LARGE, "abcd,abcde", 1);
    ck_assert_str_eq(d.row.fields[0], "abcd");
    ck_assert_str_eq(d.row.fields[1], "abcde");
    EXPECT_ROW(&d, 2, "\"abcd\",x", "abcd", "x"); /* the limit is on unquoted bytes */
    EXPECT_ROW(&d, 3, "\"ab\"\"c\",y", "ab\"c", "y");
    /* Too large and invalid UTF-8: the size is reported. */
    EXPECT_ERR(&d, 4, RC_CSV_ROW_FIELD_LARGE, "abc\xff\xff,z", 0);
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

START_TEST(max_record_limit) {
    const rc_csv_opts o = {.max_record = 10};
    rd d;
    rd_str(&d, "0123456789\n01234567890\n\"a\nb\"\"\",cdefgh\nok\n", &o);
    EXPECT_ROW(&d, 1, "0123456789", "0123456789"); /* exactly at the limit */
    EXPECT_ERR(&d, 2, RC_CSV_ROW_TOO_LARGE, "01234567890", 0);
    ck_assert_ptr_nonnull(d.row.fields);
    EXPECT_ERR(&d, 3, RC_CSV_ROW_TOO_LARGE, "\"a\nb\"\"\",cdefgh", 0);
    EXPECT_ROW(&d, 5, "ok", "ok");
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

/* A 20 MB record with one quoted field holding `nl` newlines, then a short row. */
static size_t huge_line(char **out, size_t nl) {
    const size_t big = 20 * 1000 * 1000;
    char *s = xmalloc(big + 64);
    for (size_t i = 0; i < big; i++)
        s[i] = (char)('a' + i % 26);
    s[1000] = ',';
    s[1001] = '"';
    for (size_t k = 0; k < nl; k++)
        s[1002 + k * 7] = '\n';
    s[big - 2] = '"';
    s[big - 1] = ',';
    memcpy(s + big, "\r\nnext,row\r\n", 12);
    *out = s;
    return big + 12;
}

START_TEST(huge_single_line_is_too_large_and_reading_goes_on) {
    char *s;
    const size_t n = huge_line(&s, 0);
    tmpfile_t t;
    tmp_write(&t, s, n);
    const rc_csv_opts small = {.max_record = 64 * 1024};
    for (int pass = 0; pass < 2; pass++) {
        rd d;
        rd_file(&d, t.path, pass == 0 ? &small : NULL); /* then the default 16 MiB */
        ck_assert_int_eq(next(&d), RC_CSV_HAVE_ROW);
        ck_assert_int_eq(d.row.error, RC_CSV_ROW_TOO_LARGE);
        ck_assert_uint_eq(d.row.line, 1);
        ck_assert_uint_eq(d.row.nfields, 0);
        ck_assert_uint_eq(d.row.raw_len, RC_CSV_RAW_KEEP);
        ck_assert_mem_eq(d.row.raw, s, RC_CSV_RAW_KEEP);
        ck_assert_int_eq(d.row.raw[RC_CSV_RAW_KEEP], '\0');
        EXPECT_ROW(&d, 2, "next,row", "next", "row");
        EXPECT_EOF(&d);
        ck_assert_uint_eq(rc_csv_bytes(d.r), n);
        rd_close(&d);
    }
    tmp_remove(&t);
    free(s);
}
END_TEST

/* Writes a file of one `mb`-megabyte line and a short one, a megabyte at a
 * time so that this process stays small. */
static void write_long_line(tmpfile_t *t, size_t mb) {
    tmp_write(t, "", 0);
    FILE *f = fopen(t->path, "wb");
    ck_assert_ptr_nonnull(f);
    char *block = xmalloc(1000 * 1000);
    memset(block, 'x', 1000 * 1000);
    for (size_t i = 0; i < mb; i++)
        ck_assert_uint_eq(fwrite(block, 1, 1000 * 1000, f), 1000 * 1000);
    ck_assert_int_gt(fputs("\nok\n", f), 0);
    ck_assert_int_eq(fclose(f), 0);
    free(block);
}

/* Peak resident memory (KiB) of a child that reads path to the end. */
static long peak_rss_reading(const char *path, const rc_csv_opts *o) {
    const pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const int fd = open(path, O_RDONLY);
        rc_csv *r;
        rc_csv_row row;
        if (fd < 0 || rc_csv_open_fd(fd, o, &r) != 0) _exit(2);
        size_t rows = 0;
        int rc;
        while ((rc = rc_csv_next(r, &row)) == RC_CSV_HAVE_ROW)
            rows++;
        _exit(rc == RC_CSV_EOF && rows == 2 ? 0 : 1);
    }
    int status;
    struct rusage ru;
    ck_assert_int_eq(wait4(pid, &status, 0, &ru), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return ru.ru_maxrss;
}

START_TEST(memory_stays_bounded_on_a_huge_line) {
    /* Only the difference counts: sanitizers make the baseline large. A
     * limit above the chunk size makes the reader buffer several chunks
     * before it knows the record is too large. */
    const rc_csv_opts o = {.max_record = 1024 * 1024};
    tmpfile_t small, huge;
    write_long_line(&small, 1);
    write_long_line(&huge, 40);
    const long base = peak_rss_reading(small.path, &o);
    const long peak = peak_rss_reading(huge.path, &o);
    ck_assert_msg(peak - base < 8 * 1024, "reading a 40 MB line took %ld KiB more than 1 MB",
                  peak - base);
    tmp_remove(&small);
    tmp_remove(&huge);
}
END_TEST

START_TEST(lines_inside_a_too_large_record_are_still_counted) {
    char *s;
    const size_t n = huge_line(&s, 1000);
    rd d;
    rd_mem(&d, s, n, NULL);
    EXPECT_ERR(&d, 1, RC_CSV_ROW_TOO_LARGE, NULL, 0);
    ck_assert_mem_eq(d.row.raw, s, RC_CSV_RAW_KEEP);
    EXPECT_ROW(&d, 1002, "next,row", "next", "row");
    EXPECT_EOF(&d);
    rd_close(&d);
    free(s);
}
END_TEST

START_TEST(unterminated_quote_over_max_record_is_syntax_with_raw_kept) {
    const size_t n = 3 * CHUNK;
    char *s = xmalloc(n);
    memcpy(s, "ok\nx,\"", 6);
    for (size_t i = 6; i < n; i++)
        s[i] = (i % 100 == 0) ? '\n' : 'q';
    tmpfile_t t;
    tmp_write(&t, s, n);
    const rc_csv_opts o = {.max_record = CHUNK};
    rd d;
    rd_file(&d, t.path, &o);
    EXPECT_ROW(&d, 1, "ok", "ok");
    EXPECT_ERR(&d, 2, RC_CSV_ROW_SYNTAX, NULL, 0);
    ck_assert_uint_eq(d.row.raw_len, RC_CSV_RAW_KEEP);
    ck_assert_mem_eq(d.row.raw, s + 3, RC_CSV_RAW_KEEP);
    EXPECT_EOF(&d);
    rd_close(&d);
    tmp_remove(&t);
    free(s);
}
END_TEST

/* ---- chunk boundaries ------------------------------------------------------------ */

/* "id," and filler up to byte CHUNK - 1, where `tail` starts. */
static size_t boundary_input(char **out, const char *tail) {
    const size_t tl = strlen(tail);
    char *s = xmalloc(CHUNK + tl + 1);
    memcpy(s, "id,", 3);
    for (size_t i = 3; i < CHUNK - 1; i++)
        s[i] = 'A';
    memcpy(s + CHUNK - 1, tail, tl + 1);
    *out = s;
    return CHUNK - 1 + tl;
}

static void expect_filler_row(rd *d, uint64_t line, const char *s) {
    ck_assert_int_eq(next(d), RC_CSV_HAVE_ROW);
    ck_assert_int_eq(d->row.error, RC_CSV_ROW_OK);
    ck_assert_uint_eq(d->row.line, line);
    ck_assert_uint_eq(d->row.raw_len, CHUNK - 1);
    ck_assert_mem_eq(d->row.raw, s, CHUNK - 1);
    ck_assert_uint_eq(d->row.nfields, 2);
    ck_assert_uint_eq(d->row.lens[1], CHUNK - 4);
}

START_TEST(crlf_split_across_chunks_is_one_line_end) {
    char *s;
    const size_t n = boundary_input(&s, "\r\n2,z\r\n");
    tmpfile_t t;
    tmp_write(&t, s, n);
    rd d;
    rd_file(&d, t.path, NULL);
    expect_filler_row(&d, 1, s);
    EXPECT_ROW(&d, 2, "2,z", "2", "z");
    EXPECT_EOF(&d);
    rd_close(&d);
    tmp_remove(&t);
    free(s);
}
END_TEST

START_TEST(cr_at_chunk_end_without_lf) {
    char *s;
    const size_t n = boundary_input(&s, "\r2,z\r\r3\r");
    tmpfile_t t;
    tmp_write(&t, s, n);
    rd d;
    rd_file(&d, t.path, NULL);
    expect_filler_row(&d, 1, s);
    EXPECT_ROW(&d, 2, "2,z", "2", "z");
    EXPECT_ROW(&d, 4, "3", "3");
    EXPECT_EOF(&d);
    rd_close(&d);
    tmp_remove(&t);
    free(s);
}
END_TEST

START_TEST(quoted_crlf_split_across_chunks_counts_one_line) {
    char *s;
    const size_t n = boundary_input(&s, "\r\ntail\",x\r\n3,y\r\n");
    s[3] = '"'; /* the filler field is now quoted and holds the CRLF */
    tmpfile_t t;
    tmp_write(&t, s, n);
    rd d;
    rd_file(&d, t.path, NULL);
    ck_assert_int_eq(next(&d), RC_CSV_HAVE_ROW);
    ck_assert_int_eq(d.row.error, RC_CSV_ROW_OK);
    ck_assert_uint_eq(d.row.line, 1);
    ck_assert_uint_eq(d.row.raw_len, CHUNK - 1 + 9);
    ck_assert_mem_eq(d.row.raw, s, d.row.raw_len);
    ck_assert_uint_eq(d.row.nfields, 3);
    ck_assert_uint_eq(d.row.lens[1], CHUNK - 5 + 6);
    ck_assert_mem_eq(d.row.fields[1] + CHUNK - 5, "\r\ntail", 7);
    ck_assert_str_eq(d.row.fields[2], "x");
    EXPECT_ROW(&d, 3, "3,y", "3", "y");
    EXPECT_EOF(&d);
    rd_close(&d);
    tmp_remove(&t);
    free(s);
}
END_TEST

START_TEST(record_spanning_several_chunks) {
    /* A 600 KB record across three chunks, with quoted line breaks in it. */
    const size_t flen = 600 * 1000;
    char *s = xmalloc(flen + 64);
    size_t n = 0;
    memcpy(s, "h\n1,\"", 5);
    n = 5;
    for (size_t i = 0; i < flen; i++)
        s[n++] = (i % 1000 == 999) ? '\n' : (char)('0' + i % 10);
    memcpy(s + n, "\",end\nlast\n", 11);
    n += 11;
    tmpfile_t t;
    tmp_write(&t, s, n);
    rd d;
    rd_file(&d, t.path, NULL);
    EXPECT_ROW(&d, 1, "h", "h");
    ck_assert_int_eq(next(&d), RC_CSV_HAVE_ROW);
    ck_assert_int_eq(d.row.error, RC_CSV_ROW_OK);
    ck_assert_uint_eq(d.row.line, 2);
    ck_assert_uint_eq(d.row.raw_len, flen + 8);
    ck_assert_mem_eq(d.row.raw, s + 2, flen + 8);
    ck_assert_uint_eq(d.row.nfields, 3);
    ck_assert_str_eq(d.row.fields[0], "1");
    ck_assert_uint_eq(d.row.lens[1], flen);
    ck_assert_mem_eq(d.row.fields[1], s + 5, flen);
    ck_assert_str_eq(d.row.fields[2], "end");
    EXPECT_ROW(&d, 2 + flen / 1000 + 1, "last", "last");
    EXPECT_EOF(&d);
    rd_close(&d);
    tmp_remove(&t);
    free(s);
}
END_TEST

START_TEST(skip_lines_counts_crlf_split_across_chunks_once) {
    char *s;
    const size_t n = boundary_input(&s, "\r\nid,amount\r\n1,2\r\n");
    s[5] = '"'; /* preambles may hold a lone quote */
    tmpfile_t t;
    tmp_write(&t, s, n);
    const rc_csv_opts o = {.skip_lines = 1};
    rd d;
    rd_file(&d, t.path, &o);
    EXPECT_ROW(&d, 2, "id,amount", "id", "amount");
    EXPECT_ROW(&d, 3, "1,2", "1", "2");
    EXPECT_EOF(&d);
    rd_close(&d);
    tmp_remove(&t);
    free(s);
}
END_TEST

START_TEST(skip_lines_edge_cases) {
    const rc_csv_opts one = {.skip_lines = 1}, many = {.skip_lines = 10};
    rd d;
    rd_str(&d, BOM "title \"x\nid\n", &one); /* BOM first, then the lines */
    EXPECT_ROW(&d, 2, "id", "id");
    EXPECT_EOF(&d);
    rd_close(&d);
    rd_str(&d, "a\nb\r\nc\r", &many); /* fewer lines than skip_lines */
    EXPECT_EOF(&d);
    rd_close(&d);
    rd_str(&d, "title\n\nid\n", &one); /* a blank line after the preamble is still blank */
    EXPECT_ROW(&d, 3, "id", "id");
    EXPECT_EOF(&d);
    rd_close(&d);
    rd_str(&d, "a\r\n", &one);
    EXPECT_EOF(&d);
    rd_close(&d);
}
END_TEST

/* The same rows whether the input comes from memory in one piece or from a
 * socket a few bytes at a time. */
static void expect_same_rows_in_pieces(const void *buf, size_t len, const rc_csv_opts *o,
                                       size_t maxpiece, uint64_t seed) {
    tbuf want = {0}, got = {0};
    rc_csv *r;
    ck_assert_int_eq(rc_csv_open_mem(buf, len, o, &r), 0);
    const int rc = transcript(r, o, &want);
    rc_csv_close(r);

    int fd;
    const pid_t pid = feed_in_pieces(buf, len, maxpiece, seed, &fd);
    ck_assert_int_eq(rc_csv_open_fd(fd, o, &r), 0);
    ck_assert_int_eq(transcript(r, o, &got), rc);
    if (rc == RC_CSV_EOF) ck_assert_uint_eq(rc_csv_bytes(r), len);
    rc_csv_close(r);
    feed_done(fd, pid);

    ck_assert_msg(want.len == got.len && memcmp(want.p, got.p, want.len) == 0,
                  "rows differ when read in pieces of up to %zu bytes (seed %llu)", maxpiece,
                  (unsigned long long)seed);
    free(want.p);
    free(got.p);
}

START_TEST(one_byte_reads_give_the_same_rows) {
    static const char input[] =
        "\xef\xbb\xbfid,memo\r\n1,\"a\r\nb\"\r\n\r\n2,\"x\"\"y\",\"\"\r3,\"open\rnot closed\n"
        "\"\n4,ok\n\n   \n5,\xc3\xa9,\xc3\n\"bad\"x\n6,last";
    for (size_t maxpiece = 1; maxpiece <= 4; maxpiece++) {
        expect_same_rows_in_pieces(input, sizeof input - 1, &(rc_csv_opts){0}, maxpiece, 1);
        expect_same_rows_in_pieces(input, sizeof input - 1, &(rc_csv_opts){.skip_lines = 2},
                                   maxpiece, 2);
        expect_same_rows_in_pieces(input, sizeof input - 1, &(rc_csv_opts){.max_record = 6},
                                   maxpiece, 3);
    }
}
END_TEST

/* ---- the hashing hook and progress ----------------------------------------------- */

static size_t sample_csv(char **out, size_t rows) {
    char *s = xmalloc(rows * 64);
    size_t n = 0;
    for (size_t i = 0; i < rows; i++)
        n += (size_t)sprintf(s + n, "%zu,\"memo %zu\",%zu.%02zu\r\n", i, i * 7, i, i % 100);
    *out = s;
    return n;
}

START_TEST(on_bytes_sees_exactly_the_file) {
    char *s;
    const size_t n = sample_csv(&s, 30000); /* several chunks */
    ck_assert_uint_gt(n, 3 * CHUNK);
    fnv want = {0xcbf29ce484222325u, 0};
    fnv_add(&want, s, n);
    tmpfile_t t;
    tmp_write(&t, s, n);
    for (int pass = 0; pass < 2; pass++) {
        fnv got = {0xcbf29ce484222325u, 0};
        const rc_csv_opts o = {.on_bytes = on_bytes_fnv, .payload = &got};
        rd d;
        if (pass == 0)
            rd_file(&d, t.path, &o);
        else
            rd_mem(&d, s, n, &o);
        ck_assert_uint_eq(rc_csv_bytes(d.r), 0);
        size_t rows = 0;
        while (next(&d) == RC_CSV_HAVE_ROW) {
            ck_assert_int_eq(d.row.error, RC_CSV_ROW_OK);
            ck_assert_uint_eq(d.row.line, ++rows);
            ck_assert_uint_le(rc_csv_bytes(d.r), n);
        }
        ck_assert_uint_eq(rows, 30000);
        ck_assert_uint_eq(got.n, n);
        ck_assert_uint_eq(got.hash, want.hash);
        ck_assert_uint_eq(rc_csv_bytes(d.r), n);
        rd_close(&d);
    }
    tmp_remove(&t);
    free(s);
}
END_TEST

START_TEST(read_error_is_eio_with_errno) {
    const int fd = open(".", O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    rc_csv *r;
    rc_csv_row row;
    ck_assert_int_eq(rc_csv_open_fd(fd, NULL, &r), 0);
    ck_assert_int_eq(rc_csv_next(r, &row), RC_CSV_EIO);
    ck_assert_int_eq(rc_csv_errno(r), EISDIR);
    ck_assert_int_eq(rc_csv_next(r, &row), RC_CSV_EIO);
    rc_csv_close(r);
    close(fd);
}
END_TEST

/* ---- API odds and ends --------------------------------------------------------------- */

START_TEST(error_codes_and_messages) {
    static const char *const codes[] = {"ok", "csv_syntax", "invalid_utf8", "field_too_large",
                                        "row_too_large"};
    for (int e = RC_CSV_ROW_OK; e <= RC_CSV_ROW_TOO_LARGE; e++) {
        ck_assert_str_eq(rc_csv_row_errcode(e), codes[e]);
        ck_assert_uint_gt(strlen(rc_csv_row_errmsg(e)), 10);
    }
    ck_assert_str_eq(rc_csv_row_errcode(99), "unknown");
    ck_assert_ptr_nonnull(rc_csv_row_errmsg(-1));
}
END_TEST

START_TEST(readers_are_independent) {
    const rc_csv_opts semi = {.delim = ';'};
    rd a, b;
    rd_str(&a, "1,2\n\"x\ny\",3\nz\n", NULL);
    rd_str(&b, "\n1;2\n\"p;\";q\n", &semi);
    EXPECT_ROW(&a, 1, "1,2", "1", "2");
    EXPECT_ROW(&b, 2, "1;2", "1", "2");
    EXPECT_ROW(&a, 2, "\"x\ny\",3", "x\ny", "3");
    EXPECT_ROW(&b, 3, "\"p;\";q", "p;", "q");
    EXPECT_EOF(&b);
    EXPECT_ROW(&a, 4, "z", "z");
    EXPECT_EOF(&a);
    rd_close(&a);
    rd_close(&b);
    rc_csv_close(NULL);
}
END_TEST

/* ---- fuzz ------------------------------------------------------------------------------- */

/* Random bytes biased to what CSV parsing cares about. */
static size_t fuzz_input(uint64_t *seed, unsigned char *buf, size_t max) {
    static const unsigned char alphabet[] = {
        '"',  '"',  '\r', '\n', '\n', ',',  ',',  ';',  '\t', '|',  ' ',  'a',  'b',  '1',
        0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0xf0, 0x9f, 0xff, 0x80, 0xef, 0xbb, 0xbf};
    const size_t n = (size_t)(xorshift(seed) % (max + 1));
    const bool nuls = xorshift(seed) % 16 == 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t x = xorshift(seed);
        if (x % 4 == 0)
            buf[i] = (unsigned char)(1 + (x >> 8) % 255);
        else
            buf[i] = alphabet[(x >> 8) % sizeof alphabet];
        if (nuls && (x >> 20) % 100 == 0) buf[i] = 0;
    }
    return n;
}

static rc_csv_opts fuzz_opts(uint64_t *seed) {
    static const char delims[] = {0, ',', ';', '\t', '|'};
    static const size_t limits[] = {0, 0, 3, 40, 300};
    const uint64_t x = xorshift(seed);
    return (rc_csv_opts){.delim = delims[x % 5],
                         .skip_lines = (x >> 8) % 8 == 0 ? (x >> 12) % 3 : 0,
                         .max_field = limits[(x >> 16) % 5],
                         .max_record = limits[(x >> 24) % 5]};
}

START_TEST(fuzz_random_inputs_never_break_invariants) {
    static unsigned char buf[2000];
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int iter = 0; iter < 2000; iter++) {
        const size_t n = fuzz_input(&seed, buf, sizeof buf);
        const rc_csv_opts o = fuzz_opts(&seed);
        rc_csv *r;
        ck_assert_int_eq(rc_csv_open_mem(buf, n, &o, &r), 0);
        tbuf tb = {0};
        const int rc = transcript(r, &o, &tb);
        ck_assert_msg(rc == RC_CSV_EOF || rc == RC_CSV_EBINARY, "iteration %d: rc %d", iter, rc);
        rc_csv_close(r);
        free(tb.p);
    }
}
END_TEST

/* ---- conversion (opts.encoding) ------------------------------------------------ */

static void count_bytes(const void *buf, size_t len, void *payload) {
    (void)buf;
    *(uint64_t *)payload += len;
}

/* Every row's fields joined with '|' and rows with '\n'; errors as '!'. */
static char *all_rows(rc_csv *r) {
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    rc_csv_row row;
    int rc;
    while ((rc = rc_csv_next(r, &row)) == RC_CSV_HAVE_ROW) {
        size_t nf = row.error ? 1 : row.nfields;
        for (size_t i = 0; i < nf; i++) {
            const char *f = row.error ? "!" : row.fields[i];
            size_t n = row.error ? 1 : row.lens[i];
            while (len + n + 2 > cap)
                ck_assert_ptr_nonnull(out = realloc(out, cap *= 2));
            memcpy(out + len, f, n);
            len += n;
            out[len++] = i + 1 < nf ? '|' : '\n';
        }
    }
    ck_assert_int_eq(rc, RC_CSV_EOF);
    out[len] = '\0';
    return out;
}

/* A Windows-1252 file three chunks long, whose text grows when converted
 * (é and € are 2 and 3 bytes in UTF-8), read from a file and through
 * reads of 1 to 97 bytes: the same rows as the UTF-8 text read directly;
 * the hashing hook and rc_csv_bytes see the file's own bytes. */
START_TEST(windows_1252_converts_across_chunks_and_short_reads) {
    size_t n = 0, u = 0, cap = 3 * CHUNK + 4096;
    char *cp = malloc(cap), *utf = malloc(2 * cap);
    ck_assert(cp && utf);
    for (int i = 0; n < 3 * CHUNK; i++) {
        n += (size_t)snprintf(cp + n, cap - n, "%d,caf\xe9 \x80%d,\"cr\xe8me, br\xfbl\xe9\"\n", i,
                              i);
        u += (size_t)snprintf(
            utf + u, 2 * cap - u,
            "%d,caf\xc3\xa9 \xe2\x82\xac%d,\"cr\xc3\xa8me, br\xc3\xbbl\xc3\xa9\"\n", i, i);
    }
    rd want;
    rd_mem(&want, utf, u, NULL);
    char *expected = all_rows(want.r);
    rd_close(&want);

    char dir[256], path[512];
    tu_tmpdir(dir, sizeof dir);
    tu_write_file(dir, "cp.csv", cp, n, path, sizeof path);
    uint64_t seen = 0;
    const rc_csv_opts o = {.encoding = "WINDOWS-1252", .on_bytes = count_bytes, .payload = &seen};
    rd f;
    rd_file(&f, path, &o);
    char *got = all_rows(f.r);
    ck_assert_uint_eq(rc_csv_bytes(f.r), n);
    ck_assert_uint_eq(seen, n);
    rd_close(&f);
    ck_assert(strcmp(got, expected) == 0);
    free(got);

    int fd;
    pid_t pid = feed_in_pieces(cp, n, 97, 7, &fd);
    rc_csv *r;
    ck_assert_int_eq(rc_csv_open_fd(fd, &o, &r), 0);
    got = all_rows(r);
    rc_csv_close(r);
    feed_done(fd, pid);
    ck_assert(strcmp(got, expected) == 0);
    free(got);
    free(expected);
    free(cp);
    free(utf);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* UTF-16 with its byte order mark, both byte orders, a character outside
 * the BMP (a surrogate pair) among them, fed a few bytes per read so that
 * code units and pairs are split; an odd byte at the end and an undefined
 * Windows-1252 byte each become a row the UTF-8 check rejects. */
START_TEST(utf16_and_undefined_bytes) {
    static const char le[] = "\xff\xfe"
                             "a\0,\0\xe9\0\n\0"
                             "b\0,\0\x3d\xd8\xb6\xdc\n\0";
    static const char be[] = "\xfe\xff"
                             "\0a\0,\0\xe9\0\n"
                             "\0b\0,\xd8\x3d\xdc\xb6\0\n";
    const char *want = "a|\xc3\xa9\nb|\xf0\x9f\x92\xb6\n";
    const rc_csv_opts o = {.encoding = "UTF-16"};
    for (int k = 0; k < 2; k++) {
        for (size_t piece = 1; piece <= 5; piece++) {
            int fd;
            pid_t pid = feed_in_pieces(k ? be : le, sizeof le - 1, piece, 3, &fd);
            rc_csv *r;
            ck_assert_int_eq(rc_csv_open_fd(fd, &o, &r), 0);
            char *got = all_rows(r);
            rc_csv_close(r);
            feed_done(fd, pid);
            ck_assert_msg(!strcmp(got, want), "%s, pieces of %zu: [%s]", k ? "BE" : "LE", piece,
                          got);
            free(got);
        }
    }
    /* A lone surrogate is one bad code unit: its row is rejected, and the
     * rows after it read as they were written (nothing shifted). */
    rd d;
    static const char lone[] = "\xff\xfe"
                               "x\0\x3d\xd8\n\0"
                               "a\0,\0b\0\n\0";
    rd_mem(&d, lone, sizeof lone - 1, &o);
    char *got0 = all_rows(d.r);
    ck_assert_str_eq(got0, "!\na|b\n");
    free(got0);
    rd_close(&d);
    rd_mem(&d,
           "\xff\xfe"
           "a\0\n\0b",
           7, &o);
    char *got = all_rows(d.r);
    ck_assert_str_eq(got, "a\n!\n");
    free(got);
    rd_close(&d);
    const rc_csv_opts cp = {.encoding = "WINDOWS-1252"};
    rd_str(&d, "x,\x81\ny,\xe9\n", &cp);
    got = all_rows(d.r);
    ck_assert_str_eq(got, "!\ny|\xc3\xa9\n");
    free(got);
    rd_close(&d);
    rc_csv *r = NULL;
    const rc_csv_opts bad = {.encoding = "NO-SUCH-CHARSET"};
    ck_assert_int_eq(rc_csv_open_mem("a", 1, &bad, &r), RC_CSV_EENCODING);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(fuzz_short_reads_give_the_same_rows) {
    static unsigned char buf[2000];
    uint64_t seed = 0x2545f4914f6cdd1du;
    for (int iter = 0; iter < 300; iter++) {
        const size_t n = fuzz_input(&seed, buf, sizeof buf);
        const rc_csv_opts o = fuzz_opts(&seed);
        expect_same_rows_in_pieces(buf, n, &o, 1 + (size_t)(xorshift(&seed) % 16), seed);
    }
}
END_TEST

/* Records without quotes take a fast path that splits them without libcsv;
 * records with quotes go through libcsv. Both must split alike: a random
 * quote-free record (spaces, tabs, empty fields, UTF-8, delimiters of every
 * kind) is read as is, and again with a quoted empty field appended, which
 * sends it through libcsv. The fields before the extra one must agree. */
START_TEST(plain_fast_path_splits_exactly_as_libcsv) {
    static const char *const pieces[] = {"a", " ", "  ", "\t", "x y", "1.00", "\xc3\xa9",
                                         ",", ";", "|",  "",   "-5",  " z "};
    static const char delims[] = {',', ';', '\t', '|'};
    uint64_t seed = 42;
    for (int iter = 0; iter < 4000; iter++) {
        char plain[256] = "", quoted[260];
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        const int parts = 1 + (int)((seed >> 33) % 12);
        for (int k = 0; k < parts; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            strcat(plain, pieces[(seed >> 33) % (sizeof pieces / sizeof pieces[0])]);
        }
        if (!plain[0]) continue; /* no record at all */
        const char delim = delims[iter % 4];
        snprintf(quoted, sizeof quoted, "%s%c\"\"", plain, delim);
        const rc_csv_opts o = {.delim = delim};
        rd a, b;
        rd_str(&a, plain, &o);
        rd_str(&b, quoted, &o);
        ck_assert_int_eq(next(&a), RC_CSV_HAVE_ROW);
        ck_assert_int_eq(next(&b), RC_CSV_HAVE_ROW);
        ck_assert_int_eq(a.row.error, b.row.error);
        if (a.row.error == RC_CSV_ROW_OK) {
            ck_assert_msg(a.row.nfields + 1 == b.row.nfields, "[%s] delim %d: %zu vs %zu fields",
                          plain, delim, a.row.nfields, b.row.nfields);
            for (size_t i = 0; i < a.row.nfields; i++)
                ck_assert_msg(a.row.lens[i] == b.row.lens[i] &&
                                  memcmp(a.row.fields[i], b.row.fields[i], a.row.lens[i]) == 0,
                              "[%s] field %zu: [%s] vs [%s]", plain, i, a.row.fields[i],
                              b.row.fields[i]);
        }
        rd_close(&a);
        rd_close(&b);
    }
}
END_TEST

static Suite *csvread_suite(void) {
    Suite *s = suite_create("csvread");

    TCase *tc = tcase_create("fixtures");
    tcase_add_test(tc, fixture_quoted_delimiters_are_data);
    tcase_add_test(tc, fixture_doubled_quotes_unescape_to_one);
    tcase_add_test(tc, fixture_embedded_newlines_keep_physical_line_numbers);
    tcase_add_test(tc, fixture_cr_only_line_ends);
    tcase_add_test(tc, fixture_bom_is_skipped);
    tcase_add_test(tc, fixture_semicolon_delimiter);
    tcase_add_test(tc, fixture_tab_delimiter_is_never_trimmed_as_space);
    tcase_add_test(tc, fixture_pipe_delimiter);
    tcase_add_test(tc, fixture_trailing_blank_lines_yield_nothing);
    tcase_add_test(tc, fixture_leading_blank_lines_are_counted);
    tcase_add_test(tc, fixture_last_record_without_newline);
    tcase_add_test(tc, fixture_empty_fields_are_counted);
    tcase_add_test(tc, fixture_unterminated_quote_runs_to_eof_as_syntax_error);
    tcase_add_test(tc, fixture_quotes_in_unquoted_fields_are_syntax_errors);
    tcase_add_test(tc, fixture_invalid_utf8_names_the_field);
    tcase_add_test(tc, fixture_ragged_rows_keep_their_field_counts);
    tcase_add_test(tc, fixture_preamble_skipped_by_lines_ignoring_quotes);
    tcase_add_test(tc, fixture_preamble_not_skipped_swallows_the_file);
    tcase_add_test(tc, fixture_space_only_line_is_one_empty_field);
    tcase_add_test(tc, fixture_spaces_trimmed_outside_quotes_only);
    tcase_add_test(tc, fixture_mixed_line_terminators);
    tcase_add_test(tc, fixture_stray_quote_pair_joins_lines_into_one_bad_row);
    tcase_add_test(tc, fixture_stray_quotes_are_data_without_quoting);
    tcase_add_test(tc, fixture_utf16_and_binary_files_are_refused);
    tcase_add_test(tc, utf16_byte_order_marks_are_told_apart_from_binary);
    tcase_add_test(tc, fixture_empty_and_bom_only_files_are_eof);
    suite_add_tcase(s, tc);

    tc = tcase_create("memory");
    tcase_add_test(tc, empty_input_is_eof_at_once);
    tcase_add_test(tc, only_a_bom_or_blank_lines_is_eof);
    tcase_add_test(tc, bom_only_skipped_at_the_very_start);
    tcase_add_test(tc, empty_quoted_field);
    tcase_add_test(tc, field_that_is_one_escaped_quote);
    tcase_add_test(tc, quoted_delimiter_cr_lf_crlf_inside_a_field);
    tcase_add_test(tc, spaces_around_quoted_fields_are_dropped);
    tcase_add_test(tc, tabs_are_data_in_comma_files);
    tcase_add_test(tc, delimiter_only_records);
    tcase_add_test(tc, many_fields_in_one_row);
    tcase_add_test(tc, syntax_error_does_not_poison_the_next_row);
    tcase_add_test(tc, unterminated_quote_at_eof_without_newline);
    tcase_add_test(tc, utf8_boundaries);
    tcase_add_test(tc, nul_in_first_8k_is_binary_and_sticky);
    tcase_add_test(tc, nul_after_8k_is_a_row_error);
    tcase_add_test(tc, nul_breaking_the_quoting_is_a_syntax_error);
    tcase_add_test(tc, binary_sniff_spans_short_reads);
    tcase_add_test(tc, max_field_limit);
    tcase_add_test(tc, max_record_limit);
    tcase_add_test(tc, skip_lines_edge_cases);
    tcase_add_test(tc, error_codes_and_messages);
    tcase_add_test(tc, readers_are_independent);
    tcase_add_test(tc, read_error_is_eio_with_errno);
    suite_add_tcase(s, tc);

    /* Big inputs: slow under the sanitizers. */
    tc = tcase_create("streaming");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, huge_single_line_is_too_large_and_reading_goes_on);
    tcase_add_test(tc, lines_inside_a_too_large_record_are_still_counted);
    tcase_add_test(tc, memory_stays_bounded_on_a_huge_line);
    tcase_add_test(tc, unterminated_quote_over_max_record_is_syntax_with_raw_kept);
    tcase_add_test(tc, crlf_split_across_chunks_is_one_line_end);
    tcase_add_test(tc, cr_at_chunk_end_without_lf);
    tcase_add_test(tc, quoted_crlf_split_across_chunks_counts_one_line);
    tcase_add_test(tc, record_spanning_several_chunks);
    tcase_add_test(tc, skip_lines_counts_crlf_split_across_chunks_once);
    tcase_add_test(tc, one_byte_reads_give_the_same_rows);
    tcase_add_test(tc, on_bytes_sees_exactly_the_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("fuzz");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, plain_fast_path_splits_exactly_as_libcsv);
    tcase_add_test(tc, fuzz_random_inputs_never_break_invariants);
    tcase_add_test(tc, fuzz_short_reads_give_the_same_rows);
    tcase_add_test(tc, windows_1252_converts_across_chunks_and_short_reads);
    tcase_add_test(tc, utf16_and_undefined_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return tu_run(csvread_suite());
}
