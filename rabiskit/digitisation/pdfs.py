"""The PDF folder: every PDF under it (recursively), with its page count and creation date.

``index_pdfs(folder)`` walks the folder (sub-folders included, in sorted order so
results do not depend on the file system), reads each ``*.pdf`` with pypdf and returns
a :class:`PdfIndex`.  Nothing here is fatal: an encrypted PDF (that an empty password
does not open), a truncated or corrupt PDF, or a file that cannot be opened becomes a
problem naming the file, and the other files are read.  Two PDFs with the same name in
different sub-folders are a problem too (a link names only the file): the first in
sorted path order is the one records are matched to.

Only regular files are opened.  A ``.pdf`` name that is a named pipe (FIFO), a socket,
a device, a symbolic link to one of these, a broken link or a link loop is reported
once as unreadable and never opened (opening a FIFO waits for a writer forever); it is
still listed, so a record that links to it is told why the PDF cannot be read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from rabiskit.i18n import N_
from rabiskit.digitisation.classify import name_key
from rabiskit.digitisation.model import CREATED_METADATA, CREATED_MTIME, PdfInfo


class PdfFolderError(ValueError):
    """The PDF folder itself cannot be used (missing, not a folder)."""


@dataclass
class PdfIndex:
    """The PDFs of a folder.  ``by_key`` maps a matching key (see
    :func:`rabiskit.digitisation.classify.name_key`) to the PDF records are matched to;
    ``pdfs`` lists every PDF found, in sorted path order; ``problems`` are dicts shaped
    like the scan's problems (file, record, offset, message, kind)."""

    folder: Path
    pdfs: list[PdfInfo] = field(default_factory=list)
    by_key: dict[str, PdfInfo] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)

    def get(self, key: str) -> PdfInfo | None:
        return self.by_key.get(key)

    def summary(self) -> dict:
        return {"folder": str(self.folder), "pdfs": len(self.pdfs),
                "readable": sum(1 for p in self.pdfs if p.readable),
                "unreadable": sum(1 for p in self.pdfs if not p.readable),
                "pages": sum(p.pages or 0 for p in self.pdfs)}


