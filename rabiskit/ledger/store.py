"""The ledger file: an SQLite database (the standard library's sqlite3), and its schema.

Tables (schema version 1):

* ``meta(key, value)``: ``application`` = ``rabiskit-ledger``, ``schema_version``.
* ``imports``: one row per import - when it started and finished, the plan and a
  fingerprint of its level rules, and how many records were added, changed, unchanged,
  deleted, stale, repeated, and how many corrections it made to closed quarters.
* ``import_files``: the files of each import (position, file, database, format, size, the
  per-file summary as JSON) and ``import_problems`` their problems (JSON), so a count from
  the ledger can list the same problems as a count from the exports.
* ``records``: one row per record and database, keyed by ``(database, key)`` (see
  :mod:`rabiskit.ledger.codec`): the checksum, the facts needed to recount (every
  RecordFacts field, the level among them), the record itself (``record_data``: leader and
  fields, zlib-compressed, with ``length``, ``encoding_reason`` and the reader's
  ``problems``, so commands that look at the whole record - audit, digitisation - can
  read it back as a SourceRecord), ``deleted`` (leader/05 d), ``first_seen`` /
  ``last_seen`` (UTC timestamps) and the imports that first saw, last saw and last changed
  it, and ``position`` (the file's place in its import) for a stable order.
* ``closed_quarters``: a quarter frozen by ``rabiskit ledger close`` with the count JSON
  of that quarter at the time (``snapshot``).
* ``corrections``: what later imports changed in a closed quarter (one row per record and
  closed quarter it touches): the record's contribution before and after (level and first
  language, or none) and what changed.

Every import is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``) in SQLite's rollback
journal mode with ``synchronous=FULL``: a crash, a kill or a power cut in the middle leaves
the ledger as it was before the import.  The rollback journal (not WAL) is used because it
also works on network drives, where libraries often keep shared files.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from rabiskit.i18n import N_
from rabiskit import jsontext
from rabiskit.ledger.location import default_ledger_path

APPLICATION = "rabiskit-ledger"
SCHEMA_VERSION = 1
DEFAULT_DATABASE = "catalogue"
BUSY_TIMEOUT_S = 10.0

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    plan TEXT,
    rules TEXT,
    records INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    stale INTEGER NOT NULL DEFAULT 0,
    repeated INTEGER NOT NULL DEFAULT 0,
    corrections INTEGER NOT NULL DEFAULT 0,
    problems INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE import_files (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    position INTEGER NOT NULL,
    file TEXT NOT NULL,
    database TEXT NOT NULL,
    format TEXT,
    size INTEGER,
    records INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL,
    PRIMARY KEY (import_id, position)
);
CREATE TABLE import_problems (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    position INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    problem TEXT NOT NULL,
    PRIMARY KEY (import_id, position, seq)
);
CREATE TABLE records (
    database TEXT NOT NULL,
    key TEXT NOT NULL,
    checksum TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    file TEXT NOT NULL,
    record INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    control_number TEXT,
    flavour TEXT NOT NULL,
    encoding TEXT NOT NULL,
    record_status TEXT NOT NULL,
    record_type TEXT NOT NULL,
    bibliographic_level TEXT NOT NULL,
    languages TEXT NOT NULL,
    language TEXT NOT NULL,
    languages_coded INTEGER NOT NULL,
    date_entered TEXT,
    date_entered_source TEXT NOT NULL,
    date_entered_problem TEXT,
    date_entered_raw TEXT,
    date_changed TEXT,
    title TEXT,
    isbn TEXT NOT NULL,
    links TEXT NOT NULL,
    extent TEXT,
    pages INTEGER,
    article_pages INTEGER,
    host_title TEXT,
    damaged INTEGER NOT NULL,
    level TEXT,
    line INTEGER,
    length INTEGER NOT NULL DEFAULT 0,
    encoding_reason TEXT NOT NULL DEFAULT '',
    problems TEXT NOT NULL DEFAULT '[]',
    record_data BLOB NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    first_import INTEGER NOT NULL,
    last_import INTEGER NOT NULL,
    changed_import INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (database, key)
);
CREATE INDEX records_order ON records (last_import, position, record);
CREATE INDEX records_date ON records (date_entered);
CREATE TABLE closed_quarters (
    period TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    closed_at TEXT NOT NULL,
    last_import INTEGER,
    plan TEXT,
    snapshot TEXT NOT NULL
);
CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL REFERENCES closed_quarters(period),
    import_id INTEGER NOT NULL REFERENCES imports(id),
    database TEXT NOT NULL,
    key TEXT NOT NULL,
    control_number TEXT,
    title TEXT,
    file TEXT,
    record INTEGER,
    kind TEXT NOT NULL,
    before_level TEXT,
    before_language TEXT,
    after_level TEXT,
    after_language TEXT,
    what TEXT NOT NULL
);
CREATE INDEX corrections_period ON corrections (period);
"""


