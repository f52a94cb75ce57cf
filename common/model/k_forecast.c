/*
 * k_forecast.c - the forecast model kind: the hourly grid rule, the model
 * file (a k_arima payload under a header that names the series and where
 * its grid ends), the outlook, and training: holdout fit and scores, then
 * the refit on every point. See k_forecast.h.
 */
#include "model/k_forecast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "base/k_buf.h"
#include "base/k_time.h"
#include "model/k_model.h"
#include "text/k_featrow.h"

#define STR(x)  #x
#define XSTR(x) STR(x)

int
k_forecast_row(const struct k_jscan *s, const char *field, int64_t *ts,
               double *value, char *why, size_t cap)
{
	size_t nl = strlen(field);
	const struct k_jmember *m = k_jscan_find(s->top, s->ntop, field, nl);

	if (m == NULL && s->has_sub)
		m = k_jscan_find(s->sub, s->nsub, field, nl);
	if (m == NULL) {
		snprintf(why, cap, "field '%s': missing (neither a top-level "
		         "field nor in 'features')", field);
		return -1;
	}
	if (m->type == K_JNULL) {
		*value = NAN;
	} else if (m->type == K_JNUM) {
		*value = k_jnum(m);
	} else {
		char got[96];
		k_jmember_describe(m, got, sizeof got);
		snprintf(why, cap, "field '%s': expected number, got %s", field,
		         got);
		return -1;
	}
	int rc = k_jscan_ts(s, ts, &m);
	if (rc == -1) {
		snprintf(why, cap, "field 'ts': missing (the hourly grid needs it)");
		return -1;
	}
	if (rc != 0) {
		char got[96];
		k_jmember_describe(m, got, sizeof got);
		snprintf(why, cap, "field 'ts': expected an RFC 3339 time, got %s",
		         got);
		return -1;
	}
	return 0;
}

int64_t
k_forecast_hour(int64_t ts)
{
	int64_t h = ts / K_FORECAST_STEP_MS;

	if (ts % K_FORECAST_STEP_MS < 0)
		h--;
	return h * K_FORECAST_STEP_MS;
}

