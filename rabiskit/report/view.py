"""What a reader of the report sees of its period: the period's names, and the numbers of
each quarter and of the year to date per level, as shown.

A quarter is shown as counted now, unless it was closed in the ledger (a closure up to the
period's end): then with the numbers frozen when it was closed, and the year to date is
the sum of the quarters as shown.  :class:`PeriodView` holds that choice once; the tables
(:mod:`rabiskit.report.tables`, :mod:`rabiskit.report.handin`) and the JSON
(:mod:`rabiskit.report.document`) read their numbers from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from rabiskit.aggregate.count import LevelCount, Tally, level_json, table_totals
from rabiskit.aggregate.period import Period
from rabiskit.plan.model import Plan
from rabiskit.report.closed import Closures, FrozenQuarter
from rabiskit.report.messages import date_text, quarter_label, t


# -- the period's names ------------------------------------------------------------------
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


def closed_date(fq: FrozenQuarter) -> str:
    """The day a quarter was closed, as the report writes dates."""
    try:
        return date_text(dt.date.fromisoformat(fq.closed_on[:10]))
    except (TypeError, ValueError):
        return fq.closed_on or ""


def quarters_text(quarters: Iterable[FrozenQuarter], lang: str) -> str:
    """'1-тоқсан (жабылды 2026-04-05), ...': the closed quarters, for notes."""
    return ", ".join(t("quarter_closed", lang, label=t("quarter", lang, n=fq.quarter),
                       date=closed_date(fq)) for fq in quarters)


# -- the numbers per level -----------------------------------------------------------------
def with_levels(counts: Mapping[str, LevelCount], levels: Iterable[str]) -> dict[str, LevelCount]:
    """``counts`` with an empty count for each of ``levels`` it lacks."""
    out = {lv: LevelCount() for lv in levels}
    for lv, lc in counts.items():
        out.setdefault(lv, LevelCount()).merge(lc)
    return out


def subtotal_json(plan: Plan, key: str, counts: Mapping[str, LevelCount],
                  quarters: tuple[int, ...]) -> dict:
    """The plan's subtotal ``key`` (a group of levels) over ``quarters``, as a level's JSON."""
    sub = plan.subtotals[key]
    lc = LevelCount()
    for lv in sub.levels:
        if lv in counts:
            lc.merge(counts[lv])
    target, kazakh = sub.target.target(quarters)
    return level_json(lc, target, kazakh)


@dataclass(frozen=True)
class Block:
    """One column group of the catalogue table: a quarter or the year to date, its numbers
    per level (``level_json`` objects), the planned levels' total, the plan's subtotals
    and the total of all levels."""

    key: str  # "q1" ... "ytd"
    label: str
    quarters: tuple[int, ...]
    levels: dict  # {level: level_json}
    total: dict
    subtotals: dict  # {key: level_json}
    all_levels: dict = field(default_factory=dict)


class PeriodView:
    """The report's quarters as shown, for ``period`` (whole quarters of one year): each
    quarter frozen when ``closures`` closed it, else as ``tally`` (the whole year's) counts
    it now; the blocks of the catalogue table, and the period's totals per level."""

    def __init__(self, tally: Tally, plan: Plan, period: Period, lang: str,
                 closures: Closures | None = None) -> None:
        if tally.period.year != period.year:
            raise ValueError(f"the tally counts {tally.period.year}, the report is for "
                             f"{period.year}")
        if not period.quarters or not period.aligned:
            raise ValueError(f"a report covers whole quarters, not {period.label}")
        if closures is not None and closures.year != period.year:
            raise ValueError(f"the closed quarters are of {closures.year}, the report is for "
                             f"{period.year}")
        self.tally, self.plan, self.period, self.lang = tally, plan, period, lang
        self.quarters: tuple[int, ...] = period.quarters
        #: quarters 1..the period's last: the year to date
        self.ytd_quarters: tuple[int, ...] = tuple(range(1, max(self.quarters) + 1))
        self.last_quarter = self.ytd_quarters[-1]
        #: the closed quarters shown (frozen numbers), in order
        self.frozen_list: list[FrozenQuarter] = (closures.within(self.ytd_quarters)
                                                 if closures is not None else [])
        self.frozen = {fq.quarter: fq for fq in self.frozen_list}
        #: "to 2026-05-15" when the period ends on the as-of date inside its last quarter
        self.cut_note = (t("to_date", lang, date=date_text(period.end)) if period.cut
                         else None)
        self.found = {lv for q in self.ytd_quarters
                      for lv, lc in self.quarter_counts(q).items() if lc.total}
        self.quarter_blocks = [self.block(f"q{q}", self.quarter_head(q), (q,))
                               for q in self.quarters]
        ytd_label = t("year_to_date", lang) + (f" ({self.cut_note})" if self.cut_note else "")
        self.ytd = self.block("ytd", ytd_label, self.ytd_quarters)
        #: the catalogue table's column groups: the quarters, then the year to date
        #: unless it is the one quarter shown
        self.blocks = self.quarter_blocks + (
            [self.ytd] if self.ytd_quarters != (self.quarters[0],) else [])
        counts = with_levels(self.shown_counts(self.quarters), self.found)
        #: the period's numbers per level, the planned levels' total, all levels' total
        self.levels, self.total, self.all_levels = table_totals(counts, plan, self.quarters)

    def quarter_counts(self, q: int) -> Mapping[str, LevelCount]:
        """Quarter ``q`` as shown: frozen when closed, else as counted now."""
        return self.frozen[q].counts if q in self.frozen else self.tally.quarters.get(q, {})

    def shown_counts(self, quarters: Iterable[int]) -> dict[str, LevelCount]:
        """The quarters as shown, summed per level."""
        out: dict[str, LevelCount] = {}
        for q in quarters:
            for lv, lc in self.quarter_counts(q).items():
                out.setdefault(lv, LevelCount()).merge(lc)
        return out

    def block(self, key: str, label: str, quarters: tuple[int, ...]) -> Block:
        counts = with_levels(self.shown_counts(quarters), self.found)
        levels, total, all_levels = table_totals(counts, self.plan, quarters)
        subs = {k: subtotal_json(self.plan, k, counts, quarters) for k in self.plan.subtotals}
        return Block(key, label, quarters, levels, total, subs, all_levels)

    def quarter_head(self, q: int) -> str:
        """A quarter's column heading: closed (and when), or cut at the as-of date."""
        label = quarter_label(q, self.lang)
        if q in self.frozen:
            return t("quarter_closed", self.lang, label=label, date=closed_date(self.frozen[q]))
        if q == self.last_quarter and self.cut_note:
            return f"{label} ({self.cut_note})"
        return label

    def closed_within(self, quarters: Iterable[int]) -> list[FrozenQuarter]:
        """The closed quarters among ``quarters``, in order."""
        return [self.frozen[q] for q in quarters if q in self.frozen]

    def counted_now(self) -> int:
        """The records of the period's quarters as counted now (closed or not)."""
        return sum(lc.total for q in self.quarters
                   for lc in self.tally.quarters.get(q, {}).values())
