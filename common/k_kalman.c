/*
 * k_kalman.c - the conventional Kalman filter for one observation per
 * step (see k_kalman.h), and the symmetric discrete Lyapunov solve that
 * gives a stationary state its initial covariance. Dimensions are tiny
 * (an ARIMA(5,2,5) has 8 states), so plain loops over fixed arrays, with
 * the zeros of a sparse transition skipped, beat any BLAS call here.
 */
#include "k_kalman.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454835606594728112

enum k_status
k_kalman_ssm_check(const struct k_kalman_ssm *ss, struct k_error *err)
{
	int m = ss->m;

	if (m < 1 || m > K_KALMAN_MAX)
		return k_error_set(err, K_EDATA,
		                   "state dimension %d out of range 1..%d", m,
		                   K_KALMAN_MAX);
	for (int i = 0; i < m; i++) {
		if (!isfinite(ss->Z[i]))
			return k_error_set(err, K_EDATA, "design entry %d is not finite", i);
		for (int j = 0; j < m; j++)
			if (!isfinite(ss->T[i * m + j]) || !isfinite(ss->RQR[i * m + j]))
				return k_error_set(err, K_EDATA,
				                   "system matrix entry (%d,%d) is not finite",
				                   i, j);
	}
	if (!(ss->H >= 0) || !isfinite(ss->H))
		return k_error_set(err, K_EDATA,
		                   "observation variance %g is not a finite non-negative number",
		                   ss->H);
	return K_OK;
}

void
k_kalman_state_init(struct k_kalman_state *st, int m, const double *a0,
                    const double *P0)
{
	memset(st, 0, sizeof *st);
	st->m = m;
	memcpy(st->a, a0, (size_t)m * sizeof *a0);
	memcpy(st->P, P0, (size_t)m * m * sizeof *P0);
	st->steady = 0;
}

/* The nonzeros of T, row by row: ARIMA transitions are mostly zeros. */
struct sparse {
	int cnt[K_KALMAN_MAX];
	int col[K_KALMAN_MAX][K_KALMAN_MAX];
	double val[K_KALMAN_MAX][K_KALMAN_MAX];
};

static void
sparse_init(const struct k_kalman_ssm *ss, struct sparse *sp)
{
	int m = ss->m;

	for (int i = 0; i < m; i++) {
		int c = 0;
		for (int k = 0; k < m; k++)
			if (ss->T[i * m + k] != 0) {
				sp->col[i][c] = k;
				sp->val[i][c] = ss->T[i * m + k];
				c++;
			}
		sp->cnt[i] = c;
	}
}

/* P <- T Pf T' + RQR, symmetric by construction (upper triangle computed,
 * then mirrored); returns max |Pnew - Pold| / max |Pnew|. */
static double
predict_cov(const struct k_kalman_ssm *ss, const struct sparse *sp,
            const double *Pf, double *P)
{
	int m = ss->m;
	double W[K_KALMAN_MAX * K_KALMAN_MAX];
	double dmax = 0, pmax = 0;

	/* W = T Pf, each entry summed in a register: a zeroed row updated in
	 * place costs a store-forwarding stall per term. */
	for (int i = 0; i < m; i++) {
		double *w = W + i * m;
		const int cnt = sp->cnt[i];
		const int *col = sp->col[i];
		const double *val = sp->val[i];
		for (int j = 0; j < m; j++) {
			double s = 0;
			for (int c = 0; c < cnt; c++)
				s += val[c] * Pf[col[c] * m + j];
			w[j] = s;
		}
	}
	/* P = W T' + RQR, upper triangle */
	for (int i = 0; i < m; i++) {
		const double *w = W + i * m;
		for (int j = i; j < m; j++) {
			double s = ss->RQR[i * m + j];
			for (int c = 0; c < sp->cnt[j]; c++)
				s += w[sp->col[j][c]] * sp->val[j][c];
			double dd = fabs(s - P[i * m + j]);
			if (dd > dmax)
				dmax = dd;
			if (fabs(s) > pmax)
				pmax = fabs(s);
			P[i * m + j] = s;
			P[j * m + i] = s;
		}
	}
	return pmax > 0 ? dmax / pmax : dmax;
}

