"""From a SourceRecord to its RecordFacts (see docs/domain.md, "Where the facts are").

| fact | UNIMARC family | MARC 21 |
|---|---|---|
| languages of the text | 101$a (repeatable, first = main) | 008/35-37, then 041$a |
| date entered | 100$a/0-7; 801 ind2=0 $c as fallback | 008/00-05 (pivot 60) |
| last change | 005 | 005 |
| title | 200$a | 245$a |
| ISBN | 010$a | 020$a |
| extent / pages | 215$a | 300$a |
| article pages | 463$v (else 215$a) | 773$g |
| host title | 463$t (else 461$t) | 773$t |
| digital links | 856$u | 856$u |

IRBIS-native records (flavour ``irbis``, see rabiskit.sources.irbis_fields): languages
101 (bare values), date entered the first 907 ^A (else 910 ^C), title 200 ^A, extent
215 ^A with its unit ^1, host 463 ^C, article pages 463 ^S or ^V, links 951 (^I URL or
^A file name) and 856 ^U, and the bibliographic level from the worksheet 920 (ASP
analytic ``a``, J and NJ serial ``s``, PAZK and SPEC monograph ``m``; else leader/07).
"""

from __future__ import annotations

from rabiskit.facts.model import RecordFacts
from rabiskit.facts.parse import (article_pages, clean_title, pages_from_extent, parse_005,
                                  parse_yymmdd, parse_yyyymmdd, split_language_codes)
from rabiskit.i18n import N_
from rabiskit.records import Record, SourceRecord
from rabiskit.records.record import IRBIS, MARC21, UNIMARC, not_bibliographic
from rabiskit.sources import irbis_fields

_ORDINAL = {2: "2nd", 3: "3rd"}

#: What ``date_entered_of`` reads when it finds the date there: (tag, subfield code or
#: None for a control field, characters).  A valid date in these characters is the whole
#: answer; the block reader (``rabiskit.facts.columns``) groups records by them and asks
#: ``date_entered_of`` once per distinct value.
DATE_READS = {UNIMARC: ("100", "a", 8), MARC21: ("008", None, 6)}
#: The fields ``languages_of`` reads, as (tag, first character, characters, the field's
#: least length for them to count, whether the whole field is read).
LANGUAGE_READS = {UNIMARC: (("101", 0, 24, 0, True),),
                  MARC21: (("008", 35, 3, 38, False), ("041", 0, 24, 0, True))}


def _nth(n: int, tag: str) -> str:
    """' (2nd 008)' for a repeated field's n-th occurrence; '' for the first."""
    return "" if n == 1 else f" ({_ORDINAL.get(n, f'{n}th')} {tag})"


def languages_of(record: Record, flavour: str) -> tuple[tuple[str, ...], bool]:
    """Languages of the text in order, and whether any was coded at all."""
    codes: list[str] = []
    if flavour == MARC21:
        # a repeated 008 (not repeatable, reported by the reader): the first that codes one
        for f008 in (f.data for f in record.get_fields("008") if f.data is not None):
            if len(f008) >= 38 and split_language_codes(f008[35:38]):
                codes.extend(split_language_codes(f008[35:38]))
                break
        for v in record.subfields("041", "a"):
            codes.extend(split_language_codes(v))
    elif flavour == IRBIS:
        for v in irbis_fields.languages(record):
            codes.extend(split_language_codes(v))
    else:
        for v in record.subfields("101", "a"):
            codes.extend(split_language_codes(v))
    seen: list[str] = []
    for c in codes:
        if c not in seen:
            seen.append(c)
    if not seen:
        return ("und",), False
    return tuple(seen), True


