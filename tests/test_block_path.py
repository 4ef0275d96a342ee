"""The block path (rabiskit.facts.blocks/columns/levels, run by rabiskit.pipeline) settles
records itself and gives exactly what the careful reader gives, with the default rules and
with the rules of a plan, on hand-written bytes, fixtures, the corpus and random records."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO, require_corpus
from test_fast_path import _json
from rabiskit.aggregate.period import Period
from rabiskit.facts.fast import analyse_block
from rabiskit.facts.scan import Input
from rabiskit.pipeline.count import count_inputs
from rabiskit.plan.load import default_plan, load_plan, parse_plan

OWN_RULE = """
[rules]
mode = "prepend"

[[rules.rule]]
level = "local_lore"
description = "local lore: 607$a names Karaganda"
field = "607"
subfield = "a"
contains = ["Қарағанды", "Караганда"]
"""


def own_rule_plan():
    text = (FIXTURES / "plan-2026.toml").read_text(encoding="utf-8") + OWN_RULE
    return parse_plan(text, "own-rule.toml")


PLANS = {"default": default_plan, "own-rule": own_rule_plan,
         "rules-example": lambda: load_plan(FIXTURES / "plans" / "rules-example.toml")}


# -- hand-written records: the expected numbers are written here, not computed ------------

def field_bytes(*subfields: tuple[str, str], ind: str = "  ") -> bytes:
    return (ind + "".join(f"\x1f{c}{v}" for c, v in subfields)).encode("utf-8") + b"\x1e"


def record(leader_mid: str, fields: list[tuple[str, bytes]]) -> bytes:
    """leader_mid: leader/05-09 (status, type, level, ...); the directory is laid out here
    by the plain ISO 2709 arithmetic."""
    directory, data, pos = b"", b"", 0
    for tag, body in fields:
        directory += f"{tag}{len(body):04d}{pos:05d}".encode("ascii")
        data += body
        pos += len(body)
    directory += b"\x1e"
    base = 24 + len(directory)
    total = base + len(data) + 1
    leader = f"{total:05d}{leader_mid}22{base:05d}   450 ".encode("ascii")
    assert len(leader) == 24
    return leader + directory + data + b"\x1d"


def unimarc(date: str, lang: str | None = "kaz", place: str | None = None, kind: str = "nam0 ") -> bytes:
    fields = [("001", b"x\x1e"),
              ("100", field_bytes(("a", f"{date}d2026    k  y0kaza50      ba")))]
    if lang is not None:
        fields.append(("101", field_bytes(("a", lang), ind="0 ")))
    fields.append(("200", field_bytes(("a", "Атау"), ind="1 ")))
    if place is not None:
        fields.append(("607", field_bytes(("a", place))))
    return record(kind, fields)


HAND = [
    unimarc("20260115", "kaz", "Қарағанды облысы"),  # Q1, kaz, local lore by the rule
    unimarc("20260420", "rus", "Алматы"),  # Q2, rus, book
    unimarc("20260421", "kaz", None, kind="naa0 "),  # Q2, kaz, article
    unimarc("20250101", "kaz", "КАРАГАНДА"),  # last year: outside 2026
    unimarc("20261301", "kaz"),  # month 13: undated, for the careful reader to name
    unimarc("20260701", None, None, kind="nas0 "),  # Q3, no language coded, periodical
]


def test_hand_written_records_counted_as_written(tmp_path):
    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND))
    for name, expected in (("default", {"book": 2, "article": 1, "periodical": 1}),
                           ("own-rule", {"local_lore": 1, "book": 1, "article": 1, "periodical": 1})):
        plan = PLANS[name]()
        for fast in (False, True):
            tally, result = count_inputs([Input(path)], plan, Period.for_year(2026), fast=fast,
                                         workers=1)
            got = {lv: lc.total for lv, lc in tally.levels.items() if lc.total}
            assert got == expected, (name, fast)
            assert tally.read == 6 and tally.undated == 1 and tally.outside_period == 1
            assert tally.levels["article"].kazakh == 1
            assert dict(tally.quarters[2]["book"].languages) == {"rus": 1}
            assert dict(tally.quarters[1][("local_lore" if name == "own-rule" else "book")].languages) == {"kaz": 1}
            settled = result.files[0].block_settled
            # five records settle on the block path; the one dated month 13 goes to the
            # careful reader, which names its problem
            assert settled == (5 if fast else 0), (name, fast)


def test_block_path_settles_records_and_hands_over_the_rest(tmp_path):
    """A block path that quietly settles nothing would fail here (and be slow)."""
    data = b"".join(HAND)
    res = analyse_block(data, 0, display="hand.iso", db_level=None, rules=own_rule_plan().rules_in_force(),
                        encoding=None, flavour=None)
    assert res.records == 6 and res.settled == 5
    assert [number for number, *_ in res.careful] == [5]
    facts = res.careful[0][1]
    assert facts.date_entered is None and "20261301" in (facts.date_entered_problem or "")


# -- the same numbers, summaries and problems as the careful reader ---------------------

def both(inputs, plan, period=Period.for_year(2026), **opts):
    careful = _json(*count_inputs(inputs, plan, period, fast=False), plan)
    tally, scan = count_inputs(inputs, plan, period, fast=True, workers=opts.pop("workers", 1), **opts)
    return careful, _json(tally, scan, plan), sum(f.block_settled for f in scan.files)


@pytest.mark.parametrize("plan_name", sorted(PLANS))
def test_fixtures_with_every_plan(plan_name):
    plan = PLANS[plan_name]()
    settled = 0
    for path in sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".iso", ".mrc", ".xml")):
        for block in (300, 1 << 20):
            careful, fast, n = both([Input(path)], plan, block_size=block)
            assert fast == careful, (path, block)
            settled += n
    assert settled > 100


def corpus_iso_files(corpus):
    """The corpus's ISO 2709 files (not gzip, not XML)."""
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.suffix in (".md", ".xml", ".gz") or "xml" in path.name:
            continue
        if not path.read_bytes()[:200].lstrip().startswith(b"<"):
            yield path


