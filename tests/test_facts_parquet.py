"""``rabiskit facts``: Parquet and CSV rows, and the DuckDB query of the docs giving
``rabiskit count``'s numbers."""

from __future__ import annotations

import csv
import importlib
import json
import math
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, in_ci
from typer.testing import CliRunner

from rabiskit.aggregate.count import classifier_for
from rabiskit.cli.main import app
from rabiskit.export.facts_table import DUCKDB_COUNT_QUERY, write_facts_parquet
from rabiskit.facts.batches import COLUMNS
from rabiskit.facts.scan import Input, scan_facts
from rabiskit.plan.load import default_plan


def need(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        if in_ci():
            pytest.fail(f"CI=true but {module} is not installed (pip install {module})")
        pytest.skip(f"{module} is not installed (pip install {module})")


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


# empty.iso holds no record, an error for every command: not among the exports here
FILES = sorted(p for p in FIXTURES.glob("*") if p.suffix in (".iso", ".mrc", ".xml")
               and p.name not in ("local-lore.iso", "empty.iso"))
ARGS = [*FILES, "--db", "local_lore", FIXTURES / "local-lore.iso"]
PERIODS = [("--quarter", "1", "2026-01-01", "2026-03-31"),
           ("--quarter", "2", "2026-04-01", "2026-06-30"),
           ("--quarter", "3", "2026-07-01", "2026-09-30"),
           ("--quarter", "4", "2026-10-01", "2026-12-31"),
           ("--year", "2026", "2026-01-01", "2026-12-31"),
           ("--year", "2025", "2025-01-01", "2025-12-31")]


def count_numbers(option: str, value: str) -> dict[str, tuple[int, int]]:
    r = run("count", *ARGS, option, value, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    return {lv: (v["total"], v["kazakh"]) for lv, v in data["levels"].items() if v["total"]}


def duckdb_numbers(path: Path, start: str, end: str) -> dict[str, tuple[int, int]]:
    duckdb = need("duckdb")
    sql = DUCKDB_COUNT_QUERY.format(path=path.as_posix(), start=start, end=end)
    with duckdb.connect() as con:
        return {lv: (total, kaz) for lv, total, kaz in con.execute(sql).fetchall()}


@pytest.fixture(scope="module")
def parquet_file(tmp_path_factory) -> Path:
    need("pyarrow")
    out = tmp_path_factory.mktemp("facts") / "facts.parquet"
    r = run("facts", *ARGS, "-o", out, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["rows"] == 647
    return out


@pytest.mark.parametrize("option,value,start,end", PERIODS, ids=[p[0] + p[1] for p in PERIODS])
def test_duckdb_query_on_parquet_gives_counts_numbers(parquet_file, option, value, start, end):
    expected = count_numbers(option, value)
    assert sum(t for t, _ in expected.values()) > 0
    assert duckdb_numbers(parquet_file, start, end) == expected


def test_parquet_schema_and_rows(parquet_file):
    pq = need("pyarrow.parquet")
    table = pq.read_table(parquet_file)
    assert table.column_names == list(COLUMNS)
    types = {f.name: str(f.type) for f in table.schema}
    assert types["date_entered"] == "date32[day]" and types["record"] == "int64"
    assert types["links"].startswith("list<") and types["links"].endswith(": string>")
    assert types["damaged"] == "bool"
    rows = table.to_pylist()
    truth = json.loads((FIXTURES / "truth.json").read_text(encoding="utf-8"))
    by_id = {(Path(r["file"]).name, r["control_number"]): r for r in rows}
    item = truth["files"]["unimarc-utf8.iso"]["items"][0]
    row = by_id[("unimarc-utf8.iso", item["id"])]
    assert (row["record"], row["offset"], row["language"], row["title"]) == \
           (item["record"], item["offset"], item["language"], item["title"])
    assert row["date_entered"].isoformat() == item["date_entered"]
    assert row["languages"] == ";".join(item["languages"])
    lore = [r for r in rows if Path(r["file"]).name == "local-lore.iso"]
    assert len(lore) == 40 and {r["level"] for r in lore} == {"local_lore"}
    assert sum(r["damaged"] for r in rows) == 10


def test_parquet_is_written_in_row_groups(tmp_path):
    pq = need("pyarrow.parquet")
    plan = default_plan()
    facts = list(scan_facts([Input(p) for p in FILES], classify=classifier_for(plan)))
    out = tmp_path / "groups.parquet"
    n = write_facts_parquet(out, iter(facts), batch_size=50)
    assert n == len(facts) > 500
    meta = pq.ParquetFile(out).metadata
    assert meta.num_row_groups == math.ceil(n / 50)
    assert meta.num_rows == n
    assert pq.read_table(out, columns=["control_number"]).column(0).to_pylist() == \
           [f.control_number for f in facts]
    empty = tmp_path / "empty.parquet"
    assert write_facts_parquet(empty, iter(())) == 0
    assert pq.ParquetFile(empty).metadata.num_rows == 0


def test_csv_rows_hold_the_values_exactly(tmp_path):
    out = tmp_path / "facts.csv"
    r = run("facts", FIXTURES / "hostile.iso", FIXTURES / "rusmarc-cp1251.iso", "-o", out)
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 68
    hostile = [row for row in rows if row["file"].endswith("hostile.iso")]
    titles = [row["title"] for row in hostile]
    # data for DuckDB and Spark: the titles as the records hold them, formulas and all
    assert any(t.startswith("=HYPERLINK(") for t in titles)
    assert not any(t.startswith("'") for t in titles)
    assert {row["damaged"] for row in rows} == {"false"}
    assert all(row["date_entered"][:4] in ("2025", "2026") for row in rows)


def test_duckdb_counts_from_a_ledger_parquet(tmp_path):
    need("pyarrow")
    ledger = tmp_path / "l.sqlite"
    r = run("import", *ARGS, "--ledger", ledger)
    assert r.exit_code == 0, r.output
    out = tmp_path / "ledger.parquet"
    r = run("facts", "--from-ledger", "--ledger", ledger, "-o", out, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["rows"] == 647
    assert duckdb_numbers(out, "2026-01-01", "2026-03-31") == count_numbers("--quarter", "1")


def test_the_docs_show_the_query_the_tests_run():
    doc = (REPO / "docs" / "ledger.md").read_text(encoding="utf-8")
    shown = DUCKDB_COUNT_QUERY.format(path="facts.parquet", start="2026-01-01", end="2026-03-31")
    assert shown in doc


def test_facts_refuses_unknown_outputs(tmp_path):
    r = run("facts", FIXTURES / "hostile.iso", "-o", tmp_path / "facts.xlsx")
    assert r.exit_code == 2 and ".parquet or .csv" in r.stderr
    r = run("facts", FIXTURES / "hostile.iso", "--from-ledger", "--ledger", tmp_path / "l.sqlite",
            "-o", tmp_path / "f.csv")
    assert r.exit_code == 2 and "not both" in r.stderr
    assert not (tmp_path / "f.csv").exists()


def test_parquet_dictionaries_for_the_repeating_columns_alone(tmp_path):
    """The columns whose values repeat are written with a dictionary, the others plainly;
    statistics for every column but the free text; the values read back are the facts'
    either way."""
    pq = need("pyarrow.parquet")
    from rabiskit.export.facts_table import DICTIONARY_COLUMNS, NO_STATISTICS
    from rabiskit.facts.batches import facts_values

    plan = default_plan()
    facts = list(scan_facts([Input(p) for p in FILES], classify=classifier_for(plan)))
    out = tmp_path / "d.parquet"
    write_facts_parquet(out, iter(facts), batch_size=200)
    meta = pq.ParquetFile(out).metadata
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for k in range(group.num_columns):
            col = group.column(k)
            name = col.path_in_schema.split(".")[0]
            with_dictionary = col.has_dictionary_page
            assert with_dictionary == (name in DICTIONARY_COLUMNS), name
            assert col.is_stats_set == (name not in NO_STATISTICS), name
    rows = pq.read_table(out).to_pylist()
    assert rows == [facts_values(f) for f in facts]
    assert {"title", "record", "offset", "control_number", "links"}.isdisjoint(DICTIONARY_COLUMNS)
    assert {"title", "host_title"} <= set(NO_STATISTICS)
    assert {"date_entered", "level", "language", "record_status"}.isdisjoint(NO_STATISTICS)
