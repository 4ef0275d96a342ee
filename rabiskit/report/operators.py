"""The report's small per-cataloguer table: each cataloguer's new records of the report's
period, per level (of which in Kazakh), from the same scan as the rest of the report.

``add_operators(report, operators, plan, period)`` puts ``"operators"`` (the same JSON as
``rabiskit count --by operator``) into the report's data and, when at least one record
of the period names its cataloguer, the table before the files table.  Exports with no
cataloguer field (RABIS: none is known) get the JSON (all under ``"unknown"``) and no table.
"""

from __future__ import annotations

from rabiskit.aggregate.count import UNKNOWN_OPERATOR, OperatorTally, operators_json
from rabiskit.aggregate.period import Period
from rabiskit.plan.model import Plan
from rabiskit.report.messages import t
from rabiskit.report.document import Report
from rabiskit.report.table import INT, Cell, Column, Row, Table


def operators_table(ops: dict, plan: Plan, lang: str, where: str) -> Table:
    levels = [lv for lv in (next(iter(ops.values()))["levels"] if ops else {})
              if any(r["levels"][lv]["total"] for r in ops.values())]
    cols = [Column("operator", t("c_operator", lang)), Column("total", t("c_total", lang), INT),
            Column("kazakh", t("c_kazakh", lang), INT)]
    cols += [Column(lv, plan.level_name(lv, lang), INT) for lv in levels]
    rows = []
    for name, r in ops.items():
        shown = t("unknown_operator", lang) if name == UNKNOWN_OPERATOR else name
        rows.append(Row(name, [Cell(shown, untrusted=name != UNKNOWN_OPERATOR),
                               Cell(r["total"], INT), Cell(r["kazakh"], INT)]
                        + [Cell(r["levels"][lv]["total"], INT) for lv in levels]))
    return Table("operators", t("t_operators", lang), cols, rows,
                 notes=[t("n_operators", lang, where=where)])


def add_operators(report: Report, operators: OperatorTally | None, plan: Plan,
                  period: Period) -> None:
    if operators is None:
        return
    ops = operators_json(operators, plan, period)
    report.data["operators"] = ops
    if not any(name != UNKNOWN_OPERATOR for name in ops):
        return
    where = f"{operators.tag} ^{operators.code.upper()}"
    table = operators_table(ops, plan, report.lang, where)
    at = next((i for i, tb in enumerate(report.tables) if tb.key == "files"), len(report.tables))
    report.tables.insert(at, table)
