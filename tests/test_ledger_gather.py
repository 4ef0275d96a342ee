"""The stored forms of blocks of several chunks (``rabiskit.ledger.blockforms.CHUNK``
records are built together) are the careful reader's: quotes and backslashes in values
(kept as they are: the stored text escapes nothing), chunks next to each other in one
block, a record the byte path leaves to the decoded record (a control byte in its data,
an empty subfield) anywhere among them (the layout of the plain ones is then taken from
the delimiters the block's check found)."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from test_block_path import record
from test_ledger_bytes import DATE, ODD, assert_same, c, f
from rabiskit.facts.blocks import index_block
from rabiskit.ledger.blockforms import CHUNK, stored_forms
from rabiskit.plan.load import default_plan


def plain(k: int, title: str = "Абай жолы") -> bytes:
    return record("nam0 ", [("001", c(f"kz-{k}")), ("005", c("20260115093000.0")),
                            ("100", f("  ", DATE)), ("101", f("0 ", ("a", "kaz"))),
                            ("200", f("1 ", ("a", title), ("e", "роман"))),
                            ("215", f("  ", ("a", "120 б.")))])


#: what may replace a plain record: a value with a quote, one with a backslash, a record
#: the byte path leaves to the decoded record (an empty subfield; a tab in a value)
SPECIAL = {"quote": plain(0, 'Абай "жолы"'), "backslash": plain(0, "роман\\эпопея"),
           "empty subfield": ODD[0], "tab": ODD[-1]}


def block(n: int, special: list[tuple[int, str]]) -> bytes:
    recs = [plain(k) for k in range(n)]
    for at, kind in special:
        recs[at % n] = SPECIAL[kind]
    return b"".join(recs)


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "60")) // 4 or 1,
          deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 2 * CHUNK + 3),
       special=st.lists(st.tuples(st.integers(0, 3 * CHUNK), st.sampled_from(sorted(SPECIAL))),
                        max_size=3))
@example(n=2 * CHUNK + 1, special=[])
@example(n=2 * CHUNK + 1, special=[(CHUNK + 7, "quote")])
@example(n=2 * CHUNK + 1, special=[(3, "backslash"), (2 * CHUNK, "quote")])
@example(n=CHUNK + 2, special=[(CHUNK - 1, "tab"), (CHUNK, "quote")])
@example(n=CHUNK + 2, special=[(0, "empty subfield"), (CHUNK + 1, "tab")])
def test_chunks_with_and_without_escapes_stored_as_the_careful_reader_stores_them(n, special):
    assert_same(block(n, special), default_plan().rules_in_force())


def test_a_block_of_plain_chunks_comes_from_its_bytes():
    """(the test above compares the rows; here: they are the byte path's, not the decoded
    records')"""
    buf = block(2 * CHUNK + 1, [(CHUNK + 7, "quote"), (5, "tab")])
    ix = index_block(buf, encoding=None, flavour=None)
    assert ix is not None
    forms, rest = stored_forms(ix, np.flatnonzero(ix.clean))
    assert rest.tolist() == [5]
    assert forms.which.size == 2 * CHUNK
    assert 'Абай "жолы"\x1fe'.encode() in forms.texts[CHUNK + 6]
    assert forms.texts[0] == buf[:24] + ("\x1e001=kz-0\x1e005=20260115093000.0\x1e100  \x1fa"
                              + DATE[1] + "\x1e1010 \x1fakaz\x1e2001 \x1faАбай жолы\x1feроман"
                              "\x1e215  \x1fa120 б.").encode()


def test_the_columns_looked_through_for_nulls_are_those_the_table_lets_hold_null(tmp_path):
    """(``add_new`` binds a NULL of these columns through ``NULLIF``; a None elsewhere is a
    row the table refuses, whichever way it is bound)"""
    from rabiskit.ledger.codec import ROW_COLUMNS
    from rabiskit.ledger.importer import _NULLABLE
    from rabiskit.ledger.store import open_ledger

    led = open_ledger(tmp_path / "l.sqlite", create=True)
    try:
        nullable = {r[1] for r in led.conn.execute("PRAGMA table_info(records)") if not r[3]}
    finally:
        led.close()
    assert sorted(ROW_COLUMNS[k] for k in _NULLABLE) == sorted(nullable & set(ROW_COLUMNS))
