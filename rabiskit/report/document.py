"""The plan-fulfilment report document, assembled once and laid out by every renderer.

:func:`build_report` turns a Tally (of the plan's whole year), the Scan summary, the Plan
and the report's Period into a :class:`Report`: the header facts, the tables (generic
:class:`~rabiskit.report.table.Table` sections of typed cells: numbers stay numbers,
percentages are floats in percent units, a cell may be flagged ``shortfall`` or
``surplus``), the data of the plan-against-actual charts, the heading and signature lines,
the warnings and the JSON document.  The renderers in :mod:`rabiskit.render` only lay a
Report out, so every format shows the same numbers.

The per-level objects of the JSON are :func:`rabiskit.aggregate.count.table_totals`'s (as
``count_json`` makes them), so a quarter's numbers are exactly those of ``rabiskit count
--quarter N --format json``.

The report's parts: :mod:`rabiskit.report.view` (the period's names and its quarters as
shown, closed ones frozen), :mod:`rabiskit.report.table` (cells, columns, rows, tables),
:mod:`rabiskit.report.handin` (the plan's own tables, opening the report: control
indicators, records and digitisation by quarter, 6-НК), :mod:`rabiskit.report.tables` (the
analysis and appendix tables).  The period ends on the as-of date (``produced``); records
dated after it are not counted and are named in a warning.

A report read from a ledger may hold closed quarters (:mod:`rabiskit.report.closed`): each
shows the numbers frozen when it was closed, the year to date is the sum of the quarters as
shown, and two more tables list the corrections since and the difference they would make
per level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from rabiskit.aggregate.count import Tally, planned_levels
from rabiskit.aggregate.period import Period, quarter_bounds
from rabiskit.facts.scan import Scan, problem_dict
from rabiskit.plan.model import Plan
from rabiskit.report.closed import Closures
from rabiskit.report.messages import check_lang, date_text, t
from rabiskit.report.table import Table
from rabiskit.report.tables import (catalogue_table, corrections_delta_table, corrections_json,
                                    corrections_table, digitisation_issues_table,
                                    digitisation_table, files_table, kazakh_share_table,
                                    months_table, problems_table, rules_table, table_data)
from rabiskit.report.view import PeriodView, formal_period, period_label, quarters_text


@dataclass(frozen=True)
class Bar:
    """One group of the plan-against-actual chart: a quarter's plan and actual."""

    label: str
    plan: int
    actual: int


@dataclass(frozen=True)
class LevelChart:
    """The plan-against-actual chart of one level, by quarter."""

    level: str
    name: str
    bars: tuple[Bar, ...]


@dataclass
class Report:
    """Everything a report shows, in its language ``lang``.

    ``header``: (label, value) pairs for the top of the report (counts are ints); ``tables``: the sections
    in order (catalogue, the corrections to closed quarters and their difference when
    the report comes from a ledger with closed quarters, Kazakh share, months,
    digitisation, files, rules, problems);
    ``charts``: plan against actual per level; ``legend``: what the marks mean;
    ``warnings``; ``data``: the JSON document.  ``heading``: the formal heading lines
    (the library's full name, "2026 жылғы II тоқсан бойынша ... орындалысы туралы есеп");
    ``signatures``: (post, name) lines to sign (a name may be "": a blank line);
    ``locale``: the document language (kk-KZ, ru-RU, en-GB); ``appendix_title``."""

    lang: str
    title: str
    library: str
    header: list[tuple[str, str | int]]
    tables: list[Table]
    charts: list[LevelChart]
    legend: str
    warnings: list[str]
    data: dict[str, Any]
    heading: list[str] = field(default_factory=list)
    signatures: list[tuple[str, str]] = field(default_factory=list)
    locale: str = "kk-KZ"
    appendix_title: str = ""
    produced: str = ""
    #: CSV only: "comma" (RFC 4180, decimal point) or "semicolon" (";" and a decimal
    #: comma, what Excel expects in a Kazakh or Russian locale)
    csv_dialect: str = "comma"

    def part(self, name: str) -> list[Table]:
        """The tables of one part: "handin", "main" or "appendix", in order."""
        return [tb for tb in self.tables if tb.part == name]

    def table(self, key: str) -> Table:
        for tb in self.tables:
            if tb.key == key:
                return tb
        raise KeyError(key)

    def has_table(self, key: str) -> bool:
        return any(tb.key == key for tb in self.tables)


