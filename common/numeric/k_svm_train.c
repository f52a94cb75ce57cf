/*
 * k_svm_train.c - the One-Class SVM trained by libsvm (ONE_CLASS, RBF):
 * the only file that calls libsvm, so that its process-global state stays
 * in one place. Its print hook is set once, silent, before the first
 * training; its file I/O (which calls setlocale) is never used: the
 * model is copied out of libsvm's structures into ours at full precision.
 */
#include "numeric/k_svm.h"

#include <libsvm/svm.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void
quiet(const char *s)
{
	(void)s;
}

static void
silence(void)
{
	svm_set_print_string_function(quiet);
}

/* The rows as libsvm's sparse nodes, zeros left out (the kernel does
 * not need them, and after standardising they are common): nodes and the
 * row pointers into them. */
struct problem {
	struct svm_problem p;
	struct svm_node *nodes;
};

static enum k_status
problem_init(struct problem *pr, const double *Z, size_t n, size_t d,
             struct k_error *err)
{
	size_t nz = 0, k = 0;

	for (size_t i = 0; i < n * d; i++) {
		if (!isfinite(Z[i]))
			return k_error_set(err, K_EDATA, "row %zu, feature %zu: "
			                   "not a finite number", i / d, i % d);
		nz += Z[i] != 0;
	}
	pr->nodes = malloc((nz + n) * sizeof *pr->nodes);
	pr->p.x = malloc(n * sizeof *pr->p.x);
	pr->p.y = calloc(n, sizeof *pr->p.y);
	pr->p.l = (int)n;
	if (pr->nodes == NULL || pr->p.x == NULL || pr->p.y == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		pr->p.x[i] = &pr->nodes[k];
		for (size_t j = 0; j < d; j++)
			if (Z[i * d + j] != 0)
				pr->nodes[k++] = (struct svm_node){ (int)j + 1,
				                                    Z[i * d + j] };
		pr->nodes[k++] = (struct svm_node){ -1, 0 };
	}
	return K_OK;
}

static void
problem_release(struct problem *pr)
{
	free(pr->nodes);
	free(pr->p.x);
	free(pr->p.y);
}

/* Copy what the decision function needs out of libsvm's model. */
static enum k_status
copy_model(struct k_svm *m, const struct svm_model *sm, size_t d,
           double gamma, struct k_error *err)
{
	size_t nsv = (size_t)sm->l;

	m->d = d;
	m->nsv = nsv;
	m->gamma = gamma;
	m->rho = sm->rho[0];
	m->coef = malloc((nsv ? nsv : 1) * sizeof *m->coef);
	m->sv = calloc(nsv * d + 1, sizeof *m->sv);
	if (m->coef == NULL || m->sv == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < nsv; i++) {
		m->coef[i] = sm->sv_coef[0][i];
		for (const struct svm_node *x = sm->SV[i]; x->index != -1; x++)
			m->sv[i * d + (size_t)(x->index - 1)] = x->value;
	}
	return k_svm_finish(m, err);
}

static struct svm_parameter
libsvm_param(const struct k_svm_params *p, double gamma)
{
	struct svm_parameter sp;

	memset(&sp, 0, sizeof sp);
	sp.svm_type = ONE_CLASS;
	sp.kernel_type = RBF;
	sp.gamma = gamma;
	sp.nu = p->nu;
	sp.eps = p->tol;
	sp.cache_size = p->cache_mb;
	sp.shrinking = 1;
	sp.probability = 0;
	sp.C = 1;   /* unused by ONE_CLASS, checked all the same */
	return sp;
}

enum k_status
k_svm_train(struct k_svm *m, const struct k_svm_params *p, const double *Z,
            size_t n, size_t d, struct k_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct problem pr = { { 0, NULL, NULL }, NULL };
	const char *why;
	enum k_status s;

	memset(m, 0, sizeof *m);
	if ((why = k_svm_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (n < 1 || n > K_SVM_MAX_ROWS || d < 1 || d > K_SVM_MAX_FEATURES)
		return k_error_set(err, K_EDATA, "%zu rows of %zu features: the "
		                   "SVM trains on 1 to %u rows of 1 to %d", n, d,
		                   K_SVM_MAX_ROWS, K_SVM_MAX_FEATURES);
	if ((s = problem_init(&pr, Z, n, d, err)) != K_OK)
		goto out;
	double gamma = p->gamma > 0 ? p->gamma : k_svm_gamma_scale(Z, n, d);
	struct svm_parameter sp = libsvm_param(p, gamma);
	if ((why = svm_check_parameter(&pr.p, &sp)) != NULL) {
		s = k_error_set(err, K_EUSAGE, "libsvm: %s", why);
		goto out;
	}
	pthread_once(&once, silence);
	struct svm_model *sm = svm_train(&pr.p, &sp);
	if (sm == NULL) {
		s = k_error_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	s = copy_model(m, sm, d, gamma, err);
	svm_free_and_destroy_model(&sm);
out:
	problem_release(&pr);
	if (s != K_OK)
		k_svm_release(m);
	return s;
}
