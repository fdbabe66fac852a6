/* detect: which built-in profile a file is written in. Reads the start of
 * the file once and asks every built-in profile whether it fits:
 *
 *   detect_line   the first line starts with the given text (BAI2 "01,",
 *                 MT940 "{1:" or ":20:") — the surest sign, scored highest;
 *   detect_text   the file's start holds the text (camt's XML namespace);
 *   [records]     a file of typed records with `detect`: its header
 *                 record (PayPal's CH) has all the columns, wherever it
 *                 comes in the first records; detect_line adds to it;
 *   detect        the header row has all these columns (and detect_first
 *                 as its first) and binds the profile — scored by how many
 *                 columns that is, so the more specific layout wins;
 *   header = no   the first row has the profile's column count, passes its
 *                 detect_row tests and its date column parses;
 *   otherwise     the header binds the profile's required columns: the
 *                 generic profiles, tried last.
 *
 * Two profiles with the same best score are a refusal, never a guess: the
 * message names them, and the near misses when nothing fits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "formats/csvread.h"
#include "profile/profile.h"
#include "util/builtin.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/strbuf.h"

#define SNIFF_BYTES (64 * 1024)

enum { SCORE_LINE = 1000, SCORE_DETECT = 100, SCORE_POSITIONS = 50, SCORE_GENERIC = 10 };

typedef struct {
    const char *name;
    int score;      /* 0: does not fit */
    char near[256]; /* for near misses: what is missing */
    int closeness;  /* near misses: per mille of the detect columns present */
} verdict;

static int starts_with_line(const char *buf, size_t len, const char *prefix) {
    size_t n = strlen(prefix);
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) buf += 3, len -= 3;
    return len >= n && memcmp(buf, prefix, n) == 0;
}

/* The first record the profile would read (after its preamble lines). */
static int first_record(const recon_profile *p, const char *buf, size_t len, rc_csv **r,
                        rc_csv_row *row) {
    rc_csv_opts o = {.delim = p->delim, .skip_lines = p->skip_lines};
    if (rc_csv_open_mem(buf, len, &o, r) != 0) return -1;
    if (rc_csv_next(*r, row) != RC_CSV_HAVE_ROW || row->error != RC_CSV_ROW_OK) return -1;
    return 0;
}

static int has_column(const rc_csv_row *row, const char *name) {
    for (size_t i = 0; i < row->nfields; i++)
        if (rc_header_match(row->fields[i], row->lens[i], name)) return 1;
    return 0;
}

static void judge_header(const recon_profile *p, const rc_csv_row *row, verdict *v) {
    rc_binding b;
    char msg[512];
    if (p->ndetect) {
        size_t have = 0;
        char missing[120] = "";
        for (size_t i = 0; i < p->ndetect; i++) {
            if (has_column(row, p->detect[i]))
                have++;
            else if (strlen(missing) + strlen(p->detect[i]) + 3 < sizeof missing)
                snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                         missing[0] ? ", " : "", p->detect[i]);
        }
        int first_ok =
            !p->detect_first ||
            (row->nfields && rc_header_match(row->fields[0], row->lens[0], p->detect_first));
        if (have == p->ndetect) {
            /* The first column tells apart two layouts with the same columns
             * when the file keeps its report's order: worth more than one
             * more column. A file in another order (columns chosen through
             * an API) still fits, by its columns. */
            if (rc_profile_bind(p, row->fields, row->lens, row->nfields, &b, msg, sizeof msg) == 0)
                v->score =
                    SCORE_DETECT + 10 * (int)p->ndetect + (p->detect_first && first_ok ? 15 : 0);
            else /* the layout's columns are there, but it cannot read them (e.g. one twice) */
                snprintf(v->near, sizeof v->near, "%.250s", msg);
        } else if (2 * have >= p->ndetect) {
            v->closeness = (int)(1000 * have / p->ndetect);
            snprintf(v->near, sizeof v->near, "%zu of %zu columns%s%s%s", have, p->ndetect,
                     missing[0] ? "; missing " : "", missing,
                     first_ok ? "" : "; another first column");
        }
        return;
    }
    if (rc_profile_bind(p, row->fields, row->lens, row->nfields, &b, msg, sizeof msg) == 0)
        v->score = SCORE_GENERIC;
}

static void judge_positions(const recon_profile *p, const rc_csv_row *row, verdict *v) {
    rc_binding b;
    char msg[64], out[RC_TIME_BUF];
    if (row->nfields != p->ncolumns || !p->ndetect_row ||
        rc_profile_bind(p, NULL, NULL, 0, &b, msg, sizeof msg) != 0)
        return;
    rc_cells cells = {row->fields, row->lens, row->nfields, b.slot_index};
    for (size_t i = 0; i < p->ndetect_row; i++) {
        size_t n;
        const char *s = rc_cells_get(&cells, p->detect_row[i].slot, &n);
        if (!rc_row_test_match(&p->detect_row[i], s, n)) return;
    }
    long d = b.index[RC_F_OCCURRED_AT];
    if (d < 0 || (size_t)d >= row->nfields ||
        rc_time_parse(row->fields[d], row->lens[d], &p->occurred_fmt, 0, out) != RC_TIME_OK)
        return;
    v->score = SCORE_POSITIONS + 10 * (int)p->ndetect_row;
}

