/*
 * kfetch csv - tx records from transaction exports: the column layout of
 * BigQuery's public crypto_ethereum.transactions table by default, any
 * other through --map. Amounts keep every digit (k_wei); a bad row is
 * reported with its line and column and the rest go on.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_reject.h"
#include "kfetch.h"
#include "records/k_tx.h"
#include "text/k_csv.h"

/* Our fields, and the BigQuery columns they come from by default (a
 * second name is a fallback when the first column is absent). */
enum field {
	F_TS, F_HASH, F_FROM, F_TO, F_VALUE_WEI, F_VALUE, F_GAS_PRICE_WEI,
	F_GAS_PRICE_GWEI, F_GAS_USED, F_SUCCESS, F_BLOCK, F_INPUT, F_METHOD,
	F_CONTRACT, F_TOKEN, F_TOKEN_ADDRESS, F_DECIMALS, F_LOG_INDEX,
	F_TRANSFER, NFIELDS
};

static const struct {
	const char *name;
	const char *bq[2];
} fields[NFIELDS] = {
	[F_TS] = { "ts", { "block_timestamp" } },
	[F_HASH] = { "hash", { "hash" } },
	[F_FROM] = { "from", { "from_address" } },
	[F_TO] = { "to", { "to_address" } },
	[F_VALUE_WEI] = { "value_wei", { "value" } },
	[F_VALUE] = { "value", { NULL } },
	[F_GAS_PRICE_WEI] = { "gas_price_wei",
	                      { "receipt_effective_gas_price", "gas_price" } },
	[F_GAS_PRICE_GWEI] = { "gas_price_gwei", { NULL } },
	[F_GAS_USED] = { "gas_used", { "receipt_gas_used" } },
	[F_SUCCESS] = { "success", { "receipt_status" } },
	[F_BLOCK] = { "block", { "block_number" } },
	[F_INPUT] = { "input", { "input" } },
	[F_METHOD] = { "method", { NULL } },
	[F_CONTRACT] = { "contract_address", { "receipt_contract_address" } },
	[F_TOKEN] = { "token", { NULL } },
	[F_TOKEN_ADDRESS] = { "token_address", { NULL } },
	[F_DECIMALS] = { "decimals", { NULL } },
	[F_LOG_INDEX] = { "log_index", { NULL } },
	[F_TRANSFER] = { "transfer", { NULL } },
};

struct opts {
	const char *map[NFIELDS];   /* --map: the column of each field */
	int mapped;                 /* --map was given */
	char delim;
	unsigned decimals;
	const char *chain;
	int ids;                    /* --ids: from and to are opaque ids */
};

enum { OPT_MAP = 0x100, OPT_DELIM, OPT_DECIMALS, OPT_CHAIN, OPT_IDS };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Layout:", 1 },
	{ "map", OPT_MAP, "FIELD=COLUMN,...", 0,
	  "Take FIELD from COLUMN (repeatable). Fields: ts, hash, from, to, "
	  "value_wei, value (an amount in units: see --decimals), "
	  "gas_price_wei, gas_price_gwei, gas_used, success, block, input, "
	  "method, contract_address, token, token_address, decimals, "
	  "log_index, transfer. Fields not mapped keep their BigQuery column "
	  "when the file has it", 1 },
	{ "delimiter", OPT_DELIM, "C", 0, "Column separator (default ',')", 1 },
	{ "decimals", OPT_DECIMALS, "N", 0,
	  "Decimal places of a 'value' in units, unless a decimals column is "
	  "mapped (default 18: ETH)", 1 },
	{ "chain", OPT_CHAIN, "NAME", 0, "The records' chain (default ethereum)",
	  1 },
	{ "ids", OPT_IDS, NULL, 0,
	  "from and to are opaque ids (1 to 20 printable bytes, as research "
	  "graphs number their nodes), written as the addresses that encode "
	  "them; 'kfeatures wallet --ids' turns them back", 1 },
	{ 0 }
};

