"""A correction: what a later import changes in a closed quarter, for one record.

Its own module (no SQLite, no importer) because the reports list corrections too
(``rabiskit.report.closed``): a report of export files should not load the importer to
know the shape of one (about 15 ms of its start-up).  ``rabiskit.ledger.importer`` finds
them and gives them in ``ImportResult.corrections``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Correction:
    """What a later import changes in a closed quarter, for one record.

    ``before``/``after`` are (level, first language) of the record's contribution to the
    quarter, or None when it did not (or no longer does) count there."""

    period: str
    import_id: int
    database: str
    key: str
    control_number: str | None
    title: str | None
    file: str | None
    record: int | None
    kind: str  # added | removed | changed
    before: tuple[str, str] | None
    after: tuple[str, str] | None
    what: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["before"] = None if self.before is None else {"level": self.before[0],
                                                          "language": self.before[1]}
        d["after"] = None if self.after is None else {"level": self.after[0],
                                                        "language": self.after[1]}
        return d


__all__ = ["Correction"]
