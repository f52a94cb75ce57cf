#!/usr/bin/env bats
# kscore: scores, pass-through, explanation, options, bad rows, pipes.

load helpers
bats_require_minimum_version 1.5.0

@test "kscore: without a model it names the missing kind and the command, exits 78" {
	run --separate-stderr kscore "$FIX/rows_1k.ndjson"
	assert_failure 78
	[ -z "$output" ]
	[[ "$stderr" == *"no trained 'anomaly' model in '$KTOOLS_MODEL_DIR'"* ]]
	[[ "$stderr" == *"train one with 'ktrain anomaly'"* ]]
}

@test "kscore: every row passes through unchanged with the scores added" {
	train_fixture --save-version v1
	kscore "$FIX/rows_1k.ndjson" >"$T/out"
	[ "$(wc -l <"$T/out")" -eq 1000 ]
	jq -c 'del(.anomaly_score, .is_anomaly, .contributing_features, .method, .model_version, .detectors)' "$T/out" >"$T/back"
	jq -c . "$FIX/rows_1k.ndjson" | cmp - "$T/back"
	[ "$(jq -s 'map(select(.anomaly_score <= 0 or .anomaly_score > 100 or .model_version != "v1" or .method != "iforest")) | length' "$T/out")" = 0 ]
	# The caller's bytes are kept as they were, spaces included.
	line=$(head -n 1 "$FIX/rows_1k.ndjson" | sed 's/,/, /g')
	printf '%s\n' "$line" | kscore | grep -qF "${line%\}}"
}

@test "kscore: the planted outliers are anomalies explained by f03" {
	train_fixture
	kscore "$FIX/rows_1k.ndjson" >"$T/out"
	for n in 8 108 508 908; do
		row=$(sed -n "${n}p" "$T/out")
		[ "$(jq -r .is_anomaly <<<"$row")" = true ]
		[ "$(jq -r '.contributing_features[0].feature' <<<"$row")" = f03 ]
		[ "$(jq -r '.contributing_features[0].severity' <<<"$row")" = high ]
		jq -e '.contributing_features[0].deviation > 5 and .contributing_features[0].value == 9' <<<"$row"
	done
	# Ordinary rows carry no explanation.
	[ "$(jq -r 'select(.is_anomaly == false) | has("contributing_features")' "$T/out" | sort -u)" = false ]
}

@test "kscore: a score does not depend on the rest of the batch" {
	train_fixture
	kscore "$FIX/rows_1k.ndjson" >"$T/all"
	for n in 1 8 500; do
		one=$(sed -n "${n}p" "$FIX/rows_1k.ndjson" | kscore | jq .anomaly_score)
		[ "$one" = "$(sed -n "${n}p" "$T/all" | jq .anomaly_score)" ]
	done
}

@test "kscore: the flagged share matches training's contamination" {
	train_fixture
	[ "$(kscore --only-anomalies "$FIX/rows_1k.ndjson" | wc -l)" -eq 50 ]
	[ "$(kscore --only-anomalies "$FIX/rows_1k.ndjson" | jq -r .is_anomaly | sort -u)" = true ]
}

@test "kscore: --limit stops after N rows written, with or without --only-anomalies" {
	train_fixture
	run kscore --limit 3 "$FIX/rows_1k.ndjson"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	run kscore --only-anomalies --limit 2 "$FIX/rows_1k.ndjson"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .is_anomaly <<<"${lines[1]}")" = true ]
	run kscore --limit 0 "$FIX/rows_1k.ndjson"
	assert_failure 64
}

@test "kscore: --top-features bounds the explanation" {
	train_fixture
	kscore --only-anomalies --top-features 1 "$FIX/rows_1k.ndjson" >"$T/o1"
	[ "$(jq '.contributing_features | length' "$T/o1" | sort -u)" = 1 ]
	kscore --only-anomalies --top-features 0 "$FIX/rows_1k.ndjson" >"$T/o0"
	[ "$(jq -c '.contributing_features' "$T/o0" | sort -u)" = '[]' ]
}

@test "kscore: --model-version scores with an older version; an unknown one exits 66" {
	train_fixture --save-version old --seed 1
	train_fixture --save-version new --seed 2
	[ "$(head -n 1 "$FIX/rows_1k.ndjson" | kscore | jq -r .model_version)" = new ]
	[ "$(head -n 1 "$FIX/rows_1k.ndjson" | kscore --model-version old | jq -r .model_version)" = old ]
	run kscore --model-version gone "$FIX/rows_1k.ndjson"
	assert_failure 66
	assert_output --partial "no version 'gone' of the 'anomaly' model"
	run kscore --model-version ../x "$FIX/rows_1k.ndjson"
	assert_failure 64
}

@test "kscore: output is the same with one thread or many" {
	train_fixture
	for i in $(seq 20); do cat "$FIX/rows_1k.ndjson"; done >"$T/big"
	kscore --threads 1 "$T/big" >"$T/one"
	kscore --threads 4 "$T/big" >"$T/four"
	cmp "$T/one" "$T/four"
	[ "$(wc -l <"$T/one")" -eq 20000 ]
}

@test "kscore: a row that already has our fields gets them replaced, not duplicated" {
	train_fixture
	head -n 1 "$FIX/rows_1k.ndjson" | jq -c '.anomaly_score = "old" | .model_version = 0' >"$T/in"
	run kscore "$T/in"
	assert_success
	jq -e '(.anomaly_score | type) == "number" and .model_version != 0' <<<"$output"
	[ "$(grep -o '"anomaly_score"' <<<"$output" | wc -l)" -eq 1 ]
}

