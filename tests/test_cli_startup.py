"""A run of one command registers only that command's module (start-up time), and every
command is still reachable, whichever module defines it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from rabiskit.cli.main import NO_COMMAND, _command_names, _command_of, make_app


def test_command_of_a_command_line():
    assert _command_of(["count", "x.iso", "--format", "json"]) == "count"
    assert _command_of(["--version"]) == NO_COMMAND == ""
    assert _command_of(["--lang", "ru", "--version"]) == NO_COMMAND
    assert _command_of(["--help", "--version"]) is None
    assert _command_of(["-h"]) is None
    assert _command_of([]) is None


def test_one_module_or_all():
    assert _command_names(make_app("count")) == {"count"}
    # 'import' is defined in the ledger module, 'rules' in the plan module: that module alone
    assert _command_names(make_app("import")) == {"import", "ledger"}
    assert _command_names(make_app("rules")) == {"plan", "rules"}
    everything = _command_names(make_app(None))
    assert {"import", "ledger", "count", "report", "audit", "harvest", "plan"} <= everything
    assert _command_names(make_app(None)) == everything
    assert _command_names(make_app("no-such-command")) == everything
    assert _command_names(make_app(NO_COMMAND)) == set()


def test_a_run_of_count_imports_no_other_command():
    code = ("import sys; sys.argv = ['rabiskit', 'count', sys.argv[1], '--format', 'json'];\n"
            "from rabiskit.cli.main import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "mods = [m for m in sys.modules if m.startswith(('rabiskit.cli.commands.', 'rabiskit.report', "
            "'rabiskit.audit', 'rabiskit.harvest', 'rabiskit.digitisation'))]\n"
            "print('LOADED', sorted(mods), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "unimarc-utf8.iso")],
                       capture_output=True, text=True, encoding="utf-8")
    assert '"records"' in r.stdout, r.stderr
    assert "LOADED ['rabiskit.cli.commands.count']" in r.stderr, r.stderr


def test_every_command_found_by_its_name_alone():
    """Each command of the whole application, made for its name alone, is there: a command
    added to a module of another name fails here until ``DEFINED_IN`` names the module."""
    for name in _command_names(make_app(None)):
        assert name in _command_names(make_app(name)), name
        assert _command_names(make_app(name)) != _command_names(make_app(None)), name


def test_a_run_of_import_imports_no_other_command(tmp_path):
    modules, _out = _modules_of("import", str(FIXTURES / "unimarc-utf8.iso"),
                                "--ledger", str(tmp_path / "ledger.sqlite"))
    others = ("rabiskit.cli.commands.", "rabiskit.report", "rabiskit.audit", "rabiskit.harvest",
              "rabiskit.digitisation", "rabiskit.export")
    assert sorted(m for m in modules if m.startswith(others)) == ["rabiskit.cli.commands.ledger"]
    assert (tmp_path / "ledger.sqlite").exists()


def test_unknown_command_is_reported_with_the_list():
    r = CliRunner().invoke(make_app("frobnicate"), ["frobnicate"])
    assert r.exit_code == 2 and "No such command" in r.output


# What a one-record count must not import: pydantic (typer's conversions: rabiskit.cli.coercion),
# numpy (the fast path, only for 8 MB of input or
# more), rich (only to print a table, a warning or an error), pymarc, the ledger and its
# sqlite3 (only with --ledger), the worker pool and the report/export libraries.
# typer's rich adapters (rich_utils: help boxes and tracebacks) are off (rich_markup_mode=None,
# pretty_exceptions_enable=False); the other commands' libraries (report, render, audit,
# digitisation, harvest, export, the web server) and csv (only for --format csv) are not needed.
NOT_FOR_A_SMALL_COUNT = ("numpy", "rich", "pymarc", "pydantic", "pyarrow", "openpyxl", "docx", "pypdf",
                         "requests", "sqlite3", "concurrent", "multiprocessing",
                         "rabiskit.ledger", "rabiskit.facts.fast", "rabiskit.facts.fastxml",
                         "rabiskit.pipeline.workers", "typer.rich_utils", "rabiskit.report",
                         "rabiskit.render", "rabiskit.audit", "rabiskit.digitisation",
                         "rabiskit.harvest", "rabiskit.export", "rabiskit.web", "csv", "http",
                         "urllib.request", "xml")


def _modules_of_a_count(path, *args) -> tuple[set[str], str]:
    code = ("import sys; sys.argv = ['rabiskit', 'count', *sys.argv[1:]];\n"
            "from rabiskit.cli.main import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('MODULES', ' '.join(sorted(sys.modules)), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, str(path), *args],
                       capture_output=True, text=True, encoding="utf-8")
    line = [ln for ln in r.stderr.splitlines() if ln.startswith("MODULES ")]
    assert line, r.stderr
    return set(line[-1].split()[1:]), r.stdout


def _loaded(modules: set[str], names) -> list[str]:
    return sorted(m for m in modules for n in names if m == n or m.startswith(n + "."))


@pytest.mark.parametrize("fixture", ["marcxml-single.xml", "unimarc-utf8.iso"])
def test_a_small_count_imports_no_numpy_rich_or_pymarc(fixture):
    modules, out = _modules_of_a_count(FIXTURES / fixture, "--format", "json")
    assert '"records"' in out
    assert _loaded(modules, NOT_FOR_A_SMALL_COUNT) == []
    # an ISO 2709 file needs no XML parser
    if fixture.endswith(".iso"):
        assert _loaded(modules, ["lxml"]) == []


def test_a_table_imports_rich_when_it_prints():
    # the same command as a table imports rich when it prints (the lazy console works, and
    # the check above would see rich), and a small file is still read without numpy
    modules, out = _modules_of_a_count(FIXTURES / "unimarc-utf8.iso")
    assert "records read: " in out
    assert "rich.table" in modules
    assert _loaded(modules, ["numpy"]) == []


def _modules_of(*args) -> tuple[set[str], str]:
    code = ("import sys; sys.argv = ['rabiskit', *sys.argv[1:]];\n"
            "from rabiskit.cli.main import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('MODULES', ' '.join(sorted(sys.modules)), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       encoding="utf-8")
    line = [ln for ln in r.stderr.splitlines() if ln.startswith("MODULES ")]
    assert line, r.stderr
    return set(line[-1].split()[1:]), r.stdout


def test_a_csv_count_imports_csv_and_still_no_numpy_or_rich():
    # the csv module is imported where it is used: the check above would see it otherwise
    modules, out = _modules_of_a_count(FIXTURES / "unimarc-utf8.iso", "--format", "csv")
    assert out.startswith("level,name,total,")
    assert "csv" in modules
    assert _loaded(modules, ["numpy", "rich", "rabiskit.report", "rabiskit.audit"]) == []


def test_the_help_of_count_imports_no_other_command_nor_their_libraries():
    modules, out = _modules_of("count", "--help", "--lang", "en")
    assert "--format" in out and "--plan" in out
    assert _loaded(modules, ["rabiskit.cli.commands"]) == ["rabiskit.cli.commands",
                                                          "rabiskit.cli.commands.count"]
    assert _loaded(modules, ["numpy", "rich", "pymarc", "pydantic", "pyarrow", "openpyxl",
                             "docx", "sqlite3", "typer.rich_utils", "rabiskit.report",
                             "rabiskit.audit", "rabiskit.ledger"]) == []


def test_the_version_imports_no_command():
    modules, out = _modules_of("--version")
    assert out.startswith("rabiskit ")
    assert _loaded(modules, ["rabiskit.cli.commands"]) == ["rabiskit.cli.commands"]
    assert _loaded(modules, ["rich", "numpy", "rabiskit.sources", "rabiskit.facts"]) == []


@pytest.mark.parametrize("args", [
    ["count", "{iso}", "--format", "json"],
    ["inspect", "{iso}", "--format", "json"],
    ["digitisation", "{iso}", "--format", "json"],
    ["export", "{iso}", "--level", "book", "-o", "{tmp}/out.xml"],
    ["import", "{iso}", "--ledger", "{tmp}/ledger.sqlite"],
    ["report", "{iso}", "-o", "{tmp}/report.json"],
    ["audit", "{iso}", "-o", "{tmp}/audit.json"],
    ["ledger", "status", "--ledger", "{tmp}/none.sqlite"],
])
def test_plain_values_converted_without_pydantic(tmp_path, args):
    """The reading commands' str, int, bool and Path values go through
    rabiskit.cli.coercion (LocalisedCommand), not typer's pydantic adapters: their import is
    most of a small run's start-up.  (An enum option, as ``plan show --format`` has, keeps
    typer's own conversion.)"""
    argv = [a.format(iso=FIXTURES / "unimarc-utf8.iso", tmp=tmp_path) for a in args]
    modules, _out = _modules_of(*argv)
    assert "rabiskit.cli.coercion" in modules and "pydantic" not in modules


