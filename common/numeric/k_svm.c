/*
 * k_svm.c - the One-Class SVM's parameters, decision function and payload
 * (see k_svm.h); training, the only part that calls libsvm, is in
 * k_svm_train.c.
 */
#include "numeric/k_svm.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct k_svm_params
k_svm_params_default(void)
{
	return (struct k_svm_params){ .nu = 0.05, .gamma = 0, .tol = 1e-3,
	                              .cache_mb = 200 };
}

const char *
k_svm_params_check(const struct k_svm_params *p)
{
	if (!(p->nu > 0 && p->nu <= 1))
		return "nu must be in (0, 1]";
	if (!(p->gamma >= 0 && isfinite(p->gamma)))
		return "gamma must be a positive number, or 0 for 'scale'";
	if (!(p->tol > 0 && isfinite(p->tol)))
		return "tol must be a positive number";
	if (!(p->cache_mb >= 1 && p->cache_mb <= 1e6))
		return "cache must be 1 to 1e6 MB";
	return NULL;
}

double
k_svm_gamma_scale(const double *Z, size_t n, size_t d)
{
	size_t nn = n * d;
	double mean = 0, m2 = 0;

	/* Welford's update: one pass, no cancellation. */
	for (size_t i = 0; i < nn; i++) {
		double delta = Z[i] - mean;
		mean += delta / (double)(i + 1);
		m2 += delta * (Z[i] - mean);
	}
	double var = nn > 0 ? m2 / (double)nn : 0;
	return var > 0 ? 1.0 / ((double)d * var) : 1.0;
}

enum k_status
k_svm_finish(struct k_svm *m, struct k_error *err)
{
	size_t nsv = m->nsv, d = m->d;

	free(m->svt);
	free(m->sqn);
	m->svt = malloc((nsv * d + 1) * sizeof *m->svt);
	m->sqn = calloc(nsv ? nsv : 1, sizeof *m->sqn);
	if (m->svt == NULL || m->sqn == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < nsv; i++)
		for (size_t j = 0; j < d; j++) {
			double v = m->sv[i * d + j];
			m->svt[j * nsv + i] = v;
			m->sqn[i] += v * v;
		}
	return K_OK;
}

size_t
k_svm_scratch(const struct k_svm *m)
{
	return m->nsv ? m->nsv : 1;
}

/* One row: the dot products with every support vector, feature by
 * feature over the transposed vectors (a loop the compiler vectorises;
 * zeros, common after standardising, cost nothing), then the kernel. */
static double
decision_row(const struct k_svm *m, const double *z, double *dot)
{
	size_t nsv = m->nsv;
	double zz = 0, sum = 0;

	memset(dot, 0, nsv * sizeof *dot);
	for (size_t j = 0; j < m->d; j++) {
		double v = z[j];
		if (v == 0)
			continue;
		zz += v * v;
		const double *col = &m->svt[j * nsv];
		for (size_t i = 0; i < nsv; i++)
			dot[i] += v * col[i];
	}
	for (size_t i = 0; i < nsv; i++) {
		double dist = zz + m->sqn[i] - 2 * dot[i];
		sum += m->coef[i] * exp(-m->gamma * (dist > 0 ? dist : 0));
	}
	return sum - m->rho;
}

void
k_svm_decision(const struct k_svm *m, const double *Z, size_t n,
               double *out, double *scratch)
{
	for (size_t r = 0; r < n; r++)
		out[r] = decision_row(m, &Z[r * m->d], scratch);
}

void
k_svm_encode(const struct k_svm *m, struct k_buf *b)
{
	k_buf_put_u32(b, 1);
	k_buf_put_u32(b, (uint32_t)m->d);
	k_buf_put_u32(b, (uint32_t)m->nsv);
	k_buf_put_f64(b, m->gamma);
	k_buf_put_f64(b, m->rho);
	for (size_t i = 0; i < m->nsv; i++)
		k_buf_put_f64(b, m->coef[i]);
	for (size_t i = 0; i < m->nsv * m->d; i++)
		k_buf_put_f64(b, m->sv[i]);
}

/* The values after the counts, checked finite. */
static enum k_status
decode_values(struct k_svm *m, struct k_buf_cur *c, struct k_error *err)
{
	size_t nsv = m->nsv, nv = nsv * m->d;

	m->coef = malloc(nsv * sizeof *m->coef);
	m->sv = malloc(nv * sizeof *m->sv);
	if (m->coef == NULL || m->sv == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < nsv; i++)
		if (!isfinite(m->coef[i] = k_buf_cur_f64(c)))
			return k_error_set(err, K_EDATA, "SVM payload: coefficient "
			                   "%zu is not a finite number", i);
	for (size_t i = 0; i < nv; i++)
		if (!isfinite(m->sv[i] = k_buf_cur_f64(c)))
			return k_error_set(err, K_EDATA, "SVM payload: support "
			                   "vector %zu, value %zu is not a finite "
			                   "number", i / m->d, i % m->d);
	return K_OK;
}

enum k_status
k_svm_decode(struct k_svm *m, const void *p, size_t n, struct k_error *err)
{
	struct k_buf_cur c;
	enum k_status s;

	memset(m, 0, sizeof *m);
	k_buf_cur_init(&c, p, n);
	uint32_t ver = k_buf_cur_u32(&c), d = k_buf_cur_u32(&c);
	uint32_t nsv = k_buf_cur_u32(&c);
	m->gamma = k_buf_cur_f64(&c);
	m->rho = k_buf_cur_f64(&c);
	if (c.bad)
		return k_error_set(err, K_EDATA, "SVM payload too short");
	if (ver != 1)
		return k_error_set(err, K_EDATA, "SVM payload version %u, this "
		                   "build reads 1", (unsigned)ver);
	if (d < 1 || d > K_SVM_MAX_FEATURES || nsv < 1 || nsv > K_SVM_MAX_ROWS)
		return k_error_set(err, K_EDATA, "SVM payload has impossible "
		                   "sizes (%u features, %u support vectors)",
		                   (unsigned)d, (unsigned)nsv);
	if (!(m->gamma > 0 && isfinite(m->gamma)) || !isfinite(m->rho))
		return k_error_set(err, K_EDATA, "SVM payload: gamma or rho is "
		                   "not a usable number");
	if (k_buf_cur_left(&c) != 8 * (size_t)nsv * ((size_t)d + 1))
		return k_error_set(err, K_EDATA, "SVM payload holds %zu bytes "
		                   "of values, %u support vectors of %u features "
		                   "need %zu", k_buf_cur_left(&c), (unsigned)nsv,
		                   (unsigned)d, 8 * (size_t)nsv * ((size_t)d + 1));
	m->d = d;
	m->nsv = nsv;
	if ((s = decode_values(m, &c, err)) != K_OK ||
	    (s = k_svm_finish(m, err)) != K_OK) {
		k_svm_release(m);
		return s;
	}
	return K_OK;
}

void
k_svm_release(struct k_svm *m)
{
	free(m->coef);
	free(m->sv);
	free(m->svt);
	free(m->sqn);
	memset(m, 0, sizeof *m);
}
