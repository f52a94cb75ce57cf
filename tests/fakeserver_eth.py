#!/usr/bin/env python3
# fakeserver_eth.py - a stand-in for an Etherscan-compatible account API
# and an Ethereum JSON-RPC node on 127.0.0.1, for kfetch etherscan and
# kfetch ethrpc tests. It extends tests/fakeserver.py (its fault machinery
# and HTTP plumbing) without changing it. Python 3 standard library only.
#
# Usage:
#   fakeserver_eth.py --fixtures DIR [--log FILE] [--apikey KEY]
#                     [--synth ADDR=N] [--fault SPEC]... [--no-block-receipts]
#
# Etherscan (GET any path with module=...): answers from
# DIR/etherscan/<address>.json ({"txlist": [...], "txlistinternal": [...],
# "tokentx": [...]}, elements in the API's shape), filtered by startblock
# and endblock, sorted by block, paged by page and offset with the API's
# 10000-row window; "No transactions found" when empty. --synth ADDR=N
# makes N normal transactions for ADDR, several per block. With --apikey
# a request without that key is answered "Invalid API Key".
# getblocknobytime maps time to blocks as 12-second slots from block
# 14000000 at 1643000000.
#
# JSON-RPC (POST /, one call or a batch): eth_blockNumber,
# eth_getBlockByNumber, eth_getBlockReceipts, eth_getTransactionReceipt,
# eth_call (ERC-20 symbol() and decimals()), trace_block, from
# DIR/rpc/chain.json. --no-block-receipts answers eth_getBlockReceipts
# with "method not found", as older nodes do.
#
# SPEC is fakeserver.py's (type=T,kind=K,arg=A,times=N,after=N) where T is
# an Etherscan action or getblocknobytime, or a JSON-RPC method, plus the
# kinds busy (HTTP 200, status 0, "Max rate limit reached"), badkey
# ("Invalid API Key"), and echo (the request's path, decoded path and
# Authorization header said back: as the API's error to a GET, as an
# HTTP 401, or arg, to a POST); for JSON-RPC, kind=rpcerror answers every call of
# a batch with a JSON-RPC error, kind=wrongtype spoils a field,
# kind=setfield with arg=NAME=JSON sets a field of each result, and
# kind=badid with arg=N answers the first call with id N.
import argparse
import json
import os
import sys
import time
import urllib.parse
from http.server import ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeserver  # noqa: E402

BLOCK0, TIME0, SLOT = 14000000, 1643000000, 12
WINDOW = 10000


def synth(address, n):
    """N normal transactions of address, 7 per block, deterministic."""
    out = []
    for i in range(n):
        blk = BLOCK0 + 100 + i // 7
        h = "0x%064x" % (0xabc000000 + i)
        peer = "0x%040x" % (0x1000 + i % 50)
        frm, to = (address, peer) if i % 2 else (peer, address)
        out.append({
            "blockNumber": str(blk), "timeStamp": str(TIME0 + (blk - BLOCK0) * SLOT),
            "hash": h, "nonce": str(i), "blockHash": "0x%064x" % blk,
            "transactionIndex": str(i % 7), "from": frm, "to": to,
            "value": str(10 ** 15 * (i + 1)), "gas": "21000",
            "gasPrice": str(10 ** 9 * (20 + i % 5)), "isError": "0",
            "txreceipt_status": "1", "input": "0x", "contractAddress": "",
            "cumulativeGasUsed": "21000", "gasUsed": "21000",
            "confirmations": "100", "methodId": "0x", "functionName": ""})
    return out


class EthState(fakeserver.State):
    def __init__(self, args):
        super().__init__(args)
        self.apikey = args.apikey
        self.synth = {}
        for s in args.synth:
            a, n = s.split("=")
            self.synth[a.lower()] = synth(a.lower(), int(n))
        self.block_receipts = not args.no_block_receipts
        self.chain = None

    def account(self, address):
        if address in self.synth:
            return {"txlist": self.synth[address], "txlistinternal": [],
                    "tokentx": []}
        return self.fixture("etherscan", address + ".json") or {}

    def rpc_chain(self):
        if self.chain is None:
            self.chain = self.fixture("rpc", "chain.json") or {"blocks": []}
            self.by_number = {int(b["number"], 16): b
                              for b in self.chain["blocks"]}
            self.receipts = self.chain.get("receipts", {})
            self.traces = self.chain.get("traces", {})
            self.tokens = self.chain.get("tokens", {})
        return self.chain


