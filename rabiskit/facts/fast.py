"""The fast counting path: the facts ``count`` needs, read from ISO 2709 bytes in bulk.

Counting a catalogue of millions of records needs, per record, only its leader, its
flavour, the encoding decision, the date entered, the first language and the level.
This module reads those for a whole block of records at once with numpy (directory
entries of all records as one array, fields located by vector arithmetic), and leaves
every record it cannot settle with certainty to the careful reader
(``Iso2709Reader.parse``):

* a block with any structural oddity (a leader that is not well formed, a length that
  disagrees with the record terminator, white space or garbage between records) is read
  whole by the careful reader;
* a record is settled here only when its directory is clean (numeric, inside the record,
  every field ending on a field terminator, fields in directory order and contiguous),
  its bytes are ASCII or valid UTF-8 (no MARC-8 escapes), the first 100$a (UNIMARC) or
  008 (MARC 21) holds a valid date, its first language code is three letters (or absent
  in UNIMARC), it is not marked deleted, and the default level rules decide it from the
  leader alone.  Everything else (undated, deleted, single-byte code pages, electronic
  resources needing 135/215/007, user rules) goes through the careful path.

The decisions reuse the careful path's own functions and tables (``flavour`` weights,
``quick_outcome`` for the encoding, ``parse_yyyymmdd``/``parse_yymmdd`` for dates), and
tests check that the fast and careful paths give identical counts, file summaries and
problem lists on every fixture and corpus file.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np

from rabiskit.facts.extract import extract_facts
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.parse import CENTURY_PIVOT
from rabiskit.records import Problem
from rabiskit.sources.encoding import CP1251, KOI8R, MARC8, UTF8, quick_outcome
from rabiskit.sources.flavour import _MARC21_TAGS, _UNIMARC_TAGS
from rabiskit.records import Record
from rabiskit.rules.engine import DEFAULT_RULES, classify_record
from rabiskit.records.record import MARC21, NOT_BIBLIOGRAPHIC_TYPES, UNIMARC
from rabiskit.sources.iso2709 import NON_REPEATABLE, Iso2709Reader, _field

RT, FT, SD = 0x1D, 0x1E, 0x1F
_RULE_TAGS = ("135", "215", "007")  # what the default rules read besides the leader
_LEVEL_CODES = {"ebook": 1, "cd": 2, "article": 3, "periodical": 4, "book": 5}
# (UNIMARC?, leader less length and base address, ((tag code, field bytes), ...)) -> level by
# the default rules: electronic resources repeat the same 135/215/007 values, so each
# distinct one is classified once
_RULE_CACHE: dict[tuple, str] = {}
_ARANGE36 = np.arange(36)
_ARANGE12 = np.arange(12)
_ARANGE32 = np.arange(32)
_POW5 = np.array([10000, 1000, 100, 10, 1], dtype=np.int64)
_POW4 = np.array([1000, 100, 10, 1], dtype=np.int64)


def _code(tag: str) -> int:
    """A tag as the number its three bytes make read little-endian (as the directory is
    read, four bytes at a time)."""
    b = tag.encode("latin-1")
    return b[0] | (b[1] << 8) | (b[2] << 16)


def _tag(code: int) -> str:
    return bytes([code & 255, (code >> 8) & 255, (code >> 16) & 255]).decode("latin-1")


# the flavour's weighted tags (all numeric): one bit each
_WEIGHT_TAGS = sorted(set(_UNIMARC_TAGS) | set(_MARC21_TAGS))
assert all(t.isdigit() and len(t) == 3 for t in _WEIGHT_TAGS)
_WEIGHT_VALUES = np.array([_UNIMARC_TAGS.get(t, 0) - _MARC21_TAGS.get(t, 0) for t in _WEIGHT_TAGS],
                          dtype=np.int64)
# indexed by the low nibbles of the tag's three bytes (first byte lowest); only meaningful
# where every high nibble is 3 (the bytes 0x30-0x3F: digits, and nibbles 10-15 give 0)
_WEIGHT_BITS = np.zeros(1 << 12, dtype=np.int64)
for _b, _t in enumerate(_WEIGHT_TAGS):
    _WEIGHT_BITS[int(_t[0]) | int(_t[1]) << 4 | int(_t[2]) << 8] = 1 << _b
C001, C008, C100, C101 = _code("001"), _code("008"), _code("100"), _code("101")
# the non-repeatable fields the careful reader checks (either flavour: the union)
_NOT_BIB_TYPES = np.frombuffer(NOT_BIBLIOGRAPHIC_TYPES.encode("ascii"), np.uint8)
_ONCE_CODES = tuple(_code(t) for t in sorted(NON_REPEATABLE[UNIMARC] | NON_REPEATABLE[MARC21]))
_RULE_CODES = np.array([_code(t) for t in _RULE_TAGS], dtype=np.int64)


def _is_digit(a):
    return (a - np.uint8(48)) < 10  # uint8 arithmetic wraps: one comparison


def _is_print(a):
    return (a >= 32) & (a <= 126)


def _is_alnum(a):
    return _is_digit(a) | ((a >= 65) & (a <= 90)) | ((a >= 97) & (a <= 122))


def _is_lower_or_upper(a):
    return ((a >= 65) & (a <= 90)) | ((a >= 97) & (a <= 122))


_D_MASK, _D_ZERO, _D_SIX = np.uint32(0xF0F0F0F0), np.uint32(0x30303030), np.uint32(0x06060606)


def _digits4(w: np.ndarray) -> np.ndarray:
    """True where all four bytes of each little-endian uint32 are ASCII digits."""
    return ((w & _D_MASK) == _D_ZERO) & (((w + _D_SIX) & _D_MASK) == _D_ZERO)


def _value4(w: np.ndarray) -> np.ndarray:
    """The number four ASCII digits (a little-endian uint32, first digit in the low byte)
    spell; meaningless where ``_digits4`` is False."""
    v = (w - _D_ZERO) & np.uint32(0x0F0F0F0F)
    v = (v * np.uint32(10) + (v >> np.uint32(8))) & np.uint32(0x00FF00FF)
    return ((v * np.uint32(100) + (v >> np.uint32(16))) & np.uint32(0xFFFF)).astype(np.int64)


def _num(digits) -> np.ndarray:
    d = digits.astype(np.int64) - 48
    pw = _POW5 if digits.shape[1] == 5 else _POW4
    return d @ pw


_NO_KEYS = np.zeros(0, dtype=np.int64)


@dataclass
class ChunkResult:
    """What one block of a file gave: grouped counts for the records settled here, and full
    facts (with their problems) for the records the careful reader had to take."""

    records: int = 0  # records in the block (numbered locally from 1)
    keys: np.ndarray = field(default_factory=lambda: _NO_KEYS)  # distinct group keys (see _group_keys)
    counts: np.ndarray = field(default_factory=lambda: _NO_KEYS)  # records of each key
    careful: list[tuple[int, RecordFacts, str, tuple]] = field(default_factory=list)  # (local no, facts, encoding reason, problems)
    file_problems: list[Problem] = field(default_factory=list)  # problems outside records
    bytes_read: int = 0


def _first_index(rec_of_entry: np.ndarray, mask: np.ndarray, nrec: int) -> np.ndarray:
    """Per record, the index of its first entry where ``mask`` holds, or -1."""
    out = np.full(nrec, -1, dtype=np.int64)
    idx = np.flatnonzero(mask)
    if idx.size:
        recs = rec_of_entry[idx]
        # first occurrence per record: idx is increasing and recs non-decreasing
        first = np.ones(idx.size, dtype=bool)
        first[1:] = recs[1:] != recs[:-1]
        out[recs[first]] = idx[first]
    return out


def analyse_block(buf: bytes, base_offset: int, *, display: str, db_level: str | None,
                  classify, encoding: str | None, flavour: str | None,
                  at_eof: bool) -> ChunkResult:
    """Count the records of ``buf`` (a block of a file starting at ``base_offset`` on a record
    boundary).  ``classify(src, db_level)`` is the careful level classifier used for the
    records handed to the careful path."""
    res = ChunkResult(bytes_read=len(buf))
    arr = np.frombuffer(buf, dtype=np.uint8)
    n = arr.size
    if n == 0:
        return res
    ends = np.flatnonzero(arr == RT)
    if ends.size == 0 or ends[-1] != n - 1:
        return _careful_block(buf, base_offset, display, db_level, classify, encoding, flavour)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    size = ends - starts + 1
    nrec = ends.size
    if size.min() < 37:
        return _careful_block(buf, base_offset, display, db_level, classify, encoding, flavour)
    # row views of the block: rows[i] is the 40 bytes from position i (no copy)
    padded = np.concatenate((arr, np.zeros(40, dtype=np.uint8)))
    rows = np.lib.stride_tricks.sliding_window_view(padded, 40)
    lead = rows[starts, :36]  # leader and the first directory entry
    ok = (_is_digit(lead[:, 0:5]).all(1) & _is_print(lead[:, 5:12]).all(1)
          & _is_digit(lead[:, 12:17]).all(1) & _is_print(lead[:, 17:20]).all(1)
          & (_is_digit(lead[:, 20:24]) | (lead[:, 20:24] == 32)).all(1)
          & _is_alnum(lead[:, 24:27]).all(1)
          & (_is_digit(lead[:, 27:36]) | (lead[:, 27:36] == 32)).all(1))
    if not ok.all():
        return _careful_block(buf, base_offset, display, db_level, classify, encoding, flavour)
    length = _num(lead[:, 0:5])
    if not (length == size).all():
        return _careful_block(buf, base_offset, display, db_level, classify, encoding, flavour)
    res.records = nrec
    # -- per-record structural checks (failures go to the careful parser) -------------
    base = _num(lead[:, 12:17])
    good = (base >= 37) & ((base - 25) % 12 == 0) & (base < size)
    good &= np.isin(lead[:, 20], (48, 52, 32)) & np.isin(lead[:, 21], (48, 53, 32))
    base_c = np.where(good, base, 37)
    good &= arr[np.minimum(starts + base_c - 1, n - 1)] == FT
    nent = np.where(good, (base_c - 25) // 12, 0)
    total = int(nent.sum())
    rec_of_entry = np.repeat(np.arange(nrec), nent)
    first_entry = np.cumsum(nent) - nent
    k = np.arange(total) - np.repeat(first_entry, nent)
    epos = starts[rec_of_entry] + 24 + 12 * k
    # each entry with the byte before it, as four little-endian words: [x t t t] [length]
    # [start, first four digits] [start, last digit ...]; the numbers are read four
    # digits at a time
    entries = np.ascontiguousarray(rows[epos - 1, :16])
    words = entries.view("<u4")
    s4 = words[:, 3] & np.uint32(0xFF)
    digits_ok = _digits4(words[:, 1]) & _digits4(words[:, 2]) & ((s4 - np.uint32(48)) < 10)
    flen = np.where(digits_ok, _value4(words[:, 1]), 0)
    fstart = np.where(digits_ok, _value4(words[:, 2]) * 10 + (s4.astype(np.int64) - 48), 0)
    rbase = (starts + base_c)[rec_of_entry]
    data_end = ends[rec_of_entry]  # absolute position of the record terminator
    s_abs = rbase + fstart
    e_abs = s_abs + flen
    ent_ok = digits_ok & (flen > 0) & (s_abs < data_end) & (e_abs <= data_end)
    ent_ok &= arr[np.clip(e_abs - 1, 0, n - 1)] == FT
    # fields contiguous and in directory order (so the data area is the fields' bytes)
    contig = np.ones(total, dtype=bool)
    if total:
        expected = np.empty(total, dtype=np.int64)  # where each field should start
        expected[1:] = fstart[:-1] + flen[:-1]
        expected[first_entry[nent > 0]] = 0
        contig = fstart == expected
    bad_entries = np.bincount(rec_of_entry[~(ent_ok & contig)], minlength=nrec) if total else np.zeros(nrec, int)
    good &= bad_entries == 0
    good &= nent > 0
    last_end = np.zeros(nrec, dtype=np.int64)
    if total:
        is_last = np.zeros(total, dtype=bool)
        is_last[np.cumsum(nent)[nent > 0] - 1] = True
        last_end[rec_of_entry[is_last]] = e_abs[is_last]
    good &= last_end == ends
    if not good.any():
        _careful_records(res, buf, base_offset, starts, ends, range(nrec), display, db_level,
                         classify, encoding, flavour)
        return res
    codes = (words[:, 0] >> np.uint32(8)).astype(np.int64)  # the tag, little-endian
    # the careful reader ends the directory at its first field terminator: a terminator
    # before the base address (inside a tag, say) is damage it reports, so such a record
    # is its to read; so is one with a tag that is not letters and digits
    ft_pos = np.flatnonzero(arr == FT)
    first_ft = ft_pos[np.minimum(np.searchsorted(ft_pos, starts + 24), ft_pos.size - 1)]
    good &= first_ft == starts + base_c - 1
    tag_bytes = entries[:, 1:4]
    bad_tag = ~_is_alnum(tag_bytes).all(1)
    if bad_tag.any():
        good &= np.bincount(rec_of_entry[bad_tag], minlength=nrec) == 0
    # a repeated control field that is not repeatable is reported by the careful reader
    for c in _ONCE_CODES:
        once = codes == c
        if once.any():
            good &= np.bincount(rec_of_entry[once], minlength=nrec) <= 1
    # -- flavour ---------------------------------------------------------------------
    i100 = _first_index(rec_of_entry, codes == C100, nrec)
    s100 = np.where(i100 >= 0, s_abs[np.maximum(i100, 0)], 0)
    l100 = np.where(i100 >= 0, flen[np.maximum(i100, 0)], 0)
    # 100$a must start right after the indicators, and its first 32 bytes be in the field
    has100a = (i100 >= 0) & (l100 >= 5)
    win = rows[np.clip(s100 + 2, 0, n - 1), :32]
    has100a &= (win[:, 0] == SD) & (win[:, 1] == 97)
    a100 = win[:, 2:32]  # 30 bytes of 100$a (or what follows it)
    # $a ends at the next subfield delimiter or at the field's end (a field terminator
    # inside the data is the careful reader's text, not the end)
    stop = a100 == SD
    a100_len = np.minimum(np.where(stop.any(1), stop.argmax(1), 30), np.maximum(l100 - 5, 0))
    # the careful path finds '\x1fa' anywhere in the first 100: where 100 exists but $a
    # is not first, leave the record to it
    good &= (i100 < 0) | has100a
    # (IRBIS-native records, UNIMARC family without 100$a, have no date here: careful path)
    date8 = has100a & (a100_len >= 8) & _is_digit(a100[:, 0:8]).all(1)
    bonus = np.where(date8 & (a100_len >= 22), 3, 0)
    if flavour is not None:
        fl_unimarc = np.full(nrec, flavour == "unimarc")
    else:
        # the score counts each weighted tag once per record (a set of tags): one bit per
        # weighted tag, OR-ed over the record's entries (they are contiguous per record)
        c = words[:, 0] >> np.uint32(8)  # the tag's bytes, first lowest
        nibbles = (c & np.uint32(0xF)) | ((c >> np.uint32(4)) & np.uint32(0xF0)) | ((c >> np.uint32(8)) & np.uint32(0xF00))
        bits = np.where((c & np.uint32(0xF0F0F0)) == np.uint32(0x303030), _WEIGHT_BITS[nibbles], 0)
        has = nent > 0
        mask = np.zeros(nrec, dtype=np.int64)
        mask[has] = np.bitwise_or.reduceat(bits, first_entry[has])
        score = bonus.astype(np.int64)
        for b, w in enumerate(_WEIGHT_VALUES.tolist()):
            if w:
                score += ((mask >> b) & 1) * w
        fl_unimarc = (score > 0) | ((score == 0) & (lead[:, 9] != 97))
    # -- encoding --------------------------------------------------------------------
    data_start = starts + base_c
    bounds = np.empty(2 * nrec, dtype=np.int64)
    bounds[0::2] = data_start
    bounds[1::2] = ends
    hi = arr >= 0x80
    high = np.logical_or.reduceat(hi, bounds)[0::2]
    esc = (np.logical_or.reduceat(arr == 0x1B, bounds)[0::2] if b"\x1b" in buf
           else np.zeros(nrec, dtype=bool))
    utf8_ok = np.zeros(nrec, dtype=bool)
    if high.any():
        if utf8_valid(buf, arr, hi):
            utf8_ok = high.copy()  # (the careful reader tries UTF-8 only where bytes are high)
        else:
            for i in np.flatnonzero(high & good):
                try:
                    buf[data_start[i]:ends[i]].decode("utf-8")
                    utf8_ok[i] = True
                except UnicodeDecodeError:
                    pass
    # declared encoding: MARC 21 leader/09; UNIMARC 100$a/26-29 ('50', '89', '02')
    d_marc = np.where(lead[:, 9] == 97, 1, np.where(lead[:, 9] == 32, 2, 0))  # 1 utf8 2 marc8
    a2627 = (a100[:, 26].astype(np.int64) << 8) | a100[:, 27]
    a2829 = (a100[:, 28].astype(np.int64) << 8) | a100[:, 29]
    c02 = ord("0") << 8 | ord("2")  # ISO 5427 Cyrillic (KOI-8) in G0 or G1
    koi = (a2627 == c02) | ((a100_len >= 30) & (a2829 == c02))
    d_uni = np.where(has100a & (a100_len >= 28) & (a2627 == (ord("5") << 8 | ord("0"))), 1,
                     np.where(has100a & (a100_len >= 28) & (a2627 == (ord("8") << 8 | ord("9"))), 3,
                              np.where(has100a & (a100_len >= 28) & koi, 4, 0)))
    # the careful path decodes 100$a before measuring it: non-ASCII in it changes lengths
    a100_high = (a100 >= 0x80).any(1) & has100a
    good &= ~a100_high
    declared = np.where(fl_unimarc, d_uni, d_marc)
    # -- date entered ----------------------------------------------------------------
    i008 = _first_index(rec_of_entry, codes == C008, nrec)
    s008 = np.where(i008 >= 0, s_abs[np.maximum(i008, 0)], 0)
    l008 = np.where(i008 >= 0, flen[np.maximum(i008, 0)] - 1, 0)
    w008 = rows[np.clip(s008, 0, n - 1), :38]
    uni_date = np.where(date8, _num8(a100[:, 0:8]), -1)
    m_ok = (i008 >= 0) & (l008 >= 6) & _is_digit(w008[:, 0:6]).all(1)
    yy = _num2(w008[:, 0:2])
    mmdd = _num2(w008[:, 2:4]) * 100 + _num2(w008[:, 4:6])
    year = np.where(yy >= CENTURY_PIVOT, 1900 + yy, 2000 + yy)
    marc_date = np.where(m_ok, year * 10000 + mmdd, -1)
    # a control field 008 must not hold subfield delimiters, nor bytes beyond ASCII
    b008 = np.empty(2 * nrec, dtype=np.int64)
    b008[0::2] = s008
    b008[1::2] = s008 + np.maximum(l008, 0)
    if (i008 >= 0).any():
        odd008 = np.logical_or.reduceat((arr == SD) | (arr >= 0x80), np.minimum(b008, n - 1))[0::2]
        odd008 &= l008 > 0
    else:
        odd008 = np.zeros(nrec, dtype=bool)
    marc_ctrl = (i008 >= 0) & ~odd008
    date_int = np.where(fl_unimarc, uni_date, marc_date)
    good &= date_int >= 0
    good &= fl_unimarc | marc_ctrl
    valid = _valid_dates(date_int)
    good &= valid
    # -- first language ----------------------------------------------------------------
    i101 = _first_index(rec_of_entry, codes == C101, nrec)
    s101 = np.where(i101 >= 0, s_abs[np.maximum(i101, 0)], 0)
    w101 = rows[np.clip(s101, 0, n - 1), :8]
    l101 = np.where(i101 >= 0, flen[np.maximum(i101, 0)], 0)
    uni_lang_ok = (i101 >= 0) & (l101 >= 8) & (w101[:, 2] == SD) & (w101[:, 3] == 97) & \
        _is_lower_or_upper(w101[:, 4:7]).all(1) & ((w101[:, 7] == SD) | ((w101[:, 7] == FT) & (l101 == 8)))
    uni_lang = w101[:, 4:7] | 0x20  # lower case
    uni_und = i101 < 0
    marc_lang_ok = m_ok & (l008 >= 38) & _is_lower_or_upper(w008[:, 35:38]).all(1)
    marc_lang = w008[:, 35:38] | 0x20
    lang_ok = np.where(fl_unimarc, uni_lang_ok | uni_und, marc_lang_ok)
    good &= lang_ok
    lang3 = np.where(fl_unimarc[:, None], uni_lang, marc_lang)
    # -- status and level --------------------------------------------------------------
    good &= lead[:, 5] != ord("d")
    # records that are not bibliographic (authority, holdings ...) are the careful path's
    good &= ~np.isin(lead[:, 6], _NOT_BIB_TYPES)
    t6, t7 = lead[:, 6], lead[:, 7]
    needs_fields = np.zeros(nrec, dtype=bool)
    if db_level is None:
        needs_fields = (fl_unimarc & (t6 == ord("l"))) | (~fl_unimarc & (t6 == ord("m")))
    # -- encoding outcome per distinct case ---------------------------------------------
    forced = encoding is not None
    if forced:
        good &= ~high & ~esc
    combo = (high.astype(np.int64) << 5) | (esc.astype(np.int64) << 4) | (utf8_ok.astype(np.int64) << 3) \
        | declared
    combo = combo * 2 + fl_unimarc
    settled = np.zeros(1 << 7, dtype=bool)
    for c in np.flatnonzero(np.bincount(combo[good], minlength=1 << 7)).tolist():
        settled[c] = combo_outcome(c, encoding) is not None
    good &= settled[combo]
    # -- group the settled records ------------------------------------------------------
    if db_level is None:
        level = np.full(nrec, 5, dtype=np.int64)  # book (the catch-all)
        level = np.where(np.isin(t7, np.frombuffer(b"mcdi", np.uint8)), 5, level)
        level = np.where(t7 == ord("s"), 4, level)
        level = np.where(np.isin(t7, np.frombuffer(b"ab", np.uint8)), 3, level)
        level = np.where(np.isin(t6, np.frombuffer(b"ij", np.uint8)), 2, level)
        # electronic resources: the default rules look at 135/215 (UNIMARC) or 007 (MARC 21);
        # classify them with those rules on a record holding just the leader and those fields
        which = needs_fields & good
        if which.any():
            cand = np.flatnonzero(which[rec_of_entry])
            rule_entries = cand[np.isin(codes[cand], _RULE_CODES)]
            by_record: dict[int, list] = {}
            for r, c, a, b in zip(rec_of_entry[rule_entries].tolist(), codes[rule_entries].tolist(),
                                  s_abs[rule_entries].tolist(), (e_abs[rule_entries] - 1).tolist()):
                by_record.setdefault(r, []).append((c, buf[a:b]))
            wi = np.flatnonzero(which)
            # the leader without its record length and base address (which no rule reads,
            # and which differ from record to record)
            ldr = np.ascontiguousarray(np.concatenate((lead[wi, 5:12], lead[wi, 17:24]), axis=1))
            for i, uni, ld in zip(wi.tolist(), fl_unimarc[wi].tolist(), ldr.view("S14").ravel().tolist()):
                key = (uni, ld, tuple(by_record.get(i, ())))
                lv = _RULE_CACHE.get(key)
                if lv is None:
                    fields = [_field(_tag(c), raw.decode("utf-8")) for c, raw in key[2]]
                    ld = key[1].decode("ascii")
                    rec = Record("00000" + ld[:7] + "00000" + ld[7:], fields)
                    lv = classify_record(rec, "unimarc" if key[0] else "marc21", DEFAULT_RULES)[0]
                    if len(_RULE_CACHE) > 20_000:
                        _RULE_CACHE.clear()
                    _RULE_CACHE[key] = lv
                level[i] = _LEVEL_CODES.get(lv, -1)
        good &= level >= 0
    else:
        level = np.full(nrec, 0, dtype=np.int64)
    gi = np.flatnonzero(good)
    if gi.size:
        keys = _group_keys(gi, date_int, combo, lead, lang3, fl_unimarc & uni_und, level)
        res.keys, res.counts = np.unique(keys, return_counts=True)
    # -- the rest through the careful parser --------------------------------------------
    if gi.size < nrec:
        _careful_records(res, buf, base_offset, starts, ends, np.flatnonzero(~good).tolist(),
                         display, db_level, classify, encoding, flavour)
    return res


def utf8_valid(buf: bytes, arr: np.ndarray, hi: np.ndarray) -> bool:
    """Whether the whole block is valid UTF-8 (``hi``: its bytes beyond ASCII).

    Cyrillic text is two-byte sequences only: where no byte is 0xC0, 0xC1 or above 0xDF,
    the block is valid exactly when every byte after a lead byte (0xC2-0xDF), and no other,
    is a continuation byte (0x80-0xBF), a check numpy does in a few passes.  Anything else
    is left to Python's decoder."""
    if arr.max() > 0xDF or b"\xc0" in buf or b"\xc1" in buf:
        try:
            buf.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False
    lead = arr >= 0xC2
    cont = hi ^ lead  # 0x80-0xBF (0xC0 and 0xC1 are absent)
    return not (cont[0] or lead[-1]) and bool(np.array_equal(cont[1:], lead[:-1]))


