"""Scan export files: read every record, extract its facts, give it a level.

``scan`` is the one loop every command shares (inspect, count, report, audit,
digitisation, import): it opens each input with the right reader, turns records into
RecordFacts, classifies them, and keeps a per-file summary (records, flavours,
encodings, problems) for the report headers.  Files given twice with the same content
are read once, with a warning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rabiskit.i18n import N_
from rabiskit.facts.extract import extract_facts
from rabiskit.facts.model import RecordFacts
from rabiskit.records import Problem, SourceRecord
from rabiskit.fileid import file_key
from rabiskit.sources import NotMarc, check_marc, open_source
from rabiskit.sources.sniff import no_records_message
from rabiskit.sources.encoding import ENCODINGS

Classifier = Callable[[SourceRecord, "str | None"], "tuple[str, str]"]


@dataclass(frozen=True, eq=False)
class Input:
    """One export file, optionally declared to be one catalogue database (``--db LEVEL FILE``).

    Inputs compare by identity: the same file named twice is two inputs, of which
    ``dedupe_inputs`` keeps the first."""

    path: Path
    db_level: str | None = None
    #: the name shown for the file (in summaries, problems, JSON) when not its path, e.g.
    #: the name an uploaded file had on the user's computer
    name: str | None = None

    @property
    def display(self) -> str:
        return self.name if self.name is not None else str(self.path)


@dataclass
class FileSummary:
    file: str
    format: str = "?"
    size: int = 0
    db_level: str | None = None
    records: int = 0
    damaged: int = 0
    not_bibliographic: int = 0  # authority, holdings, classification... records: no level
    flavours: Counter = field(default_factory=Counter)
    encodings: Counter = field(default_factory=Counter)
    encoding_reasons: Counter = field(default_factory=Counter)
    record_types: Counter = field(default_factory=Counter)
    bibliographic_levels: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    levels: Counter = field(default_factory=Counter)
    date_min: dt.date | None = None
    date_max: dt.date | None = None
    date_missing: int = 0
    problems: list[Problem] = field(default_factory=list)
    duplicate_of: str | None = None  # same content as an earlier input: not read again
    error: str | None = None  # the file could not be read at all, or held no record
    no_records: bool = False  # it held no MARC record (``error`` says what it is instead)
    #: records the block path settled without the careful reader (not in ``as_dict``: the
    #: summaries of both paths are the same; this says which path did the work)
    block_settled: int = 0

    def add(self, facts: RecordFacts) -> None:
        self.records += 1
        self.damaged += facts.damaged
        self.not_bibliographic += facts.not_bibliographic is not None
        self.flavours[facts.flavour] += 1
        self.encodings[facts.encoding] += 1
        self.record_types[facts.record_type] += 1
        self.bibliographic_levels[facts.bibliographic_level] += 1
        self.languages[facts.language] += 1
        if facts.level:
            self.levels[facts.level] += 1
        d = facts.date_entered
        if d is None:
            self.date_missing += 1
        else:
            if self.date_min is None or d < self.date_min:
                self.date_min = d
            if self.date_max is None or d > self.date_max:
                self.date_max = d

    def add_read(self, facts: RecordFacts, encoding_reason: str, problems) -> None:
        """A record as a reader gave it: its facts, why its encoding, its problems."""
        self.add(facts)
        self.encoding_reasons[f"{facts.encoding}: {encoding_reason}"] += 1
        self.problems.extend(with_record_context(p, facts) for p in problems)

    def add_group(self, key, n: int, dates: tuple[dt.date, dt.date] | None = None) -> None:
        """Add ``n`` undamaged, dated records that share the facts in ``key`` (a FastKey);
        with ``dates`` (first, last), they were entered on days in that range, not all on
        ``key.date_entered``."""
        self.records += n
        self.flavours[key.flavour] += n
        self.encodings[key.encoding] += n
        self.encoding_reasons[f"{key.encoding}: {key.encoding_reason}"] += n
        self.record_types[key.record_type] += n
        self.bibliographic_levels[key.bibliographic_level] += n
        self.languages[key.language] += n
        if key.level:
            self.levels[key.level] += n
        lo, hi = dates or (key.date_entered, key.date_entered)
        if self.date_min is None or lo < self.date_min:
            self.date_min = lo
        if self.date_max is None or hi > self.date_max:
            self.date_max = hi

    def add_part(self, part: "FileSummary", shift: int = 0) -> None:
        """Add a block's part of this file's summary, its records numbered from 1 in the
        block and ``shift`` records of the file before it: as if this summary had read the
        block's records itself (``add_read``).  ``block_settled`` is the caller's."""
        self.records += part.records
        self.damaged += part.damaged
        self.not_bibliographic += part.not_bibliographic
        for name in ("flavours", "encodings", "encoding_reasons", "record_types",
                     "bibliographic_levels", "languages", "levels"):
            getattr(self, name).update(getattr(part, name))
        self.date_missing += part.date_missing
        for d in (part.date_min, part.date_max):
            if d is None:
                continue
            if self.date_min is None or d < self.date_min:
                self.date_min = d
            if self.date_max is None or d > self.date_max:
                self.date_max = d
        self.problems.extend(p if p.record is None or not shift
                             else dataclasses.replace(p, record=p.record + shift)
                             for p in part.problems)

    def as_dict(self) -> dict:
        encodings = {e: self.encodings.get(e, 0) for e in ENCODINGS}
        for e, n in self.encodings.items():
            encodings.setdefault(e, n)
        return {
            "file": self.file,
            "format": self.format,
            "records": self.records,
            "damaged": self.damaged,
            "not_bibliographic": self.not_bibliographic,
            "flavours": {"unimarc": self.flavours.get("unimarc", 0),
                         "marc21": self.flavours.get("marc21", 0),
                         **({"irbis": self.flavours["irbis"]} if self.flavours.get("irbis")
                            else {})},
            "encodings": encodings,
            "encoding_reasons": dict(self.encoding_reasons.most_common()),
            "record_types": _sorted(self.record_types),
            "bibliographic_levels": _sorted(self.bibliographic_levels),
            "languages": dict(self.languages.most_common()),
            "date_entered": {"min": self.date_min.isoformat() if self.date_min else None,
                             "max": self.date_max.isoformat() if self.date_max else None,
                             "missing": self.date_missing},
            "problems": [problem_dict(p) for p in self.problems],
            **({"duplicate_of": self.duplicate_of} if self.duplicate_of else {}),
            **({"db_level": self.db_level} if self.db_level else {}),
            **({"no_records": True} if self.no_records else {}),
        }


def _sorted(c: Counter) -> dict:
    return {("blank" if k == " " else k): v for k, v in sorted(c.items())}


def problem_dict(p: Problem) -> dict:
    d = {"file": p.file, "record": p.record, "offset": p.offset, "message": p.message,
         "kind": p.kind}
    for k in ("line", "column", "id", "title"):
        v = getattr(p, k)
        if v is not None:
            d[k] = v
    return d


@dataclass
class Scan:
    """The running result of a scan: per-file summaries and every problem, in order."""

    files: list[FileSummary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def damaged(self) -> int:
        return sum(f.damaged for f in self.files)


def empty_input(files: Iterable) -> dict | None:
    """The first input (of a scan's FileSummary objects, or their dicts) that held no MARC
    record, as a dict (``file``, ``error``, ``format``), None when every input held some:
    such an input is an error, not a 0 % report.  Inputs read twice count once; those that
    could not be read at all keep their own handling (reported, the others processed)."""
    for f in files:
        d = f if isinstance(f, dict) else {"records": f.records, "error": f.error,
                                             "no_records": f.no_records,
                                             "duplicate_of": f.duplicate_of, "file": f.file,
                                             "format": f.format}
        if d.get("duplicate_of") or d.get("records"):
            continue
        if d.get("no_records") or not d.get("error"):
            return d
    return None


class EmptyInput(Exception):
    """An input held no MARC record (``empty_input``); ``scan``: what was read."""

    def __init__(self, scan: "Scan") -> None:
        super().__init__(scan)
        self.scan = scan


def refusing_empty(items: Iterable, scan: "Scan") -> Iterator:
    """``items`` (read by a scan into ``scan``), then ``EmptyInput`` where an input held no
    record: for a writer that writes while it reads, which then throws its temporary file
    away, so nothing is written."""
    yield from items
    if empty_input(scan.files) is not None:
        raise EmptyInput(scan)


def _digest(path: Path) -> str:
    import hashlib  # (only when two inputs have the same size)

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def dedupe_inputs(inputs: Iterable[Input]) -> tuple[list[Input], dict[Input, Input]]:
    """Drop inputs that repeat an earlier input: the same file (under any name: a relative
    and an absolute path, a symbolic or a hard link) or the same content under another name.
    Returns (inputs kept, {repeated input: the earlier one}).  Only files of equal size are
    hashed, so a normal run reads each file once."""
    items = list(inputs)
    dup: dict[Input, Input] = {}
    first_of: dict[object, Input] = {}
    for inp in items:
        key = file_key(inp.path)
        if key in first_of:
            dup[inp] = first_of[key]
        else:
            first_of[key] = inp
    by_size: dict[int, list[Input]] = {}
    for inp in items:
        if inp in dup:
            continue
        try:
            by_size.setdefault(inp.path.stat().st_size, []).append(inp)
        except OSError:
            pass
    for group in by_size.values():
        if len(group) < 2:
            continue
        seen: dict[str, Input] = {}
        for inp in group:
            try:
                d = _digest(inp.path)
            except OSError:
                continue  # the reader says why it cannot be read
            if d in seen:
                dup[inp] = seen[d]
            else:
                seen[d] = inp
    return [i for i in items if i not in dup], dup


def with_record_context(p: Problem, facts: RecordFacts) -> Problem:
    """The problem, naming the record's 001 and title (for the lists a librarian works from)."""
    return Problem(p.file, p.record, p.offset, p.message, p.kind, p.skipped, p.line, p.column,
                   facts.control_number, facts.title)


def sort_problems(summary: FileSummary) -> None:
    summary.problems.sort(key=lambda p: (p.offset if p.offset is not None else -1, p.line or 0))


def scan_one(inp: Input, summary: FileSummary, *, classify: Classifier | None = None,
             encoding: str | None = None, flavour: str | None = None,
             progress: Callable[[int, str], None] | None = None,
             ) -> Iterator[tuple[SourceRecord, RecordFacts]]:
    """Read one input with the careful reader, filling ``summary`` as it goes."""
    try:
        check_marc(inp.path, inp.display)
        reader = open_source(inp.path, encoding=encoding, flavour=flavour, display=inp.display)
    except NotMarc as e:  # a PDF, a Word document, a CSV table... given by mistake
        summary.format = e.sniffed.kind
        summary.error, summary.no_records = str(e), True
        summary.problems.append(Problem(inp.display, None, None, str(e), "no_records"))
        return
    except Exception as e:  # SourceError and OS errors: the file is unreadable
        summary.error = str(e)
        summary.problems.append(Problem(inp.display, None, None, str(e), "unreadable"))
        return
    summary.format = reader.format
    seen_problems = 0
    for src in reader:
        level = None
        if classify is not None:
            level, _ = classify(src, inp.db_level)
        facts = extract_facts(src, level)
        summary.add_read(facts, src.encoding_reason, src.problems)
        # file-level problems (garbage between records...) in the order they happened
        new = reader.problems[seen_problems:]
        seen_problems = len(reader.problems)
        summary.problems.extend(p for p in new if p.record is None)
        if progress is not None:
            progress(reader.size, inp.display)
        yield src, facts
    summary.problems.extend(p for p in reader.problems[seen_problems:] if p.record is None)
    summary.size = reader.size
    sort_problems(summary)
    finish_file(summary)


def finish_file(summary: FileSummary) -> None:
    """After a file was read (by the careful reader or the fast path): a file that held no
    record is an error, with a problem saying so after those that say what was found."""
    if summary.records == 0 and summary.error is None and summary.duplicate_of is None:
        summary.error, summary.no_records = no_records_message(summary.file), True
        summary.problems.append(Problem(summary.file, None, None, summary.error, "no_records"))


def start_file(inp: Input, result: Scan, dup: dict) -> FileSummary | None:
    """Add the input's summary to ``result``; None when it repeats an earlier input."""
    summary = FileSummary(file=inp.display, db_level=inp.db_level)
    result.files.append(summary)
    if inp in dup:
        first = dup[inp]
        summary.duplicate_of = first.display
        if file_key(inp.path) == file_key(first.path):
            result.warnings.append(N_("{display}: the same file as {display2}, given twice; read once, not counted twice").format(
                display=inp.display, display2=first.display))
        else:
            result.warnings.append(N_("{display}: same content as {display2}; read once, not counted twice").format(
                display=inp.display, display2=first.display))
        return None
    return summary


def scan(inputs: Iterable[Input], *, classify: Classifier | None = None,
         encoding: str | None = None, flavour: str | None = None, result: Scan | None = None,
         progress: Callable[[int, str], None] | None = None,
         ) -> Iterator[tuple[SourceRecord, RecordFacts]]:
    """Yield (source record, facts) for every record of every input, in order.

    ``result`` (a Scan) receives the per-file summaries and problems.  ``classify(src,
    db_level) -> (level, reason)`` sets each record's level.  ``progress(n_bytes, file)`` is
    called with the bytes read so far in the current file.  A file that cannot be read
    at all becomes a FileSummary with ``error`` and a problem; the other files are read.
    """
    result = result if result is not None else Scan()
    items = list(inputs)
    _, dup = dedupe_inputs(items)
    for inp in items:
        summary = start_file(inp, result, dup)
        if summary is not None:
            yield from scan_one(inp, summary, classify=classify, encoding=encoding,
                                flavour=flavour, progress=progress)


def scan_facts(inputs: Iterable[Input], **options) -> Iterator[RecordFacts]:
    for _, facts in scan(inputs, **options):
        yield facts
