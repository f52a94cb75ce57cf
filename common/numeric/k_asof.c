/*
 * k_asof.c - the as-of series of k_asof.h: a ring of points, searched by
 * time.
 */
#include "numeric/k_asof.h"

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

enum k_status
k_asof_init(struct k_asof *s, int64_t span_ms, int64_t res_ms,
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
		k_asof_release(s);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

void
k_asof_release(struct k_asof *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof *s);
}

void
k_asof_clear(struct k_asof *s)
{
	s->n = 0;
	s->first = 0;
}

static size_t
pos(const struct k_asof *s, size_t i)
{
	return (s->first + i) % s->cap;
}

int
k_asof_push(struct k_asof *s, int64_t ts, double v)
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
k_asof_asof(const struct k_asof *s, int64_t t, int64_t max_age,
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
k_asof_len(const struct k_asof *s)
{
	return s->n;
}

void
k_asof_at(const struct k_asof *s, size_t i, int64_t *t, double *v)
{
	size_t at = pos(s, i);

	*t = s->t[at];
	*v = s->v[at];
}
