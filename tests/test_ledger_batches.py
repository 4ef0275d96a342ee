"""The import stores records in batches: the same results whatever the batch size, the
index it rebuilds on a new ledger is there afterwards (or untouched when the import is
aborted), and the ledger package stores what it is given without reading export files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from test_ledger import PLAN, content_rows, ledger_at, rec, write

import rabiskit.ledger.importer as importer
from rabiskit.facts.scan import Input, Scan
from rabiskit.ledger.importer import ImportAborted, import_records
from rabiskit.ledger.store import SCHEMA
from rabiskit.pipeline.ledger import import_inputs

LEDGER_PACKAGE = Path(importer.__file__).parent


def _overlap(tmp_path: Path) -> tuple[Path, Path]:
    a = write(tmp_path / "a.iso", [rec(f"KZ{n}", title=f"Кітап {n}") for n in range(1, 6)])
    b = write(tmp_path / "b.iso", [rec("KZ4", title="Кітап 4"), rec("KZ5", title="Кітап 5"),
                                   rec("KZ6", title="Кітап 6"),
                                   rec("KZ4", title="Кітап 4, екінші басылым")])
    return a, b


@pytest.mark.parametrize("batch", [1, 2, 3, 500])
def test_overlaps_and_repeats_whatever_the_batch_size(tmp_path, monkeypatch, batch):
    monkeypatch.setattr(importer, "BATCH", batch)
    a, b = _overlap(tmp_path)
    with ledger_at(tmp_path) as led:
        r = import_inputs(led, [Input(a), Input(b)], PLAN)
        # a: KZ1-KZ5 added; b: KZ4 and KZ5 again (repeated), KZ6 added, KZ4 with another
        # title (a warning; the later one is kept; not listed as changed: added by this import)
        assert (r.records, r.added, r.repeated, r.unchanged) == (9, 6, 2, 0)
        assert (r.changed, r.deleted, r.stale) == ([], [], [])
        assert len(r.warnings) == 1 and "already read in this import" in r.warnings[0]
        assert led.one("SELECT title FROM records WHERE key = 'KZ4'") == \
            "Кітап 4, екінші басылым"
        # b alone again: KZ4 first as in a (changed back), KZ5 and KZ6 unchanged, then KZ4
        # with the other title again (read twice with other content: changed again)
        r2 = import_inputs(led, [Input(b)], PLAN)
        assert (r2.records, r2.added, r2.repeated, r2.unchanged) == (4, 0, 0, 2)
        assert [c.key for c in r2.changed] == ["KZ4", "KZ4"]
        assert len(r2.warnings) == 1
        assert led.one("SELECT title FROM records WHERE key = 'KZ4'") == \
            "Кітап 4, екінші басылым"
        assert led.one("SELECT COUNT(*) FROM records") == 6
        assert led.one("SELECT COUNT(*) FROM records WHERE last_import = ?",
                       (r2.import_id,)) == 3


def test_batch_size_does_not_change_the_ledger(tmp_path, monkeypatch):
    rows = []
    for batch in (1, 500):
        monkeypatch.setattr(importer, "BATCH", batch)
        folder = tmp_path / str(batch)
        folder.mkdir()
        a, b = _overlap(folder)
        with ledger_at(folder) as led:
            import_inputs(led, [Input(a)], PLAN)
            import_inputs(led, [Input(b), Input(a)], PLAN)
            rows.append(content_rows(led))
    assert rows[0] == rows[1] and len(rows[0]) == 6


def _index_sql(led) -> dict[str, str]:
    return {r[0]: r[1] for r in led.rows(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}


def test_the_date_index_is_rebuilt_after_an_import_into_a_new_ledger(tmp_path):
    a = write(tmp_path / "a.iso", [rec(f"KZ{n}", date=f"202601{n:02d}") for n in range(1, 8)])
    expected = {"records_order", "records_date", "corrections_period"}
    with ledger_at(tmp_path) as led:
        assert set(_index_sql(led)) == expected
        import_inputs(led, [Input(a)], PLAN)
        indexes = _index_sql(led)
        assert set(indexes) == expected
        assert indexes["records_date"] in SCHEMA
        plan = " ".join(r[3] for r in led.rows(
            "EXPLAIN QUERY PLAN SELECT key FROM records WHERE date_entered = '2026-01-03'"))
        assert "records_date" in plan
        assert led.rows("SELECT key FROM records WHERE date_entered = '2026-01-03'")[0][0] == "KZ3"
        assert led.one("PRAGMA integrity_check") == "ok"


def test_an_aborted_import_into_a_new_ledger_keeps_its_index(tmp_path):
    good = write(tmp_path / "good.iso", [rec("KZ1"), rec("KZ2")])
    folder = tmp_path / "folder.iso"
    folder.mkdir()  # cannot be read: the whole import is rolled back
    with ledger_at(tmp_path) as led:
        before = _index_sql(led)
        with pytest.raises(ImportAborted):
            import_inputs(led, [Input(good), Input(folder)], PLAN)
        assert _index_sql(led) == before
        assert led.one("SELECT COUNT(*) FROM records") == 0


def test_import_records_stores_the_pairs_it_is_given(tmp_path):
    # the ledger layer takes records already read: here two pairs from the careful reader,
    # given without their file's summary (no file was read by the ledger itself)
    from rabiskit.aggregate.count import classifier_for
    from rabiskit.facts.scan import scan

    a = write(tmp_path / "a.iso", [rec("KZ1"), rec("KZ2", lang="rus")])
    pairs = list(scan([Input(a)], classify=classifier_for(PLAN)))
    with ledger_at(tmp_path) as led:
        r = import_records(led, pairs, Scan(), PLAN, databases={str(a): "branch"})
        assert (r.records, r.added, dict(r.databases), r.files) == (2, 2, {"branch": 2}, [])
        assert [tuple(x) for x in led.rows(
            "SELECT database, key, language FROM records ORDER BY key")] == [
            ("branch", "KZ1", "kaz"), ("branch", "KZ2", "rus")]


def test_the_ledger_package_reads_no_export_file():
    # reading the exports is the pipeline's: the ledger stores what it is given
    found = []
    for path in sorted(LEDGER_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {a.name for a in node.names}
                if node.module.startswith("rabiskit.sources") or (
                        node.module == "rabiskit.facts.scan" and names & {"scan", "scan_one"}):
                    found.append(f"{path.name}: from {node.module} import {sorted(names)}")
            elif isinstance(node, ast.Import):
                found += [f"{path.name}: import {a.name}" for a in node.names
                          if a.name.startswith("rabiskit.sources")]
    assert found == []


def _whole_ledger(led) -> list[tuple]:
    return [tuple(r) for r in led.conn.execute(
        "SELECT * FROM records ORDER BY database, key")]


def _mixed_imports(folder: Path) -> list[Path]:
    """Exports read again with every kind of decision among unchanged records: a changed
    title, a deletion, a new record, an older 005 (stale) then the same record as the ledger
    holds it, a record read twice in one file, one whose date entered is now missing."""
    first = [rec(f"KZ{n}", title=f"Кітап {n}", changed="20260301120000.0") for n in range(1, 13)]
    again = [*first[:2], rec("KZ3", title="Кітап 3, өзгерген", changed="20260302120000.0"),
             first[3], rec("KZ5", title="Кітап 5", status="d", changed="20260302120000.0"),
             first[5], rec("KZ7", title="Ескі", changed="20260201120000.0"), first[6],
             first[7], first[8], first[8], first[9],
             rec("KZ11", title="Кітап 11", date=None, changed="20260301120000.0"), first[11],
             rec("KZ13", title="Жаңа")]
    return [write(folder / "first.iso", first), write(folder / "again.iso", again),
            write(folder / "third.iso", again[:6])]


@pytest.mark.parametrize("batch", [1, 4, 100])
def test_chunks_marked_seen_at_once_decide_as_one_by_one(tmp_path, monkeypatch, batch):
    """``_seen_as_stored`` (a chunk the ledger holds as it is, marked seen by one statement)
    gives the ledger and the results that deciding every record one by one gives, and it is
    taken (the counter below)."""
    monkeypatch.setattr(importer, "BATCH", batch)
    taken = []
    real = importer._ImportState._seen_as_stored

    def counting(self, columns, a, b, db, position):
        done = real(self, columns, a, b, db, position)
        taken.append(done)
        return done

    out = []
    for way in ("at once", "one by one"):
        folder = tmp_path / way.replace(" ", "_")
        folder.mkdir()
        monkeypatch.chdir(folder)  # (the files named alike both ways: relative paths)
        if way == "at once":
            monkeypatch.setattr(importer._ImportState, "_seen_as_stored", counting)
        else:
            monkeypatch.setattr(importer._ImportState, "_seen_as_stored",
                                lambda self, *args: False)
        results = []
        with ledger_at(folder) as led:
            for path in _mixed_imports(Path(".")):
                r = import_inputs(led, [Input(path)], PLAN,
                                  now=lambda: "2026-11-30T00:00:00+00:00").as_dict()
                r.pop("ledger")
                results.append(r)
            out.append((results, _whole_ledger(led)))
    assert out[0] == out[1]
    results = out[0][0]
    # (counted here by hand: KZ1 2 4 6 8 9 10 12 unchanged; KZ7 as stored after its stale
    # copy, and KZ9's second copy, repeated; KZ3 and KZ11 changed, KZ5 deleted, KZ13 added)
    second = results[1]
    assert (second["unchanged"], second["repeated"], second["added"]) == (8, 2, 1)
    assert [c["key"] for c in second["changed"]] == ["KZ3", "KZ11"]
    assert [c["key"] for c in second["deleted"]] == ["KZ5"]
    assert [c["key"] for c in second["stale"]] == ["KZ7"]
    assert results[2]["unchanged"] == 6  # (the first six as the second import left them)
    assert True in taken and (batch == 1 or False in taken)
