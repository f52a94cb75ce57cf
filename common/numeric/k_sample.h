/*
 * k_sample.h - uniform samples of an unbounded stream of lines in constant
 * memory: several independent reservoirs (Vitter's Algorithm L) over one
 * stream, sharing reference-counted copies of the lines they keep. A line
 * that no reservoir takes is neither copied nor parsed, which is what lets
 * ktrain read a large file at the speed of finding its newlines.
 */
#ifndef K_SAMPLE_H
#define K_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_rng.h"
#include "base/k_status.h"

struct k_sline {
	char *text;        /* a copy of the line, NUL-terminated */
	size_t len;
	long lineno;       /* line number in its source */
	int source;        /* index of the source (input file) */
	int refs;          /* reservoirs holding it; 0 = free slot */
};

struct k_reservoir {
	uint32_t *slot;    /* line ids */
	size_t k;          /* capacity */
	size_t filled;
	uint64_t next;     /* stream index of the next line it takes */
	double w;          /* Algorithm L state */
};

struct k_sampler {
	struct k_reservoir *res;
	size_t nres;
	struct k_sline *lines;
	size_t nlines, caplines;
	uint32_t *free_ids;
	size_t nfree;
	uint64_t seen;     /* lines offered so far */
	uint64_t min_next; /* smallest next over the reservoirs */
	struct k_rng rng;
	int oom;
};

/* nres reservoirs, reservoir i holding up to k[i] lines. */
enum k_status k_sampler_init(struct k_sampler *s, size_t nres,
                             const size_t *k, uint64_t seed);
void k_sampler_release(struct k_sampler *s);

/* Offer the next line of the stream; it is copied only if some reservoir
 * takes it. Returns K_OK or K_ENOMEM. */
enum k_status k_sampler_offer(struct k_sampler *s, const char *line,
                              size_t len, long lineno, int source);

#endif
