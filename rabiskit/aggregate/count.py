"""Counting new records by level and language over a period, against the plan.

``Tally`` is fed RecordFacts one at a time (flat memory) and keeps: the period's counts
per level and first language, the same per quarter and per month of the period's year
(for the reports), and the records it could not place (undated, deleted).  ``count_json``
turns a Tally and a Plan into the stable JSON of ``rabiskit count``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from rabiskit.aggregate.period import Period, quarter_of
from rabiskit.facts.model import AFTER_AS_OF_LISTED, RecordFacts
from rabiskit.plan.model import Plan

KAZAKH = "kaz"


@dataclass
class LevelCount:
    total: int = 0
    languages: Counter = field(default_factory=Counter)

    def add(self, language: str, n: int = 1) -> None:
        self.total += n
        self.languages[language] += n

    @property
    def kazakh(self) -> int:
        return self.languages.get(KAZAKH, 0)

    def merge(self, other: "LevelCount") -> None:
        self.total += other.total
        self.languages.update(other.languages)


@dataclass(frozen=True)
class RecordRef:
    """Where a record is, for lists of records the user must look at."""

    file: str
    record: int
    offset: int
    id: str | None
    title: str | None
    reason: str
    line: int | None = None

    @classmethod
    def of(cls, f: RecordFacts, reason: str) -> "RecordRef":
        return cls(f.file, f.record, f.offset, f.control_number, f.title, reason, f.line)

    def as_dict(self) -> dict:
        d = {"file": self.file, "record": self.record, "offset": self.offset, "id": self.id,
             "title": self.title, "reason": self.reason}
        if self.line is not None:
            d["line"] = self.line
        return d


def level_counts() -> defaultdict[str, LevelCount]:
    """An empty {level: LevelCount} that makes its items (a function, not a lambda: a Tally
    is pickled to go from one process to another)."""
    return defaultdict(LevelCount)


@dataclass
class Tally:
    period: Period
    read: int = 0
    in_period: int = 0
    outside_period: int = 0
    undated: int = 0
    deleted: int = 0
    not_bibliographic: int = 0  # authority, holdings ... records: no level, not counted
    damaged: int = 0
    levels: dict[str, LevelCount] = field(default_factory=lambda: defaultdict(LevelCount))
    # the period's year, per quarter and per month (for the reports)
    quarters: dict[int, dict[str, LevelCount]] = field(
        default_factory=lambda: defaultdict(level_counts))
    months: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    undated_records: list[RecordRef] = field(default_factory=list)
    deleted_records: list[RecordRef] = field(default_factory=list)
    latest_date: dt.date | None = None
    #: a report's as-of date: records of the period's year dated after it are not counted
    #: (``after_as_of``; the first ``AFTER_AS_OF_LISTED`` of them in ``after_as_of_records``)
    until: dt.date | None = None
    after_as_of: int = 0
    after_as_of_records: list[RecordRef] = field(default_factory=list)

    def _after_as_of(self, d: dt.date) -> bool:
        return self.until is not None and d > self.until and d.year == self.period.year

    def add(self, f: RecordFacts) -> None:
        self.read += 1
        if f.damaged:
            self.damaged += 1
        if f.is_deleted:
            self.deleted += 1
            self.deleted_records.append(RecordRef.of(f, "marked deleted (leader/05 d)"))
            return
        if f.not_bibliographic:
            self.not_bibliographic += 1
            return
        d = f.date_entered
        if d is None:
            self.undated += 1
            self.undated_records.append(RecordRef.of(f, f.date_entered_problem or "no date entered"))
            return
        if self._after_as_of(d):
            self.after_as_of += 1
            if len(self.after_as_of_records) < AFTER_AS_OF_LISTED:
                self.after_as_of_records.append(RecordRef.of(f, f"dated {d.isoformat()}"))
            return
        if self.latest_date is None or d > self.latest_date:
            self.latest_date = d
        level = f.level or "book"
        lang = f.language
        if d.year == self.period.year:
            self.quarters[quarter_of(d)][level].add(lang)
        if self.period.contains(d):
            self.in_period += 1
            self.levels[level].add(lang)
            self.months[f"{d.year}-{d.month:02d}"][level] += 1
        else:
            self.outside_period += 1

    def add_count(self, d: dt.date, level: str, language: str, n: int) -> None:
        """Add ``n`` records, neither deleted nor undated, entered on ``d``."""
        self.read += n
        if self._after_as_of(d):
            self.after_as_of += n
            return
        if self.latest_date is None or d > self.latest_date:
            self.latest_date = d
        if d.year == self.period.year:
            self.quarters[quarter_of(d)][level].add(language, n)
        if self.period.contains(d):
            self.in_period += n
            self.levels[level].add(language, n)
            self.months[f"{d.year}-{d.month:02d}"][level] += n
        else:
            self.outside_period += n

    def add_counts(self, rows: Iterable[tuple[dt.date, str, str, int]]) -> None:
        """``add_count(d, level, language, n)`` for every row, in one loop (the block path
        gives thousands of groups: one per day, level and language)."""
        start, end, year = self.period.start, self.period.end, self.period.year
        until = self.until
        quarters, levels, months = self.quarters, self.levels, self.months
        month_keys: dict[tuple[int, int], str] = {}
        latest = self.latest_date
        read = in_period = outside = after = 0
        for d, level, language, n in rows:
            read += n
            if until is not None and d > until and d.year == year:
                after += n
                continue
            if latest is None or d > latest:
                latest = d
            if d.year == year:
                quarters[(d.month - 1) // 3 + 1][level].add(language, n)
            if start <= d <= end:
                in_period += n
                levels[level].add(language, n)
                ym = (d.year, d.month)
                key = month_keys.get(ym)
                if key is None:
                    key = month_keys[ym] = f"{d.year}-{d.month:02d}"
                months[key][level] += n
            else:
                outside += n
        self.latest_date = latest
        self.read += read
        self.in_period += in_period
        self.outside_period += outside
        self.after_as_of += after

    def feed(self, facts: Iterable[RecordFacts]) -> "Tally":
        for f in facts:
            self.add(f)
        return self


def rounded_percent(part: int, whole: int | None, places: int = 1) -> float | None:
    """``part`` / ``whole`` in per cent, rounded once, half up, to ``places`` decimals,
    from the counts themselves (no float is rounded twice: 95 / 139 = 68.345 % is 68.3);
    None without a whole.  Every share and % done of the counts and reports is this."""
    if whole is None or whole == 0:
        return None
    scale = 10 ** places
    q, r = divmod(100 * scale * abs(part), whole)
    if 2 * r >= whole:
        q += 1
    value = q / scale
    return -value if part < 0 else value
#: the key of the records whose cataloguer is not named (no such field or subfield)
UNKNOWN_OPERATOR = "unknown"


@dataclass
class OperatorTally:
    """New records per cataloguer (``count --by operator``), by the rules of ``Tally.add``.

    The cataloguer is named in the record's first ``tag`` field, subfield ``code``
    (IRBIS 907 ^B by default; the plan's ``[operator]`` table can name another).  Records
    naming none count under ``UNKNOWN_OPERATOR``, never dropped.  The counts are kept by
    date entered, so any period of the year can be asked for afterwards (``for_period``)."""

    tag: str = "907"
    code: str = "b"
    counts: Counter = field(default_factory=Counter)  # (name, date, level, language) -> n

    @classmethod
    def for_plan(cls, plan: Plan) -> "OperatorTally":
        return cls(plan.operator_field, plan.operator_subfield)

    def add(self, src, f: RecordFacts) -> None:
        """One record (``src``: its SourceRecord, which names the cataloguer)."""
        if f.is_deleted or f.date_entered is None:
            return
        from rabiskit.sources.irbis_fields import operator_of

        self.add_named(operator_of(src.record, self.tag, self.code), f)

    def add_named(self, name: str | None, f: RecordFacts) -> None:
        """One record whose cataloguer field names ``name`` (None: names none)."""
        if f.is_deleted or f.date_entered is None:
            return
        self.counts[(name or UNKNOWN_OPERATOR, f.date_entered, f.level or "book", f.language)] += 1

    def add_count(self, name: str | None, d: dt.date, level: str | None, language: str, n: int) -> None:
        """``n`` dated, undeleted records of one cataloguer, entered on ``d``."""
        self.counts[(name or UNKNOWN_OPERATOR, d, level or "book", language)] += n

    def for_period(self, period: Period) -> dict[str, dict[str, LevelCount]]:
        """{name: {level: LevelCount}} of the records entered in ``period``."""
        out: dict[str, dict[str, LevelCount]] = defaultdict(lambda: defaultdict(LevelCount))
        for (name, d, level, language), n in self.counts.items():
            if period.contains(d):
                out[name][level].add(language, n)
        return out


def operators_json(operators: OperatorTally, plan: Plan, period: Period) -> dict:
    """``{"NAME": {"total": N, "kazakh": N, "levels": {LEVEL: {"total": N, "kazakh": N}}}}``
    for the period: every level of the plan for every cataloguer, the most productive
    first, the records naming no cataloguer last under ``"unknown"``."""
    by_name = operators.for_period(period)
    found = {lv for levels in by_name.values() for lv in levels}
    order = levels_in_order(plan, found)
    rows = []
    for name, levels in by_name.items():
        total = LevelCount()
        for lc in levels.values():
            total.merge(lc)
        rows.append((name == UNKNOWN_OPERATOR, -total.total, name, total, levels))
    rows.sort(key=lambda r: r[:3])
    out = {}
    for _, _, name, total, levels in rows:
        out[name] = {"total": total.total, "kazakh": total.kazakh,
                     "levels": {lv: {"total": levels[lv].total if lv in levels else 0,
                                     "kazakh": levels[lv].kazakh if lv in levels else 0}
                                for lv in order}}
    return out


def share(part: int, whole: int) -> float | None:
    """The share as a fraction: the rounded per cent / 100 (0.683 for 68.3 %)."""
    p = rounded_percent(part, whole)
    return None if p is None else round(p / 100, 3 + 2)


def percent(actual: int, target: int | None) -> float | None:
    return rounded_percent(actual, target)


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def level_json(lc: LevelCount, target: int | None, kazakh_target: int | None) -> dict:
    kaz = lc.kazakh
    return {
        "total": lc.total,
        # most first, equal counts by code: the same order whichever path counted them
        "languages": dict(sorted(lc.languages.items(), key=_most_first)),
        "kazakh": kaz,
        "kazakh_share": share(kaz, lc.total),
        "other_languages": lc.total - kaz,
        "target": target,
        "kazakh_target": kazakh_target,
        "percent_done": percent(lc.total, target),
        "kazakh_percent_done": percent(kaz, kazakh_target),
        "difference": None if target is None else lc.total - target,
        "kazakh_difference": None if kazakh_target is None else kaz - kazakh_target,
    }


def levels_in_order(plan: Plan, found: Iterable[str]) -> list[str]:
    """The plan's levels first (in its order), then any others found."""
    order = list(plan.catalogue) + [lv for lv in plan.levels() if lv not in plan.catalogue]
    return order + sorted(lv for lv in set(found) if lv not in order)


def planned_levels(plan: Plan, found: Iterable[str] = ()) -> list[str]:
    """The levels the total row adds up: those the plan sets a target for (its year figure
    or a quarter above zero; in the seed plan book + article + local lore = 1270).  A plan
    with no target at all: every level."""
    planned = [lv for lv in plan.catalogue if plan.catalogue[lv].has_target()]
    return planned if planned else levels_in_order(plan, found)


def table_totals(counts: dict[str, LevelCount], plan: Plan, quarters: tuple[int, ...] | None
                 ) -> tuple[dict, dict, dict]:
    """({level: level_json}, total over the planned levels, total over all levels) for the
    given quarters' targets (None: no targets).  The planned total's targets are the plan's
    (its own total row when it states one); the all-levels total has none (comparing
    records beyond the plan with the plan would overstate its fulfilment)."""
    levels = {}
    planned = set(planned_levels(plan, counts))
    total, everything = LevelCount(), LevelCount()
    for lv in levels_in_order(plan, counts):
        lc = counts.get(lv) or LevelCount()
        everything.merge(lc)
        if lv in planned:
            total.merge(lc)
        if quarters and lv in plan.catalogue:
            t, k = plan.target(lv, quarters)
        elif quarters and lv in plan.levels():
            t, k = 0, 0
        else:
            t, k = None, None
        levels[lv] = level_json(lc, t, k)
    if quarters:
        tt, tk = plan.total_target(quarters)
    else:
        tt, tk = None, None
    total_json = level_json(total, tt, tk)
    total_json["levels"] = [lv for lv in levels if lv in planned]
    # no target: the plan's total is for the planned levels, not for these
    all_json = level_json(everything, None, None)
    all_json["levels"] = list(levels)
    return levels, total_json, all_json


def table_json(counts: dict[str, LevelCount], plan: Plan, quarters: tuple[int, ...] | None
               ) -> tuple[dict, dict]:
    """({level: level_json}, total_json over the planned levels) for the given quarters'
    targets (None: no targets); see :func:`table_totals`."""
    levels, total, _ = table_totals(counts, plan, quarters)
    return levels, total


def count_json(tally: Tally, plan: Plan, problems: list[dict], *, warnings: list[str] = (),
               files: list[dict] | None = None) -> dict:
    p = tally.period
    quarters = p.quarters if p.aligned else None
    levels, total, all_levels = table_totals(tally.levels, plan, quarters)
    out = {
        "period": p.as_dict(),
        "records": {"read": tally.read, "in_period": tally.in_period,
                    "outside_period": tally.outside_period, "undated": tally.undated,
                    "damaged": tally.damaged, "deleted": tally.deleted,
                    "not_bibliographic": tally.not_bibliographic},
        "levels": levels,
        "total": total,
        "all_levels": all_levels,
        "problems": problems,
        "undated": [r.as_dict() for r in tally.undated_records],
        "deleted": [r.as_dict() for r in tally.deleted_records],
        "warnings": list(warnings),
        "plan": {"year": plan.year, "library": plan.library, "source": plan.source},
    }
    if files is not None:
        out["files"] = files
    return out


def classifier_for(plan: Plan):
    """A ``classify(src, db_level)`` function applying the plan's rules in force."""
    from rabiskit.rules.engine import classify

    rules = plan.rules_in_force()

    def _classify(src, db_level):
        return classify(src, rules, db_level)

    return _classify


def count_document(tally: Tally, scan, plan: Plan) -> dict:
    """The JSON of ``rabiskit count ... --format json``: :func:`count_json` of the Tally
    with the Scan's problems, warnings and per-file summaries."""
    from rabiskit.facts.scan import problem_dict

    return count_json(tally, plan, [problem_dict(p) for p in scan.problems],
                      warnings=scan.warnings,
                      files=[f.as_dict() | {"problems": len(f.problems)} for f in scan.files])
