"""How the import writes new records: a block's uniform columns as SQL literals, new
ledgers with 16 KB pages.  What is stored must be what binding each value stores, and a
ledger made before (4 KB pages) must be read and imported into as before."""

from __future__ import annotations

import sqlite3

from test_ledger import PLAN, content_rows, ledger_at, rec, write

from rabiskit.aggregate.count import classifier_for
from rabiskit.facts.scan import Input, scan
from rabiskit.ledger.codec import ROW_COLUMNS
from rabiskit.ledger.importer import _literal, _nulls_unbound, _uniform, rows_of_pairs
from rabiskit.ledger.store import PAGE_SIZE, open_ledger
from rabiskit.pipeline.ledger import import_inputs

_TYPE = {int: "integer", str: "text", bytes: "blob", type(None): "null"}


def _stored_as_given(led, path, database: str) -> int:
    """Check every row the import stored against the row the careful reader's records
    give (``rows_of_pairs``): the same value, of the same SQLite type, column by column.
    Returns the rows checked."""
    pairs = list(scan([Input(path)], classify=classifier_for(PLAN)))
    given = [row for block in rows_of_pairs(pairs) for row in zip(*block.columns)]
    cols = ", ".join(f"typeof({c}), {c}" for c in ROW_COLUMNS)
    stored = led.rows(f"SELECT database, {cols} FROM records ORDER BY record")
    assert len(stored) == len(given)
    for row, values in zip(stored, given):
        assert row[0] == database
        for k, (column, value) in enumerate(zip(ROW_COLUMNS, values)):
            typ, got = row[1 + 2 * k], row[2 + 2 * k]
            assert (column, typ) == (column, _TYPE[type(value)])
            assert (column, got) == (column, value)
    return len(given)


def test_a_block_of_one_title_with_quotes_stores_it_as_given(tmp_path):
    # every record the same title (a column of one value: written as a literal) with the
    # quotes an SQL literal must double, and a database name with one
    title = "Абай жолы: it's \"the\" O''Brien ; DROP TABLE records; --"
    path = write(tmp_path / "a.iso", [rec(f"KZ{n}", title=title) for n in range(1, 6)])
    with ledger_at(tmp_path) as led:
        r = import_inputs(led, [Input(path)], PLAN, database="Кітапхана 'Жас'")
        assert (r.records, r.added) == (5, 5)
        assert _stored_as_given(led, path, "Кітапхана 'Жас'") == 5
        assert led.one("SELECT COUNT(*) FROM records WHERE title = ?", (title,)) == 5


def test_columns_of_many_values_and_of_one_are_stored_alike(tmp_path):
    # titles, languages, dates that differ record by record beside the uniform columns
    records = [rec(f"KZ{n}", title=f"Кітап {n} '{n}'", lang=("kaz", "rus")[n % 2],
                   date=f"202601{n:02d}") for n in range(1, 9)] + [rec(None, title="")]
    path = write(tmp_path / "b.iso", records)
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(path)], PLAN)
        assert _stored_as_given(led, path, "catalogue") == 9


def test_literals_are_those_of_the_values():
    assert _literal(None) == "NULL"
    assert _literal(0) == "0" and _literal(-12) == "-12"
    assert _literal("it's") == "'it''s'"
    assert _literal("a\x00b") is None  # SQL text ends at a NUL: bound instead
    assert _literal("\udc80") is None  # not UTF-8: bound (and refused) as before
    assert _literal(b"x") is None and _literal(1.5) is None and _literal(True) is None


