"""The digitisation table of a report, fed during the report's own scan (read once).

Uses :mod:`rabiskit.digitisation` when it is installed: ``prepare`` indexes the PDF
folder and reads the log once, and ``DigitisationTally.add(src, facts)`` sees every
record of the report's scan.  The report's period is known before the scan (the quarter
or the year to date, ending on the as-of date); the checks are limited to it
(:func:`within_period`), and :func:`figures` gives the hand-in tables' digitisation by
quarter, last year's and the total.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping

from rabiskit.aggregate.period import Period, quarter_of, report_period
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


class ReportDigitisation:
    """A digitisation tally fed record by record during a report's scan, for the report's
    period (the quarter asked for or the year to date, ending on the as-of date)."""

    def __init__(self, plan: Plan, year: int, quarter: int | None, today: dt.date,
                 pdf_dir: Path | None = None, log: Path | None = None) -> None:
        if not available():
            raise DigitisationUnavailable("the digitisation module is not installed")
        from rabiskit.digitisation import index_pdfs, prepare, read_log

        index = index_pdfs(pdf_dir) if pdf_dir is not None else None
        entries = read_log(log) if log is not None else None
        self.period = report_period(year, quarter, today)
        self.tally = prepare(plan, self.period, index, entries)

    def add(self, src, facts) -> None:
        self.tally.add(src, facts)

    def result(self, period: Period) -> dict[str, Any]:
        """The digitisation JSON for the report's period, its checks (missing PDFs, page
        counts that differ, PDFs with no record) limited to the period's documents (the
        scan's own problems are in the report's appendix, so they are not repeated)."""
        if (period.start, period.end) != (self.period.start, self.period.end):
            raise ValueError(f"no digitisation tally was kept for the period {period.label}")
        return within_period(self.tally.result(), period)


def _where_key(item: Mapping[str, Any]) -> tuple:
    return (item.get("source"), item.get("file"), item.get("record"), item.get("line"))


def within_period(dig: dict[str, Any], period: Period) -> dict[str, Any]:
    """The checks of the digitisation JSON limited to the documents of ``period`` (and
    the PDFs with no record to those created in it, or of no known date)."""
    out = dict(dig)
    inside: set = set()
    if dig.get("missing_pdfs") or dig.get("page_mismatches"):
        inside = {_where_key(d) for d in dig.get("documents") or () if d.get("in_period")}
    for key in ("missing_pdfs", "page_mismatches"):
        items = dig.get(key) or []
        out[key] = [x for x in items if _where_key(x) in inside]
        out[f"{key}_outside_period"] = len(items) - len(out[key])
    orphans = dig.get("orphan_pdfs") or []
    kept = []
    for o in orphans:
        created = str(o.get("created") or "")[:10]
        try:
            day = dt.date.fromisoformat(created) if created else None
        except ValueError:
            day = None
        if day is None or period.contains(day):
            kept.append(o)
    out["orphan_pdfs"] = kept
    out["orphan_pdfs_outside_period"] = len(orphans) - len(kept)
    return out


Figures = tuple[int, int, int, int]


def _figure_rows(docs):
    """(date digitised or None, type, in Kazakh, pages or None) of each of the digitisation
    JSON's documents (``Documents.figure_rows`` when the documents are kept on disk)."""
    rows = getattr(docs, "figure_rows", None)
    if rows is not None:
        yield from rows()
        return
    for doc in docs:
        text = doc.get("date")
        yield (dt.date.fromisoformat(text) if text else None, doc.get("type"),
               doc.get("language") == "kaz", doc.get("pages"))


def _add(acc: dict[str, list[int]], kind: str, kazakh: bool, pages: int | None) -> None:
    row = acc.setdefault(kind, [0, 0, 0, 0])
    pages = pages or 0
    row[0] += 1
    row[1] += 1 if kazakh else 0
    row[2] += pages
    row[3] += pages if kazakh else 0


def figures(dig: Mapping[str, Any], period: Period, as_of: dt.date
            ) -> tuple[dict[int, dict[str, Figures]], dict[str, Figures], Figures, int]:
    """From the digitisation JSON's documents: ({quarter: {type: (documents, Kazakh
    documents, pages, Kazakh pages)}} for the quarters of the period's year up to its
    end, the same for the year to the period's end, last year's totals, and the number
    of documents digitised up to the as-of date in all)."""
    y = period.year
    end = period.end
    by_q: dict[int, dict[str, list[int]]] = {}
    year: dict[str, list[int]] = {}
    last: dict[str, list[int]] = {}
    all_time = 0
    for d, kind, kazakh, pages in _figure_rows(dig.get("documents") or ()):
        if d is None:
            continue
        kind = kind or "other"
        if d <= max(end, as_of) and d <= as_of:
            all_time += 1
        if d.year == y and d <= end:
            _add(by_q.setdefault(quarter_of(d), {}), kind, kazakh, pages)
            _add(year, kind, kazakh, pages)
        elif d.year == y - 1:
            _add(last, kind, kazakh, pages)
    last_total = [0, 0, 0, 0]
    for row in last.values():
        last_total = [a + b for a, b in zip(last_total, row)]
    quarters = {q: {k: tuple(v) for k, v in by_q.get(q, {}).items()}
                for q in range(1, quarter_of(end) + 1)}
    return (quarters, {k: tuple(v) for k, v in year.items()},  # type: ignore[return-value,misc]
            tuple(last_total), all_time)  # type: ignore[return-value]