def _problem(path: Path | str, message: str, kind: str) -> dict:
    return {"file": str(path), "record": None, "offset": None, "message": message, "kind": kind}


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs and warns about every repair it makes; the problems list says it once."""
    logger = logging.getLogger("pypdf")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(old)


def _mtime(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    except (OSError, OverflowError, ValueError):
        return None


def read_pdf(path: Path) -> PdfInfo:
    """Page count and creation date of one PDF (never raises for a bad file).

    The creation date is the document information's /CreationDate; when the PDF has none
    (or an unreadable one) the file's modification time is used and ``note`` says so.
    The file is read through an open handle, so pypdf reads only the parts it needs (a
    scanned book can be hundreds of megabytes)."""
    name = path.name
    base = dict(path=path, name=name, key=name_key(name))
    try:
        st = os.stat(path)  # follows links: what opening would reach
    except OSError as e:
        return PdfInfo(**base, error=N_("cannot be opened: {v}").format(v=e.strerror or e), kind="pdf_unreadable")
    if not stat.S_ISREG(st.st_mode):
        return PdfInfo(**base, error=N_("not a regular file ({file_type}): not opened").format(file_type=_file_type(st.st_mode)),
                       kind="pdf_unreadable")
    try:
        fh = _open_regular(path)
    except OSError as e:
        return PdfInfo(**base, error=N_("cannot be opened: {v}").format(v=e.strerror or e), kind="pdf_unreadable")
    if fh is None:  # replaced by something else between the two looks
        return PdfInfo(**base, error=N_("not a regular file: not opened"), kind="pdf_unreadable")
    size = st.st_size
    base["size"] = size
    if size == 0:
        fh.close()
        return PdfInfo(**base, error=N_("empty file (0 bytes): not a PDF"), kind="pdf_corrupt")
    with fh, _quiet_pypdf():
        found = _read_open_pdf(fh, base)
    if isinstance(found, PdfInfo):
        return found
    pages, created, note, encrypted = found
    if created is not None:
        return PdfInfo(**base, pages=pages, created=created, created_source=CREATED_METADATA,
                       encrypted=encrypted)
    mtime = _mtime(path)
    return PdfInfo(**base, pages=pages, created=mtime,
                   created_source=CREATED_MTIME if mtime else "", encrypted=encrypted,
                   note=N_("{note}: the file's modification time is used").format(
                       note=note) if mtime else note)


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return N_("a named pipe (FIFO)")
    if stat.S_ISSOCK(mode):
        return N_("a socket")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return N_("a device")
    if stat.S_ISDIR(mode):
        return N_("a folder")
    return N_("not a file")


def _open_regular(path: Path):
    """``path`` opened for reading when it is still a regular file (checked on the open
    handle, non-blocking so that a FIFO swapped in cannot hang), else None."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def _read_open_pdf(fh, base: dict):
    """(pages, creation date, note, encrypted) of an open PDF, or a PdfInfo with the error."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    locked = N_("encrypted PDF with a password: its pages cannot be counted; keep an "
                "unprotected copy in the folder")
    encrypted = False
    try:
        reader = PdfReader(fh)
        encrypted = reader.is_encrypted
        if encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as e:
                return PdfInfo(**base, encrypted=True, kind="pdf_encrypted",
                               error=N_("encrypted PDF; cannot be opened here ({e})").format(e=e))
            if not opened:
                return PdfInfo(**base, encrypted=True, kind="pdf_encrypted", error=locked)
        pages = len(reader.pages)
    except FileNotDecryptedError:
        return PdfInfo(**base, encrypted=True, kind="pdf_encrypted", error=locked)
    except Exception as e:  # pypdf raises many kinds for damaged files: never fatal
        why = str(e).strip() or type(e).__name__
        return PdfInfo(**base, encrypted=encrypted, kind="pdf_corrupt",
                       error=N_("damaged or not a PDF ({why})").format(why=why))
    created: dt.datetime | None = None
    note = None
    try:
        meta = reader.metadata
        created = meta.creation_date if meta is not None else None
        if created is None:
            note = N_("the PDF has no creation date")
    except Exception as e:  # a malformed /CreationDate string
        note = N_("the PDF's creation date cannot be read ({e})").format(e=e)
    return pages, created, note, encrypted


def _walk(folder: Path, problems: list[dict]) -> list[Path]:
    found: list[Path] = []

    def onerror(err: OSError) -> None:
        problems.append(_problem(err.filename or folder,
                                 N_("folder cannot be read: {v}").format(v=err.strerror or err),
                                 "pdf_unreadable"))

    for root, dirs, files in os.walk(folder, onerror=onerror):
        dirs.sort()
        for f in sorted(files):
            if f.lower().endswith(".pdf"):
                found.append(Path(root) / f)
    return sorted(found, key=lambda p: [s.casefold() for s in p.relative_to(folder).parts])


def index_pdfs(folder: str | Path) -> PdfIndex:
    """Read every PDF under ``folder``; raises PdfFolderError only when the folder itself
    is missing or is not a folder."""
    root = Path(folder)
    if not root.exists():
        raise PdfFolderError(N_("{root}: PDF folder not found").format(root=root))
    if not root.is_dir():
        raise PdfFolderError(N_("{root}: is a file; give the folder that holds the PDFs").format(
            root=root))
    index = PdfIndex(root)
    for path in _walk(root, index.problems):
        info = read_pdf(path)
        index.pdfs.append(info)
        if info.error:
            index.problems.append(_problem(path, info.error, info.kind or "pdf_unreadable"))
        first = index.by_key.get(info.key)
        if first is None:
            index.by_key[info.key] = info
        else:
            index.problems.append(_problem(
                path, N_("the same file name is also at {path}; links name only the file, so {path} is the one matched").format(
                    path=first.path), "pdf_duplicate_name"))
    return index
