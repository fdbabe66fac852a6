/* failures: the failure log. Rejected rows and failed payments are written
 * by ingest inside the import's transaction; this module records provider
 * failures for jobs, resolves failures, and reads the log back for the CLI,
 * for programs and for the summary view. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "errors/errtable.h"
#include "store/store.h"
#include "util/timefmt.h"

static const char *col_text(sqlite3_stmt *st, int i) {
    return (const char *)sqlite3_column_text(st, i);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v) {
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* ---- reading ------------------------------------------------------------------------ */

static const char SELECT_FAILURES[] =
    "SELECT f.id, f.origin, f.import_id, f.transaction_id, s.name, i.file_name, f.line, f.field,"
    " f.column_name, f.provider, f.http_status, f.provider_code, f.unified_code, f.category,"
    " f.message, f.raw, f.request_id, f.context, f.occurrences, f.first_seen, f.last_seen,"
    " f.resolved_at, f.resolved_by, f.resolution_note"
    " FROM failures f"
    " LEFT JOIN sources s ON s.id = f.source_id"
    " LEFT JOIN imports i ON i.id = f.import_id"
    " WHERE (?1 = 0 OR f.import_id = ?1)"
    "   AND (?2 IS NULL OR f.unified_code = ?2)"
    "   AND (?3 IS NULL OR f.category = ?3)"
    "   AND (?4 IS NULL OR f.provider = ?4)"
    "   AND (?5 IS NULL OR s.name = ?5)"
    /* `to` is exclusive, but a date covers that whole day: a date bound
     * compares prefixes, a time bound compares strictly. */
    "   AND (?6 IS NULL OR f.last_seen >= ?6)"
    "   AND (?7 IS NULL OR CASE WHEN length(?7) <= 10"
    "        THEN substr(f.first_seen, 1, length(?7)) <= ?7 ELSE f.first_seen < ?7 END)"
    "   AND (?8 = 0 OR (?8 = 1 AND f.resolved_at IS NULL)"
    "        OR (?8 = 2 AND f.resolved_at IS NOT NULL))"
    " ORDER BY f.id";

static recon_failure failure_row(sqlite3_stmt *st) {
    recon_failure f = {
        .version = RECON_FAILURE_VERSION,
        .id = sqlite3_column_int64(st, 0),
        .origin = col_text(st, 1),
        .import_id = sqlite3_column_int64(st, 2),
        .transaction_id = sqlite3_column_int64(st, 3),
        .source = col_text(st, 4),
        .file_name = col_text(st, 5),
        .line = sqlite3_column_int64(st, 6),
        .field = col_text(st, 7),
        .column = col_text(st, 8),
        .provider = col_text(st, 9),
        .http_status = sqlite3_column_int(st, 10),
        .provider_code = col_text(st, 11),
        .unified_code = col_text(st, 12),
        .category = col_text(st, 13),
        .message = col_text(st, 14),
        .raw = col_text(st, 15),
        .request_id = col_text(st, 16),
        .context = col_text(st, 17),
        .occurrences = sqlite3_column_int64(st, 18),
        .first_seen = col_text(st, 19),
        .last_seen = col_text(st, 20),
        .resolved_at = col_text(st, 21),
        .resolved_by = col_text(st, 22),
        .resolution_note = col_text(st, 23),
    };
    return f;
}

int recon_failures_each(recon_db *db, const recon_failure_filter *filter,
                        int (*cb)(const recon_failure *failure, void *payload), void *payload) {
    rc_clear_error(db);
    const recon_failure_filter all = RECON_FAILURE_FILTER_INIT;
    const recon_failure_filter *fl = filter ? filter : &all;
    if (!db || !cb || fl->version != RECON_FAILURE_FILTER_VERSION ||
        (unsigned)fl->state > RECON_FAILURES_RESOLVED)
        return rc_fail(db, RECON_EMISUSE, "recon_failures_each: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_prepare(db, SELECT_FAILURES, &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, fl->import_id);
    bind_opt(st, 2, fl->unified_code);
    bind_opt(st, 3, fl->category);
    bind_opt(st, 4, fl->provider);
    bind_opt(st, 5, fl->source);
    bind_opt(st, 6, fl->from);
    bind_opt(st, 7, fl->to);
    sqlite3_bind_int(st, 8, (int)fl->state);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_failure f = failure_row(st);
        int stop = cb(&f, payload);
        if (stop) {
            sqlite3_finalize(st);
            return rc_callback_stop(db, stop, "reading failures");
        }
    }
    if (step != SQLITE_DONE) rc = rc_fail_sql(db, "reading failures");
    sqlite3_finalize(st);
    return rc;
}

