"""``rabiskit export``: exchange files for the regional library.

Checked against the fixtures' ground truth (truth.json, written by the generator, not by
rabiskit): the selected records' bytes are cut from the input files at the truth's
offsets, and the number written equals ``rabiskit count``'s for the same levels and period.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from rabiskit.cli.main import app
from rabiskit.sources import open_source

TRUTH = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def expected_bytes(files: dict[str, str | None], levels: set[str], start: dt.date,
                   end: dt.date) -> tuple[bytes, list[str]]:
    """The input records the export must hold, cut from the files by the truth's offsets
    and the lengths in their own leaders: (bytes, control numbers)."""
    out, ids = [], []
    for name, db_level in files.items():
        data = (FIXTURES / name).read_bytes()
        for item in TRUTH["files"][name]["items"]:
            level = db_level or item["level"]
            d = item["date_entered"]
            if item["status"] == "d" or d is None or level not in levels:
                continue
            if not start <= dt.date.fromisoformat(d) <= end:
                continue
            off = item["offset"]
            length = int(data[off:off + 5])
            assert data[off + length - 1] == 0x1D
            out.append(data[off:off + length])
            ids.append(item["id"])
    return b"".join(out), ids


def count_total(args: list, levels: list[str], extra: list[str]) -> int:
    r = run("count", *args, *extra, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    return sum(data["levels"][lv]["total"] for lv in levels)


INPUTS = {"unimarc-utf8.iso": None, "rusmarc-cp1251.iso": None, "unimarc-kz1048.iso": None,
          "local-lore.iso": "local_lore"}


def cli_inputs(files: dict[str, str | None]) -> list:
    args: list = []
    for name, db in files.items():
        args += ["--db", db, FIXTURES / name] if db else [FIXTURES / name]
    return args


def test_iso_export_is_byte_identical_and_counts_as_count_does(tmp_path):
    out = tmp_path / "to-regional.iso"
    levels = ["article", "local_lore"]
    r = run("export", *cli_inputs(INPUTS), "--level", "article", "--level", "local_lore",
            "--quarter", "1", "-o", out, "--format", "json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    expected, ids = expected_bytes(INPUTS, set(levels), *Q1)
    assert len(ids) > 20  # the test means something
    assert out.read_bytes() == expected
    assert summary["written"] == len(ids) == count_total(cli_inputs(INPUTS), levels,
                                                          ["--quarter", "1"])
    assert summary["rebuilt"] == [] and summary["reencoded"] == 0
    _, lore_ids = expected_bytes({"local-lore.iso": "local_lore"}, {"local_lore"}, *Q1)
    assert summary["levels"] == {"article": len(ids) - len(lore_ids), "local_lore": len(lore_ids)}
    assert len(lore_ids) > 3
    # the written records read back as what they were
    back = [s.record.control("001") for s in open_source(out)]
    assert back == ids


@pytest.mark.parametrize("quarter", ["2", "3", "4"])
def test_export_count_equals_count_for_every_quarter(tmp_path, quarter):
    out = tmp_path / "q.mrc"
    files = {"marc21-utf8.mrc": None, "marc21-marc8.mrc": None, "rusmarc-cp866.iso": None,
             "unimarc-utf8.iso": None}
    r = run("export", *cli_inputs(files), "--level", "book,article,ebook", "--quarter", quarter,
            "-o", out, "--format", "json")
    assert r.exit_code == 0, r.output
    q = int(quarter)
    start = dt.date(2026, 3 * q - 2, 1)
    end = dt.date(2026, 12, 31) if q == 4 else dt.date(2026, 3 * q + 1, 1) - dt.timedelta(days=1)
    expected, ids = expected_bytes(files, {"book", "article", "ebook"}, start, end)
    assert out.read_bytes() == expected
    assert json.loads(r.stdout)["written"] == len(ids) == count_total(
        cli_inputs(files), ["book", "article", "ebook"], ["--quarter", quarter])


def _fields_without_charset(record):
    out = []
    for f in record.fields:
        if f.tag == "100" and f.data is None:
            out.append(("100", [(c, v[:26] + v[30:] if c == "a" else v) for c, v in f.subfields]))
        elif f.data is not None:
            out.append((f.tag, f.data))
        else:
            out.append((f.tag, f.ind1, f.ind2, list(f.subfields)))
    return out


def test_utf8_export_reencodes_and_updates_the_declaration(tmp_path):
    files = {"unimarc-kz1048.iso": None, "rusmarc-cp1251.iso": None, "marc21-marc8.mrc": None}
    plain, utf8 = tmp_path / "plain.iso", tmp_path / "utf8.iso"
    common = [*cli_inputs(files), "--level", "article,book", "--year", "2026"]
    assert run("export", *common, "-o", plain).exit_code == 0
    r = run("export", *common, "-o", utf8, "--utf8", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["reencoded"] == json.loads(r.stdout)["written"] > 50
    originals = list(open_source(plain))
    recoded = list(open_source(utf8))
    assert len(originals) == len(recoded)
    assert {s.encoding for s in originals} == {"kz1048", "cp1251", "marc-8"}
    for o, u in zip(originals, recoded):
        assert u.encoding == "utf-8" and not u.damaged and not u.problems
        if u.flavour == "marc21":
            assert u.record.leader[9] == "a"
        else:
            assert u.record.subfield("100", "a")[26:28] == "50"
        assert _fields_without_charset(u.record) == _fields_without_charset(o.record)
    # Kazakh letters survived the trip from KZ-1048
    titles = " ".join(u.record.subfield("200", "a") or "" for u in recoded)
    assert any(ch in titles for ch in "ӘәҒғҚқҢңӨөҰұҮүҺһ")


def test_marcxml_export_reads_back_the_same_records(tmp_path):
    files = {"unimarc-utf8.iso": None, "marc21-utf8.mrc": None}
    iso, xml = tmp_path / "x.iso", tmp_path / "x.xml"
    common = [*cli_inputs(files), "--level", "article", "--quarter", "2"]
    assert run("export", *common, "-o", iso).exit_code == 0
    r = run("export", *common, "-o", xml, "--format", "json")
    assert r.exit_code == 0, r.output
    a = list(open_source(iso))
    b = list(open_source(xml))
    assert len(a) == len(b) == json.loads(r.stdout)["written"] > 10
    for x, y in zip(a, b):
        assert x.record.fields == y.record.fields
        assert x.record.leader[5:10] == y.record.leader[5:10]


def test_damaged_records_are_rebuilt_and_intact_ones_copied(tmp_path):
    out = tmp_path / "d.iso"
    r = run("export", FIXTURES / "damaged.iso", "--level", "book,article", "-o", out,
            "--format", "json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["written"] == 22 == count_total([FIXTURES / "damaged.iso"],
                                                   ["book", "article"], [])
    damaged = {d["record"] for d in TRUTH["files"]["damaged.iso"]["damages"] if d["record"]}
    rebuilt = {x["record"] for x in summary["rebuilt"]}
    as_read = {x["record"] for x in summary["damaged_as_read"]}
    assert rebuilt and rebuilt | as_read <= damaged
    back = list(open_source(out))
    assert len(back) == 22
    data = (FIXTURES / "damaged.iso").read_bytes()
    items = {i["id"]: i for i in TRUTH["files"]["damaged.iso"]["items"]}
    for src in back:
        item = items[src.record.control("001")]
        if item["record"] in rebuilt:
            assert not src.damaged and not src.problems  # a sound record now
        elif item["record"] not in damaged:
            off = item["offset"]
            assert src.raw == data[off:off + int(data[off:off + 5])]


def test_marcxml_input_to_iso_is_encoded_in_utf8(tmp_path):
    out = tmp_path / "from-xml.iso"
    r = run("export", FIXTURES / "marcxml-default-ns.xml", "--level", "book,article",
            "-o", out, "--format", "json")
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["written"] == s["reencoded"] > 0
    back = list(open_source(out))
    assert len(back) == s["written"] and all(b.encoding == "utf-8" for b in back)


def test_export_refuses_bad_requests_before_reading(tmp_path):
    src = FIXTURES / "unimarc-utf8.iso"
    r = run("export", src, "--level", "article", "-o", tmp_path / "x.docx")
    assert r.exit_code == 2 and ".xml (MARCXML)" in r.stderr
    r = run("export", src, "--level", "novel", "-o", tmp_path / "x.iso")
    assert r.exit_code == 2 and "unknown level" in r.stderr
    r = run("export", src, "-o", tmp_path / "x.iso")
    assert r.exit_code == 2 and "--level" in r.stderr
    copy = tmp_path / "in.iso"
    copy.write_bytes(src.read_bytes())
    r = run("export", copy, "--level", "article", "-o", copy)
    assert r.exit_code == 2 and "is also an input" in r.stderr
    assert copy.read_bytes() == src.read_bytes()
    assert not (tmp_path / "x.iso").exists()
    assert "Traceback" not in r.output


def test_an_empty_selection_writes_an_empty_file_and_says_so(tmp_path):
    out = tmp_path / "none.iso"
    r = run("export", FIXTURES / "rusmarc-cp866.iso", "--level", "cd", "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == b""
    assert "the file is empty" in r.stderr


def test_existing_output_is_replaced_only_when_complete(tmp_path):
    out = tmp_path / "keep.iso"
    out.write_bytes(b"previous")
    r = run("export", FIXTURES / "unimarc-utf8.iso", "--level", "article", "--quarter", "1",
            "-o", out)
    assert r.exit_code == 0
    assert out.read_bytes() != b"previous"
    assert list(Path(tmp_path).glob(".keep.iso.*")) == []  # no temporary file left
