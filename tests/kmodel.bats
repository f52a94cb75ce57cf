#!/usr/bin/env bats
# kmodel: list, show, verify, promote (rollback), diff and prune.

load helpers
bats_require_minimum_version 1.5.0

@test "kmodel list: versions newest first, latest marked, rows and key metrics" {
	train_fixture --save-version a
	sleep 0.01
	train_fixture --save-version b --trees 10
	run kmodel list
	assert_success
	assert_line --index 0 --regexp '^KIND +VERSION +CREATED +ROWS +FEATURES +METRICS$'
	assert_line --index 1 --regexp '^anomaly +b \* +20[0-9-]+T.* 1000 +8 +threshold=[0-9.]+ anomaly_rate_pct=5$'
	assert_line --index 2 --regexp '^anomaly +a +'
	run kmodel list --json
	[ "$(jq -r .version <<<"${lines[0]}")" = b ]
	[ "$(jq -r .latest <<<"${lines[0]}")" = true ]
	[ "$(jq -r .latest <<<"${lines[1]}")" = false ]
	[ "$(jq -r .rows <<<"${lines[1]}")" = 1000 ]
}

@test "kmodel list: an empty store says so and succeeds" {
	run --separate-stderr kmodel list
	assert_success
	[ -z "$output" ]
	[[ "$stderr" == *"no models in"* ]]
}

@test "kmodel show: header and metadata as JSON, for latest or a version" {
	train_fixture --save-version v1 --seed 5
	run kmodel show
	assert_success
	jq -e '.kind == "anomaly" and .version == "v1" and .latest and .format.read_version == 1 and .header.params.seed == 5 and (.header.features | length) == 8 and (.header.training.feature_stats[0].quantiles | length) == 21' <<<"$output"
	run kmodel show anomaly/v1
	assert_success
	run kmodel show "$KTOOLS_MODEL_DIR/anomaly/v1.ktm"
	assert_success
	jq -e '.version == "v1"' <<<"$output"
	run kmodel show nope
	assert_failure 66
}

@test "kmodel verify: good files pass; a corrupted one fails with exit 65" {
	train_fixture --save-version good
	train_fixture --save-version bad
	off=$(python3 "$FIX/ktm.py" payload-offset "$KTOOLS_MODEL_DIR/anomaly/bad.ktm")
	python3 "$FIX/ktm.py" flip "$KTOOLS_MODEL_DIR/anomaly/bad.ktm" $((off + 3))
	run kmodel verify good
	assert_success
	assert_output --regexp '^ok +anomaly/good \([0-9]+ bytes\)$'
	run --separate-stderr kmodel verify
	assert_failure 65
	assert_line --regexp '^FAILED +anomaly/bad: .*corrupted: payload checksum mismatch$'
	assert_line --regexp '^ok +anomaly/good'
	[[ "$stderr" == *"1 of 2 model files failed verification"* ]]
	run --separate-stderr kmodel verify --json bad
	assert_failure 65
	jq -e '.ok == false and (.error | test("checksum"))' <<<"$output"
}

@test "kmodel verify: a latest pointer naming a missing file fails" {
	train_fixture --save-version v1
	echo gone >"$KTOOLS_MODEL_DIR/anomaly/latest"
	run kmodel verify
	assert_failure 65
	assert_output --partial "FAILED  anomaly/latest: 'latest' of the 'anomaly' model names 'gone', which is missing"
}

@test "kmodel promote: rolls latest back, and kscore follows" {
	train_fixture --save-version v1 --seed 1
	train_fixture --save-version v2 --seed 2
	run kmodel promote v1
	assert_success
	assert_output --partial "anomaly: latest is now v1 (was v2)"
	[ "$(head -n 1 "$FIX/rows_1k.ndjson" | kscore | jq -r .model_version)" = v1 ]
	run kmodel promote nope
	assert_failure 66
	[ "$(cat "$KTOOLS_MODEL_DIR/anomaly/latest")" = v1 ]
}

@test "kmodel promote: refuses a version that fails verification" {
	train_fixture --save-version v1
	train_fixture --save-version v2
	python3 "$FIX/ktm.py" truncate "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" 100
	run kmodel promote v1
	assert_failure 65
	assert_output --partial "refusing to promote"
	[ "$(cat "$KTOOLS_MODEL_DIR/anomaly/latest")" = v2 ]
}

