/*
 * k_binance.h - Binance spot market data (GET /api/v3/klines and
 * /api/v3/ticker/price) as raw candle and price records: the reference
 * venue that Hyperliquid prices are compared with (hl_binance_spread).
 * Parsers check every element and report bad ones; fetchers page klines
 * past the 1000-per-request limit.
 */
#ifndef K_BINANCE_H
#define K_BINANCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "net/k_http.h"
#include "records/k_raw.h"

#define K_BINANCE_URL "https://api.binance.com"
#define K_BINANCE_URL_ENV "KTOOLS_BINANCE_URL"
#define K_BINANCE_WEIGHT_BUDGET 6000.0 /* REQUEST_WEIGHT per minute per IP */
#define K_BINANCE_KLINES_LIMIT 1000    /* klines in one response, at most */
#define K_BINANCE_MAX_PAGES 10000

/* Length of a kline interval ("1h") in ms; "1M" gives 28 days. 0 if
 * Binance has no such interval. */
int64_t k_binance_interval_ms(const char *interval);

/* klines: [[openTime, "o", "h", "l", "c", "v", closeTime, "quoteVolume",
 * trades, ...], ...] -> candle records of coin (venue "binance"). Bad
 * elements go to rej and are skipped; K_EDATA if the response is not an
 * array. */
enum k_status k_binance_parse_klines(const json_t *resp, const char *coin,
                                     const char *interval, const char *label,
                                     struct k_raw_vec *out,
                                     k_raw_reject_fn rej, void *ctx,
                                     struct k_error *err);

/* ticker/price: [{symbol, price}, ...] (or one object) -> price records
 * stamped ts, for the symbols[i] asked, named coins[i]. A symbol missing
 * from the answer is reported through rej. */
enum k_status k_binance_parse_ticker(const json_t *resp, int64_t ts,
                                     const char *const *symbols,
                                     const char *const *coins, size_t n,
                                     const char *label, struct k_raw_vec *out,
                                     k_raw_reject_fn rej, void *ctx,
                                     struct k_error *err);

struct k_binance {
	struct k_http *http;     /* borrowed */
	const char *base;        /* base URL, no trailing '/' */
	k_raw_reject_fn reject;
	void *reject_ctx;
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
	void (*progress)(void *ctx, const char *label, size_t items);
	void *progress_ctx;
};

/* Closed klines (close time before now) of symbol with open time in
 * [start, end), as candle records of coin; *next (may be NULL) is where a
 * later poll starts. Errors as k_hyperliquid's fetchers: records fetched before an
 * error stay in out. */
enum k_status k_binance_fetch_klines(struct k_binance *c, const char *coin,
                                     const char *symbol, const char *interval,
                                     int64_t start, int64_t end, int64_t now,
                                     struct k_raw_vec *out, int64_t *next,
                                     struct k_error *err);

/* One ticker/price request for all symbols. */
enum k_status k_binance_fetch_prices(struct k_binance *c,
                                     const char *const *symbols,
                                     const char *const *coins, size_t n,
                                     struct k_raw_vec *out,
                                     struct k_error *err);

#endif
