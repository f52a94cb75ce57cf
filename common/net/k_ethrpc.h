/*
 * k_ethrpc.h - a user's own Ethereum node over JSON-RPC as a source of tx
 * records: a block range scanned with full transactions and their
 * receipts (status, gas used, effective gas price, ERC-20 Transfer logs),
 * optionally trace_block for internal transfers, in batched requests
 * through k_http (retries, record/replay). For users who outgrow public
 * APIs; no key, no rate limit but the node's own.
 */
#ifndef K_ETHRPC_H
#define K_ETHRPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "net/k_http.h"
#include "records/k_tx.h"

#define K_ETHRPC_URL "http://127.0.0.1:8545"
#define K_ETHRPC_URL_ENV "KTOOLS_ETH_RPC_URL"
#define K_ETHRPC_TRANSFER_TOPIC \
	"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"

struct k_ethrpc_token;

struct k_ethrpc {
	struct k_http *http;     /* borrowed */
	const char *base;        /* the node's URL */
	unsigned batch;          /* calls per HTTP request (default 25) */
	int tokens;              /* ERC-20 transfers from receipts' logs */
	int traces;              /* internal transfers from trace_block */
	int block_receipts;      /* use eth_getBlockReceipts; cleared when the
	                          * node lacks it (then one receipt per tx) */
	int busy_retries;        /* JSON-RPC "limit exceeded" errors retried */
	double busy_wait;        /* first wait for those, s; doubles */
	const char *const *only; /* keep records touching these addresses
	                          * (lower-case, sorted), or NULL for all */
	size_t nonly;
	void (*reject)(void *ctx, const struct k_error *err);
	void *reject_ctx;
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
	/* private */
	long id;
	struct k_ethrpc_token *tok;
	size_t ntok, ctok;
	long calls, blocks;
};

void k_ethrpc_init(struct k_ethrpc *r, struct k_http *http, const char *base);
void k_ethrpc_release(struct k_ethrpc *r);

/* The newest block number (eth_blockNumber). */
enum k_status k_ethrpc_latest(struct k_ethrpc *r, long long *block,
                              struct k_error *err);

/* Scan blocks [from, to], passing each record to emit in block order (a
 * transaction, then its internal and token transfers). emit returns
 * nonzero to stop. K_OK, K_EDATA (an answer of the wrong shape, named by
 * method and field), K_ETEMPFAIL, k_http's statuses. */
enum k_status k_ethrpc_scan(struct k_ethrpc *r, long long from, long long to,
                            int (*emit)(void *ctx, const struct k_tx *t),
                            void *ctx, struct k_error *err);

#endif
