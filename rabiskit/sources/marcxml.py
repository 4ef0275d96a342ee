"""Reading MARCXML: MARC 21 slim, MARCXchange v1/v2 and the BNCF "unimarcslim" schema.

The reader streams the file with ``lxml.etree.iterparse`` and keeps memory flat: every
``<record>`` is turned into a :class:`~rabiskit.records.record.Record` as soon as it is
closed, then cleared and detached from the tree.  Elements are matched by local name,
so any namespace, any prefix, or none at all works; the root may be a ``collection``
(or any wrapper, e.g. OAI-PMH) or a single ``record``.

Safety: entities are never expanded, no DTD is loaded, the network is never touched,
and libxml2's size limits stay on.  A file that declares entities (XXE, "billion
laughs") gets a clear ``xml_entities`` problem; an entity reference inside a record is
dropped from the text and reported, so no entity text ever reaches the output.

Damage never raises.  Malformed XML keeps every record closed before the fault, reports
the fault with its line and column (``xml_syntax``), then resynchronises on the next
``<record`` start tag and goes on, like the ISO 2709 reader does on the record
terminator.  Structural damage inside a record (no leader, a field without a tag, a
subfield without a code, bad indicators, unknown elements) is salvaged and reported;
the record is yielded with ``damaged=True``.  Every ``<record>`` element met is either
yielded or named in a problem.  As with the ISO 2709 reader, a problem about something
that was not yielded (a skipped record, a fault between records) is file-level
(``record=None``) and names the record number in its message ("record 2, starting at
line 55, is malformed XML (...); it was skipped"); problems about a yielded record carry
its number and travel with it in ``SourceRecord.problems``.

Encodings: a UTF-8 document (declared or not, with or without a BOM) is parsed by
libxml2 directly.  Any other declared encoding (windows-1251, KZ-1048, cp866, ...) is
decoded by Python's codecs and handed to libxml2 as UTF-8, so KZ-1048 works under any
of its names.  A file declared as a single-byte code page whose bytes are in fact UTF-8
is read as UTF-8 and reported; a file declared (or assumed) UTF-8 whose bytes are not
UTF-8 is reported with a hint.  ``.gz`` files are read transparently.

Positions: ``SourceRecord.line`` and ``Problem.line`` are 1-based lines of the file
(``offset`` is 0 and ``length`` 0 for XML).  Fault positions come from the parser and are
exact; record lines come from libxml2's element line numbers, read when the element is
whole: past line 65535 libxml2 takes them from the element's first text, whose newlines
are taken off again (``_sourceline``).

Speed: each record is read by ``_clean_record`` in one loop over its children (direct
iteration, one dictionary look-up of each tag, ``get`` for attributes, ``text`` decoded
once by lxml); only a record it does not accept is read again by ``_build``, the careful
loop that names every fault.

Blocks: ``xml_block_bounds`` cuts a plain file (UTF-8 or a single-byte code page, no DOCTYPE)
right after record end tags, and ``read_xml_block`` reads one block on its own, inside the
root start tag copied from the head, with the records, numbers, lines and problems that
reading the whole file gives.  What it cannot read with certainty that way (malformed XML,
a comment, CDATA or processing instruction, undecodable characters, an empty record) raises
``BlockNotReadable``: the caller reads the file whole.
"""

from __future__ import annotations

import codecs
import dataclasses
import gc
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from lxml import etree

from rabiskit.i18n import N_
from rabiskit.records import Problem, SourceRecord
from rabiskit.records.record import MARC21, UNIMARC, Field, Record
from rabiskit.sources.base import Reader, SourceError
from rabiskit.sources.flavour import detect_flavour

BNCF_UNIMARC_NS = "http://www.bncf.firenze.sbn.it/unimarc/slim"

LEADER_LENGTH = 24
HEAD_SIZE = 64 * 1024  # bytes sniffed for BOM, XML declaration, DOCTYPE and encoding checks
CHUNK_SIZE = 64 * 1024  # bytes handed to libxml2 per read
WINDOW_KEEP = 8 * CHUNK_SIZE  # recent bytes kept to resynchronise after a fault

# Local element names: MARCXML / MARCXchange, and the BNCF unimarcslim short names.
_RECORD_NAMES = {"record", "rec"}
_LEADER_NAMES = {"leader", "lab"}
_CONTROL_NAMES = {"controlfield", "cf"}
_DATA_NAMES = {"datafield", "df"}
_SUBFIELD_NAMES = {"subfield", "sf"}
_FIELD_NAMES = _LEADER_NAMES | _CONTROL_NAMES | _DATA_NAMES | _SUBFIELD_NAMES
_RECORD_TAGS = ("{*}record", "{*}rec")

_TAG_OK = re.compile(r"^[0-9A-Za-z]{3}$")
_RECORD_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?rec(?:ord)?(?=[\s>/])")
_XML_DECL = re.compile(rb"^\s*<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._:\-]*)[\"']")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ENTITY_VALUE = re.compile(rb"<!ENTITY\s+(?:%\s+)?[^\s]+\s+(?:\"([^\"]*)\"|'([^']*)')")

# Python codec name -> the name rabiskit uses everywhere else.
_ENCODING_NAMES = {"utf_8": "utf-8", "cp1251": "cp1251", "kz1048": "kz1048", "cp866": "cp866"}
_SINGLE_BYTE = {"cp1251", "kz1048", "cp866", "latin_1", "iso8859_5", "koi8_r", "cp1252", "ascii",
                "iso8859_2", "iso8859_15", "mac_cyrillic", "koi8_u", "cp855"}

ENTITY_MESSAGE = N_("the file declares XML entities (DTD); rabiskit does not expand them, for safety "
                  "(no entity text is read, no file or network address is opened)")


def _local(tag: object) -> str | None:
    """Local name of an element tag ('{ns}name' or 'name'); None for comments, PIs, entities."""
    if not isinstance(tag, str):
        return None
    return tag[tag.rfind("}") + 1:]


def _namespace(tag: str) -> str:
    return tag[1:tag.index("}")] if tag.startswith("{") else ""


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def normalise_encoding(name: str) -> tuple[str | None, str]:
    """(Python codec name or None when unknown, the name rabiskit reports) for a declared name.

    Only character encodings whose decoder can read the ASCII XML declaration itself count:
    Python codecs that are not text encodings (``base64``, ``hex``, ``zlib``, ``bz2``, ``uu``,
    ``rot13``), that always fail (``undefined``) or cannot replace bad bytes (``idna``) are
    unknown here, as are UTF-16 and UTF-32, which ``plan_encoding`` only takes from a byte
    order mark or from the bytes themselves.
    """
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name with a NUL byte
        return None, name.lower()
    codec = info.name.replace("-", "_")
    if codec == "utf_8_sig":
        codec = "utf_8"
    if not _reads_ascii(info) or codec.startswith(("utf_16", "utf_32")):
        return None, name.lower()
    return codec, _ENCODING_NAMES.get(codec, name.lower())


_ASCII_SAMPLE = b'<?xml version="1.0"?><collection>'


