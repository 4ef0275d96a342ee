"""The quiet records of a block: clean UNIMARC records in which no per-record check of the
audit can find anything, audited from the block's columns instead of record by record.

Most records of a catalogue have nothing to report: a valid date entered in the past, a
valid 005, coded languages the title agrees with, no sign of encoding damage, a 001.  For
them the audit only needs what the Kazakh share counts and the duplicate check compares.
Each of those is decided by the careful function itself (``rabiskit.audit.checks``,
``rabiskit.audit.text``, ``rabiskit.facts.extract``), on a record holding only the field
it reads, once per distinct value of that field's bytes in the block
(``rabiskit.facts.columns.field_column``); the block reader only finds the bytes.

A record is quiet only when every check is sure to find nothing:

* clean (``rabiskit.facts.blocks``), bibliographic, not deleted, UNIMARC;
* its date entered settled by the block path (``dates_entered``), not after today nor
  before ``oldest``; its 005 absent, blank or a valid date and time neither after today
  nor before the date entered;
* languages coded, every code valid, no language_mismatch (``mismatch_confidence``);
* a 001 that is not blank, one 200;
* not one character the encoding checks react to anywhere in its bytes (the block's
  bytes looked at with numpy, :func:`may_be_damaged`: a superset of what
  ``checks._suspect`` looks for).

Every other record is decoded whole and goes through ``Auditor.add``, so the findings are
those of the careful path.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import numpy as np

from rabiskit.audit.checks import (_CONTROL, _KZ_MOJIBAKE, _UTF8_AS_CP1251, _UTF8_AS_LATIN1,
                                   invalid_codes, mismatch_confidence)
from rabiskit.audit.duplicates import isbn_keys
from rabiskit.audit.findings import ShareRow
from rabiskit.audit.language import KAZ, quick_detection
from rabiskit.audit.titles import block_titles
from rabiskit.audit.text import (first_author, normalise_text, publication_year,
                                 title_key_of, title_parts_of)
from rabiskit.facts.blocks import BlockIndex, combo_outcome, first_index, tag_code
from rabiskit.facts.columns import (Column, dates_entered, field_column, field_texts_column,
                                    languages, subfield_column)
from rabiskit.facts.levels import levels
from rabiskit.facts.parse import clean_title, parse_005
from rabiskit.records import Record
from rabiskit.records.record import NOT_BIBLIOGRAPHIC_TYPES, UNIMARC
from rabiskit.sources.iso2709 import _subfields

_NOT_BIB = np.frombuffer(NOT_BIBLIOGRAPHIC_TYPES.encode("ascii"), np.uint8)


def _tables():
    """Byte and byte-pair tables of what the encoding checks react to (``checks._suspect``:
    the characters of ``_SUSPECT_CHAR``, and the pairs of ``_UTF8_AS_CP1251``,
    ``_UTF8_AS_LATIN1`` and ``_MIXED_RE``), as UTF-8 bytes, wider where that is simpler."""
    single = np.zeros(256, dtype=bool)
    for b in [*range(0x00, 0x1E), 0x7F, ord("?")]:  # controls, tab, line breaks; not 1E 1F
        single[b] = True
    pair = np.zeros(1 << 16, dtype=bool)
    for ch in [*map(chr, [*range(0x80, 0x88), *range(0x8A, 0x98), *range(0x99, 0x9C),
                          *range(0x9D, 0xA0)]), *_KZ_MOJIBAKE]:
        b = ch.encode("utf-8")
        assert len(b) == 2
        pair[b[0] << 8 | b[1]] = True
    pair[0xEF << 8 | 0xBF] = True  # U+FFFD (and its neighbours)
    letters = np.zeros(256, dtype=bool)
    for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
        letters[c] = True
    for cont in range(0x80, 0xC0):  # a letter beyond ASCII, then a Latin one
        pair[cont << 8 | np.flatnonzero(letters)] = True
    # what may follow Р or С in UTF-8 read as cp1251: the first two bytes of each
    after = re.compile(_UTF8_AS_CP1251.pattern[len("[РС]"):])
    after_rs = np.zeros(1 << 16, dtype=bool)
    for code in range(0x80, 0x10000):
        if after.fullmatch(chr(code)):
            b = chr(code).encode("utf-8")
            after_rs[b[0] << 8 | b[1]] = True
    return single, pair, letters, after_rs


_SINGLE, _PAIR, _LETTER, _AFTER_RS = _tables()
assert _CONTROL.pattern and _UTF8_AS_CP1251.pattern.startswith("[РС]")
assert _UTF8_AS_LATIN1.pattern.startswith("[ÐÑ][\u0080-\u00bf]")


def _pair_table() -> np.ndarray:
    """Per byte pair (first byte << 8 | second): bit 1 when the first byte or the pair is
    one the encoding checks react to (``_SINGLE``, ``_PAIR``); bit 2 for Р or С (D0 A0,
    D0 A1: looked at with the pair after them, ``_AFTER_RS``); bit 4 for Ð or Ñ (C3 90,
    C3 91: with the byte after them); bit 8 for a Latin letter before a Cyrillic lead byte
    (D0-D4: reacted to unless the letter is a subfield code, after 1F)."""
    t = np.zeros(1 << 16, dtype=np.uint8)
    t[_PAIR] = 1
    t[np.repeat(_SINGLE, 256)] = 1
    t[[0xD0A0, 0xD0A1]] |= 2
    t[[0xC390, 0xC391]] |= 4
    for c in np.flatnonzero(_LETTER).tolist():
        t[c << 8 | 0xD0:c << 8 | 0xD5] |= 8
    return t


_PAIR_BITS = _pair_table()


def may_be_damaged(ix: BlockIndex) -> np.ndarray:
    """Per record: whether its bytes hold anything the encoding checks may react to (a
    superset: a record without is one ``check_encoding`` finds nothing in)."""
    a = ix.arr
    if a.size >= 4:
        p = (a[:-1].astype(np.uint16) << 8) | a[1:]
        bits = _PAIR_BITS.take(p)  # (take: a quarter quicker than indexing)
        flag = np.empty(a.size, dtype=bool)
        np.bitwise_and(bits, 1, out=flag[:-1], casting="unsafe")
        flag[-1] = _SINGLE[a[-1]]
        more = np.flatnonzero(bits > 1)  # (the few pairs looked at further)
        if more.size:
            b = bits[more]
            # Р or С before a letter beyond ASCII (the pair after them)
            rs = more[((b & 2) != 0) & (more <= a.size - 4)]
            flag[rs] |= _AFTER_RS[p[rs + 2]]
            # Ð or Ñ before U+0080-U+00BF (C2 ..)
            c3 = more[((b & 4) != 0) & (more <= a.size - 3)]
            flag[c3] |= a[c3 + 2] == 0xC2
            # a Latin letter before a Cyrillic one, unless it is a subfield code
            lc = more[(b & 8) != 0]
            flag[lc] |= (lc == 0) | (a[np.maximum(lc - 1, 0)] != 0x1F)
    else:
        flag = _SINGLE[a]
    # each record's bytes, its record terminator left out
    b2 = np.empty(2 * ix.nrec, dtype=np.int64)
    b2[0::2] = ix.starts
    b2[1::2] = np.minimum(ix.ends, a.size - 1)
    out = np.logical_or.reduceat(flag, b2)[0::2]
    return out & (ix.ends > ix.starts)


#: the title's answers by the subfields they read (the first 200's $a $e $h $i: the title
#: proper, the other title information, the part), met in this process: the statement of
#: responsibility ($f) makes most 200 fields differ where the titles do not.  Keyed by the
#: subfields' bytes (each 0x1F's part of the field whose code is one of those), so a title
#: met before is found without decoding its field.
_TITLES: dict[tuple, tuple] = {}
_TITLE_CODES = frozenset([b"a", b"e", b"h", b"i"])
#: each part of the field after a 0x1F whose code is one of ``_TITLE_CODES`` (the code and
#: the text to the next 0x1F): ``[p for p in raw.split(b"\x1f")[1:] if p[:1] in codes]``
_TITLE_SUBFIELDS = re.compile(rb"\x1f([aehi][^\x1f]*)").findall
_CACHE_LIMIT = 1 << 13  # (a worker's memory)
_TITLE_LIMIT = 1 << 14  # (an answer: two texts and a Detection, shared with detect_language)


def _title(raw: bytes) -> tuple[tuple, tuple]:
    """The record's one 200 (its bytes): (title as the facts give it, what it reads as, the
    duplicate check's title key), and the subfields they were read from (as bytes)."""
    key = tuple(_TITLE_SUBFIELDS(raw))
    got = _TITLES.get(key)
    if got is None and len(key) == 1 and key[0][:1] == b"a":
        # the usual title, a $a alone: what the lines below give for it, more directly
        # (``title_parts_of``: the text before " = "; ``title_key_of``: the text normalised)
        v = key[0][1:].decode("utf-8")
        got = (clean_title(v), quick_detection(v.split(" = ", 1)[0] if " = " in v else v),
               normalise_text(v))
        if len(_TITLES) >= _TITLE_LIMIT:
            _TITLES.clear()
        _TITLES[key] = got
    elif got is None:
        # the field's subfields as the careful reader gives them (``iso2709._field``: each
        # 0x1F, its code and the text to the next one) for the codes the title reads; the
        # title's language as ``checks.text_language`` decides it, without the evidence
        # text: a quiet record has no finding to show it in (one with one is audited whole)
        subs = [(chr(p[0]), p[1:].decode("utf-8")) for p in key]
        title_a = next((v for c, v in subs if c == "a"), None)
        got = (clean_title(title_a),
               quick_detection(" ".join([p.text for p in title_parts_of(subs, UNIMARC)])),
               title_key_of(subs, UNIMARC))
        if len(_TITLES) >= _TITLE_LIMIT:
            _TITLES.clear()
        _TITLES[key] = got
    return got, key


