/*
 * k_kalman.c - the conventional Kalman filter for one observation per
 * step (see k_kalman.h), and the symmetric discrete Lyapunov solve that
 * gives a stationary state its initial covariance, each also with its
 * derivatives for gradient-based maximum likelihood: the filter in
 * forward mode and in reverse mode (a tape, then the adjoint pass).
 * Dimensions are tiny (an ARIMA(5,2,5) has 8 states), so plain loops over
 * fixed arrays, with the zeros of a sparse transition skipped, beat any
 * BLAS call here.
 */
#include "numeric/k_kalman.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454835606594728112
/* Room for the nonzeros of the dT of k_kalman_filter_grad: ARIMA's have
 * one each; a denser one is scanned whole. */
#define K_KALMAN_GRAD_POOL_PAR K_KALMAN_MAX_GRAD
#define K_KALMAN_GRAD_POOL     (4 * K_KALMAN_MAX_GRAD)

enum k_status
k_kalman_ssm_check(const struct k_kalman_ssm *ss, struct k_error *err)
{
	int m = ss->m;

	if (m < 1 || m > K_KALMAN_MAX)
		return k_error_set(err, K_EDATA,
		                   "state dimension %d out of range 1..%d", m,
		                   K_KALMAN_MAX);
	for (int i = 0; i < m; i++) {
		if (!isfinite(ss->Z[i]))
			return k_error_set(err, K_EDATA, "design entry %d is not finite", i);
		for (int j = 0; j < m; j++)
			if (!isfinite(ss->T[i * m + j]) || !isfinite(ss->RQR[i * m + j]))
				return k_error_set(err, K_EDATA,
				                   "system matrix entry (%d,%d) is not finite",
				                   i, j);
	}
	if (!(ss->H >= 0) || !isfinite(ss->H))
		return k_error_set(err, K_EDATA,
		                   "observation variance %g is not a finite non-negative number",
		                   ss->H);
	return K_OK;
}

void
k_kalman_state_init(struct k_kalman_state *st, int m, const double *a0,
                    const double *P0)
{
	memset(st, 0, sizeof *st);
	st->m = m;
	memcpy(st->a, a0, (size_t)m * sizeof *a0);
	memcpy(st->P, P0, (size_t)m * m * sizeof *P0);
	st->steady = 0;
}

/* The nonzeros of T, row by row: ARIMA transitions are mostly zeros. */
struct sparse {
	int cnt[K_KALMAN_MAX];
	int col[K_KALMAN_MAX][K_KALMAN_MAX];
	double val[K_KALMAN_MAX][K_KALMAN_MAX];
};

/* The nonzeros of T row by row, or with transpose those of T' (T's
 * column by column). */
static void
sparse_of(const struct k_kalman_ssm *ss, int transpose, struct sparse *sp)
{
	int m = ss->m;

	for (int i = 0; i < m; i++) {
		int c = 0;
		for (int k = 0; k < m; k++) {
			double t = transpose ? ss->T[k * m + i] : ss->T[i * m + k];
			if (t != 0) {
				sp->col[i][c] = k;
				sp->val[i][c] = t;
				c++;
			}
		}
		sp->cnt[i] = c;
	}
}

static void
sparse_init(const struct k_kalman_ssm *ss, struct sparse *sp)
{
	sparse_of(ss, 0, sp);
}

/* P <- T Pf T' + RQR, symmetric by construction (upper triangle computed,
 * then mirrored); returns max |Pnew - Pold| / max |Pnew|. W (m x m)
 * receives T Pf. */
static double
predict_cov_w(const struct k_kalman_ssm *ss, const struct sparse *sp,
              const double *Pf, double *P, double *W)
{
	int m = ss->m;
	double dmax = 0, pmax = 0;

	/* W = T Pf, each entry summed in a register: a zeroed row updated in
	 * place costs a store-forwarding stall per term. */
	for (int i = 0; i < m; i++) {
		double *w = W + i * m;
		const int cnt = sp->cnt[i];
		const int *col = sp->col[i];
		const double *val = sp->val[i];
		for (int j = 0; j < m; j++) {
			double s = 0;
			for (int c = 0; c < cnt; c++)
				s += val[c] * Pf[col[c] * m + j];
			w[j] = s;
		}
	}
	/* P = W T' + RQR, upper triangle */
	for (int i = 0; i < m; i++) {
		const double *w = W + i * m;
		for (int j = i; j < m; j++) {
			double s = ss->RQR[i * m + j];
			for (int c = 0; c < sp->cnt[j]; c++)
				s += w[sp->col[j][c]] * sp->val[j][c];
			double dd = fabs(s - P[i * m + j]);
			if (dd > dmax)
				dmax = dd;
			if (fabs(s) > pmax)
				pmax = fabs(s);
			P[i * m + j] = s;
			P[j * m + i] = s;
		}
	}
	return pmax > 0 ? dmax / pmax : dmax;
}

static double
predict_cov(const struct k_kalman_ssm *ss, const struct sparse *sp,
            const double *Pf, double *P)
{
	double W[K_KALMAN_MAX * K_KALMAN_MAX];

	return predict_cov_w(ss, sp, Pf, P, W);
}

static void
predict_mean(const struct sparse *sp, int m, const double *a, double *an)
{
	for (int i = 0; i < m; i++) {
		double s = 0;
		for (int c = 0; c < sp->cnt[i]; c++)
			s += sp->val[i][c] * a[sp->col[i][c]];
		an[i] = s;
	}
}

/* pz = P Z' and F = Z P Z' + H, with log F when want_log: held in the
 * state once P is steady, computed (and then cached) otherwise. K_EDATA
 * when F is not positive. */
static enum k_status
gain_terms(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
           int want_log, double *pz, double *F, double *logF,
           struct k_error *err)
{
	const int m = ss->m;

	if (st->steady && st->cached) {
		for (int i = 0; i < m; i++)
			pz[i] = st->pz[i];
		*F = st->F;
		*logF = st->logF;
		return K_OK;
	}
	double f = ss->H;
	for (int i = 0; i < m; i++) {
		double s = 0;
		const double *p = st->P + i * m;
		for (int j = 0; j < m; j++)
			s += p[j] * ss->Z[j];
		pz[i] = s;
	}
	for (int i = 0; i < m; i++)
		f += ss->Z[i] * pz[i];
	if (!(f > 0) || !isfinite(f))
		return k_error_set(err, K_EDATA,
		                   "forecast error variance %g is not positive", f);
	*F = f;
	*logF = want_log || st->steady ? log(f) : NAN;
	if (st->steady) {
		for (int i = 0; i < m; i++)
			st->pz[i] = pz[i];
		st->F = f;
		st->logF = *logF;
		st->cached = 1;
	}
	return K_OK;
}