def _reads_ascii(info: codecs.CodecInfo) -> bool:
    """True when the codec is a text encoding that reads ASCII markup as ASCII, with errors
    replaced (the way the reader decodes)."""
    if not getattr(info, "_is_text_encoding", True):
        return False
    try:
        decoder = info.incrementaldecoder(errors="replace")
        text = decoder.decode(_ASCII_SAMPLE, True)
    except Exception:  # any codec failure: 'undefined' raises UnicodeError, others TypeError
        return False
    return text == _ASCII_SAMPLE.decode("ascii")


# byte order marks and the first bytes of '<?' without one, longest first (the UTF-32 LE
# mark starts with the UTF-16 LE one)
_UNICODE_STARTS = (
    (codecs.BOM_UTF32_LE, "utf_32", "utf-32", "byte order mark (UTF-32)"),
    (codecs.BOM_UTF32_BE, "utf_32", "utf-32", "byte order mark (UTF-32)"),
    (codecs.BOM_UTF16_LE, "utf_16", "utf-16", "byte order mark (UTF-16)"),
    (codecs.BOM_UTF16_BE, "utf_16", "utf-16", "byte order mark (UTF-16)"),
    (b"<\0\0\0", "utf_32_le", "utf-32", "UTF-32 bytes without a byte order mark"),
    (b"\0\0\0<", "utf_32_be", "utf-32", "UTF-32 bytes without a byte order mark"),
    (b"<\0?\0", "utf_16_le", "utf-16", "UTF-16 bytes without a byte order mark"),
    (b"\0<\0?", "utf_16_be", "utf-16", "UTF-16 bytes without a byte order mark"),
)
_WIDE_NAME = re.compile(r"^(?:utf|ucs)[-_]?(?:16|32|2|4)(?:[-_]?(?:le|be))?$", re.IGNORECASE)


