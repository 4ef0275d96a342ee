"""MARCXML as real and hostile exports meet rabiskit: an undefined entity, odd XML declarations.

Every document here is written by hand, one record per line, so the expected numbers
(records read, the line of a fault) are counted by hand, not computed by the code under
test.  The commands run as a user runs them: ``python -m rabiskit`` in a subprocess.
"""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from rabiskit.aggregate.count import count_json
from rabiskit.pipeline.count import count_inputs
from rabiskit.aggregate.period import Period
from rabiskit.facts.scan import Input
from rabiskit.plan.load import default_plan
from rabiskit.sources.marcxml import read_marcxml, xml_block_bounds

REPO = Path(__file__).resolve().parents[1]
SLIM = "http://www.loc.gov/MARC21/slim"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def run(*args, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rabiskit", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", cwd=cwd, timeout=300)


def record(i: int, title: str | None = None) -> str:
    """Record i on one line: a book entered on 2026-01-15 (008/00-05 260115), 001 ``r{i}``."""
    return ('<record><leader>00000nam a2200000 a 4500</leader>'
            f'<controlfield tag="001">r{i}</controlfield>'
            '<controlfield tag="008">260115s2026    xx            000 0 rus d</controlfield>'
            f'<datafield tag="245" ind1="0" ind2="0"><subfield code="a">{title or f"Title {i}"}'
            '</subfield></datafield></record>')


def collection(n: int, bad: dict[int, str] | None = None, head: str = HEAD, sep: str = "\n") -> str:
    """A collection: line 1 the declaration, line 2 the root, record i on line i + 2."""
    bad = bad or {}
    body = sep.join(record(i, bad.get(i)) for i in range(1, n + 1))
    return f'{head}<collection xmlns="{SLIM}">{sep}{body}{sep}</collection>\n'


def count_data(*files: Path, cwd=REPO) -> tuple[dict, subprocess.CompletedProcess]:
    r = run("count", *files, "--year", "2026", "--format", "json", cwd=cwd)
    assert "Traceback" not in r.stderr, r.stderr
    return json.loads(r.stdout), r


# -- item 7: an undefined entity ------------------------------------------------------------

