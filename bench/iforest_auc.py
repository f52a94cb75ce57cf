#!/usr/bin/env python3
"""ROC-AUC of kscore's anomaly_score against the planted labels.
Usage: iforest_auc.py LABELS.npy SCORED.ndjson"""
import json
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

y = np.load(sys.argv[1])
s = [json.loads(line)["anomaly_score"] for line in open(sys.argv[2])]
print(roc_auc_score(y, s))
