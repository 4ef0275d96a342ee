"""The head start (``rabiskit.cli.headstart``): a command's library call in a helper
process forked before the command line is read.  Its answers, errors and progress as if
the call ran in the program; a helper that dies leaves the call to the program; Ctrl+C
ends both, and nothing is left running; the program with the helper gives the same
numbers, and does not import numpy itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO

TESTS = Path(__file__).parent

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper needs fork")


def _script(body: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    code = (f"import os, sys\nsys.path.insert(0, {str(TESTS)!r})\n"
            "from rabiskit.cli import headstart as hs\nimport headstart_calls as calls\n"
            + textwrap.dedent(body))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, encoding="utf-8", cwd=REPO, timeout=60, **kwargs)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # (a zombie of another parent counts as gone: it holds nothing)
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1].startswith("Z")


def test_the_call_runs_in_the_helper_with_its_progress():
    r = _script("""
        hs.start(["--lang", "en", "count", "x.iso"])
        helper = hs._helper.pid
        seen = []
        where, x = hs.call(calls.where, {"a": 1}, progress=lambda n, f: seen.append((n, f)))
        hs.release()
        print(where == helper, where != os.getpid(), x, seen, hs.active())
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\\n")[0].strip() == "True True {'a': 1} [(1, 'a.iso'), (2, 'a.iso')] False"


@pytest.mark.parametrize("call, expected", [
    # an error of the call is raised in the program
    ("calls.fails", "raised ValueError: a reason of the call's own"),
    # a helper that dies without an answer leaves the call to the program
    ("calls.dies_unless_in, os.getpid()", "answered read here"),
    # an answer that cannot be pickled is an error
    ("calls.unpicklable_answer", "raised RuntimeError"),
])
def test_what_comes_back_from_the_helper(call, expected):
    r = _script(f"""
        hs.start(["count"])
        try:
            print("answered", hs.call({call}))
        except Exception as e:
            print("raised", type(e).__name__ + (f": {{e}}" if isinstance(e, ValueError) else ""))
        hs.release()
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == expected


def test_no_helper_where_it_is_not_wanted():
    r = _script("""
        import threading
        hs.start(["inspect", "x.iso"]); print(hs.active())          # not a command of WARM
        hs.start(["count", "--help"]); print(hs.active())            # a help page
        os.environ[hs.SWITCH] = "0"; hs.start(["count"]); print(hs.active())
        del os.environ[hs.SWITCH]
        t = threading.Thread(target=threading.Event().wait, args=(5,), daemon=True); t.start()
        hs.start(["count"]); print(hs.active())                    # beside another thread
        print(hs.call(calls.where, 7)[0] == os.getpid())           # no helper: here
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False", "False", "False", "True"]


def test_a_call_not_worth_the_helper_lets_it_go():
    r = _script("""
        hs.start(["count"])
        pid = hs._helper.pid
        print(hs.call(calls.where, 1, use=False)[0] == os.getpid())
        print(pid)
    """)
    assert r.returncode == 0, r.stderr
    here, pid = r.stdout.split()
    assert here == "True" and _gone(int(pid))


def _waiting_program(tmp_path) -> tuple[subprocess.Popen, int]:
    """A program whose helper runs a call that waits (its own session: a group to signal);
    returned once the call has begun, with the helper's pid."""
    ready = tmp_path / "ready"
    code = (f"import os, sys\nsys.path.insert(0, {str(TESTS)!r})\n"
            "from rabiskit.cli import headstart as hs\nimport headstart_calls as calls\n"
            "hs.start(['count'])\n"
            "try:\n    hs.call(calls.waits, sys.argv[1])\n"
            "except KeyboardInterrupt:\n    print('interrupted'); sys.exit(130)\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(ready)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True)
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready.exists(), p.stderr
    return p, int(ready.read_text() or 0)


def test_ctrl_c_ends_the_program_and_the_helper(tmp_path):
    p, helper = _waiting_program(tmp_path)
    os.killpg(p.pid, signal.SIGINT)  # Ctrl+C: the whole foreground group
    out, err = p.communicate(timeout=30)
    assert p.returncode == 130 and out.strip() == "interrupted", err
    assert _gone(helper)


def test_the_program_s_interrupt_alone_ends_the_helper_too(tmp_path):
    """An interrupt sent to the program alone (``kill -INT``): it passes it on."""
    p, helper = _waiting_program(tmp_path)
    os.kill(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 130 and out.strip() == "interrupted", err
    assert _gone(helper)


def _count(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "rabiskit", "--lang", "en",
                           "count", *args, "--format", "json"], capture_output=True, text=True,
                          encoding="utf-8", cwd=REPO, env={**os.environ, **(env or {})},
                          timeout=120)


def test_the_program_counts_the_same_with_the_helper():
    """The same JSON with and without the helper; with it, the program imports neither
    numpy nor the block reader (the helper does: its imports are not on the program's
    standard error), without it, it does."""
    files = [str(FIXTURES / "hostile.iso"), str(FIXTURES / "unimarc_sample.iso")]
    files = [f for f in files if Path(f).exists()]
    args = [*files, "--parallel-from", "1", "--workers", "2"]
    helped = _count(*args)
    alone = _count(*args, env={"RABISKIT_HEADSTART": "0"})
    assert helped.returncode == alone.returncode == 0, helped.stderr[-2000:]
    assert json.loads(helped.stdout) == json.loads(alone.stdout)
    assert json.loads(helped.stdout)["records"]["read"] > 0

    def imported(r) -> set[str]:
        return {line.split("|")[-1].strip() for line in r.stderr.splitlines()
                if line.startswith("import time:")}
    assert "numpy" not in imported(helped) and "rabiskit.facts.fast" not in imported(helped)
    assert "numpy" in imported(alone) and "rabiskit.facts.fast" in imported(alone)
    # a small input is not worth the helper: read in the program, as without one
    small = _count(str(FIXTURES / "hostile.iso"))
    assert small.returncode == 0 and "numpy" not in imported(small)


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "rabiskit", "--lang", "en",
                           *args], capture_output=True, text=True, encoding="utf-8", cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=120)


