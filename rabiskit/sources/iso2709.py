"""Reading ISO 2709 files (UNIMARC, RUSMARC, KAZMARC, MARC 21) without losing anything.

A record is: a 24-byte leader (record length 0-4, base address 12-16), a directory of
12-byte entries (tag, length, start), 0x1E after each field, 0x1F before each subfield
code, 0x1D after the record.  Real exports are damaged: wrong lengths in the leader,
directories pointing past the end, truncated tails, garbage or blank lines between
records, records over 99,999 bytes.

How this reader copes:

* The file is streamed in blocks (flat memory whatever the size) and cut into records on
  the record terminator 0x1D, not on the leader's length, so a wrong length never loses
  the records after it.
* White space and garbage between records are skipped and reported with their offset and
  size; a terminator missing between two records is found through the first record's
  leader length and the second record's leader; a 0x1D inside a record's data is
  recognised when the leader's length says the record goes on.
* Inside a record, the directory is trusted only where it agrees with the data (numeric,
  inside the record, ending on a field terminator); otherwise each field is taken from
  the data area's own field terminators, in order.  Every repair is a Problem.
* Every byte of the file ends up in a record or in a reported Problem (``skipped``).
"""

from __future__ import annotations

import gzip
import re
import struct
from itertools import accumulate, repeat
from operator import add, itemgetter, mul
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from rabiskit.i18n import N_
from rabiskit.records import Field, Problem, Record, SourceRecord
from rabiskit.records.problem import merge_skipped
from rabiskit.records.record import IRBIS, MARC21, UNIMARC
from rabiskit.sources.base import Reader, SourceError
from rabiskit.sources.encoding import (decode_field_text, declared_encoding,
                                       detect_encoding, record_text)
from rabiskit.sources.flavour import dated_100a, irbis_record, record_flavour

RT = 0x1D  # record terminator
FT = 0x1E  # field terminator
SD = 0x1F  # subfield delimiter
BLOCK = 1 << 20
MAX_RECORD = 99_999
# Fields that must occur once (their repetition is reported): the control fields the facts
# come from.  (IRBIS repeats 101 and others in its own scheme, so only these are checked.)
NON_REPEATABLE = {UNIMARC: frozenset(("001", "005", "100")),
                  MARC21: frozenset(("001", "003", "005", "008"))}

_WHITESPACE = b" \t\r\n\x00\x1a"
# A record starts where 24 printable leader bytes are followed by a directory entry
# (three-character tag, four-digit length, five-digit start), or where the leader itself
# looks right (five-digit length ... five-digit base address ... entry map).
_START = re.compile(rb"(?=[0-9]{5}[ -~]{7}[0-9]{5}[ -~]{3}[0-9 ]{4})"
                    rb"|(?=[ -~]{12}[0-9]{5}[ -~]{7}[0-9A-Za-z]{3}[0-9]{4}00000)"
                    rb"|(?=[0-9]{5}[^\x1d\x1e\x1f]{7}[0-9]{5}[^\x1d\x1e\x1f]{7}[0-9A-Za-z]{3}[0-9]{9})")
# A leader whose lengths are digits but which holds other bytes (0x02, 0x92 ...) where no
# length is: a record start only when its record length and base address agree with the
# bytes (see ``_sound_odd_leader``).
_ODD_LEADER = re.compile(rb"[0-9]{5}[^\x1d\x1e\x1f]{7}[0-9]{5}[^\x1d\x1e\x1f]{7}(?:[0-9A-Za-z]{3}[0-9]{9})+\x1e")
_LEADER = re.compile(rb"[0-9]{5}[ -~]{7}[0-9]{5}[ -~]{3}[0-9 ]{4}[0-9A-Za-z]{3}[0-9 ]{9}")
_DIRECTORY = re.compile(rb"(?:[0-9A-Za-z]{3}[0-9]{9})+")
_DIGITS5 = re.compile(rb"[0-9]{5}\Z")
_ENTRY = re.compile(rb"[0-9A-Za-z]{3}[0-9]{9}")  # one directory entry
# a sound record (``Iso2709Reader._parse_clean``): its leader, its directory, each entry
_SOUND_LEADER = re.compile(rb"[0-9]{5}[ -~]{7}[0-9]{5}[ -~]{7}")
_PLUS_ONE = (1).__add__
_TIMES_100000 = (100_000).__mul__
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)
# by number of entries n: what splits a directory of n entries into (tag, digits) pairs,
# and the powers of 10**9 its entries' digits stand for (see ``_parse_clean``)
_LAYOUTS: dict[int, tuple[Callable[[bytes, int], tuple[bytes, ...]], tuple[int, ...]]] = {}