def test_an_undefined_entity_in_record_50_of_100_reads_every_record_once(tmp_path):
    path = tmp_path / "nbsp.xml"
    path.write_text(collection(100, {50: "Title&nbsp;50"}), encoding="utf-8")
    data, r = count_data(path)
    assert r.returncode == 0, r.stderr
    assert data["records"]["read"] == 99  # 100 records, the broken one reported
    assert data["total"]["total"] == 99
    (problem,) = data["problems"]
    assert problem["line"] == 52  # record 50 is on line 52
    assert "record 50" in problem["message"] and "nbsp" in problem["message"]
    assert "skipped" in problem["message"]

    out = tmp_path / "exchange.xml"
    r = run("export", path, "--level", "book", "--year", "2026", "-o", out, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["written"] == 99
    ids = [el.text for el in etree.parse(str(out)).iter(f"{{{SLIM}}}controlfield")
           if el.get("tag") == "001"]
    assert ids == [f"r{i}" for i in range(1, 101) if i != 50]


def test_an_undefined_entity_in_a_one_line_collection_restarts_after_the_fault(tmp_path):
    """The whole collection on one line (as many exports are): the restart point must be the
    fault's column, not the start of its line, or records 1-2 are read again."""
    path = tmp_path / "oneline.xml"
    path.write_text(collection(6, {3: "Title &bogus; 3"}, sep=""), encoding="utf-8")
    records, problems = read_marcxml(path)
    assert [r.record.control("001") for r in records] == ["r1", "r2", "r4", "r5", "r6"]
    assert [r.number for r in records] == [1, 2, 4, 5, 6]
    (p,) = problems
    assert p.line == 2 and "record 3" in p.message and "bogus" in p.message


def test_an_invalid_namespace_before_a_cut_record_reads_the_records_once(tmp_path):
    """The property test's example (cut=478, pos=58, junk=C2 80): a namespace URI spoilt by
    U+0080 is a non-fatal error, which the exception names instead of the fault; the reader
    restarted at the top and read two records as five."""
    text = collection(2).replace(f'xmlns="{SLIM}"', f'xmlns="\u0080{SLIM}"')
    path = tmp_path / "ns.xml"
    path.write_bytes(text.replace("</collection>\n", "<record").encode("utf-8"))
    records, problems = read_marcxml(path)
    assert [r.record.control("001") for r in records] == ["r1", "r2"]
    (p,) = problems
    assert p.line == 5 and "record 3" in p.message  # the cut <record on line 5


def test_undefined_entities_give_the_same_numbers_on_the_fast_path(tmp_path):
    path = tmp_path / "nbsp.xml"
    path.write_text(collection(100, {50: "&nbsp;", 77: "a &copy; b"}), encoding="utf-8")
    plan, period = default_plan(), Period.for_year(2026)
    results = []
    for fast in (False, True):
        tally, scan = count_inputs([Input(path)], plan, period, fast=fast, workers=1)
        results.append(json.dumps(count_json(tally, plan, [p.message for p in scan.problems]),
                                  sort_keys=True))
        assert scan.records == 98
    assert results[0] == results[1]


# -- item 8: odd XML declarations -------------------------------------------------------------

ODD_NAMES = ["UTF-16", "UTF-32", "utf-16le", "UCS-2", "undefined", "base64", "hex", "zlib",
             "bz2", "uu", "rot13", "idna", "x-no-such-codec"]


def test_an_odd_declaration_is_a_problem_for_that_file_and_the_rest_is_read(tmp_path):
    good = tmp_path / "good.xml"
    good.write_text(collection(3), encoding="utf-8")
    odd = []
    for k, name in enumerate(ODD_NAMES):
        path = tmp_path / f"odd{k}.xml"
        path.write_text(collection(2, head=f'<?xml version="1.0" encoding="{name}"?>\n'),
                        encoding="utf-8")
        odd.append(path)
    data, r = count_data(good, *odd)
    assert r.returncode == 0, r.stderr
    # 3 + 2 for each odd file: their ASCII bytes are read as UTF-8
    assert data["records"]["read"] == 3 + 2 * len(ODD_NAMES)
    assert len(data["problems"]) == len(ODD_NAMES)
    for k, (name, problem) in enumerate(zip(ODD_NAMES, data["problems"])):
        assert problem["file"].endswith(f"odd{k}.xml") and problem["kind"] == "xml_encoding"
        assert name in problem["message"]
    # the report of the other, good file is written
    out = tmp_path / "report.json"
    r = run("report", good, *odd[:6], "--year", "2026", "-o", out)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["records"]["read"] == 3 + 2 * 6


@pytest.mark.parametrize("name", ["UTF-16", "undefined", "base64", "rot13", "idna"])
def test_the_xml_block_path_leaves_odd_declarations_to_the_careful_reader(tmp_path, name):
    odd = tmp_path / "odd.xml"
    odd.write_text(collection(2, head=f'<?xml version="1.0" encoding="{name}"?>\n'),
                   encoding="utf-8")
    assert xml_block_bounds(odd, odd.stat().st_size, 10) is None  # nor cut into blocks
    tally, scan = count_inputs([Input(odd)], default_plan(), Period.for_year(2026), fast=True,
                               workers=1)
    assert scan.records == 2 and [p.kind for p in scan.problems] == ["xml_encoding"]


WIDE = {
    "utf16-le-bom": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf16-be-bom": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf16-le-no-bom": lambda t: t.encode("utf-16-le"),
    "utf16-be-no-bom": lambda t: t.encode("utf-16-be"),
    "utf32-bom": lambda t: t.replace("UTF-16", "UTF-32").encode("utf-32"),
    "utf32-be-no-bom": lambda t: t.replace("UTF-16", "UTF-32").encode("utf-32-be"),
}


def test_real_utf16_and_utf32_documents_are_read(tmp_path):
    text = collection(2, {2: "Қазақ әдебиеті"}, head='<?xml version="1.0" encoding="UTF-16"?>\n')
    paths = []
    for name, encode in WIDE.items():
        path = tmp_path / f"{name}.xml"
        path.write_bytes(encode(text))
        records, problems = read_marcxml(path)
        assert problems == [] and len(records) == 2, name
        assert records[1].record.subfield("245", "a") == "Қазақ әдебиеті", name
        paths.append(path)
    data, r = count_data(*paths)
    assert r.returncode == 0 and data["problems"] == [], r.stderr
    assert data["records"]["read"] == 2 * len(WIDE)
