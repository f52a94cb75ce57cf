/*
 * kfetch binance - raw records from Binance's public spot market data:
 * candle (klines) and price (ticker/price), the reference venue for
 * Hyperliquid's prices. A window of history, then optionally --follow;
 * --record and --replay make a run repeatable.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"
#include "kfetch.h"
#include "net/k_binance.h"
#include "net/k_http.h"

#define SOURCE "binance"
#define DEFAULT_COINS "BTC,ETH"
#define DEFAULT_KINDS "price,candle"

struct opts {
	struct kfetch_window win;
	struct k_http_params http;
	const char *coins;      /* --coins */
	const char *quote;      /* --quote */
	const char *kinds;      /* --kinds */
	const char *interval;   /* --candle-interval */
};

enum { OPT_COINS = 0x100, OPT_QUOTE, OPT_KINDS, OPT_CANDLE_INTERVAL };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "What to fetch:", 1 },
	{ "coins", OPT_COINS, "LIST", 0,
	  "Base assets, comma-separated (default " DEFAULT_COINS ")", 1 },
	{ "quote", OPT_QUOTE, "ASSET", 0,
	  "Quote asset; the symbol is coin + quote (default USDT)", 1 },
	{ "kinds", OPT_KINDS, "LIST", 0,
	  "Record kinds to write: price, candle (default both)", 1 },
	{ "candle-interval", OPT_CANDLE_INTERVAL, "IV", 0,
	  "Kline interval: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M "
	  "(default 1h)", 1 },
	{ 0 }
};

static int
valid_asset(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 20)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

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
	case OPT_QUOTE:
		if (!valid_asset(arg))
			argp_error(state, "--quote: '%s' is not an asset name", arg);
		o->quote = arg;
		break;
	case OPT_KINDS:
		o->kinds = arg;
		break;
	case OPT_CANDLE_INTERVAL:
		if (k_binance_interval_ms(arg) == 0)
			argp_error(state, "--candle-interval: '%s' is not one of 1s "
			           "1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M",
			           arg);
		o->interval = arg;
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
	"Fetch raw records from Binance's public spot market data "
	"(GET /api/v3/klines, /api/v3/ticker/price)."
	"\v"
	"Output: NDJSON records in time order, fields as kfetch(1) lists them:\n"
	"  price   price (ticker/price)\n"
	"  candle  open, high, low, close, volume, quote_volume, trades (klines)\n"
	"The base URL is --base-url, else $" K_BINANCE_URL_ENV ", else "
	K_BINANCE_URL ". Exit status: 0; 64 usage; 65 bad data (reported, the "
	"rest kept); 66 a replayed request was not recorded; 69 service "
	"unavailable; 75 rate limited.\n\n"
	"Example:\n"
	"  kfetch binance --coins BTC,ETH --kinds candle --days 30 > ref.ndjson";

static const struct argp argp = { options, parse_opt, NULL, doc, children,
                                  NULL, NULL };

struct bn {
	struct opts *o;
	struct k_binance api;
	struct kfetch_run run;
	struct k_optval_list coins;
	char **symbols;
	int want_price, want_candle, past;
	int64_t *next;
};

static enum k_status
poll(struct bn *s, int first, int64_t now, int64_t end)
{
	struct k_raw_vec v;
	struct k_error err;
	enum k_status st = K_OK;

	k_raw_vec_init(&v);
	for (int step = 0; step <= (int)s->coins.n; step++) {
		v.n = 0;
		if (step == 0) {
			if (!s->want_price || s->past)
				continue;
			st = k_binance_fetch_prices(&s->api,
			                            (const char *const *)s->symbols,
			                            (const char *const *)s->coins.v,
			                            s->coins.n, &v, &err);
		} else {
			size_t i = (size_t)step - 1;
			if (!s->want_candle)
				break;
			st = k_binance_fetch_klines(&s->api, s->coins.v[i],
			                            s->symbols[i], s->o->interval,
			                            s->next[i], end, now, &v,
			                            &s->next[i], &err);
		}
		kfetch_add(&s->run, &v);
		if (st == K_ENOINPUT && !first &&
		    k_http_replay_exhausted(s->api.http))
			break; /* the end of a recorded --follow */
		if (kfetch_check(&s->run, st, &err))
			break;
		st = K_OK;
	}
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
	o->quote = "USDT";
	o->kinds = DEFAULT_KINDS;
	o->interval = "1h";
}

