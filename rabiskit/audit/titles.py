"""The titles of a block's quiet records (``rabiskit.audit.quiet``), read at once.

For each quiet record the audit needs three things of its one 200 field: the title as the
facts give it, the duplicate check's title key and what the title reads as (a Detection
without its evidence text, ``quick_detection``).  Titles rarely repeat, but their words do
(Zipf's law): so the block's titles are split into words in one pass over their bytes
(``raw_tokens``), each word is looked up once in this process (``_Vocabulary``: what
``quick_detection`` takes of it and its normalised text), and what ``quick_detection``
adds up word by word (``language._quick``) is added up per title with numpy.  The sums
are multiples of 1/4, so they are exact in any order: the same scores, hence the same
decision (``scored_detection``).

Only the usual 200 is read so: its subfields the title reads (``_TITLE_SUBFIELDS``: $a
$e $h $i) are one $a, without " = " in it and not blank.  The others go to
``quiet._title``, one by one.
"""

from __future__ import annotations

import numpy as np

from rabiskit.audit.language import (_BEL_WORD, _I_WORD, _LETTERS, _RUS_FORM, _TURKIC_WORD,
                                     _UKR_WORD, KAZAKH_LETTERS, WORD_CACHE, Detection,
                                     raw_tokens, scored_detection, word_info)
from rabiskit.audit.text import normalise_text
from rabiskit.facts.blocks import BlockIndex
from rabiskit.facts.parse import clean_title

#: the Kazakh letters a word may show (``word_info``), each a bit of the titles' columns,
#: and і (added to a title's letters after its words', as ``_quick`` adds it)
_KAZ_BITS = (*sorted({c.lower() for c in KAZAKH_LETTERS}), "і")
_I_BIT = 1 << (len(_KAZ_BITS) - 1)
_SEPARATOR = "\x01"  # (between the titles: no quiet record holds a control character)
_SEP_BYTES = b" \x01 "


class _Vocabulary(dict):
    """Per raw token of the titles (``raw_tokens``) a number, 0 for the separator between
    the titles; per number what ``quick_detection`` takes of the token (``word_info``) as
    columns, and its normalised text (``normalise_text``).  Emptied between blocks when
    over ``WORD_CACHE`` tokens: memory stays flat."""

    #: the columns: kept (not a token ``tokens`` leaves out), one letter long, three or
    #: more, every letter upper-case, a capital first, Latin (-1: not Latin; 1: an English
    #: word), no letter, kind, Kazakh and Russian scores as an ordinary word and as a
    #: proper name, Kazakh letters (bits)
    _TYPES = (bool, bool, bool, bool, bool, np.int8, bool, np.int8, float, float, float, float,
              np.int64)
    _SEPARATOR_ROW = (True, False, False, True, False, -1, True, 0, 0.0, 0.0, 0.0, 0.0, 0)
    _LEFT_OUT = (False, False, False, True, False, -1, True, 0, 0.0, 0.0, 0.0, 0.0, 0)

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        self.clear()
        self[_SEPARATOR] = 0
        self.lists: list[list] = [[v] for v in self._SEPARATOR_ROW]
        self.norms = [_SEPARATOR]
        self.arrays = [np.array(c, dtype=t) for c, t in zip(self.lists, self._TYPES)]

    def __missing__(self, raw: str) -> int:
        x = word_info(raw)
        if x is None:
            row = self._LEFT_OUT
        else:
            (single, long_, caps, capital, latin, blank, kind, k1, k2, r1, r2, found,
             _plain) = x
            row = (True, single, long_, caps, capital, -1 if latin is None else latin, blank,
                   kind, k1, k2, r1, r2, sum(1 << _KAZ_BITS.index(c) for c in found))
        for col, v in zip(self.lists, row):
            col.append(v)
        self.norms.append(normalise_text(raw))
        k = self[raw] = len(self.norms) - 1
        return k

    def columns(self) -> list[np.ndarray]:
        """The per-number columns as arrays (the new numbers' added to them)."""
        made = self.arrays[0].size
        if made < len(self.norms):
            self.arrays = [np.concatenate([a, np.array(c[made:], dtype=a.dtype)])
                           for a, c in zip(self.arrays, self.lists)]
        return self.arrays


_VOCABULARY = _Vocabulary()
#: the Detections of the titles' sums (``scored_detection``'s), by the sums; emptied
#: between blocks when over ``WORD_CACHE``
_MADE: dict[tuple, Detection] = {}
#: per bits of Kazakh letters the letters, in the order of ``_KAZ_BITS``
_LETTER_SETS = [tuple(c for b, c in enumerate(_KAZ_BITS) if m >> b & 1)
                for m in range(1 << len(_KAZ_BITS))]
_AEHI = np.zeros(256, dtype=bool)
_AEHI[list(b"aehi")] = True