def test_corpus_with_a_plan_of_its_own():
    corpus = require_corpus()
    plan = own_rule_plan()
    checked = settled = 0
    for path in corpus_iso_files(corpus):
        careful, fast, n = both([Input(path)], plan, Period.for_year(2009), block_size=1500)
        assert fast == careful, path
        checked += 1
        settled += n
    assert checked > 150 and settled > 1000


# -- random records, and random damage --------------------------------------------------

DATES = st.sampled_from(["20260115", "20260331", "20260401", "20261231", "20250630", "19991231",
                         "20260230", "2026011", "        ", "00000000", "18991231", "21560101",
                         "20240229", "2026-1-1"])
LANGS = st.sampled_from([None, "kaz", "rus", "eng", "KAZ", "kazrus", "", "   ", "ru", "каз"])
PLACES = st.sampled_from([None, "Қарағанды", "караганда қаласы", "Алматы", "Qaraghandy",
                          "КАРАҒАНДЫ", "Сәтбаев"])
KINDS = st.sampled_from(["nam0 ", "naa0 ", "nas0 ", "nlm0 ", "nim0 ", "dam0 ", "nxz0 ", "nab0 ",
                         "nam  ", "cam0 "])


@st.composite
def records(draw):
    return unimarc(draw(DATES), draw(LANGS), draw(PLACES), draw(KINDS))


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(recs=st.lists(records(), min_size=1, max_size=12),
       edits=st.lists(st.tuples(st.integers(0, 5000), st.sampled_from([0x1D, 0x1E, 0x1F, 0x30, 0x61, 0xD0, 0x92])),
                      max_size=2),
       plan_name=st.sampled_from(sorted(PLANS)))
