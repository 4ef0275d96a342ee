"""Making untrusted record text safe in the outputs.

Titles, file names and other record text come from outside: in HTML they are escaped;
in spreadsheets (XLSX, CSV) a cell that starts with =, +, -, @, a tab or a carriage
return would be run as a formula by Excel, so such text is written as text (CSV: a
leading apostrophe, the convention Excel and LibreOffice understand; XLSX: a string cell
with the quote prefix).  Control characters that XML (DOCX, XLSX, HTML) cannot hold are
replaced with U+FFFD.
"""

from __future__ import annotations

import html
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def xml_text(value) -> str:
    """Text without the characters XML 1.0 forbids."""
    return _XML_BAD.sub("\ufffd", str(value))


def csv_cell(value):
    """A CSV value: numbers as they are, text with formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if is_formula_like(text):
        return "'" + text
    return text


def html_text(value) -> str:
    """Escaped HTML text (quotes included), control characters removed."""
    return html.escape(xml_text("" if value is None else value), quote=True)
