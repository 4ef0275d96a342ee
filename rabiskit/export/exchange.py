"""Exchange files for the regional library: the period's new records of chosen levels.

The selection is the one ``rabiskit count`` counts (``Tally.add``): not marked deleted,
with a date entered inside the period, and a level among the chosen ones (a record with
no level counts as a book, as in the count).  So an export of ``--level article`` for
2026 Q1 holds exactly as many records as ``count --quarter 1`` gives for articles.

How each record is written:

* ISO 2709 (``.iso``, ``.mrc``, ``.marc``, ``.dat``): the record's bytes exactly as they
  were in the export (``SourceRecord.raw``), so the regional library receives what the
  branch's catalogue wrote.  Two exceptions, both listed in the result: a record the
  reader had to salvage (``damaged``) is rebuilt from what was salvaged, in the same
  encoding, so the file holds no broken structure (written as read when that encoding
  cannot hold the salvaged text); a record read from MARCXML has no ISO bytes and is
  encoded to UTF-8.
* ISO 2709 with ``utf8=True``: every record re-encoded to UTF-8 and its character-set
  declaration updated (MARC 21 leader/09 ``a``; UNIMARC 100$a/26-29 ``50``).
* MARCXML (``.xml``): MARC 21 slim, UTF-8 (``rabiskit.export.marcxml``: the bytes
  ``MarcXmlWriter`` writes, made in the worker processes).
* IRBIS-native records (flavour ``irbis``) keep their ISO 2709 bytes as above; read from
  an IRBIS plain-text export they have none and are written as IRBIS writes ISO 2709, in
  UTF-8.  With ``to="rusmarc"`` they are converted to RUSMARC (``rabiskit.export.irbis``),
  UTF-8, and the fields not converted are counted in the result.

Files are written atomically: a half-written exchange file never replaces a good one.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from rabiskit.i18n import N_
from rabiskit.aggregate.count import RecordRef
from rabiskit.aggregate.period import Period
from rabiskit.atomic import atomic_file
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.plan.model import Plan
from rabiskit.export.irbis import irbis_for_iso, to_rusmarc
from rabiskit.spill import Spilled, SpillTo, spill, spill_folder, splice
from rabiskit.records import SourceRecord
from rabiskit.records.record import IRBIS
from rabiskit.sources.iso2709_writer import encode_record, set_declared_encoding

ISO_SUFFIXES = (".iso", ".mrc", ".marc", ".dat", ".iso2709")
XML_SUFFIXES = (".xml",)


def output_format(path: str | Path) -> str:
    """'iso2709' or 'marcxml' from the file name; ValueError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in ISO_SUFFIXES:
        return "iso2709"
    if suffix in XML_SUFFIXES:
        return "marcxml"
    raise ValueError(N_("{path}: the output must end in {items} (ISO 2709) or .xml (MARCXML)").format(
        path=path, items=', '.join(ISO_SUFFIXES)))


def counted_in(f: RecordFacts, period: Period) -> bool:
    """Whether ``count`` counts the record in ``period`` (the rules of ``Tally.add``)."""
    return (not f.is_deleted and not f.not_bibliographic and f.date_entered is not None
            and period.contains(f.date_entered))


def level_of(f: RecordFacts) -> str:
    return f.level or "book"


