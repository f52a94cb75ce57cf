/*
 * k_arima.c - ARIMA by exact maximum likelihood, written to give the same
 * numbers as statsmodels 0.13's tsa.arima.model.ARIMA (statespace method):
 * the SARIMAX state-space layout (d integrated states first, then the
 * ARMA companion block), approximate diffuse initialisation of the
 * integrated states with the first d log-likelihood terms burnt, the
 * stationary block started at its unconditional covariance, the Monahan
 * transform, CSS starting values, OPG standard errors and
 * AIC/AICc/BIC on nobs - d. See k_arima.h for the interface.
 */
#include "numeric/k_arima.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAYLOAD_MAGIC   0x314d5241u   /* "ARM1" little-endian */
#define PAYLOAD_VERSION 1u

/* ---------------------------------------------------------------------
 * Parameters
 */

void
k_arima_params_default(struct k_arima_params *par)
{
	memset(par, 0, sizeof *par);
	par->p = 2;
	par->d = 1;
	par->q = 2;
	par->constant = 0;
	par->diffuse_variance = 1e6;
	par->steady_tol = 1e-15;
	k_optim_params_default(&par->optim);
	par->std_errors = 1;
	par->se_step = 1e-6;
	par->has_start = 0;
}

const char *
k_arima_params_check(const struct k_arima_params *par)
{
	if (par->p < 0 || par->p > K_ARIMA_MAX_P)
		return "p must be in 0..12";
	if (par->q < 0 || par->q > K_ARIMA_MAX_Q)
		return "q must be in 0..12";
	if (par->d < 0 || par->d > K_ARIMA_MAX_D)
		return "d must be in 0..2";
	if (par->constant != 0 && par->constant != 1)
		return "constant must be 0 or 1";
	if (!(par->diffuse_variance > 0) || !isfinite(par->diffuse_variance))
		return "diffuse_variance must be positive and finite";
	if (!(par->steady_tol >= 0) || !(par->steady_tol < 1))
		return "steady_tol must be in [0, 1)";
	if (!(par->se_step > 0) || !(par->se_step < 1))
		return "se_step must be in (0, 1)";
	const char *m = k_optim_params_check(&par->optim);
	if (m)
		return m;
	return NULL;
}

int
k_arima_ncoef(int p, int q, int constant)
{
	return (constant ? 1 : 0) + p + q + 1;
}

void
k_arima_coef_name(const struct k_arima_model *m, int i, char *buf, size_t cap)
{
	int c = m->constant ? 1 : 0;

	if (i < c) {
		snprintf(buf, cap, "%s", m->d == 0 ? "const" :
		         m->d == 1 ? "drift" : "trend.2");
	} else if (i < c + m->p) {
		snprintf(buf, cap, "ar.L%d", i - c + 1);
	} else if (i < c + m->p + m->q) {
		snprintf(buf, cap, "ma.L%d", i - c - m->p + 1);
	} else {
		snprintf(buf, cap, "sigma2");
	}
}

/* ---------------------------------------------------------------------
 * Polynomials: the Monahan transform and the stationarity test.
 */

/* statsmodels' constrain_stationary_univariate: any u[n] to the
 * coefficients of a stationary AR(n). */
static void
constrain(const double *u, int n, double *out)
{
	double y[K_ARIMA_MAX_P + K_ARIMA_MAX_Q][K_ARIMA_MAX_P + K_ARIMA_MAX_Q];

	for (int k = 0; k < n; k++) {
		double r = u[k] / sqrt(1 + u[k] * u[k]);
		for (int i = 0; i < k; i++)
			y[k][i] = y[k - 1][i] + r * y[k - 1][k - i - 1];
		y[k][k] = r;
	}
	for (int i = 0; i < n; i++)
		out[i] = -y[n - 1][i];
}

/* constrain with its Jacobian: J[i * n + l] = d out_i / d u_l, by
 * differentiating the same recursion. */
static void
constrain_jac(const double *u, int n, double *J)
{
	double y[K_ARIMA_MAX_P + K_ARIMA_MAX_Q], yn[K_ARIMA_MAX_P + K_ARIMA_MAX_Q];
	double dy[K_ARIMA_MAX_P + K_ARIMA_MAX_Q][K_ARIMA_MAX_P + K_ARIMA_MAX_Q];
	double dyn[K_ARIMA_MAX_P + K_ARIMA_MAX_Q][K_ARIMA_MAX_P + K_ARIMA_MAX_Q];

	for (int k = 0; k < n; k++) {
		double h = 1 + u[k] * u[k];
		double r = u[k] / sqrt(h), dr = 1 / (h * sqrt(h));
		for (int i = 0; i < k; i++) {
			yn[i] = y[i] + r * y[k - i - 1];
			for (int l = 0; l <= k; l++)
				dyn[i][l] = (l < k ? dy[i][l] + r * dy[k - i - 1][l] : 0) +
				            (l == k ? dr * y[k - i - 1] : 0);
		}
		yn[k] = r;
		for (int l = 0; l <= k; l++)
			dyn[k][l] = l == k ? dr : 0;
		for (int i = 0; i <= k; i++) {
			y[i] = yn[i];
			for (int l = 0; l <= k; l++)
				dy[i][l] = dyn[i][l];
		}
	}
	for (int i = 0; i < n; i++)
		for (int l = 0; l < n; l++)
			J[i * n + l] = -dy[i][l];
}

/* The inverse, unconstrain_stationary_univariate. Returns -1 if c is not
 * stationary (a partial autocorrelation of modulus >= 1). */
static int
unconstrain(const double *c, int n, double *out)
{
	double y[K_ARIMA_MAX_P + K_ARIMA_MAX_Q][K_ARIMA_MAX_P + K_ARIMA_MAX_Q];

	if (n == 0)
		return 0;
	for (int i = 0; i < n; i++)
		y[n - 1][i] = -c[i];
	for (int k = n - 1; k > 0; k--) {
		double r = y[k][k];
		if (!(fabs(r) < 1))
			return -1;
		for (int i = 0; i < k; i++)
			y[k - 1][i] = (y[k][i] - r * y[k][k - i - 1]) / (1 - r * r);
	}
	for (int k = 0; k < n; k++) {
		double r = y[k][k];
		if (!(fabs(r) < 1))
			return -1;
		out[k] = r / sqrt(1 - r * r);
	}
	return 0;
}

/* Is x_t = sum phi_i x_{t-i} + ... stationary: every root of
 * 1 - sum phi_i z^i outside the unit circle (Schur-Cohn step-down). */
static int
stationary(const double *phi, int n)
{
	double u[K_ARIMA_MAX_P + K_ARIMA_MAX_Q];

	for (int i = 0; i < n; i++)
		if (!isfinite(phi[i]))
			return 0;
	return unconstrain(phi, n, u) == 0;
}

/* Every root of 1 - sum phi_i z^i has modulus > bound. */
static int
roots_outside(const double *phi, int n, double bound)
{
	double s[K_ARIMA_MAX_P + K_ARIMA_MAX_Q], b = 1;

	for (int i = 0; i < n; i++) {
		b *= bound;
		s[i] = phi[i] * b;
	}
	return stationary(s, n);
}

int
k_arima_roots_outside(const struct k_arima_model *m, double bound)
{
	int c = m->constant ? 1 : 0;
	double neg[K_ARIMA_MAX_Q];

	if (!roots_outside(m->coef + c, m->p, bound))
		return 0;
	for (int j = 0; j < m->q; j++)
		neg[j] = -m->coef[c + m->p + j];
	return roots_outside(neg, m->q, bound);
}

/* ---------------------------------------------------------------------
 * The state-space form.
 */

struct spec {
	int p, d, q, constant;
	int r;          /* ARMA block: max(p, q + 1) */
	int m;          /* states: d + r */
	int k;          /* coefficients */
	double kappa;   /* diffuse variance */
	double steady_tol;
};

static void
spec_from(struct spec *s, int p, int d, int q, int constant, double kappa,
          double steady_tol)
{
	s->p = p;
	s->d = d;
	s->q = q;
	s->constant = constant ? 1 : 0;
	s->r = p > q + 1 ? p : q + 1;
	s->m = d + s->r;
	s->k = k_arima_ncoef(p, q, constant);
	s->kappa = kappa;
	s->steady_tol = steady_tol;
}

/* The trend regressor at time t = 1, 2, ...: t^d. */
static double
trend_x(int d, long t)
{
	double x = (double)t;
	return d == 0 ? 1 : d == 1 ? x : x * x;
}

static size_t
lyap_work_size(const struct spec *s)
{
	return k_kalman_lyap_work(s->r);
}

/*
 * Build the system for coef and the initial state: a = 0, P = diag(kappa
 * I_d, S) with S the stationary covariance of the ARMA block. K_EDATA if
 * coef is not stationary/invertible or sigma2 is not positive.
 */
static enum k_status
build(const struct spec *s, const double *coef, struct k_kalman_ssm *ss,
      struct k_kalman_state *st, double *work, struct k_error *err)
{
	int m = s->m, d = s->d, r = s->r, c = s->constant;
	const double *phi = coef + c, *theta = coef + c + s->p;
	double sigma2 = coef[s->k - 1];
	double Rv[K_KALMAN_MAX];

	if (!(sigma2 > 0) || !isfinite(sigma2))
		return k_error_set(err, K_EDATA, "sigma2 %g is not positive", sigma2);
	memset(ss, 0, sizeof *ss);
	ss->m = m;
	for (int i = 0; i < d; i++) {
		ss->Z[i] = 1;
		for (int j = i; j < d; j++)
			ss->T[i * m + j] = 1;
		ss->T[i * m + d] = 1;
	}
	ss->Z[d] = 1;
	for (int i = 0; i < s->p; i++)
		ss->T[(d + i) * m + d] = phi[i];
	for (int i = 0; i + 1 < r; i++)
		ss->T[(d + i) * m + d + i + 1] = 1;
	memset(Rv, 0, sizeof Rv);
	Rv[d] = 1;
	for (int j = 0; j < s->q; j++)
		Rv[d + 1 + j] = theta[j];
	for (int i = 0; i < m; i++)
		for (int j = 0; j < m; j++)
			ss->RQR[i * m + j] = sigma2 * Rv[i] * Rv[j];
	ss->H = 0;
	for (int i = 0; i < s->k; i++)
		if (!isfinite(coef[i]))
			return k_error_set(err, K_EDATA, "coefficient %d is not finite", i);

	if (st == NULL)
		return K_OK;
	double A[K_KALMAN_MAX * K_KALMAN_MAX], Q[K_KALMAN_MAX * K_KALMAN_MAX];
	double S[K_KALMAN_MAX * K_KALMAN_MAX], a0[K_KALMAN_MAX];
	double P0[K_KALMAN_MAX * K_KALMAN_MAX];
	for (int i = 0; i < r; i++)
		for (int j = 0; j < r; j++) {
			A[i * r + j] = ss->T[(d + i) * m + d + j];
			Q[i * r + j] = ss->RQR[(d + i) * m + d + j];
		}
	enum k_status rc = k_kalman_lyapunov(r, A, Q, S, work, err);
	if (rc != K_OK)
		return rc;
	memset(a0, 0, sizeof a0);
	memset(P0, 0, sizeof P0);
	for (int i = 0; i < d; i++)
		P0[i * m + i] = s->kappa;
	for (int i = 0; i < r; i++)
		for (int j = 0; j < r; j++)
			P0[(d + i) * m + d + j] = S[i * r + j];
	k_kalman_state_init(st, m, a0, P0);
	return K_OK;
}

