"""``rabiskit report --ledger`` honours closed quarters, through the real command line.

A ledger is filled from ``fixtures/unimarc-utf8.iso`` and its first quarter closed; then a
later export changes one Q1 book from Russian to Kazakh, deletes one Q1 article, adds one
new Q1 book and one new Q2 book, and is imported.  The report (every format, read back)
shows Q1 as it was handed in (``rabiskit count --ledger`` before the second import),
Q2-Q4 as the ledger counts them now, the year to date as the sum of the quarters shown,
and a "Corrections to closed quarters" table with exactly the three corrections and the
difference they make per level.  ``rabiskit ledger close 2026Q1 --force`` takes the
corrections in: they are gone and Q1 shows the new numbers.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import lxml.html
import openpyxl
import pytest
from test_ledger import rec
from test_report import (assert_same, csv_catalogue, expected, html_catalogue, md_catalogue,
                         read_csv, read_xlsx)
from typer.testing import CliRunner

from rabiskit.aggregate.count import classifier_for
from rabiskit.facts.scan import Input, scan
from rabiskit.plan.load import default_plan
from rabiskit.records.record import Field
from rabiskit.report.messages import t
from rabiskit.sources.iso2709_writer import encode_record

REPO = Path(__file__).resolve().parents[1]
UNIMARC = REPO / "fixtures" / "unimarc-utf8.iso"
PLAN = default_plan()
FORMATS = ("json", "xlsx", "docx", "html", "md", "csv")
AS_OF = "2026-12-31"
NEWER_005 = "20261231120000.0"
HOSTILE = "=1+2 <b>Жаңа</b> кітап"  # the new record's title: must stay inert text


def cli(*args, ok: bool = True):
    r = CliRunner().invoke(_app(), [str(a) for a in args], env={"COLUMNS": "200"})
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception  # a traceback, where one clear line was due
    if ok:
        assert r.exit_code == 0, (args, r.output, r.stderr)
    return r


def _app():
    from rabiskit.cli.main import app

    return app


def count(ledger: Path, quarter: int) -> dict:
    return json.loads(cli("count", "--format", "json", "--quarter", quarter,
                          "--ledger", ledger).stdout)


def _in_q1(f) -> bool:
    return (not f.is_deleted and f.date_entered is not None
            and dt.date(2026, 1, 1) <= f.date_entered <= dt.date(2026, 3, 31))


def _first(pairs, level: str, language: str):
    for src, f in pairs:
        if _in_q1(f) and f.level == level and f.languages == (language,):
            return src, f
    raise AssertionError(f"no Q1 {level} in {language} in {UNIMARC}")


def _with_005(record, *, language: str | None = None):
    """The record with a newer 005 (so the import applies it) and, if given, 101$a."""
    fields = [f for f in record.fields if f.tag != "005"]
    if language is not None:
        fields = [Field("101", ind1=f.ind1, ind2=f.ind2, subfields=[("a", language)])
                  if f.tag == "101" else f for f in fields]
    record.fields = [fields[0], Field("005", data=NEWER_005), *fields[1:]]
    return record


def later_export(path: Path) -> dict:
    """Write the later export; returns the 001s of what it does."""
    pairs = list(scan([Input(UNIMARC)], classify=classifier_for(PLAN)))
    recoded, rf = _first(pairs, "book", "rus")
    deleted, df = _first(pairs, "article", "kaz")
    r1 = _with_005(recoded.record, language="kaz")
    r2 = _with_005(deleted.record)
    r2.leader = r2.leader[:5] + "d" + r2.leader[6:]
    new_q1 = rec("KZ9900001", date="20260220", lang="kaz", title=HOSTILE, changed=NEWER_005)
    new_q2 = rec("KZ9900002", date="20260515", lang="kaz", title="Мамыр кітабы",
                 changed=NEWER_005)
    path.write_bytes(b"".join(encode_record(r, "utf-8") for r in (r1, r2, new_q1, new_q2)))
    # the file says what it should: read back
    back = {f.control_number: f for _, f in scan([Input(path)], classify=classifier_for(PLAN))}
    assert back[rf.control_number].languages == ("kaz",)
    assert back[df.control_number].is_deleted
    assert back["KZ9900001"].level == "book" and back["KZ9900002"].date_entered.month == 5
    return {"recoded": rf.control_number, "deleted": df.control_number, "new": "KZ9900001"}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> dict:
    if not UNIMARC.exists():
        pytest.fail(f"the fixture {UNIMARC} is missing")
    tmp = tmp_path_factory.mktemp("closed")
    ledger = tmp / "ledger.sqlite"
    cli("import", UNIMARC, "--ledger", ledger)
    cli("ledger", "close", "2026Q1", "--ledger", ledger)
    before = {q: count(ledger, q) for q in (1, 2)}
    ids = later_export(tmp / "export-later.iso")
    r = cli("import", tmp / "export-later.iso", "--ledger", ledger, "--format", "json")
    imported = json.loads(r.stdout)
    assert len(imported["corrections"]) == 3
    after = {q: count(ledger, q) for q in (1, 2, 3, 4)}
    # the later export does change the numbers: a frozen Q1 is not the same as Q1 now
    assert after[1]["levels"] != before[1]["levels"]
    assert after[2]["total"]["total"] == before[2]["total"]["total"] + 1
    out = tmp / "report"
    out.mkdir()
    args = ["report", "--ledger", ledger, "--as-of", AS_OF]
    for f in FORMATS:
        args += ["-o", out / f"report.{f}"]
    r = cli(*args)
    return {"tmp": tmp, "ledger": ledger, "before": before, "after": after, "ids": ids,
            "out": out, "stderr": r.stderr}


def test_json_q1_frozen_others_current(scenario):
    data = json.loads((scenario["out"] / "report.json").read_text(encoding="utf-8"))
    before, after = scenario["before"], scenario["after"]
    assert data["period"]["quarters"] == [1, 2, 3, 4]
    q1 = data["quarters"]["1"]
    assert q1["levels"] == before[1]["levels"] and q1["total"] == before[1]["total"]
    assert q1["closed"] is True
    closed_at = dt.datetime.fromisoformat(q1["closed_at"])
    assert abs(closed_at.date() - dt.datetime.now(dt.timezone.utc).date()) <= dt.timedelta(days=1)
    for q in (2, 3, 4):
        v = data["quarters"][str(q)]
        assert v["levels"] == after[q]["levels"] and v["total"] == after[q]["total"], q
        assert v["closed"] is False and v["closed_at"] is None
    # the year to date is the sum of the quarters as shown
    ytd = data["year_to_date"]
    assert ytd["closed_quarters"] == [1]
    for key in ("total", "kazakh"):
        assert ytd["total"][key] == sum(data["quarters"][q]["total"][key] for q in "1234")
        for lv, v in ytd["levels"].items():
            assert v[key] == sum(data["quarters"][q]["levels"][lv][key] for q in "1234"), lv
    assert data["total"] == ytd["total"]
    assert data["records"]["in_period"] == ytd["all_levels"]["total"]
    assert data["records"]["in_period_planned_levels"] == ytd["total"]["total"]
    assert any("2026Q1 was closed" in w for w in data["warnings"])
    assert "2026Q1 was closed" in scenario["stderr"]


def test_json_corrections(scenario):
    data = json.loads((scenario["out"] / "report.json").read_text(encoding="utf-8"))
    ids = scenario["ids"]
    items = data["corrections"]["items"]
    got = {(c["control_number"], c["kind"],
            c["before"] and (c["before"]["level"], c["before"]["language"]),
            c["after"] and (c["after"]["level"], c["after"]["language"])) for c in items}
    assert len(items) == 3
    assert got == {(ids["recoded"], "changed", ("book", "rus"), ("book", "kaz")),
                   (ids["deleted"], "removed", ("article", "kaz"), None),
                   (ids["new"], "added", None, ("book", "kaz"))}
    today = dt.datetime.now(dt.timezone.utc).date()
    for c in items:
        assert c["quarter"] == 1 and c["period"] == "2026Q1" and c["database"] == "catalogue"
        assert abs((dt.date.fromisoformat(c["imported_at"][:10]) - today).days) <= 1
    q1 = data["corrections"]["quarters"]["1"]
    assert q1["corrections"] == 3
    assert q1["delta"] == {"book": {"total": 1, "kazakh": 2}, "article": {"total": -1, "kazakh": -1}}
    assert q1["delta_total"] == {"total": 0, "kazakh": 1}
    # frozen + corrections = the catalogue now
    before, after = scenario["before"][1], scenario["after"][1]
    for lv in PLAN.levels():
        d = q1["delta"].get(lv, {"total": 0, "kazakh": 0})
        assert before["levels"][lv]["total"] + d["total"] == after["levels"][lv]["total"], lv
        assert before["levels"][lv]["kazakh"] + d["kazakh"] == after["levels"][lv]["kazakh"], lv


def _q1_label(data: dict, lang: str = "kk") -> str:
    return t("quarter_closed", lang, label=t("quarter", lang, n=1),
             date=dt.date.fromisoformat(data["quarters"]["1"]["closed_at"][:10]).strftime("%d.%m.%Y"))


def _check_catalogue(got: dict, scenario: dict, q1_label: str, where: str) -> None:
    assert_same(got[q1_label], expected(scenario["before"][1]), f"{where} Q1")
    for q in (2, 3, 4):
        assert_same(got[t("quarter", "kk", n=q)], expected(scenario["after"][q]), f"{where} Q{q}")


def _check_correction_rows(rows: list[list[str]], scenario: dict, where: str) -> None:
    """rows: the corrections table's rows as text, header first."""
    header = rows[0]
    body = [r for r in rows[1:] if len(r) == len(header) and sum(map(bool, r)) > 1]  # no notes
    assert header[:4] == [t("c_quarter"), t("c_database_name"), t("c_id"), t("c_title")], where
    col = {name: header.index(t(key)) for name, key in
           (("id", "c_id"), ("change", "c_change"), ("before", "c_before"),
            ("after", "c_after"), ("what", "c_what"), ("imported", "c_imported"))}
    by_id = {r[col["id"]]: r for r in body}
    ids = scenario["ids"]
    assert set(by_id) == set(ids.values()) and len(body) == 3, (where, body)
    book, article = PLAN.level_name("book", "kk"), PLAN.level_name("article", "kk")
    r = by_id[ids["recoded"]]
    assert r[col["change"]] == t("k_changed")
    assert r[col["before"]] == f"{book} (book), rus" and r[col["after"]] == f"{book} (book), kaz"
    assert "rus → kaz" in r[col["what"]] and r[col["what"]].startswith(t("w_language", change=""))
    r = by_id[ids["deleted"]]
    assert r[col["change"]] == t("k_removed")
    assert r[col["before"]] == f"{article} (article), kaz" and r[col["after"]] == "—"
    assert r[col["what"]] == t("w_marked_deleted")
    r = by_id[ids["new"]]
    assert r[col["change"]] == t("k_added") and r[col["before"]] == "—"
    assert r[col["after"]] == f"{book} (book), kaz" and r[col["what"]] == t("w_new_record")
    for r in body:
        assert r[0] == "2026Q1" and r[1] == "catalogue"
        dt.date.fromisoformat(r[col["imported"]])


