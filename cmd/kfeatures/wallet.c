/*
 * kfeatures wallet - one feature row per Ethereum address from tx records:
 * behaviour in the wallet-risk seed's categories, transaction-graph
 * metrics and suspicious patterns, over a window of history. Reads
 * everything first (the graph needs all of it); the engine and every
 * feature's definition are in common/features/k_walletfeat.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_lines.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_progress.h"
#include "cli/k_reject.h"
#include "features/k_walletfeat.h"
#include "kfeatures.h"
#include "numeric/k_graph.h"
#include "records/k_tx.h"
#include "text/k_jscan.h"

#define MAX_LISTS 16
#define MAX_ADDR_ARGS 4096

struct opts {
	struct k_walletfeat_params p;
	const char *lists[MAX_LISTS];
	int nlists;
	const char *addr_args[MAX_ADDR_ARGS];
	int naddr;
	const char *addr_file;
	int entities_set;
	const char *dump;
	int list_features;
};

enum {
	OPT_WINDOW = 0x100, OPT_AS_OF, OPT_ENTITIES, OPT_ADDRESS,
	OPT_ADDRESSES, OPT_LABELS, OPT_FORWARD, OPT_CYCLE_HOURS,
	OPT_CYCLE_HOPS, OPT_CYCLE_BUDGET, OPT_HUB, OPT_FRESH, OPT_DUST,
	OPT_NO_GRAPH, OPT_EXACT_MAX, OPT_PIVOTS, OPT_LE_MAX, OPT_SEED,
	OPT_DUMP, OPT_THREADS, OPT_LIST_FEATURES, OPT_IDS,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Rows:", 1 },
	{ "window", OPT_WINDOW, "DUR", 0,
	  "History before --as-of that rows use, e.g. 7d, 30d, 12h, or 'all' "
	  "(default 30d)", 1 },
	{ "as-of", OPT_AS_OF, "TIME", 0,
	  "End of the window, RFC 3339 (default: the newest tx); later "
	  "records are ignored", 1 },
	{ "entities", OPT_ENTITIES, "WHICH", 0,
	  "Rows for: 'senders' (sent a transaction in the window; default), "
	  "'all' (any record in the window), 'listed' (--address, "
	  "--addresses only)", 1 },
	{ "address", OPT_ADDRESS, "ADDR", 0,
	  "A row for ADDR (repeatable, or comma-separated); implies "
	  "--entities listed", 1 },
	{ "addresses", OPT_ADDRESSES, "FILE", 0,
	  "Rows for the addresses in FILE, one per line; implies --entities "
	  "listed", 1 },
	{ "ids", OPT_IDS, NULL, 0,
	  "The addresses are opaque ids as 'kfetch csv --ids' wrote them: "
	  "name each row by its id", 1 },
	{ "threads", OPT_THREADS, "N", 0,
	  "Worker threads for the rows (default: online CPUs, at most 8)", 1 },
	{ "list-features", OPT_LIST_FEATURES, NULL, 0,
	  "Print every feature (name, group, unit, definition, missing) as "
	  "tab-separated lines and exit", 1 },
	{ NULL, 0, NULL, 0, "Address lists:", 2 },
	{ "labels", OPT_LABELS, "FILE", 0,
	  "Address list of mixers, sanctioned, flagged, exchanges, DeFi and "
	  "stablecoins (data/labels/addresses.csv; repeatable; default "
	  "$KTOOLS_LABELS, colon-separated, else the installed list)", 2 },
	{ NULL, 0, NULL, 0, "Suspicious patterns:", 3 },
	{ "forward-minutes", OPT_FORWARD, "M", 0,
	  "Inflow sent on within M minutes counts as forwarded (default 10)",
	  3 },
	{ "cycle-hours", OPT_CYCLE_HOURS, "H", 0,
	  "A cycle must return value within H hours (default 24)", 3 },
	{ "cycle-hops", OPT_CYCLE_HOPS, "N", 0,
	  "Longest cycle, 2 to 6 hops (default 5)", 3 },
	{ "cycle-budget", OPT_CYCLE_BUDGET, "N", 0,
	  "Transfers explored per address looking for cycles (default 20000)",
	  3 },
	{ "hub-transfers", OPT_HUB, "N", 0,
	  "Cycles do not pass through addresses with more outgoing transfers "
	  "in the window (default 1000)", 3 },
	{ "fresh-hours", OPT_FRESH, "H", 0,
	  "An address is fresh for H hours after it first appears (default "
	  "24)", 3 },
	{ "dust-eth", OPT_DUST, "ETH", 0,
	  "ETH inflows below this are dust (default 0.0001)", 3 },
	{ NULL, 0, NULL, 0, "Graph:", 4 },
	{ "no-graph", OPT_NO_GRAPH, NULL, 0,
	  "Skip the graph metrics (their features are null)", 4 },
	{ "exact-max", OPT_EXACT_MAX, "N", 0,
	  "Betweenness and closeness exact up to N vertices, sampled beyond "
	  "(default 5000)", 4 },
	{ "pivots", OPT_PIVOTS, "N", 0,
	  "Sources sampled beyond --exact-max (default 256)", 4 },
	{ "le-max-degree", OPT_LE_MAX, "N", 0,
	  "Local efficiency only for vertices of at most N neighbours "
	  "(default 1000)", 4 },
	{ "seed", OPT_SEED, "N", 0, "Random seed of the pivots (default 42)",
	  4 },
	{ "dump-graph", OPT_DUMP, "FILE", 0,
	  "Also write the window's transfer graph (vertices, weighted edges, "
	  "pivots) to FILE", 4 },
	{ 0 }
};

/* The options of the "Rows:" and "Address lists:" groups. */
static error_t
rows_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	struct k_walletfeat_params *p = &o->p;
	switch (key) {
	case OPT_WINDOW:
		if (strcmp(arg, "all") == 0) {
			p->window_days = 0;
			break;
		}
		p->window_days = (double)k_optval_duration(state, "--window", arg,
		                                           60000, INT64_MAX) /
		                 K_MS_PER_DAY;
		break;
	case OPT_AS_OF:
		p->as_of = k_optval_time(state, "--as-of", arg);
		break;
	case OPT_ENTITIES:
		if (strcmp(arg, "senders") == 0)
			p->entities = K_WF_SENDERS;
		else if (strcmp(arg, "all") == 0)
			p->entities = K_WF_ALL;
		else if (strcmp(arg, "listed") == 0)
			p->entities = K_WF_LISTED;
		else
			argp_error(state, "--entities: '%s' is not senders, all "
			           "or listed", arg);
		o->entities_set = 1;
		break;
	case OPT_ADDRESS: {
		const char *bad;
		int rc = k_tx_addr_list(arg, o->addr_args, &o->naddr, MAX_ADDR_ARGS, &bad);
		if (rc == -1)
			argp_error(state, "--address: '%s' is not an address "
			           "(0x and 40 hex digits)", bad);
		if (rc == -2)
			argp_error(state, "--address: more than %d; use "
			           "--addresses FILE", MAX_ADDR_ARGS);
		break;
	}
	case OPT_ADDRESSES:
		o->addr_file = arg;
		break;
	case OPT_LABELS:
		if (o->nlists == MAX_LISTS)
			argp_error(state, "--labels: at most %d lists", MAX_LISTS);
		o->lists[o->nlists++] = arg;
		break;
	case OPT_THREADS:
		p->threads = (int)k_optval_uint(state, "--threads", arg, 1, 256);
		break;
	case OPT_LIST_FEATURES:
		o->list_features = 1;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The options of the "Suspicious patterns:" group. */
static error_t
pattern_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	struct k_walletfeat_params *p = &o->p;
	switch (key) {
	case OPT_FORWARD:
		p->forward_minutes = k_optval_number(state, "--forward-minutes",
		                                     arg, 1e-3, 10080,
		                                     K_OPTVAL_CLOSED);
		break;
	case OPT_CYCLE_HOURS:
		p->cycle_hours = k_optval_number(state, "--cycle-hours", arg, 1e-3,
		                                 8760, K_OPTVAL_CLOSED);
		break;
	case OPT_CYCLE_HOPS:
		p->cycle_hops = (unsigned)k_optval_uint(state, "--cycle-hops", arg,
		                                        2, 6);
		break;
	case OPT_CYCLE_BUDGET:
		p->cycle_budget = k_optval_uint(state, "--cycle-budget", arg, 1,
		                                1000000000);
		break;
	case OPT_HUB:
		p->hub_transfers = k_optval_uint(state, "--hub-transfers", arg, 1,
		                                 1000000000);
		break;
	case OPT_FRESH:
		p->fresh_hours = k_optval_number(state, "--fresh-hours", arg, 1e-3,
		                                 8760, K_OPTVAL_CLOSED);
		break;
	case OPT_DUST:
		p->dust_eth = k_optval_number(state, "--dust-eth", arg, 0, 1e6,
		                              K_OPTVAL_CLOSED);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The options of the "Graph:" group. */
static error_t
graph_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	struct k_walletfeat_params *p = &o->p;
	switch (key) {
	case OPT_NO_GRAPH:
		p->graph = 0;
		break;
	case OPT_IDS:
		p->ids = 1;
		break;
	case OPT_EXACT_MAX:
		p->gp.exact_max = k_optval_uint(state, "--exact-max", arg, 3,
		                                100000000);
		break;
	case OPT_PIVOTS:
		p->gp.pivots = k_optval_uint(state, "--pivots", arg, 2, 100000000);
		break;
	case OPT_LE_MAX:
		p->gp.le_max_degree = k_optval_uint(state, "--le-max-degree", arg,
		                                    0, 100000000);
		break;
	case OPT_SEED:
		p->gp.seed = k_optval_uint(state, "--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_DUMP:
		o->dump = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Each option to the parser of its --help group; at the end, addresses
 * given imply --entities listed, which needs some. */
static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;
	struct k_walletfeat_params *p = &o->p;

	if (key == ARGP_KEY_END) {
		if ((o->naddr > 0 || o->addr_file) && !o->entities_set)
			p->entities = K_WF_LISTED;
		if (p->entities == K_WF_LISTED && o->naddr == 0 && !o->addr_file)
			argp_error(state, "--entities listed needs --address or "
			           "--addresses");
		return 0;
	}
	error_t e = rows_opt(key, arg, state);
	if (e == ARGP_ERR_UNKNOWN)
		e = pattern_opt(key, arg, state);
	if (e == ARGP_ERR_UNKNOWN)
		e = graph_opt(key, arg, state);
	return e;
}

static const char doc[] =
	"Compute wallet features: one row per address over a window of tx "
	"history, with activity, transaction, protocol, portfolio, behaviour, "
	"transaction-graph (igraph) and suspicious-pattern features."
	"\v"
	"Input: NDJSON records from the FILEs or standard input: tx (from "
	"kfetch etherscan, ethrpc, csv or simulate wallet), optionally market "
	"(gas and ETH price) and label (ground truth, carried into the rows); "
	"other kinds are skipped. Output, sorted by address: {\"kind\":"
	"\"features\",\"entity\":\"0x...\",\"ts\":AS_OF,\"window_start\":...,"
	"\"features\":{...99 numbers or null...}} plus \"label\", \"malicious\" "
	"and \"pattern\" when the input labels the address. --list-features "
	"and kfeatures(1) define every feature.\n\n"
	"Example:\n"
	"  kfetch simulate wallet --wallets 5000 | kfeatures wallet "
	"--labels data/labels/addresses.csv | ktrain anomaly";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

static const char *
libs(void)
{
	return k_graph_version();
}

static void
list_features(void)
{
	for (size_t i = 0; i < k_walletfeat_nfeatures; i++) {
		const struct k_wf_feature *f = &k_walletfeat_features[i];
		printf("%s\t%s\t%s\t%s\t%s\n", f->name, f->group, f->unit,
		       f->definition, f->missing);
	}
}

/* A string or null member into buf ("" and *isnull for null). Returns 0,
 * or -1 with a message in why for another type. */
static int
str_member(const struct k_jscan *s, const char *name, char *buf, size_t cap,
           int *present, char *why, size_t wcap)
{
	const struct k_jmember *m = k_jscan_find(s->top, s->ntop, name,
	                                         strlen(name));
	buf[0] = '\0';
	*present = m != NULL && m->type != K_JNULL;
	if (m == NULL || m->type == K_JNULL)
		return 0;
	if (m->type != K_JSTR || k_jstr(m, buf, cap) == (size_t)-1) {
		snprintf(why, wcap, "field '%s': expected a short string or "
		         "null", name);
		return -1;
	}
	return 0;
}

struct reading {
	struct opts *o;
	struct k_walletfeat *wf;
	struct k_reject rj;
	struct k_jscan scan;
	char *noted[8];
	size_t nnoted;
	size_t labels, market, other;
	long lines;            /* input lines read */
	int64_t not_after;     /* tx records later are refused */
};

/* Say once per kind (or per what) that records are skipped. */
static void
note_kind(struct reading *rd, const char *kind, const char *what)
{
	size_t k = 0;
	rd->other++;
	while (k < rd->nnoted && strcmp(rd->noted[k], kind) != 0)
		k++;
	if (k == rd->nnoted && rd->nnoted < 8) {
		rd->noted[rd->nnoted] = strdup(kind);
		if (rd->noted[rd->nnoted] != NULL) {
			if (what != NULL)
				k_info("skipping %s", what);
			else
				k_info("skipping records of kind '%s' (not used by the "
				       "wallet features)", kind);
			rd->nnoted++;
		}
	}
}

/* A tx record into the engine; 0, or a reason in why. */
static int
record_tx(struct reading *rd, char *why, size_t wcap)
{
	struct k_error e;
	struct k_tx t;

	if (k_tx_read(&rd->scan, &t, &e) != K_OK) {
		snprintf(why, wcap, "%s", e.text);
		return -1;
	}
	if (t.ts > rd->not_after) {
		char when[40];
		snprintf(why, wcap, "field 'ts': %s is more than a day after "
		         "this machine's clock", k_time_format(t.ts, when,
		                                               sizeof when));
		return -1;
	}
	if (k_walletfeat_add_tx(rd->wf, &t) != K_OK)
		k_die(K_ENOMEM, "out of memory");
	return 0;
}

/* A market record (ts, gas_gwei, eth_usd, each number or null). */
static int
record_market(struct reading *rd, char *why, size_t wcap)
{
	static const char *const names[2] = { "gas_gwei", "eth_usd" };
	const struct k_jmember *m;
	int64_t ts;
	double v[2] = { NAN, NAN };

	if (k_jscan_ts(&rd->scan, &ts, NULL) != 0) {
		snprintf(why, wcap, "field 'ts': expected an RFC 3339 time");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		m = k_jscan_find(rd->scan.top, rd->scan.ntop, names[i],
		                 strlen(names[i]));
		if (m == NULL || m->type == K_JNULL)
			continue;
		if (m->type != K_JNUM) {
			snprintf(why, wcap, "field '%s': expected number or "
			         "null", names[i]);
			return -1;
		}
		v[i] = k_jnum(m);
	}
	if (k_walletfeat_add_market(rd->wf, ts, v[0], v[1]) != K_OK)
		k_die(K_ENOMEM, "out of memory");
	rd->market++;
	return 0;
}

/* A label record of an address (others are noted and skipped). */
static int
record_label(struct reading *rd, char *why, size_t wcap)
{
	struct k_error e;
	const struct k_jmember *m;
	char ent[128], arch[64], pat[64];
	int has_ent, has_arch, has_pat, mal = -1;

	if (str_member(&rd->scan, "entity", ent, sizeof ent, &has_ent,
	               why, wcap) < 0)
		return -1;
	/* labels of other populations (entity "hyperliquid") */
	if (!has_ent || strncmp(ent, "0x", 2) != 0) {
		note_kind(rd, " label", "label records whose entity is not an "
		          "address (another population's)");
		return 0;
	}
	if (str_member(&rd->scan, "archetype", arch, sizeof arch,
	               &has_arch, why, wcap) < 0 ||
	    str_member(&rd->scan, "pattern", pat, sizeof pat, &has_pat,
	               why, wcap) < 0)
		return -1;
	m = k_jscan_find(rd->scan.top, rd->scan.ntop, "malicious", 9);
	if (m != NULL && m->type != K_JNULL) {
		if (m->type != K_JTRUE && m->type != K_JFALSE) {
			snprintf(why, wcap, "field 'malicious': expected "
			         "boolean or null");
			return -1;
		}
		mal = m->type == K_JTRUE;
	}
	if (k_walletfeat_add_label(rd->wf, ent, has_arch ? arch : NULL,
	                           mal, has_pat ? pat : NULL, &e) != K_OK) {
		if (e.code == K_ENOMEM)
			k_die(K_ENOMEM, "out of memory");
		snprintf(why, wcap, "%s", e.text);
		return -1;
	}
	rd->labels++;
	return 0;
}

/* One record; 0, or a reason in why (the line is rejected). */
static int
record(struct reading *rd, const char *line, size_t len, char *why,
       size_t wcap)
{
	struct k_error e;
	char kind[32];
	const struct k_jmember *m;

	if (k_jscan_line(&rd->scan, line, len, &e) != K_OK) {
		snprintf(why, wcap, "%s", e.text);
		return -1;
	}
	m = k_jscan_find(rd->scan.top, rd->scan.ntop, "kind", 4);
	if (m == NULL || m->type != K_JSTR ||
	    k_jstr(m, kind, sizeof kind) == (size_t)-1) {
		snprintf(why, wcap, "field 'kind': %s", m == NULL ? "missing" :
		         "expected a record kind such as \"tx\"");
		return -1;
	}
	if (strcmp(kind, "tx") == 0)
		return record_tx(rd, why, wcap);
	if (strcmp(kind, "market") == 0)
		return record_market(rd, why, wcap);
	if (strcmp(kind, "label") == 0)
		return record_label(rd, why, wcap);
	note_kind(rd, kind, NULL);
	return 0;
}

static enum k_status
select_address(void *arg, const char *addr, struct k_error *err)
{
	return k_walletfeat_select(arg, addr, err);
}

/* The address lists: the flags, else $KTOOLS_LABELS (colon-separated),
 * else the list `make install` puts beside the programs. Returns the copy
 * of the environment the list names point into (free it at the end). */
static char *
load_lists(struct opts *o, struct k_walletfeat *wf)
{
	static const char installed[] = KTOOLS_DATADIR "/labels/addresses.csv";
	struct k_error e;
	enum k_status st;
	char *envcopy = NULL;
	const char *env = getenv("KTOOLS_LABELS");

	if (o->nlists == 0 && env != NULL && env[0] != '\0') {
		if ((envcopy = strdup(env)) == NULL)
			k_die(K_ENOMEM, "out of memory");
		char *save = NULL;
		for (char *t = strtok_r(envcopy, ":", &save);
		     t != NULL && o->nlists < MAX_LISTS;
		     t = strtok_r(NULL, ":", &save))
			o->lists[o->nlists++] = t;
	}
	if (o->nlists == 0 && access(installed, R_OK) == 0)
		o->lists[o->nlists++] = installed;
	for (int i = 0; i < o->nlists; i++)
		if ((st = k_walletfeat_labels(wf, o->lists[i], &e)) != K_OK)
			k_die(st, "--labels: %s", e.text);
	if (o->nlists == 0)
		k_info("no address list (--labels, KTOOLS_LABELS or %s): the "
		       "mixer, sanctioned, flagged and exchange features are null",
		       installed);
	return envcopy;
}

/* The addresses to write rows for: --address, then --address-file. */
static void
select_addresses(const struct opts *o, struct k_walletfeat *wf)
{
	struct k_error e;
	enum k_status st;

	for (int i = 0; i < o->naddr; i++)
		if ((st = k_walletfeat_select(wf, o->addr_args[i], &e)) != K_OK)
			k_die(st, "--address: %s", e.text);
	if (o->addr_file != NULL &&
	    k_tx_addr_file(o->addr_file, select_address, wf, &e) != K_OK)
		k_die_error(&e);
}

/* Every input line into rd; returns 1 if --strict stopped the reading. */
static int
read_records(struct reading *rd)
{
	struct k_input in;
	struct k_progress prog;
	char why[600];

	k_progress_init(&prog);
	k_input_init(&in, k_opts.files, k_opts.nfiles, 0, &rd->rj);
	while (k_input_next(&in) > 0) {
		if ((in.lines & 0xffff) == 0)
			k_progress_update(&prog, "reading: %ld lines", in.lines);
		if (record(rd, in.line, in.len, why, sizeof why) < 0)
			k_input_reject(&in, "%s", why);
	}
	k_progress_done(&prog);
	rd->lines = in.lines;
	return in.stop;
}

/* -v: igraph's warnings and each graph metric's time, in the order they
 * came. */
static void
debug_graph(const struct k_walletfeat *wf)
{
	struct k_walletfeat_stats s;
	k_walletfeat_stats(wf, &s);
	const struct k_graph_timing *t = &s.graph_timing;
	size_t kept = t->nnotice < K_GRAPH_NOTICES ? t->nnotice
	                                           : K_GRAPH_NOTICES;
	for (int k = 0; k < K_GRAPH_NSTEPS; k++) {
		for (size_t i = 0; i < kept; i++)
			if (t->notice[i].step == (enum k_graph_step)k)
				k_debug("igraph: %s", t->notice[i].text);
		if (!isnan(t->seconds[k]))
			k_debug("graph: %s %.3f s",
			        k_graph_step_name((enum k_graph_step)k),
			        t->seconds[k]);
	}
	if (t->nnotice > kept)
		k_debug("igraph: %zu more warnings", t->nnotice - kept);
}

/* Compute the features and write one row per address. */
static void
write_rows(struct k_walletfeat *wf, long lines)
{
	struct k_progress prog;
	struct k_error e;
	enum k_status st;
	struct k_buf b;

	k_progress_init(&prog);
	k_progress_update(&prog, "computing features of %ld lines", lines);
	st = k_walletfeat_compute(wf, &e);
	debug_graph(wf);
	k_progress_done(&prog);
	if (st != K_OK) {
		k_out_finish();
		k_die(st, "%s", e.text);
	}
	k_buf_init(&b);
	for (size_t i = 0; i < k_walletfeat_rows(wf) && !k_out_closed(); i++) {
		k_buf_reset(&b);
		k_walletfeat_write_row(wf, i, &b);
		if (b.oom)
			k_die(K_ENOMEM, "out of memory");
		k_out_write(b.data, b.len);
		k_out_line_end();
	}
	k_buf_release(&b);
}

/* --dump-graph FILE: the transfer graph for other tools. */
static void
dump_graph(struct k_walletfeat *wf, const char *path)
{
	struct k_error e;
	enum k_status st;
	FILE *f = fopen(path, "w");

	if (f == NULL)
		k_die(K_ECANTCREAT, "--dump-graph: cannot create '%s': %s", path,
		      strerror(errno));
	st = k_walletfeat_dump_graph(wf, f, &e);
	if (fclose(f) != 0 && st == K_OK)
		st = k_error_set(&e, K_EIO, "--dump-graph: %s", strerror(errno));
	if (st != K_OK)
		k_die(st, "%s", e.text);
}

/* The summary on stderr: rows, the rules applied, the window, the graph. */
static void
summary(const struct reading *rd)
{
	struct k_walletfeat_stats s;
	char a[32], b[32];

	k_walletfeat_stats(rd->wf, &s);
	if (s.as_of_far)
		k_err("warning: the window ends at the newest record, %s, %.0f "
		      "days after 99%% of the records (%s and before); rows hold "
		      "only the addresses active near it: give --as-of",
		      k_time_format(s.as_of, a, sizeof a),
		      (double)(s.as_of - s.bulk_end) / K_MS_PER_DAY,
		      k_time_format(s.bulk_end, b, sizeof b));
	k_info("%zu rows from %zu tx records (duplicates dropped: %zu; "
	       "self-transfers: %zu; failed: %zu; contract creations: %zu; "
	       "after --as-of, ignored: %zu), window %s to %s",
	       s.rows, s.tx, s.duplicates, s.self, s.failed, s.creations,
	       s.after_as_of,
	       s.start == INT64_MIN ? "the start" :
	       k_time_format(s.start, a, sizeof a),
	       k_time_format(s.as_of, b, sizeof b));
	if (rd->o->p.graph)
		k_info("transfer graph: %zu vertices, %zu edges%s (%.2f s); "
		       "rows %.2f s", s.vertices, s.edges,
		       s.sampled ? ", betweenness/closeness sampled from "
		                   "pivots" : "",
		       s.seconds_graph, s.seconds_rows);
	k_debug("%zu labels, %zu market records, %zu other records skipped",
	        rd->labels, rd->market, rd->other);
}

int
kfeatures_wallet(int argc, char **argv)
{
	struct opts o;
	struct reading rd;
	struct k_error e;
	enum k_status st;

	memset(&o, 0, sizeof o);
	k_walletfeat_default(&o.p);
	o.p.threads = k_lines_default_threads();
	k_args_libs_hook = libs;
	k_args_parse("kfeatures", &argp, K_ARGS_RECORDS, argc, argv, &o);
	if (o.list_features) {
		list_features();
		k_out_finish();
		return 0;
	}
	const char *bad = k_walletfeat_check(&o.p);
	if (bad != NULL)
		k_usage_error("%s", bad);
	if (o.p.graph && (st = k_graph_load(&e)) != K_OK)
		k_die(st, "%s; --no-graph computes the other features", e.text);

	memset(&rd, 0, sizeof rd);
	rd.o = &o;
	rd.not_after = k_time_now_ms() + K_WF_FUTURE_MARGIN_MS;
	if ((rd.wf = k_walletfeat_alloc(&o.p)) == NULL)
		k_die(K_ENOMEM, "out of memory");
	char *envcopy = load_lists(&o, rd.wf);
	select_addresses(&o, rd.wf);
	k_reject_init(&rd.rj);
	k_jscan_init(&rd.scan, NULL);
	int stop = read_records(&rd);
	if (!stop)
		write_rows(rd.wf, rd.lines);
	k_out_finish();
	if (!stop && o.dump != NULL)
		dump_graph(rd.wf, o.dump);
	if (!stop)
		summary(&rd);
	for (size_t k = 0; k < rd.nnoted; k++)
		free(rd.noted[k]);
	free(envcopy);
	k_jscan_release(&rd.scan);
	k_walletfeat_free(rd.wf);
	return k_status_exit(k_reject_finish(&rd.rj));
}
