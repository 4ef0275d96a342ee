"""Reading inputs for a command: every export file through the block path where it pays,
else through the careful reader, into the command's sink, with the per-file summaries.

A command says what it reads (``Needs``) and what it does with records (a ``Sink``):

* the careful reader's records (and every record of a file the block path does not take)
  come one by one, in input and record order, as facts with what ``Needs.extract`` took
  from the whole record;
* the records the block path settled come at the end as groups of equal facts (date
  entered, level, first language; with ``Needs.operator`` the cataloguer too), summed over
  every file: a tally's sums do not depend on the order.

The results are the same whatever the path, the number of workers or the block size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol

from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.plan.model import Plan


@dataclass(frozen=True)
class Needs:
    """What a command reads besides a count's facts.

    ``careful_tags``: records holding any of these fields are read by the careful reader
    (e.g. digitisation's link field: their links are the command's business);
    ``operator``: (tag, code) of the field naming the cataloguer, grouped on the block path;
    ``extract(src, facts)``: taken from every record the careful reader reads (a function
    of a module, or a ``functools.partial`` of one, so that worker processes get it);
    ``careful_dated``: (after, until), of the records entered after the first day and no
    later than the second, the first ``AFTER_AS_OF_LISTED`` of each block are read whole
    (a report lists that many of the records dated after its as-of date);
    ``linked_tags``: records holding any of these fields that the block path settles are
    counted in its groups and also given one by one, with their facts and what ``extract``
    took from the fields the block index holds (``Sink.add_linked``; e.g. digitisation's
    links: the records read whole give them by ``add``)."""

    careful_tags: frozenset[str] = frozenset()
    operator: tuple[str, str] | None = None
    extract: Callable[[Any, RecordFacts], Any] | None = None
    careful_dated: tuple[dt.date, dt.date] | None = None
    linked_tags: frozenset[str] = frozenset()


class Sink(Protocol):
    def add(self, facts: RecordFacts, extra: Any) -> None:
        """One record the careful reader read (``extra``: what ``Needs.extract`` took)."""

    def add_groups(self, groups: "Groups") -> None:
        """The records the block path settled, in groups."""

    # with Needs.linked_tags: add_linked(facts, extra), a record the block path settled (it
    # is in the groups too) that holds one of those fields, in order with ``add``'s records


@dataclass
class Groups:
    """The block path's records of a run: (date, level, language, n) and, with an operator
    field, (operator, date, level, language, n); operator None: named none."""

    counts: list[tuple]
    operators: list[tuple]


def read_inputs(inputs: Iterable[Input], plan: Plan, sink: Sink, *, needs: Needs = Needs(),
                encoding: str | None = None, flavour: str | None = None, progress=None,
                fast: bool | None = None, workers: int | None = None,
                block_size: int | None = None, min_fast_size: int | None = None) -> Scan:
    """Read the inputs into ``sink``; returns the Scan (per-file summaries and problems).

    ISO 2709 files and MARCXML collections are read in blocks on every core when (``fast=None``) the files it can take
    hold at least ``min_fast_size`` bytes together (8 MB: below that, starting the worker
    processes costs more than it saves); ``fast=False`` forces the careful reader,
    ``fast=True`` the block path whatever the size; ``workers=1`` keeps it in this
    process."""
    from rabiskit.aggregate.count import classifier_for
    from rabiskit.facts.scan import finish_file
    from rabiskit.pipeline.sizes import BLOCK_SIZE

    result = Scan()
    classify = classifier_for(plan)
    rules = tuple(plan.rules_in_force())
    kinds = plan_inputs(inputs, result, fast, min_fast_size)
    if not any(kind for _, _, kind in kinds):  # the careful reader alone: no numpy, no pool
        for inp, summary, _ in kinds:
            _read_carefully(inp, summary, sink, needs, classify, encoding, flavour, progress)
        return result
    from rabiskit.facts.fast import KeyReader
    from rabiskit.pipeline.workers import FastFile, KeyCounts, fast_count_files, make_executor

    jobs = [(inp, summary, FastFile(inp.path, inp.display, kind, inp.db_level, encoding, flavour,
                                    rules, needs.careful_tags, needs.operator, needs.extract,
                                    needs.careful_dated, needs.linked_tags)
             if kind else None) for inp, summary, kind in kinds]
    fast_files = [job for _, _, job in jobs if job is not None]
    executor = make_executor(workers, parent_works=True) if fast_files and workers != 1 else None
    # per --db level: the block path's groups, and by operator
    keys: dict[str | None, KeyCounts] = {}
    op_keys: dict[str | None, KeyCounts] = {}
    languages: list = []
    operators: list = []
    try:
        results = fast_count_files(fast_files, executor=executor, block_size=block_size or BLOCK_SIZE,
                                   progress=progress,
                                   consumers=[_consumer(summary, sink)
                                              for _, summary, job in jobs if job is not None])
        for inp, summary, job in jobs:
            res = next(results) if job is not None else None
            if res is None:
                _read_carefully(inp, summary, sink, needs, classify, encoding, flavour, progress)
            else:
                _add_file(res, job, summary, sink, keys, op_keys)
                languages = res.languages or languages
                operators = res.operators or operators
                finish_file(summary)
    finally:
        if executor is not None:
            executor.shutdown()
    counts: list[tuple] = []
    by_operator: list[tuple] = []
    for db_level, kc in keys.items():
        reader = KeyReader(rules, languages, db_level)
        counts.extend(reader.tally_counts(*kc.total()))
        if db_level in op_keys:
            by_operator.extend((name or None, *rest) for name, *rest in
                               reader.operator_counts(*op_keys[db_level].total(), operators))
    if counts or by_operator:
        sink.add_groups(Groups(counts, by_operator))
    return result


def plan_inputs(inputs: Iterable[Input], result: Scan, fast: bool | None,
                min_fast_size: int | None, *, xml: bool = True) -> list[tuple]:
    """(input, its summary in ``result``, its block kind) of every input to read, in order
    (an input given twice is read once): the kind ``block_kind`` gives, None for every
    input when (``fast`` None) the files the block path can take hold less than
    ``min_fast_size`` bytes together (default ``MIN_FAST_SIZE``: below that, starting the
    worker processes costs more than it saves)."""
    from rabiskit.facts.scan import dedupe_inputs, start_file
    from rabiskit.pipeline.sizes import MIN_FAST_SIZE

    items = list(inputs)
    _, dup = dedupe_inputs(items)
    kinds: list[tuple] = []
    fast_size = 0
    for inp in items:
        summary = start_file(inp, result, dup)
        if summary is None:
            continue
        kind, size = block_kind(inp, fast, xml=xml)
        fast_size += size if kind else 0
        kinds.append((inp, summary, kind))
    if fast is None and fast_size < (MIN_FAST_SIZE if min_fast_size is None else min_fast_size):
        return [(inp, summary, None) for inp, summary, _ in kinds]
    return kinds


def block_kind(inp: Input, fast: bool | None, xml: bool = True) -> tuple[str | None, int]:
    """("iso2709" or "marcxml", size) when the input may be read in blocks, else (None, 0)."""
    from rabiskit.sources import sniff_format

    if fast is False or inp.path.suffix.lower() == ".gz":
        return None, 0
    try:
        size = inp.path.stat().st_size
        kind = sniff_format(inp.path)
    except Exception:
        return None, 0
    if kind == "iso2709" or (kind == "marcxml" and xml):
        return kind, size
    return None, 0


def _consumer(summary, sink: Sink):
    """Takes a file's carefully read records into its summary and the sink, as they come
    (the block path's linked records too: one call each, in the process merging the
    blocks, hence the sink's methods looked up once)."""
    add_linked = getattr(sink, "add_linked", None)
    add = sink.add

    def consume(facts: RecordFacts, reason: str | None, problems: tuple, extra: Any) -> None:
        if reason is None:  # settled by the block path (Needs.linked_tags): in the groups
            add_linked(facts, extra)  # type: ignore[misc]
            return
        summary.add_read(facts, reason, problems)
        add(facts, extra)
    return consume


def _read_carefully(inp: Input, summary, sink: Sink, needs: Needs, classify, encoding, flavour,
                    progress) -> None:
    from rabiskit.facts.scan import scan_one

    extract = needs.extract
    for src, facts in scan_one(inp, summary, classify=classify, encoding=encoding,
                               flavour=flavour, progress=progress):
        sink.add(facts, extract(src, facts) if extract is not None else None)


def _add_file(res, job, summary, sink: Sink, keys: dict, op_keys: dict) -> None:
    """A file's block-path result into its summary and the sink, as the careful path adds
    its records (the groups into ``keys``, given to the sink at the end)."""
    from rabiskit.facts.fast import KeyReader
    from rabiskit.facts.scan import sort_problems
    from rabiskit.pipeline.workers import KeyCounts

    summary.format = job.kind
    summary.size = res.size
    summary.block_settled = res.settled
    if res.keys.size:
        reader = KeyReader(job.rules, res.languages, job.db_level)
        groups, first, last = reader.summary_groups(res.keys, res.counts, encoding=job.encoding)
        for key, n in groups:
            summary.add_group(key, n, dates=(first, last))
        keys.setdefault(job.db_level, KeyCounts()).add(res.keys, res.counts)
        if res.op_keys.size:
            op_keys.setdefault(job.db_level, KeyCounts()).add(res.op_keys, res.op_counts)
    consume = _consumer(summary, sink)
    entries = [(f.record, 1, (f, reason, problems, extra)) for f, reason, problems, extra in res.careful]
    entries += [(f.record, 0, (f, None, (), extra)) for f, extra in res.linked]
    for _, _, entry in sorted(entries, key=lambda e: (e[0], e[1])):
        consume(*entry)
    summary.problems.extend(res.file_problems)
    sort_problems(summary)
