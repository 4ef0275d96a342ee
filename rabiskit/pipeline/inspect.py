"""``rabiskit inspect``: what is in each export (records, flavours, encodings, dates,
languages, problems), read through the pipeline: the per-file summaries only."""

from __future__ import annotations

from typing import Any, Iterable

from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.pipeline.run import Groups, read_inputs


class SummariesOnly:
    """A sink that keeps nothing: the Scan's per-file summaries are the result."""

    def add(self, facts: RecordFacts, extra: Any) -> None:
        pass

    def add_groups(self, groups: Groups) -> None:
        pass


def inspect_inputs(inputs: Iterable[Input], *, encoding: str | None = None,
                   flavour: str | None = None, progress=None, workers: int | None = None,
                   min_fast_size: int | None = None, fast: bool | None = None) -> Scan:
    """Read every input to the end and return the per-file summaries."""
    from rabiskit.plan.load import default_plan

    return read_inputs(inputs, default_plan(), SummariesOnly(), encoding=encoding, flavour=flavour,
                       progress=progress, workers=workers, min_fast_size=min_fast_size, fast=fast)
