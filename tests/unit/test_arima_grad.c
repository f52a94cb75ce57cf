/*
 * test_arima_grad.c - the exact gradient of the ARIMA log-likelihood
 * (k_arima_loglike_grad, k_arima_fit_objective) against fourth-order
 * central differences of the likelihood itself, on the statsmodels
 * fixture series and on simulated ones that reach the other code paths
 * (a trend with d = 2, q = 3, missing values at the start, in runs, in
 * the transient and after it, for d = 0, 1, 2, with and without a
 * constant, p = 0 and q = 0, no ARMA part); the pieces under it (the
 * filter's adjoint, k_kalman_filter_adjoint, against its forward-mode
 * derivatives, k_kalman_filter_grad, on a dense system; their refusals;
 * the Lyapunov solve with several right-hand sides; k_optim with a
 * gradient); and every error path. The fixture file is tests/fixtures/arima/cases.json
 * (run from the repository root, as make unit does), or argv[1].
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "numeric/k_arima.h"
#include "numeric/k_kalman.h"
#include "numeric/k_optim.h"
#include "ktest.h"

#define FIXTURES "tests/fixtures/arima/cases.json"

/* Agreement asked of the gradient: relative, on the scale of the largest
 * component (a component near 0 is compared on that scale). */
#define TOL_GRAD 1e-6
/* Difference step, relative to max(|c|, 0.1): large enough that the
 * rounding of the likelihood (about 1e-12 relative with the 1e6 diffuse
 * prior) stays far below TOL_GRAD, small enough for a fourth-order
 * stencil. */
#define FD_STEP 1e-3

static double *
jarray(const json_t *a, size_t *n)
{
	size_t len = json_array_size(a);
	double *v = malloc((len + 1) * sizeof *v);

	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(a, i);
		v[i] = json_is_null(e) ? NAN : json_number_value(e);
	}
	if (n)
		*n = len;
	return v;
}

static double
loglike_at(const double *y, size_t n, const struct k_arima_params *par,
           const double *coef)
{
	double llf;
	struct k_error err = { 0 };

	if (k_arima_loglike(y, n, par, coef, &llf, NULL, &err) != K_OK)
		return NAN;
	return llf;
}

/* d llf / d coef_i by (8 (f(+h) - f(-h)) - (f(+2h) - f(-2h))) / 12h. */
static double
fd_coef(const double *y, size_t n, const struct k_arima_params *par,
        const double *coef, int k, int i)
{
	double c[K_ARIMA_MAX_PAR], f[4];
	static const double off[4] = { 1, -1, 2, -2 };
	double h = FD_STEP * (fabs(coef[i]) > 0.1 ? fabs(coef[i]) : 0.1);

	for (int s = 0; s < 4; s++) {
		memcpy(c, coef, (size_t)k * sizeof *c);
		c[i] = coef[i] + off[s] * h;
		f[s] = loglike_at(y, n, par, c);
	}
	return (8 * (f[0] - f[1]) - (f[2] - f[3])) / (12 * h);
}

/* The analytic gradient at coef against differences, component by
 * component; also the log-likelihood against k_arima_loglike's. */
static void
check_coef_grad(const char *name, const double *y, size_t n,
                const struct k_arima_params *par, const double *coef)
{
	int k = k_arima_ncoef(par->p, par->q, par->constant);
	double g[K_ARIMA_MAX_PAR], fd[K_ARIMA_MAX_PAR], llf, scale = 0;
	struct k_error err = { 0 };

	KT_EQ_INT(k_arima_loglike_grad(y, n, par, coef, &llf, g, &err), K_OK);
	KT_RNEAR(llf, loglike_at(y, n, par, coef), 1e-12);
	for (int i = 0; i < k; i++) {
		fd[i] = fd_coef(y, n, par, coef, k, i);
		if (fabs(fd[i]) > scale)
			scale = fabs(fd[i]);
	}
	for (int i = 0; i < k; i++) {
		ktest_checks++;
		if (!(fabs(g[i] - fd[i]) <= TOL_GRAD * scale))
			KT_FAIL("%s: d llf / d coef %d: analytic %.12g, differences "
			        "%.12g (scale %g)", name, i, g[i], fd[i], scale);
	}
}

