/*
 * k_combine.h - how kscore reads two anomaly detectors together: each
 * detector's score is first calibrated to a percentile of its own
 * training rows' scores (the forest's 0-100 score and the SVM's decision
 * are on scales that cannot be averaged as they are), and the combined
 * score is the mean of those percentiles. A row is flagged when every
 * detector flags it, or when the mean percentile reaches
 * K_COMBINE_FLAG_PCT: in the top 5% of both detectors' training rows on
 * average. A row only one detector could score keeps that detector's own
 * score and flag.
 */
#ifndef K_COMBINE_H
#define K_COMBINE_H

#include <stddef.h>

#define K_COMBINE_FLAG_PCT 95.0

struct k_det_result {
	int scored;        /* the detector read the row */
	double score;      /* its own 0-100 score */
	double pct;        /* the score's percentile among its training rows */
	int flag;          /* its own flag */
};

struct k_combined {
	double score;      /* 0-100 */
	int flag;
	size_t scored;     /* detectors that scored the row */
	size_t flagged;    /* of those, that flagged it */
	int single;        /* the index of the only detector scored, or -1 */
};

/* Combine r[0..n); out->scored 0 when none scored the row. */
void k_combine(const struct k_det_result *r, size_t n, struct k_combined *out);

/* "both" (or "all"), "one" (or "some"), "none": how many flagged. */
const char *k_combine_agreement(const struct k_combined *c);

#endif
