"""Writing MARCXML: a MARC 21 slim ``<collection>``, streamed, written atomically.

Every element is built with lxml, so record text is escaped by the XML library
(``<script>`` stays text, ``&`` becomes ``&amp;``); nothing is concatenated by hand.

XML 1.0 cannot carry every character a MARC record may hold: control characters other
than tab, line feed and carriage return (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F),
unpaired surrogates and U+FFFE/U+FFFF are not allowed in an XML document at all, not even
as character references.  They are written as U+FFFD (the replacement character) and
counted in ``MarcXmlWriter.replaced``, so the file is always well-formed.  Carriage
returns are kept (written as ``&#13;``).

The slim schema is used for both families: UNIMARC/RUSMARC records written this way are
what afronkin/marcrecord and yaz-marcdump produce, and what ``MarcXmlReader`` reads back.
"""

from __future__ import annotations

import os
import re
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from rabiskit.atomic import commit, discard, temporary_beside, terminate_raises
from rabiskit.records.record import Record, SourceRecord

MARC21_SLIM_NS = "http://www.loc.gov/MARC21/slim"
_NS = "{" + MARC21_SLIM_NS + "}"
REPLACEMENT = "\ufffd"

# Characters XML 1.0 does not allow anywhere in a document.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> tuple[str, int]:
    """(text with every character XML 1.0 forbids replaced by U+FFFD, how many were replaced)."""
    return _NOT_XML.subn(REPLACEMENT, text)


class _Counter:
    def __init__(self) -> None:
        self.replaced = 0

    def __call__(self, text: str | None) -> str:
        safe, n = xml_safe(text or "")
        self.replaced += n
        return safe


def record_element(record: Record | SourceRecord, counter: _Counter | None = None) -> etree._Element:
    """The ``<record>`` element (MARC 21 slim namespace) for one record."""
    if isinstance(record, SourceRecord):
        record = record.record
    clean = counter or _Counter()
    rec = etree.Element(_NS + "record", nsmap={None: MARC21_SLIM_NS})
    etree.SubElement(rec, _NS + "leader").text = clean(record.leader)
    for f in record.fields:
        if f.data is not None:
            cf = etree.SubElement(rec, _NS + "controlfield", tag=clean(f.tag))
            cf.text = clean(f.data)
            continue
        df = etree.SubElement(rec, _NS + "datafield", tag=clean(f.tag), ind1=clean(f.ind1),
                              ind2=clean(f.ind2))
        for code, value in f.subfields:
            etree.SubElement(df, _NS + "subfield", code=clean(code)).text = clean(value)
    return rec


def record_to_xml_bytes(record: Record | SourceRecord) -> bytes:
    """One ``<record xmlns="http://www.loc.gov/MARC21/slim">`` element as UTF-8 bytes."""
    return etree.tostring(record_element(record), encoding="utf-8")


class MarcXmlWriter:
    """Stream records into a MARC 21 slim collection file.

    Use as a context manager::

        with MarcXmlWriter("out.xml") as w:
            for rec in records:
                w.write(rec)

    The file is written to a temporary file in the same folder and moved into place
    (``os.replace``) only when the ``with`` block ends without an error; on an error the
    temporary file is removed and an existing file at ``path`` is left untouched.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.written = 0  # records written so far
        self._counter = _Counter()
        self._stack: ExitStack | None = None
        self._raw: BinaryIO | None = None
        self._tmp: Path | None = None
        self._xf = None
        self._guard = None  # terminate_raises() while the file is open

    @property
    def replaced(self) -> int:
        """Characters not allowed in XML 1.0 that were written as U+FFFD."""
        return self._counter.replaced

    def __enter__(self) -> "MarcXmlWriter":
        # SIGTERM raises while the file is being written, so the temporary file goes too
        self._guard = terminate_raises()
        self._guard.__enter__()
        stack = ExitStack()
        try:
            self._tmp = temporary_beside(self.path)
            self._raw = open(self._tmp, "wb")
            xf = stack.enter_context(etree.xmlfile(self._raw, encoding="utf-8"))
            xf.write_declaration()
            stack.enter_context(xf.element(_NS + "collection", nsmap={None: MARC21_SLIM_NS}))
            xf.write("\n")
        except BaseException:
            try:
                stack.close()
            finally:
                self._discard()
                self._unguard()
            raise
        self._xf = xf
        self._stack = stack
        return self

    def write(self, record: Record | SourceRecord) -> None:
        """Append one record to the collection."""
        if self._xf is None:
            raise RuntimeError("MarcXmlWriter.write() must be called inside a 'with' block")
        self._xf.write(record_element(record, self._counter))
        self._xf.write("\n")
        self.written += 1

    def __exit__(self, exc_type, exc, tb) -> bool:
        stack, self._stack, self._xf = self._stack, None, None
        if exc_type is not None:
            try:
                if stack is not None:
                    stack.close()
            except Exception:  # the file is being thrown away anyway
                pass
            self._discard()
            self._unguard()
            return False
        try:
            if stack is not None:
                stack.close()  # writes </collection>
            assert self._raw is not None and self._tmp is not None
            self._raw.flush()
            os.fsync(self._raw.fileno())
            self._raw.close()
            commit(self._tmp, self.path)  # with the mode a new file gets (mkstemp: owner-only)
        except BaseException:
            self._discard()
            raise
        finally:
            self._unguard()
        self._tmp = None
        return False

    def _unguard(self) -> None:
        guard, self._guard = self._guard, None
        if guard is not None:
            guard.__exit__(None, None, None)

    def _discard(self) -> None:
        """Close and remove the temporary file; closing may fail again (a full disk): the
        error that brought us here is the one raised."""
        if self._raw is not None and not self._raw.closed:
            try:
                self._raw.close()
            except (OSError, ValueError):
                pass
        discard(self._tmp)
        self._tmp = None


def write_marcxml(path: str | Path, records) -> int:
    """Write ``records`` (Record or SourceRecord) to ``path``; returns how many were written."""
    with MarcXmlWriter(path) as w:
        for r in records:
            w.write(r)
    return w.written
