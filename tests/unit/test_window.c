/*
 * test_window.c - the sliced windows of k_timewin and the as-of series of
 * k_asof against brute-force sums over the same values, out-of-order and
 * expired input, and k_time's duration parser.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/k_rng.h"
#include "base/k_time.h"
#include "numeric/k_asof.h"
#include "numeric/k_timewin.h"
#include "ktest.h"

#define MIN 60000

static void
test_twin_brute(void)
{
	struct k_timewin w;
	struct k_timewin_params p = { 60 * MIN, 60, 2.385 };
	struct k_rng rng;
	struct k_error e;
	enum { N = 5000 };
	static int64_t ts[N];
	static double v[N];

	KT_EQ_INT(k_timewin_init(&w, &p, &e), K_OK);
	k_rng_seed(&rng, 2385, 0);
	int64_t t = 1741996800000; /* 2025-03-15T00:00:00Z */
	for (int i = 0; i < N; i++) {
		t += (int64_t)k_rng_below(&rng, 90000);
		ts[i] = t;
		v[i] = 1e8 + 1e6 * k_rng_normal(&rng);
		k_timewin_add(&w, ts[i], v[i]);
		if (i % 97 != 0)
			continue;
		/* Brute force over the slices the window covers. */
		int64_t s = t / MIN, lo = (s - 59) * MIN, hi = (s + 1) * MIN;
		double n = 0, sum = 0, mx = -INFINITY, mn = INFINITY, ab = 0;
		for (int j = 0; j <= i; j++) {
			if (ts[j] < lo || ts[j] >= hi)
				continue;
			n++;
			sum += v[j];
			mx = fmax(mx, v[j]);
			mn = fmin(mn, v[j]);
			ab += v[j] > 2.385;
		}
		double mean = sum / n, ss = 0;
		for (int j = 0; j <= i; j++)
			if (ts[j] >= lo && ts[j] < hi)
				ss += (v[j] - mean) * (v[j] - mean);
		struct k_timewin_stats st;
		k_timewin_stats(&w, t, &st);
		KT_EQ_INT(st.n, n);
		KT_RNEAR(st.sum, sum, 1e-12);
		KT_RNEAR(st.mean, mean, 1e-12);
		KT_NEAR(st.max, mx, 0);
		KT_NEAR(st.min, mn, 0);
		KT_EQ_INT(st.nabove, ab);
		if (n >= 2)
			KT_RNEAR(st.sd, sqrt(ss / (n - 1)), 1e-6);
	}
	k_timewin_release(&w);
}

static void
test_twin_edges(void)
{
	struct k_timewin w;
	struct k_timewin_params p = k_timewin_params_default();
	struct k_timewin_stats st;
	struct k_error e;

	/* Bad parameters are refused with a reason. */
	p.span_ms = 1000;
	p.slots = 3;
	KT_CHECK(k_timewin_params_check(&p) != NULL);
	KT_EQ_INT(k_timewin_init(&w, &p, &e), K_EUSAGE);
	p = k_timewin_params_default();
	p.slots = 0;
	KT_CHECK(k_timewin_params_check(&p) != NULL);
	p = k_timewin_params_default();
	p.span_ms = 0;
	KT_CHECK(k_timewin_params_check(&p) != NULL);

	p = k_timewin_params_default();          /* 1 h, 60 slots */
	KT_EQ_INT(k_timewin_init(&w, &p, &e), K_OK);
	k_timewin_stats(&w, 0, &st);
	KT_EQ_INT(st.n, 0);
	KT_CHECK(isnan(st.mean) && isnan(st.sd) && isnan(st.max));
	KT_EQ_INT(k_timewin_add(&w, 10 * MIN, 2.5), 1);
	KT_EQ_INT(k_timewin_add(&w, 10 * MIN, NAN), 0);       /* ignored */
	KT_EQ_INT(k_timewin_add(&w, 5 * MIN, 1.5), 1);        /* out of order */
	k_timewin_stats(&w, 10 * MIN, &st);
	KT_EQ_INT(st.n, 2);
	KT_NEAR(st.mean, 2.0, 1e-15);
	KT_NEAR(st.sd, sqrt(0.5), 1e-15);
	KT_EQ_INT(k_timewin_add(&w, 80 * MIN, 7.25), 1);
	/* 5 min is now more than an hour behind the newest slice. */
	KT_EQ_INT(k_timewin_add(&w, 5 * MIN, 1.0), 0);
	k_timewin_stats(&w, 80 * MIN, &st);
	KT_EQ_INT(st.n, 1);
	KT_NEAR(st.sum, 7.25, 0);
	/* The edge: [now - 59 slices, now + 1 slice). */
	k_timewin_stats(&w, 69 * MIN + 59999, &st);
	KT_EQ_INT(st.n, 1);                   /* 10 min in, 80 min later */
	k_timewin_stats(&w, 70 * MIN, &st);
	KT_EQ_INT(st.n, 0);                   /* 10 min has expired */
	k_timewin_clear(&w);
	k_timewin_stats(&w, 80 * MIN, &st);
	KT_EQ_INT(st.n, 0);
	k_timewin_release(&w);
}