def select_records(inputs: Sequence[Input], plan: Plan, period: Period, levels: Iterable[str], *,
                   encoding: str | None = None, flavour: str | None = None,
                   result: Scan | None = None, progress: Callable[[int, str], None] | None = None,
                   workers: int | None = None, min_fast_size: int | None = None,
                   fast: bool | None = None, block_size: int | None = None,
                   how: str = "whole", spill_to: SpillTo | None = None) -> Iterator[Any]:
    """The records ``count`` counts in ``period`` at one of ``levels``, in input order (read
    through the pipeline: the worker processes decide which and send back only these), for
    ``write_exchange``.  ``how`` the output is written: ``"iso"`` (ISO 2709, the bytes as
    read), ``"utf8"`` (ISO 2709 re-encoded), ``"xml"`` (MARCXML) or ``"whole"`` (records
    given whole: ``--to rusmarc``, and the default).

    Items are (SourceRecord, RecordFacts) pairs, or ``Written`` runs: the output bytes of a
    block's records the worker wrote itself (sound records selected from the block index:
    copied, re-encoded or made MARCXML there; with ``spill_to``, a worker process writes
    them to a file of that folder, and the run holds where: ``rabiskit.spill``).
    Damaged and IRBIS-native records, and any record to be listed in the result, always
    come as pairs, whole."""
    from rabiskit.pipeline.records import read_blocks

    if how not in _MODES:
        raise ValueError(f"how={how!r}")
    choice = _Choice(period, frozenset(levels), how, spill_to)
    yield from read_blocks(inputs, plan, result=result if result is not None else Scan(),
                           work=_export_block, args=choice,
                           careful=functools.partial(_careful_choice, choice),
                           encoding=encoding, flavour=flavour, progress=progress,
                           workers=workers, min_fast_size=min_fast_size, fast=fast,
                           block_size=block_size)


_MODES = ("iso", "utf8", "xml", "whole")


@dataclass(frozen=True)
class _Choice:
    period: Period
    levels: frozenset[str]
    how: str
    spill_to: SpillTo | None = None


@dataclass
class Written:
    """Output bytes of consecutive selected records, ready for the file (or where a worker
    wrote them: ``Spilled``)."""

    data: bytes | Spilled
    levels: Counter
    records: int
    reencoded: int = 0  # of them, re-encoded to UTF-8
    replaced: int = 0  # MARCXML: characters written as U+FFFD


def _chosen(choice: _Choice, facts: RecordFacts) -> bool:
    return counted_in(facts, choice.period) and level_of(facts) in choice.levels


def _careful_choice(choice: _Choice, src: SourceRecord, facts: RecordFacts):
    return ((src, facts),) if _chosen(choice, facts) else ()


@dataclass
class _ExportBlock:
    """What a worker gives back for one block (see ``read_blocks``)."""

    summary: Any
    file_problems: list
    records: int
    settled: int
    parts: list  # Written, or (SourceRecord, RecordFacts) numbered in the block

    def items(self, shift: int) -> list:
        if not shift:
            return self.parts
        from rabiskit.pipeline.workers import renumber

        out: list = []
        for part in self.parts:
            if isinstance(part, Written):
                out.append(part)
                continue
            src, facts = part
            out.append((dataclasses.replace(src, number=src.number + shift),
                        renumber(facts, (), shift)[0]))
        return out


class _Parts:
    """A block's output in record order: runs of bytes merged into one ``Written``."""

    def __init__(self) -> None:
        self.parts: list = []
        self._chunks: list[bytes] = []
        self._levels: Counter = Counter()
        self._n = self._reencoded = self._replaced = 0

    def run(self, data: bytes, levels: Counter, n: int, reencoded: int = 0,
            replaced: int = 0) -> None:
        """The output of ``n`` consecutive records (``levels``: how many of each level)."""
        self._chunks.append(data)
        self._levels.update(levels)
        self._n += n
        self._reencoded += reencoded
        self._replaced += replaced

    def pair(self, src: SourceRecord, facts: RecordFacts) -> None:
        self._flush()
        self.parts.append((src, facts))

    def _flush(self) -> None:
        if self._n:
            self.parts.append(Written(b"".join(self._chunks), self._levels, self._n,
                                      self._reencoded, self._replaced))
            self._chunks, self._levels = [], Counter()
            self._n = self._reencoded = self._replaced = 0

    def done(self) -> list:
        self._flush()
        return self.parts


