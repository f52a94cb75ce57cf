#!/usr/bin/python3
# wallet_bench.py - the graph half of bench/wallet_bench.sh: reads the
# transfer graph kfeatures wallet dumped (--dump-graph) and its rows, runs
# networkx (Debian's python3-networkx) on the same graph, and prints, per
# metric, how far ktools' values are from networkx's and the time each
# took. Definitions are matched as kfeatures(1) states them; where ktools
# samples (betweenness and closeness beyond --exact-max), networkx is run
# on the same pivots, and the sampling error against exact values is
# reported apart. Usage:
#   wallet_bench.py GRAPH.tsv ROWS.ndjson KFEATURES_STDERR EXACT_MAX LE_MAX
import json
import random
import sys
import time

import networkx as nx

TOL = 1e-6


def load(graph_path, rows_path):
    addr, edges, pivots = [], [], []
    with open(graph_path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "v":
                addr.append(p[2])
            elif p[0] == "e":
                edges.append((int(p[1]), int(p[2]), float(p[3]), float(p[4])))
            elif p[0] == "p":
                pivots.append(int(p[1]))
    index = {a: i for i, a in enumerate(addr)}
    rows = {}
    with open(rows_path) as f:
        for line in f:
            r = json.loads(line)
            if r["entity"] in index:
                rows[index[r["entity"]]] = r["features"]
    return addr, edges, pivots, rows


def stage_times(err_path):
    t = {}
    with open(err_path) as f:
        for line in f:
            # "kfeatures: graph: pagerank 0.666 s"
            if ": graph: " in line and line.rstrip().endswith(" s"):
                name = line.split(": graph: ")[1].rsplit(" ", 2)[0]
                t[name] = float(line.rsplit(" ", 2)[1])
    return t


def compare(name, ours, ref, vertices):
    worst_abs = worst_rel = 0.0
    n = bad = 0
    for v in vertices:
        a, b = ours.get(v), ref.get(v)
        if a is None or b is None:
            continue
        d = abs(a - b)
        worst_abs = max(worst_abs, d)
        if abs(b) > 1e-9:          # relative only away from zero
            worst_rel = max(worst_rel, d / abs(b))
        n += 1
        bad += d > TOL
    return {"metric": name, "n": n, "max_abs": worst_abs,
            "max_rel": worst_rel, "over_tol": bad}


def main():
    graph_path, rows_path, err_path = sys.argv[1:4]
    exact_max, le_max = int(sys.argv[4]), int(sys.argv[5])
    addr, edges, pivots, rows = load(graph_path, rows_path)
    kt = stage_times(err_path)
    n = len(addr)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for a, b, w, eth in edges:
        G.add_edge(a, b, weight=w, eth=eth)
    U = nx.Graph(G.to_undirected(as_view=True))
    U.remove_edges_from(list(nx.selfloop_edges(U)))
    verts = sorted(rows)
    feat = {k: {v: rows[v][k] for v in verts} for k in
            ("pagerank", "betweenness", "closeness", "eigenvector",
             "clustering", "local_efficiency", "triangles", "in_degree",
             "out_degree", "in_weight", "out_weight", "in_value_eth",
             "out_value_eth")}
    sampled = n > exact_max
    print("graph: %d vertices, %d directed edges, %d undirected; %d rows on "
          "it; %s" % (n, G.number_of_edges(), U.number_of_edges(), len(verts),
                      "betweenness/closeness sampled from %d pivots"
                      % len(pivots) if sampled else "all metrics exact"),
          flush=True)
    results = []
    print("%-46s %7s %10s %10s %6s %9s %9s %8s" % (
        "metric", "rows", "max |d|", "max rel", ">1e-6", "ktools s",
        "networkx s", "ratio"), flush=True)

    class Results(list):
        def append(self, r):
            super().append(r)
            ratio = ("%7.1fx" % (r["nx"] / r["kt"]) if r["kt"] and r["nx"]
                     else "")
            print("%-46s %7d %10.2e %10.2e %6d %9s %9s %8s" % (
                r["metric"], r["n"], r["max_abs"], r["max_rel"],
                r["over_tol"],
                "%.3f" % r["kt"] if r["kt"] is not None else "-",
                "%.3f" % r["nx"] if r["nx"] is not None else "-", ratio),
                flush=True)

    results = Results()

    def timed(label, fn):
        t0 = time.perf_counter()
        r = fn()
        return r, time.perf_counter() - t0

    # degrees: plain counts from the same edges
    for k, fn in (("in_degree", lambda v: G.in_degree(v)),
                  ("out_degree", lambda v: G.out_degree(v)),
                  ("in_weight", lambda v: G.in_degree(v, weight="weight")),
                  ("out_weight", lambda v: G.out_degree(v, weight="weight")),
                  ("in_value_eth", lambda v: G.in_degree(v, weight="eth")),
                  ("out_value_eth", lambda v: G.out_degree(v, weight="eth"))):
        ref = {v: float(fn(v)) for v in verts}
        results.append(dict(compare(k, feat[k], ref, verts), kt=None, nx=None))

    ref, s = timed("pagerank", lambda: nx.pagerank(
        G, alpha=0.85, weight="weight", tol=1e-13, max_iter=10000))
    results.append(dict(compare("pagerank", feat["pagerank"], ref, verts),
                        kt=kt.get("pagerank"), nx=s))

    k = min(256, n) if sampled else n
    if sampled:
        src = pivots[:k]
        raw, s = timed("betweenness", lambda: nx.betweenness_centrality_subset(
            G, sources=src, targets=list(G), normalized=False))
        scale = n / len(src) / ((n - 1) * (n - 2))
        ref = {v: raw[v] * scale for v in raw}
        name = "betweenness (same %d pivots)" % len(src)
    else:
        ref, s = timed("betweenness", lambda: nx.betweenness_centrality(
            G, normalized=True))
        name = "betweenness (exact)"
    results.append(dict(compare(name, feat["betweenness"], ref, verts),
                        kt=kt.get("betweenness"), nx=s))

    # closeness: exact in components up to exact_max, pivots beyond
    comp_of, comps = {}, list(nx.connected_components(U))
    for i, c in enumerate(comps):
        for v in c:
            comp_of[v] = i
    t0 = time.perf_counter()
    ref = {}
    small = [v for v in verts if len(comps[comp_of[v]]) <= exact_max]
    if not sampled:
        ref = nx.closeness_centrality(U, wf_improved=False)
    else:
        for v in small:
            ref[v] = nx.closeness_centrality(U, u=v, wf_improved=False)
        big = {c for c in range(len(comps)) if len(comps[c]) > exact_max}
        sums, cnt = {}, {}
        for p in pivots:
            if comp_of[p] not in big:
                continue
            for v, d in nx.single_source_shortest_path_length(U, p).items():
                if v != p:
                    sums[v] = sums.get(v, 0) + d
                    cnt[v] = cnt.get(v, 0) + 1
        for v in verts:
            if comp_of[v] in big and cnt.get(v):
                ref[v] = cnt[v] / sums[v]
    s = time.perf_counter() - t0
    results.append(dict(compare("closeness (%s)" % ("exact" if not sampled
                                else "exact small components, same pivots"),
                                feat["closeness"], ref, verts),
                        kt=kt.get("closeness"), nx=s))
    sampling = None
    if sampled:
        giant = max(range(len(comps)), key=lambda c: len(comps[c]))
        rng = random.Random(7)
        probe = rng.sample([v for v in verts if comp_of[v] == giant],
                           min(100, len([v for v in verts
                                         if comp_of[v] == giant])))
        errs = []
        for v in probe:
            exact = nx.closeness_centrality(U, u=v, wf_improved=False)
            errs.append(abs(feat["closeness"][v] - exact) / exact)
        errs.sort()
        sampling = (len(probe), errs[len(errs) // 2], errs[-1])

    ref, s = timed("eigenvector", lambda: nx.eigenvector_centrality_numpy(U))
    m = max(abs(x) for x in ref.values())
    ref = {v: abs(x) / m for v, x in ref.items()}
    results.append(dict(compare("eigenvector (scaled to max 1)",
                                feat["eigenvector"], ref, verts),
                        kt=kt.get("eigenvector"), nx=s))

    ref, s = timed("clustering", lambda: nx.clustering(U))
    results.append(dict(compare("clustering", feat["clustering"], ref, verts),
                        kt=kt.get("clustering"), nx=s))
    ref, s = timed("triangles", lambda: nx.triangles(U))
    results.append(dict(compare("triangles", feat["triangles"],
                                {v: float(x) for v, x in ref.items()}, verts),
                        kt=kt.get("triangles"), nx=s))

    t0 = time.perf_counter()
    ref = {}
    for v in verts:
        if U.degree(v) <= le_max:
            ref[v] = nx.global_efficiency(U.subgraph(U[v]))
    s = time.perf_counter() - t0
    results.append(dict(compare("local_efficiency (degree <= %d)" % le_max,
                                feat["local_efficiency"], ref, verts),
                        kt=kt.get("local efficiency"), nx=s))

    ok = all(r["over_tol"] == 0 and r["n"] > 0 for r in results)
    kt_total = sum(r["kt"] for r in results if r["kt"])
    nx_total = sum(r["nx"] for r in results if r["nx"])
    print("%-46s %7s %10s %10s %6s %9.3f %9.3f %7.1fx" % (
        "all graph metrics above", "", "", "", "", kt_total, nx_total,
        nx_total / kt_total if kt_total else 0))
    if sampling:
        print("sampling error of the pivot closeness against exact, %d "
              "giant-component rows: median %.2f%%, max %.2f%%"
              % (sampling[0], 100 * sampling[1], 100 * sampling[2]))
    print("all compared values within 1e-6: %s" % ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
