/*
 * ktrain forecast - fit an ARIMA model to one numeric series of the
 * feature rows (risk_score by default) on the hourly grid, measure it on
 * the last --holdout points, refit on every point and save it, filter
 * state included, as a new version of the 'forecast' model for kforecast.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_reader.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_out.h"
#include "cli/k_progress.h"
#include "cli/k_reject.h"
#include "ktrain.h"
#include "model/k_forecast.h"
#include "model/k_model.h"
#include "model/k_store.h"
#include "numeric/k_arima.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

#define MIN_POINTS 30    /* the seed's minimum, observed values */
#define SUMMARY_H  24    /* the forecast the summary describes */

struct opts {
	const char *field;      /* --field */
	int p, d, q;            /* --order */
	int constant;           /* --constant */
	int autosel;            /* --auto */
	int order_given;
	double days;            /* --days; 0: all */
	long holdout;           /* --holdout */
	const char *version;    /* --save-version */
	char **files;
	int nfiles;
};

enum {
	OPT_FIELD = 0x100, OPT_ORDER, OPT_CONSTANT, OPT_AUTO, OPT_DAYS,
	OPT_HOLDOUT, OPT_SAVE_VERSION
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Model:", 1 },
	{ "order", OPT_ORDER, "P,D,Q", 0,
	  "ARIMA order: AR terms, differences, MA terms (default 2,1,2)", 1 },
	{ "constant", OPT_CONSTANT, NULL, 0,
	  "Add a constant: the mean when D is 0, a drift when D is 1", 1 },
	{ "auto", OPT_AUTO, NULL, 0,
	  "Choose the order: D by KPSS tests, then a stepwise AICc search from "
	  "(2,D,2) with P, Q at most 5, constant included or not", 1 },
	{ NULL, 0, NULL, 0, "Input:", 2 },
	{ "field", OPT_FIELD, "NAME", 0,
	  "The series: a top-level field, else features.NAME (default "
	  "risk_score)", 2 },
	{ "days", OPT_DAYS, "N", 0,
	  "Keep only rows within N days of the newest 'ts'", 2 },
	{ NULL, 0, NULL, 0, "Evaluation and output:", 3 },
	{ "holdout", OPT_HOLDOUT, "N", 0,
	  "Measure the forecast of the last N hourly points, fitted without "
	  "them; 0 skips it (default 24)", 3 },
	{ "save-version", OPT_SAVE_VERSION, "NAME", 0,
	  "Version name of the new model (default: UTC time, YYYYmmdd_HHMMSS)",
	  3 },
	{ 0 }
};

/* "2,1,2" into three whole numbers in range. */
static int
parse_order(const char *arg, int *p, int *d, int *q)
{
	long v[3];
	const char *s = arg;

	for (int i = 0; i < 3; i++) {
		char *end;
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v[i] = strtol(s, &end, 10);
		if (errno || end == s)
			return -1;
		if (i < 2 && *end != ',')
			return -1;
		if (i == 2 && *end != '\0')
			return -1;
		s = end + 1;
	}
	if (v[0] > K_ARIMA_MAX_P || v[1] > K_ARIMA_MAX_D || v[2] > K_ARIMA_MAX_Q)
		return -1;
	*p = (int)v[0];
	*d = (int)v[1];
	*q = (int)v[2];
	return 0;
}

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	char *end;

	switch (key) {
	case OPT_FIELD:
		if (arg[0] == '\0' || strlen(arg) > K_FORECAST_FIELD_MAX)
			argp_error(state, "--field: a name of 1 to %d bytes",
			           K_FORECAST_FIELD_MAX);
		o->field = arg;
		break;
	case OPT_ORDER:
		if (parse_order(arg, &o->p, &o->d, &o->q) < 0)
			argp_error(state, "--order: '%s' is not P,D,Q with P and Q "
			           "from 0 to %d and D from 0 to %d", arg,
			           K_ARIMA_MAX_P, K_ARIMA_MAX_D);
		o->order_given = 1;
		break;
	case OPT_CONSTANT:
		o->constant = 1;
		break;
	case OPT_AUTO:
		o->autosel = 1;
		break;
	case OPT_DAYS:
		errno = 0;
		o->days = strtod(arg, &end);
		if (errno || end == arg || *end != '\0' || !(o->days > 0) ||
		    !isfinite(o->days))
			argp_error(state, "--days: '%s' is not a positive number",
			           arg);
		break;
	case OPT_HOLDOUT:
		errno = 0;
		o->holdout = strtol(arg, &end, 10);
		if (errno || end == arg || *end != '\0' || o->holdout < 0 ||
		    o->holdout > 100000)
			argp_error(state, "--holdout: '%s' is not a whole number "
			           "from 0 to 100000", arg);
		break;
	case OPT_SAVE_VERSION: {
		struct k_error e;
		if (k_version_check(arg, &e) != K_OK)
			argp_error(state, "--save-version: %s", e.text);
		o->version = arg;
		break;
	}
	case ARGP_KEY_ARGS:
		o->files = state->argv + state->next;
		o->nfiles = state->argc - state->next;
		break;
	case ARGP_KEY_END:
		if (o->autosel && o->order_given)
			argp_error(state, "--auto and --order: choose one");
		if (o->autosel && o->constant)
			argp_error(state, "--auto decides on the constant itself; "
			           "drop --constant");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &k_args_records, 0, "Bad input:", 4 },
	{ &k_args_store, 0, "Model store:", 5 },
	{ &k_args_common, 0, "Messages:", 6 },
	{ 0 }
};

