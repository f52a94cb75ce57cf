/*
 * kforecast - forecast the next hours of a series with the 'forecast'
 * model that 'ktrain forecast' saved: the seed's forecast object (risk
 * assessment, trend, values, timestamps, interval) or one row per step.
 * With --update, new observations run through the model's Kalman filter
 * first, without a refit, and --save-version keeps the updated state.
 */
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
#include "cli/k_reject.h"
#include "cli/k_series_input.h"
#include "model/k_forecast.h"
#include "model/k_store.h"
#include "numeric/k_arima.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

#define MAX_STEPS 100000

struct opts {
	long steps;             /* --hours / --steps */
	double level;           /* --level */
	int rows;               /* --format rows */
	int range_set;          /* --range given */
	int clip;               /* clip to [lo, hi] */
	double lo, hi;
	int update;             /* --update */
	const char *save;       /* --save-version */
	const char *version;    /* --model-version */
	double stale_hours;     /* --stale-after */
	int have_now;
	int64_t now;            /* --now */
};

enum {
	OPT_HOURS = 0x100, OPT_STEPS, OPT_LEVEL, OPT_FORMAT, OPT_RANGE,
	OPT_UPDATE, OPT_SAVE_VERSION, OPT_MODEL_VERSION, OPT_STALE, OPT_NOW
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Forecast:", 1 },
	{ "hours", OPT_HOURS, "N", 0,
	  "Forecast the N hours after the last observation (default 24)", 1 },
	{ "steps", OPT_STEPS, "N", 0,
	  "The same in steps of the model's grid (one hour)", 1 },
	{ "level", OPT_LEVEL, "X", 0,
	  "Interval coverage, in (0, 1) (default 0.95)", 1 },
	{ "range", OPT_RANGE, "LO,HI|none", 0,
	  "Clip values and intervals to [LO, HI] (default 0,100 for "
	  "risk_score, none otherwise)", 1 },
	{ "format", OPT_FORMAT, "object|rows", 0,
	  "One forecast object (default), or one NDJSON row per step", 1 },
	{ NULL, 0, NULL, 0, "Model:", 2 },
	{ "model-version", OPT_MODEL_VERSION, "V", 0,
	  "Forecast with version V of the forecast model (default: latest)", 2 },
	{ "update", OPT_UPDATE, NULL, 0,
	  "First run the observations in the FILEs or standard input (feature "
	  "rows) through the model, without refitting", 2 },
	{ "save-version", OPT_SAVE_VERSION, "NAME", 0,
	  "With --update: save the updated model as version NAME", 2 },
	{ "stale-after", OPT_STALE, "HOURS", 0,
	  "Warn when the last observation is older than this (default 2)", 2 },
	{ "now", OPT_NOW, "TIME", 0,
	  "The time the staleness warning compares with (default: the clock)",
	  2 },
	{ 0 }
};

