/*
 * test_fetchparse.c - the parsers behind kfetch, without the network:
 * k_raw's strict number and time readers and record writer, k_hyperliquid's
 * parsers of each Hyperliquid response shape (with the real nautilus
 * liquidation fill), k_binance's klines and ticker parsers, and the page
 * walk of k_pager that both clients' fetchers share, and k_http's query
 * encoder. Every
 * error path is provoked and its message checked. Run from the repository
 * root (make unit does).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/k_binance.h"
#include "net/k_http.h"
#include "net/k_hyperliquid.h"
#include "net/k_pager.h"
#include "records/k_raw.h"
#include "ktest.h"

#define NAUTILUS_FILL "tests/fixtures/hyperliquid/fill_liquidation_nautilus.json"

/* Rejections collected by the parsers' callback. */
static int nrej;
static char lastrej[512];

static void
on_rej(void *ctx, const struct k_error *e)
{
	(void)ctx;
	nrej++;
	snprintf(lastrej, sizeof lastrej, "%s", e->text);
}

static json_t *
J(const char *s)
{
	json_error_t je;
	json_t *v = json_loads(s, JSON_DECODE_ANY, &je);
	if (v == NULL) {
		fprintf(stderr, "bad test JSON: %s: %s\n", je.text, s);
		exit(2);
	}
	return v;
}

static const char *
written(const struct k_raw *r)
{
	static struct k_buf b;
	k_buf_reset(&b);
	k_raw_write(&b, r);
	return k_buf_cstr(&b);
}