static void
predict_mean(const struct sparse *sp, int m, const double *a, double *an)
{
	for (int i = 0; i < m; i++) {
		double s = 0;
		for (int c = 0; c < sp->cnt[i]; c++)
			s += sp->val[i][c] * a[sp->col[i][c]];
		an[i] = s;
	}
}

/* GCC cannot see that the column indices in struct sparse stay below m,
 * and warns that af may be read uninitialised; zeroing af to quiet it
 * costs a rep stos per step, a tenth of the step. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
static enum k_status
step(const struct k_kalman_ssm *ss, const struct sparse *sp,
     struct k_kalman_state *st, double y, double d, double steady_tol,
     int want_log, struct k_kalman_out *out, struct k_error *err)
{
	int m = ss->m;
	double pz[K_KALMAN_MAX], af[K_KALMAN_MAX];
	double Pf[K_KALMAN_MAX * K_KALMAN_MAX];

	if (isnan(y)) {
		/* Missing: prediction only. */
		for (int i = 0; i < m; i++)
			af[i] = st->a[i];
		predict_mean(sp, m, af, st->a);
		for (int i = 0; i < m * m; i++)
			Pf[i] = st->P[i];
		predict_cov(ss, sp, Pf, st->P);
		st->steady = 0;
		st->cached = 0;
		if (out) {
			out->v = NAN;
			out->F = NAN;
			out->loglike = 0;
		}
		return K_OK;
	}

	/* pz = P Z', F = Z P Z' + H; fixed once P is steady. */
	double F, logF, za = 0;
	for (int i = 0; i < m; i++)
		za += ss->Z[i] * st->a[i];
	if (st->steady && st->cached) {
		for (int i = 0; i < m; i++)
			pz[i] = st->pz[i];
		F = st->F;
		logF = st->logF;
	} else {
		F = ss->H;
		for (int i = 0; i < m; i++) {
			double s = 0;
			const double *p = st->P + i * m;
			for (int j = 0; j < m; j++)
				s += p[j] * ss->Z[j];
			pz[i] = s;
		}
		for (int i = 0; i < m; i++)
			F += ss->Z[i] * pz[i];
		if (!(F > 0) || !isfinite(F))
			return k_error_set(err, K_EDATA,
			                   "forecast error variance %g is not positive", F);
		logF = want_log || st->steady ? log(F) : NAN;
		if (st->steady) {
			for (int i = 0; i < m; i++)
				st->pz[i] = pz[i];
			st->F = F;
			st->logF = logF;
			st->cached = 1;
		}
	}

	double v = y - d - za;
	double vf = v / F;
	for (int i = 0; i < m; i++)
		af[i] = st->a[i] + pz[i] * vf;
	predict_mean(sp, m, af, st->a);

	if (!st->steady) {
		for (int i = 0; i < m; i++) {
			double ki = pz[i] / F;
			for (int j = i; j < m; j++) {
				double v2 = st->P[i * m + j] - ki * pz[j];
				Pf[i * m + j] = v2;
				Pf[j * m + i] = v2;
			}
		}
		double ch = predict_cov(ss, sp, Pf, st->P);
		if (steady_tol > 0 && ch <= steady_tol) {
			st->steady = 1;
			st->cached = 0;
		}
	}
	if (out) {
		out->v = v;
		out->F = F;
		out->loglike = -0.5 * (LOG_2PI + logF + v * vf);
	}
	return K_OK;
}
#pragma GCC diagnostic pop

enum k_status
k_kalman_step(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
              double y, double d, double steady_tol, struct k_kalman_out *out,
              struct k_error *err)
{
	struct sparse sp;

	sparse_init(ss, &sp);
	return step(ss, &sp, st, y, d, steady_tol, 1, out, err);
}

enum k_status
k_kalman_filter(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
                const double *y, const double *x, double beta, size_t n,
                double steady_tol, size_t burn, double *llsum, double *llobs,
                struct k_error *err)
{
	size_t stopped;

	return k_kalman_filter_until(ss, st, y, x, beta, n, steady_tol, burn,
	                             SIZE_MAX, &stopped, llsum, llobs, NULL, err);
}

