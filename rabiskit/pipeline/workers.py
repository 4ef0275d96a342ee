"""Reading on every core: ISO 2709 files and MARCXML collections cut into blocks at record
boundaries, read in worker processes (ISO 2709 by the block path, ``rabiskit.facts.fast``;
MARCXML by the one MARCXML reader, ``rabiskit.sources.marcxml.read_xml_block``), merged in
file order.  The blocks of all the inputs form one stream,
so one big file and many small ones both keep every core busy.

The results do not depend on the number of workers or the block size: blocks are cut
only right after a record terminator that is followed by a well-formed leader (where the
careful reader would also start a record), results are merged in block order, and
record numbers are renumbered from each block's first record.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

import numpy as np

from rabiskit.facts.fast import (ChunkResult, analyse_block, careful_entry, facts_from_tuple,
                                 relabel_languages, relabel_operators)
from rabiskit.pipeline.sizes import BLOCK_SIZE, MIN_FAST_SIZE  # noqa: F401 (also from here)
from rabiskit.facts.model import RecordFacts
from rabiskit.records import Problem
from rabiskit.rules.engine import DEFAULT_RULES
from rabiskit.sources.iso2709 import looks_like_start

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from rabiskit.pipeline.forkpool import ForkPool

# a block may grow to this many block sizes while no cut is found; beyond, the file is left
# to the careful reader (the fast path's arrays grow with the block)
MAX_BLOCKS = 4
_RT_RUN = re.compile(rb"\x1d+")


def block_bounds(path: Path, size: int, block_size: int = BLOCK_SIZE) -> list[tuple[int, int]] | None:
    """[(start, end)] covering the file, each cut right after a record terminator that is
    followed by a record start; None when no such cut is found within ``MAX_BLOCKS`` block
    sizes (a file that is not a run of records: the careful reader, whose memory stays
    flat, reads it)."""
    cuts = [0]
    with path.open("rb") as fh:
        target = block_size
        while target < size:
            found = None
            look = 1 << 12  # a record's end is near: a small read first, then bigger ones
            while found is None and target + 1 < size:
                if target - cuts[-1] > MAX_BLOCKS * block_size:
                    return None
                fh.seek(target)
                window = fh.read(look + 64)
                p = window.find(b"\x1d")
                while p != -1 and p < look:
                    if window[p + 1:p + 2] == b"\x1d":
                        run = _RT_RUN.match(window, p)
                        assert run is not None
                        p = run.end() - 1  # a run of terminators
                        continue
                    if looks_like_start(window, p + 1) or target + p + 1 == size:
                        found = target + p + 1
                        break
                    p = window.find(b"\x1d", p + 1)
                if found is None:
                    if len(window) < look:
                        break
                    target += look
                    look = 1 << 16
            if found is None or found >= size:
                break
            cuts.append(found)
            target = found + block_size
    if size - cuts[-1] > MAX_BLOCKS * block_size + block_size:
        return None
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _read_block(path: str, start: int, end: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(start)
        return fh.read(end - start)


def _work(path: str, start: int, end: int, display: str, db_level: str | None,
          encoding: str | None, flavour: str | None, rules, careful_tags, operator,
          extract, careful_dated, linked_tags=frozenset()) -> ChunkResult:
    """One block, read by the worker itself from the file (no bytes through a pipe)."""
    return analyse_block(_read_block(path, start, end), start, display=display, db_level=db_level,
                         rules=rules, encoding=encoding, flavour=flavour,
                         careful_tags=careful_tags, operator=operator, extract=extract,
                         careful_dated=careful_dated, linked_tags=linked_tags)


@dataclass
class FastFileResult:
    records: int = 0
    # ISO 2709: the distinct group keys and their records (rabiskit.facts.fast)
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    careful: list[tuple[RecordFacts, str, tuple, object]] = field(default_factory=list)  # facts, reason, problems, extra
    #: the settled records holding a ``FastFile.linked_tags`` field: facts, extra
    linked: list[tuple[RecordFacts, object]] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    size: int = 0
    settled: int = 0  # records the block path settled (ISO 2709) or read plainly (MARCXML)
    #: what the language bits of ``keys`` index (shared by the files of one run)
    languages: list[tuple[str, bool]] = field(default_factory=list)
    #: with an operator field: the settled records by cataloguer (see ChunkResult)
    op_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    op_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    operators: list[str] = field(default_factory=list)


def _renumber_problem(p: Problem, shift: int, lines: int = 0) -> Problem:
    if not shift and not lines:
        return p
    return dataclasses.replace(p, record=None if p.record is None else p.record + shift,
                               line=None if p.line is None else p.line + lines)


def renumber(facts: RecordFacts, problems: tuple, shift: int, lines: int = 0) -> tuple[RecordFacts, tuple]:
    """A block's record renumbered in its file: ``shift`` records and (MARCXML) ``lines``
    lines come before the block."""
    if shift == 0 and lines == 0:
        return facts, problems
    f = dataclasses.replace(facts, record=facts.record + shift,
                            line=None if facts.line is None else facts.line + lines)
    return f, tuple(_renumber_problem(p, shift, lines) for p in problems)


@dataclass(frozen=True)
class FastFile:
    """An input for the fast path: an ISO 2709 file or a MARC 21 slim collection."""

    path: Path
    display: str
    kind: str  # "iso2709" or "marcxml"
    db_level: str | None = None
    encoding: str | None = None
    flavour: str | None = None
    rules: tuple = DEFAULT_RULES  # the plan's rules in force
    careful_tags: frozenset = frozenset()  # see analyse_block
    operator: tuple[str, str] | None = None
    extract: Callable | None = None
    careful_dated: object = None  # (first day, last day): see analyse_block
    linked_tags: frozenset = frozenset()  # see analyse_block


class _FileMerge:
    """One file's block results, merged in block order."""

    def __init__(self, f: FastFile, size: int, languages: dict | None = None,
                 operators: dict | None = None) -> None:
        self.file = f
        self.languages = languages if languages is not None else {}
        self.operators = operators if operators is not None else {}
        self.op_keys = KeyCounts()
        self.out = FastFileResult(size=size)
        self.keys = KeyCounts()
        self.lines = 0  # MARCXML: the newlines of the blocks merged so far
        self.done = 0
        self.failed = False  # a block needs the careful reader: the whole file does
        self.consume: Callable | None = None  # see fast_count_files

    def add(self, res, nbytes: int, progress: Callable[[int, str], None] | None) -> None:
        if res is None:  # a MARCXML block that cannot be read on its own
            self.failed = True
            return
        out = self.out
        shift = out.records
        for entry in _in_record_order(res.careful, res.linked):
            if len(entry) == 3:  # settled (ISO 2709), with a linked_tags field
                f = facts_from_tuple(entry[1], shift)
                if self.consume is not None:
                    self.consume(f, None, (), entry[2])
                else:
                    out.linked.append((f, entry[2]))
                continue
            _, facts, reason, problems, extra = entry
            f, ps = renumber(facts, problems, shift, self.lines)
            if self.consume is not None:
                self.consume(f, reason, ps, extra)
            else:
                out.careful.append((f, reason, ps, extra))
        self.keys.add(relabel_languages(res.keys, res.languages, self.languages), res.counts)
        if res.op_keys.size:
            ok = relabel_languages(res.op_keys, res.languages, self.languages)
            self.op_keys.add(relabel_operators(ok, res.operators, self.operators), res.op_counts)
        out.settled += res.settled
        out.file_problems.extend(_renumber_problem(p, shift, self.lines) for p in res.file_problems)
        self.lines += res.newlines
        out.records += res.records
        self.done += nbytes
        if progress is not None:
            progress(self.done, self.file.display)

    def result(self) -> FastFileResult | None:
        if self.failed:
            return None
        self.out.keys, self.out.counts = self.keys.total()
        self.out.languages = list(self.languages)
        self.out.op_keys, self.out.op_counts = self.op_keys.total()
        self.out.operators = list(self.operators)
        return self.out


