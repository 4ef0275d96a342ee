"""The quiet records' title key (``rabiskit.audit.quiet._title``): the subfields the title
reads, found by one regular expression, are those the field's parts give plainly."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rabiskit.audit.quiet import _TITLE_CODES, _TITLE_SUBFIELDS


def _plainly(raw: bytes) -> list[bytes]:
    return [p for p in raw.split(b"\x1f")[1:] if p[:1] in _TITLE_CODES]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"\x1f", b"a", b"e", b"h", b"i", b"f", b"A", b"\n", b" ",
                                 "Абай".encode(), b"\x1e", b"\x00", b"1"]),
                max_size=30).map(b"".join))
@example(b"")
@example(b"\x1f")
@example(b"1 \x1fa\x1f\x1fe\x1f")
@example("1 \x1faАбай жолы\x1ffМ. Әуезов\x1fhI\x1fiТом\n".encode())
def test_title_subfields_are_the_parts_of_those_codes(raw):
    assert _TITLE_SUBFIELDS(raw) == _plainly(raw)


def test_title_subfields_by_hand():
    assert _TITLE_SUBFIELDS("1 \x1faАбай\x1ffМ. Ә.\x1feроман\x1fa".encode()) == [
        "aАбай".encode(), "eроман".encode(), b"a"]
