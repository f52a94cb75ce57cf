/*
 * k_hyperliquid.c - Hyperliquid info API requests, response parsers and
 * paging fetchers of k_hyperliquid.h.
 */
#include "net/k_hyperliquid.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "net/k_pager.h"
#include "text/k_json.h"

#define HOUR_MS INT64_C(3600000)

/* ---- weights and intervals ---- */

double
k_hyperliquid_weight(const char *type)
{
	static const char *const light[] = {
		"l2Book", "allMids", "clearinghouseState", "orderStatus",
		"spotClearinghouseState", "exchangeStatus"
	};
	for (size_t i = 0; i < sizeof light / sizeof light[0]; i++)
		if (strcmp(type, light[i]) == 0)
			return 2;
	if (strcmp(type, "userRole") == 0)
		return 60;
	return 20;
}

double
k_hyperliquid_extra_weight(const char *type, size_t items)
{
	static const char *const per20[] = {
		"userFills", "userFillsByTime", "fundingHistory", "userFunding",
		"recentTrades", "historicalOrders", "userTwapSliceFills",
		"userNonFundingLedgerUpdates"
	};
	for (size_t i = 0; i < sizeof per20 / sizeof per20[0]; i++)
		if (strcmp(type, per20[i]) == 0)
			return (double)(items / 20);
	if (strcmp(type, "candleSnapshot") == 0)
		return (double)(items / 60);
	return 0;
}

int64_t
k_hyperliquid_interval_ms(const char *iv)
{
	static const struct { const char *name; int64_t ms; } t[] = {
		{ "1m", 60000 }, { "3m", 180000 }, { "5m", 300000 },
		{ "15m", 900000 }, { "30m", 1800000 }, { "1h", HOUR_MS },
		{ "2h", 2 * HOUR_MS }, { "4h", 4 * HOUR_MS }, { "8h", 8 * HOUR_MS },
		{ "12h", 12 * HOUR_MS }, { "1d", 24 * HOUR_MS },
		{ "3d", 72 * HOUR_MS }, { "1w", 168 * HOUR_MS },
		{ "1M", 28 * 24 * HOUR_MS },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(iv, t[i].name) == 0)
			return t[i].ms;
	return 0;
}

/* ---- helpers ---- */

static void
reject(k_raw_reject_fn rej, void *ctx, const char *label, const char *where,
       size_t i, const struct k_error *e)
{
	struct k_error r;

	if (rej == NULL)
		return;
	if (where != NULL)
		k_error_field(&r, K_EDATA, e->field, "%s: %s[%zu]: %s", label,
		              where, i, e->text);
	else
		k_error_field(&r, K_EDATA, e->field, "%s: element %zu: %s",
		              label, i, e->text);
	rej(ctx, &r);
}

/* The response as a whole (or one of its parts) has the wrong shape. */
static enum k_status
shape(struct k_error *err, const char *label, const char *field,
      const json_t *v, const char *want)
{
	char got[96];

	k_json_describe(v, got, sizeof got);
	return k_error_field(err, K_EDATA, field, "%s: %s%sexpected %s, got %s",
	                     label, field, field[0] ? ": " : "", want, got);
}

/* One field of an element (the element itself when field is NULL). */
static enum k_status
bad_field(struct k_error *e, const char *field, const json_t *v,
          const char *want)
{
	char got[96];

	k_json_describe(v, got, sizeof got);
	if (field == NULL)
		return k_error_field(e, K_EDATA, "", "expected %s, got %s", want,
		                     got);
	return k_error_field(e, K_EDATA, field, "field '%s': expected %s, got "
	                     "%s", field, want, got);
}