/* --coins, upper-cased, and each one's symbol (coin + --quote). */
static void
setup_symbols(struct bn *s)
{
	const struct opts *o = s->o;

	if (k_optval_list_parse(o->coins, &s->coins) < 0)
		k_usage_error("--coins: empty list or empty item");
	s->symbols = calloc(s->coins.n, sizeof *s->symbols);
	s->next = calloc(s->coins.n, sizeof *s->next);
	if (s->symbols == NULL || s->next == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->coins.n; i++) {
		char *c = s->coins.v[i];
		if (!valid_asset(c))
			k_usage_error("--coins: '%s' is not an asset name", c);
		for (char *p = c; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		size_t n = strlen(c) + strlen(o->quote) + 1;
		s->symbols[i] = malloc(n);
		if (s->symbols[i] == NULL)
			k_die(K_ENOMEM, "out of memory");
		snprintf(s->symbols[i], n, "%s%s", c, o->quote);
		for (char *p = s->symbols[i]; *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
}

/* --kinds: which of price and candle to write. */
static void
parse_kinds(struct bn *s)
{
	struct k_optval_list kinds;

	if (k_optval_list_parse(s->o->kinds, &kinds) < 0)
		k_usage_error("--kinds: empty list or empty item");
	for (size_t i = 0; i < kinds.n; i++) {
		if (strcmp(kinds.v[i], "price") == 0)
			s->want_price = 1;
		else if (strcmp(kinds.v[i], "candle") == 0)
			s->want_candle = 1;
		else
			k_usage_error("--kinds: '%s' is not price or candle",
			              kinds.v[i]);
	}
	k_optval_list_release(&kinds);
}

/* One --follow poll, from now to now. */
static enum k_status
poll_now(void *ctx, int64_t now)
{
	return poll(ctx, 0, now, now);
}

static void
release(struct bn *s)
{
	for (size_t i = 0; i < s->coins.n; i++)
		free(s->symbols[i]);
	free(s->symbols);
	free(s->next);
	k_optval_list_release(&s->coins);
	kfetch_run_release(&s->run);
}

int
kfetch_binance(int argc, char **argv)
{
	struct opts o;
	struct bn s;
	struct k_error err;
	struct k_rng rng;
	struct k_http *h;
	enum k_status st = K_OK;
	int64_t start, end;
	char *base;
	int code;

	opts_default(&o);
	k_args_libs_hook = k_http_version;
	k_args_parse("kfetch", &argp, 0, argc, argv, &o);
	memset(&s, 0, sizeof s);
	s.o = &o;
	setup_symbols(&s);
	parse_kinds(&s);

	base = kfetch_base_url(o.http.base_url, K_BINANCE_URL_ENV,
	                       K_BINANCE_URL);
	kfetch_run_init(&s.run, SOURCE);
	h = kfetch_http_open(&o.http, &s.run, base, K_BINANCE_WEIGHT_BUDGET, &rng);
	s.api = (struct k_binance){
		.http = h, .base = base,
		.reject = kfetch_on_reject, .reject_ctx = &s.run,
		.note = kfetch_on_note, .note_ctx = &s.run,
		.progress = kfetch_on_progress, .progress_ctx = &s.run,
	};
	if (o.win.follow)
		k_out_set_linebuf(1);

	int64_t now = k_http_now(h);
	if ((st = kfetch_window_resolve(&o.win, now, &start, &end,
	                                &err)) != K_OK) {
		k_err("%s: %s", SOURCE, err.text);
		goto done;
	}
	s.past = o.win.end != KFETCH_UNSET;
	for (size_t i = 0; i < s.coins.n; i++)
		s.next[i] = start;
	st = poll(&s, 1, now, end);
	kfetch_flush(&s.run);
	st = kfetch_follow(&s.run, &o.win, h, st, poll_now, &s);
done:
	code = kfetch_finish(&s.run, h, st);
	release(&s);
	k_http_free(h);
	free(base);
	return code;
}
