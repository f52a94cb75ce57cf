/*
 * test_archetype.c - the archetype model kind without the command line:
 * built from trees trained on a small deterministic set, its payload and
 * the store round trip predicting the same, the seed restored from the
 * header, the threshold table kept for the model's classes, and the
 * refusals: bad class or feature names, a table for other classes, a file
 * of another kind, and a decoder fed every truncation, wrong counts,
 * names that disagree with the header, a header without the table and
 * trees that disagree with the names.
 */
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_buf.h"
#include "model/k_archetype.h"
#include "model/k_model.h"
#include "model/k_store.h"
#include "numeric/k_xgb.h"
#include "ktest.h"

#define N 60
#define D 3
#define K 3

static const char *const classes[K] = { "retail", "professional_trader",
                                        "mev_bot" };
static const char *const names[D] = { "tx_count", "gas_p90", "age_days" };
static double X[N * D];
static uint32_t y[N];

/* Class i % 3; each feature a class-dependent level plus a spread that
 * repeats every 7 rows; row 5's gas missing. */
static void
dataset(void)
{
	for (int i = 0; i < N; i++) {
		int c = i % K;
		y[i] = (uint32_t)c;
		X[i * D + 0] = 10 * (c + 1) + 2.385 * (i % 7);
		X[i * D + 1] = c == 1 ? 80 + i % 5 : 20 + 3 * (i % 4);
		X[i * D + 2] = 365.0 / (1 + c) + (i % 11);
	}
	X[5 * D + 1] = NAN;
}

static struct k_xgb *
trees(uint64_t seed)
{
	struct k_xgb_params p = k_xgb_params_default();
	struct k_xgb_data *x = NULL;
	struct k_xgb *m = NULL;

	p.rounds = 5;
	p.max_depth = 3;
	p.subsample = 0.8;
	p.seed = seed;
	KT_EQ_INT(k_xgb_data_alloc(&x, X, K_XGB_DOUBLE, N, D, y, K, 1, NULL),
	          K_OK);
	KT_EQ_INT(k_xgb_train(&m, &p, x, K, NULL), K_OK);
	k_xgb_data_free(x);
	return m;
}

/* A threshold table for the classes; mev_bot raised, retail left out
 * (so 1 for each group). */
static struct k_multipliers *
table(void)
{
	static const char text[] =
		"{\"groups\": {\"activity\": \"tx a day\", \"gas\": \"gwei\"},"
		" \"archetypes\": {\"mev_bot\": {\"activity\": 5, \"gas\": 3},"
		" \"professional_trader\": {\"gas\": 1.5, \"activity\": 2},"
		" \"whale\": {\"activity\": 1, \"gas\": 9}}}";
	static struct k_multipliers mt;

	KT_EQ_INT(k_multipliers_parse(&mt, text, strlen(text), classes, K,
	                              NULL), K_OK);
	return &mt;
}

static void
built(struct k_archetype *m)
{
	json_t *extra = json_pack("{s:{s:i}}", "training", "rows", N);

	KT_EQ_INT(k_archetype_build(m, trees(7), classes, names, table(), extra,
	                            NULL), K_OK);
	json_decref(extra);
}

/* m and m2 give the same probabilities for every row. */
static void
same_predictions(const struct k_archetype *m, const struct k_archetype *m2)
{
	struct k_xgb_data *x = NULL;
	double a[N * K], b[N * K];

	KT_EQ_INT(k_xgb_data_alloc(&x, X, K_XGB_DOUBLE, N, D, NULL, 0, 1, NULL),
	          K_OK);
	KT_EQ_INT(k_xgb_predict(m->xgb, x, K_XGB_PROB, a, NULL), K_OK);
	KT_EQ_INT(k_xgb_predict(m2->xgb, x, K_XGB_PROB, b, NULL), K_OK);
	ktest_checks++;
	if (memcmp(a, b, sizeof a) != 0)
		KT_FAIL("the probabilities differ");
	k_xgb_data_free(x);
}

