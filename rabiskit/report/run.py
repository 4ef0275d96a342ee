"""One scan of the exports for a report: the counts, the file summaries and (when the
digitisation module is there) the digitisation tallies, all from the same records.
From a ledger, also its closed quarters (:func:`ledger_closures`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from rabiskit.aggregate.count import OperatorTally, Tally, planned_levels
from rabiskit.aggregate.period import Period
from rabiskit.aggregate.period import report_period as period_for_report
from rabiskit.facts.extract import ValuesExtract
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
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
                    progress: Callable[[int, str], None] | None = None,
                    workers: int | None = None, min_fast_size: int | None = None) -> ReportScan:
    """Read every input once (``rabiskit.pipeline.run.read_inputs``: the block path where it
    pays); count the year ``year`` (default: the plan's) and pick the report's period:
    ``quarter``, else the year to date."""
    from rabiskit.pipeline.run import read_inputs

    sink = ReportSink(plan, year=year, quarter=quarter, today=today, digitisation=digitisation)
    result = read_inputs(inputs, plan, sink, needs=sink.needs(), encoding=encoding,
                         flavour=flavour, progress=progress, workers=workers,
                         min_fast_size=min_fast_size)
    return sink.result(result)


def report_extract(operator: tuple[str, str], links: tuple[str, str] | None, src,
                   facts: RecordFacts) -> tuple[str | None, Any]:
    """What a report takes from a record read whole: its cataloguer and its links
    (``rabiskit.digitisation.tally.LinkedCopies``, None: none)."""
    from rabiskit.sources.irbis_fields import operator_of

    found = None
    if links is not None:
        from rabiskit.digitisation.tally import linked_copies, record_links

        values = record_links(links[0], links[1], src)
        found = linked_copies(values) if values else None
    return operator_of(src.record, *operator), found


@dataclass(frozen=True)
class ReportExtract(ValuesExtract):
    """``Needs.extract`` of a report: ``report_extract``; for the records the block path
    settles (their cataloguer is in its groups) the links of the values of the link
    subfield alone, ``subfield`` (None: no digitisation; then no record is linked), and
    with the digitisation's ``form`` (``DigitisationTally.document_form``) their documents
    written where the block is read (``of_linked``)."""

    operator: tuple[str, str]
    links: tuple[str, str] | None
    form: Any = None  # rabiskit.digitisation.tally.DocumentForm

    @property
    def subfield(self) -> tuple[str, str]:  # type: ignore[override]
        assert self.links is not None
        return self.links

    def __call__(self, src, facts: RecordFacts) -> tuple[str | None, Any]:
        return report_extract(self.operator, self.links, src, facts)

    def of_values(self, values: list[str]) -> tuple[None, Any]:
        from rabiskit.digitisation.tally import copies_of_values

        return None, copies_of_values(values)

    def of_linked(self, facts: list[tuple], values: list[list[str]]) -> list[tuple[None, Any]]:
        """``of_values`` of a block's settled records, whose facts are ``facts`` (each a
        ``facts_tuple``), their documents written (``rabiskit.digitisation.tally.
        settled_document``)."""
        from rabiskit.digitisation.tally import settled_documents

        return [(None, d) for d in settled_documents(self.form, facts, values)]


class ReportSink:
    """The records of a report's inputs into its tallies: the year, last year (for the
    hand-in tables), the catalogue's stock (6-НК), the cataloguers, the digitisation."""

    def __init__(self, plan: Plan, *, year: int | None = None, quarter: int | None = None,
                 today: dt.date | None = None,
                 digitisation: ReportDigitisation | None = None) -> None:
        self.plan = plan
        self.today = today or dt.date.today()
        self.year = year or plan.year
        self.quarter = quarter
        # the period ends on the as-of date (``today``): records dated after it are not counted
        self.period = period_for_report(self.year, quarter, self.today)
        self.tally = Tally(Period.for_year(self.year), until=self.today)
        self.last_year = Tally(Period.for_year(self.year - 1), until=self.today)
        self.stock = CatalogueStock(self.year, self.period.end if self.period.quarter is None else min(
            self.today, dt.date(self.year, 12, 31)))
        self.operators: OperatorTally | None = OperatorTally.for_plan(plan)
        self.digitisation = digitisation

    def needs(self):
        from rabiskit.pipeline.run import Needs

        dig = self.digitisation
        link = (dig.tally.link_field, dig.tally.link_subfield) if dig is not None else None
        operator = (self.plan.operator_field, self.plan.operator_subfield)
        return Needs(linked_tags=dig.tally.link_tags() if dig is not None else frozenset(),
                     operator=operator,
                     extract=ReportExtract(operator, link,
                                           dig.tally.document_form() if dig is not None else None),
                     careful_dated=(self.today, dt.date(self.year, 12, 31)))

    def _count(self, facts: RecordFacts) -> None:
        self.tally.add(facts)
        self.last_year.add(facts)
        self.stock.add(facts)

    def add(self, facts: RecordFacts, extra) -> None:
        """A record read whole (``extra``: ``report_extract``'s)."""
        self._count(facts)
        name, links = extra
        if self.digitisation is not None:
            self.digitisation.tally.add_links(links or [], facts)
        if self.operators is not None:
            self.operators.add_named(name, facts)

    def add_linked(self, facts: RecordFacts, extra) -> None:
        """A record the block path settled (counted in its groups) holding the link field."""
        if self.digitisation is not None:
            self.digitisation.tally.add_settled(extra[1], facts)

    def add_pair(self, src, facts: RecordFacts) -> None:
        """A (SourceRecord or None, facts) pair, e.g. the facts kept in a ledger."""
        self._count(facts)
        if self.digitisation is not None:
            self.digitisation.add(src, facts)
        if src is None:
            self.operators = None  # e.g. from a ledger: no fields to name the cataloguer
        elif self.operators is not None:
            self.operators.add(src, facts)

    def add_groups(self, groups) -> None:
        """The block path's records: dated, not deleted, no link field."""
        for d, level, language, n in groups.counts:
            self.tally.add_count(d, level, language, n)
            self.last_year.add_count(d, level, language, n)
            self.stock.add_count(d, n)
            if self.digitisation is not None:
                self.digitisation.tally.add_unlinked(n)
        if self.operators is not None:
            for name, d, level, language, n in groups.operators:
                self.operators.add_count(name, d, level, language, n)

    def result(self, summary: Scan, closures: Closures | None = None) -> ReportScan:
        tally, period, digitisation = self.tally, self.period, self.digitisation
        dig = digitisation.result(period) if digitisation is not None else None
        planned = planned_levels(self.plan)
        last_records = (sum(lc.total for q in self.last_year.quarters.values()
                            for lv, lc in q.items() if lv in planned),
                        sum(lc.kazakh for q in self.last_year.quarters.values()
                            for lv, lc in q.items() if lv in planned))
        context = HandInContext(last_year_records=last_records)
        if dig is not None:
            from rabiskit.report.digitisation import figures

            by_q, year_figs, last_figs, all_time = figures(dig, period, self.today)
            context.digitised_quarters, context.digitised_year = by_q, year_figs
            context.last_year_digitised = last_figs
            context.statistics = self.stock.result(sum(f[0] for f in year_figs.values()), all_time)
        else:
            context.statistics = self.stock.result(None, None)
        return ReportScan(tally, summary, period, dig, closures, self.operators, context)