/* Every fixture series at statsmodels' fixed coefficients, with the
 * steady shortcut and without it. The d = 2 case with a 1e3 diffuse
 * prior: with 1e6 the rounding of the likelihood itself (differences of
 * states of variance 1e12) is about as large as TOL_GRAD. */
static void
test_fixtures(const json_t *cases)
{
	size_t ci;
	json_t *c;

	json_array_foreach(cases, ci, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const json_t *o = json_object_get(c, "order");
		struct k_arima_params par;
		size_t n;
		double *y = jarray(json_object_get(c, "y"), &n);
		double *fixed = jarray(json_object_get(c, "fixed_params"), NULL);

		k_arima_params_default(&par);
		par.p = (int)json_integer_value(json_array_get(o, 0));
		par.d = (int)json_integer_value(json_array_get(o, 1));
		par.q = (int)json_integer_value(json_array_get(o, 2));
		par.constant = json_is_true(json_object_get(c, "constant"));
		if (par.d == 2)
			par.diffuse_variance = 1e3;
		check_coef_grad(name, y, n, &par, fixed);
		par.steady_tol = 0;
		check_coef_grad(name, y, n, &par, fixed);
		free(y);
		free(fixed);
	}
}

/* An ARMA(1,1) path, integrated d times, with a trend beta t^d. */
static void
simulate(double *y, size_t n, double phi, double theta, double sigma,
         double beta, int d, uint64_t seed)
{
	struct k_rng r;
	double x = 0, e = 0;

	k_rng_seed(&r, seed, 0);
	for (size_t t = 0; t < n + 100; t++) {
		double en = sigma * k_rng_normal(&r);
		x = phi * x + en + theta * e;
		e = en;
		if (t >= 100)
			y[t - 100] = x;
	}
	for (int k = 0; k < d; k++)
		for (size_t t = 1; t < n; t++)
			y[t] += y[t - 1];
	for (size_t t = 0; t < n; t++) {
		double tt = (double)(t + 1);
		y[t] += beta * (d == 0 ? 1 : d == 1 ? tt : tt * tt);
	}
}

/* The paths the fixtures do not reach. */
static void
test_simulated(void)
{
	enum { N = 420 };
	static double y[N];
	struct k_arima_params par;

	/* A quadratic trend on a twice-integrated series. */
	simulate(y, N, 0.5, 0.3, 1.7, 0.0385, 2, 21);
	k_arima_params_default(&par);
	par.p = 1;
	par.d = 2;
	par.q = 1;
	par.constant = 1;
	par.diffuse_variance = 1e3;
	double c1[] = { 0.041, 0.45, 0.25, 2.9 };
	check_coef_grad("trend.2", y, N, &par, c1);

	/* q = 3: the general adjoint recursion; a mean. */
	simulate(y, N, -0.3, 0.6, 2.385, 12.5, 0, 22);
	par.p = 2;
	par.d = 0;
	par.q = 3;
	par.constant = 1;
	par.diffuse_variance = 1e6;
	double c2[] = { 12.4, -0.2, 0.1, 0.55, 0.12, -0.05, 5.6 };
	check_coef_grad("arma23_mean", y, N, &par, c2);

	/* Missing values, the last one at the end: no steady tail at all. */
	simulate(y, N, 0.7, -0.2, 1.1, 0, 1, 23);
	for (size_t t = 5; t < N; t += 37)
		y[t] = NAN;
	y[N - 1] = NAN;
	par.p = 1;
	par.d = 1;
	par.q = 2;
	par.constant = 0;
	double c3[] = { 0.6, -0.15, 0.08, 1.3 };
	check_coef_grad("missing_end", y, N, &par, c3);

	/* No ARMA part: sigma2 alone, and with a drift. */
	par.p = 0;
	par.q = 0;
	y[N - 1] = y[N - 2];
	double c4[] = { 1.4 };
	check_coef_grad("white_d1", y, N, &par, c4);
	par.constant = 1;
	double c5[] = { 0.05, 1.4 };
	check_coef_grad("drift_only", y, N, &par, c5);
}

/* Missing values where the filter's forward and backward passes turn:
 * at the first observation, in a run, inside the transient before P is
 * steady, and after it (which starts the transient again), for d = 0, 1
 * and 2, with and without a constant, and with p = 0 or q = 0 (no
 * wanted entries of T; no seeded errors). Each case with the steady
 * shortcut and without it. */
