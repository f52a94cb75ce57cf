#!/usr/bin/env python3
"""Detection quality of the anomaly detectors on simulated wallets, for
bench/ocsvm.sh: for the forest, the SVM and their combination (kscore's
rule), ROC-AUC of the score against the simulator's "malicious" label,
the share flagged, precision and recall of the flag, and ROC-AUC per
malicious scheme (each scheme's wallets against the benign ones).

The rows measured are the simulated wallets: those with an archetype or
a malicious label; the service addresses (exchanges, routers, pools) that
only appear as counterparties are scored but not counted.

Usage: ocsvm_quality.py SCORED.ndjson   (rows scored by both detectors)
"""
import json
import sys

from sklearn.metrics import roc_auc_score

rows = [json.loads(line) for line in open(sys.argv[1])]
rows = [r for r in rows if r.get("malicious") is not None
        and (r["malicious"] or r.get("label") is not None)]
y = [1 if r["malicious"] else 0 for r in rows]
schemes = sorted({r["pattern"] for r in rows if r["malicious"] and r["pattern"]})


def cols(name):
    if name == "combined":
        return ([r["anomaly_score"] for r in rows],
                [r["is_anomaly"] for r in rows])
    d = [r["detectors"][name] for r in rows]
    return [e["percentile"] for e in d], [e["is_anomaly"] for e in d]


print("rows %d, malicious %d (%s)" % (len(rows), sum(y), ", ".join(
    "%s %d" % (s, sum(1 for r in rows if r["pattern"] == s)) for s in schemes)))
print("%-9s %7s %8s %9s %7s  %s" % ("detector", "ROC-AUC", "flagged",
                                    "precision", "recall",
                                    "ROC-AUC per scheme"))
for name in ("iforest", "ocsvm", "combined"):
    s, f = cols(name)
    tp = sum(1 for a, b in zip(f, y) if a and b)
    nf = sum(1 for a in f if a)
    per = []
    for sc in schemes:
        idx = [i for i, r in enumerate(rows)
               if not r["malicious"] or r["pattern"] == sc]
        per.append("%s %.3f" % (sc, roc_auc_score([y[i] for i in idx],
                                                  [s[i] for i in idx])))
    print("%-9s %7.3f %7.1f%% %9.3f %7.3f  %s" % (
        name, roc_auc_score(y, s), 100.0 * nf / len(rows),
        tp / nf if nf else 0.0, tp / sum(y), "; ".join(per)))
