"""The facts of the records the block path settles, made from the block index's columns
(``rabiskit.facts.batches.settled_facts``, used for digitisation's and a report's linked
records), are the careful reader's ``extract_facts``, and the link subfield's values are
``Record.subfields``: on hand-written bytes (the expected facts written here), the
fixtures, the corpus and random records."""

from __future__ import annotations

import datetime as dt
import io
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, require_corpus
from test_block_path import (LINKED, HAND, PLANS, corpus_iso_files, field_bytes, own_rule_plan,
                             record)
from rabiskit.facts.batches import settled_facts
from rabiskit.facts.blocks import index_block
from rabiskit.facts.columns import dates_entered, languages
from rabiskit.facts.fast import careful_entry, linked_entries, facts_from_tuple
from rabiskit.facts.levels import levels
from rabiskit.facts.model import RecordFacts
from rabiskit.plan.load import default_plan
from rabiskit.records.record import NOT_BIBLIOGRAPHIC_TYPES
from rabiskit.sources.iso2709 import Iso2709Reader

ASKED = [("856", "u"), ("463", "v"), ("215", "a"), ("001", "a"), ("200", "a")]


def both_ways(buf: bytes, rules, values: tuple[str, str]):
    """(block facts, block values, careful facts, careful values) of the records of ``buf``
    the block path settles (clean, dated, languages settled)."""
    ix = index_block(buf, encoding=None, flavour=None)
    if ix is None:
        return [], [], [], [], 0
    clean = ix.clean
    bib = clean & ~np.isin(ix.lead[:, 6], np.frombuffer(NOT_BIBLIOGRAPHIC_TYPES.encode(), np.uint8))
    dates = dates_entered(ix, clean)
    langs = languages(ix, clean)
    ok = clean & dates.settled() & langs.settled()
    lv = levels(ix, rules, bib & ok, None)
    which = np.flatnonzero(ok)
    level_of = [lv.values[c][0] if c >= 0 else None for c in lv.codes[which].tolist()]
    facts, got = settled_facts(ix, which, dates=dates, langs=langs, level_of=level_of,
                               display="t.iso", base_offset=1000, encoding=None, values=values)
    facts = [RecordFacts(*t) for t in facts]
    reader = Iso2709Reader("t.iso", display="t.iso", fileobj=io.BytesIO(b""))
    careful, want = [], []
    for i in which.tolist():
        a, b = int(ix.starts[i]), int(ix.ends[i]) + 1
        src = reader.parse(buf[a:b], 1000 + a, i + 1)
        careful.append(careful_entry(src, rules, None)[1])
        want.append(src.record.subfields(*values))
    return facts, got, careful, want, int(which.size)


def assert_agree(buf: bytes, rules, min_settled: int = 0) -> int:
    settled = 0
    for values in ASKED:
        facts, got, careful, want, settled = both_ways(buf, rules, values)
        assert facts == careful
        assert got == want
    assert settled >= min_settled
    return settled


# -- hand-written records, their facts written here ----------------------------------------

