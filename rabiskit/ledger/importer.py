"""``rabiskit import``: store the records of catalogue exports in the ledger.

``import_rows(ledger, blocks, summary, plan)`` stores what it is given: the records of the
export files already read and levelled, as blocks of rows (``RowBlock``: a worker process
computes them, ``rabiskit.ledger.codec.record_row``), and the Scan summary of the files they
came from; ``import_records`` the same from (SourceRecord, RecordFacts) pairs.  Reading
the export files is the pipeline's (``rabiskit.pipeline.ledger.import_inputs``).

Every record is keyed by ``(database, key)``: the database is the level named with
``--db LEVEL FILE`` for that file, otherwise ``database`` (default ``"catalogue"``: the one
catalogue the exports come from); the key is the control number (001), or a content hash
when the record has no 001 (see :mod:`rabiskit.ledger.codec`).  For each record read:

* not in the ledger: **added** (a record already marked deleted is added as deleted and
  listed under ``deleted``);
* in the ledger with the same checksum and the same facts: **unchanged** (its
  ``last_seen`` and location are updated);
* in the ledger with other content or other facts (a level given by changed rules, say):
  **changed** - the facts are replaced and the changes listed; a record now marked
  deleted (leader/05 d) is listed under **deleted** and is no longer counted;
* in the ledger with a newer 005 (date of last change) than the one read: **stale** - an
  older export imported after a newer one does not roll the ledger back; listed, not
  applied;
* read a second time within the same import (overlapping export files): **repeated**
  when identical; when the content differs, the later one is kept and a warning says so.

A record that is missing from an export is *not* deleted: exports are often partial (the
new records of a month).  Only leader/05 d deletes.

Closed quarters (``rabiskit ledger close``): when an import adds, changes or deletes a
record so that what it contributes to a closed quarter (counted or not, its level, its
first language) differs, the change is applied to the ledger *and* stored as a
**correction** of that quarter.  The closed quarter's frozen numbers stay what was
reported; reports list the corrections beside them (see :mod:`rabiskit.ledger.closing`).

The whole import is one transaction: on any error, an interruption or a kill nothing of
it stays, and importing again gives the same result as an uninterrupted import.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import operator
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import repeat
from typing import Any, Callable, Iterable, Iterator, Mapping

from rabiskit.aggregate.period import quarter_of
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import FileSummary, Scan, problem_dict
from rabiskit.i18n import N_
from rabiskit.records import SourceRecord
from rabiskit.records.record import not_bibliographic
from rabiskit.ledger.corrections import Correction
from rabiskit.ledger.codec import (COMPARED_FACTS, COUNTED_FACTS, FACT_COLUMNS, RECORD_COLUMNS,
                                   ROW_COLUMNS, ROW_PROBLEMS, changed_facts, facts_row,
                                   StoredForm, record_key, record_row)
from rabiskit.ledger.store import DEFAULT_DATABASE, SCHEMA_VERSION, Ledger, LedgerError, dumps
from rabiskit.plan.model import Plan


class ImportAborted(LedgerError):
    """An input could not be read at all: nothing of the import was applied."""


@dataclass(frozen=True)
class RecordChange:
    """One record an import changed, deleted or did not apply (stale)."""

    database: str
    key: str
    control_number: str | None
    title: str | None
    file: str
    record: int
    offset: int
    changes: tuple[str, ...]  # human-readable: "level: article → book"
    was_counted: bool | None = None  # deleted: whether it counted before

    def as_dict(self) -> dict:
        d = asdict(self)
        d["changes"] = list(self.changes)
        if self.was_counted is None:
            del d["was_counted"]
        return d


@dataclass
class ImportResult:
    """What an import did (the JSON of ``rabiskit import --format json``)."""

    import_id: int
    ledger: str
    records: int = 0
    not_bibliographic: int = 0  # read, kept in the ledger, counted at no level
    added: int = 0
    unchanged: int = 0
    repeated: int = 0
    changed: list[RecordChange] = field(default_factory=list)
    deleted: list[RecordChange] = field(default_factory=list)
    stale: list[RecordChange] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    databases: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "import": self.import_id, "ledger": self.ledger, "records": self.records,
            "not_bibliographic": self.not_bibliographic,
            "added": self.added, "changed": [c.as_dict() for c in self.changed],
            "deleted": [c.as_dict() for c in self.deleted], "unchanged": self.unchanged,
            "stale": [c.as_dict() for c in self.stale], "repeated": self.repeated,
            "corrections": [c.as_dict() for c in self.corrections],
            "databases": dict(self.databases), "files": self.files,
            "problems": self.problems, "warnings": self.warnings,
        }


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def rules_fingerprint(plan: Plan) -> str:
    """A short fingerprint of the level rules in force (the levels records get)."""
    return hashlib.sha256(repr(plan.rules_in_force()).encode("utf-8")).hexdigest()[:16]


def period_label(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def contribution(row: Any) -> tuple[str, str, str] | None:
    """(quarter label, level, first language) a stored record counts under, or None
    when it counts nowhere (deleted, not bibliographic or undated) - the same rules as
    ``Tally.add``."""
    if row is None or row["deleted"] or not row["date_entered"]:
        return None
    if not_bibliographic(row["record_type"], row["flavour"]):
        return None
    d = dt.date.fromisoformat(row["date_entered"])
    return period_label(d.year, quarter_of(d)), row["level"] or "book", row["language"]


# -- FileSummary to and from JSON (the per-file header of counts from the ledger) -------
_COUNTERS = ("flavours", "encodings", "encoding_reasons", "record_types",
             "bibliographic_levels", "languages", "levels")


def summary_json(s: FileSummary) -> str:
    d = {k: getattr(s, k) for k in ("file", "format", "size", "db_level", "records", "damaged",
                                   "not_bibliographic", "date_missing", "duplicate_of", "error")}
    for k in _COUNTERS:
        d[k] = list(getattr(s, k).items())
    d["date_min"] = s.date_min.isoformat() if s.date_min else None
    d["date_max"] = s.date_max.isoformat() if s.date_max else None
    return dumps(d)


def summary_from_json(text: str) -> FileSummary:
    d = json.loads(text)
    s = FileSummary(file=d["file"])
    for k in ("format", "size", "db_level", "records", "damaged", "date_missing", "duplicate_of",
              "error"):
        setattr(s, k, d[k])
    s.not_bibliographic = d.get("not_bibliographic", 0)  # ledgers written before it was kept
    for k in _COUNTERS:
        setattr(s, k, Counter({key: n for key, n in d[k]}))
    s.date_min = dt.date.fromisoformat(d["date_min"]) if d["date_min"] else None
    s.date_max = dt.date.fromisoformat(d["date_max"]) if d["date_max"] else None
    return s


def _describe(old: Any, new: dict, names: list[str]) -> tuple[str, ...]:
    """``fact: old → new`` for each changed fact (content changes outside the facts: one line)."""
    out = [f"{COUNTED_FACTS.get(n, n.replace('_', ' '))}: {_show(old[n])} → {_show(new[n])}"
           for n in names]
    return tuple(out) or ("content (fields rabiskit does not count)",)


def _show(v: Any) -> str:
    if v is None or v == "":
        return "—"
    if v == " ":
        return "blank"
    if isinstance(v, str) and v.startswith("["):  # a JSON list column (languages, isbn, links)
        try:
            v = ", ".join(json.loads(v)) or "—"
        except (ValueError, TypeError):
            pass
    text = str(v)
    return text if len(text) <= 60 else text[:57] + "…"


_UPDATE_ALL = ", ".join(f"{c} = :{c}" for c in FACT_COLUMNS + RECORD_COLUMNS)
#: a record's row: its database, ``record_row``'s columns, then what this import puts there
_INSERT_COLS = ("database",) + ROW_COLUMNS + (
    "first_seen", "last_seen", "first_import", "last_import", "changed_import", "position")
_INSERT = (f"INSERT INTO records ({', '.join(_INSERT_COLS)}) "
           f"VALUES ({', '.join(':' + c for c in _INSERT_COLS)})")
_UPDATE = (f"UPDATE records SET checksum = :checksum, deleted = :deleted, {_UPDATE_ALL}, "
           "last_seen = :seen, last_import = :import_id, changed_import = :import_id, "
           "position = :position WHERE database = :database AND key = :key")
#: what a record seen again changes of its row: (column, the row's value)
_SEEN_SET = (("last_seen", "seen"), ("last_import", "import_id"), ("position", "position"),
             *((c, c) for c in ("file", "record", "offset", "line", "length",
                                "encoding_reason", "problems")))
_SEEN = (f"UPDATE records SET {', '.join(f'{c} = :{v}' for c, v in _SEEN_SET)} "
         "WHERE database = :database AND key = :key")
_CORRECTION = (
    "INSERT INTO corrections (period, import_id, database, key, control_number, title, "
    "file, record, kind, before_level, before_language, after_level, after_language, "
    "what) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")

#: records decided together when some may be in the ledger already: first all marked seen
#: by one statement where the ledger holds them as they are (``_seen_as_stored``), else
#: looked up by one SELECT and written by an executemany per statement.  (A chunk with a
#: record that differs is tried both ways, so a chunk is kept small.  The short benchmark
#: file imported again, every record unchanged, under the profiler: 8.1 s in the import's
#: own process when each record was decided by Python in batches of 500, 3.6 s so)
BATCH = 100
#: the indexes rebuilt after the import (not kept up record by record) when the import
#: starts on an empty ledger: the dates entered come in no order, so their keys are built
#: once, sorted.  (``records_order`` is kept up: its keys, this import's files and record
#: numbers, come in order, each added at the index's end for less than building it after
#: the last block costs, when the workers have nothing left to do)
_DEFERRED_INDEXES = {
    "records_date": "CREATE INDEX records_date ON records (date_entered)",
}
_ROW = {c: k for k, c in enumerate(ROW_COLUMNS)}
#: what the decision about a record read again looks at of its stored row (``_existing``):
#: not the record itself, nor when it was seen (a fifth of the row's bytes, the blob most)
_OLD_COLUMNS = ("database", "key", "checksum", "deleted", "first_import", "last_import",
                *FACT_COLUMNS)
_OLD_SELECT = ", ".join(_OLD_COLUMNS)
#: the facts ``changed_facts`` compares, from the stored row (by position) and from the row
#: read now (by name)
_old_facts = operator.itemgetter(*(_OLD_COLUMNS.index(c) for c in COMPARED_FACTS))
_new_facts = operator.itemgetter(*COMPARED_FACTS)
#: ``_SEEN`` of a record only where the ledger holds it as it is read now (the same checksum
#: and facts) and this import has not read it yet: what ``store`` decides of such a record
#: (unchanged), decided by SQLite for a whole chunk (``IS``: NULL matches NULL)
#: (bound by position, from the block's columns: no row made for the record; sqlite3 also
#: looks a named parameter up by a name it makes each time, a fifth of the statement's time
#: with these 43)
_SEEN_AS_STORED = (
    f"UPDATE records SET {', '.join(f'{c} = ?' for c, _v in _SEEN_SET)} "
    "WHERE database = ? AND key = ? AND checksum = ? AND last_import <> ? AND "
    + " AND ".join(f"{c} IS ?" for c in COMPARED_FACTS))
#: the block's columns bound (but the import's own values: the time, its id, the position
#: and database), in order: the SET's after the import's three, then the facts compared
_SEEN_ROW = tuple(_ROW[v] for _c, v in _SEEN_SET[3:]) + tuple(_ROW[c] for c in COMPARED_FACTS)
_KEY, _CHECKSUM = _ROW["key"], _ROW["checksum"]
_DELETED = _ROW["deleted"]
_BLOB = _ROW["record_data"]
#: the columns a whole block often gives one value (all NULL, or one file, encoding,
#: status...): ``add_new``'s statement then writes that value as a literal instead of
#: binding it row by row (sqlite3 binds each value of each row, None through its
#: adapters, slowly)
_UNIFORM = tuple(k for k, c in enumerate(ROW_COLUMNS) if c not in (
    "key", "checksum", "record", "offset", "length", "record_data"))
#: the ``add_new`` statements by the columns given as literals (index, value) and the
#: import's own values; bounded (cleared when full)
_INSERT_NEW: dict[tuple, str] = {}
_INSERT_NEW_MAX = 256


def _literal(value: Any) -> str | None:
    """``value`` as an SQL literal that stores what binding it stores (None: not one that
    can be written so)."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # (lone surrogates: binding raises, as it should)
            return None
        return "'" + value.replace("'", "''") + "'"
    return None


