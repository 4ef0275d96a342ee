"""The block path's levels (rabiskit.facts.levels) decide as the careful path's ``classify``
does, for random rules (leader, control field, field and subfield conditions, all and any,
flavours) over random records, with the plans of the leader groups kept from block to
block and with more leader positions than one group number holds."""

from __future__ import annotations

import io

from hypothesis import example, given, settings
from hypothesis import strategies as st

from test_block_path import field_bytes, record
from rabiskit.facts import levels as levels_module
from rabiskit.facts.blocks import index_block, tag_code
from rabiskit.facts.fast import _NOT_BIB
from rabiskit.facts.levels import levels
from rabiskit.rules.engine import Rule, classify, control, leader, present, subfield
from rabiskit.sources.iso2709 import Iso2709Reader

LEADER_CHARS = "amlsci"


def careful_levels(data: bytes, rules) -> list:
    """(level, reason) per record as the careful reader and ``classify`` give them."""
    reader = Iso2709Reader("r.iso", fileobj=io.BytesIO(data), display="r.iso")
    return [classify(src, rules) for src in reader]


def block_levels(data: bytes, rules) -> tuple[list, int]:
    """(level, reason) per record by ``levels`` (None for records it is not asked about),
    and how many it was asked about."""
    ix = index_block(data, encoding=None, flavour=None)
    assert ix is not None
    among = ix.clean & ~_NOT_BIB[ix.lead[:, 6]]
    col = levels(ix, rules, among)
    out = [col.values[c][:2] if c >= 0 else None for c in col.codes.tolist()]
    return out, int(among.sum())


def assert_same(data: bytes, rules) -> int:
    careful = careful_levels(data, rules)
    block, asked = block_levels(data, rules)
    assert len(careful) == len(block)
    for i, (c, b) in enumerate(zip(careful, block)):
        if b is not None:
            assert b == c, (i, b, c)
    return asked


