"""The titles of a block's quiet records read at once (``rabiskit.audit.titles``) are those
read one by one (``rabiskit.audit.quiet._title``): the title, the title key and what the
title reads as, on hand-written and random 200 fields; and the two steps it rests on: the
words of many texts split in one pass (``raw_tokens``) and a text's key made from its
words' (``normalise_text``)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rabiskit.audit import titles as titles_module
from rabiskit.audit.language import _TOKEN, raw_tokens
from rabiskit.audit.quiet import _title
from rabiskit.audit.text import normalise_text
from rabiskit.audit.titles import block_titles
from rabiskit.facts.blocks import first_index, index_block, tag_code
from rabiskit.records.record import UNIMARC, Field, Record
from rabiskit.sources.iso2709_writer import encode_record, set_declared_encoding


def _block(fields_200: list[list[tuple[str, str]]]):
    """A block of records, each with a 001 and one 200 of these subfields; the block index
    and each 200's data (start, end)."""
    recs = [set_declared_encoding(Record("00000nam0 2200000 i 450 ", [
        Field("001", data=f"KZ{n}"), Field("200", ind1="1", subfields=subs)]), UNIMARC, "utf-8")
        for n, subs in enumerate(fields_200, start=1)]
    buf = b"".join(encode_record(r) for r in recs)
    ix = index_block(buf, encoding=None, flavour=None)
    assert ix is not None and ix.nrec == len(fields_200)
    e = first_index(ix.rec_of_entry, ix.codes == tag_code("200"), ix.nrec)
    at = ix.s_abs[e]
    return ix, at, at + ix.flen[e] - 1


def _letters_as_a_set(det):
    return (det.language, det.confidence, det.evidence, det.scores, set(det.kazakh_letters),
            det.mixed)


def _same_as_one_by_one(fields_200) -> list:
    """block_titles == _title for each field, where block_titles answers; its answers."""
    ix, at, to = _block(fields_200)
    titles, dets, keys = block_titles(ix, at, to)
    for k, (a, z) in enumerate(zip(at.tolist(), to.tolist())):
        (title, det, key), _ = _title(ix.buf[a:z])
        if titles[k] is not None:
            assert (titles[k], keys[k]) == (title, key), fields_200[k]
        if dets[k] is not None:
            assert _letters_as_a_set(dets[k]) == _letters_as_a_set(det), fields_200[k]
    return list(zip(titles, dets, keys))


def test_hand_written_titles():
    got = _same_as_one_by_one([
        [("a", "Қазақ әдебиеті"), ("f", "М. Әуезов")],
        [("a", "История и культура Казахстана")],
        [("a", "Абай Құнанбаев и русская литература")],  # a proper name: Russian
        [("a", "The history of Kazakhstan")],
        [("a", "Білім және ғылым")],  # і, ә and ғ
        [("a", "Қазақ ертегілері = Казахские сказки")],  # " = ": one by one
        [("a", "Абай жолы"), ("e", "роман")],  # $a and $e: one by one
        [("a", "   ")],  # blank: one by one
        [("f", "М. Әуезов")],  # no title
        [("a", "Ежелгі жыр."), ("a", "Екінші")],  # two $a: one by one
    ])
    (t0, d0, k0), (t1, d1, k1), (t2, d2, _), (t3, d3, _), (t4, d4, k4) = got[:5]
    assert (t0, d0.language, k0) == ("Қазақ әдебиеті", "kaz", "қазақ әдебиеті")
    assert set(d0.kazakh_letters) == {"қ", "ә"}
    assert (t1, d1.language, k1) == ("История и культура Казахстана", "rus",
                                     "история и культура казахстана")
    assert d2.language == "rus"
    assert d3.language == "eng"
    assert d4.language == "kaz" and set(d4.kazakh_letters) == {"ә", "ғ", "і"}
    assert k4 == "білім және ғылым"
    for title, det, key in got[5:]:
        assert det is None
    # the title and its key of a " = " title, its Detection one by one
    assert got[5][0] == "Қазақ ертегілері = Казахские сказки"
    assert got[5][2] == "қазақ ертегілері казахские сказки"
    assert got[6] == (None, None, None)
    assert got[8] == (None, None, None)


# words of each class the detector knows, and odd characters around them
_WORDS = ["мен", "және", "туралы", "тарихы", "балалар", "жылдары", "жазу", "тау", "кітабы",
          "и", "в", "на", "для", "о", "история", "сказки", "пособие", "русская", "казахского",
          "литература", "the", "of", "and", "history", "Kazakhstan", "і", "Қазақ", "ЕРТЕГІЛЕРІ",
          "Абай", "Пушкин", "өңірінің", "ұлттық", "історія", "світу", "їжак", "җыр", "ўзбек",
          "Қaзaқ", "Ka3ax", "2019", "А", "Б", "ж", "т.", "с", "ёлка", "объём", "мектептері",
          "білім", "Ұлытау", "ҚАЗАҚ", "Ё", "ß", "e\u0301", "’", "?", "\ufffd", "_", "№1"]
