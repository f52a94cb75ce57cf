/*
 * test_rules.c - the rule-based monitor: the March 2025 HLP incident
 * (HIGH at 14:20, CRITICAL at 14:23), rules that need state across rows
 * giving the same answers when the state goes through its file between
 * every row, replays leaving the state alone, the reference system's
 * pattern scores, and every way a state file can be refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/k_time.h"
#include "score/k_rules.h"
#include "score/k_rulestate.h"
#include "ktest.h"

#define MIN 60000

static int64_t
at(const char *s)
{
	int64_t ms = 0;

	if (k_time_parse(s, strlen(s), &ms) < 0)
		KT_FAIL("bad time %s", s);
	return ms;
}

static void
row_init(struct k_rules_row *r, int64_t ts, int64_t bucket)
{
	r->ts = ts;
	r->bucket_ms = bucket;
	for (size_t i = 0; i < K_RI_N; i++)
		r->x[i] = NAN;
}

/* Round trip through the file format. */
static void
reload(struct k_rulestate *s)
{
	char *text = k_rulestate_dump(s);
	struct k_rulestate t;
	struct k_error e;

	KT_CHECK(text != NULL);
	KT_EQ_INT(k_rulestate_parse(&t, text, strlen(text), &e), K_OK);
	free(text);
	/* Times go through RFC 3339 at ms precision: exact. */
	KT_EQ_INT(t.last_ts, s->last_ts);
	KT_EQ_INT(t.dev_since, s->dev_since);
	KT_EQ_INT(t.npnl, s->npnl);
	KT_EQ_INT(t.nliq, s->nliq);
	KT_EQ_INT(t.nonsets, s->nonsets);
	KT_EQ_INT(t.active, s->active);
	*s = t;
}

static void
test_incident(void)
{
	/* pnl_24h and account value of the snapshots (REFERENCE.md). */
	static const struct { const char *ts; double av, pnl; int sev; } snap[] = {
		{ "2025-03-15T14:00:00Z", 125.0e6, 50e3, K_SEV_LOW },
		{ "2025-03-15T14:15:00Z", 123.5e6, -1.45e6, K_SEV_MEDIUM },
		{ "2025-03-15T14:20:00Z", 121.8e6, -3.15e6, K_SEV_HIGH },
		{ "2025-03-15T14:23:00Z", 120.8e6, -4.15e6, K_SEV_CRITICAL },
		{ "2025-03-15T14:30:00Z", 120.85e6, -4.10e6, K_SEV_CRITICAL },
	};
	struct k_rules_params p = k_rules_params_default();
	struct k_rulestate st;
	struct k_rules_row row;
	struct k_rules_result r;

	KT_CHECK(k_rules_params_check(&p) == NULL);
	k_rulestate_init(&st);
	for (size_t i = 0; i < sizeof snap / sizeof snap[0]; i++) {
		row_init(&row, at(snap[i].ts), MIN);
		row.x[K_RI_ACCOUNT_VALUE] = snap[i].av;
		row.x[K_RI_PNL_24H] = snap[i].pnl;
		k_rules_eval(&p, &st, &row, &r);
		KT_EQ_INT(r.level, snap[i].sev);
		KT_EQ_INT(r.is_anomaly, snap[i].sev >= K_SEV_HIGH);
	}
	/* 14:20: the loss rule at HIGH, -3.15M of 124.95M a day before. */
	row_init(&row, at("2025-03-15T14:20:00Z"), MIN);
	row.x[K_RI_ACCOUNT_VALUE] = 121.8e6;
	row.x[K_RI_PNL_24H] = -3.15e6;
	k_rulestate_init(&st);
	k_rules_eval(&p, &st, &row, &r);
	KT_EQ_INT(r.nalerts, 1);
	KT_EQ_INT(r.alerts[0].rule, K_RULE_HLP_LOSS);
	KT_EQ_INT(r.alerts[0].sev, K_SEV_HIGH);
	KT_NEAR(r.alerts[0].value, -3.15 / 124.95 * 100, 1e-12);
	KT_NEAR(r.hlp, 40 * (3.15 / 124.95 * 100) / 3, 1e-9);
	KT_NEAR(r.risk_score, 50, 0);
	KT_EQ_STR(k_rules_rule_name(r.alerts[0].rule), "hlp_loss");
	KT_EQ_STR(k_rules_threat(r.alerts[0].rule), "hlp_exploitation");
	KT_EQ_STR(k_sev_level_name(r.level), "HIGH");
}

