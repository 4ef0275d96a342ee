"""The ISO 2709 reader against its reference: ``oracle_iso2709`` is the careful reader as it
was before its sound-record path (``Iso2709Reader._parse_clean``) and the per-shape caches
came in, kept unchanged with the encoding and flavour modules it read (``oracle_encoding``,
``oracle_flavour``).  Whatever the bytes, clean or damaged, both must give the same
SourceRecords (leader, fields, subfields, indicators, encoding and its reason, flavour,
damage, problems with their texts and offsets, numbering) and the same file-level problems
and byte counts.  The records here are built by a small writer of this file, not by the
project's, so that odd layouts (directory out of order, mixed encodings) can be made."""

from __future__ import annotations

import io
import string
from pathlib import Path

import oracle_iso2709
import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rabiskit.records import Field, Record, SourceRecord
from rabiskit.sources.iso2709 import Iso2709Reader
from rabiskit.sources.iso2709_writer import encode_text

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ENCODINGS = ("utf-8", "cp1251", "kz1048", "koi8-r", "cp866", "marc-8")
CHARS = (string.ascii_letters + string.digits + " .,-:;/()[]'\"=+"
         + "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
         + "әғқңөұүһіӘҒҚҢӨҰҮҺІ" + "ЄЇҐЎєїґў" + "éüñçÀ©")
TAGS = ("001", "003", "005", "008", "010", "020", "041", "100", "101", "102", "200", "210",
        "215", "245", "260", "300", "463", "606", "650", "700", "773", "801", "856", "907",
        "920", "951")
LEADERS = ("     nam a22     i 4500", "     cam  22     i 4500", "     nas  22     i 4500",
           "     nam  22     a 4500", "     cam a22     a 4500", "     nlm  22     i 4500")
F100A = ("20260115d2025    k  y0kazy50      ca", "20250301d2024    m  y0rusy89      ca",
         "20250301d2024    m  y0rusy0102    ca", "20250301d2024    m  y0rusy01      ca",
         "2025", "")


def build(leader: str, fields: list[tuple[str, bytes]], shuffle: bool = False) -> bytes:
    """An ISO 2709 record: each field's bytes get their terminator; ``shuffle``: the
    directory lists the fields in reverse order (still valid: the starts say where)."""
    entries, body = [], b""
    for tag, content in fields:
        d = content + b"\x1e"
        entries.append(tag.encode("latin-1") + b"%04d%05d" % (len(d), len(body)))
        body += d
    if shuffle:
        entries.reverse()
    directory = b"".join(entries) + b"\x1e"
    base = 24 + len(directory)
    lead = leader.encode("latin-1")
    return b"%05d" % (base + len(body) + 1) + lead[5:12] + b"%05d" % base + lead[17:24] \
        + directory + body + b"\x1d"


def encoded(text: str, encoding: str) -> bytes:
    """``text`` (its subfield delimiters kept) in ``encoding``, leaving out the characters
    the encoding has no byte for."""
    pieces = []
    for piece in text.split("\x1f"):
        kept = "".join(ch for ch in piece if _fits(ch, encoding))
        pieces.append(encode_text(kept, encoding))
    return b"\x1f".join(pieces)


def _fits(ch: str, encoding: str) -> bool:
    try:
        encode_text(ch, encoding)
        return True
    except ValueError:
        return False


texts = st.text(alphabet=CHARS, max_size=30)


@st.composite
def fields(draw) -> tuple[str, str]:
    tag = draw(st.sampled_from(TAGS) | st.text(string.ascii_letters + string.digits,
                                                 min_size=3, max_size=3))
    if tag < "010" and draw(st.booleans()):
        return tag, draw(texts)
    head = draw(st.sampled_from(("  ", " 0", "1 ", "01", "", "1", "  ")))
    subs = draw(st.lists(st.tuples(st.sampled_from("abcdefxyzA9"), texts), max_size=4))
    if tag == "100" and draw(st.booleans()):
        subs.insert(0, ("a", draw(st.sampled_from(F100A))))
    if tag in ("101", "041") and draw(st.booleans()):
        subs.insert(0, ("a", draw(st.sampled_from(("kaz", "rus", "ukr", "bel", "eng")))))
    return tag, head + "".join(f"\x1f{c}{v}" for c, v in subs)