def _uniform(columns: list[list], n: int) -> dict[int, str]:
    """The columns of ``_UNIFORM`` whose ``n`` values are all one value that can be written
    as a literal: {index: literal}."""
    out = {}
    last, mid = n - 1, n // 2
    for k in _UNIFORM:
        col = columns[k]
        first = col[0]
        # (most columns that are not uniform differ at the middle or the end: no count)
        if col[last] == first and col[mid] == first and col.count(first) == n:
            text = _literal(first)
            if text is not None:
                out[k] = text
    return out


#: the ``ROW_COLUMNS`` the ``records`` table lets hold NULL: the others never hold a None
#: (the row would not be stored; binding it fails the same), so only these are looked
#: through for one (``None in`` a column of text compares every value: 12 columns of 34,
#: measured 0.17 µs a record instead of 0.35 on the short benchmark file)
_NULLABLE = tuple(_ROW[c] for c in (
    "control_number", "date_entered", "date_entered_problem", "date_entered_raw",
    "date_changed", "title", "extent", "pages", "article_pages", "host_title", "level",
    "line"))

#: a NULL bound as a value of the other type, for a column of text (an integer) and one of
#: integers (text): ``NULLIF`` gives it back as NULL, every other value as it is bound
_NULL_AS = {str: (0, "NULLIF(?, 0)"), int: ("", "NULLIF(?, '')")}


