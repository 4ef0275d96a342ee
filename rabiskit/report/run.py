"""One scan of the exports for a report: the counts, the file summaries and (when the
digitisation module is there) the digitisation tallies, all from the same records.
From a ledger, also its closed quarters (:func:`ledger_closures`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from rabiskit.aggregate.count import OperatorTally, Tally, classifier_for, planned_levels
from rabiskit.aggregate.period import Period
from rabiskit.aggregate.period import report_period as period_for_report
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan, scan
from rabiskit.plan.model import Plan
from rabiskit.report.closed import Closures, closures_from
from rabiskit.report.digitisation import ReportDigitisation
from rabiskit.report.model import HandInContext
from rabiskit.report.statistics import CatalogueStock


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
    #: last year's actuals, the digitisation by quarter and the 6-НК figures
    context: HandInContext = field(default_factory=HandInContext)
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
    period = period_for_report(y, quarter, today)
    tally = Tally(Period.for_year(y), until=today)
    last_year = Tally(Period.for_year(y - 1), until=today)
    stock = CatalogueStock(y, period.end if period.quarter is None else min(
        today, dt.date(y, 12, 31)))
    operators: OperatorTally | None = OperatorTally.for_plan(plan)
    for src, facts in pairs:
        tally.add(facts)
        last_year.add(facts)
        stock.add(facts)
        if digitisation is not None:
            digitisation.add(src, facts)
        if src is None:
            operators = None  # e.g. from a ledger: no fields to name the cataloguer
        elif operators is not None:
            operators.add(src, facts)
    dig = digitisation.result(period) if digitisation is not None else None
    planned = planned_levels(plan)
    last_records = (sum(lc.total for q in last_year.quarters.values()
                        for lv, lc in q.items() if lv in planned),
                    sum(lc.kazakh for q in last_year.quarters.values()
                        for lv, lc in q.items() if lv in planned))
    context = HandInContext(last_year_records=last_records)
    if dig is not None:
        from rabiskit.report.digitisation import figures

        by_q, year_figs, last_figs, all_time = figures(dig, period, today)
        context.digitised_quarters, context.digitised_year = by_q, year_figs
        context.last_year_digitised = last_figs
        context.statistics = stock.result(sum(f[0] for f in year_figs.values()), all_time)
    else:
        context.statistics = stock.result(None, None)
    return ReportScan(tally, summary, period, dig, closures, operators=operators, context=context)


def report_of(rs: ReportScan, plan: Plan, *, lang: str = "kk", as_of: dt.date | None = None,
              warnings: Iterable[str] | None = None, csv_dialect: str = "comma"):
    """The :class:`~rabiskit.report.table.Report` of a ReportScan (its ``data`` is what
    ``rabiskit report -o FILE.json`` writes)."""
    from rabiskit.report.model import build_report
    from rabiskit.report.operators import add_operators

    report = build_report(rs.tally, rs.scan, plan, rs.period, lang,
                          produced=as_of or dt.date.today(), digitisation=rs.digitisation,
                          warnings=rs.scan.warnings if warnings is None else warnings,
                          closures=rs.closures, context=rs.context)
    report.csv_dialect = csv_dialect
    add_operators(report, rs.operators, plan, rs.period)
    return report


def make_report(inputs: Iterable[Input], plan: Plan, *, lang: str = "kk",
                year: int | None = None, quarter: int | None = None,
                as_of: dt.date | None = None, pdf_dir=None, log=None,
                encoding: str | None = None, flavour: str | None = None,
                progress: Callable[[int, str], None] | None = None,
                csv_dialect: str = "comma"):
    """The report of the exports ``inputs`` against ``plan``, as ``rabiskit report`` makes
    it: the quarter ``quarter`` (else the year to date) of ``year`` (else the plan's), as
    on ``as_of`` (default today), with the digitisation tables when the digitisation
    module is there (``pdf_dir``/``log`` as --pdf-dir/--log).  Returns the Report; its
    ``data`` is the report's JSON document, and :func:`rabiskit.report.outputs.
    write_output` writes it in any format.  Raises PeriodError for a period that has not
    started, and the digitisation module's errors for a bad PDF folder or log."""
    from rabiskit.report.digitisation import available

    as_of = as_of or dt.date.today()
    y = year or plan.year
    dig = None
    if available():
        dig = ReportDigitisation(plan, y, quarter, as_of, pdf_dir, log)
    elif pdf_dir is not None or log is not None:
        raise ValueError("--pdf-dir and --log need the digitisation module, which is not installed")
    rs = scan_for_report(inputs, plan, year=y, quarter=quarter, today=as_of, encoding=encoding,
                         flavour=flavour, digitisation=dig, progress=progress)
    return report_of(rs, plan, lang=lang, as_of=as_of, csv_dialect=csv_dialect)
