"""A run of one command registers only that command's module (start-up time), and every
command is still reachable, whichever module defines it."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from conftest import FIXTURES
from rabiskit.cli.main import _command_names, _command_of, make_app


def test_command_of_a_command_line():
    assert _command_of(["count", "x.iso", "--format", "json"]) == "count"
    assert _command_of(["--version"]) is None
    assert _command_of(["-h"]) is None
    assert _command_of([]) is None


def test_one_module_or_all():
    assert _command_names(make_app("count")) == {"count"}
    # 'import' is defined in the ledger module: every module is registered
    everything = _command_names(make_app("import"))
    assert {"import", "ledger", "count", "report", "audit", "harvest", "plan"} <= everything
    assert _command_names(make_app(None)) == everything
    assert _command_names(make_app("no-such-command")) == everything


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


def test_unknown_command_is_reported_with_the_list():
    r = CliRunner().invoke(make_app("frobnicate"), ["frobnicate"])
    assert r.exit_code == 2 and "No such command" in r.output