static void
test_build(void)
{
	struct k_archetype m;
	json_t *h;

	built(&m);
	h = m.header;
	KT_EQ_STR(json_string_value(json_object_get(h, "kind")), "archetype");
	KT_EQ_INT(json_array_size(json_object_get(h, "classes")), K);
	KT_EQ_STR(json_string_value(json_array_get(json_object_get(h,
	          "classes"), 1)), "professional_trader");
	KT_EQ_STR(json_string_value(json_array_get(json_object_get(h,
	          "features"), 2)), "age_days");
	KT_EQ_INT(json_integer_value(json_object_get(h, "rounds")), 5);
	KT_EQ_INT(json_integer_value(json_object_get(json_object_get(h,
	          "params"), "seed")), 7);
	KT_NEAR(json_number_value(json_object_get(json_object_get(h,
	        "params"), "subsample")), 0.8, 0);
	KT_EQ_INT(json_integer_value(json_object_get(json_object_get(h,
	          "training"), "rows")), N);
	KT_CHECK(json_is_string(json_object_get(h, "xgboost")));
	/* The table, for these classes only, retail's given as ones. */
	json_t *t = json_object_get(json_object_get(h,
	                            "threshold_multipliers"), "archetypes");
	KT_EQ_INT(json_object_size(t), K);
	KT_NEAR(json_number_value(json_object_get(json_object_get(t,
	        "mev_bot"), "activity")), 5, 0);
	KT_NEAR(json_number_value(json_object_get(json_object_get(t,
	        "retail"), "gas")), 1, 0);
	KT_CHECK(json_object_get(t, "whale") == NULL);
	KT_CHECK(!m.mult.given[0] && m.mult.given[1] && m.mult.given[2]);
	k_archetype_release(&m);
}

static void
test_bad_names(void)
{
	const char *dup[K] = { "retail", "mev_bot", "retail" };
	const char *empty[D] = { "tx_count", "", "age_days" };
	char longname[K_ARCHETYPE_NAME_MAX + 2];
	const char *toolong[D] = { "tx_count", longname, "age_days" };
	struct k_archetype m;
	struct k_error e;

	KT_EQ_INT(k_archetype_build(&m, trees(7), dup, names, table(), NULL,
	                            &e),
	          K_EUSAGE);
	KT_EQ_STR(e.text, "class 'retail' appears twice");
	KT_CHECK(m.xgb == NULL && m.header == NULL);
	KT_EQ_INT(k_archetype_build(&m, trees(7), classes, empty, table(),
	                            NULL, &e),
	          K_EUSAGE);
	KT_EQ_STR(e.text, "feature 1: a name of 1 to 255 bytes expected");
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	KT_EQ_INT(k_archetype_build(&m, trees(7), classes, toolong, table(),
	                            NULL, &e),
	          K_EUSAGE);
	KT_EQ_STR(e.text, "feature 1: a name of 1 to 255 bytes expected");
	/* A table made for two classes. */
	struct k_multipliers two;
	KT_EQ_INT(k_multipliers_parse(&two, "{\"groups\":{\"gas\":\"\"},"
	          "\"archetypes\":{}}", 37, classes, 2, NULL), K_OK);
	KT_EQ_INT(k_archetype_build(&m, trees(7), classes, names, &two, NULL,
	                            &e), K_EUSAGE);
	KT_EQ_STR(e.text, "a threshold table for 2 classes, the model has 3");
	KT_CHECK(two.m == NULL && m.mult.m == NULL);
}

