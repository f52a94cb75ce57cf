/*
 * k_graph.h - transaction-graph metrics over igraph, with our names and
 * status codes. igraph's quirks stay in k_graph.c: it is loaded on first
 * use (dlopen), so programs that link this library do not pay its start-up
 * cost; its error handler (abort by default) is replaced; its RNG (seeded
 * from the clock unless told otherwise) is seeded from ours.
 */
#ifndef K_GRAPH_H
#define K_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"

struct k_graph_params {
	size_t exact_max;     /* betweenness and closeness are exact up to this
	                       * many vertices, sampled beyond (default 5000) */
	size_t pivots;        /* sources sampled beyond exact_max (default 256) */
	double damping;       /* PageRank damping factor (default 0.85) */
	size_t le_max_degree; /* local efficiency only for vertices of at most
	                       * this undirected degree, NAN above (default
	                       * 1000): it costs degree^2 per vertex */
	uint64_t seed;        /* pivots and igraph's RNG (default 42) */
};

void k_graph_params_default(struct k_graph_params *p);
/* NULL if usable, else a message naming the field. */
const char *k_graph_params_check(const struct k_graph_params *p);

/* Load igraph if not loaded yet. K_OK, or K_ECONFIG when the library
 * cannot be found or lacks a function (err says which). */
enum k_status k_graph_load(struct k_error *err);
/* "igraph 0.10.2" once loaded (the library's own version), else
 * "igraph 0.10.2 (loaded when needed)" (the headers'). */
const char *k_graph_version(void);

struct k_graph;

/*
 * A directed graph on vertices 0..n-1 from m edges from[i] -> to[i] with
 * weights w[i] > 0 (w may be NULL: all 1). Edges must be distinct and not
 * loops (the caller aggregates parallel transfers into one weighted edge).
 * The undirected simple graph (a-b once, whatever the directions) is
 * built alongside. Copies what it needs. K_EDATA for a bad edge,
 * K_ENOMEM, K_ECONFIG if igraph cannot be loaded.
 */
enum k_status k_graph_alloc(struct k_graph **g, size_t n,
                            const uint32_t *from, const uint32_t *to,
                            const double *w, size_t m, struct k_error *err);
void k_graph_free(struct k_graph *g);
size_t k_graph_vertices(const struct k_graph *g);
size_t k_graph_edges(const struct k_graph *g);          /* directed */
size_t k_graph_edges_undirected(const struct k_graph *g);

/* Per-vertex metrics, arrays of n owned by the struct (k_graph_metrics_
 * release). Definitions, chosen to match networkx where one exists: */
struct k_graph_metrics {
	double *pagerank;     /* directed, edge weights, damping d; dangling
	                       * vertices jump uniformly (networkx.pagerank) */
	double *betweenness;  /* directed, unweighted, normalised by
	                       * (n-1)(n-2) (networkx.betweenness_centrality);
	                       * beyond exact_max: the Brandes-Pich estimate
	                       * from `pivots` uniform sources scaled by n/k */
	double *closeness;    /* undirected, unweighted, over the vertex's
	                       * component: (r-1) / sum of distances
	                       * (networkx.closeness_centrality with
	                       * wf_improved=False); beyond exact_max in a
	                       * component, 1 / mean distance from the pivots
	                       * in that component */
	double *eigenvector;  /* undirected, unweighted, scaled to max 1
	                       * (networkx.eigenvector_centrality_numpy
	                       * rescaled) */
	double *clustering;   /* undirected local clustering; 0 below degree 2
	                       * (networkx.clustering) */
	double *local_eff;    /* undirected local efficiency (Latora and
	                       * Marchiori): the global efficiency of the
	                       * neighbours' induced subgraph (networkx.
	                       * global_efficiency(G.subgraph(G[v]))); NAN
	                       * above le_max_degree. Computed here, not by
	                       * igraph, whose local efficiency is another
	                       * quantity (see k_graph.c) */
	double *triangles;    /* undirected triangles through the vertex
	                       * (networkx.triangles) */
	int sampled_betweenness; /* 1 if estimated from pivots */
	int sampled_closeness;   /* 1 if any component used pivots */
	uint32_t *pivot;      /* the pivot vertices used (npivot) */
	size_t npivot;
};

/* The steps of k_graph_metrics, in the order it takes them. */
enum k_graph_step {
	K_GRAPH_PAGERANK, K_GRAPH_BETWEENNESS, K_GRAPH_CLOSENESS,
	K_GRAPH_EIGENVECTOR, K_GRAPH_CLUSTERING, K_GRAPH_TRIANGLES,
	K_GRAPH_LOCAL_EFFICIENCY,
	K_GRAPH_NSTEPS
};

/* A step's name for messages: "pagerank", "betweenness", "closeness",
 * "eigenvector", "clustering", "triangles", "local efficiency". */
const char *k_graph_step_name(enum k_graph_step s);

#define K_GRAPH_NOTICES 16   /* igraph warnings a k_graph_timing keeps */

/* A warning igraph gave, in its words, and the step it came in. */
struct k_graph_notice {
	enum k_graph_step step;
	char text[240];
};

/*
 * What a k_graph_metrics call took, for the caller to report (k_graph
 * prints nothing): the seconds each step took (wall clock; the first
 * includes drawing the pivots), NAN for the steps not done, as after a
 * failure; and igraph's warnings since the previous call, in the order
 * given, the first K_GRAPH_NOTICES kept (nnotice counts them all).
 */
struct k_graph_timing {
	double seconds[K_GRAPH_NSTEPS];
	size_t nnotice;
	struct k_graph_notice notice[K_GRAPH_NOTICES];
};

/* No step done, no notice. */
void k_graph_timing_init(struct k_graph_timing *t);

/* Compute every metric. K_OK, K_EUSAGE (p fails k_graph_params_check),
 * K_ENOMEM, K_EINTERNAL (igraph failed; the message is igraph's). m is
 * filled even on failure with NULL arrays, so k_graph_metrics_release is
 * always safe. t (NULL: not wanted) is filled on success and failure
 * alike. Not for concurrent calls: igraph's warnings are gathered in one
 * place. */
enum k_status k_graph_metrics(struct k_graph *g,
                              const struct k_graph_params *p,
                              struct k_graph_metrics *m,
                              struct k_graph_timing *t,
                              struct k_error *err);
void k_graph_metrics_release(struct k_graph_metrics *m);

#endif
