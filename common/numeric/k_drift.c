/*
 * k_drift.c - PSI against a quantile sketch (see k_drift.h).
 */
#include "numeric/k_drift.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR 1e-4

void
k_drift_init(struct k_drift *dr, const double *q, double missing_share)
{
	memset(dr, 0, sizeof *dr);
	dr->expect_missing = missing_share >= 0 && missing_share <= 1
	                     ? missing_share : 0;
	/* Interior quantiles 5%..95%: level of q[i] is i / 20. Equal edges
	 * merge; an edge's training share to its left is the largest level
	 * that has that value. */
	double cum = 0;
	size_t nb = 0;
	for (int i = 1; i <= 19; i++) {
		if (isnan(q[i]))
			continue;
		double level = i / 20.0;
		if (nb > 0 && dr->edge[nb - 1] == q[i]) {
			dr->expect[nb - 1] += level - cum;
			cum = level;
			continue;
		}
		dr->edge[nb] = q[i];
		dr->expect[nb] = level - cum;
		cum = level;
		nb++;
	}
	/* When the largest value equals the last edge, nothing in training
	 * lay above it. */
	if (nb > 0 && !isnan(q[20]) && q[20] == dr->edge[nb - 1]) {
		dr->expect[nb - 1] += 1 - cum;
		cum = 1;
	}
	dr->expect[nb] = 1 - cum;  /* above the last edge */
	dr->nbins = nb + 1;
}

void
k_drift_add(struct k_drift *dr, double v)
{
	size_t lo = 0, hi = dr->nbins - 1;

	if (isnan(v)) {
		dr->missing++;
		return;
	}
	dr->n++;
	/* The first bin whose upper edge is >= v. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (v <= dr->edge[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	dr->count[lo]++;
}

double
k_drift_psi(const struct k_drift *dr)
{
	double psi = 0;

	size_t total = dr->n + dr->missing;
	if (total == 0)
		return 0;
	for (size_t b = 0; b <= dr->nbins; b++) {
		double a, e;
		if (b == dr->nbins) {
			a = (double)dr->missing / (double)total;
			e = dr->expect_missing;
			if (a == 0 && e == 0)
				continue;
		} else {
			a = (double)dr->count[b] / (double)total;
			e = dr->expect[b] * (1 - dr->expect_missing);
		}
		if (a < FLOOR)
			a = FLOOR;
		if (e < FLOOR)
			e = FLOOR;
		psi += (a - e) * log(a / e);
	}
	return psi;
}

const char *
k_drift_verdict(double psi)
{
	return psi > 0.25 ? "major" : psi >= 0.1 ? "moderate" : "stable";
}

enum k_status
k_drift_set_alloc(struct k_drift_set *s, size_t d, struct k_error *err)
{
	memset(s, 0, sizeof *s);
	s->names = calloc(d ? d : 1, sizeof *s->names);
	s->feat = calloc(d ? d : 1, sizeof *s->feat);
	s->train_missing_pct = calloc(d ? d : 1, sizeof *s->train_missing_pct);
	if (!s->names || !s->feat || !s->train_missing_pct) {
		k_drift_set_release(s);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	s->d = d;
	for (size_t j = 0; j < d; j++)
		s->train_missing_pct[j] = NAN;
	return K_OK;
}

void
k_drift_set_add(struct k_drift_set *s, const double *x)
{
	for (size_t j = 0; j < s->d; j++)
		k_drift_add(&s->feat[j], x[j]);
}

void
k_drift_set_release(struct k_drift_set *s)
{
	if (s->names != NULL)
		for (size_t j = 0; j < s->d; j++)
			free(s->names[j]);
	free(s->names);
	free(s->feat);
	free(s->train_missing_pct);
	memset(s, 0, sizeof *s);
}
