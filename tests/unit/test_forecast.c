/*
 * test_forecast.c - the forecast model kind without the command line: the
 * row reader, the hourly grid rule (merged, missing, null and old
 * observations), the --days window, the holdout split and its scores
 * (values worked out by hand), training stage by stage against fits made
 * directly with k_arima, the outlook, the update's gap stepping, the
 * model file through a store, and every error path of k_forecast.
 */
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "base/k_time.h"
#include "model/k_forecast.h"
#include "model/k_model.h"
#include "model/k_store.h"
#include "numeric/k_arima.h"
#include "text/k_jscan.h"
#include "ktest.h"

#define H0   INT64_C(1740787200000)   /* 2025-03-01T00:00:00Z */
#define HOUR K_FORECAST_STEP_MS
#define MIN  INT64_C(60000)

static int
has(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/* ---- the row reader ---- */

static int
row(const char *line, const char *field, int64_t *ts, double *v, char *why)
{
	struct k_jscan s;
	struct k_error e;
	int rc;

	k_jscan_init(&s, "features");
	if (k_jscan_line(&s, line, strlen(line), &e) != K_OK) {
		k_jscan_release(&s);
		return -2;
	}
	rc = k_forecast_row(&s, field, ts, v, why, 320);
	k_jscan_release(&s);
	return rc;
}

static void
test_row(void)
{
	char why[320];
	int64_t ts;
	double v;

	KT_EQ_INT(row("{\"ts\":\"2025-03-01T00:10:00Z\",\"risk_score\":2.385}",
	              "risk_score", &ts, &v, why), 0);
	KT_EQ_INT(ts, H0 + 10 * MIN);
	KT_NEAR(v, 2.385, 0);
	/* features.NAME when there is no top-level member; null is NAN. */
	KT_EQ_INT(row("{\"ts\":\"2025-03-01T01:00:00Z\",\"features\":"
	              "{\"depth\":-4.5}}", "depth", &ts, &v, why), 0);
	KT_NEAR(v, -4.5, 0);
	KT_EQ_INT(row("{\"ts\":\"2025-03-01T01:00:00Z\",\"depth\":7.25,"
	              "\"features\":{\"depth\":-4.5}}", "depth", &ts, &v, why), 0);
	KT_NEAR(v, 7.25, 0);
	KT_EQ_INT(row("{\"ts\":\"2025-03-01T01:00:00Z\",\"x\":null}", "x", &ts,
	              &v, why), 0);
	KT_CHECK(isnan(v));
	/* Every reason for rejecting a line. */
	KT_EQ_INT(row("{\"ts\":\"2025-03-01T01:00:00Z\"}", "x", &ts, &v, why), -1);
	KT_EQ_STR(why, "field 'x': missing (neither a top-level field nor in "
	          "'features')");
	KT_EQ_INT(row("{\"ts\":\"2025-03-01T01:00:00Z\",\"x\":\"high\"}", "x",
	              &ts, &v, why), -1);
	KT_EQ_STR(why, "field 'x': expected number, got string \"high\"");
	KT_EQ_INT(row("{\"x\":3}", "x", &ts, &v, why), -1);
	KT_EQ_STR(why, "field 'ts': missing (the hourly grid needs it)");
	KT_EQ_INT(row("{\"ts\":\"yesterday\",\"x\":3}", "x", &ts, &v, why), -1);
	KT_CHECK(has(why, "field 'ts': expected an RFC 3339 time, got"));
}

/* ---- the hourly grid ---- */

static void
test_grid(void)
{
	struct k_forecast_grid g;
	struct k_error e;
	/* Out of order on purpose: the grid sorts them. */
	struct k_forecast_obs obs[] = {
		{ H0 + 3 * HOUR, 4.25, 3 },
		{ H0 + 50 * MIN, 3.5, 1 },         /* replaces 2.385: later */
		{ H0 + 10 * MIN, 2.385, 0 },
		{ H0 + HOUR + 5 * MIN, NAN, 2 },   /* hour 1: only a null */
		{ H0 + 3 * HOUR, 5.0, 4 },         /* same time, later in input */
		{ H0 + 4 * HOUR - 1, NAN, 5 },     /* a null replaces nothing */
	};
	struct k_forecast_obs o2[6];

	memcpy(o2, obs, sizeof obs);
	KT_EQ_INT(k_forecast_grid(obs, 6, INT64_MIN, &g, &e), K_OK);
	KT_EQ_INT(g.n, 4);
	KT_EQ_INT(g.first, H0);
	KT_EQ_INT(g.last, H0 + 3 * HOUR);
	KT_NEAR(g.y[0], 3.5, 0);
	KT_CHECK(isnan(g.y[1]));
	KT_CHECK(isnan(g.y[2]));
	KT_NEAR(g.y[3], 5.0, 0);
	KT_EQ_INT(g.observed, 2);
	KT_EQ_INT(g.missing, 2);
	KT_EQ_INT(g.merged, 2);
	KT_EQ_INT(g.nulls, 2);
	KT_EQ_INT(g.old, 0);
	/* Sorted in place, ties by input order. */
	KT_EQ_INT(obs[0].seq, 0);
	KT_EQ_INT(obs[3].seq, 3);
	KT_EQ_INT(obs[4].seq, 4);
	k_forecast_grid_release(&g);
	KT_CHECK(g.y == NULL && g.n == 0);

	/* After hour 0: its two rows are old; the null of hour 1 falls
	 * before the first valued hour. */
	KT_EQ_INT(k_forecast_grid(o2, 6, H0, &g, &e), K_OK);
	KT_EQ_INT(g.old, 2);
	KT_EQ_INT(g.n, 1);
	KT_EQ_INT(g.first, H0 + 3 * HOUR);
	KT_NEAR(g.y[0], 5.0, 0);
	KT_EQ_INT(g.merged, 1);
	KT_EQ_INT(g.nulls, 2);
	k_forecast_grid_release(&g);

	/* Times before the epoch fall in the hour below them. */
	struct k_forecast_obs neg[] = { { -1, 1.5, 0 }, { 0, 2.5, 1 } };
	KT_EQ_INT(k_forecast_grid(neg, 2, INT64_MIN, &g, &e), K_OK);
	KT_EQ_INT(g.n, 2);
	KT_EQ_INT(g.first, -HOUR);
	KT_NEAR(g.y[0], 1.5, 0);
	k_forecast_grid_release(&g);

	/* Nothing with a value: no grid, the nulls counted. */
	struct k_forecast_obs nul[] = { { H0, NAN, 0 }, { H0 + HOUR, NAN, 1 } };
	KT_EQ_INT(k_forecast_grid(nul, 2, INT64_MIN, &g, &e), K_OK);
	KT_EQ_INT(g.n, 0);
	KT_EQ_INT(g.nulls, 2);
	KT_CHECK(g.y == NULL);
	KT_EQ_INT(k_forecast_grid(NULL, 0, INT64_MIN, &g, &e), K_OK);
	KT_EQ_INT(g.n, 0);

	/* Too long a span. */
	struct k_forecast_obs far[] = {
		{ 0, 1, 0 }, { (int64_t)K_FORECAST_MAX_POINTS * HOUR, 2, 1 } };
	KT_EQ_INT(k_forecast_grid(far, 2, INT64_MIN, &g, &e), K_EDATA);
	KT_CHECK(has(e.text, "span 10000001 hours, more than 10000000"));
	k_forecast_grid_release(&g);
}

static void
test_window(void)
{
	struct k_forecast_obs obs[] = {
		{ H0, 1, 0 }, { H0 + 3 * K_MS_PER_DAY, 2, 1 },
		{ H0 + 2 * K_MS_PER_DAY - 1, 3, 2 },
		{ H0 + 2 * K_MS_PER_DAY, 4, 3 },
	};

	KT_EQ_INT(k_forecast_obs_window(obs, 4, 0), 4);
	KT_EQ_INT(k_forecast_obs_window(obs, 4, -1), 4);
	KT_EQ_INT(k_forecast_obs_window(obs, 0, 1), 0);
	/* Within one day of the newest, the newest's day included, in order. */
	KT_EQ_INT(k_forecast_obs_window(obs, 4, 1), 2);
	KT_NEAR(obs[0].value, 2, 0);
	KT_NEAR(obs[1].value, 4, 0);
	/* Half a day: 12 h. */
	struct k_forecast_obs o2[] = { { -1, 1, 0 }, { 12 * HOUR, 2, 1 },
	                               { 0, 3, 2 } };
	KT_EQ_INT(k_forecast_obs_window(o2, 3, 0.5), 2);
	KT_NEAR(o2[0].value, 2, 0);
	KT_NEAR(o2[1].value, 3, 0);
}

/* ---- parameters, the split and the scores ---- */

static void
test_params(void)
{
	struct k_forecast_train_params p, q;
	char longname[K_FORECAST_FIELD_MAX + 2];

	k_forecast_train_params_default(&p);
	KT_EQ_STR(p.field, "risk_score");
	KT_EQ_INT(p.arima.p, 2);
	KT_EQ_INT(p.arima.d, 1);
	KT_EQ_INT(p.arima.q, 2);
	KT_EQ_INT(p.holdout, 24);
	KT_EQ_INT(p.min_observed, 30);
	KT_EQ_INT(p.autosel, 0);
	KT_NEAR(p.days, 0, 0);
	KT_CHECK(k_forecast_train_params_check(&p) == NULL);

	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	const char *fields[] = { NULL, "", longname };
	for (int i = 0; i < 3; i++) {
		q = p;
		q.field = fields[i];
		KT_CHECK(has(k_forecast_train_params_check(&q), "field: a name of "
		             "1 to 127 bytes"));
	}
	q = p;
	q.field = longname + 1;   /* 127 bytes */
	KT_CHECK(k_forecast_train_params_check(&q) == NULL);
	q = p;
	q.arima.p = -1;
	KT_CHECK(k_forecast_train_params_check(&q) != NULL);
	q = p;
	q.autosel = 1;
	q.arima.constant = 1;
	KT_CHECK(has(k_forecast_train_params_check(&q), "autosel chooses the "
	             "constant"));
	q = p;
	q.autosel = 1;
	q.select.max_models = 0;
	KT_CHECK(k_forecast_train_params_check(&q) != NULL);
	q.autosel = 0;            /* the search's settings matter only then */
	KT_CHECK(k_forecast_train_params_check(&q) == NULL);
	q = p;
	q.holdout = K_FORECAST_MAX_POINTS;
	KT_CHECK(has(k_forecast_train_params_check(&q), "holdout"));
	q = p;
	q.min_observed = 0;
	KT_CHECK(has(k_forecast_train_params_check(&q), "min_observed"));
	const double days[] = { -1, NAN, INFINITY };
	for (int i = 0; i < 3; i++) {
		q = p;
		q.days = days[i];
		KT_CHECK(has(k_forecast_train_params_check(&q), "days"));
	}
}

/* A grid of n hours from values (NAN: missing). */
static void
grid_of(const double *v, size_t n, struct k_forecast_grid *g)
{
	struct k_forecast_obs *obs = malloc(n * sizeof *obs);
	struct k_error e;

	for (size_t i = 0; i < n; i++)
		obs[i] = (struct k_forecast_obs){ H0 + (int64_t)i * HOUR + 7 * MIN,
		                                  v[i], (long)i };
	KT_EQ_INT(k_forecast_grid(obs, n, INT64_MIN, g, &e), K_OK);
	free(obs);
}

static void
test_split(void)
{
	const double v[8] = { 2.385, NAN, 3.5, 4.25, NAN, -1.25, 10, 0.5 };
	struct k_forecast_train_params p;
	struct k_forecast_grid g;
	struct k_error e;
	size_t ntrain;

	grid_of(v, 8, &g);
	KT_EQ_INT(g.n, 8);
	KT_EQ_INT(g.observed, 6);
	k_forecast_train_params_default(&p);
	p.field = "x";
	/* Enough: at least min_observed observed hours. */
	p.min_observed = 6;
	KT_EQ_INT(k_forecast_enough(&g, &p, &e), K_OK);
	p.min_observed = 7;
	KT_EQ_INT(k_forecast_enough(&g, &p, &e), K_EDATA);
	KT_EQ_STR(e.text, "need at least 7 observed hourly values of 'x' to "
	          "train a forecast model, got 6");
	p.days = 2.5;
	KT_EQ_INT(k_forecast_enough(&g, &p, &e), K_EDATA);
	KT_CHECK(has(e.text, "got 6 in the --days window"));
	p.days = 0;

	/* The split: the last 3 held out, 3 observed before them. */
	p.min_observed = 3;
	p.holdout = 3;
	KT_EQ_INT(k_forecast_split(&g, &p, &ntrain, &e), K_OK);
	KT_EQ_INT(ntrain, 5);
	p.holdout = 0;
	KT_EQ_INT(k_forecast_split(&g, &p, &ntrain, &e), K_OK);
	KT_EQ_INT(ntrain, 8);
	p.holdout = 4;            /* 2.385, 3.5 and 4.25 before */
	KT_EQ_INT(k_forecast_split(&g, &p, &ntrain, &e), K_OK);
	KT_EQ_INT(ntrain, 4);
	p.holdout = 5;            /* 2.385 and 3.5 before: too few */
	KT_EQ_INT(k_forecast_split(&g, &p, &ntrain, &e), K_EDATA);
	KT_EQ_STR(e.text, "need at least 3 observed hourly values before the 5 "
	          "held out, got 2 (lower --holdout, or 0 to skip the "
	          "evaluation)");
	p.holdout = 8;
	KT_EQ_INT(k_forecast_split(&g, &p, &ntrain, &e), K_EDATA);
	KT_EQ_STR(e.text, "--holdout 8: the series has only 8 hourly points");
	p.holdout = 9;
	KT_EQ_INT(k_forecast_split(&g, &p, &ntrain, &e), K_EDATA);
	k_forecast_grid_release(&g);
}

static void
test_score(void)
{
	struct k_forecast_scores s;
	const double actual[] = { 2.385, NAN, 3.5, -1.25, 10 };
	const double pred[] = { 2.0, 7.0, 3.0, -1.0, 12.5 };

	/* Errors 0.385, 0.5, -0.25, -2.5 (the NAN skipped): MAE 3.635 / 4,
	 * RMSE sqrt(6.710725 / 4), MAPE 25 (0.385 / 2.385 + 0.5 / 3.5 +
	 * 0.25 / 1.25 + 2.5 / 10) = 18.857068. */
	k_forecast_score(actual, pred, 5, &s);
	KT_EQ_INT(s.compared, 4);
	KT_NEAR(s.mae, 0.90875, 1e-15);
	KT_NEAR(s.rmse, 1.2952533535953497, 1e-15);
	KT_NEAR(s.mape_pct, 18.857067983692723, 1e-12);
	KT_NEAR(s.accuracy_pct, 100 - 18.857067983692723, 1e-12);
	/* A MAPE over 100 is no accuracy at all. */
	k_forecast_score((const double[]){ 0.5 }, (const double[]){ 2.385 }, 1,
	                 &s);
	KT_NEAR(s.mape_pct, 376.99999992459993, 1e-9);
	KT_NEAR(s.accuracy_pct, 0, 0);
	/* Nothing observed, or nothing at all: NAN. */
	k_forecast_score((const double[]){ NAN }, pred, 1, &s);
	KT_EQ_INT(s.compared, 0);
	KT_CHECK(isnan(s.mae) && isnan(s.rmse) && isnan(s.mape_pct) &&
	         isnan(s.accuracy_pct));
	k_forecast_score(NULL, NULL, 0, &s);
	KT_EQ_INT(s.compared, 0);
}

static void
test_summarise(void)
{
	struct k_forecast_outlook o;

	k_forecast_summarise((const double[]){ 10, 85, 20.5 }, 3, &o);
	KT_NEAR(o.mean, 38.5, 1e-15);
	KT_NEAR(o.max, 85, 0);
	KT_EQ_STR(o.assessment, "CRITICAL");
	KT_EQ_STR(o.trend, "increasing");
	k_forecast_summarise((const double[]){ 50, 45.5 }, 2, &o);
	KT_NEAR(o.mean, 47.75, 0);
	KT_EQ_STR(o.assessment, "MEDIUM");
	KT_EQ_STR(o.trend, "decreasing");
	/* One step, or a flat forecast, is not increasing. */
	k_forecast_summarise((const double[]){ 2.385 }, 1, &o);
	KT_EQ_STR(o.trend, "decreasing");
	KT_EQ_STR(o.assessment, "LOW");
	KT_EQ_STR(k_forecast_assessment(80), "HIGH");
	KT_EQ_STR(k_forecast_assessment(80.001), "CRITICAL");
	KT_EQ_STR(k_forecast_assessment(60), "MEDIUM");
	KT_EQ_STR(k_forecast_assessment(40), "LOW");
	KT_EQ_STR(k_forecast_assessment(40.5), "MEDIUM");
}

/* ---- training ---- */

#define NSER 80

/* An AR(1) around 35 on the hourly grid, seeded: hour 20 a null, hour 33
 * without a row. */
static size_t
series(struct k_forecast_obs *obs, double phi, double theta)
{
	struct k_rng r;
	double y = 35, e0 = 0;
	size_t n = 0;

	k_rng_seed(&r, 2385, 0);
	for (size_t i = 0; i < NSER; i++) {
		double e = 2 * k_rng_normal(&r);
		y = 35 + phi * (y - 35) + e + theta * e0;
		e0 = e;
		if (i == 33)
			continue;
		obs[n] = (struct k_forecast_obs){ H0 + (int64_t)i * HOUR + 7 * MIN,
		                                  i == 20 ? NAN : y, (long)n };
		n++;
	}
	return n;
}

/* The series on the grid. */
static void
series_grid(struct k_forecast_grid *g, double phi, double theta)
{
	struct k_forecast_obs obs[NSER];
	struct k_error e;
	size_t n = series(obs, phi, theta);

	KT_EQ_INT(k_forecast_grid(obs, n, INT64_MIN, g, &e), K_OK);
}

/* Parameters for the series "x": ARIMA(p, 0, q). */
static void
params_x(struct k_forecast_train_params *tp, int p, int q, int constant,
         size_t holdout)
{
	k_forecast_train_params_default(tp);
	tp->field = "x";
	tp->arima.p = p;
	tp->arima.d = 0;
	tp->arima.q = q;
	tp->arima.constant = constant;
	tp->holdout = holdout;
}

/* Run t to the end; the stages in the order seen into st[]. */
static int
run(struct k_forecast_train *t, enum k_forecast_stage *st, int *nst)
{
	struct k_error e;
	long steps = 0;

	*nst = 0;
	st[(*nst)++] = k_forecast_train_stage(t);
	while (!k_forecast_train_converged(t) && steps++ < 100000) {
		if (k_forecast_train_iterate(t, &e) != K_OK) {
			fprintf(stderr, "iterate: %s\n", e.text);
			return -1;
		}
		if (k_forecast_train_stage(t) != st[*nst - 1] && *nst < 8)
			st[(*nst)++] = k_forecast_train_stage(t);
		else if (k_forecast_train_stage(t) != K_FORECAST_CHOOSE)
			KT_CHECK(k_forecast_train_optim(t) != NULL);
	}
	return k_forecast_train_converged(t) ? 0 : -1;
}

static double
jget(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(json_object_get(o, a), b);
	return json_is_null(v) ? NAN : json_number_value(v);
}

/* The header of a trained model against the grid it saw. */
static void
check_header(const struct k_forecast *f, const struct k_forecast_grid *g,
             const struct k_forecast_result *res, size_t holdout)
{
	const json_t *h = f->header;
	const json_t *tr = json_object_get(h, "training");
	double mean = 0, var = 0, lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < g->n; i++)
		if (!isnan(g->y[i])) {
			mean += g->y[i];
			lo = fmin(lo, g->y[i]);
			hi = fmax(hi, g->y[i]);
		}
	mean /= (double)g->observed;
	for (size_t i = 0; i < g->n; i++)
		if (!isnan(g->y[i]))
			var += (g->y[i] - mean) * (g->y[i] - mean);
	KT_EQ_STR(json_string_value(json_object_get(h, "kind")), "forecast");
	KT_EQ_INT(jget(h, "training", "rows"), 78);
	KT_EQ_INT(jget(h, "training", "rows_read"), 79);
	KT_EQ_INT(jget(h, "training", "rows_rejected"), 3);
	KT_EQ_INT(jget(h, "training", "points"), 80);
	KT_EQ_INT(jget(h, "training", "missing"), 2);
	KT_EQ_INT(jget(h, "training", "rows_merged"), 0);
	KT_EQ_STR(json_string_value(json_object_get(tr, "ts_first")),
	          "2025-03-01T00:00:00Z");
	KT_EQ_STR(json_string_value(json_object_get(tr, "ts_last")),
	          "2025-03-04T07:00:00Z");
	KT_NEAR(jget(tr, "stats", "mean"), mean, 1e-12);
	KT_NEAR(jget(tr, "stats", "std"), sqrt(var / 78), 1e-12);
	KT_NEAR(jget(tr, "stats", "min"), lo, 0);
	KT_NEAR(jget(tr, "stats", "max"), hi, 0);
	KT_EQ_STR(json_string_value(json_array_get(json_object_get(h, "features"),
	                                           0)), "x");
	KT_EQ_INT(jget(h, "params", "holdout"), holdout);
	KT_CHECK(json_is_null(json_object_get(json_object_get(h, "params"),
	                                      "days")));
	KT_NEAR(jget(h, "metrics", "aic"), f->arima.aic, 0);
	if (holdout > 0) {
		KT_NEAR(jget(h, "metrics", "mae"), res->holdout.mae, 0);
		KT_EQ_INT(jget(h, "metrics", "samples_compared"),
		          res->holdout.compared);
	} else {
		KT_CHECK(json_object_get(json_object_get(h, "metrics"), "mae") ==
		         NULL);
	}
	const json_t *est = json_object_get(h, "estimates");
	KT_EQ_INT(json_object_size(est), f->arima.k);
	for (int i = 0; i < f->arima.k; i++) {
		char nm[32];
		k_arima_coef_name(&f->arima, i, nm, sizeof nm);
		KT_NEAR(jget(est, nm, "coef"), f->arima.coef[i], 0);
		KT_NEAR(jget(est, nm, "std_err"), f->arima.se[i], 0);
	}
}

