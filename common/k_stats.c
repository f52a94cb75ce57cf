/*
 * k_stats.c - order statistics of k_stats.h.
 */
#include "k_stats.h"

#include <math.h>
#include <stdlib.h>

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	if (isnan(x))
		return isnan(y) ? 0 : 1;
	if (isnan(y))
		return -1;
	return (x > y) - (x < y);
}

void
k_sort_doubles(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
}

double
k_quantile_sorted(const double *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	double pos = q * (double)(n - 1);
	size_t i = (size_t)floor(pos);
	double f = pos - (double)i;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (v[i + 1] - v[i]) * f;
}

void
k_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double m = 0, s = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		k++;
		double d = v[i] - m;
		m += d / (double)k;
		s += d * (v[i] - m);
	}
	*mean = k ? m : NAN;
	*sd = k ? sqrt(s / (double)k) : NAN;
}

size_t
k_robust(double *v, size_t n, double *centre, double *scale)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[k++] = v[i];
	if (k == 0) {
		*centre = NAN;
		*scale = NAN;
		return 0;
	}
	k_sort_doubles(v, k);
	double med = k_quantile_sorted(v, k, 0.5);
	double iqr = k_quantile_sorted(v, k, 0.75) - k_quantile_sorted(v, k, 0.25);
	double mean, sd;
	k_mean_sd(v, k, &mean, &sd);
	for (size_t i = 0; i < k; i++)
		v[i] = fabs(v[i] - med);
	k_sort_doubles(v, k);
	double mad = k_quantile_sorted(v, k, 0.5);
	*centre = med;
	if (mad > 0)
		*scale = 1.4826 * mad;
	else if (iqr > 0)
		*scale = iqr / 1.349;
	else if (sd > 0)
		*scale = sd;
	else
		*scale = 1;
	return k;
}
