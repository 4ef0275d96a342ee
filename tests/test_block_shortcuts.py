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

import numpy as np

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


# -- the leader's byte classes, 100$a's bytes, the flavour's score tables -------------------

def test_a_leader_byte_out_of_its_class_sends_the_block_to_the_careful_reader(tmp_path):
    """The leader and the first directory entry are checked by one table of byte classes:
    a byte out of its position's class anywhere in them is no plain run of records, and
    the whole block goes to the careful reader (nothing settled)."""
    for pos, byte in ((7, 0x7F),     # leader/07: printable (DEL is not)
                      (13, 0x78),    # leader/12-16, the base address: digits
                      (18, 0x01),    # leader/17-19: printable
                      (21, 0x78),    # leader/20-23: digits or blanks
                      (25, 0x2D),    # the first entry's tag: letters and digits
                      (31, 0x78)):   # the first entry's length and start: digits or blanks
        bad = bytearray(GOOD)
        bad[pos] = byte
        data = GOOD + bytes(bad) + GOOD
        records, settled, careful = _settle(data)
        assert settled == 0 and careful == [1, 2, 3][:records], (pos, byte)
        path = tmp_path / f"leader-{pos}.iso"
        path.write_bytes(data)
        careful_json, fast, n = both([Input(path)], default_plan())
        assert fast == careful_json and n == 0, (pos, byte)
    # a blank where the class allows one (leader/20-23 digits or blanks): still settled
    blank = bytearray(GOOD)
    blank[22] = 0x20
    assert _settle(GOOD + bytes(blank)) == (2, 2, [])


def test_bytes_beyond_ascii_in_100a_are_looked_at_up_to_its_thirtieth(tmp_path):
    """100$a's first 30 bytes must be ASCII for the block path (the careful path decodes it
    before measuring it); beyond them the block path does not read it."""
    def with_100a(text: str) -> bytes:
        return record("nam0 ", [("001", b"x\x1e"), ("100", field_bytes(("a", text))),
                                ("101", field_bytes(("a", "kaz"), ind="0 "))])

    plain = "20260115d2026    k  y0kaza50      ba"
    assert len(plain) == 36
    at_29 = plain[:29] + "Ә" + plain[30:]   # its 30th byte (of 30) is the first of two
    at_28 = plain[:28] + "Ә" + plain[29:]   # the 29th and 30th
    at_31 = plain[:31] + "Ә" + plain[32:]   # past the 30 the block path reads
    data = with_100a(plain) + with_100a(at_29) + with_100a(at_28) + with_100a(at_31)
    assert _settle(data) == (4, 2, [2, 3])
    path = tmp_path / "a100.iso"
    path.write_bytes(data)
    careful, fast, settled = both([Input(path)], default_plan())
    assert fast == careful and settled == 2


def test_the_flavour_score_adds_weighted_tags_from_every_part_of_its_table(tmp_path):
    """The flavour's score is summed from tables of seven weighted tags each: records whose
    deciding tags lie in the first, second or third part.  Each has a UNIMARC date in
    100$a (+3) and a MARC 21 one in 008 (-3), so the other tags choose the date read:
    UNIMARC 2026-01-15 (first quarter), MARC 21 2026-04-01 (second)."""
    f100 = ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba")))
    f008 = ("008", b"260401s2026    ru            000 0 kaz d\x1e")

    def rec(*tags: str) -> bytes:
        return record("nam0 ", [("001", b"x\x1e"), f008, f100]
                      + [(t, field_bytes(("a", "x"))) for t in tags])

    unimarc_by = [rec("101"),            # +1, first part
                  rec("200", "245", "210"),  # +3 -3 +1, second
                  rec("463", "801"),     # +1 +1, third
                  rec("650", "801", "215", "463")]  # -1 +1 +1 +1: third and second
    marc21_by = [rec("020"),             # -1, first
                 rec("245"),             # -3, second
                 rec("650", "773"),      # -1 -1, third
                 rec("200", "245", "300", "650")]  # +3 -3 -1 -1
    path = tmp_path / "flavours.iso"
    path.write_bytes(b"".join(unimarc_by + marc21_by))
    careful, fast, settled = both([Input(path)], default_plan())
    assert fast == careful and settled == 8
    quarters = fast["quarters"]
    assert [sum(total for total, _ in quarters[q].values()) for q in ("1", "2")] == [4, 4], quarters