static void
test_train_holdout(void)
{
	struct k_forecast_train_params p;
	struct k_forecast_source src = { 79, 3 };
	struct k_forecast_result res;
	struct k_forecast_train *t;
	struct k_forecast_grid g;
	struct k_forecast f;
	struct k_error e;
	enum k_forecast_stage st[8];
	int nst;

	series_grid(&g, 0.8, 0);
	params_x(&p, 1, 0, 1, 8);
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_OK);
	/* Nothing to finish before the end. */
	KT_EQ_INT(k_forecast_train_finish(t, &src, &f, &res, &e), K_EUSAGE);
	KT_CHECK(has(e.text, "has not converged"));
	size_t ntr;
	KT_CHECK(k_forecast_train_trials(t, &ntr) == NULL && ntr == 0);
	KT_EQ_INT(k_forecast_train_fit_params(t)->p, 1);
	KT_EQ_INT(run(t, st, &nst), 0);
	KT_EQ_INT(nst, 3);
	KT_EQ_INT(st[0], K_FORECAST_FIT);
	KT_EQ_INT(st[1], K_FORECAST_REFIT);
	KT_EQ_INT(st[2], K_FORECAST_DONE);
	KT_CHECK(k_forecast_train_optim(t) == NULL);
	KT_EQ_INT(k_forecast_train_iterate(t, &e), K_OK);   /* done: no-op */
	KT_EQ_INT(k_forecast_train_finish(t, &src, &f, &res, &e), K_OK);
	k_forecast_train_free(t);

	/* The holdout's scores: those of a model fitted on the first 72
	 * points, forecasting the last 8. */
	struct k_arima_params par = p.arima;
	struct k_arima_model m1, mall;
	struct k_forecast_scores s;
	double pred[8];
	par.std_errors = 0;
	KT_EQ_INT(k_arima_fit(g.y, 72, &par, &m1, &e), K_OK);
	KT_EQ_INT(k_arima_forecast(&m1, 8, 0.95, pred, NULL, NULL, NULL, &e),
	          K_OK);
	k_forecast_score(g.y + 72, pred, 8, &s);
	KT_EQ_INT(res.ntrain, 72);
	KT_EQ_INT(res.models_tried, 0);
	KT_EQ_INT(res.holdout.compared, 8);
	KT_RNEAR(res.holdout.mae, s.mae, 1e-12);
	KT_RNEAR(res.holdout.rmse, s.rmse, 1e-12);
	KT_RNEAR(res.holdout.mape_pct, s.mape_pct, 1e-12);
	KT_CHECK(res.holdout.mae > 0.5 && res.holdout.mae < 5);
	/* The model saved: refitted on every point, with standard errors;
	 * the same estimates as a cold fit on all 80. */
	par.std_errors = 1;
	KT_EQ_INT(k_arima_fit(g.y, 80, &par, &mall, &e), K_OK);
	KT_EQ_INT(f.arima.nobs, 80);
	KT_EQ_INT(f.arima.nobs_missing, 2);
	KT_EQ_INT(f.arima.t, 80);
	for (int i = 0; i < f.arima.k; i++) {
		KT_RNEAR(f.arima.coef[i], mall.coef[i], 1e-4);
		KT_CHECK(isfinite(f.arima.se[i]));
	}
	KT_NEAR(f.arima.coef[1], 0.8, 0.25);
	KT_EQ_STR(f.field, "x");
	KT_EQ_INT(f.first_ts, H0);
	KT_EQ_INT(f.last_ts, H0 + 79 * HOUR);
	check_header(&f, &g, &res, 8);

	/* The outlook: the summary of the forecast means. */
	struct k_forecast_outlook ol, ol2;
	double mean[24];
	KT_EQ_INT(k_forecast_outlook(&f, 24, &ol, &e), K_OK);
	KT_EQ_INT(k_arima_forecast(&f.arima, 24, 0.5, mean, NULL, NULL, NULL,
	                           &e), K_OK);
	k_forecast_summarise(mean, 24, &ol2);
	KT_NEAR(ol.mean, ol2.mean, 0);
	KT_NEAR(ol.max, ol2.max, 0);
	KT_EQ_STR(ol.trend, ol2.trend);
	KT_EQ_STR(ol.assessment, "LOW");
	KT_EQ_INT(k_forecast_outlook(&f, 0, &ol, &e), K_EUSAGE);
	KT_CHECK(has(e.text, "at least one hour"));
	k_forecast_release(&f);
	k_forecast_grid_release(&g);
}

