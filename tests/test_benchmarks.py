"""benchmarks/run.py works: a --quick run on tiny files writes the table and the JSON, and
rabiskit's counts agree with the plain pymarc count's.  No timing is asserted: the figures
are for the README, not for the tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO

LONG, SHORT = 2000, 1000


def quick_run(tmp_path: Path, *args: str) -> tuple[dict, Path]:
    """``benchmarks/run.py --quick`` with ``args`` on files made in ``tmp_path``: the
    results' JSON and the table's path."""
    out = tmp_path / "results.md"
    p = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", *args,
                        "--data", str(tmp_path / "data"), "--output", str(out)],
                       cwd=REPO, capture_output=True, text=True, encoding="utf-8")
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(out.with_suffix(".json").read_text(encoding="utf-8")), out


def test_quick_benchmark_runs_and_counts_agree_with_pymarc(tmp_path):
    result, out = quick_run(tmp_path, "--records", str(LONG), "--short-records", str(SHORT),
                            "--only", "count,inspect,startup", "--startup-runs", "1")
    assert {"date", "machine", "options", "inputs", "rows", "startup", "targets", "notes",
            "complete"} <= set(result)
    assert result["complete"] is True
    assert {"cpu", "cores", "ram_gib", "python", "pymarc", "mrrc", "yaz", "load_average"} <= set(result["machine"])

    # the two files: the sizes asked for, records of about 530 and about 400 bytes, and a
    # 607 with the place of local lore in every tenth record
    long, short = result["inputs"]["long"], result["inputs"]["short"]
    assert (long["records"], short["records"]) == (LONG, SHORT)
    assert 480 < long["bytes_per_record"] < 580
    assert 380 < short["bytes_per_record"] < 420
    assert (long["local_lore_records"], short["local_lore_records"]) == (200, 100)

    rows = result["rows"]
    assert {"command", "plan", "input", "records", "seconds", "records_per_s", "peak_mb",
            "x_pymarc", "x_mrrc", "x_yaz", "target", "meets_target", "agrees_with_pymarc",
            "error"} <= set(rows[0])
    assert [r for r in rows if r["error"]] == []

    def row(command, plan, inp):
        found = [r for r in rows if (r["command"], r["plan"], r["input"]) == (command, plan, inp)]
        assert len(found) == 1, (command, plan, inp, rows)
        return found[0]

    for inp in ("long", "short"):
        for plan in ("default", "own-rule"):
            ours, pymarc = row("count", plan, inp), row("pymarc count", plan, inp)
            # pymarc read the whole (small) file: no prefix, so its counts are comparable
            assert pymarc["scaled_from"] is None and pymarc["counts"]
            assert ours["counts"] == pymarc["counts"] and ours["agrees_with_pymarc"] is True
            assert ours["x_pymarc"] is not None
            assert ours["target"].startswith("25× pymarc")
        assert row("inspect", "-", inp)["x_pymarc"] is not None
        # the own-rule plan moves the 607 records of the year to local lore; the default has none
        assert "local_lore" not in row("count", "default", inp)["counts"]
        lore = row("count", "own-rule", inp)["counts"]["local_lore"]
        assert 0 < lore <= result["inputs"][inp]["local_lore_records"]
        assert sum(row("count", "own-rule", inp)["counts"].values()) == \
            sum(row("count", "default", inp)["counts"].values())
        # a baseline that is not installed is named in the notes instead of measured
        commands = {r["command"] for r in rows if r["input"] == inp}
        for tool, rowname in (("mrrc", "mrrc count"), ("yaz-marcdump", "yaz-marcdump -n")):
            assert (rowname in commands) != any(n.startswith(f"{tool} is not installed")
                                                for n in result["notes"])
    assert result["startup"]["seconds"] > 0 and len(result["startup"]["runs"]) == 1

    table = out.read_text(encoding="utf-8")
    assert "| command | plan | file | records/s | × pymarc | × mrrc | × yaz | peak MB |" in table
    assert table.startswith("**rabiskit benchmark: a --quick run, ")
    assert "| count | own-rule | short |" in table and "Start-up" in table


def test_each_command_is_set_against_the_baseline_runs_beside_it(tmp_path):
    """--baselines row: every command runs between two runs of its baselines, and its
    ratios are against those two."""
    import statistics

    result, _out = quick_run(tmp_path, "--baselines", "row", "--files", "short",
                             "--short-records", "500", "--only", "count,inspect")
    assert result["options"]["baselines"] == "row"
    rows = {(r["command"], r["plan"]): r for r in result["rows"]}
    assert [r for r in result["rows"] if r["error"]] == []
    # in the table's usual order, though measured plan by plan
    assert [k for k in rows if not k[0].endswith(" count") and not k[0].startswith("yaz")] == \
        [("count", "default"), ("count", "own-rule"), ("inspect", "-")]
    for key in (("count", "default"), ("count", "own-rule"), ("inspect", "-")):
        r = rows[key]
        pm = r["beside"]["pymarc count"]
        assert len(pm) == 2
        assert abs(r["x_pymarc"] - r["records_per_s"] / statistics.median(pm)) < 1e-9
    tools = {"pymarc count"} | {t for t in ("mrrc count", "yaz-marcdump -n")
                                if (t, "default" if t != "yaz-marcdump -n" else "-") in rows}
    assert set(rows[("count", "default")]["beside"]) == tools
    assert set(rows[("inspect", "-")]["beside"]) == {"pymarc count"}
    # the default plan's pymarc ran before count, between count and inspect, after inspect;
    # its row gives the median of all three
    base = rows[("pymarc count", "default")]
    assert len(base["runs"]) == 3
    assert rows[("count", "default")]["beside"]["pymarc count"][1] == \
        rows[("inspect", "-")]["beside"]["pymarc count"][0]


def test_import_again_starts_from_a_ledger_that_holds_the_file(tmp_path):
    """The "import again" row: each run imports into a ledger the file was imported into
    before it (the import before the run is not timed), so every record is read again
    unchanged; it has a memory target only (issue 14's import is into a new ledger)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", REPO / "benchmarks" / "run.py")
    run = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = run  # (its dataclasses look their module up)
    try:
        spec.loader.exec_module(run)
    finally:
        del sys.modules["bench_run"]
    case = next(c for c in run.CASES if c.command == "import again")
    assert case.setup is not None and case.setup(Path("f.iso"), tmp_path, []) == \
        case.args(Path("f.iso"), tmp_path, [])
    result, _out = quick_run(tmp_path, "--files", "short", "--short-records", "300",
                             "--plans", "default", "--only", "import")
    rows = {r["command"]: r for r in result["rows"]}
    assert rows["import"]["error"] is None and rows["import again"]["error"] is None
    assert rows["import"]["target"] == "3× pymarc, < 200 MB"
    assert rows["import again"]["target"] == "< 200 MB"
    assert rows["import again"]["x_pymarc"] is not None
