/*
 * k_ethrpc.c - the JSON-RPC block scanner of k_ethrpc.h. Requests are
 * JSON-RPC batches with ids counted from 1, so a --record'ed run replays
 * byte for byte. Per chunk of blocks: eth_getBlockByNumber (full
 * transactions), eth_getBlockReceipts (or eth_getTransactionReceipt per
 * transaction on nodes without it), trace_block when asked, and eth_call
 * symbol()/decimals() once per token contract.
 */
#include "net/k_ethrpc.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/k_buf.h"
#include "text/k_json.h"

struct k_ethrpc_token {
	char addr[K_TX_ADDR];
	char sym[K_TX_SYM];
	int decimals;        /* -1: unknown (the call failed) */
};

void
k_ethrpc_init(struct k_ethrpc *r, struct k_http *http, const char *base)
{
	memset(r, 0, sizeof *r);
	r->http = http;
	r->base = base;
	r->batch = 25;
	r->tokens = 1;
	r->block_receipts = 1;
	r->busy_retries = 5;
	r->busy_wait = 1;
}

void
k_ethrpc_release(struct k_ethrpc *r)
{
	free(r->tok);
	r->tok = NULL;
	r->ntok = r->ctok = 0;
}

/* ---- batches ---- */

static int
busy_error(const json_t *e)
{
	const json_t *c = json_object_get(e, "code");
	const json_t *m = json_object_get(e, "message");
	const char *ms = json_is_string(m) ? json_string_value(m) : "";
	return json_integer_value(c) == -32005 || strcasestr(ms, "rate") ||
	       strcasestr(ms, "limit exceeded") || strcasestr(ms, "too many");
}

static void
describe_error(const json_t *e, char *buf, size_t cap)
{
	const json_t *c = json_object_get(e, "code");
	const json_t *m = json_object_get(e, "message");
	snprintf(buf, cap, "error %lld: %.200s", (long long)json_integer_value(c),
	         json_is_string(m) ? json_string_value(m) : "(no message)");
}

/* One JSON-RPC batch on its way: n calls of one method and where their
 * answers go. */
struct rpc_batch {
	size_t n;
	json_t **res;          /* n results (new references, NULL for null) */
	char (*errs)[256];     /* n per-call errors ("" if none), or NULL */
	long id0;              /* the id of the first call */
	char label[200];       /* "method xN (what)", for messages */
};

/* The request body of calls of method with params[i] (stolen), ids from
 * b->id0; clears b's results. NULL when out of memory. */
static char *
batch_body(struct rpc_batch *b, const char *method, json_t **params)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < b->n; i++) {
		json_t *c = json_pack("{s:s,s:I,s:s,s:o}", "jsonrpc", "2.0", "id",
		                      (json_int_t)(b->id0 + (long)i), "method", method,
		                      "params", params[i]);
		json_array_append_new(arr, c);
		b->res[i] = NULL;
		if (b->errs)
			b->errs[i][0] = '\0';
	}
	char *body = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return body;
}

static void
batch_clear(struct rpc_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		json_decref(b->res[i]);
		b->res[i] = NULL;
	}
}

/* Take each answer of the array a into b by its id; *busy is set when a
 * call was refused as rate limited. */
static enum k_status
batch_answers(struct rpc_batch *b, const json_t *a, int *busy,
              struct k_error *err)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *o = json_array_get(a, i);
		const json_t *jid = json_object_get(o, "id");
		/* compared before subtracting: a node may answer any id, -2^63
		 * included */
		json_int_t id = json_is_integer(jid) ? json_integer_value(jid) : 0;
		if (!json_is_integer(jid) || id < b->id0 ||
		    (uint64_t)(id - b->id0) >= (uint64_t)b->n)
			return k_error_set(err, K_EDATA, "%s: answer %zu has no "
			                   "id of the batch", b->label, i);
		size_t k = (size_t)(id - b->id0);
		const json_t *e = json_object_get(o, "error");
		if (e != NULL) {
			if (busy_error(e)) {
				*busy = 1;
				continue;
			}
			if (b->errs)
				describe_error(e, b->errs[k], sizeof b->errs[k]);
			continue;
		}
		const json_t *v = json_object_get(o, "result");
		json_decref(b->res[k]);
		b->res[k] = v && !json_is_null(v) ? json_incref((json_t *)v) : NULL;
	}
	return K_OK;
}

/* Send the batch once and read the node's answer; *busy is set when the
 * node asks to wait. */
