/*
 * kfetch etherscan - tx records of given addresses from an Etherscan-
 * compatible API: normal, internal and ERC-20 token transactions, paged
 * past the API's 10000-row window, within its documented rate limit, with
 * k_http's retries; the API key comes from the environment and is never
 * printed or recorded. The client is common/net/k_etherscan.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_rng.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "kfetch.h"
#include "net/k_etherscan.h"
#include "net/k_http.h"
#include "records/k_tx.h"

#define SOURCE "etherscan"
#define MAX_ADDRS 1000

struct opts {
	struct k_http_params http;
	const char *addrs[MAX_ADDRS];
	int naddrs;
	const char *addr_file;
	const char *kinds;
	long long start_block, end_block;
	int64_t since, until;
	double days;
	long chainid;
	unsigned page_size;
	const char *key_env;
};

enum { OPT_ADDRESS = 0x100, OPT_ADDRESSES, OPT_KINDS, OPT_START_BLOCK,
       OPT_END_BLOCK, OPT_SINCE, OPT_UNTIL, OPT_DAYS, OPT_CHAIN_ID,
       OPT_PAGE_SIZE, OPT_KEY_ENV };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "What to fetch:", 1 },
	{ "address", OPT_ADDRESS, "ADDR", 0,
	  "An address to fetch (repeatable, or comma-separated)", 1 },
	{ "addresses", OPT_ADDRESSES, "FILE", 0,
	  "Addresses to fetch, one per line", 1 },
	{ "kinds", OPT_KINDS, "LIST", 0,
	  "Transactions: normal, internal, token (default all three)", 1 },
	{ NULL, 0, NULL, 0, "Range:", 2 },
	{ "start-block", OPT_START_BLOCK, "N", 0, "First block (default 0)", 2 },
	{ "end-block", OPT_END_BLOCK, "N", 0,
	  "Last block (default: the newest)", 2 },
	{ "since", OPT_SINCE, "TIME", 0,
	  "From this time on (RFC 3339 or a date; looked up as a block)", 2 },
	{ "until", OPT_UNTIL, "TIME", 0, "Up to this time", 2 },
	{ "days", OPT_DAYS, "N", 0, "The last N days (--since now - N days)",
	  2 },
	{ NULL, 0, NULL, 0, "API:", 3 },
	{ "chain-id", OPT_CHAIN_ID, "N", 0,
	  "Chain id sent as chainid= (Etherscan V2; default 1, Ethereum); 0 "
	  "sends none, for V1-style explorers", 3 },
	{ "page-size", OPT_PAGE_SIZE, "N", 0,
	  "Rows per request, 1 to 10000 (default 1000)", 3 },
	{ "api-key-env", OPT_KEY_ENV, "NAME", 0,
	  "Environment variable holding the API key (default "
	  K_ETHERSCAN_KEY_ENV ")", 3 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->http;
		break;
	case OPT_ADDRESS: {
		const char *bad;
		int rc = k_tx_addr_list(arg, o->addrs, &o->naddrs, MAX_ADDRS, &bad);
		if (rc == -1)
			argp_error(state, "--address: '%s' is not an address "
			           "(0x and 40 hex digits)", bad);
		if (rc == -2)
			argp_error(state, "--address: more than %d; use "
			           "--addresses FILE", MAX_ADDRS);
		break;
	}
	case OPT_ADDRESSES:
		o->addr_file = arg;
		break;
	case OPT_KINDS:
		o->kinds = arg;
		break;
	case OPT_START_BLOCK:
		o->start_block = k_optval_block(state, "--start-block", arg, 0);
		break;
	case OPT_END_BLOCK:
		o->end_block = k_optval_block(state, "--end-block", arg, 0);
		break;
	case OPT_SINCE:
		o->since = k_optval_time(state, "--since", arg);
		break;
	case OPT_UNTIL:
		o->until = k_optval_time(state, "--until", arg);
		break;
	case OPT_DAYS:
		o->days = k_optval_number(state, "--days", arg, 0, 36500,
		                          K_OPTVAL_OPEN_LO);
		break;
	case OPT_CHAIN_ID:
		o->chainid = (long)k_optval_uint(state, "--chain-id", arg, 0,
		                                 1ULL << 40);
		break;
	case OPT_PAGE_SIZE:
		o->page_size = (unsigned)k_optval_uint(state, "--page-size", arg,
		                                       1, K_ETHERSCAN_WINDOW);
		break;
	case OPT_KEY_ENV:
		o->key_env = k_optval_name(state, "--api-key-env", arg);
		break;
	case ARGP_KEY_END:
		if (o->naddrs == 0 && o->addr_file == NULL)
			argp_error(state, "no address: give --address or --addresses");
		if (o->days > 0 && o->since != KFETCH_UNSET)
			argp_error(state, "--days and --since both give the start");
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
	"Fetch the normal, internal and ERC-20 token transactions of "
	"addresses from an Etherscan-compatible API (module=account, "
	"action=txlist, txlistinternal, tokentx) as tx records."
	"\v"
	"The API key is read from $" K_ETHERSCAN_KEY_ENV " (or --api-key-env); "
	"it is sent only in the query, never printed, and left out of "
	"--record files. Without a key the API allows 1 request per 5 s, with "
	"one 5 per second: the default --weight-budget. The base URL is "
	"--base-url, else $" K_ETHERSCAN_URL_ENV ", else " K_ETHERSCAN_URL ". "
	"Output: tx records in time order, transfer native, internal or "
	"token; a transaction between two fetched addresses is written once. "
	"Exit status: 0; 64 usage; 65 bad elements (reported, the rest kept); "
	"66 a replayed request was not recorded; 69 service unavailable; 75 "
	"rate limited; 78 the key was refused.\n\n"
	"Example:\n"
	"  ETHERSCAN_API_KEY=... kfetch etherscan --address 0xabc... --days 90 "
	"| kfeatures wallet --address 0xabc...";

static const struct argp argp = { options, parse_opt, NULL, doc, children,
                                  NULL, NULL };

/* ---- collecting, in time order, once each ---- */