def es_answer(st, q):
    action = q.get("action", [""])[0]
    module = q.get("module", [""])[0]
    if st.apikey is not None and q.get("apikey", [""])[0] != st.apikey:
        return {"status": "0", "message": "NOTOK",
                "result": "Invalid API Key"}
    if module == "block" and action == "getblocknobytime":
        ts = int(q["timestamp"][0])
        k = (ts - TIME0) / SLOT
        blk = BLOCK0 + (int(k) if q.get("closest", ["before"])[0] == "before"
                        else -int(-k // 1))
        return {"status": "1", "message": "OK", "result": str(blk)}
    if module != "account" or action not in ("txlist", "txlistinternal",
                                             "tokentx"):
        return {"status": "0", "message": "NOTOK",
                "result": "Error! Missing Or invalid Module name"}
    address = q.get("address", [""])[0].lower()
    if len(address) != 42:
        return {"status": "0", "message": "NOTOK",
                "result": "Error! Invalid address format"}
    sb = int(q.get("startblock", ["0"])[0])
    eb = int(q.get("endblock", ["99999999"])[0])
    page = int(q.get("page", ["1"])[0])
    offset = int(q.get("offset", ["10000"])[0])
    if page * offset > WINDOW:
        return {"status": "0", "message": "NOTOK",
                "result": "Result window is too large, PageNo x Offset size "
                          "must be less than or equal to 10000"}
    rows = [r for r in st.account(address).get(action, [])
            if sb <= int(r["blockNumber"]) <= eb]
    rows.sort(key=lambda r: int(r["blockNumber"]))
    rows = rows[(page - 1) * offset:page * offset]
    if not rows:
        return {"status": "0", "message": "No transactions found",
                "result": []}
    return {"status": "1", "message": "OK", "result": rows}


def rpc_one(st, call):
    """One JSON-RPC call: (result, error)."""
    chain = st.rpc_chain()
    m, p = call.get("method"), call.get("params", [])
    if m == "eth_blockNumber":
        return hex(max(st.by_number) if st.by_number else 0), None
    if m == "eth_getBlockByNumber":
        n = int(p[0], 16) if p[0] != "latest" else max(st.by_number)
        b = st.by_number.get(n)
        if b is None:
            return None, None
        if not p[1]:
            b = dict(b, transactions=[t["hash"] for t in b["transactions"]])
        return b, None
    if m == "eth_getBlockReceipts":
        if not st.block_receipts:
            return None, {"code": -32601,
                          "message": "the method eth_getBlockReceipts does "
                                     "not exist/is not available"}
        b = st.by_number.get(int(p[0], 16))
        if b is None:
            return None, None
        return [st.receipts[t["hash"]] for t in b["transactions"]], None
    if m == "eth_getTransactionReceipt":
        return st.receipts.get(p[0]), None
    if m == "eth_call":
        tok = st.tokens.get(p[0]["to"].lower())
        if tok is None:
            return None, {"code": -32000, "message": "execution reverted"}
        if p[0]["data"][:10] == "0x313ce567":     # decimals()
            return "0x%064x" % tok["decimals"], None
        if p[0]["data"][:10] == "0x95d89b41":     # symbol()
            s = tok["symbol"].encode()
            if tok.get("bytes32"):                 # as MKR answers
                return "0x" + s.hex().ljust(64, "0"), None
            return ("0x" + "%064x" % 32 + "%064x" % len(s) +
                    s.hex().ljust(64, "0")), None
        return None, {"code": -32000, "message": "execution reverted"}
    if m == "trace_block":
        return st.traces.get(str(int(p[0], 16)), []), None
    return None, {"code": -32601, "message": "method %s not found" % m}


class EthHandler(fakeserver.Handler):
    def echo(self, method, status):
        """The request said back, as careless servers do: its path, the
        path decoded and its Authorization header; to a GET as the API's
        error, to a POST (JSON-RPC) as HTTP status (401)."""
        said = "%s %s (%s) auth %s" % (
            method, self.path, urllib.parse.unquote(self.path),
            self.headers.get("Authorization", "-"))
        if method == "GET":
            return self.send(200, json.dumps(
                {"status": "0", "message": "NOTOK",
                 "result": "Error! Invalid request: " + said}))
        return self.send(int(status or 401), "unauthorized: " + said,
                         "text/plain")

    def handle_one(self, method):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        body = None
        if method == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode()
        if method == "GET":
            rtype = q.get("action", ["?"])[0]
        else:
            try:
                req = json.loads(body)
            except ValueError:
                req = None
            calls = req if isinstance(req, list) else [req]
            rtype = calls[0].get("method", "?") if calls and \
                isinstance(calls[0], dict) else "?"
        fault = st.fault_for(rtype)
        kind = fault["kind"] if fault else None
        st.record({"t": time.time(), "method": method, "path": self.path,
                   "body": body, "type": rtype, "fault": kind})
        if kind in ("500", "503"):
            return self.send(int(kind), "Internal Server Error", "text/plain")
        if kind is not None and kind.isdigit():
            hdrs = []
            if fault["arg"] not in (None, "-"):
                hdrs.append(("Retry-After", fault["arg"]))
            return self.send(int(kind), "HTTP status %s" % kind, "text/plain",
                             hdrs)
        if kind == "garbage":
            return self.garbage()
        if kind == "stall":
            time.sleep(float(fault["arg"] or 30))
        if kind == "notjson":
            return self.send(200, "<html><body>502 Bad Gateway</body></html>",
                             "text/html")
        if kind == "wrongshape":
            return self.send(200, json.dumps({"error": "unexpected"}))
        if kind == "busy":
            return self.send(200, json.dumps(
                {"status": "0", "message": "NOTOK",
                 "result": "Max rate limit reached, please use API Key for "
                           "higher rate limit"}))
        if kind == "echo":
            return self.echo(method, fault["arg"])
        if kind == "badkey":
            return self.send(200, json.dumps(
                {"status": "0", "message": "NOTOK",
                 "result": "Invalid API Key"}))
        if method == "GET":
            value = es_answer(st, q)
            if kind == "empty":
                value = {"status": "0", "message": "No transactions found",
                         "result": []}
            if kind == "wrongtype" and isinstance(value.get("result"), list) \
                    and value["result"]:
                value["result"][0] = dict(value["result"][0])
                value["result"][0][fault["arg"]] = True
        else:
            if req is None:
                value = {"jsonrpc": "2.0", "id": None,
                         "error": {"code": -32700, "message": "parse error"}}
            else:
                answers = []
                for c in calls:
                    if kind == "rpcerror":
                        res, err = None, {"code": -32005,
                                          "message": "limit exceeded"}
                    else:
                        res, err = rpc_one(st, c)
                    a = {"jsonrpc": "2.0", "id": c.get("id")}
                    if err is not None:
                        a["error"] = err
                    else:
                        if kind == "wrongtype" and isinstance(res, dict):
                            res = dict(res)
                            res[fault["arg"]] = True
                        if kind == "setfield" and isinstance(res, dict):
                            name, text = fault["arg"].split("=", 1)
                            res = dict(res)
                            res[name] = json.loads(text)
                        a["result"] = res
                    answers.append(a)
                if kind == "badid" and answers:
                    answers[0]["id"] = int(fault["arg"])
                value = answers if isinstance(req, list) else answers[0]
        data = json.dumps(value, separators=(",", ":")).encode()
        if kind == "truncate":
            return self.send(200, data[:len(data) // 2])
        return self.send(200, data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--log")
    ap.add_argument("--apikey")
    ap.add_argument("--synth", action="append", default=[])
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--no-block-receipts", action="store_true")
    args = ap.parse_args()
    args.cap, args.hide_last, args.tick = [], [], None
    srv = ThreadingHTTPServer(("127.0.0.1", 0), EthHandler)
    srv.daemon_threads = True
    srv.state = EthState(args)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
