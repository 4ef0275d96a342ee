"""The audit's keys read at once: the 010 ISBN column of the quiet records
(``rabiskit.audit.quiet.isbn_column``) is ``subfield_column``'s with ``isbn_keys``, and the
duplicate check's hashes (``rabiskit.audit.duplicates.text_hashes``) are the same for a
text whatever is hashed with it and in whichever process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rabiskit.audit.duplicates import DuplicateFinder, stable_hash, text_hashes
from rabiskit.audit.quiet import _isbns, isbn_column
from rabiskit.facts.blocks import index_block
from rabiskit.facts.columns import subfield_column
from rabiskit.records.record import UNIMARC, Field, Record
from rabiskit.sources.iso2709_writer import encode_record, set_declared_encoding

REPO = Path(__file__).resolve().parents[1]


def _record(n: int, isbn_fields: list[tuple[str, list[tuple[str, str]]]]) -> Record:
    fields = [Field("001", data=f"KZ{n:06d}")]
    for ind, subs in isbn_fields:
        fields.append(Field("010", ind1=ind[0], ind2=ind[1], subfields=subs))
    fields.append(Field("200", ind1="1", subfields=[("a", "Қазақ әдебиеті")]))
    return set_declared_encoding(Record("00000nam0 2200000 i 450 ", fields), UNIMARC, "utf-8")


def _columns(records: list[Record]):
    """Per record: (isbn_column's value, subfield_column's value)."""
    import numpy as np

    buf = b"".join(encode_record(r) for r in records)
    ix = index_block(buf, encoding=None, flavour=None)
    assert ix is not None and ix.clean.all()
    among = np.ones(ix.nrec, dtype=bool)
    fast, careful = isbn_column(ix, among), subfield_column(ix, among, "010", "a", _isbns)
    return [(fast.values[a] if a >= 0 else None, careful.values[b] if b >= 0 else None)
            for a, b in zip(fast.codes.tolist(), careful.codes.tolist())]


def test_the_isbn_column_of_hand_written_010_fields():
    plain = [("  ", [("a", v)]) for v in (
        "978-601-7-12345-6",  # ISBN-13 with hyphens
        "9786017123456",  # ... without
        "978-601-891-86876-7",  # 15 digits: no ISBN
        "601712345X",  # ISBN-10: turned into an ISBN-13 (check digit 1, by hand)
        "978-601-7-12345-6 (пер.)",  # text after it
        "979-10-90636-07-1",  # a 979 one
    )]
    records = [_record(1, []), *[_record(k, [f]) for k, f in enumerate(plain, start=2)],
               _record(20, [("  ", [("a", "9786017123456")]), ("  ", [("a", "601712345X")])]),
               _record(21, [("01", [("a", "9786017123456"), ("a", "9786017123456")])]),
               _record(22, [("  ", [("b", "пер."), ("a", "9786017123456")])])]
    got = _columns(records)
    assert [fast for fast, _ in got] == [
        ((),), (("9786017123456",),), (("9786017123456",),), ((),), (("9786017123451",),),
        (("9786017123456",),), (("9791090636071",),),
        (("9786017123456", "9786017123451"),), (("9786017123456",),), (("9786017123456",),)]
    assert [careful for _, careful in got] == [fast for fast, _ in got]


_ISBN_TEXT = st.one_of(
    st.text(alphabet="0123456789-", min_size=10, max_size=22).map(lambda t: "97" + t),
    st.text(alphabet="0123456789- Xx", max_size=22),
    st.sampled_from(["978-601-7-12345-6", "9786017123456", "978-601-891-86876-7",
                     "978-1-2345-67", "601712345X", " 9786017123456", "9786017123456 ",
                     "978-601-7-12345-6 (пер.)", "979-10-90636-07-1", ""]))
_FIELD = st.tuples(st.sampled_from(["  ", "01", "#1"]),
                   st.lists(st.tuples(st.sampled_from("aab"), _ISBN_TEXT), max_size=2))


@settings(max_examples=60, deadline=None)
@given(fields=st.lists(st.lists(_FIELD, max_size=2), min_size=1, max_size=8))
@example(fields=[[("  ", [("a", "978-601-891-86876-7")])]])  # 15 digits
@example(fields=[[("  ", [("a", "978-1-2345-67")])]])  # 10 digits after 978: an ISBN-10
@example(fields=[[("  ", [("a", "97800000000000000000")])]])  # 20 characters
def test_the_isbn_column_is_the_subfield_columns(fields):
    got = _columns([_record(k, f) for k, f in enumerate(fields, start=1)])
    assert [fast for fast, _ in got] == [careful for _, careful in got]


def test_a_texts_hash_does_not_depend_on_the_texts_hashed_with_it():
    texts = ["", "a", "abcdefgh", "abcdefgh\0", "abcdefghi", "Қазақ әдебиеті тарихы", "x" * 100,
             "isbn\x1f9786017123456", "\udc80"]
    alone = [int(text_hashes([t])[0]) for t in texts]
    assert text_hashes(texts).tolist() == alone
    assert text_hashes(texts[::-1]).tolist() == alone[::-1]
    assert text_hashes(texts * 3).tolist() == alone * 3
    assert len(set(alone)) == len(texts)  # a trailing 0 byte, one byte more: other hashes
    assert stable_hash("isbn", "9786017123456") == alone[7]
    assert text_hashes([]).size == 0


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.text(max_size=30), max_size=30))
@example(texts=["a", "a\0", "a\0\0\0\0\0\0\0"])
def test_equal_texts_and_only_they_share_a_hash(texts):
    h = text_hashes(texts).tolist()
    for t, x in zip(texts, h):
        assert int(text_hashes([t])[0]) == x
    assert len(set(h)) == len(set(texts))


def test_the_hashes_are_the_same_in_another_process():
    texts = ["001\x1fa.iso\x1fKZ1", "title\x1fабай жолы\x1fәуезов\x1f1942\x1fbook"]
    code = ("from rabiskit.audit.duplicates import text_hashes; "
            f"print(text_hashes({texts!r}).tolist())")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, text=True,
                         capture_output=True, env={"PYTHONHASHSEED": "12345", "PATH": ""}).stdout
    assert out.strip() == str(text_hashes(texts).tolist())


def test_records_added_one_by_one_or_together_give_the_same_duplicates():
    rows = [("a.iso", k, 10 * k, f"KZ{k % 4}", t, "book", "", None, t, ("kaz",), UNIMARC,
             isbns, "абай", "2025", False)
            for k, (t, isbns) in enumerate([("тарих", ()), ("ертегі", ("9786017123456",)),
                                            ("тарих", ()), ("өлең", ("9786017123456",)),
                                            ("жыр", ())], start=1)]
    one, many = DuplicateFinder(), DuplicateFinder()
    for row in rows:
        one.add_keys(*row)
    many.add_many(rows)
    try:
        assert one.findings() == many.findings()
        # by hand: 1 and 3 by title, 2 and 4 by ISBN; 001 KZ1 of records 1 and 5
        assert [(f.kind, f.record, f.group) for f in many.findings()] == [
            ("duplicate", 1, 1), ("duplicate", 3, 1), ("duplicate", 2, 2),
            ("duplicate", 4, 2), ("repeated_control_number", 1, 1),
            ("repeated_control_number", 5, 1)]
        assert many.findings()[2].evidence.startswith("same ISBN 9786017123456 as ")
    finally:
        one.close()
        many.close()


_SUB = st.tuples(st.sampled_from("tvdx"), st.text(alphabet="Ақазб 12.,-", max_size=6))


@settings(max_examples=60, deadline=None)
@given(fields=st.lists(st.lists(_SUB, max_size=4), max_size=3))
@example(fields=[[("v", "Б. 2")], [("t", "Егемен Қазақстан"), ("t", "Сарыарқа")]])
def test_the_host_of_the_463_texts_is_host_text(fields):
    from rabiskit.audit.quiet import _host
    from rabiskit.audit.text import host_text
    from rabiskit.sources.iso2709 import _field

    texts = ["  " + "".join(f"\x1f{c}{v}" for c, v in subs) for subs in fields]
    record = Record(" " * 24, [_field("463", t) for t in texts])
    assert _host(texts) == (host_text(record, UNIMARC),)


def test_the_host_of_hand_written_463_fields():
    from rabiskit.audit.quiet import _host

    assert _host([" 1\x1ftЕгемен Қазақстан\x1fvБ. 2"]) == ("егемен қазақстан б 2",)
    # the first $t of all the 463s, a field without subfields is data
    assert _host(["no subfields", "  \x1fvN 3", "  \x1ftСарыарқа\x1ftПростор"]) == (
        "сарыарқа n 3",)
    assert _host([]) == ("",)


@settings(max_examples=80, deadline=None)
@given(value=st.text(alphabet=st.sampled_from(list("ab /:;=,.\t\n\u00a0\u2003\x1fҚ")), max_size=10))
@example(value="Title /\u2003")
@example(value="Title\n")
def test_clean_title_cuts_the_ends_its_pattern_names(value):
    import re

    from rabiskit.facts.parse import clean_title

    want = re.sub(r"[\s/:;=,.]+$", "", value.strip()) or None
    assert clean_title(value) == want
    assert clean_title("Абай жолы : роман /") == "Абай жолы : роман"  # by hand


def test_more_records_one_by_one_than_a_batch_holds_give_the_same_findings():
    rows = [("a.iso" if k % 3 else "b.iso", k, k, f"KZ{k % 700}", f"т{k % 50}", "book", "",
             None, f"т{k % 50}", ("kaz",), UNIMARC, (f"978601{k % 900:07d}",), "абай", "",
             k % 11 == 0) for k in range(1, 2600)]
    one, many, parts = DuplicateFinder(), DuplicateFinder(), DuplicateFinder()
    for row in rows:
        one.add_keys(*row)
    many.add_many(rows)
    for k in range(0, len(rows), 700):
        parts.add_many(rows[k:k + 700])
    try:
        assert one.records == many.records == parts.records == len(rows)
        want = many.findings()
        assert len(want) > 1000
        assert one.findings() == want and parts.findings() == want
    finally:
        for f in (one, many, parts):
            f.close()