def _prepare(f: FastFile, block_size: int, languages: dict, operators: dict) -> tuple[_FileMerge, list[tuple]]:
    """The file's merge state and its blocks as tasks (function, arguments, bytes); a file
    that cannot be cut into blocks gets a failed state and no tasks (the careful reader
    reads it whole)."""
    size = f.path.stat().st_size
    merge = _FileMerge(f, size, languages=languages, operators=operators)
    if f.kind == "iso2709":
        bounds = block_bounds(f.path, size, block_size)
        work: Callable = _work
    else:
        from rabiskit.sources.marcxml import xml_block_bounds

        bounds = xml_block_bounds(f.path, size, block_size, encoding=f.encoding)
        work = _xml_work
    if bounds is None:
        merge.failed = True
        return merge, []
    tasks = [(work, (str(f.path), a, b, f.display, f.db_level, f.encoding, f.flavour, f.rules,
                     f.careful_tags, f.operator, f.extract, f.careful_dated, f.linked_tags), b - a)
             for a, b in bounds]
    return merge, tasks


def fast_count_files(files: Sequence[FastFile], *, executor: Executor | None = None,
                     block_size: int = BLOCK_SIZE,
                     progress: Callable[[int, str], None] | None = None,
                     consumers: Sequence[Callable | None] | None = None,
                     ) -> Iterator[FastFileResult | None]:
    """Read the files with the fast path and yield their results one by one, in order (None
    for a file that needs the careful reader: nothing of it is half-counted).

    ``consumers[i]`` (for the ISO 2709 files, whose blocks are never read again) takes the
    careful reader's records of file ``i`` as each block is merged, ``(facts, reason,
    problems, extra)``, instead of their being kept in its result: memory stays flat
    however many of a file's records the careful reader reads.

    With ``executor`` the blocks of all the files go through the worker processes as one
    stream, a few blocks ahead of the file being merged: a big file keeps every core busy,
    and so do many small ones.  An executor of ``make_executor(..., parent_works=True)``
    has one worker fewer than the processes reading: this process reads blocks too, the
    next ones of the stream whenever the block due to be merged is not ready.  Without, they
    are read in this process."""
    workers = (getattr(executor, "_max_workers", 2) or 2) if executor is not None else 0
    helps = executor is not None and getattr(executor, "parent_works", False)
    # blocks queued in the pool: with this process reading too, enough that a worker has
    # the next ones while this process reads one and merges (a report's merging of its
    # linked records takes a few milliseconds a block); where it has nothing new to read
    # (the stream's end, the window full) it takes back a queued block no worker has
    # started rather than wait (``steal``)
    ahead = AHEAD * workers if helps else max(1, 4 * workers)
    window = ahead + (4 if helps else 0)  # blocks read and not yet merged
    # (before the pool forks: its workers inherit the setting; this process reads blocks too)
    keep_freed_memory()
    merges: dict[int, _FileMerge] = {}
    languages: dict = {}  # the first languages of the whole run (see relabel_languages)
    operators: dict = {}  # and the cataloguers (relabel_operators)

    def stream():
        for i, f in enumerate(files):
            merge, tasks = _prepare(f, block_size, languages, operators)
            if consumers is not None and f.kind == "iso2709":
                merge.consume = consumers[i]
            merges[i] = merge
            if not tasks:
                yield i, None, (), 0, True
            for j, (fn, args, nbytes) in enumerate(tasks):
                yield i, fn, args, nbytes, j == len(tasks) - 1

    # each pending block: [file, function (None: nothing to run), arguments, future, bytes,
    # last of its file, result (read here; _NOT_READ: not yet)]
    pending: deque = deque()
    queued = 0  # blocks in the pool not yet merged
    tasks = stream()
    exhausted = False

    def take(to_pool: bool) -> bool:
        """The stream's next block into ``pending``: into the pool, or (``to_pool``
        False) read here now.  False when the stream is exhausted."""
        nonlocal queued, exhausted
        task = next(tasks, None)
        if task is None:
            exhausted = True
            return False
        i, fn, args, nbytes, last = task
        run = fn is not None and not merges[i].failed
        fut, res = None, _NOT_READ
        if run and executor is not None and to_pool:
            fut = executor.submit(fn, *args)
            queued += 1
        elif run and executor is not None:
            res = fn(*args)
        pending.append([i, fn if run else None, args, fut, nbytes, last, res])
        return True

    def fill() -> None:
        while not exhausted and len(pending) < window and (executor is None and not pending
                                                            or executor is not None and queued < ahead):
            take(True)

    def steal() -> bool:
        """The last block queued in the pool that no worker has started: taken back
        (cancelled there) and read here.  False when every queued block is started."""
        nonlocal queued
        for item in reversed(pending):
            fut = item[3]
            if fut is not None and fut.cancel():
                queued -= 1
                item[3] = None
                item[6] = item[1](*item[2])
                return True
        return False

    # (no first block read here before the pool forks: a worker then sat idle, and its own
    # first block cost as much anyway, its memory copied on write: 5 % more wall time)
    fill()
    while True:
        head = pending[0] if pending else None
        waiting = head is not None and head[3] is not None and not head[3].done()
        if helps and (head is None or waiting) and not exhausted and len(pending) < window:
            take(False)  # the block due is not ready: read the next one here meanwhile
            continue
        if helps and waiting and steal():
            continue  # (nothing new to read here: a block the pool had not started)
        if head is None:
            if exhausted:
                break
            fill()
            continue
        i, fn, args, fut, nbytes, last, res = pending.popleft()
        if fut is not None:
            queued -= 1
        merge = merges[i]
        if fn is not None and not merge.failed:
            if fut is not None:
                res = fut.result()
            elif res is _NOT_READ:
                res = fn(*args)
            merge.add(res, nbytes, progress)
        fill()
        if last:
            yield merge.result()
            del merges[i]