static int
field_index(const char *name)
{
	for (int i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0)
			return i;
	return -1;
}

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case OPT_MAP: {
		char *save = NULL;
		for (char *t = strtok_r(arg, ",", &save); t != NULL;
		     t = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(t, '=');
			if (eq == NULL || eq == t || eq[1] == '\0')
				argp_error(state, "--map: '%s' is not FIELD=COLUMN", t);
			*eq = '\0';
			int f = field_index(t);
			if (f < 0)
				argp_error(state, "--map: unknown field '%s' (see "
				           "--help)", t);
			o->map[f] = eq + 1;
		}
		o->mapped = 1;
		break;
	}
	case OPT_DELIM:
		if (strlen(arg) != 1 || arg[0] == '"' || arg[0] == '\n')
			argp_error(state, "--delimiter: '%s' is not one character "
			           "(other than a quote)", arg);
		o->delim = arg[0];
		break;
	case OPT_IDS:
		o->ids = 1;
		break;
	case OPT_DECIMALS:
		o->decimals = (unsigned)k_optval_uint(state, "--decimals", arg, 0,
		                                      K_WEI_MAX_DECIMALS);
		break;
	case OPT_CHAIN:
		if (arg[0] == '\0' || strlen(arg) >= 16)
			argp_error(state, "--chain: '%s' is empty or longer than 15 "
			           "bytes", arg);
		o->chain = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Import transactions from CSV exports as tx records: by default the "
	"columns of BigQuery's bigquery-public-data.crypto_ethereum."
	"transactions (hash, from_address, to_address, value, gas_price or "
	"receipt_effective_gas_price, receipt_gas_used, receipt_status, "
	"block_timestamp, block_number, input, receipt_contract_address); "
	"other layouts with --map."
	"\v"
	"Input: CSV files (or standard input) with a header line. Output: one "
	"tx record per row, in input order, value_wei exact. ts may be RFC "
	"3339, \"2024-01-31 12:00:00 UTC\" (BigQuery; no zone means UTC) or "
	"Unix seconds (or milliseconds, 13 digits). success is 1/0/true/false, empty for "
	"unknown. method comes from input's selector unless mapped. A bad row "
	"is reported with its line and column, the rest go on, and the exit "
	"status is 65.\n\n"
	"Examples:\n"
	"  kfetch csv txs-000000000000.csv | kfeatures wallet\n"
	"  kfetch csv --map hash=Txhash,ts=UnixTimestamp,from=From,to=To,"
	"value=Value_OUT(ETH) export.csv";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

/* ---- rows ---- */

struct layout {
	int col[NFIELDS];       /* column of each field, -1 none */
	size_t ncols;
	char *names;            /* the header's names, for messages */
};

static void
trim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	size_t i = 0;
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static int
find_col(const struct k_csv *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(c->f[i], name) == 0)
			return (int)i;
	return -1;
}

static void
make_layout(const struct opts *o, const struct k_csv *c, struct layout *l,
            const char *src)
{
	struct k_buf names;
	k_buf_init(&names);
	for (size_t i = 0; i < c->n; i++) {
		trim(c->f[i]);
		k_buf_printf(&names, "%s'%s'", i ? ", " : "", c->f[i]);
	}
	l->ncols = c->n;
	l->names = k_buf_cstr(&names);
	for (int f = 0; f < NFIELDS; f++) {
		l->col[f] = -1;
		if (o->map[f] != NULL) {
			l->col[f] = find_col(c, o->map[f]);
			if (l->col[f] < 0)
				k_usage_error("--map: %s: no column '%s' in %s "
				              "(columns: %s)", fields[f].name,
				              o->map[f], src, l->names);
			continue;
		}
		for (int k = 0; k < 2 && l->col[f] < 0 && fields[f].bq[k]; k++)
			l->col[f] = find_col(c, fields[f].bq[k]);
	}
	/* a value in units mapped replaces the default value_wei */
	if (o->map[F_VALUE] != NULL && o->map[F_VALUE_WEI] == NULL)
		l->col[F_VALUE_WEI] = -1;
	if (o->map[F_GAS_PRICE_GWEI] != NULL && o->map[F_GAS_PRICE_WEI] == NULL)
		l->col[F_GAS_PRICE_WEI] = -1;
	static const int need[] = { F_TS, F_FROM, F_TO };
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (l->col[need[i]] < 0)
			k_usage_error("%s: no column for field '%s' (map one with "
			              "--map %s=COLUMN; columns: %s)", src,
			              fields[need[i]].name, fields[need[i]].name,
			              l->names);
	if (l->col[F_VALUE_WEI] < 0 && l->col[F_VALUE] < 0)
		k_usage_error("%s: no column for the amount (map value_wei= or "
		              "value=; columns: %s)", src, l->names);
}

/* One data row being read: its cells by field (NULL: no column), and
 * where the reason for rejecting it goes. */
struct cells {
	const struct layout *l;
	const struct k_csv *hdr;
	const char *v[NFIELDS];
	char *why;
	size_t cap;
};

