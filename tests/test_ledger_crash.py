"""A kill -9 in the middle of a large import leaves the ledger as it was; importing
again gives the same ledger as an import that was never interrupted."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from test_ledger import PLAN, content_rows, rec, write

from rabiskit.facts.scan import Input
from rabiskit.ledger.store import open_ledger
from rabiskit.pipeline.ledger import import_inputs

BIG = 30_000  # records: the import takes seconds, and spills pages into the file


def _book(n: int, title: str | None = None):
    return rec(f"KZ{n}", date=f"2026{n % 12 + 1:02d}{n % 28 + 1:02d}",
               lang="kaz" if n % 3 else "rus", title=title or f"Кітап нөмірі {n}")


def _big_export(path: Path) -> Path:
    # the 50 records of the small export again (KZ7 changed), then new ones
    return write(path, [_book(n, "Өзгертілген кітап 7" if n == 7 else None) for n in range(BIG)])


def _dump(path: Path) -> dict[str, list[tuple]]:
    """Every table of the ledger, row by row (opening it rolls back a hot journal)."""
    with open_ledger(path) as led:
        assert led.one("PRAGMA integrity_check") == "ok"
        tables = [r[0] for r in led.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: [tuple(r) for r in led.rows(f"SELECT * FROM {t} ORDER BY 1, 2")]
                for t in tables}


def test_kill_9_during_import_then_reimport(tmp_path):
    small = write(tmp_path / "small.iso", [_book(n) for n in range(50)])
    big = _big_export(tmp_path / "big.iso")
    ledger = tmp_path / "ledger.sqlite"
    with open_ledger(ledger, create=True) as led:
        import_inputs(led, [Input(small)], PLAN)
    before = _dump(ledger)
    size_before = ledger.stat().st_size
    journal = ledger.with_name(ledger.name + "-journal")

    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "rabiskit", "import", str(big), "--ledger",
                             str(ledger), "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        # kill once the transaction has written uncommitted pages into the ledger file
        # itself (the page cache spilled): the worst moment for the file
        while proc.poll() is None:
            if journal.exists() and ledger.stat().st_size > size_before:
                break
            time.sleep(0.005)
        proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        proc.wait(timeout=60)
        err = proc.stderr.read().decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode != 0, (
        "the import finished before it could be killed; make the export larger\n" + err)
    assert journal.exists(), "no hot journal left by the killed import"

    assert _dump(ledger) == before  # opening rolled the half import back
    assert not journal.exists()

    with open_ledger(ledger) as led:
        again = import_inputs(led, [Input(big)], PLAN)
        got = content_rows(led)
    clean_path = tmp_path / "clean.sqlite"
    with open_ledger(clean_path, create=True) as led:
        import_inputs(led, [Input(small)], PLAN)
        clean = import_inputs(led, [Input(big)], PLAN)
        expected = content_rows(led)
    assert (again.import_id, again.added, again.unchanged, len(again.changed)) == \
           (clean.import_id, clean.added, clean.unchanged, len(clean.changed)) == \
           (2, BIG - 50, 49, 1)
    assert got == expected
    with sqlite3.connect(ledger) as c:
        assert c.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 2
