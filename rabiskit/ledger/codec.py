"""How a record is identified and stored in the ledger.

* ``record_checksum(record)``: SHA-256 of a canonical serialisation of the decoded record
  (the leader without the positions every writer recomputes - record length 0-4, counts
  10-11, base address 12-16, entry map 20-23 - then every field in order).  The same
  record read from ISO 2709 or from MARCXML, or written by another program with other
  lengths, gets the same checksum; any change of content gives another.
* ``record_key(control_number, checksum)``: the control number (001, blanks trimmed), or
  ``sha256:`` and the first 32 hex digits of the checksum for a record without 001 (such
  a record, once edited, is a new record to the ledger: it has no other identity).
* ``facts_row`` / ``row_facts``: RecordFacts to the ``records`` table's columns and back,
  losslessly (tuples as JSON lists, dates as ISO text).
* ``record_row(src, facts)``: what an import stores of a record read from an export, as one
  tuple of plain values in ``ROW_COLUMNS`` order (computed where the record was read: a
  worker process reading a block), the same values ``facts_row`` and ``stored_form`` give.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import struct
from dataclasses import dataclass
import zlib
from typing import Any, Mapping

from rabiskit.facts.model import RecordFacts
from rabiskit.records.record import Field, Record

NO_001_PREFIX = "sha256:"


def _field_texts(fields) -> list[str]:
    """Each field as the canonical bytes and the stored text write it: the tag and ``=``
    and the data, or the tag, the indicators and each subfield's 0x1F, code and value."""
    return [f"{f.tag}={f.data}" if f.data is not None else
            f.tag + f.ind1 + f.ind2 + "".join([f"\x1f{code}{value}" for code, value in f.subfields])
            for f in fields]


def _canonical(leader: str | None, texts: list[str]) -> bytes:
    leader = (leader or "").ljust(24)
    # blank the positions writers compute: 0-4, 10-11, 12-16, 20-23
    head = "     " + leader[5:10] + "       " + leader[17:20] + "    " + leader[24:]
    return "\x1e".join([head, *texts]).encode("utf-8", "surrogatepass")


def canonical_bytes(record: Record) -> bytes:
    """The record's content as bytes, independent of encoding and file layout."""
    return _canonical(record.leader, _field_texts(record.fields))


def record_checksum(record: Record) -> str:
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


#: the JSON text of a stored record: compact, letters as they are (one encoder, not one a
#: record as ``json.dumps`` with options builds)
_RECORD_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False,
                                separators=(",", ":")).encode


def record_text(record: Record) -> bytes:
    """The record (leader and fields, losslessly) as the ledger stores it, uncompressed.

    The record's own form where it can be written so (schema 2): the leader, then for each
    field 0x1E, the tag and either ``=`` and the data (a control field) or the two
    indicators and the subfields, each 0x1F, the code and the value: the record's bytes
    without the directory, as ``canonical_bytes`` writes them but with the whole leader.
    That needs a leader of 24 characters not beginning with ``{``, tags of three
    characters, one-character indicators and codes, at least one subfield in a data field
    and no 0x1E or 0x1F in any text: every record of an ISO 2709 export the block path
    settles, and most others.  Any other record as a JSON object (``{"leader": ..,
    "fields": [[tag, data] or [tag, ind1, ind2, [[code, value], ..]], ..]}``: the only form
    of schema 1, read as before).  UTF-8 (lone surrogates passed through)."""
    return _record_text(record, _field_texts(record.fields))


def _record_text(record: Record, texts: list[str]) -> bytes:
    """``record_text`` of a record whose ``_field_texts`` are ``texts``."""
    leader = record.leader or ""
    fields = record.fields
    text = "\x1e".join([leader, *texts])
    # (no separator in a text: one 0x1E a field, one 0x1F a subfield, none else)
    if (len(leader) == 24 and leader[0] != "{" and text.count("\x1e") == len(fields)
            and text.count("\x1f") == sum(len(f.subfields) for f in fields if f.data is None)
            and all(len(f.tag) == 3 and (f.data is not None or (
                f.subfields and len(f.ind1) == 1 and len(f.ind2) == 1
                and all(len(c) == 1 for c, _v in f.subfields))) for f in fields)):
        return text.encode("utf-8", "surrogatepass")
    json_fields = [[f.tag, f.data] if f.data is not None else [f.tag, f.ind1, f.ind2, f.subfields]
                   for f in fields]  # (JSON writes the (code, value) tuples as lists)
    return _RECORD_JSON({"leader": record.leader, "fields": json_fields}).encode(
        "utf-8", "surrogatepass")


def stored_record(record: Record) -> tuple[str, bytes]:
    """(checksum, blob) of a record: the SHA-256 of ``canonical_bytes`` (hex) and
    ``record_blob``, its fields written once for both."""
    texts = _field_texts(record.fields)
    return (hashlib.sha256(_canonical(record.leader, texts)).hexdigest(),
            compress(_record_text(record, texts)))


def record_blob(record: Record) -> bytes:
    """The record as the ledger's ``record_data`` holds it: ``compress(record_text(record))``."""
    return compress(record_text(record))


