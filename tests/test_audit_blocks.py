"""``rabiskit audit`` on the block path (worker processes, ``rabiskit.audit.blocks``) gives
the careful path's result, finding for finding, in every output: on the fixtures, the
corpus, hand-written records with known findings (duplicates across block boundaries
too) and random mixtures of records that have something to report and records that do
not (the quiet records of ``rabiskit.audit.quiet``)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rabiskit.aggregate.period import Period
from rabiskit.audit import audit_inputs
from rabiskit.audit.render import render_csv
from rabiskit.facts.scan import Input
from rabiskit.plan.load import default_plan
from rabiskit.records.record import UNIMARC, Field, Record
from rabiskit.sources.iso2709_writer import encode_record, set_declared_encoding

REPO = Path(__file__).resolve().parents[1]
FIX = REPO / "fixtures"
TODAY = dt.date(2026, 6, 30)
BIG = 1 << 40  # --parallel-from: never (the careful path)


def _result(paths, *, blocks: bool, block_size: int = 4096, plan=None, **kw):
    """The audit as (JSON text, CSV text), on the careful path or on the block path in this
    process, with small blocks (many block boundaries)."""
    res = audit_inputs([Input(p) for p in paths], plan or default_plan(), Period.for_year(2026),
                       today=TODAY, workers=1, min_fast_size=0 if blocks else BIG,
                       block_size=block_size, **kw)
    try:
        text = "".join(res.json_chunks())
        # the duplicates' JSON text is made without the findings (``duplicate_texts``): the
        # same text as the findings' own
        assert text == json.dumps(res.as_dict(), ensure_ascii=False, indent=2)
        return text, render_csv(res), res
    finally:
        res.close()


def _same(paths, **kw) -> dict:
    careful_json, careful_csv, _ = _result(paths, blocks=False, **kw)
    block_json, block_csv, res = _result(paths, blocks=True, **kw)
    assert block_json == careful_json
    assert block_csv == careful_csv
    return json.loads(block_json)


def _record(n: int, *, title: str = "Қазақ әдебиеті", lang: str | None = "kaz",
            date100: str = "20260115", f005: str | None = "20260116101010.0",
            isbn: str | None = None, author: str = "Әуезов", year: str = "2025",
            cn: str | None = None, extra: tuple = (), status: str = "n",
            kind: str = "am") -> Record:
    fields = []
    if cn != "":
        fields.append(Field("001", data=cn or f"KZ{n:06d}"))
    if f005 is not None:
        fields.append(Field("005", data=f005))
    fields.append(Field("100", subfields=[("a", f"{date100}d2025    k  y0kazy50      ca")]))
    if lang is not None:
        fields.append(Field("101", ind1="0", subfields=[("a", lang)]))
    if isbn:
        fields.append(Field("010", subfields=[("a", isbn)]))
    fields.append(Field("200", ind1="1", subfields=[("a", title), ("f", "М. Әуезов")]))
    fields.append(Field("210", subfields=[("a", "Алматы"), ("d", year)]))
    fields.append(Field("700", ind2="1", subfields=[("a", author)]))
    fields.extend(extra)
    leader = f"00000{status}{kind}0 2200000 i 450 "
    return set_declared_encoding(Record(leader, fields), UNIMARC, "utf-8")


def _write(path: Path, records) -> Path:
    path.write_bytes(b"".join(encode_record(r) for r in records))
    return path


# --------------------------------------------------------------------------- fixtures

FIXTURES = sorted(p for p in [*FIX.glob("*.iso"), *FIX.glob("*.mrc"), *(FIX / "audit").glob("*.iso"),
                                *(FIX / "audit").glob("*.mrc")]
                  if p.stat().st_size)  # an empty file has no record to audit: an error, tested apart


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_block_path_gives_the_careful_audit_of_each_fixture(path):
    _same([path])


def test_block_path_gives_the_careful_audit_of_fixtures_together():
    _same([FIX / "audit" / "seeded.iso", FIX / "audit" / "seeded-b.iso",
           FIX / "audit" / "seeded-damaged.iso", FIX / "local-lore.iso"])


def test_block_path_gives_the_careful_audit_of_the_corpus(corpus):
    files = sorted(p for p in corpus.rglob("*") if p.is_file()
                   and p.suffix.lower() in (".iso", ".mrc", ".marc", ".dat", ".rusmarc")
                   and 0 < p.stat().st_size < 20 << 20)
    assert files, "the corpus holds ISO 2709 files"
    for path in files:
        _same([path])


# ------------------------------------------------------------ hand-written records

def test_known_findings_and_duplicates_across_block_boundaries(tmp_path):
    records = [
        _record(1, isbn="978-601-7-12345-6", title="Бірінші кітап"),  # quiet ...
        _record(2, date100="20270101", f005=None),  # future date entered
        _record(3, f005="2026-01-16"),  # 005 not a date and time
        _record(4, lang=None),  # no language coded
        _record(5, lang="kk"),  # not a three-letter code
        _record(6, title="Русская литература и история", lang="kaz"),  # reads as Russian
        _record(7, title="Казaхстан тарихы"),  # Latin a inside a Cyrillic word
        _record(8, title="Ќазаќстан тарихы"),  # KZ-1048 read as cp1251
        _record(9, cn=""),  # no 001
        _record(10, status="d"),  # deleted: only dates and structure
        *[_record(n, title=f"Тарих {n} туралы", author=f"Автор {n}") for n in range(11, 60)],
        _record(60, isbn="6017123457X", title="Екінші кітап"),  # ... ISBN of record 1? no
        _record(61, isbn="978-601-7-12345-6", title="Бірінші кітап"),  # duplicate of 1
        _record(62, title="Тарих 11 туралы", author="Автор 11"),  # duplicate of 11
        _record(63, cn="KZ000012"),  # 001 of record 12 again
    ]
    path = _write(tmp_path / "known.iso", records)
    size = path.stat().st_size
    data = _same([path], block_size=1024)  # about 3 records a block
    assert size > 10 * 1024
    s = data["summary"]
    assert s["future_date"] == 1 and s["invalid_date"] == 1
    assert s["missing_language"] == 1 and s["invalid_language_code"] == 1
    assert s["language_mismatch"] == 1 and s["mixed_script"] == 1
    assert s["encoding_damage"] == 1 and s["missing_control_number"] == 1
    # 1 and 61 by ISBN, 11 and 62 by title, the records with the default title (not the
    # deleted one) by title, author and year
    assert s["duplicate"] == 10 and s["repeated_control_number"] == 2
    dups = sorted(f["record"] for f in data["findings"] if f["kind"] == "duplicate")
    assert dups == [1, 2, 3, 4, 5, 9, 11, 61, 62, 63]
    assert data["records"] == 63
    assert [f["record"] for f in data["findings"] if f["kind"] == "repeated_control_number"] \
        == [12, 63]


def test_quiet_records_are_audited_from_the_columns_and_the_others_whole(tmp_path):
    from rabiskit.audit.blocks import AuditContext
    from rabiskit.audit.checks import AuditOptions
    from rabiskit.audit.quiet import quiet_records
    from rabiskit.facts.blocks import index_block
    from rabiskit.pipeline.records import BlockTask

    records = [_record(1), _record(2, date100="20270101"), _record(3),
               _record(4, title="Казaхстан тарихы"), _record(5, lang=None), _record(6)]
    buf = b"".join(encode_record(r) for r in records)
    ix = index_block(buf, encoding=None, flavour=None)
    assert ix is not None and ix.clean.all()
    task = BlockTask("x", 0, len(buf), "x", None, None, None,
                     tuple(default_plan().rules_in_force()))
    quiet, whole = quiet_records(ix, task, AuditContext(Period.for_year(2026),
                                                        AuditOptions(today=TODAY)))
    assert quiet.numbers == [1, 3, 6]
    assert whole.tolist() == [1, 3, 4]  # 0-based: records 2, 4 and 5


def test_the_cli_multi_process_path_writes_the_careful_outputs(tmp_path):
    records = [_record(n, title=f"Кітап {n % 7}", author="Абай") for n in range(1, 400)]
    records[100] = _record(101, title="Казaхстан")
    path = _write(tmp_path / "many.iso", records)
    outputs = {}
    for name, opts in (("careful", []),  # a small file: the careful path
                       ("workers", ["--workers", "2", "--parallel-from", "1"])):
        for ext in ("json", "csv"):
            out = tmp_path / f"{name}.{ext}"
            subprocess.run([sys.executable, "-m", "rabiskit", "audit", str(path), "-o", str(out),
                            "--today", "2026-06-30", *opts], cwd=REPO, check=True,
                           capture_output=True)
            outputs[name, ext] = out.read_bytes()
    assert outputs["careful", "json"] == outputs["workers", "json"]
    assert outputs["careful", "csv"] == outputs["workers", "csv"]
    data = json.loads(outputs["workers", "json"])
    assert data["summary"]["mixed_script"] == 1 and data["records"] == 399
    assert data["summary"]["duplicate"] == 399 - 1  # seven titles by one author and year


# ------------------------------------------------------------------------- property

_TITLES = ["Қазақ әдебиеті", "История Казахстана", "Казaхстан тарихы", "Ќазаќстан",
           "Т?рих", "Kazakh history of the steppe", "Абай", "Тарих\tжәне", "Сказки = Ертегілер"]
_LANGS = [None, "kaz", "rus", "eng", "kk", "tar", "kazrus", "xxx"]
_DATES = ["20260115", "20270101", "19850101", "2026013", "20261301"]
_F005 = [None, "20260116101010.0", "20270116101010.0", "20250101101010.0", "x", "   "]
_ISBNS = [None, "978-601-7-12345-6", "601712345X", "9786017123463", "978-601-891-86876-7",
          "979-10-90636-07-1"]


_EXTRA = [(), (Field("710", subfields=[("a", "Ұлттық кітапхана")]),),
          (Field("214", subfields=[("d", "2024")]),),
          (Field("463", subfields=[("t", "Егемен Қазақстан"), ("v", "Б. 2")]),),
          (Field("200", ind1="1", subfields=[("a", "Екінші тақырып")]),),
          (Field("607", subfields=[("a", "Сәтбаев қаласы")]),)]


@st.composite
def _records(draw):
    n = draw(st.integers(1, 12))
    out = []
    for k in range(1, n + 1):
        out.append(_record(
            k, title=draw(st.sampled_from(_TITLES)), lang=draw(st.sampled_from(_LANGS)),
            date100=draw(st.sampled_from(_DATES)), f005=draw(st.sampled_from(_F005)),
            isbn=draw(st.sampled_from(_ISBNS)),
            author=draw(st.sampled_from(["Абай", "Әуезов", "...", " "])),
            extra=draw(st.sampled_from(_EXTRA)),
            year=draw(st.sampled_from(["2025", "2026", ""])),
            cn=draw(st.sampled_from([None, None, "", "KZ1"])),
            status=draw(st.sampled_from("ncd")), kind=draw(st.sampled_from(["am", "aa", "wm"]))))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=_records(), block_size=st.sampled_from([600, 2048, 1 << 20]))
@example(records=[_record(1), _record(2, title="Казaхстан тарихы")], block_size=600)
def test_block_path_equals_careful_path_on_random_records(tmp_path, records, block_size):
    path = _write(tmp_path / "random.iso", records)
    _same([path], block_size=block_size)


_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=60, deadline=None)
@given(kind=_TEXT, file=_TEXT, record=st.integers(0, 10**9), id=st.none() | _TEXT,
       title=st.none() | _TEXT, confidence=st.floats(0, 1) | st.integers(0, 1),
       level=st.none() | _TEXT, languages=st.lists(_TEXT, max_size=3).map(tuple),
       line=st.none() | st.integers(1, 10**6), group=st.none() | st.integers(1, 10**6))
def test_a_findings_json_text_is_the_indented_json_dump(kind, file, record, id, title,
                                                        confidence, level, languages, line,
                                                        group):
    from rabiskit.audit.findings import Finding

    f = Finding(kind, file, record, 0, id, title, "200$a", "evidence «x»\n", confidence, level,
                languages, line, group)
    want = json.dumps(f.as_dict(), ensure_ascii=False, indent=2).replace("\n", "\n    ")
    assert f.json_text() == want


def test_duplicate_texts_are_the_findings_json_from_a_spool_on_disk():
    """Two workers' finders merged (record numbers shifted, file indices mapped) into a
    finder whose spool is on disk: the duplicates' JSON texts are those of the findings,
    which are the ones written here."""
    from rabiskit.audit.duplicates import DuplicateFinder

    def part(file: str, titles: list[str]):
        f = DuplicateFinder(in_memory=None)
        for k, t in enumerate(titles, start=1):
            f.add_keys(file, k, 100 * k, f"{file}-{k}", t.capitalize(), "book", "", None, t,
                       ("kaz",), UNIMARC, (), "абай", "2025", False)
        return f.export()

    merged = DuplicateFinder(in_memory=64)  # (past 64 bytes: a temporary file)
    merged.merge(part("b.iso", ["тарих", "ертегі", "тарих"]), 0)
    merged.merge(part("a.iso", ["ертегі", "өлең"]), 0)
    merged.merge(part("b.iso", ["өлең"]), 3)
    try:
        found = list(merged.duplicate_findings())
        assert [(f.file, f.record, f.group) for f in found] == [
            ("b.iso", 1, 1), ("b.iso", 3, 1),  # тарих
            ("a.iso", 1, 2), ("b.iso", 2, 2),  # ертегі: sorted by file name in the group
            ("a.iso", 2, 3), ("b.iso", 4, 3)]  # өлең: b.iso's record 1 of the third part
        assert found[2].evidence == "same title, author, year and level as b.iso:2/b.iso-2"
        assert found[0].confidence == 0.95 and found[0].id == "b.iso-1"
        assert list(merged.duplicate_texts()) == [f.json_text() for f in found]
        assert list(merged.duplicate_texts()) == [f.json_text() for f in found]  # again
    finally:
        merged.close()


def _may_be_damaged_plainly(ix):
    """``rabiskit.audit.quiet.may_be_damaged`` written plainly, pass by pass over the bytes
    (its tables: ``_SINGLE``, ``_PAIR``, ``_LETTER``, ``_AFTER_RS``)."""
    import numpy as np

    from rabiskit.audit.quiet import _AFTER_RS, _LETTER, _PAIR, _SINGLE

    a = ix.arr
    flag = _SINGLE[a]
    if a.size >= 4:
        p = (a[:-1].astype(np.uint16) << 8) | a[1:]
        flag[:-1] |= _PAIR[p]
        flag[:-3] |= ((p[:-2] == 0xD0A0) | (p[:-2] == 0xD0A1)) & _AFTER_RS[p[2:]]
        flag[:-2] |= ((p[:-1] == 0xC390) | (p[:-1] == 0xC391)) & (a[2:] == 0xC2)
        lc = _LETTER[a[:-1]] & (a[1:] >= 0xD0) & (a[1:] <= 0xD4)
        lc[1:] &= a[:-2] != 0x1F
        flag[:-1] |= lc
    return [bool(flag[s:max(e, s + 1)].any()) and e > s
            for s, e in zip(ix.starts.tolist(), np.minimum(ix.ends, a.size - 1).tolist())]


_ODD = "РСрсÐÑ\u0080\u0090\u00bfaZqЖжӘә?\t\x7fЌЎ\ufffd -"


@settings(max_examples=40, deadline=None)
@given(titles=st.lists(st.text(st.sampled_from(_ODD), min_size=1, max_size=8), min_size=1,
                       max_size=6))
@example(titles=["Р\u0090"])  # UTF-8 read as cp1251: D0 A0 C2 90
@example(titles=["Ð\u0090", "a", "zЖ"])  # D0 .. after a Latin letter, one a subfield code
def test_the_damage_scan_finds_what_its_plain_form_finds(titles):
    from rabiskit.audit.quiet import may_be_damaged
    from rabiskit.facts.blocks import index_block

    buf = b"".join(encode_record(_record(k, title=t)) for k, t in enumerate(titles, start=1))
    ix = index_block(buf, encoding=None, flavour=None)
    assert ix is not None
    assert may_be_damaged(ix).tolist() == _may_be_damaged_plainly(ix)


def test_the_damage_scan_flags_hand_written_bytes():
    """Each record holds one thing the encoding checks react to, but the first two."""
    from rabiskit.audit.quiet import may_be_damaged
    from rabiskit.facts.blocks import index_block

    titles = ["Қазақ әдебиеті", "Ежелгі жыр",  # nothing
              "Р\u0090ус",  # Р, then U+0090: UTF-8 read as cp1251
              "Ð\u0091",  # UTF-8 read as Latin-1
              "Казaхстан",  # a Latin a inside a Cyrillic word
              "Тарих?",  # a question mark
              "Ќазаќстан"]  # KZ-1048 read as cp1251
    buf = b"".join(encode_record(_record(k, title=t)) for k, t in enumerate(titles, start=1))
    ix = index_block(buf, encoding=None, flavour=None)
    assert ix is not None
    assert may_be_damaged(ix).tolist() == [False, False, True, True, True, True, True]


_005 = ["20260116101010.0", "20261316101010.0", "20260116241010.0", "20260116106010.0",
        "20260116101060.0", "20260230101010.0", "2026011610101a.0", "20260116101010.05",
        "20260116101010 0", "20260116235959.9", "00000101000000.0", "    ", "20260116"]


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.sampled_from(_005) | st.text(st.sampled_from("0123456789. \x1f"),
                                                      min_size=14, max_size=17),
                      min_size=1, max_size=8))
@example(texts=_005)
def test_the_005s_read_at_once_are_those_read_one_by_one(texts):
    import numpy as np

    from rabiskit.audit.quiet import _NOT_QUIET, _changed, _changed_all

    buf = "".join(texts).encode("ascii")
    ends = np.cumsum([len(t) for t in texts])
    got = _changed_all(np.frombuffer(buf, np.uint8), ends - [len(t) for t in texts], ends)
    for text, g in zip(texts, got):
        want = _changed(text.encode("ascii"))
        if g is None:  # (left to ``_changed``)
            continue
        assert (None if g is _NOT_QUIET else g) == want, text
    if texts == _005:  # the usual shape (valid or not) is read at once
        assert [g is not None for g in got] == [True] * 6 + [False] * 3 + [True] * 2 + [False] * 2


def test_hand_written_005s_read_at_once():
    import datetime

    import numpy as np

    from rabiskit.audit.quiet import _NOT_QUIET, _changed_all

    texts = ["20260116101010.0", "20260230101010.0", "20260116241010.0", "2026011610101a.0"]
    buf = "".join(texts).encode("ascii")
    got = _changed_all(np.frombuffer(buf, np.uint8), np.array([0, 16, 32, 48]),
                       np.array([16, 32, 48, 64]))
    assert got == [("005", datetime.date(2026, 1, 16)), _NOT_QUIET, _NOT_QUIET, None]


def _groups_plainly(key_hash, key_ref, reason):
    """``rabiskit.audit.duplicates._groups_of`` written plainly: a union-find over the
    records of each key met more than once, each root the smallest record of its group."""
    parent: dict[int, int] = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    runs: dict[int, list[int]] = {}
    for position, h in enumerate(key_hash):
        runs.setdefault(h, []).append(position)
    keys = sorted((ps for ps in runs.values() if len(ps) > 1), key=lambda ps: ps[0])
    record = [r if r >= 0 else -r - 1 for r in key_ref]
    for ps in keys:
        for p in ps[1:]:
            a, b = find(record[ps[0]]), find(record[p])
            if a != b:
                parent[max(a, b)] = min(a, b)
    reasons: dict[int, list[str]] = {}
    for ps in keys:
        have = reasons.setdefault(find(record[ps[0]]), [])
        why = reason(ps[0], record[ps[0]])
        if why not in have:
            have.append(why)
    groups: dict[int, list[int]] = {}
    for m in sorted({record[p] for ps in keys for p in ps}):
        groups.setdefault(find(m), []).append(m)
    return [(groups[root], reasons[root]) for root in sorted(groups)]


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9), st.booleans()),
                     max_size=30))
@example(keys=[(1, 3, False), (2, 3, True), (2, 0, False), (1, 5, False), (4, 7, True),
               (4, 8, False)])
def test_duplicate_groups_are_those_of_a_plain_union_find(keys):
    """Keys (hash, record, an ISBN's key or a title's), records joined through chains."""
    from array import array

    from rabiskit.audit.duplicates import _groups_of

    key_hash = array("q", [h for h, _, _ in keys])
    key_ref = array("q", [-r - 1 if isbn else r for _, r, isbn in keys])

    def reason(position, record):
        return f"key {key_hash[position]}"

    assert _groups_of(key_hash, key_ref, reason) == _groups_plainly(key_hash, key_ref, reason)


def test_duplicate_groups_of_hand_written_keys():
    from array import array

    from rabiskit.audit.duplicates import _groups_of

    # records 3 and 0 by key 2, 3 and 5 by key 1 (so 0, 3, 5 are one group), 7 and 8 by
    # key 4; record 9's key 6 is met once
    key_hash = array("q", [1, 2, 2, 1, 4, 4, 6])
    key_ref = array("q", [3, -4, 0, 5, -8, 8, 9])
    got = _groups_of(key_hash, key_ref, lambda position, record: f"key {key_hash[position]}")
    assert got == [([0, 3, 5], ["key 1", "key 2"]), ([7, 8], ["key 4"])]
