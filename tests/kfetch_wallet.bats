#!/usr/bin/env bats
# kfetch etherscan, ethrpc and csv: against tests/fakeserver_eth.py on
# loopback (an Etherscan-compatible API in the shapes of the API's own
# documented responses, and a JSON-RPC node serving tests/fixtures/eth/
# rpc/chain.json), with injected faults; and CSV in BigQuery's
# crypto_ethereum.transactions layout. Nothing reaches the network: the
# base URLs point at a closed port unless a test starts the server.

load helpers
bats_require_minimum_version 1.5.0

ADDR=0x382b4ca2c4a7cd28c1c400c69d81ec2b2637f7dd
ADDR2=0x105083929bf9bb22c26cb1777ec92661170d4285
SYNTH=0x5555555555555555555555555555555555555555
KEY=k3y-ab12-secret
# a key with the characters a query gives meaning to, and it as sent
KEY3='k3y&x+y/z=s3cr3t-9f'
KEY3_SENT='k3y%26x%2By%2Fz%3Ds3cr3t-9f'
BQ="$FIX/eth/bigquery_transactions.csv"

setup() {
	common_setup
	export KTOOLS_ETHERSCAN_URL=http://127.0.0.1:9 KTOOLS_ETH_RPC_URL=http://127.0.0.1:9
	unset ETHERSCAN_API_KEY
	SERVER_PID=
}

