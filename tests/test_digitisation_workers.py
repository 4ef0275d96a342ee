"""A report's digitised documents written where the blocks are read: the process reading a
block writes each linked record's document but its record number
(``rabiskit.digitisation.tally.settled_document``), the merge numbers the records and
finds the duplicates in record order, across blocks and files
(``DigitisationTally.add_settled``).  The documents, the duplicates and the figures are
the careful reader's, on hand-written bytes (the expected documents written here),
random records cut into small blocks, and through the command line with worker
processes."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO
from test_block_path import _plain, field_bytes, record
from rabiskit.digitisation.store import fields_json, fields_json_parts, with_record
from rabiskit.digitisation.tally import SettledDocument, linked_copies, settled_document
from rabiskit.facts.fast import facts_from_tuple, facts_tuple
from rabiskit.facts.scan import Input
from rabiskit.pipeline.run import read_inputs
from rabiskit.plan.load import default_plan, parse_plan
from rabiskit.report.run import ReportSink, report_digitisation

AS_OF = dt.date(2026, 12, 31)
NEWSPAPERS = FIXTURES / "digitisation" / "plan-newspapers.toml"


def newspapers_plan(date_order: str | None = None):
    """The fixtures' plan that lists newspapers; ``date_order`` in place of its own."""
    text = NEWSPAPERS.read_text(encoding="utf-8")
    if date_order is not None:
        lines = [f"date_order = {date_order}" if line.startswith("date_order") else line
                 for line in text.splitlines()]
        text = "\n".join(lines) + "\n"
    return parse_plan(text, "plan.toml")


PLANS = {"default": default_plan, "newspapers": newspapers_plan,
         "entered": lambda: newspapers_plan('["entered"]')}


def doc(n: int, date: str, links: list[str], kind: str = "nam0 ", lang: str = "kaz",
        changed: str | None = None, extra: list[tuple[str, bytes]] = ()) -> bytes:
    """A UNIMARC record numbered ``n`` (001 d<n>), entered on ``date``, linking ``links``."""
    fields = [("001", f"d{n}".encode() + b"\x1e")]
    if changed is not None:
        fields.append(("005", changed.encode() + b"\x1e"))
    fields += [("100", field_bytes(("a", f"{date}d2026    k  y0kaza50      ba"))),
               ("101", field_bytes(("a", lang), ind="0 ")),
               ("200", field_bytes(("a", f"Атау {n}"), ind="1 "))]
    fields += list(extra)
    if links:
        fields.append(("856", field_bytes(*[("u", v) for v in links], ind="4 ")))
    return record(kind, fields)


def extent(text: str) -> tuple[str, bytes]:
    return ("215", field_bytes(("a", text)))


def host(title: str, pages: str | None = None) -> tuple[str, bytes]:
    subfields = [("t", title)] + ([("v", pages)] if pages else [])
    return ("463", field_bytes(*subfields))


#: hand-written records: books, articles of a newspaper and of a journal, a serial, a
#: deleted record, duplicates of earlier records' files (by another path, case, a second
#: link), a record entered after the as-of date, one with a 005
HAND = [
    doc(1, "20260115", ["https://lib.kz/scan/a.pdf"], extra=[extent("120 б.")]),
    doc(2, "20260420", ["http://lib.kz/b.pdf"], kind="naa0 ", lang="rus",
        extra=[host("«Егемен Қазақстан».", "С. 3-5")]),
    doc(3, "20260421", ["http://lib.kz/c.pdf"], kind="naa0 ", extra=[host("Білім", "Б. 10")]),
    doc(4, "20260501", [r"C:\Scans\A.PDF"]),  # the first record's file: a duplicate
    doc(5, "20260502", []),  # no link: no document
    doc(6, "20250301", ["https://lib.kz/d.pdf"], extra=[extent("40 б.")]),
    doc(7, "20260601", ["https://lib.kz/serial.pdf"], kind="nas0 "),  # a serial: other
    doc(8, "20260602", ["https://lib.kz/gone.pdf"], kind="dam0 "),  # deleted: not counted
    doc(9, "20260603", ["https://lib.kz/e.pdf", "https://lib.kz/B.pdf"]),  # b.pdf again
    doc(10, "20260604", ["https://site.kz/view?id=12"], changed="20260710101516.0"),
    doc(11, "20260605", ["https://site.kz/view?id=12 "]),  # the same web page
    doc(12, "20260606", ["https://lib.kz/f.pdf"], changed="20251231235959.0"),
]


