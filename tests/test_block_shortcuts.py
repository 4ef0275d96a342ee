"""The block reader's shortcuts (rabiskit.facts.blocks, columns, levels) on bytes written by
hand to hit each one, and random directories: what a shortcut cannot settle goes to the
careful reader, and the numbers stay the careful reader's.

* no search for the first field terminator: a record's directory is checked entry by
  entry (digits, letters and digits in the tag), which leaves no room for a terminator;
* digit tags checked as words, letter tags looked at apart;
* the non-repeatable fields counted with one table lookup per entry;
* the dates looked up as words in arrays kept per process (the second block of a process
  gives what the first gave);
* field conditions read only the records that have the field, their answers kept per
  process.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from test_block_path import both, field_bytes, own_rule_plan, record, unimarc
from rabiskit.facts.fast import analyse_block
from rabiskit.facts.scan import Input
from rabiskit.plan.load import default_plan


def _settle(data: bytes, rules=None):
    kw = {} if rules is None else {"rules": rules}
    res = analyse_block(data, 0, display="t.iso", db_level=None, encoding=None, flavour=None, **kw)
    return res.records, res.settled, [number for number, *_ in res.careful]


def _directory_byte(rec: bytes, entry: int, offset: int) -> int:
    """The position of byte ``offset`` (0-11) of directory entry ``entry`` in ``rec``."""
    return 24 + 12 * entry + offset


GOOD = unimarc("20260115", "kaz")


def test_a_field_terminator_inside_the_directory_is_the_careful_readers(tmp_path):
    for entry, offset in ((1, 1), (2, 5), (3, 11)):  # in a tag, a length, a start
        bad = bytearray(GOOD)
        bad[_directory_byte(GOOD, entry, offset)] = 0x1E
        data = GOOD + bytes(bad) + GOOD
        assert _settle(data) == (3, 2, [2]), (entry, offset)
        path = tmp_path / f"ft-{entry}-{offset}.iso"
        path.write_bytes(data)
        careful, fast, settled = both([Input(path)], default_plan())
        assert fast == careful and settled == 2


def test_letter_tags_are_read_and_other_tag_bytes_are_not(tmp_path):
    letters = record("nam0 ", [("001", b"x\x1e"),
                               ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
                               ("101", field_bytes(("a", "kaz"), ind="0 ")),
                               ("A99", field_bytes(("a", "local"))),
                               ("200", field_bytes(("a", "Атау"), ind="1 "))])
    odd = letters.replace(b"A99", b"A-9", 1)
    assert odd != letters
    assert _settle(letters + odd + letters) == (3, 2, [2])
    path = tmp_path / "tags.iso"
    path.write_bytes(letters + odd)
    careful, fast, settled = both([Input(path)], default_plan())
    assert fast == careful and settled == 1


def test_a_repeated_non_repeatable_field_is_the_careful_readers(tmp_path):
    date = field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))
    lang = field_bytes(("a", "kaz"), ind="0 ")
    two_001 = record("nam0 ", [("001", b"x\x1e"), ("001", b"y\x1e"), ("100", date), ("101", lang)])
    two_100 = record("nam0 ", [("001", b"x\x1e"), ("100", date), ("100", date), ("101", lang)])
    two_200 = record("nam0 ", [("001", b"x\x1e"), ("100", date), ("101", lang),
                               ("200", field_bytes(("a", "Бір"))), ("200", field_bytes(("a", "Екі")))])
    assert _settle(two_001 + two_100 + two_200 + GOOD) == (4, 2, [1, 2])
    path = tmp_path / "repeats.iso"
    path.write_bytes(two_001 + two_100 + two_200)
    careful, fast, settled = both([Input(path)], default_plan())
    assert fast == careful and settled == 1


def test_dates_kept_per_process_give_the_same_answer_on_every_block():
    data = b"".join([unimarc("20260115"), unimarc("20261301"), unimarc("2026-1-1"),
                     unimarc("20260115"), unimarc("18991231"), unimarc("20260401")])
    first = _settle(data)
    # the second time every date comes from the arrays kept by the first
    assert _settle(data) == first == (6, 3, [2, 3, 5])


def test_a_language_field_longer_than_the_slot_is_read_whole(tmp_path):
    long101 = record("nam0 ", [("001", b"x\x1e"),
                               ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
                               # the text's language after five of the original's: past 24 bytes
                               ("101", field_bytes(("c", "rus"), ("c", "eng"), ("c", "ger"), ("c", "fre"),
                                                   ("c", "tur"), ("a", "kaz"), ind="1 "))])
    path = tmp_path / "long101.iso"
    path.write_bytes(long101)
    careful, fast, settled = both([Input(path)], default_plan())
    assert fast == careful and settled == 1
    assert careful["levels"]["book"]["languages"] == {"kaz": 1}


def test_a_rule_on_a_field_few_records_have(tmp_path):
    plan = own_rule_plan()
    recs = [unimarc("20260115", "kaz", "Қарағанды облысы" if i % 7 == 0 else None) for i in range(30)]
    data = b"".join(recs)
    assert _settle(data, plan.rules_in_force()) == (30, 30, [])
    path = tmp_path / "few.iso"
    path.write_bytes(data)
    careful, fast, settled = both([Input(path)], plan)
    assert fast == careful and settled == 30
    # i = 0, 7, 14, 21, 28: five records name the place
    assert fast["levels"]["local_lore"]["total"] == 5 and fast["levels"]["book"]["total"] == 25


# -- random directories ----------------------------------------------------------------

TAGS = st.sampled_from(["001", "001", "005", "100", "101", "200", "215", "607", "A99", "9ZZ",
                        "1 0", "20\x1e", "a1b"])
BODIES = st.sampled_from([b"x\x1e", field_bytes(("a", "Атау")), field_bytes(("a", "kaz"), ind="0 "),
                          field_bytes(("a", "20260115d2026    k  y0kaza50      ba")),
                          field_bytes(("a", "Қарағанды"))])


@st.composite
def directories(draw):
    fields = [("001", b"x\x1e"), ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba")))]
    fields += draw(st.lists(st.tuples(TAGS, BODIES), max_size=5))
    order = draw(st.permutations(range(len(fields))))
    return record(draw(st.sampled_from(["nam0 ", "naa0 ", "nlm0 "])), [fields[i] for i in order])


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(recs=st.lists(directories(), min_size=1, max_size=6),
       edits=st.lists(st.tuples(st.integers(24, 80), st.sampled_from([0x1E, 0x1F, 0x41, 0x20, 0x39])),
                      max_size=2))
@example(recs=[record("nam0 ", [("001", b"x\x1e"), ("001", b"x\x1e")])], edits=[])
@example(recs=[GOOD], edits=[(25, 0x1E)])
# a 101 longer than the block reader's 24 bytes: its languages are read from the whole field
@example(recs=[b"00146nam0 2200061   450 001000200000100004100002101004100043\x1ex\x1e"
               b"  \x1fa20260115d2026    k  y0kaza50      ba\x1e"
               b"  \x1fa20260115d2026    k  y0kaza50      ba\x1e\x1d"], edits=[])
def test_random_directories_block_path_equals_careful(tmp_path_factory, recs, edits):
    data = bytearray(b"".join(recs))
    for pos, val in edits:  # in the first record's directory
        data[pos] = val
    path = tmp_path_factory.mktemp("dirs") / "d.iso"
    path.write_bytes(bytes(data))
    for plan in (default_plan(), own_rule_plan()):
        careful, fast, _settled = both([Input(path)], plan, block_size=500)
        assert fast == careful