def _export_block(task) -> _ExportBlock:
    """One block in a worker: which records are chosen (decided from the block index for
    the clean ones, from the careful reader's facts for the others), and their output."""
    import numpy as np

    from rabiskit.facts.batches import decide_block

    choice: _Choice = task.args
    buf = task.read()
    d = decide_block(buf, task.start, display=task.display, db_level=task.db_level,
                     rules=task.rules, encoding=task.encoding, flavour=task.flavour,
                     whole=choice.how != "iso")
    ix = d.ix
    picked = np.zeros(0, dtype=np.int64)  # positions in ``d.which`` of the chosen ones
    if ix is not None and d.which.size:
        which = d.which
        names = [n or "book" for n in d.level_names()]
        in_period = np.array([choice.period.contains(v[0]) for v in d.dates.values] or [False])
        level_ok = np.array([n in choice.levels for n in names] or [False])
        sel = (ix.lead[which, 5] != ord("d")) & ~d.not_bib & in_period[d.dates.codes[which]]
        sel &= (d.level_codes >= 0) & level_ok[np.maximum(d.level_codes, 0)]
        picked = np.flatnonzero(sel)
    out = _Parts()
    fast = _FastOutput(choice, d, buf, task, picked) if picked.size else None
    numbers = d.which[picked] + 1
    done = 0
    for row in d.rows:
        number, facts, _, _, src = row
        if not _chosen(choice, facts):
            continue
        upto = int(np.searchsorted(numbers, number))
        if fast is not None and upto > done:
            fast.write(out, done, upto)
            done = upto
        if (choice.how == "iso" and src.raw is not None and not src.damaged
                and src.flavour != IRBIS):
            out.run(src.raw, Counter({level_of(facts): 1}), 1)
        else:
            out.pair(src, facts)
    if fast is not None and done < picked.size:
        fast.write(out, done, picked.size)
    parts = out.done()
    to = choice.spill_to
    if to is not None and to.here():
        runs = [p for p in parts if isinstance(p, Written)]
        if runs:
            for run, where in zip(runs, spill([r.data for r in runs], to)):  # type: ignore[misc]
                run.data = where
    return _ExportBlock(d.summary, d.file_problems, d.records, int(d.which.size), parts)


class _FastOutput:
    """The output of a block's chosen settled records (``picked``: positions in
    ``d.which``), written run by run."""

    def __init__(self, choice: _Choice, d, buf: bytes, task, picked) -> None:
        import numpy as np

        self.choice, self.d, self.buf, self.task = choice, d, buf, task
        self.recs = d.which[picked]
        self.codes = d.level_codes[picked]
        self.names = [n or "book" for n in d.level_names()]  # as counted (``level_of``)
        self.plain = None
        if choice.how == "xml":
            from rabiskit.export.marcxml import plain_xml

            self.plain = plain_xml(d.ix, self.recs)
        self._np = np

    def _levels(self, a: int, b: int) -> Counter:
        np = self._np
        got, n = np.unique(self.codes[a:b], return_counts=True)
        return Counter({self.names[int(c)]: int(k) for c, k in zip(got.tolist(), n.tolist())})

    def write(self, out: _Parts, a: int, b: int) -> None:
        """Records ``a``..``b`` of the chosen ones."""
        np = self._np
        ix, recs = self.d.ix, self.recs
        if self.choice.how == "iso":
            lo, hi = ix.starts[recs[a:b]], ix.ends[recs[a:b]] + 1
            length = hi - lo
            offsets = np.cumsum(length) - length
            data = ix.arr[np.repeat(lo - offsets, length) + np.arange(int(length.sum()))]
            out.run(data.tobytes(), self._levels(a, b), b - a)
            return
        if self.plain is not None:
            from rabiskit.facts.blocks import records_of

            from rabiskit.export.marcxml import record_xml

            blob, begin, end, plain = self.plain
            k = a
            while k < b:
                if plain[k]:
                    j = k
                    while j < b and plain[j]:
                        j += 1
                    out.run(blob[int(begin[k]):int(end[j - 1])], self._levels(k, j), j - k)
                    k = j
                    continue
                data, replaced = record_xml(records_of(ix, recs[k:k + 1], None)[0])
                out.run(data, self._levels(k, k + 1), 1, 0, replaced)
                k += 1
            return
        self._one_by_one(out, a, b)

    def _one_by_one(self, out: _Parts, a: int, b: int) -> None:
        from rabiskit.facts.blocks import combo_outcome, records_of
        from rabiskit.facts.extract import extract_facts

        ix, buf, task = self.d.ix, self.buf, self.task
        raw_names = self.d.level_names()  # as the facts hold them
        for i, rec, c in zip(self.recs[a:b].tolist(), records_of(ix, self.recs[a:b], None),
                             self.codes[a:b].tolist()):
            combo = int(ix.combo[i])
            enc, reason = combo_outcome(combo, task.encoding)  # type: ignore[misc]
            s, e = int(ix.starts[i]), int(ix.ends[i]) + 1
            src = SourceRecord(task.display, i + 1, task.start + s, e - s, rec,
                               "unimarc" if combo & 1 else "marc21", enc, reason, raw=buf[s:e])
            if self.choice.how == "utf8":
                data, how = iso_bytes(src, True)
                if how == "utf-8":
                    out.run(data, Counter({self.names[c]: 1}), 1, 1)
                    continue
            out.pair(src, extract_facts(src, raw_names[c]))


