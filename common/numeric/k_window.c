/*
 * k_window.c - the sliced windows and as-of series of k_window.h. Totals
 * are summed over the slices at query time instead of being kept running,
 * so a long backfill accumulates no rounding drift from subtracting
 * expired values.
 */
#include "numeric/k_window.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
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

struct k_twin_params
k_twin_params_default(void)
{
	struct k_twin_params p = { .span_ms = 3600000, .slots = 60,
	                           .above = INFINITY };
	return p;
}

const char *
k_twin_params_check(const struct k_twin_params *p)
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
slot_reset(struct k_twin_slot *s, int64_t idx)
{
	s->idx = idx;
	s->n = s->sum = s->sumsq = s->nabove = 0;
	s->min = INFINITY;
	s->max = -INFINITY;
}

enum k_status
k_twin_init(struct k_twin *w, const struct k_twin_params *p,
            struct k_error *err)
{
	const char *why = k_twin_params_check(p);

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
	k_twin_clear(w);
	return K_OK;
}

void
k_twin_release(struct k_twin *w)
{
	free(w->ring);
	memset(w, 0, sizeof *w);
}

void
k_twin_clear(struct k_twin *w)
{
	for (size_t i = 0; i < w->nslots; i++)
		slot_reset(&w->ring[i], INT64_MIN);
	w->head = INT64_MIN;
	w->shifted = 0;
	w->shift = 0;
}

int
k_twin_add(struct k_twin *w, int64_t ts, double v)
{
	if (!isfinite(v))
		return 0;
	int64_t idx = floor_div(ts, w->slot_ms);
	if (w->head != INT64_MIN && idx <= w->head - (int64_t)w->nslots)
		return 0;
	struct k_twin_slot *s = &w->ring[mod_index(idx, w->nslots)];
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
k_twin_stats(const struct k_twin *w, int64_t now, struct k_twin_stats *st)
{
	int64_t s = floor_div(now, w->slot_ms);
	int64_t lo = s - (int64_t)w->nslots + 1;
	double n = 0, sum = 0, sumsq = 0, nab = 0;
	double mn = INFINITY, mx = -INFINITY;

	for (size_t i = 0; i < w->nslots; i++) {
		const struct k_twin_slot *sl = &w->ring[i];
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

/* ---- as-of series ---- */

enum k_status
k_tseries_init(struct k_tseries *s, int64_t span_ms, int64_t res_ms,
               struct k_error *err)
{
	memset(s, 0, sizeof *s);
	if (span_ms <= 0 || res_ms <= 0 || res_ms > span_ms)
		return k_error_set(err, K_EUSAGE, "series span and resolution "
		                   "must be positive, resolution <= span");
	s->span_ms = span_ms;
	s->res_ms = res_ms;
	s->cap = (size_t)(span_ms / res_ms) + 3;
	s->t = malloc(s->cap * sizeof *s->t);
	s->v = malloc(s->cap * sizeof *s->v);
	if (s->t == NULL || s->v == NULL) {
		k_tseries_release(s);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

void
k_tseries_release(struct k_tseries *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof *s);
}

void
k_tseries_clear(struct k_tseries *s)
{
	s->n = 0;
	s->first = 0;
}

static size_t
pos(const struct k_tseries *s, size_t i)
{
	return (s->first + i) % s->cap;
}

int
k_tseries_push(struct k_tseries *s, int64_t ts, double v)
{
	if (s->n > 0) {
		size_t last = pos(s, s->n - 1);
		int64_t lt = s->t[last];
		if (ts < lt)
			return 0;
		if (floor_div(ts, s->res_ms) == floor_div(lt, s->res_ms)) {
			s->t[last] = ts;
			s->v[last] = v;
			return 1;
		}
	}
	if (s->n == s->cap) {
		s->first = (s->first + 1) % s->cap;
		s->n--;
	}
	size_t at = pos(s, s->n);
	s->t[at] = ts;
	s->v[at] = v;
	s->n++;
	/* Keep one point at or before ts - span for as-of lookups there. */
	while (s->n >= 2 && s->t[pos(s, 1)] <= ts - s->span_ms) {
		s->first = (s->first + 1) % s->cap;
		s->n--;
	}
	return 1;
}

int
k_tseries_asof(const struct k_tseries *s, int64_t t, int64_t max_age,
               double *v, int64_t *tv)
{
	size_t lo = 0, hi = s->n;

	/* First index with time > t. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->t[pos(s, mid)] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	size_t at = pos(s, lo - 1);
	if (max_age >= 0 && t - s->t[at] > max_age)
		return 0;
	*v = s->v[at];
	if (tv != NULL)
		*tv = s->t[at];
	return 1;
}

size_t
k_tseries_len(const struct k_tseries *s)
{
	return s->n;
}

void
k_tseries_at(const struct k_tseries *s, size_t i, int64_t *t, double *v)
{
	size_t at = pos(s, i);

	*t = s->t[at];
	*v = s->v[at];
}

/* ---- durations ---- */

int
k_window_span_parse(const char *s, int64_t *ms)
{
	char *end;
	int64_t unit;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno != 0 || n == 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else if (strcmp(end, "d") == 0)
		unit = 86400000;
	else if (strcmp(end, "w") == 0)
		unit = 7 * 86400000LL;
	else
		return -1;
	const unsigned long long max = 10ULL * 366 * 86400000ULL;
	if (n > max / (unsigned long long)unit)
		return -1;
	*ms = (int64_t)n * unit;
	return 0;
}

char *
k_window_span_format(int64_t ms, char *buf, size_t cap)
{
	static const struct { int64_t unit; const char *name; } u[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" },
		{ 1000, "s" }, { 1, "ms" },
	};
	for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
		if (ms != 0 && ms % u[i].unit == 0) {
			snprintf(buf, cap, "%" PRId64 "%s", ms / u[i].unit,
			         u[i].name);
			return buf;
		}
	}
	snprintf(buf, cap, "%" PRId64 "ms", ms);
	return buf;
}