def report_dig(paths, plan, **opts) -> dict:
    """The digitisation of a report of ``paths`` (``read_inputs`` with ``opts``)."""
    dig = report_digitisation(plan, plan.year, None, AS_OF)
    sink = ReportSink(plan, today=AS_OF, digitisation=dig)
    scan = read_inputs([Input(p) for p in paths], plan, sink, needs=sink.needs(), **opts)
    return sink.result(scan).digitisation


def text(dig: dict) -> str:
    return json.dumps(dig, default=_plain, ensure_ascii=False, indent=2)


def careful_and_blocks(paths, plan, block_sizes=(400, 900, 3000, 1 << 20)):
    """The careful reader's digitisation and the block path's at each block size (in this
    process), which must be the same text."""
    careful = text(report_dig(paths, plan, fast=False))
    for size in block_sizes:
        assert text(report_dig(paths, plan, fast=True, workers=1, block_size=size)) == careful, size
    return json.loads(careful)


@pytest.mark.parametrize("plan_name", sorted(PLANS))
def test_hand_written_documents_and_duplicates(tmp_path, plan_name):
    one = tmp_path / "one.iso"
    one.write_bytes(b"".join(HAND[:6]))
    two = tmp_path / "two.iso"  # the rest, in a second file: duplicates across files
    two.write_bytes(b"".join(HAND[6:]) + HAND[0])
    plan = PLANS[plan_name]()
    dig = careful_and_blocks([one, two], plan)
    docs = {d["id"]: d for d in dig["documents"]}
    assert list(docs) == ["d1", "d2", "d3", "d6", "d7", "d10", "d12"]
    assert [(d["id"], d["same_as"]["id"], d["file"].rsplit("/", 1)[-1], d["record"])
            for d in dig["duplicates"]] == [
        ("d4", "d1", "one.iso", 4), ("d9", "d2", "two.iso", 3), ("d11", "d10", "two.iso", 5),
        ("d1", "d1", "two.iso", 7)]
    assert dig["duplicates"][1]["links"] == ["https://lib.kz/e.pdf", "https://lib.kz/B.pdf"]
    assert dig["summary"]["deleted_with_links"] == 1
    newspapers = plan_name != "default"
    assert docs["d2"]["type"] == ("newspaper_article" if newspapers else "journal_article")
    assert (docs["d2"]["pages"], docs["d2"]["pages_source"]) == (3, "page range")
    assert docs["d3"]["type"] == "journal_article" and docs["d3"]["pages"] == 1
    assert (docs["d1"]["type"], docs["d1"]["pages"], docs["d1"]["pages_source"]) == ("book", 120, "extent")
    assert docs["d7"]["type"] == "other" and docs["d7"]["pages"] is None
    assert (docs["d12"]["file"].rsplit("/", 1)[-1], docs["d12"]["record"]) == ("two.iso", 6)
    changed = plan_name != "entered"
    assert (docs["d10"]["date"], docs["d10"]["date_source"]) == (
        ("2026-07-10", "changed") if changed else ("2026-06-04", "entered"))
    assert (docs["d12"]["date"], docs["d12"]["in_period"]) == (
        ("2025-12-31", False) if changed else ("2026-06-06", True))
    assert docs["d6"]["in_period"] is False and docs["d1"]["in_period"] is True


