/*
 * k_iforest.c - Isolation Forest growth, scoring, attribution and the
 * payload codec (see k_iforest.h).
 */
#include "numeric/k_iforest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EULER_GAMMA 0.57721566490153286061
#define LEAF_TAG 0xffffu
#define DECODE_MAX_DEPTH 64

struct k_iforest_params
k_iforest_params_default(void)
{
	struct k_iforest_params p = {
		.trees = 100,
		.max_samples = 256,
		.contamination = 0.05,
		.seed = 42,
	};
	return p;
}

const char *
k_iforest_params_check(const struct k_iforest_params *p)
{
	if (p->trees < 1 || p->trees > K_IFOREST_MAX_TREES)
		return "trees must be between 1 and 100000";
	if (p->max_samples < 2 || p->max_samples > K_IFOREST_MAX_PSI)
		return "max-samples must be between 2 and 16777216";
	if (!(p->contamination >= 0 && p->contamination <= 0.5))
		return "contamination must be 'auto' or in (0, 0.5]";
	return NULL;
}

double
k_iforest_c(double n)
{
	if (n <= 1)
		return 0;
	if (n <= 2)
		return 1;
	return 2.0 * (log(n - 1.0) + EULER_GAMMA) - 2.0 * (n - 1.0) / n;
}

static size_t
depth_for(size_t psi)
{
	size_t d = 0;

	while (((size_t)1 << d) < (psi < 2 ? 2 : psi))
		d++;
	return d;
}

struct k_iforest *
k_iforest_alloc(size_t d, size_t ntrees, size_t psi)
{
	struct k_iforest *f;

	if (d < 1 || d > K_IFOREST_MAX_FEATURES || ntrees < 1 ||
	    ntrees > K_IFOREST_MAX_TREES || psi < 1 || psi > K_IFOREST_MAX_PSI)
		return NULL;
	f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->trees = calloc(ntrees, sizeof *f->trees);
	if (f->trees == NULL) {
		free(f);
		return NULL;
	}
	f->d = d;
	f->ntrees = ntrees;
	f->psi = psi;
	f->max_depth = depth_for(psi);
	f->c_psi = k_iforest_c((double)psi);
	f->threshold = 0.5;
	return f;
}

void
k_iforest_free(struct k_iforest *f)
{
	if (f == NULL)
		return;
	for (size_t t = 0; t < f->ntrees; t++) {
		free(f->trees[t].nodes);
		free(f->trees[t].size);
		free(f->trees[t].flat);
		free(f->trees[t].cval);
	}
	free(f->trees);
	free(f);
}

void
k_iforest_ws_init(struct k_iforest_ws *ws)
{
	memset(ws, 0, sizeof *ws);
}

void
k_iforest_ws_release(struct k_iforest_ws *ws)
{
	free(ws->idx);
	free(ws->feat);
	memset(ws, 0, sizeof *ws);
}

static int
tree_push(struct k_itree *tr, double v, int32_t feature, uint32_t size)
{
	if (tr->n == tr->cap) {
		size_t nc = tr->cap ? tr->cap * 2 : 64;
		struct k_inode *nn = realloc(tr->nodes, nc * sizeof *nn);
		if (nn == NULL)
			return -1;
		tr->nodes = nn;
		uint32_t *ns = realloc(tr->size, nc * sizeof *ns);
		if (ns == NULL)
			return -1;
		tr->size = ns;
		tr->cap = nc;
	}
	tr->nodes[tr->n].v = v;
	tr->nodes[tr->n].feature = feature;
	tr->nodes[tr->n].right = -1;
	tr->size[tr->n] = size;
	tr->n++;
	return 0;
}

struct grow {
	const struct k_iforest *f;
	struct k_itree *tr;
	const double *X;
	uint32_t *idx;
	size_t *feat;
	struct k_rng *rng;
};