/* Report a bad cell of field f: "column 'value' (value_wei): ..." */
static int
bad_cell(const struct cells *r, int f, const char *fmt, const char *detail)
{
	char head[160];
	int col = r->l->col[f];
	snprintf(head, sizeof head, "column '%s' (%s): ",
	         col >= 0 && (size_t)col < r->hdr->n ? r->hdr->f[col] : "?",
	         fields[f].name);
	snprintf(r->why, r->cap, "%s%s%s", head, fmt, detail ? detail : "");
	return -1;
}

static int
parse_ts(const char *s, int64_t *ms)
{
	size_t n = strlen(s);
	int digits = n > 0;
	for (size_t i = 0; i < n; i++)
		digits &= s[i] >= '0' && s[i] <= '9';
	if (digits) {
		if (n > 15)
			return -1;
		char *end;
		long long v = strtoll(s, &end, 10);
		*ms = n >= 13 ? v : v * 1000;
		return 0;
	}
	char buf[64];
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n + 1);
	if (n > 4 && strcmp(buf + n - 4, " UTC") == 0) {
		n -= 4;
		buf[n] = '\0';
	}
	if (k_time_parse(buf, n, ms) == 0)
		return 0;
	/* no zone: UTC */
	if (n + 1 >= sizeof buf)
		return -1;
	buf[n] = 'Z';
	buf[n + 1] = '\0';
	return k_time_parse(buf, n + 1, ms);
}

static int
parse_uint(const char *s, long long max, long long *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v > (unsigned long long)max)
		return -1;
	*out = (long long)v;
	return 0;
}

/* ts, and hash if given. */
static int
row_ids(const struct cells *r, struct k_tx *t)
{
	const char *const *v = r->v;

	if (v[F_TS][0] == '\0' || parse_ts(v[F_TS], &t->ts) < 0)
		return bad_cell(r, F_TS, "not a time: ",
		                v[F_TS][0] ? v[F_TS] : "(empty)");
	if (v[F_HASH] && v[F_HASH][0]) {
		size_t n = strlen(v[F_HASH]);
		int ok = n == 66 && v[F_HASH][0] == '0' &&
		         (v[F_HASH][1] == 'x' || v[F_HASH][1] == 'X');
		for (size_t i = 2; ok && i < n; i++)
			ok = isxdigit((unsigned char)v[F_HASH][i]);
		if (!ok)
			return bad_cell(r, F_HASH, "not 0x and 64 hex digits: ",
			                v[F_HASH]);
		for (size_t i = 0; i <= n; i++)
			t->hash[i] = (char)tolower((unsigned char)v[F_HASH][i]);
	}
	return 0;
}

/* An address field that may be absent or empty, normalised into dst. */
static int
optional_addr(const struct cells *r, int f, char *dst)
{
	const char *s = r->v[f];

	if (s && s[0] && k_tx_addr_norm(s, strlen(s), dst) < 0)
		return bad_cell(r, f, "malformed address: ", s);
	return 0;
}

/* from or to, an opaque id under --ids. */
static int
id_addr(const struct cells *r, int f, char *dst)
{
	const char *s = r->v[f];

	if (k_tx_id_addr(s, strlen(s), dst) < 0)
		return bad_cell(r, f, "not an id of 1 to 20 printable bytes "
		                "(--ids): ", s[0] ? s : "(empty)");
	return 0;
}

/* from (required), to, contract_address, token_address; and the token. */
static int
row_addresses(const struct opts *o, const struct cells *r, struct k_tx *t)
{
	const char *const *v = r->v;

	if (o->ids) {
		if (id_addr(r, F_FROM, t->from) < 0 ||
		    (v[F_TO] && v[F_TO][0] && id_addr(r, F_TO, t->to) < 0))
			return -1;
	} else if (k_tx_addr_norm(v[F_FROM], strlen(v[F_FROM]), t->from) < 0) {
		return bad_cell(r, F_FROM, "malformed address: ",
		                v[F_FROM][0] ? v[F_FROM] : "(empty)");
	}
	if ((!o->ids && optional_addr(r, F_TO, t->to) < 0) ||
	    optional_addr(r, F_CONTRACT, t->contract_address) < 0 ||
	    optional_addr(r, F_TOKEN_ADDRESS, t->token_address) < 0)
		return -1;
	if (v[F_TOKEN] && v[F_TOKEN][0])
		snprintf(t->token, sizeof t->token, "%s", v[F_TOKEN]);
	return 0;
}

/* decimals (the cell, else --decimals), and the amount, exact: value_wei,
 * else value in units. */
