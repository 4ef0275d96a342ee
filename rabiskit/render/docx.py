"""The report as a Word document (python-docx), ready to paste into the annual report.

A4 landscape; the report's facts, then a heading and a Word table per section, with
the header rows repeated on every page.  A wide table (the catalogue table of a whole
year: 6 measures for each quarter and the year to date) is set as one table per column
group (quarter), each with the level names, so it stays readable on the page.
Shortfalls and surpluses carry a mark (▼ ▲) and a light shading.  All text goes through
``xml_text`` so the document stays well-formed whatever the records hold.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell

from rabiskit.atomic import save_atomic
from rabiskit.report.messages import t
from rabiskit.report.model import SHORTFALL, SURPLUS, Column, Report, Row, Table
from rabiskit.render.common import cell_text
from rabiskit.render.safe import xml_text

#: the most rows a Word table gets (the appendix can be long); the rest is in XLSX/CSV/JSON
MAX_ROWS = 1000
#: wider tables are split into one table per column group
MAX_COLUMNS = 14

SHADES = {SHORTFALL: "FBE3E0", SURPLUS: "E2F4E7"}
COLOURS = {SHORTFALL: RGBColor(0xB3, 0x26, 0x1E), SURPLUS: RGBColor(0x1B, 0x7F, 0x3B)}


def _shade(cell, colour: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    tc_pr.append(shd)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _write(cell, text: str, *, bold: bool = False, italic: bool = False, size: float = 8,
           right: bool = False, colour: RGBColor | None = None) -> None:
    par = cell.paragraphs[0]
    run = par.add_run(xml_text(text))
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour
    if right:
        par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    par.paragraph_format.space_after = Pt(0)


def _word_table(doc, columns: list[Column], rows: list[Row], idx: list[int], lang: str,
                groups: list[tuple[str, int]] | None) -> None:
    n_header = 2 if groups else 1
    size = 8 if len(idx) <= 10 else 7
    wt = doc.add_table(rows=n_header + len(rows), cols=len(idx))
    wt.style = "Table Grid"
    wt.alignment = WD_TABLE_ALIGNMENT.CENTER
    if groups:
        col = 0
        for label, span in groups:
            cell = wt.cell(0, col)
            if span > 1:
                cell = cell.merge(wt.cell(0, col + span - 1))
            _write(cell, label, bold=True, size=size)
            _shade(cell, "E8EEF8")
            col += span
        _repeat_header(wt.rows[0])
    hdr = wt.rows[n_header - 1]
    for j, i in enumerate(idx):
        _write(hdr.cells[j], columns[i].label, bold=True, size=size)
        _shade(hdr.cells[j], "E8EEF8")
    _repeat_header(hdr)
    trs = [row._tr for row in wt.rows][n_header:]
    for r, tr in zip(rows, trs):
        # cells straight from the row's XML: python-docx's row.cells walks the whole table
        cells = [_Cell(tc, wt) for tc in tr.tc_lst]
        for j, i in enumerate(idx):
            c = r.cells[i]
            _write(cells[j], cell_text(c, lang), bold=r.role == "total",
                   italic=r.role == "subtotal", size=size, right=columns[i].kind != "text",
                   colour=COLOURS.get(c.flag or ""))
            if c.flag:
                _shade(cells[j], SHADES[c.flag])


def add_table(doc, table: Table, lang: str) -> None:
    doc.add_heading(xml_text(table.title), level=2)
    rows = table.rows[:MAX_ROWS]
    for label, idx in table.parts(MAX_COLUMNS):
        if label is not None:
            doc.add_heading(xml_text(label), level=3)
            groups = None
        else:
            groups = table.groups or None
        _word_table(doc, table.columns, rows, idx, lang, groups)
    if len(table.rows) > MAX_ROWS:
        doc.add_paragraph(xml_text(t("n_truncated", lang, n=len(table.rows) - MAX_ROWS)))
    for note in table.notes:
        p = doc.add_paragraph()
        run = p.add_run(xml_text(note))
        run.italic = True
        run.font.size = Pt(8)


def build_document(report: Report):
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(15))
    section.top_margin = section.bottom_margin = Mm(12)
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    doc.core_properties.title = xml_text(report.title)[:255]
    doc.core_properties.author = "rabiskit"
    doc.add_heading(xml_text(report.title), level=1)
    if report.library:
        doc.add_paragraph(xml_text(report.library)).runs[0].bold = True
    facts = doc.add_table(rows=len(report.header), cols=2)
    facts.style = "Table Grid"
    for k, (label, value) in enumerate(report.header):
        _write(facts.cell(k, 0), label, bold=True, size=9)
        _write(facts.cell(k, 1), value, size=9)
    if report.warnings:
        doc.add_heading(xml_text(t("warnings", report.lang)), level=3)
        for w in report.warnings:
            doc.add_paragraph(xml_text(w), style="List Bullet")
    for table in report.tables:
        add_table(doc, table, report.lang)
    return doc


def write_docx(report: Report, path: str | Path) -> None:
    """Write the document to ``path`` atomically."""
    doc = build_document(report)
    save_atomic(path, doc.save)
