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
from rabiskit.report.document import HandInContext
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
    operators: OperatorTally | None = field(default=None)  # None: records without their fields
    #: last year's actuals, the digitisation by quarter and the 6-НК figures
    context: HandInContext = field(default_factory=HandInContext)


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
    # the period ends on the as-of date (``today``): records dated after it are not counted
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
    return ReportScan(tally, summary, period, dig, closures, operators, context)


def report_digitisation(plan: Plan, year: int, quarter: int | None, today: dt.date,
                        pdf_dir=None, log=None) -> ReportDigitisation | None:
    """The digitisation tallies a report keeps, or None without the digitisation module
    (ValueError when ``pdf_dir`` or ``log`` is given then).  Raises the digitisation
    module's PdfFolderError / LogError for a bad folder or log."""
    from rabiskit.report.digitisation import available

    if available():
        return ReportDigitisation(plan, year, quarter, today, pdf_dir, log)
    if pdf_dir is not None or log is not None:
        raise ValueError("--pdf-dir and --log need the digitisation module, which is not "
                         "installed")
    return None


def report_from_ledger(ledger, plan: Plan, *, year: int | None = None,
                       quarter: int | None = None, today: dt.date | None = None,
                       digitisation: ReportDigitisation | None = None,
                       warnings: Iterable[str] = ()) -> ReportScan:
    """The report's scan from the records kept in ``ledger`` (a :class:`rabiskit.ledger.
    store.Ledger`, possibly an in-memory copy with exports imported): its closed quarters
    of the year show their frozen numbers, with a warning for each one corrected since.
    ``warnings``: those of importing exports into the copy."""
    from rabiskit.ledger.source import ledger_scan_summary, ledger_sources, rules_warning
    from rabiskit.report.closed import closure_warnings

    y = year or plan.year
    summary = ledger_scan_summary(ledger)
    summary.warnings.extend(warnings)
    warning = rules_warning(ledger, plan)
    if warning:
        summary.warnings.append(warning)
    # the summary without the year's closed-quarter warnings of `count`: those say the
    # corrections are in the numbers, which a report does not do
    rs = report_from_records(ledger_sources(ledger), summary, plan, year=y, quarter=quarter,
                             today=today, digitisation=digitisation,
                             closures=ledger_closures(ledger, y))
    rs.scan.warnings.extend(closure_warnings(
        rs.closures, range(1, max(rs.period.quarters or (1,)) + 1)))
    return rs


def report_of(rs: ReportScan, plan: Plan, lang: str = "kk", today: dt.date | None = None, *,
              csv_dialect: str = "comma"):
    """The :class:`rabiskit.report.document.Report` of a report's scan, in ``lang``, as on
    ``today`` (the as-of date), with the hand-in tables and the per-cataloguer table when
    the records name their cataloguers.  ``csv_dialect``: "comma" or "semicolon" (for a
    CSV written from it)."""
    from rabiskit.report.document import build_report
    from rabiskit.report.operators import add_operators

    report = build_report(rs.tally, rs.scan, plan, rs.period, lang,
                          produced=today or dt.date.today(), digitisation=rs.digitisation,
                          warnings=rs.scan.warnings, closures=rs.closures, context=rs.context)
    add_operators(report, rs.operators, plan, rs.period)
    report.csv_dialect = csv_dialect
    return report


def scan_exports(inputs: Iterable[Input], plan: Plan, *, year: int | None = None,
                 quarter: int | None = None, today: dt.date | None = None,
                 encoding: str | None = None, flavour: str | None = None, pdf_dir=None,
                 log=None, progress: Callable[[int, str], None] | None = None) -> ReportScan:
    """The scan ``rabiskit report EXPORT...`` makes, digitisation included (when the
    module is there): :func:`report_of` lays it out in any language."""
    today = today or dt.date.today()
    y = year or plan.year
    dig = report_digitisation(plan, y, quarter, today, pdf_dir, log)
    return scan_for_report(inputs, plan, year=y, quarter=quarter, today=today,
                           encoding=encoding, flavour=flavour, digitisation=dig,
                           progress=progress)


def make_report(inputs: Iterable[Input], plan: Plan, *, year: int | None = None,
                quarter: int | None = None, lang: str = "kk", today: dt.date | None = None,
                encoding: str | None = None, flavour: str | None = None,
                pdf_dir=None, log=None,
                progress: Callable[[int, str], None] | None = None,
                csv_dialect: str = "comma"):
    """What ``rabiskit report EXPORT... -o FILE`` computes, as one call: read the exports
    once and return the Report (its ``data`` is the JSON of ``-o FILE.json``), as on
    ``today`` (the as-of date; the period ends on it).  Raises PeriodError for a period
    the plan cannot report (e.g. a quarter that has not started on ``today``) and
    ValueError for a bad language."""
    from rabiskit.report.messages import check_lang

    lang = check_lang(lang)
    today = today or dt.date.today()
    rs = scan_exports(inputs, plan, year=year, quarter=quarter, today=today, encoding=encoding,
                      flavour=flavour, pdf_dir=pdf_dir, log=log, progress=progress)
    return report_of(rs, plan, lang, today, csv_dialect=csv_dialect)
