/*
 * test_featstats.c - the per-feature statistics models keep
 * (model/k_featstats): centre, scale with its fallbacks and its floor (a
 * feature almost constant must not give deviations of 1e19), constant
 * and missing features, the header round trip and the loader's checks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/k_featstats.h"
#include "ktest.h"

#define N 1000

int
main(void)
{
	static double X[N * 4];
	uint32_t rows[N];
	struct k_featstats fs;
	struct k_error e;
	char *names[4] = { "wide", "nearly", "const", "gone" };

	for (int i = 0; i < N; i++) {
		rows[i] = (uint32_t)i;
		X[i * 4 + 0] = i % 10;                 /* MAD 2.5 */
		X[i * 4 + 1] = 5 + (i == 7 ? 1e-12 : 0); /* sd ~ 3e-14 */
		X[i * 4 + 2] = 3;
		X[i * 4 + 3] = NAN;
	}
	KT_EQ_INT(k_featstats_compute(&fs, X, N, 4, rows, N, 2, &e), K_OK);
	KT_NEAR(fs.centre[0], 4.5, 0);
	KT_NEAR(fs.scale[0], 1.4826 * 2.5, 1e-12);
	/* The floor: 1e-6 of max(range, |median|) = 5e-6. */
	KT_NEAR(fs.scale[1], 5e-6, 1e-18);
	KT_CHECK((5 + 1e-12 - fs.centre[1]) / fs.scale[1] < 1);
	KT_CHECK(fs.constant[2] && fs.scale[2] == 1 && fs.nconstant == 1);
	KT_CHECK(fs.missing[3] == N && fs.centre[3] == 0 && fs.scale[3] == 1);
	KT_CHECK(isnan(fs.quant[3 * K_FEATSTATS_QUANTILES]));

	/* Into a header and back. */
	json_t *h = json_object();
	json_object_set_new(h, "features", k_featstats_names_json(names, 4));
	json_object_set_new(h, "training", json_pack("{s:o}", "feature_stats",
	                    k_featstats_json(&fs, names)));
	char **nm;
	double *c, *s;
	KT_EQ_INT(k_featstats_load(h, 4, "the test", "t.ktm", &nm, &c, &s, &e),
	          K_OK);
	KT_EQ_STR(nm[1], "nearly");
	KT_CHECK(c[0] == fs.centre[0] && s[1] == fs.scale[1]);
	k_names_free(nm, 4);
	free(c);
	free(s);
	KT_EQ_INT(k_featstats_load(h, 3, "the test", "t.ktm", &nm, &c, &s, &e),
	          K_EDATA);
	KT_CHECK(strstr(e.text, "header lists 4 features, the test has 3") != NULL);
	k_names_free(nm, 3);
	free(c);
	free(s);
	json_decref(h);
	k_featstats_release(&fs);
	const char *dup[3] = { "a", "b", "a" };
	KT_EQ_STR(k_names_duplicate((char *const *)dup, 3), "a");
	KT_CHECK(k_names_duplicate((char *const *)dup, 2) == NULL);
	KT_DONE();
}
