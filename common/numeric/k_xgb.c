/*
 * k_xgb.c - the one place that calls XGBoost's C API (see k_xgb.h): every
 * call through check(), which turns a failure into our status with the
 * library's own message, made one line.
 */
#include "numeric/k_xgb.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>
#include <pthread.h>
#include <xgboost/c_api.h>

/* XGBoost is loaded on first use (dlopen), as igraph and libcurl are:
 * linking it costs every start of ktrain some 10 ms of C++ constructors
 * and OpenMP set-up, even for ktrain anomaly, which never calls it. */
#define FNS(X) \
	X(XGBGetLastError) X(XGBSetGlobalConfig) X(XGBoostVersion) \
	X(XGBoosterBoostedRounds) X(XGBoosterCreate) X(XGBoosterEvalOneIter) \
	X(XGBoosterFree) X(XGBoosterGetNumFeature) \
	X(XGBoosterGetStrFeatureInfo) X(XGBoosterLoadModelFromBuffer) \
	X(XGBoosterPredictFromDMatrix) X(XGBoosterSaveJsonConfig) \
	X(XGBoosterSaveModelToBuffer) X(XGBoosterSetParam) X(XGBoosterSlice) \
	X(XGBoosterUpdateOneIter) X(XGDMatrixCreateFromDense) \
	X(XGDMatrixFree) X(XGDMatrixSetFloatInfo)

#define DECL(f) static __typeof__(&f) p_##f;
FNS(DECL)
#undef DECL

static void *lib;
static char load_error[400];

static void
load_once(void)
{
	static const char *const names[] = { "libxgboost.so.0",
	                                      "libxgboost.so" };
	const char *why = "not found";

	for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++) {
		lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (lib == NULL)
			why = dlerror();
	}
	if (lib == NULL) {
		snprintf(load_error, sizeof load_error, "cannot load XGBoost "
		         "(Debian package libxgboost0): %s", why);
		return;
	}
#define LOAD(f) \
	if ((*(void **)&p_##f = dlsym(lib, #f)) == NULL) { \
		snprintf(load_error, sizeof load_error, "XGBoost lacks %s: " \
		         "version 1.7 or later is needed", #f); \
		dlclose(lib); \
		lib = NULL; \
		return; \
	}
	FNS(LOAD)
#undef LOAD
}

/* Load XGBoost once; K_ECONFIG naming the package if it cannot be. */
static enum k_status
load(struct k_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, load_once);
	if (lib == NULL)
		return k_error_set(err, K_ECONFIG, "%s", load_error);
	return K_OK;
}

/* From here on every XGBoost call goes through the loaded pointers. */
#define XGBGetLastError p_XGBGetLastError
#define XGBSetGlobalConfig p_XGBSetGlobalConfig
#define XGBoostVersion p_XGBoostVersion
#define XGBoosterBoostedRounds p_XGBoosterBoostedRounds
#define XGBoosterCreate p_XGBoosterCreate
#define XGBoosterEvalOneIter p_XGBoosterEvalOneIter
#define XGBoosterFree p_XGBoosterFree
#define XGBoosterGetNumFeature p_XGBoosterGetNumFeature
#define XGBoosterGetStrFeatureInfo p_XGBoosterGetStrFeatureInfo
#define XGBoosterLoadModelFromBuffer p_XGBoosterLoadModelFromBuffer
#define XGBoosterPredictFromDMatrix p_XGBoosterPredictFromDMatrix
#define XGBoosterSaveJsonConfig p_XGBoosterSaveJsonConfig
#define XGBoosterSaveModelToBuffer p_XGBoosterSaveModelToBuffer
#define XGBoosterSetParam p_XGBoosterSetParam
#define XGBoosterSlice p_XGBoosterSlice
#define XGBoosterUpdateOneIter p_XGBoosterUpdateOneIter
#define XGDMatrixCreateFromDense p_XGDMatrixCreateFromDense
#define XGDMatrixFree p_XGDMatrixFree
#define XGDMatrixSetFloatInfo p_XGDMatrixSetFloatInfo

struct k_xgb_data {
	DMatrixHandle h;
	size_t n, d;
	int labelled;
};

