"""The shipped fixtures: reproducible, and truth.json agrees with the bytes.

The checks here read the committed files with tools independent of rabiskit's readers
(a strict hand parse of ISO 2709, pymarc, lxml), so a wrong ground truth is caught here
rather than blamed on a reader later.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from pymarc import MARCReader
from pymarc.marc8 import MARC8ToUnicode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRUTH = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
FILES = TRUTH["files"]
ISO_FILES = [n for n, t in FILES.items() if t["format"] == "iso2709"]
INTACT_ISO = [n for n in ISO_FILES if not FILES[n]["damages"]]
XML_FILES = [n for n, t in FILES.items() if t["format"] == "marcxml"]
KZ_SPECIFIC = set("ӘәҒғҚқҢңӨөҰұҮүҺһ")


def split_records(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, bytes) of each record of an intact file, cut on 0x1D."""
    out, start = [], 0
    while start < len(data):
        end = data.index(b"\x1d", start) + 1
        out.append((start, data[start:end]))
        start = end
    return out


def parse(rec: bytes, encoding: str) -> tuple[str, list[tuple[str, object]]]:
    """A strict parse: (leader, [(tag, str for control fields | (ind, [(code, value)]))])."""
    leader = rec[:24].decode("ascii")
    assert int(leader[:5]) == len(rec)
    base = int(leader[12:17])
    fields = []
    for pos in range(24, base - 1, 12):
        tag = rec[pos:pos + 3].decode("ascii")
        length, start = int(rec[pos + 3:pos + 7]), int(rec[pos + 7:pos + 12])
        chunk = rec[base + start:base + start + length]
        assert chunk.endswith(b"\x1e")
        chunk = chunk[:-1]

        def dec(b: bytes) -> str:
            return MARC8ToUnicode(quiet=True).translate(b) if encoding == "marc-8" else b.decode(encoding)

        if tag < "010":
            fields.append((tag, dec(chunk)))
        else:
            parts = chunk.split(b"\x1f")
            fields.append((tag, (parts[0].decode("ascii"),
                                 [(p[:1].decode("ascii"), dec(p[1:])) for p in parts[1:]])))
    return leader, fields


def first(fields, tag: str, code: str) -> str | None:
    for t, v in fields:
        if t == tag and not isinstance(v, str):
            for c, value in v[1]:
                if c == code:
                    return value
    return None


def all_of(fields, tag: str, code: str) -> list[str]:
    return [value for t, v in fields if t == tag and not isinstance(v, str)
            for c, value in v[1] if c == code]


def control(fields, tag: str) -> str | None:
    return next((v for t, v in fields if t == tag and isinstance(v, str)), None)


