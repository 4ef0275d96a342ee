"""`rabiskit digitisation` end to end: real exports (UNIMARC UTF-8, KZ-1048, Windows-1251,
MARC 21, MARCXML), a real PDF folder and log, written by the fixture generator into a
temporary folder; numbers checked against the generator's ground truth and the seed plan."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rabiskit.aggregate.period import Period
from rabiskit.cli.main import app
from rabiskit.digitisation import (DigitisationTally, digitisation_records, index_pdfs, prepare,
                                   read_log)
from rabiskit.pipeline.digitisation import digitisation_inputs
from rabiskit.facts.scan import Input, Scan, scan
from rabiskit.plan.load import default_plan, load_plan
from rabiskit.records.record import Field
from rabiskit.sources.iso2709_writer import encode_record

REPO = Path(__file__).resolve().parents[1]
FIXTURE_DIR = REPO / "fixtures" / "digitisation"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
EXPORTS = ["unimarc-utf8.iso", "unimarc-kz1048.iso", "unimarc-cp1251.iso", "marc21-utf8.mrc",
           "marc21.xml"]
MEASURES = ("documents", "pages", "kazakh_documents", "kazakh_pages")


def _generator():
    """The fixture generator, imported from its file (fixtures/ is no package)."""
    name = "make_digitisation_fixtures"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, FIXTURE_DIR / "make_digitisation_fixtures.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while being built
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("digitisation")
    truth = _generator().build(out)
    return out, truth


def inputs_of(folder: Path) -> list[Input]:
    return [Input(folder / name) for name in EXPORTS]


def run(folder: Path, period: Period, *, plan=None, pdfs=True, log=True) -> dict:
    plan = plan or load_plan(folder / "plan-newspapers.toml")
    return digitisation_inputs(inputs_of(folder), plan, period,
                               folder / "pdfs" if pdfs else None,
                               folder / "log.csv" if log else None)


def numbers(row: dict) -> dict:
    return {m: row[m] for m in MEASURES}


def targets(row: dict) -> tuple:
    return tuple(row[f"target_{m}"] for m in MEASURES)


# -- the year, per type and per quarter ---------------------------------------------------
def test_year_counts_equal_the_ground_truth(built):
    folder, truth = built
    data = run(folder, Period.for_year(2026))
    for kind, expected in truth["year"].items():
        assert numbers(data["types"][kind]) == expected, kind
    assert numbers(data["total"]) == {m: sum(t[m] for t in truth["year"].values())
                                      for m in MEASURES}
    assert list(data["types"]) == ["newspaper_article", "journal_article", "book"]
    for q in "1234":
        for kind, expected in truth["quarters"][q].items():
            assert numbers(data["quarters"][q]["types"][kind]) == expected, (q, kind)
    s = data["summary"]
    assert s["catalogue_documents"] == truth["catalogue_documents"] == 13
    assert s["log_documents"] == truth["log_documents"] == 3
    assert s["records_read"] == 16
    assert (s["in_period"], s["outside_period"], s["undated"]) == (14, 1, 1)
    assert s["duplicates"] == 2 and s["deleted_with_links"] == truth["deleted_with_links"] == 1
    assert data["files"] and [f["records"] for f in data["files"]] == [8, 2, 1, 4, 1]


def test_every_document_has_its_type_language_pages_and_date(built):
    folder, truth = built
    data = run(folder, Period.for_year(2026))
    got = {d["id"]: d for d in data["documents"] if d["source"] == "catalogue"}
    assert set(got) == {d["id"] for d in truth["documents"]}
    for want in truth["documents"]:
        d = got[want["id"]]
        assert (d["file"].endswith(want["file"]), d["type"], d["language"], d["pages"],
                d["date"], d["date_source"]) == (True, want["type"], want["language"],
                                                 want["pages"], want["date"],
                                                 want["date_source"]), want["id"]
    outside = [d["id"] for d in data["documents"] if not d["in_period"] and d["date"]]
    assert outside == truth["outside_period_2026"] == ["RU0000010"]


def test_q1_shows_the_seed_plan_targets(built):
    folder, _ = built
    data = run(folder, Period.for_quarter(2026, 1))
    t = data["types"]
    assert data["period"]["quarters"] == [1]
    assert targets(t["newspaper_article"]) == (3, 8, 2, 5)  # documents, pages, kaz docs, kaz pages
    assert targets(t["journal_article"]) == (1, 3, 0, 3)
    assert targets(t["book"]) == (0, 0, 0, 0)
    assert targets(data["total"]) == (4, 11, 2, 8)
    assert data["total"]["target_source"] == "stated"
    assert tuple(data["total"][f"rows_target_{m}"] for m in MEASURES) == (4, 11, 2, 8)
    # the fixtures meet Q1's newspaper row exactly
    assert numbers(t["newspaper_article"]) == {"documents": 3, "pages": 8,
                                               "kazakh_documents": 2, "kazakh_pages": 5}
    assert t["newspaper_article"]["percent_documents"] == 100.0
    assert t["newspaper_article"]["percent_kazakh_pages"] == 100.0
    assert numbers(t["journal_article"]) == {"documents": 1, "pages": 3,
                                             "kazakh_documents": 1, "kazakh_pages": 3}
    assert t["journal_article"]["percent_kazakh_documents"] is None  # target 0: no percentage
    assert numbers(data["total"]) == {"documents": 4, "pages": 11, "kazakh_documents": 3,
                                      "kazakh_pages": 8}
    assert data["total"]["percent_kazakh_documents"] == 150.0
    assert t["newspaper_article"]["names"]["kk"] == "Газет мақалалары"
    assert t["newspaper_article"]["year_target_pages"] == 30  # as the plan states the year


def test_q4_total_target_is_the_stated_row_and_the_rows_sum_is_beside_it(built):
    folder, _ = built
    data = run(folder, Period.for_quarter(2026, 4))
    total = data["total"]
    assert (total["target_documents"], total["target_pages"]) == (7, 265)
    assert (total["rows_target_documents"], total["rows_target_pages"]) == (7, 263)
    assert targets(data["types"]["book"]) == (1, 256, 1, 256)
    assert numbers(data["types"]["book"]) == {"documents": 2, "pages": 376,
                                              "kazakh_documents": 1, "kazakh_pages": 256}


def test_custom_range_has_no_targets(built):
    folder, _ = built
    data = run(folder, Period.between(dt.date(2026, 2, 1), dt.date(2026, 3, 16)))
    assert data["types"]["newspaper_article"]["documents"] == 2  # 02-10 and 03-15, not 03-20
    assert data["types"]["newspaper_article"]["target_documents"] is None
    assert data["total"]["target_source"] is None
    assert any("not whole quarters" in w for w in data["warnings"])


# -- the PDF folder -----------------------------------------------------------------------
def test_missing_orphan_mismatched_and_bad_pdfs(built):
    folder, truth = built
    data = run(folder, Period.for_year(2026))
    assert sorted(m["pdf"] for m in data["missing_pdfs"]) == truth["missing_pdfs"]
    cat_missing = next(m for m in data["missing_pdfs"] if m["source"] == "catalogue")
    assert (cat_missing["id"], cat_missing["record"], cat_missing["type"]) == (
        "KZ0000004", 4, "journal_article")
    assert cat_missing["link"] == "https://rabis.example.kz/scan/2026/jurnal_0004.pdf"
    log_missing = next(m for m in data["missing_pdfs"] if m["source"] == "log")
    assert log_missing["line"] == 6
    orphans = sorted(Path(o["file"]).relative_to(folder / "pdfs").as_posix()
                     for o in data["orphan_pdfs"])
    assert orphans == truth["orphan_pdfs"]
    orphan = next(o for o in data["orphan_pdfs"] if o["name"] == "orphan_0001.pdf")
    assert (orphan["pages"], orphan["created"][:10], orphan["created_source"]) == (
        4, "2026-02-01", "metadata")
    assert [(m["id"], m["catalogue_pages"], m["pdf_pages"]) for m in data["page_mismatches"]] \
        == [(x["id"], x["catalogue_pages"], x["pdf_pages"]) for x in truth["page_mismatches"]] \
        == [("KZ0000002", 1, 3)]
    mm = data["page_mismatches"][0]
    assert mm["pdf"].endswith("gazeta_0002.pdf") and mm["catalogue_pages_source"] == "page range"
    pdf_problems = {Path(p["file"]).relative_to(folder / "pdfs").as_posix(): p["kind"]
                    for p in data["problems"] if p["kind"].startswith("pdf_")}
    assert pdf_problems == truth["pdf_problems"]
    assert data["pdf_folder"] == {"folder": str(folder / "pdfs"), "pdfs": 15, "readable": 13,
                                  "unreadable": 2, "pages": sum(
                                      p["pages"] for p in truth["pdfs"]
                                      if not p["corrupt"] and not p["password"])}


def test_pdf_page_count_and_date_win_over_the_catalogue(built):
    folder, _ = built
    docs = {d["id"]: d for d in run(folder, Period.for_year(2026))["documents"]
            if d["source"] == "catalogue"}
    assert (docs["KZ0000002"]["pages"], docs["KZ0000002"]["pages_source"],
            docs["KZ0000002"]["catalogue_pages"]) == (3, "pdf", 1)
    # KZ0000001's 005 is in April, its PDF was made in February: the PDF decides
    assert (docs["KZ0000001"]["date"], docs["KZ0000001"]["date_source"]) == ("2026-02-10", "pdf")
    # the encrypted PDF gives nothing: extent and date entered
    assert (docs["KZ0000007"]["pages"], docs["KZ0000007"]["pages_source"],
            docs["KZ0000007"]["date_source"]) == (256, "extent", "entered")
    # the corrupt PDF: the page range and 005
    assert (docs["KZ0000009"]["pages"], docs["KZ0000009"]["date_source"]) == (2, "changed")


def test_without_the_pdf_folder_the_catalogue_decides(built):
    folder, _ = built
    data = run(folder, Period.for_year(2026), pdfs=False, log=False)
    assert data["missing_pdfs"] == [] and data["orphan_pdfs"] == []
    assert data["page_mismatches"] == [] and data["pdf_folder"] is None and data["log"] is None
    docs = {d["id"]: d for d in data["documents"]}
    assert (docs["KZ0000002"]["pages"], docs["KZ0000002"]["pages_source"]) == (1, "page range")
    assert (docs["KZ0000001"]["date"], docs["KZ0000001"]["date_source"]) == ("2026-04-10", "changed")
    # the record dated only by its PDF (2025-12-20) now falls in 2026 by its 005 (2025-12-21)
    assert docs["RU0000010"]["date"] == "2025-12-21"


def test_pdf_without_creation_date_dates_by_file_time_and_says_so(tmp_path):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    gen = _generator()
    scan_pdf = pdfs / "scan_0001.pdf"
    scan_pdf.write_bytes(gen.pdf_bytes(gen.Pdf("scan_0001.pdf", 2, None)))
    stamp = dt.datetime(2026, 8, 20, 12, 0).timestamp()
    os.utime(scan_pdf, (stamp, stamp))
    rec = gen.unimarc_record(id="X1", level="a", lang="kaz", title="Мақала", entered="20260105",
                             changed="20260106100000.0", host="Сарыарқа", range_="Б. 1-2",
                             links=("scan_0001.pdf",))
    export = tmp_path / "one.iso"
    export.write_bytes(encode_record(rec, "utf-8"))
    data = digitisation_inputs([Input(export)], default_plan(), Period.for_year(2026), pdfs)
    (doc,) = data["documents"]
    assert (doc["date"], doc["date_source"]) == ("2026-08-20", "pdf (file modified)")
    assert "no creation date" in doc["notes"][0]
    assert data["quarters"]["3"]["types"]["journal_article"]["documents"] == 1


# -- the log ------------------------------------------------------------------------------
def test_log_is_merged_without_counting_a_document_twice(built):
    folder, truth = built
    with_log = run(folder, Period.for_year(2026))
    without = run(folder, Period.for_year(2026), log=False)
    assert with_log["total"]["documents"] == without["total"]["documents"] + 2  # + undated row
    log_docs = [d for d in with_log["documents"] if d["source"] == "log"]
    assert [d["line"] for d in log_docs] == [3, 4, 6]
    by_line = {d["line"]: d for d in log_docs}
    assert (by_line[3]["pages"], by_line[3]["pages_source"], by_line[3]["date"]) == (
        4, "pdf", "2026-05-20")  # the log's date, the PDF's page count
    assert (by_line[4]["type"], by_line[4]["language"], by_line[4]["pages"]) == ("book", "kaz", 30)
    dups = with_log["duplicates"]
    assert [(d["source"], d.get("line") or d["id"]) for d in dups] == [
        ("catalogue", "KZ0000013"), ("log", 2)]
    assert dups[1]["same_as"]["id"] == "KZ0000001"
    assert dups[1]["reason"] == "already in the catalogue (same file name)"
    assert sorted(p["line"] for p in with_log["problems"] if p["kind"] == "log_row") == \
        truth["log_problem_lines"]
    assert [u["line"] for u in with_log["undated"]] == truth["undated_log_lines"]
    # the log's PDF is accounted for: not an orphan
    assert all(o["name"] != "jurnal_log_0001.pdf" for o in with_log["orphan_pdfs"])
    assert any(o["name"] == "jurnal_log_0001.pdf" for o in without["orphan_pdfs"])
    assert with_log["log"] == {"file": str(folder / "log.csv"), "rows": 4, "counted": 3,
                               "encoding": "utf-8"}


def test_a_log_row_repeated_is_counted_once(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("date,type,pages,language,title,file\n"
                   "2026-02-01,book,10,kaz,A,a.pdf\n"
                   "2026-02-02,book,10,kaz,A again,scan/A.PDF\n", encoding="utf-8")
    export = tmp_path / "empty.iso"
    export.write_bytes(b"")
    data = digitisation_inputs([Input(export)], default_plan(), Period.for_quarter(2026, 1),
                               log=log)
    assert data["types"]["book"]["documents"] == 1 and data["types"]["book"]["pages"] == 10
    assert data["duplicates"][0]["reason"] == "the same file is on an earlier line of the log"


# -- the plan's rules ---------------------------------------------------------------------
def test_default_plan_lists_no_newspapers_and_says_so(built):
    folder, _ = built
    data = run(folder, Period.for_year(2026), plan=default_plan())
    assert data["types"]["newspaper_article"]["documents"] == 0
    assert data["types"]["journal_article"]["documents"] == 10
    assert any("lists no newspapers" in w for w in data["warnings"])


def test_date_order_from_the_plan(built, tmp_path):
    folder, _ = built
    text = (folder / "plan-newspapers.toml").read_text(encoding="utf-8").replace(
        'date_order = ["pdf", "changed", "entered"]', 'date_order = ["entered"]')
    plan_file = tmp_path / "entered.toml"
    plan_file.write_text(text, encoding="utf-8")
    data = run(folder, Period.for_year(2026), plan=load_plan(plan_file))
    docs = [d for d in data["documents"] if d["source"] == "catalogue"]
    assert {d["date_source"] for d in docs} == {"entered"}
    # entered in 2026 Q1: all catalogue documents but KZ0000007 (Oct), KZ0000014 (Aug) and
    # RU0000010 (2025); the log rows keep their own dates (Q2)
    assert data["quarters"]["1"]["total"]["documents"] == 10
    assert data["quarters"]["2"]["total"]["documents"] == 2
    assert data["rules"]["date_order"] == ["entered"]


def test_link_field_from_the_plan(tmp_path):
    gen = _generator()
    recs = []
    for n, (tag, code) in enumerate([("955", "a"), ("856", "u"), ("955", "a")], start=1):
        r = gen.unimarc_record(id=f"L{n}", level="m", lang="kaz", title="Кітап",
                               entered="20260110", extent="50 б.")
        r.fields.append(Field(tag, ind1=" ", ind2=" ", subfields=[(code, f"k{n}.pdf")]))
        recs.append(r)
    export = tmp_path / "local-link.iso"
    export.write_bytes(b"".join(encode_record(r, "utf-8") for r in recs))
    plan = dataclasses.replace(default_plan(), link_field="955", link_subfield="a")
    data = digitisation_inputs([Input(export)], plan, Period.for_year(2026))
    assert [d["id"] for d in data["documents"]] == ["L1", "L3"]
    assert data["rules"]["link"] == "955$a"
    assert digitisation_inputs([Input(export)], default_plan(),
                               Period.for_year(2026))["summary"]["catalogue_documents"] == 1


def test_serials_with_links_are_other_and_deleted_records_do_not_count(tmp_path):
    gen = _generator()
    serial = gen.unimarc_record(id="S1", level="s", lang="kaz", title="Сарыарқа",
                                entered="20260110", links=("https://sarap.kz/",))
    deleted = gen.unimarc_record(id="D1", level="m", lang="kaz", title="Кітап",
                                 entered="20260110", links=("d.pdf",), status="d")
    export = tmp_path / "s.iso"
    export.write_bytes(encode_record(serial, "utf-8") + encode_record(deleted, "utf-8"))
    data = digitisation_inputs([Input(export)], default_plan(), Period.for_year(2026))
    assert data["types"]["other"]["documents"] == 1
    assert data["types"]["other"]["target_documents"] is None
    assert data["types"]["other"]["names"]["en"] == "Other (serials)"
    assert data["total"]["documents"] == 1
    assert data["summary"]["deleted_with_links"] == 1
    assert data["no_pages"][0]["id"] == "S1"


# -- the incremental API for the report -----------------------------------------------------
def test_incremental_tally_equals_the_one_call(built):
    folder, _ = built
    plan = load_plan(folder / "plan-newspapers.toml")
    period = Period.for_quarter(2026, 2)
    one_call = run(folder, period)
    result = Scan()
    tally = DigitisationTally(plan, period, pdf_index=index_pdfs(folder / "pdfs"),
                              log=read_log(folder / "log.csv"))
    for src, facts in scan(inputs_of(folder), result=result):
        tally.add(src, facts)
    first = tally.result(result)
    assert first == tally.result(result)  # result() does not change the tally
    one_call.pop("files")
    assert first == one_call

    # the pairs a caller already read (the ledger's), and the tally the report feeds
    # record by record (bare RecordFacts: the 856 links in the facts)
    pairs = list(scan(inputs_of(folder)))
    from_pairs = digitisation_records(pairs, plan, period, folder / "pdfs", folder / "log.csv")
    assert from_pairs["types"] == one_call["types"] and from_pairs["total"] == one_call["total"]
    tally = prepare(plan, period, folder / "pdfs", folder / "log.csv")
    tally.feed(f for _, f in pairs)
    assert tally.result()["types"] == one_call["types"]
    scanned = digitisation_inputs(inputs_of(folder), plan, period, folder / "pdfs",
                                  folder / "log.csv")
    assert scanned["types"] == one_call["types"]


# -- the command --------------------------------------------------------------------------
def cli(folder: Path, *args: str):
    return CliRunner().invoke(app, ["digitisation", *[str(folder / e) for e in EXPORTS], *args])


def test_cli_json_equals_the_library(built):
    folder, _ = built
    r = cli(folder, "--pdf-dir", str(folder / "pdfs"), "--log", str(folder / "log.csv"),
            "--plan", str(folder / "plan-newspapers.toml"), "--quarter", "1", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    lib = run(folder, Period.for_quarter(2026, 1))
    assert data["types"] == lib["types"] and data["total"] == lib["total"]
    for key in ("period", "types", "total", "missing_pdfs", "orphan_pdfs", "page_mismatches",
                "problems"):
        assert key in data


def test_cli_runs_as_a_program_with_kazakh_output(built):
    folder, _ = built
    env = dict(os.environ, COLUMNS="160", PYTHONIOENCODING="utf-8", RABISKIT_LANG="kk")
    p = subprocess.run([sys.executable, "-m", "rabiskit", "digitisation",
                        *[str(folder / e) for e in EXPORTS], "--pdf-dir", str(folder / "pdfs"),
                        "--newspaper", "Сарыарқа", "--newspaper", "Жезқазған байрағы",
                        "--newspaper", "Казахстанская правда", "--quarter", "1"],
                       capture_output=True, env=env, cwd=folder)
    out = p.stdout.decode("utf-8")
    assert p.returncode == 0, p.stderr.decode("utf-8")
    assert "Газет мақалалары" in out and "Кітап толығымен" in out  # the screen is in Kazakh
    assert "newspaper_article" not in out
    assert "100.0%" in out
    assert "jurnal_0004.pdf" in out and "orphan_0001.pdf" in out
    assert "каталогта 1, PDF-те 3" in out
    assert "Traceback" not in p.stderr.decode("utf-8")


def test_cli_csv(built):
    folder, _ = built
    r = cli(folder, "--pdf-dir", str(folder / "pdfs"), "--plan",
            str(folder / "plan-newspapers.toml"), "--quarter", "1", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["type"] for row in rows] == ["newspaper_article", "journal_article", "book",
                                            "total"]
    news = rows[0]
    assert (news["name"], news["documents"], news["target_documents"], news["percent_documents"],
            news["kazakh_pages"], news["target_kazakh_pages"]) == (
        "Газет мақалалары", "3", "3", "100.0", "5", "5")
    assert (rows[3]["documents"], rows[3]["target_pages"]) == ("4", "11")


@pytest.mark.parametrize("args, message", [
    (["--pdf-dir", "no-such-folder"], "PDF folder not found"),
    (["--log", "no-such-log.csv"], "digitisation log not found"),
    (["--format", "xml"], "use table, json or csv"),
    (["--quarter", "2", "--from", "2026-01-01"], "either --quarter or --from/--to"),
])
def test_cli_errors_are_one_clear_line(built, args, message):
    folder, _ = built
    r = cli(folder, *args)
    assert r.exit_code == 2
    assert message in r.output
    assert "Traceback" not in r.output


def test_cli_bad_log_header_is_an_error(built, tmp_path):
    folder, _ = built
    bad = tmp_path / "bad.csv"
    bad.write_text("when,what\n2026-01-01,book\n", encoding="utf-8")
    r = cli(folder, "--log", str(bad))
    assert r.exit_code == 2 and "no date and no type column" in r.output


def test_cli_strict(built):
    folder, _ = built
    r = cli(folder, "--pdf-dir", str(folder / "pdfs"), "--strict", "--format", "json")
    assert r.exit_code == 1
    clean = cli(folder, "--strict", "--format", "json", "--quarter", "1")  # no folder: no PDF lists
    assert clean.exit_code == 0, clean.output


# -- the committed fixtures and the real corpus ----------------------------------------------
def test_committed_fixtures_match_their_ground_truth():
    truth = json.loads((FIXTURE_DIR / "expected.json").read_text(encoding="utf-8"))
    data = run(FIXTURE_DIR, Period.for_year(2026))
    for kind, expected in truth["year"].items():
        assert numbers(data["types"][kind]) == expected, kind
    for q in "1234":
        for kind, expected in truth["quarters"][q].items():
            assert numbers(data["quarters"][q]["types"][kind]) == expected, (q, kind)
    assert sorted(m["pdf"] for m in data["missing_pdfs"]) == truth["missing_pdfs"]
    assert len(data["orphan_pdfs"]) == len(truth["orphan_pdfs"])


def _corpus() -> Path:
    if not CORPUS.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the corpus folder {CORPUS} is missing")
        pytest.skip(f"the real-export corpus is not beside this clone ({CORPUS} is absent)")
    return CORPUS


def test_real_exports_with_856_links(tmp_path):
    corpus = _corpus()
    empty = tmp_path / "pdfs"
    empty.mkdir()
    rusmarc = digitisation_inputs([Input(corpus / "loge-gh_rusmarc" / "ur.iso")], default_plan(),
                                  Period.for_year(2015), empty)
    (doc,) = rusmarc["documents"]
    assert (doc["id"], doc["type"], doc["language"], doc["date"]) == (
        "RU/URAIT/363150", "book", "rus", "2015-05-26")
    assert rusmarc["types"]["book"]["documents"] == 1
    assert rusmarc["missing_pdfs"] == []  # a web link names no PDF: nothing to look for
    marc21 = digitisation_inputs(
        [Input(corpus / "internetarchive_openlibrary" / "ithaca_two_856u.mrc"),
         Input(corpus / "internetarchive_openlibrary" / "talis_856.mrc")],
        default_plan(), Period.for_year(2005))
    kinds = {d["id"]: (d["type"], len(d["links"]), d["pages"]) for d in marc21["documents"]}
    assert kinds == {"152273": ("other", 2, None),
                     "ab2c29e9ebe445c9b649a62948589467": ("book", 2, 381)}
    assert marc21["total"]["documents"] == 2


def test_cli_log_alone_counts_work_not_yet_catalogued(built):
    folder, _ = built
    r = CliRunner().invoke(app, ["digitisation", "--log", str(folder / "log.csv"),
                                 "--quarter", "2", "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    # without the catalogue, line 2 (gazeta_0001.pdf) is no duplicate: 4 rows count
    assert data["summary"]["records_read"] == 0 and data["summary"]["log_documents"] == 4
    assert numbers(data["types"]["book"]) == {"documents": 1, "pages": 30,
                                              "kazakh_documents": 1, "kazakh_pages": 30}
    assert data["types"]["journal_article"]["pages"] == 4  # no PDF folder: the log's pages
    none = CliRunner().invoke(app, ["digitisation"])
    assert none.exit_code == 2 and "no export files given" in none.output


def test_records_linking_different_web_pages_are_different_documents(tmp_path):
    gen = _generator()
    recs = [gen.unimarc_record(id=f"W{n}", level="m", lang="kaz", title="Кітап",
                               entered="20260110", links=(f"https://lib.kz/view?id={n}",))
            for n in (1, 2)]
    recs.append(gen.unimarc_record(id="W3", level="m", lang="kaz", title="Кітап",
                                   entered="20260110", links=("https://lib.kz/view?id=1",)))
    export = tmp_path / "web.iso"
    export.write_bytes(b"".join(encode_record(r, "utf-8") for r in recs))
    data = digitisation_inputs([Input(export)], default_plan(), Period.for_year(2026))
    assert [d["id"] for d in data["documents"]] == ["W1", "W2"]
    assert [(d["id"], d["same_as"]["id"]) for d in data["duplicates"]] == [("W3", "W1")]


def test_shipped_fixtures_digitised_records_match_their_truth():
    """fixtures/truth.json (written by fixtures/make_fixtures.py) marks every record with an
    856$u link as digitised, with its host kind, language and pages."""
    truth_file = REPO / "fixtures" / "truth.json"
    if not truth_file.is_file():
        pytest.skip("fixtures/truth.json has not been generated")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))["files"]
    items = {(name, i["record"]): i for name, f in truth.items() for i in f.get("items", [])
             if i["digitised"] and i["status"] != "d"}
    assert items, "the shipped fixtures have digitised records"
    papers = sorted({i["host_title"] for i in items.values() if i["host_kind"] == "newspaper"})
    plan = dataclasses.replace(default_plan(), newspapers=tuple(papers))
    names = sorted({name for name, _ in items})
    data = digitisation_inputs([Input(REPO / "fixtures" / n) for n in names], plan,
                               Period.for_year(2026))
    got = {(Path(d["file"]).name, d["record"]): d for d in data["documents"]}
    dups = {(Path(d["file"]).name, d["record"]) for d in data["duplicates"]}
    assert set(got) | dups == set(items)
    for key, d in got.items():
        want = items[key]
        kind = {"newspaper": "newspaper_article", "journal": "journal_article"}.get(
            want["host_kind"], "book")
        pages = want["article_pages"] if want["host_kind"] else want["pages"]
        assert (d["type"], d["language"], d["pages"], d["id"]) == (
            kind, want["language"], pages, want["id"]), key
