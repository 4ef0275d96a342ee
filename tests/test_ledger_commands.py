"""``count``, ``report``, ``audit`` and ``digitisation`` with ``--ledger PATH``, through the
real command line: the same output as from the exports the ledger was filled from; export
files beside ``--ledger`` count as if imported, without changing the ledger file; clear
errors for a missing or unusable ledger.

The outputs are compared whole: nothing is left out.  The keys that name source files
(count's and digitisation's ``files``, the ``file`` of problems, findings and undated
records, the report header's ``files``) are equal too, because the ledger keeps the path
each record was imported from and the tests import and read the same absolute paths.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from test_ledger import rec
from typer.testing import CliRunner

from rabiskit.aggregate.count import classifier_for
from rabiskit.facts.scan import Input, scan
from rabiskit.plan.load import default_plan
from rabiskit.records.record import Field
from rabiskit.sources.iso2709_writer import encode_record

UNIMARC = FIXTURES / "unimarc-utf8.iso"
LOCAL_LORE = FIXTURES / "local-lore.iso"
MARC21 = FIXTURES / "marc21-utf8.mrc"
EXPORTS = [UNIMARC, "--db", "local_lore", LOCAL_LORE, MARC21]

# one command line per output compared: (command, options)
JSON_RUNS = {
    "count-q1": ("count", "--format", "json", "--quarter", "1"),
    "count-year": ("count", "--format", "json"),
    "count-2025": ("count", "--format", "json", "--year", "2025"),
    "count-csv-q2": ("count", "--format", "csv", "--quarter", "2"),
    "audit": ("audit", "--format", "json", "--today", "2026-12-31"),
    "audit-q1-period": ("audit", "--format", "json", "--quarter", "1", "--only-period",
                        "--today", "2026-12-31"),
    "digitisation-year": ("digitisation", "--format", "json"),
    "digitisation-q2": ("digitisation", "--format", "json", "--quarter", "2"),
}
REPORT_RUNS = {
    "report-year-to-date": ("--as-of", "2026-06-30"),
    "report-q4": ("--quarter", "4", "--as-of", "2026-12-31", "--lang", "ru"),
}


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


def output(*args) -> object:
    """The command's JSON (stdout), or its text for CSV."""
    text = cli(*args).stdout
    return text if "csv" in args else json.loads(text)


def report(tmp_path: Path, name: str, *args) -> dict:
    out = tmp_path / f"{name}.json"
    cli("report", *args, "-o", out)
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    """A ledger filled by 'rabiskit import' from the three fixture exports."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    r = cli("import", *EXPORTS, "--ledger", path, "--format", "json")
    imported = json.loads(r.stdout)
    assert imported["records"] == 401 and imported["added"] == 399  # two are deleted
    assert imported["databases"] == {"catalogue": 361, "local_lore": 40}
    return path


# -- the same output as from the exports -------------------------------------------------------
@pytest.mark.parametrize("name", list(JSON_RUNS))
def test_ledger_output_equals_export_output(ledger, name):
    args = JSON_RUNS[name]
    from_exports = output(*args, *EXPORTS)
    before = ledger.read_bytes()
    from_ledger = output(*args, "--ledger", ledger)
    assert from_ledger == from_exports
    assert ledger.read_bytes() == before
    # the outputs hold real numbers, so equal outputs mean equal counting
    if name.startswith("count-csv"):
        rows = {r["level"]: r for r in csv.DictReader(io.StringIO(from_exports))}
        # the total (planned levels) above the levels beyond the plan and all levels
        assert int(rows["total"]["total"]) > 50
        assert int(rows["all_levels"]["total"]) >= int(rows["total"]["total"])
    elif name.startswith("count"):
        assert from_exports["records"]["read"] == 401
        assert from_exports["total"]["total"] > (0 if name == "count-2025" else 50)
        assert from_exports["records"]["deleted"] == 2 and len(from_exports["undated"]) == 6
    elif name.startswith("audit"):
        assert len(from_exports["findings"]) > 10
        assert from_exports["kazakh_share"]["total"]["records"] > 50
    else:
        assert from_exports["total"]["documents"] > 0 and from_exports["total"]["pages"] > 0


@pytest.mark.parametrize("name", list(REPORT_RUNS))
def test_ledger_report_equals_export_report(ledger, tmp_path, name):
    args = REPORT_RUNS[name]
    from_exports = report(tmp_path, "exports", *args, *EXPORTS)
    before = ledger.read_bytes()
    from_ledger = report(tmp_path, "ledger", *args, "--ledger", ledger)
    assert ledger.read_bytes() == before
    assert from_ledger == from_exports
    period = (["--quarter", "4"] if "q4" in name
              else ["--from", "2026-01-01", "--to", "2026-06-30"])
    count = output("count", "--format", "json", *period, *EXPORTS)
    assert from_exports["levels"] == count["levels"] and from_exports["total"] == count["total"]
    assert from_exports["total"]["total"] > 50 and from_exports["records"]["read"] == 401
    assert from_exports["digitisation"]["total"]["documents"] > 0


# -- --ledger with one more export: as if it were imported ---------------------------------------
def _first(facts_of: list, level: str, language: str):
    q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    for src, f in facts_of:
        if (f.level == level and f.languages == (language,) and not f.is_deleted
                and f.date_entered and q1[0] <= f.date_entered <= q1[1]):
            return src, f
    raise AssertionError(f"no Q1 {level} in {language} in {UNIMARC}")


@pytest.fixture(scope="module")
def later_export(tmp_path_factory) -> tuple[Path, dict]:
    """A later export of the main catalogue overlapping the first: one Russian book of Q1
    recoded as Kazakh, one Kazakh book of Q1 deleted, one record unchanged, two new Kazakh
    books of Q1.  Returns the file and what it does to Q1's book count."""
    plan = default_plan()
    pairs = list(scan([Input(UNIMARC)], classify=classifier_for(plan)))
    recoded, _ = _first(pairs, "book", "rus")
    deleted, _ = _first(pairs, "book", "kaz")
    unchanged, _ = _first(pairs, "article", "kaz")
    r1 = recoded.record
    assert (r1.get_field("005").data or "") < "20261231120000.0"
    r1.fields = [Field("101", ind1=f.ind1, ind2=f.ind2, subfields=[("a", "kaz")])
                 if f.tag == "101" else
                 Field("005", data="20261231120000.0") if f.tag == "005" else f
                 for f in r1.fields]
    r2 = deleted.record
    r2.leader = r2.leader[:5] + "d" + r2.leader[6:]
    new = [rec(f"KZ900000{n}", date="20260205", lang="kaz", title=f"Жаңа кітап {n}")
           for n in (1, 2)]
    path = tmp_path_factory.mktemp("later") / "export-2026-04.iso"
    path.write_bytes(b"".join(encode_record(r, "utf-8")
                              for r in [r1, unchanged.record, r2, *new]))
    # the file says what it should: read back directly
    back = {f.control_number: f for _, f in scan([Input(path)], classify=classifier_for(plan))}
    assert back[recoded.record.get_field("001").data].languages == ("kaz",)
    assert back[deleted.record.get_field("001").data].is_deleted
    assert back["KZ9000001"].level == "book" and back["KZ9000001"].date_entered.month == 2
    return path, {"total": 2 - 1, "kazakh": 2 + 1 - 1}


