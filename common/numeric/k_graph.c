/*
 * k_graph.c - the igraph wrapper of k_graph.h. Every igraph quirk lives
 * here: the library is dlopen'ed on first use (linking libigraph costs
 * every run about 4 ms of dynamic loading - BLAS, ARPACK, GLPK, libxml2,
 * libstdc++ - which would break the 5 ms start-up budget of kfeatures even
 * for --help); the default error handler, which aborts, is replaced by one
 * that records the message and frees igraph's temporaries; the default RNG,
 * which seeds itself from time(0), is seeded from the caller's seed before
 * every call that might use it (ARPACK start vectors); OpenMP and a
 * threaded BLAS are held to one thread, so results repeat bit for bit; no
 * attribute table is ever installed, so igraph keeps no attributes.
 */
#include "numeric/k_graph.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <igraph/igraph.h>

#include "base/k_rng.h"
#include "base/k_time.h"

/* ---- the library, loaded once ---- */

#define FNS(X) \
	X(igraph_create) X(igraph_destroy) X(igraph_vector_init) \
	X(igraph_vector_destroy) X(igraph_vector_int_init) \
	X(igraph_vector_int_destroy) X(igraph_matrix_init) \
	X(igraph_matrix_destroy) X(igraph_vss_all) X(igraph_vss_vector) \
	X(igraph_pagerank) X(igraph_betweenness) X(igraph_betweenness_subset) \
	X(igraph_closeness) X(igraph_distances) \
	X(igraph_eigenvector_centrality) X(igraph_arpack_options_init) \
	X(igraph_transitivity_local_undirected) \
	X(igraph_adjacent_triangles) X(igraph_set_error_handler) \
	X(igraph_set_warning_handler) X(igraph_error_handler_ignore) \
	X(igraph_strerror) X(igraph_rng_default) X(igraph_rng_seed) \
	X(igraph_version)

#define DECL(f) static __typeof__(&f) p_##f;
FNS(DECL)
#undef DECL

static void *lib;
static char version[64] = "igraph " IGRAPH_VERSION " (loaded when needed)";
static char last_error[512];

/* igraph calls this instead of aborting: keep the message, then let
 * igraph's own "ignore" handler free its temporaries (its FINALLY stack). */
static void
on_error(const char *reason, const char *file, int line, igraph_error_t e)
{
	snprintf(last_error, sizeof last_error, "igraph: %s (%s)", reason,
	         p_igraph_strerror(e));
	p_igraph_error_handler_ignore(reason, file, line, e);
}

/* igraph's warnings, each with the step it came in, kept for the next
 * k_graph_metrics to return (k_graph prints nothing). */
static struct k_graph_notice notices[K_GRAPH_NOTICES];
static size_t nnotices;
static enum k_graph_step step_now;

static void
on_warning(const char *reason, const char *file, int line)
{
	(void)file;
	(void)line;
	if (nnotices < K_GRAPH_NOTICES) {
		notices[nnotices].step = step_now;
		snprintf(notices[nnotices].text, sizeof notices[nnotices].text,
		         "%s", reason);
	}
	nnotices++;
}

enum k_status
k_graph_load(struct k_error *err)
{
	static const char *const names[] = { "libigraph.so.3", "libigraph.so" };
	const char *why = "not found";

	if (lib != NULL)
		return K_OK;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++) {
		lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (lib == NULL)
			why = dlerror();
	}
	if (lib == NULL)
		return k_error_set(err, K_ECONFIG, "cannot load igraph (Debian "
		                   "package libigraph3): %s", why);
#define LOAD(f) \
	*(void **)&p_##f = dlsym(lib, #f); \
	if (p_##f == NULL) { \
		dlclose(lib); \
		lib = NULL; \
		return k_error_set(err, K_ECONFIG, "igraph lacks %s: version "\
		                   "0.10 or later is needed", #f); \
	}
	FNS(LOAD)
#undef LOAD
	/* igraph's PRPACK PageRank sums in OpenMP threads, in an order that
	 * varies from run to run (PageRank then differs in the 12th digit);
	 * one thread makes it reproducible. The same for a threaded BLAS. */
	void (*set_threads)(int);
	*(void **)&set_threads = dlsym(lib, "omp_set_num_threads");
	if (set_threads != NULL)
		set_threads(1);
	*(void **)&set_threads = dlsym(lib, "openblas_set_num_threads");
	if (set_threads != NULL)
		set_threads(1);
	p_igraph_set_error_handler(on_error);
	p_igraph_set_warning_handler(on_warning);
	const char *vs;
	p_igraph_version(&vs, NULL, NULL, NULL);
	snprintf(version, sizeof version, "igraph %s", vs);
	return K_OK;
}

