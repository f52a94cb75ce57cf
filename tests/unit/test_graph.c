/*
 * test_graph.c - the igraph wrapper against networkx 2.8.8 (Debian's, run
 * once to get the values below) on a small weighted digraph with two
 * components, cycles and triangles; the pivot-sampled paths checked to
 * agree with the exact ones when every vertex is a pivot; parameters,
 * bad edges, the local-efficiency degree cap and the timing returned.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_rng.h"
#include "numeric/k_graph.h"
#include "ktest.h"

/* networkx: pagerank(G, weight="weight"), betweenness_centrality(G),
 * closeness_centrality(U, wf_improved=False), eigenvector_centrality_numpy
 * (U) / max, clustering(U), triangles(U), global_efficiency(U[v]) */
static const uint32_t F[] = { 0, 1, 2, 2, 3, 4, 5, 1, 6, 6, 7, 8, 4 };
static const uint32_t T[] = { 1, 2, 0, 3, 4, 5, 3, 3, 0, 1, 8, 7, 2 };
static const double W[] = { 3, 1, 2, 1, 5, 1, 1, 2, 1, 1, 1, 2, 1 };
#define N 9
#define M 13
static const double PR[N] = { 0.0913246656218933, 0.101375965778601,
	0.119249409920967, 0.184847666759975, 0.173787183412644,
	0.090526219617031, 0.0166666666666667, 0.111111111111111,
	0.111111111111111 };
static const double BT[N] = { 0.0714285714285714, 0.142857142857143,
	0.133928571428571, 0.214285714285714, 0.196428571428571,
	0.00892857142857143, 0, 0, 0 };
static const double CL[N] = { 0.6, 0.75, 0.75, 0.75, 0.6, 0.5, 0.5, 1, 1 };
static const double EV[N] = { 0.72968147069691, 0.947246422018505, 1,
	0.947246422018505, 0.72968147069691, 0.5, 0.5, 0, 0 };
static const double CC[N] = { 0.666666666666667, 0.5, 0.5, 0.5,
	0.666666666666667, 1, 1, 0, 0 };
static const double TR[N] = { 2, 3, 3, 3, 2, 1, 1, 0, 0 };
static const double LE[N] = { 0.833333333333333, 0.722222222222222,
	0.722222222222222, 0.722222222222222, 0.833333333333333, 1, 1, 0, 0 };

static void
check_all(const struct k_graph_metrics *m, const char *what)
{
	for (int i = 0; i < N; i++) {
		KT_NEAR(m->pagerank[i], PR[i], 1e-9);
		KT_NEAR(m->betweenness[i], BT[i], 1e-12);
		KT_NEAR(m->closeness[i], CL[i], 1e-12);
		KT_NEAR(m->eigenvector[i], EV[i], 1e-9);
		KT_NEAR(m->clustering[i], CC[i], 1e-12);
		KT_NEAR(m->triangles[i], TR[i], 0);
		KT_NEAR(m->local_eff[i], LE[i], 1e-12);
	}
	if (ktest_failures)
		fprintf(stderr, "  (in %s)\n", what);
}