def _utf8_ok(data: bytes) -> bool:
    """True when ``data`` is valid UTF-8 (a multi-byte sequence cut at the end is allowed)."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        return e.start >= len(data) - 3 and "unexpected end" in e.reason


def _first_bad_utf8(data: bytes) -> int | None:
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        if e.start >= len(data) - 3 and "unexpected end" in e.reason:
            return None
        return e.start


@dataclass
class _Plan:
    """How the bytes of the file are turned into the UTF-8 that libxml2 parses."""

    codec: str | None  # Python codec to transcode with; None: the bytes are parsed as UTF-8
    encoding: str  # the name reported on every SourceRecord
    reason: str  # how that was decided
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, message), file level


def plan_encoding(head: bytes, forced: str | None = None) -> _Plan:
    """Decide how to decode a document from its first bytes (BOM, XML declaration, content)."""
    if forced:
        codec, name = normalise_encoding(forced)
        if codec is None:
            return _Plan(None, "utf-8", N_("asked for unknown encoding {forced!r}; read as UTF-8").format(
                forced=forced),
                         [("xml_encoding", N_("the encoding {forced!r} is not known; the file was read as UTF-8").format(
                             forced=forced))])
        return _Plan(None if codec == "utf_8" else codec, name, "given by the user")
    for start, codec, name, reason in _UNICODE_STARTS:
        if head.startswith(start):
            return _Plan(codec, name, reason)
    bom = head.startswith(codecs.BOM_UTF8)
    body = head[3:] if bom else head
    m = _XML_DECL.match(body)
    declared = m.group(1).decode("ascii") if m else None
    if declared is None:
        plan = _Plan(None, "utf-8", "byte order mark (UTF-8)" if bom else
                     "no XML declaration of encoding (XML default UTF-8)")
    else:
        codec, name = normalise_encoding(declared)
        if codec is None:
            if _WIDE_NAME.match(declared):
                reason = N_("declared {declared!r} without a byte order mark; read as UTF-8").format(
                    declared=declared)
                message = N_("the XML declaration says {declared}, but the file has no byte order mark and its bytes are not {declared}; the file was read as UTF-8").format(
                    declared=declared)
            else:
                reason = N_("declared {declared!r} is unknown; read as UTF-8").format(declared=declared)
                message = N_("the XML declaration names the encoding {declared!r}, which is not a character encoding rabiskit knows; the file was read as UTF-8").format(
                    declared=declared)
            plan = _Plan(None, "utf-8", reason, [("xml_encoding", message)])
        elif codec == "utf_8":
            plan = _Plan(None, "utf-8", "XML declaration")
        elif codec in _SINGLE_BYTE and any(b > 0x7F for b in body) and _utf8_ok(body):
            return _Plan(None, "utf-8", N_("bytes are UTF-8 although the XML declaration says {declared}").format(
                declared=declared),
                         [("xml_encoding", N_("the XML declaration says {declared}, but the bytes are UTF-8; the file was read as UTF-8").format(
                             declared=declared))])
        else:
            return _Plan(codec, name, "XML declaration")
    bad = _first_bad_utf8(body)
    if bad is not None:
        said = N_("says UTF-8") if declared else N_("declares no encoding, which means UTF-8")
        hint = ""
        try:
            sample = body.decode("cp1251")
            if sum("а" <= ch.lower() <= "я" for ch in sample) > 20:
                hint = N_(" It looks like a Cyrillic code page: try --encoding cp1251 (or kz1048).")
        except UnicodeDecodeError:  # pragma: no cover - cp1251 decodes almost everything
            pass
        line = body[:bad].count(b"\n") + 1
        plan.problems.append(("xml_encoding", N_("the file {said}, but its bytes are not UTF-8 (first at line {line}); records with such bytes are reported and skipped.{hint}").format(
            said=said, line=line, hint=hint)))
    return plan


class _Feed:
    """A file-like ``read(n)`` over the document as UTF-8 bytes, for one or more parser runs.

    Keeps a window of the most recent bytes so that, after a fault, parsing can restart at
    the next ``<record`` start tag without reading the file again.  Positions and lines are
    absolute (over the UTF-8 stream); line 1 is the first line of the file.
    """

    def __init__(self, raw: BinaryIO | _BlockBytes, head: bytes, codec: str | None):
        self._raw = raw
        self._head = head
        self._decoder = codecs.getincrementaldecoder(codec)(errors="replace") if codec else None
        self._eof = False
        self.window = bytearray()
        self.win_start = 0  # absolute index of window[0]
        self.win_line = 1  # line number at window[0]
        self.pos = 0  # absolute index of the next byte handed to the parser
        self.prefix = b""  # synthetic start tags handed out before the stream bytes
        self.replaced = 0  # characters that could not be decoded (transcoding only)
        self.first_replaced_line: int | None = None
        self.read_error: str | None = None  # why reading stopped early (damaged .gz, I/O)

    # -- reading from the file ---------------------------------------------------------
    def _pull(self, n: int) -> bytes:
        if self._eof:
            return b""
        if self._head:
            data, self._head = self._head, b""
        else:
            try:
                data = self._raw.read(n)
            except (OSError, EOFError, gzip.BadGzipFile) as e:
                self.read_error = str(e) or e.__class__.__name__
                data = b""
        final = not data
        if final:
            self._eof = True
        if self._decoder is None:
            return data
        try:
            text = self._decoder.decode(data, final)
        except (UnicodeError, ValueError, TypeError) as e:  # a codec that cannot go on
            self.read_error = f"the bytes cannot be decoded ({e})"
            self._eof = True
            return b""
        if "\ufffd" in text:
            if self.first_replaced_line is None:
                before = text[:text.index("\ufffd")]
                self.first_replaced_line = (self.win_line + self.window.count(b"\n")
                                            + before.count("\n"))
            self.replaced += text.count("\ufffd")
        return text.encode("utf-8")

    def _fill(self) -> bool:
        """Append the next chunk of the stream to the window; False at the end."""
        while True:
            data = self._pull(CHUNK_SIZE)
            if data:
                self.window += data
                return True
            if self._eof:
                return False

    def _trim(self, keep_from: int) -> None:
        drop = keep_from - self.win_start
        if drop > CHUNK_SIZE:
            self.win_line += self.window.count(b"\n", 0, drop)
            del self.window[:drop]
            self.win_start += drop

    def read(self, n: int = -1) -> bytes:
        if self.prefix:
            out, self.prefix = self.prefix, b""
            return out
        end = self.win_start + len(self.window)
        if self.pos >= end:
            if not self._fill():
                return b""
            end = self.win_start + len(self.window)
        i = self.pos - self.win_start
        n = CHUNK_SIZE if n is None or n < 0 else max(n, 1)
        out = bytes(self.window[i:i + n])
        self.pos += len(out)
        self._trim(min(self.pos, self.win_start + len(self.window)) - WINDOW_KEEP)
        return out

    # -- positions -----------------------------------------------------------------------
    def line_of(self, index: int) -> int:
        """Line number of absolute index ``index`` (must be inside the window or after it)."""
        i = max(0, index - self.win_start)
        return self.win_line + self.window.count(b"\n", 0, i)

    def index_of(self, line: int, column: int) -> int:
        """Absolute index of (line, 1-based column in characters), clamped to the window."""
        if line <= self.win_line:
            start = 0
            if line < self.win_line:
                return self.win_start
        else:
            start = -1
            count = self.win_line
            while count < line:
                start = self.window.find(b"\n", start + 1)
                if start < 0:
                    return self.win_start + len(self.window)
                count += 1
            start += 1
        stop = self.window.find(b"\n", start)
        text = bytes(self.window[start:stop if stop >= 0 else len(self.window)])
        chars = text.decode("utf-8", errors="replace")[:max(column - 1, 0)]
        return self.win_start + start + min(len(chars.encode("utf-8")), len(text))

    def column_of(self, index: int) -> int:
        i = index - self.win_start
        nl = self.window.rfind(b"\n", 0, i)
        return len(bytes(self.window[nl + 1:i]).decode("utf-8", errors="replace")) + 1

    def resync(self, after: int) -> int | None:
        """Move to the next record start tag at or after absolute index ``after``.

        Returns its absolute index (the parser will be fed from there), or None at the end.
        """
        search_from = max(after, self.win_start)
        while True:
            i = search_from - self.win_start
            m = _RECORD_START.search(self.window, i)
            if m is not None:
                self.pos = self.win_start + m.start()
                return self.pos
            # keep a short tail: a start tag may be cut by the chunk boundary
            search_from = max(search_from, self.win_start + len(self.window) - 64)
            self._trim(search_from)
            if not self._fill():
                self.pos = self.win_start + len(self.window)
                return None


@dataclass
class _Segment:
    """One run of the parser over the stream (the whole file, or the rest after a fault)."""

    prefix: str  # synthetic open tags put before the stream bytes
    first_line: int  # absolute line of the first stream byte fed
    first_column: int  # absolute column of the first stream byte fed

    def position(self, line: int, column: int) -> tuple[int, int]:
        """Absolute (line, column) for a (line, column) reported by the parser."""
        if line <= 1:
            return self.first_line, max(1, column - len(self.prefix) + self.first_column - 1)
        return self.first_line + line - 1, column


@dataclass
class _Issue:
    """A problem found while building one record, before its 001/title are known."""

    message: str
    kind: str
    line: int | None
    damage: bool = True  # False: worth telling, but nothing of the record was lost or changed


class MarcXmlReader(Reader):
    """Read MARCXML / MARCXchange records one at a time; problems go to ``self.problems``."""

    format = "marcxml"

    def __init__(self, path: str | Path, *, encoding: str | None = None, flavour: str | None = None,
                 display: str | None = None, block: tuple[int, int] | None = None,
                 first_number: int = 1, first_line: int = 1):
        super().__init__(path, encoding=encoding, flavour=flavour, display=display)
        # block=(start, end): read only that byte range (see read_xml_block), numbering its
        # records from first_number and its lines from first_line (the line of byte start)
        self.block = block
        self.first_number = first_number
        self.first_line = first_line
        self.newlines = 0  # block mode: newlines in the block's bytes, once read
        self.declared_entities = False  # the document has a DTD declaring entities
        # literal text of the declared entities: libxml2 always expands internal entities inside
        # attribute values, so a record whose attributes contain one of these is not trusted
        self._entity_texts: set[str] = set()

    # -- opening -------------------------------------------------------------------------
    def _open(self) -> BinaryIO:
        p = self.path
        if not p.exists():
            raise SourceError(N_("{display}: no such file").format(display=self.display))
        if p.is_dir():
            raise SourceError(N_("{display}: this is a folder, not a file").format(
                display=self.display))
        try:
            self.size = p.stat().st_size
            fh = p.open("rb")
        except OSError as e:
            raise SourceError(N_("{display}: cannot be opened ({v})").format(
                display=self.display, v=e.strerror or e)) from e
        magic = fh.read(2)
        fh.seek(0)
        if magic == b"\x1f\x8b":
            return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]  # _records closes both
        return fh

    # -- the main loop ---------------------------------------------------------------------
    def _records(self) -> Iterator[SourceRecord]:
        raw = self._open()
        try:
            if self.block is None:
                yield from self._read(raw)
            else:
                yield from self._read_block(raw, *self.block)
        finally:
            inner = getattr(raw, "fileobj", None)
            raw.close()
            if inner is not None:
                inner.close()

    def _read(self, raw: BinaryIO) -> Iterator[SourceRecord]:
        try:
            head = raw.read(HEAD_SIZE)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            self.problem(None, None, N_("the compressed file cannot be read ({e})").format(
                e=e), "xml_syntax")
            return
        if not head.strip():
            self.problem(None, None, N_("the file is empty: no XML and no records"), "xml_syntax")
            return
        plan = plan_encoding(head, self.encoding)
        for kind, message in plan.problems:
            self.problem(None, None, message, kind)
        if self._head_declares_entities(head):
            self._report_entities()
            for m in _ENTITY_VALUE.finditer(head):
                self._add_entity_text((m.group(1) or m.group(2) or b"").decode("utf-8", "replace"))
        feed = _Feed(raw, head, plan.codec)
        yield from self._parse(feed, plan, _State(), _Segment("", 1, 1))

    def _read_block(self, raw: BinaryIO, start: int, end: int) -> Iterator[SourceRecord]:
        """The records of bytes [start, end), a block from ``xml_block_bounds``; raises
        BlockNotReadable when the block cannot be read on its own (see read_xml_block)."""
        if not isinstance(raw, io.BufferedReader):
            raise BlockNotReadable(f"{self.display}: a compressed file is read whole")
        head = raw.read(HEAD_SIZE)
        layout = _block_layout(head, self.encoding)
        if layout is None or not (0 <= start < end <= self.size) or (0 < start < layout.body):
            raise BlockNotReadable(f"{self.display}: bytes {start}-{end} are not a block of records")
        prefix = b"" if start == 0 else layout.root_tag
        suffix = b"" if end == self.size else b"</" + layout.root_name + b">"
        block = _BlockBytes(raw, start, end, prefix, suffix, layout.decl_end if start == 0 else 0)
        feed = _Feed(block, b"", layout.plan.codec)
        state = _State(records_seen=self.first_number - 1)
        segment = _Segment(prefix.decode("utf-8"), self.first_line, 1)
        try:
            yield from self._parse(feed, layout.plan, state, segment)
        except BlockNotReadable as e:
            why = block.unsafe or e  # markup that may hide a cut stops the bytes: a fault
            raise BlockNotReadable(f"{self.display}: bytes {start}-{end}: {why}") from None
        if block.unsafe or feed.replaced or feed.read_error or block.left:
            why = block.unsafe or "characters that cannot be decoded, or a read error"
            raise BlockNotReadable(f"{self.display}: bytes {start}-{end}: {why}")
        if state.records_seen < self.first_number:
            raise BlockNotReadable(f"{self.display}: bytes {start}-{end} hold no record")
        self.newlines = block.newlines

    def _parse(self, feed: _Feed, plan: _Plan, state: "_State",
               segment: _Segment) -> Iterator[SourceRecord]:
        """Parse the feed to its end, resynchronising after faults (outside block mode)."""
        while True:
            parser = etree.iterparse(
                feed, events=("start", "end"), tag=_RECORD_TAGS, resolve_entities=False,
                no_network=True, load_dtd=False, huge_tree=False, encoding="utf-8",
                remove_comments=False, remove_pis=True, chunk_size=CHUNK_SIZE)
            try:
                for event, el in parser:
                    if event == "start":
                        self._on_start(el, state, segment)
                        continue
                    rec = self._on_end(el, state, segment, plan, feed)
                    if rec is not None:
                        yield rec
                root = parser.root
                if root is not None:
                    self._check_dtd(root)
                    self._strays(root, state, segment, whole=True)
                    if state.records_seen == 0 and _local(root.tag) not in _RECORD_NAMES:
                        self.problem(None, None, N_("no MARC records found: the XML root element is <{local}>").format(
                            local=_local(root.tag)), "xml_structure")
                break
            except etree.XMLSyntaxError as e:
                if self.block is not None:
                    line, _column, message = _fault_of(e, parser.error_log)
                    raise BlockNotReadable(f"malformed XML at line {line} of the block "
                                           f"({' '.join(message.split())})") from None
                root = parser.root
                if root is not None:
                    self._check_dtd(root)
                resume = self._on_fault(e, parser.error_log, state, segment, feed)
                if resume is None:
                    break
                segment = resume
        if self.block is None:
            self._finish(feed, plan)

    # -- events ----------------------------------------------------------------------------
    def _on_start(self, el, state: "_State", segment: _Segment) -> None:
        if not state.dtd_checked:
            state.dtd_checked = True
            self._check_dtd(el)
        if state.open_records:
            state.open_records[-1][2] = True  # the enclosing "record" is a wrapper (OAI-PMH)
        line = segment.position(el.sourceline or 1, 1)[0] if el.sourceline else None
        if line is not None:
            state.last_start_line = line
        state.open_records.append([el, line, False])
        if len(state.open_records) == 1:
            state.chain_of = el  # its ancestors are read only if a fault needs them

    def _on_end(self, el, state: "_State", segment: _Segment, plan: _Plan,
                feed: _Feed) -> SourceRecord | None:
        entry = state.open_records.pop() if state.open_records else [el, None, False]
        _, line, is_wrapper = entry
        rec = None
        if not is_wrapper:
            state.records_seen += 1
            # the line read again now the element is whole: past line 65535 libxml2 finds it
            # from the element's first child, which a start event does not have yet
            sourceline = _sourceline(el)
            if sourceline:
                line = segment.position(sourceline, 1)[0]
            rec = self._build(el, state.records_seen, line, plan, feed)
        if _has_strays(el, state.released):
            self._strays(el, state, segment, whole=False)
        _release(el)
        state.released = el
        return rec

    def _on_fault(self, e: etree.XMLSyntaxError, log, state: "_State", segment: _Segment,
                  feed: _Feed) -> _Segment | None:
        if state.chain_of is not None:
            state.chain = _ancestor_chain(state.chain_of)
            state.chain_of = None
        line, column, message = _fault_of(e, log)
        abs_line, abs_col = segment.position(line or 1, column or 1)
        message = " ".join(message.split())
        message = re.sub(r",? line \d+, column \d+.*$", "", message)
        if feed.read_error:
            self.problem(None, None, N_("the file could not be read to its end ({read_error}); records before this point were kept").format(
                read_error=feed.read_error), "xml_syntax",
                         line=abs_line)
            return None
        entity_fault = self.declared_entities and ("entit" in message.lower()
                                                   or "amplification" in message.lower())
        inner = [r for r in state.open_records if not r[2]]
        if inner:
            number = state.records_seen + 1
            state.records_seen += 1
            rec_line = inner[-1][1]
            where = N_(", starting at line {rec_line},").format(
                rec_line=rec_line) if rec_line else ""
            text = N_("record {number}{where} is malformed XML ({message}); it was skipped").format(
                number=number, where=where, message=message)
            self.problem(None, None, text, "xml_entities" if entity_fault else "xml_syntax",
                         line=abs_line, column=abs_col)
        else:
            text = N_("malformed XML: {message}").format(message=message)
            if state.records_seen:
                text += N_(" (after record {records_seen})").format(records_seen=state.records_seen)
            elif state.chain is None:
                text += " (is this really a MARCXML file?)"
            self.problem(None, None, text, "xml_entities" if entity_fault else "xml_syntax",
                         line=abs_line, column=abs_col)
        state.open_records.clear()
        if entity_fault or state.chain is None:
            return None
        fault_at = feed.index_of(abs_line, abs_col)
        # Never restart at or before the previous restart point, nor before the start of the
        # last record met: every record is read once, whatever position the parser reports.
        floor = state.last_resync + 1
        if state.last_start_line is not None:
            floor = max(floor, feed.index_of(state.last_start_line, 1))
        start = feed.resync(max(fault_at, floor))
        if start is None:
            return None
        state.last_resync = start
        prefix = _chain_prefix(state.chain)
        feed.prefix = prefix.encode("utf-8")
        return _Segment(prefix, feed.line_of(start), feed.column_of(start))

    def _finish(self, feed: _Feed, plan: _Plan) -> None:
        if feed.read_error and not any(p.kind == "xml_syntax" for p in self.problems):
            self.problem(None, None, N_("the file could not be read to its end ({read_error})").format(
                read_error=feed.read_error),
                         "xml_syntax")
        if feed.replaced:
            self.problem(None, None, N_("{replaced} character(s) could not be decoded as {encoding} (first at line {first_replaced_line}); they are shown as \ufffd").format(
                replaced=feed.replaced, encoding=plan.encoding, first_replaced_line=feed.first_replaced_line), "xml_encoding",
                         line=feed.first_replaced_line)

    # -- entities ----------------------------------------------------------------------------
    @staticmethod
    def _head_declares_entities(head: bytes) -> bool:
        """True when the DOCTYPE at the top of the file declares entities (or cannot be seen whole)."""
        m = _DOCTYPE.search(head)
        if m is None:
            return False
        rest = head[m.end():]
        subset_end = re.search(rb"\]\s*>", rest)
        inside = rest if subset_end is None else rest[:subset_end.start()]
        return _ENTITY_DECL.search(inside) is not None

    def _report_entities(self) -> None:
        if not self.declared_entities:
            self.declared_entities = True
            self.problem(None, None, ENTITY_MESSAGE, "xml_entities")

    def _check_dtd(self, el) -> None:
        try:
            dtd = el.getroottree().docinfo.internalDTD
        except (AttributeError, ValueError):  # pragma: no cover - defensive
            return
        if dtd is None:
            return
        entities = list(dtd.iterentities())
        if entities:
            self._report_entities()
        for e in entities:
            self._add_entity_text(e.content or "")

    def _add_entity_text(self, content: str) -> None:
        for piece in re.split(r"[&%][^;\s]*;", content):
            if piece:
                self._entity_texts.add(piece)

    def _tainted(self, el) -> bool:
        """True when an attribute of the record may hold expanded entity text."""
        if not self._entity_texts:
            return False
        for sub in el.iter():
            if isinstance(sub.tag, str):
                for value in sub.attrib.values():
                    if any(t in value for t in self._entity_texts):
                        return True
        return False

    # -- building a record -----------------------------------------------------------------
    def _build(self, el, number: int, line: int | None, plan: _Plan,
               feed: _Feed) -> SourceRecord | None:
        if self._tainted(el):
            self.problem(None, None, N_("record {number} uses XML entities inside attributes (tag, indicator or code), which the XML parser expands; it was skipped").format(
                number=number), "xml_entities", line=line)
            return None
        if not feed.replaced:
            clean = _clean_record(el)
            if clean is not None:
                record = Record(*clean)
                flavour, _reason = self._flavour(el, record)
                return SourceRecord(
                    file=self.display, number=number, offset=0, length=0, record=record,
                    flavour=flavour, encoding=plan.encoding, encoding_reason=plan.reason,
                    damaged=False, raw=None, problems=(), line=line)
        ctx = _RecordContext(line, (line or 1) - (el.sourceline or 1))
        leader: str | None = None
        fields: list[Field] = []
        foreign: list[str] = []

        for child in el:
            name = _local(child.tag)
            if name is None:
                if isinstance(child, etree._Entity):
                    ctx.entities.add(child.name)
                continue
            if name in _LEADER_NAMES:
                text = _text(child, ctx)
                if leader is not None:
                    ctx.issue(N_("a second leader was ignored"), ctx.at(child))
                    continue
                leader = text
            elif name in _CONTROL_NAMES:
                text = _text(child, ctx)
                tag = _check_tag(_attr(child, "tag", "t"), "control field", text, ctx, ctx.at(child))
                if tag is not None:
                    fields.append(Field(tag, data=text))
            elif name in _DATA_NAMES:
                field_ = _datafield(child, ctx)
                if field_ is not None:
                    fields.append(field_)
            elif name in _SUBFIELD_NAMES:
                ctx.issue(N_("a subfield outside any data field was ignored (text {short!r})").format(
                    short=_short(_text(child, ctx))), ctx.at(child))
            else:
                foreign.append(name)

        if leader is None and not fields:
            if self.block is not None:  # its message names its number: read the file whole
                raise BlockNotReadable("an empty record")
            self.problem(None, None, N_("record {number} is empty (no leader and no fields); it was skipped").format(
                number=number), "xml_structure", line=line)
            return None
        leader = _check_leader(leader, ctx)
        record = Record(leader, fields)
        if foreign:
            names = ", ".join(f"<{n}>" for n in dict.fromkeys(foreign))
            ctx.issue(N_("elements that are not part of MARCXML were ignored: {names}").format(
                names=names), line,
                      damage=False)
        if ctx.bad_indicators:
            listed = ", ".join(ctx.bad_indicators)
            ctx.issue(N_("indicators missing or not one character in field(s) {listed}; blank (or the first character) assumed").format(
                listed=listed), ctx.bad_indicator_line)
        if ctx.entities:
            names = ", ".join(f"&{n};" for n in sorted(ctx.entities))
            ctx.issue(N_("the record uses XML entities ({names}) that rabiskit does not expand; the text around them was kept").format(
                names=names), line, kind="xml_entities")
        if feed.replaced and _has_replacement(record):
            ctx.issue(N_("some characters could not be decoded as {encoding} and are shown as \ufffd").format(
                encoding=plan.encoding), line, kind="xml_encoding")

        flavour, _reason = self._flavour(el, record)
        problems: tuple[Problem, ...] = ()
        if ctx.issues:
            ident = record.control("001")
            title = record.subfield("245", "a") or record.subfield("200", "a")
            problems = tuple(
                self.problem(number, None, i.message, i.kind, line=i.line, id=ident, title=title)
                for i in ctx.issues)
        return SourceRecord(
            file=self.display, number=number, offset=0, length=0, record=record, flavour=flavour,
            encoding=plan.encoding, encoding_reason=plan.reason,
            damaged=any(i.damage for i in ctx.issues), raw=None, problems=problems, line=line)

    def _flavour(self, el, record: Record) -> tuple[str, str]:
        if self.flavour:
            return self.flavour, "given by the user"
        fmt = (el.get("format") or "").upper().replace(" ", "")
        if fmt:
            if any(k in fmt for k in ("UNIMARC", "RUSMARC", "KAZMARC")):
                return UNIMARC, N_("MARCXchange format {el!r}").format(el=el.get('format'))
            if any(k in fmt for k in ("MARC21", "USMARC")):
                return MARC21, N_("MARCXchange format {el!r}").format(el=el.get('format'))
        if _namespace(el.tag) == BNCF_UNIMARC_NS:
            return UNIMARC, "BNCF unimarcslim namespace"
        return detect_flavour(record)

    def _strays(self, el, state: "_State", segment: _Segment, whole: bool) -> None:
        """Report MARC elements found outside any record (before ``el``, or anywhere in it)."""
        if whole:
            places = [el]
        else:
            places = []
            for node in [el, *el.iterancestors()]:
                places.extend(node.itersiblings(preceding=True))
        for node in places:
            if not isinstance(node.tag, str):
                continue
            for sub in node.iter():
                name = _local(sub.tag)
                if name not in _FIELD_NAMES or _inside_record(sub):
                    continue
                parent = sub.getparent()
                if name in _SUBFIELD_NAMES and parent is not None and _local(parent.tag) in _DATA_NAMES:
                    continue  # reported with its data field
                label = "" if self._entity_texts else (sub.get("tag") or sub.get("t") or "")
                sourceline = _sourceline(sub)
                line = segment.position(sourceline, 1)[0] if sourceline else None
                self.problem(None, None, N_("<{name}{v}> outside any record was ignored").format(
                    name=name, v=' ' + label if label else ''), "xml_structure", line=line)


@dataclass
class _State:
    records_seen: int = 0  # record elements met (yielded or reported), = number of the last one
    open_records: list = field(default_factory=list)  # [element, line, is_wrapper] being parsed
    chain: list | None = None  # ancestors of the last record: how to re-open them after a fault
    chain_of: object = None  # the last top-level record element, whose ancestors make ``chain``
    released: object = None  # the record element released last
    last_resync: int = -1
    last_start_line: int | None = None  # absolute line of the last record start tag met
    dtd_checked: bool = False


class _RecordContext:
    """What building one record collects: issues, entity names, bad indicators."""

    def __init__(self, line: int | None, base: int):
        self.line = line  # absolute line of the <record> element
        self.base = base  # add to an element's sourceline to get its absolute line
        self.issues: list[_Issue] = []
        self.entities: set[str] = set()
        self.bad_indicators: list[str] = []
        self.bad_indicator_line: int | None = None

    def at(self, el) -> int | None:
        sourceline = _sourceline(el)
        return sourceline + self.base if sourceline else self.line

    def issue(self, message: str, line: int | None, kind: str = "xml_structure",
              damage: bool = True) -> None:
        self.issues.append(_Issue(message, kind, line, damage))


# Kinds of the elements a plain record holds, by their tag as lxml gives it ("{ns}name" or
# "name"): filled as tags are met, so each element costs one dictionary look-up.  Comments
# and entity references (whose tag is not a string) and other names are not plain.
_LEADER, _CONTROL, _DATA, _SUBFIELD = 1, 2, 3, 4
_PLAIN_KINDS = {"leader": _LEADER, "controlfield": _CONTROL, "datafield": _DATA,
                "subfield": _SUBFIELD}
_KIND_OF_TAG: dict[str, int] = {}
_TAGS_SEEN: set[str] = set()  # field tags already matched by _TAG_OK
_CACHE_LIMIT = 4096  # entries each cache keeps at most (a hostile file has many names)


def _kind(tag: object) -> int:
    """The _PLAIN_KINDS value of an element tag, 0 for anything else (and remember it)."""
    if type(tag) is not str:
        return 0
    kind = _PLAIN_KINDS.get(tag[tag.rfind("}") + 1:], 0)
    if len(_KIND_OF_TAG) < _CACHE_LIMIT:
        _KIND_OF_TAG[tag] = kind
    return kind


def _tag_ok(tag: str | None) -> bool:
    if tag in _TAGS_SEEN:
        return True
    if tag is None or not _TAG_OK.match(tag):
        return False
    if len(_TAGS_SEEN) < _CACHE_LIMIT:
        _TAGS_SEEN.add(tag)
    return True


def _clean_record(el) -> tuple[str, list[Field]] | None:
    """(leader, fields) of a record in plain MARC 21 slim form, read in one tight loop; None
    as soon as anything needs the careful reading above (comments, entities, other element
    names, missing or odd attributes, a leader that is not 24 characters ...).  For the
    records it accepts it gives exactly what ``_build`` gives, without any problem.

    Each child is met once, by direct iteration; its kind comes from one dictionary look-up
    of its tag, its attributes from ``get`` and its text from ``text`` (decoded once, by lxml).
    """
    leader = None
    fields: list[Field] = []
    append = fields.append
    kind_of = _KIND_OF_TAG.get
    tags_seen = _TAGS_SEEN
    for child in el:
        ctag = child.tag
        kind = kind_of(ctag)  # type: ignore[arg-type]  # a comment's tag is a function
        if kind is None:
            kind = _kind(ctag)
        if kind == _DATA:
            get = child.get
            t, i1, i2 = get("tag"), get("ind1"), get("ind2")
            if i1 is None or i2 is None or len(i1) != 1 or len(i2) != 1 \
                    or (t not in tags_seen and not _tag_ok(t)):
                return None
            subs = []
            for sf in child:
                stag = sf.tag
                skind = kind_of(stag)  # type: ignore[arg-type]
                if skind is None:
                    skind = _kind(stag)
                code = sf.get("code")
                if skind != _SUBFIELD or code is None or len(code) != 1 or len(sf):
                    return None
                subs.append((code, sf.text or ""))
            append(Field(t, None, i1, i2, subs))  # type: ignore[arg-type]  # t checked above
        elif kind == _CONTROL:
            t = child.get("tag")
            if (t not in tags_seen and not _tag_ok(t)) or len(child):
                return None
            append(Field(t, child.text or ""))  # type: ignore[arg-type]
        elif kind == _LEADER:
            if leader is not None or len(child):
                return None
            leader = child.text or ""
        else:
            return None
    if leader is None or len(leader) != LEADER_LENGTH or leader.strip("\r\n\t") != leader \
            or not leader.strip():
        return None
    return leader, fields


def _fault_of(e: etree.XMLSyntaxError, log) -> tuple[int, int, str]:
    """(line, column, message) of the fault that stopped the parser.

    The exception itself may name an earlier, non-fatal error (an invalid namespace URI) or
    no position at all ("no element found" at 0:0 when libxml2 stops inside a read); the
    first fatal error in this parser's own log (``e.error_log`` is the thread's, holding
    earlier files' errors too) is the one that stopped it.
    """
    for entry in log:
        if entry.level == etree.ErrorLevels.FATAL:
            return entry.line or 1, entry.column or 1, entry.message or e.msg or str(e)
    line, column = e.position if e.position else (1, 1)
    return line or 1, column or 1, e.msg or str(e)


def _attr(el, name: str, short: str) -> str | None:
    value = el.get(name)
    if value is None:
        value = el.get(short)
    return value


def _text(el, ctx: _RecordContext) -> str:
    """Text of a leaf element: its text and the text after comments; entity references dropped."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child, etree._Entity):
            ctx.entities.add(child.name)
        elif isinstance(child.tag, str):
            ctx.issue(N_("element <{local}> inside <{local2}>: its text was kept").format(
                local=_local(child.tag), local2=_local(el.tag)),
                      ctx.at(child))
            parts.append(_text(child, ctx))
        parts.append(child.tail or "")
    return "".join(parts)


