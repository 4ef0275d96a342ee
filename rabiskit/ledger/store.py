"""The ledger file: an SQLite database (the standard library's sqlite3), and its schema.

Tables (schema version 2):

* ``meta(key, value)``: ``application`` = ``rabiskit-ledger``, ``schema_version``: 2 once
  an import of this rabiskit wrote records (a record's ``record_data`` may then hold its
  own text, ``rabiskit.ledger.codec.record_text``; in version 1 it is always JSON, which
  this rabiskit reads as well: an import into a ledger of version 1 makes it 2, so that an
  older rabiskit refuses it instead of failing on a record).
* ``imports``: one row per import - when it started and finished, the plan and a
  fingerprint of its level rules, and how many records were added, changed, unchanged,
  deleted, stale, repeated, and how many corrections it made to closed quarters.
* ``import_files``: the files of each import (position, file, database, format, size, the
  per-file summary as JSON) and ``import_problems`` their problems (JSON), so a count from
  the ledger can list the same problems as a count from the exports.
* ``records``: one row per record and database, keyed by ``(database, key)`` (see
  :mod:`rabiskit.ledger.codec`): the checksum, the facts needed to recount (every
  RecordFacts field, the level among them), the record itself (``record_data``: leader and
  fields, a zlib stream, with ``length``, ``encoding_reason`` and the reader's
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
import os
import re
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from rabiskit import jsontext
from rabiskit.i18n import N_, _
from rabiskit.ledger.location import default_ledger_path

APPLICATION = "rabiskit-ledger"
SCHEMA_VERSION = 2
DEFAULT_DATABASE = "catalogue"
BUSY_TIMEOUT_S = 10.0
#: the environment variable that changes how long a command waits for a ledger another
#: process holds locked (seconds; a ledger on a slow network drive may want more)
BUSY_TIMEOUT_ENV = "RABISKIT_LEDGER_WAIT"

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
    """The ledger cannot be used: not a ledger, newer schema, locked, unwritable, absent,
    damaged, or holding a value rabiskit cannot read."""


#: what decoding a stored value raises when the value is not what rabiskit wrote
DECODING_ERRORS = (ValueError, TypeError, KeyError, IndexError, zlib.error, RecursionError)

def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def bad_value(path: Path, where: str, problem: str) -> LedgerError:
    """The error for a value in the ledger rabiskit cannot read: the file, where, what."""
    return LedgerError(_("{file}: the ledger holds a bad value ({where}: {problem}); it was "
                         "changed by another program or is damaged; restore a backup copy "
                         "(nothing was changed)").format(file=path, where=where, problem=problem))


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
            raise explain(e, self.path) from None
        try:
            yield
        except BaseException as e:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise explain(e, self.path) from None
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise explain(e, self.path) from None

    @contextlib.contextmanager
    def decoding(self, where: str) -> Iterator[None]:
        """Turn an error decoding a stored value (``where``: which row) into a LedgerError
        naming the ledger file."""
        try:
            yield
        except DECODING_ERRORS as e:
            raise bad_value(self.path, where, f"{type(e).__name__}: {_show(str(e), 120)}") from None

    def databases(self) -> list[str]:
        return [r[0] for r in self.rows("SELECT DISTINCT database FROM records ORDER BY database")]


def explain(e: sqlite3.Error, path: Path) -> LedgerError:
    """One clear line for an SQLite error on the ledger at ``path``."""
    msg = str(e)
    if "locked" in msg or "busy" in msg:
        text = _("{file}: the ledger is locked by another program (another rabiskit import?); "
                 "try again when it has finished (nothing was changed)")
    elif "readonly" in msg or "read-only" in msg:
        text = _("{file}: the ledger cannot be written (a read-only file, folder or drive); "
                 "nothing was changed")
    elif "unable to open" in msg:
        text = _("{file}: the ledger cannot be opened or its folder cannot be written (SQLite "
                 "needs to create {journal} beside it); nothing was changed")
    elif "not a database" in msg or "malformed" in msg or "corrupt" in msg:
        text = _("{file}: not a rabiskit ledger (not an SQLite database, or a damaged one); "
                 "restore a backup copy")
    elif "full" in msg:
        text = _("{file}: the disk is full; nothing was changed (free some space and run the "
                 "command again)")
    elif "disk I/O" in msg:
        text = _("{file}: the ledger could not be written (disk I/O error: a full disk, a file "
                 "size limit or a failing drive); nothing was changed")
    else:
        text = _("{file}: cannot use the ledger ({error})")
    return LedgerError(text.format(file=path, journal=f"{path.name}-journal", error=msg))


def busy_timeout(environ=None) -> float:
    """Seconds to wait for a ledger another process holds locked: $RABISKIT_LEDGER_WAIT
    (when a number >= 0), else 10."""
    text = (os.environ if environ is None else environ).get(BUSY_TIMEOUT_ENV, "").strip()
    try:
        value = float(text)
    except ValueError:
        return BUSY_TIMEOUT_S
    return value if 0 <= value < 86400 else BUSY_TIMEOUT_S


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=busy_timeout(), isolation_level=None, uri=uri)
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
    meta = {k: v for k, v in conn.execute("SELECT key, value FROM meta").fetchall()
            if isinstance(k, str)}
    if meta.get("application") != APPLICATION:
        raise LedgerError(N_("{path}: not a rabiskit ledger (an SQLite file of something else)").format(
            path=path))
    text = meta.get("schema_version")
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{1,9}", text.strip()):
        raise bad_value(path, "meta schema_version", _("{value} is not a number").format(value=_show(text)))
    version = int(text)
    if version > SCHEMA_VERSION:
        raise LedgerError(N_("{path}: the ledger was written by a newer rabiskit (schema {version}); "
                             "update rabiskit to use it").format(path=path, version=version))
    if version < 1:
        raise bad_value(path, "meta schema_version",
                        _("{value} is not a schema version").format(value=_show(text)))
    check_values(conn, path)


def _expected_columns() -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, declared type)]} of the schema this rabiskit writes."""
    mem = sqlite3.connect(":memory:")
    try:
        mem.executescript(SCHEMA)
        return {t: [(r[1], r[2].upper()) for r in mem.execute(f"PRAGMA table_info({t})")]
                for (t,) in mem.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        mem.close()


_COLUMNS: dict[str, list[tuple[str, str]]] | None = None

#: how each table's rows are named in messages
_ROW_NAME = {"records": "database || '/' || key", "imports": "id",
             "import_files": "import_id || '/' || position",
             "import_problems": "import_id || '/' || position || '/' || seq",
             "closed_quarters": "period", "corrections": "id", "meta": "key"}

_JSON_ARRAY_OF_TEXT = N_("{value} is not a JSON list of strings")
#: true for a JSON ``value`` that is not a problem as rabiskit stores one
_NOT_A_PROBLEM = ("json_type(value) <> 'object' OR json_type(value, '$.file') IS NOT 'text' "
                  "OR json_type(value, '$.message') IS NOT 'text'")
#: (table, column, SQL that is true for a bad value, what is wrong): the values rabiskit
#: decodes, checked by SQLite itself (one pass over each table)
_VALUE_CHECKS = (
    ("records", "date_entered",
     "date_entered IS NOT NULL AND date(julianday(date_entered)) IS NOT date_entered",
     N_("{value} is not a date (YYYY-MM-DD)")),
    ("records", "date_changed",
     "date_changed IS NOT NULL AND (julianday(date_changed) IS NULL "
     "OR date(julianday(date_changed)) IS NOT substr(date_changed, 1, 10))",
     N_("{value} is not a date and time")),
    *((("records", c, f"NOT json_valid({c}) OR json_type({c}) <> 'array' OR EXISTS "
        f"(SELECT 1 FROM json_each(records.{c}) WHERE type <> 'text')", _JSON_ARRAY_OF_TEXT))
      for c in ("languages", "isbn", "links")),
    ("records", "problems",
     "NOT json_valid(problems) OR json_type(problems) <> 'array' OR EXISTS (SELECT 1 FROM "
     f"json_each(records.problems) WHERE {_NOT_A_PROBLEM})", N_("{value} is not a JSON list of problems")),
    ("records", "record_data", "substr(record_data, 1, 1) <> x'78'",
     N_("{value} is not a compressed record")),
    ("import_files", "summary", "NOT json_valid(summary) OR json_type(summary) <> 'object' OR "
     + " OR ".join([*(f"json_type(summary, '$.{k}') IS NOT 'integer'"
                      for k in ("records", "damaged", "date_missing")),
                    "json_type(summary, '$.file') IS NOT 'text'",
                    *(f"json_type(summary, '$.{k}') IS NULL"
                      for k in ("format", "size", "db_level", "duplicate_of", "error",
                                "date_min", "date_max")),
                    *(f"json_type(summary, '$.{k}') IS NOT 'array'"
                      for k in ("flavours", "encodings", "encoding_reasons", "record_types",
                                "bibliographic_levels", "languages", "levels"))]),
     N_("{value} is not a file summary (JSON object)")),
    ("import_problems", "problem",
     f"NOT json_valid(problem) OR json_type(problem) <> 'object' OR "
     f"{_NOT_A_PROBLEM.replace('value', 'problem')}", N_("{value} is not a problem (JSON object)")),
    ("closed_quarters", "snapshot",
     "NOT json_valid(snapshot) OR json_type(snapshot) <> 'object' "
     "OR json_type(snapshot, '$.total.total') IS NOT 'integer' "
     "OR json_type(snapshot, '$.total.kazakh') IS NOT 'integer' "
     "OR json_type(snapshot, '$.levels') IS NOT 'object' "
     "OR EXISTS (SELECT 1 FROM json_each(closed_quarters.snapshot, '$.levels') "
     "WHERE type <> 'object' OR json_type(value, '$.total') IS NOT 'integer')",
     N_("{value} is not a count (JSON object)")),
    ("closed_quarters", "quarter", "quarter NOT BETWEEN 1 AND 4 OR period IS NOT "
     "(year || 'Q' || quarter)", N_("{value} is not a quarter of its period")),
)


def check_values(conn: sqlite3.Connection, path: Path) -> None:
    """LedgerError when a table lacks a column this rabiskit reads, or a value is not of
    the type rabiskit wrote (text in a number column, a date like 2026-13-45, JSON that
    does not parse): such a ledger was changed by another program or is damaged, and
    is refused before anything is read from or written to it."""
    global _COLUMNS
    if _COLUMNS is None:
        _COLUMNS = _expected_columns()
    for table, columns in _COLUMNS.items():
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        missing = [c for c, _ in columns if c not in have]
        if missing:
            raise LedgerError(_("{file}: not a ledger this rabiskit can read (table {table} "
                                "lacks {columns}); it was changed by another program or is "
                                "damaged; restore a backup copy (nothing was changed)").format(
                file=path, table=table, columns=", ".join(missing)))
        typed = [(c, "integer" if t == "INTEGER" else "text" if t == "TEXT" else "blob")
                 for c, t in columns if t in ("INTEGER", "TEXT", "BLOB")]
        cond = " OR ".join(f'("{c}" IS NOT NULL AND typeof("{c}") <> \'{k}\')' for c, k in typed)
        row = conn.execute(f"SELECT {_ROW_NAME[table]}, * FROM {table} WHERE {cond} LIMIT 1"
                           ).fetchone()
        if row is not None:
            for c, k in typed:
                v = row[c]
                if v is not None and _sqlite_type(v) != k:
                    raise bad_value(path, f"{table} {row[0]}, {c}",
                                    _(_TYPE_PROBLEM[k]).format(value=_show(v)))
    for table, column, bad, problem in _VALUE_CHECKS:
        try:
            row = conn.execute(f"SELECT {_ROW_NAME[table]}, {column} FROM {table} "
                               f"WHERE {bad} LIMIT 1").fetchone()
        except sqlite3.OperationalError as e:
            if "no such function" in str(e):  # an SQLite without JSON: decoding checks later
                continue
            raise
        if row is not None:
            raise bad_value(path, f"{table} {row[0]}, {column}", _(problem).format(value=_show(row[1])))


_TYPE_PROBLEM = {"integer": N_("{value} is not a number"), "text": N_("{value} is not text"),
                 "blob": N_("{value} is not binary data")}


def _sqlite_type(v: Any) -> str:
    if isinstance(v, int):
        return "integer"
    if isinstance(v, str):
        return "text"
    if isinstance(v, bytes):
        return "blob"
    return "real"


#: the page size of a new ledger: a record's row (about 800 bytes, most of it the record)
#: leaves less of a 16 KB page unused than of SQLite's default 4 KB (the file is about 10%
#: smaller) and an import writes fewer, larger pages; SQLite reads a ledger of any page
#: size, so ledgers made with the default read as before
PAGE_SIZE = 16384


def _create(conn: sqlite3.Connection) -> None:
    # (before the first table: an empty database only takes a page size then)
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
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
            p=p, example=p / "ledger.sqlite"))
    existed = p.exists()
    if existed and not p.is_file():
        raise LedgerError(_("{file}: not a regular file (a device, pipe or socket), not a ledger").format(file=p))
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
    except (sqlite3.Error, LedgerError) as e:
        conn.close()
        if not existed:  # do not leave half a new ledger behind (a full disk, say)
            remove_new_ledger(p)
        if isinstance(e, sqlite3.Error):
            raise explain(e, p) from None
        raise
    return Ledger(p, conn)


def remove_new_ledger(path: Path) -> None:
    """Remove a ledger file this command created (and its journal) after a failure."""
    for q in (path, path.with_name(path.name + "-journal")):
        with contextlib.suppress(OSError):
            q.unlink()


def memory_copy(path: str | Path | None = None) -> Ledger:
    """An in-memory copy of the ledger at ``path``: changes to it never reach the file
    (used to count a ledger together with newer exports without importing them)."""
    with open_ledger(path) as src:
        mem = _connect(":memory:")
        try:
            src.conn.backup(mem)
        except sqlite3.Error as e:
            mem.close()
            raise explain(e, src.path) from None
    _configure(mem)
    return Ledger(Path(path) if path is not None else default_ledger_path(), mem)


def dumps(value: Any) -> str:
    return jsontext.dumps(value)
