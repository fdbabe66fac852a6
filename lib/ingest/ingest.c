/* ingest: the import pipeline's store adapter. Streams one CSV file
 * through the reader, has each row mapped to the canonical record or a
 * reject by ingest/rows.h (the decisions, without a database), and stores
 * what comes out, all in one SQLite transaction per file with prepared
 * statements.
 *
 * Idempotency has three layers:
 * - a file whose sha256 was already imported into the source is a no-op;
 * - a row whose (source, external_id) is already stored is a duplicate,
 *   or, when its content differs, a rejected conflict (never overwritten);
 * - a row without an id gets "gen:<date>:<content hash>:<k>" where k counts
 *   earlier rows of the same file with the same content, so a re-import or
 *   an overlapping file maps each occurrence to the same id.
 *
 * Rows that cannot be mapped are stored in failures with their line,
 * column, reason and raw text; they never stop the import.
 *
 * May call: store (statements, transactions, sources), ingest/rows.h,
 * formats (the CSV and BAI2 readers), profile, errors (classification). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/bai2.h"
#include "formats/camt.h"
#include "formats/csvread.h"
#include "formats/mt940.h"
#include "formats/ofx.h"
#include "ingest/rows.h"
#include "profile/profile.h"
#include "store/store.h"
#include "store/summary.h"
#include "util/encoding.h"
#include "util/opts.h"

#define PROGRESS_EVERY 65536
#define HASH_LEN 32       /* a file's SHA-256 */
#define GEN_HASH_BYTES 12 /* 96 bits of the content hash in generated ids */

typedef struct {
    recon_db *db;
    const recon_profile *p;
    const char *file_name;
    rc_mapper *map; /* the profile bound to the file's header: the row decisions */
    int64_t source_id, import_id;
    sqlite3_stmt *ins_tx, *sel_tx, *ins_fail, *ins_consumed, *ins_report, *sel_fp;
    /* SHA-256 fetched once per import: EVP_sha256() in every
     * EVP_DigestInit_ex makes OpenSSL 3 look the algorithm up each time
     * (the mapper fetches its own for the rows' content hashes). */
    EVP_MD *sha256;
    EVP_MD_CTX *file_md;
    recon_import_result *res;      /* &res_full */
    recon_import_result res_full;  /* the library's own, copied to the caller's at the end */
    const recon_import_opts *opts; /* &opts_copy, or NULL */
    recon_import_opts opts_copy;   /* the caller's, of any version, as the current one */
    uint64_t progress_at;          /* rows_read at the last progress report */
    int64_t marked_block; /* the summary block of the last row stored, marked (summary.h) */
    uint64_t file_size;
    struct stat opened; /* the file as it was when opened, to notice a change */
    char now[21];
    rc_strbuf esc;        /* scratch for escaped raw text */
    rc_bai2 *bai2;        /* the BAI2 reader over the CSV reader, for format = bai2 */
    rc_mt940 *mt940;      /* the MT940 reader over it (as a line reader), for format = mt940 */
    rc_camt *camt;        /* the camt.05x reader (expat) over it, for format = camt */
    rc_ofx *ofx;          /* the OFX reader over it (as a line reader), for format = ofx */
    const char *encoding; /* the file's, as iconv names it (util/encoding.h) */
} importer;

/* ---- helpers ------------------------------------------------------------- */

static void hex(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- storing --------------------------------------------------------------- */

static void bind_span(sqlite3_stmt *st, int i, rc_span v) {
    if (v.s)
        sqlite3_bind_text(st, i, v.s, (int)v.len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int store_failure(importer *im, const rc_csv_row *row, const rc_reject *r) {
    sqlite3_stmt *st = im->ins_fail;
    size_t raw_len;
    const char *raw = rc_raw_escape(&im->esc, row->raw, row->raw_len, &raw_len);
    if (!raw) return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    const char *field = r->field < RC_F_COUNT ? rc_field_name(r->field) : NULL;
    const char *column = rc_reject_column(im->map, r);
    /* Rejects speak the same unified language as provider failures. */
    recon_error_info e = RECON_ERROR_INFO_INIT;
    recon_error_classify("librecon", 0, r->reason, &e);
    sqlite3_bind_int64(st, 1, im->import_id);
    sqlite3_bind_int64(st, 2, im->source_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)row->line);
    sqlite3_bind_text(st, 4, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, column, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->message, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, raw, (int)raw_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, im->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, e.unified_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, e.category, -1, SQLITE_STATIC);
    char *context = rc_reject_context(r);
    if (context)
        sqlite3_bind_text(st, 12, context, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 12);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    free(context);
    if (step != SQLITE_DONE) return rc_fail_sql(im->db, "storing a rejected row");
    im->res->rows_rejected++;
    return RECON_OK;
}

/* Inserts the row under `id`. Returns 1 inserted, 0 id taken, <0 error. */
static int try_insert(importer *im, const rc_csv_row *row, const rc_canon *c, rc_span id) {
    sqlite3_stmt *st = im->ins_tx;
    sqlite3_bind_int64(st, 1, im->source_id);
    sqlite3_bind_int64(st, 2, im->import_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)row->line);
    bind_span(st, 4, id);
    sqlite3_bind_int(st, 5, c->generated);
    sqlite3_bind_text(st, 6, rc_kind_name(c->kind), -1, SQLITE_STATIC);
    bind_span(st, 7, c->kind_raw);
    bind_span(st, 8, c->text[RC_F_GROUP_ID]);
    bind_span(st, 9, c->text[RC_F_REFERENCE]);
    sqlite3_bind_int64(st, 10, c->amount);
    sqlite3_bind_int64(st, 11, c->fee);
    sqlite3_bind_int64(st, 12, c->net);
    sqlite3_bind_text(st, 13, c->currency, 3, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, c->occurred, -1, SQLITE_STATIC);
    if (c->settled[0])
        sqlite3_bind_text(st, 15, c->settled, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 15);
    bind_span(st, 16, c->text[RC_F_DESCRIPTION]);
    bind_span(st, 17, c->text[RC_F_COUNTERPARTY]);
    bind_span(st, 18, c->text[RC_F_PROVIDER_STATUS]);
    bind_span(st, 19, c->text[RC_F_PROVIDER_CODE]);
    sqlite3_bind_blob(st, 20, c->hash, GEN_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 21, row->raw, (int)row->raw_len, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE) return rc_fail_sql(im->db, "storing a transaction");
    return sqlite3_changes(im->db->sql) == 1;
}

typedef struct {
    int64_t import_id;
    int64_t line;
    int same_content;
} existing;

static int find_existing(importer *im, rc_span id, const rc_canon *c, existing *out) {
    sqlite3_stmt *st = im->sel_tx;
    sqlite3_bind_int64(st, 1, im->source_id);
    bind_span(st, 2, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->import_id = sqlite3_column_int64(st, 0);
        out->line = sqlite3_column_int64(st, 1);
        const void *h = sqlite3_column_blob(st, 2);
        out->same_content = sqlite3_column_bytes(st, 2) == GEN_HASH_BYTES &&
                            memcmp(h, c->hash, GEN_HASH_BYTES) == 0;
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW) return rc_fail_sql(im->db, "looking up a stored transaction");
    return RECON_OK;
}

/* Marks a generated id from an earlier import as accounted for by a row of
 * this file. Returns 1 if it was not yet, 0 if it was, <0 error. */
static int consume(importer *im, rc_span id) {
    sqlite3_stmt *st = im->ins_consumed;
    bind_span(st, 1, id);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE) return rc_fail_sql(im->db, "tracking duplicate rows");
    return sqlite3_changes(im->db->sql) == 1;
}

