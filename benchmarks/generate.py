"""Generate, deterministically, a large UNIMARC export with Kazakh and Russian content.

    python benchmarks/generate.py benchmarks/data/1m.iso --records 1000000
    python benchmarks/generate.py benchmarks/data/short.iso --records 200000 --short

Same seed, same bytes.  About 530 bytes a record, like a real RABIS export: 001, 005,
010, 100, 101, 200, 210, 215, 606, 700, 801, and 463 for articles; levels book, article,
periodical, e-book; dates entered across 2025-2026.  ``--short`` writes records of about
400 bytes (shorter titles, no 010, 606 or 210 $c), like a catalogue of brief records.

Every tenth record (record numbers 10, 20, 30...: exactly ``records // 10`` of them) has a
607 $a naming a place of local lore, ``LOCAL_PLACE``: benchmarks/plans/own-rule.toml
counts those records as local lore by a level rule of the plan's own.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path


# The records are written here, byte by byte, not with rabiskit's writer: the benchmark's
# input does not depend on the code it measures (and keeps its bytes while that changes).
@dataclass
class Field:
    tag: str
    data: str | None = None
    ind1: str = " "
    ind2: str = " "
    subfields: list[tuple[str, str]] = field(default_factory=list)

    def encode(self) -> bytes:
        if self.data is not None:
            return self.data.encode("utf-8") + b"\x1e"
        return (self.ind1 + self.ind2 + "".join(f"\x1f{c}{v}" for c, v in self.subfields)
                ).encode("utf-8") + b"\x1e"


def encode_record(leader: str, fields: list[Field]) -> bytes:
    """ISO 2709: leader (length and base address filled in), directory, fields, 0x1D."""
    bodies = [f.encode() for f in fields]
    directory, start = [], 0
    for f, body in zip(fields, bodies):
        directory.append(f"{f.tag}{len(body):04d}{start:05d}".encode("ascii"))
        start += len(body)
    base = 24 + 12 * len(fields) + 1
    length = base + start + 1
    head = f"{length:05d}{leader[5:10]}22{base:05d}{leader[17:20]}4500".encode("ascii")
    return head + b"".join(directory) + b"\x1e" + b"".join(bodies) + b"\x1d"

KZ_WORDS = ("Қазақстан әдебиеті тарихы мен мәдениеті ұлттық өнер жастар үшін балалар кітабы "
            "Сәтбаев Ұлытау өлкесі дала ғылым білім тәуелсіздік ақын жазушы ертегілер").split()
RU_WORDS = ("история литература Казахстана для детей и юношества культура степи город край "
            "наука образование поэзия сказки природа").split()
HOSTS_KZ = ["Жезқазған байрағы", "Сарыарқа", "Егемен Қазақстан", "Ақжелкен", "Балдырған"]
HOSTS_RU = ["Казахстанская правда", "Простор", "Индустриальная Караганда"]
AUTHORS = [("Бөкейхан", "Ә."), ("Құнанбайұлы", "А."), ("Әуезов", "М."), ("Иванов", "И."),
           ("Сейфуллин", "С."), ("Петрова", "Н.")]


# the place name of the 607 $a of every tenth record (the own-rule plan's rule looks for it)
LOCAL_PLACE = "Сәтбаев қаласы"
LOCAL_EVERY = 10


def make_record(i: int, rnd: random.Random, short: bool = False) -> bytes:
    kz = rnd.random() < 0.68
    words = KZ_WORDS if kz else RU_WORDS
    title = " ".join(rnd.choice(words) for _ in range(rnd.randint(*((2, 3) if short else (3, 7))))).capitalize()
    year = 2025 if rnd.random() < 0.2 else 2026
    d = f"{year}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
    kind = rnd.choices(("m", "a", "s", "l"), weights=(40, 52, 3, 5))[0]
    leader6 = "l" if kind == "l" else "a"
    leader7 = "m" if kind in "ml" else kind
    author = rnd.choice(AUTHORS)
    fields = [
        Field("001", data=f"KZ{i:09d}"),
        Field("005", data=f"{d}1015{rnd.randint(10, 59)}.0"),
        Field("010", subfields=[("a", f"978-601-{rnd.randint(100, 999)}-{rnd.randint(10000, 99999)}-{rnd.randint(0, 9)}")]),
        Field("100", subfields=[("a", f"{d}d{year}    k  y0{'kaz' if kz else 'rus'}y50      ca")]),
        Field("101", ind1="0", subfields=[("a", "kaz" if kz else "rus")]),
        Field("200", ind1="1", subfields=[("a", title), ("f", f"{author[1]} {author[0]}")]),
        Field("210", subfields=[("a", rnd.choice(("Алматы", "Астана", "Қарағанды"))),
                                ("c", rnd.choice(("Атамұра", "Мектеп", "Фолиант"))), ("d", str(year))]),
        Field("215", subfields=[("a", f"{rnd.randint(12, 480)} б.")]),
        Field("606", subfields=[("a", rnd.choice(words).capitalize()), ("x", rnd.choice(words))]),
        Field("700", ind2="1", subfields=[("a", author[0]), ("b", author[1])]),
        Field("801", ind2="0", subfields=[("a", "KZ"), ("b", "СҚБЖК"), ("c", d)]),
    ]
    if i % LOCAL_EVERY == 0:
        fields.insert(9, Field("607", subfields=[("a", LOCAL_PLACE), ("x", "өлкетану")]))
    if short:  # brief records: no ISBN, no subject heading, no publisher
        fields = [f for f in fields if f.tag not in ("010", "606")]
        f210 = next(f for f in fields if f.tag == "210")
        f210.subfields = [sf for sf in f210.subfields if sf[0] != "c"]
    if kind == "a":
        host = rnd.choice(HOSTS_KZ if kz else HOSTS_RU)
        p = rnd.randint(1, 30)
        fields.append(Field("463", ind2="1", subfields=[("t", host), ("v", f"Б. {p}-{p + rnd.randint(0, 2)}")]))
    if kind == "l":
        fields.append(Field("135", subfields=[("a", "drnn ---uuuuu")]))
        fields.append(Field("856", ind1="4", subfields=[("u", f"https://rabis.example.kz/e/{i}.pdf")]))
    # leader: length and base address are written by encode_record; 17-19 "#i#", 20-23 "4500"
    return encode_record(f"00000n{leader6}{leader7} a2200000 i 4500", fields)


def generate(path: Path, records: int, seed: int = 2026, short: bool = False) -> None:
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("wb") as fh:
        batch = []
        for i in range(1, records + 1):
            batch.append(make_record(i, rnd, short))
            if len(batch) == 10_000:
                fh.write(b"".join(batch))
                batch = []
        fh.write(b"".join(batch))
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output", type=Path)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--short", action="store_true", help="records of about 400 bytes")
    a = ap.parse_args()
    generate(a.output, a.records, a.seed, a.short)
    size = a.output.stat().st_size
    print(f"{a.output}: {a.records} records, {size} bytes, {size / a.records:.0f} bytes a record")


if __name__ == "__main__":
    main()
