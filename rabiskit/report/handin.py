"""The tables the library hands in, in the plan's own layout and words (the seed's
sections II and V), with the actual ("орындалысы") beside each plan figure:

* :func:`control_table`: "Бақылау көрсеткіштері" (records in the electronic catalogue,
  digitised documents, their pages; each with its part in the state language): last
  year's plan and actual, this year's plan and actual, then I-IV quarters;
* :func:`records_table`: "библиографиялық жазбаның тоқсан бойынша жиынтық жоспар": per
  level the year plan and each quarter's plan, of which in Kazakh, with the actuals; the
  total over the planned levels, then the levels beyond the plan; one more table per
  stated subtotal (the corporate cataloguing of article and local-lore records);
* :func:`digitisation_plan_table`: "Құжаттарды цифрлау тоқсан бойынша жиынтық жоспар":
  per type the documents and their pages;
* :func:`annual_statistics_table`: the electronic-resources figures of the annual state
  statistics form 6-НК (year reports).

Actuals come as :class:`Actuals`: per quarter (only the quarters that have started on
the report's as-of date: a later quarter's actual is left empty) and for the year (to
the as-of date), and last year's when known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from rabiskit.aggregate.count import LevelCount, planned_levels
from rabiskit.plan.model import ControlRow, Plan
from rabiskit.report.messages import quarter_label, t
from rabiskit.report.table import INT, SHORTFALL, SURPLUS, Cell, Column, Row, Table
from rabiskit.rules.levels import DIGITISATION_TYPES, digitisation_name

#: the control indicators' rows, in the seed's order: (key, message key)
CONTROL_ROWS = (("records", "h_records"), ("records_kazakh", "h_state_language"),
                ("documents", "h_digitised"), ("documents_kazakh", "h_state_language"),
                ("pages", "h_digitised_pages"), ("pages_kazakh", "h_state_language"))

#: digitisation figures: (documents, Kazakh documents, pages, Kazakh pages)
Figures = tuple[int, int, int, int]


@dataclass
class Actuals:
    """What was done, for the hand-in tables.

    ``quarters``: {quarter: {level: LevelCount}} for the quarters that have started;
    ``year``: {level: LevelCount} of the year to the as-of date; ``digitised``: {quarter:
    {type: Figures}} and ``digitised_year``: {type: Figures} (None without the digitisation
    module); ``last_year_records`` (records, in Kazakh) and ``last_year_digitised``
    (Figures) over the planned levels / all types, None when unknown."""

    quarters: dict[int, Mapping[str, LevelCount]]
    year: Mapping[str, LevelCount]
    digitised: dict[int, Mapping[str, Figures]] | None = None
    digitised_year: Mapping[str, Figures] | None = None
    last_year_records: tuple[int, int] | None = None
    last_year_digitised: Figures | None = None
    quarter_notes: dict[int, str] = field(default_factory=dict)


def _flag(actual: int | None, target: int | None) -> str | None:
    if actual is None or target is None:
        return None
    return SHORTFALL if actual < target else SURPLUS if actual > target else None


def _plan(v: int | None) -> Cell:
    return Cell(v, INT)


def _actual(v: int | None, target: int | None) -> Cell:
    return Cell(v, INT, _flag(v, target))


def _sum_levels(counts: Mapping[str, LevelCount], levels) -> tuple[int, int]:
    total = kazakh = 0
    for lv in levels:
        lc = counts.get(lv)
        if lc is not None:
            total += lc.total
            kazakh += lc.kazakh
    return total, kazakh


def _sum_figures(figs: Mapping[str, Figures] | None) -> Figures | None:
    if figs is None:
        return None
    out = [0, 0, 0, 0]
    for f in figs.values():
        out = [a + b for a, b in zip(out, f)]
    return tuple(out)  # type: ignore[return-value]


def quarter_header(q: int, lang: str, actuals: Actuals) -> str:
    label = quarter_label(q, lang)
    note = actuals.quarter_notes.get(q)
    return f"{label} ({note})" if note else label


# -- control indicators (section II) ---------------------------------------------------
def control_rows(plan: Plan) -> dict[str, ControlRow]:
    """The control indicators' plan: as the plan file states them ([control]), else from
    the catalogue total and the digitisation total."""
    if plan.control is not None:
        return dict(plan.control)
    records, kazakh = [], []
    for q in (1, 2, 3, 4):
        a, b = plan.total_target((q,))
        records.append(a)
        kazakh.append(b)
    rows = {"records": ControlRow(tuple(records), plan.total_target()[0]),
            "records_kazakh": ControlRow(tuple(kazakh), plan.total_target()[1])}
    figs = [plan.digitisation_target("total", (q,)) if plan.digitisation_total is not None
            else tuple(map(sum, zip(*[plan.digitisation_target(k, (q,))
                                      for k in plan.digitisation]))) if plan.digitisation
            else (0, 0, 0, 0) for q in (1, 2, 3, 4)]
    for i, key in enumerate(("documents", "documents_kazakh", "pages", "pages_kazakh")):
        quarters = tuple(int(f[i]) for f in figs)
        rows[key] = ControlRow(quarters, sum(quarters))  # type: ignore[arg-type]
    return rows


def _control_actual(key: str, counts: Mapping[str, LevelCount] | None,
                    figs: Figures | None, planned: list[str]) -> int | None:
    if key.startswith("records"):
        if counts is None:
            return None
        total, kazakh = _sum_levels(counts, planned)
        return kazakh if key.endswith("kazakh") else total
    if figs is None:
        return None
    return figs[("documents", "documents_kazakh", "pages", "pages_kazakh").index(key)]


def control_table(plan: Plan, actuals: Actuals, year: int, lang: str) -> Table:
    planned = planned_levels(plan)
    last = plan.last_year
    ly = last.year if last is not None else year - 1
    cols = [Column("indicator", t("h_control", lang)),
            Column("last_plan", t("h_plan", lang), INT, t("h_year", lang, year=ly)),
            Column("last_actual", t("h_actual", lang), INT, t("h_year", lang, year=ly)),
            Column("year_plan", t("h_plan", lang), INT, t("h_year", lang, year=year)),
            Column("year_actual", t("h_actual", lang), INT, t("h_year", lang, year=year))]
    for q in (1, 2, 3, 4):
        group = quarter_header(q, lang, actuals)
        cols += [Column(f"q{q}.plan", t("h_plan", lang), INT, group),
                 Column(f"q{q}.actual", t("h_actual", lang), INT, group)]
    plan_rows = control_rows(plan)
    dig_q = actuals.digitised or {}
    last_dig = actuals.last_year_digitised
    rows: list[Row] = []
    for key, label in CONTROL_ROWS:
        pr = plan_rows[key]
        last_plan = last.plan.get(key) if last is not None else None
        if last is not None and key in last.actual:
            last_actual = last.actual[key]
        elif key.startswith("records"):
            lr = actuals.last_year_records
            last_actual = None if lr is None else lr[1 if key.endswith("kazakh") else 0]
        else:
            last_actual = _control_actual(key, None, last_dig, planned)
        year_actual = _control_actual(key, actuals.year, _sum_figures(actuals.digitised_year),
                                      planned)
        cells = [Cell(t(label, lang)), _plan(last_plan), _actual(last_actual, last_plan),
                 _plan(pr.year), _actual(year_actual, pr.year)]
        for q in (1, 2, 3, 4):
            target = pr.quarters[q - 1]
            counts = actuals.quarters.get(q)
            figs = _sum_figures(dig_q.get(q)) if q in dig_q else None
            actual = _control_actual(key, counts, figs, planned) if counts is not None else None
            cells += [_plan(target), _actual(actual, target)]
        rows.append(Row(key, cells, "subrow" if key.endswith("kazakh") else "row"))
    notes = [t("n_control", lang, levels=", ".join(plan.level_name(lv, lang) for lv in planned))]
    if plan.control is not None:
        notes.append(t("n_control_stated", lang))
    if actuals.digitised is None:
        notes.append(t("n_no_digitisation", lang))
    return Table("control", t("h_t_control", lang), cols, rows, notes, part="handin")


# -- records per level and quarter (section V, а) and б)) -------------------------------
def _block_columns(key: str, group: str, lang: str) -> list[Column]:
    return [Column(f"{key}.plan", t("h_plan", lang), INT, group),
            Column(f"{key}.actual", t("h_actual", lang), INT, group),
            Column(f"{key}.kazakh_plan", t("h_kazakh_plan", lang), INT, group),
            Column(f"{key}.kazakh_actual", t("h_kazakh_actual", lang), INT, group)]


def _records_columns(year: int, lang: str, actuals: Actuals, first: str) -> list[Column]:
    cols = [Column("level", first)]
    cols += _block_columns("year", t("h_year_long", lang, year=year), lang)
    for q in (1, 2, 3, 4):
        cols += _block_columns(f"q{q}", quarter_header(q, lang, actuals), lang)
    return cols


def _records_cells(name: str, year_target: tuple[int, int], quarter_targets,
                   actual_year: tuple[int, int] | None, actual_q: dict[int, tuple[int, int]]
                   ) -> list[Cell]:
    cells = [Cell(name)]
    ay = actual_year or (None, None)
    cells += [_plan(year_target[0]), _actual(ay[0], year_target[0]),
              _plan(year_target[1]), _actual(ay[1], year_target[1])]
    for q in (1, 2, 3, 4):
        tq = quarter_targets[q - 1]
        aq = actual_q.get(q, (None, None))
        cells += [_plan(tq[0]), _actual(aq[0], tq[0]), _plan(tq[1]), _actual(aq[1], tq[1])]
    return cells


def records_table(plan: Plan, actuals: Actuals, year: int, lang: str) -> Table:
    planned = planned_levels(plan)
    cols = _records_columns(year, lang, actuals, t("h_level", lang))
    rows: list[Row] = []
    found = {lv for counts in [actuals.year] + list(actuals.quarters.values())
             for lv, lc in counts.items() if lc.total}
    beyond = [lv for lv in list(plan.catalogue) + sorted(found) if lv not in planned]
    beyond = list(dict.fromkeys(beyond))

    def level_row(lv: str, role: str = "row") -> Row:
        row = plan.catalogue.get(lv)
        year_target = (row.year(), row.year_kazakh_or_sum()) if row is not None else (0, 0)
        qt = [plan.target(lv, (q,)) for q in (1, 2, 3, 4)]
        ay = _sum_levels(actuals.year, [lv])
        aq = {q: _sum_levels(c, [lv]) for q, c in actuals.quarters.items()}
        cells = _records_cells(plan.level_name(lv, lang), year_target, qt, ay, aq)
        if role == "beyond":  # no target: nothing to fall short of
            cells = [Cell(c.value, c.kind) for c in cells]
        return Row(lv, cells, role)

    for lv in planned:
        rows.append(level_row(lv))
    total_year = plan.catalogue_total.year() if plan.catalogue_total is not None \
        else sum(plan.catalogue[lv].year() for lv in planned)
    total_kaz = plan.catalogue_total.year_kazakh_or_sum() if plan.catalogue_total is not None \
        else sum(plan.catalogue[lv].year_kazakh_or_sum() for lv in planned)
    qt = [plan.total_target((q,)) for q in (1, 2, 3, 4)]
    rows.append(Row("total", _records_cells(
        t("h_total", lang), (total_year, total_kaz), qt, _sum_levels(actuals.year, planned),
        {q: _sum_levels(c, planned) for q, c in actuals.quarters.items()}), "total",
        sums=tuple(planned)))
    if beyond:
        rows.append(Row("beyond", [Cell(t("h_beyond", lang))] + [Cell(None)] * (len(cols) - 1),
                        "caption"))
        for lv in beyond:
            rows.append(level_row(lv, "beyond"))
        everything = planned + beyond
        # no plan figures: the plan's total is for the planned levels
        cells = _records_cells(t("h_all_levels", lang), (None, None), [(None, None)] * 4,
                               _sum_levels(actuals.year, everything),
                               {q: _sum_levels(c, everything) for q, c in actuals.quarters.items()})
        rows.append(Row("all_levels", cells, "subtotal"))
    notes = [t("n_records_total", lang,
               levels=", ".join(plan.level_name(lv, lang) for lv in planned))]
    if beyond:
        notes.append(t("n_beyond", lang))
    return Table("records", t("h_t_records", lang, year=year), cols, rows, notes, part="handin")


def subtotal_tables(plan: Plan, actuals: Actuals, year: int, lang: str) -> list[Table]:
    """One table per stated subtotal (the corporate cataloguing of section V, б)): its
    levels and its own total row, in the records table's columns."""
    out = []
    for key, sub in plan.subtotals.items():
        names = sub.names or {}
        name = names.get(lang) or next((names[x] for x in ("kk", "ru", "en") if names.get(x)),
                                       key)
        cols = _records_columns(year, lang, actuals, t("h_library_level", lang))
        rows = []
        for lv in sub.levels:
            row = plan.catalogue.get(lv)
            yt = (row.year(), row.year_kazakh_or_sum()) if row is not None else (0, 0)
            rows.append(Row(lv, _records_cells(
                plan.level_name(lv, lang), yt, [plan.target(lv, (q,)) for q in (1, 2, 3, 4)],
                _sum_levels(actuals.year, [lv]),
                {q: _sum_levels(c, [lv]) for q, c in actuals.quarters.items()})))
        target = sub.target
        rows.append(Row("total", _records_cells(
            t("h_total", lang), (target.year(), target.year_kazakh_or_sum()),
            [target.target((q,)) for q in (1, 2, 3, 4)], _sum_levels(actuals.year, sub.levels),
            {q: _sum_levels(c, sub.levels) for q, c in actuals.quarters.items()}), "total",
            sums=tuple(sub.levels)))
        out.append(Table(f"subtotal_{key}", name, cols, rows, [], part="handin"))
    return out


