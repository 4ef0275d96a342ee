"""The ledger rows of the records a block settles (``rabiskit.ledger.blockrows``), built
straight from the block index, are those the facts table (``rabiskit.facts.batches``'
Arrow table, as the rows were built before) gives, and the careful reader's: random and
damaged blocks of UNIMARC and MARC 21 records with the fields the facts read (001, 005,
010/020, 200/245, 215/300, 461/463/773, 856), values with blanks, ISBD punctuation,
quotes and control characters, 005 valid, invalid and odd; and pinned examples."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from test_block_path import own_rule_plan, record
from test_ledger_bytes import assert_same, edited_block

from rabiskit.facts.batches import _fast_table, decide_block
from rabiskit.ledger import blockrows
from rabiskit.ledger.blockforms import stored_forms
from rabiskit.ledger.codec import ROW_COLUMNS, json_list, record_key
from rabiskit.plan.load import default_plan


def arrow_columns(d, display: str, base_offset: int) -> dict[str, list]:
    """The facts of the settled records as the rows took them from the facts table
    (the columns ``settled_columns`` builds itself)."""
    table = _fast_table(d, display, base_offset)

    def col(name: str) -> list:
        return table.column(name).to_pylist()

    changed = table.column("date_changed").to_numpy(zero_copy_only=False).tolist()
    cn = col("control_number")
    forms, rest = stored_forms(d.ix, d.which)
    out = {"control_number": cn,
           "date_changed": [None if v is None else v.isoformat() for v in changed],
           "title": col("title"), "isbn": list(map(json_list, col("isbn"))),
           "links": list(map(json_list, col("links"))), "extent": col("extent"),
           "pages": col("pages"), "article_pages": col("article_pages"),
           "host_title": col("host_title")}
    if not rest.size:
        out["key"] = list(map(record_key, cn, forms.checksums))
    return out


def assert_columns_as_the_table(buf: bytes, rules, encoding=None) -> int:
    d = decide_block(buf, 0, display="t.iso", db_level=None, rules=rules, encoding=encoding,
                     flavour=None, whole=True)
    if d.ix is None or not d.which.size:
        return 0
    got = dict(zip(ROW_COLUMNS, blockrows.settled_columns(d, "t.iso", 0)))
    for name, values in arrow_columns(d, "t.iso", 0).items():
        assert (name, got[name]) == (name, values)
    return int(d.which.size)


def c(text: str) -> bytes:
    return text.encode("utf-8") + b"\x1e"


def f(ind: str, *subfields: tuple[str, str]) -> bytes:
    return (ind + "".join(f"\x1f{code}{v}" for code, v in subfields)).encode("utf-8") + b"\x1e"


DATE_U = ("a", "20260115d2026    k  y0kaza50      ba")


def unimarc(status: str, bib: str, extra: list[tuple[str, bytes]]) -> bytes:
    return record(f"{status}a{bib}0 ", [("100", f("  ", DATE_U)), ("101", f("0 ", ("a", "kaz"))),
                                         *extra])


def marc21(status: str, bib: str, extra: list[tuple[str, bytes]]) -> bytes:
    return record(f"{status}a{bib} a", [("008", c("260115s2026    kz            000 0 kaz d")),
                                         *extra])


PINNED = [
    unimarc("n", "m", [("001", c("  kz-1 ")), ("005", c("20260115093000.0")),
                       ("010", f("  ", ("a", " 978-601-7"), ("a", ""), ("a", 'q"1'))),
                       ("200", f("1 ", ("a", "  Абай жолы : роман / "))),
                       ("215", f("  ", ("a", "382, [2] с."))), ("856", f("4 ", ("u", "http://x/\\y")))]),
    unimarc("c", "a", [("001", c("kz-2")), ("005", c("20240229235959")),
                       ("215", f("  ", ("a", "Б. 3-4"))), ("463", f(" 1", ("t", ""), ("v", ""))),
                       ("461", f(" 1", ("t", "Жалын."))), ("010", f("  ", ("a", "1\t2")))]),
    unimarc("d", "a", [("005", c("20230229120000")), ("200", f("1 ", ("a", "."))),
                       ("463", f(" 1", ("t", "Ана тілі /"), ("v", "С. 260-261")))]),
    unimarc("n", "m", [("001", c("")), ("005", c(" 20260115")), ("200", f("1 ", ("a", "Ы")))]),
    unimarc("n", "m", [("005", c("٢٠٢٦٠١١٥٠٩٣٠٠٠")), ("200", f("1 ", ("a", "x")))]),
    unimarc("n", "m", [("005", c("20261315093000")), ("005", c("19991231235959"))]),
    marc21("n", "m", [("001", c("m21-1")), ("005", c("00000101000000.0")),
                      ("020", f("  ", ("a", "9780306406157 (pbk.)"))), ("245", f("10", ("a", "Title /"))),
                      ("300", f("  ", ("a", "xii, 256 p. ;"))), ("856", f("40", ("u", "u1"), ("u", " u2 ")))]),
    marc21("n", "a", [("001", c("m21-2")), ("245", f("00", ("a", "Part ;"))),
                      ("773", f("0 ", ("t", "Host."), ("g", "Vol. 5, no. 3 (2020), p. 12-15"))),
                      ("010", f("  ", ("a", "not marc21's isbn")))]),
]

TEXT = st.text(st.sampled_from(list(" ab\"\\/:.,;=Аәқ1\t-Ж[]сp")), max_size=10)
DATE_005 = st.one_of(
    st.builds(lambda y, mo, d, h, mi, s, tail: f"{y:04d}{mo:02d}{d:02d}{h:02d}{mi:02d}{s:02d}{tail}",
              st.integers(0, 2100), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25),
              st.integers(0, 61), st.integers(0, 61), st.sampled_from(["", ".0", ".5", " ", "x", "."])),
    TEXT)
EXTENT = st.one_of(TEXT, st.sampled_from(["382, [2] с.", "256 б.", "xii, 256 p.", "Б. 3-4",
                                          "С. 260-261", "1 электрон. опт. диск", "P. 5"]))


@st.composite
def fact_field(draw, flavour: str):
    tags = (["001", "005", "010", "200", "215", "461", "463", "856", "020", "245"]
            if flavour == "u" else ["001", "005", "020", "245", "300", "773", "856", "010", "200"])
    tag = draw(st.sampled_from(tags))
    if tag == "001":
        return tag, c(draw(TEXT))
    if tag == "005":
        return tag, c(draw(DATE_005))
    codes = {"010": "a", "020": "a", "200": "a", "245": "a", "215": "a", "300": "a",
             "461": "t", "463": "tv", "773": "tg", "856": "u"}[tag]
    subs = draw(st.lists(st.tuples(st.sampled_from(codes + "b"),
                                   EXTENT if tag in ("215", "300", "463", "773") else TEXT),
                         max_size=3))
    return tag, f(draw(st.sampled_from(["  ", "10", " 1"])), *subs)


@st.composite
def fact_record(draw):
    flavour = draw(st.sampled_from("um"))
    extra = draw(st.lists(fact_field(flavour), max_size=7))
    status, bib = draw(st.sampled_from("ncd")), draw(st.sampled_from("ama"))
    return unimarc(status, bib, extra) if flavour == "u" else marc21(status, bib, extra)


def test_pinned_records_as_the_table_and_the_careful_reader():
    buf = b"".join(PINNED)
    for rules in (default_plan().rules_in_force(), own_rule_plan().rules_in_force()):
        # (the record with two 005 the block path leaves to the careful reader)
        assert assert_columns_as_the_table(buf, rules) == len(PINNED) - 1
        assert assert_same(buf, rules) == len(PINNED) - 1


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(recs=st.lists(fact_record(), min_size=1, max_size=10),
       edits=st.lists(st.tuples(st.integers(0, 4000),
                                st.sampled_from([0x1D, 0x1E, 0x1F, 0x22, 0x5C, 0x20, 0xD0, 0x2E])),
                      max_size=2))
@example(recs=PINNED, edits=[])
@example(recs=PINNED, edits=[(200, 0x22)])
# (the text columns' one gather: no value in the block at all; one record's empty values;
# a last value that is empty, after others)
@example(recs=[unimarc("n", "m", [])], edits=[])
@example(recs=[unimarc("n", "m", [("001", c("")), ("200", f("1 ", ("a", ""))),
                                  ("215", f("  ", ("a", ""))), ("463", f(" 1", ("t", "")))])],
         edits=[])
@example(recs=[PINNED[0], unimarc("n", "m", [("001", c("x")), ("463", f(" 1", ("v", ""))),
                                             ("461", f(" 1", ("t", "")))])], edits=[])
def test_random_blocks_as_the_table_and_the_careful_reader(recs, edits):
    buf = edited_block(recs, edits)
    if buf is None:
        return
    rules = own_rule_plan().rules_in_force()
    assert_columns_as_the_table(buf, rules)
    assert_same(buf, rules)


def test_a_block_of_benchmark_shape_is_settled_and_built_here():
    """The columns are built for most records (the block path does not quietly leave them
    to the careful reader), and match the table there too."""
    recs = [unimarc("n", "m", [("001", c(f"KZ{n:09d}")), ("005", c(f"2026011509{n % 60:02d}00.0")),
                               ("010", f("  ", ("a", f"978-601-{n}"))),
                               ("200", f("1 ", ("a", f"Кітап {n}"), ("e", "роман"))),
                               ("215", f("  ", ("a", f"{100 + n} б."))),
                               ("856", f("4 ", ("u", f"http://lib.kz/{n}")))])
            for n in range(300)]
    buf = b"".join(recs)
    assert assert_columns_as_the_table(buf, default_plan().rules_in_force()) == 300
    d = decide_block(buf, 0, display="t.iso", db_level=None, rules=default_plan().rules_in_force(),
                     encoding=None, flavour=None, whole=True)
    cols = dict(zip(ROW_COLUMNS, blockrows.settled_columns(d, "t.iso", 0)))
    # written out by hand: the third record's
    assert cols["key"][2] == "KZ000000002" and cols["date_changed"][2] == "2026-01-15T09:02:00"
    assert cols["isbn"][2] == '["978-601-2"]' and cols["links"][2] == '["http://lib.kz/2"]'
    assert (cols["title"][2], cols["extent"][2], cols["pages"][2]) == ("Кітап 2", "102 б.", 102)
    assert np.array_equal(np.array(cols["record"]), np.arange(1, 301))
