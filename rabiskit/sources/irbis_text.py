"""Reading IRBIS-64 plain-text exchange files (the "текстовый обменный формат" of IRBIS).

One field a line, ``#TAG: value``; subfields inside the value as ``^X`` followed by the
text (IRBIS does not tell ``^A`` from ``^a``: codes are read in lower case); each record
ended by a line ``*****``.  Tags are numbers written without leading zeros (``#1:`` is
field 001).  Files are Windows-1251 by default, UTF-8 in newer installations (often with
a byte-order mark); lines end in CRLF or LF.  For example::

    #920: PAZK
    #101: kaz
    #200: ^AҰлытау шежіресі^FҚ. Сәтбаев
    #907: ^CПК^A20260214^BAsanovaGK
    *****

How this reader copes with real files:

* The character set is decided per record from the bytes of all its lines, the same way
  as for ISO 2709 records (``detect_encoding``: valid UTF-8 is UTF-8, otherwise the
  single-byte code page whose reading gives Cyrillic words; a UTF-8 byte-order mark at
  the start of the file declares UTF-8).  A line that does not decode in its record's
  character set is read in the one it does, and reported ("mixed encodings").
* A line that is not a field (no ``#TAG:``) is left out and reported with its line
  number and byte offset; the rest of the record is read.
* A file that ends without the closing ``*****`` keeps its last record, reported.
* Blank lines are skipped; a ``*****`` with no field before it ends no record.

Every problem names the file, the record, the byte offset of the line and its number.
The records have no leader in the file; each gets the leader IRBIS's own ISO 2709
writer gives (``nam``), with position 06 from 900^T (the record type, as in RUSMARC
leader/06) and position 07 from the worksheet (920: ASP analytic ``a``, J and NJ serial
``s``, others ``m``), so that the level rules and facts see what IRBIS means.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO, Iterator

from rabiskit.i18n import N_
from rabiskit.records import Field, Problem, Record, SourceRecord
from rabiskit.records.record import IRBIS
from rabiskit.sources import irbis_fields
from rabiskit.sources.base import Reader
from rabiskit.sources.encoding import UTF8, decode_field_text, detect_encoding
from rabiskit.sources.iso2709 import open_binary

STOP_MARKER = b"*****"
BOM = b"\xef\xbb\xbf"
_FIELD_LINE = re.compile(rb"#\s*(\d{1,9})\s*:[ \t]?(.*)\Z", re.S)
_FIRST_FIELD = re.compile(rb"\s*#\s*\d{1,9}\s*:")
_HIGH = re.compile(rb"[\x80-\xff]")


def looks_like_irbis_text(head: bytes) -> bool:
    """Whether the first bytes of a file (BOM and blank lines allowed) are an IRBIS field line."""
    if head.startswith(BOM):
        head = head[len(BOM):]
    return _FIRST_FIELD.match(head) is not None


def _is_utf8_text(value: bytes) -> bool:
    """Bytes beyond ASCII that are valid UTF-8 (text in a single-byte code page almost never is)."""
    if _HIGH.search(value) is None:
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def irbis_leader(fields: list[Field]) -> str:
    """The leader IRBIS's ISO 2709 writer gives a record (``nam``, ``i``, ``450``), with
    the record type from 900^T and the bibliographic level from the worksheet (920)."""
    record = Record("", fields)
    rtype = irbis_fields.record_type(record) or "a"
    level = irbis_fields.bibliographic_level(record) or "m"
    return f"00000n{rtype}{level}  2200000 i 450 "


def parse_value(tag: str, text: str) -> tuple[Field, str | None]:
    """One field from its tag and the text after ``#TAG:``; the second value is the text
    that stood before the first subfield of a field that has subfields (left out)."""
    if "^" not in text or tag < "010":
        return Field(tag, data=text), None
    head, *parts = text.split("^")
    subs = [(p[0].lower(), p[1:]) for p in parts if p]
    if not subs:
        return Field(tag, data=text), None
    return Field(tag, subfields=subs), head if head.strip() else None


class IrbisTextReader(Reader):
    """Streams SourceRecords (flavour ``irbis``) from an IRBIS plain-text export."""

    format = "irbis_text"

    def __init__(self, path, *, encoding=None, flavour=None, display=None,
                 fileobj: BinaryIO | None = None):
        super().__init__(path, encoding=encoding, flavour=flavour, display=display)
        self._fh = fileobj if fileobj is not None else open_binary(Path(path))

    def _lines(self) -> Iterator[tuple[int, int, bytes]]:
        """(line number, byte offset, line without its end) for every line of the file."""
        fh = self._fh
        offset = 0
        number = 0
        try:
            for raw in iter(fh.readline, b""):
                number += 1
                self.size += len(raw)
                line = raw
                if number == 1 and line.startswith(BOM):
                    line = line[len(BOM):]
                    start = offset + len(BOM)
                else:
                    start = offset
                yield number, start, line.rstrip(b"\r\n")
                offset += len(raw)
        finally:
            fh.close()

    def _records(self) -> Iterator[SourceRecord]:
        pending: list[tuple[int, int, bytes]] = []  # the current record's lines
        number = 0
        bom = False
        last = (0, 0)
        for line_no, offset, line in self._lines():
            if line_no == 1 and offset == len(BOM):
                bom = True
            last = (line_no, offset)
            if line.strip() == STOP_MARKER:
                if pending:
                    rec = self._record(pending, number + 1, bom, closed=True)
                    pending = []
                    if rec is not None:
                        number += 1
                        yield rec
                else:
                    self.problem(None, offset, N_("line {line_no}: ***** with no field before it (an empty record) skipped").format(
                        line_no=line_no), "irbis_empty", skipped=len(line),
                                 line=line_no)
                continue
            if not line.strip():
                continue
            pending.append((line_no, offset, line))
        if pending:
            rec = self._record(pending, number + 1, bom, closed=False, end=last)
            if rec is not None:
                yield rec

    def _record(self, lines: list[tuple[int, int, bytes]], number: int, bom: bool, *,
                closed: bool, end: tuple[int, int] = (0, 0)) -> SourceRecord | None:
        """The record made of ``lines``; None (and one problem) when no line is a field."""
        problems: list[Problem] = []
        first_line, first_offset, _ = lines[0]

        def report(message: str, kind: str, offset: int, line: int) -> None:
            problems.append(Problem(self.display, number, offset, message, kind, line=line))

        parsed: list[tuple[int, int, str, bytes, int]] = []  # line, offset, tag, value bytes, value start
        for line_no, offset, line in lines:
            m = _FIELD_LINE.match(line)
            if m is None:
                shown = line[:40].decode("utf-8", errors="replace")
                report(N_("line {line_no} is not a field (#TAG: value) and is left out: {shown!r}").format(
                    line_no=line_no, shown=shown),
                       "irbis_line", offset, line_no)
                continue
            tag = m.group(1).decode("ascii").lstrip("0").zfill(3)
            parsed.append((line_no, offset, tag, m.group(2), offset + m.start(2)))
        if not parsed:
            last_line = lines[-1][0]
            span = N_("line {first_line}").format(
                first_line=first_line) if last_line == first_line else \
                N_("lines {first_line}-{last_line}").format(
                    first_line=first_line, last_line=last_line)
            self.problem(None, first_offset, N_("{span}: {n} line(s) that hold no IRBIS field (#TAG: value) skipped").format(
                span=span, n=len(lines)), "garbage",
                         skipped=sum(len(x) for _, _, x in lines), line=first_line)
            return None
        utf8_lines = {i for i, (_, _, _, v, _) in enumerate(parsed) if _is_utf8_text(v)}
        other = [v for i, (_, _, _, v, _) in enumerate(parsed)
                 if i not in utf8_lines and _HIGH.search(v)]
        if self.encoding:
            encoding, reason = self.encoding, "--encoding"
        elif utf8_lines and other:
            # lines in two character sets: the record is in the one most of them are in
            if len(utf8_lines) >= len(other):
                encoding, reason = UTF8, (N_("UTF-8 in {n} line(s), another character set in {n2} (mixed encodings)").format(
                    n=len(utf8_lines), n2=len(other)))
            else:
                encoding, reason = detect_encoding(b"\x1e".join(other), None, flavour=IRBIS)
                reason = N_("{reason}; UTF-8 in {n} other line(s) (mixed encodings)").format(
                    reason=reason, n=len(utf8_lines))
        else:
            body = b"\x1e".join(v for _, _, _, v, _ in parsed)
            encoding, reason = detect_encoding(body, UTF8 if bom else None, flavour=IRBIS)
            if bom:
                reason += " (the file starts with a UTF-8 byte-order mark)"
        fields: list[Field] = []
        for i, (line_no, offset, tag, value, at) in enumerate(parsed):
            if i in utf8_lines and encoding != UTF8 and not self.encoding:
                text = value.decode("utf-8")
                report(N_("line {line_no} (field {tag}) is UTF-8, not {encoding} as the rest of the record; read as UTF-8 (mixed encodings)").format(
                    line_no=line_no, tag=tag, encoding=encoding), "encoding", at, line_no)
            else:
                got = decode_field_text(value, encoding)
                text = got.text
                if got.read_as:
                    report(N_("line {line_no} (field {tag}) is not valid {encoding}; read as {alt_enc} (mixed encodings)").format(
                        line_no=line_no, tag=tag, encoding=encoding, alt_enc=got.read_as), "encoding", at, line_no)
                elif got.replaced:
                    report(N_("line {line_no} (field {tag}) has bytes that are not valid {encoding}; replaced with \ufffd").format(
                        line_no=line_no, tag=tag, encoding=encoding), "encoding", at, line_no)
            fld, dropped = parse_value(tag, text)
            if dropped is not None:
                report(N_("line {line_no} (field {tag}): text before the first subfield left out: {dropped!r}").format(
                    line_no=line_no, tag=tag, dropped=dropped[:40]), "irbis_line", at, line_no)
            fields.append(fld)
        if not closed:
            line_no, offset = end
            report(N_("the file ends without the ***** that closes this record (after line {line_no}); the record is read as it stands").format(
                line_no=line_no), "truncated", offset, line_no)
        self.problems.extend(problems)
        return SourceRecord(
            file=self.display, number=number, offset=first_offset, length=0,
            record=Record(irbis_leader(fields), fields), flavour=IRBIS, encoding=encoding,
            encoding_reason=reason, damaged=bool(problems), raw=None, problems=tuple(problems),
            line=first_line,
        )
