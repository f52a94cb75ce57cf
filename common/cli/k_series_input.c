/*
 * k_series_input.c - the series reader of k_series_input.h.
 */
#include "cli/k_series_input.h"

#include <stdlib.h>
#include <string.h>

#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_progress.h"
#include "text/k_jscan.h"

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

int
k_series_input_read(struct k_series_input *s, const char *field,
                    struct k_reject *rj)
{
	struct k_input in;
	struct k_jscan scan;
	struct k_progress pg;
	struct k_error e;
	char why[320];

	memset(s, 0, sizeof *s);
	k_jscan_init(&scan, "features");
	k_progress_init(&pg);
	k_input_init(&in, k_opts.files, k_opts.nfiles, 0, rj);
	while (k_input_next(&in) > 0) {
		double v;
		int64_t ts;

		if ((in.lineno & 0xfff) == 0)
			k_progress_update(&pg, "%ld lines read", s->rows);
		if (k_jscan_line(&scan, in.line, in.len, &e) != K_OK)
			k_input_reject(&in, "%s", e.text);
		else if (k_forecast_row(&scan, field, &ts, &v, why,
		                        sizeof why) < 0)
			k_input_reject(&in, "%s", why);
		else
			push(s, ts, v);
	}
	k_progress_done(&pg);
	k_jscan_release(&scan);
	s->stop = in.stop;
	return s->stop;
}

void
k_series_input_release(struct k_series_input *s)
{
	free(s->obs);
	memset(s, 0, sizeof *s);
}
