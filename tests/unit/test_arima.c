/*
 * test_arima.c - ARIMA against statsmodels and against itself: the
 * fixtures made by bench/arima_fixtures.py (estimates, log-likelihood,
 * criteria, standard errors, forecasts and intervals, starting values,
 * the likelihood at fixed coefficients, KPSS), recovery of known
 * parameters from simulated series, the online update, the payload codec,
 * order selection, and every error path of the numeric modules.
 * The fixture file is tests/fixtures/arima/cases.json (run from the
 * repository root, as make unit does), or argv[1].
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "numeric/k_arima.h"
#include "numeric/k_kalman.h"
#include "numeric/k_optim.h"
#include "ktest.h"

#define FIXTURES "tests/fixtures/arima/cases.json"

/* Tolerances of issue 4: estimates and forecasts within 1e-3 (relative
 * to the size of the value when it exceeds 1: KT_RNEAR), log-likelihood
 * within 1e-6 relative. */
#define TOL_EST 1e-3
#define TOL_LLF 1e-6
#define TOL_FC  1e-3

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
jnum(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void
params_of(const json_t *c, struct k_arima_params *par)
{
	const json_t *o = json_object_get(c, "order");

	k_arima_params_default(par);
	par->p = (int)json_integer_value(json_array_get(o, 0));
	par->d = (int)json_integer_value(json_array_get(o, 1));
	par->q = (int)json_integer_value(json_array_get(o, 2));
	par->constant = json_is_true(json_object_get(c, "constant"));
}

/* One statsmodels results summary ("default" or "mle") of a case. */
struct smres {
	double *params, *bse, *fc, *fv, *lo, *hi;
	double llf, aic, aicc, bic;
	size_t k, h;
};

static void
smres_load(const json_t *o, struct smres *r)
{
	r->params = jarray(json_object_get(o, "params"), &r->k);
	r->bse = jarray(json_object_get(o, "bse"), NULL);
	r->fc = jarray(json_object_get(o, "forecast"), &r->h);
	r->fv = jarray(json_object_get(o, "forecast_var"), NULL);
	r->lo = jarray(json_object_get(o, "lower95"), NULL);
	r->hi = jarray(json_object_get(o, "upper95"), NULL);
	r->llf = jnum(o, "llf");
	r->aic = jnum(o, "aic");
	r->aicc = jnum(o, "aicc");
	r->bic = jnum(o, "bic");
}

static void
smres_free(struct smres *r)
{
	free(r->params);
	free(r->bse);
	free(r->fc);
	free(r->fv);
	free(r->lo);
	free(r->hi);
}

/* Largest deviation seen against each reference, for the summary line. */
static double worst_est_mle, worst_est_default, worst_llf, worst_fc;

static double
reldev(double a, double b)
{
	return fabs(a - b) / (fabs(b) > 1 ? fabs(b) : 1);
}

static void
test_fixture(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const json_t *names = json_object_get(c, "param_names");
	struct k_arima_params par;
	struct k_arima_model m;
	struct k_error err = { 0 };
	struct smres dft, mle;
	size_t n, k, h;
	double *y = jarray(json_object_get(c, "y"), &n);
	double *start = jarray(json_object_get(c, "start_params"), NULL);
	double *fixed = jarray(json_object_get(c, "fixed_params"), NULL);
	double st[K_ARIMA_MAX_PAR], llf;
	double gap = jnum(c, "default_vs_mle");

	smres_load(json_object_get(c, "default"), &dft);
	smres_load(json_object_get(c, "mle"), &mle);
	k = mle.k;
	h = mle.h;
	params_of(c, &par);
	KT_EQ_INT(k_arima_ncoef(par.p, par.q, par.constant), (long long)k);

	/* The filter alone: statsmodels' loglike at fixed coefficients, with
	 * and without the steady-state shortcut. */
	par.steady_tol = 0;
	KT_EQ_INT(k_arima_loglike(y, n, &par, fixed, &llf, NULL, &err), K_OK);
	KT_RNEAR(llf, jnum(c, "fixed_llf"), 1e-9);
	params_of(c, &par);
	KT_EQ_INT(k_arima_loglike(y, n, &par, fixed, &llf, NULL, &err), K_OK);
	KT_RNEAR(llf, jnum(c, "fixed_llf"), 1e-9);

	/* Starting values (conditional sum of squares). */
	KT_EQ_INT(k_arima_start(y, n, &par, st, &err), K_OK);
	for (size_t i = 0; i < k; i++)
		KT_RNEAR(st[i], start[i], 1e-9);

	/* The fit, against statsmodels' optimum and its default fit. */
	KT_EQ_INT(k_arima_fit(y, n, &par, &m, &err), K_OK);
	KT_CHECK(m.converged);
	KT_EQ_INT(m.k, (long long)k);
	for (size_t i = 0; i < k; i++) {
		char nm[32];
		const char *want = json_string_value(json_array_get(names, i));
		k_arima_coef_name(&m, (int)i, nm, sizeof nm);
		/* statsmodels names the drift regressor "x1". */
		KT_EQ_STR(nm, strcmp(want, "x1") == 0 ? "drift" : want);
		KT_RNEAR(m.coef[i], mle.params[i], TOL_EST);
		if (reldev(m.coef[i], mle.params[i]) > worst_est_mle)
			worst_est_mle = reldev(m.coef[i], mle.params[i]);
		/* The default fit is only as close as its stopping rule. */
		if (gap <= TOL_EST / 2) {
			KT_RNEAR(m.coef[i], dft.params[i], TOL_EST);
			if (reldev(m.coef[i], dft.params[i]) > worst_est_default)
				worst_est_default = reldev(m.coef[i], dft.params[i]);
		}
		/* OPG standard errors: numerical derivatives on both sides. */
		KT_RNEAR(m.se[i], mle.bse[i], 1e-3);
	}
	KT_RNEAR(m.loglike, mle.llf, TOL_LLF);
	if (reldev(m.loglike, mle.llf) / fmax(1, fabs(mle.llf)) > worst_llf)
		worst_llf = reldev(m.loglike, mle.llf) / fmax(1, fabs(mle.llf));
	/* Never below statsmodels' default fit. */
	KT_CHECK(m.loglike >= dft.llf - 1e-9 * fabs(dft.llf));
	KT_RNEAR(m.aic, mle.aic, TOL_LLF);
	KT_RNEAR(m.bic, mle.bic, TOL_LLF);
	KT_RNEAR(m.aicc, mle.aicc, TOL_LLF);
	KT_EQ_INT(m.nobs_effective, (long long)jnum(c, "nobs_effective"));
	KT_EQ_INT(m.nobs, (long long)n);
	KT_EQ_INT(m.t, (long long)n);

	/* Forecasts and 95% intervals. */
	double *mf = malloc(h * sizeof *mf), *mv = malloc(h * sizeof *mv);
	double *ml = malloc(h * sizeof *ml), *mu = malloc(h * sizeof *mu);
	KT_EQ_INT(k_arima_forecast(&m, h, 0.95, mf, mv, ml, mu, &err), K_OK);
	for (size_t i = 0; i < h; i++) {
		KT_RNEAR(mf[i], mle.fc[i], TOL_FC);
		KT_RNEAR(mv[i], mle.fv[i], TOL_FC);
		KT_RNEAR(ml[i], mle.lo[i], TOL_FC);
		KT_RNEAR(mu[i], mle.hi[i], TOL_FC);
		double dv = fmax(fmax(reldev(mf[i], mle.fc[i]), reldev(ml[i], mle.lo[i])),
		                 reldev(mu[i], mle.hi[i]));
		if (dv > worst_fc)
			worst_fc = dv;
		if (gap <= TOL_EST / 2) {
			KT_RNEAR(mf[i], dft.fc[i], TOL_FC);
			KT_RNEAR(ml[i], dft.lo[i], TOL_FC);
			KT_RNEAR(mu[i], dft.hi[i], TOL_FC);
		}
	}

	/* The online update, against statsmodels' append(refit=False): fit on
	 * all but the last 30, run those through the filter, forecast. */
	const json_t *up = json_object_get(c, "update");
	size_t split = (size_t)json_integer_value(json_object_get(up, "split"));
	double *upar = jarray(json_object_get(up, "params"), NULL);
	double *ufc = jarray(json_object_get(up, "forecast"), NULL);
	double *ulo = jarray(json_object_get(up, "lower95"), NULL);
	double *uhi = jarray(json_object_get(up, "upper95"), NULL);
	struct k_arima_model mh, mh2;
	KT_EQ_INT(k_arima_fit(y, split, &par, &mh, &err), K_OK);
	for (size_t i = 0; i < k; i++)
		KT_RNEAR(mh.coef[i], upar[i], TOL_EST);
	mh2 = mh;
	KT_EQ_INT(k_arima_update(&mh, y + split, n - split, &err), K_OK);
	KT_EQ_INT(mh.t, (long long)n);
	KT_EQ_INT(mh.updates, (long long)(n - split));
	KT_EQ_INT(k_arima_forecast(&mh, h, 0.95, mf, NULL, ml, mu, &err), K_OK);
	for (size_t i = 0; i < h; i++) {
		KT_RNEAR(mf[i], ufc[i], TOL_FC);
		KT_RNEAR(ml[i], ulo[i], TOL_FC);
		KT_RNEAR(mu[i], uhi[i], TOL_FC);
	}
	/* In two pieces, the same. */
	KT_EQ_INT(k_arima_update(&mh2, y + split, 11, &err), K_OK);
	KT_EQ_INT(k_arima_update(&mh2, y + split + 11, n - split - 11, &err), K_OK);
	KT_EQ_INT(k_arima_forecast(&mh2, h, 0.95, ml, NULL, NULL, NULL, &err), K_OK);
	for (size_t i = 0; i < h; i++)
		KT_RNEAR(ml[i], mf[i], 1e-12);
	free(upar);
	free(ufc);
	free(ulo);
	free(uhi);

	/* KPSS with R's lag rule. */
	const json_t *kp = json_object_get(c, "kpss");
	double ks;
	KT_EQ_INT(k_arima_kpss(y, n, (int)json_integer_value(json_object_get(kp, "lags")),
	                       &ks, &err), K_OK);
	KT_RNEAR(ks, jnum(kp, "stat"), 1e-10);
	KT_EQ_INT(k_arima_kpss(y, n, -1, &ks, &err), K_OK);
	KT_RNEAR(ks, jnum(kp, "stat"), 1e-10);

	if (getenv("KTEST_VERBOSE")) {
		fprintf(stderr, "%-20s llf %.10f (statsmodels %.10f, default %.10f) "
		        "iterations %d evaluations %ld\n", name, m.loglike, mle.llf,
		        dft.llf, m.iterations, m.evaluations);
		for (size_t i = 0; i < k; i++)
			fprintf(stderr, "  %-8s %14.8f mle %14.8f default %14.8f "
			        "se %.6f (%.6f)\n",
			        json_string_value(json_array_get(names, i)), m.coef[i],
			        mle.params[i], dft.params[i], m.se[i], mle.bse[i]);
	}
	free(mf);
	free(mv);
	free(ml);
	free(mu);
	free(y);
	free(start);
	free(fixed);
	smres_free(&dft);
	smres_free(&mle);
}

/* An ARMA(1,1) path with mean mu, integrated d times, from a seeded
 * generator (300 values of burn-in dropped). */
static void
simulate(double *y, size_t n, double phi, double theta, double sigma,
         double mu, double drift, int d, uint64_t seed)
{
	struct k_rng r;
	double x = 0, e = 0;

	k_rng_seed(&r, seed, 0);
	for (size_t t = 0; t < n + 300; t++) {
		double en = sigma * k_rng_normal(&r);
		x = phi * x + en + theta * e;
		e = en;
		if (t >= 300)
			y[t - 300] = x + mu + drift;
	}
	for (int k = 0; k < d; k++)
		for (size_t t = 1; t < n; t++)
			y[t] += y[t - 1];
}

/* Known parameters come back, within three standard errors. */
static void
test_recovery(void)
{
	enum { N = 3000 };
	static double y[N];
	struct k_arima_params par;
	struct k_arima_model m;
	struct k_error err = { 0 };

	simulate(y, N, 0.6, 0.3, 2.385, 42.385, 0, 0, 11);
	k_arima_params_default(&par);
	par.p = 1;
	par.d = 0;
	par.q = 1;
	par.constant = 1;
	KT_EQ_INT(k_arima_fit(y, N, &par, &m, &err), K_OK);
	KT_CHECK(m.converged);
	KT_CHECK(fabs(m.coef[0] - 42.385) < 3 * m.se[0]);
	KT_CHECK(fabs(m.coef[1] - 0.6) < 3 * m.se[1]);
	KT_CHECK(fabs(m.coef[2] - 0.3) < 3 * m.se[2]);
	KT_CHECK(fabs(m.coef[3] - 2.385 * 2.385) < 3 * m.se[3]);
	KT_NEAR(m.coef[1], 0.6, 0.05);
	KT_NEAR(m.coef[2], 0.3, 0.05);
	KT_RNEAR(m.coef[3], 5.688225, 0.06);

	/* ARIMA(0,1,1) with drift 0.25. */
	simulate(y, N, 0, -0.4, 1.5, 0, 0.25, 1, 12);
	par.p = 0;
	par.d = 1;
	par.q = 1;
	par.constant = 1;
	KT_EQ_INT(k_arima_fit(y, N, &par, &m, &err), K_OK);
	KT_CHECK(m.converged);
	KT_CHECK(fabs(m.coef[0] - 0.25) < 3 * m.se[0]);
	KT_CHECK(fabs(m.coef[1] + 0.4) < 3 * m.se[1]);
	KT_CHECK(fabs(m.coef[2] - 2.25) < 3 * m.se[2]);

	/* The same with a tenth of the values missing: still there. */
	for (size_t t = 7; t < N; t += 10)
		y[t] = NAN;
	KT_EQ_INT(k_arima_fit(y, N, &par, &m, &err), K_OK);
	KT_EQ_INT(m.nobs_missing, (N - 7 + 9) / 10);
	KT_CHECK(fabs(m.coef[0] - 0.25) < 3 * m.se[0]);
	KT_CHECK(fabs(m.coef[1] + 0.4) < 3 * m.se[1]);
	KT_CHECK(fabs(m.coef[2] - 2.25) < 3 * m.se[2]);
}

/* The stepped interface gives what the one-call fit gives, and a warm
 * start from a fit on fewer values takes few iterations. */
static void
test_stepped(void)
{
	enum { N = 800 };
	static double y[N];
	struct k_arima_params par;
	struct k_arima_model m1, m2, m3;
	struct k_arima_fit *f1, *f2, *f3;
	struct k_error err = { 0 };

	simulate(y, N, 0.5, -0.2, 1.7, 10, 0, 1, 21);
	k_arima_params_default(&par);
	par.p = 1;
	par.q = 1;
	KT_EQ_INT(k_arima_fit_init(&f1, y, N - 24, &par, &err), K_OK);
	int iters = 0;
	while (!k_arima_fit_converged(f1)) {
		KT_EQ_INT(k_arima_fit_iterate(f1, &err), K_OK);
		iters++;
	}
	/* Stepping a stopped fit is a bug the caller hears about. */
	KT_EQ_INT(k_arima_fit_iterate(f1, &err), K_EINTERNAL);
	KT_EQ_INT(k_arima_fit_finish(f1, &m1, &err), K_OK);
	KT_EQ_INT(m1.iterations, iters);
	KT_CHECK(k_arima_fit_optim(f1)->nfev > 0);
	KT_EQ_INT(k_arima_fit(y, N - 24, &par, &m2, &err), K_OK);
	for (int i = 0; i < m1.k; i++)
		KT_NEAR(m1.coef[i], m2.coef[i], 0);

	par.has_start = 1;
	memcpy(par.start, m1.coef, sizeof par.start);
	KT_EQ_INT(k_arima_fit_init(&f2, y, N, &par, &err), K_OK);
	KT_EQ_INT(k_arima_fit_warm(f2, f1, &err), K_OK);
	while (!k_arima_fit_converged(f2))
		KT_EQ_INT(k_arima_fit_iterate(f2, &err), K_OK);
	KT_EQ_INT(k_arima_fit_finish(f2, &m2, &err), K_OK);
	KT_CHECK(m2.iterations < m1.iterations);
	par.has_start = 0;
	KT_EQ_INT(k_arima_fit(y, N, &par, &m3, &err), K_OK);
	for (int i = 0; i < m3.k; i++)
		KT_RNEAR(m2.coef[i], m3.coef[i], 1e-5);
	KT_RNEAR(m2.loglike, m3.loglike, 1e-12);

	/* A warm start from another order is refused. */
	par.q = 2;
	KT_EQ_INT(k_arima_fit_init(&f3, y, N, &par, &err), K_OK);
	KT_EQ_INT(k_arima_fit_warm(f3, f1, &err), K_EUSAGE);
	k_arima_fit_free(f3);
	k_arima_fit_free(f2);
	k_arima_fit_free(f1);
	k_arima_fit_free(NULL);
}

/* Forecast properties that hold whatever the data: NAN observations move
 * the forecast origin without changing it; intervals widen with the
 * horizon and with the level. */
static void
test_forecast(void)
{
	enum { N = 400, H = 24 };
	static double y[N];
	double a[H], b[H], lo[H], hi[H], lo8[H], hi8[H], v[H];
	double gaps[5] = { NAN, NAN, NAN, NAN, NAN };
	struct k_arima_params par;
	struct k_arima_model m, m2;
	struct k_error err = { 0 };

	simulate(y, N, 0.7, 0.2, 2.385, 50, 0, 0, 31);
	k_arima_params_default(&par);
	par.p = 1;
	par.d = 0;
	par.q = 1;
	par.constant = 1;
	KT_EQ_INT(k_arima_fit(y, N, &par, &m, &err), K_OK);
	KT_EQ_INT(k_arima_forecast(&m, H, 0.95, a, v, lo, hi, &err), K_OK);
	KT_EQ_INT(k_arima_forecast(&m, H, 0.8, NULL, NULL, lo8, hi8, &err), K_OK);
	for (int i = 0; i < H; i++) {
		KT_CHECK(lo[i] < lo8[i] && lo8[i] < a[i] && a[i] < hi8[i] && hi8[i] < hi[i]);
		KT_RNEAR(hi[i] - a[i], 1.959963984540054 * sqrt(v[i]), 1e-12);
		if (i)
			KT_CHECK(v[i] > v[i - 1]);
	}
	/* The first step's variance is sigma2 for an ARMA once steady. */
	KT_RNEAR(v[0], m.coef[3], 1e-9);
	m2 = m;
	KT_EQ_INT(k_arima_update(&m2, gaps, 5, &err), K_OK);
	KT_EQ_INT(k_arima_forecast(&m2, H - 5, 0.95, b, NULL, NULL, NULL, &err), K_OK);
	for (int i = 0; i < H - 5; i++)
		KT_RNEAR(b[i], a[i + 5], 1e-12);
	/* h = 0 does nothing; a bad level is refused. */
	KT_EQ_INT(k_arima_forecast(&m, 0, 0.95, NULL, NULL, NULL, NULL, &err), K_OK);
	KT_EQ_INT(k_arima_forecast(&m, H, 1.0, a, NULL, NULL, NULL, &err), K_EUSAGE);
	KT_CHECK(strstr(err.text, "level") != NULL);
	KT_EQ_INT(k_arima_forecast(&m, H, 0, a, NULL, NULL, NULL, &err), K_EUSAGE);
	KT_EQ_INT(k_arima_forecast(&m, H, NAN, a, NULL, NULL, NULL, &err), K_EUSAGE);
	/* An infinite new observation is refused and leaves m alone. */
	double bad[3] = { 50, INFINITY, 51 };
	m2 = m;
	KT_EQ_INT(k_arima_update(&m2, bad, 3, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "infinite") != NULL);
	KT_EQ_INT(m2.t, m.t);
	KT_EQ_INT(memcmp(m2.state.a, m.state.a, sizeof m.state.a), 0);
}

static void
expect_err(const double *y, size_t n, const struct k_arima_params *par,
           enum k_status want, const char *needle)
{
	struct k_arima_model m;
	struct k_error err = { 0 };
	enum k_status rc = k_arima_fit(y, n, par, &m, &err);

	KT_EQ_INT(rc, want);
	if (strstr(err.text, needle) == NULL)
		KT_FAIL("message \"%s\" lacks \"%s\"", err.text, needle);
}

/* Every way a series or a parameter set can be refused. */
static void
test_errors(void)
{
	enum { N = 100 };
	double y[N], z[N];
	struct k_arima_params par, bad;
	struct k_error err = { 0 };

	simulate(y, N, 0.5, 0, 1, 10, 0, 0, 41);
	k_arima_params_default(&par);
	par.p = 1;
	par.d = 0;
	par.q = 0;

	for (int i = 0; i < N; i++)
		z[i] = 2.385;
	expect_err(z, N, &par, K_EDATA, "constant");
	expect_err(z, N, &par, K_EDATA, "2.385");
	for (int i = 0; i < N; i++)
		z[i] = NAN;
	expect_err(z, N, &par, K_EDATA, "every observation is missing");
	expect_err(z, 0, &par, K_EDATA, "empty");
	memcpy(z, y, sizeof z);
	z[17] = INFINITY;
	expect_err(z, N, &par, K_EDATA, "observation 18 is infinite");
	z[17] = -INFINITY;
	expect_err(z, N, &par, K_EDATA, "observation 18 is infinite");
	expect_err(y, 2, &par, K_EDATA, "too short");
	/* A straight line has a constant first difference. */
	for (int i = 0; i < N; i++)
		z[i] = 1.5 + 0.25 * i;
	par.d = 1;
	expect_err(z, N, &par, K_EDATA, "differenced series");
	/* No two consecutive values. */
	for (int i = 0; i < N; i++)
		z[i] = i % 2 ? y[i] : NAN;
	expect_err(z, N, &par, K_EDATA, "consecutive");
	par.d = 0;
	KT_EQ_INT(k_arima_check_series(y, N, 0, 3, &err), K_OK);

	/* Parameters, one bad field at a time. */
	bad = par; bad.p = -1; expect_err(y, N, &bad, K_EUSAGE, "p must");
	bad = par; bad.p = 13; expect_err(y, N, &bad, K_EUSAGE, "p must");
	bad = par; bad.q = 13; expect_err(y, N, &bad, K_EUSAGE, "q must");
	bad = par; bad.d = 3; expect_err(y, N, &bad, K_EUSAGE, "d must");
	bad = par; bad.constant = 2; expect_err(y, N, &bad, K_EUSAGE, "constant");
	bad = par; bad.diffuse_variance = 0; expect_err(y, N, &bad, K_EUSAGE, "diffuse");
	bad = par; bad.steady_tol = -1; expect_err(y, N, &bad, K_EUSAGE, "steady_tol");
	bad = par; bad.se_step = 0; expect_err(y, N, &bad, K_EUSAGE, "se_step");
	bad = par; bad.optim.maxiter = 0; expect_err(y, N, &bad, K_EUSAGE, "maxiter");
	bad = par; bad.optim.gtol = NAN; expect_err(y, N, &bad, K_EUSAGE, "gtol");
	bad = par; bad.optim.ftol = -1; expect_err(y, N, &bad, K_EUSAGE, "ftol");
	bad = par; bad.optim.fd_step = 2; expect_err(y, N, &bad, K_EUSAGE, "fd_step");
	bad = par; bad.optim.fd_forward = -1; expect_err(y, N, &bad, K_EUSAGE, "fd_forward");
	bad = par; bad.optim.max_backtrack = 0; expect_err(y, N, &bad, K_EUSAGE, "max_backtrack");
	bad = par; bad.optim.max_step = 0; expect_err(y, N, &bad, K_EUSAGE, "max_step");
	/* Starting values outside the admissible region. */
	bad = par;
	bad.has_start = 1;
	bad.start[0] = 1.2;
	bad.start[1] = 1;
	expect_err(y, N, &bad, K_EUSAGE, "starting values");
	bad.start[0] = 0.5;
	bad.start[1] = -1;
	expect_err(y, N, &bad, K_EUSAGE, "starting values");

	/* The likelihood at inadmissible coefficients. */
	double llf, c2[3] = { 1.5, 1.0, 0 };
	KT_EQ_INT(k_arima_loglike(y, N, &par, c2, &llf, NULL, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "stationary") != NULL);
	par.q = 1;
	c2[0] = 0.5;
	c2[1] = -1.5;
	c2[2] = 1;
	KT_EQ_INT(k_arima_loglike(y, N, &par, c2, &llf, NULL, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "invertible") != NULL);
	c2[1] = 0.2;
	c2[2] = -1;
	KT_EQ_INT(k_arima_loglike(y, N, &par, c2, &llf, NULL, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "sigma2") != NULL);
	c2[2] = 1;
	memcpy(z, y, sizeof z);
	z[3] = INFINITY;
	KT_EQ_INT(k_arima_loglike(z, N, &par, c2, &llf, NULL, &err), K_EDATA);
	bad = par;
	bad.p = 99;
	KT_EQ_INT(k_arima_loglike(y, N, &bad, c2, &llf, NULL, &err), K_EUSAGE);

	/* KPSS and ndiffs. */
	double ks;
	int d;
	KT_EQ_INT(k_arima_kpss(y, 2, -1, &ks, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "at least 3") != NULL);
	for (int i = 0; i < N; i++)
		z[i] = 2.385;
	KT_EQ_INT(k_arima_kpss(z, N, -1, &ks, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "constant") != NULL);
	KT_EQ_INT(k_arima_ndiffs(z, N, 0.05, 2, &d, &err), K_OK);
	KT_EQ_INT(d, 0);
	z[5] = INFINITY;
	KT_EQ_INT(k_arima_kpss(z, N, -1, &ks, &err), K_EDATA);
	KT_EQ_INT(k_arima_ndiffs(z, N, 0.05, 2, &d, &err), K_EDATA);
	KT_EQ_INT(k_arima_ndiffs(y, N, 1.5, 2, &d, &err), K_EUSAGE);
	KT_EQ_INT(k_arima_ndiffs(y, N, 0.05, 3, &d, &err), K_EUSAGE);
}

/* The payload codec: a round trip, and a refusal for each kind of
 * damage. */
static void
test_codec(void)
{
	enum { N = 300 };
	static double y[N];
	struct k_arima_params par;
	struct k_arima_model m, back;
	struct k_error err = { 0 };
	struct k_buf b;

	simulate(y, N, 0.4, 0.3, 1.25, 20, 0.1, 1, 51);
	k_arima_params_default(&par);
	par.p = 1;
	par.q = 1;
	par.constant = 1;
	KT_EQ_INT(k_arima_fit(y, N, &par, &m, &err), K_OK);
	k_buf_init(&b);
	k_arima_model_encode(&m, &b);
	KT_CHECK(!b.oom);
	KT_EQ_INT(k_arima_model_decode(b.data, b.len, &back, &err), K_OK);
	KT_EQ_INT(back.p, 1);
	KT_EQ_INT(back.d, 1);
	KT_EQ_INT(back.q, 1);
	KT_EQ_INT(back.constant, 1);
	KT_EQ_INT(back.k, m.k);
	KT_EQ_INT(back.t, m.t);
	KT_EQ_INT(back.nobs, N);
	for (int i = 0; i < m.k; i++) {
		KT_NEAR(back.coef[i], m.coef[i], 0);
		KT_NEAR(back.se[i], m.se[i], 0);
	}
	KT_NEAR(back.loglike, m.loglike, 0);
	double f1[24], f2[24];
	KT_EQ_INT(k_arima_forecast(&m, 24, 0.9, f1, NULL, NULL, NULL, &err), K_OK);
	KT_EQ_INT(k_arima_forecast(&back, 24, 0.9, f2, NULL, NULL, NULL, &err), K_OK);
	for (int i = 0; i < 24; i++)
		KT_NEAR(f1[i], f2[i], 0);

	/* Every truncation is refused. */
	int refused = 0;
	for (size_t len = 0; len < b.len; len++)
		refused += k_arima_model_decode(b.data, len, &back, &err) == K_EDATA;
	KT_EQ_INT(refused, (long long)b.len);
	/* Trailing bytes. */
	k_buf_put_u8(&b, 0);
	KT_EQ_INT(k_arima_model_decode(b.data, b.len, &back, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "trailing") != NULL);
	b.len--;

	/* Field damage, by offset (drift, ar, ma, sigma2 from 28; the 3 x 3
	 * state covariance ends 4 bytes before the end): magic, version, p,
	 * d, k, the AR coefficient, sigma2, an off-diagonal P entry. */
	const size_t ar_hi = 28 + 8 * 1 + 7, s2_hi = 28 + 8 * 3 + 7;
	const size_t p01 = b.len - 4 - 72 + 8;
	struct { size_t off; unsigned char set, xor; const char *needle; } dmg[] = {
		{ 0, 0, 0x5a, "magic" }, { 4, 0, 0x5a, "version" },
		{ 8, 40, 0, "order" }, { 12, 40, 0, "order" },
		{ 24, 40, 0, "coefficients" },
		{ ar_hi, 0xc0, 0, "stationary" },  /* a large negative double */
		{ s2_hi, 0xc0, 0, "sigma2" },
		{ p01, 0, 0x01, "symmetric" },
	};
	for (size_t i = 0; i < sizeof dmg / sizeof dmg[0]; i++) {
		struct k_buf c;
		k_buf_init(&c);
		k_buf_add(&c, b.data, b.len);
		if (dmg[i].xor)
			c.data[dmg[i].off] = (char)(c.data[dmg[i].off] ^ dmg[i].xor);
		else
			c.data[dmg[i].off] = (char)dmg[i].set;
		err.text[0] = 0;
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		if (strstr(err.text, dmg[i].needle) == NULL)
			KT_FAIL("damage at %zu: \"%s\" lacks \"%s\"", dmg[i].off,
			        err.text, dmg[i].needle);
		k_buf_release(&c);
	}
	/* A non-finite value. */
	{
		struct k_arima_model w = m;
		struct k_buf c;
		w.coef[0] = NAN;
		k_buf_init(&c);
		k_arima_model_encode(&w, &c);
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		KT_CHECK(strstr(err.text, "not finite") != NULL);
		k_buf_reset(&c);
		w = m;
		w.nobs_missing = w.nobs + 1;
		k_arima_model_encode(&w, &c);
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		KT_CHECK(strstr(err.text, "counts") != NULL);
		k_buf_reset(&c);
		w = m;
		w.state.P[0] = -1;
		k_arima_model_encode(&w, &c);
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		KT_CHECK(strstr(err.text, "negative") != NULL);
		k_buf_reset(&c);
		w = m;
		w.se[1] = -1;
		k_arima_model_encode(&w, &c);
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		k_buf_reset(&c);
		w = m;
		w.state.steady = 7;
		k_arima_model_encode(&w, &c);
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		k_buf_reset(&c);
		w = m;
		w.diffuse_variance = 0;
		k_arima_model_encode(&w, &c);
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		k_buf_reset(&c);
		w = m;
		w.state.a[1] = INFINITY;
		k_arima_model_encode(&w, &c);
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		k_buf_reset(&c);
		w = m;
		w.state.m = 7;
		k_arima_model_encode(&w, &c);
		KT_EQ_INT(k_arima_model_decode(c.data, c.len, &back, &err), K_EDATA);
		KT_CHECK(strstr(err.text, "dimension") != NULL);
		k_buf_release(&c);
	}
	k_buf_release(&b);
}

/* Order selection: d by KPSS, then the stepwise search. */
static void
test_auto(void)
{
	enum { N = 1500 };
	static double y[N];
	struct k_arima_auto_params ap;
	struct k_arima_auto *a;
	struct k_arima_model m;
	struct k_error err = { 0 };
	int d;
	size_t nt;

	/* A stationary AR(1) needs no difference; its random walk needs one;
	 * the walk's cumulative sum needs two. */
	simulate(y, N, 0.5, 0, 1, 5, 0, 0, 61);
	KT_EQ_INT(k_arima_ndiffs(y, N, 0.05, 2, &d, &err), K_OK);
	KT_EQ_INT(d, 0);
	simulate(y, N, 0.5, 0, 1, 0, 0, 1, 61);
	KT_EQ_INT(k_arima_ndiffs(y, N, 0.05, 2, &d, &err), K_OK);
	KT_EQ_INT(d, 1);
	simulate(y, N, 0.5, 0, 1, 0, 0, 2, 61);
	KT_EQ_INT(k_arima_ndiffs(y, N, 0.05, 2, &d, &err), K_OK);
	KT_EQ_INT(d, 2);
	KT_EQ_INT(k_arima_ndiffs(y, N, 0.05, 1, &d, &err), K_OK);
	KT_EQ_INT(d, 1);

	/* ARIMA(1,1,0) with phi 0.7: found. */
	simulate(y, N, 0.7, 0, 1.3, 0, 0, 1, 62);
	k_arima_auto_params_default(&ap);
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &ap, &err), K_OK);
	int steps = 0;
	while (!k_arima_auto_converged(a)) {
		KT_EQ_INT(k_arima_auto_iterate(a, &err), K_OK);
		steps++;
	}
	KT_EQ_INT(k_arima_auto_iterate(a, &err), K_EINTERNAL);
	const struct k_arima_trial *tr = k_arima_auto_trials(a, &nt);
	KT_CHECK(nt >= 6 && nt <= 94);
	/* R's start: (2,d,2), (0,d,0), (1,d,0), (0,d,1) with drift, then
	 * (0,d,0) without. */
	KT_EQ_INT(tr[0].p, 2);
	KT_EQ_INT(tr[0].q, 2);
	KT_EQ_INT(tr[0].constant, 1);
	KT_EQ_INT(tr[1].p + tr[1].q, 0);
	KT_EQ_INT(tr[2].p, 1);
	KT_EQ_INT(tr[3].q, 1);
	KT_EQ_INT(tr[4].constant, 0);
	for (size_t i = 0; i < nt; i++) {
		KT_EQ_INT(tr[i].d, 1);
		for (size_t j = 0; j < i; j++)
			KT_CHECK(tr[i].p != tr[j].p || tr[i].q != tr[j].q ||
			         tr[i].constant != tr[j].constant);
	}
	KT_EQ_INT(k_arima_auto_finish(a, &m, &err), K_OK);
	KT_EQ_INT(m.d, 1);
	KT_EQ_INT(m.p, 1);
	KT_EQ_INT(m.q, 0);
	KT_NEAR(m.coef[m.constant], 0.7, 0.05);
	KT_CHECK(isfinite(m.se[0]));
	double best = INFINITY;
	for (size_t i = 0; i < nt; i++)
		if (tr[i].aicc < best)
			best = tr[i].aicc;
	KT_RNEAR(m.aicc, best, 1e-8);
	k_arima_auto_free(a);
	k_arima_auto_free(NULL);

	/* A fixed d, a tiny budget, and no constant. */
	ap.d = 0;
	ap.max_models = 3;
	ap.allow_constant = 0;
	simulate(y, N, 0.3, 0.6, 1, 0, 0, 0, 63);
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &ap, &err), K_OK);
	while (!k_arima_auto_converged(a))
		KT_EQ_INT(k_arima_auto_iterate(a, &err), K_OK);
	k_arima_auto_trials(a, &nt);
	KT_EQ_INT(nt, 3);
	KT_EQ_INT(k_arima_auto_finish(a, &m, &err), K_OK);
	KT_EQ_INT(m.constant, 0);
	k_arima_auto_free(a);

	/* Bad settings and hopeless series. */
	k_arima_auto_params_default(&ap);
	struct k_arima_auto_params bad = ap;
	bad.max_p = 13;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	bad = ap; bad.d = 3;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	bad = ap; bad.max_d = -1;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	bad = ap; bad.alpha = 0;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	bad = ap; bad.max_q = -1;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	bad = ap; bad.start_p = -1;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	bad = ap; bad.max_models = 0;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	bad = ap; bad.min_root = 0.5;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	bad = ap; bad.fit.optim.gtol = -1;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &bad, &err), K_EUSAGE);
	for (int i = 0; i < N; i++)
		y[i] = NAN;
	KT_EQ_INT(k_arima_auto_init(&a, y, N, &ap, &err), K_EDATA);
	/* Three values and d = 2: every candidate is too short. */
	simulate(y, 3, 0.5, 0, 1, 0, 0, 0, 64);
	bad = ap;
	bad.d = 2;
	KT_EQ_INT(k_arima_auto_init(&a, y, 3, &bad, &err), K_OK);
	while (!k_arima_auto_converged(a))
		KT_EQ_INT(k_arima_auto_iterate(a, &err), K_OK);
	KT_EQ_INT(k_arima_auto_finish(a, &m, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "no candidate") != NULL);
	k_arima_auto_free(a);
}

