"""``rabiskit serve``: the report, the audit and the ledger from a local web page.

Listens on 127.0.0.1 only and prints ``http://127.0.0.1:PORT/?token=TOKEN`` on the first
line (a fresh token each start); the browser opens there unless ``--no-browser``.
``--host ADDR`` listens on another address (a library's network) and needs
``--password-file``.  The web stack (Starlette, uvicorn) is imported only here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from rabiskit.cli.common import fail
from rabiskit.cli.localised import LocalisedCommand
from rabiskit.i18n import _

DEFAULT_PORT = 8765


def _password(path: Path) -> str:
    try:
        text = path.read_text("utf-8-sig")
    except OSError as e:
        fail(_("{file}: cannot read the password file ({reason})").format(
            file=path, reason=e.strerror or e))
    except UnicodeDecodeError:
        fail(_("{file}: the password file is not UTF-8 text").format(file=path))
    lines = text.splitlines()
    password = lines[0].strip() if lines else ""
    if len(password) < 8:
        fail(_("{file}: the password (its first line) must have at least 8 characters").format(
            file=path))
    return password


def register(app: typer.Typer) -> None:
    # the localised help page (as the other commands' DbCommand): given here, since
    # typer fills in its own class for a command that names none
    @app.command("serve", cls=LocalisedCommand)
    def serve_cmd(
        port: Optional[int] = typer.Option(
            None, "--port", min=0, max=65535, metavar="PORT",
            help="Port to listen on (0: any free port). Default: 8765, or any free port "
                 "when 8765 is taken."),
        no_browser: bool = typer.Option(False, "--no-browser",
                                        help="Do not open the browser."),
        host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS",
                                 help="Address to listen on. Anything but 127.0.0.1 lets "
                                      "other computers reach the page and needs "
                                      "--password-file."),
        password_file: Optional[Path] = typer.Option(
            None, "--password-file", metavar="FILE",
            help="File whose first line is the password other computers sign in with."),
        max_upload: int = typer.Option(1024, "--max-upload", min=1, metavar="MB",
                                       help="Largest upload accepted, in megabytes."),
        ledger_path: Optional[Path] = typer.Option(
            None, "--ledger", metavar="PATH",
            help="The ledger file (default: $RABISKIT_LEDGER, else ledger.sqlite in the "
                 "user's data folder: the one the other commands use)."),
        plan_path: Optional[Path] = typer.Option(
            None, "--plan", metavar="PLAN", help="Plan file (TOML) the page starts with and the ledger "
                                 "page uses; default: the built-in 2026 plan."),
    ):
        """The same work from a local web page: report, audit, ledger, in kk, ru or en."""
        from rabiskit.cli.planopt import load_plan_option

        if plan_path is not None:
            load_plan_option(plan_path)  # a bad plan: one line now, not on every page
        from rabiskit.web.app import Settings
        from rabiskit.web.auth import Guard
        from rabiskit.web.server import ServeError, bind, serve

        loopback = host in ("127.0.0.1", "localhost", "::1")
        if not loopback and password_file is None:
            fail(_("--host {host}: other computers could use the page; give --password-file "
                   "FILE too").format(host=host))
        password = _password(password_file) if password_file is not None else None
        address = "127.0.0.1" if host == "localhost" else host
        try:
            try:
                bound = bind(address, DEFAULT_PORT if port is None else port)
            except ServeError:
                if port is not None:
                    raise
                bound = bind(address, 0)  # 8765 is taken (another rabiskit serve?): any port
        except ServeError as e:
            fail(str(e))
        settings = Settings(guard=Guard(password=password), max_upload=max_upload << 20,
                            ledger=ledger_path, plan_path=plan_path)

        def announce(url: str) -> None:
            if sys.stdout is None:  # pythonw: no console to print to
                return
            sys.stdout.write(url + "\n")
            sys.stdout.flush()
            if sys.stderr is not None:
                sys.stderr.write(_("rabiskit serve: open the address above in the browser; "
                                   "Ctrl+C stops the server") + "\n")
                sys.stderr.flush()

        serve(settings, bound, open_browser=not no_browser, announce=announce)
