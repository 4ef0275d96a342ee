"""``rabiskit import`` and ``rabiskit ledger status|close|corrections`` from the command line."""

from __future__ import annotations

import json

from conftest import FIXTURES
from test_ledger import rec, write
from typer.testing import CliRunner

from rabiskit.cli.main import app


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def test_import_status_close_corrections(tmp_path):
    ledger = tmp_path / "l.sqlite"
    a = write(tmp_path / "a.iso", [rec("KZ1", date="20260110"), rec("KZ2", date="20260210", lang="rus")])
    r = run("import", a, "--db", "local_lore", FIXTURES / "local-lore.iso", "--ledger", ledger,
            "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["added"] == 42 and data["changed"] == [] and data["deleted"] == []
    assert data["unchanged"] == 0 and data["corrections"] == []
    assert data["databases"] == {"catalogue": 2, "local_lore": 40}

    r = run("ledger", "status", "--ledger", ledger, "--format", "json")
    assert r.exit_code == 0, r.output
    status = json.loads(r.stdout)
    assert [i["added"] for i in status["imports"]] == [42]
    assert status["databases"]["catalogue"]["records"] == 2
    assert status["databases"]["local_lore"]["levels"] == {"local_lore": 40}
    assert status["total"]["newest_date_entered"] == max(
        status["databases"]["local_lore"]["newest_date_entered"], "2026-02-10")

    r = run("ledger", "close", "2026Q1", "--ledger", ledger, "--format", "json")
    assert r.exit_code == 0, r.output
    closed = json.loads(r.stdout)
    assert closed["period"] == "2026Q1"
    q1_before = closed["snapshot"]["levels"]["book"]["total"]
    assert q1_before == 2

    b = write(tmp_path / "b.iso", [rec("KZ2", date="20260210", lang="kaz"),
                                   rec("KZ3", date="20260301")])
    r = run("import", b, "--ledger", ledger)  # the table output
    assert r.exit_code == 0, r.output
    assert "1 added, 1 changed" in r.stdout
    assert "Corrections to closed quarters (2)" in r.stdout
    assert "language: rus → kaz" in r.stdout

    r = run("ledger", "corrections", "2026Q1", "--ledger", ledger, "--format", "json")
    assert r.exit_code == 0, r.output
    [cq] = json.loads(r.stdout)
    assert [c["kind"] for c in cq["corrections"]] == ["changed", "added"]
    assert cq["corrections_delta"] == {"book": {"total": 1, "kazakh": 2}}

    r = run("ledger", "close", "2026Q1", "--ledger", ledger)
    assert r.exit_code == 2
    assert "--force" in r.stderr and "Traceback" not in r.output

    r = run("ledger", "status", "--ledger", ledger)
    assert r.exit_code == 0 and "closed 2026Q1" in r.stdout


def test_default_ledger_from_the_environment(tmp_path):
    ledger = tmp_path / "sub" / "env.sqlite"
    a = write(tmp_path / "a.iso", [rec("KZ1")])
    r = run("import", a, "--format", "json", env={"RABISKIT_LEDGER": str(ledger)})
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["ledger"] == str(ledger)
    assert ledger.exists()


def test_clear_errors_without_tracebacks(tmp_path):
    a = write(tmp_path / "a.iso", [rec("KZ1")])
    r = run("ledger", "status", "--ledger", tmp_path / "absent.sqlite")
    assert r.exit_code == 2 and "no ledger there yet" in r.stderr
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("hello " * 200)
    r = run("import", a, "--ledger", bogus)
    assert r.exit_code == 2 and "not a rabiskit ledger" in r.stderr
    assert "Traceback" not in r.output
    r = run("ledger", "close", "2026Q7", "--ledger", bogus)
    assert r.exit_code == 2 and "YYYYQn" in r.stderr
    r = run("import", tmp_path / "missing.iso", "--ledger", tmp_path / "l.sqlite")
    assert r.exit_code == 2 and "file not found" in r.stderr
    r = run("ledger", "corrections", "2026Q2", "--ledger", bogus)
    assert r.exit_code == 2
