"""The report as an Excel workbook (openpyxl): a sheet per table, ready to print.

Numbers are stored as numbers (percentages as fractions with a ``0.0%`` format, so
Excel shows 85.3 % and computes with 0.853); shortfalls are red, surpluses green; the
header rows are frozen, columns get sensible widths, and every sheet prints on A4
landscape, fitted to the page width, with its header rows repeated.  The "Chart" sheet
holds a native Excel bar chart of plan against actual per level and quarter.

Record text (titles, file names) is untrusted: it is cleaned of characters XML cannot
hold, and a text that Excel would take for a formula (starting with =, +, -, @, tab or
CR) is stored as a string cell with the quote prefix, so it is never evaluated.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rabiskit.atomic import save_atomic
from rabiskit.report.messages import t
from rabiskit.report.model import PERCENT, POINTS, SHORTFALL, SURPLUS, Cell, Report, Table
from rabiskit.render.safe import is_formula_like, xml_text

HEADER_FILL = PatternFill("solid", fgColor="E8EEF8")
TOTAL_FILL = PatternFill("solid", fgColor="F4F6FA")
FLAG_FILLS = {SHORTFALL: PatternFill("solid", fgColor="FBE3E0"),
              SURPLUS: PatternFill("solid", fgColor="E2F4E7")}
FLAG_FONTS = {SHORTFALL: Font(color="B3261E"), SURPLUS: Font(color="1B7F3B")}
THIN = Side(style="thin", color="B8C2D3")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_WIDTH = 60
FRAMED_ROWS = 2000

SHEET_NAMES = {"catalogue": "s_catalogue", "kazakh_share": "s_kazakh_share", "months": "s_months",
               "digitisation": "s_digitisation", "digitisation_issues": "s_digitisation_issues",
               "files": "s_files", "rules": "s_rules", "problems": "s_problems",
               "chart": "s_chart", "about": "s_about", "corrections": "s_corrections",
               "corrections_delta": "s_corrections_delta"}


def put_text(cell: XlCell, text) -> None:
    """Store ``text`` as a plain string cell: never a formula, whatever it starts with."""
    value = xml_text("" if text is None else text)
    cell.value = value
    cell.data_type = "s"
    if is_formula_like(value):
        cell.quotePrefix = True


def put_cell(cell: XlCell, c: Cell) -> None:
    """One report cell: numbers as numbers (percentages as fractions), text as text."""
    if c.is_number:
        if c.kind == PERCENT:
            cell.value = round(float(c.value) / 100.0, 6)
            cell.number_format = "0.0%"
        elif c.kind == POINTS:
            cell.value = c.value
            cell.number_format = "+0.0;-0.0;0.0"
        else:
            cell.value = c.value
            cell.number_format = "0"
    elif c.value is None:
        cell.value = None
    else:
        put_text(cell, c.value)
    if c.flag:
        cell.fill = FLAG_FILLS[c.flag]
        cell.font = FLAG_FONTS[c.flag]


def _page_setup(ws: Worksheet, title_rows: int | None = None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = f"1:{title_rows}"


def _widths(ws: Worksheet, widths: dict[int, int]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(6, min(MAX_WIDTH, w + 2))


def _sheet_name(key: str, lang: str, used: set[str]) -> str:
    base = t(SHEET_NAMES[key], lang) if key in SHEET_NAMES else key
    base = "".join(ch for ch in base if ch not in "[]:*?/\\")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name.lower())
    return name


def write_table(ws: Worksheet, table: Table, report: Report) -> None:
    """Lay one table out on its sheet: title, period, group headers, labels, rows, notes."""
    ncols = len(table.columns)
    put_text(ws.cell(1, 1), table.title)
    ws.cell(1, 1).font = Font(bold=True, size=13)
    period = dict(report.header).get(t("period", report.lang), "")
    put_text(ws.cell(2, 1), f"{report.library} — {period}" if report.library else period)
    row = 4
    widths: dict[int, int] = {}
    groups = table.groups
    if groups:
        col = 1
        for label, span in groups:
            c = ws.cell(row, col)
            put_text(c, label)
            c.font = Font(bold=True)
            c.fill = HEADER_FILL
            c.alignment = Alignment(horizontal="center")
            for k in range(span):
                ws.cell(row, col + k).border = BORDER
                ws.cell(row, col + k).fill = HEADER_FILL
            if span > 1:
                ws.merge_cells(start_row=row, start_column=col, end_row=row,
                               end_column=col + span - 1)
            col += span
        row += 1
    for j, column in enumerate(table.columns, 1):
        c = ws.cell(row, j)
        put_text(c, column.label)
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
        c.border = BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        words = column.label.split() or [""]
        # number columns wrap their label; text columns are as wide as their longest value
        widths[j] = max(len(w) for w in words) if column.kind != "text" else len(column.label)
    header_row = row
    # cell borders cost time in openpyxl: long tables (the appendix) go without them
    framed = len(table.rows) <= FRAMED_ROWS
    if any(column.kind != "text" for column in table.columns):
        ws.row_dimensions[header_row].height = 48  # room for wrapped labels
    for r in table.rows:
        row += 1
        for j, (column, value) in enumerate(zip(table.columns, r.cells), 1):
            c = ws.cell(row, j)
            put_cell(c, value)
            if framed:
                c.border = BORDER
            if r.role == "total":
                c.font = Font(bold=True, color=c.font.color)
                if not value.flag:
                    c.fill = TOTAL_FILL
            elif r.role == "subtotal":
                c.font = Font(italic=True, color=c.font.color)
            shown = value.value
            if value.kind == PERCENT and shown is not None:
                shown = f"{shown:.1f}%"
            widths[j] = max(widths.get(j, 0), len(str(shown)) if shown is not None else 0)
    row += 1
    for note in table.notes:
        row += 1
        put_text(ws.cell(row, 1), note)
        ws.cell(row, 1).font = Font(italic=True, color="4A556B")
    _widths(ws, widths)
    ws.freeze_panes = ws.cell(header_row + 1, 2 if ncols > 2 else 1)
    _page_setup(ws, header_row)


def write_chart_sheet(ws: Worksheet, report: Report) -> None:
    """The data of the plan-against-actual chart (a row per level and quarter) and a native
    clustered bar chart over it."""
    lang = report.lang
    put_text(ws.cell(1, 1), t("t_chart", lang))
    ws.cell(1, 1).font = Font(bold=True, size=13)
    for j, key in enumerate(("c_level_quarter", "plan", "actual"), 1):
        c = ws.cell(3, j)
        put_text(c, t(key, lang))
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
        c.border = BORDER
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
                ws.cell(row, j).border = BORDER
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
    chart.width = max(18.0, min(40.0, 1.6 * (row - 3)))
    chart.height = 10.0
    ws.add_chart(chart, "E3")


def write_about_sheet(ws: Worksheet, report: Report) -> None:
    put_text(ws.cell(1, 1), report.title)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    row = 2
    width_a, width_b = 10, 20
    for label, value in report.header:
        row += 1
        put_text(ws.cell(row, 1), label)
        ws.cell(row, 1).font = Font(bold=True)
        if isinstance(value, int):
            ws.cell(row, 2).value = value
            ws.cell(row, 2).alignment = Alignment(horizontal="left")
        else:
            put_text(ws.cell(row, 2), value)
        width_a, width_b = max(width_a, len(label)), max(width_b, len(str(value)))
    if report.warnings:
        row += 2
        put_text(ws.cell(row, 1), t("warnings", report.lang))
        ws.cell(row, 1).font = Font(bold=True)
        for w in report.warnings:
            row += 1
            put_text(ws.cell(row, 1), w)
    row += 2
    put_text(ws.cell(row, 1), report.legend)
    _widths(ws, {1: width_a, 2: width_b})
    _page_setup(ws)


def build_workbook(report: Report) -> Workbook:
    wb = Workbook()
    used: set[str] = set()
    first = True
    for table in report.tables:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = _sheet_name(table.key, report.lang, used)
        write_table(ws, table, report)
        if table.key == "catalogue":
            chart_ws = wb.create_sheet()
            chart_ws.title = _sheet_name("chart", report.lang, used)
            write_chart_sheet(chart_ws, report)
    about = wb.create_sheet()
    about.title = _sheet_name("about", report.lang, used)
    write_about_sheet(about, report)
    wb.properties.title = xml_text(report.title)
    wb.properties.creator = "rabiskit"
    return wb


def write_xlsx(report: Report, path: str | Path) -> None:
    """Write the workbook to ``path`` atomically."""
    wb = build_workbook(report)
    save_atomic(path, wb.save)
