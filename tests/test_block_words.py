"""The block reader's word tricks (rabiskit.facts.blocks): eight ASCII digits checked and
read as one uint64, the records' bytes beyond ASCII from their greatest byte, against
Python's own reading of the same bytes."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rabiskit.facts.blocks import _digits8, _value8, index_block
from test_block_path import field_bytes, record


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.binary(min_size=8, max_size=8), min_size=1, max_size=50))
@example(words=[b"00000000", b"99999999", b"0123/567", b"01234:67", b"\xff\xff\xff\xff\xff\xff\xff\xff",
                b"12340000", b"0000\x00123"])
def test_eight_digits_as_one_word(words):
    w = np.frombuffer(b"".join(words), dtype="<u8")
    ok = _digits8(w)
    values = _value8(w)
    for i, raw in enumerate(words):
        digits = all(48 <= c <= 57 for c in raw)
        assert bool(ok[i]) == digits, raw
        if digits:
            v = int(values[i])
            assert v & 0xFFFFFFFF == int(raw[:4]) and v >> 32 == int(raw[4:]), raw


def test_hand_written_directory_numbers_and_high_bytes():
    """A directory's lengths and starts as written by hand; the record with Cyrillic in its
    data is the one with bytes beyond ASCII."""
    ascii_rec = record("nam0 ", [("001", b"abc\x1e"), ("200", field_bytes(("a", "Title")))])
    cyr_rec = record("nam0 ", [("001", b"x\x1e"), ("200", field_bytes(("a", "Атау")))])
    ix = index_block(ascii_rec + cyr_rec, encoding=None, flavour=None)
    assert ix is not None and ix.clean.tolist() == [True, True]
    # 001 "abc" + terminator: 4 bytes at 0; 200 "  " + "\x1faTitle" + terminator: 10 at 4
    assert ix.flen[:2].tolist() == [4, 10] and (ix.s_abs[:2] - ix.s_abs[0]).tolist() == [0, 4]
    # "Атау" is 8 bytes of UTF-8: the second record's 200 is 2 + 2 + 8 + 1 = 13 bytes
    assert ix.flen[2:].tolist() == [2, 13]
    assert [ix.combo[i] >> 6 & 1 for i in range(2)] == [0, 1]  # bytes beyond ASCII
