#!/bin/sh
# arima_bench.sh - ktools' ARIMA (ktrain forecast + kforecast, two
# processes, model file written and read back) against statsmodels'
# ARIMA fit + get_forecast(24) on the same 1,000 and 10,000 ETH-PERP
# closes, ARIMA(2,1,2): wall-clock ratio and parity of estimates,
# log-likelihood, forecasts and intervals. Not part of make check.
#
#   bench/arima_bench.sh            KTOOLS_BIN (default build/bin), REPS (5,
#                                   statsmodels), KREPS (50, ktools),
#                                   ORDER (2,1,2),
#                                   PYTHON (/usr/bin/python3), ETH5M (data)
#
# Two ktools timings: --holdout 0 (one fit, the same work as statsmodels)
# and the default --holdout 24 (a second fit on all but the last 24 points
# to measure MAE/RMSE/MAPE, then the warm refit). Each is the median wall
# clock of ktrain forecast plus that of kforecast, whole processes timed
# by hyperfine (start-up, reading, fitting, publishing the model with its
# fsyncs, loading it, forecasting, writing JSON); statsmodels is timed
# inside a warm interpreter, so its start-up and imports are not counted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=${KTOOLS_BIN:-$here/../build/bin}
py=${PYTHON:-/usr/bin/python3}
reps=${REPS:-5}
kreps=${KREPS:-50}
eth=${ETH5M:-/work/shared/data/hyperliquid-perp-ohlcv-funding-freqtrade/5m/ETH_5m.csv.gz}
order=${ORDER:-2,1,2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

command -v hyperfine >/dev/null ||
	{ echo "arima_bench: no hyperfine (make bench-deps)" >&2; exit 69; }
for p in ktrain kforecast; do
	[ -x "$bin/$p" ] || { echo "arima_bench: no $bin/$p (make first)" >&2; exit 66; }
done
[ -r "$eth" ] || { echo "arima_bench: cannot read $eth (set ETH5M)" >&2; exit 66; }

# ktools' wall clock per program, by hyperfine: each run is a fork and
# exec timed from outside, output discarded (and hyperfine's remarks: the
# load average printed above says how quiet the machine was); KREPS runs
# after 3 warm-ups.
# The store exists already, as a deployed one does: before each ktrain
# run the version it writes is removed, so every run publishes afresh
# (model file, link, latest, with their fsyncs).
time_ktools() {	# rows holdout: report.json forecast.json train.json fc.json
	store=$tmp/models
	rm -rf "$store"
	KTOOLS_MODEL_DIR=$store "$bin/ktrain" forecast -q --field close \
	    --order "$order" --holdout "$2" --save-version b "$1" >"$3"
	KTOOLS_MODEL_DIR=$store "$bin/kforecast" --hours 24 --stale-after 1e9 >"$4"
	KTOOLS_MODEL_DIR=$store hyperfine -N --style none --warmup 3 \
	    --runs "$kreps" --export-json "$5" \
	    --prepare "rm -f $store/forecast/b.ktm" \
	    "$bin/ktrain forecast -q --field close --order $order --holdout $2 --save-version b $1" \
	    >/dev/null 2>&1
	KTOOLS_MODEL_DIR=$store hyperfine -N --style none --warmup 3 \
	    --runs "$kreps" --export-json "$6" \
	    "$bin/kforecast --hours 24 --stale-after 1e9" >/dev/null 2>&1
}

echo "ARIMA($order), ETH-PERP 5-minute closes on an hourly grid; statsmodels $reps runs, ktools $kreps runs of each program"
# Wall-clock ratios mean little on a busy machine: say how busy it was.
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 1000 10000; do
	rows=$tmp/rows_$n.ndjson
	"$py" "$here/arima_bench.py" rows "$eth" "$n" "$rows"
	echo
	echo "== $n points"
	time_ktools "$rows" 24 "$tmp/report24.json" "$tmp/forecast24.json" \
	    "$tmp/train24_t.json" "$tmp/fc24_t.json"
	time_ktools "$rows" 0 "$tmp/report.json" "$tmp/forecast.json" \
	    "$tmp/train0_t.json" "$tmp/fc0_t.json"
	"$py" "$here/arima_bench.py" compare "$rows" "$order" "$reps" \
	    "$tmp/report.json" "$tmp/forecast.json" "$tmp/train0_t.json" \
	    "$tmp/train24_t.json" "$tmp/fc0_t.json"
done

# The same maximum on other series: every coin of the 1h history, the
# last 3,000 hours, two orders (skipped by BENCH_QUICK=1).
if [ -z "${BENCH_QUICK:-}" ]; then
	echo
	echo "== statsmodels' log-likelihood at ktools' estimates and at its own default fit, 3,000 hourly closes per coin"
	"$py" "$here/arima_coins.py" "$bin" "$(dirname "$(dirname "$eth")")/1h" 3000 "$order" 1,1,1
fi
