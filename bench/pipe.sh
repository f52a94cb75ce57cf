#!/bin/bash
# Reading from a pipe against reading from a file (issue 18): kscore and
# ktrain anomaly on the 100,000 x 40 benchmark rows, whole processes,
# medians of 5, each from the file and from `cat FILE |`, beside the
# floors of each way in (`wc -l FILE`, `cat FILE | wc -l`). Targets:
# kscore from a pipe within 1.15x of its time from the file, ktrain
# anomaly from a pipe within 1.5x of `cat FILE | wc -l`. Then the monitor
# pipeline, whole, in rows per second beside the sum of its stages.
set -euo pipefail
: "${KTOOLS_BIN:?set KTOOLS_BIN to the bin directory of the build}"
here=$(cd "$(dirname "$0")" && pwd)
W=${BENCH_DIR:-$here/../build/bench}/pipe
PY=/usr/bin/python3
mkdir -p "$W"
export KTOOLS_MODEL_DIR="$W/models" PATH="$KTOOLS_BIN:$PATH"
rm -rf "$KTOOLS_MODEL_DIR"
n=100000
[ -n "${BENCH_QUICK:-}" ] && n=20000
F=$W/d$n.ndjson
[ -s "$F" ] || $PY "$here/iforest_data.py" "$n" 7 "$W/d$n" >/dev/null

med() {	# median wall seconds of a shell command over 5 runs
	hyperfine --style none --warmup 1 --runs 5 --export-json "$W/hf.json" "$1" >/dev/null
	jq -r '.results[0].median' "$W/hf.json"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# The targets are for the 100,000 rows; BENCH_QUICK's smaller file is
# dominated by start-up, so it reports without judging.
mark() {
	[ -n "${BENCH_QUICK:-}" ] && { echo "not judged at the quick size"; return; }
	awk -v v="$1" -v t="$2" 'BEGIN { print v <= t ? "ok" : "MISSED" }'
}

ktrain anomaly -q "$F" >/dev/null
echo "== Pipe against file: $n rows x 40, $(du -m "$F" | cut -f1) MB; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
wc_file=$(med "wc -l <$F")
wc_pipe=$(med "cat $F | wc -l")
printf '%-34s %8.3f s\n' "floor, file: wc -l <FILE" "$wc_file" \
	"floor, pipe: cat FILE | wc -l" "$wc_pipe"
ks_file=$(med "kscore $F >/dev/null")
ks_pipe=$(med "cat $F | kscore >/dev/null")
r=$(ratio "$ks_pipe" "$ks_file")
printf '%-34s %8.3f s\n%-34s %8.3f s   pipe/file %s (target <= 1.15: %s)\n' \
	"kscore FILE" "$ks_file" "cat FILE | kscore" "$ks_pipe" "$r" "$(mark "$r" 1.15)"
kt_file=$(med "ktrain anomaly -q --model-dir $W/tmp $F >/dev/null")
kt_pipe=$(med "cat $F | ktrain anomaly -q --model-dir $W/tmp >/dev/null")
rm -rf "$W/tmp"
r=$(ratio "$kt_pipe" "$wc_pipe")
printf '%-34s %8.3f s\n%-34s %8.3f s   pipe/(cat | wc -l) %s (target <= 1.5: %s)\n' \
	"ktrain anomaly FILE" "$kt_file" "cat FILE | ktrain anomaly" "$kt_pipe" "$r" "$(mark "$r" 1.5)"

# The monitor pipeline, whole, against the sum of its stages run alone:
# rows per second of feature rows scored. Stage inputs are kept in files
# first, so that each stage alone reads what it reads in the pipeline.
days=90
[ -n "${BENCH_QUICK:-}" ] && days=20
kfetch simulate hyperliquid -q --days "$days" --seed 1 >"$W/raw.ndjson"
kfeatures hyperliquid -q "$W/raw.ndjson" >"$W/rows.ndjson"
rm -rf "$KTOOLS_MODEL_DIR"
ktrain anomaly -q "$W/rows.ndjson" >/dev/null
rows=$(wc -l <"$W/rows.ndjson")
t1=$(med "kfetch simulate hyperliquid -q --days $days --seed 1 >/dev/null")
t2=$(med "kfeatures hyperliquid -q $W/raw.ndjson >/dev/null")
t3=$(med "kscore $W/rows.ndjson >/dev/null")
tp=$(med "kfetch simulate hyperliquid -q --days $days --seed 1 | kfeatures hyperliquid -q | kscore >/dev/null")
sum=$(awk -v a="$t1" -v b="$t2" -v c="$t3" 'BEGIN { print a + b + c }')
echo
echo "== Monitor pipeline: kfetch simulate hyperliquid ($days days, $(wc -l <"$W/raw.ndjson") records) | kfeatures hyperliquid | kscore ($rows rows)"
printf '%-34s %8.3f s\n' "kfetch alone" "$t1" "kfeatures alone (file)" "$t2" "kscore alone (file)" "$t3" "sum of the parts" "$sum"
printf '%-34s %8.3f s   %s rows/s (the parts in turn: %s rows/s)\n' "the pipeline" "$tp" \
	"$(awk -v r="$rows" -v t="$tp" 'BEGIN { printf "%.0f", r / t }')" \
	"$(awk -v r="$rows" -v t="$sum" 'BEGIN { printf "%.0f", r / t }')"