/*
 * The steady stretch of the likelihood by the ARMA recursion: once the
 * filter has been steady for m steps with no missing value behind or
 * ahead, its forecast errors obey theta(L) v_t = phi(L) (1-L)^d e_t with
 * e_t = y_t - beta t^d, and F is fixed: a few multiply-adds per step in
 * place of an m x m product. From t0 to n; v[t0-q..t0) must be the
 * filter's errors; returns the sum of the terms, llobs filled if given.
 */
static double
arma_tail(const struct spec *s, const double *coef,
          const double *restrict y, const double *restrict x, size_t n,
          size_t t0, double F, double *restrict v, double *restrict llobs)
{
	int c = s->constant, p = s->p, q = s->q, d = s->d, np = p + d + 1;
	const double *phi = coef + c, *theta = coef + c + p;
	double beta = c ? coef[0] : 0, cf[K_ARIMA_MAX_P + K_ARIMA_MAX_D + 1];
	double c0 = -0.5 * (1.8378770664093454835606594728112 + log(F));
	double hinv = 0.5 / F;

	/* cf = phi(L) (1 - L)^d, cf[0] = 1 */
	cf[0] = 1;
	for (int i = 1; i < np; i++)
		cf[i] = i <= p ? -phi[i - 1] : 0;
	for (int k = 0; k < d; k++)
		for (int i = p + k + 1; i > 0; i--)
			cf[i] -= cf[i - 1];
	/* First w_t = cf(L) e_t into v[t0..n): no recursion, so it pipelines;
	 * then v_t = w_t - theta(L) v_t in place, the one recursive part, with
	 * the last errors of the common small q kept in registers. */
	for (int i = 0; i < np; i++) {
		const double ci = cf[i];
		const double *restrict yi = y - i;
		const double *restrict xi = c ? x - i : NULL;
		if (i == 0 && c)
			for (size_t t = t0; t < n; t++)
				v[t] = y[t] - beta * x[t];
		else if (i == 0)
			for (size_t t = t0; t < n; t++)
				v[t] = y[t];
		else if (c)
			for (size_t t = t0; t < n; t++)
				v[t] += ci * (yi[t] - beta * xi[t]);
		else
			for (size_t t = t0; t < n; t++)
				v[t] += ci * yi[t];
	}
	double ss = 0;
	if (q == 0) {
		for (size_t t = t0; t < n; t++)
			ss += v[t] * v[t];
	} else if (q == 1) {
		double v1 = v[t0 - 1], th1 = theta[0];
		for (size_t t = t0; t < n; t++) {
			v1 = v[t] - th1 * v1;
			v[t] = v1;
			ss += v1 * v1;
		}
	} else if (q == 2) {
		double v1 = v[t0 - 1], v2 = v[t0 - 2], th1 = theta[0], th2 = theta[1];
		for (size_t t = t0; t < n; t++) {
			/* The older term first: only one multiply-add waits
			 * for the error just computed. */
			double a = (v[t] - th2 * v2) - th1 * v1;
			v2 = v1;
			v1 = a;
			v[t] = a;
			ss += a * a;
		}
	} else {
		for (size_t t = t0; t < n; t++) {
			double a = v[t];
			for (int j = 1; j <= q; j++)
				a -= theta[j - 1] * v[t - (size_t)j];
			v[t] = a;
			ss += a * a;
		}
	}
	if (llobs)
		for (size_t t = t0; t < n; t++)
			llobs[t] = c0 - v[t] * v[t] * hinv;
	return (double)(n - t0) * c0 - ss * hinv;
}

/*
 * Run the filter over y from the initial state: log-likelihood (terms
 * from index d on), optional per-observation terms, optional final state.
 * x is the trend regressor t^d at t = 1..n (NULL without a constant).
 * With vbuf (n doubles of scratch) and no final state wanted, the steady
 * stretch after the last missing value goes by arma_tail.
 */
static enum k_status
run_filter(const struct spec *s, const double *coef, const double *y,
           const double *x, size_t n, double steady_tol, double *llf,
           double *llobs, struct k_kalman_state *final, double *work,
           double *vbuf, struct k_error *err)
{
	struct k_kalman_ssm ss;
	struct k_kalman_state st;
	double sum = 0;
	enum k_status rc;
	size_t stopped = n, from = SIZE_MAX;

	if ((rc = build(s, coef, &ss, &st, work, err)) != K_OK)
		return rc;
	if (vbuf != NULL && final == NULL && steady_tol > 0) {
		size_t tail = 0;
		for (size_t t = n; t-- > 0;)
			if (isnan(y[t])) {
				tail = t + 1;
				break;
			}
		from = tail + (size_t)(s->p + s->d > s->q ? s->p + s->d : s->q);
	}
	rc = k_kalman_filter_until(&ss, &st, y, s->constant ? x : NULL,
	                           s->constant ? coef[0] : 0, n, steady_tol,
	                           (size_t)s->d, from, &stopped, &sum, llobs,
	                           from != SIZE_MAX ? vbuf : NULL, err);
	if (rc != K_OK)
		return rc;
	if (stopped < n) {
		/* The filter has cached F: the steady state's. */
		sum += arma_tail(s, coef, y, x, n, stopped, st.F, vbuf, llobs);
	}
	if (!isfinite(sum))
		return k_error_set(err, K_EDATA, "log-likelihood is not finite");
	*llf = sum;
	if (final)
		*final = st;
	return K_OK;
}

/* ---------------------------------------------------------------------
 * The exact gradient of the log-likelihood in the coefficients, in
 * reverse mode: the filter runs forward until it is steady, recording
 * its steps; the steady ARMA recursion of arma_tail finishes the
 * likelihood and is differentiated backwards (arma_tail_adjoint); its
 * derivatives in the filter's last errors and in the steady F seed the
 * filter's own backward pass (k_kalman_filter_adjoint), which gives the
 * derivatives in T, RQR, the trend coefficient and the initial P; the
 * stationary block of P comes from a Lyapunov equation, whose adjoint is
 * one more Lyapunov solve. The cost is a few likelihood evaluations
 * whatever the number of coefficients.
 */

/* Scratch of the gradient, for m states, p AR coefficients and n
 * observations. */
struct gradws {
	double *tape;   /* the filter's record: k_kalman_tape_size(m, p, n) */
	double *lam;    /* n + q: the tail's adjoint */
};

static size_t
gradws_size(const struct spec *s, size_t n)
{
	return k_kalman_tape_size(s->m, s->p, n) + n + (size_t)s->q;
}

static void
gradws_carve(const struct spec *s, size_t n, double *buf, struct gradws *w)
{
	w->tape = buf;
	w->lam = w->tape + k_kalman_tape_size(s->m, s->p, n);
}

/*
 * From the adjoints of the system to the gradient in the coefficients,
 * added into g (k). The system of build(): phi_l is T's entry (d+l, d),
 * RQR = sigma2 R R' with R = (0_d, 1, theta), beta the intercept's, and
 * the ARMA block of P_0 the stationary S = A S A' + Q (A and Q the ARMA
 * blocks of T and RQR). For the last, with Sbar the adjoint of S:
 *   dS = A dS A' + dA S A' + A S dA' + dQ
 * so <Sbar, dS> = <W, dA S A' + A S dA' + dQ> with W = A' W A + Sbar
 * (the transposed equation): Qbar = W, and Abar = 2 W A S, of which the
 * AR coefficients need column 0. S is P0's block (the initial P).
 */
static enum k_status
system_to_coef(const struct spec *s, const double *coef,
               const struct k_kalman_ssm *ss, const double *P0,
               const struct k_kalman_adjoint *adj, double *work, double *g,
               struct k_error *err)
{
	int m = s->m, d = s->d, r = s->r, c = s->constant, k = s->k;
	const double *theta = coef + c + s->p;
	double sigma2 = coef[k - 1], Rv[K_KALMAN_MAX], RQb[K_KALMAN_MAX];
	double At[K_KALMAN_MAX * K_KALMAN_MAX], Sb[K_KALMAN_MAX * K_KALMAN_MAX];
	double W[K_KALMAN_MAX * K_KALMAN_MAX], AS0[K_KALMAN_MAX];
	double Qb[K_KALMAN_MAX * K_KALMAN_MAX];
	enum k_status rc;

	for (int i = 0; i < r; i++)
		for (int j = 0; j < r; j++) {
			At[j * r + i] = ss->T[(d + i) * m + d + j];
			Sb[i * r + j] = adj->Pbar[(d + i) * m + d + j];
		}
	if ((rc = k_kalman_lyapunov(r, At, Sb, W, work, err)) != K_OK)
		return rc;
	/* (A S) e_0: A's row i times S's column 0 */
	for (int i = 0; i < r; i++) {
		double t = 0;
		for (int l = 0; l < r; l++)
			t += At[l * r + i] * P0[(d + l) * m + d];
		AS0[i] = t;
	}
	if (c)
		g[0] += adj->betabar;
	for (int l = 0; l < s->p; l++) {
		double t = 0;
		for (int j = 0; j < r; j++)
			t += W[l * r + j] * AS0[j];
		g[c + l] += adj->Tbar[l] + 2 * t;
	}
	/* RQR's adjoint, the filter's and the initial state's */
	memcpy(Qb, adj->RQRbar, (size_t)m * m * sizeof *Qb);
	for (int i = 0; i < r; i++)
		for (int j = 0; j < r; j++)
			Qb[(d + i) * m + d + j] += W[i * r + j];
	memset(Rv, 0, sizeof Rv);
	Rv[d] = 1;
	for (int j = 0; j < s->q; j++)
		Rv[d + 1 + j] = theta[j];
	double rqr = 0;
	for (int i = d; i < m; i++) {
		double t = 0;
		for (int j = d; j < m; j++)
			t += Qb[i * m + j] * Rv[j];
		RQb[i] = t;
		rqr += Rv[i] * t;
	}
	for (int j = 0; j < s->q; j++)
		g[c + s->p + j] += 2 * sigma2 * RQb[d + 1 + j];
	g[k - 1] += rqr;
	return K_OK;
}

/* sum a[i] b[i] over n, in eight partial sums (a fixed order: the same
 * result every run) so that the additions overlap. */
static double
dot(const double *restrict a, const double *restrict b, size_t n)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		s0 += a[i] * b[i];
		s1 += a[i + 1] * b[i + 1];
		s2 += a[i + 2] * b[i + 2];
		s3 += a[i + 3] * b[i + 3];
		s4 += a[i + 4] * b[i + 4];
		s5 += a[i + 5] * b[i + 5];
		s6 += a[i + 6] * b[i + 6];
		s7 += a[i + 7] * b[i + 7];
	}
	for (; i < n; i++)
		s0 += a[i] * b[i];
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
}

