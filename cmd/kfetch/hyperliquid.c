/*
 * kfetch hyperliquid - raw records from the Hyperliquid info API: price
 * (oracle, mark, mid, funding, open interest), candle, funding, hlp (vault
 * account value and PnL) and liquidation (fills of the HLP Liquidator and
 * named accounts that carry a liquidation object). A window of history,
 * then optionally --follow; --record and --replay make a run repeatable.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "kfetch.h"
#include "net/k_http.h"
#include "net/k_hyperliquid.h"

#define SOURCE "hyperliquid"
#define TESTNET_URL "https://api.hyperliquid-testnet.xyz"
#define DEFAULT_COINS "BTC,ETH,SOL"
#define DEFAULT_KINDS "price,candle,funding,hlp,liquidation"

struct opts {
	struct kfetch_window win;
	struct k_http_params http;
	const char *coins;          /* --coins */
	const char *kinds;          /* --kinds */
	const char *vaults;         /* --vaults, NULL: default */
	const char *users;          /* --users, NULL: default */
	const char *interval;       /* --candle-interval */
	int use_portfolio;          /* --vault-endpoint portfolio */
	int testnet;
	size_t fills_cap;
};

enum {
	OPT_COINS = 0x100, OPT_KINDS, OPT_VAULTS, OPT_VAULT_ENDPOINT, OPT_USERS,
	OPT_CANDLE_INTERVAL, OPT_FILLS_CAP, OPT_TESTNET
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "What to fetch:", 1 },
	{ "coins", OPT_COINS, "LIST", 0,
	  "Perpetuals, comma-separated, as Hyperliquid names them (default "
	  DEFAULT_COINS ")", 1 },
	{ "kinds", OPT_KINDS, "LIST", 0,
	  "Record kinds to write: price, candle, funding, hlp, liquidation "
	  "(default all)", 1 },
	{ "candle-interval", OPT_CANDLE_INTERVAL, "IV", 0,
	  "Candle interval: 1m 3m 5m 15m 30m 1h 2h 4h 8h 12h 1d 3d 1w 1M "
	  "(default 1h)", 1 },
	{ "vaults", OPT_VAULTS, "LIST", 0,
	  "Vaults (or accounts) for hlp records (default $HLP_VAULT_ADDRESS, "
	  "else HLP " K_HL_HLP_VAULT ")", 1 },
	{ "vault-endpoint", OPT_VAULT_ENDPOINT, "NAME", 0,
	  "vaultDetails (vaults only) or portfolio (any account) (default "
	  "vaultDetails)", 1 },
	{ "users", OPT_USERS, "LIST", 0,
	  "Accounts whose fills give liquidation records (default the HLP "
	  "Liquidator " K_HL_LIQUIDATOR " and $MONITORED_ADDRESSES)", 1 },
	{ "fills-cap", OPT_FILLS_CAP, "N", 0,
	  "Most fills the API returns at once; a full answer is split and "
	  "asked again (default 2000)", 1 },
	{ "testnet", OPT_TESTNET, NULL, 0,
	  "Use " TESTNET_URL " unless --base-url is given", 1 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->win;
		state->child_inputs[1] = &o->http;
		break;
	case OPT_COINS:
		o->coins = arg;
		break;
	case OPT_KINDS:
		o->kinds = arg;
		break;
	case OPT_CANDLE_INTERVAL:
		if (k_hyperliquid_interval_ms(arg) == 0)
			argp_error(state, "--candle-interval: '%s' is not one of 1m "
			           "3m 5m 15m 30m 1h 2h 4h 8h 12h 1d 3d 1w 1M", arg);
		o->interval = arg;
		break;
	case OPT_VAULTS:
		o->vaults = arg;
		break;
	case OPT_VAULT_ENDPOINT:
		if (strcmp(arg, "portfolio") == 0)
			o->use_portfolio = 1;
		else if (strcmp(arg, "vaultDetails") == 0)
			o->use_portfolio = 0;
		else
			argp_error(state, "--vault-endpoint: '%s' is not "
			           "vaultDetails or portfolio", arg);
		break;
	case OPT_USERS:
		o->users = arg;
		break;
	case OPT_FILLS_CAP:
		o->fills_cap = k_optval_uint(state, "--fills-cap", arg, 2, 1000000);
		break;
	case OPT_TESTNET:
		o->testnet = 1;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &kfetch_window_argp, 0, "Time window:", 2 },
	{ &k_http_argp, 0, "Network:", 3 },
	{ 0 }
};

