"""The ``rabiskit`` command.  A thin layer: every command calls library functions.

Each module in ``rabiskit.cli.commands`` defines ``register(app)``; they are found
automatically, so adding a command never touches this file.  A run registers only the
module named like its command (when that module defines it), so that ``rabiskit count``
does not import the report, audit, ledger and harvest code.

Messages, help pages and usage errors are in the user's language (``--lang`` anywhere on
the command line, ``RABISKIT_LANG``, the system's language, else Kazakh): see
``rabiskit.i18n`` and ``rabiskit.cli.localised``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from typing import Optional

import typer

from rabiskit import __version__
from rabiskit.cli import collector, commands, headstart
from rabiskit.cli.argv import NO_COMMAND, command_of as _command_of
from rabiskit.cli.ending import end_process
from rabiskit.cli.localised import LANG_OPTION, LocalisedGroup, localise

headstart.one_blas_thread()  # (no import above imports numpy; a command does later)


def _version(value: bool):
    if value:
        typer.echo(f"rabiskit {__version__}")
        raise typer.Exit()


def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit."),
          lang: Optional[str] = typer.Option(
              None, LANG_OPTION, metavar="LANG",
              help="Language of the messages: kk, ru or en, before or after the command "
                   "(default: the RABISKIT_LANG environment variable, else the system's "
                   "language, else kk).")):
    # --lang is taken from the command line before parsing (LocalisedGroup.main): it may
    # follow the command too; declared here for the help page.
    collector.release()  # the command begins (rabiskit.cli.collector)


def _command_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__))


def _command_names(app: typer.Typer) -> set[str]:
    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    return names | {g.name for g in app.registered_groups if g.name}


#: the commands defined in a module of another name (``make_app`` registers that module)
DEFINED_IN = {"import": "ledger", "rules": "plan"}


def make_app(command: str | None = None) -> typer.Typer:
    """The ``rabiskit`` application with every command, or, when ``command`` is defined in
    the module of ``rabiskit.cli.commands`` of its name (or the one ``DEFINED_IN`` names),
    with that module's commands alone (what running one command needs: the others' imports
    cost start-up time on every run); with
    ``NO_COMMAND``, with none (``rabiskit --version``)."""
    app = typer.Typer(
        name="rabiskit",
        help="Catalogue statistics for RABIS / IRBIS-64 libraries: read ISO 2709 and MARCXML "
             "exports, count new records against the plan, write the report tables.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        cls=LocalisedGroup,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_main)
    if command == NO_COMMAND:
        return localise(app)
    modules = _command_modules()
    module = DEFINED_IN.get(command, command) if command is not None else None
    if module in modules:
        _register(app, module)
        if command in _command_names(app):
            return localise(app)
        app.registered_commands.clear()
        app.registered_groups.clear()
    for name in modules:
        _register(app, name)
    return localise(app)


def _register(app: typer.Typer, module_name: str) -> None:
    module = importlib.import_module(f"{commands.__name__}.{module_name}")
    register = getattr(module, "register", None)
    if register is not None:
        register(app)


def __getattr__(name: str):
    # ``from rabiskit.cli.main import app``: the application with every command
    if name == "app":
        globals()["app"] = application = make_app()
        return application
    raise AttributeError(name)


def _utf8_console() -> None:
    """Kazakh letters must survive a Windows console (cp866/cp1251 by default)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass


def run() -> None:
    _utf8_console()
    make_app(_command_of(sys.argv[1:]))()


def main() -> None:
    """The ``rabiskit`` program (from ``rabiskit.cli.start``, the console script's and
    ``python -m rabiskit``'s entry point): ``run``, then the process ends by
    ``end_process``.  ``run`` alone, for a caller that goes on.
    The garbage collector is held until the command begins (``rabiskit.cli.collector``)."""
    collector.hold()
    try:
        run()
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
    finally:
        headstart.release()  # (a helper the command did not use, or one that answered)
    end_process(code)
