#!/usr/bin/python3
"""
arima_coins.py - parity beyond the one benchmark series: ktrain forecast
and statsmodels' ARIMA fit on the last N hourly closes of every coin of
the Hyperliquid 1h history, for each of a few orders, and their
log-likelihoods side by side, both by statsmodels' own likelihood function
(ktools' estimates put into it), so the higher one is the better fit of
the same model; a line where ktools is lower is marked.

  arima_coins.py KTOOLS_BIN DIR_1H N ORDER...      e.g. 3000 2,1,2 1,1,1

Run with Debian's /usr/bin/python3 (python3-statsmodels, numpy). Called by
arima_bench.sh; not part of make check.
"""
import csv
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.simplefilter("ignore")


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    from statsmodels.tsa.arima.model import ARIMA

    bin_dir, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    orders = [tuple(int(v) for v in o.split(",")) for o in sys.argv[4:]]
    tmp = tempfile.mkdtemp()
    rows_path = os.path.join(tmp, "rows.ndjson")
    env = dict(os.environ, KTOOLS_MODEL_DIR=os.path.join(tmp, "models"))
    lower = total = 0
    print("  %-10s %-9s %14s %14s %10s" % ("coin", "order", "at ktools'",
                                          "at its own", "difference"))
    for path in sorted(glob.glob(os.path.join(src, "*_1h.csv.gz"))):
        coin = os.path.basename(path).split("_")[0]
        with gzip.open(path, "rt") as f:
            data = list(csv.reader(f))[1:][-n:]
        with open(rows_path, "w") as f:
            for r in data:
                ts = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                   time.gmtime(int(r[0]) // 1000))
                f.write(json.dumps({"kind": "features", "ts": ts,
                                    "close": float(r[5])}) + "\n")
        y = np.array([float(r[5]) for r in data])
        for order in orders:
            p = subprocess.run(
                [os.path.join(bin_dir, "ktrain"), "forecast", "-q",
                 "--field", "close", "--holdout", "0",
                 "--order", ",".join(map(str, order)), rows_path],
                capture_output=True, text=True, env=env)
            total += 1
            name = "(%d,%d,%d)" % order
            if p.returncode != 0:
                lower += 1
                print("  %-10s %-9s failed: %s" % (coin, name,
                                                   p.stderr.strip()[:60]))
                continue
            rep = json.loads(p.stdout)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mod = ARIMA(y, order=order)
                res = mod.fit()
                # ktools' estimates in statsmodels' own likelihood: the
                # same yardstick for both, whatever each computes.
                ours = mod.loglike(np.array(
                    [rep["estimates"][k]["coef"] for k in mod.param_names]))
            theirs = res.llf
            d = ours - theirs
            bad = d < -1e-6 * max(1.0, abs(theirs))
            lower += bad
            note = ("  ktools lower" if bad else "") + (
                "" if res.mle_retvals.get("converged", True)
                else "  (statsmodels: did not converge)")
            print("  %-10s %-9s %14.4f %14.4f %+10.4f%s"
                  % (coin, name, ours, theirs, d, note))
    print("  ktools at or above statsmodels' log-likelihood in %d of %d fits"
          % (total - lower, total))


if __name__ == "__main__":
    main()