@example(recs=[unimarc("20260115", "kaz", "Қарағанды")], edits=[], plan_name="own-rule")
@example(recs=[unimarc("20260230", "kazrus", None, "nlm0 ")], edits=[], plan_name="default")
@example(recs=[unimarc("20260115", "kaz", None, "nxz0 ")], edits=[], plan_name="default")
def test_random_records_block_path_equals_careful(tmp_path_factory, recs, edits, plan_name):
    data = bytearray(b"".join(recs))
    for pos, val in edits:
        if pos < len(data):
            data[pos] = val
    path = tmp_path_factory.mktemp("rand") / "r.iso"
    path.write_bytes(bytes(data))
    plan = PLANS[plan_name]()
    careful, fast, settled = both([Input(path)], plan, block_size=700)
    assert fast == careful
    rows = _facts_rows([Input(path)], plan, fast=True, workers=1, block_size=700)
    assert rows[:2] == _facts_rows([Input(path)], plan, fast=False)[:2]
    if not edits:
        # undamaged, dated 1900-2155, not deleted: each such record settles on the block path
        # (authority records, leader/06 x, are counted apart: the careful reader's)
        good = sum(1 for r in recs if r[5:6] != b"d" and r[6:7] not in b"xyz" and _valid(r))
        assert settled == good


def _valid(raw: bytes) -> bool:
    i = raw.index(b"\x1fa", 24)
    text = raw[i + 2:i + 10].decode("ascii", "replace")
    try:
        d = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return 1900 <= d.year <= 2155


# -- the worker processes through the command line ----------------------------------------

def test_worker_processes_through_the_cli(tmp_path):
    plan = tmp_path / "own.toml"
    plan.write_text((FIXTURES / "plan-2026.toml").read_text(encoding="utf-8") + OWN_RULE,
                    encoding="utf-8")
    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND) * 50 + (FIXTURES / "unimarc-utf8.iso").read_bytes())

    def run(*extra):
        out = subprocess.run([sys.executable, "-m", "rabiskit", "count", str(path), "--plan", str(plan),
                              "--format", "json", *extra], cwd=REPO, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)
    careful = run("--parallel-from", "1G")
    pooled = run("--parallel-from", "0", "--workers", "2")
    assert pooled == careful
    assert careful["levels"]["local_lore"]["total"] == 50
    bad = subprocess.run([sys.executable, "-m", "rabiskit", "count", str(path), "--workers", "0"],
                         cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "--workers" in bad.stderr


def marc21(f008: str, kind: str = "nam a") -> bytes:
    return record(kind, [("001", b"m\x1e"), ("008", f008.encode("ascii") + b"\x1e"),
                         ("245", field_bytes(("a", "Title"), ind="10"))])


@pytest.mark.parametrize("yymmdd, year", [("591231", 2059), ("600101", 1960), ("260115", 2026),
                                          ("000229", 2000), ("991231", 1999)])
def test_two_digit_years_of_marc21_on_both_paths(tmp_path, yymmdd, year):
    """008/00-05 with the fixed pivot 60: the years are written here by hand."""
    path = tmp_path / "m.iso"
    f008 = yymmdd + "s2025    ru            000 0 rus d"
    path.write_bytes(marc21(f008) * 3)
    for fast in (False, True):
        tally, result = count_inputs([Input(path)], default_plan(), Period.for_year(year), fast=fast,
                                     workers=1)
        assert tally.in_period == 3 and tally.levels["book"].languages == {"rus": 3}, fast
        assert result.files[0].date_min == result.files[0].date_max
        assert result.files[0].date_min.year == year
        assert result.files[0].block_settled == (3 if fast else 0)


def test_operators_on_the_block_path(tmp_path):
    """count --by operator: the cataloguer field is grouped on the block path, and the
    numbers per cataloguer are the careful reader's (written here by hand)."""
    from rabiskit.aggregate.count import UNKNOWN_OPERATOR, OperatorTally

    def rec(date, who):
        fields = [("001", b"x\x1e"), ("100", field_bytes(("a", f"{date}d2026    k  y0kaza50      ba"))),
                  ("101", field_bytes(("a", "kaz"), ind="0 ")), ("200", field_bytes(("a", "T"), ind="1 "))]
        if who is not None:
            fields.append(("907", field_bytes(("c", date), ("b", who))))
        return record("nam0 ", fields)
    path = tmp_path / "ops.iso"
    path.write_bytes(rec("20260110", "Айгүл") * 3 + rec("20260210", "  Айгүл ") + rec("20260310", None)
                     + rec("20260410", "Марат") * 2)
    got = {}
    for fast in (False, True):
        ops = OperatorTally.for_plan(default_plan())
        count_inputs([Input(path)], default_plan(), Period.for_year(2026), fast=fast, workers=1,
                     operators=ops)
        got[fast] = {name: sum(lc.total for lc in levels.values())
                     for name, levels in ops.for_period(Period.for_quarter(2026, 1)).items()}
    assert got[False] == got[True] == {"Айгүл": 4, UNKNOWN_OPERATOR: 1}


def _plain(o):
    """JSON of what json cannot write itself: sequences (the digitisation's documents, kept
    on disk) as lists, the rest (dates) as text."""
    from collections.abc import Sequence

    return list(o) if isinstance(o, Sequence) else str(o)


def _report_data(inputs, plan, **opts):
    """The report's data as JSON text, keys in the report's order (so an order that
    depends on the path shows)."""
    from rabiskit.report.run import make_report

    report = make_report(inputs, plan, lang="en", today=dt.date(2026, 11, 30), **opts)
    return json.dumps(report.data, default=_plain, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("plan_name", ["default", "own-rule"])
def test_report_block_path_equals_careful(tmp_path, plan_name):
    """The report's numbers (the year, last year, the 6-НК stock, the cataloguers, the
    digitisation) are the same read by the block path as by the careful reader."""
    plan = PLANS[plan_name]()
    files = [FIXTURES / "unimarc-utf8.iso", FIXTURES / "marc21-utf8.mrc", FIXTURES / "damaged.iso"]
    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND) * 3)
    inputs = [Input(p) for p in files] + [Input(path), Input(FIXTURES / "local-lore.iso", "local_lore")]
    careful = _report_data(inputs, plan, min_fast_size=1 << 40)
    block = _report_data(inputs, plan, min_fast_size=0, workers=1)
    assert block == careful


