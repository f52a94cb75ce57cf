/*
 * fuzz_net.c - every API response parser of common/net: the first byte
 * picks one (A asset contexts, C candles, F funding, P portfolio, L fills
 * of Hyperliquid; K klines, T ticker of Binance; E Etherscan elements; S
 * an Etherscan fetch and a block lookup; R a JSON-RPC scan and the newest
 * block; any other byte picks by its value), the second holds flags, the
 * rest is the answer (for S and R one answer a line, through
 * fake_http.c). A bad element must be reported with a message, a bad
 * answer refused with one, and every record made must be written as a
 * line the next program reads back (fuzz_records.h).
 */
#include <jansson.h>
#include <string.h>

#include "net/k_binance.h"
#include "net/k_etherscan.h"
#include "net/k_ethrpc.h"
#include "net/k_hyperliquid.h"
#include "records/k_raw.h"
#include "fake_http.h"
#include "fuzz.h"
#include "fuzz_records.h"

#define TS INT64_C(1735689600000)   /* 2025-01-01T00:00:00Z */

static const char *const coins[3] = { "BTC", "ETH", "NOPE" };
static const char *const symbols[3] = { "BTCUSDT", "ETHUSDT", "NOPEUSDT" };
/* The accounts of tests/fixtures/eth/etherscan. */
static const char *const accounts[3] = {
	"0x105083929bf9bb22c26cb1777ec92661170d4285",
	"0x382b4ca2c4a7cd28c1c400c69d81ec2b2637f7dd",
	"0xa4fadaa5e8577fee5799e2bd9615014013b45c5d",
};

struct input {
	unsigned flags;
	const char *body;
	size_t len;
	json_t *json;      /* body parsed as k_http would, or NULL */
};

/* A skipped element is named with a message. */
static void
on_reject(void *ctx, const struct k_error *e)
{
	(void)ctx;
	FUZZ_CHECK(e->text[0] != '\0', "an element rejected without a message");
}

/* A parser's status: an error comes with its message. */
static void
check_status(enum k_status st, const struct k_error *err)
{
	FUZZ_CHECK(st == K_OK || err->text[0] != '\0',
	           "status %d without a message", (int)st);
}

static void
raw_records(enum k_status st, const struct k_error *err, struct k_raw_vec *v)
{
	check_status(st, err);
	for (size_t i = 0; i < v->n; i++)
		fuzz_raw_scans(&v->v[i]);
	k_raw_vec_release(v);
}

static void
hyperliquid(int which, const struct input *in)
{
	struct k_raw_vec v;
	struct k_error err;
	enum k_status st;
	const json_t *j = in->json;
	size_t nc = in->flags & 1 ? 3 : 0;

	memset(&err, 0, sizeof err);
	k_raw_vec_init(&v);
	switch (which) {
	case 'A':
		st = k_hyperliquid_parse_asset_ctxs(j, TS, nc ? coins : NULL, nc,
		                                    "fuzz", &v, on_reject, NULL,
		                                    &err);
		break;
	case 'C':
		st = k_hyperliquid_parse_candles(j, coins[in->flags % 2], "1h",
		                                 "fuzz", &v, on_reject, NULL, &err);
		break;
	case 'F':
		st = k_hyperliquid_parse_funding(j, coins[in->flags % 2], "fuzz",
		                                 &v, on_reject, NULL, &err);
		break;
	default:
		st = k_hyperliquid_parse_portfolio(j, K_HL_HLP_VAULT, "fuzz", &v,
		                                   on_reject, NULL, &err);
		break;
	}
	raw_records(st, &err, &v);
}

static void
fills(const struct input *in)
{
	struct k_hyperliquid_fills f;
	struct k_error err;

	memset(&f, 0, sizeof f);
	memset(&err, 0, sizeof err);
	enum k_status st = k_hyperliquid_parse_fills(
		in->json, in->flags & 1 ? K_HL_LIQUIDATOR : K_HL_HLP_VAULT, "fuzz",
		&f, on_reject, NULL, &err);
	check_status(st, &err);
	for (size_t i = 0; i < f.n; i++)
		if (f.v[i].is_liq)
			fuzz_raw_scans(&f.v[i].liq);
	k_hyperliquid_fills_release(&f);
}

static void
binance(int which, const struct input *in)
{
	struct k_raw_vec v;
	struct k_error err;
	enum k_status st;

	memset(&err, 0, sizeof err);
	k_raw_vec_init(&v);
	if (which == 'K')
		st = k_binance_parse_klines(in->json, coins[in->flags % 2], "1h",
		                            "fuzz", &v, on_reject, NULL, &err);
	else
		st = k_binance_parse_ticker(in->json, TS, symbols, coins,
		                            in->flags & 1 ? 3 : 2, "fuzz", &v,
		                            on_reject, NULL, &err);
	raw_records(st, &err, &v);
}

