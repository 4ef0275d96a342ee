"""Checking a plan's own sums: real plans disagree with themselves.

``check_plan`` compares, for the catalogue and the digitisation tables:

* each row's stated annual figures with the sums of its quarters;
* each row's stated annual Kazakh figure with its stated annual total (Kazakh is a part);
* the plan's total row with the sum of the rows, quarter by quarter, and its stated
  annual figures with the sum of the rows' annual figures (each row's stated figure, or
  its quarter sum when it states none);
* each stated subtotal (e.g. corporate cataloguing = article + local_lore) likewise.

* the control indicators the plan states (section II, ``[control]``): each row's year
  against its quarters, and each figure against the tables it summarises (records and
  their Kazakh part against the catalogue total, documents and pages against the
  digitisation total), quarter by quarter and for the year.

(Per-quarter Kazakh above the total is refused when the plan is loaded.)  Each
disagreement is a ``Finding`` naming the table, the row, the column ("pages year",
"total Q4" ...) and both numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

from rabiskit.i18n import N_
from rabiskit.plan.model import DIGITISATION_COLUMNS, DigitisationTarget, LevelTarget, Plan

QUARTERS = ("Q1", "Q2", "Q3", "Q4")


@dataclass(frozen=True)
class Finding:
    """One disagreement in the plan: ``stated`` is the figure the plan gives, ``computed``
    what its parts add up to (for a Kazakh figure above its total: that total)."""

    table: str  # "catalogue" or "digitisation"
    row: str  # level or type key, "total", or "subtotals.corporate"
    column: str  # measure and period, e.g. "pages year", "total Q4", "kazakh year"
    stated: int
    computed: int
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


# The measures of each table: (column label, attribute of the per-quarter figures,
# attribute of the stated year figure, label of the measure in messages).
_CATALOGUE = (("total", "quarters", "year_total", N_("records")),
              ("kazakh", "kazakh", "year_kazakh", N_("records in Kazakh")))
_MEASURE_LABELS = {"documents": N_("documents"), "kazakh_documents": N_("Kazakh documents"),
                   "pages": N_("pages"), "kazakh_pages": N_("Kazakh pages")}
_DIGITISATION = tuple((c, c, f"year_{c}", _MEASURE_LABELS.get(c, c.replace("kazakh_", "Kazakh ")))
                      for c in DIGITISATION_COLUMNS)
# the messages, English (the JSON's); rabiskit.i18n.translate_text shows them translated
YEAR_VS_QUARTERS = N_("{where}: the year says {stated} {label}, but the quarters add up to "
                      "{computed} ({parts})")
PART_ABOVE_WHOLE = N_("{where}: the year says {part} {part_label}, more than the {whole} "
                      "{whole_label} in all")
QUARTER_VS_ROWS = N_("{where}: {column} says {stated} {label}, but the rows ({names}) add up "
                     "to {computed}")
CONTROL_VS_TABLE = N_("{where}: {column} says {stated} {label}, but {source} says {computed}")
CONTROL_YEAR_VS_TABLE = N_("{where}: the year says {stated} {label}, but {source} says "
                           "{computed}")
YEAR_VS_ROWS = N_("{where}: the year says {stated} {label}, but the rows' years ({names}) add "
                  "up to {computed}")


def _row_checks(table: str, row: str, target: object, measures, out: list[Finding]) -> None:
    """Stated year figures against quarter sums; Kazakh year against total year."""
    for column, attr, year_attr, label in measures:
        stated = getattr(target, year_attr)
        if stated is None:
            continue
        computed = sum(getattr(target, attr))
        if stated != computed:
            out.append(Finding(
                table, row, f"{column} year", stated, computed,
                YEAR_VS_QUARTERS.format(
                    where=f"{table}.{row}", stated=stated, label=label, computed=computed,
                    parts=" + ".join(str(v) for v in getattr(target, attr)))))
    pairs = [(measures[i], measures[i + 1]) for i in range(0, len(measures), 2)]
    for (whole_col, _, whole_year, whole_label), (part_col, _, part_year, part_label) in pairs:
        whole, part = getattr(target, whole_year), getattr(target, part_year)
        if whole is not None and part is not None and part > whole:
            out.append(Finding(
                table, row, f"{part_col} year", part, whole,
                PART_ABOVE_WHOLE.format(where=f"{table}.{row}", part=part, part_label=part_label,
                                        whole=whole, whole_label=whole_label)))


def _sum_checks(table: str, row: str, stated_row: object, parts: Iterable[tuple[str, object]],
                measures, out: list[Finding]) -> None:
    """A stated total (or subtotal) row against the sum of its parts."""
    parts = list(parts)
    names = ", ".join(name for name, _ in parts)
    for column, attr, year_attr, label in measures:
        stated_q = getattr(stated_row, attr)
        for i, q in enumerate(QUARTERS):
            computed = sum(getattr(p, attr)[i] for _, p in parts)
            if stated_q[i] != computed:
                out.append(Finding(
                    table, row, f"{column} {q}", stated_q[i], computed,
                    QUARTER_VS_ROWS.format(where=f"{table}.{row}", column=q, stated=stated_q[i],
                                           label=label, names=names, computed=computed)))
        stated_year = getattr(stated_row, year_attr)
        if stated_year is None:
            continue
        computed = 0
        for _, p in parts:
            own = getattr(p, year_attr)
            computed += own if own is not None else sum(getattr(p, attr))
        if stated_year != computed:
            out.append(Finding(
                table, row, f"{column} year", stated_year, computed,
                YEAR_VS_ROWS.format(where=f"{table}.{row}", stated=stated_year, label=label,
                                    names=names, computed=computed)))


def check_plan(plan: Plan) -> list[Finding]:
    """Every place where the plan's stated figures disagree with their parts."""
    out: list[Finding] = []
    order = [k for k in plan.levels() if k in plan.catalogue]
    for level in order:
        _row_checks("catalogue", level, plan.catalogue[level], _CATALOGUE, out)
    if plan.catalogue_total is not None:
        _row_checks("catalogue", "total", plan.catalogue_total, _CATALOGUE, out)
        _sum_checks("catalogue", "total", plan.catalogue_total,
                    [(k, plan.catalogue[k]) for k in order], _CATALOGUE, out)
    for key, sub in plan.subtotals.items():
        row = f"subtotals.{key}"
        _row_checks("catalogue", row, sub.target, _CATALOGUE, out)
        parts = [(k, plan.catalogue.get(k, LevelTarget())) for k in sub.levels]
        _sum_checks("catalogue", row, sub.target, parts, _CATALOGUE, out)
    for kind, target in plan.digitisation.items():
        _row_checks("digitisation", kind, target, _DIGITISATION, out)
    if plan.digitisation_total is not None:
        total: DigitisationTarget = plan.digitisation_total
        _row_checks("digitisation", "total", total, _DIGITISATION, out)
        _sum_checks("digitisation", "total", total, list(plan.digitisation.items()),
                    _DIGITISATION, out)
    out += check_control(plan)
    return out


