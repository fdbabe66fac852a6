/* Replays the fuzz corpus: every file in fuzz/corpus/T/ and
 * fuzz/regressions/T/ goes through harness T's entry point (fuzz/fuzz_T.c,
 * compiled in here under its own name), so the inputs that once crashed
 * and the seeds keep being checked by make check, with gcc and under
 * ASan+UBSan, without clang or libFuzzer. A harness reports a broken
 * invariant by aborting, which fails the test. */
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include "testutil.h"

#define LLVMFuzzerTestOneInput fuzz_csv_one
#include "../fuzz/fuzz_csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_money_one
#include "../fuzz/fuzz_money.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_time_one
#include "../fuzz/fuzz_time.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_profile_one
#include "../fuzz/fuzz_profile.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_rules_one
#include "../fuzz/fuzz_rules.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_accounts_one
#include "../fuzz/fuzz_accounts.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_response_one
#include "../fuzz/fuzz_response.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_import_one
#include "../fuzz/fuzz_import.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_statements_one
#include "../fuzz/fuzz_statements.c"
#undef LLVMFuzzerTestOneInput

typedef int (*fuzz_entry)(const uint8_t *data, size_t size);

/* The input being replayed, named by the signal handler when it aborts. */
static char replay_current[512];

static void replay_on_abort(int sig) {
    static const char what[] = "test_fuzz: input that failed: ";
    ssize_t ignored = write(2, what, sizeof what - 1);
    ignored = write(2, replay_current, strlen(replay_current));
    ignored = write(2, "\n", 1);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Feeds every regular file of dir to fn; returns how many. */
static size_t replay_dir(const char *dir, fuzz_entry fn) {
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        snprintf(replay_current, sizeof replay_current, "%s/%s", dir, e->d_name);
        struct stat st;
        if (e->d_name[0] == '.' || stat(replay_current, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        size_t len;
        uint8_t *data = (uint8_t *)tu_read_file(replay_current, &len);
        /* libFuzzer hands a harness exactly size bytes; so does this. */
        uint8_t *exact = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(exact);
        memcpy(exact, data, len);
        free(data);
        ck_assert_int_eq(fn(exact, len), 0);
        free(exact);
        n++;
    }
    closedir(d);
    return n;
}

static void replay_target(const char *target, fuzz_entry fn) {
    char dir[256];
    signal(SIGABRT, replay_on_abort);
    signal(SIGSEGV, replay_on_abort);
    snprintf(dir, sizeof dir, "fuzz/corpus/%s", target);
    const size_t seeds = replay_dir(dir, fn);
    ck_assert_msg(seeds > 0, "%s: no seed corpus", dir);
    snprintf(dir, sizeof dir, "fuzz/regressions/%s", target);
    replay_dir(dir, fn);
}

START_TEST(test_fuzz_csv_corpus_replays_clean) {
    replay_target("csv", fuzz_csv_one);
}
END_TEST

START_TEST(test_fuzz_money_corpus_replays_clean) {
    replay_target("money", fuzz_money_one);
}
END_TEST

START_TEST(test_fuzz_time_corpus_replays_clean) {
    replay_target("time", fuzz_time_one);
}
END_TEST

START_TEST(test_fuzz_profile_corpus_replays_clean) {
    replay_target("profile", fuzz_profile_one);
}
END_TEST

START_TEST(test_fuzz_rules_corpus_replays_clean) {
    replay_target("rules", fuzz_rules_one);
}
END_TEST

START_TEST(test_fuzz_accounts_corpus_replays_clean) {
    replay_target("accounts", fuzz_accounts_one);
}
END_TEST

START_TEST(test_fuzz_response_corpus_replays_clean) {
    replay_target("response", fuzz_response_one);
}
END_TEST

START_TEST(test_fuzz_statements_corpus_replays_clean) {
    replay_target("statements", fuzz_statements_one);
}
END_TEST

START_TEST(test_fuzz_import_corpus_replays_clean) {
    replay_target("import", fuzz_import_one);
}
END_TEST

int main(void) {
    Suite *s = suite_create("fuzz corpus replay");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fuzz_csv_corpus_replays_clean);
    tcase_add_test(tc, test_fuzz_statements_corpus_replays_clean);
    tcase_add_test(tc, test_fuzz_money_corpus_replays_clean);
    tcase_add_test(tc, test_fuzz_time_corpus_replays_clean);
    tcase_add_test(tc, test_fuzz_profile_corpus_replays_clean);
    tcase_add_test(tc, test_fuzz_rules_corpus_replays_clean);
    tcase_add_test(tc, test_fuzz_accounts_corpus_replays_clean);
    tcase_add_test(tc, test_fuzz_response_corpus_replays_clean);
    tcase_add_test(tc, test_fuzz_import_corpus_replays_clean);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
