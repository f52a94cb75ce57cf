/*
 * k_tx.c - the tx record of k_tx.h: writer and strict reader.
 */
#include "records/k_tx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/k_reader.h"
#include "base/k_time.h"
#include "text/k_featrow.h"
#include "text/k_jsonw.h"

void
k_tx_init(struct k_tx *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->chain, sizeof t->chain, "ethereum");
	t->decimals = 18;
	t->gas_price_gwei = NAN;
	t->gas_used = -1;
	t->success = 1;
	t->transfer = K_TX_NATIVE;
	t->block = -1;
	t->log_index = -1;
}

double
k_tx_value(const struct k_tx *t)
{
	return k_wei_to_double(&t->value_wei, t->decimals);
}

static const char *const transfer_names[] = { "native", "internal",
                                              "token" };

static void
str_or_null(struct k_jsonw *w, const char *key, const char *s)
{
	k_jsonw_key(w, key);
	if (s[0] == '\0')
		k_jsonw_null(w);
	else
		k_jsonw_str(w, s);
}

void
k_tx_write(struct k_buf *b, const struct k_tx *t)
{
	struct k_jsonw w;
	char ts[32], wei[K_WEI_STRLEN];

	k_time_format(t->ts, ts, sizeof ts);
	k_wei_format(&t->value_wei, wei, sizeof wei);
	k_jsonw_init(&w, b);
	k_jsonw_obj(&w);
	k_jsonw_key(&w, "kind");
	k_jsonw_str(&w, "tx");
	k_jsonw_key(&w, "ts");
	k_jsonw_str(&w, ts);
	k_jsonw_key(&w, "chain");
	k_jsonw_str(&w, t->chain);
	str_or_null(&w, "hash", t->hash);
	k_jsonw_key(&w, "from");
	k_jsonw_str(&w, t->from);
	str_or_null(&w, "to", t->to);
	k_jsonw_key(&w, "value_wei");
	k_jsonw_str(&w, wei);
	k_jsonw_key(&w, "value");
	k_jsonw_num(&w, k_tx_value(t));
	str_or_null(&w, "token", t->token);
	k_jsonw_key(&w, "gas_price_gwei");
	k_jsonw_num(&w, t->gas_price_gwei);       /* NAN is written as null */
	k_jsonw_key(&w, "gas_used");
	if (t->gas_used < 0)
		k_jsonw_null(&w);
	else
		k_jsonw_int(&w, t->gas_used);
	k_jsonw_key(&w, "success");
	if (t->success < 0)
		k_jsonw_null(&w);
	else
		k_jsonw_bool(&w, t->success);
	str_or_null(&w, "method", t->method);
	k_jsonw_key(&w, "transfer");
	k_jsonw_str(&w, transfer_names[t->transfer]);
	if (t->block >= 0) {
		k_jsonw_key(&w, "block");
		k_jsonw_int(&w, t->block);
	}
	if (t->token_address[0]) {
		k_jsonw_key(&w, "token_address");
		k_jsonw_str(&w, t->token_address);
	}
	if (t->token[0] || t->decimals != 18) {
		k_jsonw_key(&w, "decimals");
		k_jsonw_int(&w, t->decimals);
	}
	if (t->log_index >= 0) {
		k_jsonw_key(&w, "log_index");
		k_jsonw_int(&w, t->log_index);
	}
	if (t->trace_id[0]) {
		k_jsonw_key(&w, "trace_id");
		k_jsonw_str(&w, t->trace_id);
	}
	if (t->contract_address[0]) {
		k_jsonw_key(&w, "contract_address");
		k_jsonw_str(&w, t->contract_address);
	}
	k_jsonw_obj_end(&w);
}

/* Selectors of well-known methods (keccak-256 of the signature, first
 * four bytes), for sources that see only the input data. */
