#!/usr/bin/env bats
# ktrain anomaly: training, reports, versions, determinism, options and
# the bad-input policy.

load helpers
bats_require_minimum_version 1.5.0

@test "ktrain anomaly: trains on 1,000 rows and reports like the seed" {
	run ktrain anomaly "$FIX/rows_1k.ndjson"
	assert_success
	assert_line --partial '"kind":"train_report"'
	assert_line --partial "TRAINING ANOMALY DETECTOR"
	assert_line "Extracted 1000 samples with 8 features"
	assert_line "Anomalies detected: 50 (5.00%)"
	report=$(ktrain anomaly -q "$FIX/rows_1k.ndjson")
	[ "$(jq -r .samples_trained <<<"$report")" = 1000 ]
	[ "$(jq -r .features_used <<<"$report")" = 8 ]
	[ "$(jq -r .anomalies_detected <<<"$report")" = 50 ]
	[ "$(jq -r .anomaly_rate_pct <<<"$report")" = 5 ]
	path=$(jq -r .path <<<"$report")
	[ -f "$path" ]
	[ "$(cat "$KTOOLS_MODEL_DIR/anomaly/latest")" = "$(jq -r .version <<<"$report")" ]
}

@test "ktrain anomaly: the report is the only thing on stdout" {
	ktrain anomaly "$FIX/rows_1k.ndjson" 2>/dev/null >"$T/out"
	[ "$(wc -l <"$T/out")" -eq 1 ]
	jq -e '.threshold > 0 and .min_anomaly_score <= .mean_anomaly_score and .mean_anomaly_score <= .max_anomaly_score' "$T/out"
}

@test "ktrain anomaly: -q keeps stderr silent" {
	run --separate-stderr ktrain anomaly -q "$FIX/rows_1k.ndjson"
	assert_success
	[ -z "$stderr" ]
}

@test "ktrain anomaly: same seed and input give the same model bytes" {
	export SOURCE_DATE_EPOCH=1742048400
	KTOOLS_MODEL_DIR="$T/a" ktrain anomaly -q --save-version x "$FIX/rows_1k.ndjson" >/dev/null
	KTOOLS_MODEL_DIR="$T/b" ktrain anomaly -q --save-version x <"$FIX/rows_1k.ndjson" >/dev/null
	cmp "$T/a/anomaly/x.ktm" "$T/b/anomaly/x.ktm"
	KTOOLS_MODEL_DIR="$T/c" ktrain anomaly -q --seed 43 --save-version x "$FIX/rows_1k.ndjson" >/dev/null
	! cmp -s "$T/a/anomaly/x.ktm" "$T/c/anomaly/x.ktm"
}

@test "ktrain anomaly: --save-version names the version; an existing one exits 73 and keeps the old file" {
	train_fixture --save-version v1.0
	[ -f "$KTOOLS_MODEL_DIR/anomaly/v1.0.ktm" ]
	sum=$(cksum <"$KTOOLS_MODEL_DIR/anomaly/v1.0.ktm")
	run ktrain anomaly -q --save-version v1.0 --seed 7 "$FIX/rows_1k.ndjson"
	assert_failure 73
	assert_output --partial "version 'v1.0' of the 'anomaly' model already exists"
	[ "$(cksum <"$KTOOLS_MODEL_DIR/anomaly/v1.0.ktm")" = "$sum" ]
}

@test "ktrain anomaly: unsafe version names are usage errors" {
	for v in ../x a/b latest .hidden "$(printf 'v%.0s' {1..70})" 'a b'; do
		run ktrain anomaly -q --save-version "$v" "$FIX/rows_1k.ndjson"
		assert_failure 64
	done
	[ ! -d "$KTOOLS_MODEL_DIR" ]
}

