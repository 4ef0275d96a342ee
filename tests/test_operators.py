"""``count --by operator``: each cataloguer's new records of the period, per level and in
Kazakh, against numbers counted by hand from fixtures/irbis (README.md there)."""

from __future__ import annotations

import json

from conftest import FIXTURES, run_cli

from rabiskit.aggregate.count import OperatorTally, operators_json
from rabiskit.pipeline.count import count_inputs
from rabiskit.aggregate.period import Period
from rabiskit.facts.scan import Input
from rabiskit.plan.load import default_plan

IRBIS = FIXTURES / "irbis"
UTF8, CP1251 = IRBIS / "irbis-utf8.txt", IRBIS / "irbis-cp1251.txt"
NATIVE = IRBIS / "irbis-native-utf8.iso"


cli = run_cli


def by_operator(*args: str) -> dict:
    return json.loads(cli("count", *args, "--by", "operator", "--format", "json").stdout)


def short(ops: dict) -> dict:
    """{name: (total, kazakh, {level: (total, kazakh)} without the zero levels)}"""
    return {name: (r["total"], r["kazakh"],
                   {lv: (c["total"], c["kazakh"]) for lv, c in r["levels"].items() if c["total"]})
            for name, r in ops.items()}


def test_two_text_exports_q1_by_hand():
    d = by_operator(UTF8, CP1251, "--quarter", "1")
    assert short(d["operators"]) == {
        "AsanovaGK": (4, 4, {"book": (1, 1), "article": (2, 2), "cd": (1, 1)}),
        "ПетроваОИ": (2, 0, {"book": (1, 0), "article": (1, 0)}),
        "IvanovaMS": (1, 0, {"periodical": (1, 0)}),
        "СериковаА": (1, 0, {"article": (1, 0)}),
        "unknown": (1, 1, {"book": (1, 1)}),
    }
    # most records first, "unknown" last; every level of the plan present for each
    assert list(d["operators"]) == ["AsanovaGK", "ПетроваОИ", "IvanovaMS", "СериковаА", "unknown"]
    assert set(d["operators"]["IvanovaMS"]["levels"]) >= {"article", "local_lore", "book",
                                                         "periodical", "ebook", "cd"}
    # nothing dropped: the cataloguers add up to the period's count
    assert sum(r["total"] for r in d["operators"].values()) == d["all_levels"]["total"] == 9
    assert sum(r["kazakh"] for r in d["operators"].values()) == d["all_levels"]["kazakh"] == 5
    assert d["operators_field"] == {"field": "907", "subfield": "b", "from_plan": False}


def test_native_iso_and_other_periods():
    d = by_operator(NATIVE, "--quarter", "1")
    assert short(d["operators"]) == {
        "NurovaA": (3, 3, {"book": (1, 1), "article": (1, 1), "ebook": (1, 1)}),
        "ИвановаМС": (2, 0, {"periodical": (1, 0), "book": (1, 0)}),  # 907 of a RUSMARC record too
    }
    q2 = by_operator(UTF8, "--quarter", "2")
    assert short(q2["operators"]) == {"AsanovaGK": (1, 1, {"ebook": (1, 1)})}
    year = by_operator(UTF8, "--year", "2025")
    assert short(year["operators"]) == {"СериковаА": (1, 1, {"periodical": (1, 1)})}


