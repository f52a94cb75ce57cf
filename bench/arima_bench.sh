#!/bin/sh
# arima_bench.sh - ktools' ARIMA (ktrain forecast + kforecast, two
# processes, model file written and read back) against statsmodels'
# ARIMA fit + get_forecast(24) on the same 1,000 and 10,000 ETH-PERP
# closes, ARIMA(2,1,2): wall-clock ratio and parity of estimates,
# log-likelihood, forecasts and intervals. Not part of make check.
#
#   bench/arima_bench.sh            KTOOLS_BIN (default build/bin), REPS (5),
#                                   ORDER (2,1,2),
#                                   PYTHON (/usr/bin/python3), ETH5M (data)
#
# Two ktools timings: --holdout 0 (one fit, the same work as statsmodels)
# and the default --holdout 24 (a second fit on all but the last 24 points
# to measure MAE/RMSE/MAPE, then the warm refit).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=${KTOOLS_BIN:-$here/../build/bin}
py=${PYTHON:-/usr/bin/python3}
reps=${REPS:-5}
eth=${ETH5M:-/work/shared/data/hyperliquid-perp-ohlcv-funding-freqtrade/5m/ETH_5m.csv.gz}
order=${ORDER:-2,1,2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for p in ktrain kforecast; do
	[ -x "$bin/$p" ] || { echo "arima_bench: no $bin/$p (make first)" >&2; exit 66; }
done
[ -r "$eth" ] || { echo "arima_bench: cannot read $eth (set ETH5M)" >&2; exit 66; }

now() { date +%s.%N; }

# ktools, REPS times: seconds of ktrain forecast + kforecast, wall clock.
run_ktools() {	# rows holdout
	secs=
	i=0
	while [ "$i" -lt "$reps" ]; do
		rm -rf "$tmp/models"
		t0=$(now)
		KTOOLS_MODEL_DIR=$tmp/models "$bin/ktrain" forecast -q --field close \
		    --order "$order" --holdout "$2" --save-version b "$1" >"$tmp/report.json"
		KTOOLS_MODEL_DIR=$tmp/models "$bin/kforecast" --hours 24 --stale-after 1e9 \
		    >"$tmp/forecast.json"
		t1=$(now)
		secs="$secs $(echo "$t1 - $t0" | bc -l)"
		i=$((i + 1))
	done
	echo "$secs"
}

echo "ARIMA($order), ETH-PERP 5-minute closes on an hourly grid; $reps runs each"
# Wall-clock ratios mean little on a busy machine: say how busy it was.
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 1000 10000; do
	rows=$tmp/rows_$n.ndjson
	"$py" "$here/arima_bench.py" rows "$eth" "$n" "$rows"
	echo
	echo "== $n points"
	secs24=$(run_ktools "$rows" 24)
	secs=$(run_ktools "$rows" 0)
	"$py" "$here/arima_bench.py" compare "$rows" "$order" "$reps" \
	    "$tmp/report.json" "$tmp/forecast.json" "$secs" "$secs24"
done
