#!/bin/bash
# Detection quality and kfeatures' cost, as measured (issue 3): on
# simulated incidents with ground truth, recall, median detection delay
# (buckets) and episode precision of the rules alone, the forest alone and
# both; on the recorded history in data/, the hours each flags; kfeatures'
# throughput and peak memory on a 90-day backfill. BENCH_QUICK=1: 30 days
# and one seed. Not part of make check.
set -euo pipefail
: "${KTOOLS_BIN:?set KTOOLS_BIN to the bin directory of the build}"
here=$(cd "$(dirname "$0")" && pwd)
W=${BENCH_DIR:-$here/../build/bench}/detect
PY=$(command -v /usr/bin/python3 || command -v python3)
mkdir -p "$W"
export KTOOLS_MODEL_DIR="$W/models" PATH="$KTOOLS_BIN:$PATH" LC_ALL=C
unset ML_ENABLED KTOOLS_RULES_STATE
rm -rf "$KTOOLS_MODEL_DIR"
cd "$here/.."

if [ -n "${BENCH_QUICK:-}" ]; then days=30; seeds="1"; else days=90; seeds="1 2 3"; fi
say() { printf '%s\n' "$*"; }

# sim SEED DAYS BUCKET: raw records, their labels and feature rows.
sim() {
	local f="$W/sim_$1_$2_$3"
	[ -s "$f.rows" ] && return 0
	kfetch simulate hyperliquid -q --days "$2" --seed "$1" >"$f.raw"
	grep '"kind":"label"' "$f.raw" >"$f.labels" || true
	kfeatures hyperliquid -q --bucket "$3" "$f.raw" >"$f.rows"
}

say "== Detection on simulated incidents (kfetch simulate hyperliquid, $days days per seed, seeds $seeds) =="
say "The forest is trained, unsupervised, on another simulated history (seed 100, its"
say "own incidents unlabelled, contamination 0.05), then scores the test seeds."
for bucket in 1h 5m; do
	[ "$bucket" = 5m ] && [ -n "${BENCH_QUICK:-}" ] && continue
	bseeds=$seeds
	[ "$bucket" = 5m ] && bseeds=1
	sim 100 "$days" "$bucket"
	ktrain anomaly -q --save-version "train_$bucket" "$W/sim_100_${days}_$bucket.rows" >"$W/train_$bucket.json"
	: >"$W/eval_$bucket.ndjson"
	for s in $bseeds; do
		sim "$s" "$days" "$bucket"
		f="$W/sim_${s}_${days}_$bucket"
		ML_ENABLED=false kscore -q "$f.rows" >"$f.rules"
		kscore -q --model-version "train_$bucket" "$f.rows" >"$f.forest"
		"$PY" "$here/detect_eval.py" "$f.labels" "$f.rules" "$f.forest" "seed $s" >>"$W/eval_$bucket.ndjson"
	done
	say
	say "-- $bucket buckets (seeds $bseeds) --"
	"$PY" - "$W/eval_$bucket.ndjson" <<'PYEOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
days = sum(r["days"] for r in runs)
kinds = sorted({k for r in runs for k in r["rules"]["per_kind"] if k != "all"})
print("%-7s %9s %8s %6s %13s %9s %10s %13s" % ("method", "incidents", "detected", "recall",
      "median delay", "episodes", "precision", "false alarms"))
print("%-7s %9s %8s %6s %13s %9s %10s %13s" % ("", "", "", "", "(buckets)", "", "(episodes)", "per 30 days"))
for m in ("rules", "forest", "both"):
    inc = sum(r[m]["per_kind"]["all"]["incidents"] for r in runs)
    det = sum(r[m]["per_kind"]["all"]["detected"] for r in runs)
    delays = [d for r in runs for d in r[m]["delays"]]
    ep = sum(r[m]["episodes"] for r in runs)
    tep = sum(r[m]["true_episodes"] for r in runs)
    print("%-7s %9d %8d %6.2f %13s %9d %10s %13.1f" % (m, inc, det, det / inc if inc else 0,
          "%g" % statistics.median(delays) if delays else "-", ep,
          "%.2f" % (tep / ep) if ep else "-", (ep - tep) / days * 30))
