/*
 * k_hlfeat.h - the Hyperliquid monitor's features (kfeatures hyperliquid):
 * raw hlp, price, candle, funding and liquidation records in, one feature
 * row per time bucket out, with the HLP vault, oracle and liquidation
 * groups of the seed plus volume and funding. Windows are true time
 * windows kept incrementally in bounded memory (k_timewin, k_asof), so
 * the same engine serves a 90-day backfill and a live stream. Every feature, its
 * window, unit and missing-data meaning is documented in kfeatures(1).
 */
#ifndef K_HLFEAT_H
#define K_HLFEAT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "score/k_rules.h"

#define K_HLFEAT_COIN_MAX 48
#define K_HLFEAT_VAULT_MAX 64

enum k_hlfeat_kind {
	K_HLFEAT_HLP, K_HLFEAT_PRICE, K_HLFEAT_CANDLE, K_HLFEAT_FUNDING,
	K_HLFEAT_LIQ,
	K_HLFEAT_LABEL,   /* ground truth from a simulator */
	K_HLFEAT_OTHER    /* a kind this feature set does not use */
};

enum k_hlfeat_venue {
	K_HLFEAT_VENUE_HL, K_HLFEAT_VENUE_BINANCE, K_HLFEAT_VENUE_COINBASE,
	K_HLFEAT_VENUE_OTHER
};

/* One raw record, parsed. Numbers not given are NAN. */
struct k_hlfeat_rec {
	enum k_hlfeat_kind kind;
	int64_t ts;              /* the record's "ts", ms */
	enum k_hlfeat_venue venue;
	char coin[K_HLFEAT_COIN_MAX];
	char kind_name[24];      /* for K_HLFEAT_OTHER */
	/* hlp */
	char vault[K_HLFEAT_VAULT_MAX];
	double account_value, pnl, pnl_24h;  /* USD; pnl_24h optional */
	/* price */
	double oracle, mark, mid, price, funding, open_interest, premium;
	/* candle */
	int64_t interval_ms;
	double open, high, low, close, volume;
	/* funding: rate, premium above */
	double rate;
	/* liquidation */
	double px, size, value_usd;
	uint64_t key;            /* identity, for duplicates */
	uint64_t user;           /* hash of the liquidated user, 0 unknown */
	/* label */
	int64_t ts_end;
	char incident[40];
};

/*
 * Parse one record object. K_OK with r filled (kind K_HLFEAT_OTHER for kinds
 * not used here), or K_EDATA with err naming the field: a missing "kind"
 * or "ts", a string where a number belongs, a non-positive price, a
 * candle with high < low, a label that ends before it starts...
 */
enum k_status k_hlfeat_parse(const json_t *o, struct k_hlfeat_rec *r,
                             struct k_error *err);

struct k_hlfeat_params {
	int64_t bucket_ms;       /* row length (1 h) */
	int64_t stale_ms;        /* as-of values older than this are missing
	                            (0: max(2 h, 2 buckets)) */
	int64_t max_gap_ms;      /* empty buckets are written across a gap
	                            of up to this (24 h); longer gaps skip */
	int64_t lateness_ms;     /* records are reordered within this (0) */
	int64_t since_ms;        /* rows starting before are not written
	                            (INT64_MIN: all) */
	int64_t match_ms;        /* Hyperliquid-Binance price pairing (10 s) */
	const char *vault;       /* HLP vault followed (NULL: the first seen) */
	const char *entity;      /* the rows' "entity" ("hyperliquid") */
	const char *coins;       /* comma list to keep (NULL: all) */
	size_t max_coins;        /* coins tracked (512) */
	double high_dev_pct;     /* high_deviation_count_1h level (0.5) */
	double warn_dev_pct;     /* deviation run level (0.3) */
	struct k_rules_params rules; /* risk_score and risk_level */
};

struct k_hlfeat_params k_hlfeat_params_default(void);
const char *k_hlfeat_params_check(const struct k_hlfeat_params *p);

/* What happened to the records pushed, for the summary on stderr. */
struct k_hlfeat_stats {
	long records;            /* records pushed */
	long applied;            /* used by the features */
	long late;               /* older than the open bucket: dropped */
	long late_candles;       /* closed before the open bucket, within an
	                            interval of it: applied at its start */
	long duplicates;         /* same series and time as one applied */
	long out_of_order;       /* older than their series' newest */
	long other_vault;        /* hlp of another vault */
	long other_coin;         /* not in --coins, or past max_coins */
	long other_kind;         /* kinds not used */
	long labels;
	long rows;               /* rows written */
	long gap_rows;           /* empty buckets written across gaps */
	long skipped_rows;       /* empty buckets not written (long gaps) */
	long gaps;               /* gaps longer than max_gap */
};

/* Called with each row: compact JSON, no newline. */
typedef void (*k_hlfeat_emit_fn)(void *arg, const char *row, size_t len);

struct k_hlfeat;

/* K_OK, K_EUSAGE (err says which parameter) or K_ENOMEM. */
enum k_status k_hlfeat_alloc(struct k_hlfeat **out,
                             const struct k_hlfeat_params *p,
                             k_hlfeat_emit_fn emit, void *arg,
                             struct k_error *err);
void k_hlfeat_free(struct k_hlfeat *e);

/* What k_hlfeat_push did with a record (also counted in the stats). */
enum k_hlfeat_fate {
	K_HLF_QUEUED,            /* held for reordering or until its close */
	K_HLF_APPLIED, K_HLF_LATE, K_HLF_DUPLICATE, K_HLF_OUT_OF_ORDER,
	K_HLF_IGNORED,           /* another vault, coin or kind */
	K_HLF_LABEL,
	K_HLF_NOMEM
};

/*
 * Feed one record; rows whose bucket closes are emitted. The fate is
 * that of this record when it is applied at once, else K_HLF_QUEUED
 * (later fates only show in the stats).
 */
enum k_hlfeat_fate k_hlfeat_push(struct k_hlfeat *e,
                                 const struct k_hlfeat_rec *r);

/* End of input: apply what is queued and close the open bucket (its row
 * may be partial). */
void k_hlfeat_finish(struct k_hlfeat *e);

const struct k_hlfeat_stats *k_hlfeat_stats(const struct k_hlfeat *e);

/* The feature names in row order, and their count. */
const char *const *k_hlfeat_names(size_t *n);

#endif
