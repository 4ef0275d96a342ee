"""IRBIS-64 native records in ISO 2709: recognised (920/907, no 100$a), their facts, the
920 worksheet rules (and a plan changing them), the fast path, digitised copies in 951,
and ``export`` keeping their bytes or converting them to RUSMARC (read back by pymarc and
yaz-marcdump).  Truth: fixtures/irbis/README.md, counted by hand."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import pymarc
import pytest
from conftest import FIXTURES, run_cli

from rabiskit.pipeline.count import count_inputs
from rabiskit.aggregate.period import Period
from rabiskit.facts.extract import extract_facts
from rabiskit.facts.scan import Input
from rabiskit.plan.load import default_plan
from rabiskit.rules.engine import classify
from rabiskit.sources import open_source

IRBIS = FIXTURES / "irbis"
NATIVE = IRBIS / "irbis-native-utf8.iso"
NATIVE_1251 = IRBIS / "irbis-native-cp1251.iso"
Q1 = Period.for_quarter(2026, 1)

# One IRBIS-native record written out by hand: 920 ASP, 101 kaz, 907 ^a date ^b operator.
# Fields: "  ASP" + 1E (6 bytes, start 0), "  kaz" + 1E (6, start 6),
# "  " 1F "a20260212" 1F "bNurovaA" 1E (2 + 10 + 9 + 1 = 22, start 12).  Directory 3 x 12
# bytes + 1E: base address 24 + 36 + 1 = 61; record length 61 + 34 + 1 = 96.  The leader
# is what IRBIS writes: "nam" whatever the worksheet.
HAND_RECORD = (b"00096nam2 2200061 i 450 "
               b"920000600000" b"101000600006" b"907002200012" b"\x1e"
               b"  ASP\x1e" b"  kaz\x1e" b"  \x1fa20260212\x1fbNurovaA\x1e" b"\x1d")


cli = run_cli


def count(*args: str) -> dict:
    return json.loads(cli("count", *args, "--format", "json").stdout)


def test_hand_written_record(tmp_path):
    assert len(HAND_RECORD) == 96
    path = tmp_path / "one.iso"
    path.write_bytes(HAND_RECORD)
    reader = open_source(path)
    (src,) = list(reader)
    assert not reader.problems and src.flavour == "irbis"
    level, reason = classify(src)
    assert level == "article" and "920" in reason  # not a book, whatever leader/07 says
    f = extract_facts(src, level)
    assert (f.date_entered, f.date_entered_source, f.language) == (dt.date(2026, 2, 12), "907^a", "kaz")
    assert f.bibliographic_level == "a"
    # pymarc reads the same bytes as one record with the same 907
    (pm,) = list(pymarc.MARCReader(HAND_RECORD, to_unicode=True, force_utf8=True))
    assert pm["907"]["b"] == "NurovaA"


def test_fixture_facts_by_record():
    rows = []
    for src in open_source(NATIVE):
        level, _ = classify(src)
        f = extract_facts(src, level)
        rows.append((src.flavour, level, f.language, f.date_entered.isoformat()))
    assert rows == [("irbis", "book", "kaz", "2026-02-03"), ("irbis", "article", "kaz", "2026-02-12"),
                    ("irbis", "periodical", "rus", "2026-03-01"), ("irbis", "ebook", "kaz", "2026-03-05"),
                    ("irbis", "article", "rus", "2026-07-10"), ("unimarc", "book", "rus", "2026-01-15")]
    srcs = list(open_source(NATIVE))
    f1 = extract_facts(srcs[0])
    assert (f1.title, f1.extent, f1.pages) == ("Қазақ ертегілері", "160 б.", 160)
    f2 = extract_facts(srcs[1])  # subfield codes written in upper case
    assert (f2.title, f2.host_title, f2.article_pages) == (
        "Балалар кітапханасы жаңалықтары", "Ұлытау өңірі", 2)
    assert f2.links == ("https://lib.example.kz/pdf/ulytau-2026-3-5.pdf",)
    cp = [extract_facts(s) for s in open_source(NATIVE_1251)]
    assert [(f.encoding, f.title, f.pages, f.article_pages) for f in cp] == [
        ("cp1251", "Горное дело", 96, None), ("cp1251", "Медный край", None, 1)]


def test_count_q1_by_hand():
    c = count(NATIVE, NATIVE_1251, "--quarter", "1")
    lv = {k: (v["total"], v["kazakh"]) for k, v in c["levels"].items() if v["total"]}
    assert lv == {"book": (3, 1), "article": (2, 1), "periodical": (1, 0), "ebook": (1, 1)}
    assert c["records"] == {"read": 8, "in_period": 7, "outside_period": 1, "undated": 0,
                            "damaged": 0, "deleted": 0, "not_bibliographic": 0}
    assert c["files"][0]["flavours"] == {"unimarc": 1, "marc21": 0, "irbis": 5}


def test_plan_rule_changes_a_worksheet(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('year = 2026\n[[rules.rule]]\nlevel = "local_lore"\nflavour = "irbis"\n'
                    'field = "920"\nequals = "PAZK"\n', encoding="utf-8")
    c = count(NATIVE, "--quarter", "1", "--plan", plan)
    lv = {k: v["total"] for k, v in c["levels"].items() if v["total"]}
    # the two PAZK records (one a book, one an e-book by the defaults) become local lore
    assert lv == {"local_lore": 2, "article": 1, "periodical": 1, "book": 1}
    rules = cli("rules", "--plan", plan).stdout.decode("utf-8")
    assert "IRBIS worksheet ASP or AUNTD" in rules and "920 equals" in rules


def test_fast_path_sends_irbis_records_to_the_careful_reader(tmp_path):
    # IRBIS-native records go to the careful reader (they have no 100$a date); a MARC 21
    # record with local 907/920 fields (its 008 dates it 2025) stays MARC 21 on both paths
    fields = [("920", b"  PAZK"), ("008", b"251231s2025    kz            000 0 kaz d"),
              ("245", b"  \x1faOdd record"), ("907", b"  \x1fa20260301\x1fbNurovaA")]
    data = b"".join(v + b"\x1e" for _, v in fields)
    directory, pos = b"", 0
    for tag, v in fields:
        directory += tag.encode() + b"%04d%05d" % (len(v) + 1, pos)
        pos += len(v) + 1
    base = 24 + len(directory) + 1
    odd = b"%05dnam2 22%05d i 450 " % (base + len(data) + 1, base) + directory + b"\x1e" + data + b"\x1d"
    big = tmp_path / "many.iso"
    big.write_bytes(NATIVE.read_bytes() * 50 + odd + NATIVE.read_bytes() * 50)
    plan = default_plan()
    fast, s1 = count_inputs([Input(big)], plan, Q1, fast=True, workers=1)
    slow, s2 = count_inputs([Input(big)], plan, Q1, fast=False)
    assert fast.in_period == slow.in_period == 5 * 100
    assert {k: (v.total, v.kazakh) for k, v in fast.levels.items()} == \
        {k: (v.total, v.kazakh) for k, v in slow.levels.items()}
    assert slow.levels["book"].total == 2 * 100
    assert fast.outside_period == slow.outside_period == 100 + 1
    assert s1.files[0].as_dict()["flavours"] == s2.files[0].as_dict()["flavours"] == {
        "unimarc": 100, "marc21": 1, "irbis": 500}


def test_digitised_copies_in_951():
    d = json.loads(cli("digitisation", NATIVE, "--quarter", "1", "--format", "json").stdout)
    text = json.dumps(d, ensure_ascii=False)
    assert "ulytau-2026-3-5.pdf" in text
    journal = d["types"]["journal_article"]
    assert (journal["documents"], journal["pages"], journal["kazakh_documents"]) == (1, 2, 1)


def test_export_keeps_the_bytes(tmp_path):
    out = tmp_path / "x.iso"
    cli("export", NATIVE, "--level", "book", "--level", "article", "--quarter", "1", "-o", out)
    data = NATIVE.read_bytes()
    recs = data.split(b"\x1d")
    # records 1, 2 and 6 (book, article, RUSMARC book): their bytes exactly
    assert out.read_bytes() == recs[0] + b"\x1d" + recs[1] + b"\x1d" + recs[5] + b"\x1d"


def test_export_to_rusmarc_read_back_by_pymarc_and_yaz(tmp_path):
    out = tmp_path / "rusmarc.iso"
    p = cli("export", NATIVE, NATIVE_1251, "--level", "book", "--level", "article", "--quarter", "1",
            "--to", "rusmarc", "-o", out)
    said = p.stdout.decode("utf-8")
    assert "converted to RUSMARC" in said and "not converted" in said and "907" in said
    recs = list(pymarc.MARCReader(out.read_bytes(), to_unicode=True, force_utf8=True))
    assert len(recs) == 5 and all(r is not None for r in recs)
    book, article, rusmarc, book2, article2 = recs
    assert book.leader[5:8] == "nam" and article.leader[5:8] == "naa"
    assert book["100"]["a"] == "20260203d2025    u  u0undy50      ca"
    assert (book["101"]["a"], book["200"]["a"], book["200"]["f"]) == ("kaz", "Қазақ ертегілері",
                                                                     "құраст. Ә. Нұрова")
    assert (book["210"]["a"], book["210"]["c"], book["210"]["d"]) == ("Алматы", "Мектеп", "2025")
    assert book["215"]["a"] == "160 б." and book["700"]["a"] == "Нұрова"
    assert article["100"]["a"][:8] == "20260212"
    assert (article["463"]["t"], article["463"]["v"], article["463"]["d"]) == ("Ұлытау өңірі", "Б. 5-6", "2026")
    assert article["856"]["u"] == "https://lib.example.kz/pdf/ulytau-2026-3-5.pdf"
    assert article.get_fields("907", "920", "900") == []
    assert rusmarc["200"]["a"] == "Запись в RUSMARC"  # not IRBIS-native: as it was
    assert book2["200"]["a"] == "Горное дело" and article2["463"]["v"] == "С. 7"  # from cp1251
    # rabiskit reads the export back as RUSMARC, with the same counts
    c = count(out, "--quarter", "1")
    assert c["files"][0]["flavours"] == {"unimarc": 5, "marc21": 0}
    assert {k: (v["total"], v["kazakh"]) for k, v in c["levels"].items() if v["total"]} == \
        {"book": (3, 1), "article": (2, 1)}
    if shutil.which("yaz-marcdump") is None:
        pytest.skip("yaz-marcdump (Debian yaz) is not installed")
    y = subprocess.run(["yaz-marcdump", "-i", "marc", "-o", "line", str(out)], capture_output=True)
    assert y.returncode == 0 and not y.stderr
    text = y.stdout.decode("utf-8")
    assert sum(1 for line in text.splitlines() if re.match(r"\d{5}na[am]", line)) == 5  # leaders
    assert "100    $a 20260203d2025    u  u0undy50      ca" in text
    assert "463  1 $t Ұлытау өңірі $d 2026 $h № 3 $v Б. 5-6" in text


def test_export_json_lists_what_is_not_converted(tmp_path):
    out = tmp_path / "r.iso"
    d = json.loads(cli("export", NATIVE, "--level", "book", "--level", "article", "--quarter", "1",
                       "--to", "rusmarc", "-o", out, "--format", "json").stdout)
    # records 1 (907, 910) and 2 (907): 907 in 2, 910 in 1; the RUSMARC record is not converted
    assert (d["to"], d["converted"], d["not_converted"]) == ("rusmarc", 2, {"907": 2, "910": 1})
    bad = cli("export", NATIVE, "--level", "book", "--to", "marc21", "-o", out, ok=False)
    assert bad.returncode == 2 and b"--to" in bad.stderr


@pytest.mark.parametrize("name", [
    "amironov73_JavaIrbis/test1.iso",  # RUSMARC written by IRBIS: keeps 100$a
    "LibreCat_Catmandu-MARC/bu_bibs.mrc",  # MARC 21 with local 907/920 fields
    "edsu_pymarc/regression106.dat", "internetarchive_openlibrary/wwu_51323556.mrc",
    "marc4j_marc4j/pride-and-prejudice-fixed.mrc"])
def test_real_exports_with_907_or_920_are_not_irbis_native(corpus, name):
    srcs = list(open_source(corpus / name))
    assert srcs and all(s.flavour != "irbis" for s in srcs)
    if name.endswith("test1.iso"):
        assert {s.flavour for s in srcs} == {"unimarc"} and len(srcs) == 81
    else:
        assert any(s.record.get_field("907") or s.record.get_field("920") for s in srcs)


def test_export_utf8_reencodes_irbis_records(tmp_path):
    out = tmp_path / "u.iso"
    cli("export", NATIVE_1251, "--level", "book", "--level", "article", "--quarter", "1",
        "--utf8", "-o", out)
    back = list(open_source(out))
    assert [(s.flavour, s.encoding) for s in back] == [("irbis", "utf-8")] * 2
    assert [s.record.subfield("200", "a") for s in back] == ["Горное дело", "Медный край"]
    assert back[0].record.get_field("920").data == "PAZK"  # the bare value, as IRBIS writes it
    assert b"  PAZK\x1e" in out.read_bytes()