/* Is a transaction of this source stored under `id`? 1 yes, 0 no, <0
 * error. The same lookup as find_existing's, for a row that may not be
 * there. */
static int tx_stored(importer *im, rc_span id) {
    sqlite3_stmt *st = im->sel_tx;
    sqlite3_bind_int64(st, 1, im->source_id);
    bind_span(st, 2, id);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return rc_fail_sql(im->db, "looking up a stored transaction");
    return step == SQLITE_ROW;
}

/* The id of occurrence k of a row without one: gen:DATE:HASH:K. The date
 * first keeps inserts into the unique index nearly in order for
 * chronological statements, and makes the id readable. */
#define GEN_ID_SIZE 128
static rc_span gen_id(const rc_canon *c, const char *hashhex, uint64_t k, char id[GEN_ID_SIZE]) {
    int n =
        snprintf(id, GEN_ID_SIZE, "gen:%.10s:%s:%llu", c->occurred, hashhex, (unsigned long long)k);
    return (rc_span){id, (size_t)n};
}

/* Writes the failure of a failed payment under its fingerprint. */
static int record_failed_payment(importer *im, const rc_csv_row *row, const rc_canon *c,
                                 const char *fp, int n) {
    const recon_profile *p = im->p;
    rc_span st = c->text[RC_F_PROVIDER_STATUS], code = c->text[RC_F_PROVIDER_CODE];
    char codebuf[64], msg[384];
    snprintf(codebuf, sizeof codebuf, "%.*s", (int)(code.len < 63 ? code.len : 63),
             code.s ? code.s : "");
    const char *provider = p->provider ? p->provider : p->name;
    recon_error_info e = RECON_ERROR_INFO_INIT;
    recon_error_classify(provider, 0, codebuf, &e);
    snprintf(msg, sizeof msg, "the report marks this payment '%.*s'%s%s%s: %s",
             (int)(st.len < 40 ? st.len : 40), st.s, codebuf[0] ? " with code '" : "", codebuf,
             codebuf[0] ? "'" : "", e.description);
    size_t raw_len;
    const char *raw = rc_raw_escape(&im->esc, row->raw, row->raw_len, &raw_len);
    char *context = rc_failed_payment_context(c);
    sqlite3_stmt *ins = im->ins_report;
    sqlite3_bind_int64(ins, 1, im->import_id);
    sqlite3_bind_int64(ins, 2, im->source_id);
    sqlite3_bind_int64(ins, 3, (sqlite3_int64)row->line);
    sqlite3_bind_text(ins, 4, provider, -1, SQLITE_STATIC);
    if (codebuf[0])
        sqlite3_bind_text(ins, 5, codebuf, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(ins, 5);
    sqlite3_bind_text(ins, 6, e.unified_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 7, e.category, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 8, msg, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 9, im->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 10, raw, raw ? (int)raw_len : 0, SQLITE_STATIC);
    sqlite3_bind_text(ins, 11, context, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 12, fp, n, SQLITE_STATIC);
    int step = raw && context ? sqlite3_step(ins) : SQLITE_NOMEM;
    sqlite3_reset(ins);
    free(context);
    if (step == SQLITE_NOMEM)
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    if (step != SQLITE_DONE) return rc_fail_sql(im->db, "recording a failed payment");
    im->res->payments_failed++;
    return RECON_OK;
}

/* Was this failed payment stored by an earlier release, as a transaction
 * (under its id, or for a row without one under gen:DATE:HASH:K, each
 * occurrence accounted for once as store_generated does)? 1 yes, 0 no,
 * <0 error. */
static int stored_as_transaction(importer *im, const rc_canon *c, const char *hashhex) {
    if (!c->generated) return tx_stored(im, c->ext_id);
    for (uint64_t k = 1;; k++) {
        char id[GEN_ID_SIZE];
        rc_span sid = gen_id(c, hashhex, k, id);
        int rc = tx_stored(im, sid);
        if (rc <= 0) return rc;
        if ((rc = consume(im, sid)) != 0) return rc; /* 1: this row is that one */
    }
}

/* Looks a failed payment's fingerprint up: 1 recorded by an earlier import
 * (and not yet matched by a row of this file), 2 recorded by this import,
 * 0 not recorded, <0 error. */
static int recorded_before(importer *im, const char *fp, int n) {
    sqlite3_stmt *st = im->sel_fp;
    sqlite3_bind_text(st, 1, fp, n, SQLITE_STATIC);
    int step = sqlite3_step(st);
    int64_t import_id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return rc_fail_sql(im->db, "looking up a recorded failed payment");
    if (step == SQLITE_DONE) return 0;
    if (import_id == im->import_id) return 2;
    rc_span key = {fp, (size_t)n};
    int rc = consume(im, key);
    return rc < 0 ? rc : rc == 1 ? 1 : 2;
}

/* A payment the report itself marks failed (its provider_status is one of
 * the profile's failed_status values) moved no money: it is not stored as
 * a transaction, where the matcher would wait for it in the bank and a
 * payout would count it, but as a failure of origin 'report' with the
 * provider's code, its unified classification (a decline by its reason),
 * the raw row, and what the row says (id, kind, amount, currency, date,
 * payout, status) in its context, so one query lists every problem.
 * Its fingerprint, "report:SOURCE:ID" (or for a row without an id
 * "report:SOURCE:gen:HASH:K", K its occurrence: two identical declined
 * attempts are two failures), keeps a re-import from recording it twice,
 * resolved or not; a row an earlier release stored as a transaction is a
 * duplicate too. */
static int store_failed_payment(importer *im, const rc_csv_row *row, const rc_canon *c) {
    char hashhex[2 * GEN_HASH_BYTES + 1];
    hex(c->hash, GEN_HASH_BYTES, hashhex);
    int rc = stored_as_transaction(im, c, hashhex);
    if (rc != 0) {
        if (rc == 1) im->res->rows_duplicate++;
        return rc < 0 ? rc : RECON_OK;
    }
    size_t size = (c->generated ? sizeof hashhex : c->ext_id.len) + 64;
    char *fp = malloc(size);
    if (!fp) return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    int n = 0;
    for (uint64_t k = 1;; k++) {
        n = c->generated ? snprintf(fp, size, "report:%lld:gen:%s:%llu", (long long)im->source_id,
                                    hashhex, (unsigned long long)k)
                         : snprintf(fp, size, "report:%lld:%.*s", (long long)im->source_id,
                                    (int)c->ext_id.len, c->ext_id.s);
        rc = recorded_before(im, fp, n);
        /* An id's second row in one file is that payment again; a row
         * without an id takes the next occurrence. */
        if (rc == 0 || rc < 0 || rc == 1 || !c->generated) break;
    }
    if (rc != 0) {
        free(fp);
        if (rc > 0) im->res->rows_duplicate++;
        return rc < 0 ? rc : RECON_OK;
    }
    rc = record_failed_payment(im, row, c, fp, n);
    free(fp);
    return rc;
}

/* A stored row's block is marked for the summaries as soon as the import
 * enters it, before any progress callback could read the views. */
static int inserted(importer *im) {
    im->res->rows_inserted++;
    int64_t id = sqlite3_last_insert_rowid(im->db->sql);
    if (id >> RC_SUMMARY_SHIFT == im->marked_block) return RECON_OK;
    im->marked_block = id >> RC_SUMMARY_SHIFT;
    return rc_summary_mark(im->db, id);
}

static int store_generated(importer *im, const rc_csv_row *row, rc_canon *c) {
    char id[GEN_ID_SIZE], hashhex[2 * GEN_HASH_BYTES + 1];
    hex(c->hash, GEN_HASH_BYTES, hashhex);
    for (uint64_t k = 1;; k++) {
        rc_span sid = gen_id(c, hashhex, k, id);
        int rc = try_insert(im, row, c, sid);
        if (rc < 0) return rc;
        if (rc == 1) return inserted(im);
        existing ex;
        if ((rc = find_existing(im, sid, c, &ex)) != RECON_OK) return rc;
        if (ex.import_id == im->import_id)
            continue; /* an earlier identical row of this file took occurrence k */
        if ((rc = consume(im, sid)) < 0) return rc;
        if (rc == 1) {
            im->res->rows_duplicate++;
            return RECON_OK;
        }
    }
}

static int store_row(importer *im, const rc_csv_row *row, rc_canon *c) {
    if (rc_failed_payment(im->p, c)) return store_failed_payment(im, row, c);
    if (c->generated) return store_generated(im, row, c);
    int rc = try_insert(im, row, c, c->ext_id);
    if (rc < 0) return rc;
    if (rc == 1) return inserted(im);
    existing ex;
    if ((rc = find_existing(im, c->ext_id, c, &ex)) != RECON_OK) return rc;
    if (ex.same_content) {
        im->res->rows_duplicate++;
        return RECON_OK;
    }
    /* Same id, different content: the provider changed the row, or the file
     * repeats an id. Never overwrite stored money silently. */
    rc_reject r = {.field = RC_F_EXTERNAL_ID,
                   .reason = "duplicate_conflict",
                   .c = c,
                   .group = c->text[RC_F_GROUP_ID]};
    snprintf(r.message, sizeof r.message,
             "id '%.*s' is already stored (import %lld, line %lld) with different content",
             (int)(c->ext_id.len > 100 ? 100 : c->ext_id.len), c->ext_id.s, (long long)ex.import_id,
             (long long)ex.line);
    return store_failure(im, row, &r);
}

/* A totals row: counted, and a failure when the file disagrees with its
 * rows. */
static int check_totals(importer *im, const rc_csv_row *row) {
    rc_reject r;
    if (rc_totals_check(im->map, row, &r) == 0) {
        im->res->checks_passed++;
        return RECON_OK;
    }
    im->res->checks_failed++;
    int rc = store_failure(im, row, &r);
    im->res->rows_rejected--; /* a totals row is not a data row */
    return rc;
}

static int bind_header(importer *im, const rc_csv_row *row);

/* ---- one row ------------------------------------------------------------------------------ */

/* What the row is (routing), then what it maps to; the store takes the
 * record or the reject. The reader's row is passed on: the mapper's
 * filled-in copy has the same line and raw text. */
static int process_row(importer *im, const rc_csv_row *row) {
    rc_reject r;
    rc_canon c;
    switch (rc_route_row(im->map, row, &r)) {
    case RC_ROUTE_HEADER:
        return bind_header(im, row);
    case RC_ROUTE_IGNORE:
        return RECON_OK;
    case RC_ROUTE_TOTALS:
        return check_totals(im, row);
    case RC_ROUTE_REJECT:
        im->res->rows_read++;
        return store_failure(im, row, &r);
    case RC_ROUTE_DATA:
        break;
    }
    im->res->rows_read++;
    switch (rc_map_row(im->map, row, &c, &r)) {
    case RC_MAP_OK:
        return store_row(im, row, &c);
    case RC_MAP_SKIP:
        im->res->rows_skipped++;
        return RECON_OK;
    case RC_MAP_REJECT:
        return store_failure(im, row, &r);
    default: /* RC_MAP_ENOMEM: the import fails rather than lose the row */
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    }
}

/* ---- the file ---------------------------------------------------------------- */

static void on_bytes(const void *buf, size_t len, void *payload) {
    EVP_DigestUpdate(payload, buf, len);
}

static int prepare_all(importer *im) {
    recon_db *db = im->db;
    int rc = rc_exec(db, "CREATE TEMP TABLE IF NOT EXISTS rc_consumed ("
                         "  external_id TEXT PRIMARY KEY) WITHOUT ROWID;"
                         "DELETE FROM temp.rc_consumed;");
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO transactions(source_id, import_id, line, external_id,"
                        " id_generated, kind, kind_raw, group_id, reference, amount_minor,"
                        " fee_minor, net_minor, currency, occurred_at, settled_at, description,"
                        " counterparty, provider_status, provider_code, content_hash, raw)"
                        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"
                        "?18,?19,?20,?21) ON CONFLICT (source_id, external_id) DO NOTHING",
                        &im->ins_tx);
    if (!rc)
        rc = rc_prepare(db,
                        "SELECT import_id, line, content_hash FROM transactions"
                        " WHERE source_id = ?1 AND external_id = ?2",
                        &im->sel_tx);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO failures(origin, import_id, source_id, line, field,"
                        " column_name, provider, provider_code, message, raw, first_seen,"
                        " last_seen, unified_code, category, context)"
                        " VALUES ('import', ?1, ?2, ?3, ?4, ?5, 'librecon', ?6, ?7, ?8, ?9, ?9,"
                        " ?10, ?11, ?12)",
                        &im->ins_fail);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO failures(origin, import_id, source_id, line, provider,"
                        " provider_code, unified_code, category, message, first_seen, last_seen,"
                        " raw, context, fingerprint) VALUES ('report', ?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                        " ?8, ?9, ?9, ?10, ?11, ?12)",
                        &im->ins_report);
    if (!rc)
        rc = rc_prepare(db, "SELECT import_id FROM failures WHERE fingerprint = ?1 LIMIT 1",
                        &im->sel_fp);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO temp.rc_consumed(external_id) VALUES (?1)"
                        " ON CONFLICT DO NOTHING",
                        &im->ins_consumed);
    return rc;
}

