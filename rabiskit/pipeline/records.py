"""Every record's facts, in order, for the commands that need each record (``facts``,
``export``, a ledger import): blocks of ISO 2709 files read by worker processes (each
reads its own block from the file), merged in file and block order as they come, so memory
stays flat; other inputs, and every input below the size where workers pay, through the
careful reader.

``read_records`` gives each record's facts (a ``RecordFacts``); ``read_fact_tables`` gives
the facts table itself, as Arrow tables the workers build
(``rabiskit.facts.batches.facts_batch``): the parent only renumbers them."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol

from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import FileSummary, Input, Scan
from rabiskit.plan.model import Plan


@dataclass(frozen=True)
class BlockTask:
    """One block of a file for a worker: where it is, how to read it (the --db level, a
    forced encoding or flavour, the plan's rules in force) and the command's ``args``."""

    path: str
    start: int
    end: int
    display: str
    db_level: str | None
    encoding: str | None
    flavour: str | None
    rules: tuple
    args: Any = None

    def read(self) -> bytes:
        from rabiskit.pipeline.workers import _read_block

        return _read_block(self.path, self.start, self.end)


class BlockOutput(Protocol):
    """What a command's block work gives back (``rabiskit.facts.batches.FactsBatch``,
    ``rabiskit.export.exchange``'s blocks): its part of the file's summary (records
    numbered in the block), the problems outside records, the number of its last record,
    the records the block path settled, and the command's items, renumbered."""

    summary: FileSummary
    file_problems: list
    records: int
    settled: int

    def items(self, shift: int) -> Iterable[Any]: ...


def read_blocks(inputs: Iterable[Input], plan: Plan, *, result: Scan,
                work: Callable[[BlockTask], BlockOutput], args: Any = None,
                careful: Callable[[Any, RecordFacts], Iterable[Any]],
                encoding: str | None = None, flavour: str | None = None, progress=None,
                workers: int | None = None, min_fast_size: int | None = None,
                fast: bool | None = None, block_size: int | None = None,
                yielding: bool = False) -> Iterator[Any]:
    """A command's items for every record of every input, in order: for each block of an
    ISO 2709 file, what ``work(BlockTask)`` (run in the worker processes, ``args`` given to
    it) gives; for the careful reader's records, ``careful(src, facts)``.  ``result``
    receives the per-file summaries; ``yielding``: the workers at a lower priority than
    this process (``make_executor``)."""
    from rabiskit.aggregate.count import classifier_for
    from rabiskit.facts.scan import finish_file, scan_one, sort_problems
    from rabiskit.pipeline.run import plan_inputs
    from rabiskit.pipeline.sizes import BLOCK_SIZE

    classify = classifier_for(plan)
    rules = tuple(plan.rules_in_force())
    kinds = plan_inputs(inputs, result, fast, min_fast_size, xml=False)
    executor = None
    if workers != 1 and any(kind for _, _, kind in kinds):
        from rabiskit.pipeline.workers import make_executor

        executor = make_executor(workers, yielding=yielding)
    try:
        for inp, summary, kind in kinds:
            bounds = None
            if kind:
                # (numpy and the pool's module only where blocks are read: not for small inputs)
                from rabiskit.pipeline.workers import block_bounds

                size = inp.path.stat().st_size
                bounds = block_bounds(inp.path, size, block_size or BLOCK_SIZE)
            if bounds is None:
                for src, facts in scan_one(inp, summary, classify=classify, encoding=encoding,
                                           flavour=flavour, progress=progress):
                    yield from careful(src, facts)
                continue
            summary.format, summary.size = "iso2709", size
            proto = BlockTask(str(inp.path), 0, 0, inp.display, inp.db_level, encoding, flavour,
                              rules, args)
            shift = 0
            for block, res in _in_order(bounds, executor, proto, work):
                summary.block_settled += res.settled
                summary.add_part(res.summary, shift)
                summary.problems.extend(res.file_problems)
                yield from res.items(shift)
                shift += res.records
                if progress is not None:
                    progress(block.end, inp.display)
            sort_problems(summary)
            finish_file(summary)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)


def _fact_table_work(task: BlockTask):
    from rabiskit.facts.batches import facts_batch, spill_table

    batch = facts_batch(task.read(), task.start, display=task.display, db_level=task.db_level,
                        rules=task.rules, encoding=task.encoding, flavour=task.flavour)
    to = task.args  # (a rabiskit.spill.SpillTo: the table goes back through a file)
    if to is not None and to.here() and batch.table.num_rows:
        batch.table = spill_table(batch.table, to)
    return batch