/* A deviation of 0.7% seen for 20 s in each of four 1-minute rows: not
 * sustained within any row, sustained across them. */
static void
test_sustained(int through_file)
{
	struct k_rules_params p = k_rules_params_default();
	struct k_rulestate st;
	struct k_rules_row row;
	struct k_rules_result r;
	int64_t t0 = at("2025-03-15T14:00:00Z");

	k_rulestate_init(&st);
	for (int i = 0; i < 4; i++) {
		row_init(&row, t0 + i * MIN, MIN);
		row.x[K_RI_MAX_DEVIATION] = 0.7;
		row.x[K_RI_DEVIATION_DURATION] = 20;
		k_rules_eval(&p, &st, &row, &r);
		KT_EQ_INT(r.alerts[0].rule, K_RULE_ORACLE_DEVIATION);
		KT_EQ_INT(r.alerts[0].sev, i == 0 ? K_SEV_MEDIUM : K_SEV_HIGH);
		/* run from 40 s into row 0 to 20 s into row i */
		KT_NEAR(r.deviation_s, i == 0 ? 20 : 60.0 * i - 20, 1e-9);
		if (through_file)
			reload(&st);
	}
	/* A row without deviation ends the run. */
	row_init(&row, t0 + 4 * MIN, MIN);
	row.x[K_RI_MAX_DEVIATION] = 0.05;
	k_rules_eval(&p, &st, &row, &r);
	KT_EQ_INT(r.nalerts, 0);
	KT_EQ_INT(st.dev_since, INT64_MIN);
	/* 1.2% sustained for 45 s inside one row: CRITICAL at once. */
	row_init(&row, t0 + 5 * MIN, MIN);
	row.x[K_RI_MAX_DEVIATION] = 1.2;
	row.x[K_RI_DEVIATION_DURATION] = 45;
	k_rules_eval(&p, &st, &row, &r);
	KT_EQ_INT(r.level, K_SEV_CRITICAL);
	KT_NEAR(r.oracle, 60 + 20, 1e-12);
}

/* Liquidations 2 + 3 in two consecutive 1-minute rows: a cascade only
 * when the rows are taken together. */
static void
test_cascade(int through_file)
{
	struct k_rules_params p = k_rules_params_default();
	struct k_rulestate st;
	struct k_rules_row row;
	struct k_rules_result r;
	int64_t t0 = at("2025-03-15T14:00:00Z");

	k_rulestate_init(&st);
	row_init(&row, t0, MIN);
	row.x[K_RI_LIQ_COUNT] = 2;
	row.x[K_RI_LIQ_COUNT_5MIN] = 2;
	k_rules_eval(&p, &st, &row, &r);
	KT_EQ_INT(r.nalerts, 0);
	if (through_file)
		reload(&st);
	row_init(&row, t0 + MIN, MIN);
	row.x[K_RI_LIQ_COUNT] = 3;
	row.x[K_RI_LIQ_COUNT_5MIN] = 3;
	k_rules_eval(&p, &st, &row, &r);
	KT_NEAR(r.cascade_n, 5, 0);
	KT_EQ_INT(r.nalerts, 1);
	KT_EQ_INT(r.alerts[0].rule, K_RULE_CASCADE);
	KT_EQ_INT(r.alerts[0].sev, K_SEV_MEDIUM);
	/* Ten minutes later the first two are out of the window. */
	row_init(&row, t0 + 10 * MIN, MIN);
	row.x[K_RI_LIQ_COUNT] = 1;
	k_rules_eval(&p, &st, &row, &r);
	KT_NEAR(r.cascade_n, 1, 0);
	/* Hourly rows do not add up across rows: the row's own peak. */
	k_rulestate_init(&st);
	row_init(&row, t0, 3600000);
	row.x[K_RI_LIQ_COUNT] = 40;
	row.x[K_RI_LIQ_COUNT_5MIN] = 4;
	k_rules_eval(&p, &st, &row, &r);
	KT_NEAR(r.cascade_n, 4, 0);
	KT_EQ_INT(st.nliq, 0);
}

