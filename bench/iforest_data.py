#!/usr/bin/env python3
"""Seeded benchmark data for the Isolation Forest: n rows x 40 features.

95% of rows are standard normal; 5% are planted outliers: normal rows in
which 3 random features are moved to |x| in [2.5, 4] (random sign). Such
outliers are hard enough that ROC-AUC is about 0.89, so a difference
between implementations shows (far outliers would give both 1.0). Writes <out>.ndjson (feature rows, values
at full precision as Python's repr gives them), <out>.npy (the same matrix
for scikit-learn, in memory) and <out>.labels.npy (1 = planted outlier).
Usage: iforest_data.py N SEED OUT
"""
import sys

import numpy as np

n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
d = 40
rng = np.random.default_rng(seed)
X = rng.normal(size=(n, d))
y = np.zeros(n, dtype=np.int8)
k = int(round(n * 0.05))
idx = rng.choice(n, k, replace=False)
y[idx] = 1
for i in idx:
    f = rng.choice(d, 3, replace=False)
    X[i, f] = rng.uniform(2.5, 4.0, size=3) * rng.choice([-1.0, 1.0], size=3)
np.save(out + ".npy", X)
np.save(out + ".labels.npy", y)
names = ["feat_%02d" % j for j in range(d)]
with open(out + ".ndjson", "w") as f:
    for i in range(n):
        feats = ",".join('"%s":%r' % (names[j], float(X[i, j])) for j in range(d))
        f.write('{"kind":"features","entity":"row%d","ts":"2025-03-15T00:00:00Z",'
                '"features":{%s}}\n' % (i, feats))