@dataclass
class HandInContext:
    """What the hand-in tables need beyond the year's tally (see
    :class:`rabiskit.report.handin.Actuals`): digitisation per quarter and for the year to
    the as-of date, last year's records (planned levels) and digitisation, and the 6-НК
    figures.  Empty: not known."""

    digitised_quarters: dict[int, dict[str, tuple[int, int, int, int]]] | None = None
    digitised_year: dict[str, tuple[int, int, int, int]] | None = None
    last_year_records: tuple[int, int] | None = None
    last_year_digitised: tuple[int, int, int, int] | None = None
    statistics: Any = None


def _records_where(refs, lang: str, limit: int = 5, total: int | None = None) -> str:
    """The first ``limit`` of ``refs`` by file and record number, and how many more
    (``total``: how many there are in all, when ``refs`` lists only the first of them)."""
    shown = [t("w_record_at", lang, file=r.file, record=r.record) + (f" ({r.id})" if r.id else "")
             for r in refs[:limit]]
    total = len(refs) if total is None else total
    if total > limit:
        shown.append(t("w_and_more", lang, n=total - limit) if total == len(refs) else
                     t("w_and_more_listed", lang, n=total - limit, listed=len(refs)))
    return "; ".join(shown)


def after_as_of_warning(tally: Tally, as_of: dt.date, today: dt.date, lang: str) -> str | None:
    """The warning naming the records dated after the as-of date (entry errors when the
    as-of date is today); None when there are none."""
    if not tally.after_as_of:
        return None
    key = "w_future" if as_of >= today else "w_after_as_of"
    return t(key, lang, n=tally.after_as_of, date=date_text(as_of),
             where=_records_where(tally.after_as_of_records, lang, total=tally.after_as_of))