static int
row_amount(const struct opts *o, const struct cells *r, struct k_tx *t)
{
	const char *const *v = r->v;
	struct k_error e;

	t->decimals = o->decimals;
	if (v[F_DECIMALS] && v[F_DECIMALS][0]) {
		long long d;
		if (parse_uint(v[F_DECIMALS], K_WEI_MAX_DECIMALS, &d) < 0)
			return bad_cell(r, F_DECIMALS,
			                "not a whole number from 0 to 77: ",
			                v[F_DECIMALS]);
		t->decimals = (unsigned)d;
	}
	if (r->l->col[F_VALUE_WEI] >= 0) {
		const char *s = v[F_VALUE_WEI];
		if (k_wei_parse(s, strlen(s), K_WEI_DEC | K_WEI_HEX, &t->value_wei,
		                &e) != K_OK)
			return bad_cell(r, F_VALUE_WEI, e.text, strpbrk(s, ".eE")
			                ? " (wei are whole; an amount in ETH or "
			                  "token units is --map value=COLUMN, with "
			                  "--decimals)" : NULL);
	} else {
		const char *s = v[F_VALUE];
		if (k_wei_parse_units(s, strlen(s), t->decimals, &t->value_wei,
		                      &e) != K_OK)
			return bad_cell(r, F_VALUE, e.text, NULL);
	}
	return 0;
}

/* A whole-number field that may be absent or empty (2^53 at most). */
static int
optional_whole(const struct cells *r, int f, long long *dst)
{
	const char *s = r->v[f];

	if (s && s[0] && parse_uint(s, INT64_C(1) << 53, dst) < 0)
		return bad_cell(r, f, "not a whole number: ", s);
	return 0;
}

/* The gas price, from gas_price_wei or else gas_price_gwei; gas used. */
static int
row_gas(const struct cells *r, struct k_tx *t)
{
	const char *const *v = r->v;
	struct k_error e;

	if (v[F_GAS_PRICE_WEI] && v[F_GAS_PRICE_WEI][0]) {
		struct k_wei g;
		const char *s = v[F_GAS_PRICE_WEI];
		if (k_wei_parse(s, strlen(s), K_WEI_DEC | K_WEI_HEX, &g, &e) != K_OK)
			return bad_cell(r, F_GAS_PRICE_WEI, e.text, NULL);
		t->gas_price_gwei = k_wei_to_double(&g, 9);
	} else if (v[F_GAS_PRICE_GWEI] && v[F_GAS_PRICE_GWEI][0]) {
		char *end;
		errno = 0;
		double g = strtod(v[F_GAS_PRICE_GWEI], &end);
		if (errno || *end != '\0' || !(g >= 0) || !isfinite(g))
			return bad_cell(r, F_GAS_PRICE_GWEI, "not a number >= 0: ",
			                v[F_GAS_PRICE_GWEI]);
		t->gas_price_gwei = g;
	}
	return optional_whole(r, F_GAS_USED, &t->gas_used);
}

/* success: 1/true, 0/false, empty for unknown. */
static int
row_success(const struct cells *r, struct k_tx *t)
{
	const char *s = r->v[F_SUCCESS];

	if (s == NULL)
		return 0;
	if (s[0] == '\0')
		t->success = -1;
	else if (strcmp(s, "1") == 0 || strcasecmp(s, "true") == 0)
		t->success = 1;
	else if (strcmp(s, "0") == 0 || strcasecmp(s, "false") == 0)
		t->success = 0;
	else
		return bad_cell(r, F_SUCCESS,
		                "expected 1, 0, true, false or empty: ", s);
	return 0;
}

/* The method (the cell, else input's selector) and the transfer kind
 * (the cell, else token if a token is named, else native). */
static int
row_kind(const struct cells *r, struct k_tx *t)
{
	const char *const *v = r->v;

	if (v[F_METHOD] && v[F_METHOD][0])
		snprintf(t->method, sizeof t->method, "%s", v[F_METHOD]);
	else if (v[F_INPUT])
		k_tx_method_from_input(v[F_INPUT], t->method);
	t->transfer = t->token[0] || t->token_address[0] ? K_TX_TOKEN
	                                                 : K_TX_NATIVE;
	if (v[F_TRANSFER] && v[F_TRANSFER][0]) {
		if (strcmp(v[F_TRANSFER], "native") == 0)
			t->transfer = K_TX_NATIVE;
		else if (strcmp(v[F_TRANSFER], "internal") == 0)
			t->transfer = K_TX_INTERNAL;
		else if (strcmp(v[F_TRANSFER], "token") == 0)
			t->transfer = K_TX_TOKEN;
		else
			return bad_cell(r, F_TRANSFER,
			                "expected native, internal or token: ",
			                v[F_TRANSFER]);
	}
	/* a creation's input is the contract's code, not a call */
	if (t->transfer != K_TX_NATIVE || t->to[0] == '\0')
		t->method[0] = '\0';
	return 0;
}

