/*
 * k_series_input.h - the observations of one numeric series (a feature
 * row's field and its "ts"), read from the program's input files through
 * k_input: the reading that `ktrain forecast` trains on and `kforecast
 * --update` updates with, so that both take and refuse the same rows.
 */
#ifndef K_SERIES_INPUT_H
#define K_SERIES_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "cli/k_reject.h"
#include "model/k_forecast.h"

struct k_series_input {
	struct k_forecast_obs *obs;  /* in input order; malloc'd */
	size_t n, cap;
	long rows;                   /* rows taken (their seq numbers) */
	size_t outlying;             /* rows rejected for their time */
	int stop;                    /* --strict stopped at a rejected row */
};

/*
 * Read field's observations from the FILE arguments (k_opts.files, or
 * standard input) into s, zeroed first; a row without a usable ts or
 * value, or with a time far from the series (k_forecast_span.h; anchor is
 * the model's last hour for an update, else INT64_MIN), is rejected under
 * rj. Progress on stderr. Ends the program when out of memory or when an
 * input cannot be read. Returns s->stop.
 */
int k_series_input_read(struct k_series_input *s, const char *field,
                        int64_t anchor, struct k_reject *rj);

void k_series_input_release(struct k_series_input *s);

#endif
