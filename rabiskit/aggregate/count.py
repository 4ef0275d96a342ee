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
from rabiskit.facts.model import RecordFacts
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


@dataclass
class Tally:
    period: Period
    read: int = 0
    in_period: int = 0
    outside_period: int = 0
    undated: int = 0
    deleted: int = 0
    damaged: int = 0
    levels: dict[str, LevelCount] = field(default_factory=lambda: defaultdict(LevelCount))
    # the period's year, per quarter and per month (for the reports)
    quarters: dict[int, dict[str, LevelCount]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(LevelCount)))
    months: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    undated_records: list[RecordRef] = field(default_factory=list)
    deleted_records: list[RecordRef] = field(default_factory=list)
    latest_date: dt.date | None = None

    def add(self, f: RecordFacts) -> None:
        self.read += 1
        if f.damaged:
            self.damaged += 1
        if f.is_deleted:
            self.deleted += 1
            self.deleted_records.append(RecordRef.of(f, "marked deleted (leader/05 d)"))
            return
        d = f.date_entered
        if d is None:
            self.undated += 1
            self.undated_records.append(RecordRef.of(f, f.date_entered_problem or "no date entered"))
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

    def add_group(self, key, n: int) -> None:
        """Add ``n`` records that are neither deleted nor undated and share the date entered,
        level and first language in ``key`` (the fast counting path's groups)."""
        self.read += n
        d = key.date_entered
        if self.latest_date is None or d > self.latest_date:
            self.latest_date = d
        if d.year == self.period.year:
            self.quarters[quarter_of(d)][key.level].add(key.language, n)
        if self.period.contains(d):
            self.in_period += n
            self.levels[key.level].add(key.language, n)
            self.months[f"{d.year}-{d.month:02d}"][key.level] += n
        else:
            self.outside_period += n

    def feed(self, facts: Iterable[RecordFacts]) -> "Tally":
        for f in facts:
            self.add(f)
        return self


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percent(actual: int, target: int | None) -> float | None:
    if target is None or target == 0:
        return None
    return round(100.0 * actual / target, 1)


def level_json(lc: LevelCount, target: int | None, kazakh_target: int | None) -> dict:
    kaz = lc.kazakh
    return {
        "total": lc.total,
        "languages": dict(lc.languages.most_common()),
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


def table_json(counts: dict[str, LevelCount], plan: Plan, quarters: tuple[int, ...] | None
               ) -> tuple[dict, dict]:
    """({level: level_json}, total_json) for the given quarters' targets (None: no targets)."""
    levels = {}
    total = LevelCount()
    for lv in levels_in_order(plan, counts):
        lc = counts.get(lv) or LevelCount()
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
    return levels, level_json(total, tt, tk)


def count_json(tally: Tally, plan: Plan, problems: list[dict], *, warnings: list[str] = (),
               files: list[dict] | None = None) -> dict:
    p = tally.period
    quarters = p.quarters if p.aligned else None
    levels, total = table_json(tally.levels, plan, quarters)
    out = {
        "period": p.as_dict(),
        "records": {"read": tally.read, "in_period": tally.in_period,
                    "outside_period": tally.outside_period, "undated": tally.undated,
                    "damaged": tally.damaged, "deleted": tally.deleted},
        "levels": levels,
        "total": total,
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


def count_inputs(inputs, plan: Plan, period: Period, *, encoding=None, flavour=None,
                 progress=None, fast: bool | None = None, workers: int | None = None,
                 block_size: int | None = None, min_fast_size: int | None = None):
    """Read the inputs and tally their records for ``period``.  Returns (Tally, Scan).

    Big ISO 2709 files are read by the fast path on every core (``fast=None``: when the
    plan uses the default level rules, or the file is declared with ``--db``);
    ``fast=False`` forces the careful reader, ``fast=True`` uses the fast path whatever the
    file's size.  Both give the same numbers, summaries and problems."""
    from rabiskit.facts.fast import FastKey
    from rabiskit.facts.parallel import (BLOCK_SIZE, MIN_FAST_SIZE, fast_count_file,
                                         fast_count_xml_file, make_executor)
    from rabiskit.facts.scan import (Scan, dedupe_inputs, scan_one, sort_problems, start_file,
                                     with_record_context)
    from rabiskit.rules.engine import DEFAULT_RULES
    from rabiskit.sources import sniff_format

    result = Scan()
    tally = Tally(period)
    classify = classifier_for(plan)
    default_rules = tuple(plan.rules_in_force()) == tuple(DEFAULT_RULES)
    min_size = MIN_FAST_SIZE if min_fast_size is None else min_fast_size
    items = list(inputs)
    _, dup = dedupe_inputs(items)
    executor = None
    try:
        for inp in items:
            summary = start_file(inp, result, dup)
            if summary is None:
                continue
            kind = None
            if fast is not False and (default_rules or inp.db_level) and inp.path.suffix.lower() != ".gz":
                try:
                    size = inp.path.stat().st_size
                    if fast or size >= min_size:
                        kind = sniff_format(inp.path)
                except Exception:
                    kind = None
            res = None
            if kind is not None and (kind == "iso2709" or encoding is None):
                if executor is None and workers != 1:
                    executor = make_executor(workers)
                if kind == "iso2709":
                    res = fast_count_file(inp.path, inp.display, db_level=inp.db_level,
                                          encoding=encoding, flavour=flavour, executor=executor,
                                          block_size=block_size or BLOCK_SIZE, progress=progress)
                else:
                    res = fast_count_xml_file(inp.path, inp.display, db_level=inp.db_level,
                                              flavour=flavour, executor=executor,
                                              block_size=block_size or BLOCK_SIZE,
                                              progress=progress)
            if res is None:
                for _, facts in scan_one(inp, summary, classify=classify, encoding=encoding,
                                         flavour=flavour, progress=progress):
                    tally.add(facts)
                continue
            summary.format = kind
            summary.size = res.size
            for key, n in res.groups.items():
                key = FastKey.of(key)
                summary.add_group(key, n)
                tally.add_group(key, n)
            for facts, reason, problems in sorted(res.careful, key=lambda c: c[0].record):
                summary.add(facts)
                summary.encoding_reasons[f"{facts.encoding}: {reason}"] += 1
                summary.problems.extend(with_record_context(p, facts) for p in problems)
                tally.add(facts)
            summary.problems.extend(res.file_problems)
            sort_problems(summary)
    finally:
        if executor is not None:
            executor.shutdown()
    return tally, result
