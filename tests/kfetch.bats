#!/usr/bin/env bats
# kfetch hyperliquid and kfetch binance against tests/fakeserver.py on
# loopback, which serves the real recorded responses in tests/fixtures and
# injects faults. Nothing here reaches the network: both base URLs point
# at a closed local port unless a test starts the fake server.

load helpers
bats_require_minimum_version 1.5.0

HLP_B=0x31ca8395cf837de08b24da3f660e77761dfb974b
FILLS_OLD=0xb7b6f3cea3f66bf525f5d8f965f6dbf6d9b017b2
FILLS_LIQ=0x193bd350ec838b1e22d6f302da5343b920aa1c2b
LIQUIDATOR=0x2e3d94f0562703b25c83308a05046ddaf9a8dd14
# The BTC/ETH 1h fixture window and the kPEPE cassette window.
W=(--start 2025-03-08 --end 2025-03-18)
KPEPE=(--coins kPEPE --kinds candle --start 2023-05-21 --end 2023-05-23)

setup() {
	common_setup
	unset HLP_VAULT_ADDRESS MONITORED_ADDRESSES
	export KTOOLS_HYPERLIQUID_URL=http://127.0.0.1:9 KTOOLS_BINANCE_URL=http://127.0.0.1:9
	SERVER_PID=
}

teardown() {
	stop_server
}

# Start the fake server with the given options; export its URL.
serve() {
	: >"$T/requests.log"
	python3 "$BATS_TEST_DIRNAME/fakeserver.py" --fixtures "$FIX" \
		--log "$T/requests.log" "$@" >"$T/port" 2>"$T/server.err" 3>&- &
	SERVER_PID=$!
	for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
	URL="http://127.0.0.1:$(head -n1 "$T/port")"
	export KTOOLS_HYPERLIQUID_URL=$URL KTOOLS_BINANCE_URL=$URL
}

stop_server() {
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
}