static void finalize_all(importer *im) {
    sqlite3_finalize(im->ins_tx);
    sqlite3_finalize(im->sel_tx);
    sqlite3_finalize(im->ins_fail);
    sqlite3_finalize(im->ins_consumed);
    sqlite3_finalize(im->ins_report);
    sqlite3_finalize(im->sel_fp);
    im->ins_tx = im->sel_tx = im->ins_fail = im->ins_consumed = im->ins_report = im->sel_fp = NULL;
}

/* Hashes the whole file (only done when an earlier import of the source had
 * the same size, so the common path reads the file once). */
static int file_sha256(importer *im, int fd, char out[65]) {
    unsigned char buf[1 << 16], digest[HASH_LEN];
    EVP_MD_CTX *md = im->file_md;
    if (!EVP_DigestInit_ex(md, im->sha256, NULL))
        return rc_fail(im->db, RECON_ERROR, "sha256 unavailable");
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return rc_fail(im->db, RECON_EIO, "%s: read error: %s", im->file_name, strerror(errno));
        if (n == 0) break;
        EVP_DigestUpdate(md, buf, (size_t)n);
    }
    EVP_DigestFinal_ex(md, digest, NULL);
    hex(digest, HASH_LEN, out);
    if (lseek(fd, 0, SEEK_SET) != 0)
        return rc_fail(im->db, RECON_EIO, "%s: cannot rewind: %s", im->file_name, strerror(errno));
    return RECON_OK;
}

