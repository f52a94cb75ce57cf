/*
 * test_hlfeat.c - the Hyperliquid feature engine on small hand-made
 * streams whose features can be worked out by hand: returns and pnl from
 * vault snapshots, gaps, duplicates, late and out-of-order records,
 * candles held to their close, oracle deviation runs, a liquidation
 * cascade, labels, and the parser's messages.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "features/k_hlfeat.h"
#include "ktest.h"

#define MIN 60000LL

struct rows {
	json_t *r[512];
	size_t n;
};

static void
collect(void *arg, const char *row, size_t len)
{
	struct rows *rs = arg;
	json_error_t je;
	json_t *o = json_loadb(row, len, JSON_REJECT_DUPLICATES, &je);

	if (o == NULL) {
		KT_FAIL("row does not parse: %s", je.text);
		return;
	}
	if (rs->n < 512)
		rs->r[rs->n++] = o;
	else
		json_decref(o);
}

static void
rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		json_decref(rs->r[i]);
	rs->n = 0;
}

static double
feat(const struct rows *rs, size_t i, const char *name)
{
	if (i >= rs->n)
		return -12345;
	json_t *v = json_object_get(json_object_get(rs->r[i], "features"),
	                            name);
	if (v == NULL) {
		KT_FAIL("no feature %s", name);
		return -12345;
	}
	return json_is_null(v) ? NAN : json_number_value(v);
}

static const char *
rts(const struct rows *rs, size_t i)
{
	return i < rs->n ? json_string_value(json_object_get(rs->r[i], "ts"))
	                 : "(none)";
}

/* Push one record written as JSON. */
static enum k_hlfeat_fate
push(struct k_hlfeat *e, const char *json)
{
	json_error_t je;
	json_t *o = json_loads(json, 0, &je);
	struct k_hlfeat_rec r;
	struct k_error err;

	if (o == NULL) {
		KT_FAIL("bad test record %s", json);
		return K_HLF_IGNORED;
	}
	if (k_hlfeat_parse(o, &r, &err) != K_OK) {
		KT_FAIL("record refused: %s: %s", json, err.text);
		json_decref(o);
		return K_HLF_IGNORED;
	}
	json_decref(o);
	return k_hlfeat_push(e, &r);
}

static struct k_hlfeat *
engine(struct rows *rs, int64_t bucket)
{
	struct k_hlfeat_params p = k_hlfeat_params_default();
	struct k_hlfeat *e;
	struct k_error err;

	p.bucket_ms = bucket;
	KT_EQ_INT(k_hlfeat_alloc(&e, &p, collect, rs, &err), K_OK);
	return e;
}

static void
hlp(struct k_hlfeat *e, const char *ts, double av, double pnl)
{
	char buf[256];

	snprintf(buf, sizeof buf, "{\"kind\":\"hlp\",\"ts\":\"%s\",\"vault\":"
	         "\"0xDFC24B077BC1425AD1DEA75BCB6F8158E10DF303\","
	         "\"account_value\":%.17g,\"pnl\":%.17g}", ts, av, pnl);
	push(e, buf);
}

static void
test_names(void)
{
	size_t n;
	const char *const *nm = k_hlfeat_names(&n);

	KT_CHECK(n >= 40);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			KT_CHECK(strcmp(nm[i], nm[j]) != 0);
	/* Every input of the rules is a feature. */
	for (size_t i = 0; i < K_RI_N; i++) {
		int found = 0;
		for (size_t j = 0; j < n; j++)
			found |= strcmp(k_rules_inputs[i], nm[j]) == 0;
		KT_CHECK(found);
	}
}