static void
test_missing(void)
{
	enum { N = 360 };
	static double y[N];
	static const size_t gaps[] = { 0, 3, 9, 10, 11, 150, 151, 280 };
	struct k_arima_params par;
	struct {
		const char *name;
		int p, d, q, constant;
		double phi, theta, sigma, beta;
		double coef[6];
	} cases[] = {
		{ "miss_arma11_mean", 1, 0, 1, 1, 0.6, 0.3, 1.2, 3.5,
		  { 3.4, 0.55, 0.25, 1.5 } },
		{ "miss_ar2_mean", 2, 0, 0, 1, 0.5, 0, 0.9, -2.0,
		  { -1.9, 0.45, -0.2, 0.85 } },
		{ "miss_ma2_d1", 0, 1, 2, 0, 0, 0.4, 1.0, 0,
		  { 0.35, -0.2, 1.1 } },
		{ "miss_arima111_drift", 1, 1, 1, 1, 0.3, -0.5, 2.0, 0.1,
		  { 0.09, 0.25, -0.45, 4.2 } },
		{ "miss_arima210_d1", 2, 1, 0, 0, 0.6, 0, 1.3, 0,
		  { 0.5, 0.15, 1.6 } },
		{ "miss_arima012_d2_trend", 0, 2, 2, 1, 0, 0.5, 0.7, 0.02,
		  { 0.021, 0.45, 0.1, 0.5 } },
		{ "miss_arima211_d2", 2, 2, 1, 0, 0.4, 0.2, 1.1, 0,
		  { 0.35, -0.1, 0.3, 1.3 } },
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		simulate(y, N, cases[c].phi, cases[c].theta, cases[c].sigma,
		         cases[c].beta, cases[c].d, 50 + c);
		for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++)
			y[gaps[g]] = NAN;
		k_arima_params_default(&par);
		par.p = cases[c].p;
		par.d = cases[c].d;
		par.q = cases[c].q;
		par.constant = cases[c].constant;
		if (par.d == 2)
			par.diffuse_variance = 1e3;
		check_coef_grad(cases[c].name, y, N, &par, cases[c].coef);
		par.steady_tol = 0;
		check_coef_grad(cases[c].name, y, N, &par, cases[c].coef);
	}
}

/* A dense m = 4 system: T, RQR, P_0 full, H > 0, an intercept beta x_t,
 * missing values (the first and the last but one among them), five
 * parameters moving respectively all of T, one entry of T, RQR, beta,
 * and the initial state. The adjoint's derivatives of J = llsum + sum vbar_j v_j + Fbar
 * F_last, contracted with each parameter's direction, against the
 * forward-mode derivatives of the same J; the forward passes of both
 * against each other, bit for bit. With the steady shortcut (stopping
 * early) and without it. */