@st.composite
def records(draw) -> bytes:
    leader = draw(st.sampled_from(LEADERS) | st.text(string.printable[:95], min_size=24,
                                                       max_size=24))
    encoding = draw(st.sampled_from(ENCODINGS))
    mixed = draw(st.booleans()) and draw(st.booleans())
    out = []
    for tag, text in draw(st.lists(fields(), max_size=9)):
        enc = draw(st.sampled_from(ENCODINGS)) if mixed else encoding
        out.append((tag, encoded(text, enc)))
    return build(leader, out, shuffle=draw(st.booleans()) and draw(st.booleans()))


SEPARATORS = st.sampled_from((b"", b"", b"", b"\n", b"\r\n", b"\x1d", b"  ", b"garbage", b"\x00"))


@st.composite
def files(draw) -> bytes:
    recs = draw(st.lists(records(), min_size=1, max_size=4))
    return b"".join(r + draw(SEPARATORS) for r in recs)


OPTIONS = st.sampled_from(({}, {}, {}, {"encoding": "cp1251"}, {"encoding": "utf-8"},
                           {"encoding": "marc-8"}, {"flavour": "marc21"}, {"flavour": "unimarc"},
                           {"block_size": 64}, {"block_size": 300}))


def read(module, data: bytes, options: dict) -> tuple[list[SourceRecord], object]:
    reader = module.Iso2709Reader("x.iso", fileobj=io.BytesIO(data), **options)
    return list(reader), reader


def assert_same(data: bytes, options: dict | None = None) -> list[SourceRecord]:
    options = options or {}
    new, r_new = read(__import__("rabiskit.sources.iso2709", fromlist=["x"]), data, options)
    old, r_old = read(oracle_iso2709, data, options)
    assert len(new) == len(old)
    for a, b in zip(new, old):
        assert a == b, (a.number, a.offset)
    assert r_new.problems == r_old.problems
    assert (r_new.bytes_in_records, r_new.bytes_skipped, r_new.size, r_new.records_read) == (
        r_old.bytes_in_records, r_old.bytes_skipped, r_old.size, r_old.records_read)
    return new


def mutate(data: bytes, draw) -> bytes:
    """Flip, insert and delete bytes, cut the end: what damaged exports do."""
    b = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        if not b:
            break
        what = draw(st.sampled_from(("flip", "insert", "delete", "digit", "delimiter")))
        at = draw(st.integers(0, len(b) - 1))
        if what == "flip":
            b[at] = draw(st.integers(0, 255))
        elif what == "insert":
            b[at:at] = draw(st.binary(min_size=1, max_size=6))
        elif what == "delete":
            del b[at:at + draw(st.integers(1, 6))]
        elif what == "digit":  # a wrong length or start in a leader or directory
            b[at] = draw(st.sampled_from(b"0123456789 "))
        else:
            b[at] = draw(st.sampled_from(b"\x1d\x1e\x1f\x1b"))
    if b and draw(st.booleans()):
        del b[draw(st.integers(0, len(b))):]
    return bytes(b)


# -- random files, clean and damaged ---------------------------------------------------------

@SETTINGS
@given(data=files(), options=OPTIONS)
def test_random_records_read_as_the_oracle_reads_them(data, options):
    assert_same(data, options)


@SETTINGS
@given(data=files(), options=OPTIONS, draw=st.data())
def test_mutated_records_read_as_the_oracle_reads_them(data, options, draw):
    assert_same(mutate(data, draw.draw), options)


@SETTINGS
@given(record=records(), draw=st.data(), at=st.integers(0, 23),
       byte=st.sampled_from(b"0123456789 a#\x02\x92\x1e"))
def test_odd_leaders_read_as_the_oracle_reads_them(record, draw, at, byte):
    data = bytearray(record)
    data[at] = byte
    assert_same(bytes(data), draw.draw(OPTIONS))


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_random_bytes_read_as_the_oracle_reads_them(data):
    assert_same(data)