static void
test_helpers(void)
{
	struct k_arima_model m;
	char nm[32];

	/* Values of scipy.stats.norm.ppf. */
	KT_NEAR(k_arima_qnorm(0.975), 1.959963984540054, 1e-15);
	KT_NEAR(k_arima_qnorm(0.5), 0.0, 1e-15);
	KT_NEAR(k_arima_qnorm(0.9), 1.2815515655446004, 1e-15);
	KT_NEAR(k_arima_qnorm(0.001), -3.090232306167813, 1e-14);
	KT_NEAR(k_arima_qnorm(1e-10), -6.361340902404056, 1e-12);
	KT_NEAR(k_arima_qnorm(1 - 1e-10), 6.361340889697422, 1e-8);
	KT_CHECK(isnan(k_arima_qnorm(0)));
	KT_CHECK(isnan(k_arima_qnorm(1)));

	memset(&m, 0, sizeof m);
	m.p = 2;
	m.q = 1;
	m.d = 2;
	m.constant = 1;
	m.k = k_arima_ncoef(2, 1, 1);
	KT_EQ_INT(m.k, 5);
	k_arima_coef_name(&m, 0, nm, sizeof nm);
	KT_EQ_STR(nm, "trend.2");
	m.d = 0;
	k_arima_coef_name(&m, 0, nm, sizeof nm);
	KT_EQ_STR(nm, "const");
	k_arima_coef_name(&m, 2, nm, sizeof nm);
	KT_EQ_STR(nm, "ar.L2");
	k_arima_coef_name(&m, 3, nm, sizeof nm);
	KT_EQ_STR(nm, "ma.L1");
	k_arima_coef_name(&m, 4, nm, sizeof nm);
	KT_EQ_STR(nm, "sigma2");

	/* Root bounds: AR(1) 0.9 has its root at 1/0.9 = 1.111. */
	m.constant = 0;
	m.p = 1;
	m.q = 0;
	m.k = 2;
	m.coef[0] = 0.9;
	KT_CHECK(k_arima_roots_outside(&m, 1.01));
	KT_CHECK(k_arima_roots_outside(&m, 1.1));
	KT_CHECK(!k_arima_roots_outside(&m, 1.12));
	m.p = 0;
	m.q = 1;
	m.coef[0] = -0.995;  /* MA root at 1.005 */
	KT_CHECK(!k_arima_roots_outside(&m, 1.01));
	KT_CHECK(k_arima_roots_outside(&m, 1.001));
}

