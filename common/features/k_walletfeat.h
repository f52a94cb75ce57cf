/*
 * k_walletfeat.h - wallet behaviour and transaction-graph features: one
 * row per address over a window of tx history, in the wallet-risk seed's
 * categories (activity, transaction characteristics, protocol usage,
 * portfolio, behaviour), graph metrics over igraph (k_graph) and
 * suspicious-pattern features (fast forwarding, returning cycles, mixers
 * and listed addresses, fresh-account funding). Every feature is named
 * and documented in k_walletfeat_features[]; kfeatures(1) prints it.
 */
#ifndef K_WALLETFEAT_H
#define K_WALLETFEAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/k_buf.h"
#include "base/k_status.h"
#include "numeric/k_graph.h"
#include "records/k_tx.h"

/* A feature: name, group, unit, definition, and when it is null. */
struct k_wf_feature {
	const char *name;
	const char *group;
	const char *unit;
	const char *definition;
	const char *missing;
};

extern const struct k_wf_feature k_walletfeat_features[];
extern const size_t k_walletfeat_nfeatures;

/* Which addresses get a row. */
enum k_wf_entities {
	K_WF_SENDERS,  /* sent at least one transaction in the window */
	K_WF_ALL,      /* appear in any record of the window */
	K_WF_LISTED,   /* only those given to k_walletfeat_select */
};

#define K_WF_AS_OF_LAST INT64_MIN
/* A tx record later than this past the machine's clock is refused by
 * kfeatures wallet: a day covers clocks and time zones set wrong. */
#define K_WF_FUTURE_MARGIN_MS (INT64_C(24) * 3600 * 1000)

struct k_walletfeat_params {
	double window_days;     /* history before as_of that rows use
	                         * (default 30; 0: all of it) */
	int64_t as_of;          /* end of the window, ms (default
	                         * K_WF_AS_OF_LAST: the newest tx) */
	double forward_minutes; /* horizon of "forwarded" (default 10) */
	double cycle_hours;     /* a cycle must return within (default 24) */
	unsigned cycle_hops;    /* longest cycle, 2..6 (default 5) */
	size_t cycle_budget;    /* transfers explored per address
	                         * (default 20000) */
	size_t hub_transfers;   /* cycles do not pass through addresses with
	                         * more outgoing transfers in the window
	                         * (default 1000) */
	double fresh_hours;     /* an address is fresh this long after it is
	                         * first seen (default 24) */
	double dust_eth;        /* inflows below are dust (default 1e-4) */
	int graph;              /* compute graph features (default 1) */
	struct k_graph_params gp;
	enum k_wf_entities entities; /* default K_WF_SENDERS */
	int threads;            /* workers for the rows (default 1) */
	int ids;                /* entities are opaque ids in address form
	                         * (k_tx_id_addr): rows name them by the id
	                         * (default 0) */
};

void k_walletfeat_default(struct k_walletfeat_params *p);
/* NULL if usable, else a message naming the field. */
const char *k_walletfeat_check(const struct k_walletfeat_params *p);

struct k_walletfeat;

/* NULL when out of memory. p is copied. */
struct k_walletfeat *k_walletfeat_alloc(const struct k_walletfeat_params *p);
void k_walletfeat_free(struct k_walletfeat *wf);

/*
 * Load an address list (data/labels/addresses.csv): lines
 * "address,category,name,source", '#' comments, a header line; categories
 * mixer, sanctioned, flagged, exchange, defi, stablecoin (others are
 * ignored). Without any list, the features that need one are null.
 * K_ENOINPUT if path cannot be read, K_EDATA naming the line.
 */
enum k_status k_walletfeat_labels(struct k_walletfeat *wf, const char *path,
                                  struct k_error *err);

/* Ask for a row for addr (any case). K_EDATA if malformed. */
enum k_status k_walletfeat_select(struct k_walletfeat *wf, const char *addr,
                                  struct k_error *err);

/* Add one tx record (copied). A record equal to one already added (same
 * hash, transfer, log index or trace, from, to, value and token) is
 * dropped and counted as a duplicate. K_OK or K_ENOMEM. */
enum k_status k_walletfeat_add_tx(struct k_walletfeat *wf,
                                  const struct k_tx *t);

/* A market record: gas in gwei and ETH in USD, NAN if not given. */
enum k_status k_walletfeat_add_market(struct k_walletfeat *wf, int64_t ts,
                                      double gas_gwei, double eth_usd);

/* A ground-truth label record for an address (archetype and pattern may
 * be NULL, malicious -1 if not given); the row carries it. The last one
 * for an address wins. */
enum k_status k_walletfeat_add_label(struct k_walletfeat *wf,
                                     const char *addr, const char *archetype,
                                     int malicious, const char *pattern,
                                     struct k_error *err);

/* Compute every row. K_OK, K_ENOMEM, K_ECONFIG (igraph missing),
 * K_EINTERNAL (igraph failed). With no tx at all there are no rows.
 * The stats' graph_timing says what the graph metrics took, after a
 * failure too. */
enum k_status k_walletfeat_compute(struct k_walletfeat *wf,
                                   struct k_error *err);

size_t k_walletfeat_rows(const struct k_walletfeat *wf);
/* Append row i as one feature record (no newline) to b. */
void k_walletfeat_write_row(const struct k_walletfeat *wf, size_t i,
                            struct k_buf *b);
/* Row i's entity and the value of feature f (NAN for null). */
const char *k_walletfeat_row_entity(const struct k_walletfeat *wf, size_t i,
                                    char *buf);
double k_walletfeat_value(const struct k_walletfeat *wf, size_t i, size_t f);
/* Index of a feature by name, or -1. */
int k_walletfeat_index(const char *name);

struct k_walletfeat_stats {
	size_t tx;            /* records added (after duplicates) */
	size_t duplicates;    /* dropped as duplicates */
	size_t self;          /* self-transfers */
	size_t failed;        /* records with success false */
	size_t creations;     /* contract creations */
	size_t in_window;     /* records inside the window */
	size_t after_as_of;   /* ignored: after as_of */
	size_t addresses;     /* distinct addresses */
	size_t rows;
	size_t vertices, edges;  /* the window's transfer graph */
	int sampled;          /* graph metrics estimated from pivots */
	int labelled;         /* an address list was loaded */
	int64_t as_of, start; /* the window; start INT64_MIN for all */
	/* as_of defaulted to the newest record, and that record lies far
	 * past the bulk of the data: more than the window (30 days when it
	 * is all history) after bulk_end, the time 99% of the records are
	 * at or before. One mistimed record then hides every other wallet,
	 * so the program warns. */
	int as_of_far;
	int64_t bulk_end;
	double seconds_graph, seconds_rows;
	struct k_graph_timing graph_timing; /* the graph metrics' steps and
	                                     * igraph's warnings (no step
	                                     * done with --no-graph or no
	                                     * edges) */
};

void k_walletfeat_stats(const struct k_walletfeat *wf,
                        struct k_walletfeat_stats *st);

/* Write the window's transfer graph for other tools: "v INDEX ADDRESS",
 * "e FROM TO TRANSFERS ETH", then "p VERTEX" for each pivot used, tab
 * separated, after one '#' comment line. After compute. K_EIO. */
enum k_status k_walletfeat_dump_graph(const struct k_walletfeat *wf, FILE *f,
                                      struct k_error *err);

#endif
