#!/bin/bash
# The archetype classifier against xgboost Python (Debian's
# python3-xgboost, the libxgboost ktrain and karchetype link), in one run
# on the same 100k wallet feature rows of 103 features (kfeatures
# wallet's; the issue named 99, the count then) in 8 classes: ktrain
# archetype vs xgboost.train and karchetype vs Booster.inplace_predict,
# whole processes reading the same NDJSON on both sides (json in Python,
# its parse time also shown apart), printed as ratios; SHAP on a sample
# against pred_contribs; the probabilities of both sides compared;
# karchetype's peak memory over 100k and 1M rows (issue 11).
# 50 rounds (ROUNDS) keep the run under 5 minutes on 2 cores; THREADS
# (default nproc) on both sides; BENCH_QUICK=1: 20k rows. The rows are
# kept in build/bench/archetype (remove it after a simulator change).
set -euo pipefail
: "${KTOOLS_BIN:?set KTOOLS_BIN to the bin directory of the build}"
here=$(cd "$(dirname "$0")" && pwd)
W=${BENCH_DIR:-$here/../build/bench}/archetype
PY=/usr/bin/python3
REF="$here/archetype_ref.py"
N=100000 WALLETS=10000 SHAP_ROWS=5000
[ -n "${BENCH_QUICK:-}" ] && N=20000 WALLETS=2000 SHAP_ROWS=1000
STREAM=10                       # the memory run reads the rows 10 times
ROUNDS=${ROUNDS:-50} DEPTH=6 ETA=0.3 SEED=42
T=${THREADS:-$(nproc)}
mkdir -p "$W"
export KTOOLS_MODEL_DIR="$W/models" PATH="$KTOOLS_BIN:$PATH"
rm -rf "$KTOOLS_MODEL_DIR"

"$PY" -c 'import xgboost, numpy' 2>/dev/null ||
	{ echo "archetype: $PY lacks xgboost or numpy (make bench-deps)" >&2; exit 69; }
[ -x /usr/bin/time ] || { echo "archetype: no /usr/bin/time (make bench-deps)" >&2; exit 69; }