teardown() {
	if [ -n "${SERVER_PID:-}" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
}

serve() {
	: >"$T/requests.log"
	rm -f "$T/port"
	python3 "$BATS_TEST_DIRNAME/fakeserver_eth.py" --fixtures "$FIX/eth" \
		--log "$T/requests.log" "$@" >"$T/port" 2>"$T/server.err" 3>&- &
	SERVER_PID=$!
	for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
	URL="http://127.0.0.1:$(head -n1 "$T/port")"
	export KTOOLS_ETHERSCAN_URL=$URL/v2/api KTOOLS_ETH_RPC_URL=$URL
}

requests() { grep -c "\"type\": \"$1\"" "$T/requests.log" || true; }

es() { kfetch etherscan --retry-wait 0.01 --weight-budget 0 "$@"; }

# ---- etherscan ----

@test "kfetch etherscan: listed; its options in --help; no address is a usage error" {
	run kfetch --help
	assert_line --regexp '^  etherscan +'
	assert_line --regexp '^  ethrpc +'
	assert_line --regexp '^  csv +'
	run kfetch etherscan --help
	for o in --address --addresses --kinds --start-block --end-block --since --until --days \
	         --chain-id --page-size --api-key-env --base-url --retries --record --replay; do
		assert_output --partial -- "$o"
	done
	run --separate-stderr kfetch etherscan
	assert_failure 64
	[[ "$stderr" == *"no address"* ]]
	for bad in "--address 0x12" "--kinds all" "--page-size 20000" "--start-block -4" \
	           "--since soon" "--chain-id x"; do
		run --separate-stderr kfetch etherscan --address $ADDR $bad
		assert_failure 64
		[ -z "$output" ]
	done
}

@test "kfetch etherscan: normal, internal and token transactions as the contract's tx records, in time order" {
	serve --apikey "$KEY"
	ETHERSCAN_API_KEY=$KEY run --separate-stderr es --address $ADDR,$ADDR2
	assert_success
	[ "${#lines[@]}" -eq 9 ]
	run jq -rs 'map(.ts) | . == sort' <<<"$output"
	assert_output true
	ETHERSCAN_API_KEY=$KEY es --address $ADDR,$ADDR2 2>/dev/null >"$T/out"
	# the documented sample's 50000 ETH keep every digit
	run jq -r 'select(.hash == "0x710e53707c79dd438a8bc3db2a45a123af6dba0d4a653a134035306d11f415fd") | "\(.value_wei) \(.value) \(.gas_price_gwei) \(.transfer)"' "$T/out"
	assert_output "50000000000000000000000 50000 1.500000007 native"
	# a failed swap, named from functionName; a creation with its contract
	run jq -r 'select(.success == false) | .method' "$T/out"
	assert_output swapExactETHForTokens
	run jq -r 'select(.to == null) | "\(.contract_address) \(.method)"' "$T/out"
	assert_output "0xd2c2bb9bc2a2c2d9a1e1bdf3b8f8e3e9c2b1a0f9 null"
	run jq -r 'select(.transfer == "token") | "\(.token) \(.decimals) \(.value)"' "$T/out"
	assert_line "USDC 6 1500"
	assert_line "VTC 18 999900000"
	run jq -r 'select(.transfer == "internal") | .trace_id' "$T/out"
	assert_line "0_1"
	# and kfeatures reads them all
	run --separate-stderr kfeatures wallet --entities all "$T/out"
	assert_success
}

@test "kfetch etherscan: the API key is sent, but never printed nor recorded" {
	serve --apikey "$KEY"
	ETHERSCAN_API_KEY=$KEY run --separate-stderr es -v --address $ADDR --record "$T/rec"
	assert_success
	grep -q "apikey=$KEY" "$T/requests.log"
	! grep -rq "$KEY" "$T/rec"
	[[ "$stderr$output" != *"$KEY"* ]]
	# the recording replays offline, with no key at all
	export KTOOLS_ETHERSCAN_URL=http://127.0.0.1:9
	run --separate-stderr es --address $ADDR --replay "$T/rec"
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	[[ "$stderr" == *"(replayed)"* ]]
}

@test "kfetch etherscan: a key with '&', '+', '/' and '=' reaches the API intact, URL-encoded" {
	serve --apikey "$KEY3"
	ETHERSCAN_API_KEY=$KEY3 run --separate-stderr es --address $ADDR --kinds normal --record "$T/rec"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	grep -qF "apikey=$KEY3_SENT" "$T/requests.log"
	! grep -rqF -e "$KEY3" -e "$KEY3_SENT" "$T/rec"
	# the request key of the recording is the same as before: it replays
	export KTOOLS_ETHERSCAN_URL=http://127.0.0.1:9
	run --separate-stderr es --address $ADDR --kinds normal --replay "$T/rec"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
}

@test "kfetch etherscan: a server echoing the request shows the key neither on stderr nor in the recording" {
	serve --apikey "$KEY3" --fault type=txlist,kind=echo
	ETHERSCAN_API_KEY=$KEY3 run --separate-stderr es -v --address $ADDR --kinds normal --record "$T/rec"
	assert_failure 65
	[ -z "$output" ]
	grep -qF "apikey=$KEY3_SENT" "$T/requests.log"
	# (the API's words are cut at 200 characters, there)
	[[ "$stderr" == *"Invalid request: GET /v2/api?module=account&action=txlist&"*"&apikey=<redact"* ]]
	for s in "$KEY3" "$KEY3_SENT" "${KEY3#*=}"; do
		[[ "$stderr" != *"$s"* ]]
		! grep -rqF -e "$s" "$T/rec"
	done
	grep -qF '<redacted>' "$T/rec"/000001-*.json
}

@test "kfetch etherscan: a refused key is a configuration error (78), with nothing on stdout" {
	serve --apikey "$KEY"
	ETHERSCAN_API_KEY=wrong run --separate-stderr es --address $ADDR
	assert_failure 78
	[ -z "$output" ]
	[[ "$stderr" == *"refused the key"* ]]
	[[ "$stderr" != *wrong* ]]
	# no key: said once, and the keyless limit applies
	run --separate-stderr es --address $ADDR
	assert_failure 78
	[[ "$stderr" == *"no API key"* ]]
}

@test "kfetch etherscan: pages past the 10000-row window without losing or repeating a record" {
	serve --synth $SYNTH=12000
	run --separate-stderr es --address $SYNTH --kinds normal --page-size 3000
	assert_success
	[ "${#lines[@]}" -eq 12000 ]
	[ "$(jq -r .hash <<<"$output" | sort -u | wc -l)" -eq 12000 ]
	# pages 1-3 from block 0, then again from the last block seen
	grep -q 'startblock=0&endblock=99999999&page=3&' "$T/requests.log"
	grep -q 'startblock=14001385&endblock=99999999&page=1&' "$T/requests.log"
	! grep -q 'page=4&offset=3000' "$T/requests.log"
}

@test "kfetch etherscan: 'rate limit reached' answers are waited out and retried" {
	serve --fault type=txlist,kind=busy,times=2
	run --separate-stderr es --address $ADDR --kinds normal
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	[ "$(requests txlist)" -eq 3 ]
	[[ "$stderr" == *"Max rate limit reached"* ]]
}

@test "kfetch etherscan: still rate limited after the retries is 75, keeping what was fetched" {
	serve --fault type=tokentx,kind=busy
	run --separate-stderr es --address $ADDR --retries 2
	assert_failure 75
	[ "${#lines[@]}" -eq 4 ]
	[[ "$stderr" == *"still rate limited after 3 attempts"* ]]
}

@test "kfetch etherscan: 500s and 429 with Retry-After are retried; a service that stays down is 69" {
	serve --fault type=txlist,kind=500,times=2 --fault type=tokentx,kind=429,arg=0,times=1
	run --separate-stderr es --address $ADDR
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	[[ "$stderr" == *"retrying"* ]]
	teardown
	serve --fault type=txlist,kind=503
	run --separate-stderr es --address $ADDR --retries 1
	assert_failure 69
	[ -z "$output" ]
}

@test "kfetch etherscan: a bad element is reported with the request and field, the rest kept (65)" {
	serve --fault type=tokentx,kind=wrongtype,arg=value
	run --separate-stderr es --address $ADDR
	assert_failure 65
	[ "${#lines[@]}" -eq 4 ]
	[[ "$stderr" == *"tokentx $ADDR"*"result[0]: field 'value': expected string, got true"* ]]
	teardown
	serve --fault type=txlist,kind=wrongshape
	run --separate-stderr es --address $ADDR --kinds normal
	assert_failure 65
	[[ "$stderr" == *"has no 'result'"* ]]
	teardown
	serve --fault type=txlist,kind=notjson
	run --separate-stderr es --address $ADDR --kinds normal --retries 1
	assert_failure 65
	[ -z "$output" ]
}

@test "kfetch etherscan: --since and --until become blocks through getblocknobytime" {
	serve --synth $SYNTH=700
	# blocks are 12-second slots from block 14000000 at 1643000000
	run --separate-stderr es --address $SYNTH --kinds normal --since 2022-01-24T05:15:20Z --until 2022-01-24T05:17:13Z
	assert_success
	[ "$(requests getblocknobytime)" -eq 2 ]
	grep -q 'startblock=14000110&endblock=14000119&' "$T/requests.log"
	[ "${#lines[@]}" -eq 70 ]
}

# ---- ethrpc ----

@test "kfetch ethrpc: a block range with receipts, tokens and traces, in block order" {
	serve
	run --separate-stderr kfetch ethrpc --from-block 20000000 --to-block 20000011 --traces --batch 5
	assert_success
	[ "${#lines[@]}" -eq 16 ]
	run jq -rs 'map(.block) | . == sort' <<<"$output"
	assert_output true
	kfetch ethrpc --from-block 20000000 --traces 2>/dev/null >"$T/out"
	# legacy gas price, EIP-1559 effective price, a failure, a creation
	run jq -r 'select(.transfer == "native") | "\(.block) \(.success) \(.gas_price_gwei) \(.method)"' "$T/out"
	assert_line "20000000 true 15 null"
	assert_line "20000003 false 14.3 swapExactETHForTokens"
	run jq -r 'select(.to == null) | .contract_address' "$T/out"
	assert_output 0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0
	# tokens: USDC by its symbol(), MKR's bytes32 symbol, a token whose
	# calls revert (decimals 0, no symbol); the ERC-721 transfer is not one
	run jq -r 'select(.transfer == "token") | "\(.token) \(.decimals) \(.value_wei)"' "$T/out"
	assert_line "USDC 6 2300000000"
	assert_line "MKR 18 3000000000000000000"
	assert_line "null 0 777"
	[ "$(jq -r 'select(.token_address == "0x4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e")' "$T/out")" = "" ]
	# the internal ETH transfer of the sale; the delegatecall moves nothing
	run jq -r 'select(.transfer == "internal") | "\(.from) \(.to) \(.value) \(.trace_id)"' "$T/out"
	assert_output "0x7a250d5630b4cf539739df2c5dacb4c659f2488d 0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0.43 0"
}

@test "kfetch ethrpc: requests are batched; --address keeps only its records" {
	serve
	run --separate-stderr kfetch ethrpc --from-block 20000000 --batch 4 --address 0xcccccccccccccccccccccccccccccccccccccccc
	assert_success
	[ "$(requests eth_getBlockByNumber)" -eq 3 ]
	[ "$(grep -o '"method": *"eth_getBlockByNumber"\|eth_getBlockByNumber' "$T/requests.log" | wc -l)" -ge 3 ]
	run jq -r 'select(.from != "0xcccccccccccccccccccccccccccccccccccccccc" and .to != "0xcccccccccccccccccccccccccccccccccccccccc") | .hash' <<<"$output"
	assert_output ""
}

@test "kfetch ethrpc: a node without eth_getBlockReceipts is asked per transaction, said once" {
	serve --no-block-receipts
	run --separate-stderr kfetch ethrpc --from-block 20000000 --batch 6
	assert_success
	[ "${#lines[@]}" -eq 15 ]
	[ "$(grep -c 'one transaction at a time' <<<"$stderr")" -eq 1 ]
	[ "$(requests eth_getTransactionReceipt)" -ge 1 ]
}

@test "kfetch ethrpc: JSON-RPC errors and faults" {
	serve --fault type=eth_getBlockByNumber,kind=rpcerror,times=1
	run --separate-stderr kfetch ethrpc --from-block 20000000 --retry-wait 0.01
	assert_success
	[[ "$stderr" == *"rate limited by the node"* ]]
	teardown
	serve --fault type=eth_getBlockByNumber,kind=rpcerror
	run --separate-stderr kfetch ethrpc --from-block 20000000 --retries 1 --retry-wait 0.01
	assert_failure 75
	teardown
	serve --fault type=trace_block,kind=500
	run --separate-stderr kfetch ethrpc --from-block 20000000 --traces --retries 1 --retry-wait 0.01
	assert_failure 69
	teardown
	serve --fault type=eth_getBlockByNumber,kind=wrongtype,arg=timestamp
	run --separate-stderr kfetch ethrpc --from-block 20000000 --batch 50
	assert_failure 65
	[[ "$stderr" == *"field 'timestamp': expected a hex quantity, got true"* ]]
	teardown
	serve
	run --separate-stderr kfetch ethrpc --from-block 20000100
	assert_failure 64
	[[ "$stderr" == *"range is empty"* ]]
	run --separate-stderr kfetch ethrpc
	assert_failure 64
	[[ "$stderr" == *"--from-block or --last"* ]]
}

@test "kfetch ethrpc: an answer id or a block time at the ends of 64 bits is bad data (65), not arithmetic" {
	for id in -9223372036854775808 9223372036854775807 0; do
		serve --fault type=eth_blockNumber,kind=badid,arg=$id
		run --separate-stderr kfetch ethrpc --last 1
		assert_failure 65
		[ -z "$output" ]
		[[ "$stderr" == *"eth_blockNumber x1 (the newest block): answer 0 has no id of the batch"* ]]
		[[ "$stderr" != *"runtime error"* ]]
		teardown
	done
	serve --fault 'type=eth_getBlockByNumber,kind=setfield,arg=timestamp="0x4000000000000000"'
	run --separate-stderr kfetch ethrpc --from-block 20000000 --to-block 20000000
	assert_failure 65
	[[ "$stderr" == *"block 20000000: field 'timestamp': expected seconds up to the year 9999, got"* ]]
	[[ "$stderr" != *"runtime error"* ]]
}

@test "kfetch ethrpc: credentials in the base URL are sent, but never printed nor recorded" {
	RPCKEY=0123456789abcdef0123456789abcdef
	AUTH=$(printf alice:pa55w0rd | base64)
	serve
	run --separate-stderr kfetch ethrpc --base-url "http://alice:pa55w0rd@127.0.0.1:${URL##*:}/v3/$RPCKEY" --from-block 20000000 --to-block 20000001
	assert_success
	teardown
	# a node that says the request back, first as a 503 (a retry notice), then 401
	serve --fault type=eth_blockNumber,kind=echo,arg=503,times=1 --fault type=eth_blockNumber,kind=echo
	run --separate-stderr kfetch ethrpc --base-url "http://alice:pa55w0rd@127.0.0.1:${URL##*:}/v3/$RPCKEY" --last 1 --retry-wait 0.01 --record "$T/rec"
	assert_failure 69
	[ -z "$output" ]
	grep -qF "\"path\": \"/v3/$RPCKEY\"" "$T/requests.log"
	[[ "$stderr" == *"HTTP 503: unauthorized: POST /<redacted>"*"auth Basic <redacted>; retrying"* ]]
	[[ "$stderr" == *"refused the request: HTTP 401: unauthorized: POST /<redacted>"* ]]
	# a URL libcurl refuses is named without them
	run --separate-stderr kfetch ethrpc --base-url "http://alice:pa55w0rd@127.0.0.1:99999/v3/$RPCKEY" --last 1
	assert_failure 78
	[[ "$stderr" == *"http://<redacted>@127.0.0.1:99999/<redacted>"* ]]
	for s in pa55w0rd "$RPCKEY" "$AUTH"; do
		[[ "$stderr" != *"$s"* ]]
		! grep -rqF -e "$s" "$T/rec"
	done
	run --separate-stderr kfetch ethrpc --base-url "ftp://alice:pa55w0rd@127.0.0.1/v3/$RPCKEY" --last 1
	assert_failure 64
	[[ "$stderr" == *"--base-url: 'ftp...' is not an http:// or https:// URL"* ]]
	[[ "$stderr" != *pa55w0rd* && "$stderr" != *"$RPCKEY"* ]]
}

@test "kfetch ethrpc: nothing listening is 69, with nothing on stdout" {
	run --separate-stderr kfetch ethrpc --last 10 --retries 0
	assert_failure 69
	[ -z "$output" ]
}

# ---- csv ----

@test "kfetch csv: BigQuery's layout becomes exact tx records" {
	run --separate-stderr kfetch csv "$BQ"
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	run jq -r '"\(.ts) \(.from) \(.value_wei) \(.gas_price_gwei) \(.success) \(.method)"' <<<"$output"
	assert_line "2022-05-05T14:10:57Z 0x10f5d45854e038071485ac9e402308cf80d2d2fe 50000000000000000000000 1.500000007 true null"
	# upper-case hex lower-cased; a selector named; a creation's code is no method
	assert_line --partial "0x382b4ca2c4a7cd28c1c400c69d81ec2b2637f7dd 1000000000000000"
	assert_line --partial "false swapExactTokensForTokens"
	assert_line --partial "115792089237316195423570985008687907853269984665640564039457584007913129639935"
	run --separate-stderr kfetch csv "$BQ"
	run jq -r 'select(.to == null) | "\(.contract_address) \(.method)"' <<<"$output"
	assert_output "0x105083929bf9bb22c26cb1777ec92661170d4285 null"
}

@test "kfetch csv: blank lines before the header and between rows are skipped, not taken as the header" {
	kfetch csv "$BQ" >"$T/want" 2>/dev/null
	{ printf '  \t\r\n\n'; head -n 2 "$BQ"; printf ' \r\n'; tail -n +3 "$BQ"; } >"$T/blank.csv"
	run --separate-stderr kfetch csv "$T/blank.csv"
	assert_success
	printf '%s\n' "$output" | cmp - "$T/want"
}

@test "kfetch csv: --map reads another layout, amounts in units exactly" {
	printf 'Txhash,UnixTimestamp,From,To,Value_OUT(ETH),Status\n0x%064d,1704067200,0x%040d,0x%040d,1.5,1\n' 7 1 2 >"$T/es.csv"
	run --separate-stderr kfetch csv --map hash=Txhash,ts=UnixTimestamp,from=From,to=To,value=Value_OUT\(ETH\),success=Status "$T/es.csv"
	assert_success
	run jq -r '"\(.ts) \(.value_wei) \(.value) \(.success)"' <<<"$output"
	assert_output "2024-01-01T00:00:00Z 1500000000000000000 1.5 true"
	# Decimal amounts in ETH, as exports write them, exponents included:
	# exact in wei up to 18 decimals; a 19th is refused, saying why.
	printf 'Txhash,UnixTimestamp,From,To,Value_OUT(ETH),Status\n0x%064d,1704067200,0x%040d,0x%040d,1.5e-05,1\n0x%064d,1704067201,0x%040d,0x%040d,0.000000000000000001,1\n0x%064d,1704067202,0x%040d,0x%040d,1e-19,1\n' 7 1 2 8 1 2 9 1 2 >"$T/dec.csv"
	run --separate-stderr kfetch csv --map hash=Txhash,ts=UnixTimestamp,from=From,to=To,value=Value_OUT\(ETH\),success=Status "$T/dec.csv"
	assert_failure 65
	[ "$(jq -r .value_wei <<<"${lines[0]}")" = 15000000000000 ]
	[ "$(jq -r .value_wei <<<"${lines[1]}")" = 1 ]
	[[ "$stderr" == *"dec.csv:4: column 'Value_OUT(ETH)' (value): amount '1e-19': more than 18 decimal places"* ]]
	printf 'a;b;c;d\n2024-01-01 00:00:00;0x%040d;;5\n' 1 >"$T/semi.csv"
	run kfetch csv --delimiter ';' --map ts=a,from=b,to=c,value_wei=d "$T/semi.csv"
	assert_success
	assert_output --partial '"to":null,"value_wei":"5"'
}

@test "kfetch csv --ids and kfeatures wallet --ids: a graph of plain node ids goes in and comes out by id" {
	printf 'src,dst,amount,time\n17,42,1.5,1704067200\n42,9,0.5,1704070800\n9,17,0.4,1704074400\nabc def,9,1,1704074400\n123456789012345678901,9,1,1704074400\n' >"$T/g.csv"
	run --separate-stderr kfetch csv --ids --map from=src,to=dst,value=amount,ts=time "$T/g.csv"
	assert_failure 65
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -r .from <<<"${lines[0]}")" = 0x0000000000000000000000000000000000003137 ]
	[[ "$stderr" == *"g.csv:5: column 'src' (from): not an id of 1 to 20 printable bytes (--ids): abc def"* ]]
	[[ "$stderr" == *"g.csv:6: column 'src' (from): not an id"* ]]
	printf '%s\n' "${lines[@]}" >"$T/g.ndjson"
	kfeatures wallet -q --ids --no-graph "$T/g.ndjson" >"$T/rows"
	[ "$(jq -r .entity "$T/rows" | sort | tr '\n' ' ')" = "17 42 9 " ]
	[ "$(jq -r 'select(.entity == "42") | .features.tx_count' "$T/rows")" = 2 ]
	# Without --ids the rows keep the address form.
	kfeatures wallet -q --no-graph "$T/g.ndjson" | jq -r .entity | grep -q '^0x0*3137$'
}

