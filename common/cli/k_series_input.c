/*
 * k_series_input.c - the series reader of k_series_input.h. The first rows
 * are held, their lines copied, until the span rule has judged them
 * together; after that each row is judged as it is read.
 */
#include "cli/k_series_input.h"

#include <stdlib.h>
#include <string.h>

#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_progress.h"
#include "model/k_forecast_span.h"
#include "text/k_jscan.h"

/* The held rows stop at this many bytes of lines, or at the rule's count. */
#define HOLD_BYTES ((size_t)4 << 20)

struct held {
	char *line;
	size_t len;
	long lineno;
	const char *source;
	int64_t ts;
	double value;
};

struct reading {
	struct k_series_input *s;
	struct k_input in;
	struct k_reject *rj;
	struct k_forecast_span sp;
	int64_t anchor;
	int judging;                 /* the start is made: judge each row */
	struct held held[K_FORECAST_SPAN_HOLD];
	size_t nheld, held_bytes;
};

static void
push(struct k_series_input *s, int64_t ts, double v)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 4096;
		struct k_forecast_obs *no = realloc(s->obs, nc * sizeof *no);
		if (no == NULL)
			k_die(K_ENOMEM, "out of memory");
		s->obs = no;
		s->cap = nc;
	}
	s->obs[s->n++] = (struct k_forecast_obs){ ts, v, s->rows++ };
}

/* Reject a row for its time; --strict stops the reading. */
static void
outlying(struct reading *r, const char *source, long lineno,
         const char *line, size_t len, int64_t ts)
{
	char why[200];

	k_forecast_span_why(&r->sp, ts, why, sizeof why);
	r->s->outlying++;
	if (k_reject_line(r->rj, source, lineno, line, len, why))
		r->in.stop = 1;
}

/* Judge the held rows together, in input order, and start the span. */
static void
start(struct reading *r)
{
	int64_t ts[K_FORECAST_SPAN_HOLD];
	unsigned char keep[K_FORECAST_SPAN_HOLD];

	for (size_t i = 0; i < r->nheld; i++)
		ts[i] = r->held[i].ts;
	k_forecast_span_start(&r->sp, ts, r->nheld, r->anchor, keep);
	for (size_t i = 0; i < r->nheld; i++) {
		struct held *h = &r->held[i];
		if (keep[i])
			push(r->s, h->ts, h->value);
		else if (!r->in.stop)
			outlying(r, h->source, h->lineno, h->line, h->len, h->ts);
		free(h->line);
	}
	r->nheld = r->held_bytes = 0;
	r->judging = 1;
}

/* A row with a usable time and value: held, taken or rejected. */
static void
take(struct reading *r, int64_t ts, double v)
{
	struct k_input *in = &r->in;

	if (r->judging) {
		if (k_forecast_span_take(&r->sp, ts))
			push(r->s, ts, v);
		else
			outlying(r, in->source, in->lineno, in->line, in->len, ts);
		return;
	}
	char *copy = malloc(in->len + 1);
	if (copy == NULL)
		k_die(K_ENOMEM, "out of memory");
	memcpy(copy, in->line, in->len + 1);
	r->held[r->nheld++] = (struct held){ copy, in->len, in->lineno,
	                                     in->source, ts, v };
	r->held_bytes += in->len;
	if (r->nheld == K_FORECAST_SPAN_HOLD || r->held_bytes >= HOLD_BYTES)
		start(r);
}

int
k_series_input_read(struct k_series_input *s, const char *field,
                    int64_t anchor, struct k_reject *rj)
{
	struct reading r;
	struct k_jscan scan;
	struct k_progress pg;
	struct k_error e;
	char why[320];

	memset(s, 0, sizeof *s);
	memset(&r, 0, sizeof r);
	r.s = s;
	r.rj = rj;
	r.anchor = anchor;
	k_jscan_init(&scan, "features");
	k_progress_init(&pg);
	k_input_init(&r.in, k_opts.files, k_opts.nfiles, 0, rj);
	while (k_input_next(&r.in) > 0) {
		double v;
		int64_t ts;

		if ((r.in.lineno & 0xfff) == 0)
			k_progress_update(&pg, "%ld lines read", s->rows);
		if (k_jscan_line(&scan, r.in.line, r.in.len, &e) != K_OK)
			k_input_reject(&r.in, "%s", e.text);
		else if (k_forecast_row(&scan, field, &ts, &v, why,
		                        sizeof why) < 0)
			k_input_reject(&r.in, "%s", why);
		else
			take(&r, ts, v);
	}
	if (!r.judging)
		start(&r);
	k_progress_done(&pg);
	k_jscan_release(&scan);
	s->stop = r.in.stop;
	return s->stop;
}

void
k_series_input_release(struct k_series_input *s)
{
	free(s->obs);
	memset(s, 0, sizeof *s);
}
