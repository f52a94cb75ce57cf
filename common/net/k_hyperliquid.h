/*
 * k_hyperliquid.h - the Hyperliquid info API (POST /info) as raw records: request
 * weights, a parser for each response shape (metaAndAssetCtxs, candles,
 * funding, vaultDetails/portfolio, fills), and fetchers that page past the
 * API's caps. Parsers trust nothing: a bad element is reported and skipped,
 * a wrong shape is an error naming the endpoint and the field.
 */
#ifndef K_HYPERLIQUID_H
#define K_HYPERLIQUID_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "net/k_http.h"
#include "records/k_raw.h"

#define K_HYPERLIQUID_URL "https://api.hyperliquid.xyz"
#define K_HYPERLIQUID_URL_ENV "KTOOLS_HYPERLIQUID_URL"
/* The HLP main vault, and the HLP Liquidator whose fills stand in for a
 * liquidation feed (REFERENCE.md). */
#define K_HL_HLP_VAULT "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303"
#define K_HL_LIQUIDATOR "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14"
#define K_HYPERLIQUID_WEIGHT_BUDGET 1200.0 /* per minute per IP */
#define K_HYPERLIQUID_FILLS_CAP 2000       /* fills in one response, at most */
#define K_HYPERLIQUID_MAX_PAGES 10000      /* requests for one series, at most */

/* Base weight of an info request of this type: 2, 20 or 60. */
double k_hyperliquid_weight(const char *type);
/* Extra weight charged for the items a response returned (per 20 fills
 * or funding rows, per 60 candles). */
double k_hyperliquid_extra_weight(const char *type, size_t items);

/* Length of a candle interval ("1h") in ms; "1M" gives 28 days (the
 * shortest month). 0 if the API has no such interval. */
int64_t k_hyperliquid_interval_ms(const char *interval);

/* ---- parsers: response JSON -> records ----
 * label prefixes every message ("candleSnapshot BTC"). A bad element goes
 * to rej (which may be NULL) and is skipped; K_EDATA with err filled when
 * the response as a whole has the wrong shape; K_ENOMEM. Records are
 * appended to out. */

/* metaAndAssetCtxs: [{universe:[{name,...}]}, [ctx,...]], index-aligned.
 * One price record per coin in coins (all listed coins when ncoins is 0),
 * stamped ts. A coin not in the universe is reported through rej. */
enum k_status k_hyperliquid_parse_asset_ctxs(const json_t *resp, int64_t ts,
                                    const char *const *coins, size_t ncoins,
                                    const char *label, struct k_raw_vec *out,
                                    k_raw_reject_fn rej, void *ctx,
                                    struct k_error *err);

/* candleSnapshot: [{t,T,s,i,o,c,h,l,v,n}, ...]. */
enum k_status k_hyperliquid_parse_candles(const json_t *resp, const char *coin,
                                 const char *interval, const char *label,
                                 struct k_raw_vec *out, k_raw_reject_fn rej,
                                 void *ctx, struct k_error *err);

/* fundingHistory: [{coin, fundingRate, premium?, time}, ...]. */
enum k_status k_hyperliquid_parse_funding(const json_t *resp, const char *coin,
                                 const char *label, struct k_raw_vec *out,
                                 k_raw_reject_fn rej, void *ctx,
                                 struct k_error *err);

/* portfolio ([[window,{accountValueHistory,pnlHistory}],...]) or
 * vaultDetails ({..., portfolio: the same}): one hlp record per point.
 * Windows day, week, month and allTime are merged, each point taken from
 * the finest window that covers its time; pnl is made cumulative since
 * inception by anchoring every window's last point to allTime's. */
enum k_status k_hyperliquid_parse_portfolio(const json_t *resp, const char *vault,
                                   const char *label, struct k_raw_vec *out,
                                   k_raw_reject_fn rej, void *ctx,
                                   struct k_error *err);

/* One fill: its time, an identity for de-duplication (tid, else a hash
 * of hash/oid/time/px/sz/side), and its liquidation record if the fill
 * carries a non-null liquidation object. */
struct k_hyperliquid_fill {
	int64_t time;
	uint64_t id;
	int is_liq;
	struct k_raw liq;
};