#: a zlib stream's header (RFC 1950: deflate, 32 KB window, no dictionary, check bits) and
#: a stored block's most bytes (RFC 1951)
_ZLIB_HEADER = b"\x78\x01"
_STORED_MAX = 65535


def compress(text: bytes) -> bytes:
    """A record's text as the ledger stores it (``record_data``): a zlib stream (header
    0x78, as the ledger's check asks, and the Adler-32 of the text at its end, so a damaged
    value does not decompress) of stored deflate blocks, which ``record_from_blob``
    (``zlib.decompress``) reads like any other.  Not deflated: at the speed an import can
    afford (one static Huffman code, ISA-L's level 0, which ledgers of 2026-12 were written
    with) the Kazakh and Russian letters' UTF-8 bytes come out longer than they are, and a
    record's text without its directory is already shorter than its deflated JSON was
    (about 300 bytes of the short benchmark file's records instead of 460); zlib's own
    level 0 does the same but sets up its compressor each time (a few microseconds a
    record).  The bytes are compared by no one, only what they decompress to: ledgers
    written with any level read the same."""
    n = len(text)
    if n > _STORED_MAX:
        return zlib.compress(text, 0)
    return b"".join((_ZLIB_HEADER, _stored_head(1, n, n ^ 0xFFFF), text,
                     zlib.adler32(text).to_bytes(4, "big")))


#: a final stored block's header: BFINAL 1 and BTYPE 00 in one byte, then LEN and NLEN
_stored_head = struct.Struct("<BHH").pack


def compress_all(texts) -> list[bytes]:
    """``compress`` of each of ``texts`` (a block's records)."""
    return list(map(compress, texts))


@dataclass(frozen=True)
class StoredForm:
    """What the ledger keeps of a record read from an export, computed where it was read
    (a worker process reading a block): its checksum, its compressed form (``record_blob``)
    and what the import stores beside it."""

    checksum: str
    blob: bytes
    length: int
    encoding_reason: str
    problems: tuple


def stored_form(src, facts=None) -> StoredForm:
    """The StoredForm of a SourceRecord (``Needs.extract`` of an import: ``facts`` unused)."""
    return StoredForm(*stored_record(src.record), src.length,
                      src.encoding_reason, tuple(src.problems))


def record_from_blob(blob: bytes) -> Record:
    """The record ``record_blob`` stored (either of ``record_text``'s forms)."""
    text = zlib.decompress(blob).decode("utf-8", "surrogatepass")
    if text.startswith("{"):
        d = json.loads(text)
        fields = [Field(f[0], data=f[1]) if len(f) == 2
                  else Field(f[0], ind1=f[1], ind2=f[2], subfields=[(c, v) for c, v in f[3]])
                  for f in d["fields"]]
        return Record(leader=d["leader"], fields=fields)
    parts = text.split("\x1e")
    fields = []
    for t in parts[1:]:
        if "\x1f" in t:  # (tag, two indicators, then 0x1F and the first code)
            fields.append(Field(t[:3], ind1=t[3], ind2=t[4],
                                subfields=[(s[0], s[1:]) for s in t[6:].split("\x1f")]))
        else:  # (tag, '=', the data)
            fields.append(Field(t[:3], data=t[4:]))
    return Record(leader=parts[0], fields=fields)


def record_key(control_number: str | None, checksum: str) -> str:
    cn = (control_number or "").strip()
    return cn if cn else NO_001_PREFIX + checksum[:32]


#: the facts columns of the ``records`` table, in RecordFacts order
FACT_COLUMNS = (
    "file", "record", "offset", "control_number", "flavour", "encoding", "record_status",
    "record_type", "bibliographic_level", "languages", "language", "languages_coded",
    "date_entered", "date_entered_source", "date_entered_problem", "date_entered_raw",
    "date_changed", "title", "isbn", "links", "extent", "pages", "article_pages", "host_title",
    "damaged", "level", "line",
)

#: facts whose change matters to the counts, and how they are named in reports
COUNTED_FACTS = {"level": "level", "language": "language", "date_entered": "date entered",
                 "record_status": "record status (leader/05)"}


#: JSON text of the languages tuples: most records share a few (("kaz",), ("rus",)), so
#: each is encoded once; bounded (cleared when full)
_LANGUAGES_JSON: dict[tuple, str] = {}
_LANGUAGES_JSON_MAX = 4096


#: ``json.dumps(..., ensure_ascii=False)`` with one encoder (not one a call)
_LIST_JSON = json.JSONEncoder(ensure_ascii=False).encode


#: a character ``json`` escapes (with ``ensure_ascii=False``, only these)
_JSON_ESCAPED = re.compile(r'[\x00-\x1f"\\]').search


def json_list(values: tuple | list) -> str:
    """``json.dumps(list(values), ensure_ascii=False)``: the text of a JSON list column (the
    values, text, written between quotes as they are where none needs escaping)."""
    if not values:
        return "[]"
    if _JSON_ESCAPED("".join(values)) is None:
        return '["' + '", "'.join(values) + '"]'
    return _LIST_JSON(list(values))


