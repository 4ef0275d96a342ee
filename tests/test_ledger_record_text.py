"""How the ledger stores a record (``record_data``): ``record_text``'s two forms, the zlib
stream ``compress`` writes, and ledgers of schema 1 (records as deflated JSON), which read
as they did and become schema 2 with the next import."""

from __future__ import annotations

import json
import zlib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from rabiskit.facts.scan import Input
from rabiskit.ledger.codec import compress, record_blob, record_from_blob, record_text
from rabiskit.ledger.source import ledger_sources
from rabiskit.ledger.store import LedgerError, open_ledger
from rabiskit.pipeline.ledger import import_inputs
from rabiskit.plan.load import default_plan
from rabiskit.records.record import Field, Record

LEADER = "00123nam0 22000491  450 "


def _fields(record: Record) -> list[tuple]:
    return [(f.tag, f.data) if f.data is not None else (f.tag, f.ind1, f.ind2, list(f.subfields))
            for f in record.fields]


def test_the_record_text_written_out():
    rec = Record(LEADER, [Field("001", data="KZ-1"), Field("005", data=""),
                          Field("200", ind1="1", ind2="=",
                                subfields=[("a", 'Абай "жолы"'), ("e", ""), ("a", "x=y")])])
    text = ("00123nam0 22000491  450 \x1e001=KZ-1\x1e005=\x1e2001=\x1faАбай \"жолы\"\x1fe"
            "\x1fax=y").encode("utf-8")
    assert record_text(rec) == text
    assert _fields(record_from_blob(record_blob(rec))) == _fields(rec)
    assert record_from_blob(record_blob(rec)).leader == LEADER


@pytest.mark.parametrize("record", [
    Record(LEADER[:23], [Field("001", data="x")]),                      # a short leader
    Record("{" + LEADER[1:], [Field("001", data="x")]),                  # a leader like JSON
    Record(LEADER, [Field("001", data="a\x1eb")]),                       # a separator in data
    Record(LEADER, [Field("001", data="a\x1fb")]),                       # a delimiter in data
    Record(LEADER, [Field("200", subfields=[("a", "x\x1fy")])]),         # ... in a value
    Record(LEADER, [Field("200", ind1="12", subfields=[("a", "x")])]),   # two-letter indicator
    Record(LEADER, [Field("200", ind1="", subfields=[("a", "x")])]),     # no indicator
    Record(LEADER, [Field("200", subfields=[("ab", "x")])]),             # two-letter code
    Record(LEADER, [Field("200", subfields=[])]),                        # no subfield
    Record(LEADER, [Field("20", data="x")]),                             # a short tag
], ids=["short leader", "brace", "0x1E", "0x1F data", "0x1F value", "ind 12", "ind empty",
        "code ab", "no subfield", "tag 20"])
def test_records_the_text_cannot_hold_are_stored_as_json(record):
    text = record_text(record)
    assert text.startswith(b"{") and json.loads(text.decode("utf-8"))["leader"] == record.leader
    back = record_from_blob(record_blob(record))
    assert back.leader == record.leader and _fields(back) == _fields(record)


_chars = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    "\x1e\x1f{=a "), max_size=6)
_one = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    "\x1e\x1f="), min_size=0, max_size=2)
_field = st.one_of(
    st.builds(lambda t, d: Field(t, data=d), _one.map(lambda s: (s + "001")[:3]) | _chars, _chars),
    st.builds(lambda t, i1, i2, subs: Field(t, ind1=i1, ind2=i2, subfields=subs),
              st.sampled_from(["200", "7\x1f0", "20"]), _one, _one,
              st.lists(st.tuples(_one, _chars), max_size=4)))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([LEADER, "{" + LEADER[1:], LEADER[:20], LEADER + "x"]) | _chars,
       st.lists(_field, max_size=6))
@example(LEADER, [Field("200", ind1="\x1f", ind2=" ", subfields=[("a", "b")])])
@example(LEADER, [Field("200", ind1=" ", ind2=" ", subfields=[("\x1e", "b")])])
@example(LEADER, [Field("001", data="")])
@example(LEADER, [])
def test_every_record_reads_back_as_it_was_stored(leader, fields):
    rec = Record(leader, fields)
    back = record_from_blob(record_blob(rec))
    assert back.leader == rec.leader and _fields(back) == _fields(rec)


def test_the_stream_is_zlib_with_its_check():
    for text in (b"", b"abc", "Қазақ тілі ".encode() * 1000, b"x" * 65535, b"y" * 65536,
                 b"z" * 200000):
        blob = compress(text)
        assert blob[:1] == b"\x78" and zlib.decompress(blob) == text
    blob = bytearray(compress(b"00123nam0 22000491  450 \x1e001=KZ-1"))
    blob[-6] ^= 1  # a changed byte of the text: the Adler-32 at the end no longer matches
    with pytest.raises(zlib.error):
        zlib.decompress(bytes(blob))


def _import(path, ledger):
    with open_ledger(ledger, create=True) as led:
        import_inputs(led, [Input(path)], default_plan(),
                      now=lambda: "2026-11-30T00:00:00+00:00", min_fast_size=0, workers=1)


def _records(ledger) -> list[tuple]:
    return [(src.record.leader, _fields(src.record)) for src, _facts in ledger_sources(ledger)]


def test_a_ledger_of_schema_1_reads_the_same_and_becomes_schema_2(tmp_path):
    """Records stored as rabiskit stored them before (deflated JSON, schema 1) read as the
    same records; the next import makes the ledger schema 2, which an older rabiskit refuses
    (it could not read the new records' text)."""
    src = FIXTURES / "unimarc-utf8.iso"
    ledger = tmp_path / "l.sqlite"
    _import(src, ledger)
    want = _records(ledger)
    assert want
    with open_ledger(ledger) as led:
        conn = led.conn
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
        forms = {zlib.decompress(b)[:1] for (b,) in conn.execute("SELECT record_data FROM records")}
        assert b"{" not in forms  # (this fixture's records: every one in its own text)
        # the same records as schema 1 held them, written here without rabiskit's codec
        old = {}
        for key, blob in conn.execute("SELECT key, record_data FROM records"):
            r = record_from_blob(blob)
            old[key] = zlib.compress(json.dumps(
                {"leader": r.leader, "fields": [[f.tag, f.data] if f.data is not None else
                                                [f.tag, f.ind1, f.ind2, f.subfields]
                                                for f in r.fields]},
                ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
        with led.transaction():
            conn.executemany("UPDATE records SET record_data = ? WHERE key = ?",
                             [(b, k) for k, b in old.items()])
            conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    assert _records(ledger) == want
    _import(src, ledger)  # (every record unchanged: only the meta changes)
    with open_ledger(ledger) as led:
        assert led.conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
        led.conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with pytest.raises(LedgerError, match="newer rabiskit"):
        open_ledger(ledger)