# Requests the server saw, of one type (or all).
requests() {
	if [ $# -eq 0 ]; then wc -l <"$T/requests.log"; else
		grep -c "\"type\": \"$1\"" "$T/requests.log" || true; fi
}

# Fast retries for the fault tests.
hl() { kfetch hyperliquid --retry-wait 0.01 "$@"; }

# ---- command line ----

@test "kfetch: no source, or an unknown one, is a usage error (64)" {
	run --separate-stderr kfetch
	assert_failure 64
	[[ "$stderr" == *"missing SOURCE"* ]]
	run --separate-stderr kfetch nosuch
	assert_failure 64
	[[ "$stderr" == *"unknown SOURCE 'nosuch'"* ]]
	[ -z "$output" ]
}

@test "kfetch: --help lists the sources; each source has its own --help" {
	run kfetch --help
	assert_success
	assert_line --regexp '^  hyperliquid +'
	assert_line --regexp '^  binance +'
	run kfetch hyperliquid --help
	assert_success
	assert_output --partial '--record=DIR'
	assert_output --partial '--weight-budget'
	run kfetch hyperliquid --version
	assert_success
	assert_output --partial 'libcurl'
}

@test "kfetch hyperliquid: bad option values are usage errors with a clean stdout" {
	for args in "--coins ''" "--coins BTC,,ETH" "--kinds price,nosuch" \
	            "--start yesterday" "--users 0x1234" "--vaults 0xZZ" \
	            "--candle-interval 7m" "--days 0" "--retries -1" \
	            "--weight-budget x" "--follow --end 2025-01-01" \
	            "--count 3" "--start 2025-03-02 --end 2025-03-01" \
	            "--record $T/a --replay $T/b" "--base-url ftp://x" \
	            "--vault-endpoint userState"; do
		run --separate-stderr bash -c "kfetch hyperliquid $args"
		[ "$status" -eq 64 ] || { echo "$args: status $status: $stderr"; false; }
		[ -z "$output" ] || { echo "$args wrote: $output"; false; }
	done
}

# ---- what the parsers make of real responses ----

@test "kfetch hyperliquid: a recorded candleSnapshot becomes candle records, numbers exact" {
	serve
	run --separate-stderr kfetch hyperliquid "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -eq 24 ]
	assert_equal "${lines[0]}" '{"kind":"candle","ts":"2023-05-21T20:00:00Z","venue":"hyperliquid","coin":"kPEPE","interval":"1h","open":0.001601,"high":0.001616,"low":0.001601,"close":0.001604,"volume":520665683,"trades":709}'
	assert_equal "${lines[23]}" '{"kind":"candle","ts":"2023-05-22T19:00:00Z","venue":"hyperliquid","coin":"kPEPE","interval":"1h","open":0.001538,"high":0.001548,"low":0.001536,"close":0.00154,"volume":308219489,"trades":430}'
	[[ "$stderr" == *"wrote 24 candle records"* ]]
}

@test "kfetch hyperliquid: candles are paged past the per-response cap, none twice" {
	serve --cap candleSnapshot=50
	run --separate-stderr kfetch hyperliquid --coins BTC --kinds candle "${W[@]}"
	assert_success
	[ "${#lines[@]}" -eq 240 ]
	[ "$(requests candleSnapshot)" -eq 5 ]
	printf '%s\n' "${lines[@]}" | jq -r .ts >"$T/ts"
	sort -u "$T/ts" | cmp - "$T/ts"
	assert_equal "$(head -n1 "$T/ts")" 2025-03-08T00:00:00Z
	assert_equal "$(tail -n1 "$T/ts")" 2025-03-17T23:00:00Z
}

@test "kfetch hyperliquid: a candle still open at the recorded time is not written" {
	serve
	kfetch hyperliquid --coins BTC --kinds candle "${W[@]}" --record "$T/rec" >"$T/all" 2>/dev/null
	stop_server
	# Move the recorded clock to 2025-03-17T12:30Z: candles from 12:00 on
	# are not closed then.
	sed -i 's/{"clock":[0-9]*}/{"clock":1742214600000}/' "$T/rec/index.ndjson"
	run --separate-stderr kfetch hyperliquid --coins BTC --kinds candle "${W[@]}" --replay "$T/rec"
	assert_success
	[ "${#lines[@]}" -eq 228 ]
	assert_equal "$(jq -r .ts <<<"${lines[227]}")" 2025-03-17T11:00:00Z
}

@test "kfetch hyperliquid: a recorded fundingHistory, 1038 rows, paged by 500" {
	serve
	# The window ends an hour after the last row, so no request is wasted.
	run --separate-stderr kfetch hyperliquid --coins BTC --kinds funding --start 2023-05-01 --end 2023-07-17T22:00:00Z
	assert_success
	[ "${#lines[@]}" -eq 1038 ]
	[ "$(requests fundingHistory)" -eq 3 ]
	assert_equal "${lines[0]}" '{"kind":"funding","ts":"2023-05-12T00:00:00.048Z","venue":"hyperliquid","coin":"BTC","rate":-0.00061334,"premium":-0.00091334}'
	printf '%s\n' "${lines[@]}" | jq -r .ts | sort -u | wc -l | grep -qx 1038
}

@test "kfetch hyperliquid: metaAndAssetCtxs gives oracle, mark, mid, funding and open interest per coin" {
	serve
	run --separate-stderr kfetch hyperliquid --coins BTC,ETH,MATIC --kinds price
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	run jq -c '[.coin, .oracle, .mark, .mid, .funding, .open_interest, .premium]' <<<"$output"
	assert_line --index 0 '["BTC",77605,77562,77558.5,-1.5186e-06,27353.17682,-0.0005927453]'
	assert_line --index 1 '["ETH",2124.6,2123.7,2123.95,1.25e-05,605822.2557999999,-0.0002824061]'
	# A halted market has no mid and no premium: null, not a made-up number.
	assert_line --index 2 '["MATIC",0.3754,0.37621,null,0,0,null]'
}

@test "kfetch hyperliquid: a coin not in the universe exits 65 naming it; the others are written" {
	serve
	run --separate-stderr kfetch hyperliquid --coins BTC,NOSUCH --kinds price
	assert_failure 65
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"kfetch: hyperliquid: metaAndAssetCtxs: coin 'NOSUCH' is not in the universe"* ]]
}

