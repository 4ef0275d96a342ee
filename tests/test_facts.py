"""Per-record facts: dates, languages, extents, page ranges, hosts."""

from __future__ import annotations

import datetime as dt

import pytest

from rabiskit.facts.extract import extract_facts
from rabiskit.facts.parse import (article_pages, pages_from_extent, parse_005, parse_yymmdd,
                                  parse_yyyymmdd, split_language_codes)
from rabiskit.records import Field, Record, SourceRecord


@pytest.mark.parametrize("text,pages", [
    ("382, [2] с.", 384), ("256 б.", 256), ("256 p.", 256), ("xii, 256 p.", 256),
    ("48 с.: ил.", 48), ("1 электрон. опт. диск (CD-ROM)", None), ("", None), (None, None),
    ("[16] б.", 16), ("320 с. : портр.", 320), ("24 см", None), ("2 т.", None),
])
def test_pages_from_extent(text, pages):
    assert pages_from_extent(text) == pages


@pytest.mark.parametrize("text,pages", [
    ("Б. 3-4", 2), ("С. 260-261", 2), ("P. 5", 1), ("Vol. 5, no. 3 (2020), p. 12-15", 4),
    ("2026. - № 12. - С. 12-13", 2), ("S. 7–9", 3), ("б. 5", 1), ("no page", None), (None, None),
    ("С. 261-260", None),
])
def test_article_pages(text, pages):
    assert article_pages(text) == pages


def test_dates():
    assert parse_yyyymmdd("20260331d2025") == (dt.date(2026, 3, 31), None)
    assert parse_yyyymmdd("20280229") == (dt.date(2028, 2, 29), None)
    assert parse_yyyymmdd("20270229")[0] is None
    assert parse_yyyymmdd("20261345")[1] == "invalid date '20261345'"
    assert parse_yyyymmdd("        ")[1] == "missing"
    assert parse_yymmdd("991231s") == (dt.date(1999, 12, 31), None)
    assert parse_yymmdd("260115") == (dt.date(2026, 1, 15), None)
    assert parse_yymmdd("600101")[0] == dt.date(1960, 1, 1)
    assert parse_yymmdd("591231")[0] == dt.date(2059, 12, 31)
    assert parse_005("20260120101500.0") == dt.datetime(2026, 1, 20, 10, 15)
    assert parse_005("2026") is None


def test_language_codes():
    assert split_language_codes("kaz") == ["kaz"]
    assert split_language_codes("kazrus") == ["kaz", "rus"]
    assert split_language_codes("   ") == []
    assert split_language_codes("|||") == []


def src(record: Record, flavour: str) -> SourceRecord:
    return SourceRecord("f.iso", 7, 700, 0, record, flavour, "utf-8")


def test_unimarc_article_facts():
    rec = Record("00000naa a2200000 i 4500", [
        Field("001", data="KZ0000007"),
        Field("005", data="20260402093000.0"),
        Field("100", subfields=[("a", "20260331d2026    k  y0kazy50      ca")]),
        Field("101", ind1="0", subfields=[("a", "kaz"), ("a", "rus")]),
        Field("200", ind1="1", subfields=[("a", "Сәтбаев қаласының тарихы :"), ("e", "мақала")]),
        Field("463", ind2="1", subfields=[("t", "«Жезқазған байрағы»"), ("v", "Б. 3-4")]),
        Field("856", ind1="4", subfields=[("u", "https://rabis.example.kz/scan/a.pdf")]),
    ])
    f = extract_facts(src(rec, "unimarc"), "article")
    assert f.control_number == "KZ0000007" and f.level == "article"
    assert f.languages == ("kaz", "rus") and f.language == "kaz" and f.languages_coded
    assert f.date_entered == dt.date(2026, 3, 31) and f.date_entered_source == "100$a/0-7"
    assert f.date_changed == dt.datetime(2026, 4, 2, 9, 30)
    assert f.title == "Сәтбаев қаласының тарихы"
    assert f.host_title == "«Жезқазған байрағы»" and f.article_pages == 2
    assert f.links == ("https://rabis.example.kz/scan/a.pdf",)
    assert f.bibliographic_level == "a" and f.record_type == "a"


def test_unimarc_date_falls_back_to_801_and_reports_missing():
    rec = Record("00000nam a2200000 i 4500", [
        Field("801", ind2="0", subfields=[("a", "KZ"), ("c", "20260105")]),
    ])
    f = extract_facts(src(rec, "unimarc"))
    assert f.date_entered == dt.date(2026, 1, 5) and f.date_entered_source == "801$c"
    assert f.languages == ("und",) and not f.languages_coded
    g = extract_facts(src(Record("00000nam a2200000 i 4500", []), "unimarc"))
    assert g.date_entered is None and g.date_entered_problem.startswith("missing")
    bad = Record("00000nam a2200000 i 4500", [Field("100", subfields=[("a", "20261345d")])])
    h = extract_facts(src(bad, "unimarc"))
    assert h.date_entered is None and "invalid" in h.date_entered_problem


def test_marc21_facts():
    rec = Record("00000nab a2200000 a 4500", [
        Field("001", data="ocm1"),
        Field("008", data="991231s1999    ru            000 0 rus d"),
        Field("041", ind1="0", subfields=[("a", "rus"), ("a", "kaz")]),
        Field("245", ind1="1", ind2="0", subfields=[("a", "Степь и город /"), ("c", "И. Иванов.")]),
        Field("300", subfields=[("a", "256 p.")]),
        Field("773", ind1="0", subfields=[("t", "Простор"), ("g", "2026. - № 1. - С. 12-15")]),
        Field("020", subfields=[("a", "9786010000000 (пер.)")]),
    ])
    f = extract_facts(src(rec, "marc21"))
    assert f.date_entered == dt.date(1999, 12, 31) and f.date_entered_source == "008/00-05"
    assert f.languages == ("rus", "kaz")
    assert f.title == "Степь и город" and f.pages == 256
    assert f.host_title == "Простор" and f.article_pages == 4
    assert f.isbn == ("9786010000000 (пер.)",)
