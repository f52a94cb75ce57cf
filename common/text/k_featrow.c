/*
 * k_featrow.c - feature extraction by name of k_featrow.h. Rows from one
 * producer keep one key order, so the position of each feature in the last
 * row is tried first; a miss falls back to a search.
 */
#include "text/k_featrow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum k_status
k_featmap_init(struct k_featmap *fm, const char *const *names, size_t n)
{
	memset(fm, 0, sizeof *fm);
	fm->n = n;
	fm->names = calloc(n ? n : 1, sizeof *fm->names);
	fm->lens = calloc(n ? n : 1, sizeof *fm->lens);
	fm->pos = calloc(n ? n : 1, sizeof *fm->pos);
	if (!fm->names || !fm->lens || !fm->pos) {
		k_featmap_release(fm);
		return K_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		fm->names[i] = names[i];
		fm->lens[i] = strlen(names[i]);
		fm->pos[i] = i;
	}
	return K_OK;
}

void
k_featmap_release(struct k_featmap *fm)
{
	free(fm->names);
	free(fm->lens);
	free(fm->pos);
	memset(fm, 0, sizeof *fm);
}

void
k_jmember_describe(const struct k_jmember *m, char *buf, size_t cap)
{
	static const char *const tn[] = { "null", "false", "true", "number",
	                                  "string", "array", "object" };
	switch (m->type) {
	case K_JSTR: {
		int n = m->vlen > 42 ? 40 : (int)m->vlen;
		snprintf(buf, cap, "string %.*s%s", n, m->val,
		         m->vlen > 42 ? "...\"" : "");
		break;
	}
	default:
		snprintf(buf, cap, "%s", tn[m->type]);
	}
}

enum k_status
k_featmap_get(struct k_featmap *fm, const struct k_jscan *s, double *x,
              struct k_error *err)
{
	const struct k_jmember *sub = s->sub;
	size_t nsub = s->nsub;
	char got[96];

	if (s->subm == NULL)
		return k_error_field(err, K_EDATA, "features",
		                     "field 'features': missing");
	if (s->subm->type != K_JOBJ) {
		k_jmember_describe(s->subm, got, sizeof got);
		return k_error_field(err, K_EDATA, "features",
		                     "field 'features': expected object, got %s",
		                     got);
	}
	for (size_t i = 0; i < fm->n; i++) {
		const struct k_jmember *m = NULL;
		size_t p = fm->pos[i];
		if (p < nsub && k_jkey_eq(&sub[p], fm->names[i], fm->lens[i])) {
			m = &sub[p];
		} else {
			m = k_jscan_find(sub, nsub, fm->names[i], fm->lens[i]);
			if (m != NULL)
				fm->pos[i] = (size_t)(m - sub);
		}
		if (m == NULL)
			return k_error_field(err, K_EDATA, fm->names[i],
			                     "feature '%s': missing", fm->names[i]);
		if (m->type == K_JNUM) {
			x[i] = k_jnum(m);
		} else if (m->type == K_JNULL) {
			x[i] = NAN;
		} else {
			k_jmember_describe(m, got, sizeof got);
			return k_error_field(err, K_EDATA, fm->names[i],
			                     "feature '%s': expected number, got %s",
			                     fm->names[i], got);
		}
	}
	return K_OK;
}
