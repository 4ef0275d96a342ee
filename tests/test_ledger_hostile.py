"""Hostile ledgers: a file that is not SQLite, a truncated or damaged one, a valid SQLite
file holding values rabiskit never writes (a schema version that is not a number, a date
2026-13-45, JSON that does not parse, text in a number column), a read-only file or
folder, a full disk and a ledger another process holds locked.

Every ledger-using command ends with one line naming the ledger file and what is wrong,
exit code 2 and no traceback, and the ledger file is byte for byte what it was (SHA-256
before and after).  Commands that only read still work on a read-only ledger.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from test_ledger import PLAN, rec, write
from typer.testing import CliRunner

from rabiskit.cli.main import app
from rabiskit.facts.scan import Input
from rabiskit.ledger.closing import close_quarter
from rabiskit.ledger.store import open_ledger
from rabiskit.pipeline.ledger import import_inputs

TIMEOUT = 120  # seconds: no command here may take longer (a hang fails the test)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_ledger(folder: Path, n: int = 6, close: bool = True) -> tuple[Path, Path]:
    """A real ledger with ``n`` records (Q1 closed), and a second export to import into it."""
    folder.mkdir(parents=True, exist_ok=True)
    first = write(folder / "first.iso", [rec(f"KZ{k}", date=f"202601{k % 28 + 1:02d}",
                                             lang="kaz" if k % 2 else "rus",
                                             title=f"Кітап {k} " + "ә" * 40)
                                         for k in range(n)])
    ledger = folder / "ledger.sqlite"
    with open_ledger(ledger, create=True) as led:
        import_inputs(led, [Input(first)], PLAN)
        if close:
            close_quarter(led, 2026, 1, PLAN)
    second = write(folder / "second.iso", [rec("KZ1", date="20260301", lang="kaz"),
                                           rec("KZ9001", date="20260302"),
                                           rec("KZ9002", date="20260401")])
    return ledger, second


def altered(folder: Path, sql: str, params: tuple = ()) -> tuple[Path, Path]:
    """A ledger changed with sqlite3 as another program could change it."""
    ledger, second = make_ledger(folder)
    with contextlib.closing(sqlite3.connect(ledger)) as c:
        c.execute(sql, params)
        c.commit()
    return ledger, second


def commands(ledger: Path, export: Path, out: Path) -> list[list[str]]:
    """Every command that uses the ledger, writers first."""
    led = ["--ledger", str(ledger)]
    return [
        ["import", str(export), *led],
        ["ledger", "close", "2026Q2", *led],
        ["ledger", "status", *led],
        ["ledger", "status", "--format", "json", *led],
        ["ledger", "corrections", *led],
        ["count", *led],
        ["count", "--format", "json", *led],
        ["count", str(export), *led],
        ["report", "-o", str(out / "r.json"), *led],
        ["audit", *led],
    ]


WRITERS = 2  # the first two of commands() write to the ledger


def run_inproc(args: list[str]):
    return CliRunner().invoke(app, args)


def assert_refused(result, ledger: Path, *words: str) -> str:
    """Exit 2, no traceback, one line naming the ledger and saying what is wrong."""
    output = result.output if hasattr(result, "output") else result.stderr
    code = result.exit_code if hasattr(result, "exit_code") else result.returncode
    assert code == 2, output
    assert "Traceback" not in output, output
    if hasattr(result, "exception"):
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1 or all(not ln.startswith("rabiskit:") for ln in lines[1:]), output
    line = " ".join(output.split())  # rich wraps long lines on a narrow terminal
    assert str(ledger) in line.replace(" ", "") or str(ledger) in line, output
    for w in words:
        assert w in line, output
    return line


# -- files that are not a ledger, or a damaged one --------------------------------------
def _not_sqlite(folder: Path) -> tuple[Path, Path]:
    ledger, second = make_ledger(folder)
    ledger.write_bytes(b"PK\x03\x04 this is a zip file, not SQLite " * 200)
    return ledger, second


def _truncated(folder: Path) -> tuple[Path, Path]:
    ledger, second = make_ledger(folder, n=400)
    data = ledger.read_bytes()
    ledger.write_bytes(data[: len(data) // 2])
    return ledger, second


def _damaged_page(folder: Path) -> tuple[Path, Path]:
    """A ledger of several pages with one page of the records table overwritten."""
    ledger, second = make_ledger(folder, n=400)
    with contextlib.closing(sqlite3.connect(ledger)) as c:
        page_size = c.execute("PRAGMA page_size").fetchone()[0]
        # a leaf page of the records table: the page holding the last row
        pages = [r[0] for r in c.execute(
            "SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = 'leaf'")] \
            if _has_dbstat(c) else []
    data = bytearray(ledger.read_bytes())
    page = pages[len(pages) // 2] if pages else len(data) // page_size // 2
    start = (page - 1) * page_size
    data[start:start + page_size] = b"\xa5" * page_size
    ledger.write_bytes(bytes(data))
    return ledger, second


def _has_dbstat(c) -> bool:
    try:
        c.execute("SELECT 1 FROM dbstat LIMIT 1")
        return True
    except sqlite3.Error:
        return False


def _other_sqlite(folder: Path) -> tuple[Path, Path]:
    ledger, second = make_ledger(folder)
    ledger.unlink()
    with contextlib.closing(sqlite3.connect(ledger)) as c:
        c.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        c.execute("INSERT INTO meta VALUES ('application', 'something-else')")
        c.commit()
    return ledger, second


def altered_by(sql: str, *words: str):
    """A HOSTILE entry: the ledger changed by ``sql``, and what the message must hold."""
    return (lambda folder: altered(folder, sql), words)


HOSTILE = {
    # name: (builder, words the message must hold)
    "not SQLite": (_not_sqlite, ("not a rabiskit ledger",)),
    "truncated": (_truncated, ("damaged",)),
    "damaged page": (_damaged_page, ("damaged",)),
    "SQLite of another program": (_other_sqlite, ("not a rabiskit ledger",)),
    "schema version not a number": altered_by(
        "UPDATE meta SET value = 'one' WHERE key = 'schema_version'",
        "bad value", "schema_version", "'one'", "not a number"),
    "schema version absent": altered_by(
        "DELETE FROM meta WHERE key = 'schema_version'",
        "bad value", "schema_version"),
    "date 2026-13-45": altered_by(
        "UPDATE records SET date_entered = '2026-13-45' WHERE key = 'KZ3'",
        "bad value", "KZ3", "date_entered", "2026-13-45"),
    "date 2026-02-30": altered_by(
        "UPDATE records SET date_entered = '2026-02-30' WHERE key = 'KZ4'",
        "bad value", "KZ4", "2026-02-30"),
    "005 not a time": altered_by(
        "UPDATE records SET date_changed = '2026-01-01T99:00' WHERE key = 'KZ2'",
        "bad value", "KZ2", "date_changed"),
    "JSON list that does not parse": altered_by(
        "UPDATE records SET languages = '[\"kaz\", ' WHERE key = 'KZ5'",
        "bad value", "KZ5", "languages"),
    "JSON problems not a list": altered_by(
        "UPDATE records SET problems = '{}' WHERE key = 'KZ0'",
        "bad value", "KZ0", "problems"),
    "file summary that does not parse": altered_by(
        "UPDATE import_files SET summary = 'summary?'",
        "bad value", "import_files", "summary"),
    "closed quarter snapshot that does not parse": altered_by(
        "UPDATE closed_quarters SET snapshot = '{\"total\": '",
        "bad value", "2026Q1", "snapshot"),
    "closed quarter snapshot without totals": altered_by(
        "UPDATE closed_quarters SET snapshot = '{\"total\": {}, \"levels\": {}}'",
        "bad value", "2026Q1"),
    "file summary without its keys": altered_by(
        "UPDATE import_files SET summary = '{}'",
        "bad value", "import_files", "summary"),
    "problem without its message": altered_by(
        "UPDATE records SET problems = '[{\"file\": \"a.iso\"}]' WHERE key = 'KZ3'",
        "bad value", "KZ3", "problems"),
    "closed quarter level that is not a count": altered_by(
        "UPDATE closed_quarters SET snapshot = json_set(snapshot, '$.levels.book', 5)",
        "bad value", "2026Q1", "snapshot"),
    "text in a number column": altered_by(
        "UPDATE records SET record = 'seven' WHERE key = 'KZ1'",
        "bad value", "KZ1", "record", "'seven'", "not a number"),
    "record data not compressed": altered_by(
        "UPDATE records SET record_data = x'00010203' WHERE key = 'KZ2'",
        "bad value", "KZ2", "record_data"),
    "a column missing": altered_by(
        "ALTER TABLE corrections DROP COLUMN what",
        "corrections", "what"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_ledger_every_command_one_line_exit_2_unchanged(tmp_path, name):
    build, words = HOSTILE[name]
    ledger, second = build(tmp_path / "l")
    before = sha(ledger)
    for args in commands(ledger, second, tmp_path):
        result = run_inproc(args)
        assert_refused(result, ledger, *words)
        assert sha(ledger) == before, f"{args}: the ledger changed"
    assert not (tmp_path / "r.json").exists()
    assert not ledger.with_name(ledger.name + "-journal").exists()


def test_a_value_only_the_record_reader_sees_is_reported_not_raised(tmp_path):
    """A compressed record that does not decompress (the zlib header intact) is found only
    when a command reads the record back (audit): still one line, exit 2, no change."""
    ledger, second = make_ledger(tmp_path / "l")
    with contextlib.closing(sqlite3.connect(ledger)) as c:
        blob = c.execute("SELECT record_data FROM records WHERE key = 'KZ2'").fetchone()[0]
        c.execute("UPDATE records SET record_data = ? WHERE key = 'KZ2'", (blob[:2] + b"junk",))
        c.commit()
    before = sha(ledger)
    result = run_inproc(["audit", "--ledger", str(ledger)])
    assert_refused(result, ledger, "bad value", "KZ2")
    assert sha(ledger) == before


def test_the_untouched_ledger_works_with_every_command(tmp_path):
    """The same commands on the unaltered ledger succeed (so the refusals above are the
    alterations', not the commands')."""
    ledger, second = make_ledger(tmp_path / "l")
    for args in commands(ledger, second, tmp_path):
        result = run_inproc(args)
        assert result.exit_code == 0, (args, result.output)


def test_ledger_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "ledger.sqlite"
    os.mkfifo(fifo)
    for args in (["ledger", "status", "--ledger", str(fifo)],
                 ["import", str(make_ledger(tmp_path / "l")[1]), "--ledger", str(fifo)]):
        proc = subprocess.run([sys.executable, "-m", "rabiskit", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert_refused(proc, fifo, "not a regular file")


# -- read-only ledger ---------------------------------------------------------------------
@contextlib.contextmanager
def read_only(path: Path):
    """Make ``path`` (a file or a folder) really read-only, even for root: the immutable
    attribute (chattr +i), else a read-only bind mount, else (not root) permissions."""
    probe = path / ".probe" if path.is_dir() else path
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield "permissions"
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)],
                                                 capture_output=True).returncode == 0:
        try:
            _assert_unwritable(probe, path.is_dir())
            yield "chattr +i"
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    if shutil.which("mount") and path.is_dir() and subprocess.run(
            ["mount", "--bind", str(path), str(path)], capture_output=True).returncode == 0:
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], check=True)
            _assert_unwritable(probe, True)
            yield "read-only bind mount"
        finally:
            subprocess.run(["umount", str(path)], check=True)
        return
    pytest.skip("root here, and neither chattr +i nor a bind mount works on this file system: "
                "no way to make a file read-only for root")


def _assert_unwritable(probe: Path, is_dir: bool) -> None:
    with pytest.raises(OSError):
        if is_dir:
            probe.write_bytes(b"x")
        else:
            open(probe, "r+b").close()


def test_read_only_ledger_file(tmp_path):
    ledger, second = make_ledger(tmp_path / "l")
    before = sha(ledger)
    with read_only(ledger):
        cmds = commands(ledger, second, tmp_path)
        for args in cmds[:WRITERS]:
            assert_refused(run_inproc(args), ledger, "cannot be written", "read-only")
        for args in cmds[WRITERS:]:  # reading a read-only ledger is fine
            result = run_inproc(args)
            assert result.exit_code == 0, (args, result.output)
    assert sha(ledger) == before


def test_read_only_ledger_folder(tmp_path):
    ledger, second = make_ledger(tmp_path / "l")
    before = sha(ledger)
    with read_only(ledger.parent):
        cmds = commands(ledger, second, tmp_path)
        for args in cmds[:WRITERS]:
            assert_refused(run_inproc(args), ledger, "folder")
        for args in cmds[WRITERS:]:
            result = run_inproc(args)
            assert result.exit_code == 0, (args, result.output)
        # a new ledger in a read-only folder
        new = ledger.parent / "new.sqlite"
        assert_refused(run_inproc(["import", str(second), "--ledger", str(new)]), new)
    assert sha(ledger) == before
    assert not (ledger.parent / "new.sqlite").exists()


# -- a full disk --------------------------------------------------------------------------
@contextlib.contextmanager
def small_disk(tmp_path: Path, size_kib: int = 1024):
    """A real, small file system (tmpfs) mounted in ``tmp_path``; None when mounting is
    not permitted here."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mnt)],
            capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


