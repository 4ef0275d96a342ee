"""The ``--ledger PATH`` option of ``count``, ``report``, ``audit`` and ``digitisation``.

With ``--ledger PATH`` a command reads the records kept in the ledger (see ``rabiskit
import``) instead of export files.  Export files given beside it are imported into an
in-memory copy of the ledger, as ``rabiskit import`` would import them, so they count as
if imported; the ledger file itself is not changed.

``ledger_for_command(path, exports, db, plan, ...)`` turns the options into the library
call ``rabiskit.pipeline.ledger.ledger_run`` and yields its
:class:`~rabiskit.pipeline.ledger.LedgerRun`; any problem with the ledger (absent, not a
ledger, a folder, empty, an export that cannot be read at all) ends the command with one
clear line (exit 2).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import typer

from rabiskit.cli.common import fail, make_inputs, warn
from rabiskit.cli.progress import scan_progress
from rabiskit.i18n import N_, _, translate_text
from rabiskit.plan.model import Plan

if TYPE_CHECKING:  # the ledger modules (and sqlite3) are imported by a run with --ledger only
    from rabiskit.pipeline.ledger import LedgerRun

LEDGER_OPTION_HELP = N_("Count from the ledger (see 'rabiskit import'); with export files too, "
                      "they are added to an in-memory copy, the ledger file is not changed.")


def ledger_option() -> Any:
    """The ``--ledger PATH`` typer option (default None: read export files only)."""
    return typer.Option(None, "--ledger", metavar="LEDGER", help=LEDGER_OPTION_HELP)


@contextlib.contextmanager
def ledger_for_command(path: Path, exports: Iterable[Path] | None, db: Iterable[Any] | None,
                       plan: Plan, *, encoding: str | None = None, flavour: str | None = None
                       ) -> Iterator[LedgerRun]:
    """Open the ledger at ``path`` for a command, with ``exports`` and ``--db`` files (if
    any) imported into an in-memory copy.  ``encoding``/``flavour`` (already checked)
    apply to those export files; the ledger's records were decoded when imported."""
    import sqlite3

    from rabiskit.ledger.importer import ImportAborted
    from rabiskit.ledger.store import LedgerError, explain
    from rabiskit.pipeline.ledger import ledger_run

    path = Path(path)
    inputs = make_inputs(exports, db, plan.levels()) if (exports or db) else []
    with contextlib.ExitStack() as stack:
        try:
            with scan_progress(inputs) if inputs else contextlib.nullcontext() as progress:
                run = stack.enter_context(ledger_run(path, inputs, plan, encoding=encoding,
                                                     flavour=flavour, progress=progress))
            if not inputs and (encoding is not None or flavour is not None):
                warn(_("--encoding and --flavour apply to export files only; the "
                       "ledger's records were read when they were imported"))
        except ImportAborted as e:
            fail(_("{error}; nothing was counted").format(
                error=translate_text(str(e).removesuffix("; nothing was imported"))))
        except LedgerError as e:
            fail(str(e))
        except sqlite3.Error as e:
            fail(str(explain(e, path)))
        try:
            yield run
        except LedgerError as e:
            fail(str(e))
        except sqlite3.Error as e:
            fail(str(explain(e, path)))


__all__ = ["LEDGER_OPTION_HELP", "ledger_for_command", "ledger_option"]