static void
test_codec(void)
{
	struct k_archetype m, m2;
	struct k_buf b;
	struct k_error e;

	built(&m);
	k_buf_init(&b);
	KT_EQ_INT(k_archetype_encode(&m, &b, &e), K_OK);
	KT_EQ_INT(k_archetype_decode(&m2, b.data, b.len, m.header, 2, &e),
	          K_OK);
	KT_EQ_INT(m2.nclass, K);
	KT_EQ_INT(m2.d, D);
	for (size_t i = 0; i < K; i++)
		KT_EQ_STR(m2.classes[i], classes[i]);
	for (size_t j = 0; j < D; j++)
		KT_EQ_STR(m2.names[j], names[j]);
	KT_EQ_INT(m2.mult.ngroup, 2);
	KT_NEAR(k_multipliers_row(&m2.mult, 1)[1], 1.5, 0);
	KT_NEAR(k_multipliers_row(&m2.mult, 0)[0], 1, 0);
	/* XGBoost's bytes keep no seed: the header's is restored. */
	KT_EQ_INT(m2.xgb->p.seed, 7);
	KT_EQ_INT(m2.xgb->p.threads, 2);
	same_predictions(&m, &m2);
	k_archetype_release(&m2);
	/* Without a header: the default seed. */
	KT_EQ_INT(k_archetype_decode(&m2, b.data, b.len, NULL, 1, &e), K_OK);
	KT_EQ_INT(m2.xgb->p.seed, 42);
	k_archetype_release(&m2);
	/* Every truncation is refused, before XGBoost sees it. */
	size_t refused = 0;
	for (size_t n = 0; n < b.len; n++)
		refused += k_archetype_decode(&m2, b.data, n, m.header, 1, &e)
		           == K_EDATA;
	KT_EQ_INT(refused, b.len);
	KT_CHECK(m2.xgb == NULL && m2.classes == NULL && m2.header == NULL);
	k_buf_release(&b);
	k_archetype_release(&m);
}

/* A payload with its class count, a name length or the trees changed. */
static void
test_corrupt(void)
{
	struct k_archetype m, m2;
	struct k_buf b, c;
	struct k_error e;

	built(&m);
	k_buf_init(&b);
	KT_EQ_INT(k_archetype_encode(&m, &b, NULL), K_OK);
	k_buf_init(&c);
	k_buf_add(&c, b.data, b.len);
	/* Class count: 0, huge, 4 (then the names run into the features). */
	k_buf_le32((unsigned char *)c.data, 0);
	KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, NULL, 1, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "0 class names") != NULL);
	k_buf_le32((unsigned char *)c.data, 0xffffffffu);
	KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, NULL, 1, &e), K_EDATA);
	k_buf_le32((unsigned char *)c.data, 4);
	KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, NULL, 1, &e), K_EDATA);
	/* A name length beyond the payload. */
	memcpy(c.data, b.data, b.len);
	k_buf_le16((unsigned char *)c.data + 4, 0xffff);
	KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, NULL, 1, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "class 0: a name of 65535 bytes") != NULL);
	/* A NUL in a name; two names made the same ("retail" x 2 is not
	 * reachable by one byte, so "mev_bot" -> "mev\0bot"). */
	memcpy(c.data, b.data, b.len);
	char *mev = memmem(c.data, c.len, "mev_bot", 7);
	KT_CHECK(mev != NULL);
	if (mev != NULL) {
		mev[3] = '\0';
		KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, NULL, 1, &e),
		          K_EDATA);
		KT_EQ_STR(e.text, "class 2: a NUL in its name");
	}
	/* The header names other classes. */
	memcpy(c.data, b.data, b.len);
	json_t *h = json_deep_copy(m.header);
	json_array_set_new(json_object_get(h, "classes"), 0,
	                   json_string("whale"));
	KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, h, 1, &e), K_EDATA);
	KT_EQ_STR(e.text, "the header's 'classes' differ from the payload's");
	json_decref(h);
	/* The header's table lacks a class, or is gone. */
	h = json_deep_copy(m.header);
	json_object_del(json_object_get(json_object_get(h,
	                "threshold_multipliers"), "archetypes"), "retail");
	KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, h, 1, &e), K_EDATA);
	KT_EQ_STR(e.text, "'threshold_multipliers': no multipliers for "
	          "archetype 'retail'");
	json_object_del(h, "threshold_multipliers");
	KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, h, 1, &e), K_EDATA);
	KT_EQ_STR(e.text, "the header has no 'threshold_multipliers'");
	json_decref(h);
	/* Trees damaged in the middle: XGBoost's own message. */
	size_t at = b.len - 200;
	memset(c.data + at, 0xff, 16);
	KT_EQ_INT(k_archetype_decode(&m2, c.data, c.len, NULL, 1, &e), K_EDATA);
	KT_CHECK(strncmp(e.text, "xgboost: load the model: ", 25) == 0);
	k_buf_release(&c);
	k_buf_release(&b);
	k_archetype_release(&m);
}

