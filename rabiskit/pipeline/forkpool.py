"""Worker processes forked from this one (Linux): the pool ``make_executor`` gives there.

The standard library's process pool (``concurrent.futures.ProcessPoolExecutor``, still the
pool where a process cannot be forked: ``rabiskit.pipeline.stdpool``) costs a command that
reads blocks its import (``multiprocessing``'s modules: 16-27 ms on the benchmark machine,
before the first block), two threads and a queue guarded by semaphores, and it forks its
workers at the first block.  Here the workers are forked when the pool is made.  Each is
given its blocks over a pipe of its own (the function and its arguments pickled) and
answers over another.  One thread of this process reads the answers as they come, so a
worker never waits for this process to take a big answer (a block's facts); the blocks are
written to the workers without blocking either.  A worker is given at most ``DEPTH`` blocks
at a time (the one it reads and the next); the others wait here, and can be taken back
(``cancel``).

What the readers use of ``concurrent.futures.Executor`` is all there is: ``submit`` gives a
future with ``done``, ``running``, ``cancel``, ``cancelled`` and ``result`` (an exception
raised in a worker is raised there, the worker's traceback as its cause); ``shutdown``
cancels what no worker has been given and lets the workers go: each ends on the closed
pipe once its blocks are done, and their exit is waited for before the interpreter ends.
A worker that dies (killed, out of memory) fails the blocks it was given with
``WorkerLost``; the blocks waiting go to the others.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import threading
from collections import deque
from typing import Any, BinaryIO, Callable

#: blocks given to one worker at a time: the one it reads, and the next one, ready
DEPTH = 2

_LENGTH = struct.Struct("<Q")  # a task: its length, then its pickle
_ANSWER = struct.Struct("<QB")  # an answer: its length, 0 a value or 1 an exception, its pickle
_QUEUED, _GIVEN, _DONE, _CANCELLED = range(4)
_READ = 1 << 20  # bytes read from an answer pipe at a time
#: the name of the thread that reads the answers (it ends once every worker has)
POOL_THREAD = "rabiskit-pool-answers"


class WorkerLost(RuntimeError):
    """A worker process ended before it answered (killed, out of memory)."""


class Cancelled(RuntimeError):
    """The result of a block that was cancelled."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker (the cause of the one raised here)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


class BlockFuture:
    """The pending result of one ``submit``."""

    __slots__ = ("_pool", "_task", "_state", "_answer", "_error", "_value", "_worker")

    def __init__(self, pool: ForkPool, task: bytes) -> None:
        self._pool = pool
        self._task: bytes | None = task
        self._state = _QUEUED
        self._answer: tuple[int, bytes] | None = None
        self._error: BaseException | None = None
        self._value: Any = None
        self._worker: _Worker | None = None

    def done(self) -> bool:
        return self._state >= _DONE

    def cancelled(self) -> bool:
        return self._state == _CANCELLED

    def running(self) -> bool:
        """Whether a worker is reading it (the first of those it was given)."""
        with self._pool._lock:
            w = self._worker
            return self._state == _GIVEN and w is not None and bool(w.given) and w.given[0] is self

    def cancel(self) -> bool:
        """Take it back if no worker has been given it."""
        with self._pool._lock:
            if self._state == _QUEUED:
                self._pool._queue.remove(self)
                self._state, self._task = _CANCELLED, None
                self._pool._changed.notify_all()
            return self._state == _CANCELLED

    def result(self) -> Any:
        pool = self._pool
        with pool._changed:
            while self._state < _DONE:
                pool._changed.wait()
        if self._state == _CANCELLED:
            raise Cancelled("the block was cancelled")
        if self._answer is not None:  # (unpickled here, in the thread that asks)
            kind, body = self._answer
            self._answer = None
            if kind == 0:
                self._value = pickle.loads(body)
            else:
                error, text = pickle.loads(body)
                error.__cause__ = RemoteTraceback(text)
                self._error = error
        if self._error is not None:
            raise self._error
        return self._value


class _Worker:
    __slots__ = ("pid", "tasks", "answers", "given", "out", "inbox", "open")

    def __init__(self, pid: int, tasks: int, answers: int) -> None:
        self.pid = pid
        self.tasks = tasks  # the write end of its task pipe (non-blocking); -1 once closed
        self.answers = answers  # the read end of its answer pipe
        self.given: deque[BlockFuture] = deque()  # in the order it answers them
        self.out = bytearray()  # tasks not yet written to its pipe
        self.inbox = bytearray()  # an answer partly read
        self.open = True  # not ended


