/*
 * k_optim.c - BFGS on the inverse Hessian (Nocedal and Wright 2006,
 * algorithm 6.1) with the caller's gradient or finite differences, and
 * an Armijo backtracking line search. The update is skipped when the curvature
 * condition s'y > 0 fails, which keeps H positive definite without a
 * Wolfe search.
 */
#include "numeric/k_optim.h"

#include <math.h>
#include <string.h>

void
k_optim_params_default(struct k_optim_params *p)
{
	p->maxiter = 500;
	p->gtol = 1e-8;
	p->ftol = 1e-14;
	p->fd_step = 1e-5;
	p->fd_forward = 1e-3;
	p->max_backtrack = 40;
	p->max_step = 1;
}

const char *
k_optim_params_check(const struct k_optim_params *p)
{
	if (p->maxiter < 1)
		return "maxiter must be at least 1";
	if (!(p->gtol >= 0) || !isfinite(p->gtol))
		return "gtol must be a finite non-negative number";
	if (!(p->ftol >= 0) || !isfinite(p->ftol))
		return "ftol must be a finite non-negative number";
	if (!(p->fd_step > 0) || !(p->fd_step < 1))
		return "fd_step must be in (0, 1)";
	if (!(p->fd_forward >= 0) || isnan(p->fd_forward))
		return "fd_forward must not be negative";
	if (p->max_backtrack < 1)
		return "max_backtrack must be at least 1";
	if (!(p->max_step > 0) || !isfinite(p->max_step))
		return "max_step must be positive and finite";
	return NULL;
}

int
k_optim_gradient(k_optim_fn fn, void *ctx, int n, const double *x, double fx,
                 double fd_step, int forward, double *g)
{
	double xx[K_OPTIM_MAX];
	int evals = 0, bad = 0;

	memcpy(xx, x, (size_t)n * sizeof *xx);
	for (int i = 0; i < n; i++) {
		double h = fd_step * (fabs(x[i]) > 0.1 ? fabs(x[i]) : 0.1);
		if (forward) {
			xx[i] = x[i] + h;
			double fp = fn(xx, ctx);
			if (!isfinite(fp)) {
				xx[i] = x[i] - h;
				fp = fn(xx, ctx);
				evals++;
				g[i] = isfinite(fp) ? (fx - fp) / h : NAN;
				bad = 1;
			} else {
				g[i] = (fp - fx) / h;
			}
			xx[i] = x[i];
			evals++;
			continue;
		}
		xx[i] = x[i] + h;
		double fp = fn(xx, ctx);
		xx[i] = x[i] - h;
		double fm = fn(xx, ctx);
		xx[i] = x[i];
		evals += 2;
		if (isfinite(fp) && isfinite(fm)) {
			g[i] = (fp - fm) / (2 * h);
		} else {
			bad = 1;
			if (isfinite(fp))
				g[i] = (fp - fx) / h;
			else if (isfinite(fm))
				g[i] = (fx - fm) / h;
			else
				g[i] = NAN;
		}
	}
	return bad ? -1 : evals;
}

static double
gmax(const struct k_optim *o)
{
	double m = 0;
	for (int i = 0; i < o->n; i++)
		if (fabs(o->g[i]) > m)
			m = fabs(o->g[i]);
	return m;
}

static void
set_identity(struct k_optim *o, double scale)
{
	int n = o->n;
	memset(o->H, 0, (size_t)n * n * sizeof *o->H);
	for (int i = 0; i < n; i++)
		o->H[i * n + i] = scale;
	o->h_identity = 1;
}

static int
grad(struct k_optim *o, const double *x, double fx, double *g, int central)
{
	if (o->fdf) {
		o->g_forward = 0;
		o->ngev++;
		if (!isfinite(o->fdf(x, g, o->ctx)))
			return -1;
		for (int i = 0; i < o->n; i++)
			if (!isfinite(g[i]))
				return -1;
		return 1;
	}
	int fwd = !central && o->par.fd_forward > 0 &&
	          !(gmax(o) <= o->par.fd_forward);
	int r = k_optim_gradient(o->fn, o->ctx, o->n, x, fx, o->par.fd_step,
	                         fwd, g);
	o->nfev += fwd ? o->n : 2 * o->n;
	o->g_forward = fwd;
	for (int i = 0; i < o->n; i++)
		if (!isfinite(g[i]))
			return -1;
	return r < 0 ? 0 : 1;
}

