"""What a file looks like, from its bytes: a MARC export, or something else that holds none.

``sniff(path)`` names the file's kind before any reader touches it, so that a PDF, a Word
document or a CSV table given by mistake is an error with one plain line ("no MARC
records: this is a PDF document") instead of a report with 0 %.

The formats rabiskit reads are ``readable``: ISO 2709 (any file holding a field or record
terminator, 0x1E or 0x1D, that is not one of the documents recognised below: a damaged
export with garbage in front is still an export), XML (the first character is ``<``;
whether it holds MARC records is for the MARCXML reader to say) and IRBIS plain text
(``rabiskit.sources.irbis_text`` decides).  Everything else is described by what it is:
signatures of document formats first (PDF, ZIP-based Office and OpenDocument files, old
Office files, RTF, images), then text shapes (HTML, JSON, MARCMaker text, CSV, plain
text).  ``.gz`` files are looked at decompressed.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from rabiskit.i18n import N_
from rabiskit.sources.base import SourceError

HEAD_SIZE = 64 * 1024  # bytes looked at for signatures and text shapes
SCAN_CHUNK = 1 << 20  # bytes read at a time when looking for a terminator further in

ISO2709 = "iso2709"
MARCXML = "marcxml"
IRBIS_TEXT = "irbis_text"
READABLE = (ISO2709, MARCXML, IRBIS_TEXT)

_TERMINATORS = re.compile(rb"[\x1d\x1e]")
_MRK_LINE = re.compile(rb"^=(?:LDR|\d{3})  ", re.MULTILINE)
_HTML_START = re.compile(rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                         re.IGNORECASE | re.DOTALL)
# XML in UTF-32 or UTF-16 (with or without a byte order mark): the MARCXML reader decodes it
_WIDE_XML = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, b"<\x00\x00\x00", b"\x00\x00\x00<",
             codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00?\x00", b"\x00<\x00?")
#: the bytes that may stand before the "<" of markup: blanks, the zero bytes of UTF-16, the
#: bytes of the byte order marks (what ``_as_text``'s text is stripped of, in its encodings)
_BEFORE_MARKUP = b" \t\r\n\x00" + codecs.BOM_UTF8 + codecs.BOM_UTF16_LE


@dataclass(frozen=True)
class Sniffed:
    """What a file is: ``kind`` (a short key) and ``what`` (for a person: "a PDF document")."""

    kind: str
    what: str

    @property
    def readable(self) -> bool:
        """True when a MARC reader should try the file (ISO 2709 or XML)."""
        return self.kind in READABLE


class NotMarc(SourceError):
    """The file holds no MARC record: it is something else (``sniffed`` says what)."""

    def __init__(self, display: str, sniffed: Sniffed):
        super().__init__(no_records_message(display, sniffed.what))
        self.sniffed = sniffed


def no_records_message(display: str, what: str | None = None) -> str:
    """The one line for an input without records: "FILE: no MARC records: this is WHAT"."""
    if what:
        return N_("{file}: no MARC records: this is {what}").format(file=display, what=what)
    return N_("{file}: no MARC records in this file").format(file=display)


def _open(path: Path):
    fh = path.open("rb")
    if path.suffix.lower() == ".gz" or fh.read(2) == b"\x1f\x8b":
        fh.seek(0)
        return gzip.GzipFile(fileobj=fh, mode="rb")
    fh.seek(0)
    return fh


def sniff(path: str | Path) -> Sniffed:
    """What the file at ``path`` is.  Raises OSError when it cannot be read."""
    p = Path(path)
    with _open(p) as fh:
        try:
            head = fh.read(HEAD_SIZE)
        except (OSError, EOFError, zlib.error) as e:
            if isinstance(fh, gzip.GzipFile):
                return Sniffed("gzip", N_("a damaged gzip file"))
            raise e
        found = _sniff_head(head, p)
        if found is not None:
            return found
        if _TERMINATORS.search(head):
            return Sniffed(ISO2709, N_("an ISO 2709 file"))
        # no terminator in the head: look through the rest (a record is at most 99,999 bytes,
        # but garbage may stand in front of the first one)
        try:
            while True:
                block = fh.read(SCAN_CHUNK)
                if not block:
                    break
                if _TERMINATORS.search(block):
                    return Sniffed(ISO2709, N_("an ISO 2709 file"))
        except (EOFError, zlib.error, gzip.BadGzipFile):
            return Sniffed(ISO2709, N_("an ISO 2709 file"))  # the reader reports the damage
    return _text_kind(head)


def _sniff_head(head: bytes, path: Path) -> Sniffed | None:
    """The kind told by signatures and by XML; None when the terminators must decide."""
    stripped = head.lstrip(b" \t\r\n\x00")
    if not stripped:
        return Sniffed("empty", N_("an empty file") if not head else N_("an empty file (only blanks)"))
    pdf = head.find(b"%PDF-", 0, 1024)  # PDF readers allow junk before the signature
    if pdf >= 0 and not _TERMINATORS.search(head, 0, pdf):
        return Sniffed("pdf", N_("a PDF document"))
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path, head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if "WordDocument".encode("utf-16-le") in head:
            return Sniffed("doc", N_("a Word document (.doc)"))
        if "Workbook".encode("utf-16-le") in head or "Book".encode("utf-16-le") in head:
            return Sniffed("xls", N_("an Excel workbook (.xls)"))
        return Sniffed("ole", N_("an old Microsoft Office document (.doc, .xls or .ppt)"))
    if stripped.startswith(b"{\\rtf"):
        return Sniffed("rtf", N_("an RTF document"))
    for magic, kind, what in ((b"\x89PNG\r\n\x1a\n", "png", N_("a PNG image")),
                              (b"\xff\xd8\xff", "jpeg", N_("a JPEG image")),
                              (b"GIF8", "gif", N_("a GIF image")),
                              (b"II*\x00", "tiff", N_("a TIFF image")), (b"MM\x00*", "tiff", N_("a TIFF image")),
                              (b"Rar!\x1a\x07", "rar", N_("a RAR archive")),
                              (b"7z\xbc\xaf\x27\x1c", "7z", N_("a 7-Zip archive")),
                              (b"SQLite format 3\x00", "sqlite", N_("an SQLite database"))):
        if head.startswith(magic):
            return Sniffed(kind, what)
    from rabiskit.sources.irbis_text import looks_like_irbis_text

    if looks_like_irbis_text(head):
        return Sniffed(IRBIS_TEXT, N_("an IRBIS plain-text export"))
    if head.startswith(_WIDE_XML):
        return Sniffed(MARCXML, N_("an XML document"))
    lt = head.find(b"<")
    if lt < 0 or head[:lt].translate(None, _BEFORE_MARKUP):
        # markup is "<" after nothing but blanks and byte order marks in every encoding
        # _as_text reads: without, the terminators decide (an ISO 2709 file's head is not
        # decoded as text for nothing)
        return None
    text = _as_text(head)
    if text is not None:
        body = text.lstrip("\ufeff \t\r\n")
        if body.startswith("<"):
            raw = body.encode("utf-8", "replace")
            if _HTML_START.match(raw):
                return Sniffed("html", N_("an HTML page"))
            return Sniffed(MARCXML, N_("an XML document"))
    return None


def _zip_kind(path: Path, head: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        # cut short, or read from a .gz: the names in the first local headers still show
        names = _local_header_names(head)
    if any(n.startswith("word/") for n in names):
        return Sniffed("docx", N_("a Word document (.docx)"))
    if any(n.startswith("xl/") for n in names):
        return Sniffed("xlsx", N_("an Excel workbook (.xlsx)"))
    if any(n.startswith("ppt/") for n in names):
        return Sniffed("pptx", N_("a PowerPoint presentation (.pptx)"))
    if "content.xml" in names or "mimetype" in names:
        return Sniffed("odf", N_("an OpenDocument file (.odt, .ods)"))
    return Sniffed("zip", N_("a ZIP archive (unpack it and give the export files inside)"))


def _local_header_names(head: bytes) -> list[str]:
    """File names of the ZIP local file headers in ``head`` (name length at byte 26, the
    name from byte 30 of each header)."""
    names = []
    i = head.find(b"PK\x03\x04")
    while i != -1 and i + 30 <= len(head):
        size = int.from_bytes(head[i + 26:i + 28], "little")
        names.append(head[i + 30:i + 30 + size].decode("utf-8", "replace"))
        i = head.find(b"PK\x03\x04", i + 30)
    return names


def _as_text(head: bytes) -> str | None:
    """The head as text when it is text (UTF-8, UTF-16 with a byte order mark, or a
    single-byte code page without control characters); None for binary data."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head[:len(head) // 2 * 2].decode("utf-16", "replace")
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return head[:len(head) // 2 * 2].decode("utf-16-le" if head[0] == 0x3C else "utf-16-be",
                                               "replace")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start >= len(head) - 3 and "unexpected end" in e.reason:
            text = head[:e.start].decode("utf-8")
        else:
            text = head.decode("cp1251", "replace")
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f")
    if controls > max(2, len(text) // 100):
        return None
    return text


def _text_kind(head: bytes) -> Sniffed:
    """A file without terminators and without a known signature: what kind of text is it?"""
    text = _as_text(head)
    if text is None:
        return Sniffed("binary", N_("binary data, not an export"))
    body = text.lstrip("\ufeff \t\r\n")
    raw = body.encode("utf-8", "replace")
    if len(_MRK_LINE.findall(raw)) >= 2:
        return Sniffed("mrk", N_("a MARC text file (MARCMaker .mrk lines), not ISO 2709"))
    if body[:1] in ("{", "["):
        return Sniffed("json", N_("a JSON file"))
    if _looks_like_csv(body):
        return Sniffed("csv", N_("a CSV table"))
    return Sniffed("text", N_("a text file"))


def _looks_like_csv(text: str) -> bool:
    """Two or more lines with the same number (one or more) of one delimiter."""
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if len(lines) > 1 and not text.endswith(("\n", "\r")) and len(text) >= HEAD_SIZE - 4:
        lines = lines[:-1]  # the last line may be cut by the head's end
    if len(lines) < 2:
        return False
    for delimiter in (",", ";", "\t", "|"):
        counts = {ln.count(delimiter) for ln in lines}
        if len(counts) == 1 and counts.pop() >= 1:
            return True
    return False


__all__ = ["ISO2709", "MARCXML", "NotMarc", "Sniffed", "no_records_message", "sniff"]