static const char doc[] =
	"Fetch raw records from the Hyperliquid info API (POST /info)."
	"\v"
	"Output: NDJSON records in time order, fields as kfetch(1) lists them:\n"
	"  price        oracle, mark, mid, funding, open_interest, premium "
	"(metaAndAssetCtxs)\n"
	"  candle       open, high, low, close, volume, trades (candleSnapshot)\n"
	"  funding      rate, premium (fundingHistory)\n"
	"  hlp          vault, account_value, pnl (vaultDetails or portfolio)\n"
	"  liquidation  side, px, size, value_usd, user, method (userFillsByTime)"
	"\n"
	"The base URL is --base-url, else $" K_HYPERLIQUID_URL_ENV ", else " K_HYPERLIQUID_URL
	". Exit status: 0; 64 usage; 65 bad data (reported, the rest kept); "
	"66 a replayed request was not recorded; 69 service unavailable; 75 "
	"rate limited.\n\n"
	"Example:\n"
	"  kfetch hyperliquid --coins BTC,ETH --days 7 | kfeatures hyperliquid";

static const struct argp argp = { options, parse_opt, NULL, doc, children,
                                  NULL, NULL };

/* ---- the run ---- */

struct series {
	int64_t next;               /* where the next poll starts, ms */
};

struct hl {
	struct opts *o;
	struct k_hyperliquid api;
	struct kfetch_run run;
	struct k_optval_list coins, vaults, users;
	int want[K_RAW_NKINDS];
	struct series *candle, *funding, *vault, *fills;
	struct k_hyperliquid_seen *seen;
	int64_t start, end;         /* the first window */
	int past;                   /* --end given: no live prices */
};

