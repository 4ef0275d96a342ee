"""Reading the inputs of ``rabiskit audit``: the blocks of ISO 2709 files checked in worker
processes, merged in file and block order; every other input, and every input below the
size where workers pay, record by record through the careful reader.

The audit's checks live above this layer (``rabiskit.audit``), so the command gives the
two halves of its work:

* ``work(task)``: a module-level function (worker processes get it by name) that reads one
  block (``BlockTask``: the file, where the block lies, the reading options and the
  command's own ``context``) and returns what the command merges: compact, typed values,
  not records;
* a ``BlockSink``: ``add(src, facts)`` takes a record the careful reader read in this
  process (as ``rabiskit.facts.scan.scan`` gives it); ``add_block(result, shift, summary)``
  takes one block's result, in order, ``shift`` records of its file before it (its
  records are numbered from 1 in the block), and returns how many records it numbered.

Blocks are cut only where the careful reader would also start a record
(``rabiskit.pipeline.workers.block_bounds``), so the records, their numbers and their
offsets are the careful reader's whatever the block size or the number of workers.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol

from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import FileSummary, Input, Scan
from rabiskit.plan.model import Plan
from rabiskit.records import SourceRecord


@dataclass(frozen=True)
class BlockTask:
    """One block of an ISO 2709 file, ``start`` to ``end`` (bytes), for a worker."""

    path: str
    start: int
    end: int
    display: str
    db_level: str | None
    encoding: str | None
    flavour: str | None
    rules: tuple
    context: Any = None  # what the command's ``work`` needs besides (picklable)

    def read(self) -> bytes:
        from rabiskit.pipeline.workers import _read_block

        return _read_block(self.path, self.start, self.end)


class BlockSink(Protocol):
    def add(self, src: SourceRecord, facts: RecordFacts) -> None:
        """A record the careful reader read in this process."""

    def add_block(self, result: Any, shift: int, summary: FileSummary) -> int:
        """One block's result (``work``'s), merged in order; returns the records it
        numbered (the next block's records are that many further on)."""


def read_blocks(inputs: Iterable[Input], plan: Plan, sink: BlockSink,
                work: Callable[[BlockTask], Any], *, context: Any = None,
                encoding: str | None = None, flavour: str | None = None, progress=None,
                workers: int | None = None, min_fast_size: int | None = None,
                block_size: int | None = None) -> Scan:
    """Read every input into ``sink``; returns the Scan (per-file summaries, problems).

    ISO 2709 files are cut into blocks and given to ``work`` in worker processes when the
    files it can take hold ``min_fast_size`` bytes together (default 8 MB; 0: always);
    ``workers=1`` runs the blocks in this process.  A file that cannot be cut (no record
    boundary in reach) and every other input go through the careful reader."""
    from rabiskit.aggregate.count import classifier_for
    from rabiskit.facts.scan import dedupe_inputs, scan_one, start_file
    from rabiskit.pipeline.run import block_kind
    from rabiskit.pipeline.sizes import BLOCK_SIZE, MIN_FAST_SIZE

    result = Scan()
    classify = classifier_for(plan)
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
                for src, facts in scan_one(inp, summary, classify=classify, encoding=encoding,
                                           flavour=flavour, progress=progress):
                    sink.add(src, facts)
                continue
            summary.format, summary.size = "iso2709", size
            proto = BlockTask(str(inp.path), 0, 0, inp.display, inp.db_level, encoding, flavour,
                              rules, context)
            _blocks_of(inp, summary, bounds, executor, progress, proto, sink, work)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)
    return result


def _blocks_of(inp: Input, summary: FileSummary, bounds, executor, progress, proto: BlockTask,
               sink: BlockSink, work: Callable[[BlockTask], Any]) -> None:
    from rabiskit.facts.scan import finish_file, sort_problems

    tasks = (dataclasses.replace(proto, start=a, end=b) for a, b in bounds)
    # a few blocks ahead of the one being merged: every core busy, memory bounded
    window = 4 * (getattr(executor, "_max_workers", 2) or 2) if executor is not None else 1
    pending: deque = deque()

    def submit(task: BlockTask) -> None:
        pending.append((task, executor.submit(work, task) if executor is not None else None))

    for task in tasks:
        submit(task)
        if len(pending) >= window:
            break
    shift = 0
    while pending:
        task, fut = pending.popleft()
        nxt = next(tasks, None)
        if nxt is not None:
            submit(nxt)
        res = fut.result() if fut is not None else work(task)
        shift += sink.add_block(res, shift, summary)
        if progress is not None:
            progress(task.end, inp.display)
    sort_problems(summary)
    finish_file(summary)


def merge_summary(into: FileSummary, part: FileSummary, shift: int) -> None:
    """A block's summary (its records numbered from 1) added to its file's, ``shift``
    records of the file before the block: the same summary as the careful reader's record
    by record (``FileSummary.add_read``)."""
    into.records += part.records
    into.damaged += part.damaged
    into.not_bibliographic += part.not_bibliographic
    into.date_missing += part.date_missing
    into.block_settled += part.block_settled
    for name in ("flavours", "encodings", "encoding_reasons", "record_types",
                 "bibliographic_levels", "languages", "levels"):
        getattr(into, name).update(getattr(part, name))
    if part.date_min is not None and (into.date_min is None or part.date_min < into.date_min):
        into.date_min = part.date_min
    if part.date_max is not None and (into.date_max is None or part.date_max > into.date_max):
        into.date_max = part.date_max
    into.problems.extend(p if p.record is None or not shift
                         else dataclasses.replace(p, record=p.record + shift)
                         for p in part.problems)