/* The optimiser on Rosenbrock's valley, and its own refusals. */
static double
rosen(const double *x, void *ctx)
{
	(void)ctx;
	return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) +
	       (1 - x[0]) * (1 - x[0]);
}

static double
nowhere(const double *x, void *ctx)
{
	(void)x;
	(void)ctx;
	return NAN;
}

static void
test_optim(void)
{
	struct k_optim o;
	struct k_optim_params p;
	struct k_error err = { 0 };
	double x0[2] = { -1.2, 1 };

	k_optim_params_default(&p);
	KT_EQ_INT(k_optim_init(&o, 2, x0, rosen, NULL, &p, &err), K_OK);
	while (!k_optim_converged(&o))
		KT_EQ_INT(k_optim_iterate(&o, &err), K_OK);
	KT_CHECK(o.state == K_OPTIM_GTOL || o.state == K_OPTIM_FTOL);
	KT_NEAR(o.x[0], 1, 1e-5);
	KT_NEAR(o.x[1], 1, 1e-5);
	KT_EQ_STR(k_optim_state_name(K_OPTIM_GTOL), "gradient");
	KT_EQ_STR(k_optim_state_name(K_OPTIM_STALLED), "stalled");
	KT_EQ_STR(k_optim_state_name(K_OPTIM_MAXITER), "maxiter");
	KT_EQ_STR(k_optim_state_name(K_OPTIM_FTOL), "function");
	KT_EQ_STR(k_optim_state_name(K_OPTIM_RUNNING), "running");
	p.maxiter = 3;
	KT_EQ_INT(k_optim_init(&o, 2, x0, rosen, NULL, &p, &err), K_OK);
	while (!k_optim_converged(&o))
		KT_EQ_INT(k_optim_iterate(&o, &err), K_OK);
	KT_EQ_INT(o.state, K_OPTIM_MAXITER);
	KT_EQ_INT(o.iter, 3);
	k_optim_params_default(&p);
	KT_EQ_INT(k_optim_init(&o, 0, x0, rosen, NULL, &p, &err), K_EUSAGE);
	KT_EQ_INT(k_optim_init(&o, K_OPTIM_MAX + 1, x0, rosen, NULL, &p, &err), K_EUSAGE);
	KT_EQ_INT(k_optim_init(&o, 2, x0, nowhere, NULL, &p, &err), K_EDATA);
	p.fd_step = 0;
	KT_EQ_INT(k_optim_init(&o, 2, x0, rosen, NULL, &p, &err), K_EUSAGE);
	KT_CHECK(strstr(err.text, "fd_step") != NULL);
}