def test_hand_written_linked_records():
    article = record("naa0 ", [
        ("001", b" art-1 \x1e"),
        ("005", b"20260420101516.0\x1e"),
        ("100", field_bytes(("a", "20260420d2026    k  y0kaza50      ba"))),
        ("101", field_bytes(("a", "kaz"), ("a", "rus"), ind="0 ")),
        ("200", field_bytes(("a", " Мақала атауы / "), ind="1 ")),
        ("463", field_bytes(("t", "«Егемен Қазақстан»."), ("v", "Б. 3-5"))),
        ("856", field_bytes(("u", " https://lib.kz/a.pdf "), ("u", ""), ind="4 ")),
        ("856", field_bytes(("u", "http://lib.kz/b.pdf"), ind="4 ")),
    ])
    book = record("nam0 ", [
        ("001", b"book-2\x1e"),
        ("100", field_bytes(("a", "20251231d2025    k  y0kaza50      ba"))),
        ("101", field_bytes(("a", "rus"), ind="0 ")),
        ("200", field_bytes(("a", "Кітап :"), ind="1 ")),
        ("010", field_bytes(("a", " 978-601-0000-00-1 "), ("a", "  "))),
        ("215", field_bytes(("a", "382, [2] с."))),
        ("461", field_bytes(("t", "Серия"))),
        ("463", field_bytes(("t", ""))),  # an empty 463$t: the host is 461$t
    ])
    buf = article + book
    facts, got, careful, want, n = both_ways(buf, default_plan().rules_in_force(), ("856", "u"))
    assert n == 2 and facts == careful and got == want
    a, b = facts
    assert (a.record, a.offset, b.record, b.offset) == (1, 1000, 2, 1000 + len(article))
    assert a.control_number == "art-1" and b.control_number == "book-2"
    assert a.date_entered == dt.date(2026, 4, 20) and a.date_entered_source == "100$a/0-7"
    assert a.date_entered_raw == "20260420" and b.date_entered == dt.date(2025, 12, 31)
    assert a.date_changed == dt.datetime(2026, 4, 20, 10, 15, 16) and b.date_changed is None
    assert a.languages == ("kaz", "rus") and a.languages_coded and b.languages == ("rus",)
    assert a.title == "Мақала атауы" and b.title == "Кітап"
    assert a.host_title == "«Егемен Қазақстан»" and b.host_title == "Серия"
    assert a.article_pages == 3 and b.article_pages is None
    assert a.extent is None and a.pages is None
    assert b.extent == "382, [2] с." and b.pages == 384
    assert a.isbn == () and b.isbn == ("978-601-0000-00-1",)
    assert a.links == ("https://lib.kz/a.pdf", "http://lib.kz/b.pdf") and b.links == ()
    assert got == [[" https://lib.kz/a.pdf ", "", "http://lib.kz/b.pdf"], []]
    assert (a.bibliographic_level, b.bibliographic_level) == ("a", "m")
    assert (a.level, b.level) == ("article", "book")
    assert (a.flavour, a.encoding, a.record_status, a.record_type) == ("unimarc", "utf-8", "n", "a")


def test_linked_entries_settle_from_the_columns():
    """``linked_entries`` with a ``ValuesExtract`` gives every linked record's facts and
    links from the columns, the same as the careful reader's (and as the decoding path's,
    with a plain extract)."""
    from rabiskit.pipeline.digitisation import LinksExtract, links_extract
    import functools

    buf = b"".join(LINKED) * 3
    rules = tuple(default_plan().rules_in_force())
    ix = index_block(buf, encoding=None, flavour=None)
    sel = ix.clean & (ix.count_of("856") > 0)
    lv = levels(ix, rules, ix.clean, None)
    langs = languages(ix, ix.clean)
    opts = dict(display="l.iso", encoding=None, tags=frozenset(("856",)) | _FACT_TAGS)
    new = linked_entries(buf, 0, ix, sel, lv, langs, extract=LinksExtract(("856", "u")), **opts)
    old = linked_entries(buf, 0, ix, sel, lv, langs,
                         extract=functools.partial(links_extract, "856", "u"), **opts)
    assert new == old
    assert [n for n, _, _ in new] == [1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15]
    first = facts_from_tuple(new[0][1])
    assert first.control_number == "d20260115" and first.pages == 120
    assert new[0][2].links == ("https://lib.kz/scan/a.pdf",) and new[0][2].keys == ("a.pdf",)
    assert new[2][2].names == ("A.PDF",) and new[2][2].keys == ("a.pdf",)


from rabiskit.facts.fast import FACT_TAGS as _FACT_TAGS  # noqa: E402


# -- fixtures, the corpus ------------------------------------------------------------------