@test "kfetch hyperliquid: the recorded HLP Strategy B portfolio gives hlp records with cumulative pnl" {
	serve
	run --separate-stderr kfetch hyperliquid --kinds hlp --vaults $HLP_B --vault-endpoint portfolio --start 2023-01-01 --end 2025-09-01
	assert_success
	[ "${#lines[@]}" -eq 160 ]
	assert_equal "${lines[0]}" '{"kind":"hlp","ts":"2023-05-10T22:45:00.034Z","vault":"0x31ca8395cf837de08b24da3f660e77761dfb974b","account_value":0,"pnl":0}'
	assert_equal "${lines[159]}" '{"kind":"hlp","ts":"2025-08-22T11:45:21.304Z","vault":"0x31ca8395cf837de08b24da3f660e77761dfb974b","account_value":160664370.477425,"pnl":650509.577425}'
	# The day window starts at 0; anchored to allTime it is cumulative.
	day0=$(printf '%s\n' "${lines[@]}" | jq -r 'select(.ts == "2025-08-21T10:32:00.063Z") | .pnl')
	near "$day0" 780703.026181 1e-6
	printf '%s\n' "${lines[@]}" | jq -r .ts >"$T/ts"
	sort "$T/ts" | cmp - "$T/ts"
}

@test "kfetch hyperliquid: vaultDetails and portfolio answers give the same records" {
	serve
	kfetch hyperliquid --kinds hlp --vaults $HLP_B --vault-endpoint portfolio --start 2025-01-01 --end 2025-09-01 >"$T/p" 2>/dev/null
	kfetch hyperliquid --kinds hlp --vaults $HLP_B --start 2025-01-01 --end 2025-09-01 >"$T/v" 2>/dev/null
	[ -s "$T/p" ]
	cmp "$T/p" "$T/v"
	grep -q '"type": "vaultDetails"' "$T/requests.log"
}

@test "kfetch hyperliquid: fills with a liquidation object become liquidation records" {
	serve
	run --separate-stderr kfetch hyperliquid --kinds liquidation --users $FILLS_LIQ --start 2026-01-01 --end 2026-03-01
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	assert_equal "${lines[0]}" '{"kind":"liquidation","ts":"2026-01-20T17:46:42.995Z","venue":"hyperliquid","coin":"HYPE","side":"long","px":21.147,"size":5.2,"value_usd":109.9644,"user":"0x193bd350ec838b1e22d6f302da5343b920aa1c2b","method":"market","mark_px":21.193,"account":"0x193bd350ec838b1e22d6f302da5343b920aa1c2b","hash":"0xc0de326d5c05d659c2570433b86b0f02040d0052f708f52b64a6ddc01b09b044","tid":345752513742025}'
	run jq -c '[.coin, .side, .px, .size, .method]' <<<"${lines[1]}"
	assert_output '["flx:CRCL","long",55.877,0.27,"market"]'
}

@test "kfetch hyperliquid: by default liquidations come from the HLP Liquidator's fills" {
	serve
	run --separate-stderr kfetch hyperliquid --kinds liquidation --days 1
	assert_success
	grep -q "userFillsByTime.*$LIQUIDATOR" "$T/requests.log"
	MONITORED_ADDRESSES=$FILLS_LIQ run --separate-stderr kfetch hyperliquid --kinds liquidation --days 1
	assert_success
	grep -q "userFillsByTime.*$FILLS_LIQ" "$T/requests.log"
}

@test "kfetch hyperliquid: a full fills answer is split and asked again until every fill is read" {
	serve --cap userFillsByTime=100
	run --separate-stderr kfetch hyperliquid -v --kinds liquidation --users $FILLS_OLD --fills-cap 100 --start 2023-05-01 --end 2023-05-06
	assert_success
	[ -z "$output" ]
	[[ "$stderr" == *"userFillsByTime $FILLS_OLD: 500 new fills"* ]]
	[ "$(requests userFillsByTime)" -ge 5 ]
}

@test "kfetch hyperliquid: records of several coins and kinds come out in time order" {
	serve
	run --separate-stderr kfetch hyperliquid --coins BTC,ETH --kinds candle "${W[@]}"
	assert_success
	[ "${#lines[@]}" -eq 480 ]
	assert_equal "$(jq -r .coin <<<"${lines[0]}")$(jq -r .coin <<<"${lines[1]}")" BTCETH
	printf '%s\n' "${lines[@]}" | jq -r .ts >"$T/ts"
	sort "$T/ts" | cmp - "$T/ts"
}