/* Hourly snapshots for 26 hours: AV 100M + 0.5M/h, pnl +0.25M/h. */
static void
test_vault(void)
{
	struct rows rs = { .n = 0 };
	struct k_hlfeat *e = engine(&rs, K_MS_PER_HOUR);
	char ts[40];
	int64_t t0 = 1741996800000LL; /* 2025-03-15T00:00:00Z, a Saturday */

	for (int h = 0; h < 26; h++) {
		double av = 100e6 + 0.5e6 * h, pnl = 3e6 + 0.25e6 * h;
		if (h == 25) {
			av = 80e6;   /* a loss of 32M in the last hour */
			pnl -= 32.25e6;
		}
		hlp(e, k_time_format(t0 + h * K_MS_PER_HOUR, ts, sizeof ts), av,
		    pnl);
	}
	k_hlfeat_finish(e);
	KT_EQ_INT(rs.n, 26);
	KT_EQ_STR(rts(&rs, 0), "2025-03-15T00:00:00Z");
	/* Row 24 (2025-03-16T00): a day of history. */
	KT_NEAR(feat(&rs, 24, "account_value"), 112e6, 0);
	KT_NEAR(feat(&rs, 24, "return_1h"), 112.0 / 111.5 - 1, 1e-9);
	KT_NEAR(feat(&rs, 24, "return_24h"), 112.0 / 100.0 - 1, 1e-9);
	KT_CHECK(isnan(feat(&rs, 24, "return_7d")));
	KT_NEAR(feat(&rs, 24, "pnl_24h"), 6e6, 1e-3);
	KT_NEAR(feat(&rs, 24, "pnl_24h_pct"), 6.0 / 106.0 * 100, 1e-6);
	KT_NEAR(feat(&rs, 24, "all_time_pnl"), 9e6, 0);
	/* Row 23 had no pnl a day before it: no momentum yet at 24. */
	KT_CHECK(isnan(feat(&rs, 24, "pnl_momentum")));
	KT_NEAR(feat(&rs, 25, "pnl_momentum"), -32.25e6, 1e-3);
	KT_NEAR(feat(&rs, 24, "max_drawdown"), 0, 0);
	KT_NEAR(feat(&rs, 24, "hour_of_day"), 0, 0);
	KT_NEAR(feat(&rs, 24, "day_of_week"), 6, 0);   /* Sunday */
	KT_NEAR(feat(&rs, 24, "is_weekend"), 1, 0);
	KT_NEAR(feat(&rs, 2, "day_of_week"), 5, 0);    /* Saturday */
	/* Row 0: no history yet. */
	KT_CHECK(isnan(feat(&rs, 0, "return_1h")));
	KT_CHECK(isnan(feat(&rs, 0, "pnl_24h")));
	KT_CHECK(isnan(feat(&rs, 0, "volatility_24h")));
	/* The fall: drawdown from the 112.0M peak to 80M. */
	KT_NEAR(feat(&rs, 25, "max_drawdown"), 32.0 / 112.0 * 100, 1e-6);
	KT_NEAR(feat(&rs, 25, "drawdown_change"), 32.0 / 112.0 * 100, 1e-6);
	KT_NEAR(feat(&rs, 25, "return_1h"), 80.0 / 112.0 - 1, 1e-9);
	/* Constant returns before: volatility is the fall's alone. */
	KT_CHECK(feat(&rs, 25, "volatility_24h") > 0.05);
	/* Too few rows for z-scores and the Sharpe ratio. */
	KT_CHECK(isnan(feat(&rs, 25, "account_value_zscore")));
	KT_CHECK(isnan(feat(&rs, 25, "sharpe_ratio")));
	json_t *lvl = json_object_get(rs.r[25], "risk_level");
	KT_EQ_STR(json_string_value(lvl), "CRITICAL");  /* a 29% day */
	rows_free(&rs);
	k_hlfeat_free(e);

	/* The same fall of the account value as a withdrawal: pnl goes on
	 * rising, so it is no drawdown and no loss. */
	e = engine(&rs, K_MS_PER_HOUR);
	for (int h = 0; h < 26; h++)
		hlp(e, k_time_format(t0 + h * K_MS_PER_HOUR, ts, sizeof ts),
		    h == 25 ? 80e6 : 100e6 + 0.5e6 * h, 3e6 + 0.25e6 * h);
	k_hlfeat_finish(e);
	KT_NEAR(feat(&rs, 25, "max_drawdown"), 0, 0);
	KT_NEAR(feat(&rs, 25, "return_1h"), 80.0 / 112.0 - 1, 1e-9);
	KT_EQ_STR(json_string_value(json_object_get(rs.r[25], "risk_level")),
	          "LOW");
	rows_free(&rs);
	k_hlfeat_free(e);
}