static const char doc[] =
	"Fit an ARIMA model to one numeric series of feature rows, on the "
	"hourly grid, and save it as a new version of the 'forecast' model "
	"for kforecast."
	"\v"
	"Input: NDJSON rows with \"ts\" (RFC 3339) and the series field, a "
	"number or null (missing), at the top level or in \"features\", from "
	"the FILEs or standard input. Each row falls in the UTC hour of its "
	"ts; an hour takes its latest non-null value; hours without one are "
	"missing values, which the Kalman filter steps over. At least 30 "
	"observed hours are needed. Output: a one-line JSON report on "
	"standard output (fit, estimates with standard errors, AIC, BIC, "
	"holdout MAE, RMSE, MAPE); a summary for people on standard error.\n\n"
	"Example:\n"
	"  kfeatures hyperliquid < raw.ndjson | ktrain forecast --days 30 "
	"--save-version v1.0";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  children, NULL, NULL };

/* ---- reading ---- */

struct reader {
	struct opts *o;
	struct k_reject rj;
	struct k_jscan scan;
	struct k_forecast_obs *obs;
	size_t nobs, cap;
	long rows_read;
	int stop;
};

static void
reject(struct reader *r, const char *src, long lineno, const char *raw,
       size_t len, const char *why)
{
	if (k_reject_line(&r->rj, src, lineno, raw, len, why))
		r->stop = 1;
}

static void
read_input(struct reader *r, const char *path)
{
	struct k_reader in;
	struct k_error e;
	struct k_progress pg;
	char *line;
	size_t len;
	int rc = 0;

	if (k_reader_open(&in, path, &e) != K_OK)
		k_die_error(&e);
	k_progress_init(&pg);
	while (!r->stop && (rc = k_reader_next(&in, &line, &len, &e)) > 0) {
		char why[320];
		double v;
		int64_t ts;

		if ((in.lineno & 0xfff) == 0)
			k_progress_update(&pg, "%ld lines read", r->rows_read);
		if (in.toolong) {
			snprintf(why, sizeof why, "line longer than %zu bytes",
			         in.max_line);
			reject(r, in.name, in.lineno, NULL, 0, why);
			continue;
		}
		if (k_reader_blank(line, len))
			continue;
		if (k_jscan_line(&r->scan, line, len, &e) != K_OK) {
			reject(r, in.name, in.lineno, line, len, e.text);
			continue;
		}
		if (k_forecast_row(&r->scan, r->o->field, &ts, &v, why,
		                   sizeof why) < 0) {
			reject(r, in.name, in.lineno, line, len, why);
			continue;
		}
		if (r->nobs == r->cap) {
			size_t nc = r->cap ? 2 * r->cap : 4096;
			struct k_forecast_obs *no = realloc(r->obs, nc * sizeof *no);
			if (no == NULL)
				k_die(K_ENOMEM, "out of memory");
			r->obs = no;
			r->cap = nc;
		}
		r->obs[r->nobs++] = (struct k_forecast_obs){ ts, v, r->rows_read };
		r->rows_read++;
	}
	if (rc < 0)
		k_die_error(&e);
	k_progress_done(&pg);
	k_reader_close(&in);
}

