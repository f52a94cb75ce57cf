#!/bin/sh
# wallet_bench.sh - kfeatures wallet on about a million simulated
# transactions (~100k wallets): wall time, peak memory and where the time
# goes; then its graph metrics against networkx on the same graph (values
# within 1e-6 where the definitions match, and the speed ratio), once with
# the large graph (betweenness and closeness sampled from pivots) and once
# with a graph small enough for every metric to be exact. Not part of make
# check.
#
#   bench/wallet_bench.sh     KTOOLS_BIN (default build/bin), PYTHON
#                             (/usr/bin/python3, with python3-networkx),
#                             WALLETS (100000), DAYS (30), ACTIVITY (0.1),
#                             SMALL_WALLETS (2500), BENCH_QUICK=1: 20000
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=${KTOOLS_BIN:-$here/../build/bin}
py=${PYTHON:-/usr/bin/python3}
wallets=${WALLETS:-100000}
[ -n "${BENCH_QUICK:-}" ] && wallets=${WALLETS:-20000}
days=${DAYS:-30}
activity=${ACTIVITY:-0.1}
small=${SMALL_WALLETS:-2500}
labels=$here/../data/labels/addresses.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for p in kfetch kfeatures; do
	[ -x "$bin/$p" ] || { echo "wallet_bench: no $bin/$p (make first)" >&2; exit 66; }
done
"$py" -c 'import networkx, scipy' 2>/dev/null ||
	{ echo "wallet_bench: $py lacks networkx or scipy (make bench-deps)" >&2; exit 69; }
[ -x /usr/bin/time ] || { echo "wallet_bench: no /usr/bin/time (make bench-deps)" >&2; exit 69; }

echo "kfeatures wallet on simulated wallets; host: $(nproc) CPUs, load" \
     "average $(cut -d' ' -f1-3 /proc/loadavg)"

# One run of kfeatures wallet: wall seconds and peak RSS from GNU time.
run() {	# label input extra-options...
	label=$1 in=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$bin/kfeatures" wallet -v \
	    --labels "$labels" "$@" "$in" >"$tmp/rows.ndjson" 2>"$tmp/err"
	set -- $(cat "$tmp/time")
	printf '%-34s %8.2f s  %7.0f MB peak\n' "$label" "$1" "$(echo "$2 / 1024" | bc -l)"
}

echo
echo "== $wallets wallets, $days days, activity $activity"
"$bin/kfetch" simulate wallet --wallets "$wallets" --days "$days" \
    --activity "$activity" --seed 1 >"$tmp/sim.ndjson" 2>"$tmp/sim.err"
ntx=$(grep -c '"kind":"tx"' "$tmp/sim.ndjson")
nlab=$(grep -c '"kind":"label"' "$tmp/sim.ndjson")
echo "input: $ntx tx records, $nlab labelled addresses," \
     "$(($(wc -c <"$tmp/sim.ndjson") / 1048576)) MB"
run "without graph metrics (--no-graph)" "$tmp/sim.ndjson" --no-graph
run "with graph metrics" "$tmp/sim.ndjson" --dump-graph "$tmp/graph.tsv"
grep -E 'rows from|transfer graph' "$tmp/err" | sed 's/^kfeatures: /  /'
grep ': graph: ' "$tmp/err" | sed 's/^kfeatures: graph: /  igraph stage: /'
echo "rows: $(wc -l <"$tmp/rows.ndjson"), $(($(wc -c <"$tmp/rows.ndjson") / 1048576)) MB"
echo
"$py" "$here/wallet_bench.py" "$tmp/graph.tsv" "$tmp/rows.ndjson" "$tmp/err" 5000 1000 ||
	status=1

echo
echo "== $small wallets, $days days: a graph under --exact-max, every metric exact"
"$bin/kfetch" simulate wallet --wallets "$small" --days "$days" --seed 2 \
    >"$tmp/small.ndjson" 2>/dev/null
echo "input: $(grep -c '"kind":"tx"' "$tmp/small.ndjson") tx records"
run "with graph metrics" "$tmp/small.ndjson" --exact-max 100000 \
    --dump-graph "$tmp/small.tsv"
grep -E 'transfer graph' "$tmp/err" | sed 's/^kfeatures: /  /'
echo
"$py" "$here/wallet_bench.py" "$tmp/small.tsv" "$tmp/rows.ndjson" "$tmp/err" 100000 1000 ||
	status=1
exit "${status:-0}"
