"""The standard library's process pool, as the readers use it: the pool of
``rabiskit.pipeline.workers.make_executor`` where a process cannot be forked (Windows,
macOS), or with ``RABISKIT_POOL=std``.  On Linux ``rabiskit.pipeline.forkpool`` is used: it
costs no ``multiprocessing`` import."""

from __future__ import annotations

import os
import threading
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import _ThreadWakeup


class WorkerPool(ProcessPoolExecutor):
    """The worker processes of a run.  ``shutdown`` does not wait for them to exit: once
    every block's result is in, the command goes on (its tally, its output) while they
    end; queued blocks not started are cancelled (a run stopped by an error).  Their exit
    is still waited for before the interpreter ends."""

    parent_works = False  # see make_executor

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _guard_wakeup(self)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=True)


class _LockedWakeup(_ThreadWakeup):
    """A pool's wake-up pipe whose calls hold a lock.

    CPython up to 3.12.7 (gh-125451) lets the interpreter's exit wake a pool's manager
    thread (``_python_exit``) while that thread, done after ``shutdown(wait=False)``,
    closes the pipe: the write then fails with EBADF, seen as a traceback at the end of a
    run that was otherwise complete.  Later versions lock the three calls; this does the
    same with a lock of its own, made anew in a forked child (``_new_guards``)."""

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.Lock()
        _WAKEUPS.add(self)

    def close(self) -> None:
        with self._guard:
            super().close()

    def wakeup(self) -> None:
        with self._guard:
            super().wakeup()

    def clear(self) -> None:
        with self._guard:
            super().clear()


#: the live ``_LockedWakeup``s of this process
_WAKEUPS: "weakref.WeakSet[_LockedWakeup]" = weakref.WeakSet()


def _new_guards() -> None:
    """In a forked child (a pool's worker): a fresh lock for each wake-up pipe.  Another
    thread of the parent (an earlier pool's manager thread, ending) may have held one when
    the child was forked, and the child's exit (``_python_exit``) wakes every pool it
    inherited: on the inherited lock it would wait for ever, and so would the parent's
    manager thread waiting for the child."""
    for wakeup in list(_WAKEUPS):
        wakeup._guard = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_guards)


def _guard_wakeup(pool: ProcessPoolExecutor) -> None:
    """Give the pool a ``_LockedWakeup`` (no thread of the pool has started yet: nothing
    has been submitted); left as it is where the pool is not built as expected."""
    old = getattr(pool, "_executor_manager_thread_wakeup", None)
    queue = getattr(pool, "_call_queue", None)
    if not isinstance(old, _ThreadWakeup) or getattr(queue, "thread_wakeup", None) is not old:
        return
    wakeup = _LockedWakeup()
    pool._executor_manager_thread_wakeup = wakeup  # type: ignore[attr-defined]
    queue.thread_wakeup = wakeup  # type: ignore[union-attr]
    old.close()  # type: ignore[union-attr]
