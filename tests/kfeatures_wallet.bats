#!/usr/bin/env bats
# kfeatures wallet: one row per address with every documented feature;
# the rules for duplicates, self-transfers, failed transactions, contract
# creations and malformed addresses; forwarding, cycles, lists and fresh
# funding on a small history worked out by hand (tests/fixtures/eth/
# wallet_small.ndjson, the same as test_walletfeat.c's); bad input named
# by line and field, with the good lines still used.

load helpers
bats_require_minimum_version 1.5.0

SMALL="$FIX/eth/wallet_small.ndjson"
LIST="$BATS_TEST_DIRNAME/../data/labels/addresses.csv"
A=0x00000000000000000000000000000000000000aa
F=0x00000000000000000000000000000000000000ff

setup() {
	common_setup
	unset KTOOLS_LABELS
}

# The value of feature $2 in the row of address $1 of file $3.
feat() { jq -r --arg e "$1" --arg f "$2" 'select(.entity == $e) | .features[$f]' "$3"; }

good_tx() {
	printf '{"kind":"tx","ts":"2024-03-01T00:00:00Z","from":"%s","to":"%s","value_wei":"%s"}\n' "$@"
}

@test "kfeatures wallet: listed as a feature set; --help names its options" {
	run kfeatures --help
	assert_success
	assert_line --regexp '^  wallet +'
	run kfeatures wallet --help
	assert_success
	for o in --window --as-of --entities --address --addresses --labels --forward-minutes \
	         --cycle-hours --cycle-hops --cycle-budget --hub-transfers --fresh-hours --dust-eth \
	         --no-graph --exact-max --pivots --le-max-degree --seed --dump-graph --threads \
	         --list-features --strict --rejects; do
		assert_output --partial -- "$o"
	done
}

@test "kfeatures wallet: --list-features documents at least 50 distinct features in the seed's groups" {
	run kfeatures wallet --list-features
	assert_success
	list=$output
	[ "${#lines[@]}" -ge 50 ]
	[ "$(cut -f1 <<<"$output" | sort -u | wc -l)" -eq "${#lines[@]}" ]
	for g in activity transaction protocol portfolio behaviour graph suspicious; do
		[ "$(awk -F'\t' -v g="$g" '$2 == g' <<<"$output" | wc -l)" -ge 3 ] || { echo "group $g"; false; }
	done
	# every line has name, group, unit, definition and missing-data rule
	run awk -F'\t' 'NF != 5 || $4 == "" || $5 == ""' <<<"$output"
	assert_output ""
	for f in pagerank betweenness closeness eigenvector clustering local_efficiency triangles \
	         in_degree out_degree in_value_eth forwarded_share cycle_count mixer_count \
	         sanctioned_count flagged_count funded_by_fresh stablecoin_share gas_price_rel_market \
	         wallet_age_days counterparty_reuse batch_share new_protocols_30d hour_entropy; do
		cut -f1 <<<"$list" | grep -qx "$f" || { echo "missing $f"; false; }
	done
}

@test "kfeatures wallet: every row has the same feature keys as --list-features, in order" {
	kfeatures wallet "$SMALL" >"$T/rows" 2>/dev/null
	kfeatures wallet --list-features | cut -f1 >"$T/names"
	run jq -r '[.features | keys_unsorted[]] | join(",")' "$T/rows"
	assert_success
	[ "$(sort -u <<<"$output")" = "$(paste -sd, "$T/names")" ]
	run jq -r '.kind' "$T/rows"
	[ "$(sort -u <<<"$output")" = features ]
}

@test "kfeatures wallet: the hand-worked history: forwarding, a cycle, gas, counterparties" {
	kfeatures wallet --labels "$LIST" "$SMALL" >"$T/rows" 2>/dev/null
	near "$(feat $A forwarded_share "$T/rows")" 0.363636363636 1e-9
	[ "$(feat $A cycle_count "$T/rows")" = 1 ]
	near "$(feat $A cycle_value_share "$T/rows")" 0.571428571428 1e-9
	[ "$(feat $A sent_count "$T/rows")" = 5 ]
	[ "$(feat $A counterparties "$T/rows")" = 5 ]
	near "$(feat $A cex_share "$T/rows")" 0.2 1e-12
	near "$(feat $A gas_fee_eth "$T/rows")" 0.01163 1e-12
	[ "$(feat $A funder_age_hours "$T/rows")" = 240 ]
	[ "$(feat $A funded_by_fresh "$T/rows")" = 0 ]
	# the row carries the ground-truth label
	run jq -r --arg e $A 'select(.entity == $e) | "\(.label) \(.malicious) \(.pattern)"' "$T/rows"
	assert_output "retail_active false null"
	# F: funded through the listed mixer, minutes before paying on
	[ "$(feat $F funded_by_mixer "$T/rows")" = 1 ]
	[ "$(feat $F mixer_count "$T/rows")" = 1 ]
	[ "$(feat $F tainted_inflow_share "$T/rows")" = 1 ]
	[ "$(feat $F first_out_after_funding_min "$T/rows")" = 5 ]
}