def _indicator(el, n: int, tag: str | None, ctx: _RecordContext) -> str:
    value = _attr(el, f"ind{n}", f"i{n}")
    if value is not None and len(value) == 1:
        return value
    ctx.bad_indicators.append(f"{tag or '?'}/{n}={'missing' if value is None else repr(value)}")
    if ctx.bad_indicator_line is None:
        ctx.bad_indicator_line = ctx.at(el)
    return (value or " ")[0]


def _datafield(el, ctx: _RecordContext) -> Field | None:
    """A data field with its subfields in document order; None when it has no usable tag.

    BNCF ``<s1>`` embedded fields (UNIMARC 4XX links) are flattened the way ISO 2709 carries
    them: ``$1`` + tag + data for a control field, ``$1`` + tag + indicators, then its subfields.
    """
    line = ctx.at(el)
    tag = _check_tag(_attr(el, "tag", "t"), "data field", None, ctx, line, el)
    ind1 = _indicator(el, 1, tag, ctx)
    ind2 = _indicator(el, 2, tag, ctx)
    subfields: list[tuple[str, str]] = []
    _subfields(el, tag, subfields, ctx)
    if tag is None:
        return None
    return Field(tag, ind1=ind1, ind2=ind2, subfields=subfields)


def _subfields(el, tag: str | None, out: list[tuple[str, str]], ctx: _RecordContext) -> None:
    label = tag or "?"
    for child in el:
        name = _local(child.tag)
        if name is None:
            if isinstance(child, etree._Entity):
                ctx.entities.add(child.name)
            continue
        if name == "s1":
            for inner in child:
                iname = _local(inner.tag)
                itag = _attr(inner, "tag", "t") or ""
                if iname in _CONTROL_NAMES:
                    out.append(("1", itag + _text(inner, ctx)))
                elif iname in _DATA_NAMES:
                    ind1 = _attr(inner, "ind1", "i1") or " "
                    ind2 = _attr(inner, "ind2", "i2") or " "
                    out.append(("1", itag + ind1[:1] + ind2[:1]))
                    _subfields(inner, itag, out, ctx)
            continue
        if name not in _SUBFIELD_NAMES:
            ctx.issue(N_("field {label}: unknown element <{name}> ignored (text {short!r})").format(
                label=label, name=name, short=_short(_text(child, ctx))), ctx.at(child))
            continue
        code = _attr(child, "code", "c")
        value = _text(child, ctx)
        if not code:
            ctx.issue(N_("field {label}: a subfield without a code was ignored (text {short!r})").format(
                label=label, short=_short(value)), ctx.at(child))
            continue
        if len(code) != 1:
            ctx.issue(N_("field {label}: subfield code {code!r} is not one character; first character kept").format(
                label=label, code=code), ctx.at(child))
            code = code[0]
        out.append((code, value))