/* One data row into t; 0, or -1 with the reason in why. The fields are
 * read in a fixed order, and the first bad one is the reason. */
static int
row(const struct opts *o, const struct layout *l, const struct k_csv *hdr,
    const struct k_csv *c, struct k_tx *t, char *why, size_t cap)
{
	struct cells r = { .l = l, .hdr = hdr, .why = why, .cap = cap };

	if (c->n != l->ncols) {
		snprintf(why, cap, "expected %zu columns, got %zu", l->ncols,
		         c->n);
		return -1;
	}
	for (int f = 0; f < NFIELDS; f++) {
		r.v[f] = l->col[f] >= 0 ? c->f[l->col[f]] : NULL;
		if (r.v[f] != NULL)
			trim((char *)r.v[f]);
	}
	k_tx_init(t);
	if (o->chain)
		snprintf(t->chain, sizeof t->chain, "%s", o->chain);
	if (row_ids(&r, t) < 0 || row_addresses(o, &r, t) < 0 ||
	    row_amount(o, &r, t) < 0 || row_gas(&r, t) < 0 ||
	    optional_whole(&r, F_BLOCK, &t->block) < 0 ||
	    optional_whole(&r, F_LOG_INDEX, &t->log_index) < 0 ||
	    row_success(&r, t) < 0 || row_kind(&r, t) < 0)
		return -1;
	return 0;
}

/* Counts across the files. */
struct tally {
	long rows, written;
};

/* One CSV file: its header, then a tx record per row. Returns 1 if
 * --strict stopped at a rejected row. */
static int
read_file(const struct opts *o, char **path, struct k_reject *rj,
          struct k_buf *b, struct tally *n)
{
	struct k_input in;
	struct k_csv hdr, c;
	struct layout l;
	struct k_error e;
	char why[700];
	int have_hdr = 0;

	k_csv_init(&hdr, o->delim);
	k_csv_init(&c, o->delim);
	memset(&l, 0, sizeof l);
	k_input_init(&in, path, path != NULL, 0, rj);
	while (k_input_next(&in) > 0) {
		if (!have_hdr) {
			if (k_csv_split(&hdr, in.line, in.len, &e) != K_OK) {
				k_out_finish();
				k_die(K_EDATA, "%s:%ld: header: %s", in.source,
				      in.lineno, e.text);
			}
			make_layout(o, &hdr, &l, in.source);
			have_hdr = 1;
			continue;
		}
		n->rows++;
		struct k_tx t;
		if (k_csv_split(&c, in.line, in.len, &e) != K_OK) {
			if (e.code == K_ENOMEM)
				k_die(K_ENOMEM, "out of memory");
			k_input_reject(&in, "%s", e.text);
			continue;
		}
		if (row(o, &l, &hdr, &c, &t, why, sizeof why) < 0) {
			k_input_reject(&in, "%s", why);
			continue;
		}
		k_buf_reset(b);
		k_tx_write(b, &t);
		k_out_write(b->data, b->len);
		k_out_line_end();
		n->written++;
	}
	if (!have_hdr && !in.stop && !k_out_closed())
		k_info("csv: %s: empty, no header line",
		       path != NULL && strcmp(*path, "-") != 0 ? *path
		                                               : "<stdin>");
	free(l.names);
	k_csv_release(&hdr);
	k_csv_release(&c);
	return in.stop;
}

int
kfetch_csv(int argc, char **argv)
{
	struct opts o;
	struct k_reject rj;
	struct k_buf b;
	struct tally n = { 0, 0 };

	memset(&o, 0, sizeof o);
	o.delim = ',';
	o.decimals = 18;
	k_args_parse("kfetch", &argp, K_ARGS_RECORDS, argc, argv, &o);
	k_reject_init(&rj);
	k_buf_init(&b);
	if (k_opts.nfiles == 0)
		read_file(&o, NULL, &rj, &b, &n);
	for (int i = 0; i < k_opts.nfiles; i++)
		if (read_file(&o, &k_opts.files[i], &rj, &b, &n))
			break;
	k_buf_release(&b);
	k_out_finish();
	k_info("csv: wrote %ld tx records from %ld rows", n.written, n.rows);
	return k_status_exit(k_reject_finish(&rj));
}
