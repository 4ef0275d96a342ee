"""The digitised documents of a tally, kept as their JSON text outside the Python heap.

A catalogue of a million records may link tens of thousands of digitised copies, and
``rabiskit digitisation`` lists every one of them.  Holding each as an object (and its
JSON dict, and the JSON text) costs hundreds of megabytes; here each document is kept as
the UTF-8 JSON text it is written as (``indent=2``, at the top level), in a spooled
temporary file (in memory up to ``SPOOL_BYTES``, then on disk, deleted when closed: it
is never visible as a file on Windows or POSIX), with its offset.  ``Documents`` is the
read-only sequence of the JSON's ``documents`` list: it reads each one back as a dict on
demand, and gives the text as it is for writing the JSON
(``rabiskit.jsontext.indented_chunks``).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import weakref
from array import array
from collections.abc import Sequence
from json.encoder import encode_basestring as _encode  # type: ignore[attr-defined]
from typing import Any, Callable, Iterator, overload

from rabiskit.digitisation.model import Document
from rabiskit.jsontext import json_default, scalar_text

SPOOL_BYTES = 8 << 20
INDENT = 2


#: each key's JSON text and the separator after it, for the keys met (a document's keys
#: are the few of ``Document.as_dict``)
_KEY_TEXTS: dict[str, str] = {}
_NULL_TRUE_FALSE = {None: "null", True: "true", False: "false"}


def document_text(doc: dict) -> str:
    """A document's JSON text as ``json.dumps(..., indent=2)`` writes it at the top level.

    A document's values are text, numbers, true/false/null and lists of text: those are
    written here directly (a document is written for every digitised copy of a catalogue,
    and json's indenting encoder is pure Python); anything else goes to json.dumps."""
    parts = []
    keys = _KEY_TEXTS
    for key, value in doc.items():
        head = keys.get(key) if key.__class__ is str else None
        if head is None:
            if key.__class__ is not str:
                return json.dumps(doc, ensure_ascii=False, indent=INDENT, default=json_default)
            head = _encode(key) + ": "
            if len(keys) < 1000:
                keys[key] = head
        cls = value.__class__
        if cls is str:
            parts.append(head + _encode(value))
        elif value is None or cls is bool:
            parts.append(head + _NULL_TRUE_FALSE[value])
        elif cls is int:
            parts.append(head + int.__repr__(value))
        elif cls is list and all(v.__class__ is str for v in value):
            parts.append(head + ("[\n    " + ",\n    ".join([_encode(v) for v in value]) + "\n  ]"
                                 if value else "[]"))
        else:
            scalar = scalar_text(value)
            if scalar is None:
                return json.dumps(doc, ensure_ascii=False, indent=INDENT, default=json_default)
            parts.append(head + scalar)
    if not parts:
        return "{}"
    return "{\n  " + ",\n  ".join(parts) + "\n}"


def _text(v) -> str:
    return "null" if v is None else _encode(v)  # TypeError for anything but text


def _number(v) -> str:
    if v is None:
        return "null"
    if v.__class__ is not int:  # True is 1 to int.__repr__, true to json
        raise TypeError(v)
    return int.__repr__(v)


def _texts(values) -> str:
    return "[\n    " + ",\n    ".join([_encode(v) for v in values]) + "\n  ]" if values else "[]"


def document_json(doc: Document, in_period: bool) -> str:
    """``document_text(doc.as_dict() | {"in_period": in_period})``, written from the
    document's fields (a catalogue's every linked record makes one); a field of another
    type than ``Document`` names goes the general way."""
    try:
        return fields_json(doc.source, doc.file, doc.record, doc.offset, doc.id, doc.title,
                           doc.line, doc.kind, doc.language, doc.pages, doc.pages_source,
                           doc.catalogue_pages, doc.date, doc.date_source, doc.links, doc.pdfs,
                           doc.host_title, doc.notes, in_period)
    except TypeError:
        return document_text(doc.as_dict() | {"in_period": in_period})


def fields_json(source, file, record, offset, id, title, line, kind, language, pages,
                pages_source, catalogue_pages, date, date_source, links, pdfs, host_title,
                notes, in_period: bool) -> str:
    """``document_json`` of the ``Document`` of these fields (TypeError for a field of
    another type than ``Document`` names): for a tally that makes no Document."""
    head, tail = fields_json_parts(source, file, offset, id, title, line, kind, language,
                                   pages, pages_source, catalogue_pages, date, date_source,
                                   links, pdfs, host_title, notes, in_period)
    return with_record(head, record, tail)


def with_record(head: str, record, tail: str) -> str:
    """The ``fields_json`` of its ``fields_json_parts`` and its record number (TypeError
    for a number of another type)."""
    return head + _number(record) + tail


def fields_json_parts(source, file, offset, id, title, line, kind, language, pages,
                      pages_source, catalogue_pages, date, date_source, links, pdfs,
                      host_title, notes, in_period: bool) -> tuple[str, str]:
    """``fields_json`` but its record number: (the text before it, the text after it).  The
    process that reads a block writes a linked record's document so, before the record is
    numbered in its file (``DigitisationTally.add_settled``)."""
    return ('{\n  "source": ' + _text(source) + ',\n  "file": ' + _text(file) + ',\n  "record": ',
            "".join((
                ',\n  "offset": ', _number(offset),
                ',\n  "id": ', _text(id), ',\n  "title": ', _text(title),
                "" if line is None else ',\n  "line": ' + _number(line),
                ',\n  "type": ', _text(kind), ',\n  "language": ', _text(language),
                ',\n  "pages": ', _number(pages),
                ',\n  "pages_source": ', _text(pages_source or None),
                ',\n  "catalogue_pages": ', _number(catalogue_pages),
                ',\n  "date": ', _text(date.isoformat() if date else None),
                ',\n  "date_source": ', _text(date_source or None),
                ',\n  "links": ', _texts(links), ',\n  "pdfs": ', _texts(pdfs),
                ',\n  "host_title": ', _text(host_title),
                ',\n  "notes": ' + _texts(notes) if notes else "",
                ',\n  "in_period": ', "true" if in_period else "false", "\n}")))


class DocumentStore:
    """Documents appended as JSON text, read back by number (0-based)."""

    #: documents held as bytes before they are written to the file together
    HOLD = 256

    def __init__(self, spool_bytes: int = SPOOL_BYTES) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=spool_bytes)
        # closed with the store (a temporary file dropped open is a ResourceWarning)
        weakref.finalize(self, self._file.close)
        self._offsets = array("q", [0])
        self._held: list[bytes] = []  # the last documents' bytes, not yet in the file
        self._written = 0  # bytes in the file

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def append(self, doc: dict) -> int:
        """Keep ``doc`` (a JSON-ready dict); returns its number."""
        return self.append_text(document_text(doc))

    def append_text(self, text: str) -> int:
        """Keep a document given as its JSON text (``document_text``, ``document_json``);
        returns its number."""
        return self.append_bytes(text.encode("utf-8"))

    def append_bytes(self, data: bytes) -> int:
        """Keep a document given as its JSON text in UTF-8; returns its number."""
        offsets = self._offsets
        offsets.append(offsets[-1] + len(data))
        held = self._held
        held.append(data)
        if len(held) >= self.HOLD:
            self._flush()
        return len(offsets) - 2

    def _flush(self) -> None:
        if self._held:
            data = b"".join(self._held)
            self._held = []
            self._file.seek(self._written)
            self._file.write(data)
            self._written += len(data)

    def text(self, i: int) -> str:
        self._flush()
        a, b = self._offsets[i], self._offsets[i + 1]
        self._file.seek(a)
        return self._file.read(b - a).decode("utf-8")

    def get(self, i: int) -> dict:
        return json.loads(self.text(i))

    def texts(self, start: int, stop: int, chunk: int = 1 << 20) -> Iterator[str]:
        """The texts of documents ``start`` to ``stop - 1``, read a chunk at a time."""
        self._flush()
        i = start
        offsets = self._offsets
        while i < stop:
            j = i + 1
            while j < stop and offsets[j + 1] - offsets[i] <= chunk:
                j += 1
            self._file.seek(offsets[i])
            data = self._file.read(offsets[j] - offsets[i])
            base = offsets[i]
            for k in range(i, j):
                yield data[offsets[k] - base:offsets[k + 1] - base].decode("utf-8")
            i = j

    def close(self) -> None:
        self._file.close()


