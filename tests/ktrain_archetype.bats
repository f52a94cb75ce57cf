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
	assert_output --partial "macro_f1="
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

@test "ktrain archetype: the threshold table is copied into the model; --thresholds replaces it" {
	data="$BATS_TEST_DIRNAME/../data/archetype-thresholds.json"
	ktrain archetype -q --rounds 5 --save-version a "$(rows)" >/dev/null
	kmodel show a >"$T/a.json"
	# The default: data/'s table, for the classes trained (mev_arbitrage
	# is not among them).
	jq -e --slurpfile t "$data" '.header as $h | $h.threshold_multipliers.groups == $t[0].groups
	    and ($h.threshold_multipliers.archetypes | keys) == $h.classes
	    and all($h.classes[]; $h.threshold_multipliers.archetypes[.] == $t[0].archetypes[.])' "$T/a.json"
	# A table of its own, leaving one class out: that class gets 1s, and
	# stderr says so.
	jq '.groups = {"gas": "gwei"} | .archetypes = {"professional_trader": {"gas": 1.75}, "retail_active": {"gas": 1.2}}' \
	    "$data" >"$T/mine.json"
	run --separate-stderr ktrain archetype --rounds 5 --thresholds "$T/mine.json" --save-version b "$(rows)"
	assert_success
	[[ "$stderr" == *"class 'institutional' is not in $T/mine.json: its threshold multipliers are 1"* ]]
	kmodel show b | jq -e '.header.threshold_multipliers.archetypes
	    | .professional_trader == {"gas": 1.75} and .institutional == {"gas": 1}
	    and (keys | length) == 7'
}

@test "ktrain archetype: a bad --thresholds file is refused before training, naming the file and the fault" {
	data="$BATS_TEST_DIRNAME/../data/archetype-thresholds.json"
	run ktrain archetype -q --thresholds "$T/none.json" "$(rows)"
	[ "$status" -eq 66 ]
	assert_output --partial "--thresholds: "
	assert_output --partial "none.json"
	printf '{"groups": {"gas": ""},\n "archetypes": {,}}' >"$T/syntax.json"
	run ktrain archetype -q --thresholds "$T/syntax.json" "$(rows)"
	[ "$status" -eq 65 ]
	assert_output "ktrain: --thresholds: $T/syntax.json: line 2, column 17: string or '}' expected near ','"
	jq 'del(.archetypes.institutional.gas)' "$data" >"$T/nogas.json"
	run ktrain archetype -q --thresholds "$T/nogas.json" "$(rows)"
	[ "$status" -eq 65 ]
	assert_output --partial "archetype 'institutional': no multiplier for group 'gas'"
	for bad in 0 -2 '"1.5"' null 1e9; do
		jq --argjson v "$bad" '.archetypes.mev_arbitrage.gas = $v' "$data" >"$T/bad.json"
		run ktrain archetype -q --thresholds "$T/bad.json" "$(rows)"
		[ "$status" -eq 65 ] || { echo "$bad: $status $output"; false; }
		assert_output --partial "archetype 'mev_arbitrage', group 'gas': a number in (0, 1000] expected"
	done
	jq '.archetypes.yield_farmer.gass = 1' "$data" >"$T/typo.json"
	run ktrain archetype -q --thresholds "$T/typo.json" "$(rows)"
	[ "$status" -eq 65 ]
	assert_output --partial "unknown group 'gass'"
	[ ! -e "$KTOOLS_MODEL_DIR/archetype" ]
}

@test "ktrain archetype: --early-stopping keeps the best holdout round's trees" {
	run --separate-stderr ktrain archetype --rounds 300 --early-stopping 5 --no-refit "$(rows)"
	assert_success
	jq -e '.rounds < 300 and .rounds_max == 300
	    and .early_stopping.patience == 5 and .early_stopping.best_round == .rounds
	    and ((.early_stopping.best_log_loss - .log_loss) | fabs) < 1e-5' <<<"$output"
	[[ "$stderr" == *"Early stopping: best round "*" of 300"* ]]
	rounds=$(jq .rounds <<<"$output")
	kmodel show | jq -e --argjson r "$rounds" '.header.rounds == $r and .header.params.rounds == $r'
	# The refit boosts as many rounds on every row.
	run ktrain archetype -q --rounds 300 --early-stopping 5 "$(rows)"
	assert_success
	jq -e --argjson r "$rounds" '.rounds == $r and .refit' <<<"$output"
	# Without it, every round; with it and no holdout, a usage error.
	run ktrain archetype -q --rounds 7 "$(rows)"
	jq -e '.rounds == 7 and .early_stopping == null' <<<"$output"
	run ktrain archetype -q --holdout 0 --early-stopping 5 "$(rows)"
	[ "$status" -eq 64 ]
	assert_output --partial "--early-stopping watches the holdout"
}

# The reference data of tests/fixtures/xgb as wallet feature rows.
fixture_rows() {
	jq -c '.X[] | {kind: "features", entity: "w", features: {tx_count: .[0], gas_p90: .[1], age_days: .[2], defi_share: .[3]}}' \
	    "$FIX/xgb/cases.json"
}