def report_from_records(pairs: Iterable[tuple[Any, RecordFacts]], summary: Scan, plan: Plan, *,
                        year: int | None = None, quarter: int | None = None,
                        today: dt.date | None = None,
                        digitisation: ReportDigitisation | None = None,
                        closures: Closures | None = None) -> ReportScan:
    """The same from (SourceRecord or None, RecordFacts) pairs already classified, e.g. the
    facts kept in a ledger; ``summary`` is the Scan describing where they came from;
    ``closures``: the ledger's closed quarters of the year (see ``ledger_closures``)."""
    sink = ReportSink(plan, year=year, quarter=quarter, today=today, digitisation=digitisation)
    for src, facts in pairs:
        sink.add_pair(src, facts)
    return sink.result(summary, closures)


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
                 log=None, progress: Callable[[int, str], None] | None = None,
                 workers: int | None = None, min_fast_size: int | None = None) -> ReportScan:
    """The scan ``rabiskit report EXPORT...`` makes, digitisation included (when the
    module is there): :func:`report_of` lays it out in any language.  ``workers`` and
    ``min_fast_size``: as ``rabiskit.pipeline.run.read_inputs`` takes them."""
    today = today or dt.date.today()
    y = year or plan.year
    dig = report_digitisation(plan, y, quarter, today, pdf_dir, log)
    return scan_for_report(inputs, plan, year=y, quarter=quarter, today=today,
                           encoding=encoding, flavour=flavour, digitisation=dig,
                           progress=progress, workers=workers, min_fast_size=min_fast_size)


def make_report(inputs: Iterable[Input], plan: Plan, *, year: int | None = None,
                quarter: int | None = None, lang: str = "kk", today: dt.date | None = None,
                encoding: str | None = None, flavour: str | None = None,
                pdf_dir=None, log=None,
                progress: Callable[[int, str], None] | None = None,
                csv_dialect: str = "comma", workers: int | None = None,
                min_fast_size: int | None = None):
    """What ``rabiskit report EXPORT... -o FILE`` computes, as one call: read the exports
    once and return the Report (its ``data`` is the JSON of ``-o FILE.json``), as on
    ``today`` (the as-of date; the period ends on it).  Raises PeriodError for a period
    the plan cannot report (e.g. a quarter that has not started on ``today``) and
    ValueError for a bad language."""
    from rabiskit.report.messages import check_lang

    lang = check_lang(lang)
    today = today or dt.date.today()
    rs = scan_exports(inputs, plan, year=year, quarter=quarter, today=today, encoding=encoding,
                      flavour=flavour, pdf_dir=pdf_dir, log=log, progress=progress,
                      workers=workers, min_fast_size=min_fast_size)
    return report_of(rs, plan, lang, today, csv_dialect=csv_dialect)