def _check_tag(tag: str | None, what: str, text: str | None, ctx: _RecordContext,
               line: int | None, el=None) -> str | None:
    """The tag to keep (zero-padded when short and numeric), or None to drop the field."""
    if tag is None or not tag.strip():
        if text is None and el is not None:
            text = " ".join(v.strip() for v in el.itertext() if v.strip() and not v.startswith("&"))
        ctx.issue(N_("a {what} without a tag was ignored (text {short!r})").format(
            what=what, short=_short(text or '')), line)
        return None
    if _TAG_OK.match(tag):
        return tag
    stripped = tag.strip()
    if stripped.isdigit() and len(stripped) < 3:
        ctx.issue(N_("{what} tag {tag!r} is short; read as {stripped!r}").format(
            what=what, tag=tag, stripped=stripped.zfill(3)), line)
        return stripped.zfill(3)
    ctx.issue(N_("{what} tag {tag!r} is not three letters or digits; kept as it is").format(
        what=what, tag=tag), line)
    return tag


def _check_leader(leader: str | None, ctx: _RecordContext) -> str:
    """A 24-character leader: blank when missing, padded when short, cut when long (reported)."""
    line = ctx.line
    if leader is None:
        ctx.issue(N_("the record has no leader; a blank leader was assumed"), line)
        return " " * LEADER_LENGTH
    leader = leader.strip("\r\n\t")
    if not leader.strip():
        ctx.issue(N_("the leader is blank; padded to 24 blanks"), line)
        return " " * LEADER_LENGTH
    if len(leader) < LEADER_LENGTH:
        ctx.issue(N_("the leader has {n} characters, not 24; padded with blanks").format(
            n=len(leader)), line)
        return leader.ljust(LEADER_LENGTH)
    if len(leader) > LEADER_LENGTH:
        ctx.issue(N_("the leader has {n} characters, not 24; the first 24 were kept").format(
            n=len(leader)), line)
        return leader[:LEADER_LENGTH]
    return leader


