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
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_progress.h"
#include "cli/k_reject.h"
#include "cli/k_series_input.h"
#include "ktrain.h"
#include "model/k_forecast.h"
#include "model/k_store.h"
#include "numeric/k_arima.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

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
		o->days = k_optval_number(state, "--days", arg, 0, INFINITY,
		                          K_OPTVAL_OPEN_LO);
		break;
	case OPT_HOLDOUT:
		o->holdout = (long)k_optval_uint(state, "--holdout", arg, 0,
		                                 100000);
		break;
	case OPT_SAVE_VERSION: {
		struct k_error e;
		if (k_version_check(arg, &e) != K_OK)
			argp_error(state, "--save-version: %s", e.text);
		o->version = arg;
		break;
	}
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
                                  NULL, NULL, NULL };

/* ---- training ---- */

static void
train_params(const struct opts *o, struct k_forecast_train_params *tp)
{
	k_forecast_train_params_default(tp);
	tp->field = o->field;
	tp->arima.p = o->p;
	tp->arima.d = o->d;
	tp->arima.q = o->q;
	tp->arima.constant = o->constant;
	tp->autosel = o->autosel;
	tp->holdout = (size_t)o->holdout;
	tp->days = o->days;
}

/* Progress after a step of stage s. */
static void
progress(struct k_progress *pg, const struct k_forecast_train *t,
         enum k_forecast_stage s)
{
	if (s == K_FORECAST_CHOOSE) {
		size_t n;
		const struct k_arima_trial *tr = k_forecast_train_trials(t, &n);
		k_progress_update(pg, "choosing the order: %zu models, last "
		                  "ARIMA(%d,%d,%d)", n, tr[n - 1].p, tr[n - 1].d,
		                  tr[n - 1].q);
		if (k_log_level > 0)
			k_debug("tried ARIMA(%d,%d,%d)%s: AICc %.4f", tr[n - 1].p,
			        tr[n - 1].d, tr[n - 1].q, tr[n - 1].constant ?
			        " with constant" : "", tr[n - 1].aicc);
		return;
	}
	const struct k_arima_params *par = k_forecast_train_fit_params(t);
	const struct k_optim *o = k_forecast_train_optim(t);
	k_progress_update(pg, "%s ARIMA(%d,%d,%d): iteration %d, mean "
	                  "log-likelihood %.6f", s == K_FORECAST_FIT ? "fitting"
	                  : "refitting", par->p, par->d, par->q, o->iter, -o->f);
}

/* Train on g to the end, with progress: the model and what training
 * found. */
static void
train(const struct k_forecast_grid *g, const struct k_forecast_train_params *tp,
      const struct k_forecast_source *src, struct k_forecast *fm,
      struct k_forecast_result *res)
{
	struct k_forecast_train *t;
	struct k_progress pg;
	struct k_error e;

	if (k_forecast_train_init(&t, g, tp, &e) != K_OK)
		k_die_error(&e);
	k_progress_init(&pg);
	while (!k_forecast_train_converged(t)) {
		enum k_forecast_stage s = k_forecast_train_stage(t);
		if (k_forecast_train_iterate(t, &e) != K_OK)
			k_die_error(&e);
		if (k_forecast_train_stage(t) == s) {
			progress(&pg, t, s);
			continue;
		}
		k_progress_done(&pg);
		k_progress_init(&pg);
	}
	k_progress_done(&pg);
	if (k_forecast_train_finish(t, src, fm, res, &e) != K_OK)
		k_die_error(&e);
	k_forecast_train_free(t);
}

/* ---- the report ---- */

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
summary(const struct k_forecast *f, const struct k_forecast_scores *sc,
        long holdout, const struct k_forecast_outlook *ol, size_t ntried)
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
	if (holdout > 0 && sc->compared > 0) {
		human("MAE", sc->mae, 2, "");
		human("RMSE", sc->rmse, 2, "");
		human("MAPE", sc->mape_pct, 1, "%");
	} else {
		fprintf(stderr, "MAE, RMSE, MAPE: not measured (--holdout 0)\n");
	}
	fprintf(stderr, "AIC: %.2f  BIC: %.2f\n", m->aic, m->bic);
	fprintf(stderr, "24-hour forecast: %s risk\n", ol->assessment);
	human("Average forecasted risk", ol->mean, 1, "");
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

/* The report's first part: which model, and the data it was fitted on. */
static void
report_data(struct k_jsonw *w, const struct opts *o,
            const struct k_forecast *f, const struct k_forecast_grid *g,
            const struct k_forecast_source *src,
            const struct k_forecast_result *res)
{
	const struct k_arima_model *m = &f->arima;
	char ts[40];

	ktrain_report_head(w, K_FORECAST_KIND, f->version, f->path);
	k_jsonw_key(w, "field");
	k_jsonw_str(w, o->field);
	k_jsonw_key(w, "model_order");
	k_jsonw_arr(w);
	k_jsonw_int(w, m->p);
	k_jsonw_int(w, m->d);
	k_jsonw_int(w, m->q);
	k_jsonw_arr_end(w);
	k_jsonw_key(w, "constant");
	k_jsonw_bool(w, m->constant);
	k_jsonw_key(w, "auto");
	k_jsonw_bool(w, o->autosel);
	if (o->autosel) {
		k_jsonw_key(w, "models_tried");
		k_jsonw_int(w, (long long)res->models_tried);
	}
	k_jsonw_key(w, "samples_trained");
	k_jsonw_int(w, (long long)g->observed);
	k_jsonw_key(w, "points");
	k_jsonw_int(w, (long long)g->n);
	k_jsonw_key(w, "missing");
	k_jsonw_int(w, (long long)g->missing);
	k_jsonw_key(w, "rows_read");
	k_jsonw_int(w, src->rows_read);
	k_jsonw_key(w, "rows_rejected");
	k_jsonw_int(w, src->rows_rejected);
	k_jsonw_key(w, "rows_merged");
	k_jsonw_int(w, (long long)g->merged);
	k_jsonw_key(w, "ts_first");
	k_jsonw_str(w, k_time_format(g->first, ts, sizeof ts));
	k_jsonw_key(w, "ts_last");
	k_jsonw_str(w, k_time_format(g->last, ts, sizeof ts));
}