def test_inspect_block_path_equals_careful():
    from conftest import CORPUS
    from rabiskit.pipeline.inspect import inspect_inputs

    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".iso", ".mrc", ".xml", ".txt"))
    if CORPUS.is_dir():
        files += sorted(p for p in CORPUS.rglob("*.mrc"))[:40]
    settled = 0
    for path in files:
        careful = inspect_inputs([Input(path)], fast=False)
        block = inspect_inputs([Input(path)], min_fast_size=0, workers=1)
        assert [f.as_dict() for f in block.files] == [f.as_dict() for f in careful.files], path
        settled += sum(f.block_settled for f in block.files)
    assert settled > 100


def test_digitisation_block_path_equals_careful():
    """The digitisation JSON (documents, pages, checks against the PDF folder and the log)
    is the same read by the block path, which leaves the linked records to the careful
    reader and counts the others."""
    from rabiskit.pipeline.digitisation import digitisation_inputs

    folder = FIXTURES / "digitisation"
    inputs = [Input(p) for p in sorted(folder.glob("*.iso")) + sorted(folder.glob("*.mrc"))]
    inputs += [Input(FIXTURES / "unimarc-utf8.iso")]
    assert len(inputs) >= 2
    pdfs = folder / "pdfs" if (folder / "pdfs").is_dir() else None
    logs = sorted(folder.glob("*.csv"))
    for plan in (default_plan(), own_rule_plan()):
        args = (inputs, plan, Period.for_year(2026), pdfs, logs[0] if logs else None)
        careful = digitisation_inputs(*args, fast=False)
        block = digitisation_inputs(*args, min_fast_size=0, workers=1)
        assert json.dumps(block, sort_keys=True, default=_plain) == json.dumps(careful, sort_keys=True, default=_plain)