def _careful_records(res: ChunkResult, buf: bytes, base_offset: int, starts, ends, which,
                     display, db_level, classify, encoding, flavour) -> None:
    """Parse the records numbered ``which`` (0-based in the block) with the careful parser."""
    reader = Iso2709Reader(display, encoding=encoding, flavour=flavour, display=display,
                           fileobj=io.BytesIO(b""))
    for i in which:
        a, b = int(starts[i]), int(ends[i]) + 1
        src = reader.parse(buf[a:b], base_offset + a, i + 1)
        lv = classify(src, db_level)[0] if classify is not None else None
        res.careful.append((i + 1, extract_facts(src, lv), src.encoding_reason, src.problems))


_ENC_NAMES = {0: None, 1: UTF8, 2: MARC8, 3: CP1251, 4: KOI8R}


def combo_outcome(c: int, encoding: str | None) -> tuple[str, str] | None:
    """(encoding, reason) the careful path decides for the records of encoding case ``c``
    (bits: beyond ASCII, escapes, valid UTF-8, declared encoding (3), UNIMARC), or None
    where the fast path cannot settle it."""
    if encoding is not None:
        return (encoding, "--encoding")
    fl = "unimarc" if c & 1 else "marc21"
    cc = c >> 1
    h, e, u, d = bool(cc >> 5 & 1), bool(cc >> 4 & 1), bool(cc >> 3 & 1), _ENC_NAMES.get(cc & 7)
    o = quick_outcome(h, e, u, d, fl)
    # MARC-8 with bytes beyond ASCII is decoded by pymarc, which may complain: careful path
    if o is None or (o[0] == MARC8 and (h or e)):
        return None
    return o