static void
test_adjoint(void)
{
	enum { M = 4, MM = M * M, N = 140, K = 5, NV = 3 };
	struct k_rng r;
	struct k_kalman_ssm ss;
	struct k_kalman_state st0, st1, st2;
	struct k_kalman_grad g;
	struct k_kalman_tape tp;
	static struct k_kalman_adjoint adj;
	struct k_error err = { 0 };
	static double dT[K * MM], dQ[K * MM], dP[K * MM], da[K * M];
	static double dP0[K * MM], da0[K * M], dv[N * K], tape[8 * N * MM];
	double y[N], x[N], v1[N], v2[N], dbeta[K], dll[K], dF[K];
	double B[MM], C[MM], a0[M], P0[MM], vbar[NV], beta = 0.3;
	int tpos[MM];

	k_rng_seed(&r, 77, 0);
	memset(&ss, 0, sizeof ss);
	ss.m = M;
	for (int i = 0; i < MM; i++) {
		ss.T[i] = 0.22 * k_rng_normal(&r);
		B[i] = 0.5 * k_rng_normal(&r);
		C[i] = 0.8 * k_rng_normal(&r);
		tpos[i] = i;
	}
	ss.Z[0] = 1;
	ss.Z[1] = 0.5;
	ss.Z[3] = -0.3;
	ss.H = 0.7;
	for (int i = 0; i < M; i++) {
		a0[i] = k_rng_normal(&r);
		for (int j = 0; j < M; j++) {
			double s = 0, u = i == j;
			for (int l = 0; l < M; l++) {
				s += B[i * M + l] * B[j * M + l];
				u += C[i * M + l] * C[j * M + l];
			}
			ss.RQR[i * M + j] = s;
			P0[i * M + j] = u;
		}
	}
	for (size_t t = 0; t < N; t++) {
		x[t] = (double)(t + 1) / N;
		y[t] = 2 * k_rng_normal(&r) + beta * x[t];
	}
	y[0] = y[21] = y[22] = y[48] = y[N - 2] = NAN;
	/* The directions: dT dense for 0, one entry for 1; dRQR for 2; beta
	 * for 3; a_0 and P_0 for 4. */
	memset(dT, 0, sizeof dT);
	memset(dQ, 0, sizeof dQ);
	memset(dP0, 0, sizeof dP0);
	memset(da0, 0, sizeof da0);
	for (int i = 0; i < MM; i++)
		dT[i] = k_rng_normal(&r);
	dT[MM + 2 * M + 1] = 1;
	for (int i = 0; i < M; i++)
		for (int j = 0; j <= i; j++) {
			double u = k_rng_normal(&r), w = k_rng_normal(&r);
			dQ[2 * MM + i * M + j] = dQ[2 * MM + j * M + i] = u;
			dP0[4 * MM + i * M + j] = dP0[4 * MM + j * M + i] = w;
		}
	for (int i = 0; i < M; i++)
		da0[4 * M + i] = k_rng_normal(&r);
	for (int i = 0; i < K; i++)
		dbeta[i] = i == 3;
	for (int j = 0; j < NV; j++)
		vbar[j] = k_rng_normal(&r);

	for (int pass = 0; pass < 2; pass++) {
		double tol = pass ? 0 : 1e-15, sum1, sum2, Fbar = 0.37;
		size_t from = pass ? SIZE_MAX : 70, stop1, stop2;
		k_kalman_state_init(&st0, M, a0, P0);
		st1 = st0;
		st2 = st0;
		memcpy(dP, dP0, sizeof dP);
		memcpy(da, da0, sizeof da);
		memset(&g, 0, sizeof g);
		g.k = K;
		g.dT = dT;
		g.dRQR = dQ;
		g.dbeta = dbeta;
		g.da = da;
		g.dP = dP;
		g.dll = dll;
		g.dv = dv;
		g.dF = dF;
		KT_EQ_INT(k_kalman_filter_grad(&ss, &st1, y, x, beta, N, tol, 2,
		                               from, &stop1, &sum1, v1, &g, &err),
		          K_OK);
		KT_EQ_INT(k_kalman_tape_init(&tp, M, MM, tpos, tape, N, &err), K_OK);
		KT_EQ_INT(k_kalman_filter_record(&ss, &st2, y, x, beta, N, tol, 2,
		                                 from, &stop2, &sum2, v2, &tp, &err),
		          K_OK);
		KT_EQ_INT(stop1, stop2);
		KT_CHECK(pass == 1 ? stop2 == N : stop2 < N);
		KT_CHECK(sum1 == sum2);
		KT_CHECK(memcmp(v1, v2, stop1 * sizeof *v1) == 0);
		KT_CHECK(memcmp(st1.a, st2.a, sizeof st1.a) == 0);
		KT_CHECK(memcmp(st1.P, st2.P, sizeof st1.P) == 0);
		adj.vbar = vbar;
		adj.nvbar = NV;
		adj.Fbar = Fbar;
		k_kalman_filter_adjoint(&ss, &tp, x, &adj);
		double fwd[K], rev[K], scale = 0;
		for (int i = 0; i < K; i++) {
			fwd[i] = dll[i] + Fbar * dF[i];
			for (int j = 0; j < NV; j++)
				fwd[i] += vbar[j] * dv[(stop1 - NV + j) * K + i];
			rev[i] = adj.betabar * dbeta[i];
			for (int e = 0; e < MM; e++)
				rev[i] += adj.Tbar[e] * dT[i * MM + e] +
				          adj.RQRbar[e] * dQ[i * MM + e] +
				          adj.Pbar[e] * dP0[i * MM + e];
			for (int e = 0; e < M; e++)
				rev[i] += adj.abar[e] * da0[i * M + e];
			if (fabs(fwd[i]) > scale)
				scale = fabs(fwd[i]);
		}
		for (int i = 0; i < K; i++) {
			ktest_checks++;
			if (!(fabs(fwd[i] - rev[i]) <= 1e-11 * scale))
				KT_FAIL("adjoint, pass %d: dJ / dtheta %d: reverse %.15g, "
				        "forward %.15g", pass, i, rev[i], fwd[i]);
		}
		KT_CHECK(scale > 1);
	}

	/* What the tape refuses. */
	int bad = MM;
	KT_EQ_INT(k_kalman_tape_init(&tp, 0, 0, tpos, tape, N, &err), K_EUSAGE);
	KT_EQ_INT(k_kalman_tape_init(&tp, M, K_KALMAN_MAX_GRAD + 1, tpos, tape,
	                             N, &err), K_EUSAGE);
	KT_EQ_INT(k_kalman_tape_init(&tp, M, 1, &bad, tape, N, &err), K_EUSAGE);
	KT_EQ_INT(k_kalman_tape_init(&tp, M, 1, tpos, tape, N - 1, &err), K_OK);
	k_kalman_state_init(&st0, M, a0, P0);
	double sum;
	size_t stop;
	KT_EQ_INT(k_kalman_filter_record(&ss, &st0, y, x, beta, N, 1e-15, 2,
	                                 SIZE_MAX, &stop, &sum, NULL, &tp, &err),
	          K_EUSAGE);
	KT_CHECK(strstr(err.text, "tape") != NULL);
	KT_CHECK(k_kalman_tape_size(M, 1, N) < k_kalman_tape_size(M, 2, N));
	KT_EQ_INT(k_kalman_tape_size(M, MM, N), k_kalman_tape_size(M, M, N));
}

