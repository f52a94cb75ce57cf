/*
 * k_kalman.c - the conventional Kalman filter for one observation per
 * step (see k_kalman.h), and the symmetric discrete Lyapunov solve that
 * gives a stationary state its initial covariance. Dimensions are tiny
 * (an ARIMA(5,2,5) has 8 states), so plain loops over fixed arrays, with
 * the zeros of a sparse transition skipped, beat any BLAS call here.
 */
#include "k_kalman.h"

#include <math.h>
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

/* Pn = T P T' + RQR, symmetric by construction (upper triangle computed,
 * then mirrored); returns max |Pn - Pold| / max |Pn| when Pold is given. */
static double
predict_cov(const struct k_kalman_ssm *ss, const double *P, double *Pn,
            const double *Pold)
{
	int m = ss->m;
	double W[K_KALMAN_MAX * K_KALMAN_MAX];
	double dmax = 0, pmax = 0;

	/* W = T P */
	for (int i = 0; i < m; i++) {
		double *w = W + i * m;
		for (int j = 0; j < m; j++)
			w[j] = 0;
		for (int k = 0; k < m; k++) {
			double t = ss->T[i * m + k];
			if (t == 0)
				continue;
			const double *p = P + k * m;
			for (int j = 0; j < m; j++)
				w[j] += t * p[j];
		}
	}
	/* Pn = W T' + RQR, upper triangle */
	for (int i = 0; i < m; i++) {
		const double *w = W + i * m;
		for (int j = i; j < m; j++) {
			const double *t = ss->T + j * m;
			double s = ss->RQR[i * m + j];
			for (int k = 0; k < m; k++)
				if (t[k] != 0)
					s += w[k] * t[k];
			Pn[i * m + j] = s;
			Pn[j * m + i] = s;
			if (Pold) {
				double dd = fabs(s - Pold[i * m + j]);
				if (dd > dmax)
					dmax = dd;
			}
			if (fabs(s) > pmax)
				pmax = fabs(s);
		}
	}
	return pmax > 0 ? dmax / pmax : dmax;
}

static void
predict_mean(const struct k_kalman_ssm *ss, const double *a, double *an)
{
	int m = ss->m;

	for (int i = 0; i < m; i++) {
		double s = 0;
		for (int k = 0; k < m; k++)
			s += ss->T[i * m + k] * a[k];
		an[i] = s;
	}
}

enum k_status
k_kalman_step(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
              double y, double d, double steady_tol, struct k_kalman_out *out,
              struct k_error *err)
{
	int m = ss->m;
	double pz[K_KALMAN_MAX], af[K_KALMAN_MAX];
	double Pf[K_KALMAN_MAX * K_KALMAN_MAX];

	if (isnan(y)) {
		/* Missing: prediction only. */
		memcpy(af, st->a, (size_t)m * sizeof *af);
		predict_mean(ss, af, st->a);
		memcpy(Pf, st->P, (size_t)m * m * sizeof *Pf);
		predict_cov(ss, Pf, st->P, NULL);
		st->steady = 0;
		if (out) {
			out->v = NAN;
			out->F = NAN;
			out->loglike = 0;
		}
		return K_OK;
	}

	/* pz = P Z', F = Z P Z' + H */
	double F = ss->H, za = 0;
	for (int i = 0; i < m; i++) {
		double s = 0;
		const double *p = st->P + i * m;
		for (int j = 0; j < m; j++)
			if (ss->Z[j] != 0)
				s += p[j] * ss->Z[j];
		pz[i] = s;
		za += ss->Z[i] * st->a[i];
	}
	for (int i = 0; i < m; i++)
		F += ss->Z[i] * pz[i];
	if (!(F > 0) || !isfinite(F))
		return k_error_set(err, K_EDATA,
		                   "forecast error variance %g is not positive", F);

	double v = y - d - za;
	double vf = v / F;
	for (int i = 0; i < m; i++)
		af[i] = st->a[i] + pz[i] * vf;
	predict_mean(ss, af, st->a);

	if (!st->steady) {
		for (int i = 0; i < m; i++) {
			double ki = pz[i] / F;
			for (int j = 0; j < m; j++)
				Pf[i * m + j] = st->P[i * m + j] - ki * pz[j];
		}
		double Pn[K_KALMAN_MAX * K_KALMAN_MAX];
		double ch = predict_cov(ss, Pf, Pn, st->P);
		memcpy(st->P, Pn, (size_t)m * m * sizeof *Pn);
		if (steady_tol > 0 && ch <= steady_tol)
			st->steady = 1;
	}
	if (out) {
		out->v = v;
		out->F = F;
		out->loglike = -0.5 * (LOG_2PI + log(F) + v * vf);
	}
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
		predict_mean(ss, a, an);
		memcpy(a, an, (size_t)m * sizeof *a);
		predict_cov(ss, P, Pn, NULL);
		memcpy(P, Pn, (size_t)m * m * sizeof *P);
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
