/*
 * k_drift.h - has the data moved away from what a model was trained on?
 * Each feature's values are binned on the training quantile sketch (the
 * 5%..95% quantiles, open-ended at both ends, tied quantiles merged) and
 * compared with the training shares by the Population Stability Index
 * (missing values are one more bin, so a feature that stops arriving
 * shows as a shift),
 * PSI = sum (a - e) ln(a / e); conventionally < 0.1 is stable, 0.1-0.25 a
 * moderate shift and > 0.25 a major one.
 */
#ifndef K_DRIFT_H
#define K_DRIFT_H

#include <stddef.h>

#include "base/k_status.h"

#define K_DRIFT_MAXBINS 20

struct k_drift {
	size_t nbins;
	double edge[K_DRIFT_MAXBINS];     /* upper edges of bins 0..nbins-2 */
	double expect[K_DRIFT_MAXBINS];   /* training share of each bin */
	size_t count[K_DRIFT_MAXBINS];    /* new values seen in each bin */
	double expect_missing;            /* training share missing, 0..1 */
	size_t n, missing;
};

/* Set up from a sketch of 21 quantiles at 0, 5, ..., 100% of the known
 * values (NAN entries: no sketch) and the training share that was
 * missing (0..1). */
void k_drift_init(struct k_drift *dr, const double *quantiles21,
                  double missing_share);

/* Count one new value (NAN: missing). */
void k_drift_add(struct k_drift *dr, double v);

/* PSI of the values counted so far (0 when none), shares floored at 1e-4
 * so that an empty bin does not make it infinite. */
double k_drift_psi(const struct k_drift *dr);

/* "stable", "moderate" or "major" for a PSI. */
const char *k_drift_verdict(double psi);

/* The drift check of a model's d features: each one's name, its check
 * (set up from the training sketch) and the share that was missing in
 * training. A model kind fills it from its header (k_anomaly_drift_ref);
 * the caller counts rows into it. */
struct k_drift_set {
	size_t d;
	char **names;               /* [d], owned; NULL until set */
	struct k_drift *feat;       /* [d] */
	double *train_missing_pct;  /* [d], percent; NAN when not known */
};

/* Room for d features: names NULL, checks zeroed, train_missing_pct NAN.
 * K_ENOMEM (nothing to release) when out of memory. */
enum k_status k_drift_set_alloc(struct k_drift_set *s, size_t d,
                                struct k_error *err);

/* Count one row: x[j] is feature j's value (NAN: missing). */
void k_drift_set_add(struct k_drift_set *s, const double *x);

/* Free what the set owns; accepts a zeroed or released set. */
void k_drift_set_release(struct k_drift_set *s);

#endif