# ---- faults ----

@test "kfetch hyperliquid: HTTP 500 twice, then an answer: retried, everything written" {
	serve --fault type=candleSnapshot,kind=500,times=2
	run --separate-stderr hl "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -eq 24 ]
	[[ "$stderr" == *"candleSnapshot kPEPE: HTTP 500: Internal Server Error; retrying in"*"(attempt 2 of 6)"* ]]
	[[ "$stderr" == *"(attempt 3 of 6)"* ]]
}

@test "kfetch hyperliquid: a service that stays down exits 69 after writing what it got" {
	serve --fault type=fundingHistory,kind=500
	run --separate-stderr hl --retries 2 --coins BTC --kinds candle,funding "${W[@]}"
	assert_failure 69
	[ "${#lines[@]}" -eq 240 ]
	[ "$(requests fundingHistory)" -eq 3 ]
	[[ "$stderr" == *"kfetch: hyperliquid: fundingHistory BTC: HTTP 500: Internal Server Error; gave up after 3 attempts"* ]]
}

@test "kfetch hyperliquid: down in the middle of paging, the pages already read are written" {
	serve --cap candleSnapshot=50 --fault type=candleSnapshot,kind=503,after=2
	run --separate-stderr hl --retries 1 --coins BTC --kinds candle "${W[@]}"
	assert_failure 69
	[ "${#lines[@]}" -eq 100 ]
}

@test "kfetch hyperliquid: 429 with Retry-After is honoured, then the answer used" {
	serve --fault type=candleSnapshot,kind=429,arg=1,times=1
	run --separate-stderr hl "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -eq 24 ]
	[[ "$stderr" == *"HTTP 429 (rate limited); retrying in 1.0 s"* ]]
	t=($(jq -r 'select(.type == "candleSnapshot") | .t' "$T/requests.log"))
	awk -v a="${t[0]}" -v b="${t[1]}" 'BEGIN { exit !(b - a >= 0.95) }'
}

@test "kfetch hyperliquid: still rate limited after the retries exits 75, after writing what it got" {
	serve --fault type=fundingHistory,kind=429,arg=-
	run --separate-stderr hl --retries 2 --coins BTC --kinds candle,funding "${W[@]}"
	assert_failure 75
	[ "${#lines[@]}" -eq 240 ]
	[[ "$stderr" == *"fundingHistory BTC: HTTP 429 (rate limited); gave up after 3 attempts"* ]]
}

@test "kfetch hyperliquid: a Retry-After longer than --max-retry-after exits 75 at once" {
	serve --fault type=candleSnapshot,kind=429,arg=3600
	run --separate-stderr hl "${KPEPE[@]}"
	assert_failure 75
	[ "$(requests candleSnapshot)" -eq 1 ]
	[[ "$stderr" == *"the server asks to wait 3600 s, longer than --max-retry-after 300 s"* ]]
}

@test "kfetch hyperliquid: 418 (Binance's ban) is rate limiting too; 403 stops at once with 69; 404 is 65" {
	serve --fault type=candleSnapshot,kind=418,arg=0,times=1
	run --separate-stderr hl "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -eq 24 ]
	stop_server
	serve --fault type=candleSnapshot,kind=418,arg=-
	run --separate-stderr hl --retries 1 "${KPEPE[@]}"
	assert_failure 75
	stop_server
	serve --fault type=candleSnapshot,kind=403
	run --separate-stderr hl "${KPEPE[@]}"
	assert_failure 69
	[ "$(requests candleSnapshot)" -eq 1 ]
	[[ "$stderr" == *"candleSnapshot kPEPE: the service refused the request: HTTP 403: HTTP status 403"* ]]
	stop_server
	serve --fault type=candleSnapshot,kind=404
	run --separate-stderr hl "${KPEPE[@]}"
	assert_failure 65
}