@pytest.mark.parametrize("plan_name", sorted(PLANS))
def test_the_worker_writes_what_the_tally_writes(tmp_path, plan_name):
    """A tally given ``settled_document``'s tuples (``add_settled``) has the documents,
    duplicates and figures of one given the records' links (``add_links``), whatever the
    record numbers the merge gives them; a form of None (a PDF folder) leaves the links as
    they are, and so does a record that is no document of the catalogue's."""
    from rabiskit.facts.scan import Scan, scan_one, start_file

    plan = PLANS[plan_name]()
    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND))
    general, settled = (report_digitisation(plan, plan.year, None, AS_OF).tally for _ in "ab")
    form = settled.document_form()
    assert form is not None and form.period.end == AS_OF
    made = 0
    for src, facts in scan_one(Input(path), start_file(Input(path), Scan(), {})):
        links = [v.strip() for v in src.record.subfields("856", "u") if v.strip()]
        copies = linked_copies(links) if links else None
        got = settled_document(form, facts_tuple(facts), copies)
        assert settled_document(None, facts_tuple(facts), copies) is copies
        if copies is None or facts.is_deleted:
            assert got is copies
        else:
            assert got.__class__ is tuple and SettledDocument(*got).keys == copies.keys
            made += 1
        numbered = facts_from_tuple(facts_tuple(facts), 1000)  # as the merge numbers it
        general.add_links(copies or [], numbered, counted=True)
        settled.add_settled(got, numbered)
    assert made == 10
    assert text(settled.result()) == text(general.result())
    assert settled.result()["documents"][0]["record"] == 1001
    with pytest.raises(TypeError):
        with_record('{"record": ', True, "}")  # true is no record number
    head, tail = fields_json_parts("catalogue", "f.iso", 7, "x", "T", None, "book", "kaz", None,
                                   "", None, None, "", ("a",), (), None, (), False)
    assert with_record(head, 3, tail) == fields_json(
        "catalogue", "f.iso", 3, 7, "x", "T", None, "book", "kaz", None, "", None, None, "",
        ("a",), (), None, (), False)


def test_facts_from_tuple_is_the_dataclass():
    """``facts_from_tuple`` (slots set without __init__) makes the RecordFacts the dataclass
    makes of the same values, its record number moved on; a tuple of another length is an
    error, as it is to the dataclass."""
    from rabiskit.facts.model import RecordFacts

    facts = RecordFacts("f.iso", 7, 123, "x", "unimarc", "utf-8", "n", "a", "m", ("kaz",), True,
                        dt.date(2026, 1, 2), "100$a/0-7", None, "20260102", None, "T", (),
                        ("https://a/b.pdf",), "12 б.", 12, None, None)
    values = facts_tuple(facts)
    for shift in (0, 5):
        made = facts_from_tuple(values, shift)
        want = RecordFacts(*values[:1], values[1] + shift, *values[2:])
        assert made == want and hash(made) == hash(want) and repr(made) == repr(want)
        assert facts_tuple(made) == facts_tuple(want)
    with pytest.raises(AttributeError):
        made.record = 1  # type: ignore[misc]  # still frozen
    with pytest.raises(TypeError):
        facts_from_tuple(values[:-1])


# -- random records, small blocks ---------------------------------------------------------

LINKS = ["https://lib.kz/a.pdf", r"C:\Scans\A.PDF", "http://lib.kz/b.pdf", "file:///D:/s/c.pdf",
         "https://site.kz/view?id=1", "https://site.kz/", " ", "https://lib.kz/get.php?file=d.pdf"]


@st.composite
def linked_records(draw):
    n = draw(st.integers(1, 40))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(["nam0 ", "naa0 ", "nas0 ", "dam0 ", "nab0 "]))
        links = draw(st.lists(st.sampled_from(LINKS), max_size=2))
        date = draw(st.sampled_from(["20260115", "20260420", "20251231", "20270101", "20261231"]))
        changed = draw(st.sampled_from([None, "20260710101516.0", "20250102030405.0"]))
        extra = []
        if draw(st.booleans()):
            extra.append(host(draw(st.sampled_from(["Егемен Қазақстан", "Білім", ""])),
                              draw(st.sampled_from([None, "С. 3-5", "Б. 7"]))))
        if draw(st.booleans()):
            extra.append(extent(draw(st.sampled_from(["120 б.", "382, [2] с.", "бет жоқ"]))))
        out.append(doc(i + 1, date, links, kind=kind, lang=draw(st.sampled_from(["kaz", "rus"])),
                       changed=changed, extra=extra))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recs=linked_records(), cut=st.integers(0, 40), plan_name=st.sampled_from(sorted(PLANS)))