/* GCC cannot see that the column indices in struct sparse stay below m,
 * and warns that af may be read uninitialised; zeroing af to quiet it
 * costs a rep stos per step, a tenth of the step. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
static enum k_status
step(const struct k_kalman_ssm *ss, const struct sparse *sp,
     struct k_kalman_state *st, double y, double d, double steady_tol,
     int want_log, struct k_kalman_out *out, struct k_error *err)
{
	int m = ss->m;
	double pz[K_KALMAN_MAX], af[K_KALMAN_MAX];
	double Pf[K_KALMAN_MAX * K_KALMAN_MAX];

	if (isnan(y)) {
		/* Missing: prediction only. */
		for (int i = 0; i < m; i++)
			af[i] = st->a[i];
		predict_mean(sp, m, af, st->a);
		for (int i = 0; i < m * m; i++)
			Pf[i] = st->P[i];
		predict_cov(ss, sp, Pf, st->P);
		st->steady = 0;
		st->cached = 0;
		if (out) {
			out->v = NAN;
			out->F = NAN;
			out->loglike = 0;
		}
		return K_OK;
	}

	/* pz = P Z', F = Z P Z' + H; fixed once P is steady. */
	double F, logF, za = 0;
	for (int i = 0; i < m; i++)
		za += ss->Z[i] * st->a[i];
	enum k_status rc = gain_terms(ss, st, want_log, pz, &F, &logF, err);
	if (rc != K_OK)
		return rc;

	double v = y - d - za;
	double vf = v / F;
	for (int i = 0; i < m; i++)
		af[i] = st->a[i] + pz[i] * vf;
	predict_mean(sp, m, af, st->a);

	if (!st->steady) {
		for (int i = 0; i < m; i++) {
			double ki = pz[i] / F;
			for (int j = i; j < m; j++) {
				double v2 = st->P[i * m + j] - ki * pz[j];
				Pf[i * m + j] = v2;
				Pf[j * m + i] = v2;
			}
		}
		double ch = predict_cov(ss, sp, Pf, st->P);
		if (steady_tol > 0 && ch <= steady_tol) {
			st->steady = 1;
			st->cached = 0;
		}
	}
	if (out) {
		out->v = v;
		out->F = F;
		out->loglike = -0.5 * (LOG_2PI + logF + v * vf);
	}
	return K_OK;
}
#pragma GCC diagnostic pop

enum k_status
k_kalman_step(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
              double y, double d, double steady_tol, struct k_kalman_out *out,
              struct k_error *err)
{
	struct sparse sp;

	sparse_init(ss, &sp);
	return step(ss, &sp, st, y, d, steady_tol, 1, out, err);
}

enum k_status
k_kalman_filter(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
                const double *y, const double *x, double beta, size_t n,
                double steady_tol, size_t burn, double *llsum, double *llobs,
                struct k_error *err)
{
	size_t stopped;

	return k_kalman_filter_until(ss, st, y, x, beta, n, steady_tol, burn,
	                             SIZE_MAX, &stopped, llsum, llobs, NULL, err);
}

/* A series and what k_kalman_filter_until does with it. */
struct filter_run {
	const double *y, *x;
	double beta, steady_tol;
	size_t n, burn, stop_from;
	double *llobs, *vout;
};

/* The log-likelihood so far: with llobs, sum alone; without, the terms
 * of the stepped steps apart, log F summed as the log of running
 * products (a log per step is a tenth of a step). */
struct llsum {
	double sum;
	double prod, logs, quad;
	long cnt;
};

/* Step t through step() (P not steady yet, or y[t] missing), its term
 * added to ll. */
static enum k_status
until_step(const struct k_kalman_ssm *ss, const struct sparse *sp,
           struct k_kalman_state *st, const struct filter_run *fr, size_t t,
           struct llsum *ll, struct k_error *err)
{
	struct k_kalman_out o;
	double d = fr->x ? fr->beta * fr->x[t] : 0;
	enum k_status rc = step(ss, sp, st, fr->y[t], d, fr->steady_tol,
	                        fr->llobs != NULL, &o, err);

	if (rc != K_OK)
		return rc;
	if (fr->vout)
		fr->vout[t] = o.v;
	if (t < fr->burn || isnan(fr->y[t])) {
		if (fr->llobs)
			fr->llobs[t] = 0;
	} else if (fr->llobs) {
		ll->sum += o.loglike;
		fr->llobs[t] = o.loglike;
	} else {
		ll->cnt++;
		ll->quad += o.v * o.v / o.F;
		if (o.F > 1e-100 && o.F < 1e100) {
			ll->prod *= o.F;
			if (ll->prod > 1e150 || ll->prod < 1e-150) {
				ll->logs += log(ll->prod);
				ll->prod = 1;
			}
		} else {
			ll->logs += log(o.F);
		}
	}
	return K_OK;
}

/* From step t, P steady and cached, up to the next missing y: the terms
 * added to *sum. Returns the next step; *stop set when P has been steady
 * for m steps at a step >= stop_from. */
static size_t
steady_run(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
           const struct filter_run *fr, size_t t, double *sum, int *stop)
{
	const int m = ss->m;
	const double *y = fr->y, *x = fr->x;
	const double beta = fr->beta;
	const size_t n = fr->n, burn = fr->burn, stop_from = fr->stop_from;
	double *llobs = fr->llobs, *vout = fr->vout;
	double acc = *sum;
	/* L = T - (T pz / F) Z, g = T pz / F. */
	double L[K_KALMAN_MAX * K_KALMAN_MAX], g[K_KALMAN_MAX];
	double a[K_KALMAN_MAX], an[K_KALMAN_MAX];
	double F = st->F, c0 = -0.5 * (LOG_2PI + st->logF), hinv = 0.5 / F;
	int nz[K_KALMAN_MAX], nnz = 0;
	for (int i = 0; i < m; i++) {
		double s = 0;
		for (int k = 0; k < m; k++)
			s += ss->T[i * m + k] * st->pz[k];
		g[i] = s / F;
	}
	for (int i = 0; i < m; i++)
		for (int j = 0; j < m; j++)
			L[i * m + j] = ss->T[i * m + j] - g[i] * ss->Z[j];
	for (int j = 0; j < m; j++)
		if (ss->Z[j] != 0)
			nz[nnz++] = j;
	/* Two buffers swapped by pointer: a copy loop here would be
	 * turned into a memcpy call per step. */
	double *cur = a, *nxt = an;
	size_t run = 0;
	int done = 0;
	memcpy(cur, st->a, (size_t)m * sizeof *cur);
	for (; t < n && !isnan(y[t]) && !done; t++) {
		double e = y[t] - (x ? beta * x[t] : 0), za = 0;
		for (int k = 0; k < nnz; k++)
			za += ss->Z[nz[k]] * cur[nz[k]];
		double v = e - za;
		for (int i = 0; i < m; i++) {
			double s = g[i] * e;
			const double *l = L + i * m;
			for (int k = 0; k < m; k++)
				s += l[k] * cur[k];
			nxt[i] = s;
		}
		double *sw = cur;
		cur = nxt;
		nxt = sw;
		double l = t >= burn ? c0 - v * v * hinv : 0;
		acc += l;
		if (llobs)
			llobs[t] = l;
		if (vout)
			vout[t] = v;
		done = ++run >= (size_t)m && t + 1 >= stop_from;
	}
	memcpy(st->a, cur, (size_t)m * sizeof *cur);
	*sum = acc;
	*stop = done;
	return t;
}

