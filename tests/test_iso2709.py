"""The ISO 2709 reader: real bytes, every kind of damage, encodings, and the real-world corpus."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import in_ci, require_corpus
from rabiskit.records import Field, Record
from rabiskit.sources import open_source
from rabiskit.sources.iso2709 import Iso2709Reader
from rabiskit.sources.iso2709_writer import encode_record

KAZ_TITLE = "Қазақстанның әдебиеті мен өнері: ұлттық үрдістер"
RUS_TITLE = "Литература и искусство Казахстана"


def unimarc(n: int, title: str = KAZ_TITLE, lang: str = "kaz", charset: str = "50",
            date: str = "20260115", author: str | None = None) -> Record:
    author = author or ("Әлихан Бөкейхан" if lang == "kaz" else "Иван Петров")
    a100 = f"{date}d2025    k  y0kazy{charset}      ca"
    return Record("     nam a22     i 4500", [
        Field("001", data=f"KZ{n:07d}"),
        Field("005", data="20260120101500.0"),
        Field("100", ind1=" ", ind2=" ", subfields=[("a", a100)]),
        Field("101", ind1="0", ind2=" ", subfields=[("a", lang)]),
        Field("200", ind1="1", ind2=" ", subfields=[("a", f"{title} {n}"), ("f", author)]),
        Field("215", ind1=" ", ind2=" ", subfields=[("a", "382, [2] б.")]),
    ])


def marc21(n: int, title: str = "Summerland", date: str = "260115") -> Record:
    f008 = f"{date}s2025    ru            000 0 rus d"
    return Record("     nam a22     1a 4500", [
        Field("001", data=f"US{n:07d}"),
        Field("008", data=f008),
        Field("245", ind1="1", ind2="0", subfields=[("a", f"{title} {n} /"), ("c", "M. Chabon.")]),
        Field("300", ind1=" ", ind2=" ", subfields=[("a", "256 p.")]),
    ])


def write(tmp_path, name: str, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def read(path, **kw):
    r = Iso2709Reader(path, **kw)
    recs = list(r)
    return r, recs


def accounted(r: Iso2709Reader) -> bool:
    return r.bytes_in_records + r.bytes_skipped == r.size


# -- intact files ----------------------------------------------------------------------

def test_intact_utf8_unimarc_reads_every_record_and_text(tmp_path):
    data = b"".join(encode_record(unimarc(i)) for i in range(1, 51))
    r, recs = read(write(tmp_path, "a.iso", data))
    assert len(recs) == 50 and not r.problems and accounted(r)
    first = recs[0]
    assert first.flavour == "unimarc" and first.encoding == "utf-8"
    assert first.record.subfield("200", "a") == f"{KAZ_TITLE} 1"
    assert first.offset == 0 and recs[1].offset == len(encode_record(unimarc(1)))
    assert first.raw == encode_record(unimarc(1))


def test_streams_with_small_blocks(tmp_path):
    data = b"".join(encode_record(unimarc(i)) for i in range(1, 40))
    r, recs = read(write(tmp_path, "a.iso", data), block_size=97)
    assert len(recs) == 39 and not r.problems and accounted(r)
    assert [x.record.control("001") for x in recs] == [f"KZ{i:07d}" for i in range(1, 40)]


@pytest.mark.parametrize("encoding,charset", [("kz1048", "01"), ("cp1251", "89"), ("cp866", "01")])
def test_single_byte_encodings_are_detected_from_the_bytes(tmp_path, encoding, charset):
    title = KAZ_TITLE if encoding == "kz1048" else RUS_TITLE
    lang = "kaz" if encoding == "kz1048" else "rus"
    data = b"".join(encode_record(unimarc(i, title, lang, charset), encoding) for i in range(1, 6))
    r, recs = read(write(tmp_path, "a.iso", data))
    assert {x.encoding for x in recs} == {encoding}
    assert recs[2].record.subfield("200", "a") == f"{title} 3"
    if encoding == "kz1048":
        assert recs[0].record.subfield("200", "f") == "Әлихан Бөкейхан"


def test_kz1048_declared_utf8_is_still_kz1048(tmp_path):
    data = encode_record(unimarc(1, charset="50"), "kz1048")
    _, recs = read(write(tmp_path, "a.iso", data))
    assert recs[0].encoding == "kz1048"
    assert "declared utf-8" in recs[0].encoding_reason
    assert recs[0].record.subfield("200", "a").startswith("Қазақстанның")


def test_cp1251_record_that_lost_kazakh_letters_stays_cp1251(tmp_path):
    # Only Russian letters (and і, which cp1251 has): no KZ-1048 bytes inside words.
    data = encode_record(unimarc(1, "Казак тiлi", "kaz", "89", author="Абай Кунанбаев"), "cp1251")
    _, recs = read(write(tmp_path, "a.iso", data))
    assert recs[0].encoding == "cp1251"


def test_marc8_cyrillic_and_forced_encoding(tmp_path):
    data = encode_record(marc21(1, "Война и мир"), "marc-8")
    _, recs = read(write(tmp_path, "a.mrc", data))
    assert recs[0].flavour == "marc21" and recs[0].encoding == "marc-8"
    assert recs[0].record.subfield("245", "a") == "Война и мир 1 /"
    _, forced = read(write(tmp_path, "b.mrc", encode_record(unimarc(2, RUS_TITLE, "rus"), "cp1251")), encoding="cp866")
    assert forced[0].encoding == "cp866" and forced[0].encoding_reason == "--encoding"


def test_flavour_override(tmp_path):
    _, recs = read(write(tmp_path, "a.iso", encode_record(unimarc(1))), flavour="marc21")
    assert recs[0].flavour == "marc21"


# -- damage ----------------------------------------------------------------------------

def three(tmp_path, mutate, name="d.iso"):
    """Three records; ``mutate(list_of_record_bytes)`` damages them; returns (reader, records)."""
    parts = [encode_record(unimarc(i)) for i in (1, 2, 3)]
    data = mutate(parts)
    r, recs = read(write(tmp_path, name, data))
    assert accounted(r), "every byte must be in a record or a reported problem"
    return r, recs, parts


def test_wrong_record_length_too_long_and_too_short(tmp_path):
    def mutate(p):
        p[0] = b"99999" + p[0][5:]
        p[1] = b"00050" + p[1][5:]
        return b"".join(p)
    r, recs, parts = three(tmp_path, mutate)
    assert len(recs) == 3
    assert [x.record.control("001") for x in recs] == ["KZ0000001", "KZ0000002", "KZ0000003"]
    kinds = [(p.record, p.kind, p.offset) for p in r.problems]
    assert kinds == [(1, "leader_length", 0), (2, "leader_length", len(parts[0]))]
    assert recs[0].damaged and recs[1].damaged and not recs[2].damaged
    assert recs[0].record.subfield("200", "a") == f"{KAZ_TITLE} 1"


def test_non_numeric_record_length(tmp_path):
    r, recs, _ = three(tmp_path, lambda p: b"".join([p[0], b"0x1z9" + p[1][5:], p[2]]))
    assert len(recs) == 3
    assert [(p.record, p.kind) for p in r.problems] == [(2, "leader_length")]
    assert "not a number" in r.problems[0].message


def test_base_address_outside_the_record(tmp_path):
    def mutate(p):
        p[1] = p[1][:12] + b"99000" + p[1][17:]
        return b"".join(p)
    r, recs, parts = three(tmp_path, mutate)
    assert len(recs) == 3 and recs[1].record.subfield("200", "a") == f"{KAZ_TITLE} 2"
    assert [(p.record, p.kind, p.offset) for p in r.problems] == [(2, "base_address", len(parts[0]) + 12)]


def test_directory_entry_past_the_end_and_non_numeric_length(tmp_path):
    def mutate(p):
        rec = bytearray(p[1])
        # entry 5 (tag 200): start far beyond the end
        e = 24 + 4 * 12
        rec[e + 7:e + 12] = b"90000"
        # entry 6 (tag 215): non-numeric length
        e2 = 24 + 5 * 12
        rec[e2 + 3:e2 + 7] = b"00x7"
        p[1] = bytes(rec)
        return b"".join(p)
    r, recs, _ = three(tmp_path, mutate)
    assert len(recs) == 3
    rec2 = recs[1].record
    assert rec2.subfield("200", "a") == f"{KAZ_TITLE} 2"  # salvaged from the data
    assert rec2.subfield("215", "a") == "382, [2] б."
    assert [(p.record, p.kind) for p in r.problems] == [(2, "directory"), (2, "directory")]
    assert "tag 200" in r.problems[0].message and "tag 215" in r.problems[1].message


def test_missing_field_terminator(tmp_path):
    def mutate(p):
        rec = p[1]
        # the field terminator after 200 becomes a plain byte
        i = rec.index(b"\x1e", rec.index("Бөкейхан".encode()))
        p[1] = rec[:i] + b" " + rec[i + 1:]
        return b"".join(p)
    r, recs, _ = three(tmp_path, mutate)
    assert len(recs) == 3
    assert [(p.record, p.kind) for p in r.problems] == [(2, "directory")]
    assert recs[1].record.subfield("200", "a") == f"{KAZ_TITLE} 2"


def test_missing_record_terminator_between_records(tmp_path):
    r, recs, parts = three(tmp_path, lambda p: p[0][:-1] + p[1] + p[2])
    assert len(recs) == 3
    assert [x.record.control("001") for x in recs] == ["KZ0000001", "KZ0000002", "KZ0000003"]
    assert [(p.record, p.kind) for p in r.problems] == [(1, "missing_terminator")]
    assert recs[1].offset == len(parts[0]) - 1


def test_garbage_and_blank_lines_between_records(tmp_path):
    r, recs, parts = three(tmp_path, lambda p: p[0] + b"\r\n" + p[1] + b"#### junk ####" + p[2])
    assert len(recs) == 3
    got = [(p.record, p.kind, p.offset, p.skipped) for p in r.problems]
    assert got == [(None, "separator", len(parts[0]), 2),
                   (None, "garbage", len(parts[0]) + 2 + len(parts[1]), 14)]


def test_truncated_last_record_keeps_complete_fields(tmp_path):
    def mutate(p):
        cut = p[2].index("Бөкейхан".encode()) + 3
        return p[0] + p[1] + p[2][:cut]
    r, recs, _ = three(tmp_path, mutate)
    assert len(recs) == 3
    last = recs[2]
    assert last.damaged and last.record.control("001") == "KZ0000003"
    assert last.record.subfield("101", "a") == "kaz"
    assert any(p.kind == "truncated" and p.record == 3 for p in r.problems)


def test_record_over_99999_bytes(tmp_path):
    big = unimarc(2)
    for i in range(12):
        big.fields.append(Field("330", ind1=" ", ind2=" ", subfields=[("a", "ж" * 4500 + str(i))]))
    raw = bytearray(encode_record(big)) if False else None
    # encode_record refuses lengths it cannot write; build the oversize record by hand
    body = [encode_record(unimarc(2))]
    rec = _oversize_record(big)
    data = encode_record(unimarc(1)) + rec + encode_record(unimarc(3))
    r, recs = read(write(tmp_path, "big.iso", data))
    assert accounted(r)
    assert len(recs) == 3 and len(recs[1].record.get_fields("330")) == 12
    assert recs[1].length > 99_999
    assert [p.kind for p in r.problems if p.record == 2] == ["oversize"]
    del raw, body


def _oversize_record(record: Record) -> bytes:
    """ISO 2709 bytes with the leader length 99999 for a record longer than that."""
    fields = []
    for f in record.fields:
        if f.data is not None:
            fields.append((f.tag, f.data.encode() + b"\x1e"))
        else:
            body = (f.ind1 + f.ind2).encode() + b"".join(
                b"\x1f" + c.encode() + v.encode() for c, v in f.subfields)
            fields.append((f.tag, body + b"\x1e"))
    directory = b""
    pos = 0
    for tag, b in fields:
        directory += tag.encode() + b"%04d" % min(len(b), 9999) + b"%05d" % (pos % 100000)
        pos += len(b)
    base = 24 + len(directory) + 1
    leader = b"99999nam a22" + b"%05d" % base + b" i 4500"
    return leader + directory + b"\x1e" + b"".join(b for _, b in fields) + b"\x1d"


def test_empty_and_text_files_give_no_records_and_no_crash(tmp_path):
    r, recs = read(write(tmp_path, "empty.iso", b""))
    assert recs == [] and r.problems == []
    r, recs = read(write(tmp_path, "t.txt", "Бұл MARC емес.\nJust text\n".encode()))
    assert recs == [] and accounted(r) and r.problems[0].kind == "garbage"


def test_gzip_input(tmp_path):
    import gzip

    data = b"".join(encode_record(unimarc(i)) for i in range(1, 4))
    p = tmp_path / "a.iso.gz"
    p.write_bytes(gzip.compress(data))
    _, recs = read(p)
    assert len(recs) == 3


def test_input_file_is_never_modified(tmp_path):
    data = encode_record(unimarc(1))[:-40]
    p = write(tmp_path, "t.iso", data)
    read(p)
    assert p.read_bytes() == data


# -- the real-world corpus ---------------------------------------------------------------

def _sources_rows():
    corpus = require_corpus()
    rows = []
    for line in (corpus / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append({"file": cells[0].strip("`"), "format": cells[5], "encoding": cells[6],
                     "records": cells[7], "notes": cells[9]})
    return corpus, rows


def _iso_files():
    corpus, rows = _sources_rows()
    out = []
    for row in rows:
        path = corpus / row["file"]
        if not path.is_file() or "xml" in row["format"].lower():
            continue
        try:
            if open_source(path).format != "iso2709":
                continue
        except Exception:
            continue
        out.append((path, row))
    return out


def _intact(row, path=None) -> bool:
    """Intact as SOURCES.md describes it and, given a path, without damage our reader reports."""
    broken = re.search(r"BROKEN|TRUNCATED|NOT ISO|NOT valid|fragment|trailing", row["notes"] + row["records"])
    if not row["records"].isdigit() or broken:
        return False
    if path is not None:
        return not any(x.damaged for x in open_source(path))
    return True


def test_corpus_every_file_reads_without_crash_and_accounts_for_every_byte():
    files = _iso_files()
    assert len(files) > 150
    for path, _ in files:
        r = open_source(path)
        recs = list(r)
        assert r.bytes_in_records + r.bytes_skipped == r.size, path
        for x in recs:
            assert x.record.leader and len(x.record.leader) == 24


def test_corpus_intact_files_read_with_their_record_count():
    checked = 0
    for path, row in _iso_files():
        if not _intact(row):
            continue
        n = sum(1 for _ in open_source(path))
        assert n == int(row["records"]), f"{path}: {n} records, SOURCES.md says {row['records']}"
        checked += 1
    assert checked > 130


def test_corpus_cyrillic_comes_out_right():
    corpus = require_corpus()
    expect = {
        "AleksST_marc/stav6.mrc": ("cp866", "200", "Остаться в живых"),
        "AleksST_marc/sven09.mrc": ("cp1251", "200", "Орден имени Вадима Степанцова"),
        "amironov73_JavaIrbis/test1.iso": ("cp1251", None, None),
        "edsu_pymarc/1251.dat": ("cp1251", None, None),
        "ruby-marc_ruby-marc/cp866_unimarc.marc": ("cp866", None, None),
    }
    for name, (enc, tag, start) in expect.items():
        recs = list(open_source(corpus / name))
        assert {x.encoding for x in recs} == {enc}, name
        text = " ".join(f.text() for x in recs for f in x.record.fields)
        assert re.search("[а-яА-Я]{4}", text), name
        assert "\ufffd" not in text, name
        if tag:
            assert any(x.record.subfield(tag, "a", ) and x.record.subfield(tag, "a").startswith(start)
                       for x in recs), name


def test_corpus_field_values_equal_pymarc_where_pymarc_reads_right():
    import pymarc

    require_corpus()
    compared = 0
    for path, row in _iso_files():
        if not _intact(row, path) or "UTF-8" not in row["encoding"] or "MARC21" not in row["format"]:
            continue
        with path.open("rb") as fh:
            theirs = list(pymarc.MARCReader(fh, to_unicode=True, force_utf8=True,
                                            utf8_handling="strict"))
        if any(r is None for r in theirs):
            continue
        ours = list(open_source(path))
        if any(x.encoding != "utf-8" for x in ours):
            continue
        assert len(ours) == len(theirs), path
        for a, b in zip(ours, theirs):
            if any("\ufffd" in f.text() or any("\ufffd" in c for c, _ in f.subfields)
                   for f in a.record.fields):
                continue  # replacement characters in the file itself: pymarc guesses, we keep them
            assert a.record.leader == str(b.leader), path
            assert [f.tag for f in a.record.fields] == [f.tag for f in b.fields], path
            for fa, fb in zip(a.record.fields, b.fields):
                if fa.data is not None and fb.is_control_field():
                    assert fa.data == fb.data, (path, fa.tag)
                elif fa.data is None and not fb.is_control_field():
                    assert [(s[0], s[1]) for s in fa.subfields] == [
                        (s.code, s.value) for s in fb.subfields], (path, fa.tag)
        compared += 1
    assert compared > 40


def _yaz_count(path) -> int | None:
    out = subprocess.run(["yaz-marcdump", "-n", "-p", str(path)], capture_output=True, timeout=60)
    return len(re.findall(rb"<!-- Record \d+ offset", out.stdout))


def test_corpus_record_counts_equal_yaz_marcdump_on_intact_files():
    if shutil.which("yaz-marcdump") is None:
        if in_ci():
            pytest.fail("yaz-marcdump must be installed in CI (Debian package yaz)")
        pytest.skip("yaz-marcdump is not installed (Debian package yaz)")
    checked = 0
    for path, row in _iso_files():
        if not _intact(row, path) or path.suffix == ".gz":
            continue
        n = sum(1 for _ in open_source(path))
        assert n == _yaz_count(path), path
        checked += 1
    assert checked > 130


def test_damaged_fixture_gives_one_problem_per_damage():
    import json

    from conftest import FIXTURES

    truth = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))["files"]["damaged.iso"]
    r = Iso2709Reader(FIXTURES / "damaged.iso")
    recs = list(r)
    assert len(recs) == truth["records"] and accounted(r)
    assert len(r.problems) == len(truth["damages"])
    for p, d in zip(sorted(r.problems, key=lambda p: p.offset), truth["damages"]):
        assert p.record == d["record"], (p, d)
        if d["record"] is None:
            assert p.offset == d["offset"] and p.skipped == d["length"]
    damaged = {x.number for x in recs if x.damaged}
    assert damaged == {d["record"] for d in truth["damages"] if d["record"]}
    # every record keeps its 001 and title, the truncated one included
    for x, item in zip(recs, truth["items"]):
        assert x.record.control("001") == item["id"]


def test_oversize_record_fields_past_99999_are_found_without_extra_problems(tmp_path):
    big = unimarc(2)
    for i in range(30):
        big.fields.append(Field("330", ind1=" ", ind2=" ", subfields=[("a", "ж" * 2000 + str(i))]))
    big.fields.append(Field("801", ind2="0", subfields=[("c", "20260101")]))
    data = encode_record(unimarc(1)) + _oversize_record(big) + encode_record(unimarc(3))
    r, recs = read(write(tmp_path, "big.iso", data))
    assert [p.kind for p in r.problems] == ["oversize"]
    assert recs[1].record.subfield("801", "c") == "20260101"
    assert len(recs[1].record.get_fields("330")) == 30


def test_noise_with_terminators_is_garbage_not_records(tmp_path):
    import random

    rnd = random.Random(7)
    noise = bytes(rnd.choice(b"abc\xd0\xb0\x1e\x1d!?") for _ in range(4000))
    r, recs = read(write(tmp_path, "noise.iso", noise + encode_record(unimarc(1))))
    assert [x.record.control("001") for x in recs] == ["KZ0000001"]
    assert accounted(r) and {p.kind for p in r.problems} == {"garbage"}