def _facts_rows(inputs, plan, **opts):
    from rabiskit.facts.batches import facts_values
    from rabiskit.facts.scan import Scan
    from rabiskit.pipeline.records import read_records

    scan = Scan()
    rows = [facts_values(f) for f, _ in read_records(inputs, plan, result=scan, **opts)]
    return rows, [f.as_dict() for f in scan.files], sum(f.block_settled for f in scan.files)


@pytest.mark.parametrize("plan_name", ["default", "own-rule"])
def test_facts_rows_block_path_equals_careful(tmp_path, plan_name):
    """Every record's facts (the rows of ``rabiskit facts``), in order, are the careful
    reader's, block by block and across blocks of any size."""
    plan = PLANS[plan_name]()
    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND) * 4)
    inputs = [Input(p) for p in sorted(FIXTURES.glob("*.iso")) + sorted(FIXTURES.glob("*.mrc"))]
    inputs.append(Input(path))
    agree_at_every_block_size(_facts_rows, inputs, plan)


def agree_at_every_block_size(collect, inputs, plan) -> None:
    """``collect(inputs, plan, **read options)`` -> (rows, files, records settled) gives
    the careful reader's rows and files on the block path, with blocks of any size and
    with two workers, and the block path settles records."""
    careful = collect(inputs, plan, fast=False)
    for block in (400, 5000, 1 << 20):
        rows, files, settled = collect(inputs, plan, fast=True, workers=1, block_size=block)
        assert (rows, files) == careful[:2], block
        assert settled > 50
    assert collect(inputs, plan, fast=True, workers=2, block_size=3000)[:2] == careful[:2]


def agree_on_the_corpus(collect) -> None:
    """The same (``collect`` as above) on every ISO 2709 file of the corpus, with a plan's
    own rule."""
    corpus = require_corpus()
    plan = own_rule_plan()
    checked = settled = 0
    for path in corpus_iso_files(corpus):
        careful = collect([Input(path)], plan, fast=False)
        rows, files, n = collect([Input(path)], plan, fast=True, workers=1, block_size=1500)
        assert (rows, files) == careful[:2], path
        checked += 1
        settled += n
    assert checked > 150 and settled > 1000


def test_facts_rows_on_the_corpus():
    agree_on_the_corpus(_facts_rows)