static void
test_time_rules(void)
{
	struct rows rs = { .n = 0 };
	struct k_hlfeat *e = engine(&rs, K_MS_PER_HOUR);
	const struct k_hlfeat_stats *st = k_hlfeat_stats(e);

	/* A gap of two empty buckets is filled; values go stale after 2 h. */
	hlp(e, "2025-03-15T00:10:00Z", 100e6, 0);
	hlp(e, "2025-03-15T00:10:00Z", 100e6, 0);             /* duplicate */
	hlp(e, "2025-03-15T03:10:00Z", 101e6, 0);
	hlp(e, "2025-03-15T03:05:00Z", 101e6, 0);             /* out of order */
	KT_EQ_INT(st->duplicates, 1);
	KT_EQ_INT(st->out_of_order, 1);
	hlp(e, "2025-03-15T04:00:00Z", 102e6, 0);
	/* 00:30 belongs to a bucket already written. */
	KT_EQ_INT(push(e, "{\"kind\":\"price\",\"ts\":\"2025-03-15T00:30:00Z\","
	                  "\"venue\":\"hyperliquid\",\"coin\":\"BTC\","
	                  "\"mark\":80000}"), K_HLF_LATE);
	KT_EQ_INT(st->late, 1);
	/* Other kinds, vaults and coins are counted, not used. */
	KT_EQ_INT(push(e, "{\"kind\":\"tx\",\"ts\":\"2025-03-15T04:00:00Z\"}"),
	          K_HLF_IGNORED);
	KT_EQ_INT(push(e, "{\"kind\":\"hlp\",\"ts\":\"2025-03-15T04:01:00Z\","
	                  "\"vault\":\"0x010461c14e146ac35fe42271bdc1134ee31c703a\","
	                  "\"account_value\":5,\"pnl\":0}"), K_HLF_IGNORED);
	KT_EQ_INT(st->other_vault, 1);
	/* A long gap (more than 24 h) is not filled. */
	hlp(e, "2025-03-17T04:30:00Z", 103e6, 0);
	k_hlfeat_finish(e);
	/* 00, 01, 02 (gap), 03, 04, then 2025-03-17T04. */
	KT_EQ_INT(rs.n, 6);
	KT_EQ_STR(rts(&rs, 1), "2025-03-15T01:00:00Z");
	KT_EQ_STR(rts(&rs, 5), "2025-03-17T04:00:00Z");
	KT_EQ_INT(st->gap_rows, 2);
	KT_EQ_INT(st->gaps, 1);
	KT_EQ_INT(st->skipped_rows, 47);
	KT_NEAR(feat(&rs, 1, "account_value"), 100e6, 0);      /* 1h50m old */
	KT_CHECK(isnan(feat(&rs, 2, "account_value")));        /* 2h50m: stale */
	KT_NEAR(feat(&rs, 3, "account_value"), 101e6, 0);
	KT_CHECK(isnan(feat(&rs, 3, "return_1h")));            /* 02:59 stale */
	rows_free(&rs);
	k_hlfeat_free(e);
}

static void
test_lateness(void)
{
	struct rows rs = { .n = 0 };
	struct k_hlfeat_params p = k_hlfeat_params_default();
	struct k_hlfeat *e;
	struct k_error err;

	p.lateness_ms = 2 * K_MS_PER_HOUR;
	KT_EQ_INT(k_hlfeat_alloc(&e, &p, collect, &rs, &err), K_OK);
	/* Coin by coin, as a naive backfill would write them. */
	static const char *const recs[] = {
		"{\"kind\":\"price\",\"ts\":\"2025-03-15T00:00:00Z\",\"venue\":"
		"\"hyperliquid\",\"coin\":\"BTC\",\"oracle\":80000,\"mark\":80400}",
		"{\"kind\":\"price\",\"ts\":\"2025-03-15T01:00:00Z\",\"venue\":"
		"\"hyperliquid\",\"coin\":\"BTC\",\"oracle\":80000,\"mark\":80000}",
		"{\"kind\":\"price\",\"ts\":\"2025-03-15T00:30:00Z\",\"venue\":"
		"\"hyperliquid\",\"coin\":\"ETH\",\"oracle\":2000,\"mark\":2020}",
		"{\"kind\":\"price\",\"ts\":\"2025-03-15T01:30:00Z\",\"venue\":"
		"\"hyperliquid\",\"coin\":\"ETH\",\"oracle\":2000,\"mark\":2000}",
	};
	for (size_t i = 0; i < 4; i++)
		KT_CHECK(push(e, recs[i]) != K_HLF_LATE);
	k_hlfeat_finish(e);
	KT_EQ_INT(k_hlfeat_stats(e)->late, 0);
	KT_EQ_INT(rs.n, 2);
	KT_NEAR(feat(&rs, 0, "max_deviation_pct"), 1.0, 1e-12);  /* ETH */
	KT_NEAR(feat(&rs, 0, "deviation_mean_1h"), 0.75, 1e-12);
	/* BTC's 0.5% is not above 0.5. */
	KT_NEAR(feat(&rs, 0, "high_deviation_count_1h"), 1, 0);
	KT_NEAR(feat(&rs, 1, "max_deviation_pct"), 0, 1e-12);
	rows_free(&rs);
	k_hlfeat_free(e);
}

