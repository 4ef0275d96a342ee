"""The plan-fulfilment report, computed once and laid out by every renderer.

``build_report`` turns a Tally (of the plan's whole year), the Scan summary, the Plan
and the report's Period into a :class:`Report`: the header facts, the tables as generic
:class:`Table` sections of typed :class:`Cell` s (numbers stay numbers, percentages are
floats in percent units, a cell may be flagged ``shortfall`` or ``surplus``), the data
of the plan-against-actual charts, and the JSON document.  The renderers in
:mod:`rabiskit.render` only lay a Report out, so every format shows the same numbers.

The per-level objects of the JSON are :func:`rabiskit.aggregate.count.table_json`'s, so
a quarter's numbers are exactly those of ``rabiskit count --quarter N --format json``.

A report read from a ledger may hold closed quarters (:mod:`rabiskit.report.closed`):
each shows the numbers frozen when it was closed, the year to date is the sum of the
quarters as shown, and two more tables list the corrections since and the difference
they would make per level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from rabiskit.aggregate.count import (KAZAKH, LevelCount, Tally, level_json, levels_in_order,
                                      percent, table_json)
from rabiskit.aggregate.period import Period, quarter_bounds, year_to_date
from rabiskit.facts.scan import Scan, problem_dict
from rabiskit.plan.model import Plan
from rabiskit.report.closed import Closures, FrozenQuarter, ReportCorrection
from rabiskit.report.messages import check_lang, month_name, t, what_text
from rabiskit.rules.levels import DIGITISATION_TYPES, digitisation_name

SHORTFALL = "shortfall"
SURPLUS = "surplus"

#: cell kinds: how a value is shown and stored
TEXT, INT, PERCENT, POINTS = "text", "int", "percent", "points"


@dataclass(frozen=True)
class Cell:
    """One table cell.  ``value`` is text, a whole number, a percentage (a float in percent
    units, 85.3 for 85.3 %), a difference in percentage points (``POINTS``) or None
    (empty).  ``flag`` marks a shortfall or surplus against the plan.  ``untrusted``
    text came from the records or the file system."""

    value: str | int | float | None
    kind: str = TEXT
    flag: str | None = None
    untrusted: bool = False

    @property
    def is_number(self) -> bool:
        return self.kind in (INT, PERCENT, POINTS) and self.value is not None


@dataclass(frozen=True)
class Column:
    """A column: stable ``key``, ``label`` shown, value ``kind`` and the label of the group
    header above it (the quarter it belongs to), if any."""

    key: str
    label: str
    kind: str = TEXT
    group: str | None = None


@dataclass
class Row:
    """A table row; ``role`` is "row", "total" or "subtotal" (shown in bold / italics)."""

    key: str
    cells: list[Cell]
    role: str = "row"


@dataclass
class Table:
    """A section of the report: a title, columns, rows and notes under the table."""

    key: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def groups(self) -> list[tuple[str, int]]:
        """Runs of columns under one group header: [(label, span)] ('' for no group);
        empty when no column has a group."""
        if not any(c.group for c in self.columns):
            return []
        out: list[tuple[str, int]] = []
        for c in self.columns:
            label = c.group or ""
            if out and out[-1][0] == label and label:
                out[-1] = (label, out[-1][1] + 1)
            else:
                out.append((label, 1))
        return out

    def parts(self, max_columns: int) -> list[tuple[str | None, list[int]]]:
        """[(group label or None, column indexes)]: the whole table, or, when it has more
        than ``max_columns`` columns and column groups, one part per group, each with the
        leading ungrouped columns (the level names) — for pages too narrow for it all."""
        if len(self.columns) <= max_columns or not self.groups:
            return [(None, list(range(len(self.columns))))]
        lead = [i for i, c in enumerate(self.columns) if not c.group]
        return [(label, lead + [i for i, c in enumerate(self.columns) if c.group == label])
                for label, _ in self.groups if label]

    def column_index(self, key: str) -> int:
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(key)


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
    ``warnings``; ``data``: the JSON document."""

    lang: str
    title: str
    library: str
    header: list[tuple[str, str | int]]
    tables: list[Table]
    charts: list[LevelChart]
    legend: str
    warnings: list[str]
    data: dict[str, Any]

    def table(self, key: str) -> Table:
        for tb in self.tables:
            if tb.key == key:
                return tb
        raise KeyError(key)

    def has_table(self, key: str) -> bool:
        return any(tb.key == key for tb in self.tables)