def date_entered_of(record: Record, flavour: str):
    """(date, source, problem, raw) of the date the record was created.

    A control field that is not repeatable but occurs more than once (the reader reports
    it): the date comes from the first occurrence holding a valid one, and the source says
    which (``008/00-05 (2nd 008)``)."""
    if flavour == MARC21:
        all008 = [f.data for f in record.get_fields("008") if f.data is not None]
        if not all008:
            return None, "", N_("missing: no 008"), None
        for n, f008 in enumerate(all008, 1):
            d, _why = parse_yymmdd(f008)
            if d is not None:
                return d, "008/00-05" + _nth(n, "008"), None, f008[:6]
        d, why = parse_yymmdd(all008[0])
        return None, "", N_("{why} in {field}").format(why=why, field="008/00-05"), all008[0][:6]
    if flavour == IRBIS:
        text, source = irbis_fields.date_entered_text(record)
        if text is None:
            return None, "", N_("missing: no 907 ^A and no 910 ^C"), None
        d, why = parse_yyyymmdd(text)
        if d is not None:
            return d, source, None, text[:8]
        return None, "", N_("{why} in {field}").format(why=why, field=source), text[:8]
    all100 = [v for f in record.get_fields("100") if (v := f.get("a")) is not None]
    for n, a100 in enumerate(all100, 1):
        d, _why = parse_yyyymmdd(a100)
        if d is not None:
            return d, "100$a/0-7" + _nth(n, "100"), None, a100[:8]
    a100 = all100[0] if all100 else None
    d, why = parse_yyyymmdd(a100)
    for f in record.get_fields("801"):
        if f.ind2 == "0" and f.get("c"):
            d2, _ = parse_yyyymmdd(f.get("c"))
            if d2 is not None:
                return d2, "801$c", None, f.get("c")
    if a100 is None:
        return None, "", N_("missing: no 100$a and no 801 ind2=0 $c"), None
    return None, "", N_("{why} in {field}").format(why=why, field="100$a/0-7"), a100[:8]


def extract_facts(src: SourceRecord, level: str | None = None) -> RecordFacts:
    rec = src.record
    marc21 = src.flavour == MARC21
    languages, coded = languages_of(rec, src.flavour)
    d, d_source, d_problem, d_raw = date_entered_of(rec, src.flavour)
    if marc21:
        title = clean_title(rec.subfield("245", "a"))
        isbn = tuple(v.strip() for v in rec.subfields("020", "a") if v.strip())
        extent = rec.subfield("300", "a")
        host = rec.subfield("773", "t")
        art = article_pages(rec.subfield("773", "g"))
    else:
        title = clean_title(rec.subfield("200", "a"))
        isbn = tuple(v.strip() for v in rec.subfields("010", "a") if v.strip())
        extent = rec.subfield("215", "a")
        host = rec.subfield("463", "t") or rec.subfield("461", "t")
        art = article_pages(rec.subfield("463", "v"))
        if art is None and src.record.leader_at(7) == "a":
            art = article_pages(extent)
    bib_level = rec.leader_at(7)
    if src.flavour == IRBIS:
        title = clean_title(rec.subfield("200", "a"))
        extent = irbis_fields.extent(rec)
        host = irbis_fields.host_title(rec)
        bib_level = irbis_fields.bibliographic_level(rec) or bib_level
        art = article_pages(irbis_fields.article_pages_text(rec))
        if art is None and bib_level == "a":
            art = article_pages(extent)
        links = irbis_fields.links(rec)
    else:
        links = tuple(v.strip() for v in rec.subfields("856", "u") if v.strip())
    return RecordFacts(
        file=src.file, record=src.number, offset=src.offset,
        control_number=(rec.control("001") or (rec.control("903") if src.flavour == IRBIS
                                                else None) or "").strip() or None,
        flavour=src.flavour, encoding=src.encoding,
        record_status=rec.leader_at(5), record_type=rec.leader_at(6),
        bibliographic_level=bib_level,
        languages=languages, languages_coded=coded,
        date_entered=d, date_entered_source=d_source, date_entered_problem=d_problem,
        date_entered_raw=d_raw, date_changed=parse_005(rec.control("005")),
        title=title, isbn=isbn, links=links, extent=extent, pages=pages_from_extent(extent),
        article_pages=art, host_title=clean_title(host), damaged=src.damaged,
        level=None if not_bibliographic(rec.leader_at(6), src.flavour) else level,
        line=src.line,
    )


class ValuesExtract:
    """An ``extract(src, facts)`` that also says what it reads of the records the block
    path settles: the values of one subfield, ``subfield`` (tag, code).  For those records
    ``of_values(values)`` is called in its place, with every value of that subfield as
    ``Record.subfields`` gives them, and must give what ``extract`` gives for the record
    read whole (a record of the UNIMARC or MARC 21 flavour: the block path's), as far as
    the sink reads it for such records (``Sink.add_linked``)."""

    subfield: tuple[str, str]

    def __call__(self, src, facts: RecordFacts):
        raise NotImplementedError

    def of_values(self, values: list[str]):
        raise NotImplementedError