def _fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)


def _big_export(path: Path) -> Path:
    return write(path, [rec(f"NEW{k}", date="20260510", title=f"Жаңа кітап {k} " + "ы" * 200)
                        for k in range(3000)])


def test_full_disk_import_and_close(tmp_path):
    big = _big_export(tmp_path / "big.iso")
    with small_disk(tmp_path) as disk:
        if disk is not None:
            ledger, _ = make_ledger(disk / "l")
            _fill(disk)
            before = sha(ledger)
            for args in (["import", str(big), "--ledger", str(ledger)],
                         ["ledger", "close", "2026Q2", "--ledger", str(ledger)],
                         ["import", str(big), "--ledger", str(disk / "l" / "new.sqlite")]):
                proc = subprocess.run([sys.executable, "-m", "rabiskit", *args], cwd=REPO,
                                      capture_output=True, text=True, timeout=TIMEOUT)
                assert_refused(proc, Path(args[-1]), "disk is full")
            assert sha(ledger) == before
            assert not (disk / "l" / "new.sqlite").exists()
            assert not ledger.with_name(ledger.name + "-journal").exists()
            return
    # no mount permitted: a real file size limit (RLIMIT_FSIZE) makes the write fail
    if sys.platform == "win32":
        pytest.skip("no tmpfs and no RLIMIT_FSIZE on Windows")
    import resource

    ledger, _ = make_ledger(tmp_path / "l")
    before = sha(ledger)
    limit = ledger.stat().st_size + 8192

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run([sys.executable, "-m", "rabiskit", "import", str(big), "--ledger",
                           str(ledger)], cwd=REPO, capture_output=True, text=True,
                          timeout=TIMEOUT, preexec_fn=limited)
    assert_refused(proc, ledger, "nothing was changed")
    assert sha(ledger) == before


# -- a ledger another process holds locked ------------------------------------------------
LOCKER = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
c.execute("UPDATE meta SET value = value WHERE key = 'application'")
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the test closes stdin
c.execute("ROLLBACK")
"""


def test_locked_ledger(tmp_path, monkeypatch):
    ledger, second = make_ledger(tmp_path / "l")
    before = sha(ledger)
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(ledger)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        monkeypatch.setenv("RABISKIT_LEDGER_WAIT", "0.2")  # do not wait the default 10 s
        for args in commands(ledger, second, tmp_path):
            assert_refused(run_inproc(args), ledger, "locked by another program")
    finally:
        locker.stdin.close()
        locker.wait(timeout=TIMEOUT)
    assert locker.returncode == 0
    assert sha(ledger) == before
    # and once the other program is done, the ledger works again
    result = run_inproc(["import", str(second), "--ledger", str(ledger)])
    assert result.exit_code == 0, result.output
