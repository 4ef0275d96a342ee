"""Generate, deterministically, a large UNIMARC export with Kazakh and Russian content.

    python benchmarks/generate.py benchmarks/data/1m.iso --records 1000000

Same seed, same bytes.  About 570 bytes a record, like a real RABIS export: 001, 005,
010, 100, 101, 200, 210, 215, 606, 700, 801, and 463 for articles; levels book, article,
periodical, e-book; dates entered across 2025-2026.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rabiskit.records import Field, Record  # noqa: E402
from rabiskit.sources.iso2709_writer import encode_record  # noqa: E402

KZ_WORDS = ("Қазақстан әдебиеті тарихы мен мәдениеті ұлттық өнер жастар үшін балалар кітабы "
            "Сәтбаев Ұлытау өлкесі дала ғылым білім тәуелсіздік ақын жазушы ертегілер").split()
RU_WORDS = ("история литература Казахстана для детей и юношества культура степи город край "
            "наука образование поэзия сказки природа").split()
HOSTS_KZ = ["Жезқазған байрағы", "Сарыарқа", "Егемен Қазақстан", "Ақжелкен", "Балдырған"]
HOSTS_RU = ["Казахстанская правда", "Простор", "Индустриальная Караганда"]
AUTHORS = [("Бөкейхан", "Ә."), ("Құнанбайұлы", "А."), ("Әуезов", "М."), ("Иванов", "И."),
           ("Сейфуллин", "С."), ("Петрова", "Н.")]


def make_record(i: int, rnd: random.Random) -> bytes:
    kz = rnd.random() < 0.68
    words = KZ_WORDS if kz else RU_WORDS
    title = " ".join(rnd.choice(words) for _ in range(rnd.randint(3, 7))).capitalize()
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
    if kind == "a":
        host = rnd.choice(HOSTS_KZ if kz else HOSTS_RU)
        p = rnd.randint(1, 30)
        fields.append(Field("463", ind2="1", subfields=[("t", host), ("v", f"Б. {p}-{p + rnd.randint(0, 2)}")]))
    if kind == "l":
        fields.append(Field("135", subfields=[("a", "drnn ---uuuuu")]))
        fields.append(Field("856", ind1="4", subfields=[("u", f"https://rabis.example.kz/e/{i}.pdf")]))
    # leader: length and base address are written by encode_record; 17-19 "#i#", 20-23 "4500"
    return encode_record(Record(f"00000n{leader6}{leader7} a2200000 i 4500", fields))


def generate(path: Path, records: int, seed: int = 2026) -> None:
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("wb") as fh:
        batch = []
        for i in range(1, records + 1):
            batch.append(make_record(i, rnd))
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
    a = ap.parse_args()
    generate(a.output, a.records, a.seed)
    print(f"{a.output}: {a.records} records, {a.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
