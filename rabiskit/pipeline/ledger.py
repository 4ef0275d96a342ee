"""The ledger in the pipeline: export files into the ledger, and the ledger instead of them.

* ``import_inputs(ledger, inputs, plan, ...) -> ImportResult``: read the export files
  (``rabiskit.pipeline.ledgerrows.import_blocks``: blocks read by worker processes, levels
  by the plan's rules, each record as its ledger row) and store their records with
  ``rabiskit.ledger.importer.import_rows`` (one transaction);
* ``ledger_with_exports(path, inputs, plan)``: an in-memory copy of the ledger with the
  exports imported into it (the file is not touched);
* ``ledger_run(path, inputs, plan, ...)``: what a command reads with ``--ledger``: the
  ledger (or that copy, when export files are given too) as a :class:`LedgerRun`, which
  gives the Tally and Scan of a period (``count``), the Scan summary (``summary``) or the
  (SourceRecord, RecordFacts) pairs (``sources``), as the export files would.

The ledger package only stores and reads back what it is given; which files are read and
how is decided here.  Errors are ``LedgerError`` (``ImportAborted`` when an export cannot
be read at all); the command line turns them into one line.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from rabiskit.aggregate.count import Tally
from rabiskit.aggregate.period import Period
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.i18n import _
from rabiskit.ledger.closing import closed_quarters
from rabiskit.ledger.importer import ImportResult, import_rows, utc_now
from rabiskit.ledger.source import count_ledger, ledger_scan_summary, ledger_sources, rules_warning
from rabiskit.ledger.store import DEFAULT_DATABASE, Ledger, LedgerError, memory_copy, open_ledger
from rabiskit.plan.model import Plan
from rabiskit.records import SourceRecord


def import_inputs(ledger: Ledger, inputs: Sequence[Input], plan: Plan, *,
                  database: str = DEFAULT_DATABASE, encoding: str | None = None,
                  flavour: str | None = None, progress: Callable[[int, str], None] | None = None,
                  now: Callable[[], str] = utc_now, workers: int | None = None,
                  min_fast_size: int | None = None,
                  block_size: int | None = None) -> ImportResult:
    """Import the export files ``inputs`` into ``ledger`` in one transaction.

    Each file's records go to its ``--db`` level's database (``Input.db_level``), else to
    ``database``.  Raises ImportAborted (nothing applied) when an input cannot be read at
    all, and LedgerError when the ledger is locked or cannot be written."""
    from rabiskit.pipeline.ledgerrows import import_blocks

    inputs = list(inputs)
    summary = Scan()
    # the worker processes read the blocks and compute the ledger's rows of their records
    blocks = import_blocks(inputs, plan, result=summary, encoding=encoding, flavour=flavour,
                           progress=progress, workers=workers, min_fast_size=min_fast_size,
                           block_size=block_size)
    return import_rows(
        ledger, blocks, summary, plan, database=database, now=now,
        databases={inp.display: inp.db_level or database for inp in inputs},
        positions={inp.display: k for k, inp in enumerate(inputs)})


@contextlib.contextmanager
def ledger_with_exports(path, inputs: Sequence[Input], plan: Plan, *,
                        database: str = DEFAULT_DATABASE, **scan_options
                        ) -> Iterator[tuple[Ledger, ImportResult]]:
    """An in-memory copy of the ledger at ``path`` with ``inputs`` imported into it.

    Yields (ledger, import result); the ledger file itself is never changed."""
    led = memory_copy(path)
    try:
        result = import_inputs(led, inputs, plan, database=database, **scan_options)
        yield led, result
    finally:
        led.close()


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
        tally, summary = count_ledger(self.ledger, plan, period)
        summary.warnings[:0] = self.warnings
        summary.warnings.extend(self.closed_warnings(period.year))
        return tally, summary

    def summary(self, plan: Plan, year: int | None = None) -> Scan:
        """The per-file summaries and problems of the files the records were last read
        from, with the import's warnings, a warning when levels came from other rules and
        one per closed quarter of ``year`` that has corrections."""
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
        return ledger_sources(self.ledger)


def refuse_empty_ledger(path: Path) -> None:
    """LedgerError for a 0-byte file: ``open_ledger`` would make it a new, empty ledger,
    and a command that only reads must not write (nor is an empty file a ledger anyone
    imported into)."""
    try:
        empty = path.is_file() and path.stat().st_size == 0
    except OSError as e:
        raise LedgerError(_("{file}: cannot read the ledger ({reason})").format(
            file=path, reason=e.strerror or e)) from None
    if empty:
        raise LedgerError(_("{file}: an empty file, not a rabiskit ledger; 'rabiskit import "
                            "FILE... --ledger {file}' makes one").format(file=path))


@contextlib.contextmanager
def ledger_run(path: str | Path, inputs: Sequence[Input], plan: Plan, *,
               encoding: str | None = None, flavour: str | None = None,
               progress: Callable[[int, str], None] | None = None) -> Iterator[LedgerRun]:
    """The ledger at ``path`` for a command that reads it instead of export files: opened
    as it is, or, with ``inputs``, an in-memory copy with them imported (``encoding`` and
    ``flavour`` apply to those files; the ledger's records were decoded when imported).

    Raises LedgerError (absent, not a ledger, a folder, empty; ImportAborted: an export
    that cannot be read at all) or sqlite3.Error."""
    path = Path(path)
    refuse_empty_ledger(path)
    if inputs:
        with ledger_with_exports(path, inputs, plan, encoding=encoding, flavour=flavour,
                                 progress=progress) as (led, imported):
            yield LedgerRun(led, list(inputs), imported, list(imported.warnings))
    else:
        with open_ledger(path) as led:
            yield LedgerRun(led)


__all__ = ["LedgerRun", "import_inputs", "ledger_run", "ledger_with_exports",
           "refuse_empty_ledger"]