_NO_005 = ("", None)
_CHANGED: dict[str, tuple | None] = {}


def _changed(raw: bytes | None):
    """The 005's bytes: ("", None) without a 005 (or a blank one), ("005", day) for a valid
    one; None (the record is not quiet) for one the date check reports, or one holding a
    delimiter (the careful reader then makes it a data field)."""
    if raw is None:
        return _NO_005
    if b"\x1f" in raw:
        return None
    text = raw.decode("utf-8")
    if not text.strip():
        return _NO_005
    got = _CHANGED.get(text, _NO_005)
    if got is _NO_005:
        changed = parse_005(text)  # (Record.control("005") is the field's text)
        got = None if changed is None else ("005", changed.date())
        if len(_CHANGED) >= _CACHE_LIMIT:
            _CHANGED.clear()
        _CHANGED[text] = got
    return got


_DIGITS = np.zeros(256, dtype=bool)
_DIGITS[ord("0"):ord("9") + 1] = True
_TIME_SHAPE = np.array([*[True] * 14, False, True])  # YYYYMMDDhhmmss.f: digits but "."
_DAYS: dict[int, tuple] = {}


def _changed_all(buf: np.ndarray, at: np.ndarray, to: np.ndarray) -> list:
    """``_changed`` of each 005 (its data from ``at`` to ``to``; -1: none), the usual ones
    (YYYYMMDDhhmmss.f, 16 bytes) read from the block's bytes at once: a date and time
    (``parse_005``) when the day is one (``parse_005`` of the day at midnight, once per
    day) and the time is one (hours below 24, minutes and seconds below 60); the others
    one by one (None in the list: ``_changed`` to be asked)."""
    out: list = [None] * at.size
    usual = np.flatnonzero((at >= 0) & (to - at == 16))
    if not usual.size:
        return out
    b = buf[at[usual, None] + np.arange(16)]
    ok = (_DIGITS[b] == _TIME_SHAPE).all(axis=1) & (b[:, 14] == ord("."))
    usual, b = usual[ok], b[ok].astype(np.int64) - ord("0")
    hh, mm, ss = (b[:, 8] * 10 + b[:, 9], b[:, 10] * 10 + b[:, 11], b[:, 12] * 10 + b[:, 13])
    day = (((b[:, 0] * 10 + b[:, 1]) * 10 + b[:, 2]) * 10 + b[:, 3]) * 10000 + (
        (b[:, 4] * 10 + b[:, 5]) * 100 + b[:, 6] * 10 + b[:, 7])
    valid_time = (hh < 24) & (mm < 60) & (ss < 60)
    for k, d, t in zip(usual.tolist(), day.tolist(), valid_time.tolist()):
        got = _DAYS.get(d)
        if got is None:
            changed = parse_005(f"{d:08d}000000.0")
            got = (None,) if changed is None else ("005", changed.date())
            if len(_DAYS) >= _CACHE_LIMIT:
                _DAYS.clear()
            _DAYS[d] = got
        out[k] = got if t and got[0] is not None else _NOT_QUIET
    return out