/* XGBoost's last error as one line: without the "[hh:mm:ss] file:line: "
 * prefix and the stack trace after it. */
static void
last_error(char *buf, size_t size)
{
	const char *e = XGBGetLastError();
	const char *s = e ? e : "";
	size_t len;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		const char *colon = close ? strstr(close, ": ") : NULL;
		if (colon != NULL && memchr(s, '\n', (size_t)(colon - s)) == NULL)
			s = colon + 2;
	}
	len = strcspn(s, "\n");
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == ':'))
		len--;
	if (len == 0) {
		s = "unknown error";
		len = strlen(s);
	}
	snprintf(buf, size, "%.*s", (int)len, s);
}

/* rc from an XGBoost call: K_OK, or st with "xgboost: what: message". */
static enum k_status
check(int rc, enum k_status st, const char *what, struct k_error *err)
{
	char msg[400];

	if (rc == 0)
		return K_OK;
	last_error(msg, sizeof msg);
	return k_error_set(err, st, "xgboost: %s: %s", what, msg);
}

/* XGBoost loaded, and its global configuration, which is per thread,
 * silenced once in every thread that calls in. */
static enum k_status
quiet(struct k_error *err)
{
	static _Thread_local int done;

	if (done)
		return K_OK;
	enum k_status ls = load(err);
	if (ls != K_OK)
		return ls;
	enum k_status s = check(XGBSetGlobalConfig("{\"verbosity\":0}"),
	                        K_EINTERNAL, "set verbosity", err);
	done = s == K_OK;
	return s;
}

struct k_xgb_params
k_xgb_params_default(void)
{
	return (struct k_xgb_params){
		.rounds = 100, .max_depth = 6, .eta = 0.3, .subsample = 1,
		.colsample_bytree = 1, .min_child_weight = 1, .seed = 42,
		.threads = 1,
	};
}

const char *
k_xgb_params_check(const struct k_xgb_params *p)
{
	if (p->rounds < 1 || p->rounds > K_XGB_MAX_ROUNDS)
		return "rounds must be 1 to 100000";
	if (p->max_depth < 1 || p->max_depth > 64)
		return "max_depth must be 1 to 64";
	if (!(p->eta > 0 && p->eta <= 1))
		return "eta must be in (0, 1]";
	if (!(p->subsample > 0 && p->subsample <= 1))
		return "subsample must be in (0, 1]";
	if (!(p->colsample_bytree > 0 && p->colsample_bytree <= 1))
		return "colsample_bytree must be in (0, 1]";
	if (!(p->min_child_weight >= 0 && isfinite(p->min_child_weight)))
		return "min_child_weight must be a finite number >= 0";
	if (p->seed > (uint64_t)INT64_MAX)
		return "seed must be at most 9223372036854775807";
	if (p->threads < 1 || p->threads > 1024)
		return "threads must be 1 to 1024";
	return NULL;
}

const char *
k_xgb_version(char *buf, size_t size)
{
	int major = 0, minor = 0, patch = 0;
	struct k_error e;

	if (load(&e) != K_OK) {
		snprintf(buf, size, "not loaded");
		return buf;
	}
	XGBoostVersion(&major, &minor, &patch);
	snprintf(buf, size, "%d.%d.%d", major, minor, patch);
	return buf;
}

/* Labels as XGBoost takes them: floats. */
static enum k_status
set_labels(struct k_xgb_data *x, const uint32_t *labels, size_t nclass,
           struct k_error *err)
{
	float *f = malloc(x->n * sizeof *f);
	enum k_status s;

	if (f == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < x->n; i++) {
		if (labels[i] >= nclass) {
			free(f);
			return k_error_set(err, K_EUSAGE, "row %zu: label %" PRIu32
			                   " is not below the %zu classes", i,
			                   labels[i], nclass);
		}
		f[i] = (float)labels[i];
	}
	s = check(XGDMatrixSetFloatInfo(x->h, "label", f, (bst_ulong)x->n),
	          K_EDATA, "set labels", err);
	free(f);
	x->labelled = s == K_OK;
	return s;
}