@test "kfeatures wallet: a duplicate record is dropped and counted, and changes nothing" {
	kfeatures wallet "$SMALL" >"$T/once" 2>/dev/null
	cat "$SMALL" <(sed -n 4p "$SMALL") >"$T/twice.ndjson"
	run --separate-stderr kfeatures wallet "$T/twice.ndjson"
	assert_success
	[[ "$stderr" == *"duplicates dropped: 1"* ]]
	diff <(cat "$T/once") <(echo "$output")
}

@test "kfeatures wallet: self-transfers, failed transactions and contract creations count as activity, not flows" {
	kfeatures wallet "$SMALL" >"$T/rows" 2>"$T/err"
	[[ "$(cat "$T/err")" == *"self-transfers: 1; failed: 1; contract creations: 1"* ]]
	[ "$(feat $A self_transfers "$T/rows")" = 1 ]
	[ "$(feat $A failed_count "$T/rows")" = 1 ]
	[ "$(feat $A contract_creations "$T/rows")" = 1 ]
	near "$(feat $A success_rate "$T/rows")" 0.8 1e-12
	# ETH out is the 4 and the 3: not the self-transfer, the failed swap or the creation
	[ "$(feat $A out_value_eth "$T/rows")" = 7 ]
	[ "$(feat $A out_degree "$T/rows")" = 2 ]
}

@test "kfeatures wallet: a malformed address is rejected naming line and field; the other lines still count (65)" {
	{ cat "$SMALL"; good_tx 0xNOTANADDRESS "$A" 1; good_tx "$A" 0x12 1; } >"$T/bad.ndjson"
	run --separate-stderr kfeatures wallet "$T/bad.ndjson"
	assert_failure 65
	[[ "$stderr" == *"bad.ndjson:15: field 'from': malformed address \"0xNOTANADDRESS\""* ]]
	[[ "$stderr" == *"bad.ndjson:16: field 'to': malformed address \"0x12\""* ]]
	[ "$(jq -s length <<<"$output")" -eq 5 ]
	# upper-case hex is an address, lower-cased
	good_tx 0x00000000000000000000000000000000000000AB "$A" 1 >"$T/upper.ndjson"
	run kfeatures wallet -q "$T/upper.ndjson"
	assert_success
	assert_output --partial '"entity":"0x00000000000000000000000000000000000000ab"'
}

@test "kfeatures wallet: bad amounts and fields are rejected naming the field" {
	for rec in \
	  '{"kind":"tx","ts":"2024-03-01T00:00:00Z","from":"'$A'","to":null,"value_wei":1000}|value_wei|expected decimal string, got number' \
	  '{"kind":"tx","ts":"2024-03-01T00:00:00Z","from":"'$A'","to":null,"value_wei":"-5"}|value_wei|a sign is not allowed' \
	  '{"kind":"tx","ts":"2024-03-01T00:00:00Z","from":"'$A'","to":null,"value_wei":"115792089237316195423570985008687907853269984665640564039457584007913129639936"}|value_wei|exceeds 2^256-1' \
	  '{"kind":"tx","ts":"2024-03-01T00:00:00Z","from":"'$A'","to":null,"value_wei":"0x10"}|value_wei|hex where a decimal' \
	  '{"kind":"tx","ts":"2024-03-01T00:00:00Z","from":"'$A'","to":null,"value_wei":"1","success":"yes"}|success|expected boolean or null' \
	  '{"kind":"tx","ts":"soon","from":"'$A'","to":null,"value_wei":"1"}|ts|not an RFC 3339 time' \
	  '{"kind":"tx","ts":"2024-03-01T00:00:00Z","from":"'$A'","value_wei":"1"}|to|missing' \
	  '{"kind":"market","ts":"2024-03-01T00:00:00Z","gas_gwei":"high"}|gas_gwei|expected number or null' \
	  '{"kind":"label","entity":"0x12","archetype":"x"}|entity|malformed address' \
	  '{"ts":"2024-03-01T00:00:00Z"}|kind|missing'; do
		IFS='|' read -r line field msg <<<"$rec"
		{ good_tx "$A" 0x00000000000000000000000000000000000000bb 5; echo "$line"; } >"$T/in.ndjson"
		run --separate-stderr kfeatures wallet "$T/in.ndjson"
		assert_failure 65
		[[ "$stderr" == *"in.ndjson:2: "*"'$field'"*"$msg"* ]] || { echo "for $field: $stderr"; false; }
		[ "$(jq -s length <<<"$output")" -eq 1 ]
	done
}

