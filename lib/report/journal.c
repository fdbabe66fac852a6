/* journal: double-entry journal entries for the books, made from the
 * confirmed matches with a chart-of-accounts mapping (accounts.c), kept
 * as made (journal_entries, journal_lines) and listed by export
 * (docs/ACCOUNTING.md). A store adapter: it reads matches with SQL and
 * writes the entries in one transaction with the export that made them.
 *
 * How a match becomes an entry, item by item (amounts signed: + is money
 * in to the account holder; a debit is +, a credit -):
 *   bank row           its bank account, +amount
 *   ledger row         its account (receivables), -amount
 *   provider payout    the provider's clearing account, +net (< 0), and
 *                      fees +fee when the provider charged for the payout
 *   provider activity  clearing +net, fees +fee, and -amount to the kind's
 *                      account (revenue, refunds, chargebacks, ...) unless
 *                      the match holds ledger rows: then the ledger rows
 *                      are what the gross settles
 * A match of bank rows and provider activity without its payout row gets
 * the payout it implies: clearing -(the activity's nets). What is left
 * over in a currency is the match's variance (its booked kind's account),
 * else, between two currencies, the conversion account, else suspense (a
 * person forced the match). Every entry is checked to balance in every
 * currency before anything is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/journal.h"
#include "report/report.h"
#include "util/calendar.h"
#include "util/money.h"
#include "util/opts.h"

#define ACCOUNT_BUF 512
#define MEMO_MAX 200
#define LINES_MAX 100000 /* an entry larger than this is a payout of 100k items: refused */

typedef struct {
    int64_t tx; /* 0: a variance, conversion or suspense line */
    char account[ACCOUNT_BUF];
    char currency[4];
    int64_t amount;
    char memo[MEMO_MAX];
} jline;

typedef struct {
    jline *l;
    size_t n, cap;
    char date[11];
    char memo[MEMO_MAX];
    const char *skip; /* why the match gets no entry, or NULL */
} jentry;

/* One item of a match, as the entry needs it. */
typedef struct {
    int64_t tx, amount, fee;
    int partial; /* its match takes a part of it (an allocation) */
    char kind[24], currency[4], day[11], type[8];
    char source[256], external_id[128]; /* a source name is at most 255 bytes: whole, since
                                           it picks the account */
} jitem;

static int add_line(jentry *e, int64_t tx, const char *account, const char *currency,
                    int64_t amount, const char *memo) {
    if (!amount) return 0;
    /* INT64_MIN has no opposite: its line could never be reversed, nor
     * shown as a credit. The match gets no entry, and says why. */
    if (amount == INT64_MIN) {
        e->skip = "its amounts overflow";
        return 0;
    }
    if (e->n == LINES_MAX) {
        e->skip = "its entry would have more than 100000 lines";
        return 0;
    }
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 16;
        jline *g = realloc(e->l, cap * sizeof *g);
        if (!g) return -1;
        e->l = g;
        e->cap = cap;
    }
    jline *l = &e->l[e->n++];
    l->tx = tx;
    snprintf(l->account, sizeof l->account, "%s", account);
    memcpy(l->currency, currency, 4);
    l->amount = amount;
    snprintf(l->memo, sizeof l->memo, "%s", memo);
    return 0;
}

/* The key of a provider row's own account, by its kind. */
static const char *activity_key(const char *kind) {
    if (!strcmp(kind, "charge")) return "revenue";
    if (!strcmp(kind, "refund")) return "refunds";
    if (!strcmp(kind, "fee")) return "fees";
    if (!strcmp(kind, "chargeback") || !strcmp(kind, "chargeback_reversal")) return "chargebacks";
    if (!strcmp(kind, "adjustment")) return "adjustments";
    if (!strcmp(kind, "transfer")) return "transfers";
    return "other";
}

/* An account of the mapping, or RECON_EPROFILE naming what is missing. */
static int account(recon_db *db, const recon_accounts *a, int64_t match, const char *source,
                   const char *type, const char *key, char buf[ACCOUNT_BUF]) {
    int r = rc_account_of(a, source, type, key, buf, ACCOUNT_BUF);
    if (r == 0) return RECON_OK;
    if (source)
        return rc_fail(db, RECON_EPROFILE,
                       r == -1 ? "match %lld: the accounts mapping has no '%s' for source %s"
                                 " (its [source %s] section or [type %s])"
                               : "match %lld: the account for '%s' of source %s is no valid"
                                 " account name once {source} is filled in ([source %s] or"
                                 " [type %s])",
                       (long long)match, key, source, source, type);
    return rc_fail(db, RECON_EPROFILE, "match %lld: the accounts mapping has no '%s' in [%s]",
                   (long long)match, key, type);
}

