"""Closed quarters in a report: the frozen numbers handed in, and the corrections since.

A report read from a ledger (``rabiskit report --ledger``) shows, for every quarter of its
year that is closed in the ledger (``rabiskit ledger close 2026Q1``), the numbers frozen
when it was closed (the quarter's snapshot), not the ledger's current ones; the year to
date is the sum of the quarters as shown.  What later imports changed in a closed quarter
(:class:`rabiskit.ledger.corrections.Correction`) is listed in a table of its own, with the
difference it would make per level.

:func:`closures_from` turns the ledger's :class:`~rabiskit.ledger.closing.ClosedQuarter`
objects (and the import dates) into a :class:`Closures`, which ``build_report`` takes;
reading them from the ledger is :func:`rabiskit.report.run.ledger_closures`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from rabiskit.i18n import N_
from rabiskit.aggregate.count import LevelCount
from rabiskit.ledger.corrections import Correction

if TYPE_CHECKING:
    from rabiskit.ledger.closing import ClosedQuarter


@dataclass(frozen=True)
class ReportCorrection(Correction):
    """One correction of a closed quarter, as a report lists it: the ledger's
    :class:`~rabiskit.ledger.corrections.Correction` (``what`` is the importer's description,
    English, fixed phrases, see :func:`rabiskit.report.messages.what_text`), with its
    quarter and when the import that made it finished (ISO 8601, UTC; None when
    unknown)."""

    quarter: int = 0
    imported_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        d.update(quarter=self.quarter, imported_at=self.imported_at)
        return {k: d[k] for k in _REPORT_KEYS}


_REPORT_KEYS = ("quarter", "period", "database", "key", "control_number", "title", "file",
                "record", "kind", "before", "after", "what", "import_id", "imported_at")


@dataclass
class FrozenQuarter:
    """A closed quarter of the report's year: when it was closed, its frozen per-level
    counts (from the snapshot), its corrections and their per-level difference
    ({level: {"total": n, "kazakh": n}}, only levels that change)."""

    quarter: int
    period: str
    closed_at: str
    counts: dict[str, LevelCount]
    corrections: list[ReportCorrection] = field(default_factory=list)
    delta: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def closed_on(self) -> str:
        """The day it was closed (YYYY-MM-DD)."""
        return self.closed_at[:10]

    def delta_total(self) -> dict[str, int]:
        return {"total": sum(d["total"] for d in self.delta.values()),
                "kazakh": sum(d["kazakh"] for d in self.delta.values())}


@dataclass
class Closures:
    """The closed quarters of a report's year, by quarter number (1..4)."""

    year: int
    quarters: dict[int, FrozenQuarter] = field(default_factory=dict)

    def get(self, quarter: int) -> FrozenQuarter | None:
        return self.quarters.get(quarter)

    def within(self, quarters: Iterable[int]) -> list[FrozenQuarter]:
        """The closed ones among ``quarters``, in order."""
        return [self.quarters[q] for q in sorted(set(quarters)) if q in self.quarters]


def frozen_counts(snapshot: Mapping[str, Any]) -> dict[str, LevelCount]:
    """{level: LevelCount} from a closed quarter's snapshot (count's JSON: each level's
    ``total`` and ``languages``)."""
    out: dict[str, LevelCount] = {}
    for level, v in (snapshot.get("levels") or {}).items():
        languages = Counter({str(k): int(n) for k, n in (v.get("languages") or {}).items()})
        out[level] = LevelCount(int(v.get("total") or 0), languages)
    return out


def closures_from(closed: Iterable["ClosedQuarter"], year: int,
                  import_times: Mapping[int, str] | None = None) -> Closures:
    """The Closures of ``year`` from the ledger's closed quarters (other years ignored);
    ``import_times``: {import id: when} for the corrections' import dates."""
    times = import_times or {}
    out = Closures(year)
    for cq in closed:
        if cq.year != year:
            continue
        corrections = [ReportCorrection(
            **{f.name: getattr(c, f.name) for f in fields(Correction)},
            quarter=cq.quarter, imported_at=times.get(c.import_id))
            for c in cq.corrections]
        out.quarters[cq.quarter] = FrozenQuarter(cq.quarter, cq.period, cq.closed_at,
                                                 frozen_counts(cq.snapshot), corrections,
                                                 cq.delta())
    return out


def closure_warnings(closures: Closures | None, quarters: Iterable[int]) -> list[str]:
    """One line per closed quarter among ``quarters`` that has corrections, for the
    command line (English, as its other warnings): the report shows the numbers handed
    in and lists the corrections."""
    if closures is None:
        return []
    return [N_("{period} was closed on {closed_on}; the report shows the numbers handed in then and lists the {n} correction(s) since under 'Corrections to closed quarters'").format(
        period=fq.period, closed_on=fq.closed_on, n=len(fq.corrections))
            for fq in closures.within(quarters) if fq.corrections]


__all__ = ["Closures", "FrozenQuarter", "ReportCorrection", "closure_warnings", "closures_from",
           "frozen_counts"]
