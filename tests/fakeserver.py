#!/usr/bin/env python3
# fakeserver.py - a stand-in for the Hyperliquid info API and Binance's
# market data API on 127.0.0.1, so kfetch's tests never touch the network.
# It answers from the real recorded responses in tests/fixtures (filtered
# by time and capped per response as the real APIs are), and injects the
# faults the tests ask for. Python 3 standard library only.

# Usage:
#   fakeserver.py --fixtures DIR [--log FILE] [--cap TYPE=N]...
#                 [--hide-last TYPE=N]... [--tick TYPE] [--fault SPEC]...
#
# It prints the port the OS chose on the first line of standard output,
# then serves until killed. SPEC is comma-separated key=value:
#   type=T     request type: a Hyperliquid "type" (candleSnapshot, ...),
#              "klines" or "ticker" for Binance, or "*" (default)
#   kind=K     500 | 503 | 429 | any other HTTP status | stall | truncate |
#              cutoff | notjson | wrongtype | wrongshape | empty |
#              garbage (bytes that are no HTTP answer, then a hang-up) |
#              bomb (a gzip body that inflates to arg MiB, 100 by default)
#   arg=A      a status: its Retry-After seconds ("-": none); stall:
#              seconds to wait;
#              wrongtype: the field (or kline index) given a wrong type
#   times=N    only the first N matching requests (default: all)
#   after=N    let the first N matching requests through first
# --cap TYPE=N caps the items of one response (Hyperliquid: candleSnapshot
# 5000, fundingHistory 500, userFillsByTime 2000; Binance klines 1000).
# --hide-last TYPE=N hides the newest N items of a series on the first
# request of that type, N-1 on the second, ..., to play a live market;
# with --tick T the count is of requests of type T instead (one per poll
# when T is metaAndAssetCtxs), so pages within a poll see the same data.
import argparse
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CAPS = {"candleSnapshot": 5000, "fundingHistory": 500,
        "userFillsByTime": 2000, "userFills": 2000, "klines": 1000}


class State:
    def __init__(self, args):
        self.dir = args.fixtures
        self.log = args.log
        self.caps = dict(CAPS)
        for c in args.cap:
            k, v = c.split("=")
            self.caps[k] = int(v)
        self.hide = {}
        for h in args.hide_last:
            k, v = h.split("=")
            self.hide[k] = int(v)
        self.tick = args.tick
        self.faults = []
        for spec in args.fault:
            f = {"type": "*", "kind": None, "arg": None, "times": None,
                 "after": 0}
            for kv in spec.split(","):
                k, v = kv.split("=", 1)
                f[k] = v
            f["times"] = int(f["times"]) if f["times"] is not None else None
            f["after"] = int(f["after"])
            f["seen"] = 0
            self.faults.append(f)
        self.counts = {}
        self.lock = threading.Lock()

    def fixture(self, *parts):
        path = os.path.join(self.dir, *parts)
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    def fault_for(self, rtype):
        with self.lock:
            self.counts[rtype] = self.counts.get(rtype, 0) + 1
            for f in self.faults:
                if f["type"] not in ("*", rtype):
                    continue
                f["seen"] += 1
                n = f["seen"] - f["after"]
                if n <= 0:
                    continue
                if f["times"] is None or n <= f["times"]:
                    return f
        return None

    def hidden(self, rtype):
        n = self.hide.get(rtype, 0)
        ticks = self.counts.get(self.tick or rtype, 1)
        return max(0, n - (ticks - 1))

    def record(self, entry):
        if self.log is None:
            return
        with self.lock, open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def window(items, key, start, end, cap, hide, newest_first=False):
    items = sorted(items, key=key)
    if hide:
        items = items[:-hide] if hide < len(items) else []
    items = [x for x in items if (start is None or key(x) >= start) and
             (end is None or key(x) <= end)]
    if newest_first:
        items = list(reversed(items))
    return items[:cap]


def hl_answer(st, req, rtype):
    """(status, JSON value) for a Hyperliquid info request."""
    if rtype == "metaAndAssetCtxs":
        return 200, st.fixture("hyperliquid", "meta_and_asset_ctxs.json")
    if rtype == "candleSnapshot":
        r = req.get("req", {})
        data = st.fixture("hyperliquid", "candles_%s_%s.json" %
                          (r.get("coin"), r.get("interval"))) or []
        return 200, window(data, lambda c: int(c["t"]), r.get("startTime"),
                           r.get("endTime"), st.caps["candleSnapshot"],
                           st.hidden(rtype))
    if rtype == "fundingHistory":
        data = st.fixture("hyperliquid", "funding_%s.json" %
                          req.get("coin")) or []
        return 200, window(data, lambda c: int(c["time"]),
                           req.get("startTime"), req.get("endTime"),
                           st.caps["fundingHistory"], st.hidden(rtype))
    if rtype in ("portfolio", "vaultDetails"):
        who = req.get("user") or req.get("vaultAddress") or ""
        data = st.fixture("hyperliquid", "portfolio_%s.json" % who.lower())
        if data is None:
            return 200, None
        if rtype == "vaultDetails":
            # No vaultDetails was ever recorded: the portfolio inside the
            # object the API documents.
            return 200, {"name": "fixture", "vaultAddress": who.lower(),
                         "portfolio": data}
        return 200, data
    if rtype in ("userFills", "userFillsByTime"):
        who = (req.get("user") or "").lower()
        data = st.fixture("hyperliquid", "fills_%s.json" % who) or []
        return 200, window(data, lambda f: int(f["time"]),
                           req.get("startTime"), req.get("endTime"),
                           st.caps[rtype], st.hidden(rtype),
                           newest_first=True)
    return 422, "Failed to deserialize the JSON body into the target type"


