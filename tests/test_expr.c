/* Check suite for lib/profile/expr.c: parsing column expressions (calls, names with
 * parentheses, #N, literals, errors with their position) and evaluating
 * them over a row (the empty-value rules of each call). */
#include "profile/expr.h"
#include "testutil.h"

static rc_slots slots;
static rc_expr *x;
static rc_strbuf buf;

static void teardown(void) {
    rc_expr_free(x);
    x = NULL;
    rc_slots_free(&slots);
    rc_strbuf_free(&buf);
}

static void parse_ok(const char *text) {
    char err[160];
    ck_assert_msg(rc_expr_parse(text, &slots, 0, &x, err, sizeof err) == 0, "%s: %s", text, err);
}

static void parse_bad(const char *text, const char *needle) {
    char err[160];
    rc_expr *y = (rc_expr *)1;
    ck_assert_int_eq(rc_expr_parse(text, &slots, 0, &y, err, sizeof err), -1);
    ck_assert_ptr_null(y);
    ck_assert_msg(strstr(err, needle) != NULL, "%s: message '%s' lacks '%s'", text, err, needle);
}

/* Evaluates x over a row whose column i is cells[i]; slot k is column k. */
static const char *eval(const char *const *cells, size_t n, int *nonempty) {
    size_t lens[16];
    long index[RC_MAX_SLOTS];
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(cells[i]);
    for (size_t k = 0; k < RC_MAX_SLOTS; k++)
        index[k] = k < slots.n ? (long)k : -1;
    rc_cells c = {cells, lens, n, index};
    buf.len = 0;
    *nonempty = rc_expr_eval(x, &c, &buf);
    return buf.s ? buf.s : "";
}

START_TEST(test_calls_are_recognized) {
    ck_assert(rc_expr_is_call("concat(a, b)"));
    ck_assert(rc_expr_is_call("  Coalesce (a)"));
    ck_assert(rc_expr_is_call("sum(a)"));
    ck_assert(!rc_expr_is_call("concatenated"));
    ck_assert(!rc_expr_is_call("Net Debit (NC)"));
    ck_assert(!rc_expr_is_call("if"));
}
END_TEST

START_TEST(test_names_with_parentheses_and_positions) {
    parse_ok("sum(Commission (NC), Markup (NC), #3)");
    ck_assert_int_eq(x->op, RC_X_SUM);
    ck_assert_uint_eq(x->nargs, 3);
    ck_assert_uint_eq(slots.n, 3);
    ck_assert_str_eq(slots.slot[0].name, "Commission (NC)");
    ck_assert_str_eq(slots.slot[1].name, "Markup (NC)");
    ck_assert_ptr_null(slots.slot[2].name);
    ck_assert_uint_eq(slots.slot[2].position, 3);
}
END_TEST

START_TEST(test_concat_joins_and_is_empty_without_columns) {
    parse_ok("concat(Action ID, \"|\", Breakdown Type)");
    int ne;
    const char *row[] = {"act_1", "Capture"};
    ck_assert_str_eq(eval(row, 2, &ne), "act_1|Capture");
    ck_assert_int_eq(ne, 1);
    const char *half[] = {"act_1", "  "};
    ck_assert_str_eq(eval(half, 2, &ne), "act_1|");
    const char *none[] = {"", ""};
    ck_assert_str_eq(eval(none, 2, &ne), "");
    ck_assert_int_eq(ne, 0); /* only the literal: nothing */
}
END_TEST

START_TEST(test_coalesce_if_and_neg) {
    parse_ok("coalesce(a, b, \"fallback\")");
    int ne;
    const char *r1[] = {"", " 2024-03-06 "};
    ck_assert_str_eq(eval(r1, 2, &ne), "2024-03-06"); /* cells are trimmed */
    const char *r2[] = {"", ""};
    ck_assert_str_eq(eval(r2, 2, &ne), "fallback");
    teardown();
    parse_ok("if(Psp Reference, Modification Reference)");
    const char *r3[] = {"8816", "8826"};
    ck_assert_str_eq(eval(r3, 2, &ne), "8826");
    const char *r4[] = {"", "Fee text"};
    ck_assert_str_eq(eval(r4, 2, &ne), "");
    ck_assert_int_eq(ne, 0);
    teardown();
    parse_ok("coalesce(amount, neg(total))");
    const char *r5[] = {"", "79.68"};
    ck_assert_str_eq(eval(r5, 2, &ne), "-79.68");
    const char *r6[] = {"", "-5.00"};
    ck_assert_str_eq(eval(r6, 2, &ne), "5.00");
    const char *r7[] = {"3.00", "-5.00"};
    ck_assert_str_eq(eval(r7, 2, &ne), "3.00");
    const char *r8[] = {"", ""};
    ck_assert_str_eq(eval(r8, 2, &ne), "");
    ck_assert_int_eq(ne, 0);
}
END_TEST

/* neg() flips every sign marker the money parser accepts and writes the
 * result canonically; what the parser would refuse stays refusable. */
