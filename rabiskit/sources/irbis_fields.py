"""The fields of IRBIS-64 native records that rabiskit reads (IRBIS's own scheme).

From the ManagedIrbis sources (Fields/Technology.cs, ExternalResource.cs, CodesInfo.cs)
and IRBIS's search definitions (ibis.fst):

| tag | what | subfields |
|---|---|---|
| 101 | language of the text (repeatable) | the bare value (``#101: kaz``), or ^A |
| 200 | title | ^A title, ^E other title information, ^F responsibility, ^V volume |
| 210 | imprint | ^A place, ^C publisher, ^D year |
| 215 | extent | ^A number, ^1 unit ("б.", "с."), ^C illustrations, ^D size |
| 463 | host of an analytic record | ^C title, ^J year, ^H issue, ^S or ^V pages |
| 700, 701 | authors | ^A surname, ^B initials, ^G initials in full |
| 900 | codes | ^T document type (RUSMARC leader/06: ``a`` text, ``l`` electronic), ^B kind |
| 907 | technology (repeatable) | ^A date YYYYMMDD, ^B operator, ^C stage (ПК, КТ, ...) |
| 910 | copies | ^A status, ^B inventory number, ^C date, ^D location |
| 920 | worksheet | bare value: PAZK, SPEC, ASP, NJ, J, ... |
| 951 | external resource | ^I URL, ^A file name, ^N number of files, ^1 input date |

IRBIS's date-of-entry index (ibis.fst ``DP=``) takes the first 907 ^A, and without any
907 ^A the first 910 ^C; its operator index (``TH=``) takes 907 ^B.  Subfield codes are
case-insensitive; the readers give them in lower case.
"""

from __future__ import annotations

from rabiskit.records import Field, Record

WORKSHEET = "920"
TECHNOLOGY = "907"
COPIES = "910"
EXTERNAL_RESOURCE = "951"
#: where the cataloguer who made a record is named, unless the plan says otherwise
DEFAULT_OPERATOR_FIELD = (TECHNOLOGY, "b")


def field_value(f: Field) -> str:
    """A field's bare value (``#920: PAZK``) or, for a field with subfields, its text."""
    return (f.data if f.data is not None else f.text()).strip()


def worksheet(record: Record) -> str | None:
    """The worksheet (920) in upper case, or None."""
    f = record.get_field(WORKSHEET)
    if f is None:
        return None
    return field_value(f).upper() or None


#: the bibliographic level (as in RUSMARC leader/07) a worksheet means: ASP and AUNTD
#: analytic records, J and NJ serials, PAZK and SPEC monographs
WORKSHEET_LEVELS = {"ASP": "a", "AUNTD": "a", "J": "s", "NJ": "s", "PAZK": "m", "SPEC": "m"}
#: the RUSMARC leader/06 record types IRBIS keeps in 900 ^T
RECORD_TYPES = "abcdefgijklmr"


def bibliographic_level(record: Record) -> str | None:
    """Leader/07 as the worksheet means it (``WORKSHEET_LEVELS``), or None for others."""
    return WORKSHEET_LEVELS.get(worksheet(record) or "")


def record_type(record: Record) -> str | None:
    """Leader/06 as 900 ^T gives it (its first letter, when a RUSMARC record type), or None."""
    f = record.get_field("900")
    if f is None or f.data is not None:
        return None
    t = (f.get("t") or "").strip().lower()
    return t[0] if t[:1] and t[0] in RECORD_TYPES else None


def languages(record: Record) -> list[str]:
    """The language codes of 101, in order (bare values or ^A)."""
    out = []
    for f in record.get_fields("101"):
        if f.data is not None:
            out.append(f.data.strip())
        else:
            out.extend(v.strip() for v in f.get_all("a"))
    return [v for v in out if v]


def date_entered_text(record: Record) -> tuple[str | None, str]:
    """(text, source) of the date of entry: the first 907 ^A, else the first 910 ^C."""
    a = record.subfield(TECHNOLOGY, "a")
    if a is not None and a.strip():
        return a.strip(), "907^a"
    c = record.subfield(COPIES, "c")
    if c is not None and c.strip():
        return c.strip(), "910^c"
    return None, ""


def extent(record: Record) -> str | None:
    """215 ^A with its unit ^1: "212 б."."""
    f = record.get_field("215")
    if f is None:
        return None
    if f.data is not None:
        return f.data.strip() or None
    a = (f.get("a") or "").strip()
    unit = (f.get("1") or "").strip()
    text = f"{a} {unit}".strip()
    return text or None


def host_title(record: Record) -> str | None:
    return record.subfield("463", "c")


def article_pages_text(record: Record) -> str | None:
    """The pages of an article in its host: 463 ^S, else 463 ^V."""
    return record.subfield("463", "s") or record.subfield("463", "v")


def links(record: Record) -> tuple[str, ...]:
    """Links to digitised copies: 951 ^I (URL) or, without one, 951 ^A (file name), then 856 ^U."""
    out = []
    for f in record.get_fields(EXTERNAL_RESOURCE):
        v = (f.get("i") or "").strip() or (f.get("a") or "").strip()
        if v:
            out.append(v)
    out.extend(v.strip() for v in record.subfields("856", "u") if v.strip())
    return tuple(out)


def operator_of(record: Record, tag: str = DEFAULT_OPERATOR_FIELD[0],
                code: str = DEFAULT_OPERATOR_FIELD[1]) -> str | None:
    """The cataloguer named in the record's first ``tag`` field, subfield ``code`` (case
    ignored); None when the field, the subfield or its text is missing."""
    code = code.lower()
    for f in record.fields:
        if f.tag == tag:
            if f.data is not None:
                return None
            for c, v in f.subfields:
                if c.lower() == code and v.strip():
                    return " ".join(v.split())
            return None
    return None
