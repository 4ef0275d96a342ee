"""Counting inputs: the records of every export file into one Tally (and, for ``count --by
operator``, an OperatorTally), with the per-file summaries (a Scan).

``count_inputs`` is what ``rabiskit count`` and the web page call; the reading is
``rabiskit.pipeline.run.read_inputs``, the counting ``rabiskit.aggregate.count``.
"""

from __future__ import annotations

import functools
from typing import Any

from rabiskit.aggregate.count import OperatorTally, Tally
from rabiskit.aggregate.period import Period
from rabiskit.facts.model import RecordFacts
from rabiskit.plan.model import Plan
from rabiskit.pipeline.run import Groups, Needs, read_inputs


class TallySink:
    """Records into a Tally, and into an OperatorTally when one is given."""

    def __init__(self, tally: Tally, operators: OperatorTally | None = None) -> None:
        self.tally = tally
        self.operators = operators

    def add(self, facts: RecordFacts, extra: Any) -> None:
        self.tally.add(facts)
        if self.operators is not None:
            self.operators.add_named(extra, facts)

    def add_groups(self, groups: Groups) -> None:
        self.tally.add_counts(groups.counts)
        if self.operators is not None:
            for name, d, level, language, n in groups.operators:
                self.operators.add_count(name, d, level, language, n)


def operator_name(tag: str, code: str, src, facts: RecordFacts) -> str | None:
    """The cataloguer a record names (``Needs.extract`` of ``count --by operator``)."""
    from rabiskit.sources.irbis_fields import operator_of

    return operator_of(src.record, tag, code)


def operator_needs(operators: OperatorTally | None) -> Needs:
    if operators is None:
        return Needs()
    return Needs(operator=(operators.tag, operators.code),
                 extract=functools.partial(operator_name, operators.tag, operators.code))


def count_inputs(inputs, plan: Plan, period: Period, *, encoding=None, flavour=None,
                 progress=None, fast: bool | None = None, workers: int | None = None,
                 block_size: int | None = None, min_fast_size: int | None = None,
                 operators: OperatorTally | None = None):
    """Read the inputs and tally their records for ``period``.  Returns (Tally, Scan).
    ``operators``: an OperatorTally to feed too.  The reading options are
    ``read_inputs``'s."""
    tally = Tally(period)
    scan = read_inputs(inputs, plan, TallySink(tally, operators), needs=operator_needs(operators),
                       encoding=encoding, flavour=flavour, progress=progress, fast=fast,
                       workers=workers, block_size=block_size, min_fast_size=min_fast_size)
    return tally, scan


def count_job(inputs, plan: Plan, period: Period, *, operators: OperatorTally | None = None,
              **options):
    """``count_inputs``, the OperatorTally it fed returned too: (Tally, Scan, OperatorTally
    or None), for a caller in another process (``rabiskit.cli.headstart``), which does not
    see it fed."""
    tally, scan = count_inputs(inputs, plan, period, operators=operators, **options)
    return tally, scan, operators
