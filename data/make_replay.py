#!/usr/bin/env python3
# make_replay.py - build data/hyperliquid and data/binance: 42 days of real
# recorded history (2025-02-24 .. 2025-04-07, both March 2025 incidents
# inside) as kfetch recordings, so that the commands in data/PROVENANCE.md
# reproduce it offline with 'kfetch ... --replay'. Standard library only:
#   python3 data/make_replay.py [/work/shared/data]

# Each source (data/PROVENANCE.md) is rewritten in the exact response
# format of the endpoint kfetch asks, and the requests are the ones kfetch
# makes for the documented commands (same bodies, same paging), written
# into the index.ndjson that --replay reads (kfetch(1), FILES).
import csv
import gzip
import json
import os
import shutil
import sys
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hl_cassette  # noqa: E402

SHARED = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
START = 1740355200000          # 2025-02-24T00:00:00Z
END = 1743984000000            # 2025-04-07T00:00:00Z (excluded)
HOUR = 3600000
HL_COINS = ["BTC", "ETH", "SOL", "HYPE"]
BN_SYMBOLS = [("BTC", "BTCUSDT"), ("ETH", "ETHUSDT")]
VAULT = "0x31ca8395cf837de08b24da3f660e77761dfb974b"   # HLP Strategy B
VERSION = "0.1.0"

# kfetch's per-request caps it pages past (k_hl.h, k_binance.h, and the
# API's own: 5000 candles, 500 funding rows, 1000 klines).
CANDLE_CAP, FUNDING_CAP, KLINES_CAP = 5000, 500, 1000