/* Sets *out_id to the earlier import of this exact file, or 0. */
static int find_same_file(importer *im, int fd, int64_t *out_id) {
    sqlite3_stmt *st;
    *out_id = 0;
    int rc = rc_prepare(im->db,
                        "SELECT id, sha256 FROM imports WHERE source_id = ?1 AND file_size = ?2"
                        " AND sha256 IS NOT NULL",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, im->source_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)im->file_size);
    int hashed = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!hashed) {
            if ((rc = file_sha256(im, fd, im->res->sha256)) != RECON_OK) break;
            hashed = 1;
        }
        if (strcmp((const char *)sqlite3_column_text(st, 1), im->res->sha256) == 0) {
            *out_id = sqlite3_column_int64(st, 0);
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) return RECON_OK;
    return rc < 0 ? rc : rc_fail_sql(im->db, "looking up earlier imports");
}

static int insert_import(importer *im) {
    sqlite3_stmt *st;
    int rc = rc_prepare(im->db,
                        "INSERT INTO imports(source_id, file_name, file_size, profile, started_at,"
                        " status, encoding) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, im->source_id);
    sqlite3_bind_text(st, 2, im->file_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)im->file_size);
    sqlite3_bind_text(st, 4, im->p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, im->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, im->encoding, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(im->db, "recording the import");
    im->import_id = sqlite3_last_insert_rowid(im->db->sql);
    return RECON_OK;
}

static int finish_import(importer *im) {
    sqlite3_stmt *st;
    const recon_import_result *r = im->res;
    char now[21];
    rc_now_utc(now);
    int rc = rc_prepare(im->db,
                        "UPDATE imports SET sha256 = ?2, finished_at = ?3, rows_read = ?4,"
                        " rows_inserted = ?5, rows_duplicate = ?6, rows_rejected = ?7,"
                        " status = ?8 WHERE id = ?1",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, im->import_id);
    sqlite3_bind_text(st, 2, r->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)r->rows_read);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)r->rows_inserted);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)r->rows_duplicate);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)r->rows_rejected);
    sqlite3_bind_text(st, 8, r->rows_rejected ? "partial" : "ok", -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(im->db, "finishing the import record");
    return RECON_OK;
}

static int read_fail(importer *im, int rc, rc_csv *r) {
    if (rc == RC_CSV_EUTF16)
        return rc_fail(im->db, RECON_EFORMAT,
                       "%s: UTF-16 text (byte order mark %s), but profile %s says [profile] "
                       "encoding = %s",
                       im->file_name, rc_csv_bom(r), im->p->name, im->encoding);
    if (rc == RC_CSV_EBINARY)
        return rc_fail(im->db, RECON_EFORMAT, "%s: binary data (NUL bytes): not a CSV text file",
                       im->file_name);
    if (rc == RC_CSV_ENOMEM)
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    return rc_fail(im->db, RECON_EIO, "%s: read error: %s", im->file_name,
                   strerror(rc_csv_errno(r)));
}

