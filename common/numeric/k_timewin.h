/*
 * k_timewin.h - incremental true time windows with bounded memory, so one
 * feature program serves a 90-day backfill and a live stream alike: a
 * sliced window keeps count, sum, mean, sd, min, max and the count above a
 * level over the last span of time, at a resolution of span/slots.
 */
#ifndef K_TIMEWIN_H
#define K_TIMEWIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

struct k_timewin_params {
	int64_t span_ms;   /* window length, ms (> 0) */
	size_t slots;      /* slices the span is cut into (1..1000000);
	                      the window edge is exact to span/slots */
	double above;      /* level for k_timewin_stats.nabove (default +inf) */
};

struct k_timewin_slot {
	int64_t idx;       /* slice number: floor(ts / slot_ms) */
	double n, sum, sumsq, min, max, nabove;
};

struct k_timewin {
	int64_t span_ms, slot_ms;
	size_t nslots;
	double above;
	double shift;      /* subtracted before squaring (first value added) */
	int shifted;
	int64_t head;      /* newest slice index added, INT64_MIN if none */
	struct k_timewin_slot *ring;
};

struct k_timewin_stats {
	double n;          /* values in the window */
	double sum, mean;  /* NAN mean when n == 0 */
	double sd;         /* sample standard deviation; NAN when n < 2 */
	double min, max;   /* NAN when n == 0 */
	double nabove;     /* values strictly above params.above */
};

struct k_timewin_params k_timewin_params_default(void);
/* NULL, or why the parameters are unusable (slot shorter than 1 ms...). */
const char *k_timewin_params_check(const struct k_timewin_params *p);

/* K_OK, K_EUSAGE (bad params, err says why) or K_ENOMEM. */
enum k_status k_timewin_init(struct k_timewin *w, const struct k_timewin_params *p,
                          struct k_error *err);
void k_timewin_release(struct k_timewin *w);
/* Forget every value (keeps the memory). */
void k_timewin_clear(struct k_timewin *w);

/*
 * Add value v at time ts (ms). Values may arrive out of order: a value
 * whose slice is still inside the window of the newest slice is counted;
 * an older one is dropped and 0 is returned (1 when counted). Non-finite
 * values are ignored (returns 0).
 */
int k_timewin_add(struct k_timewin *w, int64_t ts, double v);

/*
 * Statistics of the window ending with the slice that holds time `now`
 * (ms): the slots slices up to and including it, that is the times in
 * [(s - slots + 1) * slot_ms, (s + 1) * slot_ms) with s = floor(now /
 * slot_ms). Pass bucket_end - 1 to get exactly [bucket_end - span,
 * bucket_end) when buckets are aligned to slices. O(slots).
 */
void k_timewin_stats(const struct k_timewin *w, int64_t now,
                  struct k_timewin_stats *st);

#endif