/* The optimiser's objective in the free parameters (Monahan transform,
 * log sigma2) through k_arima_fit_objective, against differences of
 * that objective. */
static void
test_objective(void)
{
	enum { N = 500 };
	static double y[N];
	struct k_arima_params par;
	struct k_arima_fit *f;
	struct k_error err = { 0 };
	double x[] = { 0.31, -0.42, 0.27, 0.18, -0.36, 0.9 };
	int k = 6;

	simulate(y, N, 0.4, 0.3, 1.3, 0.02, 1, 31);
	k_arima_params_default(&par);
	par.p = 2;
	par.d = 1;
	par.q = 2;
	par.constant = 1;
	KT_EQ_INT(k_arima_fit_init(&f, y, N, &par, &err), K_OK);
	double g[K_ARIMA_MAX_PAR], fx = k_arima_fit_objective(f, x, g), scale = 0;
	double fd[K_ARIMA_MAX_PAR];
	KT_RNEAR(fx, k_arima_fit_objective(f, x, NULL), 1e-12);
	for (int i = 0; i < k; i++) {
		double xx[K_ARIMA_MAX_PAR], v[4];
		static const double off[4] = { 1, -1, 2, -2 };
		double h = FD_STEP * (fabs(x[i]) > 0.1 ? fabs(x[i]) : 0.1);
		for (int s = 0; s < 4; s++) {
			memcpy(xx, x, sizeof x);
			xx[i] = x[i] + off[s] * h;
			v[s] = k_arima_fit_objective(f, xx, NULL);
		}
		fd[i] = (8 * (v[0] - v[1]) - (v[2] - v[3])) / (12 * h);
		if (fabs(fd[i]) > scale)
			scale = fabs(fd[i]);
	}
	for (int i = 0; i < k; i++) {
		ktest_checks++;
		if (!(fabs(g[i] - fd[i]) <= TOL_GRAD * scale))
			KT_FAIL("objective: d f / d x %d: analytic %.12g, differences "
			        "%.12g", i, g[i], fd[i]);
	}
	/* Outside the domain: NAN, gradient or not. */
	double bad[] = { 0.1, 0.2, 0.3, 0.1, 0.2, 800 };
	KT_CHECK(isnan(k_arima_fit_objective(f, bad, g)));
	k_arima_fit_free(f);
}

