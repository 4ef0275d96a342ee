"""An import read in blocks by worker processes (each record given to the ledger as the
columns of its row) stores what the careful reader stores, whatever the block size and
the number of workers; a new ledger's records added a block at a time (one executemany)
are the records added one by one into a ledger that already holds others."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES
from test_ledger import PLAN, books, ledger_at, rec, write

from rabiskit.facts.scan import Input
from rabiskit.ledger.store import open_ledger
from rabiskit.pipeline.ledger import import_inputs
from rabiskit.sources.iso2709_writer import encode_record

NOW = "2026-11-30T00:00:00+00:00"


def _tables(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def _import(target: Path, inputs, **opts) -> tuple[dict, dict]:
    with open_ledger(target, create=True) as led:
        res = import_inputs(led, inputs, PLAN, now=lambda: NOW, **opts).as_dict()
    res.pop("ledger")
    return res, _tables(target)


def test_many_blocks_store_what_the_careful_reader_stores(tmp_path):
    # 300 good records, then the damaged fixture (records the careful reader reads, with
    # their problems), then 300 more and a record read twice: with 4 KB blocks the damaged
    # records and the repeat come in later blocks, numbered in the file as the careful
    # reader numbers them
    good = b"".join(encode_record(r, "utf-8") for r in books(range(1, 301)))
    more = b"".join(encode_record(r, "utf-8") for r in books(range(301, 601)))
    again = encode_record(books([7])[0], "utf-8")
    path = tmp_path / "export.iso"
    path.write_bytes(good + (FIXTURES / "damaged.iso").read_bytes() + more + again)
    inputs = [Input(path), Input(FIXTURES / "rusmarc-cp1251.iso")]
    out = {}
    for name, opts in (("careful", {"min_fast_size": 1 << 40}),
                       ("block", {"min_fast_size": 0, "workers": 1, "block_size": 4096}),
                       ("pool", {"min_fast_size": 0, "workers": 2, "block_size": 4096})):
        out[name] = _import(tmp_path / f"{name}.sqlite", inputs, **opts)
    assert out["block"] == out["careful"]
    assert out["pool"] == out["careful"]
    res, tables = out["careful"]
    assert res["repeated"] == 1 and res["added"] == len(tables["records"])
    # a damaged record's stored problems name its number in the file: the damaged fixture's
    # 2nd record is the export's 302nd
    conn = sqlite3.connect(tmp_path / "pool.sqlite")
    stored = {r: json.loads(p) for r, p in conn.execute(
        "SELECT record, problems FROM records WHERE problems <> '[]' AND file = ?", (str(path),))}
    conn.close()
    assert 302 in stored
    assert {p["record"] for ps in stored.values() for p in ps} == set(stored)


def _catalogue_rows(path: Path) -> list[tuple]:
    """The catalogue's rows but for the columns that name the import and when it ran."""
    conn = sqlite3.connect(path)
    try:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(records)")
                if r[1] not in {"first_seen", "last_seen", "first_import", "last_import",
                                "changed_import"}]
        return conn.execute(f"SELECT {', '.join(cols)} FROM records WHERE database = 'catalogue' "
                            "ORDER BY last_import, position, record").fetchall()
    finally:
        conn.close()