static void
note(struct k_hyperliquid *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct k_hyperliquid *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (c->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	c->note(c->note_ctx, buf);
}

static int
copy_coin(const json_t *v, char *out)
{
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= K_RAW_COIN_MAX)
		return -1;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* ---- parsers ---- */

/* The index of coin in the universe uni (nu coins), or nu. */
static size_t
universe_find(const json_t *uni, size_t nu, const char *coin)
{
	size_t i;
	for (i = 0; i < nu; i++) {
		const json_t *name = json_object_get(json_array_get(uni, i), "name");
		if (json_is_string(name) && strcmp(json_string_value(name), coin) == 0)
			break;
	}
	return i;
}

/* The price record of universe entry u with its context cx (index i),
 * stamped ts: 1, or 0 when one of them is bad (reported to rej). */
static int
asset_price(const json_t *u, const json_t *cx, size_t i, int64_t ts,
            const char *label, struct k_raw *r, k_raw_reject_fn rej,
            void *ctx)
{
	struct k_raw_price *p = &r->u.price;
	struct k_error e;

	k_raw_init(r, K_RAW_PRICE, "hyperliquid");
	r->ts = ts;
	if (!json_is_object(u) ||
	    copy_coin(json_object_get(u, "name"), r->coin) < 0) {
		bad_field(&e, "name", json_object_get(u, "name"), "a coin name");
		reject(rej, ctx, label, "universe", i, &e);
		return 0;
	}
	if (!json_is_object(cx)) {
		bad_field(&e, NULL, cx, "an object");
		reject(rej, ctx, label, "contexts", i, &e);
		return 0;
	}
	if (k_raw_get_dec(cx, "oraclePx", K_RAW_POSITIVE, &p->oracle,
	                  &e) != K_OK ||
	    k_raw_get_dec(cx, "markPx", K_RAW_POSITIVE, &p->mark, &e) != K_OK ||
	    k_raw_get_dec(cx, "midPx", K_RAW_OPTIONAL | K_RAW_POSITIVE,
	                  &p->mid, &e) != K_OK ||
	    k_raw_get_dec(cx, "funding", 0, &p->funding, &e) != K_OK ||
	    k_raw_get_dec(cx, "openInterest", K_RAW_NONNEG,
	                  &p->open_interest, &e) != K_OK ||
	    k_raw_get_dec(cx, "premium", K_RAW_OPTIONAL, &p->premium,
	                  &e) != K_OK ||
	    k_raw_get_dec(cx, "prevDayPx", K_RAW_OPTIONAL | K_RAW_NONNEG,
	                  &p->prev_day_px, &e) != K_OK ||
	    k_raw_get_dec(cx, "dayNtlVlm", K_RAW_OPTIONAL | K_RAW_NONNEG,
	                  &p->day_ntl_vlm, &e) != K_OK) {
		struct k_error r2;
		k_error_field(&r2, K_EDATA, e.field, "%s: coin '%s': %s", label,
		              r->coin, e.text);
		if (rej)
			rej(ctx, &r2);
		return 0;
	}
	p->has = K_RAW_P_ORACLE | K_RAW_P_MARK | K_RAW_P_MID | K_RAW_P_FUNDING |
	         K_RAW_P_OI | K_RAW_P_PREMIUM | K_RAW_P_PREV_DAY |
	         K_RAW_P_DAY_NTL;
	return 1;
}

enum k_status
k_hyperliquid_parse_asset_ctxs(const json_t *resp, int64_t ts,
                      const char *const *coins, size_t ncoins,
                      const char *label, struct k_raw_vec *out,
                      k_raw_reject_fn rej, void *ctx, struct k_error *err)
{
	const json_t *meta, *uni, *ctxs;
	struct k_error e;
	size_t nu;

	if (!json_is_array(resp) || json_array_size(resp) < 2)
		return shape(err, label, "", resp, "an array [meta, contexts]");
	meta = json_array_get(resp, 0);
	ctxs = json_array_get(resp, 1);
	if (!json_is_object(meta))
		return shape(err, label, "[0]", meta, "an object");
	uni = json_object_get(meta, "universe");
	if (!json_is_array(uni))
		return shape(err, label, "[0].universe", uni, "an array");
	if (!json_is_array(ctxs))
		return shape(err, label, "[1]", ctxs, "an array");
	nu = json_array_size(uni);
	if (json_array_size(ctxs) != nu)
		return k_error_field(err, K_EDATA, "[1]", "%s: universe lists %zu "
		                     "coins but there are %zu contexts; they must "
		                     "be index-aligned", label, nu,
		                     json_array_size(ctxs));
	size_t want = ncoins ? ncoins : nu;
	for (size_t k = 0; k < want; k++) {
		size_t i = k;
		if (ncoins) {
			i = universe_find(uni, nu, coins[k]);
			if (i == nu) {
				k_error_field(&e, K_EDATA, "universe", "%s: coin '%s' "
				              "is not in the universe", label, coins[k]);
				if (rej)
					rej(ctx, &e);
				continue;
			}
		} else if (json_is_true(json_object_get(json_array_get(uni, i),
		                                        "isDelisted"))) {
			continue;
		}
		struct k_raw r;
		if (!asset_price(json_array_get(uni, i), json_array_get(ctxs, i), i,
		                 ts, label, &r, rej, ctx))
			continue;
		if (k_raw_vec_push(out, &r) != K_OK)
			return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

enum k_status
k_hyperliquid_parse_candles(const json_t *resp, const char *coin, const char *interval,
                   const char *label, struct k_raw_vec *out,
                   k_raw_reject_fn rej, void *ctx, struct k_error *err)
{
	int64_t iv = k_hyperliquid_interval_ms(interval);
	size_t i;
	const json_t *el;

	if (!json_is_array(resp))
		return shape(err, label, "", resp, "an array of candles");
	json_array_foreach(resp, i, el) {
		struct k_raw r;
		struct k_raw_candle *c = &r.u.candle;
		struct k_error e;
		const json_t *s;

		k_raw_init(&r, K_RAW_CANDLE, "hyperliquid");
		snprintf(r.coin, sizeof r.coin, "%s", coin);
		snprintf(c->interval, sizeof c->interval, "%s", interval);
		if (!json_is_object(el)) {
			bad_field(&e, NULL, el, "an object");
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		s = json_object_get(el, "s");
		if (s != NULL && (!json_is_string(s) ||
		                  strcmp(json_string_value(s), coin) != 0)) {
			bad_field(&e, "s", s, "the coin asked for");
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		if (k_raw_get_ms(el, "t", &r.ts, &e) != K_OK ||
		    k_raw_get_dec(el, "o", K_RAW_POSITIVE, &c->open, &e) != K_OK ||
		    k_raw_get_dec(el, "h", K_RAW_POSITIVE, &c->high, &e) != K_OK ||
		    k_raw_get_dec(el, "l", K_RAW_POSITIVE, &c->low, &e) != K_OK ||
		    k_raw_get_dec(el, "c", K_RAW_POSITIVE, &c->close, &e) != K_OK ||
		    k_raw_get_dec(el, "v", K_RAW_NONNEG, &c->volume, &e) != K_OK) {
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		if (json_object_get(el, "T") != NULL) {
			if (k_raw_get_ms(el, "T", &c->close_ms, &e) != K_OK) {
				reject(rej, ctx, label, NULL, i, &e);
				continue;
			}
		} else {
			c->close_ms = r.ts + (iv ? iv : 1) - 1;
		}
		if (json_object_get(el, "n") != NULL &&
		    k_raw_get_count(el, "n", &c->trades, &e) != K_OK) {
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		if (k_raw_vec_push(out, &r) != K_OK)
			return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

enum k_status
k_hyperliquid_parse_funding(const json_t *resp, const char *coin, const char *label,
                   struct k_raw_vec *out, k_raw_reject_fn rej, void *ctx,
                   struct k_error *err)
{
	size_t i;
	const json_t *el;

	if (!json_is_array(resp))
		return shape(err, label, "", resp, "an array of funding rows");
	json_array_foreach(resp, i, el) {
		struct k_raw r;
		struct k_error e;
		const json_t *cn;

		k_raw_init(&r, K_RAW_FUNDING, "hyperliquid");
		snprintf(r.coin, sizeof r.coin, "%s", coin);
		if (!json_is_object(el)) {
			bad_field(&e, NULL, el, "an object");
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		cn = json_object_get(el, "coin");
		if (cn != NULL && (!json_is_string(cn) ||
		                   strcmp(json_string_value(cn), coin) != 0)) {
			bad_field(&e, "coin", cn, "the coin asked for");
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		if (k_raw_get_ms(el, "time", &r.ts, &e) != K_OK ||
		    k_raw_get_dec(el, "fundingRate", 0, &r.u.funding.rate,
		                  &e) != K_OK ||
		    k_raw_get_dec(el, "premium", K_RAW_OPTIONAL,
		                  &r.u.funding.premium, &e) != K_OK) {
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		if (fabs(r.u.funding.rate) >= 1) {
			k_error_field(&e, K_EDATA, "fundingRate", "field "
			              "'fundingRate': %g out of range (|rate| < 1)",
			              r.u.funding.rate);
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		if (k_raw_vec_push(out, &r) != K_OK)
			return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

/* ---- portfolio ---- */

struct series {
	size_t n;
	int64_t *t;
	double *v;
};

struct window {
	int present;
	struct series av, pnl;
};

static void
series_free(struct series *s)
{
	free(s->t);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int
cmp_point(const void *a, const void *b)
{
	const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Read [[ms, "dec"], ...] into s, sorted by time; bad points are
 * reported and skipped. */
static enum k_status
read_series(const json_t *arr, const char *wname, const char *field,
            const char *label, struct series *s, k_raw_reject_fn rej,
            void *ctx, struct k_error *err)
{
	size_t i, n = json_array_size(arr);
	const json_t *pt;
	char where[96];

	snprintf(where, sizeof where, "window '%s': %s", wname, field);
	s->t = malloc((n ? n : 1) * sizeof *s->t);
	s->v = malloc((n ? n : 1) * sizeof *s->v);
	if (s->t == NULL || s->v == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	json_array_foreach(arr, i, pt) {
		struct k_error e;
		if (!json_is_array(pt) || json_array_size(pt) != 2) {
			bad_field(&e, NULL, pt, "a pair [ms, value]");
			reject(rej, ctx, label, where, i, &e);
			continue;
		}
		if (k_raw_get_ms(json_array_get(pt, 0), NULL, &s->t[s->n],
		                 &e) != K_OK ||
		    k_raw_get_dec(json_array_get(pt, 1), NULL, 0, &s->v[s->n],
		                  &e) != K_OK) {
			reject(rej, ctx, label, where, i, &e);
			continue;
		}
		s->n++;
	}
	/* Sort (time, value) pairs together: pack into a temporary. */
	int sorted = 1;
	for (size_t k = 1; k < s->n; k++)
		if (s->t[k] < s->t[k - 1])
			sorted = 0;
	if (!sorted) {
		int64_t (*pair)[2] = malloc(s->n * sizeof *pair);
		if (pair == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		for (size_t k = 0; k < s->n; k++) {
			pair[k][0] = s->t[k];
			memcpy(&pair[k][1], &s->v[k], sizeof(double));
		}
		qsort(pair, s->n, sizeof *pair, cmp_point);
		for (size_t k = 0; k < s->n; k++) {
			s->t[k] = pair[k][0];
			memcpy(&s->v[k], &pair[k][1], sizeof(double));
		}
		free(pair);
	}
	return K_OK;
}

static double
pnl_at(const struct series *s, int64_t t)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->t[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->t[lo] == t ? s->v[lo] : NAN;
}

static int
cmp_raw_ts(const void *a, const void *b)
{
	const struct k_raw *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static const char *const window_names[4] = { "day", "week", "month",
                                             "allTime" };

/* The windows day, week, month and allTime of the portfolio pf into w;
 * the others (perpDay & co) and repeats are passed over. */
static enum k_status
read_windows(const json_t *pf, const char *label, struct window w[4],
             k_raw_reject_fn rej, void *ctx, struct k_error *err)
{
	const json_t *el;
	enum k_status st;
	size_t i;

	json_array_foreach(pf, i, el) {
		const json_t *wn = json_array_get(el, 0), *h = json_array_get(el, 1);
		int k;
		if (!json_is_array(el) || json_array_size(el) != 2 ||
		    !json_is_string(wn) || !json_is_object(h))
			return shape(err, label, "portfolio", el, "[window name, "
			             "{accountValueHistory, pnlHistory}]");
		for (k = 0; k < 4; k++)
			if (strcmp(json_string_value(wn), window_names[k]) == 0)
				break;
		if (k == 4 || w[k].present)
			continue; /* perpDay & co, and repeats */
		const json_t *av = json_object_get(h, "accountValueHistory");
		const json_t *pn = json_object_get(h, "pnlHistory");
		char f[64];
		if (!json_is_array(av)) {
			snprintf(f, sizeof f, "%s.accountValueHistory", window_names[k]);
			return shape(err, label, f, av, "an array");
		}
		if (!json_is_array(pn)) {
			snprintf(f, sizeof f, "%s.pnlHistory", window_names[k]);
			return shape(err, label, f, pn, "an array");
		}
		w[k].present = 1;
		if ((st = read_series(av, window_names[k], "accountValueHistory",
		                      label, &w[k].av, rej, ctx, err)) != K_OK ||
		    (st = read_series(pn, window_names[k], "pnlHistory", label,
		                      &w[k].pnl, rej, ctx, err)) != K_OK)
			return st;
	}
	return K_OK;
}

/* The offsets that make each window's pnl cumulative since inception,
 * as allTime's is: each finer window (which starts at 0) is shifted so
 * its last point agrees with allTime's at the same time. A window that
 * cannot be anchored is left out (NAN). */
static void
pnl_offsets(const struct window w[4], double offset[4])
{
	const struct window *at = &w[3];
	for (int k = 0; k < 4; k++)
		offset[k] = NAN;
	if (at->present && at->pnl.n > 0) {
		int64_t tl = at->pnl.t[at->pnl.n - 1];
		double pl = at->pnl.v[at->pnl.n - 1];
		offset[3] = 0;
		for (int k = 0; k < 3; k++)
			if (w[k].present && w[k].pnl.n > 0 &&
			    w[k].pnl.t[w[k].pnl.n - 1] == tl)
				offset[k] = pl - w[k].pnl.v[w[k].pnl.n - 1];
	} else {
		/* No allTime: keep the coarsest window alone, as given. */
		for (int k = 3; k >= 0; k--)
			if (w[k].present && w[k].av.n > 0) {
				offset[k] = 0;
				break;
			}
	}
}

/* One hlp record of vault per account value point, each taken from the
 * finest window that covers its time, appended to out. */
static enum k_status
merge_windows(const struct window w[4], const double offset[4],
              const char *vault, struct k_raw_vec *out, struct k_error *err)
{
	int64_t boundary = INT64_MAX;
	for (int k = 0; k < 4; k++) {
		if (!w[k].present || w[k].av.n == 0 || isnan(offset[k]))
			continue;
		for (size_t j = 0; j < w[k].av.n; j++) {
			if (w[k].av.t[j] >= boundary)
				continue;
			struct k_raw r;
			k_raw_init(&r, K_RAW_HLP, "hyperliquid");
			r.ts = w[k].av.t[j];
			snprintf(r.u.hlp.vault, sizeof r.u.hlp.vault, "%s", vault);
			r.u.hlp.account_value = w[k].av.v[j];
			r.u.hlp.pnl = pnl_at(&w[k].pnl, r.ts) + offset[k];
			if (k_raw_vec_push(out, &r) != K_OK)
				return k_error_set(err, K_ENOMEM, "out of memory");
		}
		if (w[k].av.t[0] < boundary)
			boundary = w[k].av.t[0];
	}
	return K_OK;
}

enum k_status
k_hyperliquid_parse_portfolio(const json_t *resp, const char *vault, const char *label,
                     struct k_raw_vec *out, k_raw_reject_fn rej, void *ctx,
                     struct k_error *err)
{
	struct window w[4];
	double offset[4];
	const json_t *pf = resp;
	enum k_status st;
	size_t first_out = out->n;

	if (json_is_object(resp)) {
		pf = json_object_get(resp, "portfolio");
		if (!json_is_array(pf))
			return shape(err, label, "portfolio", pf, "an array of "
			             "[window, history] pairs");
	} else if (!json_is_array(resp)) {
		return shape(err, label, "", resp, "an array of [window, "
		             "history] pairs");
	}
	memset(w, 0, sizeof w);
	st = read_windows(pf, label, w, rej, ctx, err);
	int any = 0;
	for (int k = 0; k < 4; k++)
		any |= w[k].present && w[k].av.n > 0;
	if (st == K_OK && !any)
		st = k_error_field(err, K_EDATA, "portfolio", "%s: portfolio: no "
		                   "day, week, month or allTime history", label);
	if (st == K_OK) {
		pnl_offsets(w, offset);
		st = merge_windows(w, offset, vault, out, err);
	}
	if (st == K_OK && out->n - first_out > 1)
		qsort(out->v + first_out, out->n - first_out, sizeof *out->v,
		      cmp_raw_ts);
	for (int k = 0; k < 4; k++) {
		series_free(&w[k].av);
		series_free(&w[k].pnl);
	}
	return st;
}

/* ---- fills ---- */

void
k_hyperliquid_fills_release(struct k_hyperliquid_fills *f)
{
	free(f->v);
	memset(f, 0, sizeof *f);
}

static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* An identity for a fill: its tid, else a hash of what makes it unique. */
static uint64_t
fill_id(const json_t *f)
{
	long long tid;
	static const char *const keys[] = { "hash", "oid", "time", "px", "sz",
	                                     "side", "startPosition", "coin" };
	uint64_t h = UINT64_C(14695981039346656037);

	if (json_object_get(f, "tid") != NULL &&
	    k_raw_get_count(f, "tid", &tid, NULL) == K_OK && tid > 0)
		return (uint64_t)tid;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const json_t *v = json_object_get(f, keys[i]);
		char buf[64];
		if (json_is_string(v))
			h = fnv(h, json_string_value(v), json_string_length(v));
		else if (json_is_integer(v)) {
			int n = snprintf(buf, sizeof buf, "%lld",
			                 (long long)json_integer_value(v));
			h = fnv(h, buf, (size_t)n);
		}
		h = fnv(h, "|", 1);
	}
	return h | (UINT64_C(1) << 63);
}

static enum k_status
fills_push(struct k_hyperliquid_fills *f, const struct k_hyperliquid_fill *x)
{
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 256;
		struct k_hyperliquid_fill *nv = realloc(f->v, nc * sizeof *nv);
		if (nv == NULL)
			return K_ENOMEM;
		f->v = nv;
		f->cap = nc;
	}
	f->v[f->n++] = *x;
	return K_OK;
}

/* The liquidation record of fill el (which has a liquidation object). */
static enum k_status
parse_liq(const json_t *el, const json_t *lq, const char *account,
          struct k_raw *r, struct k_error *e)
{
	struct k_raw_liq *l = &r->u.liq;
	const json_t *side = json_object_get(el, "side");
	const json_t *user = json_object_get(lq, "liquidatedUser");
	const json_t *method = json_object_get(lq, "method");
	char sd;

	k_raw_init(r, K_RAW_LIQUIDATION, "hyperliquid");
	if (copy_coin(json_object_get(el, "coin"), r->coin) < 0)
		return bad_field(e, "coin", json_object_get(el, "coin"),
		                 "a coin name");
	if (k_raw_get_ms(el, "time", &r->ts, e) != K_OK ||
	    k_raw_get_dec(el, "px", K_RAW_POSITIVE, &l->px, e) != K_OK ||
	    k_raw_get_dec(el, "sz", 0, &l->size, e) != K_OK)
		return K_EDATA;
	if (!json_is_string(side) || json_string_length(side) != 1 ||
	    ((sd = json_string_value(side)[0]) != 'A' && sd != 'B')) {
		return bad_field(e, "side", side, "\"A\" or \"B\"");
	}
	if (!json_is_string(user) ||
	    k_raw_addr_norm(json_string_value(user), l->user) < 0) {
		return bad_field(e, "liquidation.liquidatedUser", user,
		                 "an address");
	}
	if (!json_is_string(method) || json_string_length(method) == 0 ||
	    json_string_length(method) >= sizeof l->method) {
		return bad_field(e, "liquidation.method", method,
		                 "a method name");
	}
	memcpy(l->method, json_string_value(method),
	       json_string_length(method) + 1);
	if (k_raw_get_dec(lq, "markPx", K_RAW_OPTIONAL | K_RAW_POSITIVE,
	                  &l->mark_px, e) != K_OK) {
		char t[sizeof e->text];
		snprintf(t, sizeof t, "%s", e->text);
		return k_error_field(e, K_EDATA, "liquidation.markPx",
		                     "in 'liquidation': %s", t);
	}
	l->size = fabs(l->size);
	l->value_usd = l->px * l->size;
	snprintf(l->account, sizeof l->account, "%s", account);
	int own = strcmp(l->user, account) == 0;
	/* The liquidated user sells out of a long; a counterparty buys it. */
	int is_long = own ? sd == 'A' : sd == 'B';
	snprintf(l->side, sizeof l->side, "%s", is_long ? "long" : "short");
	const json_t *hash = json_object_get(el, "hash");
	if (json_is_string(hash) && json_string_length(hash) < sizeof l->hash)
		memcpy(l->hash, json_string_value(hash),
		       json_string_length(hash) + 1);
	if (json_object_get(el, "tid") != NULL &&
	    k_raw_get_count(el, "tid", &l->tid, e) != K_OK)
		return K_EDATA;
	return K_OK;
}

enum k_status
k_hyperliquid_parse_fills(const json_t *resp, const char *account, const char *label,
                 struct k_hyperliquid_fills *out, k_raw_reject_fn rej, void *ctx,
                 struct k_error *err)
{
	size_t i;
	const json_t *el;

	if (!json_is_array(resp))
		return shape(err, label, "", resp, "an array of fills");
	json_array_foreach(resp, i, el) {
		struct k_hyperliquid_fill f;
		struct k_error e;
		const json_t *lq;

		memset(&f, 0, sizeof f);
		if (!json_is_object(el)) {
			bad_field(&e, NULL, el, "an object");
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		if (k_raw_get_ms(el, "time", &f.time, &e) != K_OK) {
			reject(rej, ctx, label, NULL, i, &e);
			continue;
		}
		f.id = fill_id(el);
		lq = json_object_get(el, "liquidation");
		if (lq != NULL && !json_is_null(lq)) {
			if (!json_is_object(lq)) {
				bad_field(&e, "liquidation", lq, "an object or null");
				reject(rej, ctx, label, NULL, i, &e);
				continue;
			}
			if (parse_liq(el, lq, account, &f.liq, &e) != K_OK) {
				reject(rej, ctx, label, NULL, i, &e);
				continue;
			}
			f.is_liq = 1;
		}
		if (fills_push(out, &f) != K_OK)
			return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

/* ---- seen set ---- */

void
k_hyperliquid_seen_release(struct k_hyperliquid_seen *s)
{
	free(s->slot);
	memset(s, 0, sizeof *s);
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x;
}

/* 1 if id was new (now added), 0 if seen, -1 out of memory. */
static int
seen_add(struct k_hyperliquid_seen *s, uint64_t id, int64_t time)
{
	if (id == 0)
		id = 1;
	if ((s->n + 1) * 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		struct k_hyperliquid_seen ns = { calloc(nc, sizeof *s->slot), nc, 0 };
		if (ns.slot == NULL)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i].id != 0)
				seen_add(&ns, s->slot[i].id, s->slot[i].time);
		free(s->slot);
		*s = ns;
	}
	size_t i = mix(id) & (s->cap - 1);
	while (s->slot[i].id != 0) {
		if (s->slot[i].id == id)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i].id = id;
	s->slot[i].time = time;
	s->n++;
	return 1;
}

void
k_hyperliquid_seen_prune(struct k_hyperliquid_seen *s, int64_t before)
{
	struct k_hyperliquid_seen ns = { NULL, 0, 0 };
	size_t keep = 0;

	for (size_t i = 0; i < s->cap; i++)
		keep += s->slot[i].id != 0 && s->slot[i].time >= before;
	if (keep == s->n)
		return;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i].id != 0 && s->slot[i].time >= before &&
		    seen_add(&ns, s->slot[i].id, s->slot[i].time) < 0) {
			free(ns.slot);
			return; /* keep the old set: larger, still right */
		}
	free(s->slot);
	*s = ns;
}

/* ---- fetchers ---- */

/* POST /info with body (stolen), checked and parsed. */
static enum k_status
info(struct k_hyperliquid *c, const char *type, json_t *body, const char *label,
     struct k_http_resp *r, struct k_error *err)
{
	char *s;
	enum k_status st;

	if (body == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	if (s == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	struct k_http_req q = { "POST", c->base, "/info", s, label,
	                        k_hyperliquid_weight(type), NULL, 0 };
	st = k_http_json(c->http, &q, r, err);
	free(s);
	return st;
}

static void
progress(struct k_hyperliquid *c, const char *label, size_t n)
{
	if (c->progress != NULL)
		c->progress(c->progress_ctx, label, n);
}

enum k_status
k_hyperliquid_fetch_prices(struct k_hyperliquid *c, const char *const *coins, size_t ncoins,
                  struct k_raw_vec *out, struct k_error *err)
{
	struct k_http_resp r;
	enum k_status st;
	const char *label = "metaAndAssetCtxs";

	k_http_resp_init(&r);
	st = info(c, "metaAndAssetCtxs",
	          json_pack("{s:s}", "type", "metaAndAssetCtxs"), label, &r, err);
	if (st == K_OK)
		st = k_hyperliquid_parse_asset_ctxs(r.json, r.time_ms, coins, ncoins,
		                           label, out, c->reject, c->reject_ctx,
		                           err);
	k_http_resp_release(&r);
	return st;
}

enum k_status
k_hyperliquid_fetch_candles(struct k_hyperliquid *c, const char *coin, const char *interval,
                   int64_t start, int64_t end, int64_t now,
                   struct k_raw_vec *out, int64_t *next, struct k_error *err)
{
	int64_t iv = k_hyperliquid_interval_ms(interval);
	char label[96], t1[40], t2[40];
	enum k_status st = K_OK;
	struct k_raw_vec page;
	struct k_pager pg;

	if (iv == 0)
		return k_error_set(err, K_EUSAGE, "candle interval '%s' is not "
		                   "one the API has", interval);
	snprintf(label, sizeof label, "candleSnapshot %s", coin);
	k_pager_init(&pg, start, end, iv, next);
	pg.candles = 1;
	pg.now = now;
	k_raw_vec_init(&page);
	for (int pages = 0; pg.from < end && pages < K_HYPERLIQUID_MAX_PAGES;
	     pages++) {
		struct k_http_resp r;
		k_http_resp_init(&r);
		page.n = 0;
		st = info(c, "candleSnapshot",
		          json_pack("{s:s, s:{s:s, s:s, s:I, s:I}}", "type",
		                    "candleSnapshot", "req", "coin", coin,
		                    "interval", interval, "startTime",
		                    (json_int_t)pg.from, "endTime",
		                    (json_int_t)(end - 1)),
		          label, &r, err);
		if (st == K_OK)
			st = k_hyperliquid_parse_candles(r.json, coin, interval, label, &page,
			                        c->reject, c->reject_ctx, err);
		k_http_resp_release(&r);
		if (st != K_OK)
			break;
		k_http_charge(c->http, c->base,
		              k_hyperliquid_extra_weight("candleSnapshot", page.n));
		if ((st = k_pager_take(&pg, &page, out, err)) != K_OK)
			break;
		/* the page is in time order now */
		if (pages == 0 && page.n > 0 && page.v[0].ts > start + iv)
			note(c, "%s: the API's candles begin at %s, after the "
			     "window's start", label,
			     k_time_format(page.v[0].ts, t1, sizeof t1));
		progress(c, label, pg.got);
		if (!k_pager_go_on(&pg))
			break;
	}
	if (st == K_OK && pg.got == 0)
		note(c, "%s: no closed candles from %s to %s", label,
		     k_time_format(start, t1, sizeof t1),
		     k_time_format(end, t2, sizeof t2));
	k_raw_vec_release(&page);
	return st;
}

enum k_status
k_hyperliquid_fetch_funding(struct k_hyperliquid *c, const char *coin, int64_t start,
                   int64_t end, struct k_raw_vec *out, int64_t *next,
                   struct k_error *err)
{
	char label[96], t1[40], t2[40];
	enum k_status st = K_OK;
	struct k_raw_vec page;
	struct k_pager pg;

	snprintf(label, sizeof label, "fundingHistory %s", coin);
	/* Funding is hourly: past the last hour of the window, stop. */
	k_pager_init(&pg, start, end, HOUR_MS, next);
	k_raw_vec_init(&page);
	for (int pages = 0; pg.from < end && pages < K_HYPERLIQUID_MAX_PAGES;
	     pages++) {
		struct k_http_resp r;
		k_http_resp_init(&r);
		page.n = 0;
		st = info(c, "fundingHistory",
		          json_pack("{s:s, s:s, s:I, s:I}", "type",
		                    "fundingHistory", "coin", coin, "startTime",
		                    (json_int_t)pg.from, "endTime",
		                    (json_int_t)(end - 1)),
		          label, &r, err);
		if (st == K_OK)
			st = k_hyperliquid_parse_funding(r.json, coin, label, &page,
			                        c->reject, c->reject_ctx, err);
		k_http_resp_release(&r);
		if (st != K_OK)
			break;
		k_http_charge(c->http, c->base,
		              k_hyperliquid_extra_weight("fundingHistory", page.n));
		if ((st = k_pager_take(&pg, &page, out, err)) != K_OK)
			break;
		progress(c, label, pg.got);
		if (!k_pager_go_on(&pg))
			break;
	}
	if (st == K_OK && pg.got == 0)
		note(c, "%s: no funding rows from %s to %s", label,
		     k_time_format(start, t1, sizeof t1),
		     k_time_format(end, t2, sizeof t2));
	k_raw_vec_release(&page);
	return st;
}

enum k_status
k_hyperliquid_fetch_vault(struct k_hyperliquid *c, const char *address, int use_portfolio,
                 int64_t start, int64_t end, struct k_raw_vec *out,
                 int64_t *next, struct k_error *err)
{
	struct k_http_resp r;
	struct k_raw_vec page;
	enum k_status st;
	char label[96], t1[40], t2[40];
	const char *type = use_portfolio ? "portfolio" : "vaultDetails";
	size_t got = 0;

	snprintf(label, sizeof label, "%s %s", type, address);
	if (next != NULL)
		*next = start;
	k_http_resp_init(&r);
	k_raw_vec_init(&page);
	st = info(c, type, use_portfolio
	          ? json_pack("{s:s, s:s}", "type", type, "user", address)
	          : json_pack("{s:s, s:s}", "type", type, "vaultAddress",
	                      address), label, &r, err);
	if (st == K_OK && json_is_null(r.json))
		st = k_error_set(err, K_EDATA, "%s: the API knows no such %s",
		                 label, use_portfolio ? "account" : "vault");
	if (st == K_OK)
		st = k_hyperliquid_parse_portfolio(r.json, address, label, &page,
		                          c->reject, c->reject_ctx, err);
	k_http_resp_release(&r);
	for (size_t i = 0; st == K_OK && i < page.n; i++) {
		if (page.v[i].ts < start || page.v[i].ts >= end)
			continue;
		if (k_raw_vec_push(out, &page.v[i]) != K_OK)
			st = k_error_set(err, K_ENOMEM, "out of memory");
		got++;
		if (next != NULL)
			*next = page.v[i].ts + 1;
	}
	k_raw_vec_release(&page);
	if (st == K_OK && got == 0)
		note(c, "%s: no account value points from %s to %s", label,
		     k_time_format(start, t1, sizeof t1),
		     k_time_format(end, t2, sizeof t2));
	return st;
}

/* A span of fill times still to ask for, ms, both ends included. */
struct span {
	int64_t a, b;
};

/* k_hyperliquid_fetch_liquidations on its way: the spans left to ask
 * for, and what the fills read so far gave. */
struct liq_walk {
	struct span *stack;
	size_t ns, scap;
	size_t fresh;            /* distinct fills read */
	int64_t newest;          /* the newest of them */
};

/* The fills of page inside sp: the new ones (not in seen, which may be
 * NULL) counted and their liquidations appended to out. [*tmin, *tmax]
 * spans the times of all of them inside sp. K_OK or K_ENOMEM. */
static enum k_status
take_fills(struct liq_walk *w, const struct k_hyperliquid_fills *page,
           struct span sp, struct k_hyperliquid_seen *seen,
           struct k_raw_vec *out, int64_t *tmin, int64_t *tmax,
           struct k_error *err)
{
	*tmin = INT64_MAX;
	*tmax = INT64_MIN;
	for (size_t i = 0; i < page->n; i++) {
		const struct k_hyperliquid_fill *f = &page->v[i];
		if (f->time < sp.a || f->time > sp.b)
			continue;
		if (f->time < *tmin)
			*tmin = f->time;
		if (f->time > *tmax)
			*tmax = f->time;
		int isnew = seen != NULL ? seen_add(seen, f->id, f->time) : 1;
		if (isnew < 0)
			return k_error_set(err, K_ENOMEM, "out of memory");
		if (!isnew)
			continue;
		w->fresh++;
		if (f->time > w->newest)
			w->newest = f->time;
		if (f->is_liq && k_raw_vec_push(out, &f->liq) != K_OK)
			return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

/* A full page over sp, its fills from tmin to tmax: the API may have cut
 * either end, so ask again for each side not covered. */
static enum k_status
split_span(struct liq_walk *w, struct span sp, int64_t tmin, int64_t tmax,
           struct k_error *err)
{
	if (w->ns + 2 > w->scap) {
		w->scap *= 2;
		struct span *nst = realloc(w->stack, w->scap * sizeof *nst);
		if (nst == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		w->stack = nst;
	}
	if (tmax < sp.b)
		w->stack[w->ns++] = (struct span){ tmax, sp.b };
	if (tmin > sp.a)
		w->stack[w->ns++] = (struct span){ sp.a, tmin };
	return K_OK;
}

enum k_status
k_hyperliquid_fetch_liquidations(struct k_hyperliquid *c, const char *user, int64_t start,
                        int64_t end, struct k_hyperliquid_seen *seen,
                        struct k_raw_vec *out, int64_t *next, size_t *nfills,
                        struct k_error *err)
{
	struct liq_walk w = { NULL, 0, 0, 0, INT64_MIN };
	char label[96], t1[40];
	enum k_status st = K_OK;
	struct k_hyperliquid_fills page = { 0 };
	size_t cap = c->fills_cap ? c->fills_cap : K_HYPERLIQUID_FILLS_CAP;

	snprintf(label, sizeof label, "userFillsByTime %s", user);
	if (next != NULL)
		*next = start;
	if (start >= end)
		goto out;
	w.scap = 16;
	w.stack = malloc(w.scap * sizeof *w.stack);
	if (w.stack == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	w.stack[w.ns++] = (struct span){ start, end - 1 };
	for (int pages = 0; w.ns > 0; pages++) {
		if (pages == K_HYPERLIQUID_MAX_PAGES) {
			note(c, "%s: stopped after %d requests", label, pages);
			break;
		}
		struct span sp = w.stack[--w.ns];
		struct k_http_resp r;
		k_http_resp_init(&r);
		page.n = 0;
		st = info(c, "userFillsByTime",
		          json_pack("{s:s, s:s, s:I, s:I, s:b}", "type",
		                    "userFillsByTime", "user", user, "startTime",
		                    (json_int_t)sp.a, "endTime", (json_int_t)sp.b,
		                    "aggregateByTime", 0), label, &r, err);
		if (st == K_OK)
			st = k_hyperliquid_parse_fills(r.json, user, label, &page, c->reject,
			                      c->reject_ctx, err);
		k_http_resp_release(&r);
		if (st != K_OK)
			break;
		k_http_charge(c->http, c->base,
		              k_hyperliquid_extra_weight("userFillsByTime", page.n));
		int64_t tmin, tmax;
		if ((st = take_fills(&w, &page, sp, seen, out, &tmin, &tmax,
		                     err)) != K_OK)
			goto out;
		progress(c, label, w.fresh);
		if (page.n < cap || tmin > tmax)
			continue;
		if (tmin == tmax) {
			note(c, "%s: more than %zu fills at %s; some may be missing",
			     label, cap, k_time_format(tmin, t1, sizeof t1));
			continue;
		}
		if ((st = split_span(&w, sp, tmin, tmax, err)) != K_OK)
			goto out;
	}
	if (next != NULL && w.newest != INT64_MIN)
		*next = w.newest;
out:
	if (nfills != NULL)
		*nfills = w.fresh;
	free(w.stack);
	k_hyperliquid_fills_release(&page);
	return st;
}
