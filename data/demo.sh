#!/usr/bin/env bash
# demo.sh - `make demo`: the monitor end to end, offline. Replays the 42
# days of recorded Hyperliquid and Binance history in data/ (commands from
# data/PROVENANCE.md) through kfeatures, trains the Isolation Forest,
# scores, and prints the top anomalies with the features that explain
# them and the rule alerts; then the same on a labelled simulation, to
# show the incidents the recorded history cannot hold (no oracle or
# liquidation history exists), against their ground truth.
# No head(1) in pipelines: with pipefail its early exit would fail the
# writer (SIGPIPE) at random.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
bin=${KTOOLS_BIN:-$here/../build/bin}
PATH="$bin:$PATH"
for p in kfetch kfeatures ktrain kscore jq; do
	command -v "$p" >/dev/null || { echo "demo: '$p' not found (run make)" >&2; exit 69; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktools-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export KTOOLS_MODEL_DIR="$tmp/models"
unset ML_ENABLED KTOOLS_RULES_STATE
cd "$here/.."

# Top anomalies: "time  score  feature value (robust z) ...".
top_anomalies() {
	jq -r 'select(.is_anomaly) | [.anomaly_score, .ts,
	    (.contributing_features[] | .feature, .value, .deviation)] | @tsv' "$1" |
	sort -t$'\t' -k1,1 -rn |
	awk -F'\t' -v n="$2" 'NR <= n {
		line = sprintf("  %s  %5.1f ", substr($2, 1, 16), $1)
		for (i = 3; i + 2 <= NF; i += 3)
			line = line sprintf(" %s %.4g (z %.1f)%s", $i, $(i + 1), $(i + 2), i + 5 <= NF ? "," : "")
		print line
	}'
}

# Rule alerts, one line per row that has any.
rule_alerts() {
	jq -r 'select(.alerts | length > 0) | [.ts, .anomaly_level,
	    ([.alerts[] | "\(.rule) (\(.severity)): \(.message)"] | join("; "))] | @tsv' "$1" |
	awk -F'\t' -v n="$2" 'NR <= n { printf "  %s  %-8s %s\n", substr($1, 1, 16), $2, $3 }'
}

echo "== Recorded history: Hyperliquid and Binance, 2025-02-24 to 2025-04-06 =="
kfetch hyperliquid --replay data/hyperliquid -q \
	--coins BTC,ETH,SOL,HYPE --kinds candle,funding,hlp \
	--vaults 0x31ca8395cf837de08b24da3f660e77761dfb974b \
	--vault-endpoint portfolio \
	--start 2025-02-24 --end 2025-04-07 >"$tmp/hl.ndjson"
kfetch binance --replay data/binance -q \
	--coins BTC,ETH --kinds candle \
	--start 2025-02-24 --end 2025-04-07 >"$tmp/bn.ndjson"
echo "records: $(wc -l <"$tmp/hl.ndjson") Hyperliquid (candle, funding, hlp)," \
	"$(wc -l <"$tmp/bn.ndjson") Binance (candle)"

# Two files, each in time order: --lateness lets kfeatures merge them.
kfeatures hyperliquid -q --lateness 60d "$tmp/hl.ndjson" "$tmp/bn.ndjson" >"$tmp/real.ndjson"
echo "feature rows: $(wc -l <"$tmp/real.ndjson") hourly rows of" \
	"$(head -n 1 "$tmp/real.ndjson" | jq '.features | length') features" \
	"($(head -n 1 "$tmp/real.ndjson" | jq '[.features[] | select(. != null)] | length') with data here:" \
	"no oracle, mark or liquidation history exists for these days)"

ktrain anomaly -q --save-version demo "$tmp/real.ndjson" >"$tmp/report.json"
jq -r '"anomaly model: \(.trees) trees on \(.samples_trained) rows, threshold \(.threshold * 100 | round / 100), \(.anomalies_detected) rows flagged (\(.anomaly_rate_pct * 10 | round / 10)%)"' "$tmp/report.json"
kscore -q "$tmp/real.ndjson" >"$tmp/real.scored"
echo
echo "Top 10 anomalies (Isolation Forest): time, score, features (robust z)"
top_anomalies "$tmp/real.scored" 10
echo
ML_ENABLED=false kscore -q "$tmp/real.ndjson" >"$tmp/real.rules"
n=$(jq -s 'map(select(.alerts | length > 0)) | length' "$tmp/real.rules")
echo "Rule alerts (kscore's rules fallback): $n rows"
rule_alerts "$tmp/real.rules" 12

echo
echo "== Labelled simulation: 30 days, seed 7 (kfetch simulate hyperliquid) =="
kfetch simulate hyperliquid -q --days 30 --seed 7 >"$tmp/sim.raw"
kfeatures hyperliquid -q "$tmp/sim.raw" >"$tmp/sim.ndjson"
ktrain anomaly -q --save-version sim "$tmp/sim.ndjson" >/dev/null
kscore -q --model-version sim "$tmp/sim.ndjson" >"$tmp/sim.scored"
ML_ENABLED=false kscore -q "$tmp/sim.ndjson" >"$tmp/sim.rules"
echo "records: $(wc -l <"$tmp/sim.raw"), feature rows: $(wc -l <"$tmp/sim.ndjson")"
echo
echo "Incidents and what saw them (the worst level the rules gave, and whether"
echo "the forest flagged, in the rows the incident overlaps or the next one):"
jq -r 'select(.kind == "label") | [.ts, .ts_end, .incident, (.coin // "vault"), .magnitude, .unit] | @tsv' "$tmp/sim.raw" |
while IFS=$'\t' read -r s e kind coin mag unit; do
	lo=${s:0:13}
	# Rows from the incident's hour to the hour after it ends.
	hi=$(jq -rn --arg e "$e" '$e | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601 + 3600 | todate | .[0:13]')
	rules=$(jq -r --arg lo "$lo" --arg hi "$hi" 'select(.ts[0:13] >= $lo and .ts[0:13] <= $hi) | .anomaly_level' "$tmp/sim.rules" |
		awk 'BEGIN { r["LOW"] = 0; r["MEDIUM"] = 1; r["HIGH"] = 2; r["CRITICAL"] = 3; n[0] = "LOW"; n[1] = "MEDIUM"; n[2] = "HIGH"; n[3] = "CRITICAL"; m = 0 }
		     { if (r[$1] > m) m = r[$1] } END { print n[m] }')
	forest=$(jq -r --arg lo "$lo" --arg hi "$hi" 'select(.ts[0:13] >= $lo and .ts[0:13] <= $hi and .is_anomaly) | .ts' "$tmp/sim.scored" | awk 'NR == 1')
	printf '  %s  %-20s %-5s %6.2f%-2s rules %-8s forest %s\n' "${s:0:16}" "$kind" "$coin" "$mag" "$unit" "$rules" "${forest:+flagged}"
done
echo
echo "Top 5 anomalies of the simulation (Isolation Forest):"
top_anomalies "$tmp/sim.scored" 5
