"""The facts table of a block as one Arrow batch, built in the worker from the block index.

``rabiskit facts`` writes one row per record (the columns of :data:`COLUMNS`).  For a
block of ISO 2709 bytes, ``facts_batch`` builds its rows as columns: the block reader
(``rabiskit.facts.blocks.index_block``) says where every field is, numpy finds the
subfields every column reads (200$a, 010$a, 215$a...) in all clean records at once, and
the careful functions decide what needs deciding, once per distinct value (the date
entered and the languages: ``rabiskit.facts.columns``; the level: ``rabiskit.facts.levels``;
pages and article pages: ``pages_from_extent``, ``article_pages`` per distinct text).
Text is cut as ``extract_facts`` cuts it (``clean_title``, ``str.strip``): numpy sees
where nothing is to be cut (a value whose first and last characters are neither blank
nor punctuation), Python's own functions cut the others.  Every record the block reader
does not settle (not clean, undated, languages not settled) is read as today - the
careful reader for records that are not clean, ``extract_facts`` for the others - and
given as rows of the same batch.  ``tests/test_fact_batches.py`` checks the batches
against the careful reader's rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from rabiskit.facts.blocks import (SD, BlockIndex, combo_outcome, index_block, records_of,
                                   sorted_distinct, tag_code)
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.parse import article_pages, clean_title, pages_from_extent, parse_005
from rabiskit.facts.scan import FileSummary
from rabiskit.records import Problem
from rabiskit.records.record import NOT_BIBLIOGRAPHIC_TYPES, not_bibliographic
from rabiskit.rules.engine import Rule

COLUMNS = ("file", "record", "offset", "control_number", "flavour", "encoding", "record_status",
           "record_type", "bibliographic_level", "language", "languages", "languages_coded",
           "date_entered", "date_entered_problem", "date_changed", "title", "isbn", "links",
           "extent", "pages", "article_pages", "host_title", "damaged", "level",
           "not_bibliographic")

_NOT_BIB_TYPES = np.frombuffer(NOT_BIBLIOGRAPHIC_TYPES.encode("ascii"), np.uint8)


def facts_values(f: RecordFacts) -> dict[str, Any]:
    """One row: Python values (dates as date/datetime, lists as lists)."""
    return {
        "file": f.file, "record": f.record, "offset": f.offset,
        "control_number": f.control_number, "flavour": f.flavour, "encoding": f.encoding,
        "record_status": f.record_status, "record_type": f.record_type,
        "bibliographic_level": f.bibliographic_level, "language": f.language,
        "languages": ";".join(f.languages), "languages_coded": f.languages_coded,
        "date_entered": f.date_entered, "date_entered_problem": f.date_entered_problem,
        "date_changed": f.date_changed, "title": f.title, "isbn": list(f.isbn),
        "links": list(f.links), "extent": f.extent, "pages": f.pages,
        "article_pages": f.article_pages, "host_title": f.host_title, "damaged": f.damaged,
        "level": None if f.not_bibliographic else f.level or "book",
        "not_bibliographic": f.not_bibliographic,
    }


def arrow_on_the_heap():
    """pyarrow, its buffers allocated from the C library's heap (Arrow's ``system`` pool)
    unless ``ARROW_DEFAULT_MEMORY_POOL`` names another: a facts table's buffers are a
    block's worth at a time, freed and allocated again block after block, and Arrow's
    own allocator (mimalloc) gave them back to the system and faulted them in again each
    time.  Measured on 200,000 records: the parent's system time 0.26-0.42 s against
    0.13, its peak 158 against 130 MB, the workers' 99 against 88 MB.  Arrow reads the
    variable when pyarrow is first imported: this is where the facts command imports it
    (the worker processes inherit it, forked or started afresh); a pyarrow imported
    before keeps its pool for what Arrow allocates inside and takes the heap's for what
    is made from Python."""
    import os
    import sys

    if "pyarrow" not in sys.modules:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    import pyarrow as pa

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL", "system") == "system":
        pa.set_memory_pool(pa.system_memory_pool())
    return pa


def facts_schema():
    """The table's Arrow schema (pyarrow)."""
    import pyarrow as pa

    types = {
        "record": pa.int64(), "offset": pa.int64(), "pages": pa.int64(),
        "article_pages": pa.int64(), "languages_coded": pa.bool_(), "damaged": pa.bool_(),
        "date_entered": pa.date32(), "date_changed": pa.timestamp("us"),
        "isbn": pa.list_(pa.string()), "links": pa.list_(pa.string()),
    }
    return pa.schema([pa.field(c, types.get(c, pa.string())) for c in COLUMNS])


def facts_table(facts: Iterable[RecordFacts]):
    """The rows of ``facts`` as one Arrow table of :func:`facts_schema`."""
    import pyarrow as pa

    cols: dict[str, list] = {c: [] for c in COLUMNS}
    for f in facts:
        for c, v in facts_values(f).items():
            cols[c].append(v)
    return pa.Table.from_pydict(cols, schema=facts_schema())


def facts_tables(facts: Iterable[RecordFacts], size: int = 5000) -> Iterator[Any]:
    """``facts`` as Arrow tables of up to ``size`` rows."""
    chunk: list[RecordFacts] = []
    for f in facts:
        chunk.append(f)
        if len(chunk) >= size:
            yield facts_table(chunk)
            chunk = []
    if chunk:
        yield facts_table(chunk)


