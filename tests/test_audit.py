"""``rabiskit audit``: seeded fixtures (every kind), clean fixtures (no alarm), the Kazakh
share, the outputs (JSON, CSV, XLSX read back) and the real corpus."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rabiskit.aggregate.period import Period
from rabiskit.audit import KINDS, audit_inputs
from rabiskit.audit.checks import AuditOptions, check_dates, check_encoding
from rabiskit.audit.text import isbn13, normalise_text
from rabiskit.cli.main import app
from rabiskit.facts.extract import extract_facts
from rabiskit.facts.scan import Input
from rabiskit.plan.load import default_plan
from rabiskit.records.record import UNIMARC, Field, Record, SourceRecord
from rabiskit.sources.iso2709_writer import encode_record, set_declared_encoding

REPO = Path(__file__).resolve().parents[1]
FIX = REPO / "fixtures" / "audit"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TODAY = dt.date(2026, 6, 30)
SEEDED = ["seeded.iso", "seeded-b.iso", "seeded-marc21.mrc", "seeded-damaged.iso"]
CLEAN = ["clean-kk-utf8.iso", "clean-kk-kz1048.iso", "clean-ru-utf8.iso", "clean-ru-cp1251.iso"]

runner = CliRunner()


def audit(*names: str, period: Period | None = None, **kw):
    return audit_inputs([Input(FIX / n) for n in names], default_plan(),
                        period or Period.for_year(2026), today=TODAY, **kw)


def keyed(findings) -> Counter:
    return Counter((Path(f.file).name, f.record, f.kind) for f in findings)


# ------------------------------------------------------------------ seeded fixtures

def test_seeded_fixtures_give_exactly_the_expected_findings():
    truth = json.loads((FIX / "seeded-truth.json").read_text("utf-8"))
    assert truth["today"] == TODAY.isoformat()
    want = Counter((e["file"], e["record"], e["kind"]) for e in truth["findings"])
    result = audit(*SEEDED)
    assert keyed(result.findings) == want
    # every kind is seeded at least once
    assert {k for (_, _, k) in want} == set(KINDS)
    assert all(n > 0 for n in result.summary.values())


def test_findings_carry_location_id_title_field_evidence_confidence():
    result = audit("seeded.iso")
    by = {(f.record, f.kind): f for f in result.findings}
    f = by[(3, "language_mismatch")]
    assert (f.id, f.title, f.field) == ("SD0003", "Қазақстан тарихы", "101$a")
    assert "қ" in f.evidence and "coded rus" in f.evidence
    assert f.confidence >= 0.9
    assert f.offset > 0 and f.file.endswith("seeded.iso")
    # the Russian title coded kaz
    f = by[(5, "language_mismatch")]
    assert "Russian" in f.evidence and "coded kaz" in f.evidence
    # Kazakh without Kazakh-specific letters: word evidence
    f = by[(4, "language_mismatch")]
    assert "мен" in f.evidence
    # KZ-1048 read as cp1251: the evidence shows what the word should read
    f = by[(9, "encoding_damage")]
    assert "Қазақстан" in f.evidence and f.field == "200$a"
    assert by[(12, "mixed_script")].evidence.count("Latin") >= 1
    assert by[(11, "encoding_damage")].field == "330$a"
    assert "U+0007" in by[(11, "encoding_damage")].evidence
    assert by[(14, "invalid_date")].field == "100$a/0-7"
    assert "20261345" in by[(14, "invalid_date")].evidence
    assert by[(17, "invalid_date")].field == "005"


def test_duplicate_groups_name_the_other_members_within_and_across_files():
    result = audit(*SEEDED)
    dups = [f for f in result.findings if f.kind == "duplicate"]
    groups: dict[int, list] = {}
    for f in dups:
        groups.setdefault(f.group, []).append(f)
    members = sorted(sorted((Path(f.file).name, f.record) for f in g) for g in groups.values())
    assert members == [
        [("seeded-b.iso", 1), ("seeded-b.iso", 2), ("seeded.iso", 18), ("seeded.iso", 19)],
        [("seeded-b.iso", 3), ("seeded.iso", 20), ("seeded.iso", 21)],
    ]
    for g in groups.values():
        for f in g:
            for other in g:
                if other is not f:
                    assert f"{Path(other.file).name}:{other.record}/{other.id}" in f.evidence
    isbn = [f for f in dups if f.record == 18][0]
    assert "ISBN 9786017123456" in isbn.evidence and "010$a" in isbn.field


def test_repeated_001_within_a_file_only():
    result = audit("seeded.iso", "seeded-b.iso")
    rep = [f for f in result.findings if f.kind == "repeated_control_number"]
    assert sorted((Path(f.file).name, f.record) for f in rep) == [("seeded.iso", 23),
                                                                   ("seeded.iso", 24)]
    assert "record 24" in [f for f in rep if f.record == 23][0].evidence


def test_salvaged_record_has_the_readers_problem_as_evidence():
    result = audit("seeded-damaged.iso")
    sal = [f for f in result.findings if f.kind == "salvaged_record"]
    assert [(f.record, f.id) for f in sal] == [(2, "DM0002")]
    assert "length" in sal[0].evidence
    assert result.records == 3  # no intact record lost


# ------------------------------------------------------------------ clean fixtures

@pytest.mark.parametrize("name", CLEAN)
def test_clean_kazakh_and_russian_fixtures_raise_no_alarm(name):
    result = audit(name)
    assert result.records == 25
    assert result.findings == [], [(f.kind, f.record, f.evidence) for f in result.findings]


def test_clean_kz1048_file_really_is_kz1048_bytes():
    data = (FIX / "clean-kk-kz1048.iso").read_bytes()
    assert "Қазақ".encode("kz1048") in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


# ------------------------------------------------------------------ Kazakh share

def test_kazakh_share_as_coded_as_written_and_target():
    truth = json.loads((FIX / "share-truth.json").read_text("utf-8"))
    result = audit("share.iso", period=Period.for_quarter(2026, 1))
    share = {k: v.as_dict() for k, v in result.kazakh_share.items()}
    for level in ("article", "book"):
        want = truth[level]
        got = share[level]
        assert got["records"] == want["records"]
        assert got["coded_kazakh"] == want["coded_kazakh"]
        assert got["written_kazakh"] == want["written_kazakh"]
        assert got["written_from_coding"] == want["written_from_coding"]
        assert got["target"] == want["target"]
    assert share["article"]["coded"] == 0.6 and share["article"]["written"] == 0.8
    assert share["total"]["records"] == 14
    assert share["total"]["target"] == round(213 / 296, 4)
    # periodical/ebook/cd have no target in the plan and no records: not listed
    assert "periodical" not in share
    # the Q2 record is outside the period
    assert result.in_period == 14


def test_kazakh_share_has_no_target_for_a_period_that_is_not_whole_quarters():
    result = audit("share.iso", period=Period.between(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    share = result.kazakh_share
    assert share["article"].records == 10 and share["article"].target is None
    assert share["total"].target is None


# ------------------------------------------------------------------ options

def test_only_period_limits_content_findings_to_the_period():
    everything = audit("seeded.iso")
    q2 = audit("seeded.iso", period=Period.for_quarter(2026, 2), only_period=True)
    assert everything.summary["language_mismatch"] == 3
    assert q2.summary["language_mismatch"] == 0  # the records were entered in Q1
    assert q2.summary["duplicate"] == everything.summary["duplicate"]
    assert q2.summary["invalid_date"] == everything.summary["invalid_date"]


def test_min_confidence_filters_language_mismatches():
    assert audit("seeded.iso", min_confidence=0.99).summary["language_mismatch"] == 0


def _src(rec: Record, number: int = 1) -> SourceRecord:
    rec = set_declared_encoding(rec, UNIMARC, "utf-8")
    return SourceRecord("mem.iso", number, 0, len(encode_record(rec)), rec, UNIMARC, "utf-8")


def _rec(date="20260115", f005="20260115103000.0", title="Қазақ ертегілері", langs=("kaz",)):
    fields = [Field("001", data="X1")]
    if f005:
        fields.append(Field("005", data=f005))
    fields.append(Field("100", subfields=[("a", f"{date}d2025    k  y0kazy50      ca")]))
    fields.append(Field("101", subfields=[("a", c) for c in langs]))
    fields.append(Field("200", ind1="1", subfields=[("a", title)]))
    return Record("00000nam0 2200000 i 450 ", fields)


def test_date_checks_use_the_given_today_and_oldest():
    src = _src(_rec(date="20260701", f005="20260701120000.0"))
    facts = extract_facts(src)
    kinds = [f.kind for f in check_dates(src, facts, AuditOptions(today=TODAY))]
    assert kinds == ["future_date", "future_date"]
    assert check_dates(src, facts, AuditOptions(today=dt.date(2026, 7, 1))) == []
    old = _src(_rec(date="19950101", f005="19950101120000.0"))
    assert check_dates(old, extract_facts(old), AuditOptions(today=TODAY)) == []
    found = check_dates(old, extract_facts(old),
                        AuditOptions(today=TODAY, oldest=dt.date(2000, 1, 1)))
    assert [f.kind for f in found] == ["invalid_date"] and "implausibly old" in found[0].evidence
    bad005 = _src(_rec(f005="2026AB15"))
    found = check_dates(bad005, extract_facts(bad005), AuditOptions(today=TODAY))
    assert [(f.kind, f.field) for f in found] == [("invalid_date", "005")]


def test_ukrainian_letters_are_not_damage_in_a_record_coded_ukr():
    ukr = _src(_rec(title="Історія Європи та її культура", langs=("ukr",)))
    assert check_encoding(ukr, extract_facts(ukr)) == []
    kaz = _src(_rec(title="Ќазаќстан тарихы", langs=("kaz",)))
    found = check_encoding(kaz, extract_facts(kaz))
    assert [f.kind for f in found] == ["encoding_damage"] and found[0].confidence >= 0.9


def test_non_sorting_markers_and_roman_numerals_are_not_damage():
    rec = _rec(title="\u0098Тhe\u009c", langs=("eng",))
    rec.fields.append(Field("330", subfields=[("a", "ХIХ ғасыр, ЧастьIII")]))
    src = _src(rec)
    kinds = [f.kind for f in check_encoding(src, extract_facts(src))]
    # 'Тhe' mixes a Cyrillic Т with Latin letters that are not look-alikes: not flagged
    assert kinds == []


def test_isbn_and_text_normalisation():
    assert isbn13("978-601-7-12345-6 (пер.)") == "9786017123456"
    assert isbn13("601-7-12345-X") == "9786017123451"  # ISBN-10 -> ISBN-13, check digit recomputed
    assert isbn13("б. ц.") is None
    assert normalise_text("Ёлка: «Сказки»!") == "елка сказки"


# ------------------------------------------------------------------ CLI and outputs

def test_cli_json_has_the_issue_keys_and_strict_exit_code():
    r = runner.invoke(app, ["audit", *[str(FIX / n) for n in SEEDED], "--format", "json",
                            "--today", "2026-06-30", "--quarter", "1", "--strict"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert set(data) >= {"summary", "findings", "kazakh_share"}
    assert set(data["summary"]) == set(KINDS)
    f = data["findings"][0]
    assert set(f) >= {"kind", "file", "record", "offset", "id", "title", "field", "evidence",
                      "confidence"}
    assert set(data["kazakh_share"]["book"]) >= {"coded", "written", "target"}
    assert data["period"]["quarters"] == [1]


def test_cli_clean_file_strict_exits_zero():
    r = runner.invoke(app, ["audit", str(FIX / "clean-ru-cp1251.iso"), "--strict",
                            "--today", "2026-06-30"])
    assert r.exit_code == 0, r.output
    assert "No findings" in r.stdout


def test_cli_errors_are_one_clear_line():
    r = runner.invoke(app, ["audit", str(FIX / "seeded.iso"), "--format", "xlsx"])
    assert r.exit_code == 2 and "needs -o" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["audit", str(FIX / "nope.iso")])
    assert r.exit_code == 2 and "not found" in r.output
    r = runner.invoke(app, ["audit", str(FIX / "seeded.iso"), "--today", "30.06.2026"])
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output


def _formula_fixture(tmp_path: Path) -> Path:
    recs = [_rec(title="=HYPERLINK(\"http://x\",\"Қазақ\")", langs=("rus",)),
            _rec(title="+Ұлытау жырлары", langs=("rus",))]
    path = tmp_path / "formula.iso"
    path.write_bytes(b"".join(encode_record(set_declared_encoding(r, UNIMARC, "utf-8"))
                              for r in recs))
    return path


def test_cli_csv_neutralises_formulas(tmp_path):
    path = _formula_fixture(tmp_path)
    out = tmp_path / "a.csv"
    r = runner.invoke(app, ["audit", str(path), "--format", "csv", "-o", str(out),
                            "--today", "2026-06-30"])
    assert r.exit_code == 0, r.output
    text = out.read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    titles = {row["title"] for row in rows}
    assert "'=HYPERLINK(\"http://x\",\"Қазақ\")" in titles and "'+Ұлытау жырлары" in titles


def test_cli_xlsx_sheet_per_kind_with_filter_frozen_header_and_text_cells(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "audit.xlsx"
    r = runner.invoke(app, ["audit", *[str(FIX / n) for n in SEEDED], str(_formula_fixture(tmp_path)),
                            "--format", "xlsx", "-o", str(out), "--today", "2026-06-30"])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "summary"
    assert set(wb.sheetnames[1:]) == set(KINDS)
    summary = {row[0]: row[4] for row in wb["summary"].iter_rows(min_row=2, max_row=13,
                                                                    values_only=True)}
    assert summary["duplicate"] == 7
    ws = wb["language_mismatch"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    header = [c.value for c in ws[1]]
    assert "001" in header and any("title" in (h or "") for h in header)
    col = header.index([h for h in header if h and h.startswith("title")][0]) + 1
    cells = [ws.cell(n, col) for n in range(2, ws.max_row + 1)]
    formula = [c for c in cells if str(c.value).startswith("=")]
    assert formula and all(c.data_type == "s" and c.quotePrefix for c in formula)
    assert not list(tmp_path.glob(".audit.xlsx.*"))  # atomic: no temporary file left


# ------------------------------------------------------------------ real corpus

def _corpus() -> Path:
    if not CORPUS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus missing at {CORPUS}")
        pytest.skip(f"no corpus at {CORPUS} (../shared/corpus beside the repo)")
    return CORPUS


@pytest.mark.parametrize("name", ["loge-gh_rusmarc/TEST1.ISO", "AleksST_marc/sven09.mrc",
                                  "edsu_pymarc/1251.dat",
                                  "Igor-AS_rusmarc-ojs/issue-2012-v320-i1.xml"])
def test_real_russian_exports_raise_no_language_alarm(name):
    path = _corpus() / name
    result = audit_inputs([Input(path)], default_plan(), Period.for_year(2026), today=TODAY)
    assert result.records > 0
    assert result.summary["language_mismatch"] == 0
    assert result.summary["encoding_damage"] == 0


def test_real_tatar_records_are_not_called_kazakh():
    """ruslan_19.mrc: 500 records from the National Library of Tatarstan; Tatar shares
    ә ө ү ң һ with Kazakh.  Coded tat/tar, they must not read as miscoded Kazakh."""
    path = _corpus() / "isergey_libcms" / "ruslan_19.mrc"
    result = audit_inputs([Input(path)], default_plan(), Period.for_year(2026), today=TODAY)
    assert result.records == 500
    kaz = [f for f in result.findings if f.kind == "language_mismatch" and "Kazakh" in f.evidence]
    assert kaz == []
    # the obsolete MARC code 'tar' is reported, with its successor
    tar = [f for f in result.findings if f.kind == "invalid_language_code" and "'tar'" in f.evidence]
    assert tar and "'tat'" in tar[0].evidence
