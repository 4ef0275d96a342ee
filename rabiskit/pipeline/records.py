"""Every record's facts, in order, for the commands that need each record (``facts``):
blocks of ISO 2709 files read by worker processes (each reads its own block from the file),
merged in file and block order as they come, so memory stays flat; other inputs, and every
input below the size where workers pay, through the careful reader."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Input, Scan
from rabiskit.plan.model import Plan


@dataclass(frozen=True)
class _Block:
    path: str
    start: int
    end: int
    display: str
    db_level: str | None
    encoding: str | None
    flavour: str | None
    rules: tuple
    tags: frozenset | None
    extract: Callable | None


def _work(b: _Block):
    from rabiskit.facts.fast import block_records
    from rabiskit.pipeline.workers import _read_block

    return block_records(_read_block(b.path, b.start, b.end), b.start, display=b.display,
                         db_level=b.db_level, rules=b.rules, encoding=b.encoding,
                         flavour=b.flavour, tags=b.tags, extract=b.extract)


def read_records(inputs: Iterable[Input], plan: Plan, *, result: Scan,
                 extract: Callable[[Any, RecordFacts], Any] | None = None,
                 tags: frozenset[str] | None = None, encoding: str | None = None,
                 flavour: str | None = None, progress=None, workers: int | None = None,
                 min_fast_size: int | None = None, fast: bool | None = None,
                 block_size: int | None = None) -> Iterator[tuple[RecordFacts, Any]]:
    """(facts, what ``extract(src, facts)`` took) of every record of every input, in order;
    ``result`` receives the per-file summaries.  ``tags``: the fields ``extract`` reads
    besides the facts' (None: it gets whole records)."""
    from rabiskit.aggregate.count import classifier_for
    from rabiskit.facts.fast import FACT_TAGS
    from rabiskit.facts.scan import dedupe_inputs, finish_file, scan_one, start_file
    from rabiskit.pipeline.run import block_kind
    from rabiskit.pipeline.sizes import BLOCK_SIZE, MIN_FAST_SIZE

    classify = classifier_for(plan)
    rules = tuple(plan.rules_in_force())
    need_tags = None if extract is not None and tags is None else FACT_TAGS | (tags or frozenset())
    items = list(inputs)
    _, dup = dedupe_inputs(items)
    kinds = []
    total = 0
    for inp in items:
        summary = start_file(inp, result, dup)
        if summary is None:
            continue
        kind, size = block_kind(inp, fast, xml=False)
        kinds.append((inp, summary, kind))
        total += size if kind else 0
    use_blocks = fast is True or (fast is None and total >= (
        MIN_FAST_SIZE if min_fast_size is None else min_fast_size))
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
                    yield facts, extract(src, facts) if extract is not None else None
                continue
            summary.format, summary.size = "iso2709", size
            yield from _blocks_of(inp, summary, bounds, executor, progress,
                                  _Block(str(inp.path), 0, 0, inp.display, inp.db_level, encoding,
                                         flavour, rules, need_tags, extract))
            finish_file(summary)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)


def _blocks_of(inp: Input, summary, bounds, executor, progress, proto: _Block):
    import dataclasses

    from rabiskit.facts.scan import sort_problems
    from rabiskit.pipeline.workers import renumber

    tasks = (dataclasses.replace(proto, start=a, end=b) for a, b in bounds)
    window = 4 * (getattr(executor, "_max_workers", 2) or 2) if executor is not None else 1
    pending: deque = deque()

    def submit(block) -> None:
        pending.append((block, executor.submit(_work, block) if executor is not None else None))

    for block in tasks:
        submit(block)
        if len(pending) >= window:
            break
    shift = 0
    while pending:
        block, fut = pending.popleft()
        nxt = next(tasks, None)
        if nxt is not None:
            submit(nxt)
        res = fut.result() if fut is not None else _work(block)
        summary.block_settled += res.settled
        n = 0
        for number, facts, reason, problems, extra in res.records:
            facts, problems = renumber(facts, problems, shift)
            summary.add_read(facts, reason, problems)
            n = max(n, number)
            yield facts, extra
        summary.problems.extend(res.file_problems)
        shift += n if res.records else 0
        if progress is not None:
            progress(block.end, inp.display)
    sort_problems(summary)
