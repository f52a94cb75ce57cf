#!/usr/bin/env bats
# ktrain archetype: training on the simulator's labelled wallets, the
# report, the store, determinism, options and the bad-input policy.

load helpers
bats_require_minimum_version 1.5.0

# The labelled wallet rows, made once for the file: the rows kfeatures
# writes for addresses the simulator did not label (no "label") are
# dropped, those labelled without an archetype ("label": null) kept.
setup_file() {
	kfetch simulate wallet --wallets 300 --days 20 --seed 1 2>/dev/null |
		kfeatures wallet --no-graph 2>/dev/null |
		jq -c 'select(has("label"))' >"$BATS_FILE_TMPDIR/rows.ndjson"
}

rows() { echo "$BATS_FILE_TMPDIR/rows.ndjson"; }

@test "ktrain archetype: trains on the simulated wallets and reports" {
	run --separate-stderr ktrain archetype --rounds 20 "$(rows)"
	assert_success
	[ "$(wc -l <<<"$output")" -eq 1 ]
	jq -e '.kind == "train_report" and .model == "archetype"
	    and .rows > 250 and .rows_unlabelled > 0 and .rows_rejected == 0
	    and .classes == 7 and .features_used == 103 and .rounds == 20
	    and (.macro_f1 | type == "number" and . >= 0 and . <= 1)
	    and (.accuracy | . >= 0 and . <= 1) and .log_loss > 0
	    and (.per_class | length == 7)
	    and (.per_class.professional_trader | has("precision") and has("recall") and .support > 0)
	    and (.confusion.classes | length == 7 and . == sort)
	    and (.confusion.matrix | length == 7 and all(length == 7))
	    and ([.confusion.matrix[][]] | add) == .holdout_rows' <<<"$output"
	[[ "$stderr" == *"TRAINING ARCHETYPE CLASSIFIER"* ]]
	[[ "$stderr" == *"macro-F1"* ]]
	path=$(jq -r .path <<<"$output")
	[ -f "$path" ]
	[ "$(cat "$KTOOLS_MODEL_DIR/archetype/latest")" = "$(jq -r .version <<<"$output")" ]
}

@test "ktrain archetype: -q keeps stderr silent" {
	run --separate-stderr ktrain archetype -q --rounds 5 "$(rows)"
	assert_success
	[ -z "$stderr" ]
}

@test "ktrain archetype: the model is in the store for kmodel" {
	ktrain archetype -q --rounds 5 --save-version v1 "$(rows)" >/dev/null
	run kmodel list
	assert_success
	assert_output --partial archetype
	assert_output --partial v1
	run kmodel verify
	assert_success
}

@test "ktrain archetype: the same input and seed give the same model bytes" {
	export SOURCE_DATE_EPOCH=1742048400
	KTOOLS_MODEL_DIR="$T/a" ktrain archetype -q --rounds 10 --subsample 0.8 --save-version x "$(rows)" >/dev/null
	KTOOLS_MODEL_DIR="$T/b" ktrain archetype -q --rounds 10 --subsample 0.8 --save-version x <"$(rows)" >/dev/null
	cmp "$T/a/archetype/x.ktm" "$T/b/archetype/x.ktm"
	KTOOLS_MODEL_DIR="$T/c" ktrain archetype -q --rounds 10 --subsample 0.8 --seed 43 --save-version x "$(rows)" >/dev/null
	! cmp -s "$T/a/archetype/x.ktm" "$T/c/archetype/x.ktm"
}

@test "ktrain archetype: --holdout 0 measures nothing; --no-refit saves the holdout fit" {
	run ktrain archetype -q --rounds 5 --holdout 0 "$(rows)"
	assert_success
	jq -e '.holdout_rows == 0 and .macro_f1 == null and .refit' <<<"$output"
	run ktrain archetype -q --rounds 5 --no-refit "$(rows)"
	assert_success
	jq -e '.refit == false and .holdout_rows > 0' <<<"$output"
}

@test "ktrain archetype: bad rows are rejected naming the line; the rest trains" {
	{
		head -n 40 "$(rows)"
		echo '{"kind":"features","features":{"tx_count":1}}'
		jq -c 'select(.label != null) | .features.tx_count = "many"' "$(rows)" | head -n 1
		jq -c 'select(.label != null) | del(.features.tx_count)' "$(rows)" | head -n 1
		jq -c 'select(.label != null) | .features.extra = 1' "$(rows)" | head -n 1
		jq -c 'select(.label != null) | .label = 7' "$(rows)" | head -n 1
		tail -n +41 "$(rows)"
	} >"$T/bad.ndjson"
	run --separate-stderr ktrain archetype --rounds 5 "$T/bad.ndjson"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"bad.ndjson:41: field 'label': missing"* ]]
	[[ "$stderr" == *"bad.ndjson:42: "*"tx_count"* ]]
	[[ "$stderr" == *"bad.ndjson:43: "*"tx_count"* ]]
	[[ "$stderr" == *"bad.ndjson:44: field 'features': 104 features, not the 103 of the first row"* ]]
	[[ "$stderr" == *"bad.ndjson:45: field 'label': expected a string"* ]]
	jq -e '.rows_rejected == 5 and .features_used == 103' <<<"$output"
	[ -f "$(jq -r .path <<<"$output")" ]
}

@test "ktrain archetype: --label-field chooses the class field" {
	jq -c '.kind_of_user = .label | del(.label)' "$(rows)" >"$T/other.ndjson"
	run ktrain archetype -q --rounds 5 --label-field kind_of_user "$T/other.ndjson"
	assert_success
	jq -e '.label_field == "kind_of_user" and .classes == 7' <<<"$output"
}

@test "ktrain archetype: a class with one row is an error naming it" {
	{ cat "$(rows)"; jq -c 'select(.label != null) | .label = "lonely"' "$(rows)" | head -n 1; } >"$T/one.ndjson"
	run ktrain archetype -q --rounds 5 "$T/one.ndjson"
	[ "$status" -eq 65 ]
	assert_output --partial "class 'lonely' has 1 row"
	[ ! -e "$KTOOLS_MODEL_DIR/archetype" ]
	jq -c 'select(.label == "institutional")' "$(rows)" >"$T/single.ndjson"
	run ktrain archetype -q "$T/single.ndjson"
	[ "$status" -eq 65 ]
	assert_output --partial "need at least 2 classes to train on, got 1 ('institutional')"
}

@test "ktrain archetype: bad option values exit 64" {
	for a in "--rounds 0" "--rounds x" "--max-depth 65" "--eta 0" "--eta 1.5" \
	         "--subsample 0" "--colsample 2" "--min-child-weight -1" \
	         "--seed -1" "--threads 0" "--holdout 1" "--holdout -0.1" \
	         "--label-field=" "--save-version ../x" "--holdout 0 --no-refit"; do
		run ktrain archetype $a "$(rows)"
		[ "$status" -eq 64 ] || { echo "$a: $status $output"; false; }
	done
	[ ! -e "$KTOOLS_MODEL_DIR/archetype" ]
}
