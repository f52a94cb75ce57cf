/*
 * k_timewin.c - the sliced windows of k_timewin.h. Totals are summed over
 * the slices at query time instead of being kept running, so a long
 * backfill accumulates no rounding drift from subtracting expired values.
 */
#include "numeric/k_timewin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static size_t
mod_index(int64_t idx, size_t n)
{
	int64_t r = idx % (int64_t)n;

	return (size_t)(r < 0 ? r + (int64_t)n : r);
}

struct k_timewin_params
k_timewin_params_default(void)
{
	struct k_timewin_params p = { .span_ms = 3600000, .slots = 60,
	                           .above = INFINITY };
	return p;
}

const char *
k_timewin_params_check(const struct k_timewin_params *p)
{
	if (p->span_ms <= 0)
		return "window span must be positive";
	if (p->slots < 1 || p->slots > 1000000)
		return "window slots must be from 1 to 1000000";
	if (p->span_ms % (int64_t)p->slots != 0)
		return "window span must be a whole number of ms per slot";
	if (isnan(p->above))
		return "window level must be a number";
	return NULL;
}

static void
slot_reset(struct k_timewin_slot *s, int64_t idx)
{
	s->idx = idx;
	s->n = s->sum = s->sumsq = s->nabove = 0;
	s->min = INFINITY;
	s->max = -INFINITY;
}

enum k_status
k_timewin_init(struct k_timewin *w, const struct k_timewin_params *p,
            struct k_error *err)
{
	const char *why = k_timewin_params_check(p);

	memset(w, 0, sizeof *w);
	if (why != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	w->span_ms = p->span_ms;
	w->nslots = p->slots;
	w->slot_ms = p->span_ms / (int64_t)p->slots;
	w->above = p->above;
	w->ring = malloc(w->nslots * sizeof *w->ring);
	if (w->ring == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	k_timewin_clear(w);
	return K_OK;
}

void
k_timewin_release(struct k_timewin *w)
{
	free(w->ring);
	memset(w, 0, sizeof *w);
}

void
k_timewin_clear(struct k_timewin *w)
{
	for (size_t i = 0; i < w->nslots; i++)
		slot_reset(&w->ring[i], INT64_MIN);
	w->head = INT64_MIN;
	w->shifted = 0;
	w->shift = 0;
}

int
k_timewin_add(struct k_timewin *w, int64_t ts, double v)
{
	if (!isfinite(v))
		return 0;
	int64_t idx = floor_div(ts, w->slot_ms);
	if (w->head != INT64_MIN && idx <= w->head - (int64_t)w->nslots)
		return 0;
	struct k_timewin_slot *s = &w->ring[mod_index(idx, w->nslots)];
	if (s->idx != idx)
		slot_reset(s, idx);
	if (!w->shifted) {
		w->shift = v;
		w->shifted = 1;
	}
	double x = v - w->shift;
	s->n += 1;
	s->sum += x;
	s->sumsq += x * x;
	if (v < s->min)
		s->min = v;
	if (v > s->max)
		s->max = v;
	if (v > w->above)
		s->nabove += 1;
	if (w->head == INT64_MIN || idx > w->head)
		w->head = idx;
	return 1;
}

void
k_timewin_stats(const struct k_timewin *w, int64_t now, struct k_timewin_stats *st)
{
	int64_t s = floor_div(now, w->slot_ms);
	int64_t lo = s - (int64_t)w->nslots + 1;
	double n = 0, sum = 0, sumsq = 0, nab = 0;
	double mn = INFINITY, mx = -INFINITY;

	for (size_t i = 0; i < w->nslots; i++) {
		const struct k_timewin_slot *sl = &w->ring[i];
		if (sl->idx == INT64_MIN || sl->idx < lo || sl->idx > s ||
		    sl->n == 0)
			continue;
		n += sl->n;
		sum += sl->sum;
		sumsq += sl->sumsq;
		nab += sl->nabove;
		if (sl->min < mn)
			mn = sl->min;
		if (sl->max > mx)
			mx = sl->max;
	}
	st->n = n;
	st->nabove = nab;
	st->sum = n > 0 ? sum + n * w->shift : 0;
	st->mean = n > 0 ? w->shift + sum / n : NAN;
	st->min = n > 0 ? mn : NAN;
	st->max = n > 0 ? mx : NAN;
	if (n >= 2) {
		double var = (sumsq - sum * sum / n) / (n - 1);
		st->sd = var > 0 ? sqrt(var) : 0;
	} else {
		st->sd = NAN;
	}
}