class Documents(Sequence):
    """The ``documents`` list of a digitisation JSON: the first ``stored`` documents of
    ``store``, then ``tail`` (dicts, e.g. the log's).  Equal to a list of the same dicts."""

    def __init__(self, store: DocumentStore, stored: int, tail: Sequence[dict] = (),
                 figures: Callable[[], Iterator[tuple]] | None = None) -> None:
        self._store = store
        self._stored = stored
        self._tail = list(tail)
        self._figures = figures

    def figure_rows(self) -> Iterator[tuple]:
        """(date digitised or None, type, in Kazakh, pages or None) of every document, in
        order, without reading the documents back (when the tally gave them)."""
        if self._figures is not None:
            yield from self._figures()
            return
        for d in self:
            yield (dt.date.fromisoformat(d["date"]) if d.get("date") else None,
                   d.get("type"), d.get("language") == "kaz", d.get("pages"))

    def __len__(self) -> int:
        return self._stored + len(self._tail)

    @overload
    def __getitem__(self, i: int) -> dict: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("document index out of range")
        return self._store.get(i) if i < self._stored else self._tail[i - self._stored]

    def __iter__(self) -> Iterator[dict]:
        for text in self._store.texts(0, self._stored):
            yield json.loads(text)
        yield from self._tail

    def indented_items(self, indent: int) -> Iterator[str]:
        """Each document's JSON text at the top level (``rabiskit.jsontext``)."""
        if indent == INDENT:
            yield from self._store.texts(0, self._stored)
        else:
            for text in self._store.texts(0, self._stored):
                yield json.dumps(json.loads(text), ensure_ascii=False, indent=indent)
        for d in self._tail:
            yield json.dumps(d, ensure_ascii=False, indent=indent, default=json_default)

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self):
        """Pickled (or deep-copied) as the plain list of its documents."""
        return list, (list(self),)

    def __repr__(self) -> str:
        return f"Documents({len(self)} documents)"
