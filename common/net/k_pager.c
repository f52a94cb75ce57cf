/*
 * k_pager.c - the forward walk over a capped time series of k_pager.h.
 */
#include "net/k_pager.h"

#include <stdlib.h>

void
k_pager_init(struct k_pager *p, int64_t start, int64_t end, int64_t step,
             int64_t *next)
{
	p->start = start;
	p->end = end;
	p->step = step;
	p->candles = 0;
	p->now = 0;
	p->next = next;
	p->from = start;
	p->last = INT64_MIN;
	p->got = 0;
	p->progressed = p->open = 0;
	if (next != NULL)
		*next = start;
}

static int
cmp_raw_ts(const void *a, const void *b)
{
	const struct k_raw *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

enum k_status
k_pager_take(struct k_pager *p, struct k_raw_vec *page, struct k_raw_vec *out,
             struct k_error *err)
{
	if (page->n > 1)
		qsort(page->v, page->n, sizeof *page->v, cmp_raw_ts);
	p->progressed = p->open = 0;
	for (size_t i = 0; i < page->n; i++) {
		const struct k_raw *x = &page->v[i];
		if (x->ts < p->start || x->ts >= p->end || x->ts <= p->last)
			continue;
		p->last = x->ts;
		p->progressed = 1;
		if (p->candles && x->u.candle.close_ms >= p->now) {
			p->open = 1; /* still open: later ones cannot be closed */
			break;
		}
		if (k_raw_vec_push(out, x) != K_OK)
			return k_error_set(err, K_ENOMEM, "out of memory");
		p->got++;
		if (p->next != NULL)
			*p->next = x->ts + 1;
	}
	return K_OK;
}

int
k_pager_go_on(struct k_pager *p)
{
	if (!p->progressed || p->open || p->last + p->step > p->end - 1)
		return 0;
	p->from = p->last + 1;
	return 1;
}