static void
test_replay_and_onsets(void)
{
	struct k_rules_params p = k_rules_params_default();
	struct k_rulestate st, before;
	struct k_rules_row row;
	struct k_rules_result r, r2;
	int64_t t0 = at("2025-03-15T14:00:00Z");

	k_rulestate_init(&st);
	for (int i = 0; i < 3; i++) {
		row_init(&row, t0 + i * MIN, MIN);
		row.x[K_RI_FLASH_SUSPICION] = 90;
		k_rules_eval(&p, &st, &row, &r);
		KT_EQ_INT(r.level, K_SEV_CRITICAL);
	}
	/* One incident over three rows is one onset. */
	KT_NEAR(r.onsets_24h, 1, 0);
	KT_EQ_INT(st.rows, 3);
	/* A replayed row is scored but leaves the state alone. */
	before = st;
	row_init(&row, t0 + MIN, MIN);
	row.x[K_RI_FLASH_SUSPICION] = 90;
	k_rules_eval(&p, &st, &row, &r2);
	KT_EQ_INT(r2.level, K_SEV_CRITICAL);
	KT_CHECK(memcmp(&before, &st, sizeof st) == 0);
	/* After a gap a new HIGH is a new onset: 2 in the last day. */
	row_init(&row, t0 + 60 * MIN, MIN);
	row.x[K_RI_COORD_SUSPICION] = 80;
	k_rules_eval(&p, &st, &row, &r);
	KT_NEAR(r.onsets_24h, 2, 0);
	KT_EQ_INT(r.alerts[0].sev, K_SEV_HIGH);
	/* A day later they have expired. */
	row_init(&row, t0 + 26 * 60 * MIN, MIN);
	k_rules_eval(&p, &st, &row, &r);
	KT_NEAR(r.onsets_24h, 0, 0);
	KT_NEAR(r.risk_score, 0, 0);
	KT_EQ_INT(r.level, K_SEV_LOW);
}

static void
test_pnl_z(void)
{
	struct k_rules_params p = k_rules_params_default();
	struct k_rulestate st;
	struct k_rules_row row;
	struct k_rules_result r;
	int64_t t0 = at("2025-03-01T00:00:00Z");

	k_rulestate_init(&st);
	for (int i = 0; i < 100; i++) {
		row_init(&row, t0 + i * 3600000LL, 3600000);
		row.x[K_RI_PNL_24H] = 1e5 * (i % 2 ? 1 : -1);
		k_rules_eval(&p, &st, &row, &r);
		KT_EQ_INT(r.nalerts, 0);
	}
	/* sd of +-1e5 over 100 rows is 1e5 * sqrt(100/99). */
	row_init(&row, t0 + 100 * 3600000LL, 3600000);
	row.x[K_RI_PNL_24H] = 4.5e5;
	k_rules_eval(&p, &st, &row, &r);
	KT_EQ_INT(r.nalerts, 1);
	KT_EQ_INT(r.alerts[0].rule, K_RULE_HLP_PNL_Z);
	KT_EQ_INT(r.alerts[0].sev, K_SEV_HIGH);
	KT_NEAR(r.alerts[0].value, 4.5 / sqrt(100.0 / 99), 1e-9);
	/* Volatility part: |4.5e5| / (2 * 1e5) * 30, capped at 30. */
	KT_NEAR(r.hlp, 30, 1e-12);
}

static void
test_scores(void)
{
	KT_NEAR(k_rules_oracle_score(0.15, 0), 10, 1e-12);
	KT_NEAR(k_rules_oracle_score(0.6, 45), 60, 1e-12);
	KT_NEAR(k_rules_oracle_score(1.5, 400), 100, 1e-12);
	KT_NEAR(k_rules_oracle_score(0.3, 15), 25, 1e-12);
	KT_NEAR(k_rules_oracle_score(NAN, 15), 0, 0);
	KT_NEAR(k_rules_cascade_suspicion(5, 2.5e6, 2.5), 15 + 20 + 15, 1e-9);
	KT_NEAR(k_rules_cascade_suspicion(30, 9e6, 9), 100, 1e-9);
	KT_NEAR(k_rules_flash_suspicion(4e5, 4e5), 0, 0);
	KT_NEAR(k_rules_flash_suspicion(7.5e5, 5e5), 30 + 20, 1e-9);
	KT_NEAR(k_rules_flash_suspicion(6e6, 2.5e6), 100, 1e-9);
	KT_NEAR(k_rules_coordinated_suspicion(2, 5e6), 0, 0);
	KT_NEAR(k_rules_coordinated_suspicion(3, 1.5e6), 30 + 25, 1e-9);
}