@test "kfetch hyperliquid: a vault the API does not know exits 65 naming it" {
	serve
	run --separate-stderr kfetch hyperliquid --kinds hlp
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"vaultDetails 0xdfc24b077bc1425ad1dea75bcb6f8158e10df303: the API knows no such vault"* ]]
	HLP_VAULT_ADDRESS=$HLP_B run --separate-stderr kfetch hyperliquid --kinds hlp --days 3650
	assert_success
	[ "${#lines[@]}" -gt 0 ]
}

@test "kfetch hyperliquid: a stall past --timeout is retried" {
	serve --fault type=candleSnapshot,kind=stall,arg=3,times=1
	run --separate-stderr hl --timeout 0.5 "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -eq 24 ]
	[[ "$stderr" == *"candleSnapshot kPEPE: no answer within 0.5 s; retrying"* ]]
}

@test "kfetch hyperliquid: a service that never answers in time exits 69" {
	serve --fault type=candleSnapshot,kind=stall,arg=3
	run --separate-stderr hl --timeout 0.3 --retries 1 "${KPEPE[@]}"
	assert_failure 69
	[ -z "$output" ]
	[[ "$stderr" == *"no answer within 0.3 s; gave up after 2 attempts"* ]]
}

@test "kfetch hyperliquid: truncated JSON once is asked again" {
	serve --fault type=candleSnapshot,kind=truncate,times=1
	run --separate-stderr hl "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -eq 24 ]
	[[ "$stderr" == *"candleSnapshot kPEPE: response is not valid JSON"* ]]
}

@test "kfetch hyperliquid: truncated JSON every time exits 65 naming the endpoint; the rest is written" {
	serve --fault type=candleSnapshot,kind=truncate
	run --separate-stderr hl --retries 1 --coins BTC --kinds candle,funding --start 2023-05-10 --end 2023-05-13
	assert_failure 65
	[ "${#lines[@]}" -gt 0 ]
	printf '%s\n' "${lines[@]}" | jq -e -s 'all(.kind == "funding")' >/dev/null
	[[ "$stderr" == *"kfetch: hyperliquid: candleSnapshot BTC: response is not valid JSON"*"gave up after 2 attempts"* ]]
}

@test "kfetch hyperliquid: a connection cut mid-body is retried" {
	serve --fault type=candleSnapshot,kind=cutoff,times=1
	run --separate-stderr hl "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -eq 24 ]
}

@test "kfetch hyperliquid: an HTML error page instead of JSON exits 65" {
	serve --fault type=metaAndAssetCtxs,kind=notjson
	run --separate-stderr hl --retries 1 --kinds price
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"metaAndAssetCtxs: response is not valid JSON"* ]]
}

@test "kfetch hyperliquid: a wrong type in one candle rejects that candle, names the field, keeps the rest" {
	serve --fault type=candleSnapshot,kind=wrongtype,arg=o
	run --separate-stderr hl --coins BTC --kinds candle "${W[@]}"
	assert_failure 65
	[ "${#lines[@]}" -eq 239 ]
	[[ "$stderr" == *"kfetch: hyperliquid: candleSnapshot BTC: element 0: field 'o': expected a decimal string, got true"* ]]
}

@test "kfetch hyperliquid: a wrong type in an asset context names the coin and the field" {
	serve --fault type=metaAndAssetCtxs,kind=wrongtype,arg=markPx
	run --separate-stderr hl --coins BTC,ETH --kinds price
	assert_failure 65
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"metaAndAssetCtxs: coin 'BTC': field 'markPx': expected a decimal string, got true"* ]]
}

@test "kfetch hyperliquid: a response of the wrong shape is reported with its endpoint; other kinds go on" {
	serve --fault type=metaAndAssetCtxs,kind=wrongshape
	run --separate-stderr hl --coins kPEPE --kinds price,candle --start 2023-05-21
	assert_failure 65
	[ "${#lines[@]}" -eq 24 ]
	[[ "$stderr" == *"kfetch: hyperliquid: metaAndAssetCtxs: expected an array [meta, contexts], got object"* ]]
}