def build_report(tally: Tally, scan: Scan, plan: Plan, period: Period, lang: str = "kk",
                 produced: dt.date | None = None, digitisation: Mapping[str, Any] | None = None,
                 warnings: Iterable[str] = (), closures: Closures | None = None,
                 context: "HandInContext | None" = None) -> Report:
    """The report for ``period`` (a quarter, or quarters 1..n of a year: the year to date;
    either may end on the as-of date, ``produced``).

    ``tally`` must have been fed the whole year's records (``Period.for_year(period.year)``,
    ``until`` the as-of date) so its per-quarter counts give the quarter and year-to-date
    columns; ``scan`` is the scan's summary (files, problems); ``digitisation`` the
    digitisation JSON, when there is one; ``closures`` the ledger's closed quarters of the
    year (None: not from a ledger): a closed quarter up to the period's end shows its
    frozen numbers, and the corrections since are listed; ``context``: last year's
    actuals, the digitisation by quarter and the 6-НК figures (:class:`HandInContext`)."""
    from rabiskit.report.handin import (Actuals, annual_statistics_table, control_table,
                                        digitisation_plan_table, records_table,
                                        subtotal_tables)
    from rabiskit.report.wording import (digitisation_warning, problem_reason, rule_text)

    lang = check_lang(lang)
    produced = produced or dt.date.today()
    context = context or HandInContext()
    view = PeriodView(tally, plan, period, lang, closures)
    quarters, ytd_quarters, last_q = view.quarters, view.ytd_quarters, view.last_quarter
    frozen, frozen_list, cut_note = view.frozen, view.frozen_list, view.cut_note
    q_blocks, ytd = view.quarter_blocks, view.ytd
    levels, total, all_levels = view.levels, view.total, view.all_levels
    counted_now = view.counted_now()

    warn = []
    after = after_as_of_warning(tally, produced, dt.date.today(), lang)
    if after:
        warn.append(after)
    warn += list(warnings)
    if period.year != plan.year:
        warn.append(t("n_year_mismatch", lang, plan_year=plan.year, year=period.year))
    if digitisation is not None:
        for w in digitisation.get("warnings") or ():
            text = digitisation_warning(w, lang)
            if text not in warn:
                warn.append(text)

    # -- the hand-in part: the plan's own tables ----------------------------------------
    dig_q = context.digitised_quarters
    actuals = Actuals(
        quarters={q: view.quarter_counts(q) for q in ytd_quarters},
        year=view.shown_counts(ytd_quarters),
        digitised={q: v for q, v in dig_q.items() if q <= last_q} if dig_q is not None else None,
        digitised_year=context.digitised_year, last_year_records=context.last_year_records,
        last_year_digitised=context.last_year_digitised,
        quarter_notes={last_q: cut_note} if cut_note else {})
    tables: list[Table] = [control_table(plan, actuals, period.year, lang),
                           records_table(plan, actuals, period.year, lang),
                           *subtotal_tables(plan, actuals, period.year, lang)]
    if plan.digitisation:
        tables.append(digitisation_plan_table(plan, actuals, period.year, lang))
    if period.quarter is None and context.statistics is not None:
        end = date_text(period.end)
        tables.append(annual_statistics_table(context.statistics, period.year, end, lang))

    closed_notes: list[str] = []
    if frozen_list:
        closed_notes.append(t("n_closed_quarters", lang,
                              quarters=quarters_text(frozen_list, lang)))
        if ytd in view.blocks:
            closed_notes.append(t("n_ytd_frozen", lang,
                                  quarters=quarters_text(frozen_list, lang)))
    tables.append(catalogue_table(view.blocks, plan, lang, closed_notes))
    if frozen_list:
        tables += [corrections_table(frozen_list, plan, lang),
                   corrections_delta_table(frozen_list, tally, plan, lang)]
    share_tb, share_data = kazakh_share_table(levels, total, plan, lang)
    if view.closed_within(quarters):
        share_tb.notes.append(t("n_closed_quarters", lang, quarters=quarters_text(
            view.closed_within(quarters), lang)))
    tables.append(share_tb)
    months_tb, months_data = months_table(tally, period, levels, plan, lang)
    if view.closed_within(quarters):
        months_tb.notes.append(t("n_months_closed", lang, quarters=quarters_text(
            view.closed_within(quarters), lang)))
    tables.append(months_tb)
    if digitisation is not None:
        tables.append(digitisation_table(digitisation, lang))
        issues = digitisation_issues_table(digitisation, lang)
        if issues is not None:
            issues.part = "appendix"
            tables.append(issues)
    files_tb, files_data = files_table(scan, plan, lang)
    rules_tb, rules_data = rules_table(plan, lang, rule_text)
    problems_tb = problems_table(scan, tally, lang, problem_reason)
    for tb in (files_tb, rules_tb, problems_tb):
        tb.part = "appendix"
    tables += [files_tb, rules_tb, problems_tb]

    in_period = all_levels["total"]
    records = {"read": tally.read, "in_period": in_period,
               "in_period_planned_levels": total["total"],
               "outside_period": tally.read - tally.deleted - tally.undated
               - tally.not_bibliographic - counted_now - tally.after_as_of,
               "undated": tally.undated, "damaged": tally.damaged, "deleted": tally.deleted,
               "not_bibliographic": tally.not_bibliographic, "after_as_of": tally.after_as_of}
    label = period_label(period, lang)
    source = (t("plan_builtin", lang) if not plan.source or plan.source.startswith("built-in")
              else plan.source)
    header: list[tuple[str, str | int]] = [
        (t("library", lang), plan.full_name or plan.library or ""), (t("year", lang), period.year),
        (t("period", lang), f"{label} ({date_text(period.start)} – {date_text(period.end)})"),
        (t("produced", lang), date_text(produced)), (t("plan_source", lang), source),
        (t("records_read", lang), records["read"]),
        (t("records_in_period", lang), records["in_period"]),
        (t("records_outside", lang), records["outside_period"]),
        (t("r_records_after_as_of", lang), records["after_as_of"]),
        (t("records_undated", lang), records["undated"]),
        (t("records_deleted", lang), records["deleted"]),
        (t("records_not_bibliographic", lang), records["not_bibliographic"]),
        (t("records_damaged", lang), records["damaged"])]

    charts = []
    for lv in planned_levels(plan, levels):
        if lv not in levels:
            continue
        bars = tuple(Bar(b.label, b.levels[lv]["target"] or 0, b.levels[lv]["total"])
                     for b in q_blocks)
        if any(b.plan or b.actual for b in bars):
            charts.append(LevelChart(lv, plan.level_name(lv, lang), bars))

    heading = [plan.full_name or plan.library or "",
               t("h_heading", lang, period=formal_period(period, lang))]
    signatures = []
    for key, sig in (("h_director", plan.director), ("h_responsible", plan.responsible)):
        post = (sig.post if sig is not None and sig.post else t(key, lang))
        signatures.append((post, sig.name if sig is not None else ""))

    data: dict[str, Any] = {
        "header": {"title": t("report_title", lang), "heading": heading,
                   "library": plan.library, "full_name": plan.full_name or plan.library,
                   "year": period.year, "period": label, "produced": produced.isoformat(),
                   "as_of": produced.isoformat(), "lang": lang,
                   "plan": {"year": plan.year, "library": plan.library, "source": plan.source},
                   "files": files_data, "rules": rules_data,
                   "signatures": [{"post": p, "name": n} for p, n in signatures]},
        "period": period.as_dict(),
        "records": records,
        "levels": levels,
        "total": total,
        "all_levels": all_levels,
        "quarters": {str(b.quarters[0]): {
            "levels": b.levels, "total": b.total, "all_levels": b.all_levels,
            "subtotals": b.subtotals,
            "closed": b.quarters[0] in frozen,
            "closed_at": frozen[b.quarters[0]].closed_at if b.quarters[0] in frozen else None}
            for b in q_blocks},
        "year_to_date": {"quarters": list(ytd_quarters), "closed_quarters": sorted(frozen),
                         "start": dt.date(period.year, 1, 1).isoformat(),
                         "end": period.end.isoformat() if period.cut or ytd_quarters == quarters
                         else quarter_bounds(period.year, ytd_quarters[-1])[1].isoformat(),
                         "levels": ytd.levels, "total": ytd.total,
                         "all_levels": ytd.all_levels, "subtotals": ytd.subtotals},
        "handin": {tb.key: table_data(tb) for tb in tables if tb.part == "handin"},
        "kazakh_share": share_data,
        "months": months_data,
        "problems": [problem_dict(p) for p in scan.problems],
        "undated": [r.as_dict() for r in tally.undated_records],
        "deleted": [r.as_dict() for r in tally.deleted_records],
        "after_as_of": [r.as_dict() for r in tally.after_as_of_records],
        "corrections": corrections_json(frozen_list),
        "warnings": warn,
    }
    if context.statistics is not None and period.quarter is None:
        data["annual_statistics"] = context.statistics.as_dict()
    if digitisation is not None:
        data["digitisation"] = dict(digitisation)
    return Report(lang=lang, title=t("report_title", lang), library=plan.full_name or plan.library or "",
                  header=header, tables=tables, charts=charts, legend=t("legend", lang),
                  warnings=warn, data=data, heading=heading, signatures=signatures,
                  locale={"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}[lang],
                  appendix_title=t("h_appendix", lang), produced=date_text(produced))
