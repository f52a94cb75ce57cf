/*
 * kfetch ethrpc - tx records from the user's own Ethereum node over
 * JSON-RPC: a block range with full transactions and receipts (and
 * trace_block internal transfers on request), in batched requests, for
 * users who outgrow public APIs. The scanner is common/net/k_ethrpc.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "kfetch.h"
#include "net/k_ethrpc.h"
#include "net/k_http.h"
#include "records/k_tx.h"

#define SOURCE "ethrpc"
#define MAX_ADDRS 100000

struct opts {
	struct k_http_params http;
	long long from, to, last;
	int to_latest;
	unsigned batch;
	int traces, no_tokens;
	const char **addrs;
	size_t naddrs, caddrs;
	const char *addr_file;
};

enum { OPT_FROM = 0x100, OPT_TO, OPT_LAST, OPT_BATCH, OPT_TRACES,
       OPT_NO_TOKENS, OPT_ADDRESS, OPT_ADDRESSES };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Blocks:", 1 },
	{ "from-block", OPT_FROM, "N", 0, "First block to scan", 1 },
	{ "to-block", OPT_TO, "N|latest", 0,
	  "Last block to scan (default latest)", 1 },
	{ "last", OPT_LAST, "N", 0,
	  "Scan the N newest blocks (instead of --from-block)", 1 },
	{ NULL, 0, NULL, 0, "What to write:", 2 },
	{ "address", OPT_ADDRESS, "ADDR", 0,
	  "Keep only records to or from ADDR (repeatable, or comma-separated; "
	  "default: every record of the blocks)", 2 },
	{ "addresses", OPT_ADDRESSES, "FILE", 0,
	  "Keep only records touching the addresses in FILE, one per line", 2 },
	{ "traces", OPT_TRACES, NULL, 0,
	  "Also internal ETH transfers, from trace_block (Erigon, Nethermind, "
	  "Reth; not plain Geth)", 2 },
	{ "no-tokens", OPT_NO_TOKENS, NULL, 0,
	  "Leave out ERC-20 transfers (and the symbol()/decimals() calls)", 2 },
	{ NULL, 0, NULL, 0, "Requests:", 3 },
	{ "batch", OPT_BATCH, "N", 0,
	  "JSON-RPC calls per HTTP request, and blocks per round (default 25)",
	  3 },
	{ 0 }
};

/* Add a normalised address (lower-case 0x and 40 hex digits). */
static void
add_addr(struct opts *o, const char *norm)
{
	if (o->naddrs == MAX_ADDRS)
		k_die(K_EUSAGE, "more than %d addresses", MAX_ADDRS);
	if (o->naddrs == o->caddrs) {
		size_t nc = o->caddrs ? o->caddrs * 2 : 16;
		const char **na = realloc(o->addrs, nc * sizeof *na);
		if (na == NULL)
			k_die(K_ENOMEM, "out of memory");
		o->addrs = na;
		o->caddrs = nc;
	}
	char *c = strdup(norm);
	if (c == NULL)
		k_die(K_ENOMEM, "out of memory");
	o->addrs[o->naddrs++] = c;
}

/* k_tx_addr_file's callback: one address of --address-file. */
static enum k_status
add_file_addr(void *arg, const char *addr, struct k_error *err)
{
	(void)err;
	add_addr(arg, addr);
	return K_OK;
}

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->http;
		break;
	case OPT_FROM:
		o->from = k_optval_block(state, "--from-block", arg, 0);
		break;
	case OPT_TO:
		if (strcmp(arg, "latest") == 0) {
			o->to_latest = 1;
			break;
		}
		o->to = k_optval_block(state, "--to-block", arg, 0);
		o->to_latest = 0;
		break;
	case OPT_LAST:
		o->last = (long long)k_optval_uint(state, "--last", arg, 1,
		                                   1ULL << 53);
		break;
	case OPT_BATCH:
		o->batch = (unsigned)k_optval_uint(state, "--batch", arg, 1, 1000);
		break;
	case OPT_TRACES:
		o->traces = 1;
		break;
	case OPT_NO_TOKENS:
		o->no_tokens = 1;
		break;
	case OPT_ADDRESS: {
		char *save = NULL, norm[K_TX_ADDR];
		for (char *t = strtok_r(arg, ",", &save); t != NULL;
		     t = strtok_r(NULL, ",", &save)) {
			if (k_tx_addr_norm(t, strlen(t), norm) < 0)
				argp_error(state, "--address: '%s' is not an address "
				           "(0x and 40 hex digits)", t);
			add_addr(o, norm);
		}
		break;
	}
	case OPT_ADDRESSES:
		o->addr_file = arg;
		break;
	case ARGP_KEY_END:
		if (o->from < 0 && o->last == 0)
			argp_error(state, "give --from-block or --last");
		if (o->from >= 0 && o->last > 0)
			argp_error(state, "--from-block and --last both give the start");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &k_http_argp, 0, "Network:", 4 },
	{ 0 }
};

static const char doc[] =
	"Scan a block range of an Ethereum JSON-RPC node (your own) and write "
	"its transactions as tx records: eth_getBlockByNumber with full "
	"transactions, eth_getBlockReceipts (or eth_getTransactionReceipt "
	"where the node lacks it) for status, gas used and effective gas price, "
	"ERC-20 Transfer logs as token records (symbol and decimals by "
	"eth_call), and trace_block for internal transfers with --traces."
	"\v"
	"The node's URL is --base-url, else $" K_ETHRPC_URL_ENV ", else "
	K_ETHRPC_URL "; no budget is applied unless --weight-budget says so. "
	"Output: tx records in block order, each transaction followed by its "
	"internal and token transfers. A token whose decimals() fails is "
	"written with decimals 0 (value in raw units) and an empty symbol. "
	"Exit status: 0; 64 usage; 65 bad elements (reported, the rest kept); "
	"66 a replayed request was not recorded; 69 the node is unavailable "
	"or lacks a method; 75 rate limited.\n\n"
	"Example:\n"
	"  kfetch ethrpc --last 7200 --traces | kfeatures wallet --window 1d";

