"""The report as an Excel workbook (openpyxl): a sheet per table, ready to print.

The hand-in tables come first (one sheet each, with the report's heading and signature
lines), then the analysis tables, then the appendix (files, rules, problems, checks).
Numbers are stored as numbers: a percentage as its exact fraction with a ``0.0%`` format
that shows the figure every other format shows (rounded once, half up); a total row's
counts are ``SUM`` formulas over the rows it adds up, and its percentages formulas over
its own cells, so a corrected cell updates them.  Shortfalls and surpluses carry their
mark (▼ ▲) in the number format, so it survives black-and-white print, besides a colour.
Fonts are named (Arial); header rows are frozen and repeated on every printed page; each
sheet prints on A4 at a scale that keeps its 9-point text at 8 points or more (portrait
when it fits, else landscape; a table wider than that continues on the next page across,
its first column repeated).  The "Chart" sheet holds a native bar chart of plan against
actual per level and quarter.

Record text (titles, file names) is untrusted: it is cleaned of characters XML cannot
hold, and a text that Excel would take for a formula (starting with =, +, -, @, tab or
CR) is stored as a string cell with the quote prefix, so it is never evaluated.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import stat
import time
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.cell.cell import MergedCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from rabiskit.atomic import save_atomic
from rabiskit.report.messages import t
from rabiskit.report.document import Report
from rabiskit.report.table import PERCENT, POINTS, SHORTFALL, SURPLUS, Cell, Table
from rabiskit.render.safe import is_formula_like, xml_text

FONT_NAME = "Arial"
FONT_SIZE = 9
#: the smallest printed text size a sheet's scale may give
MIN_PRINTED_PT = 8
HEADER_FILL = PatternFill("solid", fgColor="E8EEF8")
TOTAL_FILL = PatternFill("solid", fgColor="F4F6FA")
FLAG_FILLS = {SHORTFALL: PatternFill("solid", fgColor="FBE3E0"),
              SURPLUS: PatternFill("solid", fgColor="E2F4E7")}
FLAG_COLOURS = {SHORTFALL: "B3261E", SURPLUS: "1B7F3B"}
MARK_SUFFIX = {SHORTFALL: ' "▼"', SURPLUS: ' "▲"'}


@functools.cache
def font(bold: bool = False, italic: bool = False, size: float = FONT_SIZE,
         color: str | None = None) -> Font:
    """The font (one object for the same arguments: see ``set_style``)."""
    return Font(name=FONT_NAME, size=size, bold=bold, italic=italic, color=color)


_COLLECTIONS = {"font": ("_fonts", "fontId"), "fill": ("_fills", "fillId"),
                "border": ("_borders", "borderId")}


def set_style(cell: XlCell, kind: str, value) -> None:
    """``cell.font/fill/border = value``, as openpyxl sets it (the value's index in the
    workbook's list of them), with the index of each value object looked up once per
    workbook: openpyxl hashes the whole style object on every assignment, which is most
    of the time a report's workbook takes.  ``value`` must be kept unchanged (``font``'s
    and the module's constants are)."""
    wb = cell.parent.parent
    ids = wb.__dict__.setdefault("_rabiskit_style_ids", {})
    collection, key = _COLLECTIONS[kind]
    hit = ids.get((kind, id(value)))
    if hit is None:
        hit = ids[(kind, id(value))] = (value, getattr(wb, collection).add(value))
    if not cell._style:
        cell._style = StyleArray()
    setattr(cell._style, key, hit[1])

def merge_row(ws: Worksheet, row: int, col: int, span: int) -> None:
    """``ws.merge_cells`` of ``span`` cells of ``row`` from ``col``, as openpyxl merges them
    (``MergedCellRange.format``): the cells after the first become merged cells, and
    those on the range's edges get the first cell's border sides added to theirs, in
    openpyxl's order; but each sum of borders is made and looked up once per workbook,
    where openpyxl hashes a new border object for every cell and side."""
    wb = ws.parent
    end = col + span - 1
    mcr = MergedCellRange(ws, f"{get_column_letter(col)}{row}:{get_column_letter(end)}{row}")
    ws.merged_cells.add(mcr)
    cells = ws._cells
    for c in range(col + 1, end + 1):
        cells[row, c] = MergedCell(ws, row=row, column=c)
    sums = wb.__dict__.setdefault("_rabiskit_border_sums", {})
    start = cells[row, col]
    first = start._style.borderId if start._style else 0
    for name in ("top", "left", "right", "bottom"):
        side = getattr(wb._borders[first], name)
        if side and side.style is None:
            continue  # openpyxl adds no side without a style
        for coord in getattr(mcr, name):
            cell = cells.get(coord)
            if cell is None:
                cell = cells[coord] = MergedCell(ws, row=coord[0], column=coord[1])
            if not cell._style:
                cell._style = StyleArray()
            key = (cell._style.borderId, first, name)
            hit = sums.get(key)
            if hit is None:
                hit = sums[key] = wb._borders.add(wb._borders[cell._style.borderId]
                                                  + Border(**{name: side}))
            cell._style.borderId = hit
    # and every cell a copy of the first cell's protection (an equal one: its number)
    protection = start._style.protectionId if start._style else 0
    for c in range(col, end + 1):
        cell = cells[row, c]
        if not cell._style:
            cell._style = StyleArray()
        cell._style.protectionId = protection


class _SheetsInMemory(ExcelWriter):
    """openpyxl's writer, each worksheet's XML made in memory (openpyxl writes each one
    to a temporary file of its own first, then copies and removes it: most of the time a
    report's workbook takes to save on a slow disk)."""

    def write_worksheet(self, ws):
        if self.workbook.write_only:
            return super().write_worksheet(ws)
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = io.BytesIO()
        writer = WorksheetWriter(ws, out=out)
        writer.write()
        ws._rels = writer._rels
        # as ZipFile.write stores a file: its time and a regular file's mode
        info = zipfile.ZipInfo(ws.path[1:], date_time=time.localtime(time.time())[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = (stat.S_IFREG | 0o600) << 16
        self._archive.writestr(info, out.getvalue())
        self.manifest.append(ws)


def save_workbook(wb: Workbook, fileobj) -> None:
    """``wb.save(fileobj)`` (openpyxl's ``save_workbook``) with the worksheets made in
    memory."""
    archive = zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None)
    _SheetsInMemory(wb, archive).save()


THIN = Side(style="thin", color="B8C2D3")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_WIDTH = 60
FRAMED_ROWS = 2000

SHEET_NAMES = {"catalogue": "s_catalogue", "kazakh_share": "s_kazakh_share", "months": "s_months",
               "digitisation": "s_digitisation", "digitisation_issues": "s_digitisation_issues",
               "files": "s_files", "rules": "s_rules", "problems": "s_problems",
               "chart": "s_chart", "about": "s_about", "corrections": "s_corrections",
               "corrections_delta": "s_corrections_delta", "control": "s_control",
               "records": "s_records", "digitisation_plan": "s_digitisation_plan",
               "annual_statistics": "s_annual_statistics"}


def put_text(cell: XlCell, text) -> None:
    """Store ``text`` as a plain string cell: never a formula, whatever it starts with."""
    value = xml_text("" if text is None else text)
    cell.value = value
    cell.data_type = "s"
    if is_formula_like(value):
        cell.quotePrefix = True


def number_format(c: Cell) -> str:
    """The format showing the cell as the other formats do, its mark (▼ ▲) included."""
    base = {PERCENT: "0.0%", POINTS: "+0.0;-0.0;0.0"}.get(c.kind, "0")
    if c.flag and c.kind != POINTS:
        return base + MARK_SUFFIX[c.flag]
    if c.flag:
        m = MARK_SUFFIX[c.flag]
        return f"+0.0{m};-0.0{m};0.0"
    return base


def put_cell(cell: XlCell, c: Cell) -> None:
    """One report cell: numbers as numbers (a percentage as its exact fraction, shown
    rounded to one decimal by its format), text as text."""
    if c.is_number:
        if c.kind == PERCENT:
            exact = c.exact if c.exact is not None else float(c.value)
            cell.value = exact / 100.0
        else:
            cell.value = c.value
        cell.number_format = number_format(c)
    elif c.value is None:
        cell.value = None
    else:
        put_text(cell, c.value)
    set_style(cell, "font", font(color=FLAG_COLOURS.get(c.flag or "")))
    if c.flag:
        set_style(cell, "fill", FLAG_FILLS[c.flag])


#: printable width of A4 in pixels (96 dpi) with 1 cm margins: portrait, landscape
PRINTABLE_PX = {"portrait": 190 / 25.4 * 96, "landscape": 277 / 25.4 * 96}


def column_px(width: float) -> float:
    """A column's width on screen and paper (pixels at 96 dpi) for the workbook's default
    font (Arial 10: 7 pixels a digit, 5 of padding), with 3 % to spare for rounding."""
    return (width * 7 + 5) * 1.03


def print_layout(widths_px: float) -> tuple[str, int]:
    """(orientation, scale %) for a sheet ``widths_px`` wide: portrait when it fits at
    100 %, else landscape, shrunk to fit the width but never below the scale at which
    9-point text prints at 8 points (a wider sheet continues on the next page across)."""
    if widths_px <= PRINTABLE_PX["portrait"]:
        return "portrait", 100
    floor = -(-100 * MIN_PRINTED_PT // FONT_SIZE)  # 89 %
    scale = int(100 * PRINTABLE_PX["landscape"] / widths_px)
    return "landscape", max(floor, min(100, scale))


def _page_setup(ws: Worksheet, title_rows: int | None = None, title_cols: bool = False) -> None:
    total = sum(column_px(ws.column_dimensions[get_column_letter(i)].width or 8.43)
                for i in range(1, (ws.max_column or 1) + 1))
    orientation, scale = print_layout(total)
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = scale
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.print_options.gridLines = False
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.39
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&P / &N"
    if title_rows:
        ws.print_title_rows = f"1:{title_rows}"
    if title_cols:
        ws.print_title_cols = "A:A"


def _widths(ws: Worksheet, widths: dict[int, int]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(6, min(MAX_WIDTH, w + 2))


def _sheet_name(key: str, lang: str, used: set[str]) -> str:
    base = (t(SHEET_NAMES[key], lang) if key in SHEET_NAMES else
            t(key, lang) if key.startswith("s_") else key)
    base = "".join(ch for ch in base if ch not in "[]:*?/\\")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name.lower())
    return name


#: tables with more columns get narrow number columns with upright (rotated) labels
NARROW_FROM = 16
NARROW_WIDTH = 6


def _formula_rows(table: Table, first_row: int) -> dict[str, int]:
    return {r.key: first_row + i for i, r in enumerate(table.rows)}


def _total_formula(table: Table, r, j: int, rows_at: dict[str, int], value) -> str | None:
    """'=SUM(C6,C7,C8)' for a total row's count cell when the rows it adds up give its
    value, else None (a frozen or stated figure stays a number)."""
    if not r.sums or not isinstance(value, int):
        return None
    parts = [k for k in r.sums if k in rows_at]
    if not parts:
        return None
    col = get_column_letter(j)
    cells = {k: next(x for x in table.rows if x.key == k).cells[j - 1] for k in parts}
    if sum(c.value or 0 for c in cells.values() if isinstance(c.value, int)) != value:
        return None
    return "=SUM(" + ",".join(f"{col}{rows_at[k]}" for k in parts) + ")"


def _ratio_formula(table: Table, column, row: int) -> str | None:
    keys = [c.key for c in table.columns]
    if column.ratio is None or any(k not in keys for k in column.ratio):
        return None
    num, den = (get_column_letter(keys.index(k) + 1) for k in column.ratio)
    return f'=IF(N({den}{row})=0,"",{num}{row}/{den}{row})'


def write_heading(ws: Worksheet, report: Report, row: int, ncols: int) -> int:
    """The report's formal heading in the first rows; returns the next free row."""
    for i, line in enumerate(report.heading):
        c = ws.cell(row, 1)
        put_text(c, line)
        set_style(c, "font", font(bold=True, size=11 if i else 10))
        row += 1
    put_text(ws.cell(row, 1), t("h_produced", report.lang, date=report.produced))
    set_style(ws.cell(row, 1), "font", font())
    return row + 2


def write_signatures(ws: Worksheet, report: Report, row: int) -> int:
    for post, name in report.signatures:
        row += 2
        put_text(ws.cell(row, 1), post)
        set_style(ws.cell(row, 1), "font", font())
        put_text(ws.cell(row, 3), "____________________ " + (name or "____________________"))
        set_style(ws.cell(row, 3), "font", font())
        put_text(ws.cell(row + 1, 3), t("h_signature", report.lang))
        set_style(ws.cell(row + 1, 3), "font", font(size=7, italic=True))
        row += 1
    return row


def write_table(ws: Worksheet, table: Table, report: Report, *, heading: bool = False) -> None:
    """Lay one table out on its sheet: title, period, group headers, labels, rows, notes
    (and for a hand-in table the report's heading above and the signature lines below)."""
    ncols = len(table.columns)
    narrow = ncols >= NARROW_FROM
    row = 1
    if heading:
        row = write_heading(ws, report, row, ncols)
    put_text(ws.cell(row, 1), table.title)
    set_style(ws.cell(row, 1), "font", font(bold=True, size=11))
    period = dict(report.header).get(t("period", report.lang), "")
    put_text(ws.cell(row + 1, 1), f"{report.library} — {period}" if report.library else period)
    set_style(ws.cell(row + 1, 1), "font", font())
    row += 3
    widths: dict[int, int] = {}
    groups = table.groups
    if groups:
        col = 1
        for label, span in groups:
            c = ws.cell(row, col)
            put_text(c, label)
            set_style(c, "font", font(bold=True))
            set_style(c, "fill", HEADER_FILL)
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            for k in range(span):
                set_style(ws.cell(row, col + k), "border", BORDER)
                set_style(ws.cell(row, col + k), "fill", HEADER_FILL)
            if span > 1:
                merge_row(ws, row, col, span)
            col += span
        ws.row_dimensions[row].height = 26
        row += 1
    for j, column in enumerate(table.columns, 1):
        c = ws.cell(row, j)
        put_text(c, column.label)
        set_style(c, "font", font(bold=True))
        set_style(c, "fill", HEADER_FILL)
        set_style(c, "border", BORDER)
        upright = narrow and column.kind != "text"
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True,
                                text_rotation=90 if upright else 0)
        words = column.label.split() or [""]
        # number columns wrap their label (whole words: as wide as the longest word);
        # text columns are as wide as their longest value
        if upright:
            widths[j] = NARROW_WIDTH - 2
        else:
            widths[j] = max(len(w) for w in words) if column.kind != "text" else len(column.label)
    header_row = row
    # cell borders cost time in openpyxl: long tables (the appendix) go without them
    framed = len(table.rows) <= FRAMED_ROWS
    if narrow:
        longest = max((len(c.label) for c in table.columns if c.kind != "text"), default=8)
        ws.row_dimensions[header_row].height = min(150, 6 * longest + 10)
    elif any(column.kind != "text" for column in table.columns):
        ws.row_dimensions[header_row].height = 48  # room for wrapped labels
    rows_at = _formula_rows(table, header_row + 1)
    for r in table.rows:
        row += 1
        for j, (column, value) in enumerate(zip(table.columns, r.cells), 1):
            c = ws.cell(row, j)
            put_cell(c, value)
            if r.role in ("total", "subtotal"):
                f = _total_formula(table, r, j, rows_at, value.value) if r.role == "total" else None
                if f is None and column.kind == PERCENT and r.role == "total" and value.is_number:
                    f = _ratio_formula(table, column, row)
                if f is not None:
                    c.value = f
            if framed:
                set_style(c, "border", BORDER)
            colour = FLAG_COLOURS.get(value.flag or "")
            if r.role == "total":
                set_style(c, "font", font(bold=True, color=colour))
                if not value.flag:
                    set_style(c, "fill", TOTAL_FILL)
            elif r.role in ("subtotal", "caption"):
                set_style(c, "font", font(italic=True, color=colour))
            elif r.role == "subrow" and j == 1:
                c.alignment = Alignment(indent=1)
            shown = value.value
            if value.kind == PERCENT and shown is not None:
                shown = f"{shown:.1f}% ▼"
            elif value.flag and shown is not None:
                shown = f"{shown} ▼"
            if r.role != "caption" or j > 1:
                widths[j] = max(widths.get(j, 0), len(str(shown)) if shown is not None else 0)
    row += 1
    for note in table.notes:
        row += 1
        put_text(ws.cell(row, 1), note)
        set_style(ws.cell(row, 1), "font", font(italic=True, color="4A556B"))
    if heading:
        write_signatures(ws, report, row)
    if narrow:
        widths = {j: (w if table.columns[j - 1].kind == "text" else max(NARROW_WIDTH - 2, w))
                  for j, w in widths.items()}
    _widths(ws, widths)
    ws.freeze_panes = ws.cell(header_row + 1, 2 if ncols > 2 else 1)
    _page_setup(ws, header_row, title_cols=ncols > 2)


def write_chart_sheet(ws: Worksheet, report: Report) -> None:
    """The data of the plan-against-actual chart (a row per level and quarter) and a native
    clustered bar chart over it."""
    lang = report.lang
    put_text(ws.cell(1, 1), t("t_chart", lang))
    set_style(ws.cell(1, 1), "font", font(bold=True, size=12))
    for j, key in enumerate(("c_level_quarter", "plan", "actual"), 1):
        c = ws.cell(3, j)
        put_text(c, t(key, lang))
        set_style(c, "font", font(bold=True))
        set_style(c, "fill", HEADER_FILL)
        set_style(c, "border", BORDER)
    row = 3
    longest = 12
    for chart in report.charts:
        for bar in chart.bars:
            row += 1
            label = f"{chart.name} — {bar.label}"
            longest = max(longest, len(label))
            put_text(ws.cell(row, 1), label)
            ws.cell(row, 2).value = bar.plan
            ws.cell(row, 3).value = bar.actual
            for j in (1, 2, 3):
                set_style(ws.cell(row, j), "border", BORDER)
                set_style(ws.cell(row, j), "font", font())
    _widths(ws, {1: longest, 2: 10, 3: 10})
    ws.freeze_panes = "A4"
    _page_setup(ws, 3)
    if row == 3:
        return
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = xml_text(t("t_chart", lang))
    chart.y_axis.title = xml_text(t("c_records", lang))
    chart.x_axis.title = xml_text(t("c_level_quarter", lang))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    data = Reference(ws, min_col=2, max_col=3, min_row=3, max_row=row)
    cats = Reference(ws, min_col=1, min_row=4, max_row=row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.series[0].graphicalProperties.solidFill = "A9B4C6"
    chart.series[1].graphicalProperties.solidFill = "2F6DB5"
    # horizontal bars: one label a line, never rotated, however many levels and quarters
    chart.type = "bar"
    chart.x_axis.scaling.orientation = "maxMin"
    chart.width = 18.0
    chart.height = max(8.0, min(24.0, 0.9 * (row - 3) + 3))
    ws.add_chart(chart, "E3")


def write_about_sheet(ws: Worksheet, report: Report) -> None:
    put_text(ws.cell(1, 1), report.title)
    set_style(ws.cell(1, 1), "font", font(bold=True, size=12))
    row = 2
    width_a, width_b = 10, 20
    for label, value in report.header:
        row += 1
        put_text(ws.cell(row, 1), label)
        set_style(ws.cell(row, 1), "font", font(bold=True))
        set_style(ws.cell(row, 2), "font", font())
        if isinstance(value, int):
            ws.cell(row, 2).value = value
            ws.cell(row, 2).alignment = Alignment(horizontal="left")
        else:
            put_text(ws.cell(row, 2), value)
        width_a, width_b = max(width_a, len(label)), max(width_b, len(str(value)))
    if report.warnings:
        row += 2
        put_text(ws.cell(row, 1), t("warnings", report.lang))
        set_style(ws.cell(row, 1), "font", font(bold=True))
        for w in report.warnings:
            row += 1
            put_text(ws.cell(row, 1), w)
            set_style(ws.cell(row, 1), "font", font())
    row += 2
    put_text(ws.cell(row, 1), report.legend)
    set_style(ws.cell(row, 1), "font", font())
    _widths(ws, {1: width_a, 2: width_b})
    _page_setup(ws)


def build_workbook(report: Report) -> Workbook:
    """The hand-in sheets, the warnings ("About"), the analysis sheets (and the chart
    after the catalogue sheet), then the appendix sheets."""
    wb = Workbook()
    # the workbook's default font is the one column widths are measured in: Arial 10 (7
    # pixels a digit, like Calibri 11), so widths print alike wherever Arial is (or its
    # metric twin, Liberation Sans)
    normal = next(st for st in wb._named_styles if st.name == "Normal")
    normal.font = Font(name=FONT_NAME, size=10)
    used: set[str] = set()
    sheets: list[Worksheet] = []

    def sheet(key: str) -> Worksheet:
        ws = wb.active if not sheets else wb.create_sheet()
        ws.title = _sheet_name(key, report.lang, used)
        sheets.append(ws)
        return ws

    for table in report.part("handin"):
        write_table(sheet(table.key if table.key in SHEET_NAMES else "s_subtotal"
                          if table.key.startswith("subtotal_") else table.key), table, report,
                    heading=True)
    write_about_sheet(sheet("about"), report)
    for table in report.part("main"):
        write_table(sheet(table.key), table, report)
        if table.key == "catalogue":
            write_chart_sheet(sheet("chart"), report)
    for table in report.part("appendix"):
        write_table(sheet(table.key), table, report)
    wb.properties.title = xml_text(report.title)
    wb.properties.creator = "rabiskit"
    wb.properties.language = report.locale
    return wb


def write_xlsx(report: Report, path: str | Path) -> None:
    """Write the workbook to ``path`` atomically."""
    wb = build_workbook(report)
    save_atomic(path, functools.partial(save_workbook, wb))
