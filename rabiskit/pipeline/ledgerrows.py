"""The records of export files as the ledger stores them, for ``rabiskit import``.

``import_blocks(inputs, plan, result=...)`` yields ``RowBlock``s (``rabiskit.ledger.importer``):
every record of every input, in order, as the columns of its ledger row.  ISO 2709 files
are cut into blocks that worker processes read from the file themselves (the block path,
``rabiskit.facts.fast.block_records``, the careful reader for the records it does not
settle); each worker also computes what the ledger keeps of each record (checksum,
compressed record: ``rabiskit.ledger.codec.record_row``) and the block's part of the file
summary, and sends the block back as plain columns (ints, text, bytes), so this process
only renumbers the records and inserts them.  Other inputs, and every input below the size
where workers pay, are read by the careful reader here.  The rows and summaries are those
of ``rabiskit.pipeline.records.read_records`` with ``record_row``.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from rabiskit.facts.scan import FileSummary, Input, Scan
from rabiskit.ledger.codec import ROW_PROBLEMS, ROW_RECORD, record_row
from rabiskit.ledger.importer import RowBlock, pair_row, problems_json, rows_block
from rabiskit.plan.model import Plan
from rabiskit.records import Problem

#: records of a carefully read file given to the importer together
CAREFUL_BATCH = 2000
#: FileSummary counters a block's summary adds to its file's
_COUNTERS = ("flavours", "encodings", "encoding_reasons", "record_types",
             "bibliographic_levels", "languages", "levels")


@dataclass(frozen=True)
class _Job:
    path: str
    start: int
    end: int
    display: str
    db_level: str | None
    encoding: str | None
    flavour: str | None
    rules: tuple


@dataclass
class BlockRows:
    """What a worker gives back for one block: the ``ROW_COLUMNS`` of its records (numbered
    in the block; ``problems``: tuples of Problems), the block's part of the file summary
    (its problems numbered in the block too), the problems outside records, how many
    records the block path settled, and the last record number of the block."""

    columns: list[list] = field(default_factory=list)
    summary: FileSummary = field(default_factory=lambda: FileSummary(file=""))
    file_problems: list[Problem] = field(default_factory=list)
    settled: int = 0
    last: int = 0


def _work(job: _Job) -> BlockRows:
    from rabiskit.facts.fast import block_records
    from rabiskit.pipeline.workers import _read_block

    res = block_records(_read_block(job.path, job.start, job.end), job.start,
                        display=job.display, db_level=job.db_level, rules=job.rules,
                        encoding=job.encoding, flavour=job.flavour, tags=None,
                        extract=record_row)
    summary = FileSummary(file=job.display)
    add_read = summary.add_read
    rows = []
    last = 0
    for number, facts, reason, problems, row in res.records:
        add_read(facts, reason, problems)
        rows.append(row)
        if number > last:
            last = number
    return BlockRows([list(c) for c in zip(*rows)], summary, res.file_problems, res.settled, last)


def _renumbered(p: Problem, shift: int) -> Problem:
    if not shift or p.record is None:
        return p
    return dataclasses.replace(p, record=p.record + shift)


def add_block_summary(into: FileSummary, part: FileSummary, shift: int) -> None:
    """Add a block's summary to its file's (the block's records follow ``shift`` records of
    the file): as if the file's summary had read the block's records itself."""
    into.records += part.records
    into.damaged += part.damaged
    into.not_bibliographic += part.not_bibliographic
    for name in _COUNTERS:
        getattr(into, name).update(getattr(part, name))
    if part.date_min is not None and (into.date_min is None or part.date_min < into.date_min):
        into.date_min = part.date_min
    if part.date_max is not None and (into.date_max is None or part.date_max > into.date_max):
        into.date_max = part.date_max
    into.date_missing += part.date_missing
    into.problems.extend(_renumbered(p, shift) for p in part.problems)


def _rows(display: str, res: BlockRows, shift: int) -> RowBlock:
    """A worker's block as the importer takes it: numbered in the file, problems as JSON."""
    cols = res.columns
    if cols:
        if shift:
            cols[ROW_RECORD] = [r + shift for r in cols[ROW_RECORD]]
        cols[ROW_PROBLEMS] = [problems_json(ps, shift) if ps else "[]"
                              for ps in cols[ROW_PROBLEMS]]
    return RowBlock(display, cols)


