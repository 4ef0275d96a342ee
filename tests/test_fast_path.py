"""The fast counting path gives exactly what the careful reader gives: the same counts, file
summaries, problems and record lists, whatever the block size and number of workers."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, FIXTURES, require_corpus
from rabiskit.aggregate.count import count_json
from rabiskit.pipeline.count import count_inputs
from rabiskit.aggregate.period import Period
from rabiskit.facts.scan import Input, problem_dict
from rabiskit.plan.load import default_plan


def _json(tally, scan, plan):
    data = count_json(tally, plan, [problem_dict(p) for p in scan.problems],
                      warnings=scan.warnings, files=[f.as_dict() for f in scan.files])
    data["months"] = {k: dict(v) for k, v in tally.months.items()}
    data["quarters"] = {q: {lv: [c.total, dict(c.languages)] for lv, c in v.items()}
                        for q, v in tally.quarters.items()}
    data["latest"] = tally.latest_date
    return json.loads(json.dumps(data, default=str, sort_keys=True))


def _both(inputs, period, **fast_opts):
    plan = default_plan()
    careful = _json(*count_inputs(inputs, plan, period, fast=False), plan)
    fast = _json(*count_inputs(inputs, plan, period, fast=True, **fast_opts), plan)
    return careful, fast


def _iso_fixtures():
    return sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".iso", ".mrc"))


@pytest.mark.parametrize("block", [300, 4096, 1 << 20])
def test_fixtures_fast_equals_careful(block):
    files = _iso_fixtures()
    assert len(files) >= 8
    for path in files:
        for period in (Period.for_year(2026), Period.for_quarter(2026, 1), Period.for_year(2025)):
            careful, fast = _both([Input(path)], period, workers=1, block_size=block)
            assert fast == careful, (path, period)


def test_db_level_and_two_workers():
    inputs = [Input(FIXTURES / "unimarc-utf8.iso"), Input(FIXTURES / "local-lore.iso", "local_lore"),
              Input(FIXTURES / "damaged.iso")]
    careful, fast = _both(inputs, Period.for_quarter(2026, 2), workers=2, block_size=2048)
    assert fast == careful
    assert fast["levels"]["local_lore"]["total"] > 0


def test_corpus_fast_equals_careful():
    corpus = require_corpus()
    checked = 0
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.suffix in (".md", ".xml", ".gz") or "xml" in path.name:
            continue
        head = path.read_bytes()[:200].lstrip()
        if head.startswith(b"<"):
            continue
        careful, fast = _both([Input(path)], Period.for_year(2009), workers=1, block_size=1500)
        assert fast == careful, path
        checked += 1
    assert checked > 150


def _xml_files():
    files = sorted(p for p in FIXTURES.rglob("*.xml"))
    corpus = CORPUS if CORPUS.is_dir() else None
    if corpus is not None:
        for p in sorted(corpus.rglob("*")):
            if p.is_file() and p.suffix != ".md" and p.read_bytes()[:300].lstrip().startswith(b"<"):
                files.append(p)
    return files


@pytest.mark.parametrize("block", [700, 1 << 20])
def test_marcxml_fast_equals_careful(block):
    files = _xml_files()
    assert len(files) >= 5
    for path in files:
        for period in (Period.for_year(2026), Period.for_year(2009)):
            careful, fast = _both([Input(path)], period, workers=1, block_size=block)
            assert fast == careful, (path, period)


def test_marcxml_fast_path_is_taken_for_a_plain_collection(tmp_path):
    from rabiskit.pipeline.workers import fast_count_xml_file
    from rabiskit.sources import open_source
    from rabiskit.sources.marcxml_writer import MarcXmlWriter

    xml = tmp_path / "c.xml"
    with MarcXmlWriter(xml) as w:
        for src in open_source(FIXTURES / "marc21-utf8.mrc"):
            w.write(src.record)
    res = fast_count_xml_file(xml, str(xml), db_level=None, flavour=None, block_size=900)
    assert res is not None and res.records == 60
    careful, fast = _both([Input(xml)], Period.for_year(2026), workers=2, block_size=900)
    assert fast == careful
    # a comment inside makes the document need the careful reader, with the same result
    text = xml.read_text(encoding="utf-8").replace("<record ", "<!-- note --><record ", 1)
    odd = tmp_path / "odd.xml"
    odd.write_text(text, encoding="utf-8")
    assert fast_count_xml_file(odd, str(odd), db_level=None, flavour=None) is None
    careful, fast = _both([Input(odd)], Period.for_year(2026), workers=1, block_size=900)
    assert fast == careful


def test_marcxml_fast_path_lines_of_listed_records_in_big_blocks(tmp_path):
    """Undated records of a pretty-printed collection are listed with the line of their
    record element, whether a block holds one record or all of them."""
    import re

    text = (FIXTURES / "marcxml-slim.xml").read_text(encoding="utf-8")
    undated = re.sub(r'<marc:controlfield tag="008">[^<]*</marc:controlfield>', "", text)
    path = tmp_path / "undated.xml"
    path.write_text(undated, encoding="utf-8")
    plan = default_plan()
    careful, _ = count_inputs([Input(path)], plan, Period.for_year(2026), fast=False)
    lines = [r.line for r in careful.undated_records]
    assert len(lines) == 20 and lines[0] == 3 and lines[1] > 20
    for block in (700, 1 << 20):
        fast, _ = count_inputs([Input(path)], plan, Period.for_year(2026), fast=True, workers=1,
                               block_size=block)
        assert [r.line for r in fast.undated_records] == lines, block


def test_block_utf8_check_agrees_with_python():
    """The numpy check of two-byte UTF-8 (Python's decoder beyond) gives what bytes.decode
    gives, on Cyrillic and Kazakh text, other sequences, the edge cases of RFC 3629 and
    random damage."""
    import numpy as np

    from rabiskit.facts.fast import utf8_valid

    _agree_with_python(utf8_valid, np)


def _agree_with_python(utf8_valid, np):
    import random

    edges = [b"\xed\xa0\x80", b"\xed\x9f\xbf", b"\xee\x80\x80", b"\xc0\xaf", b"\xc1\xbf",
             b"\xc2\x80", b"\xdf\xbf", b"\xe0\x80\xaf", b"\xe0\xa0\x80", b"\xef\xbf\xbf",
             b"\xf0\x80\x80\x80", b"\xf0\x90\x80\x80", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80",
             b"\xf5\x80\x80\x80", b"\xff", b"\xe2\x80", b"\x80", b"a\x00b"]
    good = []
    for data in edges:
        try:
            data.decode("utf-8")
            expected = True
            good.append(data)
        except UnicodeDecodeError:
            expected = False
        assert utf8_valid(data, np.frombuffer(data, dtype=np.uint8)) == expected, data
    rng = random.Random(7)
    pieces = [c.encode() for c in "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіӘҒҚ ABCabc 123.,«»"]
    pieces += [b"\xe2\x80\x94", b"\xf0\x9f\x98\x80", b"\x1e", b"\x1f"] + good
    valid = invalid = 0
    for _ in range(5000):
        data = bytearray(b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))))
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 3)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data)
        arr = np.frombuffer(data, dtype=np.uint8)
        try:
            data.decode("utf-8")
            expected = True
        except UnicodeDecodeError:
            expected = False
        assert utf8_valid(data, arr) == expected, data
        assert utf8_valid(data, arr, int(arr.max())) == expected, data
        valid += expected
        invalid += not expected
    assert valid > 1000 and invalid > 1000


@pytest.mark.parametrize("old, new", [
    ("Юные краеведы", "Юные\x01краеведы"),  # control characters XML does not allow
    ("Юные краеведы", "Юные\x1fкраеведы"),
    ("Юные краеведы", "Юные\uffffкраеведы"),  # nor U+FFFE, U+FFFF
    ("Юные краеведы", "Юные\ufffeкраеведы"),
    ("Юные краеведы", "Юные\tкраеведы"),  # a tab is allowed
    ('tag="245"', 'tag="24"'),  # tags, indicators and codes the careful reader reports
    ('tag="245"', 'tag="2 5"'),
    ('ind1="0" ind2="0"', 'ind1="00" ind2="0"'),
    ('ind1="0" ind2="0"', 'ind1="" ind2="0"'),
    ('<marc:subfield code="a">Юные', '<marc:subfield code="ab">Юные'),
    ('<marc:subfield code="a">Юные', '<marc:subfield code="">Юные'),
    ("Юные краеведы", "Юные <!-- ? --> краеведы"),
])
def test_marcxml_odd_content_reads_as_the_careful_reader_reads_it(tmp_path, old, new):
    text = (FIXTURES / "marcxml-slim.xml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "odd.xml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    careful, fast = _both([Input(path)], Period.for_year(2026), workers=1, block_size=1 << 20)
    assert fast == careful


def test_many_small_files_share_the_workers_and_keep_input_order(tmp_path):
    """Small files the fast path can take, mixed with files it cannot (gzip, a collection
    that is not plain, a damaged export), counted together on two workers: the same JSON as
    the careful reader, undated and deleted records listed in input order."""
    import gzip
    import shutil

    gz = tmp_path / "unimarc.iso.gz"
    gz.write_bytes(gzip.compress((FIXTURES / "unimarc-utf8.iso").read_bytes()))
    odd = tmp_path / "odd.xml"
    odd.write_text((FIXTURES / "marcxml-slim.xml").read_text(encoding="utf-8")
                   .replace("<marc:record>", "<!-- x --><marc:record>", 1), encoding="utf-8")
    names = ["unimarc-utf8.iso", "damaged.iso", "marc21-utf8.mrc", "marcxml-slim.xml",
             "rusmarc-cp1251.iso", "local-lore.iso", "marcxml-default-ns.xml", "unimarc-kz1048.iso"]
    inputs = []
    for i, name in enumerate(names * 2):
        copy = tmp_path / f"{i:02d}-{name}"
        shutil.copyfile(FIXTURES / name, copy)
        if i % 2:  # change one byte of the leader status, so no file repeats another
            data = bytearray(copy.read_bytes())
            if not name.endswith(".xml"):
                data[5:6] = b"c" if data[5:6] != b"c" else b"n"
                copy.write_bytes(bytes(data))
        inputs.append(Input(copy))
        if i == 3:
            inputs.append(Input(gz))
        if i == 6:
            inputs.append(Input(odd))
    plan = default_plan()
    for period in (Period.for_year(2026), Period.for_quarter(2026, 2)):
        careful = _json(*count_inputs(inputs, plan, period, fast=False), plan)
        auto = _json(*count_inputs(inputs, plan, period, workers=2, block_size=2048,
                                   min_fast_size=1), plan)
        assert auto == careful
    assert len(careful["files"]) == len(inputs)


def test_key_counts_fold_without_losing_a_record():
    import numpy as np

    from rabiskit.pipeline.workers import KeyCounts

    rng = np.random.default_rng(3)
    kc = KeyCounts(fold_at=50)
    expected: dict[int, int] = {}
    for _ in range(40):
        keys = np.unique(rng.integers(0, 200, size=30))
        counts = rng.integers(1, 9, size=keys.size)
        kc.add(keys, counts)
        for k, c in zip(keys.tolist(), counts.tolist()):
            expected[k] = expected.get(k, 0) + c
        assert kc.size <= max(50, len(expected)) + 30  # folded: at most the distinct keys
    k, c = kc.total()
    assert dict(zip(k.tolist(), c.tolist())) == expected


def test_progress_names_the_file_and_ends_at_its_size(tmp_path):
    """Progress is reported per file (bytes read so far, file), fast or careful, so a
    collection the fast path gives up halfway and reads again is not counted twice."""
    import shutil

    odd = tmp_path / "odd.xml"
    text = (FIXTURES / "marcxml-slim.xml").read_text(encoding="utf-8")
    i = text.rindex("<marc:record>")
    odd.write_text(text[:i] + "<!-- late -->" + text[i:], encoding="utf-8")
    iso = tmp_path / "u.iso"
    shutil.copyfile(FIXTURES / "unimarc-utf8.iso", iso)
    seen: list[tuple[int, str]] = []
    inputs = [Input(iso), Input(odd)]
    count_inputs(inputs, default_plan(), Period.for_year(2026), workers=1, block_size=700,
                 min_fast_size=1, progress=lambda n, f: seen.append((n, f)))
    last = {}
    for n, f in seen:
        last[f] = n
    assert last == {str(iso): iso.stat().st_size, str(odd): odd.stat().st_size}
    xml_calls = [n for n, f in seen if f == str(odd)]
    # blocks counted by the fast path before it gave up, then the careful reading: the
    # file's bytes are counted once (the last value stands for the file)
    assert xml_calls[0] < odd.stat().st_size and len(xml_calls) > 2
