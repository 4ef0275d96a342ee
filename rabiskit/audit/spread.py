"""The JSON text of a long run of findings made side by side on every core.

Once the last record is read, the audit's output is a long list of findings (the
duplicates of a catalogue: a finding per member of every group), made from the
references spooled while the records streamed past, and the worker processes that read
the records have ended.  :func:`spread_texts` makes the text of consecutive parts of the
list in forked copies of this process (each holding what the parent held: the groups, the
spool's file) while this one makes the first part, and gives the parts' UTF-8 bytes back
in order, each child's read from the temporary file it wrote (opened before the fork,
already removed from its folder: nothing is left behind).

The text of each part is made by the same function (``make(lo, hi)``) as when one process
makes all of it, so the output is byte for byte the same; a child that fails (killed, out
of memory) has its part made here instead.  Only where processes can be forked (Linux)
and nothing else runs in this process (no other thread: a forked child of a process with
threads may hang on a lock one of them held); elsewhere, and for short lists, this process
makes every part.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from typing import Callable, Iterator, Sequence

from rabiskit.pipeline.forkpool import POOL_THREAD

#: items (findings) below which the text is made here, in one part: a fork's cost
#: (its page tables, the pages the child writes to) is then more than half the work
SPREAD_FROM = 20_000
#: parts at most by default (each a fork of this process)
MOST_PARTS = 8
#: bytes of text joined and encoded at a time
_PIECE = 1 << 18


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether parts can be made in forked children here: Linux, and no thread besides this
    one (the threads of a process pool shut down a moment ago given that moment to end:
    they end once its processes have)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    me = threading.current_thread()
    for t in threading.enumerate():
        if t is not me and (t.name in ("QueueFeederThread", POOL_THREAD)
                            or type(t).__module__.startswith(("concurrent.futures.",
                                                              "multiprocessing."))):
            t.join(0.5)
    return threading.active_count() == 1


def encoded(texts: Iterator[str], prefix: str) -> Iterator[bytes]:
    """Each text with ``prefix`` before it, joined and encoded as UTF-8 a few hundred
    kilobytes at a time."""
    held: list[str] = []
    size = 0
    for text in texts:
        held.append(prefix)
        held.append(text)
        size += len(text)
        if size >= _PIECE:
            yield "".join(held).encode("utf-8")
            held, size = [], 0
    if held:
        yield "".join(held).encode("utf-8")


def split(weights: Sequence[int], parts: int) -> list[tuple[int, int]]:
    """``parts`` consecutive ranges (lo, hi) of the items, each of about the same total
    weight (fewer when there are fewer items; none for none)."""
    n = len(weights)
    if not n:
        return []
    total = sum(weights)
    out: list[tuple[int, int]] = []
    lo = 0
    acc = 0
    k = 1
    for i, w in enumerate(weights):
        acc += w
        if k < parts and acc * parts >= total * k and i + 1 < n:
            out.append((lo, i + 1))
            lo = i + 1
            k += 1
    out.append((lo, n))
    return out


def spread_texts(weights: Sequence[int], make: Callable[[int, int], Iterator[str]],
                 prefix: str, *, parts: int | None = None) -> Iterator[bytes]:
    """The UTF-8 bytes of every text ``make(lo, hi)`` gives for items lo to hi (their
    ``weights``: the texts each item makes), ``prefix`` before each text, in order, the
    same whatever the parts: ``parts`` (default: the usable cores, at most ``MOST_PARTS``)
    ranges of about equal weight, the first made here, the others in forked children while
    it is."""
    count = sum(weights)
    parts = min(usable_cores(), MOST_PARTS) if parts is None else parts
    ranges = split(weights, parts) if parts > 1 and count >= SPREAD_FROM else []
    if len(ranges) < 2 or not can_fork():
        yield from encoded(make(0, len(weights)), prefix)
        return
    children: list[tuple[int, object, tuple[int, int]]] = []
    try:
        for lo, hi in ranges[1:]:
            fh = tempfile.TemporaryFile()
            pid = _fork_part(fh, make, lo, hi, prefix)
            if pid is None:  # (no fork: made here, in turn)
                fh.close()
                children.append((-1, None, (lo, hi)))
            else:
                children.append((pid, fh, (lo, hi)))
        yield from encoded(make(*ranges[0]), prefix)
        while children:
            pid, fh, (lo, hi) = children[0]
            ok = pid > 0 and os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
            children[0] = (-1, fh, (lo, hi))  # (reaped)
            if ok:
                fh.seek(0)  # type: ignore[attr-defined]
                while True:
                    data = fh.read(1 << 20)  # type: ignore[attr-defined]
                    if not data:
                        break
                    yield data
            else:
                yield from encoded(make(lo, hi), prefix)
            if fh is not None:
                fh.close()  # type: ignore[attr-defined]
            children.pop(0)
    finally:  # (left half-way: a failed write) the children still at work are ended
        for pid, fh, _range in children:
            if pid > 0:
                try:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
            if fh is not None:
                fh.close()  # type: ignore[attr-defined]


def _fork_part(fh, make, lo: int, hi: int, prefix: str) -> int | None:
    """Fork a child that writes the part's bytes to ``fh`` and exits (0: done); its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    code = 1
    try:  # the child: nothing but its part, then out without Python's exit handlers
        fd = fh.fileno()
        for data in encoded(make(lo, hi), prefix):
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        code = 0
    finally:
        os._exit(code)
