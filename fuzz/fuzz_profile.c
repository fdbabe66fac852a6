/* Fuzz target: profile files (recon_profile_parse, lib/profile/profile.c and the
 * column expressions of lib/profile/expr.c).
 *
 * The input is the INI text (cut at its first NUL, as a C string would
 * be). Checked: a refusal says why and returns nothing; a profile parsed
 * twice gives the same name, description and source type; a header row
 * made of the profile's own column names (first alias of each mapped
 * column, name of each slot) binds, with every index inside the row (a
 * slot by position where it says), or, when a name is a pattern that fits
 * two of them, is refused as ambiguous; and a parsed profile is freed
 * without leaks (ASan). */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "profile/profile.h"
#include "recon.h"

/* Adds a column name to a header unless it is there already: a real file
 * names a column once, however many fields read it (a header naming a
 * column twice is refused when the profile reads it). */
static void profile_fuzz_add(const char **header, size_t *lens, size_t *n, const char *name) {
    for (size_t i = 0; i < *n; i++)
        if (strcasecmp(header[i], name) == 0) return;
    header[*n] = name;
    lens[*n] = strlen(name);
    (*n)++;
}

/* Binds the profile to a header of its own names. A column named by a
 * pattern (`deposit*date`) may also fit another column's name there, which
 * the binding rightly refuses as ambiguous: with patterns, that refusal
 * (and only that one) is an answer too. */
static void profile_fuzz_bind_self(const recon_profile *p) {
    const char *header[RC_F_COUNT + RC_MAX_SLOTS];
    size_t lens[RC_F_COUNT + RC_MAX_SLOTS];
    size_t n = 0;
    int patterns = 0;
    for (int f = 0; f < RC_F_COUNT; f++) {
        const rc_column *col = &p->cols[f];
        if (col->configured && !col->expr && col->naliases > 0)
            profile_fuzz_add(header, lens, &n, col->aliases[0]);
        for (size_t k = 0; col->configured && !col->expr && k < col->naliases; k++)
            patterns |= strchr(col->aliases[k], '*') != NULL;
    }
    for (size_t s = 0; s < p->slots.n; s++)
        if (p->slots.slot[s].name != NULL)
            profile_fuzz_add(header, lens, &n, p->slots.slot[s].name);
    rc_binding b;
    char msg[512];
    const int rc = rc_profile_bind(p, p->header ? header : NULL, p->header ? lens : NULL,
                                   p->header ? n : 0, &b, msg, sizeof msg);
    FUZZ_ASSERT(strlen(msg) < sizeof msg);
    if (!p->header) return;
    if (rc == RECON_EHEADER && patterns && strstr(msg, "fits more than one column")) return;
    if (rc != RECON_OK) {
        fprintf(stderr, "own header does not bind: %s\n", msg);
        FUZZ_ASSERT(rc == RECON_OK);
    }
    for (int f = 0; f < RC_F_COUNT; f++)
        FUZZ_ASSERT(b.index[f] < (long)n);
    /* A slot by position (#N) reads field N of each row, whatever the
     * header holds (record-type files: a footer row is wider); rows
     * shorter than that give it empty (rc_cells_get). */
    for (size_t s = 0; s < p->slots.n; s++) {
        const rc_slot *sl = &p->slots.slot[s];
        FUZZ_ASSERT(sl->name ? b.slot_index[s] < (long)n
                             : b.slot_index[s] == (long)sl->position - 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);

    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = (recon_profile *)1;
    const int rc = recon_profile_parse(text, "fuzz.ini", &err, &p);
    if (rc != RECON_OK) {
        FUZZ_ASSERT_REFUSAL(rc, p, err);
        free(text);
        return 0;
    }
    FUZZ_ASSERT(p != NULL && recon_profile_name(p) != NULL);
    FUZZ_ASSERT(recon_profile_description(p) != NULL);
    const recon_source_type type = recon_profile_source_type(p);
    FUZZ_ASSERT(strcmp(recon_source_type_name(type), "?") != 0);

    recon_profile *again = NULL;
    FUZZ_ASSERT(recon_profile_parse(text, "fuzz.ini", NULL, &again) == RECON_OK);
    FUZZ_ASSERT(strcmp(recon_profile_name(p), recon_profile_name(again)) == 0);
    FUZZ_ASSERT(strcmp(recon_profile_description(p), recon_profile_description(again)) == 0);
    FUZZ_ASSERT(recon_profile_source_type(again) == type);
    recon_profile_free(again);

    profile_fuzz_bind_self(p);
    recon_profile_free(p);
    free(text);
    return 0;
}