static void
test_exact(void)
{
	struct k_graph *g;
	struct k_graph_params p;
	struct k_graph_metrics m;
	struct k_error e;

	KT_EQ_INT(k_graph_load(&e), K_OK);
	KT_CHECK(strncmp(k_graph_version(), "igraph 0.", 9) == 0);
	KT_EQ_INT(k_graph_alloc(&g, N, F, T, W, M, &e), K_OK);
	KT_EQ_INT(k_graph_vertices(g), N);
	KT_EQ_INT(k_graph_edges(g), M);
	KT_EQ_INT(k_graph_edges_undirected(g), 12); /* 7-8 and 8-7 are one */
	k_graph_params_default(&p);
	KT_EQ_INT(k_graph_metrics(g, &p, &m, NULL, &e), K_OK);
	KT_EQ_INT(m.sampled_betweenness, 0);
	KT_EQ_INT(m.sampled_closeness, 0);
	KT_EQ_INT(m.npivot, 0);
	check_all(&m, "exact");
	k_graph_metrics_release(&m);

	/* every vertex a pivot: the sampled paths give the exact values */
	p.exact_max = 3;
	p.pivots = N;
	KT_EQ_INT(k_graph_metrics(g, &p, &m, NULL, &e), K_OK);
	KT_EQ_INT(m.sampled_betweenness, 1);
	KT_EQ_INT(m.sampled_closeness, 1);   /* the 7-vertex component */
	KT_EQ_INT(m.npivot, N);
	check_all(&m, "all pivots");
	k_graph_metrics_release(&m);

	/* fewer pivots: an estimate, the same for the same seed */
	p.pivots = 4;
	struct k_graph_metrics m2;
	KT_EQ_INT(k_graph_metrics(g, &p, &m, NULL, &e), K_OK);
	KT_EQ_INT(k_graph_metrics(g, &p, &m2, NULL, &e), K_OK);
	KT_CHECK(m.npivot >= 4);
	for (int i = 0; i < N; i++) {
		KT_CHECK(m.betweenness[i] == m2.betweenness[i]);
		KT_CHECK(m.closeness[i] == m2.closeness[i]);
		KT_CHECK(m.betweenness[i] >= 0 && isfinite(m.betweenness[i]));
		KT_CHECK(m.closeness[i] > 0 && m.closeness[i] <= 1);
	}
	/* the small component is still exact */
	KT_NEAR(m.closeness[7], 1, 0);
	k_graph_metrics_release(&m);
	k_graph_metrics_release(&m2);

	/* local efficiency only up to a degree */
	k_graph_params_default(&p);
	p.le_max_degree = 2;
	KT_EQ_INT(k_graph_metrics(g, &p, &m, NULL, &e), K_OK);
	KT_CHECK(isnan(m.local_eff[1]));     /* degree 4 */
	KT_NEAR(m.local_eff[5], 1, 1e-12);   /* degree 2 */
	KT_NEAR(m.local_eff[7], 0, 0);       /* degree 1 */
	k_graph_metrics_release(&m);
	k_graph_free(g);

	/* no weights: all 1 */
	KT_EQ_INT(k_graph_alloc(&g, N, F, T, NULL, M, &e), K_OK);
	KT_EQ_INT(k_graph_metrics(g, &p, &m, NULL, &e), K_OK);
	double s = 0;
	for (int i = 0; i < N; i++)
		s += m.pagerank[i];
	KT_NEAR(s, 1, 1e-12);
	KT_NEAR(m.betweenness[3], BT[3], 1e-12);  /* unweighted anyway */
	k_graph_metrics_release(&m);
	k_graph_free(g);
}

static void
test_errors(void)
{
	struct k_graph *g = (struct k_graph *)&g;
	struct k_graph_params p;
	struct k_graph_metrics m;
	struct k_error e;
	const uint32_t a[] = { 0, 1 }, b[] = { 1, 1 }, c[] = { 1, 5 };
	const double w0[] = { 1, 0 }, wn[] = { 1, NAN };

	KT_EQ_INT(k_graph_alloc(&g, 3, a, b, NULL, 2, &e), K_EDATA);
	KT_CHECK(g == NULL);
	KT_CHECK(strstr(e.text, "edge 1") != NULL);
	KT_EQ_INT(k_graph_alloc(&g, 3, a, c, NULL, 2, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "out of range") != NULL);
	KT_EQ_INT(k_graph_alloc(&g, 3, a, c, w0, 1, &e), K_OK);
	k_graph_free(g);
	KT_EQ_INT(k_graph_alloc(&g, 6, a, c, w0, 2, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "weight") != NULL);
	KT_EQ_INT(k_graph_alloc(&g, 6, a, c, wn, 2, &e), K_EDATA);

	k_graph_params_default(&p);
	KT_CHECK(k_graph_params_check(&p) == NULL);
	p.damping = 1;
	KT_CHECK(strstr(k_graph_params_check(&p), "damping") != NULL);
	k_graph_params_default(&p);
	p.pivots = 1;
	KT_CHECK(strstr(k_graph_params_check(&p), "pivots") != NULL);
	KT_EQ_INT(k_graph_alloc(&g, 2, a, c, NULL, 1, &e), K_OK);
	KT_EQ_INT(k_graph_metrics(g, &p, &m, NULL, &e), K_EUSAGE);
	KT_CHECK(m.pagerank == NULL);
	k_graph_metrics_release(&m);
	k_graph_free(g);
	k_graph_free(NULL);

	/* one edge, two vertices: nothing degenerate becomes NaN */
	k_graph_params_default(&p);
	KT_EQ_INT(k_graph_alloc(&g, 2, a, c, NULL, 1, &e), K_OK);
	KT_EQ_INT(k_graph_metrics(g, &p, &m, NULL, &e), K_OK);
	for (int i = 0; i < 2; i++) {
		KT_CHECK(isfinite(m.pagerank[i]) && isfinite(m.betweenness[i]) &&
		         isfinite(m.closeness[i]) && isfinite(m.eigenvector[i]) &&
		         isfinite(m.clustering[i]) && isfinite(m.local_eff[i]));
	}
	KT_NEAR(m.closeness[0], 1, 0);
	k_graph_metrics_release(&m);
	k_graph_free(g);
}

/* Brute force: the induced subgraph's efficiency from an adjacency
 * matrix and Floyd-Warshall. */
