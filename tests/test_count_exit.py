"""The ``rabiskit`` program (the console script and ``python -m rabiskit``, both
``rabiskit.cli.start.main``, then ``rabiskit.cli.main.main``) ends without the
interpreter's tear-down (``end_process``): what a normal exit does still happens: the exit
status, ``atexit`` handlers, every byte of the output written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import FIXTURES, REPO

_RUN = ("import atexit, runpy, sys\n"
        "atexit.register(lambda: print('ATEXIT RAN', file=sys.stderr))\n"
        "sys.argv = ['rabiskit'] + sys.argv[1:]\n"
        "runpy.run_module('rabiskit', run_name='__main__')\n"
        "print('NOT REACHED', file=sys.stderr)\n")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=REPO)


def test_exit_status_atexit_and_output_kept():
    ok = _run("--lang", "en", "count", str(FIXTURES / "hostile.iso"), "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["records"]["read"] > 0  # the whole JSON, flushed
    assert "ATEXIT RAN" in ok.stderr and "NOT REACHED" not in ok.stderr
    bad = _run("--lang", "en", "count", str(FIXTURES / "no-such-file.iso"))
    assert bad.returncode == 2 and "no-such-file.iso" in bad.stderr
    assert "ATEXIT RAN" in bad.stderr and "Traceback" not in bad.stderr
    version = _run("--version")
    assert version.returncode == 0 and version.stdout.startswith("rabiskit ")


def test_a_message_exit_is_status_one():
    code = ("import sys\nsys.argv = ['x']\nimport rabiskit.cli.main as m\n"
            "m.end_process('stopped: a message')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       encoding="utf-8", cwd=REPO)
    assert r.returncode == 1 and r.stderr.strip() == "stopped: a message"


def test_the_console_script_ends_the_same_way():
    """The installed ``rabiskit`` command's entry point is ``rabiskit.cli.start.main``, as
    ``python -m``'s is."""
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["rabiskit"] == "rabiskit.cli.start:main"
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('ATEXIT RAN', file=sys.stderr))\n"
            "sys.argv = ['rabiskit'] + sys.argv[1:]\n"
            "from rabiskit.cli.start import main\nmain()\n"
            "print('NOT REACHED', file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", code, "--lang", "en", "count",
                        str(FIXTURES / "hostile.iso"), "--format", "json"],
                       capture_output=True, text=True, encoding="utf-8", cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["records"]["read"] > 0
    assert "ATEXIT RAN" in r.stderr and "NOT REACHED" not in r.stderr


def test_the_worker_pool_s_wake_up_is_locked():
    """The exit may wake the pool's manager thread while that thread closes the wake-up
    pipe (CPython gh-125451): the pool's wake-up holds a lock for each call, the queue
    uses that same one, and a close from another thread makes a wake-up a no-op."""
    import threading

    from rabiskit.pipeline.stdpool import WorkerPool

    pool = WorkerPool(max_workers=2)
    try:
        wakeup = pool._executor_manager_thread_wakeup
        assert hasattr(wakeup, "_guard") and pool._call_queue.thread_wakeup is wakeup
        assert pool.submit(abs, -3).result() == 3
        wakeup = type(wakeup)()  # one of the same kind, not the running pool's
        wakeup._guard.acquire()  # a wake-up under way: close must wait for it
        closer = threading.Thread(target=wakeup.close)
        closer.start()
        closer.join(0.2)
        assert closer.is_alive() and not wakeup._closed
        wakeup._guard.release()
        closer.join()
        assert wakeup._closed
        wakeup.wakeup()  # after the close: nothing written, no EBADF
    finally:
        pool.shutdown()

@pytest.mark.skipif(not hasattr(os, "fork"), reason="a forked child: this system cannot fork")
def test_a_forked_child_gets_the_wake_up_s_lock_free():
    """A wake-up's lock held in the parent when a worker is forked (an earlier pool's
    manager thread closing its pipe) is free in the child: the child's exit wakes every
    pool it inherited, and on the inherited lock it waited for ever (a suite run hung at
    its end, the parent joining that child)."""
    from rabiskit.pipeline.stdpool import _LockedWakeup

    wakeup = _LockedWakeup()
    wakeup._guard.acquire()
    try:
        pid = os.fork()
        if pid == 0:  # the child: the lock must be its own, and free
            os._exit(0 if wakeup._guard.acquire(timeout=5) else 1)
    finally:
        wakeup._guard.release()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    wakeup.close()



def test_a_run_with_workers_ends_without_a_traceback(tmp_path):
    """A block-path run (workers forced) ended by end_process, a few times: no traceback,
    status 0 (the race above made one run in a few hundred end with EBADF)."""
    src = FIXTURES / "hostile.iso"
    for _ in range(5):
        r = subprocess.run([sys.executable, "-m", "rabiskit", "--lang", "en", "count", str(src),
                            "--format", "json", "--parallel-from", "0", "--workers", "2"],
                           capture_output=True, text=True, encoding="utf-8", cwd=REPO)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("kind", ["fork", "std"])
def test_a_yielding_pool_s_workers_run_at_a_lower_priority(kind, monkeypatch):
    """An import's workers yield to the command's own process (its SQLite writes are the
    bound): their niceness is ``WORKER_NICENESS`` above this process's; a plain pool's is
    the same as this process's."""
    import os

    from rabiskit.pipeline.workers import WORKER_NICENESS, make_executor

    if kind == "std":
        monkeypatch.setenv("RABISKIT_POOL", "std")
    here = os.nice(0)
    for yielding, expected in ((True, min(here + WORKER_NICENESS, 19)), (False, here)):
        pool = make_executor(1, yielding=yielding)
        try:
            assert pool.submit(os.nice, 0).result() == expected
        finally:
            pool.shutdown()
