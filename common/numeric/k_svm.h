/*
 * k_svm.h - a One-Class SVM with the RBF kernel: trained by libsvm (the
 * only caller of libsvm is k_svm_train.c), kept and evaluated by us. The
 * model is what the decision function needs, at full precision: the
 * support vectors, their coefficients, rho and gamma; libsvm's text files
 * round them to 8 digits and are not used.
 *
 *   decision(z) = sum_i coef_i * exp(-gamma * |z - sv_i|^2) - rho
 *
 * as libsvm and scikit-learn's OneClassSVM.decision_function compute it:
 * negative outside the learned boundary.
 */
#ifndef K_SVM_H
#define K_SVM_H

#include <stddef.h>

#include "base/k_buf.h"
#include "base/k_status.h"

#define K_SVM_MAX_FEATURES 65536
#define K_SVM_MAX_ROWS     (1u << 24) /* training is quadratic */

struct k_svm_params {
	double nu;         /* upper bound on the share of outliers, lower
	                      bound on the share of support vectors, (0, 1]
	                      (0.05) */
	double gamma;      /* RBF width; 0: "scale", k_svm_gamma_scale (0) */
	double tol;        /* libsvm's stopping tolerance, eps (1e-3) */
	double cache_mb;   /* libsvm's kernel cache, MB (200) */
};

struct k_svm_params k_svm_params_default(void);

/* NULL if p is usable, else a message naming the bad field. */
const char *k_svm_params_check(const struct k_svm_params *p);

/* scikit-learn's gamma="scale": 1 / (d * variance of all n*d values of Z);
 * 1 when the variance is 0. */
double k_svm_gamma_scale(const double *Z, size_t n, size_t d);

struct k_svm {
	size_t d, nsv;
	double gamma, rho;
	double *coef;      /* [nsv] */
	double *sv;        /* [nsv][d], row-major */
	/* derived by k_svm_finish, for the decision function */
	double *svt;       /* [d][nsv]: sv transposed */
	double *sqn;       /* [nsv]: |sv_i|^2 */
};

/*
 * Train on the n rows of the row-major n x d matrix Z (already
 * standardised; no NAN) with gamma = p->gamma, or the "scale" value when
 * it is 0. The parameters are checked (ours, then libsvm's
 * svm_check_parameter) before any work: K_EUSAGE. K_EDATA for n or d out
 * of range or a non-finite value, K_ENOMEM. libsvm prints nothing.
 */
enum k_status k_svm_train(struct k_svm *m, const struct k_svm_params *p,
                          const double *Z, size_t n, size_t d,
                          struct k_error *err);

/* The derived arrays of a model whose d, nsv, gamma, rho, coef and sv are
 * set (k_svm_train and k_svm_decode call it). K_ENOMEM. */
enum k_status k_svm_finish(struct k_svm *m, struct k_error *err);

/* Decision values of the n rows of Z (n x d) into out[n]. scratch holds
 * k_svm_scratch(m) doubles. Thread-safe on a finished model. */
void k_svm_decision(const struct k_svm *m, const double *Z, size_t n,
                    double *out, double *scratch);
size_t k_svm_scratch(const struct k_svm *m);

/* Payload: u32 version 1, u32 d, u32 nsv, f64 gamma, f64 rho, f64
 * coef[nsv], f64 sv[nsv][d], little-endian. Decoding checks every count
 * against the bytes there and every value (finite, gamma > 0) before
 * allocating: K_EDATA with the reason; K_ENOMEM. */
void k_svm_encode(const struct k_svm *m, struct k_buf *b);
enum k_status k_svm_decode(struct k_svm *m, const void *p, size_t n,
                           struct k_error *err);

void k_svm_release(struct k_svm *m);

#endif
