/*
 * k_forecast_span.h - which timestamps belong to a series. One valid but
 * far-off time (year 3000, year 0, seconds read as milliseconds) would
 * stretch the hourly grid over centuries: millions of missing hours, or a
 * grid too long to build. This is the rule, shared by ktrain forecast and
 * kforecast --update, that turns such a time into a rejected line:
 *
 *   - the gap bound G is the larger of K_FORECAST_SPAN_MIN_GAP_MS (a year)
 *     and K_FORECAST_SPAN_STEPS times the median step between the distinct
 *     hours of the first rows read;
 *   - the first K_FORECAST_SPAN_HOLD rows are judged together: the series
 *     is the run of their hours, around their median hour (for an update,
 *     around the model's last hour), in which no two neighbours are more
 *     than G apart; the rows outside it are outlying;
 *   - after them, a row whose hour is more than G before the first hour
 *     taken or after the last is outlying; any other extends the span.
 *
 * Rows of a series with no gap longer than G are never outlying, in any
 * order. The rule reads times only, so it is the same for every field.
 */
#ifndef K_FORECAST_SPAN_H
#define K_FORECAST_SPAN_H

#include <stddef.h>
#include <stdint.h>

#define K_FORECAST_SPAN_HOLD     64
#define K_FORECAST_SPAN_STEPS    1000
#define K_FORECAST_SPAN_MIN_GAP_MS (INT64_C(365) * 24 * 3600 * 1000)

struct k_forecast_span {
	int64_t lo, hi;    /* the first and last hour taken, ms */
	int64_t gap;       /* G, ms */
};

/*
 * Judge the first rows' times ts[0..n) (n <= K_FORECAST_SPAN_HOLD, n > 0
 * unless anchor is given): set keep[i] to 1 for the rows of the series and
 * 0 for the outlying, and start sp from those kept. anchor is the model's
 * last hour for an update, which the series must hold, or INT64_MIN.
 * Returns the number kept.
 */
size_t k_forecast_span_start(struct k_forecast_span *sp, const int64_t *ts,
                             size_t n, int64_t anchor, unsigned char *keep);

/* After the start: 1 if ts belongs to the series (the span grows to hold
 * it), 0 if it is outlying. */
int k_forecast_span_take(struct k_forecast_span *sp, int64_t ts);

/* "ts 3000-01-01T00:00:00Z is 8500000 hours from the series (the bound is
 * 8760 hours)", into why (cap bytes). */
void k_forecast_span_why(const struct k_forecast_span *sp, int64_t ts,
                         char *why, size_t cap);

#endif