const char *
k_graph_version(void)
{
	return version;
}

/* An igraph status as ours. */
static enum k_status
ig(igraph_error_t e, struct k_error *err, const char *what)
{
	if (e == IGRAPH_SUCCESS)
		return K_OK;
	if (e == IGRAPH_ENOMEM)
		return k_error_set(err, K_ENOMEM, "out of memory (%s)", what);
	return k_error_set(err, K_EINTERNAL, "%s: %s", what,
	                   last_error[0] ? last_error : p_igraph_strerror(e));
}

/* ---- parameters ---- */

void
k_graph_params_default(struct k_graph_params *p)
{
	p->exact_max = 5000;
	p->pivots = 256;
	p->damping = 0.85;
	p->le_max_degree = 1000;
	p->seed = 42;
}

const char *
k_graph_params_check(const struct k_graph_params *p)
{
	if (p->exact_max < 3)
		return "exact_max: must be at least 3";
	if (p->pivots < 2)
		return "pivots: must be at least 2";
	if (!(p->damping > 0 && p->damping < 1))
		return "damping: must be in (0, 1)";
	return NULL;
}

/* ---- the graph ---- */

struct k_graph {
	size_t n, m, mu;
	igraph_t dg;            /* directed, weighted by w */
	igraph_t ug;            /* undirected simple */
	igraph_vector_t w;
	uint32_t *comp;         /* undirected component of each vertex */
	uint32_t *udeg;         /* undirected degree of each vertex */
	uint32_t *uoff, *uadj;  /* undirected adjacency, sorted (CSR) */
	size_t *compsize;       /* by component id */
	size_t ncomp;
	int have_dg, have_ug, have_w;
};

static uint32_t
find(uint32_t *par, uint32_t x)
{
	while (par[x] != x) {
		par[x] = par[par[x]];
		x = par[x];
	}
	return x;
}

static int
pair_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return *x < *y ? -1 : *x > *y;
}

static enum k_status
check_edges(size_t n, const uint32_t *from, const uint32_t *to,
            const double *w, size_t m, struct k_error *err)
{
	for (size_t i = 0; i < m; i++) {
		if (from[i] >= n || to[i] >= n || from[i] == to[i])
			return k_error_set(err, K_EDATA, "edge %zu: %u -> %u is a "
			                   "loop or out of range", i, from[i], to[i]);
		if (w != NULL && !(w[i] > 0 && isfinite(w[i])))
			return k_error_set(err, K_EDATA, "edge %zu: weight must "
			                   "be positive", i);
	}
	return K_OK;
}

/* The igraph graph on nv vertices with the ne edges pairs[i] = from << 32
 * | to; directed or not. */
static enum k_status
make_igraph(igraph_t *out, size_t nv, const uint64_t *pairs, size_t ne,
            int directed, struct k_error *err)
{
	igraph_vector_int_t e;
	enum k_status st;

	if ((st = ig(p_igraph_vector_int_init(&e, (igraph_integer_t)(2 * ne)),
	             err, "graph")) != K_OK)
		return st;
	for (size_t i = 0; i < ne; i++) {
		uint64_t a = pairs[i] >> 32, b = pairs[i] & 0xffffffffu;
		VECTOR(e)[2 * i] = (igraph_integer_t)a;
		VECTOR(e)[2 * i + 1] = (igraph_integer_t)b;
	}
	st = ig(p_igraph_create(out, &e, (igraph_integer_t)nv, directed), err,
	        "graph");
	p_igraph_vector_int_destroy(&e);
	return st;
}

/* The directed graph, weighted by w (NULL: all 1). pairs has room for
 * the m edges. */
static enum k_status
make_directed(struct k_graph *g, const uint32_t *from, const uint32_t *to,
              const double *w, uint64_t *pairs, struct k_error *err)
{
	enum k_status st;

	for (size_t i = 0; i < g->m; i++)
		pairs[i] = (uint64_t)from[i] << 32 | to[i];
	if ((st = make_igraph(&g->dg, g->n, pairs, g->m, 1, err)) != K_OK)
		return st;
	g->have_dg = 1;
	if ((st = ig(p_igraph_vector_init(&g->w, (igraph_integer_t)g->m), err,
	             "graph")) != K_OK)
		return st;
	g->have_w = 1;
	for (size_t i = 0; i < g->m; i++)
		VECTOR(g->w)[i] = w != NULL ? w[i] : 1.0;
	return K_OK;
}