/* ---- one match's entry ---------------------------------------------------------------------- */

typedef struct {
    recon_db *db;
    const recon_accounts *acc;
    sqlite3_stmt *items, *variance;
} maker;

static int load_items(maker *mk, int64_t match, jitem **out, size_t *n) {
    sqlite3_stmt *st = mk->items;
    sqlite3_bind_int64(st, 1, match);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            jitem *g = realloc(*out, cap * sizeof *g);
            if (!g) {
                sqlite3_reset(st);
                return rc_fail(mk->db, RECON_ENOMEM, "journal: out of memory");
            }
            *out = g;
        }
        jitem *it = &(*out)[(*n)++];
        memset(it, 0, sizeof *it);
        it->tx = sqlite3_column_int64(st, 0);
        snprintf(it->kind, sizeof it->kind, "%s", sqlite3_column_text(st, 1));
        snprintf(it->currency, sizeof it->currency, "%s", sqlite3_column_text(st, 2));
        int64_t whole = sqlite3_column_int64(st, 3);
        it->fee = sqlite3_column_int64(st, 4);
        snprintf(it->day, sizeof it->day, "%.10s", sqlite3_column_text(st, 5));
        snprintf(it->type, sizeof it->type, "%s", sqlite3_column_text(st, 6));
        snprintf(it->source, sizeof it->source, "%s", sqlite3_column_text(st, 7));
        snprintf(it->external_id, sizeof it->external_id, "%s", sqlite3_column_text(st, 8));
        it->partial = sqlite3_column_type(st, 9) != SQLITE_NULL;
        it->amount = it->partial ? sqlite3_column_int64(st, 9) : whole;
    }
    sqlite3_reset(st);
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(mk->db, "reading a match's items");
}

/* The lines one item posts. */
static int item_lines(maker *mk, int64_t match, const jitem *it, int with_ledger, jentry *e) {
    char acc[ACCOUNT_BUF], memo[MEMO_MAX];
    int rc;
    snprintf(memo, sizeof memo, "%.60s %.100s %.24s", it->source, it->external_id, it->kind);
    if (!strcmp(it->type, "bank") || !strcmp(it->type, "ledger")) {
        if ((rc = account(mk->db, mk->acc, match, it->source, it->type, "account", acc))) return rc;
        int64_t amount = !strcmp(it->type, "bank") ? it->amount : -it->amount;
        return add_line(e, it->tx, acc, it->currency, amount, memo) ? RECON_ENOMEM : RECON_OK;
    }
    if ((rc = account(mk->db, mk->acc, match, it->source, "psp", "clearing", acc))) return rc;
    if (!strcmp(it->kind, "payout")) {
        /* A payout's own fee (a provider charging for the transfer) leaves
         * the balance with it: clearing +net, fees +fee. */
        int64_t net;
        if (__builtin_sub_overflow(it->amount, it->fee, &net)) {
            e->skip = "its amounts overflow";
            return RECON_OK;
        }
        if (add_line(e, it->tx, acc, it->currency, net, memo)) return RECON_ENOMEM;
        if (!it->fee) return RECON_OK;
        char m2[MEMO_MAX + 8];
        snprintf(m2, sizeof m2, "%s: fee", memo);
        if ((rc = account(mk->db, mk->acc, match, it->source, "psp", "fees", acc))) return rc;
        return add_line(e, it->tx, acc, it->currency, it->fee, m2) ? RECON_ENOMEM : RECON_OK;
    }
    if (it->partial && it->fee) {
        e->skip = "a provider row with a fee is matched in parts: its fee cannot be split"
                  " exactly (match it whole)";
        return RECON_OK;
    }
    int64_t net;
    if (__builtin_sub_overflow(it->amount, it->fee, &net)) {
        e->skip = "its amounts overflow";
        return RECON_OK;
    }
    char m2[MEMO_MAX + 8];
    snprintf(m2, sizeof m2, "%s: net", memo);
    if (add_line(e, it->tx, acc, it->currency, net, m2)) return RECON_ENOMEM;
    if (it->fee) {
        if ((rc = account(mk->db, mk->acc, match, it->source, "psp", "fees", acc))) return rc;
        snprintf(m2, sizeof m2, "%s: fee", memo);
        if (add_line(e, it->tx, acc, it->currency, it->fee, m2)) return RECON_ENOMEM;
    }
    if (with_ledger) return RECON_OK; /* the ledger rows are what the gross settles */
    const char *key = activity_key(it->kind);
    if ((rc = account(mk->db, mk->acc, match, it->source, "psp", key, acc))) return rc;
    snprintf(m2, sizeof m2, "%s: gross", memo);
    return add_line(e, it->tx, acc, it->currency, -it->amount, m2) ? RECON_ENOMEM : RECON_OK;
}

