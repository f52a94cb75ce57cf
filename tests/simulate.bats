#!/usr/bin/env bats
# kfetch simulate hyperliquid: the same seed gives the same bytes, labels
# come first and match what the records show, the records are the
# contract's and feed kfeatures cleanly, and bad options are usage errors
# that leave stdout empty.

load helpers
bats_require_minimum_version 1.5.0

@test "simulate: kfetch lists it, and it lists its populations" {
	run kfetch --help
	assert_success
	assert_output --partial simulate
	run kfetch simulate --help
	assert_success
	assert_output --partial hyperliquid
	run --separate-stderr kfetch simulate
	assert_failure 64
	[[ "$stderr" == *"missing POPULATION"* ]]
	run --separate-stderr kfetch simulate martians
	assert_failure 64
	[ -z "$output" ]
	[[ "$stderr" == *"unknown POPULATION 'martians'"* ]]
	run kfetch simulate hyperliquid --help
	assert_success
	for o in --days --start --seed --coins --step --incidents --kinds --warmup --hlp-value --no-labels; do
		assert_output --partial -- "$o"
	done
}

@test "simulate: the same options give the same bytes; another seed does not" {
	kfetch simulate hyperliquid -q --days 3 --seed 42 >"$T/a"
	kfetch simulate hyperliquid -q --days 3 --seed 42 >"$T/b"
	cmp "$T/a" "$T/b"
	kfetch simulate hyperliquid -q --days 3 --seed 43 >"$T/c"
	! cmp -s "$T/a" "$T/c"
}

@test "simulate: labels first, then the contract's records in time order" {
	kfetch simulate hyperliquid --days 8 --incidents 4 --warmup 1 --seed 9 >"$T/out" 2>"$T/err"
	grep -qF "4 incidents (1 oracle_manipulation, 1 liquidation_cascade, 1 hlp_drawdown, 1 wash_trading)" "$T/err"
	[ "$(head -n 4 "$T/out" | jq -r .kind | sort -u)" = label ]
	[ "$(tail -n +5 "$T/out" | jq -r .kind | grep -c label)" -eq 0 ]
	head -n 4 "$T/out" | jq -s -e 'map(has("ts") and has("ts_end") and .ts_end > .ts and .source == "simulate" and .entity == "hyperliquid") | all' >/dev/null
	# Time order after the labels (whole-second times, so text order works).
	tail -n +5 "$T/out" | jq -r '.ts | sub("\\.[0-9]+Z$"; "Z")' >"$T/ts"
	sort -c "$T/ts"
	# The kinds and their keys, as DESIGN.md's contract names them.
	[ "$(tail -n +5 "$T/out" | jq -r .kind | sort -u | tr '\n' ' ')" = "candle funding hlp liquidation price " ]
	# (jq -e judges only the last input, so each check is over all of them)
	tail -n +5 "$T/out" | jq -s -e 'map(select(.kind == "hlp") | has("vault") and has("account_value") and has("pnl")) | length > 0 and all' >/dev/null
	tail -n +5 "$T/out" | jq -s -e 'map(select(.kind == "liquidation") | (.value_usd > 0) and (.side == "long" or .side == "short") and (.user | test("^0x[0-9a-f]{40}$"))) | length > 0 and all' >/dev/null
	tail -n +5 "$T/out" | jq -s -e 'map(select(.kind == "candle") | .interval == "1h" and .high >= .low) | length > 0 and all' >/dev/null
	[ "$(tail -n +5 "$T/out" | jq -r 'select(.kind == "price") | .venue' | sort -u | tr '\n' ' ')" = "binance hyperliquid " ]
}

@test "simulate: an oracle manipulation shows where its label says, and kfeatures flags it" {
	kfetch simulate hyperliquid -q --days 6 --incidents 2 --kinds oracle_manipulation --warmup 1 --seed 4 >"$T/raw"
	kfeatures hyperliquid "$T/raw" >"$T/rows"
	jq -r 'select(.kind == "label") | .ts[0:13]' "$T/raw" >"$T/hours"
	[ "$(wc -l <"$T/hours")" -eq 2 ]
	while read -r h; do
		r=$(jq -c --arg h "$h" 'select(.ts[0:13] == $h)' "$T/rows")
		jq -e '.label == 1 and .incident == "oracle_manipulation" and .features.max_deviation_pct >= 0.35' <<<"$r"
	done <"$T/hours"
	# Away from incidents the mark stays within 0.3% of the oracle.
	[ "$(jq -s 'map(select(.label == 0) | .features.max_deviation_pct) | max < 0.3' "$T/rows")" = true ]
}

@test "simulate: its records feed kfeatures with nothing rejected or dropped" {
	kfetch simulate hyperliquid -q --days 9 --seed 1 >"$T/raw"
	run --separate-stderr kfeatures hyperliquid "$T/raw"
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq $((9 * 24)) ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -s 'map(select(.label == 1)) | length')" -gt 0 ]
}

@test "simulate: --no-labels, --coins, --step and --incidents 0 do what they say" {
	kfetch simulate hyperliquid -q --days 1 --no-labels --coins HYPE --step 15s >"$T/out"
	[ "$(jq -r .kind "$T/out" | grep -c label)" -eq 0 ]
	[ "$(jq -r 'select(.kind == "price") | .coin' "$T/out" | sort -u)" = HYPE ]
	[ "$(jq -r 'select(.kind == "price" and .venue == "binance") | .ts' "$T/out" | wc -l)" -eq $((24 * 60 * 4)) ]
	kfetch simulate hyperliquid -q --days 20 --incidents 0 >"$T/out"
	[ "$(jq -r .kind "$T/out" | grep -c label)" -eq 0 ]
}

@test "simulate: bad options are usage errors with a clean stdout" {
	for args in "--days 0" "--days 401" "--days x" "--step 7s" "--step 7m" \
	            "--coins BTC,BTC" "--coins BTC,,ETH" "--kinds rug_pull" \
	            "--start 2025-03-01T00:30:00Z" "--start tomorrow" "--incidents -1" \
	            "--seed -3" "--warmup 40" "--hlp-value 0" "extra"; do
		run --separate-stderr kfetch simulate hyperliquid $args
		[ "$status" -eq 64 ] || { echo "$args: status $status"; false; }
		[ -z "$output" ] || { echo "$args wrote to stdout"; false; }
		[ -n "$stderr" ]
	done
	run --separate-stderr kfetch simulate hyperliquid --kinds rug_pull
	[[ "$stderr" == *"'rug_pull' is not an incident kind"* ]]
	run --separate-stderr kfetch simulate hyperliquid --step 7s
	[[ "$stderr" == *"step must divide a minute"* ]]
}

@test "simulate: a closed pipe ends it quietly" {
	run bash -c 'kfetch simulate hyperliquid --days 30 | head -n 1; echo "status ${PIPESTATUS[0]}"'
	assert_success
	assert_line "status 0"
	refute_output --partial "Broken pipe"
}