/* The undirected simple graph: each unordered pair once, left sorted
 * (low << 32 | high) in pairs[0..g->mu). */
static enum k_status
make_undirected(struct k_graph *g, const uint32_t *from, const uint32_t *to,
                uint64_t *pairs, struct k_error *err)
{
	enum k_status st;

	for (size_t i = 0; i < g->m; i++) {
		uint64_t a = from[i], b = to[i];
		pairs[i] = a < b ? (a << 32 | b) : (b << 32 | a);
	}
	qsort(pairs, g->m, sizeof *pairs, pair_cmp);
	size_t mu = 0;
	for (size_t i = 0; i < g->m; i++)
		if (mu == 0 || pairs[i] != pairs[mu - 1])
			pairs[mu++] = pairs[i];
	g->mu = mu;
	if ((st = make_igraph(&g->ug, g->n, pairs, mu, 0, err)) != K_OK)
		return st;
	g->have_ug = 1;
	return K_OK;
}

/* Undirected degrees and adjacency lists, each sorted, from the sorted
 * pairs. -1 when out of memory. */
static int
make_adjacency(struct k_graph *g, const uint64_t *pairs)
{
	size_t n = g->n, mu = g->mu;

	g->udeg = calloc(n ? n : 1, sizeof *g->udeg);
	g->uoff = malloc((n + 1) * sizeof *g->uoff);
	g->uadj = malloc((mu > 0 ? 2 * mu : 1) * sizeof *g->uadj);
	uint32_t *fill = calloc(n ? n : 1, sizeof *fill);
	if (g->udeg == NULL || g->uoff == NULL || g->uadj == NULL ||
	    fill == NULL) {
		free(fill);
		return -1;
	}
	for (size_t i = 0; i < mu; i++) {
		g->udeg[pairs[i] >> 32]++;
		g->udeg[pairs[i] & 0xffffffffu]++;
	}
	g->uoff[0] = 0;
	for (size_t i = 0; i < n; i++)
		g->uoff[i + 1] = g->uoff[i] + g->udeg[i];
	/* pairs are sorted by (low, high): neighbours below v first (from
	 * pairs (w, v), w < v, in order of w), then above (pairs (v, w) in
	 * order of w), keeps each list sorted */
	for (size_t i = 0; i < mu; i++) {
		uint32_t a = (uint32_t)(pairs[i] >> 32);
		uint32_t b = (uint32_t)(pairs[i] & 0xffffffffu);
		g->uadj[g->uoff[b] + fill[b]++] = a;
	}
	for (size_t i = 0; i < mu; i++) {
		uint32_t a = (uint32_t)(pairs[i] >> 32);
		uint32_t b = (uint32_t)(pairs[i] & 0xffffffffu);
		g->uadj[g->uoff[a] + fill[a]++] = b;
	}
	free(fill);
	return 0;
}

/* Undirected components, by union-find over the pairs, numbered in
 * order of their lowest vertex, and their sizes. -1 when out of
 * memory. */
static int
make_components(struct k_graph *g, const uint64_t *pairs)
{
	size_t n = g->n;
	uint32_t *par = malloc((n ? n : 1) * sizeof *par);

	g->comp = malloc((n ? n : 1) * sizeof *g->comp);
	g->compsize = calloc(n ? n : 1, sizeof *g->compsize);
	if (par == NULL || g->comp == NULL || g->compsize == NULL) {
		free(par);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		par[i] = (uint32_t)i;
	for (size_t i = 0; i < g->mu; i++) {
		uint32_t a = find(par, (uint32_t)(pairs[i] >> 32));
		uint32_t b = find(par, (uint32_t)(pairs[i] & 0xffffffffu));
		if (a != b)
			par[a < b ? b : a] = a < b ? a : b;
	}
	for (size_t i = 0; i < n; i++)
		g->comp[i] = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		uint32_t r = find(par, (uint32_t)i);
		if (g->comp[r] == UINT32_MAX)
			g->comp[r] = (uint32_t)g->ncomp++;
		g->comp[i] = g->comp[r];
		g->compsize[g->comp[i]]++;
	}
	free(par);
	return 0;
}

enum k_status
k_graph_alloc(struct k_graph **out, size_t n, const uint32_t *from,
              const uint32_t *to, const double *w, size_t m,
              struct k_error *err)
{
	enum k_status st;