@test "kmodel diff: parameters, features and metrics side by side" {
	train_fixture --save-version a --trees 50
	ktrain anomaly -q --save-version b --trees 80 --exclude f07 "$FIX/rows_1k.ndjson" >/dev/null
	run kmodel diff a b
	assert_success
	assert_line --regexp '^params\.trees +50 +80 +\*$'
	assert_line --regexp '^params\.seed +42 +42 *$'
	assert_line --regexp '^features +8 +7 +\*$'
	assert_line --regexp '^  only in A +\["f07"\]$'
	run kmodel diff --json a b
	jq -e '.params.trees == [50,80] and .features.only_a == ["f07"] and .features.only_b == []' <<<"$output"
	run kmodel diff a
	assert_failure 64
}

@test "kmodel prune: keeps the N newest and never latest" {
	for v in v1 v2 v3 v4; do train_fixture --save-version $v --trees 5; sleep 0.01; done
	kmodel promote v1 2>/dev/null
	run kmodel prune --keep 2
	assert_success
	assert_output --partial "removed anomaly/v2"
	[ -f "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" ]
	[ ! -f "$KTOOLS_MODEL_DIR/anomaly/v2.ktm" ]
	[ -f "$KTOOLS_MODEL_DIR/anomaly/v3.ktm" ]
	[ -f "$KTOOLS_MODEL_DIR/anomaly/v4.ktm" ]
	run kmodel prune
	assert_failure 64
}

@test "kmodel prune: removes what killed saves left, once an hour old, and nothing else" {
	train_fixture --save-version v1 --trees 5
	d=$KTOOLS_MODEL_DIR/anomaly
	for f in .tmp.4242.ktm .latest.tmp.4242 .tmp.4343.ktm; do echo partial >"$d/$f"; done
	touch -d '2 hours ago' "$d/.tmp.4242.ktm" "$d/.latest.tmp.4242" "$d/v1.ktm"
	touch -d '2 hours ago' "$d/latest"
	run --separate-stderr kmodel prune --keep 1
	assert_success
	[[ "$stderr" == *"removed $d/.tmp.4242.ktm, left by a save that did not finish"* ]]
	[[ "$stderr" == *"removed $d/.latest.tmp.4242, left by a save"* ]]
	[ ! -e "$d/.tmp.4242.ktm" ] && [ ! -e "$d/.latest.tmp.4242" ]
	[ -f "$d/.tmp.4343.ktm" ]     # young: a save may be writing it
	[ -f "$d/v1.ktm" ] && [ "$(cat "$d/latest")" = v1 ]
	kmodel verify >/dev/null
}

@test "kmodel: a version name in two kinds must be qualified" {
	train_fixture --save-version v1
	mkdir -p "$KTOOLS_MODEL_DIR/other"
	cp "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" "$KTOOLS_MODEL_DIR/other/"
	run kmodel show v1
	assert_failure 64
	assert_output --partial "'v1' exists for several kinds (anomaly, other): name one as KIND/v1 or with --kind"
	run kmodel show --kind anomaly v1
	assert_success
	run kmodel verify other/v1
	assert_failure 65
	assert_output --partial "file holds a 'anomaly' model, in the 'other' directory"
}

@test "kmodel: usage errors exit 64" {
	run kmodel
	assert_failure 64
	run kmodel frobnicate
	assert_failure 64
	assert_output --partial "unknown COMMAND 'frobnicate'"
	run kmodel list --kind ../x
	assert_failure 64
	# Options follow the command.
	run --separate-stderr kmodel --json list
	assert_failure 64
	[ -z "$output" ]
}

