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
import os
import pkgutil
import sys

# numpy's BLAS (OpenBLAS) starts a thread per core when numpy is imported, and that thread
# spins for a while waiting for matrix work rabiskit never gives it: measured on 2 cores,
# 0.1 s of CPU taken from the worker processes of every run (a count of 200,000 records:
# 0.63-0.68 s, 0.47-0.50 s with one BLAS thread).  Set before anything imports numpy; a
# value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from typing import Optional

import typer

from rabiskit import __version__
from rabiskit.cli import collector, commands
from rabiskit.cli.localised import LANG_OPTION, LangError, LocalisedGroup, localise, take_lang

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


NO_COMMAND = ""  # make_app(NO_COMMAND): the top-level options alone (--version)
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


def _command_of(argv: list[str]) -> str | None:
    """The command a command line runs (its first word), None for top-level options
    (``NO_COMMAND`` for ``--version``, which needs no command registered)."""
    try:
        argv = take_lang(argv)[1]
    except LangError:
        return None
    for arg in argv:
        if arg == "--version":
            return NO_COMMAND
        if arg in ("-h", "--help"):
            return None
        if not arg.startswith("-"):
            return arg
    return None


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


def end_process(code: object) -> None:
    """End the process as ``sys.exit(code)`` would, less the interpreter's tear-down of every
    module and object (measured: 0.03-0.08 s of CPU after a big count, all of it after the
    output is written).  What a normal exit runs still runs: threads joined (the worker
    pool's manager), ``atexit`` handlers, the standard streams flushed."""
    import atexit
    import threading

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on stderr, status 1
        sys.stderr.write(f"{code}\n")
        status = 1
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is None:  # not CPython's threading: the normal exit
        sys.exit(status)
    shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to write
            pass
    os._exit(status)


def main() -> None:
    """The ``rabiskit`` program (the console script and ``python -m rabiskit``): ``run``,
    then the process ends by ``end_process``.  ``run`` alone, for a caller that goes on.
    The garbage collector is held until the command begins (``rabiskit.cli.collector``)."""
    collector.hold()
    try:
        run()
    except SystemExit as stop:
        end_process(stop.code)
    end_process(0)
