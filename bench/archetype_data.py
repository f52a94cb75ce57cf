#!/usr/bin/python3
"""Benchmark rows for the archetype classifier: N labelled wallet feature
rows (the 103 features of kfeatures wallet, 8 archetypes) in the NDJSON form `kfeatures wallet`
writes, grown from a smaller simulated set read on stdin (`kfetch
simulate wallet | kfeatures wallet --no-graph`, rows with a label).

Copy 0 of each simulated row is kept as it is; every further copy gets a
new entity and each non-null feature multiplied by exp(0.05 z), z
standard normal (numpy default_rng(SEED)), so that no two rows are the
same and the classes stay as the simulator made them. null (a missing
value) stays null. Rows are written in a seeded random order, values at
full precision as Python's repr gives them.
Usage: archetype_data.py N SEED OUT.ndjson < labelled-rows.ndjson
"""
import json
import sys

import numpy as np


def main():
    n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    base = [json.loads(line) for line in sys.stdin if line.strip()]
    base = [r for r in base if isinstance(r.get("label"), str)]
    if not base:
        sys.exit("archetype_data: no labelled rows on standard input")
    names = list(base[0]["features"])
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    noise = np.exp(0.05 * rng.standard_normal((n, len(names))))
    with open(out, "w") as f:
        for j in order:
            src = base[j % len(base)]
            copy = j // len(base)
            r = dict(src)
            feats = src["features"]
            if copy:
                r["entity"] = "%s-%d" % (src["entity"], copy)
                r["features"] = {
                    k: (None if feats[k] is None else feats[k] * float(noise[j, i]))
                    for i, k in enumerate(names)}
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
