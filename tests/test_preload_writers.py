"""The report's writers (openpyxl, python-docx) are imported in a thread only once the
process has forked its first worker: before, this process reads the first block alone and
the import would take the interpreter from it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import FIXTURES, REPO

CODE = """
import os, sys, threading
from rabiskit.render.outputs import preload_writers

def preloading():
    return [t for t in threading.enumerate() if t.name == "rabiskit-preload"]

preload_writers([".json", ".xlsx"])
print("before fork:", bool(preloading()), "openpyxl" in sys.modules)
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
for t in preloading():
    t.join()
print("after fork:", "openpyxl" in sys.modules)
pid = os.fork()  # a second fork starts no second thread
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print("threads:", len(preloading()))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the thread starts at once")
def test_the_writers_are_imported_after_the_first_fork_only():
    r = subprocess.run([sys.executable, "-c", CODE], cwd=REPO, capture_output=True, text=True,
                       check=True)
    assert r.stdout.splitlines() == ["before fork: False False", "after fork: True",
                                     "threads: 0"], r.stderr


def test_a_report_read_by_workers_writes_its_workbook(tmp_path):
    # the multi-process path forced on a small fixture: the workbook is written (its writer
    # imported by the thread or where it is used) and is a workbook
    from openpyxl import load_workbook

    out = tmp_path / "report.xlsx"
    r = subprocess.run([sys.executable, "-m", "rabiskit", "--lang", "en", "report",
                        str(FIXTURES / "unimarc-utf8.iso"), "-o", str(out), "--as-of",
                        "2026-12-31", "--parallel-from", "0", "--workers", "2"],
                       cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert load_workbook(out).sheetnames
