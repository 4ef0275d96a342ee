"""A head start for a command that reads a big export: its library call in a helper process
forked before the program has read its own command line.

Before ``rabiskit count`` reads its first record, some 0.1 s go by on one core while the
others wait: the interpreter, typer, the command line and the plan (about 0.06 s), then
numpy, the block reader and the worker pool (about 0.05 s).  The second part does not
depend on the first.  So the program's first step (``rabiskit.cli.start``, before typer is
imported) is ``start``: when the command line names a command listed in ``WARM``, a helper
process is forked, and it imports what that command's library call needs while this
process imports typer, reads the command line and loads the plan.  The command then hands
its library call to the helper (``call``: the function and its arguments pickled, the
answer pickled back, the reading's progress forwarded as it comes) and the helper's worker
processes are forked from it, numpy already loaded; this process imports neither numpy
nor the block reader.  A command that does not use the helper (a small input, ``--ledger``,
an error in its arguments) lets it go (``release``, also at the program's end).

Measured on the 200,000-record benchmark file (16-20 runs each way, in turn), the wall
time against the same command without the helper: count 0.91, facts 0.96 (the reading
waits for pyarrow's import too), export to MARCXML 0.94.  Only a call whose answer is
small gains: the answer of ``report`` (its scan, with the documents of the linked records)
and of ``digitisation`` (the table of every linked record, 3.8 MB pickled) take longer to
pickle and read back than the head start saves (1.4 and 1.5 times the wall time), so those
commands read their inputs in the program.

No helper is started where the system cannot fork (Windows), beside other threads, for
``--help``, or when ``RABISKIT_HEADSTART=0`` is set (the same numbers either way: the
helper runs the same library call).  The helper ends with the program: it is sent the
program's interrupt (Ctrl+C), and on Linux the system ends it if the program dies first.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
from typing import Any, BinaryIO, Callable

#: per command: the modules its library call imports (the helper imports them at once)
WARM: dict[str, tuple[str, ...]] = {
    "count": ("numpy", "rabiskit.pipeline.forkpool", "rabiskit.facts.fast",
              "rabiskit.pipeline.workers", "rabiskit.pipeline.count"),
    "export": ("numpy", "rabiskit.pipeline.forkpool", "rabiskit.facts.fast",
               "rabiskit.pipeline.workers", "rabiskit.pipeline.records",
               "rabiskit.export.exchange"),
    "facts": ("numpy", "pyarrow", "pyarrow.parquet", "rabiskit.pipeline.forkpool",
              "rabiskit.facts.fast", "rabiskit.facts.batches", "rabiskit.pipeline.workers",
              "rabiskit.pipeline.records", "rabiskit.export.facts_table"),
}
#: ``RABISKIT_HEADSTART=0``: no helper (the library calls run in the program's process)
SWITCH = "RABISKIT_HEADSTART"
#: how long the program waits for an interrupted helper to end before it kills it
INTERRUPT_WAIT = 5.0


def one_blas_thread() -> None:
    """numpy's BLAS (OpenBLAS) starts a thread per core when numpy is imported, and that
    thread spins for a while waiting for matrix work rabiskit never gives it: measured on 2
    cores, 0.1 s of CPU taken from the worker processes of every run (a count of 200,000
    records: 0.63-0.68 s, 0.47-0.50 s with one BLAS thread).  Set before anything imports
    numpy (the helper's numpy too); a value the user set is kept."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class _Helper:
    def __init__(self, pid: int, to_helper: BinaryIO, from_helper: BinaryIO) -> None:
        self.pid = pid
        self.to_helper = to_helper
        self.from_helper = from_helper

    def end(self, interrupt: bool = False) -> None:
        """Close the pipes and wait for the helper to end: at once when it has answered or
        has not been given a call (it ends on the closed pipe), after ``INTERRUPT_WAIT``
        seconds at most when it was interrupted (then it is killed)."""
        for f in (self.to_helper, self.from_helper):
            try:
                f.close()
            except OSError:
                pass
        if interrupt:
            _signal(self.pid, signal.SIGINT)
            deadline = time.monotonic() + INTERRUPT_WAIT
            while time.monotonic() < deadline:
                if _reaped(self.pid):
                    return
                time.sleep(0.01)
            _signal(self.pid, signal.SIGKILL)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


_helper: _Helper | None = None  # forked, not given a call yet
_answered: list[_Helper] = []  # given a call and answered: ending on their own


def active() -> bool:
    """Whether a helper is waiting for a call."""
    return _helper is not None


def worth_it(inputs, workers: int | None, min_fast_size: int | None) -> bool:
    """Whether a call reading ``inputs`` (``rabiskit.facts.scan.Input``) is worth the
    helper: more than one process
    reads (``workers``) and they hold at least ``min_fast_size`` bytes (default
    ``MIN_FAST_SIZE``, below which the block path does not start, nor the worker pool: a
    small input is read at once, here)."""
    from rabiskit.pipeline.sizes import MIN_FAST_SIZE

    if workers == 1:
        return False
    total = 0
    for inp in inputs:
        try:
            total += os.stat(inp.path).st_size
        except OSError:
            pass
    return total >= (MIN_FAST_SIZE if min_fast_size is None else min_fast_size)


def start(argv: list[str]) -> None:
    """Fork the helper when the command line ``argv`` names a command of ``WARM`` (see the
    module); a no-op elsewhere."""
    global _helper
    if _helper is not None or not hasattr(os, "fork") or os.environ.get(SWITCH) == "0":
        return
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return  # (a fork beside other threads may copy a lock one of them holds)
    from rabiskit.cli.argv import LangError, command_of

    words = argv[:argv.index("--")] if "--" in argv else argv
    if "--help" in words or "-h" in words:
        return  # (a help page reads no export)
    try:
        warm = WARM.get(command_of(argv) or "")
    except LangError:
        return
    if not warm:
        return
    one_blas_thread()
    to_r, to_w = os.pipe()
    from_r, from_w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        for fd in (to_r, to_w, from_r, from_w):
            os.close(fd)
        return
    if pid == 0:  # the helper
        os.close(to_w)
        os.close(from_r)
        _no_standard_streams()
        _serve(to_r, from_w, warm)
    os.close(to_r)
    os.close(from_w)
    _helper = _Helper(pid, os.fdopen(to_w, "wb"), os.fdopen(from_r, "rb"))


def release() -> None:
    """Let the helper go: one not given a call is ended at once (its imports finished or
    not); one that answered is waited for while it ends its worker pool."""
    global _helper
    helper, _helper = _helper, None
    if helper is not None:
        _signal(helper.pid, signal.SIGKILL)  # (it holds nothing: it was given no call)
        helper.end()
    while _answered:
        _answered.pop().end()


def call(fn: Callable[..., Any], *args: Any, use: bool = True,
         progress: Callable[[int, str], None] | None = None, **kwargs: Any) -> Any:
    """``fn(*args, progress=progress, **kwargs)``: in the helper when there is one and
    ``use`` is true, else here.  An exception ``fn`` raises is raised here; a helper that
    ends without an answer (killed, out of memory) leaves the call to this process."""
    global _helper
    if _helper is None or not use:
        release()
        return fn(*args, progress=progress, **kwargs)
    helper, _helper = _helper, None
    try:
        _send(helper.to_helper, (fn, args, kwargs, progress is not None))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        _signal(helper.pid, signal.SIGKILL)
        helper.end()
        return fn(*args, progress=progress, **kwargs)
    try:
        while True:
            message = _receive(helper.from_helper)
            if message is None or message[0] != "progress":
                break
            if progress is not None:
                progress(message[1], message[2])
    except BaseException:  # (Ctrl+C, or the progress display failed): the helper too
        helper.end(interrupt=True)
        raise
    if message is None:  # the helper ended without an answer: the call is done here
        helper.end()
        return fn(*args, progress=progress, **kwargs)
    _answered.append(helper)  # (waited for at the program's end: see release)
    if message[0] == "error":
        raise message[1]
    return message[1]


# -- the helper's side ---------------------------------------------------------------------

def _serve(in_fd: int, out_fd: int, warm: tuple[str, ...]) -> None:
    """The helper: import ``warm``, run the one call it is given, send its answer, end."""
    import importlib

    from rabiskit.cli import collector
    from rabiskit.cli.ending import end_process

    status = 0
    try:
        for name in warm:
            importlib.import_module(name)
        _end_with_program()  # (after them: numpy has imported ctypes)
        collector.release()  # (held by rabiskit.cli.start before the fork)
        with os.fdopen(in_fd, "rb") as inp, os.fdopen(out_fd, "wb") as out:
            job = _receive(inp)
            if job is not None:
                fn, args, kwargs, wants_progress = job
                if wants_progress:
                    kwargs["progress"] = lambda n, file: _send(out, ("progress", n, file))
                try:
                    answer: tuple = ("done", fn(*args, **kwargs))
                except Exception as e:  # (an interrupt ends the helper: see below)
                    answer = ("error", e)
                try:
                    _send(out, answer)
                except (pickle.PicklingError, TypeError, AttributeError) as e:
                    _send(out, ("error", RuntimeError(f"{type(e).__name__}: {e}")))
                # answered: what is left is to end the worker pool (an interrupt now would
                # leave its processes behind)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        status = 130
    except BaseException:  # (the program reads the closed pipe and does the call itself)
        status = 1
    end_process(status)  # the worker pool's threads joined, nothing torn down


def _end_with_program() -> None:
    """On Linux: the helper is interrupted when the program dies (a program killed outright
    gets no chance to end it)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGINT), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the program died before the request
        raise KeyboardInterrupt


def _no_standard_streams() -> None:
    """The helper's standard streams on the null device: it writes nothing (the program
    reports what the call found, and reads the call again itself where the helper fails)."""
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in (0, 1, 2):
        try:
            os.dup2(null, fd)
        except OSError:
            pass
    os.close(null)


# -- messages: a length and a pickle ---------------------------------------------------------

def _send(f: BinaryIO, message: object) -> None:
    from rabiskit.pipeline.forkpool import framed

    f.write(framed(message))
    f.flush()


def _receive(f: BinaryIO) -> Any:
    """The next message, None at the end of the pipe."""
    from rabiskit.pipeline.forkpool import read_framed

    return read_framed(f)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reaped(pid: int) -> bool:
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return done == pid
