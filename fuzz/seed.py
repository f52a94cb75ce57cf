#!/usr/bin/env python3
"""Make the fuzz targets' seed corpora, fuzz/corpus/<target>/, from the
recorded data (data/, tests/fixtures/): small inputs, a few elements of
each answer, so that a mutation is cheap and the tree stays small.

    fuzz/seed.py [BUILD]      (from the repository root; BUILD is build)

The anomaly, ocsvm and forecast model seeds are trained here with BUILD/bin's
ktrain (SOURCE_DATE_EPOCH fixed, so they come out the same). The S and R
seeds of the net target are the answers that tests/fakeserver_eth.py
gives to the requests the clients really make: BUILD/fuzz/replay-net is
run with KTOOLS_FUZZ_ORACLE=1 and asks for each answer (fuzz/fake_http.h).
Run `make build/fuzz/replay-net all` first. Python 3 standard library.
"""
import argparse
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.parse
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(ROOT, "fuzz", "corpus")
BUILD = os.path.join(ROOT, "build")


def compact(v):
    return json.dumps(v, separators=(",", ":")).encode()


def load(*path):
    with open(os.path.join(FIX, *path), "rb") as f:
        return json.load(f)


def lines(path, n, step=1):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read().split(b"\n")[:n * step:step]


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def seed_jscan():
    rows = (lines("tests/fixtures/rows_1k.ndjson", 4, 250) +
            lines("tests/fixtures/hl/incident_march2025.ndjson", 3, 5) +
            lines("tests/fixtures/eth/wallet_small.ndjson", 3, 7) +
            lines("tests/fixtures/forecast/risk_messy.ndjson", 3, 9))
    for i, r in enumerate(r for r in rows if r):
        put("jscan", "row%02d" % i, r)
    # the documented differences from jansson, and escapes
    put("jscan", "bigint", b'{"a":123456789012345678901234567890,"b":-7}')
    put("jscan", "nul", b'{"a":1\0}')
    put("jscan", "deep", b'{"a":' + b"[" * 600 + b"]" * 600 + b"}")
    put("jscan", "escapes",
        b'{"k\\u0061y":"\\u00e9\\ud83d\\ude00\\n\\"","n":-0.5e-3,'
        b'"features":{"x":1e308,"y":null,"z":[true,false,{}]}}')


def seed_csv():
    csv = os.path.join(ROOT, "tests/fixtures/eth/bigquery_transactions.csv")
    with open(csv, "rb") as f:
        put("csv", "bigquery", b"," + b"\n".join(f.read().split(b"\n")[:4]))
    put("csv", "labels", b"," + b"\n".join(
        lines("data/labels/addresses.csv", 5)))
    put("csv", "quoted", b';"a;b";"say ""hi""";;plain\r\n"";x\r')
    put("csv", "tabs", b'\tts\tvalue\n2025-01-01\t"1\t5"\n')


def seed_tx():
    for i, r in enumerate(lines("tests/fixtures/eth/wallet_small.ndjson", 40)):
        if r and i % 4 == 0:
            put("tx", "wallet%02d" % i, r)


