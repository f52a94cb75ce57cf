/*
 * k_arima.h - ARIMA(p,d,q) with an optional trend term, fitted by exact
 * Gaussian maximum likelihood through the Kalman filter, the way
 * statsmodels' tsa.arima.model.ARIMA does it: the same state-space form,
 * the same approximate diffuse start for the d integrated states, the same
 * reparameterisation enforcing stationarity and invertibility (Monahan
 * 1984), the same starting values and information criteria. Missing
 * values (NAN) are skipped by the filter. A fitted model carries its
 * filter state, so it forecasts and takes new observations without the
 * data. Order selection (k_arima_auto_*) follows R's auto.arima: d by
 * repeated KPSS tests, then a stepwise AICc search from (2,d,2).
 */
#ifndef K_ARIMA_H
#define K_ARIMA_H

#include <stddef.h>

#include "base/k_buf.h"
#include "base/k_status.h"
#include "numeric/k_kalman.h"
#include "numeric/k_optim.h"

#define K_ARIMA_MAX_P   12
#define K_ARIMA_MAX_Q   12
#define K_ARIMA_MAX_D   2
#define K_ARIMA_MAX_PAR (1 + K_ARIMA_MAX_P + K_ARIMA_MAX_Q + 1)

struct k_arima_params {
	int p, d, q;             /* the order (default 2,1,2) */
	int constant;            /* 1: add beta * t^d to the series, t = 1, 2, ...:
	                            the mean when d = 0, a drift when d = 1, as
	                            statsmodels' trend 'c' / 't' / [0,0,1] (0) */
	double diffuse_variance; /* prior variance of the d integrated states,
	                            statsmodels' approximate diffuse (1e6) */
	double steady_tol;       /* relative change of the state covariance
	                            below which the filter is steady and stops
	                            updating it; 0 never (1e-15) */
	struct k_optim_params optim; /* BFGS on the unconstrained parameters
	                                (maxiter 500, gtol 1e-8, fd_step 1e-5) */
	int std_errors;          /* compute OPG standard errors (1) */
	double se_step;          /* relative step for the per-observation
	                            scores behind them (1e-6) */
	int has_start;           /* 1: start from start[] (0: CSS, statsmodels) */
	double start[K_ARIMA_MAX_PAR]; /* starting estimates, coef[] order */
};

/*
 * A fitted model. coef[] is in statsmodels' order: the trend coefficient
 * (when constant), ar.L1..ar.Lp, ma.L1..ma.Lq, sigma2. The sign
 * convention is statsmodels': (1 - sum ar_i L^i)(1 - L)^d (y_t - beta t^d)
 * = (1 + sum ma_j L^j) e_t, e_t ~ N(0, sigma2).
 */
struct k_arima_model {
	int p, d, q, constant;
	int k;                          /* number of coefficients, sigma2 included */
	double coef[K_ARIMA_MAX_PAR];
	double se[K_ARIMA_MAX_PAR];     /* standard errors (OPG), NAN if not computed */
	double loglike;                 /* exact log-likelihood, first d burnt */
	double aic, aicc, bic;          /* statsmodels' definitions on nobs_effective;
	                                   aicc is INFINITY when nobs_effective <= k + 1 */
	long nobs;                      /* observations fitted, missing included */
	long nobs_missing;
	long nobs_effective;            /* nobs - d */
	int iterations;                 /* optimiser iterations */
	long evaluations;               /* likelihood evaluations */
	int converged;                  /* the optimiser met a tolerance */
	double diffuse_variance, steady_tol;
	long t;                         /* observations filtered so far, fit
	                                   and updates: the time of the last */
	long updates;                   /* observations added by k_arima_update */
	struct k_kalman_state state;    /* predicted state for time t + 1 */
};

void k_arima_params_default(struct k_arima_params *par);

/* NULL if par is usable, else a message naming the bad field. */
const char *k_arima_params_check(const struct k_arima_params *par);

/* Number of coefficients of an order, sigma2 included. */
int k_arima_ncoef(int p, int q, int constant);

/* The statsmodels name of coefficient i of m ("const", "drift", "trend.2",
 * "ar.L1", "ma.L2", "sigma2") into buf. */
