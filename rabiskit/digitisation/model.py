"""The values digitisation tracking works with: PDFs on disk, digitised documents, counts.

Plain dataclasses with no I/O.  A *document* is one digitised item: a catalogue record
whose link field (856$u by default) is filled, or a row of the digitisation log.  Its
*type* is one of the plan's digitisation rows (``newspaper_article``,
``journal_article``, ``book``) or ``other`` (a serial or integrating resource with a
link: shown, but in no plan row).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

#: The type of a linked record that is neither an article nor a monograph (leader/07 s, i).
OTHER = "other"

KAZAKH = "kaz"

#: Where a document's page count came from.
PAGES_PDF = "pdf"  # the PDF's own page count
PAGES_RANGE = "page range"  # the article's page range (463$v, 773$g, or 215$a of an article)
PAGES_EXTENT = "extent"  # the book's extent (215$a, 300$a)
PAGES_LOG = "log"  # the digitisation log's pages column

#: Where a PDF's date came from.
CREATED_METADATA = "metadata"  # /CreationDate of the PDF's document information
CREATED_MTIME = "file modified"  # no usable creation date: the file's modification time


@dataclass(frozen=True)
class PdfInfo:
    """One PDF file found in the PDF folder.

    ``key`` is the name used for matching (Unicode NFC, case-folded).  ``pages`` and
    ``created`` are None when the file could not be read; ``error`` then says why and
    ``kind`` gives the problem code (pdf_encrypted, pdf_corrupt, pdf_unreadable).
    ``created_source`` is ``metadata`` or ``file modified`` (with ``note`` saying why the
    creation date was not used)."""

    path: Path
    name: str
    key: str
    size: int = 0
    pages: int | None = None
    created: dt.datetime | None = None
    created_source: str = ""
    encrypted: bool = False
    error: str | None = None
    kind: str | None = None
    note: str | None = None

    @property
    def readable(self) -> bool:
        return self.error is None and self.pages is not None

    def as_dict(self) -> dict:
        d = {"file": str(self.path), "name": self.name, "size": self.size, "pages": self.pages,
             "created": self.created.isoformat() if self.created else None,
             "created_source": self.created_source or None, "encrypted": self.encrypted}
        if self.error:
            d["error"] = self.error
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class Document:
    """One digitised document, from the catalogue or from the log.

    ``source`` is ``catalogue`` or ``log``.  ``pages`` is the count that is counted (the
    PDF's when a PDF was found, else the catalogue's or the log's), ``pages_source``
    where it came from.  ``date`` is the date digitised chosen by the plan's date order,
    ``date_source`` which date it was (``pdf``, ``pdf (file modified)``, ``changed``,
    ``entered``, ``log``).  ``keys`` are the matching names of the files it links to (or
    the links themselves when they name no file): a second document with one of the same
    keys is a duplicate.  ``file``/``record``/``offset``/``id``/``title`` say where it is
    (for the log: the log file, ``line`` is the CSV line)."""

    source: str
    kind: str
    language: str
    pages: int | None
    pages_source: str
    date: dt.date | None
    date_source: str
    keys: tuple[str, ...]
    file: str
    record: int | None = None
    offset: int | None = None
    id: str | None = None
    title: str | None = None
    line: int | None = None
    links: tuple[str, ...] = ()
    pdfs: tuple[str, ...] = ()
    catalogue_pages: int | None = None
    host_title: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def kazakh(self) -> bool:
        return self.language == KAZAKH

    def where(self) -> dict:
        """The document's location, for the lists the user must look at."""
        d = {"source": self.source, "file": self.file, "record": self.record,
             "offset": self.offset, "id": self.id, "title": self.title}
        if self.line is not None:
            d["line"] = self.line
        return d

    def as_dict(self) -> dict:
        return {**self.where(), "type": self.kind, "language": self.language,
                "pages": self.pages, "pages_source": self.pages_source or None,
                "catalogue_pages": self.catalogue_pages,
                "date": self.date.isoformat() if self.date else None,
                "date_source": self.date_source or None, "links": list(self.links),
                "pdfs": list(self.pdfs), "host_title": self.host_title,
                **({"notes": list(self.notes)} if self.notes else {})}


@dataclass
class TypeCount:
    """Documents and pages of one type (or of all types), of which in Kazakh."""

    documents: int = 0
    pages: int = 0
    kazakh_documents: int = 0
    kazakh_pages: int = 0

    def add(self, doc: Document) -> None:
        self.add_one(doc.pages, doc.kazakh)

    def add_one(self, pages: int | None, kazakh: bool) -> None:
        """One document of ``pages`` pages (None: not known, counted as 0)."""
        pages = pages or 0
        self.documents += 1
        self.pages += pages
        if kazakh:
            self.kazakh_documents += 1
            self.kazakh_pages += pages

    def merge(self, other: "TypeCount") -> None:
        self.documents += other.documents
        self.pages += other.pages
        self.kazakh_documents += other.kazakh_documents
        self.kazakh_pages += other.kazakh_pages
