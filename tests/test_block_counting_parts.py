"""The parts of the block path's count that a whole count hides: a tag's entries found for a
few records or for all (``BlockIndex.entries_of``), the block path's groups into a Tally in
one loop (``Tally.add_counts``), the lead's byte classes checked two bytes at a time, and
the worker pool that does not wait for its workers' exit (``WorkerPool``)."""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from test_block_path import both, field_bytes, record, unimarc
from rabiskit.aggregate.count import Tally
from rabiskit.aggregate.period import Period
from rabiskit.facts.blocks import index_block, tag_code
from rabiskit.facts.scan import Input
from rabiskit.pipeline.count import count_inputs
from rabiskit.plan.load import default_plan, parse_plan
from rabiskit.pipeline.forkpool import ForkPool
from rabiskit.pipeline.stdpool import WorkerPool
from rabiskit.pipeline.workers import make_executor


def _block(n: int) -> bytes:
    """``n`` records; every third has a 607, every fifth two 700s."""
    out = b""
    for i in range(n):
        fields = [("001", f"{i}\x1e".encode()),
                  ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
                  ("200", field_bytes(("a", f"Атау {i}"), ind="1 "))]
        if i % 3 == 0:
            fields.append(("607", field_bytes(("a", "Қарағанды"))))
        if i % 5 == 0:
            fields += [("700", field_bytes(("a", "Бірінші"))), ("700", field_bytes(("a", "Екінші")))]
        out += record("nam0 ", fields)
    return out


BLOCK = _block(64)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picked=st.sets(st.integers(0, 63), max_size=64),
       tag=st.sampled_from(["001", "100", "607", "700", "999"]))
@example(picked=set(), tag="607")
@example(picked={0}, tag="700")
@example(picked={1, 2}, tag="607")  # records without the field
@example(picked=set(range(64)), tag="700")
def test_entries_of_a_few_records_and_of_all(picked, tag):
    ix = index_block(BLOCK, encoding=None, flavour=None)
    assert ix is not None and ix.clean.all()
    recs = np.array(sorted(picked), dtype=np.int64)
    code = tag_code(tag)
    # the truth, entry by entry
    want = [e for e in range(ix.codes.size) if ix.codes[e] == code and int(ix.rec_of_entry[e]) in picked]
    assert ix.entries_of(code, recs).tolist() == want
    assert ix.entries_of(code).tolist() == [e for e in range(ix.codes.size) if ix.codes[e] == code]


def test_entries_of_counted_by_hand():
    ix = index_block(BLOCK, encoding=None, flavour=None)
    # records 0, 3, 6 have a 607; 0 and 5 two 700s each
    assert ix.rec_of_entry[ix.entries_of(tag_code("607"), np.array([0, 1, 3, 6]))].tolist() == [0, 3, 6]
    assert ix.rec_of_entry[ix.entries_of(tag_code("700"), np.array([0, 5, 7]))].tolist() == [0, 0, 5, 5]
    assert ix.count_of("700")[:6].tolist() == [2, 0, 0, 0, 0, 2]
    assert int(ix.count_of("607").sum()) == 22  # 0, 3, ..., 63


def test_lead_classes_two_bytes_at_a_time():
    """A byte out of its class at any place of the leader or the first directory entry
    (odd and even places: the check reads two bytes at a time) leaves the block to the
    careful reader; a blank where the leader allows one does not."""
    rec = unimarc("20260115", "kaz")
    assert index_block(rec, encoding=None, flavour=None) is not None
    for pos, byte in ((0, b"x"), (3, b" "), (4, b"a"), (5, b"\x01"), (11, b"\x7f"), (12, b" "),
                      (16, b"/"), (19, b"\x80"), (20, b"a"), (23, b"-"), (24, b"\x00"),
                      (26, b" "), (27, b"a"), (35, b"\xd0")):
        bad = rec[:pos] + byte + rec[pos + 1:]
        assert index_block(bad, encoding=None, flavour=None) is None, (pos, byte)
    blank = rec[:22] + b" " + rec[23:]  # leader/22: digits or blanks
    assert index_block(blank, encoding=None, flavour=None) is not None