/* ---- fitting ---- */

/* Run a fit to the end, with progress. */
static void
run_fit(struct k_arima_fit *f, const struct k_arima_params *par,
        const char *what)
{
	struct k_progress pg;
	struct k_error e;

	k_progress_init(&pg);
	while (!k_arima_fit_converged(f)) {
		if (k_arima_fit_iterate(f, &e) != K_OK)
			k_die_error(&e);
		const struct k_optim *o = k_arima_fit_optim(f);
		k_progress_update(&pg, "%s ARIMA(%d,%d,%d): iteration %d, mean "
		                  "log-likelihood %.6f", what, par->p, par->d,
		                  par->q, o->iter, -o->f);
	}
	k_progress_done(&pg);
}

static void
die_fit(const struct k_error *e, const char *what)
{
	k_die(e->code, "%s: %s", what, e->text);
}

/* Forecast h steps of m: mean only. */
static double *
forecast_mean(const struct k_arima_model *m, size_t h)
{
	struct k_error e;
	double *f = malloc((h ? h : 1) * sizeof *f);

	if (f == NULL)
		k_die(K_ENOMEM, "out of memory");
	if (k_arima_forecast(m, h, 0.95, f, NULL, NULL, NULL, &e) != K_OK)
		k_die_error(&e);
	return f;
}

struct metrics {
	size_t compared;
	double mae, rmse, mape;
};

static void
score_holdout(const double *actual, const double *pred, size_t h,
              struct metrics *mt)
{
	double ae = 0, se = 0, ape = 0;

	mt->compared = 0;
	for (size_t i = 0; i < h; i++) {
		if (isnan(actual[i]))
			continue;
		double e = actual[i] - pred[i];
		ae += fabs(e);
		se += e * e;
		/* The seed's MAPE: |error| / (|actual| + 1e-10). */
		ape += fabs(e) / (fabs(actual[i]) + 1e-10);
		mt->compared++;
	}
	if (mt->compared == 0) {
		mt->mae = mt->rmse = mt->mape = NAN;
		return;
	}
	mt->mae = ae / (double)mt->compared;
	mt->rmse = sqrt(se / (double)mt->compared);
	mt->mape = 100 * ape / (double)mt->compared;
}

/* A value for the summary: with the seed's fixed places, unless those
 * would show a non-zero value as zero (a funding rate's MAE is near 1e-5),
 * then in three significant digits. */
static void
human(const char *label, double v, int places, const char *unit)
{
	if (v != 0 && fabs(v) < 0.5 * pow(10, -places))
		fprintf(stderr, "%s: %.3g%s\n", label, v, unit);
	else
		fprintf(stderr, "%s: %.*f%s\n", label, places, v, unit);
}

static void
summary(const struct k_forecast *f, const struct metrics *mt, long holdout,
        const char *assess, double avg, size_t ntried)
{
	static const char bar[] =
		"============================================================";
	const struct k_arima_model *m = &f->arima;

	if (k_log_level < 0)
		return;
	fprintf(stderr, "%s\nTRAINING RISK PREDICTOR\n%s\n", bar, bar);
	fprintf(stderr, "Samples trained: %ld\n", m->nobs - m->nobs_missing);
	fprintf(stderr, "Model: ARIMA(%d,%d,%d)%s%s\n", m->p, m->d, m->q,
	        m->constant ? (m->d == 0 ? " with mean" : m->d == 1 ?
	                       " with drift" : " with trend") : "",
	        ntried ? " (chosen by --auto)" : "");
	if (holdout > 0 && mt->compared > 0) {
		human("MAE", mt->mae, 2, "");
		human("RMSE", mt->rmse, 2, "");
		human("MAPE", mt->mape, 1, "%");
	} else {
		fprintf(stderr, "MAE, RMSE, MAPE: not measured (--holdout 0)\n");
	}
	fprintf(stderr, "AIC: %.2f  BIC: %.2f\n", m->aic, m->bic);
	fprintf(stderr, "24-hour forecast: %s risk\n", assess);
	human("Average forecasted risk", avg, 1, "");
	if (!m->converged)
		fprintf(stderr, "Warning: the optimiser stopped before converging "
		        "(%d iterations)\n", m->iterations);
	fprintf(stderr, "Model saved: %s (version %s)\n", f->path, f->version);
}