static void
test_decimal(void)
{
	static const struct { const char *s; double v; } good[] = {
		{ "0.001604", 0.001604 }, { "-1.5186e-06", -1.5186e-06 },
		{ "1E3", 1000 }, { "0", 0 }, { "77605.0", 77605 },
		{ "160794563.9261809886", 160794563.9261809886 },
		{ ".5", 0.5 }, { "2.385e+2", 238.5 },
	};
	static const char *const bad[] = {
		"", "-", ".", " 1", "1 ", "0x10", "nan", "inf", "1e", "1e+",
		"--1", "+1", "1,5", "1e999", "-1e400", "12a", "1.2.3",
	};
	double v;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		KT_EQ_INT(k_raw_parse_decimal(good[i].s, strlen(good[i].s), &v), 0);
		KT_NEAR(v, good[i].v, 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		KT_EQ_INT(k_raw_parse_decimal(bad[i], strlen(bad[i]), &v), -1);
	/* Only the n bytes given are read. */
	KT_EQ_INT(k_raw_parse_decimal("2.5xyz", 3, &v), 0);
	KT_NEAR(v, 2.5, 0);
}

static void
test_getters(void)
{
	json_t *o = J("{\"a\":\"2.385\",\"z\":\"0\",\"n\":null,\"b\":true,"
	              "\"i\":12,\"neg\":\"-3\",\"t\":1741392000000,"
	              "\"ts\":\"1741392000000\",\"old\":123,\"tx\":\"12a\","
	              "\"s\":\"BTC\",\"e\":\"\"}");
	struct k_error e;
	double d;
	int64_t ms;
	long long c;
	char buf[8];

	KT_EQ_INT(k_raw_get_dec(o, "a", K_RAW_POSITIVE, &d, &e), K_OK);
	KT_NEAR(d, 2.385, 0);
	KT_EQ_INT(k_raw_get_dec(o, "i", 0, &d, &e), K_OK); /* a JSON number */
	KT_NEAR(d, 12, 0);
	KT_EQ_INT(k_raw_get_dec(o, "z", K_RAW_POSITIVE, &d, &e), K_EDATA);
	KT_EQ_STR(e.text, "field 'z': string \"0\" out of range (must be > 0)");
	KT_EQ_INT(k_raw_get_dec(o, "z", K_RAW_NONNEG, &d, &e), K_OK);
	KT_EQ_INT(k_raw_get_dec(o, "neg", K_RAW_NONNEG, &d, &e), K_EDATA);
	KT_EQ_STR(e.field, "neg");
	KT_EQ_INT(k_raw_get_dec(o, "n", K_RAW_OPTIONAL, &d, &e), K_OK);
	KT_CHECK(isnan(d));
	KT_EQ_INT(k_raw_get_dec(o, "absent", K_RAW_OPTIONAL, &d, &e), K_OK);
	KT_CHECK(isnan(d));
	KT_EQ_INT(k_raw_get_dec(o, "n", 0, &d, &e), K_EDATA);
	KT_EQ_STR(e.text, "field 'n': expected a decimal string, got null");
	KT_EQ_INT(k_raw_get_dec(o, "b", 0, &d, &e), K_EDATA);
	KT_EQ_STR(e.text, "field 'b': expected a decimal string, got true");
	KT_EQ_INT(k_raw_get_dec(o, "absent", 0, &d, &e), K_EDATA);
	KT_EQ_STR(e.text, "field 'absent': missing");
	KT_EQ_INT(k_raw_get_dec(o, "s", 0, &d, &e), K_EDATA);
	KT_EQ_STR(e.text, "field 's': expected a decimal string, got string \"BTC\"");

	KT_EQ_INT(k_raw_get_ms(o, "t", &ms, &e), K_OK);
	KT_EQ_INT(ms, 1741392000000LL);
	KT_EQ_INT(k_raw_get_ms(o, "ts", &ms, &e), K_OK);
	KT_EQ_INT(ms, 1741392000000LL);
	KT_EQ_INT(k_raw_get_ms(o, "old", &ms, &e), K_EDATA);
	KT_EQ_STR(e.text, "field 'old': number 123 is not a time between 2000 "
	          "and 2100 in ms");
	KT_EQ_INT(k_raw_get_ms(o, "tx", &ms, &e), K_EDATA);
	KT_EQ_INT(k_raw_get_ms(o, "a", &ms, &e), K_EDATA);
	KT_EQ_INT(k_raw_get_ms(json_object_get(o, "t"), NULL, &ms, &e), K_OK);
	KT_EQ_INT(k_raw_get_count(o, "i", &c, &e), K_OK);
	KT_EQ_INT(c, 12);
	KT_EQ_INT(k_raw_get_count(o, "neg", &c, &e), K_EDATA);
	KT_EQ_INT(k_raw_get_str(o, "s", buf, sizeof buf, &e), K_OK);
	KT_EQ_STR(buf, "BTC");
	KT_EQ_INT(k_raw_get_str(o, "e", buf, sizeof buf, &e), K_EDATA);
	KT_EQ_INT(k_raw_get_str(o, "a", buf, 4, &e), K_EDATA);
	KT_EQ_STR(e.text, "field 'a': longer than 3 bytes");
	json_decref(o);

	char a[K_RAW_ADDR_LEN + 1];
	KT_EQ_INT(k_raw_addr_norm("0x2E3D94F0562703B25C83308A05046DDAF9A8DD14",
	                          a), 0);
	KT_EQ_STR(a, "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14");
	KT_EQ_INT(k_raw_addr_norm("0x2e3d", a), -1);
	KT_EQ_INT(k_raw_addr_norm("1x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
	                          a), -1);
	KT_EQ_INT(k_raw_addr_norm("0x2e3d94f0562703b25c83308a05046ddaf9a8ddzz",
	                          a), -1);
	KT_EQ_INT(k_raw_kind_parse("liquidation"), K_RAW_LIQUIDATION);
	KT_EQ_INT(k_raw_kind_parse("tx"), -1);
}

static void
test_write(void)
{
	struct k_raw r;

	k_raw_init(&r, K_RAW_PRICE, "binance");
	r.ts = 1741392000000LL;
	snprintf(r.coin, sizeof r.coin, "BTC");
	r.u.price.price = 84010.03;
	r.u.price.has = K_RAW_P_PRICE;
	KT_EQ_STR(written(&r), "{\"kind\":\"price\",\"ts\":\"2025-03-08T00:00:00Z\","
	          "\"venue\":\"binance\",\"coin\":\"BTC\",\"price\":84010.03}");
	k_raw_init(&r, K_RAW_FUNDING, "hyperliquid");
	r.ts = 1741392000123LL;
	snprintf(r.coin, sizeof r.coin, "ETH");
	r.u.funding.rate = 1.25e-05;
	KT_EQ_STR(written(&r), "{\"kind\":\"funding\",\"ts\":\"2025-03-08T00:00:00."
	          "123Z\",\"venue\":\"hyperliquid\",\"coin\":\"ETH\",\"rate\":"
	          "1.25e-05,\"premium\":null}");
	k_raw_init(&r, K_RAW_CANDLE, "hyperliquid");
	r.ts = 0;
	snprintf(r.coin, sizeof r.coin, "a\"b");
	snprintf(r.u.candle.interval, sizeof r.u.candle.interval, "1h");
	r.u.candle.open = r.u.candle.high = r.u.candle.low = 1;
	r.u.candle.close = 2;
	r.u.candle.volume = 0;
	KT_EQ_STR(written(&r), "{\"kind\":\"candle\",\"ts\":\"1970-01-01T00:00:00Z\","
	          "\"venue\":\"hyperliquid\",\"coin\":\"a\\\"b\",\"interval\":\"1h\","
	          "\"open\":1,\"high\":1,\"low\":1,\"close\":2,\"volume\":0}");
	r.u.candle.trades = 7;
	r.u.candle.quote_volume = 1.5;
	KT_CHECK(strstr(written(&r), "\"quote_volume\":1.5,\"trades\":7}") != NULL);

	/* Time order, ties in the order added. */
	struct k_raw_out o;
	k_raw_out_init(&o);
	int64_t ts[] = { 30, 10, 20, 10 };
	for (int i = 0; i < 4; i++) {
		k_raw_init(&r, K_RAW_HLP, NULL);
		r.ts = ts[i] + 1741392000000LL;
		snprintf(r.u.hlp.vault, sizeof r.u.hlp.vault, "v%d", i);
		KT_EQ_INT(k_raw_out_add(&o, &r), K_OK);
	}
	k_raw_out_sort(&o);
	KT_EQ_INT(o.n, 4);
	KT_CHECK(strstr(o.text.data + o.items[0].off, "\"v1\"") != NULL);
	KT_CHECK(strstr(o.text.data + o.items[1].off, "\"v3\"") != NULL);
	KT_CHECK(strstr(o.text.data + o.items[2].off, "\"v2\"") != NULL);
	KT_EQ_INT(o.count[K_RAW_HLP], 4);
	k_raw_out_clear(&o);
	KT_EQ_INT(o.n, 0);
	KT_EQ_INT(o.count[K_RAW_HLP], 4);
	k_raw_out_release(&o);
}

static void
test_weights(void)
{
	KT_NEAR(k_hyperliquid_weight("l2Book"), 2, 0);
	KT_NEAR(k_hyperliquid_weight("allMids"), 2, 0);
	KT_NEAR(k_hyperliquid_weight("userRole"), 60, 0);
	KT_NEAR(k_hyperliquid_weight("candleSnapshot"), 20, 0);
	KT_NEAR(k_hyperliquid_weight("metaAndAssetCtxs"), 20, 0);
	KT_NEAR(k_hyperliquid_extra_weight("userFillsByTime", 2000), 100, 0);
	KT_NEAR(k_hyperliquid_extra_weight("fundingHistory", 499), 24, 0);
	KT_NEAR(k_hyperliquid_extra_weight("candleSnapshot", 5000), 83, 0);
	KT_NEAR(k_hyperliquid_extra_weight("metaAndAssetCtxs", 230), 0, 0);
	KT_EQ_INT(k_hyperliquid_interval_ms("1h"), 3600000);
	KT_EQ_INT(k_hyperliquid_interval_ms("1M"), 28LL * 86400000);
	KT_EQ_INT(k_hyperliquid_interval_ms("6h"), 0);
	KT_EQ_INT(k_binance_interval_ms("6h"), 21600000);
	KT_EQ_INT(k_binance_interval_ms("2d"), 0);
}

static void
test_asset_ctxs(void)
{
	const char *coins[] = { "ETH", "NOPE", "BAD" };
	struct k_raw_vec v;
	struct k_error e;
	json_t *r;

	k_raw_vec_init(&v);
	r = J("[{\"universe\":[{\"name\":\"BTC\"},{\"name\":\"ETH\"},"
	      "{\"name\":\"BAD\"},{\"name\":\"OLD\",\"isDelisted\":true}]},"
	      "[{\"oraclePx\":\"2\",\"markPx\":\"2\",\"funding\":\"0\","
	      "\"openInterest\":\"1\"},"
	      "{\"oraclePx\":\"2124.6\",\"markPx\":\"2123.7\",\"midPx\":null,"
	      "\"funding\":\"0.0000125\",\"openInterest\":\"605822.2558\","
	      "\"premium\":null,\"prevDayPx\":\"2094.6\",\"dayNtlVlm\":\"5.5\"},"
	      "{\"oraclePx\":\"-1\",\"markPx\":\"2\",\"funding\":\"0\","
	      "\"openInterest\":\"1\"},"
	      "{\"oraclePx\":\"2\",\"markPx\":\"2\",\"funding\":\"0\","
	      "\"openInterest\":\"1\"}]]");
	nrej = 0;
	KT_EQ_INT(k_hyperliquid_parse_asset_ctxs(r, 1741392000000LL, coins, 3, "ctx", &v,
	                                on_rej, NULL, &e), K_OK);
	KT_EQ_INT(v.n, 1);
	KT_EQ_STR(v.v[0].coin, "ETH");
	KT_NEAR(v.v[0].u.price.oracle, 2124.6, 0);
	KT_NEAR(v.v[0].u.price.mark, 2123.7, 0);
	KT_CHECK(isnan(v.v[0].u.price.mid));
	KT_CHECK(isnan(v.v[0].u.price.premium));
	KT_NEAR(v.v[0].u.price.open_interest, 605822.2558, 0);
	KT_EQ_INT(nrej, 2);
	KT_EQ_STR(lastrej, "ctx: coin 'BAD': field 'oraclePx': string \"-1\" out "
	          "of range (must be > 0)");
	/* All listed coins: the delisted and the bad one are left out. */
	v.n = 0;
	nrej = 0;
	KT_EQ_INT(k_hyperliquid_parse_asset_ctxs(r, 0, NULL, 0, "ctx", &v, on_rej, NULL,
	                                &e), K_OK);
	KT_EQ_INT(v.n, 2);
	KT_EQ_INT(nrej, 1);
	json_decref(r);

	r = J("[{\"universe\":[{\"name\":\"BTC\"}]},[]]");
	KT_EQ_INT(k_hyperliquid_parse_asset_ctxs(r, 0, NULL, 0, "ctx", &v, on_rej, NULL,
	                                &e), K_EDATA);
	KT_EQ_STR(e.text, "ctx: universe lists 1 coins but there are 0 "
	          "contexts; they must be index-aligned");
	json_decref(r);
	r = J("[{\"universe\":{}},[]]");
	KT_EQ_INT(k_hyperliquid_parse_asset_ctxs(r, 0, NULL, 0, "ctx", &v, on_rej, NULL,
	                                &e), K_EDATA);
	KT_EQ_STR(e.text, "ctx: [0].universe: expected an array, got object");
	KT_EQ_STR(e.field, "[0].universe");
	json_decref(r);
	r = J("{}");
	KT_EQ_INT(k_hyperliquid_parse_asset_ctxs(r, 0, NULL, 0, "ctx", &v, on_rej, NULL,
	                                &e), K_EDATA);
	json_decref(r);
	k_raw_vec_release(&v);
}

static void
test_candles_funding(void)
{
	struct k_raw_vec v;
	struct k_error e;
	json_t *r;

	k_raw_vec_init(&v);
	r = J("[{\"t\":1741392000000,\"s\":\"BTC\",\"o\":\"1\",\"h\":\"2\","
	      "\"l\":\"0.5\",\"c\":\"1.5\",\"v\":\"10\"},"
	      "{\"t\":1741395600000,\"s\":\"ETH\",\"o\":\"1\",\"h\":\"2\","
	      "\"l\":\"0.5\",\"c\":\"1.5\",\"v\":\"10\"},"
	      "{\"t\":1741399200000,\"o\":\"1\",\"h\":\"2\",\"l\":\"0.5\","
	      "\"c\":\"1.5\",\"v\":\"-10\"},"
	      "{\"t\":1741402800000,\"o\":\"1\",\"h\":\"2\",\"l\":\"0.5\","
	      "\"c\":\"1.5\",\"v\":\"10\",\"n\":\"x\"}, 7]");
	nrej = 0;
	KT_EQ_INT(k_hyperliquid_parse_candles(r, "BTC", "1h", "cs", &v, on_rej, NULL,
	                             &e), K_OK);
	KT_EQ_INT(v.n, 1);
	KT_EQ_INT(v.v[0].u.candle.close_ms, 1741395599999LL);
	KT_EQ_INT(v.v[0].u.candle.trades, -1);
	KT_EQ_INT(nrej, 4);
	KT_EQ_STR(lastrej, "cs: element 4: expected an object, got number 7");
	json_decref(r);

	v.n = 0;
	r = J("[{\"coin\":\"BTC\",\"fundingRate\":\"-0.0000081\","
	      "\"premium\":\"-0.000125\",\"time\":1769912400000},"
	      "{\"coin\":\"BTC\",\"fundingRate\":\"0.0000033\","
	      "\"time\":1769916000000},"
	      "{\"coin\":\"BTC\",\"fundingRate\":\"1.5\",\"time\":1769916000000},"
	      "{\"coin\":\"SOL\",\"fundingRate\":\"0\",\"time\":1769916000000}]");
	nrej = 0;
	KT_EQ_INT(k_hyperliquid_parse_funding(r, "BTC", "fh", &v, on_rej, NULL, &e),
	          K_OK);
	KT_EQ_INT(v.n, 2);
	KT_NEAR(v.v[0].u.funding.premium, -0.000125, 0);
	KT_CHECK(isnan(v.v[1].u.funding.premium));
	KT_EQ_INT(nrej, 2);
	KT_EQ_STR(lastrej, "fh: element 3: field 'coin': expected the coin asked "
	          "for, got string \"SOL\"");
	json_decref(r);
	r = J("{\"error\":1}");
	KT_EQ_INT(k_hyperliquid_parse_funding(r, "BTC", "fh", &v, on_rej, NULL, &e),
	          K_EDATA);
	KT_EQ_STR(e.text, "fh: expected an array of funding rows, got object");
	json_decref(r);
	k_raw_vec_release(&v);
}

static void
test_portfolio(void)
{
	struct k_raw_vec v;
	struct k_error e;
	json_t *r;
	const char *pf =
		"[[\"day\",{\"accountValueHistory\":[[1000000000000,\"10\"],"
		"[1000000600000,\"11\"]],\"pnlHistory\":[[1000000000000,\"0.0\"],"
		"[1000000600000,\"1\"]]}],"
		"[\"perpDay\",{\"accountValueHistory\":[[1000000000001,\"99\"]],"
		"\"pnlHistory\":[]}],"
		"[\"allTime\",{\"accountValueHistory\":[[950000000000,\"5\"],"
		"[999999000000,\"9\"],[1000000300000,\"10.5\"],"
		"[1000000600000,\"11\"]],\"pnlHistory\":[[950000000000,\"0\"],"
		"[999999000000,\"100\"],[1000000600000,\"101\"]]}]]";

	k_raw_vec_init(&v);
	r = J(pf);
	KT_EQ_INT(k_hyperliquid_parse_portfolio(r, "0xv", "pf", &v, on_rej, NULL, &e),
	          K_OK);
	/* allTime before the day window starts, then the day window. */
	KT_EQ_INT(v.n, 4);
	KT_EQ_INT(v.v[0].ts, 950000000000LL);
	KT_EQ_INT(v.v[1].ts, 999999000000LL);
	KT_NEAR(v.v[1].u.hlp.pnl, 100, 0);
	KT_EQ_INT(v.v[2].ts, 1000000000000LL);
	KT_NEAR(v.v[2].u.hlp.account_value, 10, 0);
	KT_NEAR(v.v[2].u.hlp.pnl, 100, 1e-9);   /* 0 + (101 - 1) */
	KT_NEAR(v.v[3].u.hlp.pnl, 101, 1e-9);
	KT_EQ_STR(v.v[3].u.hlp.vault, "0xv");
	json_decref(r);

	/* The same inside a vaultDetails object. */
	struct k_raw_vec w;
	k_raw_vec_init(&w);
	char *vd = malloc(strlen(pf) + 64);
	snprintf(vd, strlen(pf) + 64, "{\"name\":\"x\",\"portfolio\":%s}", pf);
	r = J(vd);
	free(vd);
	KT_EQ_INT(k_hyperliquid_parse_portfolio(r, "0xv", "pf", &w, on_rej, NULL, &e),
	          K_OK);
	KT_EQ_INT(w.n, v.n);
	KT_NEAR(w.v[2].u.hlp.pnl, v.v[2].u.hlp.pnl, 0);
	json_decref(r);
	k_raw_vec_release(&w);

	/* No allTime: the coarsest window alone, pnl as given; a bad point is
	 * reported and skipped. */
	v.n = 0;
	nrej = 0;
	r = J("[[\"day\",{\"accountValueHistory\":[[1000000000000,\"1\"]],"
	      "\"pnlHistory\":[[1000000000000,\"0\"]]}],[\"week\",{"
	      "\"accountValueHistory\":[[999000000000,\"1\"],[1000000000000,"
	      "\"x\"]],\"pnlHistory\":[[999000000000,\"3\"]]}]]");
	KT_EQ_INT(k_hyperliquid_parse_portfolio(r, "0xv", "pf", &v, on_rej, NULL, &e),
	          K_OK);
	KT_EQ_INT(v.n, 1);
	KT_NEAR(v.v[0].u.hlp.pnl, 3, 0);
	KT_EQ_INT(nrej, 1);
	KT_EQ_STR(lastrej, "pf: window 'week': accountValueHistory[1]: expected "
	          "a decimal string, got string \"x\"");
	json_decref(r);

	r = J("[[\"day\",{\"accountValueHistory\":{}}]]");
	KT_EQ_INT(k_hyperliquid_parse_portfolio(r, "0xv", "pf", &v, on_rej, NULL, &e),
	          K_EDATA);
	KT_EQ_STR(e.text, "pf: day.accountValueHistory: expected an array, got "
	          "object");
	json_decref(r);
	r = J("[[\"perpDay\",{\"accountValueHistory\":[],\"pnlHistory\":[]}]]");
	KT_EQ_INT(k_hyperliquid_parse_portfolio(r, "0xv", "pf", &v, on_rej, NULL, &e),
	          K_EDATA);
	json_decref(r);
	r = J("{\"name\":\"no portfolio\"}");
	KT_EQ_INT(k_hyperliquid_parse_portfolio(r, "0xv", "pf", &v, on_rej, NULL, &e),
	          K_EDATA);
	json_decref(r);
	k_raw_vec_release(&v);
}

static void
test_fills(void)
{
	struct k_hyperliquid_fills f = { 0 };
	struct k_error e;
	json_error_t je;
	json_t *r;

	/* The real nautilus fill: the account sold ("A", Open Short) against
	 * a liquidated user, so that user was short. The account is not in
	 * the recording; any other address shows the counterparty rule. */
	r = json_load_file(NAUTILUS_FILL, 0, &je);
	KT_CHECK(r != NULL);
	if (r == NULL)
		return;
	KT_EQ_INT(k_hyperliquid_parse_fills(r, "0x0000000000000000000000000000000000000001",
	                           "uf", &f, on_rej, NULL, &e), K_OK);
	KT_EQ_INT(f.n, 1);
	KT_EQ_INT(f.v[0].is_liq, 1);
	KT_EQ_INT(f.v[0].id, 745210434703679LL);
	const struct k_raw_liq *l = &f.v[0].liq.u.liq;
	KT_EQ_STR(l->side, "short");
	KT_EQ_STR(l->user, "0x360878d351f05975e25f1807a27895e1e5e004fb");
	KT_EQ_STR(l->method, "market");
	KT_NEAR(l->px, 66653, 0);
	KT_NEAR(l->size, 0.001, 0);
	KT_NEAR(l->value_usd, 66.653, 1e-9);
	KT_NEAR(l->mark_px, 66607, 0);
	KT_EQ_STR(f.v[0].liq.coin, "BTC");
	/* Seen from the liquidated user's side, the same sell is a long. */
	f.n = 0;
	KT_EQ_INT(k_hyperliquid_parse_fills(r, "0x360878d351f05975e25f1807a27895e1e5e004fb",
	                           "uf", &f, on_rej, NULL, &e), K_OK);
	KT_EQ_STR(f.v[0].liq.u.liq.side, "long");
	json_decref(r);

	/* Fills without tid get a stable hashed identity; a bad liquidation
	 * object rejects only its fill. */
	f.n = 0;
	nrej = 0;
	r = J("[{\"coin\":\"SUI\",\"px\":\"1.3189\",\"sz\":\"142.7\","
	      "\"side\":\"A\",\"time\":1683245884863,\"hash\":\"0x3d\","
	      "\"oid\":189324432},"
	      "{\"coin\":\"SUI\",\"px\":\"1.3189\",\"sz\":\"142.7\","
	      "\"side\":\"A\",\"time\":1683245884863,\"hash\":\"0x3d\","
	      "\"oid\":189324432},"
	      "{\"coin\":\"SUI\",\"px\":\"1.3167\",\"sz\":\"3749.1\","
	      "\"side\":\"A\",\"time\":1683245884863,\"hash\":\"0x3d\","
	      "\"oid\":189324432},"
	      "{\"coin\":\"X\",\"px\":\"1\",\"sz\":\"1\",\"side\":\"B\","
	      "\"time\":1683245884863,\"liquidation\":7},"
	      "{\"coin\":\"X\",\"px\":\"1\",\"sz\":\"1\",\"side\":\"C\","
	      "\"time\":1683245884863,\"liquidation\":{\"liquidatedUser\":"
	      "\"0x360878d351f05975e25f1807a27895e1e5e004fb\",\"method\":"
	      "\"market\"}},"
	      "{\"coin\":\"X\",\"px\":\"1\",\"sz\":\"-2\",\"side\":\"B\","
	      "\"time\":1683245884864,\"liquidation\":null},"
	      "{\"px\":\"1\"}]");
	KT_EQ_INT(k_hyperliquid_parse_fills(r, "0x0000000000000000000000000000000000000001",
	                           "uf", &f, on_rej, NULL, &e), K_OK);
	KT_EQ_INT(f.n, 4);
	KT_CHECK(f.v[0].id == f.v[1].id);
	KT_CHECK(f.v[0].id != f.v[2].id);
	KT_CHECK(f.v[0].id >> 63);
	KT_EQ_INT(f.v[3].is_liq, 0);
	KT_EQ_INT(nrej, 3);
	KT_EQ_STR(lastrej, "uf: element 6: field 'time': missing");
	json_decref(r);
	k_hyperliquid_fills_release(&f);
}

static void
test_binance(void)
{
	struct k_raw_vec v;
	struct k_error e;
	json_t *r;

	k_raw_vec_init(&v);
	r = J("[[1741392000000,\"86801.74000000\",\"86897.25000000\","
	      "\"86538.59000000\",\"86726.80000000\",\"774.07981000\","
	      "1741395599999,\"67120644.47635000\",151674,\"407.18646000\","
	      "\"35305763.90241430\",\"0\"],"
	      "[1741395600000,\"1\",\"1\",\"1\",\"1\",\"1\",1741395599999,\"1\","
	      "3],"
	      "[1741395600000,\"1\"],"
	      "[1741395600000,\"1\",\"1\",\"1\",\"0\",\"1\",1741399199999,\"1\","
	      "3],"
	      "[1741395600000,\"1\",\"1\",\"1\",\"1\",\"1\",1741399199999,\"1\","
	      "\"many\"]]");
	nrej = 0;
	KT_EQ_INT(k_binance_parse_klines(r, "BTC", "1h", "kl", &v, on_rej, NULL,
	                                 &e), K_OK);
	KT_EQ_INT(v.n, 1);
	KT_NEAR(v.v[0].u.candle.close, 86726.8, 0);
	KT_NEAR(v.v[0].u.candle.quote_volume, 67120644.47635, 0);
	KT_EQ_INT(v.v[0].u.candle.trades, 151674);
	KT_EQ_STR(v.v[0].venue, "binance");
	KT_EQ_INT(nrej, 4);
	KT_EQ_STR(lastrej, "kl: element 4: field 'trades' ([8]): expected a "
	          "whole number, got string \"many\"");
	json_decref(r);

	const char *sy[] = { "BTCUSDT", "ETHUSDT" }, *co[] = { "BTC", "ETH" };
	v.n = 0;
	nrej = 0;
	r = J("{\"symbol\":\"BTCUSDT\",\"price\":\"84010.03\"}");
	KT_EQ_INT(k_binance_parse_ticker(r, 5, sy, co, 2, "tp", &v, on_rej, NULL,
	                                 &e), K_OK);
	KT_EQ_INT(v.n, 1);
	KT_NEAR(v.v[0].u.price.price, 84010.03, 0);
	KT_EQ_INT(nrej, 1);
	KT_EQ_STR(lastrej, "tp: no price for 'ETHUSDT'");
	json_decref(r);
	r = J("[{\"symbol\":\"ETHUSDT\",\"price\":true},{\"symbol\":\"XUSDT\","
	      "\"price\":\"1\"}]");
	nrej = 0;
	KT_EQ_INT(k_binance_parse_ticker(r, 5, sy, co, 2, "tp", &v, on_rej, NULL,
	                                 &e), K_OK);
	KT_EQ_INT(nrej, 3);
	json_decref(r);
	r = J("\"x\"");
	KT_EQ_INT(k_binance_parse_ticker(r, 5, sy, co, 2, "tp", &v, on_rej, NULL,
	                                 &e), K_EDATA);
	json_decref(r);
	k_raw_vec_release(&v);
}

/* A page of candles at hour t (ms) closing at t + 1 h - 1. */
static void
candle_page(struct k_raw_vec *page, const int64_t *t, size_t n)
{
	page->n = 0;
	for (size_t i = 0; i < n; i++) {
		struct k_raw r;
		k_raw_init(&r, K_RAW_CANDLE, "hyperliquid");
		r.ts = t[i];
		r.u.candle.close_ms = t[i] + 3599999;
		k_raw_vec_push(page, &r);
	}
}

static void
test_pager(void)
{
	const int64_t H = 3600000;
	struct k_raw_vec page, out;
	struct k_pager pg;
	struct k_error e;
	int64_t next = -1;

	k_raw_vec_init(&page);
	k_raw_vec_init(&out);
	/* window [2h, 10h): taken in time order, once, inside it */
	k_pager_init(&pg, 2 * H, 10 * H, H, &next);
	KT_EQ_INT(next, 2 * H);
	KT_EQ_INT(pg.from, 2 * H);
	pg.candles = 1;
	pg.now = 100 * H;
	int64_t p1[] = { 4 * H, 1 * H, 3 * H, 2 * H };
	candle_page(&page, p1, 4);
	KT_EQ_INT(k_pager_take(&pg, &page, &out, &e), K_OK);
	KT_EQ_INT(out.n, 3);
	KT_EQ_INT(out.v[0].ts, 2 * H);
	KT_EQ_INT(out.v[2].ts, 4 * H);
	KT_EQ_INT(next, 4 * H + 1);
	KT_EQ_INT(k_pager_go_on(&pg), 1);
	KT_EQ_INT(pg.from, 4 * H + 1);
	/* an overlapping page gives only the new records */
	int64_t p2[] = { 4 * H, 5 * H, 12 * H };
	candle_page(&page, p2, 3);
	KT_EQ_INT(k_pager_take(&pg, &page, &out, &e), K_OK);
	KT_EQ_INT(out.n, 4);
	KT_EQ_INT(pg.got, 4);
	KT_EQ_INT(k_pager_go_on(&pg), 1);
	/* a page with nothing new ends the walk */
	candle_page(&page, p2, 2);
	KT_EQ_INT(k_pager_take(&pg, &page, &out, &e), K_OK);
	KT_EQ_INT(k_pager_go_on(&pg), 0);
	/* a candle still open at now ends it, and is not taken */
	out.n = 0;
	k_pager_init(&pg, 0, 10 * H, H, NULL);
	pg.candles = 1;
	pg.now = 3 * H;
	int64_t p3[] = { 0, 1 * H, 2 * H, 3 * H };
	candle_page(&page, p3, 4);
	KT_EQ_INT(k_pager_take(&pg, &page, &out, &e), K_OK);
	KT_EQ_INT(out.n, 3);
	KT_EQ_INT(out.v[2].ts, 2 * H);
	KT_EQ_INT(k_pager_go_on(&pg), 0);
	/* the newest less than a step before the end is the last */
	out.n = 0;
	k_pager_init(&pg, 0, 3 * H, H, NULL);
	candle_page(&page, p3, 3);
	KT_EQ_INT(k_pager_take(&pg, &page, &out, &e), K_OK);
	KT_EQ_INT(out.n, 3);
	KT_EQ_INT(k_pager_go_on(&pg), 0);
	k_raw_vec_release(&page);
	k_raw_vec_release(&out);
}

/* k_http's encoder of a query value: the Etherscan key. */
static void
test_query_escape(void)
{
	struct k_buf b;
	k_buf_init(&b);
	k_http_query_escape(&b, "k3y&x+y/z=s3cr3t-9f._~ %\xc3\xa9");
	KT_EQ_STR(k_buf_cstr(&b), "k3y%26x%2By%2Fz%3Ds3cr3t-9f._~%20%25%C3%A9");
	k_buf_reset(&b);
	k_http_query_escape(&b, "ABCxyz0129");
	KT_EQ_STR(k_buf_cstr(&b), "ABCxyz0129");
	k_buf_release(&b);
}

int
main(void)
{
	test_decimal();
	test_getters();
	test_write();
	test_weights();
	test_asset_ctxs();
	test_candles_funding();
	test_portfolio();
	test_fills();
	test_binance();
	test_pager();
	test_query_escape();
	KT_DONE();
}
