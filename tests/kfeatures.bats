#!/usr/bin/env bats
# kfeatures hyperliquid: the rows and their features, the time rules
# (buckets, gaps, duplicates, late and out-of-order records, candles at
# their close), live output, and bad input named by line and field.

load helpers
bats_require_minimum_version 1.5.0

HL=hyperliquid
VAULT=0xdfc24b077bc1425ad1dea75bcb6f8158e10df303

# hlp TS AV PNL
hlp() {
	printf '{"kind":"hlp","ts":"%s","vault":"%s","account_value":%s,"pnl":%s}\n' "$1" "$VAULT" "$2" "$3"
}

# price TS COIN ORACLE MARK
price() {
	printf '{"kind":"price","ts":"%s","venue":"hyperliquid","coin":"%s","oracle":%s,"mark":%s}\n' "$1" "$2" "$3" "$4"
}

@test "kfeatures: the set is required and an unknown one is a usage error" {
	run --separate-stderr kfeatures
	assert_failure 64
	[[ "$stderr" == *"missing SET"* ]]
	run --separate-stderr kfeatures bitcoin
	assert_failure 64
	[ -z "$output" ]
	[[ "$stderr" == *"unknown SET 'bitcoin'"* ]]
	run kfeatures --help
	assert_success
	assert_output --partial hyperliquid
}

@test "kfeatures: one row per hour with at least 40 features, the seed's names among them" {
	for h in 00 01 02; do hlp "2025-03-15T$h:10:00Z" 1.2e8 4.5e7; done >"$T/in"
	run --separate-stderr kfeatures $HL "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -r .ts <<<"${lines[0]}")" = 2025-03-15T00:00:00Z ]
	[ "$(jq -r .ts <<<"${lines[2]}")" = 2025-03-15T02:00:00Z ]
	[ "$(jq -r '.kind + " " + .entity + " " + .bucket' <<<"${lines[0]}")" = "features hyperliquid 1h" ]
	[ "$(jq '.features | length' <<<"${lines[0]}")" -ge 40 ]
	for f in return_1h volatility_24h pnl_momentum drawdown_change sharpe_trend \
	         account_value_zscore is_weekend max_deviation_pct deviation_mean_1h \
	         price_velocity hl_binance_spread high_deviation_count_1h risk_score_trend \
	         liquidation_count_5min total_value_1h value_zscore time_since_last is_cascade; do
		jq -e --arg f "$f" '.features | has($f)' <<<"${lines[0]}" >/dev/null || { echo "no $f"; false; }
	done
	# Every row has the same features in the same order, numbers or null.
	[ "$(printf '%s\n' "${lines[@]}" | jq -c '.features | keys_unsorted' | sort -u | wc -l)" -eq 1 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq '[.features[] | select(. != null and type != "number")] | length' | sort -u)" = 0 ]
	jq -e '.risk_score >= 0 and .risk_score <= 100 and (.risk_level | test("^(LOW|MEDIUM|HIGH|CRITICAL)$"))' <<<"${lines[0]}"
	# Saturday.
	[ "$(jq .features.is_weekend <<<"${lines[0]}")" = 1 ]
	[ "$(jq .features.hour_of_day <<<"${lines[2]}")" = 2 ]
}

@test "kfeatures: --bucket sets the row length and is checked" {
	for m in 00 01 02 03 04 05; do hlp "2025-03-15T00:${m}:30Z" 1.2e8 4.5e7; done >"$T/in"
	run kfeatures $HL --bucket 2m "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -r .bucket <<<"${lines[0]}")" = 2m ]
	[ "$(jq -r .ts <<<"${lines[1]}")" = 2025-03-15T00:02:00Z ]
	for bad in 0 1x 500ms 8d -5m; do
		run --separate-stderr kfeatures $HL --bucket "$bad" "$T/in"
		assert_failure 64
		[ -z "$output" ]
		[[ "$stderr" == *"--bucket"* ]]
	done
}

@test "kfeatures: a string in a numeric field is rejected naming line and field; the rest goes on, exit 65" {
	{ hlp 2025-03-15T00:10:00Z 1.2e8 4.5e7
	  echo '{"kind":"hlp","ts":"2025-03-15T01:10:00Z","vault":"'$VAULT'","account_value":"n/a","pnl":1}'
	  hlp 2025-03-15T02:10:00Z 1.2e8 4.5e7; } >"$T/in"
	run --separate-stderr kfeatures $HL --rejects "$T/rej" "$T/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *"kfeatures: $T/in:2: field 'account_value': expected number, got string \"n/a\""* ]]
	[ "$(cat "$T/rej")" = "$(sed -n 2p "$T/in")" ]
}

