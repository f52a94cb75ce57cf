/*
 * k_ocsvm.h - the `ocsvm` model kind: a One-Class SVM (numeric/k_svm)
 * over standardised features, with what scoring, explanation and drift
 * checks need: the feature names in order, each feature's robust centre
 * and scale (model/k_featstats, as the forest keeps them), and the
 * training rows' decision values, which turn a decision into a 0-100
 * score. Shared by ktrain (train, save) and kscore (load, score,
 * explain); ktools-model(5) documents the payload and header.
 *
 * The transform, part of the model: z = asinh((x - centre) / scale), a
 * missing value z = 0 (the centre). The robust z keeps one wild row from
 * setting the scale; asinh keeps it linear near the centre and
 * logarithmic in the tails, so that a value a thousand scales out does
 * not swamp every other feature's distance in the RBF kernel.
 *
 * The score: 100 x the share of training rows whose decision value is
 * above the row's (read off K_OCSVM_DQ stored quantiles): 97 means
 * more outlying than 97% of the training rows. A row is flagged when its
 * decision is below -tol, outside the boundary libsvm learned by more
 * than the tolerance it solved to: the support vectors on the boundary
 * come out within tol of 0 on either side and are not outliers, so that
 * at most about nu of the training rows are flagged, as nu promises.
 */
#ifndef K_OCSVM_H
#define K_OCSVM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "model/k_anomaly.h"
#include "model/k_store.h"
#include "numeric/k_svm.h"

#define K_OCSVM_KIND     "ocsvm"
#define K_OCSVM_MIN_ROWS 10
#define K_OCSVM_DQ       201   /* decision quantiles: 0%, 0.5%, ... 100% */

struct k_ocsvm {
	struct k_svm svm;
	size_t d;
	char **names;          /* feature names, in payload order */
	double *centre, *scale;
	double dq[K_OCSVM_DQ]; /* training decisions' quantiles, ascending */
	double tol;            /* the solver's tolerance: the flag's margin */
	json_t *header;
	char version[K_VERSION_MAX + 1];
	char path[K_PATH_MAX];
};

struct k_ocsvm_params {
	struct k_svm_params svm;  /* nu, gamma (0: "scale"), tol */
	size_t sample;         /* rows trained on, at most: a seeded uniform
	                          draw when there are more (20000) */
	uint64_t seed;         /* for that draw (42) */
	int threads;           /* for statistics and decision values (1) */
};

struct k_ocsvm_params k_ocsvm_params_default(void);
const char *k_ocsvm_params_check(const struct k_ocsvm_params *p);

/* What training saw, for the report. */
struct k_ocsvm_summary {
	size_t trained;        /* rows the SVM was trained on */
	size_t support;        /* support vectors */
	size_t flagged;        /* training rows flagged (k_ocsvm_flag) */
	double flag_rate_pct;
	double gamma, rho;
	size_t constant;       /* features constant over the rows */
};

/*
 * Train on the n rows of X (n x d, row-major, NAN: missing): feature
 * statistics over the rows trained on, the transform, libsvm, the
 * decision quantiles; src is recorded in the header's "training".
 * K_EUSAGE for bad parameters, K_EDATA for fewer than K_OCSVM_MIN_ROWS
 * rows or a duplicate feature, K_ENOMEM.
 */
enum k_status k_ocsvm_train(struct k_ocsvm *m, const struct k_ocsvm_params *p,
                            const double *X, size_t n, size_t d,
                            const char *const *names,
                            const struct k_anomaly_source *src,
                            struct k_ocsvm_summary *sum, struct k_error *err);

/* Publish as a new version (NULL: a timestamp); fills version and path. */
enum k_status k_ocsvm_save(struct k_ocsvm *m, const struct k_store *st,
                           const char *version, struct k_error *err);

/* Load version (NULL or "latest"): K_ECONFIG if there is none; K_EDATA
 * naming the file for a corrupt payload or a header that disagrees. */
enum k_status k_ocsvm_load(struct k_ocsvm *m, const struct k_store *st,
                           const char *version, struct k_error *err);
enum k_status k_ocsvm_from_model(struct k_ocsvm *m, struct k_model *mf,
                                 const char *path, struct k_error *err);
void k_ocsvm_release(struct k_ocsvm *m);

/* x (d raw values, NAN: missing) transformed into z[d]. */
void k_ocsvm_transform(const struct k_ocsvm *m, const double *x, double *z);

/* The 0-100 score of a decision value (see above). */
double k_ocsvm_score(const struct k_ocsvm *m, double decision);

/* 1 if the decision is outside the boundary (below -m->tol). */
int k_ocsvm_flag(const struct k_ocsvm *m, double decision);

/* Scratch doubles k_ocsvm_explain needs. */
size_t k_ocsvm_scratch(const struct k_ocsvm *m);

/*
 * Explain a row (x raw, z its transform, decision its value): for each
 * feature with a known value away from the centre, gain = how much the
 * decision rises when that feature alone is set to the centre (how much
 * of the row's outlyingness it carries, in decision units), rank = gain *
 * max(1, |deviation|) as the forest ranks its features. Up to max with a
 * positive gain, best first, in out (room for d). Returns the count.
 */
size_t k_ocsvm_explain(const struct k_ocsvm *m, const double *x,
                       const double *z, double decision, double *scratch,
                       struct k_contrib *out, size_t max);

#endif
