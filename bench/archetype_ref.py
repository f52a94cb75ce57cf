#!/usr/bin/python3
"""xgboost Python (Debian's python3-xgboost, the libxgboost ktools links)
on the rows bench/archetype.sh gives ktools, as whole processes: each
mode reads the NDJSON with json, builds the matrix (null -> NaN), then
does its work, and prints one JSON line of the times of each stage
(seconds, time.perf_counter) on stdout.

  train ROWS ROUNDS DEPTH ETA THREADS SEED OUT.ubj
      xgboost.train with ktrain archetype's parameters (multi:softprob,
      tree_method hist, subsample and colsample_bytree 1, min_child_weight
      1), features in the first row's order and classes sorted, as ktrain
      takes them; saves the booster to OUT.ubj.
  predict ROWS MODEL THREADS [PROBS.npy [CONTRIBS]]
      Booster.inplace_predict (or, given CONTRIBS, Booster.predict with
      pred_contribs on a DMatrix, the SHAP values karchetype explains
      with). MODEL is a ktools model file (.ktm: the UBJSON, class and
      feature names are taken out of it as ktools-model(5) lays them out)
      or an XGBoost model file (features then in the rows' order).
      PROBS.npy gets the probabilities (rows x classes); "-" for none.
  compare KARCHETYPE_OUT PROBS.npy MODEL.ktm
      The largest difference between karchetype's archetype_probabilities
      and PROBS.npy (columns in the model's class order), row by row, over
      the rows of KARCHETYPE_OUT (no timing).
  diff A.npy B.npy
      The largest difference between two probability matrices.
"""
import json
import struct
import sys
import time
import zlib

import numpy as np
import xgboost as xgb


def read_rows(path, names=None):
    """The rows' features as a float64 matrix in names' order (the first
    row's order when None), and their labels."""
    rows, labels = [], []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            feats = r["features"]
            if names is None:
                names = list(feats)
            rows.append([feats[k] for k in names])
            labels.append(r.get("label"))
    return np.array(rows, dtype=np.float64), labels, names


def ktm_model(path):
    """XGBoost's UBJSON, the class and the feature names out of a ktools
    model file: 64-byte fixed header (u32 JSON header length at 28, u64
    compressed payload length at 32), the JSON header, the zlib payload
    (u32 count and u16-length names, twice, then u64 length and UBJSON)."""
    with open(path, "rb") as f:
        b = f.read()
    hlen, = struct.unpack_from("<I", b, 28)
    plen, = struct.unpack_from("<Q", b, 32)
    p = zlib.decompress(b[64 + hlen:64 + hlen + plen])
    off, lists = 0, []
    for _ in range(2):
        n, = struct.unpack_from("<I", p, off)
        off += 4
        names = []
        for _ in range(n):
            k, = struct.unpack_from("<H", p, off)
            names.append(p[off + 2:off + 2 + k].decode())
            off += 2 + k
        lists.append(names)
    n, = struct.unpack_from("<Q", p, off)
    return bytearray(p[off + 8:off + 8 + n]), lists[0], lists[1]


def train(path, rounds, depth, eta, threads, seed, out):
    t0 = time.perf_counter()
    X, labels, _ = read_rows(path)
    classes = sorted(set(labels))
    y = np.array([classes.index(v) for v in labels], dtype=np.float32)
    t1 = time.perf_counter()
    dm = xgb.DMatrix(X, label=y, missing=np.nan, nthread=threads)
    params = {"objective": "multi:softprob", "num_class": len(classes),
              "tree_method": "hist", "max_depth": depth, "eta": eta,
              "subsample": 1.0, "colsample_bytree": 1.0,
              "min_child_weight": 1.0, "seed": seed, "nthread": threads,
              "verbosity": 0}
    bst = xgb.train(params, dm, num_boost_round=rounds)
    t2 = time.perf_counter()
    bst.save_model(out)
    return {"rows": len(labels), "parse": t1 - t0, "train": t2 - t1}


def predict(path, model, threads, probs=None, contribs=False):
    t0 = time.perf_counter()
    names = None
    if model.endswith(".ktm"):
        raw, _, names = ktm_model(model)
    bst = xgb.Booster(params={"nthread": threads, "verbosity": 0})
    bst.load_model(raw if names is not None else model)
    bst.set_param({"nthread": threads})
    t1 = time.perf_counter()
    X, _, _ = read_rows(path, names)
    t2 = time.perf_counter()
    if contribs:
        dm = xgb.DMatrix(X, missing=np.nan, nthread=threads)
        out = bst.predict(dm, pred_contribs=True, strict_shape=True)
    else:
        out = bst.inplace_predict(X, missing=np.nan, strict_shape=True)
    t3 = time.perf_counter()
    if probs not in (None, "-") and not contribs:
        np.save(probs, out)
    return {"rows": X.shape[0], "load": t1 - t0, "parse": t2 - t1,
            "predict": t3 - t2}


def compare(scored, probs, model):
    p = np.load(probs)
    _, classes, _ = ktm_model(model)
    worst, n = 0.0, 0
    with open(scored) as f:
        for i, line in enumerate(f):
            ours = json.loads(line)["archetype_probabilities"]
            worst = max(worst, max(abs(ours[c] - float(p[i, j]))
                                   for j, c in enumerate(classes)))
            n += 1
    return {"rows": n, "max_abs_diff": worst}


def main():
    mode, a = sys.argv[1], sys.argv[2:]
    if mode == "train":
        r = train(a[0], int(a[1]), int(a[2]), float(a[3]), int(a[4]),
                  int(a[5]), a[6])
    elif mode == "predict":
        r = predict(a[0], a[1], int(a[2]), a[3] if len(a) > 3 else None,
                    len(a) > 4)
    elif mode == "compare":
        r = compare(a[0], a[1], a[2])
    elif mode == "diff":
        d = np.abs(np.load(a[0]) - np.load(a[1]))
        r = {"rows": d.shape[0], "max_abs_diff": float(d.max())}
    else:
        sys.exit("archetype_ref: unknown mode '%s'" % mode)
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