@pytest.fixture(scope="module")
def first_ledger(tmp_path_factory) -> Path:
    """A ledger of the main catalogue and the local-lore database only."""
    path = tmp_path_factory.mktemp("first") / "ledger.sqlite"
    cli("import", UNIMARC, "--db", "local_lore", LOCAL_LORE, "--ledger", path)
    return path


@pytest.fixture(scope="module")
def both_ledger(tmp_path_factory, first_ledger, later_export) -> Path:
    """The same ledger after 'rabiskit import' of the later export."""
    path = tmp_path_factory.mktemp("both") / "ledger.sqlite"
    shutil.copyfile(first_ledger, path)
    r = cli("import", later_export[0], "--ledger", path, "--format", "json")
    imported = json.loads(r.stdout)
    assert (imported["added"], len(imported["changed"]), len(imported["deleted"]),
            imported["unchanged"]) == (2, 1, 1, 1)
    return path


@pytest.mark.parametrize("name", ["count-q1", "count-year", "audit", "digitisation-year",
                                  "digitisation-q2"])
def test_ledger_plus_export_equals_importing_it(first_ledger, both_ledger, later_export, name):
    args = JSON_RUNS[name]
    before = first_ledger.read_bytes()
    added = output(*args, "--ledger", first_ledger, later_export[0])
    assert first_ledger.read_bytes() == before  # imported into a copy in memory only
    assert added == output(*args, "--ledger", both_ledger)
    if name == "count-q1":
        alone = output(*args, "--ledger", first_ledger)
        change = later_export[1]
        assert added["levels"]["book"]["total"] == \
            alone["levels"]["book"]["total"] + change["total"]
        assert added["levels"]["book"]["kazakh"] == \
            alone["levels"]["book"]["kazakh"] + change["kazakh"]
        for level in ("article", "local_lore", "periodical", "ebook", "cd"):
            assert added["levels"][level] == alone["levels"][level]  # overlap counted once
        assert added["records"]["deleted"] == alone["records"]["deleted"] + 1


def test_ledger_plus_export_report_equals_importing_it(first_ledger, both_ledger, later_export,
                                                       tmp_path):
    before = first_ledger.read_bytes()
    added = report(tmp_path, "added", "--quarter", "1", "--as-of", "2026-12-31", "--ledger",
                   first_ledger, later_export[0])
    assert first_ledger.read_bytes() == before
    assert added == report(tmp_path, "both", "--quarter", "1", "--as-of", "2026-12-31",
                           "--ledger", both_ledger)