/* Grow the subtree over idx[lo, hi); returns 0 or -1 (out of memory). */
static int
grow(struct grow *g, size_t lo, size_t hi, size_t depth)
{
	const size_t d = g->f->d, n = hi - lo;
	const double *X = g->X;
	size_t feature = 0;
	double mn = 0, mx = 0;
	int found = 0;

	if (n > 1 && depth < g->f->max_depth) {
		/* Draw features without replacement until one varies here. */
		for (size_t k = 0; k < d && !found; k++) {
			size_t j = k + (size_t)k_rng_below(g->rng, d - k);
			size_t tmp = g->feat[k];
			g->feat[k] = g->feat[j];
			g->feat[j] = tmp;
			feature = g->feat[k];
			mn = mx = X[(size_t)g->idx[lo] * d + feature];
			for (size_t i = lo + 1; i < hi; i++) {
				double v = X[(size_t)g->idx[i] * d + feature];
				if (v < mn)
					mn = v;
				if (v > mx)
					mx = v;
			}
			found = mx > mn;
		}
	}
	if (!found)
		return tree_push(g->tr, (double)depth + k_iforest_c((double)n), -1,
		                 (uint32_t)n);

	double split = mn + k_rng_uniform(g->rng) * (mx - mn);
	if (split >= mx)
		split = mn;
	/* Partition: x <= split to the left. */
	size_t i = lo, j = hi;
	while (i < j) {
		if (X[(size_t)g->idx[i] * d + feature] <= split) {
			i++;
		} else {
			j--;
			uint32_t t = g->idx[i];
			g->idx[i] = g->idx[j];
			g->idx[j] = t;
		}
	}
	size_t me = g->tr->n;
	if (tree_push(g->tr, split, (int32_t)feature, (uint32_t)n) < 0)
		return -1;
	if (grow(g, lo, i, depth + 1) < 0)
		return -1;
	g->tr->nodes[me].right = (int32_t)g->tr->n;
	return grow(g, i, hi, depth + 1);
}

/* Depth of node i's subtree below i. */
static size_t
subtree_depth(const struct k_itree *tr, size_t i)
{
	if (tr->nodes[i].feature < 0)
		return 0;
	size_t l = subtree_depth(tr, i + 1);
	size_t r = subtree_depth(tr, (size_t)tr->nodes[i].right);
	return 1 + (l > r ? l : r);
}

/* Build the absorbing copy of a tree (struct k_iflat). */
static int
compile(struct k_itree *tr)
{
	free(tr->flat);
	free(tr->cval);
	tr->flat = malloc(tr->n * sizeof *tr->flat);
	tr->cval = malloc(tr->n * sizeof *tr->cval);
	if (tr->flat == NULL || tr->cval == NULL)
		return -1;
	for (size_t i = 0; i < tr->n; i++) {
		const struct k_inode *nd = &tr->nodes[i];
		tr->cval[i] = k_iforest_c(tr->size[i]);
		if (nd->feature < 0)
			tr->flat[i] = (struct k_iflat){ -INFINITY, 0, (int32_t)i };
		else
			tr->flat[i] = (struct k_iflat){ nd->v, nd->feature,
			                                nd->right };
	}
	tr->depth = subtree_depth(tr, 0);
	return 0;
}