def test_add_counts_adds_as_add_count_does():
    period = Period(2026, 2, dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    rows = [(dt.date(2026, 1, 5), "book", "kaz", 3), (dt.date(2026, 4, 2), "book", "kaz", 2),
            (dt.date(2026, 4, 2), "article", "rus", 4), (dt.date(2026, 6, 30), "book", "rus", 1),
            (dt.date(2025, 5, 1), "book", "kaz", 7), (dt.date(2026, 11, 3), "book", "kaz", 5)]
    one, many = Tally(period, until=dt.date(2026, 10, 1)), Tally(period, until=dt.date(2026, 10, 1))
    for row in rows:
        one.add_count(*row)
    many.add_counts(rows)
    assert many == one
    # written by hand: 22 read; Q2 (April-June) 7 in the period; 5 after the as-of day
    assert (many.read, many.in_period, many.outside_period, many.after_as_of) == (22, 7, 10, 5)
    assert many.levels["book"].total == 3 and many.levels["book"].languages["kaz"] == 2
    assert dict(many.months) == {"2026-04": {"book": 2, "article": 4}, "2026-06": {"book": 1}}
    assert many.quarters[1]["book"].total == 3 and many.quarters[2]["article"].total == 4
    assert 4 not in many.quarters  # the November records were after the as-of day
    assert many.latest_date == dt.date(2026, 6, 30)


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.mark.parametrize("kind", ["fork", "std"])
def test_worker_pool_shutdown_cancels_what_has_not_started(kind, monkeypatch):
    if kind == "std":
        monkeypatch.setenv("RABISKIT_POOL", "std")
    pool = make_executor(1)
    assert isinstance(pool, ForkPool if kind == "fork" and sys.platform.startswith("linux") else WorkerPool)
    futures = [pool.submit(_sleep, 0.3)] + [pool.submit(_sleep, 0) for _ in range(6)]
    while not futures[0].running():
        time.sleep(0.01)
    pool.shutdown()
    assert futures[0].result() == 0.3  # the running block still gives its result
    assert any(f.cancelled() for f in futures[1:])  # queued ones are cancelled
    with pytest.raises(RuntimeError):
        pool.submit(_sleep, 0)


def test_counts_do_not_depend_on_the_workers(tmp_path):
    """Many small blocks through one or two workers and through this process: the same
    numbers (both(): the careful reader's too)."""
    path = tmp_path / "many.iso"
    path.write_bytes(_block(400))
    inputs = [Input(path)]
    plan = default_plan()
    one = both(inputs, plan, workers=1, block_size=4096)
    two = both(inputs, plan, workers=2, block_size=4096)
    assert one[0] == one[1] == two[1]
    assert one[2] == two[2] == 400  # every record settled by the block path
    # written by hand: 400 books entered on 15 January 2026
    tally, _ = count_inputs(inputs, plan, Period.for_year(2026), fast=True, workers=2, block_size=4096)
    assert (tally.read, tally.in_period, tally.levels["book"].total) == (400, 400, 400)
    assert dict(tally.months) == {"2026-01": {"book": 400}}


SAME_TAG_RULES = """
[rules]
mode = "prepend"

[[rules.rule]]
level = "local_lore"
description = "607 names Karaganda and the region"
all = [
  { field = "607", subfield = "a", contains = "Қарағанды" },
  { field = "607", subfield = "a", contains = "облысы" },
]

[[rules.rule]]
level = "article"
description = "607 names Almaty or 200 names Almaty"
any = [
  { field = "607", subfield = "a", contains = "Алматы" },
  { field = "607", subfield = "x", contains = "Алматы" },
  { field = "200", subfield = "a", contains = "Алматы" },
]
"""


def test_conditions_on_one_tag_decided_together(tmp_path):
    """Conditions of a rule on one tag are decided on one grouping of the records (all of
    them, any of them): the careful reader's levels, written here by hand too."""
    text = (FIXTURES / "plan-2026.toml").read_text(encoding="utf-8") + SAME_TAG_RULES
    plan = parse_plan(text, "same-tag.toml")
    recs = [unimarc("20260115", "kaz", "Қарағанды облысы"),  # both: local lore
            unimarc("20260115", "kaz", "Қарағанды"),  # one of the two: book
            unimarc("20260115", "kaz", "Алматы"),  # any: article
            record("nam0 ", [("001", b"x\x1e"),
                             ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
                             ("200", field_bytes(("a", "Алматы"), ind="1 ")),
                             ("607", field_bytes(("x", "Алматы")))]),  # any, by $x: article
            unimarc("20260115", "kaz", None)]  # no 607: book
    path = tmp_path / "same-tag.iso"
    path.write_bytes(b"".join(recs * 3))
    careful, fast, settled = both([Input(path)], plan)
    assert fast == careful and settled == 15
    tally, _ = count_inputs([Input(path)], plan, Period.for_year(2026), fast=True, workers=1)
    assert {k: v.total for k, v in tally.levels.items()} == {"local_lore": 3, "book": 6, "article": 6}