enum k_status
k_kalman_filter_until(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
                      const double *y, const double *x, double beta, size_t n,
                      double steady_tol, size_t burn, size_t stop_from,
                      size_t *stopped, double *llsum, double *llobs,
                      double *vout, struct k_error *err)
{
	const struct filter_run fr = {
		.y = y, .x = x, .beta = beta, .steady_tol = steady_tol, .n = n,
		.burn = burn, .stop_from = stop_from, .llobs = llobs, .vout = vout,
	};
	struct llsum ll = { .sum = 0, .prod = 1, .logs = 0, .quad = 0,
	                    .cnt = 0 };
	struct sparse sp;
	size_t t = 0;
	int stop = 0;

	sparse_init(ss, &sp);
	while (t < n && !stop) {
		if (!(st->steady && st->cached) || isnan(y[t])) {
			enum k_status rc = until_step(ss, &sp, st, &fr, t, &ll, err);
			if (rc != K_OK)
				return rc;
			t++;
		} else {
			t = steady_run(ss, st, &fr, t, &ll.sum, &stop);
		}
	}
	*stopped = t;
	ll.logs += log(ll.prod);
	*llsum = ll.sum - 0.5 * ((double)ll.cnt * LOG_2PI + ll.logs + ll.quad);
	return K_OK;
}

/* ---------------------------------------------------------------------
 * The filter with derivatives (forward mode). For parameter i, with
 * kv = pz / F and L = T (I - kv Z):
 *   dpz = dP Z', dF = Z dpz, dv = -dbeta x_t - Z da,
 *   daf = da + dpz v/F + pz (dv - v/F dF)/F,   da' = T daf + dT af,
 *   dPf = dP - dpz kv' - kv dpz' + kv kv' dF,
 *   dP' = T dPf T' + dT (T Pf)' + (T Pf) dT' + dRQR,
 *   dl  = -(dF/F + 2 v/F dv - (v/F)^2 dF) / 2.
 */

/* The nonzeros of every dT, pooled; a parameter whose dT does not fit
 * the pool is scanned densely (count -1). */
struct dsparse {
	int start[K_KALMAN_GRAD_POOL_PAR], cnt[K_KALMAN_GRAD_POOL_PAR];
	int row[K_KALMAN_GRAD_POOL], col[K_KALMAN_GRAD_POOL];
	double val[K_KALMAN_GRAD_POOL];
};

static void
dsparse_init(int m, int k, const double *dT, struct dsparse *ds)
{
	int used = 0, mm = m * m;

	for (int i = 0; i < k; i++) {
		const double *d = dT + (size_t)i * mm;
		int c = 0;
		for (int e = 0; e < mm; e++)
			c += d[e] != 0;
		ds->start[i] = used;
		if (used + c > K_KALMAN_GRAD_POOL) {
			ds->cnt[i] = -1;
			continue;
		}
		for (int e = 0; e < mm; e++)
			if (d[e] != 0) {
				ds->row[used] = e / m;
				ds->col[used] = e % m;
				ds->val[used] = d[e];
				used++;
			}
		ds->cnt[i] = c;
	}
}

/* out += dT_i u (u m-sized). */
static void
dT_times(const struct dsparse *ds, int i, int m, const double *dTi,
         const double *u, double *out)
{
	if (ds->cnt[i] < 0) {
		for (int r = 0; r < m; r++)
			for (int c = 0; c < m; c++)
				out[r] += dTi[r * m + c] * u[c];
		return;
	}
	for (int e = ds->start[i]; e < ds->start[i] + ds->cnt[i]; e++)
		out[ds->row[e]] += ds->val[e] * u[ds->col[e]];
}

/* D += dT_i W' + W dT_i' (D m x m symmetric, W m x m). */
static void
dT_sym(const struct dsparse *ds, int i, int m, const double *dTi,
       const double *W, double *D)
{
	if (ds->cnt[i] < 0) {
		for (int r = 0; r < m; r++)
			for (int c = 0; c < m; c++) {
				double t = dTi[r * m + c];
				if (t == 0)
					continue;
				for (int j = 0; j < m; j++) {
					D[r * m + j] += t * W[j * m + c];
					D[j * m + r] += t * W[j * m + c];
				}
			}
		return;
	}
	for (int e = ds->start[i]; e < ds->start[i] + ds->cnt[i]; e++) {
		int r = ds->row[e], c = ds->col[e];
		double t = ds->val[e];
		for (int j = 0; j < m; j++) {
			D[r * m + j] += t * W[j * m + c];
			D[j * m + r] += t * W[j * m + c];
		}
	}
}

/* out = T A T' + Q (Q NULL: 0) for symmetric A; out may be A. */
static void
sandwich(const struct sparse *sp, int m, const double *A, const double *Q,
         double *out)
{
	double W[K_KALMAN_MAX * K_KALMAN_MAX];

	/* W = T A, each entry summed in a register (see predict_cov_w) */
	for (int i = 0; i < m; i++) {
		double *w = W + i * m;
		const int cnt = sp->cnt[i];
		const int *col = sp->col[i];
		const double *val = sp->val[i];
		for (int j = 0; j < m; j++) {
			double s = 0;
			for (int c = 0; c < cnt; c++)
				s += val[c] * A[col[c] * m + j];
			w[j] = s;
		}
	}
	for (int i = 0; i < m; i++) {
		const double *w = W + i * m;
		for (int j = i; j < m; j++) {
			double s = Q ? Q[i * m + j] : 0;
			for (int c = 0; c < sp->cnt[j]; c++)
				s += w[sp->col[j][c]] * sp->val[j][c];
			out[i * m + j] = s;
			out[j * m + i] = s;
		}
	}
}

static int
any_nonzero(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] != 0)
			return 1;
	return 0;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
/* k_kalman_filter_grad on its way: the system's sparsity, which
 * derivatives can be nonzero, and what is held while P is steady. */
