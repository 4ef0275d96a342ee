"""``rabiskit audit`` keeps flat memory: the duplicate index holds fixed-size numbers per
record (no record, no reference object), the findings are spooled to temporary files and
come back in the order the outputs list them, and the JSON is written finding by finding
with the same text as the whole document.  Records are hand-written ISO 2709 bytes."""

from __future__ import annotations

import datetime as dt
import json
import random
from array import array
from pathlib import Path

from rabiskit.aggregate.period import Period
from rabiskit.audit import audit_inputs
from rabiskit.audit.duplicates import DuplicateFinder
from rabiskit.audit.findings import KINDS, Finding
from rabiskit.audit.store import FindingStore
from rabiskit.facts.extract import extract_facts
from rabiskit.facts.scan import Input
from rabiskit.plan.load import default_plan
from rabiskit.records.record import UNIMARC, Field, Record, SourceRecord
from rabiskit.sources.iso2709_writer import encode_record, set_declared_encoding

TODAY = dt.date(2026, 6, 30)
FIX = Path(__file__).resolve().parents[1] / "fixtures" / "audit"


def _record(n: int, isbns=(), title: str | None = None, author: str = "Абай") -> Record:
    fields = [Field("001", data=f"R{n}"),
              Field("100", subfields=[("a", "20260115d2025    k  y0kazy50      ca")]),
              Field("101", subfields=[("a", "kaz")])]
    fields += [Field("010", subfields=[("a", i)]) for i in isbns]
    fields.append(Field("200", ind1="1", subfields=[("a", title or f"Кітап {n} туралы")]))
    fields.append(Field("210", subfields=[("d", "2025")]))
    fields.append(Field("700", subfields=[("a", author)]))
    return set_declared_encoding(Record("00000nam0 2200000 i 450 ", fields), UNIMARC, "utf-8")


def _write(path: Path, records: list[Record]) -> Path:
    path.write_bytes(b"".join(encode_record(r) for r in records))
    return path


def _audit(*paths: Path):
    return audit_inputs([Input(p) for p in paths], default_plan(), Period.for_year(2026),
                        today=TODAY)


# ------------------------------------------------------------------ the duplicate index

def _pair(rec: Record, n: int) -> tuple[SourceRecord, object]:
    src = SourceRecord("mem.iso", n, 100 * n, len(encode_record(rec)), rec, UNIMARC, "utf-8")
    return src, extract_facts(src)


def test_duplicate_index_holds_fixed_size_numbers_per_record_not_records():
    finder = DuplicateFinder(in_memory=1024)
    n = 500
    for i in range(1, n + 1):
        # every record: an ISBN of its own and a title key; 001 R1 ... R500
        finder.add(*_pair(_record(i, isbns=(f"978601700{i:04d}",)), i))
    assert finder.records == n  # (the records given one by one go in by batches)
    # in memory: flat arrays of 8-byte numbers, sized by hand: per record one spool
    # offset, two keys (ISBN, title) of two numbers each, one 001 of two numbers
    arrays = {k: v for k, v in vars(finder).items() if isinstance(v, array)}
    assert all(a.typecode == "q" for a in arrays.values())
    assert sum(len(a) for a in arrays.values()) == n * (1 + 2 * 2 + 2)
    # nothing else grows with the records: one file name, and the references are on disk
    others = {k: v for k, v in vars(finder).items() if not isinstance(v, array)}
    assert finder.files == ["mem.iso"] and others["_file_index"] == {"mem.iso": 0}
    # (the merged blocks' shifts: one entry per block merged, none for records added)
    # and the records given one by one not yet hashed (a batch: at most a thousand)
    assert set(others) == {"files", "_file_index", "_spool", "_segments", "_segment_start",
                           "_groups", "_flushed", "_pending"}
    assert others["_pending"] == []
    assert others["_segments"] == [] and others["_segment_start"] == []
    assert finder._spool._rolled  # past 1 KiB the references went to a temporary file
    assert finder.findings() == []