void k_arima_coef_name(const struct k_arima_model *m, int i, char *buf,
                       size_t cap);

/*
 * Check a series before fitting an order with k coefficients: K_EDATA
 * with a message when a value is infinite (NAN is a missing value), when
 * every value is missing, when the observed values are all equal, when
 * the d-times differenced series is constant, or when fewer than k + 1
 * observations remain after the d burnt ones.
 */
enum k_status k_arima_check_series(const double *y, size_t n, int d, int k,
                                   struct k_error *err);

/*
 * Fitting, stepped from outside:
 *   k_arima_fit_init   checks par and y, computes the starting values and
 *                      sets up the optimiser (y is borrowed until free);
 *   k_arima_fit_iterate one optimiser iteration;
 *   k_arima_fit_converged non-zero once it has stopped;
 *   k_arima_fit_finish fills m: estimates, log-likelihood, criteria,
 *                      standard errors and the filter state after y;
 *   k_arima_fit_free   releases (NULL is fine).
 * Errors: K_EUSAGE for bad parameters, K_EDATA for an unusable series,
 * K_ENOMEM. k_arima_fit does all of it in one call.
 */
struct k_arima_fit;
enum k_status k_arima_fit_init(struct k_arima_fit **fp, const double *y,
                               size_t n, const struct k_arima_params *par,
                               struct k_error *err);
enum k_status k_arima_fit_iterate(struct k_arima_fit *f, struct k_error *err);
int k_arima_fit_converged(const struct k_arima_fit *f);
/* Warm start: take over prev's curvature estimate (same order and
 * constant, else K_EUSAGE). With par->start set to prev's estimates, a
 * refit on a few more observations then takes a handful of iterations. */
enum k_status k_arima_fit_warm(struct k_arima_fit *f,
                               const struct k_arima_fit *prev,
                               struct k_error *err);
/* The objective the optimiser minimises, -loglike / n, at free
 * parameters x (the optimiser's: trend coefficient as is, AR and MA
 * through Monahan's transform, log sigma2), and its exact gradient into
 * g (NULL: none). NAN outside the domain. For tests and diagnostics. */
double k_arima_fit_objective(struct k_arima_fit *f, const double *x,
                             double *g);
/* The optimiser, for progress reports (borrowed). */
const struct k_optim *k_arima_fit_optim(const struct k_arima_fit *f);
enum k_status k_arima_fit_finish(struct k_arima_fit *f,
                                 struct k_arima_model *m, struct k_error *err);
void k_arima_fit_free(struct k_arima_fit *f);

enum k_status k_arima_fit(const double *y, size_t n,
                          const struct k_arima_params *par,
                          struct k_arima_model *m, struct k_error *err);

/* The starting values statsmodels would use (conditional sum of squares
 * on the differenced series), into start[k_arima_ncoef(...)]. */
enum k_status k_arima_start(const double *y, size_t n,
                            const struct k_arima_params *par, double *start,
                            struct k_error *err);

/*
 * The exact log-likelihood of y under the order in par and coefficients
 * coef (coef[] order), as statsmodels' ARIMA(...).loglike(coef). If llobs
 * is not NULL it receives the n per-observation terms (0 for burnt and
 * missing ones). K_EDATA if coef is not stationary and invertible.
 */
enum k_status k_arima_loglike(const double *y, size_t n,
                              const struct k_arima_params *par,
                              const double *coef, double *llf, double *llobs,
                              struct k_error *err);

/*
 * The same log-likelihood with its exact gradient in the coefficients,
 * grad[k_arima_ncoef(...)] (coef[] order), by differentiating the filter
 * and the steady ARMA recursion. Errors as k_arima_loglike.
 */
enum k_status k_arima_loglike_grad(const double *y, size_t n,
                                   const struct k_arima_params *par,
                                   const double *coef, double *llf,
                                   double *grad, struct k_error *err);

/* Run n new observations (NAN: missing) through m's filter without
 * refitting; m's state, t and updates move on. K_EDATA for an infinite
 * value (m unchanged) or a degenerate filter. */
enum k_status k_arima_update(struct k_arima_model *m, const double *y,
                             size_t n, struct k_error *err);

