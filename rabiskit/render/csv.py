"""The report as CSV: UTF-8 with a BOM (so Excel shows Kazakh letters), one section per table.

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

from rabiskit.report.model import Report, Table
from rabiskit.render.safe import csv_cell


def _value(cell):
    if cell.is_number:
        return cell.value
    return csv_cell("" if cell.value is None else str(cell.value))


def _section(w, table: Table) -> None:
    w.writerow([csv_cell(table.title)])
    if table.groups:
        row: list = []
        for label, span in table.groups:
            row += [csv_cell(label)] + [""] * (span - 1)
        w.writerow(row)
    w.writerow([csv_cell(c.label) for c in table.columns])
    for r in table.rows:
        w.writerow([_value(c) for c in r.cells])
    for note in table.notes:
        w.writerow([csv_cell(note)])


def render_csv(report: Report) -> str:
    """The CSV text (without the BOM; :func:`csv_bytes` adds it)."""
    buf = io.StringIO()
    w = _csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_cell(report.title)])
    for label, value in report.header:
        w.writerow([csv_cell(label), csv_cell(value)])
    for warning in report.warnings:
        w.writerow([csv_cell(warning)])
    for table in report.tables:
        w.writerow([])
        _section(w, table)
    return buf.getvalue()


def csv_bytes(report: Report) -> bytes:
    """UTF-8 bytes with a byte-order mark."""
    return render_csv(report).encode("utf-8-sig")