@test "kfetch hyperliquid: an empty array is no data, said once, not an error" {
	serve --fault type=candleSnapshot,kind=empty
	run --separate-stderr hl --coins BTC --kinds candle "${W[@]}"
	assert_success
	[ -z "$output" ]
	[[ "$stderr" == *"candleSnapshot BTC: no closed candles from 2025-03-08T00:00:00Z to 2025-03-18T00:00:00Z"* ]]
	stop_server
	serve --fault type=metaAndAssetCtxs,kind=empty
	run --separate-stderr hl --kinds price
	assert_failure 65
	[[ "$stderr" == *"metaAndAssetCtxs: expected an array [meta, contexts], got array"* ]]
}

@test "kfetch hyperliquid: nothing listening exits 69" {
	run --separate-stderr hl --retries 1 --base-url http://127.0.0.1:9 "${KPEPE[@]}"
	assert_failure 69
	[ -z "$output" ]
	[[ "$stderr" == *"candleSnapshot kPEPE: "*"gave up after 2 attempts"* ]]
}

@test "kfetch hyperliquid: an answer that is not HTTP is retried, then 69; a URL that is not HTTP is 78" {
	serve --fault kind=garbage,times=1
	run --separate-stderr hl "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -gt 0 ]
	[[ "$stderr" == *"the answer is not HTTP (no status line); retrying"* ]]
	stop_server
	serve --fault kind=garbage
	run --separate-stderr hl --retries 2 "${KPEPE[@]}"
	assert_failure 69
	[ -z "$output" ]
	[[ "$stderr" == *"candleSnapshot kPEPE: the answer is not HTTP (no status line); gave up after 3 attempts"* ]]
	KTOOLS_HYPERLIQUID_URL=ftp://127.0.0.1:9 run --separate-stderr hl "${KPEPE[@]}"
	assert_failure 78
	[[ "$stderr" == *"ftp://127.0.0.1:9: not an http:// or https:// URL"* ]]
}

@test "kfetch hyperliquid: a gzip bomb stops at the 32 MiB bound, naming the request, not retried (65)" {
	# 40 MiB of [0,0,...] in about 40 KB of gzip
	serve --fault kind=bomb,arg=40
	run --separate-stderr hl "${KPEPE[@]}" --record "$T/rec"
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *"candleSnapshot kPEPE: the response is larger than 32 MiB (decompressed), the most one response may be"* ]]
	[[ "$stderr" != *"element 0"* ]]
	[ "$(requests candleSnapshot)" -eq 1 ]
	# nothing of it recorded
	[ "$(find "$T/rec" -name '*.json' | wc -l)" -eq 0 ]
}

@test "kfetch hyperliquid: the weight budget makes requests wait" {
	serve
	start=$(date +%s.%N)
	run --separate-stderr kfetch hyperliquid --weight-budget 40/1.5 --coins BTC,ETH,kPEPE --kinds funding --start 2025-03-01 --end 2025-03-02
	assert_success
	end=$(date +%s.%N)
	[[ "$stderr" == *"weight budget of 40 per 1.5 s used up; waiting"* ]]
	awk -v a="$start" -v b="$end" 'BEGIN { exit !(b - a >= 1.4) }'
}

# ---- record and replay ----

@test "kfetch hyperliquid: --replay reproduces a --record run offline, byte for byte" {
	serve --cap candleSnapshot=100
	kfetch hyperliquid --coins BTC,ETH,MATIC --kinds price,candle,hlp,liquidation \
		--vaults $HLP_B --vault-endpoint portfolio --users $FILLS_LIQ \
		--days 3650 --record "$T/rec" >"$T/live" 2>/dev/null
	stop_server
	[ -s "$T/live" ]
	[ -f "$T/rec/index.ndjson" ]
	run --separate-stderr kfetch hyperliquid --coins BTC,ETH,MATIC --kinds price,candle,hlp,liquidation \
		--vaults $HLP_B --vault-endpoint portfolio --users $FILLS_LIQ \
		--days 3650 --replay "$T/rec"
	assert_success
	printf '%s\n' "${lines[@]}" | cmp - "$T/live"
	[[ "$stderr" == *"(replayed)"* ]]
}

