/*
 * k_etherscan.c - the account API client of k_etherscan.h. Paging: pages
 * of `offset` rows sorted by block, ascending; when the next page would
 * pass the 10000-row window, the query starts again at the last block
 * seen (page 1), and the records of that block already written are
 * skipped, so nothing is lost or repeated.
 */
#include "net/k_etherscan.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/k_buf.h"
#include "text/k_json.h"

const char *const k_etherscan_action_names[K_ES_NACTIONS] = {
	"txlist", "txlistinternal", "tokentx",
};
const char *const k_etherscan_kind_names[K_ES_NACTIONS] = {
	"normal", "internal", "token",
};

/* ---- one element ---- */

static enum k_status
wrong(struct k_error *err, const char *field, const char *want,
      const json_t *v)
{
	char got[96];
	if (v == NULL)
		return k_error_field(err, K_EDATA, field, "field '%s': missing",
		                     field);
	k_json_describe(v, got, sizeof got);
	return k_error_field(err, K_EDATA, field, "field '%s': expected %s, "
	                     "got %s", field, want, got);
}

static enum k_status
get_string(const json_t *el, const char *field, int required,
           const char **out, struct k_error *err)
{
	const json_t *v = json_object_get(el, field);
	*out = "";
	if (v == NULL || json_is_null(v))
		return required ? wrong(err, field, "string", v) : K_OK;
	if (!json_is_string(v))
		return wrong(err, field, "string", v);
	*out = json_string_value(v);
	return K_OK;
}

/* A string of decimal digits ("" allowed when not required: -1). */
static enum k_status
get_count(const json_t *el, const char *field, int required, long long *out,
          struct k_error *err)
{
	const char *s;
	enum k_status st = get_string(el, field, required, &s, err);
	*out = -1;
	if (st != K_OK)
		return st;
	if (s[0] == '\0')
		return required ? k_error_field(err, K_EDATA, field, "field '%s': "
		                                "empty", field) : K_OK;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno ||
	    v > (uint64_t)K_TX_COUNT_MAX)
		return k_error_field(err, K_EDATA, field, "field '%s': not a "
		                     "whole number: \"%.40s\"", field, s);
	*out = (long long)v;
	return K_OK;
}

static enum k_status
get_addr(const json_t *el, const char *field, int empty_ok, char *out,
         struct k_error *err)
{
	const char *s;
	enum k_status st = get_string(el, field, !empty_ok, &s, err);
	out[0] = '\0';
	if (st != K_OK)
		return st;
	if (s[0] == '\0' && empty_ok)
		return K_OK;
	if (k_tx_addr_norm(s, strlen(s), out) < 0)
		return k_error_field(err, K_EDATA, field, "field '%s': malformed "
		                     "address \"%.60s\"", field, s);
	return K_OK;
}

static enum k_status
get_wei(const json_t *el, const char *field, struct k_wei *w,
        struct k_error *err)
{
	const char *s;
	struct k_error e;
	enum k_status st = get_string(el, field, 1, &s, err);
	if (st != K_OK)
		return st;
	if (k_wei_parse(s, strlen(s), K_WEI_DEC, w, &e) != K_OK)
		return k_error_field(err, K_EDATA, field, "field '%s': %s", field,
		                     e.text);
	return K_OK;
}

/* The transaction hash: 0x and 64 hex digits, kept in lower case. */
static enum k_status
get_hash(const json_t *el, char *out, struct k_error *err)
{
	const char *s;
	enum k_status st = get_string(el, "hash", 1, &s, err);
	if (st != K_OK)
		return st;
	size_t n = strlen(s);
	int ok = n == 66 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	for (size_t i = 2; ok && i < n; i++)
		ok = isxdigit((unsigned char)s[i]);
	if (!ok)
		return k_error_field(err, K_EDATA, "hash", "field 'hash': "
		                     "malformed hash \"%.70s\"", s);
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	return K_OK;
}

/* The fields every action's elements have: time, block, hash, the
 * parties, the value and the gas (no gas price on internal ones). */
static enum k_status
parse_common(enum k_es_action a, const json_t *el, struct k_tx *t,
             struct k_error *err)
{
	enum k_status st;
	long long v;