/* Binds a header row (the first record, or a header record) to the
 * profile. A header that does not fit refuses the whole file. */
static int bind_header(importer *im, const rc_csv_row *row) {
    char msg[768];
    if (row->error != RC_CSV_ROW_OK)
        return rc_fail(im->db, RECON_EFORMAT, "%s:%llu: header row: %s", im->file_name,
                       (unsigned long long)row->line, rc_csv_row_errmsg(row->error));
    int rc = rc_mapper_bind(im->map, row, msg, sizeof msg);
    if (rc == RECON_ENOMEM)
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    if (rc != RECON_OK)
        return rc_fail(im->db, RECON_EHEADER, "%s:%llu: header does not fit profile %s: %s",
                       im->file_name, (unsigned long long)row->line, im->p->name, msg);
    return RECON_OK;
}

/* Reads the header row and binds it to the profile, before anything is
 * written. Files of typed records bind at their header record instead. */
static int read_header(importer *im, rc_csv *r) {
    char msg[768];
    if (!im->p->header) return rc_mapper_bind(im->map, NULL, msg, sizeof msg);
    if (im->p->record_slot >= 0) return RECON_OK;
    rc_csv_row row;
    int rc = rc_csv_next(r, &row);
    if (rc == RC_CSV_EOF)
        return rc_fail(im->db, RECON_EFORMAT, "%s: empty file: no header row", im->file_name);
    if (rc < 0) return read_fail(im, rc, r);
    return bind_header(im, &row);
}

/* Tells the caller's callbacks how far the import is; RECON_ECANCELLED
 * when on_progress asks to stop. */
static int report_progress(const importer *im, const rc_csv *r) {
    if (!im->opts || (!im->opts->progress && !im->opts->on_progress)) return RECON_OK;
    recon_progress pr = {.version = RECON_PROGRESS_VERSION,
                         .bytes_done = rc_csv_bytes(r),
                         .bytes_total = im->file_size,
                         .rows = im->res->rows_read};
    if (im->opts->progress) im->opts->progress(&pr, im->opts->payload);
    int stop = im->opts->on_progress ? im->opts->on_progress(&pr, im->opts->payload) : 0;
    if (stop) {
        char doing[300];
        snprintf(doing, sizeof doing, "%.200s: import at row %llu (nothing kept)", im->file_name,
                 (unsigned long long)im->res->rows_read);
        return rc_callback_stop(im->db, stop, doing);
    }
    return RECON_OK;
}

/* Reports progress once per PROGRESS_EVERY rows read. Records that are not
 * rows (headers, trailers, totals rows) leave rows_read as it is: they
 * must not report again, least of all all those before the first row. */
static int progress_tick(importer *im, const rc_csv *r) {
    uint64_t n = im->res->rows_read;
    if (n == 0 || n % PROGRESS_EVERY != 0 || n == im->progress_at) return RECON_OK;
    im->progress_at = n;
    return report_progress(im, r);
}

/* The statement reader's message (BAI2, MT940, camt or OFX). */
static const char *format_message(const importer *im) {
    return im->bai2    ? rc_bai2_message(im->bai2)
           : im->mt940 ? rc_mt940_message(im->mt940)
           : im->camt  ? rc_camt_message(im->camt)
           : im->ofx   ? rc_ofx_message(im->ofx)
                       : "";
}

/* A BAI2 trailer's, or an MT940 or camt statement's closing balance's,
 * verdict: counted, and a failure when it disagrees. */
static int statement_check(importer *im, const rc_csv_row *row) {
    if (row->error == RC_BAI2_CHECK_OK) {
        im->res->checks_passed++;
        return RECON_OK;
    }
    rc_reject r = {.field = RC_F_COUNT, .reason = "totals_mismatch"};
    snprintf(r.message, sizeof r.message, "%s", format_message(im));
    im->res->checks_failed++;
    int rc = store_failure(im, row, &r);
    im->res->rows_rejected--; /* a trailer is not a data row */
    return rc;
}

/* A record a statement format does not allow where it stands (a BAI2
 * count field that is not one, an MT940 line before any tag, XML that
 * breaks off): a rejected row, named. */
static int statement_structure(importer *im, const rc_csv_row *row) {
    rc_reject r = {.field = RC_F_COUNT,
                   .reason = im->bai2 ? rc_bai2_reason(im->bai2) : "record_invalid"};
    snprintf(r.message, sizeof r.message, "%s", format_message(im));
    im->res->rows_read++;
    return store_failure(im, row, &r);
}

static int next_row(importer *im, rc_csv *r, rc_csv_row *row) {
    if (im->mt940) return rc_mt940_next(im->mt940, row);
    if (im->camt) return rc_camt_next(im->camt, row);
    if (im->ofx) return rc_ofx_next(im->ofx, row);
    return im->bai2 ? rc_bai2_next(im->bai2, row) : rc_csv_next(r, row);
}

static int read_rows(importer *im, rc_csv *r) {
    rc_csv_row row;
    int rc;
    while ((rc = next_row(im, r, &row)) == RC_CSV_HAVE_ROW) {
        if (row.error == RC_BAI2_CHECK_OK || row.error == RC_BAI2_CHECK_FAILED)
            rc = statement_check(im, &row);
        else if (im->p->format != RC_FORMAT_CSV && row.error == RC_CSV_ROW_SYNTAX &&
                 format_message(im)[0])
            rc = statement_structure(im, &row);
        else
            rc = process_row(im, &row);
        if (rc != RECON_OK || (rc = progress_tick(im, r)) != RECON_OK) return rc;
    }
    if (rc != RC_CSV_EOF) return read_fail(im, rc, r);
    /* A header-less file with no rows is nothing to import; but a
     * statement (BAI2, MT940, camt) with its checked totals is one of a day
     * without transactions
     * (a bank sends one on quiet days): an import of 0 rows (with the
     * trailers' disagreements as failures, if any), not an error a nightly
     * job would have to tell from a broken file. */
    int statements = im->res->checks_passed + im->res->checks_failed > 0 ||
                     (im->ofx && rc_ofx_statements(im->ofx) > 0);
    if (!im->p->header && im->res->rows_read == 0 &&
        !(im->p->format != RC_FORMAT_CSV && statements))
        return rc_fail(im->db, RECON_EFORMAT, "%s: empty file: no rows", im->file_name);
    return report_progress(im, r);
}

