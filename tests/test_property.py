"""Property tests: random and mutated bytes never make a reader raise, and every byte of an
ISO 2709 input is accounted for, as part of a record or of a reported problem."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rabiskit.records import Field, Record
from rabiskit.sources import open_source
from rabiskit.sources.iso2709 import Iso2709Reader
from rabiskit.sources.iso2709_writer import encode_record


def _valid_file() -> bytes:
    recs = []
    for i in range(1, 4):
        recs.append(encode_record(Record("     nam a22     i 4500", [
            Field("001", data=f"KZ{i:07d}"),
            Field("100", subfields=[("a", "20260115d2025    k  y0kazy50      ca")]),
            Field("101", ind1="0", subfields=[("a", "kaz")]),
            Field("200", ind1="1", subfields=[("a", f"Қазақ әдебиеті {i}"), ("f", "Абай")]),
        ])))
    return b"".join(recs)


VALID = _valid_file()


def _read_all(tmp_path_factory, data: bytes, name: str = "x.iso"):
    d = tmp_path_factory.mktemp("prop")
    p = d / name
    p.write_bytes(data)
    r = open_source(p)
    recs = list(r)
    return r, recs


SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.binary(max_size=3000))
def test_random_bytes(tmp_path_factory, data):
    r, recs = _read_all(tmp_path_factory, data)
    if isinstance(r, Iso2709Reader):
        assert r.bytes_in_records + r.bytes_skipped == r.size == len(data)


@SETTINGS
@given(edits=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=12),
       cut=st.integers(0, len(VALID)), inserts=st.lists(
           st.tuples(st.integers(0, len(VALID)), st.binary(min_size=1, max_size=8)), max_size=3))
def test_mutated_valid_file(tmp_path_factory, edits, cut, inserts):
    data = bytearray(VALID)
    for pos, val in edits:
        data[pos] = val
    for pos, blob in sorted(inserts, reverse=True):
        data[pos:pos] = blob
    data = bytes(data[:max(cut, len(data) // 2)])
    r, recs = _read_all(tmp_path_factory, data)
    if isinstance(r, Iso2709Reader):
        assert r.bytes_in_records + r.bytes_skipped == r.size == len(data)
        assert sum(x.length for x in recs) == r.bytes_in_records
    for x in recs:
        assert len(x.record.leader) == 24


@SETTINGS
@given(text=st.text(max_size=400))
def test_random_xml_like_text(tmp_path_factory, text):
    data = ('<?xml version="1.0"?><collection xmlns="http://www.loc.gov/MARC21/slim"><record>'
            + text).encode("utf-8")
    _read_all(tmp_path_factory, data, "x.xml")
