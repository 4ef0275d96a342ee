"""Records that are not bibliographic (authority, holdings, classification, community
information) belong to no catalogue level: counted apart as ``records.not_bibliographic`` in
every command, never as books.  Hand-written ISO 2709 records, expected numbers by hand."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys

import pytest

from conftest import REPO, require_corpus
from rabiskit.aggregate.period import Period
from rabiskit.facts.scan import Input
from rabiskit.records.record import not_bibliographic
from test_real_inputs_iso import DATED_008, counts, fast_and_careful, marc21, rec, unimarc, write


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rabiskit", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def marc21_of_type(n: int, t: bytes) -> bytes:
    """A MARC 21 record of type leader/06 ``t``, dated 2026-01-15 in 008."""
    return rec([(b"001", b"N%d" % n), (b"008", DATED_008), (b"100", b"1 \x1faAbai,\x1fd1845-1904")],
               mid=b"n" + t + b"  a22", tail=b"   4500")


def unimarc_authority(n: int, t: bytes = b"x") -> bytes:
    """A UNIMARC/A record: leader/06 x (authority entry), leader/09 a (personal name),
    100$a of 24 characters (date entered, status, language of cataloguing, character sets
    at 13-20), heading in 200."""
    return rec([(b"001", b"A%d" % n), (b"100", b"  \x1fa20260115akazy0150    ba0"),
                (b"200", b" 1\x1faAbai\x1fbQunanbaiuly"), (b"400", b" 1\x1faKunanbaev")],
               mid=b"n" + t + b"  a22", tail=b"   45  ")


MIXED = b"".join([unimarc(1), marc21(2), marc21_of_type(3, b"z"), marc21_of_type(4, b"x"),
                  marc21_of_type(5, b"y"), marc21_of_type(6, b"u"), marc21_of_type(7, b"v"),
                  marc21_of_type(8, b"w"), marc21_of_type(9, b"q"), unimarc_authority(10),
                  unimarc_authority(11, b"y"), unimarc_authority(12, b"z")])


@pytest.mark.parametrize("t, flavour, kind", [
    ("z", "marc21", "authority"), ("x", "marc21", "holdings"), ("y", "marc21", "holdings"),
    ("u", "marc21", "holdings"), ("v", "marc21", "holdings"), ("w", "marc21", "classification"),
    ("q", "marc21", "community information"), ("x", "unimarc", "authority"),
    ("y", "unimarc", "authority"), ("z", "unimarc", "authority")])
def test_which_record_types_are_not_bibliographic(t, flavour, kind):
    assert not_bibliographic(t, flavour) == f"{kind} record (leader/06 {t}), not bibliographic"


@pytest.mark.parametrize("t", list("acdefgijkmoprtl "))
def test_bibliographic_record_types(t):
    assert not_bibliographic(t, "marc21") is None and not_bibliographic(t, "unimarc") is None


def test_count_puts_them_apart_and_fast_agrees(tmp_path):
    path = write(tmp_path, "mixed.iso", MIXED)
    fast, careful = fast_and_careful(path)
    assert fast == careful
    r = careful["records"]
    # 12 read: 2 books in the period, 10 not bibliographic (7 MARC 21, 3 UNIMARC/A)
    assert r == {"read": 12, "in_period": 2, "outside_period": 0, "undated": 0, "deleted": 0,
                 "not_bibliographic": 10, "damaged": 0}
    assert r["read"] == r["in_period"] + r["outside_period"] + r["undated"] + r["deleted"] \
        + r["not_bibliographic"]
    assert careful["levels"]["book"]["total"] == 2 and careful["total"]["total"] == 2
    assert careful["files"][0]["records"] == 12
    two = counts(path, fast=True, workers=2, block_size=300)
    assert two == careful


def test_db_declared_file_does_not_give_authority_records_a_level(tmp_path):
    path = write(tmp_path, "lore.iso", unimarc(1) + unimarc_authority(2))
    data = counts([Input(path, "local_lore")], fast=False)
    assert data["records"]["not_bibliographic"] == 1
    assert data["levels"]["local_lore"]["total"] == 1


def test_count_cli_json_and_table(tmp_path):
    path = write(tmp_path, "mixed.iso", MIXED)
    out = cli("count", "--format", "json", str(path))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["records"]["not_bibliographic"] == 10
    out = cli("count", str(path))
    assert out.returncode == 0, out.stderr
    assert "not bibliographic: 10" in " ".join(out.stdout.split())  # (the console wraps)


def test_report_json_and_tables(tmp_path):
    path = write(tmp_path, "mixed.iso", MIXED)
    out_json = tmp_path / "r.json"
    out = cli("report", str(path), "-o", str(out_json))
    assert out.returncode == 0, out.stderr
    data = json.loads(out_json.read_text(encoding="utf-8"))
    r = data["records"]
    assert r["not_bibliographic"] == 10 and r["read"] == 12 and r["in_period"] == 2
    assert r["read"] == r["in_period"] + r["outside_period"] + r["undated"] + r["deleted"] \
        + r["not_bibliographic"]
    out_md = tmp_path / "r.md"
    out = cli("report", str(path), "-o", str(out_md), "--lang", "en")
    assert out.returncode == 0, out.stderr
    assert "Records not bibliographic" in out_md.read_text(encoding="utf-8")


def test_facts_leave_the_level_empty_with_the_reason(tmp_path):
    path = write(tmp_path, "mixed.iso", MIXED)
    out_csv = tmp_path / "f.csv"
    out = cli("facts", str(path), "-o", str(out_csv))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8-sig")))
    assert len(rows) == 12
    assert [r["level"] for r in rows[:2]] == ["book", "book"]
    assert [r["not_bibliographic"] for r in rows[:2]] == ["", ""]
    assert all(r["level"] == "" for r in rows[2:])
    assert rows[2]["not_bibliographic"] == "authority record (leader/06 z), not bibliographic"
    assert rows[3]["not_bibliographic"] == "holdings record (leader/06 x), not bibliographic"
    assert rows[9]["not_bibliographic"] == "authority record (leader/06 x), not bibliographic"


def test_audit_and_digitisation_count_them_and_look_no_further(tmp_path):
    linked = rec([(b"001", b"N1"), (b"008", DATED_008), (b"856", b"40\x1fuhttp://example.org/a.pdf")],
                 mid=b"nz  a22", tail=b"   4500")
    path = write(tmp_path, "a.iso", MIXED + linked)
    out = cli("audit", "--format", "json", str(path))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["records"] == 13 and data["not_bibliographic"] == 11
    assert not [f for f in data["findings"] if f.get("record", 0) > 2 and f["kind"] != "structure"]
    out = cli("digitisation", "--format", "json", str(path))
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)["summary"]
    assert summary["not_bibliographic"] == 11 and summary["catalogue_documents"] == 0


def test_ledger_import_and_count_leave_them_out(tmp_path):
    path = write(tmp_path, "mixed.iso", MIXED)
    ledger = tmp_path / "l.sqlite"
    out = cli("import", "--ledger", str(ledger), str(path))
    assert out.returncode == 0, out.stderr
    out = cli("count", "--ledger", str(ledger), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["records"]["not_bibliographic"] == 10
    assert data["levels"]["book"]["total"] == 2


def test_corpus_authority_and_holdings_files(tmp_path):
    corpus = require_corpus()
    dump = tmp_path / "dump.mrc"
    dump.write_bytes(gzip.decompress((corpus / "deutsche-nationalbibliothek_marc21-rs"
                                      / "DUMP.mrc.gz").read_bytes()))
    cases = [(dump, 8, 7),  # 7 GND authority records and 1 bibliographic (SOURCES.md)
             (corpus / "deutsche-nationalbibliothek_marc21-rs" / "ada.mrc", 1, 1),
             (corpus / "marc4j_marc4j" / "sample1.mrc", 8, 4),  # bibliographic + holdings (x)
             (corpus / "marc4j_marc4j" / "sample1a.xml", 9, 5),
             (corpus / "pkiraly_qa-catalogue" / "authority.sample.xml", 10, 10)]
    for path, read, nb in cases:
        fast, careful = fast_and_careful(path, period=Period.for_year(2010))
        assert fast == careful, path
        assert (careful["records"]["read"], careful["records"]["not_bibliographic"]) == (read, nb), path
        assert sum(lv["total"] for lv in careful["levels"].values()) == careful["records"]["in_period"]


def test_inspect_and_import_name_how_many_are_not_bibliographic(tmp_path):
    # MIXED: 12 records written by hand above, 2 bibliographic and 10 of other kinds
    path = write(tmp_path, "mixed.iso", MIXED)
    out = cli("inspect", str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    [f] = json.loads(out.stdout)["files"]
    assert (f["records"], f["not_bibliographic"]) == (12, 10)
    out = cli("import", "--ledger", str(tmp_path / "l.sqlite"), str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["records"], data["not_bibliographic"]) == (12, 10)
    # the per-file summary kept in the ledger keeps the number too
    out = cli("count", "--ledger", str(tmp_path / "l.sqlite"), "--format", "json")
    [f] = json.loads(out.stdout)["files"]
    assert f["not_bibliographic"] == 10
