"""The ledger: imports keyed by control number, re-imports, overlaps, changes, deletions,
closed quarters and corrections, and counts from the ledger equal to counts from exports."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from conftest import FIXTURES, require_corpus

from rabiskit.aggregate.count import count_json
from rabiskit.pipeline.count import count_inputs
from rabiskit.aggregate.period import Period
from rabiskit.facts.scan import Input, problem_dict
from rabiskit.ledger.closing import close_quarter, closed_quarter, parse_quarter
from rabiskit.ledger.codec import record_checksum
from rabiskit.ledger.importer import ImportAborted
from rabiskit.ledger.location import data_dir, default_ledger_path
from rabiskit.ledger.source import count_ledger, ledger_facts, ledger_scan_summary
from rabiskit.ledger.status import ledger_status
from rabiskit.ledger.store import LedgerError, open_ledger
from rabiskit.pipeline.ledger import import_inputs, ledger_with_exports
from rabiskit.plan.load import default_plan
from rabiskit.records.record import Field, Record
from rabiskit.sources import open_source
from rabiskit.sources.iso2709_writer import encode_record

PLAN = default_plan()


# -- building real ISO 2709 exports ------------------------------------------------------
def rec(cn: str | None, date: str | None = "20260115", lang: str = "kaz", title: str = "Кітап",
        status: str = "n", bib: str = "m", changed: str | None = None,
        host: str | None = None) -> Record:
    """A UNIMARC record: 001, 005, 100$a (date entered), 101$a, 200$a, 463$t for articles."""
    fields = []
    if cn is not None:
        fields.append(Field("001", data=cn))
    if changed is not None:
        fields.append(Field("005", data=changed))
    if date is not None:
        fields.append(Field("100", subfields=[("a", f"{date}d2026    a  y0kazy50      ca")]))
    fields.append(Field("101", ind1="0", subfields=[("a", lang)]))
    fields.append(Field("200", ind1="1", subfields=[("a", title)]))
    if host:
        fields.append(Field("463", ind2="1", subfields=[("t", host), ("v", "Б. 3-4")]))
    return Record(leader=f"00000{status}a{bib}0 2200000 i 450 ", fields=fields)


def write(path: Path, records: list[Record], encoding: str = "utf-8") -> Path:
    path.write_bytes(b"".join(encode_record(r, encoding) for r in records))
    return path


def books(numbers, date="20260115", lang="kaz") -> list[Record]:
    return [rec(f"KZ{n:05d}", date=date, lang=lang, title=f"Кітап {n}") for n in numbers]


def ledger_at(tmp_path: Path):
    return open_ledger(tmp_path / "ledger.sqlite", create=True)


def json_of(tally, scan) -> dict:
    return count_json(tally, PLAN, [problem_dict(p) for p in scan.problems],
                      warnings=scan.warnings, files=[f.as_dict() for f in scan.files])


def content_rows(led) -> list[tuple]:
    """The records table without the columns that say when and where it was last seen."""
    skip = {"first_seen", "last_seen", "last_import", "position", "file", "record", "offset",
            "line"}
    cols = [r[1] for r in led.conn.execute("PRAGMA table_info(records)") if r[1] not in skip]
    return [tuple(r) for r in led.conn.execute(
        f"SELECT {', '.join(cols)} FROM records ORDER BY database, key")]


# -- where the ledger lives ----------------------------------------------------------------
def test_default_ledger_path_per_platform(tmp_path):
    home = tmp_path / "home"
    assert default_ledger_path({"RABISKIT_LEDGER": str(tmp_path / "x.sqlite")}, "linux", home) \
        == tmp_path / "x.sqlite"
    assert data_dir({"LOCALAPPDATA": "C:\\Users\\a\\AppData\\Local"}, "win32", home) \
        == Path("C:\\Users\\a\\AppData\\Local") / "rabiskit"
    assert data_dir({}, "win32", home) == home / "AppData" / "Local" / "rabiskit"
    assert data_dir({}, "darwin", home) == home / "Library" / "Application Support" / "rabiskit"
    assert data_dir({"XDG_DATA_HOME": str(tmp_path / "xdg")}, "linux", home) \
        == tmp_path / "xdg" / "rabiskit"
    # a relative XDG_DATA_HOME is invalid by the XDG spec and ignored
    assert data_dir({"XDG_DATA_HOME": "rel"}, "linux", home) == home / ".local" / "share" / "rabiskit"
    assert default_ledger_path({}, "linux", home) == home / ".local/share/rabiskit/ledger.sqlite"


def test_absent_ledger_is_a_clear_error_and_not_created(tmp_path):
    with pytest.raises(LedgerError, match="no ledger there yet"):
        open_ledger(tmp_path / "none.sqlite")
    assert not (tmp_path / "none.sqlite").exists()


def test_other_files_are_refused(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all, just text " * 20)
    with pytest.raises(LedgerError, match="not a rabiskit ledger"):
        open_ledger(text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE t (x)")
    with pytest.raises(LedgerError, match="not a rabiskit ledger"):
        open_ledger(other)


# -- imports ------------------------------------------------------------------------------
def test_import_then_same_export_again_adds_nothing(tmp_path):
    a = write(tmp_path / "a.iso", books(range(1, 6)))
    with ledger_at(tmp_path) as led:
        r1 = import_inputs(led, [Input(a)], PLAN)
        assert (r1.records, r1.added, r1.unchanged, r1.changed, r1.deleted) == (5, 5, 0, [], [])
        before = content_rows(led)
        r2 = import_inputs(led, [Input(a)], PLAN)
        assert (r2.records, r2.added, r2.unchanged, r2.changed, r2.deleted) == (5, 0, 5, [], [])
        assert content_rows(led) == before
        assert led.one("SELECT COUNT(*) FROM records") == 5
        seen = led.rows("SELECT first_import, last_import FROM records")
        assert {tuple(r) for r in seen} == {(r1.import_id, r2.import_id)}


def test_overlapping_exports_count_each_record_once(tmp_path):
    a = write(tmp_path / "jan.iso", books(range(1, 6)))
    b = write(tmp_path / "feb.iso", books(range(4, 9)))
    union = write(tmp_path / "all.iso", books(range(1, 9)))
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(a)], PLAN)
        r = import_inputs(led, [Input(b)], PLAN)
        assert (r.added, r.unchanged) == (3, 2)
        period = Period.for_quarter(2026, 1)
        from_ledger = json_of(*count_ledger(led, PLAN, period))
    from_union = json_of(*count_inputs([Input(union)], PLAN, period))
    assert from_ledger["levels"] == from_union["levels"]
    assert from_ledger["total"]["total"] == 8 == from_union["total"]["total"]
    # counting both overlapping exports directly counts the overlap twice
    both = json_of(*count_inputs([Input(a), Input(b)], PLAN, period))
    assert both["total"]["total"] == 10


def test_overlapping_files_in_one_import_are_repeated_not_added(tmp_path):
    a = write(tmp_path / "a.iso", books(range(1, 6)))
    b = write(tmp_path / "b.iso", books(range(4, 9)))
    with ledger_at(tmp_path) as led:
        r = import_inputs(led, [Input(a), Input(b)], PLAN)
        assert (r.records, r.added, r.repeated, r.unchanged) == (10, 8, 2, 0)
        assert led.one("SELECT COUNT(*) FROM records") == 8


def test_a_changed_record_updates_its_facts_and_is_reported(tmp_path):
    v1 = [rec("KZ1", title="Ескі атау", lang="rus"), rec("KZ2"), rec("KZ3")]
    v2 = [rec("KZ1", title="Жаңа атау", lang="kaz"),
          rec("KZ2", bib="a", host="Сәтбаев жұлдызы"), rec("KZ3")]
    a = write(tmp_path / "v1.iso", v1)
    b = write(tmp_path / "v2.iso", v2)
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(a)], PLAN)
        q1 = Period.for_quarter(2026, 1)
        t_before, _ = count_ledger(led, PLAN, q1)
        assert (t_before.levels["book"].total, t_before.levels["book"].kazakh) == (3, 2)
        r = import_inputs(led, [Input(b)], PLAN)
        assert (r.added, r.unchanged) == (0, 1)
        changes = {c.control_number: c.changes for c in r.changed}
        assert set(changes) == {"KZ1", "KZ2"}
        assert "language: rus → kaz" in changes["KZ1"]
        assert "title: Ескі атау → Жаңа атау" in changes["KZ1"]
        assert "level: book → article" in changes["KZ2"]
        t_after, _ = count_ledger(led, PLAN, q1)
        assert t_after.levels["book"].total == 2 and t_after.levels["book"].kazakh == 2
        assert t_after.levels["article"].total == 1
        facts = {f.control_number: f for f in ledger_facts(led)}
        assert facts["KZ1"].title == "Жаңа атау"
        assert facts["KZ2"].host_title == "Сәтбаев жұлдызы"
        assert facts["KZ2"].file == str(b)  # where the current version was read


def test_a_deleted_record_is_reported_and_no_longer_counted(tmp_path):
    a = write(tmp_path / "a.iso", books(range(1, 4)))
    b = write(tmp_path / "b.iso", [rec("KZ00002", status="d", title="Кітап 2")])
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(a)], PLAN)
        r = import_inputs(led, [Input(b)], PLAN)
        assert [(d.control_number, d.was_counted) for d in r.deleted] == [("KZ00002", True)]
        assert r.changed == [] and r.added == 0
        tally, _ = count_ledger(led, PLAN, Period.for_year(2026))
        assert tally.levels["book"].total == 2
        assert tally.deleted == 1
        assert [x.id for x in tally.deleted_records] == ["KZ00002"]
        live = [f.control_number for f in ledger_facts(led, include_deleted=False)]
        assert sorted(live) == ["KZ00001", "KZ00003"]
        status = ledger_status(led)
        assert status["total"]["deleted"] == 1 and status["total"]["live"] == 2
        # a record first seen already deleted is stored as deleted and never counted
        c = write(tmp_path / "c.iso", [rec("KZ00009", status="d")])
        r2 = import_inputs(led, [Input(c)], PLAN)
        assert [(d.control_number, d.was_counted) for d in r2.deleted] == [("KZ00009", False)]
        assert r2.added == 0
        assert count_ledger(led, PLAN, Period.for_year(2026))[0].levels["book"].total == 2


def test_an_older_version_does_not_roll_the_ledger_back(tmp_path):
    new = write(tmp_path / "new.iso", [rec("KZ1", title="Жаңа", changed="20260301120000.0")])
    old = write(tmp_path / "old.iso", [rec("KZ1", title="Ескі", changed="20260201120000.0")])
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(new)], PLAN)
        r = import_inputs(led, [Input(old)], PLAN)
        assert [s.control_number for s in r.stale] == ["KZ1"]
        assert r.changed == []
        assert next(ledger_facts(led)).title == "Жаңа"


def test_records_without_001_are_keyed_by_content(tmp_path):
    a = write(tmp_path / "a.iso", [rec(None, title="Бірінші"), rec(None, title="Екінші")])
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(a)], PLAN)
        keys = [r[0] for r in led.rows("SELECT key FROM records ORDER BY key")]
        assert len(keys) == 2 and all(k.startswith("sha256:") for k in keys)
        r = import_inputs(led, [Input(a)], PLAN)
        assert (r.added, r.unchanged) == (0, 2)


def test_checksum_ignores_layout_and_encoding_but_not_content(tmp_path):
    utf8 = write(tmp_path / "u.iso", [rec("KZ1", title="Кітап", lang="rus")])
    cp1251 = write(tmp_path / "c.iso", [rec("KZ1", title="Кітап", lang="rus")], "cp1251")
    s1 = next(iter(open_source(utf8)))
    s2 = next(iter(open_source(cp1251)))
    assert s1.raw != s2.raw
    assert record_checksum(s1.record) == record_checksum(s2.record)
    s3 = next(iter(open_source(write(tmp_path / "d.iso", [rec("KZ1", title="Кітаб", lang="rus")]))))
    assert record_checksum(s3.record) != record_checksum(s1.record)


def test_db_files_are_their_own_database(tmp_path):
    main = write(tmp_path / "main.iso", books(range(1, 4)))
    lore = write(tmp_path / "olke.iso", books(range(1, 3)))  # same 001s, another database
    with ledger_at(tmp_path) as led:
        r = import_inputs(led, [Input(main), Input(lore, "local_lore")], PLAN)
        assert r.added == 5 and dict(r.databases) == {"catalogue": 3, "local_lore": 2}
        status = ledger_status(led)
        assert set(status["databases"]) == {"catalogue", "local_lore"}
        assert status["databases"]["local_lore"]["levels"] == {"local_lore": 2}
        tally, _ = count_ledger(led, PLAN, Period.for_year(2026))
        assert (tally.levels["book"].total, tally.levels["local_lore"].total) == (3, 2)
        only = list(ledger_facts(led, "local_lore"))
        assert len(only) == 2 and {f.level for f in only} == {"local_lore"}
        # a name for the catalogue of positional exports
        r2 = import_inputs(led, [Input(main)], PLAN, database="branch2")
        assert r2.added == 3


def test_same_001_twice_in_one_import_keeps_the_later(tmp_path):
    a = write(tmp_path / "a.iso", [rec("KZ1", title="Бірінші"), rec("KZ1", title="Екінші")])
    with ledger_at(tmp_path) as led:
        r = import_inputs(led, [Input(a)], PLAN)
        assert r.added == 1 and r.changed == []
        assert any("already read in this import" in w for w in r.warnings)
        assert next(ledger_facts(led)).title == "Екінші"


def test_unreadable_input_aborts_the_whole_import(tmp_path):
    good = write(tmp_path / "good.iso", books(range(1, 4)))
    locked = tmp_path / "folder.iso"
    locked.mkdir()  # a folder where a file is expected cannot be read
    with ledger_at(tmp_path) as led:
        with pytest.raises(ImportAborted, match="nothing was imported"):
            import_inputs(led, [Input(good), Input(locked)], PLAN)
        assert led.one("SELECT COUNT(*) FROM records") == 0
        assert led.one("SELECT COUNT(*) FROM imports") == 0


def test_counts_from_exports_see_no_ledger_file_change(tmp_path):
    a = write(tmp_path / "a.iso", books(range(1, 4)))
    b = write(tmp_path / "b.iso", books(range(3, 7)))
    path = tmp_path / "ledger.sqlite"
    with open_ledger(path, create=True) as led:
        import_inputs(led, [Input(a)], PLAN)
    before = path.read_bytes()
    with ledger_with_exports(path, [Input(b)], PLAN) as (mem, result):
        assert (result.added, result.unchanged) == (3, 1)
        tally, _ = count_ledger(mem, PLAN, Period.for_year(2026))
        assert tally.levels["book"].total == 6
    assert path.read_bytes() == before
    with open_ledger(path) as led:
        assert led.one("SELECT COUNT(*) FROM records") == 3


# -- the same numbers as from the exports ----------------------------------------------------
def _fixture_inputs() -> list[Input]:
    files = sorted(p for p in FIXTURES.glob("*") if p.suffix in (".iso", ".mrc", ".xml"))
    if not files:
        pytest.fail(f"no fixtures in {FIXTURES}")
    # empty.iso holds no record: an error for every command, so not among the exports here
    return ([Input(p) for p in files if p.name not in ("local-lore.iso", "empty.iso")]
            + [Input(FIXTURES / "local-lore.iso", "local_lore")])


@pytest.mark.parametrize("period", [Period.for_year(2026), Period.for_year(2025),
                                    *(Period.for_quarter(2026, q) for q in (1, 2, 3, 4)),
                                    Period.between(dt.date(2026, 2, 1), dt.date(2026, 5, 15))],
                         ids=lambda p: p.label)
def test_ledger_count_json_equals_count_of_the_fixture_exports(tmp_path, period):
    inputs = _fixture_inputs()
    with ledger_at(tmp_path) as led:
        import_inputs(led, inputs, PLAN)
        from_ledger = json_of(*count_ledger(led, PLAN, period))
    from_exports = json_of(*count_inputs(inputs, PLAN, period))
    assert from_exports["records"]["read"] > 600
    assert from_exports["records"]["deleted"] == 2 and from_exports["records"]["damaged"] == 10
    assert from_ledger == from_exports


def test_ledger_count_json_equals_count_of_real_exports(tmp_path):
    corpus = require_corpus()
    names = ["AleksST_marc/stav6.mrc", "AleksST_marc/sven09.mrc", "isergey_libcms/ruslan_19.mrc",
             "loge-gh_rusmarc/TEST1.ISO", "Igor-AS_rusmarc-ojs/issue-2012-v320-i1.xml",
             "edsu_pymarc/marc.dat"]
    inputs = [Input(corpus / n) for n in names]
    with ledger_at(tmp_path) as led:
        r = import_inputs(led, inputs, PLAN)
        assert r.repeated == 0 and not r.warnings  # each record once: same numbers expected
        for period in (Period.for_year(2007), Period.for_year(2008), Period.for_year(2012)):
            from_exports = json_of(*count_inputs(inputs, PLAN, period))
            assert json_of(*count_ledger(led, PLAN, period)) == from_exports
    assert from_exports["records"]["read"] == r.records > 1800


def test_scan_summary_lists_the_files_and_problems_of_the_last_import(tmp_path):
    damaged = FIXTURES / "damaged.iso"
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(damaged)], PLAN)
        summary = ledger_scan_summary(led)
    direct = count_inputs([Input(damaged)], PLAN, Period.for_year(2026))[1]
    assert [f.as_dict() for f in summary.files] == [f.as_dict() for f in direct.files]
    assert len(summary.problems) == len(direct.problems) > 5


# -- closed quarters ---------------------------------------------------------------------------
def test_parse_quarter():
    assert parse_quarter("2026Q1") == (2026, 1)
    assert parse_quarter("2026-q3") == (2026, 3)
    assert parse_quarter("Q4 2026") == (2026, 4)
    for bad in ("2026Q5", "Q1", "2026", "first quarter"):
        with pytest.raises(ValueError):
            parse_quarter(bad)


def test_closed_quarter_keeps_its_numbers_and_lists_corrections(tmp_path):
    q1 = [rec("KZ1", date="20260110", lang="kaz"), rec("KZ2", date="20260210", lang="rus"),
          rec("KZ3", date="20260310", lang="kaz"), rec("KZ4", date="20260320", lang="kaz"),
          rec("KZ5", date="20260405", lang="kaz")]
    later = [
        rec("KZ1", date="20260110", lang="kaz", title="Түзетілген атау"),  # title only: no correction
        rec("KZ2", date="20260210", lang="kaz"),  # language rus → kaz
        rec("KZ3", date="20260310", status="d"),  # deleted
        rec("KZ4", date="20260402", lang="kaz"),  # date moved out of Q1
        rec("KZ6", date="20260315", lang="kaz", bib="a", host="Ұлытау өңірі"),  # added late
        rec("KZ7", date="20260501", lang="kaz"),  # Q2 (open): no correction
    ]
    a = write(tmp_path / "q1.iso", q1)
    b = write(tmp_path / "later.iso", later)
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(a)], PLAN)
        cq = close_quarter(led, 2026, 1, PLAN)
        assert cq.snapshot["total"]["total"] == 4 and cq.snapshot["total"]["kazakh"] == 3
        assert cq.snapshot["levels"]["book"]["target"] == 50
        frozen = cq.snapshot
        r = import_inputs(led, [Input(b)], PLAN)
        got = {(c.control_number, c.kind, c.before, c.after) for c in r.corrections}
        assert got == {
            ("KZ2", "changed", ("book", "rus"), ("book", "kaz")),
            ("KZ3", "removed", ("book", "kaz"), None),
            ("KZ4", "removed", ("book", "kaz"), None),
            ("KZ6", "added", None, ("article", "kaz")),
        }
        assert all(c.period == "2026Q1" for c in r.corrections)
        whats = {c.control_number: c.what for c in r.corrections}
        assert whats["KZ3"] == "marked deleted (leader/05 d)"
        assert whats["KZ4"] == "date entered 2026-03-20 → 2026-04-02"
        assert whats["KZ6"] == "new record"
        stored = closed_quarter(led, 2026, 1)
        assert stored.snapshot == frozen  # what was reported stays
        assert len(stored.corrections) == 4
        assert stored.delta() == {"book": {"total": -2, "kazakh": -1},
                                  "article": {"total": 1, "kazakh": 1}}
        # the ledger follows the catalogue: live numbers = frozen + corrections
        live = count_ledger(led, PLAN, Period.for_quarter(2026, 1))[0]
        assert live.levels["book"].total == 4 - 2 and live.levels["book"].kazakh == 3 - 1
        assert live.levels["article"].total == 1
        # closing again needs --force, and takes the corrections in
        with pytest.raises(LedgerError, match="has 4 correction"):
            close_quarter(led, 2026, 1, PLAN)
        again = close_quarter(led, 2026, 1, PLAN, force=True)
        assert again.snapshot["total"]["total"] == 3
        assert closed_quarter(led, 2026, 1).corrections == []
        # the same import again changes nothing, so no new corrections
        r2 = import_inputs(led, [Input(b)], PLAN)
        assert r2.corrections == [] and r2.unchanged == 6
        assert ledger_status(led)["closed_quarters"][0]["corrections"] == 0


def test_a_record_moving_between_two_closed_quarters_corrects_both(tmp_path):
    a = write(tmp_path / "a.iso", [rec("KZ1", date="20260320")])
    b = write(tmp_path / "b.iso", [rec("KZ1", date="20260402")])
    with ledger_at(tmp_path) as led:
        import_inputs(led, [Input(a)], PLAN)
        close_quarter(led, 2026, 1, PLAN)
        close_quarter(led, 2026, 2, PLAN)
        r = import_inputs(led, [Input(b)], PLAN)
        assert sorted((c.period, c.kind) for c in r.corrections) == [("2026Q1", "removed"),
                                                                       ("2026Q2", "added")]
        assert closed_quarter(led, 2026, 2).delta() == {"book": {"total": 1, "kazakh": 1}}


# -- whole records back from the ledger (audit, digitisation) ---------------------------------
def test_ledger_sources_give_back_the_records_scan_read(tmp_path):
    from rabiskit.aggregate.count import classifier_for
    from rabiskit.facts.scan import scan
    from rabiskit.ledger.source import ledger_sources

    inputs = _fixture_inputs()
    direct = list(scan(inputs, classify=classifier_for(PLAN)))
    with ledger_at(tmp_path) as led:
        import_inputs(led, inputs, PLAN)
        back = list(ledger_sources(led))
    assert len(back) == len(direct) > 600
    for (s1, f1), (s2, f2) in zip(direct, back):
        assert f2 == f1
        assert s2.record.leader == s1.record.leader and s2.record.fields == s1.record.fields
        assert (s2.file, s2.number, s2.offset, s2.length, s2.flavour, s2.encoding,
                s2.encoding_reason, s2.damaged, s2.line) == \
               (s1.file, s1.number, s1.offset, s1.length, s1.flavour, s1.encoding,
                s1.encoding_reason, s1.damaged, s1.line)
        assert [p.message for p in s2.problems] == [p.message for p in s1.problems]


def test_audit_and_digitisation_from_the_ledger_equal_those_from_exports(tmp_path):
    import rabiskit.audit.run as audit
    import rabiskit.digitisation.run as digi
    from rabiskit.pipeline.digitisation import digitisation_inputs
    from rabiskit.ledger.source import ledger_sources

    inputs = _fixture_inputs()
    period = Period.for_year(2026)
    today = dt.date(2026, 12, 31)
    with ledger_at(tmp_path) as led:
        import_inputs(led, inputs, PLAN)
        auditor = audit.Auditor(PLAN, period, audit.AuditOptions(today=today))
        tally = digi.prepare(PLAN, period, None, None)
        for src, facts in ledger_sources(led):
            auditor.add(src, facts)
            tally.add(src, facts)
        summary = ledger_scan_summary(led)
    from_ledger = auditor.result(summary).as_dict()
    from_exports = audit.audit_inputs(inputs, PLAN, period, today).as_dict()
    assert from_ledger["summary"] == from_exports["summary"]
    assert from_ledger["findings"] == from_exports["findings"]
    assert len(from_exports["findings"]) > 10
    d_ledger = tally.result(summary)
    d_exports = digitisation_inputs(inputs, PLAN, period)
    assert d_ledger["total"] == d_exports["total"] and d_ledger["types"] == d_exports["types"]
    assert d_exports["total"]["documents"] > 5
