#!/usr/bin/python3
"""Figures for bench/archetype_quality.sh: for each training size, macro-F1
and professional_trader recall over all test seeds and per seed; for the
largest, the per-class report, the confusion matrix, and each class's
recall by the transactions its wallets sent in the window."""
import json
import sys

from sklearn.metrics import (classification_report, confusion_matrix,
                             f1_score, recall_score)

# Buckets of sent_count: (lowest, highest, name).
ACTIVITY = [(0, 3, "1-3"), (4, 10, "4-10"), (11, 30, "11-30"),
            (31, float("inf"), ">30")]


def load(path):
    rows = [json.loads(line) for line in open(path)]
    return rows


def figures(rows):
    y = [r["label"] for r in rows]
    p = [r["archetype"] for r in rows]
    labels = sorted(set(y))
    f1 = f1_score(y, p, labels=labels, average="macro", zero_division=0)
    pro = recall_score(y, p, labels=["professional_trader"], average="macro",
                       zero_division=0)
    return f1, pro, y, p, labels


def mark(v, t):
    return "ok" if v >= t else "MISSED"


def by_activity(rows, labels):
    """Recall (and wallets) of each class in each bucket of sent_count."""
    print("recall by transactions sent in the window (wallets in brackets):")
    print("%-20s %s" % ("", " ".join("%13s" % b[2] for b in ACTIVITY)))
    for name in labels:
        cells = []
        for lo, hi, _ in ACTIVITY:
            sel = [r for r in rows if r["label"] == name and
                   lo <= r["sent"] <= hi]
            if sel:
                rec = sum(r["archetype"] == name for r in sel) / len(sel)
                cells.append("%6.3f (%4d)" % (rec, len(sel)))
            else:
                cells.append("%13s" % "-")
        print("%-20s %s" % (name, " ".join(cells)))


def main():
    w, ntrain = sys.argv[1], int(sys.argv[2])
    print()
    print("train seeds  train rows  macro-F1  pro recall  per test seed "
          "(macro-F1 / pro recall)")
    for n in range(1, ntrain + 1):
        rows = load(f"{w}/scored{n}.ndjson")
        rep = json.load(open(f"{w}/report{n}.json"))
        f1, pro, _, _, _ = figures(rows)
        seeds = sorted({r["seed"] for r in rows})
        per = "  ".join(
            "%.3f/%.3f" % figures([r for r in rows if r["seed"] == s])[:2]
            for s in seeds)
        print("%11d  %10d  %8.3f  %10.3f  %s" % (n, rep["rows"], f1, pro,
                                                  per))
    rows = load(f"{w}/scored{ntrain}.ndjson")
    f1, pro, y, p, labels = figures(rows)
    print()
    print(f"trained on {ntrain} seeds, every test seed together:")
    print(classification_report(y, p, labels=labels, digits=3,
                                zero_division=0))
    print("confusion matrix (rows: true, columns: predicted):")
    short = [l[:8] for l in labels]
    print("%-20s %s" % ("", " ".join("%8s" % s for s in short)))
    for name, row in zip(labels, confusion_matrix(y, p, labels=labels)):
        print("%-20s %s" % (name, " ".join("%8d" % v for v in row)))
    print()
    by_activity(rows, labels)
    print()
    print("macro-F1             %.3f   target >= 0.90: %s" % (f1,
                                                             mark(f1, 0.9)))
    print("professional recall  %.3f   target >= 0.90: %s" % (pro,
                                                             mark(pro, 0.9)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