/* The filter's own checks and a textbook case: the local level model
 * with known variances against its closed-form steady gain. */
static void
test_kalman(void)
{
	struct k_kalman_ssm ss;
	struct k_kalman_state st;
	struct k_kalman_out o;
	struct k_error err = { 0 };
	double a0 = 0, P0 = 1e7, work[16];

	memset(&ss, 0, sizeof ss);
	ss.m = 1;
	ss.Z[0] = 1;
	ss.T[0] = 1;
	ss.RQR[0] = 0.5;
	ss.H = 2.0;
	KT_EQ_INT(k_kalman_ssm_check(&ss, &err), K_OK);
	k_kalman_state_init(&st, 1, &a0, &P0);
	for (int t = 0; t < 200; t++)
		KT_EQ_INT(k_kalman_step(&ss, &st, 1.0 + 0.01 * t, 0, 1e-15, &o, &err), K_OK);
	/* Steady P solves P = P - P^2/(P + H) + Q: P = (Q + sqrt(Q^2 + 4QH))/2. */
	KT_RNEAR(st.P[0], (0.5 + sqrt(0.25 + 4 * 0.5 * 2.0)) / 2, 1e-12);
	KT_CHECK(st.steady);
	KT_RNEAR(o.F, st.P[0] + 2.0, 1e-12);

	ss.H = -1;
	KT_EQ_INT(k_kalman_ssm_check(&ss, &err), K_EDATA);
	ss.H = 0;
	ss.T[0] = NAN;
	KT_EQ_INT(k_kalman_ssm_check(&ss, &err), K_EDATA);
	ss.T[0] = 1;
	ss.Z[0] = INFINITY;
	KT_EQ_INT(k_kalman_ssm_check(&ss, &err), K_EDATA);
	ss.Z[0] = 1;
	ss.m = 0;
	KT_EQ_INT(k_kalman_ssm_check(&ss, &err), K_EDATA);
	ss.m = 1;
	/* A zero-variance forecast is degenerate. */
	ss.RQR[0] = 0;
	P0 = 0;
	k_kalman_state_init(&st, 1, &a0, &P0);
	KT_EQ_INT(k_kalman_step(&ss, &st, 1.0, 0, 0, &o, &err), K_EDATA);
	KT_CHECK(strstr(err.text, "not positive") != NULL);
	/* A unit root has no stationary covariance. */
	double A = 1, Q = 1, S;
	KT_EQ_INT(k_kalman_lyapunov(1, &A, &Q, &S, work, &err), K_EDATA);
	KT_EQ_INT(k_kalman_lyapunov(0, &A, &Q, &S, work, &err), K_EINTERNAL);
	A = 0.5;
	KT_EQ_INT(k_kalman_lyapunov(1, &A, &Q, &S, work, &err), K_OK);
	KT_RNEAR(S, 1 / 0.75, 1e-15);
	KT_EQ_INT(k_kalman_lyap_work(3), 42);
}

int
main(int argc, char **argv)
{
	json_error_t je;
	json_t *root = json_load_file(argc > 1 ? argv[1] : FIXTURES, 0, &je);
	size_t i;
	json_t *c;

	if (root == NULL) {
		fprintf(stderr, "test_arima: %s: %s\n", FIXTURES, je.text);
		return 1;
	}
	json_array_foreach(json_object_get(root, "cases"), i, c)
		test_fixture(c);
	json_decref(root);
	test_recovery();
	test_stepped();
	test_forecast();
	test_errors();
	test_codec();
	test_auto();
	test_helpers();
	test_optim();
	test_kalman();
	fprintf(stderr, "test_arima: largest relative deviation from statsmodels: "
	        "estimates %.2e (optimum) %.2e (default fit, where it converged "
	        "to 5e-4), log-likelihood %.2e, forecasts/intervals %.2e\n",
	        worst_est_mle, worst_est_default, worst_llf, worst_fc);
	KT_DONE();
}