struct fgrad {
	const struct k_kalman_ssm *ss;
	struct k_kalman_grad *g;
	int m, k;
	size_t mm;
	struct sparse sp;
	struct dsparse ds;
	/* Per parameter: dP can be nonzero; dT, dRQR nonzero. */
	int cov[K_KALMAN_MAX_GRAD], hasT[K_KALMAN_MAX_GRAD];
	int hasQ[K_KALMAN_MAX_GRAD];
	/* While steady: P Z' and F, and their derivatives, held. */
	double cpz[K_KALMAN_MAX_GRAD][K_KALMAN_MAX], cdF[K_KALMAN_MAX_GRAD];
	double lastdF[K_KALMAN_MAX_GRAD];
	int nz[K_KALMAN_MAX], nnz;   /* Z's nonzeros */
	double W[K_KALMAN_MAX * K_KALMAN_MAX];  /* T Pf of the last
	                                           covariance prediction */
	double sum;                  /* the log-likelihood so far */
};

/* One observed step's quantities, as the parameters' derivatives need
 * them. */
struct fgrad_obs {
	double F, vf, xt;            /* F, v / F, the regressor */
	double pz[K_KALMAN_MAX], kv[K_KALMAN_MAX], af[K_KALMAN_MAX];
	int held;                    /* pz, F and their derivatives held */
	int steady;                  /* P steady (the derivatives are kept) */
	int update_P;                /* P moves on at this step */
	int counted;                 /* past the burn */
};

static void
fgrad_init(struct fgrad *w, const struct k_kalman_ssm *ss,
           struct k_kalman_grad *g)
{
	w->ss = ss;
	w->g = g;
	w->m = ss->m;
	w->k = g->k;
	w->mm = (size_t)w->m * w->m;
	w->nnz = 0;
	w->sum = 0;
	sparse_init(ss, &w->sp);
	dsparse_init(w->m, w->k, g->dT, &w->ds);
	for (int j = 0; j < w->m; j++)
		if (ss->Z[j] != 0)
			w->nz[w->nnz++] = j;
	for (int i = 0; i < w->k; i++) {
		w->hasT[i] = any_nonzero(g->dT + i * w->mm, w->mm);
		w->hasQ[i] = any_nonzero(g->dRQR + i * w->mm, w->mm);
		w->cov[i] = w->hasT[i] || w->hasQ[i] ||
		            any_nonzero(g->dP + i * w->mm, w->mm);
		g->dll[i] = 0;
		w->lastdF[i] = 0;
	}
}

/* P <- T Pf T' + RQR and each dP likewise (dP <- T dPf T' + dT (T Pf)'
 * + (T Pf) dT' + dRQR); returns predict_cov_w's relative change. */
static double
fgrad_predict_cov(struct fgrad *w, const double *Pf, double *P)
{
	const int m = w->m;
	const size_t mm = w->mm;
	struct k_kalman_grad *g = w->g;
	double ch = predict_cov_w(w->ss, &w->sp, Pf, P, w->W);

	for (int i = 0; i < w->k; i++) {
		if (!w->cov[i])
			continue;
		double *dP = g->dP + i * mm;
		sandwich(&w->sp, m, dP, w->hasQ[i] ? g->dRQR + i * mm : NULL, dP);
		if (w->hasT[i])
			dT_sym(&w->ds, i, m, g->dT + i * mm, w->W, dP);
	}
	return ch;
}

/* A missing value: prediction only, derivatives alike. */
static void
fgrad_missing(struct fgrad *w, struct k_kalman_state *st)
{
	const int m = w->m;
	const size_t mm = w->mm;
	struct k_kalman_grad *g = w->g;
	double af[K_KALMAN_MAX], tmp[K_KALMAN_MAX];
	double Pf[K_KALMAN_MAX * K_KALMAN_MAX];

	predict_mean(&w->sp, m, st->a, af);
	for (int i = 0; i < w->k; i++) {
		double *da = g->da + i * (size_t)m;
		predict_mean(&w->sp, m, da, tmp);
		if (w->hasT[i])
			dT_times(&w->ds, i, m, g->dT + i * mm, st->a, tmp);
		memcpy(da, tmp, (size_t)m * sizeof *tmp);
	}
	memcpy(st->a, af, (size_t)m * sizeof *af);
	memcpy(Pf, st->P, mm * sizeof *Pf);
	fgrad_predict_cov(w, Pf, st->P);
}

/* Parameter i through an observed step o: the derivatives of pz and F
 * (held while steady), of v (into *dvp), of the log-likelihood and of
 * the predicted mean, and dP <- dPf when P moves on. */
static void
fgrad_param(struct fgrad *w, const struct fgrad_obs *o, int i, double *dvp)
{
	const int m = w->m, nnz = w->nnz;
	const int *nz = w->nz;
	const double *Z = w->ss->Z, *pz = o->pz, *kv = o->kv;
	const double F = o->F, vf = o->vf;
	struct k_kalman_grad *g = w->g;
	double *da = g->da + i * (size_t)m;
	double *dP = g->dP + i * w->mm;
	double dpz[K_KALMAN_MAX], daf[K_KALMAN_MAX];
	double dF = 0;

	if (o->held) {
		memcpy(dpz, w->cpz[i], (size_t)m * sizeof *dpz);
		dF = w->cdF[i];
	} else if (w->cov[i]) {
		for (int r = 0; r < m; r++) {
			double s = 0;
			for (int j = 0; j < nnz; j++)
				s += dP[r * m + nz[j]] * Z[nz[j]];
			dpz[r] = s;
		}
		for (int j = 0; j < nnz; j++)
			dF += Z[nz[j]] * dpz[nz[j]];
		if (o->steady) {
			memcpy(w->cpz[i], dpz, (size_t)m * sizeof *dpz);
			w->cdF[i] = dF;
		}
	} else {
		memset(dpz, 0, (size_t)m * sizeof *dpz);
		if (o->steady) {
			memset(w->cpz[i], 0, (size_t)m * sizeof *dpz);
			w->cdF[i] = 0;
		}
	}
	double dza = 0;
	for (int j = 0; j < nnz; j++)
		dza += Z[nz[j]] * da[nz[j]];
	double dv = -g->dbeta[i] * o->xt - dza;
	double c2 = (dv - vf * dF) / F;
	for (int r = 0; r < m; r++)
		daf[r] = da[r] + dpz[r] * vf + pz[r] * c2;
	predict_mean(&w->sp, m, daf, da);
	if (w->hasT[i])
		dT_times(&w->ds, i, m, g->dT + i * w->mm, o->af, da);
	if (o->counted)
		g->dll[i] += -0.5 * (dF / F + 2 * vf * dv - vf * vf * dF);
	*dvp = dv;
	w->lastdF[i] = dF;
	if (o->update_P && w->cov[i])
		/* dP <- dPf, in place (upper triangle read first) */
		for (int r = 0; r < m; r++)
			for (int c = r; c < m; c++) {
				double e = dP[r * m + c] - dpz[r] * kv[c] -
				           kv[r] * dpz[c] + kv[r] * kv[c] * dF;
				dP[r * m + c] = e;
				dP[c * m + r] = e;
			}
}