def _layout(n: int) -> tuple[Callable[[bytes, int], tuple[bytes, ...]], tuple[int, ...]]:
    got = _LAYOUTS[n] = (struct.Struct("3s9s" * n).unpack_from,
                         tuple(10 ** (9 * (n - 1 - i)) for i in range(n)))
    return got
# a field's subfields, (code, value): each 0x1F and the character after it, up to the next
# 0x1F; an empty one (0x1F 0x1F) is dropped
_subfields = re.compile("\x1f([^\x1f])([^\x1f]*)").findall
_RT_RUN = re.compile(rb"\x1d*")
_WS_RUN = re.compile(b"[" + re.escape(_WHITESPACE) + b"]*")
# Without a record terminator for this many bytes, the span is cut (memory stays flat on a
# file with no terminator at all); ISO 2709 records are at most 99,999 bytes.
MAX_SPAN = 4 << 20


def open_binary(path: Path) -> BinaryIO:
    """Open a file for reading bytes; .gz files are decompressed on the fly."""
    try:
        if path.is_dir():
            raise SourceError(N_("{path}: is a folder, not a file").format(path=path))
        fh = path.open("rb")
    except FileNotFoundError:
        raise SourceError(N_("{path}: file not found").format(path=path)) from None
    except PermissionError:
        raise SourceError(N_("{path}: permission denied").format(path=path)) from None
    except OSError as e:
        raise SourceError(N_("{path}: cannot be read ({v})").format(
            path=path, v=e.strerror or e)) from None
    if path.suffix.lower() == ".gz":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def _int(b: bytes) -> int | None:
    return int(b) if b.isdigit() else None


def _entry_lengths(lengths: bytes) -> tuple[int, int]:
    """The length-of-field and starting-position widths of directory entries (leader/20
    and /21), 4 and 5 where the leader holds no digit or 0."""
    return _int(lengths[0:1]) or 4, _int(lengths[1:2]) or 5


def looks_like_start(buf: bytes, p: int) -> bool:
    """A record starts at p: a well-formed leader followed by a directory entry, a leader
    with odd bytes outside its lengths whose record length and base address agree with the
    bytes, or a damaged leader followed by a directory that ends exactly on a field
    terminator."""
    if _LEADER.match(buf, p) is not None:
        return True
    if _START.match(buf, p) is None:
        return False
    if _sound_odd_leader(buf, p):
        return True
    end = buf.find(b"\x1e", p + 24, p + 24 + 12 * 2000)
    return end != -1 and (end - p - 24) % 12 == 0 and _DIRECTORY.fullmatch(buf, p + 24, end) is not None


def _sound_odd_leader(buf: bytes, p: int) -> bool:
    """A leader with bytes that are not printable ASCII where no length is (0x02 or 0x92 at
    leader/22, seen in real exports), whose record is sound: the directory ends on a field
    terminator at the base address, and the record length ends on a record terminator."""
    m = _ODD_LEADER.match(buf, p, p + 24 + 12 * 2000 + 1)
    if m is None:
        return False
    length, base = int(buf[p:p + 5]), int(buf[p + 12:p + 17])
    return m.end() - p == base and length > base and buf[p + length - 1:p + length] == b"\x1d"


def find_start(buf: bytes, start: int, end: int) -> int | None:
    """The first position in [start, end) where a record starts, or None."""
    for m in _START.finditer(buf, start, end):
        if looks_like_start(buf, m.start()):
            return m.start()
    return None


