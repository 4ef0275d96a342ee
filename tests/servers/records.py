"""Test records for the harvesting tests: MARC 21 records with Kazakh and Russian titles.

``make_records(n)`` builds them with pymarc (books and articles, repeatable fields,
characters that need XML escaping); ``write_collection`` writes a MARC 21 slim
collection; ``assert_same_records`` compares a harvested file with the originals field
by field, with pymarc and, when it exists, rabiskit's own MARCXML reader.
"""

from __future__ import annotations

from pathlib import Path

import pymarc
from pymarc import Field, Indicators, Record, Subfield

SLIM_NS = "http://www.loc.gov/MARC21/slim"

KAZAKH_TITLES = [
    "Абай жолы", "Қазақ әдебиетінің тарихы", "Ұлытау өңірінің шежіресі", "Сәтбаев қаласы: өткені мен бүгіні",
    "Балаларға арналған ертегілер", "Қыз Жібек", "Көшпенділер", "Үш қоңыр",
]
RUSSIAN_TITLES = [
    "Война и мир", "История Казахстана", "Степные легенды", "Детская энциклопедия", "Путь Абая",
    "Медь Жезказгана", "Краеведческий сборник",
]


def make_records(count: int = 30) -> list[Record]:
    """``count`` distinct MARC 21 records; odd ones Russian, even ones Kazakh; every 5th an article."""
    records = []
    for i in range(1, count + 1):
        kazakh = i % 2 == 0
        article = i % 5 == 0
        lang = "kaz" if kazakh else "rus"
        title = (KAZAKH_TITLES if kazakh else RUSSIAN_TITLES)[i % (len(KAZAKH_TITLES) if kazakh else len(RUSSIAN_TITLES))]
        leader = f"00000na{'a' if article else 'm'} a2200000 i 4500"
        record = Record(leader=leader, force_utf8=True)
        record.add_field(Field(tag="001", data=f"KZ-SAT-{i:05d}"))
        record.add_field(Field(tag="003", data="KZ-SatCL"))
        record.add_field(Field(tag="005", data=f"2024{(i % 12) + 1:02d}15103000.0"))
        record.add_field(Field(tag="008", data=f"24{(i % 12) + 1:02d}15s2024    kz a          000 0 {lang} d"))
        if not article:
            record.add_field(Field(tag="020", indicators=Indicators(" ", " "),
                                   subfields=[Subfield("a", f"978601{i:07d}"), Subfield("q", "мұқабалы")]))
        record.add_field(Field(tag="040", indicators=Indicators(" ", " "),
                               subfields=[Subfield("a", "KZ-SatCL"), Subfield("b", lang), Subfield("e", "rda")]))
        record.add_field(Field(tag="041", indicators=Indicators("0", " "), subfields=[Subfield("a", lang)]))
        record.add_field(Field(tag="100", indicators=Indicators("1", " "),
                               subfields=[Subfield("a", "Құнанбайұлы, Абай" if kazakh else "Толстой, Лев Николаевич")]))
        record.add_field(Field(tag="245", indicators=Indicators("1", "0"),
                               subfields=[Subfield("a", f"{title} №{i}"),
                                          Subfield("b", "очерктер & зерттеулер <1-том>" if kazakh
                                                   else "\"очерки\" & 'исследования'"),
                                          Subfield("c", "құраст. Ә. Ғалымұлы")]))
        record.add_field(Field(tag="264", indicators=Indicators(" ", "1"),
                               subfields=[Subfield("a", "Сәтбаев"), Subfield("b", "Ұлытау"), Subfield("c", "2024")]))
        record.add_field(Field(tag="300", indicators=Indicators(" ", " "),
                               subfields=[Subfield("a", f"{100 + i} б." if kazakh else f"{100 + i} с.")]))
        record.add_field(Field(tag="650", indicators=Indicators(" ", "7"),
                               subfields=[Subfield("a", "Өлкетану"), Subfield("2", "local")]))
        record.add_field(Field(tag="650", indicators=Indicators(" ", "7"),
                               subfields=[Subfield("a", "Тарих"), Subfield("z", "Қазақстан"), Subfield("2", "local")]))
        if article:
            record.add_field(Field(tag="773", indicators=Indicators("0", " "),
                                   subfields=[Subfield("t", "Сарыарқа самалы"), Subfield("g", f"2024, №{i}. Б. 3-4")]))
        if i % 3 == 0:
            record.add_field(Field(tag="856", indicators=Indicators("4", "0"),
                                   subfields=[Subfield("u", f"http://lib.example.kz/pdf/{i}.pdf?a=1&b=2"),
                                              Subfield("q", "application/pdf")]))
        records.append(record)
    return records


def record_xml(record: Record) -> bytes:
    """One record as MARCXML without a namespace of its own (it takes the collection's)."""
    return pymarc.record_to_xml(record, namespace=False)


def write_collection(records: list[Record], path: Path) -> Path:
    """A MARC 21 slim collection file of the records."""
    with open(path, "wb") as handle:
        handle.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{SLIM_NS}">\n'.encode())
        for record in records:
            handle.write(record_xml(record) + b"\n")
        handle.write(b"</collection>\n")
    return path


def field_tuples(record: Record) -> list[tuple]:
    """A pymarc record as comparable tuples: (tag, data) or (tag, ind1, ind2, ((code, value), ...))."""
    out = []
    for field in record.fields:
        if field.is_control_field():
            out.append((field.tag, field.data))
        else:
            out.append((field.tag, field.indicator1, field.indicator2,
                        tuple((s.code, s.value) for s in field.subfields)))
    return out


def rabiskit_tuples(record) -> list[tuple]:
    """A rabiskit Record as the same comparable tuples."""
    out = []
    for field in record.fields:
        if field.data is not None:
            out.append((field.tag, field.data))
        else:
            out.append((field.tag, field.ind1, field.ind2, tuple(tuple(s) for s in field.subfields)))
    return out


def assert_same_records(originals: list[Record], path: Path) -> int:
    """Every record of ``path`` equals the original at the same position, leader and every field.

    Read with pymarc; read again with rabiskit.sources.marcxml.MarcXmlReader when that module
    exists.  Returns how many readers checked the file.
    """
    harvested = pymarc.parse_xml_to_array(str(path))
    assert len(harvested) == len(originals), f"{len(harvested)} records in {path}, expected {len(originals)}"
    for number, (original, got) in enumerate(zip(originals, harvested), start=1):
        assert str(got.leader) == str(original.leader), f"record {number}: leader differs"
        assert field_tuples(got) == field_tuples(original), f"record {number} differs"
    readers = 1
    try:
        from rabiskit.sources.marcxml import MarcXmlReader  # written by another engineer; used when present
    except ImportError:
        return readers
    reader = MarcXmlReader(path)
    ours = list(reader)
    assert len(ours) == len(originals)
    for number, (original, got) in enumerate(zip(originals, ours), start=1):
        assert got.record.leader == str(original.leader), f"record {number}: leader differs (rabiskit reader)"
        assert rabiskit_tuples(got.record) == field_tuples(original), f"record {number} differs (rabiskit reader)"
    return readers + 1