say() { printf '%s\n' "$*"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mark() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { ok = dir == ">" ? v >= t : v <= t; print ok ? "ok" : "MISSED" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
# One run under GNU time: TS gets the wall seconds, TM the peak RSS (KiB).
timed() {
	/usr/bin/time -f '%e %M' -o "$W/time" "$@"
	read -r TS TM < <(tail -n 1 "$W/time")
}
# Mean wall seconds of `timed` over RUNS runs; TM is the last run's.
mean_timed() {
	local runs=$1 sum=0; shift
	for _ in $(seq "$runs"); do
		timed "$@"
		sum=$(awk -v s="$sum" -v t="$TS" 'BEGIN { print s + t }')
	done
	TS=$(awk -v s="$sum" -v n="$runs" 'BEGIN { print s / n }')
}

say "== Archetypes: ktools vs xgboost Python $($PY -c 'import xgboost; print(xgboost.__version__)')"
say "machine: $(nproc) CPUs, $(uname -m); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%M:%SZ)"

# The rows: simulated wallets' labelled feature rows, grown to N by
# perturbed copies (archetype_data.py); kept between runs like iforest's.
F=$W/d$N.ndjson
if [ ! -s "$F" ]; then
	kfetch simulate wallet --wallets "$WALLETS" --seed 1 2>/dev/null |
		kfeatures wallet --no-graph 2>/dev/null |
		"$PY" "$here/archetype_data.py" "$N" 11 "$F.tmp"
	mv "$F.tmp" "$F"
fi
head -n "$SHAP_ROWS" "$F" >"$W/shap.ndjson"
d=$(head -n 1 "$F" | jq '.features | length')
k=$(grep -o '"label":"[^"]*"' "$F" | sort -u | wc -l)
say "data: $N rows x $d features, $k classes ($(du -h "$F" | cut -f1) of NDJSON): simulated wallets, grown by perturbed copies"
say "both sides: $ROUNDS rounds, max_depth $DEPTH, eta $ETA, tree_method hist, multi:softprob, $T threads, every row (holdout 0)"

# Training: whole processes, NDJSON in, model out.
timed ktrain archetype -q --holdout 0 --rounds "$ROUNDS" --max-depth "$DEPTH" \
	--eta "$ETA" --seed "$SEED" --threads "$T" --save-version bench "$F" >"$W/train.json"
kt=$TS ktm=$TM
timed "$PY" "$REF" train "$F" "$ROUNDS" "$DEPTH" "$ETA" "$T" "$SEED" "$W/py.ubj" >"$W/pytrain.json"
pt=$TS ptm=$TM
ptt=$(jq -r .train "$W/pytrain.json") ptp=$(jq -r .parse "$W/pytrain.json")
say ""
say "Training, $N rows, wall seconds (NDJSON parsed on both sides: C in ktrain, json in Python)"
printf '  %-36s %7.2f s %5s MiB\n' "ktrain archetype (whole process)" "$kt" "$(mib "$ktm")"
printf '  %-36s %7.2f s %5s MiB   ktrain %sx faster   target >= 1x: %s\n' "python json + xgboost.train (whole)" "$pt" "$(mib "$ptm")" "$(ratio "$pt" "$kt")" "$(mark "$(ratio "$pt" "$kt")" 1 ">")"
printf '  %-36s %7.2f s           (json parse %.2f s apart; ktrain whole is %sx of it)\n' "python xgboost.train only" "$ptt" "$ptp" "$(ratio "$kt" "$ptt")"

# Scoring: whole processes over the N rows, then SHAP over the first
# SHAP_ROWS (all N would take minutes: TreeSHAP costs far more than
# predicting).
M=$KTOOLS_MODEL_DIR/archetype/bench.ktm
mean_timed 3 karchetype --threads "$T" --top-features 0 "$F" >/dev/null
ks=$TS ksm=$TM
mean_timed 3 "$PY" "$REF" predict "$F" "$M" "$T" "$W/pk.npy" >"$W/pypred.json"
ps=$TS psm=$TM
stage() { jq -s "map(.$1) | add / length" "$W/pypred.json"; }   # mean of the runs
pp=$(stage predict) ppp=$(stage parse) ppl=$(stage load)
timed karchetype --threads "$T" "$W/shap.ndjson" >/dev/null
kx=$TS
timed "$PY" "$REF" predict "$W/shap.ndjson" "$M" "$T" - contribs >"$W/pyshap.json"
px=$TS pxp=$(jq -r .predict "$W/pyshap.json")
ks_shap=$(awk -v t="$ks" -v n="$N" -v m="$SHAP_ROWS" 'BEGIN { print t * m / n }')
say ""
say "Scoring, $N rows, ktrain's model on both sides, mean wall seconds of 3 runs"
say "(karchetype writes every row, to /dev/null; Python keeps the probabilities in memory)"
printf '  %-36s %7.2f s %5s MiB\n' "karchetype --top-features 0" "$ks" "$(mib "$ksm")"
printf '  %-36s %7.2f s %5s MiB   karchetype %sx faster   target >= 1x: %s\n' "python json + inplace_predict (whole)" "$ps" "$(mib "$psm")" "$(ratio "$ps" "$ks")" "$(mark "$(ratio "$ps" "$ks")" 1 ">")"
printf '  %-36s %7.2f s           (load %.2f s, json parse %.2f s apart; karchetype whole is %sx of it)\n' "python inplace_predict only" "$pp" "$ppl" "$ppp" "$(ratio "$ks" "$pp")"
say "SHAP (karchetype's default, --top-features 3), first $SHAP_ROWS rows, one run"
printf '  %-36s %7.2f s           %.2f ms a row, %sx the rows without SHAP\n' "karchetype" "$kx" "$(awk -v t="$kx" -v n="$SHAP_ROWS" 'BEGIN { print t / n * 1000 }')" "$(ratio "$kx" "$ks_shap")"
printf '  %-36s %7.2f s           karchetype %sx faster; pred_contribs only %.2f s\n' "python json + pred_contribs (whole)" "$px" "$(ratio "$px" "$kx")" "$pxp"

# Memory: the N rows (keeping what karchetype wrote, for the agreement
# below), then STREAM times as many through a pipe.
timed karchetype --threads "$T" --top-features 0 "$F" >"$W/scored.ndjson"
m1=$TM
timed bash -c 'for _ in $(seq "$1"); do cat "$2"; done |
	karchetype --threads "$3" --top-features 0 >/dev/null' _ "$STREAM" "$F" "$T"
mS=$TM mSt=$TS

# Agreement: the same model on both sides, and the models themselves.
"$PY" "$REF" predict "$F" "$W/py.ubj" "$T" "$W/pp.npy" >/dev/null
same=$("$PY" "$REF" compare "$W/scored.ndjson" "$W/pk.npy" "$M" | jq -r .max_abs_diff)
models=$("$PY" "$REF" diff "$W/pk.npy" "$W/pp.npy" | jq -r .max_abs_diff)
say ""
say "Agreement, class probabilities over the $N rows, largest |difference|"
printf '  %-52s %-9.3g target <= 1e-6: %s\n' "karchetype vs inplace_predict, ktrain's model" "$same" "$(mark "$same" 1e-6 "<")"
say "    (karchetype prints 6 decimals, so up to 5e-7 is its rounding)"
printf '  %-52s %-9.3g target <= 1e-6: %s\n' "ktrain's model vs xgboost.train's, same rows" "$models" "$(mark "$models" 1e-6 "<")"

say ""
say "Memory, karchetype --top-features 0, peak RSS"
printf '  %-36s %5s MiB\n' "$N rows (the file)" "$(mib "$m1")"
printf '  %-36s %5s MiB   %.2f s   ratio %s   target <= 1.2: %s\n' "$((N * STREAM)) rows (the file ${STREAM}x, piped)" "$(mib "$mS")" "$mSt" "$(ratio "$mS" "$m1")" "$(mark "$(ratio "$mS" "$m1")" 1.2 "<")"
