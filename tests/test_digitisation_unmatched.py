"""A digitisation tally with no PDF folder writes each linked record's document from its
fields (``DigitisationTally._add_unmatched``: no ``Document`` made); with a PDF folder it
goes the way of ``Document`` and PDF matching.  A folder with no PDF in it matches
nothing, so both ways must give the same documents, duplicates and figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rabiskit.aggregate.period import Period
from rabiskit.digitisation.pdfs import PdfIndex
from rabiskit.digitisation.store import DocumentStore
from rabiskit.digitisation.tally import DigitisationTally, linked_copies
from rabiskit.facts.model import RecordFacts
from rabiskit.plan.load import default_plan

BASE = RecordFacts(
    file="a.iso", record=1, offset=0, control_number="KZ1", flavour="unimarc",
    encoding="utf-8", record_status="n", record_type="a", bibliographic_level="m",
    languages=("kaz",), languages_coded=True, date_entered=dt.date(2026, 2, 3),
    date_entered_source="100$a/0-7", date_entered_problem=None, date_entered_raw="20260203",
    date_changed=None, title="Атау", isbn=(), links=(), extent="12 б.", pages=12,
    article_pages=None, host_title=None)

LINKS = st.sampled_from(["https://lib.kz/e/1.pdf", "https://lib.kz/e/2.pdf", "C:\\Scans\\1.PDF",
                         "https://lib.kz/view?id=3", "https://lib.kz/", "x"])
FACTS = st.builds(
    lambda n, level, rtype, status, lang, entered, changed, pages, art, host, title, cn, line: dataclasses.replace(
        BASE, record=n, offset=n * 400, bibliographic_level=level, record_type=rtype,
        record_status=status, languages=(lang,), date_entered=entered, date_changed=changed,
        pages=pages, article_pages=art, host_title=host, title=title, control_number=cn,
        line=line),
    st.integers(1, 10**6), st.sampled_from("mabsi "), st.sampled_from("amz"),
    st.sampled_from("ncd"), st.sampled_from(["kaz", "rus", "und"]),
    st.one_of(st.none(), st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1))),
    st.one_of(st.none(), st.datetimes(dt.datetime(2025, 6, 1), dt.datetime(2027, 6, 1))),
    st.one_of(st.none(), st.integers(0, 900)), st.one_of(st.none(), st.integers(1, 30)),
    st.one_of(st.none(), st.sampled_from(["Егемен Қазақстан", "Журнал", '"қ"\n'])),
    st.one_of(st.none(), st.sampled_from(["Атау", 'A "b" \\ c', "\u2028"])),
    st.one_of(st.none(), st.just("KZ9")), st.one_of(st.none(), st.integers(1, 99)))


def _tally(pdf_index, order):
    plan = default_plan()
    plan = dataclasses.replace(plan, date_order=list(order), newspapers=["Егемен Қазақстан"])
    return DigitisationTally(plan, Period.for_quarter(2026, 1), pdf_index=pdf_index)


def _feed(tally, records):
    for facts, links in records:
        tally.add_links(linked_copies(links) if links else [], facts)
    out = tally.result()
    return {k: out[k] for k in ("documents", "duplicates", "types", "total", "undated",
                                "no_pages", "quarters")}


@settings(max_examples=80, deadline=None)
@given(records=st.lists(st.tuples(FACTS, st.lists(LINKS, max_size=3)), max_size=12),
       order=st.permutations(["pdf", "changed", "entered"]))
@example(records=[(BASE, ["https://lib.kz/e/1.pdf"]), (BASE, ["C:\\Scans\\1.PDF"])],
         order=["pdf", "changed", "entered"])
def test_without_a_pdf_folder_as_with_an_empty_one(tmp_path_factory, records, order):
    folder = tmp_path_factory.mktemp("pdfs")
    quick = _feed(_tally(None, order), records)
    general = _feed(_tally(PdfIndex(folder), order), records)
    assert json.dumps(quick, default=str) == json.dumps(general, default=str)


def test_hand_written_document_and_duplicate():
    """Two records linking the same file: the first is the document (its JSON written
    here by hand), the second a duplicate."""
    tally = _tally(None, ["pdf", "changed", "entered"])
    first = dataclasses.replace(BASE, date_changed=dt.datetime(2026, 3, 4, 10, 0))
    second = dataclasses.replace(BASE, record=2, offset=400, control_number="KZ2")
    tally.add_links(linked_copies(["https://lib.kz/e/1.pdf"]), first)
    tally.add_links(linked_copies(["C:\\Scans\\1.PDF"]), second)
    out = tally.result()
    assert list(out["documents"]) == [{
        "source": "catalogue", "file": "a.iso", "record": 1, "offset": 0, "id": "KZ1",
        "title": "Атау", "type": "book", "language": "kaz", "pages": 12,
        "pages_source": "extent", "catalogue_pages": 12, "date": "2026-03-04",
        "date_source": "changed", "links": ["https://lib.kz/e/1.pdf"], "pdfs": [],
        "host_title": None, "in_period": True}]
    assert [(d["record"], d["same_as"]["record"]) for d in out["duplicates"]] == [(2, 1)]


def test_store_holds_documents_then_writes_them_together():
    """More documents than the store holds before writing, read back in between."""
    store = DocumentStore(spool_bytes=1000)  # on disk soon
    texts = [json.dumps({"n": i, "t": "қ" * (i % 7)}, ensure_ascii=False) for i in range(700)]
    for i, t in enumerate(texts):
        assert store.append_text(t) == i
        if i in (0, 255, 256, 300):
            assert store.text(i) == t and store.get(0) == {"n": 0, "t": ""}
    assert len(store) == 700
    assert list(store.texts(0, 700, chunk=500)) == texts
    assert list(store.texts(250, 260)) == texts[250:260]
    store.close()
