/*
 * k_kalman.h - the Kalman filter for a small time-invariant state-space
 * model with one observation per step, as ARIMA needs it: the conventional
 * filter of Durbin and Koopman (2012, ch. 4) in the predicted form that
 * statsmodels uses, a missing observation (NAN) skipping the update step,
 * and a steady-state shortcut once the state covariance stops changing.
 * Everything is in fixed arrays, so a filter state can be copied and saved.
 * For maximum likelihood by a gradient method, the filter's derivatives
 * with respect to the parameters of the system: forward mode
 * (k_kalman_filter_grad: per-step derivatives, cost growing with the
 * number of parameters) and reverse mode (k_kalman_filter_record, then
 * k_kalman_filter_adjoint: the log-likelihood's gradient in every entry
 * of the system at about twice the cost of the filter).
 */
#ifndef K_KALMAN_H
#define K_KALMAN_H

#include <stddef.h>

#include "base/k_status.h"

#define K_KALMAN_MAX 16   /* largest state dimension */
#define K_KALMAN_MAX_GRAD 32  /* most parameters k_kalman_filter_grad takes */

/*
 * The system, time-invariant:
 *   y_t       = d_t + Z a_t + e_t,        e_t ~ N(0, H)
 *   a_{t+1}   = T a_t + R n_t,            R n_t ~ N(0, RQR)
 * Matrices are row-major with stride m. d_t (the observation intercept) is
 * given at each step by the caller.
 */
struct k_kalman_ssm {
	int m;                                   /* state dimension, 1..16 */
	double Z[K_KALMAN_MAX];                  /* design row */
	double T[K_KALMAN_MAX * K_KALMAN_MAX];   /* transition */
	double RQR[K_KALMAN_MAX * K_KALMAN_MAX]; /* state noise covariance */
	double H;                                /* observation variance, >= 0 */
};

/*
 * The filter state before observation t: the predicted state mean
 * a_{t|t-1} and covariance P_{t|t-1}. steady is set once P has converged
 * (then P no longer changes while observations keep arriving, and the gain
 * is recomputed from P when needed). Plain data: copy it, save it.
 */
struct k_kalman_state {
	int m;
	double a[K_KALMAN_MAX];
	double P[K_KALMAN_MAX * K_KALMAN_MAX];
	int steady;
	/* Derived, not saved: P Z' and F for the steady P, valid when cached. */
	int cached;
	double pz[K_KALMAN_MAX];
	double F, logF;
};

/* What one step produced. For a missing observation v and F are NAN and
 * loglike is 0. */
struct k_kalman_out {
	double v;        /* forecast error y_t - d_t - Z a_{t|t-1} */
	double F;        /* its variance Z P Z' + H */
	double loglike;  /* -0.5 (log 2 pi F + v^2 / F) */
};

/*
 * Check a system: dimension in range, every entry finite, H >= 0.
 * K_EDATA with a message otherwise.
 */
enum k_status k_kalman_ssm_check(const struct k_kalman_ssm *ss,
                                 struct k_error *err);

/* Start the state at mean a0 and covariance P0 (both m-sized, row-major),
 * copied in; steady is cleared. A state read back from a file must come
 * through here (or have cached set to 0). */
void k_kalman_state_init(struct k_kalman_state *st, int m, const double *a0,
                         const double *P0);

/*
 * One filter step with observation y (NAN: missing) and intercept d. The
 * state moves on to a_{t+1|t}, P_{t+1|t}. steady_tol is the relative
 * change of P (max abs difference over max abs entry) below which P is
 * declared converged; 0 turns the shortcut off. out may be NULL.
 * K_EDATA if the forecast error variance is not positive and finite (a
 * degenerate model); the state is then left as it was.
 */
enum k_status k_kalman_step(const struct k_kalman_ssm *ss,
                            struct k_kalman_state *st, double y, double d,
                            double steady_tol, struct k_kalman_out *out,
                            struct k_error *err);

/*
 * Run y[0..n) through the filter, the observation intercept at step t
 * being beta * x[t] (x NULL: 0): what k_kalman_step does n times, but
 * once P is steady the update runs as a_{t+1} = L a_t + g (y_t - d_t)
 * with L = T (I - K Z) and g = T K fixed, which halves the cost of the
 * long steady stretch. Log-likelihood terms of steps t >= burn are summed
 * into *llsum; llobs (NULL or n long) gets every term, 0 before burn and
 * at missing values. Errors as k_kalman_step, with the state left where
 * the failing step found it.
 */