def _has_replacement(record: Record) -> bool:
    if "\ufffd" in record.leader:
        return True
    for f in record.fields:
        if f.data is not None and "\ufffd" in f.data:
            return True
        if any("\ufffd" in v for _, v in f.subfields):
            return True
    return False


BIG_LINE = 65535  # libxml2 keeps lines up to here in the element itself


def _sourceline(el) -> int | None:
    """The line of an element's start tag.  Past line 65535 libxml2 takes it from the
    element's first child, a text node whose line is where its first piece of text ends
    (or from that child element's own first text): one line late for ``<record>`` then a
    new line and the indent.  The newlines of that text are taken off again."""
    line = el.sourceline
    if line is None or line < BIG_LINE:
        return line
    text = el.text
    if text is None and len(el) and type(el[0].tag) is str:
        text = el[0].text  # no text first: libxml2 looked into the first child element
    return line - text.count("\n") if text else line


def _has_strays(el, released) -> bool:
    """Whether anything but the record released last (empty by now) lies before ``el`` or
    before one of its ancestors: what ``_strays`` would look at."""
    node = el
    while node is not None:
        before = node.getprevious()
        if before is not None and (before is not released or before.getprevious() is not None
                                   or len(before)):
            return True
        node = node.getparent()
    return False


def _inside_record(el) -> bool:
    return any(_local(a.tag) in _RECORD_NAMES for a in el.iterancestors())


