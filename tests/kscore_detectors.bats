#!/usr/bin/env bats
# kscore with two detectors: the forest and the One-Class SVM read
# together, --models, rows only one detector can score, and bad models.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
}

both() {
	train_fixture --save-version f1
	ktrain ocsvm -q --save-version s1 "$FIX/rows_1k.ndjson" >/dev/null
}

@test "kscore detectors: both models score every row, by the documented rule" {
	both
	kscore "$FIX/rows_1k.ndjson" >"$T/out"
	[ "$(wc -l <"$T/out")" -eq 1000 ]
	# Every row: both detectors, the mean of their percentiles, the flag
	# when both flag or the mean reaches 95, the agreement.
	jq -e -s 'all(.[];
	    .method == "iforest+ocsvm" and .model_version == "f1+s1"
	    and .detectors.iforest.model_version == "f1" and .detectors.ocsvm.model_version == "s1"
	    and ((.anomaly_score - (.detectors.iforest.percentile + .detectors.ocsvm.percentile) / 2) | fabs) < 0.001
	    and .is_anomaly == ((.detectors.iforest.is_anomaly and .detectors.ocsvm.is_anomaly) or .anomaly_score >= 95)
	    and .agreement == (if .detectors.iforest.is_anomaly and .detectors.ocsvm.is_anomaly then "both"
	                       elif .detectors.iforest.is_anomaly or .detectors.ocsvm.is_anomaly then "one" else "none" end)
	    and (.detectors.ocsvm.is_anomaly == (.detectors.ocsvm.decision < -0.001))
	    and .detectors.ocsvm.score == .detectors.ocsvm.percentile)' "$T/out"
	# The rows pass through unchanged.
	jq -c 'del(.anomaly_score, .is_anomaly, .contributing_features, .method, .model_version, .detectors, .agreement)' "$T/out" |
		cmp - <(jq -c . "$FIX/rows_1k.ndjson")
}

@test "kscore detectors: the planted outliers are flagged by both and explained by f03" {
	both
	kscore "$FIX/rows_1k.ndjson" >"$T/out"
	for n in 8 108 508 908; do
		row=$(sed -n "${n}p" "$T/out")
		jq -e '.is_anomaly and .anomaly_score > 95 and .detectors.iforest.is_anomaly
		       and .detectors.ocsvm.percentile > 95
		       and .contributing_features[0].feature == "f03"' <<<"$row"
	done
	# The SVM explains them by f03 too when it scores alone.
	kscore --models ocsvm "$FIX/rows_1k.ndjson" | sed -n 108p |
		jq -e '.method == "ocsvm" and .contributing_features[0].feature == "f03"
		       and .contributing_features[0].gain > 0 and .contributing_features[0].severity == "high"'
}

@test "kscore detectors: a score does not depend on the rest of the batch" {
	both
	kscore "$FIX/rows_1k.ndjson" >"$T/all"
	for n in 1 8 500; do
		one=$(sed -n "${n}p" "$FIX/rows_1k.ndjson" | kscore --threads 1 | jq -c '[.anomaly_score, .detectors]')
		[ "$one" = "$(sed -n "${n}p" "$T/all" | jq -c '[.anomaly_score, .detectors]')" ]
	done
}

@test "kscore detectors: --models picks one; the forest alone scores as before" {
	train_fixture --save-version f1
	kscore "$FIX/rows_1k.ndjson" >"$T/forest"
	ktrain ocsvm -q --save-version s1 "$FIX/rows_1k.ndjson" >/dev/null
	kscore --models iforest "$FIX/rows_1k.ndjson" | cmp - "$T/forest"
	kscore --models ocsvm "$FIX/rows_1k.ndjson" >"$T/svm"
	jq -e -s 'all(.[]; .method == "ocsvm" and .model_version == "s1"
	           and .anomaly_score == .detectors.ocsvm.score and (has("agreement") | not)
	           and (.detectors | keys) == ["ocsvm"])' "$T/svm"
	run kscore --models nosuch "$FIX/rows_1k.ndjson"
	assert_failure 64
	assert_output --partial "unknown detector 'nosuch'"
}

@test "kscore detectors: a row only one detector can read keeps that one's score; none is a reject naming both" {
	train_fixture --save-version f1
	ktrain ocsvm -q --save-version s1 --features f00,f03 "$FIX/rows_1k.ndjson" >/dev/null
	{ sed -n 8p "$FIX/rows_1k.ndjson" | jq -c 'del(.features.f05)'
	  sed -n 2p "$FIX/rows_1k.ndjson" | jq -c 'del(.features.f00)'
	  sed -n 3p "$FIX/rows_1k.ndjson"; } >"$T/in"
	run --separate-stderr kscore "$T/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 2 ]
	jq -e '.method == "ocsvm" and .model_version == "s1" and (.detectors | keys) == ["ocsvm"]
	       and .anomaly_score == .detectors.ocsvm.score' <<<"${lines[0]}"
	jq -e '.method == "iforest+ocsvm"' <<<"${lines[1]}"
	[[ "$stderr" == *"$T/in:2: iforest: feature 'f00': missing; ocsvm: feature 'f00': missing"* ]]
}

@test "kscore detectors: only an SVM in the store scores with it; a named detector without a model exits 78" {
	ktrain ocsvm -q --save-version s1 "$FIX/rows_1k.ndjson" >/dev/null
	run --separate-stderr kscore --limit 1 "$FIX/rows_1k.ndjson"
	assert_success
	jq -e '.method == "ocsvm"' <<<"$output"
	run --separate-stderr kscore --models iforest "$FIX/rows_1k.ndjson"
	assert_failure 78
	[[ "$stderr" == *"no trained 'anomaly' model"*"train one with 'ktrain anomaly'"* ]]
	run --separate-stderr kscore --ocsvm-version nope "$FIX/rows_1k.ndjson"
	assert_failure 66
}

@test "kscore detectors: a damaged SVM model is refused naming the file, and the forest's rows are not guessed at" {
	both
	f="$KTOOLS_MODEL_DIR/ocsvm/s1.ktm"
	head -c 200 "$f" >"$T/cut" && cp "$T/cut" "$f"
	run --separate-stderr kscore "$FIX/rows_1k.ndjson"
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"$f"* ]]
	# --models iforest still scores.
	run --separate-stderr kscore --models iforest --limit 1 "$FIX/rows_1k.ndjson"
	assert_success
}

@test "kscore detectors: a long-running scorer picks up a new SVM latest" {
	both
	mkfifo "$T/fifo"
	kscore --models iforest,ocsvm <"$T/fifo" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 7>"$T/fifo"
	sed -n 1p "$FIX/rows_1k.ndjson" >&7
	ktrain ocsvm -q --save-version s2 --nu 0.1 "$FIX/rows_1k.ndjson" >/dev/null
	sleep 6
	sed -n 2p "$FIX/rows_1k.ndjson" >&7
	sleep 1
	sed -n 3p "$FIX/rows_1k.ndjson" >&7
	exec 7>&-
	wait "$pid"
	[ "$(sed -n 1p "$T/out" | jq -r .detectors.ocsvm.model_version)" = s1 ]
	[ "$(sed -n 3p "$T/out" | jq -r .detectors.ocsvm.model_version)" = s2 ]
	[ "$(sed -n 3p "$T/out" | jq -r .detectors.iforest.model_version)" = f1 ]
	grep -q "now scoring with ocsvm model s2" "$T/err"
}