def import_blocks(inputs: Iterable[Input], plan: Plan, *, result: Scan,
                  encoding: str | None = None, flavour: str | None = None,
                  progress: Callable[[int, str], None] | None = None,
                  workers: int | None = None, min_fast_size: int | None = None,
                  block_size: int | None = None) -> Iterator[RowBlock]:
    """The records of ``inputs`` as RowBlocks, in order; ``result`` receives the per-file
    summaries (complete once the blocks are exhausted)."""
    from rabiskit.aggregate.count import classifier_for
    from rabiskit.facts.scan import dedupe_inputs, finish_file, scan_one, start_file
    from rabiskit.pipeline.run import block_kind
    from rabiskit.pipeline.sizes import BLOCK_SIZE, MIN_FAST_SIZE

    rules = tuple(plan.rules_in_force())
    items = list(inputs)
    _, dup = dedupe_inputs(items)
    kinds = []
    total = 0
    for inp in items:
        summary = start_file(inp, result, dup)
        if summary is None:
            continue
        kind, size = block_kind(inp, None, xml=False)
        kinds.append((inp, summary, kind))
        total += size if kind else 0
    use_blocks = total >= (MIN_FAST_SIZE if min_fast_size is None else min_fast_size)
    executor = None
    if use_blocks and workers != 1 and any(k for _, _, k in kinds):
        from rabiskit.pipeline.workers import make_executor

        executor = make_executor(workers)
    try:
        for inp, summary, kind in kinds:
            bounds = None
            if use_blocks and kind:
                from rabiskit.pipeline.workers import block_bounds

                size = inp.path.stat().st_size
                bounds = block_bounds(inp.path, size, block_size or BLOCK_SIZE)
            if bounds is None:
                pairs = scan_one(inp, summary, classify=classifier_for(plan), encoding=encoding,
                                 flavour=flavour, progress=progress)
                rows: list[tuple] = []
                for src, facts in pairs:
                    rows.append(pair_row(src, facts))
                    if len(rows) >= CAREFUL_BATCH:
                        yield rows_block(inp.display, rows)
                        rows = []
                if rows:
                    yield rows_block(inp.display, rows)
                continue
            summary.format, summary.size = "iso2709", size
            yield from _blocks_of(inp, summary, bounds, executor, progress,
                                  _Job(str(inp.path), 0, 0, inp.display, inp.db_level,
                                       encoding, flavour, rules))
            finish_file(summary)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)


def _blocks_of(inp: Input, summary: FileSummary, bounds, executor, progress,
               proto: _Job) -> Iterator[RowBlock]:
    from rabiskit.facts.scan import sort_problems

    jobs = (dataclasses.replace(proto, start=a, end=b) for a, b in bounds)
    window = 4 * (getattr(executor, "_max_workers", 2) or 2) if executor is not None else 1
    pending: deque = deque()

    def submit(job: _Job) -> None:
        pending.append((job, executor.submit(_work, job) if executor is not None else None))

    for job in jobs:
        submit(job)
        if len(pending) >= window:
            break
    shift = 0
    while pending:
        job, fut = pending.popleft()
        nxt = next(jobs, None)
        if nxt is not None:
            submit(nxt)
        res = fut.result() if fut is not None else _work(job)
        summary.block_settled += res.settled
        add_block_summary(summary, res.summary, shift)
        summary.problems.extend(res.file_problems)
        yield _rows(inp.display, res, shift)
        shift += res.last
        if progress is not None:
            progress(job.end, inp.display)
    sort_problems(summary)


__all__ = ["BlockRows", "add_block_summary", "import_blocks"]