	if ((st = get_count(el, "timeStamp", 1, &v, err)) != K_OK)
		return st;
	if (v > K_TX_TIME_MAX_S)
		return k_error_field(err, K_EDATA, "timeStamp", "field "
		                     "'timeStamp': %lld is after the year 9999",
		                     v);
	t->ts = v * 1000;
	if ((st = get_count(el, "blockNumber", 1, &t->block, err)) != K_OK ||
	    (st = get_hash(el, t->hash, err)) != K_OK)
		return st;
	if ((st = get_addr(el, "from", 0, t->from, err)) != K_OK ||
	    (st = get_addr(el, "to", 1, t->to, err)) != K_OK ||
	    (st = get_addr(el, "contractAddress", 1, t->contract_address,
	                   err)) != K_OK ||
	    (st = get_wei(el, "value", &t->value_wei, err)) != K_OK)
		return st;
	if ((st = get_count(el, "gasUsed", 0, &t->gas_used, err)) != K_OK)
		return st;
	if (a != K_ES_INTERNAL) {
		const json_t *gp = json_object_get(el, "gasPrice");
		if (gp != NULL && !(json_is_string(gp) &&
		                    json_string_value(gp)[0] == '\0')) {
			struct k_wei g;
			if ((st = get_wei(el, "gasPrice", &g, err)) != K_OK)
				return st;
			t->gas_price_gwei = k_wei_to_double(&g, 9);
		}
	}
	return K_OK;
}

/* txlist: success and the method called. */
static enum k_status
parse_normal(const json_t *el, struct k_tx *t, struct k_error *err)
{
	enum k_status st;
	const char *iserr, *rs, *fn, *mid, *input;

	if ((st = get_string(el, "isError", 0, &iserr, err)) != K_OK ||
	    (st = get_string(el, "txreceipt_status", 0, &rs, err)) != K_OK ||
	    (st = get_string(el, "functionName", 0, &fn, err)) != K_OK ||
	    (st = get_string(el, "methodId", 0, &mid, err)) != K_OK ||
	    (st = get_string(el, "input", 0, &input, err)) != K_OK)
		return st;
	if (strcmp(iserr, "1") == 0 || strcmp(rs, "0") == 0)
		t->success = 0;
	else if (iserr[0] == '\0' && rs[0] == '\0')
		t->success = -1;
	if (fn[0] != '\0') {
		size_t n = strcspn(fn, "(");
		if (n >= sizeof t->method)
			n = sizeof t->method - 1;
		memcpy(t->method, fn, n);
		t->method[n] = '\0';
	} else if (mid[0] != '\0' && strcmp(mid, "0x") != 0) {
		k_tx_method_from_input(mid, t->method);
	} else {
		k_tx_method_from_input(input, t->method);
	}
	if (t->to[0] == '\0')
		t->method[0] = '\0';   /* a creation: code, not a call */
	t->transfer = K_TX_NATIVE;
	return K_OK;
}

/* txlistinternal: success and the trace id. */
static enum k_status
parse_internal(const json_t *el, struct k_tx *t, struct k_error *err)
{
	enum k_status st;
	const char *iserr, *tid;

	if ((st = get_string(el, "isError", 0, &iserr, err)) != K_OK ||
	    (st = get_string(el, "traceId", 0, &tid, err)) != K_OK)
		return st;
	t->success = strcmp(iserr, "1") == 0 ? 0 : 1;
	snprintf(t->trace_id, sizeof t->trace_id, "%s", tid);
	t->transfer = K_TX_INTERNAL;
	return K_OK;
}

/* tokentx: the token, its decimals and the log index; the contract
 * address is the token's. */
static enum k_status
parse_token(const json_t *el, struct k_tx *t, struct k_error *err)
{
	enum k_status st;
	const char *sym;
	long long dec, li;

	if ((st = get_string(el, "tokenSymbol", 0, &sym, err)) != K_OK ||
	    (st = get_count(el, "tokenDecimal", 0, &dec, err)) != K_OK ||
	    (st = get_count(el, "logIndex", 0, &li, err)) != K_OK)
		return st;
	if (dec > K_WEI_MAX_DECIMALS)
		return k_error_field(err, K_EDATA, "tokenDecimal", "field "
		                     "'tokenDecimal': %lld is above %d", dec,
		                     K_WEI_MAX_DECIMALS);
	if (t->contract_address[0] == '\0')
		return wrong(err, "contractAddress", "token address",
		             json_object_get(el, "contractAddress"));
	memcpy(t->token_address, t->contract_address, K_TX_ADDR);
	t->contract_address[0] = '\0';
	snprintf(t->token, sizeof t->token, "%s", sym);
	t->decimals = dec < 0 ? 0 : (unsigned)dec;
	t->log_index = li;
	t->transfer = K_TX_TOKEN;
	return K_OK;
}