enum k_status
k_kalman_filter_until(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
                      const double *y, const double *x, double beta, size_t n,
                      double steady_tol, size_t burn, size_t stop_from,
                      size_t *stopped, double *llsum, double *llobs,
                      double *vout, struct k_error *err)
{
	int m = ss->m;
	double sum = 0;
	size_t t = 0;
	struct sparse sp;
	/* Without llobs, sum log F as the log of running products: a log
	 * per step is a tenth of a step. */
	double prod = 1, logs = 0, quad = 0;
	long cnt = 0;

	sparse_init(ss, &sp);
	while (t < n) {
		if (!(st->steady && st->cached) || isnan(y[t])) {
			struct k_kalman_out o;
			double d = x ? beta * x[t] : 0;
			enum k_status rc = step(ss, &sp, st, y[t], d, steady_tol,
			                        llobs != NULL, &o, err);
			if (rc != K_OK)
				return rc;
			if (vout)
				vout[t] = o.v;
			if (t < burn || isnan(y[t])) {
				if (llobs)
					llobs[t] = 0;
			} else if (llobs) {
				sum += o.loglike;
				llobs[t] = o.loglike;
			} else {
				cnt++;
				quad += o.v * o.v / o.F;
				if (o.F > 1e-100 && o.F < 1e100) {
					prod *= o.F;
					if (prod > 1e150 || prod < 1e-150) {
						logs += log(prod);
						prod = 1;
					}
				} else {
					logs += log(o.F);
				}
			}
			t++;
			continue;
		}
		/* Steady: L = T - (T pz / F) Z, g = T pz / F. */
		double L[K_KALMAN_MAX * K_KALMAN_MAX], g[K_KALMAN_MAX];
		double a[K_KALMAN_MAX], an[K_KALMAN_MAX];
		double F = st->F, c0 = -0.5 * (LOG_2PI + st->logF), hinv = 0.5 / F;
		int nz[K_KALMAN_MAX], nnz = 0;
		for (int i = 0; i < m; i++) {
			double s = 0;
			for (int k = 0; k < m; k++)
				s += ss->T[i * m + k] * st->pz[k];
			g[i] = s / F;
		}
		for (int i = 0; i < m; i++)
			for (int j = 0; j < m; j++)
				L[i * m + j] = ss->T[i * m + j] - g[i] * ss->Z[j];
		for (int j = 0; j < m; j++)
			if (ss->Z[j] != 0)
				nz[nnz++] = j;
		/* Two buffers swapped by pointer: a copy loop here would be
		 * turned into a memcpy call per step. */
		double *cur = a, *nxt = an;
		size_t run = 0;
		int stop = 0;
		memcpy(cur, st->a, (size_t)m * sizeof *cur);
		for (; t < n && !isnan(y[t]) && !stop; t++) {
			double e = y[t] - (x ? beta * x[t] : 0), za = 0;
			for (int k = 0; k < nnz; k++)
				za += ss->Z[nz[k]] * cur[nz[k]];
			double v = e - za;
			for (int i = 0; i < m; i++) {
				double s = g[i] * e;
				const double *l = L + i * m;
				for (int k = 0; k < m; k++)
					s += l[k] * cur[k];
				nxt[i] = s;
			}
			double *sw = cur;
			cur = nxt;
			nxt = sw;
			double l = t >= burn ? c0 - v * v * hinv : 0;
			sum += l;
			if (llobs)
				llobs[t] = l;
			if (vout)
				vout[t] = v;
			stop = ++run >= (size_t)m && t + 1 >= stop_from;
		}
		memcpy(st->a, cur, (size_t)m * sizeof *cur);
		if (stop)
			break;
	}
	*stopped = t;
	logs += log(prod);
	*llsum = sum - 0.5 * ((double)cnt * LOG_2PI + logs + quad);
	return K_OK;
}