# -- helpers ---------------------------------------------------------------------------
def _flag(actual: int | None, target: int | None) -> str | None:
    if actual is None or target is None:
        return None
    if actual < target:
        return SHORTFALL
    if actual > target:
        return SURPLUS
    return None


def _int(v, flag: str | None = None) -> Cell:
    return Cell(v, INT, flag)


def _pct(v: float | None, flag: str | None = None) -> Cell:
    return Cell(v, PERCENT, flag)


def _share_pct(part: int | None, whole: int | None) -> float | None:
    """part / whole in percent units, two decimals; None without a whole."""
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 2)


def merge_counts(tally: Tally, quarters: Iterable[int]) -> dict[str, LevelCount]:
    """The Tally's per-level counts summed over ``quarters`` of its year."""
    out: dict[str, LevelCount] = {}
    for q in quarters:
        for lv, lc in tally.quarters.get(q, {}).items():
            out.setdefault(lv, LevelCount()).merge(lc)
    return out


def _with_levels(counts: dict[str, LevelCount], levels: Iterable[str]) -> dict[str, LevelCount]:
    out = {lv: LevelCount() for lv in levels}
    for lv, lc in counts.items():
        out.setdefault(lv, LevelCount()).merge(lc)
    return out


def report_period(plan: Plan, tally: Tally, *, year: int | None, quarter: int | None,
                  today: dt.date) -> Period:
    """The period a report covers: the quarter asked for, else the year to date (every
    quarter of the year that has started, up to the latest record date or today)."""
    y = year or plan.year
    if quarter is not None:
        return Period.for_quarter(y, quarter)
    latest = tally.latest_date if tally.latest_date and tally.latest_date.year == y else None
    return year_to_date(y, latest, today)


def period_label(period: Period, lang: str) -> str:
    if period.quarter is not None:
        return t("period_quarter", lang, year=period.year, n=period.quarter)
    if period.quarters == (1, 2, 3, 4):
        return t("period_year", lang, year=period.year)
    return t("period_ytd", lang, year=period.year, end=period.end.isoformat())


