"""`rabiskit count`: numbers known from how the fixtures were made (fixtures/truth.json)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections import Counter, defaultdict

import pytest

from typer.testing import CliRunner

from conftest import FIXTURES, REPO
from rabiskit.cli.main import app
from rabiskit.aggregate.count import Tally
from rabiskit.aggregate.period import Period, choose_period, year_to_date
from rabiskit.facts.model import RecordFacts

TRUTH = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))["files"]
COUNTED = [name for name, t in TRUTH.items() if t["items"]]


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "rabiskit", *args], capture_output=True, cwd=REPO,
                       env={"PYTHONIOENCODING": "cp1251", "PATH": "/usr/bin:/bin",
                            "RABISKIT_LANG": "en"})
    if check:
        assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    return p


def count_json(*args: str) -> dict:
    """The real command, run in this process (the same code path as the console script)."""
    result = CliRunner().invoke(app, ["count", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def expected(items, period: Period, level_of=lambda it: it["level"]):
    levels: dict[str, Counter] = defaultdict(Counter)
    undated = outside = deleted = 0
    for it in items:
        if it["status"] == "d":
            deleted += 1
            continue
        if it["date_entered"] is None:
            undated += 1
            continue
        d = dt.date.fromisoformat(it["date_entered"])
        if period.contains(d):
            levels[level_of(it)][it["language"]] += 1
        else:
            outside += 1
    return levels, undated, outside, deleted


@pytest.mark.parametrize("name", COUNTED)
@pytest.mark.parametrize("quarter", [1, 2, 3, 4, None])
def test_counts_equal_the_fixtures_truth(name, quarter):
    args = [str(FIXTURES / name)] + (["--quarter", str(quarter)] if quarter else [])
    got = count_json(*args)
    period = Period.for_quarter(2026, quarter) if quarter else Period.for_year(2026)
    levels, undated, outside, deleted = expected(TRUTH[name]["items"], period)
    assert got["records"]["read"] == TRUTH[name]["records"]
    assert got["records"]["undated"] == undated
    assert got["records"]["deleted"] == deleted
    assert got["records"]["outside_period"] == outside
    for level, langs in levels.items():
        assert got["levels"][level]["languages"] == dict(langs), (name, level)
        assert got["levels"][level]["total"] == sum(langs.values())
        assert got["levels"][level]["kazakh"] == langs.get("kaz", 0)
    assert got["total"]["total"] == sum(sum(c.values()) for c in levels.values())


def test_every_plan_level_appears_with_targets_and_quarter_null_for_a_year():
    got = count_json(str(FIXTURES / "unimarc-utf8.iso"))
    assert got["period"]["quarter"] is None
    for level in ("book", "article", "local_lore", "periodical", "ebook", "cd"):
        assert level in got["levels"]
    assert got["levels"]["article"]["target"] == 900 and got["levels"]["article"]["kazakh_target"] == 600
    assert got["total"]["target"] == 1270 and got["total"]["kazakh_target"] == 930
    assert got["levels"]["local_lore"]["total"] == 0  # no rule marks local lore by default
    q1 = count_json(str(FIXTURES / "unimarc-utf8.iso"), "--quarter", "1")
    assert q1["period"] == {"year": 2026, "quarter": 1, "start": "2026-01-01", "end": "2026-03-31",
                            "quarters": [1]}
    assert q1["levels"]["book"]["target"] == 50 and q1["total"]["kazakh_target"] == 213


def test_db_declares_the_local_lore_database():
    got = count_json(str(FIXTURES / "unimarc-utf8.iso"), "--db", "local_lore",
                     str(FIXTURES / "local-lore.iso"))
    items = TRUTH["local-lore.iso"]["items"]
    in_year = sum(1 for it in items if it["date_entered"] and it["date_entered"].startswith("2026"))
    assert got["levels"]["local_lore"]["total"] == in_year
    assert got["levels"]["local_lore"]["target"] == 100


def test_unknown_db_level_is_a_usage_error():
    p = run("count", "--db", "kraeved", str(FIXTURES / "local-lore.iso"), check=False)
    assert p.returncode == 2
    assert b"unknown level" in p.stderr and b"Traceback" not in p.stderr


def test_plan_rules_mark_local_lore(tmp_path):
    plan = (FIXTURES / "plan-2026.toml").read_text(encoding="utf-8")
    plan += ('\n[rules]\nmode = "prepend"\n\n[[rules.rule]]\nlevel = "local_lore"\n'
             'field = "900"\nsubfield = "a"\nequals = "Өлкетану"\n')
    p = tmp_path / "plan.toml"
    p.write_text(plan, encoding="utf-8")
    got = count_json(str(FIXTURES / "unimarc-utf8.iso"), "--plan", str(p))
    levels, *_ = expected(TRUTH["unimarc-utf8.iso"]["items"], Period.for_year(2026),
                          lambda it: "local_lore" if it["local_lore"] else it["level"])
    for level, langs in levels.items():
        assert got["levels"][level]["languages"] == dict(langs), level
    assert got["levels"]["local_lore"]["total"] > 10


def test_same_file_twice_is_counted_once_with_a_warning(tmp_path):
    copy = tmp_path / "copy.iso"
    copy.write_bytes((FIXTURES / "unimarc-utf8.iso").read_bytes())
    once = count_json(str(FIXTURES / "unimarc-utf8.iso"))
    p = run("count", str(FIXTURES / "unimarc-utf8.iso"), str(copy), "--format", "json")
    twice = json.loads(p.stdout.decode("utf-8"))
    assert twice["total"] == once["total"] and twice["records"] == once["records"]
    assert any("same content" in w for w in twice["warnings"])
    assert "same content" in p.stderr.decode("utf-8")


def test_damaged_file_counts_salvaged_records_and_lists_each_damage():
    got = count_json(str(FIXTURES / "damaged.iso"))
    truth = TRUTH["damaged.iso"]
    assert got["records"]["read"] == truth["records"] == 22
    damaged_records = {d["record"] for d in truth["damages"] if d["record"]}
    assert got["records"]["damaged"] == len(damaged_records)
    problem_records = {p["record"] for p in got["problems"] if p["record"]}
    assert problem_records == damaged_records
    for d in truth["damages"]:
        if d["record"] is None:  # garbage / blank line between records: named by offset
            assert any(p["offset"] == d["offset"] and p["record"] is None for p in got["problems"]), d
    for p in got["problems"]:
        assert p["file"].endswith("damaged.iso") and "message" in p


def test_exit_codes(tmp_path):
    assert run("count", str(tmp_path / "missing.iso"), check=False).returncode == 2
    assert run("count", str(FIXTURES / "damaged.iso"), "--strict", check=False).returncode == 1
    assert run("count", str(FIXTURES / "marc21-utf8.mrc"), "--format", "xml", check=False).returncode == 2
    assert run("count", str(FIXTURES / "marc21-utf8.mrc"), "--quarter", "5", check=False).returncode == 2
    bad = run("count", str(FIXTURES / "marc21-utf8.mrc"), "--from", "2026-13-01", check=False)
    assert bad.returncode == 2 and b"YYYY-MM-DD" in bad.stderr


def test_csv_and_table_outputs():
    p = run("count", str(FIXTURES / "unimarc-utf8.iso"), "--quarter", "2", "--format", "csv")
    lines = p.stdout.decode("utf-8").splitlines()
    assert lines[0].startswith("level,name,total,kazakh")
    assert any(line.startswith("article,Мақала,") for line in lines)
    table = run("count", str(FIXTURES / "unimarc-utf8.iso"), "--quarter", "2", "--lang", "kk").stdout.decode("utf-8")
    assert "Мақала" in table and "2026-04-01" in table


def _facts(d: dt.date | None, level="book", lang="kaz") -> RecordFacts:
    return RecordFacts("f", 1, 0, "1", "unimarc", "utf-8", "n", "a", "m", (lang,), True, d, "", None,
                       None, None, None, (), (), None, None, None, None, level=level)


def test_quarter_boundaries_and_leap_day():
    t = Tally(Period.for_quarter(2026, 1))
    for d in (dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 1)):
        t.add(_facts(d))
    assert t.in_period == 2 and t.outside_period == 2
    assert dict(t.quarters[1]["book"].languages) == {"kaz": 2}
    assert t.quarters[2]["book"].total == 1
    leap = Tally(Period.for_quarter(2028, 1))
    leap.add(_facts(dt.date(2028, 2, 29)))
    assert leap.in_period == 1
    assert Period.for_quarter(2028, 1).end == dt.date(2028, 3, 31)
    custom = choose_period(None, None, "2026-02-01", "2026-02-29" if False else "2026-02-28", 2026)
    assert custom.quarters == () and not custom.aligned
    assert choose_period(None, None, "2026-04-01", "2026-06-30", 2026).quarter == 2


def test_year_to_date_periods():
    assert year_to_date(2026, dt.date(2026, 5, 3), dt.date(2026, 5, 10)).end == dt.date(2026, 6, 30)
    assert year_to_date(2026, None, dt.date(2027, 1, 2)).end == dt.date(2026, 12, 31)
    assert year_to_date(2026, dt.date(2026, 11, 30), dt.date(2026, 2, 1)).end == dt.date(2026, 12, 31)
