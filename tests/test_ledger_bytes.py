"""The ledger rows an import's workers build from a block's bytes and columns
(``rabiskit.ledger.blockforms``, ``rabiskit.ledger.blockrows``) are the careful reader's:
the same key, checksum (SHA-256 of ``canonical_bytes``), facts and stored text
(``record_text``), for hand-written records (with the text written out here), every
fixture, the corpus and random, damaged blocks."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from test_block_path import corpus_iso_files, own_rule_plan, record
from rabiskit.facts.blocks import index_block
from rabiskit.facts.fast import careful_entry
from rabiskit.facts.scan import FileSummary, Input
from rabiskit.ledger.blockforms import stored_forms
from rabiskit.ledger.codec import ROW_COLUMNS, canonical_bytes, json_list, record_row
from rabiskit.ledger.store import open_ledger
from rabiskit.pipeline.ledger import import_inputs
from rabiskit.pipeline.ledgerrows import _work
from rabiskit.pipeline.records import BlockTask
from rabiskit.plan.load import default_plan
from rabiskit.sources.iso2709 import Iso2709Reader

_BLOB = ROW_COLUMNS.index("record_data")


class _Task(BlockTask):
    """A block given as bytes (as a worker reads it from the file)."""

    def __init__(self, buf: bytes, rules, encoding=None, db_level=None) -> None:
        super().__init__("", 0, len(buf), "t.iso", db_level, encoding, None, rules)
        self.buf = buf

    def read(self) -> bytes:
        return self.buf


def _readable(columns: list[list]) -> list[tuple]:
    """Rows with the stored record as its text (compression may differ)."""
    rows = []
    for row in zip(*columns):
        row = list(row)
        row[_BLOB] = zlib.decompress(row[_BLOB]).decode("utf-8", "surrogatepass")
        rows.append(tuple(row))
    return rows


def careful_rows(buf: bytes, rules, encoding=None, db_level=None) -> tuple[list[tuple], FileSummary]:
    """What the careful reader gives for the records of ``buf``, as ledger rows."""
    reader = Iso2709Reader("t.iso", encoding=encoding, display="t.iso", fileobj=io.BytesIO(buf))
    summary = FileSummary(file="t.iso")
    rows = []
    for src in reader:
        _n, facts, reason, problems, row = careful_entry(src, rules, db_level, record_row)
        summary.add_read(facts, reason, problems)
        rows.append(row)
    return _readable([list(c) for c in zip(*rows)]), summary


def block_rows(buf: bytes, rules, encoding=None, db_level=None):
    out = _work(_Task(buf, rules, encoding, db_level))
    return _readable(out.columns), out


def assert_same(buf: bytes, rules, encoding=None, db_level=None) -> int:
    """The block's rows are the careful reader's; returns how many the block path settled."""
    want, summary = careful_rows(buf, rules, encoding, db_level)
    got, out = block_rows(buf, rules, encoding, db_level)
    assert got == want
    assert out.summary == summary
    return out.settled


# -- hand-written records: the stored text written out here -----------------------------

def f(ind: str, *subfields: tuple[str, str]) -> bytes:
    return (ind + "".join(f"\x1f{c}{v}" for c, v in subfields)).encode("utf-8") + b"\x1e"


def c(text: str) -> bytes:
    return text.encode("utf-8") + b"\x1e"


DATE = ("a", "20260115d2026    k  y0kaza50      ba")

PLAIN = [
    # ASCII and UTF-8, quotes and backslashes in values, an empty value, odd indicators,
    # a field with no subfield at all, an empty control field
    record("nam0 ", [("001", c("kz-1")), ("005", c("20260115093000.0")),
                     ("100", f("  ", DATE)), ("101", f("0 ", ("a", "kaz"))),
                     ("200", f("1 ", ("a", 'Абай "жолы"'), ("e", "роман\\эпопея"), ("f", ""))),
                     ("300", c("a note without subfields")), ("606", f('#"', ("a", "Тарих"))),
                     ("999", c(""))]),
    record("nam0 ", [("001", c('q"\\')), ("100", f("  ", DATE)),
                     ("200", f("  ", ("a", "Ақын"), ("a", "Ақын"))), ("215", f("  ", ("a", "120 б.")))]),
]
# the stored texts (the leader, then per field 0x1E, the tag, '=' and the data or the
# indicators and the subfields), written out
PLAIN_TEXT = [
    "%s\x1e001=kz-1\x1e005=20260115093000.0\x1e100  \x1fa20260115d2026    k  y0kaza50      ba"
    '\x1e1010 \x1fakaz\x1e2001 \x1faАбай "жолы"\x1feроман\\эпопея\x1ff'
    '\x1e300=a note without subfields\x1e606#"\x1faТарих\x1e999=',
    '%s\x1e001=q"\\\x1e100  \x1fa20260115d2026    k  y0kaza50      ba'
    "\x1e200  \x1faАқын\x1faАқын\x1e215  \x1fa120 б.",
]

# records the byte path leaves to the decoded record: what the reader does to their text is
# not the bytes' order
ODD = [
    record("nam0 ", [("001", c("e1")), ("100", f("  ", DATE)), ("200", b"1 \x1fa\x1f\x1fbx\x1e")]),  # empty subfield
    record("nam0 ", [("001", c("e2")), ("100", f("  ", DATE)), ("200", b"1 \x1fax\x1f\x1e")]),  # delimiter at the end
    record("nam0 ", [("001", c("e3")), ("100", f("  ", DATE)), ("200", b"\x1fax\x1e")]),  # no indicators
    record("nam0 ", [("001", c("e4")), ("100", f("  ", DATE)), ("200", b"1\x1fax\x1e")]),  # one indicator
    record("nam0 ", [("001", c("e5")), ("100", f("  ", DATE)), ("200", b"123\x1fax\x1e")]),  # three
    record("nam0 ", [("001", c("e6")), ("100", f("  ", DATE)), ("200", "ә \x1fax\x1e".encode())]),  # letter
    record("nam0 ", [("001", c("e7")), ("100", f("  ", DATE)), ("200", "1 \x1fәx\x1e".encode())]),  # code
    record("nam0 ", [("001", c("e8")), ("100", f("  ", DATE)), ("200", b"1 \x1fax\ty\x1e")]),  # a tab
]


def test_hand_written_records_stored_from_their_bytes():
    buf = b"".join(PLAIN + ODD)
    rules = default_plan().rules_in_force()
    ix = index_block(buf, encoding=None, flavour=None)
    assert ix is not None and ix.clean.all()
    forms, rest = stored_forms(ix, np.arange(ix.nrec))
    # the plain ones from their bytes, the others left to the decoded records
    assert forms.which.tolist() == [0, 1] and rest.tolist() == list(range(2, 2 + len(ODD)))
    for k, raw in enumerate(PLAIN):
        expected = PLAIN_TEXT[k] % raw[:24].decode("ascii")
        assert forms.texts[k].decode("utf-8") == expected
    # the canonical bytes of the first, written out: the leader's computed positions blank
    lead = PLAIN[0][:24].decode("ascii")
    canon = ("     " + lead[5:10] + "       " + lead[17:20] + "    " + "\x1e001=kz-1\x1e005=20260115093000.0"
             "\x1e100  \x1fa20260115d2026    k  y0kaza50      ba\x1e1010 \x1fakaz"
             '\x1e2001 \x1faАбай "жолы"\x1feроман\\эпопея\x1ff\x1e300=a note without subfields'
             '\x1e606#"\x1faТарих\x1e999=').encode("utf-8")
    assert forms.checksums[0] == hashlib.sha256(canon).hexdigest()
    # and every record, plain or odd, as the careful reader stores it
    reader = Iso2709Reader("t.iso", fileobj=io.BytesIO(buf))
    records = [src.record for src in reader]
    assert canonical_bytes(records[0]) == canon
    assert assert_same(buf, rules) == len(PLAIN) + len(ODD)


def test_hand_written_cp1251_and_marc21(tmp_path):
    """Records the block path does not settle (Windows-1251) and MARC 21 ones."""
    cyr = record("nam0 ", [("001", c("w1")),
                           ("100", f("  ", ("a", "20260115d2026    k  y0rusy0189    ca"))),
                           ("200", "1 \x1faКнига \"Абай\"\x1e".encode("cp1251"))])
    # MARC 21, leader/09 a (UTF-8)
    m21 = record("nam a", [("001", c("m1")), ("008", c("260115s2026    kz            000 0 kaz d")),
                           ("245", f("10", ("a", "Title /"), ("c", "A\\B"))),
                           ("300", f("  ", ("a", "120 p.")))])
    assert m21[9:10] == b"a"
    rules = own_rule_plan().rules_in_force()
    assert assert_same(cyr + m21 + b"".join(PLAIN), rules) == 1 + len(PLAIN)
    # the import of these records through the workers stores what the careful reader stores
    path = tmp_path / "hand.iso"
    path.write_bytes((cyr + m21 + b"".join(PLAIN + ODD)) * 3)
    assert _ledgers_equal(tmp_path, [Input(path)])


# -- whole ledgers --------------------------------------------------------------------------

def _tables(path: Path) -> dict:
    conn = sqlite3.connect(path)
    conn.create_function("inflate", 1, lambda b: zlib.decompress(b).decode("utf-8", "surrogatepass"))
    try:
        out = {}
        for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({t})")]
            sel = ", ".join("inflate(record_data)" if col == "record_data" else col for col in cols)
            out[t] = sorted(conn.execute(f"SELECT {sel} FROM {t}").fetchall(), key=repr)
        return out
    finally:
        conn.close()


def _ledgers_equal(tmp_path: Path, inputs: list[Input]) -> bool:
    plan = own_rule_plan()
    out = []
    for name, opts in (("careful", {"min_fast_size": 1 << 40}),
                       ("block", {"min_fast_size": 0, "workers": 1, "block_size": 2048})):
        target = tmp_path / f"{name}.sqlite"
        target.unlink(missing_ok=True)
        with open_ledger(target, create=True) as led:
            res = import_inputs(led, inputs, plan, now=lambda: "2026-11-30T00:00:00Z", **opts).as_dict()
        res.pop("ledger")
        out.append((res, _tables(target)))
    assert out[0][1]["records"]
    return out[0] == out[1]


def test_every_fixture_stored_as_the_careful_reader_stores_it(tmp_path):
    files = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".iso", ".mrc"))
    assert len(files) > 10
    rules = own_rule_plan().rules_in_force()
    settled = 0
    for path in files:
        buf = path.read_bytes()
        if b"\x1d" in buf:
            settled += assert_same(buf[:buf.rfind(b"\x1d") + 1], rules)
    assert settled > 100
    # a forced encoding, and a --db level
    buf = (FIXTURES / "unimarc-utf8.iso").read_bytes()
    assert assert_same(buf, rules, encoding="cp1251") > 0
    assert assert_same(buf, rules, db_level="periodical") > 100
    assert _ledgers_equal(tmp_path, [Input(FIXTURES / n) for n in (
        "unimarc-utf8.iso", "marc21-utf8.mrc", "damaged.iso", "rusmarc-cp1251.iso")])


def test_corpus_stored_as_the_careful_reader_stores_it(corpus):
    rules = default_plan().rules_in_force()
    checked = settled = 0
    for path in corpus_iso_files(corpus):
        buf = path.read_bytes()[:1 << 20]
        if b"\x1d" not in buf:
            continue
        settled += assert_same(buf[:buf.rfind(b"\x1d") + 1], rules)
        checked += 1
    assert checked > 150 and settled > 1000


# -- random records and random damage ---------------------------------------------------

CODES = st.sampled_from(["a", "b", "e", "9", '"', "\\", "ә", "z"])
TEXT = st.text(st.sampled_from(list('ab "\\/:.,;=Аәқ1\t') + ["Ж", " "]), max_size=8)
INDS = st.sampled_from(["  ", "10", "#1", '"\\', "1", "", "ә "])


@st.composite
def fields(draw):
    tag = draw(st.sampled_from(["005", "010", "200", "215", "300", "463", "606", "856", "900"]))
    if draw(st.booleans()):
        return tag, draw(TEXT).encode("utf-8") + b"\x1e"
    subs = draw(st.lists(st.tuples(CODES, TEXT), min_size=0, max_size=4))
    body = draw(INDS) + "".join(f"\x1f{code}{v}" for code, v in subs)
    if draw(st.integers(0, 9)) == 0:
        body += "\x1f"  # a delimiter at the end
    return tag, body.encode("utf-8") + b"\x1e"


@st.composite
def random_record(draw):
    number = draw(st.integers(1, 10 ** 6))
    fs = [("001", c(f"r{number}")), ("100", f("  ", DATE)), ("101", f("0 ", ("a", "kaz")))]
    fs += draw(st.lists(fields(), max_size=6))
    return record(draw(st.sampled_from(["nam0 ", "naa0 ", "cam0 ", "dam0 "])), fs)


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(recs=st.lists(random_record(), min_size=1, max_size=8),
       edits=st.lists(st.tuples(st.integers(0, 3000),
                                st.sampled_from([0x1D, 0x1E, 0x1F, 0x22, 0x5C, 0x01, 0xD0, 0x92])),
                      max_size=2))
@example(recs=PLAIN + ODD, edits=[])
@example(recs=PLAIN, edits=[(60, 0x22)])
def test_random_blocks_stored_as_the_careful_reader_stores_them(recs, edits):
    buf = edited_block(recs, edits)
    if buf is not None:
        assert_same(buf, own_rule_plan().rules_in_force())


def edited_block(recs: list[bytes], edits: list[tuple[int, int]]) -> bytes | None:
    """The records with the bytes at ``edits`` (position, value) replaced, up to their last
    record terminator (None: none left)."""
    data = bytearray(b"".join(recs))
    for pos, val in edits:
        if pos < len(data):
            data[pos] = val
    buf = bytes(data)
    if b"\x1d" not in buf:
        return None
    return buf[:buf.rfind(b"\x1d") + 1]


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.text(max_size=6), max_size=4))
@example(values=["a\"b", "c\\d", "\x1f", "Абай", "\u2028", "\x7f"])
def test_json_list_is_json_dumps(values):
    assert json_list(tuple(values)) == json.dumps(values, ensure_ascii=False)


def test_the_byte_path_builds_most_records_of_the_benchmark_shape():
    """Records as the generated exports and the fixtures hold them come from their bytes
    (the byte path does not quietly leave everything to the decoded records)."""
    buf = (FIXTURES / "unimarc-utf8.iso").read_bytes()
    ix = index_block(buf, encoding=None, flavour=None)
    assert ix is not None
    forms, rest = stored_forms(ix, np.flatnonzero(ix.clean))
    assert forms.which.size >= 1 and forms.which.size >= rest.size


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
