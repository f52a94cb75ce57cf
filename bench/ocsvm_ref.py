#!/usr/bin/env python3
"""scikit-learn's OneClassSVM on the rows ktools trained its SVM on, for
bench/ocsvm.sh: the same transform (the model's own medians and scales,
z = asinh((x - median) / scale), missing z = 0), the same nu, gamma and
tol; fit and decision_function timed on data already in memory; the
support-vector count and the largest gap to ktools' decision values.

Usage: ocsvm_ref.py MATRIX.npy MODEL_SHOW.json SCORED.ndjson REPORT.json
"""
import json
import sys
import time

import numpy as np
from sklearn.svm import OneClassSVM

X = np.load(sys.argv[1])
show = json.load(open(sys.argv[2]))
report = json.load(open(sys.argv[4]))
h = show["header"]
fs = h["training"]["feature_stats"]
med = np.array([f["median"] for f in fs])
scale = np.array([f["scale"] for f in fs])
Z = np.arcsinh((X - med) / scale)
Z[np.isnan(Z)] = 0.0
p = h["params"]
m = OneClassSVM(kernel="rbf", nu=p["nu"], gamma=p["gamma_used"], tol=p["tol"],
                cache_size=200)
fits = []
for _ in range(3):
    t = time.perf_counter()
    m.fit(Z)
    fits.append(time.perf_counter() - t)
decs = []
for _ in range(3):
    t = time.perf_counter()
    dv = m.decision_function(Z)
    decs.append(time.perf_counter() - t)
ours = np.array([json.loads(line)["detectors"]["ocsvm"]["decision"]
                 for line in open(sys.argv[3])])
print(json.dumps({
    "fit": float(np.median(fits)), "decision": float(np.median(decs)),
    "n_support": int(m.support_vectors_.shape[0]),
    "ours_support": report["support_vectors"],
    "max_gap": float(np.max(np.abs(dv - ours))),
}))