enum k_status
k_xgb_data_alloc(struct k_xgb_data **out, const void *X,
                 enum k_xgb_type type, size_t n, size_t d,
                 const uint32_t *labels, size_t nclass, int threads,
                 struct k_error *err)
{
	char arr[256], cfg[64];
	struct k_xgb_data *x;
	enum k_status s;

	*out = NULL;
	if (n < 1 || n > INT32_MAX || d < 1 || d > K_XGB_MAX_FEATURES ||
	    n > SIZE_MAX / sizeof(double) / d)
		return k_error_set(err, K_EUSAGE, "a %zu x %zu matrix: XGBoost "
		                   "takes 1 to 2^31 - 1 rows of 1 to %d features",
		                   n, d, K_XGB_MAX_FEATURES);
	if (threads < 1)
		return k_error_set(err, K_EUSAGE, "threads must be at least 1");
	if ((s = quiet(err)) != K_OK)
		return s;
	if ((x = calloc(1, sizeof *x)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	x->n = n;
	x->d = d;
	/* numpy's __array_interface__, version 3, borrowed: XGBoost copies. */
	snprintf(arr, sizeof arr, "{\"data\":[%" PRIuPTR ",true],\"shape\":"
	         "[%zu,%zu],\"strides\":null,\"typestr\":\"%s\",\"version\":3}",
	         (uintptr_t)X, n, d, type == K_XGB_DOUBLE ? "<f8" : "<f4");
	snprintf(cfg, sizeof cfg, "{\"missing\":NaN,\"nthread\":%d}", threads);
	s = check(XGDMatrixCreateFromDense(arr, cfg, &x->h), K_EDATA,
	          "read the matrix", err);
	if (s == K_OK && labels != NULL)
		s = set_labels(x, labels, nclass, err);
	if (s != K_OK) {
		k_xgb_data_free(x);
		return s;
	}
	*out = x;
	return K_OK;
}

size_t
k_xgb_data_rows(const struct k_xgb_data *x)
{
	return x->n;
}

size_t
k_xgb_data_cols(const struct k_xgb_data *x)
{
	return x->d;
}

void
k_xgb_data_free(struct k_xgb_data *x)
{
	if (x == NULL)
		return;
	if (x->h != NULL)
		XGDMatrixFree(x->h);
	free(x);
}

void
k_xgb_free(struct k_xgb *m)
{
	if (m == NULL)
		return;
	if (m->booster != NULL)
		XGBoosterFree(m->booster);
	free(m);
}

static enum k_status
set_param(struct k_xgb *m, const char *name, const char *value,
          struct k_error *err)
{
	char what[64];

	snprintf(what, sizeof what, "set %s", name);
	return check(XGBoosterSetParam(m->booster, name, value), K_EINTERNAL,
	             what, err);
}

/* What every booster needs, trained or loaded: silence, threads, seed. */
static enum k_status
set_runtime(struct k_xgb *m, struct k_error *err)
{
	char v[32];
	enum k_status s;

	if ((s = set_param(m, "verbosity", "0", err)) != K_OK)
		return s;
	snprintf(v, sizeof v, "%d", m->p.threads);
	if ((s = set_param(m, "nthread", v, err)) != K_OK)
		return s;
	snprintf(v, sizeof v, "%" PRIu64, m->p.seed);
	return set_param(m, "seed", v, err);
}

static enum k_status
set_training(struct k_xgb *m, struct k_error *err)
{
	const struct k_xgb_params *p = &m->p;
	char v[5][40];
	enum k_status s;

	snprintf(v[0], sizeof v[0], "%zu", m->nclass);
	snprintf(v[1], sizeof v[1], "%d", p->max_depth);
	snprintf(v[2], sizeof v[2], "%.17g", p->eta);
	snprintf(v[3], sizeof v[3], "%.17g", p->subsample);
	snprintf(v[4], sizeof v[4], "%.17g", p->colsample_bytree);
	const char *kv[][2] = {
		{ "objective", "multi:softprob" }, { "num_class", v[0] },
		{ "tree_method", "hist" }, { "max_depth", v[1] },
		{ "eta", v[2] }, { "subsample", v[3] },
		{ "colsample_bytree", v[4] },
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		if ((s = set_param(m, kv[i][0], kv[i][1], err)) != K_OK)
			return s;
	snprintf(v[0], sizeof v[0], "%.17g", p->min_child_weight);
	return set_param(m, "min_child_weight", v[0], err);
}

enum k_status
k_xgb_init(struct k_xgb **out, const struct k_xgb_params *p,
           struct k_xgb_data *train, size_t nclass, struct k_error *err)
{
	const char *why;
	struct k_xgb *m;
	enum k_status s;

	*out = NULL;
	if ((why = k_xgb_params_check(p)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (nclass < 2 || nclass > K_XGB_MAX_CLASSES)
		return k_error_set(err, K_EUSAGE, "%zu classes: a classifier "
		                   "takes 2 to %d", nclass, K_XGB_MAX_CLASSES);
	if (!train->labelled)
		return k_error_set(err, K_EUSAGE, "training data without labels");
	if ((s = quiet(err)) != K_OK)
		return s;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	m->p = *p;
	m->d = train->d;
	m->nclass = nclass;
	s = check(XGBoosterCreate(&train->h, 1, &m->booster), K_EINTERNAL,
	          "create a booster", err);
	if (s == K_OK && (s = set_runtime(m, err)) == K_OK)
		s = set_training(m, err);
	if (s != K_OK) {
		k_xgb_free(m);
		return s;
	}
	*out = m;
	return K_OK;
}

enum k_status
k_xgb_iterate(struct k_xgb *m, struct k_xgb_data *train,
              struct k_error *err)
{
	enum k_status s;

	if (train->d != m->d || !train->labelled)
		return k_error_set(err, K_EUSAGE, "training data of %zu features "
		                   "%s labels for a model of %zu", train->d,
		                   train->labelled ? "with" : "without", m->d);
	if (m->rounds >= K_XGB_MAX_ROUNDS)
		return k_error_set(err, K_EUSAGE, "already %zu rounds", m->rounds);
	if ((s = quiet(err)) != K_OK)
		return s;
	s = check(XGBoosterUpdateOneIter(m->booster, (int)m->rounds, train->h),
	          K_EINTERNAL, "boost a round", err);
	if (s == K_OK)
		m->rounds++;
	return s;
}

int
k_xgb_converged(const struct k_xgb *m)
{
	return m->rounds >= m->p.rounds;
}

enum k_status
k_xgb_train(struct k_xgb **out, const struct k_xgb_params *p,
            struct k_xgb_data *train, size_t nclass, struct k_error *err)
{
	enum k_status s = k_xgb_init(out, p, train, nclass, err);

	while (s == K_OK && !k_xgb_converged(*out))
		s = k_xgb_iterate(*out, train, err);
	if (s != K_OK) {
		k_xgb_free(*out);
		*out = NULL;
	}
	return s;
}

size_t
k_xgb_output_len(const struct k_xgb *m, enum k_xgb_output kind, size_t n)
{
	return n * m->nclass * (kind == K_XGB_CONTRIB ? m->d + 1 : 1);
}

enum k_status
k_xgb_predict(const struct k_xgb *m, struct k_xgb_data *x,
              enum k_xgb_output kind, double *out, struct k_error *err)
{
	/* XGBoost's prediction types: 0 value, 1 margin, 2 contributions. */
	int type = kind == K_XGB_PROB ? 0 : kind == K_XGB_MARGIN ? 1 : 2;
	bst_ulong want[3] = { x->n, m->nclass, m->d + 1 }, dim = 0;
	bst_ulong ndim = kind == K_XGB_CONTRIB ? 3 : 2;
	const bst_ulong *shape = NULL;
	const float *res = NULL;
	char cfg[160];
	enum k_status s;

	if (x->d != m->d)
		return k_error_set(err, K_EDATA, "%zu features given, the model "
		                   "has %zu", x->d, m->d);
	if ((s = quiet(err)) != K_OK)
		return s;
	snprintf(cfg, sizeof cfg, "{\"type\":%d,\"training\":false,"
	         "\"iteration_begin\":0,\"iteration_end\":0,"
	         "\"strict_shape\":true}", type);
	s = check(XGBoosterPredictFromDMatrix(m->booster, x->h, cfg, &shape,
	                                      &dim, &res), K_EINTERNAL,
	          "predict", err);
	if (s != K_OK)
		return s;
	if (dim != ndim || memcmp(shape, want, ndim * sizeof *shape) != 0)
		return k_error_set(err, K_EINTERNAL, "xgboost: predict: a result "
		                   "of %" PRIu64 " dimensions, not the expected "
		                   "shape", (uint64_t)dim);
	/* res is XGBoost's, valid until the next call on the booster. */
	size_t len = k_xgb_output_len(m, kind, x->n);
	for (size_t i = 0; i < len; i++)
		out[i] = res[i];
	return K_OK;
}

enum k_status
k_xgb_slice(const struct k_xgb *m, size_t rounds, struct k_xgb **out,
            struct k_error *err)
{
	struct k_xgb *c;
	enum k_status s;

	*out = NULL;
	if (rounds < 1 || rounds > m->rounds)
		return k_error_set(err, K_EUSAGE, "the first %zu rounds of a model "
		                   "of %zu", rounds, m->rounds);
	if ((s = quiet(err)) != K_OK)
		return s;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	*c = *m;
	c->booster = NULL;
	c->rounds = rounds;
	c->p.rounds = rounds;
	s = check(XGBoosterSlice(m->booster, 0, (int)rounds, 1, &c->booster),
	          K_EINTERNAL, "slice the model", err);
	if (s == K_OK)
		s = set_runtime(c, err);
	if (s != K_OK) {
		k_xgb_free(c);
		return s;
	}
	*out = c;
	return K_OK;
}

enum k_status
k_xgb_eval_logloss(const struct k_xgb *m, struct k_xgb_data *x, double *out,
                   struct k_error *err)
{
	const char *names[1] = { "eval" }, *res = NULL, *at;
	char *end;
	enum k_status s;

	if (x->d != m->d || !x->labelled)
		return k_error_set(err, K_EUSAGE, "evaluation data of %zu features "
		                   "%s labels for a model of %zu", x->d,
		                   x->labelled ? "with" : "without", m->d);
	if ((s = quiet(err)) != K_OK)
		return s;
	s = check(XGBoosterEvalOneIter(m->booster, (int)m->rounds, &x->h, names,
	                               1, &res), K_EINTERNAL, "evaluate", err);
	if (s != K_OK)
		return s;
	/* "[r]\teval-mlogloss:0.1234": multi:softprob's default metric. */
	if ((at = strstr(res, "eval-mlogloss:")) == NULL)
		return k_error_set(err, K_EINTERNAL, "xgboost: evaluate: no "
		                   "mlogloss in '%.80s'", res);
	*out = strtod(at + strlen("eval-mlogloss:"), &end);
	if (end == at + strlen("eval-mlogloss:") || !isfinite(*out))
		return k_error_set(err, K_EINTERNAL, "xgboost: evaluate: no "
		                   "number in '%.80s'", res);
	return K_OK;
}

enum k_status
k_xgb_feature_names(const struct k_xgb *m, char ***names,
                    struct k_error *err)
{
	const char **v = NULL;
	bst_ulong n = 0;
	enum k_status s;

	*names = NULL;
	if ((s = quiet(err)) != K_OK ||
	    (s = check(XGBoosterGetStrFeatureInfo(m->booster, "feature_name", &n,
	                                          &v), K_EDATA,
	               "read the feature names", err)) != K_OK)
		return s;
	if (n == 0)
		return K_OK;
	if (n != m->d)
		return k_error_set(err, K_EDATA, "xgboost model: %" PRIu64
		                   " feature names for %zu features", (uint64_t)n,
		                   m->d);
	if ((*names = calloc(n, sizeof **names)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (((*names)[i] = strdup(v[i])) == NULL) {
			for (size_t j = 0; j < i; j++)
				free((*names)[j]);
			free(*names);
			*names = NULL;
			return k_error_set(err, K_ENOMEM, "out of memory");
		}
	return K_OK;
}

enum k_status
k_xgb_save(const struct k_xgb *m, struct k_buf *b, struct k_error *err)
{
	const char *p = NULL;
	bst_ulong len = 0;
	enum k_status s;

	if ((s = quiet(err)) != K_OK)
		return s;
	s = check(XGBoosterSaveModelToBuffer(m->booster, "{\"format\":\"ubj\"}",
	                                     &len, &p), K_EINTERNAL,
	          "save the model", err);
	if (s != K_OK)
		return s;
	k_buf_add(b, p, (size_t)len);
	return b->oom ? k_error_set(err, K_ENOMEM, "out of memory") : K_OK;
}

/* An unsigned number XGBoost's configuration keeps as a string. */
static long long
config_count(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	char *end;
	long long n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	n = strtoll(v, &end, 10);
	return *end == '\0' ? n : -1;
}

/* Check a loaded booster is a classifier we can serve; fill d, nclass,
 * rounds. */
static enum k_status
describe(struct k_xgb *m, struct k_error *err)
{
	const char *cfg = NULL;
	bst_ulong len = 0, nfeat = 0;
	int rounds = 0;
	enum k_status s;

	if ((s = check(XGBoosterSaveJsonConfig(m->booster, &len, &cfg),
	               K_EDATA, "read the model's configuration", err)) != K_OK ||
	    (s = check(XGBoosterGetNumFeature(m->booster, &nfeat), K_EDATA,
	               "count the model's features", err)) != K_OK ||
	    (s = check(XGBoosterBoostedRounds(m->booster, &rounds), K_EDATA,
	               "count the model's rounds", err)) != K_OK)
		return s;
	json_t *root = json_loadb(cfg, (size_t)len, 0, NULL);
	json_t *lr = json_object_get(root, "learner");
	const char *obj = json_string_value(json_object_get(
		json_object_get(lr, "objective"), "name"));
	const char *gbm = json_string_value(json_object_get(
		json_object_get(lr, "gradient_booster"), "name"));
	long long k = config_count(json_object_get(lr, "learner_model_param"),
	                           "num_class");
	if (obj == NULL || strcmp(obj, "multi:softprob") != 0)
		s = k_error_set(err, K_EDATA, "xgboost model: objective '%s', "
		                "not multi:softprob", obj ? obj : "?");
	else if (gbm == NULL || strcmp(gbm, "gbtree") != 0)
		s = k_error_set(err, K_EDATA, "xgboost model: booster '%s', not "
		                "gbtree", gbm ? gbm : "?");
	else if (k < 2 || k > K_XGB_MAX_CLASSES)
		s = k_error_set(err, K_EDATA, "xgboost model: %lld classes, not 2 "
		                "to %d", k, K_XGB_MAX_CLASSES);
	else if (nfeat < 1 || nfeat > K_XGB_MAX_FEATURES || rounds < 0)
		s = k_error_set(err, K_EDATA, "xgboost model: %" PRIu64 " "
		                "features, not 1 to %d", (uint64_t)nfeat,
		                K_XGB_MAX_FEATURES);
	json_decref(root);
	m->d = (size_t)nfeat;
	m->nclass = (size_t)k;
	m->rounds = (size_t)rounds;
	return s;
}

enum k_status
k_xgb_load(struct k_xgb **out, const void *p, size_t n,
           const struct k_xgb_params *par, struct k_error *err)
{
	struct k_xgb_params def = k_xgb_params_default();
	const char *why;
	struct k_xgb *m;
	enum k_status s;

	*out = NULL;
	if (par == NULL)
		par = &def;
	if ((why = k_xgb_params_check(par)) != NULL)
		return k_error_set(err, K_EUSAGE, "%s", why);
	if (n == 0)
		return k_error_set(err, K_EDATA, "xgboost model: no bytes");
	if ((s = quiet(err)) != K_OK)
		return s;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return k_error_set(err, K_ENOMEM, "out of memory");
	m->p = *par;
	s = check(XGBoosterCreate(NULL, 0, &m->booster), K_EINTERNAL,
	          "create a booster", err);
	if (s == K_OK)
		s = check(XGBoosterLoadModelFromBuffer(m->booster, p,
		                                       (bst_ulong)n),
		          K_EDATA, "load the model", err);
	/* The bytes keep neither threads nor seed: set them again. */
	if (s == K_OK && (s = set_runtime(m, err)) == K_OK)
		s = describe(m, err);
	if (s != K_OK) {
		k_xgb_free(m);
		return s;
	}
	*out = m;
	return K_OK;
}