@dataclass
class FactsBatch:
    """What one block gave: its rows (an Arrow table, records numbered from 1 in the
    block), its part of the file's summary (problems numbered in the block too), the
    problems outside records, the number of its last record and how many records the block
    path settled."""

    table: Any
    summary: FileSummary
    file_problems: list[Problem] = field(default_factory=list)
    records: int = 0
    settled: int = 0

    def items(self, shift: int) -> list:
        """The table, its records renumbered in the file (``shift`` records before it)."""
        import pyarrow as pa

        table = self.table
        if isinstance(table, SpilledTable):
            table = read_spilled(table)
        if shift and table.num_rows:
            records = table.column("record").to_numpy() + shift
            table = table.set_column(COLUMNS.index("record"), "record",
                                     numpy_array(records, pa.int64()))
        return [table]


@dataclass(frozen=True)
class SpilledTable:
    """A block's facts table a worker wrote to ``path`` (an Arrow IPC file: ``rabiskit.spill``)."""

    path: str


def spill_table(table, to) -> SpilledTable:
    """Write ``table`` to a new file of the folder ``to`` (``rabiskit.spill.SpillTo``)."""
    import pyarrow as pa

    from rabiskit.spill import new_file

    fd, path = new_file(to)
    with open(fd, "wb") as fh:
        with pa.ipc.new_file(fh, table.schema) as writer:
            writer.write_table(table)
    return SpilledTable(path)


def read_spilled(part: SpilledTable):
    """The table of ``part``, mapped into memory (not copied), its file removed (the mapping
    keeps what it holds)."""
    import os

    pa = arrow_on_the_heap()
    table = pa.ipc.open_file(pa.memory_map(part.path, "r")).read_all()
    try:
        os.unlink(part.path)
    except OSError:
        pass
    return table


# -- where the subfields are -------------------------------------------------------------

def _any_of(values: np.ndarray, few: list[int]) -> np.ndarray:
    """Whether each of ``values`` is one of ``few`` (``np.isin`` sorts; a few comparisons
    are quicker)."""
    out = np.zeros(values.size, dtype=bool)
    for v in set(few):
        out |= values == v
    return out


