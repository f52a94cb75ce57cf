#!/usr/bin/env bats
# Whole pipelines, as people run them.

load helpers
bats_require_minimum_version 1.5.0

@test "pipeline: train, score, filter with jq, and list the store" {
	run bash -c 'set -o pipefail
		ktrain anomaly -q --save-version p1 "$1" >/dev/null &&
		kscore "$1" | jq -c "select(.is_anomaly) | {ts, s: .anomaly_score}" | wc -l' _ "$FIX/rows_1k.ndjson"
	assert_success
	[ "$output" -eq 50 ]
	run kmodel list --json
	[ "$(jq -r .version <<<"$output")" = p1 ]
}

@test "pipeline: scoring shards by line: split, score in parallel, same result" {
	train_fixture
	kscore --threads 1 "$FIX/rows_1k.ndjson" >"$T/whole"
	split -l 137 "$FIX/rows_1k.ndjson" "$T/part."
	for f in "$T"/part.*; do kscore --threads 1 "$f" >"$f.out" & done
	wait
	cat "$T"/part.*.out | cmp - "$T/whole"
}

@test "pipeline: ktrain reads what kscore writes (extra fields are passed over)" {
	train_fixture --save-version a
	kscore "$FIX/rows_1k.ndjson" | ktrain anomaly -q --save-version b >/dev/null
	run kmodel diff a b
	assert_success
	assert_line --regexp '^features +8 +8 *$'
}