def _languages_json(values: tuple) -> str:
    text = _LANGUAGES_JSON.get(values)
    if text is None:
        if len(_LANGUAGES_JSON) >= _LANGUAGES_JSON_MAX:
            _LANGUAGES_JSON.clear()
        text = _LANGUAGES_JSON[values] = json_list(values)
    return text


def facts_row(f: RecordFacts) -> dict[str, Any]:
    """The ``records`` columns for one RecordFacts."""
    de, dc = f.date_entered, f.date_changed
    return {
        "file": f.file, "record": f.record, "offset": f.offset,
        "control_number": f.control_number, "flavour": f.flavour, "encoding": f.encoding,
        "record_status": f.record_status, "record_type": f.record_type,
        "bibliographic_level": f.bibliographic_level,
        "languages": _languages_json(f.languages),
        "language": f.language, "languages_coded": int(f.languages_coded),
        "date_entered": None if de is None else de.isoformat(),
        "date_entered_source": f.date_entered_source,
        "date_entered_problem": f.date_entered_problem, "date_entered_raw": f.date_entered_raw,
        "date_changed": None if dc is None else dc.isoformat(), "title": f.title,
        "isbn": json_list(f.isbn), "links": json_list(f.links),
        "extent": f.extent, "pages": f.pages, "article_pages": f.article_pages,
        "host_title": f.host_title, "damaged": int(f.damaged), "level": f.level, "line": f.line,
    }


def row_facts(row: Mapping[str, Any]) -> RecordFacts:
    """RecordFacts back from a ``records`` row (a sqlite3.Row or a dict)."""
    de = row["date_entered"]
    dc = row["date_changed"]
    return RecordFacts(
        file=row["file"], record=row["record"], offset=row["offset"],
        control_number=row["control_number"], flavour=row["flavour"], encoding=row["encoding"],
        record_status=row["record_status"], record_type=row["record_type"],
        bibliographic_level=row["bibliographic_level"],
        languages=tuple(json.loads(row["languages"])), languages_coded=bool(row["languages_coded"]),
        date_entered=dt.date.fromisoformat(de) if de else None,
        date_entered_source=row["date_entered_source"],
        date_entered_problem=row["date_entered_problem"],
        date_entered_raw=row["date_entered_raw"],
        date_changed=dt.datetime.fromisoformat(dc) if dc else None,
        title=row["title"], isbn=tuple(json.loads(row["isbn"])),
        links=tuple(json.loads(row["links"])), extent=row["extent"], pages=row["pages"],
        article_pages=row["article_pages"], host_title=row["host_title"],
        damaged=bool(row["damaged"]), level=row["level"], line=row["line"],
    )


#: columns that describe the record, not where it was last read from
_LOCATION = {"file", "record", "offset", "line"}
#: the facts ``changed_facts`` compares: all but where the record was read
COMPARED_FACTS = tuple(c for c in FACT_COLUMNS if c not in _LOCATION)


def changed_facts(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Names of the facts that differ between two rows (location columns ignored)."""
    return [c for c in COMPARED_FACTS if c != "languages"
            and old[c] != new[c]] + (["languages"] if old["languages"] != new["languages"]
                                     and old["language"] == new["language"] else [])


#: the record itself and what the reader said about it (for ``ledger_sources``)
RECORD_COLUMNS = ("length", "encoding_reason", "problems", "record_data")
#: what ``record_row`` gives, in order: the columns of a record's row that do not depend on
#: the import (its database, the import's id and time, the file's position are the
#: importer's)
ROW_COLUMNS = ("key", "checksum", "deleted") + FACT_COLUMNS + RECORD_COLUMNS
#: where ``record_row`` puts the record number (renumbered from a block's first record)
#: and the reader's problems (Problem objects, for the importer to renumber and write as JSON)
ROW_RECORD = ROW_COLUMNS.index("record")
ROW_PROBLEMS = ROW_COLUMNS.index("problems")


def record_row(src, facts: RecordFacts) -> tuple:
    """The ``ROW_COLUMNS`` of a SourceRecord and its RecordFacts (``extract`` of a block
    read for an import), but ``problems``: the tuple of the reader's Problems."""
    checksum, blob = stored_record(src.record)
    f = facts
    de, dc = f.date_entered, f.date_changed
    languages = f.languages
    return (
        record_key(f.control_number, checksum), checksum, int(f.record_status == "d"),
        f.file, f.record, f.offset, f.control_number, f.flavour, f.encoding, f.record_status,
        f.record_type, f.bibliographic_level, _languages_json(languages),
        languages[0] if languages else "und", int(f.languages_coded),
        None if de is None else de.isoformat(), f.date_entered_source,
        f.date_entered_problem, f.date_entered_raw, None if dc is None else dc.isoformat(),
        f.title, json_list(f.isbn), json_list(f.links), f.extent, f.pages, f.article_pages,
        f.host_title, int(f.damaged), f.level, f.line,
        src.length, src.encoding_reason, tuple(src.problems), blob)