@dataclass
class ExchangeResult:
    """What was written: how many records per level, and which were not byte-copies."""

    file: str
    format: str
    utf8: bool
    written: int = 0
    levels: Counter = field(default_factory=Counter)
    reencoded: int = 0  # written in UTF-8 (utf8=True, or read from MARCXML)
    rebuilt: list[RecordRef] = field(default_factory=list)  # damaged: rebuilt from the salvage
    damaged_as_read: list[RecordRef] = field(default_factory=list)  # damaged: written as read
    replaced_characters: int = 0  # MARCXML: characters XML cannot hold, written as U+FFFD
    to: str | None = None  # "rusmarc": IRBIS-native records converted
    converted: int = 0  # IRBIS-native records converted to RUSMARC
    not_converted: Counter = field(default_factory=Counter)  # IRBIS tag -> records it was left out of
    left_out_tags: Counter = field(default_factory=Counter)  # IRBIS tags over 999 (no room in ISO 2709)
    spliced: int = 0  # runs copied from the workers' files (``rabiskit.spill``; not in as_dict)

    def add(self, run: Written) -> None:
        """Count a run of records the workers wrote."""
        self.written += run.records
        self.levels.update(run.levels)
        self.reencoded += run.reencoded
        self.replaced_characters += run.replaced

    def as_dict(self) -> dict:
        return {"file": self.file, "format": self.format, "utf8": self.utf8,
                "to": self.to, "converted": self.converted,
                "not_converted": dict(sorted(self.not_converted.items())),
                "left_out_tags": dict(sorted(self.left_out_tags.items())),
                "written": self.written, "levels": dict(self.levels),
                "reencoded": self.reencoded,
                "rebuilt": [r.as_dict() for r in self.rebuilt],
                "damaged_as_read": [r.as_dict() for r in self.damaged_as_read],
                "replaced_characters": self.replaced_characters}


def iso_bytes(src: SourceRecord, utf8: bool = False) -> tuple[bytes, str]:
    """(bytes to write, how): how is 'copied', 'utf-8', 'rebuilt', 'damaged' or 'as read'
    (a record too long for ISO 2709 once re-encoded in UTF-8: its bytes as read)."""
    record = src.record
    if src.flavour == IRBIS:
        record, _ = irbis_for_iso(record)
    if utf8 or src.raw is None:
        rec = set_declared_encoding(record, src.flavour, "utf-8")
        try:
            return encode_record(rec, "utf-8"), "utf-8"
        except ValueError:  # longer than ISO 2709 allows once in UTF-8 (a salvaged record)
            if src.raw is None:
                raise
            return src.raw, "as read"
    if not src.damaged:
        return src.raw, "copied"
    try:
        return encode_record(record, src.encoding), "rebuilt"
    except ValueError:
        return src.raw, "damaged"


