/* ini: what the INI files of profiles and rules share (util/ini.h). */
#include <ctype.h>
#include <string.h>

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
        if (len && fn(s, len, ctx) != 0)
            return -1;
        v += n;
        if (*v == ',')
            v++;
    }
    return 0;
}
