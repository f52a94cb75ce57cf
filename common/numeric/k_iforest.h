/*
 * k_iforest.h - Isolation Forest (Liu, Ting and Zhou, 2008) with the
 * algorithm and defaults of scikit-learn's IsolationForest: each tree is
 * grown on its own subsample of psi rows (256, or n if smaller) to depth
 * ceil(log2 psi), splitting on a random non-constant feature at a uniform
 * random value; the path length of x is its leaf depth plus c(leaf size);
 * the score is s(x) = 2^(-E[h(x)] / c(psi)), in (0, 1], higher is more
 * anomalous. contamination sets the threshold as the (1 - c) quantile of
 * training scores, as sklearn's offset_ does; "auto" is s > 0.5.
 *
 * Missing values (NAN) at scoring follow both branches of a split on
 * them, weighted by the training rows that went each way. Training rows
 * must be complete: the trainer imputes them first.
 */
#ifndef K_IFOREST_H
#define K_IFOREST_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "base/k_status.h"

#define K_IFOREST_MAX_FEATURES 65534
#define K_IFOREST_MAX_TREES    100000
#define K_IFOREST_MAX_PSI      (1u << 24)

struct k_iforest_params {
	size_t trees;          /* trees in the forest (100) */
	size_t max_samples;    /* rows per tree, psi; capped at n (256) */
	double contamination;  /* expected anomaly share, (0, 0.5]; 0 means
	                          "auto": anomaly when s > 0.5 (0.05) */
	uint64_t seed;         /* random seed, recorded in the model (42) */
};

struct k_inode {
	double v;          /* split value; at a leaf, depth + c(size): the
	                      path length of every row that ends there */
	int32_t feature;   /* split feature, or -1 at a leaf */
	int32_t right;     /* right child; the left child is the next node */
};

/* A tree compiled for walking many rows at once: a leaf is absorbing (its
 * split is -inf and both children are itself), so every row can take the
 * same number of steps without a branch on "is this a leaf". */
struct k_iflat {
	double v;
	int32_t feature;
	int32_t right;
};

struct k_itree {
	struct k_inode *nodes;
	uint32_t *size;    /* training rows reaching each node */
	size_t n, cap;
	struct k_iflat *flat;
	double *cval;      /* c(size) of each node, for attribution */
	size_t depth;      /* deepest leaf */
};

struct k_iforest {
	size_t d;            /* number of features */
	size_t ntrees;
	size_t psi;          /* rows each tree was grown on */
	size_t max_depth;    /* ceil(log2(max(psi, 2))) */
	double c_psi;        /* c(psi), the score's normaliser */
	double threshold;    /* on s; anomaly when s > threshold */
	struct k_itree *trees;
};

/* Scratch for growing trees; the caller owns it (init, then release). */
struct k_iforest_ws {
	uint32_t *idx;
	size_t *feat;
	size_t cap_n, cap_d;
};

struct k_iforest_params k_iforest_params_default(void);

/* A message if p cannot be used, else NULL. */
const char *k_iforest_params_check(const struct k_iforest_params *p);

/* c(n): the average path length of an unsuccessful search in a binary
 * search tree of n nodes; 0 for n <= 1, 1 for n == 2, else
 * 2 (ln(n - 1) + Euler's gamma) - 2 (n - 1) / n. */
double k_iforest_c(double n);

/* An empty forest of ntrees trees over d features, each grown on psi rows.
 * NULL when out of memory or the sizes exceed the limits above. */
struct k_iforest *k_iforest_alloc(size_t d, size_t ntrees, size_t psi);
void k_iforest_free(struct k_iforest *f);

void k_iforest_ws_init(struct k_iforest_ws *ws);
void k_iforest_ws_release(struct k_iforest_ws *ws);

/*
 * Grow tree t on rows[0..n) of the row-major matrix X (row i at
 * X + i * f->d; finite values only), n must equal f->psi. rng drives the
 * tree's choices; seed it per tree for results independent of order.
 */
enum k_status k_iforest_grow(struct k_iforest *f, size_t t, const double *X,
                             const uint32_t *rows, size_t n,
                             struct k_rng *rng, struct k_iforest_ws *ws,
                             struct k_error *err);

/* Mean path length E[h(x)] over the trees; x has f->d values, NAN for a
 * missing value. */
double k_iforest_path(const struct k_iforest *f, const double *x);

/* The anomaly score s(x) = 2^(-E[h(x)] / c(psi)), in (0, 1]. */
double k_iforest_score(const struct k_iforest *f, const double *x);

/*
 * Scores of many rows: out[i] = s(row i), row i being X + rows[i] * d, or
 * X + i * d when rows is NULL. Same values as k_iforest_score, several
 * times faster: rows walk each tree together while it is in cache.
 */
void k_iforest_score_batch(const struct k_iforest *f, const double *X,
                           const uint32_t *rows, size_t n, double *out);

/*
 * Attribution: gain[j] receives how much feature j shortened x's paths,
 * in tree levels averaged over trees. A split at a node of n training rows
 * that sends x to a child of m rows gains c(n) - 1 - c(m) for its feature,
 * so the gains sum to c(psi) - E[h(x)]: exactly how much shorter than
 * average x's path is, which is what makes its score high. Returns E[h].
 */
double k_iforest_explain(const struct k_iforest *f, const double *x,
                         double *gain);

/* Serialise the forest (trees and threshold) little-endian into b. */
void k_iforest_encode(const struct k_iforest *f, struct k_buf *b);

/* Rebuild a forest from an encoded payload, checking every count, index
 * and size; K_EDATA with a message if it is inconsistent. */
enum k_status k_iforest_decode(const void *p, size_t n,
                               struct k_iforest **out, struct k_error *err);

#endif
