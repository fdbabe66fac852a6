/* A batch job: a settlement report arrives on standard input (downloaded
 * by curl, read from an object store, ...), is imported into the books and
 * reconciled. Run from cron or a scheduler; its exit status says what
 * happened, so the scheduler can alert.
 *
 *     curl -s "$REPORT_URL" | batch_import books.db stripe_eu [PROFILE]
 *
 * Without PROFILE the layout is detected from the report's first 64 KiB.
 * Exit status: 0 imported and matched, 3 imported with rejected rows (see
 * `recon failures list`), 1 failed (the message says why on stderr). */
#include <recon.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The report's start, read for detection, is handed back to the import
 * ahead of the rest of the stream. */
typedef struct {
    char head[64 * 1024];
    size_t len, off;
} input;

static long long read_input(void *payload, char *buf, size_t size) {
    input *in = payload;
    if (in->off < in->len) {
        size_t n = in->len - in->off < size ? in->len - in->off : size;
        memcpy(buf, in->head + in->off, n);
        in->off += n;
        return (long long)n;
    }
    return read(STDIN_FILENO, buf, size);
}

static int fail(recon_db *db, const char *what) {
    fprintf(stderr, "batch_import: %s: %s\n", what, recon_errmsg(db));
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: batch_import DATABASE SOURCE [PROFILE] < report\n");
        return 2;
    }
    static input in;
    while (in.len < sizeof in.head) {
        ssize_t n = read(STDIN_FILENO, in.head + in.len, sizeof in.head - in.len);
        if (n <= 0) break;
        in.len += (size_t)n;
    }
    recon_error err = RECON_ERROR_INIT;
    recon_profile *profile = NULL;
    int rc = argc == 4 ? recon_profile_builtin(argv[3], &err, &profile)
                       : recon_profile_detect_buffer(in.head, in.len, "stdin", &err, &profile);
    if (rc != RECON_OK) {
        fprintf(stderr, "batch_import: %s\n", err.message);
        return 1;
    }
    recon_db *db = NULL;
    int status = 1;
    if (recon_open(argv[1], NULL, &db) != RECON_OK) {
        status = fail(db, argv[1]);
        goto done;
    }
    recon_import_opts opts = RECON_IMPORT_OPTS_INIT;
    opts.source = argv[2];
    opts.file_name = "stdin";
    recon_import_result res = RECON_IMPORT_RESULT_INIT;
    if (recon_import_read(db, read_input, &in, profile, &opts, &res) != RECON_OK) {
        status = fail(db, "import");
        goto done;
    }
    printf("import %lld (%s): %llu read, %llu inserted, %llu duplicate, %llu rejected%s\n",
           (long long)res.import_id, recon_profile_name(profile), (unsigned long long)res.rows_read,
           (unsigned long long)res.rows_inserted, (unsigned long long)res.rows_duplicate,
           (unsigned long long)res.rows_rejected,
           res.already_imported ? " (already imported)" : "");
    recon_match_result mr = RECON_MATCH_RESULT_INIT;
    if (recon_match_run(db, NULL, &mr) != RECON_OK) {
        status = fail(db, "match");
        goto done;
    }
    printf("match run %lld: %llu new matches\n", (long long)mr.run_id,
           (unsigned long long)mr.matches);
    status = res.rows_rejected ? 3 : 0;
done:
    recon_close(db);
    recon_profile_free(profile);
    return status;
}