enum k_status
k_etherscan_parse(enum k_es_action a, const json_t *el, struct k_tx *t,
                  struct k_error *err)
{
	enum k_status st;

	k_tx_init(t);
	if (!json_is_object(el))
		return wrong(err, "result[]", "object", el);
	if ((st = parse_common(a, el, t, err)) != K_OK)
		return st;
	switch (a) {
	case K_ES_NORMAL:
		return parse_normal(el, t, err);
	case K_ES_INTERNAL:
		return parse_internal(el, t, err);
	case K_ES_TOKEN:
		return parse_token(el, t, err);
	default:
		return K_OK;
	}
}

/* ---- requests ---- */

static int
contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);
	for (; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return 1;
	return 0;
}

/* What the API's answer o to the request label means: K_OK with
 * *result (owned by o; NULL when there are no records), an error, or
 * K_OK with *busy set to the API's words when it asks to wait. */
static enum k_status
read_answer(struct k_etherscan *es, const char *label, const json_t *o,
            const json_t **result, const char **busy, struct k_error *err)
{
	const json_t *status = json_object_get(o, "status");
	const json_t *msg = json_object_get(o, "message");
	const json_t *res = json_object_get(o, "result");
	if (!json_is_object(o) || res == NULL)
		return k_error_set(err, K_EDATA, "%s: the answer has no 'result' "
		                   "(not an Etherscan-compatible API?)", label);
	const char *ss = json_is_string(status) ? json_string_value(status) : "";
	const char *ms = json_is_string(msg) ? json_string_value(msg) : "";
	if (json_is_array(res)) {
		if (strcmp(ss, "0") == 0 && json_array_size(res) > 0)
			return k_error_set(err, K_EDATA, "%s: status 0 (%s) with "
			                   "results", label, ms);
		/* "OK-Missing/Invalid API Key, rate limit of 1/5sec applied":
		 * say it once */
		if (contains_ci(ms, "rate limit") && !es->told && es->note) {
			char m[300];
			snprintf(m, sizeof m, "%s: the API says \"%.200s\"", label, ms);
			es->note(es->note_ctx, m);
			es->told = 1;
		}
		*result = res;
		return K_OK;
	}
	const char *rs = json_is_string(res) ? json_string_value(res) : "";
	if (contains_ci(rs, "rate limit") || contains_ci(ms, "rate limit")) {
		*busy = rs;
		return K_OK;
	}
	if (contains_ci(rs, "api key") || contains_ci(ms, "api key"))
		return k_error_set(err, K_ECONFIG, "%s: the API refused the key: "
		                   "%.200s (set %s)", label, rs,
		                   K_ETHERSCAN_KEY_ENV);
	if (contains_ci(ms, "no transactions found") ||
	    contains_ci(ms, "no records found")) {
		*result = NULL;
		return K_OK;
	}
	if (json_is_string(res) && strcmp(ss, "1") == 0) {
		*result = res;
		return K_OK;
	}
	return k_error_set(err, contains_ci(rs, "invalid") ? K_EDATA : K_EUNAVAIL,
	                   "%s: the API answered %s: %.200s", label,
	                   ms[0] ? ms : "an error", rs);
}

/* Wait *wait s (then doubled) before asking again after attempt + 1
 * rate-limited answers (why: the API's words), or fail once busy_retries
 * are spent. */
static enum k_status
busy_wait(struct k_etherscan *es, const char *label, const char *why,
          int attempt, double *wait, struct k_error *err)
{
	if (attempt >= es->busy_retries)
		return k_error_set(err, K_ETEMPFAIL, "%s: still rate limited after "
		                   "%d attempts: %.200s", label, attempt + 1, why);
	char m[300];
	snprintf(m, sizeof m, "%s: %.120s; waiting %.1f s", label, why, *wait);
	if (es->note)
		es->note(es->note_ctx, m);
	if (k_http_sleep(es->http, *wait))
		return k_error_set(err, K_EUNAVAIL, "%s: interrupted", label);
	*wait *= 2;
	return K_OK;
}

