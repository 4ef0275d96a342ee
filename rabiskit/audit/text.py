"""Where a record keeps its text, per flavour: the title and the other text fields the
language checks read, and the small keys the duplicate check compares."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rabiskit.records.record import MARC21, Record

#: (tag, subfield codes) of the title, per flavour.  UNIMARC 200: $a title proper, $e other
#: title information, $h/$i number and name of a part ($d, the parallel title, is left out:
#: it is in another language by definition).  MARC 21 245: $a, $b, $n, $p.
TITLE_FIELDS = {
    "unimarc": ("200", "aehi"),
    "marc21": ("245", "abnp"),
}


@dataclass(frozen=True)
class TextPart:
    """One piece of record text: where it is ("200$a") and what it says."""

    where: str
    text: str


def title_parts(record: Record, flavour: str) -> list[TextPart]:
    """The title's subfields, first occurrence of the title field only.  A MARC 21 245$b
    that starts with '=' is a parallel title and is skipped."""
    tag, _ = TITLE_FIELDS[MARC21 if flavour == MARC21 else "unimarc"]
    fld = record.get_field(tag)
    if fld is None or fld.is_control:
        return []
    return title_parts_of(fld.subfields, flavour)


def title_parts_of(subfields: list[tuple[str, str]], flavour: str) -> list[TextPart]:
    """:func:`title_parts` of the title field's subfields (code, value)."""
    tag, codes = TITLE_FIELDS[MARC21 if flavour == MARC21 else "unimarc"]
    out = []
    for code, value in subfields:
        if code not in codes or not value.strip():
            continue
        v = value
        if " = " in v:  # "Title = Parallel title" typed into one subfield
            v = v.split(" = ", 1)[0]
        if flavour == MARC21 and code == "b" and _prev_ends_with_equals(subfields, code, value):
            continue
        if v.strip():
            out.append(TextPart(f"{tag}${code}", v))
    return out


def _prev_ends_with_equals(subfields, code, value) -> bool:
    prev = None
    for c, v in subfields:
        if c == code and v == value:
            break
        prev = v
    return bool(prev and prev.rstrip().endswith("="))


def coded_language_values(record: Record, flavour: str) -> list[tuple[str, str]]:
    """The raw language codes as written: [(where, value)] (UNIMARC 101$a; MARC 21 008/35-37
    and 041$a)."""
    out = []
    if flavour == MARC21:
        f008 = record.control("008")
        if f008 and len(f008) >= 38:
            out.append(("008/35-37", f008[35:38]))
        for v in record.subfields("041", "a"):
            out.append(("041$a", v))
    else:
        for v in record.subfields("101", "a"):
            out.append(("101$a", v))
    return out


def language_field(flavour: str) -> str:
    return "008/35-37" if flavour == MARC21 else "101$a"


def date_entered_field(flavour: str) -> str:
    return "008/00-05" if flavour == MARC21 else "100$a/0-7"


# ------------------------------------------------------------------ duplicate keys

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def normalise_text(text: str | None) -> str:
    """Casefolded, ё→е, punctuation and spacing removed to single blanks: the form titles
    and names are compared in."""
    if not text:
        return ""
    t = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    return _PUNCT.sub(" ", t).strip()


#: ``normalise_text`` of a text is that of its words (``language._TOKEN``'s, which blanks
#: and ``language.DELIMITERS`` separate) one by one, those that are not "" joined by one
#: blank: what it keeps are runs of word characters, and the separators are non-word
#: characters (``\W``) that NFC composes with nothing after them but non-word characters
#: (= or < or > and U+0338), casefold and ё -> е change one character at a time.


def title_key_text(record: Record, flavour: str) -> str:
    """Title proper with part number/name (so volumes of a set stay apart), normalised."""
    tag, _ = TITLE_FIELDS[MARC21 if flavour == MARC21 else "unimarc"]
    fld = record.get_field(tag)
    if fld is None or fld.is_control:
        return ""
    return title_key_of(fld.subfields, flavour)


def title_key_of(subfields: list[tuple[str, str]], flavour: str) -> str:
    """:func:`title_key_text` of the title field's subfields (code, value)."""
    codes = "anp" if flavour == MARC21 else "ahi"
    return normalise_text(" ".join([v for c, v in subfields if c in codes]))


def first_author(record: Record, flavour: str) -> str:
    """UNIMARC 700$a (else 710$a); MARC 21 100$a (else 110$a); normalised."""
    tags = ("100", "110") if flavour == MARC21 else ("700", "710")
    for tag in tags:
        v = record.subfield(tag, "a")
        if v and v.strip():
            return normalise_text(v)
    return ""


_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d)")


def publication_year(record: Record, flavour: str) -> str:
    """UNIMARC 210$d (else 214$d, else 100$a/9-12); MARC 21 008/07-10 (else 264$c/260$c)."""
    if flavour == MARC21:
        f008 = record.control("008")
        if f008 and len(f008) >= 11 and f008[7:11].isdigit():
            return f008[7:11]
        for tag in ("264", "260"):
            m = _YEAR.search(record.subfield(tag, "c") or "")
            if m:
                return m.group(1)
        return ""
    for tag in ("210", "214"):
        m = _YEAR.search(record.subfield(tag, "d") or "")
        if m:
            return m.group(1)
    a100 = record.subfield("100", "a") or ""
    if len(a100) >= 13 and a100[9:13].isdigit():
        return a100[9:13]
    return ""


def host_text(record: Record, flavour: str) -> str:
    """Host title and issue/pages of an article (463$t $v / 773$t $g), normalised."""
    if flavour == MARC21:
        parts = [record.subfield("773", "t") or "", record.subfield("773", "g") or ""]
    else:
        parts = [record.subfield("463", "t") or "", record.subfield("463", "v") or "",
                 record.subfield("463", "d") or ""]
    return normalise_text(" ".join(parts))


_ISBN = re.compile(r"(97[89][\d\- ]{10,16}|\d[\d\- ]{8,12}[\dXx])")


def isbn13(value: str) -> str | None:
    """A normalised ISBN-13 ('978-601-7-12345-6 (пер.)' -> '9786017123456'), ISBN-10
    converted; None when the text holds no well-formed ISBN."""
    m = _ISBN.search(value)
    if not m:
        return None
    digits = m.group(1).replace("-", "").replace(" ", "").upper()
    if len(digits) == 13 and digits.isdigit():
        return digits
    if len(digits) == 10 and digits[:9].isdigit():
        core = "978" + digits[:9]
        s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(core))
        return core + str((10 - s % 10) % 10)
    return None