enum k_status
k_iforest_grow(struct k_iforest *f, size_t t, const double *X,
               const uint32_t *rows, size_t n, struct k_rng *rng,
               struct k_iforest_ws *ws, struct k_error *err)
{
	if (t >= f->ntrees || n != f->psi)
		return k_error_set(err, K_EINTERNAL, "k_iforest_grow: tree %zu "
		                   "of %zu, %zu rows for psi %zu", t, f->ntrees, n,
		                   f->psi);
	if (ws->cap_n < n) {
		uint32_t *ni = realloc(ws->idx, n * sizeof *ni);
		if (ni == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		ws->idx = ni;
		ws->cap_n = n;
	}
	if (ws->cap_d < f->d) {
		size_t *nf = realloc(ws->feat, f->d * sizeof *nf);
		if (nf == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		ws->feat = nf;
		ws->cap_d = f->d;
	}
	memcpy(ws->idx, rows, n * sizeof *rows);
	for (size_t j = 0; j < f->d; j++)
		ws->feat[j] = j;

	struct k_itree *tr = &f->trees[t];
	free(tr->nodes);
	free(tr->size);
	memset(tr, 0, sizeof *tr);
	struct grow g = { f, tr, X, ws->idx, ws->feat, rng };
	if (grow(&g, 0, n, 0) < 0 || compile(tr) < 0)
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

/* Path length through one tree when x may hold NANs. */
static double
path_nan(const struct k_itree *tr, size_t i, const double *x)
{
	for (;;) {
		const struct k_inode *nd = &tr->nodes[i];
		if (nd->feature < 0)
			return nd->v;
		double v = x[nd->feature];
		if (isnan(v)) {
			double wl = (double)tr->size[i + 1] / tr->size[i];
			return wl * path_nan(tr, i + 1, x) +
			       (1 - wl) * path_nan(tr, (size_t)nd->right, x);
		}
		i = v <= nd->v ? i + 1 : (size_t)nd->right;
	}
}

double
k_iforest_path(const struct k_iforest *f, const double *x)
{
	double sum = 0;
	int hasnan = 0;

	for (size_t j = 0; j < f->d; j++)
		if (isnan(x[j]))
			hasnan = 1;
	for (size_t t = 0; t < f->ntrees; t++) {
		const struct k_itree *tr = &f->trees[t];
		if (hasnan) {
			sum += path_nan(tr, 0, x);
			continue;
		}
		const struct k_inode *nodes = tr->nodes;
		size_t i = 0;
		while (nodes[i].feature >= 0) {
			const struct k_inode *nd = &nodes[i];
			i = x[nd->feature] <= nd->v ? i + 1 : (size_t)nd->right;
		}
		sum += nodes[i].v;
	}
	return sum / (double)f->ntrees;
}

#define LANES 8

void
k_iforest_score_batch(const struct k_iforest *f, const double *X,
                      const uint32_t *rows, size_t n, double *out)
{
	const size_t d = f->d;
	const double *x[LANES];
	size_t lane[LANES];
	size_t k = 0;

	/* Rows with a missing value take the weighted path; the rest are
	 * gathered LANES at a time and walk each tree in lockstep. */
	for (size_t i = 0; i <= n; i++) {
		if (i < n) {
			const double *row = X + (rows ? (size_t)rows[i] : i) * d;
			int hasnan = 0;
			for (size_t j = 0; j < d; j++)
				hasnan |= isnan(row[j]);
			if (hasnan) {
				out[i] = k_iforest_score(f, row);
				continue;
			}
			x[k] = row;
			lane[k++] = i;
			if (k < LANES)
				continue;
		}
		if (k == 0)
			break;
		/* A short group repeats its last row: a fixed lane count lets
		 * the compiler keep every lane's position in a register. */
		for (size_t r = k; r < LANES; r++)
			x[r] = x[k - 1];
		double sum[LANES] = { 0 };
		for (size_t t = 0; t < f->ntrees; t++) {
			const struct k_itree *tr = &f->trees[t];
			const struct k_iflat *fl = tr->flat;
			uint32_t idx[LANES] = { 0 };
			for (size_t s = 0; s < tr->depth; s++)
				for (size_t r = 0; r < LANES; r++) {
					const struct k_iflat *nd = &fl[idx[r]];
					uint32_t l = idx[r] + 1, rr = (uint32_t)nd->right;
					idx[r] = x[r][nd->feature] <= nd->v ? l : rr;
				}
			for (size_t r = 0; r < LANES; r++)
				sum[r] += tr->nodes[idx[r]].v;
		}
		for (size_t r = 0; r < k; r++)
			out[lane[r]] = f->c_psi > 0
			               ? exp2(-(sum[r] / (double)f->ntrees) / f->c_psi)
			               : 0.5;
		k = 0;
	}
}

double
k_iforest_score(const struct k_iforest *f, const double *x)
{
	if (f->c_psi <= 0)
		return 0.5;
	return exp2(-k_iforest_path(f, x) / f->c_psi);
}

/* Gains along x's path(s) through one tree, weighted by w; returns the
 * weighted path length. */
static double
explain_tree(const struct k_itree *tr, size_t i, const double *x, double w,
             double *gain)
{
	for (;;) {
		const struct k_inode *nd = &tr->nodes[i];
		if (nd->feature < 0)
			return w * nd->v;
		size_t l = i + 1, r = (size_t)nd->right;
		double cn = tr->cval[i];
		double v = x[nd->feature];
		if (isnan(v)) {
			double wl = (double)tr->size[l] / tr->size[i];
			gain[nd->feature] += w * wl * (cn - 1 - tr->cval[l]);
			gain[nd->feature] += w * (1 - wl) * (cn - 1 - tr->cval[r]);
			return explain_tree(tr, l, x, w * wl, gain) +
			       explain_tree(tr, r, x, w * (1 - wl), gain);
		}
		size_t c = v <= nd->v ? l : r;
		gain[nd->feature] += w * (cn - 1 - tr->cval[c]);
		i = c;
	}
}

double
k_iforest_explain(const struct k_iforest *f, const double *x, double *gain)
{
	double sum = 0;

	memset(gain, 0, f->d * sizeof *gain);
	for (size_t t = 0; t < f->ntrees; t++)
		sum += explain_tree(&f->trees[t], 0, x, 1.0, gain);
	for (size_t j = 0; j < f->d; j++)
		gain[j] /= (double)f->ntrees;
	return sum / (double)f->ntrees;
}

/* Payload: u32 d, u32 trees, u32 psi, f64 threshold; then per tree u32
 * node count and the nodes in preorder: u16 feature, then f64 split for
 * an internal node, or u16 0xffff and u32 size for a leaf. */
void
k_iforest_encode(const struct k_iforest *f, struct k_buf *b)
{
	k_buf_put_u32(b, (uint32_t)f->d);
	k_buf_put_u32(b, (uint32_t)f->ntrees);
	k_buf_put_u32(b, (uint32_t)f->psi);
	k_buf_put_f64(b, f->threshold);
	for (size_t t = 0; t < f->ntrees; t++) {
		const struct k_itree *tr = &f->trees[t];
		k_buf_put_u32(b, (uint32_t)tr->n);
		for (size_t i = 0; i < tr->n; i++) {
			if (tr->nodes[i].feature < 0) {
				k_buf_put_u16(b, LEAF_TAG);
				k_buf_put_u32(b, tr->size[i]);
			} else {
				k_buf_put_u16(b, (uint16_t)tr->nodes[i].feature);
				k_buf_put_f64(b, tr->nodes[i].v);
			}
		}
	}
}

struct dec {
	struct k_buf_cur *c;
	struct k_itree *tr;
	size_t d, limit;
	const char *why;
};

/* Decode the subtree at the cursor into tr->nodes[tr->n...]. */
static int
decode_node(struct dec *s, size_t depth)
{
	struct k_itree *tr = s->tr;

	if (depth > DECODE_MAX_DEPTH) {
		s->why = "tree deeper than any grown tree";
		return -1;
	}
	if (tr->n >= s->limit) {
		s->why = "more nodes than the tree's node count";
		return -1;
	}
	size_t me = tr->n++;
	uint16_t feat = k_buf_cur_u16(s->c);
	if (feat == LEAF_TAG) {
		uint32_t size = k_buf_cur_u32(s->c);
		if (s->c->bad || size < 1) {
			s->why = s->c->bad ? "payload ends inside a tree"
			                   : "empty leaf";
			return -1;
		}
		tr->nodes[me] = (struct k_inode){ (double)depth + k_iforest_c(size),
		                                  -1, -1 };
		tr->size[me] = size;
		return 0;
	}
	double split = k_buf_cur_f64(s->c);
	if (s->c->bad || feat >= s->d || !isfinite(split)) {
		s->why = s->c->bad ? "payload ends inside a tree"
		         : feat >= s->d ? "split on a feature the model does "
		                          "not have" : "non-finite split value";
		return -1;
	}
	tr->nodes[me] = (struct k_inode){ split, feat, -1 };
	if (decode_node(s, depth + 1) < 0)
		return -1;
	tr->nodes[me].right = (int32_t)tr->n;
	if (decode_node(s, depth + 1) < 0)
		return -1;
	tr->size[me] = tr->size[me + 1] + tr->size[tr->nodes[me].right];
	return 0;
}

enum k_status
k_iforest_decode(const void *p, size_t n, struct k_iforest **out,
                 struct k_error *err)
{
	struct k_buf_cur c;
	struct k_iforest *f;

	*out = NULL;
	k_buf_cur_init(&c, p, n);
	uint32_t d = k_buf_cur_u32(&c), nt = k_buf_cur_u32(&c), psi = k_buf_cur_u32(&c);
	double thr = k_buf_cur_f64(&c);
	if (c.bad)
		return k_error_set(err, K_EDATA, "forest payload too short");
	if (d < 1 || d > K_IFOREST_MAX_FEATURES || nt < 1 ||
	    nt > K_IFOREST_MAX_TREES || psi < 1 || psi > K_IFOREST_MAX_PSI ||
	    !(thr >= 0 && thr <= 1))
		return k_error_set(err, K_EDATA, "forest payload has impossible "
		                   "sizes or threshold");
	f = k_iforest_alloc(d, nt, psi);
	if (f == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	f->threshold = thr;
	for (size_t t = 0; t < nt; t++) {
		uint32_t nn = k_buf_cur_u32(&c);
		/* A node takes at least 6 bytes: check before allocating. */
		if (c.bad || nn < 1 || nn > 2 * (size_t)psi ||
		    (size_t)nn * 6 > k_buf_cur_left(&c)) {
			k_iforest_free(f);
			return k_error_set(err, K_EDATA, "tree %zu: impossible "
			                   "node count", t);
		}
		struct k_itree *tr = &f->trees[t];
		tr->nodes = malloc(nn * sizeof *tr->nodes);
		tr->size = malloc(nn * sizeof *tr->size);
		if (tr->nodes == NULL || tr->size == NULL) {
			k_iforest_free(f);
			return k_error_set(err, K_ENOMEM, "out of memory");
		}
		tr->cap = nn;
		struct dec s = { &c, tr, d, nn, NULL };
		if (decode_node(&s, 0) < 0 || tr->n != nn || tr->size[0] != psi ||
		    compile(tr) < 0) {
			const char *why = s.why ? s.why
			                  : tr->n != nn ? "node count mismatch"
			                  : "leaf sizes do not add up to psi";
			k_iforest_free(f);
			return k_error_set(err, K_EDATA, "tree %zu: %s", t, why);
		}
	}
	if (k_buf_cur_left(&c) != 0) {
		k_iforest_free(f);
		return k_error_set(err, K_EDATA, "forest payload has %zu "
		                   "unexpected trailing bytes", k_buf_cur_left(&c));
	}
	*out = f;
	return K_OK;
}