/* GET base?query, with the API's own "busy" answers retried. On K_OK,
 * *result is the "result" member (owned by resp). */
static enum k_status
call(struct k_etherscan *es, const char *query, const char *label,
     struct k_http_resp *resp, const json_t **result, struct k_error *err)
{
	struct k_buf path;
	enum k_status st;
	double wait = es->busy_wait;

	k_buf_init(&path);
	k_buf_printf(&path, "?%s", query);
	if (es->chainid > 0)
		k_buf_printf(&path, "&chainid=%ld", es->chainid);
	if (es->apikey != NULL) {
		k_buf_adds(&path, "&apikey=");
		k_http_query_escape(&path, es->apikey);
	}
	if (path.oom) {
		k_buf_release(&path);
		return k_error_set(err, K_ENOMEM, "out of memory");
	}
	/* the key: never recorded, matched on replay, or said back */
	struct k_http_req q = { "GET", es->base, k_buf_cstr(&path), NULL,
	                        label, 1, "apikey", 0 };
	for (int attempt = 0;; attempt++) {
		const char *busy = NULL;
		k_http_resp_release(resp);
		k_http_resp_init(resp);
		st = k_http_json(es->http, &q, resp, err);
		if (st == K_OK)
			st = read_answer(es, label, resp->json, result, &busy, err);
		if (st != K_OK || busy == NULL)
			break;
		if ((st = busy_wait(es, label, busy, attempt, &wait, err)) != K_OK)
			break;
	}
	k_buf_release(&path);
	return st;
}

