/*
 * k_archetype.c - build, encode, decode, save and load the `archetype`
 * model (see k_archetype.h and ktools-model(5)). XGBoost is reached only
 * through numeric/k_xgb.
 */
#include "model/k_archetype.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/k_model.h"

static void
free_list(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
k_archetype_release(struct k_archetype *m)
{
	k_xgb_free(m->xgb);
	free_list(m->classes, m->nclass);
	free_list(m->names, m->d);
	k_multipliers_release(&m->mult);
	if (m->header)
		json_decref(m->header);
	memset(m, 0, sizeof *m);
}

/* K_OK if the n names are usable, else st naming the first bad one. */
static enum k_status
check_names(enum k_status st, const char *what, const char *const *v,
            size_t n, struct k_error *err)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = v[i] ? strlen(v[i]) : 0;
		if (len == 0 || len > K_ARCHETYPE_NAME_MAX)
			return k_error_set(err, st, "%s %zu: a name of 1 to %d "
			                   "bytes expected", what, i,
			                   K_ARCHETYPE_NAME_MAX);
		/* Few classes and at most some hundred features: pairs. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(v[i], v[j]) == 0)
				return k_error_set(err, st, "%s '%s' appears twice",
				                   what, v[i]);
	}
	return K_OK;
}

static enum k_status
copy_list(char ***out, const char *const *v, size_t n, struct k_error *err)
{
	if ((*out = calloc(n ? n : 1, sizeof **out)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (((*out)[i] = strdup(v[i])) == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

static json_t *
json_list(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The training parameters; of a model trained elsewhere only what we set
 * on it (XGBoost's bytes keep no record of the rest). */
static json_t *
json_params(const struct k_xgb_params *p, int imported)
{
	if (imported)
		return json_pack("{s:I, s:i}", "seed", (json_int_t)p->seed,
		                 "threads", p->threads);
	return json_pack("{s:I, s:i, s:f, s:f, s:f, s:f, s:I, s:i}",
	                 "rounds", (json_int_t)p->rounds,
	                 "max_depth", p->max_depth, "eta", p->eta,
	                 "subsample", p->subsample,
	                 "colsample_bytree", p->colsample_bytree,
	                 "min_child_weight", p->min_child_weight,
	                 "seed", (json_int_t)p->seed, "threads", p->threads);
}

/* m's header: ours, then extra's members. */
static enum k_status
header(struct k_archetype *m, const json_t *extra, int imported,
       struct k_error *err)
{
	char v[32];
	json_t *h = k_model_header_new(K_ARCHETYPE_KIND);

	m->header = h;
	if (h == NULL ||
	    json_object_set_new(h, "params", json_params(&m->xgb->p,
	                                                imported)) != 0 ||
	    json_object_set_new(h, "classes", json_list(m->classes,
	                                                m->nclass)) != 0 ||
	    json_object_set_new(h, "features", json_list(m->names, m->d)) != 0 ||
	    json_object_set_new(h, "rounds",
	                        json_integer((json_int_t)m->xgb->rounds)) != 0 ||
	    json_object_set_new(h, "xgboost", json_string(
	                        k_xgb_version(v, sizeof v))) != 0 ||
	    json_object_set_new(h, "threshold_multipliers", k_multipliers_json(
	                        &m->mult, (const char *const *)m->classes)) != 0 ||
	    (extra != NULL && json_object_update(h, (json_t *)extra) != 0))
		return k_error_set(err, K_ENOMEM, "out of memory");
	return K_OK;
}

static enum k_status
build(struct k_archetype *m, struct k_xgb *xgb, const char *const *classes,
      const char *const *names, struct k_multipliers *mult,
      const json_t *extra, int imported, struct k_error *err)
{
	enum k_status s = K_OK;

	memset(m, 0, sizeof *m);
	m->xgb = xgb;
	m->nclass = xgb->nclass;  /* the lists' sizes, for release */
	m->d = xgb->d;
	m->mult = *mult;
	memset(mult, 0, sizeof *mult);
	if (m->mult.nclass != m->nclass || m->mult.ngroup == 0)
		s = k_error_set(err, K_EUSAGE, "a threshold table for %zu classes, "
		                "the model has %zu", m->mult.nclass, m->nclass);
	if (s == K_OK &&
	    (s = check_names(K_EUSAGE, "class", classes, m->nclass,
	                     err)) == K_OK &&
	    (s = check_names(K_EUSAGE, "feature", names, m->d, err)) == K_OK &&
	    (s = copy_list(&m->classes, classes, m->nclass, err)) == K_OK &&
	    (s = copy_list(&m->names, names, m->d, err)) == K_OK)
		s = header(m, extra, imported, err);
	if (s != K_OK)
		k_archetype_release(m);
	return s;
}

enum k_status
k_archetype_build(struct k_archetype *m, struct k_xgb *xgb,
                  const char *const *classes, const char *const *names,
                  struct k_multipliers *mult, const json_t *extra,
                  struct k_error *err)
{
	return build(m, xgb, classes, names, mult, extra, 0, err);
}

/* The feature names of an import: those given, which must agree with
 * any the model keeps, else the model's. *own gets the model's (the
 * caller frees them). */
static enum k_status
import_names(const struct k_xgb *x, const char *const *names, size_t d,
             char ***own, struct k_error *err)
{
	enum k_status s = k_xgb_feature_names(x, own, err);

	if (s != K_OK)
		return s;
	if (names == NULL && *own == NULL)
		return k_error_set(err, K_EUSAGE, "the model names none of its %zu "
		                   "features: give them, in its column order",
		                   x->d);
	if (names != NULL && d != x->d)
		return k_error_set(err, K_EUSAGE, "%zu feature names given, the "
		                   "model has %zu features", d, x->d);
	for (size_t j = 0; names != NULL && *own != NULL && j < d; j++)
		if (strcmp(names[j], (*own)[j]) != 0)
			return k_error_set(err, K_EUSAGE, "feature %zu is '%s' in the "
			                   "model, '%s' as given", j, (*own)[j],
			                   names[j]);
	return K_OK;
}

/* A loaded model predicts: one row of missing values, finite
 * probabilities. */
static enum k_status
import_check(const struct k_xgb *x, struct k_error *err)
{
	double *row = malloc(x->d * sizeof *row);
	double *p = malloc(x->nclass * sizeof *p);
	struct k_xgb_data *dm = NULL;
	enum k_status s = row && p ? K_OK
	                  : k_error_set(err, K_ENOMEM, "out of memory");

	for (size_t j = 0; s == K_OK && j < x->d; j++)
		row[j] = NAN;
	if (s == K_OK)
		s = k_xgb_data_alloc(&dm, row, K_XGB_DOUBLE, 1, x->d, NULL, 0, 1,
		                     err);
	if (s == K_OK)
		s = k_xgb_predict(x, dm, K_XGB_PROB, p, err);
	for (size_t k = 0; s == K_OK && k < x->nclass; k++)
		if (!isfinite(p[k]))
			s = k_error_set(err, K_EDATA, "xgboost model: class %zu's "
			                "probability is not a number", k);
	k_xgb_data_free(dm);
	free(row);
	free(p);
	return s;
}

enum k_status
k_archetype_import(struct k_archetype *m, const void *p, size_t n,
                   const char *const *classes, size_t nclass,
                   const char *const *names, size_t d,
                   struct k_multipliers *mult, const json_t *extra,
                   int threads, struct k_error *err)
{
	struct k_xgb_params rt = k_xgb_params_default();
	struct k_xgb *x = NULL;
	char **own = NULL;
	size_t nown = 0;
	enum k_status s;

	memset(m, 0, sizeof *m);
	rt.threads = threads;
	if ((s = k_xgb_load(&x, p, n, &rt, err)) == K_OK &&
	    nclass != x->nclass)
		s = k_error_set(err, K_EUSAGE, "%zu class names given, the model "
		                "has %zu classes", nclass, x->nclass);
	if (s == K_OK) {
		s = import_names(x, names, d, &own, err);
		nown = own != NULL ? x->d : 0;
	}
	if (s == K_OK)
		s = import_check(x, err);
	if (s == K_OK) {
		s = build(m, x, classes, names ? names : (const char *const *)own,
		          mult, extra, 1, err);
		x = NULL;  /* m's now, or freed */
	}
	free_list(own, nown);
	k_xgb_free(x);
	if (s != K_OK)
		k_multipliers_release(mult);
	return s;
}

static void
put_list(struct k_buf *b, char *const *v, size_t n)
{
	k_buf_put_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);
		k_buf_put_u16(b, (uint16_t)len);
		k_buf_add(b, v[i], len);
	}
}