static enum k_status
batch_round_trip(struct k_ethrpc *r, struct rpc_batch *b,
                 const struct k_http_req *q, int *busy, struct k_error *err)
{
	struct k_http_resp resp;
	k_http_resp_init(&resp);
	enum k_status st = k_http_json(r->http, q, &resp, err);
	if (st != K_OK) {
		k_http_resp_release(&resp);
		return st;
	}
	r->calls += (long)b->n;
	const json_t *a = resp.json;
	if (json_is_object(a) && json_object_get(a, "error") != NULL) {
		/* the whole batch refused */
		const json_t *e = json_object_get(a, "error");
		if (busy_error(e)) {
			*busy = 1;
		} else {
			char d[300];
			describe_error(e, d, sizeof d);
			st = k_error_set(err, K_EUNAVAIL, "%s: the node refused "
			                 "the batch: %s", b->label, d);
		}
	} else if (!json_is_array(a)) {
		st = k_error_set(err, K_EDATA, "%s: the answer is not a "
		                 "JSON-RPC batch (an array)", b->label);
	} else {
		st = batch_answers(b, a, busy, err);
	}
	k_http_resp_release(&resp);
	return st;
}

/* Wait before attempt + 2 of a rate-limited batch (*wait s, then
 * doubled), or fail once busy_retries are spent. */
static enum k_status
batch_wait(struct k_ethrpc *r, const struct rpc_batch *b, int attempt,
           double *wait, struct k_error *err)
{
	if (attempt >= r->busy_retries)
		return k_error_set(err, K_ETEMPFAIL, "%s: the node is still "
		                   "rate limiting after %d attempts", b->label,
		                   attempt + 1);
	if (r->note) {
		char m[300];
		snprintf(m, sizeof m, "%s: rate limited by the node; waiting "
		         "%.1f s", b->label, *wait);
		r->note(r->note_ctx, m);
	}
	if (k_http_sleep(r->http, *wait))
		return k_error_set(err, K_EUNAVAIL, "%s: interrupted", b->label);
	*wait *= 2;
	return K_OK;
}

/*
 * Call method with params[i] for i < n in one HTTP request. res[i] gets a
 * new reference to each result (NULL for null), errs[i] (if not NULL) a
 * message for a per-call error ("" if none). params are stolen. A call
 * the node refuses as rate limited makes the whole batch wait and go
 * again.
 */