static const struct { const char *sel, *name; } selectors[] = {
	{ "a9059cbb", "transfer" },              /* transfer(address,uint256) */
	{ "095ea7b3", "approve" },               /* approve(address,uint256) */
	{ "23b872dd", "transferFrom" },
	{ "a22cb465", "setApprovalForAll" },
	{ "7ff36ab5", "swapExactETHForTokens" },
	{ "18cbafe5", "swapExactTokensForETH" },
	{ "38ed1739", "swapExactTokensForTokens" },
	{ "414bf389", "exactInputSingle" },      /* Uniswap V3 SwapRouter */
	{ "3593564c", "execute" },               /* Universal Router */
	{ "ac9650d8", "multicall" },             /* multicall(bytes[]) */
	{ "5ae401dc", "multicall" },             /* multicall(uint256,bytes[]) */
	{ "12aa3caf", "swap" },                  /* 1inch v5 */
	{ "f305d719", "addLiquidityETH" },
	{ "e8e33700", "addLiquidity" },
	{ "baa2abde", "removeLiquidity" },
	{ "d0e30db0", "deposit" },               /* WETH deposit() */
	{ "2e1a7d4d", "withdraw" },              /* withdraw(uint256) */
	{ "617ba037", "supply" },                /* Aave v3 */
	{ "a415bcad", "borrow" },                /* Aave v3 */
	{ "573ade81", "repay" },                 /* Aave v3 */
	{ "a1903eab", "submit" },                /* Lido */
	{ "b214faa5", "deposit" },               /* Tornado Cash deposit(bytes32) */
	{ "fb0f3ee1", "fulfillBasicOrder" },     /* Seaport */
	{ "3d18b912", "getReward" },
	{ "4e71d92d", "claim" },
};

void
k_tx_method_from_input(const char *input, char *out)
{
	char sel[9];
	out[0] = '\0';
	if (input == NULL || strncmp(input, "0x", 2) != 0 || strlen(input) < 10)
		return;
	for (int i = 0; i < 8; i++) {
		char c = input[2 + i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return;
		sel[i] = c;
	}
	sel[8] = '\0';
	for (size_t i = 0; i < sizeof selectors / sizeof selectors[0]; i++)
		if (strcmp(selectors[i].sel, sel) == 0) {
			snprintf(out, K_TX_METHOD, "%s", selectors[i].name);
			return;
		}
	snprintf(out, K_TX_METHOD, "0x%s", sel);
}

int
k_tx_addr_norm(const char *in, size_t n, char *out)
{
	if (n != 42 || in[0] != '0' || (in[1] != 'x' && in[1] != 'X'))
		return -1;
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 2; i < 42; i++) {
		char c = in[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[42] = '\0';
	return 0;
}

int
k_tx_id_addr(const char *id, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	if (n < 1 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] == 0x7f)
			return -1;
	memset(out, '0', 42);
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];
		out[42 - 2 * (n - i)] = hex[c >> 4];
		out[43 - 2 * (n - i)] = hex[c & 15];
	}
	out[42] = '\0';
	return 0;
}

static int
hexdigit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : -1;
}

