"""Counting big ISO 2709 files on every core: blocks cut at record boundaries, read by the
fast path (``rabiskit.facts.fast``) in worker processes, merged in file order.

The results do not depend on the number of workers or the block size: blocks are cut
only right after a record terminator that is followed by a well-formed leader (where the
careful reader would also start a record), results are merged in block order, and
record numbers are renumbered from each block's first record.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from rabiskit.facts.fast import ChunkResult, analyse_block, group_facts
from rabiskit.facts.model import RecordFacts
from rabiskit.records import Problem
from rabiskit.sources.iso2709 import looks_like_start

BLOCK_SIZE = 8 << 20
MIN_FAST_SIZE = 8 << 20  # smaller files are read by the careful reader alone


def block_bounds(path: Path, size: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int]]:
    """[(start, end)] covering the file, each cut right after a record terminator that is
    followed by a record start."""
    cuts = [0]
    with path.open("rb") as fh:
        target = block_size
        while target < size:
            found = None
            look = 1 << 16
            while found is None and target + 1 < size:
                fh.seek(target)
                window = fh.read(look + 64)
                p = window.find(b"\x1d")
                while p != -1 and p < look:
                    if looks_like_start(window, p + 1) or target + p + 1 == size:
                        found = target + p + 1
                        break
                    p = window.find(b"\x1d", p + 1)
                if found is None:
                    if len(window) < look:
                        break
                    target += look
            if found is None or found >= size:
                break
            cuts.append(found)
            target = found + block_size
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _work(path: str, start: int, end: int, display: str, db_level: str | None,
          encoding: str | None, flavour: str | None, at_eof: bool) -> ChunkResult:
    from rabiskit.rules.engine import DEFAULT_RULES, classify

    def _classify(src, db):
        return classify(src, DEFAULT_RULES, db)

    with open(path, "rb") as fh:
        fh.seek(start)
        buf = fh.read(end - start)
    return analyse_block(buf, start, display=display, db_level=db_level, classify=_classify,
                         encoding=encoding, flavour=flavour, at_eof=at_eof)


@dataclass
class FastFileResult:
    records: int = 0
    groups: Counter = field(default_factory=Counter)
    careful: list[tuple[RecordFacts, str, tuple]] = field(default_factory=list)  # facts, reason, problems
    file_problems: list[Problem] = field(default_factory=list)
    size: int = 0


def _renumber(facts: RecordFacts, problems: tuple, shift: int) -> tuple[RecordFacts, tuple]:
    if shift == 0:
        return facts, problems
    f = dataclasses.replace(facts, record=facts.record + shift)
    ps = tuple(dataclasses.replace(p, record=p.record + shift) if p.record is not None else p
               for p in problems)
    return f, ps


def _ordered(executor: Executor, fn, tasks: list[tuple], window: int) -> Iterator:
    """executor.map with at most ``window`` tasks in flight (flat memory), in order."""
    pending = []
    it = iter(tasks)
    for t in it:
        pending.append(executor.submit(fn, *t))
        if len(pending) >= window:
            break
    while pending:
        fut = pending.pop(0)
        nxt = next(it, None)
        if nxt is not None:
            pending.append(executor.submit(fn, *nxt))
        yield fut.result()


def fast_count_file(path: Path, display: str, *, db_level: str | None, encoding: str | None,
                    flavour: str | None, executor: Executor | None = None,
                    block_size: int = BLOCK_SIZE,
                    progress: Callable[[int], None] | None = None) -> FastFileResult:
    """Read one ISO 2709 file with the fast path.  With ``executor`` the blocks are read in
    parallel; without, in this process."""
    size = path.stat().st_size
    out = FastFileResult(size=size)
    tasks = [(str(path), a, b, display, db_level, encoding, flavour, b == size)
             for a, b in block_bounds(path, size, block_size)]
    results = (_ordered(executor, _work, tasks, 2 * (getattr(executor, "_max_workers", 2) or 2))
               if executor is not None else (_work(*t) for t in tasks))
    done = 0
    keys = _KeyCounts()
    for res in results:
        shift = out.records
        for _, facts, reason, problems in res.careful:
            f, ps = _renumber(facts, problems, shift)
            out.careful.append((f, reason, ps))
        keys.add(res.keys, res.counts)
        out.file_problems.extend(res.file_problems)
        out.records += res.records
        done += res.bytes_read
        if progress is not None:
            progress(done)
    k, c = keys.total()
    for key, n in zip(k.tolist(), c.tolist()):
        out.groups[group_facts(key, db_level=db_level, encoding=encoding)] += n
    return out


class _KeyCounts:
    """The blocks' group keys and counts, summed as arrays (folded together whenever they
    grow, so memory stays flat however long the file)."""

    def __init__(self, fold_at: int = 1 << 20) -> None:
        self.keys: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []
        self.size = 0
        self.fold_at = fold_at

    def add(self, keys: np.ndarray, counts: np.ndarray) -> None:
        self.keys.append(keys)
        self.counts.append(counts)
        self.size += keys.size
        if self.size > self.fold_at:
            k, c = self.total()
            self.keys, self.counts, self.size = [k], [c], k.size

    def total(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        k = np.concatenate(self.keys)
        c = np.concatenate(self.counts)
        uk, inv = np.unique(k, return_inverse=True)
        return uk, np.bincount(inv.reshape(-1), weights=c, minlength=uk.size).astype(np.int64)


def make_executor(workers: int | None = None) -> ProcessPoolExecutor:
    n = workers or os.cpu_count() or 1
    return ProcessPoolExecutor(max_workers=n)


def _xml_work(path: str, start: int, end: int, lay, display: str, db_level: str | None,
              flavour: str | None):
    from rabiskit.facts.fastxml import NotPlain, analyse_xml_block
    from rabiskit.rules.engine import DEFAULT_RULES, classify

    def _classify(src, db):
        return classify(src, DEFAULT_RULES, db)

    with open(path, "rb") as fh:
        fh.seek(start)
        buf = fh.read(end - start)
    try:
        return analyse_xml_block(buf, lay, display=display, db_level=db_level, classify=_classify,
                                 flavour=flavour)
    except NotPlain:
        return None


def fast_count_xml_file(path: Path, display: str, *, db_level: str | None, flavour: str | None,
                        executor: Executor | None = None, block_size: int = BLOCK_SIZE,
                        progress: Callable[[int], None] | None = None) -> FastFileResult | None:
    """Read a plain MARC 21 slim collection with the fast path; None when the document needs
    the careful reader (nothing is half-counted: the caller then reads it carefully)."""
    from rabiskit.facts.fastxml import NotPlain, layout
    from rabiskit.sources.marcxml import plan_encoding

    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    plan = plan_encoding(head, None)
    if plan.codec is not None or plan.problems or plan.encoding != "utf-8":
        return None
    try:
        lay = layout(path, plan.reason, size)
    except NotPlain:
        return None
    out = FastFileResult(size=size)
    line = 1 + lay.head.count(b"\n")
    # XML blocks hold a third as many records as ISO 2709 ones of the same size, and cost
    # more each: smaller blocks keep the cores evenly busy
    tasks = [(str(path), a, b, lay, display, db_level, flavour)
             for a, b in xml_blocks_of(path, lay, max(1, block_size // 4))]
    results = (_ordered(executor, _xml_work, tasks, 2 * (getattr(executor, "_max_workers", 2) or 2))
               if executor is not None else (_xml_work(*t) for t in tasks))
    done = 0
    for (_, a, b, *_), res in zip(tasks, results):
        if res is None:
            for rest in results:  # let the blocks in flight finish
                pass
            return None
        shift = out.records
        for number, facts in res.listed:
            f = dataclasses.replace(facts, record=number + shift, line=facts.line + line)
            out.careful.append((f, lay.encoding_reason, ()))
        out.groups.update(res.groups)
        out.records += res.records
        line += res.newlines
        done += b - a
        if progress is not None:
            progress(done)
    return out


def xml_blocks_of(path: Path, lay, block_size: int):
    from rabiskit.facts.fastxml import xml_blocks

    return xml_blocks(path, lay, block_size)