def test_a_report_of_exports_does_not_load_the_importer(tmp_path):
    # the report lists a ledger's corrections (rabiskit.ledger.corrections) but reads export
    # files here: no importer (15 ms of start-up); (rich: tests/test_console_plain.py)
    out = tmp_path / "report.json"
    modules, _stdout = _modules_of("--lang", "en", "report", str(FIXTURES / "unimarc-utf8.iso"),
                                   "-o", str(out), "--as-of", "2026-12-31")
    assert out.exists()
    assert "rabiskit.ledger.corrections" in modules
    assert _loaded(modules, ["rabiskit.ledger.importer"]) == []


@pytest.mark.parametrize("command", [
    ["count", "--format", "json"], ["export", "--level", "book", "-o", "{tmp}/out.xml"], ["import", "--ledger", "{tmp}/l.sqlite"],
    ["report", "-o", "{tmp}/report.json"], ["audit", "-o", "{tmp}/audit.json"],
    ["digitisation", "--format", "json"], ["facts", "-o", "{tmp}/f.parquet", "--format", "json"]])
def test_the_block_path_does_not_load_numpy_ma(tmp_path, command):
    # np.unique with no return_* option imports numpy.ma (about 9 ms of each worker's first
    # block): the block path finds distinct values with facts.blocks.sorted_distinct.  The
    # blocks are read in this one process (--workers 1), from the first byte on.  facts
    # builds its Arrow arrays on numpy's buffers (facts.batches.numpy_array): pa.array of a
    # numpy array imports numpy.ma.
    name, *rest = command
    modules, _out = _modules_of("--lang", "en", name, str(FIXTURES / "unimarc-utf8.iso"),
                                *[a.format(tmp=tmp_path) for a in rest],
                                "--workers", "1", "--parallel-from", "0")
    assert "rabiskit.facts.batches" in modules or "rabiskit.facts.fast" in modules
    assert _loaded(modules, ["numpy.ma"]) == []


def test_a_facts_table_is_built_without_the_compute_module(tmp_path):
    # Array.take, dictionary_encode and is_null import pyarrow.compute, which builds a
    # Python wrapper for each of its functions (about 21 ms of each worker's first block):
    # facts.batches calls them through pyarrow's compiled module.
    modules, _out = _modules_of("--lang", "en", "facts", str(FIXTURES / "unimarc-utf8.iso"),
                                "-o", str(tmp_path / "f.parquet"), "--format", "json",
                                "--workers", "1", "--parallel-from", "0")
    assert "rabiskit.facts.batches" in modules and "pyarrow._compute" in modules
    assert _loaded(modules, ["pyarrow.compute"]) == []