/* Provider sources whose activity a bank row took without their payout
 * row: the payout the match implies, clearing -(the activity's nets). */
static int implied_payouts(maker *mk, int64_t match, const jitem *it, size_t n, jentry *e) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(it[i].type, "psp") || !strcmp(it[i].kind, "payout")) continue;
        int first = 1, has_payout = 0;
        int64_t nets = 0;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(it[k].type, "psp") || strcmp(it[k].source, it[i].source) ||
                strcmp(it[k].currency, it[i].currency))
                continue;
            if (k < i) first = 0;
            if (!strcmp(it[k].kind, "payout")) {
                has_payout = 1;
                continue;
            }
            if (__builtin_add_overflow(nets, it[k].amount - it[k].fee, &nets)) {
                e->skip = "its amounts overflow";
                return RECON_OK;
            }
        }
        if (!first || has_payout || !nets) continue;
        if (nets == INT64_MIN) {
            e->skip = "its amounts overflow";
            return RECON_OK;
        }
        char acc[ACCOUNT_BUF], memo[MEMO_MAX];
        int rc = account(mk->db, mk->acc, match, it[i].source, "psp", "clearing", acc);
        if (rc) return rc;
        snprintf(memo, sizeof memo, "%.100s payout to the bank (implied by the match)",
                 it[i].source);
        if (add_line(e, 0, acc, it[i].currency, -nets, memo)) return RECON_ENOMEM;
    }
    return RECON_OK;
}

/* An entry's lines summed per currency (at most MAX_CURRENCIES). */
#define MAX_CURRENCIES 16
typedef struct {
    char cur[MAX_CURRENCIES][4];
    int64_t sum[MAX_CURRENCIES];
    size_t n;
} per_currency;

/* 0; or why the sums cannot be had: too many currencies, or a sum (or a
 * line) that int64 cannot hold or negate. */
static const char *sum_lines(const jentry *e, per_currency *pc) {
    pc->n = 0;
    for (size_t i = 0; i < e->n; i++) {
        size_t c = 0;
        while (c < pc->n && strcmp(pc->cur[c], e->l[i].currency))
            c++;
        if (c == MAX_CURRENCIES) return "more than 16 currencies";
        if (c == pc->n) {
            memcpy(pc->cur[c], e->l[i].currency, 4);
            pc->sum[pc->n++] = 0;
        }
        if (e->l[i].amount == INT64_MIN ||
            __builtin_add_overflow(pc->sum[c], e->l[i].amount, &pc->sum[c]) ||
            pc->sum[c] == INT64_MIN)
            return "its amounts overflow";
    }
    return NULL;
}

/* What each currency's lines leave over, posted to the match's variance,
 * the conversion account (two currencies) or suspense (a forced match). */
static int balance(maker *mk, int64_t match, jentry *e) {
    per_currency pc;
    if ((e->skip = sum_lines(e, &pc)) != NULL) return RECON_OK;
    /* A booked variance explains what one currency leaves over: read only
     * then (most entries balance by their lines alone). */
    char kind[16] = "", vcur[4] = "";
    if (pc.n == 1 && pc.sum[0]) {
        sqlite3_stmt *st = mk->variance;
        sqlite3_bind_int64(st, 1, match);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            snprintf(kind, sizeof kind, "%s", sqlite3_column_text(st, 0));
            snprintf(vcur, sizeof vcur, "%s", sqlite3_column_text(st, 1));
        }
        sqlite3_reset(st);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            return rc_fail_sql(mk->db, "reading a variance");
    }
    for (size_t c = 0; c < pc.n; c++) {
        if (!pc.sum[c]) continue;
        char acc[ACCOUNT_BUF], memo[MEMO_MAX];
        int rc;
        if (pc.n > 1) {
            rc = account(mk->db, mk->acc, match, NULL, "defaults", "conversion", acc);
            snprintf(memo, sizeof memo, "currency conversion (%s leg)", pc.cur[c]);
        } else if (kind[0] && !strcmp(vcur, pc.cur[c])) {
            rc = account(mk->db, mk->acc, match, NULL, "variances", kind, acc);
            snprintf(memo, sizeof memo, "variance: %s (booked by the rule)", kind);
        } else {
            rc = account(mk->db, mk->acc, match, NULL, "defaults", "suspense", acc);
            snprintf(memo, sizeof memo, "difference the match does not explain (forced)");
        }
        if (rc) return rc;
        if (add_line(e, 0, acc, pc.cur[c], -pc.sum[c], memo)) return RECON_ENOMEM;
    }
    return RECON_OK;
}