def test_one_record_listing_one_isbn_twice_is_not_its_own_duplicate(tmp_path):
    # ISBN-10 and ISBN-13 of the same book in one record; another record shares it
    path = _write(tmp_path / "isbn.iso", [
        _record(1, isbns=("601-7-12345-X", "978-601-7-12345-6"), title="Бірінші"),
        _record(2, title="Екінші"),
        _record(3, isbns=("9786017123456",), title="Бірінші", author="Жамбыл"),
    ])
    r = _audit(path)
    dups = r.by_kind("duplicate")
    assert [(f.record, f.group) for f in dups] == [(1, 1), (3, 1)]
    assert dups[0].evidence == f"same ISBN 9786017123456 as {path}:3/R3"
    assert dups[1].evidence == f"same ISBN 9786017123456 as {path}:1/R1"
    assert dups[0].field == "010$a" and dups[0].confidence == 0.95


def test_a_large_group_names_ten_others_then_how_many_more(tmp_path):
    recs = [_record(i, isbns=("9786017123456",), title=f"Том {i}") for i in range(1, 14)]
    path = _write(tmp_path / "big.iso", recs)
    dups = _audit(path).by_kind("duplicate")
    assert len(dups) == 13 and {f.group for f in dups} == {1}
    names = [f"{path}:{i}/R{i}" for i in range(1, 14)]
    # the 12th member: the first ten others, then the two left
    want = ", ".join(names[:10]) + " and 2 more"
    assert dups[11].evidence == (f"same ISBN 9786017123456 as {want}"
                                 "; the titles differ: volumes of a set, or another edition?")
    # the first member: records 2..11, two more
    assert dups[0].evidence.split(" as ")[1].startswith(", ".join(names[1:11]) + " and 2 more")


# ------------------------------------------------------------------ the finding store

def _finding(kind: str, file: str, record: int, evidence: str) -> Finding:
    return Finding(kind=kind, file=file, record=record, offset=record * 10, id=None,
                   title="Қазақ", field="200$a", evidence=evidence, confidence=0.9,
                   level="book", languages=("kaz",))


def test_store_spools_to_disk_and_gives_the_stable_sorted_order():
    rnd = random.Random(7)
    kinds = ["future_date", "missing_language", "encoding_damage"]
    found = []
    # files out of name order, one file met twice, records going back, ties in one record
    for file, numbers in (("b.iso", range(1, 300)), ("a.iso", range(1, 200)),
                          ("b.iso", range(50, 120)), ("c.iso", [5, 3, 3, 9, 1])):
        for n in numbers:
            for k in rnd.sample(kinds, 2):
                found.append(_finding(k, file, n, f"{k} {file} {n} #{len(found)}"))
    store = FindingStore(in_memory=4096)
    store.extend(found)
    assert all(s.fh._rolled for s in store._spools.values())
    # what the audit listed when it held every finding in a list, sorted stably
    want = sorted(found, key=Finding.sort_key)
    assert list(store.sorted()) == want
    assert list(store.sorted()) == want  # read back twice: the same
    assert store.counts == {k: sum(f.kind == k for f in found) for k in KINDS}
    assert list(store.of_kind("encoding_damage")) == [f for f in want
                                                       if f.kind == "encoding_damage"]
    store.close()


# ------------------------------------------------------------------ streamed JSON

def test_streamed_json_is_the_documents_text_with_and_without_findings():
    for names in (["seeded.iso", "seeded-b.iso"], ["clean-kk-utf8.iso"]):
        r = _audit(*(FIX / n for n in names))
        text = "".join(r.json_chunks())
        assert text == json.dumps(r.as_dict(), ensure_ascii=False, indent=2)
        assert (json.loads(text)["findings"] == []) == (names == ["clean-kk-utf8.iso"])