/* An observed value y (minus the intercept d, regressor xt): the step
 * and every parameter's derivatives through it; v into *vt, dv_t into
 * dvt (either may be NULL). */
static enum k_status
fgrad_observed(struct fgrad *w, struct k_kalman_state *st, double y,
               double xt, double d, int counted, double steady_tol,
               double *vt, double *dvt, struct k_error *err)
{
	const int m = w->m;
	const struct k_kalman_ssm *ss = w->ss;
	struct fgrad_obs o;
	double Pf[K_KALMAN_MAX * K_KALMAN_MAX];
	double F, logF, za = 0;

	o.held = st->steady && st->cached;
	for (int j = 0; j < w->nnz; j++)
		za += ss->Z[w->nz[j]] * st->a[w->nz[j]];
	enum k_status rc = gain_terms(ss, st, 1, o.pz, &F, &logF, err);
	if (rc != K_OK)
		return rc;
	double v = y - d - za, vf = v / F;
	for (int i = 0; i < m; i++) {
		o.af[i] = st->a[i] + o.pz[i] * vf;
		o.kv[i] = o.pz[i] / F;
	}
	if (counted)
		w->sum += -0.5 * (LOG_2PI + logF + v * vf);
	if (vt)
		*vt = v;
	o.update_P = !st->steady;
	if (o.update_P) {
		for (int i = 0; i < m; i++)
			for (int j = i; j < m; j++) {
				double v2 = st->P[i * m + j] - o.kv[i] * o.pz[j];
				Pf[i * m + j] = v2;
				Pf[j * m + i] = v2;
			}
	}
	o.F = F;
	o.vf = vf;
	o.xt = xt;
	o.steady = st->steady;
	o.counted = counted;
	for (int i = 0; i < w->k; i++) {
		double dv;
		fgrad_param(w, &o, i, &dv);
		if (dvt)
			dvt[i] = dv;
	}
	predict_mean(&w->sp, m, o.af, st->a);
	if (o.update_P) {
		double ch = fgrad_predict_cov(w, Pf, st->P);
		if (steady_tol > 0 && ch <= steady_tol) {
			st->steady = 1;
			st->cached = 0;
		}
	}
	return K_OK;
}

enum k_status
k_kalman_filter_grad(const struct k_kalman_ssm *ss, struct k_kalman_state *st,
                     const double *y, const double *x, double beta, size_t n,
                     double steady_tol, size_t burn, size_t stop_from,
                     size_t *stopped, double *llsum, double *vout,
                     struct k_kalman_grad *g, struct k_error *err)
{
	const int m = ss->m, k = g->k;
	struct fgrad w;
	size_t t = 0, run = 0;

	if (k < 1 || k > K_KALMAN_MAX_GRAD)
		return k_error_set(err, K_EUSAGE,
		                   "kalman: %d parameters, expected 1..%d", k,
		                   K_KALMAN_MAX_GRAD);
	fgrad_init(&w, ss, g);
	for (; t < n; t++) {
		const double xt = x ? x[t] : 0, d = beta * xt;
		double *dvt = g->dv ? g->dv + t * (size_t)k : NULL;

		if (isnan(y[t])) {
			fgrad_missing(&w, st);
			st->steady = 0;
			st->cached = 0;
			run = 0;
			if (vout)
				vout[t] = NAN;
			if (dvt)
				for (int i = 0; i < k; i++)
					dvt[i] = 0;
			continue;
		}
		int held = st->steady && st->cached;
		enum k_status rc = fgrad_observed(&w, st, y[t], xt, d, t >= burn,
		                                  steady_tol, vout ? vout + t : NULL,
		                                  dvt, err);
		if (rc != K_OK)
			return rc;
		if (held) {
			if (++run >= (size_t)m && t + 1 >= stop_from) {
				t++;
				break;
			}
		} else {
			run = 0;
		}
	}
	*stopped = t;
	*llsum = w.sum;
	if (g->dF)
		for (int i = 0; i < k; i++)
			g->dF[i] = w.lastdF[i];
	return K_OK;
}

#pragma GCC diagnostic pop

/* ---------------------------------------------------------------------
 * The filter in reverse mode. A step with observation y_t, P not yet
 * steady, computes
 *   pz = P Z', F = Z pz + H, v = y_t - beta x_t - Z a,
 *   af = a + pz v / F,            a' = T af,
 *   Pf = P - pz pz' / F,          P' = T Pf T' + RQR,
 *   l  = -(log 2 pi + log F + v^2 / F) / 2   (t >= burn);
 * a steady one the same with P' = P; a missing one a' = T a and
 * P' = T P T' + RQR. Going backwards with the adjoints abar of a' and
 * Pbar of P' (symmetric: dJ = sum_ij Pbar_ij dP_ij), the transposed
 * chain rule gives, for an observed step,
 *   Tbar  += abar af' + 2 Pbar T Pf,  RQRbar += Pbar,
 *   Pfbar  = T' Pbar T,               afbar   = T' abar,
 *   pzbar  = -2 Pfbar pz / F + afbar v / F,
 *   vbar   = pz'afbar / F - v / F,
 *   Fbar   = pz'Pfbar pz / F^2 - pz'afbar v / F^2 - (1/F - v^2/F^2) / 2,
 * (the terms of l only when t >= burn; without Pfbar when steady, where
 * Pbar passes through unchanged) and then the adjoints before the step:
 *   abar = afbar - Z' vbar,  betabar -= x_t vbar,
 *   Pbar = Pfbar + sym((pzbar + Z' Fbar) Z).
 * Each step costs two sparse products T' X T and T' u and a few m x m
 * passes, whatever the number of parameters the system depends on. Only
 * the wanted entries of Tbar are formed: each needs one column of T Pf,
 * which the forward pass keeps.
 */

enum { TAPE_MISSING, TAPE_UPDATE, TAPE_HELD };

/* Record: kind, v, F, af (m), pz (m), the kept columns of T Pf (m each). */
static size_t
tape_stride(int m, int ncol)
{
	return 3 + 2 * (size_t)m + (size_t)ncol * (size_t)m;
}

size_t
k_kalman_tape_size(int m, int ntpos, size_t n)
{
	int nc = ntpos < m ? ntpos : m;

	if (m < 1 || nc < 0)
		return 0;
	return n * tape_stride(m, nc);
}