def ktrain(build, kind, rows, args, store):
    env = dict(os.environ, SOURCE_DATE_EPOCH="1763683200")
    subprocess.run([os.path.join(build, "bin", "ktrain"), kind, "-q",
                    "--model-dir", store, "--save-version", "seed"] + args,
                   input=rows, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return glob.glob(os.path.join(store, kind, "seed*.ktm"))[0]


def raw_variant(ktm):
    """The file with its payload uncompressed and byte 60 saying so
    (fuzz_model.c's RAW flag)."""
    hlen = struct.unpack_from("<I", ktm, 28)[0]
    fixed = bytearray(ktm[:64])
    fixed[60] = 1
    return bytes(fixed) + ktm[64:64 + hlen] + zlib.decompress(ktm[64 + hlen:])


def seed_model(build):
    store = tempfile.mkdtemp(prefix="ktools-seed-")
    try:
        with open(os.path.join(FIX, "rows_1k.ndjson"), "rb") as f:
            rows = b"\n".join(f.read().split(b"\n")[:200]) + b"\n"
        an = ktrain(build, "anomaly", rows, ["--trees", "3",
                                             "--max-samples", "16"], store)
        sv = ktrain(build, "ocsvm", rows, ["--features", "f00,f03",
                                           "--nu", "0.1"], store)
        with open(os.path.join(FIX, "forecast", "risk_600.ndjson"), "rb") as f:
            rows = f.read()
        fc = ktrain(build, "forecast", rows, ["--order", "1,1,1",
                                              "--holdout", "0"], store)
        for name, path in (("anomaly", an), ("ocsvm", sv), ("forecast", fc)):
            with open(path, "rb") as f:
                ktm = f.read()
            put("model", name + ".ktm", ktm)
            put("model", name + "-raw.ktm", raw_variant(ktm))
    finally:
        shutil.rmtree(store)


def seed_net_parsers():
    """One answer each for the parsers that take a whole answer."""
    meta = load("hyperliquid", "meta_and_asset_ctxs.json")
    meta = [{"universe": meta[0]["universe"][:4]}, meta[1][:4]]
    put("net", "A-asset-ctxs", b"A\1" + compact(meta))
    put("net", "C-candles", b"C\0" + compact(
        load("hyperliquid", "candles_BTC_1h.json")[:4]))
    put("net", "F-funding", b"F\0" + compact(
        load("hyperliquid", "funding_BTC.json")[:4]))
    port = load("hyperliquid",
                "portfolio_0x31ca8395cf837de08b24da3f660e77761dfb974b.json")
    for w in port:
        for k in ("accountValueHistory", "pnlHistory"):
            w[1][k] = w[1][k][-3:]
    put("net", "P-portfolio", b"P\0" + compact(port))
    fills = (load("hyperliquid",
                  "fills_0xb7b6f3cea3f66bf525f5d8f965f6dbf6d9b017b2.json")[:3] +
             load("hyperliquid", "fill_liquidation_nautilus.json"))
    put("net", "L-fills", b"L\0" + compact(fills))
    put("net", "K-klines", b"K\0" + compact(
        load("binance", "klines_BTCUSDT_1h.json")[:4]))
    put("net", "T-ticker", b"T\1" + compact(load("binance", "ticker_price.json")))
    for f in sorted(glob.glob(os.path.join(FIX, "eth", "etherscan", "*.json"))):
        acct = json.load(open(f))
        for a, action in enumerate(("txlist", "txlistinternal", "tokentx")):
            if acct.get(action):
                put("net", "E-%s-%s" % (action, os.path.basename(f)[:8]),
                    b"E" + bytes([a]) + compact(acct[action][:3]))


def eth_state():
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import fakeserver_eth
    args = argparse.Namespace(fixtures=os.path.join(FIX, "eth"), log=None,
                              cap=[], hide_last=[], tick=None, fault=[],
                              apikey=None, synth=[], no_block_receipts=False)
    return fakeserver_eth, fakeserver_eth.EthState(args)


def rpc_answer(fe, st, req):
    out = []
    for call in json.loads(req["body"]):
        res, err = fe.rpc_one(st, call)
        a = {"jsonrpc": "2.0", "id": call["id"]}
        if err is not None:
            a["error"] = err
        else:
            a["result"] = res
        out.append(a)
    return out


def es_answer(fe, st, req):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(req["path"]).query,
                              keep_blank_values=True)
    return fe.es_answer(st, q)


def oracle(build, head, answer):
    """head (selector and flags) and the answers the fake server gives to
    the requests replay-net makes on it."""
    with tempfile.NamedTemporaryFile(suffix=".in") as t:
        t.write(head)
        t.flush()
        p = subprocess.Popen([os.path.join(build, "fuzz", "replay-net"),
                              t.name], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE,
                             env=dict(os.environ, KTOOLS_FUZZ_ORACLE="1"))
        answers = []
        for line in p.stdout:
            if line.startswith(b"replay-net:"):
                break
            a = compact(answer(json.loads(line)))
            answers.append(a)
            p.stdin.write(a + b"\n")
            p.stdin.flush()
        p.stdin.close()
        if p.wait() != 0:
            sys.exit("seed.py: replay-net failed on an oracle run")
    return head + b"\n".join(answers)


def seed_net_fetchers(build):
    fe, st = eth_state()
    # S: action (bits 0-1), page size 1 + bits 2-3, account (bits 4-5),
    # key (0x40), block before (0x80): see fuzz_net.c
    for flags in (0x00 | 0x00 | 0x10, 0x02 | 0x04, 0x01 | 0x40 | 0x80):
        put("net", "S-fetch-%02x" % flags,
            oracle(build, b"S" + bytes([flags]),
                   lambda r: es_answer(fe, st, r)))
    # R: tokens 1, traces 2, no block receipts 4, batch 1 + bits 3-4,
    # blocks 1 + bits 5-6, the newest block first 0x80
    for flags in (0x01 | 0x02 | 0x08 | 0x60, 0x04 | 0x01 | 0x20, 0x80 | 0x40):
        put("net", "R-scan-%02x" % flags,
            oracle(build, b"R" + bytes([flags]),
                   lambda r: rpc_answer(fe, st, r)))


def main():
    build = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else BUILD
    for t in ("jscan", "model", "net", "csv", "tx"):
        shutil.rmtree(os.path.join(OUT, t), ignore_errors=True)
    seed_jscan()
    seed_csv()
    seed_tx()
    seed_model(build)
    seed_net_parsers()
    seed_net_fetchers(build)
    total = sum(os.path.getsize(f) for f in
                glob.glob(os.path.join(OUT, "*", "*")))
    print("seed.py: %d inputs, %d bytes in %s" % (
        len(glob.glob(os.path.join(OUT, "*", "*"))), total,
        os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
