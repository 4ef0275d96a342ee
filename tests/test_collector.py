"""The program holds Python's garbage collector while it starts and releases it, frozen and
with a higher threshold, when the command begins (``rabiskit.cli.collector``); a caller of
the library or of ``run`` keeps the collector as it set it."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

from conftest import FIXTURES, REPO

from rabiskit.cli import collector


@pytest.fixture
def restore_gc():
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()
    collector._held = False


def test_hold_stops_it_and_release_starts_it_frozen(restore_gc):
    gc.enable()
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    collector.hold()
    assert not gc.isenabled()
    kept = [[i] for i in range(1000)]  # made while held: frozen by release
    collector.release()
    assert gc.isenabled()
    assert gc.get_threshold() == (collector.GEN0_THRESHOLD, 10, 10)
    assert gc.get_freeze_count() >= len(kept)
    collector.release()  # a second release changes nothing
    assert gc.isenabled() and gc.get_threshold()[0] == collector.GEN0_THRESHOLD


def test_a_collector_stopped_by_someone_else_stays_stopped(restore_gc):
    gc.disable()
    gc.unfreeze()
    collector.hold()
    collector.release()
    assert not gc.isenabled() and gc.get_freeze_count() == 0


def test_release_without_hold_changes_nothing(restore_gc):
    gc.enable()
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    collector.release()
    assert gc.isenabled() and gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


# what the collector is like while the command reads its input, and at its end
_PROBE = ("import atexit, gc, sys\n"
          "seen = []\n"
          "print('START', gc.get_threshold()[0], file=sys.stderr)\n"
          "import rabiskit.pipeline.run as run\n"
          "read = run.read_inputs\n"
          "def probe(*a, **k):\n"
          "    seen.append((gc.isenabled(), gc.get_threshold()[0], gc.get_freeze_count() > 0))\n"
          "    return read(*a, **k)\n"
          "run.read_inputs = probe\n"
          "atexit.register(lambda: print('SEEN', seen, file=sys.stderr))\n"
          "sys.argv = ['rabiskit'] + sys.argv[1:]\n")


def _probe(entry: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _PROBE + entry, *args], capture_output=True,
                          text=True, encoding="utf-8", cwd=REPO)


def test_the_program_reads_with_the_collector_released():
    r = _probe("from rabiskit.cli.main import main\nmain()\n",
               "--lang", "en", "count", str(FIXTURES / "hostile.iso"), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["records"]["read"] > 0
    assert f"SEEN [(True, {collector.GEN0_THRESHOLD}, True)]" in r.stderr


def test_a_caller_of_run_keeps_its_collector():
    r = _probe("import rabiskit.cli.main as m\n"
               "try:\n    m.run()\nexcept SystemExit:\n    pass\n"
               "print('SEEN', seen, file=sys.stderr)\n",
               "--lang", "en", "count", str(FIXTURES / "hostile.iso"), "--format", "json")
    assert r.returncode == 0, r.stderr
    start = int(r.stderr.split("START ")[1].split()[0])  # the interpreter's own (700; 3.13: 2000)
    assert f"SEEN [(True, {start}, False)]" in r.stderr
