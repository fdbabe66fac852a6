/* ini: what the INI files of profiles and rules share (util/ini.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/ini.h"

int rc_ini_long_line(const char *text) {
    int line = 1;
    size_t len = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            line++;
            len = 0;
        } else if (++len > RC_INI_LINE_MAX && *p != '\r') {
            return line;
        }
    }
    return 0;
}

int rc_each_item(const char *v, int (*fn)(const char *item, size_t len, void *ctx), void *ctx) {
    while (*v) {
        const char *end = strchr(v, ',');
        size_t n = end ? (size_t)(end - v) : strlen(v);
        const char *s = v;
        size_t len = n;
        while (len && isspace((unsigned char)*s))
            s++, len--;
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (len && fn(s, len, ctx) != 0) return -1;
        v += n;
        if (*v == ',') v++;
    }
    return 0;
}

char *rc_ini_read_file(const char *path, const char *what, recon_error *err, int *rc) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        *rc = rc_error_set(err, RECON_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(RC_INI_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, RC_INI_MAX_BYTES + 1, f) : 0;
    int failed = buf ? ferror(f) : 0;
    fclose(f);
    if (!buf) {
        *rc = rc_error_set(err, RECON_ENOMEM, "%s: out of memory", path);
    } else if (failed) {
        *rc = rc_error_set(err, RECON_EIO, "%s: read error", path);
    } else if (n > RC_INI_MAX_BYTES) {
        *rc = rc_error_set(err, RECON_EPROFILE, "%s: larger than %d bytes: not %s", path,
                           RC_INI_MAX_BYTES, what);
    } else if (memchr(buf, '\0', n)) {
        *rc = rc_error_set(err, RECON_EPROFILE, "%s: contains NUL bytes (a binary file?): not %s",
                           path, what);
    } else {
        buf[n] = '\0';
        return buf;
    }
    free(buf);
    return NULL;
}

int rc_ini_parse(const char *text, const char *origin, ini_handler handler, void *ctx,
                 const char *handler_msg, recon_error *err) {
    int long_line = rc_ini_long_line(text);
    if (long_line)
        return rc_error_set(err, RECON_EPROFILE, "%s:%d: line longer than %d bytes", origin,
                            long_line, RC_INI_LINE_MAX);
    int line = ini_parse_string(text, handler, ctx);
    if (line < 0) return rc_error_set(err, RECON_ENOMEM, "%s: out of memory", origin);
    if (line > 0)
        return rc_error_set(err, RECON_EPROFILE, "%s:%d: %s", origin, line,
                            handler_msg && handler_msg[0] ? handler_msg : "not a key = value line");
    return RECON_OK;
}