def _release(el) -> None:
    """Free a finished record and everything before it, so memory stays flat."""
    el.clear(keep_tail=False)
    node = el
    while node is not None:
        parent = node.getparent()
        if parent is None:
            break
        while node.getprevious() is not None:
            del parent[0]
        node = parent


def _ancestor_chain(el) -> list[tuple[str, dict]]:
    """(qualified name, namespace map) of each ancestor of ``el``, outermost first."""
    chain: list[tuple[str, dict]] = []
    for a in el.iterancestors():
        local = _local(a.tag) or ""
        name = f"{a.prefix}:{local}" if a.prefix else local
        chain.append((name, dict(a.nsmap)))
    chain.reverse()
    return chain


def _chain_prefix(chain: list[tuple[str, dict]]) -> str:
    """Open tags that put a record back in its place: ``<marc:collection xmlns:marc="...">``."""
    if not chain:
        return ""
    from xml.sax.saxutils import quoteattr  # here: it imports urllib.request, ssl, http

    nsmap = chain[-1][1]
    decls = "".join(f" xmlns{':' + p if p else ''}={quoteattr(uri)}" for p, uri in nsmap.items())
    parts = [f"<{chain[0][0]}{decls}>"]
    parts.extend(f"<{name}>" for name, _ in chain[1:])
    return "".join(parts)


# -- reading a file in blocks ---------------------------------------------------------------

class BlockNotReadable(Exception):
    """A block cannot be read on its own with the same result as the whole file (malformed
    XML, a comment, CDATA, a processing instruction or a DOCTYPE in it, characters that
    cannot be decoded, an empty record...): read the file whole with ``MarcXmlReader``."""


_DECL_END = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml\s[^>]*\?>)?")
_ROOT_START = re.compile(rb"\s*<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)"
                         rb"((?:\s+[^\s=/<>]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*>")
_RECORD_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?rec(?:ord)?\s*>")
_HIDING = (b"<!", b"<?")  # comments, CDATA, DOCTYPE, processing instructions
BOUNDS_WINDOW = 1 << 20  # bytes read at each cut to find the next record end tag


@dataclass
class _Layout:
    """What a block needs from the head of its file."""

    plan: _Plan
    decl_end: int  # index right after the byte order mark and the XML declaration
    body: int  # index right after the root start tag
    root_tag: bytes  # the root start tag on one line, as UTF-8: opens every later block
    root_name: bytes  # its qualified name: closes every block but the last