def test_ledger_plus_export_with_db(first_ledger, tmp_path):
    """--db files beside --ledger go to their own database, as 'rabiskit import' puts them."""
    lore = tmp_path / "lore-later.iso"
    lore.write_bytes(encode_record(rec("KZL9001", date="20260310", title="Ұлытау"), "utf-8"))
    alone = output("count", "--format", "json", "--quarter", "1", "--ledger", first_ledger)
    added = output("count", "--format", "json", "--quarter", "1", "--ledger", first_ledger,
                   "--db", "local_lore", lore)
    assert added["levels"]["local_lore"]["total"] == alone["levels"]["local_lore"]["total"] + 1
    assert added["levels"]["book"] == alone["levels"]["book"]


# -- closed quarters: a count from the ledger says when corrections are in it ----------------
def test_corrections_of_a_closed_quarter_are_announced(tmp_path):
    ledger = tmp_path / "l.sqlite"
    a = tmp_path / "a.iso"
    a.write_bytes(b"".join(encode_record(r, "utf-8") for r in
                           [rec("KZ1", date="20260110"), rec("KZ2", date="20260210", lang="rus")]))
    cli("import", a, "--ledger", ledger)
    cli("ledger", "close", "2026Q1", "--ledger", ledger)
    data = output("count", "--format", "json", "--quarter", "1", "--ledger", ledger)
    assert data["warnings"] == []
    b = tmp_path / "b.iso"
    b.write_bytes(encode_record(rec("KZ2", date="20260210", lang="kaz"), "utf-8"))
    r = cli("count", "--format", "json", "--quarter", "1", "--ledger", ledger, b)
    assert json.loads(r.stdout)["levels"]["book"]["kazakh"] == 2  # the catalogue as it is now
    assert "2026Q1 was closed" in r.stderr and "1 correction(s)" in r.stderr
    cli("import", b, "--ledger", ledger)
    for cmd in (("count", "--format", "json"), ("audit", "--format", "json"),
                ("digitisation", "--format", "json")):
        data = output(*cmd, "--ledger", ledger)
        assert any("2026Q1 was closed" in w for w in data["warnings"]), cmd
    rep = report(tmp_path, "r", "--as-of", "2026-06-30", "--ledger", ledger)
    assert "2026Q1 was closed" in json.dumps(rep, ensure_ascii=False)


# -- clear errors ----------------------------------------------------------------------------------
COMMANDS = [("count",), ("audit",), ("digitisation",), ("report", "-o", "never.json")]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c[0])
def test_missing_or_unusable_ledger_is_one_clear_line(tmp_path, cmd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("not a database " * 100, encoding="utf-8")
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    for path, message in ((tmp_path / "absent.sqlite", "no ledger there yet"),
                          (bogus, "not a rabiskit ledger"),
                          (empty, "an empty file, not a rabiskit ledger"),
                          (tmp_path, "is a folder")):
        r = cli(*cmd, "--ledger", path, ok=False)
        assert r.exit_code == 2, (cmd, path, r.output)
        assert message in r.stderr and len(r.stderr.strip().splitlines()) <= 2, r.stderr
        assert r.stdout == ""
    assert not (tmp_path / "absent.sqlite").exists()
    assert empty.read_bytes() == b""  # not turned into a ledger by a command that only reads
    assert not (tmp_path / "never.json").exists()
    r = cli(*cmd, ok=False)  # neither exports nor a ledger: the error there always was
    assert r.exit_code == 2 and "no export files given" in r.stderr


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: c[0])
def test_ledger_with_a_missing_export(ledger, tmp_path, cmd, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli(*cmd, "--ledger", ledger, tmp_path / "missing.iso", ok=False)
    assert r.exit_code == 2 and "file not found" in r.stderr


@pytest.mark.skipif(not Path("/proc/self/mem").exists(),
                    reason="needs a file that exists but cannot be read (Linux /proc/self/mem)")
def test_ledger_with_an_unreadable_export_counts_nothing(ledger):
    before = ledger.read_bytes()
    r = cli("count", "--ledger", ledger, "/proc/self/mem", ok=False)
    assert r.exit_code == 2 and "nothing was counted" in r.stderr and r.stdout == ""
    assert ledger.read_bytes() == before


def test_encoding_options_do_not_apply_to_the_ledger(ledger):
    r = cli("count", "--format", "json", "--ledger", ledger, "--encoding", "cp1251")
    assert "apply to export files only" in r.stderr
    assert json.loads(r.stdout) == output("count", "--format", "json", "--ledger", ledger)


@pytest.mark.parametrize("cmd", [c[0] for c in COMMANDS])
def test_help_describes_the_option(cmd):
    text = " ".join(cli(cmd, "--help").stdout.split())
    assert "--ledger" in text and "in-memory copy" in text
