"""The ``rabiskit`` command.  A thin layer: every command calls library functions.

Each module in ``rabiskit.cli.commands`` defines ``register(app)``; they are found
automatically, so adding a command never touches this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from rabiskit import __version__
from rabiskit.cli import commands

app = typer.Typer(
    name="rabiskit",
    help="Catalogue statistics for RABIS / IRBIS-64 libraries: read ISO 2709 and MARCXML "
         "exports, count new records against the plan, write the report tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool):
    if value:
        typer.echo(f"rabiskit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")):
    """rabiskit"""


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def _utf8_console() -> None:
    """Kazakh letters must survive a Windows console (cp866/cp1251 by default)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass


def run() -> None:
    _utf8_console()
    app()
