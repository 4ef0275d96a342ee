"""The report as CSV: UTF-8 with a BOM (so Excel shows Kazakh letters), one section per table.

Two dialects (``Report.csv_dialect``): "comma" (the default: RFC 4180, a decimal point,
what other programs read) and "semicolon" (";" between fields and a decimal comma, what
Excel expects in a Kazakh or Russian locale, where "," is the decimal separator).
Percentages are written as the figure every other format shows (rounded once).

Each section starts with a row holding the table's title, then (for the catalogue table)
a row of group headers (the quarters), the column labels and the rows; notes follow,
and a blank row separates sections.  Numbers are written as numbers (percentages in
percent units, 85.3 for 85.3 %); text goes through ``csv_cell``, so a title starting
with =, +, -, @, a tab or CR is written with a leading apostrophe and never runs as a
formula.
"""

from __future__ import annotations

import csv as _csv
import io

from rabiskit.report.document import Report
from rabiskit.report.table import Table
from rabiskit.render.safe import csv_cell


def _value(cell, decimal_comma: bool = False):
    if cell.is_number:
        if decimal_comma and isinstance(cell.value, float):
            return f"{cell.value}".replace(".", ",")
        return cell.value
    return csv_cell("" if cell.value is None else str(cell.value))


def _section(w, table: Table, decimal_comma: bool = False) -> None:
    w.writerow([csv_cell(table.title)])
    if table.groups:
        row: list = []
        for label, span in table.groups:
            row += [csv_cell(label)] + [""] * (span - 1)
        w.writerow(row)
    w.writerow([csv_cell(c.label) for c in table.columns])
    for r in table.rows:
        w.writerow([_value(c, decimal_comma) for c in r.cells])
    for note in table.notes:
        w.writerow([csv_cell(note)])


def render_csv(report: Report) -> str:
    """The CSV text (without the BOM; :func:`csv_bytes` adds it)."""
    buf = io.StringIO()
    semicolon = report.csv_dialect == "semicolon"
    w = _csv.writer(buf, lineterminator="\r\n", delimiter=";" if semicolon else ",")
    for line in report.heading or [report.title]:
        w.writerow([csv_cell(line)])
    for label, value in report.header:
        w.writerow([csv_cell(label), csv_cell(value)])
    for warning in report.warnings:
        w.writerow([csv_cell(warning)])
    for part in ("handin", "main", "appendix"):
        for table in report.part(part):
            w.writerow([])
            _section(w, table, semicolon)
    for post, name in report.signatures:
        w.writerow([])
        w.writerow([csv_cell(post), csv_cell(name)])
    return buf.getvalue()


def csv_bytes(report: Report) -> bytes:
    """UTF-8 bytes with a byte-order mark."""
    return render_csv(report).encode("utf-8-sig")