static void
test_train_whole(void)
{
	struct k_forecast_train_params p;
	struct k_forecast_source src = { 79, 3 };
	struct k_forecast_result res;
	struct k_forecast_train *t;
	struct k_forecast_grid g;
	struct k_arima_model m;
	struct k_forecast f;
	struct k_error e;
	enum k_forecast_stage st[8];
	int nst;

	series_grid(&g, 0.8, 0);
	params_x(&p, 2, 1, 0, 0);
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_OK);
	KT_EQ_INT(run(t, st, &nst), 0);
	KT_EQ_INT(nst, 2);
	KT_EQ_INT(st[0], K_FORECAST_FIT);
	KT_EQ_INT(st[1], K_FORECAST_DONE);
	KT_EQ_INT(k_forecast_train_finish(t, &src, &f, &res, &e), K_OK);
	k_forecast_train_free(t);
	KT_EQ_INT(res.ntrain, 80);
	KT_EQ_INT(res.holdout.compared, 0);
	KT_CHECK(isnan(res.holdout.mae) && isnan(res.holdout.accuracy_pct));
	/* One fit on every point: a direct fit's estimates exactly. */
	KT_EQ_INT(k_arima_fit(g.y, 80, &p.arima, &m, &e), K_OK);
	for (int i = 0; i < m.k; i++) {
		KT_NEAR(f.arima.coef[i], m.coef[i], 0);
		KT_NEAR(f.arima.se[i], m.se[i], 0);
	}
	check_header(&f, &g, &res, 0);
	k_forecast_release(&f);

	/* --auto: the search first, then the fit of its choice. */
	p.autosel = 1;
	p.holdout = 6;
	p.select.max_models = 5;
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_OK);
	KT_EQ_INT(k_forecast_train_stage(t), K_FORECAST_CHOOSE);
	KT_CHECK(k_forecast_train_optim(t) == NULL);
	KT_EQ_INT(run(t, st, &nst), 0);
	KT_EQ_INT(nst, 4);
	KT_EQ_INT(st[0], K_FORECAST_CHOOSE);
	KT_EQ_INT(st[1], K_FORECAST_FIT);
	KT_EQ_INT(st[2], K_FORECAST_REFIT);
	size_t ntr;
	const struct k_arima_trial *tr = k_forecast_train_trials(t, &ntr);
	KT_CHECK(tr != NULL && ntr >= 1 && ntr <= 5);
	KT_EQ_INT(k_forecast_train_finish(t, &src, &f, &res, &e), K_OK);
	KT_EQ_INT(res.models_tried, ntr);
	KT_EQ_INT(f.arima.p, k_forecast_train_fit_params(t)->p);
	KT_EQ_INT(f.arima.q, k_forecast_train_fit_params(t)->q);
	KT_EQ_INT(f.arima.constant, k_forecast_train_fit_params(t)->constant);
	KT_EQ_INT(f.arima.d, 0);   /* an AR(1): stationary by KPSS */
	KT_CHECK(json_is_true(json_object_get(json_object_get(f.header,
	                                                      "params"), "auto")));
	k_forecast_train_free(t);
	k_forecast_release(&f);
	k_forecast_grid_release(&g);
}

