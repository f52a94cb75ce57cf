/*
 * kfetch simulate wallet - a labelled population of Ethereum wallets (the
 * wallet-risk seed's eight archetypes and five kinds of malicious scheme)
 * as tx, market and label records: the ground truth that archetype
 * training and detection need and no public data set has. The engine and
 * its generative assumptions are in common/sim/k_simwallet.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "kfetch.h"
#include "sim/k_simwallet.h"

enum { OPT_WALLETS = 0x100, OPT_DAYS, OPT_START, OPT_SEED, OPT_MALICIOUS,
       OPT_MIX, OPT_ACTIVITY, OPT_NO_LABELS, OPT_NO_MARKET };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Population:", 1 },
	{ "wallets", OPT_WALLETS, "N", 0,
	  "Population wallets (default 1000; at most 10000000)", 1 },
	{ "days", OPT_DAYS, "N", 0,
	  "Simulated span in days (default 30; at most 3650)", 1 },
	{ "start", OPT_START, "TIME", 0,
	  "First instant, RFC 3339 or a date (default 2024-01-01)", 1 },
	{ "seed", OPT_SEED, "N", 0, "Random seed (default 1)", 1 },
	{ "mix", OPT_MIX, "LIST", 0,
	  "Archetype weights, e.g. retail_conservative=0.5,mev_arbitrage=0.01 "
	  "(unnamed archetypes keep their defaults; 0 leaves one out)", 1 },
	{ "activity", OPT_ACTIVITY, "X", 0,
	  "Multiply every wallet's session rate by X (default 1)", 1 },
	{ NULL, 0, NULL, 0, "Malicious behaviour:", 2 },
	{ "malicious", OPT_MALICIOUS, "SHARE", 0,
	  "Malicious addresses as a share of the population, 0 to 0.5 "
	  "(default 0.02)", 2 },
	{ NULL, 0, NULL, 0, "Output:", 3 },
	{ "no-labels", OPT_NO_LABELS, NULL, 0,
	  "Do not write the label records", 3 },
	{ "no-market", OPT_NO_MARKET, NULL, 0,
	  "Do not write the hourly market records", 3 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct k_simwallet_params *p = state->input;
	double d;

	switch (key) {
	case OPT_WALLETS:
		p->wallets = k_optval_uint(state, "--wallets", arg, 1, 10000000);
		break;
	case OPT_DAYS:
		p->days = k_optval_number(state, "--days", arg, 1.0 / 24, 3650,
		                          K_OPTVAL_CLOSED);
		break;
	case OPT_START:
		p->start_ms = k_optval_time(state, "--start", arg);
		break;
	case OPT_SEED:
		p->seed = k_optval_uint(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_MALICIOUS:
		p->malicious = k_optval_number(state, "--malicious", arg, 0, 0.5,
		                               K_OPTVAL_CLOSED);
		break;
	case OPT_ACTIVITY:
		p->activity = k_optval_number(state, "--activity", arg, 0, 100,
		                              K_OPTVAL_OPEN_LO);
		break;
	case OPT_MIX: {
		char *copy = strdup(arg), *save = NULL;
		if (copy == NULL)
			k_die(K_ENOMEM, "out of memory");
		for (char *t = strtok_r(copy, ",", &save); t != NULL;
		     t = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(t, '=');
			if (eq == NULL)
				argp_error(state, "--mix: '%s' is not ARCHETYPE=WEIGHT",
				           t);
			*eq = '\0';
			int k = k_simwallet_arch_index(t);
			if (k < 0)
				argp_error(state, "--mix: unknown archetype '%s' (one "
				           "of retail_conservative, retail_active, "
				           "professional_trader, institutional, "
				           "defi_power_user, privacy_focused, "
				           "mev_arbitrage, yield_farmer)", t);
			if (k_optval_parse_number(eq + 1, &d) < 0 || d < 0)
				argp_error(state, "--mix: weight '%s' of %s is not a "
				           "number >= 0", eq + 1, t);
			p->mix[k] = d;
		}
		free(copy);
		break;
	}
	case OPT_NO_LABELS:
		p->labels = 0;
		break;
	case OPT_NO_MARKET:
		p->market = 0;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Simulate a labelled population of Ethereum wallets: transaction "
	"histories of the eight archetypes (retail_conservative, retail_active, "
	"professional_trader, institutional, defi_power_user, privacy_focused, "
	"mev_arbitrage, yield_farmer) and of malicious schemes "
	"(rapid_fund_movement, circular_flow, mixer_use, fresh_account_attack, "
	"phishing_drain), with their ground truth."
	"\v"
	"Output: label records first, {\"kind\":\"label\",\"ts\":START,"
	"\"entity\":\"0x...\",\"archetype\":...|null,\"malicious\":bool,"
	"\"pattern\":...|null,\"role\":...,\"victim_of\":...|null,"
	"\"source\":\"simulate\"}, one per simulated address, then tx records "
	"(value_wei exact) and hourly market records in time order. The same "
	"options and seed give the same bytes. The generative assumptions are "
	"in kfetch(1), OUTPUT, simulate wallet.\n\n"
	"Example:\n"
	"  kfetch simulate wallet --wallets 5000 --days 30 --seed 7 | "
	"kfeatures wallet --labels data/labels/addresses.csv > rows.ndjson";

static const struct argp argp = { options, parse_opt, NULL, doc, NULL,
                                  NULL, NULL };

int
kfetch_simulate_wallet(int argc, char **argv)
{
	struct k_simwallet_params p;
	struct k_simwallet_stats st;
	struct k_simwallet *s;
	struct k_error e;
	struct k_buf b;
	const char *why;

	k_simwallet_default(&p);
	k_args_parse("kfetch", &argp, 0, argc, argv, &p);
	if ((why = k_simwallet_check(&p)) != NULL)
		k_usage_error("%s", why);
	if (k_simwallet_run(&p, &s, &e) != K_OK)
		k_die_error(&e);
	k_buf_init(&b);
	for (size_t i = 0; i < k_simwallet_len(s) && !k_out_closed(); i++) {
		k_buf_reset(&b);
		k_simwallet_write(s, i, &b);
		if (b.oom)
			k_die(K_ENOMEM, "out of memory");
		k_out_write(b.data, b.len);
		k_out_line_end();
	}
	k_buf_release(&b);
	k_out_finish();
	k_simwallet_stats(s, &st);
	size_t sch = 0;
	for (int k = 1; k < K_PAT_N; k++)
		sch += st.schemes[k];
	k_info("simulate wallet: %zu tx, %zu market, %zu label records; %zu "
	       "labelled addresses, %zu malicious in %zu schemes, %zu victims%s",
	       st.tx, st.market, st.labels, st.addresses, st.malicious, sch,
	       st.victims, p.labels ? "" : " (labels not written)");
	for (int k = 0; k < K_ARCH_N; k++)
		k_debug("  %-20s %zu wallets", k_simwallet_arch_names[k],
		        st.by_arch[k]);
	for (int k = 1; k < K_PAT_N; k++)
		k_debug("  %-20s %zu schemes, %zu addresses",
		        k_simwallet_pattern_names[k], st.schemes[k],
		        st.by_pattern[k]);
	k_simwallet_free(s);
	return 0;
}