def _pages(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()


def test_a_new_ledger_has_16k_pages_and_one_of_4k_pages_is_used_as_before(tmp_path):
    a = write(tmp_path / "a.iso", [rec(f"KZ{n}", title=f"Кітап {n}") for n in range(1, 6)])
    b = write(tmp_path / "b.iso", [rec("KZ4", title="Кітап 4, екінші басылым"),
                                   rec("KZ6"), rec("KZ7", lang="rus")])
    contents = []
    for pages in (None, 4096):
        folder = tmp_path / str(pages)
        folder.mkdir()
        with ledger_at(folder) as led:
            import_inputs(led, [Input(a)], PLAN)
            ledger = led.path
        assert _pages(ledger) == PAGE_SIZE == 16384
        if pages is not None:  # as rabiskit made ledgers before: SQLite's 4 KB pages
            conn = sqlite3.connect(ledger, isolation_level=None)
            conn.execute(f"PRAGMA page_size = {pages}")
            conn.execute("VACUUM")
            conn.close()
            assert _pages(ledger) == pages
        with open_ledger(ledger) as led:
            r = import_inputs(led, [Input(b)], PLAN)
            assert (r.records, r.added, len(r.changed)) == (3, 2, 1)
            assert led.one("PRAGMA integrity_check") == "ok"
            contents.append(content_rows(led))
        assert _pages(ledger) == (pages or PAGE_SIZE)
    assert contents[0] == contents[1] and len(contents[0]) == 7


def test_columns_mixing_nulls_and_values_are_stored_as_given(tmp_path):
    # NULLs beside text (host titles, dates, titles "0" and none) and beside integers
    # (article pages): bound as a value of the other type and turned back into NULL by
    # the statement; a text "0" and the integer 0 must stay themselves
    records = [rec(f"KZ{n}", title=("0", "")[n % 2], host=("Жұлдыз", None)[n % 2],
                   date=(None if n % 3 == 0 else f"202601{n:02d}"),
                   changed=(f"2026010{n}120000.0" if n % 2 else None)) for n in range(1, 9)]
    path = write(tmp_path / "c.iso", records)
    with ledger_at(tmp_path) as led:
        r = import_inputs(led, [Input(path)], PLAN)
        assert (r.records, r.added) == (8, 8)
        assert _stored_as_given(led, path, "catalogue") == 8
        assert led.one("SELECT COUNT(*) FROM records WHERE host_title IS NULL") == 4
        assert led.one("SELECT COUNT(*) FROM records WHERE article_pages IS NULL") == 4
        assert led.one("SELECT COUNT(*) FROM records WHERE title = '0'") == 4
        assert led.one("SELECT COUNT(*) FROM records WHERE date_entered IS NULL") == 2


def test_a_null_bound_as_the_other_type_comes_back_as_null():
    columns = [["0", None, "x"], [0, None, 7], [None, None, None], ["a", 1, None], [1, 2, 3]]
    nulls = _nulls_unbound(columns, {2: "NULL"})
    assert nulls == {0: ("NULLIF(?, 0)", ["0", 0, "x"]), 1: ("NULLIF(?, '')", [0, "", 7])}
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a TEXT, b INTEGER)")
    conn.executemany("INSERT INTO t VALUES (NULLIF(?, 0), NULLIF(?, ''))",
                     zip(nulls[0][1], nulls[1][1]))
    assert conn.execute("SELECT a, typeof(a), b, typeof(b) FROM t ORDER BY rowid").fetchall() \
        == [("0", "text", 0, "integer"), (None, "null", None, "null"), ("x", "text", 7, "integer")]


def test_a_column_is_uniform_only_when_every_value_is_the_same():
    n = len(ROW_COLUMNS)
    title, level = ROW_COLUMNS.index("title"), ROW_COLUMNS.index("level")
    columns = [["x"] * 5 for _ in range(n)]
    # the same value first, in the middle and last, another between them: bound
    columns[title] = ["Абай", "Абай жолы", "Абай", "Қан мен тер", "Абай"]
    columns[level] = [None] * 5
    uniform = _uniform(columns, 5)
    assert title not in uniform
    assert uniform[level] == "NULL"
    assert uniform[ROW_COLUMNS.index("flavour")] == "'x'"