def test_answers_kept_per_process_are_found_by_their_rows():
    """``RowCache``: a row met before gives its answer, any other row (one word apart, or
    the same words in another order) none; equal answers share a number; rows of another
    width start the cache afresh."""
    from rabiskit.facts.columns import RowCache

    cache = RowCache()
    rows = np.array([[1, 2, 3], [3, 2, 1], [1, 2, 4]], dtype=np.int64)
    assert cache.find(rows).tolist() == [-1, -1, -1]
    ids = cache.add(rows, [True, False, True])
    assert ids[0] == ids[2] != ids[1] and [cache.outs[i] for i in ids] == [True, False, True]
    probe = np.array([[1, 2, 4], [9, 9, 9], [3, 2, 1], [1, 2, 3], [2, 1, 3]], dtype=np.int64)
    found = cache.find(probe).tolist()
    assert found == [ids[2], -1, ids[1], ids[0], -1]
    assert cache.find(np.array([[1, 2]], dtype=np.int64)).tolist() == [-1]  # another width
    assert cache.find(rows).tolist() == [-1, -1, -1]
    small = RowCache(limit=2)  # grown past its limit: afresh at the next look-up
    small.find(rows)
    first = small.add(rows, ["a", "b", "c"])
    assert [small.outs[i] for i in first] == ["a", "b", "c"]
    assert small.find(rows).tolist() == [-1, -1, -1] and small.outs == []


def test_a_rule_on_a_field_gives_the_same_levels_from_answers_kept(tmp_path):
    """The second block a process reads takes the field conditions' answers kept from the
    first: the same levels (three records naming the place, of ten; and once more)."""
    plan = own_rule_plan()
    recs = [unimarc("20260115", "kaz", ("Қарағанды облысы" if i % 4 == 0 else f"Алматы {i}"))
            for i in range(10)]
    data = b"".join(recs)
    rules = plan.rules_in_force()
    for _ in range(2):
        res = analyse_block(data, 0, display="t.iso", db_level=None, encoding=None,
                            flavour=None, rules=rules)
        assert res.settled == 10
        levels = {}
        for key, n in zip(res.keys.tolist(), res.counts.tolist()):
            code = key & 127
            levels[code] = levels.get(code, 0) + n
        assert sorted(levels.values()) == [3, 7]


def test_record_terminators_are_found_in_every_place_of_an_eight_byte_word(tmp_path):
    """The record terminators are looked for eight bytes at a time (then the byte in each
    word): records of every length from 93 to 109 bytes put them in each of a word's eight
    places, and the block's length is no multiple of eight."""
    from rabiskit.facts.blocks import positions_of

    recs = [record("nam0 ", [("001", ("x" * k).encode("ascii") + b"\x1e"),
                             ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba")))])
            for k in range(1, 18)]
    sizes = [len(r) for r in recs]
    assert sizes == list(range(93, 110))
    assert sorted(s % 8 for s in sizes[:8]) == list(range(8)) and sum(sizes) % 8
    data = b"".join(recs)
    ends, at = [], -1
    for size in sizes:  # where each record ends, by hand
        at += size
        ends.append(at)
    arr = np.frombuffer(data, dtype=np.uint8)
    assert positions_of(arr, 0x1D).tolist() == ends
    assert positions_of(arr[:-1], 0x1D).tolist() == ends[:-1]
    assert positions_of(arr[:5], 0x1D).tolist() == []
    assert _settle(data) == (17, 17, [])
    path = tmp_path / "lengths.iso"
    path.write_bytes(data)
    careful, fast, settled = both([Input(path)], default_plan(), block_size=300)
    assert fast == careful and settled == 17


def test_distinct_rows_groups_equal_rows_by_table_or_by_sorting():
    """One column of values close together is grouped by a table, wider ones by sorting:
    either way each row's group holds rows equal to it only, and groups go by value."""
    from rabiskit.facts.columns import distinct_rows

    cases = [np.array([[97 | 109 << 8], [97 | 97 << 8], [97 | 109 << 8], [108 | 109 << 8]]),  # leader/06-07
             np.array([[5], [5], [5]]),
             np.array([[-3], [1 << 40], [-3], [7]]),  # spread: sorted
             np.array([[1, 2], [1, 3], [1, 2], [0, 9]])]
    expected_groups = [[1, 0, 1, 2], [0, 0, 0], [0, 2, 0, 1], [1, 2, 1, 0]]
    for words, groups in zip(cases, expected_groups):
        inverse, reps = distinct_rows(words.astype(np.int64))
        assert inverse.tolist() == groups
        assert len(reps) == max(groups) + 1
        for g, r in enumerate(reps.tolist()):
            assert inverse[r] == g
