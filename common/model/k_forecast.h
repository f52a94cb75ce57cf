/*
 * k_forecast.h - the `forecast` model kind: an ARIMA model (k_arima) with
 * what forecasting needs besides the numbers: the series it was trained on
 * (field name), where its hourly grid ends, and its file in the store.
 * Also the one rule that puts timed observations on the hourly grid, so
 * that ktrain (training) and kforecast (online updates) agree on it, and
 * training itself: the holdout split and its scores, the refit on every
 * point, the header, and the outlook a forecast is summed up by.
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

/* The hour ts falls in, ms: floor(ts / 1 h) hours, UTC. */
int64_t k_forecast_hour(int64_t ts);

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

/* What an online update did. */
struct k_forecast_update_info {
	size_t old;              /* observations at or before the model's last
	                            hour, left out */
	size_t hours;            /* new hours on the grid, missing ones
	                            included; 0: nothing new, f unchanged */
	size_t observed;         /* of those, hours with a value */
	size_t gap;              /* missing hours stepped over between the
	                            model's last hour and the first new one */
};

/*
 * Run new observations through f without refitting: put obs (sorted in
 * place) on the hourly grid after f's last hour (k_forecast_grid with
 * after = f->last_ts), step over the hours between as missing values, run
 * them all through the filter (k_arima_update) and move f->last_ts to the
 * last new hour. u->old is set once the grid is built, even when a later
 * step fails. K_EDATA when the new hours span more than
 * K_FORECAST_MAX_POINTS or start more than that after f's last hour, or
 * from the filter ("updating the model: ..."); K_ENOMEM.
 */
enum k_status k_forecast_update(struct k_forecast *f,
                                struct k_forecast_obs *obs, size_t nobs,
                                struct k_forecast_update_info *u,
                                struct k_error *err);

/* Publish an updated f as a new version (NULL: a timestamp): f's header
 * with a new "created" and "ktools_version", "updated_from" the version f
 * was loaded as, and "updates" the observations added since training.
 * Fills f->version and f->path; errors as k_forecast_save. */
enum k_status k_forecast_save_updated(struct k_forecast *f,
                                      const struct k_store *st,
                                      const char *version,
                                      struct k_error *err);

/* The seed's risk assessment of a forecast by its maximum on the 0-100
 * scale: > 80 CRITICAL, > 60 HIGH, > 40 MEDIUM, else LOW. */
const char *k_forecast_assessment(double max_risk);

/* What a forecast says in a few words: the seed's summary of its means. */
struct k_forecast_outlook {
	double mean;            /* average of the forecast means */
	double max;             /* the largest of them */
	const char *assessment; /* k_forecast_assessment(max), static */
	const char *trend;      /* "increasing" when the last step's mean is
	                           above the first's, else "decreasing" */
};

/* The outlook of h >= 1 forecast means. */
void k_forecast_summarise(const double *mean, size_t h,
                          struct k_forecast_outlook *o);

/* The outlook of f's next hours: forecast, then summarise. K_EUSAGE for
 * 0 hours, K_ENOMEM, or k_arima_forecast's error. */
enum k_status k_forecast_outlook(const struct k_forecast *f, size_t hours,
                                 struct k_forecast_outlook *o,
                                 struct k_error *err);

/* ---- training ---- */

/* Keep the observations within days of the newest (in their order) and
 * return how many remain; days <= 0 keeps them all. */
size_t k_forecast_obs_window(struct k_forecast_obs *obs, size_t n,
                             double days);

struct k_forecast_train_params {
	const char *field;       /* the series' name, recorded in the model;
	                            borrowed ("risk_score") */
	struct k_arima_params arima; /* the order, the constant and the fit's
	                            settings (k_arima_params_default: 2,1,2);
	                            std_errors applies to the saved fit, the
	                            holdout fit never computes them */
	int autosel;             /* choose the order and the constant by
	                            k_arima_auto; arima.constant must be 0 (0) */
	struct k_arima_auto_params select; /* the search when autosel
	                            (k_arima_auto_params_default); its .fit is
	                            arima without standard errors */
	size_t holdout;          /* last hourly points held out to measure the
	                            forecast, then fitted too; 0: none (24) */
	size_t min_observed;     /* observed hours needed, in all and before
	                            the holdout (30, the seed's) */
	double days;             /* the window the observations were cut to,
	                            days (k_forecast_obs_window), for the
	                            header and messages; 0: none (0) */
};

void k_forecast_train_params_default(struct k_forecast_train_params *p);

/* NULL if p is usable, else a message naming the bad field. */
const char *k_forecast_train_params_check(
	const struct k_forecast_train_params *p);

