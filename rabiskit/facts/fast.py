"""The block path of counting: a block's records grouped by the facts a count needs.

``analyse_block`` indexes a block of ISO 2709 bytes (``rabiskit.facts.blocks``), decides
the date entered, the languages and the level of its clean records with the careful
functions over the bytes they read (``rabiskit.facts.columns``, ``rabiskit.facts.levels``:
any plan's rules, at the same speed), and gives them as groups of equal facts (one
``int64`` key and a count per group).  Every record it does not settle (damaged, odd
encoding, undated, deleted, not bibliographic...) is read by the careful reader
(``Iso2709Reader.parse``) and given whole, with its problems; ``ChunkResult.settled`` says
how many the block path settled, so a path that quietly settles nothing shows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from rabiskit.facts.blocks import BlockIndex, combo_outcome, index_block, utf8_valid  # noqa: F401
from rabiskit.facts.columns import date_number, date_numbers, languages, operators_of
from rabiskit.facts.extract import ValuesExtract, extract_facts
from rabiskit.facts.levels import levels
from rabiskit.facts.model import AFTER_AS_OF_LISTED, RecordFacts
from rabiskit.records import Problem
from rabiskit.records.record import NOT_BIBLIOGRAPHIC_TYPES
from rabiskit.rules.engine import DEFAULT_RULES, FALLBACK_LEVEL, Rule, classify
from rabiskit.sources.iso2709 import Iso2709Reader

_NOT_BIB_TYPES = np.frombuffer(NOT_BIBLIOGRAPHIC_TYPES.encode("ascii"), np.uint8)
#: per byte: whether leader/06 of that byte says the record is not bibliographic
_NOT_BIB = np.zeros(256, dtype=bool)
_NOT_BIB[_NOT_BIB_TYPES] = True
_NO_KEYS = np.zeros(0, dtype=np.int64)

# one group key per settled record: date entered (17 bits: years 1900-2155, month, day;
# other years go to the careful reader), encoding case (7), leader/06 and /07 (7 each:
# printable ASCII), first language (10: an index into the block's ``languages`` table),
# level (7: the rule's position in the rules, 0 for the --db level, 127 the fallback)
_K_DATE, _K_COMBO, _K_T6, _K_T7, _K_LANG = 45, 38, 31, 24, 7
_LANG_BITS, _LEVEL_BITS = 17, 7
MAX_RULES = (1 << _LEVEL_BITS) - 2
_FALLBACK = (1 << _LEVEL_BITS) - 1
_YEAR0 = 1900


@dataclass
class ChunkResult:
    """What one block of a file gave: grouped counts for the records settled here, and full
    facts (with their problems) for the records the careful reader had to take."""

    records: int = 0  # records in the block (numbered locally from 1)
    keys: np.ndarray = field(default_factory=lambda: _NO_KEYS)  # distinct group keys (see _group_keys)
    counts: np.ndarray = field(default_factory=lambda: _NO_KEYS)  # records of each key
    #: the first languages the keys' language bits index: (language, coded)
    languages: list[tuple[str, bool]] = field(default_factory=list)
    #: (local no, facts, encoding reason, problems, what ``extract`` took from the record)
    careful: list[tuple[int, RecordFacts, str, tuple, object]] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)  # problems outside records
    #: with ``operator``: the settled records' tally keys with the cataloguer's index (into
    #: ``operators``) in place of the encoding case and leader bits
    op_keys: np.ndarray = field(default_factory=lambda: _NO_KEYS)
    op_counts: np.ndarray = field(default_factory=lambda: _NO_KEYS)
    operators: list[str] = field(default_factory=list)
    newlines: int = 0  # MARCXML: the newlines of the block (the next one starts that many lines on)
    #: with ``linked_tags``: the settled records holding one of them, (local no, facts as
    #: a plain tuple (``facts_tuple``: far quicker through a pipe), what ``extract`` took),
    #: in order; they are in ``keys`` too
    linked: list[tuple[int, tuple, object]] = field(default_factory=list)

    @property
    def settled(self) -> int:
        """Records the block path settled (the others are in ``careful``)."""
        return int(self.counts.sum())


def analyse_block(buf: bytes, base_offset: int, *, display: str, db_level: str | None,
                  rules: Sequence[Rule] = DEFAULT_RULES, encoding: str | None,
                  flavour: str | None, careful_tags: frozenset[str] = frozenset(),
                  operator: tuple[str, str] | None = None,
                  extract: Callable | None = None,
                  careful_dated: tuple[dt.date, dt.date] | None = None,
                  linked_tags: frozenset[str] = frozenset()) -> ChunkResult:
    """Count the records of ``buf`` (a block of a file starting at ``base_offset`` on a
    record boundary), their levels by ``rules`` (the plan's rules in force).

    What the command reading the block needs besides: ``careful_tags``, fields whose
    records the careful reader must read; ``linked_tags``, fields whose records are settled
    here as the others but also given with their facts (``ChunkResult.linked``: e.g.
    digitisation's links); ``operator`` (tag, code),
    the field naming the cataloguer, grouped too; ``extract(src, facts)``, called on every
    record the careful reader reads, its answer kept beside the facts; ``careful_dated``:
    (after, until), the first ``AFTER_AS_OF_LISTED`` records of the block entered after the
    first day and no later than the second are read by the careful reader (a report lists
    that many of the records dated after its as-of date in its year)."""
    rules = tuple(rules)
    ix = index_block(buf, encoding=encoding, flavour=flavour) if len(rules) <= MAX_RULES else None
    if ix is None:
        return _careful_block(buf, base_offset, display, db_level, rules, encoding, flavour, extract)
    res = ChunkResult(records=ix.nrec)
    lead = ix.lead
    good = ix.clean.copy()
    for tag in careful_tags:
        good &= ix.count_of(tag) == 0
    # deleted records and those that are not bibliographic are listed or counted apart with
    # their facts: the careful reader's
    good &= lead[:, 5] != ord("d")
    good &= ~_NOT_BIB[lead[:, 6]]
    date_int = date_numbers(ix, good)
    good &= date_int >= 0
    langs = languages(ix, good)
    good &= langs.settled()
    if good.any():
        if careful_dated is not None:
            # the first of them only: a report lists no more than AFTER_AS_OF_LISTED (the
            # others are counted in the groups, as after the as-of date, by their dates)
            after, until = (_date_bound(d) for d in careful_dated)
            late = np.flatnonzero(good & (date_int > after) & (date_int <= until))
            good[late[:AFTER_AS_OF_LISTED]] = False
    if good.any():
        lv = levels(ix, rules, good, db_level)
        level_code = np.full(ix.nrec, -1, dtype=np.int64)
        if db_level is not None:
            level_code[good] = 0
        else:
            codes_of = np.array([_FALLBACK if pos < 0 else pos + 1 for _, _, pos in lv.values],
                                dtype=np.int64)
            level_code[good] = codes_of[lv.codes[good]]
        # the languages table of this block: first language and whether any was coded
        lang_table: dict[tuple[str, bool], int] = {}
        lang_of_value = np.array([lang_table.setdefault((v[0][0], v[1]), len(lang_table))
                                  for v in langs.values], dtype=np.int64)
        if len(lang_table) >= 1 << _LANG_BITS:
            raise ValueError("too many languages in one block")
        res.languages = list(lang_table)
        ops = None
        if operator is not None:
            ops = operators_of(ix, good, *operator)
            good &= ops.settled()
            res.operators = ops.values
        settled = np.flatnonzero(good)
        # (every record: no copies of the columns)
        gi: np.ndarray | slice = slice(None) if settled.size == ix.nrec else settled
        keys = ((date_int[gi] << _K_DATE) | (ix.combo[gi] << _K_COMBO)
                | (lead[gi, 6].astype(np.int64) << _K_T6) | (lead[gi, 7].astype(np.int64) << _K_T7)
                | (lang_of_value[langs.codes[gi]] << _K_LANG) | level_code[gi])
        res.keys, res.counts = np.unique(keys, return_counts=True)
        if ops is not None:
            op = (keys & _K_TALLY) | (ops.codes[gi] << _K_T7)
            res.op_keys, res.op_counts = np.unique(op, return_counts=True)
        if linked_tags:
            has = np.zeros(ix.nrec, dtype=bool)
            for tag in linked_tags:
                has |= ix.count_of(tag) > 0
            tags = (FACT_TAGS | linked_tags | frozenset(t for r in rules for t in r.tags_read())
                    | (frozenset((operator[0],)) if operator is not None else frozenset()))
            res.linked = linked_entries(buf, base_offset, ix, good & has, lv, langs,
                                        display=display, encoding=encoding, tags=tags,
                                        extract=extract)
    if not good.all():
        _careful_records(res, buf, base_offset, ix, np.flatnonzero(~good).tolist(),
                         display, db_level, rules, encoding, flavour, extract)
    return res


def linked_entries(buf: bytes, base_offset: int, ix: BlockIndex, sel: np.ndarray, lv, langs, *,
                   display: str, encoding: str | None, tags: frozenset[str],
                   extract: Callable | None) -> list[tuple[int, tuple, object]]:
    """``ChunkResult.linked`` of the settled records ``sel`` (a mask over the block):
    (local no, ``facts_tuple`` of their facts, what ``extract`` takes), in order.  With a
    ``ValuesExtract`` their facts come from the block index's columns
    (``batches.settled_facts``: no record is decoded whole) and ``extract.of_values``
    takes its part (``extract.of_linked(facts_tuples, values)``, the list of its answers
    for all of them, where it has one, for what depends on the facts too: a report's
    digitised documents, written here, in the process reading the block, rather than
    where the blocks are merged); else (or for a record whose date entered the columns
    leave open) they are decoded with the fields ``tags`` and given to ``extract_facts``
    and ``extract``."""
    from rabiskit.facts.batches import settled_facts
    from rabiskit.facts.columns import dates_entered

    out: list[tuple[int, tuple, object]] = []
    rest = sel
    if isinstance(extract, ValuesExtract) and sel.any():
        dates = dates_entered(ix, sel)
        ok = sel & dates.settled()
        rest = sel & ~ok
        which = np.flatnonzero(ok)
        level_of = [lv.values[c][0] if c >= 0 else None for c in lv.codes[which].tolist()]
        facts, values = settled_facts(ix, which, dates=dates, langs=langs, level_of=level_of,
                                      display=display, base_offset=base_offset,
                                      encoding=encoding, values=extract.subfield)
        # as facts_tuple: far quicker through a pipe than RecordFacts objects
        of_linked = getattr(extract, "of_linked", None)
        if of_linked is not None:
            out = [(t[_RECORD_AT], t, x) for t, x in zip(facts, of_linked(facts, values))]
        else:
            of_values = extract.of_values
            out = [(t[_RECORD_AT], t, of_values(v)) for t, v in zip(facts, values)]
    if rest.any():
        out += [(n, facts_tuple(facts), extra) for n, facts, _reason, extra in
                decoded_records(buf, base_offset, ix, np.flatnonzero(rest), lv, display=display,
                                encoding=encoding, tags=tags, extract=extract)]
        out.sort(key=lambda t: t[0])
    return out


_date_code = date_number  # (year - 1900, month, day) in 17 bits; -1 outside 1900-2155


def _date_bound(d: dt.date) -> int:
    """``d``'s date code, to compare date codes with: before every code for a day before
    1900, after every code for a day after 2155."""
    code = _date_code(d)
    if code < 0:
        return -1 if d.year < _YEAR0 else 1 << 17
    return code


#: the fields ``extract_facts`` reads of a UNIMARC or MARC 21 record
FACT_TAGS = frozenset(("001", "005", "008", "010", "020", "041", "100", "101", "200", "215",
                       "245", "300", "461", "463", "773", "801", "856"))


@dataclass
class RecordsResult:
    """Every record of a block with its facts, in order: (local no, facts, encoding reason,
    problems, what ``extract`` took), and the problems outside records."""

    records: list[tuple[int, RecordFacts, str, tuple, object]] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    settled: int = 0  # records decoded from the block index (not by the careful reader)


def block_records(buf: bytes, base_offset: int, *, display: str, db_level: str | None,
                  rules: Sequence[Rule] = DEFAULT_RULES, encoding: str | None,
                  flavour: str | None, tags: frozenset[str] | None = FACT_TAGS,
                  extract: Callable | None = None) -> RecordsResult:
    """The facts of every record of ``buf``.  The clean records are decoded from the block
    index with only the fields ``tags`` (None: all; the facts', the rules' and what
    ``extract`` reads), their levels decided for the whole block (``levels``), their facts by
    ``extract_facts``; the others by the careful reader.  ``extract(src, facts)`` gets a
    SourceRecord holding those fields."""

    rules = tuple(rules)
    ix = index_block(buf, encoding=encoding, flavour=flavour)
    if ix is None:
        chunk = _careful_block(buf, base_offset, display, db_level, rules, encoding, flavour, extract)
        return RecordsResult(chunk.careful, chunk.file_problems, 0)
    if tags is not None:
        tags = frozenset(tags) | FACT_TAGS | frozenset(t for r in rules for t in r.tags_read())
    good = ix.clean.copy()
    bib = good & ~_NOT_BIB[ix.lead[:, 6]]
    lv = levels(ix, rules, bib, db_level)
    careful = ChunkResult()
    _careful_records(careful, buf, base_offset, ix, np.flatnonzero(~good).tolist(), display,
                     db_level, rules, encoding, flavour, extract)
    out = RecordsResult(settled=int(good.sum()), file_problems=careful.file_problems)
    settled = [(n, facts, reason, (), extra) for n, facts, reason, extra in
               decoded_records(buf, base_offset, ix, np.flatnonzero(good), lv, display=display,
                               encoding=encoding, tags=tags, extract=extract)]
    out.records = sorted(careful.careful + settled, key=lambda t: t[0])
    return out


def careful_entry(src, rules, db_level: str | None, extract: Callable | None = None) -> tuple:
    """A record the careful reader read, as a block gives it: (number, facts, encoding
    reason, problems, what ``extract`` took)."""
    facts = extract_facts(src, classify(src, rules, db_level)[0])
    return (src.number, facts, src.encoding_reason, src.problems,
            extract(src, facts) if extract is not None else None)


def _careful_records(res: ChunkResult, buf: bytes, base_offset: int, ix: BlockIndex, which,
                     display, db_level, rules, encoding, flavour, extract=None) -> None:
    """Parse the records numbered ``which`` (0-based in the block) with the careful parser."""
    reader = Iso2709Reader(display, encoding=encoding, flavour=flavour, display=display,
                           fileobj=io.BytesIO(b""))
    starts, ends = ix.starts, ix.ends
    for i in which:
        a, b = int(starts[i]), int(ends[i]) + 1
        res.careful.append(careful_entry(reader.parse(buf[a:b], base_offset + a, i + 1), rules,
                                         db_level, extract))


def _careful_block(buf: bytes, base_offset: int, display: str, db_level, rules, encoding,
                   flavour, extract=None) -> ChunkResult:
    """Read a block with the careful reader (used when its structure is not clean)."""
    res = ChunkResult()
    reader = Iso2709Reader(display, encoding=encoding, flavour=flavour, display=display,
                           fileobj=io.BytesIO(buf), base_offset=base_offset)
    for src in reader:
        res.careful.append(careful_entry(src, rules, db_level, extract))
    res.records = reader.records_read
    res.file_problems = [p for p in reader.problems if p.record is None]
    return res


# -- reading the keys back ------------------------------------------------------------------
_MASK7 = 127
_K_ALL_BUT_DATE = (1 << _K_DATE) - 1
# what the tally reads: the date, the first language and the level
_K_TALLY = ~((_MASK7 << _K_COMBO) | (_MASK7 << _K_T6) | (_MASK7 << _K_T7))
_LANG_MASK = ((1 << _LANG_BITS) - 1) << _K_LANG


_OP_SHIFT = _K_T7
_OP_MASK = ((1 << (_K_DATE - _K_T7)) - 1) << _K_T7


def relabel_operators(keys: np.ndarray, local: list, table: dict) -> np.ndarray:
    """Operator keys of one block with its cataloguer indices turned into ``table``'s."""
    if not keys.size:
        return keys
    remap = np.array([table.setdefault(name, len(table)) for name in local] or [0], dtype=np.int64)
    oi = (keys & _OP_MASK) >> _OP_SHIFT
    return (keys & ~_OP_MASK) | (remap[oi] << _OP_SHIFT)


def relabel_languages(keys: np.ndarray, local: list, table: dict) -> np.ndarray:
    """The keys of one block with its language indices (into ``local``) turned into indices
    into ``table`` (language -> index, shared by every block of a run; grows)."""
    if not keys.size:
        return keys
    remap = np.array([table.setdefault(lang, len(table)) for lang in local] or [0], dtype=np.int64)
    if len(table) >= 1 << _LANG_BITS:
        raise ValueError("too many distinct languages")
    li = (keys & _LANG_MASK) >> _K_LANG
    return (keys & ~_LANG_MASK) | (remap[li] << _K_LANG)


class KeyReader:
    """Reads the facts back out of keys: the rules the level bits index, the languages
    table the language bits index (``relabel_languages``), the --db level."""

    def __init__(self, rules: Sequence[Rule], languages: list[tuple[str, bool]],
                 db_level: str | None) -> None:
        self.rules = tuple(rules)
        self.languages = languages
        self.db_level = db_level

    def date(self, key: int) -> dt.date:
        c = key >> _K_DATE
        return dt.date(_YEAR0 + (c >> 9), (c >> 5) & 15, c & 31)

    def language(self, key: int) -> tuple[str, bool]:
        return self.languages[(key & _LANG_MASK) >> _K_LANG]

    def level(self, key: int) -> str | None:
        code = key & _MASK7
        if code == 0:
            return self.db_level
        if code == _FALLBACK:
            return FALLBACK_LEVEL
        return self.rules[code - 1].level

    def summary_groups(self, keys: np.ndarray, counts: np.ndarray, *, encoding: str | None
                       ) -> tuple[list[tuple["FastKey", int]], dt.date, dt.date]:
        """A file's groups for its summary, which does not need the day of each: the groups
        less their dates (each dated on the first day), and the first and last day."""
        first, last = self.date(int(keys.min())), self.date(int(keys.max()))  # the date is on top
        uk, sums = _sum_by(keys & _K_ALL_BUT_DATE, counts)
        groups = []
        for k, n in zip(uk.tolist(), sums.tolist()):
            c = (k >> _K_COMBO) & _MASK7
            outcome = combo_outcome(c, encoding)
            assert outcome is not None
            lang, coded = self.language(k)
            groups.append((FastKey(first, "unimarc" if c & 1 else "marc21", outcome[0], outcome[1],
                                   chr((k >> _K_T6) & _MASK7), chr((k >> _K_T7) & _MASK7), lang,
                                   coded, self.level(k)), n))
        return groups, first, last

    def operator_counts(self, keys: np.ndarray, counts: np.ndarray, operators: list):
        """(operator, date, level, language, number) per operator key (``relabel_operators``
        indices into ``operators``)."""
        for k, n in zip(keys.tolist(), counts.tolist()):
            yield (operators[(k & _OP_MASK) >> _OP_SHIFT], self.date(k), self.level(k),
                   self.language(k)[0], n)

    def tally_counts(self, keys: np.ndarray, counts: np.ndarray):
        """(date, level, language, number) per group as the tally counts them (each distinct
        date, level and language read once: thousands of groups, a few hundred days)."""
        uk, sums = _sum_by(keys & _K_TALLY, counts)
        dates, levels, langs = (uk >> _K_DATE).tolist(), (uk & _MASK7).tolist(), \
            ((uk & _LANG_MASK) >> _K_LANG).tolist()
        date_of = {c: self.date(c << _K_DATE) for c in set(dates)}
        level_of = {c: self.level(c) for c in set(levels)}
        lang_of = {c: self.languages[c][0] for c in set(langs)}
        for d, lv, lang, n in zip(dates, levels, langs, sums.tolist()):
            yield date_of[d], level_of[lv], lang_of[lang], n


def _sum_by(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uk, inv = np.unique(keys, return_inverse=True)
    return uk, np.bincount(inv.reshape(-1), weights=counts, minlength=uk.size).astype(np.int64)


@dataclass(frozen=True)
class FastKey:
    """The facts of a group of records settled by the block path (all equal within it)."""

    date_entered: dt.date
    flavour: str
    encoding: str
    encoding_reason: str
    record_type: str
    bibliographic_level: str
    language: str
    languages_coded: bool
    level: str | None


def decoded_records(buf: bytes, base_offset: int, ix: BlockIndex, which: np.ndarray, lv, *,
                    display: str, encoding: str | None, tags: frozenset[str] | None,
                    extract: Callable | None) -> list[tuple[int, RecordFacts, str, object]]:
    """The facts of the clean records ``which`` (0-based in the block, increasing, their
    levels in ``lv``) decoded from the block index with only the fields ``tags`` (None:
    all), and what ``extract`` takes from each: (local no, facts, encoding reason,
    extract's answer)."""
    from rabiskit.facts.blocks import records_of
    from rabiskit.records import SourceRecord

    if not which.size:
        return []
    recs = records_of(ix, which, tags)
    combos = ix.combo[which].tolist()
    outcomes = {c: combo_outcome(c, encoding) for c in set(combos)}
    out = []
    for i, rec, c, code in zip(which.tolist(), recs, combos, lv.codes[which].tolist()):
        enc, reason = outcomes[c]  # type: ignore[misc]
        a = int(ix.starts[i])
        end = int(ix.ends[i]) + 1
        src = SourceRecord(display, i + 1, base_offset + a, end - a, rec,
                           "unimarc" if c & 1 else "marc21", enc, reason, raw=buf[a:end])
        facts = extract_facts(src, lv.values[code][0] if code >= 0 else None)
        out.append((i + 1, facts, reason, extract(src, facts) if extract is not None else None))
    return out


_FACT_FIELDS = tuple(f.name for f in dataclasses.fields(RecordFacts))
_RECORD_AT = _FACT_FIELDS.index("record")


def facts_tuple(facts: RecordFacts) -> tuple:
    """A RecordFacts as the tuple of its fields (``facts_from_tuple`` makes it again)."""
    return tuple([getattr(facts, name) for name in _FACT_FIELDS])


#: each field's slot, set in a RecordFacts without its __init__ (``facts_from_tuple``)
_SLOT_SETTERS = tuple(getattr(RecordFacts, name).__set__ for name in _FACT_FIELDS)
_SET_RECORD = _SLOT_SETTERS[_RECORD_AT]
_new_facts = object.__new__
assert not hasattr(RecordFacts, "__post_init__")  # (facts_from_tuple would skip it)


def facts_from_tuple(values: tuple, shift: int = 0) -> RecordFacts:
    """The RecordFacts of ``facts_tuple``, its record number moved on by ``shift``.

    Its fields' slots are set one by one, as the frozen dataclass's __init__ sets them,
    without the ``object.__setattr__`` that looks each one up (the run's own process makes
    one for every linked record a block settles: measured, 1.4 microseconds a record
    against 2.3)."""
    if len(values) != len(_SLOT_SETTERS):
        raise TypeError(f"facts_from_tuple: {len(values)} values for {len(_SLOT_SETTERS)} fields")
    facts = _new_facts(RecordFacts)
    for set_slot, value in zip(_SLOT_SETTERS, values):
        set_slot(facts, value)
    if shift:
        _SET_RECORD(facts, values[_RECORD_AT] + shift)
    return facts
