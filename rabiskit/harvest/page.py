"""One page of a harvest: the records of one SRU or OAI-PMH answer and where to go next."""

from __future__ import annotations

from dataclasses import dataclass, field

from rabiskit.harvest.records import HarvestedRecord


@dataclass
class Page:
    """What one answer brought.

    records: the MARC records, in the server's order.
    next: where the following page starts: the SRU startRecord (int) or the OAI-PMH
        resumption token (str); None when this was the last page.
    total: records in the whole result as the server counts them (SRU numberOfRecords,
        OAI-PMH completeListSize), None when the server does not say.
    done: how many of ``total`` are behind us after this page (SRU: positions passed),
        None when unknown (the harvester then counts records itself).
    deleted: OAI-PMH records with header status="deleted" on this page (never in ``records``).
    deleted_ids: their OAI identifiers (as far as the headers give them).
    skipped: messages about records the server could not deliver (SRU surrogate diagnostics).
    """

    records: list[HarvestedRecord]
    next: int | str | None
    total: int | None = None
    done: int | None = None
    deleted: int = 0
    deleted_ids: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