/* K_EDATA when g has fewer than p->min_observed observed hours; the
 * message names the field (and the --days window when p->days is set). */
enum k_status k_forecast_enough(const struct k_forecast_grid *g,
                                const struct k_forecast_train_params *p,
                                struct k_error *err);

/* The holdout split: *ntrain points are fitted first, the last
 * p->holdout measured. K_EDATA when the holdout is not shorter than the
 * series, or leaves fewer than p->min_observed observed points before it.
 * The messages name ktrain's --holdout, which sets it. */
enum k_status k_forecast_split(const struct k_forecast_grid *g,
                               const struct k_forecast_train_params *p,
                               size_t *ntrain, struct k_error *err);

/* How a forecast compares with what happened. */
struct k_forecast_scores {
	size_t compared;        /* points with an actual value */
	double mae;             /* mean absolute error, the series' unit */
	double rmse;            /* root mean squared error */
	double mape_pct;        /* the seed's mean absolute percentage error:
	                           100 * mean(|error| / (|actual| + 1e-10)) */
	double accuracy_pct;    /* max(0, 100 - mape_pct) */
};                          /* all NAN when compared is 0 */

/* Score h forecasts pred[] against actual[] (NAN: not observed, skipped). */
void k_forecast_score(const double *actual, const double *pred, size_t h,
                      struct k_forecast_scores *s);

/* What reading the input saw, recorded in the header ("training"). */
struct k_forecast_source {
	long rows_read;          /* observations read */
	long rows_rejected;      /* lines rejected */
};

/* What training found besides the model. */
struct k_forecast_result {
	size_t ntrain;           /* points of the first fit: all but the held
	                            out */
	struct k_forecast_scores holdout; /* the first fit's forecast of the
	                            held-out points (compared 0 without any) */
	size_t models_tried;     /* autosel: orders fitted; else 0 */
};

/* Where training is: each stage runs to its end before the next starts. */
enum k_forecast_stage {
	K_FORECAST_CHOOSE,       /* autosel: fitting candidate orders */
	K_FORECAST_FIT,          /* fitting all but the held-out points (all
	                            of them without a holdout) */
	K_FORECAST_REFIT,        /* after the holdout: refitting every point,
	                            from where the first fit ended */
	K_FORECAST_DONE
};

/*
 * Training, stepped from outside as k_arima's fit, so that the program
 * owns progress:
 *   k_forecast_train_init     checks p, the data (k_forecast_enough) and
 *                             the split, and starts the first stage; g
 *                             and p->field are borrowed until free;
 *   k_forecast_train_iterate  one step of the stage: an order tried, an
 *                             optimiser iteration, or, once the stage has
 *                             nothing left, the move to the next (which
 *                             finishes a fit, scores the holdout and
 *                             starts the next fit);
 *   k_forecast_train_converged non-zero at K_FORECAST_DONE;
 *   k_forecast_train_finish   fills f (the model fitted on every point,
 *                             the series' name and grid, a new header
 *                             with params, features, training, metrics
 *                             and estimates; f is the caller's to
 *                             release) and r;
 *   k_forecast_train_free     releases (NULL is fine).
 * Errors: K_EUSAGE for bad parameters (or finish before DONE), K_EDATA
 * for an unusable series, K_ENOMEM; the message says which fit failed.
 */
struct k_forecast_train;
enum k_status k_forecast_train_init(struct k_forecast_train **tp,
                                    const struct k_forecast_grid *g,
                                    const struct k_forecast_train_params *p,
                                    struct k_error *err);
enum k_status k_forecast_train_iterate(struct k_forecast_train *t,
                                       struct k_error *err);
int k_forecast_train_converged(const struct k_forecast_train *t);
enum k_forecast_stage k_forecast_train_stage(const struct k_forecast_train *t);
/* For progress (all borrowed): the settings of the fit under way or to
 * come (the order asked for, or chosen once K_FORECAST_CHOOSE is over);
 * the optimiser of the fit under way (NULL outside FIT and REFIT); the
 * orders tried so far (*n is 0 without autosel). */
const struct k_arima_params *k_forecast_train_fit_params(
	const struct k_forecast_train *t);
const struct k_optim *k_forecast_train_optim(const struct k_forecast_train *t);
const struct k_arima_trial *k_forecast_train_trials(
	const struct k_forecast_train *t, size_t *n);
enum k_status k_forecast_train_finish(struct k_forecast_train *t,
                                      const struct k_forecast_source *src,
                                      struct k_forecast *f,
                                      struct k_forecast_result *r,
                                      struct k_error *err);
void k_forecast_train_free(struct k_forecast_train *t);

#endif