	*out = NULL;
	if ((st = k_graph_load(err)) != K_OK ||
	    (st = check_edges(n, from, to, w, m, err)) != K_OK)
		return st;
	struct k_graph *g = calloc(1, sizeof *g);
	uint64_t *pairs = malloc((m ? m : 1) * sizeof *pairs);
	if (g == NULL || pairs == NULL) {
		st = k_error_set(err, K_ENOMEM, "out of memory");
		goto fail;
	}
	g->n = n;
	g->m = m;
	last_error[0] = '\0';
	if ((st = make_directed(g, from, to, w, pairs, err)) != K_OK ||
	    (st = make_undirected(g, from, to, pairs, err)) != K_OK)
		goto fail;
	if (make_adjacency(g, pairs) < 0 || make_components(g, pairs) < 0) {
		st = k_error_set(err, K_ENOMEM, "out of memory");
		goto fail;
	}
	free(pairs);
	*out = g;
	return K_OK;
fail:
	free(pairs);
	k_graph_free(g);
	return st;
}

void
k_graph_free(struct k_graph *g)
{
	if (g == NULL)
		return;
	if (g->have_dg)
		p_igraph_destroy(&g->dg);
	if (g->have_ug)
		p_igraph_destroy(&g->ug);
	if (g->have_w)
		p_igraph_vector_destroy(&g->w);
	free(g->comp);
	free(g->compsize);
	free(g->udeg);
	free(g->uoff);
	free(g->uadj);
	free(g);
}

size_t k_graph_vertices(const struct k_graph *g) { return g->n; }
size_t k_graph_edges(const struct k_graph *g) { return g->m; }
size_t k_graph_edges_undirected(const struct k_graph *g) { return g->mu; }

/* ---- metrics ---- */

void
k_graph_metrics_release(struct k_graph_metrics *m)
{
	free(m->pagerank);
	free(m->betweenness);
	free(m->closeness);
	free(m->eigenvector);
	free(m->clustering);
	free(m->local_eff);
	free(m->triangles);
	free(m->pivot);
	memset(m, 0, sizeof *m);
}

/* Copy an igraph vector of n into a new array. */
static double *
take(const igraph_vector_t *v, size_t n)
{
	double *a = malloc((n ? n : 1) * sizeof *a);
	if (a != NULL)
		for (size_t i = 0; i < n; i++)
			a[i] = VECTOR(*v)[i];
	return a;
}

static void
seed_igraph(const struct k_graph_params *p)
{
	p_igraph_rng_seed(p_igraph_rng_default(), (igraph_uint_t)p->seed);
}

/* Exact closeness of the nsmall vertices in components of at most
 * exact_max vertices (igraph_closeness over the undirected graph). */
static enum k_status
closeness_exact(struct k_graph *g, const struct k_graph_params *p,
                struct k_graph_metrics *m, size_t nsmall, struct k_error *err)
{
	igraph_vector_int_t ids;
	igraph_vector_t res;
	enum k_status st;

	if ((st = ig(p_igraph_vector_int_init(&ids, (igraph_integer_t)nsmall),
	             err, "closeness")) != K_OK)
		return st;
	size_t k = 0;
	for (size_t i = 0; i < g->n; i++)
		if (g->compsize[g->comp[i]] <= p->exact_max)
			VECTOR(ids)[k++] = (igraph_integer_t)i;
	st = ig(p_igraph_vector_init(&res, 0), err, "closeness");
	if (st != K_OK) {
		p_igraph_vector_int_destroy(&ids);
		return st;
	}
	if ((st = ig(p_igraph_closeness(&g->ug, &res, NULL, NULL,
	                                p_igraph_vss_vector(&ids), IGRAPH_ALL,
	                                NULL, 1), err, "closeness")) == K_OK)
		for (size_t j = 0; j < nsmall; j++) {
			double c = VECTOR(res)[j];
			m->closeness[VECTOR(ids)[j]] = isfinite(c) ? c : 0;
		}
	p_igraph_vector_destroy(&res);
	p_igraph_vector_int_destroy(&ids);
	return st;
}

/* The pivots already drawn in m->pivot, topped up to at least 8 in each
 * component over exact_max vertices (up to 100000 draws each). */
static enum k_status
top_up_pivots(struct k_graph *g, const struct k_graph_params *p,
              struct k_graph_metrics *m, struct k_rng *rng,
              struct k_error *err)
{
	uint32_t *cnt = calloc(g->ncomp, sizeof *cnt);
	enum k_status st = K_OK;