struct item {
	int64_t ts;
	long long block;
	size_t seq, off, len;
};

struct out {
	struct k_buf text;
	struct item *it;
	size_t n, cap;
	uint64_t *keys;     /* dedup across addresses (key + 1) */
	size_t kcap, kn;
	size_t by_kind[3], dups;
	int oom;
};

static uint64_t
tx_key(const struct k_tx *t)
{
	char wei[K_WEI_STRLEN], buf[400];
	k_wei_format(&t->value_wei, wei, sizeof wei);
	int n = snprintf(buf, sizeof buf, "%s|%d|%lld|%s|%s|%s|%s|%s", t->hash,
	                 (int)t->transfer, t->log_index, t->trace_id, t->from,
	                 t->to, wei, t->token_address);
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (int i = 0; i < n && i < (int)sizeof buf; i++) {
		h ^= (unsigned char)buf[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h | 1;
}

static int
seen_before(struct out *o, uint64_t k)
{
	if (2 * (o->kn + 1) > o->kcap) {
		size_t nc = o->kcap ? o->kcap * 2 : 1024;
		uint64_t *nk = calloc(nc, sizeof *nk);
		if (nk == NULL) {
			o->oom = 1;
			return 0;
		}
		for (size_t i = 0; i < o->kcap; i++)
			if (o->keys[i]) {
				size_t j = (o->keys[i] * UINT64_C(0x9e3779b97f4a7c15) >> 20)
				           & (nc - 1);
				while (nk[j])
					j = (j + 1) & (nc - 1);
				nk[j] = o->keys[i];
			}
		free(o->keys);
		o->keys = nk;
		o->kcap = nc;
	}
	size_t j = (k * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (o->kcap - 1);
	while (o->keys[j]) {
		if (o->keys[j] == k)
			return 1;
		j = (j + 1) & (o->kcap - 1);
	}
	o->keys[j] = k;
	o->kn++;
	return 0;
}

static int
collect(void *ctx, const struct k_tx *t)
{
	struct out *o = ctx;
	if (seen_before(o, tx_key(t))) {
		o->dups++;
		return 0;
	}
	if (o->n == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 1024;
		struct item *ni = realloc(o->it, nc * sizeof *ni);
		if (ni == NULL) {
			o->oom = 1;
			return 1;
		}
		o->it = ni;
		o->cap = nc;
	}
	struct item *it = &o->it[o->n];
	it->ts = t->ts;
	it->block = t->block;
	it->seq = o->n;
	it->off = o->text.len;
	k_tx_write(&o->text, t);
	it->len = o->text.len - it->off;
	o->n++;
	o->by_kind[t->transfer]++;
	if (o->text.oom)
		o->oom = 1;
	return o->oom;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
on_reject(void *ctx, const struct k_error *e)
{
	kfetch_on_reject(ctx, e);
}

/* Addresses from --addresses FILE, kept (owned) until the end. */
struct addr_sink {
	struct opts *o;
	char ***owned;
	int *nowned;
	const char *path;
};

static enum k_status
add_address(void *arg, const char *addr, struct k_error *err)
{
	struct addr_sink *as = arg;
	struct opts *o = as->o;

	if (o->naddrs == MAX_ADDRS)
		return k_error_set(err, K_EUSAGE, "%s: more than %d addresses",
		                   as->path, MAX_ADDRS);
	char *c = strdup(addr);
	char **no = realloc(*as->owned, (size_t)(*as->nowned + 1) * sizeof *no);
	if (c == NULL || no == NULL)
		k_die(K_ENOMEM, "out of memory");
	*as->owned = no;
	(*as->owned)[(*as->nowned)++] = c;
	o->addrs[o->naddrs++] = c;
	return K_OK;
}

static void
load_addresses(struct opts *o, char ***owned, int *nowned)
{
	struct addr_sink as = { o, owned, nowned, o->addr_file };
	struct k_error e;

	if (k_tx_addr_file(o->addr_file, add_address, &as, &e) != K_OK)
		k_die_error(&e);
}

static void
opts_default(struct opts *o)
{
	memset(o, 0, sizeof *o);
	k_http_params_default(&o->http);
	o->kinds = "normal,internal,token";
	o->start_block = 0;
	o->end_block = 99999999;
	o->since = o->until = KFETCH_UNSET;
	o->chainid = 1;
	o->page_size = 1000;
	o->key_env = K_ETHERSCAN_KEY_ENV;
}

/* --kinds: want[k] set for each action k named (k_etherscan_kind_names). */
static void
parse_kinds(const char *list, int want[3])
{
	struct k_optval_list kinds;

	if (k_optval_list_parse(list, &kinds) < 0)
		k_usage_error("--kinds: empty list or empty item");
	for (size_t i = 0; i < kinds.n; i++) {
		int k = -1;
		for (int j = 0; j < 3; j++)
			if (strcmp(kinds.v[i], k_etherscan_kind_names[j]) == 0)
				k = j;
		if (k < 0)
			k_usage_error("--kinds: '%s' is not normal, internal or "
			              "token", kinds.v[i]);
		want[k] = 1;
	}
	k_optval_list_release(&kinds);
}

/* The API key from $--api-key-env (NULL if unset or empty), with the
 * request budget it allows and its redaction set in o->http. */
static const char *
api_key(struct opts *o)
{
	const char *key = getenv(o->key_env);

	if (key != NULL && key[0] == '\0')
		key = NULL;
	/* the documented limits: 5 requests a second with a key, one in 5 s
	 * without (unless --weight-budget says otherwise) */
	if (o->http.weight_budget < 0) {
		o->http.weight_budget = key ? 5 : 1;
		o->http.budget_window = key ? 1 : 5;
	}
	o->http.redact = "apikey";
	return key;
}

/* The blocks [*sb, *eb] to fetch: --start-block and --end-block, or
 * times (--days, --since, --until) looked up as blocks. */
static enum k_status
block_range(struct k_etherscan *es, struct opts *o, long long *sb,
            long long *eb, struct k_error *err)
{
	enum k_status st;

	*sb = o->start_block;
	*eb = o->end_block;
	if (o->days > 0)
		o->since = k_http_now(es->http) - (int64_t)(o->days * K_MS_PER_DAY);
	if (o->since != KFETCH_UNSET &&
	    (st = k_etherscan_block_at(es, o->since, 0, sb, err)) != K_OK)
		return st;
	if (o->until != KFETCH_UNSET &&
	    (st = k_etherscan_block_at(es, o->until, 1, eb, err)) != K_OK)
		return st;
	if (*sb > *eb)
		return k_error_set(err, K_EUSAGE, "the range is empty: block "
		                   "%lld to %lld", *sb, *eb);
	return K_OK;
}

/* Every wanted kind of every address into out, until the first failure
 * or a signal. */
static enum k_status
fetch_all(struct k_etherscan *es, const struct opts *o, const int want[3],
          long long sb, long long eb, struct kfetch_run *run,
          struct out *out, struct k_error *err)
{
	enum k_status st = K_OK;

	for (int i = 0; i < o->naddrs && st == K_OK && !kfetch_stop; i++) {
		char addr[K_TX_ADDR];
		k_tx_addr_norm(o->addrs[i], strlen(o->addrs[i]), addr);
		for (int k = 0; k < 3 && st == K_OK; k++) {
			if (!want[k])
				continue;
			k_progress_update(&run->prog, "%s: %s %s, %zu records", SOURCE,
			                  addr, k_etherscan_kind_names[k], out->n);
			st = k_etherscan_fetch(es, (enum k_es_action)k, addr, sb, eb,
			                       collect, out, err);
			if (out->oom)
				k_die(K_ENOMEM, "out of memory");
		}
	}
	return st;
}

/* Report st if it failed; write what was fetched, in time order (even
 * after a failure), and the summary; finish stdout. */
static void
write_out(enum k_status st, const struct k_error *err, struct out *out,
          struct kfetch_run *run, struct k_http *h, int naddrs)
{
	if (st != K_OK) {
		k_progress_done(&run->prog);
		k_err("%s: %s", SOURCE, err->text);
	}
	if (out->n > 1)
		qsort(out->it, out->n, sizeof *out->it, item_cmp);
	k_progress_done(&run->prog);
	for (size_t i = 0; i < out->n; i++) {
		k_out_write(out->text.data + out->it[i].off, out->it[i].len);
		k_out_line_end();
	}
	struct k_http_stats hs;
	k_http_stats(h, &hs);
	k_info("%s: wrote %zu tx records (%zu normal, %zu internal, %zu token; "
	       "%zu duplicates dropped) for %d address%s; %ld request%s%s",
	       SOURCE, out->n, out->by_kind[K_TX_NATIVE],
	       out->by_kind[K_TX_INTERNAL], out->by_kind[K_TX_TOKEN], out->dups,
	       naddrs, naddrs == 1 ? "" : "es", hs.requests,
	       hs.requests == 1 ? "" : "s",
	       k_http_replaying(h) ? " (replayed)" : "");
	k_out_finish();
}

int
kfetch_etherscan(int argc, char **argv)
{
	struct opts o;
	struct k_error err;
	struct k_rng rng;
	struct kfetch_run run;
	struct out out;
	enum k_status st;
	char **owned = NULL;
	int nowned = 0;
	int want[3] = { 0, 0, 0 };
	long long sb, eb;

	opts_default(&o);
	k_args_libs_hook = k_http_version;
	k_args_parse("kfetch", &argp, 0, argc, argv, &o);
	if (o.addr_file)
		load_addresses(&o, &owned, &nowned);
	parse_kinds(o.kinds, want);
	const char *key = api_key(&o);
	char *base = kfetch_base_url(o.http.base_url, K_ETHERSCAN_URL_ENV,
	                             K_ETHERSCAN_URL);
	kfetch_run_init(&run, SOURCE);
	memset(&out, 0, sizeof out);
	k_buf_init(&out.text);
	struct k_http *h = kfetch_http_open(&o.http, &run, base, 0, &rng);
	if (key == NULL && !k_http_replaying(h))
		k_info("%s: no API key in $%s: the API allows one request per 5 "
		       "seconds", SOURCE, o.key_env);
	struct k_etherscan es = {
		.http = h, .base = base, .apikey = key, .chainid = o.chainid,
		.offset = o.page_size, .busy_retries = o.http.retries,
		.busy_wait = o.http.retry_wait > 0 ? o.http.retry_wait : 1,
		.reject = on_reject, .reject_ctx = &run,
		.note = kfetch_on_notify, .note_ctx = &run,
	};

	st = block_range(&es, &o, &sb, &eb, &err);
	if (st == K_OK)
		st = fetch_all(&es, &o, want, sb, eb, &run, &out, &err);
	write_out(st, &err, &out, &run, h, o.naddrs);
	k_http_free(h);
	free(base);
	free(out.it);
	free(out.keys);
	k_buf_release(&out.text);
	for (int i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	long rejected = run.rejected;
	kfetch_run_release(&run);
	if (st == K_EUNAVAIL && kfetch_stop)
		st = K_OK;
	if (st != K_OK)
		return k_status_exit(st);
	return rejected ? k_status_exit(K_EDATA) : 0;
}
