/* htmlreport: writes the HTML report of a database to a file, for the
 * browser test and `make screenshot` until the CLI's `report html` verb
 * does the same. Usage: htmlreport DB OUT [FROM TO [SOURCE]] ("-" for none). */
#include <recon.h>
#include <stdio.h>
#include <string.h>

static const char *arg(int argc, char **argv, int i) {
    return i < argc && strcmp(argv[i], "-") ? argv[i] : NULL;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 6) {
        fprintf(stderr, "usage: htmlreport DB OUT [FROM TO [SOURCE]]\n");
        return 2;
    }
    recon_db *db = NULL;
    char *html = NULL;
    int status = 1;
    recon_open_opts oo = RECON_OPEN_OPTS_INIT;
    if (recon_open(argv[1], &oo, &db) != RECON_OK) {
        fprintf(stderr, "htmlreport: %s\n", recon_errmsg(db));
        goto done;
    }
    recon_report_filter f = {arg(argc, argv, 3), arg(argc, argv, 4), arg(argc, argv, 5)};
    if (recon_report_html(db, &f, &html) != RECON_OK) {
        fprintf(stderr, "htmlreport: %s\n", recon_errmsg(db));
        goto done;
    }
    FILE *out = fopen(argv[2], "w");
    if (!out || fputs(html, out) == EOF || fclose(out) != 0) {
        perror(argv[2]);
        goto done;
    }
    status = 0;
done:
    recon_string_free(html);
    recon_close(db);
    return status;
}
