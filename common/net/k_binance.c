/*
 * k_binance.c - Binance klines and ticker prices of k_binance.h.
 */
#include "net/k_binance.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "net/k_pager.h"
#include "text/k_json.h"

int64_t
k_binance_interval_ms(const char *iv)
{
	static const struct { const char *name; int64_t ms; } t[] = {
		{ "1s", 1000 }, { "1m", 60000 }, { "3m", 180000 },
		{ "5m", 300000 }, { "15m", 900000 }, { "30m", 1800000 },
		{ "1h", 3600000 }, { "2h", 7200000 }, { "4h", 14400000 },
		{ "6h", 21600000 }, { "8h", 28800000 }, { "12h", 43200000 },
		{ "1d", 86400000 }, { "3d", 259200000 }, { "1w", 604800000 },
		{ "1M", INT64_C(2419200000) },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(iv, t[i].name) == 0)
			return t[i].ms;
	return 0;
}

static void
reject(k_raw_reject_fn rej, void *ctx, const char *label, size_t i,
       const struct k_error *e)
{
	struct k_error r;

	if (rej == NULL)
		return;
	k_error_field(&r, K_EDATA, e->field, "%s: element %zu: %s", label, i,
	              e->text);
	rej(ctx, &r);
}

static void
note(void (*fn)(void *, const char *), void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
note(void (*fn)(void *, const char *), void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fn(ctx, buf);
}

static enum k_status
whole(struct k_error *err, const char *label, const json_t *v,
      const char *want)
{
	char got[96];

	k_json_describe(v, got, sizeof got);
	return k_error_set(err, K_EDATA, "%s: expected %s, got %s", label, want,
	                   got);
}

/* Member idx of a kline array, named for messages. */
static enum k_status
kline_dec(const json_t *k, size_t idx, const char *name, int flags,
          double *out, struct k_error *e)
{
	struct k_error sub;

	if (k_raw_get_dec(json_array_get(k, idx), NULL, flags, out, &sub) == K_OK)
		return K_OK;
	return k_error_field(e, K_EDATA, name, "field '%s' ([%zu]): %s", name,
	                     idx, sub.text);
}

static enum k_status
kline_ms(const json_t *k, size_t idx, const char *name, int64_t *out,
         struct k_error *e)
{
	struct k_error sub;

	if (k_raw_get_ms(json_array_get(k, idx), NULL, out, &sub) == K_OK)
		return K_OK;
	return k_error_field(e, K_EDATA, name, "field '%s' ([%zu]): %s", name,
	                     idx, sub.text);
}

enum k_status
k_binance_parse_klines(const json_t *resp, const char *coin,
                       const char *interval, const char *label,
                       struct k_raw_vec *out, k_raw_reject_fn rej, void *ctx,
                       struct k_error *err)
{
	size_t i;
	const json_t *k;

	if (!json_is_array(resp))
		return whole(err, label, resp, "an array of klines");
	json_array_foreach(resp, i, k) {
		struct k_raw r;
		struct k_raw_candle *c = &r.u.candle;
		struct k_error e;

		k_raw_init(&r, K_RAW_CANDLE, "binance");
		snprintf(r.coin, sizeof r.coin, "%s", coin);
		snprintf(c->interval, sizeof c->interval, "%s", interval);
		if (!json_is_array(k) || json_array_size(k) < 9) {
			char got[96];
			k_json_describe(k, got, sizeof got);
			k_error_field(&e, K_EDATA, "", "expected a kline array of "
			              "at least 9 members, got %s", got);
			reject(rej, ctx, label, i, &e);
			continue;
		}
		long long trades;
		struct k_error sub;
		if (kline_ms(k, 0, "openTime", &r.ts, &e) != K_OK ||
		    kline_dec(k, 1, "open", K_RAW_POSITIVE, &c->open, &e) != K_OK ||
		    kline_dec(k, 2, "high", K_RAW_POSITIVE, &c->high, &e) != K_OK ||
		    kline_dec(k, 3, "low", K_RAW_POSITIVE, &c->low, &e) != K_OK ||
		    kline_dec(k, 4, "close", K_RAW_POSITIVE, &c->close,
		              &e) != K_OK ||
		    kline_dec(k, 5, "volume", K_RAW_NONNEG, &c->volume,
		              &e) != K_OK ||
		    kline_ms(k, 6, "closeTime", &c->close_ms, &e) != K_OK ||
		    kline_dec(k, 7, "quoteVolume", K_RAW_NONNEG, &c->quote_volume,
		              &e) != K_OK) {
			reject(rej, ctx, label, i, &e);
			continue;
		}
		if (k_raw_get_count(json_array_get(k, 8), NULL, &trades,
		                    &sub) != K_OK) {
			k_error_field(&e, K_EDATA, "trades", "field 'trades' ([8]): "
			              "%s", sub.text);
			reject(rej, ctx, label, i, &e);
			continue;
		}
		c->trades = trades;
		if (c->close_ms < r.ts) {
			k_error_field(&e, K_EDATA, "closeTime", "field 'closeTime' "
			              "([6]): before the open time");
			reject(rej, ctx, label, i, &e);
			continue;
		}
		if (k_raw_vec_push(out, &r) != K_OK)
			return k_error_set(err, K_ENOMEM, "out of memory");
	}
	return K_OK;
}

static enum k_status
one_ticker(const json_t *el, int64_t ts, const char *const *symbols,
           const char *const *coins, size_t n, int *found,
           struct k_raw_vec *out, struct k_error *e)
{
	const json_t *sym = json_object_get(el, "symbol");
	size_t j;
	struct k_raw r;

	if (!json_is_string(sym)) {
		char got[96];
		k_json_describe(sym, got, sizeof got);
		return k_error_field(e, K_EDATA, "symbol", "field 'symbol': "
		                     "expected a string, got %s", got);
	}
	for (j = 0; j < n; j++)
		if (strcmp(json_string_value(sym), symbols[j]) == 0)
			break;
	if (j == n)
		return K_OK; /* not asked for */
	k_raw_init(&r, K_RAW_PRICE, "binance");
	r.ts = ts;
	snprintf(r.coin, sizeof r.coin, "%s", coins[j]);
	if (k_raw_get_dec(el, "price", K_RAW_POSITIVE, &r.u.price.price,
	                  e) != K_OK)
		return K_EDATA;
	r.u.price.has = K_RAW_P_PRICE;
	found[j] = 1;
	if (k_raw_vec_push(out, &r) != K_OK)
		return k_error_set(e, K_ENOMEM, "out of memory");
	return K_OK;
}

enum k_status
k_binance_parse_ticker(const json_t *resp, int64_t ts,
                       const char *const *symbols, const char *const *coins,
                       size_t n, const char *label, struct k_raw_vec *out,
                       k_raw_reject_fn rej, void *ctx, struct k_error *err)
{
	int *found = calloc(n ? n : 1, sizeof *found);
	enum k_status st = K_OK;
	struct k_error e;
	size_t i;
	const json_t *el;

	if (found == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	if (json_is_object(resp)) {
		st = one_ticker(resp, ts, symbols, coins, n, found, out, &e);
		if (st == K_ENOMEM)
			goto out;
		if (st != K_OK) {
			k_error_field(err, K_EDATA, e.field, "%s: %s", label, e.text);
			goto out;
		}
	} else if (json_is_array(resp)) {
		json_array_foreach(resp, i, el) {
			if (!json_is_object(el)) {
				char got[96];
				k_json_describe(el, got, sizeof got);
				k_error_field(&e, K_EDATA, "", "expected an object, got "
				              "%s", got);
				reject(rej, ctx, label, i, &e);
				continue;
			}
			enum k_status s1 = one_ticker(el, ts, symbols, coins, n,
			                              found, out, &e);
			if (s1 == K_ENOMEM) {
				st = k_error_set(err, K_ENOMEM, "out of memory");
				goto out;
			}
			if (s1 != K_OK)
				reject(rej, ctx, label, i, &e);
		}
	} else {
		st = whole(err, label, resp, "an array of {symbol, price}");
		goto out;
	}
	for (size_t j = 0; j < n; j++) {
		if (found[j] || rej == NULL)
			continue;
		k_error_field(&e, K_EDATA, "symbol", "%s: no price for '%s'",
		              label, symbols[j]);
		rej(ctx, &e);
	}
out:
	free(found);
	return st;
}

enum k_status
k_binance_fetch_klines(struct k_binance *c, const char *coin,
                       const char *symbol, const char *interval,
                       int64_t start, int64_t end, int64_t now,
                       struct k_raw_vec *out, int64_t *next,
                       struct k_error *err)
{
	int64_t iv = k_binance_interval_ms(interval);
	char label[96], path[256], t1[40], t2[40];
	enum k_status st = K_OK;
	struct k_raw_vec page;
	struct k_pager pg;

	if (iv == 0)
		return k_error_set(err, K_EUSAGE, "kline interval '%s' is not "
		                   "one Binance has", interval);
	snprintf(label, sizeof label, "klines %s", symbol);
	k_pager_init(&pg, start, end, iv, next);
	pg.candles = 1;
	pg.now = now;
	k_raw_vec_init(&page);
	for (int pages = 0; pg.from < end && pages < K_BINANCE_MAX_PAGES;
	     pages++) {
		struct k_http_resp r;
		snprintf(path, sizeof path, "/api/v3/klines?symbol=%s&interval=%s"
		         "&startTime=%lld&endTime=%lld&limit=%d", symbol, interval,
		         (long long)pg.from, (long long)(end - 1),
		         K_BINANCE_KLINES_LIMIT);
		struct k_http_req q = { "GET", c->base, path, NULL, label, 2,
		                        NULL, 0 };
		k_http_resp_init(&r);
		page.n = 0;
		st = k_http_json(c->http, &q, &r, err);
		if (st == K_OK)
			st = k_binance_parse_klines(r.json, coin, interval, label,
			                            &page, c->reject, c->reject_ctx,
			                            err);
		k_http_resp_release(&r);
		if (st != K_OK)
			break;
		if ((st = k_pager_take(&pg, &page, out, err)) != K_OK)
			break;
		if (c->progress != NULL)
			c->progress(c->progress_ctx, label, pg.got);
		if (!k_pager_go_on(&pg))
			break;
	}
	if (st == K_OK && pg.got == 0)
		note(c->note, c->note_ctx, "%s: no closed klines from %s to %s",
		     label, k_time_format(start, t1, sizeof t1),
		     k_time_format(end, t2, sizeof t2));
	k_raw_vec_release(&page);
	return st;
}

enum k_status
k_binance_fetch_prices(struct k_binance *c, const char *const *symbols,
                       const char *const *coins, size_t n,
                       struct k_raw_vec *out, struct k_error *err)
{
	struct k_buf path;
	struct k_http_resp r;
	enum k_status st;
	const char *label = "ticker/price";

	k_buf_init(&path);
	/* symbols=["BTCUSDT","ETHUSDT"], percent-encoded. */
	k_buf_adds(&path, "/api/v3/ticker/price?symbols=%5B");
	for (size_t i = 0; i < n; i++)
		k_buf_printf(&path, "%s%%22%s%%22", i ? "," : "", symbols[i]);
	k_buf_adds(&path, "%5D");
	if (path.oom) {
		k_buf_release(&path);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	struct k_http_req q = { "GET", c->base, k_buf_cstr(&path), NULL, label,
	                        n == 1 ? 2 : 4, NULL, 0 };
	k_http_resp_init(&r);
	st = k_http_json(c->http, &q, &r, err);
	if (st == K_OK)
		st = k_binance_parse_ticker(r.json, r.time_ms, symbols, coins, n,
		                            label, out, c->reject, c->reject_ctx,
		                            err);
	k_http_resp_release(&r);
	k_buf_release(&path);
	return st;
}