@SETTINGS
@given(record=records(), draw=st.data(), terminated=st.booleans(),
       note=st.sampled_from((None, None, "missing_terminator", "embedded_terminator",
                             "no_terminator", "truncated")))
def test_parse_of_one_record_as_the_oracle(record, draw, terminated, note):
    """``parse`` alone (the fast counting path hands it records it cut itself)."""
    data = mutate(record, draw.draw) if draw.draw(st.booleans()) else record
    if len(data) < 25:
        return
    new = Iso2709Reader("x.iso", fileobj=io.BytesIO(b""))
    old = oracle_iso2709.Iso2709Reader("x.iso", fileobj=io.BytesIO(b""))
    try:
        expected = old.parse(data, 100, 7, terminated, note)
    except Exception as e:  # the reference fails: so must the reader, the same way
        with pytest.raises(type(e)):
            new.parse(data, 100, 7, terminated, note)
        return
    assert new.parse(data, 100, 7, terminated, note) == expected
    assert new.problems == old.problems


# -- real files ---------------------------------------------------------------------------

FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file()
                       and p.suffix not in (".py", ".md", ".json", ".toml", ".xml", ".pdf"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_reads_as_the_oracle_reads_it(path: Path):
    assert_same(path.read_bytes())


def test_corpus_reads_as_the_oracle_reads_it(corpus: Path):
    files = sorted(p for p in corpus.rglob("*") if p.is_file()
                   and p.suffix.lower() not in (".xml", ".md", ".txt", ".gz"))
    assert len(files) > 200
    records = 0
    for path in files:
        records += len(assert_same(path.read_bytes()))
    assert records > 4000


# -- the sound-record path is taken ---------------------------------------------------------

# written out by hand: leader, directory (001: 4 bytes at 0; 200: 10 bytes at 4), data
HAND = (b"00064nam  2200049   4500"
        b"001000400000" b"200001000004" b"\x1e"
        b"KZ1\x1e" b"1 \x1faTitle\x1e" b"\x1d")


def test_a_hand_written_record_takes_the_sound_path():
    reader = Iso2709Reader("x.iso", fileobj=io.BytesIO(b""))
    got = reader._parse_clean(HAND, 0, 1)
    assert got is not None
    assert got.record == Record("00064nam  2200049   4500", [
        Field("001", data="KZ1"), Field("200", ind1="1", ind2=" ", subfields=[("a", "Title")])])
    assert (got.flavour, got.encoding, got.encoding_reason, got.damaged, got.problems) == (
        "unimarc", "utf-8", "ASCII only", False, ())
    assert got.length == 64 and got.raw == HAND
    assert got == oracle_iso2709.Iso2709Reader("x.iso", fileobj=io.BytesIO(b"")).parse(HAND, 0, 1)


def test_a_damaged_record_does_not_take_it():
    reader = Iso2709Reader("x.iso", fileobj=io.BytesIO(b""))
    for damaged in (HAND.replace(b"00064", b"00065"),       # record length
                    HAND.replace(b"2200049", b"2200050"),   # base address
                    HAND.replace(b"200001000004", b"200001100004"),  # a field's length
                    HAND[:-1] + b"\x1e"):                    # no record terminator
        assert reader._parse_clean(damaged, 0, 1) is None
        assert reader.parse(damaged, 0, 1) == oracle_iso2709.Iso2709Reader(
            "x.iso", fileobj=io.BytesIO(b"")).parse(damaged, 0, 1)
    assert reader.parse(HAND.replace(b"00064", b"00065"), 0, 1).damaged


def test_the_clean_fixture_records_take_the_sound_path():
    """Every record of the UTF-8 fixture that has no problem is read the sound way (a sound
    path that quietly settles nothing fails here)."""
    path = FIXTURES / "unimarc-utf8.iso"
    reader = Iso2709Reader(path)
    recs = list(reader)
    clean = [r for r in recs if not r.problems]
    assert len(clean) > 250
    for r in clean:
        assert reader._parse_clean(r.raw, r.offset, r.number) == r