/* The entry of match `match` into e (e->skip set instead when it cannot
 * have one). */
static int make_entry(maker *mk, int64_t match, const char *rule, jentry *e) {
    jitem *it = NULL;
    size_t n = 0;
    e->n = 0;
    e->skip = NULL;
    int rc = load_items(mk, match, &it, &n);
    int with_ledger = 0, with_bank = 0;
    char bank_day[11] = "", any_day[11] = "";
    for (size_t i = 0; !rc && i < n; i++) {
        with_ledger |= !strcmp(it[i].type, "ledger");
        with_bank |= !strcmp(it[i].type, "bank");
        if (!strcmp(it[i].type, "bank") && strcmp(it[i].day, bank_day) > 0)
            memcpy(bank_day, it[i].day, 11);
        if (strcmp(it[i].day, any_day) > 0) memcpy(any_day, it[i].day, 11);
        if (it[i].amount == INT64_MIN || it[i].fee == INT64_MIN) e->skip = "its amounts overflow";
    }
    for (size_t i = 0; !rc && !e->skip && i < n; i++)
        rc = item_lines(mk, match, &it[i], with_ledger, e);
    if (!rc && !e->skip && with_bank && !with_ledger) rc = implied_payouts(mk, match, it, n, e);
    if (!rc && !e->skip) rc = balance(mk, match, e);
    memcpy(e->date, bank_day[0] ? bank_day : any_day, 11);
    snprintf(e->memo, sizeof e->memo, "match %lld (rule %.64s): %.40s %.64s", (long long)match,
             rule, n ? it[0].source : "", n ? it[0].external_id : "");
    if (rc == RECON_ENOMEM && !mk->db->errmsg[0])
        rc = rc_fail(mk->db, RECON_ENOMEM, "journal: out of memory");
    free(it);
    return rc;
}

/* Every currency's lines sum to zero: the entry balances. Checked apart
 * from how the lines were made, as the last word before writing. */
static int balanced(const jentry *e) {
    per_currency pc;
    if (sum_lines(e, &pc)) return 0;
    for (size_t c = 0; c < pc.n; c++)
        if (pc.sum[c]) return 0;
    return e->n > 0;
}

/* ---- the export ----------------------------------------------------------------------------- */

typedef struct {
    recon_db *db;
    const recon_journal_opts *o;
    int64_t export_id;
    sqlite3_stmt *ins_entry, *ins_line;
    recon_journal_result *out;
    void *payload;     /* the caller's, for on_skip */
    char open_day[11]; /* the first day after the closed period, or "" */
} exporter;

static int store_entry(exporter *x, int64_t match, const char *kind, int64_t reverses,
                       const char *date, const char *memo, int64_t *id) {
    sqlite3_stmt *st = x->ins_entry;
    sqlite3_bind_int64(st, 1, match);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    if (reverses)
        sqlite3_bind_int64(st, 3, reverses);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, memo, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, x->export_id);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step != SQLITE_DONE) return rc_fail_sql(x->db, "storing a journal entry");
    *id = sqlite3_last_insert_rowid(x->db->sql);
    return RECON_OK;
}

