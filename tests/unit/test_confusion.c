/*
 * test_confusion.c - the classifier's figures on a hand-made set of ten
 * rows, against scikit-learn 1.2's confusion_matrix,
 * precision_recall_fscore_support, f1_score(average="macro"),
 * accuracy_score and log_loss on the same rows (numbers below); ties go to
 * the first class, a probability of 0 is clipped, and nothing is divided
 * by zero.
 */
#include <math.h>
#include <string.h>

#include "numeric/k_confusion.h"
#include "ktest.h"

static const double P[10][3] = {
	{ .7, .2, .1 }, { .5, .4, .1 }, { .2, .3, .5 }, { .1, .8, .1 },
	{ .3, .3, .4 }, { .1, .1, .8 }, { .2, .2, .6 }, { .6, .2, .2 },
	{ .0, .1, .9 }, { .9, .05, .05 },
};
static const size_t Y[10] = { 0, 0, 0, 1, 1, 2, 2, 2, 2, 0 };

static void
test_sklearn(void)
{
	static const size_t want_m[9] = { 3, 0, 1, 0, 1, 1, 1, 0, 3 };
	static const double prec[3] = { 0.75, 1.0, 0.6 };
	static const double rec[3] = { 0.75, 0.5, 0.75 };
	static const double f1[3] = { 0.75, 0.6666666666666666,
	                              0.6666666666666665 };
	struct k_confusion c;

	KT_EQ_INT(k_confusion_init(&c, 3, NULL), K_OK);
	for (size_t i = 0; i < 10; i++)
		k_confusion_add(&c, Y[i], P[i]);
	k_confusion_finish(&c);
	KT_EQ_INT(c.n, 10);
	KT_CHECK(memcmp(c.m, want_m, sizeof want_m) == 0);
	for (size_t j = 0; j < 3; j++) {
		KT_NEAR(c.precision[j], prec[j], 1e-12);
		KT_NEAR(c.recall[j], rec[j], 1e-12);
		KT_NEAR(c.f1[j], f1[j], 1e-12);
	}
	KT_EQ_INT(c.support[0], 4);
	KT_EQ_INT(c.support[1], 2);
	KT_NEAR(c.macro_f1, 0.6944444444444443, 1e-12);
	KT_NEAR(c.accuracy, 0.7, 1e-12);
	KT_NEAR(c.log_loss, 0.6640504511402876, 1e-12);
	k_confusion_release(&c);
	KT_CHECK(c.m == NULL && c.k == 0);
}

static void
test_edges(void)
{
	static const double tie[2] = { 0.5, 0.5 }, zero[2] = { 1, 0 };
	struct k_confusion c;
	struct k_error e;

	KT_EQ_INT(k_confusion_init(&c, 0, &e), K_EUSAGE);
	KT_EQ_STR(e.text, "0 classes: 1 to 65536 expected");
	KT_EQ_INT(k_confusion_init(&c, 2, NULL), K_OK);
	k_confusion_finish(&c);  /* no rows: zeros, not NaN */
	KT_CHECK(c.accuracy == 0 && c.macro_f1 == 0 && c.log_loss == 0);
	KT_EQ_INT(k_confusion_add(&c, 1, tie), 0);
	KT_EQ_INT(k_confusion_add(&c, 1, zero), 0);
	k_confusion_finish(&c);
	/* Class 0 never true, class 1 never predicted: F1 0 for both. */
	KT_NEAR(c.precision[0], 0, 0);
	KT_NEAR(c.recall[1], 0, 0);
	KT_NEAR(c.macro_f1, 0, 0);
	KT_NEAR(c.log_loss, (log(2) - log(1e-15)) / 2, 1e-12);
	k_confusion_release(&c);
}

int
main(void)
{
	test_sklearn();
	test_edges();
	KT_DONE();
}