# The largest difference between karchetype's probabilities (file $1,
# classes a, b, c) and xgboost Python's.
worst_diff() {
	jq -n --slurpfile a "$1" --slurpfile c "$FIX/xgb/cases.json" \
	    '[range($c[0].n) as $i | ($a[$i].archetype_probabilities | [.a, .b, .c]) as $p
	      | range(3) as $k | ($p[$k] - $c[0].prob[$i][$k]) | fabs] | max'
}

@test "ktrain archetype --import: a model from python3-xgboost scores as Python scores" {
	fixture_rows >"$T/rows"
	# UBJSON with its feature names.
	run --separate-stderr ktrain archetype --import "$FIX/xgb/model_named.ubj" --classes a,b,c --save-version ubj
	assert_success
	jq -e '.model == "archetype" and .version == "ubj" and .imported.format == "ubjson"
	    and .classes == 3 and .features_used == 4 and .rounds == 12' <<<"$output"
	[[ "$stderr" == *"Model imported: "* ]]
	kmodel show ubj | jq -e '.header.features == ["tx_count", "gas_p90", "age_days", "defi_share"]
	    and .header.classes == ["a", "b", "c"] and .header.params == {"seed": 42, "threads": 1}
	    and .header.imported.format == "ubjson"'
	karchetype --model-version ubj "$T/rows" >"$T/out"
	[ "$(wc -l <"$T/out")" -eq 90 ]
	d=$(worst_diff "$T/out")
	echo "worst difference $d"
	near "$d" 0 1e-6
	# JSON naming no features: they are given.
	run ktrain archetype -q --import "$FIX/xgb/model.json" --classes a,b,c \
	    --features tx_count,gas_p90,age_days,defi_share --save-version json
	assert_success
	jq -e '.imported.format == "json"' <<<"$output"
	karchetype --model-version json "$T/rows" >"$T/out2"
	near "$(worst_diff "$T/out2")" 0 1e-6
	run kmodel verify
	assert_success
}

@test "ktrain archetype --import: what does not fit the model is refused, naming it; nothing is saved" {
	run ktrain archetype -q --import "$FIX/xgb/model.json" --classes a,b,c
	[ "$status" -eq 64 ]
	assert_output "ktrain: --import: $FIX/xgb/model.json: the model names none of its 4 features: give them, in its column order"
	run ktrain archetype -q --import "$FIX/xgb/model_named.ubj" --classes a,b
	[ "$status" -eq 64 ]
	assert_output --partial "2 class names given, the model has 3 classes"
	run ktrain archetype -q --import "$FIX/xgb/model_named.ubj" --classes a,b,c --features tx_count,gas,age_days,defi_share
	[ "$status" -eq 64 ]
	assert_output --partial "feature 1 is 'gas_p90' in the model, 'gas' as given"
	run ktrain archetype -q --import "$FIX/xgb/model.json" --classes a,b,a --features p,q,r,s
	[ "$status" -eq 64 ]
	assert_output --partial "class 'a' appears twice"
	run ktrain archetype -q --import "$FIX/xgb/cases.json" --classes a,b,c
	[ "$status" -eq 65 ]
	assert_output --partial "xgboost: load the model: "
	run ktrain archetype -q --import "$FIX/xgb/README" --classes a,b,c
	[ "$status" -eq 65 ]
	assert_output --partial "not an XGBoost model"
	sed 's/multi:softprob/multi:softmax/' "$FIX/xgb/model.json" >"$T/softmax.json"
	run ktrain archetype -q --import "$T/softmax.json" --classes a,b,c --features p,q,r,s
	[ "$status" -eq 65 ]
	assert_output --partial "objective 'multi:softmax', not multi:softprob"
	run ktrain archetype -q --import "$T/none.json" --classes a,b,c
	[ "$status" -eq 66 ]
	for a in "--classes a,b,c" "--features p" "--import $FIX/xgb/model.json" \
	         "--import $FIX/xgb/model.json --classes a,,c" "--import="; do
		run ktrain archetype -q $a "$(rows)"
		[ "$status" -eq 64 ] || { echo "$a: $status $output"; false; }
	done
	run ktrain archetype -q --import "$FIX/xgb/model_named.ubj" --classes a,b,c "$(rows)"
	[ "$status" -eq 64 ]
	assert_output --partial "--import reads no rows"
	[ ! -e "$KTOOLS_MODEL_DIR/archetype" ]
}

@test "ktrain archetype: bad option values exit 64" {
	for a in "--rounds 0" "--rounds x" "--max-depth 65" "--eta 0" "--eta 1.5" \
	         "--subsample 0" "--colsample 2" "--min-child-weight -1" \
	         "--seed -1" "--threads 0" "--holdout 1" "--holdout -0.1" \
	         "--label-field=" "--save-version ../x" "--holdout 0 --no-refit" \
	         "--early-stopping 0" "--early-stopping x"; do
		run ktrain archetype $a "$(rows)"
		[ "$status" -eq 64 ] || { echo "$a: $status $output"; false; }
	done
	[ ! -e "$KTOOLS_MODEL_DIR/archetype" ]
}