def body(obj):
    """A request body as kfetch sends it: compact JSON, keys sorted."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def label_file(n, label):
    safe = "".join(c if c.isalnum() or c in "-." else "_" for c in label)
    return "%06d-%s.json" % (n, safe[:60])


class Recording:
    def __init__(self, path, program, source_note):
        if os.path.exists(path):
            shutil.rmtree(path)
        os.makedirs(path)
        self.path = path
        self.n = 0
        self.index = open(os.path.join(path, "index.ndjson"), "w")
        self.line({"ktools_recording": 1, "program": program,
                   "version": VERSION, "converted_by": "data/make_replay.py",
                   "sources": source_note})
        # kfetch reads the clock once at the start: the end of the window,
        # so that every candle in it is closed.
        self.line({"clock": END})

    def line(self, obj):
        self.index.write(json.dumps(obj, separators=(",", ":")) + "\n")

    def answer(self, method, path, req_body, label, value):
        self.n += 1
        name = label_file(self.n, label)
        text = value if isinstance(value, str) else \
            json.dumps(value, separators=(",", ":"))
        with open(os.path.join(self.path, name), "w") as f:
            f.write(text)
        self.line({"n": self.n, "method": method, "path": path,
                   "body": req_body, "status": 200, "time_ms": END,
                   "file": name})

    def close(self):
        self.index.close()


def plain(s):
    """A decimal string without exponent ("1.25e-05" -> "0.0000125")."""
    d = Decimal(s)
    t = format(d, "f")
    return t


def read_gz_csv(path):
    with gzip.open(path, "rt") as f:
        return list(csv.DictReader(f))


def hyperliquid():
    ft = os.path.join(SHARED, "hyperliquid-perp-ohlcv-funding-freqtrade")
    rec = Recording(os.path.join(HERE, "hyperliquid"), "kfetch hyperliquid",
                    ["hippocritical/freqtrade_hyperliquid_download-data@"
                     "1ca28f43b845f94ecf028d4756d498f505dbfea2 (GPL-3.0)",
                     "hyperliquid-dex/hyperliquid-python-sdk@"
                     "7ee976d123b1e04295e4a1e37a424ca6a13bef88 (MIT)"])
    counts = {}
    # hlp: the portfolio cassette of HLP Strategy B, verbatim.
    cas = os.path.join(SHARED, "hyperliquid-python-sdk-cassettes",
                       "test_portfolio.yaml")
    text = hl_cassette.interactions(cas)[-1][1]
    rec.answer("POST", "/info", body({"type": "portfolio", "user": VAULT}),
               "portfolio " + VAULT, text)
    for coin in HL_COINS:
        # candleSnapshot: the freqtrade 1h candles in the API's shape
        # ({t, T, s, i, o, c, h, l, v}; freqtrade keeps no trade count n).
        rows = [r for r in read_gz_csv(os.path.join(ft, "1h",
                                                    coin + "_1h.csv.gz"))
                if START <= int(r["open_time_ms"]) < END]
        candles = [{"t": int(r["open_time_ms"]),
                    "T": int(r["open_time_ms"]) + HOUR - 1, "s": coin,
                    "i": "1h", "o": r["open"], "c": r["close"],
                    "h": r["high"], "l": r["low"], "v": r["volume"]}
                   for r in rows]
        s, last = START, None
        while s < END:
            page = [c for c in candles if s <= c["t"] <= END - 1][:CANDLE_CAP]
            rec.answer("POST", "/info",
                       body({"type": "candleSnapshot",
                             "req": {"coin": coin, "interval": "1h",
                                     "startTime": s, "endTime": END - 1}}),
                       "candleSnapshot " + coin, page)
            new = [c for c in page if last is None or c["t"] > last]
            if not new:
                break
            last = new[-1]["t"]
            if last + HOUR > END - 1:
                break
            s = last + 1
        counts["candle " + coin] = len(candles)
        # fundingHistory: freqtrade keeps the rate only (no premium).
        rows = [r for r in read_gz_csv(os.path.join(
                    ft, "funding_1h", coin + "_funding.csv.gz"))
                if START <= int(r["time_ms"]) < END]
        funding = [{"coin": coin, "fundingRate": plain(r["funding_rate"]),
                    "time": int(r["time_ms"])} for r in rows]
        s, last = START, None
        while s < END:
            page = [f for f in funding
                    if s <= f["time"] <= END - 1][:FUNDING_CAP]
            rec.answer("POST", "/info",
                       body({"type": "fundingHistory", "coin": coin,
                             "startTime": s, "endTime": END - 1}),
                       "fundingHistory " + coin, page)
            new = [f for f in page if last is None or f["time"] > last]
            if not new:
                break
            last = new[-1]["time"]
            if last + HOUR > END - 1:
                break
            s = last + 1
        counts["funding " + coin] = len(funding)
    rec.close()
    return counts


def binance():
    src = os.path.join(SHARED, "binance-klines-1h-2024-11_2025-05")
    rec = Recording(os.path.join(HERE, "binance"), "kfetch binance",
                    ["ginghong/backtest_jup@"
                     "45593f676f1310543a65a75b0be899b65429c50c "
                     "(Binance data-vision klines, no licence stated)"])
    counts = {}
    for coin, sym in BN_SYMBOLS:
        with open(os.path.join(src, sym + "_1h.csv")) as f:
            klines = [[int(r["open_time_ms"]), r["open"], r["high"],
                       r["low"], r["close"], r["volume"],
                       int(r["close_time_ms"]), r["quote_volume"],
                       int(r["trades"]), r["taker_buy_base"],
                       r["taker_buy_quote"], "0"]
                      for r in csv.DictReader(f)
                      if START <= int(r["open_time_ms"]) < END]
        s, last = START, None
        while s < END:
            page = [k for k in klines if s <= k[0] <= END - 1][:KLINES_CAP]
            path = ("/api/v3/klines?symbol=%s&interval=1h&startTime=%d"
                    "&endTime=%d&limit=%d" % (sym, s, END - 1, KLINES_CAP))
            rec.answer("GET", path, None, "klines " + sym, page)
            new = [k for k in page if last is None or k[0] > last]
            if not new:
                break
            last = new[-1][0]
            if last + HOUR > END - 1:
                break
            s = last + 1
        counts["candle " + coin] = len(klines)
    rec.close()
    return counts


if __name__ == "__main__":
    print(json.dumps({"hyperliquid": hyperliquid(), "binance": binance()},
                     indent=1))