int recon_failures_summary_each(recon_db *db,
                                int (*cb)(const recon_failure_summary_row *row, void *payload),
                                void *payload) {
    rc_clear_error(db);
    if (!db || !cb)
        return rc_fail(db, RECON_EMISUSE, "recon_failures_summary_each: invalid argument");
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "SELECT unified_code, category, provider, failures, occurrences,"
                        " first_seen, last_seen FROM v_failures_summary"
                        " ORDER BY occurrences DESC, unified_code, provider",
                        &st);
    if (rc) return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        recon_failure_summary_row r = {RECON_FAILURE_SUMMARY_ROW_VERSION,
                                       col_text(st, 0),
                                       col_text(st, 1),
                                       col_text(st, 2),
                                       sqlite3_column_int64(st, 3),
                                       sqlite3_column_int64(st, 4),
                                       col_text(st, 5),
                                       col_text(st, 6)};
        int stop = cb(&r, payload);
        if (stop) {
            sqlite3_finalize(st);
            return rc_callback_stop(db, stop, "reading the failure summary");
        }
    }
    if (step != SQLITE_DONE) rc = rc_fail_sql(db, "reading the failure summary");
    sqlite3_finalize(st);
    return rc;
}

/* ---- recording ---------------------------------------------------------------------- */

static int source_id(recon_db *db, const char *name, int64_t *out) {
    *out = 0;
    if (!name || !*name) return RECON_OK;
    sqlite3_stmt *st;
    int rc = rc_prepare(db, "SELECT id FROM sources WHERE name = ?1", &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (step == SQLITE_ROW) return RECON_OK;
    if (step == SQLITE_DONE) return rc_fail(db, RECON_ENOTFOUND, "no source '%s'", name);
    return rc_fail_sql(db, "looking up a source");
}

#define FP_FIELDS 7
#define FP_SEP '\x1f'

/* Feeds one field to the digest as its length, then its bytes: no content
 * can imitate a boundary. */
static void digest_field(EVP_MD_CTX *md, const char *s) {
    char len[24];
    size_t n = strlen(s);
    int k = snprintf(len, sizeof len, "%zu:", n);
    EVP_DigestUpdate(md, len, (size_t)k);
    EVP_DigestUpdate(md, s, n);
}

/* "sha256:" and the hex digest of the length-prefixed fields. */
static int hashed_fingerprint(const char *const *f, char *out, size_t size) {
    static const char hexd[] = "0123456789abcdef";
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (int i = 0; ok && i < FP_FIELDS; i++)
        digest_field(md, f[i]);
    ok = ok && EVP_DigestFinal_ex(md, d, &n) && size > 7 + 2 * (size_t)n;
    EVP_MD_CTX_free(md);
    if (!ok) return -1;
    memcpy(out, "sha256:", 7);
    for (unsigned int i = 0; i < n; i++) {
        out[7 + 2 * i] = hexd[d[i] >> 4];
        out[8 + 2 * i] = hexd[d[i] & 15];
    }
    out[7 + 2 * n] = '\0';
    return 0;
}

/* What makes two records the same failure: everything that identifies it,
 * not what varies between occurrences (time, message, request id). The
 * fields joined by \x1f, as databases already store it, when that is
 * unambiguous: no field holds the separator and the whole fits. Otherwise
 * (a long context, a field with \x1f in it) a digest of the fields, which
 * can neither be cut short nor confused with a joined one (it has no
 * \x1f). Returns -1 when hashing fails. */
static int fingerprint(const recon_failure_input *in, const recon_error_info *e, int64_t sid,
                       char *out, size_t size) {
    char status[16], source[24];
    snprintf(status, sizeof status, "%d", in->http_status);
    snprintf(source, sizeof source, "%lld", (long long)sid);
    const char *const f[FP_FIELDS] = {e->provider,
                                      status,
                                      e->provider_code,
                                      e->unified_code,
                                      source,
                                      in->context ? in->context : "",
                                      in->field ? in->field : ""};
    size_t used = 0;
    for (int i = 0; i < FP_FIELDS; i++) {
        size_t n = strlen(f[i]);
        if (memchr(f[i], FP_SEP, n) || used + n + 1 > size) return hashed_fingerprint(f, out, size);
        memcpy(out + used, f[i], n);
        used += n;
        out[used++] = i + 1 < FP_FIELDS ? FP_SEP : '\0';
    }
    return 0;
}

static int normalize_seen(recon_db *db, const char *seen, char out[RC_TIME_BUF]) {
    if (!seen) {
        rc_now_utc(out);
        return RECON_OK;
    }
    rc_time_format iso;
    rc_time_format_compile("iso8601", &iso);
    if (rc_time_parse(seen, strlen(seen), &iso, 0, out) != RC_TIME_OK || strlen(out) != 20)
        return rc_fail(db, RECON_EMISUSE, "seen_at '%.64s' is not an ISO 8601 date and time", seen);
    return RECON_OK;
}

/* Adds an occurrence to the open failure with this fingerprint. Sets
 * *out_id, or leaves it 0 when there is none. */
static int bump_open(recon_db *db, const char *fp, const recon_failure_input *in, const char *seen,
                     int64_t *out_id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        /* The right-hand sides see the row as it was: an occurrence
                         * older than the last one keeps the latest message. */
                        "UPDATE failures SET occurrences = occurrences + 1,"
                        " last_seen = max(last_seen, ?2), first_seen = min(first_seen, ?2),"
                        " message = CASE WHEN ?2 >= last_seen THEN coalesce(?3, message)"
                        "   ELSE message END,"
                        " request_id = CASE WHEN ?2 >= last_seen THEN coalesce(?4, request_id)"
                        "   ELSE request_id END"
                        " WHERE fingerprint = ?1 AND resolved_at IS NULL RETURNING id",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, seen, -1, SQLITE_STATIC);
    bind_opt(st, 3, in->message);
    bind_opt(st, 4, in->request_id);
    *out_id = 0;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) *out_id = sqlite3_column_int64(st, 0);
    if (step == SQLITE_ROW) step = sqlite3_step(st);
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(db, "counting a repeated failure");
}

