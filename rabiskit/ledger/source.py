"""Counting from the ledger exactly as from the exports.

``ledger_facts`` yields the ledger's records as RecordFacts (level included), in the
order they were read by the imports, so a ``Tally`` fed from it gives the same count
JSON as ``count_inputs`` on the exports the ledger was filled from (when those exports
hold each record once).  Deleted records are yielded too (``include_deleted``), with
record_status ``d``, because ``Tally`` lists them as deleted and does not count them,
as it does when reading the exports.  ``ledger_scan_summary`` gives the per-file
summaries and problems of the files the records were last read from, as a ``Scan``.

For commands (``count``, ``report``, ``audit``, ``digitisation`` with ``--ledger``):

* ``count_ledger(ledger, plan, period)`` -> (Tally, Scan), like ``count_inputs``;
* ``ledger_sources(ledger)`` -> (SourceRecord, RecordFacts) pairs, like ``scan``, for
  commands that need the whole record (audit, digitisation), with ``ledger_scan_summary``
  for the per-file header;
* with ``--ledger`` given beside export files, the exports are imported into an
  in-memory copy first (``rabiskit.pipeline.ledger.ledger_with_exports``).

``ledger`` arguments take a path (None: the default ledger) or an open ``Ledger``.
"""

from __future__ import annotations

import contextlib
import json
from typing import Iterator

from rabiskit.i18n import N_
from rabiskit.aggregate.count import Tally
from rabiskit.aggregate.period import Period
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.scan import Scan
from rabiskit.ledger.codec import record_from_blob, row_facts
from rabiskit.ledger.importer import rules_fingerprint, summary_from_json
from rabiskit.ledger.store import Ledger, open_ledger
from rabiskit.plan.model import Plan
from rabiskit.records import Problem, SourceRecord

@contextlib.contextmanager
def _opened(ledger) -> Iterator[Ledger]:
    if isinstance(ledger, Ledger):
        yield ledger
    else:
        with open_ledger(ledger) as led:
            yield led


def ledger_facts(ledger=None, database: str | None = None, *,
                 include_deleted: bool = True) -> Iterator[RecordFacts]:
    """Every record of the ledger (or of one ``database``) as RecordFacts, in import order."""
    with _opened(ledger) as led:
        for row in _rows(led, database, include_deleted):
            with led.decoding(_where(row)):
                facts = row_facts(row)
            yield facts


def _where(row) -> str:
    return f"records {row['database']}/{row['key']}"


def _rows(led, database: str | None, include_deleted: bool, batch: int = 1000):
    """The ledger's record rows (of one database, deleted ones or not), in import order."""
    sql = "SELECT * FROM records"
    where, params = [], []
    if database is not None:
        where.append("database = ?")
        params.append(database)
    if not include_deleted:
        where.append("deleted = 0")
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY last_import, position, record, database, key"
    cur = led.conn.execute(sql, params)
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            break
        yield from rows


def ledger_sources(ledger=None, database: str | None = None, *, include_deleted: bool = True
                   ) -> Iterator[tuple[SourceRecord, RecordFacts]]:
    """(SourceRecord, RecordFacts) for every record, in import order, as ``scan`` yields
    them from exports: for commands that look at the whole record (audit, digitisation).
    ``raw`` is None (the ledger keeps the decoded record, not the file's bytes)."""
    with _opened(ledger) as led:
        for row in _rows(led, database, include_deleted, 500):
            with led.decoding(_where(row)):
                facts = row_facts(row)
                problems = tuple(_problem(p) for p in json.loads(row["problems"]))
                src = SourceRecord(facts.file, facts.record, facts.offset, row["length"],
                                   record_from_blob(row["record_data"]), facts.flavour,
                                   facts.encoding, row["encoding_reason"], facts.damaged, None,
                                   problems, facts.line)
            yield src, facts


def ledger_scan_summary(ledger=None, database: str | None = None) -> Scan:
    """Per-file summaries (and their problems) of the files the records were last read
    from, as recorded by the import that read each file last."""
    with _opened(ledger) as led:
        params: tuple = ()
        cond = ""
        if database is not None:
            cond = "WHERE database = ?"
            params = (database,)
        located = {r[0] for r in led.conn.execute(
            f"SELECT DISTINCT file FROM records {cond}", params)}
        latest = led.conn.execute(
            "SELECT f.import_id, f.position, f.file, f.records, f.summary FROM import_files f "
            "JOIN imports i ON i.id = f.import_id WHERE i.finished IS NOT NULL"
            + (" AND f.database = ?" if database is not None else "")
            + " ORDER BY f.import_id, f.position", params).fetchall()
        last: dict[str, object] = {}
        for r in latest:
            last[r["file"]] = r  # the import that read each file last
        # files that still hold records, and files that had none (empty, unreadable)
        rows = [r for r in last.values() if r["file"] in located or not r["records"]]
        result = Scan()
        for r in rows:
            with led.decoding(f"import_files {r['import_id']}/{r['position']}"):
                summary = summary_from_json(r["summary"])
                for (text,) in led.conn.execute(
                        "SELECT problem FROM import_problems WHERE import_id = ? AND position = ? "
                        "ORDER BY seq", (r["import_id"], r["position"])):
                    summary.problems.append(_problem(json.loads(text)))
            result.files.append(summary)
        return result


def _problem(d: dict) -> Problem:
    return Problem(d["file"], d.get("record"), d.get("offset"), d["message"], d.get("kind", ""),
                   line=d.get("line"), column=d.get("column"), id=d.get("id"),
                   title=d.get("title"))


def count_ledger(ledger, plan: Plan, period: Period, database: str | None = None
                 ) -> tuple[Tally, Scan]:
    """Tally the ledger's records for ``period``: the same as ``count_inputs`` on exports."""
    with _opened(ledger) as led:
        tally = Tally(period).feed(ledger_facts(led, database))
        result = ledger_scan_summary(led, database)
        warning = rules_warning(led, plan)
        if warning:
            result.warnings.append(warning)
        return tally, result


def rules_warning(ledger, plan: Plan) -> str | None:
    """A warning when records in the ledger got their levels from other level rules than
    ``plan``'s (the levels are decided at import)."""
    with _opened(ledger) as led:
        fp = rules_fingerprint(plan)
        other = led.one(
            "SELECT COUNT(*) FROM records r JOIN imports i ON i.id = r.changed_import "
            "WHERE i.rules IS NOT NULL AND i.rules <> ?", (fp,))
        if other:
            return (N_("{other} record(s) in the ledger got their level from other level rules than those of {v}; import the exports again with this plan to re-level them").format(
                other=other, v=plan.source or 'this plan'))
        return None
