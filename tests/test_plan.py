"""The plan file: loading, errors with key and line, the checker, and `rabiskit plan show|check`."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rabiskit.cli.main import app
from rabiskit.plan.check import check_plan
from rabiskit.plan.errors import PlanError
from rabiskit.plan.load import default_plan, default_plan_text, load_plan, parse_plan
from rabiskit.plan.tomlpos import KeyLines, dotted

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
PLANS = FIXTURES / "plans"
runner = CliRunner()

# The seed's 2026 plan as docs/domain.md states it (sections II and V of the plan document):
# level: (year, year kazakh, (Q1, kaz), (Q2, kaz), (Q3, kaz), (Q4, kaz))
SEED_CATALOGUE = {
    "article": (900, 600, (221, 148), (221, 148), (221, 148), (237, 156)),
    "local_lore": (100, 80, (25, 20), (25, 20), (25, 20), (25, 20)),
    "book": (270, 250, (50, 45), (40, 35), (110, 105), (70, 65)),
    "periodical": (0, 0, (0, 0), (0, 0), (0, 0), (0, 0)),
    "ebook": (0, 0, (0, 0), (0, 0), (0, 0), (0, 0)),
    "cd": (0, 0, (0, 0), (0, 0), (0, 0), (0, 0)),
    "total": (1270, 930, (296, 213), (286, 203), (356, 273), (332, 241)),
}
SEED_CORPORATE = (1000, 680, (246, 168), (246, 168), (246, 168), (262, 176))
# type: {measure: (year, year kazakh, (Q1, kaz) ... (Q4, kaz))}
SEED_DIGITISATION = {
    "newspaper_article": {"documents": (15, 10, (3, 2), (3, 3), (4, 2), (5, 3)),
                          "pages": (30, 20, (8, 5), (8, 5), (7, 5), (5, 5))},
    "journal_article": {"documents": (5, 3, (1, 0), (2, 1), (1, 1), (1, 1)),
                        "pages": (10, 10, (3, 3), (3, 3), (2, 2), (2, 2))},
    "book": {"documents": (1, 1, (0, 0), (0, 0), (0, 0), (1, 1)),
             "pages": (256, 256, (0, 0), (0, 0), (0, 0), (256, 256))},
    "total": {"documents": (21, 14, (4, 2), (5, 4), (5, 3), (7, 5)),
              "pages": (296, 286, (11, 8), (11, 8), (9, 7), (265, 263))},
}
SEED_LIBRARY = "Сәтбаев қаласының балалар мен жасөспірімдер кітапханасы"


def _invoke(*args: str):
    return runner.invoke(app, list(args))


# -- the seed plan -------------------------------------------------------------------------
def test_show_json_round_trips_every_figure_of_the_seed_plan():
    result = _invoke("plan", "show", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["year"] == 2026
    assert data["library"] == SEED_LIBRARY
    for level, (year, year_kaz, *quarters) in SEED_CATALOGUE.items():
        row = data["catalogue"][level]
        assert row["quarters"] == [q[0] for q in quarters], level
        assert row["kazakh"] == [q[1] for q in quarters], level
        assert (row["year_total"], row["year_kazakh"]) == (year, year_kaz), level
    year, year_kaz, *quarters = SEED_CORPORATE
    corp = data["subtotals"]["corporate"]
    assert corp["levels"] == ["article", "local_lore"]
    assert corp["quarters"] == [q[0] for q in quarters]
    assert corp["kazakh"] == [q[1] for q in quarters]
    assert (corp["year_total"], corp["year_kazakh"]) == (year, year_kaz)
    for kind, measures in SEED_DIGITISATION.items():
        row = data["digitisation"][kind]
        for measure, (year, year_kaz, *quarters) in measures.items():
            assert row[measure] == [q[0] for q in quarters], (kind, measure)
            assert row[f"kazakh_{measure}"] == [q[1] for q in quarters], (kind, measure)
            assert row[f"year_{measure}"] == year, (kind, measure)
            assert row[f"year_kazakh_{measure}"] == year_kaz, (kind, measure)
    assert data["newspapers"] == []  # the plan document names no newspaper


def test_fixture_plan_is_the_packaged_default_number_for_number():
    fixture = load_plan(FIXTURES / "plan-2026.toml")
    builtin = default_plan()
    assert dataclasses.replace(fixture, source=None) == dataclasses.replace(builtin, source=None)
    assert (FIXTURES / "plan-2026.toml").read_text("utf-8") == default_plan_text()


def test_show_json_of_the_fixture_file_equals_the_builtin_one():
    a = json.loads(_invoke("plan", "show", "-f", "json").stdout)
    b = json.loads(_invoke("plan", "show", str(FIXTURES / "plan-2026.toml"), "-f", "json").stdout)
    a.pop("source"), b.pop("source")
    assert a == b


def test_targets_for_a_period():
    plan = default_plan()
    assert plan.target("article", [1]) == (221, 148)
    assert plan.target("article", [1, 2, 3, 4]) == (900, 600)
    assert plan.target("book", (3, 4)) == (180, 170)
    assert plan.target("kaleidoscope", [1]) == (0, 0)  # no row: no target
    assert plan.total_target([2]) == (286, 203)
    assert plan.digitisation_target("newspaper_article", [1, 2]) == (6, 5, 16, 10)
    assert plan.digitisation_target("total", [4]) == (7, 5, 265, 263)
    with pytest.raises(ValueError):
        plan.target("article", [5])
    assert plan.catalogue["article"].year() == 900


def test_check_finds_the_seed_plans_own_disagreements():
    findings = check_plan(default_plan())
    by_place = {(f.table, f.row, f.column): f for f in findings}
    pages = by_place[("digitisation", "newspaper_article", "pages year")]
    assert (pages.stated, pages.computed) == (30, 28)
    q4 = by_place[("digitisation", "total", "pages Q4")]
    assert (q4.stated, q4.computed) == (265, 263)
    assert "265" in q4.message and "263" in q4.message and "Q4" in q4.message
    # section II's control indicators, as the plan states them, against section V's tables
    # (figures copied by hand from the seed)
    control = {(f.row, f.column): (f.stated, f.computed) for f in findings
               if f.table == "control"}
    assert control == {
        ("records", "Q1"): (315, 296), ("records", "Q2"): (285, 286),
        ("records", "Q3"): (355, 356), ("records", "Q4"): (315, 332),
        ("records_kazakh", "Q1"): (235, 213), ("records_kazakh", "Q2"): (230, 203),
        ("records_kazakh", "Q3"): (235, 273), ("records_kazakh", "Q4"): (230, 241),
        ("pages", "Q1"): (8, 11), ("pages", "Q2"): (8, 11), ("pages", "Q3"): (8, 9),
        ("pages", "year"): (289, 296),
        ("pages_kazakh", "Q1"): (7, 8), ("pages_kazakh", "Q2"): (5, 8),
        ("pages_kazakh", "Q3"): (6, 7), ("pages_kazakh", "Q4"): (264, 263),
        ("pages_kazakh", "year"): (282, 286)}
    # everything else in the seed adds up (documents 21 = 4 + 5 + 5 + 7, of which 14 ...)
    assert len(findings) == 2 + len(control)


def test_check_json_and_strict_exit_codes():
    result = _invoke("plan", "check", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    found = {(f["row"], f["column"], f["stated"], f["computed"]) for f in data["findings"]}
    assert ("newspaper_article", "pages year", 30, 28) in found
    assert ("total", "pages Q4", 265, 263) in found
    for f in data["findings"]:
        assert set(f) >= {"table", "row", "column", "stated", "computed", "message"}
    assert _invoke("plan", "check", "--strict").exit_code == 1
    table = _invoke("plan", "check")
    assert table.exit_code == 0
    assert "265" in table.stdout and "263" in table.stdout and "newspaper_article" in table.stdout


def test_check_clean_plan_has_no_findings_and_strict_passes(tmp_path):
    plan = tmp_path / "clean.toml"
    plan.write_text('year = 2026\n[catalogue.book]\nquarters = [1, 2, 3, 4]\nkazakh = [1, 1, 1, 1]\n'
                    'year_total = 10\nyear_kazakh = 4\n', "utf-8")
    assert check_plan(load_plan(plan)) == []
    result = _invoke("plan", "check", str(plan), "--strict")
    assert result.exit_code == 0
    assert "no findings" in result.stdout


def test_check_compares_catalogue_totals_subtotals_and_kazakh_years():
    plan = parse_plan("""
