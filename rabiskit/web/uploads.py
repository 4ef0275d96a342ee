"""Uploaded files, streamed to disk as they arrive: never held in memory, never named by
the user's file name.

``receive_form(request, folder, limit)`` reads a ``multipart/form-data`` body chunk by
chunk with python-multipart's push parser: each file part goes straight into a new file
``folder/NNN`` (``NNN.gz`` for a gzip export, so the readers still see it), the text
fields into a small dict.  The upload's total size is counted while it streams: past
``limit`` bytes it raises :class:`UploadTooLarge` (the rest of the body is read and
thrown away, so the browser gets the answer instead of a broken connection).  The name
the file had on the user's computer is kept only as a display name
(:func:`display_name`: no folder part, no control characters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from python_multipart.multipart import MultipartParser, parse_options_header

#: the most bytes one text field may hold (year, quarter, db lines...)
FIELD_LIMIT = 64 * 1024
#: the most parts a form may have
PART_LIMIT = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class UploadError(ValueError):
    """The body is not a form this server takes."""


class UploadTooLarge(UploadError):
    """The upload is larger than the server's limit (``limit`` bytes)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than the limit of {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the form field it came in, its display name (the user's file
    name, sanitised), where it is stored and its size in bytes."""

    field: str
    name: str
    path: Path
    size: int


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)

    def first(self, name: str, default: str | None = None) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return list(self.fields.get(name, ()))

    def files_of(self, name: str) -> list[Upload]:
        return [f for f in self.files if f.field == name]


def display_name(raw: str, fallback: str = "upload") -> str:
    """A file name fit to show and to put in the JSON: the last part of a path a browser
    may send (``C:\\Users\\...\\kraeved.iso`` gives ``kraeved.iso``), without control
    characters, at most 200 characters; ``fallback`` when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _CONTROL.sub("", name).strip()
    if name.strip(".") == "":
        name = ""
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) < 10 else name[:200]
    return name or fallback


def _stored_name(index: int, name: str) -> str:
    return f"{index:03d}.gz" if name.lower().endswith(".gz") else f"{index:03d}"


class _Receiver:
    """The python-multipart callbacks: one part at a time, files written as they come."""

    def __init__(self, folder: Path, limit: int, before_file: Callable[[Form], None] | None):
        self.folder = folder
        self.limit = limit
        self.before_file = before_file
        self.form = Form()
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.part_name = ""
        self.file_name: str | None = None
        self.handle = None
        self.path: Path | None = None
        self.size = 0
        self.text = bytearray()
        self.parts = 0
        self.error: Exception | None = None

    def callbacks(self) -> dict:
        return {"on_part_begin": self.part_begin, "on_part_data": self.part_data,
                "on_part_end": self.part_end, "on_header_field": self.header_field_data,
                "on_header_value": self.header_value_data, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished}

    def part_begin(self) -> None:
        self.parts += 1
        if self.parts > PART_LIMIT:
            raise UploadError(f"more than {PART_LIMIT} parts in the form")
        self.headers = {}
        self.text = bytearray()

    def header_field_data(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[bytes(self.header_field).lower()] = bytes(self.header_value)
        self.header_field = bytearray()
        self.header_value = bytearray()

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.part_name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self.file_name = None if filename is None else filename.decode("utf-8", "replace")
        if self.file_name is not None:
            if self.before_file is not None:
                self.before_file(self.form)
            if self.file_name == "":  # a file input left empty
                return
            index = len(self.form.files) + 1
            self.path = self.folder / _stored_name(index, self.file_name)
            self.handle = open(self.path, "xb")
            self.size = 0

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.handle is not None:
            self.handle.write(data[start:end])
            self.size += end - start
        elif self.file_name is None:
            self.text += data[start:end]
            if len(self.text) > FIELD_LIMIT:
                raise UploadError(f"the field {self.part_name!r} is too long")

    def part_end(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
            assert self.path is not None
            self.form.files.append(Upload(self.part_name, display_name(self.file_name or ""),
                                          self.path, self.size))
        elif self.file_name is None:
            self.form.fields.setdefault(self.part_name, []).append(
                self.text.decode("utf-8", "replace"))
        self.file_name = None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


async def receive_form(request, folder: Path, limit: int,
                       before_file: Callable[[Form], None] | None = None) -> Form:
    """Read the request's multipart body into ``folder`` (which must exist and be empty;
    the caller removes it).  ``before_file(form)`` is called when the first bytes of each
    file part arrive, with the text fields read so far (the CSRF check: the page's forms
    put their token first).  Raises UploadTooLarge past ``limit`` bytes of body,
    UploadError for a body that is not a form."""
    ctype, options = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in options:
        raise UploadError("send the form as multipart/form-data")
    declared = request.headers.get("content-length")
    receiver = _Receiver(folder, limit, before_file)
    parser = MultipartParser(options[b"boundary"], receiver.callbacks())
    received = 0
    too_large = declared is not None and declared.isdigit() and int(declared) > limit
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if too_large or received > limit:
                too_large = True
                receiver.close()
                continue  # read the rest, so the client hears the answer
            parser.write(chunk)
        if too_large:
            raise UploadTooLarge(limit)
        parser.finalize()
    except (UploadError, PermissionError):
        raise
    except Exception as e:  # python-multipart's parse errors, a client gone away
        raise UploadError(f"the form could not be read ({e})") from None
    finally:
        receiver.close()
    return receiver.form