@test "kfeatures: each kind of bad record names its field" {
	while IFS='|' read -r line want; do
		run --separate-stderr kfeatures $HL <<<"$line"
		assert_failure 65
		[ -z "$output" ]
		[[ "$stderr" == *"<stdin>:1: $want"* ]] || { echo "$line: $stderr"; false; }
	done <<'EOF'
{"ts":"2025-03-15T00:00:00Z"}|field 'kind': missing
{"kind":"price","venue":"hyperliquid","coin":"BTC","mark":1}|field 'ts': missing
{"kind":"price","ts":"yesterday","venue":"hyperliquid","coin":"BTC","mark":1}|field 'ts': not an RFC 3339 time
{"kind":"price","ts":"2025-03-15T00:00:00Z","venue":"hyperliquid","coin":"BTC","oracle":-3}|field 'oracle': expected a positive number, got -3
{"kind":"price","ts":"2025-03-15T00:00:00Z","venue":"hyperliquid","coin":"BTC"}|no value in price record
{"kind":"price","ts":"2025-03-15T00:00:00Z","venue":"hyperliquid","coin":7,"mark":1}|field 'coin': expected string, got number 7
{"kind":"candle","ts":"2025-03-15T00:00:00Z","venue":"binance","coin":"BTC","interval":"1M","open":1,"high":1,"low":1,"close":1,"volume":1}|field 'interval': not a duration
{"kind":"candle","ts":"2025-03-15T00:00:00Z","venue":"binance","coin":"BTC","interval":"1h","open":1,"high":1,"low":2,"close":1,"volume":1}|field 'high': 1 is below 'low' 2
{"kind":"candle","ts":"2025-03-15T00:00:00Z","venue":"binance","coin":"BTC","interval":"1h","open":1,"high":1,"low":1,"close":1}|field 'volume': missing
{"kind":"funding","ts":"2025-03-15T00:00:00Z","venue":"hyperliquid","coin":"BTC","rate":null}|field 'rate': expected number, got null
{"kind":"liquidation","ts":"2025-03-15T00:00:00Z","coin":"BTC","px":80000}|field 'value_usd': missing
{"kind":"label","ts":"2025-03-15T00:00:00Z","ts_end":"2025-03-14T00:00:00Z","incident":"x"}|field 'ts_end': before 'ts'
{"kind":"hlp","ts":"2025-03-15T00:00:00Z"|invalid JSON
{"kind":"hlp","kind":"hlp"}|duplicate key 'kind' at column 15
[1,2]|invalid JSON at column 1: a record must be a JSON object
EOF
}

@test "kfeatures: --strict stops at the first bad line after writing the rows closed before it" {
	{ hlp 2025-03-15T00:10:00Z 1.2e8 4.5e7
	  hlp 2025-03-15T01:10:00Z 1.2e8 4.5e7
	  echo 'not json'
	  hlp 2025-03-15T05:10:00Z 1.2e8 4.5e7; } >"$T/in"
	run --separate-stderr kfeatures $HL --strict "$T/in"
	assert_failure 65
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"$T/in:3:"* ]]
	[[ "$stderr" == *"--strict"* ]]
}

@test "kfeatures: a missing input file exits 66 with a clean stdout" {
	run --separate-stderr kfeatures $HL "$T/nope"
	assert_failure 66
	[ -z "$output" ]
	[[ "$stderr" == *"$T/nope"* ]]
}

@test "kfeatures: empty input and blank lines give no rows and exit 0" {
	run kfeatures $HL </dev/null
	assert_success
	[ -z "$output" ]
	printf '\n  \n' | kfeatures $HL >"$T/out"
	[ ! -s "$T/out" ]
}

@test "kfeatures: other kinds are skipped with one notice per kind" {
	{ echo '{"kind":"tx","ts":"2025-03-15T00:00:00Z"}'
	  echo '{"kind":"tx","ts":"2025-03-15T00:01:00Z"}'
	  echo '{"kind":"market","ts":"2025-03-15T00:02:00Z"}'
	  hlp 2025-03-15T00:10:00Z 1.2e8 4.5e7; } >"$T/in"
	run --separate-stderr kfeatures $HL "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[ "$(grep -c "skipping records of kind 'tx'" <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"kind 'market'"* ]]
}