static void
test_tseries(void)
{
	struct k_asof s;
	struct k_error e;
	double v;
	int64_t tv;

	KT_EQ_INT(k_asof_init(&s, 0, 1, &e), K_EUSAGE);
	KT_EQ_INT(k_asof_init(&s, 10, 20, &e), K_EUSAGE);
	KT_EQ_INT(k_asof_init(&s, 60 * MIN, MIN, &e), K_OK);
	KT_EQ_INT(k_asof_asof(&s, 0, -1, &v, NULL), 0);
	KT_EQ_INT(k_asof_push(&s, 10 * MIN, 1.0), 1);
	KT_EQ_INT(k_asof_push(&s, 10 * MIN + 30000, 2.0), 1); /* replaces */
	KT_EQ_INT(k_asof_len(&s), 1);
	KT_EQ_INT(k_asof_push(&s, 9 * MIN, 3.0), 0);          /* older */
	KT_EQ_INT(k_asof_push(&s, 20 * MIN, 4.0), 1);
	KT_EQ_INT(k_asof_asof(&s, 15 * MIN, -1, &v, &tv), 1);
	KT_NEAR(v, 2.0, 0);
	KT_EQ_INT(tv, 10 * MIN + 30000);
	KT_EQ_INT(k_asof_asof(&s, 15 * MIN, 60000, &v, NULL), 0); /* stale */
	KT_EQ_INT(k_asof_asof(&s, 10 * MIN, -1, &v, NULL), 0);    /* before */
	KT_EQ_INT(k_asof_asof(&s, 20 * MIN, 0, &v, NULL), 1);
	KT_NEAR(v, 4.0, 0);
	/* Old points go, but the one at newest - span stays for lookups. */
	for (int i = 21; i <= 200; i++)
		k_asof_push(&s, i * MIN, i);
	KT_CHECK(k_asof_len(&s) <= 60 + 3);
	KT_EQ_INT(k_asof_asof(&s, 140 * MIN, -1, &v, NULL), 1);
	KT_NEAR(v, 140, 0);
	KT_EQ_INT(k_asof_asof(&s, 139 * MIN + 1, -1, &v, NULL), 0);
	int64_t t0;
	k_asof_at(&s, 0, &t0, &v);
	KT_EQ_INT(t0, 140 * MIN);
	k_asof_clear(&s);
	KT_EQ_INT(k_asof_len(&s), 0);
	k_asof_release(&s);
}

static void
test_span(void)
{
	int64_t ms;
	char buf[32];

	KT_EQ_INT(k_time_span_parse("1h", &ms), 0);
	KT_EQ_INT(ms, 3600000);
	KT_EQ_INT(k_time_span_parse("90", &ms), 0);
	KT_EQ_INT(ms, 90000);
	KT_EQ_INT(k_time_span_parse("250ms", &ms), 0);
	KT_EQ_INT(ms, 250);
	KT_EQ_INT(k_time_span_parse("5m", &ms), 0);
	KT_EQ_INT(ms, 300000);
	KT_EQ_INT(k_time_span_parse("7d", &ms), 0);
	KT_EQ_INT(k_time_span_parse("2w", &ms), 0);
	KT_EQ_INT(ms, 14 * 86400000LL);
	KT_EQ_INT(k_time_span_parse("0", &ms), -1);
	KT_EQ_INT(k_time_span_parse("-1h", &ms), -1);
	KT_EQ_INT(k_time_span_parse("1M", &ms), -1);
	KT_EQ_INT(k_time_span_parse("1 h", &ms), -1);
	KT_EQ_INT(k_time_span_parse("", &ms), -1);
	KT_EQ_INT(k_time_span_parse("99999999999d", &ms), -1);
	KT_EQ_STR(k_time_span_format(3600000, buf, sizeof buf), "1h");
	KT_EQ_STR(k_time_span_format(90000, buf, sizeof buf), "90s");
	KT_EQ_STR(k_time_span_format(86400000, buf, sizeof buf), "1d");
	KT_EQ_STR(k_time_span_format(1500, buf, sizeof buf), "1500ms");
}

int
main(void)
{
	test_twin_brute();
	test_twin_edges();
	test_tseries();
	test_span();
	KT_DONE();
}
