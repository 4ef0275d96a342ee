"""Writing records as ISO 2709 (the exchange format of RABIS, IRBIS-64 and every ILS).

A record is a 24-byte leader, a directory of 12-byte entries (tag, 4-digit field
length, 5-digit start relative to the base address) closed by 0x1E, the fields (each
closed by 0x1E; data fields are two indicators then subfields, each introduced by
0x1F and a one-character code) and a final 0x1D.  All lengths and positions count
bytes *after* encoding.

Encodings: ``utf-8``, ``cp1251``, ``kz1048``, ``cp866`` and ``marc-8``.  MARC-8 is
written with the LC escape sequences: basic Cyrillic through ``ESC ( N`` (back to
basic Latin with ``ESC ( B``), extended Cyrillic (ё, і, ў, ...) through ``ESC ) Q``
(back to ANSEL with ``ESC ) E``), and Latin letters with diacritics as ANSEL combining
marks placed *before* the base letter.  The tables are pymarc's (``pymarc.marc8_mapping``)
reversed, so whatever this module writes pymarc's MARC-8 decoder reads back.  As in
LC's own Cyrillic records, a space inside Cyrillic text stays in the Cyrillic set
(0x20 is a space in every set; pymarc's decoder reads it right but warns unless quiet).
Every subfield (and control field) starts and ends in the default sets (basic Latin,
ANSEL), so each is decodable on its own.

What the writer does not decide: the *declared* character set (MARC 21 leader/09,
UNIMARC 100$a/26-29) is copied from the record as it is; call
``set_declared_encoding`` first to make it agree with the bytes being written.  The
leader's record length (0-4), indicator and subfield-code counts (10-11, "22"), base
address (12-16) and entry map (20-23, "4500") are always computed.

Errors are ``ValueError`` (``UnicodeEncodeError`` is one) naming the field: a
character the encoding cannot hold, a structural byte (0x1D, 0x1E, 0x1F) inside field
text, a bad tag or indicator, a field over 9,999 bytes or a record over 99,999 bytes.
"""

from __future__ import annotations

import copy
import os
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from rabiskit.atomic import atomic_path
from rabiskit.records.record import IRBIS, MARC21, UNIMARC, Field, Record

RECORD_TERMINATOR = b"\x1d"
FIELD_TERMINATOR = b"\x1e"
SUBFIELD_DELIMITER = b"\x1f"

MAX_FIELD_LENGTH = 9999
MAX_RECORD_LENGTH = 99999

#: accepted spellings -> the canonical encoding names used across rabiskit
_ENCODING_NAMES = {
    "utf-8": "utf-8", "utf8": "utf-8",
    "cp1251": "cp1251", "windows-1251": "cp1251", "win1251": "cp1251",
    "kz1048": "kz1048", "kz-1048": "kz1048", "strk1048": "kz1048", "rk1048": "kz1048",
    "cp866": "cp866", "ibm866": "cp866",
    "marc-8": "marc-8", "marc8": "marc-8",
}

#: UNIMARC 100$a/26-29 per encoding.  "50" is ISO 10646 (UTF-8).  "0189" (cp1251) and
#: "0179" (cp866) are what Russian RUSMARC exports carry: the NLR file
#: loge-gh_rusmarc/TEST1.ISO (Windows-1251) says "0189" in all 81 records,
#: AleksST_marc/stav6.mrc (CP866) says "0179".  KZ-1048 and MARC-8 have no code.
UNIMARC_CHARSET_CODES = {"utf-8": "50  ", "cp1251": "0189", "cp866": "0179"}


def normalise_encoding(encoding: str) -> str:
    """The canonical name ('utf-8', 'cp1251', 'kz1048', 'cp866', 'marc-8'); ValueError otherwise."""
    key = encoding.strip().lower().replace("_", "-")
    if key not in _ENCODING_NAMES:
        raise ValueError(f"unsupported encoding {encoding!r}; use one of: utf-8, cp1251, kz1048, "
                         "cp866, marc-8")
    return _ENCODING_NAMES[key]


# --------------------------------------------------------------------------- MARC-8

_ESC = 0x1B
_G0_LATIN = 0x42  # ESC ( B
_G0_CYRILLIC = 0x4E  # ESC ( N
_G1_ANSEL = 0x45  # ESC ) E
_G1_EXT_CYRILLIC = 0x51  # ESC ) Q