# one group key per settled record, the same in every block and process (so blocks merge
# as arrays): date entered (23 bits: (year * 16 + month) * 32 + day), encoding case (7),
# leader/06 and /07 (7 each: checked printable ASCII), first language (15: three letters
# of 5 bits, 0 for none coded), level (3: _LEVEL_CODES, 0 for the --db level)
_K_DATE, _K_COMBO, _K_T6, _K_T7, _K_LANG = 39, 32, 25, 18, 3


def _group_keys(gi, date_int, combo, lead, lang3, und, level) -> np.ndarray:
    d = date_int[gi]
    dcode = ((d // 10000) * 16 + (d // 100) % 100) * 32 + d % 100
    l3 = lang3[gi].astype(np.int64) - 96
    lcode = np.where(und[gi], 0, (l3[:, 0] << 10) | (l3[:, 1] << 5) | l3[:, 2])
    return ((dcode << _K_DATE) | (combo[gi].astype(np.int64) << _K_COMBO)
            | (lead[gi, 6].astype(np.int64) << _K_T6) | (lead[gi, 7].astype(np.int64) << _K_T7)
            | (lcode << _K_LANG) | level[gi])


_LEVEL_NAMES = {v: k for k, v in _LEVEL_CODES.items()}
_K_ALL_BUT_DATE = (1 << _K_DATE) - 1
# what the tally reads: the date, the first language and the level
_K_TALLY = ~((127 << _K_COMBO) | (127 << _K_T6) | (127 << _K_T7))


def _date_of(key: int) -> dt.date:
    dcode = key >> _K_DATE
    return dt.date(dcode >> 9, (dcode >> 5) % 16, dcode % 32)


def _language_of(key: int) -> str:
    lc = (key >> _K_LANG) & 0x7FFF
    return "und" if lc == 0 else "".join(chr(96 + (lc >> sh & 31)) for sh in (10, 5, 0))


def _level_of(key: int, db_level: str | None) -> str | None:
    return db_level if key & 7 == 0 else _LEVEL_NAMES[key & 7]


def _sum_by(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uk, inv = np.unique(keys, return_inverse=True)
    return uk, np.bincount(inv.reshape(-1), weights=counts, minlength=uk.size).astype(np.int64)


def summary_groups(keys: np.ndarray, counts: np.ndarray, *, db_level: str | None,
                   encoding: str | None) -> tuple[list[tuple["FastKey", int]], dt.date, dt.date]:
    """A file's groups (keys and counts as its blocks gave them) for its summary, which does
    not need the day of each: the groups less their dates (each dated on the first day), and
    the first and last day."""
    first, last = _date_of(int(keys.min())), _date_of(int(keys.max()))  # the date is on top
    uk, sums = _sum_by(keys & _K_ALL_BUT_DATE, counts)
    groups = []
    for k, n in zip(uk.tolist(), sums.tolist()):
        c = (k >> _K_COMBO) & 127
        enc, reason = combo_outcome(c, encoding)
        groups.append((FastKey(first, "unimarc" if c & 1 else "marc21", enc, reason,
                               chr((k >> _K_T6) & 127), chr((k >> _K_T7) & 127), _language_of(k),
                               (k >> _K_LANG) & 0x7FFF != 0, _level_of(k, db_level)), n))
    return groups, first, last


def tally_keys(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The groups as the tally counts them: by date, first language and level only."""
    return _sum_by(keys & _K_TALLY, counts)


def tally_counts(keys: np.ndarray, counts: np.ndarray, db_level: str | None):
    """(date, level, language, number) for keys reduced by ``tally_keys``."""
    for k, n in zip(keys.tolist(), counts.tolist()):
        yield _date_of(k), _level_of(k, db_level), _language_of(k), n


@dataclass(frozen=True)
class FastKey:
    """The facts of a group of records settled by the fast path (all equal within the group)."""

    date_entered: dt.date
    flavour: str
    encoding: str
    encoding_reason: str
    record_type: str
    bibliographic_level: str
    language: str
    languages_coded: bool
    level: str

    @classmethod
    def of(cls, t: tuple) -> "FastKey":
        """From the tuple a block gives: (YYYYMMDD as int, flavour, encoding, reason,
        leader/06, leader/07, language, languages_coded, level)."""
        d = t[0]
        return cls(dt.date(d // 10000, d // 100 % 100, d % 100), *t[1:])


def _num8(d) -> np.ndarray:
    v = d.astype(np.int64) - 48
    return v @ np.array([10 ** (7 - i) for i in range(8)], dtype=np.int64)


def _num2(d) -> np.ndarray:
    v = d.astype(np.int64) - 48
    return v[:, 0] * 10 + v[:, 1]


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _valid_dates(date_int: np.ndarray) -> np.ndarray:
    """True where YYYYMMDD is a real calendar date, as ``datetime.date`` accepts it (years
    1 to 9999; -1 marks no date)."""
    y, m, d = date_int // 10000, date_int // 100 % 100, date_int % 100
    ok = (date_int >= 0) & (y >= 1) & (y <= 9999) & (m >= 1) & (m <= 12) & (d >= 1)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return ok & (d <= _DAYS_IN_MONTH[np.where(ok, m, 0)] + (leap & (m == 2)))


def _careful_block(buf: bytes, base_offset: int, display: str, db_level, classify, encoding,
                   flavour) -> ChunkResult:
    """Read a block with the careful reader (used when its structure is not clean)."""
    res = ChunkResult(bytes_read=len(buf))
    reader = Iso2709Reader(display, encoding=encoding, flavour=flavour, display=display,
                           fileobj=io.BytesIO(buf), base_offset=base_offset)
    for src in reader:
        lv = classify(src, db_level)[0] if classify is not None else None
        res.careful.append((src.number, extract_facts(src, lv), src.encoding_reason, src.problems))
    res.records = reader.records_read
    res.file_problems = [p for p in reader.problems if p.record is None]
    return res