/* Every way training refuses. */
static void
test_train_errors(void)
{
	struct k_forecast_train_params p;
	struct k_forecast_train *t = (void *)&p;   /* init must clear it */
	struct k_forecast_grid g;
	struct k_error e;
	double v[40];

	for (int i = 0; i < 40; i++)
		v[i] = 2.385;
	grid_of(v, 40, &g);
	k_forecast_train_params_default(&p);
	p.field = "x";
	p.holdout = 5;
	p.min_observed = 30;
	/* Bad parameters, before any work. */
	p.field = "";
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_EUSAGE);
	KT_CHECK(t == NULL);
	p.field = "x";
	/* Too little data, too long a holdout. */
	p.min_observed = 41;
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_EDATA);
	KT_CHECK(has(e.text, "need at least 41 observed hourly values of 'x'"));
	p.min_observed = 36;
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_EDATA);
	KT_CHECK(has(e.text, "before the 5 held out, got 35"));
	p.min_observed = 30;
	p.holdout = 40;
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_EDATA);
	KT_CHECK(has(e.text, "--holdout 40"));
	/* A constant series, each way of fitting it. */
	p.holdout = 5;
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_EDATA);
	KT_EQ_STR(e.text, "fitting all but the held-out points: the series is "
	          "constant (every observed value is 2.385)");
	p.holdout = 0;
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_EDATA);
	KT_EQ_STR(e.text, "fitting: the series is constant (every observed "
	          "value is 2.385)");
	p.autosel = 1;
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_EDATA);
	KT_CHECK(has(e.text, "choosing the order: the series is constant"));
	k_forecast_grid_release(&g);

	/* The points before the holdout fit, every point does not: an
	 * infinite value among the held out. */
	struct k_forecast_obs obs[NSER];
	size_t n = series(obs, 0.8, 0);
	obs[n - 2].value = INFINITY;
	KT_EQ_INT(k_forecast_grid(obs, n, INT64_MIN, &g, &e), K_OK);
	params_x(&p, 1, 0, 0, 4);
	KT_EQ_INT(k_forecast_train_init(&t, &g, &p, &e), K_OK);
	while (!k_forecast_train_converged(t) &&
	       k_forecast_train_stage(t) == K_FORECAST_FIT)
		if (k_forecast_train_iterate(t, &e) != K_OK)
			break;
	KT_EQ_INT(e.code, K_EDATA);
	KT_CHECK(has(e.text, "fitting every point: "));
	KT_EQ_INT(k_forecast_train_stage(t), K_FORECAST_FIT);
	k_forecast_train_free(t);
	k_forecast_train_free(NULL);
	k_forecast_grid_release(&g);
}

