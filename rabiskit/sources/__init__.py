"""Sources: ISO 2709 files, MARCXML files, IRBIS plain-text exports, harvests.
``open_source`` picks the reader."""

from __future__ import annotations

from pathlib import Path

from rabiskit.sources.base import Reader, SourceError
from rabiskit.sources.iso2709 import Iso2709Reader, open_binary
from rabiskit.sources.sniff import IRBIS_TEXT, MARCXML, NotMarc, Sniffed, sniff


def sniff_format(path: Path) -> str:
    """The file's kind (``rabiskit.sources.sniff``): 'marcxml', 'irbis_text', 'iso2709', or
    what else it is ('pdf', 'docx', 'csv', 'empty', ...).  Raises SourceError when it cannot
    be read."""
    return sniff_file(path).kind


def sniff_file(path: Path, display: str | None = None) -> Sniffed:
    """What the file is; SourceError (one plain line) when it cannot be read at all."""
    p = Path(path)
    open_binary(p).close()  # a folder, a missing or unreadable file: SourceError, one line
    try:
        return sniff(p)
    except OSError as e:
        name = display if display is not None else str(path)
        raise SourceError(f"{name}: cannot be read ({e.strerror or e})") from None


def open_source(path: str | Path, *, encoding: str | None = None, flavour: str | None = None,
                display: str | None = None) -> Reader:
    """A reader for ``path``: MARCXML, an IRBIS plain-text export or ISO 2709 (plain or
    .gz), decided from the content (markup: MARCXML; anything else: ISO 2709, whose reader
    reports what is not a record).

    Raises SourceError when the file cannot be read at all.  ``check_marc`` tells first
    whether the file holds MARC at all."""
    p = Path(path)
    found = sniff_file(p, display if display is not None else str(path))
    if found.kind in (MARCXML, "html"):
        from rabiskit.sources.marcxml import MarcXmlReader

        return MarcXmlReader(p, encoding=encoding, flavour=flavour, display=display)
    if found.kind == IRBIS_TEXT:
        from rabiskit.sources.irbis_text import IrbisTextReader

        return IrbisTextReader(p, encoding=encoding, flavour=flavour, display=display)
    return Iso2709Reader(p, encoding=encoding, flavour=flavour, display=display)


def check_marc(path: str | Path, display: str | None = None) -> Sniffed:
    """What the file is, when a reader should read it; NotMarc (a SourceError whose message
    is one line: "FILE: no MARC records: this is a PDF document") when it is something
    else, SourceError when it cannot be read at all."""
    name = display if display is not None else str(path)
    found = sniff_file(Path(path), name)
    if not found.readable:
        raise NotMarc(name, found)
    return found


__all__ = ["Iso2709Reader", "NotMarc", "Reader", "SourceError", "Sniffed", "check_marc",
           "open_binary", "open_source", "sniff_file", "sniff_format"]
