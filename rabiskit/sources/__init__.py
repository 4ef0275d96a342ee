"""Sources: ISO 2709 files, MARCXML files, harvests.  ``open_source`` picks the reader."""

from __future__ import annotations

from pathlib import Path

from rabiskit.sources.base import Reader, SourceError
from rabiskit.sources.iso2709 import Iso2709Reader, open_binary


def sniff_format(path: Path) -> str:
    """'marcxml' when the file's first non-blank byte is '<', 'irbis_text' when it starts
    with an IRBIS plain-text field line (``#920: PAZK``), else 'iso2709'."""
    from rabiskit.sources.irbis_text import looks_like_irbis_text

    with open_binary(path) as fh:
        head = fh.read(4096)
    if looks_like_irbis_text(head):
        return "irbis_text"
    head = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        return "marcxml"
    return "marcxml" if head.startswith(b"<") else "iso2709"


def open_source(path: str | Path, *, encoding: str | None = None, flavour: str | None = None,
                display: str | None = None) -> Reader:
    """A reader for ``path``: MARCXML, an IRBIS plain-text export or ISO 2709 (plain or
    .gz), decided from the content.

    Raises SourceError when the file cannot be read at all."""
    p = Path(path)
    fmt = sniff_format(p)
    if fmt == "marcxml":
        from rabiskit.sources.marcxml import MarcXmlReader

        return MarcXmlReader(p, encoding=encoding, flavour=flavour, display=display)
    if fmt == "irbis_text":
        from rabiskit.sources.irbis_text import IrbisTextReader

        return IrbisTextReader(p, encoding=encoding, flavour=flavour, display=display)
    return Iso2709Reader(p, encoding=encoding, flavour=flavour, display=display)


__all__ = ["Iso2709Reader", "Reader", "SourceError", "open_source", "sniff_format"]
