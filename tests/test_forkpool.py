"""The fork pool of Linux (``rabiskit.pipeline.forkpool.ForkPool``): answers in order of
asking whatever their size, exceptions with the worker's traceback, cancelling, a worker
that dies, the end of the pool, and no ``multiprocessing`` imported by a count."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import FIXTURES, REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork pool is Linux's")

from rabiskit.pipeline.forkpool import DEPTH, Cancelled, ForkPool, RemoteTraceback, WorkerLost  # noqa: E402


def _square(x: int) -> int:
    return x * x


def _big(n: int) -> bytes:
    return bytes(range(256)) * (n // 256)


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def _die() -> None:
    os._exit(9)


class _Unpicklable:
    def __reduce__(self):
        raise TypeError("not this one")


def _unpicklable() -> _Unpicklable:
    return _Unpicklable()


def test_answers_come_to_their_futures_whatever_their_size():
    pool = ForkPool(2)
    try:
        futures = [pool.submit(_square, i) for i in range(50)]
        assert [f.result() for f in futures] == [i * i for i in range(50)]
        # answers bigger than a pipe holds (64 KB), several given to a worker at a time
        sizes = [3 << 20, 1 << 10, 5 << 20, 200 << 10] * 3
        big = [pool.submit(_big, n) for n in sizes]
        for f, n in zip(big, sizes):
            got = f.result()
            assert len(got) == n - n % 256 and got[:256] == bytes(range(256))
    finally:
        pool.shutdown()


def test_every_worker_takes_blocks_and_none_is_given_more_than_depth():
    pool = ForkPool(2)
    try:
        futures = [pool.submit(_sleep, 0.05) for _ in range(8)]
        time.sleep(0.02)
        given = sum(1 for f in futures if f._state == 1)  # (given to a worker, not done)
        assert given <= 2 * DEPTH
        assert sum(1 for f in futures if f.running()) == 2
        pids = {f.result() for f in futures}
        assert len(pids) == 2 and os.getpid() not in pids
    finally:
        pool.shutdown()


def test_an_exception_in_a_worker_is_raised_here_with_its_traceback():
    pool = ForkPool(1)
    try:
        with pytest.raises(ValueError, match="bad block") as info:
            pool.submit(_fail, "bad block").result()
        assert isinstance(info.value.__cause__, RemoteTraceback)
        assert "_fail" in str(info.value.__cause__)
        # an answer that cannot be pickled: an error, and the worker goes on
        with pytest.raises(TypeError, match="not this one"):
            pool.submit(_unpicklable).result()
        assert pool.submit(_square, 7).result() == 49
    finally:
        pool.shutdown()


def test_blocks_not_given_can_be_taken_back():
    pool = ForkPool(1)
    try:
        first = pool.submit(_sleep, 0.3)
        rest = [pool.submit(_square, i) for i in range(6)]
        # the first DEPTH are given to the worker; the others wait here and can be cancelled
        assert not first.cancel()
        assert [f.cancel() for f in rest] == [False] * (DEPTH - 1) + [True] * (7 - DEPTH)
        assert all(f.cancelled() for f in rest[DEPTH - 1:])
        with pytest.raises(Cancelled):
            rest[-1].result()
        assert first.result() > 0 and rest[0].result() == 0
    finally:
        pool.shutdown()


def test_a_worker_that_dies_fails_its_blocks_and_the_others_go_on():
    pool = ForkPool(2)
    try:
        dead = pool.submit(_die)
        with pytest.raises(WorkerLost):
            dead.result()
        # the worker left takes every block from now on
        assert [pool.submit(_square, i).result() for i in range(10)] == [i * i for i in range(10)]
    finally:
        pool.shutdown()


def test_when_no_worker_is_left_a_block_fails_at_once():
    pool = ForkPool(1)
    try:
        with pytest.raises(WorkerLost):
            pool.submit(_die).result()
        with pytest.raises(WorkerLost):
            pool.submit(_square, 2).result()
    finally:
        pool.shutdown()


def test_shutdown_lets_the_workers_end_and_waits_for_none():
    pool = ForkPool(2)
    pids = [w.pid for w in pool._workers]
    running = pool.submit(_sleep, 0.3)
    queued = [pool.submit(_sleep, 0.2) for _ in range(10)]
    time.sleep(0.05)
    began = time.monotonic()
    pool.shutdown()
    assert time.monotonic() - began < 0.1  # (does not wait for the running block)
    assert running.result() in pids  # the running block still gives its result
    assert any(f.cancelled() for f in queued)
    with pytest.raises(RuntimeError):
        pool.submit(_square, 1)
    pool._thread.join(5)
    assert not pool._thread.is_alive()  # every worker ended and was reaped
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_an_interrupted_worker_ends_quietly(capfd):
    pool = ForkPool(1)
    try:
        busy = pool.submit(_sleep, 5)
        while not busy.running():
            time.sleep(0.01)
        time.sleep(0.05)
        os.kill(pool._workers[0].pid, signal.SIGINT)
        with pytest.raises(WorkerLost):
            busy.result()
    finally:
        pool.shutdown()
    assert "Traceback" not in capfd.readouterr().err


def test_a_count_with_workers_imports_no_multiprocessing(tmp_path):
    """The block path's pool on Linux costs no ``multiprocessing`` import (16-27 ms of every
    command's start measured), in the program or in its helper; the standard pool gives
    the same JSON."""
    src = FIXTURES / "hostile.iso"
    args = [sys.executable, "-c",
            "import sys, runpy; sys.argv = ['rabiskit'] + sys.argv[1:]\n"
            "import atexit\n"
            "atexit.register(lambda: sys.stderr.write('MP %s\\n' % ('multiprocessing' in sys.modules)))\n"
            "runpy.run_module('rabiskit', run_name='__main__')",
            "--lang", "en", "count", str(src), "--format", "json", "--parallel-from", "0",
            "--workers", "2"]
    outs = {}
    for pool in ("fork", "std"):
        env = dict(os.environ, RABISKIT_HEADSTART="0", RABISKIT_POOL=pool)
        r = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", cwd=REPO, env=env)
        assert r.returncode == 0, r.stderr
        assert ("MP False" if pool == "fork" else "MP True") in r.stderr, r.stderr
        outs[pool] = json.loads(r.stdout)
    assert outs["fork"] == outs["std"]
    assert outs["fork"]["records"]["read"] > 0