_NOT_QUIET = ("",)  # (``_changed_all``: the 005 is not a date and time)


def _isbns(values: list[str]) -> tuple:
    # RecordFacts.isbn as extract_facts reads it (the 010$a values), then the keys it is
    # compared by
    return (isbn_keys(tuple(v.strip() for v in values if v.strip())),)


_NO_ISBN = _isbns([])
_ISBN_BYTES = np.zeros(256, dtype=bool)  # what an ISBN written as digits and hyphens holds
_ISBN_BYTES[ord("0"):ord("9") + 1] = True
_ISBN_BYTES[ord("-")] = True
_WIDTH = 4 + 19  # indicators, 1F a, then up to 19 characters


def isbn_column(ix: BlockIndex, among: np.ndarray) -> Column:
    """``subfield_column(ix, among, "010", "a", _isbns)``, the usual records read at once
    with numpy: those without a 010 (no ISBN), and those with one 010 of two indicators
    (printable ASCII), a $a and nothing else, of 13 to 19 digits and hyphens starting
    with 978 or 979: ``isbn13`` then takes the whole text, and its digits are the key when
    there are 13 of them, there is none unless there are 10 (an ISBN-10: those go with
    the others to ``subfield_column``)."""
    codes = np.full(ix.nrec, -1, dtype=np.int64)
    values: list = [_NO_ISBN]
    is010 = ix.codes == tag_code("010")
    count = np.bincount(ix.rec_of_entry[is010], minlength=ix.nrec)
    codes[among & (count == 0)] = 0
    recs = np.flatnonzero(among & (count == 1))
    fast = np.zeros(0, dtype=np.int64)
    if recs.size:
        e = first_index(ix.rec_of_entry, is010, ix.nrec)[recs]
        start = ix.s_abs[e]
        length = ix.flen[e] - 1 - 4  # the $a's text: the field but its indicators, 1F a
        a = ix.arr
        w = a[np.minimum(start[:, None] + np.arange(_WIDTH), a.size - 1)]
        inside = np.arange(_WIDTH - 4)[None, :] < length[:, None]
        v = w[:, 4:]
        digit = (v >= ord("0")) & (v <= ord("9")) & inside
        ndigits = digit.sum(axis=1)
        ok = ((length >= 13) & (length <= 19)
              & (w[:, 0] >= 0x20) & (w[:, 0] < 0x7F) & (w[:, 1] >= 0x20) & (w[:, 1] < 0x7F)
              & (w[:, 2] == 0x1F) & (w[:, 3] == ord("a"))
              & (_ISBN_BYTES[v] | ~inside).all(axis=1) & (ndigits != 10)
              & (v[:, 0] == ord("9")) & (v[:, 1] == ord("7"))
              & ((v[:, 2] == ord("8")) | (v[:, 2] == ord("9"))))
        codes[recs[ok & (ndigits != 13)]] = 0  # not an ISBN-13 nor an ISBN-10: none
        ok &= ndigits == 13
        fast = recs[ok]
        if fast.size:
            # each row's 13 digits, in order (a stable sort puts them first)
            d, dv = digit[ok], v[ok]
            order = np.argsort(~d, axis=1, kind="stable")[:, :13]
            keys = np.take_along_axis(dv, order, axis=1).copy().view("S13").reshape(-1)
            codes[fast] = np.arange(len(values), len(values) + fast.size)
            values.extend([((k,),) for k in keys.astype(str).tolist()])
    rest = among.copy()
    rest[codes >= 0] = False
    if rest.any():
        col = subfield_column(ix, rest, "010", "a", _isbns)
        got = col.codes >= 0
        codes[got] = col.codes[got] + len(values)
        values.extend(col.values)
    return Column(codes, values)


