/*
 * test_multipliers.c - the archetype threshold table: read for a model's
 * classes (order, ones for a class the table leaves out, archetypes not
 * among the classes dropped), written back in the same form, and every
 * refusal with its message; the default table in data/ passes the checks.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/k_file.h"
#include "model/k_multipliers.h"
#include "ktest.h"

static const char *const classes[3] = { "retail", "mev", "pro" };

static const char good[] =
	"{\"groups\": {\"activity\": \"tx a day\", \"gas\": \"gwei\","
	"  \"wallet_age\": \"days\"},"
	" \"archetypes\": {"
	"  \"pro\": {\"gas\": 1.5, \"activity\": 2, \"wallet_age\": 1},"
	"  \"mev\": {\"activity\": 5, \"gas\": 3, \"wallet_age\": 1.25},"
	"  \"whale\": {\"activity\": 1, \"gas\": 1, \"wallet_age\": 9}}}";

static void
test_read(void)
{
	struct k_multipliers mt;

	KT_EQ_INT(k_multipliers_parse(&mt, good, strlen(good), classes, 3, NULL),
	          K_OK);
	KT_EQ_INT(mt.ngroup, 3);
	KT_EQ_INT(mt.nclass, 3);
	KT_EQ_STR(mt.groups[0], "activity");
	KT_EQ_STR(mt.groups[2], "wallet_age");
	KT_EQ_STR(mt.notes[1], "gwei");
	/* In the classes' order, whatever the table's. */
	KT_NEAR(k_multipliers_row(&mt, 1)[0], 5, 0);
	KT_NEAR(k_multipliers_row(&mt, 1)[2], 1.25, 0);
	KT_NEAR(k_multipliers_row(&mt, 2)[1], 1.5, 0);
	/* retail is not in the table: the standard thresholds. */
	KT_CHECK(!mt.given[0] && mt.given[1] && mt.given[2]);
	for (size_t g = 0; g < 3; g++)
		KT_NEAR(k_multipliers_row(&mt, 0)[g], 1, 0);

	/* Written back: the same form, the classes only, read again the
	 * same with every class given. */
	json_t *j = k_multipliers_json(&mt, classes);
	KT_CHECK(j != NULL);
	json_t *a = json_object_get(j, "archetypes");
	KT_EQ_INT(json_object_size(a), 3);
	KT_CHECK(json_object_get(a, "whale") == NULL);
	KT_EQ_STR(json_string_value(json_object_get(json_object_get(j,
	          "groups"), "activity")), "tx a day");
	struct k_multipliers again;
	KT_EQ_INT(k_multipliers_from_json(&again, j, classes, 3, 1, NULL), K_OK);
	KT_CHECK(memcmp(again.m, mt.m, 9 * sizeof *mt.m) == 0);
	KT_CHECK(again.given[0]);
	k_multipliers_release(&again);
	json_decref(j);
	k_multipliers_release(&mt);
	KT_CHECK(mt.m == NULL && mt.groups == NULL);
}

/* text is refused with the message want. */
static void
refused(const char *text, int all_given, const char *want)
{
	struct k_multipliers mt;
	struct k_error e;
	enum k_status s;

	if (all_given) {
		json_t *t = json_loads(text, 0, NULL);
		KT_CHECK(t != NULL);
		s = k_multipliers_from_json(&mt, t, classes, 3, 1, &e);
		json_decref(t);
	} else {
		s = k_multipliers_parse(&mt, text, strlen(text), classes, 3, &e);
	}
	KT_EQ_INT(s, K_EDATA);
	KT_EQ_STR(e.text, want);
	KT_CHECK(mt.m == NULL && mt.groups == NULL && mt.ngroup == 0);
}

