#!/usr/bin/env bats
# karchetype: the archetype of each wallet row, its probabilities and
# explanation, rows passed through, bad rows, options, no model.

load helpers
bats_require_minimum_version 1.5.0

# Labelled wallet rows of a simulated population (seed $1), the wallets
# outside it (label null) left out.
wallet_rows() {
	kfetch simulate wallet --wallets 300 --days 20 --seed "$1" 2>/dev/null |
		kfeatures wallet -q --no-graph | jq -c 'select(.label != null)'
}

trained() {
	wallet_rows 1 >"$T/train"
	ktrain archetype -q --save-version v1 "$T/train" >/dev/null
	wallet_rows 2 >"$T/rows"
}

@test "karchetype: without a trained model it exits 78 and says how to train one" {
	run --separate-stderr karchetype "$FIX/rows_1k.ndjson"
	assert_failure 78
	[ -z "$output" ]
	[[ "$stderr" == *"train one with 'ktrain archetype'"* ]]
}

@test "karchetype: every row passes through with its archetype, probabilities, confidence, margin and explanation" {
	trained
	karchetype "$T/rows" >"$T/out"
	[ "$(wc -l <"$T/out")" -eq "$(wc -l <"$T/rows")" ]
	jq -c 'del(.archetype, .archetype_probabilities, .archetype_confidence, .archetype_margin, .archetype_review, .threshold_multipliers, .archetype_explanation, .model_version)' "$T/out" >"$T/back"
	jq -c . "$T/rows" | cmp - "$T/back"
	jq -se 'all(.[];
	    (.archetype_probabilities | to_entries) as $p
	    | ([$p[].value] | add - 1 | fabs) < 1e-5
	    and .archetype_confidence == ([$p[].value] | max)
	    and .archetype_probabilities[.archetype] == .archetype_confidence
	    and .archetype_margin >= 0 and .archetype_margin <= .archetype_confidence
	    and (.archetype_review == (.archetype_confidence < 0.5))
	    and (.archetype_explanation | length) == 3
	    and all(.archetype_explanation[]; (.feature | type) == "string" and (.contribution | type) == "number")
	    and .model_version == "v1")' "$T/out"
	# Largest contribution first.
	jq -se 'all(.[]; .archetype_explanation | map(.contribution | fabs) | . == (sort | reverse))' "$T/out"
	# The predicted archetype's multipliers, from the default table.
	jq -se --slurpfile t "$BATS_TEST_DIRNAME/../data/archetype-thresholds.json" \
	    'all(.[]; .threshold_multipliers == $t[0].archetypes[.archetype])' "$T/out"
}

@test "karchetype: the multipliers are the model's table, not today's file" {
	wallet_rows 1 >"$T/train"
	jq '.archetypes |= map_values(map_values(. * 2))' \
	    "$BATS_TEST_DIRNAME/../data/archetype-thresholds.json" >"$T/double.json"
	ktrain archetype -q --rounds 10 --thresholds "$T/double.json" --save-version d "$T/train" >/dev/null
	rm "$T/double.json"
	head -n 20 "$T/train" | karchetype --model-version d >"$T/out"
	jq -se --slurpfile t "$BATS_TEST_DIRNAME/../data/archetype-thresholds.json" \
	    'all(.[]; .threshold_multipliers == ($t[0].archetypes[.archetype] | map_values(. * 2)))' "$T/out"
}

@test "karchetype: on another seed's population most wallets get their own archetype" {
	trained
	karchetype "$T/rows" >"$T/out"
	agree=$(jq -s '[.[] | select(.archetype == .label)] | length' "$T/out")
	total=$(wc -l <"$T/out")
	echo "agree $agree of $total"
	[ $((agree * 10)) -ge $((total * 7)) ]
}

@test "karchetype: classifying its own output replaces the fields; the same rows give the same bytes" {
	trained
	karchetype "$T/rows" >"$T/once"
	karchetype "$T/once" >"$T/twice"
	cmp "$T/once" "$T/twice"
	karchetype --threads 1 "$T/rows" | cmp - "$T/once"
	cat "$T/rows" | karchetype --threads 3 | cmp - "$T/once"
}

@test "karchetype: a row lacking a feature or holding a string is rejected by line and feature; the rest go on" {
	trained
	{ sed -n 1p "$T/rows"
	  sed -n 2p "$T/rows" | jq -c 'del(.features.tx_count)'
	  sed -n 3p "$T/rows" | jq -c '.features.tx_count = "many"'
	  echo 'not json'
	  sed -n 4p "$T/rows"; } >"$T/bad"
	run --separate-stderr karchetype --rejects "$T/rej" "$T/bad"
	assert_failure 65
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *"$T/bad:2: feature 'tx_count': missing"* ]]
	[[ "$stderr" == *"$T/bad:3: feature 'tx_count'"* ]]
	[[ "$stderr" == *"$T/bad:4: invalid JSON"* ]]
	[ "$(wc -l <"$T/rej")" -eq 3 ]
}

@test "karchetype: --top-features 0 leaves the explanation out; --review-below sets the flag" {
	trained
	karchetype --top-features 0 "$T/rows" | jq -se 'all(.[]; has("archetype_explanation") | not)'
	karchetype --review-below 1 "$T/rows" | jq -se 'all(.[]; .archetype_review)'
	karchetype --review-below 0 "$T/rows" | jq -se 'all(.[]; .archetype_review | not)'
	for bad in "--review-below 1.5" "--review-below x" "--top-features -1" "--threads 0"; do
		run --separate-stderr karchetype $bad "$T/rows"
		[ "$status" -eq 64 ] || { echo "$bad: $status"; false; }
		[ -z "$output" ]
	done
	run --separate-stderr karchetype --model-version v9 "$T/rows"
	assert_failure 66
}

@test "karchetype: a corrupted model, or a file of another kind under the name, exits 65 naming the file; nothing is written" {
	wallet_rows 1 >"$T/train"
	ktrain archetype -q --rounds 5 --save-version v1 "$T/train" >/dev/null
	f="$KTOOLS_MODEL_DIR/archetype/v1.ktm"
	cp "$f" "$T/good.ktm"
	# One byte of the payload changed: the checksum says so.
	size=$(stat -c %s "$f")
	printf '\x55' | dd of="$f" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
	run --separate-stderr karchetype "$T/train"
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"$f"* ]]
	# An anomaly model put where the archetype model should be.
	ktrain anomaly -q --save-version a1 "$FIX/rows_1k.ndjson" >/dev/null
	cp "$KTOOLS_MODEL_DIR/anomaly/a1.ktm" "$f"
	run --separate-stderr karchetype "$T/train"
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"$f"* ]]
	[[ "$stderr" == *"anomaly"* ]]
	cp "$T/good.ktm" "$f"
	karchetype "$T/train" >/dev/null
}
