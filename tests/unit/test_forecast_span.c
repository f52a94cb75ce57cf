/*
 * test_forecast_span.c - the rule that keeps far-off times off the hourly
 * grid: the bound from the median step, the start around the median (or
 * the model's last hour), and that a series without a long gap loses no
 * row in any order.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/k_rng.h"
#include "model/k_forecast_span.h"
#include "ktest.h"

#define H  INT64_C(3600000)
#define D  (24 * H)
#define T0 INT64_C(1740787200000)   /* 2025-03-01T00:00:00Z */

/* Feed ts[0..n) as the reader does: the first HOLD together, then each. */
static size_t
run(const int64_t *ts, size_t n, int64_t anchor, unsigned char *keep,
    struct k_forecast_span *sp)
{
	size_t hold = n < K_FORECAST_SPAN_HOLD ? n : K_FORECAST_SPAN_HOLD;
	size_t kept = k_forecast_span_start(sp, ts, hold, anchor, keep);

	for (size_t i = hold; i < n; i++)
		kept += keep[i] = (unsigned char)k_forecast_span_take(sp, ts[i]);
	return kept;
}

static void
test_bound(void)
{
	int64_t ts[40];
	unsigned char keep[40];
	struct k_forecast_span sp;

	/* Hourly: 1000 hours is under a year, so the bound is the year. */
	for (int i = 0; i < 40; i++)
		ts[i] = T0 + i * H + 59 * 60000;   /* minute 59: same hours */
	KT_EQ_INT(run(ts, 40, INT64_MIN, keep, &sp), 40);
	KT_EQ_INT(sp.gap, K_FORECAST_SPAN_MIN_GAP_MS);
	KT_EQ_INT(sp.lo, T0);
	KT_EQ_INT(sp.hi, T0 + 39 * H);
	/* Daily: 1000 days. Repeated hours are not steps. */
	for (int i = 0; i < 40; i++)
		ts[i] = T0 + (i / 2) * D;
	run(ts, 40, INT64_MIN, keep, &sp);
	KT_EQ_INT(sp.gap, 1000 * D);
	/* One row: no step, so an hour's 1000 and the year wins. */
	run(ts, 1, INT64_MIN, keep, &sp);
	KT_EQ_INT(sp.gap, K_FORECAST_SPAN_MIN_GAP_MS);
	/* The median of the steps 1 h x 3 and 5 h x 2 is 1 h. */
	int64_t st[6] = { T0, T0 + H, T0 + 2 * H, T0 + 3 * H, T0 + 8 * H,
	                  T0 + 13 * H };
	run(st, 6, INT64_MIN, keep, &sp);
	KT_EQ_INT(sp.gap, K_FORECAST_SPAN_MIN_GAP_MS);
}

static void
test_outliers(void)
{
	int64_t ts[200];
	unsigned char keep[200];
	struct k_forecast_span sp;
	const int64_t y3000 = INT64_C(32503680000000);
	const int64_t y0000 = INT64_C(-62167219200000);

	for (int i = 0; i < 200; i++)
		ts[i] = T0 + i * H;
	ts[0] = y3000;        /* held: judged against the median */
	ts[10] = y0000;
	ts[150] = y3000;      /* after the start: judged against the span */
	ts[199] = 0;          /* seconds read as milliseconds: 1970 */
	KT_EQ_INT(run(ts, 200, INT64_MIN, keep, &sp), 196);
	KT_EQ_INT(keep[0], 0);
	KT_EQ_INT(keep[10], 0);
	KT_EQ_INT(keep[150], 0);
	KT_EQ_INT(keep[199], 0);
	KT_EQ_INT(keep[1], 1);
	KT_EQ_INT(sp.lo, T0 + H);
	KT_EQ_INT(sp.hi, T0 + 198 * H);

	char why[200];
	k_forecast_span_why(&sp, y3000, why, sizeof why);
	/* By hand: 32503680000000 / 3600000 = 9028800 and T0 / 3600000 =
	 * 483552, so the distance to the last hour is 9028800 - 483552 - 198
	 * = 8545050 hours. */
	KT_EQ_STR(why, "ts 3000-01-01T00:00:00Z is 8545050 hours from the "
	          "rest of the series (the bound is 8760 hours)");
}

static void
test_gaps_and_order(void)
{
	enum { N = 2000 };
	int64_t *ts = malloc(N * sizeof *ts);
	unsigned char *keep = malloc(N);
	struct k_forecast_span sp;
	struct k_rng rng;

	/* Hourly rows with a 300-day hole in the middle: under the bound. */
	for (int i = 0; i < N; i++)
		ts[i] = T0 + i * H + (i >= N / 2 ? 300 * D : 0);
	KT_EQ_INT(run(ts, N, INT64_MIN, keep, &sp), N);
	/* Any order of the same rows keeps them all. */
	k_rng_seed(&rng, 11, 0);
	for (int r = 0; r < 20; r++) {
		for (int i = N - 1; i > 0; i--) {
			int j = (int)k_rng_below(&rng, (uint64_t)i + 1);
			int64_t t = ts[i];
			ts[i] = ts[j];
			ts[j] = t;
		}
		KT_EQ_INT(run(ts, N, INT64_MIN, keep, &sp), N);
	}
	/* A 400-day hole is over it: the rows after the hole go. */
	for (int i = 0; i < N; i++)
		ts[i] = T0 + i * H + (i >= N / 2 ? 400 * D : 0);
	KT_EQ_INT(run(ts, N, INT64_MIN, keep, &sp), N / 2);
	KT_EQ_INT(keep[N / 2 - 1], 1);
	KT_EQ_INT(keep[N / 2], 0);
	free(ts);
	free(keep);
}

static void
test_anchor(void)
{
	int64_t ts[5];
	unsigned char keep[5];
	struct k_forecast_span sp;
	const int64_t last = T0 + 599 * H;

	/* An update of two rows at year 3000 and three after the model's last
	 * hour: the model's end decides, not the majority of two. */
	ts[0] = INT64_C(32503680000000);
	ts[1] = ts[0] + H;
	ts[2] = last + H;
	ts[3] = last + 2 * H;
	ts[4] = last + 3 * H;
	KT_EQ_INT(run(ts, 5, last, keep, &sp), 3);
	KT_EQ_INT(keep[0], 0);
	KT_EQ_INT(keep[1], 0);
	KT_EQ_INT(sp.lo, last);
	KT_EQ_INT(sp.hi, last + 3 * H);
	/* No rows but the anchor: a span of the anchor alone. */
	KT_EQ_INT(k_forecast_span_start(&sp, ts, 0, last, keep), 0);
	KT_EQ_INT(sp.lo, last);
	KT_EQ_INT(k_forecast_span_take(&sp, last - 24 * H), 1);
	KT_EQ_INT(sp.lo, last - 24 * H);
}

int
main(void)
{
	test_bound();
	test_outliers();
	test_gaps_and_order();
	test_anchor();
	KT_DONE();
}