@test "kscore: a row missing a feature is rejected by name; the others are scored" {
	train_fixture
	{ head -n 3 "$FIX/rows_1k.ndjson"
	  sed -n 4p "$FIX/rows_1k.ndjson" | jq -c 'del(.features.f05)'
	  sed -n 5,6p "$FIX/rows_1k.ndjson"; } >"$T/in"
	run --separate-stderr kscore --rejects "$T/rej" "$T/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 5 ]
	[[ "$stderr" == *"kscore: $T/in:4: feature 'f05': missing"* ]]
	cmp "$T/rej" <(sed -n 4p "$T/in")
}

@test "kscore: bad JSON, strings and wrong shapes are rejected with line and reason" {
	train_fixture
	good=$(head -n 1 "$FIX/rows_1k.ndjson")
	{ echo "$good"
	  echo '{"features":{"f00":1'
	  jq -c '.features.f02 = "n/a"' <<<"$good"
	  echo '{"features":[1,2]}'
	  echo '["not","an","object"]'
	  echo "$good trailing"
	  jq -c '.features.f02 = null' <<<"$good"
	  echo "$good"; } >"$T/in"
	run --separate-stderr kscore "$T/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *"$T/in:2: invalid JSON at column 21: expected ',' or '}' after an object member"* ]]
	[[ "$stderr" == *"$T/in:3: feature 'f02': expected number, got string \"n/a\""* ]]
	[[ "$stderr" == *"$T/in:4: field 'features': expected object, got array"* ]]
	[[ "$stderr" == *"$T/in:5: invalid JSON at column 1: a record must be a JSON object"* ]]
	[[ "$stderr" == *"$T/in:6: invalid JSON"*"trailing characters"* ]]
	# null is a missing value: scored, not rejected.
	jq -e '.features.f02 == null and (.anomaly_score | type) == "number"' <<<"${lines[1]}"
}

@test "kscore: --strict stops at the first bad row, after writing the rows before it" {
	train_fixture
	{ head -n 5 "$FIX/rows_1k.ndjson"; echo 'bad'; sed -n 6,10p "$FIX/rows_1k.ndjson"; } >"$T/in"
	run --separate-stderr kscore --strict "$T/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 5 ]
	[[ "$stderr" == *"$T/in:6: invalid JSON"* ]]
}

@test "kscore: blank lines are skipped; empty input is fine" {
	train_fixture
	{ echo; head -n 2 "$FIX/rows_1k.ndjson"; printf '  \r\n\n'; } >"$T/in"
	run kscore "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run kscore </dev/null
	assert_success
	[ -z "$output" ]
}

@test "kscore: a closed pipe ends it quietly" {
	train_fixture
	for i in $(seq 30); do cat "$FIX/rows_1k.ndjson"; done >"$T/big"
	run --separate-stderr bash -c 'set -o pipefail; kscore "$1" | head -n 1 >/dev/null' _ "$T/big"
	assert_success
	[ -z "$stderr" ]
}

@test "kscore: when the reader goes away, rejected lines are kept and the status says so" {
	train_fixture
	{ head -n 1 "$FIX/rows_1k.ndjson"; echo '{"features":{"f00":"n/a"}}'
	  for i in $(seq 30); do cat "$FIX/rows_1k.ndjson"; done; } >"$T/big"
	run --separate-stderr bash -c 'kscore --rejects "$2" "$1" | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$T/big" "$T/rej"
	assert_output 65
	[ "$(cat "$T/rej")" = '{"features":{"f00":"n/a"}}' ]
	[[ "$stderr" == *"$T/big:2: feature 'f00'"* ]]
	[[ "$stderr" != *"rror"* ]]
}

@test "kscore: a line over the length bound is rejected without being kept" {
	train_fixture
	{ head -n 1 "$FIX/rows_1k.ndjson"; head -c 17000000 /dev/zero | tr '\0' 'x'; echo; head -n 1 "$FIX/rows_1k.ndjson"; } >"$T/in"
	run --separate-stderr kscore "$T/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *"$T/in:2: line longer than 16777216 bytes"* ]]
}

@test "kscore: a long-running scorer picks up a new latest without a restart" {
	train_fixture --save-version first
	mkfifo "$T/fifo"
	kscore <"$T/fifo" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 7>"$T/fifo"
	head -n 1 "$FIX/rows_1k.ndjson" >&7
	train_fixture --save-version second --seed 9
	sleep 6
	head -n 1 "$FIX/rows_1k.ndjson" >&7
	sleep 1
	head -n 1 "$FIX/rows_1k.ndjson" >&7
	exec 7>&-
	wait "$pid"
	[ "$(jq -r .model_version "$T/out" | head -n 1)" = first ]
	[ "$(jq -r .model_version "$T/out" | tail -n 1)" = second ]
	grep -q "now scoring with anomaly model second" "$T/err"
}

@test "kscore: each row is written as soon as it is read from a live pipe" {
	train_fixture
	mkfifo "$T/fifo"
	kscore <"$T/fifo" >"$T/out" &
	pid=$!
	exec 7>"$T/fifo"
	head -n 1 "$FIX/rows_1k.ndjson" >&7
	for i in $(seq 50); do [ -s "$T/out" ] && break; sleep 0.1; done
	[ "$(wc -l <"$T/out")" -eq 1 ]
	exec 7>&-
	wait "$pid"
}
