#!/usr/bin/python3
"""
arima_fixtures.py - make the ARIMA test vectors under tests/fixtures/arima/
once, from statsmodels, so that `make check` can compare common/numeric/k_arima.c
against the reference without Python.

Run with Debian's interpreter, which has python3-statsmodels (0.13.5) and
numpy:   /usr/bin/python3 bench/arima_fixtures.py [OUTDIR]

For each series it records statsmodels' ARIMA(...).fit() with default
settings: estimates, OPG standard errors, log-likelihood, AIC/AICc/BIC,
the 24-step forecast and its 95% interval; the starting values and the
log-likelihood at fixed coefficients (to test the filter apart from the
optimiser); the forecast after fitting all but the last 30 values and
appending those without a refit (the online update); the same figures at statsmodels' optimum polished with exact
gradients ("mle"), since the default stopping rule can leave the default
fit 1e-3 away from it; and the KPSS statistic with R's ndiffs lag rule. Simulated series come from a seeded
numpy generator, so the output is reproducible.
"""
import csv
import gzip
import json
import math
import os
import sys
import warnings

import numpy as np
import statsmodels
from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.stattools import kpss

warnings.simplefilter("ignore")

ETH = "/work/shared/data/hyperliquid-perp-ohlcv-funding-freqtrade/1h/ETH_1h.csv.gz"
H = 24


def simulate(rng, ar, ma, n, sigma, d=0, mean=0.0, drift=0.0, burn=300):
    """An ARMA(p,q) path by direct recursion, integrated d times."""
    e = rng.normal(0.0, sigma, n + burn)
    x = np.zeros(n + burn)
    for t in range(n + burn):
        s = e[t]
        for i, a in enumerate(ar):
            if t - 1 - i >= 0:
                s += a * x[t - 1 - i]
        for j, b in enumerate(ma):
            if t - 1 - j >= 0:
                s += b * e[t - 1 - j]
        x[t] = s
    x = x[burn:] + mean + drift
    for _ in range(d):
        x = np.cumsum(x)
    return x


def trend_for(order, constant):
    d = order[1]
    if not constant:
        return "n"
    return {0: "c", 1: "t", 2: [0, 0, 1]}[d]


def jnum(v):
    v = float(v)
    return None if math.isnan(v) else v


def jlist(a):
    return [jnum(v) for v in np.asarray(a, dtype=float)]


def r_kpss(y):
    x = y[~np.isnan(y)]
    lags = int(math.trunc(3 * math.sqrt(len(x)) / 13))
    stat = kpss(x, regression="c", nlags=lags)[0]
    return {"lags": lags, "stat": float(stat)}


def summary(res):
    """What the tests compare, from one statsmodels results object."""
    fc = res.get_forecast(H)
    ci = fc.conf_int(alpha=0.05)
    return {
        "params": jlist(res.params),
        "bse": jlist(res.bse),
        "llf": float(res.llf),
        "aic": float(res.aic),
        "aicc": float(res.aicc),
        "bic": float(res.bic),
        "forecast": jlist(fc.predicted_mean),
        "forecast_var": jlist(fc.var_pred_mean),
        "lower95": jlist(ci[:, 0]),
        "upper95": jlist(ci[:, 1]),
    }


def refine(mod, res):
    """statsmodels' own optimum, polished: L-BFGS again from the default
    fit with exact (complex-step) gradients, repeated while the
    log-likelihood still rises. The default fit stops on a finite-difference
    gradient with pgtol 1e-5, which on a flat likelihood can leave the
    estimates 1e-3 away from the maximum."""
    best = res
    for _ in range(10):
        try:
            r = mod.fit(start_params=best.params, method_kwargs={
                "optim_score": "approx", "optim_complex_step": True,
                "maxiter": 5000, "pgtol": 1e-13, "factr": 1.0})
        except Exception:  # a failed solve near the boundary: keep best
            break
        if not r.llf > best.llf + 1e-12 * abs(best.llf):
            if r.llf >= best.llf:
                best = r
            break
        best = r
    return best


def case(name, note, y, order, constant, truth=None, fixed=None):
    trend = trend_for(order, constant)
    mod = ARIMA(y, order=order, trend=trend)
    res = mod.fit()
    mle = refine(mod, res)
    out = {
        "name": name,
        "note": note,
        "order": list(order),
        "constant": bool(constant),
        "trend": trend if isinstance(trend, str) else "t^2",
        "n": int(len(y)),
        "y": jlist(y),
        "truth": truth,
        "param_names": list(mod.param_names),
        "start_params": jlist(mod.start_params),
        "nobs_effective": int(res.nobs_effective),
        "converged": bool(res.mle_retvals["converged"]),
        "iterations": int(res.mle_retvals["iterations"]),
        "default": summary(res),
        "mle": summary(mle),
        "kpss": r_kpss(y),
    }
    # The log-likelihood at given coefficients: the truth when known,
    # else the starting values.
    at = fixed if fixed is not None else list(mod.start_params)
    out["fixed_params"] = [float(v) for v in at]
    out["fixed_llf"] = float(mod.loglike(np.asarray(at, dtype=float)))
    # The online update: the optimum on all but the last 30 values, then
    # those 30 run through the filter without refitting (append), and the
    # forecast from there.
    split = len(y) - 30
    head = ARIMA(y[:split], order=order, trend=trend)
    hres = refine(head, head.fit())
    app = hres.append(y[split:])
    up = summary(app)
    out["update"] = {
        "split": split,
        "params": jlist(hres.params),
        "forecast": up["forecast"],
        "forecast_var": up["forecast_var"],
        "lower95": up["lower95"],
        "upper95": up["upper95"],
    }
    gap = float(np.max(np.abs(res.params - mle.params) /
                       np.maximum(1.0, np.abs(mle.params))))
    out["default_vs_mle"] = gap
    print("%-20s %-10s llf %.8f mle %.8f conv %s iter %d "
          "default-vs-mle %.2e" % (name, order, res.llf, mle.llf,
                                   out["converged"], out["iterations"], gap))
    return out