enum k_status
k_kalman_tape_init(struct k_kalman_tape *tp, int m, int ntpos,
                   const int *tpos, double *buf, size_t cap,
                   struct k_error *err)
{
	if (m < 1 || m > K_KALMAN_MAX)
		return k_error_set(err, K_EUSAGE,
		                   "kalman: state dimension %d out of range 1..%d", m,
		                   K_KALMAN_MAX);
	if (ntpos < 0 || ntpos > K_KALMAN_MAX_GRAD)
		return k_error_set(err, K_EUSAGE,
		                   "kalman: %d entries of T, expected 0..%d", ntpos,
		                   K_KALMAN_MAX_GRAD);
	memset(tp, 0, sizeof *tp);
	tp->m = m;
	tp->ntpos = ntpos;
	for (int i = 0; i < ntpos; i++) {
		int pos = tpos[i], c, j;
		if (pos < 0 || pos >= m * m)
			return k_error_set(err, K_EUSAGE,
			                   "kalman: entry %d of T out of range", pos);
		c = pos % m;
		for (j = 0; j < tp->ncol && tp->col[j] != c; j++)
			;
		if (j == tp->ncol)
			tp->col[tp->ncol++] = c;
		tp->tpos[i] = pos;
		tp->tcol[i] = j;
	}
	tp->cap = cap;
	tp->last_obs = SIZE_MAX;
	tp->rec = buf;
	return K_OK;
}

