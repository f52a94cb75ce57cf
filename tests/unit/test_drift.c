/*
 * test_drift.c - PSI against a quantile sketch: data drawn like the
 * training data is stable, a shift of one standard deviation is major,
 * tied quantiles (a 0/1 feature) are merged into honest bins, and a
 * feature that stops arriving is a major shift through the missing bin.
 */
#include <math.h>

#include "base/k_rng.h"
#include "numeric/k_drift.h"
#include "numeric/k_stats.h"
#include "ktest.h"

static double sample[20000];

static void
sketch(double *q, double shift, struct k_rng *r)
{
	for (int i = 0; i < 20000; i++)
		sample[i] = k_rng_normal(r) + shift;
	k_sort_doubles(sample, 20000);
	for (int k = 0; k <= 20; k++)
		q[k] = k_quantile_sorted(sample, 20000, k / 20.0);
}

int
main(void)
{
	struct k_rng r;
	struct k_drift dr;
	double q[21];

	k_rng_seed(&r, 2385, 0);
	sketch(q, 0, &r);
	k_drift_init(&dr, q, 0);
	KT_EQ_INT(dr.nbins, 20);
	KT_NEAR(dr.expect[0], 0.05, 1e-12);
	KT_NEAR(dr.expect[19], 0.05, 1e-12);
	KT_NEAR(k_drift_psi(&dr), 0, 0);
	for (int i = 0; i < 20000; i++)
		k_drift_add(&dr, k_rng_normal(&r));
	KT_CHECK(k_drift_psi(&dr) < 0.01);
	KT_EQ_STR(k_drift_verdict(k_drift_psi(&dr)), "stable");

	k_drift_init(&dr, q, 0);
	for (int i = 0; i < 20000; i++)
		k_drift_add(&dr, k_rng_normal(&r) + 1);
	KT_CHECK(k_drift_psi(&dr) > 0.25);
	KT_EQ_STR(k_drift_verdict(k_drift_psi(&dr)), "major");
	KT_EQ_STR(k_drift_verdict(0.15), "moderate");

	/* 70% zeros, 30% ones: quantiles 0..0.70 are 0, 0.75..1 are 1. */
	for (int k = 0; k <= 20; k++)
		q[k] = k <= 14 ? 0 : 1;
	k_drift_init(&dr, q, 0);
	KT_EQ_INT(dr.nbins, 3);
	KT_NEAR(dr.expect[0], 0.70, 1e-12);
	KT_NEAR(dr.expect[1], 0.30, 1e-12);
	KT_NEAR(dr.expect[2], 0, 1e-12);
	for (int i = 0; i < 1000; i++)
		k_drift_add(&dr, i < 700 ? 0 : 1);
	KT_CHECK(k_drift_psi(&dr) < 0.001);
	k_drift_init(&dr, q, 0);
	for (int i = 0; i < 1000; i++)
		k_drift_add(&dr, 1);
	KT_CHECK(k_drift_psi(&dr) > 0.25);

	/* Missing values: 10% in training; the same now is stable, all
	 * missing now is a major shift. */
	sketch(q, 0, &r);
	k_drift_init(&dr, q, 0.10);
	for (int i = 0; i < 20000; i++)
		k_drift_add(&dr, i % 10 == 0 ? NAN : k_rng_normal(&r));
	KT_CHECK(k_drift_psi(&dr) < 0.01);
	k_drift_init(&dr, q, 0.10);
	for (int i = 0; i < 100; i++)
		k_drift_add(&dr, NAN);
	KT_CHECK(k_drift_psi(&dr) > 1);
	KT_EQ_INT(dr.missing, 100);
	KT_DONE();
}