/* The report's second part: how well it forecasts, and the fit. */
static void
report_fit(struct k_jsonw *w, const struct opts *o,
           const struct k_forecast *f, const struct k_forecast_scores *sc,
           const struct k_forecast_outlook *ol)
{
	const struct k_arima_model *m = &f->arima;
	char nm[32];

	k_jsonw_key(w, "holdout");
	k_jsonw_int(w, o->holdout);
	k_jsonw_key(w, "samples_compared");
	k_jsonw_int(w, (long long)sc->compared);
	k_jsonw_key(w, "mae");
	jw_num_or_null(w, sc->mae, -1);
	k_jsonw_key(w, "rmse");
	jw_num_or_null(w, sc->rmse, -1);
	k_jsonw_key(w, "mape_pct");
	jw_num_or_null(w, sc->mape_pct, 4);
	k_jsonw_key(w, "accuracy_pct");
	jw_num_or_null(w, sc->accuracy_pct, 4);
	k_jsonw_key(w, "loglike");
	k_jsonw_num(w, m->loglike);
	k_jsonw_key(w, "aic");
	k_jsonw_num(w, m->aic);
	k_jsonw_key(w, "aicc");
	jw_num_or_null(w, m->aicc, -1);
	k_jsonw_key(w, "bic");
	k_jsonw_num(w, m->bic);
	k_jsonw_key(w, "estimates");
	k_jsonw_obj(w);
	for (int i = 0; i < m->k; i++) {
		k_arima_coef_name(m, i, nm, sizeof nm);
		k_jsonw_key(w, nm);
		k_jsonw_obj(w);
		k_jsonw_key(w, "coef");
		k_jsonw_num(w, m->coef[i]);
		k_jsonw_key(w, "std_err");
		jw_num_or_null(w, m->se[i], -1);
		k_jsonw_obj_end(w);
	}
	k_jsonw_obj_end(w);
	k_jsonw_key(w, "converged");
	k_jsonw_bool(w, m->converged);
	k_jsonw_key(w, "iterations");
	k_jsonw_int(w, m->iterations);
	k_jsonw_key(w, "forecast_24h");
	k_jsonw_obj(w);
	k_jsonw_key(w, "risk_assessment");
	k_jsonw_str(w, ol->assessment);
	k_jsonw_key(w, "trend");
	k_jsonw_str(w, ol->trend);
	k_jsonw_key(w, "avg_forecasted_risk");
	k_jsonw_num(w, ol->mean);
	k_jsonw_key(w, "max_forecasted_risk");
	k_jsonw_num(w, ol->max);
	k_jsonw_obj_end(w);
}

int
ktrain_forecast(int argc, char **argv)
{
	struct opts o = { .field = "risk_score", .p = 2, .d = 1, .q = 2,
	                  .holdout = 24 };
	struct k_series_input in;
	struct k_reject rj;
	struct k_error e;
	struct k_store store;
	double t0;

	k_args_parse("ktrain", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc, argv,
	             &o);
	t0 = k_time_mono();
	k_reject_init(&rj);
	k_store_init(&store, k_opts.model_dir);
	if (k_series_input_read(&in, o.field, INT64_MIN, &rj)) {
		k_series_input_release(&in);
		return k_status_exit(k_reject_finish(&rj));
	}

	/* The hourly grid of the rows kept (--days: within N days of the
	 * newest), and enough of it to train on. */
	struct k_forecast_train_params tp;
	struct k_forecast_grid g;
	train_params(&o, &tp);
	in.n = k_forecast_obs_window(in.obs, in.n, o.days);
	if (k_forecast_grid(in.obs, in.n, INT64_MIN, &g, &e) != K_OK)
		k_die_error(&e);
	struct k_forecast_source src = { in.rows, rj.count };
	k_series_input_release(&in);
	if (k_forecast_enough(&g, &tp, &e) != K_OK) {
		k_reject_finish(&rj);
		k_die_error(&e);
	}

	struct k_forecast_result res;
	struct k_forecast_outlook ol;
	struct k_forecast fm;
	train(&g, &tp, &src, &fm, &res);
	/* The next 24 hours, for the summary and the report. */
	if (k_forecast_outlook(&fm, SUMMARY_H, &ol, &e) != K_OK)
		k_die_error(&e);
	if (k_forecast_save(&fm, &store, o.version, &e) != K_OK)
		k_die_error(&e);

	struct k_buf b;
	struct k_jsonw w;
	k_buf_init(&b);
	k_jsonw_init(&w, &b);
	k_jsonw_obj(&w);
	report_data(&w, &o, &fm, &g, &src, &res);
	report_fit(&w, &o, &fm, &res.holdout, &ol);
	ktrain_report_end(&w, t0);
	summary(&fm, &res.holdout, o.holdout, &ol, res.models_tried);
	k_out_finish();

	enum k_status rs = k_reject_finish(&rj);
	k_forecast_grid_release(&g);
	k_forecast_release(&fm);
	return k_status_exit(rs);
}