# -- digitisation per quarter (section V) ----------------------------------------------
def digitisation_plan_table(plan: Plan, actuals: Actuals, year: int, lang: str) -> Table:
    """Per type two rows (documents, then their pages), then the totals; columns as the
    records table: the year, then I-IV, each plan / actual / Kazakh plan / Kazakh actual."""
    cols = _records_columns(year, lang, actuals, t("h_digitisation_type", lang))
    kinds = [k for k in DIGITISATION_TYPES if k in plan.digitisation] + \
        [k for k in plan.digitisation if k not in DIGITISATION_TYPES]
    dig_q = actuals.digitised
    dig_y = actuals.digitised_year
    rows: list[Row] = []

    def figures_of(kind: str | None, figs: Mapping[str, Figures] | None) -> Figures | None:
        if figs is None:
            return None
        if kind is None:
            return _sum_figures(figs)
        return figs.get(kind, (0, 0, 0, 0))

    def add(kind: str | None, name: str, target_row, role: str) -> None:
        for part, label in ((0, name), (2, t("h_pages", lang))):
            if target_row is not None:
                yt = (target_row.year(("documents", "pages")[part // 2]),
                      target_row.year(("kazakh_documents", "kazakh_pages")[part // 2]))
                qt = [target_row.target((q,))[part:part + 2] for q in (1, 2, 3, 4)]
            else:
                yt, qt = (0, 0), [(0, 0)] * 4
            fy = figures_of(kind, dig_y)
            ay = None if fy is None else (fy[part], fy[part + 1])
            aq = {}
            for q, figs in (dig_q or {}).items():
                f = figures_of(kind, figs)
                aq[q] = (f[part], f[part + 1])
            key = (kind or "total") + (".pages" if part else ".documents")
            rows.append(Row(key, _records_cells(label, yt, qt, ay, aq),
                            role if not part else ("subrow" if role == "row" else role)))

    for kind in kinds:
        add(kind, digitisation_name(kind, lang), plan.digitisation[kind], "row")
    total_row = plan.digitisation_total
    if total_row is None and plan.digitisation:
        from rabiskit.plan.model import DigitisationTarget

        sums = {c: tuple(sum(r.column(c)[i] for r in plan.digitisation.values())
                         for i in range(4))
                for c in ("documents", "kazakh_documents", "pages", "kazakh_pages")}
        total_row = DigitisationTarget(**sums)
    add(None, t("h_documents_total", lang), total_row, "total")
    notes = []
    if dig_q is None:
        notes.append(t("n_no_digitisation", lang))
    return Table("digitisation_plan", t("h_t_digitisation", lang), cols, rows, notes,
                 part="handin")


# -- the annual statistics (form 6-НК) --------------------------------------------------
@dataclass(frozen=True)
class AnnualStatistics:
    """The electronic-resources figures the annual state statistics form 6-НК asks for,
    from the exports: records created in the year, records withdrawn (marked deleted, by
    the date of their last change) in the year, records in the catalogue at the year's end
    (or the as-of date), digitised documents in the year and in all (None: not known)."""

    created: int
    withdrawn: int
    withdrawn_undated: int
    in_catalogue: int
    in_catalogue_undated: int
    digitised_year: int | None
    digitised_total: int | None

    def as_dict(self) -> dict:
        return {"records_created": self.created, "records_withdrawn": self.withdrawn,
                "records_withdrawn_undated": self.withdrawn_undated,
                "records_in_catalogue": self.in_catalogue,
                "records_in_catalogue_undated": self.in_catalogue_undated,
                "digitised_in_year": self.digitised_year,
                "digitised_in_total": self.digitised_total}


def annual_statistics_table(stats: AnnualStatistics, year: int, end: str, lang: str) -> Table:
    cols = [Column("indicator", t("h_6nk_indicator", lang)),
            Column("value", t("h_6nk_value", lang), INT)]
    rows = [Row("created", [Cell(t("h_6nk_created", lang, year=year)), Cell(stats.created, INT)]),
            Row("withdrawn", [Cell(t("h_6nk_withdrawn", lang, year=year)),
                              Cell(stats.withdrawn, INT)]),
            Row("in_catalogue", [Cell(t("h_6nk_in_catalogue", lang, date=end)),
                                 Cell(stats.in_catalogue, INT)]),
            Row("digitised_year", [Cell(t("h_6nk_digitised_year", lang, year=year)),
                                   Cell(stats.digitised_year, INT)]),
            Row("digitised_total", [Cell(t("h_6nk_digitised_total", lang, date=end)),
                                    Cell(stats.digitised_total, INT)])]
    notes = [t("n_6nk", lang)]
    if stats.withdrawn_undated or stats.in_catalogue_undated:
        notes.append(t("n_6nk_undated", lang, withdrawn=stats.withdrawn_undated,
                       undated=stats.in_catalogue_undated))
    return Table("annual_statistics", t("h_t_6nk", lang), cols, rows, notes, part="handin")
