#!/usr/bin/env bats
# kfetch simulate wallet: the same seed gives the same bytes; labels come
# first and name every archetype and malicious pattern; the tx records are
# the contract's (value_wei exact, addresses lower-case, times in order)
# and feed kfeatures wallet with nothing rejected; bad options are usage
# errors that leave stdout empty.

load helpers
bats_require_minimum_version 1.5.0

sim() { kfetch simulate wallet "$@"; }

@test "simulate wallet: listed among the populations, with its options in --help" {
	run kfetch simulate --help
	assert_success
	assert_line --regexp '^  wallet +'
	run kfetch simulate wallet --help
	assert_success
	for o in --wallets --days --start --seed --mix --activity --malicious --no-labels --no-market; do
		assert_output --partial -- "$o"
	done
}

@test "simulate wallet: the same options give the same bytes; another seed does not" {
	sim --wallets 150 --days 5 --seed 3 >"$T/a" 2>/dev/null
	sim --wallets 150 --days 5 --seed 3 >"$T/b" 2>/dev/null
	sim --wallets 150 --days 5 --seed 4 >"$T/c" 2>/dev/null
	cmp "$T/a" "$T/b"
	! cmp -s "$T/a" "$T/c"
}

@test "simulate wallet: labels first, every archetype and pattern present, tx and market in time order" {
	sim --wallets 2500 --days 12 --seed 5 >"$T/s" 2>"$T/err"
	run jq -rs '
	  (map(.kind) | . as $k | [range(1; length)] | all($k[.-1] == "label" or $k[.] != "label")) as $labels_first
	  | (map(select(.kind != "label") | .ts) | . == sort) as $ordered
	  | ([.[] | select(.kind == "label") | .archetype | select(. != null)] | unique | length) as $arch
	  | ([.[] | select(.kind == "label" and .malicious) | .pattern] | unique) as $pat
	  | "\($labels_first) \($ordered) \($arch) \($pat | join(","))"' "$T/s"
	assert_success
	assert_output "true true 8 circular_flow,fresh_account_attack,mixer_use,phishing_drain,rapid_fund_movement"
	run grep -c '"kind":"market"' "$T/s"
	assert_output 288
	[[ "$(cat "$T/err")" == *"simulate wallet:"*"malicious"* ]]
}

@test "simulate wallet: tx records follow the contract: exact value_wei, lower-case addresses, value = value_wei / 10^decimals" {
	sim --wallets 300 --days 5 >"$T/s" 2>/dev/null
	run jq -r 'select(.kind == "tx")
	  | select((.value_wei | test("^(0|[1-9][0-9]*)$") | not)
	           or (.from | test("^0x[0-9a-f]{40}$") | not)
	           or ((.to != null) and (.to | test("^0x[0-9a-f]{40}$") | not))
	           or (.hash | test("^0x[0-9a-f]{64}$") | not)
	           or (.success | type != "boolean")
	           or (.transfer | IN("native", "internal", "token") | not))
	  | .hash' "$T/s"
	assert_success
	assert_output ""
	# amounts beyond 2^64 and 2^256-1 air-drops keep every digit
	run jq -r 'select(.kind == "tx" and (.value_wei | length) == 78) | .value_wei' "$T/s"
	assert_success
	assert_line "115792089237316195423570985008687907853269984665640564039457584007913129639935"
	# value agrees with value_wei to double precision
	run jq -r 'select(.kind == "tx" and .token == null) | .value as $v
	  | select(((.value_wei | tonumber) / 1e18 - $v | fabs) > 1e-9 * ($v + 1e-18)) | .hash' "$T/s"
	assert_output ""
}

@test "simulate wallet: --no-labels and --no-market leave those records out; --malicious 0 has no malicious label" {
	sim --wallets 100 --days 3 --no-labels --no-market >"$T/s" 2>/dev/null
	run grep -c -E '"kind":"(label|market)"' "$T/s"
	assert_output 0
	sim --wallets 200 --days 3 --malicious 0 >"$T/s" 2>/dev/null
	run grep -c '"malicious":true' "$T/s"
	assert_output 0
}

@test "simulate wallet: --mix narrows the archetypes" {
	sim --wallets 200 --days 3 --malicious 0 \
	    --mix retail_conservative=0,retail_active=0,professional_trader=0,institutional=0,defi_power_user=0,privacy_focused=0,mev_arbitrage=0,yield_farmer=1 \
	    >"$T/s" 2>/dev/null
	run jq -r 'select(.kind == "label" and .archetype != null) | .archetype' "$T/s"
	assert_success
	[ "$(sort -u <<<"$output")" = yield_farmer ]
}

@test "simulate wallet: its records feed kfeatures wallet with nothing rejected, and the rows carry the labels" {
	sim --wallets 400 --days 10 --seed 9 >"$T/s" 2>/dev/null
	run --separate-stderr kfeatures wallet --labels "$BATS_TEST_DIRNAME/../data/labels/addresses.csv" "$T/s"
	assert_success
	[[ "$stderr" != *"rejected"* ]]
	run jq -s 'map(select(.label != null or .malicious == true)) | length > 300' <<<"$output"
	assert_output true
}

@test "simulate wallet: bad options exit 64 naming the option, with nothing on stdout" {
	for bad in "--wallets 0" "--wallets ten" "--days 0" "--days 5000" "--malicious 0.9" \
	           "--malicious -1" "--activity 0" "--mix gamer=1" "--mix retail_active" \
	           "--mix yield_farmer=-2" "--seed -1" "--start yesterday" "--nonsense"; do
		run --separate-stderr kfetch simulate wallet $bad
		assert_failure 64
		[ -z "$output" ]
		opt=${bad%% *}
		[[ "$stderr" == *"$opt"* ]] || { echo "no '$opt' in: $stderr"; false; }
	done
	run --separate-stderr kfetch simulate wallet --mix retail_conservative=0,retail_active=0,professional_trader=0,institutional=0,defi_power_user=0,privacy_focused=0,mev_arbitrage=0,yield_farmer=0
	assert_failure 64
	[[ "$stderr" == *"mix"* ]]
	run --separate-stderr kfetch simulate wallet extra
	assert_failure 64
	[[ "$stderr" == *"unexpected argument 'extra'"* ]]
}

@test "simulate wallet: a closed pipe ends it quietly" {
	run bash -c 'kfetch simulate wallet --wallets 2000 --days 30 | head -n 3'
	assert_success
	[ "${#lines[@]}" -eq 3 ]
}