@test "kfeatures wallet: --strict stops at the first bad line; --rejects keeps it verbatim" {
	{ good_tx "$A" 0x12 1; cat "$SMALL"; } >"$T/bad.ndjson"
	run --separate-stderr kfeatures wallet --strict "$T/bad.ndjson"
	assert_failure 65
	[ -z "$output" ]
	run --separate-stderr kfeatures wallet --rejects "$T/rej" "$T/bad.ndjson"
	assert_failure 65
	[ "$(cat "$T/rej")" = "$(good_tx "$A" 0x12 1)" ]
}

@test "kfeatures wallet: other kinds and other populations' labels are skipped, said once" {
	{ cat "$SMALL"; echo '{"kind":"price","ts":"2024-03-01T00:00:00Z","coin":"BTC"}'; \
	  echo '{"kind":"price","ts":"2024-03-01T00:01:00Z","coin":"BTC"}'; } >"$T/in.ndjson"
	run --separate-stderr kfeatures wallet "$T/in.ndjson"
	assert_success
	[ "$(grep -c "kind 'price'" <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"label records whose entity is not an address"* ]]
}

@test "kfeatures wallet: --entities and --address choose the rows; an unseen address gets zeros and nulls" {
	run kfeatures wallet -q --entities all "$SMALL"
	assert_success
	[ "${#lines[@]}" -eq 9 ]
	run kfeatures wallet -q --address $A,0x9999999999999999999999999999999999999999 "$SMALL"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run jq -r 'select(.entity == "0x9999999999999999999999999999999999999999") | "\(.features.tx_count) \(.features.wallet_age_days)"' <<<"$output"
	assert_output "0 null"
	echo $A >"$T/list"
	run kfeatures wallet -q --addresses "$T/list" "$SMALL"
	[ "${#lines[@]}" -eq 1 ]
	run --separate-stderr kfeatures wallet --address 0x12 "$SMALL"
	assert_failure 64
	[[ "$stderr" == *"--address: '0x12'"* ]]
	run --separate-stderr kfeatures wallet --entities listed "$SMALL"
	assert_failure 64
}

@test "kfeatures wallet: --window and --as-of bound the history; rows are stamped with as_of" {
	run kfeatures wallet -q --as-of 2024-03-01T12:00:00Z "$SMALL"
	assert_success
	! grep -q "$F" <<<"$output"
	[ "$(jq -r .ts <<<"${lines[0]}")" = 2024-03-01T12:00:00Z ]
	run kfeatures wallet -q --window 2d "$SMALL"
	[ "$(jq -r .window_start <<<"${lines[0]}")" = 2024-02-29T00:05:00Z ]
	run kfeatures wallet -q --window all "$SMALL"
	[ "$(jq -r .window_start <<<"${lines[0]}")" = null ]
	for bad in "--window 0" "--window soon" "--as-of tomorrow" "--cycle-hops 9" "--pivots 1" \
	           "--threads 0" "--entities some" "--forward-minutes -3"; do
		run --separate-stderr kfeatures wallet $bad "$SMALL"
		assert_failure 64
		[ -z "$output" ]
		[[ "$stderr" == *"${bad%% *}"* ]]
	done
}

@test "kfeatures wallet: without an address list the list features are null, said once; KTOOLS_LABELS supplies one" {
	run --separate-stderr kfeatures wallet "$SMALL"
	assert_success
	[[ "$stderr" == *"no address list"* ]]
	[ "$(jq -r --arg e $F 'select(.entity == $e) | .features.mixer_count' <<<"$output")" = null ]
	KTOOLS_LABELS="$LIST" run --separate-stderr kfeatures wallet "$SMALL"
	[[ "$stderr" != *"no address list"* ]]
	[ "$(jq -r --arg e $F 'select(.entity == $e) | .features.mixer_count' <<<"$output")" = 1 ]
	run --separate-stderr kfeatures wallet --labels "$T/none.csv" "$SMALL"
	assert_failure 66
	[ -z "$output" ]
	printf 'address,category\n0xzz,mixer\n' >"$T/bad.csv"
	run --separate-stderr kfeatures wallet --labels "$T/bad.csv" "$SMALL"
	assert_failure 65
	[[ "$stderr" == *"bad.csv:2: malformed address '0xzz'"* ]]
}

@test "kfeatures wallet: --no-graph leaves the graph features null; --dump-graph writes the graph" {
	run kfeatures wallet -q --no-graph "$SMALL"
	assert_success
	[ "$(jq -r '.features.pagerank' <<<"${lines[0]}")" = null ]
	[ "$(jq -r '.features.forwarded_share' <<<"${lines[0]}")" != null ]
	run kfeatures wallet -q --dump-graph "$T/g.tsv" "$SMALL"
	assert_success
	[ "$(grep -c '^v	' "$T/g.tsv")" -eq 8 ]
	[ "$(grep -c '^e	' "$T/g.tsv")" -eq 8 ]
}

@test "kfeatures wallet: the same input gives the same bytes, whatever the threads; rows sorted by address" {
	kfetch simulate wallet --wallets 300 --days 8 2>/dev/null >"$T/sim"
	kfeatures wallet -q --threads 1 "$T/sim" >"$T/a"
	kfeatures wallet -q --threads 4 "$T/sim" >"$T/b"
	cmp "$T/a" "$T/b"
	run jq -r .entity "$T/a"
	[ "$output" = "$(sort <<<"$output")" ]
	# sampled betweenness and closeness repeat with the seed
	kfeatures wallet -q --exact-max 50 --pivots 20 "$T/sim" >"$T/c"
	kfeatures wallet -q --exact-max 50 --pivots 20 "$T/sim" >"$T/d"
	cmp "$T/c" "$T/d"
	! cmp -s "$T/a" "$T/c"
}

@test "kfeatures wallet: empty input is no rows and success; a missing file is 66" {
	run --separate-stderr kfeatures wallet /dev/null
	assert_success
	[ -z "$output" ]
	run --separate-stderr kfeatures wallet "$T/missing.ndjson"
	assert_failure 66
	[ -z "$output" ]
}

@test "kfeatures wallet: starts fast: --version does not load igraph" {
	run kfeatures wallet --version
	assert_success
	assert_output --partial "igraph 0.10"
	assert_output --partial "loaded when needed"
}

@test "kfeatures wallet: a tx dated more than a day past the machine's clock is a rejected line" {
	soon=$(date -u -d '+12 hours' +%Y-%m-%dT%H:%M:%SZ)
	later=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
	{ cat "$SMALL"
	  good_tx "$A" "$F" 1 | sed "s/2024-03-01T00:00:00Z/$later/"; } >"$T/future"
	run --separate-stderr kfeatures wallet -q --no-graph "$T/future"
	assert_failure 65
	n=$(wc -l <"$SMALL")
	[[ "$stderr" == *"$T/future:$((n + 1)): field 'ts': $later is more than a day after this machine's clock"* ]]
	kfeatures wallet -q --no-graph "$SMALL" | cmp - <(printf '%s\n' "$output")
	# Within the margin it is taken (and, far past the rest, warned of).
	{ cat "$SMALL"; good_tx "$A" "$F" 1 | sed "s/2024-03-01T00:00:00Z/$soon/"; } >"$T/soon"
	run --separate-stderr kfeatures wallet -q --no-graph "$T/soon"
	assert_success
}

@test "kfeatures wallet: a newest record far past the rest is warned of, naming --as-of; none otherwise" {
	{ cat "$SMALL"; good_tx "$A" "$F" 1 | sed 's/2024-03-01/2025-06-01/'; } >"$T/late"
	run --separate-stderr kfeatures wallet -q --no-graph "$T/late"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"warning: the window ends at the newest record, 2025-06-01T00:00:00Z, 456 days after 99% of the records (2024-03-02T00:05:00Z and before)"*"give --as-of"* ]]
	run --separate-stderr kfeatures wallet -q --no-graph --as-of 2024-03-02T00:05:00Z "$T/late"
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	[ -z "$stderr" ]
	run --separate-stderr kfeatures wallet -q --no-graph "$SMALL"
	[ -z "$stderr" ]
}
