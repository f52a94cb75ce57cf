/*
 * k_confusion.c - the confusion matrix and the figures drawn from it (see
 * k_confusion.h).
 */
#include "numeric/k_confusion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum k_status
k_confusion_init(struct k_confusion *c, size_t k, struct k_error *err)
{
	memset(c, 0, sizeof *c);
	if (k == 0 || k > 65536)
		return k_error_set(err, K_EUSAGE, "%zu classes: 1 to 65536 "
		                   "expected", k);
	c->k = k;
	c->m = calloc(k * k, sizeof *c->m);
	c->support = calloc(k, sizeof *c->support);
	c->precision = calloc(k, sizeof *c->precision);
	c->recall = calloc(k, sizeof *c->recall);
	c->f1 = calloc(k, sizeof *c->f1);
	if (!c->m || !c->support || !c->precision || !c->recall || !c->f1) {
		k_confusion_release(c);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

size_t
k_confusion_add(struct k_confusion *c, size_t y, const double *p)
{
	size_t best = 0;

	for (size_t j = 1; j < c->k; j++)
		if (p[j] > p[best])
			best = j;
	c->m[y * c->k + best]++;
	c->support[y]++;
	c->log_loss_sum -= log(fmax(p[y], K_CONFUSION_P_MIN));
	c->n++;
	return best;
}

void
k_confusion_finish(struct k_confusion *c)
{
	size_t k = c->k, right = 0;

	c->macro_f1 = 0;
	for (size_t j = 0; j < k; j++) {
		size_t pred = 0, tp = c->m[j * k + j];
		for (size_t i = 0; i < k; i++)
			pred += c->m[i * k + j];
		right += tp;
		c->precision[j] = pred ? (double)tp / (double)pred : 0;
		c->recall[j] = c->support[j]
		               ? (double)tp / (double)c->support[j] : 0;
		double s = c->precision[j] + c->recall[j];
		c->f1[j] = s > 0 ? 2 * c->precision[j] * c->recall[j] / s : 0;
		c->macro_f1 += c->f1[j] / (double)k;
	}
	c->accuracy = c->n ? (double)right / (double)c->n : 0;
	c->log_loss = c->n ? c->log_loss_sum / (double)c->n : 0;
}

void
k_confusion_release(struct k_confusion *c)
{
	free(c->m);
	free(c->support);
	free(c->precision);
	free(c->recall);
	free(c->f1);
	memset(c, 0, sizeof *c);
}