@pytest.mark.parametrize("utf8", [False, True])
def test_export_block_path_writes_the_same_bytes(tmp_path, utf8, monkeypatch):
    """The exchange file (the period's records, their bytes as read, or re-encoded) and its
    result are the same when the block path reads the exports: in this process, in worker
    processes sending their output back through the pipes, or writing it to files that are
    copied into the output in the kernel (``spill``), or, where the kernel cannot copy
    between the files (EXDEV), here; the files and their folder are gone at the end."""
    import contextlib
    import errno
    import os

    from rabiskit.export.exchange import select_records, write_exchange
    from rabiskit.spill import spill_folder
    from rabiskit.facts.scan import Scan

    def no_kernel_copy(*args):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    plan = own_rule_plan()
    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND) * 5)
    names = ["unimarc-utf8.iso", "marc21-utf8.mrc", "rusmarc-cp1251.iso", "unimarc-kz1048.iso",
             "marc21-marc8.mrc", "damaged.iso"]
    inputs = [Input(FIXTURES / n) for n in names] + [Input(path)]
    out = {}
    for name, opts in (("careful", {"fast": False}), ("block", {"fast": True, "workers": 1, "block_size": 900}),
                       ("pool", {"fast": True, "workers": 2, "block_size": 2000}),
                       ("light", {"fast": True, "workers": 1, "block_size": 900,
                                  "how": "whole" if utf8 else "iso"}),
                       ("spill", {"fast": True, "workers": 2, "block_size": 2000,
                                  "how": "utf8" if utf8 else "iso"}),
                       ("no-kernel-copy", {"fast": True, "workers": 2, "block_size": 2000,
                                           "how": "utf8" if utf8 else "iso"})):
        target = tmp_path / "out" / f"{name}.iso"
        scan = Scan()
        spills = name in ("spill", "no-kernel-copy") and hasattr(os, "copy_file_range")
        with contextlib.ExitStack() as stack:
            to = stack.enter_context(spill_folder(target)) if spills else None
            if name == "no-kernel-copy" and spills:
                stack.enter_context(monkeypatch.context()).setattr(os, "copy_file_range",
                                                                    no_kernel_copy)
            res = write_exchange(target, select_records(
                inputs, plan, Period.for_year(2026), ["book", "article", "local_lore"],
                result=scan, spill_to=to, **opts), utf8=utf8)
        assert (res.spliced > 10) == spills, name
        d = res.as_dict()
        d.pop("file")
        out[name] = (target.read_bytes(), d, [f.as_dict() for f in scan.files])
    assert out["block"] == out["careful"] and out["pool"] == out["careful"]
    assert out["light"] == out["careful"]
    assert out["spill"] == out["careful"] and out["no-kernel-copy"] == out["careful"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{n}.iso" for n in out)
    assert out["careful"][1]["written"] > 20 and out["careful"][1]["levels"]["local_lore"] == 5
    if utf8:  # damaged.iso's salvaged record of 105,897 bytes in UTF-8: written as read, listed
        assert [r["reason"] for r in out["careful"][1]["damaged_as_read"]] == [
            "too long for ISO 2709 in UTF-8: written as read"]


def test_ledger_import_block_path_stores_the_same(tmp_path):
    """An import read by the block path (the workers compute what the ledger keeps of each
    record) leaves the same ledger and gives the same result as the careful reader."""
    import sqlite3

    from rabiskit.ledger.store import open_ledger
    from rabiskit.pipeline.ledger import import_inputs

    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND) * 3)
    inputs = [Input(FIXTURES / n) for n in ("unimarc-utf8.iso", "marc21-utf8.mrc", "damaged.iso",
                                            "rusmarc-cp1251.iso")] + [Input(path)]
    plan = own_rule_plan()
    out = {}
    for name, opts in (("careful", {"min_fast_size": 1 << 40}), ("block", {"min_fast_size": 0, "workers": 1}),
                       ("pool", {"min_fast_size": 0, "workers": 2})):
        target = tmp_path / f"{name}.sqlite"
        with open_ledger(target, create=True) as led:
            res = import_inputs(led, inputs, plan, now=lambda: "2026-11-30T00:00:00Z", **opts)
        d = res.as_dict()
        d.pop("ledger", None)
        conn = sqlite3.connect(target)
        tables = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall())
                  for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.close()
        out[name] = (json.dumps(d, sort_keys=True, default=str), tables)
    assert out["block"] == out["careful"] and out["pool"] == out["careful"]
    assert out["careful"][1]["records"]


# -- digitisation: linked records settled by the block path --------------------------------

def linked(date: str, link: str | None, kind: str = "nam0 ", lang: str = "kaz",
           extra: list[tuple[str, bytes]] = ()) -> bytes:
    fields = [("001", f"d{date}".encode() + b"\x1e"),
              ("100", field_bytes(("a", f"{date}d2026    k  y0kaza50      ba"))),
              ("101", field_bytes(("a", lang), ind="0 ")),
              ("200", field_bytes(("a", "Атау"), ind="1 "))]
    fields += list(extra)
    if link is not None:
        fields.append(("856", field_bytes(("u", link), ind="4 ")))
    return record(kind, fields)


LINKED = [
    linked("20260115", "https://lib.kz/scan/a.pdf", extra=[("215", field_bytes(("a", "120 б.")))]),
    linked("20260420", "http://lib.kz/b.pdf", kind="naa0 ", lang="rus",
           extra=[("463", field_bytes(("t", "Егемен Қазақстан"), ("v", "С. 3-5")))]),
    linked("20260501", r"C:\Scans\A.PDF"),  # the same file as the first record's: a duplicate
    linked("20260502", None),  # no link: no document
    linked("20250301", "https://lib.kz/c.pdf", extra=[("215", field_bytes(("a", "40 б.")))]),
]


