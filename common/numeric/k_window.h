/*
 * k_window.h - incremental true time windows with bounded memory, so one
 * feature program serves a 90-day backfill and a live stream alike: a
 * sliced window (count, sum, mean, sd, min, max, count above a level over
 * the last span of time, at a resolution of span/slots) and an as-of
 * series (the value at or before a time, thinned to one point per slot).
 */
#ifndef K_WINDOW_H
#define K_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

/* ---- sliced window ---- */

struct k_twin_params {
	int64_t span_ms;   /* window length, ms (> 0) */
	size_t slots;      /* slices the span is cut into (1..1000000);
	                      the window edge is exact to span/slots */
	double above;      /* level for k_twin_stats.nabove (default +inf) */
};

struct k_twin_slot {
	int64_t idx;       /* slice number: floor(ts / slot_ms) */
	double n, sum, sumsq, min, max, nabove;
};

struct k_twin {
	int64_t span_ms, slot_ms;
	size_t nslots;
	double above;
	double shift;      /* subtracted before squaring (first value added) */
	int shifted;
	int64_t head;      /* newest slice index added, INT64_MIN if none */
	struct k_twin_slot *ring;
};

struct k_twin_stats {
	double n;          /* values in the window */
	double sum, mean;  /* NAN mean when n == 0 */
	double sd;         /* sample standard deviation; NAN when n < 2 */
	double min, max;   /* NAN when n == 0 */
	double nabove;     /* values strictly above params.above */
};

struct k_twin_params k_twin_params_default(void);
/* NULL, or why the parameters are unusable (slot shorter than 1 ms...). */
const char *k_twin_params_check(const struct k_twin_params *p);

/* K_OK, K_EUSAGE (bad params, err says why) or K_ENOMEM. */
enum k_status k_twin_init(struct k_twin *w, const struct k_twin_params *p,
                          struct k_error *err);
void k_twin_release(struct k_twin *w);
/* Forget every value (keeps the memory). */
void k_twin_clear(struct k_twin *w);

/*
 * Add value v at time ts (ms). Values may arrive out of order: a value
 * whose slice is still inside the window of the newest slice is counted;
 * an older one is dropped and 0 is returned (1 when counted). Non-finite
 * values are ignored (returns 0).
 */
int k_twin_add(struct k_twin *w, int64_t ts, double v);

/*
 * Statistics of the window ending with the slice that holds time `now`
 * (ms): the slots slices up to and including it, that is the times in
 * [(s - slots + 1) * slot_ms, (s + 1) * slot_ms) with s = floor(now /
 * slot_ms). Pass bucket_end - 1 to get exactly [bucket_end - span,
 * bucket_end) when buckets are aligned to slices. O(slots).
 */
void k_twin_stats(const struct k_twin *w, int64_t now,
                  struct k_twin_stats *st);

/* ---- as-of series ---- */

struct k_tseries {
	int64_t span_ms;   /* history kept behind the newest point */
	int64_t res_ms;    /* at most one point (the newest) per res_ms */
	size_t cap, n, first;
	int64_t *t;
	double *v;
};

/* span_ms > 0, 0 < res_ms <= span_ms. Memory: span/res + 3 points. */
enum k_status k_tseries_init(struct k_tseries *s, int64_t span_ms,
                             int64_t res_ms, struct k_error *err);
void k_tseries_release(struct k_tseries *s);
void k_tseries_clear(struct k_tseries *s);

/*
 * Append (ts, v). A point in the same res_ms slice as the newest replaces
 * it; a point older than the newest is refused (returns 0; 1 when kept).
 * Points more than span_ms behind the newest are dropped, except the one
 * that as-of lookups at newest - span_ms need.
 */
int k_tseries_push(struct k_tseries *s, int64_t ts, double v);

/*
 * The newest point with time <= t and no older than t - max_age (max_age
 * < 0: any age). Returns 1 with *v (and *tv if not NULL) set, else 0.
 */
int k_tseries_asof(const struct k_tseries *s, int64_t t, int64_t max_age,
                   double *v, int64_t *tv);

/* Number of points, and point i (0 = oldest). */
size_t k_tseries_len(const struct k_tseries *s);
void k_tseries_at(const struct k_tseries *s, size_t i, int64_t *t, double *v);

/* ---- durations ---- */

/*
 * Parse a duration: a positive whole number followed by ms, s, m, h, d
 * or w ("90s", "5m", "1h", "7d"); a bare number is seconds. Returns 0 and *ms,
 * or -1 if malformed or out of range (over 10 years).
 */
int k_window_span_parse(const char *s, int64_t *ms);

/* Shortest text of a duration for output ("1h", "90s", "250ms"); buf
 * needs 32 bytes. Returns buf. */
char *k_window_span_format(int64_t ms, char *buf, size_t cap);

#endif