class _Marc8Tables:
    """Unicode -> byte tables for the sets the encoder uses, reversed from pymarc."""

    def __init__(self) -> None:
        from pymarc import marc8_mapping as m

        def reverse(table: dict, lo: int, hi: int, combining: bool | None = None) -> dict[str, int]:
            out: dict[str, int] = {}
            for byte, (code_point, flag) in sorted(table.items()):
                if not lo <= byte <= hi:
                    continue
                if combining is not None and bool(flag) != combining:
                    continue
                out.setdefault(chr(code_point), byte)
            return out

        self.latin = reverse(m.CODESETS[_G0_LATIN], 0x20, 0x7E)
        self.cyrillic = reverse(m.CODESETS[_G0_CYRILLIC], 0x21, 0x7E)
        self.ansel = reverse(m.CODESETS[_G1_ANSEL], 0xA1, 0xFE, combining=False)
        self.ansel_combining = reverse(m.CODESETS[_G1_ANSEL], 0xA1, 0xFE, combining=True)
        self.ext_cyrillic = reverse(m.CODESETS[_G1_EXT_CYRILLIC], 0xA1, 0xFE)
        # characters that are the same byte in both G0 sets need no escape either way
        self.shared = {c: b for c, b in self.latin.items() if self.cyrillic.get(c) == b}
        self.shared[" "] = 0x20


@lru_cache(maxsize=1)
def _marc8_tables() -> _Marc8Tables:
    return _Marc8Tables()


def encode_marc8(text: str) -> bytes:
    """``text`` as MARC-8 bytes, starting and ending in basic Latin + ANSEL.

    Raises ValueError naming the first character MARC-8 cannot hold (e.g. Kazakh ә, қ)."""
    t = _marc8_tables()
    out = bytearray()
    g0 = _G0_LATIN
    g1 = _G1_ANSEL

    def put_g0(char: str) -> bool:
        nonlocal g0
        if char in t.shared:
            out.append(t.shared[char])
            return True
        for table, charset in ((t.latin, _G0_LATIN), (t.cyrillic, _G0_CYRILLIC)):
            if char in table:
                if g0 != charset:
                    out.extend((_ESC, 0x28, charset))
                    g0 = charset
                out.append(table[char])
                return True
        return False

    def put_g1(char: str, table: dict[str, int], charset: int) -> bool:
        nonlocal g1
        if char not in table:
            return False
        if g1 != charset:
            out.extend((_ESC, 0x29, charset))
            g1 = charset
        out.append(table[char])
        return True

    def put_char(char: str) -> bool:
        return (put_g0(char) or put_g1(char, t.ansel, _G1_ANSEL)
                or put_g1(char, t.ext_cyrillic, _G1_EXT_CYRILLIC))

    text = unicodedata.normalize("NFC", text)
    i = 0
    n = len(text)
    while i < n:
        # a cluster: one base character and the combining marks that follow it
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        i = j
        if len(cluster) == 1 and put_char(cluster):
            continue
        decomposed = unicodedata.normalize("NFD", cluster)
        base, marks = decomposed[0], decomposed[1:]
        if unicodedata.combining(base):
            raise ValueError(f"MARC-8 cannot hold a combining mark with no base letter ({base!r})")
        if not marks or any(m not in t.ansel_combining for m in marks):
            codes = " ".join(f"U+{ord(c):04X}" for c in cluster)
            raise ValueError(f"MARC-8 cannot hold the character {cluster!r} ({codes})")
        for mark in marks:  # ANSEL: diacritics come before the letter they sit on
            put_g1(mark, t.ansel_combining, _G1_ANSEL)
        if not put_char(base):
            raise ValueError(f"MARC-8 cannot hold the character {base!r} (U+{ord(base):04X})")
    if g0 != _G0_LATIN:
        out.extend((_ESC, 0x28, _G0_LATIN))
    if g1 != _G1_ANSEL:
        out.extend((_ESC, 0x29, _G1_ANSEL))
    return bytes(out)


# --------------------------------------------------------------------------- records

def encode_text(text: str, encoding: str) -> bytes:
    """Field text as bytes in ``encoding`` (canonical name); ValueError when it cannot be."""
    if encoding == "marc-8":
        for ch in text:
            if ord(ch) < 0x20:
                raise ValueError(f"MARC-8 cannot hold the control character U+{ord(ch):04X}")
        return encode_marc8(text)
    data = text.encode(encoding)  # strict: UnicodeEncodeError (a ValueError) names the character
    if b"\x1d" in data or b"\x1e" in data or b"\x1f" in data:
        raise ValueError("field text contains an ISO 2709 delimiter byte (0x1D, 0x1E or 0x1F)")
    return data


def _ascii1(value: str, what: str, tag: str) -> str:
    value = value if value else " "
    if len(value) != 1 or not value.isascii() or value in "\x1d\x1e\x1f":
        raise ValueError(f"field {tag}: {what} must be one ASCII character, not {value!r}")
    return value


