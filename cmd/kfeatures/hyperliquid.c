/*
 * kfeatures hyperliquid - the Hyperliquid monitor's feature rows from raw
 * hlp, price, candle, funding and liquidation records: one row per bucket,
 * written when the bucket closes and flushed at once when the input is a
 * live stream. The features and the time rules are in common/features/k_hlfeat.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_time.h"
#include "cli/k_args.h"
#include "cli/k_input.h"
#include "cli/k_log.h"
#include "cli/k_optval.h"
#include "cli/k_out.h"
#include "cli/k_progress.h"
#include "cli/k_reject.h"
#include "features/k_hlfeat.h"
#include "kfeatures.h"
#include "text/k_json.h"

struct opts {
	struct k_hlfeat_params p;
};

enum { OPT_BUCKET = 0x100, OPT_VAULT, OPT_COINS, OPT_ENTITY, OPT_SINCE,
       OPT_LATENESS, OPT_MAX_GAP, OPT_STALE };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Rows:", 1 },
	{ "bucket", OPT_BUCKET, "DUR", 0,
	  "One row per DUR of time, e.g. 1m, 5m, 1h (default 1h)", 1 },
	{ "vault", OPT_VAULT, "ADDR", 0,
	  "Follow this HLP vault (default: the first one in the input)", 1 },
	{ "coins", OPT_COINS, "LIST", 0,
	  "Use only these coins (comma-separated; default all)", 1 },
	{ "entity", OPT_ENTITY, "NAME", 0,
	  "The rows' \"entity\" (default hyperliquid)", 1 },
	{ "since", OPT_SINCE, "TIME", 0,
	  "Write only rows from TIME on (earlier input still fills the "
	  "windows)", 1 },
	{ NULL, 0, NULL, 0, "Time:", 2 },
	{ "lateness", OPT_LATENESS, "DUR", 0,
	  "Reorder records arriving up to DUR out of time order; later ones "
	  "are dropped (default 0)", 2 },
	{ "max-gap", OPT_MAX_GAP, "DUR", 0,
	  "Write empty buckets across input gaps up to DUR; skip them across "
	  "longer ones (default 24h)", 2 },
	{ "stale", OPT_STALE, "DUR", 0,
	  "Values older than DUR are missing (default 2h, or 2 buckets if "
	  "longer)", 2 },
	{ 0 }
};

static error_t
parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case OPT_BUCKET:
		o->p.bucket_ms = k_optval_duration(state, "--bucket", arg, 1000,
		                                   7 * K_MS_PER_DAY);
		if (o->p.bucket_ms % 1000 != 0)
			argp_error(state, "--bucket: '%s' must be whole seconds "
			           "from 1s to 7d", arg);
		break;
	case OPT_VAULT:
		if (arg[0] == '\0' || strlen(arg) >= K_HLFEAT_VAULT_MAX)
			argp_error(state, "--vault: '%s' is not a vault address",
			           arg);
		o->p.vault = arg;
		break;
	case OPT_COINS:
		if (arg[0] == '\0' || strstr(arg, ",,") != NULL ||
		    arg[0] == ',' || arg[strlen(arg) - 1] == ',')
			argp_error(state, "--coins: '%s' has an empty item", arg);
		o->p.coins = arg;
		break;
	case OPT_ENTITY:
		o->p.entity = k_optval_name(state, "--entity", arg);
		break;
	case OPT_SINCE:
		o->p.since_ms = k_optval_time(state, "--since", arg);
		break;
	case OPT_LATENESS:
		o->p.lateness_ms = k_optval_duration(state, "--lateness", arg, 0,
		                                     400 * K_MS_PER_DAY);
		break;
	case OPT_MAX_GAP:
		o->p.max_gap_ms = k_optval_duration(state, "--max-gap", arg, 0,
		                                    INT64_MAX);
		break;
	case OPT_STALE:
		o->p.stale_ms = k_optval_duration(state, "--stale", arg, 1,
		                                  INT64_MAX);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Compute the Hyperliquid monitor's features: one row per time bucket "
	"with the HLP vault, oracle, liquidation and volume groups, the "
	"composite risk_score and risk_level."
	"\v"
	"Input: raw records (NDJSON) of kinds hlp, price, candle, funding and "
	"liquidation (and label, from 'kfetch simulate'), from the FILEs or "
	"standard input; other kinds are skipped with a notice. Output: "
	"{\"kind\":\"features\",\"entity\":\"hyperliquid\",\"ts\":BUCKET_START,"
	"\"bucket\":\"1h\",\"features\":{...57 numbers or null...},"
	"\"risk_score\":0-100,\"risk_level\":\"LOW\"} per bucket, plus "
	"\"label\" and \"incident\" when the input carries labels. A row is "
	"written when its bucket closes; see kfeatures(1) for every feature.\n\n"
	"Example:\n"
	"  kfetch hyperliquid --days 30 | kfeatures hyperliquid | "
	"ktrain anomaly";

static const struct argp argp = { options, parse_opt, "[FILE...]", doc,
                                  NULL, NULL, NULL };

static void
emit(void *arg, const char *row, size_t len)
{
	(void)arg;
	k_out_write(row, len);
	k_out_line_end();
}

static void
notices(const struct k_hlfeat_stats *s, int64_t lateness)
{
	if (s->late > 0)
		k_info("%ld record%s older than the open bucket dropped%s",
		       s->late, s->late == 1 ? "" : "s",
		       lateness == 0 ? " (reorder with --lateness)" : "");
	if (s->out_of_order > 0)
		k_info("%ld record%s older than the newest of their series "
		       "ignored", s->out_of_order, s->out_of_order == 1 ? "" : "s");
	if (s->duplicates > 0)
		k_info("%ld duplicate record%s ignored", s->duplicates,
		       s->duplicates == 1 ? "" : "s");
	if (s->late_candles > 0)
		k_info("%ld candle%s arrived after their bucket closed and "
		       "counted in the next", s->late_candles,
		       s->late_candles == 1 ? "" : "s");
	if (s->other_vault > 0)
		k_info("%ld hlp record%s of other vaults ignored (see --vault)",
		       s->other_vault, s->other_vault == 1 ? "" : "s");
	if (s->other_coin > 0)
		k_info("%ld record%s of coins not tracked ignored",
		       s->other_coin, s->other_coin == 1 ? "" : "s");
	if (s->gaps > 0)
		k_info("%ld gap%s longer than --max-gap: %ld empty bucket%s not "
		       "written", s->gaps, s->gaps == 1 ? "" : "s",
		       s->skipped_rows, s->skipped_rows == 1 ? "" : "s");
	k_debug("%ld records, %ld applied, %ld labels, %ld rows written "
	        "(%ld across short gaps)", s->records, s->applied, s->labels,
	        s->rows, s->gap_rows);
}

/* Say once per kind that records of kinds this set does not use are
 * skipped (at most eight kinds are remembered). */