/* Lists of four classes over trees of three. */
static void
test_mismatch(void)
{
	const char *four[4] = { "a", "b", "c", "d" };
	struct k_archetype m, m2;
	struct k_buf b;
	struct k_error e;

	built(&m);
	for (size_t i = 0; i < K; i++)
		free(m.classes[i]);
	free(m.classes);
	m.classes = calloc(4, sizeof *m.classes);
	for (size_t i = 0; i < 4; i++)
		m.classes[i] = strdup(four[i]);
	m.nclass = 4;
	k_buf_init(&b);
	KT_EQ_INT(k_archetype_encode(&m, &b, NULL), K_OK);
	KT_EQ_INT(k_archetype_decode(&m2, b.data, b.len, NULL, 1, &e), K_EDATA);
	KT_EQ_STR(e.text, "xgboost model of 3 classes and 3 features, the lists "
	          "name 4 and 3");
	k_buf_release(&b);
	k_archetype_release(&m);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
test_store(void)
{
	char dir[] = "/tmp/test_archetype.XXXXXX", path[600];
	struct k_archetype m, m2;
	struct k_store st;
	struct k_buf file;
	struct k_error e;

	KT_CHECK(mkdtemp(dir) != NULL);
	k_store_init(&st, dir);
	KT_EQ_INT(k_archetype_load(&m2, &st, NULL, 1, &e), K_ECONFIG);
	built(&m);
	KT_EQ_INT(k_archetype_save(&m, &st, "v1", &e), K_OK);
	KT_EQ_STR(m.version, "v1");
	KT_EQ_INT(k_archetype_save(&m, &st, "v1", &e), K_ECANTCREAT);
	KT_EQ_INT(k_archetype_load(&m2, &st, "latest", 1, &e), K_OK);
	KT_EQ_STR(m2.version, "v1");
	KT_EQ_STR(m2.classes[1], "professional_trader");
	same_predictions(&m, &m2);
	k_archetype_release(&m2);
	/* A file of another kind. */
	snprintf(path, sizeof path, "%s/anomaly.ktm", dir);
	k_buf_init(&file);
	KT_EQ_INT(k_model_encode("anomaly", m.header, "x", 1, 1, &file, &e),
	          K_OK);
	FILE *fp = fopen(path, "wb");
	KT_CHECK(fp != NULL);
	if (fp != NULL) {
		fwrite(file.data, 1, file.len, fp);
		fclose(fp);
	}
	KT_EQ_INT(k_archetype_load_file(&m2, path, 1, &e), K_EDATA);
	/* Our kind, a payload that is not ours. */
	k_buf_reset(&file);
	KT_EQ_INT(k_model_encode("archetype", m.header, "xyz", 3, 1, &file, &e),
	          K_OK);
	fp = fopen(path, "wb");
	KT_CHECK(fp != NULL);
	if (fp != NULL) {
		fwrite(file.data, 1, file.len, fp);
		fclose(fp);
	}
	KT_EQ_INT(k_archetype_load_file(&m2, path, 1, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "corrupted: ") != NULL);
	k_buf_release(&file);
	k_archetype_release(&m);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	dataset();
	test_build();
	test_bad_names();
	test_codec();
	test_corrupt();
	test_mismatch();
	test_store();
	KT_DONE();
}
