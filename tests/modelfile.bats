#!/usr/bin/env bats
# Model files: every kind of damage is refused with a message naming the
# file and the fault, exit 65, nothing on stdout, and the store's other
# versions stay usable.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	train_fixture --save-version spare
	train_fixture --save-version v1
	M="$KTOOLS_MODEL_DIR/anomaly/v1.ktm"
	row=$(head -n 1 "$FIX/rows_1k.ndjson")
}

# The damaged latest is refused by kscore and kmodel verify with msg; the
# spare version still scores.
refused() {
	run --separate-stderr kscore <<<"$row"
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"model file '$M': $1"* ]] || { echo "stderr: $stderr"; false; }
	run kmodel verify v1
	assert_failure 65
	assert_output --partial "$1"
	run kscore --model-version spare <<<"$row"
	assert_success
}

@test "model file: truncated inside the fixed header" {
	python3 "$FIX/ktm.py" truncate "$M" 40
	refused "truncated: 40 bytes, a model file has at least 64"
}

@test "model file: truncated inside the payload" {
	size=$(stat -c %s "$M")
	python3 "$FIX/ktm.py" truncate "$M" $((size - 100))
	refused "truncated: $((size - 100)) bytes, the header promises $size"
}

@test "model file: empty" {
	: >"$M"
	refused "not a ktools model file (bad magic)"
}

@test "model file: not a model at all" {
	cp "$FIX/rows_1k.ndjson" "$M"
	refused "not a ktools model file (bad magic)"
}

@test "model file: magic damaged by a text-mode copy" {
	python3 - "$M" <<-'PY'
	import sys
	p = sys.argv[1]
	b = open(p, "rb").read()
	open(p, "wb").write(b.replace(b"\r\n", b"\n", 1))
	PY
	refused "damaged magic bytes (was the file copied in text mode?)"
}

@test "model file: a flipped bit in the metadata header" {
	python3 "$FIX/ktm.py" flip "$M" 100
	refused "corrupted: header checksum mismatch"
}

@test "model file: a flipped bit in the fixed header's lengths" {
	python3 "$FIX/ktm.py" flip "$M" 33
	refused "corrupted: header checksum mismatch"
	python3 "$FIX/ktm.py" flip "$M" 33
	python3 "$FIX/ktm.py" flip "$M" 31
	refused "corrupted: impossible lengths in the header"
}

@test "model file: a flipped bit in the payload" {
	off=$(python3 "$FIX/ktm.py" payload-offset "$M")
	python3 "$FIX/ktm.py" flip "$M" $((off + 10))
	refused "corrupted: payload checksum mismatch"
}

@test "model file: extra bytes after the payload" {
	printf 'xyz' >>"$M"
	refused "corrupted: 3 unexpected bytes after the payload"
}

@test "model file: written by a newer format" {
	python3 "$FIX/ktm.py" read-version "$M" 2
	refused "written in model format 2 by a newer ktools; this build reads format 1 and older: upgrade ktools"
}

@test "model file: the wrong kind of model" {
	python3 "$FIX/ktm.py" kind "$M" forecast
	run --separate-stderr kscore <<<"$row"
	assert_failure 65
	[[ "$stderr" == *"model file '$M': a model of kind 'forecast', not 'anomaly'"* ]]
	run kmodel verify v1
	assert_failure 65
	assert_output --partial "file holds a 'forecast' model, in the 'anomaly' directory"
}

@test "model file: a header whose feature set disagrees with the forest" {
	python3 "$FIX/ktm.py" drop-feature "$M"
	refused "header lists 7 features, the forest has 8 (wrong feature set)"
}

@test "model store: latest naming a version that is gone" {
	rm "$M"
	run --separate-stderr kscore <<<"$row"
	assert_failure 65
	[[ "$stderr" == *"'latest' of the 'anomaly' model names 'v1', which is missing from"* ]]
}

@test "model store: latest holding garbage" {
	printf '../../etc/passwd\n' >"$KTOOLS_MODEL_DIR/anomaly/latest"
	run --separate-stderr kscore <<<"$row"
	assert_failure 65
	[[ "$stderr" == *"does not name a valid version: the store is damaged (repair with 'kmodel promote')"* ]]
	kmodel promote spare 2>/dev/null
	run kscore <<<"$row"
	assert_success
}

@test "model store: a save whose latest cannot be written leaves nothing, and can be run again" {
	d="$KTOOLS_MODEL_DIR/anomaly"
	rm "$d/latest" && mkdir "$d/latest"    # rename onto it fails
	run --separate-stderr ktrain anomaly -q --save-version v2 "$FIX/rows_1k.ndjson"
	assert_failure 74
	[ -z "$output" ]
	[[ "$stderr" == *"cannot replace '$d/latest'"* ]]
	[ ! -e "$d/v2.ktm" ]
	[ -z "$(find "$d" -name '.*tmp*')" ]
	rmdir "$d/latest"
	ktrain anomaly -q --save-version v2 "$FIX/rows_1k.ndjson" >/dev/null
	[ "$(cat "$d/latest")" = v2 ]
}

@test "model file: rows lacking the model's features are rejected line by line" {
	ktrain anomaly -q --save-version wide <(jq -c '.features.extra = 1' "$FIX/rows_1k.ndjson") >/dev/null
	run --separate-stderr kscore <<<"$row"
	assert_failure 65
	[[ "$stderr" == *"<stdin>:1: feature 'extra': missing"* ]]
}

@test "model file: a format-1 file written by ktools 0.1.0 still loads and scores the same" {
	cp -r "$FIX/models" "$T/old"
	run kmodel verify --model-dir "$T/old"
	assert_success
	sed -n '1p;8p;108p' "$FIX/rows_1k.ndjson" |
		kscore --model-dir "$T/old" |
		jq -c '{anomaly_score,is_anomaly,top:.contributing_features[0].feature}' >"$T/got"
	cmp "$FIX/models/expected_scores.ndjson" "$T/got"
}