year = 2026
[catalogue.article]
quarters = [10, 10, 10, 10]
kazakh = [5, 5, 5, 5]
year_total = 40
year_kazakh = 50
[catalogue.book]
quarters = [1, 1, 1, 1]
[catalogue.total]
quarters = [11, 11, 12, 11]
kazakh = [5, 5, 5, 5]
year_total = 44
[subtotals.corporate]
levels = ["article"]
quarters = [10, 10, 10, 9]
""", "t.toml")
    found = {(f.row, f.column, f.stated, f.computed) for f in check_plan(plan)}
    assert ("article", "kazakh year", 50, 20) in found  # year vs quarters
    assert ("article", "kazakh year", 50, 40) in found  # Kazakh above the total
    assert ("total", "total Q3", 12, 11) in found  # total row vs the rows
    assert ("total", "total year", 44, 45) in found  # stated year vs its quarters
    assert ("total", "total year", 44, 44) not in found
    assert ("subtotals.corporate", "total Q4", 9, 10) in found


def test_show_table_names_levels_in_kazakh_with_english_keys():
    result = _invoke("--lang", "kk", "plan", "show")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in ("Мақала (article)", "Өлкетану (local_lore)", "Кітап (book)", "Барлығы (total)",
                 "Газет мақалалары (newspaper_article)", SEED_LIBRARY):
        assert text in out
    assert re.search(r"1270\s*│\s*930", out)
    assert re.search(r"265\s*│\s*263", out)
    assert "[digitisation] newspapers" in out  # markup-looking text is shown as text


def test_subprocess_output_is_utf8_even_on_a_cp1251_console():
    env = dict(os.environ, PYTHONIOENCODING="cp1251")
    done = subprocess.run([sys.executable, "-m", "rabiskit", "plan", "show", "--format", "json"],
                          capture_output=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    data = json.loads(done.stdout.decode("utf-8"))
    assert data["library"] == SEED_LIBRARY
    assert data["level_names"]["local_lore"]["kk"] == "Өлкетану"


# -- bad plans: each error names the key and the right line --------------------------------
def _marked(path: Path) -> tuple[int, str]:
    """Line and key of the ``# <- error: KEY`` marker in a bad-plan fixture."""
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        m = re.search(r"# <- error: (\S+)", line)
        if m:
            return number, m.group(1)
    raise AssertionError(f"{path.name} has no error marker")


