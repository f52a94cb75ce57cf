/*
 * k_optim.h - unconstrained minimisation by BFGS with a backtracking line
 * search, for small smooth problems (maximum likelihood over a dozen
 * parameters), with the caller's exact gradient or, without one,
 * finite-difference gradients. It is stepped from outside (init /
 * iterate / converged) so the caller owns progress, stopping and time
 * limits; nothing is allocated.
 */
#ifndef K_OPTIM_H
#define K_OPTIM_H

#include "base/k_status.h"

#define K_OPTIM_MAX 32    /* largest number of parameters */

/* The objective. Returns f(x); a non-finite value means x is outside the
 * domain, and the line search steps back. */
typedef double (*k_optim_fn)(const double *x, void *ctx);

/* The objective and its gradient together: returns f(x) and fills g (n
 * values) when f(x) is finite. Non-finite f or g as above. */
typedef double (*k_optim_fdf)(const double *x, double *g, void *ctx);

struct k_optim_params {
	int maxiter;        /* iteration cap (default 500) */
	double gtol;        /* stop when max |gradient| <= gtol (1e-8) */
	double ftol;        /* stop when an iteration lowers f by less than
	                       ftol * max(|f|, 1) (1e-14) */
	double fd_step;     /* finite-difference gradient step (without fdf):
	                       fd_step * max(|x_i|, 0.1) (1e-5) */
	double fd_forward;  /* without fdf, one-sided (forward) differences,
	                       half the cost, while the last max |gradient|
	                       exceeded this; central below it; 0: always
	                       central (1e-3) */
	int max_backtrack;  /* line-search halvings before giving up (40) */
	double max_step;    /* largest first-iteration move per coordinate (1) */
};

enum k_optim_state {
	K_OPTIM_RUNNING = 0,
	K_OPTIM_GTOL,       /* gradient small: converged */
	K_OPTIM_FTOL,       /* no further decrease worth having: converged */
	K_OPTIM_MAXITER,    /* iteration cap reached */
	K_OPTIM_STALLED,    /* no descent found from a gradient that is not small */
};

struct k_optim {
	int n;
	k_optim_fn fn;
	k_optim_fdf fdf;            /* exact gradient, or NULL: differences */
	void *ctx;
	struct k_optim_params par;
	double x[K_OPTIM_MAX];      /* current point */
	double f;                   /* f(x) */
	double g[K_OPTIM_MAX];      /* gradient at x */
	double H[K_OPTIM_MAX * K_OPTIM_MAX]; /* inverse Hessian estimate */
	int h_identity;             /* H is a (scaled) identity, not learnt yet */
	int g_forward;              /* g came from forward differences */
	int iter;                   /* iterations done */
	long nfev;                  /* objective evaluations (fn, and the
	                               differences' ones) */
	long ngev;                  /* gradient evaluations by fdf */
	enum k_optim_state state;
};

void k_optim_params_default(struct k_optim_params *p);

/* NULL if p is usable, else a message naming the bad field. */
const char *k_optim_params_check(const struct k_optim_params *p);

/*
 * Start at x0 (n values, copied). Evaluates f and its gradient there.
 * K_EUSAGE for bad n or parameters, K_EDATA if f(x0) is not finite.
 */
enum k_status k_optim_init(struct k_optim *o, int n, const double *x0,
                           k_optim_fn fn, void *ctx,
                           const struct k_optim_params *p,
                           struct k_error *err);

/* The same with the exact gradient fdf (fn still serves the line
 * search, where no gradient is needed). */
enum k_status k_optim_init_fdf(struct k_optim *o, int n, const double *x0,
                               k_optim_fn fn, k_optim_fdf fdf, void *ctx,
                               const struct k_optim_params *p,
                               struct k_error *err);

/* One quasi-Newton iteration; sets o->state when it stops. K_OK unless
 * called after stopping (K_EINTERNAL). */
enum k_status k_optim_iterate(struct k_optim *o, struct k_error *err);

/* Replace the inverse Hessian estimate with H (n x n, row-major,
 * symmetric positive definite), e.g. one learnt by an earlier run on a
 * similar problem, so a warm start does not begin from the identity. */
void k_optim_set_hessian(struct k_optim *o, const double *H);

/* Non-zero once the run has stopped, for whatever reason (see state). */
int k_optim_converged(const struct k_optim *o);

/* "gradient", "function", "maxiter", "stalled" or "running". */
const char *k_optim_state_name(enum k_optim_state s);

/*
 * Finite-difference gradient of fn at x (n values, fx = fn(x)) into g,
 * with the step rule above: central, or forward when forward is non-zero.
 * Returns the number of evaluations, or -1 if f was not finite on both
 * sides of some coordinate (that entry is then a one-sided difference, or
 * NAN when neither side is finite).
 */
int k_optim_gradient(k_optim_fn fn, void *ctx, int n, const double *x,
                     double fx, double fd_step, int forward, double *g);

#endif