static int
valid_coin(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= K_RAW_COIN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '@' && s[i] != ':' &&
		    s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* Parse and normalise an address list (or the default). */
static void
addresses(const char *list, const char *what, struct k_optval_list *l)
{
	if (k_optval_list_parse(list, l) < 0)
		k_usage_error("--%s: empty list or empty item", what);
	for (size_t i = 0; i < l->n; i++) {
		char a[K_RAW_ADDR_LEN + 1];
		if (k_raw_addr_norm(l->v[i], a) < 0)
			k_usage_error("--%s: '%s' is not an address (0x and 40 hex "
			              "digits)", what, l->v[i]);
		memcpy(l->v[i], a, sizeof a);
	}
}

static void
setup_lists(struct hl *s)
{
	struct opts *o = s->o;
	struct k_optval_list kinds;
	char *users = NULL;

	if (k_optval_list_parse(o->coins, &s->coins) < 0)
		k_usage_error("--coins: empty list or empty item");
	for (size_t i = 0; i < s->coins.n; i++)
		if (!valid_coin(s->coins.v[i]))
			k_usage_error("--coins: '%s' is not a coin name",
			              s->coins.v[i]);
	if (k_optval_list_parse(o->kinds, &kinds) < 0)
		k_usage_error("--kinds: empty list or empty item");
	for (size_t i = 0; i < kinds.n; i++) {
		int k = k_raw_kind_parse(kinds.v[i]);
		if (k < 0)
			k_usage_error("--kinds: '%s' is not one of price, candle, "
			              "funding, hlp, liquidation", kinds.v[i]);
		s->want[k] = 1;
	}
	k_optval_list_release(&kinds);
	const char *env = getenv("HLP_VAULT_ADDRESS");
	addresses(o->vaults ? o->vaults
	          : env && *env ? env : K_HL_HLP_VAULT, "vaults", &s->vaults);
	if (o->users == NULL) {
		const char *m = getenv("MONITORED_ADDRESSES");
		size_t n = strlen(K_HL_LIQUIDATOR) + (m ? strlen(m) : 0) + 2;
		users = malloc(n);
		if (users == NULL)
			k_die(K_ENOMEM, "out of memory");
		snprintf(users, n, "%s%s%s", K_HL_LIQUIDATOR, m && *m ? "," : "",
		         m && *m ? m : "");
	}
	addresses(o->users ? o->users : users, "users", &s->users);
	free(users);
}

static struct series *
series_new(size_t n, int64_t start)
{
	struct series *v = calloc(n ? n : 1, sizeof *v);

	if (v == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		v[i].next = start;
	return v;
}

/* One poll of every series, from its next point (or start) to end.
 * Returns K_OK, or a status that ends the run (already reported). */
static enum k_status
poll(struct hl *s, int first, int64_t now, int64_t end)
{
	struct k_raw_vec v;
	struct k_error err;
	enum k_status st = K_OK;

	k_raw_vec_init(&v);
#define STEP(call) do { \
		v.n = 0; \
		st = (call); \
		kfetch_add(&s->run, &v); \
		if (st == K_ENOINPUT && !first && \
		    k_http_replay_exhausted(s->api.http)) \
			goto out; /* the end of a recorded --follow */ \
		if (kfetch_check(&s->run, st, &err)) \
			goto out; \
		st = K_OK; \
	} while (0)

	if (s->want[K_RAW_PRICE] && !s->past)
		STEP(k_hyperliquid_fetch_prices(&s->api, (const char *const *)s->coins.v,
		                       s->coins.n, &v, &err));
	if (s->want[K_RAW_HLP])
		for (size_t i = 0; i < s->vaults.n; i++)
			STEP(k_hyperliquid_fetch_vault(&s->api, s->vaults.v[i],
			                      s->o->use_portfolio, s->vault[i].next,
			                      end, &v, &s->vault[i].next, &err));
	if (s->want[K_RAW_CANDLE])
		for (size_t i = 0; i < s->coins.n; i++)
			STEP(k_hyperliquid_fetch_candles(&s->api, s->coins.v[i],
			                        s->o->interval, s->candle[i].next, end,
			                        now, &v, &s->candle[i].next, &err));
	if (s->want[K_RAW_FUNDING])
		for (size_t i = 0; i < s->coins.n; i++)
			STEP(k_hyperliquid_fetch_funding(&s->api, s->coins.v[i],
			                        s->funding[i].next, end, &v,
			                        &s->funding[i].next, &err));
	if (s->want[K_RAW_LIQUIDATION])
		for (size_t i = 0; i < s->users.n; i++) {
			size_t nf = 0;
			STEP(k_hyperliquid_fetch_liquidations(&s->api, s->users.v[i],
			                             s->fills[i].next, end,
			                             &s->seen[i], &v,
			                             &s->fills[i].next, &nf, &err));
			k_debug("%s: userFillsByTime %s: %zu new fills", SOURCE,
			        s->users.v[i], nf);
			k_hyperliquid_seen_prune(&s->seen[i], s->fills[i].next);
		}
#undef STEP
out:
	k_raw_vec_release(&v);
	return st;
}

static void
opts_default(struct opts *o)
{
	memset(o, 0, sizeof *o);
	o->win.days = 1;
	o->win.interval = 60;
	o->win.start = o->win.end = KFETCH_UNSET;
	k_http_params_default(&o->http);
	o->coins = DEFAULT_COINS;
	o->kinds = DEFAULT_KINDS;
	o->interval = "1h";
	o->fills_cap = K_HYPERLIQUID_FILLS_CAP;
}

/* Every series starts at the window's start; fills seen, one set per
 * user. */
static void
setup_series(struct hl *s)
{
	s->candle = series_new(s->coins.n, s->start);
	s->funding = series_new(s->coins.n, s->start);
	s->vault = series_new(s->vaults.n, s->start);
	s->fills = series_new(s->users.n, s->start);
	s->seen = calloc(s->users.n ? s->users.n : 1, sizeof *s->seen);
	if (s->seen == NULL)
		k_die(K_ENOMEM, "out of memory");
}

/* One --follow poll, from now to now. */
static enum k_status
poll_now(void *ctx, int64_t now)
{
	return poll(ctx, 0, now, now);
}

static void
release(struct hl *s)
{
	for (size_t i = 0; s->seen != NULL && i < s->users.n; i++)
		k_hyperliquid_seen_release(&s->seen[i]);
	free(s->seen);
	free(s->candle);
	free(s->funding);
	free(s->vault);
	free(s->fills);
	k_optval_list_release(&s->coins);
	k_optval_list_release(&s->vaults);
	k_optval_list_release(&s->users);
	kfetch_run_release(&s->run);
}

int
kfetch_hyperliquid(int argc, char **argv)
{
	struct opts o;
	struct hl s;
	struct k_error err;
	struct k_rng rng;
	struct k_http *h;
	enum k_status st = K_OK;
	char *base;
	int code;

	opts_default(&o);
	k_args_libs_hook = k_http_version;
	k_args_parse("kfetch", &argp, 0, argc, argv, &o);

	memset(&s, 0, sizeof s);
	s.o = &o;
	setup_lists(&s);
	base = kfetch_base_url(o.http.base_url, o.testnet ? NULL : K_HYPERLIQUID_URL_ENV,
	                       o.testnet ? TESTNET_URL : K_HYPERLIQUID_URL);
	kfetch_run_init(&s.run, SOURCE);
	h = kfetch_http_open(&o.http, &s.run, base, K_HYPERLIQUID_WEIGHT_BUDGET,
	                     &rng);
	s.api = (struct k_hyperliquid){
		.http = h, .base = base, .fills_cap = o.fills_cap,
		.reject = kfetch_on_reject, .reject_ctx = &s.run,
		.note = kfetch_on_note, .note_ctx = &s.run,
		.progress = kfetch_on_progress, .progress_ctx = &s.run,
	};
	if (o.win.follow)
		k_out_set_linebuf(1);

	int64_t now = k_http_now(h);
	if ((st = kfetch_window_resolve(&o.win, now, &s.start, &s.end,
	                                &err)) != K_OK) {
		k_err("%s: %s", SOURCE, err.text);
		goto done;
	}
	s.past = o.win.end != KFETCH_UNSET;
	if (s.past && s.want[K_RAW_PRICE])
		k_debug("%s: metaAndAssetCtxs has no history: no price records "
		        "for a window given --end", SOURCE);
	setup_series(&s);
	st = poll(&s, 1, now, s.end);
	kfetch_flush(&s.run);
	st = kfetch_follow(&s.run, &o.win, h, st, poll_now, &s);
done:
	code = kfetch_finish(&s.run, h, st);
	release(&s);
	k_http_free(h);
	free(base);
	return code;
}
