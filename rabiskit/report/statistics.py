"""The figures of the annual state statistics form 6-НК about the electronic catalogue,
gathered record by record during the report's own scan (see
:class:`rabiskit.report.handin.AnnualStatistics` for what each one means)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rabiskit.facts.model import RecordFacts
from rabiskit.report.handin import AnnualStatistics


@dataclass
class CatalogueStock:
    """Records created and withdrawn in ``year`` up to ``end`` (the year's end or the
    as-of date), and the records in the catalogue on ``end``."""

    year: int
    end: dt.date
    created: int = 0
    withdrawn: int = 0
    withdrawn_undated: int = 0
    in_catalogue: int = 0
    undated: int = 0

    def add(self, f: RecordFacts) -> None:
        if f.is_deleted:
            changed = f.date_changed.date() if f.date_changed is not None else None
            if changed is None:
                self.withdrawn_undated += 1
            elif changed.year == self.year and changed <= self.end:
                self.withdrawn += 1
            return
        d = f.date_entered
        if d is None:
            self.undated += 1
            self.in_catalogue += 1
            return
        if d > self.end:
            return
        self.in_catalogue += 1
        if d.year == self.year:
            self.created += 1

    def add_count(self, d: dt.date, n: int) -> None:
        """``n`` undeleted records entered on ``d`` (as ``add`` counts each)."""
        if d > self.end:
            return
        self.in_catalogue += n
        if d.year == self.year:
            self.created += n

    def result(self, digitised_year: int | None, digitised_total: int | None) -> AnnualStatistics:
        return AnnualStatistics(self.created, self.withdrawn, self.withdrawn_undated,
                                self.in_catalogue, self.undated, digitised_year, digitised_total)
