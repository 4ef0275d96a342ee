"""The outputs of ``rabiskit audit``: JSON data, CSV text, an XLSX workbook.

Record text is untrusted: CSV cells that look like formulas get a leading apostrophe
(:func:`rabiskit.render.safe.csv_cell`); XLSX cells are written as string cells (never as
formulas) with the quote prefix, and characters XML cannot hold are replaced.  The
workbook is saved atomically.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rabiskit.atomic import save_atomic
from rabiskit.audit.findings import KINDS, kind_name
from rabiskit.render.safe import csv_cell, is_formula_like, xml_text

#: the columns of the CSV file and of every per-kind sheet
COLUMNS = ("kind", "file", "record", "offset", "id", "title", "field", "evidence", "confidence",
           "level", "languages", "group")
HEADERS = {
    "kind": "kind", "file": "file / файл", "record": "record / жазба №", "offset": "byte / байт",
    "id": "001", "title": "title / тақырып", "field": "field / өріс",
    "evidence": "evidence / дәлел", "confidence": "confidence / сенімділік",
    "level": "level / деңгей", "languages": "coded languages / тіл коды",
    "group": "group / топ",
}


def finding_row(f: dict) -> list:
    return [", ".join(f.get(c) or []) if c == "languages" else f.get(c) for c in COLUMNS]


def render_csv(data: dict) -> str:
    """Every finding, one per line, formulas neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for f in data["findings"]:
        w.writerow([csv_cell(v) for v in finding_row(f)])
    return buf.getvalue()


def _set(cell, value) -> None:
    """Put a value in a cell; text always as a string cell, never a formula."""
    if value is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        return
    text = xml_text(value)
    cell.value = text
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True


def write_xlsx(data: dict, path: str | Path, plan=None) -> None:
    """A workbook: a summary sheet (count per kind, the Kazakh share), then one sheet per
    finding kind that has findings, with a filter row and a frozen header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    bold = Font(bold=True)
    ws.append(["kind", "Қазақша", "Русский", "English", "findings"])
    for c in ws[1]:
        c.font = bold
    for kind in KINDS:
        ws.append([kind, kind_name(kind, "kk"), kind_name(kind, "ru"), kind_name(kind, "en"),
                   data["summary"].get(kind, 0)])
    ws.append([])
    period = data.get("period") or {}
    ws.append([f"Kazakh share / Қазақ тіліндегі үлесі {period.get('start', '')} – "
               f"{period.get('end', '')}"])
    ws.cell(ws.max_row, 1).font = bold
    head = ["level", "name", "records", "coded kaz", "written kaz", "coded share",
            "written share", "target share"]
    ws.append(head)
    for c in ws[ws.max_row]:
        c.font = bold
    for lv, row in data["kazakh_share"].items():
        name = plan.level_name(lv, "kk") if plan is not None and lv != "total" else lv
        r = ws.max_row + 1
        values = [lv, name, row["records"], row["coded_kazakh"], row["written_kazakh"],
                  row["coded"], row["written"], row["target"]]
        for col, v in enumerate(values, start=1):
            cell = ws.cell(r, col)
            _set(cell, v)
            if col >= 6 and v is not None:
                cell.number_format = "0.0%"
    for col, width in zip("ABCDEFGH", (26, 34, 34, 40, 12, 12, 14, 14)):
        ws.column_dimensions[col].width = width

    by_kind: dict[str, list[dict]] = {}
    for f in data["findings"]:
        by_kind.setdefault(f["kind"], []).append(f)
    widths = {"kind": 22, "file": 28, "record": 9, "offset": 10, "id": 16, "title": 48,
              "field": 12, "evidence": 70, "confidence": 11, "level": 11, "languages": 12,
              "group": 8}
    for kind in KINDS:
        rows = by_kind.get(kind)
        if not rows:
            continue
        sh = wb.create_sheet(kind[:31])
        sh.append([HEADERS[c] for c in COLUMNS])
        for c in sh[1]:
            c.font = bold
        for n, f in enumerate(rows, start=2):
            for col, v in enumerate(finding_row(f), start=1):
                _set(sh.cell(n, col), v)
        sh.freeze_panes = "A2"
        sh.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
        for i, c in enumerate(COLUMNS, start=1):
            sh.column_dimensions[get_column_letter(i)].width = widths[c]
    save_atomic(path, wb.save)
