"""The ``rabiskit`` program's entry point (the console script and ``python -m rabiskit``).

Its first step, before typer and the commands are imported: the collector held
(``rabiskit.cli.collector``) and, for a command that reads big exports, the helper process
forked (``rabiskit.cli.headstart``); then the program itself (``rabiskit.cli.main.main``)."""

from __future__ import annotations

import sys


def main() -> None:
    from rabiskit.cli import collector, headstart

    collector.hold()
    headstart.start(sys.argv[1:])
    from rabiskit.cli.main import main as program

    program()
