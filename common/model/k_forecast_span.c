/*
 * k_forecast_span.c - the rule of k_forecast_span.h.
 */
#include "model/k_forecast_span.h"

#include <inttypes.h>
#include <stdio.h>

#include "base/k_time.h"
#include "model/k_forecast.h"

/* Sort the n hours h[] ascending (n is small: the held rows). */
static void
sort_hours(int64_t *h, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int64_t v = h[i];
		size_t j = i;
		for (; j > 0 && h[j - 1] > v; j--)
			h[j] = h[j - 1];
		h[j] = v;
	}
}

/* G from the sorted hours: the larger of the floor and STEPS times the
 * median step between distinct hours (one hour when there is no step). */
static int64_t
gap_bound(const int64_t *h, size_t n)
{
	int64_t step[K_FORECAST_SPAN_HOLD + 1];
	size_t ns = 0;

	for (size_t i = 1; i < n; i++)
		if (h[i] != h[i - 1])
			step[ns++] = h[i] - h[i - 1];
	sort_hours(step, ns);
	int64_t med = ns > 0 ? step[(ns - 1) / 2] : K_FORECAST_STEP_MS;
	int64_t g = med * K_FORECAST_SPAN_STEPS;
	return g > K_FORECAST_SPAN_MIN_GAP_MS ? g : K_FORECAST_SPAN_MIN_GAP_MS;
}

size_t
k_forecast_span_start(struct k_forecast_span *sp, const int64_t *ts,
                      size_t n, int64_t anchor, unsigned char *keep)
{
	int64_t h[K_FORECAST_SPAN_HOLD + 1];
	size_t m = 0, kept = 0;

	for (size_t i = 0; i < n && i < K_FORECAST_SPAN_HOLD; i++)
		h[m++] = k_forecast_hour(ts[i]);
	if (anchor != INT64_MIN)
		h[m++] = k_forecast_hour(anchor);
	if (m == 0)
		return 0;
	sort_hours(h, m);
	sp->gap = gap_bound(h, m);
	int64_t centre = anchor != INT64_MIN ? k_forecast_hour(anchor)
	                 : h[(m - 1) / 2];
	size_t c = 0;
	while (h[c] != centre)
		c++;
	size_t lo = c, hi = c;
	while (lo > 0 && h[lo] - h[lo - 1] <= sp->gap)
		lo--;
	while (hi + 1 < m && h[hi + 1] - h[hi] <= sp->gap)
		hi++;
	sp->lo = h[lo];
	sp->hi = h[hi];
	for (size_t i = 0; i < n; i++) {
		int64_t t = k_forecast_hour(ts[i]);
		keep[i] = t >= sp->lo && t <= sp->hi;
		kept += keep[i];
	}
	return kept;
}

int
k_forecast_span_take(struct k_forecast_span *sp, int64_t ts)
{
	int64_t t = k_forecast_hour(ts);

	if (t < sp->lo - sp->gap || t > sp->hi + sp->gap)
		return 0;
	if (t < sp->lo)
		sp->lo = t;
	if (t > sp->hi)
		sp->hi = t;
	return 1;
}

void
k_forecast_span_why(const struct k_forecast_span *sp, int64_t ts,
                    char *why, size_t cap)
{
	int64_t t = k_forecast_hour(ts);
	int64_t d = t < sp->lo ? sp->lo - t : t - sp->hi;
	char when[40];

	k_time_format(ts, when, sizeof when);
	snprintf(why, cap, "ts %s is %" PRId64 " hours from the rest of the "
	         "series (the bound is %" PRId64 " hours)", when,
	         d / K_FORECAST_STEP_MS, sp->gap / K_FORECAST_STEP_MS);
}
