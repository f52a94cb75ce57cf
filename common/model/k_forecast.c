/*
 * k_forecast.c - the forecast model kind: the hourly grid rule, and the
 * model file (a k_arima payload under a header that names the series and
 * where its grid ends). See k_forecast.h.
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

static int64_t
hour_of(int64_t ts)
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
		int64_t h = hour_of(obs[i].ts);
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
			if ((after == INT64_MIN || hour_of(obs[i].ts) > after) &&
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
		int64_t h = hour_of(obs[i].ts);
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
	struct k_buf pay, file;
	char t0[40], t1[40];
	enum k_status s;
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
	k_buf_init(&file);
	k_arima_model_encode(&f->arima, &pay);
	if (pay.oom) {
		k_buf_release(&pay);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	s = k_model_encode(K_FORECAST_KIND, f->header, pay.data, pay.len, 1,
	                   &file, err);
	if (s == K_OK)
		s = k_store_publish(st, K_FORECAST_KIND, version, file.data,
		                    file.len, f->version, f->path, err);
	k_buf_release(&pay);
	k_buf_release(&file);
	return s;
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