static double
brute_le(const unsigned char *adj, size_t n, size_t v)
{
	size_t nb[400], k = 0;
	for (size_t u = 0; u < n; u++)
		if (adj[v * n + u])
			nb[k++] = u;
	if (k < 2)
		return 0;
	double *d = malloc(k * k * sizeof *d);
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < k; j++)
			d[i * k + j] = i == j ? 0 : adj[nb[i] * n + nb[j]] ? 1 : INFINITY;
	for (size_t h = 0; h < k; h++)
		for (size_t i = 0; i < k; i++)
			for (size_t j = 0; j < k; j++)
				if (d[i * k + h] + d[h * k + j] < d[i * k + j])
					d[i * k + j] = d[i * k + h] + d[h * k + j];
	double s = 0;
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < k; j++)
			if (i != j && isfinite(d[i * k + j]))
				s += 1 / d[i * k + j];
	free(d);
	return s / ((double)k * (double)(k - 1));
}

/* Local efficiency on random graphs with hubs (both the short-list scan
 * and the binary-search paths) against brute force; the degree cap. */
static void
test_local_efficiency(void)
{
	struct k_rng r;
	k_rng_seed(&r, 99, 0);
	for (int round = 0; round < 4; round++) {
		size_t n = 60 + 40 * (size_t)round, m = 0;
		uint32_t *f = malloc(8 * n * sizeof *f), *t = malloc(8 * n * sizeof *t);
		unsigned char *seen = calloc(n * n, 1), *adj = calloc(n * n, 1);
		for (size_t e = 0; e < 6 * n; e++) {
			/* a third of the edges touch one of two hubs */
			uint32_t a = (uint32_t)k_rng_below(&r, n);
			uint32_t b = e % 3 == 0 ? (uint32_t)k_rng_below(&r, 2)
			                        : (uint32_t)k_rng_below(&r, n);
			if (a == b || seen[a * n + b])
				continue;
			seen[a * n + b] = 1;
			adj[a * n + b] = adj[b * n + a] = 1;
			f[m] = a;
			t[m++] = b;
		}
		struct k_graph *g;
		struct k_graph_params p;
		struct k_graph_metrics mine;
		struct k_error e;
		KT_EQ_INT(k_graph_alloc(&g, n, f, t, NULL, m, &e), K_OK);
		k_graph_params_default(&p);
		p.le_max_degree = round == 3 ? 12 : 1000;
		KT_EQ_INT(k_graph_metrics(g, &p, &mine, NULL, &e), K_OK);
		int bad = 0, capped = 0;
		for (size_t i = 0; i < n; i++) {
			double x = mine.local_eff[i];
			size_t deg = 0;
			for (size_t u = 0; u < n; u++)
				deg += adj[i * n + u];
			if (deg > p.le_max_degree) {
				capped++;
				bad += !isnan(x);
				continue;
			}
			double y = brute_le(adj, n, i);
			if (!(fabs(x - y) <= 1e-12)) {
				if (bad < 3)
					fprintf(stderr, "v %zu: %.17g vs %.17g\n", i, x, y);
				bad++;
			}
		}
		KT_EQ_INT(bad, 0);
		if (round == 3)
			KT_CHECK(capped > 0);
		k_graph_metrics_release(&mine);
		k_graph_free(g);
		free(f);
		free(t);
		free(seen);
		free(adj);
	}
}

/* The timing k_graph_metrics returns: every step on success, none when
 * the parameters are refused; the steps' names for messages. */
static void
test_timing(void)
{
	struct k_graph *g;
	struct k_graph_params p;
	struct k_graph_metrics m;
	struct k_graph_timing t;
	struct k_error e;

	KT_EQ_INT(k_graph_alloc(&g, N, F, T, W, M, &e), K_OK);
	k_graph_params_default(&p);
	t.seconds[K_GRAPH_CLOSENESS] = -1;
	t.nnotice = 99;
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &t, &e), K_OK);
	for (int s = 0; s < K_GRAPH_NSTEPS; s++)
		KT_CHECK(t.seconds[s] >= 0 && t.seconds[s] < 60);
	KT_EQ_INT(t.nnotice, 0);   /* igraph had nothing to say */
	check_all(&m, "timed");
	k_graph_metrics_release(&m);

	p.damping = 2;
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &t, &e), K_EUSAGE);
	for (int s = 0; s < K_GRAPH_NSTEPS; s++)
		KT_CHECK(isnan(t.seconds[s]));
	k_graph_metrics_release(&m);
	k_graph_free(g);

	k_graph_timing_init(&t);
	KT_CHECK(isnan(t.seconds[0]) && t.nnotice == 0);
	KT_EQ_STR(k_graph_step_name(K_GRAPH_PAGERANK), "pagerank");
	KT_EQ_STR(k_graph_step_name(K_GRAPH_LOCAL_EFFICIENCY),
	          "local efficiency");
	KT_EQ_STR(k_graph_step_name(K_GRAPH_NSTEPS), "?");
}

int
main(void)
{
	test_exact();
	test_local_efficiency();
	test_errors();
	test_timing();
	KT_DONE();
}
