/*
 * k_forecast.h - the `forecast` model kind: an ARIMA model (k_arima) with
 * what forecasting needs besides the numbers: the series it was trained on
 * (field name), where its hourly grid ends, and its file in the store.
 * Also the one rule that puts timed observations on the hourly grid, so
 * that ktrain (training) and kforecast (online updates) agree on it.
 */
#ifndef K_FORECAST_H
#define K_FORECAST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "model/k_store.h"
#include "numeric/k_arima.h"
#include "text/k_jscan.h"

#define K_FORECAST_KIND       "forecast"
#define K_FORECAST_STEP_MS    INT64_C(3600000)   /* the grid: one hour */
#define K_FORECAST_MAX_POINTS 10000000           /* hours a series may span */
#define K_FORECAST_FIELD_MAX  127

/* One observation as read: its time (ms since the epoch), its value (NAN
 * for null) and its place in the input (ties go to the later). */
struct k_forecast_obs {
	int64_t ts;
	double value;
	long seq;
};

/*
 * The hourly grid of a set of observations:
 *   - an observation belongs to the hour floor(ts / 1 h), UTC;
 *   - an hour's value is its latest non-null observation (the greatest
 *     ts; equal times, the later in the input); others are "merged";
 *   - hours between the first and the last hour with a value that have
 *     none are missing (NAN), and the filter steps over them;
 *   - observations in hours <= after are "old" and left out (updates);
 *     after is INT64_MIN to keep everything.
 */
struct k_forecast_grid {
	double *y;          /* n values, NAN for a missing hour; malloc'd */
	size_t n;
	int64_t first, last; /* the first and last hour, ms (when n > 0) */
	size_t observed;    /* hours with a value */
	size_t missing;     /* hours without */
	size_t merged;      /* observations that lost to a later one */
	size_t nulls;       /* null observations (a null never replaces a
	                       value; an hour with only nulls is missing) */
	size_t old;         /* observations at or before after */
};

/*
 * The observation a scanned feature row holds (s scanned with subkey
 * "features"): the series value of field, a top-level member first, else
 * features.NAME (null is NAN), and the row's "ts". 0, or -1 with the
 * reason for rejecting the line in why.
 */
int k_forecast_row(const struct k_jscan *s, const char *field, int64_t *ts,
                   double *value, char *why, size_t cap);

/* Build g from obs (sorted in place). K_EDATA when the hours span more
 * than K_FORECAST_MAX_POINTS; K_ENOMEM. n is 0 when nothing has a value. */
enum k_status k_forecast_grid(struct k_forecast_obs *obs, size_t nobs,
                              int64_t after, struct k_forecast_grid *g,
                              struct k_error *err);
void k_forecast_grid_release(struct k_forecast_grid *g);

struct k_forecast {
	struct k_arima_model arima;
	char field[K_FORECAST_FIELD_MAX + 1];  /* the series' name */
	int64_t first_ts, last_ts;  /* first and last hour of the grid, ms */
	json_t *header;             /* the model file's metadata, owned */
	char version[K_VERSION_MAX + 1];
	char path[K_PATH_MAX];
};

/*
 * Publish f as a new version (NULL: a timestamp). The header must be set
 * (k_model_header_new plus whatever the trainer adds); its "series" member
 * is (re)written here from field, first_ts and last_ts, and "params.order"
 * from the model. Fills f->version and f->path.
 */
enum k_status k_forecast_save(struct k_forecast *f, const struct k_store *st,
                              const char *version, struct k_error *err);

/* Load version (NULL or "latest"): K_ECONFIG when the store has no
 * forecast model, K_ENOINPUT for a missing version, K_EDATA when the file
 * is corrupt or its header and payload disagree. */
enum k_status k_forecast_load(struct k_forecast *f, const struct k_store *st,
                              const char *version, struct k_error *err);
enum k_status k_forecast_load_file(struct k_forecast *f, const char *path,
                                   struct k_error *err);
void k_forecast_release(struct k_forecast *f);

/* The seed's risk assessment of a forecast by its maximum on the 0-100
 * scale: > 80 CRITICAL, > 60 HIGH, > 40 MEDIUM, else LOW. */
const char *k_forecast_assessment(double max_risk);

#endif
