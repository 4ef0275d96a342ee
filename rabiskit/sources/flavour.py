"""Which MARC family a record belongs to: the UNIMARC family or MARC 21.

Decided from the record itself: UNIMARC records carry 100 (general processing data,
$a starting with a YYYYMMDD date) and 200 (title); MARC 21 records carry 008 and 245.
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