def test_digitisation_linked_records_settled_by_the_block_path(tmp_path):
    """Records with a link are counted by the block path and their documents made from the
    block index: the numbers written here by hand, the same as the careful reader's, and
    every record settled (none left to the careful reader)."""
    from rabiskit.pipeline.digitisation import digitisation_inputs

    path = tmp_path / "linked.iso"
    path.write_bytes(b"".join(LINKED))
    args = ([Input(path)], default_plan(), Period.for_year(2026))
    careful = digitisation_inputs(*args, fast=False)
    block = digitisation_inputs(*args, min_fast_size=0, workers=1)
    assert json.dumps(block, sort_keys=True, default=_plain) == json.dumps(careful, sort_keys=True, default=_plain)
    assert block["summary"]["records_read"] == 5
    assert block["summary"]["catalogue_documents"] == 3
    assert block["summary"]["duplicates"] == 1
    assert (block["summary"]["in_period"], block["summary"]["outside_period"]) == (2, 1)
    assert [(d["id"], d["type"], d["pages"], d["date"]) for d in block["documents"]] == [
        ("d20260115", "book", 120, "2026-01-15"),
        ("d20260420", "journal_article", 3, "2026-04-20"),
        ("d20250301", "book", 40, "2025-03-01")]
    assert block["duplicates"][0]["id"] == "d20260501"
    assert block["duplicates"][0]["same_as"]["id"] == "d20260115"
    assert (block["types"]["book"]["documents"], block["types"]["book"]["pages"],
            block["types"]["book"]["kazakh_documents"]) == (1, 120, 1)
    assert block["types"]["journal_article"]["kazakh_documents"] == 0
    from rabiskit.pipeline.digitisation import DigitisationSink
    from rabiskit.digitisation.run import prepare
    from rabiskit.pipeline.run import read_inputs

    sink = DigitisationSink(prepare(default_plan(), Period.for_year(2026)))
    scan = read_inputs([Input(path)], default_plan(), sink, needs=sink.needs(), min_fast_size=0,
                       workers=1)
    scan_block = [f.block_settled for f in scan.files]
    assert scan_block == [5]


def _cli_json(*args: str) -> dict:
    p = subprocess.run([sys.executable, "-m", "rabiskit", "--lang", "en", *args],
                       capture_output=True, cwd=REPO)
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


def test_digitisation_and_report_through_worker_processes(tmp_path):
    """``--workers 2 --parallel-from 1`` (worker processes read the blocks) gives the
    digitisation JSON and the report JSON of the careful reader, with the fixtures'
    linked records (and the corpus's, where it is)."""
    from conftest import CORPUS

    folder = FIXTURES / "digitisation"
    files = sorted(folder.glob("*.iso")) + sorted(folder.glob("*.mrc"))
    big = tmp_path / "linked.iso"
    big.write_bytes(b"".join(LINKED) * 400 + b"".join(HAND) * 50)
    files += [big, FIXTURES / "unimarc-utf8.iso"]
    if CORPUS.is_dir():
        files += sorted(CORPUS.rglob("*.mrc"))[:6]
    names = [str(p) for p in files]
    careful = _cli_json("digitisation", *names, "--format", "json", "--parallel-from", "100000M")
    block = _cli_json("digitisation", *names, "--format", "json", "--workers", "2",
                      "--parallel-from", "1")
    assert block == careful
    assert block["summary"]["duplicates"] >= 400 * 2
    outs = {}
    for mode, opts in (("careful", ["--parallel-from", "100000M"]),
                       ("block", ["--workers", "2", "--parallel-from", "1"])):
        out = tmp_path / f"{mode}.json"
        p = subprocess.run([sys.executable, "-m", "rabiskit", "--lang", "en", "report", *names,
                            "-o", str(out), "--as-of", "2026-12-31", *opts],
                           capture_output=True, cwd=REPO)
        assert p.returncode == 0, p.stderr.decode()
        outs[mode] = json.loads(out.read_text(encoding="utf-8"))
    # equal as data (the order of a level's languages follows the order records come in)
    assert outs["block"] == outs["careful"]
    assert outs["block"]["digitisation"]["summary"]["duplicates"] >= 400 * 2