/* The rows and the digest describe the bytes read; the import record
 * describes the file. They are the same file only if it did not change
 * while it was read: appended to (more bytes than it had), truncated (a row
 * cut short may even parse, with a wrong amount) or rewritten. Such an
 * import is refused whole, like any unreadable file. */
static int check_unchanged(importer *im, int fd, uint64_t bytes_read) {
    struct stat now;
    if (fstat(fd, &now) != 0)
        return rc_fail(im->db, RECON_EIO, "%s: cannot stat: %s", im->file_name, strerror(errno));
    if (bytes_read == im->file_size && (uint64_t)now.st_size == im->file_size &&
        now.st_mtim.tv_sec == im->opened.st_mtim.tv_sec &&
        now.st_mtim.tv_nsec == im->opened.st_mtim.tv_nsec)
        return RECON_OK;
    return rc_fail(im->db, RECON_EIO,
                   "%s: the file changed while it was being read (%llu bytes when opened, %llu "
                   "read, %llu now): nothing imported; import it again once it is complete",
                   im->file_name, (unsigned long long)im->file_size, (unsigned long long)bytes_read,
                   (unsigned long long)now.st_size);
}

/* [dates] order = auto: the file is read once before it is imported, its
 * dates deciding whether it writes day or month first; then from its start
 * again. A file that no date settles, or whose dates say both, is refused
 * before anything is written, with the key that decides it named: a wrong
 * day and month would be silent, a refusal is not. */
static int vote_rows(importer *im, rc_mapper *m, rc_csv *r, rc_date_votes *v) {
    char msg[768];
    rc_csv_row row;
    rc_reject rej;
    int rc;
    if (!im->p->header) rc_mapper_bind(m, NULL, msg, sizeof msg);
    int first = im->p->header && im->p->record_slot < 0;
    while ((rc = rc_csv_next(r, &row)) == RC_CSV_HAVE_ROW) {
        if (first) {
            first = 0;
            /* A header that does not bind: the import proper says why. */
            if (row.error != RC_CSV_ROW_OK || rc_mapper_bind(m, &row, msg, sizeof msg)) break;
            continue;
        }
        int route = rc_route_row(m, &row, &rej);
        if (route == RC_ROUTE_HEADER && row.error == RC_CSV_ROW_OK)
            rc_mapper_bind(m, &row, msg, sizeof msg);
        else if (route == RC_ROUTE_DATA)
            rc_date_vote(m, &row, v);
    }
    return rc == RC_CSV_HAVE_ROW || rc == RC_CSV_EOF ? RECON_OK : read_fail(im, rc, r);
}

/* The file's character encoding: the profile's when it states one, else
 * read from the whole file's bytes (util/encoding.h: a UTF-16 byte order
 * mark, or Windows-1252 when the file is not UTF-8 and that reads it
 * cleanly). camt's XML declares its own, which expat follows. */
