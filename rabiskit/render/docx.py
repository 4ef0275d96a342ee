"""The report as a Word document (python-docx), ready to paste into the annual report.

A4 landscape, the document language kk-KZ / ru-RU / en-GB, page numbers in the footer
(a PAGE field).  The formal heading, the hand-in tables (the plan's own) and the signature
lines first; then the report's facts and the analysis tables; the appendix (files,
rules, problems, checks) in a section of its own.  Each table's rows are kept together
(a table that fits a page is not split), its header rows repeated where it runs on;
the number columns of wide tables have upright labels, so no label is broken inside a
word.  A wide table (the catalogue table of a whole
year: 6 measures for each quarter and the year to date) is set as one table per column
group (quarter), each with the level names, so it stays readable on the page.
Shortfalls and surpluses carry a mark (▼ ▲) and a light shading.  All text goes through
``xml_text`` so the document stays well-formed whatever the records hold.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell

from rabiskit.atomic import save_atomic
from rabiskit.report.messages import t
from rabiskit.report.document import Report
from rabiskit.report.table import SHORTFALL, SURPLUS, Column, Row, Table
from rabiskit.render.common import cell_text
from rabiskit.render.safe import xml_text

#: the most rows a Word table gets (the appendix can be long); the rest is in XLSX/CSV/JSON
MAX_ROWS = 1000
#: wider tables are split into one table per column group (the hand-in tables are not:
#: their layout is the plan's)
MAX_COLUMNS = 14
#: tables with this many columns get upright labels over their number columns
UPRIGHT_FROM = 16
#: the height of a header row of upright labels
UPRIGHT_HEIGHT_MM = 32
#: tables up to this many rows are kept on one page
KEEP_ROWS = 40
LOCALES = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}

SHADES = {SHORTFALL: "FBE3E0", SURPLUS: "E2F4E7"}
COLOURS = {SHORTFALL: RGBColor(0xB3, 0x26, 0x1E), SURPLUS: RGBColor(0x1B, 0x7F, 0x3B)}


def _append(parent, tag: str, **attrs: str) -> None:
    """Append the element ``w:tag`` with ``w:`` attributes to ``parent``."""
    el = OxmlElement(f"w:{tag}")
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    parent.append(el)


def _shade(cell, colour: str) -> None:
    _append(cell._tc.get_or_add_tcPr(), "shd", val="clear", color="auto", fill=colour)


def _repeat_header(row) -> None:
    _append(row._tr.get_or_add_trPr(), "tblHeader", val="true")


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


def _keep_together(wt) -> None:
    """Rows never split across pages, and each row's paragraphs kept with the next row,
    so Word moves a table that fits a page to the next page instead of splitting it."""
    rows = list(wt.rows)
    for i, row in enumerate(rows):
        _append(row._tr.get_or_add_trPr(), "cantSplit", val="true")
        if i < len(rows) - 1:
            for tc in row._tr.tc_lst:
                for p in tc.iterchildren(qn("w:p")):
                    _append(p.get_or_add_pPr(), "keepNext")


def _upright(cell) -> None:
    _append(cell._tc.get_or_add_tcPr(), "textDirection", val="btLr")


#: the width a table may take on the landscape page (297 mm less the margins)
TEXT_WIDTH_MM = 267.0


def _text_mm(chars: int, size: float) -> float:
    """About how wide ``chars`` characters of Arial at ``size`` points are, in mm (with the
    cell's padding)."""
    return chars * size * 0.74 * 0.3528 + 4.4


def column_widths(columns: list[Column], rows: list[Row], idx: list[int], lang: str,
                  size: float, upright: bool) -> list[float]:
    """Widths (mm) for the table's columns: number columns as wide as their longest value
    and (unless their labels stand upright) their label's longest word, text columns the
    rest, shared by their length, within the page."""
    need: list[float] = []
    for i in idx:
        col = columns[i]
        values = [len(cell_text(r.cells[i], lang)) for r in rows]
        longest = max(values, default=1)
        if col.kind == "text":
            need.append(0.0)
            continue
        words = max((len(w) for w in col.label.split()), default=1)
        width = _text_mm(max(longest, 1 if upright else words), size)
        if upright:  # the label's lines stand side by side: room for each of them
            lines = -(-(_text_mm(len(col.label), size) - 4.4) // (UPRIGHT_HEIGHT_MM - 6))
            width = max(width, lines * size * 0.3528 * 1.3 + 4.4)
        need.append(width)
    fixed = sum(need)
    text_cols = [j for j, i in enumerate(idx) if columns[i].kind == "text"]
    if not text_cols:
        scale = TEXT_WIDTH_MM / fixed if fixed > TEXT_WIDTH_MM else 1.0
        return [w * scale for w in need]
    left = max(TEXT_WIDTH_MM - fixed, 25.0 * len(text_cols))
    wants = []
    for j in text_cols:
        i = idx[j]
        chars = max([len(columns[i].label)] + [len(cell_text(r.cells[i], lang)) for r in rows])
        wants.append(min(_text_mm(chars, size), 90.0))
    total = sum(wants) or 1.0
    out = list(need)
    for j, w in zip(text_cols, wants):
        out[j] = max(20.0, min(w, left * w / total)) if total > left else w
    spare = TEXT_WIDTH_MM - sum(out)
    if spare > 0 and fixed:  # room left: the number columns get it, up to half as wide again
        grow = min(spare / fixed, 0.5)
        out = [w * (1 + grow) if columns[i].kind != "text" else w for w, i in zip(out, idx)]
    return out


def _set_widths(wt, widths: list[float]) -> None:
    wt.autofit = False
    tbl_pr = wt._tbl.tblPr
    _append(tbl_pr, "tblLayout", type="fixed")
    grid = wt._tbl.tblGrid
    for col, w in zip(grid.iterchildren(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(Mm(w).twips))
    for tr in wt._tbl.tr_lst:
        at = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            _Cell(tc, wt).width = Mm(sum(widths[at:at + span]))
            at += span


def _word_table(doc, columns: list[Column], rows: list[Row], idx: list[int], lang: str,
                groups: list[tuple[str, int]] | None) -> None:
    n_header = 2 if groups else 1
    size = 8 if len(idx) <= 10 else 7
    upright = len(idx) >= UPRIGHT_FROM
    wt = doc.add_table(rows=n_header + len(rows), cols=len(idx))
    wt.style = "Table Grid"
    wt.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = column_widths(columns, rows, idx, lang, size, upright)
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
    # (the header row has no merged cell: its cells are its XML's, as for the rows below)
    hdr_cells = [_Cell(tc, wt) for tc in hdr._tr.tc_lst]
    for j, i in enumerate(idx):
        _write(hdr_cells[j], columns[i].label, bold=True, size=size)
        _shade(hdr_cells[j], "E8EEF8")
        if upright and columns[i].kind != "text":
            _upright(hdr_cells[j])
    if upright:
        hdr.height = Mm(UPRIGHT_HEIGHT_MM)
    _repeat_header(hdr)
    trs = [row._tr for row in wt.rows][n_header:]
    for r, tr in zip(rows, trs):
        # cells straight from the row's XML: python-docx's row.cells walks the whole table
        cells = [_Cell(tc, wt) for tc in tr.tc_lst]
        for j, i in enumerate(idx):
            c = r.cells[i]
            _write(cells[j], cell_text(c, lang), bold=r.role == "total",
                   italic=r.role in ("subtotal", "caption"), size=size,
                   right=columns[i].kind != "text", colour=COLOURS.get(c.flag or ""))
            if c.flag:
                _shade(cells[j], SHADES[c.flag])
    if len(rows) <= KEEP_ROWS:
        _keep_together(wt)
    if len(rows) <= MAX_ROWS:
        _set_widths(wt, widths)


def add_table(doc, table: Table, lang: str) -> None:
    h = doc.add_heading(xml_text(table.title), level=2)
    h.paragraph_format.keep_with_next = True
    rows = table.rows[:MAX_ROWS]
    parts = table.parts(MAX_COLUMNS) if table.part != "handin" else \
        [(None, list(range(len(table.columns))))]
    for label, idx in parts:
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


def _page_number_footer(section, lang: str) -> None:
    """'Бет 3' centred in the footer: a PAGE field Word fills in."""
    par = section.footer.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.add_run(t("h_page", lang) + " ").font.size = Pt(8)
    run = par.add_run()
    run.font.size = Pt(8)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text.strip() == "PAGE":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _language(doc, locale: str) -> None:
    """The document's language (spelling, hyphenation) on the default run properties and
    the Normal style."""
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults"))
    targets = []
    if rpr_default is not None:
        rpr = rpr_default.find(qn("w:rPrDefault"))
        if rpr is not None and rpr.find(qn("w:rPr")) is not None:
            targets.append(rpr.find(qn("w:rPr")))
    targets.append(doc.styles["Normal"].element.get_or_add_rPr())
    for rpr in targets:
        for old in rpr.findall(qn("w:lang")):
            rpr.remove(old)
        el = OxmlElement("w:lang")
        el.set(qn("w:val"), locale)
        el.set(qn("w:eastAsia"), locale)
        el.set(qn("w:bidi"), locale)
        rpr.append(el)
    doc.core_properties.language = locale


def _landscape_a4(section) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(15))
    section.top_margin = section.bottom_margin = Mm(12)


def build_document(report: Report):
    doc = Document()
    section = doc.sections[0]
    _landscape_a4(section)
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    lang = report.lang
    _language(doc, LOCALES.get(lang, "en-GB"))
    _page_number_footer(section, lang)
    doc.core_properties.title = xml_text(report.title)[:255]
    doc.core_properties.author = "rabiskit"
    for i, line in enumerate(report.heading):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(xml_text(line))
        run.bold = True
        run.font.size = Pt(12 if i else 11)
    p = doc.add_paragraph(xml_text(t("h_produced", lang, date=report.produced)))
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if report.warnings:
        doc.add_heading(xml_text(t("warnings", lang)), level=3)
        for w in report.warnings:
            doc.add_paragraph(xml_text(w), style="List Bullet")
    for table in report.part("handin"):
        add_table(doc, table, lang)
    sig = doc.add_table(rows=len(report.signatures), cols=3)
    for k, (post, name) in enumerate(report.signatures):
        _write(sig.cell(k, 0), post, size=10)
        _write(sig.cell(k, 1), "_" * 24 + "\n" + t("h_signature", lang), size=9)
        _write(sig.cell(k, 2), name or "_" * 24, size=10)
    doc.add_page_break()
    doc.add_heading(xml_text(t("h_details", lang)), level=1)
    facts = doc.add_table(rows=len(report.header), cols=2)
    facts.style = "Table Grid"
    for k, (label, value) in enumerate(report.header):
        _write(facts.cell(k, 0), label, bold=True, size=9)
        _write(facts.cell(k, 1), value, size=9)
    for table in report.part("main"):
        add_table(doc, table, lang)
    appendix = report.part("appendix")
    if appendix:
        new = doc.add_section(WD_SECTION.NEW_PAGE)
        _landscape_a4(new)
        doc.add_heading(xml_text(report.appendix_title), level=1)
        for table in appendix:
            add_table(doc, table, lang)
    return doc


def write_docx(report: Report, path: str | Path) -> None:
    """Write the document to ``path`` atomically."""
    doc = build_document(report)
    save_atomic(path, doc.save)
