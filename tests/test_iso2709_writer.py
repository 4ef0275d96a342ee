"""The ISO 2709 writer: exact structure, every encoding, MARC-8 through pymarc's decoder."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymarc import MARCReader
from pymarc.marc8 import MARC8ToUnicode

from rabiskit.records.record import MARC21, UNIMARC, Field, Record
from rabiskit.sources.iso2709_writer import (encode_marc8, encode_record, field_bytes,
                                             set_declared_encoding, write_iso2709)


def marc21_record(title: str = "Қазақ ертегілері", leader09: str = "a") -> Record:
    return Record(
        leader=f"00000nam {leader09}2200000 i 4500",
        fields=[
            Field("001", data="KZ0000042"),
            Field("005", data="20260115103000.0"),
            Field("008", data="260115s2025    kz a   j      000 0 kaz d"),
            Field("041", ind1="0", ind2=" ", subfields=[("a", "kaz")]),
            Field("100", ind1="1", ind2=" ", subfields=[("a", "Жұмабаева, Әсел")]),
            Field("245", ind1="1", ind2="0", subfields=[("a", title), ("c", "Ә. Жұмабаева")]),
            Field("264", ind1=" ", ind2="1", subfields=[("a", "Алматы"), ("b", "Балауса"), ("c", "2025")]),
            Field("300", ind1=" ", ind2=" ", subfields=[("a", "256 б.")]),
        ],
    )


def unimarc_record(title: str) -> Record:
    return Record(
        leader="00000nam0 2200000 i 450 ",
        fields=[
            Field("001", data="KZ0000007"),
            Field("100", ind1=" ", ind2=" ", subfields=[("a", "20260401d2026    a  y0kazy50      ca")]),
            Field("101", ind1="0", ind2=" ", subfields=[("a", "kaz")]),
            Field("200", ind1="1", ind2=" ", subfields=[("a", title), ("f", "сост. Г. Омарова")]),
            Field("215", ind1=" ", ind2=" ", subfields=[("a", "382, [2] с.")]),
        ],
    )


def parse_raw(data: bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """A strict, independent ISO 2709 parse: (leader, [(tag, field bytes without 0x1E)])."""
    leader = data[:24].decode("ascii")
    assert int(leader[0:5]) == len(data)
    base = int(leader[12:17])
    assert data[base - 1:base] == b"\x1e"
    assert data[-1:] == b"\x1d"
    directory = data[24:base - 1]
    assert len(directory) % 12 == 0
    fields = []
    expected_start = 0
    for i in range(0, len(directory), 12):
        entry = directory[i:i + 12].decode("ascii")
        tag, length, start = entry[:3], int(entry[3:7]), int(entry[7:12])
        assert start == expected_start  # fields are contiguous, in directory order
        chunk = data[base + start:base + start + length]
        assert chunk[-1:] == b"\x1e"
        fields.append((tag, chunk[:-1]))
        expected_start += length
    assert base + expected_start + 1 == len(data)
    return leader, fields


def test_leader_length_and_base_address_are_exact():
    rec = marc21_record()
    data = encode_record(rec, "utf-8")
    leader = data[:24].decode("ascii")
    assert int(leader[:5]) == len(data)
    assert int(leader[12:17]) == 24 + 12 * len(rec.fields) + 1
    assert leader[10:12] == "22" and leader[20:24] == "4500"
    assert leader[5:10] == "nam a"  # status, type, level, control, coding scheme kept
    parsed_leader, fields = parse_raw(data)
    assert [t for t, _ in fields] == [f.tag for f in rec.fields]
    assert fields[5][1] == "10\x1faҚазақ ертегілері\x1fcӘ. Жұмабаева".encode("utf-8")
    assert fields[0][1] == b"KZ0000042"


def test_lengths_count_bytes_not_characters():
    title = "Әә" * 50  # 100 characters, 200 bytes in UTF-8, 100 in KZ-1048
    utf8 = encode_record(unimarc_record(title), "utf-8")
    kz = encode_record(unimarc_record(title), "kz1048")
    assert len(utf8) - len(kz) > 100
    for data in (utf8, kz):
        parse_raw(data)


def test_marc21_utf8_round_trips_through_pymarc():
    rec = marc21_record()
    data = encode_record(rec, "utf-8") * 2
    records = list(MARCReader(io.BytesIO(data), to_unicode=True))
    assert len(records) == 2 and all(r is not None for r in records)
    pm = records[0]
    assert pm.leader[9] == "a"
    assert pm["001"].data == "KZ0000042"
    assert pm["245"]["a"] == "Қазақ ертегілері"
    assert pm["245"]["c"] == "Ә. Жұмабаева"
    assert pm["245"].indicators == ["1", "0"] or tuple(pm["245"].indicators) == ("1", "0")
    assert pm["264"]["b"] == "Балауса"
    assert pm["008"].data[35:38] == "kaz"


@pytest.mark.parametrize("encoding,title", [
    ("kz1048", "Ұлытау аңыздары: қазақ ертегілері және өлеңдер, һ"),
    ("cp1251", "Сказки народов Казахстана; і"),
    ("cp866", "История Улытауского края"),
    ("utf-8", "Ғажайып әлем"),
])
def test_single_byte_encodings_write_the_codec_bytes(encoding, title):
    data = encode_record(unimarc_record(title), encoding)
    _, fields = parse_raw(data)
    f200 = dict(fields)["200"]
    assert f200.split(b"\x1f")[1][1:].decode(encoding) == title
    if encoding == "kz1048":
        # KZ-1048-specific bytes: Ұ 0xA1, ң 0xBE, қ 0x9D, ө 0xB4, һ 0x9E
        for byte in (b"\xa1", b"\xbe", b"\x9d", b"\xb4", b"\x9e"):
            assert byte in f200


def test_marc8_cyrillic_round_trips_through_pymarc_decoder():
    title = "Сказки народов Казахстана: Алпамыс батыр, Кітап і ё"
    rec = marc21_record(title, leader09=" ")
    rec.fields[5] = Field("245", ind1="1", ind2="0", subfields=[("a", title), ("c", "сост. А. Ким")])
    rec.fields[4] = Field("100", ind1="1", ind2=" ", subfields=[("a", "Müller, Ūlytau Añyz")])
    rec.fields[6] = Field("264", ind1=" ", ind2="1", subfields=[("a", "Караганда"), ("b", "Арко"), ("c", "2026")])
    rec.fields[7] = Field("300", ind1=" ", ind2=" ", subfields=[("a", "128 с.")])
    data = encode_record(rec, "marc-8")
    _, fields = parse_raw(data)
    f245 = dict(fields)["245"]
    assert b"\x1b(N" in f245 and b"\x1b(B" in f245  # into basic Cyrillic and back
    assert b"\x1b)Q" in f245  # extended Cyrillic for і and ё
    a = f245.split(b"\x1f")[1][1:]
    assert MARC8ToUnicode(quiet=True).translate(a) == title
    f100 = dict(fields)["100"]
    assert b"\xe8u" in f100  # ANSEL umlaut before the u of Müller
    assert b"\xe5U" in f100 and b"\xe4n" in f100  # macron before U, tilde before n
    pm = next(iter(MARCReader(io.BytesIO(data), to_unicode=True, hide_utf8_warnings=True)))
    assert pm is not None
    assert pm["245"]["a"] == title
    assert pm["100"]["a"] == "Müller, Ūlytau Añyz"
    assert pm["264"]["a"] == "Караганда"


def test_marc8_restores_default_sets_in_every_subfield():
    f = Field("245", ind1="1", ind2="0", subfields=[("a", "Кітап"), ("b", "Book")])
    raw = field_bytes(f, "marc-8")
    sub_a = raw.split(b"\x1f")[1]
    assert sub_a.endswith(b"\x1b(B\x1b)E")
    assert raw.split(b"\x1f")[2] == b"bBook\x1e"


@pytest.mark.parametrize("encoding,text", [
    ("marc-8", "Қазақ"), ("marc-8", "Сәтбаев"), ("marc-8", "中文"), ("marc-8", "bell\x07"),
    ("cp1251", "Қазақ"), ("cp866", "Әже"), ("kz1048", "中"),
])
def test_characters_an_encoding_cannot_hold_raise_valueerror(encoding, text):
    rec = Record("00000nam a2200000 i 4500",
                 [Field("001", data="KZ1"), Field("245", ind1="1", ind2="0", subfields=[("a", text)])])
    with pytest.raises(ValueError, match="field 245"):
        encode_record(rec, encoding)


def test_structural_problems_raise_valueerror():
    with pytest.raises(ValueError, match="delimiter"):
        encode_record(marc21_record("a\x1eb"), "utf-8")
    with pytest.raises(ValueError, match="tag"):
        encode_record(Record("", [Field("24", data="x")]), "utf-8")
    with pytest.raises(ValueError, match="indicator"):
        encode_record(Record("", [Field("245", ind1="10", subfields=[("a", "x")])]), "utf-8")
    with pytest.raises(ValueError, match="9999"):
        encode_record(Record("", [Field("330", subfields=[("a", "x" * 10000)])]), "utf-8")
    big = Record("", [Field("330", subfields=[("a", "x" * 9000)]) for _ in range(12)])
    with pytest.raises(ValueError, match="99999"):
        encode_record(big, "utf-8")
    with pytest.raises(ValueError, match="unsupported encoding"):
        encode_record(marc21_record(), "latin-9")


def test_short_leader_is_padded_and_blank_indicators_default():
    rec = Record("00000c", [Field("200", ind1="", subfields=[("a", "Дала жыры")])])
    data = encode_record(rec, "utf-8")
    assert data[5:6] == b"c" and data[20:24] == b"4500"
    _, fields = parse_raw(data)
    assert fields[0][1].startswith(b"  \x1fa")


def test_set_declared_encoding_marc21_and_unimarc():
    rec = marc21_record(leader09=" ")
    utf = set_declared_encoding(rec, MARC21, "utf-8")
    assert utf.leader[9] == "a" and rec.leader[9] == " "  # a copy; the original is untouched
    assert set_declared_encoding(utf, MARC21, "marc-8").leader[9] == " "

    uni = unimarc_record("Кітап")
    uni.fields[1].subfields[0] = ("a", "20260401d2026    a  y0kazy0189    ca")
    out = set_declared_encoding(uni, UNIMARC, "utf-8")
    assert out.subfield("100", "a")[26:30] == "50  "
    assert out.subfield("100", "a")[:26] == uni.subfield("100", "a")[:26]
    assert out.subfield("100", "a")[30:] == "    ca"
    assert uni.subfield("100", "a")[26:30] == "0189"
    assert set_declared_encoding(out, UNIMARC, "cp1251").subfield("100", "a")[26:30] == "0189"
    assert set_declared_encoding(out, UNIMARC, "cp866").subfield("100", "a")[26:30] == "0179"
    short = Record("", [Field("100", subfields=[("a", "20260401")])])
    assert set_declared_encoding(short, UNIMARC, "utf-8").subfield("100", "a") == "20260401" + " " * 18 + "50  "
    with pytest.raises(ValueError):
        set_declared_encoding(uni, UNIMARC, "kz1048")


def test_write_iso2709_writes_and_is_atomic(tmp_path):
    path = tmp_path / "out.iso"
    n = write_iso2709([marc21_record(), marc21_record("Дала жыры")], path, "utf-8")
    assert n == 2
    data = path.read_bytes()
    assert data.count(b"\x1d") == 2
    titles = [r["245"]["a"] for r in MARCReader(io.BytesIO(data), to_unicode=True)]
    assert titles == ["Қазақ ертегілері", "Дала жыры"]
    # a failure half way leaves the old file as it was and no temporary file behind
    with pytest.raises(ValueError):
        write_iso2709([marc21_record("Кітап"), marc21_record("Қазақ")], path, "cp1251")
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.iso"]


_marc8_text = st.text(
    alphabet=st.sampled_from(
        list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯіІўЎ")
        + list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 .,:;-–()[]/")
        + list("äöüÄÖÜéèêçñãōūğşÅıłŁæ©")),
    max_size=60)


@settings(max_examples=200, deadline=None)
@given(_marc8_text)
def test_marc8_property_round_trip(text):
    text = text.replace("–", "-")  # the en dash is not in MARC-8
    assert MARC8ToUnicode(quiet=True).translate(encode_marc8(text)) == unicodedata.normalize("NFC", text)