def eth_closes(start, n):
    with gzip.open(ETH, "rt") as f:
        rows = list(csv.reader(f))[1:]
    rows = rows[start:start + n]
    return np.array([float(r[5]) for r in rows]), rows[0][1], rows[-1][1]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "tests", "fixtures", "arima")
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(2385)
    cases = []

    y = simulate(rng, [0.7], [], 300, 1.5, mean=42.385)
    cases.append(case("ar1_mean", "AR(1) phi 0.7, mean 42.385, sigma 1.5",
                      y, (1, 0, 0), True,
                      truth={"const": 42.385, "ar.L1": 0.7, "sigma2": 2.25},
                      fixed=[42.385, 0.7, 2.25]))

    y = simulate(rng, [0.5], [0.4], 400, 1.3)
    cases.append(case("arma11", "ARMA(1,1) phi 0.5 theta 0.4 sigma 1.3, "
                      "no constant", y, (1, 0, 1), False,
                      truth={"ar.L1": 0.5, "ma.L1": 0.4, "sigma2": 1.69},
                      fixed=[0.5, 0.4, 1.69]))

    y = simulate(rng, [0.6, -0.3], [0.35, 0.2], 500, 2.0, d=1) + 100
    cases.append(case("arima212", "ARIMA(2,1,2) phi (0.6,-0.3) theta "
                      "(0.35,0.2) sigma 2", y, (2, 1, 2), False,
                      truth={"ar.L1": 0.6, "ar.L2": -0.3, "ma.L1": 0.35,
                             "ma.L2": 0.2, "sigma2": 4.0},
                      fixed=[0.6, -0.3, 0.35, 0.2, 4.0]))

    y = simulate(rng, [], [-0.4], 300, 1.0, d=1, drift=0.25) + 10
    cases.append(case("arima011_drift", "ARIMA(0,1,1) theta -0.4 drift "
                      "0.25 sigma 1", y, (0, 1, 1), True,
                      truth={"drift": 0.25, "ma.L1": -0.4, "sigma2": 1.0},
                      fixed=[0.25, -0.4, 1.0]))

    y = simulate(rng, [0.45], [-0.3], 400, 0.8, d=1) + 50
    miss = rng.choice(np.arange(5, 400), size=20, replace=False)
    y[miss] = np.nan
    y[[100, 101, 102]] = np.nan
    cases.append(case("arima111_missing", "ARIMA(1,1,1) phi 0.45 theta -0.3 "
                      "sigma 0.8, 23 values missing (a run of 3)", y,
                      (1, 1, 1), False,
                      truth={"ar.L1": 0.45, "ma.L1": -0.3, "sigma2": 0.64},
                      fixed=[0.45, -0.3, 0.64]))

    y = simulate(rng, [0.6, 0.2], [0.3], 350, 2.385, mean=40.0)
    y[rng.choice(np.arange(0, 350), size=15, replace=False)] = np.nan
    cases.append(case("arma21_mean_missing", "ARMA(2,1) phi (0.6,0.2) "
                      "theta 0.3 mean 40 sigma 2.385, 15 missing",
                      y, (2, 0, 1), True,
                      truth={"const": 40.0, "ar.L1": 0.6, "ar.L2": 0.2,
                             "ma.L1": 0.3, "sigma2": 2.385 ** 2},
                      fixed=[40.0, 0.6, 0.2, 0.3, 2.385 ** 2]))

    y = simulate(rng, [0.3], [], 250, 0.5, d=2) + 5
    cases.append(case("arima120", "ARIMA(1,2,0) phi 0.3 sigma 0.5", y,
                      (1, 2, 0), False,
                      truth={"ar.L1": 0.3, "sigma2": 0.25},
                      fixed=[0.3, 0.25]))

    y = simulate(rng, [], [0.5, 0.25], 300, 1.1, mean=3.0)
    cases.append(case("ma2_mean", "MA(2) theta (0.5,0.25) mean 3 sigma 1.1",
                      y, (0, 0, 2), True,
                      truth={"const": 3.0, "ma.L1": 0.5, "ma.L2": 0.25,
                             "sigma2": 1.21},
                      fixed=[3.0, 0.5, 0.25, 1.21]))

    # A bounded "risk score"-like series: AR(1) around 35 on a 0-100 scale.
    y = simulate(rng, [0.85], [], 240, 4.0, mean=35.0)
    cases.append(case("risk_like", "AR(1) phi 0.85 mean 35 sigma 4, the "
                      "shape of a 0-100 risk score, fitted ARIMA(2,1,2) as "
                      "the seed does", y, (2, 1, 2), False))

    y, first, last = eth_closes(2000, 400)
    cases.append(case("eth_1h_212", "ETH-PERP hourly closes (Hyperliquid), "
                      "%s to %s UTC, ARIMA(2,1,2)" % (first, last), y,
                      (2, 1, 2), False))
    cases.append(case("eth_1h_011_drift", "the same ETH closes, "
                      "ARIMA(0,1,1) with drift", y, (0, 1, 1), True))

    doc = {
        "generator": "bench/arima_fixtures.py",
        "statsmodels": statsmodels.__version__,
        "numpy": np.__version__,
        "horizon": H,
        "cases": cases,
    }
    path = os.path.join(outdir, "cases.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