/* A 1h candle only counts once it has closed: in 5-minute rows its
 * volume shows at 13:55, not at 13:00. */
static void
test_candle_close(void)
{
	struct rows rs = { .n = 0 };
	struct k_hlfeat *e = engine(&rs, 5 * MIN);

	push(e, "{\"kind\":\"candle\",\"ts\":\"2025-03-15T13:00:00Z\",\"venue\":"
	        "\"hyperliquid\",\"coin\":\"ETH\",\"interval\":\"1h\",\"open\":"
	        "2000,\"high\":2010,\"low\":1990,\"close\":2005,\"volume\":100}");
	push(e, "{\"kind\":\"candle\",\"ts\":\"2025-03-15T13:00:00Z\",\"venue\":"
	        "\"binance\",\"coin\":\"ETH\",\"interval\":\"1h\",\"open\":"
	        "2000,\"high\":2010,\"low\":1990,\"close\":2004,\"volume\":900}");
	push(e, "{\"kind\":\"price\",\"ts\":\"2025-03-15T13:01:00Z\",\"venue\":"
	        "\"hyperliquid\",\"coin\":\"ETH\",\"mid\":2001}");
	k_hlfeat_finish(e);
	KT_EQ_INT(k_hlfeat_stats(e)->late, 0);
	KT_EQ_INT(rs.n, 12);
	KT_CHECK(isnan(feat(&rs, 0, "volume_usd_1h")));
	KT_CHECK(isnan(feat(&rs, 0, "hl_binance_spread")));
	KT_EQ_STR(rts(&rs, 11), "2025-03-15T13:55:00Z");
	KT_NEAR(feat(&rs, 11, "volume_usd_1h"), 100 * 2005.0, 1e-6);
	KT_NEAR(feat(&rs, 11, "range_pct_1h"), 20.0 / 1990 * 100, 1e-9);
	KT_NEAR(feat(&rs, 11, "hl_binance_spread"), 1.0 / 2004 * 100, 1e-9);
	rows_free(&rs);
	k_hlfeat_free(e);

	/* Live: the 13:00 candle arrives at 14:00:30, after the 14:00 bucket
	 * opened; it counts there. One from 11:00 is late. */
	e = engine(&rs, K_MS_PER_HOUR);
	push(e, "{\"kind\":\"price\",\"ts\":\"2025-03-15T14:00:10Z\",\"venue\":"
	        "\"hyperliquid\",\"coin\":\"ETH\",\"mid\":2001}");
	KT_EQ_INT(push(e, "{\"kind\":\"candle\",\"ts\":\"2025-03-15T13:00:00Z\","
	                  "\"venue\":\"hyperliquid\",\"coin\":\"ETH\",\"interval\":"
	                  "\"1h\",\"open\":2000,\"high\":2010,\"low\":1990,"
	                  "\"close\":2005,\"volume\":100}"), K_HLF_APPLIED);
	KT_EQ_INT(push(e, "{\"kind\":\"candle\",\"ts\":\"2025-03-15T11:00:00Z\","
	                  "\"venue\":\"hyperliquid\",\"coin\":\"BTC\",\"interval\":"
	                  "\"1h\",\"open\":2000,\"high\":2010,\"low\":1990,"
	                  "\"close\":2005,\"volume\":100}"), K_HLF_LATE);
	k_hlfeat_finish(e);
	KT_EQ_INT(k_hlfeat_stats(e)->late_candles, 1);
	KT_EQ_INT(k_hlfeat_stats(e)->late, 1);
	KT_EQ_INT(rs.n, 1);
	KT_NEAR(feat(&rs, 0, "volume_usd_1h"), 100 * 2005.0, 1e-6);
	rows_free(&rs);
	k_hlfeat_free(e);
}