START_TEST(test_neg_knows_every_sign_marker) {
    static const char *const cases[][2] = {
        {"12.00", "-12.00"},
        {"-12.00", "12.00"},
        {"(12.00)", "12.00"},
        {"12.00-", "12.00"},
        {"+5", "-5"},
        {"1,234.50", "-1,234.50"},
        {"(1,234.50)", "1,234.50"},
        {"0", "-0"},
        /* Not amounts the parser takes: left alone, refused later. */
        {"--5", "--5"},
        {"(5", "(5"},
        {"5)", "5)"},
        {"-(5)", "-(5)"},
        {"+-1", "+-1"},
        {"( 5)", "( 5)"},
        {"-", "-"},
        {"()", "()"},
    };
    parse_ok("neg(a)");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int ne;
        const char *row[] = {cases[i][0]};
        ck_assert_msg(!strcmp(eval(row, 1, &ne), cases[i][1]), "neg(%s): got '%s', want '%s'",
                      cases[i][0], buf.s, cases[i][1]);
        ck_assert_int_eq(ne, 1);
    }
    /* Inside concat(): only neg()'s own part changes. */
    teardown();
    parse_ok("concat(\"x \", neg(a))");
    int ne;
    const char *row[] = {"(3.10)"};
    ck_assert_str_eq(eval(row, 1, &ne), "x 3.10");
}
END_TEST

START_TEST(test_nested_calls_and_missing_columns) {
    parse_ok("concat(coalesce(a, b), \"/\", c)");
    int ne;
    const char *r1[] = {"", "B", "C"};
    ck_assert_str_eq(eval(r1, 3, &ne), "B/C");
    /* A column the row lacks (a short row, an absent optional column) is empty. */
    const char *r2[] = {"A"};
    ck_assert_str_eq(eval(r2, 1, &ne), "A/");
    /* sum() is not text: the caller adds its parts. */
    teardown();
    parse_ok("sum(a, b)");
    ck_assert_int_eq(
        rc_expr_eval(x, &(rc_cells){r1, (size_t[]){0, 1, 1}, 3, (long[RC_MAX_SLOTS]){0, 1}}, &buf),
        RC_EXPR_NOT_TEXT);
}
END_TEST

/* date(A): the calendar date of a timestamp whose zone the file does not
 * state (the text before its time, after a space or a 'T'); NAME? is a
 * column the file may lack: an optional slot, named without the '?'. */
START_TEST(test_date_and_columns_a_file_may_lack) {
    parse_ok("coalesce(created_utc?, date(created?))");
    ck_assert_uint_eq(slots.n, 2);
    ck_assert_str_eq(slots.slot[0].name, "created_utc");
    ck_assert_str_eq(slots.slot[1].name, "created");
    ck_assert_int_eq(slots.slot[0].optional, 1);
    ck_assert_int_eq(slots.slot[1].optional, 1);
    int ne;
    const char *utc[] = {"2026-02-01 23:30:00", "2026-02-02 00:30:00"};
    ck_assert_str_eq(eval(utc, 2, &ne), "2026-02-01 23:30:00");
    const char *local[] = {"", "2026-02-02 00:30:00"};
    ck_assert_str_eq(eval(local, 2, &ne), "2026-02-02");
    ck_assert_int_eq(ne, 1);
    const char *iso[] = {"", "2026-02-02T00:30:00+01:00"};
    ck_assert_str_eq(eval(iso, 2, &ne), "2026-02-02");
    const char *none[] = {"", ""};
    ck_assert_str_eq(eval(none, 2, &ne), "");
    ck_assert_int_eq(ne, 0);
    teardown();
    parse_ok("date(a)");
    ck_assert_int_eq(slots.slot[0].optional, 0);
    parse_bad("date(a, b)", "date() takes 1 argument");
}
END_TEST

START_TEST(test_syntax_errors_say_where) {
    parse_bad("concat(a, b", "expected ',' or ')'");
    parse_bad("concat(a, \"b)", "unterminated");
    parse_bad("if(a)", "if() takes 2 arguments");
    parse_bad("neg(a, b)", "neg() takes 1 argument");
    parse_bad("concat(a) extra", "unexpected text after the call");
    parse_bad("concat(, b)", "expected a column name or #N");
    parse_bad("concat(#0)", "expected a column name or #N");
    parse_bad("frob(a)", "expected concat(");
    /* Positions count from 1. */
    parse_bad("concat(a b", "character 11");
}
END_TEST

/* A nested call that fails after it was allocated is freed with everything
 * parsed so far (LeakSanitizer fails the test otherwise). */
START_TEST(test_failed_nested_calls_leak_nothing) {
    parse_bad("concat(a, neg(b, c))", "neg() takes 1 argument");
    parse_bad("concat(a, coalesce(b, if(c)))", "if() takes 2 arguments");
    parse_bad("concat(a, neg(b", "expected ',' or ')'");
    parse_bad("coalesce(concat(a, \"x), b)", "unterminated");
}
END_TEST

START_TEST(test_slot_table_is_bounded) {
    char text[2048] = "concat(";
    for (int i = 0; i < RC_MAX_SLOTS + 1; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%sc%d", i ? ", " : "", i);
    strcat(text, ")");
    parse_bad(text, "too many column references");
}
END_TEST

static Suite *expr_suite(void) {
    Suite *s = suite_create("expr");
    TCase *t = tcase_create("expr");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_add_test(t, test_calls_are_recognized);
    tcase_add_test(t, test_names_with_parentheses_and_positions);
    tcase_add_test(t, test_concat_joins_and_is_empty_without_columns);
    tcase_add_test(t, test_coalesce_if_and_neg);
    tcase_add_test(t, test_neg_knows_every_sign_marker);
    tcase_add_test(t, test_nested_calls_and_missing_columns);
    tcase_add_test(t, test_date_and_columns_a_file_may_lack);
    tcase_add_test(t, test_syntax_errors_say_where);
    tcase_add_test(t, test_failed_nested_calls_leak_nothing);
    tcase_add_test(t, test_slot_table_is_bounded);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    return tu_run(expr_suite());
}
