/*
 * k_etherscan.h - an Etherscan-compatible account API client (Etherscan
 * V2 with chainid, V1-style explorers: Blockscout, *scan): the normal,
 * internal and ERC-20 token transactions of an address as tx records,
 * paged past the API's 10000-record window, through k_http (retries,
 * budget, record/replay). The API key goes in the query, percent-encoded,
 * and nowhere else: k_http keeps it out of messages and recordings.
 */
#ifndef K_ETHERSCAN_H
#define K_ETHERSCAN_H

#include <jansson.h>
#include <stdint.h>

#include "base/k_status.h"
#include "net/k_http.h"
#include "records/k_tx.h"

#define K_ETHERSCAN_URL "https://api.etherscan.io/v2/api"
#define K_ETHERSCAN_URL_ENV "KTOOLS_ETHERSCAN_URL"
#define K_ETHERSCAN_KEY_ENV "ETHERSCAN_API_KEY"
#define K_ETHERSCAN_WINDOW 10000   /* page x offset may not exceed it */

enum k_es_action { K_ES_NORMAL, K_ES_INTERNAL, K_ES_TOKEN, K_ES_NACTIONS };

/* "txlist", "txlistinternal", "tokentx"; and the kinds' names "normal",
 * "internal", "token". */
extern const char *const k_etherscan_action_names[K_ES_NACTIONS];
extern const char *const k_etherscan_kind_names[K_ES_NACTIONS];

struct k_etherscan {
	struct k_http *http;          /* borrowed */
	const char *base;             /* endpoint, e.g. K_ETHERSCAN_URL */
	const char *apikey;           /* or NULL: none sent */
	long chainid;                 /* > 0: the chainid parameter (V2) */
	unsigned offset;              /* rows per page, 1..10000 (1000) */
	int busy_retries;             /* "rate limit reached" answers retried
	                               * (a 200 with status 0), then 75 */
	double busy_wait;             /* first wait for those, s; doubles */
	/* an element that cannot be read: reported, skipped */
	void (*reject)(void *ctx, const struct k_error *err);
	void *reject_ctx;
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
	long pages;                   /* requests that returned a page */
	int told;                     /* the API's rate-limit notice shown */
};

/* Every record of one action for address (lower-case 0x...), blocks
 * [startblock, endblock], oldest first, passed to emit (which returns
 * nonzero to stop). K_OK; K_ECONFIG for a refused API key; K_ETEMPFAIL
 * when still rate limited; K_EUNAVAIL, K_EDATA (a response of the wrong
 * shape, named with the request), or k_http's statuses. */
enum k_status k_etherscan_fetch(struct k_etherscan *es, enum k_es_action a,
                                const char *address, long long startblock,
                                long long endblock,
                                int (*emit)(void *ctx, const struct k_tx *t),
                                void *ctx, struct k_error *err);

/* The last block at or before (before = 1) or first at or after time ms
 * (module=block&action=getblocknobytime). */
enum k_status k_etherscan_block_at(struct k_etherscan *es, int64_t ms,
                                   int before, long long *block,
                                   struct k_error *err);

/* One element of a result array as a tx record (unit-testable). K_EDATA
 * names the field: field 'value': amount '1.5': ... */
enum k_status k_etherscan_parse(enum k_es_action a, const json_t *el,
                                struct k_tx *t, struct k_error *err);

#endif