class Iso2709Reader(Reader):
    """Streams SourceRecords from an ISO 2709 file; problems collect in ``self.problems``."""

    format = "iso2709"

    def __init__(self, path, *, encoding=None, flavour=None, display=None, block_size=BLOCK,
                 fileobj: BinaryIO | None = None, base_offset: int = 0):
        """``fileobj``/``base_offset``: read a part of a file already in memory (the fast
        counting path hands damaged parts of a big file back to this careful reader)."""
        super().__init__(path, encoding=encoding, flavour=flavour, display=display)
        self.block_size = block_size
        self.bytes_skipped = 0
        self.bytes_in_records = 0
        self.base_offset = base_offset
        # (tags, 100$a's kind, leader/09, --flavour) -> (tags as text, flavour, whether a
        # non-repeatable field repeats): see ``_parse_clean``
        self._shapes: dict[tuple, tuple[list[str], str, bool]] = {}
        # open now, so that an unreadable file fails before the first record
        self._fh = fileobj if fileobj is not None else open_binary(self.path)

    def problem(self, record, offset, message, kind="damage", **extra) -> Problem:
        """Record a problem; runs of skipped bytes that touch become one problem (a file of
        a million terminators gives one problem, not a million: memory stays flat)."""
        p = Problem(self.display, record, offset, message, kind, **extra)
        merged = merge_skipped(self.problems[-1], p) if self.problems else None
        if merged is not None:
            self.problems[-1] = merged
            return merged
        self.problems.append(p)
        return p

    # -- cutting the stream into record spans ------------------------------------------
    def spans(self) -> Iterator[tuple[int, bytes, bool, str | None]]:
        """Yield (offset, bytes, terminated, note) for each record span.

        ``note`` is set when the span was cut without a record terminator (missing
        terminator between records, truncated file)."""
        fh = self._fh
        buf = b""
        base = self.base_offset  # file offset of buf[0]
        pos = 0  # next unread position in buf
        eof = False
        no_rt_until = 0  # file offset: no record terminator in the bytes from pos to here

        def fill(need_until: int) -> None:
            """Make buf hold at least up to buf index need_until (or to EOF)."""
            nonlocal buf, eof
            while not eof and len(buf) < need_until:
                chunk = fh.read(max(self.block_size, need_until - len(buf)))
                if not chunk:
                    eof = True
                    break
                self.size += len(chunk)
                buf += chunk

        try:
            while True:
                # compact the buffer
                if pos > self.block_size:
                    buf = buf[pos:]
                    base += pos
                    pos = 0
                fill(pos + 1)
                if pos >= len(buf):
                    break
                # the usual case, a sound record right here: a well-formed leader whose
                # length ends on the first record terminator (what the steps below find too)
                if _LEADER.match(buf, pos) is not None:
                    length = int(buf[pos:pos + 5])
                    t = pos + length - 1
                    # (a length under 25, no room for the leader and a terminator, is no
                    # sound record: 00000 right after a 0x1D would end the span before it
                    # starts, and the reader would cut the same empty span for ever)
                    if (length > 24 and t < len(buf) and buf[t] == RT
                            and buf.find(b"\x1d", pos, t) == -1):
                        yield base + pos, buf[pos:t + 1], True, None
                        pos = t + 1
                        continue
                # white space / blank lines between records: a run is skipped whole, however
                # it was buffered (one problem, flat memory); white space followed by garbage
                # gives two problems that touch, merged into one by ``problem``
                q = _WS_RUN.match(buf, pos).end()
                if q > pos:
                    start, n, newlines_only = base + pos, 0, True
                    while True:
                        newlines_only = newlines_only and not buf[pos:q].strip(b"\r\n")
                        n += q - pos
                        if q < len(buf) or eof:
                            break
                        base, buf, pos = base + q, b"", 0
                        fill(self.block_size)
                        q = _WS_RUN.match(buf, 0).end()
                    what = N_("blank line") if newlines_only else N_("white space")
                    self.problem(None, start, N_("{n} byte(s) of {what} between records skipped").format(
                        n=n, what=what),
                                 "separator", skipped=n)
                    self.bytes_skipped += n
                    pos = q
                    continue
                if buf[pos] == RT:
                    # stray record terminators: a run of them is skipped whole, however it
                    # was buffered (one problem, flat memory)
                    start, g = base + pos, 0
                    q = _RT_RUN.match(buf, pos).end()
                    while q == len(buf) and not eof:
                        g += q - pos
                        base, buf, pos = base + q, b"", 0
                        fill(self.block_size)
                        q = _RT_RUN.match(buf, 0).end()
                    g += q - pos
                    self.problem(None, start, N_("{g} byte(s) that do not form a MARC record (no leader and directory) skipped").format(
                        g=g), "garbage", skipped=g)
                    self.bytes_skipped += g
                    pos = q
                    continue
                # find the terminator (bytes already searched are not searched again: a
                # long stretch without one is cut in many pieces)
                t = buf.find(b"\x1d", max(pos, no_rt_until - base))
                while t == -1 and not eof and len(buf) - pos < MAX_SPAN:
                    no_rt_until = base + len(buf)
                    fill(len(buf) + self.block_size)
                    t = buf.find(b"\x1d", max(pos, no_rt_until - base), pos + MAX_SPAN)
                if t > pos + MAX_SPAN:
                    t = -1
                capped = False
                if t == -1:
                    # no terminator in MAX_SPAN bytes, though the file goes on: cut there
                    rest = buf.find(b"\x1d", max(pos, no_rt_until - base))
                    no_rt_until = base + (rest if rest != -1 else len(buf))
                    capped = not eof or rest != -1
                fill(pos + 64)
                # garbage before the record?
                if not looks_like_start(buf, pos):
                    end = t if t != -1 else len(buf)
                    m = find_start(buf, pos + 1, end)
                    if m is not None:
                        g = m - pos
                        self.problem(None, base + pos, N_("{g} byte(s) of garbage before a record skipped").format(
                            g=g),
                                     "garbage", skipped=g)
                        self.bytes_skipped += g
                        pos = m
                        continue
                    # no record start in this span: is it a record with a ruined leader?
                    span_end = end + 1 if t != -1 else end
                    if (span_end - pos < 24 or buf.find(b"\x1e", pos, span_end) == -1
                            or not (_DIGITS5.match(buf[pos:pos + 5])
                                    or _ENTRY.match(buf, pos + 24))):
                        g = span_end - pos
                        kind = "garbage"
                        msg = (N_("{g} byte(s) that do not form a MARC record (no leader and directory) skipped").format(
                            g=g))
                        self.problem(None, base + pos, msg, kind, skipped=g)
                        self.bytes_skipped += g
                        pos = span_end
                        continue
                if capped:
                    # no record terminator in MAX_SPAN bytes: a record without its terminator
                    # up to the next record start, or bytes that form no record
                    end = min(len(buf), pos + MAX_SPAN)
                    m = find_start(buf, pos + 24, end)
                    cut = m if m is not None else end
                    at = pos
                    while buf.find(b"\x1e", at, cut) == -1 or not buf[at:at + 5].isdigit():
                        # no record: the bytes up to the next start that may be one
                        at = cut
                        if cut == end:
                            break
                        m = find_start(buf, cut + 24, end)
                        cut = m if m is not None else end
                    if at > pos:
                        g = at - pos
                        self.problem(None, base + pos, N_("{g} byte(s) that do not form a MARC record (no record terminator) skipped").format(
                            g=g), "garbage", skipped=g)
                        self.bytes_skipped += g
                        pos = at
                        continue
                    yield base + pos, buf[pos:cut], False, "no_terminator"
                    pos = cut
                    continue
                if t == -1 and buf.find(b"\x1e", pos) == -1:
                    g = len(buf) - pos
                    self.problem(None, base + pos, N_("{g} byte(s) at the end of the file that do not form a MARC record (no field terminators) skipped").format(
                        g=g), "garbage", skipped=g)
                    self.bytes_skipped += g
                    pos = len(buf)
                    continue
                if t == -1:
                    # the file ends without a record terminator
                    yield base + pos, buf[pos:], False, "truncated"
                    pos = len(buf)
                    continue
                length = _int(buf[pos:pos + 5])
                span = t + 1 - pos
                note = None
                if length is not None and 24 < length < span:
                    # two records glued together (missing terminator)?  The leader's length
                    # counts the terminator, so the next record starts at length - 1.
                    cut = pos + length - 1
                    if buf[cut - 1] == FT and looks_like_start(buf, cut):
                        yield base + pos, buf[pos:cut], False, "missing_terminator"
                        pos = cut
                        continue
                elif length is not None and length > span:
                    # a 0x1D inside the data: the leader says the record goes on
                    fill(pos + length + 64)
                    end = pos + length
                    if (end <= len(buf) and buf[end - 1] == RT
                            and not looks_like_start(buf, t + 1)
                            and (end == len(buf) or looks_like_start(buf, end)
                                 or buf[end] in _WHITESPACE)):
                        note = "embedded_terminator"
                        span = length
                yield base + pos, buf[pos:pos + span], True, note
                pos += span
        finally:
            fh.close()

    # -- parsing one record ------------------------------------------------------------
    def _records(self) -> Iterator[SourceRecord]:
        number = 0
        for offset, data, terminated, note in self.spans():
            if len(data) < 24 + (1 if terminated else 0):
                self.problem(None, offset, N_("{n} byte(s) too short to be a record skipped").format(
                    n=len(data)),
                             "garbage", skipped=len(data))
                self.bytes_skipped += len(data)
                continue
            number += 1
            self.bytes_in_records += len(data)
            record = self._parse_clean(data, offset, number) if note is None and terminated else None
            yield record if record is not None else self._parse_careful(data, offset, number,
                                                                        terminated, note)

    def parse(self, data: bytes, offset: int, number: int, terminated: bool = True,
              note: str | None = None) -> SourceRecord:
        """The record in ``data`` (its bytes from the leader to the record terminator),
        numbered ``number``, at byte ``offset`` of the file."""
        if note is None and terminated:
            clean = self._parse_clean(data, offset, number)
            if clean is not None:
                return clean
        return self._parse_careful(data, offset, number, terminated, note)

    def _parse_clean(self, data: bytes, offset: int, number: int) -> SourceRecord | None:
        """The record when it is sound throughout, else None (``_parse_careful`` reads it).

        Sound: a leader of printable ASCII whose record length is the record's and whose
        base address follows the directory; a directory of 12-byte entries that lay the
        fields end to end, each on its field terminator, and 0x1D at the end; no
        non-repeatable field repeated; every field valid in the record's encoding.  Such a
        record gives ``_parse_careful`` no problem to report, so what is decided here (the
        flavour, the encoding and its reason, the fields) is decided by the same functions
        on the same bytes, with the checks the soundness proves left out: the data area is
        split and decoded once, not field by field."""
        size = len(data)
        if (data[-1] != RT or _SOUND_LEADER.match(data) is None or int(data[:5]) != size
                or (data[20:22] != b"45" and _entry_lengths(data[20:22]) != (4, 5))):
            return None
        base = int(data[12:17])
        data_end = size - 1
        # the directory ends on the first field terminator, at the base address
        if base < 25 or data.find(b"\x1e", 24, data_end) != base - 1:
            return None
        n, rest = divmod(base - 25, 12)
        parts = data[base:data_end].split(b"\x1e")
        if rest or len(parts) != n + 1 or parts.pop() or not n:
            return None
        split_entries, powers = _LAYOUTS.get(n) or _layout(n)
        entries = split_entries(data, 24)  # (tag, length and start) of each entry
        tag_bytes = entries[0::2]
        digits = b"".join(entries[1::2])
        # the directory is the one that lays these fields end to end: each entry's length
        # (with the field terminator) and start are those of its field in the data.  Each
        # entry's nine digits are length * 100000 + start (below 10**9: a length below
        # 10000, a start below the record length), so the directory's digits read as one
        # number are the sum of those times powers of 10**9
        lengths = list(map(_PLUS_ONE, map(len, parts)))
        if (not digits.isdigit() or max(lengths) > 9999 or int(digits) != sum(map(
                mul, map(add, map(_TIMES_100000, lengths), accumulate(lengths, initial=0)),
                powers))):
            return None
        leader = data[:24].decode("ascii")
        f100a = None
        if b"100" in tag_bytes:
            raw = parts[tag_bytes.index(b"100")]
            k = raw.find(b"\x1fa")
            if k != -1:
                end = raw.find(b"\x1f", k + 2)
                f100a = raw[k + 2:end if end != -1 else len(raw)].decode("latin-1")
        # what the tags (with 100$a's kind and leader/09) decide is the same for every
        # record of the same shape: the tags as text, the flavour, and whether a
        # non-repeatable field repeats
        key = (tag_bytes, f100a is None, dated_100a(f100a), leader[9], self.flavour)
        shape = self._shapes.get(key)
        if shape is None:
            if len(self._shapes) >= 4096:
                self._shapes.clear()  # memory stays flat
            tags = list(map(str, tag_bytes, repeat("latin-1")))
            flavour = self.flavour or record_flavour(tags, f100a, leader)
            shape = self._shapes[key] = (tags, flavour, any(
                tags.count(tag) > 1 for tag in NON_REPEATABLE.get(flavour, ())))
        tags, flavour, repeats = shape
        if repeats:
            return None
        encoding, reason, text = record_text(
            data[base:data_end - 1], None if self.encoding else declared_encoding(flavour, leader, f100a),
            flavour, lambda: _languages(tags, parts, flavour), self.encoding or None)
        if text is not None:
            texts = text.split("\x1e")
        else:
            texts = []
            for raw in parts:
                got = decode_field_text(raw, encoding)
                if got.read_as or got.replaced:
                    return None
                texts.append(got.text)
        # the fields, as ``_field`` makes them; in the usual order (control fields, then
        # data fields with two indicators) all at once
        at = list(map(str.find, texts, repeat("\x1f")))  # each field's first subfield
        m = at.count(-1)
        if at.count(2) == n - m and (m == n or at.index(2) == m):
            fields = list(map(Field, tags[:m], texts[:m]))
            data_texts = texts[m:]
            fields += map(Field, tags[m:], repeat(None), map(_FIRST, data_texts),
                          map(_SECOND, data_texts), map(_subfields, data_texts))
        else:
            fields = list(map(_field, tags, texts))
        record = Record(leader, fields)
        return SourceRecord(self.display, number, offset, size,
                            irbis_record(record) if flavour == IRBIS else record, flavour,
                            encoding, reason, False, data, ())

    def _parse_careful(self, data: bytes, offset: int, number: int, terminated: bool,
                       note: str | None) -> SourceRecord:
        """Any record, however damaged: every repair is a Problem."""
        problems: list[Problem] = []

        def report(message: str, kind: str = "damage", at: int | None = None) -> None:
            problems.append(Problem(self.display, number, offset + (at or 0), message, kind))

        size = len(data)
        if note == "missing_terminator":
            report(N_("record terminator (1D) missing; the next record starts right after this one"),
                   "missing_terminator", size)
        elif note == "embedded_terminator":
            report(N_("record terminator byte (1D) inside the record's data; the leader's length was "
                   "used to find the real end"), "embedded_terminator")
        elif note == "no_terminator":
            report(N_("no record terminator (1D) in the {size} byte(s) from this record's start; "
                      "the record is cut where the next record starts").format(size=size),
                   "missing_terminator", size)
        elif note == "truncated":
            report(N_("the file ends inside this record: {size} byte(s) and no record terminator (truncated)").format(
                size=size), "truncated", size)

        raw_leader = data[:24]
        leader = "".join(chr(b) if 32 <= b <= 126 else " " for b in raw_leader)
        for i, b in enumerate(raw_leader):
            if not 32 <= b <= 126 and not (i < 5 or 12 <= i < 17):  # (lengths: checked below)
                report(N_("leader/{pos} holds byte {byte}, not a printable ASCII character; "
                          "read as a blank").format(pos=f"{i:02d}", byte=f"{b:02X}"), "leader", i)
        length = _int(data[:5])
        if length is None:
            report(N_("record length in leader ({raw_leader!r}) is not a number; the record is {size} bytes long").format(
                raw_leader=raw_leader[:5].decode('latin-1'), size=size), "leader_length")
        elif length != size and note is None:
            if size > MAX_RECORD:
                report(N_("record is {size} bytes, more than ISO 2709's {MAX_RECORD}; the leader says {length}").format(
                    size=size, MAX_RECORD=MAX_RECORD, length=length), "oversize")
            else:
                report(N_("record length in leader ({length}) differs from the record's real length ({size})").format(
                    length=length, size=size), "leader_length")
        # directory ---------------------------------------------------------------------
        data_end = size - 1 if terminated and data[-1] == RT else size
        dir_end = data.find(b"\x1e", 24, data_end)
        base = _int(data[12:17])
        ll, sl = _entry_lengths(data[20:22])
        entry = 3 + ll + sl
        if dir_end == -1:
            # no field terminator at all: read entries as long as they look like entries
            k = 24
            while k + entry <= data_end and data[k:k + 3].isalnum() and data[k + 3:k + entry].isdigit():
                k += entry
            dir_end = k
            report(N_("no field terminator after the directory"), "directory", k)
        real_base = dir_end + 1
        if base != real_base:
            shown = data[12:17].decode("latin-1")
            report(N_("base address in leader ({shown}) does not match the end of the directory ({real_base})").format(
                shown=shown, real_base=real_base), "base_address", 12)
        directory = data[24:dir_end]
        n_entries, rest = divmod(len(directory), entry)
        if rest:
            report(N_("directory is {n} bytes, not a multiple of {entry}; the last {rest} byte(s) ignored").format(
                n=len(directory), entry=entry, rest=rest), "directory", 24 + n_entries * entry)
        entries = []
        for i in range(n_entries):
            e = directory[i * entry:(i + 1) * entry]
            entries.append((e[:3].decode("latin-1"), _int(e[3:3 + ll]), _int(e[3 + ll:])))
        # fields ------------------------------------------------------------------------
        spans: list[tuple[str, int, int]] = []  # (tag, start, end) end exclusive, no terminator
        segments: list[tuple[int, int]] | None = None
        cut_tags: list[str] = []
        for i, (tag, flen, fstart) in enumerate(entries):
            ok = flen is not None and fstart is not None
            if ok:
                s = real_base + fstart
                e = s + flen
                ok = flen > 0 and s < data_end and e <= data_end and data[e - 1] == FT
            if ok:
                spans.append((tag, s, e - 1))
                continue
            if flen is not None and fstart is not None and size > MAX_RECORD:
                # a record over 99,999 bytes: writers keep the last five digits of a start
                for m in range(1, size // 100_000 + 1):
                    s = real_base + fstart + 100_000 * m
                    e = s + flen
                    if e <= data_end and data[e - 1] == FT:
                        break
                else:
                    s = -1
                if s != -1:
                    spans.append((tag, s, e - 1))  # covered by the record's "oversize" problem
                    continue
            if note == "truncated" and flen is not None and fstart is not None \
                    and real_base + fstart + flen > data_end:
                cut_tags.append(tag)  # cut off by the end of the file: named in that problem
                continue
            # the entry disagrees with the data: take the field from the data's own terminators
            if segments is None:
                segments = _segments(data, real_base, data_end)
            seg = None
            if fstart is not None:
                s = real_base + fstart
                for a, b in segments:
                    if a == s:
                        seg = (a, b)
                        break
            if seg is None and len(segments) == len(entries):
                seg = segments[i]
            at = 24 + i * entry
            what = (N_("has a non-numeric length or start") if flen is None or fstart is None
                    else N_("points outside the record") if real_base + fstart >= data_end
                    or real_base + fstart + flen > data_end
                    else N_("does not end on a field terminator"))
            if seg is not None:
                report(N_("directory entry {n} (tag {tag}) {what}; field taken from the data").format(
                    n=i + 1, tag=tag, what=what),
                       "directory", at)
                spans.append((tag, seg[0], seg[1]))
            elif fstart is not None and flen is not None and real_base + fstart < data_end:
                s = real_base + fstart
                e = min(s + flen, data_end)
                t = data.find(b"\x1e", s, e)
                if t != -1:
                    e = t
                cut = N_("; the field is cut short") if note == "truncated" else ""
                report(N_("directory entry {n} (tag {tag}) {what}; field salvaged as far as the data goes{cut}").format(
                    n=i + 1, tag=tag, what=what, cut=cut), "directory", at)
                spans.append((tag, s, e))
            else:
                report(N_("directory entry {n} (tag {tag}) {what}; field lost").format(
                    n=i + 1, tag=tag, what=what), "directory", at)
        if cut_tags:
            p = problems[0]  # the "truncated" problem comes first
            problems[0] = Problem(p.file, p.record, p.offset, (N_("{message}; cut off, so left out: fields {tags}") if len(cut_tags) > 1 else N_("{message}; cut off, so left out: field {tags}")).format(
                message=p.message, tags=", ".join(cut_tags)),
                                  p.kind)
        # decode ------------------------------------------------------------------------
        tags = [t for t, _, _ in spans]
        field100a_bytes = None
        for tag, s, e in spans:
            if tag == "100":
                raw = data[s:e]
                k = raw.find(b"\x1fa")
                if k != -1:
                    end = raw.find(b"\x1f", k + 2)
                    field100a_bytes = raw[k + 2:end if end != -1 else len(raw)]
                break
        f100a = field100a_bytes.decode("latin-1") if field100a_bytes is not None else None
        flavour = self.flavour or record_flavour(tags, f100a, leader)
        if self.encoding:
            encoding, enc_reason = self.encoding, "--encoding"
        else:
            declared = declared_encoding(flavour, leader, f100a)
            body = b"\x1e".join(data[s:e] for _, s, e in spans)
            encoding, enc_reason = detect_encoding(body, declared, flavour=flavour, languages=_languages(
                [t for t, _, _ in spans], [data[s:e] for _, s, e in spans], flavour))
        seen: dict[str, int] = {}
        for tag, s, e in spans:
            if tag in NON_REPEATABLE.get(flavour, ()):
                seen[tag] = seen.get(tag, 0) + 1
                if seen[tag] == 2:
                    n = tags.count(tag)
                    report(N_("field {tag} occurs {n} times, but it is not repeatable; the date and codes are taken from the first occurrence that holds them").format(
                        tag=tag, n=n), "repeated_field", s)
        fields = []
        for tag, s, e in spans:
            got = decode_field_text(data[s:e], encoding)
            if got.read_as:
                report(N_("field {tag} is not valid {encoding}; read as {alt_enc} (mixed encodings)").format(
                    tag=tag, encoding=encoding, alt_enc=got.read_as), "encoding", s)
            elif got.replaced:
                report(N_("field {tag} has bytes that are not valid {encoding}; replaced with \ufffd").format(
                    tag=tag, encoding=encoding), "encoding", s)
            fields.append(_field(tag, got.text))
        self.problems.extend(problems)
        record = Record(leader, fields)
        return SourceRecord(
            file=self.display, number=number, offset=offset, length=size,
            record=irbis_record(record) if flavour == IRBIS else record, flavour=flavour, encoding=encoding,
            encoding_reason=enc_reason, damaged=bool(problems), raw=data, problems=tuple(problems),
        )


def _segments(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each field in the data area, cut on field terminators."""
    out = []
    s = start
    while s < end:
        t = data.find(b"\x1e", s, end)
        if t == -1:
            out.append((s, end))
            break
        out.append((s, t))
        s = t + 1
    return out


def _field(tag: str, text: str) -> Field:
    """A field from its text: data (a control field, or any field without subfields), or
    two indicators and the subfields (code, value); empty subfields are dropped."""
    k = text.find("\x1f")
    if k == -1:
        return Field(tag, text)  # a data field without subfields is kept as data: nothing lost
    return Field(tag, None, text[0:1] if k else " ", text[1:2] if k > 1 else " ",
                 _subfields(text, k))


def _languages(tags: list[str], fields: list[bytes], flavour: str) -> tuple[str, ...]:
    """Language codes (ASCII) of the record, to tell Ukrainian Windows-1251 from KZ-1048."""
    tag = "101" if flavour == UNIMARC else "041"
    out = []
    for t, raw in zip(tags, fields):
        if t == tag:
            for part in raw.split(b"\x1f")[1:]:
                if part[:1] == b"a":
                    out.append(part[1:4].decode("latin-1").lower())
    return tuple(out)
