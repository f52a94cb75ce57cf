/*
 * k_stats.h - order statistics and robust summaries used by trainers and
 * drift checks: quantiles with numpy's default (linear) interpolation,
 * median, a robust scale, and a fixed-grid quantile sketch.
 */
#ifndef K_STATS_H
#define K_STATS_H

#include <stddef.h>

/* Sort v[0..n) ascending in place; NANs go last. */
void k_sort_doubles(double *v, size_t n);

/* Quantile q in [0,1] of sorted finite v[0..n), linear interpolation
 * between order statistics (numpy.percentile's default). n > 0. */
double k_quantile_sorted(const double *v, size_t n, double q);

/* The inverse: where v falls in a table of nq >= 2 ascending quantiles
 * q[k] at probabilities k / (nq - 1), linear between them; 0 below q[0],
 * 1 above q[nq - 1]. Ties take the middle of their run. */
double k_quantile_rank(const double *q, size_t nq, double v);

/*
 * Robust centre and scale of v[0..n) (NANs ignored; v is reordered):
 * centre = median; scale = 1.4826 * MAD, else IQR / 1.349, else the
 * standard deviation, else 1 when all values are equal. Returns the count
 * of finite values.
 */
size_t k_robust(double *v, size_t n, double *centre, double *scale);

/* k_robust for values already sorted ascending (finite, n > 0); scratch
 * holds n doubles. Leaves sorted as it was. */
void k_robust_sorted(const double *sorted, size_t n, double *scratch,
                     double *centre, double *scale);

/* Mean and population standard deviation of the finite values. */
void k_mean_sd(const double *v, size_t n, double *mean, double *sd);

#endif