class _Fields:
    """Every subfield delimiter inside the fields of a block's clean records ``which``:
    the field it is in, its code and where its value ends, found once for the block."""

    def __init__(self, ix: BlockIndex, which: np.ndarray, tags: Sequence[str] | None = None,
                 delimiters: np.ndarray | None = None) -> None:
        """``delimiters``: where the subfield delimiters of the records ``which`` are
        (increasing; e.g. found by the caller in their bytes), when known."""
        self.ix = ix
        self.which = which  # the records read here (clean), increasing
        member = np.zeros(ix.nrec, dtype=bool)
        member[which] = True
        self.slot = np.full(ix.nrec, -1, dtype=np.int64)  # record -> its row among ``which``
        self.slot[which] = np.arange(which.size)
        wanted = member[ix.rec_of_entry]  # ``tags``: only the fields asked about
        if tags is not None:
            wanted &= _any_of(ix.codes, [tag_code(t) for t in tags])
        ent = np.flatnonzero(wanted)  # in the order of the bytes
        self.ent = ent
        fs = ix.s_abs[ent]
        fe = fs + ix.flen[ent] - 1  # the field terminator
        arr = ix.arr
        if not ent.size:
            sd = np.zeros(0, dtype=np.int64)
        elif delimiters is not None:
            sd = delimiters
        elif int((fe - fs).sum()) * 4 < arr.size:
            # a few of the block's fields: look for delimiters in their bytes alone (the
            # next delimiter after one is then either in its field or past the field's
            # end, which cuts the value as the block's next delimiter does)
            sd = _positions_in(arr, fs, fe, SD)
        else:
            sd = np.flatnonzero(arr == SD)
        j = np.searchsorted(fs, sd, side="right") - 1
        inside = (j >= 0) & (sd < fe[np.maximum(j, 0)])
        k = np.flatnonzero(inside)
        j = j[k]
        pos = sd[k]
        nxt = np.where(k + 1 < sd.size, sd[np.minimum(k + 1, max(sd.size - 1, 0))], arr.size)
        end = np.minimum(nxt, fe[j])
        self.delims = np.bincount(j, minlength=ent.size)  # per field: its delimiters
        has_code = pos + 1 < fe[j]
        self.sd_entry = ent[j[has_code]]
        # the field's tag and the subfield's code in one number
        self.sd_key = (ix.codes[self.sd_entry] << 8) | arr[pos[has_code] + 1]
        self.sd_start = pos[has_code] + 2
        self.sd_end = end[has_code]

    def subfield_values(self, tag: str, code: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every ``tag``$``code`` of the records: (row, start, end) in record, field and
        subfield order (a subfield is a delimiter and a code; its value runs to the next
        delimiter or the field's end, and may be empty)."""
        ix = self.ix
        hit = self.sd_key == (tag_code(tag) << 8) | ord(code)
        return (self.slot[ix.rec_of_entry[self.sd_entry[hit]]], self.sd_start[hit],
                self.sd_end[hit])

    def first_subfield(self, tag: str, code: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: (present, start, end) of the first ``tag``$``code`` over its fields."""
        rows, s, e = self.subfield_values(tag, code)
        return _first_per_row(self.which.size, rows, s, e)

    def control(self, tag: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: (present, start, end) of the first control field ``tag`` (a field with
        no subfield delimiter)."""
        ix = self.ix
        keep = (ix.codes[self.ent] == tag_code(tag)) & (self.delims == 0)
        e = self.ent[keep]
        fs = ix.s_abs[e]
        return _first_per_row(self.which.size, self.slot[ix.rec_of_entry[e]], fs,
                              fs + ix.flen[e] - 1)


def span_positions(starts: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Every position of the spans ``starts[i]`` .. ``starts[i] + length[i]``, one span
    after the other (int64: numpy indexes with it as it is)."""
    offsets = np.zeros(length.size, dtype=np.int64)
    if length.size:
        np.cumsum(length[:-1], out=offsets[1:])
    total = int(length.sum()) if length.size else 0
    return np.repeat(starts - offsets, length) + np.arange(total)


def _positions_in(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` is in ``arr`` within the ranges ``starts``..``ends`` (increasing, not
    overlapping), in order."""
    pos = span_positions(starts, ends - starts)
    return pos[arr[pos] == byte]


def _first_per_row(m: int, rows: np.ndarray, s: np.ndarray, e: np.ndarray):
    present = np.zeros(m, dtype=bool)
    start = np.zeros(m, dtype=np.int64)
    end = np.zeros(m, dtype=np.int64)
    if rows.size:
        first = np.ones(rows.size, dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        r = rows[first]
        present[r] = True
        start[r] = s[first]
        end[r] = e[first]
    return present, start, end


# -- cutting text as extract_facts does ----------------------------------------------------

def _plain_first(arr: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Whether the character at ``s`` is neither blank nor special: printable ASCII other
    than space, or a two-byte UTF-8 character from U+00C0 (none of which is blank)."""
    b = arr[np.minimum(s, arr.size - 1)]
    return ((b > 0x20) & (b < 0x7F)) | ((b >= 0xC3) & (b <= 0xDF))


def _plain_last(arr: np.ndarray, e: np.ndarray, also: bytes = b"") -> np.ndarray:
    """Whether the character ending before ``e`` is neither blank nor one of ``also``."""
    n = arr.size
    b = arr[np.clip(e - 1, 0, n - 1)]
    b2 = arr[np.clip(e - 2, 0, n - 1)]
    ok = (b > 0x20) & (b < 0x7F)
    if also:
        ok &= ~np.isin(b, np.frombuffer(also, np.uint8))
    return ok | ((b >= 0x80) & (b <= 0xBF) & (b2 >= 0xC3) & (b2 <= 0xDF))


_TITLE_END = b"/:;=,."


def _cut(buf: bytes, s: int, e: int, how) -> tuple[int, int, bool]:
    """(start, end, present) of ``how(text)`` (a prefix-and-suffix cut of the text)."""
    text = buf[s:e].decode("utf-8")
    out = how(text)
    if out is None:
        return s, s, False
    k = len(text) - len(text.lstrip())
    assert text[k:k + len(out)] == out
    a = s + len(text[:k].encode("utf-8"))
    return a, a + len(out.encode("utf-8")), True


def _cut_all(buf: bytes, arr: np.ndarray, present: np.ndarray, s: np.ndarray, e: np.ndarray,
             how, end_chars: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values cut by ``how`` (``clean_title``, ``str.strip``): numpy keeps those with
    nothing to cut, Python cuts the others; empty results are absent where ``how`` says
    None."""
    nonempty = e > s
    plain = present & nonempty & _plain_first(arr, s) & _plain_last(arr, e, end_chars)
    s, e, present = s.copy(), e.copy(), present.copy()
    for i in np.flatnonzero(present & ~plain).tolist():
        s[i], e[i], present[i] = _cut(buf, int(s[i]), int(e[i]), how)
    return present, s, e


def _strip_or_empty(text: str) -> str:
    return text.strip()


# -- building Arrow arrays -----------------------------------------------------------------

def _string_array(arr: np.ndarray, present: np.ndarray, s: np.ndarray, e: np.ndarray):
    import pyarrow as pa

    m = present.size
    length = np.where(present, e - s, 0)
    offsets = np.zeros(m + 1, dtype=np.int32)
    np.cumsum(length, out=offsets[1:])
    total = int(offsets[-1])
    if total:
        data = arr[span_positions(s, length)]
    else:
        data = np.zeros(0, dtype=np.uint8)
    valid = None if present.all() else _bits(present)
    return pa.StringArray.from_buffers(m, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()),
                                       valid, -1 if valid is not None else 0)


def _chars_array(arr: np.ndarray, pos: np.ndarray):
    """One ASCII character per row (leader positions)."""
    import pyarrow as pa

    m = pos.size
    offsets = np.arange(m + 1, dtype=np.int32)
    return pa.StringArray.from_buffers(m, pa.py_buffer(offsets), pa.py_buffer(arr[pos].tobytes()))


def _list_array(arr: np.ndarray, m: int, rows: np.ndarray, s: np.ndarray, e: np.ndarray):
    import pyarrow as pa

    counts = np.bincount(rows, minlength=m) if rows.size else np.zeros(m, dtype=np.int64)
    offsets = np.zeros(m + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = _string_array(arr, np.ones(rows.size, dtype=bool), s, e)
    return pa.ListArray.from_arrays(numpy_array(offsets, pa.int32()), values)


def numpy_array(values: np.ndarray, typ, valid: np.ndarray | None = None):
    """``values`` (a numpy array of ``typ``'s width; booleans for ``pa.bool_()``) as an
    Arrow array, null where ``valid`` is False, built on their buffers: ``pa.array`` of a
    numpy array imports numpy.ma (about 9 ms, in each worker and in the parent)."""
    import pyarrow as pa

    n = values.size
    data = _bits(values) if values.dtype == np.bool_ else pa.py_buffer(np.ascontiguousarray(values))
    if valid is None or valid.all():
        return pa.Array.from_buffers(typ, n, [None, data], null_count=0)
    return pa.Array.from_buffers(typ, n, [_bits(valid), data],
                                 null_count=n - int(np.count_nonzero(valid)))


def _bits(flags: np.ndarray):
    """Booleans as an Arrow bitmap (a validity buffer, or a boolean array's values)."""
    import pyarrow as pa

    return pa.py_buffer(np.packbits(flags, bitorder="little"))


def _compute(name: str, *args):
    """Arrow's compute function ``name`` on ``args``, called through pyarrow's compiled
    module: ``pyarrow.compute`` (what ``Array.take`` and the like import) builds a Python
    wrapper for each of its hundreds of functions when first imported, about 21 ms in
    every worker process's first block against 6-9 ms for ``pyarrow._compute`` alone."""
    try:
        from pyarrow._compute import call_function
    except ImportError:  # (a pyarrow that moved it: the public name)
        from pyarrow.compute import call_function
    return call_function(name, list(args))


def _taken(values: list, codes: np.ndarray, typ):
    """``values[codes]`` as an Arrow array (codes -1: null)."""
    import pyarrow as pa

    table = pa.array(values, typ) if values else pa.array([None], typ)
    idx = numpy_array(codes.astype(np.int64, copy=False), pa.int64(), codes >= 0)
    return _compute("take", table, idx)


#: the answers of ``pages_from_extent`` and ``article_pages`` (each depends on the text
#: alone) for the texts already met in this process
_DECIDED: dict = {}
_CACHE_LIMIT = 100_000


def _per_distinct(strings, decide, typ):
    """``decide(text)`` of each value of an Arrow string array, once per distinct value."""
    import pyarrow as pa

    d = _compute("dictionary_encode", strings)
    known = _DECIDED.setdefault(decide, {})
    if len(known) > _CACHE_LIMIT:
        known.clear()
    out = []
    for v in d.dictionary.to_pylist():
        got = known.get(v, known)
        if got is known:
            got = known[v] = decide(v)
        out.append(got)
    return _compute("take", pa.array(out, typ), d.indices)


def digits_005(arr: np.ndarray, present: np.ndarray, s: np.ndarray, e: np.ndarray):
    """The 005 values (at ``s:e`` of ``arr``) numpy can read: 14 ASCII digits alone or
    before a '.'.  Returns (simple, ok, (year, month, day, hour, minute, second)): ``simple``
    the values of that shape, ``ok`` those of them that are a real date and time (the days
    of the month as datetime has them); the others are for ``parse_005``."""
    length = e - s
    n = arr.size
    digits = arr[np.clip(s[:, None] + np.arange(14)[None, :], 0, n - 1)].astype(np.int64) - 48
    all_digits = ((digits >= 0) & (digits <= 9)).all(1)
    after = arr[np.clip(s + 14, 0, n - 1)]
    simple = present & all_digits & ((length == 14) | ((length > 14) & (after == ord("."))))
    y = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    mo = digits[:, 4] * 10 + digits[:, 5]
    d = digits[:, 6] * 10 + digits[:, 7]
    hh = digits[:, 8] * 10 + digits[:, 9]
    mi = digits[:, 10] * 10 + digits[:, 11]
    ss = digits[:, 12] * 10 + digits[:, 13]
    ok = simple & (y >= 1) & (mo >= 1) & (mo <= 12) & (d >= 1) & (hh < 24) & (mi < 60) & (ss < 60)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    dim = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(mo - 1, 0, 11)]
    ok &= d <= dim + ((mo == 2) & leap)
    return simple, ok, (y, mo, d, hh, mi, ss)


def _timestamps(buf: bytes, arr: np.ndarray, present: np.ndarray, s: np.ndarray, e: np.ndarray):
    """005 as ``parse_005`` reads it, in microseconds (numpy for the 14 digits and a
    fraction or nothing after them, ``parse_005`` for anything else)."""
    import pyarrow as pa

    simple, ok, (y, mo, d, hh, mi, ss) = digits_005(arr, present, s, e)
    month = (np.where(ok, y, 1970) - 1970) * 12 + (np.where(ok, mo, 1) - 1)
    first = month.astype("datetime64[M]").astype("datetime64[D]")
    days = first.astype(np.int64) + np.where(ok, d, 1) - 1
    us = ((days * 86400 + hh * 3600 + mi * 60 + ss) * 1_000_000).astype(np.int64)
    valid = ok.copy()
    out = np.where(ok, us, 0)
    epoch = dt.datetime(1970, 1, 1)
    for i in np.flatnonzero(present & ~simple).tolist():
        v = parse_005(buf[int(s[i]):int(e[i])].decode("utf-8"))
        if v is not None:
            valid[i] = True
            out[i] = (v - epoch) // dt.timedelta(microseconds=1)
    return numpy_array(out.astype(np.int64, copy=False), pa.timestamp("us"), valid)


# -- a block's decisions -------------------------------------------------------------------

@dataclass
class BlockDecisions:
    """A block's records as the block path decides them.  ``which``: the records settled
    from the index (clean, dated, their languages settled), increasing; for them (per
    position in ``which``) ``cases`` / ``case_of`` (encoding case and its outcome), the
    columns ``dates`` / ``langs`` / ``lv`` (per record of the block), ``not_bib`` and
    ``level_codes`` (-1 where no level: not bibliographic).  ``rows``: every other record
    (local no, facts, encoding reason, problems, the SourceRecord), in order, as the careful
    reader gives it.
    ``summary``: what all the block's records add to the file's summary."""

    ix: BlockIndex | None
    which: np.ndarray
    dates: Any
    langs: Any
    lv: Any
    cases: list
    outcome: dict
    case_of: np.ndarray
    not_bib: np.ndarray
    nb_text: list  # the distinct answers of ``not_bibliographic`` ...
    nb_of: np.ndarray  # ... and the one of each settled record
    level_codes: np.ndarray
    rows: list
    summary: FileSummary
    file_problems: list[Problem]
    records: int  # the number of the block's last record

    def level_names(self) -> list:
        return [v[0] for v in self.lv.values] if self.lv is not None else []


def decide_block(buf: bytes, base_offset: int, *, display: str, db_level: str | None,
                 rules: Sequence[Rule], encoding: str | None, flavour: str | None,
                 whole: bool = False) -> BlockDecisions:
    """The decisions of ``facts_batch`` for ``buf`` (a block of a file starting at
    ``base_offset`` on a record boundary).  ``whole``: the records of ``rows`` hold every
    field (else those the facts and the rules read, for clean records)."""
    from rabiskit.facts.columns import dates_entered, languages
    from rabiskit.facts.extract import extract_facts
    from rabiskit.facts.fast import FACT_TAGS, ChunkResult, _careful_block, _careful_records
    from rabiskit.facts.levels import levels
    from rabiskit.records import SourceRecord

    rules = tuple(rules)
    summary = FileSummary(display)
    none = np.zeros(0, dtype=np.int64)
    ix = index_block(buf, encoding=encoding, flavour=flavour)
    if ix is None:
        chunk = _careful_block(buf, base_offset, display, db_level, rules, encoding, flavour,
                               _source)
        rows = list(chunk.careful)
        for _, f, reason, problems, _src in rows:
            summary.add_read(f, reason, problems)
        return BlockDecisions(None, none, None, None, None, [], {}, none, none.astype(bool), [],
                              none, none, rows, summary, chunk.file_problems,
                              max((t[0] for t in rows), default=0))
    clean = ix.clean
    lead = ix.lead
    bib = clean & ~np.isin(lead[:, 6], _NOT_BIB_TYPES)
    dates = dates_entered(ix, clean)
    langs = languages(ix, clean)
    fast = clean & dates.settled() & langs.settled()
    lv = levels(ix, rules, bib & fast, db_level)
    which = np.flatnonzero(fast)
    # the records read one by one: the careful reader's, and clean ones left undecided
    careful = ChunkResult()
    _careful_records(careful, buf, base_offset, ix, np.flatnonzero(~clean).tolist(), display,
                     db_level, rules, encoding, flavour, _source)
    rows = list(careful.careful)
    slow = np.flatnonzero(clean & ~fast)
    if slow.size:
        need = None if whole else FACT_TAGS | frozenset(t for r in rules for t in r.tags_read())
        lv_slow = levels(ix, rules, bib & ~fast, db_level)
        for i, rec in zip(slow.tolist(), records_of(ix, slow, need)):
            c = int(ix.combo[i])
            enc, reason = combo_outcome(c, encoding)  # type: ignore[misc]
            a, end = int(ix.starts[i]), int(ix.ends[i]) + 1
            src = SourceRecord(display, i + 1, base_offset + a, end - a, rec,
                               "unimarc" if c & 1 else "marc21", enc, reason, raw=buf[a:end])
            code = int(lv_slow.codes[i])
            rows.append((i + 1, extract_facts(src, lv_slow.values[code][0] if code >= 0 else None),
                         reason, (), src))
        rows.sort(key=lambda t: t[0])
    for _, f, reason, problems, _src in rows:
        summary.add_read(f, reason, problems)
    # the settled records: encoding case, type of record, level
    m = which.size
    combo = ix.combo[which]
    cases = sorted(set(combo.tolist()))
    outcome = {c: combo_outcome(c, encoding) for c in cases}
    case_of = np.searchsorted(np.array(cases, dtype=np.int64), combo) if m else combo
    unimarc = ix.unimarc[which]
    nb_key = (lead[which, 6].astype(np.int64) << 1) | unimarc
    nb_keys, nb_of = np.unique(nb_key, return_inverse=True)
    nb_of = nb_of.reshape(-1)
    nb_text = [not_bibliographic(chr(k >> 1), "unimarc" if k & 1 else "marc21")
               for k in nb_keys.tolist()]
    not_bib = np.array([t is not None for t in nb_text] or [False], dtype=bool)[nb_of] \
        if m else np.zeros(0, dtype=bool)
    level_codes = np.where(not_bib, -1, lv.codes[which])
    d = BlockDecisions(ix, which, dates, langs, lv, cases, outcome, case_of, not_bib, nb_text,
                       nb_of, level_codes, rows, summary, careful.file_problems, ix.nrec)
    _summarise(d)
    return d


def _source(src, facts):
    return src


def facts_batch(buf: bytes, base_offset: int, *, display: str, db_level: str | None,
                rules: Sequence[Rule], encoding: str | None, flavour: str | None) -> FactsBatch:
    """The facts table of the records of ``buf`` (a block of a file starting at
    ``base_offset`` on a record boundary), with their levels by ``rules``: the rows the
    careful reader would give, in order, numbered from 1 in the block."""
    pa = arrow_on_the_heap()
    d = decide_block(buf, base_offset, display=display, db_level=db_level, rules=rules,
                     encoding=encoding, flavour=flavour)
    if d.ix is None:
        return FactsBatch(facts_table(t[1] for t in d.rows), d.summary, d.file_problems,
                          d.records, 0)
    table = _fast_table(d, display, base_offset)
    if d.rows:
        table = pa.concat_tables([table, facts_table(t[1] for t in d.rows)])
        order = np.argsort(table.column("record").to_numpy(), kind="stable")
        table = _compute("take", table, numpy_array(order.astype(np.int64, copy=False), pa.int64()))
    return FactsBatch(table, d.summary, d.file_problems, d.records, int(d.which.size))


#: the fields ``_fast_table`` reads
_TABLE_TAGS = ("001", "005", "010", "020", "200", "245", "215", "300", "461", "463", "773", "856")


def _fast_table(dec: BlockDecisions, display: str, base_offset: int):
    """The rows of the settled records."""
    import pyarrow as pa

    ix, which = dec.ix, dec.which
    assert ix is not None
    m = which.size
    arr, buf = ix.arr, ix.buf
    fl = _Fields(ix, which, _TABLE_TAGS)
    unimarc = ix.unimarc[which]
    lead = ix.lead[which]
    record = (which + 1).astype(np.int64)
    offset = (ix.starts[which] + base_offset).astype(np.int64)
    starts = ix.starts[which]
    status, rtype, blevel = (_chars_array(arr, starts + k) for k in (5, 6, 7))
    cases, outcome, case_of = dec.cases, dec.outcome, dec.case_of
    flavour_col = _taken(["unimarc" if c & 1 else "marc21" for c in cases], case_of, pa.string())
    encoding_col = _taken([outcome[c][0] for c in cases], case_of, pa.string())
    nb_col = _taken(dec.nb_text, dec.nb_of, pa.string())
    level_col = _taken([n or "book" for n in dec.level_names()], dec.level_codes, pa.string())
    dates, langs = dec.dates, dec.langs
    d_codes = dates.codes[which]
    date_col = _taken([v[0] for v in dates.values], d_codes, pa.date32())
    l_codes = langs.codes[which]
    lang_col = _taken([v[0][0] for v in langs.values], l_codes, pa.string())
    langs_col = _taken([";".join(v[0]) for v in langs.values], l_codes, pa.string())
    coded_col = _taken([v[1] for v in langs.values], l_codes, pa.bool_())
    cn = _cut_all(buf, arr, *fl.control("001"), _strip_or_none, b"")
    changed = _timestamps(buf, arr, *fl.control("005"))

    def by_flavour(u: tuple, m21: tuple):
        return tuple(np.where(unimarc, a, b) for a, b in zip(u, m21))

    title_raw = by_flavour(fl.first_subfield("200", "a"), fl.first_subfield("245", "a"))
    title = _cut_all(buf, arr, *title_raw, clean_title, _TITLE_END)
    extent_raw = by_flavour(fl.first_subfield("215", "a"), fl.first_subfield("300", "a"))
    extent_col = _string_array(arr, *extent_raw)
    h463 = fl.first_subfield("463", "t")
    h461 = fl.first_subfield("461", "t")
    use463 = h463[0] & (h463[2] > h463[1])
    host_u = tuple(np.where(use463, a, b) for a, b in zip(h463, h461))
    host_raw = by_flavour(host_u, fl.first_subfield("773", "t"))
    host = _cut_all(buf, arr, *host_raw, clean_title, _TITLE_END)
    art_raw = by_flavour(fl.first_subfield("463", "v"), fl.first_subfield("773", "g"))
    art = _per_distinct(_string_array(arr, *art_raw), article_pages, pa.int64())
    pages = _per_distinct(extent_col, pages_from_extent, pa.int64())
    # a UNIMARC article without 463$v pages: the extent's
    from_extent = unimarc & (lead[:, 7] == ord("a")) & np.asarray(_compute("is_null", art))
    if from_extent.any():
        art_ext = _per_distinct(extent_col, article_pages, pa.int64())
        art = _compute("if_else", numpy_array(from_extent, pa.bool_()), art_ext, art)
    isbn = _values_list(buf, arr, fl, unimarc, ("010", "a"), ("020", "a"))
    links = _values_list(buf, arr, fl, unimarc, ("856", "u"), ("856", "u"))
    cols = {
        "file": pa.array([display] * m, pa.string()),
        "record": numpy_array(record, pa.int64()), "offset": numpy_array(offset, pa.int64()),
        "control_number": _string_array(arr, *cn), "flavour": flavour_col,
        "encoding": encoding_col, "record_status": status, "record_type": rtype,
        "bibliographic_level": blevel, "language": lang_col, "languages": langs_col,
        "languages_coded": coded_col, "date_entered": date_col,
        "date_entered_problem": pa.nulls(m, pa.string()), "date_changed": changed,
        "title": _string_array(arr, *title), "isbn": isbn, "links": links,
        "extent": extent_col, "pages": pages, "article_pages": art,
        "host_title": _string_array(arr, *host), "damaged": numpy_array(np.zeros(m, dtype=bool), pa.bool_()),
        "level": level_col, "not_bibliographic": nb_col,
    }
    return pa.Table.from_pydict(cols, schema=facts_schema())


def _strip_or_none(text: str) -> str | None:
    return text.strip() or None


def subfield_spans(buf, arr, fl: _Fields, unimarc: np.ndarray, u: tuple[str, str],
                   m21: tuple[str, str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every value of the subfield (UNIMARC ``u``, MARC 21 ``m21``) of the records, in
    their order: (row, start, end) of each, stripped, the empty ones left out."""
    rows_u, s_u, e_u = fl.subfield_values(*u)
    if u != m21:
        rows_m, s_m, e_m = fl.subfield_values(*m21)
        ku, km = unimarc[rows_u], ~unimarc[rows_m]
        rows = np.concatenate((rows_u[ku], rows_m[km]))
        s = np.concatenate((s_u[ku], s_m[km]))
        e = np.concatenate((e_u[ku], e_m[km]))
        order = np.argsort(s, kind="stable")
        rows, s, e = rows[order], s[order], e[order]
    else:
        rows, s, e = rows_u, s_u, e_u
    present, s, e = _cut_all(buf, arr, np.ones(rows.size, dtype=bool), s, e, _strip_or_empty, b"")
    keep = present & (e > s)
    return rows[keep], s[keep], e[keep]


def _values_list(buf, arr, fl: _Fields, unimarc: np.ndarray, u: tuple[str, str],
                 m21: tuple[str, str]):
    """Every value of the subfield (UNIMARC ``u``, MARC 21 ``m21``), stripped, the empty
    ones left out, as a list per row."""
    return _list_array(arr, fl.which.size, *subfield_spans(buf, arr, fl, unimarc, u, m21))


def _summarise(d: BlockDecisions) -> None:
    """What ``FileSummary.add_read`` adds for the settled records, by counting codes."""
    m = d.which.size
    if not m:
        return
    ix = d.ix
    assert ix is not None
    summary = d.summary
    lead = ix.lead[d.which]
    summary.records += m
    summary.not_bibliographic += int(d.not_bib.sum())
    for k, n in zip(*np.unique(d.case_of, return_counts=True)):
        c = d.cases[int(k)]
        enc, reason = d.outcome[c]
        summary.flavours["unimarc" if c & 1 else "marc21"] += int(n)
        summary.encodings[enc] += int(n)
        summary.encoding_reasons[f"{enc}: {reason}"] += int(n)
    for pos, counter in ((6, summary.record_types), (7, summary.bibliographic_levels)):
        for k, n in zip(*np.unique(lead[:, pos], return_counts=True)):
            counter[chr(int(k))] += int(n)
    lang_values = d.langs.values
    for k, n in zip(*np.unique(d.langs.codes[d.which], return_counts=True)):
        summary.languages[lang_values[int(k)][0][0]] += int(n)
    names = d.level_names()
    for k, n in zip(*np.unique(d.level_codes, return_counts=True)):
        if k >= 0 and names[int(k)]:
            summary.levels[names[int(k)]] += int(n)
    used = sorted_distinct(d.dates.codes[d.which])  # (np.unique would import numpy.ma)
    ds = [d.dates.values[int(k)][0] for k in used.tolist()]
    lo, hi = min(ds), max(ds)
    if summary.date_min is None or lo < summary.date_min:
        summary.date_min = lo
    if summary.date_max is None or hi > summary.date_max:
        summary.date_max = hi



# -- a few records' facts as RecordFacts -----------------------------------------------------

#: the answers of ``pages_from_extent``, ``article_pages``, ``parse_005`` and
#: ``clean_title`` (each depends on the text alone) met in this process, for
#: ``settled_facts``
_ANSWERS: dict = {}


def _answers(decide, texts: list) -> list:
    """``decide(text)`` of each of ``texts``, once per distinct text."""
    known = _ANSWERS.setdefault(decide, {})
    if len(known) > _CACHE_LIMIT:
        known.clear()
    for t in set(texts).difference(known):
        known[t] = decide(t)
    return [known[t] for t in texts]


#: ``RecordFacts``' fields, in the order ``settled_facts`` gives them
_FACT_ORDER = ("file", "record", "offset", "control_number", "flavour", "encoding",
               "record_status", "record_type", "bibliographic_level", "languages",
               "languages_coded", "date_entered", "date_entered_source", "date_entered_problem",
               "date_entered_raw", "date_changed", "title", "isbn", "links", "extent", "pages",
               "article_pages", "host_title", "damaged", "level", "line")
assert tuple(f.name for f in dataclasses.fields(RecordFacts)) == _FACT_ORDER


def settled_facts(ix: BlockIndex, which: np.ndarray, *, dates, langs, level_of: list,
                  display: str, base_offset: int, encoding: str | None,
                  values: tuple[str, str] | None = None) -> tuple[list[tuple], list[list[str]]]:
    """The facts of the clean records ``which`` (0-based in the block, increasing) as
    ``extract_facts`` gives them for the careful reader's record, as the tuples of their
    fields (``fast.facts_tuple``: ``RecordFacts(*t)`` makes them), found in the block
    index as ``_fast_table`` finds them, each text cut by the careful function itself
    (``clean_title``, ``pages_from_extent``...; once per distinct text).  ``dates`` and
    ``langs`` are the block's columns (``dates_entered``, ``languages``) settled for these
    records; ``level_of``: each record's level (None: none); ``values`` (tag, code): every
    value of that subfield of each record too, as ``Record.subfields`` gives them (else
    empty lists).  Records of the UNIMARC and MARC 21 flavours only (the block path's)."""
    m = which.size
    tags = _TABLE_TAGS + ((values[0],) if values is not None else ())
    fl = _Fields(ix, which, tags)
    buf = ix.buf
    combos = ix.combo[which].tolist()
    unimarc = [bool(c & 1) for c in combos]

    def texts(present, s, e) -> list:
        return [buf[a:b].decode("utf-8") if p else None
                for p, a, b in zip(present.tolist(), s.tolist(), e.tolist())]

    any_u, any_m = any(unimarc), not all(unimarc)  # which flavours the records are of

    def first(u: tuple[str, str], m21: tuple[str, str]) -> list:
        """The first value of the subfield (UNIMARC ``u``, MARC 21 ``m21``) per record
        (the other flavour's subfield is not looked at when no record is of it)."""
        if not any_m:
            return texts(*fl.first_subfield(*u))
        if not any_u:
            return texts(*fl.first_subfield(*m21))
        tu, tm = texts(*fl.first_subfield(*u)), texts(*fl.first_subfield(*m21))
        return [a if uni else b for uni, a, b in zip(unimarc, tu, tm)]

    found: dict[tuple[str, str], list[list[str]]] = {}

    def every(tag: str, code: str) -> list[list[str]]:
        """Every value of ``tag``$``code`` per record (found once per subfield)."""
        out = found.get((tag, code))
        if out is None:
            out = found[tag, code] = [[] for _ in range(m)]
            rows, s, e = fl.subfield_values(tag, code)
            for r, a, b in zip(rows.tolist(), s.tolist(), e.tolist()):
                out[r].append(buf[a:b].decode("utf-8"))
        return out

    def stripped(lists: list[list[str]]) -> list[tuple[str, ...]]:
        return [tuple([t for v in vs if (t := v.strip())]) if vs else () for vs in lists]

    def either(u: tuple[str, str], m21: tuple[str, str]) -> list[tuple[str, ...]]:
        """``stripped(every(...))`` of the subfield (UNIMARC ``u``, MARC 21 ``m21``)."""
        if not any_m:
            return stripped(every(*u))
        if not any_u:
            return stripped(every(*m21))
        su, sm = stripped(every(*u)), stripped(every(*m21))
        return [a if uni else b for uni, a, b in zip(unimarc, su, sm)]

    title = _answers(clean_title, first(("200", "a"), ("245", "a")))
    extent = first(("215", "a"), ("300", "a"))
    pages = _answers(pages_from_extent, extent)
    if any_u:
        h463, h461 = texts(*fl.first_subfield("463", "t")), texts(*fl.first_subfield("461", "t"))
    h773 = texts(*fl.first_subfield("773", "t")) if any_m else [None] * m
    host = _answers(clean_title, [(h463[k] or h461[k]) if uni else h773[k]
                                  for k, uni in enumerate(unimarc)])
    art = _answers(article_pages, first(("463", "v"), ("773", "g")))
    lead = ix.lead[which]
    status, rtype, blevel = (bytes(lead[:, k]).decode("ascii") for k in (5, 6, 7))
    # a UNIMARC article without 463$v pages: the extent's
    art_ext = _answers(article_pages, [x if uni and p is None and b == "a" else None
                                       for uni, p, b, x in zip(unimarc, art, blevel, extent)])
    art = [p if p is not None else q for p, q in zip(art, art_ext)]
    isbn = either(("010", "a"), ("020", "a"))
    links = stripped(every("856", "u"))
    asked = [list(v) for v in every(*values)] if values is not None else [[] for _ in range(m)]
    control = [(c or "").strip() or None for c in texts(*fl.control("001"))]
    changed = _answers(parse_005, texts(*fl.control("005")))
    outcomes = {c: combo_outcome(c, encoding) for c in set(combos)}
    encodings = [outcomes[c][0] for c in combos]  # type: ignore[index]
    flavours = ["unimarc" if uni else "marc21" for uni in unimarc]
    date_values, lang_values = dates.values, langs.values
    offsets = (ix.starts[which] + base_offset).tolist()
    no_bib = {(t, f): not_bibliographic(t, f) is not None for t, f in set(zip(rtype, flavours))}
    out = []
    for k, (i, d, lg) in enumerate(zip(which.tolist(), dates.codes[which].tolist(),
                                        langs.codes[which].tolist())):
        day, source, raw = date_values[d]
        languages, coded = lang_values[lg]
        flavour = flavours[k]
        out.append((display, i + 1, offsets[k], control[k], flavour, encodings[k], status[k],
                    rtype[k], blevel[k], languages, coded, day, source, None, raw, changed[k],
                    title[k], isbn[k], links[k], extent[k], pages[k], art[k], host[k], False,
                    None if no_bib[rtype[k], flavour] else level_of[k], None))
    return out, asked