@test "kfetch csv: a bad row is rejected naming line, column and field; the others are written (65)" {
	{ head -n 2 "$BQ"; sed -n 2p "$BQ" | sed 's/,50000000000000000000000,/,5e22,/'; \
	  sed -n 3p "$BQ" | sed 's/0x382B4CA2/0xZZ2B4CA2/'; \
	  sed -n 2p "$BQ" | sed 's/2022-05-05 14:10:57 UTC/yesterday/'; \
	  sed -n 2p "$BQ" | sed 's/,1,2022/,maybe,2022/'; \
	  echo 'only,three,columns'; \
	  sed -n 2p "$BQ" | sed 's/,0x,/,"0x,/'; } >"$T/bad.csv"
	run --separate-stderr kfetch csv "$T/bad.csv"
	assert_failure 65
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"bad.csv:3: column 'value' (value_wei): amount '5e22': an exponent is not allowed, amounts are exact integers (wei are whole; an amount in ETH or token units is --map value=COLUMN, with --decimals)"* ]]
	[[ "$stderr" == *"bad.csv:4: column 'from_address' (from): malformed address: 0xZZ2B4CA2"* ]]
	[[ "$stderr" == *"bad.csv:5: column 'block_timestamp' (ts): not a time: yesterday"* ]]
	[[ "$stderr" == *"bad.csv:6: column 'receipt_status' (success): expected 1, 0, true, false or empty: maybe"* ]]
	[[ "$stderr" == *"bad.csv:7: expected 21 columns, got 3"* ]]
	[[ "$stderr" == *"bad.csv:8: column "*"unterminated quoted field"* ]]
	run --separate-stderr kfetch csv --strict "$T/bad.csv"
	assert_failure 65
	[ "${#lines[@]}" -eq 1 ]
}

@test "kfetch csv: a layout without the needed columns, or a bad --map, is a usage error (64)" {
	printf 'x,y\n1,2\n' >"$T/odd.csv"
	run --separate-stderr kfetch csv "$T/odd.csv"
	assert_failure 64
	[[ "$stderr" == *"no column for field 'ts'"* ]]
	[[ "$stderr" == *"'x', 'y'"* ]]
	for bad in "--map nosuch=x" "--map ts" "--delimiter ab" "--decimals 99"; do
		run --separate-stderr kfetch csv $bad "$BQ"
		assert_failure 64
		[ -z "$output" ]
	done
	run --separate-stderr kfetch csv --map ts=missing_col "$BQ"
	assert_failure 64
	[[ "$stderr" == *"no column 'missing_col'"* ]]
	run --separate-stderr kfetch csv "$T/nothere.csv"
	assert_failure 66
}