@test "kmodel: each command has its own options, --usage and --version" {
	for c in list show verify promote diff prune drift; do
		run --separate-stderr kmodel $c --usage
		assert_success
		[[ "$output" == "Usage: kmodel $c "* ]] || { echo "$c: $output"; false; }
		run --separate-stderr kmodel $c --version
		assert_success
		[[ "${lines[0]}" =~ ^kmodel\ \(ktools\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	done
	train_fixture --save-version v1
	for bad in "show --keep 2" "list --model-version v1" "prune --keep 1 --json" \
	           "promote --strict v1" "diff --rejects x v1 v1" "verify --keep 1"; do
		run --separate-stderr kmodel $bad
		[ "$status" -eq 64 ] || { echo "kmodel $bad: status $status"; false; }
		[ -z "$output" ]
	done
}

@test "kmodel drift: training-like rows are stable; a shifted or vanished feature is a major shift" {
	train_fixture --save-version v1
	run --separate-stderr kmodel drift "$FIX/rows_1k.ndjson"
	assert_success
	[[ "$stderr" == *"1000 rows against anomaly/v1: 0 of 8 features with a major shift"* ]]
	assert_line --index 0 --regexp '^FEATURE +PSI +SHIFT +MISSING_TRAIN +MISSING_NOW$'
	jq -c '.features.f02 += 1.5 | .features.f05 = null' "$FIX/rows_1k.ndjson" >"$T/moved"
	run --separate-stderr kmodel drift --json "$T/moved"
	assert_success
	[ "${#lines[@]}" -eq 8 ]
	[ "$(jq -r .feature <<<"${lines[0]}")" = f05 ]
	jq -e '.shift == "major" and .missing_pct == 100 and .missing_train_pct == 0' <<<"${lines[0]}"
	[ "$(jq -r .feature <<<"${lines[1]}")" = f02 ]
	jq -e '.shift == "major" and .psi > 0.25 and .model_version == "v1" and .rows == 1000' <<<"${lines[1]}"
	[ "$(jq -r .shift <<<"${lines[2]}")" = stable ]
}

@test "kmodel drift: bad rows are rejected by line; --model-version picks the model" {
	train_fixture --save-version v1
	train_fixture --save-version v2 --exclude f07
	{ head -n 50 "$FIX/rows_1k.ndjson"; echo 'nope'; } >"$T/in"
	run --separate-stderr kmodel drift --model-version v1 "$T/in"
	assert_failure 65
	[[ "$stderr" == *"$T/in:51: invalid JSON"* ]]
	[ "${#lines[@]}" -eq 9 ]
	run --separate-stderr kmodel drift "$T/in"
	[ "${#lines[@]}" -eq 8 ]
	run kmodel drift --model-version gone "$T/in"
	assert_failure 66
}

@test "kmodel prune: a kind of '..' is a usage error that deletes nothing outside the store" {
	train_fixture --save-version v1
	cp "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" "$T/a.ktm"
	cp "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" "$T/b.ktm"
	run --separate-stderr kmodel prune --keep 1 ..
	assert_failure 64
	[ -z "$output" ]
	[[ "$stderr" == *"model kind '..'"* ]]
	[ -f "$T/a.ktm" ]
	[ -f "$T/b.ktm" ]
	[ -f "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" ]
}

@test "kmodel list, show, verify, promote: a kind outside the store exits 64 naming the argument, stdout empty" {
	train_fixture --save-version v1
	cp "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" "$T/a.ktm"
	run --separate-stderr kmodel list ../..
	assert_failure 64
	[ -z "$output" ]
	[[ "$stderr" == *"'../..'"* ]]
	run --separate-stderr kmodel show ../a
	assert_failure 64
	[ -z "$output" ]
	[[ "$stderr" == *"'../a'"* ]]
	run --separate-stderr kmodel verify ../a
	assert_failure 64
	[ -z "$output" ]
	[[ "$stderr" == *"'../a'"* ]]
	run --separate-stderr kmodel promote ../a
	assert_failure 64
	[ ! -e "$T/latest" ]
	run --separate-stderr kmodel list --kind ..
	assert_failure 64
	[[ "$stderr" == *"--kind: model kind '..'"* ]]
	run --separate-stderr kmodel list Anomaly
	assert_failure 64
	[[ "$stderr" == *"model kind 'Anomaly'"* ]]
}

@test "kmodel drift: a --model-version that is not a version name exits 64 naming it" {
	train_fixture --save-version v1
	run --separate-stderr kmodel drift --model-version ../v1 "$FIX/rows_1k.ndjson"
	assert_failure 64
	[ -z "$output" ]
	[[ "$stderr" == *"--model-version: version name '../v1'"* ]]
}

@test "kmodel list, verify: store entries whose names are not kinds or versions are passed over" {
	train_fixture --save-version v1
	mkdir "$KTOOLS_MODEL_DIR/lost+found" "$KTOOLS_MODEL_DIR/Other"
	cp "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" "$KTOOLS_MODEL_DIR/Other/v1.ktm"
	cp "$KTOOLS_MODEL_DIR/anomaly/v1.ktm" "$KTOOLS_MODEL_DIR/anomaly/-x.ktm"
	run --separate-stderr kmodel list --json
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	jq -e '.kind == "anomaly" and .version == "v1"' <<<"${lines[0]}"
	run --separate-stderr kmodel verify
	assert_success
	assert_output --regexp '^ok +anomaly/v1 '
}