/* ---- updates ---- */

/* A model of the series, fitted on every point, as a forecast model. */
static void
trained(struct k_forecast *f, double phi, double theta, int p, int q)
{
	struct k_forecast_train_params tp;
	struct k_forecast_source src = { 79, 0 };
	struct k_forecast_result res;
	struct k_forecast_train *t;
	struct k_forecast_grid g;
	struct k_error e;
	enum k_forecast_stage st[8];
	int nst;

	series_grid(&g, phi, theta);
	params_x(&tp, p, q, 1, 0);
	KT_EQ_INT(k_forecast_train_init(&t, &g, &tp, &e), K_OK);
	KT_EQ_INT(run(t, st, &nst), 0);
	KT_EQ_INT(k_forecast_train_finish(t, &src, f, &res, &e), K_OK);
	k_forecast_train_free(t);
	k_forecast_grid_release(&g);
}

static void
forecast3(const struct k_arima_model *m, double *mean, double *var)
{
	struct k_error e;

	KT_EQ_INT(k_arima_forecast(m, 3, 0.95, mean, var, NULL, NULL, &e), K_OK);
}

static void
test_update(void)
{
	struct k_forecast_update_info u;
	struct k_forecast f;
	struct k_error e;
	struct k_arima_model before, m2, m3;
	double a[3], av[3], b[3], bv[3], c[3], cv[3];
	int64_t last;

	trained(&f, 0.6, 0.7, 1, 1);
	last = f.last_ts;
	KT_EQ_INT(last, H0 + 79 * HOUR);
	before = f.arima;
	/* Two new hours after three without a row; two old rows. */
	struct k_forecast_obs obs[] = {
		{ last + 4 * HOUR + MIN, 2.385, 0 },
		{ last + 30 * MIN, 99, 1 },
		{ last + 5 * HOUR, 3.5, 2 },
		{ H0 + 2 * HOUR, 98, 3 },
	};
	KT_EQ_INT(k_forecast_update(&f, obs, 4, &u, &e), K_OK);
	KT_EQ_INT(u.old, 2);
	KT_EQ_INT(u.gap, 3);
	KT_EQ_INT(u.hours, 2);
	KT_EQ_INT(u.observed, 2);
	KT_EQ_INT(f.last_ts, last + 5 * HOUR);
	KT_EQ_INT(f.arima.t, before.t + 5);
	KT_EQ_INT(f.arima.updates, before.updates + 5);
	/* The same as the filter run over three missing hours, then the two
	 * values; not as the two values right after the last hour. */
	m2 = before;
	KT_EQ_INT(k_arima_update(&m2, (const double[]){ NAN, NAN, NAN, 2.385,
	                                                 3.5 }, 5, &e), K_OK);
	m3 = before;
	KT_EQ_INT(k_arima_update(&m3, (const double[]){ 2.385, 3.5 }, 2, &e),
	          K_OK);
	forecast3(&f.arima, a, av);
	forecast3(&m2, b, bv);
	forecast3(&m3, c, cv);
	for (int i = 0; i < 3; i++) {
		KT_NEAR(a[i], b[i], 0);
		KT_NEAR(av[i], bv[i], 0);
	}
	KT_CHECK(fabs(a[0] - c[0]) > 1e-6 || fabs(av[0] - cv[0]) > 1e-6);

	/* Nothing new: old rows only, nulls only, no rows. */
	struct k_arima_model now = f.arima;
	struct k_forecast_obs old[] = { { last, 1, 0 },
	                                { f.last_ts + HOUR, NAN, 1 } };
	KT_EQ_INT(k_forecast_update(&f, old, 2, &u, &e), K_OK);
	KT_EQ_INT(u.old, 1);
	KT_EQ_INT(u.hours, 0);
	KT_EQ_INT(u.gap, 0);
	KT_EQ_INT(f.last_ts, last + 5 * HOUR);
	KT_EQ_INT(f.arima.t, now.t);
	KT_EQ_INT(k_forecast_update(&f, NULL, 0, &u, &e), K_OK);
	KT_EQ_INT(u.hours, 0);

	/* The next hour: no gap. */
	struct k_forecast_obs next[] = { { f.last_ts + HOUR, 4.25, 0 } };
	KT_EQ_INT(k_forecast_update(&f, next, 1, &u, &e), K_OK);
	KT_EQ_INT(u.gap, 0);
	KT_EQ_INT(u.hours, 1);
	KT_EQ_INT(f.arima.t, now.t + 1);

	/* Errors leave the model as it was. */
	now = f.arima;
	last = f.last_ts;
	struct k_forecast_obs far[] = {
		{ last - HOUR, 1, 0 },
		{ last + (int64_t)(K_FORECAST_MAX_POINTS + 1) * HOUR, 2.385, 1 } };
	KT_EQ_INT(k_forecast_update(&f, far, 2, &u, &e), K_EDATA);
	KT_EQ_STR(e.text, "the new observations start 10000000 hours after the "
	          "model's last: more than 10000000");
	KT_EQ_INT(u.old, 1);       /* known, to report */
	KT_EQ_INT(u.hours, 0);
	struct k_forecast_obs wide[] = {
		{ last - HOUR, 1, 0 }, { last + HOUR, 1, 1 },
		{ last + (int64_t)(K_FORECAST_MAX_POINTS + 1) * HOUR, 2, 2 } };
	KT_EQ_INT(k_forecast_update(&f, wide, 3, &u, &e), K_EDATA);
	KT_CHECK(has(e.text, "more than 10000000"));
	KT_EQ_INT(u.old, 0);       /* the grid failed: nothing known */
	struct k_forecast_obs inf[] = { { last + 2 * HOUR, INFINITY, 0 } };
	KT_EQ_INT(k_forecast_update(&f, inf, 1, &u, &e), K_EDATA);
	KT_CHECK(has(e.text, "updating the model: "));
	KT_EQ_INT(f.last_ts, last);
	KT_EQ_INT(f.arima.t, now.t);
	KT_EQ_INT(f.arima.updates, now.updates);
	k_forecast_release(&f);
}

