/*
 * test_stats.c - order statistics: the sort agrees with qsort on random
 * arrays full of ties, NANs go last, quantiles interpolate as numpy's
 * percentile does, and the robust centre and scale fall back as
 * documented when the MAD or the IQR is zero.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "numeric/k_stats.h"
#include "ktest.h"

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int
main(void)
{
	struct k_rng r;
	static double a[20000], b[20000];

	k_rng_seed(&r, 2385, 0);
	for (int it = 0; it < 300; it++) {
		size_t n = (size_t)k_rng_below(&r, 20000) + 1;
		int ties = (int)k_rng_below(&r, 3);
		for (size_t i = 0; i < n; i++) {
			a[i] = ties == 0 ? k_rng_normal(&r)
			       : ties == 1 ? (double)k_rng_below(&r, 5)
			       : (double)i * (it % 2 ? 1 : -1);
			b[i] = a[i];
		}
		k_sort_doubles(a, n);
		qsort(b, n, sizeof *b, cmp);
		ktest_checks++;
		if (memcmp(a, b, n * sizeof *a) != 0) {
			KT_FAIL("sort differs from qsort (n %zu, kind %d)", n, ties);
			break;
		}
	}
	double v[] = { 3, NAN, 1, 2, NAN, 0.5 };
	k_sort_doubles(v, 6);
	KT_NEAR(v[0], 0.5, 0);
	KT_NEAR(v[3], 3, 0);
	KT_CHECK(isnan(v[4]) && isnan(v[5]));

	/* numpy.percentile([1, 2, 3, 4], q): 25 -> 1.75, 50 -> 2.5, 90 -> 3.7. */
	double q[] = { 1, 2, 3, 4 };
	KT_NEAR(k_quantile_sorted(q, 4, 0.25), 1.75, 1e-15);
	KT_NEAR(k_quantile_sorted(q, 4, 0.5), 2.5, 1e-15);
	KT_NEAR(k_quantile_sorted(q, 4, 0.9), 3.7, 1e-15);
	KT_NEAR(k_quantile_sorted(q, 4, 0), 1, 0);
	KT_NEAR(k_quantile_sorted(q, 4, 1), 4, 0);

	/* The rank inverts the quantile table: {1,2,3,4} at 0, 1/3, 2/3, 1. */
	KT_NEAR(k_quantile_rank(q, 4, 0), 0, 0);
	KT_NEAR(k_quantile_rank(q, 4, 1), 0, 0);
	KT_NEAR(k_quantile_rank(q, 4, 2.5), 0.5, 1e-15);
	KT_NEAR(k_quantile_rank(q, 4, 4), 1, 1e-15);
	KT_NEAR(k_quantile_rank(q, 4, 9), 1, 0);
	KT_NEAR(k_quantile_rank(q, 4, k_quantile_sorted(q, 4, 0.9)), 0.9, 1e-15);
	KT_NEAR(k_quantile_rank(q, 4, NAN), 0, 0);
	/* A run of ties takes its middle. */
	double t[] = { 0, 1, 1, 1, 2 };
	KT_NEAR(k_quantile_rank(t, 5, 1), 0.5, 1e-15);

	double c, s;
	/* MAD of {1, 2, 3, 4, 100}: median 3, |d| = {2,1,0,1,97}, MAD 1. */
	double m1[] = { 100, 2, 1, 4, 3 };
	KT_EQ_INT(k_robust(m1, 5, &c, &s), 5);
	KT_NEAR(c, 3, 0);
	KT_NEAR(s, 1.4826, 1e-15);
	/* Even count: median 2.5, |d| = {1.5, 0.5, 0.5, 1.5}, MAD 1. */
	double m2[] = { 4, 1, 3, 2, NAN };
	KT_EQ_INT(k_robust(m2, 5, &c, &s), 4);
	KT_NEAR(c, 2.5, 0);
	KT_NEAR(s, 1.4826, 1e-15);
	/* Mostly zeros: MAD 0, IQR 0 -> standard deviation. */
	double m3[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 10 };
	k_robust(m3, 10, &c, &s);
	KT_NEAR(c, 0, 0);
	KT_NEAR(s, 3, 1e-15);
	/* Half zeros: MAD 0 but IQR 1 -> IQR / 1.349. */
	double m4[] = { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 };
	k_robust(m4, 10, &c, &s);
	KT_NEAR(s, 1 / 1.349, 1e-15);
	/* Constant: scale 1. */
	double m5[] = { 2.385, 2.385, 2.385 };
	k_robust(m5, 3, &c, &s);
	KT_NEAR(c, 2.385, 0);
	KT_NEAR(s, 1, 0);
	double m6[] = { NAN, NAN };
	KT_EQ_INT(k_robust(m6, 2, &c, &s), 0);
	KT_CHECK(isnan(c) && isnan(s));

	double mean, sd;
	double m7[] = { 2, 4, 4, 4, 5, 5, 7, 9, NAN };
	k_mean_sd(m7, 9, &mean, &sd);
	KT_NEAR(mean, 5, 1e-15);
	KT_NEAR(sd, 2, 1e-15);
	KT_DONE();
}