_NOT_READ = object()  # a pending block's result, not read yet
#: blocks queued per worker when this process reads blocks too (``fast_count_files``)
AHEAD = 4


class KeyCounts:
    """The blocks' group keys and counts, summed as arrays: the keys met so far sorted with
    their sums, a block's keys found among them at once (``searchsorted``: a file's blocks
    repeat the same few thousand keys), the new ones kept aside and folded in now and then,
    so memory stays flat however long the file and the run's end has no big sort left."""

    def __init__(self, fold_at: int = 1 << 18) -> None:
        self.known = np.zeros(0, dtype=np.int64)  # sorted, distinct
        self.sums = np.zeros(0, dtype=np.int64)
        self.keys: list[np.ndarray] = []  # keys not among ``known`` yet, and their counts
        self.counts: list[np.ndarray] = []
        self.pending = 0
        self.fold_at = fold_at

    @property
    def size(self) -> int:
        """Keys held: the distinct ones folded in and those kept aside."""
        return int(self.known.size) + self.pending

    def add(self, keys: np.ndarray, counts: np.ndarray) -> None:
        if not keys.size:
            return
        if self.known.size:
            pos = np.minimum(np.searchsorted(self.known, keys), self.known.size - 1)
            hit = self.known[pos] == keys
            np.add.at(self.sums, pos[hit], counts[hit])
            if hit.all():
                return
            keys, counts = keys[~hit], counts[~hit]
        self.keys.append(keys)
        self.counts.append(counts)
        self.pending += keys.size
        if self.pending > max(1024, self.known.size) or self.size > self.fold_at:
            self._fold()

    def _fold(self) -> None:
        if not self.keys:
            return
        k = np.concatenate([self.known, *self.keys])
        c = np.concatenate([self.sums, *self.counts])
        uk, inv = np.unique(k, return_inverse=True)
        self.known = uk
        self.sums = np.bincount(inv.reshape(-1), weights=c, minlength=uk.size).astype(np.int64)
        self.keys, self.counts, self.pending = [], [], 0

    def total(self) -> tuple[np.ndarray, np.ndarray]:
        self._fold()
        return self.known.copy(), self.sums.copy()