/* Each element of an array (or the answer itself) as a record of the
 * action the flags name. */
static void
etherscan_elements(const struct input *in)
{
	enum k_es_action a = (enum k_es_action)((in->flags & 3) % K_ES_NACTIONS);
	size_t n = json_is_array(in->json) ? json_array_size(in->json) : 1;

	for (size_t i = 0; i < n; i++) {
		const json_t *el = json_is_array(in->json)
		                   ? json_array_get(in->json, i) : in->json;
		struct k_tx t;
		struct k_error err;
		memset(&err, 0, sizeof err);
		enum k_status st = k_etherscan_parse(a, el, &t, &err);
		check_status(st, &err);
		if (st == K_OK)
			fuzz_tx_reads_back(&t);
	}
}

static int
emit_tx(void *ctx, const struct k_tx *t)
{
	(void)ctx;
	fuzz_tx_reads_back(t);
	return 0;
}

static void
on_error(void *ctx, const struct k_error *e)
{
	on_reject(ctx, e);
}

/* A fetch of one action (flags bits 0-1) of one account (bits 4-5) in
 * pages of 1 to 4 records (bits 2-3), so that the answers page, with a
 * key (0x40) or not; then a block lookup, before (0x80) or after a time,
 * with what answers are left. */
static void
etherscan_fetch(const struct input *in)
{
	struct k_etherscan es;
	struct k_error err;
	long long block;

	memset(&es, 0, sizeof es);
	es.http = fake_http(in->body, in->len);
	es.base = "http://127.0.0.1:1/api";
	es.apikey = in->flags & 0x40 ? "KEY" : NULL;
	es.chainid = 1;
	es.offset = 1 + (in->flags >> 2) % 4;
	es.busy_retries = 2;
	es.reject = on_error;
	memset(&err, 0, sizeof err);
	enum k_status st = k_etherscan_fetch(
		&es, (enum k_es_action)((in->flags & 3) % K_ES_NACTIONS),
		accounts[((in->flags >> 4) & 3) % 3], 0, 99999999, emit_tx, NULL,
		&err);
	check_status(st, &err);
	memset(&err, 0, sizeof err);
	st = k_etherscan_block_at(&es, TS, in->flags & 0x80, &block, &err);
	check_status(st, &err);
}

/* The newest block (flags 0x80), then a scan of 1 to 4 blocks (bits 5-6)
 * from block 20000000 (tests/fixtures/eth/rpc/chain.json's first) in
 * batches of 1 to 4 (bits 3-4), with tokens (1), traces (2) and without
 * block receipts (4) as the flags say. */
static void
ethrpc(const struct input *in)
{
	struct k_ethrpc r;
	struct k_error err;
	long long latest;
	unsigned f = in->flags;

	k_ethrpc_init(&r, fake_http(in->body, in->len), "http://127.0.0.1:1");
	r.tokens = f & 1;
	r.traces = (f >> 1) & 1;
	r.block_receipts = !((f >> 2) & 1);
	r.batch = 1 + (f >> 3) % 4;
	r.busy_retries = 2;
	r.reject = on_error;
	memset(&err, 0, sizeof err);
	if (f & 0x80)
		check_status(k_ethrpc_latest(&r, &latest, &err), &err);
	memset(&err, 0, sizeof err);
	long long from = 20000000;
	check_status(k_ethrpc_scan(&r, from, from + (f >> 5) % 4, emit_tx, NULL,
	                           &err), &err);
	k_ethrpc_release(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char which[] = "ACFPLKTESR";
	struct input in;
	json_error_t je;

	if (size < 2)
		return 0;
	int w = strchr(which, data[0]) && data[0] ? data[0]
	        : which[data[0] % (sizeof which - 1)];
	in.flags = data[1];
	in.body = (const char *)data + 2;
	in.len = size - 2;
	in.json = w == 'S' || w == 'R' ? NULL
	          : json_loadb(in.body, in.len, JSON_REJECT_DUPLICATES |
	                       JSON_DECODE_ANY, &je);
	if (in.json == NULL && w != 'S' && w != 'R')
		return 0;   /* k_http answers only with JSON */
	switch (w) {
	case 'A': case 'C': case 'F': case 'P': hyperliquid(w, &in); break;
	case 'L': fills(&in); break;
	case 'K': case 'T': binance(w, &in); break;
	case 'E': etherscan_elements(&in); break;
	case 'S': etherscan_fetch(&in); break;
	default: ethrpc(&in); break;
	}
	json_decref(in.json);
	return 0;
}