class ForkPool:
    """``workers`` processes forked now, each running ``initializer(*initargs)`` first."""

    parent_works = False  # see make_executor

    def __init__(self, workers: int, *, initializer: Callable[..., None] | None = None,
                 initargs: tuple = ()) -> None:
        self._max_workers = workers
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: deque[BlockFuture] = deque()
        self._workers: list[_Worker] = []
        self._shut = False
        self._pid = os.getpid()
        ours: list[int] = []  # this process's ends of the pipes, closed in each worker
        try:
            for _ in range(workers):
                task_r, task_w = os.pipe()
                answer_r, answer_w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    for fd in (*ours, task_w, answer_r):
                        os.close(fd)
                    _serve(task_r, answer_w, initializer, initargs)
                os.close(task_r)
                os.close(answer_w)
                os.set_blocking(task_w, False)
                ours += (task_w, answer_r)
                self._workers.append(_Worker(pid, task_w, answer_r))
        except OSError:
            self._shut = True
            for w in self._workers:  # (each ends on its closed pipe)
                os.close(w.tasks)
            for w in self._workers:
                os.close(w.answers)
                _reap(w.pid)
            raise
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._thread = threading.Thread(target=self._answers_loop, name=POOL_THREAD)
        self._thread.start()
        register = getattr(threading, "_register_atexit", None)  # (before threads are joined)
        if register is not None:
            register(self.shutdown)
        else:  # pragma: no cover (not CPython)
            import atexit

            atexit.register(self.shutdown)

    # -- this process's side ---------------------------------------------------------------

    def submit(self, fn: Callable[..., Any], *args: Any) -> BlockFuture:
        fut = BlockFuture(self, framed((fn, args)))
        with self._lock:
            if self._shut:
                raise RuntimeError("cannot submit a block after the pool is shut down")
            if not any(w.open for w in self._workers):
                raise WorkerLost("no worker process is left")
            self._queue.append(fut)
            blocked = self._give_all()
        if blocked:
            self._wake()
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = True) -> None:
        """Cancel the blocks no worker has been given; the workers end once theirs are done.
        Does not wait for them (``wait`` is there for ``Executor``'s signature): their exit
        is waited for before the interpreter ends."""
        if os.getpid() != self._pid:  # (a process forked from this one, ending)
            return
        with self._lock:
            if self._shut:
                return
            self._shut = True
            while self._queue:
                fut = self._queue.popleft()
                fut._state, fut._task = _CANCELLED, None
            self._changed.notify_all()
        self._wake()

    def _give_all(self) -> bool:
        """(Lock held.)  Give the queued blocks to the workers with room, the least busy
        first; whether a worker's pipe is full (the thread writes the rest)."""
        blocked = False
        while self._queue:
            free = [w for w in self._workers if w.open and len(w.given) < DEPTH]
            if not free:
                break
            w = min(free, key=lambda w: len(w.given))
            fut = self._queue.popleft()
            fut._state, fut._worker = _GIVEN, w
            w.given.append(fut)
            w.out += fut._task or b""
            fut._task = None
            blocked |= not self._write(w)
        return blocked

    def _write(self, w: _Worker) -> bool:
        """(Lock held.)  Write what the worker is due, as much as its pipe takes now;
        whether all of it was written."""
        while w.out and w.tasks >= 0:
            try:
                n = os.write(w.tasks, w.out)
            except BlockingIOError:
                return False
            except OSError:  # (it ended: its answer pipe says so to the thread)
                w.out.clear()
                break
            del w.out[:n]
        return True

    def _wake(self) -> None:
        try:
            os.write(self._wake_w, b"x")
        except (BlockingIOError, OSError):  # (a wake-up is pending already)
            pass

    # -- the thread reading the answers ----------------------------------------------------

    def _answers_loop(self) -> None:
        poll = select.poll()
        by_answers = {w.answers: w for w in self._workers}
        for fd in by_answers:
            poll.register(fd, select.POLLIN)
        poll.register(self._wake_r, select.POLLIN)
        by_tasks: dict[int, _Worker] = {}  # the task pipes being written: the pipe has room
        while by_answers:
            for fd, _ in poll.poll():
                if fd == self._wake_r:
                    try:
                        while os.read(self._wake_r, 4096):
                            pass
                    except BlockingIOError:
                        pass
                elif fd in by_answers:
                    w = by_answers[fd]
                    if not self._read_answers(w):
                        poll.unregister(fd)
                        del by_answers[fd]
                        os.close(fd)
                        _reap(w.pid)
                elif fd in by_tasks:
                    with self._lock:
                        self._write(by_tasks[fd])
            with self._lock:  # the task pipes: watched while a worker is due more, closed at the end
                for w in self._workers:
                    if w.tasks < 0:
                        continue
                    if w.out and w.tasks not in by_tasks:
                        by_tasks[w.tasks] = w
                        poll.register(w.tasks, select.POLLOUT)
                    elif not w.out and w.tasks in by_tasks:
                        del by_tasks[w.tasks]
                        poll.unregister(w.tasks)
                    if (self._shut or not w.open) and not w.out:
                        os.close(w.tasks)
                        w.tasks = -1
        with self._lock:
            for w in self._workers:
                if w.tasks >= 0:
                    os.close(w.tasks)
                    w.tasks = -1
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _read_answers(self, w: _Worker) -> bool:
        """Read what the worker has written; False when it has ended."""
        try:
            data = os.read(w.answers, _READ)
        except OSError:
            data = b""
        if not data:
            self._lost(w)
            return False
        box = w.inbox
        box += data
        done = []
        while len(box) >= _ANSWER.size:
            n, kind = _ANSWER.unpack_from(box)
            end = _ANSWER.size + n
            if len(box) < end:
                break
            done.append((kind, bytes(box[_ANSWER.size:end])))
            del box[:end]
        if done:
            with self._lock:
                for answer in done:
                    fut = w.given.popleft()
                    fut._answer, fut._state = answer, _DONE
                if not self._shut:
                    self._give_all()
                self._changed.notify_all()
        return True

    def _lost(self, w: _Worker) -> None:
        """The worker ended: the blocks it was given fail (``WorkerLost``), the others go to
        the workers left (or fail too, when none is)."""
        with self._lock:
            w.open = False
            w.out.clear()
            while w.given:
                fut = w.given.popleft()
                if self._shut:  # (the pool's end: a worker interrupted with its blocks)
                    fut._state = _CANCELLED
                else:
                    fut._error = WorkerLost(f"worker process {w.pid} ended before it answered")
                    fut._state = _DONE
            if not any(x.open for x in self._workers):
                while self._queue:
                    fut = self._queue.popleft()
                    fut._task, fut._error = None, WorkerLost("no worker process is left")
                    fut._state = _DONE
            elif not self._shut:
                self._give_all()
            self._changed.notify_all()


