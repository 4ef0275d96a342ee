"""What every source reader offers: iterate SourceRecords, collect Problems as it goes.

A reader never raises for bad data: damage becomes a Problem (file, record number,
byte offset, message) and reading goes on.  Only an unreadable file (missing,
permission denied) raises ``SourceError`` before the first record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from rabiskit.records import Problem, SourceRecord


class SourceError(Exception):
    """The file cannot be read at all (does not exist, is a folder, permission denied)."""


class Reader:
    """Base class: subclasses implement ``_records``; problems land in ``self.problems``."""

    format: str = "?"

    def __init__(self, path: str | Path, *, encoding: str | None = None, flavour: str | None = None,
                 display: str | None = None):
        self.path = Path(path)
        self.display = display if display is not None else str(path)
        self.encoding = encoding  # forced encoding, or None to detect per record
        self.flavour = flavour  # forced flavour, or None to detect per record
        self.problems: list[Problem] = []
        self.records_read = 0
        self.size = 0

    def problem(self, record: int | None, offset: int | None, message: str, kind: str = "damage",
                **extra) -> Problem:
        p = Problem(self.display, record, offset, message, kind, **extra)
        self.problems.append(p)
        return p

    def __iter__(self) -> Iterator[SourceRecord]:
        for rec in self._records():
            self.records_read += 1
            yield rec

    def _records(self) -> Iterator[SourceRecord]:  # pragma: no cover - abstract
        raise NotImplementedError
