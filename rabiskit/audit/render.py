"""The outputs of ``rabiskit audit``: JSON data, CSV text, an XLSX workbook.

Each takes the :class:`AuditResult` (the findings streamed from its store) or the JSON
document (``AuditResult.as_dict()``, as the web pages keep it).

Record text is untrusted: CSV cells that look like formulas get a leading apostrophe
(:func:`rabiskit.render.safe.csv_cell`); XLSX cells are written as string cells (never as
formulas) with the quote prefix, and characters XML cannot hold are replaced.  The
workbook is saved atomically.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterator

from rabiskit.atomic import save_atomic
from rabiskit.audit.findings import KINDS, AuditResult, kind_name
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


def _finding_dicts(data: AuditResult | dict, kind: str | None = None) -> Iterator[dict]:
    """The findings as JSON dicts (of one kind), streamed from a result or read from the
    JSON document."""
    if isinstance(data, AuditResult):
        found = data.iter_findings() if kind is None else data.iter_kind(kind)
        return (f.as_dict() for f in found)
    return (f for f in data["findings"] if kind is None or f["kind"] == kind)


def csv_lines(data: AuditResult | dict) -> Iterator[str]:
    """The CSV text, a line at a time: every finding, formulas neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    yield buf.getvalue()
    for f in _finding_dicts(data):
        buf.seek(0)
        buf.truncate()
        w.writerow([csv_cell(v) for v in finding_row(f)])
        yield buf.getvalue()


def render_csv(data: AuditResult | dict) -> str:
    """Every finding, one per line, formulas neutralised."""
    return "".join(csv_lines(data))


def _cell(ws, value):
    """A write-only cell for a value; text always as a string cell, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return WriteOnlyCell(ws, value)
    text = xml_text(value)
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell


def write_xlsx(data: AuditResult | dict, path: str | Path, plan=None) -> None:
    """A workbook: a summary sheet (count per kind, the Kazakh share), then one sheet per
    finding kind that has findings, with a filter row and a frozen header.  The sheets are
    written row by row (openpyxl's write-only mode): the findings are never all in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if isinstance(data, AuditResult):
        summary = data.summary
        share = {lv: row.as_dict() for lv, row in data.kazakh_share.items()}
        period = data.period.as_dict() if data.period is not None else {}  # type: ignore[attr-defined]
    else:
        summary, share, period = data["summary"], data["kazakh_share"], data.get("period") or {}

    def save(fh) -> None:
        # built inside save_atomic: the write-only sheets stream through temporary files of
        # openpyxl's own as rows are added, and their write errors (a full disk, a file-size
        # limit) are reported as such from there
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("summary")
        bold = Font(bold=True)

        def heading(sheet, values):
            cells = []
            for v in values:
                c = WriteOnlyCell(sheet, v)
                c.font = bold
                cells.append(c)
            sheet.append(cells)

        for col, width in zip("ABCDEFGH", (26, 34, 34, 40, 12, 12, 14, 14)):
            ws.column_dimensions[col].width = width
        heading(ws, ["kind", "Қазақша", "Русский", "English", "findings"])
        for kind in KINDS:
            ws.append([kind, kind_name(kind, "kk"), kind_name(kind, "ru"), kind_name(kind, "en"),
                       summary.get(kind, 0)])
        ws.append([])
        heading(ws, [f"Kazakh share / Қазақ тіліндегі үлесі {period.get('start', '')} – "
                     f"{period.get('end', '')}"])
        heading(ws, ["level", "name", "records", "coded kaz", "written kaz", "coded share",
                     "written share", "target share"])
        for lv, row in share.items():
            name = plan.level_name(lv, "kk") if plan is not None and lv != "total" else lv
            values = [lv, name, row["records"], row["coded_kazakh"], row["written_kazakh"],
                      row["coded"], row["written"], row["target"]]
            cells = []
            for col, v in enumerate(values, start=1):
                cell = _cell(ws, v)
                if cell is not None and col >= 6:
                    cell.number_format = "0.0%"
                cells.append(cell)
            ws.append(cells)

        widths = {"kind": 22, "file": 28, "record": 9, "offset": 10, "id": 16, "title": 48,
                  "field": 12, "evidence": 70, "confidence": 11, "level": 11, "languages": 12,
                  "group": 8}
        for kind in KINDS:
            if not summary.get(kind):
                continue
            sh = wb.create_sheet(kind[:31])
            sh.freeze_panes = "A2"
            for i, c in enumerate(COLUMNS, start=1):
                sh.column_dimensions[get_column_letter(i)].width = widths[c]
            heading(sh, [HEADERS[c] for c in COLUMNS])
            rows = 0
            for f in _finding_dicts(data, kind):
                sh.append([_cell(sh, v) for v in finding_row(f)])
                rows += 1
            sh.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows + 1}"
        wb.save(fh)

    save_atomic(path, save)