def _imports(r) -> set[str]:
    return {line.split("|")[-1].strip() for line in r.stderr.splitlines()
            if line.startswith("import time:")}


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_facts_with_the_helper_writes_the_same_file(tmp_path, suffix):
    pytest.importorskip("pyarrow")
    src = [str(FIXTURES / "hostile.iso"), str(FIXTURES / "unimarc-utf8.iso")]
    force = ["--parallel-from", "1", "--workers", "2", "--format", "json"]
    helped = _run("facts", *src, "-o", str(tmp_path / f"a{suffix}"), *force)
    alone = _run("facts", *src, "-o", str(tmp_path / f"b{suffix}"), *force,
                 env={"RABISKIT_HEADSTART": "0"})
    assert helped.returncode == alone.returncode == 0, helped.stderr[-2000:]
    assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()
    assert json.loads(helped.stdout)["rows"] == json.loads(alone.stdout)["rows"] > 0
    # the reading was the helper's (the program imports numpy for the table's schema)
    reader = "rabiskit.pipeline.records"
    assert reader not in _imports(helped) and reader in _imports(alone)


def test_export_with_the_helper_writes_the_same_file(tmp_path):
    src = [str(FIXTURES / "hostile.iso"), str(FIXTURES / "local-lore.iso")]
    for out in ("a.xml", "a.iso"):
        force = ["--level", "book", "--level", "article", "--parallel-from", "1",
                 "--workers", "2", "--format", "json"]
        helped = _run("export", *src, "-o", str(tmp_path / out), *force)
        alone = _run("export", *src, "-o", str(tmp_path / ("b" + out[1:])), *force,
                     env={"RABISKIT_HEADSTART": "0"})
        assert helped.returncode == alone.returncode == 0, helped.stderr[-2000:]
        assert (tmp_path / out).read_bytes() == (tmp_path / ("b" + out[1:])).read_bytes()
        h, a = json.loads(helped.stdout), json.loads(alone.stdout)
        assert h["written"] == a["written"] and h["records_read"] == a["records_read"] > 0
        assert "numpy" not in _imports(helped)


def test_an_empty_input_read_by_the_helper_is_refused_without_an_output(tmp_path):
    """The library call's EmptyInput comes back from the helper: one line, exit 2, and
    the writer's temporary file thrown away."""
    for args in (["facts", "-o", str(tmp_path / "f.csv")],
                 ["export", "--level", "book", "-o", str(tmp_path / "e.iso")]):
        r = _run(args[0], str(FIXTURES / "empty.iso"), *args[1:], "--parallel-from", "0",
                 "--workers", "2")
        assert r.returncode == 2 and "empty.iso" in r.stderr, r.stderr[-1500:]
        assert "Traceback" not in r.stderr
        assert list(tmp_path.iterdir()) == []