static const struct argp argp = { options, parse_opt, NULL, doc, children,
                                  NULL, NULL };

struct emitted {
	struct k_buf b;
	size_t by_kind[3];
};

static int
emit(void *ctx, const struct k_tx *t)
{
	struct emitted *e = ctx;
	k_buf_reset(&e->b);
	k_tx_write(&e->b, t);
	if (e->b.oom)
		k_die(K_ENOMEM, "out of memory");
	k_out_write(e->b.data, e->b.len);
	k_out_line_end();
	e->by_kind[t->transfer]++;
	return k_out_closed();
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The scanner over h, set from the options; its callbacks report to run. */
static void
rpc_setup(struct k_ethrpc *rpc, struct k_http *h, const char *base,
          const struct opts *o, struct kfetch_run *run)
{
	k_ethrpc_init(rpc, h, base);
	rpc->batch = o->batch;
	rpc->traces = o->traces;
	rpc->tokens = !o->no_tokens;
	rpc->busy_retries = o->http.retries;
	rpc->busy_wait = o->http.retry_wait > 0 ? o->http.retry_wait : 1;
	rpc->only = o->naddrs ? o->addrs : NULL;
	rpc->nonly = o->naddrs;
	rpc->reject = kfetch_on_reject;
	rpc->reject_ctx = run;
	rpc->note = kfetch_on_notify;
	rpc->note_ctx = run;
}

/* The blocks [*from, *to] to scan: --from-block or --last, and
 * --to-block or the node's latest block. */
static enum k_status
block_range(struct k_ethrpc *rpc, const struct opts *o, long long *from,
            long long *to, struct k_error *err)
{
	long long latest = -1;
	enum k_status st;

	*from = o->from;
	*to = o->to;
	if (o->to_latest || o->last > 0) {
		if ((st = k_ethrpc_latest(rpc, &latest, err)) != K_OK)
			return st;
		if (o->to_latest)
			*to = latest;
		if (o->last > 0)
			*from = *to - o->last + 1 < 0 ? 0 : *to - o->last + 1;
	}
	if (*from > *to)
		return k_error_set(err, K_EUSAGE, "the range is empty: block %lld "
		                   "to %lld", *from, *to);
	return K_OK;
}

/* Report st if it failed; the summary; finish stdout. */
static void
finish(enum k_status st, const struct k_error *err,
       const struct emitted *em, const struct k_ethrpc *rpc,
       struct k_http *h)
{
	if (st != K_OK)
		k_err("%s: %s", SOURCE, err->text);
	struct k_http_stats hs;
	k_http_stats(h, &hs);
	k_info("%s: wrote %zu tx records (%zu native, %zu internal, %zu token) "
	       "from %ld blocks; %ld calls in %ld request%s%s", SOURCE,
	       em->by_kind[0] + em->by_kind[1] + em->by_kind[2], em->by_kind[0],
	       em->by_kind[1], em->by_kind[2], rpc->blocks, rpc->calls,
	       hs.requests, hs.requests == 1 ? "" : "s",
	       k_http_replaying(h) ? " (replayed)" : "");
	k_out_finish();
}

int
kfetch_ethrpc(int argc, char **argv)
{
	struct opts o;
	struct k_error err;
	struct k_rng rng;
	struct kfetch_run run;
	struct emitted em;
	struct k_ethrpc rpc;
	enum k_status st;
	long long from, to;

	memset(&o, 0, sizeof o);
	k_http_params_default(&o.http);
	o.from = -1;
	o.to_latest = 1;
	o.batch = 25;
	k_args_libs_hook = k_http_version;
	k_args_parse("kfetch", &argp, 0, argc, argv, &o);
	if (o.addr_file != NULL &&
	    k_tx_addr_file(o.addr_file, add_file_addr, &o, &err) != K_OK)
		k_die_error(&err);
	if (o.naddrs > 0)
		qsort(o.addrs, o.naddrs, sizeof *o.addrs, cmp_str);

	char *base = kfetch_base_url(o.http.base_url, K_ETHRPC_URL_ENV,
	                             K_ETHRPC_URL);
	kfetch_run_init(&run, SOURCE);
	memset(&em, 0, sizeof em);
	k_buf_init(&em.b);
	struct k_http *h = kfetch_http_open(&o.http, &run, base, 0, &rng);
	rpc_setup(&rpc, h, base, &o, &run);

	st = block_range(&rpc, &o, &from, &to, &err);
	if (st == K_OK)
		st = k_ethrpc_scan(&rpc, from, to, emit, &em, &err);
	finish(st, &err, &em, &rpc, h);
	k_ethrpc_release(&rpc);
	k_http_free(h);
	free(base);
	k_buf_release(&em.b);
	for (size_t i = 0; i < o.naddrs; i++)
		free((char *)o.addrs[i]);
	free(o.addrs);
	long rejected = run.rejected;
	kfetch_run_release(&run);
	if (st == K_EUNAVAIL && kfetch_stop)
		st = K_OK;
	if (st != K_OK)
		return k_status_exit(st);
	return rejected ? k_status_exit(K_EDATA) : 0;
}