/* The identity of a record, to skip those seen before a restart. */
static uint64_t
rec_key(const struct k_tx *t)
{
	char buf[400];
	char wei[K_WEI_STRLEN];
	k_wei_format(&t->value_wei, wei, sizeof wei);
	int n = snprintf(buf, sizeof buf, "%s|%lld|%s|%s|%s|%s|%s", t->hash,
	                 t->log_index, t->trace_id, t->from, t->to, wei,
	                 t->token_address);
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (int i = 0; i < n && i < (int)sizeof buf; i++) {
		h ^= (unsigned char)buf[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* One action of one address on its way through k_etherscan_fetch. */
struct walk {
	enum k_es_action a;
	int (*emit)(void *ctx, const struct k_tx *t);
	void *ctx;
	long long sb;          /* the query's start block */
	int restarted;         /* the query started again at sb */
	long long lastblock;   /* the newest block of a record passed on */
	uint64_t *seen;        /* keys of the records in lastblock */
	size_t nseen, cseen;
	int stopped;           /* emit asked to stop */
};

/* Remember the key of a record of block blk passed on: only the newest
 * block's are kept. */
static enum k_status
walk_remember(struct walk *w, long long blk, uint64_t key,
              struct k_error *err)
{
	if (blk != w->lastblock) {
		w->lastblock = blk;
		w->nseen = 0;
	}
	if (w->nseen == w->cseen) {
		size_t nc = w->cseen ? w->cseen * 2 : 64;
		uint64_t *ns = realloc(w->seen, nc * sizeof *ns);
		if (ns == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		w->seen = ns;
		w->cseen = nc;
	}
	w->seen[w->nseen++] = key;
	return K_OK;
}

/* Pass on the n records of the page res (request label): a bad one is
 * rejected, one of the restart block already passed on is skipped.
 * *blk_end gets the block of the last good one (-1: none). */
static enum k_status
walk_page(struct k_etherscan *es, struct walk *w, const json_t *res,
          size_t n, const char *label, long long *blk_end,
          struct k_error *err)
{
	*blk_end = -1;
	for (size_t i = 0; i < n && !w->stopped; i++) {
		struct k_tx t;
		struct k_error e;
		if (k_etherscan_parse(w->a, json_array_get(res, i), &t, &e) != K_OK) {
			struct k_error r;
			k_error_field(&r, K_EDATA, e.field, "%s: result[%zu]: %s",
			              label, i, e.text);
			if (es->reject)
				es->reject(es->reject_ctx, &r);
			continue;
		}
		*blk_end = t.block;
		uint64_t key = rec_key(&t);
		if (w->restarted && t.block == w->sb) {
			int dup = 0;
			for (size_t k = 0; k < w->nseen && !dup; k++)
				dup = w->seen[k] == key;
			if (dup)
				continue;
		}
		/* remember the records of the newest block */
		enum k_status st = walk_remember(w, t.block, key, err);
		if (st != K_OK)
			return st;
		if (w->emit(w->ctx, &t))
			w->stopped = 1;
	}
	return K_OK;
}

enum k_status
k_etherscan_fetch(struct k_etherscan *es, enum k_es_action a,
                  const char *address, long long startblock,
                  long long endblock,
                  int (*emit)(void *ctx, const struct k_tx *t), void *ctx,
                  struct k_error *err)
{
	struct k_http_resp resp;
	enum k_status st = K_OK;
	unsigned page = 1;
	unsigned offset = es->offset ? es->offset : 1000;
	struct walk w = { a, emit, ctx, startblock, 0, -1, NULL, 0, 0, 0 };

	if (offset > K_ETHERSCAN_WINDOW)
		offset = K_ETHERSCAN_WINDOW;
	k_http_resp_init(&resp);
	for (;;) {
		char query[512], label[160];
		const json_t *res = NULL;
		long long blk_end;
		snprintf(query, sizeof query, "module=account&action=%s&address=%s"
		         "&startblock=%lld&endblock=%lld&page=%u&offset=%u"
		         "&sort=asc", k_etherscan_action_names[a], address, w.sb,
		         endblock, page, offset);
		snprintf(label, sizeof label, "%s %s blocks %lld-%lld page %u",
		         k_etherscan_action_names[a], address, w.sb, endblock, page);
		st = call(es, query, label, &resp, &res, err);
		if (st != K_OK)
			break;
		es->pages++;
		size_t n = json_is_array(res) ? json_array_size(res) : 0;
		if (res != NULL && !json_is_array(res)) {
			st = k_error_set(err, K_EDATA, "%s: 'result' is not an "
			                 "array", label);
			break;
		}
		st = walk_page(es, &w, res, n, label, &blk_end, err);
		if (st != K_OK || w.stopped || n < offset)
			break;
		if ((unsigned long long)(page + 1) * offset > K_ETHERSCAN_WINDOW) {
			/* start again at the newest block seen */
			if (blk_end < 0)
				blk_end = w.lastblock;
			if (blk_end <= w.sb && w.restarted) {
				st = k_error_set(err, K_EDATA, "%s: more than %d records "
				                 "in block %lld: the API cannot page past "
				                 "them", label, K_ETHERSCAN_WINDOW, w.sb);
				break;
			}
			w.sb = blk_end;
			page = 1;
			w.restarted = 1;
		} else {
			page++;
		}
	}
	free(w.seen);
	k_http_resp_release(&resp);
	return st;
}

enum k_status
k_etherscan_block_at(struct k_etherscan *es, int64_t ms, int before,
                     long long *block, struct k_error *err)
{
	struct k_http_resp resp;
	const json_t *res = NULL;
	char query[200], label[80];
	enum k_status st;

	snprintf(query, sizeof query, "module=block&action=getblocknobytime"
	         "&timestamp=%lld&closest=%s", (long long)(ms / 1000),
	         before ? "before" : "after");
	snprintf(label, sizeof label, "getblocknobytime %lld",
	         (long long)(ms / 1000));
	k_http_resp_init(&resp);
	st = call(es, query, label, &resp, &res, err);
	if (st == K_OK) {
		const char *s = json_is_string(res) ? json_string_value(res) : NULL;
		char *end;
		errno = 0;
		unsigned long long v = s ? strtoull(s, &end, 10) : 0;
		if (s == NULL || !isdigit((unsigned char)s[0]) || *end != '\0' ||
		    errno)
			st = k_error_set(err, K_EDATA, "%s: 'result' is not a block "
			                 "number", label);
		else
			*block = (long long)v;
	}
	k_http_resp_release(&resp);
	return st;
}
