"""The digitisation table of a report, fed during the report's own scan (read once).

Uses :mod:`rabiskit.digitisation` when it is installed: ``prepare`` indexes the PDF
folder and reads the log once, and ``DigitisationTally.add(src, facts)`` sees every
record of the report's scan.  Without ``--quarter`` the report's period (the year to
date) is only known after the scan (it reaches the latest record date), so one tally is
kept for each period it can still be (quarters 1..n for each n not yet ruled out by
today's date); they share the PDF index and the log, and ``result(period)`` answers
from the one that matches.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rabiskit.aggregate.period import Period, quarter_bounds, quarter_of
from rabiskit.plan.model import Plan


class DigitisationUnavailable(RuntimeError):
    pass


def available() -> bool:
    """Whether the digitisation module is installed."""
    try:
        import rabiskit.digitisation as d  # noqa: F401
    except ImportError:
        return False
    return hasattr(d, "DigitisationTally") and hasattr(d, "prepare")


def candidate_periods(year: int, quarter: int | None, today: dt.date) -> list[Period]:
    """The periods the report can end up covering: the quarter asked for, else the year to
    date up to each quarter not yet ruled out by ``today``."""
    if quarter is not None:
        return [Period.for_quarter(year, quarter)]
    if today.year > year:
        first = 4
    elif today.year < year:
        first = 1
    else:
        first = quarter_of(today)
    out = []
    for q in range(first, 5):
        if q == 4:
            out.append(Period.for_year(year))
        else:
            out.append(Period(year, None, dt.date(year, 1, 1), quarter_bounds(year, q)[1]))
    return out


class ReportDigitisation:
    """Digitisation tallies fed record by record during a report's scan."""

    def __init__(self, plan: Plan, year: int, quarter: int | None, today: dt.date,
                 pdf_dir: Path | None = None, log: Path | None = None) -> None:
        if not available():
            raise DigitisationUnavailable("the digitisation module is not installed")
        from rabiskit.digitisation import index_pdfs, prepare, read_log

        index = index_pdfs(pdf_dir) if pdf_dir is not None else None
        entries = read_log(log) if log is not None else None
        self.tallies = {(p.start, p.end): prepare(plan, p, index, entries)
                        for p in candidate_periods(year, quarter, today)}

    def add(self, src, facts) -> None:
        for tally in self.tallies.values():
            tally.add(src, facts)

    def result(self, period: Period) -> dict[str, Any]:
        """The digitisation JSON for the report's period (the scan's own problems are in
        the report's appendix, so they are not repeated here)."""
        tally = self.tallies.get((period.start, period.end))
        if tally is None:
            raise ValueError(f"no digitisation tally was kept for the period {period.label}")
        return tally.result()
