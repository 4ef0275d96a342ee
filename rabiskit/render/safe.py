"""Making untrusted record text safe in the outputs.

Titles, file names and other record text come from outside: in HTML they are escaped;
in spreadsheets (XLSX, CSV) a cell that starts with =, +, -, @, a tab or a carriage
return would be run as a formula by Excel, so such text is written as text (CSV: a
leading apostrophe, the convention Excel and LibreOffice understand; XLSX: a string cell
with the quote prefix).  Control characters that XML (DOCX, XLSX, HTML) cannot hold are
replaced with U+FFFD.

Bidirectional controls that reorder the text after them (the embeddings and overrides
U+202A-U+202E, the isolates U+2066-U+2069) are replaced with U+FFFD too: a record's
U+202E would otherwise turn round the rest of a table cell, a line of a Word report or
of an HTML page ("Trojan Source"), so that what a librarian reads is not what the record
says.  The marks U+200E, U+200F and U+061C are kept: they reorder nothing beyond the
characters next to them, and text in Arabic script uses them.  This is for reports only;
data files (``facts``, exports, MARCXML) keep the record's characters as they are.
"""

from __future__ import annotations

import html
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff" + BIDI_CONTROLS + "]")
_BIDI = re.compile("[" + BIDI_CONTROLS + "]")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def xml_text(value) -> str:
    """Text for a report in XML (XLSX, DOCX, HTML, Markdown): without the characters XML 1.0
    forbids and without bidirectional controls (both become U+FFFD)."""
    return _XML_BAD.sub("\ufffd", str(value))


def csv_cell(value):
    """A CSV value of a report: numbers as they are, text with formulas and bidirectional
    controls neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = _BIDI.sub("\ufffd", str(value))
    if is_formula_like(text):
        return "'" + text
    return text


def html_text(value) -> str:
    """Escaped HTML text (quotes included), control characters removed."""
    return html.escape(xml_text("" if value is None else value), quote=True)
