"""IRBIS-64 native records for the regional library: as IRBIS ISO 2709, or converted to RUSMARC.

``to_rusmarc`` converts one IRBIS-native record (flavour ``irbis``) to a RUSMARC record
the regional library's RUSMARC catalogue can import:

| IRBIS | RUSMARC |
|---|---|
| 920 worksheet | leader/07: ASP, AUNTD ``a``; J, NJ ``s``; others ``m`` |
| 900 ^T record type | leader/06 (``a`` when absent) |
| first 907 ^A (else 910 ^C): date entered | 100$a/0-7, with 100$a built whole (below) |
| 903 (the record's key in the IRBIS database) | 001 |
| 10 ^A ISBN, ^D price | 010 $a, $d |
| 101 languages | 101 ind1 0 $a (one per language) |
| 200 ^A ^E ^F ^G ^H ^I ^V | 200 ind1 1 $a $e $f $g $h $i $v |
| 210 ^A place, ^C publisher, ^D year | 210 $a $c $d |
| 215 ^A with its unit ^1, ^C, ^D, ^E | 215 $a ("212 б."), $c, $d, $e |
| 700, 701 ^A ^B ^G ^C ^F ^4 | 700, 701 ind2 1 $a $b $g $c $f $4 |
| 463 ^C host title, ^J year, ^H issue, ^S or ^V pages | 463 ind2 1 $t, $d, $h, $v |
| 951 ^I URL, ^A file name | 856 ind1 4 $u, $f |
| 856 | 856 as it is |

100$a (36 characters): date entered; ``d`` (``a`` for serials); the year of publication
(210 ^D, of an article its host's 463 ^J) and four blanks; target audience ``u``
(unknown); government publication ``u``; modified record ``0``; language of cataloguing
``und`` (IRBIS does not record it); transliteration ``y``; character set ``50`` (the
file is UTF-8); script of the title ``ca`` (Cyrillic) or ``ba`` (Latin).

Everything else is not converted and is listed (``not_converted``): the rest of 907 (the
operator ^B and the stage ^C), 910 copies, subject fields (606, 610, 621, 675, 964...),
other IRBIS-local fields.  RUSMARC records and MARC 21 records are not touched.
"""

from __future__ import annotations

import dataclasses
import re

from rabiskit.facts.parse import parse_yyyymmdd
from rabiskit.records import Field, Record, SourceRecord
from rabiskit.records.record import IRBIS, UNIMARC
from rabiskit.sources import irbis_fields

#: IRBIS tags whose content the conversion carries over whole
CONVERTED_TAGS = frozenset({"001", "010", "101", "200", "210", "215", "463", "700", "701", "856",
                            "900", "903", "920", "951"})
_YEAR = re.compile(r"\d{4}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _subs(f: Field | None, mapping: str) -> list[tuple[str, str]]:
    """The subfields of ``f`` whose codes are in ``mapping`` (same code in RUSMARC), in order."""
    if f is None or f.data is not None:
        return []
    return [(c, v) for c, v in f.subfields if c in mapping and v.strip()]


def rusmarc_100a(date_entered: str, serial: bool, year: str | None, title: str) -> str:
    """RUSMARC 100$a (36 characters) for a record converted from IRBIS."""
    y = (year or "").ljust(4)[:4]
    script = "ca" if _CYRILLIC.search(title or "") else "ba"
    value = (f"{date_entered}{'a' if serial else 'd'}{y}    u  u0undy50      {script}")
    assert len(value) == 36, value
    return value


def to_rusmarc(src: SourceRecord) -> tuple[SourceRecord, list[str]]:
    """(the record in RUSMARC, the tags of the IRBIS record not converted); records of other
    flavours come back as they are, with nothing listed."""
    if src.flavour != IRBIS:
        return src, []
    rec = src.record
    level = irbis_fields.bibliographic_level(rec) or "m"
    rtype = irbis_fields.record_type(rec) or "a"
    fields: list[Field] = []
    key = rec.get_field("903")
    ident = rec.control("001") or (irbis_fields.field_value(key) if key is not None else "")
    if ident:
        fields.append(Field("001", data=ident))
    for f in rec.get_fields("010"):
        subs = _subs(f, "ad")
        if subs:
            fields.append(Field("010", subfields=subs))
    text, _ = irbis_fields.date_entered_text(rec)
    d, _ = parse_yyyymmdd(text)
    year = None
    f210 = rec.get_field("210")
    for v in ((f210.get("d") if f210 is not None and f210.data is None else None),
              rec.subfield("463", "j")):
        m = _YEAR.search(v or "")
        if m:
            year = m.group(0)
            break
    title = rec.subfield("200", "a") or ""
    date8 = d.strftime("%Y%m%d") if d is not None else " " * 8
    fields.append(Field("100", subfields=[("a", rusmarc_100a(date8, level == "s", year, title))]))
    langs = irbis_fields.languages(rec)
    if langs:
        fields.append(Field("101", ind1="0", subfields=[("a", v) for v in langs]))
    for f in rec.get_fields("200"):
        subs = _subs(f, "aefghiv")
        if subs:
            fields.append(Field("200", ind1="1", subfields=subs))
    for f in rec.get_fields("210"):
        subs = _subs(f, "acd")
        if subs:
            fields.append(Field("210", subfields=subs))
    for f in rec.get_fields("215"):
        if f.data is not None:
            continue
        extent = " ".join(x for x in ((f.get("a") or "").strip(), (f.get("1") or "").strip()) if x)
        subs = ([("a", extent)] if extent else []) + _subs(f, "cde")
        if subs:
            fields.append(Field("215", subfields=subs))
    for tag in ("700", "701"):
        for f in rec.get_fields(tag):
            subs = _subs(f, "abgcf4")
            if subs:
                fields.append(Field(tag, ind2="1", subfields=subs))
    for f in rec.get_fields("463"):
        if f.data is not None:
            continue
        subs = []
        for src_code, code in (("c", "t"), ("j", "d"), ("h", "h")):
            v = (f.get(src_code) or "").strip()
            if v:
                subs.append((code, v))
        pages = (f.get("s") or f.get("v") or "").strip()
        if pages:
            subs.append(("v", pages))
        if subs:
            fields.append(Field("463", ind2="1", subfields=subs))
    for f in rec.get_fields("951"):
        subs = [(code, (f.get(src_code) or "").strip()) for src_code, code in (("i", "u"), ("a", "f"))]
        subs = [(c, v) for c, v in subs if v]
        if subs:
            fields.append(Field("856", ind1="4", subfields=subs))
    fields.extend(f for f in rec.get_fields("856") if f.data is None)
    leader = f"00000n{rtype}{level}  2200000 i 450 "
    not_converted = sorted({f.tag for f in rec.fields if f.tag not in CONVERTED_TAGS})
    converted = dataclasses.replace(src, record=Record(leader, fields), flavour=UNIMARC,
                                    encoding="utf-8", raw=None, damaged=False)
    return converted, not_converted


def irbis_for_iso(record: Record) -> tuple[Record, list[str]]:
    """An IRBIS-native record (e.g. read from a plain-text export) laid out as IRBIS writes
    ISO 2709: two blank indicators before the bare value of a data field; fields whose tag
    ISO 2709 cannot hold (IRBIS allows tags over 999) are left out and named."""
    fields = []
    left_out = []
    for f in record.fields:
        if len(f.tag) != 3:
            left_out.append(f.tag)
            continue
        if f.data is not None and f.tag >= "010":
            fields.append(Field(f.tag, data="  " + f.data))
        else:
            fields.append(f)
    return Record(record.leader, fields), left_out
