/*
 * test_simhl.c - the labelled Hyperliquid simulator: parameters refused
 * with a reason, the same seed giving the same bytes, labels first and
 * then records in time order that kfeatures accepts, the schedule's
 * spacing and balance, and each incident kind visible in the records
 * where its label says, and nowhere else.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "features/k_hlfeat.h"
#include "sim/k_simhl.h"
#include "ktest.h"

struct sink {
	unsigned long long hash;
	size_t n, bytes;
	int keep;
	char **lines;
	size_t cap;
};

static int
collect(void *arg, const char *rec, size_t len)
{
	struct sink *k = arg;

	for (size_t i = 0; i < len; i++)
		k->hash = (k->hash ^ (unsigned char)rec[i]) * 1099511628211ULL;
	k->hash = (k->hash ^ '\n') * 1099511628211ULL;
	k->bytes += len + 1;
	if (k->keep) {
		if (k->n == k->cap) {
			k->cap = k->cap ? 2 * k->cap : 1024;
			k->lines = realloc(k->lines, k->cap * sizeof *k->lines);
		}
		k->lines[k->n] = strndup(rec, len);
	}
	k->n++;
	return 0;
}

static void
sink_free(struct sink *k)
{
	if (k->keep)
		for (size_t i = 0; i < k->n; i++)
			free(k->lines[i]);
	free(k->lines);
	memset(k, 0, sizeof *k);
}

static void
test_check(void)
{
	struct k_simhl_params p;
	struct k_error e;

	k_simhl_default(&p);
	KT_CHECK(k_simhl_check(&p) == NULL);
	p.days = 0;
	KT_CHECK(k_simhl_check(&p) != NULL);
	k_simhl_default(&p);
	p.step_ms = 7000;
	KT_CHECK(strstr(k_simhl_check(&p), "step") != NULL);
	p.step_ms = 7 * K_MS_PER_MINUTE;
	KT_CHECK(k_simhl_check(&p) != NULL);
	k_simhl_default(&p);
	p.coins = "BTC,,ETH";
	KT_CHECK(strstr(k_simhl_check(&p), "coins") != NULL);
	p.coins = "BTC,ETH,BTC";
	KT_CHECK(strstr(k_simhl_check(&p), "twice") != NULL);
	p.coins = "A,B,C,D,E,F,G,H,I,J,K,L,M,N,O,P,Q";
	KT_CHECK(strstr(k_simhl_check(&p), "16") != NULL);
	k_simhl_default(&p);
	p.start_ms += K_MS_PER_MINUTE;
	KT_CHECK(strstr(k_simhl_check(&p), "hour") != NULL);
	k_simhl_default(&p);
	p.kinds = 0;
	KT_CHECK(strstr(k_simhl_check(&p), "kind") != NULL);
	k_simhl_default(&p);
	p.warmup_days = 30;
	KT_CHECK(k_simhl_check(&p) != NULL);
	KT_EQ_INT(k_simhl_run(&p, collect, NULL, NULL, &e), K_EUSAGE);
	KT_CHECK(strstr(e.text, "warm-up") != NULL);
	KT_EQ_INT(k_simhl_kind_index("wash_trading"), K_SIMHL_WASH);
	KT_EQ_INT(k_simhl_kind_index("rug_pull"), -1);
}

static void
test_deterministic(void)
{
	struct k_simhl_params p;
	struct k_simhl_stats st;
	struct k_error e;
	struct sink a = { 0 }, b = { 0 }, c = { 0 };

	k_simhl_default(&p);
	p.days = 3;
	p.seed = 2385;
	KT_EQ_INT(k_simhl_run(&p, collect, &a, &st, &e), K_OK);
	KT_EQ_INT(k_simhl_run(&p, collect, &b, NULL, &e), K_OK);
	KT_EQ_INT(a.n, b.n);
	KT_CHECK(a.hash == b.hash);
	/* Counts: 3 days x 24 h x 60 min x 3 coins x 2 venues... */
	KT_EQ_INT(st.records[1], 3 * 24 * 60 * 3 * 2);
	KT_EQ_INT(st.records[0], 3 * 24 * 12);
	KT_EQ_INT(st.records[2], 3 * 24 * 3);
	KT_EQ_INT(st.records[3], (3 * 24 - 1) * 3);  /* the last is paid
	                                                at the end */
	KT_CHECK(st.records[4] > 0);
	p.seed = 2386;
	KT_EQ_INT(k_simhl_run(&p, collect, &c, NULL, &e), K_OK);
	KT_CHECK(c.hash != a.hash);
	/* The schedule does not depend on the coins' market draws. */
	struct k_simhl_incident i1[8], i2[8];
	p.days = 20;
	p.incidents = 4;
	size_t n1 = k_simhl_schedule(&p, i1, 8);
	p.step_ms = 15000;
	size_t n2 = k_simhl_schedule(&p, i2, 8);
	KT_EQ_INT(n1, 4);
	KT_EQ_INT(n2, 4);
	for (size_t i = 0; i < n1 && i < n2; i++)
		KT_EQ_INT(i1[i].start, i2[i].start);
	sink_free(&a);
	sink_free(&b);
	sink_free(&c);
}