/*
 * The adjoint of arma_tail: with v[t0-q..n) its errors, the derivatives
 * of SS = sum v_t^2 over [t0, n) with respect to the coefficients
 * directly (dss, k) and to the errors before t0 that it started from
 * (mu[j-1] for v_{t0-j}); returns SS. lambda_t = dSS/dv_t obeys
 * lambda_t = 2 v_t - sum_j theta_j lambda_{t+j}, run backwards into lam
 * (n + q long).
 */
static double
arma_tail_adjoint(const struct spec *s, const double *coef,
                  const double *restrict y, const double *restrict x,
                  size_t n, size_t t0, const double *restrict v,
                  double *restrict lam, double *dss, double *mu)
{
	int c = s->constant, p = s->p, q = s->q, d = s->d, np = p + d + 1;
	const double *phi = coef + c, *theta = coef + c + p;
	double beta = c ? coef[0] : 0, cf[K_ARIMA_MAX_P + K_ARIMA_MAX_D + 1];
	double G[K_ARIMA_MAX_P + K_ARIMA_MAX_D + 1], X[K_ARIMA_MAX_P + K_ARIMA_MAX_D + 1];
	double Hs[K_ARIMA_MAX_Q + 1], ss = 0;

	cf[0] = 1;
	for (int i = 1; i < np; i++)
		cf[i] = i <= p ? -phi[i - 1] : 0;
	for (int k = 0; k < d; k++)
		for (int i = p + k + 1; i > 0; i--)
			cf[i] -= cf[i - 1];
	/* lambda into lam[t0..n), with lam[n..n+q) = 0: the one recursive
	 * part, the last values of the common small q in registers. */
	for (int j = 0; j < q; j++)
		lam[n + (size_t)j] = 0;
	if (q == 0) {
		for (size_t t = t0; t < n; t++)
			lam[t] = 2 * v[t];
	} else if (q == 1) {
		double l1 = 0, th1 = theta[0];
		for (size_t t = n; t-- > t0;) {
			l1 = 2 * v[t] - th1 * l1;
			lam[t] = l1;
		}
	} else if (q == 2) {
		double l1 = 0, l2 = 0, th1 = theta[0], th2 = theta[1];
		for (size_t t = n; t-- > t0;) {
			/* The older term first, as in arma_tail. */
			double a = (2 * v[t] - th2 * l2) - th1 * l1;
			l2 = l1;
			l1 = a;
			lam[t] = a;
		}
	} else {
		for (size_t t = n; t-- > t0;) {
			double a = 2 * v[t];
			for (int j = q; j >= 1; j--)
				a -= theta[j - 1] * lam[t + (size_t)j];
			lam[t] = a;
		}
	}
	/* The cross-products. */
	size_t len = n - t0;
	const double *restrict L = lam + t0;
	for (int i = 0; i < np; i++) {
		G[i] = dot(L, y + t0 - (size_t)i, len);
		if (c) {
			X[i] = dot(L, x + t0 - (size_t)i, len);
			G[i] -= beta * X[i];
		}
	}
	for (int j = 1; j <= q; j++)
		Hs[j] = dot(L, v + t0 - (size_t)j, len);
	ss = dot(v + t0, v + t0, len);
	/* lam[t0 + j - 1] is lambda_{t0 + j - 1}; beyond n, 0. */
	for (int j = 1; j <= q; j++) {
		double a = 0;
		for (int i = j; i <= q; i++)
			a -= theta[i - 1] * lam[t0 + (size_t)(i - j)];
		mu[j - 1] = a;
	}
	for (int i = 0; i < s->k; i++)
		dss[i] = 0;
	if (c) {
		double a = 0;
		for (int i = 0; i < np; i++)
			a -= cf[i] * X[i];
		dss[0] = a;
	}
	/* cf = (1, -phi) (1 - L)^d: d cf_i / d phi_l = -b_{i-l}. */
	for (int l = 1; l <= p; l++) {
		double a = 0, b = 1;
		for (int k = 0; k <= d; k++) {
			a -= b * G[l + k];
			b = -b * (double)(d - k) / (double)(k + 1);
		}
		dss[c + l - 1] = a;
	}
	for (int j = 1; j <= q; j++)
		dss[c + p + j - 1] = -Hs[j];
	return ss;
}

/*
 * run_filter's log-likelihood (no llobs, no final state) and its
 * gradient in the coefficients into dl (k). vbuf as run_filter's; ws
 * scratch. The tail's part, cnt c0 - SS / 2F with c0 = -(log 2 pi +
 * log F) / 2, depends on the coefficients directly (arma_tail_adjoint's
 * dss), on the filter's last q errors (its mu) and on F: the last two
 * are the seeds of the filter's backward pass.
 */
static enum k_status
run_filter_grad(const struct spec *s, const double *coef, const double *y,
                const double *x, size_t n, double *llf, double *dl,
                double *work, double *vbuf, struct gradws *ws,
                struct k_error *err)
{
	struct k_kalman_ssm ss;
	struct k_kalman_state st;
	struct k_kalman_tape tp;
	struct k_kalman_adjoint adj;
	double P0[K_KALMAN_MAX * K_KALMAN_MAX], vseed[K_ARIMA_MAX_Q], sum = 0;
	int tpos[K_ARIMA_MAX_P];
	enum k_status rc;
	size_t stopped = n, from = SIZE_MAX;
	int k = s->k;

	if ((rc = build(s, coef, &ss, &st, work, err)) != K_OK)
		return rc;
	memcpy(P0, st.P, sizeof P0);
	for (int l = 0; l < s->p; l++)
		tpos[l] = (s->d + l) * s->m + s->d;
	if ((rc = k_kalman_tape_init(&tp, s->m, s->p, tpos, ws->tape, n,
	                             err)) != K_OK)
		return rc;
	if (s->steady_tol > 0) {
		size_t tail = 0;
		for (size_t t = n; t-- > 0;)
			if (isnan(y[t])) {
				tail = t + 1;
				break;
			}
		from = tail + (size_t)(s->p + s->d > s->q ? s->p + s->d : s->q);
	}
	rc = k_kalman_filter_record(&ss, &st, y, s->constant ? x : NULL,
	                            s->constant ? coef[0] : 0, n, s->steady_tol,
	                            (size_t)s->d, from, &stopped, &sum, vbuf, &tp,
	                            err);
	if (rc != K_OK)
		return rc;
	for (int i = 0; i < k; i++)
		dl[i] = 0;
	adj.vbar = NULL;
	adj.nvbar = 0;
	adj.Fbar = 0;
	if (stopped < n) {
		double F = st.F, mu[K_ARIMA_MAX_Q];
		double cnt = (double)(n - stopped);
		sum += arma_tail(s, coef, y, x, n, stopped, F, vbuf, NULL);
		double SS = arma_tail_adjoint(s, coef, y, x, n, stopped, vbuf,
		                              ws->lam, dl, mu);
		for (int i = 0; i < k; i++)
			dl[i] *= -0.5 / F;
		for (int j = 1; j <= s->q; j++)
			vseed[s->q - j] = -0.5 * mu[j - 1] / F;
		adj.vbar = vseed;
		adj.nvbar = (size_t)s->q;
		adj.Fbar = SS / (2 * F * F) - 0.5 * cnt / F;
	}
	if (!isfinite(sum))
		return k_error_set(err, K_EDATA, "log-likelihood is not finite");
	k_kalman_filter_adjoint(&ss, &tp, s->constant ? x : NULL, &adj);
	if ((rc = system_to_coef(s, coef, &ss, P0, &adj, work, dl, err)) != K_OK)
		return rc;
	for (int i = 0; i < k; i++)
		if (!isfinite(dl[i]))
			return k_error_set(err, K_EDATA,
			                   "log-likelihood gradient is not finite");
	*llf = sum;
	return K_OK;
}

/* The trend regressor at t0 + 1 .. t0 + n, malloc'd; NULL when out of
 * memory. */
static double *
trend_array(int d, long t0, size_t n)
{
	double *x = malloc((n + 1) * sizeof *x);

	if (x)
		for (size_t t = 0; t < n; t++)
			x[t] = trend_x(d, t0 + (long)t + 1);
	return x;
}

/* ---------------------------------------------------------------------
 * Series checks
 */

/* Differences y d times into out (NAN where an input is missing); returns
 * the length n - d (0 if n <= d). */
static size_t
difference(const double *y, size_t n, int d, double *out)
{
	if (n <= (size_t)d)
		return 0;
	memcpy(out, y, n * sizeof *y);
	size_t len = n;
	for (int k = 0; k < d; k++) {
		for (size_t t = 0; t + 1 < len; t++)
			out[t] = out[t + 1] - out[t];
		len--;
	}
	return len;
}

enum k_status
k_arima_check_series(const double *y, size_t n, int d, int k,
                     struct k_error *err)
{
	size_t seen = 0, after_burn = 0;
	double first = NAN;
	int varies = 0;