def make_executor(workers: int | None = None, *, parent_works: bool = False,
                  yielding: bool = False):
    """The pool of ``workers`` processes (default: one per core); with ``parent_works``
    (``fast_count_files`` reads blocks in this process too) one fewer, at least one.  With
    ``yielding`` the workers run at a lower priority (``WORKER_NICENESS``): for a command
    whose own process is its bound (an import's SQLite writes), which then gets a core
    whenever it can run, the workers filling in around it.

    On Linux the workers are forked at once (``rabiskit.pipeline.forkpool.ForkPool``: no
    ``multiprocessing``); elsewhere, or with ``RABISKIT_POOL=std``, the standard library's
    process pool (``rabiskit.pipeline.stdpool.WorkerPool``).  Both give the same results."""
    n = workers or os.cpu_count() or 1
    size = max(1, n - 1) if parent_works else n
    initargs = (WORKER_NICENESS if yielding else 0,)
    pool: Executor | ForkPool
    if sys.platform.startswith("linux") and hasattr(os, "fork") and os.environ.get(POOL_SWITCH) != "std":
        from rabiskit.pipeline.forkpool import ForkPool

        pool = ForkPool(size, initializer=_start_worker, initargs=initargs)
    else:
        from rabiskit.pipeline.stdpool import WorkerPool

        pool = WorkerPool(max_workers=size, initializer=_start_worker, initargs=initargs)
    pool.parent_works = parent_works  # type: ignore[union-attr]
    return pool


