/*
 * test_graph.c - the igraph wrapper against networkx 2.8.8 (Debian's, run
 * once to get the values below) on a small weighted digraph with two
 * components, cycles and triangles; the pivot-sampled paths checked to
 * agree with the exact ones when every vertex is a pivot; parameters,
 * bad edges and the local-efficiency degree cap.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "k_graph.h"
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
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &e), K_OK);
	KT_EQ_INT(m.sampled_betweenness, 0);
	KT_EQ_INT(m.sampled_closeness, 0);
	KT_EQ_INT(m.npivot, 0);
	check_all(&m, "exact");
	k_graph_metrics_release(&m);

	/* every vertex a pivot: the sampled paths give the exact values */
	p.exact_max = 3;
	p.pivots = N;
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &e), K_OK);
	KT_EQ_INT(m.sampled_betweenness, 1);
	KT_EQ_INT(m.sampled_closeness, 1);   /* the 7-vertex component */
	KT_EQ_INT(m.npivot, N);
	check_all(&m, "all pivots");
	k_graph_metrics_release(&m);

	/* fewer pivots: an estimate, the same for the same seed */
	p.pivots = 4;
	struct k_graph_metrics m2;
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &e), K_OK);
	KT_EQ_INT(k_graph_metrics(g, &p, &m2, &e), K_OK);
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
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &e), K_OK);
	KT_CHECK(isnan(m.local_eff[1]));     /* degree 4 */
	KT_NEAR(m.local_eff[5], 1, 1e-12);   /* degree 2 */
	KT_NEAR(m.local_eff[7], 0, 0);       /* degree 1 */
	k_graph_metrics_release(&m);
	k_graph_free(g);

	/* no weights: all 1 */
	KT_EQ_INT(k_graph_alloc(&g, N, F, T, NULL, M, &e), K_OK);
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &e), K_OK);
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
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &e), K_EUSAGE);
	KT_CHECK(m.pagerank == NULL);
	k_graph_metrics_release(&m);
	k_graph_free(g);
	k_graph_free(NULL);

	/* one edge, two vertices: nothing degenerate becomes NaN */
	k_graph_params_default(&p);
	KT_EQ_INT(k_graph_alloc(&g, 2, a, c, NULL, 1, &e), K_OK);
	KT_EQ_INT(k_graph_metrics(g, &p, &m, &e), K_OK);
	for (int i = 0; i < 2; i++) {
		KT_CHECK(isfinite(m.pagerank[i]) && isfinite(m.betweenness[i]) &&
		         isfinite(m.closeness[i]) && isfinite(m.eigenvector[i]) &&
		         isfinite(m.clustering[i]) && isfinite(m.local_eff[i]));
	}
	KT_NEAR(m.closeness[0], 1, 0);
	k_graph_metrics_release(&m);
	k_graph_free(g);
}

int
main(void)
{
	test_exact();
	test_errors();
	KT_DONE();
}