def _check_delta_rows(rows: list[list], where: str) -> None:
    """rows: the difference table's rows (header first); numbers as int or text."""
    body = {str(r[1]): [int(float(v)) for v in r[2:8]] for r in rows[1:]
            if len(r) >= 8 and r[2] not in (None, "")}
    book, article = PLAN.level_name("book", "kk"), PLAN.level_name("article", "kk")
    assert body[book][1] == 1 and body[book][4] == 2, (where, body)
    assert body[article][1] == -1 and body[article][4] == -1, (where, body)
    for name, v in body.items():
        assert v[0] + v[1] == v[2] and v[3] + v[4] == v[5], (where, name, v)
    assert body[t("total")][1] == 0 and body[t("total")][4] == 1


def test_xlsx(scenario):
    path = scenario["out"] / "report.xlsx"
    data = json.loads((scenario["out"] / "report.json").read_text(encoding="utf-8"))
    _check_catalogue(read_xlsx(path), scenario, _q1_label(data), "xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[t("s_corrections")]
    assert ws.cell(1, 1).value == t("t_corrections")
    rows = [["" if c is None else str(c) for c in r]
            for r in ws.iter_rows(min_row=4, values_only=True) if any(c is not None for c in r)]
    _check_correction_rows(rows, scenario, "xlsx")
    [title] = [c for c in ws["D"] if c.value == HOSTILE]
    assert title.data_type == "s" and title.quotePrefix
    ws = wb[t("s_corrections_delta")]
    rows = [list(r) for r in ws.iter_rows(min_row=4, values_only=True)
            if any(c is not None for c in r)]
    _check_delta_rows(rows, "xlsx")


def test_csv(scenario):
    path = scenario["out"] / "report.csv"
    data = json.loads((scenario["out"] / "report.json").read_text(encoding="utf-8"))
    _check_catalogue(csv_catalogue(path), scenario, _q1_label(data), "csv")
    sections = {s[0][0]: s for s in read_csv(path) if s}
    _check_correction_rows(sections[t("t_corrections")][1:], scenario, "csv")
    assert "'" + HOSTILE in [r[3] for r in sections[t("t_corrections")] if len(r) > 3]
    _check_delta_rows(sections[t("t_corrections_delta")][1:], "csv")


def test_html(scenario):
    path = scenario["out"] / "report.html"
    data = json.loads((scenario["out"] / "report.json").read_text(encoding="utf-8"))
    _check_catalogue(html_catalogue(path), scenario, _q1_label(data), "html")
    doc = lxml.html.fromstring(path.read_bytes())

    def rows_of(key: str) -> list[list[str]]:
        [table] = doc.xpath(f'//table[@data-table="{key}"]')
        return [[c.text_content() for c in tr.xpath("./th|./td")] for tr in table.xpath(".//tr")]

    assert doc.xpath('//section[@id="corrections"]/h2')[0].text_content() == t("t_corrections")
    _check_correction_rows(rows_of("corrections"), scenario, "html")
    assert not doc.xpath('//table[@data-table="corrections"]//b')
    assert HOSTILE in [td.text_content() for td in doc.xpath('//td[@data-col="title"]')]
    _check_delta_rows(rows_of("corrections_delta"), "html")


def test_markdown(scenario):
    path = scenario["out"] / "report.md"
    data = json.loads((scenario["out"] / "report.json").read_text(encoding="utf-8"))
    _check_catalogue(md_catalogue(path), scenario, _q1_label(data), "md")
    lines = path.read_text(encoding="utf-8").splitlines()

    def rows_of(title: str) -> list[list[str]]:
        start = lines.index(f"## {title}")
        table = [ln for ln in lines[start + 2:]]
        table = table[:next(i for i, ln in enumerate(table) if not ln.startswith("|"))]
        rows = [[c.strip().strip("*").replace("\\", "") for c in ln.strip("|").split(" | ")]
                for ln in table]
        return [rows[0]] + rows[2:]

    _check_correction_rows(rows_of(t("t_corrections")), scenario, "md")
    _check_delta_rows(rows_of(t("t_corrections_delta")), "md")


def test_docx(scenario):
    path = scenario["out"] / "report.docx"
    data = json.loads((scenario["out"] / "report.json").read_text(encoding="utf-8"))
    d = docx.Document(str(path))
    tables, heading = {}, ""
    it = iter(d.tables)
    for el in d.element.body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p" and el.xpath("./w:pPr/w:pStyle/@w:val"):
            heading = "".join(x.text or "" for x in el.iter() if x.tag.endswith("}t"))
        elif tag == "tbl":
            tables.setdefault(heading, [[c.text for c in r.cells] for r in next(it).rows])
    q1 = tables[_q1_label(data)]  # the catalogue table's Q1 part
    actual = q1[0].index(t("c_actual"))
    want = expected(scenario["before"][1])
    got = {r[0]: r[actual] for r in q1[1:]}
    for name, v in want.items():
        assert int(got[name].split()[0]) == v["actual"], name
    _check_correction_rows(tables[t("t_corrections")], scenario, "docx")
    _check_delta_rows(tables[t("t_corrections_delta")], "docx")


def test_other_languages(scenario, tmp_path):
    closed_on = dt.date.fromisoformat(json.loads((scenario["out"] / "report.json").read_text(
        encoding="utf-8"))["quarters"]["1"]["closed_at"][:10]).strftime("%d.%m.%Y")
    for lang in ("ru", "en"):
        out = tmp_path / f"r-{lang}.html"
        cli("report", "--ledger", scenario["ledger"], "--as-of", AS_OF, "--lang", lang, "-o", out)
        doc = lxml.html.fromstring(out.read_bytes())
        assert doc.xpath('//section[@id="corrections"]/h2')[0].text_content() == \
            t("t_corrections", lang)
        assert doc.xpath('//section[@id="corrections_delta"]/h2')[0].text_content() == \
            t("t_corrections_delta", lang)
        text = doc.text_content()
        assert t("k_removed", lang) in text and t("w_new_record", lang) in text
        q1 = t("quarter_closed", lang, label=t("quarter", lang, n=1), date=closed_on)
        assert q1 in text
        notes = doc.xpath('//section[@id="catalogue"]/p[@class="note"]/text()')
        assert t("n_ytd_frozen", lang, quarters=q1) in notes


def test_quarter_two_year_to_date_uses_the_frozen_q1(scenario, tmp_path):
    out = tmp_path / "q2.json"
    cli("report", "--ledger", scenario["ledger"], "--quarter", "2", "--as-of", AS_OF, "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    before, after = scenario["before"], scenario["after"]
    assert data["quarters"]["2"]["closed"] is False
    assert data["total"] == data["quarters"]["2"]["total"] == after[2]["total"]
    assert data["year_to_date"]["closed_quarters"] == [1]
    assert data["year_to_date"]["total"]["total"] == \
        before[1]["total"]["total"] + after[2]["total"]["total"]
    assert data["year_to_date"]["total"]["kazakh"] == \
        before[1]["total"]["kazakh"] + after[2]["total"]["kazakh"]
    assert len(data["corrections"]["items"]) == 3  # Q1 is in the year to date


def test_with_an_export_beside_the_ledger(scenario, tmp_path):
    """--ledger plus an export: a correction it would make is listed, the ledger file is
    not changed."""
    extra = tmp_path / "extra.iso"
    extra.write_bytes(encode_record(rec("KZ9900003", date="20260305", lang="rus",
                                        changed=NEWER_005), "utf-8"))
    ledger = scenario["ledger"]
    before_bytes = ledger.read_bytes()
    out = tmp_path / "r.json"
    cli("report", "--ledger", ledger, extra, "--as-of", AS_OF, "-o", out)
    assert ledger.read_bytes() == before_bytes
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["quarters"]["1"]["levels"] == scenario["before"][1]["levels"]
    items = data["corrections"]["items"]
    assert len(items) == 4 and items[-1]["control_number"] == "KZ9900003"
    assert data["corrections"]["quarters"]["1"]["delta"]["book"] == {"total": 2, "kazakh": 2}


def test_export_reports_have_no_closed_quarters(scenario, tmp_path):
    out = tmp_path / "e.json"
    cli("report", UNIMARC, "--as-of", AS_OF, "-o", out, "-o", tmp_path / "e.html")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert all(v["closed"] is False and v["closed_at"] is None for v in data["quarters"].values())
    assert data["corrections"] == {"items": [], "quarters": {}}
    assert data["year_to_date"]["closed_quarters"] == []
    doc = lxml.html.fromstring((tmp_path / "e.html").read_bytes())
    assert not doc.xpath('//section[@id="corrections"]')


def test_force_close_takes_the_corrections_in(scenario, tmp_path):
    ledger = tmp_path / "forced.sqlite"
    ledger.write_bytes(scenario["ledger"].read_bytes())
    cli("ledger", "close", "2026Q1", "--force", "--ledger", ledger)
    out = tmp_path / "forced.json"
    r = cli("report", "--ledger", ledger, "--as-of", AS_OF, "-o", out, "-o", tmp_path / "f.csv")
    assert "was closed" not in r.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    after = scenario["after"]
    assert data["quarters"]["1"]["closed"] is True
    assert data["quarters"]["1"]["levels"] == after[1]["levels"]
    assert data["quarters"]["1"]["levels"] != scenario["before"][1]["levels"]
    assert data["corrections"]["items"] == []
    assert data["corrections"]["quarters"]["1"]["corrections"] == 0
    sections = {s[0][0]: s for s in read_csv(tmp_path / "f.csv") if s}
    corr = sections[t("t_corrections")]
    assert len(corr) == 4 and corr[-1] == [t("n_no_corrections")]  # title, header, two notes
