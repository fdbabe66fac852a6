/* Check suite for lib/ingest/rows.c: the import's decisions on one row,
 * without a database. Each test holds a small CSV text in memory, reads it
 * with the CSV reader (rc_csv_open_mem), binds its header to a profile
 * (parsed from INI text here, or built in) and maps the rows: exact
 * canonical values in minor units, reject reasons with their field,
 * column, message and context, routing of totals rows and typed records,
 * the totals check, fill-down and row filters, the content hash and the
 * raw-text escaping of rejects. The import's storing (ids, duplicates,
 * the failures table) is tests/test_ingest.c's. */
#include <stdint.h>

#include "formats/csvread.h"
#include "ingest/rows.h"
#include "profile/profile.h"
#include "recon.h"
#include "testutil.h"

/* ---- a file in memory ------------------------------------------------------------- */

static recon_profile *prof;
static rc_csv *csv;
static rc_mapper *map;
static rc_csv_row row;
static rc_canon canon;
static rc_reject rej;

static void teardown(void) {
    rc_mapper_free(map);
    rc_csv_close(csv);
    recon_profile_free(prof);
    map = NULL;
    csv = NULL;
    prof = NULL;
}

static recon_profile *parse(const char *ini) {
    recon_error err = RECON_ERROR_INIT;
    recon_profile *p = NULL;
    ck_assert_msg(recon_profile_parse(ini, "test", &err, &p) == RECON_OK, "%s", err.message);
    return p;
}

/* Reads `text` (static: the reader does not copy it) with profile p, and
 * binds the header row to it as the import does (header = no: no row). */
static void open_text(recon_profile *p, const char *text) {
    char msg[768];
    rc_csv_opts o = {.delim = p->delim, .skip_lines = p->skip_lines};
    prof = p;
    ck_assert_int_eq(rc_csv_open_mem(text, strlen(text), &o, &csv), 0);
    ck_assert_int_eq(rc_mapper_new(p, &map), RECON_OK);
    if (!p->header || p->record_slot >= 0) {
        if (!p->header) ck_assert_int_eq(rc_mapper_bind(map, NULL, msg, sizeof msg), RECON_OK);
        return;
    }
    ck_assert_int_eq(rc_csv_next(csv, &row), RC_CSV_HAVE_ROW);
    ck_assert_msg(rc_mapper_bind(map, &row, msg, sizeof msg) == RECON_OK, "%s", msg);
}

static void next_row(void) {
    ck_assert_int_eq(rc_csv_next(csv, &row), RC_CSV_HAVE_ROW);
}

/* Maps the next row; it must be mapped (not rejected nor skipped). */
static void map_ok(void) {
    next_row();
    ck_assert_int_eq(rc_route_row(map, &row, &rej), RC_ROUTE_DATA);
    int rc = rc_map_row(map, &row, &canon, &rej);
    ck_assert_msg(rc == RC_MAP_OK, "line %llu: %d %s: %s", (unsigned long long)row.line, rc,
                  rej.reason ? rej.reason : "", rej.message);
}

/* Maps the next row; it must be rejected for `reason` on `field`, named by
 * `column` (NULL: none), with exactly `message` (NULL: not checked). */
static void map_rejected(const char *reason, rc_field field, const char *column,
                         const char *message) {
    next_row();
    ck_assert_int_eq(rc_route_row(map, &row, &rej), RC_ROUTE_DATA);
    ck_assert_int_eq(rc_map_row(map, &row, &canon, &rej), RC_MAP_REJECT);
    ck_assert_str_eq(rej.reason, reason);
    ck_assert_int_eq(rej.field, field);
    const char *got = rc_reject_column(map, &rej);
    if (column)
        ck_assert_msg(got && strcmp(got, column) == 0, "column: want %s, got %s", column,
                      got ? got : "(none)");
    else
        ck_assert_ptr_null(got);
    if (message) ck_assert_str_eq(rej.message, message);
}

