"""The gathers the block path's outputs are made with: the positions of spans of a block
(``span_positions``), the delimiters of a few fields (``_Fields`` looking in their bytes
alone), and the MARCXML of some of a block's records (``plain_xml``, each record's bytes
looked at alone) are what the plain ways give."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from test_block_path import HAND, LINKED, field_bytes, record
from rabiskit.export.marcxml import plain_records_xml, record_xml
from rabiskit.facts.batches import _Fields, span_positions
from rabiskit.facts.blocks import index_block, records_of


def test_span_positions_written_by_hand():
    got = span_positions(np.array([5, 0, 20]), np.array([3, 0, 2]))
    assert got.tolist() == [5, 6, 7, 20, 21]
    assert span_positions(np.array([3 << 31]), np.array([2])).tolist() == [3 << 31, (3 << 31) + 1]
    assert span_positions(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).size == 0


def _blocks():
    yield b"".join(LINKED + HAND)
    for p in sorted(FIXTURES.glob("*.iso")) + sorted(FIXTURES.glob("*.mrc")):
        yield p.read_bytes()
    escapes = record("nam0 ", [
        ("001", b"esc\x1e"),
        ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
        ("200", field_bytes(("a", "A & B <c>"), ind="1 ")),
        ("215", field_bytes(("a", "tab\there"))),
        ("300", field_bytes(("a", "\ufffe"))),
    ])
    plain = record("nam0 ", [("001", b"p\x1e"), ("200", field_bytes(("a", "Атау")))])
    yield (escapes + plain) * 3


def _subsets(n: int):
    every = np.arange(n)
    return [every, every[::2], every[1::3], every[-1:]]


def test_fields_of_a_few_records_as_of_all():
    """The subfields found for some records (their fields' bytes alone) are those found
    for all records, row for row."""
    for buf in _blocks():
        ix = index_block(buf, encoding=None, flavour=None)
        if ix is None:
            continue
        clean = np.flatnonzero(ix.clean)
        whole = _Fields(ix, clean)
        for which in _subsets(clean.size)[1:]:
            part = _Fields(ix, clean[which])
            for tag, code in (("200", "a"), ("856", "u"), ("100", "a"), ("463", "v")):
                rows, s, e = part.subfield_values(tag, code)
                rows_w, s_w, e_w = whole.subfield_values(tag, code)
                keep = np.isin(rows_w, which)
                assert s.tolist() == s_w[keep].tolist() and e.tolist() == e_w[keep].tolist()
                assert clean[which][rows].tolist() == clean[rows_w[keep]].tolist()


def _chosen_records():
    """(block index, clean records of it) of the blocks and their subsets."""
    for buf in _blocks():
        ix = index_block(buf, encoding=None, flavour=None)
        if ix is None:
            continue
        clean = np.flatnonzero(ix.clean)
        for which in _subsets(clean.size):
            yield ix, clean[which]


def test_marcxml_of_some_records_is_what_lxml_writes():
    made = 0
    for ix, recs in _chosen_records():
        for i, plain in zip(recs.tolist(), plain_records_xml(ix, recs)):
            if plain is not None:
                assert plain == record_xml(records_of(ix, np.array([i]), None)[0])[0]
                made += 1
    assert made > 50


TEXTS = st.sampled_from(["Атау", "a&b", "<", "x\ty", "\ufffe", "\uffff", "\ufffd", "ok", "", '"q"'])


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "40")), deadline=None)
@given(texts=st.lists(TEXTS, min_size=1, max_size=8), step=st.integers(1, 3))
@example(texts=["\ufffe", "ok"], step=2)
def test_marcxml_of_random_subsets(texts, step):
    recs = [record("nam0 ", [("001", f"n{k}".encode() + b"\x1e"),
                             ("200", field_bytes(("a", t), ind="1 "))]) for k, t in enumerate(texts)]
    ix = index_block(b"".join(recs), encoding=None, flavour=None)
    assert ix is not None
    chosen = np.flatnonzero(ix.clean)[::step]
    for i, plain in zip(chosen.tolist(), plain_records_xml(ix, chosen)):
        want = record_xml(records_of(ix, np.array([i]), None)[0])[0]
        assert plain is None or plain == want
        if texts[i] in ("Атау", "ok", "", "\ufffd"):
            assert plain is not None


def test_any_of_written_by_hand():
    from rabiskit.facts.batches import _any_of

    assert _any_of(np.array([1, 2, 3, 2]), [2, 9, 2]).tolist() == [False, True, False, True]
    assert _any_of(np.array([1, 2]), []).tolist() == [False, False]


def test_fields_with_the_delimiters_given_as_found():
    """``_Fields`` given the subfield delimiters of the records' bytes (as ``plain_xml``
    finds them) finds what it finds by itself."""
    from rabiskit.facts.batches import span_positions

    checked = 0
    for ix, recs in _chosen_records():
        starts, ends = ix.starts[recs], ix.ends[recs]
        pos = span_positions(starts, (ends - starts).astype(np.int64))
        given = _Fields(ix, recs, delimiters=pos[ix.arr[pos] == 0x1F])
        found = _Fields(ix, recs)
        for name in ("ent", "delims", "sd_entry", "sd_key", "sd_start", "sd_end"):
            assert getattr(given, name).tolist() == getattr(found, name).tolist()
        checked += 1
    assert checked > 4
