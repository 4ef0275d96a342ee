"""How the human-readable renderers (HTML, Markdown, DOCX) show a cell as text.

Whole numbers as digits; percentages with one decimal and a per-cent sign (decimal comma
in Kazakh and Russian, point in English); a shortfall or surplus against the plan gets a
mark (▼ below, ▲ above) after the value.  Spreadsheets (XLSX, CSV) keep raw numbers.
"""

from __future__ import annotations

import re

from rabiskit.report.table import INT, PERCENT, POINTS, SHORTFALL, SURPLUS, Cell

_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
MARKS = {SHORTFALL: "▼", SURPLUS: "▲"}


def number_text(cell: Cell, lang: str) -> str:
    """The cell's value as text, without a mark ('' for an empty cell)."""
    v = cell.value
    if v is None:
        return ""
    if cell.kind in (PERCENT, POINTS) and isinstance(v, (int, float)):
        text = f"{v:+.1f}" if cell.kind == POINTS else f"{v:.1f}"
        if lang in ("kk", "ru"):
            text = text.replace(".", ",")
        return f"{text}%" if cell.kind == PERCENT else text
    if cell.kind == INT and isinstance(v, (int, float)):
        return str(int(v)) if float(v).is_integer() else str(v)
    return str(v)


def mark(cell: Cell) -> str:
    """▼ for a shortfall, ▲ for a surplus, '' otherwise (and for an empty cell)."""
    if cell.value is None or cell.value == "":
        return ""
    return MARKS.get(cell.flag or "", "")


def cell_text(cell: Cell, lang: str) -> str:
    """The value as text with its mark, e.g. '85,3% ▼'."""
    text = number_text(cell, lang)
    m = mark(cell)
    return f"{text} {m}" if m and text else text


def one_line(text) -> str:
    """Text on one line: record text may hold line breaks, which become spaces."""
    return _BREAKS.sub(" ", str(text)) if text else ""
