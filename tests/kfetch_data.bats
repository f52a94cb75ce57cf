#!/usr/bin/env bats
# The real-data replay set in data/ (data/PROVENANCE.md): the documented
# commands reproduce it offline, with the documented counts and values.

load helpers
bats_require_minimum_version 1.5.0

D="$BATS_TEST_DIRNAME/../data"
HL=(--coins BTC,ETH,SOL,HYPE --kinds candle,funding,hlp
    --vaults 0x31ca8395cf837de08b24da3f660e77761dfb974b
    --vault-endpoint portfolio --start 2025-02-24 --end 2025-04-07)
BN=(--coins BTC,ETH --kinds candle --start 2025-02-24 --end 2025-04-07)

setup() {
	common_setup
	# Nothing may reach the network: both APIs point at a closed port.
	export KTOOLS_HYPERLIQUID_URL=http://127.0.0.1:9 KTOOLS_BINANCE_URL=http://127.0.0.1:9
}

@test "data: the Hyperliquid replay set reproduces 42 days offline" {
	run --separate-stderr kfetch hyperliquid --replay "$D/hyperliquid" "${HL[@]}"
	assert_success
	printf '%s\n' "${lines[@]}" >"$T/hl"
	[ "$(jq -r .kind "$T/hl" | sort | uniq -c | tr -s ' ')" = "$(printf ' 4032 candle\n 4032 funding\n 3 hlp')" ]
	assert_equal "$(head -n1 "$T/hl" | jq -r .ts)" 2025-02-24T00:00:00Z
	assert_equal "$(jq -r 'select(.kind == "candle") | .ts' "$T/hl" | tail -n1)" 2025-04-06T23:00:00Z
	# Time order: whole seconds written without a fraction sort as .000.
	jq -r .ts "$T/hl" | sed 's/:\([0-9][0-9]\)Z$/:\1.000Z/' >"$T/ts"
	sort "$T/ts" | cmp - "$T/ts"
	# Values straight from the source CSV (freqtrade ETH 1h, 12 Mar 2025).
	assert_equal "$(jq -c 'select(.kind == "candle" and .coin == "ETH" and .ts == "2025-03-12T03:00:00Z") | [.close]' "$T/hl")" '[1867.3]'
	assert_equal "$(jq -c 'select(.kind == "hlp") | .account_value' "$T/hl" | head -n 2 | tail -n 1)" 93416594.795425
}

@test "data: the Binance replay set reproduces 42 days offline" {
	run --separate-stderr kfetch binance --replay "$D/binance" "${BN[@]}"
	assert_success
	[ "${#lines[@]}" -eq 2016 ]
	printf '%s\n' "${lines[@]}" | jq -r .coin | sort | uniq -c | tr -s ' ' >"$T/c"
	[ "$(cat "$T/c")" = "$(printf ' 1008 BTC\n 1008 ETH')" ]
	[[ "$stderr" == *"4 requests (replayed)"* ]]
}

@test "data: the replay set answers only the documented commands" {
	run --separate-stderr kfetch hyperliquid --replay "$D/hyperliquid" --coins XRP --kinds candle --start 2025-02-24 --end 2025-04-07
	assert_failure 66
	[[ "$stderr" == *"candleSnapshot XRP: the recording has no answer"* ]]
}

@test "data: every recorded response is far under the 32 MiB bound on one response" {
	# the largest (Binance klines, 1000 rows) is 180 KB: a margin of 180
	largest=$(for f in "$D"/*/0*.json; do gzip -cdf "$f" | wc -c; done | sort -n | tail -n1)
	[ "$largest" -gt 100000 ]
	[ "$largest" -lt $((32 * 1024 * 1024 / 100)) ]
}