static int store_lines(exporter *x, int64_t entry, const jentry *e) {
    sqlite3_stmt *st = x->ins_line;
    for (size_t i = 0; i < e->n; i++) {
        const jline *l = &e->l[i];
        sqlite3_bind_int64(st, 1, entry);
        sqlite3_bind_int(st, 2, (int)i + 1);
        sqlite3_bind_text(st, 3, l->account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, l->currency, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, l->amount);
        if (l->tx)
            sqlite3_bind_int64(st, 6, l->tx);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_text(st, 7, l->memo, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        sqlite3_reset(st);
        if (step != SQLITE_DONE) return rc_fail_sql(x->db, "storing a journal line");
    }
    return RECON_OK;
}

/* Entries for the confirmed matches that have none, dated since or later. */
static int post_matches(exporter *x) {
    maker mk = {x->db, x->o->accounts, NULL, NULL};
    sqlite3_stmt *st = NULL;
    int rc = rc_prepare(
        x->db,
        "SELECT t.id, t.kind, t.currency, t.amount_minor, coalesce(t.fee_minor, 0), t.occurred_at,"
        " s.type, s.name, coalesce(t.external_id, ''), al.amount_minor"
        " FROM match_items mi JOIN transactions t ON t.id = mi.transaction_id"
        " JOIN sources s ON s.id = t.source_id"
        " LEFT JOIN allocations al ON al.match_id = mi.match_id AND al.transaction_id = t.id"
        " WHERE mi.match_id = ?1 ORDER BY mi.side, t.id",
        &mk.items);
    if (!rc)
        rc = rc_prepare(x->db,
                        "SELECT kind, currency FROM match_variances WHERE match_id = ?1 LIMIT 1",
                        &mk.variance);
    if (!rc)
        rc = rc_prepare(x->db,
                        "SELECT m.id, m.rule FROM matches m WHERE m.undone_at IS NULL AND NOT"
                        " EXISTS (SELECT 1 FROM journal_entries j WHERE j.match_id = m.id)"
                        " ORDER BY m.id",
                        &st);
    jentry e;
    memset(&e, 0, sizeof e);
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t match = sqlite3_column_int64(st, 0);
        char rule[128];
        snprintf(rule, sizeof rule, "%s", sqlite3_column_text(st, 1));
        if ((rc = make_entry(&mk, match, rule, &e)) != RECON_OK) break;
        /* Nothing is dated in a closed period: a late match of its days
         * is posted on the first open day. */
        if (strcmp(e.date, x->open_day) < 0) memcpy(e.date, x->open_day, 11);
        if (x->o->since && strcmp(e.date, x->o->since) < 0) continue;
        if (e.skip) {
            x->out->skipped++;
            int r = x->o->on_skip ? x->o->on_skip(match, e.skip, x->payload) : 0;
            if (r) rc = rc_callback_stop(x->db, r, "journal export");
            continue;
        }
        if (!balanced(&e)) {
            rc = rc_fail(x->db, RECON_ERROR, "match %lld: its journal entry does not balance",
                         (long long)match);
            break;
        }
        int64_t id;
        rc = store_entry(x, match, "post", 0, e.date, e.memo, &id);
        if (!rc) rc = store_lines(x, id, &e);
        x->out->entries++;
    }
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = rc_fail_sql(x->db, "reading matches");
    free(e.l);
    sqlite3_finalize(st);
    sqlite3_finalize(mk.items);
    sqlite3_finalize(mk.variance);
    return rc;
}

/* A reversing entry for every exported match since undone: its lines
 * negated, dated the day of the undo. */
static int reverse_undone(exporter *x) {
    sqlite3_stmt *st, *copy = NULL;
    int rc = rc_prepare(x->db,
                        "SELECT e.id, e.match_id, max(?2, substr(m.undone_at, 1, 10)) AS day"
                        " FROM journal_entries e JOIN matches m ON m.id = e.match_id"
                        " WHERE e.kind = 'post' AND m.undone_at IS NOT NULL AND NOT EXISTS"
                        " (SELECT 1 FROM journal_entries r WHERE r.match_id = e.match_id"
                        " AND r.kind = 'reverse') AND (?1 IS NULL OR day >= ?1) ORDER BY e.id",
                        &st);
    if (rc) return rc;
    if (x->o->since) sqlite3_bind_text(st, 1, x->o->since, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, x->open_day, -1, SQLITE_STATIC);
    rc = rc_prepare(x->db,
                    "INSERT INTO journal_lines(entry_id, line, account, currency, amount_minor,"
                    " transaction_id, memo) SELECT ?1, line, account, currency, -amount_minor,"
                    " transaction_id, memo FROM journal_lines WHERE entry_id = ?2",
                    &copy);
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t old = sqlite3_column_int64(st, 0), match = sqlite3_column_int64(st, 1), id;
        char date[11], memo[MEMO_MAX];
        snprintf(date, sizeof date, "%s", sqlite3_column_text(st, 2));
        snprintf(memo, sizeof memo, "reverses entry %lld: match %lld undone", (long long)old,
                 (long long)match);
        rc = store_entry(x, match, "reverse", old, date, memo, &id);
        if (rc) break;
        sqlite3_bind_int64(copy, 1, id);
        sqlite3_bind_int64(copy, 2, old);
        if (sqlite3_step(copy) != SQLITE_DONE) rc = rc_fail_sql(x->db, "storing a reversal");
        sqlite3_reset(copy);
        x->out->reversals++;
    }
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = rc_fail_sql(x->db, "reading undone matches");
    sqlite3_finalize(st);
    sqlite3_finalize(copy);
    return rc;
}

/* One entry's lines, held until the entry is whole so that each line can
 * say how many the entry has (nlines) without a count per line: strings
 * are copied into one buffer, offsets kept. */
typedef struct {
    recon_journal_line *l;
    size_t n, cap;
    char *text;
    size_t len, tcap;
    size_t *off; /* per line: account, currency, memo offsets (3 each) */
    char kind[8], date[11], memo[MEMO_MAX];
} held;