	if (cnt == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t j = 0; j < m->npivot; j++)
		cnt[g->comp[m->pivot[j]]]++;
	for (size_t c = 0; c < g->ncomp && st == K_OK; c++) {
		if (g->compsize[c] <= p->exact_max)
			continue;
		for (int tries = 0; cnt[c] < 8 && tries < 100000; tries++) {
			uint32_t v = (uint32_t)k_rng_below(rng, g->n);
			if (g->comp[v] != c)
				continue;
			int dup = 0;
			for (size_t j = 0; j < m->npivot; j++)
				dup |= m->pivot[j] == v;
			if (dup)
				continue;
			uint32_t *np = realloc(m->pivot, (m->npivot + 1) * sizeof *np);
			if (np == NULL) {
				st = k_error_set(err, K_ENOMEM, "out of memory");
				break;
			}
			m->pivot = np;
			m->pivot[m->npivot++] = v;
			cnt[c]++;
		}
	}
	free(cnt);
	return st;
}

/* Sum the distances from the pivots of big components to every vertex,
 * and count the pivots that reach it: 32 pivots a time. */
static enum k_status
pivot_distances(struct k_graph *g, const struct k_graph_params *p,
                const struct k_graph_metrics *m, double *sum, uint32_t *seen,
                struct k_error *err)
{
	const size_t chunk = 32;
	igraph_vector_int_t piv;
	igraph_matrix_t d;
	enum k_status st;

	if ((st = ig(p_igraph_matrix_init(&d, 0, 0), err, "closeness")) != K_OK)
		return st;
	for (size_t j0 = 0; j0 < m->npivot && st == K_OK; j0 += chunk) {
		size_t kk = m->npivot - j0 < chunk ? m->npivot - j0 : chunk;
		if ((st = ig(p_igraph_vector_int_init(&piv, (igraph_integer_t)kk),
		             err, "closeness")) != K_OK)
			break;
		for (size_t j = 0; j < kk; j++)
			VECTOR(piv)[j] = m->pivot[j0 + j];
		st = ig(p_igraph_distances(&g->ug, &d,
		                           p_igraph_vss_vector(&piv),
		                           p_igraph_vss_all(), IGRAPH_ALL),
		        err, "closeness");
		p_igraph_vector_int_destroy(&piv);
		for (size_t j = 0; j < kk && st == K_OK; j++) {
			uint32_t s = m->pivot[j0 + j];
			if (g->compsize[g->comp[s]] <= p->exact_max)
				continue;
			for (size_t v = 0; v < g->n; v++) {
				double dv = MATRIX(d, j, v);
				if (v == s || !isfinite(dv))
					continue;
				sum[v] += dv;
				seen[v]++;
			}
		}
	}
	p_igraph_matrix_destroy(&d);
	return st;
}

/* Closeness: exact for vertices in components of at most exact_max
 * vertices; 1 / mean distance from the component's pivots beyond. */
static enum k_status
closeness(struct k_graph *g, const struct k_graph_params *p,
          struct k_graph_metrics *m, struct k_rng *rng, struct k_error *err)
{
	size_t n = g->n;
	enum k_status st;

	m->closeness = malloc((n ? n : 1) * sizeof *m->closeness);
	if (m->closeness == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	size_t nsmall = 0;
	for (size_t i = 0; i < n; i++)
		nsmall += g->compsize[g->comp[i]] <= p->exact_max;
	if (nsmall > 0 && (st = closeness_exact(g, p, m, nsmall, err)) != K_OK)
		return st;
	if (nsmall == n)
		return K_OK;
	m->sampled_closeness = 1;
	if ((st = top_up_pivots(g, p, m, rng, err)) != K_OK)
		return st;
	double *sum = calloc(n, sizeof *sum);
	uint32_t *seen = calloc(n, sizeof *seen);
	if (sum == NULL || seen == NULL)
		st = k_error_set(err, K_ENOMEM, "out of memory");
	else
		st = pivot_distances(g, p, m, sum, seen, err);
	for (size_t v = 0; v < n && st == K_OK; v++)
		if (g->compsize[g->comp[v]] > p->exact_max)
			m->closeness[v] = seen[v] > 0 ? seen[v] / sum[v] : 0;
	free(sum);
	free(seen);
	return st;
}

/* 1 if w is a neighbour of u: binary search of u's sorted list. */
static int
adjacent(const struct k_graph *g, uint32_t u, uint32_t w)
{
	uint32_t lo = g->uoff[u], hi = g->uoff[u + 1];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->uadj[mid] < w)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->uoff[u + 1] && g->uadj[lo] == w;
}