enum k_status
k_archetype_encode(const struct k_archetype *m, struct k_buf *b,
                   struct k_error *err)
{
	struct k_buf x;
	enum k_status s;

	k_buf_init(&x);
	if ((s = k_xgb_save(m->xgb, &x, err)) == K_OK) {
		put_list(b, m->classes, m->nclass);
		put_list(b, m->names, m->d);
		k_buf_put_u64(b, (uint64_t)x.len);
		k_buf_add(b, x.data, x.len);
		if (b->oom)
			s = k_error_set(err, K_ENOMEM, "out of memory");
	}
	k_buf_release(&x);
	return s;
}

/* A list of at most max names from c, checked as build checks them. */
static enum k_status
get_list(struct k_buf_cur *c, const char *what, size_t max, char ***out,
         size_t *n, struct k_error *err)
{
	uint32_t count = k_buf_cur_u32(c);

	*n = 0;
	/* Each name takes at least 3 bytes: its length and one byte. */
	if (c->bad || count < 1 || count > max ||
	    count > k_buf_cur_left(c) / 3)
		return k_error_set(err, K_EDATA, "%u %s names: not 1 to %zu, or "
		                   "more than the bytes left", (unsigned)count,
		                   what, max);
	if ((*out = calloc(count, sizeof **out)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	*n = count;
	for (size_t i = 0; i < count; i++) {
		uint16_t len = k_buf_cur_u16(c);
		if (c->bad || len > k_buf_cur_left(c))
			return k_error_set(err, K_EDATA, "%s %zu: a name of %u "
			                   "bytes, %zu left", what, i, (unsigned)len,
			                   c->bad ? 0 : k_buf_cur_left(c));
		if (memchr(c->p, '\0', len) != NULL)
			return k_error_set(err, K_EDATA, "%s %zu: a NUL in its "
			                   "name", what, i);
		if (((*out)[i] = strndup((const char *)c->p, len)) == NULL)
			return k_error_set(err, K_ENOMEM, "out of memory");
		c->p += len;
	}
	return check_names(K_EDATA, what, (const char *const *)*out, count,
	                   err);
}

/* The header's list under key, if it has one, equals v. */
static enum k_status
same_list(const json_t *header, const char *key, char *const *v, size_t n,
          struct k_error *err)
{
	json_t *a = json_object_get(header, key);
	int same = json_is_array(a) && json_array_size(a) == n;

	for (size_t i = 0; same && i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		same = s != NULL && strcmp(s, v[i]) == 0;
	}
	return same ? K_OK : k_error_set(err, K_EDATA, "the header's '%s' "
	                                 "differ from the payload's", key);
}

/* The header's threshold table, which must name every class. */
static enum k_status
get_table(struct k_archetype *m, struct k_error *err)
{
	json_t *t = json_object_get(m->header, "threshold_multipliers");
	struct k_error e;
	enum k_status s;

	if (t == NULL)
		return k_error_set(err, K_EDATA, "the header has no "
		                   "'threshold_multipliers'");
	s = k_multipliers_from_json(&m->mult, t, (const char *const *)m->classes,
	                            m->nclass, 1, &e);
	if (s != K_OK)
		return k_error_set(err, s, "'threshold_multipliers': %s", e.text);
	return K_OK;
}

/* The trees, with the seed the header records and the thread count. */
static enum k_status
get_trees(struct k_archetype *m, struct k_buf_cur *c, int threads,
          struct k_error *err)
{
	struct k_xgb_params rt = k_xgb_params_default();
	json_t *seed = json_object_get(json_object_get(m->header, "params"),
	                               "seed");
	uint64_t len = k_buf_cur_u64(c);
	enum k_status s;

	if (c->bad || len != k_buf_cur_left(c))
		return k_error_set(err, K_EDATA, "xgboost model of %llu bytes, "
		                   "%zu left", (unsigned long long)len,
		                   c->bad ? 0 : k_buf_cur_left(c));
	if (json_is_integer(seed) && json_integer_value(seed) >= 0)
		rt.seed = (uint64_t)json_integer_value(seed);
	rt.threads = threads;
	if ((s = k_xgb_load(&m->xgb, c->p, (size_t)len, &rt, err)) != K_OK)
		return s;
	if (m->xgb->nclass != m->nclass || m->xgb->d != m->d)
		return k_error_set(err, K_EDATA, "xgboost model of %zu classes "
		                   "and %zu features, the lists name %zu and %zu",
		                   m->xgb->nclass, m->xgb->d, m->nclass, m->d);
	return K_OK;
}

enum k_status
k_archetype_decode(struct k_archetype *m, const void *p, size_t n,
                   json_t *header, int threads, struct k_error *err)
{
	struct k_buf_cur c;
	enum k_status s;

	memset(m, 0, sizeof *m);
	m->header = header ? json_incref(header) : NULL;
	k_buf_cur_init(&c, p, n);
	if ((s = get_list(&c, "class", K_XGB_MAX_CLASSES, &m->classes,
	                  &m->nclass, err)) != K_OK ||
	    (s = get_list(&c, "feature", K_XGB_MAX_FEATURES, &m->names, &m->d,
	                  err)) != K_OK ||
	    (header != NULL &&
	     ((s = same_list(header, "classes", m->classes, m->nclass,
	                     err)) != K_OK ||
	      (s = same_list(header, "features", m->names, m->d, err)) != K_OK ||
	      (s = get_table(m, err)) != K_OK)) ||
	    (s = get_trees(m, &c, threads, err)) != K_OK) {
		k_archetype_release(m);
		return s;
	}
	return K_OK;
}

enum k_status
k_archetype_save(struct k_archetype *m, const struct k_store *st,
                 const char *version, struct k_error *err)
{
	struct k_buf pay, file;
	enum k_status s;

	k_buf_init(&pay);
	k_buf_init(&file);
	s = k_archetype_encode(m, &pay, err);
	if (s == K_OK)
		s = k_model_encode(K_ARCHETYPE_KIND, m->header, pay.data, pay.len,
		                   1, &file, err);
	if (s == K_OK)
		s = k_store_publish(st, K_ARCHETYPE_KIND, version, file.data,
		                    file.len, m->version, m->path, err);
	k_buf_release(&pay);
	k_buf_release(&file);
	return s;
}

enum k_status
k_archetype_load_file(struct k_archetype *m, const char *path, int threads,
                      struct k_error *err)
{
	struct k_model mf;
	struct k_error e2;
	enum k_status s;

	memset(m, 0, sizeof *m);
	if ((s = k_model_load(path, K_ARCHETYPE_KIND, &mf, err)) != K_OK)
		return s;
	s = k_archetype_decode(m, mf.payload, mf.payload_len, mf.header,
	                       threads, &e2);
	k_model_release(&mf);
	if (s != K_OK)
		return k_error_set(err, s, "model file '%s': corrupted: %s", path,
		                   e2.text);
	snprintf(m->path, sizeof m->path, "%s", path);
	return K_OK;
}

enum k_status
k_archetype_load(struct k_archetype *m, const struct k_store *st,
                 const char *version, int threads, struct k_error *err)
{
	char v[K_VERSION_MAX + 1], path[K_PATH_MAX];
	enum k_status s;

	memset(m, 0, sizeof *m);
	s = k_store_resolve(st, K_ARCHETYPE_KIND, version, v, path, err);
	if (s != K_OK)
		return s;
	s = k_archetype_load_file(m, path, threads, err);
	if (s == K_OK)
		memcpy(m->version, v, sizeof m->version);
	return s;
}