def _prepared(records: Iterable[Any], result: ExchangeResult) -> Iterator[Any]:
    """The records as they will be written: IRBIS-native ones converted when asked, and
    what could not be carried counted in ``result``."""
    for item in records:
        if isinstance(item, Written):
            yield item
            continue
        src, facts = item
        if src.flavour == IRBIS:
            if result.to == "rusmarc":
                src, left = to_rusmarc(src)
                result.converted += 1
                result.not_converted.update(left)
            else:
                result.left_out_tags.update(f.tag for f in src.record.fields if len(f.tag) != 3)
        yield src, facts


def _runs_written(items: Iterable[Any], fh, result: ExchangeResult) -> Iterator[Any]:
    """The (SourceRecord, RecordFacts) pairs of ``items``; the runs the workers wrote go
    straight to ``fh``, counted in ``result``."""
    for item in items:
        if isinstance(item, Written):
            if isinstance(item.data, Spilled):
                splice(item.data, fh)
                result.spliced += 1
            else:
                fh.write(item.data)
            result.add(item)
        else:
            yield item


def export_inputs(path: str | Path, inputs: Sequence[Input], plan: Plan, period: Period,
                  levels: Iterable[str], *, utf8: bool = False, to: str | None = None,
                  **options) -> tuple[ExchangeResult, Scan]:
    """``select_records`` of ``inputs`` (its ``options``) written to ``path`` by
    ``write_exchange``: (what was written, the Scan of the reading).  An input that held
    no record raises ``EmptyInput`` once all are read, and nothing is written."""
    from rabiskit.facts.scan import refusing_empty

    scanned = Scan()
    with spill_folder(path) as spill_to:
        records = select_records(inputs, plan, period, levels, result=scanned,
                                 spill_to=spill_to, **options)
        return (write_exchange(path, refusing_empty(records, scanned), utf8=utf8, to=to),
                scanned)


def write_exchange(path: str | Path, records: Iterable[Any], *,
                   utf8: bool = False, to: str | None = None) -> ExchangeResult:
    """Write ``records`` ((SourceRecord, RecordFacts) pairs, or ``Written`` runs of
    ``select_records``) to ``path`` (format from its suffix), atomically; ``to="rusmarc"``
    converts IRBIS-native records to RUSMARC on the way."""
    if to not in (None, "rusmarc"):
        raise ValueError(N_("--to {to}: the only conversion is --to rusmarc").format(to=to))
    fmt = output_format(path)
    result = ExchangeResult(str(path), fmt, utf8, to=to)
    records = _prepared(records, result)
    if fmt == "marcxml":
        from rabiskit.export.marcxml import COLLECTION_END, COLLECTION_START, record_xml

        with atomic_file(path) as fh:
            fh.write(COLLECTION_START)
            for src, facts in _runs_written(records, fh, result):
                data, replaced = record_xml(src.record)
                fh.write(data)
                result.replaced_characters += replaced
                result.written += 1
                result.levels[level_of(facts)] += 1
            fh.write(COLLECTION_END)
        return result
    with atomic_file(path) as fh:
        for src, facts in _runs_written(records, fh, result):
            data, how = iso_bytes(src, utf8)
            fh.write(data)
            result.written += 1
            result.levels[level_of(facts)] += 1
            if how == "utf-8":
                result.reencoded += 1
            elif how == "rebuilt":
                result.rebuilt.append(RecordRef.of(facts, N_("damaged in the export: rebuilt from what was salvaged")))
            elif how == "damaged":
                result.damaged_as_read.append(RecordRef.of(
                    facts, N_("damaged in the export and could not be rebuilt: written as read")))
            elif how == "as read":
                result.damaged_as_read.append(RecordRef.of(
                    facts, N_("too long for ISO 2709 in UTF-8: written as read")))
    return result
