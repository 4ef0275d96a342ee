"""Which language a catalogue text is written in: Kazakh, Russian, English (or Ukrainian).

A small, explainable detector built for titles, which are short: three words are common.
It adds up evidence for each language and decides only when one side clearly wins; every
decision carries the evidence it rests on, so the bibliographer can see *why*.

Evidence for Kazakh:
  * letters of the Kazakh alphabet that Russian lacks: ә ғ қ ң ө ұ ү һ (strong), and і
    (strong unless the text shows Ukrainian or Belarusian signs: ї є ґ ў, the word "і");
  * frequent Kazakh words that Russian does not use (мен, және, туралы, жылдары, тарихы,
    балалар ...; ``wordlists/words.json``);
  * Kazakh endings: plural -лар/-лер/-дар/-дер/-тар/-тер (with case endings), -ымыз,
    participles -ген/-кен, verbal nouns ending in a vowel + у (тау, жазу);
  * letter pairs Russian spelling forbids but Kazakh uses all the time: жы, шы.
Evidence for Russian:
  * Russian function words (и, в, на, с, для, по, о, из ...) and catalogue words (история,
    сказки, пособие ...);
  * Russian endings (-ого/-его, -ский/-ская, -ция/-ции, -ние/-ния, -ость, -ться, -ых,
    -ая/-ое/-ые/-ие ...);
  * ё щ ъ э (weak: Kazakh uses them in Russian loan words).
English: Latin words with English function words (the, of, and, in, for ...).

Words spelt with a capital inside the text (proper names: "Абай Құнанбаев и русская
литература") weigh less than ordinary words, so a Russian title about a Kazakh person stays
Russian.  Words that are damaged ('?' or U+FFFD inside, KZ-1048 letters read as cp1251) are
left out: the encoding checks report them.  Latin look-alike letters inside Cyrillic words
are read as the Cyrillic letters they imitate.

What it cannot do (see docs/audit.md): tell Kazakh from Russian in a title made only of
proper names or numbers; recognise Kazakh written in the Latin alphabet; tell Kazakh from
other Turkic languages in Cyrillic (Kyrgyz, Tatar, Bashkir share ү ө ң); decide for very
short texts with no marker at all ("Абай", "Алматы").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from importlib import resources

from rabiskit.i18n import N_

KAZ, RUS, ENG, UKR = "kaz", "rus", "eng", "ukr"

#: Kazakh letters absent from the Russian alphabet (і is handled apart: Ukrainian has it).
KAZAKH_LETTERS = frozenset("әғқңөұүһӘҒҚҢӨҰҮҺ")
KAZAKH_I = frozenset("іІ")
UKRAINIAN_LETTERS = frozenset("їєґЇЄҐ")
BELARUSIAN_LETTERS = frozenset("ўЎ")
RUSSIAN_MARKERS = frozenset("ёщъэ")
#: Kazakh letters other Cyrillic Turkic alphabets (Tatar, Kyrgyz, Bashkir ...) share
SHARED_TURKIC_LETTERS = frozenset("әөүңһ")
#: letters of other Cyrillic Turkic alphabets that Kazakh does not use
OTHER_TURKIC_LETTERS = frozenset("җҗҙҘҡҠҫҪӊӉӈӇҷҶӣӢӯӮ")
#: letters that appear when KZ-1048 text is read as cp1251 (and in Serbian/Macedonian)
KZ1048_AS_CP1251 = frozenset("ЌќЎўЈјЅѕЋћ")

#: Latin letters that look like Cyrillic ones (a common keyboard slip inside Cyrillic words)
LATIN_LOOKALIKES = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
    "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р",
    "C": "С", "T": "Т", "X": "Х", "I": "І",
}

#: what separates a text's words beside blanks (``\s``): every one a non-word character
#: (``\W``), so the duplicate check's normalised text is that of the words one by one
#: (``rabiskit.audit.text.normalise_text``)
DELIMITERS = "-–—.,;:!/()[]«»\"“”„=+*&%#№<>{}|\\"
_TOKEN = re.compile("[^\\s" + re.escape(DELIMITERS) + "]+")
#: the delimiters as UTF-8: the ASCII ones (a table for ``bytes.translate``: each a blank)
#: and the others (each replaced by a blank)
_ASCII_BLANKS = bytes(32 if b < 0x80 and chr(b) in DELIMITERS else b for b in range(256))
_WIDE_DELIMITERS = tuple(c.encode("utf-8") for c in DELIMITERS if ord(c) >= 0x80)
_APOSTROPHES = "'’ʼ`"
_STRIPPED = _APOSTROPHES + "?!…'"

_KAZ_SUFFIX_STRONG = re.compile(
    r"(?:лар|лер|дар|дер|тар|тер)(?:ы|ын|ымыз|ға|ге|да|де|дан|ден|мен|ды|ді)$|(?:ымыз|лары)$")
_KAZ_SUFFIX_WEAK = re.compile(r"(?:лар|лер)$|(?:[^р]ген|кен)$|[аеоы]у$|уы")
_RUS_SUFFIX = re.compile(
    r"(?:ого|его|ому|ему|ский|ская|ское|ские|ских|ским|ской|цкий|цкая|ция|ции|ций|ние|ния|нии"
    r"|ний|ость|ости|ться|тся|ами|ями|ыми|ими|ых|ая|яя|ое|ее|ые|ие|ую|ью|иях|ях)$")


@lru_cache(maxsize=1)
def word_lists() -> dict[str, frozenset[str]]:
    """The word lists shipped in ``wordlists/words.json`` (lower-case words per language)."""
    text = resources.files("rabiskit.audit").joinpath("wordlists/words.json").read_text("utf-8")
    data = json.loads(text)
    return {k: frozenset(v) for k, v in data.items() if isinstance(v, list)}


@dataclass(frozen=True)
class Detection:
    """What the detector decided for one text.

    ``language``: 'kaz', 'rus', 'eng', 'ukr', or None when it cannot tell (no text, no
    marker, or both Kazakh and Russian evidence: then ``mixed`` is True).  ``confidence``
    is 0..1 (0 when undecided).  ``evidence`` says in plain words what was seen.
    ``kazakh_letters`` are the Kazakh-specific letters found (for messages).
    """

    language: str | None
    confidence: float
    evidence: str
    scores: dict[str, float] = field(default_factory=dict)
    kazakh_letters: tuple[str, ...] = ()
    mixed: bool = False

    @property
    def decided(self) -> bool:
        return self.language is not None


UNDECIDED = Detection(None, 0.0, "no text")


#: Cyrillic letters (U+0400-U+052F) and Latin ones (ASCII, U+00C0-U+024F): sets, so that
#: counting them in a word runs in C (``sum(map(CYRILLIC.__contains__, word))``)
CYRILLIC = frozenset(map(chr, range(0x400, 0x530)))
LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") | frozenset(
    map(chr, range(0xC0, 0x250)))
_in_cyrillic = CYRILLIC.__contains__
_in_latin = LATIN.__contains__


def _is_cyrillic(ch: str) -> bool:
    return ch in CYRILLIC


def _is_latin(ch: str) -> bool:
    return ch in LATIN


def fix_lookalikes(word: str) -> str:
    """A mostly-Cyrillic word with Latin look-alike letters, spelt all in Cyrillic."""
    if LATIN.isdisjoint(word) or CYRILLIC.isdisjoint(word):
        return word
    cyr = sum(map(_in_cyrillic, word))
    lat = sum(map(_in_latin, word))
    if cyr >= lat and all(c in LATIN_LOOKALIKES for c in word if c in LATIN):
        return "".join(LATIN_LOOKALIKES.get(c, c) if c in LATIN else c for c in word)
    return word


#: words met in a catalogue follow Zipf's law: a few thousand make most of the text, so the
#: per-word work below is remembered for that many words (a bounded cache: memory stays flat)
WORD_CACHE = 1 << 15


@lru_cache(maxsize=WORD_CACHE)
def _clean_token(tok: str) -> str | None:
    """One raw token as :func:`tokens` keeps it, or None when it is dropped."""
    tok = tok.strip(_STRIPPED)
    if not tok or "?" in tok or "\ufffd" in tok or not KZ1048_AS_CP1251.isdisjoint(tok):
        return None
    if "_" in tok or any(map(str.isdigit, tok)) or not any(map(str.isalpha, tok)):
        return None
    return fix_lookalikes(tok)


def raw_tokens(data: bytes) -> list[str]:
    """``_TOKEN.findall(data.decode("utf-8"))`` (the words of UTF-8 text before
    :func:`tokens` cleans them), in one pass over long data (the titles of a block, a
    separator between them): the delimiters made blanks in the bytes (UTF-8 finds a
    character's bytes only where the character is), then the text split at blanks
    (``str.split`` splits where ``\\s`` matches)."""
    data = data.translate(_ASCII_BLANKS)
    for d in _WIDE_DELIMITERS:
        if d in data:
            data = data.replace(d, b" ")
    return data.decode("utf-8").split()


def tokens(text: str) -> list[str]:
    """Words of a text, without the damaged ones ('?', U+FFFD, KZ-1048 letters read as
    cp1251, digits), look-alike letters repaired."""
    return [t for t in map(_clean_token, _TOKEN.findall(text)) if t is not None]


# What one word is evidence of, whatever its place in the text (see _word_class)
_NO_LETTERS, _LATIN_WORD, _UKRAINIAN, _OTHER_TURKIC, _BELARUSIAN = range(5)
_KAZAKH_LETTER_WORD, _KAZAKH_I_WORD, _KAZAKH_WORD, _RUSSIAN_WORD = range(5, 9)
_KAZAKH_FORM, _RUSSIAN_FORM, _CYRILLIC_OTHER = range(9, 12)


@lru_cache(maxsize=WORD_CACHE)
def _word_class(tok: str) -> tuple:
    """(class, lower-case word, detail) of one token: the part of the detector's decision
    that depends on the word alone (its weight depends on its place: see _detect)."""
    words = word_lists()
    cyr = sum(map(_in_cyrillic, tok))
    lat = sum(map(_in_latin, tok))
    w = tok.lower()
    if lat > cyr:
        return (_LATIN_WORD, w, w in words["eng"])
    if not cyr:
        return (_NO_LETTERS, w, None)
    if not UKRAINIAN_LETTERS.isdisjoint(tok) or (w in words["ukr"] and w not in words["rus"]):
        return (_UKRAINIAN, w, None)
    if not OTHER_TURKIC_LETTERS.isdisjoint(tok):
        return (_OTHER_TURKIC, w, None)
    if not BELARUSIAN_LETTERS.isdisjoint(tok):
        return (_BELARUSIAN, w, None)
    if not KAZAKH_LETTERS.isdisjoint(tok):
        found = tuple(sorted({c.lower() for c in tok if c in KAZAKH_LETTERS}))
        return (_KAZAKH_LETTER_WORD, w, (found, w in words["kaz"]))
    if not KAZAKH_I.isdisjoint(tok):
        return (_KAZAKH_I_WORD, w, None)
    if w in words["kaz"]:
        return (_KAZAKH_WORD, w, None)
    if w in words["rus"]:
        return (_RUSSIAN_WORD, w, None)
    # word forms
    if len(w) >= 4 and _KAZ_SUFFIX_STRONG.search(w):
        return (_KAZAKH_FORM, w, 1.5)
    if len(w) >= 4 and ("жы" in w or "шы" in w):
        return (_KAZAKH_FORM, w, 1.5)
    if len(w) >= 4 and _RUS_SUFFIX.search(w):
        return (_RUSSIAN_FORM, w, 1.0)
    if len(w) >= 3 and _KAZ_SUFFIX_WEAK.search(w):
        return (_KAZAKH_FORM, w, 1.0)
    if len(w) >= 4 and (w.endswith("ь") or not RUSSIAN_MARKERS.isdisjoint(w)):
        return (_RUSSIAN_FORM, w, 1.0)  # Kazakh has ь ё щ ъ э only in Russian loan words
    return (_CYRILLIC_OTHER, w, None)


def _confidence(score: float, other: float) -> float:
    base = min(0.98, 0.55 + 0.12 * score)
    return round(base * score / (score + other), 2)


def _listing(items: list[str], limit: int = 4) -> str:
    uniq = list(dict.fromkeys(items))
    more = f" (+{len(uniq) - limit})" if len(uniq) > limit else ""
    return ", ".join(uniq[:limit]) + more


@lru_cache(maxsize=1 << 12)
def detect_language(text: str | None) -> Detection:
    """Decide the language of ``text`` (a title, a summary ...).  See the module docs.

    Titles repeat in a catalogue (editions, copies, volumes of a set, common words): each
    text's decision is remembered (a bounded cache; a Detection is never changed).

    A text with parallel titles ("Қазақ ертегілері = Казахские сказки") whose parts read
    as different languages is mixed (undecided)."""
    if not text or not text.strip():
        return UNDECIDED
    parts = [p for p in text.split(" = ") if p.strip()]
    if len(parts) > 1:
        dets = [_detect(p) for p in parts]
        langs = {d.language for d in dets if d.decided}
        if len(langs) > 1:
            return Detection(None, 0.0, "parallel titles in different languages: " + "; ".join(
                f"{d.language} ({d.evidence})" for d in dets if d.decided), mixed=True)
    return _detect(text)


def _detect(text: str) -> Detection:
    toks = tokens(text)
    all_caps = all(map(str.isupper, filter(str.isalpha, "".join(toks))))
    kaz = rus = eng = ukr = 0.0
    letters: list[str] = []
    kaz_seen: list[str] = []
    kaz_end: list[str] = []
    rus_seen: list[str] = []
    rus_end: list[str] = []
    eng_seen: list[str] = []
    i_words: list[tuple[str, float]] = []
    cyr_tokens = lat_tokens = 0
    other_turkic: list[str] = []
    long_words = sum(1 for t in toks if len(t) >= 3)
    for n, tok in enumerate(toks):
        if len(tok) == 1 and (not long_words or (n > 0 and tok.isupper())):
            continue  # initials and volume letters ("А - К", "А. С. Пушкин")
        cls, w, detail = _word_class(tok)
        if cls == _LATIN_WORD:
            lat_tokens += 1
            if detail:
                eng += 1
                eng_seen.append(w)
            continue
        if cls == _NO_LETTERS:
            continue
        cyr_tokens += 1
        proper = n > 0 and not all_caps and tok[0].isupper() and len(tok) > 1
        weight = 2.0 if proper else 3.0
        if cls == _UKRAINIAN:
            ukr += 2
        elif cls == _OTHER_TURKIC:
            other_turkic.append(w)
        elif cls == _BELARUSIAN:
            ukr += 1  # Belarusian or Uzbek: not Kazakh, not Russian
        elif cls == _KAZAKH_LETTER_WORD:
            found, known = detail
            kaz += weight
            letters.extend(found)
            if known:
                kaz += 1
        elif cls == _KAZAKH_I_WORD:
            i_words.append((w, weight))
        elif cls == _KAZAKH_WORD:
            kaz += 1.0 if proper else 2.0
            kaz_seen.append(w)
        elif cls == _RUSSIAN_WORD:
            rus += 1.0 if w == "о" or proper else 2.0
            rus_seen.append(w)
        elif cls == _KAZAKH_FORM:
            # word forms weigh half in proper names (Улытау, Бауыржан are names, not grammar)
            kaz += detail * (0.5 if proper else 1.0)
            kaz_end.append(w)
        elif cls == _RUSSIAN_FORM:
            rus += detail * (0.5 if proper else 1.0)
            rus_end.append(w)
    # і: Kazakh unless the text shows Ukrainian (or Belarusian) signs
    if i_words:
        if ukr > 0:
            ukr += sum(1 for _ in i_words)
        else:
            for w, weight in i_words:
                kaz += weight
            letters.append("і")
    scores = {KAZ: kaz, RUS: rus, ENG: eng, UKR: ukr}
    kaz_letters = tuple(dict.fromkeys(letters))

    def kaz_evidence() -> str:
        parts = []
        if kaz_letters:
            parts.append(N_("Kazakh letters {items}").format(items=', '.join(kaz_letters)))
        if kaz_seen:
            parts.append(N_("Kazakh words {listing}").format(listing=_listing(kaz_seen)))
        if kaz_end:
            parts.append(N_("Kazakh word forms {listing}").format(listing=_listing(kaz_end)))
        return "; ".join(parts)

    def rus_evidence() -> str:
        parts = []
        if rus_seen:
            parts.append(N_("Russian words {listing}").format(listing=_listing(rus_seen)))
        if rus_end:
            parts.append(N_("Russian word forms {listing}").format(listing=_listing(rus_end)))
        return "; ".join(parts)

    case, language, confidence = _decide(kaz, rus, eng, ukr, bool(other_turkic), bool(rus_end),
                                         lat_tokens, cyr_tokens)
    if case == _TURKIC:
        evidence = N_("letters of another Turkic language ({listing})").format(
            listing=_listing(other_turkic))
    elif case == _UKR:
        evidence = N_("Ukrainian or Belarusian letters/words")
    elif case == _KAZ:
        evidence = kaz_evidence()
    elif case in (_RUS, _RUS_WEAK):
        evidence = rus_evidence()
    elif case == _MIXED:
        evidence = N_("both Kazakh ({kaz_evidence}) and Russian ({rus_evidence})").format(
            kaz_evidence=kaz_evidence(), rus_evidence=rus_evidence())
    elif case == _ENG:
        evidence = N_("English words {listing}").format(listing=_listing(eng_seen))
    else:
        what = []
        if kaz:
            what.append(kaz_evidence())
        if rus:
            what.append(rus_evidence())
        evidence = (N_("too little evidence ({evidence})").format(evidence="; ".join(what))
                    if what else N_("too little evidence"))
    return _detection(case, language, confidence, evidence, scores, kaz_letters)


# which rule of ``_decide`` decided a text
_TURKIC, _UKR, _KAZ, _RUS, _RUS_WEAK, _MIXED, _ENG, _LITTLE = range(8)


def _decide(kaz: float, rus: float, eng: float, ukr: float, other_turkic: bool, rus_end: bool,
            lat_tokens: int, cyr_tokens: int) -> tuple[int, str | None, float]:
    """The language of a text from its scores: (the rule that decided, the language or
    None, the confidence); one place for ``_detect`` and ``_quick``."""
    if other_turkic:
        return _TURKIC, None, 0.0
    if ukr >= 2 and ukr >= kaz and ukr >= rus:
        return _UKR, UKR, _confidence(ukr, kaz + rus)
    if kaz >= 2 and kaz >= 2 * rus + 1:
        return _KAZ, KAZ, _confidence(kaz, rus)
    if rus >= 2 and rus >= 2 * kaz + 1:
        return _RUS, RUS, _confidence(rus, kaz)
    if rus >= 1 and kaz == 0 and ukr == 0 and rus_end:
        # one Russian word form and nothing Kazakh: a weak decision (below the alarm level)
        return _RUS_WEAK, RUS, 0.6
    if kaz >= 2 and rus >= 2:
        return _MIXED, None, 0.0
    if eng >= 1 and lat_tokens >= 2 and lat_tokens > cyr_tokens and kaz < 2 and rus < 2:
        return _ENG, ENG, _confidence(eng + 1, kaz + rus)
    return _LITTLE, None, 0.0


def _detection(case: int, language: str | None, confidence: float, evidence: str,
               scores: dict, kaz_letters: tuple) -> Detection:
    if case == _ENG:
        return Detection(language, confidence, evidence, scores)
    return Detection(language, confidence, evidence, scores, kaz_letters, mixed=case == _MIXED)


# ------------------------------------------------------------- the quiet records' detection

# what a word adds beside its Kazakh and Russian scores (see _Words)
_PLAIN, _LETTERS, _I_WORD, _UKR_WORD, _BEL_WORD, _TURKIC_WORD, _RUS_FORM = range(7)


class _Words(dict):
    """Per raw token (as ``_TOKEN`` finds it) what :func:`quick_detection` needs of it:
    None for a token :func:`tokens` drops, else a tuple (one letter long, three or more,
    no lower-case letter in it, first letter a capital, Latin word: 1 for an English one, 0 for another,
    None for a Cyrillic one, no letter at all, what else it adds, its Kazakh and Russian
    scores as an ordinary word and as a proper name, its Kazakh letters, plain: a Cyrillic
    word of two letters or more that adds nothing but its scores and letters), from
    ``_word_class``.  Emptied when full: memory stays flat.  The scores are multiples of
    1/4, so their sums are exact in any order: the same numbers as ``_detect``'s."""

    def __missing__(self, raw: str) -> tuple | None:
        tok = _clean_token(raw)
        got: tuple | None = None
        if tok is not None:
            cls, w, detail = _word_class(tok)
            head = (len(tok) == 1, len(tok) >= 3,
                    all(map(str.isupper, filter(str.isalpha, tok))), tok[0].isupper())
            kind, found = _PLAIN, ()
            kaz = rus = (0.0, 0.0)
            if cls == _LATIN_WORD:
                got = (*head, 1 if detail else 0, False, _PLAIN, 0.0, 0.0, 0.0, 0.0, (), False)
            elif cls == _NO_LETTERS:
                got = (*head, None, True, _PLAIN, 0.0, 0.0, 0.0, 0.0, (), False)
            else:
                if cls == _KAZAKH_LETTER_WORD:
                    found, known = detail
                    kind = _LETTERS
                    kaz = (3.0 + known, 2.0 + known)
                elif cls == _KAZAKH_WORD:
                    kaz = (2.0, 1.0)
                elif cls == _RUSSIAN_WORD:
                    rus = (1.0, 1.0) if w == "о" else (2.0, 1.0)
                elif cls == _KAZAKH_FORM:
                    kaz = (detail, detail * 0.5)
                elif cls == _RUSSIAN_FORM:
                    rus, kind = (detail, detail * 0.5), _RUS_FORM
                elif cls == _KAZAKH_I_WORD:
                    kind = _I_WORD
                elif cls == _UKRAINIAN:
                    kind = _UKR_WORD
                elif cls == _BELARUSIAN:
                    kind = _BEL_WORD
                elif cls == _OTHER_TURKIC:
                    kind = _TURKIC_WORD
                got = (*head, None, False, kind, *kaz, *rus, found,
                       not head[0] and kind in (_LETTERS, _PLAIN))
        if len(self) >= WORD_CACHE:
            self.clear()
        self[raw] = got
        return got


_WORDS = _Words()


def quick_detection(text: str | None) -> Detection:
    """:func:`detect_language` without the evidence text (``evidence`` is ""): the same
    language, confidence, scores, Kazakh letters and ``mixed``, for the many texts whose
    evidence no finding shows (the audit's quiet records).  The texts are not cached (the
    callers keep their own answers); texts of equal scores share one Detection (its
    ``scores`` are not to be changed)."""
    if not text or not text.strip():
        return UNDECIDED
    parts = [p for p in text.split(" = ") if p.strip()]
    if len(parts) > 1:
        langs = {d.language for d in map(_quick, parts) if d.decided}
        if len(langs) > 1:
            return Detection(None, 0.0, "", mixed=True)
    return _quick(text)


def _quick(text: str) -> Detection:
    """``_detect`` without the evidence: each word's part of the scores from ``_WORDS``,
    weighed by its place as ``_detect`` weighs it."""
    info = list(filter(None, map(_WORDS.__getitem__, _TOKEN.findall(text))))
    all_caps = all([x[2] for x in info])
    if info and all(map(_PLAIN_AT, info)) and (all_caps or not any(map(_CAPITAL_AT, info[1:]))):
        # plain words, none a proper name (the first word never is one): each adds its
        # ordinary scores (multiples of 1/4: the sums of the loop below, in any order)
        return scored_detection(sum(map(_K1_AT, info), 0.0), sum(map(_R1_AT, info), 0.0),
                                0.0, 0.0, False, False, 0, len(info),
                                tuple(dict.fromkeys(chain.from_iterable(map(_FOUND_AT, info)))))
    long_words = any([x[1] for x in info])
    kaz = rus = eng = ukr = 0.0
    letters: list[str] = []
    rus_end = other_turkic = False
    i_words: list[float] = []
    cyr_tokens = lat_tokens = 0
    for n, (single, _long, _caps, capital, latin, blank, kind, k1, k2, r1, r2, found,
            _plain) in enumerate(info):
        if single and (not long_words or (n > 0 and capital)):
            continue
        if latin is not None:
            lat_tokens += 1
            eng += latin
            continue
        if blank:
            continue
        cyr_tokens += 1
        if n > 0 and capital and not all_caps and not single:  # a proper name
            kaz += k2
            rus += r2
            weight = 2.0
        else:
            kaz += k1
            rus += r1
            weight = 3.0
        if kind:
            if kind == _LETTERS:
                letters.extend(found)
            elif kind == _RUS_FORM:
                rus_end = True
            elif kind == _I_WORD:
                i_words.append(weight)
            elif kind == _UKR_WORD:
                ukr += 2
            elif kind == _BEL_WORD:
                ukr += 1
            else:
                other_turkic = True
    if i_words:
        if ukr > 0:
            ukr += len(i_words)
        else:
            for weight in i_words:
                kaz += weight
            letters.append("і")
    return scored_detection(kaz, rus, eng, ukr, other_turkic, rus_end, lat_tokens, cyr_tokens,
                   tuple(dict.fromkeys(letters)))


_PLAIN_AT, _CAPITAL_AT, _K1_AT, _R1_AT, _FOUND_AT = map(itemgetter, (12, 3, 7, 9, 11))



def word_info(raw: str) -> tuple | None:
    """What :func:`quick_detection` takes of one raw token (as ``_TOKEN`` finds it): None
    for one :func:`tokens` leaves out, else the tuple ``_Words`` describes (remembered)."""
    return _WORDS[raw]


def scored_detection(kaz: float, rus: float, eng: float, ukr: float, other_turkic: bool,
                     rus_end: bool, lat_tokens: int, cyr_tokens: int,
                     kaz_letters: tuple) -> Detection:
    """The Detection of a text's scores (``_decide``), without the evidence text: what
    :func:`quick_detection` gives for the sums its loop makes (``_quick``), the Kazakh
    letters in the order given."""
    # (the answer depends on these alone: one Detection for each of them, shared by the
    # texts that give it)
    key = (kaz, rus, eng, ukr, other_turkic, rus_end, lat_tokens, cyr_tokens, kaz_letters)
    got = _SCORED.get(key)
    if got is None:
        case, language, confidence = _decide(kaz, rus, eng, ukr, other_turkic, rus_end,
                                             lat_tokens, cyr_tokens)
        got = _detection(case, language, confidence, "", {KAZ: kaz, RUS: rus, ENG: eng, UKR: ukr},
                         kaz_letters)
        if len(_SCORED) >= WORD_CACHE:
            _SCORED.clear()
        _SCORED[key] = got
    return got


#: ``scored_detection``'s answers by what decides them (see there); emptied when full
_SCORED: dict[tuple, Detection] = {}
