#!/usr/bin/env bats
# ktrain ocsvm: the One-Class SVM's training, report, determinism, options
# and every bad input the forest's tests cover.

load helpers
bats_require_minimum_version 1.5.0

@test "ktrain ocsvm: trains on 1,000 rows, reports like ktrain anomaly, saves the kind" {
	run ktrain ocsvm "$FIX/rows_1k.ndjson"
	assert_success
	assert_line --partial "TRAINING ONE-CLASS SVM"
	assert_line "Extracted 1000 samples with 8 features"
	report=$(ktrain ocsvm -q --save-version s2 "$FIX/rows_1k.ndjson")
	jq -e '.kind == "train_report" and .model == "ocsvm" and .samples_trained == 1000
	       and .rows_read == 1000 and .features_used == 8 and .nu == 0.05
	       and .support_vectors >= 50 and .gamma > 0' <<<"$report"
	# nu bounds the share outside the boundary.
	jq -e '.anomaly_rate_pct > 0 and .anomaly_rate_pct <= 5' <<<"$report"
	[ "$(cat "$KTOOLS_MODEL_DIR/ocsvm/latest")" = s2 ]
	kmodel verify ocsvm/s2
	run kmodel show --kind ocsvm
	jq -e '.kind == "ocsvm" and (.header.training.decision_quantiles | length) == 201
	       and (.header.training.feature_stats | length) == 8
	       and .header.params.gamma == "scale"' <<<"$output"
}

@test "ktrain ocsvm: same seed and input give the same model bytes; the threads do not matter" {
	export SOURCE_DATE_EPOCH=1742048400
	KTOOLS_MODEL_DIR="$T/a" ktrain ocsvm -q --save-version x "$FIX/rows_1k.ndjson" >/dev/null
	KTOOLS_MODEL_DIR="$T/b" ktrain ocsvm -q --threads 1 --save-version x <"$FIX/rows_1k.ndjson" >/dev/null
	cmp "$T/a/ocsvm/x.ktm" "$T/b/ocsvm/x.ktm"
}

@test "ktrain ocsvm: --nu sets the share outside; --gamma a number or scale" {
	run ktrain ocsvm -q --nu 0.2 --gamma 0.5 "$FIX/rows_1k.ndjson"
	assert_success
	jq -e '.anomaly_rate_pct > 5 and .anomaly_rate_pct <= 20' <<<"$output"
	[ "$(jq -r .gamma <<<"$output")" = 0.5 ]
	[ "$(kmodel show --kind ocsvm | jq -r .header.params.gamma)" = 0.5 ]
	# scale: 1 / (features x variance of the standardised rows).
	run ktrain ocsvm -q --gamma scale "$FIX/rows_1k.ndjson"
	jq -e '.gamma > 0.05 and .gamma < 0.5' <<<"$output"
}

@test "ktrain ocsvm: numeric options are checked before any work" {
	for o in "--nu 0" "--nu 1.5" "--nu x" "--gamma 0" "--gamma -1" "--gamma big" \
	         "--tol 0" "--sample 5" "--seed -1" "--days 0" "--threads 0"; do
		run ktrain ocsvm $o "$FIX/rows_1k.ndjson"
		assert_failure 64
		assert_output --partial "ktrain ocsvm"
	done
	[ ! -d "$KTOOLS_MODEL_DIR/ocsvm" ]
}

@test "ktrain ocsvm: a long stream is sampled: 30,000 rows, --sample 2000" {
	for i in $(seq 30); do cat "$FIX/rows_1k.ndjson"; done >"$T/big"
	run ktrain ocsvm --sample 2000 "$T/big"
	assert_success
	assert_line "Samples trained: 2000 (a uniform sample of the 30000)"
	run ktrain ocsvm -q --sample 2000 "$T/big"
	jq -e '.samples_trained == 2000 and .rows_read == 30000' <<<"$output"
}

@test "ktrain ocsvm: --days keeps the window, then samples it" {
	run ktrain ocsvm -q --days 7 "$FIX/rows_1k.ndjson"
	assert_success
	[ "$(jq -r .samples_trained <<<"$output")" = 169 ]
	run ktrain ocsvm -q --days 30 --sample 100 "$FIX/rows_1k.ndjson"
	jq -e '.samples_trained == 100 and .rows_read > 600' <<<"$output"
}

@test "ktrain ocsvm: fewer than 10 rows exits 65 and saves nothing" {
	head -n 9 "$FIX/rows_1k.ndjson" >"$T/nine"
	run ktrain ocsvm "$T/nine"
	assert_failure 65
	assert_output --partial "need at least 10 rows to train a One-Class SVM, got 9"
	[ ! -e "$KTOOLS_MODEL_DIR/ocsvm/latest" ]
}

@test "ktrain ocsvm: bad lines are reported and kept, the rest trains; --strict saves nothing" {
	{ head -n 30 "$FIX/rows_1k.ndjson"
	  echo '{"kind":"features","features":{"f00":"n/a"}}'
	  echo 'not json'
	  sed -n 31,60p "$FIX/rows_1k.ndjson"; } >"$T/mixed"
	run ktrain ocsvm -q --rejects "$T/rej" "$T/mixed"
	assert_failure 65
	assert_output --partial "$T/mixed:31: feature 'f00': expected number, got string \"n/a\""
	assert_output --partial "$T/mixed:32: invalid JSON at column 1"
	[ "$(wc -l <"$T/rej")" -eq 2 ]
	[ "$(kmodel show --kind ocsvm | jq -r .header.training.rows)" = 60 ]
	rm -rf "$KTOOLS_MODEL_DIR"
	run ktrain ocsvm -q --strict "$T/mixed"
	assert_failure 65
	assert_output --partial "stopping at the first rejected line"
	[ ! -e "$KTOOLS_MODEL_DIR/ocsvm/latest" ]
}

@test "ktrain ocsvm: a missing feature is a rejected line naming it" {
	{ head -n 20 "$FIX/rows_1k.ndjson"
	  echo '{"kind":"features","features":{"f00":1}}'; } >"$T/f"
	run ktrain ocsvm -q "$T/f"
	assert_failure 65
	assert_output --partial "$T/f:21: feature 'f01': missing"
	run ktrain ocsvm -q --features f00,nope "$FIX/rows_1k.ndjson"
	assert_failure 65
	assert_output --partial "feature 'nope': missing"
}

@test "ktrain ocsvm: a constant feature is reported and missing values are kept as missing" {
	jq -c '.features.f07 = 3 | if (.ts | test("T0[0-4]")) then .features.f01 = null else . end' \
		"$FIX/rows_1k.ndjson" >"$T/c"
	run ktrain ocsvm "$T/c"
	assert_success
	assert_line "Constant features (no information): 1: f07"
	run kmodel show --kind ocsvm
	jq -e '.header.training.feature_stats[1].missing > 100 and .header.training.feature_stats[7].scale == 1' <<<"$output"
}

@test "ktrain ocsvm: an existing version exits 73 and keeps the old file; a missing input exits 66" {
	ktrain ocsvm -q --save-version v1 "$FIX/rows_1k.ndjson" >/dev/null
	sum=$(cksum <"$KTOOLS_MODEL_DIR/ocsvm/v1.ktm")
	run ktrain ocsvm -q --save-version v1 --nu 0.1 "$FIX/rows_1k.ndjson"
	assert_failure 73
	[ "$(cksum <"$KTOOLS_MODEL_DIR/ocsvm/v1.ktm")" = "$sum" ]
	run ktrain ocsvm -q "$T/nope.ndjson"
	assert_failure 66
}