def bn_answer(st, path, query, rtype):
    if rtype == "klines":
        sym = query.get("symbol", [""])[0]
        iv = query.get("interval", [""])[0]
        data = st.fixture("binance", "klines_%s_%s.json" % (sym, iv))
        if data is None:
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        lim = min(int(query.get("limit", ["500"])[0]), st.caps["klines"])
        start = int(query["startTime"][0]) if "startTime" in query else None
        end = int(query["endTime"][0]) if "endTime" in query else None
        return 200, window(data, lambda k: k[0], start, end, lim,
                           st.hidden(rtype))
    if rtype == "ticker":
        data = st.fixture("binance", "ticker_price.json") or []
        if "symbols" in query:
            want = json.loads(query["symbols"][0])
        elif "symbol" in query:
            want = [query["symbol"][0]]
        else:
            return 200, data
        by = {d["symbol"]: d for d in data}
        if any(w not in by for w in want):
            return 400, {"code": -1121, "msg": "Invalid symbol."}
        out = [by[w] for w in want]
        return 200, out if "symbols" in query else out[0]
    return 404, {"code": -1, "msg": "not found"}


def spoil(value, rtype, field):
    """Give one field of the first element a wrong type (true)."""
    if rtype == "metaAndAssetCtxs":
        value[1][0][field] = True
    elif rtype == "klines":
        value[0][int(field)] = True
    elif isinstance(value, list) and value:
        value[0][field] = True
    elif isinstance(value, dict):
        value[field] = True
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeserver/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="application/json", headers=(),
             length=None, close=False):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length",
                         str(len(data) if length is None else length))
        for k, v in headers:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        if close:
            self.close_connection = True

    def bomb(self, mb):
        """A gzip body inflating to mb MiB of valid JSON ([0,0,...]),
        built once: a few hundred KB on the wire."""
        if getattr(self.server, "bomb", None) is None:
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = b"0," * (1 << 19)
            parts = [z.compress(b"[")]
            for _ in range(int(mb)):
                parts.append(z.compress(chunk))
            parts.append(z.compress(b"0]") + z.flush())
            self.server.bomb = b"".join(parts)
        data = self.server.bomb
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:             # the client gave up reading: good
            self.close_connection = True

    def garbage(self):
        """Bytes that are no HTTP answer (no status line), then hang up."""
        self.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\nnot HTTP at all\r\n")
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def handle_one(self, method):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        body = None
        if method == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode()
        if url.path == "/info" and method == "POST":
            try:
                req = json.loads(body)
            except ValueError:
                req = {}
            rtype = req.get("type", "?")
        elif url.path == "/api/v3/klines":
            rtype, req = "klines", None
        elif url.path == "/api/v3/ticker/price":
            rtype, req = "ticker", None
        else:
            rtype, req = "?", None
        fault = st.fault_for(rtype)
        kind = fault["kind"] if fault else None
        st.record({"t": time.time(), "method": method, "path": self.path,
                   "body": body, "type": rtype, "fault": kind})
        if kind in ("500", "503"):
            return self.send(int(kind), "Internal Server Error",
                             "text/plain")
        if kind is not None and kind.isdigit():
            hdrs = []
            if fault["arg"] not in (None, "-"):
                hdrs.append(("Retry-After", fault["arg"]))
            return self.send(int(kind), "HTTP status %s" % kind,
                             "text/plain", hdrs)
        if kind == "garbage":
            return self.garbage()
        if kind == "bomb":
            return self.bomb(fault["arg"] or 100)
        if kind == "stall":
            time.sleep(float(fault["arg"] or 30))
        if kind == "notjson":
            return self.send(200, "<html><body>502 Bad Gateway</body></html>",
                             "text/html")
        if kind == "wrongshape":
            return self.send(200, json.dumps({"error": "unexpected"}))
        if kind == "empty":
            return self.send(200, "[]")
        if req is not None:
            status, value = hl_answer(st, req, rtype)
        else:
            status, value = bn_answer(st, url.path, query, rtype)
        if kind == "wrongtype" and status == 200:
            value = spoil(value, rtype, fault["arg"])
        text = value if isinstance(value, str) and status != 200 \
            else json.dumps(value, separators=(",", ":"))
        data = text.encode()
        if kind == "truncate":
            return self.send(status, data[:len(data) // 2])
        if kind == "cutoff":
            # Promise the whole body, send half, hang up.
            self.send(status, data[:len(data) // 2], length=len(data),
                      close=True)
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        return self.send(status, data)

    def do_POST(self):
        try:
            self.handle_one("POST")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self):
        try:
            self.handle_one("GET")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--log")
    ap.add_argument("--cap", action="append", default=[])
    ap.add_argument("--hide-last", action="append", default=[])
    ap.add_argument("--tick")
    ap.add_argument("--fault", action="append", default=[])
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
