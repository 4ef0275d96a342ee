"""Where the audit keeps its findings while the records stream past: on disk, not in memory.

An audit of a million records can find a million things, and every output lists them all,
so the findings of the per-record checks are spooled, one temporary file per kind (kept in
memory until it holds a few megabytes; removed when the store is closed or collected), and
read back in the order the outputs list them: by kind, then file, then record number, in
the order they were found when those are equal (the stable sort ``Finding.sort_key`` gave
when they were all held in a list).

Records usually arrive in file order, record after record, so each kind's spool is a few
*runs* already in order; runs of one file name are merged by record number, and the files
are listed in the order of their names.
"""

from __future__ import annotations

import heapq
import marshal
import struct
import tempfile
from dataclasses import dataclass, field
from typing import IO, Callable, Iterable, Iterator

from rabiskit.audit.findings import KINDS, Finding

#: bytes of one kind's spool kept in memory before it goes to a temporary file
IN_MEMORY = 4 << 20
#: each row is spooled as its length and its marshalled tuple (``marshal.load`` from a
#: spooled file reads a few bytes at a time, through Python: far slower than two reads)
_LENGTH = struct.Struct("<I")


def write_row(fh: IO[bytes], row: tuple) -> None:
    data = marshal.dumps(row)
    fh.write(_LENGTH.pack(len(data)) + data)


def read_row(fh: IO[bytes]) -> tuple:
    (n,) = _LENGTH.unpack(fh.read(4))
    return marshal.loads(fh.read(n))


def read_rows(fh: IO[bytes], count: int, chunk: int = 1 << 20) -> Iterator[tuple]:
    """``count`` rows from the file's position on, read in chunks."""
    buf = b""
    pos = 0
    for _ in range(count):
        if len(buf) - pos < 4:
            buf = buf[pos:] + fh.read(chunk)
            pos = 0
        (n,) = _LENGTH.unpack_from(buf, pos)
        if len(buf) - pos < 4 + n:
            buf = buf[pos:] + fh.read(max(chunk, 4 + n))
            pos = 0
        yield marshal.loads(buf[pos + 4:pos + 4 + n])
        pos += 4 + n


def _row(f: Finding) -> tuple:
    return (f.kind, f.file, f.record, f.offset, f.id, f.title, f.field, f.evidence,
            f.confidence, f.level, f.languages, f.line, f.group)


def _finding(row: tuple) -> Finding:
    return Finding(*row)


@dataclass
class _Run:
    """Findings of one kind, of one file, in ascending record numbers, at ``start``."""

    file: str
    start: int
    count: int = 0
    last: int = 0


@dataclass
class _Spool:
    kind: str
    fh: IO[bytes]
    presorted: bool = False  # added in the order they are listed: one run
    runs: list[_Run] = field(default_factory=list)

    def add(self, f: Finding) -> None:
        run = self.runs[-1] if self.runs else None
        if run is None or (not self.presorted and (run.file != f.file or f.record < run.last)):
            run = _Run(f.file, self.fh.tell())
            self.runs.append(run)
        write_row(self.fh, _row(f))
        run.count += 1
        run.last = f.record

    def _read_run(self, run: _Run) -> Iterator[Finding]:
        pos = run.start
        for _ in range(run.count):
            self.fh.seek(pos)
            row = read_row(self.fh)
            pos = self.fh.tell()
            yield _finding(row)

    def sorted(self) -> Iterator[Finding]:
        """The kind's findings by file name, then record, then as found."""
        if not self.runs:
            return
        end = self.fh.tell()
        by_file: dict[str, list[_Run]] = {}
        for run in self.runs:
            by_file.setdefault(run.file, []).append(run)
        try:
            if len(self.runs) == 1:  # the usual case: read straight through
                self.fh.seek(self.runs[0].start)
                for row in read_rows(self.fh, self.runs[0].count):
                    yield _finding(row)
                return
            for name in sorted(by_file):
                runs = by_file[name]
                if len(runs) == 1:
                    yield from self._read_run(runs[0])
                else:
                    yield from heapq.merge(*(self._read_run(r) for r in runs),
                                           key=lambda f: f.record)
        finally:  # (a reader left half-way, e.g. by a failed write, may end after close)
            if not self.fh.closed:
                self.fh.seek(end)