@dataclass
class Quiet:
    """A block's quiet records (numbered from 1 in the block) and what the audit takes of
    each; ``levels``: the level column of the block's clean bibliographic records."""

    levels: Column
    numbers: list[int] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)

    def add_to(self, auditor, summary, qi: int, until: int | None) -> int:
        """Add the quiet records from the ``qi``-th on, up to (not including) record number
        ``until`` (None: all), to the auditor and the block's summary, as ``Auditor.add``
        and ``FileSummary.add_read`` would; returns the index of the next one."""
        from rabiskit.facts.fast import FastKey

        numbers = self.numbers
        end = len(numbers) if until is None else bisect.bisect_left(numbers, until, qi)
        shares = auditor.shares
        rows = self.rows[qi:end]
        auditor.duplicates.add_many([row[0] for row in rows])
        groups: dict[tuple, list] = {}
        for keys, d, inside, det, group in rows:
            if inside:
                level = keys[5]
                auditor.in_period += 1
                row = shares.get(level or "book")
                if row is None:
                    row = shares[level or "book"] = ShareRow()
                row.records += 1
                coded_kaz = keys[9][0] == KAZ
                row.coded_kazakh += coded_kaz
                if det.decided:
                    row.written_kazakh += det.language == KAZ
                else:
                    row.from_coding += 1
                    row.written_kazakh += coded_kaz
            g = groups.get(group)
            if g is None:
                groups[group] = [1, d, d]
            else:
                g[0] += 1
                if d < g[1]:
                    g[1] = d
                if d > g[2]:
                    g[2] = d
        auditor.records += end - qi
        for (enc, reason, t6, t7, lang, level), (n, first, last) in groups.items():
            summary.add_group(FastKey(first, UNIMARC, enc, reason, t6, t7, lang, True, level), n,
                              dates=(first, last))
        return end


