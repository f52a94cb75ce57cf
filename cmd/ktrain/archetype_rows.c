/*
 * archetype_rows.c - ktrain archetype's input: every labelled wallet
 * feature row kept in memory (the features as doubles in the first row's
 * order, the label as text), rows with a null label counted and skipped,
 * bad lines rejected under the usual policy; then the classes, sorted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archetype.h"
#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_progress.h"
#include "model/k_archetype.h"

static void
names_release(struct arch_rows *r)
{
	for (size_t i = 0; i < r->d; i++)
		free(r->names[i]);
	free(r->names);
	r->names = NULL;
	r->d = 0;
	k_featmap_release(&r->fm);
}

/* Take the feature set from the row just scanned: every member of its
 * "features", in order. */
static void
define_features(struct arch_rows *r)
{
	const struct k_jscan *s = &r->scan;

	r->names = calloc(s->nsub ? s->nsub : 1, sizeof *r->names);
	if (r->names == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nsub; i++) {
		char key[K_ARCHETYPE_NAME_MAX + 1];
		if (k_jkey(&s->sub[i], key, sizeof key) == (size_t)-1)
			strcpy(key, "");  /* refused by k_archetype_build */
		if ((r->names[r->d++] = strdup(key)) == NULL)
			k_die(K_ENOMEM, "out of memory");
	}
	if (k_featmap_init(&r->fm, (const char *const *)r->names, r->d) != K_OK)
		k_die(K_ENOMEM, "out of memory");
}

/* The row's label into buf: 0, 1 for a null label, or -1 with a reason. */
static int
row_label(const struct arch_rows *r, char *buf, size_t cap, char *why,
          size_t wcap)
{
	const struct k_jmember *m = k_jscan_find(r->scan.top, r->scan.ntop,
	                                         r->o->label,
	                                         strlen(r->o->label));
	char got[96];

	if (m == NULL) {
		snprintf(why, wcap, "field '%s': missing", r->o->label);
		return -1;
	}
	if (m->type == K_JNULL)
		return 1;
	if (m->type != K_JSTR) {
		k_jmember_describe(m, got, sizeof got);
		snprintf(why, wcap, "field '%s': expected a string, got %s",
		         r->o->label, got);
		return -1;
	}
	size_t len = k_jstr(m, buf, cap);
	if (len == 0 || len == (size_t)-1) {
		snprintf(why, wcap, "field '%s': a name of 1 to %d bytes expected",
		         r->o->label, K_ARCHETYPE_NAME_MAX);
		return -1;
	}
	return 0;
}

/* The row's features into x: 0, or -1 with a reason. */
static int
row_features(struct arch_rows *r, double *x, char *why, size_t wcap)
{
	const struct k_jscan *s = &r->scan;
	struct k_error e;
	char got[96];

	if (s->subm == NULL || s->subm->type != K_JOBJ) {
		if (s->subm == NULL)
			snprintf(why, wcap, "field 'features': missing");
		else {
			k_jmember_describe(s->subm, got, sizeof got);
			snprintf(why, wcap, "field 'features': expected object, got %s",
			         got);
		}
		return -1;
	}
	int first = r->names == NULL;
	if (first)
		define_features(r);
	if (k_featmap_get(&r->fm, s, x, &e) != K_OK) {
		snprintf(why, wcap, "%s", e.text);
		goto bad;
	}
	if (s->nsub != r->d) {
		snprintf(why, wcap, "field 'features': %zu features, not the %zu "
		         "of the first row", s->nsub, r->d);
		goto bad;
	}
	return 0;
bad:
	if (first)
		names_release(r);
	return -1;
}

static void
rows_grow(struct arch_rows *r)
{
	if (r->n < r->cap)
		return;
	size_t nc = r->cap ? r->cap * 2 : 256;
	double *nx = realloc(r->X, nc * r->d * sizeof *nx);
	if (nx != NULL)
		r->X = nx;
	char **nl = realloc(r->labels, nc * sizeof *nl);
	if (nx == NULL || nl == NULL)
		k_die(K_ENOMEM, "out of memory");
	r->labels = nl;
	r->cap = nc;
}