static enum k_status
batch(struct k_ethrpc *r, const char *method, json_t **params, size_t n,
      json_t **res, char (*errs)[256], const char *what, struct k_error *err)
{
	enum k_status st = K_OK;
	struct rpc_batch b = { n, res, errs, r->id + 1, "" };
	double wait = r->busy_wait;

	char *body = batch_body(&b, method, params);
	r->id += (long)n;
	if (body == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	snprintf(b.label, sizeof b.label, "%s x%zu (%s)", method, n, what);
	/* the node's URL may hold a key in its path (Infura's /v3/KEY) */
	struct k_http_req q = { "POST", r->base, "", body, b.label, 1, NULL, 1 };
	for (int attempt = 0;; attempt++) {
		int busy = 0;
		st = batch_round_trip(r, &b, &q, &busy, err);
		if (st != K_OK || !busy)
			break;
		if ((st = batch_wait(r, &b, attempt, &wait, err)) != K_OK)
			break;
		batch_clear(&b);
	}
	free(body);
	if (st != K_OK)
		batch_clear(&b);
	return st;
}

/* ---- reading values ---- */

static int
hexnum(const json_t *v, long long *out)
{
	struct k_wei w;
	struct k_error e;
	const char *s = json_string_value(v);
	if (s == NULL || k_wei_parse(s, strlen(s), K_WEI_HEX, &w, &e) != K_OK ||
	    w.w[1] || w.w[2] || w.w[3] || w.w[0] > (UINT64_C(1) << 62))
		return -1;
	*out = (long long)w.w[0];
	return 0;
}

static enum k_status
field_err(struct k_error *err, const char *where, const char *field,
          const json_t *v, const char *want)
{
	char got[96];
	if (v == NULL)
		snprintf(got, sizeof got, "missing");
	else
		k_json_describe(v, got, sizeof got);
	return k_error_field(err, K_EDATA, field, "%s: field '%s': expected %s, "
	                     "got %s", where, field, want, got);
}

static enum k_status
get_hexnum(const json_t *o, const char *f, const char *where, long long *out,
           struct k_error *err)
{
	const json_t *v = json_object_get(o, f);
	if (hexnum(v, out) < 0)
		return field_err(err, where, f, v, "a hex quantity");
	return K_OK;
}

static enum k_status
get_addr(const json_t *o, const char *f, const char *where, int nullable,
         char *out, struct k_error *err)
{
	const json_t *v = json_object_get(o, f);
	out[0] = '\0';
	if (nullable && (v == NULL || json_is_null(v)))
		return K_OK;
	const char *s = json_string_value(v);
	if (s == NULL || k_tx_addr_norm(s, strlen(s), out) < 0)
		return field_err(err, where, f, v, "an address");
	return K_OK;
}

static enum k_status
get_wei(const json_t *o, const char *f, const char *where, struct k_wei *w,
        struct k_error *err)
{
	struct k_error e;
	const json_t *v = json_object_get(o, f);
	const char *s = json_string_value(v);
	if (s == NULL)
		return field_err(err, where, f, v, "a hex quantity");
	if (k_wei_parse(s, strlen(s), K_WEI_HEX, w, &e) != K_OK)
		return k_error_field(err, K_EDATA, f, "%s: field '%s': %s", where,
		                     f, e.text);
	return K_OK;
}

static enum k_status
get_hash(const json_t *o, const char *f, const char *where, char *out,
         struct k_error *err)
{
	const json_t *v = json_object_get(o, f);
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	int ok = n == 66 && s[0] == '0' && s[1] == 'x';
	for (size_t i = 2; ok && i < n; i++)
		ok = isxdigit((unsigned char)s[i]);
	if (!ok)
		return field_err(err, where, f, v, "a 32-byte hash");
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return K_OK;
}

static int
wanted(const struct k_ethrpc *r, const char *a)
{
	size_t lo = 0, hi = r->nonly;
	if (r->only == NULL)
		return 1;
	if (a[0] == '\0')
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->only[mid], a);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void
reject(struct k_ethrpc *r, const struct k_error *e)
{
	if (r->reject)
		r->reject(r->reject_ctx, e);
}

/* ---- tokens ---- */

static struct k_ethrpc_token *
token_find(struct k_ethrpc *r, const char *addr)
{
	for (size_t i = 0; i < r->ntok; i++)
		if (strcmp(r->tok[i].addr, addr) == 0)
			return &r->tok[i];
	return NULL;
}

/* An ABI-encoded string (or a bytes32, as old tokens return) as a short
 * printable symbol. */
static void
decode_symbol(const char *hex, char *out, size_t cap)
{
	size_t n = hex ? strlen(hex) : 0;
	unsigned char b[512];
	size_t nb = 0;
	out[0] = '\0';
	if (n < 2 || strncmp(hex, "0x", 2) != 0)
		return;
	for (size_t i = 2; i + 1 < n && nb < sizeof b; i += 2) {
		unsigned v;
		if (sscanf(hex + i, "%2x", &v) != 1)
			return;
		b[nb++] = (unsigned char)v;
	}
	const unsigned char *s = b;
	size_t len = 0;
	if (nb == 32) {                          /* bytes32 */
		while (len < 32 && b[len])
			len++;
	} else if (nb >= 64) {
		size_t off = 0, l = 0;
		for (int i = 24; i < 32; i++)
			off = off << 8 | b[i];
		if (off + 32 > nb)
			return;
		for (size_t i = off + 24; i < off + 32; i++)
			l = l << 8 | b[i];
		if (off + 32 + l > nb)
			return;
		s = b + off + 32;
		len = l;
	}
	size_t j = 0;
	for (size_t i = 0; i < len && j + 1 < cap; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			out[j++] = (char)s[i];
	out[j] = '\0';
}

/* symbol() and decimals() of every token in logs not known yet. */
static enum k_status
token_meta(struct k_ethrpc *r, json_t **receipts, size_t nrec,
           struct k_error *err)
{
	const char **todo = NULL;
	size_t nt = 0;
	enum k_status st = K_OK;

	for (size_t i = 0; i < nrec; i++) {
		const json_t *logs = json_object_get(receipts[i], "logs");
		for (size_t k = 0; k < json_array_size(logs); k++) {
			const json_t *lg = json_array_get(logs, k);
			const json_t *t = json_object_get(lg, "topics");
			const char *t0 = json_string_value(json_array_get(t, 0));
			const char *a = json_string_value(json_object_get(lg, "address"));
			char addr[K_TX_ADDR];
			if (t0 == NULL || strcasecmp(t0, K_ETHRPC_TRANSFER_TOPIC) != 0 ||
			    json_array_size(t) != 3 || a == NULL ||
			    k_tx_addr_norm(a, strlen(a), addr) < 0 ||
			    token_find(r, addr) != NULL)
				continue;
			if (r->ntok == r->ctok) {
				size_t nc = r->ctok ? r->ctok * 2 : 64;
				void *np = realloc(r->tok, nc * sizeof *r->tok);
				if (np == NULL)
					goto oom;
				r->tok = np;
				r->ctok = nc;
			}
			struct k_ethrpc_token *tk = &r->tok[r->ntok++];
			memcpy(tk->addr, addr, K_TX_ADDR);
			tk->sym[0] = '\0';
			tk->decimals = -1;
			void *nt2 = realloc(todo, (nt + 1) * sizeof *todo);
			if (nt2 == NULL)
				goto oom;
			todo = nt2;
			todo[nt++] = tk->addr;
		}
	}
	for (size_t i0 = 0; i0 < nt && st == K_OK; i0 += r->batch / 2 + 1) {
		size_t m = nt - i0 < r->batch / 2 + 1 ? nt - i0 : r->batch / 2 + 1;
		json_t **params = malloc(2 * m * sizeof *params);
		json_t **res = malloc(2 * m * sizeof *res);
		if (params == NULL || res == NULL) {
			free(params);
			free(res);
			goto oom;
		}
		for (size_t k = 0; k < m; k++) {
			params[2 * k] = json_pack("[{s:s,s:s},s]", "to", todo[i0 + k],
			                          "data", "0x313ce567", "latest");
			params[2 * k + 1] = json_pack("[{s:s,s:s},s]", "to",
			                              todo[i0 + k], "data",
			                              "0x95d89b41", "latest");
		}
		st = batch(r, "eth_call", params, 2 * m, res, NULL,
		           "token decimals and symbol", err);
		for (size_t k = 0; k < m && st == K_OK; k++) {
			struct k_ethrpc_token *tk = token_find(r, todo[i0 + k]);
			long long d;
			if (res[2 * k] && hexnum(res[2 * k], &d) == 0 && d <= 77)
				tk->decimals = (int)d;
			decode_symbol(json_string_value(res[2 * k + 1]), tk->sym,
			              sizeof tk->sym);
		}
		for (size_t k = 0; k < 2 * m; k++)
			json_decref(res[k]);
		free(params);
		free(res);
	}
	free(todo);
	return st;
oom:
	free(todo);
	return k_error_set(err, K_ENOMEM, "out of memory");
}

/* ---- records ---- */

/* The native record of transaction tx in a block at ts, with its receipt
 * (may be NULL). */
static enum k_status
native(const json_t *tx, const json_t *rc, int64_t ts, long long block,
       struct k_tx *t, const char *where, struct k_error *err)
{
	enum k_status st;
	k_tx_init(t);
	t->ts = ts;
	t->block = block;
	if ((st = get_hash(tx, "hash", where, t->hash, err)) != K_OK ||
	    (st = get_addr(tx, "from", where, 0, t->from, err)) != K_OK ||
	    (st = get_addr(tx, "to", where, 1, t->to, err)) != K_OK ||
	    (st = get_wei(tx, "value", where, &t->value_wei, err)) != K_OK)
		return st;
	const char *input = json_string_value(json_object_get(tx, "input"));
	if (t->to[0])
		k_tx_method_from_input(input, t->method);
	/* the price paid: the receipt's effective price (EIP-1559), else the
	 * transaction's */
	struct k_wei gp;
	const json_t *egp = rc ? json_object_get(rc, "effectiveGasPrice") : NULL;
	if (egp != NULL && !json_is_null(egp)) {
		if ((st = get_wei(rc, "effectiveGasPrice", where, &gp, err)) != K_OK)
			return st;
		t->gas_price_gwei = k_wei_to_double(&gp, 9);
	} else if (json_object_get(tx, "gasPrice") != NULL) {
		if ((st = get_wei(tx, "gasPrice", where, &gp, err)) != K_OK)
			return st;
		t->gas_price_gwei = k_wei_to_double(&gp, 9);
	}
	if (rc != NULL) {
		if ((st = get_hexnum(rc, "gasUsed", where, &t->gas_used, err)) != K_OK)
			return st;
		if (t->gas_used > K_TX_COUNT_MAX)
			return field_err(err, where, "gasUsed",
			                 json_object_get(rc, "gasUsed"),
			                 "a gas count up to 2^53");
		const json_t *s = json_object_get(rc, "status");
		long long v;
		if (s == NULL || json_is_null(s))
			t->success = -1;          /* before Byzantium: a root */
		else if (hexnum(s, &v) < 0 || v > 1)
			return field_err(err, where, "status", s, "0x0 or 0x1");
		else
			t->success = (int)v;
		if (t->to[0] == '\0' &&
		    (st = get_addr(rc, "contractAddress", where, 1,
		                   t->contract_address, err)) != K_OK)
			return st;
	} else {
		t->success = -1;
	}
	t->transfer = K_TX_NATIVE;
	return K_OK;
}

enum k_status
k_ethrpc_latest(struct k_ethrpc *r, long long *block, struct k_error *err)
{
	json_t *params[1] = { json_array() };
	json_t *res[1];
	char errs[1][256];
	enum k_status st = batch(r, "eth_blockNumber", params, 1, res, errs,
	                         "the newest block", err);
	if (st != K_OK)
		return st;
	if (errs[0][0]) {
		st = k_error_set(err, K_EUNAVAIL, "eth_blockNumber: %s", errs[0]);
	} else if (hexnum(res[0], block) < 0) {
		st = field_err(err, "eth_blockNumber", "result", res[0],
		               "a hex quantity");
	}
	json_decref(res[0]);
	return st;
}

/* ---- the scan ---- */

/* One chunk of blocks on its way through k_ethrpc_scan: the answers of
 * its batches, and where its records go. */
struct scan {
	struct k_ethrpc *r;
	int (*emit)(void *ctx, const struct k_tx *t);
	void *ctx;
	size_t chunk;          /* calls per batch */
	long long b0;          /* the chunk's first block */
	size_t nb;             /* and its number of blocks */
	char what[64];         /* "blocks A-B", for messages */
	json_t **blocks;       /* eth_getBlockByNumber, by block */
	json_t **params;       /* one batch's params, by block */
	json_t **brc;          /* eth_getBlockReceipts, by block */
	json_t **traces;       /* trace_block, by block (NULL without) */
	char (*errs)[256];     /* one batch's per-call errors, by block */
	json_t **rcs;          /* receipts by transaction, flattened */
	size_t nrcs;
	struct k_tx tx;        /* the transaction being passed on */
	size_t txi;            /* and its index in its block */
	int stop;              /* emit asked to stop */
};

static enum k_status
scan_chunk_alloc(struct scan *s, long long b0, size_t nb, struct k_error *err)
{
	s->b0 = b0;
	s->nb = nb;
	snprintf(s->what, sizeof s->what, "blocks %lld-%lld", b0,
	         b0 + (long long)nb - 1);
	s->blocks = calloc(nb, sizeof *s->blocks);
	s->params = calloc(nb, sizeof *s->params);
	s->brc = calloc(nb, sizeof *s->brc);
	s->traces = calloc(nb, sizeof *s->traces);
	s->errs = calloc(nb, sizeof *s->errs);
	s->rcs = NULL;
	s->nrcs = 0;
	if (!s->blocks || !s->params || !s->brc || !s->traces || !s->errs)
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

static void
scan_chunk_release(struct scan *s)
{
	for (size_t i = 0; i < s->nb; i++) {
		json_decref(s->blocks ? s->blocks[i] : NULL);
		json_decref(s->brc ? s->brc[i] : NULL);
		json_decref(s->traces ? s->traces[i] : NULL);
	}
	for (size_t i = 0; i < s->nrcs; i++)
		json_decref(s->rcs[i]);
	free(s->rcs);
	free(s->blocks);
	free(s->params);
	free(s->brc);
	free(s->traces);
	free(s->errs);
}

/* method once per block of the chunk, with params [number] or, with
 * full_tx, [number, true]; the answers into out, the per-call errors
 * into s->errs. */
static enum k_status
block_batch(struct scan *s, const char *method, int full_tx, json_t **out,
            struct k_error *err)
{
	char hex[32];
	for (size_t i = 0; i < s->nb; i++) {
		snprintf(hex, sizeof hex, "0x%llx",
		         (unsigned long long)(s->b0 + (long long)i));
		s->params[i] = full_tx ? json_pack("[s,b]", hex, 1)
		                       : json_pack("[s]", hex);
	}
	return batch(s->r, method, s->params, s->nb, out, s->errs, s->what, err);
}

/* The chunk's blocks with their full transactions. */
static enum k_status
fetch_blocks(struct scan *s, struct k_error *err)
{
	enum k_status st = block_batch(s, "eth_getBlockByNumber", 1, s->blocks,
	                               err);
	if (st != K_OK)
		return st;
	for (size_t i = 0; i < s->nb; i++)
		if (s->errs[i][0] || s->blocks[i] == NULL)
			return k_error_set(err, s->errs[i][0] ? K_EUNAVAIL : K_EDATA,
			                   "eth_getBlockByNumber %lld: %s",
			                   s->b0 + (long long)i, s->errs[i][0]
			                   ? s->errs[i]
			                   : "no such block (beyond the node's head?)");
	return K_OK;
}

/* The receipts block by block into s->rcs; a node without
 * eth_getBlockReceipts clears r->block_receipts and leaves s->rcs
 * empty. */
static enum k_status
fetch_block_receipts(struct scan *s, struct k_error *err)
{
	struct k_ethrpc *r = s->r;
	enum k_status st = block_batch(s, "eth_getBlockReceipts", 0, s->brc,
	                               err);
	if (st != K_OK)
		return st;
	if (s->errs[0][0]) {
		/* not supported by this node: one receipt per tx from now on */
		r->block_receipts = 0;
		if (r->note) {
			char m[400];
			snprintf(m, sizeof m, "eth_getBlockReceipts: %s; asking for "
			         "receipts one transaction at a time", s->errs[0]);
			r->note(r->note_ctx, m);
		}
		return K_OK;
	}
	size_t k = 0;
	for (size_t i = 0; i < s->nb; i++) {
		size_t nt = json_array_size(json_object_get(s->blocks[i],
		                                            "transactions"));
		if (!json_is_array(s->brc[i]) || json_array_size(s->brc[i]) != nt)
			return k_error_set(err, K_EDATA, "eth_getBlockReceipts %lld: "
			                   "expected %zu receipts",
			                   s->b0 + (long long)i, nt);
		for (size_t j = 0; j < nt; j++)
			s->rcs[k++] = json_incref(json_array_get(s->brc[i], j));
	}
	return K_OK;
}

/* The receipts one transaction at a time into s->rcs, in batches of
 * s->chunk. */
static enum k_status
fetch_tx_receipts(struct scan *s, struct k_error *err)
{
	enum k_status st = K_OK;
	size_t ntx = s->nrcs, k = 0;
	json_t **hp = calloc(ntx, sizeof *hp);
	char (*he)[256] = calloc(ntx, sizeof *he);
	if (hp == NULL || he == NULL) {
		free(hp);
		free(he);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < s->nb; i++) {
		const json_t *txs = json_object_get(s->blocks[i], "transactions");
		for (size_t j = 0; j < json_array_size(txs); j++)
			hp[k++] = json_pack("[O]", json_object_get(
			                    json_array_get(txs, j), "hash"));
	}
	size_t sent = 0;
	for (size_t i0 = 0; i0 < ntx && st == K_OK; i0 += s->chunk) {
		size_t m = ntx - i0 < s->chunk ? ntx - i0 : s->chunk;
		st = batch(s->r, "eth_getTransactionReceipt", hp + i0, m,
		           s->rcs + i0, he + i0, s->what, err);
		sent = i0 + m;
		for (size_t q = i0; q < i0 + m && st == K_OK; q++)
			if (he[q][0]) {
				st = k_error_set(err, K_EUNAVAIL,
				                 "eth_getTransactionReceipt (%s): %s",
				                 s->what, he[q]);
			}
	}
	/* params not sent after a failure are still ours */
	for (size_t q = sent; q < ntx; q++)
		json_decref(hp[q]);
	free(hp);
	free(he);
	return st;
}

/* Receipts: by block when the node can, else by transaction. */
static enum k_status
fetch_receipts(struct scan *s, struct k_error *err)
{
	enum k_status st;
	size_t ntx = 0;
	for (size_t i = 0; i < s->nb; i++)
		ntx += json_array_size(json_object_get(s->blocks[i], "transactions"));
	s->rcs = calloc(ntx ? ntx : 1, sizeof *s->rcs);
	if (s->rcs == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	s->nrcs = ntx;
	if (s->r->block_receipts &&
	    (st = fetch_block_receipts(s, err)) != K_OK)
		return st;
	if (!s->r->block_receipts && ntx > 0)
		return fetch_tx_receipts(s, err);
	return K_OK;
}

/* trace_block of every block of the chunk. */
static enum k_status
fetch_traces(struct scan *s, struct k_error *err)
{
	enum k_status st = block_batch(s, "trace_block", 0, s->traces, err);
	if (st != K_OK)
		return st;
	if (s->errs[0][0])
		return k_error_set(err, K_EUNAVAIL, "trace_block: %s (the node "
		                   "has no trace API; leave out --traces)",
		                   s->errs[0]);
	return K_OK;
}

/* Pass t on when it touches an address asked for (a, b, c; c may be
 * NULL); emit's asking to stop sets s->stop. */
static void
scan_emit(struct scan *s, const struct k_tx *t, const char *a,
          const char *b, const char *c)
{
	struct k_ethrpc *r = s->r;
	if ((wanted(r, a) || wanted(r, b) || (c && wanted(r, c))) &&
	    s->emit(s->ctx, t))
		s->stop = 1;
}

/* After trace_transfer or log_transfer: a malformed one (got < 0) is
 * rejected, a transfer (got > 0) passed on. */
static void
transfer_out(struct scan *s, int got, const struct k_tx *t,
             const struct k_error *e)
{
	if (got < 0)
		reject(s->r, e);
	else if (got > 0)
		scan_emit(s, t, t->from, t->to, NULL);
}

/* Trace x (number q of its block) as an internal transfer of s->tx, into
 * *it: 1 when it is one; 0 when it is not (another transaction's, the
 * top call, failed, neither call nor create, a delegatecall, no value);
 * -1 when it is malformed (e says how). */
static int
trace_transfer(const struct scan *s, const json_t *x, size_t q,
               struct k_tx *it, struct k_error *e)
{
	const struct k_tx *t = &s->tx;
	char where[160];
	const char *th = json_string_value(json_object_get(x, "transactionHash"));
	const json_t *ta = json_object_get(x, "traceAddress");
	const json_t *ac = json_object_get(x, "action");
	if (th == NULL || strcasecmp(th, t->hash) != 0 ||
	    json_array_size(ta) == 0 || json_object_get(x, "error") != NULL)
		return 0;
	k_tx_init(it);
	snprintf(where, sizeof where, "block %lld trace %zu", t->block, q);
	const char *type = json_string_value(json_object_get(x, "type"));
	if (type == NULL ||
	    (strcmp(type, "call") != 0 && strcmp(type, "create") != 0))
		return 0;
	const char *ct = json_string_value(json_object_get(ac, "callType"));
	if (ct && strcmp(ct, "delegatecall") == 0)
		return 0;   /* moves no value of its own */
	if (get_wei(ac, "value", where, &it->value_wei, e) != K_OK ||
	    get_addr(ac, "from", where, 0, it->from, e) != K_OK)
		return -1;
	if (k_wei_is_zero(&it->value_wei))
		return 0;
	enum k_status st;
	if (strcmp(type, "call") == 0)
		st = get_addr(ac, "to", where, 0, it->to, e);
	else
		st = get_addr(json_object_get(x, "result"), "address", where, 1,
		              it->contract_address, e);
	if (st != K_OK)
		return -1;
	it->ts = t->ts;
	it->block = t->block;
	memcpy(it->hash, t->hash, K_TX_HASH);
	it->gas_price_gwei = NAN;
	it->transfer = K_TX_INTERNAL;
	size_t p = 0;
	for (size_t z = 0; z < json_array_size(ta) &&
	                   p + 12 < sizeof it->trace_id; z++)
		p += (size_t)snprintf(it->trace_id + p, sizeof it->trace_id - p,
		                      "%s%lld", z ? "_" : "",
		                      (long long)json_integer_value(
		                          json_array_get(ta, z)));
	return 1;
}

/* Log lg (number q of s->tx's receipt) as an ERC-20 transfer, into *kt:
 * 1 when it is one; 0 when it is not a Transfer; -1 when it is malformed
 * (e says how). */
static int
log_transfer(const struct scan *s, const json_t *lg, size_t q,
             struct k_tx *kt, struct k_error *e)
{
	const struct k_tx *t = &s->tx;
	char where[160];
	const json_t *tp = json_object_get(lg, "topics");
	const char *t0 = json_string_value(json_array_get(tp, 0));
	if (t0 == NULL || strcasecmp(t0, K_ETHRPC_TRANSFER_TOPIC) != 0 ||
	    json_array_size(tp) != 3)
		return 0;   /* not an ERC-20 Transfer (ERC-721 has a fourth
		             * topic) */
	k_tx_init(kt);
	snprintf(where, sizeof where, "block %lld log %zu of transaction %zu",
	         t->block, q, s->txi);
	const char *a = json_string_value(json_object_get(lg, "address"));
	const char *t1 = json_string_value(json_array_get(tp, 1));
	const char *t2 = json_string_value(json_array_get(tp, 2));
	char buf[43];
	int ok = a && k_tx_addr_norm(a, strlen(a), kt->token_address) == 0 &&
	         t1 && strlen(t1) == 66 && t2 && strlen(t2) == 66;
	if (ok) {
		snprintf(buf, sizeof buf, "0x%s", t1 + 26);
		ok = k_tx_addr_norm(buf, 42, kt->from) == 0;
		snprintf(buf, sizeof buf, "0x%s", t2 + 26);
		ok = ok && k_tx_addr_norm(buf, 42, kt->to) == 0;
	}
	if (!ok) {
		k_error_field(e, K_EDATA, "topics", "%s: a Transfer log without "
		              "an address and two address topics", where);
		return -1;
	}
	const char *data = json_string_value(json_object_get(lg, "data"));
	if (data == NULL || strcmp(data, "0x") == 0 ||
	    k_wei_parse(data, strlen(data), K_WEI_HEX, &kt->value_wei, e)
	    != K_OK) {
		k_error_field(e, K_EDATA, "data", "%s: field 'data': not a "
		              "32-byte amount", where);
		return -1;
	}
	long long li = -1;
	hexnum(json_object_get(lg, "logIndex"), &li);
	kt->log_index = li;
	kt->ts = t->ts;
	kt->block = t->block;
	memcpy(kt->hash, t->hash, K_TX_HASH);
	kt->gas_price_gwei = t->gas_price_gwei;
	kt->gas_used = t->gas_used;
	kt->transfer = K_TX_TOKEN;
	struct k_ethrpc_token *tk = token_find(s->r, kt->token_address);
	if (tk != NULL) {
		memcpy(kt->token, tk->sym, K_TX_SYM);
		kt->decimals = tk->decimals >= 0 ? (unsigned)tk->decimals : 0;
	} else {
		kt->decimals = 0;
	}
	return 1;
}

/* Transaction j of block i with its receipt rc (may be NULL), at ts (s):
 * its record, then its internal transfers (from the block's trace_block,
 * when asked) and the ERC-20 transfers in its logs. */
static void
emit_tx(struct scan *s, size_t i, size_t j, long long ts, const json_t *tx,
        const json_t *rc)
{
	long long bn = s->b0 + (long long)i;
	char where[160];
	struct k_error e;
	snprintf(where, sizeof where, "block %lld transaction %zu", bn, j);
	if (!json_is_object(tx)) {
		field_err(&e, where, "transactions[]", tx, "a transaction object");
		reject(s->r, &e);
		return;
	}
	if (native(tx, rc, ts * 1000, bn, &s->tx, where, &e) != K_OK) {
		reject(s->r, &e);
		return;
	}
	s->txi = j;
	scan_emit(s, &s->tx, s->tx.from, s->tx.to, s->tx.contract_address);
	if (s->stop)
		return;
	/* internal transfers of this transaction */
	const json_t *tr = s->traces[i];
	for (size_t q = 0; q < json_array_size(tr) && !s->stop; q++) {
		struct k_tx it;
		int got = trace_transfer(s, json_array_get(tr, q), q, &it, &e);
		transfer_out(s, got, &it, &e);
	}
	/* ERC-20 transfers in its logs */
	const json_t *logs = rc ? json_object_get(rc, "logs") : NULL;
	for (size_t q = 0; s->r->tokens && q < json_array_size(logs) &&
	                   !s->stop; q++) {
		struct k_tx kt;
		int got = log_transfer(s, json_array_get(logs, q), q, &kt, &e);
		transfer_out(s, got, &kt, &e);
	}
}

/* The records of block i of the chunk; *k counts the transactions before
 * it, which index s->rcs. */
static enum k_status
emit_block(struct scan *s, size_t i, size_t *k, struct k_error *err)
{
	long long bn = s->b0 + (long long)i, ts;
	char where[160];
	snprintf(where, sizeof where, "block %lld", bn);
	if (get_hexnum(s->blocks[i], "timestamp", where, &ts, err) != K_OK)
		return K_EDATA;
	if (ts > K_TX_TIME_MAX_S)
		return field_err(err, where, "timestamp",
		                 json_object_get(s->blocks[i], "timestamp"),
		                 "seconds up to the year 9999");
	const json_t *txs = json_object_get(s->blocks[i], "transactions");
	if (!json_is_array(txs))
		return field_err(err, where, "transactions",
		                 json_object_get(s->blocks[i], "transactions"),
		                 "an array of transactions");
	s->r->blocks++;
	for (size_t j = 0; j < json_array_size(txs) && !s->stop; j++, (*k)++)
		emit_tx(s, i, j, ts, json_array_get(txs, j), s->rcs[*k]);
	return K_OK;
}

/* Blocks, receipts, traces when asked and the tokens' metadata of the
 * chunk. */
static enum k_status
fetch_chunk(struct scan *s, struct k_error *err)
{
	enum k_status st;
	if ((st = fetch_blocks(s, err)) != K_OK ||
	    (st = fetch_receipts(s, err)) != K_OK)
		return st;
	if (s->r->traces && (st = fetch_traces(s, err)) != K_OK)
		return st;
	if (s->r->tokens && (st = token_meta(s->r, s->rcs, s->nrcs, err)) != K_OK)
		return st;
	return K_OK;
}

/* The nb blocks from b0, fetched and passed on record by record. */
static enum k_status
scan_chunk(struct scan *s, long long b0, size_t nb, struct k_error *err)
{
	enum k_status st = scan_chunk_alloc(s, b0, nb, err);
	if (st == K_OK)
		st = fetch_chunk(s, err);
	size_t k = 0;
	for (size_t i = 0; i < nb && !s->stop && st == K_OK; i++)
		st = emit_block(s, i, &k, err);
	scan_chunk_release(s);
	return st;
}

enum k_status
k_ethrpc_scan(struct k_ethrpc *r, long long from, long long to,
              int (*emit)(void *ctx, const struct k_tx *t), void *ctx,
              struct k_error *err)
{
	enum k_status st = K_OK;
	struct scan s;

	memset(&s, 0, sizeof s);
	s.r = r;
	s.emit = emit;
	s.ctx = ctx;
	s.chunk = r->batch ? r->batch : 25;
	for (long long b0 = from; b0 <= to && st == K_OK && !s.stop;
	     b0 += (long long)s.chunk) {
		size_t nb = (size_t)(to - b0 + 1) < s.chunk ? (size_t)(to - b0 + 1)
		                                            : s.chunk;
		st = scan_chunk(&s, b0, nb, err);
	}
	return st;
}
