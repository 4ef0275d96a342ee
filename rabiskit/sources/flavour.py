"""Which MARC family a record belongs to: the UNIMARC family, MARC 21, or IRBIS-native.

Decided from the record itself: UNIMARC records carry 100 (general processing data,
$a starting with a YYYYMMDD date) and 200 (title); MARC 21 records carry 008 and 245.
IRBIS-64 records in IRBIS's own scheme carry 920 (worksheet) or 907 (technology) and no
100$a (``is_irbis_native``); IRBIS plain-text exports are always IRBIS-native.
"""

from __future__ import annotations

import re
from itertools import repeat
from typing import Sequence

from rabiskit.records.record import IRBIS, MARC21, UNIMARC, Record

_DATE8 = re.compile(r"^\d{8}")

_UNIMARC_TAGS = {"101": 1, "102": 1, "200": 3, "210": 1, "215": 1, "225": 1, "300": 0, "463": 1,
                 "606": 0, "700": 0, "801": 1}
_MARC21_TAGS = {"008": 3, "020": 1, "040": 1, "041": 1, "100": 0, "245": 3, "260": 1, "264": 1,
                "300": 1, "650": 1, "773": 1}


# each tag's weight in ``score``: UNIMARC minus MARC 21
_WEIGHTS = {t: _UNIMARC_TAGS.get(t, 0) - _MARC21_TAGS.get(t, 0)
            for t in (*_UNIMARC_TAGS, *_MARC21_TAGS)}


def score(tags: set[str], field100a: str | None, has_008_control: bool = False) -> int:
    """Positive: UNIMARC; negative: MARC 21; 0: cannot tell.  (008 counts as a tag;
    ``has_008_control`` adds nothing of its own.)"""
    s = sum(map(_WEIGHTS.get, tags, repeat(0)))
    if dated_100a(field100a):
        s += 3
    return s


def dated_100a(field100a: str | None) -> bool:
    """100$a as UNIMARC writes it: a YYYYMMDD date, and at least 22 characters."""
    return field100a is not None and _DATE8.match(field100a) is not None and len(field100a) >= 22


def record_flavour(tags: Sequence[str], field100a: str | None, leader: str) -> str:
    """The flavour of a record read from ISO 2709 (its tags in order, 100$a, the leader):
    by its fields (``score``), else by leader/09 ('a', Unicode: MARC 21); a record of the
    UNIMARC family in IRBIS's own scheme is IRBIS (``is_irbis_native``).  It depends on
    100$a only through ``dated_100a`` and whether there is one, and on the leader only
    through leader/09."""
    sc = score(set(tags), field100a)
    flavour = UNIMARC if sc > 0 else MARC21 if sc < 0 else (
        MARC21 if leader[9:10] == "a" else UNIMARC)
    if flavour == UNIMARC and is_irbis_native(tags, field100a is not None):
        flavour = IRBIS
    return flavour


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
