# hl_cassette.py - read the request and response bodies out of VCR.py
# cassettes (YAML) with the Python standard library only, so fixture and
# data conversions need no PyYAML. Handles the one construct the
# hyperliquid-python-sdk cassettes use for bodies: single-quoted scalars
# ('' is a quote) folded over several lines.
import re


def _scalar(lines, i, col):
    """Parse a single-quoted scalar starting at lines[i][col] (the quote).
    Returns (text, next line index)."""
    out = []
    line = lines[i]
    pos = col + 1
    pieces = []
    while True:
        j = pos
        while True:
            q = line.find("'", j)
            if q < 0:
                pieces.append(line[pos:])
                break
            if q + 1 < len(line) and line[q + 1] == "'":
                j = q + 2
                continue
            pieces.append(line[pos:q])
            out.append("".join(pieces).replace("''", "'"))
            return _fold(out), i + 1
        # the scalar continues on the next line
        out.append("".join(pieces).replace("''", "'"))
        pieces = []
        i += 1
        line = lines[i]
        pos = len(line) - len(line.lstrip(" "))


def _fold(parts):
    # parts[0] is the first line's text, the rest are continuation lines
    # (leading spaces already skipped). A line break between two non-empty
    # lines becomes a space; each empty line becomes a newline.
    text = parts[0].rstrip(" ")
    pending_newlines = 0
    for p in parts[1:]:
        s = p.strip(" ")
        if s == "":
            pending_newlines += 1
            continue
        text += ("\n" * pending_newlines) if pending_newlines else " "
        pending_newlines = 0
        text += s if p is parts[-1] else s.rstrip(" ")
    return text


def interactions(path):
    """[(request body or None, response body string), ...] in order."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    result = []
    req = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(\s*)(body|string): '", line)
        if m is None:
            i += 1
            continue
        col = line.index("'", len(m.group(0)) - 1)
        text, i = _scalar(lines, i, col)
        if m.group(2) == "body":
            req = text
        else:
            result.append((req, text))
            req = None
    return result


if __name__ == "__main__":
    import glob
    import json
    import sys
    try:
        import yaml
    except ImportError:
        sys.exit("no PyYAML here to check against")
    bad = 0
    for p in sorted(glob.glob(sys.argv[1] + "/**/*.yaml", recursive=True)):
        mine = interactions(p)
        ref = [(it["request"]["body"], it["response"]["body"]["string"])
               for it in yaml.safe_load(open(p))["interactions"]]
        ok = mine == ref
        bad += not ok
        print("ok " if ok else "BAD", p, len(mine))
    sys.exit(bad)