_HOST_CODES = ("t", "v", "d")


def _host(texts: list[str]) -> tuple[str]:
    """``host_text`` of the record holding the 463 fields of these texts (``_field``: a
    field's subfields from its first 0x1F; ``Record.subfield``: the first value of a code
    over the fields in turn)."""
    found: dict[str, str] = {}
    for text in texts:
        k = text.find("\x1f")
        if k != -1:
            for c, v in _subfields(text, k):
                if c in _HOST_CODES and c not in found:
                    found[c] = v
    return (normalise_text(" ".join([found.get(c) or "" for c in _HOST_CODES])),)


def _author(rec: Record, tag: str) -> str | None:
    """``first_author`` when this field gives it (its $a is not blank), else None."""
    return first_author(rec, UNIMARC) if (rec.subfield(tag, "a") or "").strip() else None


def _first_of(ix: BlockIndex, among: np.ndarray, tags: tuple[str, ...], decide) -> Column:
    """Per record the first answer of ``decide(fields, tag)`` that is not None on its fields
    of each of ``tags`` in turn (a column of texts; -1: none gave one)."""
    codes = np.full(ix.nrec, -1, dtype=np.int64)
    values: list[str] = []
    left = among.copy()
    for tag in tags:
        if not left.any():
            break
        col = field_column(ix, left, tag, lambda rec, tag=tag: (decide(rec, tag),))
        table = np.array([-1 if v[0] is None else len(values) + k
                          for k, v in enumerate(col.values)] + [-1], dtype=np.int64)
        values.extend(v[0] for v in col.values)
        got = table[col.codes]
        found = left & (got >= 0)
        codes[found] = got[found]
        left &= ~found
    return Column(codes, values)


def _table(flags: list[bool]) -> np.ndarray:
    """Per value code a flag, and False for -1 (the last element)."""
    return np.array([*flags, False], dtype=bool)


