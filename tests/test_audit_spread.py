"""The audit's JSON text made in parts side by side (``rabiskit.audit.spread``): the same
bytes as one process writing it, and as ``json.dumps`` of the document, on random
duplicate findings (spools in memory and on disk), on hand-written records whose
expected output is written out here, and when a child fails."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rabiskit.aggregate.period import Period
from rabiskit.audit import audit_inputs
from rabiskit.audit import spread
from rabiskit.audit.duplicates import DuplicateFinder
from rabiskit.facts.scan import Input
from rabiskit.plan.load import default_plan
from rabiskit.records.record import UNIMARC, Field, Record
from rabiskit.sources.iso2709_writer import encode_record, set_declared_encoding

SEP = ",\n    "

pytestmark = pytest.mark.skipif(not spread.can_fork(), reason="parts are forked on Linux only")


@pytest.fixture
def always_spread(monkeypatch):
    """Parts forked however short the list (the real threshold is 20,000 findings)."""
    monkeypatch.setattr(spread, "SPREAD_FROM", 0)


def _pids_log(tmp_path: Path):
    """A ``make(lo, hi)`` wrapper that notes which process made each range."""
    log = tmp_path / "made-by"

    def wrap(make):
        def made(lo, hi):
            with open(log, "a") as fh:
                fh.write(f"{lo} {hi} {os.getpid()}\n")
            return make(lo, hi)
        return made

    def pids() -> set[int]:
        return {int(line.split()[2]) for line in log.read_text().splitlines()}

    return wrap, pids


def test_split_by_weight_by_hand():
    assert spread.split([], 3) == []
    assert spread.split([5], 3) == [(0, 1)]
    assert spread.split([1, 1, 1, 1], 2) == [(0, 2), (2, 4)]
    assert spread.split([10, 1, 1, 1, 1], 2) == [(0, 1), (1, 5)]
    assert spread.split([2, 2, 2, 2, 2, 2], 3) == [(0, 2), (2, 4), (4, 6)]
    assert spread.split([1, 1], 4) == [(0, 1), (1, 2)]


def test_spread_texts_by_hand(always_spread, tmp_path):
    texts = [["α"], ["b", "c"], [], ["ё\n\"x\""], ["𝄞", "z"]]
    wrap, pids = _pids_log(tmp_path)
    got = b"".join(spread.spread_texts([len(t) for t in texts],
                                       wrap(lambda lo, hi: (x for t in texts[lo:hi] for x in t)),
                                       "|", parts=3))
    assert got == "|α|b|c|ё\n\"x\"|𝄞|z".encode("utf-8")
    assert len(pids()) == 3 and os.getpid() in pids()  # two parts made in children


def test_a_failed_child_has_its_part_made_here(always_spread):
    parent = os.getpid()

    def make(lo, hi):
        if os.getpid() != parent:
            raise RuntimeError("a child that fails")
        return (f"{i}" for i in range(lo, hi))

    got = b"".join(spread.spread_texts([1] * 9, make, ",", parts=3))
    assert got == b",0,1,2,3,4,5,6,7,8"


def test_left_half_way_the_children_are_ended(always_spread, tmp_path):
    import time

    wrap, pids = _pids_log(tmp_path)
    gen = spread.spread_texts([1] * 50_000,
                              wrap(lambda lo, hi: ("x" * 20 for _ in range(lo, hi))), ",",
                              parts=2)
    next(gen)
    for _ in range(500):  # (until the child has started its part)
        if len(pids()) == 2:
            break
        time.sleep(0.01)
    children = pids() - {os.getpid()}
    assert len(children) == 1
    gen.close()
    for pid in children:  # ended and reaped: no such process any more
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


_titles = st.sampled_from(["тарих", "ертегі", "өлең", "абай жолы", "a\"b\\c", "𝄞 музыка", "x"])
_records = st.lists(st.tuples(st.sampled_from(["a.iso", "b.iso", "қ.iso"]), _titles,
                              st.sampled_from(["", "абай", "Ivanov"]),
                              st.sampled_from(["", "2025", "1999"]),
                              st.sampled_from([(), ("9786010000001",), ("9786010000002",)]),
                              st.sampled_from([None, "", "id\u0001"]),
                              st.sampled_from([(), ("kaz",), ("kaz", "rus")]),
                              st.sampled_from(["book", "article", None]),
                              st.sampled_from(["", "host 1", "host 2"]), st.booleans()),
                    min_size=0, max_size=60)


def _finder(records, in_memory) -> DuplicateFinder:
    f = DuplicateFinder(in_memory=in_memory)
    numbers: dict[str, int] = {}
    for file, title, author, year, isbns, cn, langs, level, host, deleted in records:
        n = numbers[file] = numbers.get(file, 0) + 1
        f.add_keys(file, n, 37 * n, None if cn is None else cn or f"{file}-{n}",
                   title.capitalize(), level, host, None if n % 3 else n, title, langs, UNIMARC,
                   isbns, author, year, deleted)
    return f


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_records, st.sampled_from([None, 0]), st.integers(1, 4))
@example([], None, 2)
@example([("a.iso", "тарих", "абай", "2025", (), None, ("kaz",), "book", "", False)] * 2, 0, 2)
@example([("a.iso", "x", "", "", ("9786010000001",), "id\u0001", (), None, "host 1", False),
          ("b.iso", "𝄞 музыка", "", "1999", ("9786010000001",), "", ("kaz", "rus"), "article",
           "host 2", False),
          ("b.iso", "𝄞 музыка", "Ivanov", "1999", (), "", (), "article", "", True)] * 3, 0, 3)
def test_duplicates_in_parts_are_the_findings_json(always_spread, records, in_memory, parts):
    """Random records (spool in memory, or on disk: flushed before the fork): the bytes made
    in ``parts`` are the texts of one process, which are ``json.dumps`` of each finding."""
    f = _finder(records, in_memory)
    try:
        found = list(f.duplicate_findings())
        want = "".join(SEP + json.dumps(x.as_dict(), ensure_ascii=False, indent=2)
                       .replace("\n", "\n    ") for x in found)
        assert "".join(SEP + t for t in f.duplicate_texts()) == want
        assert b"".join(f.duplicate_bytes(SEP, parts)) == want.encode("utf-8")
        assert b"".join(f.duplicate_bytes(SEP, parts)) == want.encode("utf-8")  # again
    finally:
        f.close()


def _rec(cn: str, title: str, isbn: str | None = None) -> bytes:
    fields = [Field("001", data=cn), Field("005", data="20260116101010.0"),
              Field("100", subfields=[("a", "20260115d2025    k  y0kazy50      ca")]),
              Field("101", ind1="0", subfields=[("a", "kaz")])]
    if isbn:
        fields.append(Field("010", subfields=[("a", isbn)]))
    fields += [Field("200", ind1="1", subfields=[("a", title), ("f", "М. Әуезов")]),
               Field("210", subfields=[("a", "Алматы"), ("d", "2025")]),
               Field("700", ind2="1", subfields=[("a", "Әуезов")])]
    rec = set_declared_encoding(Record("00000nam0 2200000 i 450 ", fields), UNIMARC, "utf-8")
    return encode_record(rec)


def test_hand_written_audit_json(always_spread, tmp_path, monkeypatch):
    """Four records, two books twice (one by title, one by ISBN): the findings' text written
    out by hand, the same from the document made in two parts (one group each) as from
    ``json.dumps`` of it."""
    records = [_rec("k1", "Абай жолы"), _rec("k2", "Өлең", "9786010000001"),
               _rec("k3", "Абай жолы"), _rec("k4", "Өлеңдер", "978-601-00-0000-1")]
    monkeypatch.chdir(tmp_path)
    Path("four.iso").write_bytes(b"".join(records))
    offsets = [0, len(records[0]), len(records[0]) + len(records[1]),
               len(records[0]) + len(records[1]) + len(records[2])]
    res = audit_inputs([Input(Path("four.iso"))], default_plan(), Period.for_year(2026),
                       today=dt.date(2026, 6, 30), workers=1)
    try:
        text = b"".join(res.json_bytes(2)).decode("utf-8")
        assert text == json.dumps(res.as_dict(), ensure_ascii=False, indent=2)
        assert text == "".join(res.json_chunks())
        findings = text[text.index('"findings": [') + len('"findings": ['):
                        text.index('\n  ],\n  "kazakh_share"')]

        def finding(record, cn, title, field, evidence, confidence, group):
            return ('\n    {\n      "kind": "duplicate",\n      "file": "four.iso",\n'
                    f'      "record": {record},\n      "offset": {offsets[record - 1]},\n'
                    f'      "id": "{cn}",\n      "title": "{title}",\n'
                    f'      "field": "{field}",\n      "evidence": "{evidence}",\n'
                    f'      "confidence": {confidence},\n      "level": "book",\n'
                    '      "languages": [\n        "kaz"\n      ],\n'
                    f'      "group": {group}\n    }}')

        same = "same title, author, year and level as four.iso:"
        isbn = "same ISBN 9786010000001 as four.iso:"
        differ = "; the titles differ: volumes of a set, or another edition?"
        assert findings == ",".join([
            finding(1, "k1", "Абай жолы", "200$a", same + "3/k3", 0.95, 1),
            finding(3, "k3", "Абай жолы", "200$a", same + "1/k1", 0.95, 1),
            finding(2, "k2", "Өлең", "010$a", isbn + "4/k4" + differ, 0.6, 2),
            finding(4, "k4", "Өлеңдер", "010$a", isbn + "2/k2" + differ, 0.6, 2)])
    finally:
        res.close()


def test_cli_json_of_many_duplicates_is_that_of_one_process(tmp_path):
    """Through the command line, past the 20,000 findings from which the text is made in
    parts: the same bytes as with --workers 1 (one process makes all of it), and the
    findings the ones written into the file: 10,500 books, each twice, side by side."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    books = 10_500
    path = tmp_path / "twice.iso"
    with open(path, "wb") as fh:
        for k in range(books):
            fh.write(_rec(f"a{k}", f"Кітап {k}"))
            fh.write(_rec(f"b{k}", f"Кітап {k}"))
    texts = []
    for extra in ([], ["--workers", "1"]):
        out = tmp_path / f"audit{len(extra)}.json"
        r = subprocess.run([sys.executable, "-m", "rabiskit", "audit", str(path), "-o", str(out),
                            "--today", "2026-06-30", "--parallel-from", "0", *extra], cwd=repo,
                           capture_output=True, text=True, encoding="utf-8")
        assert r.returncode == 0, r.stderr
        texts.append(out.read_bytes())
    assert texts[0] == texts[1]
    doc = json.loads(texts[0])
    assert json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n" == texts[0]
    found = doc["findings"]
    assert doc["summary"]["duplicate"] == len(found) == 2 * books
    assert [(f["record"], f["id"], f["group"]) for f in found[-2:]] == [
        (2 * books - 1, f"a{books - 1}", books), (2 * books, f"b{books - 1}", books)]
    assert found[0]["evidence"] == f"same title, author, year and level as {path}:2/b0"
