"""The quiet records' language detection (``quick_detection``) is ``detect_language``
without the evidence text: the same decision, language, confidence, scores, Kazakh letters
and ``mixed``, on hand-written titles and on random strings."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rabiskit.audit.language import UNDECIDED, detect_language, quick_detection


def _same(text):
    full = detect_language(text)
    quick = quick_detection(text)
    if full is UNDECIDED:  # no text: the same answer, "no text" its evidence
        assert quick is UNDECIDED
        return full, quick
    assert quick.evidence == ""
    assert quick == dataclasses.replace(full, evidence=""), text
    # the full detection still explains itself (the quick one is not its cache)
    assert detect_language(text).evidence == full.evidence
    return full, quick


@pytest.mark.parametrize("title, language", [
    ("Қазақ ертегілері", "kaz"),
    ("Ұлытау өңірінің тарихы", "kaz"),
    ("ҚАЗАҚ ЕРТЕГІЛЕРІ", "kaz"),
    ("Қaзaқстан мектептері", "kaz"),  # Latin look-alike a inside Cyrillic words
    ("Бала мен ана", "kaz"),
    ("История Казахстана", "rus"),
    ("Абай Құнанбаев и русская литература", "rus"),
    ("Стихи для детей", "rus"),
    ("Сказки", "rus"),  # one Russian word form: the weak decision
    ("The history of Kazakhstan", "eng"),
    ("Історія України і світу", "ukr"),
    ("Қазақ ертегілері = Казахские сказки", None),  # parallel titles, two languages
    ("Қазақ тілі және русский язык для детей", None),  # both
    ("Абай", None),
    ("2019", None),  # digits only
    ("", None),
    ("   ", None),
    ("Пушкин", None),  # a proper name alone
    ("Татар теле җыентыгы", None),  # another Turkic language
    ("Ka3ax? тарих\ufffd", None),  # damaged words left out
])
def test_hand_written_titles_read_as_the_full_detection_reads_them(title, language):
    full, quick = _same(title)
    assert quick.language == language
    assert full.language == language


def test_the_scores_and_letters_are_those_of_the_full_detection():
    quick = quick_detection("Ұлытау өңірінің тарихы")
    assert quick.scores["kaz"] > 0 and quick.scores["rus"] == 0
    assert set(quick.kazakh_letters) == {"ұ", "ө", "ң"}  # (і counts in words without them)
    assert quick.confidence == detect_language("Ұлытау өңірінің тарихы").confidence
    assert quick_detection("Қазақ ертегілері = Казахские сказки").mixed


_ALPHABET = ("абвгдеёжзийклмнопрстуфхцчшщъыьэюя" "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
             "әғқңөұүһіӘҒҚҢӨҰҮҺІ" "їєґўҗ" "aeopcxyiABEKMHOPCTXI" "bdfghjklnqrstuvwz"
             "0123456789" "  .,;:!?-=/()«»\"'" "\ufffd")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
@example("мен и для")
@example("А Б В")
@example("і и")
@example("ЖЫЛДАРЫ і Қ")
@example("the of and = туралы")
@example("о о о")
def test_random_texts_read_as_the_full_detection_reads_them(text):
    _same(text)
    _same(" ".join(text.split()[:4]) + " = " + text)


# words of each class the detector knows (its word lists, word forms, letters), so that
# random titles made of them reach every branch of the scoring
_WORDS = ["мен", "және", "туралы", "тарихы", "балалар", "жылдары", "жазу", "тау", "кітабы",
          "и", "в", "на", "для", "о", "история", "сказки", "пособие", "русская", "казахского",
          "литература", "the", "of", "and", "history", "Kazakhstan", "і", "Қазақ", "ЕРТЕГІЛЕРІ",
          "Абай", "Пушкин", "өңірінің", "ұлттық", "історія", "світу", "їжак", "җыр", "ўзбек",
          "Қaзaқ", "Ka3ax", "2019", "А", "Б", "ж", "т.", "с", "ёлка", "объём", "мектептері"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=8),
       st.lists(st.sampled_from([" ", ", ", " : ", " = ", " - ", ". "]), min_size=8, max_size=8),
       st.booleans())
@example(["Абай", "Құнанбаев", "и", "русская", "литература"], [" "] * 8, False)
@example(["і", "історія"], [" "] * 8, False)
@example(["А", "тау", "Б"], [" "] * 8, True)
def test_random_titles_of_known_words_read_as_the_full_detection_reads_them(words, seps,
                                                                            upper):
    text = "".join(w + s for w, s in zip(words, seps)).strip()
    _same(text.upper() if upper else text)