def _block_layout(head: bytes, encoding: str | None) -> _Layout | None:
    """The layout of a file that can be cut into blocks, or None: the encoding must be clear
    from the head (UTF-8 or a single-byte code page), the root must be a start tag after at
    most the XML declaration (no DOCTYPE, comment or processing instruction before it) and
    not a record itself."""
    plan = plan_encoding(head, encoding)
    if plan.problems or (plan.codec is not None and plan.codec not in _SINGLE_BYTE):
        return None
    decl = _DECL_END.match(head)
    decl_end = decl.end() if decl else 0
    m = _ROOT_START.match(head, decl_end)
    if m is None or _local(m.group(1).decode("ascii")) in _RECORD_NAMES:
        return None
    tag = re.sub(rb"[\t\r\n]", b" ", m.group(0).lstrip())  # attribute values normalise so
    if plan.codec is not None:
        tag = tag.decode(plan.codec, errors="replace").encode("utf-8")
    return _Layout(plan, decl_end, m.end(), tag, m.group(1))


class _BlockBytes:
    """``read(n)`` over the bytes [start, end) of a file, after ``prefix`` (the root start tag)
    and before ``suffix`` (its end tag).  Counts the newlines of the range; at a comment,
    CDATA section, DOCTYPE or processing instruction (after the first ``check_from`` bytes
    of the range, the XML declaration) it stops, with ``unsafe`` saying why: such markup may
    hide a record end tag, so the cuts may not fall between records."""

    def __init__(self, fh: BinaryIO, start: int, end: int, prefix: bytes, suffix: bytes,
                 check_from: int):
        fh.seek(start)
        self._fh = fh
        self.left = end - start  # bytes of the range not read yet
        self._prefix = prefix
        self._suffix = suffix
        self._check_from = check_from
        self._last = b""  # the last byte read, for markup cut by a read
        self.newlines = 0
        self.unsafe: str | None = None

    def read(self, n: int = -1) -> bytes:
        if self._prefix:
            out, self._prefix = self._prefix, b""
            return out
        if self.left <= 0 or self.unsafe:
            out, self._suffix = self._suffix, b""
            return out if not self.unsafe else b""
        data = self._fh.read(min(n if n and n > 0 else CHUNK_SIZE, self.left))
        if not data:
            self.unsafe = "the file is shorter than the block"
            return b""
        check = self._last + data
        if self._check_from:
            skip = min(self._check_from, len(data))
            check = data[skip:]
            self._check_from -= skip
        for markup in _HIDING:
            if markup in check:
                self.unsafe = f"{markup.decode()} (a comment, CDATA, DOCTYPE or processing instruction)"
                return b""
        self.left -= len(data)
        self.newlines += data.count(b"\n")
        self._last = data[-1:]
        return data


def xml_block_bounds(path: str | Path, size: int, block_size: int, *,
                     encoding: str | None = None) -> list[tuple[int, int]] | None:
    """Byte ranges [start, end) that cover the file in order, each cut right after a record
    end tag (``</record>``, ``</marc:record>``, ``</rec>``) and holding at least one record, of
    about ``block_size`` bytes each: read each with ``read_xml_block``.  None when the file
    cannot be cut: compressed, a UTF-16/32 or unclear encoding, a DOCTYPE, comment or
    processing instruction before the root, a single record as the root, no record end tag
    near the end; then read it whole with ``MarcXmlReader``.  The cuts are found by looking
    at ``BOUNDS_WINDOW`` bytes at each one, not by reading the file: markup that could hide
    an end tag (a comment, CDATA) is found by ``read_xml_block``, which then raises
    ``BlockNotReadable``."""
    p = Path(path)
    with p.open("rb") as fh:
        head = fh.read(HEAD_SIZE)
        if head[:2] == b"\x1f\x8b":
            return None
        layout = _block_layout(head, encoding)
        if layout is None:
            return None
        fh.seek(max(0, size - BOUNDS_WINDOW))
        tail = fh.read(BOUNDS_WINDOW)
        ends = list(_RECORD_END.finditer(tail))
        if not ends:
            return None
        last_end = max(0, size - BOUNDS_WINDOW) + ends[-1].start()  # the last record's end tag
        cuts = [0]
        target = max(layout.body, block_size)
        while target < last_end:
            fh.seek(target)
            window = fh.read(BOUNDS_WINDOW)
            m = _RECORD_END.search(window)
            if m is None:
                if len(window) < BOUNDS_WINDOW:
                    break
                target += BOUNDS_WINDOW - 64  # an end tag may straddle the window's end
                continue
            cut = target + m.end()
            if cut > last_end:
                break
            cuts.append(cut)
            target = cut + max(block_size, 1)
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


@dataclass
class XmlBlock:
    """The records and problems of one block, as reading the whole file gives them."""

    records: list[SourceRecord]
    problems: list[Problem]  # every problem, the records' own ones too, in reading order
    newlines: int  # newlines in the block's bytes: the next block starts that many lines on

    def shifted(self, numbers: int, lines: int) -> XmlBlock:
        """The block renumbered: record numbers plus ``numbers``, lines plus ``lines`` (for a
        block read with first_number=1, first_line=1 once the blocks before it are known)."""
        if not numbers and not lines:
            return self

        def problem(p: Problem) -> Problem:
            return dataclasses.replace(
                p, record=None if p.record is None else p.record + numbers,
                line=None if p.line is None else p.line + lines)

        records = [dataclasses.replace(
            r, number=r.number + numbers, line=None if r.line is None else r.line + lines,
            problems=tuple(problem(p) for p in r.problems)) for r in self.records]
        return XmlBlock(records, [problem(p) for p in self.problems], self.newlines)


def read_xml_block(path: str | Path, start: int, end: int, *, encoding: str | None = None,
                   flavour: str | None = None, display: str | None = None,
                   first_number: int = 1, first_line: int = 1) -> XmlBlock:
    """Read one block of ``xml_block_bounds(path, ...)``: its records and problems exactly as
    reading the whole file gives them, numbered from ``first_number`` (the number of records
    in the blocks before, plus one) and with lines from ``first_line`` (the newlines before
    ``start``, plus one).  A worker that does not know those yet reads with the defaults and
    the caller applies ``XmlBlock.shifted(records before, newlines before)`` in block order.

    Raises ``BlockNotReadable`` when the block cannot give the whole file's result on its own
    (malformed XML, markup that may hide a cut, undecodable characters, an empty record):
    then read the whole file with ``MarcXmlReader``, whose problems say what is wrong.
    ``SourceError`` as ``MarcXmlReader`` raises it (no such file ...).

    Lines are libxml2's: exact up to line 65535 of the block, past it as libxml2 gives them
    (one line late where a record's start tag ends a line), as in the whole file."""
    reader = MarcXmlReader(path, encoding=encoding, flavour=flavour, display=display,
                           block=(start, end), first_number=first_number, first_line=first_line)
    # The records held make Python's cycle collector walk them again and again (a quarter
    # of the time); they hold no cycles, and what the reader frees goes by reference counts.
    collecting = gc.isenabled()
    gc.disable()
    try:
        records = list(reader)
    finally:
        if collecting:
            gc.enable()
    return XmlBlock(records, reader.problems, reader.newlines)


def read_marcxml(path: str | Path, **kwargs) -> tuple[list[SourceRecord], list[Problem]]:
    """Read a whole (small) MARCXML file: (records, problems).  For big files iterate a reader."""
    reader = MarcXmlReader(path, **kwargs)
    records = list(reader)
    return records, reader.problems
