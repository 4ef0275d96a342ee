"""IRBIS-64 plain-text exports: the hand-written files of fixtures/irbis (their truth, counted
by hand, is in fixtures/irbis/README.md), read by the reader and by every command."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import FIXTURES, run_cli

from rabiskit.sources import open_source, sniff_format
from rabiskit.sources.irbis_text import IrbisTextReader

IRBIS = FIXTURES / "irbis"
UTF8 = IRBIS / "irbis-utf8.txt"
CP1251 = IRBIS / "irbis-cp1251.txt"
DAMAGED = IRBIS / "irbis-damaged.txt"


cli = run_cli


def read(path):
    reader = open_source(path)
    return reader, list(reader)


def test_recognised_by_content():
    assert sniff_format(UTF8) == "irbis_text"  # BOM, CRLF
    assert sniff_format(CP1251) == "irbis_text"
    assert sniff_format(DAMAGED) == "irbis_text"
    assert sniff_format(FIXTURES / "not-marc.txt") == "text"  # plain text: not IRBIS, not MARC
    assert sniff_format(FIXTURES / "unimarc-utf8.iso") == "iso2709"
    assert isinstance(open_source(UTF8), IrbisTextReader)


def test_utf8_bom_crlf_records_fields_lines_offsets():
    reader, recs = read(UTF8)
    data = UTF8.read_bytes()
    assert len(recs) == 9 and not reader.problems
    assert {r.flavour for r in recs} == {"irbis"} and {r.encoding for r in recs} == {"utf-8"}
    first, second = recs[0], recs[1]
    assert first.offset == 3 and first.line == 1  # after the byte-order mark
    # the second record starts on line 9 (7 fields and ***** before it), at that line's byte
    assert second.line == 9 and data[:second.offset].count(b"\n") == 8
    assert data[second.offset:].startswith(b"#920: ASP\r\n")
    f200 = first.record.get_field("200")
    assert f200.subfields == [("a", "Ұлытау шежіресі"), ("f", "Қ. Сәтбаев")]
    assert first.record.get_field("101").data == "kaz"
    assert first.record.get_field("920").data == "PAZK"
    assert all("\r" not in (f.data or f.text()) for r in recs for f in r.record.fields)
    # ^c / ^a / ^b written in lower case are the same subfields
    third = recs[2].record
    assert [f.get("b") for f in third.get_fields("907")] == ["AsanovaGK", "СериковаА"]
    # leader: IRBIS's (nam), record type from 900 ^T, level from the worksheet
    assert recs[1].record.leader[6:8] == "aa" and recs[4].record.leader[6:8] == "lm"
    assert recs[3].record.leader[7] == "s"


def test_cp1251_file():
    reader, recs = read(CP1251)
    assert len(recs) == 4 and not reader.problems
    assert {r.encoding for r in recs} == {"cp1251"}
    assert recs[2].record.subfield("200", "a") == "Кітап бізбен бірге"
    assert recs[1].record.subfield("463", "c") == "Индустриальная Караганда"


def test_damaged_file_every_problem_with_line_and_offset():
    reader, recs = read(DAMAGED)
    data = DAMAGED.read_bytes()
    assert len(recs) == 3 and all(r.damaged for r in recs)
    probs = sorted(reader.problems, key=lambda p: p.offset)
    assert [(p.record, p.line, p.kind) for p in probs] == [
        (1, 4, "irbis_line"), (None, 7, "irbis_empty"), (2, 10, "encoding"), (3, 18, "truncated")]
    assert [p.offset for p in probs] == [57, 129, 162, 354]  # counted by hand (README)
    assert data[57:].startswith("Бұл жол өріс емес".encode("utf-8"))
    assert data[129:135] == b"*****\n"
    assert data[162:].startswith("^AЗаписки краеведа".encode("cp1251"))
    assert data[354:].startswith(b"#907:")
    # the rest of each record is read
    assert recs[0].record.subfield("907", "b") == "AsanovaGK"
    assert recs[1].record.subfield("200", "a") == "Записки краеведа"  # read as Windows-1251
    assert recs[1].record.subfield("610", "a") == "Сәтбаев"  # the UTF-8 line stays UTF-8
    assert recs[2].record.subfield("463", "c") == "Ұлытау өңірі"


def test_one_record_per_encoding_in_one_file(tmp_path):
    p = tmp_path / "mixed.txt"
    p.write_bytes("#920: PAZK\n#200: ^AОрыс кітабы\n#907: ^A20260101\n*****\n".encode("cp1251")
                  + "#920: PAZK\n#200: ^AҚазақ кітабы\n#907: ^A20260102\n*****\n".encode("utf-8"))
    reader, recs = read(p)
    assert [r.encoding for r in recs] == ["cp1251", "utf-8"] and not reader.problems
    assert [r.record.subfield("200", "a") for r in recs] == ["Орыс кітабы", "Қазақ кітабы"]


def test_gzip_and_garbage_lines(tmp_path):
    p = tmp_path / "export.txt.gz"
    p.write_bytes(gzip.compress(CP1251.read_bytes()))
    assert len(read(p)[1]) == 4
    g = tmp_path / "garbage.txt"
    g.write_bytes(b"#920: PAZK\n#907: ^A20260101\n*****\nnot a field\n*****\n")
    reader, recs = read(g)
    assert len(recs) == 1
    assert [(p.record, p.kind, p.line, p.offset) for p in reader.problems] == [
        (None, "garbage", 4, 34)]  # 11 + 17 + 6 bytes before it


def test_inspect_and_count_read_them():
    d = json.loads(cli("inspect", UTF8, CP1251, DAMAGED, "--format", "json").stdout)
    files = d["files"] if isinstance(d, dict) else d
    assert [(f["format"], f["records"], f["damaged"]) for f in files] == [
        ("irbis_text", 9, 0), ("irbis_text", 4, 0), ("irbis_text", 3, 3)]
    assert files[0]["flavours"]["irbis"] == 9
    c = json.loads(cli("count", UTF8, CP1251, DAMAGED, "--quarter", "1", "--format", "json").stdout)
    # by hand (README): utf8 6 (4 kaz), cp1251 3 (1 kaz), damaged 3 (2 kaz)
    assert c["records"]["in_period"] == 12 and c["total"]["kazakh"] == 7
    lv = {k: (v["total"], v["kazakh"]) for k, v in c["levels"].items() if v["total"]}
    assert lv == {"article": (5, 3), "book": (5, 3), "periodical": (1, 0), "cd": (1, 1)}
    assert c["records"]["undated"] == 1 and c["records"]["damaged"] == 3
    assert c["records"]["read"] == 16


def test_audit_digitisation_report_facts_import_export(tmp_path):
    a = json.loads(cli("audit", UTF8, CP1251, "--format", "json").stdout)
    assert a["records"] == 13
    assert a["summary"]["missing_date_entered"] == 1  # utf8 record 8: 907 without ^A, no 910
    assert a["summary"]["language_mismatch"] == 0 and a["summary"]["encoding_damage"] == 0
    dg = json.loads(cli("digitisation", UTF8, "--quarter", "1", "--format", "json").stdout)
    assert "ulytau-2026-5-2.pdf" in json.dumps(dg, ensure_ascii=False)
    out = tmp_path / "r.json"
    cli("report", UTF8, CP1251, "--quarter", "1", "-o", out)
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert rep["total"]["total"] == 9 and rep["total"]["kazakh"] == 5  # 6 + 3, 4 + 1 (README)
    assert rep["levels"]["article"]["total"] == 4 and rep["levels"]["cd"]["total"] == 1
    facts = tmp_path / "f.csv"
    cli("facts", UTF8, "-o", facts)
    lines = facts.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10 and "Ұлытау шежіресі" in lines[1] and ",irbis," in lines[1]
    assert lines[1].endswith(",book,") and lines[5].endswith(",cd,")
    ledger = tmp_path / "l.sqlite"
    cli("import", UTF8, CP1251, "--ledger", ledger)
    c = json.loads(cli("count", "--ledger", ledger, "--quarter", "1", "--format", "json").stdout)
    assert c["records"]["in_period"] == 9
    iso = tmp_path / "x.iso"
    cli("export", UTF8, "--level", "article", "--level", "book", "--quarter", "1", "-o", iso)
    back = json.loads(cli("count", iso, "--quarter", "1", "--format", "json").stdout)
    assert (back["levels"]["article"]["total"], back["levels"]["book"]["total"]) == (2, 2)
    assert back["files"][0]["flavours"]["irbis"] == 4


@pytest.mark.parametrize("path", [UTF8, CP1251, DAMAGED])
def test_input_never_modified(path, tmp_path):
    before = path.read_bytes()
    cli("count", path, "--quarter", "1")
    assert path.read_bytes() == before


# -- round trip: fields written in the exchange format are read back exactly -----------------
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(alphabet=st.sampled_from("abcАБВгдеәғқңөұүһі ,.-№0123456789"), min_size=1,
                max_size=12)
_SUBFIELDS = st.lists(st.tuples(st.sampled_from("abcdefv1"), _TEXT), min_size=1, max_size=4)
_FIELD = st.tuples(st.integers(10, 999), st.one_of(_TEXT, _SUBFIELDS))


@settings(max_examples=60, deadline=None)
@given(records=st.lists(st.lists(_FIELD, min_size=1, max_size=6), min_size=1, max_size=4),
       bom=st.booleans(), crlf=st.booleans())
@example(records=[[(920, "PAZK"), (200, [("a", "Ұлытау")])]], bom=True, crlf=True)
def test_written_fields_read_back(tmp_path_factory, records, bom, crlf):
    """The structure round trip, in UTF-8 (the character-set decision for single-byte
    code pages needs words, which random text is not: the fixtures test it)."""
    end = "\r\n" if crlf else "\n"
    lines = []
    for rec in records:
        for tag, value in rec:
            text = value if isinstance(value, str) else "".join(
                f"^{c.upper()}{v}" for c, v in value)
            lines.append(f"#{tag}: {text}")
        lines.append("*****")
    path = tmp_path_factory.mktemp("rt") / "x.txt"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + end.join(lines).encode("utf-8")
                     + end.encode())
    reader, got = read(path)
    assert not reader.problems and len(got) == len(records)
    for rec, src in zip(records, got):
        want = [(f"{tag:03d}", value if isinstance(value, str) else list(value))
                for tag, value in rec]
        have = [(f.tag, f.data if f.data is not None else f.subfields) for f in src.record.fields]
        assert have == want