def _nulls_unbound(columns: list[list], skip: dict[int, str],
                   which: Iterable[int] | None = None) -> dict[int, tuple[str, list]]:
    """The columns (but those of ``skip``) that hold NULLs among values of one type, text
    or integers, as {index: (the expression that binds them, the values with each None
    replaced by a value of the other type)}: sqlite3 binds None through its adapters (five
    times an integer's time), a value of the other type directly, and ``NULLIF`` of it
    stores NULL (no value of the column's own type equals it).  ``which``: the columns to
    look through (default: all)."""
    out = {}
    for k in range(len(columns)) if which is None else which:
        col = columns[k]
        if k in skip or None not in col:
            continue
        kinds = set(map(type, col))
        kinds.discard(type(None))
        if len(kinds) != 1:
            continue
        spec = _NULL_AS.get(kinds.pop())
        if spec is not None:
            null, expr = spec
            out[k] = (expr, [null if v is None else v for v in col])
    return out


def _insert_new(uniform: dict[int, str], own: tuple) -> str:
    """The INSERT of a block's rows (``_INSERT_COLS``; one ``executemany``): the
    ``ROW_COLUMNS`` of ``uniform`` (index: a literal, or the expression a value is bound
    in) and this import's ``own`` values (the database, first and last seen, first, last
    and changed import, position) written as literals, every other value bound (``?``),
    in order."""
    key = (tuple(uniform.items()), own)
    sql = _INSERT_NEW.get(key)
    if sql is None:
        if len(_INSERT_NEW) >= _INSERT_NEW_MAX:
            _INSERT_NEW.clear()
        texts = [_literal(v) for v in own]
        if any(t is None for t in texts):
            raise ValueError(f"not a literal: {own!r}")
        values = ", ".join([texts[0], *(uniform.get(k, "?") for k in range(len(ROW_COLUMNS))),
                            *texts[1:]])
        sql = _INSERT_NEW[key] = (f"INSERT INTO records ({', '.join(_INSERT_COLS)}) "
                                  f"VALUES ({values})")
    return sql