/* The length of the profile's detect_line that starts the file (after a
 * BOM and, for statement formats, blank lines), or 0. */
static int first_line_is(const recon_profile *p, const char *buf, size_t len) {
    if (p->format != RC_FORMAT_CSV)
        while (len && (*buf == '\r' || *buf == '\n'))
            buf++, len--;
    for (size_t i = 0; i < p->ndetect_line; i++)
        if (starts_with_line(buf, len, p->detect_line[i])) return (int)strlen(p->detect_line[i]);
    return 0;
}

/* How many records of a typed-record file are read looking for its header
 * record: the report headers before it are a handful. */
#define RECORDS_BEFORE_HEADER 16

/* A file of typed records (PayPal's STL and TRR): its header record (CH),
 * wherever it comes in the first records, judged like a table's header
 * row. Extracts that start past the report header (at SH, say) are found
 * by it, and two layouts of one family tell themselves apart by their
 * columns, not by a first line they share. */
static void judge_records(const recon_profile *p, const char *buf, size_t len, verdict *v) {
    rc_csv_opts o = {.delim = p->delim, .skip_lines = p->skip_lines};
    rc_csv *r = NULL;
    rc_csv_row row;
    if (rc_csv_open_mem(buf, len, &o, &r) != 0) return;
    size_t type = p->slots.slot[p->record_slot].position - 1;
    for (int k = 0; k < RECORDS_BEFORE_HEADER && rc_csv_next(r, &row) == RC_CSV_HAVE_ROW; k++) {
        if (row.error != RC_CSV_ROW_OK || type >= row.nfields) continue;
        int is_header = 0;
        for (size_t i = 0; i < p->nrec_header; i++)
            is_header |= strlen(p->rec_header[i]) == row.lens[type] &&
                         strncasecmp(row.fields[type], p->rec_header[i], row.lens[type]) == 0;
        if (is_header) {
            judge_header(p, &row, v);
            break;
        }
    }
    rc_csv_close(r);
}

static void judge(const recon_profile *p, const char *buf, size_t len, verdict *v) {
    if (p->record_slot >= 0 && p->ndetect) {
        judge_records(p, buf, len, v);
        /* Its first line as well: surer still, but not required. */
        if (v->score && first_line_is(p, buf, len)) v->score += SCORE_LINE;
        return;
    }
    if (p->ndetect_line) {
        int k = first_line_is(p, buf, len);
        if (k) v->score = SCORE_LINE + k;
        return;
    }
    /* A text anywhere in the file's start: an XML namespace, which may
     * come after a declaration, comments or a BOM. */
    for (size_t i = 0; i < p->ndetect_text; i++)
        if (rc_find_bytes(buf, len, p->detect_text[i], strlen(p->detect_text[i]))) {
            v->score = SCORE_LINE + (int)strlen(p->detect_text[i]);
            return;
        }
    if (p->ndetect_text) return;
    if (p->format != RC_FORMAT_CSV || p->record_slot >= 0) return;
    rc_csv *r = NULL;
    rc_csv_row row;
    if (first_record(p, buf, len, &r, &row) == 0) {
        if (p->header)
            judge_header(p, &row, v);
        else
            judge_positions(p, &row, v);
    }
    rc_csv_close(r);
}

