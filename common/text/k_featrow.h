/*
 * k_featrow.h - a model's feature vector out of a scanned feature row,
 * matched by name, never by position. A row that lacks a model feature, or
 * holds a non-number in one, is an error naming the feature; null is a
 * missing value (NAN) that the model handles as its man page documents.
 */
#ifndef K_FEATROW_H
#define K_FEATROW_H

#include <stddef.h>

#include "base/k_status.h"
#include "text/k_jscan.h"

struct k_featmap {
	size_t n;              /* number of model features */
	const char **names;    /* borrowed from the model */
	size_t *lens;
	size_t *pos;           /* where each was in the last row's members */
};

enum k_status k_featmap_init(struct k_featmap *fm, const char *const *names,
                             size_t n);
void k_featmap_release(struct k_featmap *fm);

/* Fill x[0..n) from the row the scanner s has just read (s->subkey must be
 * "features"). K_EDATA with a message naming the feature. */
enum k_status k_featmap_get(struct k_featmap *fm, const struct k_jscan *s,
                            double *x, struct k_error *err);

/* A short description of a scanned value for messages. */
void k_jmember_describe(const struct k_jmember *m, char *buf, size_t cap);

#endif
