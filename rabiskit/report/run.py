"""One scan of the exports for a report: the counts, the file summaries and (when the
digitisation module is there) the digitisation tallies, all from the same records.
From a ledger, also its closed quarters (:func:`ledger_closures`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from rabiskit.aggregate.count import OperatorTally, Tally, classifier_for
from rabiskit.aggregate.period import Period
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan, scan
from rabiskit.plan.model import Plan
from rabiskit.report.closed import Closures, closures_from
from rabiskit.report.digitisation import ReportDigitisation
from rabiskit.report.model import report_period


@dataclass
class ReportScan:
    """What a report is built from: the Tally of the whole year, the Scan summary, the
    report's period, the digitisation JSON (None without the digitisation module) and
    the ledger's closed quarters of the year (None: the records did not come from a
    ledger)."""

    tally: Tally
    scan: Scan
    period: Period
    digitisation: dict[str, Any] | None
    closures: Closures | None = field(default=None)
    operators: OperatorTally | None = field(default=None)  # None: records without their fields


def ledger_closures(ledger, year: int) -> Closures:
    """The closed quarters of ``year`` kept in ``ledger`` (a :class:`rabiskit.ledger.store.
    Ledger`), with their frozen numbers, corrections and the dates of the imports that
    made them."""
    from rabiskit.ledger.closing import closed_quarters, import_times

    return closures_from(closed_quarters(ledger, year), year, import_times(ledger))


def scan_for_report(inputs: Iterable[Input], plan: Plan, *, year: int | None = None,
                    quarter: int | None = None, today: dt.date | None = None,
                    encoding: str | None = None, flavour: str | None = None,
                    digitisation: ReportDigitisation | None = None,
                    progress: Callable[[int, str], None] | None = None) -> ReportScan:
    """Read every input once; count the year ``year`` (default: the plan's) and pick the
    report's period: ``quarter``, else the year to date."""
    result = Scan()
    pairs = scan(inputs, classify=classifier_for(plan), encoding=encoding, flavour=flavour,
                 result=result, progress=progress)
    return report_from_records(pairs, result, plan, year=year, quarter=quarter, today=today,
                               digitisation=digitisation)


def report_from_records(pairs: Iterable[tuple[Any, RecordFacts]], summary: Scan, plan: Plan, *,
                        year: int | None = None, quarter: int | None = None,
                        today: dt.date | None = None,
                        digitisation: ReportDigitisation | None = None,
                        closures: Closures | None = None) -> ReportScan:
    """The same from (SourceRecord or None, RecordFacts) pairs already classified, e.g. the
    facts kept in a ledger; ``summary`` is the Scan describing where they came from;
    ``closures``: the ledger's closed quarters of the year (see ``ledger_closures``)."""
    today = today or dt.date.today()
    y = year or plan.year
    tally = Tally(Period.for_year(y))
    operators: OperatorTally | None = OperatorTally.for_plan(plan)
    for src, facts in pairs:
        tally.add(facts)
        if digitisation is not None:
            digitisation.add(src, facts)
        if src is None:
            operators = None  # e.g. from a ledger: no fields to name the cataloguer
        elif operators is not None:
            operators.add(src, facts)
    period = report_period(plan, tally, year=y, quarter=quarter, today=today)
    dig = digitisation.result(period) if digitisation is not None else None
    return ReportScan(tally, summary, period, dig, closures, operators)