static int insert_new(recon_db *db, const char *fp, const recon_failure_input *in,
                      const recon_error_info *e, int64_t sid, const char *seen, int64_t *out_id) {
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "INSERT INTO failures(origin, source_id, field, provider, http_status,"
                        " provider_code, unified_code, category, message, request_id, context,"
                        " fingerprint, first_seen, last_seen)"
                        " VALUES ('provider', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                        " ?12)",
                        &st);
    if (rc) return rc;
    if (sid)
        sqlite3_bind_int64(st, 1, sid);
    else
        sqlite3_bind_null(st, 1);
    bind_opt(st, 2, in->field);
    sqlite3_bind_text(st, 3, e->provider, -1, SQLITE_STATIC);
    if (in->http_status)
        sqlite3_bind_int(st, 4, in->http_status);
    else
        sqlite3_bind_null(st, 4);
    bind_opt(st, 5, e->provider_code);
    sqlite3_bind_text(st, 6, e->unified_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, e->category, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, in->message && *in->message ? in->message : e->description, -1,
                      SQLITE_STATIC);
    bind_opt(st, 9, in->request_id);
    bind_opt(st, 10, in->context);
    sqlite3_bind_text(st, 11, fp, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, seen, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "recording a failure");
    *out_id = sqlite3_last_insert_rowid(db->sql);
    return RECON_OK;
}

int recon_failure_record(recon_db *db, const recon_failure_input *in, int64_t *out_id) {
    rc_clear_error(db);
    if (!db || !in || in->version != RECON_FAILURE_INPUT_VERSION || !in->provider ||
        !*in->provider || in->http_status < 0 || in->http_status > 999)
        return rc_fail(db, RECON_EMISUSE, "recon_failure_record: invalid argument");
    recon_error_info local = RECON_ERROR_INFO_INIT;
    const recon_error_info *e = in->info;
    if (!e) {
        recon_error_classify_message(in->provider, in->http_status, in->provider_code, in->message,
                                     &local);
        e = &local;
    }
    char seen[RC_TIME_BUF], fp[1024];
    int64_t sid, id = 0;
    int rc = normalize_seen(db, in->seen_at, seen);
    if (rc == RECON_OK) rc = rc_begin(db);
    if (rc) return rc;
    if ((rc = source_id(db, in->source, &sid)) == RECON_OK) {
        if (fingerprint(in, e, sid, fp, sizeof fp) != 0)
            rc = rc_fail(db, RECON_ERROR, "sha256 unavailable");
        else
            rc = bump_open(db, fp, in, seen, &id);
        if (rc == RECON_OK && !id) rc = insert_new(db, fp, in, e, sid, seen, &id);
    }
    if (rc == RECON_OK)
        rc = rc_commit(db);
    else
        rc_rollback(db);
    if (rc == RECON_OK && out_id) *out_id = id;
    return rc;
}

int recon_failure_resolve(recon_db *db, int64_t id, const char *note, const char *actor) {
    rc_clear_error(db);
    if (!db || id <= 0 || !note || !*note)
        return rc_fail(db, RECON_EMISUSE,
                       "recon_failure_resolve: a failure id and a note are required");
    char now[21];
    rc_now_utc(now);
    sqlite3_stmt *st;
    int rc = rc_prepare(db,
                        "UPDATE failures SET resolved_at = ?2, resolved_by = ?3,"
                        " resolution_note = ?4 WHERE id = ?1 AND resolved_at IS NULL",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, actor && *actor ? actor : "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(db, "resolving a failure");
    if (sqlite3_changes(db->sql) == 1) return RECON_OK;
    if ((rc = rc_prepare(db, "SELECT resolved_at FROM failures WHERE id = ?1", &st)) != RECON_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_ROW)
        return rc_fail(db, RECON_ECONFLICT, "failure %lld is resolved already", (long long)id);
    return rc_fail(db, RECON_ENOTFOUND, "no failure %lld", (long long)id);
}
