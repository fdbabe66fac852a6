/* response: turns a provider's raw error response body into a classified
 * failure. Bodies are parsed with Jansson; each provider's envelope is read
 * by its documented keys, any other JSON by the common ones. A body that
 * cannot be read (empty, truncated, not JSON, too large) is not an error:
 * the answer is then classified by its HTTP status alone, because that is
 * exactly when a caller needs an answer. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "errors/errtable.h"
#include "util/opts.h"
#include "util/utf8.h"

/* Bodies over this are not parsed (classified by status): an error
 * response has no business being that large, and parsing it would cost
 * memory the caller did not plan for. */
#define MAX_BODY (1024 * 1024)

/* Copies src into dst, cut to fit at a character boundary: the fields
 * are shown and stored as text, and half a character is not text. */
static void put(char *dst, size_t size, const char *src) {
    size_t n = src ? rc_utf8_cut(src, strlen(src), size - 1) : 0;
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

/* A JSON string, or a number written as text (the shop gateway sends
 * numeric codes), or NULL. */
static const char *text_of(json_t *v, char *buf, size_t size) {
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}

static json_t *first_error(json_t *root, const char *key) {
    json_t *errs = json_object_get(root, key);
    if (!json_is_array(errs)) return NULL;
    return json_array_get(errs, 0);
}

static int count_errors(json_t *root, const char *key) {
    json_t *errs = json_object_get(root, key);
    return json_is_array(errs) ? (int)json_array_size(errs) : 0;
}

/* Modulate: {"data": null, "meta": {"request_id"}, "errors": [{"code",
 * "message", "field", "retryable", "retry_after_seconds"}]}. */
static void read_modulate(json_t *root, recon_provider_failure *f, char *code, size_t size) {
    json_t *e = first_error(root, "errors");
    char num[32];
    put(f->request_id, sizeof f->request_id,
        json_string_value(json_object_get(json_object_get(root, "meta"), "request_id")));
    f->nerrors = count_errors(root, "errors");
    if (!json_is_object(e)) return;
    put(code, size, text_of(json_object_get(e, "code"), num, sizeof num));
    put(f->message, sizeof f->message, json_string_value(json_object_get(e, "message")));
    put(f->field, sizeof f->field, json_string_value(json_object_get(e, "field")));
    json_t *r = json_object_get(e, "retryable");
    if (json_is_boolean(r)) f->body_retryable = json_is_true(r);
    json_t *after = json_object_get(e, "retry_after_seconds");
    if (json_is_integer(after) && json_integer_value(after) > 0 &&
        json_integer_value(after) <= 86400)
        f->retry_after_seconds = (int)json_integer_value(after);
}

/* Ingenico Connect: {"errorId", "errors": [{"code", "propertyName",
 * "message"}]}. */
static void read_ingenico(json_t *root, recon_provider_failure *f, char *code, size_t size) {
    json_t *e = first_error(root, "errors");
    char num[32];
    put(f->request_id, sizeof f->request_id, json_string_value(json_object_get(root, "errorId")));
    f->nerrors = count_errors(root, "errors");
    if (!json_is_object(e)) return;
    put(code, size, text_of(json_object_get(e, "code"), num, sizeof num));
    put(f->message, sizeof f->message, json_string_value(json_object_get(e, "message")));
    put(f->field, sizeof f->field, json_string_value(json_object_get(e, "propertyName")));
}

/* TabaPay: {"SC": 422, "EM": "..."}; the status code is the HTTP status,
 * so it is not a provider code: EM's text tells the documented causes. */
static void read_tabapay(json_t *root, recon_provider_failure *f, char *code, size_t size) {
    (void)code, (void)size;
    put(f->message, sizeof f->message, json_string_value(json_object_get(root, "EM")));
    f->nerrors = f->message[0] ? 1 : 0;
}

/* Shop gateway: {"code": 1001, "message", "errors": [{"resource", "field",
 * "type"}]}. */
static void read_shop(json_t *root, recon_provider_failure *f, char *code, size_t size) {
    char num[32];
    put(code, size, text_of(json_object_get(root, "code"), num, sizeof num));
    put(f->message, sizeof f->message, json_string_value(json_object_get(root, "message")));
    f->nerrors = count_errors(root, "errors");
    json_t *e = first_error(root, "errors");
    if (!json_is_object(e)) return;
    const char *res = json_string_value(json_object_get(e, "resource"));
    const char *fld = json_string_value(json_object_get(e, "field"));
    const char *type = json_string_value(json_object_get(e, "type"));
    /* Joined in a buffer larger than the field, so that put makes the cut. */
    char joined[2 * sizeof f->field];
    snprintf(joined, sizeof joined, "%s%s%s%s%s%s", res ? res : "", res && fld ? "." : "",
             fld ? fld : "", type ? " (" : "", type ? type : "", type ? ")" : "");
    put(f->field, sizeof f->field, joined);
}

/* Anything else: the keys most APIs use. */
static void read_generic(json_t *root, recon_provider_failure *f, char *code, size_t size) {
    char num[32];
    json_t *e = first_error(root, "errors");
    json_t *where = json_is_object(e) ? e : root;
    json_t *err = json_object_get(root, "error");
    if (json_is_object(err)) where = err;
    /* A card error names its reason apart from its code (Stripe's
     * {"code": "card_declined", "decline_code": "insufficient_funds"}): the
     * reason is what tells a merchant what to do, so it classifies. */
    const char *c = json_string_value(json_object_get(where, "decline_code"));
    if (!c || !*c) c = text_of(json_object_get(where, "code"), num, sizeof num);
    put(code, size, c);
    const char *m = json_string_value(json_object_get(where, "message"));
    if (!m && json_is_string(err)) m = json_string_value(err);
    put(f->message, sizeof f->message, m);
    put(f->field, sizeof f->field, json_string_value(json_object_get(where, "field")));
    put(f->request_id, sizeof f->request_id,
        json_string_value(json_object_get(root, "request_id")));
    f->nerrors = json_is_array(json_object_get(root, "errors")) ? count_errors(root, "errors")
                                                                : (m || c ? 1 : 0);
}

static int looks_xml(const char *body, size_t len) {
    size_t i = 0;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) i = 3;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    return i < len && body[i] == '<';
}

