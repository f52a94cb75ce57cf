/*
 * k_rules.h - the rule-based monitor: the vault, oracle, liquidation and
 * volume rules of the reference system (REFERENCE.md 2.1.5), with its
 * known faults fixed, scoring one feature row at a time. kfeatures uses it
 * for each row's risk_score and risk_level; kscore uses it when there is
 * no anomaly model or ML_ENABLED=false, writing the fields it writes for
 * the forest with "method":"rules". Thresholds are parameters; every rule
 * is documented in kscore(1) and kfeatures(1).
 */
#ifndef K_RULES_H
#define K_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "base/k_status.h"
#include "score/k_rulestate.h"
#include "text/k_jscan.h"
#include "text/k_jsonw.h"

#define K_RULES_VERSION "rules-1"  /* written as model_version */

enum k_sev { K_SEV_NONE = 0, K_SEV_LOW, K_SEV_MEDIUM, K_SEV_HIGH,
             K_SEV_CRITICAL };

/* The features the rules read, by name (k_rules_inputs[]). */
enum k_rules_input {
	K_RI_ACCOUNT_VALUE, K_RI_PNL_24H, K_RI_PNL_24H_PCT, K_RI_MAX_DRAWDOWN,
	K_RI_MAX_DEVIATION, K_RI_DEVIATION_DURATION, K_RI_HL_BINANCE_SPREAD,
	K_RI_LIQ_COUNT, K_RI_LIQ_COUNT_5MIN, K_RI_CASCADE_SUSPICION,
	K_RI_FLASH_SUSPICION, K_RI_COORD_SUSPICION, K_RI_VOLUME_Z,
	K_RI_VOLUME_RANGE_Z,
	K_RI_N
};
extern const char *const k_rules_inputs[K_RI_N];

/* The rules; bit (1 << rule) in k_rulestate.active. */
enum k_rule {
	K_RULE_HLP_LOSS, K_RULE_HLP_DRAWDOWN, K_RULE_HLP_PNL_Z,
	K_RULE_ORACLE_DEVIATION, K_RULE_PRICE_SPREAD, K_RULE_CASCADE,
	K_RULE_FLASH, K_RULE_COORDINATED, K_RULE_VOLUME,
	K_RULE_N
};

struct k_rules_params {
	/* HLP vault */
	double loss_medium_pct;    /* 24 h loss, % of equity a day ago: 1 */
	double loss_high_pct;      /* 2 */
	double loss_critical_pct;  /* 3; also the loss score's full scale */
	double drawdown_high_pct;  /* max_drawdown above this: HIGH (10) */
	double z_medium, z_high;   /* |z| of pnl_24h vs past rows: 3, 4 */
	size_t z_rows;             /* past rows for z (100, <= 256) */
	size_t vol_rows;           /* past rows for the volatility part (10) */
	/* oracle (mark against oracle) and venues */
	double dev_warn_pct;       /* 0.3: MEDIUM, start of a run */
	double dev_danger_pct;     /* 0.5: HIGH once sustained */
	double dev_critical_pct;   /* 1.0: CRITICAL once sustained */
	double sustain_s;          /* 30 s */
	double spread_medium_pct;  /* hl_binance_spread: 0.5 MEDIUM */
	double spread_high_pct;    /* 1.0 HIGH */
	/* liquidations */
	double cascade_count;      /* liquidations in cascade_ms: 5 */
	int64_t cascade_ms;        /* 300 s */
	double suspicion_min;      /* pattern reported above this: 70 */
	/* volume */
	double volume_z_medium;    /* both z above: MEDIUM (3) */
	double volume_z_high;      /* both z above: HIGH (4) */
	/* composite */
	double w_hlp, w_oracle, w_liq, w_volume; /* 0.4, 0.3, 0.15, 0.15 */
	double onset_points;       /* per onset in the last day: 10 */
	double onset_cap;          /* 30 */
	int64_t onset_ms;          /* 24 h */
	double level_medium, level_high, level_critical; /* 30, 50, 70 */
};

struct k_rules_params k_rules_params_default(void);
/* NULL, or what is wrong with p. */
const char *k_rules_params_check(const struct k_rules_params *p);

/* One feature row as the rules see it. */
struct k_rules_row {
	int64_t ts;                /* bucket start, ms */
	int64_t bucket_ms;         /* bucket length, ms (> 0) */
	double x[K_RI_N];          /* NAN: missing or null */
	size_t present;            /* inputs present in the row, null or not;
	                              0: the rules cannot score it */
};

#define K_RULES_MAX_ALERTS K_RULE_N

struct k_rules_alert {
	enum k_rule rule;
	enum k_sev sev;
	enum k_rules_input feature; /* the feature that fired it */
	double value;              /* its value (bridged where stated) */
	double threshold;          /* the threshold of sev it passed */
	double first;              /* the rule's lowest threshold */
	char text[160];            /* one line for people */
};

struct k_rules_result {
	double hlp, oracle, liq, volume; /* component scores, 0-100 */
	double weighted;           /* the weighted sum before the floor */
	double onsets_24h;         /* HIGH onsets in the last day */
	double risk_score;         /* 0-100 */
	enum k_sev level;          /* from risk_score */
	int is_anomaly;            /* level >= HIGH */
	double deviation_s;        /* deviation run, bridged across rows */
	double cascade_n;          /* liquidations in 5 min, bridged */
	size_t nalerts;            /* worst first */
	struct k_rules_alert alerts[K_RULES_MAX_ALERTS];
};

/*
 * Score row with state st and update st, unless the row is not newer than
 * the last one st has seen (a replay): then it is scored against st
 * unchanged. Never fails: missing inputs switch their rules off.
 */
void k_rules_eval(const struct k_rules_params *p, struct k_rulestate *st,
                  const struct k_rules_row *row, struct k_rules_result *r);

/* The reference system's pattern scores (0-100), shared with kfeatures
 * so a feature and the rule on it agree. */
double k_rules_oracle_score(double dev_pct, double duration_s);
double k_rules_cascade_suspicion(double n, double usd, double impact_pct);
double k_rules_flash_suspicion(double usd_10s, double max_single_usd);
double k_rules_coordinated_suspicion(double n, double usd);

/* Level of a 0-100 score by the thresholds of p. */
enum k_sev k_rules_level(const struct k_rules_params *p, double score);

const char *k_sev_name(enum k_sev s);        /* "medium" */
const char *k_sev_level_name(enum k_sev s);  /* "MEDIUM" */
const char *k_rules_rule_name(enum k_rule r);   /* "hlp_loss" */
const char *k_rules_threat(enum k_rule r);   /* "hlp_exploitation" */

/*
 * The row out of a scanned feature row (s->subkey "features"): "ts"
 * (required), "bucket" (a duration string; default 1h) and each input
 * (missing or null: NAN). K_EDATA naming the field when one has the wrong
 * type.
 */
enum k_status k_rules_row_scan(const struct k_jscan *s,
                               struct k_rules_row *row, struct k_error *err);

/*
 * Write kscore's fields for a rules score into an open object: 
 * anomaly_score, is_anomaly, anomaly_level, contributing_features (when
 * is_anomaly, at most top), alerts, method "rules", model_version.
 */
void k_rules_write(struct k_jsonw *w, const struct k_rules_result *r,
                   size_t top);

#endif