int
k_tx_addr_id(const char *addr, char *out, size_t cap)
{
	size_t k = 0;
	int started = 0;

	if (strlen(addr) != 42 || addr[0] != '0' || addr[1] != 'x' || cap < 21)
		return -1;
	for (size_t i = 2; i < 42; i += 2) {
		int hi = hexdigit(addr[i]), lo = hexdigit(addr[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		unsigned char c = (unsigned char)(hi << 4 | lo);
		if (c == 0 && !started)
			continue;
		if (c < 0x21 || c == 0x7f)
			return -1;
		started = 1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return k > 0 ? 0 : -1;
}

/* ---- reading ---- */

static enum k_status
wrong(struct k_error *err, const char *field, const char *want,
      const struct k_jmember *m)
{
	char got[96];
	if (m == NULL)
		return k_error_field(err, K_EDATA, field, "field '%s': missing",
		                     field);
	k_jmember_describe(m, got, sizeof got);
	return k_error_field(err, K_EDATA, field, "field '%s': expected %s, "
	                     "got %s", field, want, got);
}

static const struct k_jmember *
get(const struct k_jscan *s, const char *name)
{
	return k_jscan_find(s->top, s->ntop, name, strlen(name));
}

/* A string field into buf; "" for null when nullable. */
static enum k_status
get_str(const struct k_jscan *s, const char *field, char *buf, size_t cap,
        int nullable, int required, struct k_error *err)
{
	const struct k_jmember *m = get(s, field);
	buf[0] = '\0';
	if (m == NULL)
		return required ? wrong(err, field, "string", m) : K_OK;
	if (m->type == K_JNULL && nullable)
		return K_OK;
	if (m->type != K_JSTR)
		return wrong(err, field, nullable ? "string or null" : "string",
		             m);
	if (k_jstr(m, buf, cap) == (size_t)-1) {
		buf[0] = '\0';
		return k_error_field(err, K_EDATA, field, "field '%s': longer "
		                     "than %zu bytes", field, cap - 1);
	}
	return K_OK;
}

static enum k_status
get_addr(const struct k_jscan *s, const char *field, char *out, int nullable,
         int required, struct k_error *err)
{
	char buf[128];
	enum k_status st = get_str(s, field, buf, sizeof buf, nullable,
	                           required, err);
	if (st != K_OK) {
		if (strstr(err->text, "longer than") != NULL)
			return k_error_field(err, K_EDATA, field, "field '%s': "
			                     "malformed address (too long)", field);
		return st;
	}
	if (buf[0] == '\0' && nullable) {
		out[0] = '\0';
		/* an empty string where null was meant (Etherscan's "to") */
		return K_OK;
	}
	if (buf[0] == '\0' && !required) {
		out[0] = '\0';
		return K_OK;
	}
	if (k_tx_addr_norm(buf, strlen(buf), out) < 0) {
		out[0] = '\0';
		return k_error_field(err, K_EDATA, field, "field '%s': malformed "
		                     "address \"%.60s\": expected 0x and 40 hex "
		                     "digits", field, buf);
	}
	return K_OK;
}

static enum k_status
get_int(const struct k_jscan *s, const char *field, long long lo,
        long long hi, long long *out, struct k_error *err)
{
	const struct k_jmember *m = get(s, field);
	if (m == NULL || m->type == K_JNULL)
		return K_OK;
	if (m->type != K_JNUM)
		return wrong(err, field, "integer or null", m);
	double d = k_jnum(m);
	if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
		return k_error_field(err, K_EDATA, field, "field '%s': expected "
		                     "an integer from %lld to %lld, got %.17g",
		                     field, lo, hi, d);
	*out = (long long)d;
	return K_OK;
}

static enum k_status
read_ts(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	const struct k_jmember *m = get(s, "ts");
	char buf[256];

	if (m == NULL || m->type != K_JSTR)
		return wrong(err, "ts", "RFC 3339 time", m);
	if (k_jstr(m, buf, sizeof buf) == (size_t)-1 ||
	    k_time_parse(buf, strlen(buf), &t->ts) < 0)
		return k_error_field(err, K_EDATA, "ts", "field 'ts': not an "
		                     "RFC 3339 time: \"%.40s\"", buf);
	return K_OK;
}

/* "chain", kept at its default when absent. */
static enum k_status
read_chain(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	char ch[sizeof t->chain];
	enum k_status st;

	if ((st = get_str(s, "chain", ch, sizeof ch, 0, 0, err)) != K_OK)
		return st;
	if (ch[0])
		memcpy(t->chain, ch, sizeof ch);
	return K_OK;
}

/* "hash": 0x and 64 hex digits, kept in lower case. */
static enum k_status
read_hash(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	char buf[256];
	enum k_status st;

	if ((st = get_str(s, "hash", buf, sizeof buf, 1, 0, err)) != K_OK)
		return st;
	if (buf[0] == '\0')
		return K_OK;
	size_t n = strlen(buf);
	int ok = n == 66 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	for (size_t i = 2; ok && i < n; i++) {
		char c = buf[i];
		if (c >= 'A' && c <= 'F')
			buf[i] = c = (char)(c - 'A' + 'a');
		ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	}
	if (!ok)
		return k_error_field(err, K_EDATA, "hash", "field 'hash': "
		                     "malformed hash \"%.70s\": expected 0x "
		                     "and 64 hex digits", buf);
	buf[1] = 'x';
	memcpy(t->hash, buf, n + 1);
	return K_OK;
}

/* "value_wei", exact: a JSON number is refused, it may have lost digits;
 * and the optional "value". */
static enum k_status
read_value(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	const struct k_jmember *m = get(s, "value_wei");
	struct k_error e2;
	char buf[256];

	if (m == NULL || m->type != K_JSTR)
		return wrong(err, "value_wei", "decimal string", m);
	if (k_jstr(m, buf, sizeof buf) == (size_t)-1)
		return k_error_field(err, K_EDATA, "value_wei", "field "
		                     "'value_wei': longer than 255 bytes");
	if (k_wei_parse(buf, strlen(buf), K_WEI_DEC, &t->value_wei,
	                &e2) != K_OK)
		return k_error_field(err, K_EDATA, "value_wei",
		                     "field 'value_wei': %s", e2.text);
	m = get(s, "value");
	if (m != NULL && m->type != K_JNULL) {
		if (m->type != K_JNUM)
			return wrong(err, "value", "number or null", m);
		t->has_value = 1;
		t->value = k_jnum(m);
	}
	return K_OK;
}

/* "token", "token_address" and "decimals". */
static enum k_status
read_token(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	enum k_status st;
	long long v = 18;

	if ((st = get_str(s, "token", t->token, sizeof t->token, 1, 0,
	                  err)) != K_OK ||
	    (st = get_addr(s, "token_address", t->token_address, 1, 0,
	                   err)) != K_OK ||
	    (st = get_int(s, "decimals", 0, K_WEI_MAX_DECIMALS, &v,
	                  err)) != K_OK)
		return st;
	t->decimals = (unsigned)v;
	return K_OK;
}

/* "gas_price_gwei" (>= 0 or null) and "gas_used". */
static enum k_status
read_gas(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	const struct k_jmember *m = get(s, "gas_price_gwei");

	if (m != NULL && m->type != K_JNULL) {
		if (m->type != K_JNUM)
			return wrong(err, "gas_price_gwei", "number or null", m);
		t->gas_price_gwei = k_jnum(m);
		if (!(t->gas_price_gwei >= 0))
			return k_error_field(err, K_EDATA, "gas_price_gwei", "field "
			                     "'gas_price_gwei': negative");
	}
	return get_int(s, "gas_used", 0, K_TX_COUNT_MAX, &t->gas_used, err);
}

/* "success": true, false or null (unknown). */
static enum k_status
read_success(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	const struct k_jmember *m = get(s, "success");

	if (m == NULL)
		return K_OK;
	if (m->type == K_JTRUE)
		t->success = 1;
	else if (m->type == K_JFALSE)
		t->success = 0;
	else if (m->type == K_JNULL)
		t->success = -1;
	else
		return wrong(err, "success", "boolean or null", m);
	return K_OK;
}

/* "transfer", by default token when a token is named, else native; a
 * token transfer must name its token. */
static enum k_status
read_transfer(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	char buf[256];
	enum k_status st;

	if ((st = get_str(s, "transfer", buf, sizeof buf, 1, 0, err)) != K_OK)
		return st;
	if (buf[0] == '\0') {
		t->transfer = t->token[0] ? K_TX_TOKEN : K_TX_NATIVE;
	} else {
		int k = -1;
		for (int i = 0; i < 3; i++)
			if (strcmp(buf, transfer_names[i]) == 0)
				k = i;
		if (k < 0)
			return k_error_field(err, K_EDATA, "transfer", "field "
			                     "'transfer': expected \"native\", "
			                     "\"internal\" or \"token\", got \"%.40s\"",
			                     buf);
		t->transfer = (enum k_tx_transfer)k;
	}
	if (t->transfer == K_TX_TOKEN && t->token[0] == '\0' &&
	    t->token_address[0] == '\0')
		return k_error_field(err, K_EDATA, "token", "field 'token': a "
		                     "token transfer needs token or "
		                     "token_address");
	return K_OK;
}

/* "trace_id": a string, or a number written without decimals. */
static enum k_status
read_trace_id(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	const struct k_jmember *m = get(s, "trace_id");

	if (m != NULL && m->type == K_JNUM) {
		snprintf(t->trace_id, sizeof t->trace_id, "%.0f", k_jnum(m));
		return K_OK;
	}
	return get_str(s, "trace_id", t->trace_id, sizeof t->trace_id, 1, 0,
	               err);
}

enum k_status
k_tx_read(const struct k_jscan *s, struct k_tx *t, struct k_error *err)
{
	enum k_status st;

	k_tx_init(t);
	if ((st = read_ts(s, t, err)) != K_OK ||
	    (st = read_chain(s, t, err)) != K_OK ||
	    (st = read_hash(s, t, err)) != K_OK ||
	    (st = get_addr(s, "from", t->from, 0, 1, err)) != K_OK)
		return st;
	if (get(s, "to") == NULL)
		return wrong(err, "to", "address or null", NULL);
	if ((st = get_addr(s, "to", t->to, 1, 1, err)) != K_OK ||
	    (st = read_value(s, t, err)) != K_OK ||
	    (st = read_token(s, t, err)) != K_OK ||
	    (st = read_gas(s, t, err)) != K_OK ||
	    (st = read_success(s, t, err)) != K_OK ||
	    (st = get_str(s, "method", t->method, sizeof t->method, 1, 0,
	                  err)) != K_OK ||
	    (st = read_transfer(s, t, err)) != K_OK ||
	    (st = get_int(s, "block", 0, K_TX_COUNT_MAX, &t->block,
	                  err)) != K_OK ||
	    (st = get_int(s, "log_index", 0, K_TX_COUNT_MAX, &t->log_index,
	                  err)) != K_OK ||
	    (st = read_trace_id(s, t, err)) != K_OK ||
	    (st = get_addr(s, "contract_address", t->contract_address, 1, 0,
	                   err)) != K_OK)
		return st;
	return K_OK;
}

int
k_tx_addr_list(char *arg, const char **list, int *n, int max,
               const char **bad)
{
	char *save = NULL;

	for (char *t = strtok_r(arg, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		char norm[K_TX_ADDR];
		if (k_tx_addr_norm(t, strlen(t), norm) < 0) {
			*bad = t;
			return -1;
		}
		if (*n == max)
			return -2;
		list[(*n)++] = t;
	}
	return 0;
}

enum k_status
k_tx_addr_file(const char *path,
               enum k_status (*fn)(void *arg, const char *addr,
                                   struct k_error *err),
               void *arg, struct k_error *err)
{
	struct k_reader r;
	enum k_status st;
	char *line;
	size_t len;
	int got;

	if ((st = k_reader_open(&r, path, err)) != K_OK)
		return st;
	while ((got = k_reader_next(&r, &line, &len, err)) > 0) {
		char norm[K_TX_ADDR];
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (k_tx_addr_norm(line, len, norm) < 0) {
			st = k_error_line(err, K_EDATA, r.lineno, "%s:%ld: '%.60s' is "
			                  "not an address (0x and 40 hex digits)",
			                  r.name, r.lineno, line);
			break;
		}
		if ((st = fn(arg, norm, err)) != K_OK)
			break;
	}
	if (got < 0)
		st = err ? err->code : K_EIO;
	k_reader_close(&r);
	return st;
}