@test "ktrain anomaly: fewer than 10 rows exits 65 and saves nothing" {
	head -n 9 "$FIX/rows_1k.ndjson" >"$T/nine"
	run ktrain anomaly "$T/nine"
	assert_failure 65
	assert_output --partial "need at least 10 rows to train an anomaly model, got 9"
	[ ! -e "$KTOOLS_MODEL_DIR/anomaly/latest" ]
	head -n 10 "$FIX/rows_1k.ndjson" >"$T/ten"
	run ktrain anomaly -q "$T/ten"
	assert_success
}

@test "ktrain anomaly: --days keeps the rows within N days of the newest" {
	run ktrain anomaly -q --days 7 "$FIX/rows_1k.ndjson"
	assert_success
	# Newest row 2025-04-14T15:00Z; 7 days back is 169 hourly rows.
	[ "$(jq -r .samples_trained <<<"$output")" = 169 ]
	# Rows without a usable ts cannot be placed in the window.
	{ head -n 20 "$FIX/rows_1k.ndjson"; echo '{"kind":"features","features":{"f00":1,"f01":1,"f02":1,"f03":1,"f04":1,"f05":1,"f06":1,"f07":1}}'; } >"$T/nots"
	run ktrain anomaly -q --days 7 "$T/nots"
	assert_failure 65
	assert_output --partial "$T/nots:21: field 'ts': missing (--days needs it)"
}

@test "ktrain anomaly: contamination sets the share flagged; auto flags scores above 50" {
	run ktrain anomaly -q --contamination 0.1 "$FIX/rows_1k.ndjson"
	assert_success
	[ "$(jq -r .anomalies_detected <<<"$output")" = 100 ]
	run ktrain anomaly -q --contamination auto "$FIX/rows_1k.ndjson"
	assert_success
	[ "$(jq -r .threshold <<<"$output")" = 50 ]
	for bad in 0 0.7 -1 x 0.05x; do
		run ktrain anomaly --contamination "$bad" "$FIX/rows_1k.ndjson"
		assert_failure 64
	done
}

@test "ktrain anomaly: numeric options are checked" {
	for o in "--trees 0" "--trees x" "--max-samples 1" "--seed -1" "--days 0" "--days x" "--sample 5"; do
		run ktrain anomaly $o "$FIX/rows_1k.ndjson"
		assert_failure 64
		assert_output --partial "ktrain anomaly"
	done
}

@test "ktrain anomaly: --max-samples is capped at the rows read" {
	run ktrain anomaly -q --max-samples 5000 --trees 10 "$FIX/rows_1k.ndjson"
	assert_success
	[ "$(jq -r .max_samples <<<"$output")" = 1000 ]
	[ "$(jq -r .trees <<<"$output")" = 10 ]
}

@test "ktrain anomaly: --features picks and orders features; --exclude drops them" {
	run ktrain anomaly -q --features f03,f00 "$FIX/rows_1k.ndjson"
	assert_success
	[ "$(jq -r .features_used <<<"$output")" = 2 ]
	[ "$(kmodel show | jq -c .header.features)" = '["f03","f00"]' ]
	run ktrain anomaly -q --exclude f00,f01 "$FIX/rows_1k.ndjson"
	[ "$(jq -r .features_used <<<"$output")" = 6 ]
	run ktrain anomaly -q --features f00,nope "$FIX/rows_1k.ndjson"
	assert_failure 65
	assert_output --partial "feature 'nope': missing"
}

@test "ktrain anomaly: bad lines are reported, kept with --rejects, and the rest trains" {
	{ head -n 30 "$FIX/rows_1k.ndjson"
	  echo '{"kind":"features","features":{"f00":"n/a"}}'
	  echo 'not json'
	  echo '{"a":1,"a":2}'
	  echo
	  sed -n 31,60p "$FIX/rows_1k.ndjson"; } >"$T/mixed"
	run ktrain anomaly -q --rejects "$T/rej" "$T/mixed"
	assert_failure 65
	assert_output --partial "$T/mixed:31: feature 'f00': expected number, got string \"n/a\""
	assert_output --partial "$T/mixed:32: invalid JSON at column 1"
	assert_output --partial "$T/mixed:33: duplicate key 'a' at column 8"
	[ "$(wc -l <"$T/rej")" -eq 3 ]
	[ "$(sed -n 2p "$T/rej")" = "not json" ]
	[ -f "$KTOOLS_MODEL_DIR/anomaly/latest" ]
	[ "$(kmodel show | jq -r .header.training.rows)" = 60 ]
}

