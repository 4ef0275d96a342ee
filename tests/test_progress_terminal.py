"""The progress bar of a big input: with stderr in a pipe (no variable telling rich to take
it for a terminal) no rich Console is made to ask, so rich is not imported."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO

CODE = """
import sys
from pathlib import Path
from rabiskit.cli import progress
from rabiskit.facts.scan import Input
big = Path(sys.argv[1])
with big.open("wb") as fh:
    fh.truncate(progress.LARGE + 1)
with progress.scan_progress([Input(big)]) as bar:
    print(bar is None, "rich.console" in sys.modules)
"""


def _run(tmp_path, env: dict) -> str:
    out = subprocess.run([sys.executable, "-c", CODE, str(tmp_path / "big.iso")], cwd=REPO,
                         env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_no_bar_and_no_rich_when_stderr_is_a_pipe(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_TERMINAL")}
    assert _run(tmp_path, env) == "True False"


def test_rich_asked_when_told_the_pipe_is_a_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    # TTY_COMPATIBLE=0: rich says no terminal, but only rich can say it
    assert _run(tmp_path, {**env, "TTY_COMPATIBLE": "0"}) == "True True"