@pytest.mark.parametrize("plan_name", sorted(PLANS))
def test_fixtures(plan_name):
    rules = tuple(PLANS[plan_name]().rules_in_force())
    files = sorted(FIXTURES.glob("*.iso")) + sorted(FIXTURES.glob("*.mrc"))
    files += sorted((FIXTURES / "digitisation").glob("*.iso")) + sorted((FIXTURES / "digitisation").glob("*.mrc"))
    settled = sum(assert_agree(p.read_bytes(), rules) for p in files)
    settled += assert_agree(b"".join(LINKED + HAND), rules, min_settled=8)
    assert settled > 50


def test_corpus():
    corpus = require_corpus()
    rules = tuple(own_rule_plan().rules_in_force())
    settled = checked = 0
    for path in corpus_iso_files(corpus):
        settled += assert_agree(path.read_bytes(), rules)
        checked += 1
    assert checked > 150 and settled > 1000


# -- random records -------------------------------------------------------------------------

TEXTS = st.sampled_from(["", " ", "Атау", " Атау / ", "Title :", "382, [2] с.", "Б. 3-4",
                         "С. 260-261", "p. 12-15", "xii, 256 p.", "https://lib.kz/a%20b.pdf?x=1",
                         r"C:\Scans\Б.PDF", " 978-5 ", "«Газет».", "…", "\u00a0x\u00a0", "ǅ"])
TAGS = st.sampled_from(["001", "005", "010", "020", "200", "215", "245", "300", "461", "463",
                        "773", "856", "008"])
CODES = st.sampled_from(["a", "t", "v", "g", "u", "A"])


