/*
 * k_pager.h - paging a time series forward through an API that caps its
 * answers (Hyperliquid's candles and funding rows, Binance's klines):
 * each page's records taken in time order, once each, inside the window,
 * and the time the next page asks from. The clients build the requests;
 * this is the walk they share.
 */
#ifndef K_PAGER_H
#define K_PAGER_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "records/k_raw.h"

struct k_pager {
	int64_t start, end;  /* the window [start, end), ms */
	int64_t step;        /* the series' spacing, ms: a record less than
	                      * a step before end is its last */
	int candles;         /* the records are candles (0 by default) */
	int64_t now;         /* with candles: one closing at or after now is
	                      * still open, and it ends the series */
	int64_t *next;       /* may be NULL: one past the newest record taken,
	                      * start before any (where a later poll starts) */
	int64_t from;        /* the time the next page asks from */
	int64_t last;        /* the newest record taken, INT64_MIN before */
	size_t got;          /* records taken */
	int progressed;      /* the last page gave a record not taken before */
	int open;            /* and reached a candle still open */
};

/* Start on the window [start, end) of a series spaced step ms: from is
 * start, nothing taken, not candles; *next (if next is not NULL) is set
 * to start. */
void k_pager_init(struct k_pager *p, int64_t start, int64_t end,
                  int64_t step, int64_t *next);

/* Sort page by time and append to out each of its records inside the
 * window and newer than the last taken, stopping at a candle still open
 * (see now). K_OK, or K_ENOMEM with err filled; what was taken before
 * stays in out. */
enum k_status k_pager_take(struct k_pager *p, struct k_raw_vec *page,
                           struct k_raw_vec *out, struct k_error *err);

/* After k_pager_take: 1 when the series goes on (the page gave a new
 * record, none still open, and the newest is a step or more before the
 * window's end), with from moved past the newest; else 0. */
int k_pager_go_on(struct k_pager *p);

#endif
