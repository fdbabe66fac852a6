/* Fuzz target: match rules files (recon_rules_parse, lib/match/rules.c).
 *
 * The input is the INI text (cut at its first NUL). Checked: a refusal
 * says why and returns nothing; accepted rules are at least one, have
 * distinct non-empty names, run in priority order, keep the promises
 * validation makes of every key (confidences, group keys, difference_as,
 * counterparty, allow_partial), and parse again to the same names in the same order;
 * everything is freed without leaks. */
#include <string.h>

#include "fuzz.h"
#include "match/rules.h"
#include "recon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);

    recon_error err = RECON_ERROR_INIT;
    recon_rules *rules = (recon_rules *)1;
    const int rc = recon_rules_parse(text, "fuzz.ini", &err, &rules);
    if (rc != RECON_OK) {
        FUZZ_ASSERT_REFUSAL(rc, rules, err);
        free(text);
        return 0;
    }
    const size_t n = recon_rules_count(rules);
    FUZZ_ASSERT(n >= 1 && n == rules->n);
    for (size_t i = 0; i < n; i++) {
        const char *name = recon_rules_name(rules, i);
        FUZZ_ASSERT(name != NULL && name[0] != '\0');
        for (size_t k = 0; k < i; k++)
            FUZZ_ASSERT(strcmp(name, recon_rules_name(rules, k)) != 0);
        if (i > 0) FUZZ_ASSERT(rules->rule[i - 1].priority <= rules->rule[i].priority);
        const rc_rule *r = &rules->rule[i];
        FUZZ_ASSERT((r->left.type != 0 || r->left.nsources > 0) &&
                    (r->right.type != 0 || r->right.nsources > 0));
        FUZZ_ASSERT(r->left.kinds != 0 && r->right.kinds != 0);
        /* What validation promises the engine of the issue-19 keys. */
        FUZZ_ASSERT(r->confirm_at >= 1 && r->confirm_at <= 100);
        FUZZ_ASSERT(r->suggest_at == -1 || (r->suggest_at >= 1 && r->suggest_at <= r->confirm_at));
        FUZZ_ASSERT(r->group_left < RC_TF_COUNT && r->group_right < RC_TF_COUNT);
        FUZZ_ASSERT(!r->difference_as || (r->tolerant && !r->any_currency));
        FUZZ_ASSERT(!r->party || (r->ref == RC_REF_NORMALIZED && r->use_date &&
                                  r->ref_left == RC_TF_COUNTERPARTY));
        /* allow_partial: what the engine's parts rely on. */
        FUZZ_ASSERT(!r->allow_partial ||
                    (r->card == RC_CARD_ONE_TO_ONE && r->ref != RC_REF_NONE && !r->party &&
                     r->value_left == RC_VAL_AMOUNT && r->value_right == RC_VAL_AMOUNT &&
                     !r->difference_as && r->confirm_at == 100 && !r->attach_group &&
                     r->partial_min_share >= 1 && r->partial_min_share <= 99));
        FUZZ_ASSERT(r->allow_partial || r->partial_min_share == 0);
    }
    FUZZ_ASSERT(recon_rules_name(rules, n) == NULL);

    recon_rules *again = NULL;
    FUZZ_ASSERT(recon_rules_parse(text, "fuzz.ini", NULL, &again) == RECON_OK);
    FUZZ_ASSERT(recon_rules_count(again) == n);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(strcmp(recon_rules_name(rules, i), recon_rules_name(again, i)) == 0);
    recon_rules_free(again);
    recon_rules_free(rules);
    free(text);
    return 0;
}