@st.composite
def linked_records(draw):
    fields = [("100", field_bytes(("a", draw(st.sampled_from(["20260115d2026    k  y0kaza50      ba",
                                                             "20251231", "19991231x"])))))]
    fields.append(("101", field_bytes(("a", draw(st.sampled_from(["kaz", "rus", "kazrus"]))), ind="0 ")))
    for _ in range(draw(st.integers(0, 6))):
        tag = draw(TAGS)
        if tag in ("001", "005", "008") and draw(st.booleans()):
            body = draw(st.sampled_from(["20260420101516.0", " x1 ", "", "2026", "20261340101516"]))
            fields.append((tag, body.encode("utf-8") + b"\x1e"))
        else:
            subs = [(draw(CODES), draw(TEXTS)) for _ in range(draw(st.integers(0, 3)))]
            fields.append((tag, field_bytes(*subs)))
    if draw(st.booleans()):
        fields.sort(key=lambda f: f[0])
    return record(draw(st.sampled_from(["nam0 ", "naa0 ", "nas0 ", "cab0 "])), fields)


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(recs=st.lists(linked_records(), min_size=1, max_size=8), plan_name=st.sampled_from(sorted(PLANS)))
@example(recs=[record("naa0 ", [("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
                                ("215", field_bytes(("a", "Б. 3-4")))])], plan_name="default")
@example(recs=[record("nam0 ", [("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
                                ("856", field_bytes(("u", " "), ("u", "x.pdf"))),
                                ("005", b"20261340101516\x1e")])], plan_name="own-rule")
def test_random_records(recs, plan_name):
    rules = tuple(PLANS[plan_name]().rules_in_force())
    assert_agree(b"".join(recs), rules)


def test_report_extract_of_values_is_its_links():
    """A report's extract of a settled record's link values gives the links its extract
    of the record read whole gives (the cataloguer is the block path's groups')."""
    from rabiskit.report.run import ReportExtract

    extract = ReportExtract(("907", "b"), ("856", "u"))
    reader = Iso2709Reader("l.iso", display="l.iso", fileobj=io.BytesIO(b""))
    linked = 0
    for raw in LINKED:
        src = reader.parse(raw, 0, 1)
        facts = careful_entry(src, default_plan().rules_in_force(), None)[1]
        name, whole = extract(src, facts)
        none, part = extract.of_values(src.record.subfields("856", "u"))
        assert none is None and part == whole
        linked += whole is not None
    assert linked == 4
    assert ReportExtract(("907", "b"), None).of_values([]) == (None, None)


@st.composite
def marc21_linked_records(draw):
    """MARC 21 records (008 with a date entered and a language) with the fields the facts
    read of them, and UNIMARC's too (which MARC 21 records do not read)."""
    f008 = draw(st.sampled_from(["260115s2026    xx            000 0 kaz d",
                                 "991231s1999    xx            000 0 rus d"]))
    fields = [("008", f008.encode("ascii") + b"\x1e")]
    for _ in range(draw(st.integers(0, 6))):
        tag = draw(TAGS)
        if tag in ("001", "005", "008"):
            continue
        subs = [(draw(CODES), draw(TEXTS)) for _ in range(draw(st.integers(0, 3)))]
        fields.append((tag, field_bytes(*subs, ind="10")))
    fields.sort(key=lambda f: f[0])
    return record(draw(st.sampled_from(["nam a", "naa a", "nas a"])), fields)


# blocks of MARC 21 records alone and of both flavours: each record's facts read in its
# own flavour's fields (settled_facts looks at one flavour's fields when the block holds
# records of one flavour only)
@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(recs=st.lists(st.one_of(marc21_linked_records(), linked_records()), min_size=1, max_size=8))
@example(recs=[record("naa a", [("008", b"260115s2026    xx            000 0 kaz d\x1e"),
                                ("020", field_bytes(("a", " 978-5 "), ("a", " "), ind="10")),
                                ("245", field_bytes(("a", " Атау / "), ind="10")),
                                ("773", field_bytes(("t", "«Газет»."), ("g", "С. 260-261"), ind="10")),
                                ("856", field_bytes(("u", "https://lib.kz/a%20b.pdf?x=1"), ind="40"))])])
@example(recs=[record("naa a", [("008", b"260115s2026    xx            000 0 kaz d\x1e"),
                                ("010", field_bytes(("a", "978-5"), ind="10")),
                                ("300", field_bytes(("a", "382, [2] с."), ind="10"))]),
               record("naa0 ", [("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
                                ("010", field_bytes(("a", " 978-5 "))),
                                ("020", field_bytes(("a", "x"))),
                                ("215", field_bytes(("a", "Б. 3-4"))),
                                ("461", field_bytes(("t", "Атау"))),
                                ("773", field_bytes(("t", "Title :")))])])
def test_random_records_of_both_flavours(recs):
    assert_agree(b"".join(recs), tuple(default_plan().rules_in_force()))


def test_marc21_record_settled_facts_hand_written():
    """A MARC 21 article settled from the columns: its facts written here by hand."""
    buf = record("naa a", [("001", b"m1\x1e"), ("008", b"260115s2026    xx            000 0 kaz d\x1e"),
                           ("020", field_bytes(("a", " 978-5 "), ("a", " "), ind="  ")),
                           ("245", field_bytes(("a", " Атау / "), ind="10")),
                           ("300", field_bytes(("a", "12 p."), ind="  ")),
                           ("773", field_bytes(("t", "«Газет»."), ("g", "p. 12-15"), ind="0 ")),
                           ("856", field_bytes(("u", " https://lib.kz/a.pdf "), ind="40"))])
    facts, got, careful, want, settled = both_ways(buf, tuple(default_plan().rules_in_force()),
                                                   ("856", "u"))
    assert settled == 1 and facts == careful
    f = facts[0]
    assert (f.flavour, f.title, f.isbn, f.extent, f.host_title, f.article_pages, f.links) == (
        "marc21", "Атау", ("978-5",), "12 p.", "«Газет»", 4, ("https://lib.kz/a.pdf",))
    assert f.date_entered == dt.date(2026, 1, 15) and f.languages == ("kaz",)
    assert got == [[" https://lib.kz/a.pdf "]]