struct k_hyperliquid_fills {
	struct k_hyperliquid_fill *v;
	size_t n, cap;
};

void k_hyperliquid_fills_release(struct k_hyperliquid_fills *f);

/* userFills / userFillsByTime: the fills of account. The liquidation
 * record's side is the liquidated position's ("long"/"short"): the fill's
 * own side if account is the liquidated user, else the opposite. */
enum k_status k_hyperliquid_parse_fills(const json_t *resp, const char *account,
                               const char *label, struct k_hyperliquid_fills *out,
                               k_raw_reject_fn rej, void *ctx,
                               struct k_error *err);

/* ---- fetchers ---- */

struct k_hyperliquid {
	struct k_http *http;     /* borrowed */
	const char *base;        /* base URL, no trailing '/' */
	size_t fills_cap;        /* K_HYPERLIQUID_FILLS_CAP */
	k_raw_reject_fn reject;  /* bad elements (may be NULL) */
	void *reject_ctx;
	/* notices for people ("no candles in ..."), may be NULL */
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
	/* progress: called after each page with the label and items so far */
	void (*progress)(void *ctx, const char *label, size_t items);
	void *progress_ctx;
};

/* The set of fills already seen, so that pages that overlap at their
 * edges (and polls that start where the last ended) give each fill once.
 * A zeroed struct is an empty set. */
struct k_hyperliquid_seen {
	struct { uint64_t id; int64_t time; } *slot; /* id 0: empty */
	size_t cap, n;
};

void k_hyperliquid_seen_release(struct k_hyperliquid_seen *s);
/* Forget fills older than before (ms). */
void k_hyperliquid_seen_prune(struct k_hyperliquid_seen *s, int64_t before);

/*
 * The fetchers append records to out and return K_OK or the first error
 * (err names the request): K_EDATA for a response of the wrong shape (the
 * caller may go on with other series), K_EUNAVAIL / K_ETEMPFAIL /
 * K_ENOINPUT / K_ECONFIG / K_EIO from k_http_json (stop). What was fetched
 * before an error stays in out. Times are ms; the window is [start, end).
 * *next (may be NULL) is where a later poll of the same series starts.
 */

/* One metaAndAssetCtxs request: price records stamped with the answer's
 * time. */
enum k_status k_hyperliquid_fetch_prices(struct k_hyperliquid *c, const char *const *coins,
                                size_t ncoins, struct k_raw_vec *out,
                                struct k_error *err);

/* Closed candles (close time before now) with open time in the window,
 * paged forward from start until the window is covered. */
enum k_status k_hyperliquid_fetch_candles(struct k_hyperliquid *c, const char *coin,
                                 const char *interval, int64_t start,
                                 int64_t end, int64_t now,
                                 struct k_raw_vec *out, int64_t *next,
                                 struct k_error *err);

/* Funding rows in the window, paged by time (500 rows per response). */
enum k_status k_hyperliquid_fetch_funding(struct k_hyperliquid *c, const char *coin,
                                 int64_t start, int64_t end,
                                 struct k_raw_vec *out, int64_t *next,
                                 struct k_error *err);

/* Account value and PnL points of a vault (vaultDetails) or any account
 * (portfolio, when use_portfolio) in the window. */
enum k_status k_hyperliquid_fetch_vault(struct k_hyperliquid *c, const char *address,
                               int use_portfolio, int64_t start, int64_t end,
                               struct k_raw_vec *out, int64_t *next,
                               struct k_error *err);

/* Liquidation records from user's fills (userFillsByTime) in the window.
 * A full response (fills_cap fills) is split at its oldest and newest
 * fill and both sides asked again, whichever order the API returns, so
 * any number of fills is reached (the API keeps the 10,000 most recent).
 * *nfills (may be NULL) gets the number of distinct fills read. */
enum k_status k_hyperliquid_fetch_liquidations(struct k_hyperliquid *c, const char *user,
                                      int64_t start, int64_t end,
                                      struct k_hyperliquid_seen *seen,
                                      struct k_raw_vec *out, int64_t *next,
                                      size_t *nfills, struct k_error *err);

#endif