static void
jw_num_or_null(struct k_jsonw *w, double v, int places)
{
	if (isfinite(v))
		k_jsonw_num(w, places >= 0 ? k_round(v, places) : v);
	else
		k_jsonw_null(w);
}

int
ktrain_forecast(int argc, char **argv)
{
	struct opts o = { .field = "risk_score", .p = 2, .d = 1, .q = 2,
	                  .holdout = 24 };
	struct reader r;
	struct k_error e;
	struct k_store store;
	double t0;

	k_args_parse("ktrain", &argp, argc, argv, &o);
	t0 = k_time_mono();
	memset(&r, 0, sizeof r);
	r.o = &o;
	k_reject_init(&r.rj);
	k_jscan_init(&r.scan, "features");
	k_store_init(&store, k_opts.model_dir);

	for (int i = 0; i < (o.nfiles > 0 ? o.nfiles : 1) && !r.stop; i++)
		read_input(&r, o.nfiles > 0 ? o.files[i] : "-");
	if (r.stop) {
		free(r.obs);
		k_jscan_release(&r.scan);
		return k_status_exit(k_reject_finish(&r.rj));
	}

	/* --days: rows within N days of the newest. */
	if (o.days > 0 && r.nobs > 0) {
		int64_t newest = INT64_MIN, span = (int64_t)(o.days * (double)K_MS_PER_DAY);
		size_t k = 0;
		for (size_t i = 0; i < r.nobs; i++)
			if (r.obs[i].ts > newest)
				newest = r.obs[i].ts;
		for (size_t i = 0; i < r.nobs; i++)
			if (r.obs[i].ts >= newest - span)
				r.obs[k++] = r.obs[i];
		r.nobs = k;
	}
	struct k_forecast_grid g;
	if (k_forecast_grid(r.obs, r.nobs, INT64_MIN, &g, &e) != K_OK)
		k_die_error(&e);
	free(r.obs);
	if (g.observed < MIN_POINTS) {
		k_reject_finish(&r.rj);
		k_die(K_EDATA, "need at least %d observed hourly values of '%s' "
		      "to train a forecast model, got %zu%s", MIN_POINTS, o.field,
		      g.observed, o.days > 0 ? " in the --days window" : "");
	}

	struct k_arima_params par;
	k_arima_params_default(&par);
	par.p = o.p;
	par.d = o.d;
	par.q = o.q;
	par.constant = o.constant;

	/* The holdout fit: all but the last --holdout points. */
	size_t h = (size_t)o.holdout, ntrain = g.n;
	struct metrics mt = { 0, NAN, NAN, NAN };
	size_t ntried = 0;
	struct k_arima_fit *f1 = NULL, *f2 = NULL;
	struct k_arima_model m1;
	if (h > 0) {
		if (h >= g.n)
			k_die(K_EDATA, "--holdout %zu: the series has only %zu hourly "
			      "points", h, g.n);
		ntrain = g.n - h;
		size_t seen = 0;
		for (size_t i = 0; i < ntrain; i++)
			seen += !isnan(g.y[i]);
		if (seen < MIN_POINTS)
			k_die(K_EDATA, "need at least %d observed hourly values before "
			      "the %zu held out, got %zu (lower --holdout, or 0 to "
			      "skip the evaluation)", MIN_POINTS, h, seen);
	}
	if (o.autosel) {
		struct k_arima_auto_params ap;
		struct k_arima_auto *a;
		struct k_arima_model best;
		struct k_progress pg;
		k_arima_auto_params_default(&ap);
		ap.fit = par;
		ap.fit.std_errors = 0;
		if (k_arima_auto_init(&a, g.y, ntrain, &ap, &e) != K_OK)
			die_fit(&e, "choosing the order");
		k_progress_init(&pg);
		while (!k_arima_auto_converged(a)) {
			if (k_arima_auto_iterate(a, &e) != K_OK)
				die_fit(&e, "choosing the order");
			const struct k_arima_trial *tr = k_arima_auto_trials(a, &ntried);
			k_progress_update(&pg, "choosing the order: %zu models, last "
			                  "ARIMA(%d,%d,%d)", ntried, tr[ntried - 1].p,
			                  tr[ntried - 1].d, tr[ntried - 1].q);
			if (k_log_level > 0)
				k_debug("tried ARIMA(%d,%d,%d)%s: AICc %.4f",
				        tr[ntried - 1].p, tr[ntried - 1].d,
				        tr[ntried - 1].q, tr[ntried - 1].constant ?
				        " with constant" : "", tr[ntried - 1].aicc);
		}
		k_progress_done(&pg);
		k_arima_auto_trials(a, &ntried);
		if (k_arima_auto_finish(a, &best, &e) != K_OK)
			die_fit(&e, "choosing the order");
		k_arima_auto_free(a);
		par.p = best.p;
		par.d = best.d;
		par.q = best.q;
		par.constant = best.constant;
		par.has_start = 1;
		memcpy(par.start, best.coef, sizeof par.start);
	}
	/* Standard errors only for the model that is saved. */
	par.std_errors = h == 0;
	if (k_arima_fit_init(&f1, g.y, ntrain, &par, &e) != K_OK)
		die_fit(&e, h > 0 ? "fitting all but the held-out points" :
		        "fitting");
	run_fit(f1, &par, "fitting");
	if (h > 0) {
		if (k_arima_fit_finish(f1, &m1, &e) != K_OK)
			die_fit(&e, "fitting all but the held-out points");
		double *pred = forecast_mean(&m1, h);
		score_holdout(g.y + ntrain, pred, h, &mt);
		free(pred);
		/* The refit on every point starts where this one ended. */
		par.std_errors = 1;
		par.has_start = 1;
		memcpy(par.start, m1.coef, sizeof par.start);
		if (k_arima_fit_init(&f2, g.y, g.n, &par, &e) != K_OK)
			die_fit(&e, "fitting every point");
		if (k_arima_fit_warm(f2, f1, &e) != K_OK)
			k_die_error(&e);
		run_fit(f2, &par, "refitting");
	} else {
		f2 = f1;
		f1 = NULL;
	}

	struct k_forecast fm;
	memset(&fm, 0, sizeof fm);
	if (k_arima_fit_finish(f2, &fm.arima, &e) != K_OK)
		die_fit(&e, "fitting every point");
	k_arima_fit_free(f1);
	k_arima_fit_free(f2);
	snprintf(fm.field, sizeof fm.field, "%s", o.field);
	fm.first_ts = g.first;
	fm.last_ts = g.last;
	const struct k_arima_model *m = &fm.arima;

	/* The next 24 hours, for the summary and the report. */
	double *next = forecast_mean(m, SUMMARY_H), avg = 0, mx = -INFINITY;
	for (size_t i = 0; i < SUMMARY_H; i++) {
		avg += next[i];
		if (next[i] > mx)
			mx = next[i];
	}
	avg /= SUMMARY_H;
	const char *assess = k_forecast_assessment(mx);
	const char *trend = next[SUMMARY_H - 1] > next[0] ? "increasing"
	                                                  : "decreasing";

	/* The model file's header. */
	char ts0[40], ts1[40], nm[32];
	double mean = 0, var = 0, lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < g.n; i++) {
		if (isnan(g.y[i]))
			continue;
		mean += g.y[i];
		if (g.y[i] < lo)
			lo = g.y[i];
		if (g.y[i] > hi)
			hi = g.y[i];
	}
	mean /= (double)g.observed;
	for (size_t i = 0; i < g.n; i++)
		if (!isnan(g.y[i]))
			var += (g.y[i] - mean) * (g.y[i] - mean);
	var /= (double)g.observed;
	k_time_format(g.first, ts0, sizeof ts0);
	k_time_format(g.last, ts1, sizeof ts1);
	fm.header = k_model_header_new(K_FORECAST_KIND);
	json_t *params = json_pack("{s:s, s:b, s:b, s:I, s:o, s:f, s:f}",
	                           "field", o.field, "constant", m->constant,
	                           "auto", o.autosel, "holdout",
	                           (json_int_t)o.holdout, "days",
	                           o.days > 0 ? json_real(o.days) : json_null(),
	                           "diffuse_variance", m->diffuse_variance,
	                           "steady_tol", m->steady_tol);
	/* "rows" is the header convention (k_model.h): values trained on. */
	json_t *training = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, "
	                             "s:s, s:{s:f, s:f, s:f, s:f}}",
	                             "rows", (json_int_t)g.observed,
	                             "rows_read", (json_int_t)r.rows_read,
	                             "rows_rejected", (json_int_t)r.rj.count,
	                             "rows_merged", (json_int_t)g.merged,
	                             "points", (json_int_t)g.n,
	                             "observed", (json_int_t)g.observed,
	                             "missing", (json_int_t)g.missing,
	                             "ts_first", ts0, "ts_last", ts1,
	                             "stats", "mean", mean, "std", sqrt(var),
	                             "min", lo, "max", hi);
	json_t *metrics = json_object();
	json_t *est = json_object();
	json_t *feats = json_pack("[s]", o.field);
	if (!fm.header || !params || !training || !metrics || !est || !feats)
		k_die(K_ENOMEM, "out of memory");
	for (int i = 0; i < m->k; i++) {
		k_arima_coef_name(m, i, nm, sizeof nm);
		json_object_set_new(est, nm, json_pack("{s:f, s:o}", "coef",
		                    m->coef[i], "std_err", isfinite(m->se[i]) ?
		                    json_real(m->se[i]) : json_null()));
	}
	json_object_set_new(metrics, "loglike", json_real(m->loglike));
	json_object_set_new(metrics, "aic", json_real(m->aic));
	json_object_set_new(metrics, "bic", json_real(m->bic));
	json_object_set_new(metrics, "aicc", isfinite(m->aicc) ?
	                    json_real(m->aicc) : json_null());
	if (mt.compared > 0) {
		json_object_set_new(metrics, "mae", json_real(mt.mae));
		json_object_set_new(metrics, "rmse", json_real(mt.rmse));
		json_object_set_new(metrics, "mape_pct", json_real(mt.mape));
		json_object_set_new(metrics, "samples_compared",
		                    json_integer((json_int_t)mt.compared));
	}
	json_object_set_new(fm.header, "params", params);
	json_object_set_new(fm.header, "features", feats);
	json_object_set_new(fm.header, "training", training);
	json_object_set_new(fm.header, "metrics", metrics);
	json_object_set_new(fm.header, "estimates", est);
	if (k_forecast_save(&fm, &store, o.version, &e) != K_OK)
		k_die_error(&e);

	/* The report. */
	struct k_buf b;
	struct k_jsonw w;
	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, "train_report");
	k_jsonw_key(&w, "model");
	k_jsonw_str(&w, K_FORECAST_KIND);
	k_jsonw_key(&w, "version");
	k_jsonw_str(&w, fm.version);
	k_jsonw_key(&w, "path");
	k_jsonw_str(&w, fm.path);
	k_jsonw_key(&w, "field");
	k_jsonw_str(&w, o.field);
	k_jsonw_key(&w, "model_order");
	k_jsonw_arr(&w);
	k_jsonw_int(&w, m->p);
	k_jsonw_int(&w, m->d);
	k_jsonw_int(&w, m->q);
	k_jsonw_arr_end(&w);
	k_jsonw_key(&w, "constant");
	k_jsonw_bool(&w, m->constant);
	k_jsonw_key(&w, "auto");
	k_jsonw_bool(&w, o.autosel);
	if (o.autosel) {
		k_jsonw_key(&w, "models_tried");
		k_jsonw_int(&w, (long long)ntried);
	}
	k_jsonw_key(&w, "samples_trained");
	k_jsonw_int(&w, (long long)g.observed);
	k_jsonw_key(&w, "points");
	k_jsonw_int(&w, (long long)g.n);
	k_jsonw_key(&w, "missing");
	k_jsonw_int(&w, (long long)g.missing);
	k_jsonw_key(&w, "rows_read");
	k_jsonw_int(&w, r.rows_read);
	k_jsonw_key(&w, "rows_rejected");
	k_jsonw_int(&w, r.rj.count);
	k_jsonw_key(&w, "rows_merged");
	k_jsonw_int(&w, (long long)g.merged);
	k_jsonw_key(&w, "ts_first");
	k_jsonw_str(&w, ts0);
	k_jsonw_key(&w, "ts_last");
	k_jsonw_str(&w, ts1);
	k_jsonw_key(&w, "holdout");
	k_jsonw_int(&w, o.holdout);
	k_jsonw_key(&w, "samples_compared");
	k_jsonw_int(&w, (long long)mt.compared);
	k_jsonw_key(&w, "mae");
	jw_num_or_null(&w, mt.mae, -1);
	k_jsonw_key(&w, "rmse");
	jw_num_or_null(&w, mt.rmse, -1);
	k_jsonw_key(&w, "mape_pct");
	jw_num_or_null(&w, mt.mape, 4);
	k_jsonw_key(&w, "accuracy_pct");
	jw_num_or_null(&w, isfinite(mt.mape) ? fmax(0, 100 - mt.mape) : NAN, 4);
	k_jsonw_key(&w, "loglike");
	k_jsonw_num(&w, m->loglike);
	k_jsonw_key(&w, "aic");
	k_jsonw_num(&w, m->aic);
	k_jsonw_key(&w, "aicc");
	jw_num_or_null(&w, m->aicc, -1);
	k_jsonw_key(&w, "bic");
	k_jsonw_num(&w, m->bic);
	k_jsonw_key(&w, "estimates");
	k_jsonw_obj(&w);
	for (int i = 0; i < m->k; i++) {
		k_arima_coef_name(m, i, nm, sizeof nm);
		k_jsonw_key(&w, nm);
		k_jsonw_obj(&w);
		k_jsonw_key(&w, "coef");
		k_jsonw_num(&w, m->coef[i]);
		k_jsonw_key(&w, "std_err");
		jw_num_or_null(&w, m->se[i], -1);
		k_jsonw_obj_end(&w);
	}
	k_jsonw_obj_end(&w);
	k_jsonw_key(&w, "converged");
	k_jsonw_bool(&w, m->converged);
	k_jsonw_key(&w, "iterations");
	k_jsonw_int(&w, m->iterations);
	k_jsonw_key(&w, "forecast_24h");
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "risk_assessment");
	k_jsonw_str(&w, assess);
	k_jsonw_key(&w, "trend");
	k_jsonw_str(&w, trend);
	k_jsonw_key(&w, "avg_forecasted_risk");
	k_jsonw_num(&w, avg);
	k_jsonw_key(&w, "max_forecasted_risk");
	k_jsonw_num(&w, mx);
	k_jsonw_obj_end(&w);
	k_jsonw_key(&w, "seconds");
	k_jsonw_num(&w, k_round(k_time_mono() - t0, 4));
	k_jsonw_obj_end(&w);
	if (b.oom)
		k_die(K_ENOMEM, "out of memory");
	k_out_write(b.data, b.len);
	k_out_line_end();
	k_buf_release(&b);
	summary(&fm, &mt, o.holdout, assess, avg, o.autosel ? ntried : 0);
	k_out_finish();

	enum k_status rs = k_reject_finish(&r.rj);
	free(next);
	k_forecast_grid_release(&g);
	k_forecast_release(&fm);
	k_jscan_release(&r.scan);
	return k_status_exit(rs);
}