def _months(period: Period) -> list[str]:
    out = []
    y, m = period.start.year, period.start.month
    while (y, m) <= (period.end.year, period.end.month):
        out.append(f"{y}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


# -- the catalogue table ---------------------------------------------------------------
@dataclass(frozen=True)
class _Block:
    """One column group of the catalogue table: a quarter or the year to date."""

    key: str  # "q1" ... "ytd"
    label: str
    quarters: tuple[int, ...]
    levels: dict  # {level: level_json}
    total: dict
    subtotals: dict  # {key: level_json}


CATALOGUE_MEASURES = ("plan", "actual", "percent", "kazakh_plan", "kazakh_actual", "kazakh_share")


def _catalogue_cells(v: dict) -> list[Cell]:
    flag = _flag(v["total"], v["target"])
    kflag = _flag(v["kazakh"], v["kazakh_target"])
    return [_int(v["target"]), _int(v["total"], flag), _pct(v["percent_done"], flag),
            _int(v["kazakh_target"]), _int(v["kazakh"], kflag),
            _pct(_share_pct(v["kazakh"], v["total"]))]


def _subtotal_json(plan: Plan, key: str, counts: dict[str, LevelCount],
                   quarters: tuple[int, ...]) -> dict:
    sub = plan.subtotals[key]
    lc = LevelCount()
    for lv in sub.levels:
        if lv in counts:
            lc.merge(counts[lv])
    target, kazakh = sub.target.target(quarters)
    return level_json(lc, target, kazakh)


def _subtotal_name(plan: Plan, key: str, lang: str) -> str:
    names = plan.subtotals[key].names or {}
    name = names.get(lang) or next((names[x] for x in ("kk", "ru", "en") if names.get(x)), key)
    return t("of_which", lang, name=name)


def catalogue_table(blocks: list[_Block], plan: Plan, lang: str,
                    extra_notes: Iterable[str] = ()) -> Table:
    cols = [Column("level", t("c_level", lang))]
    labels = {"plan": "c_plan", "actual": "c_actual", "percent": "c_percent",
              "kazakh_plan": "c_kazakh_plan", "kazakh_actual": "c_kazakh_actual",
              "kazakh_share": "c_kazakh_share"}
    for b in blocks:
        for m in CATALOGUE_MEASURES:
            kind = PERCENT if m in ("percent", "kazakh_share") else INT
            cols.append(Column(f"{b.key}.{m}", t(labels[m], lang), kind, b.label))
    rows: list[Row] = []
    first = blocks[0]
    for lv in first.levels:
        cells = [Cell(plan.level_name(lv, lang))]
        for b in blocks:
            cells += _catalogue_cells(b.levels[lv])
        rows.append(Row(lv, cells))
    cells = [Cell(t("total", lang))]
    for b in blocks:
        cells += _catalogue_cells(b.total)
    rows.append(Row("total", cells, "total"))
    for key in first.subtotals:
        cells = [Cell(_subtotal_name(plan, key, lang))]
        for b in blocks:
            cells += _catalogue_cells(b.subtotals[key])
        rows.append(Row(f"subtotal:{key}", cells, "subtotal"))
    notes = [t("legend", lang), t("n_catalogue", lang), *extra_notes]
    if first.total["total"] == 0 and all(b.total["total"] == 0 for b in blocks):
        notes.insert(0, t("n_no_records", lang))
    return Table("catalogue", t("t_catalogue", lang), cols, rows, notes)


def kazakh_share_table(levels: dict, total: dict, plan: Plan, lang: str) -> tuple[Table, dict]:
    """Kazakh share per level for the period: actual share against the planned share."""
    cols = [Column("level", t("c_level", lang)),
            Column("actual", t("c_actual", lang), INT),
            Column("kazakh_actual", t("c_kazakh_actual", lang), INT),
            Column("kazakh_share", t("c_kazakh_share", lang), PERCENT),
            Column("kazakh_plan", t("c_kazakh_plan", lang), INT),
            Column("kazakh_share_plan", t("c_kazakh_share_plan", lang), PERCENT),
            Column("share_difference", t("c_share_difference", lang), POINTS),
            Column("kazakh_percent", t("c_kazakh_percent", lang), PERCENT),
            Column("other_languages", t("c_other_languages", lang))]
    rows: list[Row] = []
    data: dict[str, dict] = {}
    for key, v in list(levels.items()) + [("total", total)]:
        actual_share = _share_pct(v["kazakh"], v["total"])
        plan_share = _share_pct(v["kazakh_target"], v["target"])
        diff = (round(actual_share - plan_share, 2)
                if actual_share is not None and plan_share is not None else None)
        flag = None if diff is None else (SHORTFALL if diff < 0 else SURPLUS if diff > 0 else None)
        others = {lg: n for lg, n in v["languages"].items() if lg != KAZAKH}
        data[key] = {"total": v["total"], "kazakh": v["kazakh"],
                     "kazakh_share": v["kazakh_share"], "kazakh_target": v["kazakh_target"],
                     "target": v["target"],
                     "planned_kazakh_share": None if plan_share is None else round(plan_share / 100, 4),
                     "share_difference_points": diff,
                     "kazakh_percent_done": v["kazakh_percent_done"],
                     "other_languages": others}
        name = t("total", lang) if key == "total" else plan.level_name(key, lang)
        rows.append(Row(key, [Cell(name), _int(v["total"]), _int(v["kazakh"]),
                              _pct(actual_share, flag), _int(v["kazakh_target"]),
                              _pct(plan_share), Cell(diff, POINTS, flag),
                              _pct(v["kazakh_percent_done"],
                                   _flag(v["kazakh"], v["kazakh_target"])),
                              Cell(", ".join(f"{lg}: {n}" for lg, n in others.items()),
                                   untrusted=True)],
                        "total" if key == "total" else "row"))
    return (Table("kazakh_share", t("t_kazakh_share", lang), cols, rows,
                  [t("n_share_plan", lang), t("legend", lang)]), data)


def months_table(tally: Tally, period: Period, levels: Iterable[str], plan: Plan, lang: str
                 ) -> tuple[Table, dict]:
    months = _months(period)
    shown = [lv for lv in levels
             if lv in plan.catalogue or any(tally.months.get(m, {}).get(lv) for m in months)]
    cols = [Column("month", t("c_month", lang)), Column("month_name", t("c_month_name", lang))]
    cols += [Column(lv, plan.level_name(lv, lang), INT) for lv in shown]
    cols.append(Column("total", t("total", lang), INT))
    rows: list[Row] = []
    data: dict[str, dict] = {}
    sums = {lv: 0 for lv in shown}
    for m in months:
        counter = tally.months.get(m, {})
        per = {lv: int(counter.get(lv, 0)) for lv in shown}
        for lv, n in counter.items():  # levels outside ``shown`` never happen; be safe
            per.setdefault(lv, int(n))
        data[m] = {lv: n for lv, n in per.items()} | {"total": sum(per.values())}
        for lv in shown:
            sums[lv] += per[lv]
        rows.append(Row(m, [Cell(m), Cell(month_name(int(m[5:]), lang))]
                        + [_int(per[lv]) for lv in shown] + [_int(sum(per.values()))]))
    rows.append(Row("total", [Cell(t("total", lang)), Cell("")]
                    + [_int(sums[lv]) for lv in shown] + [_int(sum(sums.values()))], "total"))
    return Table("months", t("t_months", lang), cols, rows), data


# -- closed quarters: the corrections since they were closed ----------------------------
def quarters_text(quarters: Iterable[FrozenQuarter], lang: str) -> str:
    """'1-тоқсан (жабылды 2026-04-05), ...': the closed quarters, for notes."""
    return ", ".join(t("quarter_closed", lang, label=t("quarter", lang, n=fq.quarter),
                       date=fq.closed_on) for fq in quarters)


def _side_text(side: tuple[str, str] | None, plan: Plan, lang: str) -> str:
    """'Кітап (book), kaz' for a (level, language) contribution; '—' for none."""
    if side is None:
        return "—"
    level, language = side
    return f"{plan.level_name(level, lang)} ({level}), {language or '—'}"


def _import_day(c: ReportCorrection) -> str:
    return (c.imported_at or "")[:10]


def corrections_table(frozen: list[FrozenQuarter], plan: Plan, lang: str) -> Table:
    """A row per correction of the closed quarters shown: quarter, database, 001, title,
    the kind of change, the record's (level, language) in the quarter before and after,
    what changed and the day of the import that made it."""
    cols = [Column("quarter", t("c_quarter", lang)),
            Column("database", t("c_database_name", lang)),
            Column("id", t("c_id", lang)), Column("title", t("c_title", lang)),
            Column("change", t("c_change", lang)), Column("before", t("c_before", lang)),
            Column("after", t("c_after", lang)), Column("what", t("c_what", lang)),
            Column("imported", t("c_imported", lang))]
    rows: list[Row] = []
    for fq in frozen:
        for i, c in enumerate(fq.corrections):
            kind = t(f"k_{c.kind}", lang) if c.kind in ("added", "removed", "changed") else c.kind
            rows.append(Row(f"{fq.period}:{i}", [
                Cell(fq.period), Cell(c.database, untrusted=True),
                Cell(c.control_number, untrusted=True), Cell(c.title, untrusted=True),
                Cell(kind, untrusted=True), Cell(_side_text(c.before, plan, lang), untrusted=True),
                Cell(_side_text(c.after, plan, lang), untrusted=True),
                Cell(what_text(c.what, lang), untrusted=True), Cell(_import_day(c))]))
    notes = [t("n_closed_quarters", lang, quarters=quarters_text(frozen, lang))]
    notes.append(t("n_corrections", lang) if rows else t("n_no_corrections", lang))
    return Table("corrections", t("t_corrections", lang), cols, rows, notes)


def corrections_delta_table(frozen: list[FrozenQuarter], tally: Tally, plan: Plan, lang: str
                            ) -> Table:
    """Per closed quarter and level: the number handed in, the corrections' difference
    (``ClosedQuarter.delta()``) and the number now, in all and in Kazakh; a total row per
    quarter.  Levels are listed when the corrections or the numbers now differ from what
    was handed in."""
    cols = [Column("quarter", t("c_quarter", lang)), Column("level", t("c_level", lang)),
            Column("handed_in", t("c_handed_in", lang), INT),
            Column("delta", t("c_delta", lang), INT), Column("now", t("c_now", lang), INT),
            Column("kazakh_handed_in", t("c_kazakh_handed_in", lang), INT),
            Column("kazakh_delta", t("c_kazakh_delta", lang), INT),
            Column("kazakh_now", t("c_kazakh_now", lang), INT)]
    rows: list[Row] = []
    notes = [t("n_delta", lang)]
    for fq in frozen:
        now = tally.quarters.get(fq.quarter, {})
        empty = LevelCount()
        changed = set(fq.delta)
        changed |= {lv for lv in set(fq.counts) | set(now)
                    if (fq.counts.get(lv) or empty).total != (now.get(lv) or empty).total
                    or (fq.counts.get(lv) or empty).kazakh != (now.get(lv) or empty).kazakh}
        sums = [0] * 6
        mismatch = False
        for lv in levels_in_order(plan, changed):
            if lv not in changed:
                continue
            before, after = fq.counts.get(lv) or empty, now.get(lv) or empty
            d = fq.delta.get(lv, {"total": 0, "kazakh": 0})
            values = [before.total, d["total"], after.total, before.kazakh, d["kazakh"],
                      after.kazakh]
            mismatch |= (before.total + d["total"] != after.total
                         or before.kazakh + d["kazakh"] != after.kazakh)
            sums = [a + b for a, b in zip(sums, values)]
            rows.append(Row(f"{fq.period}:{lv}", [Cell(fq.period), Cell(plan.level_name(lv, lang))]
                            + [_int(v) for v in values]))
        hand = sum(lc.total for lc in fq.counts.values())
        hand_k = sum(lc.kazakh for lc in fq.counts.values())
        cur = sum(lc.total for lc in now.values())
        cur_k = sum(lc.kazakh for lc in now.values())
        dt_ = fq.delta_total()
        rows.append(Row(f"{fq.period}:total", [Cell(fq.period), Cell(t("total", lang)),
                                               _int(hand), _int(dt_["total"]), _int(cur),
                                               _int(hand_k), _int(dt_["kazakh"]), _int(cur_k)],
                        "total"))
        if mismatch or hand + dt_["total"] != cur or hand_k + dt_["kazakh"] != cur_k:
            notes.append(t("n_delta_mismatch", lang, period=fq.period))
    return Table("corrections_delta", t("t_corrections_delta", lang), cols, rows, notes)


def corrections_json(frozen: list[FrozenQuarter]) -> dict[str, Any]:
    """The report's ``corrections``: every correction (``items``) and per closed quarter
    shown (``quarters``, by number) when it was closed, how many corrections and their
    difference per level (``delta``: {level: {"total", "kazakh"}}) and in all."""
    return {"items": [c.as_dict() for fq in frozen for c in fq.corrections],
            "quarters": {str(fq.quarter): {"period": fq.period, "closed_at": fq.closed_at,
                                           "corrections": len(fq.corrections),
                                           "delta": fq.delta, "delta_total": fq.delta_total()}
                         for fq in frozen}}


# -- digitisation ----------------------------------------------------------------------
DIGITISATION_MEASURES = (
    ("documents_plan", "target_documents", "c_documents_plan"),
    ("documents", "documents", "c_documents"),
    ("documents_percent", None, "c_documents_percent"),
    ("pages_plan", "target_pages", "c_pages_plan"),
    ("pages", "pages", "c_pages"),
    ("pages_percent", None, "c_pages_percent"),
    ("kazakh_documents_plan", "target_kazakh_documents", "c_kazakh_documents_plan"),
    ("kazakh_documents", "kazakh_documents", "c_kazakh_documents"),
    ("kazakh_pages_plan", "target_kazakh_pages", "c_kazakh_pages_plan"),
    ("kazakh_pages", "kazakh_pages", "c_kazakh_pages"),
)


def _num(v) -> int | float | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def digitisation_table(dig: Mapping[str, Any], lang: str) -> Table:
    """The digitisation table from the digitisation JSON: a row per type and the total;
    documents, pages and their Kazakh parts against the targets, with % done."""
    cols = [Column("type", t("c_type", lang))]
    for key, _, label in DIGITISATION_MEASURES:
        cols.append(Column(key, t(label, lang), PERCENT if key.endswith("_percent") else INT))
    types = dict(dig.get("types") or {})
    order = [k for k in DIGITISATION_TYPES if k in types] + [k for k in types
                                                               if k not in DIGITISATION_TYPES]
    rows: list[Row] = []
    for key in order + ["total"]:
        v = types.get(key) if key != "total" else dig.get("total")
        if not isinstance(v, Mapping):
            continue
        cells = [Cell(digitisation_name(key, lang), untrusted=key not in DIGITISATION_TYPES
                      and key != "total")]
        for mkey, jkey, _ in DIGITISATION_MEASURES:
            if jkey is not None:
                value = _num(v.get(jkey))
                flag = None
                if not mkey.endswith("_plan"):
                    flag = _flag(value, _num(v.get(f"target_{jkey}")))
                cells.append(_int(value, flag))
            else:
                measure = mkey[:-len("_percent")]
                actual, target = _num(v.get(measure)), _num(v.get(f"target_{measure}"))
                cells.append(_pct(None if actual is None else percent(actual, target),
                                  _flag(actual, target)))
        rows.append(Row(key, cells, "total" if key == "total" else "row"))
    counts = {k: len(dig.get(k) or ()) for k in ("missing_pdfs", "orphan_pdfs", "page_mismatches")}
    notes = [t("n_digitisation_counts", lang, missing=counts["missing_pdfs"],
               orphan=counts["orphan_pdfs"], mismatch=counts["page_mismatches"]),
             t("legend", lang)]
    return Table("digitisation", t("t_digitisation", lang), cols, rows, notes)


def _detail(item: Any) -> str:
    if isinstance(item, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in item.items() if v not in (None, "", [], {}))
    return str(item)


def digitisation_issues_table(dig: Mapping[str, Any], lang: str) -> Table | None:
    """What the digitisation check asks the user to look at (missing and orphan PDFs, page
    counts that differ, problems), one row each; None when there is nothing."""
    rows: list[Row] = []
    for key in ("missing_pdfs", "orphan_pdfs", "page_mismatches", "problems"):
        for i, item in enumerate(dig.get(key) or ()):
            rows.append(Row(f"{key}:{i}", [Cell(t(f"k_{key}", lang)),
                                           Cell(_detail(item), untrusted=True)]))
    if not rows:
        return None
    return Table("digitisation_issues", t("t_digitisation_issues", lang),
                 [Column("kind", t("c_issue", lang)), Column("detail", t("c_detail", lang))], rows)


# -- header tables ---------------------------------------------------------------------
def _nonzero(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{k}: {n}" for k, n in counter.items() if n)


def files_table(scan: Scan, plan: Plan, lang: str) -> tuple[Table, list[dict]]:
    cols = [Column("file", t("c_file", lang)), Column("format", t("c_format", lang)),
            Column("database", t("c_database", lang)), Column("records", t("c_records", lang), INT),
            Column("damaged", t("c_damaged", lang), INT),
            Column("encodings", t("c_encodings", lang)), Column("flavours", t("c_flavours", lang)),
            Column("dates", t("c_dates", lang)), Column("problems", t("c_problems", lang), INT)]
    rows: list[Row] = []
    data: list[dict] = []
    for f in scan.files:
        d = f.as_dict()
        encodings = {k: v for k, v in d["encodings"].items() if v}
        flavours = {k: v for k, v in d["flavours"].items() if v}
        dates = d["date_entered"]
        span = f"{dates['min']} – {dates['max']}" if dates["min"] else ""
        db = plan.level_name(f.db_level, lang) + f" ({f.db_level})" if f.db_level else ""
        data.append({"file": f.file, "format": f.format, "records": f.records,
                     "damaged": f.damaged, "encodings": encodings, "flavours": flavours,
                     "db_level": f.db_level, "date_entered": dates,
                     "problems": len(f.problems),
                     **({"duplicate_of": f.duplicate_of} if f.duplicate_of else {}),
                     **({"error": f.error} if f.error else {})})
        rows.append(Row(f.file, [Cell(f.file, untrusted=True), Cell(f.format), Cell(db),
                                 _int(f.records), _int(f.damaged),
                                 Cell(_nonzero(encodings), untrusted=True),
                                 Cell(_nonzero(flavours)), Cell(span), _int(len(f.problems))]))
    if rows:
        rows.append(Row("total", [Cell(t("total", lang)), Cell(""), Cell(""),
                                  _int(sum(f.records for f in scan.files)),
                                  _int(sum(f.damaged for f in scan.files)), Cell(""), Cell(""),
                                  Cell(""), _int(sum(len(f.problems) for f in scan.files))],
                        "total"))
    return Table("files", t("t_files", lang), cols, rows), data


def rules_table(plan: Plan, lang: str) -> tuple[Table, list[dict]]:
    cols = [Column("number", t("c_number", lang), INT), Column("level", t("c_level", lang)),
            Column("rule", t("c_rule", lang))]
    rows, data = [], []
    for i, rule in enumerate(plan.rules_in_force(), 1):
        desc = rule.description or rule.explain()
        data.append({"level": rule.level, "rule": desc})
        rows.append(Row(str(i), [_int(i), Cell(f"{plan.level_name(rule.level, lang)} "
                                              f"({rule.level})", untrusted=True),
                                 Cell(desc, untrusted=True)]))
    return Table("rules", t("t_rules", lang), cols, rows, [t("n_rules_db", lang)]), data


def problems_table(scan: Scan, tally: Tally, lang: str) -> Table:
    cols = [Column("kind", t("c_kind", lang)), Column("file", t("c_file", lang)),
            Column("record", t("c_record", lang), INT), Column("offset", t("c_offset", lang), INT),
            Column("id", t("c_id", lang)), Column("title", t("c_title", lang)),
            Column("message", t("c_message", lang))]
    rows: list[Row] = []

    def add(kind: str, file, record, offset, ident, title, message) -> None:
        rows.append(Row(f"{kind}:{len(rows)}", [
            Cell(t(f"k_{kind}", lang)), Cell(file, untrusted=True), _int(record), _int(offset),
            Cell(ident, untrusted=True), Cell(title, untrusted=True),
            Cell(message, untrusted=True)]))

    for p in scan.problems:
        add("damaged" if p.record is not None else "file", p.file, p.record, p.offset, p.id,
            p.title, p.message)
    for r in tally.undated_records:
        add("undated", r.file, r.record, r.offset, r.id, r.title, r.reason)
    for r in tally.deleted_records:
        add("deleted", r.file, r.record, r.offset, r.id, r.title, r.reason)
    notes = [] if rows else [t("none", lang)]
    return Table("problems", t("t_problems", lang), cols, rows, notes)


# -- the report ------------------------------------------------------------------------
def build_report(tally: Tally, scan: Scan, plan: Plan, period: Period, lang: str = "kk",
                 produced: dt.date | None = None, digitisation: Mapping[str, Any] | None = None,
                 warnings: Iterable[str] = (), closures: Closures | None = None) -> Report:
    """The report for ``period`` (a quarter, or quarters 1..n of a year: the year to date).

    ``tally`` must have been fed the whole year's records (``Period.for_year(period.year)``)
    so its per-quarter counts give the quarter and year-to-date columns; ``scan`` is the
    scan's summary (files, problems); ``digitisation`` the digitisation JSON, when there
    is one; ``closures`` the ledger's closed quarters of the year (None: not from a
    ledger): a closed quarter up to the period's end shows its frozen numbers, and the
    corrections since are listed."""
    lang = check_lang(lang)
    produced = produced or dt.date.today()
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
        levels, total = table_json(counts, plan, qs)
        subs = {k: _subtotal_json(plan, k, counts, qs) for k in plan.subtotals}
        return _Block(key, label, qs, levels, total, subs)

    def quarter_label(q: int) -> str:
        label = t("quarter", lang, n=q)
        if q in frozen:
            return t("quarter_closed", lang, label=label, date=frozen[q].closed_on)
        return label

    q_blocks = [block(f"q{q}", quarter_label(q), (q,)) for q in quarters]
    ytd = block("ytd", t("year_to_date", lang), ytd_quarters)
    shown_blocks = q_blocks + ([ytd] if ytd_quarters != (quarters[0],) else [])
    period_counts = _with_levels(shown_counts(quarters), found)
    levels, total = table_json(period_counts, plan, quarters)
    counted_now = sum(lc.total for lc in merge_counts(tally, quarters).values())

    warn = list(warnings)
    if period.year != plan.year:
        warn.append(t("n_year_mismatch", lang, plan_year=plan.year, year=period.year))

    closed_notes: list[str] = []
    if frozen_list:
        closed_notes.append(t("n_closed_quarters", lang,
                              quarters=quarters_text(frozen_list, lang)))
        if ytd in shown_blocks:
            closed_notes.append(t("n_ytd_frozen", lang,
                                  quarters=quarters_text(frozen_list, lang)))
    tables: list[Table] = [catalogue_table(shown_blocks, plan, lang, closed_notes)]
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
            tables.append(issues)
    files_tb, files_data = files_table(scan, plan, lang)
    rules_tb, rules_data = rules_table(plan, lang)
    tables += [files_tb, rules_tb, problems_table(scan, tally, lang)]

    in_period = total["total"]
    records = {"read": tally.read, "in_period": in_period,
               "outside_period": tally.read - tally.deleted - tally.undated - tally.not_bibliographic
               - counted_now,
               "undated": tally.undated, "damaged": tally.damaged, "deleted": tally.deleted,
               "not_bibliographic": tally.not_bibliographic}
    label = period_label(period, lang)
    source = (t("plan_builtin", lang) if not plan.source or plan.source.startswith("built-in")
              else plan.source)
    header: list[tuple[str, str | int]] = [
        (t("library", lang), plan.library or ""), (t("year", lang), period.year),
        (t("period", lang), f"{label} ({period.start.isoformat()} – {period.end.isoformat()})"),
        (t("produced", lang), produced.isoformat()), (t("plan_source", lang), source),
        (t("records_read", lang), records["read"]),
        (t("records_in_period", lang), records["in_period"]),
        (t("records_outside", lang), records["outside_period"]),
        (t("records_undated", lang), records["undated"]),
        (t("records_deleted", lang), records["deleted"]),
        (t("records_not_bibliographic", lang), records["not_bibliographic"]),
        (t("records_damaged", lang), records["damaged"])]

    charts = []
    for lv in levels:
        bars = tuple(Bar(b.label, b.levels[lv]["target"] or 0, b.levels[lv]["total"])
                     for b in q_blocks)
        if any(b.plan or b.actual for b in bars):
            charts.append(LevelChart(lv, plan.level_name(lv, lang), bars))

    data: dict[str, Any] = {
        "header": {"title": t("report_title", lang), "library": plan.library, "year": period.year,
                   "period": label, "produced": produced.isoformat(), "lang": lang,
                   "plan": {"year": plan.year, "library": plan.library, "source": plan.source},
                   "files": files_data, "rules": rules_data},
        "period": period.as_dict(),
        "records": records,
        "levels": levels,
        "total": total,
        "quarters": {str(b.quarters[0]): {
            "levels": b.levels, "total": b.total, "subtotals": b.subtotals,
            "closed": b.quarters[0] in frozen,
            "closed_at": frozen[b.quarters[0]].closed_at if b.quarters[0] in frozen else None}
            for b in q_blocks},
        "year_to_date": {"quarters": list(ytd_quarters), "closed_quarters": sorted(frozen),
                         "start": dt.date(period.year, 1, 1).isoformat(),
                         "end": quarter_bounds(period.year, ytd_quarters[-1])[1].isoformat(),
                         "levels": ytd.levels, "total": ytd.total, "subtotals": ytd.subtotals},
        "kazakh_share": share_data,
        "months": months_data,
        "problems": [problem_dict(p) for p in scan.problems],
        "undated": [r.as_dict() for r in tally.undated_records],
        "deleted": [r.as_dict() for r in tally.deleted_records],
        "corrections": corrections_json(frozen_list),
        "warnings": warn,
    }
    if digitisation is not None:
        data["digitisation"] = dict(digitisation)
    return Report(lang=lang, title=t("report_title", lang), library=plan.library or "",
                  header=header, tables=tables, charts=charts, legend=t("legend", lang),
                  warnings=warn, data=data)
