"""``rabiskit digitisation`` from export files: the PDF folder and the log read first, then
the exports through the pipeline.  Records holding the plan's link field are read whole
(their links, pages and host are the digitisation's business): the block path settles
them as the others and gives their facts and links (``Needs.linked_tags``) as well."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from rabiskit.aggregate.period import Period
from rabiskit.digitisation.log import DigitisationLog
from rabiskit.digitisation.pdfs import PdfIndex
from rabiskit.digitisation.run import digitisation_json, prepare
from rabiskit.digitisation.tally import (DigitisationTally, LinkedCopies, copies_of_values,
                                        linked_copies, record_links, settled_documents)
from rabiskit.facts.extract import ValuesExtract
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.pipeline.run import Groups, Needs, read_inputs
from rabiskit.plan.model import Plan


def links_extract(tag: str, code: str, src, facts: RecordFacts) -> LinkedCopies | None:
    """A record's links and their keys (None: it has none)."""
    links = record_links(tag, code, src)
    return linked_copies(links) if links else None


@dataclass(frozen=True)
class LinksExtract(ValuesExtract):
    """``Needs.extract`` of the digitisation: ``links_extract`` of the link field
    ``subfield`` (tag, code); the block path gives the values of that subfield alone, and
    with the tally's ``form`` (``DigitisationTally.document_form``) the documents of the
    records it settles are written where the block is read (``of_linked``), as a report's."""

    subfield: tuple[str, str]
    form: Any = None  # rabiskit.digitisation.tally.DocumentForm

    def __call__(self, src, facts: RecordFacts) -> LinkedCopies | None:
        return links_extract(*self.subfield, src, facts)

    def of_values(self, values: list[str]) -> LinkedCopies | None:
        return copies_of_values(values)

    def of_linked(self, facts: list[tuple], values: list[list[str]]) -> list:
        """``of_values`` of a block's settled records (``facts``: their ``facts_tuple``s),
        their documents written (``settled_document``)."""
        return settled_documents(self.form, facts, values)


class DigitisationSink:
    def __init__(self, tally: DigitisationTally) -> None:
        self.tally = tally

    def needs(self) -> Needs:
        t = self.tally
        return Needs(linked_tags=t.link_tags(),
                     extract=LinksExtract((t.link_field, t.link_subfield), t.document_form()))

    def add(self, facts: RecordFacts, extra: Any) -> None:
        self.tally.add_links(extra or [], facts)

    def add_linked(self, facts: RecordFacts, extra: Any) -> None:
        """A record the block path settled that holds the link field (in the groups too),
        with what ``LinksExtract.of_linked`` made of it."""
        self.tally.add_settled(extra, facts)

    def add_groups(self, groups: Groups) -> None:
        self.tally.add_unlinked(sum(n for *_, n in groups.counts))


def digitisation_inputs(inputs: Iterable[Input], plan: Plan, period: Period,
                        pdf_dir: str | Path | PdfIndex | None = None,
                        log: str | Path | DigitisationLog | None = None, *,
                        encoding: str | None = None, flavour: str | None = None,
                        progress: Callable[[int, str], None] | None = None,
                        workers: int | None = None, min_fast_size: int | None = None,
                        fast: bool | None = None) -> dict:
    """Read ``inputs`` and return the digitisation JSON for ``period`` (the PDF folder is
    indexed and the log read before the first record)."""
    tally = prepare(plan, period, pdf_dir, log)
    sink = DigitisationSink(tally)
    result: Scan = read_inputs(inputs, plan, sink, needs=sink.needs(), encoding=encoding,
                               flavour=flavour, progress=progress, workers=workers,
                               min_fast_size=min_fast_size, fast=fast)
    return digitisation_json(tally, result)