/* What the gradient refuses, as k_arima_loglike does. */
static void
test_errors(void)
{
	struct k_arima_params par;
	struct k_error err = { 0 };
	double y[40], g[K_ARIMA_MAX_PAR], llf;

	simulate(y, 40, 0.2, 0.1, 1, 0, 0, 41);
	k_arima_params_default(&par);
	par.p = 1;
	par.d = 0;
	par.q = 1;
	double explosive[] = { 1.5, 0.2, 1 };
	KT_EQ_INT(k_arima_loglike_grad(y, 40, &par, explosive, &llf, g, &err),
	          K_EDATA);
	KT_CHECK(strstr(err.text, "stationary") != NULL);
	double noninv[] = { 0.2, 1.5, 1 };
	KT_EQ_INT(k_arima_loglike_grad(y, 40, &par, noninv, &llf, g, &err),
	          K_EDATA);
	KT_CHECK(strstr(err.text, "invertible") != NULL);
	double ok[] = { 0.2, 0.1, 1 };
	double zero_var[] = { 0.2, 0.1, 0 };
	KT_EQ_INT(k_arima_loglike_grad(y, 40, &par, zero_var, &llf, g, &err),
	          K_EDATA);
	KT_CHECK(strstr(err.text, "sigma2") != NULL);
	y[3] = INFINITY;
	KT_EQ_INT(k_arima_loglike_grad(y, 40, &par, ok, &llf, g, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "infinite") != NULL);
	y[3] = 0.5;
	par.q = K_ARIMA_MAX_Q + 1;
	KT_EQ_INT(k_arima_loglike_grad(y, 40, &par, ok, &llf, g, &err), K_EUSAGE);
	par.q = 1;
	KT_EQ_INT(k_arima_loglike_grad(y, 40, &par, ok, &llf, g, &err), K_OK);

	/* The filter's own refusal of a parameter count. */
	struct k_kalman_ssm ss;
	struct k_kalman_state st;
	struct k_kalman_grad kg;
	double a0 = 0, P0 = 1, sum, dll[1], da[1] = { 0 }, dP[1] = { 0 };
	double dT[1] = { 0 }, dQ[1] = { 1 }, dbeta[1] = { 0 };
	size_t stopped;
	memset(&ss, 0, sizeof ss);
	ss.m = 1;
	ss.Z[0] = 1;
	ss.T[0] = 0.5;
	ss.RQR[0] = 1;
	k_kalman_state_init(&st, 1, &a0, &P0);
	memset(&kg, 0, sizeof kg);
	kg.dT = dT;
	kg.dRQR = dQ;
	kg.dbeta = dbeta;
	kg.da = da;
	kg.dP = dP;
	kg.dll = dll;
	kg.k = 0;
	KT_EQ_INT(k_kalman_filter_grad(&ss, &st, y, NULL, 0, 40, 1e-15, 0,
	                               SIZE_MAX, &stopped, &sum, NULL, &kg, &err),
	          K_EUSAGE);
	kg.k = K_KALMAN_MAX_GRAD + 1;
	KT_EQ_INT(k_kalman_filter_grad(&ss, &st, y, NULL, 0, 40, 1e-15, 0,
	                               SIZE_MAX, &stopped, &sum, NULL, &kg, &err),
	          K_EUSAGE);
	/* A degenerate step: zero forecast variance. */
	kg.k = 1;
	ss.RQR[0] = 0;
	P0 = 0;
	k_kalman_state_init(&st, 1, &a0, &P0);
	KT_EQ_INT(k_kalman_filter_grad(&ss, &st, y, NULL, 0, 40, 1e-15, 0,
	                               SIZE_MAX, &stopped, &sum, NULL, &kg, &err),
	          K_EDATA);
	KT_CHECK(strstr(err.text, "not positive") != NULL);
	/* The local level model: d llf / d q by differences of the filter. */
	ss.T[0] = 1;
	ss.H = 2.0;
	double llq[2];
	for (int s = 0; s < 2; s++) {
		ss.RQR[0] = 0.5 + (s ? -1e-4 : 1e-4);
		P0 = 10;
		k_kalman_state_init(&st, 1, &a0, &P0);
		KT_EQ_INT(k_kalman_filter(&ss, &st, y, NULL, 0, 40, 1e-15, 0,
		                          &llq[s], NULL, &err), K_OK);
	}
	ss.RQR[0] = 0.5;
	P0 = 10;
	k_kalman_state_init(&st, 1, &a0, &P0);
	double dv[40], dF[1];
	kg.dv = dv;
	kg.dF = dF;
	KT_EQ_INT(k_kalman_filter_grad(&ss, &st, y, NULL, 0, 40, 1e-15, 0,
	                               SIZE_MAX, &stopped, &sum, NULL, &kg, &err),
	          K_OK);
	KT_EQ_INT(stopped, 40);
	KT_RNEAR(dll[0], (llq[0] - llq[1]) / 2e-4, 1e-6);
}