def test_regenerating_gives_byte_identical_files(tmp_path):
    subprocess.run([sys.executable, str(FIXTURES / "make_fixtures.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    generated = sorted(p.name for p in tmp_path.iterdir())
    assert "truth.json" in generated and len(generated) == len(FILES) + 1
    for name in generated:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_truth_lists_every_fixture_file():
    expected = {"unimarc-utf8.iso", "unimarc-kz1048.iso", "rusmarc-cp1251.iso", "rusmarc-cp866.iso",
                "marc21-utf8.mrc", "marc21-marc8.mrc", "marcxml-slim.xml", "marcxml-default-ns.xml",
                "marcxchange.xml", "marcxml-single.xml", "local-lore.iso", "hostile.iso",
                "damaged.iso", "empty.iso", "not-marc.txt"}
    assert set(FILES) == expected
    for name in expected:
        assert (FIXTURES / name).is_file(), name
    assert (FIXTURES / "empty.iso").stat().st_size == 0
    assert b"\x1d" not in (FIXTURES / "not-marc.txt").read_bytes()


@pytest.mark.parametrize("name", INTACT_ISO)
def test_intact_iso_record_count_and_offsets(name):
    data = (FIXTURES / name).read_bytes()
    truth = FILES[name]
    assert data.count(b"\x1d") == truth["records"] == len(truth["items"])
    assert [o for o, _ in split_records(data)] == [i["offset"] for i in truth["items"]]
    assert [i["record"] for i in truth["items"]] == list(range(1, truth["records"] + 1))
    ids = [i["id"] for i in truth["items"]]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", XML_FILES)
def test_xml_record_count_and_lines(name):
    tree = etree.parse(str(FIXTURES / name))
    records = [el for el in tree.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "record"]
    truth = FILES[name]
    assert len(records) == truth["records"] == len(truth["items"])
    assert [el.sourceline for el in records] == [i["line"] for i in truth["items"]]
    assert {etree.QName(el).namespace for el in records} == {truth["namespace"]}
    root = tree.getroot()
    assert root.prefix == truth.get("prefix")
    if name == "marcxml-single.xml":
        assert etree.QName(root).localname == "record"
    if name == "marcxchange.xml":
        assert [el.get("format") for el in records] == ["UNIMARC"] * 3 + ["MARC21"] * 2
    ns = {"m": truth["namespace"]}
    for el, item in zip(records, truth["items"]):
        assert el.findtext("m:controlfield[@tag='001']", namespaces=ns) == item["id"]
        title = (el.findtext("m:datafield[@tag='200']/m:subfield[@code='a']", namespaces=ns)
                 or el.findtext("m:datafield[@tag='245']/m:subfield[@code='a']", namespaces=ns))
        assert title == item["title"]


def unimarc_date(fields) -> tuple[dt.date | None, str | None]:
    raw = (first(fields, "100", "a") or "")[:8]
    if not raw.strip():
        raw = next((c for t, v in fields if t == "801" and not isinstance(v, str) and v[0][1] == "0"
                    for code, c in v[1] if code == "c"), "")
    if not raw.strip():
        return None, "missing"
    try:
        return dt.datetime.strptime(raw, "%Y%m%d").date(), None
    except ValueError:
        return None, "invalid"


def marc21_date(fields) -> tuple[dt.date | None, str | None]:
    raw = (control(fields, "008") or "")[:6]
    if not raw.strip():
        return None, "missing"
    yy = int(raw[:2])
    return dt.date(2000 + yy if yy < 50 else 1900 + yy, int(raw[2:4]), int(raw[4:6])), None


@pytest.mark.parametrize("name", INTACT_ISO)
def test_truth_items_agree_with_the_bytes(name):
    """Every fact in truth.json read back from the file by an independent parse."""
    truth = FILES[name]
    data = (FIXTURES / name).read_bytes()
    unimarc = truth["flavour"] == "unimarc"
    for (offset, raw), item in zip(split_records(data), truth["items"]):
        leader, fields = parse(raw, truth["encoding"])
        assert control(fields, "001") == item["id"]
        assert leader[5] == item["status"]
        title = first(fields, "200" if unimarc else "245", "a")
        assert title == item["title"]
        assert item["kazakh_letters"] == bool(KZ_SPECIFIC & set(title))
        langs = all_of(fields, "101", "a") if unimarc else all_of(fields, "041", "a")
        if not unimarc and not langs and (control(fields, "008") or "")[35:38].strip():
            langs = [control(fields, "008")[35:38]]
        assert langs == item["languages"]
        assert item["language"] == (langs[0] if langs else "und")
        date, problem = unimarc_date(fields) if unimarc else marc21_date(fields)
        assert (date.isoformat() if date else None) == item["date_entered"]
        assert problem == item["date_problem"]
        links = all_of(fields, "856", "u")
        assert links == item["links"] and item["digitised"] == bool(links)
        assert first(fields, "463" if unimarc else "773", "t") == item["host_title"]
        if unimarc:
            assert item["local_lore"] == (first(fields, "900", "a") == "Өлкетану")
            assert item["local_lore"] == bool(all_of(fields, "607", "a"))
        extent = first(fields, "215" if unimarc else "300", "a")
        if item["pages"] is not None:
            numbers = [int(x) for x in extent.replace("[", " ").replace("]", " ").replace(",", " ").split()
                       if x.isdigit()]
            assert sum(numbers) == item["pages"], extent
        if item["article_pages"] is not None:
            span = (first(fields, "463", "v") if unimarc else first(fields, "773", "g")).split()[-1]
            lo, _, hi = span.partition("-")
            assert (int(hi) - int(lo) + 1 if hi else 1) == item["article_pages"]


def test_pymarc_reads_marc21_utf8_with_the_expected_titles():
    data = (FIXTURES / "marc21-utf8.mrc").read_bytes()
    records = list(MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True))
    items = FILES["marc21-utf8.mrc"]["items"]
    assert len(records) == len(items) and None not in records
    assert [r["245"]["a"] for r in records] == [i["title"] for i in items]
    assert [r["001"].data for r in records] == [i["id"] for i in items]
    assert {r.leader[9] for r in records} == {"a"}


def test_pymarc_reads_marc8_cyrillic_and_diacritics():
    data = (FIXTURES / "marc21-marc8.mrc").read_bytes()
    assert b"\x1b(N" in data and b"\x1b(B" in data
    records = list(MARCReader(io.BytesIO(data), to_unicode=True, hide_utf8_warnings=True))
    items = FILES["marc21-marc8.mrc"]["items"]
    assert {r.leader[9] for r in records} == {" "}
    titles = [r["245"]["a"] for r in records]
    assert titles == [i["title"] for i in items]
    assert any("\u0400" <= ch <= "\u04ff" for t in titles for ch in t)  # Cyrillic
    assert any(ch in "äöüñūğéè" for t in titles for ch in t)  # Latin with diacritics
    years = {(r["008"].data[:6], i["date_entered"]) for r, i in zip(records, items)}
    assert ("991231", "1999-12-31") in years and ("260115", "2026-01-15") in years


def test_encodings_and_declarations():
    kz = (FIXTURES / "unimarc-kz1048.iso").read_bytes()
    # bytes where KZ-1048 differs from cp1251: Ққ Һһ Ұұ Әә Өө Ғғ Үү Ңң
    assert sum(kz.count(bytes([b])) for b in (0x8D, 0x9D, 0xA1, 0xA2, 0xA3, 0xBC, 0xA5, 0xB4,
                                               0xAA, 0xBA, 0xAF, 0xBF, 0xBD, 0xBE)) > 100
    with pytest.raises(UnicodeDecodeError):
        kz.decode("utf-8")
    for _, raw in split_records(kz):
        _, fields = parse(raw, "kz1048")
        assert first(fields, "100", "a")[26:30] == "01  "  # the deliberately wrong declaration
    for name, code in (("rusmarc-cp1251.iso", "0189"), ("rusmarc-cp866.iso", "0179"),
                       ("unimarc-utf8.iso", "50  ")):
        declared = set()
        for _, raw in split_records((FIXTURES / name).read_bytes()):
            _, fields = parse(raw, FILES[name]["encoding"])
            a100 = first(fields, "100", "a")
            if a100:
                declared.add(a100[26:30])
        assert declared == {code}, name
    assert FILES["unimarc-kz1048.iso"]["encoding"] == "kz1048"


def test_main_file_covers_the_period_edges_and_date_problems():
    items = FILES["unimarc-utf8.iso"]["items"]
    dates = Counter(i["date_entered"] for i in items)
    for day in ("2026-01-01", "2026-03-31", "2026-04-01", "2026-06-30", "2026-07-01",
                "2026-09-30", "2026-10-01", "2026-12-31"):
        assert dates[day] >= 1, day
    years = Counter((i["date_entered"] or "none")[:4] for i in items)
    assert years["2026"] > 200 and years["2025"] > 10 and years["2027"] >= 1
    assert Counter(i["date_problem"] for i in items) == Counter({None: len(items) - 5, "missing": 3,
                                                                 "invalid": 2})
    levels = Counter(i["level"] for i in items)
    assert set(levels) == {"book", "article", "periodical", "ebook", "cd"}
    assert levels["article"] > levels["book"]
    langs = Counter(i["language"] for i in items)
    assert langs["kaz"] > langs["rus"] > 0 and langs["und"] > 0
    assert any(i["kazakh_letters"] and i["language"] == "rus" for i in items)  # coding errors
    assert any(i["local_lore"] for i in items) and any(i["digitised"] for i in items)
    assert all(i["local_lore"] for i in FILES["local-lore.iso"]["items"])
    assert FILES["local-lore.iso"]["db"] == "local_lore"


def test_hostile_titles():
    titles = [i["title"] for i in FILES["hostile.iso"]["items"]]
    for t in ('=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\tTAB",
              "<script>alert('x')</script> & <b>", "Кітап\x07bell"):
        assert t in titles


def test_damaged_file_truth_points_at_each_damage():
    data = (FIXTURES / "damaged.iso").read_bytes()
    truth = FILES["damaged.iso"]
    kinds = Counter(d["kind"] for d in truth["damages"])
    assert set(kinds) == {
        "leader_length_too_long", "leader_length_too_short", "leader_length_not_numeric",
        "base_address_outside_record", "directory_entry_past_end", "directory_length_not_numeric",
        "missing_field_terminator", "missing_record_terminator", "garbage_between_records",
        "blank_line_between_records", "record_over_99999_bytes", "truncated_record"}
    items = truth["items"]
    starts = [i["offset"] for i in items]
    assert truth["records"] == len(items) == 22
    # each record starts with a plausible leader (five characters, then status/type/level)
    for s in starts:
        assert data[s + 20:s + 24] == b"4500" and data[s + 10:s + 12] == b"22"
    damaged = {d["record"] for d in truth["damages"] if d["record"] is not None}
    assert {i["record"] for i in items if i["damaged"]} == damaged

    def real_length(n: int) -> int:
        """Bytes record n really occupies: up to its 0x1D, else up to the next record."""
        s = starts[n - 1]
        nxt = starts[n] if n < len(starts) else len(data)
        end = data.find(b"\x1d", s, nxt)
        return end + 1 - s if end != -1 else nxt - s

    for d in truth["damages"]:
        kind, off, byte = d["kind"], d["offset"], d["byte"]
        if kind == "leader_length_too_long":
            assert int(data[off:off + 5]) > real_length(d["record"])
        elif kind == "leader_length_too_short":
            assert int(data[off:off + 5]) < real_length(d["record"])
        elif kind == "leader_length_not_numeric":
            assert not data[off:off + 5].isdigit()
        elif kind == "base_address_outside_record":
            assert byte == off + 12 and int(data[byte:byte + 5]) > real_length(d["record"])
        elif kind == "directory_entry_past_end":
            assert data[byte:byte + 3] == b"830"
            assert int(data[byte + 7:byte + 12]) > real_length(d["record"])
        elif kind == "directory_length_not_numeric":
            assert data[byte:byte + 3] == b"830" and not data[byte + 3:byte + 7].isdigit()
        elif kind == "missing_field_terminator":
            assert data[byte] != 0x1E and data[byte + 1] == 0x1D
        elif kind == "missing_record_terminator":
            assert data[byte - 1] == 0x1E and byte in starts
            assert int(data[off:off + 5]) == byte - off + 1  # the leader counts the lost byte
        elif kind == "garbage_between_records":
            chunk = data[byte:byte + d["length"]]
            assert b"\x1d" not in chunk and byte + d["length"] in starts and data[byte - 1] == 0x1D
        elif kind == "blank_line_between_records":
            assert data[byte:byte + 2] == b"\r\n" and byte + 2 in starts
        elif kind == "record_over_99999_bytes":
            assert data[off:off + 5] == b"99999" and real_length(d["record"]) > 99999
        elif kind == "truncated_record":
            assert byte == len(data) and b"\x1d" not in data[off:] and off == starts[-1]
    # the intact records around the damage are byte-perfect
    for item in items:
        if not item["damaged"]:
            s = item["offset"]
            rec = data[s:s + int(data[s:s + 5])]
            leader, fields = parse(rec, "utf-8")
            assert control(fields, "001") == item["id"]
            assert first(fields, "200", "a") == item["title"]
