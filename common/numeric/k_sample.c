/*
 * k_sample.c - reservoirs of k_sample.h. Algorithm L (Li 1994) draws how
 * many lines to skip before the next replacement, so the work per line
 * not taken is one comparison.
 */
#include "numeric/k_sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void
draw_next(struct k_sampler *s, struct k_reservoir *r)
{
	double u = k_rng_open01(&s->rng);
	double skip = floor(log(u) / log1p(-r->w));

	if (!(skip < 9e18))
		skip = 9e18;
	r->next += (uint64_t)skip + 1;
	r->w *= exp(log(k_rng_open01(&s->rng)) / (double)r->k);
}

enum k_status
k_sampler_init(struct k_sampler *s, size_t nres, const size_t *k,
               uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->res = calloc(nres, sizeof *s->res);
	if (s->res == NULL)
		return K_ENOMEM;
	s->nres = nres;
	k_rng_seed(&s->rng, seed, 0x5a3b1e);
	for (size_t i = 0; i < nres; i++) {
		struct k_reservoir *r = &s->res[i];
		r->k = k[i];
		/* A reservoir of none takes no line: its next is never seen. */
		r->next = r->k > 0 ? 0 : UINT64_MAX;
		if (r->k == 0)
			continue;
		r->slot = malloc(r->k * sizeof *r->slot);
		if (r->slot == NULL) {
			k_sampler_release(s);
			return K_ENOMEM;
		}
	}
	return K_OK;
}

void
k_sampler_release(struct k_sampler *s)
{
	for (size_t i = 0; i < s->nres; i++)
		free(s->res[i].slot);
	for (size_t i = 0; i < s->nlines; i++)
		free(s->lines[i].text);
	free(s->res);
	free(s->lines);
	free(s->free_ids);
	memset(s, 0, sizeof *s);
}

static void
unref(struct k_sampler *s, uint32_t id)
{
	struct k_sline *l = &s->lines[id];

	if (--l->refs == 0) {
		free(l->text);
		l->text = NULL;
		s->free_ids[s->nfree++] = id;
	}
}

/* A copy of the line under a fresh id, or -1. */
static int64_t
store(struct k_sampler *s, const char *line, size_t len, long lineno,
      int source)
{
	uint32_t id;

	if (s->nfree > 0) {
		id = s->free_ids[--s->nfree];
	} else {
		if (s->nlines == s->caplines) {
			size_t nc = s->caplines ? s->caplines * 2 : 1024;
			struct k_sline *nl = realloc(s->lines, nc * sizeof *nl);
			if (nl == NULL)
				return -1;
			s->lines = nl;
			uint32_t *nf = realloc(s->free_ids, nc * sizeof *nf);
			if (nf == NULL)
				return -1;
			s->free_ids = nf;
			s->caplines = nc;
		}
		id = (uint32_t)s->nlines++;
	}
	struct k_sline *l = &s->lines[id];
	l->text = malloc(len + 1);
	if (l->text == NULL)
		return -1;
	memcpy(l->text, line, len);
	l->text[len] = '\0';
	l->len = len;
	l->lineno = lineno;
	l->source = source;
	l->refs = 0;
	return id;
}

enum k_status
k_sampler_offer(struct k_sampler *s, const char *line, size_t len,
                long lineno, int source)
{
	uint64_t i = s->seen++;
	int64_t id = -1;

	if (i < s->min_next)
		return K_OK;
	uint64_t min_next = UINT64_MAX;
	for (size_t j = 0; j < s->nres; j++) {
		struct k_reservoir *r = &s->res[j];
		if (r->next == i) {
			if (id < 0 && (id = store(s, line, len, lineno, source)) < 0)
				return K_ENOMEM;
			if (r->filled < r->k) {
				r->slot[r->filled++] = (uint32_t)id;
				if (r->filled < r->k) {
					r->next = i + 1;
				} else {
					r->w = exp(log(k_rng_open01(&s->rng)) /
					           (double)r->k);
					r->next = i;
					draw_next(s, r);
				}
			} else {
				size_t at = (size_t)k_rng_below(&s->rng, r->k);
				unref(s, r->slot[at]);
				r->slot[at] = (uint32_t)id;
				draw_next(s, r);
			}
			s->lines[id].refs++;
		}
		if (r->next < min_next)
			min_next = r->next;
	}
	s->min_next = min_next;
	return K_OK;
}
