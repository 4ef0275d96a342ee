"""``rabiskit import``: bring the records of catalogue exports into the ledger.

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

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

from rabiskit.i18n import N_
from rabiskit.aggregate.count import classifier_for
from rabiskit.records.record import not_bibliographic
from rabiskit.aggregate.period import quarter_of
from rabiskit.facts.scan import FileSummary, Input, Scan, problem_dict, scan
from rabiskit.ledger.codec import (COUNTED_FACTS, FACT_COLUMNS, changed_facts, facts_row,
                                   record_blob, record_checksum, record_key)
from rabiskit.ledger.store import DEFAULT_DATABASE, Ledger, LedgerError, dumps
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


@dataclass(frozen=True)
class Correction:
    """What a later import changes in a closed quarter, for one record.

    ``before``/``after`` are (level, first language) of the record's contribution to the
    quarter, or None when it did not (or no longer does) count there."""

    period: str
    import_id: int
    database: str
    key: str
    control_number: str | None
    title: str | None
    file: str | None
    record: int | None
    kind: str  # added | removed | changed
    before: tuple[str, str] | None
    after: tuple[str, str] | None
    what: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["before"] = None if self.before is None else {"level": self.before[0],
                                                          "language": self.before[1]}
        d["after"] = None if self.after is None else {"level": self.after[0],
                                                        "language": self.after[1]}
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


#: the record itself and what the reader said about it (for ``ledger_sources``)
RECORD_COLUMNS = ("length", "encoding_reason", "problems", "record_data")
_UPDATE_ALL = ", ".join(f"{c} = :{c}" for c in FACT_COLUMNS + RECORD_COLUMNS)
_INSERT_COLS = ("database", "key", "checksum", "deleted") + FACT_COLUMNS + RECORD_COLUMNS + (
    "first_seen", "last_seen", "first_import", "last_import", "changed_import", "position")
_INSERT = (f"INSERT INTO records ({', '.join(_INSERT_COLS)}) "
           f"VALUES ({', '.join(':' + c for c in _INSERT_COLS)})")


def import_inputs(ledger: Ledger, inputs: Sequence[Input], plan: Plan, *,
                  database: str = DEFAULT_DATABASE, encoding: str | None = None,
                  flavour: str | None = None, progress: Callable[[int, str], None] | None = None,
                  now: Callable[[], str] = utc_now) -> ImportResult:
    """Import ``inputs`` into ``ledger`` in one transaction; returns what was done.

    Raises ImportAborted (nothing applied) when an input cannot be read at all, and
    LedgerError when the ledger is locked or cannot be written."""
    inputs = list(inputs)
    positions = {inp.display: k for k, inp in enumerate(inputs)}
    databases = {inp.display: inp.db_level or database for inp in inputs}
    fingerprint = rules_fingerprint(plan)
    with ledger.transaction():
        conn = ledger.conn
        started = now()
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
        closed = {r[0] for r in conn.execute("SELECT period FROM closed_quarters")}
        touched: dict[tuple[str, str], str] = {}
        scanned = Scan()
        for src, facts in scan(inputs, classify=classifier_for(plan), encoding=encoding,
                               flavour=flavour, result=scanned, progress=progress):
            result.records += 1
            result.not_bibliographic += facts.not_bibliographic is not None
            db = databases.get(facts.file, database)
            row = facts_row(facts)
            checksum = record_checksum(src.record)
            key = record_key(facts.control_number, checksum)
            ident = (db, key)
            result.databases[db] += 1
            row.update(database=db, key=key, checksum=checksum, deleted=int(facts.is_deleted),
                       seen=started, import_id=import_id, position=positions.get(facts.file, 0),
                       length=src.length, encoding_reason=src.encoding_reason,
                       problems=dumps([problem_dict(p) for p in src.problems]),
                       record_data=record_blob(src.record))
            old = conn.execute("SELECT * FROM records WHERE database = ? AND key = ?",
                               ident).fetchone()
            where = N_("{file}, record {record}").format(file=facts.file, record=facts.record)
            if ident in touched:
                if old is not None and old["checksum"] == checksum:
                    result.repeated += 1
                    continue
                result.warnings.append(
                    N_("{where}: {ident} was already read in this import with other content; the later one is kept").format(
                        where=where, ident=_ident(db, key)))
            if old is None:
                _insert(conn, row)
                kind = "added"
                if facts.is_deleted:
                    result.deleted.append(_change(row, ("new record, already marked deleted",),
                                                  was_counted=False))
                    kind = "deleted"
                else:
                    result.added += 1
            else:
                names = changed_facts(old, row)
                if old["checksum"] == checksum and not names:
                    conn.execute(
                        "UPDATE records SET last_seen = :seen, last_import = :import_id, "
                        "position = :position, file = :file, record = :record, "
                        "offset = :offset, line = :line, length = :length, "
                        "encoding_reason = :encoding_reason, problems = :problems "
                        "WHERE database = :database AND key = :key",
                        row)
                    if ident not in touched:
                        result.unchanged += 1
                    touched.setdefault(ident, "unchanged")
                    continue
                if (old["date_changed"] and row["date_changed"]
                        and row["date_changed"] < old["date_changed"]):
                    result.stale.append(_change(row, (
                        N_("005 {date_changed} is older than the ledger's {date_changed2}: not applied").format(
                            date_changed=row['date_changed'], date_changed2=old['date_changed']),)))
                    touched.setdefault(ident, "stale")
                    continue
                _update(conn, row)
                if facts.is_deleted and not old["deleted"]:
                    kind = "deleted"
                    result.deleted.append(_change(row, ("marked deleted (leader/05 d)",),
                                                  was_counted=contribution(old) is not None))
                else:
                    kind = "changed"
                    what = _describe(old, row, names)
                    if old["deleted"] and not facts.is_deleted:
                        what = ("no longer marked deleted",) + what
                    if touched.get(ident) != "added":
                        result.changed.append(_change(row, what))
            touched.setdefault(ident, kind)
            with ledger.decoding(f"records {db}/{key}"):
                _corrections(conn, result, closed, old, row, import_id)
        for f in scanned.files:
            if f.error:
                if f.error.startswith(f"{f.file}: "):  # the error names the file already
                    raise ImportAborted(N_("{error}; nothing was imported").format(error=f.error))
                raise ImportAborted(N_("{file}: {error}; nothing was imported").format(
                    file=f.file, error=f.error))
        result.warnings[:0] = scanned.warnings
        for k, f in enumerate(scanned.files):
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
        result.problems = [problem_dict(p) for p in scanned.problems]
        conn.execute(
            "UPDATE imports SET finished = ?, records = ?, added = ?, changed = ?, unchanged = ?, "
            "deleted = ?, stale = ?, repeated = ?, corrections = ?, problems = ? WHERE id = ?",
            (now(), result.records, result.added, len(result.changed), result.unchanged,
             len(result.deleted), len(result.stale), result.repeated, len(result.corrections),
             len(result.problems), import_id))
    return result


def _ident(db: str, key: str) -> str:
    if db == DEFAULT_DATABASE:
        return N_("record {key}").format(key=key)
    return N_("record {key} of {db}").format(key=key, db=db)


def _change(row: dict, changes: tuple[str, ...], was_counted: bool | None = None) -> RecordChange:
    return RecordChange(row["database"], row["key"], row["control_number"], row["title"],
                        row["file"], row["record"], row["offset"], changes, was_counted)


def _insert(conn, row: dict) -> None:
    conn.execute(_INSERT, {**row, "first_seen": row["seen"], "last_seen": row["seen"],
                           "first_import": row["import_id"], "last_import": row["import_id"],
                           "changed_import": row["import_id"]})


def _update(conn, row: dict) -> None:
    conn.execute(
        f"UPDATE records SET checksum = :checksum, deleted = :deleted, {_UPDATE_ALL}, "
        "last_seen = :seen, last_import = :import_id, changed_import = :import_id, "
        "position = :position WHERE database = :database AND key = :key", row)


def _corrections(conn, result: ImportResult, closed: set[str], old: Any, row: dict,
                 import_id: int) -> None:
    if not closed:
        return
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
        conn.execute(
            "INSERT INTO corrections (period, import_id, database, key, control_number, title, "
            "file, record, kind, before_level, before_language, after_level, after_language, "
            "what) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (period, import_id, c.database, c.key, c.control_number, c.title, c.file, c.record,
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