enum k_status k_kalman_filter(const struct k_kalman_ssm *ss,
                              struct k_kalman_state *st, const double *y,
                              const double *x, double beta, size_t n,
                              double steady_tol, size_t burn, double *llsum,
                              double *llobs, struct k_error *err);

/*
 * The same, stopping early: once P has been steady for m steps at a time
 * t >= stop_from, return with *stopped = t (the next observation not yet
 * filtered; n when it never happens), *llsum holding the terms so far.
 * vout (NULL or n long) receives each forecast error v_t (NAN when
 * missing). For callers that can go on faster with what they know of the
 * model (k_arima's steady ARMA recursion).
 */
enum k_status k_kalman_filter_until(const struct k_kalman_ssm *ss,
                                    struct k_kalman_state *st,
                                    const double *y, const double *x,
                                    double beta, size_t n, double steady_tol,
                                    size_t burn, size_t stop_from,
                                    size_t *stopped, double *llsum,
                                    double *llobs, double *vout,
                                    struct k_error *err);

/*
 * Derivatives of the system and of the filter with respect to k
 * parameters theta_1..theta_k, for k_kalman_filter_grad. Blocks are m x m,
 * row-major, parameter i at offset i * m * m (vectors at i * m). Z and H
 * do not depend on the parameters. Caller-owned arrays.
 */
struct k_kalman_grad {
	int k;               /* parameters, 1..K_KALMAN_MAX_GRAD */
	const double *dT;    /* k blocks: dT / dtheta_i */
	const double *dRQR;  /* k blocks: dRQR / dtheta_i */
	const double *dbeta; /* k values: d beta / dtheta_i (the intercept at
	                        step t is beta * x[t]) */
	double *da;          /* k vectors: d a / dtheta_i, in: of the initial
	                        state, out: of the state where the filter stopped */
	double *dP;          /* k blocks: d P / dtheta_i, likewise (symmetric) */
	double *dll;         /* k values, out: d llsum / dtheta_i */
	double *dv;          /* NULL or n x k, out: row t = d v_t / dtheta, 0
	                        at missing values, written up to *stopped */
	double *dF;          /* NULL or k, out: d F / dtheta of the last
	                        observed step (the steady F's once steady) */
};

/*
 * k_kalman_filter_until with derivatives: the same filter, stop rule,
 * log-likelihood and forecast errors, and besides them the exact
 * derivatives of *llsum (and of v_t, F, a, P) with respect to the
 * parameters in g, by differentiating every step of the recursion (while
 * P is steady its derivative is held too, as P is, so the result is the
 * derivative of what the filter computes). Costs about k + 1 filter
 * steps per step until P is steady, then O(k m) per step. Errors as
 * k_kalman_filter_until; K_EUSAGE if g->k is not in 1..K_KALMAN_MAX_GRAD.
 */
enum k_status k_kalman_filter_grad(const struct k_kalman_ssm *ss,
                                   struct k_kalman_state *st,
                                   const double *y, const double *x,
                                   double beta, size_t n, double steady_tol,
                                   size_t burn, size_t stop_from,
                                   size_t *stopped, double *llsum,
                                   double *vout, struct k_kalman_grad *g,
                                   struct k_error *err);

/*
 * The filter in reverse mode (the adjoint): a forward pass that records
 * what each step computed on a tape, then one backward pass over the
 * tape that gives the derivatives of the log-likelihood with respect to
 * the system (entries of T, RQR, the intercept's beta) and the initial
 * state a_0, P_0 at once, whatever their number. Its cost per step is
 * about twice a filter step where k_kalman_filter_grad's is k + 1; the
 * caller maps the system's adjoints to its own parameters (chain rule).
 *
 * The tape: for each step filtered, its kind, v, F, the filtered mean
 * (a + P Z' v / F), P Z', and the columns of T P_f (P_f the filtered
 * covariance) that the wanted entries of T need. Caller-owned storage of
 * k_kalman_tape_size() doubles, set up by k_kalman_tape_init.
 */
struct k_kalman_tape {
	int m;                           /* state dimension */
	int ntpos;                       /* entries of T whose adjoints are wanted */
	int tpos[K_KALMAN_MAX_GRAD];     /* each as row * m + column */
	int tcol[K_KALMAN_MAX_GRAD];     /* which kept column each one reads */
	int ncol;                        /* distinct columns among them */
	int col[K_KALMAN_MAX];
	size_t cap;                      /* steps the storage holds */
	size_t len;                      /* steps recorded */
	size_t burn;                     /* the filter's burn */
	size_t last_obs;                 /* last observed step, SIZE_MAX if none */
	double *rec;                     /* cap records */
};