def test_new_records_added_a_block_at_a_time_as_one_by_one(tmp_path):
    # into a new ledger, and into one holding records of another database, the block path
    # adds each block with one statement; into a ledger holding the export's first record
    # the first block meets it, and every record is looked up first: the same rows
    recs = books(range(1, 41)) + [rec("KZ00099", status="d"), rec(None, title="Без нөмір")]
    path = write(tmp_path / "a.iso", recs)
    opts = {"min_fast_size": 0, "workers": 1, "block_size": 1024}
    results, rows = [], []
    for name, before in (("fresh", None), ("other", ("B1", "book")), ("first", ("KZ00001", None))):
        folder = tmp_path / name
        folder.mkdir()
        with ledger_at(folder) as led:
            if before is not None:
                first = books([1])[0] if before[0] == "KZ00001" else rec(before[0])
                import_inputs(led, [Input(write(folder / "before.iso", [first]), before[1])],
                              PLAN)
            results.append(import_inputs(led, [Input(path)], PLAN, **opts))
        rows.append(_catalogue_rows(folder / "ledger.sqlite"))
    for r, added in zip(results, (41, 41, 40)):
        assert (r.records, r.added, r.unchanged, r.repeated) == (42, added, 41 - added, 0)
        assert [(c.key, c.record, c.changes, c.was_counted) for c in r.deleted] == [
            ("KZ00099", 41, ("new record, already marked deleted",), False)]
    assert len(rows[0]) == 42
    assert rows[1] == rows[0] and rows[2] == rows[0]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_record_twice_in_one_block_of_a_new_ledger(tmp_path, workers):
    # the block's one statement meets the second KZ00003: the block is rolled back and its
    # records decided one by one (repeated; another content: the later one kept, a warning)
    recs = books(range(1, 6)) + books([3]) + [rec("KZ00004", title="Екінші басылым")]
    path = write(tmp_path / "a.iso", recs)
    with ledger_at(tmp_path) as led:
        r = import_inputs(led, [Input(path)], PLAN, min_fast_size=0, workers=workers)
        assert (r.records, r.added, r.repeated, r.unchanged, r.changed) == (7, 5, 1, 0, [])
        assert len(r.warnings) == 1 and "already read in this import" in r.warnings[0]
        assert led.one("SELECT title FROM records WHERE key = 'KZ00004'") == "Екінші басылым"
        assert led.one("SELECT COUNT(*) FROM records") == 5
        assert led.one("PRAGMA integrity_check") == "ok"
        # and again: nothing new
        # and again: KZ00004 as first read changes the ledger back, then as read last again
        r2 = import_inputs(led, [Input(path)], PLAN, min_fast_size=0, workers=workers)
        assert (r2.added, r2.unchanged, r2.repeated) == (0, 4, 1)
        assert [c.key for c in r2.changed] == ["KZ00004", "KZ00004"]


def test_blocks_with_columns_left_empty_stored_as_one_by_one(tmp_path):
    # blocks where a column is empty in every record (no 001, no date entered: the block's
    # statement says NULL there), blocks where only some are, and blocks with none empty:
    # the rows added a block at a time into a new ledger are those decided one by one
    # (a ledger holding the export's first record), value for value and type for type
    recs = ([rec(None, title=f"Без нөмір {n}") for n in range(12)]
            + [rec(f"KZ{n:05d}", date=None, title=f"Күнсіз {n}") for n in range(100, 112)]
            + [rec(f"KZ{n:05d}" if n % 2 else None, date=None if n % 3 else "20260115",
                   title=f"Аралас {n}") for n in range(200, 224)]
            + books(range(300, 312)))
    path = write(tmp_path / "a.iso", recs)
    opts = {"min_fast_size": 0, "workers": 1, "block_size": 2048}
    rows, types = [], []
    for name, first in (("fresh", None), ("first", recs[0])):
        folder = tmp_path / name
        folder.mkdir()
        with ledger_at(folder) as led:
            if first is not None:
                import_inputs(led, [Input(write(folder / "before.iso", [first]))], PLAN)
            statements: list[str] = []
            led.conn.set_trace_callback(statements.append)
            r = import_inputs(led, [Input(path)], PLAN, **opts)
            led.conn.set_trace_callback(None)
            if first is None:  # every block added with its one statement, none rolled back
                assert not any(s.startswith("ROLLBACK") for s in statements)
                assert any(s.startswith("INSERT INTO records") and "NULL" in s
                           for s in statements)
            assert (r.records, r.added + r.unchanged) == (60, 60)
            types.append(led.rows("SELECT DISTINCT typeof(control_number), typeof(date_entered), "
                                  "typeof(record_data) FROM records ORDER BY 1, 2, 3"))
        rows.append(_catalogue_rows(folder / "ledger.sqlite"))
    assert rows[1] == rows[0]
    assert [tuple(t) for t in types[0]] == [("null", "null", "blob"), ("null", "text", "blob"),
                                            ("text", "null", "blob"), ("text", "text", "blob")]
    assert [tuple(t) for t in types[1]] == [tuple(t) for t in types[0]]
    conn = sqlite3.connect(tmp_path / "fresh" / "ledger.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM records WHERE control_number IS NULL").fetchone() == (
        12 + 12,)
    assert conn.execute("SELECT COUNT(*) FROM records WHERE date_entered IS NULL").fetchone() == (
        12 + 16,)
    conn.close()
