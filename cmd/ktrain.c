/*
 * ktrain - train one kind of model on feature rows and save it as a new
 * version in the model store. This file only lists the kinds; each kind's
 * options and work are in cmd/ktrain/<kind>.c.
 */
#include "cli/k_subcmd.h"
#include "ktrain.h"

static const struct k_subcmd kinds[] = {
	{ "anomaly", ktrain_anomaly, "Isolation Forest anomaly detector" },
	{ "archetype", ktrain_archetype, "XGBoost classifier of wallet archetypes" },
	{ "forecast", ktrain_forecast, "ARIMA forecaster of one series (risk_score)" },
	{ "ocsvm", ktrain_ocsvm, "One-Class SVM anomaly detector (libsvm)" },
};

int
main(int argc, char **argv)
{
	static const struct k_subcmd_prog p = {
		"ktrain", "Train a model of KIND on feature rows (NDJSON) and "
		"save it as a new version.", "KIND", "[FILE...]",
		kinds, sizeof kinds / sizeof kinds[0],
	};

	return k_subcmd_main(&p, argc, argv);
}