static int held_text(held *h, const unsigned char *s, size_t *out) {
    size_t n = strlen((const char *)s) + 1;
    if (h->len + n > h->tcap) {
        size_t cap = h->tcap ? 2 * h->tcap : 4096;
        while (cap < h->len + n)
            cap *= 2;
        char *g = realloc(h->text, cap);
        if (!g) return -1;
        h->text = g;
        h->tcap = cap;
    }
    memcpy(h->text + h->len, s, n);
    *out = h->len;
    h->len += n;
    return 0;
}

static int held_add(held *h, sqlite3_stmt *st) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        recon_journal_line *g = realloc(h->l, cap * sizeof *g);
        size_t *o = realloc(h->off, 3 * cap * sizeof *o);
        if (g) h->l = g;
        if (o) h->off = o;
        if (!g || !o) return -1;
        h->cap = cap;
    }
    if (!h->n) {
        snprintf(h->kind, sizeof h->kind, "%s", sqlite3_column_text(st, 2));
        snprintf(h->date, sizeof h->date, "%s", sqlite3_column_text(st, 4));
        snprintf(h->memo, sizeof h->memo, "%s", sqlite3_column_text(st, 5));
    }
    recon_journal_line *l = &h->l[h->n];
    *l = (recon_journal_line){.version = RECON_JOURNAL_LINE_VERSION,
                              .entry_id = sqlite3_column_int64(st, 0),
                              .match_id = sqlite3_column_int64(st, 1),
                              .reverses = sqlite3_column_int64(st, 3),
                              .line = sqlite3_column_int(st, 6),
                              .amount_minor = sqlite3_column_int64(st, 9),
                              .transaction_id = sqlite3_column_int64(st, 10),
                              .export_id = sqlite3_column_int64(st, 12)};
    size_t *o = &h->off[3 * h->n];
    if (held_text(h, sqlite3_column_text(st, 7), &o[0]) ||
        held_text(h, sqlite3_column_text(st, 8), &o[1]) ||
        held_text(h, sqlite3_column_text(st, 11), &o[2]))
        return -1;
    h->n++;
    return 0;
}

/* Hands the held entry's lines to cb, then forgets them. */
static int held_flush(held *h, int (*cb)(const recon_journal_line *, void *), void *payload) {
    int r = 0;
    for (size_t i = 0; !r && i < h->n; i++) {
        recon_journal_line *l = &h->l[i];
        l->kind = h->kind;
        l->date = h->date;
        l->entry_memo = h->memo;
        l->nlines = (int)h->n;
        l->account = h->text + h->off[3 * i];
        l->currency = h->text + h->off[3 * i + 1];
        l->memo = h->text + h->off[3 * i + 2];
        r = cb ? cb(l, payload) : 0;
    }
    h->n = 0;
    h->len = 0;
    return r;
}

/* Calls cb for every line of the entries to list: this export's, or all
 * of them (since included). */
static int list_entries(exporter *x, int (*cb)(const recon_journal_line *, void *), void *payload) {
    sqlite3_stmt *st;
    int rc = rc_prepare(
        x->db,
        "SELECT e.id, e.match_id, e.kind, coalesce(e.reverses, 0), e.entry_date, e.memo, l.line,"
        " l.account, l.currency, l.amount_minor, coalesce(l.transaction_id, 0), l.memo,"
        " e.export_id FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id"
        " WHERE (?1 = 1 OR e.export_id = ?2) AND (?3 IS NULL OR e.entry_date >= ?3)"
        " ORDER BY e.id, l.line",
        &st);
    if (rc) return rc;
    sqlite3_bind_int(st, 1, x->o->all ? 1 : 0);
    sqlite3_bind_int64(st, 2, x->export_id);
    if (x->o->since) sqlite3_bind_text(st, 3, x->o->since, -1, SQLITE_STATIC);
    held h;
    memset(&h, 0, sizeof h);
    int step, r = 0;
    while (!r && !rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (h.n && h.l[0].entry_id != id) r = held_flush(&h, cb, payload);
        if (!h.n) x->out->listed++;
        if (!r && held_add(&h, st)) rc = rc_fail(x->db, RECON_ENOMEM, "journal: out of memory");
    }
    if (!r && !rc && step == SQLITE_DONE) r = held_flush(&h, cb, payload);
    sqlite3_finalize(st);
    free(h.l);
    free(h.off);
    free(h.text);
    if (rc) return rc;
    if (r) return rc_callback_stop(x->db, r, "journal export");
    return step == SQLITE_DONE ? RECON_OK : rc_fail_sql(x->db, "listing journal entries");
}

static int first_open_day(recon_db *db, char first[11]);

