#!/usr/bin/python3
"""
arima_bench.py - the statsmodels side of bench/arima_bench.sh.

  arima_bench.py rows CSV.gz N OUT.ndjson
      write the last N closes of a freqtrade OHLCV file as feature rows
      {"kind":"features","ts":...,"close":...} one hour apart (the 5-minute
      bars are relabelled onto an hourly grid so that 10,000 of them form
      one hourly series; the values are untouched).

  arima_bench.py compare ROWS P,D,Q REPS REPORT.json FORECAST.json \
                         TRAIN0.json TRAIN24.json KFORECAST.json
      fit statsmodels' ARIMA on the same values, time fit() plus
      get_forecast(24) and conf_int() REPS times in this warm interpreter,
      and print the timing ratios against ktools: the median wall clock of
      ktrain forecast with --holdout 0 (TRAIN0, the same work) or the
      default --holdout 24 (TRAIN24), plus that of kforecast (KFORECAST),
      all hyperfine JSON exports; then the parity figures of the
      --holdout 0 run (REPORT, FORECAST): ktools' estimates,
      log-likelihood, forecasts and 95% intervals against statsmodels'
      default fit and against statsmodels' own optimum polished with
      exact gradients, and how far statsmodels' optimiser moves when
      started at ktools' estimates.

Run with Debian's /usr/bin/python3 (python3-statsmodels, numpy).
"""
import csv
import gzip
import json
import statistics
import sys
import time
import warnings
from datetime import datetime, timedelta, timezone

import numpy as np

warnings.simplefilter("ignore")


def rows(src, n, out):
    with gzip.open(src, "rt") as f:
        data = list(csv.reader(f))[1:]
    data = data[-n:]
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with open(out, "w") as f:
        for i, r in enumerate(data):
            ts = (t0 + timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(json.dumps({"kind": "features", "ts": ts,
                                "close": float(r[5])},
                               separators=(",", ":")) + "\n")


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


def hyperfine_median(path):
    return statistics.median(json.load(open(path))["results"][0]["times"])


def compare(path, order, reps, report, forecast, train0, train24, kfc):
    from statsmodels.tsa.arima.model import ARIMA

    y = np.array([json.loads(l)["close"] for l in open(path)])
    order = tuple(int(v) for v in order.split(","))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        res = ARIMA(y, order=order).fit()
        fc = res.get_forecast(24)
        ci = fc.conf_int(alpha=0.05)
        times.append(time.perf_counter() - t0)
    mod = ARIMA(y, order=order)
    rep = json.load(open(report))
    fco = json.load(open(forecast))
    names = list(mod.param_names)
    ours = np.array([rep["estimates"][k]["coef"] for k in names])

    def polish(start):
        """statsmodels' optimiser run on from start until it stops
        gaining: its own maximum near there."""
        best = None
        for _ in range(10):
            try:
                r = mod.fit(start_params=start if best is None
                            else best.params, method_kwargs={
                                "optim_score": "approx",
                                "optim_complex_step": True, "maxiter": 5000,
                                "pgtol": 1e-13, "factr": 1.0})
            except Exception:
                break
            if best is not None and not r.llf > best.llf + 1e-12 * abs(best.llf):
                if r.llf >= best.llf:
                    best = r
                break
            best = r
        return best

    best = polish(res.params)
    if best is None or best.llf < res.llf:
        best = res
    bfc = best.get_forecast(24)
    bci = bfc.conf_int(alpha=0.05)
    # Started at ktools' estimates, does statsmodels' optimiser stay? It
    # says whether they are a maximum of statsmodels' own likelihood.
    fromours = polish(ours)
    o_fc = np.array(fco["forecasted_values"])
    o_lo = np.array(fco["confidence_interval"]["lower"])
    o_hi = np.array(fco["confidence_interval"]["upper"])

    sm = statistics.median(times)
    t0, t24, tf = (hyperfine_median(p) for p in (train0, train24, kfc))
    print("  statsmodels fit + get_forecast(24):          median %7.2f ms"
          " (%d runs, warm interpreter)" % (1e3 * sm, reps))
    print("  ktrain forecast --holdout 0 + kforecast:     median %7.2f ms"
          " (%.2f + %.2f)  ratio %.1fx"
          % (1e3 * (t0 + tf), 1e3 * t0, 1e3 * tf, sm / (t0 + tf)))
    print("  ktrain forecast (--holdout 24) + kforecast:  median %7.2f ms"
          " (%.2f + %.2f)  ratio %.1fx"
          % (1e3 * (t24 + tf), 1e3 * t24, 1e3 * tf, sm / (t24 + tf)))
    for label, r, f, c in (("statsmodels default fit", res, fc, ci),
                           ("statsmodels optimum   ", best, bfc, bci)):
        print("  vs %s: estimates %.1e, loglike %+.3e (ktools %.6f, "
              "statsmodels %.6f), forecasts %.1e, intervals %.1e"
              % (label, rel(ours, r.params), rep["loglike"] - r.llf,
                 rep["loglike"], r.llf, rel(o_fc, f.predicted_mean),
                 max(rel(o_lo, c[:, 0]), rel(o_hi, c[:, 1]))))
    if fromours is not None:
        print("  statsmodels' optimiser started at ktools' estimates: moves "
              "them %.1e, loglike %+.3e" % (rel(fromours.params, ours),
                                            fromours.llf - rep["loglike"]))
    print("  estimates (%s):" % ", ".join(names))
    print("    ktools      " + " ".join("%.6g" % v for v in ours))
    print("    sm default  " + " ".join("%.6g" % v for v in res.params))
    print("    sm optimum  " + " ".join("%.6g" % v for v in best.params))


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "rows":
        rows(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 10 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
