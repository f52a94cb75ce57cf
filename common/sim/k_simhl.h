/*
 * k_simhl.h - a labelled Hyperliquid market for measuring detection: N
 * days of raw hlp, price, candle, funding and liquidation records for a
 * few coins, with injected incidents of documented kinds (oracle
 * manipulation, liquidation cascade, HLP drawdown, wash-trade volume
 * spike) and their ground truth as label records. Seeded and
 * deterministic (k_rng only); written hour by hour, so memory does not
 * grow with the span. The generative assumptions are in k_simhl.c's
 * opening comment and in kfetch(1).
 */
#ifndef K_SIMHL_H
#define K_SIMHL_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

enum k_simhl_kind {
	K_SIMHL_ORACLE,      /* oracle_manipulation */
	K_SIMHL_CASCADE,     /* liquidation_cascade */
	K_SIMHL_DRAWDOWN,    /* hlp_drawdown */
	K_SIMHL_WASH,        /* wash_trading */
	K_SIMHL_NKINDS
};

extern const char *const k_simhl_kind_names[K_SIMHL_NKINDS];

#define K_SIMHL_MAX_COINS 16

struct k_simhl_params {
	double days;           /* simulated span, days (default 30; <= 400) */
	int64_t start_ms;      /* first instant, a whole hour (default
	                          2025-01-01T00:00:00Z) */
	uint64_t seed;         /* default 1 */
	const char *coins;     /* comma list (default "BTC,ETH,SOL") */
	int64_t step_ms;       /* price records per coin and venue, a divisor
	                          of a minute or whole minutes dividing an
	                          hour (default 60 s) */
	long incidents;        /* incidents to inject; -1: one per 4 days
	                          after the warm-up (default -1) */
	unsigned kinds;        /* bit (1 << kind) of kinds to draw from
	                          (default all) */
	double warmup_days;    /* no incident before (default min(7, days/4)) */
	double hlp_value;      /* HLP account value at start, USD (120e6) */
	int labels;            /* write label records first (default 1) */
};

void k_simhl_default(struct k_simhl_params *p);
/* NULL if p is usable, else a message naming the bad field. */
const char *k_simhl_check(const struct k_simhl_params *p);

/* One injected incident, as its label record says. */
struct k_simhl_incident {
	enum k_simhl_kind kind;
	int64_t start, end;    /* ms, [start, end) */
	char coin[16];
	double magnitude;      /* peak deviation %, price drop %, vault loss %,
	                          volume multiple */
};

struct k_simhl_stats {
	size_t records[5];     /* hlp, price, candle, funding, liquidation */
	size_t labels;
	size_t incidents[K_SIMHL_NKINDS];
};

/* Called with each record: compact JSON, no newline. Return nonzero to
 * stop (a closed pipe). */
typedef int (*k_simhl_emit_fn)(void *arg, const char *rec, size_t len);

/*
 * Simulate and emit: the label records first (unless labels is 0), then
 * every other record in time order. K_EUSAGE for bad params (the message
 * of _check), K_ENOMEM. stats may be NULL.
 */
enum k_status k_simhl_run(const struct k_simhl_params *p,
                          k_simhl_emit_fn emit, void *arg,
                          struct k_simhl_stats *stats, struct k_error *err);

/* The incident schedule run would inject (the same draws), for tests and
 * summaries: up to cap incidents into out, returns how many there are. */
size_t k_simhl_schedule(const struct k_simhl_params *p,
                        struct k_simhl_incident *out, size_t cap);

/* Index of a kind name ("oracle_manipulation", ...), or -1. */
int k_simhl_kind_index(const char *name);

#endif
