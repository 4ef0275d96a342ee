"""The same count as ``rabiskit count``, written plainly with pymarc (the baseline).

    python benchmarks/pymarc_count.py FILE [--year 2026] [--limit N]

New records of the year per level and first language, by the default level rules,
reading UNIMARC UTF-8 with pymarc's MARCReader.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

import pymarc


def level_of(rec) -> str:
    t6, t7 = rec.leader[6], rec.leader[7]
    if t6 == "l":
        a135 = rec.get("135")
        if a135 is not None and (a135.get("a") or "  ")[1:2] == "o":
            return "cd"
        return "ebook"
    if t6 in "ij":
        return "cd"
    if t7 in "ab":
        return "article"
    if t7 == "s":
        return "periodical"
    return "book"


def count(path: str, year: int, limit: int | None):
    counts: Counter = Counter()
    n = 0
    with open(path, "rb") as fh:
        for rec in pymarc.MARCReader(fh, to_unicode=True, force_utf8=True):
            n += 1
            if rec is not None:
                f100 = rec.get("100")
                date = (f100.get("a") or "")[:8] if f100 is not None else ""
                f101 = rec.get("101")
                lang = (f101.get("a") if f101 is not None else None) or "und"
                if date[:4] == str(year):
                    counts[(level_of(rec), lang)] += 1
            if limit and n >= limit:
                break
    return n, counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--limit", type=int, default=None)
    a = ap.parse_args()
    t = time.perf_counter()
    n, counts = count(a.file, a.year, a.limit)
    dt = time.perf_counter() - t
    print(json.dumps({"records": n, "seconds": dt,
                      "counts": {f"{k[0]}/{k[1]}": v for k, v in sorted(counts.items())}}))


if __name__ == "__main__":
    main()