@test "kfetch hyperliquid: retries are recorded and replayed without waiting" {
	serve --fault type=candleSnapshot,kind=429,arg=1,times=1
	kfetch hyperliquid "${KPEPE[@]}" --record "$T/rec" >"$T/live" 2>/dev/null
	stop_server
	[ "$(grep -c '"status":429' "$T/rec/index.ndjson")" -eq 1 ]
	start=$(date +%s.%N)
	run --separate-stderr kfetch hyperliquid "${KPEPE[@]}" --replay "$T/rec"
	end=$(date +%s.%N)
	assert_success
	printf '%s\n' "${lines[@]}" | cmp - "$T/live"
	[[ "$stderr" == *"HTTP 429"* ]]
	awk -v a="$start" -v b="$end" 'BEGIN { exit !(b - a < 0.9) }'
}

@test "kfetch hyperliquid: timeouts are recorded too, and replayed as timeouts" {
	serve --fault type=candleSnapshot,kind=stall,arg=2,times=1
	kfetch hyperliquid --timeout 0.3 --retry-wait 0.01 "${KPEPE[@]}" --record "$T/rec" >"$T/live" 2>/dev/null
	stop_server
	grep -q '"status":0,.*"error":"no answer within 0.3 s"' "$T/rec/index.ndjson"
	run --separate-stderr kfetch hyperliquid --timeout 0.3 "${KPEPE[@]}" --replay "$T/rec"
	assert_success
	printf '%s\n' "${lines[@]}" | cmp - "$T/live"
	[[ "$stderr" == *"no answer within 0.3 s; retrying"* ]]
}

@test "kfetch hyperliquid: a replay of another command exits 66 naming the request; a used directory is refused" {
	serve
	kfetch hyperliquid "${KPEPE[@]}" --record "$T/rec" >/dev/null 2>&1
	run --separate-stderr kfetch hyperliquid --coins BTC --kinds candle --start 2023-05-21 --end 2023-05-23 --replay "$T/rec"
	assert_failure 66
	[[ "$stderr" == *"candleSnapshot BTC: the recording has no answer for POST /info"*'"coin":"BTC"'* ]]
	run --separate-stderr kfetch hyperliquid "${KPEPE[@]}" --record "$T/rec"
	assert_failure 73
	[[ "$stderr" == *"already holds a recording"* ]]
	run --separate-stderr kfetch hyperliquid "${KPEPE[@]}" --replay "$T/nowhere"
	assert_failure 66
}

# ---- following ----

@test "kfetch hyperliquid: --follow polls, writing a new price snapshot each time" {
	serve
	run --separate-stderr kfetch hyperliquid --follow --interval 0.1 --count 3 --coins BTC,ETH --kinds price
	assert_success
	[ "${#lines[@]}" -eq 6 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .ts | sort -u | wc -l)" -eq 3 ]
}

@test "kfetch hyperliquid: --follow writes only records it has not written before" {
	serve --hide-last candleSnapshot=3 --tick metaAndAssetCtxs
	run --separate-stderr kfetch hyperliquid --follow --interval 0.1 --count 4 --coins BTC --kinds price,candle --start 2025-03-08
	assert_success
	printf '%s\n' "${lines[@]}" | jq -r 'select(.kind == "candle") | .ts' >"$T/ts"
	[ "$(wc -l <"$T/ts")" -eq 240 ]
	sort -u "$T/ts" | cmp - "$T/ts"
}

@test "kfetch hyperliquid: --follow flushes each poll's lines at once" {
	serve
	kfetch hyperliquid --follow --interval 5 --count 2 --coins BTC --kinds price >"$T/out" 2>/dev/null &
	pid=$!
	for _ in $(seq 60); do [ -s "$T/out" ] && break; sleep 0.05; done
	kill -0 "$pid"     # still waiting for its second poll
	[ "$(wc -l <"$T/out")" -eq 1 ]
	kill -TERM "$pid"
	wait "$pid"        # a signal ends following cleanly, status 0
}

@test "kfetch hyperliquid: a recorded --follow replays the same lines, and ends where the recording does" {
	serve --hide-last candleSnapshot=2 --tick metaAndAssetCtxs
	kfetch hyperliquid --follow --interval 0.1 --count 3 --coins BTC --kinds price,candle --start 2025-03-17 --record "$T/rec" >"$T/live" 2>/dev/null
	stop_server
	run --separate-stderr kfetch hyperliquid --follow --interval 30 --coins BTC --kinds price,candle --start 2025-03-17 --replay "$T/rec"
	assert_success
	printf '%s\n' "${lines[@]}" | cmp - "$T/live"
}