@test "kfeatures: short gaps get empty rows, long gaps are skipped and reported" {
	{ hlp 2025-03-15T00:10:00Z 1.2e8 4.5e7
	  hlp 2025-03-15T03:10:00Z 1.21e8 4.6e7
	  hlp 2025-03-17T03:10:00Z 1.22e8 4.7e7; } >"$T/in"
	run --separate-stderr kfeatures $HL "$T/in"
	assert_success
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .ts | tr '\n' ' ')" = "2025-03-15T00:00:00Z 2025-03-15T01:00:00Z 2025-03-15T02:00:00Z 2025-03-15T03:00:00Z 2025-03-17T03:00:00Z " ]
	[[ "$stderr" == *"1 gap longer than --max-gap: 47 empty buckets not written"* ]]
	# The vault's value carries on for --stale (2h), then is missing.
	[ "$(jq .features.account_value <<<"${lines[1]}")" = 120000000 ]
	[ "$(jq .features.account_value <<<"${lines[2]}")" = null ]
	run --separate-stderr kfeatures $HL --max-gap 0 "$T/in"
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *"2 gaps longer than --max-gap: 49 empty buckets"* ]]
	run --separate-stderr kfeatures $HL --stale 4h "$T/in"
	[ "$(jq .features.account_value <<<"${lines[2]}")" = 120000000 ]
}

@test "kfeatures: duplicates, out-of-order and late records are dropped and counted" {
	{ hlp 2025-03-15T00:10:00Z 1.2e8 4.5e7
	  hlp 2025-03-15T00:10:00Z 1.2e8 4.5e7
	  hlp 2025-03-15T00:05:00Z 1.3e8 4.5e7
	  hlp 2025-03-15T01:10:00Z 1.2e8 4.5e7
	  price 2025-03-15T00:20:00Z BTC 80000 80100; } >"$T/in"
	run --separate-stderr kfeatures $HL -v "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *"1 record older than the open bucket dropped (reorder with --lateness)"* ]]
	[[ "$stderr" == *"1 record older than the newest of their series ignored"* ]]
	[[ "$stderr" == *"1 duplicate record ignored"* ]]
	[[ "$stderr" == *"$T/in:5: older than the open bucket, dropped"* ]]
	[ "$(jq .features.account_value <<<"${lines[0]}")" = 120000000 ]
	[ "$(jq .features.max_deviation_pct <<<"${lines[0]}")" = null ]
}

@test "kfeatures: --lateness reorders two files written one after the other" {
	{ price 2025-03-15T00:00:00Z BTC 80000 80400
	  price 2025-03-15T01:00:00Z BTC 80000 80000; } >"$T/a"
	{ price 2025-03-15T00:30:00Z ETH 2000 2020
	  price 2025-03-15T01:30:00Z ETH 2000 2000; } >"$T/b"
	run --separate-stderr kfeatures $HL "$T/a" "$T/b"
	assert_success
	[[ "$stderr" == *"older than the open bucket dropped"* ]]
	run --separate-stderr kfeatures $HL --lateness 2h "$T/a" "$T/b"
	assert_success
	[ -z "$stderr" ]
	[ "$(jq .features.max_deviation_pct <<<"${lines[0]}")" = 1 ]
	[ "$(jq .features.deviation_mean_1h <<<"${lines[0]}")" = 0.75 ]
	run --separate-stderr kfeatures $HL --lateness 401d "$T/a"
	assert_failure 64
}

@test "kfeatures: a candle counts at its close, not its open" {
	{ echo '{"kind":"candle","ts":"2025-03-15T13:00:00Z","venue":"hyperliquid","coin":"ETH","interval":"1h","open":2000,"high":2010,"low":1990,"close":2005,"volume":100}'
	  price 2025-03-15T13:01:00Z ETH 2000 2001; } >"$T/in"
	run kfeatures $HL --bucket 5m "$T/in"
	assert_success
	[ "${#lines[@]}" -eq 12 ]
	[ "$(jq .features.volume_usd_1h <<<"${lines[0]}")" = null ]
	[ "$(jq .features.volume_usd_1h <<<"${lines[11]}")" = 200500 ]
}

