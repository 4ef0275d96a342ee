"""Per-record facts: the small immutable value every count, report and audit works from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rabiskit.records.record import not_bibliographic

#: how many of the records entered after a report's as-of date the report lists one by one
#: (the first in the order they are read; all of them are counted).  As of today they are
#: entry errors, dates in the future; as of a past day they are the later work, which can
#: be most of a catalogue: a hand-in appendix of every one would help nobody.
AFTER_AS_OF_LISTED = 100


@dataclass(frozen=True, slots=True)
class RecordFacts:
    file: str
    record: int  # 1-based record number in the file
    offset: int  # byte offset of the record in the file (XML: 0)
    control_number: str | None  # 001
    flavour: str  # 'unimarc' or 'marc21'
    encoding: str  # encoding used to decode the record
    record_status: str  # leader/05 (n new, c corrected, d deleted ...)
    record_type: str  # leader/06
    bibliographic_level: str  # leader/07
    languages: tuple[str, ...]  # languages of the text, first = main; ('und',) when none coded
    languages_coded: bool  # False when no language was coded at all
    date_entered: dt.date | None
    date_entered_source: str  # '100$a/0-7', '008/00-05', '801$c', or '' when none
    date_entered_problem: str | None  # why there is no date entered (missing / invalid ...)
    date_entered_raw: str | None  # the text the date was read from
    date_changed: dt.datetime | None  # 005
    title: str | None
    isbn: tuple[str, ...]
    links: tuple[str, ...]  # 856$u
    extent: str | None  # 215$a / 300$a
    pages: int | None  # pages from the extent
    article_pages: int | None  # pages from 463$v / 773$g
    host_title: str | None  # 463$t / 773$t
    damaged: bool = False
    level: str | None = None  # catalogue level, set by the level rules
    line: int | None = None  # XML: line of the record element

    @property
    def language(self) -> str:
        return self.languages[0] if self.languages else "und"

    @property
    def is_deleted(self) -> bool:
        return self.record_status == "d"

    @property
    def not_bibliographic(self) -> str | None:
        """Why the record is no bibliographic record (authority, holdings, classification,
        community information: leader/06), or None.  Such records belong to no level."""
        return not_bibliographic(self.record_type, self.flavour)