def _texts(ix: BlockIndex, at: np.ndarray, to: np.ndarray) -> tuple[np.ndarray, bytes]:
    """The fields (of data from ``at`` to ``to``) whose subfields the title reads
    (``quiet._TITLE_SUBFIELDS``: each 0x1F followed by a, e, h or i) are one $a (their
    indices), and the $a's texts, ``_SEP_BYTES`` between them."""
    a = ix.arr
    none = np.zeros(0, dtype=np.int64)
    pos = np.flatnonzero(a == 0x1F)
    if not at.size or not pos.size:
        return none, b""
    sub = pos[_AEHI[a[np.minimum(pos + 1, a.size - 1)]] & (pos + 1 < a.size)]
    if not sub.size:
        return none, b""
    lo = np.searchsorted(sub, at)
    first = sub[np.minimum(lo, sub.size - 1)]
    usual = np.flatnonzero((np.searchsorted(sub, to) - lo == 1) & (first + 1 < to)
                           & (a[first + 1] == ord("a")))
    first = first[usual]
    nxt = np.searchsorted(pos, first, "right")  # the 0x1F after the $a's, if any
    end = np.minimum(np.where(nxt < pos.size, pos[np.minimum(nxt, pos.size - 1)], a.size),
                     to[usual])
    buf = ix.buf
    return usual, _SEP_BYTES.join([buf[x:y] for x, y in zip((first + 2).tolist(),
                                                            end.tolist())])


def _sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts)


def _count(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(flags.astype(np.int64), starts)


def block_titles(ix: BlockIndex, at: np.ndarray, to: np.ndarray) -> tuple[list, list, list]:
    """Per 200 field of data from ``at`` to ``to`` (a record's one, in a record without
    control characters: a quiet record): its title, Detection and title key as
    ``quiet._title`` gives them (the Detection's Kazakh letters in alphabetical order, і
    last: a quiet record uses only their set), for the usual ones (see the module's
    docs); None in the lists for the others."""
    n = at.size
    titles: list = [None] * n
    dets: list = [None] * n
    keys: list = [None] * n
    usual, data = _texts(ix, at, to)
    if not usual.size:
        return titles, dets, keys
    texts = data.decode("utf-8").split(" \x01 ")
    assert len(texts) == usual.size, "a title holds the separator"  # (see _SEPARATOR)
    vocabulary = _VOCABULARY
    if len(vocabulary) > WORD_CACHE:
        vocabulary.reset()
    numbers = list(map(vocabulary.__getitem__, raw_tokens(data + b" \x01")))
    # the title key: the words' normalised texts, "" left out (see rabiskit.audit.text)
    norms = vocabulary.norms
    title_keys = " ".join(filter(None, map(norms.__getitem__, numbers))).split(_SEPARATOR)
    (kept, single, long_, caps, capital, latin, blank, kind, k1, k2, r1, r2,
     bits) = vocabulary.columns()
    ids = np.array(numbers, dtype=np.int64)
    ids = ids[kept[ids]]  # the words quick_detection keeps, and the separators
    sep = ids == 0
    ends = np.flatnonzero(sep)  # each title: its words, then a separator
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    title_of = np.cumsum(sep) - sep
    at_title = np.arange(ids.size) - starts[title_of]  # a word's place among its title's
    word = ~sep
    single, capital, latin, kind = single[ids], capital[ids], latin[ids], kind[ids]
    # ``_quick``'s loop, word by word: initials and volume letters left out, Latin words,
    # words without letters, Cyrillic words weighed by their place
    long_words = (_count(long_[ids] & word, starts) > 0)[title_of]
    all_caps = (_count(~caps[ids] & word, starts) == 0)[title_of]
    later = at_title > 0
    skip = single & (~long_words | (later & capital))
    lat = word & ~skip & (latin >= 0)
    cyr = word & ~skip & (latin < 0) & ~blank[ids]
    proper = cyr & later & capital & ~all_caps & ~single
    kaz = _sum(np.where(proper, k2[ids], k1[ids]) * cyr, starts)
    rus = _sum(np.where(proper, r2[ids], r1[ids]) * cyr, starts)
    eng = _count(lat & (latin == 1), starts)
    i_word = cyr & (kind == _I_WORD)
    i_words = _count(i_word, starts)
    i_weights = _sum(np.where(proper, 2.0, 3.0) * i_word, starts)
    ukr = _sum(np.where(kind == _UKR_WORD, 2.0, np.where(kind == _BEL_WORD, 1.0, 0.0)) * cyr,
               starts)
    other_turkic = _count(cyr & (kind == _TURKIC_WORD), starts) > 0
    rus_end = _count(cyr & (kind == _RUS_FORM), starts) > 0
    letters = np.bitwise_or.reduceat(np.where(cyr & (kind == _LETTERS), bits[ids], 0), starts)
    # і: Kazakh unless the title shows Ukrainian (or Belarusian) signs
    with_i = i_words > 0
    ukr = np.where(with_i & (ukr > 0), ukr + i_words, ukr)
    kazakh_i = with_i & (ukr == 0)
    kaz = np.where(kazakh_i, kaz + i_weights, kaz)
    letters = np.where(kazakh_i, letters | _I_BIT, letters)
    made, letter_sets = _MADE, _LETTER_SETS
    if len(made) >= WORD_CACHE:
        made.clear()
    for k, v, tk, key in zip(usual.tolist(), texts, title_keys,
                             zip(kaz.tolist(), rus.tolist(), eng.tolist(), ukr.tolist(),
                                 other_turkic.tolist(), rus_end.tolist(),
                                 _count(lat, starts).tolist(), _count(cyr, starts).tolist(),
                                 letters.tolist())):
        titles[k] = clean_title(v)
        keys[k] = tk.strip()
        if " = " in v or not v.strip():
            continue  # (the title's part before " = " read; no text: UNDECIDED)
        det = made.get(key)
        if det is None:
            det = made[key] = scored_detection(*key[:8], letter_sets[key[8]])
        dets[k] = det
    return titles, dets, keys


__all__ = ["block_titles"]