#: which table figure each control indicator summarises: (label, the figures per quarter
#: and the year of the table it is compared with)
_CONTROL_LABELS = {"records": N_("records"), "records_kazakh": N_("records in Kazakh"),
                   "documents": N_("digitised documents"),
                   "documents_kazakh": N_("digitised documents in Kazakh"),
                   "pages": N_("digitised pages"), "pages_kazakh": N_("digitised pages in Kazakh")}


def _control_sources(plan: Plan) -> dict[str, tuple[str, tuple[int, ...], int]]:
    """{control key: (where, per-quarter figures, year figure)} from the plan's tables."""
    out: dict[str, tuple[str, tuple[int, ...], int]] = {}
    if plan.catalogue:
        quarters = [plan.total_target((q,)) for q in (1, 2, 3, 4)]
        if plan.catalogue_total is not None:
            year = (plan.catalogue_total.year(), plan.catalogue_total.year_kazakh_or_sum())
        else:
            year = (sum(r.year() for r in plan.catalogue.values()),
                    sum(r.year_kazakh_or_sum() for r in plan.catalogue.values()))
        out["records"] = ("catalogue.total", tuple(q[0] for q in quarters), year[0])
        out["records_kazakh"] = ("catalogue.total", tuple(q[1] for q in quarters), year[1])
    total = plan.digitisation_total
    if total is None and plan.digitisation:
        total = DigitisationTarget(**{c: tuple(sum(r.column(c)[i] for r in plan.digitisation.values())
                                               for i in range(4)) for c in DIGITISATION_COLUMNS})  # type: ignore[arg-type]
    if total is not None:
        for key, column in (("documents", "documents"), ("documents_kazakh", "kazakh_documents"),
                            ("pages", "pages"), ("pages_kazakh", "kazakh_pages")):
            out[key] = ("digitisation.total", total.column(column), total.year(column))
    return out


def check_control(plan: Plan) -> list[Finding]:
    """The stated control indicators against their own quarters and against the tables."""
    out: list[Finding] = []
    if plan.control is None:
        return out
    sources = _control_sources(plan)
    for key, row in plan.control.items():
        label = _CONTROL_LABELS[key]
        if row.year != sum(row.quarters):
            out.append(Finding(
                "control", key, "year", row.year, sum(row.quarters),  # type: ignore[arg-type]
                YEAR_VS_QUARTERS.format(where=f"control.{key}", stated=row.year, label=label,
                                        computed=sum(row.quarters),
                                        parts=" + ".join(str(v) for v in row.quarters))))
        if key not in sources:
            continue
        where, quarters, year = sources[key]
        for i, q in enumerate(QUARTERS):
            if row.quarters[i] != quarters[i]:
                out.append(Finding(
                    "control", key, q, row.quarters[i], quarters[i],
                    CONTROL_VS_TABLE.format(where=f"control.{key}", column=q,
                                            stated=row.quarters[i], label=label, source=where,
                                            computed=quarters[i])))
        if row.year != year:
            out.append(Finding(
                "control", key, "year", row.year, year,  # type: ignore[arg-type]
                CONTROL_YEAR_VS_TABLE.format(where=f"control.{key}", stated=row.year, label=label,
                                             source=where, computed=year)))
    return out
