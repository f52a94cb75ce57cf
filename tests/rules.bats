#!/usr/bin/env bats
# The rules fallback of kscore: the reference's March 2025 incident, the
# forest's fields with "method":"rules", ML_ENABLED=false, rules that need
# the rows before kept in a state file across runs, and the state file's
# faults.

load helpers
bats_require_minimum_version 1.5.0

# row TS BUCKET FEATURES-JSON: a feature row as kfeatures writes it.
row() {
	printf '{"kind":"features","entity":"hyperliquid","ts":"%s","bucket":"%s","features":%s}\n' "$1" "$2" "$3"
}

@test "rules: the March 2025 HLP incident gives HIGH at 14:20 and CRITICAL at 14:23" {
	kfeatures hyperliquid --bucket 1m "$FIX/hl/incident_march2025.ndjson" >"$T/rows"
	run --separate-stderr kscore "$T/rows"
	assert_success
	[ "$(grep -c 'scoring by rules' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"no trained 'anomaly' model"* ]]
	level() { jq -r --arg t "2025-03-15T$1:00Z" 'select(.ts == $t) | .anomaly_level' <<<"$output"; }
	[ "$(level 14:00)" = LOW ]
	[ "$(level 14:15)" = MEDIUM ]
	[ "$(level 14:19)" = MEDIUM ]
	[ "$(level 14:20)" = HIGH ]
	[ "$(level 14:22)" = HIGH ]
	[ "$(level 14:23)" = CRITICAL ]
	[ "$(level 14:30)" = CRITICAL ]
	# kfeatures' own risk_level agrees, row by row.
	[ "$(jq -r .risk_level "$T/rows" | tr '\n' ' ')" = "$(jq -r .anomaly_level <<<"$output" | tr '\n' ' ')" ]
	at=$(jq -c 'select(.ts == "2025-03-15T14:20:00Z")' <<<"$output")
	jq -e '.is_anomaly == true and .anomaly_score == 50 and .method == "rules" and .model_version == "rules-1"' <<<"$at"
	jq -e '.contributing_features[0] | .feature == "pnl_24h_pct" and .severity == "high" and (.deviation > 2.5)' <<<"$at"
	jq -e '.alerts[0] | .rule == "hlp_loss" and .threat_type == "hlp_exploitation" and .threshold == -2' <<<"$at"
	# Rows before 14:20 are not anomalies and carry no explanation.
	[ "$(jq -r 'select(.ts < "2025-03-15T14:20:00Z") | .is_anomaly' <<<"$output" | sort -u)" = false ]
	[ "$(jq -r 'select(.ts < "2025-03-15T14:20:00Z") | has("contributing_features")' <<<"$output" | sort -u)" = false ]
}

@test "rules: every input field passes through; the fields added are the forest's plus anomaly_level and alerts" {
	kfeatures hyperliquid --bucket 1m "$FIX/hl/incident_march2025.ndjson" >"$T/rows"
	kscore -q "$T/rows" >"$T/out"
	jq -c 'del(.anomaly_score, .is_anomaly, .anomaly_level, .contributing_features, .alerts, .method, .model_version)' "$T/out" >"$T/back"
	jq -c . "$T/rows" | cmp - "$T/back"
	# Scoring the output again replaces the fields instead of repeating them.
	kscore -q "$T/out" >"$T/again"
	cmp "$T/out" "$T/again"
}

@test "rules: ML_ENABLED=false scores by rules even with a trained model" {
	train_fixture
	kfeatures hyperliquid --bucket 1m "$FIX/hl/incident_march2025.ndjson" >"$T/rows"
	run --separate-stderr env ML_ENABLED=false kscore "$T/rows"
	assert_success
	[[ "$stderr" == *"ML_ENABLED=false: scoring by rules"* ]]
	[ "$(jq -r .method <<<"$output" | sort -u)" = rules ]
	# With the model and ML on, a row of the wrong features is refused.
	run --separate-stderr kscore "$T/rows"
	assert_failure 65
	[[ "$stderr" == *"feature 'f00': missing"* ]]
}

@test "rules: rows the rules cannot read are a configuration error, not a guess" {
	run --separate-stderr env ML_ENABLED=false kscore "$FIX/rows_1k.ndjson"
	assert_failure 78
	[ -z "$output" ]
	[[ "$stderr" == *"ML_ENABLED=false, and the rules read none of the features of $FIX/rows_1k.ndjson:1"* ]]
}

@test "rules: a row the rules read nothing of in mid-stream is rejected; the rest is scored and kept" {
	{ row 2025-03-15T14:00:00Z 1m '{"pnl_24h":-1e6,"account_value":1.2e8}'
	  row 2025-03-15T14:01:00Z 1m '{"tx_count":3,"unique_counterparties":2}'
	  row 2025-03-15T14:02:00Z 1m '{"pnl_24h":-1e6,"account_value":1.2e8}'; } >"$T/in"
	run --separate-stderr kscore --rejects "$T/rej" "$T/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .ts <<<"$output" | tr '\n' ' ')" = "2025-03-15T14:00:00Z 2025-03-15T14:02:00Z " ]
	[[ "$stderr" == *"$T/in:2: the rules read none of its features"* ]]
	sed -n 2p "$T/in" | cmp - "$T/rej"
}