/*
 * Forecast h steps after m's last observation: mean[i] and var[i] for
 * time t + 1 + i, and the level-interval lower[i], upper[i] (normal,
 * as statsmodels' get_forecast().conf_int(alpha = 1 - level)). Any output
 * may be NULL. level must be in (0, 1): K_EUSAGE otherwise.
 */
enum k_status k_arima_forecast(const struct k_arima_model *m, size_t h,
                               double level, double *mean, double *var,
                               double *lower, double *upper,
                               struct k_error *err);

/* The standard normal quantile function (Acklam's approximation refined
 * by one Halley step: full double precision). p in (0, 1). */
double k_arima_qnorm(double p);

/* Smallest modulus of the roots of the AR and MA polynomials of m, each
 * tested against bound: non-zero if every root lies outside bound (no AR
 * or MA part counts as outside). */
int k_arima_roots_outside(const struct k_arima_model *m, double bound);

/*
 * The KPSS level-stationarity statistic (Kwiatkowski et al. 1992), as
 * urca::ur.kpss(type = "mu") and statsmodels' kpss(regression = "c"):
 * missing values are dropped first. lags < 0 means R's forecast::ndiffs
 * choice, trunc(3 sqrt(n) / 13). K_EDATA if fewer than 3 values.
 */
enum k_status k_arima_kpss(const double *y, size_t n, int lags, double *stat,
                           struct k_error *err);

/* R's forecast::ndiffs(test = "kpss"): difference while the KPSS p-value
 * (interpolated in the table 0.347/0.463/0.574/0.739 for 10/5/2.5/1%)
 * is below alpha, at most max_d times; a constant series needs none. */
enum k_status k_arima_ndiffs(const double *y, size_t n, double alpha,
                             int max_d, int *d, struct k_error *err);

/* Order selection. */
struct k_arima_auto_params {
	int d;                   /* differencing order, -1: by KPSS (-1) */
	int max_d;               /* largest d KPSS may choose (2) */
	double alpha;            /* KPSS test level (0.05) */
	int max_p, max_q;        /* bounds of the search (5, 5) */
	int start_p, start_q;    /* first model (2, 2) */
	int allow_constant;      /* try a mean (d = 0) or drift (d = 1) (1) */
	int max_models;          /* fits at most, as R's nmodels (94) */
	double min_root;         /* reject fits with an AR or MA root of modulus
	                            below this, as R's 1.01 (1.01) */
	struct k_arima_params fit; /* settings of each fit (order ignored) */
};

/* One model the search fitted. */
struct k_arima_trial {
	int p, d, q, constant;
	double aicc;             /* INFINITY when the fit failed or was rejected */
};

void k_arima_auto_params_default(struct k_arima_auto_params *ap);
const char *k_arima_auto_params_check(const struct k_arima_auto_params *ap);

/*
 * Stepped like the fit: init chooses d, iterate fits one candidate,
 * converged says when no neighbour of the best model is left untried (or
 * max_models were fitted), finish hands over the best model. trials()
 * lists what was fitted, in order (borrowed). y is borrowed until free.
 */
struct k_arima_auto;
enum k_status k_arima_auto_init(struct k_arima_auto **ap, const double *y,
                                size_t n, const struct k_arima_auto_params *par,
                                struct k_error *err);
enum k_status k_arima_auto_iterate(struct k_arima_auto *a, struct k_error *err);
int k_arima_auto_converged(const struct k_arima_auto *a);
const struct k_arima_trial *k_arima_auto_trials(const struct k_arima_auto *a,
                                                size_t *n);
/* K_EDATA when no candidate could be fitted. */
enum k_status k_arima_auto_finish(struct k_arima_auto *a,
                                  struct k_arima_model *m, struct k_error *err);
void k_arima_auto_free(struct k_arima_auto *a);

/*
 * A model as bytes (little-endian, versioned) for a model file payload,
 * and back. Decoding checks every field (orders in range, finite values,
 * a symmetric state covariance with a non-negative diagonal) and returns
 * K_EDATA naming the first bad one.
 */
void k_arima_model_encode(const struct k_arima_model *m, struct k_buf *b);
enum k_status k_arima_model_decode(const void *p, size_t n,
                                   struct k_arima_model *m,
                                   struct k_error *err);

#endif