static int decide_encoding(importer *im, int fd) {
    im->encoding = im->p->encoding ? im->p->encoding : RC_ENC_UTF8;
    im->db->import_encoding = im->encoding;
    if (im->p->encoding || im->p->format == RC_FORMAT_CAMT) return RECON_OK;
    rc_enc_scan scan;
    rc_enc_scan_init(&scan);
    static const size_t BLOCK = 256 * 1024;
    unsigned char *buf = malloc(BLOCK);
    if (!buf) return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    ssize_t n;
    while ((n = read(fd, buf, BLOCK)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) rc_enc_scan_feed(&scan, buf, (size_t)n);
    free(buf);
    if (n < 0 || lseek(fd, 0, SEEK_SET) != 0)
        return rc_fail(im->db, RECON_EIO, "%s: cannot read: %s", im->file_name, strerror(errno));
    im->encoding = rc_enc_scan_verdict(&scan);
    im->db->import_encoding = im->encoding;
    return RECON_OK;
}

static int decide_date_order(importer *im, int fd) {
    const recon_profile *p = im->p;
    if (p->date_order != RC_ORDER_AUTO) return RECON_OK;
    rc_csv_opts co = {.delim = p->delim, .skip_lines = p->skip_lines, .encoding = im->encoding};
    rc_mapper *m = NULL;
    rc_csv *r = NULL;
    rc_date_votes v = {0};
    if (rc_mapper_new(p, &m) != RECON_OK || rc_csv_open_fd(fd, &co, &r) != 0) {
        rc_csv_close(r);
        rc_mapper_free(m);
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    }
    int rc = vote_rows(im, m, r, &v);
    int bound = rc_mapper_bound(m);
    rc_csv_close(r);
    rc_mapper_free(m);
    if (!rc && lseek(fd, 0, SEEK_SET) != 0)
        rc = rc_fail(im->db, RECON_EIO, "%s: cannot rewind: %s", im->file_name, strerror(errno));
    /* No header bound: the import proper refuses the file and says why. */
    if (rc || !bound) return rc;
    const char *written = p->order_written, *other = strcmp(written, "mdy") ? "mdy" : "dmy";
    if (v.written && v.swapped) {
        int w_first = v.written_line < v.swapped_line;
        return rc_fail(im->db, RECON_EFORMAT,
                       "%s: dates are written both ways: line %llu ('%s') reads only as %s, line "
                       "%llu ('%s') only as %s; a file has one order: nothing imported",
                       im->file_name,
                       (unsigned long long)(w_first ? v.written_line : v.swapped_line),
                       w_first ? v.written_text : v.swapped_text, w_first ? written : other,
                       (unsigned long long)(w_first ? v.swapped_line : v.written_line),
                       w_first ? v.swapped_text : v.written_text, w_first ? other : written);
    }
    /* No date at all (no rows, or none readable): nothing can be misread,
     * and the import says what it finds. */
    if (!v.written && !v.swapped && v.both)
        return rc_fail(im->db, RECON_EFORMAT,
                       "%s: no date says whether day or month comes first (no day above 12): "
                       "nothing imported; state it in the profile with [dates] order = dmy or "
                       "order = mdy (profile %s)",
                       im->file_name, p->name);
    rc_mapper_swap_day_month(im->map, v.swapped != 0);
    return RECON_OK;
}

/* Everything between BEGIN and COMMIT. */
static int import_locked(importer *im, int fd, const char *source) {
    int rc = rc_source_get_or_create(im->db, source, im->p->source_type, &im->source_id);
    int64_t earlier = 0;
    if (!rc) rc = find_same_file(im, fd, &earlier);
    if (rc || earlier) {
        im->res->import_id = earlier;
        im->res->already_imported = earlier != 0;
        return rc;
    }
    /* BAI2 has no quoting: a '"' in a 16's text must not swallow the file. */
    /* BAI2 and MT940 have no quoting: a '"' in their text must not swallow
     * the file. MT940 is read line by line: a delimiter it never holds. */
    int mt940 = im->p->format == RC_FORMAT_MT940, camt = im->p->format == RC_FORMAT_CAMT,
        ofx = im->p->format == RC_FORMAT_OFX;
    rc_csv_opts co = {.delim = mt940 || camt || ofx ? RC_MT940_DELIM : im->p->delim,
                      .skip_lines = im->p->skip_lines,
                      .on_bytes = on_bytes,
                      .payload = im->file_md,
                      .no_quotes = im->p->format != RC_FORMAT_CSV};
    rc_csv *r = NULL;
    if ((rc = decide_encoding(im, fd)) != RECON_OK) return rc;
    co.encoding = im->encoding;
    if ((rc = decide_date_order(im, fd)) != RECON_OK) return rc;
    if (!EVP_DigestInit_ex(im->file_md, im->sha256, NULL))
        return rc_fail(im->db, RECON_ERROR, "sha256 unavailable");
    int opened = rc_csv_open_fd(fd, &co, &r);
    if (opened == RC_CSV_EENCODING)
        return rc_fail(im->db, RECON_EFORMAT, "%s: this system's iconv cannot read %s",
                       im->file_name, im->encoding);
    if (opened != 0 || (im->p->format == RC_FORMAT_BAI2 && rc_bai2_open(r, &im->bai2) != 0) ||
        (mt940 && rc_mt940_open(r, &im->mt940) != 0) || (camt && rc_camt_open(r, &im->camt) != 0) ||
        (ofx && rc_ofx_open(r, &im->ofx) != 0)) {
        rc_csv_close(r);
        return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    }
    rc = read_header(im, r);
    if (!rc) rc = insert_import(im);
    if (!rc) rc = prepare_all(im);
    if (!rc) rc = read_rows(im, r);
    if (!rc) rc = check_unchanged(im, fd, rc_csv_bytes(r));
    rc_bai2_close(im->bai2);
    im->bai2 = NULL;
    rc_mt940_close(im->mt940);
    im->mt940 = NULL;
    rc_camt_close(im->camt);
    im->camt = NULL;
    rc_ofx_close(im->ofx);
    im->ofx = NULL;
    rc_csv_close(r);
    if (rc) return rc;
    unsigned char digest[HASH_LEN];
    EVP_DigestFinal_ex(im->file_md, digest, NULL);
    hex(digest, HASH_LEN, im->res->sha256);
    im->res->import_id = im->import_id;
    finalize_all(im);
    return finish_import(im);
}

/* The file behind fd, checked as an import needs it: a regular file (it is
 * read more than once), not empty. */
static int check_file(importer *im, int fd) {
    struct stat stbuf;
    if (fstat(fd, &stbuf) != 0 || !S_ISREG(stbuf.st_mode))
        return rc_fail(im->db, RECON_EIO, "%s: not a regular file", im->file_name);
    if (stbuf.st_size == 0) return rc_fail(im->db, RECON_EFORMAT, "%s: empty file", im->file_name);
    im->file_size = (uint64_t)stbuf.st_size;
    im->opened = stbuf;
    return RECON_OK;
}

static int open_file(importer *im, const char *path, int *out_fd) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rc_fail(im->db, RECON_EIO, "%s: cannot open: %s", im->file_name, strerror(errno));
    int rc = check_file(im, fd);
    if (rc) {
        close(fd);
        return rc;
    }
    *out_fd = fd;
    return RECON_OK;
}

static void importer_free(importer *im) {
    finalize_all(im);
    EVP_MD_CTX_free(im->file_md);
    EVP_MD_free(im->sha256);
    rc_mapper_free(im->map);
    rc_strbuf_free(&im->esc);
}

/* Checks the arguments every import function shares and sets up *im (to
 * be freed with importer_free, also on failure). name: the file name
 * recorded when opts names none. */