@test "rules: a bad row names its line and feature, and the rest is scored" {
	{ row 2025-03-15T14:00:00Z 1m '{"pnl_24h":-1e6,"account_value":1.2e8}'
	  row 2025-03-15T14:01:00Z 1m '{"pnl_24h":"lots","account_value":1.2e8}'
	  row 2025-03-15T14:02:00Z 1m '{"pnl_24h":-1e6,"account_value":1.2e8}'
	  printf '{"kind":"features","ts":"2025-03-15T14:03:00Z","bucket":"soon","features":{"pnl_24h":1}}\n'
	  printf '{"kind":"features","bucket":"1m","features":{"pnl_24h":1}}\n'
	  printf '{"kind":"features","ts":"2025-03-15T14:05:00Z","features":[1]}\n'; } >"$T/rows"
	run --separate-stderr kscore -q "$T/rows"
	assert_failure 65
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *"$T/rows:2: feature 'pnl_24h': expected number, got string \"lots\""* ]]
	[[ "$stderr" == *"$T/rows:4: field 'bucket': expected a duration such as \"1h\", got string \"soon\""* ]]
	[[ "$stderr" == *"$T/rows:5: field 'ts': missing"* ]]
	[[ "$stderr" == *"$T/rows:6: field 'features': expected object, got array"* ]]
}

# A mark 0.7% off the oracle, seen for 20 s in each of three 1-minute rows.
deviation_rows() {
	for m in 00 01 02; do
		row "2025-03-15T14:${m}:00Z" 1m '{"max_deviation_pct":0.7,"deviation_duration_s":20}'
	done
}

@test "rules: a deviation sustained across rows is HIGH, also across runs with --rules-state" {
	deviation_rows >"$T/rows"
	# One run: sustained from the second row on.
	[ "$(kscore -q "$T/rows" | jq -r .anomaly_level | tr '\n' ' ')" = "MEDIUM HIGH HIGH " ]
	# One row per run, as cron would: without a state each looks new.
	for i in 1 2 3; do sed -n "${i}p" "$T/rows" | kscore -q; done | jq -r .anomaly_level >"$T/nostate"
	[ "$(tr '\n' ' ' <"$T/nostate")" = "MEDIUM MEDIUM MEDIUM " ]
	# With the state file they behave like the one run.
	for i in 1 2 3; do sed -n "${i}p" "$T/rows" | kscore -q --rules-state "$T/state"; done | jq -r .anomaly_level >"$T/state_levels"
	[ "$(tr '\n' ' ' <"$T/state_levels")" = "MEDIUM HIGH HIGH " ]
	jq -e '.format == 1 and .rows == 3 and .last_ts == "2025-03-15T14:02:00Z" and .deviation_since == "2025-03-15T14:00:40Z"' "$T/state"
	# KTOOLS_RULES_STATE is the default.
	rm "$T/state"
	for i in 1 2 3; do sed -n "${i}p" "$T/rows" | KTOOLS_RULES_STATE="$T/state" kscore -q; done | jq -r .anomaly_level | tail -n 1 | grep -qx HIGH
}