class FindingStore:
    """Findings of every kind, counted and spooled; :meth:`sorted` gives them back in the
    order the outputs list them.  Findings that carry a ``group`` (duplicates, repeated
    001s) are added once, already sorted, with :meth:`add_grouped`."""

    def __init__(self, in_memory: int = IN_MEMORY) -> None:
        """``in_memory``: bytes of findings of one kind kept in memory before they go to
        a temporary file."""
        self.in_memory = in_memory
        self.counts: dict[str, int] = {k: 0 for k in KINDS}
        self._spools: dict[str, _Spool] = {}
        self._made: dict[str, Callable[[], Iterator[Finding]]] = {}  # see add_made
        self._made_texts: dict[str, Callable[[], Iterator[str]]] = {}
        self._made_bytes: dict[str, Callable[[str, int | None], Iterator[bytes]]] = {}
        self._on_close: list[Callable[[], None]] = []

    def _spool(self, kind: str, presorted: bool = False) -> _Spool:
        spool = self._spools.get(kind)
        if spool is None:
            spool = self._spools[kind] = _Spool(
                kind, tempfile.SpooledTemporaryFile(self.in_memory), presorted)
        return spool

    def add(self, f: Finding) -> None:
        self._spool(f.kind).add(f)
        self.counts[f.kind] = self.counts.get(f.kind, 0) + 1

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def add_grouped(self, kind: str, findings: Iterable[Finding]) -> None:
        """Findings of ``kind`` already in their listing order (by group, file, record),
        spooled as they come; added once per kind."""
        spool = self._spool(kind, presorted=True)
        for f in findings:
            spool.add(f)
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def add_made(self, kind: str, count: int, make: Callable[[], Iterator[Finding]],
                 close: Callable[[], None] | None = None,
                 texts: Callable[[], Iterator[str]] | None = None,
                 pieces: Callable[[str, int | None], Iterator[bytes]] | None = None) -> None:
        """``count`` findings of ``kind`` that ``make()`` gives, in their listing order,
        each time they are listed (e.g. the duplicates, made from the duplicate index
        while they are written: not spooled); ``close`` when the store is closed.
        ``texts()``: their JSON texts (``Finding.json_text``), in that order, made
        without the findings (quicker), when given; ``pieces(prefix, parts)``: those texts,
        ``prefix`` before each, as UTF-8 bytes made in ``parts`` side by side (see
        :meth:`json_bytes`)."""
        self._made[kind] = make
        if texts is not None:
            self._made_texts[kind] = texts
        if pieces is not None:
            self._made_bytes[kind] = pieces
        self.counts[kind] = self.counts.get(kind, 0) + count
        if close is not None:
            self._on_close.append(close)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def kinds(self) -> list[str]:
        """The kinds found, known ones in their listing order, unknown ones after."""
        found = [k for k, n in self.counts.items() if n]
        return sorted(found, key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS))

    def of_kind(self, kind: str) -> Iterator[Finding]:
        made = self._made.get(kind)
        if made is not None:
            yield from made()
            return
        spool = self._spools.get(kind)
        if spool is not None:
            yield from spool.sorted()

    def sorted(self) -> Iterator[Finding]:
        for kind in self.kinds():
            yield from self.of_kind(kind)

    def texts(self) -> Iterator[str]:
        """The JSON text of every finding (``Finding.json_text``), in ``sorted``'s order."""
        for kind in self.kinds():
            made = self._made_texts.get(kind)
            if made is not None:
                yield from made()
            else:
                for f in self.of_kind(kind):
                    yield f.json_text()

    def json_bytes(self, prefix: str, parts: int | None = None) -> Iterator[bytes]:
        """``texts()``, ``prefix`` before each, as UTF-8 bytes: the same text, the long runs
        of made findings (the duplicates) made in ``parts`` processes side by side
        (``rabiskit.audit.spread``; default: one per usable core; 1: here)."""
        from rabiskit.audit.spread import encoded

        for kind in self.kinds():
            made = self._made_bytes.get(kind)
            if made is not None:
                yield from made(prefix, parts)
                continue
            texts = self._made_texts.get(kind)
            yield from encoded(texts() if texts is not None
                               else (f.json_text() for f in self.of_kind(kind)), prefix)

    def close(self) -> None:
        for spool in self._spools.values():
            spool.fh.close()
        self._spools.clear()
        self._made.clear()
        self._made_texts.clear()
        self._made_bytes.clear()
        for close in self._on_close:
            close()
        self._on_close.clear()