BAD_PLANS = sorted(PLANS.glob("bad-*.toml"))


def test_there_are_bad_plans_to_test():
    assert len(BAD_PLANS) >= 12


@pytest.mark.parametrize("path", BAD_PLANS, ids=lambda p: p.stem)
def test_bad_plan_error_names_key_and_line(path: Path):
    line, key = _marked(path)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    error = info.value
    assert error.line == line, str(error)
    assert f"line {line}" in str(error)
    assert str(path) in str(error)
    if key != "(TOML":  # a syntax error has no key, only a line
        assert error.key == key, str(error)
        assert key in str(error)
    assert "\n" not in str(error)


@pytest.mark.parametrize("path", BAD_PLANS[:4], ids=lambda p: p.stem)
def test_bad_plan_on_the_command_line_is_one_line_and_exit_2(path: Path):
    line, _ = _marked(path)
    for args in (["plan", "show", str(path)], ["plan", "check", str(path)],
                 ["rules", "--plan", str(path)]):
        result = _invoke(*args)
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        err = result.stderr.strip()
        assert err.startswith("rabiskit: ") and f"line {line}" in err
        assert "\n" not in err and "Traceback" not in err


def test_missing_and_non_utf8_plan_files(tmp_path):
    result = _invoke("plan", "show", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "no such file" in result.stderr
    cp = tmp_path / "cp1251.toml"
    cp.write_bytes('year = 2026\nlibrary = "Библиотека"\n'.encode("cp1251"))
    with pytest.raises(PlanError) as info:
        load_plan(cp)
    assert info.value.line == 2 and "UTF-8" in str(info.value)
    bom = tmp_path / "bom.toml"  # Notepad's UTF-8 with a byte-order mark is fine
    bom.write_bytes(b"\xef\xbb\xbf" + "year = 2026\nlibrary = \"Кітапхана\"\n".encode("utf-8"))
    assert load_plan(bom).library == "Кітапхана"


@pytest.mark.parametrize("text,key,words", [
    ('year = 2026\n[catalogue.book]\nquarters = [1, 2, 3, "4"]\n', "catalogue.book.quarters",
     "Q4"),
    ('year = 2026\n[catalogue.book]\nquarters = [1, 2, 3, true]\n', "catalogue.book.quarters",
     "whole number"),
    ('year = 2026\n[catalogue.book]\nkazakh = [1, 2, 3, 4]\n', "catalogue.book", "quarters"),
    ('year = 2026\n[digitisation.book]\ndocuments = [1, 1, 1, 1]\n', "digitisation.book", "pages"),
    ('year = "2026"\n', "year", "2026"),
    ('library = "x"\n', None, "no year"),
    ('year = 2026\n[level_names.Kaleido]\nkk = "x"\n', "level_names.Kaleido", "level key"),
    ('year = 2026\n[level_names.kaleidoscope]\nfr = "x"\n', "level_names.kaleidoscope.fr",
     "unknown key"),
    ('year = 2026\n[digitisation]\nlink_field = "85"\n', "digitisation.link_field", "three"),
    ('year = 2026\n[digitisation]\nnewspapers = "Егемен"\n', "digitisation.newspapers", "list"),
])
def test_more_plan_errors(text, key, words):
    with pytest.raises(PlanError) as info:
        parse_plan(text, "p.toml")
    assert info.value.key == key
    assert words in str(info.value)


def test_plan_added_levels_names_and_optional_settings():
    plan = load_plan(PLANS / "rules-example.toml")
    assert "kaleidoscope" in plan.levels()
    assert plan.levels()[:6] == ("book", "article", "local_lore", "periodical", "ebook", "cd")
    assert plan.level_name("kaleidoscope") == "Кітапханалық калейдоскоп"
    assert plan.level_name("kaleidoscope", "en") == "Library kaleidoscope"
    assert plan.level_name("local_lore", "ru") == "Краеведение"
    assert plan.target("kaleidoscope", [1, 2]) == (10, 10)
    data = json.loads(_invoke("plan", "show", str(PLANS / "rules-example.toml"), "-f",
                              "json").stdout)
    assert data["level_names"]["kaleidoscope"]["kk"] == "Кітапханалық калейдоскоп"
    custom = parse_plan('year = 2027\n[digitisation]\nnewspapers = ["«Егемен Қазақстан»"]\n'
                        'link_field = "956"\nlink_subfield = "x"\ndate_order = ["entered"]\n')
    assert (custom.link_field, custom.link_subfield, custom.date_order) == ("956", "x",
                                                                            ("entered",))
    assert custom.is_newspaper("Егемен Қазақстан.") and not custom.is_newspaper("Ақиқат")
    name_only = parse_plan('year = 2026\n[level_names.kaleidoscope]\nru = "Калейдоскоп"\n')
    assert name_only.level_name("kaleidoscope", "kk") == "Калейдоскоп"  # falls back to ru


# -- key lines -----------------------------------------------------------------------------
def test_key_lines_follow_tables_arrays_of_tables_and_multiline_values():
    text = """year = 2026   # [not.a.table]
notes = \"\"\"
[fake.header]
fake = 1
\"\"\"
[catalogue."local_lore"]
quarters = [
  25, 25,   # ] inside a comment
  25, 25]
kazakh = [20, 20, 20, 20]
[[rules.rule]]
level = "cd"
[[rules.rule]]
level = "book"
any = [
  { field = "607" },
  { field = "651" },
]
a.b = 1
"""
    lines = KeyLines(text)
    assert lines.line(("year",)) == 1
    assert lines.line(("fake", "header")) is None and lines.line(("fake",)) is None
    assert lines.line(("catalogue", "local_lore")) == 6
    assert lines.line(("catalogue", "local_lore", "quarters")) == 7
    assert lines.line(("catalogue", "local_lore", "kazakh")) == 10
    assert lines.line(("rules", "rule", 0, "level")) == 12
    assert lines.line(("rules", "rule", 1, "level")) == 14
    assert lines.line(("rules", "rule", 1, "any", 1)) == 17
    assert lines.line(("rules", "rule", 1, "any", 1, "field")) == 17  # nearest parent
    assert lines.line(("rules", "rule", 1, "a", "b")) == 19
    assert lines.line(("nothing",)) is None
    assert dotted(("rules", "rule", 1, "any", 0)) == "rules.rule[1].any[0]"
    assert dotted(("catalogue", "a b")) == 'catalogue."a b"'
