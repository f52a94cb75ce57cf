/*
 * k_simwallet.h - a labelled population of Ethereum wallets: transaction
 * histories for the wallet-risk seed's eight archetypes plus malicious
 * schemes of documented kinds, with the ground truth no public data set
 * has. Seeded and deterministic (k_rng only); the generative assumptions
 * are in k_simwallet.c's opening comment and in kfetch(1).
 */
#ifndef K_SIMWALLET_H
#define K_SIMWALLET_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"
#include "base/k_status.h"

enum k_sim_arch {
	K_ARCH_RETAIL_CONSERVATIVE,
	K_ARCH_RETAIL_ACTIVE,
	K_ARCH_PRO_TRADER,
	K_ARCH_INSTITUTIONAL,
	K_ARCH_DEFI_POWER,
	K_ARCH_PRIVACY,
	K_ARCH_MEV,
	K_ARCH_YIELD_FARMER,
	K_ARCH_N
};

enum k_sim_pattern {
	K_PAT_NONE,
	K_PAT_RAPID,        /* rapid fund movement: a peel chain of mules */
	K_PAT_CIRCULAR,     /* value cycling through a ring of addresses */
	K_PAT_MIXER,        /* laundering through mixer deposits */
	K_PAT_FRESH_ATTACK, /* fresh account funded, deploys, exploits */
	K_PAT_PHISHING,     /* approvals or fake claims drained */
	K_PAT_N
};

/* "retail_conservative", ..., "yield_farmer"; and "rapid_fund_movement",
 * ..., "phishing_drain" (index 0 of the patterns is NULL). */
extern const char *const k_simwallet_arch_names[K_ARCH_N];
extern const char *const k_simwallet_pattern_names[K_PAT_N];

struct k_simwallet_params {
	size_t wallets;       /* population wallets (default 1000) */
	double days;          /* simulated span, days (default 30) */
	int64_t start_ms;     /* first instant, ms since the epoch
	                       * (default 2024-01-01T00:00:00Z) */
	double malicious;     /* malicious addresses as a share of the
	                       * population (default 0.02; 0 for none) */
	double mix[K_ARCH_N]; /* archetype weights, >= 0, summing > 0
	                       * (defaults: see k_simwallet.c) */
	double activity;      /* multiplier of every wallet's session rate
	                       * (default 1) */
	uint64_t seed;        /* default 1 */
	int market;           /* emit hourly market records (default 1) */
	int labels;           /* emit label records (default 1) */
};

void k_simwallet_default(struct k_simwallet_params *p);
/* NULL if p is usable, else a message naming the bad field. */
const char *k_simwallet_check(const struct k_simwallet_params *p);

struct k_simwallet;

/* What a run produced, for a summary. */
struct k_simwallet_stats {
	size_t tx;                    /* tx records */
	size_t labels;                /* label records */
	size_t market;                /* market records */
	size_t addresses;             /* labelled addresses */
	size_t by_arch[K_ARCH_N];     /* population wallets per archetype */
	size_t malicious;             /* addresses labelled malicious */
	size_t by_pattern[K_PAT_N];   /* malicious addresses per pattern */
	size_t schemes[K_PAT_N];      /* schemes per pattern */
	size_t victims;               /* wallets labelled as victims */
};

/*
 * Simulate. On K_OK *out owns every record, in output order: labels
 * first, then tx and market records by time. K_EUSAGE for bad params
 * (message from _check), K_ENOMEM. Free with k_simwallet_free.
 */
enum k_status k_simwallet_run(const struct k_simwallet_params *p,
                              struct k_simwallet **out, struct k_error *err);
size_t k_simwallet_len(const struct k_simwallet *s);
/* Append record i as one compact JSON object (no newline) to b. */
void k_simwallet_write(const struct k_simwallet *s, size_t i,
                       struct k_buf *b);
void k_simwallet_stats(const struct k_simwallet *s,
                       struct k_simwallet_stats *st);
void k_simwallet_free(struct k_simwallet *s);

/* Index of an archetype or pattern name, or -1. */
int k_simwallet_arch_index(const char *name);
int k_simwallet_pattern_index(const char *name);

#endif
