#!/usr/bin/env python3
"""scikit-learn's IsolationForest on data already in memory: fit and
score_samples times and ROC-AUC over seeds, as JSON on stdout.
Same parameters as ktrain anomaly: 100 trees, max_samples 256 (min n),
contamination 0.05. Usage: iforest_ref.py DATA SEED...
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

base, seeds = sys.argv[1], [int(s) for s in sys.argv[2:]]
X = np.load(base + ".npy")
y = np.load(base + ".labels.npy")
out = {"fit": [], "score": [], "auc": []}
for s in seeds:
    t0 = time.perf_counter()
    m = IsolationForest(n_estimators=100, max_samples=256, contamination=0.05,
                        random_state=s).fit(X)
    t1 = time.perf_counter()
    sc = m.score_samples(X)
    t2 = time.perf_counter()
    out["fit"].append(t1 - t0)
    out["score"].append(t2 - t1)
    out["auc"].append(roc_auc_score(y, -sc))
print(json.dumps(out))