/* ---- the model file ---- */

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A forecast model file with the header h (taken) and m's payload, or a
 * payload of garbage. */
static void
write_file(const char *path, const char *kind, json_t *h,
           const struct k_arima_model *m)
{
	struct k_buf pay, file;
	struct k_error e;
	FILE *fp;

	k_buf_init(&pay);
	k_buf_init(&file);
	if (m != NULL)
		k_arima_model_encode(m, &pay);
	else
		k_buf_add(&pay, "garbage!", 8);
	KT_EQ_INT(k_model_encode(kind, h, pay.data, pay.len, 1, &file, &e), K_OK);
	KT_CHECK((fp = fopen(path, "wb")) != NULL);
	KT_EQ_INT(fwrite(file.data, 1, file.len, fp), file.len);
	KT_EQ_INT(fclose(fp), 0);
	json_decref(h);
	k_buf_release(&pay);
	k_buf_release(&file);
}

static void
test_file(void)
{
	char dir[] = "/tmp/test_forecast.XXXXXX", path[512];
	struct k_forecast f, g;
	struct k_forecast_update_info u;
	struct k_store st;
	struct k_error e;

	KT_CHECK(mkdtemp(dir) != NULL);
	k_store_init(&st, dir);
	KT_EQ_INT(k_forecast_load(&g, &st, NULL, &e), K_ECONFIG);
	trained(&f, 0.6, 0.7, 1, 1);
	KT_EQ_INT(k_forecast_save(&f, &st, "v1", &e), K_OK);
	KT_EQ_STR(f.version, "v1");
	KT_CHECK(has(f.path, "/forecast/v1.ktm"));
	KT_EQ_INT(k_forecast_save(&f, &st, "v1", &e), K_ECANTCREAT);
	KT_EQ_INT(k_forecast_load(&g, &st, "v2", &e), K_ENOINPUT);
	KT_EQ_INT(k_forecast_load(&g, &st, "latest", &e), K_OK);
	KT_EQ_STR(g.version, "v1");
	KT_EQ_STR(g.field, "x");
	KT_EQ_INT(g.first_ts, f.first_ts);
	KT_EQ_INT(g.last_ts, f.last_ts);
	KT_EQ_INT(g.arima.t, f.arima.t);
	for (int i = 0; i < f.arima.k; i++)
		KT_NEAR(g.arima.coef[i], f.arima.coef[i], 0);

	/* An update saved as a new version says where it came from. */
	struct k_forecast_obs obs[] = { { g.last_ts + 3 * HOUR, 2.385, 0 } };
	KT_EQ_INT(k_forecast_update(&g, obs, 1, &u, &e), K_OK);
	KT_EQ_INT(k_forecast_save_updated(&g, &st, "v2", &e), K_OK);
	KT_EQ_STR(g.version, "v2");
	k_forecast_release(&g);
	KT_EQ_INT(k_forecast_load(&g, &st, NULL, &e), K_OK);
	KT_EQ_STR(g.version, "v2");
	KT_EQ_STR(json_string_value(json_object_get(g.header, "updated_from")),
	          "v1");
	KT_EQ_INT(json_integer_value(json_object_get(g.header, "updates")), 3);
	KT_EQ_INT(g.last_ts, f.last_ts + 3 * HOUR);
	KT_EQ_INT(g.arima.t, f.arima.t + 3);
	KT_EQ_INT(jget(g.header, "series", "observations"), f.arima.t + 3);
	KT_EQ_INT(k_forecast_save_updated(&g, &st, "v2", &e), K_ECANTCREAT);
	k_forecast_release(&g);

	/* Headers that do not describe the payload. */
	static const char *const bad[][2] = {
		{ "{}", "usable 'series.field'" },
		{ "{\"series\":{\"field\":\"\"}}", "usable 'series.field'" },
		{ "{\"series\":{\"field\":\"x\",\"step_seconds\":60}}",
		  "'series.step_seconds' is not 3600" },
		{ "{\"series\":{\"field\":\"x\",\"step_seconds\":3600,"
		  "\"first_ts\":\"2025-03-02T00:00:00Z\","
		  "\"last_ts\":\"2025-03-01T00:00:00Z\"}}", "series.first_ts" },
		{ "{\"series\":{\"field\":\"x\",\"step_seconds\":3600,"
		  "\"first_ts\":\"2025-03-01T00:00:00Z\",\"last_ts\":3}}",
		  "series.last_ts" },
		{ "{\"series\":{\"field\":\"x\",\"step_seconds\":3600,"
		  "\"first_ts\":\"2025-03-01T00:00:00Z\","
		  "\"last_ts\":\"2025-03-02T00:00:00Z\"},"
		  "\"params\":{\"order\":[2,0,1]}}", "'params.order' does not match" },
	};
	snprintf(path, sizeof path, "%s/bad.ktm", dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(path, "forecast", json_loads(bad[i][0], 0, NULL),
		           &f.arima);
		KT_EQ_INT(k_forecast_load_file(&g, path, &e), K_EDATA);
		if (!has(e.text, bad[i][1]))
			KT_FAIL("case %zu: %s", i, e.text);
		KT_CHECK(g.header == NULL);
	}
	/* The good header loads; a corrupt payload or another kind does not. */
	write_file(path, "forecast", json_loads(
		"{\"series\":{\"field\":\"x\",\"step_seconds\":3600,"
		"\"first_ts\":\"2025-03-01T00:00:00Z\","
		"\"last_ts\":\"2025-03-02T00:00:00Z\"},"
		"\"params\":{\"order\":[1,0,1]}}", 0, NULL), &f.arima);
	KT_EQ_INT(k_forecast_load_file(&g, path, &e), K_OK);
	KT_EQ_INT(g.last_ts, H0 + 24 * HOUR);
	KT_EQ_STR(g.version, "");
	k_forecast_release(&g);
	write_file(path, "forecast", json_object(), NULL);
	KT_EQ_INT(k_forecast_load_file(&g, path, &e), K_EDATA);
	KT_CHECK(has(e.text, "corrupted"));
	write_file(path, "anomaly", json_object(), &f.arima);
	KT_EQ_INT(k_forecast_load_file(&g, path, &e), K_EDATA);
	k_forecast_release(&f);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	test_row();
	test_grid();
	test_window();
	test_params();
	test_split();
	test_score();
	test_summarise();
	test_train_holdout();
	test_train_whole();
	test_train_errors();
	test_update();
	test_file();
	KT_DONE();
}