_SEPARATORS = [" ", " ", " ", ", ", " : ", " = ", " - ", ". ", " / ", "«", "» ", "\u00a0", "="]


@st.composite
def _title_text(draw) -> str:
    words = draw(st.lists(st.sampled_from(_WORDS), max_size=7))
    seps = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(words),
                         max_size=len(words)))
    text = "".join(w + s for w, s in zip(words, seps))
    return text.upper() if draw(st.booleans()) and draw(st.booleans()) else text


_SUBFIELD = st.tuples(st.sampled_from("aaaaaaehifd"), _title_text())


@settings(max_examples=120, deadline=None)
@given(st.lists(st.lists(_SUBFIELD, max_size=3), min_size=1, max_size=12))
@example([[("a", "Абай Құнанбаев и русская литература")], [("a", "і и")]])
@example([[("a", "А тау Б")], [("a", "ЖЫЛДАРЫ і Қ")], [("a", "о о о")]])
@example([[("a", "Історія і світу")], [("a", "the of and")], [("a", "2019")]])
@example([[("a", "")], [("a", "Ka3ax? тарих\ufffd")], [("a", "Татар теле җыентыгы")]])
def test_random_titles_read_at_once_are_those_read_one_by_one(fields_200):
    _same_as_one_by_one(fields_200)


def test_most_usual_titles_are_read_at_once():
    got = _same_as_one_by_one([[("a", t)] for t in (
        "Қазақ әдебиеті", "История и культура", "Білім", "Абай Құнанбаев", "2019 жыл",
        "ҚАЗАҚ ЕРТЕГІЛЕРІ", "The history of Kazakhstan", "Historia")])
    assert all(det is not None for _, det, _ in got)


def test_the_words_stay_few_across_blocks(monkeypatch):
    """The vocabulary is emptied between blocks when over its bound; the answers stay."""
    monkeypatch.setattr(titles_module, "WORD_CACHE", 8)
    monkeypatch.setattr(titles_module, "_VOCABULARY", titles_module._Vocabulary())
    for k in range(5):
        _same_as_one_by_one([[("a", f"{w} {w}{k} тарихы")] for w in _WORDS[:6]])
        assert len(titles_module._VOCABULARY) <= 8 + 3 * 6 + 1


_OLD_TOKEN = re.compile(r"[^\s\-–—.,;:!/()\[\]«»\"“”„=+*&%#№<>{}|\\]+")


def test_the_words_pattern_is_the_one_it_was():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert _TOKEN.findall(every) == _OLD_TOKEN.findall(every)
    assert raw_tokens(every.encode("utf-8")) == _OLD_TOKEN.findall(every)


_ANY = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_ANY, _title_text()), max_size=6))
@example(["a\u2028b\x85c\u3000d–e—f«g»h“i”j„k№l"])
@example(["«Абай»—жолы", "e\u0301 ß ё"])
def test_the_words_of_texts_split_in_one_pass(texts):
    data = " \x01 ".join(texts).encode("utf-8")
    assert raw_tokens(data) == _TOKEN.findall(data.decode("utf-8"))


_NORMALISED = st.text(st.sampled_from("абвгӘәёЁеe\u0301\u0338=<>-—–.,«»№ _\u00a0ßΣσςİ1²"
                                      "\u0300\u0327AZaz'’"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_NORMALISED, _ANY, _title_text()))
@example("a =\u0338b")  # = and U+0338 make ≠: a non-word character too
@example("Ё_ё ß")
@example("e\u0301 — \u0301e")
def test_a_texts_key_is_made_of_its_words_keys(text):
    words = [normalise_text(w) for w in _TOKEN.findall(text)]
    assert normalise_text(text) == " ".join(w for w in words if w)


@pytest.mark.parametrize("text, key", [
    ("Қазақ әдебиеті.", "қазақ әдебиеті"),
    ("Ёлка — «новогодняя» сказка_1", "елка новогодняя сказка 1"),
    ("  Абай,  жолы : роман  ", "абай жолы роман"),
])
def test_hand_written_keys(text, key):
    words = [normalise_text(w) for w in _TOKEN.findall(text)]
    assert normalise_text(text) == key == " ".join(w for w in words if w)


def test_no_title_field_read_at_once_holds_a_separator():
    ix, at, to = _block([[("a", "Қазақ әдебиеті")], [("a", "тарихы")]])
    titles, dets, keys = block_titles(ix, at, to)
    assert titles == ["Қазақ әдебиеті", "тарихы"]
    assert keys == ["қазақ әдебиеті", "тарихы"]
    assert np.all([d is not None for d in dets])