#: ``RABISKIT_POOL=std``: the standard library's process pool on Linux too
POOL_SWITCH = "RABISKIT_POOL"
#: how much lower a ``yielding`` pool's workers run (``os.nice``): measured on the import of
#: the 200,000-record benchmark file, paired runs, the wall time 0.97 with 5, 0.94 with 10
WORKER_NICENESS = 10


def _start_worker(niceness: int) -> None:
    keep_freed_memory()
    if niceness and hasattr(os, "nice"):
        try:
            os.nice(niceness)
        except OSError:
            pass


#: glibc's mallopt parameters
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory() -> None:
    """Let the C allocator keep the memory of a block's big arrays for the next block.

    glibc gives an allocation of more than its threshold (128 KB to start with) its own
    pages and returns them to the system when the array is freed, so every block's arrays
    (the block, its padded copy, one flag per byte...) page-fault their memory afresh:
    measured, 40% of a block's time, all of it system time.  With the thresholds above a
    block's arrays they come from the heap and are reused; the peak memory is the same
    (one block's arrays at a time).  A no-op where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest
    mallopt(_M_TRIM_THRESHOLD, 128 << 20)


def _xml_work(path: str, start: int, end: int, display: str, db_level: str | None,
              encoding: str | None, flavour: str | None, rules, careful_tags, operator,
              extract, careful_dated, linked_tags=frozenset()) -> ChunkResult | None:
    """One block of a MARCXML file, read by the one MARCXML reader (``read_xml_block``) in
    the worker; every record's facts as the careful path gives them.  None when the block
    cannot be read on its own (the file is then read whole)."""
    from rabiskit.sources.marcxml import BlockNotReadable, read_xml_block

    try:
        block = read_xml_block(path, start, end, encoding=encoding, flavour=flavour, display=display)
    except BlockNotReadable:
        return None
    res = ChunkResult(records=len(block.records), newlines=block.newlines)
    res.careful = [careful_entry(src, rules, db_level, extract) for src in block.records]
    res.file_problems = [p for p in block.problems if p.record is None]
    return res


def fast_count_xml_file(path: Path, display: str, *, db_level: str | None, flavour: str | None,
                        executor: Executor | None = None, block_size: int = BLOCK_SIZE,
                        progress: Callable[[int, str], None] | None = None) -> FastFileResult | None:
    """Read a MARCXML file in blocks; None when it needs to be read whole (nothing is
    half-counted: the caller then reads it carefully)."""
    f = FastFile(path, display, "marcxml", db_level, None, flavour)
    return next(fast_count_files([f], executor=executor, block_size=block_size, progress=progress))


def _in_record_order(careful: list, linked: list) -> list:
    """A block's carefully read records (5-tuples) and its settled ones with a linked field
    (3-tuples) in record order (each list is in order)."""
    if not linked:
        return careful
    if not careful:
        return linked
    import heapq

    return list(heapq.merge(careful, linked, key=lambda e: e[0]))
