"""A small MARC record model (leader, control fields, data fields).

Deliberately lighter than pymarc's: the readers build millions of these.  Both
the UNIMARC family (UNIMARC, RUSMARC, KAZMARC) and MARC 21 use it; which one a
record is lives in ``SourceRecord.flavour``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

UNIMARC = "unimarc"
MARC21 = "marc21"
#: IRBIS-64's own field scheme (close to RUSMARC, not the same): 920 worksheet, 907
#: technology, 101 as a plain value, no 100$a (see rabiskit.sources.flavour)
IRBIS = "irbis"
FLAVOURS = (UNIMARC, MARC21, IRBIS)


@dataclass(slots=True)
class Field:
    """One variable field.

    Control fields (tags 001-009, and any field without subfields) keep their text in
    ``data``; data fields keep indicators and an ordered list of (code, value) pairs.
    """

    tag: str
    data: str | None = None
    ind1: str = " "
    ind2: str = " "
    subfields: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_control(self) -> bool:
        return self.data is not None

    def get(self, code: str) -> str | None:
        """First value of subfield ``code``, or None."""
        for c, v in self.subfields:
            if c == code:
                return v
        return None

    def get_all(self, code: str) -> list[str]:
        return [v for c, v in self.subfields if c == code]

    def text(self) -> str:
        """All the field's text: control data, or subfield values joined by spaces."""
        if self.data is not None:
            return self.data
        return " ".join(v for _, v in self.subfields)


@dataclass(slots=True)
class Record:
    leader: str
    fields: list[Field] = field(default_factory=list)

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def get_fields(self, *tags: str) -> list[Field]:
        if not tags:
            return list(self.fields)
        return [f for f in self.fields if f.tag in tags]

    def get_field(self, tag: str) -> Field | None:
        for f in self.fields:
            if f.tag == tag:
                return f
        return None

    def control(self, tag: str) -> str | None:
        """Text of the first control field ``tag`` (e.g. '001', '005', '008')."""
        for f in self.fields:
            if f.tag == tag and f.data is not None:
                return f.data
        return None

    def subfield(self, tag: str, code: str) -> str | None:
        """First value of ``tag``$``code`` over all occurrences of the field."""
        for f in self.fields:
            if f.tag == tag:
                v = f.get(code)
                if v is not None:
                    return v
        return None

    def subfields(self, tag: str, code: str) -> list[str]:
        out: list[str] = []
        for f in self.fields:
            if f.tag == tag:
                out.extend(f.get_all(code))
        return out

    def leader_at(self, pos: int) -> str:
        """One leader position, blank when the leader is short."""
        return self.leader[pos] if len(self.leader) > pos else " "


@dataclass(slots=True)
class SourceRecord:
    """A record as read from a file, with where it came from and how it was decoded."""

    file: str  # the path as given by the user
    number: int  # 1-based position of the record in its file
    offset: int  # byte offset of the record's first byte (XML: the record element's line)
    length: int  # bytes the record occupies in the file (ISO 2709; 0 for XML)
    record: Record
    flavour: str  # UNIMARC, MARC21 or IRBIS
    encoding: str  # 'utf-8', 'marc-8', 'cp1251', 'kz1048', 'cp866', 'koi8-r'
    encoding_reason: str = ""  # how the encoding was decided
    damaged: bool = False  # the reader had to salvage it
    raw: bytes | None = None  # the original ISO 2709 bytes, for byte-identical export
    problems: tuple = ()  # Problem values about this record
    line: int | None = None  # XML: line of the <record> element


# Record types (leader/06) of records that are not bibliographic: they describe no document
# and belong to no catalogue level.  MARC 21: z authority, u v x y holdings, w classification,
# q community information.  UNIMARC: x y z authority (UNIMARC/A: authority entry, reference
# entry, general explanatory entry), and the holdings format (UNIMARC/H) uses u v x y as
# MARC 21 does; no UNIMARC bibliographic record type uses any of these letters.
NOT_BIBLIOGRAPHIC_TYPES = "quvwxyz"

_KINDS = {"z": "authority", "u": "holdings", "v": "holdings", "w": "classification",
          "q": "community information"}
_MARC21_KINDS = {**_KINDS, "x": "holdings", "y": "holdings"}
_UNIMARC_KINDS = {**_KINDS, "x": "authority", "y": "authority"}


def not_bibliographic(record_type: str, flavour: str) -> str | None:
    """Why a record of this type (leader/06) is not bibliographic, e.g. ``authority record
    (leader/06 z)``; None for a bibliographic record.  UNIMARC x and y are authority
    records (UNIMARC/A; the holdings format UNIMARC/H uses them too, rarely seen in
    exports: either way the record is no document of the catalogue)."""
    if len(record_type) != 1 or record_type not in NOT_BIBLIOGRAPHIC_TYPES:
        return None
    kind = (_UNIMARC_KINDS if flavour == UNIMARC else _MARC21_KINDS)[record_type]
    return f"{kind} record (leader/06 {record_type}), not bibliographic"
