#!/bin/bash
# The Isolation Forest against scikit-learn, in one run on the same seeded
# data: ROC-AUC over 5 seeds, ktrain vs fit and kscore vs score_samples
# (whole processes, NDJSON in and out, against data already in memory),
# kscore vs `jq -c .`, peak memory, model size and load time, start-up of
# every program. Prints measured figures beside the targets of issue 2.
set -euo pipefail
: "${KTOOLS_BIN:?set KTOOLS_BIN to the bin directory of the build}"
here=$(cd "$(dirname "$0")" && pwd)
W=${BENCH_DIR:-$here/../build/bench}/iforest
PY=/usr/bin/python3
mkdir -p "$W"
export KTOOLS_MODEL_DIR="$W/models" PATH="$KTOOLS_BIN:$PATH"
rm -rf "$KTOOLS_MODEL_DIR"

say() { printf '%s\n' "$*"; }
# Mean wall seconds of a command over runs, by hyperfine.
hf() {
	local runs=$1; shift
	hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$W/hf.json" "$@" >/dev/null 2>&1 ||
		hyperfine --style none --warmup 1 --runs "$runs" --export-json "$W/hf.json" "$@" >/dev/null
	jq -r '.results[0].mean' "$W/hf.json"
}
hfsh() {
	local runs=$1; shift
	hyperfine --style none --warmup 1 --runs "$runs" --export-json "$W/hf.json" "$@" >/dev/null
	jq -r '.results[0].mean' "$W/hf.json"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
mark() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { ok = dir == ">" ? v >= t : v <= t; print ok ? "ok" : "MISSED" }'; }

say "== Isolation Forest: ktools vs scikit-learn $($PY -c 'import sklearn; print(sklearn.__version__)')"
say "machine: $(nproc) CPUs, $(uname -m); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for n in 1000 100000; do
	[ -s "$W/d$n.labels.npy" ] || $PY "$here/iforest_data.py" "$n" 7 "$W/d$n"
done
F100=$W/d100000.ndjson F1=$W/d1000.ndjson

# Accuracy: ROC-AUC over 5 seeds on the 100k set.
seeds="1 2 3 4 5"
ref=$($PY "$here/iforest_ref.py" "$W/d100000" $seeds)
ours=()
for s in $seeds; do
	ktrain anomaly -q --seed "$s" --save-version "auc$s" "$F100" >/dev/null
	kscore --model-version "auc$s" "$F100" >"$W/scored.ndjson"
	ours+=("$($PY "$here/iforest_auc.py" "$W/d100000.labels.npy" "$W/scored.ndjson")")
done
auc_ours=$(printf '%s\n' "${ours[@]}" | awk '{ s += $1; ss += $1 * $1 } END { m = s / NR; printf "%.4f +- %.4f", m, sqrt(ss / NR - m * m) }')
auc_ref=$(jq -r '.auc[]' <<<"$ref" | awk '{ s += $1; ss += $1 * $1 } END { m = s / NR; printf "%.4f +- %.4f", m, sqrt(ss / NR - m * m) }')
mean_ours=$(printf '%s\n' "${ours[@]}" | jq -s 'add / length')
mean_ref=$(jq -r '.auc | add / length' <<<"$ref")
dauc=$(awk -v a="$mean_ours" -v b="$mean_ref" 'BEGIN { d = a - b; print d < 0 ? -d : d }')
say ""
say "ROC-AUC (100k x 40, 5% planted outliers on 3 features, seeds $seeds)"
say "  ktools        $auc_ours"
say "  scikit-learn  $auc_ref"
say "  difference    $(printf '%.4f' "$dauc")   target <= 0.01: $(mark "$dauc" 0.01 "<")"

# Speed, 100k rows.
fit=$(jq -r '.fit | add / length' <<<"$ref")
sco=$(jq -r '.score | add / length' <<<"$ref")
kt=$(hf 5 "ktrain anomaly -q $F100")
ks=$(hfsh 5 "kscore $F100 >/dev/null")
jqt=$(hfsh 3 "jq -c . $F100 >/dev/null")
say ""
say "Speed, 100k x 40 ($(du -h "$F100" | cut -f1) of NDJSON), mean wall seconds"
printf '  %-34s %8.3f   sklearn fit %.3f (in memory)   %sx   target >= 10x: %s\n' "ktrain anomaly (file in, model out)" "$kt" "$fit" "$(ratio "$fit" "$kt")" "$(mark "$(ratio "$fit" "$kt")" 10 ">")"
printf '  %-34s %8.3f   sklearn score_samples %.3f   %sx   target >= 3x: %s\n' "kscore (NDJSON in, NDJSON out)" "$ks" "$sco" "$(ratio "$sco" "$ks")" "$(mark "$(ratio "$sco" "$ks")" 3 ">")"
printf '  %-34s %8.3f   kscore is %sx faster   target > 1x: %s\n' "jq -c . on the same file" "$jqt" "$(ratio "$jqt" "$ks")" "$(mark "$(ratio "$jqt" "$ks")" 1 ">")"

# The seed's case: 1k rows.
ref1=$($PY "$here/iforest_ref.py" "$W/d1000" 1 2 3)
kt1=$(hf 20 "ktrain anomaly -q $F1")
say ""
say "1k x 40 (the seed's case, \"~5 seconds\")"
printf '  ktrain anomaly %.1f ms   sklearn fit %.1f ms   target < 20 ms: %s\n' "$(awk -v t="$kt1" 'BEGIN { print t * 1000 }')" "$(jq -r '.fit | add / length * 1000' <<<"$ref1")" "$(mark "$kt1" 0.020 "<")"

# Memory, model size, load time.
ktrain anomaly -q --save-version mem "$F100" >/dev/null
mem_train=$(/usr/bin/time -f %M ktrain anomaly -q --save-version mem2 "$F100" 2>&1 >/dev/null | tail -n 1)
mem_100k=$( { /usr/bin/time -f %M kscore --model-version mem "$F100" >/dev/null; } 2>&1 | tail -n 1)
if [ -z "${BENCH_QUICK:-}" ]; then
	mem_10m=$( { for i in $(seq 100); do cat "$F100"; done | /usr/bin/time -f %M kscore --model-version mem >/dev/null; } 2>&1 | tail -n 1)
else
	mem_10m=skipped
fi
size=$(stat -c %s "$KTOOLS_MODEL_DIR/anomaly/mem.ktm")
load=$(hf 20 "kscore --model-version mem /dev/null")
start=$(hf 20 "kscore --version")
say ""
say "Memory and model"
say "  ktrain peak RSS (100k rows)      $((mem_train / 1024)) MiB"
say "  kscore peak RSS 100k / 10M rows  $((mem_100k / 1024)) MiB / $([ "$mem_10m" = skipped ] && echo skipped || echo "$((mem_10m / 1024)) MiB")   target: flat"
printf '  model file                       %d KiB   target < 1 MiB: %s\n' $((size / 1024)) "$(mark "$size" 1048576 "<")"
printf '  model load (kscore, no rows)     %.2f ms (start-up included)   target < 10 ms: %s\n' "$(awk -v t="$load" 'BEGIN { print t * 1000 }')" "$(mark "$load" 0.010 "<")"

say ""
say "Start-up (--version), mean of 20 runs; target < 5 ms each"
for p in "$KTOOLS_BIN"/k*; do
	t=$(hf 20 "$p --version")
	printf '  %-10s %.2f ms  %s\n' "$(basename "$p")" "$(awk -v t="$t" 'BEGIN { print t * 1000 }')" "$(mark "$t" 0.005 "<")"
done
