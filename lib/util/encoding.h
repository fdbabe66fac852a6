/* encoding: which character encoding a text file is in, decided from its
 * bytes or stated by its profile, and the names iconv(3) knows it by.
 *
 * The guess is deliberately narrow, because a wrong one changes text in
 * silence: a UTF-16 byte order mark is UTF-16; bytes that are valid UTF-8
 * are UTF-8; a file with bytes that are not UTF-8, no multi-byte UTF-8
 * sequence anywhere (valid, or shaped like one: overlong forms) and none
 * of the five bytes Windows-1252 leaves undefined is Windows-1252 (the encoding of most non-UTF-8
 * exports from Windows spreadsheets and banks). Anything else (UTF-8 with stray bytes) stays UTF-8,
 * and its unreadable rows are rejected as invalid_utf8. */
#ifndef RECON_ENCODING_H
#define RECON_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#define RC_ENC_UTF8 "UTF-8"
#define RC_ENC_UTF16 "UTF-16"
#define RC_ENC_CP1252 "WINDOWS-1252"

/* The running verdict over a file's bytes, fed in any pieces. */
typedef struct {
    uint64_t seen;      /* bytes fed */
    uint64_t multibyte; /* valid multi-byte UTF-8 sequences */
    uint64_t invalid;   /* bytes that are not UTF-8 where they stand */
    uint64_t utf8_like; /* sequences with UTF-8's shape but an invalid code point */
    uint64_t undefined; /* bytes Windows-1252 does not define (81 8D 8F 90 9D) */
    unsigned char bom[2];
    unsigned need;           /* continuation bytes the open sequence still needs */
    unsigned char lead, at;  /* its lead byte and how many came (for overlong checks) */
    unsigned char malformed; /* its code point is invalid (overlong, surrogate, too big) */
} rc_enc_scan;

void rc_enc_scan_init(rc_enc_scan *s);
void rc_enc_scan_feed(rc_enc_scan *s, const void *buf, size_t len);
/* RC_ENC_UTF8, RC_ENC_UTF16 or RC_ENC_CP1252 (static strings). */
const char *rc_enc_scan_verdict(const rc_enc_scan *s);

/* A profile's encoding name (any case: utf-8, utf-16, windows-1252 or
 * cp1252, iso-8859-1 or latin1, iso-8859-15 or latin9) as iconv's name;
 * NULL when it is none of them. */
const char *rc_enc_name(const char *name);

/* The bytes of one code unit of enc: 2 for UTF-16, else 1. A unit the
 * encoding does not define is skipped whole, so the text after it stays
 * aligned. */
size_t rc_enc_unit(const char *enc);

/* 1 when text in enc needs converting to UTF-8. */
int rc_enc_converts(const char *enc);

/* Converts n bytes of text in enc (an iconv name) to UTF-8 in a new
 * buffer (*out, to free); a byte the encoding does not define becomes
 * 0xFF, which is never UTF-8. Returns 0, or -1 (unknown encoding, no
 * memory). */
int rc_enc_to_utf8(const char *enc, const char *in, size_t n, char **out, size_t *outlen);

#endif
