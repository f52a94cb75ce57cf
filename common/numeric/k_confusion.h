/*
 * k_confusion.h - how well a classifier did on labelled rows: the
 * confusion matrix, each class's precision, recall, F1 and support, and
 * accuracy, macro-F1 and log loss over them. Shared by the trainers that
 * hold rows out and by whatever else measures a classifier, so that every
 * figure is computed one way. Classes are indices 0 to k - 1; a row is
 * added with its true class and the k probabilities predicted for it.
 */
#ifndef K_CONFUSION_H
#define K_CONFUSION_H

#include <stddef.h>

#include "base/k_status.h"

#define K_CONFUSION_P_MIN 1e-15  /* p of the true class, at least, in the
                                    log loss */

struct k_confusion {
	size_t k;              /* classes */
	size_t n;              /* rows added */
	size_t *m;             /* k x k: row the true class, column the
	                          predicted one (the most probable; the first
	                          of equals) */
	size_t *support;       /* k: rows of each true class */
	double *precision, *recall, *f1;  /* k each, after finish; 0 where
	                                     undefined (no row predicted or
	                                     none of the class) */
	double accuracy, macro_f1;        /* after finish: macro-F1 is the
	                                     mean of the k F1s */
	double log_loss;       /* after finish: the mean of
	                          -ln max(p_true, P_MIN) */
	double log_loss_sum;   /* the sum so far */
};

/* An empty table of k classes (k >= 1). K_EUSAGE for k 0, K_ENOMEM. */
enum k_status k_confusion_init(struct k_confusion *c, size_t k,
                               struct k_error *err);

/* One row of true class y (< k) with the k probabilities p; returns the
 * predicted class. */
size_t k_confusion_add(struct k_confusion *c, size_t y, const double *p);

/* The per-class and overall figures from the rows added (all 0 with
 * none). May be called again after more rows. */
void k_confusion_finish(struct k_confusion *c);

void k_confusion_release(struct k_confusion *c);

#endif