static int
cmp_obs(const void *a, const void *b)
{
	const struct k_forecast_obs *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void
k_forecast_grid_release(struct k_forecast_grid *g)
{
	free(g->y);
	memset(g, 0, sizeof *g);
}

enum k_status
k_forecast_grid(struct k_forecast_obs *obs, size_t nobs, int64_t after,
                struct k_forecast_grid *g, struct k_error *err)
{
	int64_t first = INT64_MAX, last = INT64_MIN;

	memset(g, 0, sizeof *g);
	/* Feeds are usually in time order already: check before sorting. */
	for (size_t i = 1; i < nobs; i++)
		if (cmp_obs(&obs[i - 1], &obs[i]) > 0) {
			qsort(obs, nobs, sizeof *obs, cmp_obs);
			break;
		}
	for (size_t i = 0; i < nobs; i++) {
		int64_t h = k_forecast_hour(obs[i].ts);
		if (after != INT64_MIN && h <= after) {
			g->old++;
			continue;
		}
		if (isnan(obs[i].value))
			continue;
		if (h < first)
			first = h;
		if (h > last)
			last = h;
	}
	if (first == INT64_MAX) {
		/* Nothing with a value: every null counted, no grid. */
		for (size_t i = 0; i < nobs; i++)
			if ((after == INT64_MIN || k_forecast_hour(obs[i].ts) > after) &&
			    isnan(obs[i].value))
				g->nulls++;
		return K_OK;
	}
	int64_t span = (last - first) / K_FORECAST_STEP_MS + 1;
	if (span > K_FORECAST_MAX_POINTS)
		return k_error_set(err, K_EDATA,
		                   "the observations span %lld hours, more than %d",
		                   (long long)span, K_FORECAST_MAX_POINTS);
	g->n = (size_t)span;
	g->first = first;
	g->last = last;
	if ((g->y = malloc(g->n * sizeof *g->y)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < g->n; i++)
		g->y[i] = NAN;
	/* Sorted by time: the last value written into an hour is its latest. */
	for (size_t i = 0; i < nobs; i++) {
		int64_t h = k_forecast_hour(obs[i].ts);
		if (after != INT64_MIN && h <= after)
			continue;
		if (h < first || h > last) {
			g->nulls++;     /* a null outside the valued hours */
			continue;
		}
		size_t k = (size_t)((h - first) / K_FORECAST_STEP_MS);
		if (isnan(obs[i].value)) {
			g->nulls++;
			continue;
		}
		if (!isnan(g->y[k]))
			g->merged++;
		g->y[k] = obs[i].value;
	}
	for (size_t i = 0; i < g->n; i++) {
		if (isnan(g->y[i]))
			g->missing++;
		else
			g->observed++;
	}
	return K_OK;
}

const char *
k_forecast_assessment(double max_risk)
{
	if (max_risk > 80)
		return "CRITICAL";
	if (max_risk > 60)
		return "HIGH";
	if (max_risk > 40)
		return "MEDIUM";
	return "LOW";
}

void
k_forecast_release(struct k_forecast *f)
{
	json_decref(f->header);
	f->header = NULL;
}

enum k_status
k_forecast_save(struct k_forecast *f, const struct k_store *st,
                const char *version, struct k_error *err)
{
	struct k_buf pay;
	char t0[40], t1[40];
	json_t *series, *params;

	k_time_format(f->first_ts, t0, sizeof t0);
	k_time_format(f->last_ts, t1, sizeof t1);
	series = json_pack("{s:s, s:I, s:s, s:s, s:I}", "field", f->field,
	                   "step_seconds", (json_int_t)(K_FORECAST_STEP_MS / 1000),
	                   "first_ts", t0, "last_ts", t1,
	                   "observations", (json_int_t)f->arima.t);
	if (series == NULL || json_object_set_new(f->header, "series", series))
		return k_error_set(err, K_ENOMEM, "out of memory");
	params = json_object_get(f->header, "params");
	if (!json_is_object(params)) {
		params = json_object();
		if (params == NULL || json_object_set_new(f->header, "params", params))
			return k_error_set(err, K_ENOMEM, "out of memory");
	}
	if (json_object_set_new(params, "order",
	                        json_pack("[i,i,i]", f->arima.p, f->arima.d,
	                                  f->arima.q)) ||
	    json_object_set_new(params, "constant",
	                        json_boolean(f->arima.constant)))
		return k_error_set(err, K_ENOMEM, "out of memory");

	k_buf_init(&pay);
	k_arima_model_encode(&f->arima, &pay);
	return k_model_save(st, K_FORECAST_KIND, f->header, &pay, version,
	                    f->version, f->path, err);
}

/* Read the series facts from the header and check them against the
 * payload. */
static enum k_status
from_header(struct k_forecast *f, const char *path, struct k_error *err)
{
	json_t *series = json_object_get(f->header, "series");
	json_t *params = json_object_get(f->header, "params");
	json_t *field = series ? json_object_get(series, "field") : NULL;
	json_t *step = series ? json_object_get(series, "step_seconds") : NULL;
	json_t *t0 = series ? json_object_get(series, "first_ts") : NULL;
	json_t *t1 = series ? json_object_get(series, "last_ts") : NULL;
	json_t *order = params ? json_object_get(params, "order") : NULL;

	if (!json_is_string(field) || json_string_length(field) == 0 ||
	    json_string_length(field) > K_FORECAST_FIELD_MAX)
		return k_error_set(err, K_EDATA, "model file '%s': header lacks "
		                   "a usable 'series.field'", path);
	if (!json_is_integer(step) ||
	    json_integer_value(step) != K_FORECAST_STEP_MS / 1000)
		return k_error_set(err, K_EDATA, "model file '%s': 'series."
		                   "step_seconds' is not 3600 (only hourly series "
		                   "are known)", path);
	if (!json_is_string(t0) || !json_is_string(t1) ||
	    k_time_parse(json_string_value(t0), json_string_length(t0),
	                 &f->first_ts) < 0 ||
	    k_time_parse(json_string_value(t1), json_string_length(t1),
	                 &f->last_ts) < 0 || f->last_ts < f->first_ts)
		return k_error_set(err, K_EDATA, "model file '%s': header lacks "
		                   "usable 'series.first_ts' and 'series.last_ts'",
		                   path);
	if (!json_is_array(order) || json_array_size(order) != 3 ||
	    json_integer_value(json_array_get(order, 0)) != f->arima.p ||
	    json_integer_value(json_array_get(order, 1)) != f->arima.d ||
	    json_integer_value(json_array_get(order, 2)) != f->arima.q)
		return k_error_set(err, K_EDATA, "model file '%s': header "
		                   "'params.order' does not match the model", path);
	snprintf(f->field, sizeof f->field, "%s", json_string_value(field));
	return K_OK;
}

enum k_status
k_forecast_load_file(struct k_forecast *f, const char *path,
                     struct k_error *err)
{
	struct k_model mf;
	struct k_error e2;
	enum k_status s;

	memset(f, 0, sizeof *f);
	if ((s = k_model_load(path, K_FORECAST_KIND, &mf, err)) != K_OK)
		return s;
	f->header = mf.header;
	mf.header = NULL;
	s = k_arima_model_decode(mf.payload, mf.payload_len, &f->arima, &e2);
	k_model_release(&mf);
	if (s != K_OK) {
		k_forecast_release(f);
		return k_error_set(err, s, "model file '%s': corrupted: %s", path,
		                   e2.text);
	}
	if ((s = from_header(f, path, err)) != K_OK) {
		k_forecast_release(f);
		return s;
	}
	snprintf(f->path, sizeof f->path, "%s", path);
	return K_OK;
}

enum k_status
k_forecast_load(struct k_forecast *f, const struct k_store *st,
                const char *version, struct k_error *err)
{
	char v[K_VERSION_MAX + 1], path[K_PATH_MAX];
	enum k_status s;

	memset(f, 0, sizeof *f);
	s = k_store_resolve(st, K_FORECAST_KIND, version, v, path, err);
	if (s != K_OK)
		return s;
	s = k_forecast_load_file(f, path, err);
	if (s == K_OK)
		memcpy(f->version, v, sizeof f->version);
	return s;
}

/* ---- online updates ---- */

enum k_status
k_forecast_update(struct k_forecast *f, struct k_forecast_obs *obs,
                  size_t nobs, struct k_forecast_update_info *u,
                  struct k_error *err)
{
	struct k_forecast_grid g;
	struct k_error e;
	enum k_status s;

	memset(u, 0, sizeof *u);
	if ((s = k_forecast_grid(obs, nobs, f->last_ts, &g, err)) != K_OK)
		return s;
	u->old = g.old;
	if (g.n == 0) {
		k_forecast_grid_release(&g);
		return K_OK;
	}
	/* The hours between the model's last and the first new one are
	 * missing values. */
	int64_t gap = (g.first - f->last_ts) / K_FORECAST_STEP_MS - 1;
	if (gap + (int64_t)g.n > K_FORECAST_MAX_POINTS) {
		k_forecast_grid_release(&g);
		return k_error_set(err, K_EDATA, "the new observations start %lld "
		                   "hours after the model's last: more than %d",
		                   (long long)gap, K_FORECAST_MAX_POINTS);
	}
	double *y = malloc(((size_t)gap + g.n) * sizeof *y);
	if (y == NULL) {
		k_forecast_grid_release(&g);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	for (int64_t i = 0; i < gap; i++)
		y[i] = NAN;
	memcpy(y + gap, g.y, g.n * sizeof *y);
	s = k_arima_update(&f->arima, y, (size_t)gap + g.n, &e);
	free(y);
	if (s != K_OK) {
		k_forecast_grid_release(&g);
		return k_error_set(err, e.code, "updating the model: %s", e.text);
	}
	f->last_ts = g.last;
	u->hours = g.n;
	u->observed = g.observed;
	u->gap = (size_t)gap;
	k_forecast_grid_release(&g);
	return K_OK;
}

enum k_status
k_forecast_save_updated(struct k_forecast *f, const struct k_store *st,
                        const char *version, struct k_error *err)
{
	json_t *fresh = k_model_header_new(K_FORECAST_KIND);
	json_t *h = json_deep_copy(f->header);
	int bad = fresh == NULL || h == NULL;

	bad = bad || json_object_set(h, "created",
	                             json_object_get(fresh, "created"));
	bad = bad || json_object_set(h, "ktools_version",
	                             json_object_get(fresh, "ktools_version"));
	bad = bad || json_object_set_new(h, "updated_from",
	                                 json_string(f->version));
	bad = bad || json_object_set_new(h, "updates",
	                                 json_integer(f->arima.updates));
	json_decref(fresh);
	if (bad) {
		json_decref(h);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	json_decref(f->header);
	f->header = h;
	return k_forecast_save(f, st, version, err);
}

/* ---- the outlook ---- */

void
k_forecast_summarise(const double *mean, size_t h,
                     struct k_forecast_outlook *o)
{
	double avg = 0, mx = -INFINITY;

	for (size_t i = 0; i < h; i++) {
		avg += mean[i];
		if (mean[i] > mx)
			mx = mean[i];
	}
	avg /= (double)h;
	o->mean = avg;
	o->max = mx;
	o->assessment = k_forecast_assessment(mx);
	o->trend = mean[h - 1] > mean[0] ? "increasing" : "decreasing";
}

enum k_status
k_forecast_outlook(const struct k_forecast *f, size_t hours,
                   struct k_forecast_outlook *o, struct k_error *err)
{
	double *mean;
	enum k_status s;

	if (hours < 1)
		return k_error_set(err, K_EUSAGE, "an outlook needs at least one "
		                   "hour");
	if ((mean = malloc(hours * sizeof *mean)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	s = k_arima_forecast(&f->arima, hours, 0.95, mean, NULL, NULL, NULL,
	                     err);
	if (s == K_OK)
		k_forecast_summarise(mean, hours, o);
	free(mean);
	return s;
}

/* ---- training ---- */

size_t
k_forecast_obs_window(struct k_forecast_obs *obs, size_t n, double days)
{
	int64_t newest = INT64_MIN;
	int64_t span = (int64_t)(days * (double)K_MS_PER_DAY);
	size_t k = 0;

	if (!(days > 0) || n == 0)
		return n;
	for (size_t i = 0; i < n; i++)
		if (obs[i].ts > newest)
			newest = obs[i].ts;
	for (size_t i = 0; i < n; i++)
		if (obs[i].ts >= newest - span)
			obs[k++] = obs[i];
	return k;
}

void
k_forecast_train_params_default(struct k_forecast_train_params *p)
{
	memset(p, 0, sizeof *p);
	p->field = "risk_score";
	k_arima_params_default(&p->arima);
	k_arima_auto_params_default(&p->select);
	p->holdout = 24;
	p->min_observed = 30;
}

const char *
k_forecast_train_params_check(const struct k_forecast_train_params *p)
{
	const char *why;

	if (p->field == NULL || p->field[0] == '\0' ||
	    strlen(p->field) > K_FORECAST_FIELD_MAX)
		return "field: a name of 1 to " XSTR(K_FORECAST_FIELD_MAX)
		       " bytes";
	if ((why = k_arima_params_check(&p->arima)) != NULL)
		return why;
	if (p->autosel && p->arima.constant)
		return "autosel chooses the constant itself: arima.constant must "
		       "be 0";
	if (p->autosel && (why = k_arima_auto_params_check(&p->select)) != NULL)
		return why;
	if (p->holdout >= K_FORECAST_MAX_POINTS)
		return "holdout: more points than a series may have";
	if (p->min_observed < 1)
		return "min_observed must be at least 1";
	if (!(p->days >= 0) || !isfinite(p->days))
		return "days must be a number >= 0";
	return NULL;
}

enum k_status
k_forecast_enough(const struct k_forecast_grid *g,
                  const struct k_forecast_train_params *p,
                  struct k_error *err)
{
	if (g->observed >= p->min_observed)
		return K_OK;
	return k_error_set(err, K_EDATA, "need at least %zu observed hourly "
	                   "values of '%s' to train a forecast model, got %zu%s",
	                   p->min_observed, p->field, g->observed,
	                   p->days > 0 ? " in the --days window" : "");
}

enum k_status
k_forecast_split(const struct k_forecast_grid *g,
                 const struct k_forecast_train_params *p, size_t *ntrain,
                 struct k_error *err)
{
	size_t h = p->holdout, seen = 0;

	*ntrain = g->n;
	if (h == 0)
		return K_OK;
	if (h >= g->n)
		return k_error_set(err, K_EDATA, "--holdout %zu: the series has "
		                   "only %zu hourly points", h, g->n);
	*ntrain = g->n - h;
	for (size_t i = 0; i < *ntrain; i++)
		seen += !isnan(g->y[i]);
	if (seen < p->min_observed)
		return k_error_set(err, K_EDATA, "need at least %zu observed "
		                   "hourly values before the %zu held out, got %zu "
		                   "(lower --holdout, or 0 to skip the evaluation)",
		                   p->min_observed, h, seen);
	return K_OK;
}

void
k_forecast_score(const double *actual, const double *pred, size_t h,
                 struct k_forecast_scores *s)
{
	double ae = 0, se = 0, ape = 0;

	s->compared = 0;
	for (size_t i = 0; i < h; i++) {
		if (isnan(actual[i]))
			continue;
		double e = actual[i] - pred[i];
		ae += fabs(e);
		se += e * e;
		/* The seed's MAPE: |error| / (|actual| + 1e-10). */
		ape += fabs(e) / (fabs(actual[i]) + 1e-10);
		s->compared++;
	}
	if (s->compared == 0) {
		s->mae = s->rmse = s->mape_pct = s->accuracy_pct = NAN;
		return;
	}
	s->mae = ae / (double)s->compared;
	s->rmse = sqrt(se / (double)s->compared);
	s->mape_pct = 100 * ape / (double)s->compared;
	s->accuracy_pct = fmax(0, 100 - s->mape_pct);
}

struct k_forecast_train {
	const struct k_forecast_grid *g;
	struct k_forecast_train_params p;
	struct k_arima_params par;   /* the fit's: the order asked or chosen */
	enum k_forecast_stage stage;
	size_t ntrain;
	struct k_arima_auto *a;
	size_t ntried;
	struct k_arima_fit *fit;     /* on the first ntrain points */
	struct k_arima_fit *refit;   /* on every point, after a holdout */
	struct k_forecast_scores holdout;
};

/* An error of a step of training, with what was being done. */
static enum k_status
failed(struct k_error *err, const struct k_error *e, const char *what)
{
	return k_error_set(err, e->code, "%s: %s", what, e->text);
}

/* Start the fit on the first ntrain points. Standard errors only for the
 * model that is saved. */
static enum k_status
start_fit(struct k_forecast_train *t, struct k_error *err)
{
	struct k_error e;
	int held = t->p.holdout > 0;

	t->par.std_errors = held ? 0 : t->p.arima.std_errors;
	if (k_arima_fit_init(&t->fit, t->g->y, t->ntrain, &t->par, &e) != K_OK)
		return failed(err, &e, held ? "fitting all but the held-out "
		              "points" : "fitting");
	t->stage = K_FORECAST_FIT;
	return K_OK;
}

/* The search is over: fit its best order, from its estimates. */
static enum k_status
chosen(struct k_forecast_train *t, struct k_error *err)
{
	struct k_arima_model best;
	struct k_error e;

	k_arima_auto_trials(t->a, &t->ntried);
	if (k_arima_auto_finish(t->a, &best, &e) != K_OK)
		return failed(err, &e, "choosing the order");
	t->par.p = best.p;
	t->par.d = best.d;
	t->par.q = best.q;
	t->par.constant = best.constant;
	t->par.has_start = 1;
	memcpy(t->par.start, best.coef, sizeof t->par.start);
	return start_fit(t, err);
}

/* The first fit is over: score its forecast of the held-out points, then
 * refit every point, starting where it ended. */
static enum k_status
held_out(struct k_forecast_train *t, struct k_error *err)
{
	size_t h = t->p.holdout;
	struct k_arima_model m1;
	struct k_error e;
	enum k_status s;
	double *pred;

	if (k_arima_fit_finish(t->fit, &m1, &e) != K_OK)
		return failed(err, &e, "fitting all but the held-out points");
	if ((pred = malloc(h * sizeof *pred)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	s = k_arima_forecast(&m1, h, 0.95, pred, NULL, NULL, NULL, err);
	if (s == K_OK)
		k_forecast_score(t->g->y + t->ntrain, pred, h, &t->holdout);
	free(pred);
	if (s != K_OK)
		return s;
	t->par.std_errors = t->p.arima.std_errors;
	t->par.has_start = 1;
	memcpy(t->par.start, m1.coef, sizeof t->par.start);
	if (k_arima_fit_init(&t->refit, t->g->y, t->g->n, &t->par, &e) != K_OK)
		return failed(err, &e, "fitting every point");
	if ((s = k_arima_fit_warm(t->refit, t->fit, err)) != K_OK)
		return s;
	t->stage = K_FORECAST_REFIT;
	return K_OK;
}

enum k_status
k_forecast_train_init(struct k_forecast_train **tp,
                      const struct k_forecast_grid *g,
                      const struct k_forecast_train_params *p,
                      struct k_error *err)
{
	struct k_forecast_train *t;
	const char *why;
	size_t ntrain;
	enum k_status s;

	*tp = NULL;
	if ((why = k_forecast_train_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if ((s = k_forecast_enough(g, p, err)) != K_OK ||
	    (s = k_forecast_split(g, p, &ntrain, err)) != K_OK)
		return s;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	t->g = g;
	t->p = *p;
	t->par = p->arima;
	t->ntrain = ntrain;
	t->holdout = (struct k_forecast_scores){ 0, NAN, NAN, NAN, NAN };
	if (p->autosel) {
		struct k_arima_auto_params ap = p->select;
		struct k_error e;
		ap.fit = p->arima;
		ap.fit.std_errors = 0;
		t->stage = K_FORECAST_CHOOSE;
		if (k_arima_auto_init(&t->a, g->y, ntrain, &ap, &e) != K_OK)
			s = failed(err, &e, "choosing the order");
	} else {
		s = start_fit(t, err);
	}
	if (s != K_OK) {
		k_forecast_train_free(t);
		return s;
	}
	*tp = t;
	return K_OK;
}

enum k_status
k_forecast_train_iterate(struct k_forecast_train *t, struct k_error *err)
{
	struct k_error e;

	switch (t->stage) {
	case K_FORECAST_CHOOSE:
		if (k_arima_auto_converged(t->a))
			return chosen(t, err);
		if (k_arima_auto_iterate(t->a, &e) != K_OK)
			return failed(err, &e, "choosing the order");
		return K_OK;
	case K_FORECAST_FIT:
		if (!k_arima_fit_converged(t->fit))
			return k_arima_fit_iterate(t->fit, err);
		if (t->p.holdout > 0)
			return held_out(t, err);
		t->stage = K_FORECAST_DONE;
		return K_OK;
	case K_FORECAST_REFIT:
		if (!k_arima_fit_converged(t->refit))
			return k_arima_fit_iterate(t->refit, err);
		t->stage = K_FORECAST_DONE;
		return K_OK;
	case K_FORECAST_DONE:
		break;
	}
	return K_OK;
}

int
k_forecast_train_converged(const struct k_forecast_train *t)
{
	return t->stage == K_FORECAST_DONE;
}

enum k_forecast_stage
k_forecast_train_stage(const struct k_forecast_train *t)
{
	return t->stage;
}

const struct k_arima_params *
k_forecast_train_fit_params(const struct k_forecast_train *t)
{
	return &t->par;
}

const struct k_optim *
k_forecast_train_optim(const struct k_forecast_train *t)
{
	if (t->stage == K_FORECAST_FIT)
		return k_arima_fit_optim(t->fit);
	if (t->stage == K_FORECAST_REFIT)
		return k_arima_fit_optim(t->refit);
	return NULL;
}

const struct k_arima_trial *
k_forecast_train_trials(const struct k_forecast_train *t, size_t *n)
{
	*n = 0;
	return t->a ? k_arima_auto_trials(t->a, n) : NULL;
}

void
k_forecast_train_free(struct k_forecast_train *t)
{
	if (t == NULL)
		return;
	k_arima_auto_free(t->a);
	k_arima_fit_free(t->fit);
	k_arima_fit_free(t->refit);
	free(t);
}

/* The observed values' mean, standard deviation (population), minimum and
 * maximum, for the header. */
static json_t *
grid_stats(const struct k_forecast_grid *g)
{
	double mean = 0, var = 0, lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < g->n; i++) {
		if (isnan(g->y[i]))
			continue;
		mean += g->y[i];
		if (g->y[i] < lo)
			lo = g->y[i];
		if (g->y[i] > hi)
			hi = g->y[i];
	}
	mean /= (double)g->observed;
	for (size_t i = 0; i < g->n; i++)
		if (!isnan(g->y[i]))
			var += (g->y[i] - mean) * (g->y[i] - mean);
	var /= (double)g->observed;
	return json_pack("{s:f, s:f, s:f, s:f}", "mean", mean, "std", sqrt(var),
	                 "min", lo, "max", hi);
}

static json_t *
real_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The header's "metrics": the fit's criteria and the holdout's scores.
 * A member whose value JSON cannot hold (not finite) is left out. */
static json_t *
header_metrics(const struct k_arima_model *m,
               const struct k_forecast_scores *sc)
{
	json_t *metrics = json_object();

	if (metrics == NULL)
		return NULL;
	json_object_set_new(metrics, "loglike", json_real(m->loglike));
	json_object_set_new(metrics, "aic", json_real(m->aic));
	json_object_set_new(metrics, "bic", json_real(m->bic));
	json_object_set_new(metrics, "aicc", real_or_null(m->aicc));
	if (sc->compared > 0) {
		json_object_set_new(metrics, "mae", json_real(sc->mae));
		json_object_set_new(metrics, "rmse", json_real(sc->rmse));
		json_object_set_new(metrics, "mape_pct", json_real(sc->mape_pct));
		json_object_set_new(metrics, "samples_compared",
		                    json_integer((json_int_t)sc->compared));
	}
	return metrics;
}

/* The header's "estimates": {name: {coef, std_err}} in coef[] order. */
static json_t *
header_estimates(const struct k_arima_model *m)
{
	json_t *est = json_object();
	char nm[32];

	for (int i = 0; est != NULL && i < m->k; i++) {
		k_arima_coef_name(m, i, nm, sizeof nm);
		json_object_set_new(est, nm, json_pack("{s:f, s:o}", "coef",
		                    m->coef[i], "std_err", real_or_null(m->se[i])));
	}
	return est;
}

/* The trained model's header (k_model.h's conventions). */
static json_t *
train_header(const struct k_forecast_train *t,
             const struct k_forecast_source *src, const struct k_forecast *f)
{
	const struct k_forecast_grid *g = t->g;
	const struct k_arima_model *m = &f->arima;
	char ts0[40], ts1[40];

	k_time_format(g->first, ts0, sizeof ts0);
	k_time_format(g->last, ts1, sizeof ts1);
	json_t *h = k_model_header_new(K_FORECAST_KIND);
	json_t *params = json_pack("{s:s, s:b, s:b, s:I, s:o, s:f, s:f}",
	                           "field", t->p.field, "constant", m->constant,
	                           "auto", t->p.autosel, "holdout",
	                           (json_int_t)t->p.holdout, "days",
	                           t->p.days > 0 ? json_real(t->p.days)
	                                         : json_null(),
	                           "diffuse_variance", m->diffuse_variance,
	                           "steady_tol", m->steady_tol);
	/* "rows" is the header convention (k_model.h): values trained on. */
	json_t *training = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, "
	                             "s:s, s:o}",
	                             "rows", (json_int_t)g->observed,
	                             "rows_read", (json_int_t)src->rows_read,
	                             "rows_rejected",
	                             (json_int_t)src->rows_rejected,
	                             "rows_merged", (json_int_t)g->merged,
	                             "points", (json_int_t)g->n,
	                             "observed", (json_int_t)g->observed,
	                             "missing", (json_int_t)g->missing,
	                             "ts_first", ts0, "ts_last", ts1,
	                             "stats", grid_stats(g));
	json_t *metrics = header_metrics(m, &t->holdout);
	json_t *est = header_estimates(m);
	json_t *feats = json_pack("[s]", t->p.field);
	if (!h || !params || !training || !metrics || !est || !feats) {
		json_decref(h);
		json_decref(params);
		json_decref(training);
		json_decref(metrics);
		json_decref(est);
		json_decref(feats);
		return NULL;
	}
	/* Each set takes its value, failed or not: try them all. */
	if (json_object_set_new(h, "params", params) |
	    json_object_set_new(h, "features", feats) |
	    json_object_set_new(h, "training", training) |
	    json_object_set_new(h, "metrics", metrics) |
	    json_object_set_new(h, "estimates", est)) {
		json_decref(h);
		return NULL;
	}
	return h;
}

enum k_status
k_forecast_train_finish(struct k_forecast_train *t,
                        const struct k_forecast_source *src,
                        struct k_forecast *f, struct k_forecast_result *r,
                        struct k_error *err)
{
	struct k_error e;

	memset(f, 0, sizeof *f);
	if (t->stage != K_FORECAST_DONE)
		return k_error_set(err, K_EUSAGE, "the forecast model's training "
		                   "has not converged");
	if (k_arima_fit_finish(t->refit ? t->refit : t->fit, &f->arima,
	                       &e) != K_OK)
		return failed(err, &e, "fitting every point");
	snprintf(f->field, sizeof f->field, "%s", t->p.field);
	f->first_ts = t->g->first;
	f->last_ts = t->g->last;
	if ((f->header = train_header(t, src, f)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	r->ntrain = t->ntrain;
	r->holdout = t->holdout;
	r->models_tried = t->ntried;
	return K_OK;
}