def field_bytes(fld: Field, encoding: str = "utf-8") -> bytes:
    """One field's bytes, field terminator included (what the directory's length counts)."""
    enc = normalise_encoding(encoding)
    tag = fld.tag
    try:
        if fld.data is not None:
            return encode_text(fld.data, enc) + FIELD_TERMINATOR
        out = bytearray()
        out += _ascii1(fld.ind1, "indicator 1", tag).encode("ascii")
        out += _ascii1(fld.ind2, "indicator 2", tag).encode("ascii")
        for code, value in fld.subfields:
            out += SUBFIELD_DELIMITER + _ascii1(code, "a subfield code", tag).encode("ascii")
            out += encode_text(value, enc)
        out += FIELD_TERMINATOR
        return bytes(out)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end]
        raise ValueError(f"field {tag}: {enc} cannot hold the character {bad!r}"
                         f" (U+{ord(bad[0]):04X})") from None
    except ValueError as exc:
        if str(exc).startswith(f"field {tag}:"):
            raise
        raise ValueError(f"field {tag}: {exc}") from None


def _check_tag(tag: str) -> bytes:
    if len(tag) != 3 or not tag.isascii() or not tag.isprintable():
        raise ValueError(f"a tag must be three ASCII characters, not {tag!r}")
    return tag.encode("ascii")


def encode_record(record: Record, encoding: str = "utf-8") -> bytes:
    """``record`` as one ISO 2709 record in ``encoding`` (see the module docstring)."""
    enc = normalise_encoding(encoding)
    leader = (record.leader or "").ljust(24)[:24]
    if not leader.isascii():
        raise ValueError(f"the leader must be ASCII: {record.leader!r}")
    directory = bytearray()
    body = bytearray()
    for fld in record.fields:
        tag = _check_tag(fld.tag)
        data = field_bytes(fld, enc)
        if len(data) > MAX_FIELD_LENGTH:
            raise ValueError(f"field {fld.tag} is {len(data)} bytes; ISO 2709 allows at most "
                             f"{MAX_FIELD_LENGTH}: split it into repeated fields")
        directory += tag + b"%04d%05d" % (len(data), len(body))
        body += data
    directory += FIELD_TERMINATOR
    base = 24 + len(directory)
    length = base + len(body) + 1
    if length > MAX_RECORD_LENGTH:
        raise ValueError(f"the record is {length} bytes; ISO 2709 allows at most {MAX_RECORD_LENGTH}")
    head = f"{length:05d}{leader[5:10]}22{base:05d}{leader[17:20]}4500".encode("ascii")
    return head + bytes(directory) + bytes(body) + RECORD_TERMINATOR


def set_declared_encoding(record: Record, flavour: str, encoding: str) -> Record:
    """A copy of ``record`` whose character-set declaration says ``encoding``.

    MARC 21: leader/09 'a' for UTF-8, blank otherwise.  UNIMARC family: 100$a/26-29
    "50  " for UTF-8, "0189" for cp1251, "0179" for cp866 (the codes Russian RUSMARC
    exports use); the value is padded with blanks when shorter than 30 characters.
    A UNIMARC record without 100$a is returned unchanged (no date is invented), and so is
    an IRBIS-native record (IRBIS declares no character set).
    ValueError for an encoding UNIMARC has no code for (kz1048, marc-8)."""
    enc = normalise_encoding(encoding)
    new = Record(leader=record.leader, fields=copy.deepcopy(record.fields))
    if flavour == MARC21:
        leader = new.leader.ljust(24)
        new.leader = leader[:9] + ("a" if enc == "utf-8" else " ") + leader[10:]
        return new
    if flavour == IRBIS:
        return new  # IRBIS-native records declare no character set
    if flavour != UNIMARC:
        raise ValueError(f"unknown flavour {flavour!r}")
    if enc not in UNIMARC_CHARSET_CODES:
        raise ValueError(f"UNIMARC 100$a has no character-set code for {enc}")
    code = UNIMARC_CHARSET_CODES[enc]
    for fld in new.fields:
        if fld.tag != "100" or fld.data is not None:
            continue
        for k, (sub, value) in enumerate(fld.subfields):
            if sub == "a":
                value = value.ljust(30)
                fld.subfields[k] = ("a", value[:26] + code + value[30:])
                return new
    return new


def write_iso2709(records: Iterable[Record], path: str | Path, encoding: str = "utf-8") -> int:
    """Write ``records`` to ``path`` atomically; return how many were written.

    The bytes go to a temporary file in the same folder, which replaces ``path`` only
    when every record was written; on any error the temporary file is removed and
    ``path`` is left as it was."""
    enc = normalise_encoding(encoding)
    count = 0
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            for rec in records:
                fh.write(encode_record(rec, enc))
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
    return count


__all__ = ["encode_marc8", "encode_record", "encode_text", "field_bytes", "normalise_encoding",
           "set_declared_encoding", "write_iso2709", "UNIMARC_CHARSET_CODES"]