static int start_export(exporter *x) {
    char now[21];
    rc_now_utc(now);
    sqlite3_stmt *st;
    int rc = rc_prepare(x->db,
                        "INSERT INTO journal_exports(exported_at, exported_by, format, since,"
                        " accounts_text, entries) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, x->o->actor && *x->o->actor ? x->o->actor : "unknown", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x->o->format ? x->o->format : "api", -1, SQLITE_STATIC);
    if (x->o->since) sqlite3_bind_text(st, 4, x->o->since, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, x->o->accounts->text, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(x->db, "recording the export");
    x->export_id = sqlite3_last_insert_rowid(x->db->sql);
    return RECON_OK;
}

/* The export keeps its row only when it made entries. */
static int finish_export(exporter *x) {
    uint64_t made = x->out->entries + x->out->reversals;
    sqlite3_stmt *st;
    int rc = rc_prepare(x->db,
                        made ? "UPDATE journal_exports SET entries = ?2 WHERE id = ?1"
                             : "DELETE FROM journal_exports WHERE id = ?1",
                        &st);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, x->export_id);
    if (made) sqlite3_bind_int64(st, 2, (sqlite3_int64)made);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return rc_fail_sql(x->db, "recording the export");
    if (!made) x->export_id = 0;
    return RECON_OK;
}

int recon_journal_export(recon_db *db, const recon_journal_opts *opts,
                         int (*cb)(const recon_journal_line *line, void *payload), void *payload,
                         recon_journal_result *out) {
    rc_clear_error(db);
    if (!db || !opts || !out || !opts->accounts)
        return rc_fail(db, RECON_EMISUSE, "recon_journal_export: invalid argument");
    int rc = rc_check_version(db, opts->version, RECON_JOURNAL_OPTS_VERSION, "recon_journal_opts");
    if (!rc) rc = rc_out_check(db, out, "recon_journal_export", "recon_journal_result");
    if (rc) return rc;
    if (opts->since && (rc = rc_check_day(db, "since", opts->since)) != RECON_OK) return rc;
    recon_journal_result full;
    memset(&full, 0, sizeof full);
    full.version = RECON_JOURNAL_RESULT_VERSION;
    exporter x = {.db = db, .o = opts, .out = &full, .payload = payload};
    rc = rc_begin(db);
    if (rc) return rc;
    rc = first_open_day(db, x.open_day);
    if (!rc) rc = start_export(&x);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO journal_entries(match_id, kind, reverses, entry_date, memo,"
                        " export_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &x.ins_entry);
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO journal_lines(entry_id, line, account, currency,"
                        " amount_minor, transaction_id, memo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        &x.ins_line);
    if (!rc) rc = reverse_undone(&x);
    if (!rc) rc = post_matches(&x);
    if (!rc) rc = finish_export(&x);
    if (!rc) rc = list_entries(&x, cb, payload);
    sqlite3_finalize(x.ins_entry);
    sqlite3_finalize(x.ins_line);
    if (opts->dry_run && !rc) {
        rc_rollback(db);
        full.export_id = 0;
    } else {
        rc = rc_finish(db, rc);
        if (!rc) full.export_id = x.export_id;
    }
    if (rc) memset(&full, 0, sizeof full);
    static const size_t sizes[] = {0, sizeof full};
    rc_out_put(out, &full, RECON_JOURNAL_RESULT_VERSION, sizes);
    return rc;
}

/* ---- closing a period ----------------------------------------------------------------------- */

/* The last day closed into until ("" when none is). */
static int closed_until(recon_db *db, char until[11]) {
    sqlite3_stmt *st;
    until[0] = '\0';
    int rc = rc_prepare(db, "SELECT " RC_SQL_CLOSED_UNTIL(), &st);
    if (rc) return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        snprintf(until, 11, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return step == SQLITE_ROW ? RECON_OK : rc_fail_sql(db, "reading the closed period");
}

/* The day after `day` (YYYY-MM-DD) into out. */
static void day_after(const char *day, char out[11]) {
    int64_t y;
    int m, d;
    rc_civil_from_days((int64_t)rc_day_of(day) + 1, &y, &m, &d);
    snprintf(out, 11, "%04d-%02d-%02d", (int)y, m, d);
}

static int first_open_day(recon_db *db, char first[11]) {
    char until[11];
    int rc = closed_until(db, until);
    first[0] = '\0';
    if (!rc && until[0]) day_after(until, first);
    return rc;
}

int recon_period_closed_until(recon_db *db, char until[11]) {
    rc_clear_error(db);
    if (!db || !until)
        return rc_fail(db, RECON_EMISUSE, "recon_period_closed_until: NULL argument");
    return closed_until(db, until);
}

/* What closing until `until` would leave out of the journal: matches of
 * those days without their entry, and exported matches since undone
 * without their reversal. Their number into *n, the first into *first. */
static int unposted(recon_db *db, const char *until, const char *open_day, int64_t *n,
                    int64_t *first) {
    sqlite3_stmt *st;
    int rc = rc_prepare(
        db,
        "SELECT count(*), coalesce(min(id), 0) FROM ("
        " SELECT m.id FROM matches m WHERE m.undone_at IS NULL AND NOT EXISTS (SELECT 1 FROM"
        "  journal_entries j WHERE j.match_id = m.id) AND max(?2, (SELECT coalesce("
        "  max(CASE WHEN s.type = 'bank' THEN substr(t.occurred_at, 1, 10) END),"
        "  max(substr(t.occurred_at, 1, 10))) FROM match_items mi JOIN transactions t"
        "  ON t.id = mi.transaction_id JOIN sources s ON s.id = t.source_id"
        "  WHERE mi.match_id = m.id)) <= ?1"
        " UNION ALL SELECT m.id FROM matches m JOIN journal_entries j ON j.match_id = m.id"
        "  AND j.kind = 'post' WHERE m.undone_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
        "  journal_entries r WHERE r.match_id = m.id AND r.kind = 'reverse')"
        "  AND max(?2, substr(m.undone_at, 1, 10)) <= ?1)",
        &st);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, until, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, open_day, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    *n = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    *first = step == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    return step == SQLITE_ROW ? RECON_OK : rc_fail_sql(db, "checking the period's journal");
}

int recon_period_close(recon_db *db, const char *until, const char *note, const char *actor) {
    rc_clear_error(db);
    if (!db || !until) return rc_fail(db, RECON_EMISUSE, "recon_period_close: a day is required");
    int rc = rc_check_day(db, "close", until);
    if (rc) return rc;
    /* The first open day must be a date of four-digit year. */
    if (strcmp(until, "9999-12-31") >= 0)
        return rc_fail(db, RECON_EMISUSE, "close: %s leaves no day open after it", until);
    rc = rc_begin(db);
    if (rc) return rc;
    char now_until[11], open_day[11];
    int64_t n = 0, first = 0;
    rc = closed_until(db, now_until);
    if (!rc && now_until[0] && strcmp(until, now_until) <= 0)
        rc = rc_fail(db, RECON_ECONFLICT, "the books are closed until %s already", now_until);
    if (!rc) {
        open_day[0] = '\0'; /* the first open day, from the close just read */
        if (now_until[0]) day_after(now_until, open_day);
        rc = unposted(db, until, open_day, &n, &first);
    }
    if (!rc && n)
        rc = rc_fail(db, RECON_ECONFLICT,
                     "cannot close until %s: %lld match%s of those days %s no journal entry yet"
                     " (the first: match %lld): export the journal first (recon export journal)",
                     until, (long long)n, n == 1 ? "" : "es", n == 1 ? "has" : "have",
                     (long long)first);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = rc_prepare(db,
                        "INSERT INTO period_closes(until_date, closed_at, closed_by, note)"
                        " VALUES (?1, ?2, ?3, ?4)",
                        &st);
    if (!rc) {
        char now[21];
        rc_now_utc(now);
        sqlite3_bind_text(st, 1, until, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, actor && *actor ? actor : "unknown", -1, SQLITE_STATIC);
        if (note)
            sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 4);
        if (sqlite3_step(st) != SQLITE_DONE) rc = rc_fail_sql(db, "closing the period");
    }
    sqlite3_finalize(st);
    return rc_finish(db, rc);
}

int recon_period_reopen(recon_db *db, const char *note, const char *actor) {
    rc_clear_error(db);
    if (!db || !note || !*note)
        return rc_fail(db, RECON_EMISUSE, "recon_period_reopen: a note is required");
    int rc = rc_begin(db);
    if (rc) return rc;
    sqlite3_stmt *st;
    char now[21];
    rc_now_utc(now);
    rc = rc_prepare(db,
                    "UPDATE period_closes SET reopened_at = ?1, reopened_by = ?2, reopen_note = ?3"
                    " WHERE id = (SELECT id FROM period_closes WHERE reopened_at IS NULL"
                    " ORDER BY until_date DESC, id DESC LIMIT 1)",
                    &st);
    if (!rc) {
        sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, actor && *actor ? actor : "unknown", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = rc_fail_sql(db, "reopening the period");
        else if (!sqlite3_changes(db->sql))
            rc = rc_fail(db, RECON_ENOTFOUND, "no period is closed");
        sqlite3_finalize(st);
    }
    return rc_finish(db, rc);
}
