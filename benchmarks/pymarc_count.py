"""The same count as ``rabiskit count``, written plainly with pymarc (the baseline).

    python benchmarks/pymarc_count.py FILE [--year 2026] [--limit N] [--local-lore TEXT]

New records of the year per level and first language, by the default level rules,
reading UNIMARC UTF-8 with pymarc's MARCReader.  With ``--local-lore TEXT`` a record with
a 607 $a containing TEXT (case ignored) is local lore first, as the level rule of
benchmarks/plans/own-rule.toml says.  ``--limit N`` stops after N records (the benchmark
times a prefix of a big file and scales).  Prints JSON: records read, seconds, counts.

benchmarks/mrrc_count.py runs this same count over mrrc's pymarc-like reader.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from typing import Any, Callable, Iterable


def level_of(rec: Any, local_lore: str | None = None) -> str:
    if local_lore is not None:
        for f607 in rec.get_fields("607"):
            if any(local_lore in (a or "").casefold() for a in f607.get_subfields("a")):
                return "local_lore"
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


def count_records(records: Iterable[Any], year: int, limit: int | None,
                  local_lore: str | None = None) -> tuple[int, Counter]:
    """Records read, and the year's new records per (level, first language of 101 $a)."""
    counts: Counter = Counter()
    lore = local_lore.casefold() if local_lore else None
    n = 0
    for rec in records:
        n += 1
        if rec is not None:
            f100 = rec.get("100")
            date = (f100.get("a") or "")[:8] if f100 is not None else ""
            f101 = rec.get("101")
            lang = (f101.get("a") if f101 is not None else None) or "und"
            if date[:4] == str(year):
                counts[(level_of(rec, lore), lang)] += 1
        if limit and n >= limit:
            break
    return n, counts


def main(open_reader: Callable[[Any], Iterable[Any]] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--local-lore", default=None, metavar="TEXT",
                    help="607 $a containing TEXT makes a record local lore")
    a = ap.parse_args()
    if open_reader is None:
        import pymarc

        def open_reader(fh: Any) -> Iterable[Any]:
            return pymarc.MARCReader(fh, to_unicode=True, force_utf8=True)
    t = time.perf_counter()
    with open(a.file, "rb") as fh:
        n, counts = count_records(open_reader(fh), a.year, a.limit, a.local_lore)
    dt = time.perf_counter() - t
    print(json.dumps({"records": n, "seconds": dt,
                      "counts": {f"{k[0]}/{k[1]}": v for k, v in sorted(counts.items())}}))


if __name__ == "__main__":
    main()