static void
test_deviation_run(void)
{
	struct rows rs = { .n = 0 };
	struct k_hlfeat *e = engine(&rs, MIN);
	char buf[256];

	/* Every 10 s: 0.6% from 00:00:20 to 00:01:10, then back. */
	for (int s = 0; s < 120; s += 10) {
		double mark = s >= 20 && s <= 70 ? 2012 : 2000.2;
		snprintf(buf, sizeof buf, "{\"kind\":\"price\",\"ts\":"
		         "\"2025-03-15T00:%02d:%02dZ\",\"venue\":\"hyperliquid\","
		         "\"coin\":\"ETH\",\"oracle\":2000,\"mark\":%.17g}",
		         s / 60, s % 60, mark);
		push(e, buf);
	}
	k_hlfeat_finish(e);
	KT_EQ_INT(rs.n, 2);
	KT_NEAR(feat(&rs, 0, "max_deviation_pct"), 0.6, 1e-9);
	KT_NEAR(feat(&rs, 0, "deviation_duration_s"), 30, 0);
	KT_NEAR(feat(&rs, 1, "deviation_duration_s"), 50, 0);
	KT_NEAR(feat(&rs, 1, "high_deviation_count_1h"), 6, 0);
	KT_NEAR(feat(&rs, 1, "oracle_risk_score"), 40 + 20, 1e-9);
	/* Sustained past 30 s at >= 0.5%: HIGH. */
	KT_EQ_STR(json_string_value(json_object_get(rs.r[1], "risk_level")),
	          "HIGH");
	rows_free(&rs);
	k_hlfeat_free(e);
}

static void
test_cascade_labels(void)
{
	struct rows rs = { .n = 0 };
	struct k_hlfeat *e = engine(&rs, 5 * MIN);
	char buf[320];

	KT_EQ_INT(push(e, "{\"kind\":\"label\",\"ts\":\"2025-03-15T00:05:00Z\","
	                  "\"ts_end\":\"2025-03-15T00:09:00Z\",\"incident\":"
	                  "\"liquidation_cascade\",\"coin\":\"SOL\"}"),
	          K_HLF_LABEL);
	push(e, "{\"kind\":\"price\",\"ts\":\"2025-03-15T00:00:00Z\",\"venue\":"
	        "\"hyperliquid\",\"coin\":\"SOL\",\"mark\":130}");
	for (int i = 0; i < 6; i++) {
		snprintf(buf, sizeof buf, "{\"kind\":\"liquidation\",\"ts\":"
		         "\"2025-03-15T00:06:%02dZ\",\"venue\":\"hyperliquid\","
		         "\"coin\":\"SOL\",\"side\":\"long\",\"px\":%.17g,\"size\":"
		         "%.17g,\"user\":\"0x%040d\",\"method\":\"market\"}",
		         i * 10, 130.0 - i, 5000.0, i);
		push(e, buf);
	}
	/* The same liquidation again. */
	KT_EQ_INT(push(e, buf), K_HLF_DUPLICATE);
	push(e, "{\"kind\":\"price\",\"ts\":\"2025-03-15T00:14:00Z\",\"venue\":"
	        "\"hyperliquid\",\"coin\":\"SOL\",\"mark\":124}");
	k_hlfeat_finish(e);
	KT_EQ_INT(rs.n, 3);
	KT_NEAR(feat(&rs, 1, "liquidation_count"), 6, 0);
	KT_NEAR(feat(&rs, 1, "liquidation_count_5min"), 6, 0);
	KT_NEAR(feat(&rs, 1, "is_cascade"), 1, 0);
	double usd = 5000.0 * (130 + 129 + 128 + 127 + 126 + 125);
	KT_NEAR(feat(&rs, 1, "total_value_5min"), usd, 1e-6);
	/* 6 of 10, usd of 5M, impact 5/130 % of 5 */
	KT_NEAR(feat(&rs, 1, "cascade_suspicion"),
	        18 + usd / 5e6 * 40 + 5.0 / 130 * 100 / 5 * 30, 1e-6);
	KT_NEAR(feat(&rs, 1, "avg_time_between_5min"), 10, 0);
	KT_NEAR(feat(&rs, 1, "time_since_last"), 600 - 410, 0);
	KT_NEAR(feat(&rs, 2, "liquidation_count"), 0, 0);
	KT_NEAR(feat(&rs, 2, "liquidation_count_1h"), 6, 0);
	KT_NEAR(feat(&rs, 2, "is_cascade"), 0, 0);
	KT_CHECK(isnan(feat(&rs, 0, "time_since_last")));
	KT_EQ_INT(json_integer_value(json_object_get(rs.r[0], "label")), 0);
	KT_EQ_INT(json_integer_value(json_object_get(rs.r[1], "label")), 1);
	KT_EQ_STR(json_string_value(json_object_get(rs.r[1], "incident")),
	          "liquidation_cascade");
	KT_EQ_INT(json_integer_value(json_object_get(rs.r[2], "label")), 0);
	KT_CHECK(json_object_get(rs.r[2], "incident") == NULL);
	rows_free(&rs);
	k_hlfeat_free(e);
}