static void
test_state_file(void)
{
	struct k_rulestate s;
	struct k_error e;
	char dir[] = "/tmp/test_rules.XXXXXX", path[256], bad[300];
	struct k_lockfile lock;

	KT_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/state.json", dir);
	/* Missing file: empty state. */
	KT_EQ_INT(k_rulestate_open(&s, path, &lock, &e), K_OK);
	KT_EQ_INT(s.last_ts, INT64_MIN);
	s.last_ts = at("2025-03-15T14:23:00Z");
	s.last_end = s.last_ts + MIN;
	s.rows = 7;
	k_rulestate_pnl_push(&s, -4.15e6);
	k_rulestate_onset_push(&s, s.last_end);
	KT_EQ_INT(k_rulestate_save(&s, path, &e), K_OK);
	k_rulestate_close(&lock);
	KT_EQ_INT(k_rulestate_open(&s, path, &lock, &e), K_OK);
	KT_EQ_INT(s.rows, 7);
	KT_EQ_INT(s.npnl, 1);
	KT_NEAR(k_rulestate_pnl_at(&s, 0), -4.15e6, 0);
	KT_EQ_INT(k_rulestate_onset_at(&s, 0), at("2025-03-15T14:24:00Z"));
	k_rulestate_close(&lock);

	/* Every malformed file is refused naming the field. */
	static const struct { const char *text, *field; } cases[] = {
		{ "not json", "" },
		{ "[]", "" },
		{ "{\"format\":2}", "format" },
		{ "{\"format\":\"1\"}", "format" },
		{ "{\"format\":1,\"rows\":-1}", "rows" },
		{ "{\"format\":1,\"rows\":0,\"last_ts\":\"yesterday\"}",
		  "last_ts" },
		{ "{\"format\":1,\"rows\":0,\"last_ts\":null,\"last_end\":null,"
		  "\"deviation_since\":null,\"active\":1.5}", "active" },
		{ "{\"format\":1,\"rows\":0,\"last_ts\":null,\"last_end\":null,"
		  "\"deviation_since\":null,\"active\":0,\"pnl_24h\":[\"x\"]}",
		  "pnl_24h" },
		{ "{\"format\":1,\"rows\":0,\"last_ts\":null,\"last_end\":null,"
		  "\"deviation_since\":null,\"active\":0,\"pnl_24h\":[],"
		  "\"liquidation_rows\":[[1,2]]}", "liquidation_rows" },
		{ "{\"format\":1,\"rows\":0,\"last_ts\":null,\"last_end\":null,"
		  "\"deviation_since\":null,\"active\":0,\"pnl_24h\":[],"
		  "\"liquidation_rows\":[],\"onsets\":[3]}", "onsets" },
		{ "{\"format\":1,\"format\":1}", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		k_error_clear(&e);
		KT_EQ_INT(k_rulestate_parse(&s, cases[i].text, strlen(cases[i].text),
		                         &e), K_EDATA);
		KT_EQ_STR(e.field, cases[i].field);
	}
	/* The file path names itself in the message. */
	snprintf(bad, sizeof bad, "%s/bad.json", dir);
	FILE *f = fopen(bad, "w");
	KT_CHECK(f != NULL);
	fputs("{\"format\":9}\n", f);
	fclose(f);
	KT_EQ_INT(k_rulestate_open(&s, bad, &lock, &e), K_EDATA);
	KT_CHECK(strstr(e.text, "bad.json") != NULL);
	KT_CHECK(strstr(e.text, "version 9") != NULL);
	KT_EQ_INT(lock.fd, -1);
	/* Cannot create the lock: no such directory. */
	snprintf(bad, sizeof bad, "%s/nodir/state.json", dir);
	KT_EQ_INT(k_rulestate_open(&s, bad, &lock, &e), K_ECANTCREAT);
	KT_EQ_INT(k_rulestate_save(&s, bad, &e), K_ECANTCREAT);

	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	KT_EQ_INT(system(cmd), 0);
}

int
main(void)
{
	test_incident();
	test_sustained(0);
	test_sustained(1);
	test_cascade(0);
	test_cascade(1);
	test_replay_and_onsets();
	test_pnl_z();
	test_scores();
	test_state_file();
	KT_DONE();
}