@test "kfeatures: oracle deviation is mark against oracle, and its run is timed" {
	for s in 00 10 20 30 40 50; do price "2025-03-15T00:00:${s}Z" ETH 2000 2012; done >"$T/in"
	printf '{"kind":"price","ts":"2025-03-15T00:01:00Z","venue":"hyperliquid","coin":"ETH","oracle":2000,"mark":2000,"mid":2100}\n' >>"$T/in"
	run kfeatures $HL --bucket 1m "$T/in"
	assert_success
	[ "$(jq .features.max_deviation_pct <<<"${lines[0]}")" = 0.6 ]
	[ "$(jq .features.deviation_duration_s <<<"${lines[0]}")" = 50 ]
	[ "$(jq .features.high_deviation_count_1h <<<"${lines[0]}")" = 6 ]
	# The mid's 5% does not count: mark and oracle agree.
	[ "$(jq .features.max_deviation_pct <<<"${lines[1]}")" = 0 ]
	[ "$(jq -r .risk_level <<<"${lines[0]}")" = HIGH ]
}

@test "kfeatures: --since writes only the later rows; --coins keeps only those coins" {
	for h in 00 01 02 03; do price "2025-03-15T$h:00:00Z" BTC 80000 80400; price "2025-03-15T$h:00:00Z" ETH 2000 2000; done >"$T/in"
	run --separate-stderr kfeatures $HL --since 2025-03-15T02:00:00Z "$T/in"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -r .ts <<<"${lines[0]}")" = 2025-03-15T02:00:00Z ]
	run --separate-stderr kfeatures $HL --coins ETH "$T/in"
	[ "$(jq .features.max_deviation_pct <<<"${lines[0]}")" = 0 ]
	run --separate-stderr kfeatures $HL --since yesterday "$T/in"
	assert_failure 64
	run --separate-stderr kfeatures $HL --coins BTC,,ETH "$T/in"
	assert_failure 64
}

@test "kfeatures: label records mark the rows an incident overlaps" {
	{ echo '{"kind":"label","ts":"2025-03-15T01:30:00Z","ts_end":"2025-03-15T02:00:00Z","incident":"hlp_drawdown","coin":null}'
	  for h in 00 01 02; do hlp "2025-03-15T$h:10:00Z" 1.2e8 4.5e7; done; } >"$T/in"
	run kfeatures $HL "$T/in"
	assert_success
	[ "$(printf '%s\n' "${lines[@]}" | jq -c '[.label, .incident]' | tr '\n' ' ')" = '[0,null] [1,"hlp_drawdown"] [0,null] ' ]
	# Without labels there is no label field.
	hlp 2025-03-15T00:10:00Z 1.2e8 4.5e7 | kfeatures $HL | jq -e 'has("label") | not'
}

@test "kfeatures: the same input gives the same bytes, from a file or a pipe" {
	kfetch simulate hyperliquid -q --days 2 --seed 5 >"$T/raw"
	kfeatures $HL "$T/raw" >"$T/a"
	kfeatures $HL <"$T/raw" >"$T/b"
	cmp "$T/a" "$T/b"
	[ "$(wc -l <"$T/a")" -eq 48 ]
}

@test "kfeatures: a row is written as soon as its bucket closes on a live pipe" {
	mkfifo "$T/fifo"
	kfeatures $HL <"$T/fifo" >"$T/out" &
	pid=$!
	exec 7>"$T/fifo"
	hlp 2025-03-15T00:10:00Z 1.2e8 4.5e7 >&7
	hlp 2025-03-15T01:10:00Z 1.2e8 4.5e7 >&7
	for i in $(seq 50); do [ -s "$T/out" ] && break; sleep 0.1; done
	[ "$(wc -l <"$T/out")" -eq 1 ]
	exec 7>&-
	wait "$pid"
	[ "$(wc -l <"$T/out")" -eq 2 ]
}

@test "kfeatures: a closed pipe ends it quietly" {
	kfetch simulate hyperliquid -q --days 3 --seed 5 >"$T/raw"
	run bash -c 'kfeatures hyperliquid --bucket 1m "$1" | head -n 1; echo "status ${PIPESTATUS[0]}"' _ "$T/raw"
	assert_success
	assert_line "status 0"
	refute_output --partial "Broken pipe"
}