class LedgerError(Exception):
    """The ledger cannot be used: not a ledger, newer schema, locked, unwritable, absent."""


@dataclass
class Ledger:
    """An open ledger: its path and the sqlite3 connection (autocommit; transactions are
    begun and ended explicitly)."""

    path: Path
    conn: sqlite3.Connection

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- small query helpers -------------------------------------------------------------
    def one(self, sql: str, params: tuple = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; ROLLBACK on any error (KeyboardInterrupt too)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise _explain(e, self.path) from None
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise _explain(e, self.path) from None

    def databases(self) -> list[str]:
        return [r[0] for r in self.rows("SELECT DISTINCT database FROM records ORDER BY database")]


def _explain(e: sqlite3.Error, path: Path) -> LedgerError:
    msg = str(e)
    if "locked" in msg or "busy" in msg:
        return LedgerError(N_("{path}: the ledger is in use by another rabiskit command (an import?); try again when it has finished").format(
            path=path))
    if "readonly" in msg or "read-only" in msg:
        return LedgerError(N_("{path}: the ledger cannot be written (read-only file or folder)").format(
            path=path))
    if "not a database" in msg or "malformed" in msg:
        return LedgerError(N_("{path}: not a rabiskit ledger (not an SQLite database, or damaged)").format(
            path=path))
    if "disk" in msg and "full" in msg:
        return LedgerError(N_("{path}: the disk is full; the import was not applied").format(
            path=path))
    return LedgerError(f"{path}: {msg}")


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None, uri=uri)
    conn.row_factory = sqlite3.Row
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")


def _check(conn: sqlite3.Connection, path: Path) -> None:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "meta" not in tables:
        raise LedgerError(N_("{path}: not a rabiskit ledger (an SQLite file of something else)").format(
            path=path))
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("application") != APPLICATION:
        raise LedgerError(N_("{path}: not a rabiskit ledger (an SQLite file of something else)").format(
            path=path))
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise LedgerError(N_("{path}: the ledger was written by a newer rabiskit (schema {version}); update rabiskit to use it").format(
            path=path, version=version))


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone() is None:
            for stmt in SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                             [("application", APPLICATION),
                              ("schema_version", str(SCHEMA_VERSION))])
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def open_ledger(path: str | Path | None = None, *, create: bool = False) -> Ledger:
    """Open the ledger at ``path`` (default: :func:`default_ledger_path`).

    ``create``: make the file (and its folder) when absent; otherwise an absent ledger is
    a LedgerError telling the user to import first."""
    p = Path(path) if path is not None else default_ledger_path()
    if p.is_dir():
        raise LedgerError(N_("{p}: is a folder; give the ledger file's name (e.g. {example})").format(
            p=p, example=p / 'ledger.sqlite'))
    existed = p.exists()
    if not existed and not create:
        raise LedgerError(N_("{p}: no ledger there yet; 'rabiskit import EXPORT...' makes one").format(
            p=p))
    try:
        if not existed:
            p.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(str(p))
    except (OSError, sqlite3.Error) as e:
        raise LedgerError(N_("{p}: cannot open the ledger ({e})").format(p=p, e=e)) from None
    try:
        _configure(conn)
        if existed and p.stat().st_size > 0:
            _check(conn, p)
        else:
            _create(conn)
    except sqlite3.Error as e:
        conn.close()
        raise _explain(e, p) from None
    except LedgerError:
        conn.close()
        raise
    return Ledger(p, conn)


def memory_copy(path: str | Path | None = None) -> Ledger:
    """An in-memory copy of the ledger at ``path``: changes to it never reach the file
    (used to count a ledger together with newer exports without importing them)."""
    with open_ledger(path) as src:
        mem = _connect(":memory:")
        try:
            src.conn.backup(mem)
        except sqlite3.Error as e:
            mem.close()
            raise _explain(e, src.path) from None
    _configure(mem)
    return Ledger(Path(path) if path is not None else default_ledger_path(), mem)


def dumps(value: Any) -> str:
    return jsontext.dumps(value)
