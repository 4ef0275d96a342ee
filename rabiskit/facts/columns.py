"""Facts of a block's clean records as columns, decided by the careful functions themselves.

Each column holds, per record, an index into a table of distinct values (-1 where the
block reader leaves the record to the careful reader).  The table's values are what
``rabiskit.facts.extract`` answers for a record holding only the bytes the fact is read
from, so the block path and the careful reader cannot disagree: the block reader only
finds the bytes (with numpy, for all records at once) and groups the records whose bytes
are equal; each distinct value is decided once, by the function the careful reader calls.

What each fact reads (``rabiskit.facts.extract.DATE_READS`` and ``LANGUAGE_READS``):

* date entered: UNIMARC the first 8 characters of 100$a, MARC 21 the first 6 of 008;
  a record whose date these do not give (missing, invalid: the careful path then looks at
  801, or names the problem) is left to the careful reader;
* languages: UNIMARC every 101 field; MARC 21 008/35-37 and every 041 field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from rabiskit.facts.blocks import PAD, SD, BlockIndex, gather, sorted_distinct, tag_code
from rabiskit.facts.extract import DATE_READS, LANGUAGE_READS, date_entered_of, languages_of
from rabiskit.records import Field, Record
from rabiskit.records.record import MARC21, UNIMARC
from rabiskit.sources.iso2709 import _field, _subfields

_BLANK_LEADER = " " * 24


@dataclass
class Column:
    """Per record an index into ``values`` (-1: not settled here)."""

    codes: np.ndarray
    values: list = field(default_factory=list)

    def settled(self) -> np.ndarray:
        return self.codes >= 0


@dataclass(frozen=True)
class Slot:
    """Bytes ``start``..``start + width`` of field ``tag`` (at most one per record); a field
    shorter than ``min_length`` gives no bytes.  ``whole``: the slot must hold the whole
    field (records whose field is longer are grouped one by one in Python)."""

    tag: str
    start: int = 0
    width: int = 24
    min_length: int = 0
    whole: bool = True


#: a single column whose values span less than this is grouped by a table, not sorted
_DENSE_SPAN = 1 << 16


def distinct_rows(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group equal rows of a 2-D integer array: (group of each row, one row index per
    group)."""
    m = words.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if words.shape[1] > 1:  # the columns equal in every row say nothing
        varies = (words != words[0]).any(axis=0)
        words = words[:, varies]
    if words.shape[1] == 0:
        return np.zeros(m, dtype=np.int64), np.zeros(1, dtype=np.int64)
    if words.shape[1] == 1:
        col = words[:, 0]
        low, high = int(col.min()), int(col.max())
        if high - low < _DENSE_SPAN:  # a few values close together (a leader's bytes)
            v = col - low
            seen = np.zeros(high - low + 1, dtype=np.int64)
            seen[v] = 1
            group = np.cumsum(seen) - 1  # values in increasing order, as np.unique gives
            inverse = group[v]
            reps = np.empty(int(seen.sum()), dtype=np.int64)
            reps[inverse] = np.arange(m)  # one row of each group (equal rows: any one)
            return inverse, reps
        _, reps, inverse = np.unique(col, return_index=True, return_inverse=True)
        return inverse.reshape(-1), reps
    order = np.lexsort(words.T[::-1])
    s = words[order]
    new = np.ones(m, dtype=bool)
    if m > 1:
        new[1:] = (s[1:] != s[:-1]).any(axis=1)
    gid = np.cumsum(new) - 1
    inverse = np.empty(m, dtype=np.int64)
    inverse[order] = gid
    return inverse, order[new]


_LENGTH_MASKS: dict[int, np.ndarray] = {}


def length_masks(width: int) -> np.ndarray:
    """Per length 0..``width`` (a multiple of 8): the little-endian words whose first
    ``length`` bytes are 0xFF, the others 0 (``words & length_masks(w)[lengths]`` keeps
    each row's first ``length`` bytes)."""
    out = _LENGTH_MASKS.get(width)
    if out is None:
        keep = np.arange(width)[None, :] < np.arange(width + 1)[:, None]
        out = _LENGTH_MASKS[width] = np.where(keep, 255, 0).astype(np.uint8).view("<u8")
    return out