def framed(message: object) -> bytes:
    """A message as the pipes carry it (a task here, and the head start's calls and answers,
    ``rabiskit.cli.headstart``): its pickle's length, then the pickle."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def read_framed(f: BinaryIO) -> Any:
    """The next ``framed`` message of ``f``, None at the end of the pipe."""
    head = f.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (n,) = _LENGTH.unpack(head)
    data = f.read(n)
    if len(data) < n:
        return None
    return pickle.loads(data)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


# -- a worker's side -----------------------------------------------------------------------

def _serve(task_r: int, answer_w: int, initializer: Callable[..., None] | None,
           initargs: tuple) -> None:
    """A worker: run each task it is given, answer it, end on the closed pipe (never
    returns)."""
    status = 0
    try:
        if initializer is not None:
            initializer(*initargs)
        with os.fdopen(task_r, "rb") as tasks, os.fdopen(answer_w, "wb") as answers:
            while (task := read_framed(tasks)) is not None:
                try:
                    fn, args = task
                    kind, data = 0, pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as e:
                    kind, data = 1, _pickled_error(e)
                answers.write(_ANSWER.pack(len(data), kind))
                answers.write(data)
                answers.flush()
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:  # (the pool is gone)
        status = 0
    except BaseException:
        status = 1
    os._exit(status)


def _pickled_error(e: Exception) -> bytes:
    import traceback

    text = "".join(traceback.format_exception(e))
    try:
        return pickle.dumps((e, text), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # (an exception that cannot be pickled: its type and message)
        return pickle.dumps((RuntimeError(f"{type(e).__name__}: {e}"), text),
                            protocol=pickle.HIGHEST_PROTOCOL)