def _just_facts(src, facts: RecordFacts):
    return (facts,)


def read_fact_tables(inputs: Iterable[Input], plan: Plan, *, result: Scan,
                     encoding: str | None = None, flavour: str | None = None, progress=None,
                     workers: int | None = None, min_fast_size: int | None = None,
                     fast: bool | None = None, block_size: int | None = None,
                     rows: int = 5000, spill_to=None) -> Iterator[Any]:
    """The facts table of every record of every input, in order, as Arrow tables
    (``rabiskit.facts.batches.facts_schema``); ``result`` receives the per-file summaries.
    Blocks of ISO 2709 files give one table each, built by the workers
    (``facts_batch``; with ``spill_to``, a ``rabiskit.spill.SpillTo``, a worker process
    sends it back through a file of that folder); the careful reader's records come in
    tables of up to ``rows``."""
    from rabiskit.facts.batches import facts_table

    held: list[RecordFacts] = []
    for item in read_blocks(inputs, plan, result=result, work=_fact_table_work,
                            args=spill_to, careful=_just_facts, encoding=encoding, flavour=flavour,
                            progress=progress, workers=workers, min_fast_size=min_fast_size,
                            fast=fast, block_size=block_size):
        if isinstance(item, RecordFacts):
            held.append(item)
            if len(held) >= rows:
                yield facts_table(held)
                held = []
            continue
        if held:
            yield facts_table(held)
            held = []
        if item.num_rows:
            yield item
    if held:
        yield facts_table(held)


def _in_order(bounds, executor, proto, work: Callable):
    """(block, what ``work`` gave for it) for each block, in order; a few blocks ahead in
    the workers at a time, so memory stays flat."""
    import dataclasses

    tasks = (dataclasses.replace(proto, start=a, end=b) for a, b in bounds)
    window = 4 * (getattr(executor, "_max_workers", 2) or 2) if executor is not None else 1
    pending: deque = deque()

    def submit(block) -> None:
        pending.append((block, executor.submit(work, block) if executor is not None else None))

    for block in tasks:
        submit(block)
        if len(pending) >= window:
            break
    while pending:
        block, fut = pending.popleft()
        nxt = next(tasks, None)
        if nxt is not None:
            submit(nxt)
        yield block, (fut.result() if fut is not None else work(block))


def read_records(inputs: Iterable[Input], plan: Plan, *, result: Scan,
                 extract: Callable[[Any, RecordFacts], Any] | None = None,
                 tags: frozenset[str] | None = None, encoding: str | None = None,
                 flavour: str | None = None, progress=None, workers: int | None = None,
                 min_fast_size: int | None = None, fast: bool | None = None,
                 block_size: int | None = None) -> Iterator[tuple[RecordFacts, Any]]:
    """(facts, what ``extract(src, facts)`` took) of every record of every input, in order;
    ``result`` receives the per-file summaries.  ``tags``: the fields ``extract`` reads
    besides the facts' (None: it gets whole records)."""
    from rabiskit.facts.fast import FACT_TAGS

    need_tags = None if extract is not None and tags is None else FACT_TAGS | (tags or frozenset())

    def careful(src, facts):
        return ((facts, extract(src, facts) if extract is not None else None),)

    return read_blocks(inputs, plan, result=result, work=_records_work, args=(need_tags, extract),
                       careful=careful, encoding=encoding, flavour=flavour, progress=progress,
                       workers=workers, min_fast_size=min_fast_size, fast=fast,
                       block_size=block_size)


@dataclass
class _Records:
    """A block's records for ``read_records`` (see ``BlockOutput``)."""

    summary: FileSummary
    file_problems: list
    records: int
    settled: int
    pairs: list  # (facts, what ``extract`` took), numbered in the block

    def items(self, shift: int) -> list:
        if not shift:
            return self.pairs
        from rabiskit.pipeline.workers import renumber

        return [(renumber(facts, (), shift)[0], extra) for facts, extra in self.pairs]


def _records_work(task: BlockTask) -> _Records:
    from rabiskit.facts.fast import block_records

    tags, extract = task.args
    res = block_records(task.read(), task.start, display=task.display, db_level=task.db_level,
                        rules=task.rules, encoding=task.encoding, flavour=task.flavour,
                        tags=tags, extract=extract)
    summary = FileSummary(task.display)
    pairs = []
    for _, facts, reason, problems, extra in res.records:
        summary.add_read(facts, reason, problems)
        pairs.append((facts, extra))
    return _Records(summary, res.file_problems, max((t[0] for t in res.records), default=0),
                    res.settled, pairs)