/* One line: kept, skipped (null label) or rejected. */
static void
read_row(struct arch_rows *r, const struct k_input *in)
{
	char label[K_ARCHETYPE_NAME_MAX + 1], why[600];
	struct k_error e;
	int rc;

	if (k_jscan_line(&r->scan, in->line, in->len, &e) != K_OK) {
		snprintf(why, sizeof why, "%s", e.text);
		goto reject;
	}
	r->rows_read++;
	if ((rc = row_label(r, label, sizeof label, why, sizeof why)) < 0)
		goto reject;
	if (rc == 1) {
		r->unlabelled++;
		return;
	}
	double *x = malloc((r->d ? r->d : r->scan.nsub + 1) * sizeof *x);
	if (x == NULL)
		k_die(K_ENOMEM, "out of memory");
	if (row_features(r, x, why, sizeof why) < 0) {
		free(x);
		goto reject;
	}
	rows_grow(r);
	memcpy(&r->X[r->n * r->d], x, r->d * sizeof *x);
	free(x);
	if ((r->labels[r->n] = strdup(label)) == NULL)
		k_die(K_ENOMEM, "out of memory");
	r->n++;
	return;
reject:
	if (k_reject_line(&r->rj, in->source, in->lineno, in->line, in->len,
	                  why))
		r->stop = 1;
}

void
arch_read_rows(struct arch_rows *r)
{
	struct k_input in;
	struct k_progress pg;

	k_progress_init(&pg);
	k_input_init(&in, k_opts.files, k_opts.nfiles, 0, &r->rj);
	while (!r->stop && k_input_next(&in) > 0) {
		if ((in.lineno & 0xfff) == 0)
			k_progress_update(&pg, "%zu rows read", r->n);
		read_row(r, &in);
	}
	r->stop |= in.stop;
	k_progress_done(&pg);
}

void
arch_rows_release(struct arch_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->labels[i]);
	free(r->labels);
	free(r->X);
	names_release(r);
	k_jscan_release(&r->scan);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
arch_find_classes(const struct arch_rows *r, struct arch_classes *c)
{
	char **s = malloc((r->n ? r->n : 1) * sizeof *s);
	c->y = malloc((r->n ? r->n : 1) * sizeof *c->y);
	if (s == NULL || c->y == NULL)
		k_die(K_ENOMEM, "out of memory");
	memcpy(s, r->labels, r->n * sizeof *s);
	qsort(s, r->n, sizeof *s, cmp_str);
	c->k = 0;
	for (size_t i = 0; i < r->n; i++)
		if (c->k == 0 || strcmp(s[c->k - 1], s[i]) != 0)
			s[c->k++] = s[i];
	c->names = s;
	if (c->k < 2)
		k_die(K_EDATA, "need at least 2 classes to train on, got %zu%s%s%s",
		      c->k, c->k ? " ('" : "", c->k ? s[0] : "", c->k ? "')" : "");
	if (c->k > K_XGB_MAX_CLASSES)
		k_die(K_EDATA, "%zu classes: at most %d", c->k, K_XGB_MAX_CLASSES);
	c->count = calloc(c->k, sizeof *c->count);
	if (c->count == NULL)
		k_die(K_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		char **f = bsearch(&r->labels[i], s, c->k, sizeof *s, cmp_str);
		c->y[i] = (uint32_t)(f - s);
		c->count[c->y[i]]++;
	}
	for (size_t j = 0; j < c->k; j++)
		if (c->count[j] < 2)
			k_die(K_EDATA, "class '%s' has %zu row; each class needs at "
			      "least 2 (to train and to test)", s[j], c->count[j]);
}

void
arch_classes_release(struct arch_classes *c)
{
	free(c->names);
	free(c->y);
	free(c->count);
	memset(c, 0, sizeof *c);
}