@dataclass
class RowBlock:
    """Records of one file as the importer takes them: ``columns`` holds one sequence of
    values per column of ``ROW_COLUMNS`` (the same length each), as ``record_row`` gives
    them but numbered in the file and with the problems as JSON text."""

    file: str
    columns: list[list[Any]]

    @property
    def size(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def rows_of_pairs(pairs: Iterable[tuple[SourceRecord | StoredForm, RecordFacts]],
                  batch: int = 2000) -> Iterator[RowBlock]:
    """(SourceRecord or StoredForm, RecordFacts) pairs as RowBlocks (of one file each)."""
    rows: list[tuple] = []
    file = None
    for src, facts in pairs:
        if rows and (facts.file != file or len(rows) >= batch):
            yield rows_block(file, rows)
            rows = []
        file = facts.file
        rows.append(pair_row(src, facts))
    if rows:
        yield rows_block(file, rows)


def pair_row(src: SourceRecord | StoredForm, facts: RecordFacts) -> tuple:
    """``record_row`` of a pair, the problems as JSON."""
    if isinstance(src, StoredForm):
        row = facts_row(facts)
        key = record_key(facts.control_number, src.checksum)
        values = tuple([key, src.checksum, int(facts.is_deleted)]
                       + [row[c] for c in FACT_COLUMNS]
                       + [src.length, src.encoding_reason, src.problems, src.blob])
    else:
        values = record_row(src, facts)
    problems = values[ROW_PROBLEMS]
    return values[:ROW_PROBLEMS] + (problems_json(problems),) + values[ROW_PROBLEMS + 1:]


def problems_json(problems, shift: int = 0) -> str:
    """The reader's problems of a record as stored, their record numbers moved by ``shift``."""
    if not problems:
        return "[]"
    if shift:
        problems = [dataclasses.replace(p, record=None if p.record is None else p.record + shift)
                    for p in problems]
    return dumps([problem_dict(p) for p in problems])


def rows_block(file: str | None, rows: list[tuple]) -> RowBlock:
    return RowBlock(file or "", [list(c) for c in zip(*rows)])


def import_records(ledger: Ledger, records: Iterable[tuple[SourceRecord | StoredForm, RecordFacts]],
                   summary: Scan, plan: Plan, **options) -> ImportResult:
    """Store ``records`` (SourceRecord or its ``StoredForm``, RecordFacts pairs, levels
    already given by ``plan``'s rules) in ``ledger`` in one transaction, as ``import_rows``
    (the same options); returns what was done."""
    return import_rows(ledger, rows_of_pairs(records), summary, plan, **options)


def import_rows(ledger: Ledger, blocks: Iterable[RowBlock], summary: Scan, plan: Plan, *,
                databases: Mapping[str, str] | None = None,
                positions: Mapping[str, int] | None = None,
                database: str = DEFAULT_DATABASE,
                now: Callable[[], str] = utc_now) -> ImportResult:
    """Store the records of ``blocks`` (levels already given by ``plan``'s rules) in
    ``ledger`` in one transaction; returns what was done.

    ``summary`` is the Scan the records come with: its file summaries, problems and
    warnings must be complete once ``blocks`` is exhausted (``rabiskit.facts.scan.scan``
    fills the ``result`` it is given that way).  ``databases`` maps a file (as records
    name it) to its database (default ``database``), ``positions`` to its place among
    the import's files (default 0).

    A block whose records are all new to the ledger (and to this import) is added with
    one ``executemany`` inside a savepoint; when one of them is there already, the
    savepoint is rolled back and the records of that block and of every later one are
    looked up and decided one by one (added, unchanged, changed, repeated, stale): the same
    ledger either way.  With closed quarters every record is decided one by one (each
    may correct one).

    Raises ImportAborted (nothing applied) when a file of ``summary`` could not be read at
    all, and LedgerError when the ledger is locked or cannot be written."""
    databases = databases or {}
    positions = positions or {}
    fingerprint = rules_fingerprint(plan)
    with ledger.transaction():
        conn = ledger.conn
        started = now()
        # (a ledger of schema 1 gets records of ``record_text``'s own form from here on)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version' AND value <> ?",
                     (str(SCHEMA_VERSION), str(SCHEMA_VERSION)))
        cur = conn.execute("INSERT INTO imports (started, plan, rules) VALUES (?, ?, ?)",
                           (started, plan.source, fingerprint))
        import_id = cur.lastrowid
        result = ImportResult(import_id=import_id, ledger=str(ledger.path))
        previous_rules = conn.execute(
            "SELECT id, rules FROM imports WHERE id < ? AND finished IS NOT NULL "
            "ORDER BY id DESC LIMIT 1", (import_id,)).fetchone()
        if previous_rules is not None and previous_rules["rules"] != fingerprint:
            result.warnings.append(
                N_("the level rules differ from those of import {id}: records read now get the new levels; records not in these exports keep the levels they got then (import the whole catalogue again to re-level them all)").format(
                    id=previous_rules['id']))
        deferred = _defer_indexes(conn)
        state = _ImportState(ledger, result, import_id, started,
                             {r[0] for r in conn.execute("SELECT period FROM closed_quarters")})
        # new records are added a block at a time until a block meets one already stored
        # (or read twice): from there on each record is looked up first
        fast = not state.closed
        for block in blocks:
            n = block.size
            if not n:
                continue
            db = databases.get(block.file, database)
            position = positions.get(block.file, 0)
            result.records += n
            result.databases[db] += n
            # (once per kind of record: types and flavours repeat)
            types, flavours = block.columns[_ROW["record_type"]], block.columns[_ROW["flavour"]]
            if types.count(types[0]) == n and flavours.count(flavours[0]) == n:
                kinds = Counter({(types[0], flavours[0]): n})  # (the usual block: one kind)
            else:
                kinds = Counter(zip(types, flavours))
            result.not_bibliographic += sum(n for (t, f), n in kinds.items()
                                            if not_bibliographic(t, f) is not None)
            if fast and state.add_new(block, db, position):
                continue
            fast = False
            state.store(block.columns, db, position)
        for f in summary.files:
            if f.error:
                if f.error.startswith(f"{f.file}: "):  # the error names the file already
                    raise ImportAborted(N_("{error}; nothing was imported").format(error=f.error))
                raise ImportAborted(N_("{file}: {error}; nothing was imported").format(
                    file=f.file, error=f.error))
        for name, sql in deferred:
            conn.execute(sql)
        result.warnings[:0] = summary.warnings
        for k, f in enumerate(summary.files):
            db = databases.get(f.file, database)
            conn.execute(
                "INSERT INTO import_files (import_id, position, file, database, format, size, "
                "records, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (import_id, k, f.file, db, f.format, f.size, f.records, summary_json(f)))
            conn.executemany(
                "INSERT INTO import_problems (import_id, position, seq, problem) VALUES (?, ?, ?, ?)",
                [(import_id, k, n, dumps(problem_dict(p))) for n, p in enumerate(f.problems)])
            result.files.append({"file": f.file, "database": db, "format": f.format,
                                 "records": f.records, "problems": len(f.problems),
                                 **({"duplicate_of": f.duplicate_of} if f.duplicate_of else {})})
        result.problems = [problem_dict(p) for p in summary.problems]
        conn.execute(
            "UPDATE imports SET finished = ?, records = ?, added = ?, changed = ?, unchanged = ?, "
            "deleted = ?, stale = ?, repeated = ?, corrections = ?, problems = ? WHERE id = ?",
            (now(), result.records, result.added, len(result.changed), result.unchanged,
             len(result.deleted), len(result.stale), result.repeated, len(result.corrections),
             len(result.problems), import_id))
    return result


class _Writes:
    """The statements of one batch, in order; consecutive ones of the same SQL are sent
    as one ``executemany``."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.pending: list[tuple[str, Any]] = []

    def add(self, sql: str, params: Any) -> None:
        self.pending.append((sql, params))

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        k = 0
        while k < len(pending):
            sql = pending[k][0]
            j = k + 1
            while j < len(pending) and pending[j][0] == sql:
                j += 1
            if j - k == 1:
                self.conn.execute(sql, pending[k][1])
            else:
                self.conn.executemany(sql, [params for _sql, params in pending[k:j]])
            k = j


def _defer_indexes(conn) -> list[tuple[str, str]]:
    """Drop the indexes of ``_DEFERRED_INDEXES`` when the ledger holds no record yet, to
    build them once at the end of the import (in the same transaction: a killed import
    leaves them as they were).  Returns (name, CREATE statement) of those dropped."""
    if conn.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None:
        return []
    out = []
    for name, sql in _DEFERRED_INDEXES.items():
        have = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                            (name,)).fetchone()
        if have is not None and have[0] == sql:
            conn.execute(f"DROP INDEX {name}")
            out.append((name, sql))
    return out


class _ImportState:
    """What one import has done so far, and how it decides each record.

    Which records this import has already read (an overlap of export files) is kept in
    the ledger itself, not in memory: a row written by this import has ``last_import`` =
    this import (and ``first_import`` too when it added it).  Only the records it did not
    write are remembered here: the stale ones, and the new records already marked deleted
    (so that a later, undeleted copy is listed as a change) - both few."""

    def __init__(self, ledger: Ledger, result: ImportResult, import_id: int, started: str,
                 closed: set[str]) -> None:
        self.ledger = ledger
        self.conn = ledger.conn
        self.result = result
        self.import_id = import_id
        self.started = started
        self.closed = closed
        self.stale: set[tuple[str, str]] = set()
        self.added_deleted: set[tuple[str, str]] = set()
        self.writes = _Writes(self.conn)

    def _existing(self, batch: list[dict]) -> dict[tuple[str, str], Any]:
        """The ledger's rows of the records of ``batch``, by (database, key)."""
        keys: dict[str, list[str]] = {}
        for row in batch:
            keys.setdefault(row["database"], []).append(row["key"])
        out = {}
        for db, ks in keys.items():
            ks = list(dict.fromkeys(ks))
            marks = ", ".join("?" * len(ks))
            for r in self.conn.execute(
                    f"SELECT {_OLD_SELECT} FROM records WHERE database = ? AND key IN ({marks})",
                    (db, *ks)):
                out[(r[0], r[1])] = r
        return out

    def _fresh(self, ident: tuple[str, str]) -> Any:
        self.writes.flush()
        return self.conn.execute(f"SELECT {_OLD_SELECT} FROM records WHERE database = ? AND "
                                 "key = ?", ident).fetchone()

    def add_new(self, block: RowBlock, db: str, position: int) -> bool:
        """Add the records of ``block`` when none of them is in the ledger (nor twice in
        the block): True; otherwise nothing is written and False."""
        started, import_id = self.started, self.import_id
        n = block.size
        own = (db, started, started, import_id, import_id, import_id, position)
        if any(_literal(v) is None for v in own):  # (a database name with a NUL, say)
            return False
        uniform = _uniform(block.columns, n)
        nulls = _nulls_unbound(block.columns, uniform, _NULLABLE)
        bound = [nulls[k][1] if k in nulls else c for k, c in enumerate(block.columns)
                 if k not in uniform]
        shapes = dict(uniform)
        shapes.update((k, expr) for k, (expr, _values) in nulls.items())
        # the blobs as bytearrays: sqlite3 binds bytes through its adapters, slowly (and
        # pickles bytearrays slowly: they come from the workers as bytes)
        bound[_BLOB - sum(1 for k in uniform if k < _BLOB)] = list(map(bytearray,
                                                                       block.columns[_BLOB]))
        rows = zip(*bound)
        conn = self.conn
        conn.execute("SAVEPOINT new_records")
        try:
            conn.executemany(_insert_new(shapes, own), rows)
        except sqlite3.IntegrityError:  # a key there already (other errors: the whole
            conn.execute("ROLLBACK TO new_records")  # import is rolled back)
            conn.execute("RELEASE new_records")
            return False
        conn.execute("RELEASE new_records")
        deleted = block.columns[_DELETED]
        if any(deleted):
            names = ("key", "control_number", "title", "file", "record", "offset")
            cols = [block.columns[_ROW[c]] for c in names]
            for k in [k for k, d in enumerate(deleted) if d]:
                row = {c: col[k] for c, col in zip(names, cols)}
                row["database"] = db
                self.result.deleted.append(_change(row, ("new record, already marked deleted",),
                                                   was_counted=False))
                self.added_deleted.add((db, row["key"]))
        self.result.added += block.size - sum(1 for d in deleted if d)
        return True

    def store(self, columns: list[list], db: str, position: int) -> None:
        """Decide and write the records of a block (``ROW_COLUMNS``; in order).  A chunk of
        them that the ledger holds as they are is marked seen by one statement
        (``_seen_as_stored``); the others are looked up and decided one by one
        (``_store``)."""
        n = len(columns[0])
        for a in range(0, n, BATCH):
            b = min(a + BATCH, n)
            if not self._seen_as_stored(columns, a, b, db, position):
                self._store(self._rows(columns, a, b, db, position))

    def _rows(self, columns: list[list], a: int, b: int, db: str, position: int) -> list[dict]:
        """The records ``a:b`` of a block as the rows ``_store`` decides."""
        started, import_id = self.started, self.import_id
        rows = []
        for values in zip(*(c[a:b] for c in columns)):
            row = dict(zip(ROW_COLUMNS, values))
            row.update(database=db, seen=started, import_id=import_id, position=position,
                       first_seen=started, last_seen=started, first_import=import_id,
                       last_import=import_id, changed_import=import_id)
            rows.append(row)
        return rows

    def _seen_as_stored(self, columns: list[list], a: int, b: int, db: str,
                        position: int) -> bool:
        """When the ledger holds every record ``a:b`` of a block as it is read now (the
        same checksum and facts) and none of them was read by this import before (nor
        found stale): each marked seen, counted unchanged, True.  Otherwise nothing is
        written and False."""
        m = b - a
        keys = columns[_KEY][a:b]
        if self.stale and any((db, k) in self.stale for k in keys):
            return False
        started, import_id = self.started, self.import_id
        part = [columns[k][a:b] for k in _SEEN_ROW]
        own = len(_SEEN_SET) - 3  # (the SET's values from the block)
        params = zip(repeat(started, m), repeat(import_id, m), repeat(position, m), *part[:own],
                     repeat(db, m), keys, columns[_CHECKSUM][a:b], repeat(import_id, m),
                     *part[own:])
        conn = self.conn
        conn.execute("SAVEPOINT seen_records")  # (an error: the whole import is rolled back)
        seen = conn.executemany(_SEEN_AS_STORED, params).rowcount
        if seen != m:  # (one changed, new, or read twice: decided one by one)
            conn.execute("ROLLBACK TO seen_records")
        conn.execute("RELEASE seen_records")
        if seen == m:
            self.result.unchanged += m
            return True
        return False

    def _store(self, batch: list[dict]) -> None:
        existing = self._existing(batch)
        written: set[tuple[str, str]] = set()  # written in this batch: read them back
        result, import_id = self.result, self.import_id
        for row in batch:
            db, key, checksum = row["database"], row["key"], row["checksum"]
            ident = (db, key)
            deleted = bool(row["deleted"])
            old = self._fresh(ident) if ident in written else existing.get(ident)
            # read already by this import: it wrote the row, or found it stale
            touched = old is not None and (old["last_import"] == import_id
                                           or ident in self.stale)
            if touched:
                if old["checksum"] == checksum:
                    result.repeated += 1
                    continue
                result.warnings.append(
                    N_("{where}: {ident} was already read in this import with other content; the later one is kept").format(
                        where=N_("{file}, record {record}").format(file=row["file"],
                                                                   record=row["record"]),
                        ident=_ident(db, key)))
            if old is None:
                self.writes.add(_INSERT, row)
                written.add(ident)
                if deleted:
                    result.deleted.append(_change(row, ("new record, already marked deleted",),
                                                  was_counted=False))
                    self.added_deleted.add(ident)
                else:
                    result.added += 1
            else:
                # (the usual record read again: its facts all as they were, compared at once)
                names = ([] if _old_facts(old) == _new_facts(row)
                         else changed_facts(old, row))
                if old["checksum"] == checksum and not names:
                    self.writes.add(_SEEN, row)
                    written.add(ident)
                    if not touched:
                        result.unchanged += 1
                    continue
                if (old["date_changed"] and row["date_changed"]
                        and row["date_changed"] < old["date_changed"]):
                    result.stale.append(_change(row, (
                        N_("005 {date_changed} is older than the ledger's {date_changed2}: not applied").format(
                            date_changed=row['date_changed'], date_changed2=old['date_changed']),)))
                    if not touched:
                        self.stale.add(ident)
                    continue
                self.writes.add(_UPDATE, row)
                written.add(ident)
                if deleted and not old["deleted"]:
                    result.deleted.append(_change(row, ("marked deleted (leader/05 d)",),
                                                  was_counted=contribution(old) is not None))
                else:
                    what = _describe(old, row, names)
                    if old["deleted"] and not deleted:
                        what = ("no longer marked deleted",) + what
                    # a record this import added is listed as added, not as changed too
                    added_now = (old["first_import"] == import_id
                                 and ident not in self.added_deleted)
                    if not added_now:
                        result.changed.append(_change(row, what))
            if self.closed:
                with self.ledger.decoding(f"records {db}/{key}"):
                    _corrections(self.writes, result, self.closed, old, row, import_id)
        self.writes.flush()


def _ident(db: str, key: str) -> str:
    if db == DEFAULT_DATABASE:
        return N_("record {key}").format(key=key)
    return N_("record {key} of {db}").format(key=key, db=db)


def _change(row: dict, changes: tuple[str, ...], was_counted: bool | None = None) -> RecordChange:
    return RecordChange(row["database"], row["key"], row["control_number"], row["title"],
                        row["file"], row["record"], row["offset"], changes, was_counted)


def _corrections(writes: _Writes, result: ImportResult, closed: set[str], old: Any,
                 row: dict, import_id: int) -> None:
    before = contribution(old)
    after = contribution(row)
    if before == after:
        return
    periods = [p for p in dict.fromkeys(c[0] for c in (before, after) if c) if p in closed]
    for period in periods:
        b = before[1:] if before and before[0] == period else None
        a = after[1:] if after and after[0] == period else None
        kind = "changed" if a and b else ("added" if a else "removed")
        what = _correction_text(old, row, before, after)
        c = Correction(period, import_id, row["database"], row["key"], row["control_number"],
                       row["title"], row["file"], row["record"], kind, b, a, what)
        result.corrections.append(c)
        writes.add(_CORRECTION, (
            period, import_id, c.database, c.key, c.control_number, c.title, c.file, c.record,
            kind, b[0] if b else None, b[1] if b else None, a[0] if a else None,
            a[1] if a else None, what))


def _correction_text(old: Any, row: dict, before, after) -> str:
    if old is None:
        return "new record"
    if row["deleted"] and not old["deleted"]:
        return "marked deleted (leader/05 d)"
    if old["deleted"] and not row["deleted"]:
        return "no longer marked deleted"
    parts = []
    if (old["level"] or "book") != (row["level"] or "book"):
        parts.append(N_("level {v} → {v2}").format(
            v=old['level'] or 'book', v2=row['level'] or 'book'))
    if old["language"] != row["language"]:
        parts.append(N_("language {language} → {language2}").format(
            language=old['language'], language2=row['language']))
    if old["date_entered"] != row["date_entered"]:
        parts.append(N_("date entered {v} → {v2}").format(
            v=old['date_entered'] or '—', v2=row['date_entered'] or '—'))
    return "; ".join(parts) or "changed"
