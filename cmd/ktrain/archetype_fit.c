/*
 * archetype_fit.c - ktrain archetype's training: a stratified, seeded
 * holdout; boosting on the rest, stopping early when the holdout's log
 * loss has not improved for --early-stopping rounds (the best round's
 * trees kept); the holdout's figures; then a refit on every row with the
 * rounds the holdout chose.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "archetype.h"
#include "base/k_rng.h"
#include "cli/k_log.h"
#include "cli/k_progress.h"

/* held[i] = 1 for the rows held out: round(share x rows) of each class,
 * at least 1 and at most all but 1, drawn with the seed. */
static unsigned char *
split(const struct arch_classes *c, size_t n, double share, uint64_t seed)
{
	unsigned char *held = calloc(n ? n : 1, 1);
	size_t *idx = malloc((n ? n : 1) * sizeof *idx);
	struct k_rng rng;

	if (held == NULL || idx == NULL)
		k_die(K_ENOMEM, "out of memory");
	k_rng_seed(&rng, seed, 11);
	for (size_t j = 0; j < c->k && share > 0; j++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (c->y[i] == j)
				idx[m++] = i;
		size_t h = (size_t)llround(share * (double)m);
		h = h < 1 ? 1 : h > m - 1 ? m - 1 : h;
		/* The first h of a partial Fisher-Yates shuffle. */
		for (size_t i = 0; i < h; i++) {
			size_t p = i + (size_t)k_rng_below(&rng, m - i), t = idx[i];
			idx[i] = idx[p];
			idx[p] = t;
			held[idx[i]] = 1;
		}
	}
	free(idx);
	return held;
}

/* Rows X (n x d) with classes y in XGBoost's form. */
static struct k_xgb_data *
matrix(const struct arch_opts *o, const double *X, const uint32_t *y,
       size_t n, size_t d, size_t k)
{
	struct k_xgb_data *dm;
	struct k_error e;

	if (k_xgb_data_alloc(&dm, X, K_XGB_DOUBLE, n, d, y, k, o->xgb.threads,
	                     &e) != K_OK)
		k_die_error(&e);
	return dm;
}

/* One more round looked at by early stopping: 1 to stop. */
static int
watch_round(const struct arch_opts *o, const struct k_xgb *m,
            struct k_xgb_data *watch, struct arch_fit *f)
{
	struct k_error e;
	double loss;

	if (k_xgb_eval_logloss(m, watch, &loss, &e) != K_OK)
		k_die_error(&e);
	if (f->best == 0 || loss < f->best_loss) {
		f->best = m->rounds;
		f->best_loss = loss;
	}
	return m->rounds - f->best >= o->early;
}

/* Boost rounds rounds on train, with progress per round; with watch,
 * stop early and keep the best round's trees. */
static struct k_xgb *
boost(const struct arch_opts *o, struct k_xgb_data *train,
      struct k_xgb_data *watch, size_t rounds, size_t k, const char *what,
      struct arch_fit *f)
{
	struct k_xgb_params p = o->xgb;
	struct k_xgb *m, *kept;
	struct k_progress pg;
	struct k_error e;

	p.rounds = rounds;
	if (k_xgb_init(&m, &p, train, k, &e) != K_OK)
		k_die_error(&e);
	k_progress_init(&pg);
	while (!k_xgb_converged(m)) {
		if (k_xgb_iterate(m, train, &e) != K_OK)
			k_die_error(&e);
		k_progress_update(&pg, "%s: round %zu of %zu", what, m->rounds,
		                  rounds);
		if (watch != NULL && watch_round(o, m, watch, f))
			break;
	}
	k_progress_done(&pg);
	if (watch != NULL && f->best < m->rounds) {
		if (k_xgb_slice(m, f->best, &kept, &e) != K_OK)
			k_die_error(&e);
		k_xgb_free(m);
		m = kept;
	}
	return m;
}

/* The holdout's figures: each row's probabilities into f->cm. */
static void
measure(const struct k_xgb *m, struct k_xgb_data *held, const uint32_t *y,
        struct arch_fit *f)
{
	size_t n = k_xgb_data_rows(held), k = m->nclass;
	double *p = malloc(k_xgb_output_len(m, K_XGB_PROB, n) * sizeof *p);
	struct k_error e;

	if (p == NULL)
		k_die(K_ENOMEM, "out of memory");
	if (k_xgb_predict(m, held, K_XGB_PROB, p, &e) != K_OK)
		k_die_error(&e);
	for (size_t i = 0; i < n; i++)
		k_confusion_add(&f->cm, y[i], &p[i * k]);
	k_confusion_finish(&f->cm);
	free(p);
}

/* The rows with held[i] == want, as a matrix and labels (the caller's). */
static size_t
select_rows(const struct arch_rows *r, const struct arch_classes *c,
            const unsigned char *held, int want, double **X, uint32_t **y)
{
	size_t m = 0;

	*X = malloc((r->n ? r->n : 1) * r->d * sizeof **X);
	*y = malloc((r->n ? r->n : 1) * sizeof **y);
	if (*X == NULL || *y == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		if (held[i] != want)
			continue;
		memcpy(&(*X)[m * r->d], &r->X[i * r->d], r->d * sizeof **X);
		(*y)[m++] = c->y[i];
	}
	return m;
}

/* Boost without the holdout and measure on it: the model. */
static struct k_xgb *
evaluate(const struct arch_opts *o, const struct arch_rows *r,
         const struct arch_classes *c, struct arch_fit *f)
{
	unsigned char *held = split(c, r->n, o->holdout, o->xgb.seed);
	double *Xt, *Xh;
	uint32_t *yt, *yh;
	size_t nt = select_rows(r, c, held, 0, &Xt, &yt);
	size_t nh = select_rows(r, c, held, 1, &Xh, &yh);
	struct k_xgb_data *dt = matrix(o, Xt, yt, nt, r->d, c->k);
	struct k_xgb_data *dh = matrix(o, Xh, yh, nh, r->d, c->k);
	struct k_xgb *m = boost(o, dt, o->early > 0 ? dh : NULL, o->xgb.rounds,
	                        c->k, "holdout fit", f);

	measure(m, dh, yh, f);
	k_xgb_data_free(dt);
	k_xgb_data_free(dh);
	free(Xt);
	free(yt);
	free(Xh);
	free(yh);
	free(held);
	return m;
}

struct k_xgb *
arch_fit(const struct arch_opts *o, const struct arch_rows *r,
         const struct arch_classes *c, struct arch_fit *f)
{
	struct k_xgb *m = NULL;
	struct k_error e;

	memset(f, 0, sizeof *f);
	if (k_confusion_init(&f->cm, c->k, &e) != K_OK)
		k_die_error(&e);
	if (o->holdout > 0)
		m = evaluate(o, r, c, f);
	if (m == NULL || o->refit) {
		k_xgb_free(m);
		struct k_xgb_data *all = matrix(o, r->X, c->y, r->n, r->d, c->k);
		m = boost(o, all, NULL, f->best ? f->best : o->xgb.rounds, c->k,
		          "fit", f);
		k_xgb_data_free(all);
	}
	f->rounds = m->rounds;
	return m;
}