/* Several right-hand sides of a Lyapunov equation at once give what one
 * at a time gives. */
static void
test_lyapunov(void)
{
	double A[9] = { 0.5, 1, 0, -0.2, 0, 1, 0.1, 0, 0 };
	double Q[18], S[18], S1[9], work[64];
	struct k_error err = { 0 };

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			Q[i * 3 + j] = (i == j ? 1.5 : 0.25);
			Q[9 + i * 3 + j] = (i == j ? 0.75 : -0.125) * (1 + i + j);
		}
	KT_EQ_INT(k_kalman_lyapunov_multi(3, A, 2, Q, S, work, &err), K_OK);
	for (int r = 0; r < 2; r++) {
		KT_EQ_INT(k_kalman_lyapunov(3, A, Q + 9 * r, S1, work, &err), K_OK);
		for (int i = 0; i < 9; i++)
			KT_RNEAR(S[9 * r + i], S1[i], 1e-14);
		/* and it solves the equation */
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++) {
				double s = Q[9 * r + i * 3 + j];
				for (int k = 0; k < 3; k++)
					for (int l = 0; l < 3; l++)
						s += A[i * 3 + k] * S1[k * 3 + l] * A[j * 3 + l];
				KT_RNEAR(S1[i * 3 + j], s, 1e-12);
			}
	}
	double unit[1] = { 1 };
	KT_EQ_INT(k_kalman_lyapunov_multi(1, unit, 2, Q, S, work, &err), K_EDATA);
	KT_EQ_INT(k_kalman_lyapunov_multi(0, unit, 1, Q, S, work, &err),
	          K_EINTERNAL);
}

/* BFGS with the exact gradient on Rosenbrock's valley: the same minimum,
 * gradient evaluations counted apart. */
static double
rosen(const double *x, void *ctx)
{
	(void)ctx;
	return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) +
	       (1 - x[0]) * (1 - x[0]);
}

static double
rosen_fdf(const double *x, double *g, void *ctx)
{
	double a = x[1] - x[0] * x[0];

	g[0] = -400 * a * x[0] - 2 * (1 - x[0]);
	g[1] = 200 * a;
	return rosen(x, ctx);
}

static double
nan_grad(const double *x, double *g, void *ctx)
{
	g[0] = NAN;
	g[1] = 0;
	return rosen(x, ctx);
}

static void
test_optim(void)
{
	struct k_optim o;
	struct k_optim_params p;
	struct k_error err = { 0 };
	double x0[2] = { -1.2, 1 };

	k_optim_params_default(&p);
	KT_EQ_INT(k_optim_init_fdf(&o, 2, x0, rosen, rosen_fdf, NULL, &p, &err),
	          K_OK);
	while (!k_optim_converged(&o))
		KT_EQ_INT(k_optim_iterate(&o, &err), K_OK);
	KT_CHECK(o.state == K_OPTIM_GTOL || o.state == K_OPTIM_FTOL);
	KT_NEAR(o.x[0], 1, 1e-6);
	KT_NEAR(o.x[1], 1, 1e-6);
	KT_CHECK(o.ngev > 0);
	KT_EQ_INT(k_optim_init_fdf(&o, 2, x0, rosen, nan_grad, NULL, &p, &err),
	          K_EDATA);
	KT_CHECK(strstr(err.text, "gradient") != NULL);
}

int
main(int argc, char **argv)
{
	json_error_t je;
	json_t *root = json_load_file(argc > 1 ? argv[1] : FIXTURES, 0, &je);

	if (root == NULL) {
		fprintf(stderr, "test_arima_grad: %s: %s\n", FIXTURES, je.text);
		return 1;
	}
	test_fixtures(json_object_get(root, "cases"));
	json_decref(root);
	test_simulated();
	test_missing();
	test_adjoint();
	test_objective();
	test_errors();
	test_lyapunov();
	test_optim();
	KT_DONE();
}