enum k_status
k_optim_init(struct k_optim *o, int n, const double *x0, k_optim_fn fn,
             void *ctx, const struct k_optim_params *p, struct k_error *err)
{
	return k_optim_init_fdf(o, n, x0, fn, NULL, ctx, p, err);
}

enum k_status
k_optim_init_fdf(struct k_optim *o, int n, const double *x0, k_optim_fn fn,
                 k_optim_fdf fdf, void *ctx, const struct k_optim_params *p,
                 struct k_error *err)
{
	const char *msg;

	memset(o, 0, sizeof *o);
	if (n < 1 || n > K_OPTIM_MAX)
		return k_error_set(err, K_EUSAGE,
		                   "optimiser: %d parameters, expected 1..%d", n,
		                   K_OPTIM_MAX);
	if ((msg = k_optim_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "optimiser: %s", msg);
	o->n = n;
	o->fn = fn;
	o->fdf = fdf;
	o->ctx = ctx;
	o->par = *p;
	memcpy(o->x, x0, (size_t)n * sizeof *x0);
	o->f = fn(o->x, ctx);
	o->nfev = 1;
	if (!isfinite(o->f))
		return k_error_set(err, K_EDATA,
		                   "the objective is not finite at the starting point");
	o->g[0] = INFINITY;   /* no gradient yet: the cheap kind first */
	if (grad(o, o->x, o->f, o->g, 0) < 0)
		return k_error_set(err, K_EDATA,
		                   "the gradient is not finite at the starting point");
	set_identity(o, 1);
	o->state = gmax(o) <= p->gtol ? K_OPTIM_GTOL : K_OPTIM_RUNNING;
	return K_OK;
}

/* The search direction d = -H g, its slope g'd and its largest entry
 * in *dmax. */
static double
direction(const struct k_optim *o, double *d, double *dmax)
{
	int n = o->n;
	double slope = 0;

	*dmax = 0;
	for (int i = 0; i < n; i++) {
		double t = 0;
		for (int j = 0; j < n; j++)
			t -= o->H[i * n + j] * o->g[j];
		d[i] = t;
		slope += t * o->g[i];
		if (fabs(t) > *dmax)
			*dmax = fabs(t);
	}
	return slope;
}

/* Armijo backtracking from x along d (slope g'd < 0, largest entry
 * dmax): 1 with the point xn taken and its value *fnew, else 0. With
 * fdf the full step comes with its gradient: *have_g then says gn holds
 * it, finite. */
static int
line_search(struct k_optim *o, const double *d, double slope, double dmax,
            double *xn, double *gn, double *fnew, int *have_g)
{
	int n = o->n;
	double alpha = 1;
	if (o->h_identity && dmax > o->par.max_step)
		alpha = o->par.max_step / dmax;

	double fn_ = NAN;
	int ok = 0;
	*have_g = 0;
	for (int b = 0; b < o->par.max_backtrack; b++) {
		for (int i = 0; i < n; i++)
			xn[i] = o->x[i] + alpha * d[i];
		if (o->fdf && b == 0) {
			/* The full step is usually taken: its gradient with it,
			 * at little more than the value's cost. */
			fn_ = o->fdf(xn, gn, o->ctx);
			o->ngev++;
			*have_g = 1;
		} else {
			fn_ = o->fn(xn, o->ctx);
			o->nfev++;
			*have_g = 0;
		}
		if (isfinite(fn_) && fn_ <= o->f + 1e-4 * alpha * slope) {
			ok = 1;
			break;
		}
		alpha *= 0.5;
	}
	if (ok && *have_g)
		for (int i = 0; i < n; i++)
			if (!isfinite(gn[i]))
				*have_g = 0;
	*fnew = fn_;
	return ok;
}

/* The BFGS update of H for the step from x to xn, where the gradient is
 * gn, when the curvature condition holds (else H stays). */
static void
bfgs_update(struct k_optim *o, const double *xn, const double *gn)
{
	int n = o->n;
	double s[K_OPTIM_MAX], y[K_OPTIM_MAX], Hy[K_OPTIM_MAX];
	double sy = 0, yy = 0, ss = 0;

	for (int i = 0; i < n; i++) {
		s[i] = xn[i] - o->x[i];
		y[i] = gn[i] - o->g[i];
		sy += s[i] * y[i];
		yy += y[i] * y[i];
		ss += s[i] * s[i];
	}
	/* Curvature condition, with a margin against rounding. */
	if (!(sy > 1e-10 * sqrt(ss * yy)))
		return;
	if (o->h_identity)
		set_identity(o, sy / yy);
	/* H += ((sy + y'Hy) ss')/(sy)^2 - (Hy s' + s y'H)/sy */
	double yHy = 0;
	for (int i = 0; i < n; i++) {
		double t = 0;
		for (int j = 0; j < n; j++)
			t += o->H[i * n + j] * y[j];
		Hy[i] = t;
		yHy += y[i] * t;
	}
	double c1 = (sy + yHy) / (sy * sy);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			o->H[i * n + j] += c1 * s[i] * s[j] -
			    (Hy[i] * s[j] + s[i] * Hy[j]) / sy;
	o->h_identity = 0;
}

/* Move to xn (value fnew, gradient gn), count the iteration, and stop
 * when a tolerance or the iteration cap is met. */
static void
move_to(struct k_optim *o, const double *xn, const double *gn, double fnew)
{
	int n = o->n;
	double fold = o->f;

	memcpy(o->x, xn, (size_t)n * sizeof *xn);
	memcpy(o->g, gn, (size_t)n * sizeof *gn);
	o->f = fnew;
	o->iter++;
	double scale = fabs(fold) > 1 ? fabs(fold) : 1;
	int stop = gmax(o) <= o->par.gtol ||
	           fold - fnew <= o->par.ftol * scale;
	/* Never stop on a rough gradient. */
	if (stop && o->g_forward && grad(o, o->x, o->f, o->g, 1) < 0) {
		o->state = K_OPTIM_STALLED;
		return;
	}
	if (gmax(o) <= o->par.gtol)
		o->state = K_OPTIM_GTOL;
	else if (stop && fold - fnew <= o->par.ftol * scale)
		o->state = K_OPTIM_FTOL;
	else if (o->iter >= o->par.maxiter)
		o->state = K_OPTIM_MAXITER;
}

/* After a failed attempt: start H again from the identity; 0 if it was
 * the identity already, and nothing is left to try. */
static int
reset_hessian(struct k_optim *o)
{
	if (o->h_identity)
		return 0;
	set_identity(o, 1);
	return 1;
}

enum k_status
k_optim_iterate(struct k_optim *o, struct k_error *err)
{
	double d[K_OPTIM_MAX], xn[K_OPTIM_MAX], gn[K_OPTIM_MAX];

	if (o->state != K_OPTIM_RUNNING)
		return k_error_set(err, K_EINTERNAL,
		                   "optimiser stepped after it stopped");
	for (int attempt = 0; attempt < 3; attempt++) {
		double dmax, fnew;
		int have_g;
		double slope = direction(o, d, &dmax);
		if (!(slope < 0)) {
			/* Not a descent direction: fall back to steepest descent. */
			if (!reset_hessian(o))
				break;
			continue;
		}
		if (!line_search(o, d, slope, dmax, xn, gn, &fnew, &have_g)) {
			if (o->g_forward) {
				/* Perhaps only the rough gradient: redo it. */
				if (grad(o, o->x, o->f, o->g, 1) < 0)
					break;
				continue;
			}
			/* A poor Hessian estimate: start it again. */
			if (!reset_hessian(o))
				break;
			continue;
		}
		if (!have_g && grad(o, xn, fnew, gn, 0) < 0) {
			if (!reset_hessian(o))
				break;
			continue;
		}
		bfgs_update(o, xn, gn);
		move_to(o, xn, gn, fnew);
		return K_OK;
	}
	o->iter++;
	o->state = K_OPTIM_STALLED;
	return K_OK;
}

void
k_optim_set_hessian(struct k_optim *o, const double *H)
{
	memcpy(o->H, H, (size_t)o->n * o->n * sizeof *H);
	o->h_identity = 0;
}

int
k_optim_converged(const struct k_optim *o)
{
	return o->state != K_OPTIM_RUNNING;
}

const char *
k_optim_state_name(enum k_optim_state s)
{
	switch (s) {
	case K_OPTIM_RUNNING: return "running";
	case K_OPTIM_GTOL:    return "gradient";
	case K_OPTIM_FTOL:    return "function";
	case K_OPTIM_MAXITER: return "maxiter";
	case K_OPTIM_STALLED: return "stalled";
	}
	return "unknown";
}