def unimarc_record(kind: str, fields: list[tuple[str, bytes]]) -> bytes:
    head = [("001", b"x\x1e"),
            ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba")))]
    return record(kind, head + fields)


conditions = st.one_of(
    st.builds(lambda p, cs, neg: leader(p, cs, negate=neg), st.integers(5, 9),
              st.text(LEADER_CHARS, min_size=1, max_size=3), st.booleans()),
    st.builds(lambda tag, neg: present(tag, negate=neg), st.sampled_from(["607", "135", "856"]),
              st.booleans()),
    st.builds(lambda v, neg: subfield("607", "a", "contains", v, negate=neg),
              st.sampled_from(["Сәтбаев", "алматы", "x"]), st.booleans()),
    st.builds(lambda v: subfield("135", "a", "equals", v, position=1), st.sampled_from(["o", "z"])),
    st.builds(lambda v: control("001", 0, 0, v), st.sampled_from(["x", "y"])),
)
rules_strategy = st.lists(
    st.builds(lambda level, fl, all_of, any_of: Rule(level, flavour=fl, all_of=tuple(all_of),
                                                     any_of=tuple(any_of)),
              st.sampled_from(["book", "article", "cd", "local_lore"]),
              st.sampled_from([None, None, "unimarc", "marc21", "irbis"]),
              st.lists(conditions, max_size=2), st.lists(conditions, max_size=2)),
    min_size=0, max_size=5).map(tuple)

records_strategy = st.builds(
    lambda kind, place, disc, link: unimarc_record(
        kind, ([("135", field_bytes(("a", disc)))] if disc is not None else [])
        + ([("607", field_bytes(("a", place)))] if place is not None else [])
        + ([("856", field_bytes(("u", "http://x")))] if link else [])),
    st.builds(lambda a, b, c: f"n{a}{b}{c} ", st.sampled_from(LEADER_CHARS),
              st.sampled_from(LEADER_CHARS), st.sampled_from(" a")),
    st.one_of(st.none(), st.sampled_from(["Сәтбаев қаласы", "Алматы", "САТБАЕВ"])),
    st.one_of(st.none(), st.sampled_from(["vo", "vz", "o"])),
    st.booleans())


@settings(max_examples=60, deadline=None)
@given(rules=rules_strategy, recs=st.lists(records_strategy, min_size=1, max_size=10))
@example(rules=(Rule("cd", flavour="unimarc", all_of=(leader(6, "l"),),
                     any_of=(subfield("135", "a", "equals", "o", position=1),
                             subfield("607", "a", "contains", "Сәтбаев"))),
                Rule("ebook", all_of=(leader(6, "l"),))),
         recs=[unimarc_record("nlm0 ", [("135", field_bytes(("a", "vo")))]),
               unimarc_record("nlm0 ", [("607", field_bytes(("a", "Сәтбаев")))]),
               unimarc_record("nlm0 ", []), unimarc_record("nam0 ", [])])
def test_random_rules_decide_as_classify(rules, recs):
    data = b"".join(recs)
    assert assert_same(data, rules) == len(recs)
    # again, the groups' plans now kept from the first time
    assert assert_same(data, rules) == len(recs)


def test_hand_written_levels():
    """Counted by hand: the first rule's any part by a leader byte or a field, the
    second's leader alone, the rest by the fallback."""
    rules = (Rule("cd", all_of=(leader(6, "l"),), any_of=(leader(7, "s"), present("135"))),
             Rule("article", all_of=(leader(7, "a"),)))
    recs = [unimarc_record("nls0 ", []),  # cd: leader/07 s
            unimarc_record("nlm0 ", [("135", field_bytes(("a", "vo")))]),  # cd: 135
            unimarc_record("nlm0 ", []),  # fallback (book)
            unimarc_record("nla0 ", []),  # article
            unimarc_record("nam0 ", [])]  # fallback
    block, _ = block_levels(b"".join(recs), rules)
    assert [b[0] for b in block] == ["cd", "cd", "book", "article", "book"]


def test_more_leader_positions_than_one_group_number():
    """Rules reading nine leader positions group the records by their rows of bytes."""
    rules = tuple(Rule(f"l{p}", all_of=(leader(p, "a"),)) for p in range(5, 14)) \
        + (Rule("cd", all_of=(leader(6, "l"), present("135"))),)
    recs = [unimarc_record("nlm0 ", [("135", field_bytes(("a", "vo")))]),
            unimarc_record("nam0 ", []), unimarc_record("nlm0 ", []),
            unimarc_record("cma0 ", [])]
    assert len(levels_module._leader_positions(rules)) > 8
    assert assert_same(b"".join(recs), rules) == 4
    block, _ = block_levels(b"".join(recs), rules)
    assert [b[0] for b in block] == ["cd", "l6", "book", "l7"]


def test_many_records_and_few_decide_alike():
    """A condition over more fields than ``_FEW_FIELDS`` (grouped with numpy) and over
    fewer (looked at one by one) gives what classify gives: the 607 rule by hand on every
    third record and on every eleventh (its place in a second 607), among 1,500."""
    from rabiskit.facts.columns import _FEW_FIELDS

    rules = (Rule("local_lore", any_of=(subfield("607", "a", "contains", "Сәтбаев"),)),
             Rule("cd", all_of=(leader(6, "l"), present("135"))))
    places = ["Сәтбаев қаласы", "Алматы", None]
    recs = [unimarc_record("nlm0 " if i % 5 == 0 else "nam0 ",
                           ([("135", field_bytes(("a", "vo")))] if i % 10 == 0 else [])
                           + ([("607", field_bytes(("a", f"{places[i % 3]} {i % 7}")))]
                              if places[i % 3] is not None else [])
                           # a repeated 607, the place named in the second
                           + ([("607", field_bytes(("a", "Алматы"))),
                               ("607", field_bytes(("a", "Сәтбаев")))] if i % 11 == 0 else []))
            for i in range(1500)]
    data = b"".join(recs)
    ix = index_block(data, encoding=None, flavour=None)
    assert ix is not None and int((ix.codes == tag_code("607")).sum()) > _FEW_FIELDS
    assert assert_same(data, rules) == 1500
    block, _ = block_levels(data, rules)
    expected = ["local_lore" if i % 3 == 0 or i % 11 == 0 else "cd" if i % 10 == 0 else "book"
                for i in range(1500)]
    assert [b[0] for b in block] == expected


def test_a_field_few_records_have():
    """A field a fifth of 2,000 records have (more than ``_FEW_FIELDS``): read for those
    records alone, the others all without it; by hand: the rule takes every record whose
    856 names a PDF, the repeated 856s too."""
    from rabiskit.facts.columns import _FEW_FIELDS

    rules = (Rule("ebook", any_of=(subfield("856", "u", "contains", ".pdf"),)),)
    recs = []
    for i in range(2000):
        links = []
        if i % 10 < 2:
            links.append(("856", field_bytes(("u", f"http://x/{i % 13}.{'pdf' if i % 2 else 'htm'}"))))
            if i % 27 == 0:
                links.append(("856", field_bytes(("u", "http://y/a.pdf"))))
        recs.append(unimarc_record("nam0 ", links))
    data = b"".join(recs)
    ix = index_block(data, encoding=None, flavour=None)
    assert ix is not None
    with_856 = int((ix.codes == tag_code("856")).sum())
    assert _FEW_FIELDS < with_856 and with_856 * 4 < 2000
    assert assert_same(data, rules) == 2000
    block, _ = block_levels(data, rules)
    expected = ["ebook" if i % 10 < 2 and (i % 2 or i % 27 == 0) else "book" for i in range(2000)]
    assert [b[0] for b in block] == expected