@test "ktrain anomaly: --strict stops at the first bad line and saves nothing" {
	{ head -n 30 "$FIX/rows_1k.ndjson"; echo 'oops'; sed -n 31,60p "$FIX/rows_1k.ndjson"; } >"$T/mixed"
	run ktrain anomaly -q --strict "$T/mixed"
	assert_failure 65
	assert_output --partial "$T/mixed:31: invalid JSON"
	assert_output --partial "stopping at the first rejected line"
	[ ! -e "$KTOOLS_MODEL_DIR/anomaly/latest" ]
}

@test "ktrain anomaly: a first line without features is rejected and the next defines the set" {
	{ echo '{"kind":"features","ts":"2025-03-01T00:00:00Z"}'; head -n 40 "$FIX/rows_1k.ndjson"; } >"$T/f"
	run ktrain anomaly -q "$T/f"
	assert_failure 65
	assert_output --partial "$T/f:1: field 'features': missing"
	[ "$(kmodel show | jq -r '.header.features | length')" = 8 ]
}

@test "ktrain anomaly: reads several files, and stdin as -" {
	head -n 500 "$FIX/rows_1k.ndjson" >"$T/a"
	tail -n 500 "$FIX/rows_1k.ndjson" >"$T/b"
	run ktrain anomaly -q "$T/a" - <"$T/b"
	assert_success
	[ "$(jq -r .samples_trained <<<"$output")" = 1000 ]
}

@test "ktrain anomaly: a missing input file exits 66" {
	run ktrain anomaly -q "$T/nope.ndjson"
	assert_failure 66
	assert_output --partial "$T/nope.ndjson: No such file or directory"
}

@test "ktrain anomaly: a long stream is sampled, not held: 30,000 rows" {
	for i in $(seq 30); do cat "$FIX/rows_1k.ndjson"; done >"$T/big"
	run ktrain anomaly "$T/big"
	assert_line "Extracted 30000 samples with 8 features"
	assert_line "Samples trained: 10000 (a uniform sample of the 30000)"
	run ktrain anomaly -q "$T/big"
	assert_success
	[ "$(jq -r .samples_trained <<<"$output")" = 30000 ]
	[ "$(jq -r .scored_rows <<<"$output")" = 10000 ]
	# 30 copies of each row: ties at the threshold leave the rate near 5%.
	near "$(jq -r .anomaly_rate_pct <<<"$output")" 5 1
	[ "$(kmodel show | jq -r .header.training.rows_parsed)" -lt 30000 ]
}

@test "ktrain anomaly: constant features are named in the summary and marked in the model" {
	jq -c '.features.f07 = 3 | .features.zz = 0' "$FIX/rows_1k.ndjson" >"$T/c"
	run ktrain anomaly "$T/c"
	assert_success
	assert_line "Constant features (no information): 2: f07, zz"
	[ "$(kmodel show | jq -c '[.header.training.feature_stats[] | select(.constant) | .name]')" = '["f07","zz"]' ]
	[ "$(ktrain anomaly -q "$T/c" | jq -r .constant_features)" = 2 ]
}

@test "ktrain: a missing or unknown kind is a usage error" {
	run ktrain
	assert_failure 64
	assert_output --partial "missing KIND"
	run ktrain nosuch
	assert_failure 64
	assert_output --partial "unknown KIND 'nosuch'"
}