void
k_kalman_forecast(const struct k_kalman_ssm *ss,
                  const struct k_kalman_state *st, size_t h, double *mean,
                  double *var)
{
	int m = ss->m;
	double a[K_KALMAN_MAX], an[K_KALMAN_MAX];
	double P[K_KALMAN_MAX * K_KALMAN_MAX], Pn[K_KALMAN_MAX * K_KALMAN_MAX];
	struct sparse sp;

	sparse_init(ss, &sp);
	memcpy(a, st->a, (size_t)m * sizeof *a);
	memcpy(P, st->P, (size_t)m * m * sizeof *P);
	for (size_t s = 0; s < h; s++) {
		double mu = 0, f = ss->H;
		for (int i = 0; i < m; i++) {
			mu += ss->Z[i] * a[i];
			if (ss->Z[i] == 0)
				continue;
			for (int j = 0; j < m; j++)
				f += ss->Z[i] * P[i * m + j] * ss->Z[j];
		}
		mean[s] = mu;
		var[s] = f;
		if (s + 1 == h)
			break;
		predict_mean(&sp, m, a, an);
		memcpy(a, an, (size_t)m * sizeof *a);
		memcpy(Pn, P, (size_t)m * m * sizeof *P);
		predict_cov(ss, &sp, Pn, P);
	}
}

size_t
k_kalman_lyap_work(int m)
{
	size_t n = (size_t)m * (size_t)(m + 1) / 2;
	return n * n + n;
}

/* Position of S_kl (k <= l) among the m(m+1)/2 unknowns, row by row. */
static size_t
vech(int m, int k, int l)
{
	if (k > l) {
		int t = k;
		k = l;
		l = t;
	}
	return (size_t)k * (size_t)(2 * m - k + 1) / 2 + (size_t)(l - k);
}

enum k_status
k_kalman_lyapunov(int m, const double *A, const double *Q, double *S,
                  double *work, struct k_error *err)
{
	if (m < 1 || m > K_KALMAN_MAX)
		return k_error_set(err, K_EINTERNAL,
		                   "lyapunov: dimension %d out of range", m);
	size_t n = (size_t)m * (size_t)(m + 1) / 2;
	double *M = work, *b = work + n * n;

	/* Row (i,j), i <= j: S_ij - sum_kl A_ik A_jl S_kl = Q_ij. */
	memset(M, 0, n * n * sizeof *M);
	for (int i = 0; i < m; i++) {
		for (int j = i; j < m; j++) {
			size_t r = vech(m, i, j);
			double *row = M + r * n;
			row[r] += 1;
			b[r] = Q[i * m + j];
			for (int k = 0; k < m; k++) {
				double aik = A[i * m + k];
				if (aik == 0)
					continue;
				for (int l = 0; l < m; l++) {
					double ajl = A[j * m + l];
					if (ajl != 0)
						row[vech(m, k, l)] -= aik * ajl;
				}
			}
		}
	}
	/* Gaussian elimination with partial pivoting. */
	for (size_t c = 0; c < n; c++) {
		size_t piv = c;
		double best = fabs(M[c * n + c]);
		for (size_t r = c + 1; r < n; r++)
			if (fabs(M[r * n + c]) > best) {
				best = fabs(M[r * n + c]);
				piv = r;
			}
		if (!(best > 0) || !isfinite(best))
			return k_error_set(err, K_EDATA,
			                   "lyapunov equation is singular (a unit root?)");
		if (piv != c) {
			for (size_t k = 0; k < n; k++) {
				double t = M[c * n + k];
				M[c * n + k] = M[piv * n + k];
				M[piv * n + k] = t;
			}
			double t = b[c];
			b[c] = b[piv];
			b[piv] = t;
		}
		double inv = 1 / M[c * n + c];
		for (size_t r = c + 1; r < n; r++) {
			double f = M[r * n + c] * inv;
			if (f == 0)
				continue;
			for (size_t k = c; k < n; k++)
				M[r * n + k] -= f * M[c * n + k];
			b[r] -= f * b[c];
		}
	}
	for (size_t c = n; c-- > 0;) {
		double s = b[c];
		for (size_t k = c + 1; k < n; k++)
			s -= M[c * n + k] * b[k];
		b[c] = s / M[c * n + c];
	}
	for (int i = 0; i < m; i++)
		for (int j = i; j < m; j++) {
			double v = b[vech(m, i, j)];
			S[i * m + j] = v;
			S[j * m + i] = v;
		}
	for (size_t i = 0; i < (size_t)m * m; i++)
		if (!isfinite(S[i]))
			return k_error_set(err, K_EDATA,
			                   "lyapunov solution is not finite");
	return K_OK;
}
