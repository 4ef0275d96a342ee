"""The ``rabiskit`` program (the console script and ``python -m rabiskit``, both
``rabiskit.cli.main.main``) ends without the interpreter's tear-down (``end_process``):
what a normal exit does still happens: the exit status, ``atexit`` handlers, every byte of
the output written."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURES, REPO

_RUN = ("import atexit, runpy, sys\n"
        "atexit.register(lambda: print('ATEXIT RAN', file=sys.stderr))\n"
        "sys.argv = ['rabiskit'] + sys.argv[1:]\n"
        "runpy.run_module('rabiskit', run_name='__main__')\n"
        "print('NOT REACHED', file=sys.stderr)\n")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=REPO)


def test_exit_status_atexit_and_output_kept():
    ok = _run("--lang", "en", "count", str(FIXTURES / "hostile.iso"), "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["records"]["read"] > 0  # the whole JSON, flushed
    assert "ATEXIT RAN" in ok.stderr and "NOT REACHED" not in ok.stderr
    bad = _run("--lang", "en", "count", str(FIXTURES / "no-such-file.iso"))
    assert bad.returncode == 2 and "no-such-file.iso" in bad.stderr
    assert "ATEXIT RAN" in bad.stderr and "Traceback" not in bad.stderr
    version = _run("--version")
    assert version.returncode == 0 and version.stdout.startswith("rabiskit ")


def test_a_message_exit_is_status_one():
    code = ("import sys\nsys.argv = ['x']\nimport rabiskit.cli.main as m\n"
            "m.end_process('stopped: a message')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       encoding="utf-8", cwd=REPO)
    assert r.returncode == 1 and r.stderr.strip() == "stopped: a message"


def test_the_console_script_ends_the_same_way():
    """The installed ``rabiskit`` command's entry point is ``main``, as ``python -m`` is."""
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["rabiskit"] == "rabiskit.cli.main:main"
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('ATEXIT RAN', file=sys.stderr))\n"
            "sys.argv = ['rabiskit'] + sys.argv[1:]\n"
            "from rabiskit.cli.main import main\nmain()\n"
            "print('NOT REACHED', file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code, "--lang", "en", "count",
                        str(FIXTURES / "hostile.iso"), "--format", "json"],
                       capture_output=True, text=True, encoding="utf-8", cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["records"]["read"] > 0
    assert "ATEXIT RAN" in r.stderr and "NOT REACHED" not in r.stderr
