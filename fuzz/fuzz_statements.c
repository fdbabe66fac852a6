/* Fuzz target: the statement readers over the CSV reader, without a
 * database: BAI2 (lib/formats/bai2.c), MT940 (mt940.c), camt.05x
 * (camt.c, expat) and OFX (ofx.c). The first byte picks the reader; the rest is the file.
 * Checked on every row: a data row has the reader's column count, its
 * fields and raw text NUL-terminated at their lengths; any other row has
 * no fields and a message when it is a check or a syntax error; lines
 * never go backwards; and the reader ends (EOF) on every input. */
#include <string.h>

#include "formats/bai2.h"
#include "formats/camt.h"
#include "formats/mt940.h"
#include "formats/ofx.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const int which = data[0] % 4;
    data++, size--;
    rc_csv_opts o;
    memset(&o, 0, sizeof o);
    o.delim = which == 0 ? ',' : RC_MT940_DELIM;
    o.no_quotes = 1;
    rc_csv *csv = NULL;
    if (rc_csv_open_mem((const char *)data, size, &o, &csv) != 0) return 0;
    rc_bai2 *b = NULL;
    rc_mt940 *m = NULL;
    rc_camt *c = NULL;
    rc_ofx *x = NULL;
    int ok = which == 0   ? rc_bai2_open(csv, &b) == 0
             : which == 1 ? rc_mt940_open(csv, &m) == 0
             : which == 2 ? rc_camt_open(csv, &c) == 0
                          : rc_ofx_open(csv, &x) == 0;
    FUZZ_ASSERT(ok);
    const size_t columns = which == 0   ? RC_BAI2_COLUMNS
                           : which == 1 ? RC_MT940_COLUMNS
                           : which == 2 ? RC_CAMT_COLUMNS
                                        : RC_OFX_COLUMNS;
    rc_csv_row row;
    int rc;
    uint64_t rows = 0;
    while ((rc = which == 0   ? rc_bai2_next(b, &row)
                 : which == 1 ? rc_mt940_next(m, &row)
                 : which == 2 ? rc_camt_next(c, &row)
                              : rc_ofx_next(x, &row)) == RC_CSV_HAVE_ROW) {
        FUZZ_ASSERT(++rows <= 4 * size + 8); /* it ends */
        FUZZ_ASSERT(row.raw != NULL && row.raw[row.raw_len] == '\0');
        if (row.error == RC_CSV_ROW_OK) {
            FUZZ_ASSERT(row.nfields == columns);
            for (size_t i = 0; i < row.nfields; i++)
                FUZZ_ASSERT(row.fields[i] && row.fields[i][row.lens[i]] == '\0');
        } else {
            FUZZ_ASSERT(row.nfields == 0);
            const char *msg = which == 0   ? rc_bai2_message(b)
                              : which == 1 ? rc_mt940_message(m)
                              : which == 2 ? rc_camt_message(c)
                                           : rc_ofx_message(x);
            if (which == 3 && row.error == RC_CSV_ROW_SYNTAX) FUZZ_ASSERT(msg[0] != '\0');
            if (row.error == RC_BAI2_CHECK_OK || row.error == RC_BAI2_CHECK_FAILED)
                FUZZ_ASSERT(msg[0] != '\0');
        }
    }
    FUZZ_ASSERT(rc == RC_CSV_EOF || rc == RC_CSV_EBINARY || rc == RC_CSV_EUTF16 ||
                rc == RC_CSV_ENOMEM);
    rc_bai2_close(b);
    rc_mt940_close(m);
    rc_camt_close(c);
    rc_ofx_close(x);
    rc_csv_close(csv);
    return 0;
}