@test "rules: a cascade split between two runs is seen with the state file" {
	row 2025-03-15T14:00:00Z 1m '{"liquidation_count":2,"liquidation_count_5min":2}' >"$T/a"
	row 2025-03-15T14:01:00Z 1m '{"liquidation_count":3,"liquidation_count_5min":3}' >"$T/b"
	kscore -q --rules-state "$T/state" "$T/a" >/dev/null
	run --separate-stderr kscore -q --rules-state "$T/state" "$T/b"
	assert_success
	jq -e '.alerts[0].rule == "liquidation_cascade" and .alerts[0].value == 5' <<<"$output"
	run --separate-stderr kscore -q "$T/b"
	jq -e '.alerts == []' <<<"$output"
}

@test "rules: a replayed row is scored but leaves the state file as it was" {
	deviation_rows >"$T/rows"
	kscore -q --rules-state "$T/state" "$T/rows" >/dev/null
	cp "$T/state" "$T/before"
	kscore -q --rules-state "$T/state" "$T/rows" >"$T/out"
	cmp "$T/before" "$T/state"
	[ "$(wc -l <"$T/out")" -eq 3 ]
}

@test "rules: the state file is saved when the reader of the output goes away" {
	kfetch simulate hyperliquid -q --days 2 --seed 4 | kfeatures hyperliquid -q --bucket 1m >"$T/rows"
	run --separate-stderr bash -c 'ML_ENABLED=false kscore --rules-state "$2" "$1" | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$T/rows" "$T/state"
	assert_output 0
	[ -z "$stderr" ] || [[ "$stderr" == *"scoring by rules"* && "$stderr" != *"rror"* ]]
	jq -e 'type == "object"' "$T/state"
}

@test "rules: a corrupt state file exits 65 naming it, with nothing on stdout" {
	deviation_rows >"$T/rows"
	echo '{"format":1,"rows":"many"}' >"$T/state"
	run --separate-stderr kscore --rules-state "$T/state" "$T/rows"
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"rules state '$T/state': field 'rows': expected a whole number >= 0 (remove the file to start afresh)"* ]]
	echo '{"format":7}' >"$T/state"
	run --separate-stderr kscore --rules-state "$T/state" "$T/rows"
	assert_failure 65
	[[ "$stderr" == *"version 7, this program reads 1"* ]]
}

@test "rules: a state file in a directory that does not exist exits 73" {
	deviation_rows >"$T/rows"
	run --separate-stderr kscore --rules-state "$T/no/such/state" "$T/rows"
	assert_failure 73
	[ -z "$output" ]
	[[ "$stderr" == *"$T/no/such/state.lock"* ]]
	run --separate-stderr kscore --rules-state "" "$T/rows"
	assert_failure 64
}

@test "rules: a state file locked by another kscore exits 75 after waiting" {
	command -v flock >/dev/null || skip "no flock(1)"
	deviation_rows >"$T/rows"
	flock "$T/state.lock" sleep 8 &
	holder=$!
	sleep 0.3
	run --separate-stderr kscore --rules-state "$T/state" "$T/rows"
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	[ "$status" -eq 75 ]
	[ -z "$output" ]
	[[ "$stderr" == *"stayed locked"* ]]
}

@test "rules: kfeatures' risk_score is the rules' score of the same rows in one run" {
	kfetch simulate hyperliquid -q --days 10 --seed 3 | kfeatures hyperliquid >"$T/rows"
	kscore -q "$T/rows" >"$T/out"
	paste <(jq .risk_score "$T/rows") <(jq .anomaly_score "$T/out") | awk '$1 != $2 { bad++ } END { exit bad > 0 }'
	[ "$(jq -r .risk_level "$T/rows" | tr '\n' ' ')" = "$(jq -r .anomaly_level "$T/out" | tr '\n' ' ')" ]
}
