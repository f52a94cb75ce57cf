#!/usr/bin/env python3
"""detect_eval.py - detection quality of scored feature rows against the
label records of `kfetch simulate hyperliquid` (standard library only).

    detect_eval.py LABELS ROWS_RULES ROWS_FOREST [NAME]

LABELS holds the simulator's label records; ROWS_* are the same feature
rows scored by kscore with the rules (ML_ENABLED=false) and with the
forest. A row is flagged when "is_anomaly" is true; "both" flags a row
when either does.

Per incident: detected when a flagged row starts in the incident's window,
from the bucket its start falls in to one bucket after the bucket its end
falls in; the delay is the first such row's bucket minus the start's
bucket (0: flagged in the bucket where it began). Precision is over alert
episodes: runs of flagged rows with at most one unflagged row between
them; an episode is true when one of its rows is in some incident's
window, so one alert that persists (a 24-hour loss stays a loss for 24
hours) counts once. False alarms are the other episodes, per 30 days.
"""
import json
import statistics
import sys
from datetime import datetime, timezone


def ms(ts):
    ts = ts.replace("Z", "+00:00")
    return int(datetime.fromisoformat(ts).timestamp() * 1000)


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


SPANS = {"s": 1000, "m": 60000, "h": 3600000, "d": 86400000}


def span(s):
    return int(s[:-1]) * SPANS[s[-1]]


def main():
    labels = [r for r in load(sys.argv[1]) if r.get("kind") == "label"]
    rules, forest = load(sys.argv[2]), load(sys.argv[3])
    name = sys.argv[4] if len(sys.argv) > 4 else ""
    bucket = span(rules[0]["bucket"])
    t0 = ms(rules[0]["ts"])
    idx = lambda t: (t - t0) // bucket
    n = len(rules)
    days = n * bucket / 86400000
    flags = {
        "rules": [bool(r["is_anomaly"]) for r in rules],
        "forest": [bool(r["is_anomaly"]) for r in forest],
    }
    flags["both"] = [a or b for a, b in zip(flags["rules"], flags["forest"])]
    incidents = []
    for lb in labels:
        s, e = idx(ms(lb["ts"])), idx(ms(lb["ts_end"]) - 1)
        incidents.append((lb["incident"], s, min(e + 1, n - 1)))
    window = [False] * n
    for _, s, e in incidents:
        for i in range(max(s, 0), e + 1):
            window[i] = True
    kinds = sorted({k for k, _, _ in incidents})
    out = {}
    for method, fl in flags.items():
        res = {"flagged_rows": sum(fl), "rows": n}
        per = {}
        delays_all = []
        for kind in kinds + ["all"]:
            sel = [x for x in incidents if kind in ("all", x[0])]
            delays = []
            for _, s, e in sel:
                hit = next((i for i in range(s, e + 1) if fl[i]), None)
                if hit is not None:
                    delays.append(hit - s)
            per[kind] = {
                "incidents": len(sel),
                "detected": len(delays),
                "recall": len(delays) / len(sel) if sel else None,
                "median_delay_buckets": statistics.median(delays) if delays else None,
            }
            if kind == "all":
                delays_all = delays
        # Episodes: flagged runs, bridging single unflagged rows.
        episodes, i = [], 0
        while i < n:
            if not fl[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and (fl[j + 1] or (j + 2 < n and fl[j + 2])):
                j += 1
            episodes.append((i, j))
            i = j + 1
        true_ep = sum(1 for a, b in episodes if any(window[k] for k in range(a, b + 1)))
        res["episodes"] = len(episodes)
        res["true_episodes"] = true_ep
        res["precision"] = true_ep / len(episodes) if episodes else None
        res["false_alarms_per_30d"] = (len(episodes) - true_ep) / days * 30
        res["per_kind"] = per
        res["delays"] = delays_all
        out[method] = res
    out["name"] = name
    out["bucket_ms"] = bucket
    out["days"] = days
    out["incidents"] = len(incidents)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
