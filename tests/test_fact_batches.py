"""The block path of ``facts`` and ``export`` (the workers build Arrow tables of facts and
the output bytes themselves: rabiskit.facts.batches, rabiskit.export.exchange,
rabiskit.export.marcxml) writes byte for byte the files the careful reader's records give:
on hand-written bytes, the fixtures, the corpus and random, damaged blocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, REPO
from test_block_path import (HAND, PLANS, agree_at_every_block_size, agree_on_the_corpus,
                             field_bytes, record, unimarc)
from rabiskit.aggregate.period import Period
from rabiskit.facts.scan import Input, Scan
from rabiskit.pipeline.records import read_fact_tables

ISO_FIXTURES = sorted(FIXTURES.glob("*.iso")) + sorted(FIXTURES.glob("*.mrc"))


def _tables(inputs, plan, **opts):
    import pyarrow as pa

    from rabiskit.facts.batches import facts_schema

    scan = Scan()
    tables = list(read_fact_tables(inputs, plan, result=scan, **opts))
    table = pa.concat_tables(tables) if tables else facts_schema().empty_table()
    return table.to_pylist(), [f.as_dict() for f in scan.files], sum(f.block_settled for f in scan.files)


# -- hand-written records: what the table holds is written here ----------------------------

def test_hand_written_rows(tmp_path):
    """Titles cut as ``clean_title`` cuts them, ISBNs stripped, blank ones left out, the
    005 and the pages, written by hand; the block path settles the clean records."""
    rec = record("naa0 ", [
        ("001", b"  KZ-7 \x1e"),
        ("005", b"20260115101559.0\x1e"),
        ("010", field_bytes(("a", " 978-601-0 "), ("a", "   "))),
        ("010", field_bytes(("a", "5-7667"))),
        ("100", field_bytes(("a", "20260115d2026    k  y0kaza50      ba"))),
        ("101", field_bytes(("a", "kazrus"), ind="0 ")),
        ("200", field_bytes(("a", " Жазушы / "), ("f", "Н. Петрова"), ind="1 ")),
        ("215", field_bytes(("a", "382, [2] б."))),
        ("463", field_bytes(("t", ""), ("v", "Б. 3-4"), ind=" 1")),
        ("461", field_bytes(("t", "Балдырған :"))),
        ("856", field_bytes(("u", " http://x/1 "), ("u", "http://x/2"))),
    ])
    plain = record("nam0 ", [
        ("001", b"KZ-8\x1e"), ("005", b"2026011510\x1e"),
        ("100", field_bytes(("a", "20260420d2026    k  y0kaza50      ba"))),
        ("200", field_bytes(("a", "Кітап"), ind="1 ")), ("215", field_bytes(("a", "xii, 256 p.")))])
    path = tmp_path / "hand.iso"
    path.write_bytes(rec + plain + HAND[4])
    for fast in (False, True):
        rows, _, settled = _tables([Input(path)], PLANS["default"](), fast=fast, workers=1)
        assert settled == (2 if fast else 0)
        a, b, c = rows
        assert (a["control_number"], a["title"], a["isbn"], a["links"]) == (
            "KZ-7", "Жазушы", ["978-601-0", "5-7667"], ["http://x/1", "http://x/2"])
        assert (a["languages"], a["language"], a["pages"], a["article_pages"]) == ("kaz;rus", "kaz", 384, 2)
        assert a["host_title"] == "Балдырған" and a["level"] == "article"
        assert str(a["date_changed"]) == "2026-01-15 10:15:59" and str(a["date_entered"]) == "2026-01-15"
        assert (b["pages"], b["article_pages"], b["language"], b["languages_coded"]) == (256, None, "und", False)
        assert str(b["date_changed"]) == "2026-01-15 00:00:00" and b["host_title"] is None
        assert c["record"] == 3 and c["date_entered"] is None and "20261301" in c["date_entered_problem"]


@pytest.mark.parametrize("plan_name", ["default", "own-rule"])
def test_tables_equal_the_careful_readers_on_the_fixtures(tmp_path, plan_name):
    plan = PLANS[plan_name]()
    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND) * 4)
    inputs = [Input(p) for p in ISO_FIXTURES] + [Input(path)]
    agree_at_every_block_size(_tables, inputs, plan)


def test_tables_on_the_corpus():
    agree_on_the_corpus(_tables)


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="the workers' files are Linux's")
def test_tables_through_files_equal_the_pipes(tmp_path, monkeypatch):
    """The workers' tables sent back through files of a folder beside the output
    (``rabiskit.spill``) are the tables sent through the pipes; each file is removed once
    read, the folder at the end."""
    import rabiskit.facts.batches as batches
    from rabiskit.spill import spill_folder

    path = tmp_path / "hand.iso"
    path.write_bytes(b"".join(HAND) * 40)
    inputs = [Input(p) for p in ISO_FIXTURES] + [Input(path)]
    plan = PLANS["own-rule"]()
    opts = {"fast": True, "workers": 2, "block_size": 2000}
    piped = _tables(inputs, plan, **opts)
    read = []
    real = batches.read_spilled

    def counted(part):
        read.append(part.path)
        return real(part)

    monkeypatch.setattr(batches, "read_spilled", counted)
    out = tmp_path / "out"
    out.mkdir()
    with spill_folder(out / "facts.parquet") as to:
        assert to is not None
        spilled = _tables(inputs, plan, spill_to=to, **opts)
        assert os.listdir(to.folder) == []
    assert spilled == piped and len(read) > 10
    assert list(out.iterdir()) == []


# -- the command line: the files themselves -----------------------------------------------

def _run(*args, env=None):
    out = subprocess.run([sys.executable, "-m", "rabiskit", *map(str, args)], cwd=REPO,
                         capture_output=True, text=True,
                         env=None if env is None else {**os.environ, **env})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def mixed_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("mixed") / "mixed.iso"
    parts = [p.read_bytes() for p in ISO_FIXTURES if p.name != "damaged.iso"]
    path.write_bytes(b"".join(HAND) * 30 + b"".join(parts) + b"".join(HAND)
                     + (FIXTURES / "damaged.iso").read_bytes())
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_facts_cli_writes_the_same_file(tmp_path, mixed_file, suffix):
    plan = tmp_path / "own.toml"
    plan.write_text((FIXTURES / "plan-2026.toml").read_text(encoding="utf-8")
                    + "\n[rules]\nmode = \"prepend\"\n\n[[rules.rule]]\nlevel = \"local_lore\"\n"
                      "field = \"607\"\nsubfield = \"a\"\ncontains = [\"Қарағанды\"]\n", encoding="utf-8")
    outs = {}
    for name, extra, env in (("careful", ["--parallel-from", "1G"], None),
                             ("pool", ["--parallel-from", "0", "--workers", "2"], None),
                             ("pipes", ["--parallel-from", "0", "--workers", "2"],
                              {"RABISKIT_SPILL": "0"})):
        target = tmp_path / f"{name}{suffix}"
        data = _run("facts", mixed_file, "-o", target, "--plan", plan, "--format", "json", *extra,
                    env=env)
        data.pop("file")
        outs[name] = (target.read_bytes(), data)
    assert outs["pool"] == outs["careful"] and outs["pipes"] == outs["careful"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["own.toml"] + [f"{n}{suffix}" for n in outs])
    assert outs["careful"][1]["rows"] > 200


@pytest.mark.parametrize("args", [["-o", "x.iso"], ["-o", "x.xml"], ["--utf8", "-o", "x.iso"],
                                  ["--from", "2026-01-01", "--to", "2026-06-30", "-o", "x.xml"]])
def test_export_cli_writes_the_same_file(tmp_path, mixed_file, args):
    outs = {}
    for name, extra in (("careful", ["--parallel-from", "1G"]),
                        ("pool", ["--parallel-from", "0", "--workers", "2"])):
        folder = tmp_path / name
        folder.mkdir()
        target = folder / args[-1]
        data = _run("export", mixed_file, "--level", "book", "--level", "article",
                    *args[:-1], str(target), "--format", "json", *extra)
        data.pop("file")
        outs[name] = (target.read_bytes(), data)
    assert outs["pool"] == outs["careful"]
    assert outs["careful"][1]["written"] > 30


# -- random records, random damage --------------------------------------------------------

TEXTS = st.sampled_from(["Атау", " Атау / ", "Title :", "T", "", "  ", "a & b <c>", "\u00a0Жол\u00a0",
                         "Кітап.", "x\ty", "q\"uote'", "Ұлы дала ;", "Σ", "\u3000", "a\rb", "ж="])
STAMPS = st.sampled_from(["20260115101559.0", "2026011510", "  20260115", "20261315101559.0",
                          "20260115246060.0", "", "20240229000000.0", "00000101000000.0",
                          "20260115101559", "2026-01-15", "19991231235959.9 "])
EXTENTS = st.sampled_from(["256 б.", "xii, 256 p.", "", "382, [2] с.", "1 электрон. опт. диск",
                           "Б. 3-4", "С. 260-61", " 12 с. "])


@st.composite
def rich_records(draw):
    fields = [("001", (draw(TEXTS) + "\x1e").encode("utf-8")),
              ("005", (draw(STAMPS) + "\x1e").encode("utf-8")),
              ("100", field_bytes(("a", draw(st.sampled_from(["20260115", "20260630", "20261231",
                                                               "20260230", "2026011"]))
                                   + "d2026    k  y0kaza50      ba")))]
    for _ in range(draw(st.integers(0, 2))):
        fields.append(("010", field_bytes(*[("a", draw(TEXTS)) for _ in range(draw(st.integers(1, 2)))])))
    fields.append(("101", field_bytes(("a", draw(st.sampled_from(["kaz", "rus", "", "kazrus"]))), ind="0 ")))
    if draw(st.booleans()):
        fields.append(("200", field_bytes(("a", draw(TEXTS)), ("f", draw(TEXTS)), ind="1 ")))
    if draw(st.booleans()):
        fields.append(("215", field_bytes(("a", draw(EXTENTS)))))
    if draw(st.booleans()):
        fields.append(("461", field_bytes(("t", draw(TEXTS)))))
    if draw(st.booleans()):
        fields.append(("463", field_bytes(("t", draw(TEXTS)), ("v", draw(EXTENTS)), ind=" 1")))
    if draw(st.booleans()):
        fields.append(("607", draw(st.sampled_from([field_bytes(("a", "Қарағанды")), b"\x1f\x1fa\x1e",
                                                     b"no subfields\x1e", field_bytes(("b", "x"))]))))
    for _ in range(draw(st.integers(0, 2))):
        fields.append(("856", field_bytes(("u", draw(TEXTS)))))
    return record(draw(st.sampled_from(["nam0 ", "naa0 ", "cam0 ", "dam0 ", "nxz0 "])), fields)


def _export(inputs, plan, how, **opts):
    from rabiskit.export.exchange import select_records, write_exchange

    scan = Scan()
    target = opts.pop("target")
    res = write_exchange(target, select_records(inputs, plan, Period.for_year(2026), ["book", "article"],
                                                result=scan, how=how, **opts), utf8=how == "utf8")
    d = res.as_dict()
    d.pop("file")
    return target.read_bytes(), d, [f.as_dict() for f in scan.files]


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(recs=st.lists(st.one_of(rich_records(), st.builds(unimarc, st.just("20260115"))),
                     min_size=1, max_size=10),
       edits=st.lists(st.tuples(st.integers(0, 4000), st.sampled_from([0x1D, 0x1E, 0x1F, 0x30, 0x61, 0xD0, 0x92, 0x26])),
                      max_size=2),
       plan_name=st.sampled_from(sorted(PLANS)))
@example(recs=[unimarc("20260115")], edits=[], plan_name="default")
def test_random_blocks_tables_and_exports_equal_careful(tmp_path_factory, recs, edits, plan_name):
    data = bytearray(b"".join(recs))
    for pos, val in edits:
        if pos < len(data):
            data[pos] = val
    folder = tmp_path_factory.mktemp("rand")
    path = folder / "r.iso"
    path.write_bytes(bytes(data))
    plan = PLANS[plan_name]()
    inputs = [Input(path)]
    careful = _tables(inputs, plan, fast=False)
    assert _tables(inputs, plan, fast=True, workers=1, block_size=900)[:2] == careful[:2]
    for how, suffix in (("iso", ".iso"), ("xml", ".xml"), ("utf8", ".iso")):
        want = _export(inputs, plan, how, fast=False, target=folder / f"c{suffix}")
        got = _export(inputs, plan, how, fast=True, workers=1, block_size=900, target=folder / f"b{suffix}")
        assert got == want, how


@settings(max_examples=int(os.environ.get("RABISKIT_PROP_EXAMPLES", "40")), deadline=None)
@given(recs=st.lists(rich_records(), min_size=1, max_size=6))
def test_plain_record_xml_is_what_lxml_writes(recs):
    """A record made straight from its bytes is the element lxml writes for it."""
    import numpy as np

    from rabiskit.export.marcxml import plain_record_xml, plain_records_xml, record_xml
    from rabiskit.facts.blocks import index_block, records_of

    ix = index_block(b"".join(recs), encoding=None, flavour=None)
    assert ix is not None
    clean = np.flatnonzero(ix.clean)
    made = 0
    for i, together in zip(clean.tolist(), plain_records_xml(ix, clean)):
        want = record_xml(records_of(ix, np.array([i]), None)[0])[0]
        for plain in (together, plain_record_xml(ix, i)):  # None: lxml makes it
            assert plain is None or plain == want
        made += together is not None
    if all(b"&" not in r and b"<" not in r and b"\t" not in r and b"\r" not in r
           and b'"' not in r and b"\x1f\x1f" not in r for r in recs):
        assert made == clean.size


def test_marcxml_export_is_what_the_writer_writes(tmp_path):
    """The collection's start and end are those of ``MarcXmlWriter``, empty or not."""
    from rabiskit.export.marcxml import COLLECTION_END, COLLECTION_START, record_xml
    from rabiskit.sources.iso2709 import Iso2709Reader
    from rabiskit.sources.marcxml_writer import MarcXmlWriter

    recs = [s.record for s in Iso2709Reader(str(FIXTURES / "unimarc-utf8.iso"))][:5]
    for n in (0, 5):
        with MarcXmlWriter(tmp_path / "w.xml") as w:
            for r in recs[:n]:
                w.write(r)
        ours = COLLECTION_START + b"".join(record_xml(r)[0] for r in recs[:n]) + COLLECTION_END
        assert (tmp_path / "w.xml").read_bytes() == ours
