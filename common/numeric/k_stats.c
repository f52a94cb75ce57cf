/*
 * k_stats.c - order statistics of k_stats.h.
 */
#include "numeric/k_stats.h"

#include <math.h>
#include <stdlib.h>

static void
swap(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

static void
insertion(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		double x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void
heapsort_(double *v, size_t n)
{
	for (size_t start = n / 2; start-- > 0;) {
		for (size_t r = start; 2 * r + 1 < n;) {
			size_t c = 2 * r + 1;
			if (c + 1 < n && v[c + 1] > v[c])
				c++;
			if (!(v[c] > v[r]))
				break;
			swap(&v[c], &v[r]);
			r = c;
		}
	}
	for (size_t end = n; end-- > 1;) {
		swap(&v[0], &v[end]);
		for (size_t r = 0; 2 * r + 1 < end;) {
			size_t c = 2 * r + 1;
			if (c + 1 < end && v[c + 1] > v[c])
				c++;
			if (!(v[c] > v[r]))
				break;
			swap(&v[c], &v[r]);
			r = c;
		}
	}
}

/* Hoare partition around the median of three; falls back to heapsort
 * when recursion gets deep, so the worst case stays n log n. No NANs. */
static void
introsort(double *v, size_t n, int depth)
{
	while (n > 24) {
		if (depth-- == 0) {
			heapsort_(v, n);
			return;
		}
		size_t m = n / 2;
		if (v[m] < v[0])
			swap(&v[m], &v[0]);
		if (v[n - 1] < v[0])
			swap(&v[n - 1], &v[0]);
		if (v[n - 1] < v[m])
			swap(&v[n - 1], &v[m]);
		double pivot = v[m];
		size_t i = 0, j = n - 1;
		for (;;) {
			while (v[i] < pivot)
				i++;
			while (pivot < v[j])
				j--;
			if (i >= j)
				break;
			swap(&v[i], &v[j]);
			i++;
			j--;
		}
		/* Recurse into the smaller side, loop on the larger. */
		size_t left = j + 1;
		if (left < n - left) {
			introsort(v, left, depth);
			v += left;
			n -= left;
		} else {
			introsort(v + left, n - left, depth);
			n = left;
		}
	}
	insertion(v, n);
}

void
k_sort_doubles(double *v, size_t n)
{
	size_t k = 0;

	/* NANs last, then sort the rest with inline comparisons. */
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			swap(&v[k++], &v[i]);
	int depth = 0;
	for (size_t m = k; m > 1; m >>= 1)
		depth += 2;
	introsort(v, k, depth);
}

/* The k-th smallest of v[0..n) (no NANs), reordering v (Hoare's select). */
static double
select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (hi > lo) {
		size_t m = lo + (hi - lo) / 2;
		if (v[m] < v[lo])
			swap(&v[m], &v[lo]);
		if (v[hi] < v[lo])
			swap(&v[hi], &v[lo]);
		if (v[hi] < v[m])
			swap(&v[hi], &v[m]);
		double pivot = v[m];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (pivot < v[j])
				j--;
			if (i <= j) {
				swap(&v[i], &v[j]);
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/* Median of v[0..n), n > 0, as numpy: the mean of the middle two. */
static double
median_select(double *v, size_t n)
{
	double hi = select_kth(v, n, n / 2);
	if (n % 2)
		return hi;
	double lo = v[0];
	for (size_t i = 1; i < n / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	return (lo + hi) / 2;
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

void
k_robust_sorted(const double *sorted, size_t n, double *scratch,
                double *centre, double *scale)
{
	double med = k_quantile_sorted(sorted, n, 0.5);
	double iqr = k_quantile_sorted(sorted, n, 0.75) -
	             k_quantile_sorted(sorted, n, 0.25);
	double mean, sd;

	k_mean_sd(sorted, n, &mean, &sd);
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(sorted[i] - med);
	double mad = median_select(scratch, n);
	*centre = med;
	if (mad > 0)
		*scale = 1.4826 * mad;
	else if (iqr > 0)
		*scale = iqr / 1.349;
	else if (sd > 0)
		*scale = sd;
	else
		*scale = 1;
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
	double *scratch = malloc(k * sizeof *scratch);
	if (scratch == NULL) {
		*centre = k_quantile_sorted(v, k, 0.5);
		*scale = NAN;
		return k;
	}
	k_robust_sorted(v, k, scratch, centre, scale);
	free(scratch);
	return k;
}

double
k_quantile_rank(const double *q, size_t nq, double v)
{
	size_t lo = 0, hi = nq; /* first q[k] >= v, first q[k] > v */

	if (!(v >= q[0]))
		return 0;
	if (v > q[nq - 1])
		return 1;
	while (lo < nq && q[lo] < v)
		lo++;
	hi = lo;
	while (hi < nq && q[hi] == v)
		hi++;
	double step = 1.0 / (double)(nq - 1);
	if (hi > lo) /* v equals q[lo..hi) */
		return (double)(lo + hi - 1) / 2 * step;
	/* q[lo - 1] < v < q[lo] */
	double f = (v - q[lo - 1]) / (q[lo] - q[lo - 1]);
	return ((double)(lo - 1) + f) * step;
}
