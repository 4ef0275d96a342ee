"""The plan-fulfilment report, computed once and laid out by every renderer.

``build_report`` turns a Tally (of the plan's whole year), the Scan summary, the Plan
and the report's Period into a :class:`Report`: the header facts, the tables as generic
:class:`Table` sections of typed :class:`Cell` s (numbers stay numbers, percentages are
floats in percent units, a cell may be flagged ``shortfall`` or ``surplus``), the data
of the plan-against-actual charts, and the JSON document.  The renderers in
:mod:`rabiskit.render` only lay a Report out, so every format shows the same numbers.

The per-level objects of the JSON are :func:`rabiskit.aggregate.count.table_json`'s, so
a quarter's numbers are exactly those of ``rabiskit count --quarter N --format json``.

The report's parts: :mod:`rabiskit.report.table` (cells, rows, tables, the Report),
:mod:`rabiskit.report.handin` (the plan's own tables, opening the report: control
indicators, records and digitisation by quarter, 6-НК), :mod:`rabiskit.report.tables`
(the analysis and appendix tables); this module puts them together (:func:`build_report`)
with the period, the heading, the signature lines, the warnings and the JSON.  The period
ends on the as-of date (``produced``); records dated after it are not counted and are
named in a warning.

A report read from a ledger may hold closed quarters (:mod:`rabiskit.report.closed`):
each shows the numbers frozen when it was closed, the year to date is the sum of the
quarters as shown, and two more tables list the corrections since and the difference
they would make per level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from rabiskit.aggregate.count import LevelCount, Tally, planned_levels, table_totals
from rabiskit.aggregate.period import Period, quarter_bounds
from rabiskit.aggregate.period import report_period as period_for_report
from rabiskit.facts.scan import Scan, problem_dict
from rabiskit.plan.model import Plan
from rabiskit.report.closed import Closures
from rabiskit.report.messages import check_lang, date_text, quarter_label, t
from rabiskit.report.table import (INT, PERCENT, POINTS, SHORTFALL, SURPLUS, TEXT, Bar, Cell,
                                   Column, LevelChart, Report, Row, Table)
from rabiskit.report.tables import (CATALOGUE_MEASURES, DIGITISATION_MEASURES, _Block,
                                    _subtotal_json, _with_levels, catalogue_table,
                                    corrections_delta_table, corrections_json,
                                    corrections_table, digitisation_issues_table,
                                    digitisation_table, files_table, kazakh_share_table,
                                    merge_counts, months_table, problems_table,
                                    quarters_text, ratio_cell, rules_table, _closed_date)

__all__ = ["Bar", "Cell", "Column", "LevelChart", "Report", "Row", "Table", "build_report",
           "report_period", "period_label", "formal_period", "HandInContext", "ratio_cell",
           "catalogue_table", "kazakh_share_table", "months_table", "digitisation_table",
           "digitisation_issues_table", "files_table", "rules_table", "problems_table",
           "corrections_table", "corrections_delta_table", "corrections_json",
           "CATALOGUE_MEASURES", "DIGITISATION_MEASURES", "INT", "PERCENT", "POINTS", "TEXT",
           "SHORTFALL", "SURPLUS"]


def report_period(plan: Plan, tally: Tally | None = None, *, year: int | None,
                  quarter: int | None, today: dt.date) -> Period:
    """The period a report made on ``today`` (its as-of date) covers: the quarter asked
    for, else the year to date; either ends on the as-of date when that falls inside it
    (:func:`rabiskit.aggregate.period.report_period`)."""
    return period_for_report(year or plan.year, quarter, today)


def period_label(period: Period, lang: str) -> str:
    if period.quarter is not None:
        label = t("period_quarter", lang, year=period.year, n=period.quarter)
        return f"{label} ({t('to_date', lang, date=date_text(period.end))})" if period.cut \
            else label
    if period.quarters == (1, 2, 3, 4) and not period.cut:
        return t("period_year", lang, year=period.year)
    return t("period_ytd", lang, year=period.year, end=date_text(period.end))


def formal_period(period: Period, lang: str) -> str:
    """The period as the heading names it: '2026 жылғы II тоқсан', 'II квартал 2026 года'."""
    if period.quarter is not None:
        label = t("h_period_quarter", lang, year=period.year, n=period.quarter)
        return f"{label} ({t('to_date', lang, date=date_text(period.end))})" if period.cut \
            else label
    if not period.cut:
        return t("h_period_year", lang, year=period.year)
    return t("h_period_ytd", lang, year=period.year, start=date_text(period.start),
             end=date_text(period.end))



# -- the report ------------------------------------------------------------------------
def _records_where(refs, lang: str, limit: int = 5) -> str:
    shown = [t("w_record_at", lang, file=r.file, record=r.record) + (f" ({r.id})" if r.id else "")
             for r in refs[:limit]]
    if len(refs) > limit:
        shown.append(t("w_and_more", lang, n=len(refs) - limit))
    return "; ".join(shown)


def after_as_of_warning(tally: Tally, as_of: dt.date, today: dt.date, lang: str) -> str | None:
    """The warning naming the records dated after the as-of date (entry errors when the
    as-of date is today); None when there are none."""
    if not tally.after_as_of:
        return None
    key = "w_future" if as_of >= today else "w_after_as_of"
    return t(key, lang, n=tally.after_as_of, date=date_text(as_of),
             where=_records_where(tally.after_as_of_records, lang))


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
    if tally.period.year != period.year:
        raise ValueError(f"the tally counts {tally.period.year}, the report is for {period.year}")
    quarters = period.quarters
    if not quarters or not period.aligned:
        raise ValueError(f"a report covers whole quarters, not {period.label}")
    ytd_quarters = tuple(range(1, max(quarters) + 1))
    if closures is not None and closures.year != period.year:
        raise ValueError(f"the closed quarters are of {closures.year}, the report is for "
                         f"{period.year}")
    frozen_list = closures.within(ytd_quarters) if closures is not None else []
    frozen = {fq.quarter: fq for fq in frozen_list}

    def quarter_counts(q: int) -> Mapping[str, LevelCount]:
        """The quarter as shown: frozen when closed, else as counted now."""
        return frozen[q].counts if q in frozen else tally.quarters.get(q, {})

    def shown_counts(qs: Iterable[int]) -> dict[str, LevelCount]:
        out: dict[str, LevelCount] = {}
        for q in qs:
            for lv, lc in quarter_counts(q).items():
                out.setdefault(lv, LevelCount()).merge(lc)
        return out

    found = {lv for q in ytd_quarters for lv, lc in quarter_counts(q).items() if lc.total}

    def block(key: str, label: str, qs: tuple[int, ...]) -> _Block:
        counts = _with_levels(shown_counts(qs), found)
        levels, total, all_levels = table_totals(counts, plan, qs)
        subs = {k: _subtotal_json(plan, k, counts, qs) for k in plan.subtotals}
        return _Block(key, label, qs, levels, total, subs, all_levels)

    last_q = ytd_quarters[-1]
    cut_note = t("to_date", lang, date=date_text(period.end)) if period.cut else None

    def quarter_head(q: int) -> str:
        label = quarter_label(q, lang)
        if q in frozen:
            return t("quarter_closed", lang, label=label, date=_closed_date(frozen[q]))
        if q == last_q and cut_note:
            return f"{label} ({cut_note})"
        return label

    q_blocks = [block(f"q{q}", quarter_head(q), (q,)) for q in quarters]
    ytd_label = t("year_to_date", lang) + (f" ({cut_note})" if cut_note else "")
    ytd = block("ytd", ytd_label, ytd_quarters)
    shown_blocks = q_blocks + ([ytd] if ytd_quarters != (quarters[0],) else [])
    period_counts = _with_levels(shown_counts(quarters), found)
    levels, total, all_levels = table_totals(period_counts, plan, quarters)
    counted_now = sum(lc.total for lc in merge_counts(tally, quarters).values())
    counted_ytd = sum(lc.total for lc in merge_counts(tally, range(1, 5)).values())

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
        quarters={q: quarter_counts(q) for q in ytd_quarters}, year=shown_counts(ytd_quarters),
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
        if ytd in shown_blocks:
            closed_notes.append(t("n_ytd_frozen", lang,
                                  quarters=quarters_text(frozen_list, lang)))
    tables.append(catalogue_table(shown_blocks, plan, lang, closed_notes))
    if frozen_list:
        tables += [corrections_table(frozen_list, plan, lang),
                   corrections_delta_table(frozen_list, tally, plan, lang)]
    share_tb, share_data = kazakh_share_table(levels, total, plan, lang)
    if any(q in frozen for q in quarters):
        share_tb.notes.append(t("n_closed_quarters", lang, quarters=quarters_text(
            [frozen[q] for q in quarters if q in frozen], lang)))
    tables.append(share_tb)
    months_tb, months_data = months_table(tally, period, levels, plan, lang)
    if any(q in frozen for q in quarters):
        months_tb.notes.append(t("n_months_closed", lang, quarters=quarters_text(
            [frozen[q] for q in quarters if q in frozen], lang)))
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
    del counted_ytd
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


def table_data(table: Table) -> dict[str, Any]:
    """A hand-in table for the JSON: {row key: {column key: value}} (numbers as shown)."""
    return {r.key: {c.key: cell.value for c, cell in zip(table.columns, r.cells)}
            for r in table.rows if r.role != "caption"}


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