static void
note_other_kind(const char **noted, size_t *nnoted, const char *kind)
{
	size_t k = 0;

	while (k < *nnoted && strcmp(noted[k], kind) != 0)
		k++;
	if (k < *nnoted || *nnoted == 8 || (noted[k] = strdup(kind)) == NULL)
		return;
	k_info("skipping records of kind '%s' (not used by this feature set)",
	       kind);
	(*nnoted)++;
}

/* With -v, why a record did not count. */
static void
note_fate(const struct k_input *in, enum k_hlfeat_fate f)
{
	if (f == K_HLF_NOMEM)
		k_die(K_ENOMEM, "out of memory");
	if (f == K_HLF_LATE)
		k_debug("%s:%ld: older than the open bucket, dropped",
		        in->source, in->lineno);
	else if (f == K_HLF_DUPLICATE)
		k_debug("%s:%ld: duplicate, ignored", in->source, in->lineno);
	else if (f == K_HLF_OUT_OF_ORDER)
		k_debug("%s:%ld: older than its series' newest, ignored",
		        in->source, in->lineno);
}

/* A live feed waits for input: rows written so far go out now. */
static void
flush_out(void *arg)
{
	(void)arg;
	k_out_flush();
}

int
kfeatures_hyperliquid(int argc, char **argv)
{
	struct opts o = { .p = k_hlfeat_params_default() };
	struct k_hlfeat *eng;
	struct k_reject rj;
	struct k_input in;
	struct k_jscan scan;
	struct k_error e;
	enum k_status st;
	const char *noted[8];
	size_t nnoted = 0;
	struct k_progress prog;

	k_args_parse("kfeatures", &argp, K_ARGS_RECORDS, argc, argv, &o);
	st = k_hlfeat_alloc(&eng, &o.p, emit, NULL, &e);
	if (st != K_OK)
		k_die(st, "%s", e.text);
	k_reject_init(&rj);
	k_progress_init(&prog);
	k_jscan_init(&scan, NULL);
	k_input_init(&in, k_opts.files, k_opts.nfiles, 0, &rj);
	in.idle = flush_out;
	while (k_input_next(&in) > 0) {
		struct k_hlfeat_rec rec;
		json_t *obj = k_json_parse(&scan, in.line, in.len, &e);
		if (obj == NULL || k_hlfeat_parse(obj, &rec, &e) != K_OK) {
			json_decref(obj);
			k_input_reject(&in, "%s", e.text);
			continue;
		}
		json_decref(obj);
		if (rec.kind == K_HLFEAT_OTHER)
			note_other_kind(noted, &nnoted, rec.kind_name);
		note_fate(&in, k_hlfeat_push(eng, &rec));
		if ((in.lineno & 4095) == 0)
			k_progress_update(&prog, "%ld records read, %ld rows "
			                  "written", k_hlfeat_stats(eng)->records,
			                  k_hlfeat_stats(eng)->rows);
	}
	if (!in.stop)
		k_hlfeat_finish(eng);
	k_progress_done(&prog);
	k_out_finish();
	notices(k_hlfeat_stats(eng), o.p.lateness_ms);
	for (size_t k = 0; k < nnoted; k++)
		free((char *)noted[k]);
	k_hlfeat_free(eng);
	k_jscan_release(&scan);
	return k_status_exit(k_reject_finish(&rj));
}
