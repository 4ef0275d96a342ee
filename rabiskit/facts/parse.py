"""Small parsers for the text of catalogue fields: dates, extents, page ranges, language codes.

Plain functions with no knowledge of records, so that they are easy to test one by one.
"""

from __future__ import annotations

import datetime as dt
import re

from rabiskit.i18n import N_

# MARC 21 008/00-05 holds a two-digit year.  MARC records began in the late 1960s, so
# 60-99 are read as 1960-1999 and 00-59 as 2000-2059 (a fixed pivot: results do not
# change with the day the program runs).
CENTURY_PIVOT = 60


def parse_yyyymmdd(text: str | None) -> tuple[dt.date | None, str | None]:
    """'20260115' -> (date(2026, 1, 15), None); bad text -> (None, reason)."""
    if text is None:
        return None, N_("missing")
    t = text[:8]
    if len(t) < 8 or not t.isdigit():
        if not t.strip() or set(t) <= {"0", " ", "|", "#"}:
            return None, N_("missing")
        return None, N_("invalid date {t!r}").format(t=t)
    try:
        return dt.date(int(t[:4]), int(t[4:6]), int(t[6:8])), None
    except ValueError:
        return None, N_("invalid date {t!r}").format(t=t)


def parse_yymmdd(text: str | None) -> tuple[dt.date | None, str | None]:
    """MARC 21 008/00-05 'yymmdd' with the fixed century pivot."""
    if text is None:
        return None, N_("missing")
    t = text[:6]
    if len(t) < 6 or not t.isdigit():
        if not t.strip() or set(t) <= {"0", " ", "|", "#"}:
            return None, N_("missing")
        return None, N_("invalid date {t!r}").format(t=t)
    yy = int(t[:2])
    year = 1900 + yy if yy >= CENTURY_PIVOT else 2000 + yy
    try:
        return dt.date(year, int(t[2:4]), int(t[4:6])), None
    except ValueError:
        return None, N_("invalid date {t!r}").format(t=t)


def parse_005(text: str | None) -> dt.datetime | None:
    """005 'YYYYMMDDhhmmss.f' -> datetime (seconds precision), None when unusable."""
    if not text:
        return None
    t = text.strip()
    digits = t.split(".")[0]
    if len(digits) < 8 or not digits[:8].isdigit():
        return None
    try:
        if len(digits) >= 14 and digits[:14].isdigit():
            return dt.datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]),
                               int(digits[8:10]), int(digits[10:12]), int(digits[12:14]))
        return dt.datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


_PAGE_UNIT = re.compile(
    r"(?<![^\W\d_])(?:с|c|б|p|pp|s|S|стр|бет|pages?|л|S\.)\.?(?![^\W\d_])", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")


def pages_from_extent(text: str | None) -> int | None:
    """Page count of an extent statement: '382, [2] с.' -> 384, '256 б.' -> 256,
    '256 p.' -> 256, 'xii, 256 p.' -> 256 (roman-numbered front matter is not counted).
    None when the extent names no pages (e.g. '1 электрон. опт. диск')."""
    if not text:
        return None
    m = _PAGE_UNIT.search(text)
    if m is None:
        return None
    head = text[:m.start()]
    # only the pagination sequence right before the unit: numbers, commas, brackets
    seq = re.search(r"[\d\s,\[\]]+$", head)
    if seq is None:
        return None
    nums = [int(n) for n in _NUMBER.findall(seq.group(0))]
    if not nums:
        return None
    total = sum(nums)
    return total if 0 < total < 100_000 else None


_RANGE = re.compile(
    r"(?:(?<=[\s,.;:(])|^)(?:pp|стр|бет|[СсБбPpSs])\.?\s*(\d+)(?:\s*[-–—]\s*(\d+))?",
    re.IGNORECASE)


def article_pages(text: str | None) -> int | None:
    """Pages of an article from its page range: 'Б. 3-4' -> 2, 'С. 260-261' -> 2, 'P. 5' -> 1,
    'Vol. 5, no. 3 (2020), p. 12-15' -> 4.  None when no range is found."""
    if not text:
        return None
    found = None
    for m in _RANGE.finditer(text):
        found = m
    if found is None:
        return None
    start = int(found.group(1))
    end = int(found.group(2)) if found.group(2) else start
    if end < start:
        # '260-61' style abbreviated end
        digits = len(found.group(2))
        end = int(str(start)[:-digits] + found.group(2)) if digits < len(str(start)) else end
    if end < start or end - start > 5000:
        return None
    return end - start + 1


def split_language_codes(value: str | None) -> list[str]:
    """'kaz' -> ['kaz']; 'kazrus' (old concatenated form) -> ['kaz', 'rus']; blanks ignored."""
    if not value:
        return []
    v = value.strip().lower()
    if not v or set(v) <= {"|", " ", "#", "-"}:
        return []
    if len(v) > 3 and len(v) % 3 == 0 and v.isalpha():
        return [v[i:i + 3] for i in range(0, len(v), 3)]
    return [v]


def clean_title(value: str | None) -> str | None:
    """Strip ISBD end punctuation (' /', ' :', ' ;', ' =', '.') and blanks."""
    if value is None:
        return None
    t = value.strip()
    if t and t[-1] not in "/:;=,.":  # (nothing at its end to strip: the usual title)
        return t
    t = _TITLE_END.sub("", t)
    return t or None


_TITLE_END = re.compile(r"[\s/:;=,.]+$")
