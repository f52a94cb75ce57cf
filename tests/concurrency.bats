#!/usr/bin/env bats
# The store under concurrent use: trainers racing to publish while a
# scorer keeps loading latest. Nothing is lost, nothing half-written is
# ever read.

load helpers
bats_require_minimum_version 1.5.0

@test "store: concurrent ktrain runs each publish a version while kscore reads latest" {
	train_fixture --save-version base
	row=$(head -n 1 "$FIX/rows_1k.ndjson")
	(
		for i in $(seq 40); do
			kscore <<<"$row" >>"$T/scores" 2>>"$T/score_err" || echo "kscore failed: $?" >>"$T/score_err"
		done
	) &
	reader=$!
	pids=()
	for i in 1 2 3 4 5 6; do
		ktrain anomaly -q --trees 20 --seed "$i" "$FIX/rows_1k.ndjson" >"$T/r$i" 2>"$T/e$i" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	wait "$reader"
	[ ! -s "$T/score_err" ] || { cat "$T/score_err"; false; }
	[ "$(wc -l <"$T/scores")" -eq 40 ]
	# Six distinct versions, all whole, latest one of them.
	versions=$(cat "$T"/r? | jq -r .version | sort -u)
	[ "$(wc -l <<<"$versions")" -eq 6 ]
	for v in $versions; do [ -f "$KTOOLS_MODEL_DIR/anomaly/$v.ktm" ]; done
	grep -qx "$(cat "$KTOOLS_MODEL_DIR/anomaly/latest")" <<<"$versions"
	run kmodel verify
	assert_success
	[ "${#lines[@]}" -eq 7 ]
	# No temporary files are left behind.
	[ -z "$(find "$KTOOLS_MODEL_DIR" -name '.tmp.*')" ]
}

@test "store: two trainers naming the same version: one wins, the other exits 73" {
	ktrain anomaly -q --save-version same --seed 1 "$FIX/rows_1k.ndjson" >/dev/null 2>"$T/e1" &
	a=$!
	ktrain anomaly -q --save-version same --seed 2 "$FIX/rows_1k.ndjson" >/dev/null 2>"$T/e2" &
	b=$!
	sa=0; sb=0
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	[ $((sa + sb)) -eq 73 ]
	grep -q "already exists" "$T/e1" "$T/e2"
	run kmodel verify same
	assert_success
}
