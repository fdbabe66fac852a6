/* encoding: the file's character encoding (see encoding.h). */
#include "util/encoding.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void rc_enc_scan_init(rc_enc_scan *s) {
    memset(s, 0, sizeof *s);
}

/* The continuation bytes a lead byte announces by its bit pattern, 0 for
 * ASCII, -1 for a byte that cannot start a sequence (80-BF, F8-FF). C0,
 * C1 and F5-F7 announce some too, though what they start is never valid
 * (overlong, beyond U+10FFFF). */
static int sequence_tail(unsigned char c) {
    if (c < 0x80) return 0;
    if (c >= 0xC0 && c <= 0xDF) return 1;
    if (c >= 0xE0 && c <= 0xEF) return 2;
    if (c >= 0xF0 && c <= 0xF7) return 3;
    return -1;
}

/* Is the second byte in range for the lead? Narrower after E0, ED, F0 and
 * F4 (overlong forms, surrogates, code points above U+10FFFF); never after
 * C0, C1, F5-F7. */
static int second_ok(unsigned char lead, unsigned char c) {
    if (lead == 0xC0 || lead == 0xC1 || lead >= 0xF5) return 0;
    if (lead == 0xE0) return c >= 0xA0 && c <= 0xBF;
    if (lead == 0xED) return c >= 0x80 && c <= 0x9F;
    if (lead == 0xF0) return c >= 0x90 && c <= 0xBF;
    if (lead == 0xF4) return c >= 0x80 && c <= 0x8F;
    return 1;
}

/* Bytes with UTF-8's shape (a lead and its continuation bytes) count for
 * UTF-8 even when the code point is invalid (overlong, a surrogate): a
 * UTF-8 writer made them, broken or hostile, not a Windows-1252 one, and
 * such rows are rejected, not reread. */
static void scan_byte(rc_enc_scan *s, unsigned char c) {
    if (c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D) s->undefined++;
    if (s->need) {
        if (c >= 0x80 && c <= 0xBF) {
            if (s->at == 1 && !second_ok(s->lead, c)) s->malformed = 1;
            s->at++;
            if (--s->need == 0) {
                if (s->malformed)
                    s->utf8_like++, s->invalid += s->at;
                else
                    s->multibyte++;
            }
            return;
        }
        s->invalid += s->at; /* the sequence so far was not UTF-8 */
        s->need = 0;
    }
    int tail = sequence_tail(c);
    if (tail < 0) {
        s->invalid++;
    } else if (tail > 0) {
        s->need = (unsigned)tail;
        s->lead = c;
        s->at = 1;
        s->malformed = 0;
    }
}

void rc_enc_scan_feed(rc_enc_scan *s, const void *buf, size_t len) {
    const unsigned char *p = buf;
    for (size_t i = 0; i < len && s->seen + i < 2; i++)
        s->bom[s->seen + i] = p[i];
    for (size_t i = 0; i < len;) {
        /* ASCII runs are the bulk of every file: eight bytes at a time. */
        if (!s->need) {
            uint64_t w;
            while (i + 8 <= len && (memcpy(&w, p + i, 8), (w & 0x8080808080808080u) == 0))
                i += 8;
            while (i < len && p[i] < 0x80)
                i++;
            if (i == len) break;
        }
        scan_byte(s, p[i++]);
    }
    s->seen += len;
}

const char *rc_enc_scan_verdict(const rc_enc_scan *s) {
    if (s->seen >= 2 &&
        ((s->bom[0] == 0xFF && s->bom[1] == 0xFE) || (s->bom[0] == 0xFE && s->bom[1] == 0xFF)))
        return RC_ENC_UTF16;
    /* A sequence still open at the end is not counted: the bytes fed may be
     * a file's start only (detection), cut anywhere. */
    if (s->invalid && !s->multibyte && !s->utf8_like && !s->undefined) return RC_ENC_CP1252;
    return RC_ENC_UTF8;
}

const char *rc_enc_name(const char *name) {
    static const struct {
        const char *alias, *iconv;
    } names[] = {
        {"utf-8", RC_ENC_UTF8},    {"utf8", RC_ENC_UTF8},
        {"utf-16", RC_ENC_UTF16},  {"windows-1252", RC_ENC_CP1252},
        {"cp1252", RC_ENC_CP1252}, {"iso-8859-1", "ISO-8859-1"},
        {"latin1", "ISO-8859-1"},  {"iso-8859-15", "ISO-8859-15"},
        {"latin9", "ISO-8859-15"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(name, names[i].alias)) return names[i].iconv;
    return NULL;
}

size_t rc_enc_unit(const char *enc) {
    return strncmp(enc, RC_ENC_UTF16, 6) == 0 ? 2 : 1;
}

int rc_enc_converts(const char *enc) {
    return enc && strcmp(enc, RC_ENC_UTF8) != 0;
}

int rc_enc_to_utf8(const char *enc, const char *in, size_t n, char **out, size_t *outlen) {
    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1) return -1;
    size_t cap = 4 * n + 4; /* UTF-8 never needs more than 4 bytes per input byte */
    char *buf = malloc(cap), *o = buf, *i = (char *)in;
    size_t ileft = n, oleft = cap;
    const size_t unit = rc_enc_unit(enc);
    while (buf && ileft && iconv(cd, &i, &ileft, &o, &oleft) == (size_t)-1) {
        if (errno == E2BIG) break;
        size_t skip = ileft < unit ? ileft : unit;
        *o++ = (char)0xFF; /* undefined or cut short: never valid UTF-8 */
        oleft--;
        i += skip;
        ileft -= skip;
    }
    iconv_close(cd);
    if (!buf) return -1;
    *out = buf;
    *outlen = cap - oleft;
    return 0;
}