/* Doubles of storage for a tape of n steps of an m-state system with
 * ntpos wanted entries of T. */
size_t k_kalman_tape_size(int m, int ntpos, size_t n);

/* Set up tp over buf (k_kalman_tape_size(m, ntpos, cap) doubles) for the
 * entries tpos[0..ntpos) (row * m + column) of T. K_EUSAGE if m or ntpos
 * is out of range (ntpos 0..K_KALMAN_MAX_GRAD) or a position is not in
 * the matrix. */
enum k_status k_kalman_tape_init(struct k_kalman_tape *tp, int m, int ntpos,
                                 const int *tpos, double *buf, size_t cap,
                                 struct k_error *err);

/*
 * k_kalman_filter_until without llobs, recording every step filtered on
 * tp: the same states, stop rule, *llsum and vout, and *llsum summed as
 * k_kalman_filter_grad sums it (bit for bit). K_EUSAGE if tp is not for
 * ss's dimension or holds fewer than n steps; else errors as
 * k_kalman_filter_until.
 */
enum k_status k_kalman_filter_record(const struct k_kalman_ssm *ss,
                                     struct k_kalman_state *st,
                                     const double *y, const double *x,
                                     double beta, size_t n,
                                     double steady_tol, size_t burn,
                                     size_t stop_from, size_t *stopped,
                                     double *llsum, double *vout,
                                     struct k_kalman_tape *tp,
                                     struct k_error *err);

/*
 * What the backward pass differentiates and what it gives. The function
 * is J = llsum + sum_j vbar[j] v_{len - nvbar + j} + Fbar F_last: the
 * recorded log-likelihood plus, for a caller that went on with the
 * recorded errors and the last observed step's F (k_arima's steady tail),
 * that part's derivatives in them as seeds.
 */
struct k_kalman_adjoint {
	const double *vbar;   /* in: NULL or nvbar seeds, for the last nvbar
	                         recorded steps (ignored at missing ones) */
	size_t nvbar;         /* in: at most the steps recorded */
	double Fbar;          /* in: seed on F of the last observed step */
	double Tbar[K_KALMAN_MAX_GRAD];  /* out: dJ / dT at the tape's tpos */
	double RQRbar[K_KALMAN_MAX * K_KALMAN_MAX]; /* out: dJ / dRQR,
	                         symmetric (each entry as if RQR_ij and RQR_ji
	                         moved together, halved: use sum_ij RQRbar_ij
	                         dRQR_ij for a symmetric dRQR) */
	double betabar;       /* out: dJ / dbeta */
	double abar[K_KALMAN_MAX];       /* out: dJ / da_0 */
	double Pbar[K_KALMAN_MAX * K_KALMAN_MAX]; /* out: dJ / dP_0, symmetric
	                         as RQRbar */
};

/*
 * The backward pass over tp for the system ss and regressor x the
 * forward pass had (x NULL: none). Nothing can fail: the tape holds
 * only steps whose F was positive.
 */
void k_kalman_filter_adjoint(const struct k_kalman_ssm *ss,
                             const struct k_kalman_tape *tp, const double *x,
                             struct k_kalman_adjoint *adj);

/*
 * Forecast h steps from st without changing it: mean[i] and var[i] are
 * the mean (without intercept) Z a and variance Z P Z' + H of y at step
 * i+1. Arrays are caller-owned, h long.
 */
void k_kalman_forecast(const struct k_kalman_ssm *ss,
                       const struct k_kalman_state *st, size_t h,
                       double *mean, double *var);

/*
 * Solve the discrete Lyapunov equation S = A S A' + Q for symmetric S,
 * A and Q m x m row-major (m <= K_KALMAN_MAX), into S. The solution is
 * unique when every eigenvalue of A lies inside the unit circle; K_EDATA
 * if the linear system is singular. work must hold
 * k_kalman_lyap_work(m) doubles.
 */
size_t k_kalman_lyap_work(int m);
enum k_status k_kalman_lyapunov(int m, const double *A, const double *Q,
                                double *S, double *work, struct k_error *err);

/* The same for nq right-hand sides Q_i (nq blocks m x m) with one
 * factorisation, the solutions into the nq blocks of S: how the
 * derivatives of a stationary covariance are had (dS = A dS A' + dA S A'
 * + A S dA' + dQ). Same workspace, same errors. */
enum k_status k_kalman_lyapunov_multi(int m, const double *A, int nq,
                                      const double *Q, double *S,
                                      double *work, struct k_error *err);

#endif