/* local_efficiency's scratch, grown to the largest degree met. */
struct le_ws {
	uint32_t *loc;      /* per vertex: its index among v's neighbours */
	uint32_t *stamp;    /* per vertex: v + 1 while a neighbour of v */
	uint32_t *aoff, *dist, *queue;   /* per neighbour (ck) */
	size_t ck;
	uint32_t *arc;      /* the induced subgraph's arcs (carc) */
	size_t carc;
};

/* Room for k neighbours. -1 when out of memory. */
static int
le_reserve(struct le_ws *w, uint32_t k)
{
	if (k + 1 <= w->ck)
		return 0;
	free(w->aoff);
	free(w->dist);
	free(w->queue);
	w->ck = 2 * (size_t)k + 1;
	w->aoff = malloc((w->ck + 1) * sizeof *w->aoff);
	w->dist = malloc(w->ck * sizeof *w->dist);
	w->queue = malloc(w->ck * sizeof *w->queue);
	return w->aoff && w->dist && w->queue ? 0 : -1;
}

/* The arcs of the subgraph v's k neighbours induce, grouped by their
 * tail (aoff), testing each pair on the smaller side. -1 when out of
 * memory. */
static int
induced_arcs(const struct k_graph *g, uint32_t v, struct le_ws *w)
{
	uint32_t k = g->udeg[v];
	const uint32_t *nb = g->uadj + g->uoff[v];
	size_t na = 0;

	for (uint32_t i = 0; i < k; i++) {
		w->stamp[nb[i]] = v + 1;
		w->loc[nb[i]] = i;
	}
	for (uint32_t i = 0; i < k; i++) {
		uint32_t u = nb[i];
		uint32_t du = g->udeg[u];
		w->aoff[i] = (uint32_t)na;
		if (na + k > w->carc) {
			size_t nc = (na + k) * 2;
			uint32_t *nr = realloc(w->arc, nc * sizeof *nr);
			if (nr == NULL)
				return -1;
			w->arc = nr;
			w->carc = nc;
		}
		if (du <= k) {
			const uint32_t *nu = g->uadj + g->uoff[u];
			for (uint32_t j = 0; j < du; j++)
				if (w->stamp[nu[j]] == v + 1)
					w->arc[na++] = w->loc[nu[j]];
		} else {
			for (uint32_t j = 0; j < k; j++)
				if (j != i && adjacent(g, u, nb[j]))
					w->arc[na++] = j;
		}
	}
	w->aoff[k] = (uint32_t)na;
	return 0;
}

/* Sum of 1/d over the ordered pairs of the k vertices of the induced
 * subgraph, breadth-first from each. */
static double
inverse_distance_sum(struct le_ws *w, uint32_t k)
{
	double sum = 0;
	for (uint32_t s0 = 0; s0 < k; s0++) {
		for (uint32_t i = 0; i < k; i++)
			w->dist[i] = UINT32_MAX;
		size_t qh = 0, qt = 0;
		w->dist[s0] = 0;
		w->queue[qt++] = s0;
		while (qh < qt) {
			uint32_t x = w->queue[qh++];
			for (uint32_t e = w->aoff[x]; e < w->aoff[x + 1]; e++) {
				uint32_t y = w->arc[e];
				if (w->dist[y] == UINT32_MAX) {
					w->dist[y] = w->dist[x] + 1;
					sum += 1.0 / w->dist[y];
					w->queue[qt++] = y;
				}
			}
		}
	}
	return sum;
}

/*
 * Local efficiency as Latora and Marchiori define it (and networkx's
 * global_efficiency of the neighbours' induced subgraph): the mean of
 * 1/d(i,j) over ordered pairs of v's neighbours, distances taken inside
 * the subgraph the neighbours induce; 0 below two neighbours. Not
 * igraph_local_efficiency: that one removes v and measures distances
 * through the whole rest of the graph, a different quantity, and walks
 * every neighbour's whole adjacency in each search, which near exchange or
 * router hubs (10^5 neighbours) takes minutes per million transfers. Here
 * the induced subgraph is built first, testing each pair on the smaller
 * side (a scan of a short list, or a binary search in a long one), then
 * searched breadth-first.
 */