static int importer_init(importer *im, recon_db *db, const recon_profile *profile,
                         const recon_import_opts *opts, recon_import_result *out, const char *fn,
                         const char *name) {
    memset(im, 0, sizeof *im);
    static const size_t sizes[] = {0, offsetof(recon_import_opts, on_progress),
                                   sizeof(recon_import_opts)};
    _Static_assert(sizeof sizes / sizeof *sizes == RECON_IMPORT_OPTS_VERSION + 1,
                   "a size for every version");
    if (opts && rc_opts_copy(opts, RECON_IMPORT_OPTS_VERSION, sizes, &im->opts_copy,
                             sizeof im->opts_copy) != 0)
        return rc_fail(db, RECON_EMISUSE,
                       "%s: recon_import_opts version %u; this library takes 1 to %d", fn,
                       opts->version, RECON_IMPORT_OPTS_VERSION);
    if (!db || !profile || !out || !name)
        return rc_fail(db, RECON_EMISUSE, "%s: invalid argument", fn);
    int rc = rc_out_check(db, out, fn, "recon_import_result");
    if (rc) return rc;
    db->import_encoding = NULL;
    im->db = db;
    im->p = profile;
    im->res = &im->res_full;
    im->opts = opts ? &im->opts_copy : NULL;
    im->file_name = im->opts && im->opts->file_name ? im->opts->file_name : name;
    rc_now_utc(im->now);
    im->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    im->file_md = EVP_MD_CTX_new();
    if (!im->sha256 || !im->file_md || rc_mapper_new(profile, &im->map) != RECON_OK)
        return rc_fail(db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    return RECON_OK;
}

/* The import proper of the checked file open on fd, in one transaction. */
static int import_checked(importer *im, int fd) {
    recon_db *db = im->db;
    const char *source = im->opts && im->opts->source ? im->opts->source : im->p->name;
    int rc = rc_begin(db);
    if (rc) {
        /* Say which file waited: the CLI imports several in a row. */
        char msg[sizeof db->errmsg];
        memcpy(msg, db->errmsg, sizeof msg);
        snprintf(db->errmsg, sizeof db->errmsg, "%.256s: %.700s", im->file_name, msg);
        return rc;
    }
    im->marked_block = -1;
    rc = import_locked(im, fd, source);
    finalize_all(im);
    if (rc == RECON_OK && !im->res->already_imported)
        rc = rc_commit(db);
    else
        rc_rollback(db);
    return rc;
}

/* Ends any import: frees *im, and hands the caller its result (zero on
 * failure: no partial result), up to the version the caller's struct has. */
static int import_done(importer *im, recon_import_result *out, int rc) {
    if (rc != RECON_OK) memset(&im->res_full, 0, sizeof im->res_full);
    if (out && rc_out_version(out)) {
        static const size_t sizes[] = {0, sizeof(recon_import_result)};
        rc_out_put(out, &im->res_full, RECON_IMPORT_RESULT_VERSION, sizes);
    }
    importer_free(im);
    return rc;
}

int recon_import_file(recon_db *db, const char *path, const recon_profile *profile,
                      const recon_import_opts *opts, recon_import_result *out) {
    rc_clear_error(db);
    importer im;
    int rc = importer_init(&im, db, profile, opts, out, "recon_import_file", path);
    int fd = -1;
    if (!rc) rc = open_file(&im, path, &fd);
    if (!rc) rc = import_checked(&im, fd);
    if (fd >= 0) close(fd);
    return import_done(&im, out, rc);
}

/* ---- imports from a stream ------------------------------------------------------------ */

/* An unlinked temporary file in TMPDIR (else /tmp): nothing is left behind,
 * even when the process dies. */
static int spool_open(importer *im, int *out_fd) {
    const char *dir = getenv("TMPDIR");
    if (!dir || !dir[0]) dir = "/tmp";
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/recon-import-XXXXXX", dir) >= sizeof path)
        return rc_fail(im->db, RECON_EIO, "%s: TMPDIR is too long", im->file_name);
    int fd = mkstemp(path);
    if (fd < 0)
        return rc_fail(im->db, RECON_EIO, "%s: cannot create a temporary file in %s: %s",
                       im->file_name, dir, strerror(errno));
    unlink(path);
    *out_fd = fd;
    return RECON_OK;
}

static int spool_put(importer *im, int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0)
            return rc_fail(im->db, RECON_EIO, "%s: cannot write the temporary copy: %s",
                           im->file_name, w < 0 ? strerror(errno) : "short write");
        p += w;
        n -= (size_t)w;
    }
    return RECON_OK;
}

/* Where a stream's bytes come from: a buffer, a descriptor or the
 * caller's read callback (exactly one). */
typedef struct {
    const char *data;
    size_t len;
    int fd;
    recon_read_fn read;
    void *payload;
} stream;

static int spool_stream(importer *im, const stream *in, int fd) {
    if (in->data || (!in->read && in->fd < 0)) return spool_put(im, fd, in->data, in->len);
    enum { CHUNK = 1 << 16 };
    char *buf = malloc(CHUNK);
    if (!buf) return rc_fail(im->db, RECON_ENOMEM, "%s: out of memory", im->file_name);
    int rc = RECON_OK;
    for (;;) {
        long long got;
        if (in->read) {
            got = in->read(in->payload, buf, CHUNK);
            if (got < 0) {
                rc = rc_fail(im->db, RECON_EUSER, "%s: the read callback failed (%lld)",
                             im->file_name, got);
                break;
            }
            if (got > CHUNK) {
                rc = rc_fail(im->db, RECON_EMISUSE,
                             "%s: the read callback returned %lld for a %d-byte buffer",
                             im->file_name, got, (int)CHUNK);
                break;
            }
        } else {
            got = read(in->fd, buf, CHUNK);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) {
                rc = rc_fail(im->db, RECON_EIO, "%s: read error: %s", im->file_name,
                             strerror(errno));
                break;
            }
        }
        if (got == 0) break;
        if ((rc = spool_put(im, fd, buf, (size_t)got)) != RECON_OK) break;
    }
    free(buf);
    return rc;
}

static int import_stream(recon_db *db, const stream *in, const recon_profile *profile,
                         const recon_import_opts *opts, recon_import_result *out, const char *fn,
                         const char *name) {
    rc_clear_error(db);
    importer im;
    int rc = importer_init(&im, db, profile, opts, out, fn, name);
    int fd = -1;
    if (!rc) rc = spool_open(&im, &fd);
    if (!rc) rc = spool_stream(&im, in, fd);
    if (!rc && lseek(fd, 0, SEEK_SET) != 0)
        rc = rc_fail(db, RECON_EIO, "%s: cannot rewind: %s", im.file_name, strerror(errno));
    if (!rc) rc = check_file(&im, fd);
    if (!rc) rc = import_checked(&im, fd);
    if (fd >= 0) close(fd);
    return import_done(&im, out, rc);
}

int recon_import_buffer(recon_db *db, const void *data, size_t len, const recon_profile *profile,
                        const recon_import_opts *opts, recon_import_result *out) {
    stream in = {data, len, -1, NULL, NULL};
    return import_stream(db, &in, profile, opts, out, "recon_import_buffer",
                         data || !len ? "(buffer)" : NULL);
}

int recon_import_fd(recon_db *db, int fd, const recon_profile *profile,
                    const recon_import_opts *opts, recon_import_result *out) {
    char name[32];
    snprintf(name, sizeof name, "(fd %d)", fd);
    stream in = {NULL, 0, fd, NULL, NULL};
    return import_stream(db, &in, profile, opts, out, "recon_import_fd", fd >= 0 ? name : NULL);
}

int recon_import_read(recon_db *db, recon_read_fn read, void *payload, const recon_profile *profile,
                      const recon_import_opts *opts, recon_import_result *out) {
    stream in = {NULL, 0, -1, read, payload};
    return import_stream(db, &in, profile, opts, out, "recon_import_read",
                         read ? "(stream)" : NULL);
}

const char *recon_import_encoding(const recon_db *db) {
    return db ? db->import_encoding : NULL;
}
