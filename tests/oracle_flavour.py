"""Which MARC family a record belongs to: the UNIMARC family, MARC 21, or IRBIS-native.

Decided from the record itself: UNIMARC records carry 100 (general processing data,
$a starting with a YYYYMMDD date) and 200 (title); MARC 21 records carry 008 and 245.
IRBIS-64 records in IRBIS's own scheme carry 920 (worksheet) or 907 (technology) and no
100$a (``is_irbis_native``); IRBIS plain-text exports are always IRBIS-native.
"""

from __future__ import annotations

import re

from rabiskit.records.record import MARC21, UNIMARC, Record

_DATE8 = re.compile(r"^\d{8}")

_UNIMARC_TAGS = {"101": 1, "102": 1, "200": 3, "210": 1, "215": 1, "225": 1, "300": 0, "463": 1,
                 "606": 0, "700": 0, "801": 1}
_MARC21_TAGS = {"008": 3, "020": 1, "040": 1, "041": 1, "100": 0, "245": 3, "260": 1, "264": 1,
                "300": 1, "650": 1, "773": 1}


def score(tags: set[str], field100a: str | None, has_008_control: bool) -> int:
    """Positive: UNIMARC; negative: MARC 21; 0: cannot tell."""
    s = 0
    for t in tags:
        s += _UNIMARC_TAGS.get(t, 0)
        s -= _MARC21_TAGS.get(t, 0)
    if field100a is not None and _DATE8.match(field100a) and len(field100a) >= 22:
        s += 3
    if has_008_control:
        s -= 0  # already counted through the tag
    return s


def detect_flavour(record: Record, default: str = UNIMARC) -> tuple[str, str]:
    """Return (flavour, reason)."""
    tags = {f.tag for f in record.fields}
    f100a = None
    f100 = record.get_field("100")
    if f100 is not None and not f100.is_control:
        f100a = f100.get("a")
    s = score(tags, f100a, "008" in tags)
    if s > 0:
        return UNIMARC, "fields 100/200 (UNIMARC family)"
    if s < 0:
        return MARC21, "fields 008/245 (MARC 21)"
    return default, f"no telling fields; assumed {default}"


# -- IRBIS-64 native records ---------------------------------------------------------------
#: Fields only IRBIS-native records carry: 920 (the worksheet) and 907 (technology: who
#: entered or changed the record, and when).
IRBIS_TAGS = ("920", "907")


def is_irbis_native(tags, has_100a: bool) -> bool:
    """Whether a record of the UNIMARC family (by ``score``) is IRBIS-native (IRBIS's own
    field scheme, not converted to RUSMARC): it has 920 or 907 and no 100$a.  A RUSMARC
    record written by IRBIS keeps its 100$a and stays UNIMARC; MARC 21 records with local
    907/920 fields (common in MARC 21 systems) are never asked."""
    return not has_100a and any(t in tags for t in IRBIS_TAGS)


def irbis_record(record: Record) -> Record:
    """The record as IRBIS means it: subfield codes in lower case (IRBIS does not tell
    ``^A`` from ``^a``), and a data field without subfields (101, 920...) holding its bare
    value, without the two indicator positions ISO 2709 puts before it."""
    fields = []
    for f in record.fields:
        if f.data is not None:
            data = f.data
            if f.tag >= "010" and len(data) >= 2 and data[:2].strip() == "":
                data = data[2:]
            fields.append(type(f)(f.tag, data=data))
        elif any(c != c.lower() for c, _ in f.subfields):
            fields.append(type(f)(f.tag, ind1=f.ind1, ind2=f.ind2,
                                  subfields=[(c.lower(), v) for c, v in f.subfields]))
        else:
            fields.append(f)
    return Record(record.leader, fields)