/* A span's text; NULL when absent. */
#define ASSERT_SPAN(sp, want)                                                                      \
    do {                                                                                           \
        rc_span s_ = (sp);                                                                         \
        const char *w_ = (want);                                                                   \
        if (!w_)                                                                                   \
            ck_assert_msg(s_.s == NULL, #sp ": want none, got '%.*s'", (int)s_.len, s_.s);         \
        else                                                                                       \
            ck_assert_msg(s_.s &&s_.len == strlen(w_) && memcmp(s_.s, w_, s_.len) == 0,            \
                          #sp ": want '%s', got '%.*s'", w_, (int)s_.len, s_.s ? s_.s : "");       \
    } while (0)

static void assert_money(int64_t amount, int64_t fee, int64_t net, const char *currency) {
    ck_assert_int_eq(canon.amount, amount);
    ck_assert_int_eq(canon.fee, fee);
    ck_assert_int_eq(canon.net, net);
    ck_assert_str_eq(canon.currency, currency);
}

/* ---- profiles -------------------------------------------------------------------------- */

/* A PSP layout like generic_psp's, parsed here so that these tests pin the
 * decisions, not the built-in data. */
#define PSP_INI                                                                                    \
    "[profile]\nname = test_psp\nsource_type = psp\n"                                              \
    "[columns]\n"                                                                                  \
    "external_id = id\nkind = type\noccurred_at = created\nsettled_at? = available_on\n"           \
    "amount = amount, gross\nfee? = fee\nnet? = net\ncurrency = currency\n"                        \
    "group_id? = payout_id\nreference? = reference\ndescription? = description\n"                  \
    "provider_status? = status\n"                                                                  \
    "[kinds]\ncharge = charge, payment\nrefund = refund\nfee = fee\npayout = payout\n"

#define PSP_HEADER "id,type,created,available_on,gross,fee,net,currency,payout_id,reference\n"

/* ---- the canonical record ------------------------------------------------------------- */

START_TEST(test_charge_maps_gross_fee_and_net_to_minor_units) {
    open_text(parse(PSP_INI "unknown = reject\n"),
              PSP_HEADER "txn_1, charge ,2024-05-01T10:00:00Z,2024-05-03,100.00,3.20,96.80,usd,"
                         "po_1,\"order-1\"\n");
    map_ok();
    ASSERT_SPAN(canon.ext_id, "txn_1");
    ck_assert_int_eq(canon.generated, 0);
    ck_assert_int_eq(canon.kind, RC_K_CHARGE);
    ASSERT_SPAN(canon.kind_raw, "charge");
    assert_money(10000, 320, 9680, "USD");
    ck_assert_str_eq(canon.occurred, "2024-05-01T10:00:00Z");
    ck_assert_str_eq(canon.settled, "2024-05-03");
    ASSERT_SPAN(canon.text[RC_F_GROUP_ID], "po_1");
    ASSERT_SPAN(canon.text[RC_F_REFERENCE], "order-1");
    ASSERT_SPAN(canon.text[RC_F_DESCRIPTION], NULL);
}
END_TEST

START_TEST(test_net_is_amount_minus_fee_when_the_file_leaves_it_empty) {
    open_text(parse(PSP_INI), PSP_HEADER "r1,refund,2024-05-02,,-25.50,0.30,,EUR,,\n"
                                         "f1,fee,2024-05-02,,-1.00,,,EUR,,\n");
    map_ok();
    ck_assert_int_eq(canon.kind, RC_K_REFUND);
    assert_money(-2550, 30, -2580, "EUR");
    ck_assert_str_eq(canon.settled, "");
    map_ok();
    ck_assert_int_eq(canon.kind, RC_K_FEE);
    assert_money(-100, 0, -100, "EUR");
}
END_TEST

START_TEST(test_precision_beyond_the_exponent_is_rejected_on_the_amount_column) {
    open_text(parse(PSP_INI), PSP_HEADER "b1,charge,2024-05-01,,1.005,,,USD,po_1,\n"
                                         "b2,charge,2024-05-01,,1.000,0.105,,USD,,\n");
    /* The file calls the amount "gross": the reject names the file's column. */
    map_rejected("amount_precision", RC_F_AMOUNT, "gross",
                 "'1.005' (USD, 2 decimals): amount has more decimal places than the currency "
                 "allows");
    /* Trailing zeros are exact; the fee is read with the same rule. */
    map_rejected("amount_precision", RC_F_FEE, "fee",
                 "'0.105' (USD, 2 decimals): amount has more decimal places than the currency "
                 "allows");
}
END_TEST

START_TEST(test_zero_exponent_currency_takes_whole_units) {
    open_text(parse(PSP_INI), PSP_HEADER "j1,charge,2024-05-01,,1500,15,,JPY,,\n"
                                         "j2,charge,2024-05-01,,1000.00,,,jpy,,\n"
                                         "j3,charge,2024-05-01,,100.5,,,JPY,,\n");
    map_ok();
    assert_money(1500, 15, 1485, "JPY");
    map_ok();
    assert_money(1000, 0, 1000, "JPY");
    map_rejected("amount_precision", RC_F_AMOUNT, "gross",
                 "'100.5' (JPY, 0 decimals): amount has more decimal places than the currency "
                 "allows");
}
END_TEST

START_TEST(test_unknown_currency_is_rejected_and_its_code_kept_out_of_the_context) {
    open_text(parse(PSP_INI), PSP_HEADER "c1,charge,2024-05-01,,1.00,,,XYZ,po_9,\n"
                                         "c2,charge,2024-05-01,,1.00,,,EURO,,\n"
                                         "c3,charge,2024-05-01,,1.00,,,,,\n");
    map_rejected("currency_unknown", RC_F_CURRENCY, "currency",
                 "'XYZ' is not an ISO 4217 currency code");
    /* The payout is named, the currency that is not one is not. */
    char *context = rc_reject_context(&rej);
    ck_assert_str_eq(context, "{\"group_id\":\"po_9\"}");
    free(context);
    map_rejected("currency_unknown", RC_F_CURRENCY, "currency",
                 "'EURO' is not an ISO 4217 currency code");
    ck_assert_ptr_null(rc_reject_context(&rej)); /* no group: no context */
    map_rejected("currency_missing", RC_F_CURRENCY, "currency", "currency is empty");
}
END_TEST

START_TEST(test_net_mismatch_rejects_with_the_three_figures_in_its_context) {
    open_text(parse(PSP_INI), PSP_HEADER "n1,charge,2024-05-01,,10.00,1.00,8.00,USD,po_7,\n");
    map_rejected("net_mismatch", RC_F_NET, "net",
                 "net 8.00 is not amount 10.00 minus fee 1.00 (USD, signs applied)");
    char *context = rc_reject_context(&rej);
    ck_assert_str_eq(context, "{\"amount_minor\":1000,\"currency\":\"USD\",\"fee_minor\":100,"
                              "\"group_id\":\"po_7\",\"net_minor\":800}");
    free(context);
}
END_TEST

START_TEST(test_invert_negates_the_amount_and_the_file_net_alike) {
    open_text(parse(PSP_INI "[amounts]\ninvert = yes\n"),
              PSP_HEADER "i1,charge,2024-03-01,,-10.00,1.00,-9.00,USD,,\n"
                         "i2,charge,2024-03-01,,10.00,1.00,9.00,USD,,\n");
    map_ok();
    assert_money(1000, 100, 900, "USD");
    map_rejected("net_mismatch", RC_F_NET, "net",
                 "net -9.00 is not amount -10.00 minus fee 1.00 (USD, signs applied)");
}
END_TEST

START_TEST(test_debit_and_credit_columns_give_the_sign) {
    recon_profile *p = NULL;
    ck_assert_int_eq(recon_profile_builtin("bank_debit_credit", NULL, &p), RECON_OK);
    open_text(p, "Transaction Date,Transaction Type,Sort Code,Account Number,"
                 "Transaction Description,Debit Amount,Credit Amount,Balance\n"
                 "05/03/2024,DEB,11-22-33,1234,CARD SHOP,12.50,,987.50\n"
                 "06/03/2024,FPI,11-22-33,1234,SALARY,,\"1,234.56\",2222.06\n"
                 "07/03/2024,BGC,11-22-33,1234,REFUND,,.68,2222.74\n"
                 "08/03/2024,DEB,11-22-33,1234,BOTH,1.00,2.00,0\n"
                 "09/03/2024,DEB,11-22-33,1234,NEITHER,,,0\n");
    map_ok();
    assert_money(-1250, 0, -1250, "GBP");           /* [amounts] currency: no currency column */
    ck_assert_int_eq(canon.kind, RC_K_BANK_DEBIT);  /* [kinds] from_sign */
    ck_assert_str_eq(canon.occurred, "2024-03-05"); /* dmy */
    ASSERT_SPAN(canon.text[RC_F_DESCRIPTION], "CARD SHOP");
    ASSERT_SPAN(canon.text[RC_F_PROVIDER_CODE], "DEB");
    ck_assert_int_eq(canon.generated, 1); /* no id column: the store derives one */
    map_ok();
    assert_money(123456, 0, 123456, "GBP");
    ck_assert_int_eq(canon.kind, RC_K_BANK_CREDIT);
    map_ok();
    assert_money(68, 0, 68, "GBP");
    map_rejected("debit_and_credit", RC_F_AMOUNT, NULL, "row has both a debit and a credit amount");
    map_rejected("amount_empty", RC_F_AMOUNT, NULL, "both debit and credit are empty");
}
END_TEST

START_TEST(test_direction_column_signs_an_unsigned_amount) {
    open_text(parse("[profile]\nname = dir\nsource_type = bank\n"
                    "[columns]\nexternal_id = id\noccurred_at = date\namount = amount\n"
                    "direction = dc\ncurrency = currency\n"
                    "[amounts]\nsign = direction\ncredit_values = CR, C\ndebit_values = DR, D\n"
                    "[kinds]\nfrom_sign = bank_credit, bank_debit\n"),
              "id,date,amount,dc,currency\n"
              "d1,2024-03-01,40.00,dr,EUR\n"
              "d2,2024-03-01,40.00,C,EUR\n"
              "d3,2024-03-01,40.00,X,EUR\n"
              "d4,2024-03-01,-40.00,CR,EUR\n");
    map_ok();
    assert_money(-4000, 0, -4000, "EUR");
    ck_assert_int_eq(canon.kind, RC_K_BANK_DEBIT);
    map_ok();
    assert_money(4000, 0, 4000, "EUR");
    ck_assert_int_eq(canon.kind, RC_K_BANK_CREDIT);
    map_rejected("direction_unknown", RC_F_DIRECTION, "dc",
                 "'X' is neither a credit nor a debit value");
    map_rejected("amount_invalid", RC_F_AMOUNT, "amount",
                 "the amount is negative but the direction column gives the sign");
}
END_TEST

/* ---- dates and zones ---------------------------------------------------------------------- */

START_TEST(test_date_only_value_stays_a_date_and_local_times_shift_to_utc) {
    open_text(parse(PSP_INI "[dates]\ntimezone = +02:00\n"),
              PSP_HEADER "t1,charge,2024-05-02,2024-05-03 01:30:00,1.00,,,USD,,\n"
                         "t2,charge,2024-05-02T01:30:00-05:00,,1.00,,,USD,,\n"
                         "t3,charge,2023-02-29,,1.00,,,USD,,\n"
                         "t4,charge,,,1.00,,,USD,,\n");
    map_ok();
    ck_assert_str_eq(canon.occurred, "2024-05-02");          /* a calendar date: unshifted */
    ck_assert_str_eq(canon.settled, "2024-05-02T23:30:00Z"); /* +02:00 local time */
    map_ok();
    ck_assert_str_eq(canon.occurred, "2024-05-02T06:30:00Z"); /* its own offset wins */
    map_rejected("date_out_of_range", RC_F_OCCURRED_AT, "created",
                 "'2023-02-29' (format iso8601): no such date or time");
    map_rejected("date_empty", RC_F_OCCURRED_AT, "created", "date is empty");
}
END_TEST

START_TEST(test_zone_column_converts_local_times_to_utc) {
    open_text(parse("[profile]\nname = tz\nsource_type = psp\n"
                    "[columns]\nexternal_id = id\noccurred_at = time\namount = amount\n"
                    "currency = currency\ntimezone? = zone\n"
                    "[dates]\noccurred_at = ymd\ntimezone = -06:00\n[kinds]\ndefault = charge\n"),
              "id,time,zone,amount,currency\n"
              "z1,2024-03-10 09:15:00,CET,1.00,EUR\n"
              "z2,2024-03-10 09:15:00,PST,1.00,USD\n"
              "z3,2024-03-10 09:15:00,,1.00,USD\n"
              "z4,2024-03-10,+05:00,1.00,USD\n"
              "z5,2024-03-10 09:15:00,Mars/Olympus,1.00,USD\n");
    map_ok();
    ck_assert_str_eq(canon.occurred, "2024-03-10T08:15:00Z");
    ck_assert_int_eq(canon.tz_offset, 60);
    map_ok();
    ck_assert_str_eq(canon.occurred, "2024-03-10T17:15:00Z");
    map_ok();
    ck_assert_str_eq(canon.occurred, "2024-03-10T15:15:00Z"); /* the profile's zone */
    map_ok();
    ck_assert_str_eq(canon.occurred, "2024-03-10"); /* a date has no zone */
    map_rejected("timezone_unknown", RC_F_TIMEZONE, "zone",
                 "'Mars/Olympus' is not a time zone this library knows (an offset such as "
                 "+01:00, or an abbreviation such as CET, PST)");
}
END_TEST

/* ---- kinds ----------------------------------------------------------------------------- */

START_TEST(test_unknown_kind_falls_back_to_other_when_the_profile_says_so) {
    open_text(parse(PSP_INI "unknown = other\n"),
              PSP_HEADER "k1,Mystery Thing,2024-05-01,,2.00,,,USD,,\n"
                         "k2,PAYMENT,2024-05-01,,2.00,,,USD,,\n");
    map_ok();
    ck_assert_int_eq(canon.kind, RC_K_OTHER);
    ASSERT_SPAN(canon.kind_raw, "Mystery Thing");
    map_ok();
    ck_assert_int_eq(canon.kind, RC_K_CHARGE); /* values compare case-insensitively */
}
END_TEST

START_TEST(test_unknown_kind_is_rejected_when_the_profile_rejects) {
    open_text(parse(PSP_INI "unknown = reject\n"),
              PSP_HEADER "k1,Mystery Thing,2024-05-01,,2.00,,,USD,,\n"
                         "k2,,2024-05-01,,2.00,,,USD,,\n");
    map_rejected("kind_unknown", RC_F_KIND, "type",
                 "'Mystery Thing' is not a row type this profile knows");
    map_rejected("kind_empty", RC_F_KIND, "type", "row type is empty");
}
END_TEST

START_TEST(test_empty_kind_takes_the_profile_default) {
    open_text(parse(PSP_INI "default = adjustment\n"),
              PSP_HEADER "k1,,2024-05-01,,-2.00,,,USD,,\n");
    map_ok();
    ck_assert_int_eq(canon.kind, RC_K_ADJUSTMENT);
    ck_assert_int_eq(canon.has_kind, 0);
    ASSERT_SPAN(canon.kind_raw, NULL);
}
END_TEST

START_TEST(test_money_out_kind_negates_unsigned_amounts_and_refuses_signed_ones) {
    open_text(parse("[profile]\nname = neg\nsource_type = psp\n"
                    "[columns]\nexternal_id = id\nkind = type\noccurred_at = date\n"
                    "amount = amount\nfee? = fee\nnet? = net\ncurrency = currency\n"
                    "[kinds]\ncharge = SALE\nrefund = -RETURN\n"),
              "id,type,date,amount,fee,net,currency\n"
              "m1,RETURN,2024-03-01,20.00,0.50,20.50,USD\n"
              "m2,RETURN,2024-03-01,-20.00,,,USD\n");
    map_ok();
    ck_assert_int_eq(canon.kind, RC_K_REFUND);
    ck_assert_int_eq(canon.negate, 1);
    assert_money(-2000, 50, -2050, "USD");
    map_rejected("amount_invalid", RC_F_AMOUNT, "amount",
                 "the amount is negative but its row type gives the sign");
}
END_TEST

/* ---- rows the reader or the profile turn away ---------------------------------------------- */

START_TEST(test_ragged_and_unreadable_rows_are_rejected_before_mapping) {
    static const char text[] = PSP_HEADER "r1,charge,2024-05-01,,1.00,,,USD\n"
                                          "r2,charge,2024-05-01,,1.00,,,USD,,,extra\n"
                                          "r3,charge,2024-05-01,,\xff"
                                          "1.00,,,USD,,\n"
                                          "r4,charge,\"2024-05-01\"x,,1.00,,,USD,,\n";
    open_text(parse(PSP_INI), text);
    map_rejected("ragged_row", RC_F_COUNT, NULL, "row has 8 fields, expected 10");
    ck_assert_ptr_null(rej.c);
    map_rejected("ragged_row", RC_F_COUNT, NULL, "row has 11 fields, expected 10");
    /* A cell the reader refuses is charged to the field its column feeds. */
    map_rejected("invalid_utf8", RC_F_AMOUNT, "gross",
                 "field is not valid UTF-8 text or contains a NUL byte (column 5)");
    map_rejected("csv_syntax", RC_F_COUNT, NULL,
                 "row's quoting is invalid or a quote is never closed");
}
END_TEST

START_TEST(test_row_filters_skip_rows_and_fill_down_fills_empty_cells) {
    open_text(parse("[profile]\nname = rows\nsource_type = psp\n"
                    "[columns]\nexternal_id = id\noccurred_at = date\namount = amount\n"
                    "currency = currency\n[kinds]\ndefault = charge\n"
                    "[rows]\nskip_if = status: void*, declined\nfill_down = currency\n"),
              "id,date,amount,currency,status\n"
              "f1,2024-03-01,1.00,EUR,ok\n"
              "f2,2024-03-01,2.00,,ok\n"
              "f3,2024-03-01,3.00,,Voided\n"
              "f4,2024-03-01,4.00,usd,ok\n"
              "f5,2024-03-01,5.00,,ok\n");
    map_ok();
    ck_assert_str_eq(canon.currency, "EUR");
    map_ok();
    ck_assert_str_eq(canon.currency, "EUR"); /* the last value the column had */
    next_row();
    ck_assert_int_eq(rc_map_row(map, &row, &canon, &rej), RC_MAP_SKIP);
    map_ok();
    ck_assert_str_eq(canon.currency, "USD");
    map_ok();
    ck_assert_str_eq(canon.currency, "USD");
    assert_money(500, 0, 500, "USD");
}
END_TEST

/* ---- the content hash ------------------------------------------------------------------- */

START_TEST(test_content_hash_covers_values_not_their_quoting) {
    unsigned char first[RC_HASH_LEN];
    open_text(parse(PSP_INI), PSP_HEADER ",charge,2024-05-01,,10.00,,,USD,po_1,ref\n"
                                         ",\"charge\", 2024-05-01 ,,\"10.0\",,,usd,po_1,\"ref\"\n"
                                         ",charge,2024-05-01,,10.00,,,USD,po_1,ref2\n"
                                         ",charge,2024-05-01,,10.01,,,USD,po_1,ref\n");
    map_ok();
    ck_assert_int_eq(canon.generated, 1);
    memcpy(first, canon.hash, sizeof first);
    map_ok();
    ck_assert_mem_eq(canon.hash, first, sizeof first);
    map_ok();
    ck_assert_int_ne(memcmp(canon.hash, first, sizeof first), 0); /* another reference */
    map_ok();
    ck_assert_int_ne(memcmp(canon.hash, first, sizeof first), 0); /* another amount */
}
END_TEST

/* ---- totals rows and typed records ------------------------------------------------------- */

/* Rows of type "total" carry the sums of the rows above them. */
#define TOTALS_INI                                                                                 \
    "[profile]\nname = tot\nsource_type = psp\n"                                                   \
    "[columns]\nexternal_id = id\nkind = type\noccurred_at = created\namount = amount\n"           \
    "fee? = fee\ncurrency = currency\n[kinds]\ncharge = charge\nrefund = refund\n"                 \
    "[totals]\nwhen = type: total\ncurrency = currency\namount = amount\ncredits = credits\n"      \
    "debits = debits\nfee_debits = fee\n"

/* The next row must be a totals row; returns rc_totals_check's verdict. */
static int check_next_totals(void) {
    next_row();
    ck_assert_int_eq(rc_route_row(map, &row, &rej), RC_ROUTE_TOTALS);
    return rc_totals_check(map, &row, &rej);
}

START_TEST(test_totals_row_is_checked_against_the_sums_of_the_rows) {
    open_text(parse(TOTALS_INI), "id,type,created,amount,fee,currency,credits,debits\n"
                                 "t1,charge,2024-03-01,10.00,0.30,USD,,\n"
                                 "t2,refund,2024-03-01,-4.00,,USD,,\n"
                                 "t3,charge,2024-03-01,7.00,,EUR,,\n"
                                 ",total,,6.00,0.30,usd,10.00,4.00\n"
                                 "t4,charge,2024-03-02,5.00,,USD,,\n"
                                 ",total,,4.00,0.00,USD,5.00,1.00\n"
                                 ",total,,7.00,0.00,EUR,7.00,0.00\n");
    map_ok();
    map_ok();
    map_ok();
    ck_assert_int_eq(check_next_totals(), 0);
    map_ok();
    /* The sums start afresh after each totals row of their currency. */
    ck_assert_int_eq(check_next_totals(), -1);
    ck_assert_str_eq(rej.reason, "totals_mismatch");
    ck_assert_int_eq(rej.field, RC_F_COUNT);
    ck_assert_ptr_null(rej.c);
    ck_assert_str_eq(rej.message, "amount 4.00 USD in the totals row, 5.00 in the rows; "
                                  "debits 1.00 USD in the totals row, 0.00 in the rows");
    /* EUR's rows were not part of USD's check. */
    ck_assert_int_eq(check_next_totals(), 0);
}
END_TEST

START_TEST(test_totals_row_without_a_known_currency_cannot_be_checked) {
    open_text(parse(TOTALS_INI), "id,type,created,amount,fee,currency,credits,debits\n"
                                 "t1,charge,2024-03-01,1.00,,EUR,,\n"
                                 ",total,,1.00,,EURO,1.00,0.00\n");
    map_ok();
    ck_assert_int_eq(check_next_totals(), -1);
    ck_assert_str_eq(rej.message, "totals row: cannot tell its currency ('EURO'), or too many "
                                  "currencies to check");
}
END_TEST

/* A file of typed records: H binds the columns, D rows are data, C is
 * ignored, T carries the totals. */
#define RECORDS_INI                                                                                \
    "[profile]\nname = rec\nsource_type = psp\n"                                                   \
    "[columns]\nexternal_id = Id\noccurred_at = Date\namount = Amount\ncurrency = Cur\n"           \
    "[kinds]\ndefault = charge\n"                                                                  \
    "[records]\ntype = #1\nheader = H\ndata = D\nignore = C\n"                                     \
    "[totals]\nwhen = #1: T\ncurrency = #2\namount = #3\n"

START_TEST(test_typed_records_are_routed_by_their_type) {
    char msg[768];
    open_text(parse(RECORDS_INI), "D,d0,2024-03-01,1.00,USD\n"
                                  "H,Id,Date,Amount,Cur\n"
                                  "C,comment,,,\n"
                                  "D,d1,2024-03-01,2.50,USD\n"
                                  "T,USD,2.50,,\n"
                                  "X,what,,,\n");
    next_row();
    ck_assert_int_eq(rc_route_row(map, &row, &rej), RC_ROUTE_REJECT);
    ck_assert_str_eq(rej.reason, "record_unknown");
    ck_assert_str_eq(rej.message, "a data record before any header record");
    next_row();
    ck_assert_int_eq(rc_route_row(map, &row, &rej), RC_ROUTE_HEADER);
    ck_assert_msg(rc_mapper_bind(map, &row, msg, sizeof msg) == RECON_OK, "%s", msg);
    next_row();
    ck_assert_int_eq(rc_route_row(map, &row, &rej), RC_ROUTE_IGNORE);
    map_ok();
    ASSERT_SPAN(canon.ext_id, "d1");
    assert_money(250, 0, 250, "USD");
    ck_assert_int_eq(check_next_totals(), 0);
    next_row();
    ck_assert_int_eq(rc_route_row(map, &row, &rej), RC_ROUTE_REJECT);
    ck_assert_str_eq(rej.reason, "record_unknown");
    ck_assert_str_eq(rej.message, "record type 'X' is not one this profile knows");
}
END_TEST

/* ---- what a reject records ------------------------------------------------------------------ */

START_TEST(test_raw_text_of_rejects_escapes_invalid_bytes) {
    rc_strbuf scratch = {0};
    size_t n;
    static const char good[] = "a,\xc3\xa9,b\\c";
    ck_assert_ptr_eq(rc_raw_escape(&scratch, good, strlen(good), &n), good); /* verbatim */
    ck_assert_uint_eq(n, strlen(good));
    static const char bad[] = "a,\xff,b\\c\xc3";
    const char *esc = rc_raw_escape(&scratch, bad, sizeof bad - 1, &n);
    ck_assert_str_eq(esc, "a,\\xff,b\\\\c\\xc3");
    ck_assert_uint_eq(n, strlen("a,\\xff,b\\\\c\\xc3"));
    static const char nul[] = {'x', '\0', 'y'};
    ck_assert_str_eq(rc_raw_escape(&scratch, nul, sizeof nul, &n), "x\\x00y");
    rc_strbuf_free(&scratch);
}
END_TEST

START_TEST(test_failed_status_marks_a_failed_payment) {
    open_text(parse("[profile]\nname = st\nsource_type = psp\nfailed_status = failed, Declined\n"
                    "[columns]\nexternal_id = id\noccurred_at = date\namount = amount\n"
                    "currency = currency\nprovider_status? = status\n[kinds]\ndefault = charge\n"),
              "id,date,amount,currency,status\n"
              "p1,2024-03-01,1.00,USD,DECLINED\n"
              "p2,2024-03-01,1.00,USD,succeeded\n");
    map_ok();
    ck_assert_int_eq(rc_failed_payment(prof, &canon), 1);
    map_ok();
    ck_assert_int_eq(rc_failed_payment(prof, &canon), 0);
}
END_TEST

static Suite *ingest_rows_suite(void) {
    Suite *s = suite_create("ingest_rows");
    TCase *t = tcase_create("rows");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_add_test(t, test_charge_maps_gross_fee_and_net_to_minor_units);
    tcase_add_test(t, test_net_is_amount_minus_fee_when_the_file_leaves_it_empty);
    tcase_add_test(t, test_precision_beyond_the_exponent_is_rejected_on_the_amount_column);
    tcase_add_test(t, test_zero_exponent_currency_takes_whole_units);
    tcase_add_test(t, test_unknown_currency_is_rejected_and_its_code_kept_out_of_the_context);
    tcase_add_test(t, test_net_mismatch_rejects_with_the_three_figures_in_its_context);
    tcase_add_test(t, test_invert_negates_the_amount_and_the_file_net_alike);
    tcase_add_test(t, test_debit_and_credit_columns_give_the_sign);
    tcase_add_test(t, test_direction_column_signs_an_unsigned_amount);
    tcase_add_test(t, test_date_only_value_stays_a_date_and_local_times_shift_to_utc);
    tcase_add_test(t, test_zone_column_converts_local_times_to_utc);
    tcase_add_test(t, test_unknown_kind_falls_back_to_other_when_the_profile_says_so);
    tcase_add_test(t, test_unknown_kind_is_rejected_when_the_profile_rejects);
    tcase_add_test(t, test_empty_kind_takes_the_profile_default);
    tcase_add_test(t, test_money_out_kind_negates_unsigned_amounts_and_refuses_signed_ones);
    tcase_add_test(t, test_ragged_and_unreadable_rows_are_rejected_before_mapping);
    tcase_add_test(t, test_row_filters_skip_rows_and_fill_down_fills_empty_cells);
    tcase_add_test(t, test_content_hash_covers_values_not_their_quoting);
    tcase_add_test(t, test_totals_row_is_checked_against_the_sums_of_the_rows);
    tcase_add_test(t, test_totals_row_without_a_known_currency_cannot_be_checked);
    tcase_add_test(t, test_typed_records_are_routed_by_their_type);
    tcase_add_test(t, test_raw_text_of_rejects_escapes_invalid_bytes);
    tcase_add_test(t, test_failed_status_marks_a_failed_payment);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    return tu_run(ingest_rows_suite());
}
