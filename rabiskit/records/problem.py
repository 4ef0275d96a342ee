"""Problems found while reading: every one names the file, record and byte offset."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    record: int | None  # 1-based record number in the file, None for file-level problems
    offset: int | None  # byte offset in the file where the problem is
    message: str  # plain words for the librarian
    kind: str = "damage"  # stable code, e.g. 'leader_length', 'garbage', 'truncated', 'xml_syntax'
    skipped: int = 0  # bytes that belong to no record (accounted for here)
    line: int | None = None  # XML: line of the fault
    column: int | None = None  # XML: column of the fault
    id: str | None = None  # 001 of the record, where known
    title: str | None = None  # title of the record, where known

    def as_dict(self) -> dict:
        d = asdict(self)
        return {k: v for k, v in d.items() if v is not None}

    def location(self) -> str:
        parts = [self.file]
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.offset is not None:
            parts.append(f"byte {self.offset}")
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"