/* The parse into the library's full, current struct. */
static void from_response(const char *provider, int http_status, const char *body, size_t body_len,
                          recon_provider_failure *out) {
    memset(out, 0, sizeof *out);
    out->body_retryable = -1;
    char code[64] = "";
    rc_error_detail detail = {NULL, 0};
    if (body && body_len > 0 && body_len <= MAX_BODY) {
        detail.body_is_xml = looks_xml(body, body_len);
        json_error_t jerr;
        json_t *root =
            detail.body_is_xml ? NULL : json_loadb(body, body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (json_is_object(root)) {
            char p[32];
            snprintf(p, sizeof p, "%s", provider ? provider : "");
            for (char *c = p; *c; c++)
                *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
            if (!strcmp(p, "modulate"))
                read_modulate(root, out, code, sizeof code);
            else if (!strcmp(p, "ingenico_connect"))
                read_ingenico(root, out, code, sizeof code);
            else if (!strcmp(p, "tabapay"))
                read_tabapay(root, out, code, sizeof code);
            else if (!strcmp(p, "shop_gateway"))
                read_shop(root, out, code, sizeof code);
            else
                read_generic(root, out, code, sizeof code);
            out->parsed = 1;
        }
        json_decref(root);
    }
    /* An XML body is not parsed, but that it is XML is itself the signal
     * some documents give (TabaPay's blocked IP). */
    detail.message = out->message[0] ? out->message : NULL;
    rc_error_classify_detail(provider, http_status, code, &detail, &out->info);
}

int recon_failure_from_response(const char *provider, int http_status, const char *body,
                                size_t body_len, recon_provider_failure *out) {
    if (!out || !rc_out_version(out)) return RECON_EMISUSE;
    recon_provider_failure full = RECON_PROVIDER_FAILURE_INIT;
    from_response(provider, http_status, body, body_len, &full);
    /* info is the last member, so its growth is this struct's: each version
     * of this struct holds one version of it (1 holds info 1, 2 holds 2). */
    static const size_t sizes[] = {
        0, offsetof(recon_provider_failure, info) + offsetof(recon_error_info, decline_type),
        sizeof full};
    rc_out_put(out, &full, RECON_PROVIDER_FAILURE_VERSION, sizes);
    if (out->version == 1) out->info.version = 1;
    return RECON_OK;
}