def quiet_records(ix: BlockIndex, task, ctx) -> tuple[Quiet, np.ndarray]:
    """The block's quiet records, and the clean records (0-based indices, ascending) to be
    decoded whole."""
    opts, period = ctx.options, ctx.period
    lead = ix.lead
    clean = ix.clean
    bib = clean & ~np.isin(lead[:, 6], _NOT_BIB)
    lv = levels(ix, task.rules, bib, task.db_level)
    quiet = Quiet(lv)
    cand = bib & (lead[:, 5] != ord("d")) & ((ix.combo & 1) == 1) & ~may_be_damaged(ix)
    if task.flavour not in (None, UNIMARC) or not cand.any():
        return quiet, np.flatnonzero(clean)
    dates = dates_entered(ix, cand)
    cand &= dates.settled()
    langs = languages(ix, cand)
    cand &= langs.settled()
    c101 = field_column(ix, cand, "101", lambda rec: (not invalid_codes(rec, UNIMARC),))
    cand &= ix.count_of("200") == 1  # (the facts' title is the first $a of any 200)
    c010 = isbn_column(ix, cand)
    # the first author and the publication year, each from the first field that gives one
    # (700, else 710; 210, else 214, else 100): each field's column only where the ones
    # before gave none
    author = _first_of(ix, cand, ("700", "710"), _author)
    year = _first_of(ix, cand, ("210", "214", "100"),
                     lambda rec, tag: publication_year(rec, UNIMARC) or None)
    ab = cand & np.isin(lead[:, 7], np.frombuffer(b"ab", np.uint8))
    c463 = field_texts_column(ix, ab, "463", _host)
    e001 = first_index(ix.rec_of_entry, ix.codes == tag_code("001"), ix.nrec)
    e005 = first_index(ix.rec_of_entry, ix.codes == tag_code("005"), ix.nrec)
    e200 = first_index(ix.rec_of_entry, ix.codes == tag_code("200"), ix.nrec)

    today, oldest = opts.today, opts.oldest
    # what the columns settle for every record at once: a date neither in the future nor
    # too old, languages coded, valid codes
    cand &= _table([v[0] <= today and not v[0] < oldest for v in dates.values])[dates.codes]
    cand &= _table([coded for _, coded in langs.values])[langs.codes]
    cand &= _table([v[0] for v in c101.values])[c101.codes]
    cand &= (c010.codes >= 0) & (lv.codes >= 0)
    date_in = [period.contains(v[0]) for v in dates.values]
    outcomes: dict[int, tuple] = {}
    mismatch: dict[tuple[int, int], tuple] = {}
    starts = ix.starts
    recs = np.flatnonzero(cand)
    cols = [c.codes[recs].tolist() for c in (dates, langs, c010, author, year, c463, lv)]
    display = task.display
    buf = ix.buf

    def where(e: np.ndarray) -> tuple[list, list]:  # each entry's data: start, end
        s_abs = np.where(e >= 0, ix.s_abs[e], -1)
        return s_abs.tolist(), (s_abs + np.where(e >= 0, ix.flen[e] - 1, 0)).tolist()

    at001, to001 = where(e001[recs])
    at005, to005 = where(e005[recs])
    at200, to200 = where(e200[recs])
    combos = ix.combo[recs].tolist()
    t6s, t7s = lead[recs, 6].tolist(), lead[recs, 7].tolist()
    offsets = (task.start + starts[recs]).tolist()
    group_keys: dict[tuple, tuple] = {}
    numbers, rows = quiet.numbers, quiet.rows
    changed = _changed_all(ix.arr, np.array(at005, dtype=np.int64),
                           np.array(to005, dtype=np.int64))
    t_titles, t_dets, t_keys = block_titles(ix, np.array(at200, dtype=np.int64),
                                            np.array(to200, dtype=np.int64))
    for k, (i, cd, cl, ci, ca, cy, ch, cv, a1, z1, a5, z5, a2, z2, c, b6, b7, offset,
            c005) in enumerate(zip(recs.tolist(), *cols, at001, to001, at005, to005, at200,
                                   to200, combos, t6s, t7s, offsets, changed)):
        d = dates.values[cd][0]
        languages_ = langs.values[cl][0]
        f005 = c005
        if f005 is None:
            f005 = _changed(buf[a5:z5] if a5 >= 0 else None)
        elif f005 is _NOT_QUIET:
            continue
        if f005 is None or (f005[1] is not None and (f005[1] > today or f005[1] < d)):
            continue
        lang = t_dets[k]
        if lang is None:
            (title, lang, title_key), _tkey = _title(buf[a2:z2])
        else:
            title, title_key = t_titles[k], t_keys[k]
        # (texts of equal scores share their Detection: one decision per languages and
        # Detection, the Detection held so that its id stays its own)
        lang_ok = mismatch.get((cl, id(lang)))
        if lang_ok is None:
            lang_ok = mismatch[(cl, id(lang))] = (
                lang, mismatch_confidence(languages_, lang, opts) is None)
        if not lang_ok[1] or a1 < 0:
            continue
        raw = buf[a1:z1]
        cn = raw.decode("utf-8").strip() if b"\x1f" not in raw else ""
        if not cn:
            continue
        level = lv.values[cv][0]
        # the summary's group of the record (``FastKey``: encoding, reason, leader/06-07,
        # language, level)
        group = group_keys.get((c, b6, b7, cl, cv))
        if group is None:
            enc_reason = outcomes.get(c)
            if enc_reason is None:
                enc_reason = outcomes[c] = combo_outcome(c, task.encoding)  # type: ignore[assignment]
            group = group_keys[(c, b6, b7, cl, cv)] = (enc_reason[0], enc_reason[1], chr(b6),
                                                       chr(b7), languages_[0], level)
        numbers.append(i + 1)
        rows.append(((display, i + 1, offset, cn, title, level,
                      c463.values[ch][0] if ch >= 0 else "", None, title_key, languages_,
                      UNIMARC, c010.values[ci][0], author.values[ca] if ca >= 0 else "",
                      year.values[cy] if cy >= 0 else "", False),
                     d, date_in[cd], lang, group))
    keep = clean.copy()  # the clean records that are not quiet: decoded whole
    if quiet.numbers:
        keep[np.array(quiet.numbers, dtype=np.int64) - 1] = False
    return quiet, np.flatnonzero(keep)


__all__ = ["Quiet", "may_be_damaged", "quiet_records"]