def _slot_bytes(ix: BlockIndex, recs: np.ndarray, slot: Slot):
    """(ok, present, data, length) of ``slot`` for ``recs``: ok False where the record has
    the tag more than once (or, for a whole slot, longer than the width); data holds the
    slot's bytes (zero beyond ``length``); present whether the record has the field."""
    hit = ix.entries_of(tag_code(slot.tag), recs)
    m = recs.size
    # each entry's record's place in recs (all the block's records: its number)
    pos_in = ix.rec_of_entry[hit] if m == ix.nrec else np.searchsorted(recs, ix.rec_of_entry[hit])
    count = np.bincount(pos_in, minlength=m)
    ok = count <= 1
    present = count == 1
    entry = np.full(m, -1, dtype=np.int64)
    entry[pos_in] = hit
    e = np.maximum(entry, 0)
    flen = np.where(present, ix.flen[e] - 1, 0)  # without the field terminator
    start = ix.s_abs[e] + slot.start
    length = np.where(present & (flen >= max(slot.min_length, slot.start)),
                      np.minimum(flen - slot.start, slot.width), 0)
    if slot.whole:
        ok &= ~present | (flen - slot.start <= slot.width)
    width8 = -(-slot.width // 8) * 8
    n = ix.arr.size
    if ix.padded is not None and width8 <= PAD:
        # only the records that have the field (often a few: a rule's 607) are read
        pi = np.flatnonzero(length > 0)
        if pi.size == m:  # every record has the field: its bytes as read, no copy
            raw = gather(ix.padded, np.clip(start, 0, n), width8)
            words = raw.view("<u8")
            words &= length_masks(width8)[length]
            data = raw
        else:
            data = np.zeros((m, width8), dtype=np.uint8)
            if pi.size:
                raw = gather(ix.padded, np.clip(start[pi], 0, n), width8)
                data[pi] = (raw.view("<u8") & length_masks(width8)[length[pi]]).view(np.uint8)
    else:
        cols = np.arange(width8)[None, :]
        data = ix.arr[np.clip(start[:, None] + cols, 0, n - 1)]
        data = np.where(cols < length[:, None], data, 0).astype(np.uint8)
    return ok, present, data, length


def _odd_multipliers(n: int, seed: int = 14) -> np.ndarray:
    """``n`` odd 64-bit numbers (splitmix64: no import of numpy.random at start-up)."""
    out, x, m = [], seed, (1 << 64) - 1
    for _ in range(n):
        x = (x + 0x9E3779B97F4A7C15) & m
        z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
        out.append((z ^ (z >> 31)) | 1)
    return np.array(out, dtype=np.uint64)


#: odd multipliers of a row's words in its hash (``RowCache``)
_HASH_MULT = _odd_multipliers(64)


def row_hashes(rows: np.ndarray) -> np.ndarray:
    """One 64-bit number per row of an int64 array (wrapping sums of its words times odd
    multipliers: equal rows, equal hashes; a match is always checked word by word)."""
    w = rows.shape[1]
    if w > _HASH_MULT.size:
        return row_hashes(rows[:, :_HASH_MULT.size]) ^ row_hashes(rows[:, _HASH_MULT.size:])
    words = rows.view(np.uint64)
    # column by column (rows are a few words: numpy sums along them slowly)
    h = words[:, 0] * _HASH_MULT[0]
    for j in range(1, w):
        h += words[:, j] * _HASH_MULT[j]
    h ^= h >> np.uint64(29)
    return h


class RowCache:
    """A ``slot_column``'s ``decide`` answers kept from block to block (for one list of
    slots): the groups' rows (their slots' words, lengths and presence: the bytes
    exactly) looked up all at once, sorted by their hashes; other keys (the records read
    one by one) in a dict.  Equal answers share one number (``outs``)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.keyed: dict = {}
        self.outs: list = []
        self._out_ids: dict = {}
        self._clear_rows(0)

    def _clear_rows(self, width: int) -> None:
        self.hashes = np.zeros(0, dtype=np.uint64)
        self.rows = np.zeros((0, width), dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)

    def out_id(self, out) -> int:
        """The number of answer ``out`` (one per distinct answer)."""
        try:
            i = self._out_ids.get(out)
        except TypeError:  # an answer that cannot be hashed: one number each
            self.outs.append(out)
            return len(self.outs) - 1
        if i is None:
            i = self._out_ids[out] = len(self.outs)
            self.outs.append(out)
        return i

    def find(self, rows: np.ndarray) -> np.ndarray:
        """Per row: the number of its answer, -1 where not met before.  (A cache grown
        past its limit starts afresh here, before it gives out numbers: those ``add``
        gives after stay valid through the block.)"""
        if rows.shape[1] != self.rows.shape[1] or self.hashes.size > self.limit \
                or len(self.outs) > self.limit:
            self._clear_rows(rows.shape[1])
            self.outs, self._out_ids = [], {}
        out = np.full(rows.shape[0], -1, dtype=np.int64)
        if not self.hashes.size or not rows.shape[0]:
            return out
        h = row_hashes(rows)
        pos = np.minimum(np.searchsorted(self.hashes, h), self.hashes.size - 1)
        hit = self.hashes[pos] == h
        kept = self.rows[pos]
        for j in range(rows.shape[1]):  # word by word (quicker than along the rows)
            hit &= kept[:, j] == rows[:, j]
        out[hit] = self.ids[pos[hit]]
        return out

    def add(self, rows: np.ndarray, outs: list) -> np.ndarray:
        """Keep the answers ``outs`` of ``rows`` (not met before); their numbers."""
        ids = np.array([self.out_id(o) for o in outs], dtype=np.int64)
        hashes = np.concatenate((self.hashes, row_hashes(rows)))
        order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[order]
        self.rows = np.concatenate((self.rows, rows))[order]
        self.ids = np.concatenate((self.ids, ids))[order]
        return ids

    def clear(self) -> None:
        self.keyed.clear()
        self._clear_rows(self.rows.shape[1])

    def __len__(self) -> int:
        return len(self.keyed) + int(self.hashes.size)


class _BlockValues:
    """A block's column values: ``code(key)`` gives the code of ``decide``'s answer for
    ``key`` (-1 for None), decided once per key in the block, and once per process with a
    ``cache`` (``RowCache.keyed``)."""

    def __init__(self, decide: Callable, cache: RowCache | None) -> None:
        self.decide = decide
        self.cache = cache
        self.values: list = []
        self.known: dict = {}

    def code(self, key: tuple, make: Callable[[], tuple] | None = None) -> int:
        """The code of ``key``'s value; ``make()`` gives the key ``decide`` reads when
        ``key`` is a group's words (the same bytes, as numbers: cheaper to look up)."""
        v = self.known.get(key)
        if v is None:
            cache = self.cache
            if cache is None:
                out = self.decide(make() if make is not None else key)
            else:
                out = cache.keyed.get(key, _UNSEEN)
                if out is _UNSEEN:
                    out = self.decide(make() if make is not None else key)
                    if len(cache.keyed) > _CACHE_LIMIT:
                        cache.keyed.clear()
                    cache.keyed[key] = out
            v = -1 if out is None else len(self.values)
            if out is not None:
                self.values.append(out)
            self.known[key] = v
        return v


def slot_column(ix: BlockIndex, among: np.ndarray, slots: Sequence[Slot],
                decide: Callable[[tuple[bytes | None, ...]], object | None],
                exact: Callable[[int], tuple[bytes | None, ...]] | None = None,
                cache: RowCache | None = None) -> Column:
    """A column for the records ``among``: each record's slots' bytes (None for an absent
    field) are grouped, and ``decide(slot_bytes)`` gives each distinct group's value (None:
    leave the records to the careful reader).  Records whose slots do not fit (a repeated
    field, a longer one) get their key from ``exact(record)`` one by one, when given.
    ``cache``: ``decide``'s answers kept from block to block (its answer must depend on
    the key alone; a cache serves one list of slots: it is keyed by the slots' words), so
    each distinct value is decided once per process."""
    codes = np.full(ix.nrec, -1, dtype=np.int64)
    block_values = _BlockValues(decide, cache)
    values, value_code = block_values.values, block_values.code

    recs = np.flatnonzero(among)
    if not recs.size:
        return Column(codes, values)
    if len(slots) == 1:
        hit = ix.entries_of(tag_code(slots[0].tag), recs)
        if hit.size * 4 < recs.size:
            # a field few of the records have: the others all have the key of no field,
            # the slot is read for those that have it
            codes[recs] = value_code((None,))
            recs = sorted_distinct(ix.rec_of_entry[hit])
            if not recs.size:
                return Column(codes, values)
    parts = [_slot_bytes(ix, recs, s) for s in slots]
    ok = np.ones(recs.size, dtype=bool)
    for p in parts:
        ok &= p[0]
    # records with none of the fields: one key, no grouping
    anyp = np.zeros(recs.size, dtype=bool)
    for p in parts:
        anyp |= p[1]
    unfit = recs[~ok]
    none = recs[ok & ~anyp]
    if none.size:
        codes[none] = value_code((None,) * len(parts))
    ok &= anyp
    fit = recs[ok]
    if fit.size:
        # a record's row: its slots' words, then each slot's length and presence in one
        # number (the bytes exactly)
        fit_parts = ([(p[2], p[3], p[1]) for p in parts] if fit.size == recs.size
                     else [(p[2][ok], p[3][ok], p[1][ok]) for p in parts])
        rows = np.concatenate([data.view("<u8").view(np.int64) for data, _, _ in fit_parts]
                              + [((length << 1) | present)[:, None]
                                 for _, length, present in fit_parts], axis=1)

        def slot_keys(which: np.ndarray):
            """slot_key(g): the slots' bytes of the record ``which[g]`` (of ``fit``)."""
            got = [(data[which], length[which].tolist(), present[which].tolist())
                   for data, length, present in fit_parts]

            def slot_key(g: int) -> tuple:
                return tuple(data[g, :length[g]].tobytes() if present[g] else None
                             for data, length, present in got)
            return slot_key

        # a row says its bytes exactly: it is the key looked up, each record's at once in
        # the cache (no grouping: most were met before); the bytes are made only for a
        # value not met before, once per distinct row
        if cache is not None:
            ids = cache.find(rows)
            new = np.flatnonzero(ids < 0)
            if new.size:
                new_of, reps = distinct_rows(rows[new])
                slot_key = slot_keys(new[reps])
                ids[new] = cache.add(rows[new[reps]],
                                     [decide(slot_key(g)) for g in range(reps.size)])[new_of]
            codes[fit] = _local_codes(ids, cache.outs, values)
        else:
            inverse, reps = distinct_rows(rows)
            table = np.empty(reps.size, dtype=np.int64)
            slot_key = slot_keys(reps)
            for g, row in enumerate(rows[reps].tolist()):
                table[g] = value_code(("words", len(parts), *row), functools.partial(slot_key, g))
            codes[fit] = table[inverse]
    if exact is not None:
        for r in unfit.tolist():
            codes[r] = value_code(exact(r))
    return Column(codes, values)


def _local_codes(ids: np.ndarray, outs: list, values: list) -> np.ndarray:
    """Per record, the code of its answer (``outs[ids]``) among a block's ``values``
    (appended here in the answers' order; -1 for a None answer)."""
    if len(outs) <= 4 * ids.size + 1024:  # few answers: a table of them
        seen = np.zeros(len(outs), dtype=bool)
        seen[ids] = True
        distinct = np.flatnonzero(seen)
        local = np.full(len(outs), -1, dtype=np.int64)
        which = ids
    else:
        distinct, which = np.unique(ids, return_inverse=True)
        which = which.reshape(-1)
        local = np.full(distinct.size, -1, dtype=np.int64)
    for j, i in enumerate(distinct.tolist()):
        out = outs[i]
        if out is not None:
            local[i if which is ids else j] = len(values)
            values.append(out)
    return local[which]


#: ``date_entered_of``'s answers for the 100$a texts already met in this process (its
#: answer depends on the text alone), by the text's words and length: each distinct date
#: is decided once per worker
_UNIMARC_DATES: dict[tuple, tuple | None] = {}
#: ``languages_of``'s answers for the bytes it reads, per flavour (see ``slot_column``)
_LANGUAGES: dict[str, RowCache] = {UNIMARC: RowCache(), MARC21: RowCache()}
#: the MARC 21 dates' answers, by the 008's first bytes
_MARC21_DATES = RowCache()
_UNSEEN = object()
_CACHE_LIMIT = 200_000


def _ascii(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    return raw.decode("ascii") if raw.isascii() else None


def dates_entered(ix: BlockIndex, among: np.ndarray) -> Column:
    """The date entered of the records ``among`` (clean ones) as ``date_entered_of``
    decides it from the characters ``DATE_READS`` names; values are (date, source, raw)."""
    tag_u, code_u, width_u = DATE_READS[UNIMARC]
    assert code_u is not None
    tag_m, _, width_m = DATE_READS[MARC21]
    uni = among & ix.unimarc & ix.has100a
    codes = np.full(ix.nrec, -1, dtype=np.int64)
    values: list = []
    # UNIMARC: 100$a, which the block index found as 100's first subfield, ASCII
    recs = np.flatnonzero(uni)
    if recs.size:
        # the 8 characters as one word (zero beyond the text's length) with the length
        length = np.minimum(ix.a100_len[recs], width_u)
        width8 = -(-width_u // 8) * 8
        raw = np.zeros((recs.size, width8), dtype=np.uint8)
        raw[:, :width_u] = ix.a100[recs, :width_u]
        words = raw.view("<u8") & length_masks(width8)[length]
        rows = np.concatenate((words.view(np.int64), length[:, None]), axis=1)
        inverse, reps = distinct_rows(rows)
        table = np.empty(reps.size, dtype=np.int64)
        rep_words = rows[reps].tolist()
        for g, row in enumerate(rep_words):
            key = tuple(row)
            decided = _UNIMARC_DATES.get(key, _UNSEEN)
            if decided is _UNSEEN:
                text = words[reps[g]].view(np.uint8)[:row[-1]].tobytes().decode("ascii")
                rec = Record(_BLANK_LEADER, [Field(tag_u, ind1=" ", ind2=" ", subfields=[(code_u, text)])])
                d, source, _problem, raw_text = date_entered_of(rec, UNIMARC)
                decided = None if d is None else (d, source, raw_text)
                if len(_UNIMARC_DATES) > _CACHE_LIMIT:
                    _UNIMARC_DATES.clear()
                _UNIMARC_DATES[key] = decided
            table[g] = -1 if decided is None else len(values)
            if decided is not None:
                values.append(decided)
        codes[recs] = table[inverse]
    # MARC 21: the 008's first characters (a delimiter in the 008 makes it a data field,
    # and then the careful reader finds no 008: its problem to name)
    marc = among & ~ix.unimarc
    if marc.any():
        def decide(key):
            text = _ascii(key[0])
            if text is None or "\x1f" in text:
                return None
            d, source, _problem, raw = date_entered_of(Record(_BLANK_LEADER, [Field(tag_m, data=text)]),
                                                       MARC21)
            return None if d is None else (d, source, raw)
        m_col = slot_column(ix, marc & ~_has_delimiter(ix, tag_m), [Slot(tag_m, 0, width_m, 0, whole=False)],
                            decide, cache=_MARC21_DATES)
        base = len(values)
        values.extend(m_col.values)
        sel = m_col.codes >= 0
        codes[sel] = m_col.codes[sel] + base
    return Column(codes, values)


_YEAR0 = 1900


def date_number(d) -> int:
    """A date as 17 bits, (year - 1900, month, day); -1 for a year outside 1900-2155 (the
    block path's keys hold these)."""
    y = d.year - _YEAR0
    if not 0 <= y < 256:
        return -1
    return (y << 9) | (d.month << 5) | d.day


class _DateWords:
    """UNIMARC dates decided in this process: 100$a/0-7 read as one little-endian word ->
    its date's ``date_number`` (-1: left to the careful reader), as sorted arrays, so that
    a block's dates are looked up all at once."""

    limit = 200_000

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.numbers = np.zeros(0, dtype=np.int64)

    def numbers_of(self, words: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.keys, words)
        if self.keys.size:
            known = self.keys[np.minimum(pos, self.keys.size - 1)] == words
        else:
            known = np.zeros(words.size, dtype=bool)
        if not known.all():
            new = sorted_distinct(words[~known])
            numbers = np.array([_unimarc_date_number(w) for w in new.tolist()], dtype=np.int64)
            if self.keys.size > self.limit:
                self.keys, self.numbers = self.keys[:0], self.numbers[:0]
            keys = np.concatenate((self.keys, new))
            order = np.argsort(keys, kind="stable")
            self.keys, self.numbers = keys[order], np.concatenate((self.numbers, numbers))[order]
            pos = np.searchsorted(self.keys, words)
        return self.numbers[pos]


def _unimarc_date_number(word: int) -> int:
    """``date_entered_of``'s date (as ``date_number``) for a UNIMARC record whose 100$a
    starts with the 8 characters ``word`` spells; -1 where it gives none."""
    tag, code, width = DATE_READS[UNIMARC]
    try:
        text = word.to_bytes(8, "little").decode("ascii")
    except UnicodeDecodeError:
        return -1
    assert width == 8 and code is not None
    d = date_entered_of(Record(_BLANK_LEADER, [Field(tag, ind1=" ", ind2=" ", subfields=[(code, text)])]),
                        UNIMARC)[0]
    return -1 if d is None else date_number(d)


_DATE_WORDS = _DateWords()


def date_numbers(ix: BlockIndex, among: np.ndarray) -> np.ndarray:
    """Per record ``among`` (clean ones), its date entered as ``date_number`` (-1: left to
    the careful reader), the date ``dates_entered`` gives: UNIMARC records whose 100$a has
    its 8 characters are looked up as words, all at once (``_DateWords``), the others by
    ``dates_entered``."""
    out = np.full(ix.nrec, -1, dtype=np.int64)
    width = DATE_READS[UNIMARC][2]
    whole = among & ix.unimarc & ix.has100a & (ix.a100_len >= width)
    recs = np.flatnonzero(whole)
    if width == 8 and recs.size:
        if ix.a100_word is not None:
            words = ix.a100_word[recs].view(np.int64)
        else:
            words = np.ascontiguousarray(ix.a100[recs, :8]).view("<u8")[:, 0].view(np.int64)
        out[recs] = _DATE_WORDS.numbers_of(words)  # (a sorted search: no grouping first)
    else:
        whole[:] = False
    rest = among & ~whole
    if rest.any():
        col = dates_entered(ix, rest)
        if col.values:
            table = np.array([date_number(v[0]) for v in col.values], dtype=np.int64)
            sel = col.codes >= 0
            out[sel] = table[col.codes[sel]]
    return out


def _has_delimiter(ix: BlockIndex, tag: str) -> np.ndarray:
    """Per record: whether its field ``tag`` holds a subfield delimiter."""
    out = np.zeros(ix.nrec, dtype=bool)
    e = np.flatnonzero(ix.codes == tag_code(tag))
    if not e.size:
        return out
    n = ix.arr.size
    b = np.empty(2 * e.size, dtype=np.int64)
    b[0::2] = ix.s_abs[e]
    b[1::2] = ix.s_abs[e] + np.maximum(ix.flen[e] - 1, 1)
    odd = np.logical_or.reduceat(ix.arr == SD, np.minimum(b, n - 1))[0::2] & (ix.flen[e] > 1)
    out[ix.rec_of_entry[e[odd]]] = True
    return out


def languages(ix: BlockIndex, among: np.ndarray) -> Column:
    """The languages of the records ``among`` as ``languages_of`` decides them from the
    fields ``LANGUAGE_READS`` names; values are (languages, coded)."""
    codes = np.full(ix.nrec, -1, dtype=np.int64)
    values: list = []
    marc = among & ~ix.unimarc
    if marc.any():
        marc &= ~_has_delimiter(ix, "008")
    for flavour, which in ((UNIMARC, among & ix.unimarc), (MARC21, marc)):
        if not which.any():
            continue
        reads = LANGUAGE_READS[flavour]
        slots = [Slot(tag, start, width, min_len, whole)
                 for tag, start, width, min_len, whole in reads]

        def decide(key, flavour=flavour, reads=reads):
            return _languages_of(key, flavour, reads)

        def exact(r: int, flavour=flavour, reads=reads):
            # the record's fields in order, each as its slot reads it (repeats included)
            first = int(ix.first_entry[r])
            out = []
            for e in range(first, first + int(ix.nent[r])):
                for tag, start, width, min_len, whole in reads:
                    if ix.codes[e] == tag_code(tag):
                        raw = ix.field_bytes(e)
                        # a whole field is read whole (a 101 longer than the slot's width)
                        part = raw[start:] if whole else raw[start:start + width]
                        out.append((tag, part if len(raw) >= max(min_len, start) else b""))
            return ("exact",) + tuple(out)

        col = slot_column(ix, which, slots, decide, exact, cache=_LANGUAGES[flavour])
        base = len(values)
        values.extend(col.values)
        sel = col.codes >= 0
        codes[sel] = col.codes[sel] + base
    return Column(codes, values)


def _languages_of(key: tuple, flavour: str, reads) -> tuple[tuple[str, ...], bool] | None:
    if key and key[0] == "exact":
        pairs = list(key[1:])
    else:
        pairs = [(r[0], raw) for r, raw in zip(reads, key) if raw is not None]
    fields = []
    for tag, raw in pairs:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        start = next(r[1] for r in reads if r[0] == tag)
        if tag < "010" and tag.isdigit():
            if "\x1f" in text:
                return None  # a control field with a delimiter: the careful reader's
            fields.append(Field(tag, data=" " * start + text if text else ""))
        else:
            fields.append(_field(tag, text))
    return languages_of(Record(_BLANK_LEADER, fields), flavour)


def field_column(ix: BlockIndex, among: np.ndarray, tag: str,
                 decide_record: Callable[[Record], object], width: int = 64,
                 cache: RowCache | None = None) -> Column:
    """A column decided by ``decide_record`` on a record holding only the record's ``tag``
    fields, once per distinct value of their bytes (fields up to ``width`` bytes grouped
    with numpy, repeated or longer ones one by one).  ``cache``: its answers kept from
    block to block (see ``slot_column``)."""

    def decide(key):
        try:
            fields = [_field(tag, b.decode("utf-8")) for b in _field_bytes(key)]
        except UnicodeDecodeError:
            return None
        return decide_record(Record(_BLANK_LEADER, fields))

    return _fields_column(ix, among, tag, decide, width, cache)


def subfield_column(ix: BlockIndex, among: np.ndarray, tag: str, code: str,
                    decide_values: Callable[[list[str]], object], width: int = 64) -> Column:
    """``field_column`` for a decision on the values of the ``tag`` fields' subfield
    ``code`` alone (``Record.subfields(tag, code)`` of the record holding only those
    fields), taken from the fields' text without making the record."""

    def decide(key):
        values: list[str] = []
        try:
            for b in _field_bytes(key):
                text = b.decode("utf-8")
                k = text.find("\x1f")
                if k != -1:  # (a field without subfields is data: no subfield)
                    values.extend(v for c, v in _subfields(text, k) if c == code)
        except UnicodeDecodeError:
            return None
        return decide_values(values)

    return _fields_column(ix, among, tag, decide, width, None)


def field_texts_column(ix: BlockIndex, among: np.ndarray, tag: str,
                       decide_texts: Callable[[list[str]], object], width: int = 64) -> Column:
    """``field_column`` for a decision on the texts of the record's ``tag`` fields alone (in
    their order, each as its bytes decoded: indicators, subfields), without making the
    record."""

    def decide(key):
        try:
            texts = [b.decode("utf-8") for b in _field_bytes(key)]
        except UnicodeDecodeError:
            return None
        return decide_texts(texts)

    return _fields_column(ix, among, tag, decide, width, None)


def _field_bytes(key: tuple) -> tuple:
    """The fields' bytes of a key of ``_fields_column``."""
    return key[1:] if key and key[0] == "exact" else tuple(b for b in key if b is not None)


def _fields_column(ix: BlockIndex, among: np.ndarray, tag: str, decide, width: int,
                   cache: RowCache | None) -> Column:
    code = tag_code(tag)

    def exact(r: int):
        first = int(ix.first_entry[r])
        return ("exact",) + tuple(ix.field_bytes(e) for e in range(first, first + int(ix.nent[r]))
                                  if ix.codes[e] == code)

    recs = np.flatnonzero(among)
    hit = ix.entries_of(code, recs)
    if hit.size <= _FEW_FIELDS:
        # a few fields (a rule's condition on the records its leader part lets through, a
        # field few records have): each record's looked up in Python, as ``exact`` gives
        # them (the numpy passes of ``slot_column`` cost more than the fields do); the
        # records without the field all have one key
        buf = ix.buf
        starts = ix.s_abs[hit]
        raws = [buf[a:b] for a, b in zip(starts.tolist(), (starts + ix.flen[hit] - 1).tolist())]
        keys: dict[int, tuple] = {}  # (the records without the field: ("exact",))
        for r, raw in zip(ix.rec_of_entry[hit].tolist(), raws):
            keys[r] = keys.get(r, ("exact",)) + (raw,)
        # each distinct key decided once (once per process with a cache), each distinct
        # answer given one code
        distinct = set(keys.values())
        if len(keys) < recs.size:
            distinct.add(("exact",))
        values: list = []
        code_of = _answer_codes(distinct, decide, cache, values)
        codes = np.full(ix.nrec, -1, dtype=np.int64)
        if len(keys) < recs.size:
            codes[recs] = code_of[("exact",)]
        if keys:
            codes[list(keys)] = [code_of[k] for k in keys.values()]
        return Column(codes, values)
    return slot_column(ix, among, [Slot(tag, 0, width, 0, whole=True)], decide, exact, cache=cache)


def _answer_codes(keys, decide, cache: RowCache | None, values: list) -> dict:
    """key -> the code of ``decide(key)`` among ``values`` (appended here: one per distinct
    answer; -1 for None), each key decided once per process with a ``cache``."""
    keyed = cache.keyed if cache is not None else None
    by_answer: dict = {}
    out_codes = {}
    for key in keys:
        out = keyed.get(key, _UNSEEN) if keyed is not None else _UNSEEN
        if out is _UNSEEN:
            out = decide(key)
            if keyed is not None:
                if len(keyed) > _CACHE_LIMIT:
                    keyed.clear()
                keyed[key] = out
        if out is None:
            out_codes[key] = -1
            continue
        try:
            c = by_answer.get(out)
        except TypeError:  # an answer that cannot be hashed: a code of its own
            c = None
        else:
            if c is None:
                c = by_answer[out] = len(values)
        if c is None:
            c = len(values)
        if c == len(values):
            values.append(out)
        out_codes[key] = c
    return out_codes


#: ``_fields_column`` looks at this many fields or fewer one by one
_FEW_FIELDS = 384


def operators_of(ix: BlockIndex, among: np.ndarray, tag: str, code: str) -> Column:
    """The cataloguer each record ``among`` names (``operator_of``: the first ``tag``
    field's subfield ``code``); values are names, "" for none (the caller counts those
    under ``rabiskit.aggregate.count.UNKNOWN_OPERATOR``)."""
    from rabiskit.sources.irbis_fields import operator_of

    return field_column(ix, among, tag, lambda rec: operator_of(rec, tag, code) or "")
