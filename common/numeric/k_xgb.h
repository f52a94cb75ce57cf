/*
 * k_xgb.h - gradient-boosted trees for multi-class classification through
 * XGBoost's C API (libxgboost 1.7), behind our names and status codes.
 * The library's quirks stay in k_xgb.c: every call's status is checked and
 * its last-error text kept; it never logs (verbosity 0); the thread count
 * and the seed are set again after every load, since a saved model keeps
 * neither; prediction configs carry all five keys.
 */
#ifndef K_XGB_H
#define K_XGB_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"
#include "base/k_status.h"

#define K_XGB_MAX_CLASSES  1000
#define K_XGB_MAX_FEATURES 65534
#define K_XGB_MAX_ROUNDS   100000

/* Training parameters, named as XGBoost names them. */
struct k_xgb_params {
	size_t rounds;           /* boosting rounds, num_boost_round (100) */
	int max_depth;           /* deepest split of a tree, 1 to 64 (6) */
	double eta;              /* learning rate, (0, 1] (0.3) */
	double subsample;        /* share of rows each tree sees, (0, 1] (1) */
	double colsample_bytree; /* share of features each tree sees, (0, 1]
	                            (1) */
	double min_child_weight; /* least hessian sum in a leaf, >= 0 (1) */
	uint64_t seed;           /* random seed of the row and feature
	                            sampling (42) */
	int threads;             /* nthread, 1 to 1024; the model does not
	                            depend on it (1) */
};

/* The element type of a caller's matrix. */
enum k_xgb_type { K_XGB_FLOAT, K_XGB_DOUBLE };

/* What a prediction returns for each row. */
enum k_xgb_output {
	K_XGB_PROB,    /* k class probabilities, summing to 1 */
	K_XGB_MARGIN,  /* k raw scores (the softmax's inputs) */
	K_XGB_CONTRIB, /* k x (d + 1) SHAP values: for each class, one per
	                  feature and last the bias; each class's values sum
	                  to its margin */
};

/* A data matrix in XGBoost's form (opaque). */
struct k_xgb_data;

/* A trained model. The fields are read-only for callers. */
struct k_xgb {
	void *booster;       /* XGBoost's BoosterHandle */
	size_t d;            /* features */
	size_t nclass;       /* classes, >= 2 */
	size_t rounds;       /* rounds boosted so far */
	struct k_xgb_params p; /* the parameters (after a load: only seed
	                          and threads are meaningful) */
};

struct k_xgb_params k_xgb_params_default(void);

/* A message naming the bad field if p cannot be used, else NULL. */
const char *k_xgb_params_check(const struct k_xgb_params *p);

/* The library's version, "1.7.4", into buf (at least 32 bytes). */
const char *k_xgb_version(char *buf, size_t size);

/*
 * Copy the n x d row-major matrix X (float or double as type says; NAN is
 * a missing value) into XGBoost's form, with class labels (labels[i] in 0
 * to nclass - 1; NULL for data only predicted on). threads is used for
 * the copy. X and labels stay the caller's. K_EUSAGE for sizes out of
 * range or a label >= nclass, K_EDATA with XGBoost's message if it
 * refuses the data (an infinite value), K_ENOMEM.
 */
enum k_status k_xgb_data_alloc(struct k_xgb_data **out, const void *X,
                               enum k_xgb_type type, size_t n, size_t d,
                               const uint32_t *labels, size_t nclass,
                               int threads, struct k_error *err);
size_t k_xgb_data_rows(const struct k_xgb_data *x);
size_t k_xgb_data_cols(const struct k_xgb_data *x);
void k_xgb_data_free(struct k_xgb_data *x);

/*
 * Start training a nclass-class model (objective multi:softprob, tree
 * method hist) on train, which must have labels and stay alive until the
 * last k_xgb_iterate. *out is the caller's, for k_xgb_free. K_EUSAGE for
 * bad parameters, nclass out of 2 to K_XGB_MAX_CLASSES or data without
 * labels; K_EINTERNAL with XGBoost's message if it refuses.
 */
enum k_status k_xgb_init(struct k_xgb **out, const struct k_xgb_params *p,
                         struct k_xgb_data *train, size_t nclass,
                         struct k_error *err);

/* One boosting round on train (the data given to k_xgb_init). */
enum k_status k_xgb_iterate(struct k_xgb *m, struct k_xgb_data *train,
                            struct k_error *err);

/* 1 once m has boosted p.rounds rounds. */
int k_xgb_converged(const struct k_xgb *m);

/* init, then iterate until converged. */
enum k_status k_xgb_train(struct k_xgb **out, const struct k_xgb_params *p,
                          struct k_xgb_data *train, size_t nclass,
                          struct k_error *err);

/* How many doubles a prediction of kind of n rows writes. */
size_t k_xgb_output_len(const struct k_xgb *m, enum k_xgb_output kind,
                        size_t n);

/*
 * Predict every row of x with all the rounds boosted: out receives
 * k_xgb_output_len(m, kind, rows) doubles, row-major (row, class, then
 * for contributions feature). K_EDATA if x has not m->d columns (XGBoost
 * itself accepts fewer), K_EINTERNAL with XGBoost's message. Not for two
 * threads on one model at once.
 */
enum k_status k_xgb_predict(const struct k_xgb *m, struct k_xgb_data *x,
                            enum k_xgb_output kind, double *out,
                            struct k_error *err);

/*
 * A new model of the first rounds rounds of m (1 to m->rounds): what early
 * stopping keeps. It predicts as m does with only those rounds, its
 * p.rounds is rounds, and it is the caller's, for k_xgb_free; m is
 * unchanged.
 */
enum k_status k_xgb_slice(const struct k_xgb *m, size_t rounds,
                          struct k_xgb **out, struct k_error *err);

/*
 * The multi-class log loss (XGBoost's mlogloss) of m, with the rounds
 * boosted so far, on x, which must have labels: what early stopping
 * watches. XGBoost keeps x's predictions between calls, so that one more
 * round costs one tree per class, not all of them. Not for two threads on
 * one model at once.
 */
enum k_status k_xgb_eval_logloss(const struct k_xgb *m,
                                 struct k_xgb_data *x, double *out,
                                 struct k_error *err);

/*
 * The feature names the model keeps (XGBoost keeps those its training
 * data had; Python's does when its DMatrix or DataFrame was named): *names
 * gets m->d strings, the caller's (free each, then the array), or NULL
 * when the model has none. K_EDATA if it names some but not m->d.
 */
enum k_status k_xgb_feature_names(const struct k_xgb *m, char ***names,
                                  struct k_error *err);

/* Append the model, as XGBoost's UBJSON, to b. */
enum k_status k_xgb_save(const struct k_xgb *m, struct k_buf *b,
                         struct k_error *err);

/*
 * A model from XGBoost's JSON or UBJSON bytes (p[0..n)), written by us or
 * by any XGBoost (Python, Spark, ...): its objective must be
 * multi:softprob with 2 to K_XGB_MAX_CLASSES classes and 1 to
 * K_XGB_MAX_FEATURES features. seed and threads of par (NULL: the
 * defaults) are set on it. K_EDATA with XGBoost's message for bytes it
 * cannot read, or with ours for a model of another kind; K_EUSAGE for bad
 * par; K_ENOMEM.
 */
enum k_status k_xgb_load(struct k_xgb **out, const void *p, size_t n,
                         const struct k_xgb_params *par,
                         struct k_error *err);

void k_xgb_free(struct k_xgb *m);

#endif