/* Keep the tape's columns of W (m x m) in w. */
static void
keep_cols(const struct k_kalman_tape *tp, const double *W, double *w)
{
	int m = tp->m;

	for (int k = 0; k < tp->ncol; k++)
		for (int j = 0; j < m; j++)
			w[k * m + j] = W[j * m + tp->col[k]];
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
/* A missing observation: prediction only, recorded in r. */
static void
record_missing(const struct k_kalman_ssm *ss, const struct sparse *sp,
               const struct k_kalman_tape *tp, struct k_kalman_state *st,
               double *r)
{
	const int m = ss->m;
	const size_t mm = (size_t)m * m;
	double *raf = r + 3, *rpz = raf + m, *rw = rpz + m;
	double af[K_KALMAN_MAX];
	double Pf[K_KALMAN_MAX * K_KALMAN_MAX], W[K_KALMAN_MAX * K_KALMAN_MAX];

	r[0] = TAPE_MISSING;
	r[1] = r[2] = 0;
	memcpy(raf, st->a, (size_t)m * sizeof *raf);
	predict_mean(sp, m, st->a, af);
	memcpy(st->a, af, (size_t)m * sizeof *af);
	memcpy(Pf, st->P, mm * sizeof *Pf);
	predict_cov_w(ss, sp, Pf, st->P, W);
	keep_cols(tp, W, rw);
	st->steady = 0;
	st->cached = 0;
}

/* An observation y with intercept d: the update and the prediction, as
 * k_kalman_filter_grad computes them, in its order, recorded in r; the
 * forecast error in *v and its log-likelihood term in *ll. Z's nonzeros
 * are nz[0..nnz). */
static enum k_status
record_observed(const struct k_kalman_ssm *ss, const struct sparse *sp,
                const int *nz, int nnz, const struct k_kalman_tape *tp,
                struct k_kalman_state *st, double y, double d,
                double steady_tol, double *r, double *v, double *ll,
                struct k_error *err)
{
	const int m = ss->m;
	double *raf = r + 3, *rpz = raf + m, *rw = rpz + m;
	double pz[K_KALMAN_MAX], kv[K_KALMAN_MAX], af[K_KALMAN_MAX];
	double Pf[K_KALMAN_MAX * K_KALMAN_MAX], W[K_KALMAN_MAX * K_KALMAN_MAX];
	double F, logF, za = 0;

	for (int j = 0; j < nnz; j++)
		za += ss->Z[nz[j]] * st->a[nz[j]];
	enum k_status rc = gain_terms(ss, st, 1, pz, &F, &logF, err);
	if (rc != K_OK)
		return rc;
	double vf;
	*v = y - d - za;
	vf = *v / F;
	for (int i = 0; i < m; i++) {
		af[i] = st->a[i] + pz[i] * vf;
		kv[i] = pz[i] / F;
	}
	*ll = -0.5 * (LOG_2PI + logF + *v * vf);
	int update_P = !st->steady;
	r[0] = update_P ? TAPE_UPDATE : TAPE_HELD;
	r[1] = *v;
	r[2] = F;
	memcpy(raf, af, (size_t)m * sizeof *af);
	memcpy(rpz, pz, (size_t)m * sizeof *pz);
	predict_mean(sp, m, af, st->a);
	if (update_P) {
		for (int i = 0; i < m; i++)
			for (int j = i; j < m; j++) {
				double v2 = st->P[i * m + j] - kv[i] * pz[j];
				Pf[i * m + j] = v2;
				Pf[j * m + i] = v2;
			}
		double ch = predict_cov_w(ss, sp, Pf, st->P, W);
		keep_cols(tp, W, rw);
		if (steady_tol > 0 && ch <= steady_tol) {
			st->steady = 1;
			st->cached = 0;
		}
	}
	return K_OK;
}

enum k_status
k_kalman_filter_record(const struct k_kalman_ssm *ss,
                       struct k_kalman_state *st, const double *y,
                       const double *x, double beta, size_t n,
                       double steady_tol, size_t burn, size_t stop_from,
                       size_t *stopped, double *llsum, double *vout,
                       struct k_kalman_tape *tp, struct k_error *err)
{
	const int m = ss->m;
	struct sparse sp;
	int nz[K_KALMAN_MAX], nnz = 0;
	double sum = 0;
	size_t t = 0, run = 0, stride;

	if (tp->m != m || tp->cap < n)
		return k_error_set(err, K_EUSAGE,
		                   "kalman: the tape is not for %d states and %zu "
		                   "steps", m, n);
	stride = tape_stride(m, tp->ncol);
	sparse_init(ss, &sp);
	for (int j = 0; j < m; j++)
		if (ss->Z[j] != 0)
			nz[nnz++] = j;
	tp->len = 0;
	tp->burn = burn;
	tp->last_obs = SIZE_MAX;
	for (; t < n; t++) {
		double *r = tp->rec + t * stride;

		if (isnan(y[t])) {
			record_missing(ss, &sp, tp, st, r);
			run = 0;
			if (vout)
				vout[t] = NAN;
			continue;
		}
		int held = st->steady && st->cached;
		double v, ll;
		enum k_status rc = record_observed(ss, &sp, nz, nnz, tp, st, y[t],
		                                   x ? beta * x[t] : 0, steady_tol,
		                                   r, &v, &ll, err);
		if (rc != K_OK) {
			tp->len = t;
			return rc;
		}
		if (t >= burn)
			sum += ll;
		if (vout)
			vout[t] = v;
		tp->last_obs = t;
		if (held) {
			if (++run >= (size_t)m && t + 1 >= stop_from) {
				t++;
				break;
			}
		} else {
			run = 0;
		}
	}
	tp->len = t;
	*stopped = t;
	*llsum = sum;
	return K_OK;
}
#pragma GCC diagnostic pop


/* The backward pass on its way: T' by rows, where the wanted entries of
 * T are, and Z's nonzeros. */
struct adj_pass {
	const struct k_kalman_ssm *ss;
	const struct k_kalman_tape *tp;
	int m, ntpos;
	size_t mm;
	struct sparse spt;                   /* T' */
	int trow[K_KALMAN_MAX_GRAD], tc[K_KALMAN_MAX_GRAD];
	int nz[K_KALMAN_MAX], nnz;
};

/* Back through a step's prediction, a' = T af (af = a when missing) and
 * P' = T Pf T' + RQR unless held: Tbar and RQRbar gain its terms,
 * adj->Pbar becomes Pfbar, and afbar = T' abar. w holds the kept
 * columns of T Pf. */
static void
adj_predict(const struct adj_pass *p, struct k_kalman_adjoint *adj, int kind,
            const double *af, const double *w, double *afbar)
{
	const int m = p->m;
	double *abar = adj->abar, *Pbar = adj->Pbar, *Tbar = adj->Tbar;

	if (kind != TAPE_HELD) {
		for (int e = 0; e < p->ntpos; e++) {
			const double *pb = Pbar + p->trow[e] * m;
			const double *wc = w + p->tp->tcol[e] * m;
			double s = 0;
			for (int j = 0; j < m; j++)
				s += pb[j] * wc[j];
			Tbar[e] += 2 * s + abar[p->trow[e]] * af[p->tc[e]];
		}
		for (size_t i = 0; i < p->mm; i++)
			adj->RQRbar[i] += Pbar[i];
		sandwich(&p->spt, m, Pbar, NULL, Pbar);
	} else {
		for (int e = 0; e < p->ntpos; e++)
			Tbar[e] += abar[p->trow[e]] * af[p->tc[e]];
	}
	predict_mean(&p->spt, m, abar, afbar);
}

/* Back through the update of observed step t (its record r), from afbar
 * and Pfbar (in adj->Pbar) to abar and Pbar before it; *betabar gains
 * the step's term (x NULL: none). */
static void
adj_update(const struct adj_pass *p, struct k_kalman_adjoint *adj, size_t t,
           const double *r, const double *afbar, const double *x,
           size_t nvbar, double *betabar)
{
	const int m = p->m, kind = (int)r[0];
	const struct k_kalman_ssm *ss = p->ss;
	const struct k_kalman_tape *tp = p->tp;
	const double *pz = r + 3 + m;
	double *abar = adj->abar, *Pbar = adj->Pbar;
	double pzb[K_KALMAN_MAX], u[K_KALMAN_MAX];
	const double v = r[1], F = r[2], vf = v / F;
	double Fb = 0, c = 0, vb;

	if (kind == TAPE_UPDATE) {
		/* Pf = P - pz pz' / F: Pbar (now Pfbar) passes to P. */
		double q = 0;
		for (int i = 0; i < m; i++) {
			const double *pb = Pbar + i * m;
			double s = 0;
			for (int j = 0; j < m; j++)
				s += pb[j] * pz[j];
			u[i] = s;
			q += pz[i] * s;
		}
		for (int i = 0; i < m; i++)
			pzb[i] = -2 * u[i] / F;
		Fb = q / (F * F);
	} else {
		memset(pzb, 0, (size_t)m * sizeof *pzb);
	}
	/* af = a + pz v / F */
	for (int i = 0; i < m; i++) {
		c += pz[i] * afbar[i];
		pzb[i] += afbar[i] * vf;
	}
	vb = c / F;
	Fb -= c * vf / F;
	if (t >= tp->burn) {
		vb -= vf;
		Fb -= 0.5 * (1 / F - vf * vf);
	}
	if (t == tp->last_obs)
		Fb += adj->Fbar;
	if (t + nvbar >= tp->len)
		vb += adj->vbar[t + nvbar - tp->len];
	/* v = y - beta x - Z a */
	memcpy(abar, afbar, (size_t)m * sizeof *abar);
	for (int j = 0; j < p->nnz; j++)
		abar[p->nz[j]] -= ss->Z[p->nz[j]] * vb;
	if (x)
		*betabar -= x[t] * vb;
	/* pz = P Z', F = Z pz + H */
	for (int j = 0; j < p->nnz; j++)
		pzb[p->nz[j]] += ss->Z[p->nz[j]] * Fb;
	for (int i = 0; i < m; i++)
		for (int j = i; j < m; j++) {
			double e = Pbar[i * m + j] +
			           0.5 * (pzb[i] * ss->Z[j] + ss->Z[i] * pzb[j]);
			Pbar[i * m + j] = e;
			Pbar[j * m + i] = e;
		}
}

void
k_kalman_filter_adjoint(const struct k_kalman_ssm *ss,
                        const struct k_kalman_tape *tp, const double *x,
                        struct k_kalman_adjoint *adj)
{
	const int m = ss->m;
	const size_t stride = tape_stride(m, tp->ncol);
	const size_t nvbar = adj->vbar ? adj->nvbar : 0;
	struct adj_pass p;
	double afbar[K_KALMAN_MAX];
	double betabar = 0;

	p.ss = ss;
	p.tp = tp;
	p.m = m;
	p.ntpos = tp->ntpos;
	p.mm = (size_t)m * m;
	p.nnz = 0;
	sparse_of(ss, 1, &p.spt);
	for (int j = 0; j < m; j++)
		if (ss->Z[j] != 0)
			p.nz[p.nnz++] = j;
	for (int e = 0; e < p.ntpos; e++) {
		p.trow[e] = tp->tpos[e] / m;
		p.tc[e] = tp->tpos[e] % m;
		adj->Tbar[e] = 0;
	}
	memset(adj->abar, 0, (size_t)m * sizeof *adj->abar);
	memset(adj->Pbar, 0, p.mm * sizeof *adj->Pbar);
	memset(adj->RQRbar, 0, p.mm * sizeof *adj->RQRbar);
	for (size_t t = tp->len; t-- > 0;) {
		const double *r = tp->rec + t * stride;
		const double *af = r + 3, *w = af + 2 * m;
		const int kind = (int)r[0];

		adj_predict(&p, adj, kind, af, w, afbar);
		if (kind == TAPE_MISSING)
			memcpy(adj->abar, afbar, (size_t)m * sizeof *afbar);
		else
			adj_update(&p, adj, t, r, afbar, x, nvbar, &betabar);
	}
	adj->betabar = betabar;
}

void
k_kalman_forecast(const struct k_kalman_ssm *ss,
                  const struct k_kalman_state *st, size_t h, double *mean,
                  double *var)
{
	int m = ss->m;
	double a[K_KALMAN_MAX], an[K_KALMAN_MAX];
	double P[K_KALMAN_MAX * K_KALMAN_MAX], Pn[K_KALMAN_MAX * K_KALMAN_MAX];
	struct sparse sp;

	sparse_init(ss, &sp);
	memcpy(a, st->a, (size_t)m * sizeof *a);
	memcpy(P, st->P, (size_t)m * m * sizeof *P);
	for (size_t s = 0; s < h; s++) {
		double mu = 0, f = ss->H;
		for (int i = 0; i < m; i++) {
			mu += ss->Z[i] * a[i];
			if (ss->Z[i] == 0)
				continue;
			for (int j = 0; j < m; j++)
				f += ss->Z[i] * P[i * m + j] * ss->Z[j];
		}
		mean[s] = mu;
		var[s] = f;
		if (s + 1 == h)
			break;
		predict_mean(&sp, m, a, an);
		memcpy(a, an, (size_t)m * sizeof *a);
		memcpy(Pn, P, (size_t)m * m * sizeof *P);
		predict_cov(ss, &sp, Pn, P);
	}
}

size_t
k_kalman_lyap_work(int m)
{
	size_t n = (size_t)m * (size_t)(m + 1) / 2;
	return n * n + n;
}

/* Position of S_kl (k <= l) among the m(m+1)/2 unknowns, row by row. */
static size_t
vech(int m, int k, int l)
{
	if (k > l) {
		int t = k;
		k = l;
		l = t;
	}
	return (size_t)k * (size_t)(2 * m - k + 1) / 2 + (size_t)(l - k);
}

/* The vech system of S = A S A' + Q factorised in place by Gaussian
 * elimination with partial pivoting: the multipliers below the diagonal
 * of M, the pivot row of each column in piv. */
static enum k_status
lyap_factor(int m, const double *A, double *M, size_t *piv,
            struct k_error *err)
{
	size_t n = (size_t)m * (size_t)(m + 1) / 2;

	/* Row (i,j), i <= j: S_ij - sum_kl A_ik A_jl S_kl = Q_ij. */
	memset(M, 0, n * n * sizeof *M);
	for (int i = 0; i < m; i++) {
		for (int j = i; j < m; j++) {
			size_t r = vech(m, i, j);
			double *row = M + r * n;
			row[r] += 1;
			for (int k = 0; k < m; k++) {
				double aik = A[i * m + k];
				if (aik == 0)
					continue;
				for (int l = 0; l < m; l++) {
					double ajl = A[j * m + l];
					if (ajl != 0)
						row[vech(m, k, l)] -= aik * ajl;
				}
			}
		}
	}
	for (size_t c = 0; c < n; c++) {
		size_t p = c;
		double best = fabs(M[c * n + c]);
		for (size_t r = c + 1; r < n; r++)
			if (fabs(M[r * n + c]) > best) {
				best = fabs(M[r * n + c]);
				p = r;
			}
		if (!(best > 0) || !isfinite(best))
			return k_error_set(err, K_EDATA,
			                   "lyapunov equation is singular (a unit root?)");
		piv[c] = p;
		if (p != c)
			for (size_t k = c; k < n; k++) {
				double t = M[c * n + k];
				M[c * n + k] = M[p * n + k];
				M[p * n + k] = t;
			}
		double inv = 1 / M[c * n + c];
		for (size_t r = c + 1; r < n; r++) {
			double f = M[r * n + c] * inv;
			M[r * n + c] = f;
			if (f == 0)
				continue;
			for (size_t k = c + 1; k < n; k++)
				M[r * n + k] -= f * M[c * n + k];
		}
	}
	return K_OK;
}

/* Solve the factorised system for one Q into S, b (n) scratch. */
static enum k_status
lyap_solve(int m, const double *M, const size_t *piv, const double *Q,
           double *S, double *b, struct k_error *err)
{
	size_t n = (size_t)m * (size_t)(m + 1) / 2;

	for (int i = 0; i < m; i++)
		for (int j = i; j < m; j++)
			b[vech(m, i, j)] = Q[i * m + j];
	/* The row swaps and eliminations in the order they were made. */
	for (size_t c = 0; c < n; c++) {
		if (piv[c] != c) {
			double t = b[c];
			b[c] = b[piv[c]];
			b[piv[c]] = t;
		}
		for (size_t r = c + 1; r < n; r++) {
			double f = M[r * n + c];
			if (f != 0)
				b[r] -= f * b[c];
		}
	}
	for (size_t c = n; c-- > 0;) {
		double s = b[c];
		for (size_t k = c + 1; k < n; k++)
			s -= M[c * n + k] * b[k];
		b[c] = s / M[c * n + c];
	}
	for (int i = 0; i < m; i++)
		for (int j = i; j < m; j++) {
			double v = b[vech(m, i, j)];
			S[i * m + j] = v;
			S[j * m + i] = v;
		}
	for (size_t i = 0; i < (size_t)m * m; i++)
		if (!isfinite(S[i]))
			return k_error_set(err, K_EDATA,
			                   "lyapunov solution is not finite");
	return K_OK;
}

enum k_status
k_kalman_lyapunov_multi(int m, const double *A, int nq, const double *Q,
                        double *S, double *work, struct k_error *err)
{
	size_t piv[K_KALMAN_MAX * (K_KALMAN_MAX + 1) / 2];
	enum k_status rc;

	if (m < 1 || m > K_KALMAN_MAX)
		return k_error_set(err, K_EINTERNAL,
		                   "lyapunov: dimension %d out of range", m);
	size_t n = (size_t)m * (size_t)(m + 1) / 2, mm = (size_t)m * m;
	if ((rc = lyap_factor(m, A, work, piv, err)) != K_OK)
		return rc;
	for (int i = 0; i < nq; i++)
		if ((rc = lyap_solve(m, work, piv, Q + (size_t)i * mm,
		                     S + (size_t)i * mm, work + n * n, err)) != K_OK)
			return rc;
	return K_OK;
}

enum k_status
k_kalman_lyapunov(int m, const double *A, const double *Q, double *S,
                  double *work, struct k_error *err)
{
	return k_kalman_lyapunov_multi(m, A, 1, Q, S, work, err);
}