def test_plan_names_another_field(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('year = 2026\n[operator]\nfield = "910"\nsubfield = "D"\n', encoding="utf-8")
    d = by_operator(UTF8, "--quarter", "1", "--plan", plan)
    # only record 1 has 910 ^D (Аб); the other five of Q1 name no one
    assert short(d["operators"]) == {"Аб": (1, 1, {"book": (1, 1)}),
                                     "unknown": (5, 3, {"article": (2, 1), "periodical": (1, 0),
                                                        "cd": (1, 1), "book": (1, 1)})}
    assert d["operators_field"] == {"field": "910", "subfield": "d", "from_plan": True}


def test_plan_errors(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('year = 2026\n[operator]\nfield = "9070"\nsubfield = "b"\n', encoding="utf-8")
    p = cli("count", UTF8, "--by", "operator", "--plan", plan, ok=False)
    assert p.returncode == 2 and b"line 3" in p.stderr and b"three characters" in p.stderr
    plan.write_text('year = 2026\n[operator]\nfield = "907"\n', encoding="utf-8")
    p = cli("count", UTF8, "--by", "operator", "--plan", plan, ok=False)
    assert p.returncode == 2 and b"subfield" in p.stderr


def test_table_csv_and_wrong_options(tmp_path):
    out = cli("count", UTF8, CP1251, "--quarter", "1", "--by", "operator").stdout.decode("utf-8")
    assert "AsanovaGK" in out and "ПетроваОИ" in out and "unknown" in out
    csv_text = cli("count", UTF8, "--quarter", "1", "--by", "operator", "--format", "csv").stdout
    rows = csv_text.decode("utf-8").splitlines()
    assert rows[0].startswith("operator,total,kazakh,article,article_kazakh")
    assert rows[1].startswith("AsanovaGK,3,3,1,1,")
    bad = cli("count", UTF8, "--by", "level", ok=False)
    assert bad.returncode == 2 and b"--by operator" in bad.stderr
    ledger = tmp_path / "l.sqlite"
    cli("import", UTF8, "--ledger", ledger)
    bad = cli("count", "--ledger", ledger, "--by", "operator", ok=False)
    assert bad.returncode == 2 and b"ledger" in bad.stderr


def test_same_numbers_whatever_the_order_of_files():
    plan = default_plan()
    period = Period.for_quarter(2026, 1)
    results = []
    for files in ([UTF8, CP1251, NATIVE], [NATIVE, CP1251, UTF8]):
        ops = OperatorTally.for_plan(plan)
        count_inputs([Input(f) for f in files], plan, period, operators=ops)
        results.append(operators_json(ops, plan, period))
    assert results[0] == results[1]
    assert results[0]["AsanovaGK"]["total"] == 4 and results[0]["NurovaA"]["total"] == 3


def test_report_has_the_operators_table_and_json(tmp_path):
    md, js, xl = tmp_path / "r.md", tmp_path / "r.json", tmp_path / "r.xlsx"
    cli("report", UTF8, CP1251, "--quarter", "1", "--lang", "en", "-o", md, "-o", js, "-o", xl)
    data = json.loads(js.read_text(encoding="utf-8"))
    assert short(data["operators"])["AsanovaGK"] == (4, 4, {"book": (1, 1), "article": (2, 2),
                                                            "cd": (1, 1)})
    text = md.read_text(encoding="utf-8")
    assert "## New records by cataloguer" in text
    assert "| AsanovaGK | 4 | 4 | 2 | 1 | 0 | 1 |" in text  # article, book, periodical, cd
    assert "| (unknown) | 1 | 1 | 0 | 1 | 0 | 0 |" in text
    import openpyxl

    wb = openpyxl.load_workbook(xl)
    cells = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert "New records by cataloguer" in cells and "ПетроваОИ" in cells


def test_report_of_exports_naming_no_cataloguer(tmp_path):
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    cli("report", FIXTURES / "unimarc-kz1048.iso", "--quarter", "1", "--lang", "en", "-o", md,
        "-o", js)
    data = json.loads(js.read_text(encoding="utf-8"))
    assert list(data["operators"]) == ["unknown"]
    assert data["operators"]["unknown"]["total"] == data["total"]["total"]
    assert "New records by cataloguer" not in md.read_text(encoding="utf-8")


def test_names_are_shown_as_written(tmp_path):
    p = tmp_path / "m.txt"
    p.write_bytes("#920: PAZK\n#907: ^A20260101^B[red]Әлі[/red]\n*****\n".encode("utf-8"))
    out = cli("count", p, "--quarter", "1", "--by", "operator").stdout.decode("utf-8")
    assert "[red]Әлі[/red]" in out  # not taken as console markup
    assert list(by_operator(p, "--quarter", "1")["operators"]) == ["[red]Әлі[/red]"]
