/*
 * kfetch simulate - labelled simulated populations as a kfetch source,
 * `kfetch simulate POPULATION [OPTION...]`: the ground truth that no
 * public data set has, for measuring detection. This file lists the
 * populations and parses each one's options; the engines are in
 * common/sim/k_sim<population>.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_subcmd.h"
#include "kfetch.h"
#include "sim/k_simhl.h"

/* ---- hyperliquid ---- */

enum { OPT_DAYS = 0x100, OPT_START, OPT_SEED, OPT_COINS, OPT_STEP,
       OPT_INCIDENTS, OPT_KINDS, OPT_WARMUP, OPT_HLP_VALUE, OPT_NO_LABELS };

static const struct argp_option hl_options[] = {
	{ NULL, 0, NULL, 0, "Market:", 1 },
	{ "days", OPT_DAYS, "N", 0, "Simulate N days (default 30; at most 400)",
	  1 },
	{ "start", OPT_START, "TIME", 0,
	  "First hour, RFC 3339 or a date (default 2025-01-01)", 1 },
	{ "seed", OPT_SEED, "N", 0, "Random seed (default 1)", 1 },
	{ "coins", OPT_COINS, "LIST", 0,
	  "Coins, comma-separated (default BTC,ETH,SOL; at most 16)", 1 },
	{ "step", OPT_STEP, "DUR", 0,
	  "Price records every DUR per coin and venue (default 1m)", 1 },
	{ "hlp-value", OPT_HLP_VALUE, "USD", 0,
	  "HLP account value at the start (default 120000000)", 1 },
	{ NULL, 0, NULL, 0, "Incidents:", 2 },
	{ "incidents", OPT_INCIDENTS, "N", 0,
	  "Inject N incidents (default one per 4 days after the warm-up)", 2 },
	{ "kinds", OPT_KINDS, "LIST", 0,
	  "Kinds to draw from: oracle_manipulation, liquidation_cascade, "
	  "hlp_drawdown, wash_trading (default all)", 2 },
	{ "warmup", OPT_WARMUP, "DAYS", 0,
	  "No incident in the first DAYS (default the smaller of 7 and a "
	  "quarter of --days)", 2 },
	{ "no-labels", OPT_NO_LABELS, NULL, 0,
	  "Do not write the label records", 2 },
	{ 0 }
};

static error_t
hl_parse(int key, char *arg, struct argp_state *state)
{
	struct k_simhl_params *p = state->input;

	switch (key) {
	case OPT_DAYS:
		p->days = k_optval_number(state, "--days", arg, 0, 400,
		                          K_OPTVAL_OPEN_LO);
		break;
	case OPT_START:
		p->start_ms = k_optval_time(state, "--start", arg);
		if (p->start_ms % K_MS_PER_HOUR != 0)
			argp_error(state, "--start: '%s' is not on a whole hour",
			           arg);
		break;
	case OPT_SEED:
		p->seed = k_optval_uint(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_COINS:
		p->coins = arg;
		break;
	case OPT_STEP:
		p->step_ms = k_optval_duration(state, "--step", arg, 1,
		                               INT64_MAX);
		break;
	case OPT_HLP_VALUE:
		p->hlp_value = k_optval_number(state, "--hlp-value", arg, 0,
		                               INFINITY, K_OPTVAL_OPEN_LO);
		break;
	case OPT_INCIDENTS:
		p->incidents = (long)k_optval_uint(state, "--incidents", arg, 0,
		                                   10000);
		break;
	case OPT_KINDS: {
		unsigned k = 0;
		const char *s = arg;
		while (*s) {
			size_t n = strcspn(s, ",");
			char name[40];
			int i = -1;
			if (n > 0 && n < sizeof name) {
				memcpy(name, s, n);
				name[n] = '\0';
				i = k_simhl_kind_index(name);
			}
			if (i < 0)
				argp_error(state, "--kinds: '%.*s' is not an incident "
				           "kind (oracle_manipulation, "
				           "liquidation_cascade, hlp_drawdown, "
				           "wash_trading)", (int)n, s);
			k |= 1u << i;
			s += n;
			if (*s == ',')
				s++;
		}
		if (k == 0)
			argp_error(state, "--kinds: empty list");
		p->kinds = k;
		break;
	}
	case OPT_WARMUP:
		p->warmup_days = k_optval_number(state, "--warmup", arg, 0,
		                                 INFINITY, K_OPTVAL_CLOSED);
		break;
	case OPT_NO_LABELS:
		p->labels = 0;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char hl_doc[] =
	"Simulate the Hyperliquid market the monitor watches: prices (oracle, "
	"mark, mid; Binance), hourly candles and funding, liquidations and "
	"the HLP vault, with injected incidents and their ground truth."
	"\v"
	"Output: label records first, one per incident, "
	"{\"kind\":\"label\",\"ts\":START,\"ts_end\":END,\"incident\":KIND,"
	"\"coin\":...,\"magnitude\":...}, then raw hlp, price, candle, "
	"funding and liquidation records in time order. The same options "
	"and seed give the same bytes. The generative assumptions are in "
	"kfetch(1).\n\n"
	"Example:\n"
	"  kfetch simulate hyperliquid --days 90 --seed 7 | kfeatures "
	"hyperliquid | ktrain anomaly";

static const struct argp hl_argp = { hl_options, hl_parse, NULL, hl_doc,
                                     NULL, NULL, NULL };

static int
emit(void *arg, const char *rec, size_t len)
{
	(void)arg;
	k_out_write(rec, len);
	k_out_line_end();
	return k_out_closed();
}

static int
simulate_hyperliquid(int argc, char **argv)
{
	struct k_simhl_params p;
	struct k_simhl_stats st;
	struct k_error e;
	const char *why;

	k_simhl_default(&p);
	k_args_parse("kfetch", &hl_argp, 0, argc, argv, &p);
	if ((why = k_simhl_check(&p)) != NULL)
		k_usage_error("%s", why);
	enum k_status s = k_simhl_run(&p, emit, NULL, &st, &e);
	k_out_finish();
	if (s != K_OK)
		k_die_error(&e);
	size_t n = 0;
	for (size_t i = 0; i < 5; i++)
		n += st.records[i];
	k_info("simulate hyperliquid: %zu records (%zu hlp, %zu price, %zu "
	       "candle, %zu funding, %zu liquidation), %zu incidents (%zu "
	       "oracle_manipulation, %zu liquidation_cascade, %zu hlp_drawdown, "
	       "%zu wash_trading)%s", n, st.records[0], st.records[1],
	       st.records[2], st.records[3], st.records[4],
	       st.incidents[0] + st.incidents[1] + st.incidents[2] +
	       st.incidents[3], st.incidents[0], st.incidents[1],
	       st.incidents[2], st.incidents[3],
	       p.labels ? "" : ", labels not written");
	return 0;
}

/* ---- the populations ---- */

static const struct k_subcmd populations[] = {
	{ "hyperliquid", simulate_hyperliquid,
	  "Hyperliquid market and HLP vault with injected incidents" },
	{ "wallet", kfetch_simulate_wallet, "Ethereum wallets of eight archetypes with malicious schemes" },
};

int
kfetch_simulate(int argc, char **argv)
{
	static const struct k_subcmd_prog p = {
		"kfetch simulate", "Write a labelled simulated POPULATION as "
		"raw records (NDJSON), with its ground truth.", "POPULATION",
		NULL, populations,
		sizeof populations / sizeof populations[0],
	};

	return k_subcmd_main(&p, argc, argv);
}
