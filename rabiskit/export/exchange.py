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
* MARCXML (``.xml``): MARC 21 slim, UTF-8 (``MarcXmlWriter``).
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
from typing import Callable, Iterable, Iterator, Sequence

from rabiskit.i18n import N_
from rabiskit.aggregate.count import RecordRef
from rabiskit.aggregate.period import Period
from rabiskit.atomic import atomic_file
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.plan.model import Plan
from rabiskit.export.irbis import irbis_for_iso, to_rusmarc
from rabiskit.records import Record, SourceRecord
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
                   whole: bool = True) -> Iterator[tuple[SourceRecord, RecordFacts]]:
    """The records ``count`` counts in ``period`` at one of ``levels``, in input order (read
    through the pipeline: the worker processes send back only these).  ``whole=False``:
    records the block path read carry their bytes (``raw``) but only the fields the facts
    read, enough for an ISO 2709 file of the bytes as read (``write_exchange`` without
    ``utf8`` or ``to``); damaged and IRBIS-native records always come whole."""
    from rabiskit.pipeline.records import read_records

    pick = functools.partial(_selected if whole else _selected_bytes, period, frozenset(levels))
    for _facts, src in read_records(inputs, plan, result=result if result is not None else Scan(),
                                    extract=pick, tags=None if whole else frozenset(),
                                    encoding=encoding, flavour=flavour,
                                    progress=progress, workers=workers,
                                    min_fast_size=min_fast_size, fast=fast, block_size=block_size):
        if src is not None:
            yield src, _facts


def _selected(period: Period, levels: frozenset[str], src: SourceRecord,
              facts: RecordFacts) -> SourceRecord | None:
    """The record when ``count`` counts it in ``period`` at one of ``levels``, else None."""
    return src if counted_in(facts, period) and level_of(facts) in levels else None


def _selected_bytes(period: Period, levels: frozenset[str], src: SourceRecord,
                    facts: RecordFacts) -> SourceRecord | None:
    """The same for an ISO 2709 file of the bytes as read: a sound record read from ISO 2709
    travels back from the worker as its bytes and leader alone (``iso_bytes`` copies
    ``raw``); a damaged or IRBIS-native one whole."""
    if not (counted_in(facts, period) and level_of(facts) in levels):
        return None
    if src.raw is not None and not src.damaged and src.flavour != IRBIS:
        return dataclasses.replace(src, record=Record(src.record.leader, []))
    return src


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


def _prepared(records: Iterable[tuple[SourceRecord, RecordFacts]], result: ExchangeResult
              ) -> Iterator[tuple[SourceRecord, RecordFacts]]:
    """The records as they will be written: IRBIS-native ones converted when asked, and
    what could not be carried counted in ``result``."""
    for src, facts in records:
        if src.flavour == IRBIS:
            if result.to == "rusmarc":
                src, left = to_rusmarc(src)
                result.converted += 1
                result.not_converted.update(left)
            else:
                result.left_out_tags.update(f.tag for f in src.record.fields if len(f.tag) != 3)
        yield src, facts


def write_exchange(path: str | Path, records: Iterable[tuple[SourceRecord, RecordFacts]], *,
                   utf8: bool = False, to: str | None = None) -> ExchangeResult:
    """Write ``records`` to ``path`` (format from its suffix), atomically; ``to="rusmarc"``
    converts IRBIS-native records to RUSMARC on the way."""
    if to not in (None, "rusmarc"):
        raise ValueError(N_("--to {to}: the only conversion is --to rusmarc").format(to=to))
    fmt = output_format(path)
    result = ExchangeResult(str(path), fmt, utf8, to=to)
    records = _prepared(records, result)
    if fmt == "marcxml":
        from rabiskit.sources.marcxml_writer import MarcXmlWriter

        with MarcXmlWriter(path) as w:
            for src, facts in records:
                w.write(src.record)
                result.written += 1
                result.levels[level_of(facts)] += 1
        result.replaced_characters = w.replaced
        return result
    with atomic_file(path) as fh:
        for src, facts in records:
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