static enum k_status
local_efficiency(const struct k_graph *g, const struct k_graph_params *p,
                 double *out, struct k_error *err)
{
	size_t n = g->n;
	struct le_ws w = {
		.loc = malloc((n ? n : 1) * sizeof *w.loc),
		.stamp = calloc(n ? n : 1, sizeof *w.stamp),
	};
	enum k_status st = K_OK;

	if (w.loc == NULL || w.stamp == NULL)
		st = k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t v = 0; v < n && st == K_OK; v++) {
		uint32_t k = g->udeg[v];
		if (k > p->le_max_degree) {
			out[v] = NAN;
			continue;
		}
		if (k < 2) {
			out[v] = 0;
			continue;
		}
		if (le_reserve(&w, k) < 0 || induced_arcs(g, (uint32_t)v, &w) < 0) {
			st = k_error_set(err, K_ENOMEM, "out of memory");
			break;
		}
		out[v] = inverse_distance_sum(&w, k) /
		         ((double)k * (double)(k - 1));
	}
	free(w.loc);
	free(w.stamp);
	free(w.aoff);
	free(w.arc);
	free(w.dist);
	free(w.queue);
	return st;
}

/* One k_graph_metrics call: what its steps share. */
struct run {
	struct k_graph *g;
	const struct k_graph_params *p;
	struct k_graph_metrics *m;
	igraph_vector_t v;        /* igraph's result of a step */
	struct k_rng rng;         /* the pivots */
	struct k_error *err;
};

static enum k_status
oom(struct k_error *err)
{
	return k_error_set(err, K_ENOMEM, "out of memory");
}

/* Pivots beyond exact_max: distinct vertices, uniformly (partial
 * Fisher-Yates). */
static enum k_status
draw_pivots(struct run *r)
{
	size_t n = r->g->n;
	if (n <= r->p->exact_max)
		return K_OK;
	size_t k = r->p->pivots < n ? r->p->pivots : n;
	uint32_t *perm = malloc(n * sizeof *perm);
	r->m->pivot = malloc(k * sizeof *r->m->pivot);
	if (perm == NULL || r->m->pivot == NULL) {
		free(perm);
		return oom(r->err);
	}
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)k_rng_below(&r->rng, n - i);
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
		r->m->pivot[i] = perm[i];
	}
	r->m->npivot = k;
	free(perm);
	return K_OK;
}

static enum k_status
step_pagerank(struct run *r)
{
	igraph_real_t value;
	enum k_status st;

	seed_igraph(r->p);
	if ((st = ig(p_igraph_pagerank(&r->g->dg, IGRAPH_PAGERANK_ALGO_PRPACK,
	                               &r->v, &value, p_igraph_vss_all(), 1,
	                               r->p->damping, &r->g->w, NULL),
	             r->err, "pagerank")) != K_OK)
		return st;
	return (r->m->pagerank = take(&r->v, r->g->n)) ? K_OK : oom(r->err);
}

/* Exact up to exact_max vertices, else from the pivots; normalised. */
static enum k_status
step_betweenness(struct run *r)
{
	struct k_graph_metrics *m = r->m;
	size_t n = r->g->n;
	igraph_vector_int_t src;
	enum k_status st;

	if (n <= r->p->exact_max) {
		st = ig(p_igraph_betweenness(&r->g->dg, &r->v,
		                             p_igraph_vss_all(), 1, NULL),
		        r->err, "betweenness");
	} else {
		m->sampled_betweenness = 1;
		st = ig(p_igraph_vector_int_init(&src,
		                                 (igraph_integer_t)m->npivot),
		        r->err, "betweenness");
		if (st != K_OK)
			return st;
		for (size_t i = 0; i < m->npivot; i++)
			VECTOR(src)[i] = m->pivot[i];
		st = ig(p_igraph_betweenness_subset(&r->g->dg, &r->v,
		                                    p_igraph_vss_all(), 1,
		                                    p_igraph_vss_vector(&src),
		                                    p_igraph_vss_all(), NULL),
		        r->err, "betweenness");
		p_igraph_vector_int_destroy(&src);
	}
	if (st != K_OK)
		return st;
	if ((m->betweenness = take(&r->v, n)) == NULL)
		return oom(r->err);
	double scale = n > 2 ? 1.0 / ((double)(n - 1) * (double)(n - 2)) : 0;
	if (m->sampled_betweenness)
		scale *= (double)n / (double)m->npivot;
	for (size_t i = 0; i < n; i++)
		m->betweenness[i] *= scale;
	return K_OK;
}

static enum k_status
step_closeness(struct run *r)
{
	return closeness(r->g, r->p, r->m, &r->rng, r->err);
}