static void
test_parse_errors(void)
{
	static const struct { const char *json, *field, *text; } bad[] = {
		{ "{\"ts\":\"2025-03-15T00:00:00Z\"}", "kind", "missing" },
		{ "{\"kind\":\"hlp\",\"vault\":\"0x1\",\"account_value\":1}", "ts",
		  "missing" },
		{ "{\"kind\":\"hlp\",\"ts\":\"2025-03-15\",\"vault\":\"0x1\"}", "ts",
		  "not an RFC 3339" },
		{ "{\"kind\":\"hlp\",\"ts\":\"2025-03-15T00:00:00Z\",\"vault\":\"0x1\","
		  "\"account_value\":\"n/a\"}", "account_value",
		  "expected number, got string \"n/a\"" },
		{ "{\"kind\":\"price\",\"ts\":\"2025-03-15T00:00:00Z\",\"venue\":"
		  "\"hyperliquid\",\"coin\":\"BTC\",\"oracle\":-5}", "oracle",
		  "positive" },
		{ "{\"kind\":\"price\",\"ts\":\"2025-03-15T00:00:00Z\",\"venue\":"
		  "\"hyperliquid\",\"coin\":\"BTC\"}", "", "no value" },
		{ "{\"kind\":\"price\",\"ts\":\"2025-03-15T00:00:00Z\",\"coin\":\"BTC\","
		  "\"mark\":1}", "venue", "missing" },
		{ "{\"kind\":\"candle\",\"ts\":\"2025-03-15T00:00:00Z\",\"venue\":"
		  "\"binance\",\"coin\":\"BTC\",\"interval\":\"1M\"}", "interval",
		  "duration" },
		{ "{\"kind\":\"candle\",\"ts\":\"2025-03-15T00:00:00Z\",\"venue\":"
		  "\"binance\",\"coin\":\"BTC\",\"interval\":\"1h\",\"open\":1,"
		  "\"high\":1,\"low\":2,\"close\":1,\"volume\":0}", "high", "below" },
		{ "{\"kind\":\"liquidation\",\"ts\":\"2025-03-15T00:00:00Z\","
		  "\"coin\":\"BTC\",\"px\":1}", "value_usd", "missing" },
		{ "{\"kind\":\"label\",\"ts\":\"2025-03-15T00:00:00Z\",\"ts_end\":"
		  "\"2025-03-14T00:00:00Z\",\"incident\":\"x\"}", "ts_end", "before" },
		{ "{\"kind\":\"funding\",\"ts\":\"2025-03-15T00:00:00Z\",\"venue\":"
		  "\"hyperliquid\",\"coin\":\"\",\"rate\":0}", "coin", "characters" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *o = json_loads(bad[i].json, 0, NULL);
		struct k_hlfeat_rec r;
		struct k_error err;
		k_error_clear(&err);
		KT_CHECK(o != NULL);
		KT_EQ_INT(k_hlfeat_parse(o, &r, &err), K_EDATA);
		KT_EQ_STR(err.field, bad[i].field);
		if (strstr(err.text, bad[i].text) == NULL)
			KT_FAIL("case %zu: '%s' lacks '%s'", i, err.text,
			        bad[i].text);
		json_decref(o);
	}
	/* Bad parameters. */
	struct k_hlfeat_params p = k_hlfeat_params_default();
	struct k_hlfeat *e;
	struct k_error err;
	p.bucket_ms = 10;
	KT_CHECK(k_hlfeat_params_check(&p) != NULL);
	KT_EQ_INT(k_hlfeat_alloc(&e, &p, collect, NULL, &err), K_EUSAGE);
	KT_CHECK(e == NULL);
}

int
main(void)
{
	test_names();
	test_vault();
	test_time_rules();
	test_lateness();
	test_candle_close();
	test_deviation_run();
	test_cascade_labels();
	test_parse_errors();
	KT_DONE();
}
