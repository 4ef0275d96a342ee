"""The ``--ledger PATH`` option of ``count``, ``report``, ``audit`` and ``digitisation``.

With ``--ledger PATH`` a command reads the records kept in the ledger (see ``rabiskit
import``) instead of export files.  Export files given beside it are imported into an
in-memory copy of the ledger, as ``rabiskit import`` would import them, so they count as
if imported; the ledger file itself is not changed.

``ledger_for_command(path, exports, db, plan, ...)`` opens the one or the other and yields
a :class:`LedgerRun`; any problem with the ledger (absent, not a ledger, a folder, empty,
an export that cannot be read at all) ends the command with one clear line (exit 2).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import typer

from rabiskit.aggregate.count import Tally
from rabiskit.aggregate.period import Period
from rabiskit.cli.common import fail, make_inputs, warn
from rabiskit.cli.progress import scan_progress
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.i18n import N_, _, translate_text
from rabiskit.plan.model import Plan
from rabiskit.records import SourceRecord

if TYPE_CHECKING:  # the ledger modules (and sqlite3) are imported by a run with --ledger only
    from rabiskit.ledger.importer import ImportResult
    from rabiskit.ledger.store import Ledger

LEDGER_OPTION_HELP = N_("Count from the ledger (see 'rabiskit import'); with export files too, "
                      "they are added to an in-memory copy, the ledger file is not changed.")


def ledger_option() -> Any:
    """The ``--ledger PATH`` typer option (default None: read export files only)."""
    return typer.Option(None, "--ledger", metavar="LEDGER", help=LEDGER_OPTION_HELP)


@dataclass
class LedgerRun:
    """What a command reads with ``--ledger``.

    ``ledger``: the ledger file opened for reading, or an in-memory copy of it with the
    export files imported; ``inputs``: those export files (empty: the ledger alone);
    ``imported``: what importing them did (None without export files); ``warnings``: the
    import's warnings (repeated records, other level rules, duplicate files)."""

    ledger: Ledger
    inputs: list[Input] = field(default_factory=list)
    imported: ImportResult | None = None
    warnings: list[str] = field(default_factory=list)

    def count(self, plan: Plan, period: Period) -> tuple[Tally, Scan]:
        """The Tally of ``period`` and the Scan summary, as ``count_inputs`` gives them."""
        from rabiskit.ledger.source import count_ledger

        tally, summary = count_ledger(self.ledger, plan, period)
        summary.warnings[:0] = self.warnings
        summary.warnings.extend(self.closed_warnings(period.year))
        return tally, summary

    def summary(self, plan: Plan, year: int | None = None) -> Scan:
        """The per-file summaries and problems of the files the records were last read
        from, with the import's warnings, a warning when levels came from other rules and
        one per closed quarter of ``year`` that has corrections."""
        from rabiskit.ledger.source import ledger_scan_summary, rules_warning

        summary = ledger_scan_summary(self.ledger)
        summary.warnings.extend(self.warnings)
        warning = rules_warning(self.ledger, plan)
        if warning:
            summary.warnings.append(warning)
        if year is not None:
            summary.warnings.extend(self.closed_warnings(year))
        return summary

    def closed_warnings(self, year: int) -> list[str]:
        """One warning per closed quarter of ``year`` that later imports corrected: the
        numbers read here are the catalogue as it is now, not those handed in."""
        from rabiskit.ledger.closing import closed_quarters

        out = []
        for cq in closed_quarters(self.ledger, year):
            if cq.corrections:
                out.append(_("{period} was closed on {day}; {n} correction(s) since then are "
                             "included here ('rabiskit ledger corrections {period}' lists "
                             "them)").format(period=cq.period, day=cq.closed_at[:10],
                                             n=len(cq.corrections)))
        return out

    def sources(self) -> Iterator[tuple[SourceRecord, RecordFacts]]:
        """(SourceRecord, RecordFacts) for every record, in import order (deleted ones
        too), as ``scan`` yields them from the exports."""
        from rabiskit.ledger.source import ledger_sources

        return ledger_sources(self.ledger)


def _refuse_empty(path: Path) -> None:
    # open_ledger would turn a 0-byte file into a new, empty ledger: a command that only
    # reads must not write, and an empty file is not a ledger anyone imported into.
    try:
        empty = path.is_file() and path.stat().st_size == 0
    except OSError as e:
        fail(_("{file}: cannot read the ledger ({reason})").format(file=path,
                                                                   reason=e.strerror or e))
    if empty:
        fail(_("{file}: an empty file, not a rabiskit ledger; 'rabiskit import FILE... "
               "--ledger {file}' makes one").format(file=path))


@contextlib.contextmanager
def ledger_for_command(path: Path, exports: Iterable[Path] | None, db: Iterable[Any] | None,
                       plan: Plan, *, encoding: str | None = None, flavour: str | None = None
                       ) -> Iterator[LedgerRun]:
    """Open the ledger at ``path`` for a command, with ``exports`` and ``--db`` files (if
    any) imported into an in-memory copy.  ``encoding``/``flavour`` (already checked)
    apply to those export files; the ledger's records were decoded when imported."""
    import sqlite3

    from rabiskit.ledger.importer import ImportAborted
    from rabiskit.ledger.source import ledger_with_exports
    from rabiskit.ledger.store import LedgerError, explain, open_ledger

    path = Path(path)
    inputs = make_inputs(exports, db, plan.levels()) if (exports or db) else []
    _refuse_empty(path)
    with contextlib.ExitStack() as stack:
        try:
            if inputs:
                with scan_progress(inputs) as progress:
                    led, imported = stack.enter_context(ledger_with_exports(
                        path, inputs, plan, encoding=encoding, flavour=flavour,
                        progress=progress))
                run = LedgerRun(led, inputs, imported, list(imported.warnings))
            else:
                if encoding is not None or flavour is not None:
                    warn(_("--encoding and --flavour apply to export files only; the "
                           "ledger's records were read when they were imported"))
                run = LedgerRun(stack.enter_context(open_ledger(path)))
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


__all__ = ["LEDGER_OPTION_HELP", "LedgerRun", "ledger_for_command", "ledger_option"]