	for (size_t t = 0; t < n; t++) {
		if (isinf(y[t]))
			return k_error_set(err, K_EDATA,
			                   "observation %zu is infinite", t + 1);
		if (isnan(y[t]))
			continue;
		if (seen++ == 0)
			first = y[t];
		else if (y[t] != first)
			varies = 1;
		if (t >= (size_t)d)
			after_burn++;
	}
	if (seen == 0)
		return k_error_set(err, K_EDATA,
		                   n ? "every observation is missing" :
		                   "the series is empty");
	if (after_burn < (size_t)k + 1)
		return k_error_set(err, K_EDATA,
		                   "too short: %zu observed values after the first %d, "
		                   "%d needed for %d coefficients", after_burn, d,
		                   k + 1, k);
	if (!varies)
		return k_error_set(err, K_EDATA,
		                   "the series is constant (every observed value is %.15g)",
		                   first);
	if (d > 0) {
		double *w = malloc(n * sizeof *w);
		if (w == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		size_t len = difference(y, n, d, w), cnt = 0;
		double f0 = NAN;
		int dv = 0;
		for (size_t t = 0; t < len; t++) {
			if (isnan(w[t]))
				continue;
			if (cnt++ == 0)
				f0 = w[t];
			else if (fabs(w[t] - f0) > 1e-12 * (fabs(f0) > 1 ? fabs(f0) : 1))
				dv = 1;
		}
		free(w);
		if (cnt == 0)
			return k_error_set(err, K_EDATA,
			                   "no two consecutive observations: the "
			                   "differenced series is empty");
		if (!dv)
			return k_error_set(err, K_EDATA,
			                   "the differenced series (d=%d) is constant (%.15g): "
			                   "nothing left to model", d, f0);
	}
	return K_OK;
}

/* ---------------------------------------------------------------------
 * Starting values: statsmodels' SARIMAX.start_params.
 */

/* Least squares by Householder QR. X is rows x cols row-major and is
 * destroyed, as is Y. Columns with a negligible pivot get coefficient 0
 * (statsmodels' pinv would give the minimum-norm solution; the two agree
 * whenever X has full rank). Returns 0, or -1 if rows < cols.
 * Each reflection needs v'v and v'x for every later column x and for Y:
 * independent sums, each still added up in row order, formed four at a
 * time in one pass over the rows so that their additions overlap (one
 * sum per pass waits on its own previous addition at every row). */
static int
lstsq(double *X, size_t rows, int cols, double *Y, double *beta)
{
	double diag[K_ARIMA_MAX_P + 3 * K_ARIMA_MAX_Q + 1];
	double acc[K_ARIMA_MAX_P + 3 * K_ARIMA_MAX_Q + 5];
	double rmax = 0;
	const size_t w = (size_t)cols;

	if (rows < w)
		return -1;
	for (int j = 0; j < cols; j++) {
		double norm = 0;
		for (size_t i = (size_t)j; i < rows; i++)
			norm += X[i * w + j] * X[i * w + j];
		norm = sqrt(norm);
		if (norm == 0) {
			diag[j] = 0;
			continue;
		}
		double x0 = X[(size_t)j * w + j];
		double alpha = x0 > 0 ? -norm : norm;
		/* v = x - alpha e1, stored in place; H = I - 2 vv'/v'v */
		X[(size_t)j * w + j] = x0 - alpha;
		/* Sums against column j: itself (v'v), the later columns, Y. */
		int nt = cols - j + 1;
		for (int g = 0; g < nt; g += 4) {
			const double *src[4];
			size_t st[4];
			for (int u = 0; u < 4; u++) {
				int t = j + g + u;
				if (t < cols) {
					src[u] = X + t;
					st[u] = w;
				} else if (t == cols) {
					src[u] = Y;
					st[u] = 1;
				} else {
					src[u] = X + j;   /* idle lane */
					st[u] = w;
				}
			}
			double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
			for (size_t i = (size_t)j; i < rows; i++) {
				double v = X[i * w + j];
				s0 += v * src[0][i * st[0]];
				s1 += v * src[1][i * st[1]];
				s2 += v * src[2][i * st[2]];
				s3 += v * src[3][i * st[3]];
			}
			acc[g] = s0;
			acc[g + 1] = s1;
			acc[g + 2] = s2;
			acc[g + 3] = s3;
		}
		double vv = acc[0];
		for (int t = 1; t < nt; t++)
			acc[t] = 2 * acc[t] / vv;
		for (size_t i = (size_t)j; i < rows; i++) {
			double *x = X + i * w;
			double v = x[j];
			for (int c = j + 1; c < cols; c++)
				x[c] -= acc[c - j] * v;
			Y[i] -= acc[nt - 1] * v;
		}
		diag[j] = alpha;
		if (fabs(alpha) > rmax)
			rmax = fabs(alpha);
	}
	for (int j = cols; j-- > 0;) {
		if (fabs(diag[j]) <= 1e-12 * rmax) {
			beta[j] = 0;
			continue;
		}
		double s = Y[j];
		for (int c = j + 1; c < cols; c++)
			s -= X[(size_t)j * w + c] * beta[c];
		beta[j] = s / diag[j];
	}
	return 0;
}

/* The sum of squared deviations of e[0..N) from its mean (N > 0). */
static double
sum_sq_dev(const double *e, size_t N)
{
	double mean = 0, ss = 0;
	for (size_t t = 0; t < N; t++)
		mean += e[t];
	mean /= (double)N;
	for (size_t t = 0; t < N; t++)
		ss += (e[t] - mean) * (e[t] - mean);
	return ss;
}

/* The conditional sum of squares on its way (css): the series, the
 * orders, and what the first regression leaves for the second. */
struct css_work {
	const double *e;
	size_t N;
	int p, q;
	size_t k;              /* 2q: the lags of the long AR regression */
	size_t r;              /* max(3q, p): the ARMA regression's first row */
	double *res1;          /* N - k residuals of the long AR (q > 0) */
	int fallback;          /* a regression cannot be made: zeros */
};

/* Step 1 (q > 0): regress e on k of its own lags; their residuals into
 * w->res1, or w->fallback. */
static enum k_status
css_long_ar(struct css_work *w)
{
	const double *e = w->e;
	size_t N = w->N, k = w->k, rows1 = N - k;
	double b[K_ARIMA_MAX_P + 2 * K_ARIMA_MAX_Q + 1];
	double *X = malloc(rows1 * k * sizeof *X);
	double *Y = malloc(rows1 * sizeof *Y);
	enum k_status rc = K_OK;

	if (!X || !Y) {
		rc = K_ENOMEM;
		goto out;
	}
	for (size_t t = k; t < N; t++) {
		for (size_t j = 1; j <= k; j++)
			X[(t - k) * k + j - 1] = e[t - j];
		Y[t - k] = e[t];
	}
	if (lstsq(X, rows1, (int)k, Y, b) < 0) {
		w->fallback = 1;
	} else {
		for (size_t t = k; t < N; t++) {
			double s = e[t];
			for (size_t j = 1; j <= k; j++)
				s -= b[j - 1] * e[t - j];
			w->res1[t - k] = s;
		}
	}
out:
	free(X);
	free(Y);
	return rc;
}

/* Step 2, on the rows (> 0) from w->r: regress e on p of its own lags
 * and q of the long AR's residuals, giving ar and ma; and the variance
 * of the residuals after the first q, when there are two rows or more
 * (else *rows is set to 0), or w->fallback. */
static enum k_status
css_arma(struct css_work *w, double *ar, double *ma, double *var,
         size_t *rows)
{
	const double *e = w->e;
	int p = w->p, q = w->q;
	size_t N = w->N, r = w->r, k = w->k, cols = (size_t)(p + q);
	size_t n = *rows;
	double b[K_ARIMA_MAX_P + 2 * K_ARIMA_MAX_Q + 1];
	double *X = malloc(n * cols * sizeof *X);
	double *Y = malloc(n * sizeof *Y);
	double *res = malloc(n * sizeof *res);
	double *Xc = NULL;
	enum k_status rc = K_OK;

	if (!X || !Y || !res) {
		rc = K_ENOMEM;
		goto out;
	}
	for (size_t t = r; t < N; t++) {
		double *x = X + (t - r) * cols;
		for (int i = 1; i <= p; i++)
			x[i - 1] = e[t - (size_t)i];
		for (int j = 1; j <= q; j++)
			x[p + j - 1] = w->res1[t - (size_t)j - k];
		Y[t - r] = e[t];
	}
	Xc = malloc(n * cols * sizeof *Xc);
	if (Xc == NULL) {
		rc = K_ENOMEM;
		goto out;
	}
	memcpy(Xc, X, n * cols * sizeof *X);
	if (lstsq(Xc, n, (int)cols, Y, b) < 0) {
		w->fallback = 1;
		goto out;
	}
	for (size_t t = r; t < N; t++) {
		double s = e[t];
		const double *x = X + (t - r) * cols;
		for (size_t c = 0; c < cols; c++)
			s -= b[c] * x[c];
		res[t - r] = s;
	}
	for (int i = 0; i < p; i++)
		ar[i] = b[i];
	for (int j = 0; j < q; j++)
		ma[j] = b[p + j];
	if (n > 1) {
		double ss = 0;
		size_t cnt = 0;
		for (size_t t = (size_t)q; t < n; t++) {
			ss += res[t] * res[t];
			cnt++;
		}
		*var = cnt ? ss / (double)cnt : NAN;
	} else {
		*rows = 0;
	}
out:
	free(X);
	free(Y);
	free(res);
	free(Xc);
	return rc;
}

/*
 * SARIMAX._conditional_sum_squares on e[0..N): AR and MA starting values
 * and the residual variance. When there are too few values for the lag
 * regressions statsmodels falls back to zeros; so do we.
 */
static enum k_status
css(const double *e, size_t N, int p, int q, double *ar, double *ma,
    double *var, int *have_var)
{
	struct css_work w = { e, N, p, q, 2 * (size_t)q, 0, NULL, 0 };
	size_t k = w.k;
	enum k_status rc = K_OK;

	w.r = k + (size_t)q > (size_t)p ? k + (size_t)q : (size_t)p;
	*have_var = 0;
	for (int i = 0; i < p; i++)
		ar[i] = 0;
	for (int j = 0; j < q; j++)
		ma[j] = 0;
	if (p + q == 0)
		return K_OK;
	*have_var = 1;

	w.fallback = (q > 0 && k >= N) || (size_t)p >= N ||
	             (q > 0 && (size_t)q >= N - k);
	if (!w.fallback) {
		size_t rows = N - w.r;
		if (q > 0) {
			w.res1 = malloc((N - k) * sizeof *w.res1);
			if (w.res1 == NULL) {
				rc = K_ENOMEM;
				goto out;
			}
			if ((rc = css_long_ar(&w)) != K_OK)
				goto out;
		}
		if (!w.fallback && rows > 0 &&
		    (rc = css_arma(&w, ar, ma, var, &rows)) != K_OK)
			goto out;
		if (!w.fallback && rows <= 1)
			*var = sum_sq_dev(e, N) / (double)N;   /* np.var(endog) */
	}
	if (w.fallback) {
		for (int i = 0; i < p; i++)
			ar[i] = 0;
		for (int j = 0; j < q; j++)
			ma[j] = 0;
		/* residuals = r_[zeros(2q), e - mean]; mean of squares after q */
		*var = N == 0 ? 1 : sum_sq_dev(e, N) / (double)(N + (size_t)q);
	}
out:
	free(w.res1);
	return rc;
}

enum k_status
k_arima_start(const double *y, size_t n, const struct k_arima_params *par,
              double *start, struct k_error *err)
{
	struct spec s;
	int c;
	double *w, *x;
	size_t len, N = 0;
	double var = NAN;
	int have_var;
	enum k_status rc;

	spec_from(&s, par->p, par->d, par->q, par->constant,
	          par->diffuse_variance, par->steady_tol);
	c = s.constant;
	w = malloc((n + 1) * sizeof *w);
	x = malloc((n + 1) * sizeof *x);
	if (!w || !x) {
		free(w);
		free(x);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	len = difference(y, n, s.d, w);
	/* The differenced trend regressor, masked like the series. */
	if (c) {
		double *tx = malloc((n + 1) * sizeof *tx);
		if (tx == NULL) {
			free(w);
			free(x);
			return k_error_set(err, K_ENOMEM, "out of memory");
		}
		for (size_t t = 0; t < n; t++)
			tx[t] = trend_x(s.d, (long)t + 1);
		difference(tx, n, s.d, x);
		free(tx);
	}
	for (size_t t = 0; t < len; t++) {
		if (isnan(w[t]))
			continue;
		w[N] = w[t];
		if (c)
			x[N] = x[t];
		N++;
	}
	if (c) {
		double sxy = 0, sxx = 0;
		for (size_t t = 0; t < N; t++) {
			sxy += x[t] * w[t];
			sxx += x[t] * x[t];
		}
		start[0] = sxx > 0 ? sxy / sxx : 0;
		for (size_t t = 0; t < N; t++)
			w[t] -= start[0] * x[t];
	}
	rc = css(w, N, s.p, s.q, start + c, start + c + s.p, &var, &have_var);
	if (rc != K_OK) {
		free(w);
		free(x);
		return k_error_set(err, rc, "out of memory");
	}
	if (!have_var) {
		double ss = 0;
		for (size_t t = 0; t < N; t++)
			ss += w[t] * w[t];
		var = c ? ss : ss / (double)n;
	}
	free(w);
	free(x);
	/* Non-stationary or non-invertible starts become zeros (statsmodels
	 * warns and does the same). */
	if (s.p > 0 && !stationary(start + c, s.p))
		for (int i = 0; i < s.p; i++)
			start[c + i] = 0;
	if (s.q > 0) {
		double neg[K_ARIMA_MAX_Q];
		for (int j = 0; j < s.q; j++)
			neg[j] = -start[c + s.p + j];
		if (!stationary(neg, s.q))
			for (int j = 0; j < s.q; j++)
				start[c + s.p + j] = 0;
	}
	/* Only a variance that is not positive is replaced: a small one is
	 * the series' scale (see the diffuse variance in k_arima_fit_init). */
	if (!(var > 0) || !isfinite(var))
		var = 1e-10;
	start[s.k - 1] = var;
	return K_OK;
}

/* ---------------------------------------------------------------------
 * Transform between coefficients and the optimiser's free parameters:
 * statsmodels' Monahan transform for the AR and MA parts, but log sigma2
 * where statsmodels squares a standard deviation. The maximum is the same
 * (the likelihood does not care how it is reached) and log sigma2 keeps
 * the Hessian of -loglike/n near unit scale whatever the units of y,
 * which saves BFGS a dozen iterations on prices in the thousands.
 */

static void
to_coef(const struct spec *s, const double *x, double *coef)
{
	int c = s->constant;

	if (c)
		coef[0] = x[0];
	if (s->p)
		constrain(x + c, s->p, coef + c);
	if (s->q) {
		constrain(x + c + s->p, s->q, coef + c + s->p);
		for (int j = 0; j < s->q; j++)
			coef[c + s->p + j] = -coef[c + s->p + j];
	}
	coef[s->k - 1] = exp(x[s->k - 1]);
}

static int
from_coef(const struct spec *s, const double *coef, double *x)
{
	int c = s->constant;
	double neg[K_ARIMA_MAX_Q];

	if (c)
		x[0] = coef[0];
	if (unconstrain(coef + c, s->p, x + c) < 0)
		return -1;
	for (int j = 0; j < s->q; j++)
		neg[j] = -coef[c + s->p + j];
	if (unconstrain(neg, s->q, x + c + s->p) < 0)
		return -1;
	if (!(coef[s->k - 1] > 0))
		return -1;
	x[s->k - 1] = log(coef[s->k - 1]);
	return 0;
}

/* ---------------------------------------------------------------------
 * Fitting
 */

struct k_arima_fit {
	const double *y;
	size_t n;
	struct k_arima_params par;
	struct spec s;
	double *x;             /* trend regressor, n (NULL without constant) */
	double *work;          /* Lyapunov workspace */
	double *vbuf;          /* forecast errors, n: scratch for arma_tail */
	double *gbuf;          /* gradient scratch (gradws_size) */
	struct gradws gw;
	struct k_optim opt;
	long nll;              /* likelihood evaluations, gradients included */
};

static double
objective(const double *x, void *ctx)
{
	struct k_arima_fit *f = ctx;
	double coef[K_ARIMA_MAX_PAR], llf;

	to_coef(&f->s, x, coef);
	f->nll++;
	if (run_filter(&f->s, coef, f->y, f->x, f->n, f->s.steady_tol, &llf,
	               NULL, NULL, f->work, f->vbuf, NULL) != K_OK)
		return NAN;
	return -llf / (double)f->n;
}

/* d coef / d x, block by block, applied: gx = J' gc. */
static void
chain_to_free(const struct spec *s, const double *x, const double *coef,
              const double *gc, double *gx)
{
	int c = s->constant, p = s->p, q = s->q;
	double J[K_ARIMA_MAX_P * K_ARIMA_MAX_P];

	if (c)
		gx[0] = gc[0];
	if (p) {
		constrain_jac(x + c, p, J);
		for (int l = 0; l < p; l++) {
			double a = 0;
			for (int i = 0; i < p; i++)
				a += gc[c + i] * J[i * p + l];
			gx[c + l] = a;
		}
	}
	if (q) {
		/* the MA coefficients are minus the constrained values */
		constrain_jac(x + c + p, q, J);
		for (int l = 0; l < q; l++) {
			double a = 0;
			for (int i = 0; i < q; i++)
				a -= gc[c + p + i] * J[i * q + l];
			gx[c + p + l] = a;
		}
	}
	gx[s->k - 1] = gc[s->k - 1] * coef[s->k - 1];
}

/* The objective and its exact gradient in the free parameters. */
static double
objective_fdf(const double *x, double *g, void *ctx)
{
	struct k_arima_fit *f = ctx;
	double coef[K_ARIMA_MAX_PAR], gc[K_ARIMA_MAX_PAR], llf;

	to_coef(&f->s, x, coef);
	f->nll++;
	if (run_filter_grad(&f->s, coef, f->y, f->x, f->n, &llf, gc, f->work,
	                    f->vbuf, &f->gw, NULL) != K_OK)
		return NAN;
	chain_to_free(&f->s, x, coef, gc, g);
	for (int i = 0; i < f->s.k; i++)
		g[i] = -g[i] / (double)f->n;
	return -llf / (double)f->n;
}

double
k_arima_fit_objective(struct k_arima_fit *f, const double *x, double *g)
{
	return g ? objective_fdf(x, g, f) : objective(x, f);
}

void
k_arima_fit_free(struct k_arima_fit *f)
{
	if (f == NULL)
		return;
	free(f->x);
	free(f->work);
	free(f->vbuf);
	free(f->gbuf);
	free(f);
}

enum k_status
k_arima_fit_init(struct k_arima_fit **fp, const double *y, size_t n,
                 const struct k_arima_params *par, struct k_error *err)
{
	struct k_arima_fit *f;
	const char *msg;
	double start[K_ARIMA_MAX_PAR], x[K_ARIMA_MAX_PAR];
	enum k_status rc;

	*fp = NULL;
	if ((msg = k_arima_params_check(par)) != NULL)
		return k_error_set(err, K_EUSAGE, "arima: %s", msg);
	int k = k_arima_ncoef(par->p, par->q, par->constant);
	if ((rc = k_arima_check_series(y, n, par->d, k, err)) != K_OK)
		return rc;
	if ((f = calloc(1, sizeof *f)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	f->y = y;
	f->n = n;
	f->par = *par;
	spec_from(&f->s, par->p, par->d, par->q, par->constant,
	          par->diffuse_variance, par->steady_tol);
	f->work = malloc(lyap_work_size(&f->s) * sizeof *f->work);
	f->vbuf = malloc((n + 1) * sizeof *f->vbuf);
	f->gbuf = malloc(gradws_size(&f->s, n) * sizeof *f->gbuf);
	if (par->constant)
		f->x = trend_array(par->d, 0, n);
	if (f->work == NULL || f->vbuf == NULL || f->gbuf == NULL ||
	    (par->constant && f->x == NULL)) {
		k_arima_fit_free(f);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	gradws_carve(&f->s, n, f->gbuf, &f->gw);
	if (par->has_start) {
		memcpy(start, par->start, (size_t)k * sizeof *start);
	} else if ((rc = k_arima_start(y, n, par, start, err)) != K_OK) {
		k_arima_fit_free(f);
		return rc;
	}
	/* The approximate diffuse start is a variance: 1e6 (statsmodels')
	 * is diffuse beside a sigma2 near one, but beside a funding rate's
	 * 1e-10 the filter's update P - pz pz'/F cancels to rounding noise.
	 * Below a starting sigma2 of 1e-4 it is scaled with sigma2, by a
	 * power of 4 (exact in binary), to stand to it as 1e6 stands to a
	 * sigma2 of 1 to 4: the fit of the series times 2^j, in its units. */
	double v0 = start[k - 1];
	if (f->s.d > 0 && v0 > 0 && v0 < 1e-4)
		f->s.kappa = ldexp(f->s.kappa, 2 * (int)floor(log(v0) / log(4)));
	if (from_coef(&f->s, start, x) < 0) {
		k_arima_fit_free(f);
		return k_error_set(err, K_EUSAGE,
		                   "arima: starting values are not stationary and "
		                   "invertible with a positive sigma2");
	}
	rc = k_optim_init_fdf(&f->opt, k, x, objective, objective_fdf, f,
	                      &par->optim, err);
	if (rc != K_OK) {
		k_arima_fit_free(f);
		return rc;
	}
	*fp = f;
	return K_OK;
}

enum k_status
k_arima_fit_iterate(struct k_arima_fit *f, struct k_error *err)
{
	return k_optim_iterate(&f->opt, err);
}

int
k_arima_fit_converged(const struct k_arima_fit *f)
{
	return k_optim_converged(&f->opt);
}

enum k_status
k_arima_fit_warm(struct k_arima_fit *f, const struct k_arima_fit *prev,
                 struct k_error *err)
{
	if (f->s.p != prev->s.p || f->s.d != prev->s.d || f->s.q != prev->s.q ||
	    f->s.constant != prev->s.constant)
		return k_error_set(err, K_EUSAGE,
		                   "arima: warm start from a different model");
	if (!prev->opt.h_identity)
		k_optim_set_hessian(&f->opt, prev->opt.H);
	return K_OK;
}

const struct k_optim *
k_arima_fit_optim(const struct k_arima_fit *f)
{
	return &f->opt;
}

static void
criteria(struct k_arima_model *m)
{
	double k = m->k, ne = (double)m->nobs_effective;

	m->aic = -2 * m->loglike + 2 * k;
	m->bic = -2 * m->loglike + k * log(ne);
	m->aicc = ne - k - 1 > 0 ? -2 * m->loglike + 2 * k * ne / (ne - k - 1)
	                         : INFINITY;
}

/* Invert the symmetric positive definite k x k matrix A in place by
 * Gauss-Jordan with partial pivoting; -1 if singular. */
static int
invert(double *A, int k)
{
	double inv[K_ARIMA_MAX_PAR * K_ARIMA_MAX_PAR];

	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++)
			inv[i * k + j] = i == j;
	for (int c = 0; c < k; c++) {
		int piv = c;
		for (int r = c + 1; r < k; r++)
			if (fabs(A[r * k + c]) > fabs(A[piv * k + c]))
				piv = r;
		if (!(fabs(A[piv * k + c]) > 0))
			return -1;
		if (piv != c)
			for (int j = 0; j < k; j++) {
				double t = A[c * k + j];
				A[c * k + j] = A[piv * k + j];
				A[piv * k + j] = t;
				t = inv[c * k + j];
				inv[c * k + j] = inv[piv * k + j];
				inv[piv * k + j] = t;
			}
		double dv = A[c * k + c];
		for (int j = 0; j < k; j++) {
			A[c * k + j] /= dv;
			inv[c * k + j] /= dv;
		}
		for (int r = 0; r < k; r++) {
			if (r == c)
				continue;
			double fct = A[r * k + c];
			if (fct == 0)
				continue;
			for (int j = 0; j < k; j++) {
				A[r * k + j] -= fct * A[c * k + j];
				inv[r * k + j] -= fct * inv[c * k + j];
			}
		}
	}
	memcpy(A, inv, (size_t)k * k * sizeof *A);
	return 0;
}

/*
 * Standard errors from the outer product of the per-observation scores
 * (statsmodels' default cov_type 'opg'), the scores by central
 * differences in the coefficients: steps relative to max(|c|, 0.1), and
 * to sigma2 itself, which can be far below 0.1 (a funding rate's is near
 * 1e-10). Where one side of a step leaves the stationary, invertible or
 * positive region, a one-sided difference. NAN where it cannot be had.
 */
static enum k_status
std_errors(const struct spec *s, const double *coef, const double *y,
           const double *x, size_t n, double step, double *work,
           double *vbuf, double *se)
{
	int k = s->k;
	double *sc = malloc((size_t)k * n * sizeof *sc);
	double *lp = malloc(n * sizeof *lp), *lm = malloc(n * sizeof *lm);
	double *l0 = malloc(n * sizeof *l0);
	double S[K_ARIMA_MAX_PAR * K_ARIMA_MAX_PAR], llf;
	int ok = 1, have0 = 0;

	for (int i = 0; i < k; i++)
		se[i] = NAN;
	if (!sc || !lp || !lm || !l0) {
		free(sc);
		free(lp);
		free(lm);
		free(l0);
		return K_ENOMEM;
	}
	for (int i = 0; i < k && ok; i++) {
		double cp[K_ARIMA_MAX_PAR];
		double h = step * (i == k - 1 ? coef[i] :
		                   fabs(coef[i]) > 0.1 ? fabs(coef[i]) : 0.1);
		memcpy(cp, coef, (size_t)k * sizeof *cp);
		cp[i] = coef[i] + h;
		int okp = run_filter(s, cp, y, x, n, s->steady_tol, &llf, lp, NULL,
		                     work, vbuf, NULL) == K_OK;
		cp[i] = coef[i] - h;
		int okm = run_filter(s, cp, y, x, n, s->steady_tol, &llf, lm, NULL,
		                     work, vbuf, NULL) == K_OK;
		if (okp != okm && !have0) {
			have0 = run_filter(s, coef, y, x, n, s->steady_tol, &llf, l0,
			                   NULL, work, vbuf, NULL) == K_OK;
			if (!have0)
				okp = okm = 0;
		}
		double *row = sc + (size_t)i * n;
		if (okp && okm) {
			for (size_t t = 0; t < n; t++)
				row[t] = (lp[t] - lm[t]) / (2 * h);
		} else if (okp) {
			for (size_t t = 0; t < n; t++)
				row[t] = (lp[t] - l0[t]) / h;
		} else if (okm) {
			for (size_t t = 0; t < n; t++)
				row[t] = (l0[t] - lm[t]) / h;
		} else {
			ok = 0;
		}
	}
	if (ok) {
		for (int i = 0; i < k; i++)
			for (int j = 0; j <= i; j++) {
				double acc = 0;
				const double *a = sc + (size_t)i * n, *b = sc + (size_t)j * n;
				for (size_t t = 0; t < n; t++)
					acc += a[t] * b[t];
				S[i * k + j] = acc;
				S[j * k + i] = acc;
			}
		if (invert(S, k) == 0)
			for (int i = 0; i < k; i++)
				se[i] = S[i * k + i] > 0 ? sqrt(S[i * k + i]) : NAN;
	}
	free(sc);
	free(lp);
	free(lm);
	free(l0);
	return K_OK;
}

enum k_status
k_arima_fit_finish(struct k_arima_fit *f, struct k_arima_model *m,
                   struct k_error *err)
{
	const struct spec *s = &f->s;
	enum k_status rc;

	memset(m, 0, sizeof *m);
	m->p = s->p;
	m->d = s->d;
	m->q = s->q;
	m->constant = s->constant;
	m->k = s->k;
	to_coef(s, f->opt.x, m->coef);
	for (int i = 0; i < s->k; i++)
		m->se[i] = NAN;
	rc = run_filter(s, m->coef, f->y, f->x, f->n, s->steady_tol, &m->loglike, NULL,
	                &m->state, f->work, NULL, err);
	if (rc != K_OK)
		return rc;
	m->nobs = (long)f->n;
	for (size_t t = 0; t < f->n; t++)
		if (isnan(f->y[t]))
			m->nobs_missing++;
	m->nobs_effective = (long)f->n - s->d;
	m->iterations = f->opt.iter;
	m->evaluations = f->nll;
	m->converged = f->opt.state == K_OPTIM_GTOL ||
	               f->opt.state == K_OPTIM_FTOL;
	m->diffuse_variance = s->kappa;
	m->steady_tol = s->steady_tol;
	m->t = (long)f->n;
	m->updates = 0;
	criteria(m);
	if (f->par.std_errors) {
		rc = std_errors(s, m->coef, f->y, f->x, f->n, f->par.se_step,
		                f->work, f->vbuf, m->se);
		if (rc != K_OK)
			return k_error_set(err, rc, "out of memory");
	}
	return K_OK;
}

enum k_status
k_arima_fit(const double *y, size_t n, const struct k_arima_params *par,
            struct k_arima_model *m, struct k_error *err)
{
	struct k_arima_fit *f;
	enum k_status rc = k_arima_fit_init(&f, y, n, par, err);

	if (rc != K_OK)
		return rc;
	while (!k_arima_fit_converged(f))
		if ((rc = k_arima_fit_iterate(f, err)) != K_OK)
			break;
	if (rc == K_OK)
		rc = k_arima_fit_finish(f, m, err);
	k_arima_fit_free(f);
	return rc;
}

/* The checks of the likelihood's entry points: usable parameters, a
 * stationary and invertible coef, no infinite observation; s set. */
static enum k_status
loglike_spec(const double *y, size_t n, const struct k_arima_params *par,
             const double *coef, struct spec *s, struct k_error *err)
{
	const char *msg;

	if ((msg = k_arima_params_check(par)) != NULL)
		return k_error_set(err, K_EUSAGE, "arima: %s", msg);
	spec_from(s, par->p, par->d, par->q, par->constant,
	          par->diffuse_variance, par->steady_tol);
	int c = s->constant;
	double neg[K_ARIMA_MAX_Q];
	for (int j = 0; j < s->q; j++)
		neg[j] = -coef[c + s->p + j];
	if (!stationary(coef + c, s->p))
		return k_error_set(err, K_EDATA,
		                   "the AR coefficients are not stationary");
	if (!stationary(neg, s->q))
		return k_error_set(err, K_EDATA,
		                   "the MA coefficients are not invertible");
	for (size_t t = 0; t < n; t++)
		if (isinf(y[t]))
			return k_error_set(err, K_EDATA,
			                   "observation %zu is infinite", t + 1);
	return K_OK;
}

enum k_status
k_arima_loglike(const double *y, size_t n, const struct k_arima_params *par,
                const double *coef, double *llf, double *llobs,
                struct k_error *err)
{
	struct spec s;
	double *work;
	enum k_status rc;

	if ((rc = loglike_spec(y, n, par, coef, &s, err)) != K_OK)
		return rc;
	work = malloc(lyap_work_size(&s) * sizeof *work);
	double *x = s.constant ? trend_array(s.d, 0, n) : NULL;
	double *vbuf = malloc((n + 1) * sizeof *vbuf);
	if (work == NULL || vbuf == NULL || (s.constant && x == NULL)) {
		free(work);
		free(x);
		free(vbuf);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	rc = run_filter(&s, coef, y, x, n, par->steady_tol, llf, llobs, NULL,
	                work, vbuf, err);
	free(work);
	free(x);
	free(vbuf);
	return rc;
}

enum k_status
k_arima_loglike_grad(const double *y, size_t n,
                     const struct k_arima_params *par, const double *coef,
                     double *llf, double *grad, struct k_error *err)
{
	struct spec s;
	struct gradws gw;
	enum k_status rc;

	if ((rc = loglike_spec(y, n, par, coef, &s, err)) != K_OK)
		return rc;
	double *work = malloc(lyap_work_size(&s) * sizeof *work);
	double *x = s.constant ? trend_array(s.d, 0, n) : NULL;
	double *vbuf = malloc((n + 1) * sizeof *vbuf);
	double *gbuf = malloc(gradws_size(&s, n) * sizeof *gbuf);
	if (work == NULL || vbuf == NULL || gbuf == NULL ||
	    (s.constant && x == NULL)) {
		rc = k_error_set(err, K_ENOMEM, "out of memory");
	} else {
		gradws_carve(&s, n, gbuf, &gw);
		rc = run_filter_grad(&s, coef, y, x, n, llf, grad, work, vbuf,
		                     &gw, err);
	}
	free(work);
	free(x);
	free(vbuf);
	free(gbuf);
	return rc;
}

/* ---------------------------------------------------------------------
 * Using a fitted model
 */

static enum k_status
model_ssm(const struct k_arima_model *m, struct k_kalman_ssm *ss,
          struct k_error *err)
{
	struct spec s;

	spec_from(&s, m->p, m->d, m->q, m->constant, m->diffuse_variance,
	          m->steady_tol);
	return build(&s, m->coef, ss, NULL, NULL, err);
}

enum k_status
k_arima_update(struct k_arima_model *m, const double *y, size_t n,
               struct k_error *err)
{
	struct k_kalman_ssm ss;
	struct k_kalman_state st;
	enum k_status rc;

	for (size_t t = 0; t < n; t++)
		if (isinf(y[t]))
			return k_error_set(err, K_EDATA,
			                   "new observation %zu is infinite", t + 1);
	if ((rc = model_ssm(m, &ss, err)) != K_OK)
		return rc;
	st = m->state;
	for (size_t t = 0; t < n; t++) {
		double dt = m->constant ?
		    m->coef[0] * trend_x(m->d, m->t + (long)t + 1) : 0;
		if ((rc = k_kalman_step(&ss, &st, y[t], dt, m->steady_tol, NULL,
		                        err)) != K_OK)
			return rc;
	}
	m->state = st;
	m->t += (long)n;
	m->updates += (long)n;
	return K_OK;
}

double
k_arima_qnorm(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02,
		-3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01,
		-1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00,
		4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
		2.445134137142996e+00, 3.754408661907416e+00 };
	double q, r, x;

	if (!(p > 0) || !(p < 1))
		return NAN;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p > 1 - 0.02425) {
		q = sqrt(-2 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	}
	/* One Halley step on Phi(x) - p. */
	double e = 0.5 * erfc(-x / sqrt(2.0)) - p;
	double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

enum k_status
k_arima_forecast(const struct k_arima_model *m, size_t h, double level,
                 double *mean, double *var, double *lower, double *upper,
                 struct k_error *err)
{
	struct k_kalman_ssm ss;
	enum k_status rc;
	double *mu, *vv;

	if (!(level > 0) || !(level < 1))
		return k_error_set(err, K_EUSAGE,
		                   "interval level %g is not in (0, 1)", level);
	if (h == 0)
		return K_OK;
	if ((rc = model_ssm(m, &ss, err)) != K_OK)
		return rc;
	mu = malloc(2 * h * sizeof *mu);
	if (mu == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	vv = mu + h;
	k_kalman_forecast(&ss, &m->state, h, mu, vv);
	double z = k_arima_qnorm(1 - (1 - level) / 2);
	for (size_t i = 0; i < h; i++) {
		double f = mu[i];
		if (m->constant)
			f += m->coef[0] * trend_x(m->d, m->t + (long)i + 1);
		double sd = vv[i] > 0 ? sqrt(vv[i]) : 0;
		if (mean)
			mean[i] = f;
		if (var)
			var[i] = vv[i];
		if (lower)
			lower[i] = f - z * sd;
		if (upper)
			upper[i] = f + z * sd;
	}
	free(mu);
	return K_OK;
}

/* ---------------------------------------------------------------------
 * Unit-root test for d
 */

static int
is_constant(const double *x, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (x[i] != x[0])
			return 0;
	return 1;
}

static double
kpss_stat(const double *x, size_t n, int lags)
{
	double mean = 0, S = 0, eta = 0, s2 = 0;

	for (size_t t = 0; t < n; t++)
		mean += x[t];
	mean /= (double)n;
	for (size_t t = 0; t < n; t++) {
		double e = x[t] - mean;
		S += e;
		eta += S * S;
		s2 += e * e;
	}
	eta /= (double)n * (double)n;
	for (int l = 1; l <= lags && (size_t)l < n; l++) {
		double acc = 0;
		for (size_t t = (size_t)l; t < n; t++)
			acc += (x[t] - mean) * (x[t - (size_t)l] - mean);
		s2 += 2 * acc * (1 - l / (lags + 1.0));
	}
	s2 /= (double)n;
	return eta / s2;
}

static int
r_lags(size_t n)
{
	return (int)trunc(3 * sqrt((double)n) / 13);
}

enum k_status
k_arima_kpss(const double *y, size_t n, int lags, double *stat,
             struct k_error *err)
{
	double *x = malloc((n + 1) * sizeof *x);
	size_t N = 0;

	if (x == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t t = 0; t < n; t++)
		if (!isnan(y[t])) {
			if (isinf(y[t])) {
				free(x);
				return k_error_set(err, K_EDATA,
				                   "observation %zu is infinite", t + 1);
			}
			x[N++] = y[t];
		}
	if (N < 3) {
		free(x);
		return k_error_set(err, K_EDATA,
		                   "kpss: %zu observed values, at least 3 needed", N);
	}
	if (is_constant(x, N)) {
		free(x);
		return k_error_set(err, K_EDATA, "kpss: the series is constant");
	}
	*stat = kpss_stat(x, N, lags < 0 ? r_lags(N) : lags);
	free(x);
	return K_OK;
}

/* urca's p-value: linear interpolation of the KPSS "mu" table, clamped. */
static double
kpss_pvalue(double stat)
{
	static const double cv[] = { 0.347, 0.463, 0.574, 0.739 };
	static const double pv[] = { 0.10, 0.05, 0.025, 0.01 };

	if (stat <= cv[0])
		return pv[0];
	if (stat >= cv[3])
		return pv[3];
	for (int i = 0; i < 3; i++)
		if (stat <= cv[i + 1])
			return pv[i] + (pv[i + 1] - pv[i]) * (stat - cv[i]) /
			       (cv[i + 1] - cv[i]);
	return pv[3];
}

enum k_status
k_arima_ndiffs(const double *y, size_t n, double alpha, int max_d, int *dout,
               struct k_error *err)
{
	double *x = malloc((n + 1) * sizeof *x);
	size_t N = 0;
	int d = 0;

	if (x == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	if (!(alpha > 0) || !(alpha < 1) || max_d < 0 || max_d > K_ARIMA_MAX_D) {
		free(x);
		return k_error_set(err, K_EUSAGE,
		                   "ndiffs: alpha must be in (0, 1) and max_d in 0..2");
	}
	for (size_t t = 0; t < n; t++)
		if (!isnan(y[t])) {
			if (isinf(y[t])) {
				free(x);
				return k_error_set(err, K_EDATA,
				                   "observation %zu is infinite", t + 1);
			}
			x[N++] = y[t];
		}
	/* R clamps alpha to the table's range. */
	if (alpha < 0.01)
		alpha = 0.01;
	if (alpha > 0.1)
		alpha = 0.1;
	if (N < 3 || is_constant(x, N)) {
		free(x);
		*dout = 0;
		return K_OK;
	}
	int dodiff = kpss_pvalue(kpss_stat(x, N, r_lags(N))) < alpha;
	while (dodiff && d < max_d) {
		d++;
		for (size_t t = 0; t + 1 < N; t++)
			x[t] = x[t + 1] - x[t];
		N--;
		if (N < 3 || is_constant(x, N))
			break;
		dodiff = kpss_pvalue(kpss_stat(x, N, r_lags(N))) < alpha;
	}
	free(x);
	*dout = d;
	return K_OK;
}

/* ---------------------------------------------------------------------
 * Stepwise order selection (Hyndman and Khandakar 2008; R's auto.arima)
 */

void
k_arima_auto_params_default(struct k_arima_auto_params *ap)
{
	memset(ap, 0, sizeof *ap);
	ap->d = -1;
	ap->max_d = 2;
	ap->alpha = 0.05;
	ap->max_p = 5;
	ap->max_q = 5;
	ap->start_p = 2;
	ap->start_q = 2;
	ap->allow_constant = 1;
	ap->max_models = 94;
	ap->min_root = 1.01;
	k_arima_params_default(&ap->fit);
}

const char *
k_arima_auto_params_check(const struct k_arima_auto_params *ap)
{
	if (ap->d < -1 || ap->d > K_ARIMA_MAX_D)
		return "d must be -1 (test) or in 0..2";
	if (ap->max_d < 0 || ap->max_d > K_ARIMA_MAX_D)
		return "max_d must be in 0..2";
	if (!(ap->alpha > 0) || !(ap->alpha < 1))
		return "alpha must be in (0, 1)";
	if (ap->max_p < 0 || ap->max_p > K_ARIMA_MAX_P)
		return "max_p must be in 0..12";
	if (ap->max_q < 0 || ap->max_q > K_ARIMA_MAX_Q)
		return "max_q must be in 0..12";
	if (ap->start_p < 0 || ap->start_q < 0)
		return "start_p and start_q must not be negative";
	if (ap->max_models < 1)
		return "max_models must be at least 1";
	if (!(ap->min_root >= 1) || !isfinite(ap->min_root))
		return "min_root must be at least 1";
	struct k_arima_params fp = ap->fit;
	fp.p = fp.q = 0;
	fp.d = 0;
	fp.constant = 0;
	fp.has_start = 0;
	return k_arima_params_check(&fp);
}

struct k_arima_auto {
	const double *y;
	size_t n;
	struct k_arima_auto_params par;
	int d;
	int allow_c;              /* constant allowed at this d */
	struct k_arima_trial *trials;
	size_t ntrials;
	struct k_arima_model best;
	int have_best;
	int p, q, c;              /* the model neighbours are taken around */
	int init_left;            /* initial candidates still to fit */
	int init_pos;
	int done;
};

void
k_arima_auto_free(struct k_arima_auto *a)
{
	if (a == NULL)
		return;
	free(a->trials);
	free(a);
}

enum k_status
k_arima_auto_init(struct k_arima_auto **ap, const double *y, size_t n,
                  const struct k_arima_auto_params *par, struct k_error *err)
{
	struct k_arima_auto *a;
	const char *msg;
	enum k_status rc;

	*ap = NULL;
	if ((msg = k_arima_auto_params_check(par)) != NULL)
		return k_error_set(err, K_EUSAGE, "auto arima: %s", msg);
	/* The smallest model must be fittable for the search to mean much. */
	if ((rc = k_arima_check_series(y, n, 0, 1, err)) != K_OK)
		return rc;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	a->trials = calloc((size_t)par->max_models, sizeof *a->trials);
	if (a->trials == NULL) {
		free(a);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	a->y = y;
	a->n = n;
	a->par = *par;
	if (par->d >= 0) {
		a->d = par->d;
	} else if ((rc = k_arima_ndiffs(y, n, par->alpha, par->max_d, &a->d,
	                                err)) != K_OK) {
		k_arima_auto_free(a);
		return rc;
	}
	a->allow_c = par->allow_constant && a->d <= 1;
	a->p = par->start_p < par->max_p ? par->start_p : par->max_p;
	a->q = par->start_q < par->max_q ? par->start_q : par->max_q;
	a->c = a->allow_c;
	a->init_pos = 0;
	*ap = a;
	return K_OK;
}

static int
tried(const struct k_arima_auto *a, int p, int q, int c)
{
	for (size_t i = 0; i < a->ntrials; i++)
		if (a->trials[i].p == p && a->trials[i].q == q &&
		    a->trials[i].constant == c)
			return 1;
	return 0;
}

/* Fit one candidate, record it; returns 1 if it beat the best so far. */
static enum k_status
try_model(struct k_arima_auto *a, int p, int q, int c, int *better,
          struct k_error *err)
{
	struct k_arima_params fp = a->par.fit;
	struct k_arima_model m;
	struct k_error e2;
	enum k_status rc;
	double ic = INFINITY;

	*better = 0;
	fp.p = p;
	fp.q = q;
	fp.d = a->d;
	fp.constant = c;
	fp.has_start = 0;
	fp.std_errors = 0;
	rc = k_arima_fit(a->y, a->n, &fp, &m, &e2);
	if (rc == K_ENOMEM || rc == K_EINTERNAL) {
		if (err)
			*err = e2;
		return rc;
	}
	if (rc == K_OK && k_arima_roots_outside(&m, a->par.min_root))
		ic = m.aicc;
	struct k_arima_trial *t = &a->trials[a->ntrials++];
	t->p = p;
	t->d = a->d;
	t->q = q;
	t->constant = c;
	t->aicc = ic;
	if (isfinite(ic) && (!a->have_best || ic < a->best.aicc)) {
		a->best = m;
		a->have_best = 1;
		*better = 1;
	}
	return K_OK;
}

enum k_status
k_arima_auto_iterate(struct k_arima_auto *a, struct k_error *err)
{
	int better;
	enum k_status rc;

	if (a->done)
		return k_error_set(err, K_EINTERNAL,
		                   "auto arima stepped after it stopped");
	if ((size_t)a->par.max_models <= a->ntrials) {
		a->done = 1;
		return K_OK;
	}
	/* The initial models: (start_p, start_q), (0,0), (1,0), (0,1), and
	 * (0,0) without the constant. */
	while (a->init_pos < 5) {
		int pos = a->init_pos++;
		int p, q, c = a->allow_c;
		switch (pos) {
		case 0:
			p = a->p;
			q = a->q;
			break;
		case 1:
			p = q = 0;
			break;
		case 2:
			if (a->par.max_p == 0)
				continue;
			p = 1;
			q = 0;
			break;
		case 3:
			if (a->par.max_q == 0)
				continue;
			p = 0;
			q = 1;
			break;
		default:
			if (!a->allow_c)
				continue;
			p = q = 0;
			c = 0;
			break;
		}
		if (tried(a, p, q, c))
			continue;
		if ((rc = try_model(a, p, q, c, &better, err)) != K_OK)
			return rc;
		if (better || (pos == 0 && !a->have_best)) {
			a->p = p;
			a->q = q;
			a->c = c;
		}
		return K_OK;
	}
	/* The neighbours of the current model, in R's order; the first
	 * improvement moves there and the scan starts again. */
	int P = a->p, Q = a->q, C = a->c, mp = a->par.max_p, mq = a->par.max_q;
	const struct { int ok, p, q, c; } nb[9] = {
		{ P > 0, P - 1, Q, C },
		{ Q > 0, P, Q - 1, C },
		{ P < mp, P + 1, Q, C },
		{ Q < mq, P, Q + 1, C },
		{ P > 0 && Q > 0, P - 1, Q - 1, C },
		{ Q < mq && P > 0, P - 1, Q + 1, C },
		{ Q > 0 && P < mp, P + 1, Q - 1, C },
		{ Q < mq && P < mp, P + 1, Q + 1, C },
		{ a->allow_c, P, Q, !C },
	};
	for (int i = 0; i < 9; i++) {
		if (!nb[i].ok || tried(a, nb[i].p, nb[i].q, nb[i].c))
			continue;
		if ((rc = try_model(a, nb[i].p, nb[i].q, nb[i].c, &better, err)) != K_OK)
			return rc;
		if (better) {
			a->p = nb[i].p;
			a->q = nb[i].q;
			a->c = nb[i].c;
		}
		if ((size_t)a->par.max_models <= a->ntrials)
			a->done = 1;
		return K_OK;
	}
	a->done = 1;
	return K_OK;
}

int
k_arima_auto_converged(const struct k_arima_auto *a)
{
	return a->done;
}

const struct k_arima_trial *
k_arima_auto_trials(const struct k_arima_auto *a, size_t *n)
{
	*n = a->ntrials;
	return a->trials;
}

enum k_status
k_arima_auto_finish(struct k_arima_auto *a, struct k_arima_model *m,
                    struct k_error *err)
{
	struct k_arima_params fp = a->par.fit;

	if (!a->have_best)
		return k_error_set(err, K_EDATA,
		                   "no candidate model could be fitted (%zu tried, d=%d)",
		                   a->ntrials, a->d);
	if (!fp.std_errors) {
		*m = a->best;
		return K_OK;
	}
	/* The search skips standard errors; refit the winner from its own
	 * estimates to get them. */
	fp.p = a->best.p;
	fp.d = a->best.d;
	fp.q = a->best.q;
	fp.constant = a->best.constant;
	fp.has_start = 1;
	memcpy(fp.start, a->best.coef, (size_t)a->best.k * sizeof *fp.start);
	return k_arima_fit(a->y, a->n, &fp, m, err);
}

/* ---------------------------------------------------------------------
 * Serialisation
 */

void
k_arima_model_encode(const struct k_arima_model *m, struct k_buf *b)
{
	int ms = m->state.m;

	k_buf_put_u32(b, PAYLOAD_MAGIC);
	k_buf_put_u32(b, PAYLOAD_VERSION);
	k_buf_put_i32(b, m->p);
	k_buf_put_i32(b, m->d);
	k_buf_put_i32(b, m->q);
	k_buf_put_i32(b, m->constant);
	k_buf_put_i32(b, m->k);
	for (int i = 0; i < m->k; i++)
		k_buf_put_f64(b, m->coef[i]);
	for (int i = 0; i < m->k; i++)
		k_buf_put_f64(b, m->se[i]);
	k_buf_put_f64(b, m->loglike);
	k_buf_put_f64(b, m->aic);
	k_buf_put_f64(b, m->aicc);
	k_buf_put_f64(b, m->bic);
	k_buf_put_u64(b, (uint64_t)m->nobs);
	k_buf_put_u64(b, (uint64_t)m->nobs_missing);
	k_buf_put_u64(b, (uint64_t)m->nobs_effective);
	k_buf_put_i32(b, m->iterations);
	k_buf_put_u64(b, (uint64_t)m->evaluations);
	k_buf_put_i32(b, m->converged);
	k_buf_put_f64(b, m->diffuse_variance);
	k_buf_put_f64(b, m->steady_tol);
	k_buf_put_u64(b, (uint64_t)m->t);
	k_buf_put_u64(b, (uint64_t)m->updates);
	k_buf_put_i32(b, ms);
	for (int i = 0; i < ms; i++)
		k_buf_put_f64(b, m->state.a[i]);
	for (int i = 0; i < ms * ms; i++)
		k_buf_put_f64(b, m->state.P[i]);
	k_buf_put_i32(b, m->state.steady);
}

/* In the decoder's helpers: the payload is bad, err says how. */
#define BAD(...) return k_error_set(err, K_EDATA, __VA_ARGS__)

/* The payload's magic and version, the order and the number of
 * coefficients. */
static enum k_status
decode_order(struct k_buf_cur *c, struct k_arima_model *m,
             struct k_error *err)
{
	uint32_t magic = k_buf_cur_u32(c);
	uint32_t ver = k_buf_cur_u32(c);
	if (c->bad || magic != PAYLOAD_MAGIC)
		BAD("arima payload: bad magic");
	if (ver != PAYLOAD_VERSION)
		BAD("arima payload: version %u, this build reads %u", ver,
		    PAYLOAD_VERSION);
	m->p = k_buf_cur_i32(c);
	m->d = k_buf_cur_i32(c);
	m->q = k_buf_cur_i32(c);
	m->constant = k_buf_cur_i32(c);
	m->k = k_buf_cur_i32(c);
	if (c->bad)
		BAD("arima payload: truncated");
	if (m->p < 0 || m->p > K_ARIMA_MAX_P || m->q < 0 || m->q > K_ARIMA_MAX_Q ||
	    m->d < 0 || m->d > K_ARIMA_MAX_D ||
	    (m->constant != 0 && m->constant != 1))
		BAD("arima payload: order (%d,%d,%d) constant %d out of range",
		    m->p, m->d, m->q, m->constant);
	if (m->k != k_arima_ncoef(m->p, m->q, m->constant))
		BAD("arima payload: %d coefficients for order (%d,%d,%d)", m->k,
		    m->p, m->d, m->q);
	return K_OK;
}

/* After the order: the estimates, criteria, counts, filter settings and
 * the filter state, to the payload's end. */
static enum k_status
decode_fields(struct k_buf_cur *c, struct k_arima_model *m,
              struct k_error *err)
{
	for (int i = 0; i < m->k; i++)
		m->coef[i] = k_buf_cur_f64(c);
	for (int i = 0; i < m->k; i++)
		m->se[i] = k_buf_cur_f64(c);
	m->loglike = k_buf_cur_f64(c);
	m->aic = k_buf_cur_f64(c);
	m->aicc = k_buf_cur_f64(c);
	m->bic = k_buf_cur_f64(c);
	m->nobs = (long)k_buf_cur_u64(c);
	m->nobs_missing = (long)k_buf_cur_u64(c);
	m->nobs_effective = (long)k_buf_cur_u64(c);
	m->iterations = k_buf_cur_i32(c);
	m->evaluations = (long)k_buf_cur_u64(c);
	m->converged = k_buf_cur_i32(c);
	m->diffuse_variance = k_buf_cur_f64(c);
	m->steady_tol = k_buf_cur_f64(c);
	m->t = (long)k_buf_cur_u64(c);
	m->updates = (long)k_buf_cur_u64(c);
	int ms = k_buf_cur_i32(c);
	if (c->bad)
		BAD("arima payload: truncated");
	int r = m->p > m->q + 1 ? m->p : m->q + 1;
	if (ms != m->d + r)
		BAD("arima payload: state dimension %d, expected %d", ms, m->d + r);
	m->state.m = ms;
	for (int i = 0; i < ms; i++)
		m->state.a[i] = k_buf_cur_f64(c);
	for (int i = 0; i < ms * ms; i++)
		m->state.P[i] = k_buf_cur_f64(c);
	m->state.steady = k_buf_cur_i32(c);
	if (c->bad)
		BAD("arima payload: truncated");
	if (k_buf_cur_left(c) != 0)
		BAD("arima payload: %zu unexpected trailing bytes", k_buf_cur_left(c));
	return K_OK;
}

/* Estimates a fit could have made, and counts and settings that agree. */
static enum k_status
check_estimates(const struct k_arima_model *m, struct k_error *err)
{
	const long lmax = INT64_MAX / 2;

	for (int i = 0; i < m->k; i++) {
		if (!isfinite(m->coef[i]))
			BAD("arima payload: coefficient %d is not finite", i);
		if (!isnan(m->se[i]) && !(m->se[i] >= 0 && isfinite(m->se[i])))
			BAD("arima payload: standard error %d is invalid", i);
	}
	if (!(m->coef[m->k - 1] > 0))
		BAD("arima payload: sigma2 is not positive");
	int cc = m->constant;
	double neg[K_ARIMA_MAX_Q];
	for (int j = 0; j < m->q; j++)
		neg[j] = -m->coef[cc + m->p + j];
	if (!stationary(m->coef + cc, m->p) || !stationary(neg, m->q))
		BAD("arima payload: coefficients are not stationary and invertible");
	if (m->nobs < 0 || m->nobs > lmax || m->nobs_missing < 0 ||
	    m->nobs_missing > m->nobs || m->t < 0 || m->t > lmax ||
	    m->updates < 0 || m->updates > m->t || m->nobs_effective > m->nobs)
		BAD("arima payload: inconsistent observation counts");
	if (!(m->diffuse_variance > 0) || !isfinite(m->diffuse_variance) ||
	    !(m->steady_tol >= 0) || !(m->steady_tol < 1))
		BAD("arima payload: bad filter settings");
	return K_OK;
}

/* A filter state: a finite mean, a finite symmetric covariance with a
 * diagonal not below 0 (but for rounding). */
static enum k_status
check_state(const struct k_kalman_state *st, struct k_error *err)
{
	int ms = st->m;

	if (st->steady != 0 && st->steady != 1)
		BAD("arima payload: bad steady flag");
	/* A state the data pin down exactly has variance 0, which rounding
	 * leaves a hair either side of: tolerate that, not more. */
	double pscale = 1;
	for (int i = 0; i < ms * ms; i++)
		if (fabs(st->P[i]) > pscale)
			pscale = fabs(st->P[i]);
	for (int i = 0; i < ms; i++) {
		if (!isfinite(st->a[i]))
			BAD("arima payload: state mean %d is not finite", i);
		if (!(st->P[i * ms + i] >= -1e-9 * pscale))
			BAD("arima payload: state variance %d is negative", i);
		for (int j = 0; j < ms; j++) {
			double v = st->P[i * ms + j];
			if (!isfinite(v) || v != st->P[j * ms + i])
				BAD("arima payload: state covariance is not finite and symmetric");
		}
	}
	return K_OK;
}

#undef BAD

enum k_status
k_arima_model_decode(const void *p, size_t n, struct k_arima_model *m,
                     struct k_error *err)
{
	struct k_buf_cur c;
	enum k_status rc;

	memset(m, 0, sizeof *m);
	k_buf_cur_init(&c, p, n);
	if ((rc = decode_order(&c, m, err)) != K_OK ||
	    (rc = decode_fields(&c, m, err)) != K_OK ||
	    (rc = check_estimates(m, err)) != K_OK ||
	    (rc = check_state(&m->state, err)) != K_OK)
		memset(m, 0, sizeof *m);
	return rc;
}