static int read_start(const char *path, char *buf, size_t *len, recon_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return rc_error_set(err, RECON_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t n = 0;
    while (n < SNIFF_BYTES) {
        ssize_t got = read(fd, buf + n, SNIFF_BYTES - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            return rc_error_set(err, RECON_EIO, "%s: read error: %s", path, strerror(e));
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    if (n == 0) return rc_error_set(err, RECON_EFORMAT, "%s: empty file", path);
    *len = n;
    return RECON_OK;
}

/* The file's start as the UTF-8 text it imports as (a UTF-16 or
 * Windows-1252 file converted, util/encoding.h); text, not binary. */
static int as_text(const char *path, char **buf, size_t *len, recon_error *err) {
    rc_enc_scan scan;
    rc_enc_scan_init(&scan);
    rc_enc_scan_feed(&scan, *buf, *len);
    const char *enc = rc_enc_scan_verdict(&scan);
    char *text;
    size_t text_len;
    if (rc_enc_converts(enc) && rc_enc_to_utf8(enc, *buf, *len, &text, &text_len) == 0) {
        free(*buf);
        *buf = text;
        *len = text_len;
    }
    if (memchr(*buf, '\0', *len < 8192 ? *len : 8192))
        return rc_error_set(err, RECON_EFORMAT, "%s: binary data (NUL bytes): not a text file",
                            path);
    return RECON_OK;
}

/* Lists verdicts with the given score (or near misses when score is 0). */
/* The tied winners by name; or the near misses, closest first (the share
 * of their columns the file has; then by name). */
static void list_names(const verdict *v, size_t n, int score, char *out, size_t size) {
    out[0] = '\0';
    for (int c = 1000; c >= (score ? 1000 : 0); c--)
        for (size_t i = 0; i < n; i++) {
            size_t used = strlen(out);
            if (score && v[i].score == score)
                snprintf(out + used, size - used, "%s%s", used ? ", " : "", v[i].name);
            else if (!score && v[i].near[0] && v[i].closeness == c)
                snprintf(out + used, size - used, "%s%s (%s)", used ? "; " : "", v[i].name,
                         v[i].near);
        }
}

/* Detection over the file's first bytes, buf[0..len) (malloc'd, taken). */
static int detect_start(const char *path, char *buf, size_t len, recon_error *err,
                        recon_profile **out);

int recon_profile_detect(const char *path, recon_error *err, recon_profile **out) {
    if (!path || !out)
        return rc_error_set(err, RECON_EMISUSE, "recon_profile_detect: NULL argument");
    *out = NULL;
    char *buf = malloc(SNIFF_BYTES);
    size_t len = 0;
    int rc = buf ? read_start(path, buf, &len, err)
                 : rc_error_set(err, RECON_ENOMEM, "%s: out of memory", path);
    if (rc != RECON_OK) {
        free(buf);
        return rc;
    }
    return detect_start(path, buf, len, err, out);
}

int recon_profile_detect_buffer(const void *data, size_t len, const char *name, recon_error *err,
                                recon_profile **out) {
    if ((!data && len) || !out)
        return rc_error_set(err, RECON_EMISUSE, "recon_profile_detect_buffer: NULL argument");
    *out = NULL;
    if (!name) name = "(buffer)";
    if (!len) return rc_error_set(err, RECON_EFORMAT, "%s: empty file", name);
    if (len > SNIFF_BYTES) len = SNIFF_BYTES; /* what a file's detection reads */
    char *buf = malloc(SNIFF_BYTES);
    if (!buf) return rc_error_set(err, RECON_ENOMEM, "%s: out of memory", name);
    memcpy(buf, data, len);
    return detect_start(name, buf, len, err, out);
}

static int detect_start(const char *path, char *buf, size_t len, recon_error *err,
                        recon_profile **out) {
    verdict *v = calloc(rc_nbuiltin_profiles, sizeof *v);
    int rc = v ? RECON_OK : rc_error_set(err, RECON_ENOMEM, "%s: out of memory", path);
    if (rc == RECON_OK) rc = as_text(path, &buf, &len, err);
    int best = 0;
    for (size_t i = 0; rc == RECON_OK && i < rc_nbuiltin_profiles; i++) {
        recon_profile *p = NULL;
        v[i].name = rc_builtin_profiles[i].name;
        if (recon_profile_parse(rc_builtin_profiles[i].text, v[i].name, NULL, &p) != RECON_OK)
            continue;
        judge(p, buf, len, &v[i]);
        recon_profile_free(p);
        if (v[i].score > best) best = v[i].score;
    }
    if (rc == RECON_OK) {
        size_t winners = 0, w = 0;
        for (size_t i = 0; i < rc_nbuiltin_profiles; i++)
            if (best && v[i].score == best) winners++, w = i;
        char names[1024];
        if (winners == 1) {
            rc = recon_profile_builtin(v[w].name, err, out);
        } else if (winners > 1) {
            list_names(v, rc_nbuiltin_profiles, best, names, sizeof names);
            rc = rc_error_set(err, RECON_ECONFLICT,
                              "%s: cannot tell the layout: it fits %s equally; choose with "
                              "--profile",
                              path, names);
        } else {
            list_names(v, rc_nbuiltin_profiles, 0, names, sizeof names);
            rc = rc_error_set(err, RECON_ENOTFOUND,
                              "%s: no built-in profile fits this file%s%s; choose one with "
                              "--profile or write one (docs/PROFILES.md)",
                              path, names[0] ? "; closest: " : "", names);
        }
    }
    free(buf);
    free(v);
    return rc;
}

const char *recon_profile_builtin_text(const char *name) {
    for (size_t i = 0; name && i < rc_nbuiltin_profiles; i++)
        if (!strcmp(rc_builtin_profiles[i].name, name)) return rc_builtin_profiles[i].text;
    return NULL;
}