static enum k_status
step_eigenvector(struct run *r)
{
	igraph_arpack_options_t ao;
	igraph_real_t value;
	enum k_status st;

	seed_igraph(r->p);
	p_igraph_arpack_options_init(&ao);
	if ((st = ig(p_igraph_eigenvector_centrality(&r->g->ug, &r->v, &value,
	                                             0, 1, NULL, &ao),
	             r->err, "eigenvector centrality")) != K_OK)
		return st;
	return (r->m->eigenvector = take(&r->v, r->g->n)) ? K_OK : oom(r->err);
}

static enum k_status
step_clustering(struct run *r)
{
	enum k_status st;

	if ((st = ig(p_igraph_transitivity_local_undirected(&r->g->ug, &r->v,
	                 p_igraph_vss_all(), IGRAPH_TRANSITIVITY_ZERO),
	             r->err, "clustering")) != K_OK)
		return st;
	return (r->m->clustering = take(&r->v, r->g->n)) ? K_OK : oom(r->err);
}

static enum k_status
step_triangles(struct run *r)
{
	enum k_status st;

	if ((st = ig(p_igraph_adjacent_triangles(&r->g->ug, &r->v,
	                                         p_igraph_vss_all()),
	             r->err, "triangles")) != K_OK)
		return st;
	return (r->m->triangles = take(&r->v, r->g->n)) ? K_OK : oom(r->err);
}

/* Local efficiency, for vertices of bounded degree. */
static enum k_status
step_local_efficiency(struct run *r)
{
	size_t n = r->g->n;
	r->m->local_eff = malloc((n ? n : 1) * sizeof *r->m->local_eff);
	if (r->m->local_eff == NULL)
		return oom(r->err);
	return local_efficiency(r->g, r->p, r->m->local_eff, r->err);
}

static enum k_status (*const steps[K_GRAPH_NSTEPS])(struct run *) = {
	[K_GRAPH_PAGERANK] = step_pagerank,
	[K_GRAPH_BETWEENNESS] = step_betweenness,
	[K_GRAPH_CLOSENESS] = step_closeness,
	[K_GRAPH_EIGENVECTOR] = step_eigenvector,
	[K_GRAPH_CLUSTERING] = step_clustering,
	[K_GRAPH_TRIANGLES] = step_triangles,
	[K_GRAPH_LOCAL_EFFICIENCY] = step_local_efficiency,
};

static const char *const step_names[K_GRAPH_NSTEPS] = {
	"pagerank", "betweenness", "closeness", "eigenvector", "clustering",
	"triangles", "local efficiency",
};

const char *
k_graph_step_name(enum k_graph_step s)
{
	return (unsigned)s < K_GRAPH_NSTEPS ? step_names[s] : "?";
}

void
k_graph_timing_init(struct k_graph_timing *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < K_GRAPH_NSTEPS; i++)
		t->seconds[i] = NAN;
}

/* Every step in turn, timed (the first with the pivots). */
static enum k_status
run_steps(struct run *r, struct k_graph_timing *t)
{
	enum k_status st;
	double t0 = k_time_mono();

	if ((st = ig(p_igraph_vector_init(&r->v, 0), r->err, "graph")) != K_OK)
		return st;
	st = draw_pivots(r);
	for (size_t s = 0; s < K_GRAPH_NSTEPS && st == K_OK; s++) {
		step_now = (enum k_graph_step)s;
		if ((st = steps[s](r)) != K_OK)
			break;
		t->seconds[s] = k_time_mono() - t0;
		t0 = k_time_mono();
	}
	step_now = K_GRAPH_PAGERANK;
	p_igraph_vector_destroy(&r->v);
	if (st != K_OK)
		k_graph_metrics_release(r->m);
	return st;
}

enum k_status
k_graph_metrics(struct k_graph *g, const struct k_graph_params *p,
                struct k_graph_metrics *m, struct k_graph_timing *t,
                struct k_error *err)
{
	struct k_graph_timing ignored;
	struct run r = { .g = g, .p = p, .m = m, .err = err };
	enum k_status st;
	const char *bad;

	if (t == NULL)
		t = &ignored;
	k_graph_timing_init(t);
	memset(m, 0, sizeof *m);
	if ((bad = k_graph_params_check(p)) != NULL)
		st = k_error_set(err, K_EUSAGE, "%s", bad);
	else {
		last_error[0] = '\0';
		k_rng_seed(&r.rng, p->seed, 0x67726170);
		st = run_steps(&r, t);
	}
	/* igraph's warnings since the last call */
	t->nnotice = nnotices;
	memcpy(t->notice, notices, sizeof t->notice);
	nnotices = 0;
	return st;
}