@pytest.mark.parametrize("as_of", [dt.date(2026, 4, 20), dt.date(2026, 1, 14)])
def test_report_as_of_a_past_day_block_path_equals_careful(tmp_path, as_of):
    """A report as of a past day lists the records entered after it (the first hundred):
    the block path (which gives those records whole) and the careful reader make the same
    report."""
    from rabiskit.report.run import make_report

    plan = own_rule_plan()
    path = tmp_path / "hand.iso"
    block = b"".join(HAND) * 3
    path.write_bytes(block)
    inputs = [Input(path), Input(FIXTURES / "unimarc-utf8.iso")]

    def data(**opts):
        report = make_report(inputs, plan, lang="en", today=as_of, **opts)
        return json.dumps(report.data, default=_plain, ensure_ascii=False, indent=1)

    careful = data(min_fast_size=1 << 40)
    assert careful == data(min_fast_size=0, workers=1)
    # of the hand-written records, entered after 20 April 2026: the article of 21 April and
    # the periodical of 1 July (2 a copy); after 14 January: also 15 January and 20 April
    # (4 a copy)
    after = {dt.date(2026, 4, 20): 2, dt.date(2026, 1, 14): 4}[as_of]
    listed = json.loads(careful)["after_as_of"]
    assert sum(1 for r in listed if r["file"].endswith("hand.iso")) == 3 * after
    assert len(listed) == 100  # and the fixture's, up to a hundred


def test_report_as_of_a_past_day_lists_the_first_hundred(tmp_path):
    """As of a past day, most of a catalogue can be dated after it: the report counts them
    all and lists the first AFTER_AS_OF_LISTED (100) in the order of the file, whichever
    block they are in, on the block path as on the careful reader; the warning and the
    problems table say how many more there are."""
    from rabiskit.report.messages import t
    from rabiskit.report.run import make_report

    early = [HAND[0], HAND[1], HAND[3]]  # 15 January, 20 April, 2025: none after 20 April
    # 15 copies of HAND (30 records after 20 April), then more than a block (2 MB) of early
    # records, then 100 copies (200 more): the first 100 are 30 of the first block and 70
    # of the second
    parts = HAND * 15 + early * 5000 + HAND * 100
    path = tmp_path / "late.iso"
    path.write_bytes(b"".join(parts))
    assert path.stat().st_size > (2 << 20) + 4096
    as_of = dt.date(2026, 4, 20)

    def report(**opts):
        return make_report([Input(path)], own_rule_plan(), lang="en", today=as_of, **opts)

    careful = report(min_fast_size=1 << 40)
    data = careful.data
    assert data["records"]["after_as_of"] == 230
    listed = [r["record"] for r in data["after_as_of"]]
    # records 3 and 6 of each copy of HAND (21 April, 1 July), numbered from 1
    first = [6 * k + i for k in range(15) for i in (3, 6)]
    later = [90 + 15000 + 6 * k + i for k in range(35) for i in (3, 6)]
    assert listed == first + later
    text = json.dumps(data, default=_plain, ensure_ascii=False)
    for opts in ({"min_fast_size": 0, "workers": 1}, {"min_fast_size": 0, "workers": 2}):
        assert json.dumps(report(**opts).data, default=_plain, ensure_ascii=False) == text, opts
    warning = next(w for w in data["warnings"] if "dated after" in w)
    assert warning.endswith(t("w_and_more_listed", "en", n=225, listed=100))
    problems = next(tb for tb in careful.tables if tb.key == "problems")
    assert t("n_after_as_of_more", "en", n=130, total=230) in problems.notes
    assert sum(1 for r in problems.rows if r.key.startswith("after_as_of:")) == 100