@example(recs=[HAND[0], HAND[3], HAND[0]], cut=1, plan_name="default")  # duplicates in 3 blocks
@example(recs=HAND, cut=6, plan_name="newspapers")
def test_random_records_across_blocks_and_files(tmp_path_factory, recs, cut, plan_name):
    folder = tmp_path_factory.mktemp("linked")
    one, two = folder / "one.iso", folder / "two.iso"
    one.write_bytes(b"".join(recs[:cut]) or recs[0])
    two.write_bytes(b"".join(recs[cut:]) or recs[-1])
    careful_and_blocks([one, two], PLANS[plan_name](), block_sizes=(300, 2000))


# -- through the command line, with worker processes and small blocks ---------------------

#: the program with blocks of this many bytes (the pipeline reads ``BLOCK_SIZE`` at each run)
SMALL_BLOCKS = ("import sys, rabiskit.pipeline.sizes as s; s.BLOCK_SIZE = int(sys.argv.pop(1)); "
                "from rabiskit.cli.main import main; main()")


def _run(*args: str, block_size: int = 4000) -> bytes:
    p = subprocess.run([sys.executable, "-c", SMALL_BLOCKS, str(block_size), "--lang", "en", *args],
                       capture_output=True, cwd=REPO)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout


def test_report_through_worker_processes_with_small_blocks(tmp_path):
    """``--workers 2 --parallel-from 0`` with blocks of 4,000 bytes (many blocks, read by
    the worker and by the run's own process, merged in order): the report's digitisation
    is the careful reader's, text for text, and the rest of the report the same data; the
    spreadsheet's cells the same."""
    import openpyxl

    big = tmp_path / "linked.iso"
    big.write_bytes(b"".join(HAND) * 40)
    again = tmp_path / "again.iso"  # the same files linked again: duplicates across files
    again.write_bytes(b"".join(reversed(HAND)) * 3)
    files = [str(big), str(FIXTURES / "digitisation" / "unimarc-utf8.iso"), str(again)]
    outs, cells = {}, {}
    for mode, opts in (("careful", ["--parallel-from", "100000M"]),
                       ("pool", ["--workers", "2", "--parallel-from", "0"])):
        js, xl = tmp_path / f"{mode}.json", tmp_path / f"{mode}.xlsx"
        _run("report", *files, "-o", str(js), "-o", str(xl), "--as-of", "2026-12-31",
             "--plan", str(NEWSPAPERS), *opts)
        outs[mode] = json.loads(js.read_text(encoding="utf-8"))
        book = openpyxl.load_workbook(xl)
        cells[mode] = [(ws.title, c.coordinate, c.value) for ws in book.worksheets
                       for row in ws.iter_rows() for c in row if c.value is not None]
    careful, pool = outs["careful"], outs["pool"]
    assert json.dumps(pool["digitisation"], ensure_ascii=False) == json.dumps(
        careful["digitisation"], ensure_ascii=False)
    assert pool == careful and cells["pool"] == cells["careful"]
    summary = pool["digitisation"]["summary"]
    # HAND's ten linked records not deleted: seven documents and three duplicates, then
    # every one a duplicate in its 39 copies and in the other file's three
    assert summary["catalogue_documents"] >= 7 and summary["duplicates"] >= 3 + 39 * 10 + 3 * 10


def test_digitisation_through_worker_processes_with_small_blocks(tmp_path):
    """The same of ``rabiskit digitisation``, its JSON byte for byte."""
    big = tmp_path / "linked.iso"
    big.write_bytes(b"".join(HAND) * 30)
    again = tmp_path / "again.iso"
    again.write_bytes(b"".join(reversed(HAND)))
    args = ["digitisation", str(big), str(again), "--format", "json", "--plan", str(NEWSPAPERS)]
    careful = _run(*args, "--parallel-from", "100000M")
    pool = _run(*args, "--workers", "2", "--parallel-from", "0", block_size=3000)
    assert pool == careful
    assert json.loads(pool)["summary"]["catalogue_documents"] == 7