# ---- output ----

@test "kfetch hyperliquid: a closed pipe ends it quietly" {
	serve
	run --separate-stderr bash -c 'kfetch hyperliquid --coins BTC,ETH --kinds candle "$@" | head -n 1; echo "${PIPESTATUS[0]}"' _ "${W[@]}"
	assert_line --index 1 0
}

# ---- binance ----

@test "kfetch binance: klines are paged past the limit into candle records, exact" {
	serve --cap klines=100
	run --separate-stderr kfetch binance --coins BTC --kinds candle "${W[@]}"
	assert_success
	[ "${#lines[@]}" -eq 240 ]
	[ "$(requests klines)" -eq 3 ]
	assert_equal "${lines[0]}" '{"kind":"candle","ts":"2025-03-08T00:00:00Z","venue":"binance","coin":"BTC","interval":"1h","open":86801.74,"high":86897.25,"low":86538.59,"close":86726.8,"volume":774.07981,"quote_volume":67120644.47635,"trades":151674}'
	grep -q 'symbol=BTCUSDT&interval=1h&startTime=1741392000000&endTime=1742255999999&limit=1000' "$T/requests.log"
}

@test "kfetch binance: ticker prices become price records" {
	serve
	run --separate-stderr kfetch binance --coins btc,ETH --kinds price
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run jq -c '[.venue, .coin, .price]' <<<"$output"
	assert_line --index 0 '["binance","BTC",84010.03]'
	assert_line --index 1 '["binance","ETH",1926.31]'
}

@test "kfetch binance: a symbol Binance does not have exits 65 with its message" {
	serve
	run --separate-stderr kfetch binance --coins NOSUCH --kinds candle --days 1
	assert_failure 65
	[ -z "$output" ]
	[[ "$stderr" == *'kfetch: binance: klines NOSUCHUSDT: the service refused the request: HTTP 400: {"code":-1121,"msg":"Invalid symbol."}'* ]]
}

@test "kfetch binance: faults are retried and a recording replays" {
	serve --fault type=klines,kind=500,times=1 --fault type=ticker,kind=429,arg=0,times=1
	kfetch binance --retry-wait 0.01 --coins BTC,ETH "${W[@]:0:2}" --record "$T/rec" >"$T/live" 2>/dev/null
	stop_server
	[ "$(grep -c '"kind":"candle"' "$T/live")" -eq 480 ]
	run --separate-stderr kfetch binance --coins BTC,ETH "${W[@]:0:2}" --replay "$T/rec"
	assert_success
	printf '%s\n' "${lines[@]}" | cmp - "$T/live"
}

@test "kfetch binance: --follow polls ticker prices" {
	serve
	run --separate-stderr kfetch binance --follow --interval 0.1 --count 2 --kinds price
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	[ "$(grep -c '"type": "ticker"' "$T/requests.log")" -eq 2 ]
}

@test "kfetch hyperliquid: --base-url wins over --testnet and the environment" {
	serve
	export KTOOLS_HYPERLIQUID_URL=http://127.0.0.1:9
	run --separate-stderr kfetch hyperliquid --testnet --base-url "$URL/" "${KPEPE[@]}"
	assert_success
	[ "${#lines[@]}" -eq 24 ]
}

@test "kfetch: every network source given a --replay that is not a recording exits 66 naming it (and leaks nothing under make sanitize)" {
	mkdir -p "$T/norec"
	w="--start 2025-03-01 --end 2025-03-02"
	for s in "hyperliquid --coins BTC --kinds candle $w" "binance --coins BTC --kinds candle $w" \
	         "etherscan --address 0x00000000000000000000000000000000000000aa" "ethrpc --from-block 1 --to-block 2"; do
		run --separate-stderr kfetch $s --replay "$T/norec"
		[ "$status" -eq 66 ] || { echo "$s: $status $stderr"; false; }
		[[ "$stderr" == *"--replay: $T/norec/index.ndjson: No such file or directory"* ]] || { echo "$s: $stderr"; false; }
		[ -z "$output" ]
	done
}
