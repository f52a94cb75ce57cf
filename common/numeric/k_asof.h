/*
 * k_asof.h - an as-of series with bounded memory: the value at or before a
 * time, thinned to one point per slot, with the history a window needs
 * kept behind the newest point. Used where a feature reads the state of a
 * source at a time (the vault's account value at the window's start).
 */
#ifndef K_ASOF_H
#define K_ASOF_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

struct k_asof {
	int64_t span_ms;   /* history kept behind the newest point */
	int64_t res_ms;    /* at most one point (the newest) per res_ms */
	size_t cap, n, first;
	int64_t *t;
	double *v;
};

/* span_ms > 0, 0 < res_ms <= span_ms. Memory: span/res + 3 points. */
enum k_status k_asof_init(struct k_asof *s, int64_t span_ms,
                             int64_t res_ms, struct k_error *err);
void k_asof_release(struct k_asof *s);
void k_asof_clear(struct k_asof *s);

/*
 * Append (ts, v). A point in the same res_ms slice as the newest replaces
 * it; a point older than the newest is refused (returns 0; 1 when kept).
 * Points more than span_ms behind the newest are dropped, except the one
 * that as-of lookups at newest - span_ms need.
 */
int k_asof_push(struct k_asof *s, int64_t ts, double v);

/*
 * The newest point with time <= t and no older than t - max_age (max_age
 * < 0: any age). Returns 1 with *v (and *tv if not NULL) set, else 0.
 */
int k_asof_asof(const struct k_asof *s, int64_t t, int64_t max_age,
                   double *v, int64_t *tv);

/* Number of points, and point i (0 = oldest). */
size_t k_asof_len(const struct k_asof *s);
void k_asof_at(const struct k_asof *s, size_t i, int64_t *t, double *v);

#endif