print()
print("recall by kind      " + "".join("%-22s" % k for k in kinds))
for m in ("rules", "forest", "both"):
    cells = []
    for k in kinds:
        inc = sum(r[m]["per_kind"][k]["incidents"] for r in runs if k in r[m]["per_kind"])
        det = sum(r[m]["per_kind"][k]["detected"] for r in runs if k in r[m]["per_kind"])
        cells.append("%d/%d" % (det, inc))
    print("%-20s" % m + "".join("%-22s" % c for c in cells))
PYEOF
done

say
say "== Recorded history: the 42 days in data/ (2025-02-24 to 2025-04-06), hourly =="
kfetch hyperliquid --replay data/hyperliquid -q --coins BTC,ETH,SOL,HYPE \
	--kinds candle,funding,hlp --vaults 0x31ca8395cf837de08b24da3f660e77761dfb974b \
	--vault-endpoint portfolio --start 2025-02-24 --end 2025-04-07 >"$W/hl.ndjson"
kfetch binance --replay data/binance -q --coins BTC,ETH --kinds candle \
	--start 2025-02-24 --end 2025-04-07 >"$W/bn.ndjson"
kfeatures hyperliquid -q --lateness 60d "$W/hl.ndjson" "$W/bn.ndjson" >"$W/real.rows"
ktrain anomaly -q --save-version real "$W/real.rows" >/dev/null
kscore -q --model-version real "$W/real.rows" >"$W/real.forest"
ML_ENABLED=false kscore -q "$W/real.rows" >"$W/real.rules"
paste -d' ' <(jq -r '[.ts, .anomaly_level, .is_anomaly] | @tsv' "$W/real.rules" | tr '\t' ' ') \
	<(jq -r '.is_anomaly' "$W/real.forest") >"$W/real.flags"
awk -v n="$(wc -l <"$W/real.rows")" '
	{ r = $3 == "true"; f = $4 == "true"; rm = $2 != "LOW"
	  R += r; F += f; B += (r || f); M += rm
	  if (r || f) { d = substr($1, 1, 10); days[d] = days[d] (r ? "R" : "") (f ? "F" : "") "" } }
	END {
	  printf "hours: %d\n", n
	  printf "flagged by the rules (HIGH or CRITICAL): %d; with any rule alert (MEDIUM up): %d\n", R, M
	  printf "flagged by the forest (trained on these hours, contamination 0.05): %d\n", F
	  printf "flagged by either: %d\n", B
	}' "$W/real.flags"
say "days with flagged hours (forest), hours flagged:"
awk '$4 == "true" { c[substr($1, 1, 10)]++ } END { for (d in c) printf "  %s %d\n", d, c[d] }' "$W/real.flags" | sort | paste -sd' ' | fold -w 100 -s
say "rule alerts (MEDIUM and up):"
jq -r 'select(.alerts | length > 0) | "  \(.ts[0:16]) \(.anomaly_level) \([.alerts[].rule] | join(","))"' "$W/real.rules"

say
say "== kfeatures on a backfill: throughput and peak memory =="
for d in 30 90; do
	f="$W/backfill_$d.raw"
	[ -s "$f" ] || kfetch simulate hyperliquid -q --days "$d" --seed 7 >"$f"
	recs=$(wc -l <"$f")
	bytes=$(wc -c <"$f")
	for b in 1h 1m; do
		/usr/bin/time -f '%e %M' -o "$W/time" kfeatures hyperliquid -q --bucket "$b" "$f" >"$W/backfill.rows"
		read -r secs kb <"$W/time"
		rows=$(wc -l <"$W/backfill.rows")
		awk -v d="$d" -v b="$b" -v r="$recs" -v by="$bytes" -v s="$secs" -v kb="$kb" -v rows="$rows" 'BEGIN {
			printf "%2d days, --bucket %s: %d records (%.0f MB) -> %d rows in %.2f s: %.0f records/s, %.0f MB/s; peak RSS %.1f MB\n",
			    d, b, r, by / 1e6, rows, s, r / (s > 0 ? s : 0.01), by / 1e6 / (s > 0 ? s : 0.01), kb / 1024 }'
	done
done
