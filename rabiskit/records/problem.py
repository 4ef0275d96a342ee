"""Problems found while reading: every one names the file, record and byte offset."""

from __future__ import annotations

import re
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


_LEADING_NUMBER = re.compile(r"^\d+ ")
_RANGE = re.compile(r" \(bytes \d+-\d+\)$")


def merge_skipped(prev: Problem, new: Problem) -> Problem | None:
    """One problem for two runs of skipped bytes that touch (``new`` starts where ``prev``
    ends, no record between them), or None when they do not.  A file of a million record
    terminators, or of random bytes, then gives one problem naming the bytes skipped and
    their range, not a million problems."""
    if (prev.record is not None or new.record is not None or prev.file != new.file
            or not prev.skipped or not new.skipped or prev.offset is None or new.offset is None
            or prev.offset + prev.skipped != new.offset):
        return None
    first = prev.offset
    skipped = prev.skipped + new.skipped
    template = _template(prev)
    if template == _template(new) and prev.kind == new.kind:
        text, kind = f"{skipped} {template}", prev.kind
    else:
        kind = prev.kind if prev.kind == new.kind else "garbage"
        text = (f"{skipped} byte(s) of white space between records skipped" if kind == "separator"
                else f"{skipped} byte(s) that do not form a MARC record skipped")
    return Problem(prev.file, None, first, f"{text} (bytes {first}-{first + skipped - 1})", kind,
                   skipped)


def _template(p: Problem) -> str:
    """The message without its leading byte count and its '(bytes A-B)' ending."""
    return _LEADING_NUMBER.sub("", _RANGE.sub("", p.message))