static void
test_schedule(void)
{
	struct k_simhl_params p;
	struct k_simhl_incident v[64];
	int per[K_SIMHL_NKINDS] = { 0 };

	k_simhl_default(&p);
	p.days = 90;
	size_t n = k_simhl_schedule(&p, v, 64);
	/* One per 4 days after 7 days of warm-up: 20. */
	KT_EQ_INT(n, 20);
	for (size_t i = 0; i < n; i++) {
		per[v[i].kind]++;
		KT_CHECK(v[i].start >= p.start_ms + 7 * K_MS_PER_DAY);
		KT_CHECK(v[i].end > v[i].start);
		KT_CHECK(v[i].end <= p.start_ms + 90 * K_MS_PER_DAY);
		if (i > 0)
			KT_CHECK(v[i].start >=
			         v[i - 1].end + 12 * K_MS_PER_HOUR);
		if (v[i].kind == K_SIMHL_WASH)
			KT_EQ_INT(v[i].start % K_MS_PER_HOUR, 0);
	}
	for (int k = 0; k < K_SIMHL_NKINDS; k++)
		KT_EQ_INT(per[k], 5);
	/* Only the kinds asked for. */
	p.kinds = 1u << K_SIMHL_ORACLE;
	n = k_simhl_schedule(&p, v, 64);
	for (size_t i = 0; i < n; i++)
		KT_EQ_INT(v[i].kind, K_SIMHL_ORACLE);
	p.incidents = 0;
	KT_EQ_INT(k_simhl_schedule(&p, v, 64), 0);
}

/* Every kind once, and where its label says it is. */
static void
test_incidents(void)
{
	struct k_simhl_params p;
	struct k_simhl_incident inc[4];
	struct k_error e;
	struct sink k = { .keep = 1 };

	k_simhl_default(&p);
	p.days = 6;
	p.incidents = 4;
	p.warmup_days = 1;
	p.coins = "BTC,SOL";
	p.seed = 11;
	size_t ni = k_simhl_schedule(&p, inc, 4);
	KT_EQ_INT(ni, 4);
	KT_EQ_INT(k_simhl_run(&p, collect, &k, NULL, &e), K_OK);

	int64_t last = INT64_MIN;
	double dev_in = 0, dev_out = 0, casc_liq = 0, wash_vol = 0;
	double vol_sum = 0, vol_n = 0, av_before = NAN, av_after = NAN;
	for (size_t i = 0; i < k.n; i++) {
		json_t *o = json_loads(k.lines[i], 0, NULL);
		struct k_hlfeat_rec r;
		KT_CHECK(o != NULL);
		KT_EQ_INT(k_hlfeat_parse(o, &r, &e), K_OK);
		if (i < ni) {
			KT_EQ_INT(r.kind, K_HLFEAT_LABEL);
			KT_EQ_INT(r.ts, inc[i].start);
			KT_EQ_INT(r.ts_end, inc[i].end);
			KT_EQ_STR(r.incident, k_simhl_kind_names[inc[i].kind]);
			json_decref(o);
			continue;
		}
		KT_CHECK(r.kind != K_HLFEAT_LABEL);
		KT_CHECK(r.ts >= last);   /* time order */
		last = r.ts;
		for (size_t j = 0; j < ni; j++) {
			const struct k_simhl_incident *x = &inc[j];
			int in = r.ts >= x->start && r.ts < x->end;
			if (x->kind == K_SIMHL_ORACLE &&
			    r.kind == K_HLFEAT_PRICE &&
			    r.venue == K_HLFEAT_VENUE_HL &&
			    strcmp(r.coin, x->coin) == 0) {
				double d = fabs(r.mark / r.oracle - 1) * 100;
				if (in)
					dev_in = fmax(dev_in, d);
			}
			if (x->kind == K_SIMHL_CASCADE &&
			    r.kind == K_HLFEAT_LIQ && in &&
			    strcmp(r.coin, x->coin) == 0)
				casc_liq++;
			if (x->kind == K_SIMHL_WASH &&
			    r.kind == K_HLFEAT_CANDLE &&
			    strcmp(r.coin, x->coin) == 0) {
				double usd = r.volume * r.close;
				if (in)
					wash_vol = fmax(wash_vol, usd);
				else {
					vol_sum += log(usd);
					vol_n++;
				}
			}
			if (x->kind == K_SIMHL_DRAWDOWN &&
			    r.kind == K_HLFEAT_HLP) {
				if (r.ts <= x->start)
					av_before = r.pnl;
				if (r.ts <= x->end)
					av_after = r.pnl;
			}
		}
		if (r.kind == K_HLFEAT_PRICE && r.venue == K_HLFEAT_VENUE_HL) {
			int inside = 0;
			for (size_t j = 0; j < ni; j++)
				inside |= inc[j].kind == K_SIMHL_ORACLE &&
				          r.ts >= inc[j].start && r.ts < inc[j].end;
			if (!inside)
				dev_out = fmax(dev_out, fabs(r.mark / r.oracle - 1) *
				                        100);
		}
		json_decref(o);
	}
	for (size_t j = 0; j < ni; j++) {
		const struct k_simhl_incident *x = &inc[j];
		if (x->kind == K_SIMHL_ORACLE)
			KT_NEAR(dev_in, x->magnitude, 0.15 * x->magnitude);
		if (x->kind == K_SIMHL_CASCADE)
			KT_CHECK(casc_liq >= 5);
		if (x->kind == K_SIMHL_WASH)
			KT_CHECK(wash_vol > 3 * exp(vol_sum / vol_n));
		if (x->kind == K_SIMHL_DRAWDOWN)
			KT_CHECK(av_after - av_before <
			         -0.8 * x->magnitude / 100 * 100e6);
	}
	KT_CHECK(dev_out < 0.3);
	sink_free(&k);
}

int
main(void)
{
	test_check();
	test_deterministic();
	test_schedule();
	test_incidents();
	KT_DONE();
}