/* "LO,HI" with LO < HI, each a number as k_optval reads one. */
static int
parse_range(const char *arg, double *lo, double *hi)
{
	const char *comma = strchr(arg, ',');
	char first[64];

	if (comma == NULL || (size_t)(comma - arg) >= sizeof first)
		return -1;
	memcpy(first, arg, (size_t)(comma - arg));
	first[comma - arg] = '\0';
	if (k_optval_parse_number(first, lo) < 0 ||
	    k_optval_parse_number(comma + 1, hi) < 0 || !(*lo < *hi))
		return -1;
	return 0;
}

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	struct k_error e;

	switch (key) {
	case OPT_HOURS:
		o->steps = (long)k_optval_uint(state, "--hours", arg, 1, MAX_STEPS);
		break;
	case OPT_STEPS:
		o->steps = (long)k_optval_uint(state, "--steps", arg, 1, MAX_STEPS);
		break;
	case OPT_LEVEL:
		o->level = k_optval_number(state, "--level", arg, 0, 1,
		                           K_OPTVAL_OPEN_LO | K_OPTVAL_OPEN_HI);
		break;
	case OPT_RANGE:
		o->range_set = 1;
		if (strcmp(arg, "none") == 0) {
			o->clip = 0;
			break;
		}
		if (parse_range(arg, &o->lo, &o->hi) < 0)
			argp_error(state, "--range: '%s' is not LO,HI with LO < HI, "
			           "or 'none'", arg);
		o->clip = 1;
		break;
	case OPT_FORMAT:
		if (strcmp(arg, "rows") == 0)
			o->rows = 1;
		else if (strcmp(arg, "object") == 0)
			o->rows = 0;
		else
			argp_error(state, "--format: '%s' is not 'object' or 'rows'",
			           arg);
		break;
	case OPT_MODEL_VERSION:
		o->version = k_optval_version(state, "--model-version", arg);
		break;
	case OPT_UPDATE:
		o->update = 1;
		break;
	case OPT_SAVE_VERSION:
		if (k_version_check(arg, &e) != K_OK)
			argp_error(state, "--save-version: %s", e.text);
		o->save = arg;
		break;
	case OPT_STALE:
		o->stale_hours = k_optval_number(state, "--stale-after", arg, 0,
		                                 INFINITY, K_OPTVAL_CLOSED);
		break;
	case OPT_NOW:
		o->now = k_optval_time(state, "--now", arg);
		o->have_now = 1;
		break;
	case ARGP_KEY_END:
		if (o->save && !o->update)
			argp_error(state, "--save-version needs --update (a model is "
			           "only saved after new observations)");
		if (k_opts.nfiles > 0 && !o->update)
			argp_error(state, "input files are read only with --update");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Forecast the hours after the last observation with the ARIMA model "
	"trained by 'ktrain forecast', with intervals, a risk assessment and "
	"a trend."
	"\v"
	"Output: one JSON object: risk_assessment (by the largest forecast: "
	"> 80 CRITICAL, > 60 HIGH, > 40 MEDIUM, else LOW), trend, "
	"avg_forecasted_risk, max_forecasted_risk, forecasted_values, "
	"timestamps (hourly after the last observation), confidence_interval "
	"{level, lower, upper}, the same bounds as lower_bound and upper_bound, "
	"clipped_to and the model version; or, with --format rows, one row per "
	"step. Input (--update only): NDJSON rows with \"ts\" and the model's "
	"series field, put on the hourly grid as 'ktrain forecast' does; rows "
	"at or before the model's last hour are ignored.\n\n"
	"Example:\n"
	"  kforecast --hours 24 | jq '{risk_assessment, max_forecasted_risk}'\n"
	"  kfeatures hyperliquid < last_hour.ndjson | kforecast --update "
	"--save-version live";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

/* ---- --update ---- */

struct upd {
	struct k_reject rj;
	struct k_series_input in;
};

/* --update: read the rows, run them through the model and save it if
 * asked. Returns the observed hours used, or -1 when --strict stopped the
 * reading (nothing applied). */
static long
update(const struct opts *o, struct k_forecast *f,
       const struct k_store *store, struct upd *u)
{
	struct k_forecast_update_info ui;
	struct k_error e;
	enum k_status s;
	char last[40];

	k_reject_init(&u->rj);
	if (k_series_input_read(&u->in, f->field, f->last_ts, &u->rj)) {
		k_series_input_release(&u->in);
		return -1;
	}
	k_time_format(f->last_ts, last, sizeof last);
	s = k_forecast_update(f, u->in.obs, u->in.n, &ui, &e);
	k_series_input_release(&u->in);
	if (ui.old > 0)
		k_info("%zu row%s at or before the model's last hour (%s) "
		       "ignored", ui.old, ui.old == 1 ? "" : "s", last);
	if (s != K_OK)
		k_die_error(&e);
	if (ui.hours == 0)
		k_info("no new observations: forecasting from the model as saved");
	else
		k_debug("updated with %zu hours (%zu observed, %zu missing before "
		        "them)", ui.hours, ui.observed, ui.gap);
	if (o->save) {
		if (k_forecast_save_updated(f, store, o->save, &e) != K_OK)
			k_die_error(&e);
		k_info("saved the updated model as version %s (%s)", f->version,
		       f->path);
	}
	return (long)ui.observed;
}

/* ---- the forecast ---- */

/* The model to forecast with, or the reason on stderr and the exit. */
static void
load_model(struct k_forecast *f, const struct k_store *store,
           const char *version)
{
	struct k_error e;

	if (k_forecast_load(f, store, version, &e) == K_OK)
		return;
	if (e.code == K_ECONFIG)
		k_die(K_ECONFIG, "%s (train one with 'ktrain forecast')", e.text);
	k_die_error(&e);
}

/* A forecast from an old state says so (a notice for people: -q
 * silences it, as cron jobs that forecast from a fixed model ask). */
static void
warn_stale(const struct opts *o, const struct k_forecast *f)
{
	int64_t now = o->have_now ? o->now : k_time_now_ms();
	double age_h = (double)(now - f->last_ts) / (double)K_FORECAST_STEP_MS;
	char t[40];

	if (!(age_h > o->stale_hours))
		return;
	k_info("warning: the model's last observation is %s, %.1f hours "
	      "ago; the forecast starts from there (%s)",
	      k_time_format(f->last_ts, t, sizeof t), age_h,
	      o->update ? "the rows given to --update end there too"
	                : "run with --update to bring it up to date");
}

/* The h steps forecast, clipped to [lo, hi] when asked. */
struct fc {
	size_t h;
	double *mean, *lo, *hi, *var;  /* one allocation, mean first */
	unsigned char *cl;             /* step i had a value clipped */
	long clipped;                  /* values clipped, of 3 h */
};

static void
forecast(const struct opts *o, const struct k_forecast *f, struct fc *c)
{
	struct k_error e;
	size_t h = (size_t)o->steps;

	c->h = h;
	c->clipped = 0;
	c->mean = malloc(4 * h * sizeof *c->mean);
	c->cl = calloc(h, 1);
	if (c->mean == NULL || c->cl == NULL)
		k_die(K_ENOMEM, "out of memory");
	c->lo = c->mean + h;
	c->hi = c->mean + 2 * h;
	c->var = c->mean + 3 * h;
	if (k_arima_forecast(&f->arima, h, o->level, c->mean, c->var, c->lo,
	                     c->hi, &e) != K_OK)
		k_die_error(&e);
	if (!o->clip)
		return;
	for (size_t i = 0; i < h; i++) {
		double *v[3] = { &c->mean[i], &c->lo[i], &c->hi[i] };
		for (int k = 0; k < 3; k++) {
			if (*v[k] < o->lo) {
				*v[k] = o->lo;
				c->clipped++;
				c->cl[i] = 1;
			} else if (*v[k] > o->hi) {
				*v[k] = o->hi;
				c->clipped++;
				c->cl[i] = 1;
			}
		}
	}
}

static void
fc_release(struct fc *c)
{
	free(c->mean);
	free(c->cl);
}

/* ---- output ---- */

static void
num_array(struct k_jsonw *w, const double *v, size_t n)
{
	k_jsonw_arr(w);
	for (size_t i = 0; i < n; i++)
		k_jsonw_num(w, v[i]);
	k_jsonw_arr_end(w);
}

static void
write_line(const struct k_buf *b)
{
	if (b->oom)
		k_die(K_ENOMEM, "out of memory");
	k_out_write(b->data, b->len);
	k_out_line_end();
}

/* --format rows: one row per step. */
static void
print_rows(const struct opts *o, const struct k_forecast *f,
           const struct fc *c, struct k_buf *b)
{
	struct k_jsonw w;
	char ts[40];

	for (size_t i = 0; i < c->h; i++) {
		k_buf_reset(b);
		k_jsonw_init(&w, b);
		k_jsonw_obj(&w);
		k_jsonw_key(&w, "kind");
		k_jsonw_str(&w, "forecast_step");
		k_jsonw_key(&w, "ts");
		k_jsonw_str(&w, k_time_format(f->last_ts + (int64_t)(i + 1) *
		                              K_FORECAST_STEP_MS, ts, sizeof ts));
		k_jsonw_key(&w, "step");
		k_jsonw_int(&w, (long long)i + 1);
		k_jsonw_key(&w, "field");
		k_jsonw_str(&w, f->field);
		k_jsonw_key(&w, "forecast");
		k_jsonw_num(&w, c->mean[i]);
		k_jsonw_key(&w, "lower");
		k_jsonw_num(&w, c->lo[i]);
		k_jsonw_key(&w, "upper");
		k_jsonw_num(&w, c->hi[i]);
		k_jsonw_key(&w, "level");
		k_jsonw_num(&w, o->level);
		k_jsonw_key(&w, "clipped");
		k_jsonw_bool(&w, c->cl[i]);
		k_jsonw_key(&w, "model_version");
		k_jsonw_str(&w, f->version);
		k_jsonw_obj_end(&w);
		write_line(b);
	}
}

/* The forecast object's values, timestamps and interval. */
static void
object_steps(struct k_jsonw *w, const struct opts *o,
             const struct k_forecast *f, const struct fc *c)
{
	char ts[40];

	k_jsonw_key(w, "forecasted_values");
	num_array(w, c->mean, c->h);
	k_jsonw_key(w, "timestamps");
	k_jsonw_arr(w);
	for (size_t i = 0; i < c->h; i++)
		k_jsonw_str(w, k_time_format(f->last_ts + (int64_t)(i + 1) *
		                             K_FORECAST_STEP_MS, ts, sizeof ts));
	k_jsonw_arr_end(w);
	k_jsonw_key(w, "confidence_interval");
	k_jsonw_obj(w);
	k_jsonw_key(w, "level");
	k_jsonw_num(w, o->level);
	k_jsonw_key(w, "lower");
	num_array(w, c->lo, c->h);
	k_jsonw_key(w, "upper");
	num_array(w, c->hi, c->h);
	k_jsonw_obj_end(w);
	k_jsonw_key(w, "lower_bound");
	num_array(w, c->lo, c->h);
	k_jsonw_key(w, "upper_bound");
	num_array(w, c->hi, c->h);
}

/* The seed's forecast object; updated_with (>= 0) with --update. */
static void
print_object(const struct opts *o, const struct k_forecast *f,
             const struct fc *c, long used, struct k_buf *b)
{
	struct k_forecast_outlook ol;
	struct k_jsonw w;
	char ts[40];

	k_forecast_summarise(c->mean, c->h, &ol);
	k_jsonw_init(&w, b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, "forecast");
	k_jsonw_key(&w, "field");
	k_jsonw_str(&w, f->field);
	k_jsonw_key(&w, "risk_assessment");
	k_jsonw_str(&w, ol.assessment);
	k_jsonw_key(&w, "trend");
	k_jsonw_str(&w, ol.trend);
	k_jsonw_key(&w, "avg_forecasted_risk");
	k_jsonw_num(&w, ol.mean);
	k_jsonw_key(&w, "max_forecasted_risk");
	k_jsonw_num(&w, ol.max);
	object_steps(&w, o, f, c);
	k_jsonw_key(&w, "forecast_horizon_hours");
	k_jsonw_int(&w, (long long)c->h);
	k_jsonw_key(&w, "model_order");
	k_jsonw_arr(&w);
	k_jsonw_int(&w, f->arima.p);
	k_jsonw_int(&w, f->arima.d);
	k_jsonw_int(&w, f->arima.q);
	k_jsonw_arr_end(&w);
	k_jsonw_key(&w, "last_observation");
	k_jsonw_str(&w, k_time_format(f->last_ts, ts, sizeof ts));
	k_jsonw_key(&w, "clipped_to");
	if (o->clip) {
		k_jsonw_arr(&w);
		k_jsonw_num(&w, o->lo);
		k_jsonw_num(&w, o->hi);
		k_jsonw_arr_end(&w);
	} else {
		k_jsonw_null(&w);
	}
	k_jsonw_key(&w, "clipped");
	k_jsonw_int(&w, c->clipped);
	if (o->update) {
		k_jsonw_key(&w, "updated_with");
		k_jsonw_int(&w, used);
	}
	k_jsonw_key(&w, "method");
	k_jsonw_str(&w, "arima");
	k_jsonw_key(&w, "model_version");
	k_jsonw_str(&w, f->version);
	k_jsonw_obj_end(&w);
	write_line(b);
}

int
main(int argc, char **argv)
{
	struct opts o = { .steps = 24, .level = 0.95, .stale_hours = 2 };
	struct k_store store;
	struct k_forecast f;
	struct upd u;
	enum k_status rs = K_OK;
	long used = 0;

	k_args_parse("kforecast", &argp, K_ARGS_RECORDS | K_ARGS_STORE, argc,
	             argv, &o);
	k_store_init(&store, k_opts.model_dir);
	load_model(&f, &store, o.version);
	if (!o.range_set && strcmp(f.field, "risk_score") == 0) {
		o.clip = 1;
		o.lo = 0;
		o.hi = 100;
	}
	if (o.update && (used = update(&o, &f, &store, &u)) < 0) {
		k_forecast_release(&f);
		return k_status_exit(k_reject_finish(&u.rj));
	}
	warn_stale(&o, &f);

	struct fc c;
	struct k_buf b;
	forecast(&o, &f, &c);
	k_buf_init(&b);
	if (o.rows)
		print_rows(&o, &f, &c, &b);
	else
		print_object(&o, &f, &c, used, &b);
	k_out_finish();
	if (o.update)
		rs = k_reject_finish(&u.rj);
	k_buf_release(&b);
	fc_release(&c);
	k_forecast_release(&f);
	return k_status_exit(rs);
}