static void
test_refusals(void)
{
	refused("{\"groups\": {\"gas\": \"\"},\n \"archetypes\": {,}}", 0,
	        "line 2, column 17: string or '}' expected near ','");
	refused("[1, 2]", 0, "a threshold table is an object with 'groups' and "
	        "'archetypes'");
	refused("{\"groups\": {\"gas\": \"\"}, \"archetypes\": {}, \"x\": 1}", 0,
	        "unknown member 'x' (a table has 'groups' and 'archetypes')");
	refused("{\"archetypes\": {}}", 0, "'groups': an object of 1 to 64 "
	        "named groups expected");
	refused("{\"groups\": {}, \"archetypes\": {}}", 0, "'groups': an object "
	        "of 1 to 64 named groups expected");
	refused("{\"groups\": {\"gas\": 1}, \"archetypes\": {}}", 0,
	        "group 'gas': a description (a string) expected");
	refused("{\"groups\": {\"gas\": \"\"}}", 0,
	        "'archetypes': an object of archetypes expected");
	refused("{\"groups\": {\"gas\": \"\"}, \"archetypes\": {\"pro\": 2}}", 0,
	        "archetype 'pro': an object of multipliers by group expected");
	refused("{\"groups\": {\"gas\": \"\", \"activity\": \"\"}, "
	        "\"archetypes\": {\"pro\": {\"gas\": 2}}}", 0,
	        "archetype 'pro': no multiplier for group 'activity'");
	refused("{\"groups\": {\"gas\": \"\"}, \"archetypes\": "
	        "{\"pro\": {\"gas\": 2, \"gass\": 2}}}", 0,
	        "archetype 'pro': unknown group 'gass' (not in 'groups')");
	/* A bad entry is refused even for an archetype not among the
	 * classes. */
	static const char *const bad[] = { "0", "-1", "1001", "\"2\"", "null",
	                                   "true" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[200];
		snprintf(text, sizeof text, "{\"groups\": {\"gas\": \"\"}, "
		         "\"archetypes\": {\"whale\": {\"gas\": %s}}}", bad[i]);
		refused(text, 0, "archetype 'whale', group 'gas': a number in "
		        "(0, 1000] expected");
	}
	refused("{\"groups\": {\"gas\": \"\", \"gas\": \"x\"}, "
	        "\"archetypes\": {}}", 0, "line 1, column 28: duplicate "
	        "object key near '\"gas\"'");
	/* From a model's header, every class must be there. */
	refused("{\"groups\": {\"gas\": \"\"}, \"archetypes\": "
	        "{\"pro\": {\"gas\": 2}, \"mev\": {\"gas\": 2}}}", 1,
	        "no multipliers for archetype 'retail'");
}

/* The table make installs and ktrain compiles in: every group of every
 * archetype the simulator writes. */
static void
test_default(void)
{
	static const char *const eight[8] = {
		"retail_conservative", "retail_active", "professional_trader",
		"institutional", "defi_power_user", "privacy_focused",
		"mev_arbitrage", "yield_farmer"
	};
	unsigned char *text = NULL;
	size_t n = 0;
	struct k_multipliers mt;
	struct k_error e;

	KT_EQ_INT(k_file_read("data/archetype-thresholds.json", &text, &n,
	                      K_MULT_FILE_MAX, &e), K_OK);
	KT_EQ_INT(k_multipliers_parse(&mt, (const char *)text, n, eight, 8, &e),
	          K_OK);
	for (size_t k = 0; k < 8; k++)
		KT_CHECK(mt.given[k]);
	KT_CHECK(mt.ngroup >= 5);
	/* The seed's examples: a professional's gas threshold +50%, an MEV
	 * bot's activity tolerance the highest, a privacy-focused wallet's
	 * new-wallet tolerance above a retail one's. */
	size_t gas = 0, act = 0, age = 0;
	for (size_t g = 0; g < mt.ngroup; g++) {
		gas = strcmp(mt.groups[g], "gas") == 0 ? g : gas;
		act = strcmp(mt.groups[g], "activity") == 0 ? g : act;
		age = strcmp(mt.groups[g], "wallet_age") == 0 ? g : age;
	}
	KT_NEAR(k_multipliers_row(&mt, 2)[gas], 1.5, 0);
	for (size_t k = 0; k < 8; k++)
		KT_CHECK(k_multipliers_row(&mt, 6)[act] >=
		         k_multipliers_row(&mt, k)[act]);
	KT_CHECK(k_multipliers_row(&mt, 5)[age] >
	         k_multipliers_row(&mt, 0)[age]);
	k_multipliers_release(&mt);
	free(text);
}

int
main(void)
{
	test_read();
	test_refusals();
	test_default();
	KT_DONE();
}
